//! Paying online: a customer's finance user pays several invoices in one go (part of some),
//! by card or bank debit through the payment provider. Money is applied only when the provider
//! confirms it: at once for a card, days later for a bank debit, which may instead fail — and
//! a debit that settled may still come back, which reverses its payment cleanly.

use crate::error::{ErrorCode, Rejection, Result};
use crate::ids::{AccountId, InvoiceId, OnlinePaymentId, PaymentId, SavedMethodId};
use crate::invoice::{Invoice, Payment, PaymentApplication, PaymentMethod};
use crate::money::{Currency, Money};
use crate::receivables::dispute::DisputeReason;
use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MethodKind {
    Card,
    BankDebit,
}

impl MethodKind {
    pub fn payment_method(self) -> PaymentMethod {
        match self {
            MethodKind::Card => PaymentMethod::Card,
            MethodKind::BankDebit => PaymentMethod::Ach,
        }
    }
}

/// Why an invoice is paid for less than its balance: the rest comes later, or a dispute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "reason")]
pub enum ShortReason {
    /// A partial payment: the rest will be paid later; nothing is disputed.
    Later,
    Dispute(DisputeReason),
}

impl ShortReason {
    pub fn parse(s: &str, field: &str) -> Result<ShortReason> {
        match s.trim() {
            "later" | "partial" => Ok(ShortReason::Later),
            other => DisputeReason::parse(other, field)
                .map(ShortReason::Dispute)
                .map_err(|_| {
                    Rejection::new(
                        ErrorCode::InvalidValue,
                        field,
                        format!(
                            "'{other}' is not a reason; use later, or one of {}",
                            DisputeReason::ALL.map(|r| r.as_str()).join(", ")
                        ),
                    )
                }),
        }
    }
}

/// One invoice in a payment request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayInvoice {
    pub invoice_id: InvoiceId,
    pub amount: Money,
    /// Required when `amount` is less than what is open.
    pub short: Option<ShortReason>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    pub invoice_id: InvoiceId,
    pub invoice_number: String,
    pub amount: Money,
    /// The balance left open by this payment, and why, when it pays less than the balance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short: Option<ShortReason>,
}

/// Checks a payment request against the invoices (each of the paying account). `in_flight`
/// holds, per invoice, what other online payments still processing will pay; it cannot be paid
/// twice. `disputed` holds what open disputes contest: paying the rest needs no reason. Paying more than is open is refused unless `excess_to_credit` (the user said the rest
/// should stay on account); then the excess is returned as account credit.
pub fn allocate(
    account: AccountId,
    currency: Currency,
    invoices: &[&Invoice],
    in_flight: &[(InvoiceId, Money)],
    disputed: &[(InvoiceId, Money)],
    requests: &[PayInvoice],
    excess_to_credit: bool,
) -> Result<(Vec<Allocation>, Money)> {
    if requests.is_empty() {
        return Err(Rejection::new(
            ErrorCode::InvalidValue,
            "invoices",
            "choose at least one invoice to pay",
        ));
    }
    let mut out = Vec::with_capacity(requests.len());
    let mut excess = Money::zero(currency);
    for (i, r) in requests.iter().enumerate() {
        let f = |s: &str| format!("invoices[{i}].{s}");
        if requests[..i].iter().any(|o| o.invoice_id == r.invoice_id) {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                f("invoice_id"),
                "the same invoice appears twice",
            ));
        }
        let inv = invoices
            .iter()
            .find(|v| v.id == r.invoice_id)
            .ok_or_else(|| Rejection::new(ErrorCode::UnknownReference, f("invoice_id"), "no such invoice"))?;
        if inv.account_id != account {
            return Err(Rejection::new(
                ErrorCode::ForeignAccount,
                f("invoice_id"),
                format!("invoice {} belongs to another account", inv.number),
            ));
        }
        if r.amount.currency() != currency {
            return Err(Rejection::new(
                ErrorCode::CurrencyMismatch,
                f("amount"),
                format!("the account pays in {currency}"),
            ));
        }
        if !r.amount.is_positive() {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                f("amount"),
                "must be greater than zero",
            ));
        }
        let flying = in_flight
            .iter()
            .filter(|(id, _)| *id == inv.id)
            .fold(Money::zero(currency), |a, (_, m)| a.checked_add(*m).unwrap_or(a));
        let open = inv.balance().checked_sub(flying).unwrap_or(inv.balance());
        // Paying everything not already in dispute is paying in full: no reason is asked again.
        let held = disputed
            .iter()
            .filter(|(id, _)| *id == inv.id)
            .fold(Money::zero(currency), |a, (_, m)| a.checked_add(*m).unwrap_or(a));
        let undisputed = open.checked_sub(held).unwrap_or(open);
        if !open.is_positive() {
            return Err(Rejection::new(
                ErrorCode::InvalidState,
                f("invoice_id"),
                if flying.is_positive() {
                    format!(
                        "invoice {} is already being paid by a payment still processing",
                        inv.number
                    )
                } else {
                    format!("invoice {} is paid", inv.number)
                },
            ));
        }
        let mut amount = r.amount;
        let mut short = None;
        if r.amount.minor() > open.minor() {
            if !excess_to_credit {
                return Err(Rejection::new(
                    ErrorCode::OverApplication,
                    f("amount"),
                    format!(
                        "invoice {} has {open} open; paying {} would leave {} on account — say so to keep it as credit",
                        inv.number,
                        r.amount,
                        r.amount.checked_sub(open).unwrap_or(r.amount)
                    ),
                ));
            }
            excess = excess
                .checked_add(r.amount.checked_sub(open).unwrap_or(Money::zero(currency)))
                .unwrap_or(excess);
            amount = open;
        } else if r.amount.minor() < undisputed.minor() {
            short = Some(r.short.ok_or_else(|| {
                Rejection::new(
                    ErrorCode::InvalidValue,
                    f("short_reason"),
                    format!(
                        "paying {} of {open} on invoice {}: say why (later, damaged, short_shipped, price_differs, not_received, duplicate)",
                        r.amount, inv.number
                    ),
                )
            })?);
        }
        out.push(Allocation {
            invoice_id: inv.id,
            invoice_number: inv.number.clone(),
            amount,
            short,
        });
    }
    Ok((out, excess))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum OnlineState {
    /// Recorded; the provider was not asked yet (or its answer was lost: retried with the same key).
    Requested,
    /// A bank debit in flight.
    Processing,
    /// Confirmed; the payment was applied.
    Succeeded { payment_id: PaymentId },
    /// Declined or failed; nothing was applied.
    Failed { code: String, message: String },
    /// Settled, then came back: the payment was reversed.
    Reversed {
        payment_id: PaymentId,
        code: String,
        message: String,
    },
    /// The customer must authenticate at the provider (3-D Secure).
    RequiresAction,
}

impl OnlineState {
    pub fn as_str(&self) -> &'static str {
        match self {
            OnlineState::Requested => "requested",
            OnlineState::Processing => "processing",
            OnlineState::Succeeded { .. } => "succeeded",
            OnlineState::Failed { .. } => "failed",
            OnlineState::Reversed { .. } => "reversed",
            OnlineState::RequiresAction => "requires_action",
        }
    }

    /// Still reserving its invoices' balances (so they cannot be paid twice, and dunning waits).
    pub fn in_flight(&self) -> bool {
        matches!(
            self,
            OnlineState::Requested | OnlineState::Processing | OnlineState::RequiresAction
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnlinePayment {
    pub id: OnlinePaymentId,
    pub number: String,
    pub account_id: AccountId,
    pub method_id: SavedMethodId,
    pub method_kind: MethodKind,
    /// "Visa •••• 4242", as shown when it was paid.
    pub method_label: String,
    pub amount: Money,
    pub allocations: Vec<Allocation>,
    /// Paid beyond the invoices' balances, kept as account credit (the user asked for it).
    pub to_credit: Money,
    pub provider: String,
    pub provider_id: Option<String>,
    pub state: OnlineState,
    pub autopay: bool,
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl OnlinePayment {
    /// What is reserved on `invoice` while this payment is in flight.
    pub fn reserved_on(&self, invoice: InvoiceId) -> Money {
        if !self.state.in_flight() {
            return Money::zero(self.amount.currency());
        }
        self.allocations
            .iter()
            .filter(|a| a.invoice_id == invoice)
            .fold(Money::zero(self.amount.currency()), |a, x| {
                a.checked_add(x.amount).unwrap_or(a)
            })
    }

    /// The provider confirmed the money: builds the payment that settles the invoices. An invoice
    /// paid meanwhile by other means takes only what it still owes; the rest stays on account.
    pub fn settle(&mut self, payment_id: PaymentId, invoices: &mut [Invoice], at: OffsetDateTime) -> Result<Payment> {
        if !self.state.in_flight() {
            return Err(Rejection::new(
                ErrorCode::InvalidState,
                "state",
                format!("payment {} is {}, not in flight", self.number, self.state.as_str()),
            ));
        }
        let mut applications = Vec::new();
        for a in &self.allocations {
            let Some(inv) = invoices.iter().find(|i| i.id == a.invoice_id) else {
                continue;
            };
            let take = Money::from_minor(a.amount.minor().min(inv.balance().minor()), a.amount.currency());
            if take.is_positive() {
                applications.push(PaymentApplication {
                    invoice_id: a.invoice_id,
                    amount: take,
                });
            }
        }
        let payment = Payment {
            id: payment_id,
            account_id: self.account_id,
            method: self.method_kind.payment_method(),
            amount: self.amount,
            reference: Some(self.number.clone()),
            received_at: at,
            applications,
            reversal: None,
        };
        for app in &payment.applications {
            if let Some(inv) = invoices.iter_mut().find(|i| i.id == app.invoice_id) {
                inv.apply(
                    crate::invoice::SettlementSource::Payment(payment.id),
                    app.amount,
                    at,
                    "amount",
                )?;
            }
        }
        self.state = OnlineState::Succeeded { payment_id };
        self.updated_at = at;
        Ok(payment)
    }

    /// Moves to a state the provider reported that needs no money moved (processing, failed
    /// before settling, requires action). A final state is never left, except by `settle`'s
    /// reversal path; a stale report is ignored (returns false).
    pub fn report(&mut self, state: OnlineState, at: OffsetDateTime) -> bool {
        let allowed = matches!(
            (&self.state, &state),
            (
                OnlineState::Requested | OnlineState::RequiresAction,
                OnlineState::Processing | OnlineState::Failed { .. } | OnlineState::RequiresAction
            ) | (OnlineState::Processing, OnlineState::Failed { .. })
        );
        if allowed && self.state != state {
            self.state = state;
            self.updated_at = at;
            true
        } else {
            false
        }
    }

    /// A settled payment came back: records the reversal (the caller reverses the `Payment`).
    pub fn reversed(&mut self, code: &str, message: &str, at: OffsetDateTime) -> Result<PaymentId> {
        let OnlineState::Succeeded { payment_id } = self.state else {
            return Err(Rejection::new(
                ErrorCode::InvalidState,
                "state",
                format!("payment {} did not settle; nothing to reverse", self.number),
            ));
        };
        self.state = OnlineState::Reversed {
            payment_id,
            code: code.to_owned(),
            message: message.to_owned(),
        };
        self.updated_at = at;
        Ok(payment_id)
    }
}

/// An account's standing instruction: pay what falls due `days_before_due` days ahead, with the
/// saved method, never more than `max_amount` in one run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Autopay {
    pub method_id: SavedMethodId,
    pub days_before_due: u8,
    pub max_amount: Money,
    pub enabled: bool,
}

impl Autopay {
    pub fn validate(&self, currency: Currency) -> Result<()> {
        if self.days_before_due > 30 {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "days_before_due",
                "between 0 and 30 days",
            ));
        }
        if self.max_amount.currency() != currency {
            return Err(Rejection::new(
                ErrorCode::CurrencyMismatch,
                "max_amount.currency",
                format!("the account pays in {currency}"),
            ));
        }
        if !self.max_amount.is_positive() {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "max_amount",
                "must be greater than zero",
            ));
        }
        Ok(())
    }

    /// What autopay pays today: invoices due within the window, oldest due first, with what is
    /// payable (open − disputed − in flight), as many whole invoices as fit under the maximum.
    /// Returns the invoices paid and those left out because they would exceed it.
    pub fn select(
        &self,
        candidates: &[(InvoiceId, Date, Money)],
        today: Date,
    ) -> (Vec<(InvoiceId, Money)>, Vec<InvoiceId>) {
        let mut due: Vec<&(InvoiceId, Date, Money)> = candidates
            .iter()
            .filter(|(_, due_on, payable)| {
                payable.is_positive() && *due_on - Duration::days(i64::from(self.days_before_due)) <= today
            })
            .collect();
        due.sort_by_key(|(id, d, _)| (*d, *id));
        let mut total = Money::zero(self.max_amount.currency());
        let (mut pay, mut skipped) = (Vec::new(), Vec::new());
        for (id, _, amount) in due {
            match total.checked_add(*amount) {
                Some(t) if t.minor() <= self.max_amount.minor() => {
                    total = t;
                    pay.push((*id, *amount));
                }
                _ => skipped.push(*id),
            }
        }
        (pay, skipped)
    }
}
