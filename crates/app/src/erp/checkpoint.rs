//! The import checkpoint: one document per (kind, file SHA-256), moved in every batch's commit.

use crate::error::{AppError, Result};
use crate::{App, erp::derived_id};
use aftercart_interchange::erp::RowError;
use aftercart_store::{DocWrite, WriteMode};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

pub(crate) const KIND: &str = "erp_checkpoint";

/// At most this many rejects are kept in the checkpoint (and so in the rejects file); the count
/// goes on past it. A file with more bad rows than this is better fixed at its source.
pub const MAX_KEPT_REJECTS: usize = 10_000;

/// What an import did, over the whole file (a resumed run included).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportSummary {
    pub read: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
    /// Rows skipped because an interrupted run had committed them (0 for a fresh run).
    pub resumed_after: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct RejectDoc {
    row: u64,
    column: String,
    reason: String,
    original: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct CheckpointDoc {
    kind: String,
    sha256: String,
    rows_done: u64,
    done: bool,
    summary: ImportSummary,
    rejects: Vec<RejectDoc>,
}

/// The checkpoint of one import of one file.
#[derive(Debug, Clone)]
pub struct Checkpoint {
    pub(crate) id: Uuid,
    /// `None` until the first batch commits.
    pub(crate) version: Option<i64>,
    pub kind: String,
    pub sha256: String,
    /// Data rows (1-based) up to and including this one are committed.
    pub rows_done: u64,
    pub summary: ImportSummary,
    pub rejects: Vec<RowError>,
}

impl Checkpoint {
    pub(crate) fn reject(&mut self, e: RowError) {
        self.summary.rejected += 1;
        if self.rejects.len() < MAX_KEPT_REJECTS {
            self.rejects.push(e);
        }
    }

    /// The checkpoint as written in a batch's commit (`done` after the last one).
    pub(crate) fn write(&self, at: OffsetDateTime, done: bool) -> Result<DocWrite> {
        let doc = CheckpointDoc {
            kind: self.kind.clone(),
            sha256: self.sha256.clone(),
            rows_done: self.rows_done,
            done,
            summary: self.summary.clone(),
            rejects: self
                .rejects
                .iter()
                .map(|r| RejectDoc {
                    row: r.row,
                    column: r.column.clone(),
                    reason: r.reason.clone(),
                    original: r.original.clone(),
                })
                .collect(),
        };
        Ok(DocWrite {
            id: self.id,
            kind: KIND,
            account_id: None,
            number: None,
            status: Some(if done { "done" } else { "running" }.into()),
            at,
            mode: match self.version {
                Some(v) => WriteMode::Update(v),
                None => WriteMode::Insert,
            },
            data: serde_json::to_string(&doc).map_err(|e| AppError::Corrupt(e.to_string()))?,
        })
    }
}

impl App {
    /// Where an import of `kind` from the file with this SHA-256 stands: a run that did not
    /// finish is continued; a finished one (or none) starts from the first row.
    pub async fn import_checkpoint(&self, kind: &str, sha256: &str) -> Result<Checkpoint> {
        let id = derived_id(&format!("checkpoint:{kind}:{sha256}"));
        let fresh = |version| Checkpoint {
            id,
            version,
            kind: kind.to_owned(),
            sha256: sha256.to_owned(),
            rows_done: 0,
            summary: ImportSummary::default(),
            rejects: Vec::new(),
        };
        let Some(row) = self.store.get(id).await? else {
            return Ok(fresh(None));
        };
        let doc: CheckpointDoc =
            serde_json::from_str(&row.data).map_err(|e| AppError::Corrupt(format!("import checkpoint: {e}")))?;
        if doc.done {
            return Ok(fresh(Some(row.version)));
        }
        let mut summary = doc.summary;
        summary.resumed_after = doc.rows_done;
        Ok(Checkpoint {
            id,
            version: Some(row.version),
            kind: doc.kind,
            sha256: doc.sha256,
            rows_done: doc.rows_done,
            summary,
            rejects: doc
                .rejects
                .into_iter()
                .map(|r| RowError {
                    row: r.row,
                    column: r.column,
                    reason: r.reason,
                    original: r.original,
                })
                .collect(),
        })
    }
}
