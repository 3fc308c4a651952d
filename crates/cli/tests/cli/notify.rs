//! Notifications through the real binary, on SQLite and PostgreSQL: `serve` configured with an
//! SMTP server (aiosmtpd) emails an invitation the invitee can accept; webhooks to a slow
//! receiver (verifying every signature with the Standard Webhooks reference) survive the
//! server being SIGKILLed mid-batch: after a restart every event arrives, at least once.

use super::{Server, bin, spawn_server, temp_dir};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const KEY: &str = "notify-cli-staff-key-4b8e1d7a2c6f9e3b5a0d8c1f7e4b2a9d";

fn pg_url() -> String {
    std::env::var("AFTERCART_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

fn scripts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../notify/tests")
}

fn python_module(module: &str, requirement: &str) {
    let ok = |m: &str| {
        Command::new("python3")
            .args(["-c", &format!("import {m}")])
            .status()
            .is_ok_and(|s| s.success())
    };
    if !ok(module) {
        let s = Command::new("python3")
            .args(["-m", "pip", "install", "--quiet", requirement])
            .status()
            .expect("pip");
        assert!(s.success() && ok(module), "cannot install {requirement}");
    }
}

/// A Python test server of ours (crates/notify/tests), killed on drop.
struct Py(Child, u16);

impl Py {
    fn start(script: &str, args: &[&str]) -> Py {
        use std::io::BufRead;
        let mut child = Command::new("python3")
            .arg(scripts().join(script))
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("PORT line");
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok())
            .expect("port");
        Py(child, port)
    }
}

impl Drop for Py {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn serve(db: &str, dir: &Path, n: usize, smtp: u16) -> (Server, String) {
    let mut cmd = bin();
    cmd.args(["serve", "--addr", "127.0.0.1:0", "--db", db, "--api-key", KEY])
        .env("AFTERCART_SMTP_URL", format!("smtp://127.0.0.1:{smtp}?tls=none"))
        .env(
            "AFTERCART_EMAIL_FROM",
            "Northwind Supply <notifications@northwind.example>",
        )
        .env("AFTERCART_PORTAL_URL", "https://portal.example")
        .env("AFTERCART_WEBHOOKS_ALLOW_PRIVATE", "1")
        .env("AFTERCART_OUTBOX_POLL_MS", "20")
        .env("AFTERCART_OUTBOX_LEASE_MS", "5000");
    let (server, base) = spawn_server(cmd, &dir.join(format!("server-{n}.log"))).await;
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while http.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(Instant::now() < deadline, "server {n} did not answer at {base}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (server, base)
}

async fn call(base: &str, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut r = reqwest::Client::new()
        .request(method, format!("{base}{path}"))
        .bearer_auth(KEY);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let r = r.send().await.expect("request");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn records(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

async fn until<F: Fn() -> bool>(what: &str, limit: Duration, f: F) {
    let deadline = Instant::now() + limit;
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn a_killed_server_loses_no_delivery(db: &str, dir: &Path) {
    python_module("aiosmtpd", "aiosmtpd==1.4.6");
    python_module("standardwebhooks", "standardwebhooks==1.1.0");
    let mail = dir.join("mail");
    std::fs::create_dir_all(&mail).expect("mail dir");
    let sink = Py::start("smtp_sink.py", &["--dir", mail.to_str().expect("utf8")]);
    let (server, base) = serve(db, dir, 1, sink.1).await;

    // An invitation is emailed; its link works.
    let (s, account) = call(
        &base,
        reqwest::Method::POST,
        "/api/v1/accounts",
        Some(json!({"name": "Kill Test Clinic", "currency": "USD", "payment_terms_days": 30, "credit_limit": {"amount": "0.00", "currency": "USD"}, "locations": []})),
    )
    .await;
    assert_eq!(s, 201, "{account}");
    let account = account["id"].as_str().expect("id").to_owned();
    let (s, invited) = call(
        &base,
        reqwest::Method::POST,
        "/api/v1/users",
        Some(json!({"email": "ana@buyer.example", "name": "Ana Díaz", "type": "customer", "account_id": account, "roles": ["buyer"]})),
    )
    .await;
    assert_eq!(s, 201, "{invited}");
    until("the invitation email", Duration::from_secs(20), || {
        mail.join("1.json").exists()
    })
    .await;
    let msg = std::fs::read_to_string(mail.join("1.json")).expect("message");
    assert!(
        msg.contains("ana@buyer.example") && msg.contains("invitations/accept?token=inv_"),
        "{msg}"
    );
    let token: String = msg
        .split("accept?token=")
        .nth(1)
        .expect("link")
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let accepted = reqwest::Client::new()
        .post(format!("{base}/api/v1/invitations/accept"))
        .json(&json!({"token": token, "password": "a long and fine passphrase 42"}))
        .send()
        .await
        .expect("accept");
    assert_eq!(accepted.status(), 200, "the emailed token works");

    // A seller endpoint at a slow receiver; 30 events; the server is killed mid-batch.
    let (s, ep) = call(
        &base,
        reqwest::Method::POST,
        "/api/v1/webhook-endpoints",
        Some(json!({"url": "http://127.0.0.1:9/placeholder", "event_types": ["account.created"]})),
    )
    .await;
    assert_eq!(s, 201, "{ep}");
    let secret = ep["secret"].as_str().expect("secret shown once").to_owned();
    let record = dir.join("hooks.jsonl");
    let receiver = Py::start(
        "webhook_receiver.py",
        &[
            "--record",
            record.to_str().expect("utf8"),
            "--secret",
            &secret,
            "--delay-ms",
            "150",
        ],
    );
    let id = ep["id"].as_str().expect("id").to_owned();
    let (s, patched) = call(
        &base,
        reqwest::Method::PATCH,
        &format!("/api/v1/webhook-endpoints/{id}"),
        Some(json!({"url": format!("http://127.0.0.1:{}/hooks", receiver.1)})),
    )
    .await;
    assert_eq!(s, 200, "{patched}");
    let mut created = Vec::new();
    for i in 0..30 {
        let (s, a) = call(
            &base,
            reqwest::Method::POST,
            "/api/v1/accounts",
            Some(json!({"name": format!("Webhook customer {i}"), "currency": "USD", "payment_terms_days": 30, "credit_limit": {"amount": "0.00", "currency": "USD"}, "locations": []})),
        )
        .await;
        assert_eq!(s, 201);
        created.push(a["id"].as_str().expect("id").to_owned());
    }
    until("the first deliveries", Duration::from_secs(20), || {
        !records(&record).is_empty()
    })
    .await;
    let before_kill = records(&record).len();
    drop(server); // SIGKILL
    assert!(before_kill < 31, "killed mid-batch (after {before_kill})");

    let (_server, _base) = serve(db, dir, 2, sink.1).await;
    let subjects = |recs: &[Value]| -> std::collections::BTreeSet<String> {
        recs.iter()
            .filter_map(|r| serde_json::from_str::<Value>(r["body"].as_str()?).ok())
            .filter(|b| b["type"] == "account.created")
            .filter_map(|b| b["data"]["subject"]["id"].as_str().map(str::to_owned))
            .collect()
    };
    let want: std::collections::BTreeSet<String> = created.iter().cloned().collect();
    until("every event after the restart", Duration::from_secs(30), || {
        subjects(&records(&record)).is_superset(&want)
    })
    .await;
    let got = records(&record);
    assert!(got.iter().all(|r| r["verified"][0] == true), "every request signed");
    let per_id = got
        .iter()
        .fold(std::collections::BTreeMap::<String, usize>::new(), |mut m, r| {
            *m.entry(r["headers"]["webhook-id"].as_str().unwrap_or("").to_owned())
                .or_default() += 1;
            m
        });
    let repeats: usize = per_id.values().map(|n| n - 1).sum();
    eprintln!(
        "{db}: {} deliveries for {} events ({before_kill} before the kill, {repeats} sent again after it)",
        got.len(),
        per_id.len()
    );
    assert!(repeats <= 16, "at most the batch in flight is sent twice: {repeats}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_loses_no_delivery_sqlite() {
    let dir = temp_dir("notify-sqlite");
    let db = format!("sqlite:{}", dir.join("n.db").display());
    a_killed_server_loses_no_delivery(&db, &dir).await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_loses_no_delivery_postgres() {
    let dir = temp_dir("notify-pg");
    let schema = format!("notify_cli_{}", std::process::id());
    let (c, conn) = tokio_postgres::connect(&pg_url(), tokio_postgres::NoTls)
        .await
        .expect("PostgreSQL is required");
    tokio::spawn(conn);
    c.batch_execute(&format!(
        "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
    ))
    .await
    .expect("schema");
    let sep = if pg_url().contains('?') { '&' } else { '?' };
    let db = format!("{}{sep}options=-csearch_path%3D{schema}", pg_url());
    a_killed_server_loses_no_delivery(&db, &dir).await;
    let _ = c
        .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .await;
    let _ = std::fs::remove_dir_all(dir);
}
