/// Why a message was not handed over, split the one way every caller needs: retry it
/// later, or stop and dead-letter it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Might succeed later unchanged: connection refused, timeouts, 4xx SMTP replies,
    /// HTTP 429 and 5xx, a JetStream server without an ack.
    #[error("transient: {0}")]
    Transient(String),
    /// Will fail again unchanged: 5xx SMTP replies, a malformed address, a refused request.
    #[error("permanent: {0}")]
    Permanent(String),
}

impl SendError {
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Transient(_))
    }

    pub fn message(&self) -> &str {
        match self {
            Self::Transient(m) | Self::Permanent(m) => m,
        }
    }
}
