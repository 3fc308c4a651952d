//! What a supplier says it can ship: per SKU, the quantity available and its lead time. A feed
//! replaces the supplier's whole list (a SKU it no longer lists is "not reported", not zero), so
//! a stale row can never outlive the feed that dropped it.

use crate::error::{ErrorCode, Rejection, Result};
use crate::ids::FulfilmentLocationId;
use crate::quantity::Qty;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use time::OffsetDateTime;

/// The longest lead time a feed may report: beyond a year it is not a lead time but a gap.
pub const MAX_LEAD_TIME_DAYS: u32 = 365;
/// The most rows one feed may hold (one document per supplier).
pub const MAX_ROWS: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockRow {
    pub sku: String,
    pub available: Qty,
    pub lead_time_days: u32,
}

/// The stock a supplier reported for routing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StockLevel {
    pub available: Qty,
    pub lead_time_days: u32,
}

/// A supplier's latest feed, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupplierStock {
    pub location: FulfilmentLocationId,
    pub rows: Vec<StockRow>,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub updated_by: String,
}

/// Reported stock by (supplier, SKU), as routing reads it.
pub type StockMap = HashMap<(FulfilmentLocationId, String), StockLevel>;

impl SupplierStock {
    /// Checks a feed's rows before anything is stored: every bad row is named by its index and
    /// field (`rows[3].sku`), the first one found refuses the whole feed.
    pub fn check_rows(rows: &[StockRow]) -> Result<()> {
        if rows.len() > MAX_ROWS {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "rows",
                format!(
                    "a feed holds at most {MAX_ROWS} rows; send {} rows in one feed",
                    rows.len()
                ),
            ));
        }
        for (i, r) in rows.iter().enumerate() {
            if r.sku.trim().is_empty() {
                return Err(Rejection::new(
                    ErrorCode::InvalidValue,
                    format!("rows[{i}].sku"),
                    "must not be empty",
                ));
            }
            if let Some(j) = rows[..i].iter().position(|o| o.sku.trim() == r.sku.trim()) {
                return Err(Rejection::new(
                    ErrorCode::InvalidValue,
                    format!("rows[{i}].sku"),
                    format!("{} is already on row {j}", r.sku.trim()),
                ));
            }
            if r.lead_time_days > MAX_LEAD_TIME_DAYS {
                return Err(Rejection::new(
                    ErrorCode::InvalidValue,
                    format!("rows[{i}].lead_time_days"),
                    format!("at most {MAX_LEAD_TIME_DAYS} days"),
                ));
            }
        }
        Ok(())
    }

    /// Adds this feed's levels to `map`.
    pub fn levels_into(&self, map: &mut StockMap) {
        for r in &self.rows {
            map.insert(
                (self.location, r.sku.trim().to_owned()),
                StockLevel {
                    available: r.available,
                    lead_time_days: r.lead_time_days,
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(sku: &str, n: u32, lead: u32) -> StockRow {
        StockRow {
            sku: sku.into(),
            available: Qty::new(n),
            lead_time_days: lead,
        }
    }

    #[test]
    fn bad_rows_are_named_by_index_and_field() {
        assert!(SupplierStock::check_rows(&[row("A", 1, 2), row("B", 0, 0)]).is_ok());
        let e = SupplierStock::check_rows(&[row("A", 1, 2), row(" ", 1, 2)]).unwrap_err();
        assert_eq!(e.field, "rows[1].sku");
        let e = SupplierStock::check_rows(&[row("A", 1, 2), row("B", 1, 2), row("A ", 3, 2)]).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.message.as_str()),
            ("rows[2].sku", "A is already on row 0")
        );
        let e = SupplierStock::check_rows(&[row("A", 1, 366)]).unwrap_err();
        assert_eq!(e.field, "rows[0].lead_time_days");
    }
}
