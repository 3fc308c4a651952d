//! aftercart-notify against real services: an SMTP server (aiosmtpd), an HTTP receiver
//! verifying with the reference Standard Webhooks implementation, and the machine's
//! NATS JetStream server.

mod nats;
mod outbox;
mod sms;
mod smtp;
mod support;
mod templates;
mod webhook;
