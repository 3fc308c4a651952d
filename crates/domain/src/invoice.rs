//! Invoices (lines referencing order lines and shipments), credit memos and payments, and how
//! payments and credits settle invoices partially or in full.

use crate::account::Account;
use crate::approval::ApprovalState;
use crate::error::{ErrorCode, Rejection, Result};
use crate::ids::{AccountId, CreditMemoId, InvoiceId, OrderId, PaymentId, ReturnId, ShipmentId};
use crate::money::{Currency, Money};
use crate::order::Order;
use crate::quantity::Qty;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLine {
    pub no: u32,
    pub order_id: OrderId,
    pub order_line: u32,
    pub shipment_id: Option<ShipmentId>,
    pub sku: String,
    pub description: String,
    pub quantity: Qty,
    pub unit_price: Money,
    /// The line's tax rate in basis points (2000 = 20 %), when the invoice was issued with
    /// per-line rates (e-invoicing needs them; older invoices carry one tax amount only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_rate_bp: Option<u32>,
}

impl InvoiceLine {
    pub fn amount(&self) -> Money {
        self.unit_price.times(self.quantity.get())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum SettlementSource {
    Payment(PaymentId),
    CreditMemo(CreditMemoId),
}

/// An amount of a payment or credit memo applied to an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    pub source: SettlementSource,
    pub amount: Money,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invoice {
    pub id: InvoiceId,
    pub number: String,
    pub account_id: AccountId,
    pub currency: Currency,
    pub issued_on: Date,
    pub due_on: Date,
    pub lines: Vec<InvoiceLine>,
    pub tax: Money,
    pub freight: Money,
    /// Tax rate on the freight, when lines carry rates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freight_tax_rate_bp: Option<u32>,
    pub applications: Vec<Application>,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
    /// Set when a dispute's resolution replaced this invoice with a corrected one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced_by: Option<InvoiceId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatus {
    Open,
    PartiallyPaid,
    Overdue,
    Paid,
}

impl InvoiceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            InvoiceStatus::Open => "open",
            InvoiceStatus::PartiallyPaid => "partially_paid",
            InvoiceStatus::Overdue => "overdue",
            InvoiceStatus::Paid => "paid",
        }
    }
}

pub struct NewInvoiceLine {
    pub order_id: OrderId,
    pub order_line: u32,
    pub shipment_id: Option<ShipmentId>,
    pub quantity: Qty,
    pub unit_price: Money,
    pub tax_rate_bp: Option<u32>,
}

pub struct NewInvoice {
    pub id: InvoiceId,
    pub number: String,
    pub currency: Currency,
    pub issued_on: Date,
    pub lines: Vec<NewInvoiceLine>,
    /// With per-line rates, `None` means "compute it from the rates".
    pub tax: Option<Money>,
    pub freight: Money,
    pub freight_tax_rate_bp: Option<u32>,
    pub recorded_at: OffsetDateTime,
}

/// Largest tax rate accepted (100 %): anything above is a typing error.
const MAX_TAX_RATE_BP: u32 = 10_000;

/// Parses a tax rate written as a percentage ("20", "5.5", "8.25", "0") into basis points.
pub fn parse_percent_bp(s: &str, field: &str) -> Result<u32> {
    let t = s.trim().trim_end_matches('%').trim();
    let bad = || {
        Rejection::new(
            ErrorCode::InvalidValue,
            field,
            format!("'{s}' is not a percentage like 20 or 8.25"),
        )
    };
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty()
        || whole.len() > 3
        || frac.len() > 2
        || !whole.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let w: u32 = whole.parse().map_err(|_| bad())?;
    let f: u32 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
    let bp = w * 100 + f;
    if bp > MAX_TAX_RATE_BP {
        return Err(Rejection::new(
            ErrorCode::InvalidValue,
            field,
            "a tax rate is at most 100 %",
        ));
    }
    Ok(bp)
}

/// A rate in basis points as people write it ("20", "8.25", "5.5").
pub fn percent_string(bp: u32) -> String {
    let (w, f) = (bp / 100, bp % 100);
    match f {
        0 => w.to_string(),
        f if f % 10 == 0 => format!("{w}.{}", f / 10),
        f => format!("{w}.{f:02}"),
    }
}

/// Tax on `base` at `rate_bp`, rounded half away from zero to the currency's minor unit (the
/// EN 16931 rule, per rate group).
pub fn tax_at(base: Money, rate_bp: u32) -> Money {
    let t = i128::from(base.minor()) * i128::from(rate_bp);
    let q = (t.abs() + 5_000) / 10_000;
    let q = if t < 0 { -q } else { q };
    Money::from_minor(i64::try_from(q).unwrap_or(i64::MAX), base.currency())
}

impl Invoice {
    /// Issues an invoice to `account`. Structural errors are refused (lines of another account's
    /// orders, unknown lines or shipments, currency mismatch); commercial differences (billed
    /// before shipped, price variance…) are accepted and explained by matching.
    pub fn issue(account: &Account, orders: &[&Order], new: NewInvoice) -> Result<Invoice> {
        if new.currency != account.currency {
            return Err(Rejection::new(
                ErrorCode::CurrencyMismatch,
                "currency",
                format!(
                    "account {} is billed in {}, not {}",
                    account.number, account.currency, new.currency
                ),
            ));
        }
        if new.lines.is_empty() {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "lines",
                "an invoice needs at least one line",
            ));
        }
        check_amount(new.freight, new.currency, "freight", true)?;
        if let Some(t) = new.tax {
            check_amount(t, new.currency, "tax", true)?;
        }
        let rated = new.lines.iter().filter(|l| l.tax_rate_bp.is_some()).count();
        if rated != 0 && rated != new.lines.len() {
            let i = new.lines.iter().position(|l| l.tax_rate_bp.is_none()).unwrap_or(0);
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                format!("lines[{i}].tax_rate"),
                "give every line a tax rate, or none",
            ));
        }
        for (i, l) in new.lines.iter().enumerate() {
            if l.tax_rate_bp.is_some_and(|r| r > MAX_TAX_RATE_BP) {
                return Err(Rejection::new(
                    ErrorCode::InvalidValue,
                    format!("lines[{i}].tax_rate"),
                    "a tax rate is at most 100 %",
                ));
            }
        }
        if new.freight_tax_rate_bp.is_some_and(|r| r > MAX_TAX_RATE_BP) {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "freight_tax_rate",
                "a tax rate is at most 100 %",
            ));
        }
        if rated == 0 && new.freight_tax_rate_bp.is_some() {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "freight_tax_rate",
                "a freight tax rate needs tax rates on the lines",
            ));
        }
        if rated == 0 && new.tax.is_none() {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "tax",
                "give the tax amount, or a tax rate on every line",
            ));
        }
        let mut lines = Vec::with_capacity(new.lines.len());
        for (i, nl) in new.lines.into_iter().enumerate() {
            let f = |s: &str| format!("lines[{i}].{s}");
            let order = orders
                .iter()
                .find(|o| o.id == nl.order_id)
                .ok_or_else(|| Rejection::new(ErrorCode::UnknownReference, f("order_id"), "no such order"))?;
            if order.account_id != account.id {
                return Err(Rejection::new(
                    ErrorCode::ForeignAccount,
                    f("order_id"),
                    format!("order {} belongs to another account", order.number),
                ));
            }
            if let Some(wf) = &order.approval {
                match wf.state() {
                    ApprovalState::Approved => {}
                    ApprovalState::Pending { .. } => {
                        return Err(Rejection::new(
                            ErrorCode::OrderNotApproved,
                            f("order_id"),
                            format!(
                                "order {} is still awaiting approval; it cannot be invoiced until it is approved",
                                order.number
                            ),
                        ));
                    }
                    ApprovalState::Rejected => {
                        return Err(Rejection::new(
                            ErrorCode::OrderNotApproved,
                            f("order_id"),
                            format!(
                                "order {} was rejected in approval and will not be fulfilled; it cannot be invoiced",
                                order.number
                            ),
                        ));
                    }
                }
            }
            let line = order.line(nl.order_line).ok_or_else(|| {
                Rejection::new(
                    ErrorCode::UnknownReference,
                    f("order_line"),
                    format!("order {} has no line {}", order.number, nl.order_line),
                )
            })?;
            if let Some(sid) = nl.shipment_id {
                let s = order.shipment(sid).ok_or_else(|| {
                    Rejection::new(
                        ErrorCode::UnknownReference,
                        f("shipment_id"),
                        format!("order {} has no such shipment", order.number),
                    )
                })?;
                if s.quantity_of(nl.order_line).is_zero() {
                    return Err(Rejection::new(
                        ErrorCode::UnknownReference,
                        f("shipment_id"),
                        format!("the shipment does not carry line {}", nl.order_line),
                    ));
                }
            }
            check_amount(nl.unit_price, new.currency, &f("unit_price"), true)?;
            lines.push(InvoiceLine {
                no: u32::try_from(i + 1).unwrap_or(u32::MAX),
                order_id: nl.order_id,
                order_line: nl.order_line,
                shipment_id: nl.shipment_id,
                sku: line.sku.clone(),
                description: line.description.clone(),
                quantity: nl.quantity,
                unit_price: nl.unit_price,
                tax_rate_bp: nl.tax_rate_bp,
            });
        }
        let computed = (rated > 0).then(|| rated_tax(&lines, new.freight, new.freight_tax_rate_bp, new.currency));
        let tax = match (new.tax, computed) {
            (Some(given), Some(c)) if given != c => {
                return Err(Rejection::new(
                    ErrorCode::InvalidValue,
                    "tax",
                    format!("the lines' tax rates give {c}, not {given}"),
                ));
            }
            (_, Some(c)) => c,
            (Some(given), None) => given,
            (None, None) => Money::zero(new.currency),
        };
        Ok(Invoice {
            id: new.id,
            number: new.number,
            account_id: account.id,
            currency: new.currency,
            issued_on: new.issued_on,
            due_on: account.terms.due_date(new.issued_on),
            lines,
            tax,
            freight: new.freight,
            freight_tax_rate_bp: new.freight_tax_rate_bp,
            applications: Vec::new(),
            recorded_at: new.recorded_at,
            replaced_by: None,
        })
    }

    /// The tax per rate (basis points → taxable base, tax), freight included at its own rate;
    /// `None` when the invoice was issued with one tax amount and no rates.
    pub fn tax_breakdown(&self) -> Option<Vec<(u32, Money, Money)>> {
        if self.lines.iter().any(|l| l.tax_rate_bp.is_none()) {
            return None;
        }
        Some(rate_groups(
            &self.lines,
            self.freight,
            self.freight_tax_rate_bp,
            self.currency,
        ))
    }

    /// Takes back every application of `source` (a payment that bounced); returns how much.
    pub fn unapply(&mut self, source: SettlementSource) -> Money {
        let taken = self
            .applications
            .iter()
            .filter(|a| a.source == source)
            .fold(Money::zero(self.currency), |a, p| a.checked_add(p.amount).unwrap_or(a));
        self.applications.retain(|a| a.source != source);
        taken
    }

    pub fn subtotal(&self) -> Money {
        self.lines.iter().fold(Money::zero(self.currency), |a, l| {
            a.checked_add(l.amount()).unwrap_or(a)
        })
    }

    pub fn total(&self) -> Money {
        let t = self
            .subtotal()
            .checked_add(self.tax)
            .and_then(|m| m.checked_add(self.freight));
        t.unwrap_or(self.subtotal())
    }

    pub fn settled(&self) -> Money {
        self.applications
            .iter()
            .fold(Money::zero(self.currency), |a, p| a.checked_add(p.amount).unwrap_or(a))
    }

    pub fn balance(&self) -> Money {
        self.total().checked_sub(self.settled()).unwrap_or(self.total())
    }

    pub fn status(&self, today: Date) -> InvoiceStatus {
        if !self.balance().is_positive() {
            InvoiceStatus::Paid
        } else if today > self.due_on {
            InvoiceStatus::Overdue
        } else if self.settled().is_positive() {
            InvoiceStatus::PartiallyPaid
        } else {
            InvoiceStatus::Open
        }
    }

    pub fn order_ids(&self) -> Vec<OrderId> {
        let mut v: Vec<OrderId> = self.lines.iter().map(|l| l.order_id).collect();
        v.sort();
        v.dedup();
        v
    }

    /// Applies part of a payment or credit; refuses more than the open balance.
    pub fn apply(&mut self, source: SettlementSource, amount: Money, at: OffsetDateTime, field: &str) -> Result<()> {
        check_amount(amount, self.currency, field, false)?;
        if amount.minor() > self.balance().minor() {
            return Err(Rejection::new(
                ErrorCode::OverApplication,
                field,
                format!(
                    "invoice {} has {} open; cannot apply {}",
                    self.number,
                    self.balance(),
                    amount
                ),
            ));
        }
        self.applications.push(Application { source, amount, at });
        Ok(())
    }
}

fn rate_groups(
    lines: &[InvoiceLine],
    freight: Money,
    freight_rate: Option<u32>,
    cur: Currency,
) -> Vec<(u32, Money, Money)> {
    let mut groups: Vec<(u32, Money)> = Vec::new();
    let mut add = |rate: u32, m: Money| match groups.iter_mut().find(|(r, _)| *r == rate) {
        Some((_, b)) => *b = b.checked_add(m).unwrap_or(*b),
        None => groups.push((rate, m)),
    };
    for l in lines {
        add(l.tax_rate_bp.unwrap_or(0), l.amount());
    }
    if freight.is_positive() {
        add(freight_rate.unwrap_or(0), freight);
    }
    groups.sort_by_key(|(r, _)| std::cmp::Reverse(*r));
    let _ = cur;
    groups.into_iter().map(|(r, base)| (r, base, tax_at(base, r))).collect()
}

fn rated_tax(lines: &[InvoiceLine], freight: Money, freight_rate: Option<u32>, cur: Currency) -> Money {
    rate_groups(lines, freight, freight_rate, cur)
        .iter()
        .fold(Money::zero(cur), |a, (_, _, t)| a.checked_add(*t).unwrap_or(a))
}

fn check_amount(m: Money, currency: Currency, field: &str, zero_ok: bool) -> Result<()> {
    if m.currency() != currency {
        return Err(Rejection::new(
            ErrorCode::CurrencyMismatch,
            field,
            format!("expected {currency}, got {}", m.currency()),
        ));
    }
    if m.is_negative() || (!zero_ok && m.is_zero()) {
        return Err(Rejection::new(
            ErrorCode::InvalidValue,
            field,
            if zero_ok {
                "must not be negative"
            } else {
                "must be greater than zero"
            },
        ));
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    Card,
    Ach,
    Wire,
    Cheque,
}

impl PaymentMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethod::Card => "card",
            PaymentMethod::Ach => "ach",
            PaymentMethod::Wire => "wire",
            PaymentMethod::Cheque => "cheque",
        }
    }

    /// Parses a payment method ignoring ASCII case and surrounding spaces (`"ACH"`, `"Card"`);
    /// `check` is accepted for `cheque`.
    pub fn parse(s: &str, field: &str) -> Result<PaymentMethod> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "card" => PaymentMethod::Card,
            "ach" => PaymentMethod::Ach,
            "wire" => PaymentMethod::Wire,
            "cheque" | "check" => PaymentMethod::Cheque,
            _ => {
                return Err(Rejection::new(
                    ErrorCode::InvalidValue,
                    field,
                    format!("'{s}' is not one of card, ach, wire, cheque"),
                ));
            }
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentApplication {
    pub invoice_id: InvoiceId,
    pub amount: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub id: PaymentId,
    pub account_id: AccountId,
    pub method: PaymentMethod,
    pub amount: Money,
    pub reference: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
    pub applications: Vec<PaymentApplication>,
    /// Set when the money came back (a bank debit returned after it settled, a bounced
    /// cheque): the applications were taken back off the invoices and it counts for nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reversal: Option<Reversal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reversal {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The provider's or bank's code (`R01`, `card_declined`…), when there is one.
    pub code: Option<String>,
    pub reason: String,
}

impl Payment {
    pub fn is_reversed(&self) -> bool {
        self.reversal.is_some()
    }

    /// Reverses a payment: every application comes off its invoice and the payment no longer
    /// counts. Refused when it was already reversed. `invoices` must hold every invoice the
    /// payment was applied to.
    pub fn reverse(&mut self, invoices: &mut [Invoice], reversal: Reversal) -> Result<()> {
        if self.reversal.is_some() {
            return Err(Rejection::new(
                ErrorCode::InvalidState,
                "payment",
                "the payment was already reversed",
            ));
        }
        for app in &self.applications {
            if !invoices.iter().any(|i| i.id == app.invoice_id) {
                return Err(Rejection::new(
                    ErrorCode::UnknownReference,
                    "applications",
                    "an invoice the payment was applied to is missing",
                ));
            }
        }
        for inv in invoices.iter_mut() {
            inv.unapply(SettlementSource::Payment(self.id));
        }
        self.reversal = Some(reversal);
        Ok(())
    }

    /// Applies more of the payment's unapplied amount (account credit) to `invoice`.
    pub fn apply_more(&mut self, invoice: &mut Invoice, amount: Money, at: OffsetDateTime) -> Result<()> {
        if self.reversal.is_some() {
            return Err(Rejection::new(
                ErrorCode::InvalidState,
                "payment",
                "a reversed payment cannot be applied",
            ));
        }
        if invoice.account_id != self.account_id {
            return Err(Rejection::new(
                ErrorCode::ForeignAccount,
                "invoice_id",
                format!("invoice {} belongs to another account", invoice.number),
            ));
        }
        if amount.minor() > self.unapplied().minor() {
            return Err(Rejection::new(
                ErrorCode::OverApplication,
                "amount",
                format!("the payment has {} unapplied; cannot apply {amount}", self.unapplied()),
            ));
        }
        invoice.apply(SettlementSource::Payment(self.id), amount, at, "amount")?;
        match self.applications.iter_mut().find(|a| a.invoice_id == invoice.id) {
            Some(a) => a.amount = a.amount.checked_add(amount).unwrap_or(a.amount),
            None => self.applications.push(PaymentApplication {
                invoice_id: invoice.id,
                amount,
            }),
        }
        Ok(())
    }

    pub fn unapplied(&self) -> Money {
        if self.reversal.is_some() {
            return Money::zero(self.amount.currency());
        }
        self.applications
            .iter()
            .fold(self.amount, |a, p| a.checked_sub(p.amount).unwrap_or(a))
    }

    /// Records a payment and applies it across `invoices` (each of `account`). All-or-nothing:
    /// the invoices are only changed when every application is valid.
    pub fn receive(account: &Account, mut payment: Payment, invoices: &mut [Invoice]) -> Result<Payment> {
        check_amount(payment.amount, account.currency, "amount", false)?;
        let mut total = Money::zero(account.currency);
        let mut staged: Vec<Invoice> = invoices.to_vec();
        for (i, app) in payment.applications.iter().enumerate() {
            let field = format!("applications[{i}].amount");
            let inv = staged.iter_mut().find(|inv| inv.id == app.invoice_id).ok_or_else(|| {
                Rejection::new(
                    ErrorCode::UnknownReference,
                    format!("applications[{i}].invoice_id"),
                    "no such invoice",
                )
            })?;
            if inv.account_id != account.id {
                return Err(Rejection::new(
                    ErrorCode::ForeignAccount,
                    format!("applications[{i}].invoice_id"),
                    format!("invoice {} belongs to another account", inv.number),
                ));
            }
            inv.apply(
                SettlementSource::Payment(payment.id),
                app.amount,
                payment.received_at,
                &field,
            )?;
            total = total.checked_add(app.amount).ok_or_else(|| {
                Rejection::new(
                    ErrorCode::CurrencyMismatch,
                    field.clone(),
                    "currency differs from the payment",
                )
            })?;
        }
        if total.minor() > payment.amount.minor() {
            return Err(Rejection::new(
                ErrorCode::OverApplication,
                "applications",
                format!(
                    "applications add up to {total}, more than the payment of {}",
                    payment.amount
                ),
            ));
        }
        payment.account_id = account.id;
        invoices.clone_from_slice(&staged);
        Ok(payment)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditMemo {
    pub id: CreditMemoId,
    pub number: String,
    pub account_id: AccountId,
    pub invoice_id: Option<InvoiceId>,
    pub amount: Money,
    pub reason: String,
    pub issued_on: Date,
    /// Set when the memo credits goods returned under a return (RMA): the return, and the
    /// invoice lines (with their order lines and shipments) it credits, which matching counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub for_return: Option<ReturnCredit>,
    /// Where a memo issued on account (no invoice) was applied later.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub applied: Vec<PaymentApplication>,
}

/// What a credit memo for returned goods credits. The invoice is named even when the memo could
/// not be applied to it (already paid: the credit stays on the account).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnCredit {
    pub return_id: ReturnId,
    pub return_number: String,
    pub order_id: OrderId,
    pub invoice_id: InvoiceId,
    pub lines: Vec<CreditLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditLine {
    pub invoice_line: u32,
    pub order_line: u32,
    pub shipment_id: Option<ShipmentId>,
    pub quantity: Qty,
    /// As billed on the invoice line.
    pub unit_price: Money,
}

impl CreditLine {
    pub fn amount(&self) -> Money {
        self.unit_price.times(self.quantity.get())
    }
}

impl CreditMemo {
    /// What of a memo issued on account is still to be applied (zero for a memo on an invoice).
    pub fn unapplied(&self) -> Money {
        if self.invoice_id.is_some() {
            return Money::zero(self.amount.currency());
        }
        self.applied
            .iter()
            .fold(self.amount, |a, p| a.checked_sub(p.amount).unwrap_or(a))
    }

    /// Applies part of a memo issued on account to `invoice`.
    pub fn apply_more(&mut self, invoice: &mut Invoice, amount: Money, at: OffsetDateTime) -> Result<()> {
        if invoice.account_id != self.account_id {
            return Err(Rejection::new(
                ErrorCode::ForeignAccount,
                "invoice_id",
                format!("invoice {} belongs to another account", invoice.number),
            ));
        }
        if amount.minor() > self.unapplied().minor() {
            return Err(Rejection::new(
                ErrorCode::OverApplication,
                "amount",
                format!(
                    "credit memo {} has {} unapplied; cannot apply {amount}",
                    self.number,
                    self.unapplied()
                ),
            ));
        }
        invoice.apply(SettlementSource::CreditMemo(self.id), amount, at, "amount")?;
        match self.applied.iter_mut().find(|a| a.invoice_id == invoice.id) {
            Some(a) => a.amount = a.amount.checked_add(amount).unwrap_or(a.amount),
            None => self.applied.push(PaymentApplication {
                invoice_id: invoice.id,
                amount,
            }),
        }
        Ok(())
    }

    /// Issues a credit memo, applying it to its invoice when one is named.
    pub fn issue(
        account: &Account,
        memo: CreditMemo,
        invoice: Option<&mut Invoice>,
        at: OffsetDateTime,
    ) -> Result<CreditMemo> {
        check_amount(memo.amount, account.currency, "amount", false)?;
        if memo.reason.trim().is_empty() {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "reason",
                "a credit memo needs a reason",
            ));
        }
        if let Some(inv) = invoice {
            if memo.invoice_id != Some(inv.id) {
                return Err(Rejection::new(
                    ErrorCode::InvalidValue,
                    "invoice_id",
                    "the credit memo names another invoice",
                ));
            }
            if inv.account_id != account.id {
                return Err(Rejection::new(
                    ErrorCode::ForeignAccount,
                    "invoice_id",
                    "the invoice belongs to another account",
                ));
            }
            inv.apply(SettlementSource::CreditMemo(memo.id), memo.amount, at, "amount")?;
        }
        Ok(CreditMemo {
            account_id: account.id,
            ..memo
        })
    }
}

/// An account's open position: what it owes on open invoices, and the cash and credit it has
/// given that is not applied to any invoice yet (an overpayment, a payment on account, a credit
/// memo issued without an invoice). `balance` = open invoices − unapplied payments − unapplied
/// credits; negative when the account is in credit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenPosition {
    pub total_open: Money,
    pub total_overdue: Money,
    pub unapplied_payments: Money,
    pub unapplied_credits: Money,
    pub balance: Money,
}

impl OpenPosition {
    /// Sums the position in `currency`; records in another currency are left out of the sums
    /// (an account bills in one currency, so there are none).
    pub fn of(
        currency: Currency,
        invoices: &[&Invoice],
        payments: &[&Payment],
        memos: &[&CreditMemo],
        today: Date,
    ) -> OpenPosition {
        let zero = Money::zero(currency);
        let add = |a: Money, m: Money| a.checked_add(m).unwrap_or(a);
        let open = invoices.iter().filter(|i| i.balance().is_positive());
        let total_open = open.clone().fold(zero, |a, i| add(a, i.balance()));
        let total_overdue = open
            .filter(|i| i.status(today) == InvoiceStatus::Overdue)
            .fold(zero, |a, i| add(a, i.balance()));
        let unapplied_payments = payments.iter().fold(zero, |a, p| add(a, p.unapplied()));
        let unapplied_credits = memos.iter().fold(zero, |a, m| add(a, m.unapplied()));
        let balance = Money::from_minor(
            total_open
                .minor()
                .saturating_sub(unapplied_payments.minor())
                .saturating_sub(unapplied_credits.minor()),
            currency,
        );
        OpenPosition {
            total_open,
            total_overdue,
            unapplied_payments,
            unapplied_credits,
            balance,
        }
    }
}
