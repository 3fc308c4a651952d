//! Invoices: what an ERP billed, grouped by `invoice_number`, issued with the same function as
//! the issue-invoice command (amounts in the account's currency, taxes by line rate or as one
//! amount, the credit exposure moved). An ERP invoice that bills other quantities than shipped
//! is issued as billed: that is what the invoice's match report is for. An issued invoice
//! cannot change: a number seen again with other lines is a reject (the correction is a credit
//! memo).

use super::{Group, Lookups, Outcome, Row, record_write, stored_record};
use crate::billing::{InvoiceLineInput, IssueInvoice};
use crate::error::{AppError, Result};
use crate::{App, Ctx};
use aftercart_domain::ids::OrderId;
use aftercart_domain::money::Money;
use aftercart_domain::order::Order;
use aftercart_domain::quantity::Qty;
use aftercart_interchange::erp::RawRow;
use aftercart_interchange::erp::invoices::InvoiceLineRow;
use aftercart_store::Commit;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Record {
    invoice_number: String,
    invoice_id: Uuid,
    account: String,
    /// In file order.
    lines: Vec<RecordLine>,
    freight: Option<String>,
    tax: Option<String>,
}

/// One invoice line as the file gave it (the ship-to as written, amounts as text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct RecordLine {
    order: String,
    sku: String,
    ship_to: Option<String>,
    quantity: u32,
    unit_price: String,
    tax_rate_bp: Option<u32>,
}

fn rows(g: &Group) -> Vec<(&RawRow, &InvoiceLineRow)> {
    g.rows
        .iter()
        .filter_map(|(raw, r)| match r {
            Row::Invoice(s) => Some((raw, s)),
            _ => None,
        })
        .collect()
}

fn record(g: &Group, invoice_id: Uuid) -> Record {
    let rs = rows(g);
    Record {
        invoice_number: g.key.clone(),
        invoice_id,
        account: rs[0].1.account.clone(),
        lines: rs
            .iter()
            .map(|(_, r)| RecordLine {
                order: r.order.clone(),
                sku: r.sku.clone(),
                ship_to: r.ship_to.clone(),
                quantity: r.quantity,
                unit_price: r.unit_price.clone(),
                tax_rate_bp: r.tax_rate_bp,
            })
            .collect(),
        freight: rs[0].1.freight.clone(),
        tax: rs[0].1.tax.clone(),
    }
}

impl App {
    pub(super) async fn plan_invoice(
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
                ("issued_on", r.issued_on != first.issued_on),
                ("freight", r.freight != first.freight),
                ("tax", r.tax != first.tax),
            ];
            if let Some((column, _)) = differs.iter().find(|(_, d)| *d) {
                return Ok(Outcome::Refused(g.refuse(
                    Some(i),
                    column,
                    "differs from the invoice's first row",
                )));
            }
        }
        let name = format!("invoices:{}", g.key);
        if let Some(before) = stored_record::<Record>(self, &name).await? {
            return Ok(if record(g, before.invoice_id) == before {
                Outcome::Unchanged(n)
            } else {
                Outcome::Refused(g.refuse(
                    None,
                    "",
                    "this invoice was imported with other lines; an issued invoice cannot change (issue a credit memo for the difference)",
                ))
            });
        }
        if self.store.by_number("invoice", &g.key).await?.is_some() {
            return Ok(Outcome::Refused(g.refuse(
                None,
                "invoice_number",
                "an invoice with this number exists already (issued in Aftercart, not imported)",
            )));
        }
        let Some(account) = self.ledger_account(look, &first.account).await? else {
            return Ok(Outcome::Refused(g.refuse(
                None,
                "account",
                "no account has this number",
            )));
        };
        let money = |i: usize, column: &str, v: &str| {
            Money::parse(v, account.currency, column).map_err(|e| {
                g.refuse(
                    Some(i),
                    column,
                    &format!("{} (the account's currency is {})", e.message, account.currency),
                )
            })
        };
        let freight = match &first.freight {
            None => Money::zero(account.currency),
            Some(f) => match money(0, "freight", f) {
                Ok(m) => m,
                Err(e) => return Ok(Outcome::Refused(e)),
            },
        };
        // Rates on the lines compute the tax; without them the file's amount (or none) is it.
        let tax = match (&first.tax, rs.iter().any(|(_, r)| r.tax_rate_bp.is_some())) {
            (None, true) => None,
            (None, false) => Some(Money::zero(account.currency)),
            (Some(t), _) => match money(0, "tax", t) {
                Ok(m) => Some(m),
                Err(e) => return Ok(Outcome::Refused(e)),
            },
        };
        let mut orders: HashMap<String, Order> = HashMap::new();
        let mut lines = Vec::with_capacity(rs.len());
        for (i, (_, r)) in rs.iter().enumerate() {
            if !orders.contains_key(&r.order) {
                let Some(row) = self.store.by_number("order", &r.order).await? else {
                    return Ok(Outcome::Refused(g.refuse(Some(i), "order", "no order has this number")));
                };
                let order = self.order(ctx, OrderId(row.id)).await?.value;
                orders.insert(r.order.clone(), order);
            }
            let order = &orders[&r.order];
            if order.account_id != account.id {
                return Ok(Outcome::Refused(g.refuse(
                    Some(i),
                    "order",
                    "the order is another account's",
                )));
            }
            let line = match super::find_line(order, Some(&account), &r.sku, r.ship_to.as_deref()) {
                Ok(l) => l.no,
                Err((column, reason)) => return Ok(Outcome::Refused(g.refuse(Some(i), column, reason))),
            };
            let unit_price = match money(i, "unit_price", &r.unit_price) {
                Ok(m) => m,
                Err(e) => return Ok(Outcome::Refused(e)),
            };
            lines.push(InvoiceLineInput {
                order_id: order.id,
                order_line: line,
                shipment_id: None,
                quantity: Qty::new(r.quantity),
                unit_price,
                tax_rate_bp: r.tax_rate_bp,
            });
        }
        let input = IssueInvoice {
            account_id: account.id,
            number: Some(g.key.clone()),
            currency: account.currency,
            issued_on: first.issued_on,
            lines,
            tax,
            freight,
            freight_tax_rate_bp: None,
        };
        let planned = match self.plan_issue_invoice(ctx, &input).await {
            Ok(p) => p,
            Err(AppError::Rejected(r)) => {
                let (at, column) = field_of(&r.field);
                return Ok(Outcome::Refused(g.refuse(at, column, &r.message)));
            }
            Err(AppError::NotFound { what, field }) => {
                let (at, column) = field_of(field.as_deref().unwrap_or(""));
                return Ok(Outcome::Refused(g.refuse(at, column, &format!("{what} not found"))));
            }
            Err(e) => return Err(e),
        };
        let id = planned.value.value.id.0;
        crate::erp::orders::merge(commit, planned.commit);
        commit
            .docs
            .push(record_write("erp_invoice", &name, &record(g, id), self.clock.now())?);
        Ok(Outcome::Created(n))
    }
}

/// A refusal's field (`lines[2].quantity`) as the row it names and the file's column.
fn field_of(field: &str) -> (Option<usize>, &str) {
    let Some((i, col)) = field.strip_prefix("lines[").and_then(|f| f.split_once("].")) else {
        let column = match field {
            "number" => "invoice_number",
            "tax" | "freight" => field,
            _ => "",
        };
        return (None, column);
    };
    let col = match col {
        "order_line" => "sku",
        "order_id" => "order",
        "tax_rate_bp" => "tax_rate",
        c if c.starts_with("unit_price") => "unit_price",
        c => c,
    };
    (i.parse().ok(), col)
}
