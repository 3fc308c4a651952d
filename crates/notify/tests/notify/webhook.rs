use std::path::PathBuf;
use std::time::Duration;

use aftercart_notify::webhook::{self, Outcome, Secret, TargetError, TargetPolicy, WebhookSender};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::support::{self, PyServer};

const BODY: &[u8] = br#"{"type":"order.shipped","data":{"order":"SO-1042","lines":12}}"#;

struct Receiver {
    server: PyServer,
    record: PathBuf,
    _dir: tempfile::TempDir,
}

impl Receiver {
    fn start(secrets: &[&Secret]) -> Self {
        support::python_module("standardwebhooks", "standardwebhooks==1.1.0");
        let dir = tempfile::tempdir().unwrap();
        let record = dir.path().join("requests.jsonl");
        let exposed: Vec<String> = secrets.iter().map(|s| s.expose()).collect();
        let mut args = vec!["--record".to_owned(), record.display().to_string()];
        for s in &exposed {
            args.push("--secret".into());
            args.push(s.clone());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let server = PyServer::start("webhook_receiver.py", &args);
        Self {
            server,
            record,
            _dir: dir,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.server.port)
    }

    /// Queues answers for the next requests.
    async fn script(&self, responses: Value) {
        let status = reqwest::Client::new()
            .post(self.url("/_control"))
            .json(&json!({ "responses": responses }))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 204);
    }

    fn requests(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.record)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

fn sender() -> WebhookSender {
    WebhookSender::new(TargetPolicy { allow_private: true }).unwrap()
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

#[tokio::test]
async fn a_signed_delivery_verifies_with_the_reference_implementation() {
    let secret = Secret::generate();
    let receiver = Receiver::start(&[&secret]);
    let at = now();

    let outcome = sender()
        .send(&receiver.url("/hooks"), "msg_01J0SO1042", BODY, &[secret], at)
        .await;

    assert_eq!(outcome, Outcome::Delivered { status: 204 });
    let requests = receiver.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r["verified"], json!([true]));
    assert_eq!(r["method"], "POST");
    assert_eq!(r["body"].as_str().unwrap().as_bytes(), BODY);
    assert_eq!(r["headers"]["webhook-id"], "msg_01J0SO1042");
    assert_eq!(r["headers"]["webhook-timestamp"], at.unix_timestamp().to_string());
    assert_eq!(r["headers"]["content-type"], "application/json");
    assert!(
        r["headers"]["user-agent"]
            .as_str()
            .unwrap()
            .starts_with("Aftercart-Webhooks/"),
        "{r}"
    );
    let signature = r["headers"]["webhook-signature"].as_str().unwrap();
    assert!(signature.starts_with("v1,") && !signature.contains(' '), "{signature}");
}

#[tokio::test]
async fn during_a_rotation_either_secret_verifies() {
    let old = Secret::generate();
    let new = Secret::generate();
    let unrelated = Secret::generate();
    let receiver = Receiver::start(&[&old, &new, &unrelated]);

    let both = sender()
        .send(
            &receiver.url("/hooks"),
            "msg_rot_1",
            BODY,
            &[old.clone(), new.clone()],
            now(),
        )
        .await;
    let new_only = sender()
        .send(&receiver.url("/hooks"), "msg_rot_2", BODY, &[new], now())
        .await;

    assert_eq!(both, Outcome::Delivered { status: 204 });
    assert_eq!(new_only, Outcome::Delivered { status: 204 });
    let requests = receiver.requests();
    assert_eq!(requests[0]["verified"], json!([true, true, false]));
    let signatures = requests[0]["headers"]["webhook-signature"].as_str().unwrap();
    assert_eq!(signatures.split(' ').count(), 2, "{signatures}");
    assert_eq!(requests[1]["verified"], json!([false, true, false]));
}

#[tokio::test]
async fn a_tampered_body_is_refused_by_the_receiver() {
    let secret = Secret::generate();
    let receiver = Receiver::start(&[&secret]);
    let ts = now().unix_timestamp();
    let signature = webhook::sign(std::slice::from_ref(&secret), "msg_tamper", ts, BODY);
    let tampered = br#"{"type":"order.shipped","data":{"order":"SO-1042","lines":13}}"#;

    let status = reqwest::Client::new()
        .post(receiver.url("/hooks"))
        .header("webhook-id", "msg_tamper")
        .header("webhook-timestamp", ts.to_string())
        .header("webhook-signature", &signature)
        .header("content-type", "application/json")
        .body(tampered.to_vec())
        .send()
        .await
        .unwrap()
        .status();

    assert_eq!(status, 400);
    assert_eq!(receiver.requests()[0]["verified"], json!([false]));
    // Our own verifier agrees with the reference, both ways.
    let secrets = [secret];
    assert!(webhook::verify(&secrets, "msg_tamper", ts, tampered, &signature, ts).is_err());
    assert!(webhook::verify(&secrets, "msg_tamper", ts, BODY, &signature, ts).is_ok());
}

#[tokio::test]
async fn a_wrong_secret_is_rejected_with_the_receivers_status() {
    let receiver = Receiver::start(&[&Secret::generate()]);
    let outcome = sender()
        .send(&receiver.url("/hooks"), "msg_wrong", BODY, &[Secret::generate()], now())
        .await;
    assert!(matches!(outcome, Outcome::Rejected { status: 400, .. }), "{outcome:?}");
}

#[tokio::test]
async fn a_redirect_is_a_failure_and_is_not_followed() {
    let secret = Secret::generate();
    let receiver = Receiver::start(&[&secret]);
    receiver
        .script(json!([{ "status": 302, "headers": { "Location": receiver.url("/redirected") } }]))
        .await;

    let outcome = sender()
        .send(&receiver.url("/hooks"), "msg_redirect", BODY, &[secret], now())
        .await;

    match &outcome {
        Outcome::Retry {
            status: Some(302),
            error,
            retry_after: None,
        } => assert!(error.contains("/redirected"), "{error}"),
        other => panic!("expected Retry for 302, got {other:?}"),
    }
    let paths: Vec<_> = receiver
        .requests()
        .iter()
        .map(|r| r["path"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(paths, ["/hooks"], "the redirect target must see no request");
}

#[tokio::test]
async fn gone_means_disable_the_endpoint() {
    let secret = Secret::generate();
    let receiver = Receiver::start(&[&secret]);
    receiver.script(json!([{ "status": 410 }])).await;
    let outcome = sender()
        .send(&receiver.url("/hooks"), "msg_gone", BODY, &[secret], now())
        .await;
    assert_eq!(outcome, Outcome::Gone);
}

#[tokio::test]
async fn too_many_requests_carries_retry_after() {
    let secret = Secret::generate();
    let receiver = Receiver::start(&[&secret]);
    receiver
        .script(json!([{ "status": 429, "headers": { "Retry-After": "7" } }]))
        .await;
    let outcome = sender()
        .send(&receiver.url("/hooks"), "msg_429", BODY, &[secret], now())
        .await;
    assert!(
        matches!(
            outcome,
            Outcome::Retry {
                status: Some(429),
                retry_after: Some(d),
                ..
            } if d == Duration::from_secs(7)
        ),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn a_server_error_is_retried_and_keeps_only_the_first_kilobyte() {
    let secret = Secret::generate();
    let receiver = Receiver::start(&[&secret]);
    let long = format!("database unavailable {}", "x".repeat(5000));
    receiver.script(json!([{ "status": 500, "body": long }])).await;
    let outcome = sender()
        .send(&receiver.url("/hooks"), "msg_500", BODY, &[secret], now())
        .await;
    match &outcome {
        Outcome::Retry {
            status: Some(500),
            error,
            ..
        } => {
            assert!(error.contains("database unavailable"), "{error}");
            assert!(error.len() <= 1024 + 16, "error text is {} bytes", error.len());
        }
        other => panic!("expected Retry for 500, got {other:?}"),
    }
}

#[tokio::test]
async fn nothing_listening_is_retried_without_a_status() {
    let outcome = sender()
        .send(
            &format!("http://127.0.0.1:{}/hooks", support::closed_port()),
            "msg_refused",
            BODY,
            &[Secret::generate()],
            now(),
        )
        .await;
    assert!(matches!(outcome, Outcome::Retry { status: None, .. }), "{outcome:?}");
}

#[tokio::test]
async fn check_target_refuses_private_and_odd_targets_unless_allowed() {
    let strict = TargetPolicy::default();
    let lenient = TargetPolicy { allow_private: true };
    for url in [
        "http://127.0.0.1",
        "http://localhost",
        "http://10.0.0.1",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]",
        "http://100.64.0.1",
        "http://192.168.0.10:8080/hook",
        "http://[fd00::1]",
        "http://[::ffff:127.0.0.1]",
        "http://0.0.0.0",
        "http://2130706433",
    ] {
        let refused = strict.check_target(url).await;
        assert!(
            matches!(refused, Err(TargetError::Forbidden { .. })),
            "{url}: {refused:?}"
        );
        assert_eq!(lenient.check_target(url).await, Ok(()), "{url}");
    }
    for policy in [strict, lenient] {
        assert_eq!(
            policy.check_target("ftp://x").await,
            Err(TargetError::Scheme("ftp".into()))
        );
        assert_eq!(
            policy.check_target("http://user:pw@example.com").await,
            Err(TargetError::UserInfo)
        );
        assert!(matches!(
            policy.check_target("not a url").await,
            Err(TargetError::NotUrl(_))
        ));
    }
    // A public address passes (no connection is made, only the address is judged).
    assert_eq!(strict.check_target("https://93.184.215.14/hook").await, Ok(()));
}

#[tokio::test]
async fn the_strict_sender_sends_nothing_to_the_loopback_receiver() {
    let secret = Secret::generate();
    let receiver = Receiver::start(&[&secret]);
    let strict = WebhookSender::new(TargetPolicy::default()).unwrap();

    // An IP literal is refused before any lookup, a name after its lookup (in the
    // resolver the connection goes through).
    let by_ip = strict
        .send(
            &receiver.url("/hooks"),
            "msg_ssrf_1",
            BODY,
            std::slice::from_ref(&secret),
            now(),
        )
        .await;
    let by_name = strict
        .send(
            &format!("http://localhost:{}/hooks", receiver.server.port),
            "msg_ssrf_2",
            BODY,
            &[secret],
            now(),
        )
        .await;

    assert!(
        matches!(&by_ip, Outcome::Blocked(TargetError::Forbidden { .. })),
        "{by_ip:?}"
    );
    assert!(
        matches!(&by_name, Outcome::Blocked(TargetError::Forbidden { .. })),
        "{by_name:?}"
    );
    assert!(receiver.requests().is_empty());
}

/// A cXML `Response` as a procurement system answers a posted document.
fn cxml_response(code: u16, text: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.063/cXML.dtd"><cXML payloadID="9@buyer" timestamp="2026-12-01T10:00:00-06:00"><Response><Status code="{code}" text="{text}">said the buyer</Status></Response></cXML>"#
    )
}

const SHIP_NOTICE: &str = r#"<?xml version="1.0" encoding="UTF-8"?><cXML payloadID="1.a@aftercart" timestamp="2026-12-01T10:00:00+00:00"><Request><ShipNoticeRequest/></Request></cXML>"#;

#[tokio::test]
async fn a_cxml_document_is_posted_as_xml_and_the_cxml_status_decides() {
    use aftercart_notify::cxml::{Posted, post};
    let receiver = Receiver::start(&[]);
    receiver
        .script(json!([
            { "status": 200, "headers": {"Content-Type": "text/xml"}, "body": cxml_response(200, "OK") },
            { "status": 200, "headers": {"Content-Type": "text/xml"}, "body": cxml_response(406, "Not Acceptable") },
            { "status": 503, "body": "maintenance" },
            { "status": 500, "headers": {"Content-Type": "text/xml"}, "body": cxml_response(500, "Internal Server Error") },
        ]))
        .await;
    let url = receiver.url("/cxml/inbound");
    assert_eq!(
        post(&sender(), &url, SHIP_NOTICE, now()).await,
        Posted::Accepted { code: 200 }
    );
    match post(&sender(), &url, SHIP_NOTICE, now()).await {
        Posted::Refused(why) => assert!(why.contains("406") && why.contains("said the buyer"), "{why}"),
        other => panic!("a 406 in the Response is a refusal, got {other:?}"),
    }
    assert!(matches!(
        post(&sender(), &url, SHIP_NOTICE, now()).await,
        Posted::Retry { .. }
    ));
    assert!(matches!(
        post(&sender(), &url, SHIP_NOTICE, now()).await,
        Posted::Retry { .. }
    ));
    let requests = receiver.requests();
    assert_eq!(requests.len(), 4);
    for r in &requests {
        assert_eq!(r["headers"]["content-type"], "text/xml; charset=UTF-8");
        assert_eq!(r["body"], SHIP_NOTICE, "sent as these exact bytes");
        assert!(r["headers"].get("webhook-signature").is_none(), "{r}");
    }
}

#[tokio::test]
async fn the_strict_sender_posts_no_cxml_to_the_loopback_receiver() {
    use aftercart_notify::cxml::{Posted, post};
    let receiver = Receiver::start(&[]);
    let strict = WebhookSender::new(TargetPolicy { allow_private: false }).unwrap();
    let got = post(&strict, &receiver.url("/cxml/inbound"), SHIP_NOTICE, now()).await;
    assert!(matches!(got, Posted::Blocked(_)), "{got:?}");
    assert!(receiver.requests().is_empty());
}
