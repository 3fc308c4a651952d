use std::fmt;
use std::time::Duration;

use serde::Deserialize;
use time::OffsetDateTime;

use crate::error::SendError;
use crate::retry_after;

/// A Twilio-compatible SMS API (Twilio itself, or a provider speaking its Messages API).
#[derive(Clone)]
pub struct SmsConfig {
    /// `https://api.twilio.com`, without a trailing slash.
    pub base_url: String,
    pub account_sid: String,
    pub auth_token: String,
    /// The sending number (E.164) or messaging service / alphanumeric sender.
    pub from: String,
}

impl fmt::Debug for SmsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmsConfig")
            .field("base_url", &self.base_url)
            .field("account_sid", &self.account_sid)
            .field("auth_token", &"<redacted>")
            .field("from", &self.from)
            .finish()
    }
}

/// A failed send: retry or not, and how long the provider asked us to wait.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error}")]
pub struct SmsError {
    pub error: SendError,
    /// From the provider's `Retry-After`, on 429 and 5xx.
    pub retry_after: Option<Duration>,
}

impl SmsError {
    fn transient(message: String, retry_after: Option<Duration>) -> Self {
        Self {
            error: SendError::Transient(message),
            retry_after,
        }
    }

    fn permanent(message: String) -> Self {
        Self {
            error: SendError::Permanent(message),
            retry_after: None,
        }
    }
}

impl From<SmsError> for SendError {
    fn from(e: SmsError) -> Self {
        e.error
    }
}

#[derive(Debug, Clone)]
pub struct SmsSender {
    client: reqwest::Client,
    config: SmsConfig,
    messages_url: String,
}

/// The fields of the provider's JSON we use: the message id on success, the reason on failure.
#[derive(Deserialize)]
struct ProviderReply {
    sid: Option<String>,
    message: Option<String>,
    code: Option<i64>,
}

impl SmsSender {
    pub fn new(config: SmsConfig) -> Result<Self, SendError> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(15))
            .user_agent(concat!("Aftercart/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SendError::Permanent(format!("cannot build the HTTP client: {e}")))?;
        let messages_url = format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            config.base_url.trim_end_matches('/'),
            config.account_sid
        );
        Ok(Self {
            client,
            config,
            messages_url,
        })
    }

    /// Hands one text to the provider; `Ok` carries the provider's message id (its `sid`)
    /// when it sent one. 2xx is success, 429 and 5xx (and no answer) are transient, any
    /// other status is permanent.
    pub async fn send(&self, to: &str, body: &str) -> Result<Option<String>, SmsError> {
        let response = self
            .client
            .post(&self.messages_url)
            .basic_auth(&self.config.account_sid, Some(&self.config.auth_token))
            .form(&[("To", to), ("From", &self.config.from), ("Body", body)])
            .send()
            .await
            .map_err(|e| SmsError::transient(format!("SMS provider unreachable: {e}"), None))?;
        let status = response.status();
        let retry_after = retry_after::from_headers(response.headers(), OffsetDateTime::now_utc());
        let bytes = response.bytes().await.unwrap_or_default();
        let reply: Option<ProviderReply> = serde_json::from_slice(&bytes).ok();
        if status.is_success() {
            return Ok(reply.and_then(|r| r.sid));
        }
        let reason = match reply {
            Some(ProviderReply {
                message: Some(m), code, ..
            }) => match code {
                Some(c) => format!("{m} (code {c})"),
                None => m,
            },
            _ => String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned(),
        };
        let message = format!("SMS provider answered {}: {reason}", status.as_u16());
        if status.as_u16() == 429 || status.is_server_error() {
            Err(SmsError::transient(message, retry_after))
        } else {
            Err(SmsError::permanent(message))
        }
    }
}
