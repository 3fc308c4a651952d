//! The master-data kinds, where each row is its own record: `products` (by SKU), `prices` (by
//! account and SKU), `accounts` (by number) and `locations` (by account and location name). A
//! batch is planned row by row into one commit with the checkpoint; a key seen twice in one file
//! is a reject (the first row counts), so a file never depends on its row order.

mod catalog;
mod parties;

use super::checkpoint::Checkpoint;
use super::{ImportOptions, ImportSummary};
use crate::error::{AppError, Result};
use crate::{App, Ctx};
use aftercart_domain::account::Account;
use aftercart_interchange::erp::catalog::{PriceRow, ProductRow};
use aftercart_interchange::erp::parties::{AccountRow, LocationRow};
use aftercart_interchange::erp::{RawRow, RowError, RowReader};
use aftercart_store::{Commit, CommitError};
use std::collections::{HashMap, HashSet};
use std::io::BufRead;

/// Which master-data file is being imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MasterKind {
    Products,
    Prices,
    Accounts,
    Locations,
}

impl MasterKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MasterKind::Products => "products",
            MasterKind::Prices => "prices",
            MasterKind::Accounts => "accounts",
            MasterKind::Locations => "locations",
        }
    }

    /// The row checked into its wire type, with the key it is idempotent by and the column
    /// that names the key in a duplicate's reject.
    fn parse(self, raw: RawRow) -> std::result::Result<(Row, String, &'static str), RowError> {
        Ok(match self {
            MasterKind::Products => {
                let p = ProductRow::from_raw(&raw)?;
                let key = p.sku.to_lowercase();
                (Row::Product(raw, p), key, "sku")
            }
            MasterKind::Prices => {
                let p = PriceRow::from_raw(&raw)?;
                let key = format!("{}\u{1f}{}", p.account, p.sku.to_lowercase());
                (Row::Price(raw, p), key, "sku")
            }
            MasterKind::Accounts => {
                let a = AccountRow::from_raw(&raw)?;
                let key = a.number.clone();
                (Row::Account(raw, a), key, "number")
            }
            MasterKind::Locations => {
                let l = LocationRow::from_raw(&raw)?;
                let key = format!("{}\u{1f}{}", l.account, l.name.to_lowercase());
                (Row::Location(raw, l), key, "name")
            }
        })
    }
}

enum Row {
    Product(RawRow, ProductRow),
    Price(RawRow, PriceRow),
    Account(RawRow, AccountRow),
    Location(RawRow, LocationRow),
}

#[derive(Default)]
struct Tally {
    created: u64,
    updated: u64,
    unchanged: u64,
}

/// Accounts read once per batch and changed in memory (prices, locations), written once each:
/// the account, its stored version, and whether it changed.
type AccountCache = HashMap<String, Option<(Account, i64, bool)>>;

impl App {
    /// Imports a master-data file from `reader`, continuing from `cp` (see
    /// [`App::import_checkpoint`]); the totals cover the whole file.
    pub async fn import_master<R: BufRead>(
        &self,
        ctx: &Ctx,
        kind: MasterKind,
        reader: &mut RowReader<R>,
        mut cp: Checkpoint,
        opts: &ImportOptions,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<(ImportSummary, Vec<RowError>)> {
        super::require_importer(ctx)?;
        let skip = cp.rows_done;
        let mut seen: HashSet<String> = HashSet::new();
        let mut batch: Vec<Row> = Vec::new();
        let mut rejects: Vec<RowError> = Vec::new();
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
            if no > skip {
                last_row = no;
            }
            // Rows before the checkpoint were committed by an interrupted run; the keys they
            // hold still count as seen.
            let (row, key, column) = match row.and_then(|raw| kind.parse(raw)) {
                Ok(r) => r,
                Err(e) => {
                    if no > skip {
                        rejects.push(e);
                    }
                    continue;
                }
            };
            let first = seen.insert(key);
            if no <= skip {
                continue;
            }
            if !first {
                rejects.push(RowError::new(
                    row.raw(),
                    column,
                    "appeared earlier in the file; the first row counts",
                ));
                continue;
            }
            batch.push(row);
            if batch.len() >= opts.batch_rows {
                self.commit_master(ctx, &mut cp, std::mem::take(&mut batch), &mut rejects, no, false)
                    .await?;
                progress(no);
            }
        }
        self.commit_master(ctx, &mut cp, batch, &mut rejects, last_row, true)
            .await?;
        progress(last_row);
        Ok((cp.summary, cp.rejects))
    }

    /// Plans every row of the batch into one commit with the checkpoint; a race with another
    /// writer re-plans from what is stored then.
    async fn commit_master(
        &self,
        ctx: &Ctx,
        cp: &mut Checkpoint,
        rows: Vec<Row>,
        rejects: &mut Vec<RowError>,
        rows_done: u64,
        done: bool,
    ) -> Result<()> {
        for _attempt in 0..8 {
            let mut next = cp.clone();
            for r in rejects.iter() {
                next.reject(r.clone());
            }
            let mut commit = Commit::default();
            let mut tally = Tally::default();
            let mut errs = Vec::new();
            self.plan_master_rows(ctx, &rows, &mut commit, &mut tally, &mut errs)
                .await?;
            errs.into_iter().for_each(|e| next.reject(e));
            next.summary.created += tally.created;
            next.summary.updated += tally.updated;
            next.summary.unchanged += tally.unchanged;
            next.rows_done = rows_done.max(next.rows_done);
            next.summary.read = next.rows_done;
            commit.docs.push(next.write(self.clock.now(), done)?);
            match self.store.commit(commit).await {
                Ok(()) => {
                    next.version = Some(next.version.map_or(1, |v| v + 1));
                    *cp = next;
                    rejects.clear();
                    return Ok(());
                }
                // Someone changed a product or account meanwhile, or created one of the keys.
                Err(CommitError::Conflict(_) | CommitError::NumberTaken { .. }) => continue,
                Err(CommitError::Duplicate) => return Err(AppError::Duplicate),
                Err(CommitError::IdempotencyKeyTaken) => return Err(AppError::IdempotencyRace),
                Err(CommitError::Store(e)) => return Err(AppError::Store(e)),
            }
        }
        Err(AppError::Conflict(
            "the import batch is being changed by others; run it again".into(),
        ))
    }

    async fn plan_master_rows(
        &self,
        ctx: &Ctx,
        rows: &[Row],
        commit: &mut Commit,
        tally: &mut Tally,
        errs: &mut Vec<RowError>,
    ) -> Result<()> {
        let mut accounts: AccountCache = HashMap::new();
        let mut products = HashMap::new();
        for row in rows {
            match row {
                Row::Product(_, p) => self.plan_product(ctx, p, commit, tally).await?,
                Row::Price(raw, p) => {
                    self.plan_price(ctx, raw, p, &mut accounts, &mut products, commit, tally, errs)
                        .await?
                }
                Row::Account(raw, a) => self.plan_account(ctx, raw, a, commit, tally, errs).await?,
                Row::Location(raw, l) => {
                    self.plan_location(ctx, raw, l, &mut accounts, commit, tally, errs)
                        .await?
                }
            }
        }
        for (account, version, dirty) in accounts.into_values().flatten() {
            if dirty {
                commit.docs.push(crate::docs::write(
                    &account,
                    aftercart_store::WriteMode::Update(version),
                )?);
                commit.keys.extend(crate::accounts::name_keys(&account));
            }
        }
        Ok(())
    }

    /// The account with this number from the batch's cache, read from the store the first time.
    async fn cached_account<'a>(
        &self,
        accounts: &'a mut AccountCache,
        number: &str,
    ) -> Result<Option<&'a mut (Account, i64, bool)>> {
        if !accounts.contains_key(number) {
            let found = match self.store.by_number("account", number).await? {
                Some(row) => Some((crate::docs::decode::<Account>(&row)?.value, row.version, false)),
                None => None,
            };
            accounts.insert(number.to_owned(), found);
        }
        Ok(accounts.get_mut(number).and_then(Option::as_mut))
    }
}

impl Row {
    fn raw(&self) -> &RawRow {
        match self {
            Row::Product(r, _) | Row::Price(r, _) | Row::Account(r, _) | Row::Location(r, _) => r,
        }
    }
}
