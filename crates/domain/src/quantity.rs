//! Exact, non-negative unit quantities.

use crate::error::{ErrorCode, Rejection};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::iter::Sum;
use std::ops::Add;

/// A non-negative whole number of units. Subtraction is only offered as `checked_sub`, so a
/// negative quantity cannot be produced by accident.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Qty(u32);

impl Qty {
    pub const ZERO: Qty = Qty(0);
    /// The largest quantity accepted on input: far above any real order line, and small enough
    /// that sums over a line's shipments, receipts and invoices cannot overflow.
    pub const MAX_INPUT: u32 = 100_000_000;

    pub fn new(n: u32) -> Self {
        Qty(n)
    }

    /// Parses a quantity that must be at least one unit (what every command takes).
    pub fn positive(n: i64, field: &str) -> Result<Qty, Rejection> {
        if n <= 0 {
            return Err(Rejection::new(
                ErrorCode::InvalidQuantity,
                field,
                format!("quantity must be a positive whole number, got {n}"),
            ));
        }
        match u32::try_from(n) {
            Ok(q) if q <= Qty::MAX_INPUT => Ok(Qty(q)),
            _ => Err(Rejection::new(
                ErrorCode::InvalidQuantity,
                field,
                format!("quantity {n} is too large (at most {})", Qty::MAX_INPUT),
            )),
        }
    }

    /// Parses a quantity that may be zero (receipts, for instance).
    pub fn non_negative(n: i64, field: &str) -> Result<Qty, Rejection> {
        if n == 0 { Ok(Qty::ZERO) } else { Qty::positive(n, field) }
    }

    pub fn get(self) -> u32 {
        self.0
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    pub fn checked_sub(self, other: Qty) -> Option<Qty> {
        self.0.checked_sub(other.0).map(Qty)
    }

    pub fn saturating_sub(self, other: Qty) -> Qty {
        Qty(self.0.saturating_sub(other.0))
    }
}

impl Add for Qty {
    type Output = Qty;
    fn add(self, rhs: Qty) -> Qty {
        // Inputs are bounded by MAX_INPUT, so this never saturates in practice; saturating
        // rather than panicking keeps a hostile sum from taking the server down.
        Qty(self.0.saturating_add(rhs.0))
    }
}

impl Sum for Qty {
    fn sum<I: Iterator<Item = Qty>>(iter: I) -> Qty {
        iter.fold(Qty::ZERO, Add::add)
    }
}

impl fmt::Display for Qty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
