//! The durable job queue's rows and requests, shared by both backends. Domain-agnostic: a job is
//! a queue name, a JSON payload and delivery bookkeeping (due time, attempts, lease, last error);
//! what a queue means is the application's business.

use uuid::Uuid;

/// A job to insert with a commit. With a `unique_key`, a second job with the same key on the
/// same queue is silently not inserted (ever: the first one is kept, done or not).
#[derive(Debug, Clone)]
pub struct JobWrite {
    pub id: Uuid,
    pub queue: &'static str,
    pub unique_key: Option<String>,
    pub account_id: Option<Uuid>,
    pub owner: Option<String>,
    /// Unix milliseconds.
    pub due_at: i64,
    pub payload: String,
}

/// Marks a claimed job finished inside a commit: the commit is refused (`Conflict`) unless the
/// job is still held under this lease, so work done under a lost lease is never recorded twice.
#[derive(Debug, Clone, Copy)]
pub struct JobFinish {
    pub id: Uuid,
    pub lease: Uuid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    Pending,
    Done,
    Dead,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Pending => "pending",
            JobState::Done => "done",
            JobState::Dead => "dead",
        }
    }
    pub fn parse(s: &str) -> JobState {
        match s {
            "done" => JobState::Done,
            "dead" => JobState::Dead,
            _ => JobState::Pending,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRow {
    pub id: Uuid,
    pub queue: String,
    pub unique_key: Option<String>,
    pub account_id: Option<Uuid>,
    pub owner: Option<String>,
    pub state: JobState,
    pub due_at: i64,
    pub attempts: i32,
    /// The lease this row was claimed under (claims only).
    pub lease: Option<Uuid>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub payload: String,
}

/// What became of an attempt, reported by the lease holder.
#[derive(Debug, Clone)]
pub enum JobOutcome {
    Done,
    /// Try again at `due_at` (Unix ms).
    Retry {
        due_at: i64,
        error: String,
    },
    /// No more attempts: kept, visible and replayable.
    Dead {
        error: String,
    },
}

/// Jobs for a log, newest first, paged by id.
#[derive(Debug, Clone, Default)]
pub struct JobQuery {
    pub queue: Option<&'static str>,
    pub owner: Option<String>,
    pub account_id: Option<Uuid>,
    pub state: Option<JobState>,
    pub before: Option<Uuid>,
    pub limit: u32,
}

/// Which finished jobs to send again.
#[derive(Debug, Clone)]
pub enum Replay {
    One(Uuid),
    /// Every done or dead job of the queue (and owner, when given) created at or after `since_ms`.
    Since {
        queue: &'static str,
        owner: Option<String>,
        since_ms: i64,
    },
}

pub(crate) fn refuse_nul_jobs(jobs: &[JobWrite]) -> Option<&'static str> {
    for j in jobs {
        if j.queue.contains('\0') || j.payload.contains('\0') {
            return Some("job queue or payload");
        }
        if j.unique_key.as_deref().is_some_and(|k| k.contains('\0'))
            || j.owner.as_deref().is_some_and(|k| k.contains('\0'))
        {
            return Some("job key or owner");
        }
    }
    None
}
