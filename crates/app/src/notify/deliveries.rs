//! Deliveries: the jobs the fan-out writes, as the workers that send them and the people who
//! read their log see them. Every send is at least once: a job is finished only after its
//! send, so a crash in between sends it again.

use super::{Milestone, WebhookEndpoint, from_ms, now_ms, queues};
use crate::docs::{Doc, decode, write};
use crate::{Action, App, AppError, Ctx, PrincipalKind, Result};
use aftercart_domain::ids::UserId;
use aftercart_domain::notification::Cadence;
use aftercart_store::{Commit, EventRow, JobOutcome, JobQuery, JobRow, JobState, JobWrite, Replay, WriteMode};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

/// What one message says, for any channel (the template's input).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// A milestone kind (`shipped`), or `invitation`, `password_reset`, `endpoint_disabled`.
    pub kind: String,
    pub title: String,
    pub summary: String,
    pub facts: Vec<(String, String)>,
    /// Absolute URL.
    pub link: String,
    pub reference: String,
}

impl Message {
    pub fn of(m: &Milestone, portal: &str) -> Message {
        Message {
            kind: m.kind.as_str().to_owned(),
            title: m.title.clone(),
            summary: m.summary.clone(),
            facts: m.facts.clone(),
            link: format!("{portal}{}", m.link),
            reference: m.reference.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EmailJob {
    pub to: String,
    pub name: String,
    pub message: Message,
    pub unsubscribe_url: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SmsJob {
    pub to: String,
    pub message: Message,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WebhookJob {
    pub endpoint_id: Uuid,
    /// The `webhook-id`: stable across retries, so receivers de-duplicate.
    pub message_id: String,
    pub event_type: String,
    /// The exact body, fixed at fan-out so every retry sends the same bytes.
    pub body: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NatsJob {
    pub subject: String,
    pub event_id: Uuid,
    pub body: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DigestJob {
    pub user_id: UserId,
    pub to: String,
    pub name: String,
    pub cadence: Cadence,
    pub since_ms: i64,
    pub until_ms: i64,
    pub unsubscribe_url: Option<String>,
}

/// The wire form of an event, shared by webhooks, the event stream and `GET /events`.
pub fn event_json(e: &EventRow, milestone: Option<&Message>) -> serde_json::Value {
    let fmt = |t: OffsetDateTime| {
        t.format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    };
    let data: serde_json::Value = serde_json::from_str(&e.data).unwrap_or(serde_json::Value::Null);
    json!({
        "type": e.kind,
        "timestamp": fmt(e.at),
        "data": {
            "id": e.id,
            "seq": e.seq,
            "subject": {"kind": e.subject_kind, "id": e.subject_id},
            "account_id": e.account_id,
            "actor": {"kind": e.actor_kind, "name": e.actor_name},
            "reason": e.reason,
            "details": data,
            "milestone": milestone,
        }
    })
}

/// One delivery as its log shows it.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: Uuid,
    pub queue: String,
    pub state: JobState,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    /// Pending: when the next attempt is due.
    pub next_attempt_at: Option<OffsetDateTime>,
    pub owner: Option<String>,
    /// Webhooks: the event type; email: the recipient and subject line.
    pub summary: String,
}

impl Delivery {
    fn of(j: &JobRow) -> Delivery {
        let p: serde_json::Value = serde_json::from_str(&j.payload).unwrap_or_default();
        let summary = match j.queue.as_str() {
            queues::WEBHOOK => p["event_type"].as_str().unwrap_or("").to_owned(),
            queues::EMAIL => format!(
                "{} — {}",
                p["to"].as_str().unwrap_or(""),
                p["message"]["title"].as_str().unwrap_or("")
            ),
            queues::SMS => format!(
                "{} — {}",
                p["to"].as_str().unwrap_or(""),
                p["message"]["title"].as_str().unwrap_or("")
            ),
            queues::NATS => p["subject"].as_str().unwrap_or("").to_owned(),
            queues::DIGEST => format!(
                "{} — {} digest",
                p["to"].as_str().unwrap_or(""),
                p["cadence"].as_str().unwrap_or("")
            ),
            queues::CXML => format!(
                "{} — {}",
                p["document"].as_str().unwrap_or(""),
                p["reference"].as_str().unwrap_or("")
            ),
            queues::X12 => format!(
                "X12 {} #{} — {}",
                p["set"].as_str().unwrap_or(""),
                p["control_number"],
                p["reference"].as_str().unwrap_or("")
            ),
            _ => String::new(),
        };
        Delivery {
            id: j.id,
            queue: j.queue.clone(),
            state: j.state,
            attempts: j.attempts,
            last_error: j.last_error.clone(),
            created_at: from_ms(j.created_at),
            updated_at: from_ms(j.updated_at),
            next_attempt_at: (j.state == JobState::Pending).then(|| from_ms(j.due_at)),
            owner: j.owner.clone(),
            summary,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct DeliveryFilter {
    pub queue: Option<&'static str>,
    pub state: Option<JobState>,
    pub before: Option<Uuid>,
    pub limit: u32,
}

/// Work a delivery worker leases for this long by default; a send takes at most ~15 s, so a
/// lease that runs out means the worker died.
pub const LEASE_MS: i64 = 60_000;

/// How long finished deliveries stay in the delivery log.
pub const DELIVERY_LOG_DAYS: i64 = 30;

impl App {
    /// Claims due jobs of a queue for a worker (system use).
    pub async fn claim_deliveries(&self, queue: &'static str, limit: u32) -> Result<Vec<JobRow>> {
        Ok(self
            .store
            .claim_jobs(queue, now_ms(self.clock.now()), self.notify.lease_ms, limit)
            .await?)
    }

    /// Records an attempt (system use); false when the lease was lost meanwhile.
    pub async fn finish_delivery(&self, job: &JobRow, outcome: JobOutcome) -> Result<bool> {
        let lease = job
            .lease
            .ok_or_else(|| AppError::Corrupt("a claimed job without a lease".into()))?;
        Ok(self
            .store
            .finish_job(job.id, lease, outcome, now_ms(self.clock.now()))
            .await?)
    }

    /// Records many attempts at once (one transaction); each answer is false when that lease
    /// was lost meanwhile.
    pub async fn finish_deliveries(&self, done: Vec<(&JobRow, JobOutcome)>) -> Result<Vec<bool>> {
        let mut rows = Vec::with_capacity(done.len());
        for (job, outcome) in done {
            let lease = job
                .lease
                .ok_or_else(|| AppError::Corrupt("a claimed job without a lease".into()))?;
            rows.push((job.id, lease, outcome));
        }
        Ok(self.store.finish_jobs(rows, now_ms(self.clock.now())).await?)
    }

    /// The active endpoints among `ids`, read together (one pass of the webhook worker).
    pub async fn webhook_targets(&self, ids: &[Uuid]) -> Result<std::collections::HashMap<Uuid, WebhookEndpoint>> {
        let rows = self.store.get_many(ids).await?;
        let mut out = std::collections::HashMap::new();
        for r in rows.iter().filter(|r| r.kind == WebhookEndpoint::KIND) {
            let ep = decode::<WebhookEndpoint>(r)?.value;
            if ep.state == super::EndpointState::Active {
                out.insert(ep.id, ep);
            }
        }
        Ok(out)
    }

    /// An endpoint as the webhook worker needs it: None when gone or disabled (its jobs are then
    /// dead-lettered, replayable once it is enabled again).
    pub async fn webhook_target(&self, id: Uuid) -> Result<Option<WebhookEndpoint>> {
        let Some(row) = self.store.get(id).await? else {
            return Ok(None);
        };
        let ep = decode::<WebhookEndpoint>(&row)?.value;
        Ok((ep.state == super::EndpointState::Active).then_some(ep))
    }

    /// What a webhook attempt says about its endpoint: a success clears its failing streak; a
    /// failure starts one; `gone` (HTTP 410) or failing for [`super::DISABLE_AFTER`] disables
    /// it, records why in its account's timeline, and tells its owners by email.
    pub async fn endpoint_outcome(&self, id: Uuid, ok: bool, gone: bool) -> Result<()> {
        for _ in 0..4 {
            let Some(row) = self.store.get(id).await? else {
                return Ok(());
            };
            let mut v = decode::<WebhookEndpoint>(&row)?;
            let now = self.clock.now();
            let before = (v.value.state, v.value.failing_since);
            if ok {
                v.value.failing_since = None;
            } else if v.value.failing_since.is_none() {
                v.value.failing_since = Some(now);
            }
            let too_long = v.value.failing_since.is_some_and(|f| now - f >= super::DISABLE_AFTER);
            let mut events = Vec::new();
            let mut jobs = Vec::new();
            if v.value.state == super::EndpointState::Active && (gone || too_long) {
                v.value.state = super::EndpointState::Disabled;
                let why = if gone {
                    "the endpoint answered 410 Gone".to_owned()
                } else {
                    format!("every delivery failed for {} days", super::DISABLE_AFTER.whole_days())
                };
                v.value.disabled_reason = Some(why.clone());
                events.push(crate::docs::event(
                    &crate::Actor::System,
                    now,
                    "webhook.endpoint_disabled",
                    "webhook_endpoint",
                    id,
                    v.value.account_id,
                    Some(why.clone()),
                    json!({"url": v.value.url}),
                ));
                jobs = self.disabled_endpoint_emails(&v.value, &why).await?;
            }
            if (v.value.state, v.value.failing_since) == before {
                return Ok(());
            }
            let commit = Commit {
                docs: vec![write(&v.value, WriteMode::Update(v.version))?],
                events,
                jobs,
                ..Default::default()
            };
            match self.store.commit(commit).await {
                Ok(()) => return Ok(()),
                Err(aftercart_store::CommitError::Conflict(_)) => continue,
                Err(e) => return Err(crate::error::commit_error(e)),
            }
        }
        Ok(())
    }

    async fn disabled_endpoint_emails(&self, ep: &WebhookEndpoint, why: &str) -> Result<Vec<JobWrite>> {
        if !self.notify.email {
            return Ok(Vec::new());
        }
        let admins = self.admins_of(ep.account_id).await?;
        let portal = &self.notify.portal_url;
        let link = match ep.account_id {
            Some(_) => format!("{portal}/admin/webhooks/{}", ep.id),
            None => format!("{portal}/console/webhooks/{}", ep.id),
        };
        Ok(admins
            .into_iter()
            .map(|(to, name)| {
                let job = EmailJob {
                    to,
                    name,
                    message: Message {
                        kind: "endpoint_disabled".into(),
                        title: "A webhook endpoint was disabled".into(),
                        summary: format!(
                            "Deliveries to {} stopped: {why}. Fix it, then enable it and replay.",
                            ep.url
                        ),
                        facts: vec![("Endpoint".into(), ep.url.clone()), ("Reason".into(), why.to_owned())],
                        link: link.clone(),
                        reference: ep.url.clone(),
                    },
                    unsubscribe_url: None,
                };
                JobWrite {
                    id: Uuid::now_v7(),
                    queue: queues::EMAIL,
                    unique_key: None,
                    account_id: ep.account_id.map(|a| a.0),
                    owner: None,
                    due_at: now_ms(self.clock.now()),
                    payload: serde_json::to_string(&job).unwrap_or_default(),
                }
            })
            .collect())
    }

    /// Email and name of the active admins of an account (or of the seller, for `None`).
    async fn admins_of(&self, account: Option<aftercart_domain::ids::AccountId>) -> Result<Vec<(String, String)>> {
        let rows = self
            .store
            .list(aftercart_store::ListQuery {
                kind: crate::User::KIND,
                account_id: account.map(|a| a.0),
                limit: 500,
                ..Default::default()
            })
            .await?;
        let mut out = Vec::new();
        for r in &rows {
            let u = decode::<crate::User>(r)?.value;
            let admin = match &u.kind {
                crate::UserKind::Staff { role } => account.is_none() && *role == crate::StaffRole::Admin,
                crate::UserKind::Customer { roles, .. } => {
                    account.is_some() && roles.contains(&crate::CustomerRole::AccountAdmin)
                }
                crate::UserKind::Supplier { .. } => false,
            };
            if admin && u.status == crate::UserStatus::Active {
                out.push((u.email.clone(), u.name.clone()));
            }
        }
        Ok(out)
    }

    /// The delivery log: seller admins see every queue; an account admin sees only the webhook
    /// deliveries of their account's endpoints.
    pub async fn deliveries(&self, ctx: &Ctx, endpoint: Option<Uuid>, f: &DeliveryFilter) -> Result<Vec<Delivery>> {
        if !ctx.principal.may(Action::Integrations) {
            return Err(AppError::Forbidden("delivery logs are for admins".into()));
        }
        let mut q = JobQuery {
            queue: f.queue,
            state: f.state,
            before: f.before,
            limit: f.limit.clamp(1, 200),
            ..JobQuery::default()
        };
        match endpoint {
            Some(id) => {
                self.endpoint(ctx, id).await?;
                q.owner = Some(id.to_string());
                q.queue = Some(queues::WEBHOOK);
            }
            None => {
                if !matches!(ctx.principal.kind, PrincipalKind::Staff(_) | PrincipalKind::System) {
                    return Err(AppError::Forbidden("choose one of your endpoints".into()));
                }
            }
        }
        let rows = self.store.list_jobs(q).await?;
        // The outbox's own jobs are bookkeeping, not deliveries.
        Ok(rows
            .iter()
            .filter(|j| j.queue != queues::EVENTS)
            .map(Delivery::of)
            .collect())
    }

    /// One delivery, if the caller may see it (seller admins: any; account admins: their
    /// endpoints' webhook deliveries).
    pub async fn delivery(&self, ctx: &Ctx, id: Uuid) -> Result<Delivery> {
        let job = self.visible_job(ctx, id).await?;
        Ok(Delivery::of(&job))
    }

    async fn visible_job(&self, ctx: &Ctx, id: Uuid) -> Result<JobRow> {
        let job = self
            .store
            .get_job(id)
            .await?
            .ok_or_else(|| AppError::not_found("delivery"))?;
        let staff = matches!(ctx.principal.kind, PrincipalKind::Staff(_) | PrincipalKind::System);
        let visible = if staff {
            job.queue != queues::EVENTS
        } else {
            job.queue == queues::WEBHOOK
                && match job.owner.as_deref().and_then(|o| Uuid::parse_str(o).ok()) {
                    Some(ep) => self.endpoint(ctx, ep).await.is_ok(),
                    None => false,
                }
        };
        if !visible || !ctx.principal.may(Action::Integrations) {
            return Err(AppError::not_found("delivery"));
        }
        Ok(job)
    }

    /// Sends one finished delivery again (due now, attempts from zero).
    pub async fn replay_delivery(&self, ctx: &Ctx, id: Uuid) -> Result<u64> {
        self.visible_job(ctx, id).await?;
        Ok(self
            .store
            .replay_jobs(Replay::One(id), now_ms(self.clock.now()))
            .await?)
    }

    /// Sends again every finished delivery of an endpoint (or, for seller admins, of a queue)
    /// created since `since`.
    pub async fn replay_since(
        &self,
        ctx: &Ctx,
        endpoint: Option<Uuid>,
        queue: Option<&'static str>,
        since: OffsetDateTime,
    ) -> Result<u64> {
        if !ctx.principal.may(Action::Integrations) {
            return Err(AppError::Forbidden("replay is for admins".into()));
        }
        let (queue, owner) = match endpoint {
            Some(id) => {
                self.endpoint(ctx, id).await?;
                (queues::WEBHOOK, Some(id.to_string()))
            }
            None => {
                if !matches!(ctx.principal.kind, PrincipalKind::Staff(_) | PrincipalKind::System) {
                    return Err(AppError::Forbidden("choose one of your endpoints".into()));
                }
                (queue.unwrap_or(queues::WEBHOOK), None)
            }
        };
        Ok(self
            .store
            .replay_jobs(
                Replay::Since {
                    queue,
                    owner,
                    since_ms: now_ms(since),
                },
                now_ms(self.clock.now()),
            )
            .await?)
    }

    /// The event feed from a cursor (`seq`), for a client catching up: seller staff read every
    /// event; a customer's (unscoped) admin their account's, as their account timeline shows.
    /// Answers the events and the seq of the last event read (the next cursor: it moves past
    /// events left out for this caller too).
    pub async fn events_after(&self, ctx: &Ctx, after: i64, limit: u32) -> Result<(Vec<serde_json::Value>, i64)> {
        if !ctx.principal.may(Action::Integrations) {
            return Err(AppError::Forbidden("the event feed is for admins".into()));
        }
        let filter = match &ctx.principal.kind {
            PrincipalKind::Staff(_) | PrincipalKind::System => aftercart_store::EventFilter::All,
            PrincipalKind::Customer { account, scope, .. } => {
                if matches!(scope, crate::LocationScope::Only(_)) {
                    return Err(AppError::Forbidden("your access is limited to some locations".into()));
                }
                aftercart_store::EventFilter::Account(account.0)
            }
            PrincipalKind::Supplier { .. } => return Err(AppError::Forbidden("not for suppliers".into())),
        };
        let customer = !matches!(ctx.principal.kind, PrincipalKind::Staff(_) | PrincipalKind::System);
        let rows = self.store.events(filter, after.max(0), limit.clamp(1, 500)).await?;
        let last = rows.last().map_or(after, |e| e.seq);
        let rows: Vec<EventRow> = rows
            .into_iter()
            .filter(|e| !customer || !(e.kind.starts_with("case.note") || e.kind.starts_with("exception.")))
            .collect();
        // -- dropship --
        let rows = self.disguise_events(ctx, rows).await?;
        // -- /dropship --
        Ok((rows.iter().map(|e| event_json(e, None)).collect(), last))
    }

    /// Retention: finished outbox rows after an hour (they only named events already fanned
    /// out), finished deliveries after [`DELIVERY_LOG_DAYS`] (the log people read and replay
    /// from). Help jobs are kept: their unique key is what sends help once per product and
    /// location. Bounded per call; returns how many rows went.
    pub async fn purge_finished(&self, limit: u32) -> Result<u64> {
        let now = now_ms(self.clock.now());
        let mut n = self.store.purge_jobs(queues::EVENTS, now - 3_600_000, limit).await?;
        for q in [
            queues::EMAIL,
            queues::SMS,
            queues::WEBHOOK,
            queues::NATS,
            queues::DIGEST,
        ] {
            n += self
                .store
                .purge_jobs(q, now - DELIVERY_LOG_DAYS * 86_400_000, limit)
                .await?;
        }
        Ok(n)
    }

    /// Pending jobs per queue (health).
    pub async fn outbox_backlog(&self) -> Result<Vec<(String, i64)>> {
        Ok(self.store.pending_jobs().await?)
    }
}

impl App {
    /// An email that is not a milestone (an invitation, a password reset): always sent when
    /// email is configured, never subject to preferences, digests or quiet hours.
    pub(crate) fn transactional_email(
        &self,
        to: &str,
        name: &str,
        account: Option<Uuid>,
        message: Message,
    ) -> Option<JobWrite> {
        if !self.notify.email {
            return None;
        }
        let job = EmailJob {
            to: to.to_owned(),
            name: name.to_owned(),
            message,
            unsubscribe_url: None,
        };
        Some(JobWrite {
            id: Uuid::now_v7(),
            queue: queues::EMAIL,
            unique_key: None,
            account_id: account,
            owner: None,
            due_at: now_ms(self.clock.now()),
            payload: serde_json::to_string(&job).unwrap_or_default(),
        })
    }

    pub(crate) fn invitation_email(&self, user: &crate::User, token: &str, inviter: &str) -> Option<JobWrite> {
        let link = format!("{}/invitations/accept?token={token}", self.notify.portal_url);
        self.transactional_email(
            &user.email,
            &user.name,
            user.account_id().map(|a| a.0),
            Message {
                kind: "invitation".into(),
                title: "You are invited to the customer portal".into(),
                summary: format!("{inviter} invited you. Choose a password to start; the link works for 7 days."),
                facts: vec![
                    ("Your sign-in".into(), user.email.clone()),
                    ("Accept".into(), link.clone()),
                ],
                link,
                reference: user.email.clone(),
            },
        )
    }

    pub(crate) fn reset_email(&self, user: &crate::User, token: &str) -> Option<JobWrite> {
        let link = format!("{}/reset-password?token={token}", self.notify.portal_url);
        self.transactional_email(
            &user.email,
            &user.name,
            user.account_id().map(|a| a.0),
            Message {
                kind: "password_reset".into(),
                title: "Reset your password".into(),
                summary: "Someone asked to reset the password of this account. If it was you, choose a new password; the link works once, for one hour. If not, ignore this email.".into(),
                facts: vec![("Your sign-in".into(), user.email.clone()), ("Reset".into(), link.clone())],
                link,
                reference: user.email.clone(),
            },
        )
    }
}
