use std::time::Duration;

use async_nats::jetstream::{self, context::PublishErrorKind, message::PublishMessage, stream};

use crate::error::SendError;

/// How long JetStream remembers message ids to drop re-publishes of the same event.
pub const DUPLICATE_WINDOW: Duration = Duration::from_secs(2 * 60);
/// Consumers that fall further behind than this lose events; the event log in the
/// database stays the record.
pub const MAX_AGE: Duration = Duration::from_secs(7 * 24 * 60 * 60);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("cannot connect to NATS at {url}: {error}")]
    Connect { url: String, error: String },
    #[error("cannot create or open JetStream stream {stream}: {error}")]
    Stream { stream: String, error: String },
}

/// Publishes events to one JetStream stream, each under `<prefix>.<kind>`, with the event
/// id as `Nats-Msg-Id` so a re-publish after a crash is dropped by the server.
#[derive(Debug, Clone)]
pub struct EventStream {
    jetstream: jetstream::Context,
    stream_name: String,
    subject_prefix: String,
}

impl EventStream {
    /// Connects and opens the stream, creating it with subjects `<prefix>.>` when missing
    /// (an existing stream is used as it is). Only options a NATS 2.9 server understands
    /// are set: name, subjects, file storage, the duplicate window and a maximum age.
    pub async fn connect(url: &str, stream_name: &str, subject_prefix: &str) -> Result<Self, ConnectError> {
        let client = async_nats::ConnectOptions::new()
            .connection_timeout(CONNECT_TIMEOUT)
            .connect(url)
            .await
            .map_err(|e| ConnectError::Connect {
                url: url.to_owned(),
                error: e.to_string(),
            })?;
        let jetstream = jetstream::new(client);
        let config = stream::Config {
            name: stream_name.to_owned(),
            subjects: vec![format!("{subject_prefix}.>")],
            storage: stream::StorageType::File,
            duplicate_window: DUPLICATE_WINDOW,
            max_age: MAX_AGE,
            ..Default::default()
        };
        jetstream
            .get_or_create_stream(config)
            .await
            .map_err(|e| ConnectError::Stream {
                stream: stream_name.to_owned(),
                error: e.to_string(),
            })?;
        Ok(Self {
            jetstream,
            stream_name: stream_name.to_owned(),
            subject_prefix: subject_prefix.to_owned(),
        })
    }

    pub fn stream_name(&self) -> &str {
        &self.stream_name
    }

    /// `order.placed` → `aftercart.order.placed`.
    pub fn subject(&self, kind: &str) -> String {
        format!("{}.{kind}", self.subject_prefix)
    }

    /// For reading the stream back (consumers, tests) on the same connection.
    pub fn jetstream(&self) -> &jetstream::Context {
        &self.jetstream
    }

    /// Publishes and waits for the stream's ack. An ack flagged duplicate is success: the
    /// event is in the stream once, which is what the caller wanted.
    pub async fn publish(&self, kind: &str, msg_id: &str, body: &[u8]) -> Result<(), SendError> {
        if kind.is_empty() || kind.contains(|c: char| c.is_whitespace() || c == '*' || c == '>') {
            return Err(SendError::Permanent(format!("{kind:?} is not an event kind")));
        }
        let message = PublishMessage::build().payload(body.to_vec().into()).message_id(msg_id);
        let ack = self
            .jetstream
            .send_publish(self.subject(kind), message)
            .await
            .map_err(classify)?
            .await
            .map_err(classify)?;
        if ack.stream != self.stream_name {
            // The subject is captured by another stream; the event is stored, just not
            // where this publisher's consumers look.
            tracing::warn!(expected = %self.stream_name, got = %ack.stream, "event stored in another stream");
        }
        Ok(())
    }
}

fn classify(e: async_nats::jetstream::context::PublishError) -> SendError {
    let text = e.to_string();
    match e.kind() {
        PublishErrorKind::MaxPayloadExceeded => SendError::Permanent(text),
        _ => SendError::Transient(text),
    }
}
