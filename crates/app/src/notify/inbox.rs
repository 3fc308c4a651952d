//! In-app notifications: one document per user and milestone, written by the fan-out. Only the
//! user it is for can see it; `status` is `unread`, `read`, or `silent` (kept for a digest, but
//! the user did not ask to see it in the portal).

use super::Milestone;
use crate::docs::{Doc, decode, write};
use crate::{App, Ctx, Planned, Result, Versioned};
use aftercart_domain::ids::{AccountId, UserId};
use aftercart_store::{Commit, KeyWrite, ListQuery, WriteMode};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Notification {
    pub id: Uuid,
    pub user_id: UserId,
    pub account_id: Option<AccountId>,
    pub event_id: Uuid,
    pub milestone: Milestone,
    pub in_app: bool,
    /// Gathered into the user's next digest email.
    #[serde(default)]
    pub email_digest: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub read_at: Option<OffsetDateTime>,
}

impl Doc for Notification {
    const KIND: &'static str = "notification";
    const WHAT: &'static str = "notification";
    fn doc_id(&self) -> Uuid {
        self.id
    }
    fn account(&self) -> Option<AccountId> {
        self.account_id
    }
    fn status(&self) -> Option<String> {
        Some(
            match (self.in_app, self.read_at) {
                (false, _) => "silent",
                (true, None) => "unread",
                (true, Some(_)) => "read",
            }
            .into(),
        )
    }
    fn at(&self) -> OffsetDateTime {
        self.created_at
    }
    fn visible_to(&self, p: &crate::Principal) -> bool {
        p.id == self.user_id.0.to_string()
    }
}

pub(crate) const BY_USER: &str = "notification_user";

pub(crate) fn notification_writes(n: &Notification) -> Result<(aftercart_store::DocWrite, KeyWrite)> {
    Ok((
        write(n, WriteMode::Insert)?,
        KeyWrite {
            kind: BY_USER,
            key: n.user_id.0.to_string(),
            doc_id: n.id,
        },
    ))
}

/// Most unread notifications counted for the bell (it shows "99+" beyond).
pub const UNREAD_CAP: u32 = 100;

impl App {
    /// The caller's notifications in the portal, newest first (`unread_only` for the bell's list).
    pub async fn notifications(
        &self,
        ctx: &Ctx,
        unread_only: bool,
        before: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<Versioned<Notification>>> {
        let mut out = Vec::new();
        let mut cursor = before;
        // Silent ones share the user's key; page past them.
        loop {
            let rows = self
                .store
                .list(ListQuery {
                    kind: Notification::KIND,
                    key: Some((BY_USER, ctx.principal.id.clone())),
                    status: unread_only.then(|| "unread".to_owned()),
                    before: cursor,
                    limit: limit.clamp(1, 200),
                    ..ListQuery::default()
                })
                .await?;
            let done = (rows.len() as u32) < limit.clamp(1, 200);
            cursor = rows.last().map(|r| r.id);
            for r in &rows {
                let v = decode::<Notification>(r)?;
                if v.value.in_app && v.value.visible_to(&ctx.principal) {
                    out.push(v);
                }
            }
            if done || out.len() as u32 >= limit {
                out.truncate(limit as usize);
                return Ok(out);
            }
        }
    }

    /// Unread notifications of the caller, up to [`UNREAD_CAP`].
    pub async fn unread_count(&self, ctx: &Ctx) -> Result<u32> {
        if Uuid::parse_str(&ctx.principal.id).is_err() {
            return Ok(0);
        }
        let rows = self
            .store
            .list(ListQuery {
                kind: Notification::KIND,
                key: Some((BY_USER, ctx.principal.id.clone())),
                status: Some("unread".into()),
                limit: UNREAD_CAP,
                ..ListQuery::default()
            })
            .await?;
        Ok(rows.len() as u32)
    }

    pub async fn plan_mark_read(&self, ctx: &Ctx, id: Uuid) -> Result<Planned<Versioned<Notification>>> {
        let mut v = self.load::<Notification>(ctx, id).await?;
        if v.value.read_at.is_none() {
            v.value.read_at = Some(self.clock.now());
        }
        let commit = Commit {
            docs: vec![write(&v.value, WriteMode::Update(v.version))?],
            ..Default::default()
        };
        v.version += 1;
        Ok(Planned { value: v, commit })
    }

    /// Marks every unread notification of the caller read; returns how many.
    pub async fn mark_all_read(&self, ctx: &Ctx) -> Result<u32> {
        let mut n = 0;
        loop {
            let page = self.notifications(ctx, true, None, 100).await?;
            if page.is_empty() {
                return Ok(n);
            }
            let now = self.clock.now();
            let mut docs = Vec::with_capacity(page.len());
            for mut v in page {
                v.value.read_at = Some(now);
                docs.push(write(&v.value, WriteMode::Update(v.version))?);
            }
            let count = docs.len() as u32;
            match self
                .store
                .commit(Commit {
                    docs,
                    ..Default::default()
                })
                .await
            {
                Ok(()) => n += count,
                // Marked read elsewhere meanwhile: read the page again.
                Err(aftercart_store::CommitError::Conflict(_)) => {}
                Err(e) => return Err(crate::error::commit_error(e)),
            }
        }
    }

    /// A user's notifications created in `[since, until)`, oldest first, for a digest email.
    pub async fn digest_items(
        &self,
        user: UserId,
        since: OffsetDateTime,
        until: OffsetDateTime,
    ) -> Result<Vec<Notification>> {
        let mut out = Vec::new();
        let mut before = None;
        loop {
            let rows = self
                .store
                .list(ListQuery {
                    kind: Notification::KIND,
                    key: Some((BY_USER, user.0.to_string())),
                    before,
                    limit: 200,
                    ..ListQuery::default()
                })
                .await?;
            let done = rows.len() < 200;
            before = rows.last().map(|r| r.id);
            for r in &rows {
                let n = decode::<Notification>(r)?.value;
                if n.email_digest && n.created_at >= since && n.created_at < until {
                    out.push(n);
                }
            }
            let past = rows
                .last()
                .and_then(|r| decode::<Notification>(r).ok())
                .is_some_and(|n| n.value.created_at < since);
            if done || past || out.len() > 500 {
                out.reverse();
                return Ok(out);
            }
        }
    }
}
