//! Supplier SLA: the share of a supplier's shipments that left on or before the ship-by date it
//! confirmed. Derived from the facts each time (confirmations on the allocations, shipments'
//! ship dates), never kept as a counter that could drift from them.

use crate::ids::FulfilmentLocationId;
use std::collections::BTreeMap;
use time::Date;

/// One shipment as the SLA reads it. `ship_by` is the earliest ship-by date the supplier
/// confirmed for the lines the shipment carries (`None`: it confirmed no date for any of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShipmentFact {
    pub supplier: FulfilmentLocationId,
    pub shipped_on: Date,
    pub ship_by: Option<Date>,
}

/// One supplier's record over the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupplierSla {
    pub supplier: FulfilmentLocationId,
    /// Shipments carrying a confirmed ship-by date: the denominator.
    pub with_date: u32,
    /// Of those, shipped on or before the date.
    pub on_time: u32,
    /// Shipments with no confirmed date (not counted either way).
    pub without_date: u32,
}

impl SupplierSla {
    pub fn late(&self) -> u32 {
        self.with_date - self.on_time
    }

    /// The on-time rate as an exact decimal with three places ("0.750"), rounded half up;
    /// `None` when no shipment had a confirmed date.
    pub fn rate(&self) -> Option<String> {
        if self.with_date == 0 {
            return None;
        }
        let per_mille =
            (u64::from(self.on_time) * 1000 * 2 + u64::from(self.with_date)) / (u64::from(self.with_date) * 2);
        Some(format!("{}.{:03}", per_mille / 1000, per_mille % 1000))
    }
}

/// Per supplier (ordered by id), from the shipments of the window.
pub fn on_time_rates(facts: &[ShipmentFact]) -> Vec<SupplierSla> {
    let mut by: BTreeMap<FulfilmentLocationId, SupplierSla> = BTreeMap::new();
    for f in facts {
        let s = by.entry(f.supplier).or_insert(SupplierSla {
            supplier: f.supplier,
            with_date: 0,
            on_time: 0,
            without_date: 0,
        });
        match f.ship_by {
            Some(d) => {
                s.with_date += 1;
                if f.shipped_on <= d {
                    s.on_time += 1;
                }
            }
            None => s.without_date += 1,
        }
    }
    by.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;
    use uuid::Uuid;

    fn f(s: u128, shipped: Date, by: Option<Date>) -> ShipmentFact {
        ShipmentFact {
            supplier: FulfilmentLocationId(Uuid::from_u128(s)),
            shipped_on: shipped,
            ship_by: by,
        }
    }

    #[test]
    fn on_or_before_the_date_is_on_time() {
        let out = on_time_rates(&[
            f(1, date!(2026 - 11 - 20), Some(date!(2026 - 11 - 20))),
            f(1, date!(2026 - 11 - 19), Some(date!(2026 - 11 - 20))),
            f(1, date!(2026 - 11 - 21), Some(date!(2026 - 11 - 20))),
            f(1, date!(2026 - 11 - 25), None),
            f(2, date!(2026 - 11 - 25), None),
        ]);
        assert_eq!(out.len(), 2);
        assert_eq!(
            (out[0].with_date, out[0].on_time, out[0].late(), out[0].without_date),
            (3, 2, 1, 1)
        );
        assert_eq!(out[0].rate().as_deref(), Some("0.667"));
        assert_eq!(out[1].rate(), None, "no confirmed date: no rate, not 0 or 1");
    }

    #[test]
    fn rates_are_exact() {
        let all = |n: u32, on: u32| SupplierSla {
            supplier: FulfilmentLocationId(Uuid::nil()),
            with_date: n,
            on_time: on,
            without_date: 0,
        };
        assert_eq!(all(4, 4).rate().as_deref(), Some("1.000"));
        assert_eq!(all(4, 0).rate().as_deref(), Some("0.000"));
        assert_eq!(all(8, 1).rate().as_deref(), Some("0.125"));
        assert_eq!(all(2000, 1).rate().as_deref(), Some("0.001"), "0.0005 rounds half up");
    }
}
