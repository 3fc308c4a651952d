//! The delivery workers: claim due jobs from the app's outbox, send them through the
//! transports, and report each attempt (done, retry on the schedule, or dead-lettered). A job is
//! reported only after its send, so a worker killed in between leaves it leased; the lease runs
//! out and another worker sends it again — at least once, never lost.

use crate::webhook::{Outcome, Secret};
use crate::{
    Branding, Digest, EventStream, Fact, Guide, Help, Mailer, Milestone, Period, Recipient, SendError, SmsSender,
    Templates, WebhookSender, backoff,
};
use aftercart_app::notify::{DigestJob, EmailJob, HelpJob, Message, NatsJob, SmsJob, WebhookJob, queues};
use aftercart_app::{App, AppError};
use aftercart_app::{CxmlJob, X12Job};
use aftercart_domain::notification::Cadence;
use aftercart_store::{JobOutcome, JobRow};
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::Duration;

/// The configured transports. A channel without one gets no jobs (the app is told through
/// `NotifySettings`), so its queue is never polled.
pub struct Channels {
    pub templates: Templates,
    pub branding: Branding,
    pub mailer: Option<Mailer>,
    pub sms: Option<SmsSender>,
    pub webhooks: WebhookSender,
    pub nats: Option<EventStream>,
}

/// How one attempt went.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Attempt {
    Sent,
    Failed {
        error: String,
        retry_after: Option<Duration>,
    },
    /// Retrying cannot help (a permanent refusal, a disabled endpoint).
    Dead(String),
}

/// What one delivery pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pass {
    pub claimed: usize,
    pub sent: usize,
    pub failed: usize,
    pub dead: usize,
}

#[derive(Clone)]
pub struct Worker {
    app: App,
    ch: Arc<Channels>,
    /// Sends in flight at once per pass (webhook receivers and SMTP relays are slow, the
    /// claim is not).
    concurrency: usize,
}

fn message(m: &Message) -> Milestone {
    Milestone {
        kind: m.kind.clone(),
        title: m.title.clone(),
        summary: m.summary.clone(),
        facts: m
            .facts
            .iter()
            .map(|(label, value)| Fact {
                label: label.clone(),
                value: value.clone(),
            })
            .collect(),
        link: m.link.clone(),
        reference: m.reference.clone(),
    }
}

fn from_send(e: SendError, retry_after: Option<Duration>) -> Attempt {
    match e {
        SendError::Transient(m) => Attempt::Failed { error: m, retry_after },
        SendError::Permanent(m) => Attempt::Dead(m),
    }
}

impl Worker {
    pub fn new(app: App, ch: Channels) -> Worker {
        Worker {
            app,
            ch: Arc::new(ch),
            concurrency: 16,
        }
    }

    /// The queues this deployment sends from.
    pub fn queues(&self) -> Vec<&'static str> {
        // cXML documents and X12 interchanges go out over the same guarded HTTP client as webhooks.
        let mut q = vec![queues::WEBHOOK, queues::CXML, queues::X12];
        if self.ch.mailer.is_some() {
            q.extend([queues::EMAIL, queues::DIGEST, queues::HELP]);
        }
        if self.ch.sms.is_some() {
            q.push(queues::SMS);
        }
        if self.ch.nats.is_some() {
            q.push(queues::NATS);
        }
        q
    }

    /// Claims up to `limit` due jobs of `queue`, sends them, and reports every attempt.
    pub async fn deliver(&self, queue: &'static str, limit: u32) -> Result<Pass, AppError> {
        let jobs = self.app.claim_deliveries(queue, limit).await?;
        let mut pass = Pass {
            claimed: jobs.len(),
            ..Pass::default()
        };
        if jobs.is_empty() {
            return Ok(pass);
        }
        // A pass's endpoints are read once, together.
        let targets = if queue == queues::WEBHOOK {
            let ids: Vec<uuid::Uuid> = jobs
                .iter()
                .filter_map(|j| serde_json::from_str::<WebhookJob>(&j.payload).ok())
                .map(|p| p.endpoint_id)
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            self.app.webhook_targets(&ids).await?
        } else {
            Default::default()
        };
        let targets = &targets;
        let results: Vec<(JobRow, Attempt)> = futures_util::stream::iter(jobs)
            .map(|job| async move {
                let a = self.attempt(queue, &job, targets).await;
                (job, a)
            })
            .buffer_unordered(self.concurrency)
            .collect()
            .await;
        let mut finished = Vec::with_capacity(results.len());
        for (job, a) in &results {
            let outcome = match a.clone() {
                Attempt::Sent => {
                    pass.sent += 1;
                    JobOutcome::Done
                }
                Attempt::Dead(error) => {
                    pass.dead += 1;
                    JobOutcome::Dead { error }
                }
                Attempt::Failed { error, retry_after } => {
                    let attempts = u32::try_from(job.attempts).unwrap_or(u32::MAX);
                    match backoff::next_delay_honouring(attempts, rand::random::<f64>(), retry_after) {
                        Some(d) => {
                            pass.failed += 1;
                            let now = self.app.clock.now();
                            JobOutcome::Retry {
                                due_at: ((now + d).unix_timestamp_nanos() / 1_000_000) as i64,
                                error,
                            }
                        }
                        None => {
                            pass.dead += 1;
                            JobOutcome::Dead {
                                error: format!("gave up after {attempts} attempts: {error}"),
                            }
                        }
                    }
                }
            };
            finished.push((job, outcome));
        }
        let held = self.app.finish_deliveries(finished).await?;
        let lost = held.iter().filter(|h| !**h).count();
        if lost > 0 {
            tracing::warn!(
                queue,
                lost,
                "delivery leases ran out before their attempts were recorded; they will be sent again"
            );
        }
        Ok(pass)
    }

    async fn attempt(
        &self,
        queue: &str,
        job: &JobRow,
        targets: &std::collections::HashMap<uuid::Uuid, aftercart_app::notify::WebhookEndpoint>,
    ) -> Attempt {
        let parse_err = |e: serde_json::Error| Attempt::Dead(format!("unreadable job: {e}"));
        match queue {
            queues::WEBHOOK => match serde_json::from_str::<WebhookJob>(&job.payload) {
                Ok(p) => self.webhook(&p, targets.get(&p.endpoint_id)).await,
                Err(e) => parse_err(e),
            },
            queues::EMAIL => match serde_json::from_str::<EmailJob>(&job.payload) {
                Ok(p) => self.email(&p).await,
                Err(e) => parse_err(e),
            },
            queues::DIGEST => match serde_json::from_str::<DigestJob>(&job.payload) {
                Ok(p) => self.digest(&p).await,
                Err(e) => parse_err(e),
            },
            queues::HELP => match serde_json::from_str::<HelpJob>(&job.payload) {
                Ok(p) => self.help(&p).await,
                Err(e) => parse_err(e),
            },
            queues::SMS => match serde_json::from_str::<SmsJob>(&job.payload) {
                Ok(p) => self.sms(&p).await,
                Err(e) => parse_err(e),
            },
            queues::NATS => match serde_json::from_str::<NatsJob>(&job.payload) {
                Ok(p) => self.nats(&p).await,
                Err(e) => parse_err(e),
            },
            queues::CXML => match serde_json::from_str::<CxmlJob>(&job.payload) {
                Ok(p) => self.cxml(&p).await,
                Err(e) => parse_err(e),
            },
            queues::X12 => match serde_json::from_str::<X12Job>(&job.payload) {
                Ok(p) => self.x12(&p).await,
                Err(e) => parse_err(e),
            },
            other => Attempt::Dead(format!("no worker sends the '{other}' queue")),
        }
    }

    async fn webhook(&self, p: &WebhookJob, target: Option<&aftercart_app::notify::WebhookEndpoint>) -> Attempt {
        let Some(ep) = target else {
            return Attempt::Dead("the endpoint is disabled or gone; enable it and replay".into());
        };
        let now = self.app.clock.now();
        let secrets: Vec<Secret> = ep
            .signing_secrets(now)
            .iter()
            .filter_map(|s| Secret::parse(s).ok())
            .collect();
        if secrets.is_empty() {
            return Attempt::Dead("the endpoint has no usable signing secret; rotate it".into());
        }
        // The signature's timestamp is the wall clock of the send (receivers refuse one more
        // than minutes away from theirs), whatever business time the app runs on.
        let outcome = self
            .ch
            .webhooks
            .send(
                &ep.url,
                &p.message_id,
                p.body.as_bytes(),
                &secrets,
                time::OffsetDateTime::now_utc(),
            )
            .await;
        let (attempt, ok, gone) = match outcome {
            Outcome::Delivered { .. } => (Attempt::Sent, true, false),
            Outcome::Gone => (Attempt::Dead("the endpoint answered 410 Gone".into()), false, true),
            Outcome::Blocked(e) => (Attempt::Dead(format!("target refused: {e}")), false, false),
            Outcome::Retry {
                status,
                error,
                retry_after,
            } => (
                Attempt::Failed {
                    error: status.map_or(error.clone(), |s| format!("HTTP {s}: {error}")),
                    retry_after,
                },
                false,
                false,
            ),
            Outcome::Rejected { status, error } => (
                Attempt::Failed {
                    error: format!("HTTP {status}: {error}"),
                    retry_after: None,
                },
                false,
                false,
            ),
        };
        // An endpoint that is fine and stays fine costs nothing more; a failure (which may
        // start a streak or end in disabling it) or a recovery is recorded.
        if (gone || !ok || ep.failing_since.is_some())
            && let Err(e) = self.app.endpoint_outcome(ep.id, ok, gone).await
        {
            tracing::warn!(endpoint = %ep.id, error = %e, "could not record the endpoint's health");
        }
        attempt
    }

    async fn cxml(&self, p: &CxmlJob) -> Attempt {
        let target = match self.app.cxml_target(p.link_id).await {
            Ok(Some(t)) => t,
            Ok(None) => {
                return Attempt::Dead(
                    "the procurement link is inactive or has no order_response_url; set it and replay".into(),
                );
            }
            Err(e) => {
                return Attempt::Failed {
                    error: e.to_string(),
                    retry_after: None,
                };
            }
        };
        match crate::cxml::post(&self.ch.webhooks, &target.url, &p.body, time::OffsetDateTime::now_utc()).await {
            crate::cxml::Posted::Accepted { .. } => Attempt::Sent,
            crate::cxml::Posted::Refused(why) => Attempt::Dead(format!("the procurement system refused it: {why}")),
            crate::cxml::Posted::Blocked(why) => Attempt::Dead(format!("target refused: {why}")),
            crate::cxml::Posted::Retry { error, retry_after } => Attempt::Failed { error, retry_after },
        }
    }

    async fn x12(&self, p: &X12Job) -> Attempt {
        let target = match self.app.x12_target(p.link_id).await {
            Ok(Some(t)) => t,
            Ok(None) => {
                return Attempt::Dead(
                    "the procurement link is inactive, has no X12 ids or no order_response_url; set it and replay"
                        .into(),
                );
            }
            Err(e) => {
                return Attempt::Failed {
                    error: e.to_string(),
                    retry_after: None,
                };
            }
        };
        match crate::x12::post(&self.ch.webhooks, &target.url, &p.body, time::OffsetDateTime::now_utc()).await {
            crate::cxml::Posted::Accepted { .. } => Attempt::Sent,
            crate::cxml::Posted::Refused(why) => Attempt::Dead(format!("the trading partner refused it: {why}")),
            crate::cxml::Posted::Blocked(why) => Attempt::Dead(format!("target refused: {why}")),
            crate::cxml::Posted::Retry { error, retry_after } => Attempt::Failed { error, retry_after },
        }
    }

    async fn email(&self, p: &EmailJob) -> Attempt {
        let Some(mailer) = &self.ch.mailer else {
            return Attempt::Failed {
                error: "no SMTP server is configured".into(),
                retry_after: None,
            };
        };
        let recipient = Recipient {
            name: p.name.clone(),
            email: Some(p.to.clone()),
            phone: None,
        };
        let m = message(&p.message);
        let email =
            match self
                .ch
                .templates
                .render_email(&self.ch.branding, &recipient, &m, p.unsubscribe_url.as_deref())
            {
                Ok(e) => e,
                Err(e) => return Attempt::Dead(format!("cannot render: {e}")),
            };
        match mailer.send(&email, &self.ch.branding.from_address).await {
            Ok(()) => Attempt::Sent,
            Err(e) => from_send(e, None),
        }
    }

    async fn digest(&self, p: &DigestJob) -> Attempt {
        let Some(mailer) = &self.ch.mailer else {
            return Attempt::Failed {
                error: "no SMTP server is configured".into(),
                retry_after: None,
            };
        };
        let since = aftercart_app::notify::from_ms(p.since_ms);
        let until = aftercart_app::notify::from_ms(p.until_ms);
        let items = match self.app.digest_items(p.user_id, since, until).await {
            Ok(i) => i,
            Err(e) => {
                return Attempt::Failed {
                    error: e.to_string(),
                    retry_after: None,
                };
            }
        };
        if items.is_empty() {
            return Attempt::Sent;
        }
        let portal = &self.app.notify.portal_url;
        let digest = Digest {
            period: if p.cadence == Cadence::Weekly {
                Period::Weekly
            } else {
                Period::Daily
            },
            items: items
                .iter()
                .map(|n| message(&Message::of(&n.milestone, portal)))
                .collect(),
        };
        let recipient = Recipient {
            name: p.name.clone(),
            email: Some(p.to.clone()),
            phone: None,
        };
        let settings = format!("{portal}/settings/notifications");
        let email = match self.ch.templates.render_email(
            &self.ch.branding,
            &recipient,
            &digest,
            p.unsubscribe_url.as_deref().or(Some(&settings)),
        ) {
            Ok(e) => e,
            Err(e) => return Attempt::Dead(format!("cannot render: {e}")),
        };
        match mailer.send(&email, &self.ch.branding.from_address).await {
            Ok(()) => Attempt::Sent,
            Err(e) => from_send(e, None),
        }
    }

    /// One email per reader, each with links of their own (a click says who read it). A
    /// failure retries the whole job: readers already sent may get it twice (at least once).
    async fn help(&self, p: &HelpJob) -> Attempt {
        let Some(mailer) = &self.ch.mailer else {
            return Attempt::Failed {
                error: "no SMTP server is configured".into(),
                retry_after: None,
            };
        };
        let portal = &self.app.notify.portal_url;
        for r in &p.recipients {
            let link = match self.app.help_link(r.user_id, p.product_id, p.account_id).await {
                Ok(l) => l,
                Err(e) => {
                    return Attempt::Failed {
                        error: e.to_string(),
                        retry_after: None,
                    };
                }
            };
            let mut guides = Vec::new();
            if p.setup_guide.is_some() {
                guides.push(Guide {
                    product: p.product_name.clone(),
                    title: "Setup guide".into(),
                    url: link.clone(),
                });
            }
            if p.care_instructions.is_some() {
                guides.push(Guide {
                    product: p.product_name.clone(),
                    title: "Care instructions".into(),
                    url: format!("{link}?part=care"),
                });
            }
            let help = Help {
                milestone: Milestone {
                    kind: "help".into(),
                    title: format!("Getting started with {}", p.product_name),
                    summary: format!(
                        "Your {} from {} has arrived. Here is how to set it up and look after it.",
                        p.product_name, p.order_number
                    ),
                    facts: vec![Fact {
                        label: "Order".into(),
                        value: p.order_number.clone(),
                    }],
                    link: format!("{portal}/orders/{}", p.order_id.0),
                    reference: p.order_number.clone(),
                },
                guides,
            };
            let recipient = Recipient {
                name: r.name.clone(),
                email: Some(r.email.clone()),
                phone: None,
            };
            let settings = format!("{portal}/settings/notifications");
            let email = match self
                .ch
                .templates
                .render_email(&self.ch.branding, &recipient, &help, Some(&settings))
            {
                Ok(e) => e,
                Err(e) => return Attempt::Dead(format!("cannot render: {e}")),
            };
            if let Err(e) = mailer.send(&email, &self.ch.branding.from_address).await {
                return from_send(e, None);
            }
        }
        Attempt::Sent
    }

    async fn sms(&self, p: &SmsJob) -> Attempt {
        let Some(sms) = &self.ch.sms else {
            return Attempt::Failed {
                error: "no SMS provider is configured".into(),
                retry_after: None,
            };
        };
        let body = self.ch.templates.render_sms(&self.ch.branding, &message(&p.message));
        match sms.send(&p.to, &body).await {
            Ok(_) => Attempt::Sent,
            Err(e) => from_send(e.error, e.retry_after),
        }
    }

    async fn nats(&self, p: &NatsJob) -> Attempt {
        let Some(stream) = &self.ch.nats else {
            return Attempt::Failed {
                error: "no NATS server is configured".into(),
                retry_after: None,
            };
        };
        let kind = p.subject.strip_prefix("aftercart.").unwrap_or(&p.subject);
        match stream.publish(kind, &p.event_id.to_string(), p.body.as_bytes()).await {
            Ok(()) => Attempt::Sent,
            Err(e) => from_send(e, None),
        }
    }

    /// Runs the fan-out and every configured queue until the process stops: each loop drains
    /// what is due, then sleeps `poll` (a claim that finds nothing is one indexed read).
    pub fn spawn(self, poll: Duration) -> Vec<tokio::task::JoinHandle<()>> {
        let mut handles = Vec::new();
        let app = self.app.clone();
        let retention = app.clone();
        handles.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                match retention.purge_finished(5_000).await {
                    Ok(0) => {}
                    Ok(n) => tracing::debug!(purged = n, "finished jobs purged"),
                    Err(e) => tracing::warn!(error = %e, "job retention pass failed"),
                }
            }
        }));
        handles.push(tokio::spawn(async move {
            loop {
                match app.fan_out(64).await {
                    Ok(r) if r.commits > 0 => continue,
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "fan-out pass failed"),
                }
                tokio::time::sleep(poll).await;
            }
        }));
        for queue in self.queues() {
            let w = self.clone();
            handles.push(tokio::spawn(async move {
                loop {
                    match w.deliver(queue, 64).await {
                        Ok(p) if p.claimed > 0 => {
                            if p.failed + p.dead > 0 {
                                tracing::info!(queue, sent = p.sent, failed = p.failed, dead = p.dead, "deliveries");
                            }
                            continue;
                        }
                        Ok(_) => {}
                        Err(e) => tracing::warn!(queue, error = %e, "delivery pass failed"),
                    }
                    tokio::time::sleep(poll).await;
                }
            }));
        }
        handles
    }
}
