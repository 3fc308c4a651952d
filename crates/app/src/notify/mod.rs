//! Notifications and events out. Every commit that records events also enqueues one outbox job
//! naming them, in the same transaction (the store does it, so no path can forget). `fanout`
//! turns each outbox job into deliveries — in-app notifications, email, SMS, webhook and
//! event-stream jobs — in one commit that also finishes the outbox job under its lease, so an
//! event is fanned out exactly once however many workers run. Delivery workers (the `notify`
//! crate) claim those jobs, send, and report back through `deliveries`.

mod deliveries;
mod endpoints;
mod fanout;
mod help;
mod inbox;
mod links;
mod milestones;
mod prefs;
mod reminders;

/// Delivery states, as the delivery log filters on them.
pub use aftercart_store::JobState;
pub use deliveries::*;
pub use endpoints::*;
pub use fanout::FanOut;
pub use help::*;
pub use inbox::*;
pub use links::LinkPurpose;
pub use milestones::{About, Milestone, milestone_of};
pub use prefs::*;

/// Queue names (the store's job queue is domain-agnostic).
pub mod queues {
    pub use aftercart_store::OUTBOX_QUEUE as EVENTS;
    pub const EMAIL: &str = "email";
    pub const SMS: &str = "sms";
    pub const WEBHOOK: &str = "webhook";
    pub const NATS: &str = "nats";
    pub const DIGEST: &str = "digest";
    /// Post-delivery help emails.
    pub const HELP: &str = "help";
    /// cXML documents to procurement systems.
    pub use crate::procurement::CXML_QUEUE as CXML;
    /// X12 interchanges to trading partners.
    pub use crate::procurement::X12_QUEUE as X12;
    /// Every queue a delivery worker sends from (for logs and replay).
    pub const DELIVERY: [&str; 8] = [EMAIL, SMS, WEBHOOK, NATS, DIGEST, HELP, CXML, X12];

    pub fn parse(s: &str) -> Option<&'static str> {
        [EVENTS, EMAIL, SMS, WEBHOOK, NATS, DIGEST, HELP, CXML, X12]
            .into_iter()
            .find(|q| *q == s)
    }
}

/// What the deployment can send through. A channel that is not configured gets no jobs (the
/// demo without SMTP shows notifications in the portal only), so nothing piles up unsent.
#[derive(Debug, Clone)]
pub struct NotifySettings {
    /// The portal's public base URL, for links in messages (no trailing slash).
    pub portal_url: String,
    pub email: bool,
    pub sms: bool,
    pub nats: bool,
    /// Webhook targets on loopback or private networks are refused unless this is set.
    pub allow_private_targets: bool,
    /// How long a worker holds claimed work; a worker that died is replaced after this.
    pub lease_ms: i64,
}

impl Default for NotifySettings {
    fn default() -> NotifySettings {
        NotifySettings {
            portal_url: "http://127.0.0.1:8080".into(),
            email: false,
            sms: false,
            nats: false,
            allow_private_targets: false,
            lease_ms: LEASE_MS,
        }
    }
}

pub fn now_ms(t: time::OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

pub fn from_ms(ms: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}
