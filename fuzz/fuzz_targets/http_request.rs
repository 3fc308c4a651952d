//! The whole HTTP stack in-process: arbitrary requests (method, any documented route with real
//! or fuzzed ids, query string, headers such as Authorization, Content-Type, If-Match,
//! Idempotency-Key, Cookie and X-CSRF-Token, and body) against the real router on a SQLite store
//! with a little data. No request may produce a 5xx, and every refusal is problem+json.
#![no_main]

use aftercart_api::{ApiState, key_hash, router};
use aftercart_app::{App, FixedClock, Principal};
use aftercart_store::Store;
use axum::body::Body;
use axum::http::{Method, Request};
use http_body_util::BodyExt;
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use tower::ServiceExt;

const KEY: &str = "fuzz-staff-key-0b7e4c1a9d2f5e8b3c6a0d9f2e5b8c1a";

struct Env {
    rt: tokio::runtime::Runtime,
    router: axum::Router,
    /// Route templates from the OpenAPI document, with their methods.
    routes: Vec<(String, Vec<Method>)>,
    /// Real ids by the path segment that names their resource ("orders", "accounts", …).
    ids: HashMap<&'static str, Vec<String>>,
}

async fn call(router: &axum::Router, method: Method, path: &str, body: Value) -> Value {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {KEY}"))
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .expect("request");
    let res = router.clone().oneshot(req).await.expect("router");
    let status = res.status();
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    assert!(status.is_success(), "setup {path}: {status} {v}");
    v
}

fn env() -> &'static Env {
    static ENV: OnceLock<Env> = OnceLock::new();
    ENV.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let router = rt.block_on(async {
            let store = Store::open("sqlite::memory:").await.expect("store");
            store.migrate().await.expect("migrate");
            let clock = Arc::new(FixedClock::new(time::macros::datetime!(2026-11-20 15:00 UTC)));
            let app = App::new(store, clock);
            router(ApiState {
                app,
                keys: Arc::new(vec![(key_hash(KEY), Principal::staff("staff-1", "Sam Staff"))]),
                dev_cookies: false,
            })
        });
        let mut ids: HashMap<&'static str, Vec<String>> = HashMap::new();
        rt.block_on(async {
            let r = &router;
            let usd = |a: &str| json!({"amount": a, "currency": "USD"});
            let wh = call(
                r,
                Method::POST,
                "/api/v1/fulfilment-locations",
                json!({"code": "DAL", "name": "Dallas DC", "kind": "warehouse", "city": "Dallas"}),
            )
            .await;
            let p = call(
                r,
                Method::POST,
                "/api/v1/products",
                json!({"sku": "GLV-NIT-M", "name": "Gloves", "category": "safety", "list_price": usd("14.00")}),
            )
            .await;
            let a = call(
                r,
                Method::POST,
                "/api/v1/accounts",
                json!({
                "number": "C-1001", "name": "Northwind", "currency": "USD", "payment_terms_days": 30,
                "credit_limit": usd("50000.00"),
                "locations": [{"kind": "bill_to", "name": "AP", "city": "Austin"},
                              {"kind": "ship_to", "name": "Dock", "city": "Austin"}]}),
            )
            .await;
            let ship_to = a["locations"][1]["id"].as_str().unwrap_or_default().to_owned();
            let acct = a["id"].as_str().unwrap_or_default().to_owned();
            let o = call(
                r,
                Method::POST,
                "/api/v1/orders",
                json!({
                "account_id": acct, "lines": [{"product_id": p["id"], "quantity": 10, "ship_to": ship_to}]}),
            )
            .await;
            let oid = o["id"].as_str().unwrap_or_default().to_owned();
            call(
                r,
                Method::POST,
                &format!("/api/v1/orders/{oid}/allocations"),
                json!({"line": 1, "fulfilment_location_id": wh["id"], "quantity": 6}),
            )
            .await;
            let s = call(
                r,
                Method::POST,
                "/api/v1/shipments",
                json!({
                "order_id": oid, "from_location_id": wh["id"], "to_location_id": ship_to,
                "lines": [{"line": 1, "quantity": 4}], "carrier": "UPS", "tracking_number": "1Z999AA10123456784"}),
            )
            .await;
            let inv = call(
                r,
                Method::POST,
                "/api/v1/invoices",
                json!({
                "account_id": acct, "currency": "USD", "issued_on": "2026-11-22",
                "lines": [{"order_id": oid, "order_line": 1, "quantity": 4, "unit_price": usd("14.00")}]}),
            )
            .await;
            let pay = call(
                r,
                Method::POST,
                "/api/v1/payments",
                json!({
                "account_id": acct, "method": "ach", "amount": usd("10.00"), "applications": []}),
            )
            .await;
            let id = |v: &Value| v["id"].as_str().unwrap_or_default().to_owned();
            ids.insert("fulfilment-locations", vec![id(&wh)]);
            ids.insert("products", vec![id(&p)]);
            ids.insert("accounts", vec![acct.clone()]);
            ids.insert(
                "locations",
                vec![
                    ship_to.clone(),
                    a["locations"][0]["id"].as_str().unwrap_or_default().to_owned(),
                ],
            );
            ids.insert("orders", vec![oid]);
            ids.insert("shipments", vec![id(&s)]);
            ids.insert("invoices", vec![id(&inv)]);
            ids.insert("payments", vec![id(&pay)]);
        });
        let doc = aftercart_api::openapi();
        let routes = doc
            .paths
            .paths
            .iter()
            .map(|(p, item)| {
                let mut m = Vec::new();
                if item.get.is_some() {
                    m.push(Method::GET)
                }
                if item.post.is_some() {
                    m.push(Method::POST)
                }
                if item.put.is_some() {
                    m.push(Method::PUT)
                }
                if item.patch.is_some() {
                    m.push(Method::PATCH)
                }
                if item.delete.is_some() {
                    m.push(Method::DELETE)
                }
                (p.clone(), m)
            })
            .collect();
        Env {
            rt,
            router,
            routes,
            ids,
        }
    })
}

/// Percent-encodes everything but unreserved characters, so any bytes make a valid path segment.
fn encode(bytes: &[u8]) -> String {
    let mut s = String::new();
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            s.push(char::from(b));
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let env = env();
    let (head, rest) = data.split_at(4);
    let mut parts = rest.splitn(4, |b| *b == 0xFF);
    let (seg, query, header, body) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    let (route, methods) = &env.routes[usize::from(head[0]) % env.routes.len()];
    let method = match head[1] % 8 {
        0..=4 => methods[usize::from(head[1]) % methods.len()].clone(),
        5 => Method::DELETE,
        6 => Method::PUT,
        _ => Method::OPTIONS,
    };
    // Fill each {param}: a real id of the resource the path names, or fuzzed bytes.
    let mut path = String::new();
    let mut resource = "";
    for piece in route.split('/').filter(|p| !p.is_empty()) {
        path.push('/');
        if piece.starts_with('{') {
            let real = match piece {
                "{product_id}" => env.ids.get("products"),
                "{location_id}" => env.ids.get("locations"),
                _ => env.ids.get(resource),
            };
            match (head[2] % 4, real) {
                (0 | 1, Some(v)) => path.push_str(&v[usize::from(head[2]) % v.len()]),
                (2, _) if piece == "{line}" => path.push_str(&(head[2] / 4).to_string()),
                _ => path.push_str(&encode(seg)),
            }
        } else {
            resource = match piece {
                "accounts" => "accounts",
                "orders" => "orders",
                "invoices" => "invoices",
                "payments" => "payments",
                "shipments" => "shipments",
                "products" => "products",
                "fulfilment-locations" => "fulfilment-locations",
                _ => "",
            };
            path.push_str(piece);
        }
    }
    if !query.is_empty() {
        path.push('?');
        // Keep '=' and '&' so parameters parse; encode the rest.
        for chunk in query.split(|b| *b == b'&') {
            if !path.ends_with('?') {
                path.push('&');
            }
            let (k, v) = match chunk.iter().position(|b| *b == b'=') {
                Some(i) => (&chunk[..i], &chunk[i + 1..]),
                None => (chunk, &[][..]),
            };
            let names = [
                "account_id",
                "status",
                "location_id",
                "from",
                "to",
                "cursor",
                "limit",
                "after",
            ];
            let key = if k.len() == 1 {
                names[usize::from(k[0]) % names.len()].to_owned()
            } else {
                encode(k)
            };
            path.push_str(&format!("{key}={}", encode(v)));
        }
    }
    let flags = head[3];
    let header_text = String::from_utf8_lossy(header).into_owned();
    let mut b = Request::builder().method(method).uri(&path);
    match flags & 3 {
        0 | 1 => b = b.header("authorization", format!("Bearer {KEY}")),
        2 => b = b.header("authorization", header_text.as_bytes()),
        _ => b = b.header("cookie", format!("aftercart_session={header_text}").as_bytes()),
    }
    b = match (flags >> 2) & 3 {
        0 | 1 => b.header("content-type", "application/json"),
        2 => b.header("content-type", header_text.as_bytes()),
        _ => b,
    };
    if flags & 0x10 != 0 {
        b = b.header("if-match", header_text.as_bytes());
    }
    if flags & 0x20 != 0 {
        b = b.header("idempotency-key", header_text.as_bytes());
    }
    if flags & 0x40 != 0 {
        b = b.header("x-csrf-token", header_text.as_bytes());
    }
    let Ok(req) = b.body(Body::from(body.to_vec())) else {
        return;
    };
    let (status, ct) = env.rt.block_on(async {
        let res = env.router.clone().oneshot(req).await.expect("router");
        let ct = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let status = res.status();
        let _ = res.into_body().collect().await;
        (status, ct)
    });
    assert!(
        status.as_u16() < 500,
        "{status} for {path} (flags {flags:#x}, body {:?})",
        String::from_utf8_lossy(body)
    );
    if status.is_client_error() {
        assert_eq!(ct, "application/problem+json", "{status} for {path}");
    }
});
