//! `bench seed`: bulk-loads ten-line orders through the application layer. Each order is planned
//! with `App::plan_place_order` (the same rules and documents as POST /api/v1/orders) and the
//! planned commits are written `--batch` at a time with `Store::commit_all`, while the next
//! batches are being planned. With `--ship-every N`, every Nth order then has its first line
//! allocated and shipped with a tracking number (`App::plan_allocate`, `App::plan_ship`, the same
//! as the API's allocations and shipments), so that tracking-number lookups have data at scale.

use super::client::check_db_loopback;
use super::mix;
use aftercart_app::{
    Allocate, App, Ctx, NewAccount, NewFulfilmentLocation, NewLocation, NewProduct, OrderLineInput, PlaceOrder,
    ProductRef, ShipInput, SystemClock,
};
use aftercart_domain::account::{FulfilmentKind, LocationKind, PaymentTerms};
use aftercart_domain::ids::{AccountId, FulfilmentLocationId, LocationId, OrderId, ProductId};
use aftercart_domain::money::{Currency, Money};
use aftercart_domain::order::Channel;
use aftercart_domain::quantity::Qty;
use aftercart_store::{Commit, Store};
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

const MAX_ORDERS: u64 = 10_000_000;
/// Batches being committed at once: keeps the store busy while a finished batch is reported.
const IN_FLIGHT: usize = 2;

#[derive(clap::Args)]
pub struct SeedArgs {
    /// Database URL: `sqlite:path/to/file.db` or `postgres://…` on a loopback address.
    #[arg(long, env = "AFTERCART_DB")]
    db: String,
    /// Orders to add (1 to 10,000,000), ten lines each.
    #[arg(long)]
    orders: u64,
    /// Planned orders per `commit_all` transaction.
    #[arg(long, default_value_t = 500)]
    batch: usize,
    /// Concurrent planning tasks (default 2 for SQLite, 8 for PostgreSQL, whose reads are round trips).
    #[arg(long)]
    planners: Option<usize>,
    /// Every Nth seeded order (the 1st, the N+1th, …) also gets one shipment: its first line
    /// allocated at a bench warehouse and shipped by UPS with tracking number `1ZSEED` + ten
    /// digits. 0 (the default) ships nothing.
    #[arg(long, default_value_t = 0)]
    ship_every: u64,
}

/// The seeded customer and catalogue, found by number or created once.
struct SeedWorld {
    account: AccountId,
    warehouse: FulfilmentLocationId,
    ship_to: Vec<LocationId>,
    products: Vec<ProductId>,
}

fn app_err(what: &str) -> impl Fn(aftercart_app::AppError) -> String + '_ {
    move |e| format!("{what}: {e}")
}

async fn seed_world(app: &App, ctx: &Ctx) -> Result<SeedWorld, String> {
    let usd = Currency::parse("USD", "currency").map_err(|e| e.to_string())?;
    let money = |s: &str| Money::parse(s, usd, "amount").map_err(|e| e.to_string());
    let store = &app.store;
    let found = |r: Result<Option<aftercart_store::DocRow>, aftercart_store::StoreError>| {
        r.map(|o| o.map(|d| d.id)).map_err(|e| e.to_string())
    };

    for (code, name, city) in [
        ("BENCH-W1", "Bench DC East", "Columbus"),
        ("BENCH-W2", "Bench DC West", "Reno"),
    ] {
        if found(store.by_number("fulfilment_location", code).await)?.is_none() {
            let input = NewFulfilmentLocation {
                code: code.into(),
                name: name.into(),
                kind: FulfilmentKind::Warehouse,
                city: city.into(),
            };
            app.run(ctx, || app.plan_create_fulfilment_location(ctx, &input))
                .await
                .map_err(app_err("creating a warehouse"))?;
        }
    }
    let warehouse = FulfilmentLocationId(
        found(store.by_number("fulfilment_location", "BENCH-W1").await)?
            .ok_or("the bench warehouse BENCH-W1 was not created")?,
    );
    let categories = ["safety", "janitorial", "office", "medical", "packaging"];
    let mut products = Vec::new();
    for p in 1..=10u64 {
        let sku = format!("BENCH-P{p:02}");
        let id = match found(store.by_number("product", &sku).await)? {
            Some(id) => ProductId(id),
            None => {
                let input = NewProduct {
                    sku: sku.clone(),
                    name: format!("Bench product {p}"),
                    category: categories[(p % 5) as usize].into(),
                    list_price: money(&format!("{}.{:02}", 4 + p * 7, (p * 37) % 100))?,
                    setup_guide: None,
                    care_instructions: None,
                };
                app.run(ctx, || app.plan_create_product(ctx, &input))
                    .await
                    .map_err(app_err("creating a product"))?
                    .value
                    .id
            }
        };
        products.push(id);
    }
    let account = match found(store.by_number("account", "BENCH-SEED").await)? {
        Some(id) => {
            app.account(ctx, AccountId(id))
                .await
                .map_err(app_err("reading the bench account"))?
                .value
        }
        None => {
            let loc = |kind, name: &str, city: &str| NewLocation {
                kind,
                name: name.into(),
                address: String::new(),
                city: city.into(),
                postcode: String::new(),
                country: "US".into(),
            };
            let mut locations = vec![loc(LocationKind::BillTo, "Accounts payable", "Austin")];
            for (n, city) in ["Austin", "Round Rock", "Cedar Park", "Georgetown", "Pflugerville"]
                .iter()
                .enumerate()
            {
                locations.push(loc(LocationKind::ShipTo, &format!("Receiving dock {}", n + 1), city));
            }
            let input = NewAccount {
                number: Some("BENCH-SEED".into()),
                name: "Bench Buyer (seeded)".into(),
                currency: usd,
                terms: PaymentTerms { net_days: 30 },
                credit_limit: money("1000000000.00")?,
                locations,
            };
            let a = app
                .run(ctx, || app.plan_create_account(ctx, &input))
                .await
                .map_err(app_err("creating the bench account"))?
                .value;
            let price = money("3.50")?;
            app.run(ctx, || app.plan_set_contract_price(ctx, a.id, products[0], price))
                .await
                .map_err(app_err("setting a contract price"))?;
            a
        }
    };
    let ship_to: Vec<LocationId> = account
        .locations
        .iter()
        .filter(|l| l.kind == LocationKind::ShipTo)
        .map(|l| l.id)
        .collect();
    if ship_to.len() < 5 {
        return Err(format!(
            "account BENCH-SEED has {} ship-to locations; expected 5",
            ship_to.len()
        ));
    }
    Ok(SeedWorld {
        account: account.id,
        warehouse,
        ship_to,
        products,
    })
}

type Committed = Result<Result<usize, aftercart_store::CommitError>, tokio::task::JoinError>;

/// Counts a finished batch; the error text if it failed.
fn settle(r: Committed, done: &mut u64) -> Option<String> {
    match r {
        Ok(Ok(n)) => {
            *done += n as u64;
            None
        }
        Ok(Err(e)) => Some(format!("committing a batch: {e}")),
        Err(e) => Some(format!("committing a batch: {e}")),
    }
}

const CHANNELS: [Channel; 5] = [
    Channel::Portal,
    Channel::Api,
    Channel::Edi,
    Channel::Erp,
    Channel::Punchout,
];

/// The i-th seeded order: ten products, ten lines over five ship-tos, placed some time in the
/// last year (so lists and date filters see a spread), requested a week after placement.
fn order_input(w: &SeedWorld, i: u64, number: i64, now: time::OffsetDateTime) -> PlaceOrder {
    let h = mix(i);
    let placed_at = now - Duration::from_secs(h % (365 * 86_400));
    let requested = (placed_at + Duration::from_secs(7 * 86_400)).date();
    PlaceOrder {
        account_id: w.account,
        number: Some(format!("SO-{number}")),
        bill_to: None,
        po_number: Some(format!("PO-S{i}")),
        channel: CHANNELS[(h % 5) as usize],
        freight: None,
        placed_at: Some(placed_at),
        lines: (0..10u64)
            .map(|j| OrderLineInput {
                product: ProductRef::Id(w.products[((i + j) % 10) as usize]),
                quantity: Qty::new(1 + (mix(h ^ j) % 24) as u32),
                ship_to: w.ship_to[(j % 5) as usize],
                requested_date: Some(requested),
                po_number: None,
                cost_centre: Some(format!("CC-{}", 100 + j % 3)),
                project: None,
            })
            .collect(),
    }
}

/// A seeded order to ship (its first line, all of it).
struct ToShip {
    i: u64,
    order: OrderId,
    quantity: Qty,
    to: LocationId,
}

/// The tracking number of the i-th seeded order's shipment: 16 characters, like UPS's.
fn tracking_number(i: u64) -> String {
    format!("1ZSEED{i:010}")
}

/// Allocates and ships `to_ship`, `batch` orders per transaction (one for the allocations, then
/// one for the shipments), `planners` batches at once. Returns the shipments made.
async fn ship_seeded(
    app: &App,
    world: &Arc<SeedWorld>,
    to_ship: Vec<ToShip>,
    batch: usize,
    planners: usize,
) -> Result<u64, String> {
    let total = to_ship.len();
    let chunks: Arc<Vec<Vec<ToShip>>> = Arc::new({
        let mut it = to_ship.into_iter().peekable();
        let mut v = Vec::new();
        while it.peek().is_some() {
            v.push(it.by_ref().take(batch).collect());
        }
        v
    });
    let next = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicU64::new(0));
    let t0 = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..planners {
        let (app, world, chunks, next, done) = (app.clone(), world.clone(), chunks.clone(), next.clone(), done.clone());
        set.spawn(async move {
            let ctx = Ctx::system();
            loop {
                let k = next.fetch_add(1, Relaxed);
                let Some(chunk) = chunks.get(k) else {
                    return Ok::<(), String>(());
                };
                let mut allocs = Vec::with_capacity(chunk.len());
                for s in chunk {
                    let input = Allocate {
                        line: 1,
                        location: world.warehouse,
                        quantity: s.quantity,
                    };
                    let p = app
                        .plan_allocate(&ctx, s.order, &input)
                        .await
                        .map_err(|e| format!("allocating seeded order {}: {e}", s.i))?;
                    allocs.push(quiet(p.commit));
                }
                app.store
                    .commit_all(allocs)
                    .await
                    .map_err(|e| format!("committing allocations: {e}"))?;
                tokio::task::yield_now().await;
                let mut ships = Vec::with_capacity(chunk.len());
                for s in chunk {
                    let input = ShipInput {
                        order_id: s.order,
                        from: world.warehouse,
                        to: s.to,
                        lines: vec![(1, s.quantity)],
                        carrier: "UPS".into(),
                        service: Some("Ground".into()),
                        tracking_number: Some(tracking_number(s.i)),
                        tracking_url: None,
                        packing_slip: None,
                        shipped_at: None,
                        promised_delivery: None,
                        estimated_delivery: None,
                    };
                    let p = app
                        .plan_ship(&ctx, &input)
                        .await
                        .map_err(|e| format!("shipping seeded order {}: {e}", s.i))?;
                    ships.push(quiet(p.commit));
                }
                app.store
                    .commit_all(ships)
                    .await
                    .map_err(|e| format!("committing shipments: {e}"))?;
                let n = done.fetch_add(chunk.len() as u64, Relaxed) + chunk.len() as u64;
                if (k + 1) % 40 == 0 {
                    let s = t0.elapsed().as_secs_f64();
                    eprintln!("  {n} / {total} shipments, {s:.0} s, {:.0} shipments/s", n as f64 / s);
                }
            }
        });
    }
    let mut first_err = None;
    while let Some(r) = set.join_next().await {
        match r {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                first_err.get_or_insert(e);
            }
            Err(e) => {
                first_err.get_or_insert(format!("a shipping task failed: {e}"));
            }
        }
    }
    let n = done.load(Relaxed);
    match first_err {
        Some(e) => Err(format!("{e} (after {n} shipments)")),
        None => Ok(n),
    }
}

pub async fn run(a: SeedArgs) -> Result<(), String> {
    check_db_loopback(&a.db)?;
    if !(1..=MAX_ORDERS).contains(&a.orders) {
        return Err(format!("--orders must be 1 to {MAX_ORDERS}"));
    }
    if a.ship_every > a.orders {
        return Err("--ship-every must be at most --orders (0 ships nothing)".into());
    }
    if !(1..=5_000).contains(&a.batch) {
        return Err("--batch must be 1 to 5000".into());
    }
    let store = Store::open(&a.db)
        .await
        .map_err(|e| format!("cannot open database {}: {e}", a.db))?;
    store.migrate().await.map_err(|e| format!("migrating {}: {e}", a.db))?;
    let planners = a.planners.unwrap_or(if store.backend() == "sqlite" { 2 } else { 8 });
    if !(1..=64).contains(&planners) {
        return Err("--planners must be 1 to 64".into());
    }
    let app = App::new(store, Arc::new(SystemClock));
    let ctx = Ctx::system();
    let world = Arc::new(seed_world(&app, &ctx).await?);
    let before = app.store.count("order").await.map_err(|e| e.to_string())?;
    // One block of order numbers for the whole load; later API orders continue after it.
    let first = app
        .store
        .reserve_numbers("order", a.orders as i64)
        .await
        .map_err(|e| e.to_string())?;
    eprintln!(
        "seeding {} ten-line orders into {} ({} already there), {} per transaction, {planners} planners",
        a.orders,
        app.store.backend(),
        before,
        a.batch
    );

    let t0 = Instant::now();
    let now = time::OffsetDateTime::now_utc();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(Vec<Commit>, Vec<ToShip>)>(planners * 2);
    let next = Arc::new(AtomicU64::new(0));
    let mut planning = tokio::task::JoinSet::new();
    for _ in 0..planners {
        let (app, world, next, tx, batch, total, ship_every) = (
            app.clone(),
            world.clone(),
            next.clone(),
            tx.clone(),
            a.batch as u64,
            a.orders,
            a.ship_every,
        );
        planning.spawn(async move {
            let ctx = Ctx::system();
            loop {
                let start = next.fetch_add(1, Relaxed) * batch;
                if start >= total {
                    return Ok::<(), String>(());
                }
                let end = (start + batch).min(total);
                let mut commits = Vec::with_capacity((end - start) as usize);
                let mut ship = Vec::new();
                for i in start..end {
                    let input = order_input(&world, i, first + i as i64, now);
                    let planned = app
                        .plan_place_order(&ctx, &input)
                        .await
                        .map_err(|e| format!("planning order {i}: {e}"))?;
                    if ship_every > 0 && i % ship_every == 0 {
                        ship.push(ToShip {
                            i,
                            order: planned.value.value.id,
                            quantity: input.lines[0].quantity,
                            to: input.lines[0].ship_to,
                        });
                    }
                    commits.push(planned.commit);
                    // SQLite reads never suspend; let the committer run now and then.
                    if i % 32 == 31 {
                        tokio::task::yield_now().await;
                    }
                }
                if tx.send((commits, ship)).await.is_err() {
                    return Ok(()); // the committer stopped; its error is reported
                }
            }
        });
    }
    drop(tx);

    let mut done: u64 = 0;
    let mut last_report = Instant::now();
    let mut inflight = VecDeque::new();
    let mut commit_err: Option<String> = None;
    let mut to_ship: Vec<ToShip> = Vec::new();
    while let Some((cs, ship)) = rx.recv().await {
        to_ship.extend(ship);
        let store = app.store.clone();
        let n = cs.len();
        let cs: Vec<_> = cs.into_iter().map(quiet).collect();
        inflight.push_back(tokio::spawn(async move { store.commit_all(cs).await.map(|()| n) }));
        while inflight.len() > IN_FLIGHT {
            if let Some(h) = inflight.pop_front()
                && let Some(e) = settle(h.await, &mut done)
            {
                commit_err = Some(e);
            }
        }
        if commit_err.is_some() {
            break;
        }
        if last_report.elapsed() >= Duration::from_secs(10) {
            last_report = Instant::now();
            let s = t0.elapsed().as_secs_f64();
            eprintln!(
                "  {done} / {} orders, {s:.0} s, {:.0} orders/s",
                a.orders,
                done as f64 / s
            );
        }
    }
    drop(rx);
    for h in inflight {
        if let Some(e) = settle(h.await, &mut done) {
            commit_err.get_or_insert(e);
        }
    }
    while let Some(r) = planning.join_next().await {
        match r {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                commit_err.get_or_insert(e);
            }
            Err(e) => {
                commit_err.get_or_insert(format!("a planning task failed: {e}"));
            }
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    if let Some(e) = commit_err {
        return Err(format!("{e} (after {done} orders in {secs:.1} s)"));
    }
    let rate = done as f64 / secs;
    let total = app.store.count("order").await.map_err(|e| e.to_string())?;
    eprintln!("seeded {done} orders in {secs:.1} s: {rate:.0} orders/s ({total} orders in the database)");
    let (mut shipped, mut ship_secs) = (0, 0.0);
    if !to_ship.is_empty() {
        eprintln!(
            "shipping {} of them (every {}th: allocate line 1, ship it with a tracking number)",
            to_ship.len(),
            a.ship_every
        );
        let t1 = Instant::now();
        shipped = ship_seeded(&app, &world, to_ship, a.batch, planners).await?;
        ship_secs = t1.elapsed().as_secs_f64();
        eprintln!(
            "shipped {shipped} orders in {ship_secs:.1} s: {:.0} shipments/s",
            shipped as f64 / ship_secs
        );
    }
    println!(
        "{}",
        serde_json::json!({
            "seed_orders": done, "seconds": (secs * 10.0).round() / 10.0, "orders_per_s": rate.round(),
            "backend": app.store.backend(), "orders_in_db": total, "batch": a.batch, "planners": planners,
            "ship_every": a.ship_every, "shipments": shipped, "ship_seconds": (ship_secs * 10.0).round() / 10.0,
        })
    );
    Ok(())
}

/// Seeded history is not news: its events stay out of the outbox, so a server started on a
/// seeded database does not fan out a million old events before the benchmark.
fn quiet(mut c: aftercart_store::Commit) -> aftercart_store::Commit {
    c.no_outbox = true;
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracking_numbers_are_unique_and_ups_sized() {
        assert_eq!(tracking_number(0), "1ZSEED0000000000");
        assert_eq!(tracking_number(999_999), "1ZSEED0000999999");
        assert_eq!(tracking_number(9_999_999).len(), 16);
        assert_ne!(tracking_number(10), tracking_number(100));
    }
}
