//! `bench detector`: the exception detector's cost on a seeded database (no server needed).
//!
//! Measures, through the same `Detector` `serve` runs: moving the event cursor to the end of
//! the log (`skip_history`, a first start on a large database); a full clock pass (candidates
//! read through indexed lists only: undelivered shipments by stored status, orders awaiting
//! approval, unpaid invoices past due, then the active exceptions re-judged) once with nothing
//! to raise and once with the clock moved past the stall threshold (every undelivered parcel
//! raises one exception), and again (steady state: nothing new, de-duplicated); and per
//! triggering event: one carrier exception scan applied, then one `follow_events` tick that
//! raises its exception, timed per event.

use super::client::check_db_loopback;
use aftercart_app::{App, Clock, Ctx, FixedClock, ShipmentRef, TrackingInput};
use aftercart_domain::exception::Thresholds;
use aftercart_domain::ids::ShipmentId;
use aftercart_domain::tracking::TrackingStatus;
use aftercart_store::{ListQuery, Store};
use std::sync::Arc;
use std::time::Instant;

#[derive(clap::Args)]
pub struct DetectorArgs {
    /// Database URL: `sqlite:path/to/file.db` or `postgres://…` on a loopback address (a copy:
    /// the run adds exceptions and tracking events).
    #[arg(long, env = "AFTERCART_DB")]
    db: String,
    /// Triggering events to time one by one (1 to 1,000).
    #[arg(long, default_value_t = 20)]
    events: u32,
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

pub async fn run(a: DetectorArgs) -> Result<(), String> {
    check_db_loopback(&a.db)?;
    if !(1..=1000).contains(&a.events) {
        return Err("--events: give a number from 1 to 1000".into());
    }
    let store = Store::open(&a.db).await.map_err(|e| e.to_string())?;
    store.migrate().await.map_err(|e| e.to_string())?;
    let err = |what: &'static str| move |e: aftercart_app::AppError| format!("{what}: {e}");
    let now = time::OffsetDateTime::now_utc();
    let clock = Arc::new(FixedClock::new(now));
    let app = App::new(store.clone(), clock.clone());
    let det = app.detector(Thresholds::default());
    let orders = store.count("order").await.map_err(|e| e.to_string())?;
    let shipments = store.count("shipment").await.map_err(|e| e.to_string())?;
    println!("database: {orders} orders, {shipments} shipments ({})", store.backend());

    let t = Instant::now();
    det.skip_history().await.map_err(err("cursor to the end of the log"))?;
    println!("cursor to the end of the log: {:.1} ms", ms(t));

    let t = Instant::now();
    let r = det.clock_pass().await.map_err(err("clock pass"))?;
    println!(
        "full clock pass, nothing due: {:.1} ms ({} candidates, {} raised)",
        ms(t),
        r.records,
        r.raised
    );
    // Past the stall threshold: every parcel not delivered is a cause now.
    clock.set(now + time::Duration::days(4));
    let t = Instant::now();
    let r = det.clock_pass().await.map_err(err("clock pass"))?;
    println!(
        "full clock pass, stalled parcels: {:.1} ms ({} candidates, {} raised)",
        ms(t),
        r.records,
        r.raised
    );
    let t = Instant::now();
    let r = det.clock_pass().await.map_err(err("clock pass"))?;
    println!(
        "full clock pass again (steady state): {:.1} ms ({} candidates, {} raised, {} auto-resolved)",
        ms(t),
        r.records,
        r.raised,
        r.auto_resolved
    );

    // Per triggering event: a carrier exception on one parcel, then one follower tick.
    let rows = store
        .list(ListQuery {
            kind: "shipment",
            status: Some("pending".into()),
            limit: a.events,
            ..Default::default()
        })
        .await
        .map_err(|e| e.to_string())?;
    if rows.is_empty() {
        println!("per event: no undelivered shipment to scan (seed with --ship-every)");
        return Ok(());
    }
    let ctx = Ctx::system();
    let mut ticks = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let input = TrackingInput {
            shipment: ShipmentRef::Id(ShipmentId(row.id)),
            status: TrackingStatus::Exception,
            occurred_at: clock.now(),
            location: Some("Memphis, TN".into()),
            description: Some(format!("bench exception {i}")),
            event_id: Some(format!("bench-detector-{}", uuid::Uuid::now_v7())),
            source: "bench".into(),
            estimated_delivery: None,
            carrier_status: None,
        };
        app.track(&ctx, &input).await.map_err(err("tracking event"))?;
        let t = Instant::now();
        let r = det.follow_events().await.map_err(err("follow events"))?;
        ticks.push(ms(t));
        if r.raised == 0 {
            return Err(format!("the scan on shipment {} raised no exception: {r:?}", row.id));
        }
    }
    ticks.sort_by(f64::total_cmp);
    let mean = ticks.iter().sum::<f64>() / ticks.len() as f64;
    println!(
        "per triggering event (scan → exception, one follower tick): mean {mean:.1} ms, median {:.1} ms, max {:.1} ms over {} events",
        ticks[ticks.len() / 2],
        ticks[ticks.len() - 1],
        ticks.len()
    );
    Ok(())
}
