//! The catalogue kinds: `products` (created, or changed when the file's name, category or list
//! price differ, by SKU) and `prices` (an account's contract price for a SKU, set when it
//! differs). Each row is its own record, so a batch is planned row by row into one commit with
//! the checkpoint; a key seen twice in one file is a reject (the first row counts), so a file
//! never depends on its row order.

use super::checkpoint::Checkpoint;
use super::{ImportOptions, ImportSummary};
use crate::accounts::NewProduct;
use crate::docs::{Doc, decode, event, write};
use crate::error::{AppError, Result};
use crate::{App, Ctx};
use aftercart_domain::account::Account;
use aftercart_domain::ids::ProductId;
use aftercart_domain::money::Money;
use aftercart_domain::product::Product;
use aftercart_interchange::erp::catalog::{PriceRow, ProductRow};
use aftercart_interchange::erp::{RawRow, RowError, RowReader};
use aftercart_store::{Commit, CommitError, WriteMode};
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::io::BufRead;

/// Which catalogue file is being imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatalogKind {
    Products,
    Prices,
}

impl CatalogKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CatalogKind::Products => "products",
            CatalogKind::Prices => "prices",
        }
    }
}

enum Row {
    Product(RawRow, ProductRow),
    Price(RawRow, PriceRow),
}

#[derive(Default)]
struct Tally {
    created: u64,
    updated: u64,
    unchanged: u64,
}

impl App {
    /// Imports a `products` or `prices` file from `reader`, continuing from `cp` (see
    /// [`App::import_checkpoint`]); the totals cover the whole file.
    pub async fn import_catalog<R: BufRead>(
        &self,
        ctx: &Ctx,
        kind: CatalogKind,
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
            let parsed = row.and_then(|raw| match kind {
                CatalogKind::Products => ProductRow::from_raw(&raw).map(|p| Row::Product(raw, p)),
                CatalogKind::Prices => PriceRow::from_raw(&raw).map(|p| Row::Price(raw, p)),
            });
            let row = match parsed {
                Ok(r) => r,
                Err(e) => {
                    if no > skip {
                        rejects.push(e);
                    }
                    continue;
                }
            };
            let (raw, key, column) = match &row {
                Row::Product(raw, p) => (raw, p.sku.to_lowercase(), "sku"),
                Row::Price(raw, p) => (raw, format!("{}\u{1f}{}", p.account, p.sku.to_lowercase()), "sku"),
            };
            let first = seen.insert(key);
            if no <= skip {
                continue;
            }
            if !first {
                rejects.push(RowError::new(
                    raw,
                    column,
                    "appeared earlier in the file; the first row counts",
                ));
                continue;
            }
            batch.push(row);
            if batch.len() >= opts.batch_rows {
                self.commit_catalog(ctx, &mut cp, std::mem::take(&mut batch), &mut rejects, no, false)
                    .await?;
                progress(no);
            }
        }
        self.commit_catalog(ctx, &mut cp, batch, &mut rejects, last_row, true)
            .await?;
        progress(last_row);
        Ok((cp.summary, cp.rejects))
    }

    /// Plans every row of the batch into one commit with the checkpoint; a race with another
    /// writer re-plans from what is stored then.
    async fn commit_catalog(
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
            self.plan_catalog_rows(ctx, &rows, &mut commit, &mut tally, &mut errs)
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
                // Someone changed a product or account meanwhile, or created one of the SKUs.
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

    async fn plan_catalog_rows(
        &self,
        ctx: &Ctx,
        rows: &[Row],
        commit: &mut Commit,
        tally: &mut Tally,
        errs: &mut Vec<RowError>,
    ) -> Result<()> {
        let now = self.clock.now();
        let actor = ctx.principal.actor();
        // Prices: accounts changed in memory across the batch, written once each.
        let mut accounts: HashMap<String, Option<(Account, i64, bool)>> = HashMap::new();
        let mut products: HashMap<String, Option<ProductId>> = HashMap::new();
        for row in rows {
            match row {
                Row::Product(_, p) => match self.store.by_number(Product::KIND, &p.sku).await? {
                    None => {
                        let input = NewProduct {
                            sku: p.sku.clone(),
                            name: p.name.clone(),
                            category: p.category.clone(),
                            list_price: p.list_price,
                            setup_guide: None,
                            care_instructions: None,
                        };
                        let planned = self.plan_create_product(ctx, &input).await?;
                        commit.docs.extend(planned.commit.docs);
                        commit.events.extend(planned.commit.events);
                        tally.created += 1;
                    }
                    Some(stored) => {
                        let version = stored.version;
                        let mut product = decode::<Product>(&stored)?.value;
                        if product.name == p.name
                            && product.category == p.category
                            && product.list_price == p.list_price
                        {
                            tally.unchanged += 1;
                            continue;
                        }
                        let before = json!({"name": product.name, "category": product.category,
                                            "list_price": product.list_price.to_string()});
                        product.name = p.name.clone();
                        product.category = p.category.clone();
                        product.list_price = p.list_price;
                        commit.docs.push(write(&product, WriteMode::Update(version))?);
                        commit.events.push(event(
                            &actor,
                            now,
                            "product.changed",
                            "product",
                            product.id.0,
                            None,
                            None,
                            json!({"sku": product.sku, "from": before, "list_price": product.list_price.to_string(),
                                   "name": product.name, "category": product.category}),
                        ));
                        tally.updated += 1;
                    }
                },
                Row::Price(raw, p) => {
                    if !accounts.contains_key(&p.account) {
                        let found = match self.store.by_number("account", &p.account).await? {
                            Some(row) => Some((decode::<Account>(&row)?.value, row.version, false)),
                            None => None,
                        };
                        accounts.insert(p.account.clone(), found);
                    }
                    if !products.contains_key(&p.sku) {
                        let found = match self.store.by_number(Product::KIND, &p.sku).await? {
                            Some(row) => Some(decode::<Product>(&row)?.value.id),
                            None => None,
                        };
                        products.insert(p.sku.clone(), found);
                    }
                    let Some(Some((account, _, dirty))) = accounts.get_mut(&p.account) else {
                        errs.push(RowError::new(raw, "account", "no account has this number"));
                        continue;
                    };
                    let Some(Some(product)) = products.get(&p.sku).copied() else {
                        errs.push(RowError::new(raw, "sku", "no product has this SKU"));
                        continue;
                    };
                    let price = match Money::parse(&p.unit_price, account.currency, "unit_price") {
                        Ok(m) => m,
                        Err(e) => {
                            errs.push(RowError::new(
                                raw,
                                "unit_price",
                                format!("{} (the account's currency is {})", e.message, account.currency),
                            ));
                            continue;
                        }
                    };
                    let before = account.contract_price(product);
                    if before == Some(price) {
                        tally.unchanged += 1;
                        continue;
                    }
                    if let Err(e) = account.set_contract_price(product, price) {
                        errs.push(RowError::new(raw, "unit_price", e.message));
                        continue;
                    }
                    *dirty = true;
                    commit.events.push(event(
                        &actor,
                        now,
                        "account.contract_price_set",
                        "account",
                        account.id.0,
                        Some(account.id),
                        None,
                        json!({"sku": p.sku, "from": before.map(|m| m.to_string()), "to": price.to_string()}),
                    ));
                    if before.is_some() {
                        tally.updated += 1;
                    } else {
                        tally.created += 1;
                    }
                }
            }
        }
        for (account, version, dirty) in accounts.into_values().flatten() {
            if dirty {
                commit.docs.push(write(&account, WriteMode::Update(version))?);
            }
        }
        Ok(())
    }
}
