//! Several `aftercart serve` processes on one PostgreSQL database — the documented way to grow
//! past one machine — proven with three real processes (started together, so their migrations
//! race too) and requests spread over them at the same moment:
//! - orders placed through all three get unique numbers;
//! - one Idempotency-Key sent to all three at once creates one order, and the others replay it;
//! - two concurrent If-Match updates of one account: one wins, the other is refused (412/409);
//! - a burst of wrong passwords for one user, spread over the three, throttles exactly as through
//!   one process (every attempt recorded, 5–7 passwords checked, then the right one waits);
//! - the per-address sign-in limit (20 a minute) and the API-key failure limit hold for the
//!   three together, not for each;
//! - a location renamed through one process shows its new name in status answers read through
//!   the other two at once (after they had answered with the old one);
//! - an approval reminder due while three workers run their pass at once is sent once.
//!
//! The reminder pass runs in three `App`s opened here, each on its own connections to the same
//! database (nothing shared but the database, as between processes), with clocks 25 hours ahead:
//! the servers' own workers use the real clock, under which no reminder is due for a day.

use super::{Server, bin, spawn_server, temp_dir};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const KEY: &str = "multiprocess-staff-key-9d2f7a1c4e8b3f6a0d5c9e2b7f1a4c8e";
const PASSWORD: &str = "correct horse battery staple 42";
const WRONG: &str = "not the right password at all";

fn pg_url() -> String {
    std::env::var("AFTERCART_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A fresh schema for one run, dropped afterwards (even when the test fails).
struct PgSchema(String);

impl Drop for PgSchema {
    fn drop(&mut self) {
        let schema = self.0.clone();
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                if let Ok((client, conn)) = tokio_postgres::connect(&pg_url(), tokio_postgres::NoTls).await {
                    tokio::spawn(conn);
                    let _ = client
                        .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                        .await;
                }
            });
        })
        .join();
    }
}

#[derive(Debug)]
struct Resp {
    status: u16,
    body: Value,
    etag: Option<String>,
    replayed: bool,
}

struct Cluster {
    http: reqwest::Client,
    bases: Vec<String>,
}

impl Cluster {
    async fn send(
        &self,
        server: usize,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let base = &self.bases[server % self.bases.len()];
        let mut r = self.http.request(method.clone(), format!("{base}{path}"));
        if !headers.iter().any(|(h, _)| h.eq_ignore_ascii_case("authorization")) {
            r = r.bearer_auth(KEY);
        }
        for (h, v) in headers {
            if !v.is_empty() {
                r = r.header(*h, *v);
            }
        }
        if let Some(b) = body {
            r = r.json(b);
        }
        let res = r
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {path} on server {server}: {e}"));
        let status = res.status().as_u16();
        let etag = res
            .headers()
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let replayed = res.headers().get("idempotent-replayed").is_some_and(|v| v == "true");
        let text = res.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Resp {
            status,
            body,
            etag,
            replayed,
        }
    }

    async fn post(&self, server: usize, path: &str, body: Value) -> Value {
        let r = self.send(server, reqwest::Method::POST, path, Some(&body), &[]).await;
        assert!((200..300).contains(&r.status), "POST {path}: {} {}", r.status, r.body);
        r.body
    }

    async fn get(&self, server: usize, path: &str) -> Resp {
        let r = self.send(server, reqwest::Method::GET, path, None, &[]).await;
        assert_eq!(r.status, 200, "GET {path} on server {server}: {}", r.body);
        r
    }

    /// Signs in through `server` as if from `address` (the servers trust `X-Forwarded-For`).
    async fn login(&self, server: usize, address: &str, email: &str, password: &str) -> Resp {
        self.send(
            server,
            reqwest::Method::POST,
            "/api/v1/session",
            Some(&json!({"email": email, "password": password})),
            &[("authorization", ""), ("x-forwarded-for", address)],
        )
        .await
    }
}

struct World {
    account: String,
    ship_to: String,
    product: String,
}

async fn setup(c: &Cluster) -> World {
    c.post(
        0,
        "/api/v1/fulfilment-locations",
        json!({"code": "DAL", "name": "Dallas DC", "kind": "warehouse", "city": "Dallas"}),
    )
    .await;
    let product = c
        .post(
            1,
            "/api/v1/products",
            json!({"sku": "GLV-NIT-M", "name": "Nitrile gloves (M), box of 100", "category": "safety",
                   "list_price": {"amount": "14.00", "currency": "USD"}}),
        )
        .await;
    let account = c
        .post(
            2,
            "/api/v1/accounts",
            json!({"number": "C-1001", "name": "Northwind Clinics", "currency": "USD", "payment_terms_days": 30,
                   "credit_limit": {"amount": "100000000.00", "currency": "USD"},
                   "locations": [{"kind": "bill_to", "name": "Head office AP", "city": "Austin"},
                                 {"kind": "ship_to", "name": "Main St receiving dock", "city": "Austin"}]}),
        )
        .await;
    let ship_to = account["locations"]
        .as_array()
        .expect("locations")
        .iter()
        .find(|l| l["kind"] == "ship_to")
        .and_then(|l| l["id"].as_str())
        .expect("ship_to id")
        .to_owned();
    World {
        account: account["id"].as_str().expect("id").to_owned(),
        ship_to,
        product: product["id"].as_str().expect("id").to_owned(),
    }
}

fn order_body(w: &World, po: &str, qty: u64) -> Value {
    json!({"account_id": w.account, "po_number": po,
           "lines": [{"product_id": w.product, "quantity": qty, "ship_to": w.ship_to}]})
}

/// A customer user of the account with a password (invited, then accepted through `server`).
async fn user(c: &Cluster, w: &World, server: usize, email: &str, roles: &[&str]) -> String {
    let inv = c
        .post(
            server,
            "/api/v1/users",
            json!({"email": email, "name": email, "type": "customer", "account_id": w.account, "roles": roles}),
        )
        .await;
    let token = inv["invitation_token"].as_str().expect("token");
    let r = c
        .send(
            server + 1,
            reqwest::Method::POST,
            "/api/v1/invitations/accept",
            Some(&json!({"token": token, "password": PASSWORD})),
            &[("authorization", "")],
        )
        .await;
    assert_eq!(r.status, 200, "accept: {}", r.body);
    inv["user"]["id"].as_str().expect("user id").to_owned()
}

/// Waits, if needed, until the current minute has `need` seconds left, so a burst counted in
/// one-minute windows lands in one window.
async fn room_in_this_minute(need: u64) {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let left = 60 - secs % 60;
    if left < need {
        tokio::time::sleep(Duration::from_secs(left + 1)).await;
    }
}

async fn start(db: &str, dir: &std::path::Path, n: usize) -> (Server, String) {
    let mut cmd = bin();
    cmd.args([
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--db",
        db,
        "--api-key",
        KEY,
        "--trust-forwarded-for",
    ]);
    let (server, base) = spawn_server(cmd, &dir.join(format!("server-{n}.log"))).await;
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while http.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(Instant::now() < deadline, "server {n} did not answer at {base}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (server, base)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_servers_share_one_postgres() {
    let dir = temp_dir("multiprocess");
    let schema = PgSchema(format!(
        "multi_{}_{}",
        std::process::id(),
        uuid::Uuid::now_v7().simple()
    ));
    let (client, conn) = tokio_postgres::connect(&pg_url(), tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at {} is required for this test: {e}", pg_url()));
    tokio::spawn(conn);
    client
        .batch_execute(&format!("CREATE SCHEMA {}", schema.0))
        .await
        .expect("create schema");
    let sep = if pg_url().contains('?') { '&' } else { '?' };
    let db = format!("{}{sep}options=-csearch_path%3D{}", pg_url(), schema.0);

    // Three processes started at once: their migrations serialise on an advisory lock.
    let started = futures_join3(start(&db, &dir, 0), start(&db, &dir, 1), start(&db, &dir, 2)).await;
    let (servers, bases): (Vec<Server>, Vec<String>) = started.into_iter().unzip();
    let c = Cluster {
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("client"),
        bases,
    };
    let w = setup(&c).await;

    // 1. Unique numbers: 45 orders placed at once, 15 through each process.
    let (cr, wr) = (&c, &w);
    let placed = futures_util::future::join_all((0..45).map(|i| async move {
        let body = order_body(wr, &format!("PO-{i}"), 5);
        cr.send(i, reqwest::Method::POST, "/api/v1/orders", Some(&body), &[])
            .await
    }))
    .await;
    let mut numbers: Vec<String> = placed
        .iter()
        .map(|r| {
            assert_eq!(r.status, 201, "{}", r.body);
            r.body["number"].as_str().expect("number").to_owned()
        })
        .collect();
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 45, "every order has its own number");

    // 2. One Idempotency-Key sent to all three at once: one order, the others replay it.
    let body = order_body(&w, "PO-IDEM", 7);
    let same = futures_util::future::join_all((0..6).map(|i| {
        c.send(
            i,
            reqwest::Method::POST,
            "/api/v1/orders",
            Some(&body),
            &[("idempotency-key", "same-key-everywhere")],
        )
    }))
    .await;
    let ids: Vec<&str> = same
        .iter()
        .map(|r| {
            assert_eq!(r.status, 201, "every answer is the one order's: {}", r.body);
            r.body["id"].as_str().expect("id")
        })
        .collect();
    assert!(ids.iter().all(|i| *i == ids[0]), "one order for one key: {ids:?}");
    assert_eq!(
        same.iter().filter(|r| !r.replayed).count(),
        1,
        "one created it, five replayed"
    );
    let orders = c
        .get(0, &format!("/api/v1/orders?account_id={}&limit=500", w.account))
        .await;
    let with_po = orders.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|o| o["po_number"] == "PO-IDEM")
        .count();
    assert_eq!(with_po, 1, "exactly one order was created");

    // 3. Two If-Match updates of one account at once, through different processes.
    let acct = c.get(1, &format!("/api/v1/accounts/{}", w.account)).await;
    let etag = acct.etag.expect("ETag");
    let path = format!("/api/v1/accounts/{}", w.account);
    let (to45, to60) = (json!({"payment_terms_days": 45}), json!({"payment_terms_days": 60}));
    let if_match = [("if-match", etag.as_str())];
    let (a, b) = tokio::join!(
        c.send(0, reqwest::Method::PATCH, &path, Some(&to45), &if_match),
        c.send(2, reqwest::Method::PATCH, &path, Some(&to60), &if_match),
    );
    let mut statuses = [a.status, b.status];
    statuses.sort_unstable();
    assert!(
        statuses == [200, 412] || statuses == [200, 409],
        "one wins, one is refused: {} {} / {} {}",
        a.status,
        a.body,
        b.status,
        b.body
    );
    let winner = if a.status == 200 { 45 } else { 60 };
    let now = c.get(2, &path).await;
    assert_eq!(
        now.body["payment_terms_days"], winner,
        "the winner's change is the one stored"
    );

    // 4. A burst of wrong passwords for one user, spread over the three processes.
    let victim_email = "vic.victim@northwind.example";
    let victim = user(&c, &w, 0, victim_email, &["buyer"]).await;
    room_in_this_minute(30).await;
    let burst = futures_util::future::join_all((0..15).map(|i| c.login(i, "198.51.100.7", victim_email, WRONG))).await;
    for r in &burst {
        assert_eq!(r.status, 401, "{}", r.body);
    }
    let failures = c
        .get(1, &format!("/api/v1/sign-in-failures?user_id={victim}&limit=100"))
        .await;
    let failures = failures.body["items"].as_array().expect("items").clone();
    assert_eq!(failures.len(), 15, "every attempt of the burst is recorded");
    let checked = failures.iter().filter(|f| f["throttled"] == false).count();
    // As through one process (security.rs): 5, or one or two more when attempts commit out of
    // the order they started in; never the whole burst.
    assert!(
        (5..=7).contains(&checked),
        "{checked} passwords of the burst were checked"
    );
    for server in 0..3 {
        let r = c.login(server, "198.51.100.7", victim_email, PASSWORD).await;
        assert_eq!(r.status, 401, "the right password waits, on every process: {}", r.body);
    }

    // 5. The per-address sign-in limit holds for the three together: 20 a minute, not 60.
    room_in_this_minute(30).await;
    let tries = futures_util::future::join_all((0..30).map(|i| async move {
        cr.login(i, "203.0.113.50", &format!("nobody{i}@example.com"), WRONG)
            .await
    }))
    .await;
    let limited = tries.iter().filter(|r| r.status == 429).count();
    let refused = tries.iter().filter(|r| r.status == 401).count();
    assert_eq!(
        (refused, limited),
        (20, 10),
        "20 attempts a minute from one address across all processes"
    );
    for server in 0..3 {
        let r = c.login(server, "203.0.113.50", "nobody@example.com", WRONG).await;
        assert_eq!(r.status, 429, "over the limit on every process");
    }
    assert_eq!(
        c.login(0, "203.0.113.51", "nobody@example.com", WRONG).await.status,
        401,
        "another address is not affected"
    );
    // Failed API keys likewise: 25 wrong keys from one address at once, spread over the three:
    // 20 are answered "not valid", 5 "wait" (per-process counting would allow 60), and then
    // that address waits everywhere. (A guess is checked against the failures recorded so far
    // before its key is looked up, so a *valid* key sent in the same instant as the burst could
    // still be let in; the wrong ones past the 20th never get a 401.)
    let guess = |server: usize, key: String| {
        let auth = format!("Bearer {key}");
        async move {
            cr.send(
                server,
                reqwest::Method::GET,
                "/api/v1/me",
                None,
                &[("authorization", &auth), ("x-forwarded-for", "203.0.113.60")],
            )
            .await
        }
    };
    room_in_this_minute(20).await;
    let guesses = futures_util::future::join_all((0..25).map(|i| guess(i, format!("ak_guess_{i}")))).await;
    let not_valid = guesses.iter().filter(|r| r.status == 401).count();
    let waits = guesses.iter().filter(|r| r.status == 429).count();
    assert_eq!(
        (not_valid, waits),
        (20, 5),
        "20 failed keys a minute from one address across all processes"
    );
    for server in 0..3 {
        assert_eq!(
            guess(server, "ak_guess_more".into()).await.status,
            429,
            "server {server}"
        );
    }
    for server in 0..3 {
        let auth = format!("Bearer {KEY}");
        let r = c
            .send(
                server,
                reqwest::Method::GET,
                "/api/v1/me",
                None,
                &[("authorization", &auth), ("x-forwarded-for", "203.0.113.60")],
            )
            .await;
        assert_eq!(r.status, 429, "even a valid key waits, on every process");
    }
    assert_eq!(
        c.get(1, "/api/v1/me").await.status,
        200,
        "other addresses are not affected"
    );

    // 6. A renamed location shows its new name at once, through every process.
    let oid = placed[0].body["id"].as_str().expect("id");
    for server in 0..3 {
        let st = c.get(server, &format!("/api/v1/orders/{oid}/status")).await;
        assert_eq!(st.body["lines"][0]["ship_to"], "Main St receiving dock", "{}", st.body);
    }
    let renamed = c
        .send(
            0,
            reqwest::Method::PATCH,
            &format!("/api/v1/accounts/{}/locations/{}", w.account, w.ship_to),
            Some(&json!({"name": "Elm St loading bay"})),
            &[],
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    for server in [0, 1, 2] {
        let st = c.get(server, &format!("/api/v1/orders/{oid}/status")).await;
        assert_eq!(
            st.body["lines"][0]["ship_to"], "Elm St loading bay",
            "server {server} answers with the new name"
        );
    }

    // 7. An approval reminder is sent once while three workers run their pass at once.
    let buyer_email = "bea.buyer@northwind.example";
    let buyer = user(&c, &w, 1, buyer_email, &["buyer"]).await;
    let key = c
        .post(2, "/api/v1/api-keys", json!({"name": "buyer key", "user_id": buyer}))
        .await;
    let buyer_key = format!("Bearer {}", key["key"].as_str().expect("key"));
    let policy = json!({"rules": [{"name": "Big", "condition": {"kind": "order_total_over", "amount": {"amount": "100.00", "currency": "USD"}},
                                   "levels": [{"kind": "role"}]}],
                        "remind_after_hours": 24, "escalate_after_hours": 48});
    let r = c
        .send(
            0,
            reqwest::Method::PUT,
            &format!("/api/v1/accounts/{}/approval-policy", w.account),
            Some(&policy),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let waiting = c
        .send(
            1,
            reqwest::Method::POST,
            "/api/v1/orders",
            Some(&order_body(&w, "PO-BIG", 50)),
            &[("authorization", &buyer_key)],
        )
        .await;
    assert_eq!(waiting.status, 201, "{}", waiting.body);
    let waiting = waiting.body["id"].as_str().expect("id").to_owned();
    let later = time::OffsetDateTime::now_utc() + time::Duration::hours(25);
    let mut workers = Vec::new();
    for _ in 0..3 {
        let store = aftercart_store::Store::open(&db).await.expect("open");
        workers.push(aftercart_app::App::new(
            store,
            std::sync::Arc::new(aftercart_app::FixedClock::new(later)),
        ));
    }
    let passes = futures_util::future::join_all(workers.iter().map(|a| a.run_approval_reminders())).await;
    let sent: usize = passes.into_iter().map(|p| p.expect("reminder pass")).sum();
    assert_eq!(sent, 1, "one reminder in all, not one per process");
    let tl = c.get(2, &format!("/api/v1/orders/{waiting}/timeline?limit=500")).await;
    let reminders = tl.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["kind"] == "approval.reminder_sent")
        .count();
    assert_eq!(reminders, 1, "{}", tl.body);

    drop(servers);
    drop(schema);
    let _ = std::fs::remove_dir_all(dir);
}

async fn futures_join3<A, B, C, T>(a: A, b: B, c: C) -> Vec<T>
where
    A: std::future::Future<Output = T>,
    B: std::future::Future<Output = T>,
    C: std::future::Future<Output = T>,
{
    let (a, b, c) = tokio::join!(a, b, c);
    vec![a, b, c]
}
