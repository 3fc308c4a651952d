//! `aftercart bench outbox`: the outbox's throughput from commit to a webhook receiver's 2xx,
//! in process on loopback. A seller endpoint subscribed to everything points at a receiver in
//! this process that verifies every signature (as a real receiver must) and answers 204.
//!
//! Two measurements: **drain** — `--events` events committed first, then the fan-out and the
//! webhook worker started, timed until the receiver has verified them all; **live** — events
//! committed by `--producers` concurrent writers while the workers run, with the latency from
//! each event's commit to its 2xx. Bounded by `--events` and a deadline.

use aftercart_app::notify::{EndpointInput, queues};
use aftercart_app::{App, Ctx, NewAccount, NotifySettings, Principal, SystemClock};
use aftercart_domain::account::PaymentTerms;
use aftercart_domain::{Currency, Money};
use aftercart_notify::{Branding, Channels, Secret, TargetPolicy, Templates, WebhookSender, Worker};
use aftercart_store::Store;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

#[derive(clap::Args)]
pub struct OutboxArgs {
    /// Database URL (a fresh one: the bench adds accounts and an endpoint).
    #[arg(long)]
    db: String,
    /// Events per measurement (1–200,000).
    #[arg(long, default_value_t = 5000)]
    events: u64,
    /// Concurrent writers in the live measurement.
    #[arg(long, default_value_t = 16)]
    producers: u64,
    /// Delivery workers (processes sharing the database are simulated by this many loops).
    #[arg(long, default_value_t = 2)]
    workers: usize,
}

struct Received {
    count: AtomicU64,
    bad: AtomicU64,
    /// Commit-to-2xx latencies of the live run, microseconds.
    latencies: Mutex<Vec<u64>>,
}

async fn receiver(secret: Secret, got: Arc<Received>) -> Result<u16, String> {
    use axum::body::Bytes;
    use axum::http::{HeaderMap, StatusCode};
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let got = got.clone();
            let secret = secret.clone();
            async move {
                let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                let ts: i64 = h("webhook-timestamp").parse().unwrap_or(0);
                let now = time::OffsetDateTime::now_utc();
                let ok = aftercart_notify::webhook::verify(
                    std::slice::from_ref(&secret),
                    &h("webhook-id"),
                    ts,
                    &body,
                    &h("webhook-signature"),
                    now.unix_timestamp(),
                )
                .is_ok();
                if !ok {
                    got.bad.fetch_add(1, Ordering::Relaxed);
                    return StatusCode::BAD_REQUEST;
                }
                if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&body)
                    && let Some(at) = v["timestamp"].as_str()
                    && let Ok(at) = time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
                {
                    let us = (now - at).whole_microseconds().max(0) as u64;
                    got.latencies.lock().await.push(us);
                }
                got.count.fetch_add(1, Ordering::Relaxed);
                StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(port)
}

async fn produce(app: &App, n: u64, producers: u64) -> Result<(), String> {
    let usd = Currency::parse("USD", "currency").map_err(|e| e.to_string())?;
    let next = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..producers.max(1) {
        let (app, next) = (app.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let ctx = Ctx::new(Principal::staff("bench", "Bench"));
            while next.fetch_add(1, Ordering::Relaxed) < n {
                let input = NewAccount {
                    number: Some(format!("B-{}", uuid::Uuid::now_v7().simple())),
                    name: "Outbox bench customer".into(),
                    currency: usd,
                    terms: PaymentTerms { net_days: 30 },
                    credit_limit: Money::from_minor(0, usd),
                    locations: Vec::new(),
                };
                app.run(&ctx, async || app.plan_create_account(&ctx, &input).await)
                    .await
                    .map_err(|e| e.to_string())?;
            }
            Ok::<(), String>(())
        }));
    }
    for t in tasks {
        t.await.map_err(|e| e.to_string())??;
    }
    Ok(())
}

fn pct(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

async fn wait_for(got: &Received, want: u64, deadline: Duration) -> Result<Duration, String> {
    let t0 = Instant::now();
    while got.count.load(Ordering::Relaxed) < want {
        if t0.elapsed() > deadline {
            return Err(format!(
                "only {} of {want} deliveries arrived within {deadline:?}",
                got.count.load(Ordering::Relaxed)
            ));
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(t0.elapsed())
}

pub async fn run(a: OutboxArgs) -> Result<(), String> {
    if !(1..=200_000).contains(&a.events) {
        return Err("--events: give 1 to 200000".into());
    }
    let store = Store::open(&a.db).await.map_err(|e| e.to_string())?;
    store.migrate().await.map_err(|e| e.to_string())?;
    let settings = NotifySettings {
        allow_private_targets: true,
        ..NotifySettings::default()
    };
    let app = App::new(store, Arc::new(SystemClock)).with_notify(settings);
    let ctx = Ctx::new(Principal::staff("bench", "Bench"));
    let got = Arc::new(Received {
        count: AtomicU64::new(0),
        bad: AtomicU64::new(0),
        latencies: Mutex::new(Vec::new()),
    });
    let placeholder = EndpointInput {
        url: "http://127.0.0.1:9/hook".into(),
        description: Some("outbox bench".into()),
        event_types: vec!["account.created".into()],
        account_id: None,
    };
    let ep = app
        .run(&ctx, async || app.plan_create_endpoint(&ctx, &placeholder).await)
        .await
        .map_err(|e| e.to_string())?;
    let secret = Secret::parse(&ep.secrets[0].secret).map_err(|e| e.to_string())?;
    let port = receiver(secret, got.clone()).await?;
    let patch = aftercart_app::notify::EndpointPatch {
        url: Some(format!("http://127.0.0.1:{port}/hook")),
        ..Default::default()
    };
    app.run(&ctx, async || app.plan_update_endpoint(&ctx, ep.id, &patch).await)
        .await
        .map_err(|e| e.to_string())?;
    let worker = || {
        Worker::new(
            app.clone(),
            Channels {
                templates: Templates::builtin().expect("built-in templates"),
                branding: Branding {
                    seller_name: "Bench".into(),
                    primary_colour: "#1d4ed8".into(),
                    accent_colour: "#0f766e".into(),
                    portal_url: "http://127.0.0.1".into(),
                    from_address: "Bench <bench@localhost>".into(),
                },
                mailer: None,
                sms: None,
                webhooks: WebhookSender::new(TargetPolicy { allow_private: true }).expect("client"),
                nats: None,
            },
        )
    };

    eprintln!(
        "outbox bench on {}: {} events, {} worker(s)",
        app.store.backend(),
        a.events,
        a.workers
    );
    // Drain: the backlog first, then the workers.
    let t = Instant::now();
    produce(&app, a.events, a.producers).await?;
    let commit_s = t.elapsed().as_secs_f64();
    let started = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..a.workers.max(1) {
        handles.extend(worker().spawn(Duration::from_millis(5)));
    }
    wait_for(&got, a.events, Duration::from_secs(600)).await?;
    let drain = started.elapsed().as_secs_f64();
    got.latencies.lock().await.clear();
    // Live: writers and workers at once.
    let before = got.count.load(Ordering::Relaxed);
    let t = Instant::now();
    produce(&app, a.events, a.producers).await?;
    let produced_s = t.elapsed().as_secs_f64();
    wait_for(&got, before + a.events, Duration::from_secs(600)).await?;
    let live = t.elapsed().as_secs_f64();
    // The receiver has them all; the workers record the last attempts an instant later.
    let settle = Instant::now();
    loop {
        let pending = app.outbox_backlog().await.map_err(|e| e.to_string())?;
        if pending.iter().all(|(_, n)| *n == 0) || settle.elapsed() > Duration::from_secs(10) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    for h in handles {
        h.abort();
    }
    let mut lat = got.latencies.lock().await.clone();
    lat.sort_unstable();
    let bad = got.bad.load(Ordering::Relaxed);
    let backlog = app.outbox_backlog().await.map_err(|e| e.to_string())?;
    let left: i64 = backlog
        .iter()
        .filter(|(q, _)| q == queues::WEBHOOK)
        .map(|(_, n)| n)
        .sum();
    eprintln!(
        "drain: {} events committed in {commit_s:.1} s, then fanned out and delivered in {drain:.2} s = {:.0} events/s",
        a.events,
        a.events as f64 / drain
    );
    eprintln!(
        "live:  {} events committed by {} writers in {produced_s:.2} s ({:.0}/s), all delivered after {live:.2} s = {:.0} events/s; commit→2xx p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        a.events,
        a.producers,
        a.events as f64 / produced_s,
        a.events as f64 / live,
        pct(&lat, 0.5),
        pct(&lat, 0.9),
        pct(&lat, 0.99),
        pct(&lat, 1.0)
    );
    eprintln!("signatures refused by the receiver: {bad}; webhook jobs left pending: {left}");
    println!(
        "{}",
        serde_json::json!({
            "bench": "outbox", "backend": app.store.backend(), "events": a.events, "workers": a.workers,
            "drain_events_per_s": a.events as f64 / drain,
            "live_events_per_s": a.events as f64 / live,
            "live_commit_per_s": a.events as f64 / produced_s,
            "p50_ms": pct(&lat, 0.5), "p90_ms": pct(&lat, 0.9), "p99_ms": pct(&lat, 0.99), "bad_signatures": bad,
        })
    );
    if bad > 0 || left > 0 {
        return Err(format!("{bad} bad signatures, {left} deliveries left"));
    }
    Ok(())
}
