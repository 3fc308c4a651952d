//! Many fulfilment steps on one order in one commit: a warehouse allocating a 1,000-line order,
//! backordering what it lacks and cancelling what will never come, in one request instead of a
//! thousand. All or nothing: the steps apply in order to one copy of the order, each validated
//! by the domain as the single-step commands are; the first refusal names its step
//! (`items[3].quantity`) and nothing is written. One version check, one ledger check, one commit
//! with an event per step (the same events as the single-step commands).

use crate::docs::Versioned;
use crate::error::{AppError, Result};
use crate::orders::order_event;
use crate::{Allocate, App, BackorderInput, CancelInput, Ctx, Planned};
use aftercart_domain::account::FulfilmentLocation;
use aftercart_domain::error::{ErrorCode, Rejection};
use aftercart_domain::ids::{FulfilmentLocationId, OrderId};
use aftercart_domain::order::Order;
use aftercart_store::KeyWrite;
use serde_json::json;
use std::collections::HashMap;

/// The most steps one batch may carry.
pub const MAX_FULFILMENT_STEPS: usize = 1_000;

#[derive(Debug, Clone)]
pub enum FulfilmentStep {
    Allocate(Allocate),
    Backorder(BackorderInput),
    Cancel(CancelInput),
}

/// A refusal of step `i`, its field prefixed with `items[i].`.
fn at_step(i: usize, e: AppError) -> AppError {
    let prefix = |f: &str| {
        if f.is_empty() {
            format!("items[{i}]")
        } else {
            format!("items[{i}].{f}")
        }
    };
    match e {
        AppError::Rejected(mut r) => {
            r.field = prefix(&r.field);
            AppError::Rejected(r)
        }
        AppError::NotFound { what, field } => AppError::NotFound {
            what,
            field: Some(prefix(field.as_deref().unwrap_or(""))),
        },
        e => e,
    }
}

impl App {
    pub async fn plan_fulfil(
        &self,
        ctx: &Ctx,
        id: OrderId,
        steps: &[FulfilmentStep],
    ) -> Result<Planned<Versioned<Order>>> {
        if steps.is_empty() || steps.len() > MAX_FULFILMENT_STEPS {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "items",
                format!("send 1 to {MAX_FULFILMENT_STEPS} items (got {})", steps.len()),
            )
            .into());
        }
        let Versioned {
            value: mut order,
            version,
        } = self.order_for_change(ctx, id).await?;
        let actor = ctx.principal.actor();
        let now = self.clock.now();
        let mut locations: HashMap<FulfilmentLocationId, FulfilmentLocation> = HashMap::new();
        let mut events = Vec::with_capacity(steps.len());
        for (i, step) in steps.iter().enumerate() {
            match step {
                FulfilmentStep::Allocate(a) => {
                    if let std::collections::hash_map::Entry::Vacant(slot) = locations.entry(a.location) {
                        slot.insert(
                            self.load_ref::<FulfilmentLocation>(ctx, a.location.0, "fulfilment_location_id")
                                .await
                                .map_err(|e| at_step(i, e))?
                                .value,
                        );
                    }
                    let loc = &locations[&a.location];
                    order
                        .allocate(a.line, loc, a.quantity)
                        .map_err(|r| at_step(i, r.into()))?;
                    events.push(order_event(
                        &actor,
                        now,
                        &order,
                        "line.allocated",
                        None,
                        json!({"line": a.line, "quantity": a.quantity.get(), "fulfilment_location": loc.name}),
                    ));
                }
                FulfilmentStep::Backorder(b) => {
                    order
                        .backorder(b.line, b.quantity, b.expected, &b.reason, &actor.name(), now)
                        .map_err(|r| at_step(i, r.into()))?;
                    events.push(order_event(
                        &actor,
                        now,
                        &order,
                        "line.backordered",
                        Some(b.reason.clone()),
                        json!({"line": b.line, "quantity": b.quantity.get(), "expected": b.expected.map(|d| d.to_string())}),
                    ));
                }
                FulfilmentStep::Cancel(c) => {
                    if c.reason.trim().is_empty() {
                        return Err(at_step(
                            i,
                            Rejection::new(ErrorCode::InvalidValue, "reason", "say why the quantity is cancelled")
                                .into(),
                        ));
                    }
                    order.cancel(c.line, c.quantity).map_err(|r| at_step(i, r.into()))?;
                    events.push(order_event(
                        &actor,
                        now,
                        &order,
                        "line.cancelled",
                        Some(c.reason.clone()),
                        json!({"line": c.line, "quantity": c.quantity.get()}),
                    ));
                }
            }
        }
        let mut commit = Self::order_commit(&order, version, events, &[])?;
        // Lets a supplier list the orders routed to it.
        commit.keys.extend(locations.keys().map(|l| KeyWrite {
            kind: "order_fulfilment",
            key: l.0.to_string(),
            doc_id: order.id.0,
        }));
        Ok(Planned {
            value: Versioned {
                value: order,
                version: version + 1,
            },
            commit,
        })
    }
}

/// The most shipments one wave may carry.
pub const MAX_WAVE: usize = 1_000;

impl App {
    /// Shipments for many orders at once (a warehouse manifesting a wave): one commit, all or
    /// nothing; a refusal names its shipment (`shipments[4].lines[0].quantity`). Several
    /// shipments of one order apply in turn to one copy of it. Each order keeps its own version
    /// check and ledger check; each shipment gets its `shipment.created` event and keys.
    pub async fn plan_ship_wave(
        &self,
        ctx: &Ctx,
        inputs: &[crate::ShipInput],
    ) -> Result<Planned<Vec<crate::ShipmentView>>> {
        use crate::docs::write;
        use aftercart_store::WriteMode;
        if inputs.is_empty() || inputs.len() > MAX_WAVE {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "shipments",
                format!("send 1 to {MAX_WAVE} shipments (got {})", inputs.len()),
            )
            .into());
        }
        let at = |i: usize, e: AppError| {
            let prefix = |f: &str| format!("shipments[{i}].{f}");
            match e {
                AppError::Rejected(mut r) => {
                    r.field = prefix(&r.field);
                    AppError::Rejected(r)
                }
                AppError::NotFound { what, field } => AppError::NotFound {
                    what,
                    field: field.map(|f| prefix(&f)),
                },
                e => e,
            }
        };
        let now = self.clock.now();
        let mut orders: Vec<Versioned<Order>> = Vec::new();
        let mut locations: HashMap<FulfilmentLocationId, FulfilmentLocation> = HashMap::new();
        let mut shipped: Vec<(usize, crate::orders::Shipped)> = Vec::with_capacity(inputs.len());
        for (i, input) in inputs.iter().enumerate() {
            let pos = match orders.iter().position(|o| o.value.id == input.order_id) {
                Some(p) => p,
                None => {
                    let o = self
                        .load_ref::<Order>(ctx, input.order_id.0, "order_id")
                        .await
                        .map_err(|e| at(i, e))?;
                    orders.push(o);
                    orders.len() - 1
                }
            };
            if let std::collections::hash_map::Entry::Vacant(slot) = locations.entry(input.from) {
                slot.insert(
                    self.load_ref::<FulfilmentLocation>(ctx, input.from.0, "from_location_id")
                        .await
                        .map_err(|e| at(i, e))?
                        .value,
                );
            }
            let from = &locations[&input.from];
            let s = crate::orders::ship_onto(ctx, &mut orders[pos].value, from, input, now).map_err(|e| at(i, e))?;
            shipped.push((pos, s));
        }
        let mut commit = aftercart_store::Commit::default();
        for (pos, o) in orders.iter().enumerate() {
            let events = shipped
                .iter()
                .filter(|(p, _)| *p == pos)
                .map(|(_, s)| s.event.clone())
                .collect();
            let c = Self::order_commit(&o.value, o.version, events, &[])?;
            commit.docs.extend(c.docs);
            commit.events.extend(c.events);
        }
        let mut views = Vec::with_capacity(shipped.len());
        for (pos, s) in shipped {
            let o = &orders[pos];
            let doc = crate::orders::shipment_doc(&o.value, s.id).expect("just shipped");
            commit.docs.push(write(&doc, WriteMode::Insert)?);
            commit.keys.extend(s.keys);
            views.push(crate::ShipmentView {
                doc,
                order_version: o.version + 1,
            });
        }
        Ok(Planned { value: views, commit })
    }
}
