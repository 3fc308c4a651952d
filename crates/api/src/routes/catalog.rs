//! Products and fulfilment locations (warehouses, stores, dropship suppliers).

use super::{page, respond, stored};
use crate::ApiState;
use crate::dto::{Code, Ident, ListParams, LongText, MoneyDto, Name, PageDto, opt};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Caller, Command, PathParam, QueryParams};
use aftercart_app::{NewFulfilmentLocation, NewProduct, Versioned};
use aftercart_domain::account::{FulfilmentKind, FulfilmentLocation};
use aftercart_domain::ids::{FulfilmentLocationId, ProductId};
use aftercart_domain::product::Product;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductIn {
    pub sku: Ident,
    pub name: Name,
    #[serde(default)]
    pub category: Name,
    pub list_price: MoneyDto,
    pub setup_guide: Option<LongText>,
    pub care_instructions: Option<LongText>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProductOut {
    pub id: Uuid,
    pub sku: String,
    pub name: String,
    pub category: String,
    pub list_price: MoneyDto,
    pub setup_guide: Option<String>,
    pub care_instructions: Option<String>,
    pub discontinued: bool,
    pub version: i64,
}

fn product_out(v: &Versioned<Product>) -> ProductOut {
    let p = &v.value;
    ProductOut {
        id: p.id.0,
        sku: p.sku.clone(),
        name: p.name.clone(),
        category: p.category.clone(),
        list_price: p.list_price.into(),
        setup_guide: p.setup_guide.clone(),
        care_instructions: p.care_instructions.clone(),
        discontinued: p.discontinued,
        version: v.version,
    }
}

#[utoipa::path(post, path = "/api/v1/products", tag = "catalog", request_body = ProductIn,
    params(("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = ProductOut), (status = 422, body = Problem)))]
pub async fn create_product(State(st): State<ApiState>, cmd: Command<ProductIn>) -> ApiResult<Response> {
    let b = &cmd.body;
    let input = NewProduct {
        sku: b.sku.to_string(),
        name: b.name.to_string(),
        category: b.category.to_string(),
        list_price: b.list_price.parse("list_price")?,
        setup_guide: opt(&b.setup_guide),
        care_instructions: opt(&b.care_instructions),
    };
    let (app, ctx) = (&st.app, &cmd.ctx);
    let v = app
        .execute(
            ctx,
            || app.plan_create_product(ctx, &input),
            |v| stored(StatusCode::CREATED, &product_out(v)),
        )
        .await
        .map_err(|e| match e {
            aftercart_app::AppError::Rejected(r) if r.field == "number" => {
                ApiError::invalid("sku", format!("SKU {} already exists", input.sku))
            }
            e => e.into(),
        })?;
    Ok(respond(StatusCode::CREATED, &product_out(&v), Some(v.version)))
}

#[utoipa::path(get, path = "/api/v1/products/{id}", tag = "catalog", params(("id" = Uuid, Path)),
    responses((status = 200, body = ProductOut), (status = 404, body = Problem)))]
pub async fn get_product(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
) -> ApiResult<Response> {
    let v = st.app.product(&ctx, ProductId(id)).await?;
    Ok(respond(StatusCode::OK, &product_out(&v), Some(v.version)))
}

#[utoipa::path(get, path = "/api/v1/products", tag = "catalog", params(ListParams),
    responses((status = 200, body = PageDto<ProductOut>)))]
pub async fn list_products(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    QueryParams(q): QueryParams<ListParams>,
) -> ApiResult<Response> {
    let p = st.app.list_products(&ctx, &q.filter()?).await?;
    Ok(respond(StatusCode::OK, &page(p, product_out), None))
}

/// Stops a product from being ordered: new orders refuse it and reorders leave it out (and say so).
/// Discontinuing it again changes nothing.
#[utoipa::path(post, path = "/api/v1/products/{id}/discontinue", tag = "catalog", request_body = super::identity::Empty,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = ProductOut), (status = 404, body = Problem), (status = 412, body = Problem)))]
pub async fn discontinue_product(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<super::identity::Empty>,
) -> ApiResult<Response> {
    let (app, ctx) = (&st.app, &cmd.ctx);
    let v = app
        .execute(
            ctx,
            || app.plan_discontinue_product(ctx, ProductId(id)),
            |v| stored(StatusCode::OK, &product_out(v)),
        )
        .await?;
    Ok(respond(StatusCode::OK, &product_out(&v), Some(v.version)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FulfilmentLocationIn {
    pub code: Ident,
    pub name: Name,
    /// warehouse, store or dropship_supplier
    pub kind: Code,
    #[serde(default)]
    pub city: Name,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FulfilmentLocationOut {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub city: String,
}

fn loc_out(l: &FulfilmentLocation) -> FulfilmentLocationOut {
    FulfilmentLocationOut {
        id: l.id.0,
        code: l.code.clone(),
        name: l.name.clone(),
        kind: match l.kind {
            FulfilmentKind::Warehouse => "warehouse",
            FulfilmentKind::Store => "store",
            FulfilmentKind::DropshipSupplier => "dropship_supplier",
        }
        .into(),
        city: l.city.clone(),
    }
}

#[utoipa::path(post, path = "/api/v1/fulfilment-locations", tag = "catalog", request_body = FulfilmentLocationIn,
    params(("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = FulfilmentLocationOut), (status = 422, body = Problem)))]
pub async fn create_fulfilment_location(
    State(st): State<ApiState>,
    cmd: Command<FulfilmentLocationIn>,
) -> ApiResult<Response> {
    let b = &cmd.body;
    let kind = match b.kind.as_str() {
        "warehouse" => FulfilmentKind::Warehouse,
        "store" => FulfilmentKind::Store,
        "dropship_supplier" => FulfilmentKind::DropshipSupplier,
        o => {
            return Err(ApiError::invalid(
                "kind",
                format!("'{o}' is not one of warehouse, store, dropship_supplier"),
            ));
        }
    };
    let input = NewFulfilmentLocation {
        code: b.code.to_string(),
        name: b.name.to_string(),
        kind,
        city: b.city.to_string(),
    };
    let (app, ctx) = (&st.app, &cmd.ctx);
    let v = app
        .execute(
            ctx,
            || app.plan_create_fulfilment_location(ctx, &input),
            |v| stored(StatusCode::CREATED, &loc_out(&v.value)),
        )
        .await
        .map_err(|e| match e {
            aftercart_app::AppError::Rejected(r) if r.field == "number" => {
                ApiError::invalid("code", format!("code {} already exists", input.code))
            }
            e => e.into(),
        })?;
    Ok(respond(StatusCode::CREATED, &loc_out(&v.value), Some(v.version)))
}

#[utoipa::path(get, path = "/api/v1/fulfilment-locations/{id}", tag = "catalog", params(("id" = Uuid, Path)),
    responses((status = 200, body = FulfilmentLocationOut), (status = 404, body = Problem)))]
pub async fn get_fulfilment_location(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
) -> ApiResult<Response> {
    let v = st.app.fulfilment_location(&ctx, FulfilmentLocationId(id)).await?;
    Ok(respond(StatusCode::OK, &loc_out(&v.value), Some(v.version)))
}

#[utoipa::path(get, path = "/api/v1/fulfilment-locations", tag = "catalog",
    responses((status = 200, body = Vec<FulfilmentLocationOut>)))]
pub async fn list_fulfilment_locations(State(st): State<ApiState>, Caller(ctx): Caller) -> ApiResult<Response> {
    let mut all = st.app.fulfilment_locations(&ctx).await?;
    all.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(respond(
        StatusCode::OK,
        &all.iter().map(loc_out).collect::<Vec<_>>(),
        None,
    ))
}
