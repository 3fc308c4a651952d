//! Aftercart's JSON HTTP API, `/api/v1`.
//!
//! Every route is registered through utoipa-axum, so a route cannot exist without its OpenAPI
//! entry (`/api/v1/openapi.json`). Handlers only translate: wire DTO → application input →
//! application call → DTO. Rules live in the domain, authorisation in the application layer.

pub mod access;
pub mod dto;
pub mod error;
pub mod extract;
pub mod limits;
pub mod routes;

use aftercart_app::{App, Principal};
use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use routes::{
    accounts, billing, carriers, catalog, governance, identity, orders, procurement, receivables, shipments, system,
};
use std::sync::Arc;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use extract::key_hash;

#[derive(Clone)]
pub struct ApiState {
    pub app: App,
    /// (sha256 of the key, principal it acts as).
    pub keys: Arc<Vec<(String, Principal)>>,
    /// Development only: session cookies without `Secure`, so a browser keeps them over plain
    /// `http://127.0.0.1`. Off unless configured (`--dev-cookies`).
    pub dev_cookies: bool,
}

impl ApiState {
    /// The session cookie, shared with the portal ([`aftercart_app::SessionCookie`]).
    pub fn cookie(&self) -> aftercart_app::SessionCookie {
        aftercart_app::SessionCookie { dev: self.dev_cookies }
    }

    /// The `Set-Cookie` value for the session cookie (`max_age` 0 clears it).
    pub fn session_cookie(&self, value: &str, max_age: i64) -> String {
        self.cookie().set(value, max_age)
    }

    pub fn session_cookie_name(&self) -> &'static str {
        self.cookie().name()
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Aftercart API", description = "Post-order management: orders, shipments, invoices, payments and the answers that explain them."),
    components(schemas(error::Problem)),
    modifiers(&BearerAuth),
    security(("api_key" = []))
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Documents the problem responses any operation can send (so generated-request testing and
/// clients see every status), and lists every problem code as the `Problem.code` enum.
struct CommonProblems;

/// Statuses any operation may answer with a problem: bad header or JSON, no or wrong credentials,
/// not visible, conflict, stale ETag, body too large, not JSON, invalid value, rate limit, bug.
pub const COMMON_PROBLEM_STATUSES: &[(u16, &str)] = &[
    (
        400,
        "Malformed request: invalid JSON or a bad header (`field` names it).",
    ),
    (401, "No valid API key or session."),
    (403, "The caller may not do this (role, CSRF token, approver)."),
    (404, "No such resource, or not visible to the caller."),
    (409, "Conflict with the resource's state or a concurrent request."),
    (412, "The resource changed since the ETag sent in If-Match."),
    (413, "The body is larger than the limit (`payload_too_large`)."),
    (415, "The body is not application/json (`unsupported_media_type`)."),
    (422, "A value is invalid (`field` names it)."),
    (429, "Too many attempts."),
    (500, "Something went wrong on our side."),
    (
        503,
        "Busy: nothing changed; retry after `Retry-After` seconds (`unavailable`).",
    ),
];

impl utoipa::Modify for CommonProblems {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::schema::{Ref, Schema};
        use utoipa::openapi::{ContentBuilder, RefOr, ResponseBuilder};
        let problem = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build()
        };
        for item in openapi.paths.paths.values_mut() {
            let ops = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
                &mut item.head,
                &mut item.options,
            ];
            for op in ops.into_iter().flatten() {
                for p in op.parameters.iter_mut().flatten() {
                    if let RefOr::T(p) = p
                        && p.name.eq_ignore_ascii_case("Idempotency-Key")
                        && let Some(RefOr::T(Schema::Object(s))) = &mut p.schema
                    {
                        s.min_length = Some(1);
                        s.max_length = Some(extract::MAX_IDEMPOTENCY_KEY);
                    }
                }
                // Problems are sent as application/problem+json: say so where a route
                // documented one as plain JSON.
                for r in op.responses.responses.values_mut() {
                    let RefOr::T(r) = r else { continue };
                    let is_problem = r.content.get("application/json").is_some_and(|c| {
                        matches!(c, RefOr::T(c) if matches!(&c.schema, Some(RefOr::Ref(x)) if x.ref_location.ends_with("/Problem")))
                    });
                    if is_problem && let Some(c) = r.content.shift_remove("application/json") {
                        r.content.insert("application/problem+json".to_owned(), c);
                    }
                }
                for (status, description) in COMMON_PROBLEM_STATUSES {
                    let r = op
                        .responses
                        .responses
                        .entry(status.to_string())
                        .or_insert_with(|| RefOr::T(problem(description)));
                    // A status documented with another body (a batch's per-item results) can
                    // still be a problem: a body the route never reached.
                    if let RefOr::T(r) = r
                        && !r.content.contains_key("application/problem+json")
                        && let Some(c) = problem(description).content.shift_remove("application/problem+json")
                    {
                        r.content.insert("application/problem+json".to_owned(), c);
                    }
                }
            }
        }
        let components = openapi.components.get_or_insert_with(Default::default);
        if let Some(RefOr::T(Schema::Object(p))) = components.schemas.get_mut("Problem")
            && let Some(RefOr::T(Schema::Object(code))) = p.properties.get_mut("code")
        {
            code.enum_values = Some(error::PROBLEM_CODES.iter().map(|(c, _)| (*c).into()).collect());
            let list: Vec<String> = error::PROBLEM_CODES
                .iter()
                .map(|(c, m)| format!("`{c}` ({m})"))
                .collect();
            code.description = Some(format!("Stable machine-readable code, one of: {}.", list.join("; ")));
        }
    }
}

/// `Content-Security-Policy` of the JSON API: nothing may load, frame or submit anything.
pub const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// `Content-Security-Policy` for server-rendered pages (the portal): own scripts, styles and
/// images only, no inline code, forms only to this origin, never framed.
pub const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
     connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Adds the security headers to every response of `router`: `X-Content-Type-Options: nosniff`,
/// the given `Content-Security-Policy` (unless the handler set its own, e.g. with a nonce),
/// `Referrer-Policy: no-referrer`, `X-Frame-Options: DENY` (for old browsers), and
/// `Cache-Control: no-store` on every response to a request with credentials or that sets a
/// cookie (unless the handler chose a cache policy). Use it for the API ([`API_CSP`]) and the
/// portal ([`PAGE_CSP`]).
pub fn with_security_headers<S: Clone + Send + Sync + 'static>(router: Router<S>, csp: &'static str) -> Router<S> {
    router.layer(axum::middleware::from_fn(move |req: Request, next: Next| async move {
        let h = req.headers();
        let credentialed =
            h.contains_key(header::AUTHORIZATION) || h.contains_key("x-api-key") || h.contains_key(header::COOKIE);
        let mut res = next.run(req).await;
        // A body-limit refusal from outside our extractors still answers with a problem.
        if res.status() == StatusCode::PAYLOAD_TOO_LARGE
            && res.headers().get(header::CONTENT_TYPE) != Some(&HeaderValue::from_static("application/problem+json"))
        {
            res = error::ApiError::payload_too_large(extract::MAX_BODY_BYTES).into_response();
        }
        secure_response(&mut res, csp, credentialed);
        res
    }))
}

fn secure_response(res: &mut Response, csp: &'static str, credentialed: bool) {
    let sets_cookie = res.headers().contains_key(header::SET_COOKIE);
    let h = res.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(csp));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if credentialed || sets_cookie {
        h.entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static("no-store"));
    }
}

fn api_router() -> OpenApiRouter<ApiState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(system::healthz))
        .routes(routes!(system::ping))
        .routes(routes!(accounts::create_account, accounts::list_accounts))
        .routes(routes!(accounts::get_account, accounts::update_account))
        .routes(routes!(accounts::add_location))
        .routes(routes!(accounts::update_location))
        .routes(routes!(accounts::set_contract_price))
        .routes(routes!(accounts::open_invoices))
        .routes(routes!(accounts::account_timeline))
        .routes(routes!(catalog::create_product, catalog::list_products))
        .routes(routes!(catalog::get_product))
        .routes(routes!(
            catalog::create_fulfilment_location,
            catalog::list_fulfilment_locations
        ))
        .routes(routes!(catalog::get_fulfilment_location))
        .routes(routes!(orders::create_order, orders::list_orders))
        .routes(routes!(orders::get_order))
        .routes(routes!(orders::allocate))
        .routes(routes!(orders::backorder))
        .routes(routes!(orders::reschedule))
        .routes(routes!(orders::cancel))
        .routes(routes!(routes::fulfilment::fulfil))
        .routes(routes!(orders::status))
        .routes(routes!(orders::timeline))
        .routes(routes!(
            routes::reorder::order_reorder_preview,
            routes::reorder::reorder_order
        ))
        .routes(routes!(
            routes::reorder::create_saved_list,
            routes::reorder::list_saved_lists
        ))
        // -- reorder and saved lists --
        .routes(routes!(
            routes::reorder::get_saved_list,
            routes::reorder::update_saved_list,
            routes::reorder::delete_saved_list
        ))
        .routes(routes!(
            routes::reorder::list_reorder_preview,
            routes::reorder::reorder_list
        ))
        .routes(routes!(routes::reports::spend))
        .routes(routes!(routes::reports::help_engagement))
        .routes(routes!(catalog::discontinue_product))
        .routes(routes!(shipments::create_shipment, shipments::list_shipments))
        .routes(routes!(shipments::get_shipment))
        .routes(routes!(shipments::create_wave))
        .routes(routes!(shipments::receive))
        .routes(routes!(shipments::ingest_tracking))
        // -- supplier portal and shipments --
        .routes(routes!(routes::supplier::confirm))
        // -- dropship --
        .routes(routes!(routes::dropship::create_rule, routes::dropship::list_rules))
        .routes(routes!(
            routes::dropship::get_rule,
            routes::dropship::update_rule,
            routes::dropship::delete_rule
        ))
        .routes(routes!(routes::dropship::route_order))
        .routes(routes!(routes::dropship::reject))
        .routes(routes!(routes::dropship::feed_stock, routes::dropship::get_stock))
        .routes(routes!(routes::dropship::sla))
        .routes(routes!(routes::dropship::get_settings, routes::dropship::set_settings))
        // -- /dropship --
        .routes(routes!(billing::create_invoice, billing::list_invoices))
        .routes(routes!(billing::get_invoice))
        .routes(routes!(billing::match_invoice))
        .routes(routes!(billing::invoice_timeline))
        .routes(routes!(billing::create_credit_memo, billing::list_credit_memos))
        .routes(routes!(billing::get_credit_memo))
        .routes(routes!(billing::create_payment, billing::list_payments))
        .routes(routes!(billing::get_payment))
        // -- receivables --
        .routes(routes!(receivables::get_billing_profile))
        .routes(routes!(receivables::add_method))
        .routes(routes!(receivables::remove_method))
        .routes(routes!(receivables::set_autopay, receivables::clear_autopay))
        .routes(routes!(receivables::set_dunning))
        .routes(routes!(receivables::set_einvoicing))
        .routes(routes!(receivables::pay_online, receivables::list_online))
        .routes(routes!(receivables::get_online))
        .routes(routes!(receivables::provider_webhook))
        .routes(routes!(carriers::carrier_webhook))
        // -- procurement --
        .routes(routes!(procurement::cxml_setup))
        .routes(routes!(procurement::cxml_order))
        .routes(routes!(procurement::create_link, procurement::list_links))
        .routes(routes!(procurement::get_link, procurement::update_link))
        .routes(routes!(procurement::link_documents))
        .routes(routes!(routes::edi::x12_in))
        .routes(routes!(routes::edi::x12_documents))
        .routes(routes!(routes::exports::export))
        .routes(routes!(routes::imports::import))
        .routes(routes!(receivables::open_dispute, receivables::list_disputes))
        .routes(routes!(receivables::get_dispute))
        .routes(routes!(receivables::post_dispute_message))
        .routes(routes!(receivables::resolve_dispute))
        .routes(routes!(receivables::dispute_suggestions))
        .routes(routes!(receivables::apply_credit))
        .routes(routes!(receivables::statement))
        .routes(routes!(receivables::account_aging))
        .routes(routes!(receivables::book_aging))
        .routes(routes!(receivables::invoice_pdf))
        .routes(routes!(receivables::invoice_ubl))
        .routes(routes!(receivables::credit_memo_pdf))
        .routes(routes!(receivables::credit_memo_ubl))
        .routes(routes!(
            receivables::import_bank_statement,
            receivables::list_bank_statements
        ))
        .routes(routes!(receivables::get_bank_statement))
        .routes(routes!(receivables::list_receipts))
        .routes(routes!(receivables::get_receipt))
        .routes(routes!(receivables::apply_receipt))
        .routes(routes!(receivables::list_credit_holds))
        .routes(routes!(receivables::credit_decision))
        .routes(routes!(
            receivables::get_seller_profile,
            receivables::set_seller_profile
        ))
        // -- /receivables --
        .routes(routes!(identity::invite_user, identity::list_users))
        .routes(routes!(identity::get_user, identity::update_user))
        .routes(routes!(identity::deactivate_user))
        .routes(routes!(identity::reissue_invitation))
        .routes(routes!(identity::change_password))
        .routes(routes!(identity::end_all_sessions))
        .routes(routes!(identity::sign_in_failures))
        .routes(routes!(identity::accept_invitation))
        .routes(routes!(identity::request_password_reset))
        .routes(routes!(identity::issue_password_reset))
        .routes(routes!(identity::complete_password_reset))
        .routes(routes!(identity::login, identity::logout))
        .routes(routes!(identity::me))
        .routes(routes!(identity::create_api_key, identity::list_api_keys))
        .routes(routes!(identity::revoke_api_key))
        .routes(routes!(governance::set_policy, governance::get_policy))
        .routes(routes!(governance::delegate, governance::list_delegations))
        .routes(routes!(governance::end_delegation))
        .routes(routes!(governance::approvals))
        .routes(routes!(governance::decide))
        .routes(routes!(governance::create_budget, governance::list_budgets))
        // -- returns --
        .routes(routes!(routes::returns::create_return, routes::returns::list_returns))
        .routes(routes!(routes::returns::get_return))
        .routes(routes!(routes::returns::decide_return))
        .routes(routes!(routes::returns::ship_return))
        .routes(routes!(routes::returns::receive_return))
        // -- /returns --
        // -- cases --
        .routes(routes!(routes::cases::open_case, routes::cases::list_cases))
        .routes(routes!(routes::cases::get_case))
        .routes(routes!(routes::cases::write_case))
        .routes(routes!(routes::cases::assign_case))
        .routes(routes!(routes::cases::set_case_status))
        // -- /cases --
        // -- exceptions --
        .routes(routes!(routes::exceptions::list_exceptions))
        .routes(routes!(routes::exceptions::bulk_exceptions))
        .routes(routes!(routes::exceptions::get_exception))
        .routes(routes!(routes::exceptions::acknowledge_exception))
        .routes(routes!(routes::exceptions::assign_exception))
        .routes(routes!(routes::exceptions::resolve_exception))
        // -- /exceptions --
        // -- change requests --
        .routes(routes!(routes::changes::preview))
        .routes(routes!(
            routes::changes::request_changes,
            routes::changes::order_change_requests
        ))
        .routes(routes!(routes::changes::list_change_requests))
        .routes(routes!(routes::changes::get_change_request))
        .routes(routes!(routes::changes::decide))
        .routes(routes!(routes::changes::release))
        // -- /change requests --
        // -- notifications --
        .routes(routes!(routes::notifications::list_notifications))
        .routes(routes!(routes::notifications::unread_count))
        .routes(routes!(routes::notifications::mark_read))
        .routes(routes!(routes::notifications::mark_all_read))
        .routes(routes!(
            routes::notifications::get_my_prefs,
            routes::notifications::set_my_prefs
        ))
        .routes(routes!(
            routes::notifications::get_account_defaults,
            routes::notifications::set_account_defaults
        ))
        .routes(routes!(
            routes::webhooks::create_endpoint,
            routes::webhooks::list_endpoints
        ))
        .routes(routes!(
            routes::webhooks::get_endpoint,
            routes::webhooks::update_endpoint
        ))
        .routes(routes!(routes::webhooks::rotate_secret))
        .routes(routes!(routes::webhooks::endpoint_deliveries))
        .routes(routes!(routes::webhooks::replay_endpoint))
        .routes(routes!(routes::webhooks::list_deliveries))
        .routes(routes!(routes::webhooks::get_delivery))
        .routes(routes!(routes::webhooks::replay_delivery))
        .routes(routes!(routes::webhooks::replay_queue))
        .routes(routes!(routes::webhooks::events))
    // -- /notifications --
}

/// The routes and their OpenAPI document, completed once every route is in it.
fn routes_and_doc() -> (Router<ApiState>, utoipa::openapi::OpenApi) {
    let (router, mut doc) = api_router().split_for_parts();
    utoipa::Modify::modify(&CommonProblems, &mut doc);
    (router, doc)
}

/// The OpenAPI 3.1 document of every route.
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes_and_doc().1
}

pub fn router(state: ApiState) -> Router {
    let (router, doc) = routes_and_doc();
    let doc = Arc::new(doc.to_json().unwrap_or_default());
    let router = router
        .route(
            "/api/v1/openapi.json",
            axum::routing::get(move || {
                let doc = doc.clone();
                async move { ([(axum::http::header::CONTENT_TYPE, "application/json")], (*doc).clone()) }
            }),
        )
        .fallback(|| async {
            error::ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint").into_response()
        })
        .method_not_allowed_fallback(|| async {
            error::ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this endpoint does not support that method",
            )
            .into_response()
        })
        .layer(axum::extract::DefaultBodyLimit::max(extract::MAX_BODY_BYTES))
        .with_state(state);
    with_security_headers(router, API_CSP)
}
