//! The job queue on SQLite. Claims and finishes go through the writer thread (one writer, so a
//! claim's `UPDATE … RETURNING` can never hand one job to two claimers); listings are reads.

use super::{SqliteStore, err, opt_uuid_col, uuid_col};
use crate::{
    CommitError, EventRow, JobFinish, JobOutcome, JobQuery, JobRow, JobState, JobWrite, Replay, Result, StoreError,
};
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

const JOB_COLS: &str = "id, queue, unique_key, account_id, owner, state, due_at, attempts, lease_token, last_error, created_at, updated_at, payload";

fn job_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<JobRow> {
    let state: String = r.get(5)?;
    Ok(JobRow {
        id: uuid_col(r, 0)?,
        queue: r.get(1)?,
        unique_key: r.get(2)?,
        account_id: opt_uuid_col(r, 3)?,
        owner: r.get(4)?,
        state: JobState::parse(&state),
        due_at: r.get(6)?,
        attempts: r.get(7)?,
        lease: opt_uuid_col(r, 8)?,
        last_error: r.get(9)?,
        created_at: r.get(10)?,
        updated_at: r.get(11)?,
        payload: r.get(12)?,
    })
}

fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// Inside a commit's savepoint: its jobs, then the jobs it finishes (each must still be held).
pub(super) fn apply_jobs(c: &Connection, jobs: &[JobWrite], finish: &[JobFinish]) -> Result<(), CommitError> {
    let store = |e: rusqlite::Error| CommitError::Store(err(e));
    let now = now_ms();
    for j in jobs {
        c.prepare_cached(
            "INSERT INTO jobs(id, queue, unique_key, account_id, owner, state, due_at, attempts, created_at, updated_at, payload) \
             VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, 0, ?7, ?7, ?8) ON CONFLICT DO NOTHING",
        )
        .and_then(|mut s| {
            s.execute(params![
                j.id.as_bytes(),
                j.queue,
                j.unique_key,
                j.account_id.map(|a| *a.as_bytes()),
                j.owner,
                j.due_at,
                now,
                j.payload
            ])
        })
        .map_err(store)?;
    }
    for f in finish {
        let n = c
            .prepare_cached(
                "UPDATE jobs SET state = 'done', lease_token = NULL, last_error = NULL, updated_at = ?3 \
                 WHERE id = ?1 AND lease_token = ?2 AND state = 'pending'",
            )
            .and_then(|mut s| s.execute(params![f.id.as_bytes(), f.lease.as_bytes(), now]))
            .map_err(store)?;
        if n == 0 {
            return Err(CommitError::Conflict(f.id));
        }
    }
    Ok(())
}

impl SqliteStore {
    pub async fn events_by_id(&self, ids: &[Uuid]) -> Result<Vec<EventRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<[u8; 16]> = ids.iter().map(|i| *i.as_bytes()).collect();
        self.read(move |c| {
            let mut out = Vec::with_capacity(list.len());
            let mut st = c.prepare_cached(&format!("{} WHERE id = ?1", super::EVENT_COLS))?;
            for id in &list {
                if let Some(e) = st.query_row([id], super::event_row).optional()? {
                    out.push(e);
                }
            }
            Ok(out)
        })
    }

    pub async fn claim_jobs(&self, queue: &'static str, now_ms: i64, lease_ms: i64, limit: u32) -> Result<Vec<JobRow>> {
        let lease = Uuid::now_v7();
        self.write(move |c| {
            let sql = format!(
                "UPDATE jobs SET due_at = ?3, attempts = attempts + 1, lease_token = ?4, updated_at = ?2 \
                 WHERE id IN (SELECT id FROM jobs WHERE queue = ?1 AND state = 'pending' AND due_at <= ?2 \
                 ORDER BY due_at LIMIT ?5) RETURNING {JOB_COLS}"
            );
            let mut st = c.prepare_cached(&sql).map_err(|e| CommitError::Store(err(e)))?;
            let rows = st
                .query_map(
                    params![queue, now_ms, now_ms + lease_ms, lease.as_bytes(), limit],
                    job_row,
                )
                .and_then(|r| r.collect::<rusqlite::Result<Vec<_>>>())
                .map_err(|e| CommitError::Store(err(e)))?;
            let mut rows = rows;
            rows.sort_by_key(|r| (r.created_at, r.id));
            Ok(rows)
        })
        .await
        .map_err(|e| StoreError::new(e.to_string()))
    }

    pub async fn finish_job(&self, id: Uuid, lease: Uuid, outcome: JobOutcome, now_ms: i64) -> Result<bool> {
        Ok(self.finish_jobs(vec![(id, lease, outcome)], now_ms).await?[0])
    }

    pub async fn finish_jobs(&self, done: Vec<(Uuid, Uuid, JobOutcome)>, now_ms: i64) -> Result<Vec<bool>> {
        self.write(move |c| {
            let mut out = Vec::with_capacity(done.len());
            for (id, lease, outcome) in done {
                let (state, due, error) = match outcome {
                    JobOutcome::Done => ("done", None, None),
                    JobOutcome::Retry { due_at, error } => ("pending", Some(due_at), Some(error)),
                    JobOutcome::Dead { error } => ("dead", None, Some(error)),
                };
                let n = c
                    .prepare_cached(
                        "UPDATE jobs SET state = ?3, due_at = coalesce(?4, due_at), last_error = coalesce(?5, last_error), \
                         lease_token = NULL, updated_at = ?6 WHERE id = ?1 AND lease_token = ?2 AND state = 'pending'",
                    )
                    .and_then(|mut s| s.execute(params![id.as_bytes(), lease.as_bytes(), state, due, error, now_ms]))
                    .map_err(|e| CommitError::Store(err(e)))?;
                out.push(n == 1);
            }
            Ok(out)
        })
        .await
        .map_err(|e| StoreError::new(e.to_string()))
    }

    pub async fn get_job(&self, id: Uuid) -> Result<Option<JobRow>> {
        self.read(|c| {
            c.prepare_cached(&format!("SELECT {JOB_COLS} FROM jobs WHERE id = ?1"))?
                .query_row([id.as_bytes()], job_row)
                .optional()
        })
    }

    pub async fn list_jobs(&self, q: JobQuery) -> Result<Vec<JobRow>> {
        self.read(|c| {
            let sql = format!(
                "SELECT {JOB_COLS} FROM jobs WHERE (?1 IS NULL OR queue = ?1) AND (?2 IS NULL OR owner = ?2) \
                 AND (?3 IS NULL OR account_id = ?3) AND (?4 IS NULL OR state = ?4) AND (?5 IS NULL OR id < ?5) \
                 ORDER BY id DESC LIMIT ?6"
            );
            let mut st = c.prepare_cached(&sql)?;
            let rows = st.query_map(
                params![
                    q.queue,
                    q.owner,
                    q.account_id.map(|a| *a.as_bytes()),
                    q.state.map(JobState::as_str),
                    q.before.map(|b| *b.as_bytes()),
                    q.limit.clamp(1, 500)
                ],
                job_row,
            )?;
            rows.collect()
        })
    }

    pub async fn replay_jobs(&self, r: Replay, now_ms: i64) -> Result<u64> {
        self.write(move |c| {
            let n = match r {
                Replay::One(id) => c.execute(
                    "UPDATE jobs SET state = 'pending', due_at = ?2, attempts = 0, lease_token = NULL, updated_at = ?2 \
                     WHERE id = ?1 AND state <> 'pending'",
                    params![id.as_bytes(), now_ms],
                ),
                Replay::Since { queue, owner, since_ms } => c.execute(
                    "UPDATE jobs SET state = 'pending', due_at = ?4, attempts = 0, lease_token = NULL, updated_at = ?4 \
                     WHERE queue = ?1 AND (?2 IS NULL OR owner = ?2) AND created_at >= ?3 AND state <> 'pending'",
                    params![queue, owner, since_ms, now_ms],
                ),
            }
            .map_err(|e| CommitError::Store(err(e)))?;
            Ok(n as u64)
        })
        .await
        .map_err(|e| StoreError::new(e.to_string()))
    }

    pub async fn purge_jobs(&self, queue: &'static str, before_ms: i64, limit: u32) -> Result<u64> {
        self.write(move |c| {
            let n = c
                .prepare_cached(
                    "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE queue = ?1 AND state <> 'pending' \
                     AND updated_at < ?2 LIMIT ?3)",
                )
                .and_then(|mut s| s.execute(params![queue, before_ms, limit]))
                .map_err(|e| CommitError::Store(err(e)))?;
            Ok(n as u64)
        })
        .await
        .map_err(|e| StoreError::new(e.to_string()))
    }

    pub async fn pending_jobs(&self) -> Result<Vec<(String, i64)>> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT queue, count(*) FROM jobs WHERE state = 'pending' GROUP BY queue ORDER BY queue",
            )?;
            let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect()
        })
    }
}
