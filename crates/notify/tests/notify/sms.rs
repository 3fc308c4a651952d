use std::time::Duration;

use aftercart_notify::{SendError, SmsConfig, SmsSender};
use base64::Engine;
use serde_json::{Value, json};

use crate::support::{self, PyServer};

/// The Twilio-shaped endpoint of the test receiver (see webhook_receiver.py).
struct Provider {
    server: PyServer,
    record: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Provider {
    fn start() -> Self {
        support::python_module("standardwebhooks", "standardwebhooks==1.1.0");
        let dir = tempfile::tempdir().unwrap();
        let record = dir.path().join("requests.jsonl");
        let server = PyServer::start("webhook_receiver.py", &["--record", record.to_str().unwrap()]);
        Self {
            server,
            record,
            _dir: dir,
        }
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.server.port)
    }

    fn sender(&self) -> SmsSender {
        SmsSender::new(SmsConfig {
            base_url: self.base(),
            account_sid: "AC0123456789".into(),
            auth_token: "s3cret-token".into(),
            from: "+15550100000".into(),
        })
        .unwrap()
    }

    async fn script(&self, responses: Value) {
        reqwest::Client::new()
            .post(format!("{}/_control", self.base()))
            .json(&json!({ "responses": responses }))
            .send()
            .await
            .unwrap();
    }

    fn requests(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.record)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

#[tokio::test]
async fn a_text_is_posted_form_encoded_with_basic_auth() {
    let provider = Provider::start();
    let body = "Northwind Supply: SO-1042 has shipped. https://portal.example/orders/SO-1042";

    let sid = provider.sender().send("+447700900123", body).await.unwrap();

    assert!(sid.is_some_and(|s| s.starts_with("SM")));
    let requests = provider.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r["path"], "/2010-04-01/Accounts/AC0123456789/Messages.json");
    assert_eq!(r["form"]["To"], json!(["+447700900123"]));
    assert_eq!(r["form"]["From"], json!(["+15550100000"]));
    assert_eq!(r["form"]["Body"], json!([body]));
    let expected = base64::engine::general_purpose::STANDARD.encode("AC0123456789:s3cret-token");
    assert_eq!(r["headers"]["authorization"], format!("Basic {expected}"));
}

#[tokio::test]
async fn rate_limits_are_transient_and_say_how_long_to_wait() {
    let provider = Provider::start();
    provider
        .script(json!([{
            "status": 429,
            "headers": { "Retry-After": "30", "Content-Type": "application/json" },
            "body": r#"{"code": 20429, "message": "Too Many Requests", "status": 429}"#
        }]))
        .await;
    let err = provider.sender().send("+447700900123", "hi").await.unwrap_err();
    assert!(err.error.is_transient(), "{err:?}");
    assert!(err.error.message().contains("Too Many Requests"), "{err:?}");
    assert_eq!(err.retry_after, Some(Duration::from_secs(30)));
}

#[tokio::test]
async fn a_refused_number_is_permanent_with_the_providers_reason() {
    let provider = Provider::start();
    let reason = "The 'To' number +1555 is not a valid phone number.";
    provider
        .script(json!([{
            "status": 400,
            "headers": { "Content-Type": "application/json" },
            "body": json!({ "code": 21211, "message": reason, "status": 400 }).to_string()
        }]))
        .await;
    let err = provider.sender().send("+1555", "hi").await.unwrap_err();
    assert!(
        matches!(&err.error, SendError::Permanent(m) if m.contains(reason)),
        "{err:?}"
    );
    assert_eq!(err.retry_after, None);
}

#[tokio::test]
async fn provider_outages_are_transient() {
    let provider = Provider::start();
    provider
        .script(json!([{ "status": 503, "body": "upstream down" }]))
        .await;
    let err = provider.sender().send("+447700900123", "hi").await.unwrap_err();
    assert!(err.error.is_transient(), "{err:?}");

    let unreachable = SmsSender::new(SmsConfig {
        base_url: format!("http://127.0.0.1:{}", support::closed_port()),
        account_sid: "AC0123456789".into(),
        auth_token: "t".into(),
        from: "+15550100000".into(),
    })
    .unwrap();
    let err = unreachable.send("+447700900123", "hi").await.unwrap_err();
    assert!(err.error.is_transient(), "{err:?}");
}
