//! Returns (RMA): delivered goods the customer sends back, from the request to the credit.
//!
//! A return names lines of one order with quantities and one reason. Its state is derived from
//! what was recorded, never set by hand: requested → approved or rejected (with a reason) →
//! shipped back (carrier, tracking) → received at the warehouse (a condition per line) →
//! credited (the credit memos issued for it). Only delivered units can be asked for, and never
//! more than what is delivered minus what other open returns of the line already claim.
//!
//! Auto-approval: a return for `damaged` goods whose lines the customer already reported
//! damaged on a shipment's receipt, within [`AUTO_APPROVE_DAMAGED_DAYS`] of that receipt, is
//! approved at once by the system (the receipt is the evidence a person would look for).

use crate::error::{ErrorCode, Rejection, Result};
use crate::ids::{AccountId, CreditMemoId, InvoiceId, LocationId, OrderId, ReturnId, ShipmentId};
use crate::money::Money;
use crate::order::Order;
use crate::quantity::Qty;
use crate::text::{TextKind, validate};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// How long after a receipt reporting damage a `damaged` return is approved without a person.
pub const AUTO_APPROVE_DAMAGED_DAYS: i64 = 14;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnReason {
    Damaged,
    WrongItem,
    NotNeeded,
    Defective,
}

impl ReturnReason {
    pub const ALL: [ReturnReason; 4] = [
        ReturnReason::Damaged,
        ReturnReason::WrongItem,
        ReturnReason::NotNeeded,
        ReturnReason::Defective,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReturnReason::Damaged => "damaged",
            ReturnReason::WrongItem => "wrong_item",
            ReturnReason::NotNeeded => "not_needed",
            ReturnReason::Defective => "defective",
        }
    }

    /// For people: "Arrived damaged".
    pub fn label(self) -> &'static str {
        match self {
            ReturnReason::Damaged => "Arrived damaged",
            ReturnReason::WrongItem => "Wrong item",
            ReturnReason::NotNeeded => "No longer needed",
            ReturnReason::Defective => "Defective",
        }
    }

    pub fn parse(s: &str, field: &str) -> Result<ReturnReason> {
        let t = s.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        ReturnReason::ALL.into_iter().find(|r| r.as_str() == t).ok_or_else(|| {
            Rejection::new(
                ErrorCode::InvalidValue,
                field,
                format!("'{s}' is not a return reason (damaged, wrong_item, not_needed, defective)"),
            )
        })
    }
}

/// What the warehouse found when the goods came back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnCondition {
    /// Unopened or as new: back to stock.
    Resellable,
    Damaged,
    Defective,
    /// Not the product that was delivered on this line.
    WrongItem,
}

impl ReturnCondition {
    pub const ALL: [ReturnCondition; 4] = [
        ReturnCondition::Resellable,
        ReturnCondition::Damaged,
        ReturnCondition::Defective,
        ReturnCondition::WrongItem,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReturnCondition::Resellable => "resellable",
            ReturnCondition::Damaged => "damaged",
            ReturnCondition::Defective => "defective",
            ReturnCondition::WrongItem => "wrong_item",
        }
    }

    pub fn parse(s: &str, field: &str) -> Result<ReturnCondition> {
        let t = s.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        ReturnCondition::ALL
            .into_iter()
            .find(|r| r.as_str() == t)
            .ok_or_else(|| {
                Rejection::new(
                    ErrorCode::InvalidValue,
                    field,
                    format!("'{s}' is not a condition (resellable, damaged, defective, wrong_item)"),
                )
            })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnState {
    Requested,
    Approved,
    Rejected,
    ShippedBack,
    Received,
    Credited,
}

impl ReturnState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReturnState::Requested => "requested",
            ReturnState::Approved => "approved",
            ReturnState::Rejected => "rejected",
            ReturnState::ShippedBack => "shipped_back",
            ReturnState::Received => "received",
            ReturnState::Credited => "credited",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReturnState::Requested => "Requested",
            ReturnState::Approved => "Approved",
            ReturnState::Rejected => "Rejected",
            ReturnState::ShippedBack => "On its way back",
            ReturnState::Received => "Received",
            ReturnState::Credited => "Credited",
        }
    }

    pub fn parse(s: &str, field: &str) -> Result<ReturnState> {
        let all = [
            ReturnState::Requested,
            ReturnState::Approved,
            ReturnState::Rejected,
            ReturnState::ShippedBack,
            ReturnState::Received,
            ReturnState::Credited,
        ];
        all.into_iter().find(|r| r.as_str() == s.trim()).ok_or_else(|| {
            Rejection::new(
                ErrorCode::InvalidValue,
                field,
                format!(
                    "'{s}' is not a return state (requested, approved, rejected, shipped_back, received, credited)"
                ),
            )
        })
    }

    /// Still claims delivered units: neither refused nor back at the warehouse (received units
    /// are the order's `returned`, so they are no longer delivered to claim).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            ReturnState::Requested | ReturnState::Approved | ReturnState::ShippedBack
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnLine {
    pub order_line: u32,
    pub sku: String,
    pub description: String,
    pub quantity: Qty,
    pub unit_price: Money,
    /// Where the goods were delivered (the location half of who may see the return).
    pub ship_to: LocationId,
    /// The delivered shipment the units came on (the one whose receipt reported damage, when
    /// one did), for the credit memo's link.
    pub shipment_id: Option<ShipmentId>,
    /// Set by the warehouse on receipt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<ReturnCondition>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnDecision {
    pub approved: bool,
    pub by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub reason: Option<String>,
    /// Approved by the rule, not by a person.
    pub automatic: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnShipment {
    pub carrier: String,
    pub tracking_number: Option<String>,
    pub by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnReceipt {
    pub by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// A credit memo issued for a return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnCreditRef {
    pub credit_memo_id: CreditMemoId,
    pub number: String,
    pub invoice_id: InvoiceId,
    pub invoice_number: String,
    pub amount: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Return {
    pub id: ReturnId,
    pub number: String,
    pub account_id: AccountId,
    pub order_id: OrderId,
    pub order_number: String,
    pub reason: ReturnReason,
    pub note: Option<String>,
    pub description: Option<String>,
    pub lines: Vec<ReturnLine>,
    pub requested_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
    /// Placed by seller staff for the customer.
    #[serde(default)]
    pub on_behalf: bool,
    pub decision: Option<ReturnDecision>,
    pub shipment: Option<ReturnShipment>,
    pub receipt: Option<ReturnReceipt>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub credits: Vec<ReturnCreditRef>,
    /// Received, but nothing on the lines was invoiced, so there is nothing to credit.
    #[serde(default)]
    pub nothing_to_credit: bool,
}

/// One line asked for.
#[derive(Debug, Clone)]
pub struct NewReturnLine {
    pub order_line: u32,
    pub quantity: Qty,
}

#[derive(Debug, Clone)]
pub struct NewReturn {
    pub id: ReturnId,
    pub number: String,
    pub reason: ReturnReason,
    pub note: Option<String>,
    pub description: Option<String>,
    pub lines: Vec<NewReturnLine>,
    pub requested_by: String,
    pub on_behalf: bool,
    pub at: OffsetDateTime,
}

fn text(kind: TextKind, v: &Option<String>, field: &str) -> Result<Option<String>> {
    match v.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => {
            validate(kind, s, field)?;
            Ok(Some(s.to_owned()))
        }
    }
}

fn state_error(r: &Return, field: &str, what: &str) -> Rejection {
    Rejection::new(
        ErrorCode::InvalidState,
        field,
        format!(
            "return {} is {}; {what}",
            r.number,
            r.state().as_str().replace('_', " ")
        ),
    )
}

impl Return {
    /// Asks to return delivered units of `order`. `others` are the order's other returns (any
    /// state: only open ones claim units). Auto-approves by the damaged-on-receipt rule.
    pub fn request(order: &Order, others: &[&Return], new: NewReturn) -> Result<Return> {
        if new.lines.is_empty() {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "lines",
                "choose at least one line and a quantity to return",
            ));
        }
        let note = text(TextKind::Text, &new.note, "note")?;
        let description = text(TextKind::Text, &new.description, "description")?;
        let mut lines = Vec::with_capacity(new.lines.len());
        for (i, nl) in new.lines.iter().enumerate() {
            let f = |s: &str| format!("lines[{i}].{s}");
            if new.lines[..i].iter().any(|o| o.order_line == nl.order_line) {
                return Err(Rejection::new(
                    ErrorCode::InvalidValue,
                    f("line"),
                    format!("line {} appears twice; give one quantity per line", nl.order_line),
                ));
            }
            let Some(line) = order.line(nl.order_line) else {
                return Err(Rejection::new(
                    ErrorCode::UnknownReference,
                    f("line"),
                    format!("order {} has no line {}", order.number, nl.order_line),
                ));
            };
            if nl.quantity.is_zero() {
                return Err(Rejection::new(
                    ErrorCode::InvalidQuantity,
                    f("quantity"),
                    "quantity must be at least 1",
                ));
            }
            let delivered = order.returnable(nl.order_line);
            if delivered.is_zero() {
                return Err(Rejection::new(
                    ErrorCode::InvalidState,
                    f("line"),
                    format!(
                        "line {} ({}) has nothing delivered; only delivered goods can be returned",
                        line.no, line.sku
                    ),
                ));
            }
            let claimed: Qty = others
                .iter()
                .filter(|r| r.state().is_open() && r.id != new.id)
                .flat_map(|r| r.lines.iter())
                .filter(|l| l.order_line == nl.order_line)
                .map(|l| l.quantity)
                .sum();
            let available = delivered.saturating_sub(claimed);
            if nl.quantity > available {
                let on_others = if claimed.is_zero() {
                    String::new()
                } else {
                    format!(", {claimed} already on other open returns")
                };
                return Err(Rejection::new(
                    ErrorCode::InvalidQuantity,
                    f("quantity"),
                    format!(
                        "line {} ({}) has {delivered} delivered{on_others}; at most {available} can be returned, not {}",
                        line.no, line.sku, nl.quantity
                    ),
                ));
            }
            let carrying: Vec<_> = order
                .shipments
                .iter()
                .filter(|s| s.is_delivered() && !s.quantity_of(line.no).is_zero())
                .collect();
            let damaged_on = carrying.iter().find(|s| damaged_of(s, line.no) > Qty::ZERO);
            lines.push(ReturnLine {
                order_line: line.no,
                sku: line.sku.clone(),
                description: line.description.clone(),
                quantity: nl.quantity,
                unit_price: line.unit_price,
                ship_to: line.ship_to,
                shipment_id: damaged_on.or(carrying.first()).map(|s| s.id),
                condition: None,
            });
        }
        let mut r = Return {
            id: new.id,
            number: new.number,
            account_id: order.account_id,
            order_id: order.id,
            order_number: order.number.clone(),
            reason: new.reason,
            note,
            description,
            lines,
            requested_by: new.requested_by,
            requested_at: new.at,
            on_behalf: new.on_behalf,
            decision: None,
            shipment: None,
            receipt: None,
            credits: Vec::new(),
            nothing_to_credit: false,
        };
        if let Some(why) = auto_approval(order, others, &r) {
            r.decision = Some(ReturnDecision {
                approved: true,
                by: "system".into(),
                at: new.at,
                reason: Some(why),
                automatic: true,
            });
        }
        Ok(r)
    }

    /// Derived from what was recorded.
    pub fn state(&self) -> ReturnState {
        if !self.credits.is_empty() {
            ReturnState::Credited
        } else if self.receipt.is_some() {
            ReturnState::Received
        } else if self.shipment.is_some() {
            ReturnState::ShippedBack
        } else {
            match &self.decision {
                Some(d) if d.approved => ReturnState::Approved,
                Some(_) => ReturnState::Rejected,
                None => ReturnState::Requested,
            }
        }
    }

    pub fn quantity(&self) -> Qty {
        self.lines.iter().map(|l| l.quantity).sum()
    }

    /// The value of the goods asked back, at the order's prices.
    pub fn value(&self) -> Money {
        let mut amounts = self.lines.iter().map(|l| l.unit_price.times(l.quantity.get()));
        let first = amounts.next().unwrap_or(Money::zero(self.currency()));
        amounts.fold(first, |a, m| a.checked_add(m).unwrap_or(a))
    }

    /// The order's currency (every line is priced in it).
    pub fn currency(&self) -> crate::money::Currency {
        self.credits
            .first()
            .map(|c| c.amount.currency())
            .or(self.lines.first().map(|l| l.unit_price.currency()))
            .unwrap_or_else(|| crate::money::Currency::parse("USD", "currency").expect("USD is a currency"))
    }

    /// Approves or rejects a requested return; a rejection needs a reason.
    pub fn decide(&mut self, approve: bool, reason: Option<String>, by: &str, at: OffsetDateTime) -> Result<()> {
        if self.state() != ReturnState::Requested {
            return Err(state_error(
                self,
                "decision",
                "only a requested return can be approved or rejected",
            ));
        }
        let reason = text(TextKind::Text, &reason, "reason")?;
        if !approve && reason.is_none() {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "reason",
                "say why the return is rejected; the customer reads it",
            ));
        }
        self.decision = Some(ReturnDecision {
            approved: approve,
            by: by.to_owned(),
            at,
            reason,
            automatic: false,
        });
        Ok(())
    }

    /// Records the parcel going back to the seller.
    pub fn ship_back(&mut self, carrier: &str, tracking: Option<String>, by: &str, at: OffsetDateTime) -> Result<()> {
        if self.state() != ReturnState::Approved {
            return Err(state_error(
                self,
                "state",
                "a return shipment can be recorded only once it is approved",
            ));
        }
        let carrier = carrier.trim();
        if carrier.is_empty() {
            return Err(Rejection::new(ErrorCode::InvalidValue, "carrier", "name the carrier"));
        }
        validate(TextKind::Name, carrier, "carrier")?;
        let tracking = text(TextKind::Ident, &tracking, "tracking_number")?;
        self.shipment = Some(ReturnShipment {
            carrier: carrier.to_owned(),
            tracking_number: tracking,
            by: by.to_owned(),
            at,
        });
        Ok(())
    }

    /// The warehouse received the goods: a condition for every line. Allowed once approved,
    /// with or without a recorded return shipment (a parcel can arrive before anyone says so).
    pub fn receive(&mut self, conditions: &[(u32, ReturnCondition)], by: &str, at: OffsetDateTime) -> Result<()> {
        if !matches!(self.state(), ReturnState::Approved | ReturnState::ShippedBack) {
            return Err(state_error(
                self,
                "state",
                "goods can be received only for an approved return",
            ));
        }
        for (i, (line, _)) in conditions.iter().enumerate() {
            if !self.lines.iter().any(|l| l.order_line == *line) {
                return Err(Rejection::new(
                    ErrorCode::UnknownReference,
                    format!("lines[{i}].line"),
                    format!("return {} has no line {line}", self.number),
                ));
            }
            if conditions[..i].iter().any(|(o, _)| o == line) {
                return Err(Rejection::new(
                    ErrorCode::InvalidValue,
                    format!("lines[{i}].line"),
                    format!("line {line} appears twice"),
                ));
            }
        }
        if let Some(missing) = self
            .lines
            .iter()
            .find(|l| !conditions.iter().any(|(n, _)| *n == l.order_line))
        {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "lines",
                format!("give the condition of line {} ({})", missing.order_line, missing.sku),
            ));
        }
        for l in &mut self.lines {
            l.condition = conditions.iter().find(|(n, _)| *n == l.order_line).map(|(_, c)| *c);
        }
        self.receipt = Some(ReturnReceipt { by: by.to_owned(), at });
        Ok(())
    }
}

fn damaged_of(s: &crate::order::Shipment, line: u32) -> Qty {
    s.receipt
        .as_ref()
        .map(|r| r.lines.iter().filter(|l| l.line == line).map(|l| l.damaged).sum())
        .unwrap_or(Qty::ZERO)
}

/// The auto-approval rule: every line of a `damaged` return is covered by units the customer
/// reported damaged on receipts of the line's shipments (less what other damaged returns
/// already claim), and the latest such receipt is at most [`AUTO_APPROVE_DAMAGED_DAYS`] old.
/// Returns why it applies, for the decision's record.
fn auto_approval(order: &Order, others: &[&Return], r: &Return) -> Option<String> {
    if r.reason != ReturnReason::Damaged {
        return None;
    }
    let window = Duration::days(AUTO_APPROVE_DAMAGED_DAYS);
    let mut latest: Option<OffsetDateTime> = None;
    for l in &r.lines {
        let mut reported = Qty::ZERO;
        for s in order
            .shipments
            .iter()
            .filter(|s| !s.quantity_of(l.order_line).is_zero())
        {
            let Some(rc) = &s.receipt else { continue };
            if rc.at + window < r.requested_at {
                continue;
            }
            let d = damaged_of(s, l.order_line);
            if !d.is_zero() {
                reported = reported + d;
                latest = Some(latest.map_or(rc.at, |t| t.max(rc.at)));
            }
        }
        let claimed: Qty = others
            .iter()
            .filter(|o| o.id != r.id && o.reason == ReturnReason::Damaged && o.state() != ReturnState::Rejected)
            .flat_map(|o| o.lines.iter())
            .filter(|o| o.order_line == l.order_line)
            .map(|o| o.quantity)
            .sum();
        if reported.saturating_sub(claimed) < l.quantity {
            return None;
        }
    }
    latest.map(|at| {
        format!(
            "approved by rule: reported damaged on receipt on {}, within {AUTO_APPROVE_DAMAGED_DAYS} days",
            at.date()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::{Account, FulfilmentKind, FulfilmentLocation, Location, LocationKind, PaymentTerms};
    use crate::money::Currency;
    use crate::order::{Channel, NewLine, NewOrder, NewShipment, Receipt, ReceiptLine};
    use crate::product::Product;
    use crate::tracking::{TrackingEvent, TrackingStatus};
    use time::macros::datetime;
    use uuid::Uuid;

    fn id<T: From<Uuid>>(n: u128) -> T {
        Uuid::from_u128(n).into()
    }
    fn usd(s: &str) -> Money {
        Money::parse(s, Currency::parse("USD", "c").unwrap(), "a").unwrap()
    }
    const DELIVERED: OffsetDateTime = datetime!(2026-11-08 12:00 UTC);
    const RECEIVED: OffsetDateTime = datetime!(2026-11-09 10:00 UTC);

    /// Line 1: 10 chairs, shipped and delivered; the receipt says 8 fine, 2 damaged.
    /// Line 2: 4 desks, not shipped.
    fn account() -> Account {
        Account {
            id: id(1),
            number: "ACME".into(),
            name: "Acme".into(),
            currency: Currency::parse("USD", "c").unwrap(),
            terms: PaymentTerms { net_days: 30 },
            credit_limit: usd("50000.00"),
            locations: vec![
                Location {
                    id: id(101),
                    kind: LocationKind::BillTo,
                    name: "HQ".into(),
                    address: "1 St".into(),
                    city: "Dallas".into(),
                    postcode: "1".into(),
                    country: "US".into(),
                },
                Location {
                    id: id(102),
                    kind: LocationKind::ShipTo,
                    name: "Dock".into(),
                    address: "2 St".into(),
                    city: "Dallas".into(),
                    postcode: "1".into(),
                    country: "US".into(),
                },
            ],
            contract_prices: vec![],
        }
    }

    fn order(receipt: bool) -> Order {
        let account = account();
        let product = |n: u128, sku: &str| Product {
            id: id(n),
            sku: sku.into(),
            name: sku.into(),
            category: "F".into(),
            list_price: usd("89.00"),
            setup_guide: None,
            care_instructions: None,
            discontinued: false,
        };
        let nl = |p: Product, q: u32| NewLine {
            product: p,
            quantity: Qty::new(q),
            ship_to: id(102),
            requested_date: None,
            po_number: None,
            cost_centre: None,
            project: None,
        };
        let mut o = Order::place(
            &account,
            NewOrder {
                id: id(900),
                number: "SO-1".into(),
                bill_to: id(101),
                po_number: None,
                channel: Channel::Portal,
                placed_at: datetime!(2026-11-02 10:00 UTC),
                freight: None,
                lines: vec![nl(product(301, "CH"), 10), nl(product(302, "DK"), 4)],
            },
        )
        .unwrap();
        let dc = FulfilmentLocation {
            id: id(201),
            code: "DAL".into(),
            name: "Dallas DC".into(),
            kind: FulfilmentKind::Warehouse,
            city: "Dallas".into(),
        };
        o.allocate(1, &dc, Qty::new(10)).unwrap();
        o.ship(NewShipment {
            id: id(500),
            from: dc.id,
            to: id(102),
            lines: vec![(1, Qty::new(10))],
            carrier: "UPS".into(),
            service: None,
            tracking_number: None,
            tracking_url: None,
            packing_slip: None,
            shipped_at: datetime!(2026-11-05 10:00 UTC),
            promised_delivery: None,
            estimated_delivery: None,
        })
        .unwrap();
        o.track(
            id(500),
            TrackingEvent {
                status: TrackingStatus::Delivered,
                occurred_at: DELIVERED,
                location: None,
                description: None,
                carrier_status: None,
            },
        )
        .unwrap();
        if receipt {
            o.receive(
                id(500),
                Receipt {
                    at: RECEIVED,
                    by: "dock".into(),
                    lines: vec![ReceiptLine {
                        line: 1,
                        received: Qty::new(8),
                        damaged: Qty::new(2),
                        wrong_item: Qty::ZERO,
                        note: None,
                    }],
                },
            )
            .unwrap();
        }
        o
    }

    fn ask(reason: ReturnReason, lines: &[(u32, u32)], at: OffsetDateTime) -> NewReturn {
        NewReturn {
            id: ReturnId(Uuid::now_v7()),
            number: "RMA-1".into(),
            reason,
            note: Some("  box crushed ".into()),
            description: None,
            lines: lines
                .iter()
                .map(|&(l, q)| NewReturnLine {
                    order_line: l,
                    quantity: Qty::new(q),
                })
                .collect(),
            requested_by: "buyer".into(),
            on_behalf: false,
            at,
        }
    }

    fn refused(o: &Order, others: &[&Return], n: NewReturn, code: ErrorCode, field: &str) -> Rejection {
        let e = Return::request(o, others, n).expect_err("should be refused");
        assert_eq!((e.code, e.field.as_str()), (code, field), "{e}");
        e
    }

    #[test]
    fn damaged_on_receipt_within_the_window_is_approved_by_rule() {
        let o = order(true);
        let r = Return::request(
            &o,
            &[],
            ask(ReturnReason::Damaged, &[(1, 2)], RECEIVED + Duration::days(3)),
        )
        .unwrap();
        assert_eq!(r.state(), ReturnState::Approved);
        let d = r.decision.as_ref().unwrap();
        assert!(d.automatic && d.approved);
        assert_eq!(r.note.as_deref(), Some("box crushed"));
        assert_eq!(r.lines[0].shipment_id, Some(id(500)));
        assert_eq!(r.value(), usd("178.00"));
    }

    #[test]
    fn the_rule_does_not_apply_late_beyond_reported_damage_or_to_other_reasons() {
        let o = order(true);
        let late = RECEIVED + Duration::days(AUTO_APPROVE_DAMAGED_DAYS) + Duration::hours(1);
        let cases = [
            ask(ReturnReason::Damaged, &[(1, 2)], late),
            ask(ReturnReason::Damaged, &[(1, 3)], RECEIVED),
            ask(ReturnReason::NotNeeded, &[(1, 2)], RECEIVED),
        ];
        for n in cases {
            assert_eq!(Return::request(&o, &[], n).unwrap().state(), ReturnState::Requested);
        }
        // No receipt at all: no evidence, a person decides.
        let r = Return::request(&order(false), &[], ask(ReturnReason::Damaged, &[(1, 2)], RECEIVED)).unwrap();
        assert_eq!(r.state(), ReturnState::Requested);
        // The same damaged units cannot auto-approve twice.
        let first = Return::request(&o, &[], ask(ReturnReason::Damaged, &[(1, 2)], RECEIVED)).unwrap();
        let second = Return::request(&o, &[&first], ask(ReturnReason::Damaged, &[(1, 1)], RECEIVED)).unwrap();
        assert_eq!(second.state(), ReturnState::Requested);
    }

    #[test]
    fn bad_requests_are_refused_naming_the_field() {
        let o = order(true);
        let at = RECEIVED;
        refused(
            &o,
            &[],
            ask(ReturnReason::Damaged, &[(1, 11)], at),
            ErrorCode::InvalidQuantity,
            "lines[0].quantity",
        );
        refused(
            &o,
            &[],
            ask(ReturnReason::Damaged, &[(1, 0)], at),
            ErrorCode::InvalidQuantity,
            "lines[0].quantity",
        );
        refused(
            &o,
            &[],
            ask(ReturnReason::Damaged, &[(2, 1)], at),
            ErrorCode::InvalidState,
            "lines[0].line",
        );
        refused(
            &o,
            &[],
            ask(ReturnReason::Damaged, &[(7, 1)], at),
            ErrorCode::UnknownReference,
            "lines[0].line",
        );
        refused(
            &o,
            &[],
            ask(ReturnReason::Damaged, &[], at),
            ErrorCode::InvalidValue,
            "lines",
        );
        refused(
            &o,
            &[],
            ask(ReturnReason::Damaged, &[(1, 1), (1, 1)], at),
            ErrorCode::InvalidValue,
            "lines[1].line",
        );
        let mut long = ask(ReturnReason::Damaged, &[(1, 1)], at);
        long.note = Some("x".repeat(TextKind::Text.max_chars() + 1));
        refused(&o, &[], long, ErrorCode::InvalidValue, "note");
        assert_eq!(ReturnReason::parse("broken", "reason").unwrap_err().field, "reason");
        assert_eq!(
            ReturnReason::parse("Wrong item", "reason").unwrap(),
            ReturnReason::WrongItem
        );
    }

    #[test]
    fn open_returns_claim_units_and_rejected_ones_release_them() {
        let o = order(true);
        let mut first = Return::request(&o, &[], ask(ReturnReason::NotNeeded, &[(1, 7)], RECEIVED)).unwrap();
        let e = refused(
            &o,
            &[&first],
            ask(ReturnReason::NotNeeded, &[(1, 4)], RECEIVED),
            ErrorCode::InvalidQuantity,
            "lines[0].quantity",
        );
        assert!(
            e.message.contains("7 already on other open returns; at most 3"),
            "{}",
            e.message
        );
        first
            .decide(false, Some("outside policy".into()), "agent", RECEIVED)
            .unwrap();
        Return::request(&o, &[&first], ask(ReturnReason::NotNeeded, &[(1, 10)], RECEIVED)).unwrap();
    }

    #[test]
    fn matching_counts_the_credit_for_returned_units() {
        use crate::invoice::{CreditLine, CreditMemo, Invoice, NewInvoice, NewInvoiceLine, ReturnCredit};
        use crate::matching::{DiscrepancyKind, match_invoice, match_invoice_credited};
        let (a, o) = (account(), order(true));
        let inv = Invoice::issue(
            &a,
            &[&o],
            NewInvoice {
                freight_tax_rate_bp: None,
                id: id(700),
                number: "INV-1".into(),
                currency: a.currency,
                issued_on: RECEIVED.date(),
                lines: vec![NewInvoiceLine {
                    tax_rate_bp: None,
                    order_id: o.id,
                    order_line: 1,
                    shipment_id: Some(id(500)),
                    quantity: Qty::new(10),
                    unit_price: usd("89.00"),
                }],
                tax: Some(usd("0.00")),
                freight: usd("0.00"),
                recorded_at: RECEIVED,
            },
        )
        .unwrap();
        let before = match_invoice(&inv, &[&o], &[]);
        assert_eq!(
            before.lines[0].discrepancies[0].kind,
            DiscrepancyKind::BilledMoreThanReceived
        );
        let memo = |inv_id| CreditMemo {
            applied: Vec::new(),
            id: id(800),
            number: "CM-1".into(),
            account_id: a.id,
            invoice_id: Some(inv_id),
            amount: usd("178.00"),
            reason: "return".into(),
            issued_on: RECEIVED.date(),
            for_return: Some(ReturnCredit {
                return_id: id(600),
                return_number: "RMA-1".into(),
                order_id: o.id,
                invoice_id: inv_id,
                lines: vec![CreditLine {
                    invoice_line: 1,
                    order_line: 1,
                    shipment_id: Some(id(500)),
                    quantity: Qty::new(2),
                    unit_price: usd("89.00"),
                }],
            }),
        };
        let m = memo(inv.id);
        let after = match_invoice_credited(&inv, &[&o], &[], &[&m]);
        assert!(after.matches, "{}", after.summary);
        assert_eq!(after.lines[0].credited, Qty::new(2));
        assert_eq!(after.lines[0].billed_quantity, Qty::new(10));
        assert!(after.summary.contains("CM-1"), "{}", after.summary);
        // A memo crediting another invoice's lines changes nothing here.
        let other = memo(id(701));
        assert!(!match_invoice_credited(&inv, &[&o], &[], &[&other]).matches);
    }

    #[test]
    fn the_life_of_a_return_and_its_refusals() {
        let o = order(true);
        let mut r = Return::request(&o, &[], ask(ReturnReason::Defective, &[(1, 2)], RECEIVED)).unwrap();
        let at = RECEIVED;
        assert_eq!(r.ship_back("UPS", None, "b", at).unwrap_err().field, "state");
        assert_eq!(
            r.receive(&[(1, ReturnCondition::Damaged)], "w", at).unwrap_err().field,
            "state"
        );
        assert_eq!(r.decide(false, None, "agent", at).unwrap_err().field, "reason");
        r.decide(true, None, "agent", at).unwrap();
        assert_eq!(
            r.decide(true, None, "agent", at).unwrap_err().code,
            ErrorCode::InvalidState
        );
        assert_eq!(r.ship_back(" ", None, "b", at).unwrap_err().field, "carrier");
        r.ship_back("UPS", Some("1Z9".into()), "b", at).unwrap();
        assert_eq!(r.state(), ReturnState::ShippedBack);
        assert_eq!(r.receive(&[], "w", at).unwrap_err().field, "lines");
        assert_eq!(
            r.receive(&[(2, ReturnCondition::Damaged)], "w", at).unwrap_err().field,
            "lines[0].line"
        );
        r.receive(&[(1, ReturnCondition::Damaged)], "w", at).unwrap();
        assert_eq!(r.state(), ReturnState::Received);
        assert_eq!(r.lines[0].condition, Some(ReturnCondition::Damaged));
        assert!(!r.state().is_open());
    }
}
