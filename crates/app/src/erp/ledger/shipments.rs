//! Shipments: what a WMS shipped, grouped by `shipment_ref`, applied with the same functions as
//! the ship command. A WMS does not report allocations separately, so a shipped quantity not
//! yet allocated at its origin is allocated there first, in the same commit (and refused, like
//! any allocation, beyond what the line still needs).

use super::{Group, Lookups, Outcome, Row, record_write, stored_record};
use crate::error::{AppError, Result};
use crate::order_docs::Need;
use crate::orders::{ShipInput, allocate_onto, ship_onto};
use crate::{App, Ctx};
use aftercart_domain::ids::{LocationId, OrderId};
use aftercart_domain::quantity::Qty;
use aftercart_interchange::erp::RawRow;
use aftercart_interchange::erp::shipments::ShipmentLineRow;
use aftercart_store::Commit;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What was imported for one external shipment: compared with the next file's rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Record {
    shipment_ref: String,
    shipment_id: Uuid,
    order: String,
    from: String,
    carrier: String,
    tracking_number: Option<String>,
    /// (sku, ship_to as written, quantity), in file order.
    lines: Vec<(String, Option<String>, u32)>,
}

fn rows(g: &Group) -> Vec<(&RawRow, &ShipmentLineRow)> {
    g.rows
        .iter()
        .filter_map(|(raw, r)| match r {
            Row::Shipment(s) => Some((raw, s)),
            _ => None,
        })
        .collect()
}

fn record(g: &Group, shipment_id: Uuid) -> Record {
    let rs = rows(g);
    let first = rs[0].1;
    Record {
        shipment_ref: g.key.clone(),
        shipment_id,
        order: first.order.clone(),
        from: first.from.clone(),
        carrier: first.carrier.clone(),
        tracking_number: first.tracking_number.clone(),
        lines: rs
            .iter()
            .map(|(_, r)| (r.sku.clone(), r.ship_to.clone(), r.quantity))
            .collect(),
    }
}

impl App {
    /// One shipment planned into `commit`, or its rows' rejects.
    pub(super) async fn plan_shipment(
        &self,
        ctx: &Ctx,
        look: &mut Lookups,
        g: &Group,
        commit: &mut Commit,
    ) -> Result<Outcome> {
        let rs = rows(g);
        let n = rs.len() as u64;
        let first = rs[0].1;
        for (i, (_, r)) in rs.iter().enumerate() {
            let differs = [
                ("order", r.order != first.order),
                ("from", r.from != first.from),
                ("carrier", r.carrier != first.carrier),
                ("tracking_number", r.tracking_number != first.tracking_number),
                ("service", r.service != first.service),
                ("shipped_at", r.shipped_at != first.shipped_at),
            ];
            if let Some((column, _)) = differs.iter().find(|(_, d)| *d) {
                return Ok(Outcome::Refused(g.refuse(
                    Some(i),
                    column,
                    "differs from the shipment's first row",
                )));
            }
        }
        let name = format!("shipments:{}", g.key);
        if let Some(before) = stored_record::<Record>(self, &name).await? {
            return Ok(if record(g, before.shipment_id) == before {
                Outcome::Unchanged(n)
            } else {
                Outcome::Refused(g.refuse(
                    None,
                    "",
                    "this shipment_ref was imported with other lines; a shipment that left cannot change (send what else shipped under a new shipment_ref)",
                ))
            });
        }
        let Some(loc) = look.sites.get(&first.from).cloned() else {
            return Ok(Outcome::Refused(g.refuse(
                None,
                "from",
                "no fulfilment location has this code",
            )));
        };
        let Some(row) = self.store.by_number("order", &first.order).await? else {
            return Ok(Outcome::Refused(g.refuse(None, "order", "no order has this number")));
        };
        let order_id = OrderId(row.id);
        let mut d = match self.order_draft(ctx, order_id, Need::All, true).await {
            Ok(d) => d,
            Err(AppError::NotFound { .. }) => {
                return Ok(Outcome::Refused(g.refuse(None, "order", "no order has this number")));
            }
            Err(e) => return Err(e),
        };
        let mut account = None;
        let mut lines: Vec<(u32, Qty)> = Vec::new();
        let mut to: Option<LocationId> = None;
        for (i, (_, r)) in rs.iter().enumerate() {
            if r.ship_to.is_some() && account.is_none() {
                account = Some(self.account(&Ctx::system(), d.order.account_id).await?.value);
            }
            let line = match super::find_line(&d.order, account.as_ref(), &r.sku, r.ship_to.as_deref()) {
                Ok(l) => l,
                Err((column, reason)) => return Ok(Outcome::Refused(g.refuse(Some(i), column, reason))),
            };
            if lines.iter().any(|(no, _)| *no == line.no) {
                return Ok(Outcome::Refused(g.refuse(
                    Some(i),
                    "sku",
                    "this line appears twice in the shipment",
                )));
            }
            if to.is_some_and(|t| t != line.ship_to) {
                return Ok(Outcome::Refused(g.refuse(
                    Some(i),
                    "ship_to",
                    "a shipment goes to one location; this line ships to another",
                )));
            }
            to = Some(line.ship_to);
            lines.push((line.no, Qty::new(r.quantity)));
        }
        let Some(to) = to else {
            return Ok(Outcome::Refused(g.refuse(
                None,
                "",
                "a shipment carries at least one line",
            )));
        };
        let now = self.clock.now();
        let mut events = Vec::new();
        let mut keys = Vec::new();
        for (i, (no, qty)) in lines.iter().enumerate() {
            let Some(line) = d.order.line(*no) else { continue };
            let shipped_here: u32 = d
                .order
                .shipments
                .iter()
                .filter(|s| s.from == loc.id)
                .map(|s| s.quantity_of(*no).get())
                .sum();
            let open = line.allocated_at(loc.id).saturating_sub(Qty::new(shipped_here));
            if *qty > open {
                let missing = qty.saturating_sub(open);
                match allocate_onto(ctx, &mut d.order, &loc, *no, missing, now, None) {
                    Ok((ev, key)) => {
                        events.push(ev);
                        keys.push(key);
                    }
                    Err(AppError::Rejected(r)) => {
                        let column = if r.field == "quantity" { "quantity" } else { "" };
                        return Ok(Outcome::Refused(g.refuse(Some(i), column, &r.message)));
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        let input = ShipInput {
            order_id,
            from: loc.id,
            to,
            lines,
            carrier: first.carrier.clone(),
            service: first.service.clone(),
            tracking_number: first.tracking_number.clone(),
            tracking_url: None,
            packing_slip: Some(g.key.clone()),
            shipped_at: first.shipped_at,
            promised_delivery: None,
            estimated_delivery: None,
        };
        let shipped = match ship_onto(ctx, &mut d.order, &loc, &input, now) {
            Ok(s) => s,
            Err(AppError::Rejected(r)) => {
                let (at, column) = match r.field.strip_prefix("lines[").and_then(|f| f.split_once("].")) {
                    Some((i, col)) => (i.parse().ok(), if col == "line" { "sku" } else { col }),
                    None if r.field == "credit_hold" || r.field == "approval" => (None, "order"),
                    None => (None, r.field.as_str()),
                };
                return Ok(Outcome::Refused(g.refuse(at, column, &r.message)));
            }
            Err(e) => return Err(e),
        };
        events.push(shipped.event);
        keys.extend(shipped.keys);
        let mut c = d.commit(events)?;
        c.keys.extend(keys);
        crate::erp::orders::merge(commit, c);
        commit
            .docs
            .push(record_write("erp_shipment", &name, &record(g, shipped.id.0), now)?);
        Ok(Outcome::Created(n))
    }
}
