//! The `aftercart` binary: `serve`, `migrate`, `demo` and `bench`.

mod bench;
mod config;
mod erp;
mod export;
mod integrations_config;
mod notify_config;
mod payments_config;

use aftercart_api::{ApiState, router};
use aftercart_app::{App, Principal, SystemClock};
use aftercart_store::Store;
use clap::{Parser, Subcommand};
use config::Settings;
use std::process::ExitCode;
use std::sync::Arc;

// glibc malloc was ~14% of a status read under load (perf); mimalloc is the usual cure.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "aftercart",
    version,
    about = "Post-order management: orders, shipments, invoices and payments, explained."
)]
struct Cli {
    /// Configuration file (TOML with `addr`, `db`, `api_key`); flags and environment win over it.
    #[arg(long, global = true, env = "AFTERCART_CONFIG")]
    config: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone, Default)]
pub struct Common {
    /// Address to listen on.
    #[arg(long, env = "AFTERCART_ADDR")]
    addr: Option<String>,
    /// Database URL: `sqlite:path/to/file.db` (default `sqlite:data/aftercart.db`) or `postgres://…`.
    #[arg(long, env = "AFTERCART_DB")]
    db: Option<String>,
    /// The staff API key clients send as `Authorization: Bearer <key>`.
    #[arg(long, env = "AFTERCART_API_KEY", hide_env_values = true)]
    api_key: Option<String>,
    /// Development only: send the session cookie without `Secure`, so a browser keeps it over
    /// plain http://127.0.0.1. Never in production.
    #[arg(long, env = "AFTERCART_DEV_COOKIES", value_parser = clap::builder::BoolishValueParser::new())]
    dev_cookies: bool,
    /// Take client addresses (sign-in and API-key throttling, the record of failed sign-ins)
    /// from the last `X-Forwarded-For` entry. Only behind a proxy that sets that header.
    #[arg(long, env = "AFTERCART_TRUST_FORWARDED_FOR")]
    trust_forwarded_for: bool,
    #[command(flatten)]
    notify: notify_config::NotifyArgs,
    #[command(flatten)]
    payments: payments_config::PaymentArgs,
    #[command(flatten)]
    integrations: integrations_config::IntegrationArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Run migrations, then serve the API.
    Serve(Common),
    /// Apply database migrations and exit.
    Migrate(Common),
    /// Migrate, load the demo dataset (once), serve, and print the URL and API key.
    Demo(Common),
    /// Load-test a running server over loopback (see BENCHMARKS.md).
    Bench(bench::BenchArgs),
    /// Import an ERP file (CSV or JSON Lines) into the store; resumable (see README).
    Import(erp::ImportArgs),
    /// Write a sample ERP orders file and create the accounts and products it names.
    ErpSample(erp::SampleArgs),
    /// Export what changed since a cursor (orders, shipments or invoices) as CSV or JSON Lines.
    Export(export::ExportArgs),
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("AFTERCART_LOG").unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = match cli.command {
        Command::Import(a) => rt.block_on(erp::import(a)),
        Command::ErpSample(a) => rt.block_on(erp::sample(a)),
        Command::Export(a) => rt.block_on(export::export(a)),
        command => rt.block_on(run(Cli { command, ..cli })).map(|()| 0),
    };
    match result {
        Ok(0) => ExitCode::SUCCESS,
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let file = config::load_file(cli.config.as_deref())?;
    match cli.command {
        Command::Migrate(c) => {
            let s = Settings::resolve(&c, &file, false)?;
            let store = open(&s.db).await?;
            let n = store.migrate().await.map_err(|e| e.to_string())?;
            println!("{n} migration(s) applied to {}", store.backend());
            // Data written before search existed gets its search keys (idempotent).
            let app = aftercart_app::App::new(store, std::sync::Arc::new(aftercart_app::SystemClock));
            // Orders written as one whole document move to the header / line chunks / shipments
            // layout (idempotent; an order not converted here converts on its next change).
            let converted = app.migrate_order_layout().await.map_err(|e| e.to_string())?;
            println!("{converted} order(s) converted to the current storage layout");
            let (orders, accounts) = app.backfill_search_keys().await.map_err(|e| e.to_string())?;
            println!("search keys checked for {orders} order(s) and {accounts} account(s)");
            Ok(())
        }
        Command::Serve(c) => {
            let s = Settings::resolve(&c, &file, false)?;
            let key = s
                .api_key
                .clone()
                .ok_or("no API key: set --api-key, AFTERCART_API_KEY or api_key in the config file")?;
            let (app, notify) = start(&s.db, &c.notify, &c.payments, &c.integrations, &s.addr).await?;
            // A key given by the operator is shown only by its prefix.
            let shown = config::key_prefix(&key);
            serve(app, notify, &s, &key, &shown).await
        }
        Command::Demo(c) => {
            let mut s = Settings::resolve(&c, &file, true)?;
            // The documented demo key works only on a loopback address; anywhere else a fresh
            // key is generated. Either is printed in full (it is needed to try the demo); a key
            // given with --api-key is shown only by its prefix.
            let loopback = s
                .addr
                .parse::<std::net::SocketAddr>()
                .is_ok_and(|a| a.ip().is_loopback());
            // A browser opening the demo reaches it over plain http on loopback, where a `Secure`
            // `__Host-` cookie would not be kept by every browser: the demo signs in either way.
            s.dev_cookies |= loopback;
            let (key, shown) = match s.api_key.clone() {
                Some(k) => {
                    let shown = config::key_prefix(&k);
                    (k, shown)
                }
                None if loopback => (DEMO_KEY.to_owned(), DEMO_KEY.to_owned()),
                None => {
                    let k = config::generate_api_key();
                    (k.clone(), k)
                }
            };
            let (app, notify) = start(&s.db, &c.notify, &c.payments, &c.integrations, &s.addr).await?;
            let t = std::time::Instant::now();
            let summary = aftercart_app::demo::load(&app)
                .await
                .map_err(|e| format!("loading demo data: {e}"))?;
            if summary.orders > 0 {
                eprintln!(
                    "demo data loaded in {:.1}s: {} accounts, {} orders, {} shipments, {} invoices, {} payments",
                    t.elapsed().as_secs_f64(),
                    summary.accounts,
                    summary.orders,
                    summary.shipments,
                    summary.invoices,
                    summary.payments
                );
            } else {
                eprintln!("database already has orders; demo data not loaded again");
            }
            let mut users: Vec<String> = aftercart_app::demo::DEMO_USERS
                .iter()
                .map(|(email, _, roles)| {
                    let role = roles.first().map(|r| format!("{r:?}")).unwrap_or_default();
                    format!("    {role:<14} {email}")
                })
                .collect();
            users.push(format!(
                "    {:<14} {}",
                "Service agent",
                aftercart_app::demo::DEMO_AGENT.0
            ));
            users.push(format!(
                "    {:<14} {}",
                "Supplier",
                aftercart_app::demo::DEMO_SUPPLIER.0
            ));
            eprintln!(
                "demo users (portal: open the Portal URL below and sign in; API: POST /api/v1/session), password {}:\n{}",
                aftercart_app::demo::DEMO_PASSWORD,
                users.join("\n")
            );
            serve(app, notify, &s, &key, &shown).await
        }
        Command::Bench(args) => bench::run(args).await,
        Command::Import(_) | Command::ErpSample(_) | Command::Export(_) => Err("handled in main".into()),
    }
}

async fn open(url: &str) -> Result<Store, String> {
    Store::open(url)
        .await
        .map_err(|e| format!("cannot open database {url}: {e}"))
}

async fn start(
    db: &str,
    n: &notify_config::NotifyArgs,
    p: &payments_config::PaymentArgs,
    i: &integrations_config::IntegrationArgs,
    addr: &str,
) -> Result<(App, notify_config::Notify), String> {
    let store = open(db).await?;
    store.migrate().await.map_err(|e| format!("migrating {db}: {e}"))?;
    let notify = n.build(addr).await?;
    let payments = p.build(n.seller_name.as_deref())?;
    let app = App::new(store, Arc::new(SystemClock))
        .with_notify(notify.settings.clone())
        .with_payments(payments)
        .with_carriers(i.carriers());
    Ok((app, notify))
}

/// The API and the portal on one origin: `/api/…` and `/healthz` go to the JSON API (its own
/// 404s are problem+json), everything else to the portal's pages, which get the page security
/// headers (`PAGE_CSP`). Both read the same session cookie.
fn compose(state: ApiState) -> axum::Router {
    use tower::ServiceExt;
    // Pages and the stylesheet are compressed, gzip or Brotli as the browser accepts (the
    // security headers and Cache-Control are kept; `Vary: accept-encoding` is added), at the
    // fastest level: the default levels saved another ~20% of bytes on the order page but cost
    // 30–40% of its throughput, the fastest ~10–15% (BENCHMARKS.md, "Portal pages"). The API's
    // answers are not compressed: their strong ETags name one representation.
    let web = aftercart_api::with_security_headers(
        aftercart_web::router(aftercart_web::WebState {
            app: state.app.clone(),
            dev_cookies: state.dev_cookies,
        }),
        aftercart_api::PAGE_CSP,
    )
    .layer(tower_http::compression::CompressionLayer::new().quality(tower_http::CompressionLevel::Fastest));
    let api = router(state);
    axum::Router::new().fallback_service(tower::service_fn(move |req: axum::extract::Request| {
        let path = req.uri().path();
        let to = if path == "/api" || path.starts_with("/api/") || path == "/healthz" {
            api.clone()
        } else {
            web.clone()
        };
        async move { to.oneshot(req).await }
    }))
}

/// The staff key `demo` uses on a loopback address when none is given (documented in README).
const DEMO_KEY: &str = "demo-staff-key";

/// `shown`: what the banner prints of the key (a prefix, unless the key is the demo's own).
async fn serve(app: App, notify: notify_config::Notify, s: &Settings, key: &str, shown: &str) -> Result<(), String> {
    let addr = s.addr.as_str();
    // Notifications and events out: the fan-out of the outbox and one loop per configured
    // channel (see aftercart_notify::worker). Safe in several processes on one database.
    let channels = {
        let mut c = vec!["in-app", "webhooks"];
        if notify.settings.email {
            c.push("email");
        }
        if notify.settings.sms {
            c.push("SMS");
        }
        if notify.settings.nats {
            c.push("NATS");
        }
        c.join(", ")
    };
    tracing::info!(channels = %channels, portal = %notify.settings.portal_url, "notifications");
    aftercart_notify::Worker::new(app.clone(), notify.channels).spawn(notify.poll);
    // Payment reminders (due soon, overdue): hourly; each recorded once per invoice.
    let reminders = app.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
            match reminders.run_payment_reminders().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(recorded = n, "payment reminders"),
                Err(e) => tracing::warn!(error = %e, "payment reminder pass failed"),
            }
        }
    });
    // Receivables: online payments the provider never answered, or whose webhook was lost, are
    // reconciled every minute; autopay runs hourly (its window is days wide).
    let receivables = app.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        let mut n: u64 = 0;
        loop {
            tick.tick().await;
            if let Err(e) = receivables.reconcile_online_payments().await {
                tracing::warn!(error = %e, "payment reconciliation failed");
            }
            if n.is_multiple_of(60)
                && let Err(e) = receivables.run_autopay().await
            {
                tracing::warn!(error = %e, "autopay pass failed");
            }
            n += 1;
        }
    });
    if s.dev_cookies {
        tracing::warn!("dev_cookies is on: session cookies are sent without Secure (development only)");
    }
    // Approval reminders and escalations: checked every minute; one pass is a bounded scan of
    // the orders waiting for approval.
    let worker = app.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            match worker.run_approval_reminders().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(sent = n, "approval reminders and escalations"),
                Err(e) => tracing::warn!(error = %e, "approval reminder pass failed"),
            }
        }
    });
    // -- exceptions --
    // The exception detector: every tick follows the event log (so an exception appears within
    // one tick of the scan that caused it); the clock pass (late, stalled, overdue, waiting too
    // long, and every open exception judged again) runs on its own, longer interval, because
    // its cost grows with what is open (3.8 s with 100,000 open exceptions) while the causes it
    // finds move by the hour. Safe in several processes on one database (see
    // aftercart_app::exceptions).
    let (detector, every, clock_every) = exception_detector(&app)?;
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_clock: Option<std::time::Instant> = None;
        loop {
            tick.tick().await;
            let clock_due = last_clock.is_none_or(|t| t.elapsed() >= clock_every);
            let r = if clock_due {
                last_clock = Some(std::time::Instant::now());
                detector.run_once().await
            } else {
                detector.follow_events().await
            };
            match r {
                Ok(r) if r.raised + r.auto_resolved == 0 => {}
                Ok(r) => tracing::info!(raised = r.raised, auto_resolved = r.auto_resolved, "exceptions"),
                Err(e) => tracing::warn!(error = %e, "exception detector pass failed"),
            }
        }
    });
    // -- /exceptions --
    let state = ApiState {
        app,
        keys: Arc::new(vec![(
            aftercart_api::key_hash(key),
            Principal::staff("staff-api-key", "Staff API key"),
        )]),
        dev_cookies: s.dev_cookies,
    };
    aftercart_api::limits::set_trust_forwarded_for(s.trust_forwarded_for);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    // One write, so a reader that stops after the first line never makes a later print fail.
    let banner = format!(
        "Aftercart is listening on http://{local}\n  Portal:   http://{local}/   (sign in with a portal user)\n  Tracking: http://{local}/track   (for consumers: order number and postcode, no sign-in)\n  API:      http://{local}/api/v1/orders   (OpenAPI: http://{local}/api/v1/openapi.json)\n  API key:  {shown}   (send as 'Authorization: Bearer <key>')\n"
    );
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        // A closed stdout (the caller stopped reading) must not stop the server.
        let _ = out.write_all(banner.as_bytes()).and_then(|_| out.flush());
    }
    axum::serve(
        listener,
        compose(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(t) => t,
                Err(_) => return std::future::pending().await,
            };
            tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
        }
        #[cfg(not(unix))]
        let _ = ctrl_c.await;
    })
    .await
    .map_err(|e| e.to_string())
}

// -- exceptions --
/// The detector's settings from the environment: `AFTERCART_EXCEPTION_INTERVAL_SECS` (how often
/// it follows the event log, default 10), `AFTERCART_EXCEPTION_CLOCK_SECS` (how often the clock
/// pass runs, default 300, never more often than the first), `AFTERCART_STALL_DAYS` (no scan for this many days is "tracking
/// stalled", default 3), `AFTERCART_APPROVAL_WAIT_HOURS` (an approval step waiting this long,
/// default 48) and `AFTERCART_CHANGE_WAIT_HOURS` (a change request waiting on the seller's
/// decision this long, default 24). A value that is not a positive whole number stops the server with a message.
fn exception_detector(
    app: &App,
) -> Result<(aftercart_app::Detector, std::time::Duration, std::time::Duration), String> {
    let var = |name: &str, default: i64, max: i64| -> Result<i64, String> {
        match std::env::var(name) {
            Err(_) => Ok(default),
            Ok(v) => match v.trim().parse::<i64>() {
                Ok(n) if (1..=max).contains(&n) => Ok(n),
                _ => Err(format!("{name}='{v}': give a whole number from 1 to {max}")),
            },
        }
    };
    let interval = var("AFTERCART_EXCEPTION_INTERVAL_SECS", 10, 86_400)?;
    let clock = var("AFTERCART_EXCEPTION_CLOCK_SECS", 300, 86_400)?.max(interval);
    let stall = var("AFTERCART_STALL_DAYS", 3, 365)?;
    let approval = var("AFTERCART_APPROVAL_WAIT_HOURS", 48, 24 * 365)?;
    let change = var("AFTERCART_CHANGE_WAIT_HOURS", 24, 24 * 365)?;
    let th = aftercart_domain::exception::Thresholds {
        stall_after: time::Duration::days(stall),
        approval_after: time::Duration::hours(approval),
        change_after: time::Duration::hours(change),
        ..Default::default()
    };
    Ok((
        app.detector(th),
        std::time::Duration::from_secs(interval as u64),
        std::time::Duration::from_secs(clock as u64),
    ))
}
// -- /exceptions --

#[cfg(test)]
mod portal_tests {
    use super::*;
    use tower::ServiceExt;

    #[tokio::test]
    async fn pages_and_the_api_share_one_origin_with_their_own_headers() {
        let store = Store::open("sqlite::memory:").await.expect("store");
        store.migrate().await.expect("migrate");
        let state = ApiState {
            app: App::new(store, Arc::new(SystemClock)),
            keys: Arc::new(vec![]),
            dev_cookies: false,
        };
        let app = compose(state);
        let get = |path: &str| {
            axum::http::Request::builder()
                .uri(path)
                .body(axum::body::Body::empty())
                .expect("request")
        };
        let page = app.clone().oneshot(get("/sign-in")).await.expect("page");
        assert_eq!(page.status(), 200);
        assert_eq!(page.headers()["content-security-policy"], aftercart_api::PAGE_CSP);
        assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
        let missing_page = app.clone().oneshot(get("/no-such-page")).await.expect("page");
        assert_eq!(missing_page.status(), 404);
        assert_eq!(missing_page.headers()["content-type"], "text/html; charset=utf-8");
        let api = app.clone().oneshot(get("/api/v1/no-such-thing")).await.expect("api");
        assert_eq!(api.status(), 404);
        assert_eq!(api.headers()["content-type"], "application/problem+json");
        assert_eq!(api.headers()["content-security-policy"], aftercart_api::API_CSP);
        let health = app.oneshot(get("/healthz")).await.expect("health");
        assert_eq!(health.status(), 200);
    }
}
