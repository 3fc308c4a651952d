//! Aftercart's JSON HTTP API, `/api/v1`.
//!
//! Every route is registered through utoipa-axum, so a route cannot exist without its OpenAPI
//! entry (`/api/v1/openapi.json`). Handlers only translate: wire DTO → application input →
//! application call → DTO. Rules live in the domain, authorisation in the application layer.

pub mod access;
pub mod dto;
pub mod error;
pub mod extract;
pub mod routes;

use aftercart_app::{App, Principal};
use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use routes::{accounts, billing, catalog, governance, identity, orders, shipments, system};
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

fn api_router() -> OpenApiRouter<ApiState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(system::healthz))
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
        .routes(routes!(routes::reorder::get_saved_list))
        .routes(routes!(
            routes::reorder::list_reorder_preview,
            routes::reorder::reorder_list
        ))
        .routes(routes!(routes::reports::spend))
        .routes(routes!(catalog::discontinue_product))
        .routes(routes!(shipments::create_shipment, shipments::list_shipments))
        .routes(routes!(shipments::get_shipment))
        .routes(routes!(shipments::receive))
        .routes(routes!(shipments::ingest_tracking))
        .routes(routes!(billing::create_invoice, billing::list_invoices))
        .routes(routes!(billing::get_invoice))
        .routes(routes!(billing::match_invoice))
        .routes(routes!(billing::invoice_timeline))
        .routes(routes!(billing::create_credit_memo, billing::list_credit_memos))
        .routes(routes!(billing::get_credit_memo))
        .routes(routes!(billing::create_payment, billing::list_payments))
        .routes(routes!(billing::get_payment))
        .routes(routes!(identity::invite_user, identity::list_users))
        .routes(routes!(identity::get_user, identity::update_user))
        .routes(routes!(identity::deactivate_user))
        .routes(routes!(identity::accept_invitation))
        .routes(routes!(identity::login, identity::logout))
        .routes(routes!(identity::me))
        .routes(routes!(identity::create_api_key, identity::list_api_keys))
        .routes(routes!(identity::revoke_api_key))
        .routes(routes!(governance::set_policy, governance::get_policy))
        .routes(routes!(governance::delegate))
        .routes(routes!(governance::approvals))
        .routes(routes!(governance::decide))
        .routes(routes!(governance::create_budget, governance::list_budgets))
}

/// The OpenAPI 3.1 document of every route.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api_router().split_for_parts().1
}

pub fn router(state: ApiState) -> Router {
    let (router, doc) = api_router().split_for_parts();
    let doc = Arc::new(doc.to_json().unwrap_or_default());
    router
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
        .with_state(state)
}
