//! `bench run --scenario size`: what each step of an order's life costs as the order grows.
//!
//! First a ceiling run (`GET /api/v1/ping`) at the same concurrency. Then, for each size N
//! (lines; `--sizes`, default 10, 100 and 1,000), each step runs alone for `--seconds` after
//! `--warmup`, with `--concurrency` workers. Every worker writes to orders of its own (it takes
//! whole orders from a shared queue), so no two requests race for one order's version: the
//! figure is the step's cost, not a conflict's retry. Steps, and what each one uses up:
//!
//! - `place`: `POST /orders` with N lines (2 units each, one ship-to). The orders placed (and
//!   more placed untimed if they are too few) are the pool the next steps draw from.
//! - `allocate`: `POST /orders/{id}/allocations`, 1 unit of one line, line after line.
//! - `backorder`: `POST /orders/{id}/backorders`, the other unit of the same lines.
//!   Both send `Prefer: return=minimal` (204 and the ETag: the step, not a rendering of the
//!   whole order) unless `--full-answers`.
//! - `ship`: `POST /shipments` of 5 lines, on pool orders the two walks above did not reach,
//!   each allocated in full first with one untimed `POST /orders/{id}/fulfilment`.
//! - `receive`: `POST /shipments/{id}/receipt` for the shipments the ship step created.
//! - `scan`: `POST /tracking-events` with one scan, on reference orders: N lines allocated (one
//!   batch request) and shipped as N/5 shipments of 5 lines (one `POST /shipment-waves`), so a
//!   1,000-line order carries 200 shipments; each parcel gets at most 6 scans, as a real one
//!   does, so a small order's parcels do not collect hundreds.
//! - `status`: `GET /orders/{id}/status` of the reference orders, after their scans.
//!
//! `--prepare` (default 10,000) bounds each consuming step's fixtures (line walks, shipments,
//! scans); a step that uses them up before its time stops early and says so, and its rate is
//! taken over the time it ran. Output: a Markdown table on stdout (each step's ops/s, % of the
//! ceiling, mean, p50 and p99 latency; then the largest size against the smallest), and one
//! JSON line last.

use super::client::{Api, short};
use super::load::{RunArgs, World, create_world, parallel, send};
use super::report::{Rec, mean_ms, ms, quantile};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

/// The largest order measured: a batch fulfilment request takes at most 1,000 steps.
pub const MAX_LINES: usize = 1000;
/// Lines per shipment (ship step and reference orders).
const SHIP_LINES: usize = 5;
/// Units per line: one to allocate, one to backorder (ship orders allocate both).
const UNITS: u64 = 2;
/// What a parcel's scans say, in turn; at most this many per parcel.
const SCAN_CYCLE: [&str; 6] = [
    "in_transit",
    "in_transit",
    "out_for_delivery",
    "failed_attempt",
    "out_for_delivery",
    "delivered",
];
const DEFAULT_BUDGET: usize = 10_000;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum StepKind {
    Ceiling,
    Place,
    Allocate,
    Backorder,
    Ship,
    Receive,
    Scan,
    Status,
}

impl StepKind {
    const ORDER: [StepKind; 7] = [
        StepKind::Place,
        StepKind::Allocate,
        StepKind::Backorder,
        StepKind::Ship,
        StepKind::Receive,
        StepKind::Scan,
        StepKind::Status,
    ];
    fn name(self) -> &'static str {
        match self {
            StepKind::Ceiling => "ceiling",
            StepKind::Place => "place",
            StepKind::Allocate => "allocate",
            StepKind::Backorder => "backorder",
            StepKind::Ship => "ship",
            StepKind::Receive => "receive",
            StepKind::Scan => "scan",
            StepKind::Status => "status",
        }
    }
    fn what(self) -> &'static str {
        match self {
            StepKind::Ceiling => "GET /api/v1/ping",
            StepKind::Place => "POST /orders, N lines",
            StepKind::Allocate => "POST /orders/{id}/allocations, 1 line",
            StepKind::Backorder => "POST /orders/{id}/backorders, 1 line",
            StepKind::Ship => "POST /shipments, 5 lines",
            StepKind::Receive => "POST /shipments/{id}/receipt, 5 lines",
            StepKind::Scan => "POST /tracking-events, 1 scan",
            StepKind::Status => "GET /orders/{id}/status",
        }
    }
}

/// Work handed out whole: each item is owned by the one worker that took it.
struct Queue<T> {
    items: Vec<T>,
    next: AtomicUsize,
}

impl<T> Queue<T> {
    fn new(items: Vec<T>) -> Queue<T> {
        Queue {
            items,
            next: AtomicUsize::new(0),
        }
    }
}

/// A worker's place in a queue: the item it owns and how far through it it is.
#[derive(Default)]
struct Cursor {
    item: Option<usize>,
    j: usize,
}

/// The next unit of work: an item of the queue (the worker's own, or a fresh one) and the index
/// of the unit within it; None when the queue is used up.
fn next_in<'a, T>(q: &'a Queue<T>, cur: &mut Cursor, units: impl Fn(&T) -> usize) -> Option<(usize, &'a T, usize)> {
    loop {
        if let Some(k) = cur.item {
            let it = &q.items[k];
            if cur.j < units(it) {
                cur.j += 1;
                return Some((k, it, cur.j - 1));
            }
        }
        let k = q.next.fetch_add(1, Relaxed);
        if k >= q.items.len() {
            return None;
        }
        cur.item = Some(k);
        cur.j = 0;
    }
}

struct ShipOrder {
    id: Uuid,
    chunks: Vec<Vec<u32>>,
}

#[derive(Clone)]
struct Parcel {
    order: Uuid,
    shipment: Uuid,
    lines: Vec<u32>,
}

struct RefOrder {
    id: Uuid,
    numbers: Vec<String>,
}

enum Load {
    Ceiling,
    Place(Vec<u8>),
    Allocate(Queue<Uuid>),
    Backorder(Queue<Uuid>),
    Ship(Queue<ShipOrder>),
    Receive(Queue<Vec<Parcel>>),
    Scan(Queue<RefOrder>),
    Status(Vec<Uuid>),
}

impl Load {
    fn kind(&self) -> StepKind {
        match self {
            Load::Ceiling => StepKind::Ceiling,
            Load::Place(_) => StepKind::Place,
            Load::Allocate(_) => StepKind::Allocate,
            Load::Backorder(_) => StepKind::Backorder,
            Load::Ship(_) => StepKind::Ship,
            Load::Receive(_) => StepKind::Receive,
            Load::Scan(_) => StepKind::Scan,
            Load::Status(_) => StepKind::Status,
        }
    }
    /// Fixture units prepared (0: unbounded); `lines` per order.
    fn prepared(&self, lines: usize) -> usize {
        match self {
            Load::Ceiling | Load::Place(_) => 0,
            Load::Allocate(q) | Load::Backorder(q) => q.items.len() * lines,
            Load::Ship(q) => q.items.iter().map(|o| o.chunks.len()).sum(),
            Load::Receive(q) => q.items.iter().map(Vec::len).sum(),
            Load::Scan(q) => q.items.iter().map(|o| o.numbers.len() * SCAN_CYCLE.len()).sum(),
            Load::Status(ids) => ids.len(),
        }
    }
}

/// What a step makes that a later one uses.
enum Made {
    Order(Uuid),
    Parcel(Parcel),
}

struct StepCtx {
    load: Load,
    world: Arc<World>,
    lines: usize,
    /// Unique tracking numbers and event ids within the run.
    serial: AtomicU64,
    scan_base: OffsetDateTime,
    full_answers: bool,
}

enum Outcome {
    Done,
    Exhausted,
}

/// The id at the start of a JSON object (`{"id":"…"` — orders and shipments answer with it
/// first), without decoding the rest of a large answer; falls back to decoding.
fn leading_id(body: &[u8]) -> Result<Uuid, String> {
    const PREFIX: &[u8] = b"{\"id\":\"";
    if body.starts_with(PREFIX)
        && let Some(s) = body.get(PREFIX.len()..PREFIX.len() + 36)
        && let Ok(id) = std::str::from_utf8(s).unwrap_or("").parse::<Uuid>()
    {
        return Ok(id);
    }
    #[derive(Deserialize)]
    struct IdOnly {
        id: Uuid,
    }
    serde_json::from_slice::<IdOnly>(body)
        .map(|v| v.id)
        .map_err(|e| format!("no id in the response ({e}): {}", short(&String::from_utf8_lossy(body))))
}

fn json_post(api: &Api, path: &str, body: &Value) -> reqwest::RequestBuilder {
    api.http.post(api.url(path)).json(body)
}

async fn op(api: &Api, cx: &StepCtx, cur: &mut Cursor, i: u64, rec: &mut Rec, made: &mut Vec<Made>) -> Outcome {
    let w = &cx.world;
    match &cx.load {
        Load::Ceiling => {
            if send(rec, api.http.get(api.url("/api/v1/ping")), false).await.is_some() {
                rec.iteration(1);
            }
        }
        Load::Place(body) => {
            let req = api
                .http
                .post(api.url("/api/v1/orders"))
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone());
            if let Some(b) = send(rec, req, true).await {
                match leading_id(&b) {
                    Ok(id) => {
                        rec.iteration(1);
                        made.push(Made::Order(id));
                    }
                    Err(e) => rec.error(e),
                }
            }
        }
        Load::Allocate(q) | Load::Backorder(q) => {
            let Some((_, id, j)) = next_in(q, cur, |_| cx.lines) else {
                return Outcome::Exhausted;
            };
            let line = j as u32 + 1;
            let req = if matches!(cx.load, Load::Allocate(_)) {
                json_post(
                    api,
                    &format!("/api/v1/orders/{id}/allocations"),
                    &json!({"line": line, "fulfilment_location_id": w.warehouses[0], "quantity": 1}),
                )
            } else {
                json_post(
                    api,
                    &format!("/api/v1/orders/{id}/backorders"),
                    &json!({"line": line, "quantity": 1, "expected_date": w.requested, "reason": "bench: supplier delay"}),
                )
            };
            // The step itself, not a rendering of the whole order (unless --full-answers).
            let req = if cx.full_answers {
                req
            } else {
                req.header("prefer", "return=minimal")
            };
            if send(rec, req, false).await.is_some() {
                rec.iteration(1);
            }
        }
        Load::Ship(q) => {
            let Some((_, o, j)) = next_in(q, cur, |o| o.chunks.len()) else {
                return Outcome::Exhausted;
            };
            let lines = &o.chunks[j];
            let number = format!("1ZS{}{:04}{:08}", w.tag, cx.lines, cx.serial.fetch_add(1, Relaxed));
            let body = json!({
                "order_id": o.id, "from_location_id": w.warehouses[0], "to_location_id": w.ship_to[0],
                "lines": lines.iter().map(|l| json!({"line": l, "quantity": UNITS})).collect::<Vec<_>>(),
                "carrier": "UPS", "service": "Ground", "tracking_number": number,
            });
            if let Some(b) = send(rec, json_post(api, "/api/v1/shipments", &body), true).await {
                match leading_id(&b) {
                    Ok(shipment) => {
                        rec.iteration(1);
                        made.push(Made::Parcel(Parcel {
                            order: o.id,
                            shipment,
                            lines: lines.clone(),
                        }));
                    }
                    Err(e) => rec.error(e),
                }
            }
        }
        Load::Receive(q) => {
            let Some((_, parcels, j)) = next_in(q, cur, Vec::len) else {
                return Outcome::Exhausted;
            };
            let p = &parcels[j];
            let body = json!({
                "lines": p.lines.iter().map(|l| json!({"line": l, "received": UNITS})).collect::<Vec<_>>(),
            });
            let path = format!("/api/v1/shipments/{}/receipt", p.shipment);
            if send(rec, json_post(api, &path, &body), false).await.is_some() {
                rec.iteration(1);
            }
        }
        Load::Scan(q) => {
            let Some((k, o, j)) = next_in(q, cur, |o| o.numbers.len() * SCAN_CYCLE.len()) else {
                return Outcome::Exhausted;
            };
            // Every parcel of the order gets its first scan, then every parcel its second, …
            let (parcel, pass) = (j % o.numbers.len(), j / o.numbers.len());
            let at = cx.scan_base + Duration::from_secs(3600 * pass as u64 + parcel as u64);
            let body = json!({"events": [{
                "tracking_number": o.numbers[parcel],
                "status": SCAN_CYCLE[pass],
                "occurred_at": at.format(&Rfc3339).unwrap_or_default(),
                "location": "Memphis, TN",
                "event_id": format!("{}-{}-{k}-{j}", w.tag, cx.lines),
                "source": "bench",
            }]});
            if let Some(b) = send(rec, json_post(api, "/api/v1/tracking-events", &body), true).await {
                let v: Value = serde_json::from_slice(&b).unwrap_or(Value::Null);
                if v["applied"] == 1 {
                    rec.iteration(1);
                } else {
                    rec.error(format!("the scan was not applied: {}", short(&v.to_string())));
                }
            }
        }
        Load::Status(ids) => {
            let id = ids[(super::mix(i) % ids.len() as u64) as usize];
            let path = format!("/api/v1/orders/{id}/status");
            if send(rec, api.http.get(api.url(&path)), false).await.is_some() {
                rec.iteration(1);
            }
        }
    }
    Outcome::Done
}

/// One step's figures.
struct Figures {
    lines: usize,
    step: StepKind,
    ops: u64,
    requests: u64,
    errors: u64,
    first_error: Option<String>,
    elapsed_s: f64,
    ops_per_s: f64,
    mean_ms: f64,
    p50_ms: f64,
    p99_ms: f64,
    exhausted: bool,
    prepared: usize,
}

impl Figures {
    fn json(&self, ceiling: f64) -> Value {
        json!({
            "lines": self.lines,
            "step": self.step.name(),
            "ops": self.ops,
            "requests": self.requests,
            "errors": self.errors,
            "first_error": self.first_error,
            "elapsed_s": (self.elapsed_s * 1000.0).round() / 1000.0,
            "ops_per_s": self.ops_per_s,
            "pct_of_ceiling": pct(self.ops_per_s, ceiling),
            "mean_ms": self.mean_ms,
            "p50_ms": self.p50_ms,
            "p99_ms": self.p99_ms,
            "fixtures_prepared": self.prepared,
            "fixtures_exhausted": self.exhausted,
        })
    }
}

fn pct(x: f64, of: f64) -> Option<f64> {
    (of > 0.0).then(|| (x / of * 1000.0).round() / 10.0)
}

/// Runs one step with `c` workers: warm-up, then the window; returns its figures and what it made
/// (warm-up included: an order placed then is as real as any).
async fn measure(api: &Api, cx: Arc<StepCtx>, a: &RunArgs) -> (Figures, Vec<Made>) {
    let prepared = cx.load.prepared(cx.lines);
    let start = Instant::now() + Duration::from_secs_f64(a.warmup);
    let deadline = start + Duration::from_secs_f64(a.seconds);
    let next = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..a.concurrency {
        let (api, cx, next, stop) = (api.clone(), cx.clone(), next.clone(), stop.clone());
        set.spawn(async move {
            let mut rec = Rec {
                window: Some((start, deadline)),
                ..Rec::default()
            };
            let (mut cur, mut made) = (Cursor::default(), Vec::new());
            while Instant::now() < deadline && !stop.load(Relaxed) {
                let i = next.fetch_add(1, Relaxed);
                if let Outcome::Exhausted = op(&api, &cx, &mut cur, i, &mut rec, &mut made).await {
                    // The queue is empty: stop everyone, so that no worker idles inside the
                    // window and the rate is taken over the time all of them worked.
                    stop.store(true, Relaxed);
                    break;
                }
            }
            (rec, made)
        });
    }
    let (mut all, mut made) = (Rec::default(), Vec::new());
    while let Some(r) = set.join_next().await {
        if let Ok((r, m)) = r {
            all.merge(r);
            made.extend(m);
        }
    }
    let exhausted = stop.load(Relaxed);
    let end = if exhausted {
        all.last_done.unwrap_or(start).min(deadline)
    } else {
        deadline
    };
    let elapsed = end.saturating_duration_since(start).as_secs_f64();
    all.latency_us.sort_unstable();
    let l = &all.latency_us;
    let per_s = |n: u64| {
        if elapsed > 0.0 {
            (n as f64 / elapsed * 10.0).round() / 10.0
        } else {
            0.0
        }
    };
    let f = Figures {
        lines: cx.lines,
        step: cx.load.kind(),
        ops: all.iterations,
        requests: all.requests,
        errors: all.errors,
        first_error: all.first_error.clone(),
        elapsed_s: elapsed,
        ops_per_s: per_s(all.iterations),
        mean_ms: mean_ms(l),
        p50_ms: ms(quantile(l, 0.50)),
        p99_ms: ms(quantile(l, 0.99)),
        exhausted,
        prepared,
    };
    eprintln!(
        "size {:>4} lines, {:<9}: {:>6} ops in {:.1} s = {:>8.1}/s | mean {:.2} ms p50 {:.2} p99 {:.2} | {} errors{}{}",
        f.lines,
        f.step.name(),
        f.ops,
        f.elapsed_s,
        f.ops_per_s,
        f.mean_ms,
        f.p50_ms,
        f.p99_ms,
        f.errors,
        if f.exhausted { " | fixtures used up" } else { "" },
        f.first_error
            .as_deref()
            .map(|e| format!(" | first error: {e}"))
            .unwrap_or_default(),
    );
    (f, made)
}

/// The body of an N-line order (the same for every order of that size: no PO number).
fn place_body(w: &World, n: usize) -> Vec<u8> {
    let lines: Vec<Value> = (0..n)
        .map(|j| {
            json!({
                "product_id": w.products[j % w.products.len()],
                "quantity": UNITS,
                "ship_to": w.ship_to[0],
                "requested_date": w.requested,
            })
        })
        .collect();
    serde_json::to_vec(&json!({"account_id": w.account, "lines": lines})).unwrap_or_default()
}

/// Places `k` more N-line orders, untimed.
async fn place_more(api: &Api, body: Arc<Vec<u8>>, k: usize, c: usize) -> Result<Vec<Uuid>, String> {
    let api = api.clone();
    parallel(k, c, move |_| {
        let (api, body) = (api.clone(), body.clone());
        async move {
            let r = api
                .http
                .post(api.url("/api/v1/orders"))
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body((*body).clone())
                .send()
                .await
                .map_err(|e| format!("placing an order: {e}"))?;
            let status = r.status();
            let b = r.bytes().await.map_err(|e| format!("placing an order: {e}"))?;
            if !status.is_success() {
                return Err(format!(
                    "placing an order: HTTP {status}: {}",
                    short(&String::from_utf8_lossy(&b))
                ));
            }
            leading_id(&b)
        }
    })
    .await
}

/// Allocates every line of an order in full with one batch fulfilment request.
async fn allocate_all(api: &Api, w: &World, id: Uuid, n: usize) -> Result<(), String> {
    let items: Vec<Value> = (1..=n)
        .map(|l| json!({"type": "allocate", "line": l, "fulfilment_location_id": w.warehouses[0], "quantity": UNITS}))
        .collect();
    // The answer is the whole order; only its success matters here.
    let _: serde::de::IgnoredAny = api
        .post(&format!("/api/v1/orders/{id}/fulfilment"), &json!({"items": items}))
        .await?;
    Ok(())
}

fn chunks(n: usize) -> Vec<Vec<u32>> {
    (1..=n as u32)
        .collect::<Vec<_>>()
        .chunks(SHIP_LINES)
        .map(<[u32]>::to_vec)
        .collect()
}

/// Allocates an order in full and ships it as N/5 parcels in one wave; their tracking numbers.
async fn reference_order(api: &Api, w: &World, id: Uuid, n: usize, k: usize) -> Result<RefOrder, String> {
    allocate_all(api, w, id, n).await?;
    let (numbers, _) = ship_wave(api, w, id, n, &format!("W{k:05}")).await?;
    Ok(RefOrder { id, numbers })
}

/// Ships every line of an allocated order as N/5 parcels in one wave (untimed); the tracking
/// numbers and the parcels. `mark` makes the numbers unique within the size.
async fn ship_wave(api: &Api, w: &World, id: Uuid, n: usize, mark: &str) -> Result<(Vec<String>, Vec<Parcel>), String> {
    let numbers: Vec<String> = (0..n.div_ceil(SHIP_LINES))
        .map(|s| format!("1Z{mark}{}{n:04}{s:03}", w.tag))
        .collect();
    let shipments: Vec<Value> = chunks(n)
        .iter()
        .zip(&numbers)
        .map(|(lines, number)| {
            json!({
                "order_id": id, "from_location_id": w.warehouses[0], "to_location_id": w.ship_to[0],
                "lines": lines.iter().map(|l| json!({"line": l, "quantity": UNITS})).collect::<Vec<_>>(),
                "carrier": "UPS", "tracking_number": number,
            })
        })
        .collect();
    #[derive(Deserialize)]
    struct Shipped {
        id: Uuid,
    }
    #[derive(Deserialize)]
    struct Wave {
        shipments: Vec<Shipped>,
    }
    let wave: Wave = api
        .post("/api/v1/shipment-waves", &json!({"shipments": shipments}))
        .await?;
    let parcels = wave
        .shipments
        .iter()
        .zip(chunks(n))
        .map(|(s, lines)| Parcel {
            order: id,
            shipment: s.id,
            lines,
        })
        .collect();
    Ok((numbers, parcels))
}

pub async fn run(api: &Api, a: &RunArgs, backend: &str) -> Result<(), String> {
    let c = a.concurrency;
    let budget = a.prepare.unwrap_or(DEFAULT_BUDGET);
    let t0 = Instant::now();
    let cpu0 = super::load::process_cpu_s();
    let world = Arc::new(create_world(api).await?);
    let ctx = |load: Load, lines: usize| {
        Arc::new(StepCtx {
            load,
            world: world.clone(),
            lines,
            serial: AtomicU64::new(0),
            scan_base: OffsetDateTime::now_utc() - Duration::from_secs(86_400),
            full_answers: a.full_answers,
        })
    };
    eprintln!(
        "size: sizes {:?}, concurrency {c}, {:.1} s per step after {:.1} s warm-up, fixtures per step up to {budget}",
        a.sizes, a.seconds, a.warmup
    );
    let (ceiling, _) = measure(api, ctx(Load::Ceiling, 0), a).await;
    if ceiling.ops == 0 {
        return Err(format!(
            "the ceiling run completed nothing: {}",
            ceiling.first_error.unwrap_or_default()
        ));
    }
    let ceil = ceiling.ops_per_s;
    let mut all: Vec<Figures> = Vec::new();
    for &n in &a.sizes {
        let body = place_body(&world, n);
        let (f, made) = measure(api, ctx(Load::Place(body.clone()), n), a).await;
        all.push(f);
        let mut pool: Vec<Uuid> = made
            .into_iter()
            .filter_map(|m| if let Made::Order(id) = m { Some(id) } else { None })
            .collect();
        let per_order = n.div_ceil(SHIP_LINES);
        let need_walk = c.max(budget.div_ceil(n));
        let need_ship = c.max(budget.div_ceil(per_order));
        let need_ref = c.max(budget.div_ceil(per_order * SCAN_CYCLE.len()));
        let need = need_walk + need_ship + need_ref;
        if pool.len() < need {
            let t = Instant::now();
            let more = place_more(api, Arc::new(body), need - pool.len(), c).await?;
            eprintln!(
                "size {n}: placed {} more orders for the next steps in {:.1} s (not timed)",
                more.len(),
                t.elapsed().as_secs_f64()
            );
            pool.extend(more);
        }
        // The ship and reference orders are set aside; the line walks get all the rest (the place
        // step usually leaves far more than `need_walk`).
        let refs = pool.split_off(pool.len() - need_ref);
        let ship = pool.split_off(pool.len() - need_ship);
        let walk = pool;

        let (f, _) = measure(api, ctx(Load::Allocate(Queue::new(walk.clone())), n), a).await;
        all.push(f);
        let (f, _) = measure(api, ctx(Load::Backorder(Queue::new(walk)), n), a).await;
        all.push(f);

        let t = Instant::now();
        let (api2, w2) = (api.clone(), world.clone());
        let ship_ids = Arc::new(ship);
        let ids2 = ship_ids.clone();
        parallel(ship_ids.len(), c, move |k| {
            let (api, w, ids) = (api2.clone(), w2.clone(), ids2.clone());
            async move { allocate_all(&api, &w, ids[k], n).await }
        })
        .await?;
        eprintln!(
            "size {n}: allocated {} orders in full for the ship step in {:.1} s (not timed)",
            ship_ids.len(),
            t.elapsed().as_secs_f64()
        );
        let orders: Vec<ShipOrder> = ship_ids.iter().map(|&id| ShipOrder { id, chunks: chunks(n) }).collect();
        let ship_cx = ctx(Load::Ship(Queue::new(orders)), n);
        let (f, made) = measure(api, ship_cx.clone(), a).await;
        all.push(f);
        let mut parcels: Vec<Parcel> = made
            .into_iter()
            .filter_map(|m| if let Made::Parcel(p) = m { Some(p) } else { None })
            .collect();
        // Receiving is cheaper than shipping, so what the ship step made alone would run out
        // early: the orders it did not reach are shipped too (one wave each, untimed).
        if let Load::Ship(q) = &ship_cx.load {
            let rest: Arc<Vec<Uuid>> = Arc::new(q.items.iter().skip(q.next.load(Relaxed)).map(|o| o.id).collect());
            let t = Instant::now();
            let (api2, w2, rest2) = (api.clone(), world.clone(), rest.clone());
            let more = parallel(rest.len(), c, move |k| {
                let (api, w, rest) = (api2.clone(), w2.clone(), rest2.clone());
                async move { ship_wave(&api, &w, rest[k], n, &format!("R{k:05}")).await }
            })
            .await?;
            if !rest.is_empty() {
                eprintln!(
                    "size {n}: shipped the {} orders the ship step did not reach, for the receive step, in {:.1} s (not timed)",
                    rest.len(),
                    t.elapsed().as_secs_f64()
                );
            }
            parcels.extend(more.into_iter().flat_map(|(_, ps)| ps));
        }
        // The receive step: each worker takes all the parcels of one order.
        let mut by_order: Vec<Vec<Parcel>> = Vec::new();
        parcels.sort_by_key(|p| p.order);
        for p in parcels {
            match by_order.last_mut() {
                Some(g) if g[0].order == p.order => g.push(p),
                _ => by_order.push(vec![p]),
            }
        }
        let (f, _) = measure(api, ctx(Load::Receive(Queue::new(by_order)), n), a).await;
        all.push(f);

        let t = Instant::now();
        let (api2, w2) = (api.clone(), world.clone());
        let refs = Arc::new(refs);
        let refs2 = refs.clone();
        let reference = parallel(refs.len(), c, move |k| {
            let (api, w, refs) = (api2.clone(), w2.clone(), refs2.clone());
            async move { reference_order(&api, &w, refs[k], n, k).await }
        })
        .await?;
        eprintln!(
            "size {n}: {} reference orders of {n} lines with {per_order} shipments each, in {:.1} s (not timed)",
            reference.len(),
            t.elapsed().as_secs_f64()
        );
        let ids: Vec<Uuid> = reference.iter().map(|r| r.id).collect();
        let (f, _) = measure(api, ctx(Load::Scan(Queue::new(reference)), n), a).await;
        all.push(f);
        let (f, _) = measure(api, ctx(Load::Status(ids), n), a).await;
        all.push(f);
    }
    let client_cpu_pct = match (cpu0, super::load::process_cpu_s()) {
        (Some(x), Some(y)) => Some(((y - x) / t0.elapsed().as_secs_f64() * 1000.0).round() / 10.0),
        _ => None,
    };
    print_table(&ceiling, &all, a, backend);
    let (small, large) = (
        a.sizes.iter().copied().min().unwrap_or(0),
        a.sizes.iter().copied().max().unwrap_or(0),
    );
    let ratios: Vec<Value> = StepKind::ORDER
        .iter()
        .filter_map(|&s| {
            let lo = all.iter().find(|f| f.step == s && f.lines == small)?;
            let hi = all.iter().find(|f| f.step == s && f.lines == large)?;
            Some(json!({
                "step": s.name(),
                "mean_ms_ratio": ratio(hi.mean_ms, lo.mean_ms),
                "ops_per_s_ratio": ratio(hi.ops_per_s, lo.ops_per_s),
            }))
        })
        .collect();
    let errors: u64 = all.iter().map(|f| f.errors).sum::<u64>() + ceiling.errors;
    let v = json!({
        "scenario": "size",
        "backend": backend,
        "concurrency": c,
        "seconds": a.seconds,
        "warmup_s": a.warmup,
        "sizes": a.sizes,
        "full_answers": a.full_answers,
        "ceiling": ceiling.json(ceil),
        "ceiling_per_s": ceil,
        "steps": all.iter().map(|f| f.json(ceil)).collect::<Vec<_>>(),
        "ratios": {"of": format!("{large}/{small} lines"), "steps": ratios},
        "errors": errors,
        "client_cpu_pct": client_cpu_pct,
        "total_s": (t0.elapsed().as_secs_f64() * 10.0).round() / 10.0,
    });
    println!("{v}");
    if let Some(f) = all.iter().find(|f| f.ops == 0) {
        return Err(format!(
            "size {}, {}: nothing completed in the window ({})",
            f.lines,
            f.step.name(),
            if f.exhausted {
                "its fixtures were used up in the warm-up: raise --prepare".to_owned()
            } else {
                f.first_error.clone().unwrap_or_default()
            }
        ));
    }
    Ok(())
}

fn ratio(x: f64, of: f64) -> Option<f64> {
    (of > 0.0).then(|| (x / of * 100.0).round() / 100.0)
}

/// The Markdown tables: every step, then the largest size against the smallest.
fn print_table(ceiling: &Figures, all: &[Figures], a: &RunArgs, backend: &str) {
    let ceil = ceiling.ops_per_s;
    println!(
        "size scenario ({backend}): concurrency {}, {} s per step after {} s warm-up; one request per op; \
         % = ops/s against the ceiling run just before ({ceil}/s, GET /api/v1/ping); allocate and backorder {}",
        a.concurrency,
        a.seconds,
        a.warmup,
        if a.full_answers {
            "answer with the whole order"
        } else {
            "ask for Prefer: return=minimal"
        }
    );
    println!();
    println!("| lines | step | request | ops | ops/s | % of ceiling | mean ms | p50 ms | p99 ms | errors |");
    println!("|---:|---|---|---:|---:|---:|---:|---:|---:|---:|");
    for f in std::iter::once(ceiling).chain(all) {
        let lines = if f.step == StepKind::Ceiling {
            "—".to_owned()
        } else {
            f.lines.to_string()
        };
        println!(
            "| {lines} | {}{} | {} | {} | {:.1} | {} | {:.2} | {:.2} | {:.2} | {} |",
            f.step.name(),
            if f.exhausted { " (fixtures used up)" } else { "" },
            f.step.what(),
            f.ops,
            f.ops_per_s,
            pct(f.ops_per_s, ceil).map_or("—".into(), |p| format!("{p:.1}%")),
            f.mean_ms,
            f.p50_ms,
            f.p99_ms,
            f.errors,
        );
    }
    let (small, large) = (
        a.sizes.iter().copied().min().unwrap_or(0),
        a.sizes.iter().copied().max().unwrap_or(0),
    );
    if small == large {
        return;
    }
    println!();
    println!(
        "| step | mean ms, {small} lines | mean ms, {large} lines | cost {large}/{small} (mean latency) | ops/s {large}/{small} |"
    );
    println!("|---|---:|---:|---:|---:|");
    for s in StepKind::ORDER {
        let (Some(lo), Some(hi)) = (
            all.iter().find(|f| f.step == s && f.lines == small),
            all.iter().find(|f| f.step == s && f.lines == large),
        ) else {
            continue;
        };
        let r = |x: Option<f64>| x.map_or("—".into(), |v| format!("{v:.2}×"));
        println!(
            "| {} | {:.2} | {:.2} | {} | {} |",
            s.name(),
            lo.mean_ms,
            hi.mean_ms,
            r(ratio(hi.mean_ms, lo.mean_ms)),
            r(ratio(hi.ops_per_s, lo.ops_per_s)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_queue_hands_out_whole_items_in_turn() {
        let q = Queue::new(vec![2usize, 0, 1]);
        let (mut a, mut b) = (Cursor::default(), Cursor::default());
        let take = |c: &mut Cursor| next_in(&q, c, |n| *n).map(|(k, _, j)| (k, j));
        // a takes item 0 and keeps it until it is used up; b meanwhile takes item 1 (empty),
        // then item 2.
        let got = vec![take(&mut a), take(&mut b), take(&mut a), take(&mut b), take(&mut a)];
        assert_eq!(got, vec![Some((0, 0)), Some((2, 0)), Some((0, 1)), None, None]);
    }

    #[test]
    fn the_leading_id_is_read_without_decoding_the_rest() {
        let id = Uuid::now_v7();
        assert_eq!(leading_id(format!("{{\"id\":\"{id}\",\"x\":[").as_bytes()), Ok(id));
        assert_eq!(
            leading_id(format!("{{ \"number\": \"SO-1\", \"id\": \"{id}\" }}").as_bytes()),
            Ok(id)
        );
        assert!(leading_id(b"{\"id\":\"nope\"}").is_err());
    }

    #[test]
    fn orders_ship_in_parcels_of_five_lines() {
        assert_eq!(
            chunks(12),
            vec![vec![1, 2, 3, 4, 5], vec![6, 7, 8, 9, 10], vec![11, 12]]
        );
        assert_eq!(chunks(1000).len(), 200);
        assert_eq!(chunks(3), vec![vec![1, 2, 3]]);
    }
}
