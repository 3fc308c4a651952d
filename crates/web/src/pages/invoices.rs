//! Invoices: open / overdue / paid, and the invoice page with its match explained ("why
//! doesn't this match?").

use super::orders::account_names;
use super::{Opt, Tag, query};
use crate::WebState;
use crate::form::Errors;
use crate::format;
use crate::render::{Layout, PageError, PageResult, render};
use crate::session::{Viewer, urlencode};
use aftercart_app::{AppError, ListFilter};
use aftercart_domain::ids::{AccountId, InvoiceId};
use aftercart_domain::invoice::SettlementSource;
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use serde::Deserialize;
use uuid::Uuid;

pub struct InvoiceRow {
    pub id: String,
    pub number: String,
    pub account: String,
    pub issued: String,
    pub due: String,
    pub total: String,
    pub balance: String,
    pub status: Tag,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    account: String,
    #[serde(default)]
    cursor: String,
}

#[derive(Template)]
#[template(path = "invoices.html")]
struct InvoicesPage {
    l: Layout,
    e: Errors,
    statuses: Vec<Opt>,
    accounts: Vec<Opt>,
    staff: bool,
    rows: Vec<InvoiceRow>,
    next: String,
}

pub const INVOICE_FILTERS: [(&str, &str); 3] = [("open", "Open"), ("overdue", "Overdue"), ("paid", "Paid")];

pub async fn list(State(st): State<WebState>, v: Viewer, RawQuery(raw): RawQuery) -> PageResult {
    let q: ListQuery = query(raw.as_deref());
    let mut e = Errors::default();
    let staff = v.ctx.principal.is_seller();
    let accounts = account_names(&st, &v).await?;
    let status = q.status.trim();
    if !status.is_empty() && !INVOICE_FILTERS.iter().any(|(s, _)| *s == status) {
        e.add("status", "Choose open, overdue or paid");
    }
    let account = e.choice(
        "account",
        &q.account,
        &accounts,
        AccountId,
        "Choose a customer from the list",
    );
    let before = e.cursor("status", &q.cursor);
    let mut rows = Vec::new();
    let mut next = String::new();
    if e.is_empty() {
        let f = ListFilter {
            account_id: account,
            status: (!status.is_empty()).then(|| status.to_owned()),
            before,
            limit: 25,
            ..Default::default()
        };
        match st.app.list_invoices(&v.ctx, &f).await {
            Ok(p) => {
                let today = st.app.clock.now().date();
                for i in &p.items {
                    let i = &i.value;
                    rows.push(InvoiceRow {
                        id: i.id.0.to_string(),
                        number: i.number.clone(),
                        account: accounts
                            .iter()
                            .find(|(id, _)| *id == i.account_id)
                            .map(|(_, n)| n.clone())
                            .unwrap_or_default(),
                        issued: format::date(i.issued_on),
                        due: format::date(i.due_on),
                        total: format::money(i.total()),
                        balance: format::money(i.balance()),
                        status: Tag::progress(i.status(today).as_str()),
                    });
                }
                if let Some(n) = p.next {
                    let mut qs = Vec::new();
                    for (k, val) in [("status", status), ("account", q.account.trim())] {
                        if !val.is_empty() {
                            qs.push(format!("{k}={}", urlencode(val)));
                        }
                    }
                    qs.push(format!("cursor={n}"));
                    next = format!("/invoices?{}", qs.join("&"));
                }
            }
            Err(AppError::Rejected(r)) => e.add("status", r.message),
            Err(err) => return Err(err.into()),
        }
    }
    let code = if e.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render(
        code,
        &InvoicesPage {
            l: Layout::for_viewer("Invoices", &v, "/invoices"),
            e,
            statuses: INVOICE_FILTERS
                .iter()
                .map(|(s, label)| Opt {
                    value: (*s).into(),
                    label: (*label).into(),
                    selected: *s == status,
                })
                .collect(),
            accounts: if staff {
                accounts
                    .iter()
                    .map(|(id, n)| Opt {
                        value: id.0.to_string(),
                        label: n.clone(),
                        selected: id.0.to_string() == q.account.trim(),
                    })
                    .collect()
            } else {
                Vec::new()
            },
            staff,
            rows,
            next,
        },
    ))
}

pub struct MatchRow {
    pub no: u32,
    pub order_id: String,
    pub order_number: String,
    pub order_line: u32,
    pub sku: String,
    pub description: String,
    pub billed: String,
    pub ordered: String,
    pub shipped: String,
    pub received: String,
    pub billed_before: String,
    pub price: String,
    pub contract_price: String,
    pub amount: String,
    pub ok: bool,
    pub explanations: Vec<String>,
}

pub struct Applied {
    pub what: String,
    pub at: String,
    pub amount: String,
}

#[derive(Template)]
#[template(path = "invoice.html")]
struct InvoicePage {
    l: Layout,
    number: String,
    account: String,
    status: Tag,
    issued: String,
    due: String,
    subtotal: String,
    tax: String,
    freight: String,
    total: String,
    paid: String,
    balance: String,
    matches: bool,
    summary: String,
    discrepancy_total: String,
    header: Vec<String>,
    lines: Vec<MatchRow>,
    applied: Vec<Applied>,
    // -- cases --
    cases: super::cases::RecordCases,
    // -- /cases --
    // -- receivables --
    r: super::receivables::documents::InvoiceReceivables,
    // -- /receivables --
}

pub async fn detail(State(st): State<WebState>, v: Viewer, Path(id): Path<String>) -> PageResult {
    let id = InvoiceId(Uuid::parse_str(&id).map_err(|_| PageError::NotFound)?);
    detail_page(&st, &v, id, None).await
}

/// The invoice page; `problem`: why a download from it could not be made (shown at the top).
pub async fn detail_page(st: &WebState, v: &Viewer, id: InvoiceId, problem: Option<String>) -> PageResult {
    let ctx = &v.ctx;
    let m = st.app.invoice_match(ctx, id).await?;
    let inv = &m.invoice.value;
    let today = st.app.clock.now().date();
    let account = if ctx.principal.is_seller() {
        st.app
            .account(ctx, inv.account_id)
            .await
            .map(|a| a.value.name)
            .unwrap_or_default()
    } else {
        String::new()
    };
    let lines = m
        .report
        .lines
        .iter()
        .map(|lm| {
            let il = inv.lines.iter().find(|l| l.no == lm.invoice_line);
            MatchRow {
                no: lm.invoice_line,
                order_id: lm.order_id.0.to_string(),
                order_number: lm.order_number.clone(),
                order_line: lm.order_line,
                sku: lm.sku.clone(),
                description: il.map(|l| l.description.clone()).unwrap_or_default(),
                billed: format::qty(lm.billed_quantity),
                ordered: format::qty(lm.ordered),
                shipped: format::qty(lm.shipped),
                received: lm.received.map(format::qty).unwrap_or_else(|| "Not confirmed".into()),
                billed_before: format::qty(lm.billed_before),
                price: format::money(lm.billed_unit_price),
                contract_price: format::money(lm.contract_unit_price),
                amount: il.map(|l| format::money(l.amount())).unwrap_or_default(),
                ok: lm.discrepancies.is_empty(),
                explanations: lm.discrepancies.iter().map(|d| d.explanation.clone()).collect(),
            }
        })
        .collect();
    let applied = inv
        .applications
        .iter()
        .map(|a| Applied {
            what: match &a.source {
                SettlementSource::Payment(_) => "Payment".into(),
                SettlementSource::CreditMemo(_) => "Credit memo".into(),
            },
            at: format::date(a.at.date()),
            amount: format::money(a.amount),
        })
        .collect();
    // -- receivables --
    let r = super::receivables::documents::for_invoice(st, v, inv, problem).await?;
    let code = if r.problem.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    // -- /receivables --
    Ok(render(
        code,
        &InvoicePage {
            l: Layout::for_viewer(format!("Invoice {}", inv.number), v, "/invoices"),
            number: inv.number.clone(),
            account,
            status: Tag::progress(inv.status(today).as_str()),
            issued: format::date(inv.issued_on),
            due: format::date(inv.due_on),
            subtotal: format::money(inv.subtotal()),
            tax: format::money(inv.tax),
            freight: format::money(inv.freight),
            total: format::money(inv.total()),
            paid: format::money(inv.settled()),
            balance: format::money(inv.balance()),
            matches: m.report.matches,
            summary: m.report.summary.clone(),
            discrepancy_total: format::money(m.report.discrepancy_total),
            header: m.report.header.iter().map(|d| d.explanation.clone()).collect(),
            lines,
            applied,
            // -- cases --
            cases: super::cases::for_record(st, ctx, aftercart_domain::case::AboutKind::Invoice, inv.id.0).await?,
            // -- /cases --
            // -- receivables --
            r,
            // -- /receivables --
        },
    ))
}
