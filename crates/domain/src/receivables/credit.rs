//! Credit limits: an order that would take the account over its limit is held for credit
//! review, with the reason shown to the buyer and to finance ops, until finance ops release or
//! reject it. Fulfilment waits for the release (see `Order::require_released`).

use crate::error::{ErrorCode, Rejection, Result};
use crate::money::Money;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// What the account already owes or has committed to: open invoice balances, plus orders placed
/// and not invoiced yet, less cash and credit it holds unapplied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exposure {
    pub open_invoices: Money,
    pub uninvoiced_orders: Money,
    pub unapplied: Money,
}

impl Exposure {
    pub fn total(&self) -> Money {
        let gross = self
            .open_invoices
            .checked_add(self.uninvoiced_orders)
            .unwrap_or(self.open_invoices);
        gross.checked_sub(self.unapplied).unwrap_or(gross)
    }
}

/// The decision at placement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreditCheck {
    /// No limit set (zero) or the order fits.
    Within,
    Over {
        limit: Money,
        exposure: Money,
        order_total: Money,
    },
}

/// Checks a new order of `order_total` against `limit`. A zero limit means none was set: such an
/// account is never held (a seller that wants cash in advance uses terms, not a zero limit).
pub fn check(limit: Money, exposure: Exposure, order_total: Money) -> CreditCheck {
    if !limit.is_positive() {
        return CreditCheck::Within;
    }
    let after = exposure.total().checked_add(order_total).unwrap_or(order_total);
    if after.minor() > limit.minor() {
        CreditCheck::Over {
            limit,
            exposure: exposure.total(),
            order_total,
        }
    } else {
        CreditCheck::Within
    }
}

/// An order held for credit review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditHold {
    pub limit: Money,
    /// What the account owed and had committed before this order.
    pub exposure: Money,
    pub order_total: Money,
    #[serde(with = "time::serde::rfc3339")]
    pub held_at: OffsetDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<CreditDecision>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditDecision {
    pub released: bool,
    /// Who decided (a staff user's name), for the timeline and the buyer.
    pub by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoldState {
    Held,
    Released,
    Rejected,
}

impl CreditHold {
    pub fn state(&self) -> HoldState {
        match &self.decision {
            None => HoldState::Held,
            Some(d) if d.released => HoldState::Released,
            Some(_) => HoldState::Rejected,
        }
    }

    /// What the buyer and finance ops read.
    pub fn reason(&self) -> String {
        let over = self
            .exposure
            .checked_add(self.order_total)
            .and_then(|t| t.checked_sub(self.limit))
            .unwrap_or(self.order_total);
        format!(
            "Held for credit review: this order of {} would bring the account to {} against a credit limit of {} ({} over).",
            self.order_total,
            self.exposure.checked_add(self.order_total).unwrap_or(self.order_total),
            self.limit,
            over
        )
    }

    /// Records finance ops' decision; only a held order can be decided, and a rejection needs
    /// a reason.
    pub fn decide(&mut self, decision: CreditDecision) -> Result<()> {
        if self.decision.is_some() {
            return Err(Rejection::new(
                ErrorCode::InvalidState,
                "credit_hold",
                "the credit hold was already decided",
            ));
        }
        if !decision.released && decision.note.as_deref().is_none_or(|n| n.trim().is_empty()) {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "note",
                "say why the order is rejected; the buyer reads it",
            ));
        }
        self.decision = Some(decision);
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::inconsistent_digit_grouping)] // amounts read as dollars_cents
mod tests {
    use super::*;
    use crate::money::Currency;

    fn usd(m: i64) -> Money {
        Money::from_minor(m, Currency::parse("USD", "c").unwrap())
    }

    #[test]
    fn an_order_over_the_limit_is_held_and_a_zero_limit_is_none() {
        let e = Exposure {
            open_invoices: usd(80_00),
            uninvoiced_orders: usd(15_00),
            unapplied: usd(5_00),
        };
        assert_eq!(e.total(), usd(90_00));
        assert_eq!(check(usd(100_00), e, usd(10_00)), CreditCheck::Within);
        assert_eq!(
            check(usd(100_00), e, usd(10_01)),
            CreditCheck::Over {
                limit: usd(100_00),
                exposure: usd(90_00),
                order_total: usd(10_01)
            }
        );
        assert_eq!(check(usd(0), e, usd(1_000_00)), CreditCheck::Within);
    }

    #[test]
    fn a_hold_is_decided_once_and_a_rejection_says_why() {
        let at = OffsetDateTime::UNIX_EPOCH;
        let mut h = CreditHold {
            limit: usd(100_00),
            exposure: usd(90_00),
            order_total: usd(20_00),
            held_at: at,
            decision: None,
        };
        assert!(h.reason().contains("(USD 10.00 over)"), "{}", h.reason());
        let no_reason = CreditDecision {
            released: false,
            by: "Fin".into(),
            at,
            note: Some(" ".into()),
        };
        assert_eq!(h.decide(no_reason).unwrap_err().field, "note");
        assert_eq!(h.state(), HoldState::Held);
        h.decide(CreditDecision {
            released: true,
            by: "Fin".into(),
            at,
            note: None,
        })
        .unwrap();
        assert_eq!(h.state(), HoldState::Released);
        let again = CreditDecision {
            released: true,
            by: "Fin".into(),
            at,
            note: None,
        };
        assert_eq!(h.decide(again).unwrap_err().code, ErrorCode::InvalidState);
    }
}
