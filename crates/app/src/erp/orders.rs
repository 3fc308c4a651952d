//! The `orders` kind: order lines grouped into orders by `order_ref`, placed with
//! `plan_place_order` (channel `erp`) and, when a later file changes them, changed with
//! `plan_request_changes` (quantities, requested dates, lines added or cancelled).

use super::checkpoint::Checkpoint;
use super::{ImportSummary, derived_id};
use crate::changes::{ChangeInput, RequestChanges};
use crate::error::{AppError, Result};
use crate::orders::{OrderLineInput, PlaceOrder, ProductRef};
use crate::{App, Ctx};
use aftercart_domain::account::Account;
use aftercart_domain::ids::{LocationId, OrderId};
use aftercart_domain::order::Channel;
use aftercart_domain::quantity::Qty;
use aftercart_interchange::erp::orders::OrderLineRow;
use aftercart_interchange::erp::{RawRow, RowError, RowReader};
use aftercart_store::{Commit, CommitError, DocWrite, WriteMode};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::io::BufRead;
use time::Date;
use uuid::Uuid;

const RECORD_KIND: &str = "erp_order";

#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Rows per commit (a batch ends at the end of an order, so it may hold a few more).
    pub batch_rows: usize,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions { batch_rows: 1000 }
    }
}

/// What was last imported for one external order: compared with the next file's rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Record {
    order_ref: String,
    order_id: Uuid,
    account: String,
    number: String,
    lines: Vec<RecordLine>,
}

/// A line is known by (sku, ship_to as written in the file) within its order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct RecordLine {
    sku: String,
    ship_to: String,
    no: u32,
    quantity: u32,
    requested_date: Option<Date>,
}

struct Group {
    order_ref: String,
    rows: Vec<(RawRow, OrderLineRow)>,
}

/// An order's outcome (with its number, to name it if the number is taken) and its rows'
/// rejects; no outcome when the whole order was rejected.
type Planned = (Option<(Outcome, String)>, Vec<RowError>);

enum Outcome {
    Created(u64),
    Updated { changed: u64, same: u64 },
    Unchanged(u64),
}

impl App {
    /// Imports order lines from `reader`, continuing from `cp` (see [`App::import_checkpoint`]).
    /// `progress` is told the data rows read so far. Returns the totals over the whole file and
    /// the rejects (row, column, reason, original row).
    pub async fn import_orders<R: BufRead>(
        &self,
        ctx: &Ctx,
        reader: &mut RowReader<R>,
        mut cp: Checkpoint,
        opts: &ImportOptions,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<(ImportSummary, Vec<RowError>)> {
        super::require_importer(ctx)?;
        let skip = cp.rows_done;
        let mut seen: HashSet<String> = HashSet::new();
        let mut batch: Vec<Group> = Vec::new();
        let mut batch_rows = 0usize;
        let mut pending_rejects: Vec<RowError> = Vec::new();
        let mut last_row = skip;
        loop {
            let next = reader.next_row();
            let row = match next {
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
            if no <= skip {
                continue;
            }
            last_row = no;
            let parsed = row.and_then(|raw| OrderLineRow::from_raw(&raw).map(|l| (raw, l)));
            let (raw, line) = match parsed {
                Ok(x) => x,
                Err(e) => {
                    pending_rejects.push(e);
                    continue;
                }
            };
            let continues = batch.last().is_some_and(|g| g.order_ref == line.order_ref);
            if continues {
                if let Some(g) = batch.last_mut() {
                    g.rows.push((raw, line));
                }
            } else {
                if batch_rows >= opts.batch_rows {
                    // The batch ends before this row's order: commit it, checkpointed at the
                    // row before this one.
                    self.commit_batch(
                        ctx,
                        &mut cp,
                        std::mem::take(&mut batch),
                        &mut pending_rejects,
                        no - 1,
                        false,
                    )
                    .await?;
                    batch_rows = 0;
                    progress(no - 1);
                }
                if !seen.insert(line.order_ref.clone()) {
                    pending_rejects.push(RowError::new(
                        &raw,
                        "order_ref",
                        "the rows of an order must be adjacent; this order_ref appeared earlier in the file",
                    ));
                    continue;
                }
                batch.push(Group {
                    order_ref: line.order_ref.clone(),
                    rows: vec![(raw, line)],
                });
            }
            batch_rows += 1;
        }
        self.commit_batch(ctx, &mut cp, batch, &mut pending_rejects, last_row, true)
            .await?;
        progress(last_row);
        Ok((cp.summary, cp.rejects))
    }

    /// Plans every order of the batch, then commits them, their records and the checkpoint as
    /// one commit. A race with another writer re-plans; an order whose number turns out taken is
    /// rejected and the rest committed.
    async fn commit_batch(
        &self,
        ctx: &Ctx,
        cp: &mut Checkpoint,
        mut groups: Vec<Group>,
        rejects: &mut Vec<RowError>,
        rows_done: u64,
        done: bool,
    ) -> Result<()> {
        let mut accounts: HashMap<String, Option<Account>> = HashMap::new();
        for _attempt in 0..8 {
            let mut next = cp.clone();
            for r in rejects.iter() {
                next.reject(r.clone());
            }
            let mut commit = Commit::default();
            let mut numbers: HashMap<String, usize> = HashMap::new();
            let mut outcomes = Vec::new();
            for (i, g) in groups.iter().enumerate() {
                let (planned, errs) = self.plan_group(ctx, g, &mut accounts, &mut commit).await?;
                errs.into_iter().for_each(|e| next.reject(e));
                if let Some((outcome, number)) = planned {
                    numbers.insert(number, i);
                    outcomes.push(outcome);
                }
            }
            for o in outcomes {
                match o {
                    Outcome::Created(n) => next.summary.created += n,
                    Outcome::Updated { changed, same } => {
                        next.summary.updated += changed;
                        next.summary.unchanged += same;
                    }
                    Outcome::Unchanged(n) => next.summary.unchanged += n,
                }
            }
            // Data rows are numbered from 1 with none skipped, so the rows read are the rows done.
            next.rows_done = rows_done;
            next.summary.read = rows_done;
            let now = self.clock.now();
            commit.docs.push(next.write(now, done)?);
            match self.store.commit(commit).await {
                Ok(()) => {
                    next.version = Some(next.version.map_or(1, |v| v + 1));
                    *cp = next;
                    rejects.clear();
                    return Ok(());
                }
                Err(CommitError::Conflict(_)) => continue,
                Err(CommitError::NumberTaken { number, .. }) => {
                    let Some(&i) = numbers.get(&number) else {
                        return Err(AppError::Conflict(format!("order number {number} is taken")));
                    };
                    let g = groups.remove(i);
                    for (raw, _) in &g.rows {
                        rejects.push(RowError::new(
                            raw,
                            "order_number",
                            format!("order number {number} is already taken by another order"),
                        ));
                    }
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

    /// One order: its rows checked against each other and the account, then placed, changed or
    /// found unchanged, its planned writes added to `commit`. `Ok(Err(..))` rejects its rows.
    async fn plan_group(
        &self,
        ctx: &Ctx,
        g: &Group,
        accounts: &mut HashMap<String, Option<Account>>,
        commit: &mut Commit,
    ) -> Result<Planned> {
        let (_, first) = &g.rows[0];
        let all = |column: &str, reason: &str| -> Vec<RowError> {
            g.rows
                .iter()
                .map(|(raw, _)| RowError::new(raw, column, reason))
                .collect()
        };
        if !accounts.contains_key(&first.account) {
            let found = match self.store.by_number("account", &first.account).await? {
                Some(row) => Some(crate::docs::decode::<Account>(&row)?.value),
                None => None,
            };
            accounts.insert(first.account.clone(), found);
        }
        let Some(account) = accounts.get(&first.account).cloned().flatten() else {
            return Ok((None, all("account", "no account has this number")));
        };
        let mut errs = Vec::new();
        let mut lines: Vec<(&RawRow, &OrderLineRow, LocationId)> = Vec::new();
        let mut keys = HashSet::new();
        for (raw, row) in &g.rows {
            if row.account != first.account {
                errs.push(RowError::new(raw, "account", "differs from the order's first row"));
                continue;
            }
            let Some(ship_to) = ship_to(&account, &row.ship_to) else {
                errs.push(RowError::new(
                    raw,
                    "ship_to",
                    "is neither a location id nor a location name on the account",
                ));
                continue;
            };
            if !keys.insert((row.sku.clone(), row.ship_to.clone())) {
                errs.push(RowError::new(
                    raw,
                    "sku",
                    "the same sku and ship_to appear twice in this order",
                ));
                continue;
            }
            lines.push((raw, row, ship_to));
        }
        if lines.is_empty() {
            return Ok((None, errs));
        }
        let number = first.order_number.clone().unwrap_or_else(|| first.order_ref.clone());
        let record_id = derived_id(&format!("orders:{}", g.order_ref));
        let existing = self.store.get(record_id).await?;
        let new_lines: Vec<RecordLine> = lines
            .iter()
            .map(|(_, r, _)| RecordLine {
                sku: r.sku.clone(),
                ship_to: r.ship_to.clone(),
                no: 0,
                quantity: r.quantity,
                requested_date: r.requested_date,
            })
            .collect();
        let at = self.clock.now();
        let Some(existing) = existing else {
            let input = PlaceOrder {
                account_id: account.id,
                number: Some(number.clone()),
                bill_to: None,
                po_number: first.po_number.clone(),
                channel: Channel::Erp,
                freight: None,
                placed_at: first.placed_at,
                lines: lines
                    .iter()
                    .map(|(_, r, loc)| OrderLineInput {
                        product: ProductRef::Sku(r.sku.clone()),
                        quantity: Qty::new(r.quantity),
                        ship_to: *loc,
                        requested_date: r.requested_date,
                        po_number: None,
                        cost_centre: None,
                        project: None,
                    })
                    .collect(),
            };
            let planned = match self.plan_place_order(ctx, &input).await {
                Ok(p) => p,
                Err(e) => return Ok((None, rejected(e, &lines, errs)?)),
            };
            let order = &planned.value.value;
            let mut rec_lines = new_lines;
            for (l, ol) in rec_lines.iter_mut().zip(&order.lines) {
                l.no = ol.no;
            }
            let record = Record {
                order_ref: g.order_ref.clone(),
                order_id: order.id.0,
                account: first.account.clone(),
                number: number.clone(),
                lines: rec_lines,
            };
            merge(commit, planned.commit);
            commit.docs.push(record_write(&record, at, WriteMode::Insert)?);
            // The good lines are placed; the bad ones (if any) are rejected beside them.
            return Ok((Some((Outcome::Created(lines.len() as u64), number)), errs));
        };
        let record: Record =
            serde_json::from_str(&existing.data).map_err(|e| AppError::Corrupt(format!("import record: {e}")))?;
        if record.account != first.account {
            return Ok((None, all("account", "an imported order cannot move to another account")));
        }
        let mut changes = Vec::new();
        let mut out_lines = Vec::new();
        let mut changed_rows = 0u64;
        for ((_, r, loc), mut nl) in lines.iter().zip(new_lines) {
            match record.lines.iter().find(|l| l.sku == nl.sku && l.ship_to == nl.ship_to) {
                Some(old) => {
                    nl.no = old.no;
                    let mut moved = false;
                    if old.quantity != nl.quantity {
                        changes.push(ChangeInput::Quantity {
                            line: old.no,
                            quantity: Qty::new(nl.quantity),
                        });
                        moved = true;
                    }
                    if old.requested_date != nl.requested_date {
                        changes.push(ChangeInput::RequestedDate {
                            line: old.no,
                            date: nl.requested_date,
                        });
                        moved = true;
                    }
                    changed_rows += u64::from(moved);
                }
                None => {
                    changes.push(ChangeInput::AddLine(OrderLineInput {
                        product: ProductRef::Sku(r.sku.clone()),
                        quantity: Qty::new(r.quantity),
                        ship_to: *loc,
                        requested_date: r.requested_date,
                        po_number: None,
                        cost_centre: None,
                        project: None,
                    }));
                    changed_rows += 1;
                }
            }
            out_lines.push(nl);
        }
        for old in &record.lines {
            if !out_lines.iter().any(|l| l.sku == old.sku && l.ship_to == old.ship_to) {
                changes.push(ChangeInput::CancelLine { line: old.no });
            }
        }
        let same = lines.len() as u64 - changed_rows;
        if changes.is_empty() {
            return Ok((Some((Outcome::Unchanged(same), number)), errs));
        }
        let order_id = OrderId(record.order_id);
        // Added lines are numbered after the order's last line, in the order they were asked.
        let order = self.order(ctx, order_id).await?.value;
        let mut next_no = order.lines.iter().map(|l| l.no).max().unwrap_or(0);
        for l in out_lines.iter_mut().filter(|l| l.no == 0) {
            next_no += 1;
            l.no = next_no;
        }
        let input = RequestChanges {
            changes,
            reason: Some(format!("ERP import of order {}", g.order_ref)),
            on_behalf_of: None,
        };
        let planned = match self.plan_request_changes(ctx, order_id, &input).await {
            Ok(p) => p,
            Err(e) => return Ok((None, rejected(e, &lines, errs)?)),
        };
        merge(commit, planned.commit);
        let record = Record {
            lines: out_lines,
            ..record
        };
        commit
            .docs
            .push(record_write(&record, at, WriteMode::Update(existing.version))?);
        Ok((
            Some((
                Outcome::Updated {
                    changed: changed_rows,
                    same,
                },
                number,
            )),
            errs,
        ))
    }
}

/// The location `s` names on the account: its id, or else its name (case aside) when exactly
/// one location has it.
pub(crate) fn ship_to(account: &Account, s: &str) -> Option<LocationId> {
    if let Ok(id) = Uuid::parse_str(s) {
        return account.location(LocationId(id)).map(|l| l.id);
    }
    let mut named = account.locations.iter().filter(|l| l.name.eq_ignore_ascii_case(s));
    match (named.next(), named.next()) {
        (Some(l), None) => Some(l.id),
        _ => None,
    }
}

/// A refusal of the whole order by the app, as rejects of its rows: a field naming one line
/// (`lines[2].sku`) rejects that line's row with the column; anything else every row. Store
/// failures stop the import.
fn rejected(
    e: AppError,
    lines: &[(&RawRow, &OrderLineRow, LocationId)],
    mut errs: Vec<RowError>,
) -> Result<Vec<RowError>> {
    let (field, reason) = match e {
        AppError::Rejected(r) => (r.field, r.message),
        AppError::NotFound { what, field } => (field.unwrap_or_default(), format!("{what} not found")),
        AppError::Forbidden(m) => (String::new(), m),
        other => return Err(other),
    };
    let column = |f: &str| match f {
        "account_id" => "account".to_owned(),
        "number" => "order_number".to_owned(),
        other => other.to_owned(),
    };
    if let Some(rest) = field.strip_prefix("lines[")
        && let Some((i, col)) = rest.split_once("].")
        && let Ok(i) = i.parse::<usize>()
        && let Some((raw, _, _)) = lines.get(i)
    {
        let col = if col == "product_id" { "sku" } else { col };
        errs.push(RowError::new(raw, col, reason.clone()));
        // The order is refused as a whole: its other rows are rejected with the reason too.
        for (j, (raw, _, _)) in lines.iter().enumerate() {
            if j != i {
                errs.push(RowError::new(
                    raw,
                    "",
                    format!("its order was refused: row {} {col}: {reason}", lines[i].0.no),
                ));
            }
        }
    } else {
        for (raw, _, _) in lines {
            errs.push(RowError::new(raw, &column(&field), reason.clone()));
        }
    }
    Ok(errs)
}

fn record_write(r: &Record, at: time::OffsetDateTime, mode: WriteMode) -> Result<DocWrite> {
    Ok(DocWrite {
        id: derived_id(&format!("orders:{}", r.order_ref)),
        kind: RECORD_KIND,
        account_id: None,
        number: None,
        status: None,
        at,
        mode,
        data: serde_json::to_string(r).map_err(|e| AppError::Corrupt(e.to_string()))?,
    })
}

/// One command's writes added to the batch's commit.
pub(crate) fn merge(into: &mut Commit, c: Commit) {
    into.docs.extend(c.docs);
    into.keys.extend(c.keys);
    into.events.extend(c.events);
    into.dedup.extend(c.dedup);
    into.jobs.extend(c.jobs);
    into.finish.extend(c.finish);
    into.counters.extend(c.counters);
}
