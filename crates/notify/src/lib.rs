//! Notification transports and message rendering for Aftercart.
//!
//! The transports know nothing of orders, accounts or the store: they render plain
//! [`Milestone`]s into emails and SMS texts and delivers bytes over SMTP, an SMS
//! provider's HTTP API, signed webhooks and NATS JetStream. Deciding *what* to send,
//! to whom, and when to retry (with [`backoff`]) is the caller's job, so every
//! transport reports failures as retryable or not rather than retrying itself. `worker` is
//! the caller: it claims jobs from the app's outbox, sends them, and reports each attempt.

pub mod backoff;
pub mod cxml;
mod error;
mod message;
pub mod nats;
mod retry_after;
pub mod sms;
pub mod smtp;
pub mod templates;
pub mod webhook;
pub mod worker;
pub mod x12;

pub use error::SendError;
pub use message::{Branding, Content, Digest, Email, Fact, Guide, Help, Milestone, Period, Recipient};
pub use nats::EventStream;
pub use sms::{SmsConfig, SmsError, SmsSender};
pub use smtp::{Mailer, SmtpConfig};
pub use templates::{RenderError, TemplateError, Templates};
pub use webhook::{Outcome, Secret, TargetError, TargetPolicy, WebhookSender};
pub use worker::{Channels, Pass, Worker};
