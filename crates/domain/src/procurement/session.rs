//! A punchout session: the buyer left their procurement system to shop in the seller's
//! catalogue and will go back with a cart. Nothing here is an order: the cart returns as a
//! requisition, is approved (or not) in the buyer's system, and only an `OrderRequest` (or an
//! OCI purchase order) places an order.
//!
//! The session is short-lived and one-way: it is open until the cart is returned or it expires;
//! an `inspect` session shows a cart but may not change or return it.

use super::{ProcurementLinkId, Protocol};
use crate::error::{ErrorCode, Rejection};
use crate::ids::{AccountId, ProductId};
use crate::money::Money;
use crate::quantity::Qty;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// How long a buyer may shop before the session must be opened again from their system.
pub const SESSION_MINUTES: i64 = 120;
/// Distinct products a cart may hold (procurement systems cap requisition lines lower).
pub const MAX_CART_LINES: usize = 500;

/// What the procurement system asked for (cXML `operation`; OCI is always `Create`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    Create,
    /// Change a cart returned earlier (sent back as the session's starting cart).
    Edit,
    /// Look at a cart; nothing may change.
    Inspect,
}

impl Operation {
    pub fn parse(s: &str) -> Option<Operation> {
        match s.trim().to_ascii_lowercase().as_str() {
            "create" => Some(Operation::Create),
            "edit" => Some(Operation::Edit),
            "inspect" => Some(Operation::Inspect),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Edit => "edit",
            Operation::Inspect => "inspect",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLine {
    pub product_id: ProductId,
    pub sku: String,
    pub description: String,
    pub quantity: Qty,
    /// The account's price when the line was added (contract price, else list).
    pub unit_price: Money,
    /// UN/ECE unit code sent to the procurement system ("EA", "CS").
    pub unit: String,
    pub category: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum SessionState {
    Open,
    Returned {
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PunchoutSession {
    pub id: Uuid,
    /// SHA-256 (hex) of the session's token; the token itself is never stored.
    pub token_hash: String,
    pub link_id: ProcurementLinkId,
    pub account_id: AccountId,
    pub protocol: Protocol,
    pub operation: Operation,
    /// cXML: echoed back in the order message so the buyer's system finds its requisition.
    pub buyer_cookie: Option<String>,
    /// Where the cart goes back: cXML `BrowserFormPost`, OCI `HOOK_URL`.
    pub return_url: String,
    /// OCI `~TARGET`: the frame the cart form is posted into.
    pub return_target: Option<String>,
    /// Fields the procurement system asked to get back with the cart (OCI `~OkCode`, `~CALLER`).
    #[serde(default)]
    pub return_fields: Vec<(String, String)>,
    /// Who is shopping, as the procurement system named them (email or user id), for the record.
    pub shopper: Option<String>,
    pub cart: Vec<CartLine>,
    pub state: SessionState,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

impl PunchoutSession {
    pub const KIND: &'static str = "punchout_session";

    pub fn is_live(&self, now: OffsetDateTime) -> bool {
        matches!(self.state, SessionState::Open) && now < self.expires_at
    }

    fn check_open(&self, now: OffsetDateTime) -> Result<(), Rejection> {
        if let SessionState::Returned { .. } = self.state {
            return Err(Rejection::new(
                ErrorCode::InvalidState,
                "session",
                "this cart was already sent back to your procurement system; start again from there",
            ));
        }
        if now >= self.expires_at {
            return Err(Rejection::new(
                ErrorCode::InvalidState,
                "session",
                "this shopping session has expired; start again from your procurement system",
            ));
        }
        Ok(())
    }

    /// Sets a product's quantity in the cart (zero removes it). Inspect sessions change nothing.
    pub fn set_line(&mut self, line: CartLine, now: OffsetDateTime) -> Result<(), Rejection> {
        self.check_open(now)?;
        if self.operation == Operation::Inspect {
            return Err(Rejection::new(
                ErrorCode::InvalidState,
                "session",
                "this cart was opened to be looked at, not changed",
            ));
        }
        match self.cart.iter().position(|l| l.product_id == line.product_id) {
            Some(i) if line.quantity.is_zero() => {
                self.cart.remove(i);
            }
            Some(i) => self.cart[i] = line,
            None if line.quantity.is_zero() => {}
            None => {
                if self.cart.len() >= MAX_CART_LINES {
                    return Err(Rejection::new(
                        ErrorCode::InvalidValue,
                        "product_id",
                        format!("a cart holds at most {MAX_CART_LINES} products"),
                    ));
                }
                if let Some(first) = self.cart.first()
                    && first.unit_price.currency() != line.unit_price.currency()
                {
                    return Err(Rejection::new(
                        ErrorCode::CurrencyMismatch,
                        "product_id",
                        "every line of a cart is in the account's currency",
                    ));
                }
                self.cart.push(line);
            }
        }
        Ok(())
    }

    /// Ends the session with the cart going back. An inspect session goes back with its cart
    /// unchanged; an empty create or edit cart is allowed (the buyer cancelled shopping).
    pub fn return_cart(&mut self, now: OffsetDateTime) -> Result<&[CartLine], Rejection> {
        self.check_open(now)?;
        self.state = SessionState::Returned { at: now };
        Ok(&self.cart)
    }

    /// The cart's total, in the cart's currency (`None` when empty).
    pub fn total(&self) -> Option<Money> {
        let first = self.cart.first()?;
        let mut t = Money::zero(first.unit_price.currency());
        for l in &self.cart {
            t = t.checked_add(l.unit_price.times(l.quantity.get()))?;
        }
        Some(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use time::Duration;

    fn usd(minor: i64) -> Money {
        Money::from_minor(minor, Currency::parse("USD", "c").unwrap())
    }

    fn line(p: u128, qty: u32, price: i64) -> CartLine {
        CartLine {
            product_id: ProductId(Uuid::from_u128(p)),
            sku: format!("SKU-{p}"),
            description: "Nitrile gloves".into(),
            quantity: Qty::new(qty),
            unit_price: usd(price),
            unit: "EA".into(),
            category: "gloves".into(),
        }
    }

    fn session(op: Operation) -> PunchoutSession {
        let t0 = OffsetDateTime::UNIX_EPOCH;
        PunchoutSession {
            id: Uuid::nil(),
            token_hash: String::new(),
            link_id: ProcurementLinkId(Uuid::nil()),
            account_id: AccountId(Uuid::nil()),
            protocol: Protocol::Cxml,
            operation: op,
            buyer_cookie: Some("c00k1e".into()),
            return_url: "https://buyer.example/return".into(),
            return_target: None,
            return_fields: vec![],
            shopper: None,
            cart: vec![],
            state: SessionState::Open,
            created_at: t0,
            expires_at: t0 + Duration::minutes(SESSION_MINUTES),
        }
    }

    #[test]
    fn the_cart_adds_changes_and_removes_lines_and_totals() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let mut s = session(Operation::Create);
        s.set_line(line(1, 2, 1250), now).unwrap();
        s.set_line(line(2, 1, 999), now).unwrap();
        s.set_line(line(1, 3, 1250), now).unwrap();
        assert_eq!(s.cart.len(), 2);
        assert_eq!(s.total(), Some(usd(3 * 1250 + 999)));
        s.set_line(line(2, 0, 999), now).unwrap();
        assert_eq!(s.cart.len(), 1);
        // Zero of something not in the cart is nothing.
        s.set_line(line(9, 0, 1), now).unwrap();
        assert_eq!(s.cart.len(), 1);
    }

    #[test]
    fn inspect_changes_nothing_and_returned_or_expired_sessions_refuse() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let mut s = session(Operation::Inspect);
        assert_eq!(
            s.set_line(line(1, 1, 1), now).unwrap_err().code,
            ErrorCode::InvalidState
        );
        assert!(s.return_cart(now).is_ok());
        assert!(!s.is_live(now));
        assert!(s.return_cart(now).unwrap_err().message.contains("already sent back"));

        let mut s = session(Operation::Create);
        let late = s.expires_at;
        assert!(!s.is_live(late));
        assert!(s.set_line(line(1, 1, 1), late).unwrap_err().message.contains("expired"));
        assert!(s.return_cart(late).is_err());
    }

    #[test]
    fn a_cart_is_in_one_currency() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let mut s = session(Operation::Edit);
        s.set_line(line(1, 1, 100), now).unwrap();
        let mut eur = line(2, 1, 100);
        eur.unit_price = Money::from_minor(100, Currency::parse("EUR", "c").unwrap());
        assert_eq!(s.set_line(eur, now).unwrap_err().code, ErrorCode::CurrencyMismatch);
    }

    #[test]
    fn operations_parse_in_any_case() {
        assert_eq!(Operation::parse("Create"), Some(Operation::Create));
        assert_eq!(Operation::parse(" EDIT "), Some(Operation::Edit));
        assert_eq!(Operation::parse("inspect"), Some(Operation::Inspect));
        assert_eq!(Operation::parse("delete"), None);
    }
}
