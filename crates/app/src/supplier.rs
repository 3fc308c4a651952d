//! The dropship network's side of an order: a supplier confirms the lines routed to it, sees its
//! work list (to confirm, to ship, shipped), and where shipments are headed or have arrived.
//!
//! Shipping and tracking use the order commands (`plan_ship`, `plan_track`), which already keep
//! a supplier to its own location.

use crate::docs::{ShipmentDoc, Versioned};
use crate::error::{AppError, Result};
use crate::{Action, App, Ctx, ListFilter, Planned};
use aftercart_domain::account::{Account, FulfilmentLocation};
use aftercart_domain::error::{ErrorCode, Rejection};
use aftercart_domain::ids::{AccountId, FulfilmentLocationId, LocationId, OrderId};
use aftercart_domain::order::{ConfirmLine, Confirmation, Confirmed, Order, Shipment};
use aftercart_domain::quantity::Qty;
use aftercart_domain::tracking::TrackingStatus;
use serde_json::json;
use std::collections::HashMap;
use time::OffsetDateTime;

/// `POST /orders/{id}/supplier-confirmation`: which lines the location confirms.
#[derive(Debug, Clone)]
pub struct ConfirmInput {
    /// The confirming location: a supplier's own (may be omitted); required for seller staff.
    pub location: Option<FulfilmentLocationId>,
    pub lines: Vec<ConfirmLine>,
}

/// Where a line or shipment goes, as much as a supplier needs to ship there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub name: String,
    pub city: String,
    pub postcode: String,
}

/// One line routed to the supplier, with what it has confirmed and shipped of it.
#[derive(Debug, Clone)]
pub struct SupplierLine {
    pub order_id: OrderId,
    pub order_number: String,
    pub placed_at: OffsetDateTime,
    pub line: u32,
    pub sku: String,
    pub description: String,
    pub requested_date: Option<time::Date>,
    pub ship_to: LocationId,
    pub place: Option<Place>,
    /// Allocated to the supplier (shipped or not).
    pub allocated: Qty,
    /// Shipped by the supplier.
    pub shipped: Qty,
    /// Allocated here and not shipped yet.
    pub open: Qty,
    pub confirmation: Option<Confirmation>,
    /// Whether the whole allocation is confirmed.
    pub confirmed: bool,
}

/// The supplier's work list and its shipments (newest first).
#[derive(Debug, Clone, Default)]
pub struct SupplierWork {
    pub lines: Vec<SupplierLine>,
    pub shipments: Vec<ShipmentDoc>,
    /// Ship-to places of the shipments.
    pub places: HashMap<LocationId, Place>,
    /// True when there were more orders than one read covers (the list shows the newest).
    pub truncated: bool,
}

/// Shipments to one ship-to location: on their way, and arrived recently.
#[derive(Debug, Clone)]
pub struct LocationShipments {
    pub location: LocationId,
    pub account_id: AccountId,
    pub place: Option<Place>,
    pub on_the_way: Vec<ShipmentDoc>,
    pub arrived: Vec<ShipmentDoc>,
}

/// How far back "arrived recently" reaches.
pub const ARRIVED_DAYS: i64 = 30;
/// At most this many orders (newest first) make up a supplier's work list.
pub const WORK_ORDERS: u32 = 200;
/// At most this many shipments per tracking status are read for the shipments page.
pub const SHIPMENTS_PER_STATUS: u32 = 200;

impl App {
    /// A fulfilment location confirms the lines allocated to it (see
    /// [`aftercart_domain::order::Order::confirm`]). Only the supplier the lines are routed to, or
    /// seller staff who fulfil orders on its behalf, may confirm; each line confirmed (or whose
    /// ship-by date moved) is a timeline event.
    ///
    /// The API gates the route with `Action::ShipmentCreate` — what suppliers hold, and the
    /// promise to ship is the first step of shipping — and the role check here adds that staff
    /// also need `OrderFulfil`.
    pub async fn plan_confirm_allocations(
        &self,
        ctx: &Ctx,
        order_id: OrderId,
        input: &ConfirmInput,
    ) -> Result<Planned<Versioned<Order>>> {
        let p = &ctx.principal;
        let location = match p.supplier_location() {
            Some(own) => {
                if input.location.is_some_and(|l| l != own) {
                    return Err(Rejection::new(
                        ErrorCode::OutOfScope,
                        "fulfilment_location_id",
                        "you may only confirm for your own location",
                    )
                    .into());
                }
                own
            }
            None if p.is_seller() && p.may(Action::OrderFulfil) => match input.location {
                Some(l) => {
                    self.load_ref::<FulfilmentLocation>(ctx, l.0, "fulfilment_location_id")
                        .await?
                        .value
                        .id
                }
                None => {
                    return Err(Rejection::new(
                        ErrorCode::InvalidValue,
                        "fulfilment_location_id",
                        "say which fulfilment location confirms",
                    )
                    .into());
                }
            },
            None => {
                return Err(AppError::Forbidden(
                    "only the supplier the lines are routed to, or seller operations, confirm them".into(),
                ));
            }
        };
        let lines = input.lines.iter().map(|l| l.line).collect();
        let mut draft = self
            .order_draft(ctx, order_id, crate::order_docs::Need::Lines(lines), false)
            .await?;
        let version = draft.version;
        let order = &mut draft.order;
        let actor = p.actor();
        let now = self.clock.now();
        let outcomes = order.confirm(location, &input.lines, &actor.name(), now)?;
        let names = self.fulfilment_locations(&Ctx::system()).await?;
        let from = names
            .iter()
            .find(|l| l.id == location)
            .map(|l| l.name.clone())
            .unwrap_or_default();
        // One event per line, so a reader who sees only some lines sees only their events.
        let mut events = Vec::new();
        for (o, c) in outcomes.iter().zip(&input.lines) {
            let (kind, data) = match o {
                Confirmed::New { line, quantity } => (
                    "line.confirmed",
                    json!({"line": line, "quantity": quantity.get(), "fulfilment_location": from,
                           "ship_by": c.ship_by.map(|d| d.to_string())}),
                ),
                Confirmed::ShipByMoved { line, from: was } => (
                    "line.ship_by_moved",
                    json!({"line": line, "fulfilment_location": from,
                           "from": was.map(|d| d.to_string()), "to": c.ship_by.map(|d| d.to_string())}),
                ),
                Confirmed::Unchanged { .. } => continue,
            };
            events.push(crate::docs::event(
                &actor,
                now,
                kind,
                "order",
                order.id.0,
                Some(order.account_id),
                None,
                data,
            ));
        }
        if events.is_empty() {
            // Confirmed as asked already: nothing to write.
            return Ok(Planned {
                value: self.order_view(
                    ctx,
                    Versioned {
                        value: draft.order,
                        version,
                    },
                ),
                commit: Default::default(),
            });
        }
        let commit = draft.commit(events)?;
        // The caller sees the order as they may read it (a supplier: only its lines).
        Ok(Planned {
            value: self.order_view(ctx, draft.into_versioned()),
            commit,
        })
    }

    /// Name, city and postcode of ship-to locations, read as the system: a supplier may not read
    /// the account, but may know where the lines it ships go. Callers pass only locations of
    /// records the viewer already sees.
    pub(crate) async fn places(&self, wanted: &[(AccountId, LocationId)]) -> Result<HashMap<LocationId, Place>> {
        let mut accounts: Vec<AccountId> = wanted.iter().map(|(a, _)| *a).collect();
        accounts.sort();
        accounts.dedup();
        let ids: Vec<uuid::Uuid> = accounts.iter().map(|a| a.0).collect();
        let loaded = self.load_many::<Account>(&Ctx::system(), &ids).await?;
        let mut out = HashMap::new();
        for a in loaded {
            for l in a.value.locations {
                if wanted.iter().any(|(acc, loc)| *acc == a.value.id && *loc == l.id) {
                    out.insert(
                        l.id,
                        Place {
                            name: l.name,
                            city: l.city,
                            postcode: l.postcode,
                        },
                    );
                }
            }
        }
        Ok(out)
    }

    /// A supplier's work list: every line allocated to it on its newest orders (at most
    /// [`WORK_ORDERS`]), with what it confirmed and shipped, and its shipments. One list read for
    /// the orders, one for the shipments and one batch read of the accounts for the places.
    pub async fn supplier_work(&self, ctx: &Ctx) -> Result<SupplierWork> {
        let Some(loc) = ctx.principal.supplier_location() else {
            return Err(AppError::Forbidden("the work list is a supplier's".into()));
        };
        let orders = self
            .list_orders(
                ctx,
                &ListFilter {
                    limit: WORK_ORDERS,
                    ..Default::default()
                },
            )
            .await?;
        let truncated = orders.next.is_some();
        let mut lines = Vec::new();
        for o in &orders.items {
            let order = &o.value;
            for l in &order.lines {
                let Some(a) = l.allocations.iter().find(|a| a.location == loc) else {
                    continue;
                };
                let shipped: Qty = order
                    .shipments
                    .iter()
                    .filter(|s| s.from == loc)
                    .map(|s| s.quantity_of(l.no))
                    .sum();
                lines.push(SupplierLine {
                    order_id: order.id,
                    order_number: order.number.clone(),
                    placed_at: order.placed_at,
                    line: l.no,
                    sku: l.sku.clone(),
                    description: l.description.clone(),
                    requested_date: l.requested_date,
                    ship_to: l.ship_to,
                    place: None,
                    allocated: a.quantity,
                    shipped,
                    open: a.quantity.saturating_sub(shipped),
                    confirmation: a.confirmation.clone(),
                    confirmed: a.is_confirmed(),
                });
            }
        }
        let shipments: Vec<ShipmentDoc> = self
            .list_shipments(
                ctx,
                &ListFilter {
                    limit: WORK_ORDERS,
                    ..Default::default()
                },
            )
            .await?
            .items
            .into_iter()
            .map(|v| v.value)
            .collect();
        let mut wanted: Vec<(AccountId, LocationId)> = orders
            .items
            .iter()
            .flat_map(|o| o.value.lines.iter().map(|l| (o.value.account_id, l.ship_to)))
            .chain(shipments.iter().map(|s| (s.account_id, s.shipment.to)))
            .collect();
        wanted.sort();
        wanted.dedup();
        let places = self.places(&wanted).await?;
        for l in &mut lines {
            l.place = places.get(&l.ship_to).cloned();
        }
        Ok(SupplierWork {
            lines,
            shipments,
            places,
            truncated,
        })
    }

    /// Shipments by ship-to location, as the caller may see them: what is on its way (shipped,
    /// not delivered) and what arrived in the last [`ARRIVED_DAYS`] days. A customer sees their
    /// account's locations within their scope, a supplier what it shipped, staff everything or one
    /// `account`. Reads one indexed list per on-the-way tracking status plus one for deliveries
    /// (each at most [`SHIPMENTS_PER_STATUS`] shipments) and one batch read of the accounts.
    pub async fn shipments_by_location(&self, ctx: &Ctx, account: Option<AccountId>) -> Result<Vec<LocationShipments>> {
        let now = self.clock.now();
        let since = now - time::Duration::days(ARRIVED_DAYS);
        let mut docs: Vec<ShipmentDoc> = Vec::new();
        for s in TrackingStatus::ALL {
            if s == TrackingStatus::ReturnedToSender {
                continue;
            }
            let delivered = s == TrackingStatus::Delivered;
            let page = self
                .list_shipments(
                    ctx,
                    &ListFilter {
                        account_id: account,
                        status: Some(s.as_str().to_owned()),
                        // A delivery in the window shipped at most a few weeks before it.
                        from: delivered.then(|| since - time::Duration::days(ARRIVED_DAYS)),
                        limit: SHIPMENTS_PER_STATUS,
                        ..Default::default()
                    },
                )
                .await?;
            docs.extend(
                page.items
                    .into_iter()
                    .map(|v| v.value)
                    .filter(|d| !delivered || d.shipment.tracking.delivered_at.is_some_and(|at| at >= since)),
            );
        }
        let mut wanted: Vec<(AccountId, LocationId)> = docs.iter().map(|d| (d.account_id, d.shipment.to)).collect();
        wanted.sort();
        wanted.dedup();
        let places = self.places(&wanted).await?;
        let mut out: Vec<LocationShipments> = Vec::new();
        for d in docs {
            let to = d.shipment.to;
            let idx = match out.iter().position(|g| g.location == to) {
                Some(i) => i,
                None => {
                    out.push(LocationShipments {
                        location: to,
                        account_id: d.account_id,
                        place: places.get(&to).cloned(),
                        on_the_way: Vec::new(),
                        arrived: Vec::new(),
                    });
                    out.len() - 1
                }
            };
            if d.shipment.is_delivered() {
                out[idx].arrived.push(d);
            } else {
                out[idx].on_the_way.push(d);
            }
        }
        for g in &mut out {
            // Soonest expected first; newest arrival first.
            g.on_the_way.sort_by_key(|d| (eta(&d.shipment), d.shipment.shipped_at));
            g.arrived
                .sort_by_key(|d| std::cmp::Reverse(d.shipment.tracking.delivered_at));
        }
        out.sort_by(|a, b| {
            let n = |g: &LocationShipments| g.place.as_ref().map(|p| p.name.clone()).unwrap_or_default();
            n(a).cmp(&n(b))
        });
        Ok(out)
    }
}

/// When a shipment is expected (the carrier's estimate, else the promise); unknown last.
fn eta(s: &Shipment) -> (bool, Option<time::Date>) {
    let e = s.estimated_delivery.or(s.promised_delivery);
    (e.is_none(), e)
}
