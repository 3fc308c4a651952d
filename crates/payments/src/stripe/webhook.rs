//! Stripe's webhook signatures (`Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…]`, an
//! HMAC-SHA256 under the endpoint's secret over `<t>.<raw body>`) and the events the app acts on.

use aftercart_app::payments::provider::{ProviderEvent, WebhookError};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::wire::{Event, PaymentIntent};

/// Events about a PaymentIntent reaching a state the app records. `payment_intent.created`,
/// `requires_action` and the `charge.*` family (refunds, disputes) say nothing the app acts on
/// through this port yet, so they are `Ignored`.
const CHARGE_EVENTS: [&str; 4] = [
    "payment_intent.succeeded",
    "payment_intent.processing",
    "payment_intent.payment_failed",
    "payment_intent.canceled",
];

pub(crate) fn signature(secret: &str, timestamp: i64, body: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().into()
}

pub(crate) fn verify(
    secret: &str,
    tolerance_secs: i64,
    header: Option<&str>,
    body: &[u8],
    now_unix: i64,
) -> Result<ProviderEvent, WebhookError> {
    let header = header.ok_or(WebhookError::MissingSignature)?;
    // An empty secret would make every signature forgeable by anyone.
    if secret.is_empty() {
        return Err(WebhookError::BadSignature);
    }
    let mut timestamp = None;
    let mut candidates = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => timestamp = value.parse::<i64>().ok(),
            Some(("v1", value)) => candidates.push(value),
            // `v0` (Stripe's test-mode scheme) and schemes added later are not ours to check.
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(WebhookError::BadSignature)?;
    let expected = signature(secret, timestamp, body);
    // Every candidate is compared, matching or not, so the time taken says nothing about which.
    let matched = candidates
        .iter()
        .filter_map(|hex_signature| hex::decode(hex_signature).ok())
        .fold(subtle::Choice::from(0), |acc, candidate| {
            acc | candidate.as_slice().ct_eq(&expected)
        });
    if !bool::from(matched) {
        return Err(WebhookError::BadSignature);
    }
    // Checked after the signature: only Stripe learns that its delivery came too late or early.
    if now_unix.abs_diff(timestamp) > tolerance_secs.max(0).unsigned_abs() {
        return Err(WebhookError::Stale);
    }

    let event: Event =
        serde_json::from_slice(body).map_err(|e| WebhookError::Ignored(format!("unreadable event: {e}")))?;
    if !CHARGE_EVENTS.contains(&event.kind.as_str()) {
        return Err(WebhookError::Ignored(event.kind));
    }
    let intent: PaymentIntent = serde_json::from_value(event.data.object)
        .map_err(|e| WebhookError::Ignored(format!("{}: unreadable PaymentIntent: {e}", event.kind)))?;
    let charge = intent
        .into_charge()
        .map_err(|reason| WebhookError::Ignored(format!("{}: {reason}", event.kind)))?;
    Ok(ProviderEvent {
        event_id: event.id,
        charge,
    })
}
