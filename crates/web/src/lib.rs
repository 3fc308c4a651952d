//! Aftercart's web portal: server-rendered pages for the people the product exists for.
//!
//! Pages call the same application layer the JSON API calls (never the API over HTTP, never the
//! store). The foundation every later page extends:
//! - **one access table** ([`access::rule`]): every page route maps to an [`aftercart_app::Action`]
//!   and an audience; the guard ([`session::guard`]) checks it before any handler runs, and a
//!   route registered without a rule makes building the router panic (a test walks the list);
//! - **one session**: the portal's session cookie is the API's (same name and attributes), and
//!   every state-changing form carries the session's CSRF token, checked in the guard;
//! - **one way to render** ([`render`]): a template with a [`render::Layout`] (title, "who am I",
//!   navigation), a status, and error pages rendered in one place — a record that is not yours
//!   is the same 404 page as a missing one;
//! - **one form pattern** ([`form::Errors`]): GOV.UK's error summary ("There is a problem", a
//!   link to each field at fault), errors beside fields, values kept.
//!
//! The binary composes this router with the API's and adds the page security headers
//! (`aftercart_api::with_security_headers(router, aftercart_api::PAGE_CSP)`).

pub mod access;
pub mod assets;
// -- approvals and spend --
pub mod charts;
pub mod form;
pub mod format;
pub mod limits;
pub mod pages;
pub mod render;
pub mod session;

use aftercart_app::App;
use axum::Router;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::MethodRouter;

#[derive(Clone)]
pub struct WebState {
    pub app: App,
    /// Development only: the session cookie without `Secure` (plain `http://127.0.0.1`); the
    /// same switch as the API's, so both read the same cookie.
    pub dev_cookies: bool,
}

/// Registers pages, refusing any route without an access rule.
struct Pages {
    router: Router<WebState>,
    list: Vec<(Method, &'static str)>,
}

impl Pages {
    fn add<H, T>(mut self, method: Method, path: &'static str, h: H) -> Pages
    where
        H: Handler<T, WebState>,
        T: 'static,
    {
        assert!(
            access::rule(&method, path).is_some(),
            "page {method} {path} has no access rule in access::rule"
        );
        let mr: MethodRouter<WebState> = match method {
            Method::GET => axum::routing::get(h),
            Method::POST => axum::routing::post(h),
            _ => panic!("pages are GET or POST"),
        };
        self.router = self.router.route(path, mr);
        self.list.push((method, path));
        self
    }
    fn get<H: Handler<T, WebState>, T: 'static>(self, path: &'static str, h: H) -> Pages {
        self.add(Method::GET, path, h)
    }
    fn post<H: Handler<T, WebState>, T: 'static>(self, path: &'static str, h: H) -> Pages {
        self.add(Method::POST, path, h)
    }
}

fn pages() -> Pages {
    use pages::*;
    Pages {
        router: Router::new(),
        list: Vec::new(),
    }
    .get("/", auth::home)
    .get("/sign-in", auth::sign_in_form)
    .post("/sign-in", auth::sign_in)
    .post("/sign-out", auth::sign_out)
    .get("/invitations/accept", auth::accept_form)
    .post("/invitations/accept", auth::accept)
    .get("/dashboard", dashboard::dashboard)
    .get("/orders", orders::list)
    .get("/orders/{id}", orders::detail)
    .get("/invoices", invoices::list)
    .get("/invoices/{id}", invoices::detail)
    .get("/console", console::console)
    .get(assets::CSS_ROUTE, assets::stylesheet)
    // -- approvals and spend --
    .get("/approvals", approvals::inbox)
    .post("/approvals/{id}", approvals::decide)
    .get("/spend", spend::spend)
    // -- company administration --
    .get("/admin", admin::index)
    .get("/admin/users", admin::users::list)
    .get("/admin/users/invite", admin::users::invite_form)
    .post("/admin/users/invite", admin::users::invite)
    .get("/admin/users/{id}", admin::users::edit_form)
    .post("/admin/users/{id}", admin::users::edit)
    .get("/admin/users/{id}/deactivate", admin::users::deactivate_form)
    .post("/admin/users/{id}/deactivate", admin::users::deactivate)
    .post("/admin/users/{id}/invitation", admin::users::reissue)
    .get("/admin/locations", admin::locations::list)
    .get("/admin/locations/new", admin::locations::new_form)
    .post("/admin/locations/new", admin::locations::create)
    .get("/admin/locations/{id}", admin::locations::edit_form)
    .post("/admin/locations/{id}", admin::locations::edit)
    .get("/admin/keys", admin::keys::list)
    .post("/admin/keys", admin::keys::create)
    .post("/admin/keys/{id}/revoke", admin::keys::revoke)
    .get("/admin/policy", admin::policy::form)
    .post("/admin/policy", admin::policy::save)
    .get("/admin/budgets", admin::budgets::list)
    .post("/admin/budgets", admin::budgets::create)
    // -- reorder and saved lists --
    .get("/lists", lists::index)
    .get("/lists/new", lists::new_form)
    .post("/lists/new", lists::create)
    .get("/lists/{id}", lists::detail)
    .get("/lists/{id}/edit", lists::edit_form)
    .post("/lists/{id}/edit", lists::update)
    .get("/lists/{id}/delete", lists::delete_form)
    .post("/lists/{id}/delete", lists::delete)
    .get("/lists/{id}/reorder", reorder::list_preview)
    .post("/lists/{id}/reorder", reorder::list_place)
    .get("/orders/{id}/reorder", reorder::order_preview)
    .post("/orders/{id}/reorder", reorder::order_place)
    // -- supplier portal and shipments --
    .get("/supplier", supplier::work)
    .post("/supplier/orders/{id}/confirm", supplier::confirm)
    .get("/supplier/orders/{id}/ship", supplier::ship_form)
    .post("/supplier/orders/{id}/ship", supplier::ship)
    // -- dropship --
    .get("/supplier/orders/{id}/reject", supplier_reject::reject_form)
    .post("/supplier/orders/{id}/reject", supplier_reject::reject)
    // -- /dropship --
    .get("/supplier/shipments/{id}/tracking", supplier::tracking_form)
    .post("/supplier/shipments/{id}/tracking", supplier::tracking)
    .get("/shipments", shipments::by_location)
    // -- console search, customer 360, tracking, password reset, downloads --
    .get("/forgot-password", password::forgot_form)
    .post("/forgot-password", password::forgot)
    .get("/reset-password", password::reset_form)
    .post("/reset-password", password::reset)
    .post("/users/{id}/password-reset", password::issue)
    .get("/track", track::form)
    .get("/search", search::search)
    .get("/orders.csv", downloads::orders_csv)
    .get("/invoices.csv", downloads::invoices_csv)
    .get("/console/accounts/{id}", customer::customer)
    .post("/track", track::lookup)
    // -- punchout --
    .get("/punchout/oci", punchout::oci_entry)
    .post("/punchout/oci", punchout::oci_entry)
    .get("/punchout/{token}", punchout::catalogue)
    .post("/punchout/{token}/cart", punchout::set_line)
    .post("/punchout/{token}/return", punchout::return_cart)
    // -- cases --
    .get("/cases", cases::list)
    .get("/cases/new", cases::new_form)
    .post("/cases/new", cases::create)
    .get("/cases/{id}", cases::detail)
    .post("/cases/{id}/reply", cases::reply)
    .post("/cases/{id}/status", cases::set_status)
    .get("/console/cases", cases::queue)
    .get("/console/cases/{id}", cases::detail)
    .post("/console/cases/{id}/reply", cases::reply)
    .post("/console/cases/{id}/assign", cases::assign)
    .post("/console/cases/{id}/status", cases::set_status)
    // -- /cases --
    // -- change requests --
    .get("/orders/{id}/change", changes::form)
    .post("/orders/{id}/change", changes::submit)
    .get("/console/changes", changes::queue)
    .get("/console/changes/{id}", changes::detail)
    .post("/console/changes/{id}", changes::decide)
    // -- /change requests --
    // -- returns --
    .get("/orders/{id}/return", returns::new_form)
    .post("/orders/{id}/return", returns::create)
    .get("/returns", returns::list)
    .get("/returns/{id}", returns::detail)
    .post("/returns/{id}/shipment", returns::ship_customer)
    .get("/console/returns", returns::queue)
    .get("/console/returns/{id}", returns::console_detail)
    .post("/console/returns/{id}/decision", returns::decide)
    .post("/console/returns/{id}/shipment", returns::ship_console)
    .post("/console/returns/{id}/receipt", returns::receive)
    // -- /returns --
    // -- exceptions --
    .get("/console/exceptions", exceptions::queue)
    .post("/console/exceptions/bulk", exceptions::bulk)
    .get("/console/exceptions/{id}", exceptions::detail)
    .post("/console/exceptions/{id}/acknowledge", exceptions::acknowledge)
    .post("/console/exceptions/{id}/assign", exceptions::assign)
    .post("/console/exceptions/{id}/resolve", exceptions::resolve)
    // -- /exceptions --
    // -- notifications --
    .get("/notifications", notifications::inbox)
    .post("/notifications/read-all", notifications::mark_all_read)
    .post("/notifications/{id}/read", notifications::mark_read)
    .get("/settings/notifications", notifications::settings)
    .post("/settings/notifications", notifications::save_settings)
    .get("/unsubscribe", notifications::unsubscribe_form)
    .post("/unsubscribe", notifications::unsubscribe)
    .get("/h/{token}", help::link)
    .get("/help/{id}", help::page)
    .get("/admin/notifications", admin::notifications::form)
    .post("/admin/notifications", admin::notifications::save)
    .get("/admin/webhooks", webhooks::admin_list)
    .post("/admin/webhooks", webhooks::admin_create)
    .get("/admin/webhooks/{id}", webhooks::admin_detail)
    .post("/admin/webhooks/{id}/rotate", webhooks::admin_rotate)
    .post("/admin/webhooks/{id}/state", webhooks::admin_state)
    .post("/admin/webhooks/{id}/replay", webhooks::admin_replay)
    .post("/admin/webhooks/{id}/replay-since", webhooks::admin_replay_since)
    .get("/console/webhooks", webhooks::console_list)
    .post("/console/webhooks", webhooks::console_create)
    .get("/console/webhooks/{id}", webhooks::console_detail)
    .post("/console/webhooks/{id}/rotate", webhooks::console_rotate)
    .post("/console/webhooks/{id}/state", webhooks::console_state)
    .post("/console/webhooks/{id}/replay", webhooks::console_replay)
    .post("/console/webhooks/{id}/replay-since", webhooks::console_replay_since)
    .get("/console/deliveries", webhooks::log)
    .post("/console/deliveries/{id}/replay", webhooks::log_replay)
    // -- /notifications --
    // -- receivables --
    .get("/invoices/{id}/pdf", receivables::documents::invoice_pdf)
    .get("/invoices/{id}/ubl", receivables::documents::invoice_ubl)
    .get("/credit-memos/{id}/pdf", receivables::documents::credit_memo_pdf)
    .get("/pay", receivables::pay::form)
    .post("/pay", receivables::pay::submit)
    .get("/payments/online/{id}", receivables::pay::result)
    .get("/settings/payments", receivables::methods::show)
    .post("/settings/payments/methods", receivables::methods::add)
    .post("/settings/payments/methods/{id}/remove", receivables::methods::remove)
    .post("/settings/payments/autopay", receivables::methods::autopay)
    .get("/disputes", receivables::disputes::list)
    .get("/disputes/{id}", receivables::disputes::detail)
    .post("/disputes/{id}/messages", receivables::disputes::message)
    .get("/invoices/{id}/dispute", receivables::disputes::new_form)
    .post("/invoices/{id}/dispute", receivables::disputes::create)
    .get("/statement", receivables::statement::page)
    .get("/statement.pdf", receivables::statement::pdf)
    .get("/statement.csv", receivables::statement::csv)
    .get("/console/receivables", receivables::console::overview)
    .get("/console/bank-statements", receivables::console::imports)
    .post("/console/bank-statements", receivables::console::import)
    .get("/console/bank-statements/{id}", receivables::console::import_detail)
    .get("/console/unapplied", receivables::console::unapplied)
    .get("/console/unapplied/{id}", receivables::console::receipt)
    .post("/console/unapplied/{id}", receivables::console::apply_receipt)
    .get("/console/credit-holds", receivables::console::credit_holds)
    .post("/console/credit-holds/{id}", receivables::console::credit_decision)
    .get("/console/disputes", receivables::disputes::queue)
    .get("/console/disputes/{id}", receivables::disputes::console_detail)
    .post(
        "/console/disputes/{id}/messages",
        receivables::disputes::console_message,
    )
    .post("/console/disputes/{id}/resolution", receivables::disputes::resolve)
    .get("/console/seller-profile", receivables::console::seller_profile)
    .post("/console/seller-profile", receivables::console::save_seller_profile)
    // -- /receivables --
}

/// Every page route (method, path pattern), as registered: for tests that walk the pages.
pub fn page_routes() -> Vec<(Method, &'static str)> {
    pages().list
}

/// The portal's router: every page behind the access guard, and the 404 page for the rest.
pub fn router(state: WebState) -> Router {
    pages()
        .router
        .fallback(session::not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), session::guard))
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn page() -> &'static str {
        "x"
    }

    #[test]
    #[should_panic(expected = "has no access rule")]
    fn a_page_without_an_access_rule_cannot_be_registered() {
        let _ = Pages {
            router: Router::new(),
            list: Vec::new(),
        }
        .get("/unruled", page);
    }

    #[test]
    fn every_registered_page_has_a_rule() {
        let routes = page_routes();
        for (m, p) in &routes {
            assert!(access::rule(m, p).is_some(), "{m} {p}");
        }
        let mut seen = routes.clone();
        seen.dedup();
        assert_eq!(seen.len(), routes.len(), "each route registered once");
    }
}
