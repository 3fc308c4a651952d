//! Shipments, carrier tracking events and receipts.

use super::{page, respond, stored};
use crate::ApiState;
use crate::dto::{Code, FreeText, Ident, ListParams, Name, PageDto, Url, d, date, opt, qty, qty0, timestamp, ts};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Caller, Command, PathParam, QueryParams};
use aftercart_app::{ReceiveInput, ShipInput, ShipmentDoc, ShipmentRef, ShipmentView, TrackingInput, Versioned};
use aftercart_domain::ids::ShipmentId;
use aftercart_domain::order::{Order, ReceiptLine, Shipment};
use aftercart_domain::tracking::TrackingStatus;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Serialize, ToSchema)]
pub struct ShipmentLineOut {
    pub line: u32,
    pub quantity: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScanOut {
    pub status: String,
    pub occurred_at: String,
    pub location: Option<String>,
    pub description: Option<String>,
    /// The carrier's own words for the status, beside ours (carrier webhooks keep them).
    pub carrier_status: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptLineOut {
    pub line: u32,
    pub received: u32,
    pub damaged: u32,
    pub wrong_item: u32,
    /// Shipped minus everything reported as arrived.
    pub short: u32,
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptOut {
    pub at: String,
    pub by: String,
    pub lines: Vec<ReceiptLineOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShipmentOut {
    pub id: Uuid,
    pub order_id: Uuid,
    pub order_number: String,
    pub from_location_id: Uuid,
    pub to_location_id: Uuid,
    pub lines: Vec<ShipmentLineOut>,
    pub carrier: String,
    pub service: Option<String>,
    pub tracking_number: Option<String>,
    pub tracking_url: Option<String>,
    pub packing_slip: Option<String>,
    pub shipped_at: String,
    pub promised_delivery: Option<String>,
    pub estimated_delivery: Option<String>,
    /// Normalised: pending, info_received, in_transit, out_for_delivery, failed_attempt,
    /// available_for_pickup, delivered, exception, returned_to_sender, expired.
    pub tracking_status: String,
    pub delivered_at: Option<String>,
    pub last_scan: Option<ScanOut>,
    pub receipt: Option<ReceiptOut>,
}

impl ShipmentOut {
    pub fn new(s: &Shipment, o: &Order) -> ShipmentOut {
        Self::of(s, o.id.0, &o.number)
    }

    pub fn of(s: &Shipment, order_id: Uuid, order_number: &str) -> ShipmentOut {
        ShipmentOut {
            id: s.id.0,
            order_id,
            order_number: order_number.to_owned(),
            from_location_id: s.from.0,
            to_location_id: s.to.0,
            lines: s
                .lines
                .iter()
                .map(|l| ShipmentLineOut {
                    line: l.line,
                    quantity: l.quantity.get(),
                })
                .collect(),
            carrier: s.carrier.clone(),
            service: s.service.clone(),
            tracking_number: s.tracking_number.clone(),
            tracking_url: s.tracking_url.clone(),
            packing_slip: s.packing_slip.clone(),
            shipped_at: ts(s.shipped_at),
            promised_delivery: s.promised_delivery.map(d),
            estimated_delivery: s.estimated_delivery.map(d),
            tracking_status: s.status().as_str().to_owned(),
            delivered_at: s.tracking.delivered_at.map(ts),
            last_scan: s.tracking.latest.as_ref().map(|e| ScanOut {
                status: e.status.as_str().to_owned(),
                occurred_at: ts(e.occurred_at),
                location: e.location.clone(),
                description: e.description.clone(),
                carrier_status: e.carrier_status.clone(),
            }),
            receipt: s.receipt.as_ref().map(|r| ReceiptOut {
                at: ts(r.at),
                by: r.by.clone(),
                lines: r
                    .lines
                    .iter()
                    .map(|l| ReceiptLineOut {
                        line: l.line,
                        received: l.received.get(),
                        damaged: l.damaged.get(),
                        wrong_item: l.wrong_item.get(),
                        short: s
                            .quantity_of(l.line)
                            .saturating_sub(l.received + l.damaged + l.wrong_item)
                            .get(),
                        note: l.note.clone(),
                    })
                    .collect(),
            }),
        }
    }
}

fn doc_out(sd: &ShipmentDoc) -> ShipmentOut {
    ShipmentOut::of(&sd.shipment, sd.order_id.0, &sd.order_number)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipmentLineIn {
    pub line: u32,
    pub quantity: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipmentIn {
    pub order_id: Uuid,
    /// The fulfilment location (warehouse or dropship supplier) it leaves from.
    pub from_location_id: Uuid,
    /// The customer's ship-to location it goes to.
    pub to_location_id: Uuid,
    pub lines: Vec<ShipmentLineIn>,
    pub carrier: Name,
    pub service: Option<Name>,
    pub tracking_number: Option<Ident>,
    pub tracking_url: Option<Url>,
    pub packing_slip: Option<Ident>,
    pub shipped_at: Option<Code>,
    pub promised_delivery: Option<Code>,
    pub estimated_delivery: Option<Code>,
}

#[utoipa::path(post, path = "/api/v1/shipments", tag = "shipments", request_body = ShipmentIn,
    params(("Idempotency-Key" = Option<String>, Header), ("If-Match" = Option<String>, Header, description = "ETag of the order")),
    responses((status = 201, body = ShipmentOut), (status = 422, body = Problem)))]
pub async fn create_shipment(State(st): State<ApiState>, cmd: Command<ShipmentIn>) -> ApiResult<Response> {
    let input = cmd.body.parse("")?;
    let (app, ctx) = (&st.app, &cmd.ctx);
    let v: ShipmentView = app
        .execute(
            ctx,
            || app.plan_ship(ctx, &input),
            |v| stored(StatusCode::CREATED, &doc_out(&v.doc)),
        )
        .await?;
    Ok(respond(StatusCode::CREATED, &doc_out(&v.doc), None))
}

impl ShipmentIn {
    /// The app's input; `prefix` goes before every field name (`shipments[3].` in a wave).
    fn parse(&self, prefix: &str) -> ApiResult<ShipInput> {
        let f = |s: &str| format!("{prefix}{s}");
        let mut lines = Vec::with_capacity(self.lines.len());
        for (i, l) in self.lines.iter().enumerate() {
            lines.push((l.line, qty(l.quantity, &f(&format!("lines[{i}].quantity")))?));
        }
        Ok(ShipInput {
            order_id: self.order_id.into(),
            from: self.from_location_id.into(),
            to: self.to_location_id.into(),
            lines,
            carrier: self.carrier.to_string(),
            service: opt(&self.service),
            tracking_number: opt(&self.tracking_number).filter(|t| !t.trim().is_empty()),
            tracking_url: opt(&self.tracking_url),
            packing_slip: opt(&self.packing_slip),
            shipped_at: timestamp(&self.shipped_at, &f("shipped_at"))?,
            promised_delivery: date(&self.promised_delivery, &f("promised_delivery"))?,
            estimated_delivery: date(&self.estimated_delivery, &f("estimated_delivery"))?,
        })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WaveIn {
    /// 1 to 1,000 shipments, of any orders (several may be of one order).
    pub shipments: Vec<ShipmentIn>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WaveOut {
    /// The shipments created, in the order sent.
    pub shipments: Vec<ShipmentOut>,
}

/// Shipments for many orders in one request, as a warehouse manifests a wave: one commit, all
/// or nothing; a refusal names its shipment (`shipments[4].lines[0].quantity`).
#[utoipa::path(post, path = "/api/v1/shipment-waves", tag = "shipments", request_body = WaveIn,
    params(("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = WaveOut), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create_wave(State(st): State<ApiState>, cmd: Command<WaveIn>) -> ApiResult<Response> {
    let inputs = cmd
        .body
        .shipments
        .iter()
        .enumerate()
        .map(|(i, s)| s.parse(&format!("shipments[{i}].")))
        .collect::<ApiResult<Vec<_>>>()?;
    let (app, ctx) = (&st.app, &cmd.ctx);
    let out = |v: &Vec<ShipmentView>| WaveOut {
        shipments: v.iter().map(|s| doc_out(&s.doc)).collect(),
    };
    let v = app
        .execute(
            ctx,
            || app.plan_ship_wave(ctx, &inputs),
            |v| stored(StatusCode::CREATED, &out(v)),
        )
        .await?;
    Ok(respond(StatusCode::CREATED, &out(&v), None))
}

#[utoipa::path(get, path = "/api/v1/shipments/{id}", tag = "shipments", params(("id" = Uuid, Path)),
    responses((status = 200, body = ShipmentOut), (status = 404, body = Problem)))]
pub async fn get_shipment(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
) -> ApiResult<Response> {
    let sd = st.app.shipment(&ctx, ShipmentId(id)).await?;
    Ok(respond(StatusCode::OK, &doc_out(&sd), None))
}

#[utoipa::path(get, path = "/api/v1/shipments", tag = "shipments", params(ListParams),
    responses((status = 200, body = PageDto<ShipmentOut>),
        (status = 422, body = Problem, description = "`out_of_scope`: a `location_id` outside the caller's locations")))]
pub async fn list_shipments(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    QueryParams(q): QueryParams<ListParams>,
) -> ApiResult<Response> {
    if let Some(s) = &q.status
        && TrackingStatus::ALL.iter().all(|t| t.as_str() != s.as_str())
    {
        return Err(ApiError::invalid("status", format!("'{s}' is not a tracking status")));
    }
    let p = st.app.list_shipments(&ctx, &q.filter()?).await?;
    Ok(respond(
        StatusCode::OK,
        &page(p, |v: &Versioned<ShipmentDoc>| doc_out(&v.value)),
        None,
    ))
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrackingEventIn {
    /// Which shipment: by tracking number or by id.
    pub tracking_number: Option<Ident>,
    pub shipment_id: Option<Uuid>,
    /// Our vocabulary or a common carrier/aggregator word (e.g. `OutForDelivery`, `return_to_sender`).
    pub status: Code,
    pub occurred_at: Code,
    pub location: Option<Name>,
    pub description: Option<FreeText>,
    /// The sender's event id, used to drop repeats; without it status+time+location identify an event.
    pub event_id: Option<Ident>,
    /// Carrier or aggregator name, shown on the timeline.
    pub source: Option<Name>,
    pub estimated_delivery: Option<Code>,
    /// The carrier's own words for the status, kept beside the normalised one.
    pub carrier_status: Option<Name>,
}

impl TrackingEventIn {
    fn parse(&self, prefix: &str) -> ApiResult<TrackingInput> {
        let f = |s: &str| format!("{prefix}{s}");
        let shipment = match (&self.shipment_id, &self.tracking_number) {
            (Some(id), _) => ShipmentRef::Id(ShipmentId(*id)),
            (None, Some(t)) if !t.trim().is_empty() => ShipmentRef::TrackingNumber(t.trim().to_owned()),
            _ => {
                return Err(ApiError::invalid(
                    &f("tracking_number"),
                    "give tracking_number or shipment_id",
                ));
            }
        };
        let status = TrackingStatus::normalise(&self.status).ok_or_else(|| {
            ApiError::invalid(
                &f("status"),
                format!("'{}' is not a known tracking status", self.status),
            )
        })?;
        Ok(TrackingInput {
            shipment,
            status,
            occurred_at: timestamp(&Some(self.occurred_at.clone()), &f("occurred_at"))?.expect("given"),
            location: opt(&self.location),
            description: opt(&self.description),
            event_id: opt(&self.event_id),
            source: opt(&self.source).unwrap_or_else(|| "carrier".into()),
            estimated_delivery: date(&self.estimated_delivery, &f("estimated_delivery"))?,
            carrier_status: opt(&self.carrier_status),
        })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrackingBatchIn {
    pub events: Vec<TrackingEventIn>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrackingResultOut {
    pub index: usize,
    /// applied, duplicate or rejected
    pub outcome: String,
    pub shipment_id: Option<Uuid>,
    pub tracking_status: Option<String>,
    pub error: Option<Problem>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrackingBatchOut {
    pub applied: usize,
    pub duplicates: usize,
    pub rejected: usize,
    pub results: Vec<TrackingResultOut>,
}

#[utoipa::path(post, path = "/api/v1/tracking-events", tag = "shipments", request_body = TrackingBatchIn,
    responses(
        (status = 200, body = TrackingBatchOut, description = "At least one event was applied or was a duplicate; see each result"),
        (status = 422, description = "Every event was refused (nothing changed): each result carries its problem; or the body itself is invalid (a problem)",
            content((TrackingBatchOut = "application/json"), (Problem = "application/problem+json"))),
        (status = 400, body = Problem)))]
pub async fn ingest_tracking(State(st): State<ApiState>, cmd: Command<TrackingBatchIn>) -> ApiResult<Response> {
    let events = &cmd.body.events;
    if events.is_empty() || events.len() > 1000 {
        return Err(ApiError::invalid("events", "send 1 to 1000 events per request"));
    }
    // Events of one order fold into one commit (see `aftercart_app::ingest`); the batch's
    // Idempotency-Key is recorded once, with the batch response, after all events ran.
    let mut event_ctx = cmd.ctx.clone();
    event_ctx.idempotency = None;
    let ctx = &event_ctx;
    let mut results: Vec<Option<TrackingResultOut>> = (0..events.len()).map(|_| None).collect();
    let rejected = |i: usize, mut e: ApiError| {
        // The app names the field of one event; in a batch, say which event.
        e.field = e.field.map(|f| {
            if f.starts_with("events[") {
                f
            } else {
                format!("events[{i}].{f}")
            }
        });
        TrackingResultOut {
            index: i,
            outcome: "rejected".into(),
            shipment_id: None,
            tracking_status: None,
            error: Some(Problem {
                kind: format!("https://aftercart.dev/problems/{}", e.code),
                title: e.status.canonical_reason().unwrap_or("Error").into(),
                status: e.status.as_u16(),
                code: e.code.into(),
                detail: e.detail,
                field: e.field,
            }),
        }
    };
    let mut parsed = Vec::with_capacity(events.len());
    let mut at = Vec::with_capacity(events.len());
    for (i, e) in events.iter().enumerate() {
        match e.parse(&format!("events[{i}].")) {
            Ok(input) => {
                parsed.push(input);
                at.push(i);
            }
            Err(e) => results[i] = Some(rejected(i, e)),
        }
    }
    for (k, r) in st.app.track_many(ctx, &parsed).await.into_iter().enumerate() {
        let i = at[k];
        results[i] = Some(match r {
            Ok(o) => TrackingResultOut {
                index: i,
                outcome: if o.applied { "applied" } else { "duplicate" }.into(),
                shipment_id: Some(o.shipment_id.0),
                tracking_status: Some(o.status.as_str().into()),
                error: None,
            },
            Err(e) => rejected(i, ApiError::from(e)),
        });
    }
    let results: Vec<TrackingResultOut> = results.into_iter().flatten().collect();
    let count = |o: &str| results.iter().filter(|r| r.outcome == o).count();
    let body = TrackingBatchOut {
        applied: count("applied"),
        duplicates: count("duplicate"),
        rejected: count("rejected"),
        results,
    };
    // A batch of which every event was refused changed nothing: say so with 422 (the body still
    // carries each event's problem). Any applied or duplicate event makes it a 200.
    let status = if body.rejected == body.results.len() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    // The events committed one by one; the batch's response is recorded once, for replays.
    let (code, json) = stored(status, &body);
    st.app.record_response(&cmd.ctx, code, json).await?;
    Ok(respond(status, &body, None))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptLineIn {
    pub line: u32,
    /// Arrived as ordered and in good condition.
    pub received: i64,
    pub damaged: Option<i64>,
    pub wrong_item: Option<i64>,
    pub note: Option<FreeText>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptIn {
    pub lines: Vec<ReceiptLineIn>,
}

#[utoipa::path(post, path = "/api/v1/shipments/{id}/receipt", tag = "shipments", request_body = ReceiptIn,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "ETag of the order")),
    responses((status = 200, body = ShipmentOut), (status = 422, body = Problem)))]
pub async fn receive(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<ReceiptIn>,
) -> ApiResult<Response> {
    let mut lines = Vec::new();
    for (i, l) in cmd.body.lines.iter().enumerate() {
        let f = |s: &str| format!("lines[{i}].{s}");
        lines.push(ReceiptLine {
            line: l.line,
            received: qty0(Some(l.received), &f("received"))?,
            damaged: qty0(l.damaged, &f("damaged"))?,
            wrong_item: qty0(l.wrong_item, &f("wrong_item"))?,
            note: opt(&l.note),
        });
    }
    let input = ReceiveInput { lines };
    let (app, ctx) = (&st.app, &cmd.ctx);
    let v = app
        .execute(
            ctx,
            || app.plan_receive(ctx, ShipmentId(id), &input),
            |v| stored(StatusCode::OK, &doc_out(&v.doc)),
        )
        .await?;
    Ok(respond(StatusCode::OK, &doc_out(&v.doc), None))
}
