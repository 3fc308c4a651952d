//! One HTTP exchange with Stripe's API, and what its failures mean for the port.

use std::time::Duration;

use aftercart_app::payments::provider::ProviderError;
use reqwest::Method;
use serde::de::DeserializeOwned;

use super::wire::{ApiError, ErrorBody};

/// The API version every request is read with. Pinned so an account's default version changing
/// in Stripe's dashboard cannot change the JSON the adapter reads. Webhook payloads follow the
/// endpoint's own version, so the endpoint should be created with this one too.
pub const STRIPE_VERSION: &str = "2024-06-20";

pub(crate) struct Client {
    http: reqwest::Client,
    base: String,
    secret_key: String,
}

/// A completed exchange, whatever its status.
pub(crate) struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Client {
    pub(crate) fn new(base: String, secret_key: String, timeout: Duration) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("aftercart-payments/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { http, base, secret_key })
    }

    pub(crate) async fn send(
        &self,
        method: Method,
        path: &str,
        form: &[(String, String)],
        idempotency_key: Option<&str>,
    ) -> Result<Reply, ProviderError> {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.base))
            .bearer_auth(&self.secret_key)
            .header("Stripe-Version", STRIPE_VERSION);
        if method != Method::GET {
            request = request.form(form);
        }
        if let Some(key) = idempotency_key {
            request = request.header("Idempotency-Key", key);
        }
        let response = request.send().await.map_err(transport_error)?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(transport_error)?.to_vec();
        tracing::debug!(%method, path, status, "stripe request");
        Ok(Reply { status, body })
    }
}

/// Timeouts, refused connections, resets: the request may or may not have reached Stripe, so
/// the caller retries (with the same idempotency key for a charge).
fn transport_error(error: reqwest::Error) -> ProviderError {
    // `without_url`: the message is kept with the payment attempt, where Stripe's address and
    // the ids in the path add nothing.
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    ProviderError::Unavailable(format!("Stripe {kind}: {}", error.without_url()))
}

impl Reply {
    pub(crate) fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Stripe's error object, or an empty one when the body is not Stripe's (a proxy's page).
    pub(crate) fn api_error(&self) -> ApiError {
        serde_json::from_slice::<ErrorBody>(&self.body)
            .map(|body| body.error)
            .unwrap_or_default()
    }

    /// The 2xx body read as `T`, or the error the status means.
    pub(crate) fn parse<T: DeserializeOwned>(&self, what: &str) -> Result<T, ProviderError> {
        if !self.is_success() {
            return Err(self.error());
        }
        // A 2xx Stripe body that does not read is Stripe's or this adapter's fault, never the
        // request's; retrying is harmless (idempotency keys replay the same answer).
        serde_json::from_slice(&self.body)
            .map_err(|e| ProviderError::Unavailable(format!("unreadable {what} from Stripe: {e}")))
    }

    /// What a non-2xx answer means. 409 is another request with the same idempotency key still
    /// running (a key reused with other parameters is a 400), so it is worth retrying.
    pub(crate) fn error(&self) -> ProviderError {
        let error = self.api_error();
        let message = error.message.clone().unwrap_or_else(|| format!("HTTP {}", self.status));
        match self.status {
            409 | 429 | 500..=599 => {
                ProviderError::Unavailable(format!("Stripe answered HTTP {}: {message}", self.status))
            }
            status => {
                let code = error
                    .code
                    .or(error.decline_code)
                    // Stripe says `resource_missing` for every 404; localstripe sends no code.
                    .or_else(|| (status == 404).then(|| "resource_missing".to_owned()))
                    .or(error.kind)
                    .unwrap_or_else(|| format!("http_{status}"));
                ProviderError::Refused { code, message }
            }
        }
    }
}
