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
