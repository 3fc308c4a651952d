//! Reorder from a past order or a saved list: preview what changed (price, availability,
//! discontinued products, gone ship-tos), then place it as a new order (which goes through
//! approval like any other). Saved lists: create, read, list, replace (`PUT`) and delete, the
//! last two only with `If-Match`.

use super::orders::OrderOut;
use super::{page, respond, stored};
use crate::ApiState;
use crate::dto::{Ident, ListParams, MoneyDto, Name, PageDto, opt, product_ref, qty, ts};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Caller, Command, PathParam, QueryParams};
use aftercart_app::{
    NewSavedList, ReorderPreview, ReorderSource, SavedList, SavedListId, SavedListLineInput, SavedListUpdate, Versioned,
};
use aftercart_domain::ids::OrderId;
use aftercart_domain::order::Order;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Serialize, ToSchema)]
pub struct ReorderSourceOut {
    /// order or saved_list
    pub kind: String,
    pub id: Uuid,
    /// "order SO-1001" or "saved list \"Weekly clinic supplies\"".
    pub label: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReorderLineOut {
    /// The source order's line number, or the position in the saved list (from 1).
    pub source_line: u32,
    pub product_id: Uuid,
    pub sku: String,
    pub description: String,
    /// The quantity originally ordered (or saved), before any cancellation.
    pub quantity: u32,
    pub ship_to: Uuid,
    pub ship_to_name: Option<String>,
    pub cost_centre: Option<String>,
    /// The price paid then (or when the list was saved).
    pub old_unit_price: Option<MoneyDto>,
    /// Today's price for the account: its contract price, else the list price.
    pub new_unit_price: Option<MoneyDto>,
    /// unchanged, price_changed, discontinued, product_missing or location_gone
    pub change: String,
    /// One plain sentence, e.g. "price went from USD 11.75 to USD 12.10".
    pub note: String,
    /// Whether placing the reorder includes this line.
    pub will_order: bool,
}

/// What a reorder would place today and what changed since.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReorderPreviewOut {
    pub source: ReorderSourceOut,
    pub account_id: Uuid,
    pub currency: String,
    pub lines: Vec<ReorderLineOut>,
    /// Total of the lines that would be ordered, at today's prices (before approval, tax, freight).
    pub total: MoneyDto,
    /// At least one line can still be ordered.
    pub can_place: bool,
    pub summary: String,
}

fn preview_out(p: &ReorderPreview) -> ReorderPreviewOut {
    let (kind, id) = match p.source {
        ReorderSource::Order(id) => ("order", id.0),
        ReorderSource::List(id) => ("saved_list", id.0),
    };
    ReorderPreviewOut {
        source: ReorderSourceOut {
            kind: kind.to_owned(),
            id,
            label: p.source_label.clone(),
        },
        account_id: p.account_id.0,
        currency: p.currency.code().to_owned(),
        lines: p
            .lines
            .iter()
            .map(|l| ReorderLineOut {
                source_line: l.source_line,
                product_id: l.product_id.0,
                sku: l.sku.clone(),
                description: l.description.clone(),
                quantity: l.quantity.get(),
                ship_to: l.ship_to.0,
                ship_to_name: l.ship_to_name.clone(),
                cost_centre: l.cost_centre.clone(),
                old_unit_price: l.old_unit_price.map(Into::into),
                new_unit_price: l.new_unit_price.map(Into::into),
                change: l.change.as_str().to_owned(),
                note: l.note.clone(),
                will_order: l.orderable(),
            })
            .collect(),
        total: p.total.into(),
        can_place: p.can_place,
        summary: p.summary.clone(),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReorderIn {
    /// The purchase order number for the new order.
    pub po_number: Option<Ident>,
}

fn order_out(v: &Versioned<Order>) -> OrderOut {
    OrderOut::new(&v.value, v.version)
}

async fn preview(st: &ApiState, ctx: &aftercart_app::Ctx, source: ReorderSource) -> ApiResult<Response> {
    let p = st.app.reorder_preview(ctx, source).await?;
    Ok(respond(StatusCode::OK, &preview_out(&p), None))
}

async fn place(st: &ApiState, cmd: &Command<ReorderIn>, source: ReorderSource) -> ApiResult<Response> {
    let (app, ctx) = (&st.app, &cmd.ctx);
    let po = opt(&cmd.body.po_number);
    let v = app
        .execute(
            ctx,
            || app.plan_reorder(ctx, source, po.clone()),
            |v| stored(StatusCode::CREATED, &order_out(v)),
        )
        .await?;
    Ok(respond(StatusCode::CREATED, &order_out(&v), Some(v.version)))
}

#[utoipa::path(get, path = "/api/v1/orders/{id}/reorder", tag = "reorder", params(("id" = Uuid, Path)),
    responses((status = 200, body = ReorderPreviewOut), (status = 404, body = Problem)))]
pub async fn order_reorder_preview(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
) -> ApiResult<Response> {
    preview(&st, &ctx, ReorderSource::Order(OrderId(id))).await
}

#[utoipa::path(post, path = "/api/v1/orders/{id}/reorder", tag = "reorder", request_body = ReorderIn,
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key: a repeated request returns the first response")),
    responses((status = 201, body = OrderOut), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn reorder_order(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<ReorderIn>,
) -> ApiResult<Response> {
    place(&st, &cmd, ReorderSource::Order(OrderId(id))).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SavedListLineIn {
    /// The product, by id or by `sku`.
    pub product_id: Option<Uuid>,
    pub sku: Option<Ident>,
    pub quantity: i64,
    pub ship_to: Uuid,
    pub cost_centre: Option<Ident>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SavedListIn {
    pub account_id: Uuid,
    pub name: Name,
    pub lines: Vec<SavedListLineIn>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SavedListLineOut {
    /// Position in the list, from 1.
    pub line: u32,
    pub product_id: Uuid,
    pub sku: String,
    pub quantity: u32,
    pub ship_to: Uuid,
    pub cost_centre: Option<String>,
    /// The account's price when the list was saved.
    pub unit_price_when_saved: Option<MoneyDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SavedListOut {
    pub id: Uuid,
    pub account_id: Uuid,
    pub name: String,
    pub lines: Vec<SavedListLineOut>,
    pub created_by: String,
    pub created_at: String,
    pub version: i64,
}

fn list_out(v: &Versioned<SavedList>) -> SavedListOut {
    let l = &v.value;
    SavedListOut {
        id: l.id.0,
        account_id: l.account_id.0,
        name: l.name.clone(),
        lines: l
            .lines
            .iter()
            .enumerate()
            .map(|(i, x)| SavedListLineOut {
                line: u32::try_from(i + 1).unwrap_or(u32::MAX),
                product_id: x.product_id.0,
                sku: x.sku.clone(),
                quantity: x.quantity.get(),
                ship_to: x.ship_to.0,
                cost_centre: x.cost_centre.clone(),
                unit_price_when_saved: x.unit_price_when_saved.map(Into::into),
            })
            .collect(),
        created_by: l.created_by.clone(),
        created_at: ts(l.created_at),
        version: v.version,
    }
}

fn parse_lines(lines: &[SavedListLineIn]) -> ApiResult<Vec<SavedListLineInput>> {
    let mut out = Vec::with_capacity(lines.len());
    for (i, l) in lines.iter().enumerate() {
        let f = |s: &str| format!("lines[{i}].{s}");
        let product = product_ref(l.product_id, &l.sku, &f("product_id"))?;
        out.push(SavedListLineInput {
            product,
            quantity: qty(l.quantity, &f("quantity"))?,
            ship_to: l.ship_to.into(),
            cost_centre: opt(&l.cost_centre),
        });
    }
    Ok(out)
}

impl SavedListIn {
    fn parse(&self) -> ApiResult<NewSavedList> {
        Ok(NewSavedList {
            account_id: self.account_id.into(),
            name: self.name.to_string(),
            lines: parse_lines(&self.lines)?,
        })
    }
}

/// The whole list as it should be: its name and its lines (they replace the old ones).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SavedListUpdateIn {
    pub name: Name,
    pub lines: Vec<SavedListLineIn>,
}

/// Changing or deleting a saved list needs `If-Match` (the ETag of the version the caller saw),
/// checked once the list is known to be visible (so another account's list stays a 404).
async fn require_if_match(st: &ApiState, ctx: &aftercart_app::Ctx, headers: &HeaderMap, id: Uuid) -> ApiResult<()> {
    if headers.contains_key(header::IF_MATCH) {
        return Ok(());
    }
    st.app.saved_list(ctx, SavedListId(id)).await?;
    Err(ApiError::header(
        StatusCode::PRECONDITION_REQUIRED,
        "precondition_required",
        "If-Match",
        "send If-Match with the saved list's ETag (e.g. \"v3\") so no one else's change is overwritten",
    ))
}

#[utoipa::path(post, path = "/api/v1/saved-lists", tag = "reorder", request_body = SavedListIn,
    params(("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = SavedListOut), (status = 422, body = Problem)))]
pub async fn create_saved_list(State(st): State<ApiState>, cmd: Command<SavedListIn>) -> ApiResult<Response> {
    let input = cmd.body.parse()?;
    let (app, ctx) = (&st.app, &cmd.ctx);
    let v = app
        .execute(
            ctx,
            || app.plan_create_saved_list(ctx, &input),
            |v| stored(StatusCode::CREATED, &list_out(v)),
        )
        .await?;
    Ok(respond(StatusCode::CREATED, &list_out(&v), Some(v.version)))
}

#[utoipa::path(get, path = "/api/v1/saved-lists", tag = "reorder", params(ListParams),
    responses((status = 200, body = PageDto<SavedListOut>)))]
pub async fn list_saved_lists(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    QueryParams(q): QueryParams<ListParams>,
) -> ApiResult<Response> {
    if q.status.is_some() {
        return Err(ApiError::invalid("status", "saved lists have no status"));
    }
    let p = st.app.list_saved_lists(&ctx, &q.filter()?).await?;
    Ok(respond(StatusCode::OK, &page(p, list_out), None))
}

#[utoipa::path(get, path = "/api/v1/saved-lists/{id}", tag = "reorder", params(("id" = Uuid, Path)),
    responses((status = 200, body = SavedListOut), (status = 404, body = Problem)))]
pub async fn get_saved_list(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
) -> ApiResult<Response> {
    let v = st.app.saved_list(&ctx, SavedListId(id)).await?;
    Ok(respond(StatusCode::OK, &list_out(&v), Some(v.version)))
}

#[utoipa::path(get, path = "/api/v1/saved-lists/{id}/reorder", tag = "reorder", params(("id" = Uuid, Path)),
    responses((status = 200, body = ReorderPreviewOut), (status = 404, body = Problem)))]
pub async fn list_reorder_preview(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
) -> ApiResult<Response> {
    preview(&st, &ctx, ReorderSource::List(SavedListId(id))).await
}

#[utoipa::path(post, path = "/api/v1/saved-lists/{id}/reorder", tag = "reorder", request_body = ReorderIn,
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key: a repeated request returns the first response")),
    responses((status = 201, body = OrderOut), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn reorder_list(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<ReorderIn>,
) -> ApiResult<Response> {
    place(&st, &cmd, ReorderSource::List(SavedListId(id))).await
}

#[utoipa::path(put, path = "/api/v1/saved-lists/{id}", tag = "reorder", request_body = SavedListUpdateIn,
    params(("id" = Uuid, Path),
        ("If-Match" = String, Header, description = "The ETag of the list as last read (required)"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key: a repeated request returns the first response")),
    responses((status = 200, body = SavedListOut), (status = 404, body = Problem), (status = 412, body = Problem),
        (status = 422, body = Problem), (status = 428, body = Problem)))]
pub async fn update_saved_list(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    headers: HeaderMap,
    cmd: Command<SavedListUpdateIn>,
) -> ApiResult<Response> {
    let (app, ctx) = (&st.app, &cmd.ctx);
    require_if_match(&st, ctx, &headers, id).await?;
    let input = SavedListUpdate {
        name: cmd.body.name.to_string(),
        lines: parse_lines(&cmd.body.lines)?,
    };
    let v = app
        .execute(
            ctx,
            || app.plan_update_saved_list(ctx, SavedListId(id), &input),
            |v| stored(StatusCode::OK, &list_out(v)),
        )
        .await?;
    Ok(respond(StatusCode::OK, &list_out(&v), Some(v.version)))
}

#[utoipa::path(delete, path = "/api/v1/saved-lists/{id}", tag = "reorder",
    params(("id" = Uuid, Path),
        ("If-Match" = String, Header, description = "The ETag of the list as last read (required)")),
    responses((status = 204, description = "Deleted: the list is gone from reads and listings"),
        (status = 404, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem),
        (status = 428, body = Problem)))]
pub async fn delete_saved_list(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    require_if_match(&st, &ctx, &headers, id).await?;
    let app = &st.app;
    app.run(&ctx, || app.plan_delete_saved_list(&ctx, SavedListId(id)))
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
