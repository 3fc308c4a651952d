//! Stripe's JSON, only the fields the port needs, and their reading into the port's types.
//! Everything else in Stripe's objects is ignored, so the adapter reads both Stripe and
//! localstripe (which nests `latest_charge` as an object where Stripe sends an id) and keeps
//! reading when Stripe adds fields.

use std::collections::BTreeMap;

use aftercart_app::payments::provider::{Charge, ChargeStatus, MethodKind, SavedMethod};
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
pub(crate) struct Customer {
    pub id: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct PaymentIntent {
    pub id: String,
    pub status: String,
    pub amount: i64,
    #[serde(default)]
    pub metadata: Option<BTreeMap<String, Value>>,
    #[serde(default)]
    pub last_payment_error: Option<PaymentError>,
    #[serde(default)]
    pub cancellation_reason: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct PaymentError {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub decline_code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct PaymentMethod {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub card: Option<CardDetails>,
    #[serde(default)]
    pub us_bank_account: Option<BankDetails>,
    #[serde(default)]
    pub sepa_debit: Option<BankDetails>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct CardDetails {
    #[serde(default)]
    pub brand: Option<String>,
    #[serde(default)]
    pub last4: Option<String>,
    #[serde(default)]
    pub exp_month: Option<u8>,
    #[serde(default)]
    pub exp_year: Option<u16>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct BankDetails {
    /// Stripe names the bank for ACH accounts only; SEPA accounts carry a bank code instead.
    #[serde(default)]
    pub bank_name: Option<String>,
    #[serde(default)]
    pub last4: Option<String>,
}

/// `{"error": {...}}`, Stripe's body for every non-2xx answer.
#[derive(Debug, Deserialize)]
pub(crate) struct ErrorBody {
    pub error: ApiError,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ApiError {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub decline_code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    /// Stripe includes the intent a declined confirmation left behind; localstripe does not.
    #[serde(default)]
    pub payment_intent: Option<Value>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Event {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub data: EventData,
}

#[derive(Debug, Deserialize)]
pub(crate) struct EventData {
    pub object: Value,
}

/// Method types the adapter can describe and charge.
pub(crate) const CHARGEABLE_TYPES: [&str; 3] = ["card", "us_bank_account", "sepa_debit"];

/// Sorted by key: Stripe's metadata is a JSON object with no promised order, and a stable
/// order lets callers compare what they sent with what came back.
pub(crate) fn metadata_pairs(metadata: Option<BTreeMap<String, Value>>) -> Vec<(String, String)> {
    metadata
        .unwrap_or_default()
        .into_iter()
        .map(|(key, value)| match value {
            Value::String(text) => (key, text),
            // Stripe's metadata values are strings; anything else is kept as its JSON text.
            other => (key, other.to_string()),
        })
        .collect()
}

impl PaymentIntent {
    /// The port's view of the intent; `Err` names a status Aftercart never puts an intent in
    /// (it always confirms on creation and captures automatically).
    pub(crate) fn into_charge(self) -> Result<Charge, String> {
        let status = match self.status.as_str() {
            "succeeded" => ChargeStatus::Succeeded,
            "processing" => ChargeStatus::Processing,
            "requires_action" => ChargeStatus::RequiresAction,
            "requires_payment_method" => {
                let error = self.last_payment_error.unwrap_or_default();
                ChargeStatus::Failed {
                    code: error
                        .code
                        .or(error.decline_code)
                        .unwrap_or_else(|| "requires_payment_method".to_owned()),
                    message: error
                        .message
                        .unwrap_or_else(|| "The payment needs another payment method.".to_owned()),
                }
            }
            "canceled" => ChargeStatus::Failed {
                code: "canceled".to_owned(),
                message: match self.cancellation_reason {
                    Some(reason) => format!("The payment was canceled ({reason})."),
                    None => "The payment was canceled.".to_owned(),
                },
            },
            other => return Err(format!("PaymentIntent {} is in status {other:?}", self.id)),
        };
        Ok(Charge {
            provider_id: self.id,
            status,
            amount_minor: self.amount,
            metadata: metadata_pairs(self.metadata),
        })
    }
}

impl PaymentMethod {
    /// `Err` for method types the port cannot describe (Link, PayPal…).
    pub(crate) fn into_saved(self) -> Result<SavedMethod, String> {
        let (kind, label, last4, expires) = match (self.kind.as_str(), self.card, self.us_bank_account, self.sepa_debit)
        {
            ("card", Some(card), _, _) => (
                MethodKind::Card,
                card.brand.unwrap_or_else(|| "Card".to_owned()),
                card.last4,
                card.exp_month.zip(card.exp_year),
            ),
            ("us_bank_account", _, Some(bank), _) | ("sepa_debit", _, _, Some(bank)) => (
                MethodKind::BankDebit,
                bank.bank_name.unwrap_or_else(|| "Bank account".to_owned()),
                bank.last4,
                None,
            ),
            (other, ..) => return Err(format!("payment method {} has type {other:?}", self.id)),
        };
        Ok(SavedMethod {
            provider_id: self.id,
            kind,
            label,
            last4: last4.unwrap_or_default(),
            expires,
        })
    }
}
