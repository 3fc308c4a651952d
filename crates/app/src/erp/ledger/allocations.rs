//! Allocations: per order line and fulfilment location, the total a WMS has reserved there
//! (shipped included). Below what is allocated now, the difference is allocated through the
//! allocate command's function; equal is unchanged; above is a reject — an import never takes
//! stock back from a line (cancel or re-route it in Aftercart). Rows are judged one by one: a
//! bad row does not hold back the rest of its order.

use super::{Group, Lookups, Outcome, Row};
use crate::error::{AppError, Result};
use crate::order_docs::Need;
use crate::orders::allocate_onto;
use crate::{App, Ctx};
use aftercart_domain::ids::OrderId;
use aftercart_domain::quantity::Qty;
use aftercart_interchange::erp::allocations::AllocationRow;
use aftercart_interchange::erp::{RawRow, RowError};
use aftercart_store::Commit;

fn rows(g: &Group) -> Vec<(&RawRow, &AllocationRow)> {
    g.rows
        .iter()
        .filter_map(|(raw, r)| match r {
            Row::Allocation(a) => Some((raw, a)),
            _ => None,
        })
        .collect()
}

impl App {
    pub(super) async fn plan_allocations(
        &self,
        ctx: &Ctx,
        look: &mut Lookups,
        g: &Group,
        commit: &mut Commit,
    ) -> Result<Outcome> {
        let rs = rows(g);
        let Some(row) = self.store.by_number("order", &g.key).await? else {
            return Ok(Outcome::Refused(g.refuse(None, "order", "no order has this number")));
        };
        let mut d = match self.order_draft(ctx, OrderId(row.id), Need::All, true).await {
            Ok(d) => d,
            Err(AppError::NotFound { .. }) => {
                return Ok(Outcome::Refused(g.refuse(None, "order", "no order has this number")));
            }
            Err(e) => return Err(e),
        };
        let account = self.account(&Ctx::system(), d.order.account_id).await?.value;
        let now = self.clock.now();
        let (mut created, mut updated, mut unchanged) = (0, 0, 0);
        let mut rejects = Vec::new();
        let mut events = Vec::new();
        let mut keys = Vec::new();
        let mut done: Vec<(u32, String)> = Vec::new();
        for (raw, r) in rs {
            let Some(loc) = look.sites.get(&r.from).cloned() else {
                rejects.push(RowError::new(raw, "from", "no fulfilment location has this code"));
                continue;
            };
            let line = match super::find_line(&d.order, Some(&account), &r.sku, r.ship_to.as_deref()) {
                Ok(l) => l,
                Err((column, reason)) => {
                    rejects.push(RowError::new(raw, column, reason));
                    continue;
                }
            };
            let no = line.no;
            if done.contains(&(no, r.from.clone())) {
                rejects.push(RowError::new(
                    raw,
                    "from",
                    "this line and location appeared earlier in the order's rows",
                ));
                continue;
            }
            done.push((no, r.from.clone()));
            let now_allocated = line.allocated_at(loc.id).get();
            if r.quantity == now_allocated {
                unchanged += 1;
                continue;
            }
            if r.quantity < now_allocated {
                rejects.push(RowError::new(
                    raw,
                    "quantity",
                    format!(
                        "{now_allocated} are allocated at {} already; an import does not take allocations back (cancel or re-route the line in Aftercart)",
                        r.from
                    ),
                ));
                continue;
            }
            let more = Qty::new(r.quantity - now_allocated);
            match allocate_onto(ctx, &mut d.order, &loc, no, more, now, None) {
                Ok((ev, key)) => {
                    events.push(ev);
                    keys.push(key);
                    if now_allocated == 0 {
                        created += 1;
                    } else {
                        updated += 1;
                    }
                }
                Err(AppError::Rejected(e)) => {
                    let column = if e.field == "quantity" { "quantity" } else { "order" };
                    rejects.push(RowError::new(raw, column, e.message));
                }
                Err(e) => return Err(e),
            }
        }
        if !events.is_empty() {
            let mut c = d.commit(events)?;
            c.keys.extend(keys);
            crate::erp::orders::merge(commit, c);
        }
        Ok(Outcome::Rows {
            created,
            updated,
            unchanged,
            rejects,
        })
    }
}
