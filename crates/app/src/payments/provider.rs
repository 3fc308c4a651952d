//! The payment provider port: what the app asks of a card / bank-debit processor. The app never
//! sees a card or account number — only the provider's ids for customers and saved methods — and
//! applies money only when the provider confirms it (synchronously for cards, through a signed
//! webhook for bank debits that settle days later). `aftercart-payments` implements it for
//! Stripe's API; another provider is another implementation.

use std::future::Future;
use std::pin::Pin;

pub type ProviderFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, ProviderError>> + Send + 'a>>;

/// Why a provider call failed. `Unavailable` is worth retrying (network, 5xx, 429); `Refused`
/// is the provider saying no to this request (bad method id, amount too small…).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    #[error("payment provider unavailable: {0}")]
    Unavailable(String),
    #[error("payment provider refused the request: {code}: {message}")]
    Refused { code: String, message: String },
}

/// How a saved method pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MethodKind {
    Card,
    /// ACH debit (Stripe `us_bank_account`) or SEPA debit: settles asynchronously.
    BankDebit,
}

/// A payment method as stored at the provider, described for people ("Visa •••• 4242").
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SavedMethod {
    pub provider_id: String,
    pub kind: MethodKind,
    /// Card brand or bank name, as the provider reports it.
    pub label: String,
    pub last4: String,
    /// Card expiry (month, year); none for bank accounts.
    pub expires: Option<(u8, u16)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeRequest {
    /// Sent as the provider's idempotency key: the same key never charges twice.
    pub idempotency_key: String,
    pub customer: String,
    pub method: String,
    /// In the currency's minor units.
    pub amount_minor: i64,
    /// ISO 4217, upper case (the adapter converts to the provider's spelling).
    pub currency: String,
    pub description: String,
    /// Our references (payment attempt id, account number), echoed back in webhooks.
    pub metadata: Vec<(String, String)>,
    /// Charged without the customer present (autopay).
    pub off_session: bool,
}

/// Where a charge stands at the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChargeStatus {
    Succeeded,
    /// A bank debit in flight: the outcome arrives by webhook.
    Processing,
    /// Declined or failed; `code` is the provider's (e.g. `card_declined`), `message` for people.
    Failed {
        code: String,
        message: String,
    },
    /// The customer must authenticate (3-D Secure) at the provider before it can proceed.
    RequiresAction,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charge {
    /// The provider's id for the charge (a PaymentIntent id for Stripe).
    pub provider_id: String,
    pub status: ChargeStatus,
    pub amount_minor: i64,
    pub metadata: Vec<(String, String)>,
}

/// A verified provider webhook, reduced to what the app acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderEvent {
    /// The provider's event id: an event handled once is not handled again.
    pub event_id: String,
    pub charge: Charge,
}

/// A webhook that is not from the provider, or not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("the signature header is missing")]
    MissingSignature,
    #[error("the signature does not match")]
    BadSignature,
    #[error("the signature's timestamp is outside the tolerance")]
    Stale,
    /// Signed correctly but about something the app does not act on (or not parseable).
    #[error("ignored event: {0}")]
    Ignored(String),
}

pub trait PaymentProvider: Send + Sync {
    /// A short name for logs and records (`stripe`).
    fn name(&self) -> &'static str;

    /// Creates the provider's customer for one of our accounts; returns its id.
    fn create_customer<'a>(&'a self, account_number: &'a str, name: &'a str) -> ProviderFuture<'a, String>;

    /// Attaches a method the customer tokenised at the provider (`pm_…`) to `customer`.
    fn attach_method<'a>(&'a self, customer: &'a str, method_token: &'a str) -> ProviderFuture<'a, SavedMethod>;

    fn detach_method<'a>(&'a self, method_id: &'a str) -> ProviderFuture<'a, ()>;

    /// Creates and confirms a charge in one call.
    fn charge<'a>(&'a self, req: &'a ChargeRequest) -> ProviderFuture<'a, Charge>;

    /// Reads a charge's current state (reconciles when a webhook was missed).
    fn retrieve<'a>(&'a self, provider_id: &'a str) -> ProviderFuture<'a, Charge>;

    /// Verifies a webhook's signature over the raw body and reads it. `signature` is the value
    /// of the provider's signature header (`Stripe-Signature`); `now_unix` the current time.
    fn verify_webhook(
        &self,
        signature: Option<&str>,
        body: &[u8],
        now_unix: i64,
    ) -> Result<ProviderEvent, WebhookError>;
}
