//! SQLite backend (rusqlite, WAL). All writes go through one writer thread that groups concurrent
//! commits into a single transaction (group commit), each commit inside its own SAVEPOINT so one
//! refused commit never affects its neighbours. Reads use a small pool of read connections.

use crate::timefmt::{from_text, to_text};
use crate::{
    Commit, CommitError, DocRow, EventFilter, EventRow, IdempotencyRecord, ListQuery, MIGRATIONS_SQLITE, Result,
    StoreError, WriteMode,
};
mod jobs;

use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, params};
use std::sync::mpsc::{SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;
use tokio::sync::oneshot;
use uuid::Uuid;

/// Run once per queued job inside the batch transaction; returns what to do once the batch's
/// COMMIT has succeeded or failed (reply to the waiting caller).
type Finish = Box<dyn FnOnce(Result<(), String>) + Send>;
type Job = Box<dyn FnOnce(&Connection) -> Finish + Send>;

/// Most commits folded into one transaction; bounds the latency of the last one in a batch.
const MAX_BATCH: usize = 256;
const MAX_IDLE_READERS: usize = 8;

#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    writer: SyncSender<Job>,
    readers: Mutex<Vec<Connection>>,
    target: String,
    flags: OpenFlags,
    /// The newest window start whose expired predecessors were purged (see `purge_due`).
    purged: std::sync::atomic::AtomicI64,
}

fn err(e: impl std::fmt::Display) -> StoreError {
    StoreError::new(e.to_string())
}

fn open_conn(target: &str, flags: OpenFlags) -> Result<Connection> {
    let c = Connection::open_with_flags(target, flags).map_err(err)?;
    // FULL: a commit acknowledged to a client survives power loss. Group commit pays the fsync
    // once per batch, so the cost is amortised under load.
    // Reads through a memory map of the database file (no read system call and copy per page,
    // which profiles showed as a seventh of a busy server's time) and a larger page cache per
    // connection (32 MB instead of 2 MB). The map is address space, not memory: pages are the
    // kernel's page cache, shared by every connection.
    c.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON; \
         PRAGMA mmap_size=17179869184; PRAGMA cache_size=-32768; PRAGMA temp_store=MEMORY;",
    )
    .map_err(err)?;
    c.set_prepared_statement_cache_capacity(64);
    Ok(c)
}

/// How often the checkpointer copies committed log pages into the database file.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(200);

/// Copies the write-ahead log into the database from a thread of its own, so the writer's
/// commits do not wait for it (checkpoints were a twelfth of a busy writer's time). PASSIVE
/// never blocks readers or the writer; it stops when the store is dropped.
fn spawn_checkpointer(store: std::sync::Weak<Inner>, conn: Connection) -> Result<()> {
    std::thread::Builder::new()
        .name("sqlite-checkpoint".into())
        .spawn(move || {
            loop {
                std::thread::sleep(CHECKPOINT_EVERY);
                if store.upgrade().is_none() {
                    return;
                }
                if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                    tracing::warn!(error = %e, "sqlite: checkpoint failed; the writer's own checkpoints take over");
                }
            }
        })
        .map_err(err)?;
    Ok(())
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`; `:memory:` gives a throwaway database
    /// in a fresh file under the temp directory (SQLite's shared-cache in-memory mode uses table
    /// locks that fail under concurrent reads and writes instead of waiting).
    pub fn open(path: &str) -> Result<SqliteStore> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let target = if path == ":memory:" {
            std::env::temp_dir()
                .join(format!("aftercart-{}.db", Uuid::now_v7().simple()))
                .display()
                .to_string()
        } else {
            if let Some(dir) = std::path::Path::new(path)
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
            {
                std::fs::create_dir_all(dir)
                    .map_err(|e| StoreError::new(format!("cannot create {}: {e}", dir.display())))?;
            }
            path.to_owned()
        };
        let conn = open_conn(&target, flags)?;
        // The checkpointer thread copies the log into the database; the writer does it itself
        // only if the log grows past this many pages (40 MB) — a backstop, not the rule.
        conn.execute_batch("PRAGMA wal_autocheckpoint=10000").map_err(err)?;
        let (tx, rx) = sync_channel::<Job>(4096);
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || {
                while let Ok(first) = rx.recv() {
                    let mut batch = vec![first];
                    while batch.len() < MAX_BATCH {
                        match rx.try_recv() {
                            Ok(j) => batch.push(j),
                            Err(_) => break,
                        }
                    }
                    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
                        let msg = e.to_string();
                        for job in batch {
                            // Jobs were never run; tell each caller the batch failed.
                            drop(job);
                            tracing::error!(error = %msg, "sqlite: cannot begin write transaction");
                        }
                        continue;
                    }
                    let finishers: Vec<Finish> = batch.into_iter().map(|job| job(&conn)).collect();
                    let res = conn.execute_batch("COMMIT").map_err(|e| e.to_string());
                    if res.is_err() {
                        let _ = conn.execute_batch("ROLLBACK");
                    }
                    for f in finishers {
                        f(res.clone());
                    }
                }
            })
            .map_err(err)?;
        let inner = Arc::new(Inner {
            writer: tx,
            readers: Mutex::new(Vec::new()),
            target: target.clone(),
            flags,
            purged: std::sync::atomic::AtomicI64::new(i64::MIN),
        });
        spawn_checkpointer(Arc::downgrade(&inner), open_conn(&target, flags)?)?;
        Ok(SqliteStore { inner })
    }

    /// Runs `f` on the writer thread inside the current batch transaction (own savepoint) and
    /// waits until the batch is committed.
    pub(super) async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, CommitError> + Send + 'static,
    ) -> Result<T, CommitError> {
        let (reply, rx) = oneshot::channel::<Result<T, CommitError>>();
        let job: Job = Box::new(move |conn: &Connection| {
            let r = match conn.execute_batch("SAVEPOINT c") {
                Ok(()) => {
                    let r = f(conn);
                    let end = if r.is_ok() {
                        "RELEASE c"
                    } else {
                        "ROLLBACK TO c; RELEASE c"
                    };
                    match conn.execute_batch(end) {
                        Ok(()) => r,
                        Err(e) => Err(CommitError::Store(err(e))),
                    }
                }
                Err(e) => Err(CommitError::Store(err(e))),
            };
            Box::new(move |committed: Result<(), String>| {
                let out = match (r, committed) {
                    (Err(e), _) => Err(e),
                    (Ok(_), Err(e)) => Err(CommitError::Store(StoreError::new(e))),
                    (Ok(v), Ok(())) => Ok(v),
                };
                let _ = reply.send(out);
            })
        });
        self.inner
            .writer
            .send(job)
            .map_err(|_| CommitError::Store(StoreError::new("sqlite writer stopped")))?;
        rx.await
            .map_err(|_| CommitError::Store(StoreError::new("sqlite write was abandoned (batch failed to begin)")))?
    }

    /// Runs a read on a pooled connection, on the calling thread: reads here are index lookups of
    /// tens of microseconds, cheaper than a hop to a blocking thread.
    pub(super) fn read<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        let conn = self.inner.readers.lock().map_err(err)?.pop();
        let conn = match conn {
            Some(c) => c,
            None => open_conn(&self.inner.target, self.inner.flags)?,
        };
        let r = f(&conn).map_err(err);
        // A connection left inside a transaction (a read that failed half way) would serve an
        // old snapshot forever: it is closed, not pooled.
        if !conn.is_autocommit() {
            return r;
        }
        let mut pool = self.inner.readers.lock().map_err(err)?;
        if pool.len() < MAX_IDLE_READERS {
            pool.push(conn);
        }
        r
    }

    pub async fn migrate(&self) -> Result<usize> {
        self.write(|c| {
            c.execute_batch(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
            )
            .map_err(|e| CommitError::Store(err(e)))?;
            let mut applied = 0;
            for (v, sql) in MIGRATIONS_SQLITE {
                let done: Option<i64> = c
                    .query_row("SELECT version FROM schema_migrations WHERE version = ?1", [v], |r| {
                        r.get(0)
                    })
                    .optional()
                    .map_err(|e| CommitError::Store(err(e)))?;
                if done.is_none() {
                    c.execute_batch(sql)
                        .map_err(|e| CommitError::Store(StoreError::new(format!("migration {v}: {e}"))))?;
                    c.execute(
                        "INSERT INTO schema_migrations VALUES (?1, ?2)",
                        params![v, to_text(OffsetDateTime::now_utc())],
                    )
                    .map_err(|e| CommitError::Store(err(e)))?;
                    applied += 1;
                }
            }
            Ok(applied)
        })
        .await
        .map_err(|e| StoreError::new(e.to_string()))
    }

    pub async fn commit(&self, c: Commit) -> Result<(), CommitError> {
        self.write(move |conn| apply(conn, &c)).await
    }

    pub async fn commit_all(&self, cs: Vec<Commit>) -> Result<(), CommitError> {
        self.write(move |conn| cs.iter().try_for_each(|c| apply(conn, c))).await
    }

    pub async fn get(&self, id: Uuid) -> Result<Option<DocRow>> {
        self.read(|c| {
            c.prepare_cached(&format!("{DOC_COLS} WHERE id = ?1"))?
                .query_row([id.as_bytes()], doc_row)
                .optional()
        })
    }

    pub async fn get_with<F>(&self, id: Uuid, related: F) -> Result<Option<(DocRow, Vec<DocRow>)>>
    where
        F: FnOnce(&DocRow) -> Vec<Uuid> + Send,
    {
        self.read(|c| {
            c.execute_batch("BEGIN DEFERRED")?;
            let found = (|| {
                let mut st = c.prepare_cached(&format!("{DOC_COLS} WHERE id = ?1"))?;
                let Some(row) = st.query_row([id.as_bytes()], doc_row).optional()? else {
                    return Ok(None);
                };
                let ids = related(&row);
                let mut parts = Vec::with_capacity(ids.len());
                for i in &ids {
                    if let Some(r) = st.query_row([i.as_bytes()], doc_row).optional()? {
                        parts.push(r);
                    }
                }
                Ok(Some((row, parts)))
            })();
            c.execute_batch("COMMIT")?;
            found
        })
    }

    pub async fn get_many(&self, ids: &[Uuid]) -> Result<Vec<DocRow>> {
        self.read(|c| {
            // One read transaction for all of them: one snapshot (the rows agree with each
            // other), and one lock and log lookup instead of one per row.
            let many = ids.len() > 1;
            if many {
                c.execute_batch("BEGIN DEFERRED")?;
            }
            let rows = (|| {
                let mut st = c.prepare_cached(&format!("{DOC_COLS} WHERE id = ?1"))?;
                let mut out = Vec::with_capacity(ids.len());
                for id in ids {
                    if let Some(r) = st.query_row([id.as_bytes()], doc_row).optional()? {
                        out.push(r);
                    }
                }
                Ok(out)
            })();
            if many {
                c.execute_batch("COMMIT")?;
            }
            rows
        })
    }

    pub async fn by_key(&self, kind: &'static str, key: &str) -> Result<Vec<Uuid>> {
        self.read(|c| {
            let mut st = c.prepare_cached("SELECT doc_id FROM doc_keys WHERE kind = ?1 AND key = ?2")?;
            let rows = st.query_map(params![kind, key], |r| uuid_col(r, 0))?;
            rows.collect()
        })
    }

    pub async fn by_keys(&self, kind: &'static str, keys: &[String]) -> Result<Vec<(String, Uuid)>> {
        self.read(|c| {
            let many = keys.len() > 1;
            if many {
                c.execute_batch("BEGIN DEFERRED")?;
            }
            let found = (|| {
                let mut st = c.prepare_cached("SELECT doc_id FROM doc_keys WHERE kind = ?1 AND key = ?2")?;
                let mut out = Vec::with_capacity(keys.len());
                for k in keys {
                    for id in st.query_map(params![kind, k], |r| uuid_col(r, 0))? {
                        out.push((k.clone(), id?));
                    }
                }
                Ok(out)
            })();
            if many {
                c.execute_batch("COMMIT")?;
            }
            found
        })
    }

    pub async fn by_number(&self, kind: &'static str, number: &str) -> Result<Option<DocRow>> {
        self.read(|c| {
            c.prepare_cached(&format!("{DOC_COLS} WHERE kind = ?1 AND number = ?2"))?
                .query_row(params![kind, number], doc_row)
                .optional()
        })
    }

    pub async fn list(&self, q: ListQuery) -> Result<Vec<DocRow>> {
        let mut sql =
            String::from("SELECT d.id, d.kind, d.account_id, d.version, d.created_at, d.updated_at, d.data FROM ");
        let mut args: Vec<rusqlite::types::Value> = vec![q.kind.to_owned().into()];
        // With a key, the key's own index drives the query (CROSS JOIN fixes SQLite's join
        // order), newest first, stopping at the limit: the planner otherwise may walk every
        // document of that kind and status (100,000 open exceptions) probing each for the key.
        let id_col = if let Some((kind, key)) = &q.key {
            sql.push_str("doc_keys k CROSS JOIN docs d ON d.id = k.doc_id AND k.kind = ?2 AND k.key = ?3");
            args.push((*kind).to_owned().into());
            args.push(key.clone().into());
            "k.doc_id"
        } else {
            sql.push_str("docs d");
            "d.id"
        };
        sql.push_str(" WHERE d.kind = ?1");
        let mut cond = |sql: &mut String, c: &str, v: rusqlite::types::Value| {
            args.push(v);
            sql.push_str(&format!(" AND d.{c} ?{}", args.len()));
        };
        if let Some(a) = q.account_id {
            cond(&mut sql, "account_id =", a.as_bytes().to_vec().into());
        }
        if let Some(s) = &q.status {
            cond(&mut sql, "status =", s.clone().into());
        }
        if let Some(t) = q.from {
            cond(&mut sql, "at >=", to_text(t).into());
        }
        if let Some(t) = q.to {
            cond(&mut sql, "at <", to_text(t).into());
        }
        if let Some(b) = q.before {
            args.push(b.as_bytes().to_vec().into());
            sql.push_str(&format!(" AND {id_col} < ?{}", args.len()));
        }
        sql.push_str(&format!(" ORDER BY {id_col} DESC LIMIT {}", q.limit.clamp(1, 1000)));
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            this.read(|c| {
                let mut st = c.prepare_cached(&sql)?;
                let rows = st.query_map(rusqlite::params_from_iter(args.iter()), doc_row)?;
                rows.collect()
            })
        })
        .await
        .map_err(err)?
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
            EventFilter::Subject(id) => ("subject_id = ?1", Some(id)),
            EventFilter::Account(id) => ("account_id = ?1", Some(id)),
            EventFilter::All => ("?1 IS NULL", None),
        };
        let sql = format!("{EVENT_COLS} WHERE {cond} AND seq > ?2 ORDER BY {order} LIMIT ?3");
        let id: Option<Vec<u8>> = id.map(|i| i.as_bytes().to_vec());
        self.read(|c| {
            let mut st = c.prepare_cached(&sql)?;
            let rows = st.query_map(params![id, after_seq, limit.clamp(1, 1000)], event_row)?;
            rows.collect()
        })
    }

    pub async fn idempotency(&self, principal: &str, key: &str) -> Result<Option<IdempotencyRecord>> {
        self.read(|c| {
            c.prepare_cached("SELECT request_hash, status, body FROM idempotency WHERE principal = ?1 AND key = ?2")?
                .query_row(params![principal, key], |r| {
                    Ok(IdempotencyRecord {
                        principal: principal.to_owned(),
                        key: key.to_owned(),
                        request_hash: r.get(0)?,
                        status: r.get(1)?,
                        body: r.get(2)?,
                    })
                })
                .optional()
        })
    }

    pub async fn reserve_numbers(&self, counter: &str, n: i64) -> Result<i64> {
        let counter = counter.to_owned();
        self.write(move |c| {
            let last: i64 = c
                .prepare_cached(
                    "INSERT INTO counters(name, value) VALUES (?1, ?2) \
                     ON CONFLICT(name) DO UPDATE SET value = value + ?2 RETURNING value",
                )
                .and_then(|mut st| st.query_row(params![counter, n], |r| r.get(0)))
                .map_err(|e| CommitError::Store(err(e)))?;
            Ok(last - n + 1)
        })
        .await
        .map_err(|e| StoreError::new(e.to_string()))
    }

    pub async fn window_hit(&self, name: &str, key: &str, window_start: i64, window_secs: i64) -> Result<i64> {
        let (name, key) = (name.to_owned(), key.to_owned());
        let purge = crate::purge_due(&self.inner.purged, window_start);
        self.write(move |c| {
            let store = |e: rusqlite::Error| CommitError::Store(err(e));
            if purge {
                c.prepare_cached("DELETE FROM window_counters WHERE expires <= ?1")
                    .and_then(|mut st| st.execute([window_start]))
                    .map_err(store)?;
            }
            c.prepare_cached(
                "INSERT INTO window_counters(name, key, window_start, expires, n) VALUES (?1, ?2, ?3, ?4, 1) \
                 ON CONFLICT(name, key, window_start) DO UPDATE SET n = n + 1 RETURNING n",
            )
            .and_then(|mut st| {
                st.query_row(params![name, key, window_start, window_start + window_secs], |r| {
                    r.get(0)
                })
            })
            .map_err(store)
        })
        .await
        .map_err(|e| StoreError::new(e.to_string()))
    }

    pub async fn window_count(&self, name: &str, key: &str, window_start: i64) -> Result<i64> {
        self.read(|c| {
            c.prepare_cached("SELECT n FROM window_counters WHERE name = ?1 AND key = ?2 AND window_start = ?3")?
                .query_row(params![name, key, window_start], |r| r.get(0))
                .optional()
                .map(Option::unwrap_or_default)
        })
    }

    pub async fn count(&self, kind: &'static str) -> Result<i64> {
        self.read(|c| c.query_row("SELECT count(*) FROM docs WHERE kind = ?1", [kind], |r| r.get(0)))
    }

    pub async fn ping(&self) -> Result<()> {
        self.read(|c| c.query_row("SELECT 1", [], |_| Ok(())))
    }
}

const DOC_COLS: &str = "SELECT id, kind, account_id, version, created_at, updated_at, data FROM docs";
const EVENT_COLS: &str = "SELECT seq, id, at, kind, subject_kind, subject_id, account_id, actor_kind, actor_id, actor_name, reason, data FROM events";

fn event_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<EventRow> {
    Ok(EventRow {
        seq: r.get(0)?,
        id: uuid_col(r, 1)?,
        at: time_col(r, 2)?,
        kind: r.get(3)?,
        subject_kind: r.get(4)?,
        subject_id: uuid_col(r, 5)?,
        account_id: opt_uuid_col(r, 6)?,
        actor_kind: r.get(7)?,
        actor_id: r.get(8)?,
        actor_name: r.get(9)?,
        reason: r.get(10)?,
        data: r.get(11)?,
    })
}

fn uuid_col(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Uuid> {
    let b: [u8; 16] = r.get(i)?;
    Ok(Uuid::from_bytes(b))
}

fn opt_uuid_col(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Option<Uuid>> {
    let b: Option<[u8; 16]> = r.get(i)?;
    Ok(b.map(Uuid::from_bytes))
}

fn time_col(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<OffsetDateTime> {
    let s: String = r.get(i)?;
    from_text(&s).map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e)))
}

fn doc_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DocRow> {
    Ok(DocRow {
        id: uuid_col(r, 0)?,
        kind: r.get(1)?,
        account_id: opt_uuid_col(r, 2)?,
        version: r.get(3)?,
        created_at: time_col(r, 4)?,
        updated_at: time_col(r, 5)?,
        data: r.get(6)?,
    })
}

fn is_constraint(e: &rusqlite::Error) -> Option<String> {
    match e {
        rusqlite::Error::SqliteFailure(f, msg) if f.code == ErrorCode::ConstraintViolation => {
            Some(msg.clone().unwrap_or_default())
        }
        _ => None,
    }
}

/// Updates an existing row in place when its account, number and time stay as they are: the
/// data only if the status stays too, else the data and the status. SQLite rewrites the entries
/// of every index whose column a SET names, changed or not, so naming only what moved spares
/// the others. False when the row is missing, at another version (`expect`), or another
/// indexed column changed: the caller's full statement then decides.
fn update_in_place(
    c: &Connection,
    d: &crate::DocWrite,
    account: &Option<[u8; 16]>,
    at: &str,
    now: &str,
    expect: Option<i64>,
) -> Result<bool, CommitError> {
    let store = |e: rusqlite::Error| CommitError::Store(err(e));
    let n = c
        .prepare_cached(
            "UPDATE docs SET version = version + 1, updated_at = ?2, data = ?3 \
             WHERE id = ?1 AND (?4 IS NULL OR version = ?4) AND account_id IS ?5 AND number IS ?6 AND status IS ?7 AND at = ?8",
        )
        .and_then(|mut s| s.execute(params![d.id.as_bytes(), now, d.data, expect, account, d.number, d.status, at]))
        .map_err(store)?;
    if n == 1 {
        return Ok(true);
    }
    let n = c
        .prepare_cached(
            "UPDATE docs SET version = version + 1, updated_at = ?2, data = ?3, status = ?7 \
             WHERE id = ?1 AND (?4 IS NULL OR version = ?4) AND account_id IS ?5 AND number IS ?6 AND at = ?8",
        )
        .and_then(|mut s| {
            s.execute(params![
                d.id.as_bytes(),
                now,
                d.data,
                expect,
                account,
                d.number,
                d.status,
                at
            ])
        })
        .map_err(store)?;
    Ok(n == 1)
}

fn apply(c: &Connection, commit: &Commit) -> Result<(), CommitError> {
    crate::refuse_nul(commit)?;
    let store = |e: rusqlite::Error| CommitError::Store(err(e));
    let now = to_text(OffsetDateTime::now_utc());
    for k in &commit.counters {
        c.prepare_cached(
            "INSERT INTO window_counters(name, key, window_start, expires, n) VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT(name, key, window_start) DO UPDATE SET n = n + excluded.n",
        )
        .and_then(|mut s| s.execute(params![k.name, k.key, crate::COUNTER_WINDOW, i64::MAX, k.delta]))
        .map_err(store)?;
    }
    for (scope, key) in &commit.dedup {
        let r = c
            .prepare_cached("INSERT INTO dedup(scope, key) VALUES (?1, ?2)")
            .and_then(|mut s| s.execute(params![scope.as_bytes(), key]));
        if let Err(e) = r {
            return Err(if is_constraint(&e).is_some() {
                CommitError::Duplicate
            } else {
                store(e)
            });
        }
    }
    if let Some(i) = &commit.idempotency {
        let r = c
            .prepare_cached("INSERT INTO idempotency(principal, key, request_hash, status, body, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
            .and_then(|mut s| s.execute(params![i.principal, i.key, i.request_hash, i.status, i.body, now]));
        if let Err(e) = r {
            return Err(if is_constraint(&e).is_some() {
                CommitError::IdempotencyKeyTaken
            } else {
                store(e)
            });
        }
    }
    for d in &commit.docs {
        let account = d.account_id.map(|a| *a.as_bytes());
        let at = to_text(d.at);
        match d.mode {
            WriteMode::Upsert => {
                // An existing row whose indexed columns stay as they are (a line chunk), or
                // only its status moves (a shipment's tracking status): rewrite the row and at
                // most the status index entry, not every index entry (see `Update`).
                if update_in_place(c, d, &account, &at, &now, None)? {
                    continue;
                }
                c.prepare_cached(
                    "INSERT INTO docs(id, kind, account_id, number, status, at, version, created_at, updated_at, data) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?7, ?8) ON CONFLICT(id) DO UPDATE SET \
                     account_id = excluded.account_id, number = excluded.number, status = excluded.status, at = excluded.at, \
                     version = docs.version + 1, updated_at = excluded.updated_at, data = excluded.data",
                )
                .and_then(|mut s| s.execute(params![d.id.as_bytes(), d.kind, account, d.number, d.status, at, now, d.data]))
                .map_err(store)?;
            }
            WriteMode::Insert => {
                let r = c
                    .prepare_cached(
                        "INSERT INTO docs(id, kind, account_id, number, status, at, version, created_at, updated_at, data) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?7, ?8)",
                    )
                    .and_then(|mut s| s.execute(params![d.id.as_bytes(), d.kind, account, d.number, d.status, at, now, d.data]));
                if let Err(e) = r {
                    return Err(match is_constraint(&e) {
                        Some(m) if m.contains("number") => CommitError::NumberTaken {
                            kind: d.kind.to_owned(),
                            number: d.number.clone().unwrap_or_default(),
                        },
                        Some(_) => CommitError::Conflict(d.id),
                        None => store(e),
                    });
                }
            }
            WriteMode::Update(v) => {
                // Most updates change only the data (a tracking scan on an order's header): then
                // only the row is rewritten, not the entries of the indexes on account, number,
                // status and time (SQLite rewrites those of every column a SET names).
                if update_in_place(c, d, &account, &at, &now, Some(v))? {
                    continue;
                }
                let n = c
                    .prepare_cached(
                        "UPDATE docs SET account_id = ?2, number = ?3, status = ?4, at = ?5, version = version + 1, \
                         updated_at = ?6, data = ?7 WHERE id = ?1 AND version = ?8",
                    )
                    .and_then(|mut s| {
                        s.execute(params![
                            d.id.as_bytes(),
                            account,
                            d.number,
                            d.status,
                            at,
                            now,
                            d.data,
                            v
                        ])
                    })
                    .map_err(|e| match is_constraint(&e) {
                        Some(_) => CommitError::NumberTaken {
                            kind: d.kind.to_owned(),
                            number: d.number.clone().unwrap_or_default(),
                        },
                        None => store(e),
                    })?;
                if n == 0 {
                    return Err(CommitError::Conflict(d.id));
                }
            }
        }
    }
    for k in &commit.keys {
        c.prepare_cached("INSERT OR IGNORE INTO doc_keys(kind, key, doc_id) VALUES (?1, ?2, ?3)")
            .and_then(|mut s| s.execute(params![k.kind, k.key, k.doc_id.as_bytes()]))
            .map_err(store)?;
    }
    for e in &commit.events {
        c.prepare_cached(
            "INSERT INTO events(id, at, kind, subject_kind, subject_id, account_id, actor_kind, actor_id, actor_name, reason, data) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )
        .and_then(|mut s| {
            s.execute(params![
                e.id.as_bytes(),
                to_text(e.at),
                e.kind,
                e.subject_kind,
                e.subject_id.as_bytes(),
                e.account_id.map(|a| *a.as_bytes()),
                e.actor_kind,
                e.actor_id,
                e.actor_name,
                e.reason,
                e.data
            ])
        })
        .map_err(store)?;
    }
    let outbox: Vec<crate::JobWrite> = crate::outbox_job(commit)
        .into_iter()
        .chain(commit.jobs.iter().cloned())
        .collect();
    jobs::apply_jobs(c, &outbox, &commit.finish)
}
