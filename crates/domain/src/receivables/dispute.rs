//! Disputes: a customer arguing with part of an invoice without stalling the rest. A dispute
//! names the invoice lines (and, where it applies, the shipment or return) it concerns and how
//! much of each is contested; it holds a thread with the seller; while open, the disputed amount
//! — and only that — is left out of reminders and dunning. It ends in a credit memo, a corrected
//! invoice, or a rejection with its reason.

use crate::error::{ErrorCode, Rejection, Result};
use crate::ids::{AccountId, CreditMemoId, DisputeId, InvoiceId, PaymentId, ReturnId, ShipmentId};
use crate::invoice::Invoice;
use crate::money::Money;
use crate::quantity::Qty;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisputeReason {
    Damaged,
    ShortShipped,
    PriceDiffers,
    NotReceived,
    Duplicate,
}

impl DisputeReason {
    pub const ALL: [DisputeReason; 5] = [
        DisputeReason::Damaged,
        DisputeReason::ShortShipped,
        DisputeReason::PriceDiffers,
        DisputeReason::NotReceived,
        DisputeReason::Duplicate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DisputeReason::Damaged => "damaged",
            DisputeReason::ShortShipped => "short_shipped",
            DisputeReason::PriceDiffers => "price_differs",
            DisputeReason::NotReceived => "not_received",
            DisputeReason::Duplicate => "duplicate",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DisputeReason::Damaged => "Damaged",
            DisputeReason::ShortShipped => "Short shipped",
            DisputeReason::PriceDiffers => "Price differs",
            DisputeReason::NotReceived => "Not received",
            DisputeReason::Duplicate => "Duplicate invoice",
        }
    }

    pub fn parse(s: &str, field: &str) -> Result<DisputeReason> {
        DisputeReason::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| {
                Rejection::new(
                    ErrorCode::InvalidValue,
                    field,
                    format!(
                        "'{s}' is not a reason; use one of {}",
                        DisputeReason::ALL.map(|r| r.as_str()).join(", ")
                    ),
                )
            })
    }
}

/// One contested invoice line: how many units and how much money.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisputedLine {
    pub invoice_line: u32,
    pub quantity: Option<Qty>,
    pub amount: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisputeMessage {
    pub author: String,
    /// Written by the seller's staff (the customer sees it as the seller's answer).
    pub staff: bool,
    pub text: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Outcome {
    /// Credited by a credit memo against the invoice.
    Credited {
        credit_memo_id: CreditMemoId,
        number: String,
        amount: Money,
    },
    /// The invoice was replaced by a corrected one (the original credited in full).
    Corrected {
        invoice_id: InvoiceId,
        number: String,
        credit_memo_id: CreditMemoId,
    },
    /// The seller stands by the invoice; the amount is due again.
    Rejected { reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    pub outcome: Outcome,
    pub by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dispute {
    pub id: DisputeId,
    pub number: String,
    pub account_id: AccountId,
    pub invoice_id: InvoiceId,
    pub invoice_number: String,
    pub reason: DisputeReason,
    pub lines: Vec<DisputedLine>,
    pub shipment_id: Option<ShipmentId>,
    pub return_id: Option<ReturnId>,
    /// The short payment that opened it, when it was opened by paying less.
    pub payment_id: Option<PaymentId>,
    pub opened_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub opened_at: OffsetDateTime,
    pub messages: Vec<DisputeMessage>,
    pub resolution: Option<Resolution>,
}

/// What a dispute is opened with (validated by [`Dispute::open`]).
#[derive(Debug, Clone)]
pub struct NewDispute {
    pub id: DisputeId,
    pub number: String,
    pub reason: DisputeReason,
    pub lines: Vec<DisputedLine>,
    /// When no lines are named: the amount contested on the invoice as a whole.
    pub amount: Option<Money>,
    pub shipment_id: Option<ShipmentId>,
    pub return_id: Option<ReturnId>,
    pub payment_id: Option<PaymentId>,
    pub message: String,
    pub opened_by: String,
    pub at: OffsetDateTime,
}

/// Most text a message may carry (the API and pages enforce the same through `domain::text`).
const MAX_MESSAGE: usize = 4_000;

impl Dispute {
    /// Opens a dispute on `invoice`. `already_disputed` is what other open disputes on the same
    /// invoice contest: together they never exceed the invoice's open balance.
    pub fn open(invoice: &Invoice, already_disputed: Money, new: NewDispute) -> Result<Dispute> {
        check_message(&new.message, "message")?;
        if new.lines.is_empty() && new.amount.is_none() {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "lines",
                "name the invoice lines in dispute, or the amount",
            ));
        }
        let mut lines = new.lines.clone();
        for (i, l) in lines.iter_mut().enumerate() {
            let f = |s: &str| format!("lines[{i}].{s}");
            let il = invoice.lines.iter().find(|x| x.no == l.invoice_line).ok_or_else(|| {
                Rejection::new(
                    ErrorCode::UnknownReference,
                    f("invoice_line"),
                    format!("invoice {} has no line {}", invoice.number, l.invoice_line),
                )
            })?;
            if new.lines[..i].iter().any(|o| o.invoice_line == l.invoice_line) {
                return Err(Rejection::new(
                    ErrorCode::InvalidValue,
                    f("invoice_line"),
                    "the same line appears twice",
                ));
            }
            if let Some(q) = l.quantity
                && (q.is_zero() || q.get() > il.quantity.get())
            {
                return Err(Rejection::new(
                    ErrorCode::InvalidQuantity,
                    f("quantity"),
                    format!(
                        "line {} billed {}; dispute between 1 and that",
                        il.no,
                        il.quantity.get()
                    ),
                ));
            }
            if l.amount.currency() != invoice.currency {
                return Err(Rejection::new(
                    ErrorCode::CurrencyMismatch,
                    f("amount"),
                    format!("the invoice is in {}", invoice.currency),
                ));
            }
            if l.amount.is_zero()
                && let Some(q) = l.quantity
            {
                l.amount = il.unit_price.times(q.get());
            }
            if !l.amount.is_positive() || l.amount.minor() > il.amount().minor() {
                return Err(Rejection::new(
                    ErrorCode::InvalidValue,
                    f("amount"),
                    format!(
                        "line {} is {}; dispute more than zero and at most that",
                        il.no,
                        il.amount()
                    ),
                ));
            }
        }
        let amount = match new.amount {
            Some(a) if lines.is_empty() => a,
            Some(a) => {
                let sum = sum_lines(&lines, invoice);
                if a != sum {
                    return Err(Rejection::new(
                        ErrorCode::InvalidValue,
                        "amount",
                        format!("the disputed lines add up to {sum}, not {a}"),
                    ));
                }
                a
            }
            None => sum_lines(&lines, invoice),
        };
        if amount.currency() != invoice.currency || !amount.is_positive() {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "amount",
                "the disputed amount must be more than zero, in the invoice's currency",
            ));
        }
        let room = invoice
            .balance()
            .checked_sub(already_disputed)
            .unwrap_or(invoice.balance());
        if amount.minor() > room.minor() {
            return Err(Rejection::new(
                ErrorCode::OverApplication,
                "amount",
                format!(
                    "invoice {} has {} open and {} already in dispute; at most {} can be disputed",
                    invoice.number,
                    invoice.balance(),
                    already_disputed,
                    Money::from_minor(room.minor().max(0), invoice.currency)
                ),
            ));
        }
        // A whole-invoice amount is kept as one pseudo-line 0 so "how much is disputed" has one
        // source of truth: the lines.
        if lines.is_empty() {
            lines.push(DisputedLine {
                invoice_line: 0,
                quantity: None,
                amount,
            });
        }
        Ok(Dispute {
            id: new.id,
            number: new.number,
            account_id: invoice.account_id,
            invoice_id: invoice.id,
            invoice_number: invoice.number.clone(),
            reason: new.reason,
            lines,
            shipment_id: new.shipment_id,
            return_id: new.return_id,
            payment_id: new.payment_id,
            opened_by: new.opened_by.clone(),
            opened_at: new.at,
            messages: vec![DisputeMessage {
                author: new.opened_by,
                staff: false,
                text: new.message.trim().to_owned(),
                at: new.at,
            }],
            resolution: None,
        })
    }

    pub fn is_open(&self) -> bool {
        self.resolution.is_none()
    }

    pub fn amount(&self) -> Money {
        self.lines
            .iter()
            .skip(1)
            .fold(self.lines[0].amount, |a, l| a.checked_add(l.amount).unwrap_or(a))
    }

    /// What it holds out of dunning now: its amount while open, nothing once resolved.
    pub fn held(&self) -> Money {
        if self.is_open() {
            self.amount()
        } else {
            Money::zero(self.amount().currency())
        }
    }

    pub fn post(&mut self, author: &str, staff: bool, text: &str, at: OffsetDateTime) -> Result<()> {
        if !self.is_open() {
            return Err(Rejection::new(
                ErrorCode::InvalidState,
                "dispute",
                "the dispute is resolved; open a case or a new dispute",
            ));
        }
        check_message(text, "text")?;
        self.messages.push(DisputeMessage {
            author: author.to_owned(),
            staff,
            text: text.trim().to_owned(),
            at,
        });
        Ok(())
    }

    /// Ends the dispute. A credit may not exceed the disputed amount; a rejection needs a reason.
    pub fn resolve(&mut self, outcome: Outcome, by: &str, at: OffsetDateTime) -> Result<()> {
        if !self.is_open() {
            return Err(Rejection::new(
                ErrorCode::InvalidState,
                "dispute",
                "the dispute was already resolved",
            ));
        }
        match &outcome {
            Outcome::Credited { amount, .. } if amount.minor() > self.amount().minor() || !amount.is_positive() => {
                return Err(Rejection::new(
                    ErrorCode::OverApplication,
                    "amount",
                    format!("credit more than zero and at most the disputed {}", self.amount()),
                ));
            }
            Outcome::Rejected { reason } if reason.trim().is_empty() => {
                return Err(Rejection::new(
                    ErrorCode::InvalidValue,
                    "reason",
                    "say why the dispute is rejected; the customer reads it",
                ));
            }
            _ => {}
        }
        self.resolution = Some(Resolution {
            outcome,
            by: by.to_owned(),
            at,
        });
        Ok(())
    }
}

fn sum_lines(lines: &[DisputedLine], invoice: &Invoice) -> Money {
    lines.iter().fold(Money::zero(invoice.currency), |a, l| {
        a.checked_add(l.amount).unwrap_or(a)
    })
}

fn check_message(text: &str, field: &str) -> Result<()> {
    let t = text.trim();
    if t.is_empty() {
        return Err(Rejection::new(ErrorCode::InvalidValue, field, "say what is wrong"));
    }
    if t.chars().count() > MAX_MESSAGE {
        return Err(Rejection::new(
            ErrorCode::InvalidValue,
            field,
            format!("at most {MAX_MESSAGE} characters"),
        ));
    }
    Ok(())
}
