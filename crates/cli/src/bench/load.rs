//! `bench run`: fixtures through the API (not timed), then C concurrent workers on one shared
//! connection pool for S seconds or MAX requests, whichever comes first, after a warm-up.

use super::client::{Api, loopback_base, short, sign_in};
use super::report::{Meta, Rec, report};
use super::size;
use super::{mix, run_tag};
use serde::Deserialize;
use serde_json::{Value, json};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

const MAX_CONCURRENCY: usize = 1024;
const MAX_SECONDS: f64 = 600.0;
const MAX_WARMUP: f64 = 30.0;
const MAX_REQUESTS: u64 = 10_000_000;
const MAX_PREPARE: usize = 200_000;
/// Server processes one run may spread its load over.
const MAX_URLS: usize = 8;
/// Allocated orders prepared for `ship-invoice` unless --prepare says otherwise.
const SHIP_INVOICE_DEFAULT: usize = 30_000;
/// Events per `tracking` request.
const TRACKING_BATCH: u64 = 100;
/// Ids sampled for `status` (GET /orders pages of 500).
const STATUS_SAMPLE: usize = 20_000;
/// Orders placed for `status` when the server has fewer than `STATUS_MIN` to read.
const STATUS_MIN: usize = 1_000;
const STATUS_PLACE: usize = 2_000;
/// The demo's buyer, whose session page-order and page-dashboard use unless --user says otherwise.
const DEMO_BUYER: &str = "bea@northwind.example";

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    /// GET /api/v1/ping: authenticated, one store round trip, nothing read or written. The
    /// floor under every request, measured in the same run so the others can be read against it.
    Ceiling,
    /// POST /api/v1/orders with ten lines per request.
    Place,
    /// POST /api/v1/shipments for an allocated order, then POST /api/v1/invoices for it.
    ShipInvoice,
    /// GET /api/v1/orders/{id}/status for ids sampled from the server.
    Status,
    /// POST /api/v1/tracking-events with 100 events per request.
    Tracking,
    /// GET /orders/{id} (the portal's order page) for ids the signed-in user sees.
    PageOrder,
    /// GET /dashboard (the customer's start page).
    PageDashboard,
    /// GET /search?q=… (the service console's search) with real order numbers, PO numbers and
    /// tracking numbers, in turn.
    PageSearch,
    /// Each step of an order's life (place, allocate one line, backorder one line, ship a few
    /// lines, receive, post one tracking scan, read status), measured on its own, on orders of
    /// each of --sizes lines (default 10, 100, 1,000), after a ceiling run at the same
    /// concurrency. See `bench/size.rs`.
    Size,
}

/// What page-search searches by.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SearchBy {
    /// Order numbers, PO numbers and tracking numbers in turn.
    All,
    Number,
    Po,
    Tracking,
}

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::Place => "place",
            Scenario::ShipInvoice => "ship-invoice",
            Scenario::Status => "status",
            Scenario::Tracking => "tracking",
            Scenario::PageOrder => "page-order",
            Scenario::PageDashboard => "page-dashboard",
            Scenario::PageSearch => "page-search",
            Scenario::Ceiling => "ceiling",
            Scenario::Size => "size",
        }
    }
    fn is_page(self) -> bool {
        matches!(
            self,
            Scenario::PageOrder | Scenario::PageDashboard | Scenario::PageSearch
        )
    }
    fn unit(self) -> &'static str {
        match self {
            Scenario::Place => "orders",
            Scenario::ShipInvoice => "ship+invoice pairs",
            Scenario::Status => "status reads",
            Scenario::Tracking => "events",
            Scenario::PageOrder | Scenario::PageDashboard | Scenario::PageSearch => "pages",
            Scenario::Ceiling => "pings",
            Scenario::Size => "steps",
        }
    }
    fn requests_per_iteration(self) -> u64 {
        if self == Scenario::ShipInvoice { 2 } else { 1 }
    }
}

#[derive(clap::Args)]
pub struct RunArgs {
    /// Base URL of the server under test; only loopback addresses are accepted. Several
    /// (comma-separated or --url repeated: processes serving one database) spread the workers
    /// over them in turn, each with its own connection pool; fixtures go through the first.
    #[arg(long, required = true, value_delimiter = ',')]
    pub(super) url: Vec<String>,
    /// The staff API key (sent as `Authorization: Bearer <key>`).
    #[arg(long, env = "AFTERCART_API_KEY", hide_env_values = true)]
    pub(super) key: String,
    #[arg(long, value_enum)]
    pub(super) scenario: Scenario,
    /// Concurrent requests in flight (1–1024), on one shared connection pool per server.
    #[arg(long, default_value_t = 64)]
    pub(super) concurrency: usize,
    /// Length of the measurement, after the warm-up (at most 600).
    #[arg(long, default_value_t = 10.0)]
    pub(super) seconds: f64,
    /// Stop after this many measured HTTP requests if that comes before --seconds.
    #[arg(long)]
    pub(super) requests: Option<u64>,
    /// Seconds of load before measuring (not counted).
    #[arg(long, default_value_t = 1.0)]
    pub(super) warmup: f64,
    /// Fixtures to prepare: allocated orders (ship-invoice, default 30000), shipments to track
    /// (tracking, default concurrency × 100 + 1000), order ids to sample (status, page-order,
    /// default 20000), orders and shipments to sample numbers from (page-search, 20000 each).
    #[arg(long)]
    pub(super) prepare: Option<usize>,
    /// Page scenarios: the portal user to sign in as (`POST /api/v1/session`, once; every
    /// connection uses that session). Default: the demo buyer (bea@northwind.example) for
    /// page-order and page-dashboard; for page-search a staff agent that the run creates through
    /// the API with --key (invitation, then accepting it with a random password).
    #[arg(long)]
    user: Option<String>,
    /// The password of --user (default: the demo password).
    #[arg(long, env = "AFTERCART_BENCH_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// Page scenarios: the Accept-Encoding header of each page request, as a browser sends it
    /// (`identity` asks for no compression). Bodies are counted as received, never decoded.
    #[arg(long, default_value = "gzip, br")]
    accept_encoding: String,
    /// page-search: search by order number, PO number, tracking number, or all three in turn.
    #[arg(long, value_enum, default_value_t = SearchBy::All)]
    search_by: SearchBy,
    /// size: the order sizes, in lines (comma-separated, each 1 to 1,000).
    #[arg(long, value_delimiter = ',', default_values_t = [10usize, 100, 1000])]
    pub(super) sizes: Vec<usize>,
    /// size: send allocate and backorder without `Prefer: return=minimal`, so each answer is the
    /// whole order (what a client pays that wants the order back); by default they ask for the
    /// minimal answer (204 and the ETag) and measure the step itself.
    #[arg(long)]
    pub(super) full_answers: bool,
}

/// This run's customer, catalogue and warehouses, created through the API.
pub(super) struct World {
    pub(super) tag: String,
    pub(super) account: Uuid,
    pub(super) ship_to: Vec<Uuid>,
    pub(super) warehouses: Vec<Uuid>,
    pub(super) products: Vec<Uuid>,
    pub(super) requested: String,
}

/// An order with lines allocated and not shipped: one timed ship+invoice iteration.
struct Ready {
    order_id: Uuid,
    from: Uuid,
    to: Uuid,
    /// (line, quantity, unit price as the order priced it)
    lines: Vec<(u64, u64, Value)>,
}

enum Work {
    Place(World),
    Status(Vec<Uuid>),
    ShipInvoice {
        world: Arc<World>,
        ready: Vec<Ready>,
    },
    Tracking {
        tag: String,
        numbers: Vec<String>,
        base: OffsetDateTime,
    },
    Ceiling,
    /// Portal pages fetched with one signed-in session: `paths` taken in turn (`cycle`) or at
    /// random.
    Pages {
        client: Api,
        paths: Vec<String>,
        cycle: bool,
    },
}

enum Step {
    Done,
    Exhausted,
}

fn id_of(v: &Value, what: &str) -> Result<Uuid, String> {
    v["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("{what}: no id in the response: {}", short(&v.to_string())))
}

fn validate(a: &RunArgs) -> Result<(), String> {
    if !(1..=MAX_CONCURRENCY).contains(&a.concurrency) {
        return Err(format!("--concurrency must be 1 to {MAX_CONCURRENCY}"));
    }
    if !(a.seconds > 0.0 && a.seconds <= MAX_SECONDS) {
        return Err(format!("--seconds must be more than 0 and at most {MAX_SECONDS}"));
    }
    if !(0.0..=MAX_WARMUP).contains(&a.warmup) {
        return Err(format!("--warmup must be 0 to {MAX_WARMUP} seconds"));
    }
    if a.requests.is_some_and(|r| r == 0 || r > MAX_REQUESTS) {
        return Err(format!("--requests must be 1 to {MAX_REQUESTS}"));
    }
    if a.prepare.is_some_and(|p| p == 0 || p > MAX_PREPARE) {
        return Err(format!("--prepare must be 1 to {MAX_PREPARE}"));
    }
    if !a.scenario.is_page() && (a.user.is_some() || a.password.is_some()) {
        return Err("--user and --password are for the page scenarios".into());
    }
    if a.scenario != Scenario::PageSearch && a.search_by != SearchBy::All {
        return Err("--search-by is for page-search".into());
    }
    if a.url.is_empty() || a.url.len() > MAX_URLS {
        return Err(format!("--url: give 1 to {MAX_URLS} base URLs"));
    }
    if a.url.len() > 1 && (a.scenario.is_page() || a.scenario == Scenario::Size) {
        return Err("several --url are for the API scenarios (place, status, ceiling, ship-invoice, tracking)".into());
    }
    if a.scenario == Scenario::Size && a.requests.is_some() {
        return Err("--requests is not for the size scenario (each step runs for --seconds)".into());
    }
    if a.scenario != Scenario::Size && (a.sizes != [10, 100, 1000] || a.full_answers) {
        return Err("--sizes and --full-answers are for the size scenario".into());
    }
    if a.sizes.is_empty() || a.sizes.len() > 8 || a.sizes.iter().any(|n| !(1..=size::MAX_LINES).contains(n)) {
        return Err(format!("--sizes: 1 to 8 sizes, each 1 to {} lines", size::MAX_LINES));
    }
    if a.scenario == Scenario::Tracking && a.prepare.is_some_and(|p| (p as u64) < TRACKING_BATCH) {
        return Err(format!(
            "--prepare for tracking must be at least {TRACKING_BATCH} shipments (one batch touches each once)"
        ));
    }
    Ok(())
}

pub async fn run(a: RunArgs) -> Result<(), String> {
    validate(&a)?;
    let mut apis = Vec::with_capacity(a.url.len());
    let mut backend = String::new();
    for url in &a.url {
        let base = loopback_base(url).await?;
        // Each server gets its share of the connections (at least one per worker sent to it).
        let api = Api::new(base, &a.key, a.concurrency.div_ceil(a.url.len()))?;
        let health: Value = api
            .get("/healthz")
            .await
            .map_err(|e| format!("the server at {} is not ready: {e}", api.base))?;
        let b = health["database"].as_str().unwrap_or("unknown").to_owned();
        if !backend.is_empty() && b != backend {
            return Err(format!("the servers use different databases ({backend}, {b})"));
        }
        backend = b;
        apis.push(api);
    }
    let api = apis[0].clone();
    if a.scenario == Scenario::Size {
        return size::run(&api, &a, &backend).await;
    }

    let t = Instant::now();
    let work = prepare(&api, &a).await?;
    let prepare_s = t.elapsed().as_secs_f64();
    let prepared = match &work {
        Work::Place(_) | Work::Ceiling => 0,
        Work::Status(ids) => ids.len(),
        Work::ShipInvoice { ready, .. } => ready.len(),
        Work::Tracking { numbers, .. } => numbers.len(),
        Work::Pages { paths, .. } => paths.len(),
    };
    eprintln!(
        "{}: {prepared} fixtures ready in {prepare_s:.1} s; warm-up {:.1} s, then {:.1} s at concurrency {}{}",
        a.scenario.name(),
        a.warmup,
        a.seconds,
        a.concurrency,
        a.requests.map(|r| format!(" (or {r} requests)")).unwrap_or_default()
    );

    let (cpu0, wall0) = (process_cpu_s(), Instant::now());
    let (rec, start, end, exhausted) = measure(&apis, Arc::new(work), &a).await;
    let client_cpu_pct = match (cpu0, process_cpu_s()) {
        (Some(a), Some(b)) => Some(((b - a) / wall0.elapsed().as_secs_f64() * 1000.0).round() / 10.0),
        _ => None,
    };
    let measured = rec.requests;
    report(
        &Meta {
            scenario: a.scenario.name(),
            unit: a.scenario.unit(),
            backend: &backend,
            concurrency: a.concurrency,
            seconds: a.seconds,
            max_requests: a.requests,
            warmup: a.warmup,
            prepared,
            prepare_s,
            exhausted,
            client_cpu_pct,
            servers: apis.len(),
        },
        rec,
        start,
        end,
    );
    if measured == 0 {
        return Err(if exhausted {
            "the fixtures ran out during the warm-up; nothing was measured (raise --prepare)".into()
        } else {
            "no request completed in the measurement window".into()
        });
    }
    Ok(())
}

/// CPU seconds (user + system) this process has used, from /proc/self/stat (Linux, 100 Hz ticks).
pub(super) fn process_cpu_s() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name start at field 3; utime and stime are 14 and 15.
    let f: Vec<&str> = s.get(s.rfind(')')? + 1..)?.split_whitespace().collect();
    let ticks = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

// ---------------------------------------------------------------------------------------------
// Measurement

struct Window {
    start: Instant,
    deadline: Instant,
    max: Option<u64>,
    per_iteration: u64,
    next: AtomicU64,
    issued: AtomicU64,
    stop: AtomicBool,
    exhausted: AtomicBool,
}

async fn measure(apis: &[Api], work: Arc<Work>, a: &RunArgs) -> (Rec, Instant, Instant, bool) {
    let now = Instant::now();
    let start = now + Duration::from_secs_f64(a.warmup);
    let w = Arc::new(Window {
        start,
        deadline: start + Duration::from_secs_f64(a.seconds),
        max: a.requests,
        per_iteration: a.scenario.requests_per_iteration(),
        next: AtomicU64::new(0),
        issued: AtomicU64::new(0),
        stop: AtomicBool::new(false),
        exhausted: AtomicBool::new(false),
    });
    let mut set = tokio::task::JoinSet::new();
    for k in 0..a.concurrency {
        // Worker k talks to server k mod n: the load is spread evenly over the processes.
        let (api, work, w) = (apis[k % apis.len()].clone(), work.clone(), w.clone());
        set.spawn(async move {
            let mut rec = Rec {
                window: Some((w.start, w.deadline)),
                ..Rec::default()
            };
            loop {
                let now = Instant::now();
                if now >= w.deadline || w.stop.load(Relaxed) {
                    break;
                }
                if now >= w.start
                    && w.max
                        .is_some_and(|max| w.issued.fetch_add(w.per_iteration, Relaxed) >= max)
                {
                    w.stop.store(true, Relaxed);
                    break;
                }
                let i = w.next.fetch_add(1, Relaxed);
                if let Step::Exhausted = iteration(&api, &work, i, &mut rec).await {
                    w.exhausted.store(true, Relaxed);
                    w.stop.store(true, Relaxed);
                    break;
                }
            }
            rec
        });
    }
    let mut all = Rec::default();
    while let Some(r) = set.join_next().await {
        if let Ok(r) = r {
            all.merge(r);
        }
    }
    // Stopped early (request budget spent, fixtures gone): the window ends with the last
    // completion; otherwise at the deadline.
    let end = if w.stop.load(Relaxed) {
        all.last_done.unwrap_or(w.start).min(w.deadline)
    } else {
        w.deadline
    };
    (all, w.start, end, w.exhausted.load(Relaxed))
}

/// Sends one measured request; returns the body of a 2xx response (empty unless `keep`).
pub(super) async fn send(rec: &mut Rec, req: reqwest::RequestBuilder, keep: bool) -> Option<Vec<u8>> {
    let t0 = Instant::now();
    match req.send().await {
        Err(e) => {
            rec.request(t0, Some(format!("transport: {e}")));
            None
        }
        Ok(r) => {
            let status = r.status();
            match r.bytes().await {
                Err(e) => {
                    rec.request(t0, Some(format!("reading the body of HTTP {status}: {e}")));
                    None
                }
                Ok(b) if status.is_success() => {
                    rec.request(t0, None);
                    Some(if keep { b.to_vec() } else { Vec::new() })
                }
                Ok(b) => {
                    rec.request(
                        t0,
                        Some(format!("HTTP {status}: {}", short(&String::from_utf8_lossy(&b)))),
                    );
                    None
                }
            }
        }
    }
}

/// Why a page response does not count as a page served: anything but 200 with an HTML body.
fn page_problem(status: u16, content_type: Option<&str>) -> Option<String> {
    let html = content_type.is_some_and(|c| {
        c.split(';')
            .next()
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("text/html"))
    });
    match (status, html) {
        (200, true) => None,
        (200, false) => Some(format!(
            "HTTP 200 but content type {}, not text/html",
            content_type.unwrap_or("(none)")
        )),
        (s, _) => Some(format!("HTTP {s}")),
    }
}

/// Sends one measured page request; true when it was a 200 HTML page. Body bytes are counted as
/// received (compressed if the server compressed them).
async fn send_page(rec: &mut Rec, req: reqwest::RequestBuilder) -> bool {
    let t0 = Instant::now();
    match req.send().await {
        Err(e) => {
            rec.request(t0, Some(format!("transport: {e}")));
            false
        }
        Ok(r) => {
            let status = r.status().as_u16();
            let ct = r
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let location = r
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            match r.bytes().await {
                Err(e) => {
                    rec.request(t0, Some(format!("reading the body of HTTP {status}: {e}")));
                    false
                }
                Ok(b) => {
                    let problem = page_problem(status, ct.as_deref())
                        .map(|p| location.map_or(p.clone(), |l| format!("{p} (to {l})")));
                    let ok = problem.is_none();
                    rec.request(t0, problem);
                    rec.bytes(b.len());
                    ok
                }
            }
        }
    }
}

#[derive(Deserialize)]
struct TrackingCounts {
    applied: u64,
    rejected: u64,
}

const TRACKING_CYCLE: [&str; 6] = [
    "in_transit",
    "in_transit",
    "out_for_delivery",
    "failed_attempt",
    "out_for_delivery",
    "delivered",
];
const SCAN_LOCATIONS: [&str; 5] = [
    "Memphis, TN",
    "Louisville, KY",
    "Indianapolis, IN",
    "Dallas, TX",
    "Reno, NV",
];

async fn iteration(api: &Api, work: &Work, i: u64, rec: &mut Rec) -> Step {
    match work {
        Work::Ceiling => {
            if send(rec, api.http.get(api.url("/api/v1/ping")), false).await.is_some() {
                rec.iteration(1);
            }
        }
        Work::Place(w) => {
            let req = api.http.post(api.url("/api/v1/orders")).json(&order_body(w, i));
            if send(rec, req, false).await.is_some() {
                rec.iteration(1);
            }
        }
        Work::Status(ids) => {
            let id = ids[(mix(i) % ids.len() as u64) as usize];
            if send(
                rec,
                api.http.get(api.url(&format!("/api/v1/orders/{id}/status"))),
                false,
            )
            .await
            .is_some()
            {
                rec.iteration(1);
            }
        }
        Work::ShipInvoice { world, ready } => {
            let Some(r) = ready.get(i as usize) else {
                return Step::Exhausted;
            };
            let ship = json!({
                "order_id": r.order_id,
                "from_location_id": r.from,
                "to_location_id": r.to,
                "lines": r.lines.iter().map(|(l, q, _)| json!({"line": l, "quantity": q})).collect::<Vec<_>>(),
                "carrier": "UPS",
                "service": "Ground",
                "tracking_number": format!("1ZS{}{i:08}", world.tag),
            });
            let Some(body) = send(rec, api.http.post(api.url("/api/v1/shipments")).json(&ship), true).await else {
                return Step::Done;
            };
            let shipment = match serde_json::from_slice::<Value>(&body)
                .map_err(|e| e.to_string())
                .and_then(|v| id_of(&v, "shipment"))
            {
                Ok(s) => s,
                Err(e) => {
                    rec.error(e);
                    return Step::Done;
                }
            };
            let invoice = json!({
                "account_id": world.account,
                "currency": "USD",
                "lines": r.lines.iter().map(|(l, q, price)| json!({
                    "order_id": r.order_id, "order_line": l, "shipment_id": shipment, "quantity": q, "unit_price": price,
                })).collect::<Vec<_>>(),
            });
            if send(rec, api.http.post(api.url("/api/v1/invoices")).json(&invoice), false)
                .await
                .is_some()
            {
                rec.iteration(1);
            }
        }
        Work::Pages { client, paths, cycle } => {
            let n = paths.len() as u64;
            let k = if *cycle { i % n } else { mix(i) % n };
            if send_page(rec, client.http.get(client.url(&paths[k as usize]))).await {
                rec.iteration(1);
            }
        }
        Work::Tracking { tag, numbers, base } => {
            let n = numbers.len() as u64;
            let events: Vec<Value> = (0..TRACKING_BATCH)
                .map(|j| {
                    let g = i * TRACKING_BATCH + j;
                    let pass = g / n;
                    let at = *base + Duration::from_secs(60 * pass);
                    json!({
                        "tracking_number": numbers[(g % n) as usize],
                        "status": TRACKING_CYCLE[(pass % TRACKING_CYCLE.len() as u64) as usize],
                        "occurred_at": at.format(&Rfc3339).unwrap_or_default(),
                        "location": SCAN_LOCATIONS[(pass % SCAN_LOCATIONS.len() as u64) as usize],
                        "event_id": format!("{tag}-{g}"),
                        "source": "bench",
                    })
                })
                .collect();
            let req = api
                .http
                .post(api.url("/api/v1/tracking-events"))
                .json(&json!({"events": events}));
            if let Some(body) = send(rec, req, true).await {
                match serde_json::from_slice::<TrackingCounts>(&body) {
                    Ok(c) => {
                        rec.iteration(c.applied);
                        rec.rejected(c.rejected, || {
                            let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                            let first = v["results"]
                                .as_array()
                                .and_then(|rs| rs.iter().find(|r| r["outcome"] == "rejected"))
                                .cloned()
                                .unwrap_or(Value::Null);
                            format!("tracking event rejected: {}", short(&first.to_string()))
                        });
                    }
                    Err(e) => {
                        rec.error(format!("unexpected tracking response: {e}"));
                    }
                }
            }
        }
    }
    Step::Done
}

// ---------------------------------------------------------------------------------------------
// Fixtures (created through the API, not timed)

/// Runs `f(0..n)` with up to `c` in flight; the results in index order, or the first error.
pub(super) async fn parallel<T, F, Fut>(n: usize, c: usize, f: F) -> Result<Vec<T>, String>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<T, String>> + Send + 'static,
{
    let f = Arc::new(f);
    let next = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicBool::new(false));
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..c.clamp(1, n.max(1)) {
        let (f, next, failed) = (f.clone(), next.clone(), failed.clone());
        set.spawn(async move {
            let mut out = Vec::new();
            while !failed.load(Relaxed) {
                let k = next.fetch_add(1, Relaxed);
                if k >= n {
                    break;
                }
                match f(k).await {
                    Ok(v) => out.push((k, v)),
                    Err(e) => {
                        failed.store(true, Relaxed);
                        return Err(e);
                    }
                }
            }
            Ok(out)
        });
    }
    let mut all = Vec::with_capacity(n);
    let mut first_err = None;
    while let Some(r) = set.join_next().await {
        match r {
            Ok(Ok(v)) => all.extend(v),
            Ok(Err(e)) => {
                first_err.get_or_insert(e);
            }
            Err(e) => {
                first_err.get_or_insert(format!("a preparation task failed: {e}"));
            }
        }
    }
    if let Some(e) = first_err {
        return Err(e);
    }
    all.sort_by_key(|(k, _)| *k);
    Ok(all.into_iter().map(|(_, v)| v).collect())
}

pub(super) async fn create_world(api: &Api) -> Result<World, String> {
    let tag = run_tag();
    let mut warehouses = Vec::new();
    for (n, city) in [(1, "Columbus"), (2, "Reno")] {
        let v: Value = api
            .post(
                "/api/v1/fulfilment-locations",
                &json!({"code": format!("BENCH-{tag}-W{n}"), "name": format!("Bench DC {n} ({tag})"), "kind": "warehouse", "city": city}),
            )
            .await?;
        warehouses.push(id_of(&v, "fulfilment location")?);
    }
    let categories = ["safety", "janitorial", "office", "medical", "packaging"];
    let mut products = Vec::new();
    for p in 0..10u64 {
        let price = format!("{}.{:02}", 4 + p * 7, (p * 37) % 100);
        let v: Value = api
            .post(
                "/api/v1/products",
                &json!({
                    "sku": format!("BENCH-{tag}-P{p:02}"),
                    "name": format!("Bench product {p} ({tag})"),
                    "category": categories[(p % 5) as usize],
                    "list_price": {"amount": price, "currency": "USD"},
                }),
            )
            .await?;
        products.push(id_of(&v, "product")?);
    }
    let mut locations = vec![json!({"kind": "bill_to", "name": "Accounts payable", "city": "Austin"})];
    for (n, city) in ["Austin", "Round Rock", "Cedar Park", "Georgetown", "Pflugerville"]
        .iter()
        .enumerate()
    {
        locations.push(json!({"kind": "ship_to", "name": format!("Receiving dock {}", n + 1), "city": city}));
    }
    let acct: Value = api
        .post(
            "/api/v1/accounts",
            &json!({
                "number": format!("BENCH-{tag}"), "name": format!("Bench Buyer {tag}"), "currency": "USD",
                "payment_terms_days": 30, "credit_limit": {"amount": "1000000000.00", "currency": "USD"},
                "locations": locations,
            }),
        )
        .await?;
    let account = id_of(&acct, "account")?;
    let ship_to: Vec<Uuid> = acct["locations"]
        .as_array()
        .map(|ls| {
            ls.iter()
                .filter(|l| l["kind"] == "ship_to")
                .filter_map(|l| l["id"].as_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    if ship_to.len() != 5 {
        return Err(format!(
            "the bench account should have 5 ship-to locations: {}",
            short(&acct.to_string())
        ));
    }
    let _: Value = api
        .put(
            &format!("/api/v1/accounts/{account}/contract-prices/{}", products[0]),
            &json!({"unit_price": {"amount": "3.50", "currency": "USD"}}),
        )
        .await?;
    let requested = (OffsetDateTime::now_utc() + Duration::from_secs(7 * 86_400))
        .date()
        .to_string();
    Ok(World {
        tag,
        account,
        ship_to,
        warehouses,
        products,
        requested,
    })
}

/// A ten-line order: ten different products, lines n and n+5 to the same ship-to.
fn order_body(w: &World, i: u64) -> Value {
    let h = mix(i);
    let lines: Vec<Value> = (0..10u64)
        .map(|j| {
            json!({
                "product_id": w.products[((i + j) % 10) as usize],
                "quantity": 1 + mix(h ^ j) % 24,
                "ship_to": w.ship_to[(j % 5) as usize],
                "requested_date": w.requested,
                "cost_centre": format!("CC-{}", 100 + j % 3),
            })
        })
        .collect();
    json!({"account_id": w.account, "po_number": format!("PO-{}-{i}", w.tag), "lines": lines})
}

async fn place(api: &Api, w: &World, i: u64) -> Result<Value, String> {
    api.post("/api/v1/orders", &order_body(w, i)).await
}

async fn allocate(api: &Api, order: &Value, line: u64, at: Uuid) -> Result<(u64, Value), String> {
    let l = &order["lines"][(line - 1) as usize];
    let q = l["quantity"].as_u64().ok_or("order response without line quantity")?;
    let id = id_of(order, "order")?;
    let _: Value = api
        .post(
            &format!("/api/v1/orders/{id}/allocations"),
            &json!({"line": line, "fulfilment_location_id": at, "quantity": q}),
        )
        .await?;
    Ok((q, l["unit_price"].clone()))
}

async fn prepare(api: &Api, a: &RunArgs) -> Result<Work, String> {
    let c = a.concurrency;
    match a.scenario {
        Scenario::PageOrder | Scenario::PageDashboard | Scenario::PageSearch => prepare_pages(api, a).await,
        Scenario::Place => Ok(Work::Place(create_world(api).await?)),
        Scenario::Ceiling => {
            // Once, untimed: the endpoint answers as expected with this key.
            let v: Value = api.get("/api/v1/ping").await?;
            if v != json!({"ok": true}) {
                return Err(format!("GET /api/v1/ping answered {}", short(&v.to_string())));
            }
            Ok(Work::Ceiling)
        }
        Scenario::Size => Err("the size scenario is run by bench/size.rs".into()),
        Scenario::Status => {
            let want = a.prepare.unwrap_or(STATUS_SAMPLE);
            let (mut ids, how) = sample_orders(api, want).await?;
            if ids.len() < STATUS_MIN.min(want) {
                let n = STATUS_PLACE.min(want).saturating_sub(ids.len());
                eprintln!("status: the server has {} orders; placing {n} more to read", ids.len());
                let w = Arc::new(create_world(api).await?);
                let api2 = api.clone();
                let placed = parallel(n, c, move |k| {
                    let (api, w) = (api2.clone(), w.clone());
                    async move { id_of(&place(&api, &w, k as u64).await?, "order") }
                })
                .await?;
                ids.extend(placed);
            } else {
                eprintln!("status: sampled {} order ids ({how})", ids.len());
            }
            Ok(Work::Status(ids))
        }
        Scenario::ShipInvoice => {
            let n = a.prepare.unwrap_or(SHIP_INVOICE_DEFAULT);
            let w = Arc::new(create_world(api).await?);
            eprintln!("ship-invoice: placing and allocating {n} orders (not timed)…");
            let (api2, w2) = (api.clone(), w.clone());
            let ready = parallel(n, c, move |k| {
                let (api, w) = (api2.clone(), w2.clone());
                async move {
                    let o = place(&api, &w, k as u64).await?;
                    let from = w.warehouses[k % 2];
                    // Lines 1 and 6 go to the same ship-to: one shipment carries both.
                    let mut lines = Vec::new();
                    for line in [1, 6] {
                        let (q, price) = allocate(&api, &o, line, from).await?;
                        lines.push((line, q, price));
                    }
                    Ok(Ready {
                        order_id: id_of(&o, "order")?,
                        from,
                        to: w.ship_to[0],
                        lines,
                    })
                }
            })
            .await?;
            Ok(Work::ShipInvoice { world: w, ready })
        }
        Scenario::Tracking => {
            let n = a.prepare.unwrap_or(c * TRACKING_BATCH as usize + 1_000);
            let w = Arc::new(create_world(api).await?);
            eprintln!("tracking: placing, allocating and shipping {n} orders (not timed)…");
            let (api2, w2) = (api.clone(), w.clone());
            let numbers = parallel(n, c, move |k| {
                let (api, w) = (api2.clone(), w2.clone());
                async move {
                    let o = place(&api, &w, k as u64).await?;
                    let from = w.warehouses[k % 2];
                    let (q, _) = allocate(&api, &o, 1, from).await?;
                    let number = format!("1ZT{}{k:08}", w.tag);
                    let _: Value = api
                        .post(
                            "/api/v1/shipments",
                            &json!({
                                "order_id": id_of(&o, "order")?, "from_location_id": from, "to_location_id": w.ship_to[0],
                                "lines": [{"line": 1, "quantity": q}], "carrier": "UPS", "tracking_number": number,
                            }),
                        )
                        .await?;
                    Ok(number)
                }
            })
            .await?;
            let base = OffsetDateTime::now_utc() - Duration::from_secs(86_400);
            Ok(Work::Tracking {
                tag: w.tag.clone(),
                numbers,
                base,
            })
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Portal pages

/// Percent-encodes a query-string value (everything but RFC 3986's unreserved characters).
fn query_escape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One list of each kind, taken in turn (a, b, c, a, b, c, …) until the longest is used up; a
/// shorter list starts over. Empty lists are left out.
fn interleave(lists: &[Vec<String>]) -> Vec<String> {
    let lists: Vec<&Vec<String>> = lists.iter().filter(|l| !l.is_empty()).collect();
    let longest = lists.iter().map(|l| l.len()).max().unwrap_or(0);
    let mut out = Vec::with_capacity(longest * lists.len());
    for k in 0..longest {
        for l in &lists {
            out.push(l[k % l.len()].clone());
        }
    }
    out
}

/// A staff agent created for this run through the API (the key is a seller admin's): invited,
/// its invitation issued and accepted with a random password. Pages take a session, not a key.
async fn create_staff(api: &Api) -> Result<(String, String), String> {
    let tag = run_tag().to_lowercase();
    let email = format!("bench-agent-{tag}@bench.example");
    let password = format!("pw-{:016x}{:016x}", rand::random::<u64>(), rand::random::<u64>());
    let v: Value = api
        .post(
            "/api/v1/users",
            &json!({"email": email, "name": format!("Bench agent {tag}"), "type": "staff", "role": "agent"}),
        )
        .await?;
    let id = v["user"]["id"]
        .as_str()
        .ok_or_else(|| format!("inviting a staff agent: no user id in {}", short(&v.to_string())))?
        .to_owned();
    let token = match v["invitation_token"].as_str() {
        Some(t) => t.to_owned(),
        None => {
            let r: Value = api.post(&format!("/api/v1/users/{id}/invitation"), &json!({})).await?;
            r["invitation_token"]
                .as_str()
                .ok_or_else(|| format!("issuing the invitation: no token in {}", short(&r.to_string())))?
                .to_owned()
        }
    };
    let _: Value = api
        .post(
            "/api/v1/invitations/accept",
            &json!({"token": token, "password": password}),
        )
        .await?;
    Ok((email, password))
}

/// One untimed GET of a page with the session: its body, or why it is not a page.
async fn fetch_page(client: &Api, path: &str) -> Result<String, String> {
    let r = client
        .http
        .get(client.url(path))
        .send()
        .await
        .map_err(|e| format!("GET {path}: {e}"))?;
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let location = r
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = r.text().await.map_err(|e| format!("GET {path}: {e}"))?;
    match page_problem(status, ct.as_deref()) {
        None => Ok(body),
        Some(p) => Err(format!(
            "GET {path}: {p}{}: {}",
            location
                .map(|l| format!(" (to {l}: is the session accepted?)"))
                .unwrap_or_default(),
            short(&body)
        )),
    }
}

async fn prepare_pages(api: &Api, a: &RunArgs) -> Result<Work, String> {
    let demo_password = aftercart_app::demo::DEMO_PASSWORD;
    let (email, password) = match (&a.user, a.scenario) {
        (Some(u), _) => (
            u.clone(),
            a.password.clone().unwrap_or_else(|| demo_password.to_owned()),
        ),
        (None, Scenario::PageSearch) => {
            let (e, p) = create_staff(api).await?;
            eprintln!("page-search: created staff agent {e} through the API");
            (e, p)
        }
        (None, _) => (
            DEMO_BUYER.to_owned(),
            a.password.clone().unwrap_or_else(|| demo_password.to_owned()),
        ),
    };
    let cookie = sign_in(&api.base, &email, &password).await?;
    let encoding = Some(a.accept_encoding.as_str()).filter(|e| !e.is_empty());
    let client = Api::with_cookie(api.base.clone(), &cookie, encoding, a.concurrency)?;
    // Untimed reads (sampling, the check below) ask for bodies they can read.
    let plain = Api::with_cookie(api.base.clone(), &cookie, None, 8)?;
    let want = a.prepare.unwrap_or(STATUS_SAMPLE);
    let (paths, cycle) = match a.scenario {
        Scenario::PageOrder => {
            // Through the session: the orders this user may open.
            let (ids, how) = sample_orders(&plain, want).await?;
            if ids.is_empty() {
                return Err(format!("{email} sees no orders; nothing to open"));
            }
            eprintln!(
                "page-order: signed in as {email}; sampled {} order ids ({how})",
                ids.len()
            );
            (ids.iter().map(|id| format!("/orders/{id}")).collect::<Vec<_>>(), false)
        }
        Scenario::PageDashboard => {
            eprintln!("page-dashboard: signed in as {email}");
            (vec!["/dashboard".to_owned()], true)
        }
        _ => {
            // Numbers come from the API with the key (every order and shipment).
            let (orders, how) = sample_list(api, "/api/v1/orders", want).await?;
            let (shipments, _) = sample_list(api, "/api/v1/shipments", want).await?;
            let numbers: Vec<String> = orders.iter().filter_map(|o| o.number.clone()).collect();
            let pos: Vec<String> = orders.iter().filter_map(|o| o.po_number.clone()).collect();
            let tracking: Vec<String> = shipments.iter().filter_map(|s| s.tracking_number.clone()).collect();
            eprintln!(
                "page-search: signed in as {email}; {} order numbers, {} PO numbers ({how}), {} tracking numbers",
                numbers.len(),
                pos.len(),
                tracking.len()
            );
            let kinds = [
                (SearchBy::Number, "order number", numbers),
                (SearchBy::Po, "PO number", pos),
                (SearchBy::Tracking, "tracking number", tracking),
            ];
            let mut chosen: Vec<Vec<String>> = Vec::new();
            for (by, what, values) in kinds {
                if a.search_by != SearchBy::All && a.search_by != by {
                    continue;
                }
                let Some(first) = values.first() else {
                    if a.search_by == by {
                        return Err(format!(
                            "no {what}s to search for (seed with --ship-every for tracking numbers)"
                        ));
                    }
                    eprintln!("page-search: no {what}s to search for; searching by the others");
                    continue;
                };
                // Each kind once, untimed: it must find an order.
                let path = format!("/search?q={}", query_escape(first));
                let body = fetch_page(&plain, &path).await?;
                if !body.contains("href=\"/orders/") {
                    return Err(format!("searching by {what} ({path}) found no order: {}", short(&body)));
                }
                chosen.push(
                    values
                        .iter()
                        .map(|q| format!("/search?q={}", query_escape(q)))
                        .collect(),
                );
            }
            let paths = interleave(&chosen);
            if paths.is_empty() {
                return Err("nothing to search for (no orders or shipments sampled)".into());
            }
            (paths, true)
        }
    };
    fetch_page(&plain, &paths[0]).await?;
    Ok(Work::Pages { client, paths, cycle })
}

/// What the samplers keep of a listed order or shipment.
#[derive(Deserialize, Clone, Debug)]
struct Listed {
    id: Uuid,
    /// Orders: the order number.
    #[serde(default)]
    number: Option<String>,
    /// Orders: the PO number.
    #[serde(default)]
    po_number: Option<String>,
    /// Shipments: the tracking number.
    #[serde(default)]
    tracking_number: Option<String>,
}

#[derive(Deserialize)]
struct ListPage {
    items: Vec<Listed>,
    next_cursor: Option<String>,
}

/// GET {list}?limit=N[&cursor=C], e.g. /api/v1/orders
async fn list_page(api: &Api, list: &str, limit: usize, cursor: Option<&str>) -> Result<ListPage, String> {
    match cursor {
        Some(c) => api.get(&format!("{list}?limit={limit}&cursor={c}")).await,
        None => api.get(&format!("{list}?limit={limit}")).await,
    }
}

/// Base64url without padding (what the API's list cursors are made of).
fn b64url(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len() * 4 / 3 + 2);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for k in 0..=chunk.len() {
            out.push(char::from(A[((n >> (18 - 6 * k)) & 63) as usize]));
        }
    }
    out
}

/// The creation time (Unix ms) of a UUIDv7.
fn v7_ms(id: Uuid) -> u64 {
    let b = id.as_bytes();
    u64::from_be_bytes([0, 0, b[0], b[1], b[2], b[3], b[4], b[5]])
}

/// A cursor meaning "orders created before `ms`": the smallest UUIDv7 of that millisecond.
fn cursor_at(ms: u64) -> String {
    let t = ms.to_be_bytes();
    let mut b = [0u8; 16];
    b[..6].copy_from_slice(&t[2..]);
    b[6] = 0x70;
    b[8] = 0x80;
    b64url(&b)
}

/// Up to `want` order ids (see [`sample_list`]).
async fn sample_orders(api: &Api, want: usize) -> Result<(Vec<Uuid>, &'static str), String> {
    let (items, how) = sample_list(api, "/api/v1/orders", want).await?;
    Ok((items.into_iter().map(|o| o.id).collect(), how))
}

/// Up to `want` items of a list (`/api/v1/orders`, `/api/v1/shipments`) from pages of 500. Ids
/// are UUIDv7 (time-ordered) and a list cursor is the id a page starts below, so pages are taken
/// just below random instants between the oldest and the newest item: the sample covers the
/// whole table, not only its newest end. Falls back to paging from the newest item when cursors
/// do not look as expected.
async fn sample_list(api: &Api, list: &str, want: usize) -> Result<(Vec<Listed>, &'static str), String> {
    let first = list_page(api, list, 2, None).await?;
    let Some(newest) = first.items.first().map(|o| o.id) else {
        return Ok((Vec::new(), "empty"));
    };
    let cursors_are_ids = match (&first.next_cursor, first.items.get(1)) {
        (Some(c), Some(second)) => *c == b64url(second.id.as_bytes()),
        _ => false,
    };
    if cursors_are_ids && let Some(items) = sample_spread(api, list, newest, want).await? {
        return Ok((items, "pages of 500 at random points across the whole list"));
    }
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    while ids.len() < want {
        let page = list_page(api, list, (want - ids.len()).min(500), cursor.as_deref()).await?;
        ids.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    Ok((ids, "the newest items"))
}

async fn sample_spread(api: &Api, list: &str, newest: Uuid, want: usize) -> Result<Option<Vec<Listed>>, String> {
    // Binary search for the oldest order's millisecond: `lo` has no order before it, `hi` has.
    let (mut lo, mut hi) = (0u64, v7_ms(newest) + 1);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        match list_page(api, list, 1, Some(&cursor_at(mid))).await {
            Ok(p) if p.items.is_empty() => lo = mid,
            Ok(_) => hi = mid,
            Err(_) => return Ok(None),
        }
    }
    let (oldest, span) = (lo, v7_ms(newest) + 1 - lo);
    let seed = u64::from(OffsetDateTime::now_utc().nanosecond());
    let mut ids = Vec::with_capacity(want + 500);
    let pages = want.div_ceil(500) as u64;
    let mut after_round = 0;
    for k in 0..pages * 3 {
        // Up to three rounds: pages overlap on small tables; stop when there are enough, or when
        // a round found nothing new (the whole list is in hand).
        if ids.len() >= want {
            break;
        }
        if k > 0 && k % pages == 0 {
            if ids.len() == after_round {
                break;
            }
            after_round = ids.len();
        }
        let at = oldest + 1 + mix(seed ^ k) % span;
        let page = list_page(api, list, 500, Some(&cursor_at(at))).await?;
        ids.extend(page.items);
        if (k + 1) % pages == 0 {
            ids.sort_unstable_by_key(|o| o.id);
            ids.dedup_by_key(|o| o.id);
        }
    }
    ids.sort_unstable_by_key(|o| o.id);
    ids.dedup_by_key(|o| o.id);
    ids.truncate(want);
    Ok(Some(ids))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_counts_only_as_200_html() {
        assert_eq!(page_problem(200, Some("text/html; charset=utf-8")), None);
        assert_eq!(page_problem(200, Some("TEXT/HTML")), None);
        assert!(page_problem(200, Some("application/json")).is_some_and(|e| e.contains("not text/html")));
        assert!(page_problem(200, None).is_some());
        assert_eq!(page_problem(303, Some("text/html")).as_deref(), Some("HTTP 303"));
        assert_eq!(
            page_problem(404, Some("text/html; charset=utf-8")).as_deref(),
            Some("HTTP 404")
        );
    }

    #[test]
    fn search_terms_are_escaped_and_taken_in_turn() {
        assert_eq!(query_escape("SO-1000.5_~"), "SO-1000.5_~");
        assert_eq!(query_escape("PO 12/#&+é"), "PO%2012%2F%23%26%2B%C3%A9");
        let v = |xs: &[&str]| xs.iter().map(|x| (*x).to_owned()).collect::<Vec<String>>();
        assert_eq!(
            interleave(&[v(&["n1", "n2", "n3"]), v(&[]), v(&["t1"])]),
            v(&["n1", "t1", "n2", "t1", "n3", "t1"])
        );
        assert_eq!(interleave(&[v(&[]), v(&[])]), Vec::<String>::new());
        assert_eq!(interleave(&[v(&["a", "b"]), v(&["c", "d"])]), v(&["a", "c", "b", "d"]));
    }

    #[test]
    fn cursors_are_base64url_of_uuidv7() {
        assert_eq!(b64url(&[0xfb, 0xff]), "-_8");
        assert_eq!(b64url(b"Man"), "TWFu");
        assert_eq!(b64url(b"Ma"), "TWE");
        let id = Uuid::now_v7();
        let ms = v7_ms(id);
        let c = cursor_at(ms);
        assert_eq!(c.len(), 22);
        // The crafted id sorts at or below every id of that millisecond and above earlier ones.
        let mut b = [0u8; 16];
        b[..6].copy_from_slice(&ms.to_be_bytes()[2..]);
        b[6] = 0x70;
        b[8] = 0x80;
        assert_eq!(c, b64url(&b));
        assert!(Uuid::from_bytes(b) <= id);
        assert!(Uuid::from_bytes(b).get_version_num() == 7);
        assert_eq!(v7_ms(Uuid::from_bytes(b)), ms);
    }
}
