//! Aftercart's storage: a transactional store of versioned documents (one per aggregate), secondary
//! keys, the append-only event log, idempotency records and de-duplication keys.
//!
//! Architecture invariant: this crate knows nothing of the domain. It stores JSON documents and
//! rows; the application maps aggregates to them. Both backends implement the same contract
//! (`tests` in the api crate run the whole suite against each), and a [`Commit`] is atomic: its
//! documents, keys, events and idempotency record are written together or not at all.

mod jobs;
mod postgres;
mod sqlite;
mod timefmt;

pub use jobs::{JobFinish, JobOutcome, JobQuery, JobRow, JobState, JobWrite, Replay};

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

use time::OffsetDateTime;
use uuid::Uuid;

// Text contract, both backends: `data` (documents and event data) and `EventWrite::reason` are
// stored and returned exactly, any valid Unicode included (U+0000 too). The other text fields
// (kinds, numbers, statuses, keys, actor names) are identifiers: they must not contain U+0000,
// which PostgreSQL's `text` cannot hold; a write carrying one is refused with a `StoreError`, and
// a lookup for one finds nothing (no stored value can contain it).

/// Insert (when `expected_version` is `None`) or update of one aggregate document.
#[derive(Debug, Clone)]
pub struct DocWrite {
    pub id: Uuid,
    pub kind: &'static str,
    pub account_id: Option<Uuid>,
    pub number: Option<String>,
    pub status: Option<String>,
    pub at: OffsetDateTime,
    pub mode: WriteMode,
    pub data: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// The document must not exist yet.
    Insert,
    /// The document must still be at this version (optimistic concurrency).
    Update(i64),
    /// Insert or overwrite without a version check: only for read projections whose source
    /// document in the same commit carries the check.
    Upsert,
}

#[derive(Debug, Clone)]
pub struct KeyWrite {
    pub kind: &'static str,
    pub key: String,
    pub doc_id: Uuid,
}

#[derive(Debug, Clone)]
pub struct EventWrite {
    pub id: Uuid,
    pub at: OffsetDateTime,
    pub kind: String,
    pub subject_kind: &'static str,
    pub subject_id: Uuid,
    pub account_id: Option<Uuid>,
    pub actor_kind: &'static str,
    pub actor_id: Option<String>,
    pub actor_name: String,
    pub reason: Option<String>,
    pub data: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    pub principal: String,
    pub key: String,
    pub request_hash: String,
    pub status: u16,
    pub body: String,
}

/// Everything one command changes, committed atomically.
#[derive(Debug, Clone, Default)]
pub struct Commit {
    pub docs: Vec<DocWrite>,
    pub keys: Vec<KeyWrite>,
    pub events: Vec<EventWrite>,
    pub idempotency: Option<IdempotencyRecord>,
    /// Inbound message keys; if any was seen before, the whole commit is refused as `Duplicate`.
    pub dedup: Vec<(Uuid, String)>,
    /// Jobs to enqueue with the change (the transactional outbox).
    pub jobs: Vec<JobWrite>,
    /// Claimed jobs this commit finishes (refused as `Conflict` if a lease was lost).
    pub finish: Vec<JobFinish>,
    /// Leave this commit's events out of the outbox (bulk seeding for benchmarks only).
    pub no_outbox: bool,
    /// Running totals moved with the change (an account's uninvoiced orders): added atomically,
    /// so concurrent commits never conflict over them. Read with [`Store::counter`].
    pub counters: Vec<CounterAdd>,
}

/// `delta` added to the running total `name`/`key` (kept in `window_counters` with window 0 and
/// no expiry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterAdd {
    pub name: &'static str,
    pub key: String,
    pub delta: i64,
}

/// The window of running totals: never a real window start, and they never expire.
pub const COUNTER_WINDOW: i64 = 0;

/// The queue every commit's events are enqueued on, in the same transaction (the outbox).
pub const OUTBOX_QUEUE: &str = "events";

/// The outbox job of a commit: one per commit that records events, naming them, so whatever
/// must follow a change (notifications, webhooks, the event stream) is never lost however the
/// change was made — the invariant lives here, not at each call site.
pub(crate) fn outbox_job(c: &Commit) -> Option<JobWrite> {
    if c.events.is_empty() || c.no_outbox {
        return None;
    }
    let ids: Vec<String> = c.events.iter().map(|e| e.id.to_string()).collect();
    Some(JobWrite {
        id: Uuid::now_v7(),
        queue: OUTBOX_QUEUE,
        unique_key: None,
        account_id: c.events[0].account_id,
        owner: None,
        // Due at the events' own time: the application's clock, which tests may hold still.
        due_at: (c.events[0].at.unix_timestamp_nanos() / 1_000_000) as i64,
        payload: serde_json::json!({ "events": ids }).to_string(),
    })
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum CommitError {
    #[error("document {0} was changed concurrently or already exists")]
    Conflict(Uuid),
    #[error("{kind} number {number} is already taken")]
    NumberTaken { kind: String, number: String },
    #[error("message already processed")]
    Duplicate,
    #[error("idempotency key already used")]
    IdempotencyKeyTaken,
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("storage error: {message}")]
pub struct StoreError {
    pub message: String,
    /// The store cannot take more work right now (no connection to be had: the server's
    /// connection limit, or it is starting or stopping); retrying shortly may succeed, so callers
    /// answer "unavailable, retry after" rather than "internal error".
    pub unavailable: bool,
}

impl StoreError {
    pub fn new(message: impl Into<String>) -> StoreError {
        StoreError {
            message: message.into(),
            unavailable: false,
        }
    }

    pub fn unavailable(message: impl Into<String>) -> StoreError {
        StoreError {
            message: message.into(),
            unavailable: true,
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocRow {
    pub id: Uuid,
    pub kind: String,
    pub account_id: Option<Uuid>,
    pub version: i64,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub data: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    pub seq: i64,
    pub id: Uuid,
    pub at: OffsetDateTime,
    pub kind: String,
    pub subject_kind: String,
    pub subject_id: Uuid,
    pub account_id: Option<Uuid>,
    pub actor_kind: String,
    pub actor_id: Option<String>,
    pub actor_name: String,
    pub reason: Option<String>,
    pub data: String,
}

/// Filters for listing documents of one kind, newest first, paged by id (UUIDv7 = creation order).
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub kind: &'static str,
    pub account_id: Option<Uuid>,
    pub status: Option<String>,
    /// Only documents carrying this secondary key (e.g. `("order_location", loc_id)`).
    pub key: Option<(&'static str, String)>,
    pub from: Option<OffsetDateTime>,
    pub to: Option<OffsetDateTime>,
    /// Only ids strictly below this one (the cursor).
    pub before: Option<Uuid>,
    pub limit: u32,
}

#[derive(Debug, Clone, Copy)]
pub enum EventFilter {
    Subject(Uuid),
    Account(Uuid),
    /// Every event, in commit-sequence order (workers following the whole log).
    All,
}

/// The configured backend. An enum rather than a trait object: two backends, static dispatch,
/// and async methods without boxing.
#[derive(Clone)]
pub enum Store {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

macro_rules! dispatch {
    ($self:ident, $s:ident => $e:expr) => {
        match $self {
            Store::Sqlite($s) => $e,
            Store::Postgres($s) => $e,
        }
    };
}

impl Store {
    /// Opens a store from a URL: `sqlite:path/to/file.db`, `sqlite::memory:` or
    /// `postgres://user@host:port/db`.
    pub async fn open(url: &str) -> Result<Store> {
        if let Some(path) = url.strip_prefix("sqlite:") {
            let path = path.trim_start_matches("//");
            Ok(Store::Sqlite(SqliteStore::open(path)?))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Store::Postgres(PgStore::connect(url).await?))
        } else {
            Err(StoreError::new(format!(
                "unsupported database URL '{url}': use sqlite:<path> or postgres://…"
            )))
        }
    }

    pub fn backend(&self) -> &'static str {
        dispatch!(self, _s => if matches!(self, Store::Sqlite(_)) { "sqlite" } else { "postgres" })
    }

    /// Applies pending migrations; returns how many were applied.
    pub async fn migrate(&self) -> Result<usize> {
        dispatch!(self, s => s.migrate().await)
    }

    pub async fn commit(&self, c: Commit) -> Result<(), CommitError> {
        dispatch!(self, s => s.commit(c).await)
    }

    /// Commits many independent commits (bulk loads); stops at the first failure.
    pub async fn commit_all(&self, cs: Vec<Commit>) -> Result<(), CommitError> {
        dispatch!(self, s => s.commit_all(cs).await)
    }

    pub async fn get(&self, id: Uuid) -> Result<Option<DocRow>> {
        dispatch!(self, s => s.get(id).await)
    }

    /// A document and the documents `related` names from it, read together: in one read
    /// transaction on SQLite (one snapshot), on one connection on PostgreSQL. For a document
    /// whose parts are documents of their own (an order's header and its line chunks).
    pub async fn get_with<F>(&self, id: Uuid, related: F) -> Result<Option<(DocRow, Vec<DocRow>)>>
    where
        F: FnOnce(&DocRow) -> Vec<Uuid> + Send,
    {
        dispatch!(self, s => s.get_with(id, related).await)
    }

    pub async fn get_many(&self, ids: &[Uuid]) -> Result<Vec<DocRow>> {
        dispatch!(self, s => s.get_many(ids).await)
    }

    pub async fn by_key(&self, kind: &'static str, key: &str) -> Result<Vec<Uuid>> {
        dispatch!(self, s => s.by_key(kind, key).await)
    }

    /// `by_key` for many keys in one round trip: each `(key, doc_id)` found, in no set order.
    pub async fn by_keys(&self, kind: &'static str, keys: &[String]) -> Result<Vec<(String, Uuid)>> {
        dispatch!(self, s => s.by_keys(kind, keys).await)
    }

    pub async fn by_number(&self, kind: &'static str, number: &str) -> Result<Option<DocRow>> {
        dispatch!(self, s => s.by_number(kind, number).await)
    }

    pub async fn list(&self, q: ListQuery) -> Result<Vec<DocRow>> {
        dispatch!(self, s => s.list(q).await)
    }

    pub async fn events(&self, f: EventFilter, after_seq: i64, limit: u32) -> Result<Vec<EventRow>> {
        dispatch!(self, s => s.events(f, after_seq, limit).await)
    }

    /// The newest `limit` events, newest first.
    pub async fn latest_events(&self, f: EventFilter, limit: u32) -> Result<Vec<EventRow>> {
        dispatch!(self, s => s.latest_events(f, limit).await)
    }

    pub async fn idempotency(&self, principal: &str, key: &str) -> Result<Option<IdempotencyRecord>> {
        dispatch!(self, s => s.idempotency(principal, key).await)
    }

    /// Reserves `n` consecutive numbers of a named sequence; returns the first.
    pub async fn reserve_numbers(&self, counter: &str, n: i64) -> Result<i64> {
        dispatch!(self, s => s.reserve_numbers(counter, n).await)
    }

    pub async fn count(&self, kind: &'static str) -> Result<i64> {
        dispatch!(self, s => s.count(kind).await)
    }

    /// Counts one hit on the fixed-window counter `(name, key)` whose window began at
    /// `window_start` (Unix seconds, chosen by the caller) and lasts `window_secs`; returns the
    /// window's count including this hit. One atomic statement (`INSERT … ON CONFLICT DO UPDATE
    /// … RETURNING`), so concurrent hits from any number of processes are all counted: rate
    /// limits that guard credentials hold for the whole deployment, not per process. Windows that
    /// ended before `window_start` are deleted now and then (at most once per window per process).
    pub async fn window_hit(&self, name: &str, key: &str, window_start: i64, window_secs: i64) -> Result<i64> {
        if name.contains('\0') || key.contains('\0') {
            return Err(StoreError::new(
                "a window counter's name and key are identifiers: no U+0000",
            ));
        }
        dispatch!(self, s => s.window_hit(name, key, window_start, window_secs).await)
    }

    /// The count of the window `(name, key, window_start)` without counting (0 if never hit).
    /// A running total moved by commits' [`CounterAdd`]s (zero when never moved).
    pub async fn counter(&self, name: &str, key: &str) -> Result<i64> {
        self.window_count(name, key, COUNTER_WINDOW).await
    }

    pub async fn window_count(&self, name: &str, key: &str, window_start: i64) -> Result<i64> {
        if name.contains('\0') || key.contains('\0') {
            return Ok(0);
        }
        dispatch!(self, s => s.window_count(name, key, window_start).await)
    }

    pub async fn ping(&self) -> Result<()> {
        dispatch!(self, s => s.ping().await)
    }

    /// Events by id (any order); ids not found are left out.
    pub async fn events_by_id(&self, ids: &[Uuid]) -> Result<Vec<EventRow>> {
        dispatch!(self, s => s.events_by_id(ids).await)
    }

    /// Claims up to `limit` due pending jobs of a queue for `lease_ms`: each comes back with a
    /// fresh lease token and its attempt counted, and is due again when the lease ends (a worker
    /// that dies mid-job loses nothing; its job is retried). Oldest due first. Two claimers,
    /// in one process or many, never hold the same job at once.
    pub async fn claim_jobs(&self, queue: &'static str, now_ms: i64, lease_ms: i64, limit: u32) -> Result<Vec<JobRow>> {
        dispatch!(self, s => s.claim_jobs(queue, now_ms, lease_ms, limit).await)
    }

    /// Records an attempt's outcome; false when the lease was lost (another claimer holds the
    /// job now, or it was finished), in which case nothing changed.
    pub async fn finish_job(&self, id: Uuid, lease: Uuid, outcome: JobOutcome, now_ms: i64) -> Result<bool> {
        dispatch!(self, s => s.finish_job(id, lease, outcome, now_ms).await)
    }

    /// `finish_job` for many attempts in one round trip (one transaction); each answer says
    /// whether that lease was still held.
    pub async fn finish_jobs(&self, done: Vec<(Uuid, Uuid, JobOutcome)>, now_ms: i64) -> Result<Vec<bool>> {
        dispatch!(self, s => s.finish_jobs(done, now_ms).await)
    }

    pub async fn get_job(&self, id: Uuid) -> Result<Option<JobRow>> {
        dispatch!(self, s => s.get_job(id).await)
    }

    pub async fn list_jobs(&self, q: JobQuery) -> Result<Vec<JobRow>> {
        dispatch!(self, s => s.list_jobs(q).await)
    }

    /// Makes finished (done or dead) jobs pending and due now, with their attempts reset; returns
    /// how many. A pending job is left as it is (it will be sent anyway).
    pub async fn replay_jobs(&self, r: Replay, now_ms: i64) -> Result<u64> {
        dispatch!(self, s => s.replay_jobs(r, now_ms).await)
    }

    /// Deletes up to `limit` finished (done or dead) jobs of `queue` last touched before
    /// `before_ms`; returns how many. Retention: the outbox's own rows are bookkeeping, the
    /// delivery log is kept for a while.
    pub async fn purge_jobs(&self, queue: &'static str, before_ms: i64, limit: u32) -> Result<u64> {
        dispatch!(self, s => s.purge_jobs(queue, before_ms, limit).await)
    }

    /// Pending jobs per queue (for health and metrics).
    pub async fn pending_jobs(&self) -> Result<Vec<(String, i64)>> {
        dispatch!(self, s => s.pending_jobs().await)
    }
}

/// Identifier columns never hold U+0000 (PostgreSQL's `text` cannot; free text lives in JSON or
/// in `events.reason`): a commit carrying one is a caller's bug, refused by both backends before
/// anything is written, so they keep one contract.
pub(crate) fn refuse_nul(c: &Commit) -> Result<(), CommitError> {
    let mut texts: Vec<(&str, &str)> = Vec::new();
    for d in &c.docs {
        texts.push(("document kind", d.kind));
        texts.extend(d.number.as_deref().map(|n| ("document number", n)));
        texts.extend(d.status.as_deref().map(|n| ("document status", n)));
        texts.push(("document data", &d.data));
    }
    for k in &c.keys {
        texts.push(("key kind", k.kind));
        texts.push(("key", &k.key));
    }
    for e in &c.events {
        texts.push(("event kind", &e.kind));
        texts.push(("event actor name", &e.actor_name));
        texts.extend(e.actor_id.as_deref().map(|a| ("event actor id", a)));
        texts.push(("event data", &e.data));
    }
    for (_, k) in &c.dedup {
        texts.push(("de-duplication key", k));
    }
    if let Some(i) = &c.idempotency {
        texts.push(("idempotency principal", &i.principal));
        texts.push(("idempotency key", &i.key));
        texts.push(("idempotency body", &i.body));
    }
    if let Some(what) = jobs::refuse_nul_jobs(&c.jobs) {
        return Err(CommitError::Store(StoreError::new(format!("{what} contains U+0000"))));
    }
    match texts.into_iter().find(|(_, t)| t.contains('\0')) {
        Some((what, _)) => Err(CommitError::Store(StoreError::new(format!(
            "{what} contains U+0000, which only free text (documents, event reasons) may hold"
        )))),
        None => Ok(()),
    }
}

/// Whether expired windows should be purged now: once per new `window_start` per process, so
/// the table stays the size of the current windows without a delete on every hit.
pub(crate) fn purge_due(last: &std::sync::atomic::AtomicI64, window_start: i64) -> bool {
    use std::sync::atomic::Ordering;
    last.fetch_max(window_start, Ordering::Relaxed) < window_start
}

pub(crate) const MIGRATIONS_SQLITE: &[(i64, &str)] = &[
    (1, include_str!("../migrations/sqlite/0001_init.sql")),
    (2, include_str!("../migrations/sqlite/0002_window_counters.sql")),
    (3, include_str!("../migrations/sqlite/0003_jobs.sql")),
];
pub(crate) const MIGRATIONS_POSTGRES: &[(i64, &str)] = &[
    (1, include_str!("../migrations/postgres/0001_init.sql")),
    (2, include_str!("../migrations/postgres/0002_lossless_text.sql")),
    (3, include_str!("../migrations/postgres/0003_window_counters.sql")),
    (4, include_str!("../migrations/postgres/0004_jobs.sql")),
];
