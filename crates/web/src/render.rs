//! One way to render a page: a compile-checked template carrying a [`Layout`] (its title, who
//! is signed in, the navigation for their kind), sent with a status. Error pages are rendered
//! here too, by the guard, so every 404 looks the same whether the record is missing or not
//! the viewer's.

use crate::session::Viewer;
use aftercart_app::{Action, AppError, CustomerRole, PrincipalKind, StaffRole};
use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Who is signed in, as the header shows it.
#[derive(Debug, Clone)]
pub struct Who {
    pub name: String,
    /// The customer's account, the supplier's fulfilment location, or "Seller staff".
    pub org: String,
    pub role: String,
    /// Unread notifications, for the header's bell (up to [`aftercart_app::notify::UNREAD_CAP`]).
    pub unread: u32,
}

impl Who {
    /// The bell's badge: the count, or "99+" once it reaches the cap.
    pub fn badge(&self) -> String {
        if self.unread >= aftercart_app::notify::UNREAD_CAP {
            format!("{}+", aftercart_app::notify::UNREAD_CAP - 1)
        } else {
            self.unread.to_string()
        }
    }
}

#[derive(Debug, Clone)]
pub struct Nav {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// What the layout (`base.html`) needs from every page.
#[derive(Debug, Clone)]
pub struct Layout {
    pub title: String,
    pub who: Option<Who>,
    pub nav: Vec<Nav>,
    /// The session's CSRF token, for the sign-out form in the header.
    pub csrf: String,
    pub css: String,
    /// The page is the notifications list / the viewer's settings (the header's links say so).
    pub at_bell: bool,
    pub at_settings: bool,
}

impl Layout {
    /// The layout of a page seen by nobody signed in.
    pub fn public(title: impl Into<String>) -> Layout {
        Layout {
            title: title.into(),
            who: None,
            nav: Vec::new(),
            csrf: String::new(),
            css: crate::assets::css_url(),
            at_bell: false,
            at_settings: false,
        }
    }

    /// The layout for `viewer`, with the navigation item at `current` marked.
    pub fn for_viewer(title: impl Into<String>, viewer: &Viewer, current: &str) -> Layout {
        let p = &viewer.ctx.principal;
        let mut items: Vec<(&'static str, &'static str)> = Vec::new();
        match &p.kind {
            PrincipalKind::Customer { .. } => {
                items.push(("/dashboard", "Dashboard"));
                items.push(("/orders", "Orders"));
                if p.may(Action::BillingRead) {
                    items.push(("/invoices", "Invoices"));
                }
                // -- receivables --
                if p.may(Action::PayInvoices) {
                    items.push(("/pay", "Pay"));
                }
                if p.may(Action::BillingRead) {
                    items.push(("/statement", "Statement"));
                    items.push(("/disputes", "Disputes"));
                }
                // -- /receivables --
                // -- approvals and spend --
                if p.may(Action::Approve) {
                    items.push(("/approvals", "Approvals"));
                }
                if p.may(Action::ReportsRead) {
                    items.push(("/spend", "Spend"));
                }
                // -- reorder and saved lists --
                if p.may(Action::OrderPlace) {
                    items.push(("/lists", "Saved lists"));
                }
                // -- supplier portal and shipments --
                items.push(("/shipments", "Shipments"));
                // -- returns --
                items.push(("/returns", "Returns"));
                // -- /returns --
                // -- cases --
                if p.may(Action::Cases) {
                    items.push(("/cases", "Cases"));
                }
                // -- /cases --
                // -- company administration --
                if p.may(Action::UsersManage) {
                    items.push(("/admin", "Company"));
                }
            }
            PrincipalKind::Staff(_) | PrincipalKind::System => {
                items.push(("/console", "Customers"));
                items.push(("/orders", "Orders"));
                items.push(("/invoices", "Invoices"));
                // -- receivables --
                items.push(("/console/receivables", "Receivables"));
                // -- /receivables --
                items.push(("/shipments", "Shipments"));
                items.push(("/search", "Search"));
                // -- cases --
                items.push(("/console/cases", "Cases"));
                // -- /cases --
                // -- returns --
                items.push(("/console/returns", "Returns"));
                // -- /returns --
                // -- exceptions --
                items.push(("/console/exceptions", "Exceptions"));
                // -- /exceptions --
                // -- change requests --
                if p.may(Action::ChangeDecide) {
                    items.push(("/console/changes", "Changes"));
                }
                // -- /change requests --
                // -- notifications --
                if p.may(Action::Integrations) {
                    items.push(("/console/webhooks", "Webhooks"));
                    items.push(("/console/deliveries", "Deliveries"));
                }
                // -- /notifications --
            }
            PrincipalKind::Supplier { .. } => {
                items.push(("/orders", "Orders"));
                // -- supplier nav --
                items.push(("/supplier", "Lines to ship"));
                items.push(("/shipments", "Shipments"));
            }
        }
        Layout {
            title: title.into(),
            who: Some(viewer.who.clone()),
            nav: items
                .into_iter()
                .map(|(href, label)| Nav {
                    href,
                    label,
                    current: href == current,
                })
                .collect(),
            csrf: viewer.csrf.clone(),
            css: crate::assets::css_url(),
            at_bell: current == crate::pages::notifications::INBOX,
            at_settings: current == crate::pages::notifications::SETTINGS,
        }
    }
}

pub fn customer_role(r: CustomerRole) -> &'static str {
    match r {
        CustomerRole::AccountAdmin => "Account admin",
        CustomerRole::Buyer => "Buyer",
        CustomerRole::Approver => "Approver",
        CustomerRole::Finance => "Finance",
        CustomerRole::Viewer => "Viewer",
    }
}

pub fn staff_role(r: StaffRole) -> &'static str {
    match r {
        StaffRole::Admin => "Seller admin",
        StaffRole::Agent => "Service agent",
        StaffRole::FinanceOps => "Finance operations",
        StaffRole::Operations => "Operations",
    }
}

/// Renders `page` as an HTML response with `status`. Pages are personal: never cached.
pub fn render<T: Template>(status: StatusCode, page: &T) -> Response {
    match page.render() {
        Ok(html) => {
            let mut r = (status, html).into_response();
            let h = r.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
        Err(e) => {
            tracing::error!(error = %e, "template failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong on our side.").into_response()
        }
    }
}

/// A page that cannot be shown. Handlers return it; the guard renders it with the viewer's
/// layout (see [`error_page`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageError {
    /// Missing, or not the viewer's: one answer for both.
    NotFound,
    /// The viewer's role does not allow this page or action.
    Forbidden(String),
    /// The session is gone: sign in again.
    SignIn,
    /// The store has no capacity right now (out of connections): try again in a moment.
    Busy,
    /// Something went wrong on our side (already logged).
    Internal,
}

impl From<AppError> for PageError {
    fn from(e: AppError) -> PageError {
        match e {
            AppError::NotFound { .. } => PageError::NotFound,
            AppError::Forbidden(m) => PageError::Forbidden(m),
            AppError::Unauthenticated(_) => PageError::SignIn,
            e if e.is_unavailable() => {
                tracing::warn!(error = %e, "store unavailable");
                PageError::Busy
            }
            e => {
                tracing::error!(error = %e, "page failed");
                PageError::Internal
            }
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = match &self {
            PageError::NotFound => StatusCode::NOT_FOUND,
            PageError::Forbidden(_) => StatusCode::FORBIDDEN,
            PageError::SignIn => StatusCode::SEE_OTHER,
            PageError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            PageError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let mut r = status.into_response();
        r.extensions_mut().insert(self);
        r
    }
}

pub type PageResult = Result<Response, PageError>;

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    l: Layout,
    heading: String,
    body: String,
}

/// The page for an error, in the viewer's layout when someone is signed in.
pub fn error_page(e: &PageError, viewer: Option<&Viewer>) -> Response {
    if *e == PageError::SignIn {
        return crate::session::redirect("/sign-in");
    }
    let (status, title, body) = match e {
        PageError::NotFound => (
            StatusCode::NOT_FOUND,
            "Page not found",
            "If you typed the web address, check it is correct. If you followed a link, the record \
             may not exist or may not be one you can see."
                .to_owned(),
        ),
        PageError::Forbidden(m) => (
            StatusCode::FORBIDDEN,
            "You cannot use this page",
            format!("Your role does not allow this ({m}). Ask your account admin if you need it."),
        ),
        PageError::Busy => (
            StatusCode::SERVICE_UNAVAILABLE,
            "The service is busy",
            "Nothing you entered was saved. Try again in a moment.".to_owned(),
        ),
        _ => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "Sorry, there is a problem with the service",
            "Try again later. Nothing you entered was saved.".to_owned(),
        ),
    };
    let l = match viewer {
        Some(v) => Layout::for_viewer(title, v, ""),
        None => Layout::public(title),
    };
    let mut r = render(
        status,
        &ErrorPage {
            l,
            heading: title.to_owned(),
            body,
        },
    );
    if status == StatusCode::SERVICE_UNAVAILABLE {
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    r
}

#[cfg(test)]
mod tests {
    use super::Who;

    #[test]
    fn the_bell_shows_99_plus_at_the_cap() {
        let who = |unread| Who {
            name: String::new(),
            org: String::new(),
            role: String::new(),
            unread,
        };
        assert_eq!(who(3).badge(), "3");
        assert_eq!(who(99).badge(), "99");
        assert_eq!(who(aftercart_app::notify::UNREAD_CAP).badge(), "99+");
    }
}
