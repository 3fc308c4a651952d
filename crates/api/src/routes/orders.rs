//! Orders: place, read, list, allocate, backorder, reschedule, cancel; status and timeline.

use super::shipments::ShipmentOut;
use super::{page, respond, stored};
use crate::ApiState;
use crate::dto::{
    Code, FreeText, Ident, ListParams, MoneyDto, PageDto, d, date, money_opt, opt, product_ref, qty, timestamp, ts,
};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Caller, Command, PathParam, QueryParams};
use aftercart_app::{
    Allocate, BackorderInput, CancelInput, EventRow, OrderLineInput, PlaceOrder, Reschedule, TimelineOf, Versioned,
};
use aftercart_domain::ids::OrderId;
use aftercart_domain::order::{Channel, LineLedger, Order};
use aftercart_domain::status::{LineView, order_progress};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderLineIn {
    /// The product, by id or by `sku`.
    pub product_id: Option<Uuid>,
    pub sku: Option<Ident>,
    pub quantity: i64,
    /// The customer location this line ships to (each line may go elsewhere).
    pub ship_to: Uuid,
    /// Date the buyer wants it, `YYYY-MM-DD`.
    pub requested_date: Option<Code>,
    pub po_number: Option<Ident>,
    pub cost_centre: Option<Ident>,
    /// The buyer's project the line is charged to.
    #[serde(default)]
    pub project: Option<Ident>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderIn {
    pub account_id: Uuid,
    /// Your own order number (e.g. from an ERP); generated when absent.
    pub number: Option<Ident>,
    pub bill_to: Option<Uuid>,
    pub po_number: Option<Ident>,
    /// portal, api, punchout, erp or edi (default api).
    pub channel: Option<Code>,
    pub freight: Option<MoneyDto>,
    /// When the order was placed (imports); default now.
    pub placed_at: Option<Code>,
    pub lines: Vec<OrderLineIn>,
}

fn channel(s: &Option<Code>) -> ApiResult<Channel> {
    Ok(match s.as_deref() {
        None | Some("api") => Channel::Api,
        Some("portal") => Channel::Portal,
        Some("punchout") => Channel::Punchout,
        Some("erp") => Channel::Erp,
        Some("edi") => Channel::Edi,
        Some(o) => {
            return Err(ApiError::invalid(
                "channel",
                format!("'{o}' is not one of portal, api, punchout, erp, edi"),
            ));
        }
    })
}

impl OrderIn {
    fn parse(&self) -> ApiResult<PlaceOrder> {
        let mut lines = Vec::with_capacity(self.lines.len());
        for (i, l) in self.lines.iter().enumerate() {
            let f = |s: &str| format!("lines[{i}].{s}");
            let product = product_ref(l.product_id, &l.sku, &f("product_id"))?;
            lines.push(OrderLineInput {
                product,
                quantity: qty(l.quantity, &f("quantity"))?,
                ship_to: l.ship_to.into(),
                requested_date: date(&l.requested_date, &f("requested_date"))?,
                po_number: opt(&l.po_number),
                cost_centre: opt(&l.cost_centre),
                project: opt(&l.project),
            });
        }
        Ok(PlaceOrder {
            account_id: self.account_id.into(),
            number: opt(&self.number),
            bill_to: self.bill_to.map(Into::into),
            po_number: opt(&self.po_number),
            channel: channel(&self.channel)?,
            freight: money_opt(&self.freight, "freight")?,
            placed_at: timestamp(&self.placed_at, "placed_at")?,
            lines,
        })
    }
}

/// The quantity ledger of a line: `ordered` = the sum of the other buckets (except `shipped`/`received`).
#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerOut {
    pub ordered: u32,
    pub cancelled: u32,
    pub unallocated: u32,
    pub backordered: u32,
    pub allocated: u32,
    pub in_transit: u32,
    pub delivered: u32,
    pub returned: u32,
    pub shipped: u32,
    pub received: Option<u32>,
}

impl From<&LineLedger> for LedgerOut {
    fn from(l: &LineLedger) -> LedgerOut {
        LedgerOut {
            ordered: l.ordered.get(),
            cancelled: l.cancelled.get(),
            unallocated: l.unallocated.get(),
            backordered: l.backordered.get(),
            allocated: l.allocated.get(),
            in_transit: l.in_transit.get(),
            delivered: l.delivered.get(),
            returned: l.returned.get(),
            shipped: l.shipped.get(),
            received: l.received.map(|q| q.get()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BackorderChangeOut {
    pub at: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub by: String,
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BackorderOut {
    pub quantity: u32,
    pub expected_date: Option<String>,
    pub reason: String,
    pub history: Vec<BackorderChangeOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AllocationOut {
    pub fulfilment_location_id: Uuid,
    pub quantity: u32,
    /// The location's confirmation that it will ship this allocation (dropship suppliers).
    pub confirmation: Option<ConfirmationOut>,
}

/// Who confirmed an allocation, when, for what quantity, and the date promised to ship by.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConfirmationOut {
    pub by: String,
    pub at: String,
    pub quantity: u32,
    pub ship_by: Option<String>,
    /// False when more has been allocated since the confirmation.
    pub covers_allocation: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderLineOut {
    pub line: u32,
    pub product_id: Uuid,
    pub sku: String,
    pub description: String,
    pub category: String,
    pub quantity: u32,
    pub unit_price: MoneyDto,
    pub ship_to: Uuid,
    pub requested_date: Option<String>,
    pub po_number: Option<String>,
    pub cost_centre: Option<String>,
    pub project: Option<String>,
    pub ledger: LedgerOut,
    pub backorder: Option<BackorderOut>,
    pub allocations: Vec<AllocationOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderOut {
    pub id: Uuid,
    pub number: String,
    pub account_id: Uuid,
    pub currency: String,
    pub bill_to: Uuid,
    pub po_number: Option<String>,
    pub channel: String,
    pub placed_at: String,
    /// awaiting_approval or rejected while approval holds the order; otherwise the derived
    /// progress: pending, allocated, backordered, partially_shipped (some shipped, some not,
    /// nothing delivered), shipped, partially_delivered (some delivered, the rest all shipped),
    /// partially_delivered_partially_shipped (some delivered, some not shipped at all),
    /// delivered, cancelled.
    pub status: String,
    /// Freight quoted when the order was placed.
    pub freight: MoneyDto,
    /// The lines' goods net of cancellations, excluding freight (and tax, which is not known
    /// until invoicing).
    pub goods_total: MoneyDto,
    /// `goods_total` + `freight`.
    pub total: MoneyDto,
    pub lines: Vec<OrderLineOut>,
    pub shipments: Vec<ShipmentOut>,
    pub version: i64,
}

impl OrderOut {
    pub fn new(o: &Order, version: i64) -> OrderOut {
        OrderOut {
            id: o.id.0,
            number: o.number.clone(),
            account_id: o.account_id.0,
            currency: o.currency.code().to_owned(),
            bill_to: o.bill_to.0,
            po_number: o.po_number.clone(),
            channel: format!("{:?}", o.channel).to_lowercase(),
            placed_at: ts(o.placed_at),
            status: aftercart_app::approval_status(o)
                .unwrap_or(order_progress(o).as_str())
                .to_owned(),
            freight: o.freight.into(),
            goods_total: o.goods_total().into(),
            total: o.goods_total().checked_add(o.freight).unwrap_or(o.goods_total()).into(),
            lines: o
                .lines
                .iter()
                .map(|l| OrderLineOut {
                    line: l.no,
                    product_id: l.product_id.0,
                    sku: l.sku.clone(),
                    description: l.description.clone(),
                    category: l.category.clone(),
                    quantity: l.quantity.get(),
                    unit_price: l.unit_price.into(),
                    ship_to: l.ship_to.0,
                    requested_date: l.requested_date.map(d),
                    po_number: l.po_number.clone(),
                    cost_centre: l.cost_centre.clone(),
                    project: l.project.clone(),
                    ledger: (&o.ledger(l)).into(),
                    backorder: l
                        .backorder
                        .as_ref()
                        .filter(|b| !b.quantity.is_zero())
                        .map(|b| BackorderOut {
                            quantity: b.quantity.get(),
                            expected_date: b.expected.map(d),
                            reason: b.reason.clone(),
                            history: b
                                .history
                                .iter()
                                .map(|h| BackorderChangeOut {
                                    at: ts(h.at),
                                    from: h.from.map(d),
                                    to: h.to.map(d),
                                    by: h.by.clone(),
                                    reason: h.reason.clone(),
                                })
                                .collect(),
                        }),
                    allocations: l
                        .allocations
                        .iter()
                        .map(|a| AllocationOut {
                            fulfilment_location_id: a.location.0,
                            quantity: a.quantity.get(),
                            confirmation: a.confirmation.as_ref().map(|c| ConfirmationOut {
                                by: c.by.clone(),
                                at: ts(c.at),
                                quantity: c.quantity.get(),
                                ship_by: c.ship_by.map(d),
                                covers_allocation: a.is_confirmed(),
                            }),
                        })
                        .collect(),
                })
                .collect(),
            shipments: o.shipments.iter().map(|s| ShipmentOut::new(s, o)).collect(),
            version,
        }
    }
}

pub(crate) fn out(v: &Versioned<Order>) -> OrderOut {
    OrderOut::new(&v.value, v.version)
}

#[utoipa::path(post, path = "/api/v1/orders", tag = "orders", request_body = OrderIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key: a repeated request returns the first response")),
    responses((status = 201, body = OrderOut), (status = 422, body = Problem), (status = 400, body = Problem)))]
pub async fn create_order(State(st): State<ApiState>, cmd: Command<OrderIn>) -> ApiResult<Response> {
    let input = cmd.body.parse()?;
    let (app, ctx) = (&st.app, &cmd.ctx);
    let v = app
        .execute(
            ctx,
            || app.plan_place_order(ctx, &input),
            |v| stored(StatusCode::CREATED, &out(v)),
        )
        .await?;
    Ok(respond(StatusCode::CREATED, &out(&v), Some(v.version)))
}

#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders", params(("id" = Uuid, Path)),
    responses((status = 200, body = OrderOut), (status = 404, body = Problem)))]
pub async fn get_order(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
) -> ApiResult<Response> {
    let v = st.app.order(&ctx, OrderId(id)).await?;
    Ok(respond(StatusCode::OK, &out(&v), Some(v.version)))
}

#[utoipa::path(get, path = "/api/v1/orders", tag = "orders", params(ListParams),
    responses((status = 200, body = PageDto<OrderOut>),
        (status = 422, body = Problem, description = "An unknown `status`, or (`out_of_scope`) a `location_id` outside the caller's locations")))]
pub async fn list_orders(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    QueryParams(q): QueryParams<ListParams>,
) -> ApiResult<Response> {
    // The app checks `status` against `aftercart_app::ORDER_STATUSES` and a scoped user's
    // `location_id` against their scope.
    let p = st.app.list_orders(&ctx, &q.filter()?).await?;
    Ok(respond(StatusCode::OK, &page(p, out), None))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AllocationIn {
    pub line: u32,
    pub fulfilment_location_id: Uuid,
    pub quantity: i64,
}

#[utoipa::path(post, path = "/api/v1/orders/{id}/allocations", tag = "orders", request_body = AllocationIn,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header), ("Prefer" = Option<String>, Header, description = "`return=minimal`: answer 204 with the new ETag and no body, so the step costs the same on an order of any size")),
    responses((status = 200, body = OrderOut), (status = 204, description = "Changed; sent when the request carried `Prefer: return=minimal`"), (status = 422, body = Problem), (status = 412, body = Problem)))]
pub async fn allocate(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<AllocationIn>,
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
            || app.plan_allocate(ctx, OrderId(id), &input),
            |v| super::order_changed_stored(ctx, v),
        )
        .await?;
    Ok(super::order_changed(ctx, &v))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BackorderIn {
    pub line: u32,
    pub quantity: i64,
    /// `YYYY-MM-DD`; absent when not known yet.
    pub expected_date: Option<Code>,
    pub reason: FreeText,
}

#[utoipa::path(post, path = "/api/v1/orders/{id}/backorders", tag = "orders", request_body = BackorderIn,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header), ("Prefer" = Option<String>, Header, description = "`return=minimal`: answer 204 with the new ETag and no body, so the step costs the same on an order of any size")),
    responses((status = 200, body = OrderOut), (status = 204, description = "Changed; sent when the request carried `Prefer: return=minimal`"), (status = 422, body = Problem)))]
pub async fn backorder(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<BackorderIn>,
) -> ApiResult<Response> {
    let b = &cmd.body;
    let input = BackorderInput {
        line: b.line,
        quantity: qty(b.quantity, "quantity")?,
        expected: date(&b.expected_date, "expected_date")?,
        reason: b.reason.to_string(),
    };
    let (app, ctx) = (&st.app, &cmd.ctx);
    let v = app
        .execute(
            ctx,
            || app.plan_backorder(ctx, OrderId(id), &input),
            |v| super::order_changed_stored(ctx, v),
        )
        .await?;
    Ok(super::order_changed(ctx, &v))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RescheduleIn {
    pub expected_date: Option<Code>,
    pub reason: FreeText,
}

#[utoipa::path(post, path = "/api/v1/orders/{id}/lines/{line}/backorder-date", tag = "orders", request_body = RescheduleIn,
    params(("id" = Uuid, Path), ("line" = u32, Path), ("If-Match" = Option<String>, Header), ("Prefer" = Option<String>, Header, description = "`return=minimal`: answer 204 with the new ETag and no body, so the step costs the same on an order of any size")),
    responses((status = 200, body = OrderOut), (status = 204, description = "Changed; sent when the request carried `Prefer: return=minimal`"), (status = 409, body = Problem)))]
pub async fn reschedule(
    State(st): State<ApiState>,
    PathParam((id, line)): PathParam<(Uuid, u32)>,
    cmd: Command<RescheduleIn>,
) -> ApiResult<Response> {
    let input = Reschedule {
        line,
        expected: date(&cmd.body.expected_date, "expected_date")?,
        reason: cmd.body.reason.to_string(),
    };
    let (app, ctx) = (&st.app, &cmd.ctx);
    let v = app
        .execute(
            ctx,
            || app.plan_reschedule_backorder(ctx, OrderId(id), &input),
            |v| super::order_changed_stored(ctx, v),
        )
        .await?;
    Ok(super::order_changed(ctx, &v))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancellationIn {
    pub line: u32,
    pub quantity: i64,
    pub reason: FreeText,
}

#[utoipa::path(post, path = "/api/v1/orders/{id}/cancellations", tag = "orders", request_body = CancellationIn,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header), ("Prefer" = Option<String>, Header, description = "`return=minimal`: answer 204 with the new ETag and no body, so the step costs the same on an order of any size")),
    responses((status = 200, body = OrderOut), (status = 204, description = "Changed; sent when the request carried `Prefer: return=minimal`"), (status = 422, body = Problem)))]
pub async fn cancel(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<CancellationIn>,
) -> ApiResult<Response> {
    let b = &cmd.body;
    let input = CancelInput {
        line: b.line,
        quantity: qty(b.quantity, "quantity")?,
        reason: b.reason.to_string(),
    };
    let (app, ctx) = (&st.app, &cmd.ctx);
    let v = app
        .execute(
            ctx,
            || app.plan_cancel(ctx, OrderId(id), &input),
            |v| super::order_changed_stored(ctx, v),
        )
        .await?;
    Ok(super::order_changed(ctx, &v))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShippedPartOut {
    pub shipment_id: Uuid,
    pub quantity: u32,
    pub from: String,
    pub to: String,
    pub carrier: String,
    pub service: Option<String>,
    pub tracking_number: Option<String>,
    pub tracking_url: Option<String>,
    pub shipped_at: String,
    pub tracking_status: String,
    pub delivered_at: Option<String>,
    pub promised_delivery: Option<String>,
    pub estimated_delivery: Option<String>,
    pub last_scan_at: Option<String>,
    pub last_scan_location: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnshippedOut {
    pub quantity: u32,
    /// unallocated, backordered or allocated
    pub state: String,
    pub reason: String,
    pub expected_date: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LineStatusOut {
    pub line: u32,
    pub sku: String,
    pub description: String,
    pub ship_to: String,
    pub requested_date: Option<String>,
    /// pending, allocated, backordered, partially_shipped, shipped, partially_delivered,
    /// partially_delivered_partially_shipped, delivered or cancelled (as on the order).
    pub status: String,
    /// on_track, at_risk or late
    pub risk: String,
    pub reasons: Vec<String>,
    /// One plain sentence a buyer would understand.
    pub summary: String,
    /// The line's quantity ledger (the same object as `lines[].ledger` on the order).
    pub ledger: LedgerOut,
    /// Each shipment's share of the line (`ledger.shipped` is their total quantity).
    pub shipments: Vec<ShippedPartOut>,
    pub not_shipped: Vec<UnshippedOut>,
}

/// "Did this ship?" — derived from the ledger at `as_of`.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusOut {
    pub order_id: Uuid,
    pub order_number: String,
    pub status: String,
    pub risk: String,
    pub reasons: Vec<String>,
    pub summary: String,
    pub as_of: String,
    pub lines: Vec<LineStatusOut>,
}

fn line_status(l: &LineView) -> LineStatusOut {
    LineStatusOut {
        line: l.line,
        sku: l.sku.clone(),
        description: l.description.clone(),
        ship_to: l.ship_to.clone(),
        requested_date: l.requested_date.map(d),
        status: l.status.as_str().to_owned(),
        risk: l.assessment.risk.as_str().to_owned(),
        reasons: l.assessment.reasons.clone(),
        summary: l.sentence.clone(),
        ledger: (&l.ledger).into(),
        shipments: l
            .shipped
            .iter()
            .map(|s| ShippedPartOut {
                shipment_id: s.shipment_id.0,
                quantity: s.quantity.get(),
                from: s.from.clone(),
                to: s.to.clone(),
                carrier: s.carrier.clone(),
                service: s.service.clone(),
                tracking_number: s.tracking_number.clone(),
                tracking_url: s.tracking_url.clone(),
                shipped_at: ts(s.shipped_at),
                tracking_status: s.tracking_status.as_str().to_owned(),
                delivered_at: s.delivered_at.map(ts),
                promised_delivery: s.promised_delivery.map(d),
                estimated_delivery: s.estimated_delivery.map(d),
                last_scan_at: s.last_scan_at.map(ts),
                last_scan_location: s.last_scan_location.clone(),
            })
            .collect(),
        not_shipped: l
            .unshipped
            .iter()
            .map(|u| UnshippedOut {
                quantity: u.quantity.get(),
                state: u.state.to_owned(),
                reason: u.reason.clone(),
                expected_date: u.expected.map(d),
            })
            .collect(),
    }
}

#[utoipa::path(get, path = "/api/v1/orders/{id}/status", tag = "orders", params(("id" = Uuid, Path)),
    responses((status = 200, body = StatusOut), (status = 404, body = Problem)))]
pub async fn status(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
) -> ApiResult<Response> {
    let a = st.app.order_status(&ctx, OrderId(id)).await?;
    let body = StatusOut {
        order_id: a.order.value.id.0,
        order_number: a.order.value.number.clone(),
        status: a.view.status.as_str().to_owned(),
        risk: a.view.assessment.risk.as_str().to_owned(),
        reasons: a.view.assessment.reasons.clone(),
        summary: a.view.sentence.clone(),
        as_of: ts(a.at),
        lines: a.view.lines.iter().map(line_status).collect(),
    };
    Ok(respond(StatusCode::OK, &body, Some(a.order.version)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActorOut {
    /// user, system or integration
    pub kind: String,
    pub id: Option<String>,
    pub name: String,
    /// When the user acted through an API key someone else created: `{"kind": "api_key",
    /// "key_id", "key_name", "created_by": {"id", "name"}, "summary"}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub via: Option<serde_json::Value>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventOut {
    pub seq: i64,
    pub id: Uuid,
    pub at: String,
    pub kind: String,
    pub subject_kind: String,
    pub subject_id: Uuid,
    pub actor: ActorOut,
    pub reason: Option<String>,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineOut {
    pub items: Vec<EventOut>,
    /// Pass as `after` for the next page; absent when there is nothing more now.
    pub next_after: Option<i64>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TimelineParams {
    /// Only events after this sequence number.
    pub after: Option<i64>,
    pub limit: Option<u32>,
}

pub fn timeline_out(rows: Vec<EventRow>, limit: u32) -> TimelineOut {
    let next_after = if rows.len() as u32 >= limit {
        rows.last().map(|r| r.seq)
    } else {
        None
    };
    TimelineOut {
        items: rows
            .into_iter()
            .map(|r| {
                let mut data = serde_json::from_str(&r.data).unwrap_or(serde_json::Value::Null);
                // Recorded in the event's data (`actor_via`), shown beside the actor.
                let via = data.as_object_mut().and_then(|d| d.remove("actor_via"));
                EventOut {
                    seq: r.seq,
                    id: r.id,
                    at: ts(r.at),
                    kind: r.kind,
                    subject_kind: r.subject_kind,
                    subject_id: r.subject_id,
                    actor: ActorOut {
                        kind: r.actor_kind,
                        id: r.actor_id,
                        name: r.actor_name,
                        via,
                    },
                    reason: r.reason,
                    data,
                }
            })
            .collect(),
        next_after,
    }
}

pub async fn timeline_of(
    st: &ApiState,
    ctx: &aftercart_app::Ctx,
    of: TimelineOf,
    q: &TimelineParams,
) -> ApiResult<Response> {
    let limit = q.limit.unwrap_or(100).clamp(1, 500);
    let rows = st.app.timeline(ctx, of, q.after.unwrap_or(0), limit).await?;
    Ok(respond(StatusCode::OK, &timeline_out(rows, limit), None))
}

#[utoipa::path(get, path = "/api/v1/orders/{id}/timeline", tag = "orders", params(("id" = Uuid, Path), TimelineParams),
    responses((status = 200, body = TimelineOut), (status = 404, body = Problem)))]
pub async fn timeline(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
    QueryParams(q): QueryParams<TimelineParams>,
) -> ApiResult<Response> {
    timeline_of(&st, &ctx, TimelineOf::Order(OrderId(id)), &q).await
}
