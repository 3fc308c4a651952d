//! Errors at the application boundary; the API maps each to a problem+json status and code.

use aftercart_domain::Rejection;
use aftercart_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The domain refused the command; nothing changed.
    #[error(transparent)]
    Rejected(#[from] Rejection),
    /// Unknown id, or an id the principal may not see (never distinguished, to not leak existence).
    #[error("{what} not found")]
    NotFound { what: &'static str, field: Option<String> },
    /// The principal is known but its role does not allow this.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// No (valid) credentials.
    #[error("unauthenticated: {0}")]
    Unauthenticated(String),
    #[error("precondition failed: {0}")]
    PreconditionFailed(String),
    #[error("conflict: {0}")]
    Conflict(String),
    /// Two requests with the same idempotency key raced; the caller should replay the stored one.
    #[error("idempotency key used concurrently")]
    IdempotencyRace,
    /// A request with the same Idempotency-Key and body (sent at the same time, perhaps to
    /// another server process) committed first: this is its stored response, to be replayed.
    #[error("replay of the stored response ({status})")]
    Replay { status: u16, body: String },
    /// An inbound message that was already processed.
    #[error("duplicate")]
    Duplicate,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("corrupt stored document: {0}")]
    Corrupt(String),
    /// A service the command needs (the payment provider) could not be reached or is not
    /// configured; nothing was changed here, and retrying later may succeed.
    #[error("unavailable: {0}")]
    Unavailable(String),
}

impl AppError {
    /// The store could not take the work right now (no connection to be had); retrying in a
    /// moment may succeed, and nothing was written.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, AppError::Store(e) if e.unavailable)
    }

    pub fn not_found(what: &'static str) -> AppError {
        AppError::NotFound { what, field: None }
    }
    pub fn not_found_field(what: &'static str, field: impl Into<String>) -> AppError {
        AppError::NotFound {
            what,
            field: Some(field.into()),
        }
    }
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// A commit error where no retry or field applies (single-shot writes outside `execute`).
pub(crate) fn commit_error(e: aftercart_store::CommitError) -> AppError {
    match e {
        aftercart_store::CommitError::Store(s) => AppError::Store(s),
        e => AppError::Store(StoreError::new(e.to_string())),
    }
}
