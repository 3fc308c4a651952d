//! The statement of account for a period: the opening balance, every invoice, credit memo and
//! payment dated in it with a running balance, the closing balance, and what makes that up —
//! the invoices still open less the account credit not applied — beside today's aging; with
//! the same statement as PDF and CSV.

use super::{file, own_account};
use crate::WebState;
use crate::form::Errors;
use crate::format;
use crate::pages::{parse_date, query};
use crate::render::{Layout, PageError, PageResult, render};
use crate::session::Viewer;
use aftercart_app::AppError;
use aftercart_domain::money::Money;
use aftercart_domain::receivables::aging::Bucket;
use askama::Template;
use axum::extract::{RawQuery, State};
use serde::Deserialize;
use time::Date;

#[derive(Deserialize, Default)]
pub struct PeriodQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// The period asked for: `from` defaults to the first of this month, `to` to today.
fn period(st: &WebState, q: &PeriodQuery, e: &mut Errors) -> (Date, Date) {
    let today = st.app.clock.now().date();
    let from = parse_date(e, "from", "The first day", &q.from).unwrap_or_else(|| today.replace_day(1).unwrap_or(today));
    let to = parse_date(e, "to", "The last day", &q.to).unwrap_or(today);
    (from, to)
}

pub struct ItemRow {
    pub date: String,
    pub kind: String,
    pub reference: String,
    pub href: String,
    pub description: String,
    pub debit: String,
    pub credit: String,
    pub balance: String,
}

pub struct OpenRow {
    pub href: String,
    pub number: String,
    pub due: String,
    pub overdue: bool,
    pub balance: String,
}

#[derive(Template)]
#[template(path = "statement.html")]
struct StatementPage {
    l: Layout,
    e: Errors,
    account: String,
    from: String,
    to: String,
    period: String,
    shown: bool,
    opening: String,
    items: Vec<ItemRow>,
    debits: String,
    credits: String,
    closing: String,
    open_items: Vec<OpenRow>,
    open_total: String,
    unapplied: String,
    aging: Vec<(String, String)>,
    aging_total: String,
    query: String,
}

/// `GET /statement?from=&to=`.
pub async fn page(State(st): State<WebState>, v: Viewer, RawQuery(raw): RawQuery) -> PageResult {
    let q: PeriodQuery = query(raw.as_deref());
    let account = own_account(&v)?;
    let mut e = Errors::default();
    let (from, to) = period(&st, &q, &mut e);
    let acc = st.app.account(&v.ctx, account).await?.value;
    let zero = Money::zero(acc.currency);
    let mut page = StatementPage {
        l: Layout::for_viewer("Statement", &v, "/statement"),
        e: Errors::default(),
        account: acc.name.clone(),
        from: if q.from.trim().is_empty() {
            from.to_string()
        } else {
            q.from.trim().to_owned()
        },
        to: if q.to.trim().is_empty() {
            to.to_string()
        } else {
            q.to.trim().to_owned()
        },
        period: format!("{} to {}", format::date(from), format::date(to)),
        shown: false,
        opening: String::new(),
        items: Vec::new(),
        debits: String::new(),
        credits: String::new(),
        closing: String::new(),
        open_items: Vec::new(),
        open_total: String::new(),
        unapplied: String::new(),
        aging: Vec::new(),
        aging_total: String::new(),
        query: format!("from={from}&to={to}"),
    };
    if e.is_empty() {
        match st.app.statement(&v.ctx, account, from, to).await {
            Ok((_, s)) => {
                let today = st.app.clock.now().date();
                let m = |x: Money| if x.is_zero() { String::new() } else { format::money(x) };
                page.shown = true;
                page.opening = format::money(s.opening_balance);
                page.items = s
                    .items
                    .iter()
                    .map(|i| ItemRow {
                        date: format::date(i.date),
                        kind: i.kind.label().into(),
                        reference: i.reference.clone(),
                        href: i.invoice_id.map(|id| format!("/invoices/{}", id.0)).unwrap_or_default(),
                        description: i.description.clone(),
                        debit: m(i.debit),
                        credit: m(i.credit),
                        balance: format::money(i.balance),
                    })
                    .collect();
                page.debits = format::money(s.total_debits);
                page.credits = format::money(s.total_credits);
                page.closing = format::money(s.closing_balance);
                page.open_items = s
                    .open_items
                    .iter()
                    .map(|o| OpenRow {
                        href: format!("/invoices/{}", o.invoice_id.0),
                        number: o.number.clone(),
                        due: format::date(o.due_on),
                        overdue: o.due_on < today,
                        balance: format::money(o.balance),
                    })
                    .collect();
                let open = s
                    .open_items
                    .iter()
                    .fold(zero, |a, o| a.checked_add(o.balance).unwrap_or(a));
                page.open_total = format::money(open);
                page.unapplied = format::money(s.unapplied_cash);
                let aging = st.app.account_aging(&v.ctx, account).await?;
                page.aging = Bucket::ALL
                    .iter()
                    .map(|b| {
                        let label = match b {
                            Bucket::Current => "Not yet due".to_owned(),
                            b => format!("{} days overdue", b.label()),
                        };
                        (label, format::money(aging.get(*b)))
                    })
                    .collect();
                page.aging_total = format::money(aging.total);
            }
            Err(AppError::Rejected(r)) => {
                let at = if r.field == "to" { "to" } else { "from" };
                e.add(at, super::sentence(&r.message));
            }
            Err(err) => return Err(err.into()),
        }
    }
    page.e = e;
    let code = super::status(&page.e);
    Ok(render(code, &page))
}

async fn download_period(st: &WebState, raw: Option<&str>) -> Result<(Date, Date), PageError> {
    let q: PeriodQuery = query(raw);
    let mut e = Errors::default();
    let p = period(st, &q, &mut e);
    if e.is_empty() {
        Ok(p)
    } else {
        // A download link is made by the statement page; a hand-edited one is not found.
        Err(PageError::NotFound)
    }
}

/// `GET /statement.pdf?from=&to=`.
pub async fn pdf(State(st): State<WebState>, v: Viewer, RawQuery(raw): RawQuery) -> PageResult {
    let account = own_account(&v)?;
    let (from, to) = download_period(&st, raw.as_deref()).await?;
    let (name, bytes) = st
        .app
        .statement_pdf(&v.ctx, account, from, to)
        .await
        .map_err(bad_period)?;
    Ok(file("application/pdf", &name, bytes))
}

/// `GET /statement.csv?from=&to=`.
pub async fn csv(State(st): State<WebState>, v: Viewer, RawQuery(raw): RawQuery) -> PageResult {
    let account = own_account(&v)?;
    let (from, to) = download_period(&st, raw.as_deref()).await?;
    let (name, text) = st
        .app
        .statement_csv(&v.ctx, account, from, to)
        .await
        .map_err(bad_period)?;
    Ok(file("text/csv; charset=utf-8", &name, text.into_bytes()))
}

fn bad_period(e: AppError) -> PageError {
    match e {
        AppError::Rejected(_) => PageError::NotFound,
        e => e.into(),
    }
}
