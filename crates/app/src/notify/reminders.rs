//! Payment reminders as events: "due soon" a few days before an unpaid invoice's due date and
//! "overdue" the day after it, each recorded once per invoice (a de-duplication key), so the
//! fan-out turns them into milestones like any other event and several processes running the
//! pass never remind twice.

use crate::docs::decode;
use crate::{App, Result};
use aftercart_domain::invoice::Invoice;
use aftercart_store::{Commit, CommitError, ListQuery};
use serde_json::json;
use time::Duration;

/// How long before the due date "due soon" goes out.
pub const DUE_SOON: Duration = Duration::days(3);

impl App {
    /// One pass over unpaid invoices due within [`DUE_SOON`] or already overdue; returns how many
    /// reminders were recorded. Reads unpaid invoices by their due-date index only.
    pub async fn run_payment_reminders(&self) -> Result<usize> {
        let now = self.clock.now();
        let today = now.date();
        let mut sent = 0;
        let mut before = None;
        loop {
            let rows = self
                .store
                .list(ListQuery {
                    kind: "invoice",
                    status: Some("unpaid".into()),
                    from: Some(now - Duration::days(30)),
                    to: Some(now + DUE_SOON),
                    before,
                    limit: 500,
                    ..ListQuery::default()
                })
                .await?;
            before = rows.last().map(|r| r.id);
            let done = rows.len() < 500;
            for r in &rows {
                let inv = decode::<Invoice>(r)?.value;
                if !inv.balance().is_positive() {
                    continue;
                }
                let (kind, key) = if inv.due_on < today {
                    ("invoice.overdue", "reminder:overdue")
                } else if inv.due_on - today <= DUE_SOON {
                    ("invoice.due_soon", "reminder:due_soon")
                } else {
                    continue;
                };
                let commit = Commit {
                    events: vec![crate::docs::event(
                        &crate::Actor::System,
                        now,
                        kind,
                        "invoice",
                        inv.id.0,
                        Some(inv.account_id),
                        None,
                        json!({"number": inv.number, "open": inv.balance().to_string(), "due_on": inv.due_on.to_string()}),
                    )],
                    dedup: vec![(inv.id.0, key.to_owned())],
                    ..Default::default()
                };
                match self.store.commit(commit).await {
                    Ok(()) => sent += 1,
                    Err(CommitError::Duplicate) => {}
                    Err(e) => return Err(crate::error::commit_error(e)),
                }
            }
            if done {
                return Ok(sent);
            }
        }
    }
}
