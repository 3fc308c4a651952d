//! Order commands: place, allocate, backorder, reschedule, cancel, ship, track, receive.
//! Each loads the order, lets the domain decide, and commits the order, its shipment projections
//! and the timeline events together.

use crate::docs::{ShipmentDoc, Versioned, event};
use crate::error::{AppError, Result};
use crate::order_docs::{Need, OrderDraft};
use crate::principal::Actor;
use crate::{App, Ctx, Planned};
use aftercart_domain::account::{Account, FulfilmentLocation};
use aftercart_domain::error::{ErrorCode, Rejection};
use aftercart_domain::ids::{AccountId, FulfilmentLocationId, LocationId, OrderId, ProductId, ShipmentId};
use aftercart_domain::money::Money;
use aftercart_domain::order::{Channel, NewLine, NewOrder, NewShipment, Order, Receipt, ReceiptLine};
use aftercart_domain::product::Product;
use aftercart_domain::quantity::Qty;
use aftercart_domain::tracking::{TrackingEvent, TrackingStatus};
use aftercart_store::{Commit, EventWrite, KeyWrite};
use serde_json::json;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

#[derive(Debug, Clone)]
pub enum ProductRef {
    Id(ProductId),
    Sku(String),
}

#[derive(Debug, Clone)]
pub struct OrderLineInput {
    pub product: ProductRef,
    pub quantity: Qty,
    pub ship_to: LocationId,
    pub requested_date: Option<Date>,
    pub po_number: Option<String>,
    pub cost_centre: Option<String>,
    /// The buyer's project (from a procurement system's accounting); none for most orders.
    pub project: Option<String>,
}

#[derive(Debug, Clone)]
pub struct PlaceOrder {
    pub account_id: AccountId,
    pub number: Option<String>,
    /// Defaults to the account's first bill-to location.
    pub bill_to: Option<LocationId>,
    pub po_number: Option<String>,
    pub channel: Channel,
    pub freight: Option<Money>,
    /// Defaults to now; set by imports of historical orders.
    pub placed_at: Option<OffsetDateTime>,
    pub lines: Vec<OrderLineInput>,
}

#[derive(Debug, Clone)]
pub struct Allocate {
    pub line: u32,
    pub location: FulfilmentLocationId,
    pub quantity: Qty,
}

#[derive(Debug, Clone)]
pub struct BackorderInput {
    pub line: u32,
    pub quantity: Qty,
    pub expected: Option<Date>,
    pub reason: String,
}

#[derive(Debug, Clone)]
pub struct Reschedule {
    pub line: u32,
    pub expected: Option<Date>,
    pub reason: String,
}

#[derive(Debug, Clone)]
pub struct CancelInput {
    pub line: u32,
    pub quantity: Qty,
    pub reason: String,
}

#[derive(Debug, Clone)]
pub struct ShipInput {
    pub order_id: OrderId,
    pub from: FulfilmentLocationId,
    pub to: LocationId,
    pub lines: Vec<(u32, Qty)>,
    pub carrier: String,
    pub service: Option<String>,
    pub tracking_number: Option<String>,
    pub tracking_url: Option<String>,
    pub packing_slip: Option<String>,
    pub shipped_at: Option<OffsetDateTime>,
    pub promised_delivery: Option<Date>,
    pub estimated_delivery: Option<Date>,
}

#[derive(Debug, Clone)]
pub enum ShipmentRef {
    Id(ShipmentId),
    TrackingNumber(String),
}

#[derive(Debug, Clone)]
pub struct TrackingInput {
    pub shipment: ShipmentRef,
    pub status: TrackingStatus,
    pub occurred_at: OffsetDateTime,
    pub location: Option<String>,
    pub description: Option<String>,
    /// The sender's event id; without one, status + time + location identify the event.
    pub event_id: Option<String>,
    /// Who sent it (carrier or aggregator name), for the timeline.
    pub source: String,
    pub estimated_delivery: Option<Date>,
    /// The carrier's own words for the status, when an adapter read them.
    pub carrier_status: Option<String>,
}

#[derive(Debug, Clone)]
pub struct TrackOutcome {
    pub shipment_id: ShipmentId,
    pub order_id: OrderId,
    pub status: TrackingStatus,
    /// False when the event was a repeat (already applied).
    pub applied: bool,
}

#[derive(Debug, Clone)]
pub struct ReceiveInput {
    pub lines: Vec<ReceiptLine>,
}

pub(crate) fn order_event(
    actor: &Actor,
    at: OffsetDateTime,
    order: &Order,
    kind: &str,
    reason: Option<String>,
    data: serde_json::Value,
) -> EventWrite {
    event(
        actor,
        at,
        kind,
        "order",
        order.id.0,
        Some(order.account_id),
        reason,
        data,
    )
}

/// A shipment applied to an order held in memory: its id, its timeline event and the keys
/// that find it (tracking number, destination, origin). Shared by one shipment and a wave.
pub(crate) struct Shipped {
    pub id: ShipmentId,
    pub event: EventWrite,
    pub keys: Vec<KeyWrite>,
}

/// One allocation applied to an order in memory: its `line.allocated` event and the key that
/// lets a supplier list the orders routed to it. The one path for a manual allocation and for
/// routing (which names its `rule`), so both leave the same facts.
pub(crate) fn allocate_onto(
    ctx: &Ctx,
    order: &mut Order,
    loc: &FulfilmentLocation,
    line: u32,
    quantity: Qty,
    now: OffsetDateTime,
    rule: Option<Uuid>,
) -> Result<(EventWrite, KeyWrite)> {
    order.allocate(line, loc, quantity)?;
    let mut data = json!({"line": line, "quantity": quantity.get(), "fulfilment_location": loc.name});
    if let (Some(r), Some(o)) = (rule, data.as_object_mut()) {
        o.insert("routing_rule".into(), json!(r));
    }
    let ev = order_event(&ctx.principal.actor(), now, order, "line.allocated", None, data);
    let key = KeyWrite {
        kind: "order_fulfilment",
        key: loc.id.0.to_string(),
        doc_id: order.id.0,
    };
    Ok((ev, key))
}

pub(crate) fn ship_onto(
    ctx: &Ctx,
    order: &mut Order,
    from: &FulfilmentLocation,
    input: &ShipInput,
    now: OffsetDateTime,
) -> Result<Shipped> {
    if ctx.principal.supplier_location().is_some_and(|l| l != from.id) {
        return Err(Rejection::new(
            ErrorCode::OutOfScope,
            "from_location_id",
            "you may only ship from your own location",
        )
        .into());
    }
    let id = ShipmentId(Uuid::now_v7());
    let s = order.ship(NewShipment {
        id,
        from: from.id,
        to: input.to,
        lines: input.lines.clone(),
        carrier: input.carrier.clone(),
        service: input.service.clone(),
        tracking_number: input.tracking_number.clone(),
        tracking_url: input.tracking_url.clone(),
        packing_slip: input.packing_slip.clone(),
        shipped_at: input.shipped_at.unwrap_or(now),
        promised_delivery: input.promised_delivery,
        estimated_delivery: input.estimated_delivery,
    })?;
    let data = json!({
        "shipment_id": id.0,
        "from": from.name,
        // Notifications to the customer leave a dropship supplier unnamed (one order, not the network).
        "from_dropship": from.kind == aftercart_domain::account::FulfilmentKind::DropshipSupplier,
        "lines": s.lines.iter().map(|l| json!({"line": l.line, "quantity": l.quantity.get()})).collect::<Vec<_>>(),
        "carrier": s.carrier,
        "tracking_number": s.tracking_number,
    });
    let event = order_event(&ctx.principal.actor(), now, order, "shipment.created", None, data);
    let mut keys = Vec::with_capacity(3);
    if let Some(t) = &input.tracking_number {
        keys.push(KeyWrite {
            kind: "tracking",
            key: t.clone(),
            doc_id: id.0,
        });
    }
    keys.push(KeyWrite {
        kind: "shipment_location",
        key: input.to.0.to_string(),
        doc_id: id.0,
    });
    keys.push(KeyWrite {
        kind: "shipment_from",
        key: from.id.0.to_string(),
        doc_id: id.0,
    });
    Ok(Shipped { id, event, keys })
}

/// One carrier scan applied to an order in memory: its timeline event and de-duplication key,
/// or `None` when it changes nothing (an exact repeat of the latest scan). Shared by one scan
/// and a folded batch.
pub(crate) fn apply_scan(
    _ctx: &Ctx,
    now: OffsetDateTime,
    order: &mut Order,
    sid: ShipmentId,
    input: &TrackingInput,
) -> Result<Option<(EventWrite, String)>> {
    let ev = TrackingEvent {
        status: input.status,
        occurred_at: input.occurred_at,
        location: input.location.clone(),
        description: input.description.clone(),
        carrier_status: input.carrier_status.clone(),
    };
    let applied = order.track(sid, ev)?;
    if let Some(e) = input.estimated_delivery
        && let Some(s) = order.shipments.iter_mut().find(|s| s.id == sid)
    {
        s.estimated_delivery = Some(e);
    }
    if !applied {
        return Ok(None);
    }
    let key = input.event_id.clone().unwrap_or_else(|| {
        format!(
            "{}|{}|{}",
            input.status.as_str(),
            input.occurred_at.unix_timestamp_nanos(),
            input.location.as_deref().unwrap_or("")
        )
    });
    let actor = Actor::Integration {
        name: input.source.clone(),
    };
    let event = order_event(
        &actor,
        now,
        order,
        "shipment.tracking",
        None,
        json!({
            "shipment_id": sid.0,
            "status": input.status.as_str(),
            "occurred_at": input.occurred_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
            "location": input.location,
            "description": input.description,
        }),
    );
    Ok(Some((event, key)))
}

/// What a scan left the shipment at.
pub(crate) fn outcome(order: &Order, sid: ShipmentId, input: &TrackingInput, applied: bool) -> TrackOutcome {
    TrackOutcome {
        shipment_id: sid,
        order_id: order.id,
        status: order.shipment(sid).map_or(input.status, |s| s.status()),
        applied,
    }
}

impl App {
    async fn resolve_products(&self, ctx: &Ctx, lines: &[OrderLineInput]) -> Result<Vec<Product>> {
        let mut out = Vec::with_capacity(lines.len());
        for (i, l) in lines.iter().enumerate() {
            let p = match &l.product {
                ProductRef::Id(id) => {
                    self.load_ref::<Product>(ctx, id.0, &format!("lines[{i}].product_id"))
                        .await?
                        .value
                }
                ProductRef::Sku(sku) => {
                    let row = self
                        .store
                        .by_number("product", sku)
                        .await?
                        .ok_or_else(|| AppError::not_found_field("product", format!("lines[{i}].sku")))?;
                    crate::docs::decode::<Product>(&row)?.value
                }
            };
            out.push(p);
        }
        Ok(out)
    }

    pub async fn plan_place_order(&self, ctx: &Ctx, input: &PlaceOrder) -> Result<Planned<Versioned<Order>>> {
        let account = self
            .load_ref::<Account>(ctx, input.account_id.0, "account_id")
            .await?
            .value;
        // A location-scoped buyer orders only for their own locations.
        if let Some(i) = input.lines.iter().position(|l| !ctx.principal.sees_location(l.ship_to)) {
            return Err(Rejection::new(
                ErrorCode::OutOfScope,
                format!("lines[{i}].ship_to"),
                "you may not order for this location",
            )
            .into());
        }
        let products = self.resolve_products(ctx, &input.lines).await?;
        let bill_to = match input.bill_to {
            Some(b) => b,
            None => account
                .locations
                .iter()
                .find(|l| l.kind.can_be_billed())
                .map(|l| l.id)
                .ok_or_else(|| {
                    Rejection::new(
                        ErrorCode::InvalidState,
                        "bill_to",
                        "the account has no bill-to location",
                    )
                })?,
        };
        let number = match &input.number {
            Some(n) if n.trim().is_empty() => {
                return Err(Rejection::new(ErrorCode::InvalidValue, "number", "must not be empty").into());
            }
            Some(n) => n.trim().to_owned(),
            None => format!("SO-{}", self.next_number("order").await?),
        };
        let now = self.clock.now();
        let new = NewOrder {
            id: OrderId(Uuid::now_v7()),
            number,
            bill_to,
            po_number: input.po_number.clone(),
            channel: input.channel,
            placed_at: input.placed_at.unwrap_or(now),
            freight: input.freight,
            lines: input
                .lines
                .iter()
                .zip(products)
                .map(|(l, product)| NewLine {
                    product,
                    quantity: l.quantity,
                    ship_to: l.ship_to,
                    requested_date: l.requested_date,
                    po_number: l.po_number.clone(),
                    cost_centre: l.cost_centre.clone(),
                    project: l.project.clone(),
                })
                .collect(),
        };
        let mut order = Order::place(&account, new)?;
        let mut approval_events = self.start_approval(ctx, &mut order).await?;
        approval_events.extend(self.check_credit(&account, &mut order).await?);
        let mut keys: Vec<KeyWrite> = order
            .ship_to_locations()
            .into_iter()
            .map(|l| KeyWrite {
                kind: "order_location",
                key: l.0.to_string(),
                doc_id: order.id.0,
            })
            .collect();
        keys.extend(crate::search::sku_keys(&order));
        if let Some(po) = &order.po_number {
            keys.push(KeyWrite {
                kind: "order_po",
                key: po.clone(),
                doc_id: order.id.0,
            });
        }
        let ev = order_event(
            &ctx.principal.actor(),
            now,
            &order,
            "order.placed",
            None,
            json!({
                "number": order.number,
                "po_number": order.po_number,
                "channel": format!("{:?}", order.channel).to_lowercase(),
                "lines": order.lines.len(),
                "total": order.goods_total().to_string(),
            }),
        );
        // -- dropship --
        // A seller may have each order routed as it is placed: in the same commit, as the system.
        let (routed, routed_keys) = self.route_at_placement(&mut order).await?;
        keys.extend(routed_keys);
        // -- /dropship --
        let draft = OrderDraft::placed(order);
        let mut commit = draft.commit(std::iter::once(ev).chain(approval_events).chain(routed).collect())?;
        commit.keys = keys;
        commit
            .counters
            .push(crate::payments::credit::uninvoiced_move(&draft.order, 1));
        Ok(Planned {
            value: draft.into_versioned(),
            commit,
        })
    }

    pub async fn plan_allocate(&self, ctx: &Ctx, id: OrderId, input: &Allocate) -> Result<Planned<Versioned<Order>>> {
        let mut d = self.order_draft(ctx, id, Need::Lines(vec![input.line]), false).await?;
        let loc = self
            .load_ref::<FulfilmentLocation>(ctx, input.location.0, "fulfilment_location_id")
            .await?
            .value;
        let (ev, key) = allocate_onto(
            ctx,
            &mut d.order,
            &loc,
            input.line,
            input.quantity,
            self.clock.now(),
            None,
        )?;
        let mut commit = d.commit(vec![ev])?;
        commit.keys.push(key);
        Ok(Planned {
            value: d.into_versioned(),
            commit,
        })
    }

    pub async fn plan_backorder(
        &self,
        ctx: &Ctx,
        id: OrderId,
        input: &BackorderInput,
    ) -> Result<Planned<Versioned<Order>>> {
        let mut d = self.order_draft(ctx, id, Need::Lines(vec![input.line]), false).await?;
        let actor = ctx.principal.actor();
        let now = self.clock.now();
        d.order.backorder(
            input.line,
            input.quantity,
            input.expected,
            &input.reason,
            &actor.name(),
            now,
        )?;
        let ev = order_event(
            &actor,
            now,
            &d.order,
            "line.backordered",
            Some(input.reason.clone()),
            json!({"line": input.line, "quantity": input.quantity.get(), "expected": input.expected.map(|d| d.to_string())}),
        );
        let commit = d.commit(vec![ev])?;
        Ok(Planned {
            value: d.into_versioned(),
            commit,
        })
    }

    pub async fn plan_reschedule_backorder(
        &self,
        ctx: &Ctx,
        id: OrderId,
        input: &Reschedule,
    ) -> Result<Planned<Versioned<Order>>> {
        let mut d = self.order_draft(ctx, id, Need::Lines(vec![input.line]), false).await?;
        let actor = ctx.principal.actor();
        let now = self.clock.now();
        let from = d
            .order
            .reschedule_backorder(input.line, input.expected, &input.reason, &actor.name(), now)?;
        let ev = order_event(
            &actor,
            now,
            &d.order,
            "backorder.rescheduled",
            Some(input.reason.clone()),
            json!({"line": input.line, "from": from.map(|d| d.to_string()), "to": input.expected.map(|d| d.to_string())}),
        );
        let commit = d.commit(vec![ev])?;
        Ok(Planned {
            value: d.into_versioned(),
            commit,
        })
    }

    pub async fn plan_cancel(&self, ctx: &Ctx, id: OrderId, input: &CancelInput) -> Result<Planned<Versioned<Order>>> {
        let mut d = self.order_draft(ctx, id, Need::Lines(vec![input.line]), false).await?;
        if input.reason.trim().is_empty() {
            return Err(Rejection::new(ErrorCode::InvalidValue, "reason", "say why the quantity is cancelled").into());
        }
        d.order.cancel(input.line, input.quantity)?;
        let ev = order_event(
            &ctx.principal.actor(),
            self.clock.now(),
            &d.order,
            "line.cancelled",
            Some(input.reason.clone()),
            json!({"line": input.line, "quantity": input.quantity.get()}),
        );
        let commit = d.commit(vec![ev])?;
        Ok(Planned {
            value: d.into_versioned(),
            commit,
        })
    }

    pub async fn plan_ship(&self, ctx: &Ctx, input: &ShipInput) -> Result<Planned<ShipmentView>> {
        let lines = input.lines.iter().map(|(l, _)| *l).collect();
        let mut d = match self.order_draft(ctx, input.order_id, Need::Lines(lines), true).await {
            Err(AppError::NotFound { what, .. }) => return Err(AppError::not_found_field(what, "order_id")),
            r => r?,
        };
        let from = self
            .load_ref::<FulfilmentLocation>(ctx, input.from.0, "from_location_id")
            .await?
            .value;
        let shipped = ship_onto(ctx, &mut d.order, &from, input, self.clock.now())?;
        let mut commit = d.commit(vec![shipped.event])?;
        commit.keys.extend(shipped.keys);
        let doc = shipment_view(&d.order, shipped.id);
        Ok(Planned {
            value: ShipmentView {
                doc,
                order_version: d.next_version(),
            },
            commit,
        })
    }

    /// Finds the shipment a tracking event is about.
    pub async fn resolve_shipment(&self, ctx: &Ctx, r: &ShipmentRef, field: &str) -> Result<ShipmentDoc> {
        let id = match r {
            ShipmentRef::Id(id) => id.0,
            ShipmentRef::TrackingNumber(t) => {
                let ids = self.store.by_key("tracking", t).await?;
                match ids.as_slice() {
                    [one] => *one,
                    [] => return Err(AppError::not_found_field("shipment", field)),
                    _ => {
                        return Err(Rejection::new(
                            ErrorCode::InvalidValue,
                            field,
                            "several shipments share this tracking number; send shipment_id instead",
                        )
                        .into());
                    }
                }
            }
        };
        Ok(self.load_ref::<ShipmentDoc>(ctx, id, field).await?.value)
    }

    pub async fn plan_track(&self, ctx: &Ctx, input: &TrackingInput) -> Result<Planned<TrackOutcome>> {
        let field = match input.shipment {
            ShipmentRef::Id(_) => "shipment_id",
            ShipmentRef::TrackingNumber(_) => "tracking_number",
        };
        let sd = self.resolve_shipment(ctx, &input.shipment, field).await?;
        let sid = sd.shipment.id;
        // A scan never pins a version: carriers do not send If-Match.
        let mut d = self
            .order_draft(&ctx.without_if_match(), sd.order_id, Need::Shipments(vec![sid]), true)
            .await?;
        let Some((ev, key)) = apply_scan(ctx, self.clock.now(), &mut d.order, sid, input)? else {
            return Ok(Planned {
                value: outcome(&d.order, sid, input, false),
                commit: Commit::default(),
            });
        };
        let mut commit = d.commit(vec![ev])?;
        commit.dedup.push((sid.0, key));
        Ok(Planned {
            value: outcome(&d.order, sid, input, true),
            commit,
        })
    }

    /// Applies one tracking event; a repeat is reported as not applied, not as an error.
    pub async fn track(&self, ctx: &Ctx, input: &TrackingInput) -> Result<TrackOutcome> {
        match self.run(ctx, || self.plan_track(ctx, input)).await {
            Err(AppError::Duplicate) => {
                let sd = self.resolve_shipment(ctx, &input.shipment, "shipment").await?;
                Ok(TrackOutcome {
                    shipment_id: sd.shipment.id,
                    order_id: sd.order_id,
                    status: sd.shipment.status(),
                    applied: false,
                })
            }
            r => r,
        }
    }

    pub async fn plan_receive(
        &self,
        ctx: &Ctx,
        shipment: ShipmentId,
        input: &ReceiveInput,
    ) -> Result<Planned<ShipmentView>> {
        let sd = self.load::<ShipmentDoc>(ctx, shipment.0).await?.value;
        let mut d = self
            .order_draft(ctx, sd.order_id, Need::Shipments(vec![shipment]), true)
            .await?;
        let actor = ctx.principal.actor();
        let now = self.clock.now();
        d.order.receive(
            shipment,
            Receipt {
                at: now,
                by: actor.name(),
                lines: input.lines.clone(),
            },
        )?;
        let data = json!({
            "shipment_id": shipment.0,
            "lines": input.lines.iter().map(|l| json!({
                "line": l.line, "received": l.received.get(), "damaged": l.damaged.get(), "wrong_item": l.wrong_item.get(), "note": l.note,
            })).collect::<Vec<_>>(),
        });
        let ev = order_event(&actor, now, &d.order, "shipment.received", None, data);
        let commit = d.commit(vec![ev])?;
        let doc = shipment_view(&d.order, shipment);
        Ok(Planned {
            value: ShipmentView {
                doc,
                order_version: d.next_version(),
            },
            commit,
        })
    }

    pub async fn order(&self, ctx: &Ctx, id: OrderId) -> Result<Versioned<Order>> {
        let v = self.load_order(ctx, id).await?;
        Ok(self.order_view(ctx, v))
    }

    pub async fn shipment(&self, ctx: &Ctx, id: ShipmentId) -> Result<ShipmentDoc> {
        Ok(self.load::<ShipmentDoc>(ctx, id.0).await?.value)
    }
}

/// One shipment of an order held in memory, as its own document.
pub(crate) fn shipment_view(order: &Order, id: ShipmentId) -> ShipmentDoc {
    ShipmentDoc {
        order_id: order.id,
        order_number: order.number.clone(),
        account_id: order.account_id,
        shipment: order
            .shipment(id)
            .cloned()
            .expect("the command just touched this shipment"),
    }
}

/// A shipment with its order's context.
#[derive(Debug, Clone)]
pub struct ShipmentView {
    pub doc: ShipmentDoc,
    pub order_version: i64,
}
