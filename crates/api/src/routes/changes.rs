//! Change requests after checkout: a priced preview, the request (applied at once where nothing
//! is committed, routed to the seller where a warehouse released the goods), the seller's
//! decision, and the warehouse's release of allocated quantity (see `aftercart_app::changes`).

use super::orders::OrderOut;
use super::{page, respond, stored};
use crate::ApiState;
use crate::dto::{Code, FreeText, Ident, ListParams, MoneyDto, Name, date, opt, product_ref, qty, qty0};
use crate::error::{ApiResult, Problem};
use crate::extract::{Caller, Command, PathParam, QueryParams};
use aftercart_app::{
    Allocate, ChangeInput, ChangeOutcome, ChangePreview, ChangeRequest, OrderLineInput, RequestChanges, Versioned,
};
use aftercart_domain::ids::{ChangeRequestId, OrderId};
use aftercart_domain::order::{ChangeResult, Pending};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// One change, by `type`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ChangeIn {
    /// The quantity now wanted of a line, net of cancellations (up or down; not below what shipped).
    Quantity { line: u32, quantity: i64 },
    /// Cancel what has not shipped of a line.
    CancelLine { line: u32 },
    /// Cancel what has not shipped of the whole order.
    CancelOrder,
    /// Send a line to another of the account's locations (nothing of it shipped yet).
    ShipTo { line: u32, ship_to: Uuid },
    /// The date the line is wanted by, `YYYY-MM-DD`, or null for none.
    RequestedDate { line: u32, requested_date: Option<Code> },
    /// A new line, at the account's contract price.
    AddLine {
        product_id: Option<Uuid>,
        sku: Option<Ident>,
        quantity: i64,
        ship_to: Uuid,
        requested_date: Option<Code>,
        po_number: Option<Ident>,
        cost_centre: Option<Ident>,
    },
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeRequestIn {
    /// 1 to 200 changes, applied in order, all or nothing.
    pub changes: Vec<ChangeIn>,
    pub reason: Option<FreeText>,
    /// Seller staff only: the customer's user they ask for.
    pub on_behalf_of: Option<Name>,
}

impl ChangeRequestIn {
    fn parse(&self) -> ApiResult<RequestChanges> {
        let mut changes = Vec::with_capacity(self.changes.len());
        for (i, c) in self.changes.iter().enumerate() {
            let f = |s: &str| format!("changes[{i}].{s}");
            changes.push(match c {
                ChangeIn::Quantity { line, quantity } => ChangeInput::Quantity {
                    line: *line,
                    quantity: qty0(Some(*quantity), &f("quantity"))?,
                },
                ChangeIn::CancelLine { line } => ChangeInput::CancelLine { line: *line },
                ChangeIn::CancelOrder => ChangeInput::CancelOrder,
                ChangeIn::ShipTo { line, ship_to } => ChangeInput::ShipTo {
                    line: *line,
                    ship_to: (*ship_to).into(),
                },
                ChangeIn::RequestedDate { line, requested_date } => ChangeInput::RequestedDate {
                    line: *line,
                    date: date(requested_date, &f("requested_date"))?,
                },
                ChangeIn::AddLine {
                    product_id,
                    sku,
                    quantity,
                    ship_to,
                    requested_date,
                    po_number,
                    cost_centre,
                } => ChangeInput::AddLine(OrderLineInput {
                    product: product_ref(*product_id, sku, &f("product_id"))?,
                    quantity: qty(*quantity, &f("quantity"))?,
                    ship_to: (*ship_to).into(),
                    requested_date: date(requested_date, &f("requested_date"))?,
                    po_number: opt(po_number),
                    cost_centre: opt(cost_centre),
                    project: None,
                }),
            });
        }
        Ok(RequestChanges {
            changes,
            reason: opt(&self.reason),
            on_behalf_of: opt(&self.on_behalf_of),
        })
    }
}

/// Work waiting for the seller.
#[derive(Debug, Serialize, ToSchema)]
pub struct PendingOut {
    /// `cut` (take quantity out of what a warehouse released, and cancel it) or `ship_to`.
    pub kind: String,
    pub line: u32,
    pub quantity: Option<u32>,
    pub fulfilment_location_id: Option<Uuid>,
    pub ship_to: Option<Uuid>,
}

fn pending_out(p: &Pending) -> PendingOut {
    match p {
        Pending::Cut {
            line,
            location,
            quantity,
        } => PendingOut {
            kind: "cut".into(),
            line: *line,
            quantity: Some(quantity.get()),
            fulfilment_location_id: Some(location.0),
            ship_to: None,
        },
        Pending::ShipTo { line, ship_to } => PendingOut {
            kind: "ship_to".into(),
            line: *line,
            quantity: None,
            fulfilment_location_id: None,
            ship_to: Some(ship_to.0),
        },
    }
}

/// What one change did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeResultOut {
    /// What changed at once, in words (null when nothing could).
    pub applied: Option<String>,
    /// The whole outcome in one sentence.
    pub summary: String,
    pub pending: Vec<PendingOut>,
    pub added_line: Option<u32>,
}

fn result_out(r: &ChangeResult) -> ChangeResultOut {
    ChangeResultOut {
        applied: r.applied.clone(),
        summary: r.summary.clone(),
        pending: r.pending.iter().map(pending_out).collect(),
        added_line: r.added_line,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeDecisionOut {
    pub accepted: bool,
    pub by: String,
    pub at: String,
    pub reason: Option<String>,
    pub outcome: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeRequestOut {
    pub id: Uuid,
    pub number: String,
    pub order_id: Uuid,
    pub order_number: String,
    pub account_id: Uuid,
    pub requested_by: String,
    pub on_behalf_of: Option<String>,
    pub requested_at: String,
    pub reason: Option<String>,
    /// completed (all applied), awaiting_seller (part waits for the seller), accepted, rejected.
    pub state: String,
    pub results: Vec<ChangeResultOut>,
    pub pending: Vec<PendingOut>,
    /// Why the order needs approval again after this change (empty: it does not).
    pub reapproval: Vec<String>,
    pub decision: Option<ChangeDecisionOut>,
    pub version: i64,
}

fn ts(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

pub(crate) fn request_out(r: &ChangeRequest, version: i64) -> ChangeRequestOut {
    ChangeRequestOut {
        id: r.id.0,
        number: r.number.clone(),
        order_id: r.order_id.0,
        order_number: r.order_number.clone(),
        account_id: r.account_id.0,
        requested_by: r.requested_by.clone(),
        on_behalf_of: r.on_behalf_of.clone(),
        requested_at: ts(r.requested_at),
        reason: r.reason.clone(),
        state: r.state.as_str().into(),
        results: r.results.iter().map(result_out).collect(),
        pending: r.pending.iter().map(pending_out).collect(),
        reapproval: r.reapproval.clone(),
        decision: r.decision.as_ref().map(|d| ChangeDecisionOut {
            accepted: d.accepted,
            by: d.by.clone(),
            at: ts(d.at),
            reason: d.reason.clone(),
            outcome: d.outcome.clone(),
        }),
        version,
    }
}

/// A change request as recorded, with the order's version after it (its new ETag).
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeCreatedOut {
    pub request: ChangeRequestOut,
    pub order_version: i64,
}

fn created_out(o: &ChangeOutcome) -> ChangeCreatedOut {
    ChangeCreatedOut {
        request: request_out(&o.request, 1),
        order_version: o.order_version,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LineAmountOut {
    pub line: u32,
    pub before: MoneyDto,
    pub after: MoneyDto,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BudgetImpactOut {
    pub budget_id: Uuid,
    /// E.g. "the cost centre 'CC-42' budget for November 2026".
    pub budget: String,
    /// What the order, as changed, puts on the budget.
    pub order_amount: MoneyDto,
    pub remaining_after: MoneyDto,
    pub would_exceed: bool,
    /// The impact in words.
    pub sentence: String,
}

/// What a request would do; nothing is written.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangePreviewOut {
    pub results: Vec<ChangeResultOut>,
    /// Goods net of cancellations plus freight, before and after.
    pub total_before: MoneyDto,
    pub total_after: MoneyDto,
    pub lines: Vec<LineAmountOut>,
    pub budgets: Vec<BudgetImpactOut>,
    /// Why the order would need approval again (empty: it would not).
    pub reapproval: Vec<String>,
}

fn preview_out(p: &ChangePreview) -> ChangePreviewOut {
    ChangePreviewOut {
        results: p.results.iter().map(result_out).collect(),
        total_before: p.total_before.into(),
        total_after: p.total_after.into(),
        lines: p
            .lines
            .iter()
            .map(|(line, b, a)| LineAmountOut {
                line: *line,
                before: (*b).into(),
                after: (*a).into(),
            })
            .collect(),
        budgets: p
            .budgets
            .iter()
            .map(|(b, i)| BudgetImpactOut {
                budget_id: b.id.0,
                budget: b.label(),
                order_amount: i.order_amount.into(),
                remaining_after: i.after_remaining.into(),
                would_exceed: i.would_exceed,
                sentence: i.sentence.clone(),
            })
            .collect(),
        reapproval: p.reapproval.clone(),
    }
}

#[utoipa::path(post, path = "/api/v1/orders/{id}/change-requests/preview", tag = "changes", request_body = ChangeRequestIn,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ChangePreviewOut), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn preview(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<ChangeRequestIn>,
) -> ApiResult<Response> {
    let input = cmd.body.parse()?;
    let p = st.app.preview_changes(&cmd.ctx, OrderId(id), &input).await?;
    Ok(respond(StatusCode::OK, &preview_out(&p), None))
}

/// Applies what can change at once and routes the rest to the seller; `201` with the request.
/// `If-Match` pins the order's version; `Idempotency-Key` makes retries safe.
#[utoipa::path(post, path = "/api/v1/orders/{id}/change-requests", tag = "changes", request_body = ChangeRequestIn,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = ChangeCreatedOut), (status = 404, body = Problem), (status = 412, body = Problem),
        (status = 422, body = Problem)))]
pub async fn request_changes(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<ChangeRequestIn>,
) -> ApiResult<Response> {
    let input = cmd.body.parse()?;
    let (app, ctx) = (&st.app, &cmd.ctx);
    let v = app
        .execute(
            ctx,
            || app.plan_request_changes(ctx, OrderId(id), &input),
            |v| stored(StatusCode::CREATED, &created_out(v)),
        )
        .await?;
    Ok(respond(StatusCode::CREATED, &created_out(&v), Some(v.order_version)))
}

#[utoipa::path(get, path = "/api/v1/orders/{id}/change-requests", tag = "changes", params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<ChangeRequestOut>), (status = 404, body = Problem)))]
pub async fn order_change_requests(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
) -> ApiResult<Response> {
    let v = st.app.change_requests_of_order(&ctx, OrderId(id)).await?;
    let out: Vec<ChangeRequestOut> = v.iter().map(|r| request_out(&r.value, r.version)).collect();
    Ok(respond(StatusCode::OK, &out, None))
}

#[utoipa::path(get, path = "/api/v1/change-requests", tag = "changes", params(ListParams),
    responses((status = 200, body = crate::dto::PageDto<ChangeRequestOut>), (status = 422, body = Problem)))]
pub async fn list_change_requests(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    QueryParams(q): QueryParams<ListParams>,
) -> ApiResult<Response> {
    let p = st.app.list_change_requests(&ctx, &q.filter()?).await?;
    Ok(respond(
        StatusCode::OK,
        &page(p, |r: &Versioned<ChangeRequest>| request_out(&r.value, r.version)),
        None,
    ))
}

#[utoipa::path(get, path = "/api/v1/change-requests/{id}", tag = "changes", params(("id" = Uuid, Path)),
    responses((status = 200, body = ChangeRequestOut), (status = 404, body = Problem)))]
pub async fn get_change_request(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
) -> ApiResult<Response> {
    let v = st.app.change_request(&ctx, ChangeRequestId(id)).await?;
    Ok(respond(
        StatusCode::OK,
        &request_out(&v.value, v.version),
        Some(v.version),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeDecisionIn {
    /// True: do the waiting part; false: reject it (a reason is required).
    pub accept: bool,
    pub reason: Option<FreeText>,
}

/// The seller decides the waiting part of a request. `If-Match` pins the request's version.
#[utoipa::path(post, path = "/api/v1/change-requests/{id}/decision", tag = "changes", request_body = ChangeDecisionIn,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = ChangeRequestOut), (status = 404, body = Problem), (status = 412, body = Problem),
        (status = 422, body = Problem)))]
pub async fn decide(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<ChangeDecisionIn>,
) -> ApiResult<Response> {
    let (accept, reason) = (cmd.body.accept, opt(&cmd.body.reason));
    let (app, ctx) = (&st.app, &cmd.ctx);
    let v = app
        .execute(
            ctx,
            || app.plan_decide_change(ctx, ChangeRequestId(id), accept, reason.clone()),
            |v| stored(StatusCode::OK, &request_out(&v.value, v.version)),
        )
        .await?;
    Ok(respond(
        StatusCode::OK,
        &request_out(&v.value, v.version),
        Some(v.version),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseIn {
    pub line: u32,
    pub fulfilment_location_id: Uuid,
    pub quantity: i64,
}

/// A warehouse releases allocated quantity to its floor (picking): changes to it are then
/// routed to the seller instead of applied at once.
#[utoipa::path(post, path = "/api/v1/orders/{id}/releases", tag = "orders", request_body = ReleaseIn,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header), ("Idempotency-Key" = Option<String>, Header), ("Prefer" = Option<String>, Header, description = "`return=minimal`: answer 204 with the new ETag and no body")),
    responses((status = 200, body = OrderOut), (status = 204, description = "Released; sent when the request carried `Prefer: return=minimal`"), (status = 404, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem)))]
pub async fn release(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<ReleaseIn>,
) -> ApiResult<Response> {
    let b = &cmd.body;
    let input = Allocate {
        line: b.line,
        location: b.fulfilment_location_id.into(),
        quantity: qty(b.quantity, "quantity")?,
    };
    let (app, ctx) = (&st.app, &cmd.ctx);
    let v = app
        .execute(
            ctx,
            || app.plan_release(ctx, OrderId(id), &input),
            |v| super::order_changed_stored(ctx, v),
        )
        .await?;
    Ok(super::order_changed(ctx, &v))
}
