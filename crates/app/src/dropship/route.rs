//! Routing an order by the rules, and a supplier rejecting a line routed to it.
//!
//! Both allocate through `orders::allocate_onto`, the step a manual allocation takes, so a
//! routed line carries the same `line.allocated` event, key and version bump as one allocated by
//! hand. Rules, stock and ship-to places are read as the system: the caller (a supplier
//! rejecting) may not read them, but routing must.

use super::require_operations;
use crate::docs::Versioned;
use crate::error::{AppError, Result};
use crate::order_docs::Need;
use crate::orders::{allocate_onto, order_event};
use crate::{Action, App, Ctx, Planned};
use aftercart_domain::account::{Account, FulfilmentLocation};
use aftercart_domain::dropship::{Outcome, RouteLine, route};
use aftercart_domain::error::{ErrorCode, Rejection};
use aftercart_domain::ids::{FulfilmentLocationId, OrderId};
use aftercart_domain::order::Order;
use aftercart_domain::quantity::Qty;
use aftercart_store::{EventWrite, KeyWrite};
use serde_json::json;
use std::collections::HashMap;

/// What routing an order did: each line it looked at, routed or why not.
#[derive(Debug, Clone)]
pub struct RouteAnswer {
    pub order: Versioned<Order>,
    pub outcomes: Vec<Outcome>,
}

/// `POST /orders/{id}/supplier-rejection`.
#[derive(Debug, Clone)]
pub struct RejectInput {
    /// The rejecting location: a supplier's own (may be omitted); required for seller staff.
    pub location: Option<FulfilmentLocationId>,
    pub line: u32,
    pub reason: String,
}

/// Where the rejected quantity went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RejectOutcome {
    /// Routed to the next candidate (named only to the seller: a supplier never learns who).
    Rerouted { supplier: Option<FulfilmentLocationId> },
    /// No supplier left: backordered with this reason.
    Backordered { reason: String },
}

#[derive(Debug, Clone)]
pub struct RejectAnswer {
    pub order_id: OrderId,
    pub line: u32,
    pub released: Qty,
    pub outcome: RejectOutcome,
    /// The order's version after the change (its ETag).
    pub version: i64,
}

impl App {
    /// Routes `lines` (number, quantity to place) of `order` by the rules in force.
    async fn route_lines(&self, order: &Order, lines: &[(u32, Qty)]) -> Result<Vec<Outcome>> {
        let rules = self.rules_in_force().await?;
        let mut suppliers: Vec<FulfilmentLocationId> = rules.iter().map(|r| r.supplier).collect();
        suppliers.sort();
        suppliers.dedup();
        let stock = self.stock_of(&suppliers).await?;
        let account = self.load::<Account>(&Ctx::system(), order.account_id.0).await?.value;
        let input: Vec<RouteLine> = lines
            .iter()
            .filter_map(|(no, qty)| {
                let l = order.line(*no)?;
                let place = account.location(l.ship_to);
                Some(RouteLine {
                    line: *no,
                    sku: l.sku.clone(),
                    category: l.category.clone(),
                    country: place.map(|p| p.country.clone()).unwrap_or_default(),
                    postcode: place.map(|p| p.postcode.clone()).unwrap_or_default(),
                    quantity: *qty,
                    rejected_by: l.rejected_by(),
                })
            })
            .collect();
        Ok(route(&input, &rules, &stock))
    }

    /// Allocates the routed outcomes onto `order`: the events and keys to commit.
    async fn apply_routes(
        &self,
        ctx: &Ctx,
        order: &mut Order,
        outcomes: &[Outcome],
    ) -> Result<(Vec<EventWrite>, Vec<KeyWrite>)> {
        let now = self.clock.now();
        let mut locs: HashMap<FulfilmentLocationId, FulfilmentLocation> = HashMap::new();
        let (mut events, mut keys) = (Vec::new(), Vec::<KeyWrite>::new());
        for o in outcomes {
            let Outcome::Routed { line, chosen, quantity } = o else {
                continue;
            };
            if !locs.contains_key(&chosen.supplier) {
                let l = self
                    .load::<FulfilmentLocation>(&Ctx::system(), chosen.supplier.0)
                    .await?
                    .value;
                locs.insert(l.id, l);
            }
            let loc = &locs[&chosen.supplier];
            let (ev, key) = allocate_onto(ctx, order, loc, *line, *quantity, now, Some(chosen.rule.0))?;
            events.push(ev);
            if !keys.iter().any(|k| k.key == key.key) {
                keys.push(key);
            }
        }
        Ok((events, keys))
    }

    /// When the seller chose `route_at_placement`: routes a new order's lines (one that waits
    /// for approval or credit review is routed by hand once released). The allocations are the
    /// system's, whoever placed the order.
    pub(crate) async fn route_at_placement(&self, order: &mut Order) -> Result<(Vec<EventWrite>, Vec<KeyWrite>)> {
        if order.require_released().is_err() || !self.dropship_settings().await?.route_at_placement {
            return Ok((Vec::new(), Vec::new()));
        }
        let open: Vec<(u32, Qty)> = order.lines.iter().map(|l| (l.no, l.quantity)).collect();
        let outcomes = self.route_lines(order, &open).await?;
        self.apply_routes(&Ctx::system(), order, &outcomes).await
    }

    /// Routes every line's unallocated quantity to a supplier by the rules. Lines no rule can
    /// place are left as they are (a warehouse may still take them) and reported with the
    /// reason. Seller operations, or the system.
    pub async fn plan_route_order(&self, ctx: &Ctx, id: OrderId) -> Result<Planned<RouteAnswer>> {
        require_operations(&ctx.principal, "routing orders")?;
        let mut draft = self.order_draft(ctx, id, Need::All, false).await?;
        draft.order.require_released()?;
        let open: Vec<(u32, Qty)> = draft
            .order
            .lines
            .iter()
            .map(|l| (l.no, draft.order.ledger(l).unallocated))
            .filter(|(_, q)| !q.is_zero())
            .collect();
        let outcomes = self.route_lines(&draft.order, &open).await?;
        let (events, keys) = self.apply_routes(ctx, &mut draft.order, &outcomes).await?;
        if events.is_empty() {
            let version = draft.version;
            return Ok(Planned {
                value: RouteAnswer {
                    order: self.order_view(
                        ctx,
                        Versioned {
                            value: draft.order,
                            version,
                        },
                    ),
                    outcomes,
                },
                commit: Default::default(),
            });
        }
        let mut commit = draft.commit(events)?;
        commit.keys.extend(keys);
        Ok(Planned {
            value: RouteAnswer {
                order: self.order_view(ctx, draft.into_versioned()),
                outcomes,
            },
            commit,
        })
    }

    /// A supplier rejects what is allocated to it of a line: the allocation is released and the
    /// quantity routed to the next candidate that has not rejected the line; with none left it
    /// is backordered ("no supplier could fill: <reason>"). The rejection stays on the line, so
    /// the line never goes back to that supplier. The supplier for its own lines, or seller
    /// operations naming the location.
    pub async fn plan_supplier_rejection(
        &self,
        ctx: &Ctx,
        id: OrderId,
        input: &RejectInput,
    ) -> Result<Planned<RejectAnswer>> {
        let p = &ctx.principal;
        let location = match p.supplier_location() {
            Some(own) => {
                if input.location.is_some_and(|l| l != own) {
                    return Err(Rejection::new(
                        ErrorCode::OutOfScope,
                        "fulfilment_location_id",
                        "you may only reject for your own location",
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
                        "say which fulfilment location rejects",
                    )
                    .into());
                }
            },
            None => {
                return Err(AppError::Forbidden(
                    "only the supplier the line is routed to, or seller operations, reject it".into(),
                ));
            }
        };
        let mut draft = self.order_draft(ctx, id, Need::All, false).await?;
        let actor = p.actor();
        let now = self.clock.now();
        let order = &mut draft.order;
        let released = order.reject_allocation(input.line, location, &input.reason, &actor.name(), now)?;
        let from = self
            .load::<FulfilmentLocation>(&Ctx::system(), location.0)
            .await?
            .value
            .name;
        let reason = input.reason.trim().to_owned();
        let mut events = vec![order_event(
            &actor,
            now,
            order,
            "line.supplier_rejected",
            Some(reason.clone()),
            json!({"line": input.line, "quantity": released.get(), "fulfilment_location": from}),
        )];
        let outcomes = self.route_lines(order, &[(input.line, released)]).await?;
        let (more, keys) = self.apply_routes(ctx, order, &outcomes).await?;
        let outcome = match outcomes.first() {
            Some(Outcome::Routed { chosen, .. }) => RejectOutcome::Rerouted {
                supplier: p.is_seller().then_some(chosen.supplier),
            },
            _ => {
                let why = format!("no supplier could fill: {reason}");
                order.backorder(input.line, released, None, &why, &actor.name(), now)?;
                events.push(order_event(
                    &actor,
                    now,
                    order,
                    "line.backordered",
                    Some(why.clone()),
                    json!({"line": input.line, "quantity": released.get(), "expected": null}),
                ));
                RejectOutcome::Backordered { reason: why }
            }
        };
        events.extend(more);
        let mut commit = draft.commit(events)?;
        commit.keys.extend(keys);
        let version = draft.into_versioned().version;
        Ok(Planned {
            value: RejectAnswer {
                order_id: id,
                line: input.line,
                released,
                outcome,
                version,
            },
            commit,
        })
    }
}
