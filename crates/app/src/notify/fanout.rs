//! The fan-out: one outbox job (the events of one commit) becomes its deliveries in one commit
//! that also finishes the job under its lease. A worker that loses its lease (it stalled, the
//! job went to another) has its commit refused whole, so no event is fanned out twice.

use super::{
    About, EmailJob, Message, NatsJob, Notification, SmsJob, WebhookEndpoint, WebhookJob, milestone_of, now_ms, queues,
};
use super::{DigestJob, event_json, inbox::notification_writes};
use crate::docs::{Doc, decode};
use crate::order_docs::StoredOrder;
use crate::{Action, App, AppError, Result, User, UserStatus};
use aftercart_domain::ids::AccountId;
use aftercart_domain::notification::{Cadence, Channel, MilestoneKind, Preferences};
use aftercart_store::{Commit, CommitError, DocRow, EventRow, JobFinish, JobOutcome, JobRow, JobWrite, ListQuery};
use std::collections::HashMap;
use time::Duration;
use uuid::Uuid;

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FanOut {
    pub commits: usize,
    pub events: usize,
    pub deliveries: usize,
    pub notifications: usize,
}

/// Per-pass lookups: recipients per account, their preferences, subject documents.
#[derive(Default)]
struct Cache {
    users: HashMap<AccountId, Vec<User>>,
    prefs: HashMap<Uuid, Preferences>,
    docs: HashMap<Uuid, Option<DocRow>>,
    outbound: crate::procurement::OutboundCache,
    x12: crate::procurement::X12Cache,
}

impl App {
    /// Fans out up to `limit` outbox jobs; the serve loop calls it until it returns no commits.
    pub async fn fan_out(&self, limit: u32) -> Result<FanOut> {
        let now = now_ms(self.clock.now());
        let jobs = self
            .store
            .claim_jobs(queues::EVENTS, now, self.notify.lease_ms, limit)
            .await?;
        let mut report = FanOut::default();
        if jobs.is_empty() {
            return Ok(report);
        }
        let endpoints = self.active_endpoints().await?;
        let mut cache = Cache::default();
        let mut planned: Vec<(Uuid, Commit, FanOut)> = Vec::with_capacity(jobs.len());
        for job in &jobs {
            match self.fan_out_job(job, &endpoints, &mut cache).await {
                Ok((c, r)) => planned.push((job.id, c, r)),
                Err(e) => {
                    tracing::warn!(job = %job.id, error = %e, "fan-out failed; retrying in 30 s");
                    if let Some(lease) = job.lease {
                        let _ = self
                            .store
                            .finish_job(
                                job.id,
                                lease,
                                JobOutcome::Retry {
                                    due_at: now + 30_000,
                                    error: e.to_string(),
                                },
                                now,
                            )
                            .await;
                    }
                }
            }
        }
        // The whole pass in one commit (one fsync); if any lease was lost meanwhile, each job
        // on its own, so the others still go through.
        let mut all = Commit::default();
        for (_, c, _) in &planned {
            all.docs.extend(c.docs.iter().cloned());
            all.keys.extend(c.keys.iter().cloned());
            all.jobs.extend(c.jobs.iter().cloned());
            all.finish.extend(c.finish.iter().copied());
        }
        let add = |report: &mut FanOut, r: &FanOut| {
            report.commits += 1;
            report.events += r.events;
            report.deliveries += r.deliveries;
            report.notifications += r.notifications;
        };
        match self.store.commit(all).await {
            Ok(()) => {
                for (_, _, r) in &planned {
                    add(&mut report, r);
                }
            }
            Err(CommitError::Conflict(_)) => {
                for (id, c, r) in planned {
                    match self.store.commit(c).await {
                        Ok(()) => add(&mut report, &r),
                        // Lease lost: another worker holds the job now.
                        Err(CommitError::Conflict(x)) if x == id => {}
                        Err(e) => return Err(crate::error::commit_error(e)),
                    }
                }
            }
            Err(e) => return Err(crate::error::commit_error(e)),
        }
        Ok(report)
    }

    async fn fan_out_job(
        &self,
        job: &JobRow,
        endpoints: &[WebhookEndpoint],
        cache: &mut Cache,
    ) -> Result<(Commit, FanOut)> {
        let lease = job
            .lease
            .ok_or_else(|| AppError::Corrupt("claimed job without lease".into()))?;
        let payload: serde_json::Value =
            serde_json::from_str(&job.payload).map_err(|e| AppError::Corrupt(format!("outbox job {}: {e}", job.id)))?;
        let ids: Vec<Uuid> = payload["events"]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str()?.parse().ok()).collect())
            .unwrap_or_default();
        let mut events = self.store.events_by_id(&ids).await?;
        events.sort_by_key(|e| e.seq);
        let mut commit = Commit {
            finish: vec![JobFinish { id: job.id, lease }],
            ..Default::default()
        };
        let mut report = FanOut {
            events: events.len(),
            ..FanOut::default()
        };
        // -- dropship --
        // A customer's own endpoints read events as the customer's timeline shows them.
        let disguise = if endpoints.iter().any(|ep| ep.account_id.is_some()) {
            self.customer_disguise().await?
        } else {
            None
        };
        // -- /dropship --
        for e in &events {
            // Exceptions are kept off the account's timeline (most are the seller's alone); the
            // ones a customer is shown still reach them as a milestone.
            let (milestone, account) = match e.account_id {
                Some(a) => {
                    let number = self.subject_number(e, cache).await?;
                    (milestone_of(e, &number), Some(a))
                }
                None if e.kind == "exception.raised" => match self.cached_doc(e.subject_id, cache).await? {
                    Some(row) => {
                        let x = decode::<aftercart_domain::exception::Exception>(&row)?.value;
                        let m = super::milestones::exception_milestone(&x).map(|m| (m, About::Exception(x.id.0)));
                        (m, Some(x.account_id.0))
                    }
                    None => (None, None),
                },
                None => (None, None),
            };
            let message = milestone.as_ref().map(|(m, _)| Message::of(m, &self.notify.portal_url));
            let body = event_json(e, message.as_ref()).to_string();
            // -- dropship --
            let customer_body = match &disguise {
                Some(d) => self
                    .disguise_rows(d, vec![e.clone()])
                    .await?
                    .first()
                    .map(|c| event_json(c, message.as_ref()).to_string()),
                None => Some(body.clone()),
            };
            // -- /dropship --
            let due = now_ms(self.clock.now());
            let job = |queue, owner: Option<String>, account: Option<Uuid>, payload: String| JobWrite {
                id: Uuid::now_v7(),
                queue,
                unique_key: None,
                account_id: account,
                owner,
                due_at: due,
                payload,
            };
            if self.notify.nats {
                let p = NatsJob {
                    subject: format!("aftercart.{}", e.kind),
                    event_id: e.id,
                    body: body.clone(),
                };
                commit.jobs.push(job(queues::NATS, None, e.account_id, to_json(&p)));
            }
            for ep in endpoints
                .iter()
                .filter(|ep| ep.may_receive(e) && ep.subscribes(&e.kind))
            {
                let body = match (ep.account_id, &customer_body) {
                    (None, _) => body.clone(),
                    (Some(_), Some(b)) => b.clone(),
                    // Seller-only (a supplier's rejection): not for a customer's endpoint.
                    (Some(_), None) => continue,
                };
                let p = WebhookJob {
                    endpoint_id: ep.id,
                    message_id: format!("evt_{}", e.id.simple()),
                    event_type: e.kind.clone(),
                    body,
                };
                commit.jobs.push(job(
                    queues::WEBHOOK,
                    Some(ep.id.to_string()),
                    ep.account_id.map(|a| a.0),
                    to_json(&p),
                ));
            }
            if let (Some((m, about)), Some(account), Some(message)) = (&milestone, account, &message) {
                let users = self.recipients(AccountId(account), cache).await?;
                let mut told = Vec::new();
                for user in users {
                    if e.actor_id.as_deref() == Some(&user.id.0.to_string()) {
                        continue; // their own doing
                    }
                    let principal = user.principal();
                    if (m.kind.is_billing() && !principal.may(Action::BillingRead))
                        || !self.milestone_visible(*about, &principal, cache).await?
                    {
                        continue;
                    }
                    let prefs = match cache.prefs.get(&user.id.0) {
                        Some(p) => p.clone(),
                        None => {
                            let p = self.effective_prefs_of(&user).await?.prefs;
                            cache.prefs.insert(user.id.0, p.clone());
                            p
                        }
                    };
                    let in_app = prefs.wants(m.kind, Channel::InApp);
                    let email = self.notify.email && prefs.wants(m.kind, Channel::Email);
                    let sms = self.notify.sms && prefs.wants(m.kind, Channel::Sms);
                    if !(in_app || email || sms) {
                        continue;
                    }
                    let now = self.clock.now();
                    let digest_at = if email { prefs.next_digest(now) } else { None };
                    let n = Notification {
                        id: Uuid::now_v7(),
                        user_id: user.id,
                        account_id: Some(AccountId(account)),
                        event_id: e.id,
                        milestone: m.clone(),
                        in_app,
                        email_digest: digest_at.is_some(),
                        // When it happened, not when the fan-out got to it.
                        created_at: e.at,
                        read_at: None,
                    };
                    if email {
                        told.push(super::HelpRecipient {
                            user_id: user.id,
                            email: user.email.clone(),
                            name: user.name.clone(),
                        });
                    }
                    let (doc, key) = notification_writes(&n)?;
                    commit.docs.push(doc);
                    commit.keys.push(key);
                    report.notifications += usize::from(in_app);
                    let owner = Some(user.id.0.to_string());
                    if email {
                        let unsubscribe = Some(format!(
                            "{}/unsubscribe?token={}",
                            self.notify.portal_url,
                            self.unsubscribe_token(user.id, m.kind, Channel::Email).await?
                        ));
                        match digest_at {
                            None => {
                                let p = EmailJob {
                                    to: user.email.clone(),
                                    name: user.name.clone(),
                                    message: message.clone(),
                                    unsubscribe_url: unsubscribe,
                                };
                                let mut j = job(queues::EMAIL, owner.clone(), Some(account), to_json(&p));
                                j.due_at = now_ms(prefs.send_at(now));
                                commit.jobs.push(j);
                            }
                            Some(at) => {
                                let span = if prefs.cadence == Cadence::Weekly {
                                    Duration::days(7)
                                } else {
                                    Duration::days(1)
                                };
                                let p = DigestJob {
                                    user_id: user.id,
                                    to: user.email.clone(),
                                    name: user.name.clone(),
                                    cadence: prefs.cadence,
                                    since_ms: now_ms(at - span),
                                    until_ms: now_ms(at),
                                    unsubscribe_url: None,
                                };
                                let mut j = job(queues::DIGEST, owner.clone(), Some(account), to_json(&p));
                                j.due_at = now_ms(at);
                                // One digest per user and period, however many milestones.
                                j.unique_key = Some(format!("{}:{}", user.id.0, now_ms(at)));
                                commit.jobs.push(j);
                            }
                        }
                    }
                    if sms && let Some(phone) = &prefs.phone {
                        let p = SmsJob {
                            to: phone.clone(),
                            message: message.clone(),
                        };
                        let mut j = job(queues::SMS, owner.clone(), Some(account), to_json(&p));
                        j.due_at = now_ms(prefs.send_at(now));
                        commit.jobs.push(j);
                    }
                }
                if m.kind == MilestoneKind::Delivered {
                    commit.jobs.extend(self.help_jobs(e, told).await?);
                }
            }
        }
        // Documents for the buyer's procurement system, about its punchout orders.
        let due = now_ms(self.clock.now());
        for (_, account, p) in self.cxml_jobs(&events, &cache.docs, &mut cache.outbound).await? {
            commit.jobs.push(JobWrite {
                id: Uuid::now_v7(),
                queue: crate::procurement::CXML_QUEUE,
                unique_key: None,
                account_id: Some(account.0),
                owner: Some(p.link_id.to_string()),
                due_at: due,
                payload: to_json(&p),
            });
        }
        // Interchanges for trading partners, about the orders their 850s placed.
        for (account, p) in self.x12_jobs(&events, &cache.docs, &mut cache.x12).await? {
            commit.jobs.push(JobWrite {
                id: Uuid::now_v7(),
                queue: crate::procurement::X12_QUEUE,
                unique_key: None,
                account_id: Some(account.0),
                owner: Some(p.link_id.to_string()),
                due_at: due,
                payload: to_json(&p),
            });
        }
        report.deliveries = commit.jobs.len();
        Ok((commit, report))
    }

    async fn cached_doc(&self, id: Uuid, cache: &mut Cache) -> Result<Option<DocRow>> {
        if let Some(r) = cache.docs.get(&id) {
            return Ok(r.clone());
        }
        let row = self.store.get(id).await?;
        cache.docs.insert(id, row.clone());
        Ok(row)
    }

    /// The human number of an event's subject (SO-…, INV-…, RMA-…), or "" when it has none.
    async fn subject_number(&self, e: &EventRow, cache: &mut Cache) -> Result<String> {
        let Some(row) = self.cached_doc(e.subject_id, cache).await? else {
            return Ok(String::new());
        };
        Ok(match row.kind.as_str() {
            StoredOrder::KIND => decode::<StoredOrder>(&row)?.value.number(),
            "invoice" => decode::<aftercart_domain::invoice::Invoice>(&row)?.value.number(),
            "return" => decode::<aftercart_domain::returns::Return>(&row)?.value.number(),
            _ => None,
        }
        .unwrap_or_default())
    }

    async fn milestone_visible(&self, about: About, p: &crate::Principal, cache: &mut Cache) -> Result<bool> {
        let id = match about {
            About::Order(id)
            | About::Invoice(id)
            | About::Payment(id)
            | About::Return(id)
            | About::Case(id)
            | About::Exception(id) => id,
            About::Shipment { shipment, .. } => shipment,
        };
        let Some(row) = self.cached_doc(id, cache).await? else {
            // An order stored whole (before shipments were documents of their own): decided
            // on the order.
            if let About::Shipment { order, .. } = about {
                return Box::pin(self.milestone_visible(About::Order(order), p, cache)).await;
            }
            return Ok(false);
        };
        Ok(match about {
            About::Order(_) => decode::<StoredOrder>(&row)?.value.visible_to(p),
            About::Invoice(_) => decode::<aftercart_domain::invoice::Invoice>(&row)?.value.visible_to(p),
            About::Payment(_) => decode::<aftercart_domain::invoice::Payment>(&row)?.value.visible_to(p),
            About::Return(_) => decode::<aftercart_domain::returns::Return>(&row)?.value.visible_to(p),
            About::Case(_) => decode::<aftercart_domain::case::Case>(&row)?.value.visible_to(p),
            About::Exception(_) => decode::<aftercart_domain::exception::Exception>(&row)?
                .value
                .visible_to(p),
            About::Shipment { .. } => decode::<crate::ShipmentDoc>(&row)?.value.visible_to(p),
        })
    }

    /// The active customer users of an account.
    async fn recipients(&self, account: AccountId, cache: &mut Cache) -> Result<Vec<User>> {
        if let Some(u) = cache.users.get(&account) {
            return Ok(u.clone());
        }
        let mut out = Vec::new();
        let mut before = None;
        loop {
            let rows = self
                .store
                .list(ListQuery {
                    kind: User::KIND,
                    account_id: Some(account.0),
                    before,
                    limit: 500,
                    ..ListQuery::default()
                })
                .await?;
            before = rows.last().map(|r| r.id);
            let done = rows.len() < 500;
            for r in &rows {
                let u = decode::<User>(r)?.value;
                if u.status == UserStatus::Active && !u.email_taken_elsewhere {
                    out.push(u);
                }
            }
            if done {
                break;
            }
        }
        cache.users.insert(account, out.clone());
        Ok(out)
    }

    /// For tests and the CLI: fan out everything waiting, as the serve loop would.
    pub async fn fan_out_all(&self) -> Result<FanOut> {
        let mut total = FanOut::default();
        loop {
            let r = self.fan_out(64).await?;
            if r.commits == 0 {
                return Ok(total);
            }
            total.commits += r.commits;
            total.events += r.events;
            total.deliveries += r.deliveries;
            total.notifications += r.notifications;
        }
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}
