use std::path::Path;
use std::time::Duration;

use aftercart_notify::{Email, Mailer, SendError, SmtpConfig, Templates};
use serde_json::Value;

use crate::support::{self, PyServer};

const UNSUBSCRIBE: &str = "https://portal.example/notifications/unsubscribe/tok_8f3a";

fn sink(dir: &Path, refuse: u32) -> PyServer {
    support::python_module("aiosmtpd", "aiosmtpd==1.4.6");
    PyServer::start(
        "smtp_sink.py",
        &["--dir", dir.to_str().unwrap(), "--refuse", &refuse.to_string()],
    )
}

fn mailer(port: u16) -> Mailer {
    Mailer::new(&SmtpConfig {
        url: format!("smtp://127.0.0.1:{port}?tls=none"),
        username: None,
        password: None,
        timeout: Duration::from_secs(10),
    })
    .unwrap()
}

fn shipped_email() -> Email {
    Templates::builtin()
        .unwrap()
        .render_email(
            &support::branding(),
            &support::recipient(),
            &support::shipped(),
            Some(UNSUBSCRIBE),
        )
        .unwrap()
}

fn received(dir: &Path, n: usize) -> Value {
    let path = dir.join(format!("{n}.json"));
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("the sink stored no message {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn header<'a>(message: &'a Value, name: &str) -> Vec<&'a str> {
    message["headers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h[0].as_str().unwrap().eq_ignore_ascii_case(name))
        .map(|h| h[1].as_str().unwrap())
        .collect()
}

fn part<'a>(message: &'a Value, content_type: &str) -> &'a str {
    message["parts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["content_type"] == content_type)
        .unwrap_or_else(|| panic!("no {content_type} part in {message:#}"))["content"]
        .as_str()
        .unwrap()
}

#[tokio::test]
async fn a_shipped_email_arrives_with_both_parts_and_one_click_unsubscribe() {
    let dir = tempfile::tempdir().unwrap();
    let server = sink(dir.path(), 0);
    let email = shipped_email();
    let from = support::branding().from_address;

    mailer(server.port).send(&email, &from).await.unwrap();

    let message = received(dir.path(), 1);
    assert_eq!(message["rcpt_tos"], serde_json::json!(["ana@buyer.example"]));
    assert_eq!(message["mail_from"], "notifications@northwind.example");
    assert_eq!(message["content_type"], "multipart/alternative");
    assert_eq!(header(&message, "Subject"), ["SO-1042 has shipped"]);
    assert_eq!(header(&message, "To"), ["Ana Díaz <ana@buyer.example>"]);
    assert_eq!(
        header(&message, "From"),
        ["Northwind Supply <notifications@northwind.example>"]
    );
    let message_id = header(&message, "Message-ID");
    assert_eq!(message_id.len(), 1);
    assert!(
        message_id[0].starts_with('<') && message_id[0].ends_with("@northwind.example>"),
        "{message_id:?}"
    );
    assert_eq!(header(&message, "List-Unsubscribe"), [format!("<{UNSUBSCRIBE}>")]);
    assert_eq!(
        header(&message, "List-Unsubscribe-Post"),
        ["List-Unsubscribe=One-Click"]
    );

    let summary = "All 12 units of your order left our Leeds warehouse today.";
    let text = part(&message, "text/plain");
    assert!(text.contains(summary), "{text}");
    assert!(text.contains("Tracking number: JD014600006281234567"), "{text}");
    assert!(text.contains(UNSUBSCRIBE), "{text}");
    let html = part(&message, "text/html");
    assert!(html.contains(summary), "{html}");
    assert!(html.contains("JD014600006281234567"), "{html}");
    assert!(html.contains(&format!("href=\"{UNSUBSCRIBE}\"")), "{html}");
    // text/plain first: clients show the last alternative they understand.
    let order: Vec<_> = message["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["content_type"].as_str().unwrap())
        .collect();
    assert_eq!(order, ["text/plain", "text/html"]);
}

#[tokio::test]
async fn mail_without_an_unsubscribe_url_has_no_list_headers() {
    let dir = tempfile::tempdir().unwrap();
    let server = sink(dir.path(), 0);
    let mut email = shipped_email();
    email.unsubscribe_url = None;

    mailer(server.port)
        .send(&email, &support::branding().from_address)
        .await
        .unwrap();

    let message = received(dir.path(), 1);
    assert!(header(&message, "List-Unsubscribe").is_empty());
    assert!(header(&message, "List-Unsubscribe-Post").is_empty());
}

#[tokio::test]
async fn a_451_is_transient_and_the_next_attempt_goes_through() {
    let dir = tempfile::tempdir().unwrap();
    let server = sink(dir.path(), 1);
    let mailer = mailer(server.port);
    let email = shipped_email();
    let from = support::branding().from_address;

    let first = mailer.send(&email, &from).await;
    match &first {
        Err(SendError::Transient(m)) => assert!(m.contains("451") || m.contains("Busy"), "{m}"),
        other => panic!("expected a transient error, got {other:?}"),
    }
    assert!(!dir.path().join("1.json").exists());

    mailer.send(&email, &from).await.unwrap();
    assert_eq!(header(&received(dir.path(), 1), "Subject"), ["SO-1042 has shipped"]);
}

#[tokio::test]
async fn nothing_listening_is_transient() {
    let result = mailer(support::closed_port())
        .send(&shipped_email(), &support::branding().from_address)
        .await;
    assert!(matches!(result, Err(SendError::Transient(_))), "{result:?}");
}

#[tokio::test]
async fn a_malformed_address_is_permanent() {
    let mut email = shipped_email();
    email.to = "not an address".into();
    // Refused before any connection is made, so the port does not matter.
    let result = mailer(support::closed_port())
        .send(&email, &support::branding().from_address)
        .await;
    assert!(matches!(result, Err(SendError::Permanent(_))), "{result:?}");
}

#[tokio::test]
async fn a_550_for_the_recipient_is_permanent() {
    let dir = tempfile::tempdir().unwrap();
    support::python_module("aiosmtpd", "aiosmtpd==1.4.6");
    let server = PyServer::start(
        "smtp_sink.py",
        &["--dir", dir.path().to_str().unwrap(), "--reject", "ana@buyer.example"],
    );
    let result = mailer(server.port)
        .send(&shipped_email(), &support::branding().from_address)
        .await;
    match &result {
        Err(SendError::Permanent(m)) => assert!(m.contains("550") || m.contains("No such"), "{m}"),
        other => panic!("expected a permanent error, got {other:?}"),
    }
    assert!(!dir.path().join("1.json").exists());
}
