//! Test harness: one `TestApp` per test, on SQLite (a fresh temp file) or PostgreSQL (a fresh
//! schema in the local `test` database, dropped afterwards), driven through the real router.
//! PostgreSQL is never skipped: if it is unreachable the postgres variant fails.
#![allow(dead_code)]

use aftercart_api::{ApiState, key_hash, router};
use aftercart_app::{App, FixedClock, Principal};
use aftercart_store::Store;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use std::sync::Arc;
use time::macros::datetime;
use tower::ServiceExt;

pub const KEY: &str = "test-staff-key-123";

/// The signing secret the test apps' payment provider verifies webhooks with.
pub const STRIPE_WEBHOOK_SECRET: &str = "whsec_aftercart_api_tests";
/// The carrier webhooks' secrets every test app is configured with.
pub const EASYPOST_SECRET: &str = "easypost-webhook-secret-for-tests";
pub const AFTERSHIP_SECRET: &str = "aftership-webhook-secret-for-tests";
pub const UPS_CREDENTIAL: &str = "ups-track-alert-credential-for-tests";

/// The local Stripe-compatible server (localstripe, started by scripts/test.sh).
pub fn stripe_url() -> String {
    aftercart_payments::testing::base_url()
}

pub fn pg_url() -> String {
    std::env::var("AFTERCART_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// Runs a scenario `async fn name(t: TestApp)` once on each store.
#[macro_export]
macro_rules! both_stores {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::harness::TestApp::sqlite().await).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::harness::TestApp::postgres().await).await
            }
        }
    )*};
}

pub struct TestApp {
    pub app: App,
    pub clock: Arc<FixedClock>,
    router: axum::Router,
    cleanup: Option<Cleanup>,
}

enum Cleanup {
    File(std::path::PathBuf),
    Schema(String),
}

impl Drop for TestApp {
    fn drop(&mut self) {
        match self.cleanup.take() {
            Some(Cleanup::File(dir)) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Some(Cleanup::Schema(schema)) => {
                // Drop runs inside the test's runtime; use a thread with its own runtime.
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
            None => {}
        }
    }
}

#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub body: Value,
    pub headers: HeaderMap,
}

impl Resp {
    /// The problem+json `code`, for asserting refusals.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }
    pub fn field(&self) -> &str {
        self.body["field"].as_str().unwrap_or("")
    }
    pub fn id(&self) -> String {
        self.body["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no id in {}", self.body))
            .to_owned()
    }
    pub fn etag(&self) -> String {
        self.headers
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    }
    #[track_caller]
    pub fn ok(self) -> Resp {
        assert!(
            self.status.is_success(),
            "expected success, got {}: {}",
            self.status,
            self.body
        );
        self
    }
    #[track_caller]
    pub fn refused(&self, status: u16, code: &str, field: &str) {
        assert_eq!(self.status.as_u16(), status, "status; body: {}", self.body);
        assert_eq!(self.code(), code, "code; body: {}", self.body);
        assert_eq!(self.field(), field, "field; body: {}", self.body);
        assert_eq!(
            self.headers.get("content-type").and_then(|v| v.to_str().ok()),
            Some("application/problem+json"),
            "refusals are problem+json"
        );
    }
}

impl TestApp {
    fn build(store: Store, cleanup: Cleanup) -> TestApp {
        let clock = Arc::new(FixedClock::new(datetime!(2026-11-20 15:00 UTC)));
        // Every test app pays through the real local Stripe-compatible server; only tests that
        // pay online reach it.
        let stripe = aftercart_payments::Stripe::new(aftercart_payments::StripeConfig::localstripe(
            stripe_url(),
            aftercart_payments::testing::SECRET_KEY,
            STRIPE_WEBHOOK_SECRET,
        ))
        .expect("stripe adapter");
        let app = App::new(store, clock.clone())
            .with_payments(aftercart_app::payments::PaymentSettings {
                provider: Some(Arc::new(stripe)),
                seller_name: "Northwind Supply".into(),
            })
            .with_carriers(aftercart_app::CarrierSettings {
                easypost_secret: Some(EASYPOST_SECRET.into()),
                aftership_secret: Some(AFTERSHIP_SECRET.into()),
                ups_credential: Some(UPS_CREDENTIAL.into()),
            });
        let state = ApiState {
            app: app.clone(),
            keys: Arc::new(vec![(key_hash(KEY), Principal::staff("staff-1", "Sam Staff"))]),
            dev_cookies: false,
        };
        TestApp {
            app,
            clock,
            router: router(state),
            cleanup: Some(cleanup),
        }
    }

    /// Another app over `store` (a second server process, say); it cleans nothing up, the app
    /// that made the database does.
    pub fn over(store: Store) -> TestApp {
        let mut t = TestApp::build(store, Cleanup::File(std::path::PathBuf::new()));
        t.cleanup = None;
        t
    }

    pub async fn sqlite() -> TestApp {
        let dir = std::env::temp_dir().join(format!("aftercart-test-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let store = Store::open(&format!("sqlite:{}", dir.join("t.db").display()))
            .await
            .expect("open sqlite");
        store.migrate().await.expect("migrate sqlite");
        TestApp::build(store, Cleanup::File(dir))
    }

    pub async fn postgres() -> TestApp {
        let schema = format!("t_{}", uuid::Uuid::now_v7().simple());
        let (client, conn) = tokio_postgres::connect(&pg_url(), tokio_postgres::NoTls)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {} is required for this test: {e}", pg_url()));
        tokio::spawn(conn);
        client
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .await
            .expect("create schema");
        let sep = if pg_url().contains('?') { '&' } else { '?' };
        let url = format!("{}{sep}options=-csearch_path%3D{schema}", pg_url());
        let store = Store::open(&url).await.expect("open postgres");
        store.migrate().await.expect("migrate postgres");
        TestApp::build(store, Cleanup::Schema(schema))
    }

    /// A gzipped fixture from `tests/fixtures`, decompressed (gzip is on every machine we run on).
    fn fixture(name: &str) -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name);
        let out = std::process::Command::new("gzip")
            .arg("-dc")
            .arg(&path)
            .output()
            .unwrap_or_else(|e| panic!("gzip -dc {}: {e}", path.display()));
        assert!(out.status.success(), "gzip -dc {} failed", path.display());
        out.stdout
    }

    /// A SQLite database file written by an earlier release, opened and migrated by this one.
    pub async fn sqlite_fixture(name: &str) -> TestApp {
        let dir = std::env::temp_dir().join(format!("aftercart-test-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(dir.join("t.db"), Self::fixture(name)).expect("write fixture");
        let store = Store::open(&format!("sqlite:{}", dir.join("t.db").display()))
            .await
            .expect("open sqlite");
        store.migrate().await.expect("migrate sqlite");
        TestApp::build(store, Cleanup::File(dir))
    }

    /// A PostgreSQL dump (`pg_dump --inserts`) of a database written by an earlier release,
    /// loaded into a fresh schema, opened and migrated by this one.
    pub async fn postgres_fixture(name: &str) -> TestApp {
        let schema = format!("t_{}", uuid::Uuid::now_v7().simple());
        let (client, conn) = tokio_postgres::connect(&pg_url(), tokio_postgres::NoTls)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {} is required for this test: {e}", pg_url()));
        tokio::spawn(conn);
        let dump = String::from_utf8(Self::fixture(name)).expect("the dump is UTF-8");
        // The dump names everything `public.`; here it goes into the test's own schema. Only
        // statement heads are rewritten, never the rows' data; psql meta-commands are dropped.
        let mut sql = format!("CREATE SCHEMA {schema};\n");
        for line in dump.lines() {
            if line.starts_with('\\') || line.starts_with("SELECT pg_catalog.set_config('search_path'") {
                continue;
            }
            if let Some(rest) = line.strip_prefix("INSERT INTO public.") {
                sql.push_str(&format!("INSERT INTO {schema}.{rest}\n"));
            } else if line.starts_with("INSERT ") {
                sql.push_str(line);
                sql.push('\n');
            } else {
                sql.push_str(&line.replace("public.", &format!("{schema}.")));
                sql.push('\n');
            }
        }
        client.batch_execute(&sql).await.expect("load the dump");
        let sep = if pg_url().contains('?') { '&' } else { '?' };
        let url = format!("{}{sep}options=-csearch_path%3D{schema}", pg_url());
        let store = Store::open(&url).await.expect("open postgres");
        store.migrate().await.expect("migrate postgres");
        TestApp::build(store, Cleanup::Schema(schema))
    }

    pub async fn request(&self, method: Method, path: &str, body: Option<&Value>, headers: &[(&str, &str)]) -> Resp {
        let mut b = Request::builder().method(method).uri(path);
        let mut has_auth = false;
        for (k, v) in headers {
            has_auth |= k.eq_ignore_ascii_case("authorization");
            b = b.header(*k, *v);
        }
        if !has_auth {
            b = b.header("authorization", format!("Bearer {KEY}"));
        }
        let req = match body {
            Some(v) => b
                .header("content-type", "application/json")
                .body(Body::from(v.to_string())),
            None => b.body(Body::empty()),
        }
        .expect("request");
        let res = self.router.clone().oneshot(req).await.expect("router");
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.expect("body").to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        Resp { status, body, headers }
    }

    /// Sends a request exactly as built (no default key or Content-Type).
    pub async fn raw(&self, req: Request<Body>) -> Resp {
        let res = self.router.clone().oneshot(req).await.expect("router");
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.expect("body").to_bytes();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into()));
        Resp { status, body, headers }
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.request(Method::GET, path, None, &[]).await
    }

    /// A download as bytes (PDF, XML, CSV), with its status and headers.
    pub async fn download(&self, path: &str, auth: Option<&str>) -> (StatusCode, HeaderMap, Vec<u8>) {
        let req = Request::builder()
            .method(Method::GET)
            .uri(path)
            .header("authorization", auth.map_or(format!("Bearer {KEY}"), str::to_owned))
            .body(Body::empty())
            .expect("request");
        let res = self.router.clone().oneshot(req).await.expect("router");
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.expect("body").to_bytes().to_vec();
        (status, headers, bytes)
    }
    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.request(Method::POST, path, Some(&body), &[]).await
    }
    pub async fn post_with(&self, path: &str, body: Value, headers: &[(&str, &str)]) -> Resp {
        self.request(Method::POST, path, Some(&body), headers).await
    }
    pub async fn patch_with(&self, path: &str, body: Value, headers: &[(&str, &str)]) -> Resp {
        self.request(Method::PATCH, path, Some(&body), headers).await
    }
    pub async fn put(&self, path: &str, body: Value) -> Resp {
        self.request(Method::PUT, path, Some(&body), &[]).await
    }
}

pub fn usd(amount: &str) -> Value {
    json!({"amount": amount, "currency": "USD"})
}

/// A small, realistic world: one distributor's warehouses and catalogue, a customer with three
/// ship-to locations and a contract price, and a second customer (for isolation checks).
pub struct World {
    pub account: String,
    pub bill_to: String,
    pub dock: String,
    pub store: String,
    pub clinic: String,
    pub other_account: String,
    pub other_ship_to: String,
    pub dallas: String,
    pub reno: String,
    pub gloves: String,
    pub towels: String,
}

impl TestApp {
    pub async fn world(&self) -> World {
        let dallas = self
            .post(
                "/api/v1/fulfilment-locations",
                json!({"code": "DAL", "name": "Dallas DC", "kind": "warehouse", "city": "Dallas"}),
            )
            .await
            .ok()
            .id();
        let reno = self
            .post(
                "/api/v1/fulfilment-locations",
                json!({"code": "RNO", "name": "Reno DC", "kind": "warehouse", "city": "Reno"}),
            )
            .await
            .ok()
            .id();
        let gloves = self
            .post("/api/v1/products", json!({"sku": "GLV-NIT-M", "name": "Nitrile gloves (M), box of 100", "category": "safety", "list_price": usd("14.00")}))
            .await
            .ok()
            .id();
        let towels = self
            .post("/api/v1/products", json!({"sku": "TWL-C-12", "name": "C-fold paper towels, case", "category": "janitorial", "list_price": usd("32.50")}))
            .await
            .ok()
            .id();
        let acct = self
            .post(
                "/api/v1/accounts",
                json!({
                    "number": "C-1001", "name": "Northwind Clinics", "currency": "USD", "payment_terms_days": 30,
                    "credit_limit": usd("50000.00"),
                    "locations": [
                        {"kind": "bill_to", "name": "Head office AP", "city": "Austin"},
                        {"kind": "ship_to", "name": "Main St receiving dock", "city": "Austin"},
                        {"kind": "ship_to", "name": "Round Rock store", "city": "Round Rock"},
                        {"kind": "ship_to", "name": "Cedar Park clinic", "city": "Cedar Park"}
                    ]
                }),
            )
            .await
            .ok();
        let loc = |i: usize| {
            acct.body["locations"][i]["id"]
                .as_str()
                .expect("location id")
                .to_owned()
        };
        let account = acct.id();
        self.put(
            &format!("/api/v1/accounts/{account}/contract-prices/{gloves}"),
            json!({"unit_price": usd("11.75")}),
        )
        .await
        .ok();
        let other = self
            .post(
                "/api/v1/accounts",
                json!({
                    "number": "C-2002", "name": "Contoso Labs", "currency": "USD", "payment_terms_days": 15,
                    "credit_limit": usd("10000.00"),
                    "locations": [{"kind": "both", "name": "Contoso HQ", "city": "Denver"}]
                }),
            )
            .await
            .ok();
        World {
            bill_to: loc(0),
            dock: loc(1),
            store: loc(2),
            clinic: loc(3),
            account,
            other_ship_to: other.body["locations"][0]["id"].as_str().expect("id").to_owned(),
            other_account: other.id(),
            dallas,
            reno,
            gloves,
            towels,
        }
    }

    /// A customer user of `account` — invited, invitation accepted with a password, given an API
    /// key — as (user id, `Bearer …` authorization value). `scope` limits their locations.
    pub async fn customer_user(
        &self,
        account: &str,
        email: &str,
        name: &str,
        roles: &[&str],
        scope: Value,
    ) -> (String, String) {
        let inv = self
            .post(
                "/api/v1/users",
                json!({"email": email, "name": name, "type": "customer", "account_id": account, "roles": roles, "scope": scope}),
            )
            .await
            .ok();
        let id = inv.body["user"]["id"].as_str().expect("user id").to_owned();
        let token = inv.body["invitation_token"].as_str().expect("token").to_owned();
        self.request(
            Method::POST,
            "/api/v1/invitations/accept",
            Some(&json!({"token": token, "password": "correct horse battery staple 42"})),
            &[("authorization", "")],
        )
        .await
        .ok();
        let key = self
            .post(
                "/api/v1/api-keys",
                json!({"name": format!("{name} key"), "user_id": id}),
            )
            .await
            .ok();
        let key = key.body["key"].as_str().expect("secret shown once");
        (id, format!("Bearer {key}"))
    }

    /// Allocates `allocate` of line 1 of `order` at `location`, then the warehouse releases
    /// `release` of them to its floor (picking started): what a change must then ask about.
    pub async fn allocate_and_release(&self, order: &str, location: &str, allocate: i64, release: i64) {
        self.post(
            &format!("/api/v1/orders/{order}/allocations"),
            json!({"line": 1, "fulfilment_location_id": location, "quantity": allocate}),
        )
        .await
        .ok();
        self.post(
            &format!("/api/v1/orders/{order}/releases"),
            json!({"line": 1, "fulfilment_location_id": location, "quantity": release}),
        )
        .await
        .ok();
    }

    /// Places an order of gloves (line 1, to the dock) and towels (line 2, to the store).
    pub async fn order(&self, w: &World, gloves: i64, towels: i64) -> Resp {
        self.post(
            "/api/v1/orders",
            json!({
                "account_id": w.account, "po_number": "PO-7781",
                "lines": [
                    {"product_id": w.gloves, "quantity": gloves, "ship_to": w.dock, "requested_date": "2026-11-27", "cost_centre": "CC-ER"},
                    {"sku": "TWL-C-12", "quantity": towels, "ship_to": w.store, "requested_date": "2026-11-27"}
                ]
            }),
        )
        .await
        .ok()
    }
}

// -- exceptions --
impl TestApp {
    /// The PostgreSQL URL of this test's own schema (None on SQLite): for a second `App` on the
    /// same database, as a second server process would have.
    pub fn postgres_url(&self) -> Option<String> {
        match &self.cleanup {
            Some(Cleanup::Schema(schema)) => {
                let sep = if pg_url().contains('?') { '&' } else { '?' };
                Some(format!("{}{sep}options=-csearch_path%3D{schema}", pg_url()))
            }
            _ => None,
        }
    }
}
// -- /exceptions --
