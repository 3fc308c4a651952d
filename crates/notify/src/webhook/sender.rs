use std::error::Error as _;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, LOCATION};
use time::OffsetDateTime;
use url::Url;

use super::signature::{Secret, sign};
use super::target::{GuardedResolver, TargetError, TargetPolicy};
use crate::retry_after;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const TOTAL_TIMEOUT: Duration = Duration::from_secs(15);
/// Enough of a receiver's answer to say what went wrong, not enough to let it flood us.
const MAX_ERROR_BODY: usize = 1024;

/// What one delivery attempt came to. Only a 2xx is a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Delivered {
        status: u16,
    },
    /// Try again on the schedule: no answer, a timeout, 429, 5xx, or a redirect (never
    /// followed: the receiver's URL is the one the seller registered, and following would
    /// let it bounce us past the target checks).
    Retry {
        status: Option<u16>,
        error: String,
        retry_after: Option<Duration>,
    },
    /// 410 Gone: the receiver asks us to stop; disable the endpoint.
    Gone,
    /// Another 4xx: still retried on the schedule, but worth showing to the endpoint's owner.
    Rejected {
        status: u16,
        error: String,
    },
    /// The target policy refused the URL or the addresses it resolves to; nothing was sent.
    Blocked(TargetError),
}

/// Delivers signed webhooks. One client, so connections are pooled per host.
#[derive(Debug, Clone)]
pub struct WebhookSender {
    client: reqwest::Client,
    policy: TargetPolicy,
}

impl WebhookSender {
    pub fn new(policy: TargetPolicy) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(TOTAL_TIMEOUT)
            .user_agent(concat!("Aftercart-Webhooks/", env!("CARGO_PKG_VERSION")))
            // A proxy would resolve the target itself, out of the guard's sight.
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver(policy)))
            .build()?;
        Ok(Self { client, policy })
    }

    /// One attempt: `msg_id` stays the same across retries (receivers de-duplicate on it),
    /// the timestamp is `now` (fresh per attempt, so the signature is too). `body` is sent
    /// and signed as these exact bytes.
    pub async fn send(&self, url: &str, msg_id: &str, body: &[u8], secrets: &[Secret], now: OffsetDateTime) -> Outcome {
        let target = match Url::parse(url) {
            Ok(u) => u,
            Err(_) => return Outcome::Blocked(TargetError::NotUrl(url.to_owned())),
        };
        if let Err(e) = self.policy.check_url(&target) {
            return Outcome::Blocked(e);
        }
        let timestamp = now.unix_timestamp();
        let signature = sign(secrets, msg_id, timestamp, body);
        let result = self
            .client
            .post(target)
            .header("webhook-id", msg_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_vec())
            .send()
            .await;
        let mut response = match result {
            Ok(r) => r,
            Err(e) => return failure(&e),
        };
        let status = response.status();
        let code = status.as_u16();
        if status.is_success() {
            return Outcome::Delivered { status: code };
        }
        let retry_after = retry_after::from_headers(response.headers(), now);
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let text = read_prefix(&mut response).await;
        let error = match (&location, status.is_redirection()) {
            (Some(to), true) => format!("HTTP {code}: redirect to {to} not followed"),
            (None, true) => format!("HTTP {code}: redirect not followed"),
            _ if text.is_empty() => format!("HTTP {code}"),
            _ => format!("HTTP {code}: {text}"),
        };
        match code {
            410 => Outcome::Gone,
            429 => Outcome::Retry {
                status: Some(code),
                error,
                retry_after,
            },
            400..=499 => Outcome::Rejected { status: code, error },
            _ => Outcome::Retry {
                status: Some(code),
                error,
                retry_after: status.is_server_error().then_some(retry_after).flatten(),
            },
        }
    }
}

/// What a receiver answered to a plain POST: its status, the start of its body, and any
/// Retry-After it asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub body: String,
    pub retry_after: Option<Duration>,
}

impl WebhookSender {
    /// One unsigned POST of `body` as `content_type` through the same guarded client (no
    /// redirects, no private targets unless allowed, the same timeouts), for documents whose
    /// receivers answer in the body — a cXML `Response`. Up to `limit` bytes of the answer are
    /// read. Nothing sent (a blocked target) or no answer is an `Outcome` to act on.
    pub async fn post_plain(
        &self,
        url: &str,
        content_type: &str,
        body: &[u8],
        limit: usize,
        now: OffsetDateTime,
    ) -> Result<Answer, Outcome> {
        let target = Url::parse(url).map_err(|_| Outcome::Blocked(TargetError::NotUrl(url.to_owned())))?;
        self.policy.check_url(&target).map_err(Outcome::Blocked)?;
        let mut response = self
            .client
            .post(target)
            .header(CONTENT_TYPE, content_type)
            .body(body.to_vec())
            .send()
            .await
            .map_err(|e| failure(&e))?;
        let status = response.status().as_u16();
        let retry_after = retry_after::from_headers(response.headers(), now);
        let body = read_up_to(&mut response, limit).await;
        Ok(Answer {
            status,
            body,
            retry_after,
        })
    }
}

/// The start of the body, read no further than needed.
async fn read_prefix(response: &mut reqwest::Response) -> String {
    read_up_to(response, MAX_ERROR_BODY).await
}

async fn read_up_to(response: &mut reqwest::Response, limit: usize) -> String {
    let mut buf = Vec::new();
    while buf.len() < limit {
        match response.chunk().await {
            Ok(Some(chunk)) => buf.extend_from_slice(&chunk),
            _ => break,
        }
    }
    buf.truncate(limit);
    String::from_utf8_lossy(&buf).trim().to_owned()
}

fn failure(e: &reqwest::Error) -> Outcome {
    let mut source = e.source();
    let mut chain = vec![e.to_string()];
    while let Some(s) = source {
        if let Some(blocked) = s.downcast_ref::<TargetError>() {
            return Outcome::Blocked(blocked.clone());
        }
        chain.push(s.to_string());
        source = s.source();
    }
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    Outcome::Retry {
        status: None,
        error: format!("{what}: {}", chain.join(": ")),
        retry_after: None,
    }
}
