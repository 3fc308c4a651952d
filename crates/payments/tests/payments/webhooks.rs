//! Webhooks: the real signed posts localstripe sends to a listener of the test's, then what
//! `verify_webhook` makes of forged, stale and foreign ones.

use std::time::{Duration, Instant};

use aftercart_app::payments::provider::{ChargeStatus, PaymentProvider, ProviderEvent, WebhookError};
use aftercart_payments::{Stripe, StripeConfig, testing};
use serde_json::json;

use crate::bank_debit::{FAILING_IBAN, GOOD_IBAN, sepa_charge};
use crate::support::{self, Recorded, Server, WEBHOOK_SECRET, now_unix};

/// One fixed id: each run replaces the last run's registration instead of adding to them.
const HOOK_ID: &str = "aftercart-payments-tests";

fn signature_of(post: &Recorded) -> &str {
    post.header("stripe-signature").expect("localstripe signs every post")
}

fn timestamp_of(signature: &str) -> i64 {
    signature
        .split(',')
        .find_map(|part| part.strip_prefix("t="))
        .and_then(|t| t.parse().ok())
        .expect("a t= part")
}

#[tokio::test]
async fn signed_webhooks_from_localstripe() {
    let stripe = support::localstripe().await;
    let base = testing::base_url();
    let mut receiver = Server::start(|_| Some((200, "{}".to_owned()))).await;
    let events = [
        "payment_intent.succeeded",
        "payment_intent.payment_failed",
        "customer.created",
    ];
    testing::register_webhook(
        &base,
        HOOK_ID,
        &format!("{}/webhooks/stripe", receiver.url),
        WEBHOOK_SECRET,
        &events,
    )
    .await;

    let customer = stripe
        .create_customer("ACC-3001", "Wide World Importers")
        .await
        .expect("customer");
    let succeeded = sepa_charge(&stripe, GOOD_IBAN, 7_700).await;
    let failed = sepa_charge(&stripe, FAILING_IBAN, 8_800).await;
    assert_eq!(failed.status, ChargeStatus::Processing);

    // Every registered endpoint gets every event, so posts about other tests' objects arrive
    // too; only posts naming this test's objects count. One of those that does not verify is
    // kept aside rather than failing the test: it can only be an endpoint another suite left
    // registered at a port this listener now has, signed with that suite's secret.
    let (mut on_success, mut on_failure, mut on_customer, mut unverified) = (None, None, None, Vec::new());
    let deadline = Instant::now() + Duration::from_secs(15);
    while on_success.is_none() || on_failure.is_none() || on_customer.is_none() {
        let left = deadline.saturating_duration_since(Instant::now());
        let Some(post) = receiver.next(left).await else {
            panic!(
                "webhooks missing after 15 s: succeeded {}, failed {}, customer {}; unverified: {unverified:?}",
                on_success.is_some(),
                on_failure.is_some(),
                on_customer.is_some()
            );
        };
        assert_eq!((post.method.as_str(), post.path.as_str()), ("POST", "/webhooks/stripe"));
        let text = post.text();
        let verified = stripe.verify_webhook(post.header("stripe-signature"), &post.body, now_unix());
        let slot = if text.contains(&succeeded.provider_id) {
            &mut on_success
        } else if text.contains(&failed.provider_id) {
            &mut on_failure
        } else if text.contains(&customer) {
            &mut on_customer
        } else {
            continue;
        };
        match verified {
            Err(WebhookError::BadSignature) => unverified.push(text),
            verified => *slot = Some((post, verified)),
        }
    }
    testing::unregister_webhook(&base, HOOK_ID).await;

    let (success_post, success) = on_success.expect("seen");
    let success = success.expect("the succeeded event verifies");
    assert!(success.event_id.starts_with("evt_"), "{success:?}");
    assert_eq!(success.charge, succeeded);

    let (_, failure) = on_failure.expect("seen");
    let failure = failure.expect("the failed event verifies");
    assert_ne!(failure.event_id, success.event_id);
    assert_eq!(failure.charge.provider_id, failed.provider_id);
    assert_eq!(
        failure.charge.status,
        ChargeStatus::Failed {
            code: "card_declined".to_owned(),
            message: "Your card was declined.".to_owned()
        }
    );
    assert_eq!(
        (failure.charge.amount_minor, &failure.charge.metadata),
        (8_800, &failed.metadata)
    );

    let (_, about_customer) = on_customer.expect("seen");
    assert_eq!(
        about_customer,
        Err(WebhookError::Ignored("customer.created".to_owned()))
    );

    // The real post, altered.
    let (body, signature) = (&success_post.body, signature_of(&success_post));
    let t = timestamp_of(signature);
    let verify = |signature: Option<&str>, body: &[u8], now: i64| stripe.verify_webhook(signature, body, now);
    assert_eq!(
        verify(Some(signature), body, t).as_ref().map(|e| &e.charge),
        Ok(&succeeded)
    );
    let tampered = String::from_utf8(body.clone())
        .expect("UTF-8")
        .replacen("7700", "7701", 1);
    assert_ne!(tampered.as_bytes(), body.as_slice(), "the body names its amount");
    assert_eq!(
        verify(Some(signature), tampered.as_bytes(), t),
        Err(WebhookError::BadSignature)
    );
    assert_eq!(verify(None, body, t), Err(WebhookError::MissingSignature));
    let elsewhere = Stripe::new(StripeConfig::localstripe(
        &base,
        testing::SECRET_KEY,
        "whsec_someone_else",
    ))
    .expect("config");
    assert_eq!(
        elsewhere.verify_webhook(Some(signature), body, t),
        Err(WebhookError::BadSignature)
    );

    // The tolerance, both ways, to the second.
    assert!(verify(Some(signature), body, t + 300).is_ok());
    assert!(verify(Some(signature), body, t - 300).is_ok());
    assert_eq!(verify(Some(signature), body, t + 301), Err(WebhookError::Stale));
    assert_eq!(verify(Some(signature), body, t - 301), Err(WebhookError::Stale));

    // Several signatures (Stripe sends one per live secret while one is rolled): any may match;
    // other schemes are not read.
    let real = signature
        .split(',')
        .find_map(|part| part.strip_prefix("v1="))
        .expect("a v1= part");
    let mut wrong = real.to_owned();
    let flipped = if wrong.ends_with('0') { "1" } else { "0" };
    wrong.replace_range(wrong.len() - 1.., flipped);
    let header = format!("t={t},v0=00ff,v1={wrong},v1=zz,v1={real}");
    assert!(verify(Some(&header), body, t).is_ok(), "{header}");
    assert_eq!(
        verify(Some(&format!("t={t},v1={wrong}")), body, t),
        Err(WebhookError::BadSignature)
    );
    assert_eq!(
        verify(Some(&format!("t={t},v0={real}")), body, t),
        Err(WebhookError::BadSignature)
    );
    assert_eq!(
        verify(Some(&format!("v1={real}")), body, t),
        Err(WebhookError::BadSignature)
    );
    assert_eq!(
        verify(Some(&format!("t={},v1={real}", t + 1)), body, t),
        Err(WebhookError::BadSignature)
    );
}

fn event(kind: &str, object: serde_json::Value) -> Vec<u8> {
    json!({ "id": "evt_synthetic", "object": "event", "type": kind, "data": { "object": object } })
        .to_string()
        .into_bytes()
}

fn intent(status: &str) -> serde_json::Value {
    json!({
        "id": "pi_synthetic", "object": "payment_intent", "status": status, "amount": 2_500,
        "metadata": { "payment_attempt": "pa_9", "account_number": "ACC-9" },
        "latest_charge": "ch_synthetic", "cancellation_reason": "abandoned",
    })
}

/// Events localstripe never sends, signed here as Stripe signs.
#[tokio::test]
async fn events_localstripe_does_not_send() {
    let stripe = Stripe::new(StripeConfig::new("sk_test_unused", WEBHOOK_SECRET)).expect("config");
    let now = now_unix();
    let verify =
        |body: &[u8]| stripe.verify_webhook(Some(&testing::sign_webhook(WEBHOOK_SECRET, now, body)), body, now);
    let metadata = vec![
        ("account_number".to_owned(), "ACC-9".to_owned()),
        ("payment_attempt".to_owned(), "pa_9".to_owned()),
    ];

    let canceled = verify(&event("payment_intent.canceled", intent("canceled"))).expect("read");
    assert_eq!(canceled.event_id, "evt_synthetic");
    assert_eq!(
        canceled.charge.status,
        ChargeStatus::Failed {
            code: "canceled".to_owned(),
            message: "The payment was canceled (abandoned).".to_owned()
        }
    );
    assert_eq!(
        (canceled.charge.amount_minor, &canceled.charge.metadata),
        (2_500, &metadata)
    );
    let processing = verify(&event("payment_intent.processing", intent("processing"))).map(|e: ProviderEvent| e.charge);
    assert_eq!(processing.map(|c| c.status), Ok(ChargeStatus::Processing));

    for (kind, object) in [
        ("payment_intent.requires_action", intent("requires_action")),
        ("charge.refunded", json!({ "id": "ch_synthetic", "object": "charge" })),
        ("charge.failed", json!({ "id": "ch_synthetic", "object": "charge" })),
    ] {
        assert_eq!(
            verify(&event(kind, object)),
            Err(WebhookError::Ignored(kind.to_owned()))
        );
    }
    match verify(&event("payment_intent.succeeded", intent("requires_capture"))) {
        Err(WebhookError::Ignored(reason)) => assert!(reason.contains("requires_capture"), "{reason}"),
        other => panic!("expected Ignored, got {other:?}"),
    }
    match verify(&event("payment_intent.succeeded", json!({ "id": "pi_x" }))) {
        Err(WebhookError::Ignored(reason)) => assert!(reason.contains("unreadable PaymentIntent"), "{reason}"),
        other => panic!("expected Ignored, got {other:?}"),
    }
    match verify(b"not json") {
        Err(WebhookError::Ignored(reason)) => assert!(reason.starts_with("unreadable event"), "{reason}"),
        other => panic!("expected Ignored, got {other:?}"),
    }

    let body = event("payment_intent.succeeded", intent("succeeded"));
    let old = testing::sign_webhook(WEBHOOK_SECRET, now - 1_000, &body);
    assert_eq!(stripe.verify_webhook(Some(&old), &body, now), Err(WebhookError::Stale));

    // With no secret configured anyone could sign: nothing is accepted.
    let unconfigured = Stripe::new(StripeConfig::new("sk_test_unused", "")).expect("config");
    let signed_with_nothing = testing::sign_webhook("", now, &body);
    assert_eq!(
        unconfigured.verify_webhook(Some(&signed_with_nothing), &body, now),
        Err(WebhookError::BadSignature)
    );
}
