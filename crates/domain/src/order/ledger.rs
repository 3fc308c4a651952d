//! The quantity ledger of one line, derived from recorded facts (never stored):
//! ordered = cancelled + unallocated + backordered + allocated + in transit + delivered + returned.
//!
//! `unallocated` is quantity accepted but not yet assigned to a warehouse nor declared backordered.

use super::line::Line;
use super::shipment::Shipment;
use crate::quantity::Qty;
use crate::tracking::TrackingStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LineLedger {
    pub ordered: Qty,
    pub cancelled: Qty,
    pub unallocated: Qty,
    pub backordered: Qty,
    /// Allocated to a fulfilment location and not yet shipped.
    pub allocated: Qty,
    pub in_transit: Qty,
    pub delivered: Qty,
    /// Returned to sender by the carrier, or delivered and received back under a return (RMA).
    pub returned: Qty,
    /// Shipped in total (in transit + delivered + returned).
    pub shipped: Qty,
    /// What the customer confirmed in good order; `None` until any shipment of the line is receipted.
    pub received: Option<Qty>,
    balanced: bool,
}

impl LineLedger {
    pub fn of<'a>(line: &Line, shipments: impl IntoIterator<Item = &'a Shipment>) -> LineLedger {
        let mut shipped = 0i64;
        let mut delivered = 0i64;
        let mut returned = 0i64;
        let mut received: Option<i64> = None;
        for s in shipments {
            let q = i64::from(s.quantity_of(line.no).get());
            if q == 0 {
                continue;
            }
            shipped += q;
            match s.ledger_effect() {
                Some(TrackingStatus::Delivered) => delivered += q,
                Some(_) => returned += q,
                None => {}
            }
            if let Some(r) = s.received_of(line.no) {
                *received.get_or_insert(0) += i64::from(r.get());
            }
        }
        // Customer returns move delivered units to returned (never more than was delivered:
        // `Order::receive_return` checks, and the balance check below catches anything else).
        let customer_returned = i64::from(line.returned_by_customer().get());
        delivered -= customer_returned;
        returned += customer_returned;
        let ordered = i64::from(line.quantity.get());
        let cancelled = i64::from(line.cancelled.get());
        let backordered = i64::from(line.backordered().get());
        let allocated_total = i64::from(line.allocated_total().get());
        let allocated = allocated_total - shipped;
        let in_transit = shipped - delivered - returned;
        let unallocated = ordered - cancelled - backordered - allocated_total;
        let parts = [
            cancelled,
            unallocated,
            backordered,
            allocated,
            in_transit,
            delivered,
            returned,
        ];
        let balanced = parts.iter().all(|p| *p >= 0) && parts.iter().sum::<i64>() == ordered;
        let q = |v: i64| Qty::new(u32::try_from(v.max(0)).unwrap_or(u32::MAX));
        LineLedger {
            ordered: q(ordered),
            cancelled: q(cancelled),
            unallocated: q(unallocated),
            backordered: q(backordered),
            allocated: q(allocated),
            in_transit: q(in_transit),
            delivered: q(delivered),
            returned: q(returned),
            shipped: q(shipped),
            received: received.map(q),
            balanced,
        }
    }

    /// True when every bucket is non-negative and they add up to the ordered quantity.
    pub fn is_balanced(&self) -> bool {
        self.balanced
    }

    /// Quantity still expected to reach the customer (not cancelled, not yet delivered).
    pub fn open(&self) -> Qty {
        self.unallocated + self.backordered + self.allocated + self.in_transit
    }

    pub fn active(&self) -> Qty {
        self.ordered.saturating_sub(self.cancelled)
    }
}
