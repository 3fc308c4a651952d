//! The portal session and the access guard.
//!
//! The session cookie is the API's own (same name, `HttpOnly`, `SameSite=Strict`, `Secure`
//! unless `dev_cookies`), so a signed-in browser can use both. The guard runs before every page:
//! it finds the page's rule ([`crate::access::rule`]), the session, checks the role, and for a
//! form post the session's CSRF token (a hidden `csrf` field, compared in constant time). It
//! then renders any [`PageError`] the handler returned, with the viewer's layout.

use crate::WebState;
use crate::access::Rule;
use crate::render::{PageError, Who, customer_role, error_page, staff_role};
use aftercart_app::{Ctx, PrincipalKind};
use axum::body::Body;
use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The largest form body a page accepts.
pub const MAX_FORM_BYTES: usize = 64 * 1024;

/// The largest bank statement the console's import form accepts (pasted as text): the API's
/// body limit, so a file the API takes is not refused here.
pub const MAX_BANK_FILE_BYTES: usize = 2 * 1024 * 1024;

/// The body limit of a page's form: [`MAX_FORM_BYTES`], except the bank statement import.
fn form_limit(path: &str) -> usize {
    if path == "/console/bank-statements" {
        MAX_BANK_FILE_BYTES
    } else {
        MAX_FORM_BYTES
    }
}

/// Routes answering with a file, not a page: no header, so no unread count is needed.
fn is_download(path: &str) -> bool {
    path == crate::assets::CSS_ROUTE
        || path.ends_with(".csv")
        || path.ends_with(".pdf")
        || path.ends_with("/pdf")
        || path.ends_with("/ubl")
}

impl WebState {
    /// The session cookie: the API's own ([`aftercart_app::SessionCookie`]).
    pub fn cookie(&self) -> aftercart_app::SessionCookie {
        aftercart_app::SessionCookie { dev: self.dev_cookies }
    }

    pub fn cookie_name(&self) -> &'static str {
        self.cookie().name()
    }

    /// The `Set-Cookie` value for the session (`max_age` 0 clears it).
    pub fn session_cookie(&self, value: &str, max_age: i64) -> String {
        self.cookie().set(value, max_age)
    }
}

pub use aftercart_app::same_secret;

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The signed-in person behind a request (set by the guard).
#[derive(Debug, Clone)]
pub struct Viewer {
    pub ctx: Ctx,
    pub csrf: String,
    pub token: String,
    pub who: Who,
}

impl<S: Send + Sync> FromRequestParts<S> for Viewer {
    type Rejection = PageError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Viewer>().cloned().ok_or(PageError::SignIn)
    }
}

/// The viewer when someone is signed in (public pages).
#[derive(Debug, Clone)]
pub struct MaybeViewer(pub Option<Viewer>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeViewer {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybeViewer(parts.extensions.get::<Viewer>().cloned()))
    }
}

/// A 303 redirect (after a form post, or to sign in).
pub fn redirect(to: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// A `next` target that stays on this site: a path, never `//host` or a scheme.
pub fn local_path(next: &str) -> Option<&str> {
    (next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') && !next.contains(['\r', '\n']))
        .then_some(next)
}

/// The signed-in person of a request. `bell`: also count their unread notifications for the
/// header (one indexed query, capped at [`aftercart_app::notify::UNREAD_CAP`]); pages that
/// render no layout (the stylesheet, downloads) skip it.
async fn viewer(state: &WebState, headers: &HeaderMap, bell: bool) -> Option<Viewer> {
    let token = cookie(headers, state.cookie_name())?;
    let (p, csrf) = match state.app.authenticate_session(token).await {
        Ok(Some(s)) => s,
        Ok(None) => return None,
        Err(e) => {
            tracing::warn!(error = %e, "session lookup failed");
            return None;
        }
    };
    let ctx = Ctx::new(p);
    let p = &ctx.principal;
    let (org, role) = match &p.kind {
        PrincipalKind::Customer { account, roles, .. } => (
            state
                .app
                .account(&ctx, *account)
                .await
                .map(|a| a.value.name)
                .unwrap_or_default(),
            roles.iter().map(|r| customer_role(*r)).collect::<Vec<_>>().join(", "),
        ),
        PrincipalKind::Staff(r) => ("Seller staff".to_owned(), staff_role(*r).to_owned()),
        PrincipalKind::Supplier { location } => (
            state
                .app
                .fulfilment_location(&ctx, *location)
                .await
                .map(|l| l.value.name)
                .unwrap_or_default(),
            "Supplier".to_owned(),
        ),
        PrincipalKind::System => ("Aftercart".to_owned(), "System".to_owned()),
    };
    let unread = if bell {
        match state.app.unread_count(&ctx).await {
            Ok(n) => n,
            Err(e) => {
                // The header's count is not worth failing a page for.
                tracing::warn!(error = %e, "unread count failed");
                0
            }
        }
    } else {
        0
    };
    let who = Who {
        name: p.name.clone(),
        org,
        role,
        unread,
    };
    Some(Viewer {
        ctx,
        csrf,
        token: token.to_owned(),
        who,
    })
}

/// Reads a form body (at most `limit` bytes) and gives it back with its fields.
async fn buffer_form(req: Request, limit: usize) -> Result<(Request, Vec<(String, String)>), PageError> {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| PageError::Forbidden("the form is too large".into()))?;
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
    Ok((Request::from_parts(parts, Body::from(bytes)), fields))
}

/// The guard in front of every page (see the module documentation).
pub async fn guard(State(state): State<WebState>, mut req: Request, next: Next) -> Response {
    let Some(path) = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_owned()) else {
        // The fallback: no such page.
        let v = viewer(&state, req.headers(), true).await;
        return error_page(&PageError::NotFound, v.as_ref());
    };
    let Some(rule) = crate::access::rule(req.method(), &path) else {
        tracing::error!(method = %req.method(), path, "page without an access rule");
        return error_page(&PageError::Internal, None);
    };
    let bell = !is_download(&path);
    let v = viewer(&state, req.headers(), bell).await;
    if let Rule::SignedIn(..) = rule {
        let Some(v) = &v else {
            let here = req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
            let to = if req.method() == Method::GET {
                format!("/sign-in?next={}", urlencode(here))
            } else {
                "/sign-in".to_owned()
            };
            return redirect(&to);
        };
        if !rule.admits(&v.ctx.principal) {
            return error_page(&PageError::Forbidden("not for your role".into()), Some(v));
        }
        if req.method() == Method::POST {
            let (r, fields) = match buffer_form(req, form_limit(&path)).await {
                Ok(x) => x,
                Err(e) => return error_page(&e, Some(v)),
            };
            req = r;
            let sent = fields.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str());
            if !sent.is_some_and(|s| same_secret(s, &v.csrf)) {
                return error_page(
                    &PageError::Forbidden("the form had expired; go back, reload the page and try again".into()),
                    Some(v),
                );
            }
        }
    }
    if let Some(v) = &v {
        req.extensions_mut().insert(v.clone());
    }
    let res = next.run(req).await;
    match res.extensions().get::<PageError>() {
        Some(e) => error_page(e, v.as_ref()),
        None => res,
    }
}

/// The fallback handler (the guard renders the 404 page before it is reached).
pub async fn not_found() -> Response {
    PageError::NotFound.into_response()
}

pub fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|e| e.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}
