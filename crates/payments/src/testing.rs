//! Test-only helpers for suites that run against localstripe (`scripts/localstripe.sh`), this
//! crate's and the app's. They reach into what only the local server offers — raw card numbers
//! and IBANs on `POST /v1/payment_methods` (real Stripe takes those from its own page, never
//! from a server), its `/_config/` endpoints — and panic with a readable message instead of
//! returning errors, because a test can only stop there anyway.

use serde_json::{Value, json};

/// Where the suites find localstripe unless `AFTERCART_TEST_STRIPE` says otherwise.
pub const DEFAULT_BASE: &str = "http://127.0.0.1:8420";

/// localstripe takes any key that starts with `sk_`.
pub const SECRET_KEY: &str = "sk_test_aftercart";

/// `AFTERCART_TEST_STRIPE`, or [`DEFAULT_BASE`].
pub fn base_url() -> String {
    std::env::var("AFTERCART_TEST_STRIPE").unwrap_or_else(|_| DEFAULT_BASE.to_owned())
}

/// Panics unless localstripe answers at `base`, naming the script that starts it: a suite that
/// needs the server fails without it, it never skips.
pub async fn require_localstripe(base: &str) {
    let answered = reqwest::Client::new()
        .get(format!("{base}/v1/balance"))
        .bearer_auth(SECRET_KEY)
        .timeout(std::time::Duration::from_secs(5))
        .send()
        .await;
    match answered {
        Ok(response) if response.status().is_success() => {}
        Ok(response) => panic!("{base} answered HTTP {} and is not localstripe", response.status()),
        Err(error) => panic!(
            "localstripe is not answering at {base} ({error}); start it with scripts/localstripe.sh \
             (AFTERCART_TEST_STRIPE sets another address)"
        ),
    }
}

/// A card PaymentMethod (expiring 12/2030) for a test card number such as `4242424242424242`
/// (succeeds) or `4000000000000341` (attaches, then every charge is declined); returns its id.
pub async fn create_card_method(base: &str, key: &str, number: &str) -> String {
    let form = [
        ("type", "card"),
        ("card[number]", number),
        ("card[exp_month]", "12"),
        ("card[exp_year]", "2030"),
        ("card[cvc]", "123"),
    ];
    created_id(base, key, "/v1/payment_methods", &form).await
}

/// A SEPA debit PaymentMethod for `iban`; returns its id. On localstripe a debit from
/// `DE62370400440532013001` fails half a second after it is made, any other IBAN succeeds.
pub async fn create_sepa_method(base: &str, key: &str, iban: &str) -> String {
    created_id(
        base,
        key,
        "/v1/payment_methods",
        &[("type", "sepa_debit"), ("sepa_debit[iban]", iban)],
    )
    .await
}

/// Registers (or replaces, under the same `id`) a webhook endpoint at localstripe: every later
/// event whose type is in `events` (all of them when `events` is empty) is posted to `url`,
/// signed with `secret` as Stripe signs. Registrations live as long as the server, and go to
/// every endpoint registered, whichever test made the event.
pub async fn register_webhook(base: &str, id: &str, url: &str, secret: &str, events: &[&str]) {
    let mut body = json!({ "url": url, "secret": secret });
    if !events.is_empty() {
        body["events"] = json!(events);
    }
    configure_webhook(base, id, &body).await;
}

/// Stops deliveries to the endpoint registered under `id` (localstripe cannot delete one: it
/// is kept with an empty list of events).
pub async fn unregister_webhook(base: &str, id: &str) {
    configure_webhook(
        base,
        id,
        &json!({ "url": "http://127.0.0.1:9/", "secret": "unused", "events": [] }),
    )
    .await;
}

/// A `Stripe-Signature` value for `body` signed with `secret` at `timestamp`, for webhooks a
/// test writes itself.
pub fn sign_webhook(secret: &str, timestamp: i64, body: &[u8]) -> String {
    crate::stripe::sign_webhook(secret, timestamp, body)
}

// JSON, not a form: a form cannot say "no events", and localstripe reads JSON first.
async fn configure_webhook(base: &str, id: &str, body: &Value) {
    let response = reqwest::Client::new()
        .post(format!("{base}/_config/webhooks/{id}"))
        .json(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("localstripe at {base} did not answer (scripts/localstripe.sh): {e}"));
    let status = response.status();
    assert!(status.is_success(), "localstripe refused webhook {id}: HTTP {status}");
}

async fn created_id(base: &str, key: &str, path: &str, form: &[(&str, &str)]) -> String {
    let response = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .bearer_auth(key)
        .form(form)
        .send()
        .await
        .unwrap_or_else(|e| panic!("localstripe at {base} did not answer (scripts/localstripe.sh): {e}"));
    let status = response.status();
    let body: Value = response
        .json()
        .await
        .unwrap_or_else(|e| panic!("POST {path}: unreadable answer: {e}"));
    assert!(status.is_success(), "POST {path}: HTTP {status}: {body}");
    body["id"]
        .as_str()
        .unwrap_or_else(|| panic!("POST {path}: no id in {body}"))
        .to_owned()
}
