//! Payments: what an ERP's cash application recorded, grouped by `payment_ref`, received with
//! the same function as the receive-payment command (so no invoice is over-applied and each is
//! the account's). The payment's amount is the sum of its rows; a row without an invoice leaves
//! its amount unapplied on the account. A received payment cannot change: a ref seen again
//! with other rows is a reject (the correction is a reversal in Aftercart).

use super::{Group, Lookups, Outcome, Row, record_write, stored_record};
use crate::billing::ReceivePayment;
use crate::error::{AppError, Result};
use crate::{App, Ctx};
use aftercart_domain::ids::InvoiceId;
use aftercart_domain::invoice::{PaymentApplication, PaymentMethod};
use aftercart_domain::money::Money;
use aftercart_interchange::erp::RawRow;
use aftercart_interchange::erp::payments::PaymentRow;
use aftercart_store::Commit;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Record {
    payment_ref: String,
    payment_id: Uuid,
    account: String,
    method: String,
    reference: Option<String>,
    /// (invoice, amount), in file order.
    rows: Vec<(Option<String>, String)>,
}

fn rows(g: &Group) -> Vec<(&RawRow, &PaymentRow)> {
    g.rows
        .iter()
        .filter_map(|(raw, r)| match r {
            Row::Payment(s) => Some((raw, s)),
            _ => None,
        })
        .collect()
}

fn record(g: &Group, payment_id: Uuid) -> Record {
    let rs = rows(g);
    let first = rs[0].1;
    Record {
        payment_ref: g.key.clone(),
        payment_id,
        account: first.account.clone(),
        method: first.method.clone(),
        reference: first.reference.clone(),
        rows: rs.iter().map(|(_, r)| (r.invoice.clone(), r.amount.clone())).collect(),
    }
}

impl App {
    pub(super) async fn plan_payment(
        &self,
        ctx: &Ctx,
        look: &mut Lookups,
        g: &Group,
        commit: &mut Commit,
    ) -> Result<Outcome> {
        let rs = rows(g);
        let n = rs.len() as u64;
        let first = rs[0].1;
        for (i, (_, r)) in rs.iter().enumerate() {
            let differs = [
                ("account", r.account != first.account),
                ("method", r.method != first.method),
                ("received_at", r.received_at != first.received_at),
                ("reference", r.reference != first.reference),
            ];
            if let Some((column, _)) = differs.iter().find(|(_, d)| *d) {
                return Ok(Outcome::Refused(g.refuse(
                    Some(i),
                    column,
                    "differs from the payment's first row",
                )));
            }
        }
        let name = format!("payments:{}", g.key);
        if let Some(before) = stored_record::<Record>(self, &name).await? {
            return Ok(if record(g, before.payment_id) == before {
                Outcome::Unchanged(n)
            } else {
                Outcome::Refused(g.refuse(
                    None,
                    "",
                    "this payment was imported with other rows; a received payment cannot change (reverse it, then import the right one under a new payment_ref)",
                ))
            });
        }
        let method = match PaymentMethod::parse(&first.method, "method") {
            Ok(m) => m,
            Err(e) => return Ok(Outcome::Refused(g.refuse(Some(0), "method", &e.message))),
        };
        let Some(account) = self.ledger_account(look, &first.account).await? else {
            return Ok(Outcome::Refused(g.refuse(
                None,
                "account",
                "no account has this number",
            )));
        };
        let mut total = Money::zero(account.currency);
        let mut applications = Vec::new();
        // The row each application came from, to name it in a refusal.
        let mut app_rows = Vec::new();
        for (i, (_, r)) in rs.iter().enumerate() {
            let amount = match Money::parse(&r.amount, account.currency, "amount") {
                Ok(m) => m,
                Err(e) => {
                    return Ok(Outcome::Refused(g.refuse(
                        Some(i),
                        "amount",
                        &format!("{} (the account's currency is {})", e.message, account.currency),
                    )));
                }
            };
            total = match total.checked_add(amount) {
                Some(t) => t,
                None => {
                    return Ok(Outcome::Refused(g.refuse(
                        Some(i),
                        "amount",
                        "the payment's total is too large",
                    )));
                }
            };
            let Some(number) = &r.invoice else { continue };
            let Some(inv) = self.store.by_number("invoice", number).await? else {
                return Ok(Outcome::Refused(g.refuse(
                    Some(i),
                    "invoice",
                    "no invoice has this number",
                )));
            };
            if applications
                .iter()
                .any(|a: &PaymentApplication| a.invoice_id.0 == inv.id)
            {
                return Ok(Outcome::Refused(g.refuse(
                    Some(i),
                    "invoice",
                    "the same invoice appears twice in this payment; apply one amount per invoice",
                )));
            }
            applications.push(PaymentApplication {
                invoice_id: InvoiceId(inv.id),
                amount,
            });
            app_rows.push(i);
        }
        let input = ReceivePayment {
            account_id: account.id,
            method,
            amount: total,
            reference: first.reference.clone(),
            received_at: first.received_at,
            applications,
        };
        let planned = match self.plan_receive_payment(ctx, &input).await {
            Ok(p) => p,
            Err(AppError::Rejected(r)) => {
                let (at, column) = match r.field.strip_prefix("applications[").and_then(|f| f.split_once(']')) {
                    Some((i, rest)) => (
                        i.parse::<usize>().ok().and_then(|i| app_rows.get(i).copied()),
                        if rest.contains("invoice") { "invoice" } else { "amount" },
                    ),
                    None => (
                        None,
                        if r.field.starts_with("applications") {
                            "amount"
                        } else {
                            ""
                        },
                    ),
                };
                return Ok(Outcome::Refused(g.refuse(at, column, &r.message)));
            }
            Err(AppError::NotFound { what, .. }) => {
                return Ok(Outcome::Refused(g.refuse(
                    None,
                    "invoice",
                    &format!("{what} not found"),
                )));
            }
            Err(e) => return Err(e),
        };
        let id = planned.value.value.id.0;
        crate::erp::orders::merge(commit, planned.commit);
        commit
            .docs
            .push(record_write("erp_payment", &name, &record(g, id), self.clock.now())?);
        Ok(Outcome::Created(n))
    }
}
