//! PostgreSQL backend (tokio-postgres + deadpool), with group commit as on SQLite: commits are
//! queued to a few committer tasks; each drains what is waiting into one transaction, runs every
//! commit inside its own SAVEPOINT (so a refused commit is rolled back alone and never affects
//! the others), pays one COMMIT (one WAL flush) per batch and tells each caller its own outcome.
//! A lone commit runs without a savepoint, so an idle server is as fast as before. Keys and
//! events of a commit are pipelined (sent without waiting for each reply), which LIMITS.md
//! measured at 1.6–2.8×.
//!
//! Several committers (not one) because PostgreSQL, unlike SQLite, lets transactions write in
//! parallel; batches that touch one document serialise on its row lock, and a deadlock between
//! two batches (or two server processes) refuses only the commit that hit it, as a conflict the
//! application re-plans.

use crate::{
    Commit, CommitError, DocRow, EventFilter, EventRow, IdempotencyRecord, ListQuery, MIGRATIONS_POSTGRES, Result,
    StoreError, WriteMode,
};
mod jobs;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::AtomicI64;
use time::OffsetDateTime;
use tokio::sync::{Mutex, mpsc, oneshot};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{NoTls, Row};
use uuid::Uuid;

#[derive(Clone)]
pub struct PgStore {
    pool: Pool,
    queue: mpsc::Sender<Job>,
    /// The newest window start whose expired predecessors were purged (see `purge_due`).
    purged: Arc<AtomicI64>,
}

/// One caller's commits (all-or-nothing together) and where to send their outcome.
struct Job {
    commits: Vec<Commit>,
    reply: oneshot::Sender<Result<(), CommitError>>,
}

/// Most commits folded into one transaction by default (`AFTERCART_PG_BATCH`); bounds the
/// latency of the last one in a batch. `AFTERCART_PG_BATCH=1` gives one transaction per commit.
const MAX_BATCH: usize = 256;

pub(super) fn err<E: std::fmt::Display + 'static>(e: E) -> StoreError {
    // Out of connections or resources, starting up or shutting down, connection lost: the
    // server may take the work again in a moment (SQLSTATE classes 53, 57P, 08).
    let busy = (&e as &dyn std::any::Any)
        .downcast_ref::<tokio_postgres::Error>()
        .and_then(|e| e.code())
        .is_some_and(|c| {
            let c = c.code();
            c.starts_with("53") || c.starts_with("57P") || c.starts_with("08")
        });
    if busy {
        StoreError::unavailable(e.to_string())
    } else {
        StoreError::new(e.to_string())
    }
}

const DOC_COLS: &str = "SELECT id, kind, account_id, version, created_at, updated_at, data::text FROM docs";

fn doc_row(r: &Row) -> DocRow {
    DocRow {
        id: r.get(0),
        kind: r.get(1),
        account_id: r.get(2),
        version: r.get(3),
        created_at: r.get(4),
        updated_at: r.get(5),
        data: r.get(6),
    }
}

pub(crate) fn event_row(r: &Row) -> EventRow {
    EventRow {
        seq: r.get(0),
        id: r.get(1),
        at: r.get(2),
        kind: r.get(3),
        subject_kind: r.get(4),
        subject_id: r.get(5),
        account_id: r.get(6),
        actor_kind: r.get(7),
        actor_id: r.get(8),
        actor_name: r.get(9),
        reason: r
            .get::<_, Option<String>>(10)
            .map(|j| serde_json::from_str(&j).unwrap_or(j)),
        data: r.get(11),
    }
}

/// PostgreSQL's `text` cannot hold U+0000: a lookup for such a value finds nothing.
fn has_nul(s: &str) -> bool {
    s.contains('\0')
}

/// An event reason as the JSON string stored in `events.reason`.
fn reason_json(r: &Option<String>) -> Option<String> {
    r.as_ref().map(|r| serde_json::Value::String(r.clone()).to_string())
}

/// The constraint a unique violation hit, if that is what `e` is.
fn unique_violation(e: &tokio_postgres::Error) -> Option<String> {
    let db = e.as_db_error()?;
    (db.code() == &SqlState::UNIQUE_VIOLATION).then(|| db.constraint().unwrap_or_default().to_owned())
}

impl PgStore {
    pub async fn connect(url: &str) -> Result<PgStore> {
        let cfg =
            tokio_postgres::Config::from_str(url).map_err(|e| StoreError::new(format!("bad PostgreSQL URL: {e}")))?;
        let mgr = Manager::from_config(
            cfg,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let size = std::env::var("AFTERCART_PG_POOL")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(16);
        let pool = Pool::builder(mgr).max_size(size).build().map_err(err)?;
        // Committers hold a connection only while a batch runs; the rest of the pool serves reads.
        let committers = std::env::var("AFTERCART_PG_COMMITTERS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(4usize)
            .clamp(1, size.max(1));
        let max_batch = std::env::var("AFTERCART_PG_BATCH")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(MAX_BATCH)
            .max(1);
        let (queue, rx) = mpsc::channel::<Job>(4096);
        let rx = Arc::new(Mutex::new(rx));
        for _ in 0..committers {
            tokio::spawn(committer(pool.clone(), rx.clone(), max_batch));
        }
        let store = PgStore {
            pool,
            queue,
            purged: Arc::new(AtomicI64::new(i64::MIN)),
        };
        store.ping().await?;
        Ok(store)
    }

    pub(super) async fn client(&self) -> Result<deadpool_postgres::Object> {
        self.pool
            .get()
            .await
            .map_err(|e| StoreError::unavailable(format!("PostgreSQL connection: {e}")))
    }

    pub async fn migrate(&self) -> Result<usize> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(err)?;
        // Serialises concurrent `migrate` runs (several instances starting at once).
        tx.execute("SELECT pg_advisory_xact_lock(7346912)", &[])
            .await
            .map_err(err)?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_migrations (version bigint PRIMARY KEY, applied_at timestamptz NOT NULL)")
            .await
            .map_err(err)?;
        let mut applied = 0;
        for (v, sql) in MIGRATIONS_POSTGRES {
            let done = tx
                .query_opt("SELECT 1 FROM schema_migrations WHERE version = $1", &[v])
                .await
                .map_err(err)?;
            if done.is_none() {
                tx.batch_execute(sql)
                    .await
                    .map_err(|e| StoreError::new(format!("migration {v}: {e}")))?;
                tx.execute("INSERT INTO schema_migrations VALUES ($1, now())", &[v])
                    .await
                    .map_err(err)?;
                applied += 1;
            }
        }
        tx.commit().await.map_err(err)?;
        Ok(applied)
    }

    pub async fn commit(&self, c: Commit) -> Result<(), CommitError> {
        self.commit_all(vec![c]).await
    }

    /// Queues the commits as one job (all-or-nothing) and waits for the batch holding it.
    pub async fn commit_all(&self, cs: Vec<Commit>) -> Result<(), CommitError> {
        // Refused before queueing, so a caller's bug never costs a savepoint.
        for c in &cs {
            crate::refuse_nul(c)?;
        }
        let (reply, rx) = oneshot::channel();
        self.queue
            .send(Job { commits: cs, reply })
            .await
            .map_err(|_| CommitError::Store(StoreError::new("PostgreSQL committers stopped")))?;
        rx.await
            .map_err(|_| CommitError::Store(StoreError::new("PostgreSQL commit was abandoned")))?
    }

    pub async fn get(&self, id: Uuid) -> Result<Option<DocRow>> {
        let c = self.client().await?;
        let st = c
            .prepare_cached(&format!("{DOC_COLS} WHERE id = $1"))
            .await
            .map_err(err)?;
        Ok(c.query_opt(&st, &[&id]).await.map_err(err)?.as_ref().map(doc_row))
    }

    pub async fn get_with<F>(&self, id: Uuid, related: F) -> Result<Option<(DocRow, Vec<DocRow>)>>
    where
        F: FnOnce(&DocRow) -> Vec<Uuid> + Send,
    {
        let c = self.client().await?;
        let one = c
            .prepare_cached(&format!("{DOC_COLS} WHERE id = $1"))
            .await
            .map_err(err)?;
        let Some(row) = c.query_opt(&one, &[&id]).await.map_err(err)?.as_ref().map(doc_row) else {
            return Ok(None);
        };
        let ids = related(&row);
        if ids.is_empty() {
            return Ok(Some((row, Vec::new())));
        }
        let many = c
            .prepare_cached(&format!("{DOC_COLS} WHERE id = ANY($1)"))
            .await
            .map_err(err)?;
        let parts = c
            .query(&many, &[&ids])
            .await
            .map_err(err)?
            .iter()
            .map(doc_row)
            .collect();
        Ok(Some((row, parts)))
    }

    pub async fn get_many(&self, ids: &[Uuid]) -> Result<Vec<DocRow>> {
        let c = self.client().await?;
        let st = c
            .prepare_cached(&format!("{DOC_COLS} WHERE id = ANY($1)"))
            .await
            .map_err(err)?;
        let rows = c.query(&st, &[&ids]).await.map_err(err)?;
        // Keep the caller's order (a map, so a thousand ids do not cost a million comparisons).
        let at: std::collections::HashMap<Uuid, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).rev().collect();
        let mut out: Vec<DocRow> = rows.iter().map(doc_row).collect();
        out.sort_by_key(|d| at.get(&d.id).copied());
        Ok(out)
    }

    pub async fn by_key(&self, kind: &'static str, key: &str) -> Result<Vec<Uuid>> {
        if has_nul(key) {
            return Ok(Vec::new());
        }
        let c = self.client().await?;
        let st = c
            .prepare_cached("SELECT doc_id FROM doc_keys WHERE kind = $1 AND key = $2")
            .await
            .map_err(err)?;
        Ok(c.query(&st, &[&kind, &key])
            .await
            .map_err(err)?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    pub async fn by_keys(&self, kind: &'static str, keys: &[String]) -> Result<Vec<(String, Uuid)>> {
        let keys: Vec<&str> = keys.iter().map(String::as_str).filter(|k| !has_nul(k)).collect();
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let c = self.client().await?;
        let st = c
            .prepare_cached("SELECT key, doc_id FROM doc_keys WHERE kind = $1 AND key = ANY($2)")
            .await
            .map_err(err)?;
        Ok(c.query(&st, &[&kind, &keys])
            .await
            .map_err(err)?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
    }

    pub async fn by_number(&self, kind: &'static str, number: &str) -> Result<Option<DocRow>> {
        if has_nul(number) {
            return Ok(None);
        }
        let c = self.client().await?;
        let st = c
            .prepare_cached(&format!("{DOC_COLS} WHERE kind = $1 AND number = $2"))
            .await
            .map_err(err)?;
        Ok(c.query_opt(&st, &[&kind, &number])
            .await
            .map_err(err)?
            .as_ref()
            .map(doc_row))
    }

    pub async fn list(&self, q: ListQuery) -> Result<Vec<DocRow>> {
        if q.status.as_deref().is_some_and(has_nul) || q.key.as_ref().is_some_and(|(_, k)| has_nul(k)) {
            return Ok(Vec::new());
        }
        let mut sql = String::from(
            "SELECT d.id, d.kind, d.account_id, d.version, d.created_at, d.updated_at, d.data::text FROM docs d",
        );
        let mut args: Vec<Box<dyn ToSql + Sync + Send>> = vec![Box::new(q.kind)];
        if let Some((kind, key)) = &q.key {
            sql.push_str(" JOIN doc_keys k ON k.doc_id = d.id AND k.kind = $2 AND k.key = $3");
            args.push(Box::new(*kind));
            args.push(Box::new(key.clone()));
        }
        sql.push_str(" WHERE d.kind = $1");
        let mut cond = |sql: &mut String, c: &str, v: Box<dyn ToSql + Sync + Send>| {
            args.push(v);
            sql.push_str(&format!(" AND d.{c} ${}", args.len()));
        };
        if let Some(a) = q.account_id {
            cond(&mut sql, "account_id =", Box::new(a));
        }
        if let Some(s) = &q.status {
            cond(&mut sql, "status =", Box::new(s.clone()));
        }
        if let Some(t) = q.from {
            cond(&mut sql, "at >=", Box::new(t));
        }
        if let Some(t) = q.to {
            cond(&mut sql, "at <", Box::new(t));
        }
        if let Some(b) = q.before {
            cond(&mut sql, "id <", Box::new(b));
        }
        sql.push_str(&format!(" ORDER BY d.id DESC LIMIT {}", q.limit.clamp(1, 1000)));
        let c = self.client().await?;
        let st = c.prepare_cached(&sql).await.map_err(err)?;
        let refs: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| a.as_ref() as &(dyn ToSql + Sync)).collect();
        Ok(c.query(&st, &refs).await.map_err(err)?.iter().map(doc_row).collect())
    }

    pub async fn events(&self, f: EventFilter, after_seq: i64, limit: u32) -> Result<Vec<EventRow>> {
        self.events_in(f, after_seq, limit, false).await
    }

    pub async fn latest_events(&self, f: EventFilter, limit: u32) -> Result<Vec<EventRow>> {
        self.events_in(f, 0, limit, true).await
    }

    async fn events_in(&self, f: EventFilter, after_seq: i64, limit: u32, newest: bool) -> Result<Vec<EventRow>> {
        let order = if newest { "seq DESC" } else { "seq" };
        let (cond, id) = match f {
            EventFilter::Subject(id) => ("subject_id = $1", Some(id)),
            EventFilter::Account(id) => ("account_id = $1", Some(id)),
            EventFilter::All => ("$1::uuid IS NULL", None),
        };
        let c = self.client().await?;
        let st = c
            .prepare_cached(&format!(
                "SELECT seq, id, at, kind, subject_kind, subject_id, account_id, actor_kind, actor_id, actor_name, reason::text, data::text \
                 FROM events WHERE {cond} AND seq > $2 ORDER BY {order} LIMIT $3"
            ))
            .await
            .map_err(err)?;
        let rows = c
            .query(&st, &[&id, &after_seq, &i64::from(limit.clamp(1, 1000))])
            .await
            .map_err(err)?;
        Ok(rows.iter().map(event_row).collect())
    }

    pub async fn idempotency(&self, principal: &str, key: &str) -> Result<Option<IdempotencyRecord>> {
        if has_nul(principal) || has_nul(key) {
            return Ok(None);
        }
        let c = self.client().await?;
        let st = c
            .prepare_cached("SELECT request_hash, status, body FROM idempotency WHERE principal = $1 AND key = $2")
            .await
            .map_err(err)?;
        Ok(c.query_opt(&st, &[&principal, &key])
            .await
            .map_err(err)?
            .map(|r| IdempotencyRecord {
                principal: principal.to_owned(),
                key: key.to_owned(),
                request_hash: r.get(0),
                status: u16::try_from(r.get::<_, i32>(1)).unwrap_or(500),
                body: r.get(2),
            }))
    }

    pub async fn reserve_numbers(&self, counter: &str, n: i64) -> Result<i64> {
        let c = self.client().await?;
        let row = c
            .query_one(
                "INSERT INTO counters(name, value) VALUES ($1, $2) \
                 ON CONFLICT(name) DO UPDATE SET value = counters.value + $2 RETURNING value",
                &[&counter, &n],
            )
            .await
            .map_err(err)?;
        let last: i64 = row.get(0);
        Ok(last - n + 1)
    }

    pub async fn window_hit(&self, name: &str, key: &str, window_start: i64, window_secs: i64) -> Result<i64> {
        let c = self.client().await?;
        if crate::purge_due(&self.purged, window_start) {
            let st = c
                .prepare_cached("DELETE FROM window_counters WHERE expires <= $1")
                .await
                .map_err(err)?;
            c.execute(&st, &[&window_start]).await.map_err(err)?;
        }
        let st = c
            .prepare_cached(
                "INSERT INTO window_counters(name, key, window_start, expires, n) VALUES ($1, $2, $3, $4, 1) \
                 ON CONFLICT (name, key, window_start) DO UPDATE SET n = window_counters.n + 1 RETURNING n",
            )
            .await
            .map_err(err)?;
        let expires = window_start + window_secs;
        Ok(c.query_one(&st, &[&name, &key, &window_start, &expires])
            .await
            .map_err(err)?
            .get(0))
    }

    pub async fn window_count(&self, name: &str, key: &str, window_start: i64) -> Result<i64> {
        let c = self.client().await?;
        let st = c
            .prepare_cached("SELECT n FROM window_counters WHERE name = $1 AND key = $2 AND window_start = $3")
            .await
            .map_err(err)?;
        Ok(c.query_opt(&st, &[&name, &key, &window_start])
            .await
            .map_err(err)?
            .map_or(0, |r| r.get(0)))
    }

    pub async fn count(&self, kind: &'static str) -> Result<i64> {
        let c = self.client().await?;
        Ok(c.query_one("SELECT count(*) FROM docs WHERE kind = $1", &[&kind])
            .await
            .map_err(err)?
            .get(0))
    }

    pub async fn ping(&self) -> Result<()> {
        self.client()
            .await?
            .simple_query("SELECT 1")
            .await
            .map_err(err)
            .map(|_| ())
    }
}

/// Takes whatever is queued (at least one job) and commits it as one batch, for ever; ends when
/// every `PgStore` clone is gone.
async fn committer(pool: Pool, rx: Arc<Mutex<mpsc::Receiver<Job>>>, max_batch: usize) {
    loop {
        let batch = {
            let mut rx = rx.lock().await;
            let Some(first) = rx.recv().await else { return };
            let mut batch = vec![first];
            while batch.len() < max_batch {
                match rx.try_recv() {
                    Ok(j) => batch.push(j),
                    Err(_) => break,
                }
            }
            batch
        };
        let outcomes = run_batch(&pool, &batch).await;
        for (job, outcome) in batch.into_iter().zip(outcomes) {
            // A caller that stopped waiting (its request was dropped) still had its commit made.
            let _ = job.reply.send(outcome);
        }
    }
}

/// One transaction for the batch; each job's outcome. A job refused inside its savepoint is
/// rolled back alone; a failure of the transaction itself (connection lost, COMMIT refused)
/// fails every job in it, none of which is then written.
async fn run_batch(pool: &Pool, batch: &[Job]) -> Vec<Result<(), CommitError>> {
    let fail_all = |e: StoreError| batch.iter().map(|_| Err(CommitError::Store(e.clone()))).collect();
    let mut client = match pool.get().await {
        Ok(c) => c,
        Err(e) => return fail_all(StoreError::unavailable(format!("PostgreSQL connection: {e}"))),
    };
    let tx = match client.transaction().await {
        Ok(tx) => tx,
        Err(e) => return fail_all(err(e)),
    };
    if let [job] = batch {
        // Alone: no savepoint needed, a refusal rolls the whole transaction back.
        let r = apply_all(&tx, &job.commits).await;
        return vec![match r {
            Ok(()) => tx.commit().await.map_err(|e| CommitError::Store(err(e))),
            Err(e) => {
                let _ = tx.rollback().await;
                Err(e)
            }
        }];
    }
    let mut outcomes = Vec::with_capacity(batch.len());
    // Each commit's savepoint is ended in the same round trip that opens the next one's.
    let mut end = "";
    for job in batch {
        if let Err(e) = tx.batch_execute(&format!("{end}SAVEPOINT c")).await {
            return fail_all(err(e));
        }
        let r = apply_all(&tx, &job.commits).await;
        end = if r.is_ok() {
            "RELEASE SAVEPOINT c; "
        } else {
            "ROLLBACK TO SAVEPOINT c; RELEASE SAVEPOINT c; "
        };
        outcomes.push(r);
    }
    if let Err(e) = tx.batch_execute(end).await {
        return fail_all(err(e));
    }
    match tx.commit().await {
        Ok(()) => outcomes,
        Err(e) => fail_all(err(e)),
    }
}

async fn apply_all(tx: &deadpool_postgres::Transaction<'_>, commits: &[Commit]) -> Result<(), CommitError> {
    for c in commits {
        apply(tx, c).await?;
    }
    Ok(())
}

async fn apply(tx: &deadpool_postgres::Transaction<'_>, commit: &Commit) -> Result<(), CommitError> {
    let first = commit.docs.first().map_or(Uuid::nil(), |d| d.id);
    let store = |e: tokio_postgres::Error| match e.code() {
        // Another batch (or another server process) holds a row this commit needs while waiting
        // for one this batch holds, and PostgreSQL refused this statement to break the cycle: a
        // concurrent change, which the caller re-plans like a version conflict.
        Some(c) if *c == SqlState::T_R_DEADLOCK_DETECTED || *c == SqlState::T_R_SERIALIZATION_FAILURE => {
            CommitError::Conflict(first)
        }
        _ => CommitError::Store(err(e)),
    };
    crate::refuse_nul(commit)?;
    let now = OffsetDateTime::now_utc();
    // On any error the caller drops the transaction (rolled back), so nothing is half-written.
    for k in &commit.counters {
        let st = tx
            .prepare_cached(
                "INSERT INTO window_counters(name, key, window_start, expires, n) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT(name, key, window_start) DO UPDATE SET n = window_counters.n + excluded.n",
            )
            .await
            .map_err(store)?;
        tx.execute(&st, &[&k.name, &k.key, &crate::COUNTER_WINDOW, &i64::MAX, &k.delta])
            .await
            .map_err(store)?;
    }
    for (scope, key) in &commit.dedup {
        let st = tx
            .prepare_cached("INSERT INTO dedup(scope, key) VALUES ($1, $2)")
            .await
            .map_err(store)?;
        if let Err(e) = tx.execute(&st, &[scope, key]).await {
            return Err(if unique_violation(&e).is_some() {
                CommitError::Duplicate
            } else {
                store(e)
            });
        }
    }
    if let Some(i) = &commit.idempotency {
        let st = tx
            .prepare_cached("INSERT INTO idempotency(principal, key, request_hash, status, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .await
            .map_err(store)?;
        let status = i32::from(i.status);
        if let Err(e) = tx
            .execute(&st, &[&i.principal, &i.key, &i.request_hash, &status, &i.body, &now])
            .await
        {
            return Err(if unique_violation(&e).is_some() {
                CommitError::IdempotencyKeyTaken
            } else {
                store(e)
            });
        }
    }
    let insert = tx
        .prepare_cached(
            "INSERT INTO docs(id, kind, account_id, number, status, at, version, created_at, updated_at, data) \
             VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7, ($8::text)::json)",
        )
        .await
        .map_err(store)?;
    let update = tx
        .prepare_cached(
            "UPDATE docs SET account_id = $2, number = $3, status = $4, at = $5, version = version + 1, \
             updated_at = $6, data = ($7::text)::json WHERE id = $1 AND version = $8",
        )
        .await
        .map_err(store)?;
    let upsert = tx
        .prepare_cached(
            "INSERT INTO docs(id, kind, account_id, number, status, at, version, created_at, updated_at, data) \
             VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7, ($8::text)::json) ON CONFLICT (id) DO UPDATE SET \
             account_id = excluded.account_id, number = excluded.number, status = excluded.status, at = excluded.at, \
             version = docs.version + 1, updated_at = excluded.updated_at, data = excluded.data",
        )
        .await
        .map_err(store)?;
    for d in &commit.docs {
        let kind: &str = d.kind;
        let r = match d.mode {
            WriteMode::Insert => {
                tx.execute(
                    &insert,
                    &[&d.id, &kind, &d.account_id, &d.number, &d.status, &d.at, &now, &d.data],
                )
                .await
            }
            WriteMode::Update(v) => {
                tx.execute(
                    &update,
                    &[&d.id, &d.account_id, &d.number, &d.status, &d.at, &now, &d.data, &v],
                )
                .await
            }
            WriteMode::Upsert => {
                tx.execute(
                    &upsert,
                    &[&d.id, &kind, &d.account_id, &d.number, &d.status, &d.at, &now, &d.data],
                )
                .await
            }
        };
        match r {
            Ok(0) => return Err(CommitError::Conflict(d.id)),
            Ok(_) => {}
            Err(e) => {
                return Err(match unique_violation(&e) {
                    Some(c) if c.contains("number") => CommitError::NumberTaken {
                        kind: d.kind.to_owned(),
                        number: d.number.clone().unwrap_or_default(),
                    },
                    Some(_) => CommitError::Conflict(d.id),
                    None => store(e),
                });
            }
        }
    }
    // Keys and events cannot conflict: pipeline them (all sent before awaiting any reply).
    let key_st = tx
        .prepare_cached("INSERT INTO doc_keys(kind, key, doc_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
        .await
        .map_err(store)?;
    let ev_st = tx
        .prepare_cached(
            "INSERT INTO events(id, at, kind, subject_kind, subject_id, account_id, actor_kind, actor_id, actor_name, reason, data) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, ($10::text)::json, ($11::text)::json)",
        )
        .await
        .map_err(store)?;
    let key_kinds: Vec<&str> = commit.keys.iter().map(|k| k.kind).collect();
    let ev_kinds: Vec<(&str, &str)> = commit.events.iter().map(|e| (e.subject_kind, e.actor_kind)).collect();
    let reasons: Vec<Option<String>> = commit.events.iter().map(|e| reason_json(&e.reason)).collect();
    let mut futs = Vec::with_capacity(commit.keys.len() + commit.events.len());
    for (k, kind) in commit.keys.iter().zip(&key_kinds) {
        let params: Vec<&(dyn ToSql + Sync)> = vec![kind, &k.key, &k.doc_id];
        futs.push(tx.execute_raw(&key_st, params));
    }
    let mut ev_futs = Vec::with_capacity(commit.events.len());
    for ((e, (sk, ak)), reason) in commit.events.iter().zip(&ev_kinds).zip(&reasons) {
        let params: Vec<&(dyn ToSql + Sync)> = vec![
            &e.id,
            &e.at,
            &e.kind,
            sk,
            &e.subject_id,
            &e.account_id,
            ak,
            &e.actor_id,
            &e.actor_name,
            reason,
            &e.data,
        ];
        ev_futs.push(tx.execute_raw(&ev_st, params));
    }
    let (a, b) = tokio::join!(
        futures_util::future::try_join_all(futs),
        futures_util::future::try_join_all(ev_futs)
    );
    a.map_err(store)?;
    b.map_err(store)?;
    let outbox: Vec<crate::JobWrite> = crate::outbox_job(commit)
        .into_iter()
        .chain(commit.jobs.iter().cloned())
        .collect();
    jobs::apply_jobs(tx, &outbox, &commit.finish)
        .await
        .map_err(|e| match e {
            CommitError::Store(s) if s.message.contains("deadlock") => CommitError::Conflict(first),
            e => e,
        })
}
