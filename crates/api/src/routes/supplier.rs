//! The dropship supplier's confirmation of the lines routed to it.

use super::orders::OrderOut;
use super::{respond, stored};
use crate::ApiState;
use crate::dto::{Code, date};
use crate::error::{ApiResult, Problem};
use crate::extract::{Command, PathParam};
use aftercart_app::ConfirmInput;
use aftercart_domain::ids::OrderId;
use aftercart_domain::order::ConfirmLine;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmLineIn {
    /// The order line, as numbered on the order.
    pub line: u32,
    /// The date the location promises to ship by, `YYYY-MM-DD`.
    pub ship_by: Option<Code>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupplierConfirmationIn {
    /// The confirming fulfilment location: a supplier's own (may be omitted); required when
    /// seller staff confirm on a location's behalf.
    pub fulfilment_location_id: Option<Uuid>,
    pub lines: Vec<ConfirmLineIn>,
}

/// A fulfilment location (a dropship supplier) confirms it will ship the lines allocated to it.
/// Confirming again is harmless: the first confirmation's who and when stay, a new `ship_by`
/// replaces the old one, and the same request changes nothing. A line that does not exist or is
/// not allocated to the location is refused on `lines[i].line` (`unknown_reference`).
#[utoipa::path(post, path = "/api/v1/orders/{id}/supplier-confirmation", tag = "orders",
    request_body = SupplierConfirmationIn,
    params(("id" = Uuid, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key: a repeated request returns the first response"),
        ("If-Match" = Option<String>, Header, description = "ETag of the order")),
    responses((status = 200, body = OrderOut, description = "The order as the caller sees it (a supplier: its lines only)"),
        (status = 422, body = Problem), (status = 404, body = Problem), (status = 403, body = Problem)))]
pub async fn confirm(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<SupplierConfirmationIn>,
) -> ApiResult<Response> {
    let b = &cmd.body;
    let mut lines = Vec::with_capacity(b.lines.len());
    for (i, l) in b.lines.iter().enumerate() {
        lines.push(ConfirmLine {
            line: l.line,
            ship_by: date(&l.ship_by, &format!("lines[{i}].ship_by"))?,
        });
    }
    let input = ConfirmInput {
        location: b.fulfilment_location_id.map(Into::into),
        lines,
    };
    let (app, ctx) = (&st.app, &cmd.ctx);
    let v = app
        .execute(
            ctx,
            || app.plan_confirm_allocations(ctx, OrderId(id), &input),
            |v| stored(StatusCode::OK, &OrderOut::new(&v.value, v.version)),
        )
        .await?;
    Ok(respond(
        StatusCode::OK,
        &OrderOut::new(&v.value, v.version),
        Some(v.version),
    ))
}
