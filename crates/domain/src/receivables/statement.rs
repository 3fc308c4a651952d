//! A statement of account for any period: the opening balance, every invoice, credit memo,
//! payment and payment reversal dated in the period with a running balance, the closing balance,
//! and what made it up at the end of the period — the invoices still open and the cash and credit
//! not applied to any of them.
//!
//! Two views of the same account have to agree: the ledger (debits less credits) and the open
//! items (invoice balances less unapplied cash). The ledger counts a payment as one credit of its
//! full amount whatever it was applied to; the open-item view splits that amount into what went
//! onto invoices and what is left as account credit. Both are computed at `to` from the same
//! records, so `closing_balance == Σ open_items.balance − unapplied_cash` holds for any `to`.
//!
//! Every record must be in the statement's currency: one in another currency is refused rather
//! than left out, because an account bills in one currency and a statement that silently drops a
//! record misstates what is owed.

use crate::error::{ErrorCode, Rejection, Result};
use crate::ids::{CreditMemoId, InvoiceId, PaymentId};
use crate::invoice::{CreditMemo, Invoice, Payment, PaymentMethod, SettlementSource};
use crate::money::{Currency, Money};
use std::collections::HashMap;
use time::Date;

/// What a statement line is. The declaration order is the order of lines dated the same day: an
/// invoice is shown before the credit or payment that settles it, and a reversal after the payment
/// it takes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ItemKind {
    Invoice,
    CreditMemo,
    Payment,
    PaymentReversed,
}

impl ItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Invoice => "invoice",
            ItemKind::CreditMemo => "credit_memo",
            ItemKind::Payment => "payment",
            ItemKind::PaymentReversed => "payment_reversed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ItemKind::Invoice => "Invoice",
            ItemKind::CreditMemo => "Credit memo",
            ItemKind::Payment => "Payment",
            ItemKind::PaymentReversed => "Payment reversed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementItem {
    pub date: Date,
    pub kind: ItemKind,
    /// The invoice or memo number, the payment's reference or, without one, the payment's id.
    pub reference: String,
    pub description: String,
    pub debit: Money,
    pub credit: Money,
    /// The running balance after this line.
    pub balance: Money,
    pub invoice_id: Option<InvoiceId>,
    pub payment_id: Option<PaymentId>,
    pub credit_memo_id: Option<CreditMemoId>,
}

/// An invoice with a balance at the end of the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenItem {
    pub invoice_id: InvoiceId,
    pub number: String,
    pub due_on: Date,
    pub balance: Money,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub currency: Currency,
    pub from: Date,
    pub to: Date,
    pub opening_balance: Money,
    pub items: Vec<StatementItem>,
    pub total_debits: Money,
    pub total_credits: Money,
    pub closing_balance: Money,
    /// Invoices issued by `to` whose balance at `to` is not zero, oldest due first.
    pub open_items: Vec<OpenItem>,
    /// Payments and credit memos not applied to an invoice at `to`: account credit.
    pub unapplied_cash: Money,
}

/// The statement of `currency` for `from..=to` over an account's records.
///
/// Debits are invoices (on `issued_on`) and payment reversals (on the reversal's date); credits
/// are credit memos (on `issued_on`) and payments (on the date received, for their full amount —
/// the part not applied to an invoice is account credit). Dates of timestamps are taken in the
/// offset they carry. Records dated after `to` are left out; a reversal dated before its payment
/// was received is taken as of the receipt, so no period shows a reversal without its payment.
///
/// The open items and unapplied cash are as at `to`: an application counts when it is dated by
/// `to` and both its invoice and its payment or memo are counted then (a payment reversed by `to`
/// counts for nothing). The invoice's record of a payment's applications goes with a reversal, so
/// for a payment reversed after `to` they are rebuilt from the payment's own list, as of receipt.
///
/// Refused: `from` after `to`; a record in another currency; an invoice settled by a payment or
/// memo not given (the two views could not agree without it); sums beyond the range of `Money`.
pub fn statement(
    currency: Currency,
    invoices: &[&Invoice],
    memos: &[&CreditMemo],
    payments: &[&Payment],
    from: Date,
    to: Date,
) -> Result<Statement> {
    if from > to {
        return Err(Rejection::new(
            ErrorCode::InvalidValue,
            "from",
            format!("the statement would start ({from}) after it ends ({to})"),
        ));
    }
    check_currencies(currency, invoices, memos, payments)?;

    let records = Records {
        invoices,
        memos,
        payments,
        invoice_at: invoices.iter().enumerate().map(|(i, v)| (v.id, i)).collect(),
        memo_at: memos.iter().enumerate().map(|(i, m)| (m.id, i)).collect(),
        payment_at: payments.iter().enumerate().map(|(i, p)| (p.id, i)).collect(),
    };

    // i128 so that no realistic number of records can overflow before the final conversion.
    let mut opening: i128 = 0;
    let mut debits: i128 = 0;
    let mut credits: i128 = 0;
    let mut items: Vec<StatementItem> = Vec::new();
    let zero = Money::zero(currency);

    for inv in invoices {
        let total = inv.total();
        if inv.issued_on < from {
            opening += i128::from(total.minor());
        } else if inv.issued_on <= to {
            debits += i128::from(total.minor());
            items.push(StatementItem {
                date: inv.issued_on,
                kind: ItemKind::Invoice,
                reference: inv.number.clone(),
                description: format!("Invoice, due {}", inv.due_on),
                debit: total,
                credit: zero,
                balance: zero,
                invoice_id: Some(inv.id),
                payment_id: None,
                credit_memo_id: None,
            });
        }
    }
    for memo in memos {
        if memo.issued_on < from {
            opening -= i128::from(memo.amount.minor());
        } else if memo.issued_on <= to {
            credits += i128::from(memo.amount.minor());
            let against = memo
                .invoice_id
                .and_then(|id| records.invoice_at.get(&id))
                .map(|&i| invoices[i].number.as_str());
            let description = match (against, memo.invoice_id) {
                (Some(number), _) => format!("Credit against {number}: {}", memo.reason),
                (None, None) => format!("Credit on account: {}", memo.reason),
                (None, Some(_)) => format!("Credit: {}", memo.reason),
            };
            items.push(StatementItem {
                date: memo.issued_on,
                kind: ItemKind::CreditMemo,
                reference: memo.number.clone(),
                description,
                debit: zero,
                credit: memo.amount,
                balance: zero,
                invoice_id: memo.invoice_id,
                payment_id: None,
                credit_memo_id: Some(memo.id),
            });
        }
    }
    for p in payments {
        let received = p.received_at.date();
        let reference = payment_reference(p);
        if received < from {
            opening -= i128::from(p.amount.minor());
        } else if received <= to {
            credits += i128::from(p.amount.minor());
            items.push(StatementItem {
                date: received,
                kind: ItemKind::Payment,
                reference: reference.clone(),
                description: format!("Payment by {}", method_label(p.method)),
                debit: zero,
                credit: p.amount,
                balance: zero,
                invoice_id: None,
                payment_id: Some(p.id),
                credit_memo_id: None,
            });
        }
        if let Some(rev) = &p.reversal {
            let reversed = reversal_date(p).unwrap_or(received);
            if reversed < from {
                opening += i128::from(p.amount.minor());
            } else if reversed <= to {
                debits += i128::from(p.amount.minor());
                let description = match &rev.code {
                    Some(code) => format!("Payment reversed ({code}): {}", rev.reason),
                    None => format!("Payment reversed: {}", rev.reason),
                };
                items.push(StatementItem {
                    date: reversed,
                    kind: ItemKind::PaymentReversed,
                    reference,
                    description,
                    debit: p.amount,
                    credit: zero,
                    balance: zero,
                    invoice_id: None,
                    payment_id: Some(p.id),
                    credit_memo_id: None,
                });
            }
        }
    }

    items.sort_by(|a, b| (a.date, a.kind, &a.reference).cmp(&(b.date, b.kind, &b.reference)));
    let mut running = opening;
    for item in &mut items {
        running += i128::from(item.debit.minor()) - i128::from(item.credit.minor());
        item.balance = money(running, currency)?;
    }
    let closing = opening + debits - credits;

    let (open_items, unapplied) = records.position_at(currency, to)?;

    Ok(Statement {
        currency,
        from,
        to,
        opening_balance: money(opening, currency)?,
        items,
        total_debits: money(debits, currency)?,
        total_credits: money(credits, currency)?,
        closing_balance: money(closing, currency)?,
        open_items,
        unapplied_cash: money(unapplied, currency)?,
    })
}

struct Records<'a> {
    invoices: &'a [&'a Invoice],
    memos: &'a [&'a CreditMemo],
    payments: &'a [&'a Payment],
    invoice_at: HashMap<InvoiceId, usize>,
    memo_at: HashMap<CreditMemoId, usize>,
    payment_at: HashMap<PaymentId, usize>,
}

impl Records<'_> {
    /// The open invoices and the unapplied cash at `to`, attributing every counted application to
    /// both its invoice and its source so that the two sums describe the same money.
    fn position_at(&self, currency: Currency, to: Date) -> Result<(Vec<OpenItem>, i128)> {
        let Records {
            invoices,
            memos,
            payments,
            invoice_at,
            memo_at,
            payment_at,
        } = self;
        let payment_live = |p: &Payment| p.received_at.date() <= to && reversal_date(p).is_none_or(|d| d > to);
        let mut invoice_applied = vec![0i128; invoices.len()];
        let mut memo_applied = vec![0i128; memos.len()];
        let mut payment_applied = vec![0i128; payments.len()];

        for (i, inv) in invoices.iter().enumerate() {
            for (j, app) in inv.applications.iter().enumerate() {
                let counted = match app.source {
                    SettlementSource::Payment(id) => match payment_at.get(&id) {
                        Some(&k) => payment_live(payments[k]).then_some(&mut payment_applied[k]),
                        None => return Err(missing_source(inv, i, j, "payment")),
                    },
                    SettlementSource::CreditMemo(id) => match memo_at.get(&id) {
                        Some(&k) => (memos[k].issued_on <= to).then_some(&mut memo_applied[k]),
                        None => return Err(missing_source(inv, i, j, "credit memo")),
                    },
                };
                if inv.issued_on > to || app.at.date() > to {
                    continue;
                }
                if app.amount.currency() != currency {
                    return Err(Rejection::new(
                        ErrorCode::CurrencyMismatch,
                        format!("invoices[{i}].applications[{j}]"),
                        format!(
                            "an application on invoice {} is in {}, not {currency}",
                            inv.number,
                            app.amount.currency()
                        ),
                    ));
                }
                if let Some(source_applied) = counted {
                    *source_applied += i128::from(app.amount.minor());
                    invoice_applied[i] += i128::from(app.amount.minor());
                }
            }
        }

        for (k, p) in payments.iter().enumerate() {
            let reversed_later = reversal_date(p).is_some_and(|d| d > to);
            if !reversed_later || p.received_at.date() > to {
                continue;
            }
            let source = SettlementSource::Payment(p.id);
            for pa in &p.applications {
                let Some(&i) = invoice_at.get(&pa.invoice_id) else {
                    continue;
                };
                let inv = invoices[i];
                let still_recorded = inv.applications.iter().any(|a| a.source == source);
                if inv.issued_on <= to && !still_recorded && pa.amount.currency() == currency {
                    invoice_applied[i] += i128::from(pa.amount.minor());
                    payment_applied[k] += i128::from(pa.amount.minor());
                }
            }
        }

        let mut open = Vec::new();
        for (i, inv) in invoices.iter().enumerate() {
            if inv.issued_on > to {
                continue;
            }
            let balance = i128::from(inv.total().minor()) - invoice_applied[i];
            if balance != 0 {
                open.push(OpenItem {
                    invoice_id: inv.id,
                    number: inv.number.clone(),
                    due_on: inv.due_on,
                    balance: money(balance, currency)?,
                });
            }
        }
        open.sort_by(|a, b| (a.due_on, &a.number).cmp(&(b.due_on, &b.number)));

        let mut unapplied: i128 = 0;
        for (k, m) in memos.iter().enumerate() {
            if m.issued_on <= to {
                unapplied += i128::from(m.amount.minor()) - memo_applied[k];
            }
        }
        for (k, p) in payments.iter().enumerate() {
            if payment_live(p) {
                unapplied += i128::from(p.amount.minor()) - payment_applied[k];
            }
        }
        Ok((open, unapplied))
    }
}

fn check_currencies(
    currency: Currency,
    invoices: &[&Invoice],
    memos: &[&CreditMemo],
    payments: &[&Payment],
) -> Result<()> {
    let mismatch = |field: String, what: String, found: Currency| {
        Err(Rejection::new(
            ErrorCode::CurrencyMismatch,
            field,
            format!("{what} is in {found}; the statement is in {currency}"),
        ))
    };
    for (i, inv) in invoices.iter().enumerate() {
        if inv.currency != currency || inv.total().currency() != currency {
            return mismatch(
                format!("invoices[{i}]"),
                format!("invoice {}", inv.number),
                inv.currency,
            );
        }
    }
    for (i, m) in memos.iter().enumerate() {
        if m.amount.currency() != currency {
            return mismatch(
                format!("memos[{i}]"),
                format!("credit memo {}", m.number),
                m.amount.currency(),
            );
        }
    }
    for (i, p) in payments.iter().enumerate() {
        if p.amount.currency() != currency {
            return mismatch(
                format!("payments[{i}]"),
                format!("payment {}", payment_reference(p)),
                p.amount.currency(),
            );
        }
    }
    Ok(())
}

fn missing_source(inv: &Invoice, i: usize, j: usize, what: &str) -> Rejection {
    Rejection::new(
        ErrorCode::UnknownReference,
        format!("invoices[{i}].applications[{j}]"),
        format!(
            "invoice {} was settled by a {what} the statement was not given",
            inv.number
        ),
    )
}

/// Never before the payment was received (see [`statement`]).
fn reversal_date(p: &Payment) -> Option<Date> {
    p.reversal.as_ref().map(|r| r.at.date().max(p.received_at.date()))
}

fn payment_reference(p: &Payment) -> String {
    match p.reference.as_deref().map(str::trim) {
        Some(r) if !r.is_empty() => r.to_owned(),
        _ => p.id.to_string(),
    }
}

fn method_label(m: PaymentMethod) -> &'static str {
    match m {
        PaymentMethod::Card => "card",
        PaymentMethod::Ach => "ACH",
        PaymentMethod::Wire => "wire transfer",
        PaymentMethod::Cheque => "cheque",
    }
}

fn money(minor: i128, currency: Currency) -> Result<Money> {
    i64::try_from(minor)
        .map(|m| Money::from_minor(m, currency))
        .map_err(|_| {
            Rejection::new(
                ErrorCode::InvalidValue,
                "amounts",
                "the amounts are too large to add up",
            )
        })
}

#[cfg(test)]
mod tests {
    // Amounts in minor units are written units_cents: 120_00 is 120.00.
    #![allow(clippy::inconsistent_digit_grouping)]

    use super::*;
    use crate::ids::AccountId;
    use crate::invoice::{OpenPosition, Reversal};
    use proptest::prelude::*;
    use time::macros::date;
    use time::{Duration, OffsetDateTime};
    use uuid::Uuid;

    fn usd() -> Currency {
        Currency::parse("USD", "currency").unwrap()
    }

    fn eur() -> Currency {
        Currency::parse("EUR", "currency").unwrap()
    }

    fn id<T: From<Uuid>>(n: u128) -> T {
        Uuid::from_u128(n).into()
    }

    fn m(minor: i64) -> Money {
        Money::from_minor(minor, usd())
    }

    /// Midday, so the date of the timestamp is the day meant whatever the rounding.
    fn at(d: Date) -> OffsetDateTime {
        d.midnight().assume_utc() + Duration::hours(12)
    }

    fn account() -> AccountId {
        id(1)
    }

    /// The whole amount as freight: a statement only needs the total.
    fn invoice(n: u128, issued_on: Date, total: i64) -> Invoice {
        Invoice {
            id: id(1000 + n),
            number: format!("INV-{n}"),
            account_id: account(),
            currency: usd(),
            issued_on,
            due_on: issued_on + Duration::days(30),
            lines: Vec::new(),
            tax: m(0),
            freight: m(total),
            freight_tax_rate_bp: None,
            applications: Vec::new(),
            recorded_at: at(issued_on),
            replaced_by: None,
        }
    }

    fn payment(n: u128, received: Date, amount: i64) -> Payment {
        Payment {
            id: id(2000 + n),
            account_id: account(),
            method: PaymentMethod::Ach,
            amount: m(amount),
            reference: Some(format!("PAY-{n}")),
            received_at: at(received),
            applications: Vec::new(),
            reversal: None,
        }
    }

    fn memo(n: u128, issued_on: Date, amount: i64, invoice_id: Option<InvoiceId>) -> CreditMemo {
        CreditMemo {
            id: id(3000 + n),
            number: format!("CM-{n}"),
            account_id: account(),
            invoice_id,
            amount: m(amount),
            reason: "damaged in transit".into(),
            issued_on,
            for_return: None,
            applied: Vec::new(),
        }
    }

    fn reversal(on: Date) -> Reversal {
        Reversal {
            at: at(on),
            code: Some("R01".into()),
            reason: "insufficient funds".into(),
        }
    }

    fn run(
        invoices: &[Invoice],
        memos: &[CreditMemo],
        payments: &[Payment],
        from: Date,
        to: Date,
    ) -> Result<Statement> {
        let i: Vec<&Invoice> = invoices.iter().collect();
        let c: Vec<&CreditMemo> = memos.iter().collect();
        let p: Vec<&Payment> = payments.iter().collect();
        statement(usd(), &i, &c, &p, from, to)
    }

    fn identity_holds(s: &Statement) -> bool {
        let open: i64 = s.open_items.iter().map(|o| o.balance.minor()).sum();
        s.closing_balance.minor() == open - s.unapplied_cash.minor()
    }

    #[test]
    fn a_period_opens_with_what_came_before_and_runs_line_by_line() {
        let mut inv1 = invoice(1, date!(2026 - 10 - 05), 100_00);
        let mut inv2 = invoice(2, date!(2026 - 11 - 03), 250_00);
        let mut p1 = payment(1, date!(2026 - 11 - 10), 150_00);
        p1.apply_more(&mut inv1, m(100_00), at(date!(2026 - 11 - 10))).unwrap();
        p1.apply_more(&mut inv2, m(50_00), at(date!(2026 - 11 - 10))).unwrap();
        let cm = memo(1, date!(2026 - 11 - 20), 20_00, Some(inv2.id));
        inv2.apply(
            SettlementSource::CreditMemo(cm.id),
            m(20_00),
            at(date!(2026 - 11 - 20)),
            "amount",
        )
        .unwrap();
        let late = invoice(3, date!(2026 - 12 - 02), 999_00);

        let s = run(
            &[inv1.clone(), inv2.clone(), late],
            &[cm],
            &[p1],
            date!(2026 - 11 - 01),
            date!(2026 - 11 - 30),
        )
        .unwrap();
        assert_eq!(s.opening_balance, m(100_00));
        let lines: Vec<(ItemKind, &str, i64, i64, i64)> = s
            .items
            .iter()
            .map(|i| {
                (
                    i.kind,
                    i.reference.as_str(),
                    i.debit.minor(),
                    i.credit.minor(),
                    i.balance.minor(),
                )
            })
            .collect();
        assert_eq!(
            lines,
            vec![
                (ItemKind::Invoice, "INV-2", 250_00, 0, 350_00),
                (ItemKind::Payment, "PAY-1", 0, 150_00, 200_00),
                (ItemKind::CreditMemo, "CM-1", 0, 20_00, 180_00),
            ]
        );
        assert_eq!(s.items[2].description, "Credit against INV-2: damaged in transit");
        assert_eq!(s.items[1].description, "Payment by ACH");
        assert_eq!(
            (s.total_debits, s.total_credits, s.closing_balance),
            (m(250_00), m(170_00), m(180_00))
        );
        assert_eq!(
            s.open_items,
            vec![OpenItem {
                invoice_id: inv2.id,
                number: "INV-2".into(),
                due_on: inv2.due_on,
                balance: m(180_00),
            }]
        );
        assert_eq!(s.unapplied_cash, m(0));
        assert!(identity_holds(&s));
    }

    #[test]
    fn lines_of_one_day_go_invoice_memo_payment_reversal_then_by_reference() {
        let d = date!(2026 - 11 - 10);
        let mut invs = vec![invoice(9, d, 10_00), invoice(10, d, 10_00)];
        let mut p = payment(1, d, 5_00);
        let p2 = payment(2, d, 1_00);
        p.reverse(&mut invs, reversal(d)).unwrap();
        let cm = memo(1, d, 2_00, None);
        let s = run(&invs, &[cm], &[p2, p], d, d).unwrap();
        let order: Vec<(ItemKind, &str)> = s.items.iter().map(|i| (i.kind, i.reference.as_str())).collect();
        assert_eq!(
            order,
            vec![
                (ItemKind::Invoice, "INV-10"),
                (ItemKind::Invoice, "INV-9"),
                (ItemKind::CreditMemo, "CM-1"),
                (ItemKind::Payment, "PAY-1"),
                (ItemKind::Payment, "PAY-2"),
                (ItemKind::PaymentReversed, "PAY-1"),
            ]
        );
        assert_eq!(s.items.last().unwrap().balance, s.closing_balance);
        assert_eq!(s.closing_balance, m(20_00 - 2_00 - 1_00));
    }

    #[test]
    fn what_a_payment_leaves_unapplied_is_account_credit() {
        let mut inv = invoice(1, date!(2026 - 11 - 01), 80_00);
        let mut p = payment(1, date!(2026 - 11 - 05), 100_00);
        p.apply_more(&mut inv, m(80_00), at(date!(2026 - 11 - 05))).unwrap();
        let s = run(&[inv], &[], &[p], date!(2026 - 11 - 01), date!(2026 - 11 - 30)).unwrap();
        assert_eq!(s.total_credits, m(100_00), "the full payment is one credit");
        assert_eq!(s.closing_balance, m(-20_00));
        assert!(s.open_items.is_empty());
        assert_eq!(s.unapplied_cash, m(20_00));
        assert!(identity_holds(&s));
    }

    #[test]
    fn a_reversed_payment_is_credited_then_debited_and_the_invoice_reopens() {
        let mut invs = vec![invoice(1, date!(2026 - 11 - 01), 80_00)];
        let mut p = payment(1, date!(2026 - 11 - 05), 80_00);
        p.apply_more(&mut invs[0], m(80_00), at(date!(2026 - 11 - 05))).unwrap();
        p.reverse(&mut invs, reversal(date!(2026 - 11 - 12))).unwrap();
        let s = run(&invs, &[], &[p.clone()], date!(2026 - 11 - 01), date!(2026 - 11 - 30)).unwrap();
        let kinds: Vec<ItemKind> = s.items.iter().map(|i| i.kind).collect();
        assert_eq!(
            kinds,
            vec![ItemKind::Invoice, ItemKind::Payment, ItemKind::PaymentReversed]
        );
        assert_eq!(s.items[2].debit, m(80_00));
        assert_eq!(s.items[2].description, "Payment reversed (R01): insufficient funds");
        assert_eq!(s.closing_balance, m(80_00));
        assert_eq!(s.open_items.len(), 1);
        assert_eq!(s.open_items[0].balance, m(80_00));
        assert_eq!(s.unapplied_cash, m(0), "a reversed payment counts for nothing");

        // At a date between payment and reversal, the invoice was paid.
        let before = run(&invs, &[], &[p], date!(2026 - 11 - 01), date!(2026 - 11 - 08)).unwrap();
        assert_eq!(before.closing_balance, m(0));
        assert!(before.open_items.is_empty(), "{:?}", before.open_items);
        assert_eq!(before.unapplied_cash, m(0));
        assert!(identity_holds(&before));
    }

    #[test]
    fn balances_are_as_at_the_end_of_the_period() {
        let mut inv = invoice(1, date!(2026 - 10 - 01), 100_00);
        let mut cm = memo(1, date!(2026 - 10 - 15), 30_00, None);
        let mut p = payment(1, date!(2026 - 10 - 20), 50_00);
        cm.apply_more(&mut inv, m(30_00), at(date!(2026 - 11 - 15))).unwrap();
        p.apply_more(&mut inv, m(50_00), at(date!(2026 - 11 - 16))).unwrap();
        let october = run(
            &[inv.clone()],
            &[cm.clone()],
            &[p.clone()],
            date!(2026 - 10 - 01),
            date!(2026 - 10 - 31),
        )
        .unwrap();
        assert_eq!(october.closing_balance, m(20_00));
        assert_eq!(
            october.open_items[0].balance,
            m(100_00),
            "nothing applied yet in October"
        );
        assert_eq!(october.unapplied_cash, m(80_00));
        assert!(identity_holds(&october));
        let november = run(&[inv], &[cm], &[p], date!(2026 - 11 - 01), date!(2026 - 11 - 30)).unwrap();
        assert_eq!(november.opening_balance, m(20_00));
        assert!(november.items.is_empty());
        assert_eq!(november.closing_balance, m(20_00));
        assert_eq!(november.open_items[0].balance, m(20_00));
        assert_eq!(november.unapplied_cash, m(0));
    }

    #[test]
    fn a_payment_without_a_reference_is_named_by_its_id() {
        let mut p = payment(1, date!(2026 - 11 - 05), 1_00);
        p.reference = Some("  ".into());
        let s = run(&[], &[], &[p.clone()], date!(2026 - 11 - 01), date!(2026 - 11 - 30)).unwrap();
        assert_eq!(s.items[0].reference, p.id.to_string());
        assert_eq!(s.items[0].payment_id, Some(p.id));
    }

    #[test]
    fn refuses_a_backwards_period_other_currencies_and_missing_sources() {
        let e = run(&[], &[], &[], date!(2026 - 11 - 02), date!(2026 - 11 - 01)).unwrap_err();
        assert_eq!((e.code, e.field.as_str()), (ErrorCode::InvalidValue, "from"));

        let mut euro = invoice(2, date!(2026 - 11 - 01), 10_00);
        euro.currency = eur();
        euro.freight = Money::from_minor(10_00, eur());
        let ok = invoice(1, date!(2026 - 11 - 01), 10_00);
        let d = (date!(2026 - 11 - 01), date!(2026 - 11 - 30));
        let e = run(&[ok.clone(), euro], &[], &[], d.0, d.1).unwrap_err();
        assert_eq!((e.code, e.field.as_str()), (ErrorCode::CurrencyMismatch, "invoices[1]"));
        assert!(e.message.contains("INV-2"), "{}", e.message);

        let mut cm = memo(1, d.0, 1_00, None);
        cm.amount = Money::from_minor(1_00, eur());
        let e = run(&[], &[cm], &[], d.0, d.1).unwrap_err();
        assert_eq!((e.code, e.field.as_str()), (ErrorCode::CurrencyMismatch, "memos[0]"));

        let mut p = payment(1, d.0, 1_00);
        p.amount = Money::from_minor(1_00, eur());
        let e = run(&[], &[], &[p], d.0, d.1).unwrap_err();
        assert_eq!((e.code, e.field.as_str()), (ErrorCode::CurrencyMismatch, "payments[0]"));

        let mut paid = ok;
        let mut p = payment(1, d.0, 10_00);
        p.apply_more(&mut paid, m(10_00), at(d.0)).unwrap();
        let e = run(&[paid], &[], &[], d.0, d.1).unwrap_err();
        assert_eq!(
            (e.code, e.field.as_str()),
            (ErrorCode::UnknownReference, "invoices[0].applications[0]")
        );
    }

    #[test]
    fn sums_beyond_money_are_refused_not_wrapped() {
        let d = date!(2026 - 11 - 01);
        let invs = vec![invoice(1, d, i64::MAX), invoice(2, d, i64::MAX)];
        let e = run(&invs, &[], &[], d, d).unwrap_err();
        assert_eq!((e.code, e.field.as_str()), (ErrorCode::InvalidValue, "amounts"));
    }

    // ------------------------------------------------------------ the invariant

    #[derive(Debug, Clone)]
    struct MemoPlan {
        day: i64,
        amount: i64,
        on_invoice: Option<usize>,
        applied_later: Option<(usize, i64)>,
    }

    #[derive(Debug, Clone)]
    struct PaymentPlan {
        day: i64,
        amount: i64,
        /// (invoice, share of the payment in per mille, days after it could first be applied)
        applications: Vec<(usize, i64, i64)>,
        reversed_after: Option<i64>,
    }

    type World = (Vec<Invoice>, Vec<CreditMemo>, Vec<Payment>);

    const D0: Date = date!(2026 - 01 - 01);

    fn day(n: i64) -> Date {
        D0 + Duration::days(n)
    }

    fn plans() -> impl Strategy<Value = (Vec<(i64, i64)>, Vec<MemoPlan>, Vec<PaymentPlan>)> {
        let invoices = prop::collection::vec((0i64..60, 1i64..50_000), 0..6);
        let memo = (
            0i64..90,
            1i64..20_000,
            prop::option::of(0usize..6),
            prop::option::of((0usize..6, 0i64..40)),
        )
            .prop_map(|(day, amount, on_invoice, applied_later)| MemoPlan {
                day,
                amount,
                on_invoice,
                applied_later,
            });
        let payment = (
            0i64..90,
            1i64..60_000,
            prop::collection::vec((0usize..6, 1i64..=1000, 0i64..30), 0..4),
            prop::option::of(0i64..40),
        )
            .prop_map(|(day, amount, applications, reversed_after)| PaymentPlan {
                day,
                amount,
                applications,
                reversed_after,
            });
        (
            invoices,
            prop::collection::vec(memo, 0..4),
            prop::collection::vec(payment, 0..5),
        )
    }

    /// Builds the records through the domain's own operations, so only states it can reach are
    /// tested.
    fn build((invs, memo_plans, payment_plans): (Vec<(i64, i64)>, Vec<MemoPlan>, Vec<PaymentPlan>)) -> World {
        let mut invoices: Vec<Invoice> = invs
            .iter()
            .enumerate()
            .map(|(k, &(d, total))| invoice(k as u128, day(d), total))
            .collect();
        let mut memos = Vec::new();
        for (k, plan) in memo_plans.iter().enumerate() {
            let mut cm = memo(k as u128, day(plan.day), plan.amount, None);
            let target = plan
                .on_invoice
                .filter(|_| !invoices.is_empty())
                .map(|t| t % invoices.len());
            if let Some(t) = target.filter(|&t| invoices[t].balance().is_positive()) {
                let inv = &mut invoices[t];
                let amount = cm.amount.minor().min(inv.balance().minor());
                cm.amount = m(amount);
                cm.issued_on = cm.issued_on.max(inv.issued_on);
                cm.invoice_id = Some(inv.id);
                inv.apply(
                    SettlementSource::CreditMemo(cm.id),
                    m(amount),
                    at(cm.issued_on),
                    "amount",
                )
                .unwrap();
            } else if let Some((t, delay)) = plan.applied_later.filter(|_| !invoices.is_empty()) {
                let n = invoices.len();
                let inv = &mut invoices[t % n];
                let amount = cm.unapplied().minor().min(inv.balance().minor());
                if amount > 0 {
                    let when = cm.issued_on.max(inv.issued_on) + Duration::days(delay);
                    cm.apply_more(inv, m(amount), at(when)).unwrap();
                }
            }
            memos.push(cm);
        }
        let mut payments = Vec::new();
        for (k, plan) in payment_plans.iter().enumerate() {
            let mut p = payment(k as u128, day(plan.day), plan.amount);
            let reversed_on = plan.reversed_after.map(|r| day(plan.day + r));
            for &(t, share, delay) in &plan.applications {
                if invoices.is_empty() {
                    break;
                }
                let n = invoices.len();
                let inv = &mut invoices[t % n];
                let amount = (plan.amount * share / 1000)
                    .max(1)
                    .min(p.unapplied().minor())
                    .min(inv.balance().minor());
                if amount <= 0 {
                    continue;
                }
                let mut when = p.received_at.date().max(inv.issued_on) + Duration::days(delay);
                if let Some(r) = reversed_on {
                    when = when.min(r);
                }
                p.apply_more(inv, m(amount), at(when)).unwrap();
            }
            if let Some(r) = reversed_on {
                p.reverse(&mut invoices, reversal(r)).unwrap();
            }
            payments.push(p);
        }
        (invoices, memos, payments)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn when_everything_is_dated_by_the_end_both_views_agree_with_the_records(
            plan in plans(),
            from in 0i64..200,
        ) {
            let (invoices, memos, payments) = build(plan);
            let to = day(400);
            let s = run(&invoices, &memos, &payments, day(from), to).unwrap();
            prop_assert!(identity_holds(&s), "{:?}", s);

            // The open items are the invoices' own balances, the unapplied cash the records' own.
            let mut open: Vec<(InvoiceId, i64)> = invoices
                .iter()
                .filter(|i| !i.balance().is_zero())
                .map(|i| (i.id, i.balance().minor()))
                .collect();
            open.sort();
            let mut got: Vec<(InvoiceId, i64)> =
                s.open_items.iter().map(|o| (o.invoice_id, o.balance.minor())).collect();
            got.sort();
            prop_assert_eq!(got, open);
            let unapplied: i64 = payments.iter().map(|p| p.unapplied().minor()).sum::<i64>()
                + memos.iter().map(|m| m.unapplied().minor()).sum::<i64>();
            prop_assert_eq!(s.unapplied_cash.minor(), unapplied);

            let i: Vec<&Invoice> = invoices.iter().collect();
            let c: Vec<&CreditMemo> = memos.iter().collect();
            let p: Vec<&Payment> = payments.iter().collect();
            let position = OpenPosition::of(usd(), &i, &p, &c, to);
            prop_assert_eq!(position.balance, s.closing_balance);
        }

        #[test]
        fn at_any_end_date_the_ledger_equals_open_items_less_unapplied_cash(
            plan in plans(),
            to in 0i64..200,
            back in 0i64..200,
        ) {
            let (invoices, memos, payments) = build(plan);
            let from = to - back.min(to);
            let s = run(&invoices, &memos, &payments, day(from), day(to)).unwrap();
            prop_assert!(identity_holds(&s), "{:?}", s);

            // Lines are in order, run from the opening to the closing balance, and add up.
            let mut running = s.opening_balance.minor();
            for w in s.items.windows(2) {
                prop_assert!((w[0].date, w[0].kind, &w[0].reference) <= (w[1].date, w[1].kind, &w[1].reference));
            }
            for item in &s.items {
                prop_assert!(item.date >= day(from) && item.date <= day(to));
                running += item.debit.minor() - item.credit.minor();
                prop_assert_eq!(item.balance.minor(), running);
            }
            prop_assert_eq!(running, s.closing_balance.minor());
            prop_assert_eq!(
                s.closing_balance.minor(),
                s.opening_balance.minor() + s.total_debits.minor() - s.total_credits.minor()
            );

            // The closing balance does not depend on where the period starts, and a period opens
            // where the day before closed.
            let whole = run(&invoices, &memos, &payments, day(0), day(to)).unwrap();
            prop_assert_eq!(whole.closing_balance, s.closing_balance);
            prop_assert_eq!(&whole.open_items, &s.open_items);
            if from > 0 {
                let before = run(&invoices, &memos, &payments, day(0), day(from - 1)).unwrap();
                prop_assert_eq!(before.closing_balance, s.opening_balance);
            }
        }
    }
}
