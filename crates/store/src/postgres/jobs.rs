//! The job queue on PostgreSQL. A claim is one statement: the due rows are picked with
//! `FOR UPDATE SKIP LOCKED` (a row another claimer is taking is skipped, not waited for) and
//! leased in the same `UPDATE … RETURNING`, so two processes never hold one job at once.

use super::{PgStore, err, event_row};
use crate::{
    CommitError, EventRow, JobFinish, JobOutcome, JobQuery, JobRow, JobState, JobWrite, Replay, Result, StoreError,
};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

const JOB_COLS: &str = "id, queue, unique_key, account_id, owner, state, due_at, attempts, lease_token, last_error, \
                        created_at, updated_at, payload::text";

fn job_row(r: &Row) -> JobRow {
    let state: String = r.get(5);
    JobRow {
        id: r.get(0),
        queue: r.get(1),
        unique_key: r.get(2),
        account_id: r.get(3),
        owner: r.get(4),
        state: JobState::parse(&state),
        due_at: r.get(6),
        attempts: r.get(7),
        lease: r.get(8),
        last_error: r.get(9),
        created_at: r.get(10),
        updated_at: r.get(11),
        payload: r.get(12),
    }
}

/// One attempt's update: id, lease, new state, next due time, error.
type FinishRow = (Uuid, Uuid, &'static str, Option<i64>, Option<String>);

fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

fn store(e: tokio_postgres::Error) -> CommitError {
    CommitError::Store(err(e))
}

pub(super) async fn apply_jobs(
    tx: &deadpool_postgres::Transaction<'_>,
    jobs: &[JobWrite],
    finish: &[JobFinish],
) -> Result<(), CommitError> {
    let now = now_ms();
    if !jobs.is_empty() {
        let st = tx
            .prepare_cached(
                "INSERT INTO jobs(id, queue, unique_key, account_id, owner, state, due_at, attempts, created_at, updated_at, payload) \
                 VALUES ($1, $2, $3, $4, $5, 'pending', $6, 0, $7, $7, ($8::text)::json) ON CONFLICT DO NOTHING",
            )
            .await
            .map_err(store)?;
        let queues: Vec<&str> = jobs.iter().map(|j| j.queue).collect();
        let mut futs = Vec::with_capacity(jobs.len());
        for (j, q) in jobs.iter().zip(&queues) {
            let params: Vec<&(dyn ToSql + Sync)> = vec![
                &j.id,
                q,
                &j.unique_key,
                &j.account_id,
                &j.owner,
                &j.due_at,
                &now,
                &j.payload,
            ];
            futs.push(tx.execute_raw(&st, params));
        }
        futures_util::future::try_join_all(futs).await.map_err(store)?;
    }
    for f in finish {
        let st = tx
            .prepare_cached(
                "UPDATE jobs SET state = 'done', lease_token = NULL, last_error = NULL, updated_at = $3 \
                 WHERE id = $1 AND lease_token = $2 AND state = 'pending'",
            )
            .await
            .map_err(store)?;
        if tx.execute(&st, &[&f.id, &f.lease, &now]).await.map_err(store)? == 0 {
            return Err(CommitError::Conflict(f.id));
        }
    }
    Ok(())
}

impl PgStore {
    pub async fn events_by_id(&self, ids: &[Uuid]) -> Result<Vec<EventRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let c = self.client().await?;
        let st = c
            .prepare_cached(
                "SELECT seq, id, at, kind, subject_kind, subject_id, account_id, actor_kind, actor_id, actor_name, reason::text, data::text \
                 FROM events WHERE id = ANY($1)",
            )
            .await
            .map_err(err)?;
        Ok(c.query(&st, &[&ids])
            .await
            .map_err(err)?
            .iter()
            .map(event_row)
            .collect())
    }

    pub async fn claim_jobs(&self, queue: &'static str, now_ms: i64, lease_ms: i64, limit: u32) -> Result<Vec<JobRow>> {
        let c = self.client().await?;
        let st = c
            .prepare_cached(&format!(
                "UPDATE jobs SET due_at = $3, attempts = attempts + 1, lease_token = $4, updated_at = $2 \
                 WHERE id IN (SELECT id FROM jobs WHERE queue = $1 AND state = 'pending' AND due_at <= $2 \
                 ORDER BY due_at LIMIT $5 FOR UPDATE SKIP LOCKED) RETURNING {JOB_COLS}"
            ))
            .await
            .map_err(err)?;
        let until = now_ms + lease_ms;
        let lease = Uuid::now_v7();
        let mut rows: Vec<JobRow> = c
            .query(&st, &[&queue, &now_ms, &until, &lease, &i64::from(limit)])
            .await
            .map_err(err)?
            .iter()
            .map(job_row)
            .collect();
        rows.sort_by_key(|r| (r.created_at, r.id));
        Ok(rows)
    }

    pub async fn finish_job(&self, id: Uuid, lease: Uuid, outcome: JobOutcome, now_ms: i64) -> Result<bool> {
        Ok(self.finish_jobs(vec![(id, lease, outcome)], now_ms).await?[0])
    }

    /// One transaction, the updates pipelined (sent without waiting for each reply).
    pub async fn finish_jobs(&self, done: Vec<(Uuid, Uuid, JobOutcome)>, now_ms: i64) -> Result<Vec<bool>> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(err)?;
        let st = tx
            .prepare_cached(
                "UPDATE jobs SET state = $3, due_at = coalesce($4, due_at), last_error = coalesce($5, last_error), \
                 lease_token = NULL, updated_at = $6 WHERE id = $1 AND lease_token = $2 AND state = 'pending'",
            )
            .await
            .map_err(err)?;
        let rows: Vec<FinishRow> = done
            .into_iter()
            .map(|(id, lease, o)| match o {
                JobOutcome::Done => (id, lease, "done", None, None),
                JobOutcome::Retry { due_at, error } => (id, lease, "pending", Some(due_at), Some(error)),
                JobOutcome::Dead { error } => (id, lease, "dead", None, Some(error)),
            })
            .collect();
        let futs = rows.iter().map(|(id, lease, state, due, error)| {
            let params: Vec<&(dyn ToSql + Sync)> = vec![id, lease, state, due, error, &now_ms];
            tx.execute_raw(&st, params)
        });
        let counts = futures_util::future::try_join_all(futs).await.map_err(err)?;
        tx.commit().await.map_err(err)?;
        Ok(counts.into_iter().map(|n| n == 1).collect())
    }

    pub async fn get_job(&self, id: Uuid) -> Result<Option<JobRow>> {
        let c = self.client().await?;
        let st = c
            .prepare_cached(&format!("SELECT {JOB_COLS} FROM jobs WHERE id = $1"))
            .await
            .map_err(err)?;
        Ok(c.query_opt(&st, &[&id]).await.map_err(err)?.as_ref().map(job_row))
    }

    pub async fn list_jobs(&self, q: JobQuery) -> Result<Vec<JobRow>> {
        let c = self.client().await?;
        let st = c
            .prepare_cached(&format!(
                "SELECT {JOB_COLS} FROM jobs WHERE ($1::text IS NULL OR queue = $1) AND ($2::text IS NULL OR owner = $2) \
                 AND ($3::uuid IS NULL OR account_id = $3) AND ($4::text IS NULL OR state = $4) \
                 AND ($5::uuid IS NULL OR id < $5) ORDER BY id DESC LIMIT $6"
            ))
            .await
            .map_err(err)?;
        let state = q.state.map(JobState::as_str);
        let rows = c
            .query(
                &st,
                &[
                    &q.queue,
                    &q.owner,
                    &q.account_id,
                    &state,
                    &q.before,
                    &i64::from(q.limit.clamp(1, 500)),
                ],
            )
            .await
            .map_err(err)?;
        Ok(rows.iter().map(job_row).collect())
    }

    pub async fn replay_jobs(&self, r: Replay, now_ms: i64) -> Result<u64> {
        let c = self.client().await?;
        let n = match r {
            Replay::One(id) => c
                .execute(
                    "UPDATE jobs SET state = 'pending', due_at = $2, attempts = 0, lease_token = NULL, updated_at = $2 \
                     WHERE id = $1 AND state <> 'pending'",
                    &[&id, &now_ms],
                )
                .await
                .map_err(err)?,
            Replay::Since { queue, owner, since_ms } => c
                .execute(
                    "UPDATE jobs SET state = 'pending', due_at = $4, attempts = 0, lease_token = NULL, updated_at = $4 \
                     WHERE queue = $1 AND ($2::text IS NULL OR owner = $2) AND created_at >= $3 AND state <> 'pending'",
                    &[&queue, &owner, &since_ms, &now_ms],
                )
                .await
                .map_err(err)?,
        };
        Ok(n)
    }

    pub async fn purge_jobs(&self, queue: &'static str, before_ms: i64, limit: u32) -> Result<u64> {
        let c = self.client().await?;
        c.execute(
            "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE queue = $1 AND state <> 'pending' \
             AND updated_at < $2 LIMIT $3)",
            &[&queue, &before_ms, &i64::from(limit)],
        )
        .await
        .map_err(err)
    }

    pub async fn pending_jobs(&self) -> Result<Vec<(String, i64)>> {
        let c = self.client().await?;
        let rows = c
            .query(
                "SELECT queue, count(*) FROM jobs WHERE state = 'pending' GROUP BY queue ORDER BY queue",
                &[],
            )
            .await
            .map_err(|e| StoreError::new(e.to_string()))?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }
}
