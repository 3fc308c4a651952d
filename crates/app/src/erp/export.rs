//! ERP export, incremental: "what changed since my last export" is answered from the event log,
//! the one record of every change, in commit order. A cursor is the sequence number of the last
//! event an export covered; a page reads the events after it, loads the records they touched
//! (orders, their shipments, invoices) as they stand now, and hands back their rows and the new
//! cursor. A record touched in two pages appears in both, the later with the newer state — an
//! ERP upserts by id, so the last row wins. Nothing is held but one page, so an export of any
//! size streams.

use crate::docs::decode;
use crate::error::{AppError, Result};
use crate::{App, Ctx, PrincipalKind};
use aftercart_domain::account::Account;
use aftercart_domain::ids::AccountId;
use aftercart_domain::invoice::Invoice;
use aftercart_domain::money::Money;
use aftercart_domain::order::{LineLedger, Order};
use aftercart_domain::status::{LineStatus, order_progress};
use aftercart_interchange::erp::Format;
use aftercart_interchange::erp::export::{ExportKind, ExportRow, ExportWriter};
use aftercart_store::EventFilter;
use std::collections::{HashMap, HashSet};
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

/// One page of an export.
#[derive(Debug, Clone)]
pub struct ExportPage {
    pub rows: Vec<ExportRow>,
    /// Records (orders, invoices) the rows came from.
    pub records: usize,
    /// Where the next page starts: the last event read (or the cursor given, when none).
    pub cursor: i64,
    /// No events after `cursor` yet: the export is up to date.
    pub done: bool,
}

/// How many records are read from the store at once.
const LOAD_CHUNK: usize = 200;

fn some(s: impl Into<String>) -> Option<String> {
    Some(s.into())
}

fn money(m: Money) -> Option<String> {
    Some(m.amount_string())
}

fn ts(t: time::OffsetDateTime) -> Option<String> {
    t.format(&Rfc3339).ok()
}

impl App {
    /// The rows of `kind` for the records changed by the (up to `max_events`) events after
    /// `after`. Seller staff and the system only: an export spans every account.
    pub async fn export_page(&self, ctx: &Ctx, kind: ExportKind, after: i64, max_events: u32) -> Result<ExportPage> {
        if !matches!(ctx.principal.kind, PrincipalKind::Staff(_) | PrincipalKind::System)
            || !ctx.principal.may(crate::Action::Integrations)
        {
            return Err(AppError::Forbidden("exports are for the seller's admins".into()));
        }
        let events = self
            .store
            .events(EventFilter::All, after.max(0), max_events.clamp(1, 50_000))
            .await?;
        let done = events.len() < max_events.clamp(1, 50_000) as usize;
        let cursor = events.last().map_or(after.max(0), |e| e.seq);
        let mut seen = HashSet::new();
        let ids: Vec<Uuid> = events
            .iter()
            .filter(|e| match kind {
                ExportKind::Orders => e.subject_kind == "order",
                ExportKind::Shipments => e.subject_kind == "order" && e.kind.starts_with("shipment."),
                ExportKind::Invoices => e.subject_kind == "invoice",
            })
            .map(|e| e.subject_id)
            .filter(|id| seen.insert(*id))
            .collect();
        let mut accounts: HashMap<AccountId, String> = HashMap::new();
        let mut rows = Vec::new();
        let mut records = 0;
        for chunk in ids.chunks(LOAD_CHUNK) {
            let docs = self.store.get_many(chunk).await?;
            match kind {
                ExportKind::Orders | ExportKind::Shipments => {
                    let orders = self.orders_from_rows(&docs).await?;
                    for o in orders {
                        let account = self.account_number(o.value.account_id, &mut accounts).await?;
                        records += 1;
                        if kind == ExportKind::Orders {
                            order_rows(&o.value, &account, &mut rows);
                        } else {
                            shipment_rows(&o.value, &account, &mut rows);
                        }
                    }
                }
                ExportKind::Invoices => {
                    for d in docs.iter().filter(|d| d.kind == "invoice") {
                        let inv = decode::<Invoice>(d)?.value;
                        let account = self.account_number(inv.account_id, &mut accounts).await?;
                        records += 1;
                        invoice_rows(&inv, &account, self.clock.now().date(), &mut rows);
                    }
                }
            }
        }
        Ok(ExportPage {
            rows,
            records,
            cursor,
            done,
        })
    }

    /// One page as a file (CSV with its header row, or JSON Lines), for the API.
    pub async fn export_file(
        &self,
        ctx: &Ctx,
        kind: ExportKind,
        format: Format,
        after: i64,
        max_events: u32,
    ) -> Result<(Vec<u8>, ExportPage)> {
        let mut page = self.export_page(ctx, kind, after, max_events).await?;
        let mut w = ExportWriter::new(kind, format, Vec::new()).map_err(AppError::Corrupt)?;
        for r in &page.rows {
            w.write(r).map_err(AppError::Corrupt)?;
        }
        page.rows.clear();
        Ok((w.finish().map_err(AppError::Corrupt)?, page))
    }

    async fn account_number(&self, id: AccountId, cache: &mut HashMap<AccountId, String>) -> Result<String> {
        if let Some(n) = cache.get(&id) {
            return Ok(n.clone());
        }
        let n = match self.store.get(id.0).await? {
            Some(row) => decode::<Account>(&row)?.value.number,
            None => String::new(),
        };
        cache.insert(id, n.clone());
        Ok(n)
    }
}

fn order_rows(o: &Order, account: &str, out: &mut Vec<ExportRow>) {
    let status = order_progress(o);
    for l in &o.lines {
        let ledger = LineLedger::of(l, &o.shipments);
        out.push(vec![
            some(o.id.0.to_string()),
            some(o.number.clone()),
            some(account),
            o.po_number.clone(),
            serde_json::to_value(o.channel)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned)),
            ts(o.placed_at),
            some(status.as_str()),
            some(l.no.to_string()),
            some(l.sku.clone()),
            some(l.description.clone()),
            some(l.ship_to.0.to_string()),
            l.requested_date.map(|d| d.to_string()),
            some(o.currency.code()),
            money(l.unit_price),
            some(ledger.ordered.to_string()),
            some(ledger.cancelled.to_string()),
            some(ledger.backordered.to_string()),
            l.backorder.as_ref().and_then(|b| b.expected).map(|d| d.to_string()),
            some(ledger.allocated.to_string()),
            some(ledger.shipped.to_string()),
            some(ledger.delivered.to_string()),
            some(ledger.returned.to_string()),
            l.cost_centre.clone(),
            some(LineStatus::of(&ledger).as_str()),
        ]);
    }
}

fn shipment_rows(o: &Order, account: &str, out: &mut Vec<ExportRow>) {
    for s in &o.shipments {
        for sl in &s.lines {
            out.push(vec![
                some(s.id.0.to_string()),
                some(o.id.0.to_string()),
                some(o.number.clone()),
                some(account),
                some(s.from.0.to_string()),
                some(s.to.0.to_string()),
                some(s.carrier.clone()),
                s.service.clone(),
                s.tracking_number.clone(),
                s.packing_slip.clone(),
                ts(s.shipped_at),
                s.estimated_delivery.or(s.promised_delivery).map(|d| d.to_string()),
                some(s.status().as_str()),
                some(sl.line.to_string()),
                o.lines.iter().find(|l| l.no == sl.line).map(|l| l.sku.clone()),
                some(sl.quantity.to_string()),
            ]);
        }
    }
}

fn invoice_rows(inv: &Invoice, account: &str, today: time::Date, out: &mut Vec<ExportRow>) {
    let status = inv.status(today);
    for l in &inv.lines {
        out.push(vec![
            some(inv.id.0.to_string()),
            some(inv.number.clone()),
            some(account),
            some(inv.issued_on.to_string()),
            some(inv.due_on.to_string()),
            some(inv.currency.code()),
            some(status.as_str()),
            money(inv.tax),
            money(inv.freight),
            some(l.no.to_string()),
            some(l.order_id.0.to_string()),
            some(l.order_line.to_string()),
            some(l.sku.clone()),
            some(l.description.clone()),
            some(l.quantity.to_string()),
            money(l.unit_price),
            money(l.amount()),
        ]);
    }
}
