//! Test harness: the portal's real router in-process, on SQLite (a fresh temp file) or
//! PostgreSQL (a fresh database on the local server, dropped afterwards), each a copy of a
//! template holding the demo data and a few more users (a seller agent, a supplier, another account's user and a
//! location-scoped user). PostgreSQL is never skipped: unreachable, the variant fails.
#![allow(dead_code)]

use aftercart_app::{App, Ctx, CustomerRole, FixedClock, LocationScope, NewUser, UserKind};
use aftercart_store::Store;
use aftercart_web::{WebState, router};
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use scraper::{Html, Selector};
use std::sync::Arc;
use time::macros::datetime;
use tower::ServiceExt;

pub const PASSWORD: &str = aftercart_app::demo::DEMO_PASSWORD;
pub const BUYER: &str = "bea@northwind.example";
pub const APPROVER: &str = "ana@northwind.example";
pub const FINANCE: &str = "fin@northwind.example";
pub const ADMIN: &str = "alex@northwind.example";
pub const AGENT: &str = aftercart_app::demo::DEMO_AGENT.0;
pub const SUPPLIER: &str = aftercart_app::demo::DEMO_SUPPLIER.0;
pub const OTHER: &str = "olga@cascade.example";
pub const SCOPED: &str = "scott@northwind.example";

pub fn pg_url() -> String {
    std::env::var("AFTERCART_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// Runs a scenario `async fn name(t: TestWeb)` once on each store.
#[macro_export]
macro_rules! both_stores {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::harness::TestWeb::sqlite().await).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::harness::TestWeb::postgres().await).await
            }
        }
    )*};
}

pub struct TestWeb {
    pub app: App,
    pub clock: Arc<FixedClock>,
    router: axum::Router,
    cleanup: Option<Cleanup>,
}

enum Cleanup {
    File(std::path::PathBuf),
    Database(String),
    /// The template itself: kept.
    None,
}

/// A fresh directory, in memory when the machine has /dev/shm (the demo load's fsyncs then
/// cost nothing); the store behaves the same.
fn temp_dir() -> std::path::PathBuf {
    temp_dir_named("aftercart-web-")
}

fn temp_base() -> std::path::PathBuf {
    let shm = std::path::Path::new("/dev/shm");
    if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    }
}

fn temp_dir_named(prefix: &str) -> std::path::PathBuf {
    let dir = temp_base().join(format!("{prefix}{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Whether a name ending in a UUIDv7 after `prefix` was made more than an hour ago.
fn older_than_an_hour(name: &str, prefix: &str) -> bool {
    let now_ms = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
    name.strip_prefix(prefix)
        .and_then(|u| uuid::Uuid::parse_str(u).ok())
        .and_then(|u| u.get_timestamp())
        .is_some_and(|t| now_ms - (t.to_unix().0 as i64) * 1000 > 3_600_000)
}

/// The demo data and the harness's users are loaded once per test process into a template
/// (a SQLite file; a PostgreSQL database) and every test starts from a copy: the same data
/// as loading it each time (fixed clock, fixed seed), at a fraction of the cost.
static SQLITE_TEMPLATE: tokio::sync::OnceCell<std::path::PathBuf> = tokio::sync::OnceCell::const_new();
static PG_TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();

async fn sqlite_template() -> &'static std::path::PathBuf {
    SQLITE_TEMPLATE
        .get_or_init(|| async {
            // Templates of earlier runs are removed (a test process running now may use a
            // younger one).
            if let Ok(entries) = std::fs::read_dir(temp_base()) {
                for e in entries.flatten() {
                    let name = e.file_name().to_string_lossy().into_owned();
                    if older_than_an_hour(&name, "aftercart-webtpl-") {
                        let _ = std::fs::remove_dir_all(e.path());
                    }
                }
            }
            let dir = temp_dir_named("aftercart-webtpl-");
            let store = Store::open(&format!("sqlite:{}", dir.join("t.db").display()))
                .await
                .expect("open sqlite");
            store.migrate().await.expect("migrate sqlite");
            let t = TestWeb::build(store, Cleanup::None).await;
            t.seed().await;
            settle_outbox(&t.app).await;
            // A consistent single-file snapshot (no WAL beside it), taken while the store may
            // still be open: every test copies this file.
            let snapshot = dir.join("snapshot.db");
            let c = rusqlite::Connection::open(dir.join("t.db")).expect("open the template");
            c.execute("VACUUM INTO ?1", [snapshot.display().to_string()])
                .expect("snapshot the template");
            drop(c);
            drop(t);
            snapshot
        })
        .await
}

/// The URL of database `name` on the test server.
fn db_url(name: &str) -> String {
    let url = pg_url();
    let (base, query) = url.split_once('?').map_or((url.as_str(), None), |(b, q)| (b, Some(q)));
    let server = base.rsplit_once('/').map_or(base, |(s, _)| s);
    match query {
        Some(q) => format!("{server}/{name}?{q}"),
        None => format!("{server}/{name}"),
    }
}

async fn pg_admin() -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(&pg_url(), tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at {} is required for this test: {e}", pg_url()));
    tokio::spawn(conn);
    client
}

async fn pg_template() -> &'static str {
    PG_TEMPLATE
        .get_or_init(|| async {
            let admin = pg_admin().await;
            // Templates and test databases of earlier runs (older than an hour: a test process
            // running now may use younger ones) are dropped; a name carries its UUIDv7's time.
            for row in admin
                .query("SELECT datname FROM pg_database WHERE datname LIKE 'aftercart_w%'", &[])
                .await
                .expect("list templates")
            {
                let name: String = row.get(0);
                // Test databases left by a killed run, too.
                if older_than_an_hour(&name, "aftercart_wtpl_") || older_than_an_hour(&name, "aftercart_w_") {
                    let _ = admin
                        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                }
            }
            let name = format!("aftercart_wtpl_{}", uuid::Uuid::now_v7().simple());
            admin
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create the template database");
            let store = Store::open(&db_url(&name)).await.expect("open postgres");
            store.migrate().await.expect("migrate postgres");
            let t = TestWeb::build(store, Cleanup::None).await;
            t.seed().await;
            settle_outbox(&t.app).await;
            drop(t);
            // A database with connections cannot be copied: wait for the pool's to close, and
            // after two seconds end any it still holds (idle, nothing in flight).
            for i in 0..200 {
                let n: i64 = admin
                    .query_one("SELECT count(*) FROM pg_stat_activity WHERE datname = $1", &[&name])
                    .await
                    .expect("count connections")
                    .get(0);
                if n == 0 {
                    break;
                }
                if i == 40 {
                    admin
                        .execute(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                             WHERE datname = $1 AND pid <> pg_backend_pid()",
                            &[&name],
                        )
                        .await
                        .expect("end the template's connections");
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            name
        })
        .await
}

/// Ships one unit of an order of `account` that every unscoped user of it sees (an allocated,
/// unshipped line), as the system; returns the order as it was before. The shipment's
/// milestone reaches the account's users at the next fan-out.
pub async fn ship_one_unit(app: &App, account: aftercart_domain::ids::AccountId) -> aftercart_domain::order::Order {
    let ctx = Ctx::system();
    let mut f = aftercart_app::ListFilter {
        account_id: Some(account),
        limit: 200,
        ..Default::default()
    };
    loop {
        let page = app.list_orders(&ctx, &f).await.expect("orders");
        for o in page.items.into_iter().map(|o| o.value) {
            for l in &o.lines {
                if o.ledger(l).allocated.is_zero() {
                    continue;
                }
                for a in &l.allocations {
                    let input = aftercart_app::ShipInput {
                        order_id: o.id,
                        from: a.location,
                        to: l.ship_to,
                        lines: vec![(l.no, aftercart_domain::quantity::Qty::new(1))],
                        carrier: "UPS".into(),
                        service: None,
                        tracking_number: Some(format!("1ZTEST{}", l.no)),
                        tracking_url: None,
                        packing_slip: None,
                        shipped_at: None,
                        promised_delivery: None,
                        estimated_delivery: None,
                    };
                    if app.run(&ctx, || app.plan_ship(&ctx, &input)).await.is_ok() {
                        return o;
                    }
                }
            }
        }
        match page.next {
            Some(n) => f.before = Some(n),
            None => panic!("no order of the account has an allocated line to ship"),
        }
    }
}

/// Marks every waiting outbox job done without fanning it out (a few commits of 1,000): the
/// demo's history reaches nobody's bell, so what a test sees after `App::fan_out_all` is
/// exactly what it did (fanning the demo out costs 5 s on SQLite and 25 s on PostgreSQL).
pub async fn settle_outbox(app: &App) {
    let now = aftercart_app::notify::now_ms(app.clock.now());
    loop {
        let jobs = app
            .store
            .claim_jobs(aftercart_store::OUTBOX_QUEUE, now, 600_000, 1000)
            .await
            .expect("claim the demo's outbox");
        if jobs.is_empty() {
            return;
        }
        let finish = jobs
            .iter()
            .map(|j| aftercart_store::JobFinish {
                id: j.id,
                lease: j.lease.expect("a claimed job's lease"),
            })
            .collect();
        app.store
            .commit(aftercart_store::Commit {
                finish,
                ..Default::default()
            })
            .await
            .expect("settle the demo's outbox");
    }
}

impl Drop for TestWeb {
    fn drop(&mut self) {
        match self.cleanup.take() {
            Some(Cleanup::File(dir)) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Some(Cleanup::Database(name)) => {
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("runtime");
                    rt.block_on(async {
                        if let Ok((client, conn)) = tokio_postgres::connect(&pg_url(), tokio_postgres::NoTls).await {
                            tokio::spawn(conn);
                            let _ = client
                                .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                                .await;
                        }
                    });
                })
                .join();
            }
            Some(Cleanup::None) | None => {}
        }
    }
}

/// The webhook secret the test apps' Stripe adapter verifies with.
pub const STRIPE_WEBHOOK_SECRET: &str = "whsec_aftercart_web_tests";

/// `app` paying through the real local Stripe-compatible server (localstripe, started by
/// scripts/test.sh), as the API's tests do; only tests that pay online reach it.
pub fn with_stripe(app: App) -> App {
    let stripe = aftercart_payments::Stripe::new(aftercart_payments::StripeConfig::localstripe(
        aftercart_payments::testing::base_url(),
        aftercart_payments::testing::SECRET_KEY,
        STRIPE_WEBHOOK_SECRET,
    ))
    .expect("stripe adapter");
    app.with_payments(aftercart_app::payments::PaymentSettings {
        provider: Some(Arc::new(stripe)),
        seller_name: "Northwind Supply".into(),
    })
}

/// A rendered response: status, headers and the parsed document.
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    pub doc: Html,
}

impl Page {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
    pub fn location(&self) -> &str {
        self.header("location")
    }
    /// The text of every element matching `css`, whitespace collapsed.
    pub fn texts(&self, css: &str) -> Vec<String> {
        let sel = Selector::parse(css).unwrap_or_else(|e| panic!("selector {css}: {e:?}"));
        self.doc
            .select(&sel)
            .map(|e| {
                e.text()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }
    #[track_caller]
    pub fn text(&self, css: &str) -> String {
        let t = self.texts(css);
        assert!(!t.is_empty(), "no element matches {css} in:\n{}", self.body);
        t.into_iter().next().unwrap_or_default()
    }
    pub fn attrs(&self, css: &str, attr: &str) -> Vec<String> {
        let sel = Selector::parse(css).unwrap_or_else(|e| panic!("selector {css}: {e:?}"));
        self.doc
            .select(&sel)
            .filter_map(|e| e.value().attr(attr).map(str::to_owned))
            .collect()
    }
    /// The error summary's links: (href, text).
    pub fn error_summary(&self) -> Vec<(String, String)> {
        let sel = Selector::parse(".error-summary a").unwrap_or_else(|e| panic!("{e:?}"));
        self.doc
            .select(&sel)
            .map(|e| {
                (
                    e.value().attr("href").unwrap_or("").to_owned(),
                    e.text().collect::<String>(),
                )
            })
            .collect()
    }
    /// The error message shown beside field `id` (inside its `.field` wrapper).
    pub fn field_error(&self, id: &str) -> Option<String> {
        self.texts(&format!(".field-error #{id}-error")).into_iter().next()
    }
    #[track_caller]
    pub fn ok(self) -> Page {
        assert_eq!(self.status, StatusCode::OK, "body:\n{}", self.body);
        self
    }
}

/// A browser's session: its cookie and the CSRF token of its forms.
#[derive(Clone, Debug, Default)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

impl TestWeb {
    async fn build(store: Store, cleanup: Cleanup) -> TestWeb {
        let clock = Arc::new(FixedClock::new(datetime!(2026-11-20 15:00 UTC)));
        let app = with_stripe(App::new(store, clock.clone()));
        TestWeb {
            router: router(WebState {
                app: app.clone(),
                dev_cookies: false,
            }),
            app,
            clock,
            cleanup: Some(cleanup),
        }
    }

    /// The same store and clock served by an app with no payment provider (customers then pay
    /// by bank transfer); it cleans nothing up, `self` does.
    pub fn without_payment_provider(&self) -> TestWeb {
        let app = self
            .app
            .clone()
            .with_payments(aftercart_app::payments::PaymentSettings::default());
        TestWeb {
            router: router(WebState {
                app: app.clone(),
                dev_cookies: false,
            }),
            app,
            clock: self.clock.clone(),
            cleanup: Some(Cleanup::None),
        }
    }

    /// A store with nothing in it (access-table tests).
    pub async fn sqlite_empty() -> TestWeb {
        let dir = temp_dir();
        let store = Store::open(&format!("sqlite:{}", dir.join("t.db").display()))
            .await
            .expect("open sqlite");
        store.migrate().await.expect("migrate sqlite");
        TestWeb::build(store, Cleanup::File(dir)).await
    }

    /// A fresh copy of the seeded SQLite template (the demo is loaded once per test process).
    pub async fn sqlite() -> TestWeb {
        let template = sqlite_template().await;
        let dir = temp_dir();
        let db = dir.join("t.db");
        std::fs::copy(template, &db).expect("copy the template");
        let store = Store::open(&format!("sqlite:{}", db.display()))
            .await
            .expect("open sqlite");
        store.migrate().await.expect("migrate sqlite");
        TestWeb::build(store, Cleanup::File(dir)).await
    }

    /// A fresh database created from the seeded PostgreSQL template database.
    pub async fn postgres() -> TestWeb {
        let template = pg_template().await;
        let name = format!("aftercart_w_{}", uuid::Uuid::now_v7().simple());
        let admin = pg_admin().await;
        admin
            .batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
            .await
            .unwrap_or_else(|e| panic!("create database from the template: {e}"));
        let store = Store::open(&db_url(&name)).await.expect("open postgres");
        store.migrate().await.expect("migrate postgres");
        TestWeb::build(store, Cleanup::Database(name)).await
    }

    async fn seed(&self) {
        let app = &self.app;
        aftercart_app::demo::load(app).await.expect("demo loads");
        let ctx = Ctx::system();
        let accounts = app
            .list_accounts(
                &ctx,
                &aftercart_app::ListFilter {
                    limit: 50,
                    ..Default::default()
                },
            )
            .await
            .expect("accounts")
            .items;
        let by_name = |n: &str| {
            accounts
                .iter()
                .find(|a| a.value.name == n)
                .unwrap_or_else(|| panic!("demo account {n}"))
                .value
                .clone()
        };
        let northwind = by_name("Northwind Clinics");
        let cascade = by_name("Cascade Property Management");
        let first_ship_to = northwind
            .locations
            .iter()
            .find(|l| l.kind == aftercart_domain::account::LocationKind::ShipTo)
            .expect("a ship-to location")
            .id;
        let users = [
            (
                OTHER,
                "Olga Other",
                UserKind::Customer {
                    account_id: cascade.id,
                    roles: vec![CustomerRole::AccountAdmin, CustomerRole::Buyer, CustomerRole::Finance],
                    scope: LocationScope::All,
                },
            ),
            (
                SCOPED,
                "Scott Scoped",
                UserKind::Customer {
                    account_id: northwind.id,
                    roles: vec![CustomerRole::Buyer, CustomerRole::Finance],
                    scope: LocationScope::Only(vec![first_ship_to]),
                },
            ),
        ];
        for (email, name, kind) in users {
            self.add_user(email, name, kind).await;
        }
    }

    /// The demo account called `name`.
    pub async fn account_named(&self, name: &str) -> aftercart_domain::account::Account {
        self.app
            .list_accounts(
                &Ctx::system(),
                &aftercart_app::ListFilter {
                    limit: 50,
                    ..Default::default()
                },
            )
            .await
            .expect("accounts")
            .items
            .into_iter()
            .find(|a| a.value.name == name)
            .unwrap_or_else(|| panic!("the demo account {name}"))
            .value
    }

    /// The demo's first account, whose users the personas are.
    pub async fn northwind(&self) -> aftercart_domain::account::Account {
        self.account_named("Northwind Clinics").await
    }

    /// Every order of account `a` that `ctx` sees, newest first.
    pub async fn orders_of(
        &self,
        ctx: &Ctx,
        a: &aftercart_domain::account::Account,
    ) -> Vec<aftercart_domain::order::Order> {
        let mut f = aftercart_app::ListFilter {
            account_id: Some(a.id),
            limit: 500,
            ..Default::default()
        };
        let mut out = Vec::new();
        loop {
            let p = self.app.list_orders(ctx, &f).await.expect("orders");
            out.extend(p.items.into_iter().map(|o| o.value));
            match p.next {
                Some(n) => f.before = Some(n),
                None => return out,
            }
        }
    }

    /// Ships one unit of a Northwind order (see [`ship_one_unit`]).
    pub async fn ship_one_unit(&self) -> aftercart_domain::order::Order {
        ship_one_unit(&self.app, self.northwind().await.id).await
    }

    /// Invites and activates a user with [`PASSWORD`].
    pub async fn add_user(&self, email: &str, name: &str, kind: UserKind) {
        let token = self.invite(email, name, kind).await;
        self.app.accept_invitation(&token, PASSWORD).await.expect("accept");
    }

    /// Invites a user; returns the invitation token.
    pub async fn invite(&self, email: &str, name: &str, kind: UserKind) -> String {
        let ctx = Ctx::system();
        let new = NewUser {
            email: email.into(),
            name: name.into(),
            kind,
        };
        let inv = self
            .app
            .run(&ctx, || self.app.plan_invite_user(&ctx, &new))
            .await
            .expect("invite");
        inv.token.expect("the system holds the token")
    }

    pub async fn send(&self, method: Method, path: &str, body: Option<String>, headers: &[(&str, &str)]) -> Page {
        self.send_from(None, method, path, body, headers).await
    }

    /// [`TestWeb::send`] from a client address (as the server's connection info gives it).
    pub async fn send_from(
        &self,
        peer: Option<std::net::SocketAddr>,
        method: Method,
        path: &str,
        body: Option<String>,
        headers: &[(&str, &str)],
    ) -> Page {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "portal.test");
        if let Some(p) = peer {
            b = b.extension(axum::extract::ConnectInfo(p));
        }
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let req = match body {
            Some(s) => b
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(s)),
            None => b.body(Body::empty()),
        }
        .expect("request");
        let res = self.router.clone().oneshot(req).await.expect("router");
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.expect("body").to_bytes();
        let body = String::from_utf8_lossy(&bytes).into_owned();
        let doc = Html::parse_document(&body);
        Page {
            status,
            headers,
            body,
            doc,
        }
    }

    pub async fn get(&self, path: &str, s: &Session) -> Page {
        let cookie = s.cookie.clone();
        let h: Vec<(&str, &str)> = if cookie.is_empty() {
            vec![]
        } else {
            vec![("cookie", cookie.as_str())]
        };
        self.send(Method::GET, path, None, &h).await
    }

    /// Posts a form as that session, with its CSRF token unless `fields` has one already.
    pub async fn post(&self, path: &str, s: &Session, fields: &[(&str, &str)]) -> Page {
        let mut f: Vec<(&str, &str)> = fields.to_vec();
        if !s.csrf.is_empty() && !fields.iter().any(|(k, _)| *k == "csrf") {
            f.push(("csrf", &s.csrf));
        }
        let body = serde_urlencoded::to_string(&f).expect("form");
        let cookie = s.cookie.clone();
        let h: Vec<(&str, &str)> = if cookie.is_empty() {
            vec![]
        } else {
            vec![("cookie", cookie.as_str())]
        };
        self.send(Method::POST, path, Some(body), &h).await
    }

    /// Signs in through the form; returns the session (cookie and the CSRF token from a page).
    pub async fn sign_in(&self, email: &str) -> Session {
        let p = self
            .post(
                "/sign-in",
                &Session::default(),
                &[("email", email), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "sign-in as {email}: {}", p.body);
        let set = p.header("set-cookie");
        let cookie = set.split(';').next().unwrap_or("").to_owned();
        assert!(cookie.starts_with("__Host-aftercart_session="), "{set}");
        let mut s = Session {
            cookie,
            csrf: String::new(),
        };
        let home = self.get(p.location(), &s).await;
        s.csrf = home
            .attrs("form[action='/sign-out'] input[name=csrf]", "value")
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("a sign-out form with the CSRF token on {}: {}", p.location(), home.body));
        s
    }
}

/// The fields a browser would send from the form matching `form`: inputs (checked boxes only)
/// and each select's chosen option.
pub fn form_fields(p: &Page, form: &str) -> Vec<(String, String)> {
    let sel = scraper::Selector::parse(&format!("{form} input[name], {form} select[name]")).expect("selector");
    let opt = scraper::Selector::parse("option").expect("selector");
    let mut out = Vec::new();
    for el in p.doc.select(&sel) {
        let v = el.value();
        let name = v.attr("name").unwrap_or_default().to_owned();
        if v.name() == "select" {
            let options: Vec<_> = el.select(&opt).collect();
            let chosen = options
                .iter()
                .find(|o| o.value().attr("selected").is_some())
                .or(options.first())
                .and_then(|o| o.value().attr("value"))
                .unwrap_or_default();
            out.push((name, chosen.to_owned()));
        } else {
            let ty = v.attr("type").unwrap_or("text");
            if matches!(ty, "checkbox" | "radio") && v.attr("checked").is_none() {
                continue;
            }
            out.push((name, v.attr("value").unwrap_or_default().to_owned()));
        }
    }
    out
}

/// `fields` with `name` set to `value` (added when absent).
pub fn set(mut fields: Vec<(String, String)>, name: &str, value: &str) -> Vec<(String, String)> {
    match fields.iter_mut().find(|(k, _)| k == name) {
        Some(f) => f.1 = value.to_owned(),
        None => fields.push((name.to_owned(), value.to_owned())),
    }
    fields
}
