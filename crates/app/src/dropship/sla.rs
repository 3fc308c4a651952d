//! Suppliers' on-time record: read from the shipments each supplier sent in a window and the
//! ship-by dates it confirmed on the lines they carry. Nothing is counted ahead, so the rate
//! always agrees with the facts (a ship-by date moved later moves the rate with it).

use crate::error::{AppError, Result};
use crate::{App, Ctx, ListFilter, ShipmentDoc};
use aftercart_domain::account::{FulfilmentKind, FulfilmentLocation};
use aftercart_domain::dropship::{ShipmentFact, on_time_rates};
use aftercart_domain::ids::FulfilmentLocationId;
use std::collections::HashMap;
use time::OffsetDateTime;
use uuid::Uuid;

/// At most this many shipments per supplier are read for one answer (newest first); beyond it
/// the row says `truncated`.
pub const MAX_SHIPMENTS: usize = 5_000;

#[derive(Debug, Clone)]
pub struct SlaRow {
    pub supplier: FulfilmentLocationId,
    pub name: String,
    pub shipments: u32,
    pub with_date: u32,
    pub on_time: u32,
    pub late: u32,
    pub rate: Option<String>,
    pub truncated: bool,
}

#[derive(Debug, Clone)]
pub struct SlaAnswer {
    pub from: OffsetDateTime,
    pub to: OffsetDateTime,
    pub suppliers: Vec<SlaRow>,
}

impl App {
    /// On-time ship rate per dropship supplier over shipments shipped in `[from, to)`: seller
    /// staff see every supplier, a supplier only itself; customers are refused.
    pub async fn supplier_sla(&self, ctx: &Ctx, from: OffsetDateTime, to: OffsetDateTime) -> Result<SlaAnswer> {
        let p = &ctx.principal;
        if !p.is_seller() && p.supplier_location().is_none() {
            return Err(AppError::Forbidden("supplier performance is the seller's".into()));
        }
        let sys = Ctx::system();
        let suppliers: Vec<FulfilmentLocation> = self
            .fulfilment_locations(&sys)
            .await?
            .into_iter()
            .filter(|l| l.kind == FulfilmentKind::DropshipSupplier)
            .filter(|l| p.supplier_location().is_none_or(|own| own == l.id))
            .collect();
        let mut rows = Vec::with_capacity(suppliers.len());
        for s in suppliers {
            let (facts, truncated) = self.shipment_facts(s.id, from, to).await?;
            let sla = on_time_rates(&facts).into_iter().next();
            let (with_date, on_time, without) = sla
                .as_ref()
                .map_or((0, 0, 0), |x| (x.with_date, x.on_time, x.without_date));
            rows.push(SlaRow {
                supplier: s.id,
                name: s.name,
                shipments: with_date + without,
                with_date,
                on_time,
                late: with_date - on_time,
                rate: sla.and_then(|x| x.rate()),
                truncated,
            });
        }
        rows.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(SlaAnswer {
            from,
            to,
            suppliers: rows,
        })
    }

    /// The supplier's shipments in the window, each with the earliest ship-by date it confirmed
    /// for the lines the shipment carries.
    async fn shipment_facts(
        &self,
        supplier: FulfilmentLocationId,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<(Vec<ShipmentFact>, bool)> {
        let sys = Ctx::system();
        let mut shipments: Vec<ShipmentDoc> = Vec::new();
        let mut f = ListFilter {
            from: Some(from),
            to: Some(to),
            limit: 500,
            ..Default::default()
        };
        let truncated = loop {
            let page = self
                .list_docs::<ShipmentDoc>(&sys, &f, Some(("shipment_from", supplier.0.to_string())))
                .await?;
            shipments.extend(page.items.into_iter().map(|v| v.value));
            if shipments.len() >= MAX_SHIPMENTS {
                shipments.truncate(MAX_SHIPMENTS);
                break page.next.is_some();
            }
            match page.next {
                Some(n) => f.before = Some(n),
                None => break false,
            }
        };
        let mut ids: Vec<Uuid> = shipments.iter().map(|s| s.order_id.0).collect();
        ids.sort();
        ids.dedup();
        let orders: HashMap<Uuid, _> = self
            .load_orders(&sys, &ids)
            .await?
            .into_iter()
            .map(|v| (v.value.id.0, v.value))
            .collect();
        let facts = shipments
            .iter()
            .filter(|s| s.shipment.from == supplier)
            .map(|s| {
                let ship_by = orders.get(&s.order_id.0).and_then(|o| {
                    s.shipment
                        .lines
                        .iter()
                        .filter_map(|sl| o.line(sl.line))
                        .flat_map(|l| l.allocations.iter().filter(|a| a.location == supplier))
                        .filter_map(|a| a.confirmation.as_ref().and_then(|c| c.ship_by))
                        .min()
                });
                ShipmentFact {
                    supplier,
                    shipped_on: s.shipment.shipped_at.date(),
                    ship_by,
                }
            })
            .collect();
        Ok((facts, truncated))
    }
}
