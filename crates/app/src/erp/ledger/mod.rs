//! The ledger kinds, where several rows make one document known by its external id:
//! `allocations` (by order), `shipments` (by `shipment_ref`), `invoices` (by `invoice_number`)
//! and `payments` (by `payment_ref`). Rows of one document are adjacent. Each document is
//! planned with the app's own command functions into the batch's commit; a batch ends before a
//! document that touches an order or invoice an earlier one in the batch touched, since both
//! would plan from the same stored version. A shipment, invoice or payment that exists is
//! compared with what was imported: the same rows are unchanged, other rows a reject — what
//! left, was invoiced or was paid is corrected in Aftercart (a credit memo, a reversal), never
//! overwritten by a file. Allocations are totals, compared with what is allocated now.

mod allocations;
mod invoices;
mod payments;
mod shipments;

use super::checkpoint::Checkpoint;
use super::{ImportOptions, ImportSummary};
use crate::error::{AppError, Result};
use crate::{App, Ctx};
use aftercart_domain::account::{Account, FulfilmentLocation};
use aftercart_interchange::erp::allocations::AllocationRow;
use aftercart_interchange::erp::invoices::InvoiceLineRow;
use aftercart_interchange::erp::payments::PaymentRow;
use aftercart_interchange::erp::shipments::ShipmentLineRow;
use aftercart_interchange::erp::{RawRow, RowError, RowReader};
use aftercart_store::{Commit, CommitError};
use std::collections::{HashMap, HashSet};
use std::io::BufRead;

/// Which ledger file is being imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedgerKind {
    Allocations,
    Shipments,
    Invoices,
    Payments,
}

impl LedgerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LedgerKind::Allocations => "allocations",
            LedgerKind::Shipments => "shipments",
            LedgerKind::Invoices => "invoices",
            LedgerKind::Payments => "payments",
        }
    }

    fn parse(self, raw: &RawRow) -> std::result::Result<Row, RowError> {
        Ok(match self {
            LedgerKind::Allocations => Row::Allocation(AllocationRow::from_raw(raw)?),
            LedgerKind::Shipments => Row::Shipment(ShipmentLineRow::from_raw(raw)?),
            LedgerKind::Invoices => Row::Invoice(InvoiceLineRow::from_raw(raw)?),
            LedgerKind::Payments => Row::Payment(PaymentRow::from_raw(raw)?),
        })
    }

    fn key_column(self) -> &'static str {
        match self {
            LedgerKind::Allocations => "order",
            LedgerKind::Shipments => "shipment_ref",
            LedgerKind::Invoices => "invoice_number",
            LedgerKind::Payments => "payment_ref",
        }
    }
}

enum Row {
    Allocation(AllocationRow),
    Shipment(ShipmentLineRow),
    Invoice(InvoiceLineRow),
    Payment(PaymentRow),
}

impl Row {
    /// The document's external id.
    fn key(&self) -> &str {
        match self {
            Row::Allocation(r) => &r.order,
            Row::Shipment(r) => &r.shipment_ref,
            Row::Invoice(r) => &r.invoice_number,
            Row::Payment(r) => &r.payment_ref,
        }
    }

    /// What the document's commit will update: an order (shipments, invoices' order-invoice
    /// bookkeeping) or an invoice (payments).
    fn touches(&self) -> Option<String> {
        match self {
            Row::Allocation(r) => Some(format!("order:{}", r.order)),
            Row::Shipment(r) => Some(format!("order:{}", r.order)),
            Row::Invoice(r) => Some(format!("order:{}", r.order)),
            Row::Payment(r) => r.invoice.as_ref().map(|i| format!("invoice:{i}")),
        }
    }
}

/// One document's rows, in file order.
struct Group {
    key: String,
    rows: Vec<(RawRow, Row)>,
}

impl Group {
    fn first_row(&self) -> u64 {
        self.rows[0].0.no
    }

    fn touches(&self) -> HashSet<String> {
        self.rows.iter().filter_map(|(_, r)| r.touches()).collect()
    }

    /// Every row rejected. With `at`, that row carries the cause and the others say why they
    /// were refused with it; without, every row carries the cause.
    fn refuse(&self, at: Option<usize>, column: &str, reason: &str) -> Vec<RowError> {
        self.rows
            .iter()
            .enumerate()
            .map(|(j, (raw, _))| match at {
                Some(i) if i != j => RowError::new(
                    raw,
                    "",
                    format!("its document was refused: row {} {column}: {reason}", self.rows[i].0.no),
                ),
                _ => RowError::new(raw, column, reason),
            })
            .collect()
    }
}

/// A document's outcome, counted in rows.
enum Outcome {
    Created(u64),
    Unchanged(u64),
    Refused(Vec<RowError>),
    /// Rows judged one by one (allocations): some applied, some not.
    Rows {
        created: u64,
        updated: u64,
        unchanged: u64,
        rejects: Vec<RowError>,
    },
}

/// What a batch reads once: the fulfilment locations by code, and accounts by number.
#[derive(Default)]
struct Lookups {
    sites: HashMap<String, FulfilmentLocation>,
    accounts: HashMap<String, Option<Account>>,
}

impl App {
    /// Imports a ledger file from `reader`, continuing from `cp` (see [`App::import_checkpoint`]).
    pub async fn import_ledger<R: BufRead>(
        &self,
        ctx: &Ctx,
        kind: LedgerKind,
        reader: &mut RowReader<R>,
        mut cp: Checkpoint,
        opts: &ImportOptions,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<(ImportSummary, Vec<RowError>)> {
        super::require_importer(ctx)?;
        let sites = self
            .fulfilment_locations(ctx)
            .await?
            .into_iter()
            .map(|l| (l.code.clone(), l))
            .collect();
        let mut look = Lookups {
            sites,
            ..Default::default()
        };
        let skip = cp.rows_done;
        let mut seen: HashSet<String> = HashSet::new();
        let mut batch = Batch::default();
        let mut current: Option<Group> = None;
        let mut last_row = skip;
        loop {
            let row = match reader.next_row() {
                None => break,
                Some(Err(e)) => {
                    return Err(AppError::Rejected(aftercart_domain::Rejection::new(
                        aftercart_domain::ErrorCode::InvalidValue,
                        "file",
                        e,
                    )));
                }
                Some(Ok(r)) => r,
            };
            let no = match &row {
                Ok(r) => r.no,
                Err(e) => e.row,
            };
            let parsed = row.and_then(|raw| kind.parse(&raw).map(|p| (raw, p)));
            if no <= skip {
                // Committed by an interrupted run; its documents' ids still count as seen, so a
                // resumed run refuses a non-adjacent repeat as an uninterrupted one would.
                if let Ok((_, p)) = &parsed {
                    seen.insert(p.key().to_owned());
                }
                continue;
            }
            last_row = no;
            let (raw, parsed) = match parsed {
                Ok(x) => x,
                Err(e) => {
                    batch.pending.push(e);
                    continue;
                }
            };
            if let Some(g) = current.as_mut()
                && g.key == parsed.key()
            {
                g.rows.push((raw, parsed));
                continue;
            }
            if let Some(g) = current.take() {
                self.close_group(ctx, &mut look, &mut cp, &mut batch, g, opts, progress)
                    .await?;
            }
            if !seen.insert(parsed.key().to_owned()) {
                batch.pending.push(RowError::new(
                    &raw,
                    kind.key_column(),
                    "the rows of one document must be adjacent; this one appeared earlier in the file",
                ));
                continue;
            }
            current = Some(Group {
                key: parsed.key().to_owned(),
                rows: vec![(raw, parsed)],
            });
        }
        if let Some(g) = current.take() {
            self.close_group(ctx, &mut look, &mut cp, &mut batch, g, opts, progress)
                .await?;
        }
        let groups = std::mem::take(&mut batch.groups);
        let pending = std::mem::take(&mut batch.pending);
        self.commit_ledger(ctx, &mut look, &mut cp, &groups, pending, last_row, true)
            .await?;
        progress(last_row);
        Ok((cp.summary, cp.rejects))
    }

    /// Adds a complete document to the batch, committing the batch first when it is full or
    /// already touches what this document touches.
    #[allow(clippy::too_many_arguments)]
    async fn close_group(
        &self,
        ctx: &Ctx,
        look: &mut Lookups,
        cp: &mut Checkpoint,
        batch: &mut Batch,
        g: Group,
        opts: &ImportOptions,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<()> {
        let touches = g.touches();
        if !batch.groups.is_empty() && (batch.rows >= opts.batch_rows || !batch.touched.is_disjoint(&touches)) {
            // Committed up to the row before this document; rejects of rows inside it wait.
            let cut = g.first_row() - 1;
            let (now, later): (Vec<_>, Vec<_>) = std::mem::take(&mut batch.pending)
                .into_iter()
                .partition(|e| e.row <= cut);
            batch.pending = later;
            let groups = std::mem::take(&mut batch.groups);
            self.commit_ledger(ctx, look, cp, &groups, now, cut, false).await?;
            batch.rows = 0;
            batch.touched.clear();
            progress(cut);
        }
        batch.rows += g.rows.len();
        batch.touched.extend(touches);
        batch.groups.push(g);
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn commit_ledger(
        &self,
        ctx: &Ctx,
        look: &mut Lookups,
        cp: &mut Checkpoint,
        groups: &[Group],
        rejects: Vec<RowError>,
        rows_done: u64,
        done: bool,
    ) -> Result<()> {
        for _attempt in 0..8 {
            let mut next = cp.clone();
            for r in &rejects {
                next.reject(r.clone());
            }
            let mut commit = Commit::default();
            for g in groups {
                let outcome = match g.rows[0].1 {
                    Row::Allocation(_) => self.plan_allocations(ctx, look, g, &mut commit).await?,
                    Row::Shipment(_) => self.plan_shipment(ctx, look, g, &mut commit).await?,
                    Row::Invoice(_) => self.plan_invoice(ctx, look, g, &mut commit).await?,
                    Row::Payment(_) => self.plan_payment(ctx, look, g, &mut commit).await?,
                };
                match outcome {
                    Outcome::Created(n) => next.summary.created += n,
                    Outcome::Unchanged(n) => next.summary.unchanged += n,
                    Outcome::Refused(errs) => errs.into_iter().for_each(|e| next.reject(e)),
                    Outcome::Rows {
                        created,
                        updated,
                        unchanged,
                        rejects,
                    } => {
                        next.summary.created += created;
                        next.summary.updated += updated;
                        next.summary.unchanged += unchanged;
                        rejects.into_iter().for_each(|e| next.reject(e));
                    }
                }
            }
            next.rows_done = rows_done;
            next.summary.read = rows_done;
            commit.docs.push(next.write(self.clock.now(), done)?);
            match self.store.commit(commit).await {
                Ok(()) => {
                    next.version = Some(next.version.map_or(1, |v| v + 1));
                    *cp = next;
                    return Ok(());
                }
                // Someone changed an order, invoice or account meanwhile, or took a number:
                // planned again from what is stored, with accounts read afresh.
                Err(CommitError::Conflict(_) | CommitError::NumberTaken { .. }) => {
                    look.accounts.clear();
                    continue;
                }
                Err(CommitError::Duplicate) => return Err(AppError::Duplicate),
                Err(CommitError::IdempotencyKeyTaken) => return Err(AppError::IdempotencyRace),
                Err(CommitError::Store(e)) => return Err(AppError::Store(e)),
            }
        }
        Err(AppError::Conflict(
            "the import batch is being changed by others; run it again".into(),
        ))
    }

    /// The account with this number (read once per import).
    async fn ledger_account(&self, look: &mut Lookups, number: &str) -> Result<Option<Account>> {
        if !look.accounts.contains_key(number) {
            let found = match self.store.by_number("account", number).await? {
                Some(row) => Some(crate::docs::decode::<Account>(&row)?.value),
                None => None,
            };
            look.accounts.insert(number.to_owned(), found);
        }
        Ok(look.accounts.get(number).cloned().flatten())
    }
}

#[derive(Default)]
struct Batch {
    groups: Vec<Group>,
    rows: usize,
    touched: HashSet<String>,
    /// Rejected rows not yet committed with a checkpoint.
    pending: Vec<RowError>,
}

/// A record of what was imported for one document (kind `erp_<kind>`, id derived from its
/// external id), inserted in the document's own commit.
fn record_write<T: serde::Serialize>(
    kind: &'static str,
    name: &str,
    record: &T,
    at: time::OffsetDateTime,
) -> Result<aftercart_store::DocWrite> {
    Ok(aftercart_store::DocWrite {
        id: super::derived_id(name),
        kind,
        account_id: None,
        number: None,
        status: None,
        at,
        mode: aftercart_store::WriteMode::Insert,
        data: serde_json::to_string(record).map_err(|e| AppError::Corrupt(e.to_string()))?,
    })
}

/// The line of `order` a row names: by SKU, and by ship-to (a location id or name on the
/// order's `account`) when the row gives one. Otherwise the column and reason of the reject.
fn find_line<'o>(
    order: &'o aftercart_domain::order::Order,
    account: Option<&Account>,
    sku: &str,
    ship_to: Option<&str>,
) -> std::result::Result<&'o aftercart_domain::order::Line, (&'static str, &'static str)> {
    let wanted = match ship_to {
        None => None,
        Some(s) => match account.and_then(|a| crate::erp::orders::ship_to(a, s)) {
            Some(id) => Some(id),
            None => {
                return Err((
                    "ship_to",
                    "is neither a location id nor a location name on the order's account",
                ));
            }
        },
    };
    let mut matching = order
        .lines
        .iter()
        .filter(|l| l.sku.eq_ignore_ascii_case(sku) && wanted.is_none_or(|w| l.ship_to == w));
    match (matching.next(), matching.next()) {
        (Some(l), None) => Ok(l),
        (None, _) => Err(("sku", "the order has no line for this sku")),
        (Some(_), Some(_)) => Err((
            "ship_to",
            "the order has this sku for several ship-tos: name the line's ship_to",
        )),
    }
}

/// The stored record of a document imported before, if any.
async fn stored_record<T: serde::de::DeserializeOwned>(app: &App, name: &str) -> Result<Option<T>> {
    match app.store.get(super::derived_id(name)).await? {
        None => Ok(None),
        Some(row) => serde_json::from_str(&row.data)
            .map(Some)
            .map_err(|e| AppError::Corrupt(format!("import record: {e}"))),
    }
}
