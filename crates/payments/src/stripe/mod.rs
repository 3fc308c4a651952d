//! The port over Stripe's API: customers, PaymentMethods attached to them, PaymentIntents created
//! and confirmed in one call, and signed webhooks for what settles later.
//!
//! The adapter does not retry: a failed call comes back as `Unavailable` and the app retries,
//! with the same idempotency key for a charge, so a charge whose answer was lost is never made
//! twice.

mod client;
mod webhook;
mod wire;

use std::fmt;
use std::time::Duration;

use aftercart_app::payments::provider::{
    Charge, ChargeRequest, ChargeStatus, PaymentProvider, ProviderError, ProviderEvent, ProviderFuture, SavedMethod,
    WebhookError,
};
use reqwest::Method;

pub use client::STRIPE_VERSION;
use client::{Client, Reply};
use wire::{CHARGEABLE_TYPES, Customer, PaymentIntent, PaymentMethod};

pub const DEFAULT_API_BASE: &str = "https://api.stripe.com";

/// How to reach one Stripe account. `Debug` leaves both secrets out.
#[derive(Clone)]
pub struct StripeConfig {
    /// Scheme, host and port, no trailing path (`https://api.stripe.com`).
    pub api_base: String,
    /// `sk_live_…` / `sk_test_…` (or a restricted `rk_…` key).
    pub secret_key: String,
    /// The webhook endpoint's signing secret (`whsec_…`). Empty refuses every webhook.
    pub webhook_secret: String,
    /// How far a webhook's signed timestamp may be from now, either way (Stripe's libraries
    /// use 300 s).
    pub tolerance_secs: i64,
    /// For one whole request, connecting included.
    pub timeout: Duration,
    /// Sends the charge's description to Stripe (shown in its dashboard and on receipts).
    /// localstripe answers 400 "Unexpected description" to a PaymentIntent that has one, so
    /// tests against it turn this off; nothing else depends on it.
    pub send_description: bool,
}

impl StripeConfig {
    /// Stripe's API with its usual tolerances.
    pub fn new(secret_key: impl Into<String>, webhook_secret: impl Into<String>) -> Self {
        Self {
            api_base: DEFAULT_API_BASE.to_owned(),
            secret_key: secret_key.into(),
            webhook_secret: webhook_secret.into(),
            tolerance_secs: 300,
            timeout: Duration::from_secs(30),
            send_description: true,
        }
    }

    /// A localstripe server at `api_base` (tests only): the parameters it refuses are not sent.
    pub fn localstripe(
        api_base: impl Into<String>,
        secret_key: impl Into<String>,
        webhook_secret: impl Into<String>,
    ) -> Self {
        Self {
            api_base: api_base.into(),
            send_description: false,
            ..Self::new(secret_key, webhook_secret)
        }
    }
}

impl fmt::Debug for StripeConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StripeConfig")
            .field("api_base", &self.api_base)
            .field("secret_key", &"<redacted>")
            .field("webhook_secret", &"<redacted>")
            .field("tolerance_secs", &self.tolerance_secs)
            .field("timeout", &self.timeout)
            .field("send_description", &self.send_description)
            .finish()
    }
}

/// Why a `Stripe` could not be built from its configuration.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("the Stripe secret key is empty")]
    MissingSecretKey,
    #[error("the Stripe API base {0:?} is not an http:// or https:// URL")]
    BadApiBase(String),
    #[error("the HTTP client could not be built: {0}")]
    HttpClient(String),
}

/// Stripe behind the payment provider port.
pub struct Stripe {
    client: Client,
    webhook_secret: String,
    tolerance_secs: i64,
    send_description: bool,
}

impl fmt::Debug for Stripe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stripe").finish_non_exhaustive()
    }
}

impl Stripe {
    pub fn new(config: StripeConfig) -> Result<Self, SetupError> {
        if config.secret_key.is_empty() {
            return Err(SetupError::MissingSecretKey);
        }
        let base = config.api_base.trim_end_matches('/').to_owned();
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            return Err(SetupError::BadApiBase(config.api_base));
        }
        let client =
            Client::new(base, config.secret_key, config.timeout).map_err(|e| SetupError::HttpClient(e.to_string()))?;
        Ok(Self {
            client,
            webhook_secret: config.webhook_secret,
            tolerance_secs: config.tolerance_secs,
            send_description: config.send_description,
        })
    }

    async fn method_type(&self, method: &str) -> Result<String, ProviderError> {
        let reply = self
            .client
            .send(Method::GET, &format!("/v1/payment_methods/{method}"), &[], None)
            .await?;
        let method: PaymentMethod = reply.parse("PaymentMethod")?;
        if CHARGEABLE_TYPES.contains(&method.kind.as_str()) {
            Ok(method.kind)
        } else {
            Err(unsupported_type(&method.id, &method.kind))
        }
    }

    async fn attach(&self, customer: &str, token: &str) -> Result<SavedMethod, ProviderError> {
        checked_id(customer, "customer")?;
        checked_id(token, "payment method")?;
        let form = [("customer".to_owned(), customer.to_owned())];
        let reply = self
            .client
            .send(
                Method::POST,
                &format!("/v1/payment_methods/{token}/attach"),
                &form,
                None,
            )
            .await?;
        let method: PaymentMethod = reply.parse("PaymentMethod")?;
        let (id, kind) = (method.id.clone(), method.kind.clone());
        match method.into_saved() {
            Ok(saved) => Ok(saved),
            Err(_) => {
                // The app will not know this method, so it must not stay on the customer. Best
                // effort: the refusal below is the answer either way.
                if let Err(error) = self.detach(&id).await {
                    tracing::warn!(method = %id, %error, "could not detach an unsupported payment method");
                }
                Err(unsupported_type(&id, &kind))
            }
        }
    }

    async fn detach(&self, method: &str) -> Result<(), ProviderError> {
        checked_id(method, "payment method")?;
        let reply = self
            .client
            .send(Method::POST, &format!("/v1/payment_methods/{method}/detach"), &[], None)
            .await?;
        reply.parse::<PaymentMethod>("PaymentMethod").map(drop)
    }

    async fn create_charge(&self, req: &ChargeRequest) -> Result<Charge, ProviderError> {
        checked_id(&req.customer, "customer")?;
        checked_id(&req.method, "payment method")?;
        if req.idempotency_key.is_empty() || req.idempotency_key.len() > 255 {
            return Err(refused(
                "invalid_idempotency_key",
                "the idempotency key must be 1 to 255 characters",
            ));
        }
        let mut form = vec![
            ("amount".to_owned(), req.amount_minor.to_string()),
            ("currency".to_owned(), req.currency.to_ascii_lowercase()),
            ("customer".to_owned(), req.customer.clone()),
            ("payment_method".to_owned(), req.method.clone()),
            ("confirm".to_owned(), "true".to_owned()),
        ];
        if req.off_session {
            form.push(("off_session".to_owned(), "true".to_owned()));
        }
        if self.send_description && !req.description.is_empty() {
            form.push(("description".to_owned(), req.description.clone()));
        }
        for (key, value) in &req.metadata {
            // Brackets would nest the key in Stripe's form syntax instead of naming it.
            if key.is_empty() || key.contains(['[', ']']) {
                return Err(refused(
                    "invalid_metadata",
                    &format!("metadata key {key:?} cannot be sent to Stripe"),
                ));
            }
            form.push((format!("metadata[{key}]"), value.clone()));
        }
        // Stripe needs the method's own type named: without `payment_method_types` an intent
        // accepts the dashboard's methods, some of which redirect, and confirming it server-side
        // then demands a `return_url`. The port's request does not say the type, so it is read
        // (localstripe accepts the parameter and ignores it).
        let method_type = self.method_type(&req.method).await?;
        form.push(("payment_method_types[]".to_owned(), method_type));
        let reply = self
            .client
            .send(Method::POST, "/v1/payment_intents", &form, Some(&req.idempotency_key))
            .await?;
        if reply.status == 402 {
            return Ok(declined(&reply, req));
        }
        let intent: PaymentIntent = reply.parse("PaymentIntent")?;
        intent
            .into_charge()
            .map_err(|reason| refused("unexpected_status", &reason))
    }
}

/// A 402 is the bank's answer, not a failed request: the charge exists and failed. Stripe puts
/// the intent in the error; localstripe does not, and then the charge has no id (empty) and
/// echoes the request's amount and metadata.
fn declined(reply: &Reply, req: &ChargeRequest) -> Charge {
    let error = reply.api_error();
    let intent = error
        .payment_intent
        .and_then(|value| serde_json::from_value::<PaymentIntent>(value).ok());
    let status = ChargeStatus::Failed {
        code: error
            .code
            .or(error.decline_code)
            .unwrap_or_else(|| "card_declined".to_owned()),
        message: error.message.unwrap_or_else(|| "The payment was declined.".to_owned()),
    };
    match intent {
        Some(intent) => Charge {
            provider_id: intent.id,
            status,
            amount_minor: intent.amount,
            metadata: wire::metadata_pairs(intent.metadata),
        },
        None => {
            let mut metadata = req.metadata.clone();
            metadata.sort();
            Charge {
                provider_id: String::new(),
                status,
                amount_minor: req.amount_minor,
                metadata,
            }
        }
    }
}

fn refused(code: &str, message: &str) -> ProviderError {
    ProviderError::Refused {
        code: code.to_owned(),
        message: message.to_owned(),
    }
}

fn unsupported_type(id: &str, kind: &str) -> ProviderError {
    refused(
        "unsupported_method_type",
        &format!("payment method {id} has type {kind:?}, which Aftercart cannot charge"),
    )
}

/// Ids go into URL paths: one with `/`, `?` or `..` (a tampered method token) would reach
/// another endpoint under our secret key. Stripe's ids are letters, digits and underscores.
fn checked_id<'a>(id: &'a str, what: &str) -> Result<&'a str, ProviderError> {
    if !id.is_empty() && id.len() <= 255 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        Ok(id)
    } else {
        Err(refused("invalid_id", &format!("{id:?} is not a Stripe {what} id")))
    }
}

impl PaymentProvider for Stripe {
    fn name(&self) -> &'static str {
        "stripe"
    }

    fn create_customer<'a>(&'a self, account_number: &'a str, name: &'a str) -> ProviderFuture<'a, String> {
        Box::pin(async move {
            let form = [
                ("name".to_owned(), name.to_owned()),
                ("metadata[account_number]".to_owned(), account_number.to_owned()),
            ];
            let reply = self.client.send(Method::POST, "/v1/customers", &form, None).await?;
            Ok(reply.parse::<Customer>("Customer")?.id)
        })
    }

    fn attach_method<'a>(&'a self, customer: &'a str, method_token: &'a str) -> ProviderFuture<'a, SavedMethod> {
        Box::pin(self.attach(customer, method_token))
    }

    fn detach_method<'a>(&'a self, method_id: &'a str) -> ProviderFuture<'a, ()> {
        Box::pin(self.detach(method_id))
    }

    fn charge<'a>(&'a self, req: &'a ChargeRequest) -> ProviderFuture<'a, Charge> {
        Box::pin(self.create_charge(req))
    }

    fn retrieve<'a>(&'a self, provider_id: &'a str) -> ProviderFuture<'a, Charge> {
        Box::pin(async move {
            checked_id(provider_id, "PaymentIntent")?;
            let reply = self
                .client
                .send(Method::GET, &format!("/v1/payment_intents/{provider_id}"), &[], None)
                .await?;
            let intent: PaymentIntent = reply.parse("PaymentIntent")?;
            intent
                .into_charge()
                .map_err(|reason| refused("unexpected_status", &reason))
        })
    }

    fn verify_webhook(
        &self,
        signature: Option<&str>,
        body: &[u8],
        now_unix: i64,
    ) -> Result<ProviderEvent, WebhookError> {
        let verified = webhook::verify(&self.webhook_secret, self.tolerance_secs, signature, body, now_unix);
        if let Err(error) = &verified {
            // The reason only: the body is the customer's payment data.
            tracing::debug!(%error, "stripe webhook not accepted");
        }
        verified
    }
}

/// Signs `body` as Stripe does, for tests that need a webhook Stripe did not send.
pub(crate) fn sign_webhook(secret: &str, timestamp: i64, body: &[u8]) -> String {
    format!(
        "t={timestamp},v1={}",
        hex::encode(webhook::signature(secret, timestamp, body))
    )
}
