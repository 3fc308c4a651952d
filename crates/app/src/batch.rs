//! Many fulfilment steps on one order in one commit: a warehouse allocating a 1,000-line order,
//! backordering what it lacks and cancelling what will never come, in one request instead of a
//! thousand. All or nothing: the steps apply in order to one copy of the order, each validated
//! by the domain as the single-step commands are; the first refusal names its step
//! (`items[3].quantity`) and nothing is written. One version check, one ledger check, one commit
//! with an event per step (the same events as the single-step commands).

use crate::docs::Versioned;
use crate::error::{AppError, Result};
use crate::order_docs::{Need, OrderDraft};
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
        let lines = steps
            .iter()
            .map(|s| match s {
                FulfilmentStep::Allocate(a) => a.line,
                FulfilmentStep::Backorder(b) => b.line,
                FulfilmentStep::Cancel(c) => c.line,
            })
            .collect();
        let mut draft = self.order_draft(ctx, id, Need::Lines(lines), false).await?;
        let order = &mut draft.order;
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
                        order,
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
                        order,
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
                        order,
                        "line.cancelled",
                        Some(c.reason.clone()),
                        json!({"line": c.line, "quantity": c.quantity.get()}),
                    ));
                }
            }
        }
        let mut commit = draft.commit(events)?;
        // Lets a supplier list the orders routed to it.
        commit.keys.extend(locations.keys().map(|l| KeyWrite {
            kind: "order_fulfilment",
            key: l.0.to_string(),
            doc_id: draft.order.id.0,
        }));
        Ok(Planned {
            value: draft.into_versioned(),
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
        // Each order once, with every line the wave ships of it.
        let mut drafts: Vec<OrderDraft> = Vec::new();
        let mut first_of: HashMap<OrderId, usize> = HashMap::new();
        for (i, input) in inputs.iter().enumerate() {
            first_of.entry(input.order_id).or_insert(i);
        }
        let mut firsts: Vec<(OrderId, usize)> = first_of.into_iter().collect();
        firsts.sort_by_key(|(_, i)| *i);
        for (order_id, i) in firsts {
            let lines = inputs
                .iter()
                .filter(|x| x.order_id == order_id)
                .flat_map(|x| x.lines.iter().map(|(l, _)| *l))
                .collect();
            let d = match self.order_draft(ctx, order_id, Need::Lines(lines), true).await {
                Err(AppError::NotFound { what, .. }) => Err(AppError::not_found_field(what, "order_id")),
                r => r,
            }
            .map_err(|e| at(i, e))?;
            drafts.push(d);
        }
        let mut locations: HashMap<FulfilmentLocationId, FulfilmentLocation> = HashMap::new();
        let mut shipped: Vec<(usize, crate::orders::Shipped)> = Vec::with_capacity(inputs.len());
        for (i, input) in inputs.iter().enumerate() {
            let pos = drafts
                .iter()
                .position(|d| d.order.id == input.order_id)
                .expect("every order of the wave was loaded");
            if let std::collections::hash_map::Entry::Vacant(slot) = locations.entry(input.from) {
                slot.insert(
                    self.load_ref::<FulfilmentLocation>(ctx, input.from.0, "from_location_id")
                        .await
                        .map_err(|e| at(i, e))?
                        .value,
                );
            }
            let from = &locations[&input.from];
            let s = crate::orders::ship_onto(ctx, &mut drafts[pos].order, from, input, now).map_err(|e| at(i, e))?;
            shipped.push((pos, s));
        }
        let mut commit = aftercart_store::Commit::default();
        for (pos, d) in drafts.iter().enumerate() {
            let events = shipped
                .iter()
                .filter(|(p, _)| *p == pos)
                .map(|(_, s)| s.event.clone())
                .collect();
            let c = d.commit(events)?;
            commit.docs.extend(c.docs);
            commit.events.extend(c.events);
        }
        let mut views = Vec::with_capacity(shipped.len());
        for (pos, s) in shipped {
            let d = &drafts[pos];
            commit.keys.extend(s.keys);
            views.push(crate::ShipmentView {
                doc: crate::orders::shipment_view(&d.order, s.id),
                order_version: d.next_version(),
            });
        }
        Ok(Planned { value: views, commit })
    }
}
