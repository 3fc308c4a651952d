//! The binary as a user runs it: bad configuration gives a clear message and a non-zero exit;
//! `migrate` is idempotent; `demo` serves the demo dataset over real HTTP; `serve` survives
//! SIGKILL without losing or half-writing anything (`crash`); three `serve` processes on one
//! PostgreSQL behave as one (`multiprocess`).

mod crash;
mod erp;
mod multiprocess;
mod notify;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_aftercart"));
    for v in [
        "AFTERCART_ADDR",
        "AFTERCART_DB",
        "AFTERCART_API_KEY",
        "AFTERCART_CONFIG",
    ] {
        c.env_remove(v);
    }
    c
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("aftercart-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

#[track_caller]
fn fails_with(c: &mut Command, needle: &str) {
    let out = c.output().expect("run aftercart");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "expected failure, got success; stderr: {stderr}");
    assert!(stderr.contains(needle), "stderr should mention {needle:?}: {stderr}");
}

#[test]
fn refuses_bad_configuration_with_a_message() {
    let dir = temp_dir("bad");
    let db = format!("sqlite:{}", dir.join("x.db").display());
    fails_with(bin().args(["serve", "--db", &db]), "no API key");
    fails_with(bin().args(["serve", "--db", &db, "--api-key", "short"]), "--api-key");
    fails_with(
        bin().args(["serve", "--db", &db, "--api-key", DEMO_KEY, "--addr", "nonsense"]),
        "--addr",
    );
    fails_with(
        bin().args(["migrate", "--db", "mysql://localhost/x"]),
        "unsupported database URL",
    );
    let cfg = dir.join("bad.toml");
    std::fs::write(&cfg, "addr = \"127.0.0.1:1\"\nunknown_key = 1\n").expect("write");
    fails_with(
        bin().args(["--config", cfg.to_str().expect("utf8"), "migrate", "--db", &db]),
        "config file",
    );
    fails_with(
        bin().args(["--config", "/nonexistent/aftercart.toml", "migrate"]),
        "cannot read config file",
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn migrate_applies_once() {
    let dir = temp_dir("migrate");
    let db = format!("sqlite:{}", dir.join("m.db").display());
    let first = bin().args(["migrate", "--db", &db]).output().expect("run");
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    assert!(String::from_utf8_lossy(&first.stdout).contains("3 migration(s) applied to sqlite"));
    let again = bin().args(["migrate", "--db", &db]).output().expect("run");
    assert!(String::from_utf8_lossy(&again.stdout).contains("0 migration(s) applied"));
    let _ = std::fs::remove_dir_all(dir);
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Spawns a server command (`serve`/`demo` with `--addr 127.0.0.1:0`) and returns it with its
/// base URL, read from the first line it prints. Its stderr goes to `log`.
async fn spawn_server(mut cmd: Command, log: &std::path::Path) -> (Server, String) {
    let err = std::fs::File::create(log).expect("server log");
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::from(err))
        .spawn()
        .expect("spawn aftercart");
    let mut server = Server(child);
    // The first stdout line names the bound address (port 0 = any free port).
    let stdout = server.0.stdout.take().expect("stdout");
    let line = tokio::task::spawn_blocking(move || {
        let mut reader = BufReader::new(stdout);
        let mut l = String::new();
        let r = reader.read_line(&mut l).map(|_| l);
        // Keep draining, as a terminal would, so the server never writes to a closed pipe.
        std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
        r
    })
    .await
    .expect("join")
    .expect("read");
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| {
            panic!(
                "no URL in the first line {line:?}; server log: {}",
                std::fs::read_to_string(log).unwrap_or_default()
            )
        })
        .trim_end_matches('/')
        .to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{line}");
    (server, base)
}

/// Long and random-looking, so it passes however strict the key rules get.
const DEMO_KEY: &str = "cli-test-demo-key-7f3a9c2e5b8d1f4a6c0e9b2d5f8a1c4e";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_serves_the_dataset() {
    let dir = temp_dir("demo");
    let db = format!("sqlite:{}", dir.join("demo.db").display());
    let mut cmd = bin();
    cmd.args(["demo", "--addr", "127.0.0.1:0", "--db", &db, "--api-key", DEMO_KEY]);
    let (server, base) = spawn_server(cmd, &dir.join("server.log")).await;
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    let orders: serde_json::Value = loop {
        let r = client
            .get(format!("{base}/api/v1/orders?limit=500"))
            .bearer_auth(DEMO_KEY)
            .send()
            .await;
        if let Ok(r) = r {
            assert_eq!(r.status(), 200);
            break r.json().await.expect("json");
        }
        assert!(Instant::now() < deadline, "demo server did not answer: {r:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let items = orders["items"].as_array().expect("items");
    assert!(items.len() >= 200, "demo has at least 200 orders, got {}", items.len());
    let id = items[0]["id"].as_str().expect("id");
    let st = client
        .get(format!("{base}/api/v1/orders/{id}/status"))
        .bearer_auth(DEMO_KEY)
        .send()
        .await
        .expect("status");
    assert_eq!(st.status(), 200);
    let body: serde_json::Value = st.json().await.expect("json");
    assert!(
        body["summary"].as_str().is_some_and(|s| s.starts_with("Order ")),
        "{body}"
    );
    let unauth = client
        .get(format!("{base}/api/v1/orders"))
        .send()
        .await
        .expect("request");
    assert_eq!(unauth.status(), 401);
    // A demo customer admin signs in with the printed password and sees only their account.
    let login = client
        .post(format!("{base}/api/v1/session"))
        .json(&serde_json::json!({"email": "alex@northwind.example", "password": "northwind-demo-2026"}))
        .send()
        .await
        .expect("login");
    assert_eq!(login.status(), 200);
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .split(';')
        .next()
        .expect("pair")
        .to_owned();
    // `__Host-aftercart_session` over HTTPS, plain `aftercart_session` in development mode.
    assert!(
        cookie.starts_with("aftercart_session=") || cookie.starts_with("__Host-aftercart_session="),
        "{cookie}"
    );
    let accounts: serde_json::Value = client
        .get(format!("{base}/api/v1/accounts"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("accounts")
        .json()
        .await
        .expect("json");
    let names: Vec<&str> = accounts["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|a| a["name"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(names, ["Northwind Clinics"], "a customer sees only their own account");
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
}
