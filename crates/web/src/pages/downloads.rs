//! Downloads of the viewer's orders (one row per line) and invoices as CSV, within what the
//! viewer may see (their account and location scope; staff choose a customer or get all).
//!
//! Cells that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or
//! carriage return) are prefixed with `'` (OWASP's advice on CSV injection): text typed by
//! customers (PO numbers, cost centres) reaches finance teams' spreadsheets.

use super::query;
use crate::WebState;
use crate::form::Errors;
use crate::render::{PageError, PageResult};
use crate::session::Viewer;
use aftercart_app::ListFilter;
use aftercart_domain::ids::AccountId;
use aftercart_domain::status::order_progress;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// The most records one download holds; past it the file ends with a note row.
pub const MAX_ROWS: usize = 50_000;

#[derive(Deserialize, Default)]
pub struct DownloadQuery {
    #[serde(default)]
    account: String,
}

fn cell(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_owned(),
    }
}

fn csv_response(name: &str, body: Vec<u8>) -> Response {
    let mut r = (StatusCode::OK, body).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// The account filter: a customer's own account; staff may pick one (an unknown one is 404).
async fn account_filter(st: &WebState, v: &Viewer, raw: &str) -> Result<Option<AccountId>, PageError> {
    if let Some(own) = v.ctx.principal.own_account() {
        return Ok(Some(own));
    }
    let accounts = super::orders::account_names(st, v).await?;
    let mut e = Errors::default();
    match e.choice("account", raw, &accounts, AccountId, "unknown customer") {
        Some(a) => Ok(Some(a)),
        None if e.is_empty() => Ok(None),
        None => Err(PageError::NotFound),
    }
}

fn write_err(e: impl std::fmt::Display) -> PageError {
    tracing::error!(error = %e, "CSV could not be written");
    PageError::Internal
}

pub async fn orders_csv(State(st): State<WebState>, v: Viewer, RawQuery(raw): RawQuery) -> PageResult {
    let q: DownloadQuery = query(raw.as_deref());
    let account = account_filter(&st, &v, &q.account).await?;
    let names = super::orders::account_names(&st, &v).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "order_number",
        "customer",
        "placed_at",
        "order_status",
        "order_po",
        "line",
        "sku",
        "description",
        "ship_to",
        "line_po",
        "cost_centre",
        "requested_date",
        "ordered",
        "cancelled",
        "backordered",
        "in_transit",
        "delivered",
        "unit_price",
        "line_total",
        "currency",
    ])
    .map_err(write_err)?;
    let mut f = ListFilter {
        account_id: account,
        limit: 500,
        ..Default::default()
    };
    let mut rows = 0usize;
    let mut locations: std::collections::HashMap<AccountId, Vec<(aftercart_domain::ids::LocationId, String)>> =
        Default::default();
    'pages: loop {
        let page = st.app.list_orders(&v.ctx, &f).await?;
        for o in &page.items {
            let o = &o.value;
            if rows >= MAX_ROWS {
                w.write_record([format!(
                    "(download stopped after {MAX_ROWS} orders; filter by customer for the rest)"
                )])
                .map_err(write_err)?;
                break 'pages;
            }
            rows += 1;
            let customer = names
                .iter()
                .find(|(id, _)| *id == o.account_id)
                .map(|(_, n)| n.clone())
                .unwrap_or_default();
            let status = aftercart_app::approval_status(o).unwrap_or(order_progress(o).as_str());
            if let std::collections::hash_map::Entry::Vacant(slot) = locations.entry(o.account_id) {
                // A supplier sees the lines routed to it, not the customer's account.
                slot.insert(match st.app.account(&v.ctx, o.account_id).await {
                    Ok(a) => a.value.locations.iter().map(|l| (l.id, l.name.clone())).collect(),
                    Err(aftercart_app::AppError::NotFound { .. }) => Vec::new(),
                    Err(e) => return Err(e.into()),
                });
            }
            let known = &locations[&o.account_id];
            for l in &o.lines {
                let ledger = o.ledger(l);
                let location = known
                    .iter()
                    .find(|(id, _)| *id == l.ship_to)
                    .map(|(_, n)| n.clone())
                    .unwrap_or_default();
                w.write_record([
                    cell(&o.number),
                    cell(&customer),
                    crate::format::iso_datetime(o.placed_at),
                    status.to_owned(),
                    cell(o.po_number.as_deref().unwrap_or("")),
                    l.no.to_string(),
                    cell(&l.sku),
                    cell(&l.description),
                    cell(&location),
                    cell(l.po_number.as_deref().unwrap_or("")),
                    cell(l.cost_centre.as_deref().unwrap_or("")),
                    l.requested_date.map(crate::format::iso_date).unwrap_or_default(),
                    ledger.ordered.get().to_string(),
                    ledger.cancelled.get().to_string(),
                    ledger.backordered.get().to_string(),
                    ledger.in_transit.get().to_string(),
                    ledger.delivered.get().to_string(),
                    l.unit_price.amount_string(),
                    l.unit_price.times(l.quantity.get()).amount_string(),
                    o.currency.code().to_owned(),
                ])
                .map_err(write_err)?;
            }
        }
        match page.next {
            Some(n) => f.before = Some(n),
            None => break,
        }
    }
    let body = w.into_inner().map_err(write_err)?;
    Ok(csv_response("orders.csv", body))
}

pub async fn invoices_csv(State(st): State<WebState>, v: Viewer, RawQuery(raw): RawQuery) -> PageResult {
    let q: DownloadQuery = query(raw.as_deref());
    let account = account_filter(&st, &v, &q.account).await?;
    let names = super::orders::account_names(&st, &v).await?;
    let today = st.app.clock.now().date();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "invoice_number",
        "customer",
        "issued_on",
        "due_on",
        "status",
        "goods",
        "freight",
        "tax",
        "total",
        "settled",
        "balance",
        "currency",
    ])
    .map_err(write_err)?;
    let mut f = ListFilter {
        account_id: account,
        limit: 500,
        ..Default::default()
    };
    let mut rows = 0usize;
    'pages: loop {
        let page = st.app.list_invoices(&v.ctx, &f).await?;
        for i in &page.items {
            let i = &i.value;
            if rows >= MAX_ROWS {
                w.write_record([format!(
                    "(download stopped after {MAX_ROWS} invoices; filter by customer for the rest)"
                )])
                .map_err(write_err)?;
                break 'pages;
            }
            rows += 1;
            let customer = names
                .iter()
                .find(|(id, _)| *id == i.account_id)
                .map(|(_, n)| n.clone())
                .unwrap_or_default();
            let goods = i
                .total()
                .checked_sub(i.freight)
                .and_then(|m| m.checked_sub(i.tax))
                .unwrap_or(i.total());
            w.write_record([
                cell(&i.number),
                cell(&customer),
                crate::format::iso_date(i.issued_on),
                crate::format::iso_date(i.due_on),
                i.status(today).as_str().to_owned(),
                goods.amount_string(),
                i.freight.amount_string(),
                i.tax.amount_string(),
                i.total().amount_string(),
                i.settled().amount_string(),
                i.balance().amount_string(),
                i.currency.code().to_owned(),
            ])
            .map_err(write_err)?;
        }
        match page.next {
            Some(n) => f.before = Some(n),
            None => break,
        }
    }
    let body = w.into_inner().map_err(write_err)?;
    Ok(csv_response("invoices.csv", body))
}
