//! Returns (RMA): request, decide, return shipment, warehouse receipt (which issues the credit).

use super::{page, respond, stored};
use crate::ApiState;
use crate::dto::{Code, FreeText, Ident, MoneyDto, Name, PageDto, opt, qty, ts};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Caller, Command, PathParam, QueryParams};
use aftercart_app::{DecideReturn, ReceiveReturn, RequestReturn, ReturnFilter, ShipReturn, Versioned};
use aftercart_domain::ids::{OrderId, ReturnId};
use aftercart_domain::returns::{Return, ReturnCondition, ReturnReason, ReturnState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnLineIn {
    /// The order line's number.
    pub line: u32,
    pub quantity: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnIn {
    pub order_id: Uuid,
    /// damaged, wrong_item, not_needed or defective
    pub reason: Code,
    pub note: Option<FreeText>,
    /// What is wrong, in the customer's words (no photos).
    pub description: Option<FreeText>,
    pub lines: Vec<ReturnLineIn>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnDecisionIn {
    /// approve or reject
    pub decision: Code,
    /// Required to reject; the customer reads it.
    pub reason: Option<FreeText>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnShipmentIn {
    pub carrier: Name,
    pub tracking_number: Option<Ident>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnReceiptLineIn {
    pub line: u32,
    /// resellable, damaged, defective or wrong_item
    pub condition: Code,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnReceiptIn {
    pub lines: Vec<ReturnReceiptLineIn>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReturnLineOut {
    pub line: u32,
    pub sku: String,
    pub description: String,
    pub quantity: u32,
    pub unit_price: MoneyDto,
    pub ship_to_location_id: Uuid,
    pub shipment_id: Option<Uuid>,
    pub condition: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReturnDecisionOut {
    pub approved: bool,
    pub by: String,
    pub at: String,
    pub reason: Option<String>,
    /// Approved by the damaged-on-receipt rule.
    pub automatic: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReturnShipmentOut {
    pub carrier: String,
    pub tracking_number: Option<String>,
    pub by: String,
    pub at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReturnReceiptOut {
    pub by: String,
    pub at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReturnCreditOut {
    pub credit_memo_id: Uuid,
    pub number: String,
    pub invoice_id: Uuid,
    pub invoice_number: String,
    pub amount: MoneyDto,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReturnOut {
    pub id: Uuid,
    pub number: String,
    pub account_id: Uuid,
    pub order_id: Uuid,
    pub order_number: String,
    /// requested, approved, rejected, shipped_back, received, credited
    pub state: String,
    pub reason: String,
    pub note: Option<String>,
    pub description: Option<String>,
    pub lines: Vec<ReturnLineOut>,
    pub value: MoneyDto,
    pub requested_by: String,
    pub requested_at: String,
    pub on_behalf: bool,
    pub decision: Option<ReturnDecisionOut>,
    pub shipment: Option<ReturnShipmentOut>,
    pub receipt: Option<ReturnReceiptOut>,
    pub credits: Vec<ReturnCreditOut>,
    /// Received, but none of it was invoiced: nothing to credit.
    pub nothing_to_credit: bool,
}

pub fn out(r: &Return) -> ReturnOut {
    ReturnOut {
        id: r.id.0,
        number: r.number.clone(),
        account_id: r.account_id.0,
        order_id: r.order_id.0,
        order_number: r.order_number.clone(),
        state: r.state().as_str().into(),
        reason: r.reason.as_str().into(),
        note: r.note.clone(),
        description: r.description.clone(),
        lines: r
            .lines
            .iter()
            .map(|l| ReturnLineOut {
                line: l.order_line,
                sku: l.sku.clone(),
                description: l.description.clone(),
                quantity: l.quantity.get(),
                unit_price: l.unit_price.into(),
                ship_to_location_id: l.ship_to.0,
                shipment_id: l.shipment_id.map(|s| s.0),
                condition: l.condition.map(|c| c.as_str().into()),
            })
            .collect(),
        value: r.value().into(),
        requested_by: r.requested_by.clone(),
        requested_at: ts(r.requested_at),
        on_behalf: r.on_behalf,
        decision: r.decision.as_ref().map(|d| ReturnDecisionOut {
            approved: d.approved,
            by: d.by.clone(),
            at: ts(d.at),
            reason: d.reason.clone(),
            automatic: d.automatic,
        }),
        shipment: r.shipment.as_ref().map(|s| ReturnShipmentOut {
            carrier: s.carrier.clone(),
            tracking_number: s.tracking_number.clone(),
            by: s.by.clone(),
            at: ts(s.at),
        }),
        receipt: r.receipt.as_ref().map(|s| ReturnReceiptOut {
            by: s.by.clone(),
            at: ts(s.at),
        }),
        credits: r
            .credits
            .iter()
            .map(|c| ReturnCreditOut {
                credit_memo_id: c.credit_memo_id.0,
                number: c.number.clone(),
                invoice_id: c.invoice_id.0,
                invoice_number: c.invoice_number.clone(),
                amount: c.amount.into(),
            })
            .collect(),
        nothing_to_credit: r.nothing_to_credit,
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReturnListParams {
    pub account_id: Option<Uuid>,
    pub order_id: Option<Uuid>,
    /// requested, approved, rejected, shipped_back, received or credited
    pub status: Option<Code>,
    /// Opaque cursor from the previous page's `next_cursor`.
    pub cursor: Option<Code>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<u32>,
}

#[utoipa::path(post, path = "/api/v1/returns", tag = "returns", request_body = ReturnIn,
    params(("Idempotency-Key" = Option<String>, Header), ("If-Match" = Option<String>, Header, description = "The order's ETag: refuse if the order changed")),
    responses((status = 201, body = ReturnOut), (status = 404, body = Problem), (status = 409, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem)))]
pub async fn create_return(State(st): State<ApiState>, cmd: Command<ReturnIn>) -> ApiResult<Response> {
    let b = &cmd.body;
    let mut lines = Vec::with_capacity(b.lines.len());
    for (i, l) in b.lines.iter().enumerate() {
        lines.push((l.line, qty(l.quantity, &format!("lines[{i}].quantity"))?));
    }
    let input = RequestReturn {
        order_id: OrderId(b.order_id),
        reason: ReturnReason::parse(&b.reason, "reason")?,
        note: opt(&b.note),
        description: opt(&b.description),
        lines,
    };
    let (app, ctx) = (&st.app, &cmd.ctx);
    let v = app
        .execute(
            ctx,
            || app.plan_request_return(ctx, &input),
            |v| stored(StatusCode::CREATED, &out(&v.value)),
        )
        .await?;
    Ok(respond(StatusCode::CREATED, &out(&v.value), Some(v.version)))
}

#[utoipa::path(get, path = "/api/v1/returns", tag = "returns", params(ReturnListParams),
    responses((status = 200, body = PageDto<ReturnOut>)))]
pub async fn list_returns(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    QueryParams(q): QueryParams<ReturnListParams>,
) -> ApiResult<Response> {
    // Cursor and limit are checked as on every list.
    let common = crate::dto::ListParams {
        cursor: q.cursor.clone(),
        limit: q.limit,
        ..Default::default()
    }
    .filter()?;
    let f = ReturnFilter {
        account_id: q.account_id.map(Into::into),
        order_id: q.order_id.map(OrderId),
        state: q.status.as_ref().map(|s| ReturnState::parse(s, "status")).transpose()?,
        before: common.before,
        limit: common.limit,
    };
    let p = st.app.list_returns(&ctx, &f).await?;
    Ok(respond(
        StatusCode::OK,
        &page(p, |v: &Versioned<Return>| out(&v.value)),
        None,
    ))
}

#[utoipa::path(get, path = "/api/v1/returns/{id}", tag = "returns", params(("id" = Uuid, Path)),
    responses((status = 200, body = ReturnOut), (status = 404, body = Problem)))]
pub async fn get_return(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
) -> ApiResult<Response> {
    let v = st.app.return_of(&ctx, ReturnId(id)).await?;
    Ok(respond(StatusCode::OK, &out(&v.value), Some(v.version)))
}

#[utoipa::path(post, path = "/api/v1/returns/{id}/decision", tag = "returns", request_body = ReturnDecisionIn,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = ReturnOut), (status = 404, body = Problem), (status = 409, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem)))]
pub async fn decide_return(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<ReturnDecisionIn>,
) -> ApiResult<Response> {
    let b = &cmd.body;
    let approve = match b.decision.trim() {
        "approve" | "approved" => true,
        "reject" | "rejected" => false,
        other => {
            return Err(ApiError::invalid(
                "decision",
                format!("'{other}' is not a decision (approve, reject)"),
            ));
        }
    };
    let input = DecideReturn {
        approve,
        reason: opt(&b.reason),
    };
    let (app, ctx) = (&st.app, &cmd.ctx);
    let v = app
        .execute(
            ctx,
            || app.plan_decide_return(ctx, ReturnId(id), &input),
            |v| stored(StatusCode::OK, &out(&v.value)),
        )
        .await?;
    Ok(respond(StatusCode::OK, &out(&v.value), Some(v.version)))
}

#[utoipa::path(post, path = "/api/v1/returns/{id}/shipment", tag = "returns", request_body = ReturnShipmentIn,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = ReturnOut), (status = 404, body = Problem), (status = 409, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem)))]
pub async fn ship_return(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<ReturnShipmentIn>,
) -> ApiResult<Response> {
    let b = &cmd.body;
    let input = ShipReturn {
        carrier: b.carrier.to_string(),
        tracking_number: opt(&b.tracking_number),
    };
    let (app, ctx) = (&st.app, &cmd.ctx);
    let v = app
        .execute(
            ctx,
            || app.plan_ship_return(ctx, ReturnId(id), &input),
            |v| stored(StatusCode::OK, &out(&v.value)),
        )
        .await?;
    Ok(respond(StatusCode::OK, &out(&v.value), Some(v.version)))
}

#[utoipa::path(post, path = "/api/v1/returns/{id}/receipt", tag = "returns", request_body = ReturnReceiptIn,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = ReturnOut), (status = 404, body = Problem), (status = 409, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem)))]
pub async fn receive_return(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<ReturnReceiptIn>,
) -> ApiResult<Response> {
    let mut lines = Vec::with_capacity(cmd.body.lines.len());
    for (i, l) in cmd.body.lines.iter().enumerate() {
        lines.push((
            l.line,
            ReturnCondition::parse(&l.condition, &format!("lines[{i}].condition"))?,
        ));
    }
    let input = ReceiveReturn { lines };
    let (app, ctx) = (&st.app, &cmd.ctx);
    let v = app
        .execute(
            ctx,
            || app.plan_receive_return(ctx, ReturnId(id), &input),
            |v| stored(StatusCode::OK, &out(&v.value)),
        )
        .await?;
    Ok(respond(StatusCode::OK, &out(&v.value), Some(v.version)))
}
