//! Against a capture server standing in for Stripe: what the adapter sends (localstripe ignores
//! idempotency keys and cannot do ACH) and how it reads the failures localstripe never gives.

use std::time::Duration;

use aftercart_app::payments::provider::{ChargeStatus, MethodKind, PaymentProvider, ProviderError};
use aftercart_payments::{STRIPE_VERSION, SetupError, Stripe, StripeConfig};
use serde_json::json;

use crate::support::{Recorded, Server, request};

const KEY: &str = "sk_test_capture";

fn stripe_at(server: &Server) -> Stripe {
    Stripe::new(StripeConfig {
        api_base: format!("{}/", server.url),
        ..StripeConfig::new(KEY, "whsec_capture")
    })
    .expect("config")
}

fn card_method(id: &str) -> String {
    json!({
        "id": id, "object": "payment_method", "type": "card", "customer": "cus_capture",
        "card": { "brand": "mastercard", "last4": "4444", "exp_month": 3, "exp_year": 2031 },
    })
    .to_string()
}

fn intent(id: &str, status: &str, amount: i64) -> String {
    json!({
        "id": id, "object": "payment_intent", "status": status, "amount": amount, "currency": "usd",
        "metadata": { "payment_attempt": "pa_1" }, "latest_charge": "ch_1",
    })
    .to_string()
}

fn stripe_error(kind: &str, code: &str, message: &str) -> String {
    json!({ "error": { "type": kind, "code": code, "message": message } }).to_string()
}

/// Answers a method lookup with a card, and a PaymentIntent as `intent_answer` says.
fn stripe_like(intent_answer: fn(&Recorded) -> (u16, String)) -> impl Fn(&Recorded) -> Option<(u16, String)> {
    move |request: &Recorded| match (request.method.as_str(), request.path.as_str()) {
        ("GET", path) if path.starts_with("/v1/payment_methods/") => {
            Some((200, card_method(path.trim_start_matches("/v1/payment_methods/"))))
        }
        ("POST", "/v1/payment_intents") => Some(intent_answer(request)),
        _ => Some((
            404,
            stripe_error("invalid_request_error", "resource_missing", "No such route"),
        )),
    }
}

#[tokio::test]
async fn a_charge_sends_its_idempotency_key_and_the_same_one_on_a_retry() {
    let mut server = Server::start(stripe_like(|_| (200, intent("pi_1", "succeeded", 12_345)))).await;
    let stripe = stripe_at(&server);
    let mut req = request("cus_capture", "pm_capture", 12_345, "USD");
    req.off_session = true;

    let first = stripe.charge(&req).await.expect("charged");
    let retried = stripe.charge(&req).await.expect("charged again");
    assert_eq!(first, retried);
    assert_eq!(
        (first.provider_id.as_str(), first.status.clone()),
        ("pi_1", ChargeStatus::Succeeded)
    );
    assert_eq!(first.metadata, vec![("payment_attempt".to_owned(), "pa_1".to_owned())]);

    let seen = server.drain();
    let paths: Vec<_> = seen.iter().map(|r| format!("{} {}", r.method, r.path)).collect();
    assert_eq!(
        paths,
        ["GET /v1/payment_methods/pm_capture", "POST /v1/payment_intents"].repeat(2),
        "the trailing / of api_base is dropped"
    );
    let posts: Vec<_> = seen.iter().filter(|r| r.method == "POST").collect();
    for post in &posts {
        assert_eq!(post.header("idempotency-key"), Some(req.idempotency_key.as_str()));
        assert_eq!(post.header("authorization"), Some("Bearer sk_test_capture"));
        assert_eq!(post.header("stripe-version"), Some(STRIPE_VERSION));
        assert_eq!(post.header("content-type"), Some("application/x-www-form-urlencoded"));
    }
    assert_eq!(posts[0].body, posts[1].body, "a retry sends the same charge");
    let form = posts[0].form();
    let field = |name: &str| {
        form.iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(field("amount"), ["12345"]);
    assert_eq!(field("currency"), ["usd"]);
    assert_eq!(field("customer"), ["cus_capture"]);
    assert_eq!(field("payment_method"), ["pm_capture"]);
    assert_eq!(field("payment_method_types[]"), ["card"]);
    assert_eq!(field("confirm"), ["true"]);
    assert_eq!(field("off_session"), ["true"]);
    assert_eq!(field("description"), ["Invoice INV-2041"]);
    for (key, value) in &req.metadata {
        assert_eq!(field(&format!("metadata[{key}]")), [value.as_str()]);
    }
    assert_eq!(form.len(), 8 + req.metadata.len(), "{form:?}");
    // Reads and the method lookup carry no key: they change nothing.
    assert!(
        seen.iter()
            .filter(|r| r.method == "GET")
            .all(|r| r.header("idempotency-key").is_none())
    );

    // Another payment attempt, another key; not off session, not described.
    let mut other = request("cus_capture", "pm_capture", 12_345, "USD");
    other.description.clear();
    stripe.charge(&other).await.expect("charged");
    let post = server.drain().into_iter().find(|r| r.method == "POST").expect("posted");
    assert_eq!(post.header("idempotency-key"), Some(other.idempotency_key.as_str()));
    assert_ne!(other.idempotency_key, req.idempotency_key);
    assert!(
        post.form()
            .iter()
            .all(|(name, _)| name != "off_session" && name != "description"),
        "{}",
        post.text()
    );
}

#[tokio::test]
async fn stripe_failures_become_port_errors() {
    let server = Server::start(stripe_like(|request| match request.header("idempotency-key") {
        Some("http-500") => (
            500,
            stripe_error("api_error", "", "Something went wrong on Stripe's end."),
        ),
        Some("http-503") => (503, "<html>upstream down</html>".to_owned()),
        Some("http-429") => (
            429,
            stripe_error("invalid_request_error", "rate_limit", "Too many requests"),
        ),
        Some("http-409") => (
            409,
            stripe_error("idempotency_error", "", "Another request is in flight"),
        ),
        Some("http-400") => (
            400,
            stripe_error(
                "invalid_request_error",
                "amount_too_small",
                "Amount must be at least $0.50 usd",
            ),
        ),
        Some("http-401") => (
            401,
            json!({ "error": { "message": "Invalid API Key provided" } }).to_string(),
        ),
        Some("http-200-garbage") => (200, "{\"id\": 5}".to_owned()),
        Some("http-200-manual") => (200, intent("pi_2", "requires_capture", 100)),
        _ => (200, intent("pi_3", "requires_action", 100)),
    }))
    .await;
    let stripe = &stripe_at(&server);
    let charge = move |key: &'static str| {
        let mut req = request("cus_capture", "pm_capture", 100, "USD");
        req.idempotency_key = key.to_owned();
        async move { stripe.charge(&req).await }
    };
    let unavailable = |result: Result<_, ProviderError>| match result {
        Err(ProviderError::Unavailable(message)) => message,
        other => panic!("expected Unavailable, got {other:?}"),
    };
    assert!(unavailable(charge("http-500").await).contains("HTTP 500: Something went wrong"));
    assert!(unavailable(charge("http-503").await).contains("HTTP 503"));
    assert!(unavailable(charge("http-429").await).contains("HTTP 429: Too many requests"));
    assert!(unavailable(charge("http-409").await).contains("HTTP 409"));
    assert!(unavailable(charge("http-200-garbage").await).contains("unreadable PaymentIntent"));
    let refused = |code: &str, message: &str| {
        Err(ProviderError::Refused {
            code: code.to_owned(),
            message: message.to_owned(),
        })
    };
    assert_eq!(
        charge("http-400").await,
        refused("amount_too_small", "Amount must be at least $0.50 usd")
    );
    assert_eq!(
        charge("http-401").await,
        refused("http_401", "Invalid API Key provided")
    );
    match charge("http-200-manual").await {
        Err(ProviderError::Refused { code, message }) => {
            assert_eq!(code, "unexpected_status");
            assert!(message.contains("requires_capture"), "{message}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(charge("3ds").await.map(|c| c.status), Ok(ChargeStatus::RequiresAction));
}

#[tokio::test]
async fn a_decline_from_stripe_carries_its_intent() {
    let server = Server::start(stripe_like(|_| {
        let body = json!({ "error": {
            "type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds",
            "message": "Your card has insufficient funds.",
            "payment_intent": {
                "id": "pi_declined", "object": "payment_intent", "status": "requires_payment_method",
                "amount": 12_345, "metadata": { "payment_attempt": "pa_7" },
                "last_payment_error": { "code": "card_declined", "decline_code": "insufficient_funds" },
            },
        }});
        (402, body.to_string())
    }))
    .await;
    let charge = stripe_at(&server)
        .charge(&request("cus_capture", "pm_capture", 12_345, "USD"))
        .await
        .expect("Ok");
    assert_eq!(charge.provider_id, "pi_declined");
    assert_eq!(
        charge.status,
        ChargeStatus::Failed {
            code: "card_declined".to_owned(),
            message: "Your card has insufficient funds.".to_owned()
        }
    );
    assert_eq!(
        (charge.amount_minor, charge.metadata),
        (12_345, vec![("payment_attempt".to_owned(), "pa_7".to_owned())])
    );
}

#[tokio::test]
async fn an_ach_account_is_a_bank_debit_charged_as_us_bank_account() {
    let mut server = Server::start(|request: &Recorded| {
        let method = json!({
            "id": "pm_ach", "object": "payment_method", "type": "us_bank_account",
            "us_bank_account": { "bank_name": "STRIPE TEST BANK", "last4": "6789", "account_type": "checking" },
        });
        Some(match request.path.as_str() {
            "/v1/payment_intents" => (200, intent("pi_ach", "processing", 50_000)),
            _ => (200, method.to_string()),
        })
    })
    .await;
    let stripe = stripe_at(&server);
    let saved = stripe.attach_method("cus_capture", "pm_ach").await.expect("attached");
    assert_eq!(
        (saved.kind, saved.label.as_str(), saved.last4.as_str(), saved.expires),
        (MethodKind::BankDebit, "STRIPE TEST BANK", "6789", None)
    );
    let attach = server.drain().pop().expect("one request");
    assert_eq!(
        (attach.method.as_str(), attach.path.as_str()),
        ("POST", "/v1/payment_methods/pm_ach/attach")
    );
    assert_eq!(attach.form(), [("customer".to_owned(), "cus_capture".to_owned())]);

    let charge = stripe
        .charge(&request("cus_capture", "pm_ach", 50_000, "USD"))
        .await
        .expect("charged");
    assert_eq!(charge.status, ChargeStatus::Processing);
    let post = server.drain().into_iter().find(|r| r.method == "POST").expect("posted");
    assert!(
        post.form()
            .contains(&("payment_method_types[]".to_owned(), "us_bank_account".to_owned()))
    );
}

#[tokio::test]
async fn methods_the_port_cannot_describe_are_refused_and_let_go() {
    let mut server = Server::start(|request: &Recorded| {
        let paypal = json!({ "id": "pm_pp", "object": "payment_method", "type": "paypal", "paypal": {} });
        Some((
            200,
            if request.path == "/v1/payment_intents" {
                intent("pi_x", "succeeded", 1)
            } else {
                paypal.to_string()
            },
        ))
    })
    .await;
    let stripe = stripe_at(&server);
    let unsupported = |result: Result<_, ProviderError>| match result {
        Err(ProviderError::Refused { code, .. }) => assert_eq!(code, "unsupported_method_type"),
        other => panic!("expected a refusal, got {other:?}"),
    };
    unsupported(stripe.attach_method("cus_capture", "pm_pp").await.map(drop));
    let paths: Vec<_> = server
        .drain()
        .into_iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        paths,
        [
            "POST /v1/payment_methods/pm_pp/attach",
            "POST /v1/payment_methods/pm_pp/detach"
        ]
    );

    unsupported(
        stripe
            .charge(&request("cus_capture", "pm_pp", 100, "USD"))
            .await
            .map(drop),
    );
    let paths: Vec<_> = server
        .drain()
        .into_iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(paths, ["GET /v1/payment_methods/pm_pp"], "no charge is attempted");
}

#[tokio::test]
async fn ids_that_would_change_the_url_never_leave() {
    let mut server = Server::start(|_| Some((200, "{}".to_owned()))).await;
    let stripe = stripe_at(&server);
    let invalid = |result: Result<(), ProviderError>| match result {
        Err(ProviderError::Refused { code, .. }) => assert_eq!(code, "invalid_id"),
        other => panic!("expected a refusal, got {other:?}"),
    };
    invalid(stripe.retrieve("pi_1/../../v1/customers").await.map(drop));
    invalid(stripe.retrieve("").await.map(drop));
    invalid(stripe.detach_method("pm_1/attach").await);
    invalid(stripe.attach_method("cus_1?customer=cus_2", "pm_1").await.map(drop));
    invalid(stripe.attach_method("cus_1", "pm_1#").await.map(drop));
    invalid(
        stripe
            .charge(&request("cus_1", "pm_1%2F..", 100, "USD"))
            .await
            .map(drop),
    );
    let mut bracketed = request("cus_1", "pm_1", 100, "USD");
    bracketed.metadata.push(("a][b".to_owned(), "x".to_owned()));
    let outcome = stripe.charge(&bracketed).await;
    assert!(
        matches!(&outcome, Err(ProviderError::Refused { code, .. }) if code == "invalid_metadata"),
        "{outcome:?}"
    );
    let mut keyless = request("cus_1", "pm_1", 100, "USD");
    keyless.idempotency_key.clear();
    let outcome = stripe.charge(&keyless).await;
    assert!(matches!(&outcome, Err(ProviderError::Refused { code, .. }) if code == "invalid_idempotency_key"));
    let sent = server.drain();
    assert!(sent.is_empty(), "{sent:?}");
}

#[tokio::test]
async fn timeouts_and_refused_connections_are_unavailable() {
    let mut hung = Server::start(|_| None).await;
    let config = StripeConfig {
        api_base: hung.url.clone(),
        timeout: Duration::from_millis(300),
        ..StripeConfig::new(KEY, "whsec_capture")
    };
    let started = std::time::Instant::now();
    match Stripe::new(config).expect("config").retrieve("pi_1").await {
        Err(ProviderError::Unavailable(message)) => assert!(message.contains("timed out"), "{message}"),
        other => panic!("expected Unavailable, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(hung.drain().len(), 1, "the request did reach the server");

    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("bound").port()
    };
    let config = StripeConfig {
        api_base: format!("http://127.0.0.1:{port}"),
        ..StripeConfig::new(KEY, "")
    };
    match Stripe::new(config)
        .expect("config")
        .create_customer("ACC-1", "Nobody")
        .await
    {
        Err(ProviderError::Unavailable(message)) => assert!(message.contains("could not connect"), "{message}"),
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

#[test]
fn configuration_is_checked_and_its_secrets_stay_out_of_debug() {
    assert!(matches!(
        Stripe::new(StripeConfig::new("", "whsec_x")),
        Err(SetupError::MissingSecretKey)
    ));
    let ftp = StripeConfig {
        api_base: "ftp://api.stripe.com".to_owned(),
        ..StripeConfig::new("sk_live_x", "")
    };
    assert!(matches!(Stripe::new(ftp), Err(SetupError::BadApiBase(_))));
    let config = StripeConfig::new("sk_live_verysecret", "whsec_alsosecret");
    let shown = format!("{config:?} {:?}", Stripe::new(config.clone()).expect("config"));
    assert!(
        !shown.contains("verysecret") && !shown.contains("alsosecret"),
        "{shown}"
    );
    assert!(shown.contains("https://api.stripe.com"), "{shown}");
    assert_eq!(Stripe::new(config).expect("config").name(), "stripe");
}
