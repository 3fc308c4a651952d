//! A dropship supplier refusing a line routed to it. What it had not shipped goes back to the
//! line's unallocated quantity (so it can be routed again or backordered), and the refusal is
//! recorded on the line, so routing never sends the line back to that supplier.

use super::{Order, SupplierRejection};
use crate::error::{ErrorCode, Rejection, Result};
use crate::ids::FulfilmentLocationId;
use crate::quantity::Qty;
use time::OffsetDateTime;

impl Order {
    /// `location` rejects its unshipped allocation of line `line_no`, for `reason`; returns the
    /// quantity released. A line that does not exist and a line with nothing open at `location`
    /// are refused alike, on `line` (a supplier learns nothing about lines not routed to it).
    /// What already shipped stays allocated there; an allocation with nothing shipped is removed,
    /// so the line leaves the supplier's view.
    pub fn reject_allocation(
        &mut self,
        line_no: u32,
        location: FulfilmentLocationId,
        reason: &str,
        by: &str,
        at: OffsetDateTime,
    ) -> Result<Qty> {
        if reason.trim().is_empty() {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "reason",
                "say why the line cannot be filled",
            ));
        }
        let shipped = self.shipped_from(line_no, location);
        let found = self.lines.iter().position(|l| l.no == line_no).and_then(|li| {
            self.lines[li]
                .allocations
                .iter()
                .position(|a| a.location == location && a.quantity > shipped)
                .map(|ai| (li, ai))
        });
        let Some((li, ai)) = found else {
            return Err(Rejection::new(
                ErrorCode::UnknownReference,
                "line",
                format!(
                    "order {} has no line {line_no} with anything left to ship at this location",
                    self.number
                ),
            ));
        };
        let line = &mut self.lines[li];
        let a = &mut line.allocations[ai];
        let open = a.quantity.saturating_sub(shipped);
        if shipped.is_zero() {
            line.allocations.remove(ai);
        } else {
            a.quantity = shipped;
            a.released = a.released.min(shipped);
        }
        line.supplier_rejections.push(SupplierRejection {
            location,
            quantity: open,
            reason: reason.trim().to_owned(),
            by: by.to_owned(),
            at,
        });
        Ok(open)
    }
}

#[cfg(test)]
mod tests {
    use crate::account::{FulfilmentKind, FulfilmentLocation};
    use crate::ids::{FulfilmentLocationId, ShipmentId};
    use crate::order::NewShipment;
    use crate::order::tests::sample_order;
    use crate::quantity::Qty;
    use time::macros::datetime;
    use uuid::Uuid;

    fn supplier(n: u128) -> FulfilmentLocation {
        FulfilmentLocation {
            id: FulfilmentLocationId(Uuid::from_u128(n)),
            code: format!("S{n}"),
            name: format!("Supplier {n}"),
            kind: FulfilmentKind::DropshipSupplier,
            city: "Tulsa".into(),
        }
    }

    #[test]
    fn rejecting_releases_the_open_quantity_and_remembers_who() {
        let mut o = sample_order();
        let (a, b) = (supplier(1), supplier(2));
        o.allocate(1, &a, Qty::new(4)).unwrap();
        o.allocate(1, &b, Qty::new(1)).unwrap();
        let at = datetime!(2026-11-20 10:00 UTC);
        let released = o
            .reject_allocation(1, a.id, "out of stock until March", "Sue", at)
            .unwrap();
        assert_eq!(released, Qty::new(4));
        let l = o.line(1).unwrap();
        assert_eq!(o.ledger(l).unallocated, l.quantity.saturating_sub(Qty::new(1)));
        assert!(
            l.allocations.iter().all(|x| x.location != a.id),
            "the line leaves the supplier"
        );
        assert_eq!(l.rejected_by(), vec![a.id]);
        assert_eq!(l.supplier_rejections[0].reason, "out of stock until March");
        o.check_balanced().unwrap();

        // Nothing open at that supplier any more: refused, nothing changed.
        let before = o.clone();
        let e = o.reject_allocation(1, a.id, "again", "Sue", at).unwrap_err();
        assert_eq!(e.field, "line");
        let e = o.reject_allocation(1, b.id, "  ", "Bob", at).unwrap_err();
        assert_eq!(e.field, "reason");
        let e = o.reject_allocation(99, b.id, "no", "Bob", at).unwrap_err();
        assert_eq!(e.field, "line");
        assert_eq!(o, before);
    }

    #[test]
    fn what_shipped_stays_allocated() {
        let mut o = sample_order();
        let a = supplier(1);
        o.allocate(1, &a, Qty::new(4)).unwrap();
        let to = o.line(1).unwrap().ship_to;
        o.ship(NewShipment {
            id: ShipmentId(Uuid::from_u128(9)),
            from: a.id,
            to,
            lines: vec![(1, Qty::new(1))],
            carrier: "UPS".into(),
            service: None,
            tracking_number: None,
            tracking_url: None,
            packing_slip: None,
            shipped_at: datetime!(2026-11-20 10:00 UTC),
            promised_delivery: None,
            estimated_delivery: None,
        })
        .unwrap();
        let released = o
            .reject_allocation(1, a.id, "cannot make the rest", "Sue", datetime!(2026-11-21 10:00 UTC))
            .unwrap();
        assert_eq!(released, Qty::new(3));
        assert_eq!(o.line(1).unwrap().allocated_at(a.id), Qty::new(1));
        o.check_balanced().unwrap();
    }
}
