//! ERP bulk import: rows read by `aftercart_interchange::erp`, applied through the app's own
//! plan functions (so every domain rule holds) in batches, one commit per batch. Idempotent by
//! the ERP's external ids: each imported record has a bookkeeping document whose id is derived
//! from (kind, external id), holding what was last imported, so a row seen again is compared,
//! not re-applied. Resumable: the batch's commit also moves a checkpoint document (the file's
//! SHA-256, the rows done, the running totals and the rejects), so a killed import re-run on the
//! same file skips what was committed and ends with the totals of one uninterrupted run.

pub mod checkpoint;
mod export;
mod ledger;
mod master;
mod orders;

pub use aftercart_interchange::erp::Format as ExportFormat;
pub use aftercart_interchange::erp::RowReader;
pub use aftercart_interchange::erp::export::ExportKind;
pub use checkpoint::{Checkpoint, ImportSummary};
pub use export::ExportPage;
pub use ledger::LedgerKind;
pub use master::MasterKind;
pub use orders::ImportOptions;

use crate::error::{AppError, Result};
use crate::{Action, App, Ctx, PrincipalKind};
use aftercart_interchange::erp::RowError;
use sha2::{Digest, Sha256};
use std::io::BufRead;
use uuid::Uuid;

/// A stable document id for `name` (kind and external id): the first 16 bytes of its SHA-256,
/// marked as a version-8 (custom) UUID. The same name always gives the same id, so a second
/// import finds the record with one read, and two racing imports cannot both insert it.
pub(crate) fn derived_id(name: &str) -> Uuid {
    let h = Sha256::digest(name.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&h[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    Uuid::from_bytes(b)
}

/// What an import file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    /// One row per order line, grouped into orders by `order_ref`.
    Orders,
    /// One row per record: products, prices, accounts, locations.
    Master(MasterKind),
    /// Rows grouped into one document each by its external id: shipments, invoices, payments.
    Ledger(LedgerKind),
}

impl ImportKind {
    /// Every kind, in the order a new seller would import them.
    pub const ALL: [ImportKind; 9] = [
        ImportKind::Master(MasterKind::Accounts),
        ImportKind::Master(MasterKind::Locations),
        ImportKind::Master(MasterKind::Products),
        ImportKind::Master(MasterKind::Prices),
        ImportKind::Orders,
        ImportKind::Ledger(LedgerKind::Allocations),
        ImportKind::Ledger(LedgerKind::Shipments),
        ImportKind::Ledger(LedgerKind::Invoices),
        ImportKind::Ledger(LedgerKind::Payments),
    ];

    pub fn parse(s: &str) -> Option<ImportKind> {
        ImportKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ImportKind::Orders => "orders",
            ImportKind::Master(m) => m.as_str(),
            ImportKind::Ledger(l) => l.as_str(),
        }
    }

    /// `accounts, locations, …` for messages naming the kinds.
    pub fn names() -> String {
        ImportKind::ALL.map(ImportKind::as_str).join(", ")
    }
}

impl App {
    /// Imports a file of `kind` from `reader`, continuing from `cp` (see
    /// [`App::import_checkpoint`]); `progress` is told the data rows read so far. Returns the
    /// totals over the whole file and the rejects (row, column, reason, original row).
    pub async fn import<R: BufRead>(
        &self,
        ctx: &Ctx,
        kind: ImportKind,
        reader: &mut RowReader<R>,
        cp: Checkpoint,
        opts: &ImportOptions,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<(ImportSummary, Vec<RowError>)> {
        match kind {
            ImportKind::Orders => self.import_orders(ctx, reader, cp, opts, progress).await,
            ImportKind::Master(m) => self.import_master(ctx, m, reader, cp, opts, progress).await,
            ImportKind::Ledger(l) => self.import_ledger(ctx, l, reader, cp, opts, progress).await,
        }
    }
}

/// Imports span every account (and create products): the seller's admins and the system only.
pub fn require_importer(ctx: &Ctx) -> Result<()> {
    if matches!(ctx.principal.kind, PrincipalKind::Staff(_) | PrincipalKind::System)
        && ctx.principal.may(Action::Integrations)
    {
        Ok(())
    } else {
        Err(AppError::Forbidden("imports are for the seller's admins".into()))
    }
}

/// The SHA-256 of a file's bytes, hex: what a checkpoint is keyed by.
pub fn file_sha256(mut r: impl std::io::Read) -> std::io::Result<(String, u64)> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut lines = 0u64;
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            break;
        }
        lines += buf[..n].iter().filter(|&&c| c == b'\n').count() as u64;
        h.update(&buf[..n]);
    }
    Ok((hex_of(&h.finalize()), lines))
}

fn hex_of(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
