//! Crash safety, proven on the real binary: `aftercart serve` on SQLite and on PostgreSQL takes a
//! stream of writes (orders, allocations, payments, each with an Idempotency-Key) from a few
//! concurrent clients over loopback and is killed with SIGKILL at seeded random points, several
//! times. After every restart:
//! - every acknowledged write is there (read back by id);
//! - nothing is half-written: every order's line ledgers balance, each order has exactly one
//!   `order.placed` event, the allocations on an order equal the sum of its `line.allocated`
//!   events, each payment has exactly one `payment.received` event, and the number of orders and
//!   payments lies between the acknowledged writes and the acknowledged plus unacknowledged ones;
//! - a retry of an unacknowledged write with the same key either replays (it had committed) or
//!   creates it now, once;
//! - a retry of an acknowledged write replays the same response (same id, `Idempotent-Replayed`).
//!
//! At the end every write is retried once more and the store must hold exactly one of each: one
//! order per order key, one payment per payment key, and allocations adding up to exactly the sum
//! of all allocation writes.
//!
//! The kill points come from a seeded RNG; set `AFTERCART_CRASH_SEED` to repeat a run's choices
//! (the printed seed is in the failure output). What SIGKILL proves is that no acknowledged write
//! lives only in the process; it does not simulate power loss (the OS still flushes its cache).

use super::{Server, bin, spawn_server, temp_dir};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A strong key (40+ characters), whatever the server's key rules are.
const KEY: &str = "crash-test-staff-key-4c1e8a7f2b9d3e6a0c5f8b1d4e7a2c9f";
const CYCLES: usize = 8;
const CLIENTS: usize = 3;
/// Each order has one line of this many units; allocations take 1–3 at a time.
const LINE_QTY: u64 = 400;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Order,
    Allocation,
    Payment,
}

#[derive(Clone, Debug)]
struct Write {
    kind: Kind,
    key: String,
    path: String,
    body: Value,
    /// The order an allocation is for.
    order: Option<String>,
    qty: u64,
    /// (status, id) of the first successful answer: the write was acknowledged.
    acked: Option<(u16, String)>,
}

#[derive(Default)]
struct Log {
    writes: Vec<Write>,
    /// Valid writes the server refused (there must be none).
    refused: Vec<String>,
}

#[derive(Clone)]
struct World {
    account: String,
    ship_to: String,
    warehouse: String,
    product: String,
}

fn seed() -> u64 {
    std::env::var("AFTERCART_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
        })
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .pool_max_idle_per_host(CLIENTS)
        .build()
        .expect("client")
}

/// Sends `body` to `path`; Ok((status, json, replayed)) for any answer, Err for a transport error.
async fn post(
    http: &reqwest::Client,
    base: &str,
    path: &str,
    key: Option<&str>,
    body: &Value,
) -> Result<(u16, Value, bool), reqwest::Error> {
    let mut r = http.post(format!("{base}{path}")).bearer_auth(KEY).json(body);
    if let Some(k) = key {
        r = r.header("idempotency-key", k);
    }
    let res = r.send().await?;
    let status = res.status().as_u16();
    let replayed = res.headers().get("idempotent-replayed").is_some_and(|v| v == "true");
    let body = res.json::<Value>().await?;
    Ok((status, body, replayed))
}

async fn get(http: &reqwest::Client, base: &str, path: &str) -> Value {
    let res = http
        .get(format!("{base}{path}"))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap_or_else(|e| panic!("GET {path}: {e}"));
    assert_eq!(status, 200, "GET {path}: {body}");
    body
}

/// Every item of a paged list (`next_cursor`).
async fn list_all(http: &reqwest::Client, base: &str, path: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("{path}?limit=500&cursor={c}"),
            None => format!("{path}?limit=500"),
        };
        let page = get(http, base, &url).await;
        items.extend(page["items"].as_array().expect("items").iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return items,
        }
    }
}

/// Every event of a timeline (`next_after`).
async fn timeline_all(http: &reqwest::Client, base: &str, path: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut after = 0;
    loop {
        let page = get(http, base, &format!("{path}?limit=500&after={after}")).await;
        items.extend(page["items"].as_array().expect("items").iter().cloned());
        match page["next_after"].as_i64() {
            Some(a) => after = a,
            None => return items,
        }
    }
}

async fn setup(http: &reqwest::Client, base: &str) -> World {
    let ok = |r: (u16, Value, bool), what: &str| {
        assert!((200..300).contains(&r.0), "{what}: {} {}", r.0, r.1);
        r.1
    };
    let warehouse = ok(
        post(
            http,
            base,
            "/api/v1/fulfilment-locations",
            None,
            &json!({"code": "DAL", "name": "Dallas DC", "kind": "warehouse", "city": "Dallas"}),
        )
        .await
        .expect("warehouse"),
        "warehouse",
    );
    let product = ok(
        post(
            http,
            base,
            "/api/v1/products",
            None,
            &json!({"sku": "GLV-NIT-M", "name": "Nitrile gloves (M), box of 100", "category": "safety",
                    "list_price": {"amount": "14.00", "currency": "USD"}}),
        )
        .await
        .expect("product"),
        "product",
    );
    let account = ok(
        post(
            http,
            base,
            "/api/v1/accounts",
            None,
            &json!({"number": "C-1001", "name": "Northwind Clinics", "currency": "USD", "payment_terms_days": 30, "credit_limit": {"amount": "100000000.00", "currency": "USD"},
                    "locations": [{"kind": "bill_to", "name": "Head office AP", "city": "Austin"},
                                  {"kind": "ship_to", "name": "Main St receiving dock", "city": "Austin"}]}),
        )
        .await
        .expect("account"),
        "account",
    );
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
        warehouse: warehouse["id"].as_str().expect("id").to_owned(),
        product: product["id"].as_str().expect("id").to_owned(),
    }
}

/// The next write a client sends: an order, an allocation on an acknowledged order with room
/// left, or a payment.
fn next_write(rng: &mut StdRng, log: &Mutex<Log>, w: &World, key: String) -> Write {
    let roll = rng.random_range(0..10);
    if (4..8).contains(&roll) {
        let log = log.lock().expect("log");
        let mut taken: HashMap<&str, u64> = HashMap::new();
        for x in &log.writes {
            match (x.kind, &x.acked, &x.order) {
                (Kind::Order, Some((_, id)), _) => *taken.entry(id).or_insert(0) += 0,
                (Kind::Allocation, _, Some(o)) => *taken.entry(o).or_insert(0) += x.qty,
                _ => {}
            }
        }
        let mut open: Vec<&str> = taken
            .iter()
            .filter(|(_, t)| **t + 3 <= LINE_QTY)
            .map(|(id, _)| *id)
            .collect();
        open.sort_unstable();
        if !open.is_empty() {
            let order = open[rng.random_range(0..open.len())].to_owned();
            let qty = rng.random_range(1..=3);
            return Write {
                kind: Kind::Allocation,
                key,
                path: format!("/api/v1/orders/{order}/allocations"),
                body: json!({"line": 1, "fulfilment_location_id": w.warehouse, "quantity": qty}),
                order: Some(order),
                qty,
                acked: None,
            };
        }
    }
    if roll >= 8 {
        return Write {
            kind: Kind::Payment,
            body: json!({"account_id": w.account, "method": "ach", "amount": {"amount": "10.00", "currency": "USD"},
                         "reference": key, "applications": []}),
            key,
            path: "/api/v1/payments".into(),
            order: None,
            qty: 0,
            acked: None,
        };
    }
    Write {
        kind: Kind::Order,
        body: json!({"account_id": w.account, "po_number": key,
                     "lines": [{"product_id": w.product, "quantity": LINE_QTY, "ship_to": w.ship_to}]}),
        key,
        path: "/api/v1/orders".into(),
        order: None,
        qty: 0,
        acked: None,
    }
}

fn is_success(status: u16) -> bool {
    (200..300).contains(&status)
}

/// One client: writes until the server dies (or `stop`), logging each write before it is sent
/// and marking it acknowledged when a success comes back.
async fn client(base: String, w: World, log: Arc<Mutex<Log>>, stop: Arc<AtomicBool>, seed: u64, tag: String) {
    let http = http();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut n = 0;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let write = next_write(&mut rng, &log, &w, format!("{tag}-{n}"));
        let i = {
            let mut l = log.lock().expect("log");
            l.writes.push(write.clone());
            l.writes.len() - 1
        };
        match post(&http, &base, &write.path, Some(&write.key), &write.body).await {
            Ok((status, body, _)) if is_success(status) => {
                let id = body["id"].as_str().expect("id in a success").to_owned();
                log.lock().expect("log").writes[i].acked = Some((status, id));
            }
            Ok((status, body, _)) => {
                log.lock()
                    .expect("log")
                    .refused
                    .push(format!("{} {}: {status} {body}", write.key, write.path));
            }
            // The server is gone (killed mid-request or before it): unacknowledged.
            Err(_) => return,
        }
    }
}

#[derive(Default)]
struct Tally {
    acked: HashSet<String>,
    /// Writes sent but never acknowledged.
    unacked: usize,
}

fn tally(log: &Log, kind: Kind) -> Tally {
    let mut t = Tally::default();
    for w in log.writes.iter().filter(|w| w.kind == kind) {
        match &w.acked {
            Some((_, id)) => {
                t.acked.insert(id.clone());
            }
            None => t.unacked += 1,
        }
    }
    t
}

fn ledger(line: &Value) -> &Value {
    // The line ledger's field name is being unified; accept either spelling.
    if line["ledger"].is_object() {
        &line["ledger"]
    } else {
        &line["quantities"]
    }
}

/// Checks what a freshly restarted server holds against the log. `exact`: every write has been
/// retried until acknowledged, so the counts must match exactly.
async fn verify(http: &reqwest::Client, base: &str, w: &World, log: &Log, exact: bool) {
    let n = |v: &Value| v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"));
    // Orders: every acknowledged one is there, no more than could have committed.
    let orders = tally(log, Kind::Order);
    let listed: HashSet<String> = list_all(http, base, "/api/v1/orders")
        .await
        .iter()
        .map(|o| o["id"].as_str().expect("id").to_owned())
        .collect();
    let missing: Vec<_> = orders.acked.difference(&listed).collect();
    assert!(missing.is_empty(), "acknowledged orders lost: {missing:?}");
    let extra = listed.len() - orders.acked.len();
    assert!(
        extra <= orders.unacked,
        "{extra} unacknowledged orders exist but only {} were sent",
        orders.unacked
    );
    if exact {
        assert_eq!(extra, 0, "every order key was acknowledged: no other orders may exist");
    }
    // Each order: balanced ledger; document and timeline agree.
    let mut allocated_by_order: HashMap<String, u64> = HashMap::new();
    for id in &listed {
        let o = get(http, base, &format!("/api/v1/orders/{id}")).await;
        let mut allocated = 0;
        for line in o["lines"].as_array().expect("lines") {
            let l = ledger(line);
            let parts = [
                "cancelled",
                "unallocated",
                "backordered",
                "allocated",
                "in_transit",
                "delivered",
                "returned",
            ];
            let sum: u64 = parts.iter().map(|p| n(&l[*p])).sum();
            assert_eq!(sum, n(&l["ordered"]), "order {id}: ledger does not balance: {l}");
            allocated += line["allocations"]
                .as_array()
                .expect("allocations")
                .iter()
                .map(|a| n(&a["quantity"]))
                .sum::<u64>();
        }
        let events = timeline_all(http, base, &format!("/api/v1/orders/{id}/timeline")).await;
        let placed = events.iter().filter(|e| e["kind"] == "order.placed").count();
        assert_eq!(placed, 1, "order {id}: one order.placed event");
        let by_events: u64 = events
            .iter()
            .filter(|e| e["kind"] == "line.allocated")
            .map(|e| n(&e["data"]["quantity"]))
            .sum();
        assert_eq!(
            by_events, allocated,
            "order {id}: allocations in the document and in the timeline differ"
        );
        allocated_by_order.insert(id.clone(), allocated);
    }
    // Allocations: at least the acknowledged ones, at most those plus the unacknowledged.
    let mut bounds: HashMap<&str, (u64, u64)> = HashMap::new();
    for x in log.writes.iter().filter(|x| x.kind == Kind::Allocation) {
        let b = bounds.entry(x.order.as_deref().expect("order")).or_default();
        if x.acked.is_some() {
            b.0 += x.qty;
        }
        b.1 += x.qty;
    }
    for (order, (lo, hi)) in bounds {
        let got = allocated_by_order.get(order).copied().unwrap_or(0);
        assert!(
            lo <= got && got <= hi,
            "order {order}: {got} allocated, expected {lo}..={hi}"
        );
        if exact {
            assert_eq!(got, hi, "order {order}: every allocation applied exactly once");
        }
    }
    // Payments: the same, plus exactly one payment.received event each.
    let payments = tally(log, Kind::Payment);
    let listed: HashSet<String> = list_all(http, base, "/api/v1/payments")
        .await
        .iter()
        .map(|p| p["id"].as_str().expect("id").to_owned())
        .collect();
    let missing: Vec<_> = payments.acked.difference(&listed).collect();
    assert!(missing.is_empty(), "acknowledged payments lost: {missing:?}");
    let extra = listed.len() - payments.acked.len();
    assert!(extra <= payments.unacked, "{extra} unacknowledged payments exist");
    if exact {
        assert_eq!(
            extra, 0,
            "every payment key was acknowledged: no other payments may exist"
        );
    }
    for id in &payments.acked {
        let p = get(http, base, &format!("/api/v1/payments/{id}")).await;
        assert_eq!(p["amount"]["amount"], "10.00", "payment {id}");
    }
    let events = timeline_all(http, base, &format!("/api/v1/accounts/{}/timeline", w.account)).await;
    let mut received: Vec<String> = events
        .iter()
        .filter(|e| e["kind"] == "payment.received")
        .map(|e| e["subject_id"].as_str().expect("subject_id").to_owned())
        .collect();
    received.sort_unstable();
    let mut expected: Vec<String> = listed.into_iter().collect();
    expected.sort_unstable();
    assert_eq!(received, expected, "exactly one payment.received event per payment");
}

/// Retries `write` with its key and body; it must succeed, and replay if it was acknowledged.
async fn retry(http: &reqwest::Client, base: &str, write: &mut Write) -> bool {
    let (status, body, replayed) = post(http, base, &write.path, Some(&write.key), &write.body)
        .await
        .unwrap_or_else(|e| panic!("retry {}: {e}", write.key));
    assert!(
        is_success(status),
        "retry {} {}: {status} {body}",
        write.key,
        write.path
    );
    let id = body["id"].as_str().expect("id").to_owned();
    match &write.acked {
        Some((s, first)) => {
            assert!(replayed, "retry of acknowledged {} was not a replay: {body}", write.key);
            assert_eq!((*s, first.as_str()), (status, id.as_str()), "replay of {}", write.key);
        }
        None => write.acked = Some((status, id)),
    }
    replayed
}

async fn restart(db: &str, dir: &std::path::Path, n: usize) -> (Server, String) {
    let mut cmd = bin();
    cmd.args(["serve", "--addr", "127.0.0.1:0", "--db", db, "--api-key", KEY]);
    let (server, base) = spawn_server(cmd, &dir.join(format!("server-{n}.log"))).await;
    // Ready when it answers (it prints its address before serving).
    let http = http();
    let deadline = Instant::now() + Duration::from_secs(20);
    while http.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(Instant::now() < deadline, "server did not answer at {base}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (server, base)
}

async fn crash_cycles(db: &str, dir: &std::path::Path) {
    let started = Instant::now();
    let seed = seed();
    println!("crash test seed {seed} (set AFTERCART_CRASH_SEED={seed} to repeat the kill points)");
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut server, mut base) = restart(db, dir, 0).await;
    let world = setup(&http(), &base).await;
    let log = Arc::new(Mutex::new(Log::default()));
    let (mut committed_unacked, mut lost_in_flight) = (0, 0);
    for cycle in 1..=CYCLES {
        let stop = Arc::new(AtomicBool::new(false));
        let clients: Vec<_> = (0..CLIENTS)
            .map(|c| {
                tokio::spawn(client(
                    base.clone(),
                    world.clone(),
                    log.clone(),
                    stop.clone(),
                    rng.random(),
                    format!("k{cycle}-{c}"),
                ))
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(rng.random_range(150..900))).await;
        // SIGKILL (std's Child::kill on Unix): no shutdown, no flush, no goodbye.
        server.0.kill().expect("SIGKILL");
        server.0.wait().expect("reap");
        stop.store(true, Ordering::Relaxed);
        for c in clients {
            c.await.expect("client task");
        }
        drop(server);
        (server, base) = restart(db, dir, cycle).await;
        let http = http();
        let mut l = log.lock().expect("log").writes.clone();
        let refused = log.lock().expect("log").refused.clone();
        assert!(refused.is_empty(), "valid writes refused: {refused:#?}");
        verify(
            &http,
            &base,
            &world,
            &Log {
                writes: l.clone(),
                refused,
            },
            false,
        )
        .await;
        // Retry what was never acknowledged, as a client would; replay a sample of the rest.
        for wr in l.iter_mut() {
            if wr.acked.is_none() {
                if retry(&http, &base, wr).await {
                    committed_unacked += 1;
                } else {
                    lost_in_flight += 1;
                }
            } else if rng.random_range(0..20) == 0 {
                retry(&http, &base, wr).await;
            }
        }
        log.lock().expect("log").writes = l;
    }
    // Every key once more: all replay, and the store holds exactly one of each.
    let http = http();
    let mut l = log.lock().expect("log").writes.clone();
    for wr in l.iter_mut() {
        retry(&http, &base, wr).await;
    }
    verify(
        &http,
        &base,
        &world,
        &Log {
            writes: l.clone(),
            refused: vec![],
        },
        true,
    )
    .await;
    drop(server);
    let count = |k| l.iter().filter(|w| w.kind == k).count();
    println!(
        "{CYCLES} kills, {} writes ({} orders, {} allocations, {} payments); {committed_unacked} committed but \
         unacknowledged, {lost_in_flight} not committed; {:.1}s",
        l.len(),
        count(Kind::Order),
        count(Kind::Allocation),
        count(Kind::Payment),
        started.elapsed().as_secs_f64()
    );
    assert!(
        count(Kind::Order) >= CYCLES && count(Kind::Allocation) > 0 && count(Kind::Payment) > 0,
        "the stream exercised every kind of write"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_survives_sigkill() {
    let dir = temp_dir("crash-sqlite");
    let db = format!("sqlite:{}", dir.join("crash.db").display());
    crash_cycles(&db, &dir).await;
    let _ = std::fs::remove_dir_all(dir);
}

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_survives_sigkill() {
    let dir = temp_dir("crash-pg");
    let schema = PgSchema(format!("crash_{}_{}", std::process::id(), seed() % 1_000_000));
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
    crash_cycles(&db, &dir).await;
    drop(schema);
    let _ = std::fs::remove_dir_all(dir);
}
