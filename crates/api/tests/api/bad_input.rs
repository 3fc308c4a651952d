//! Bad input through the HTTP API, on both stores. Every refusal is checked for its exact HTTP
//! status, problem+json `code` and `field`, and for having changed nothing: the affected
//! resources are read (body including `version`, and the number of timeline items) before and
//! after each refused request and must be identical.

use crate::harness::{KEY, Resp, TestApp, World, usd};
use aftercart_api::{ApiState, key_hash, router};
use aftercart_app::Principal;
use axum::body::Body;
use axum::http::{Method, Request};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use std::sync::Arc;
use tower::ServiceExt;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn order_path(id: &str) -> String {
    format!("/api/v1/orders/{id}")
}

fn account_path(id: &str) -> String {
    format!("/api/v1/accounts/{id}")
}

fn invoice_path(id: &str) -> String {
    format!("/api/v1/invoices/{id}")
}

fn random_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A resource's observable state: its GET body (which carries `version`) and the number of items
/// on its timeline.
async fn snapshot(t: &TestApp, path: &str) -> (Value, usize) {
    let r = t.get(path).await.ok();
    let tl = t.get(&format!("{path}/timeline")).await.ok();
    let n = tl.body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no timeline items for {path}: {}", tl.body))
        .len();
    (r.body, n)
}

/// The state of several resources, taken before refused requests and compared after each.
struct Watch(Vec<(String, Value, usize)>);

impl Watch {
    async fn new(t: &TestApp, paths: &[&str]) -> Watch {
        let mut v = Vec::new();
        for p in paths {
            let (body, n) = snapshot(t, p).await;
            v.push(((*p).to_owned(), body, n));
        }
        Watch(v)
    }

    /// Asserts that every watched resource is exactly as it was; `after` names the request.
    async fn unchanged(&self, t: &TestApp, after: &str) {
        for (p, body, n) in &self.0 {
            let (now, m) = snapshot(t, p).await;
            assert_eq!(&now, body, "{p} changed after the refused request: {after}");
            assert_eq!(m, *n, "{p}: the timeline grew after the refused request: {after}");
        }
    }
}

/// Sends a request exactly as given (raw body, only the listed headers plus, when `with_key`, the
/// API key) through a router over the same application. The request runs in its own task, so a
/// handler that panics fails the test with a clear message instead of tearing it down.
async fn raw(
    t: &TestApp,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
    with_key: bool,
) -> Resp {
    let state = ApiState {
        app: t.app.clone(),
        keys: Arc::new(vec![(key_hash(KEY), Principal::staff("staff-1", "Sam Staff"))]),
        dev_cookies: false,
    };
    let what = format!("{method} {path}");
    let mut b = Request::builder().method(method).uri(path);
    if with_key {
        b = b.header("authorization", format!("Bearer {KEY}"));
    }
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    let req = b
        .body(body.map_or_else(Body::empty, |s| Body::from(s.to_owned())))
        .expect("request");
    let res = tokio::spawn(router(state).oneshot(req))
        .await
        .unwrap_or_else(|e| panic!("{what}: the handler panicked instead of answering: {e}"))
        .expect("router");
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

const JSON: (&str, &str) = ("content-type", "application/json");

/// Asserts an error response is problem+json with a status among `statuses`, not a 5xx.
#[track_caller]
fn problem(r: &Resp, statuses: &[u16]) {
    assert!(
        statuses.contains(&r.status.as_u16()),
        "status {} not in {statuses:?}; body: {}",
        r.status,
        r.body
    );
    assert_eq!(
        r.headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/problem+json"),
        "errors are problem+json; body: {}",
        r.body
    );
    assert!(!r.code().is_empty(), "a problem has a code: {}", r.body);
    assert_eq!(
        r.body["status"],
        r.status.as_u16(),
        "problem status matches the HTTP status: {}",
        r.body
    );
}

/// Asserts that event `index` of a tracking batch was rejected with `code` and `field` while the
/// batch itself was answered with 200.
#[track_caller]
fn rejected_event(r: &Resp, index: usize, code: &str, field: &str) {
    // A batch is answered as a whole: 422 when every event was refused, else 200.
    let all_refused = r.body["results"]
        .as_array()
        .is_some_and(|a| a.iter().all(|x| x["outcome"] == "rejected"));
    assert_eq!(
        r.status.as_u16(),
        if all_refused { 422 } else { 200 },
        "a tracking batch is answered as a whole; body: {}",
        r.body
    );
    let res = r.body["results"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["index"] == index))
        .unwrap_or_else(|| panic!("no result for event {index}: {}", r.body));
    assert_eq!(res["outcome"], "rejected", "event {index}: {}", r.body);
    assert_eq!(
        res["error"]["code"].as_str().unwrap_or(""),
        code,
        "event {index} code: {}",
        r.body
    );
    assert_eq!(
        res["error"]["field"].as_str().unwrap_or(""),
        field,
        "event {index} field: {}",
        r.body
    );
}

/// The world plus the standard order (line 1: 10 gloves to the dock, line 2: 4 towels to the store).
async fn setup(t: &TestApp) -> (World, String) {
    let w = t.world().await;
    let oid = t.order(&w, 10, 4).await.id();
    (w, oid)
}

async fn allocate(t: &TestApp, oid: &str, line: u32, location: &str, quantity: i64) -> Resp {
    t.post(
        &format!("/api/v1/orders/{oid}/allocations"),
        json!({"line": line, "fulfilment_location_id": location, "quantity": quantity}),
    )
    .await
}

fn shipment(oid: &str, from: &str, to: &str, lines: Value) -> Value {
    json!({"order_id": oid, "from_location_id": from, "to_location_id": to, "lines": lines, "carrier": "UPS"})
}

/// An order of the other account (3 gloves to its only location).
async fn other_order(t: &TestApp, w: &World) -> String {
    t.post(
        "/api/v1/orders",
        json!({"account_id": w.other_account, "lines": [{"sku": "GLV-NIT-M", "quantity": 3, "ship_to": w.other_ship_to}]}),
    )
    .await
    .ok()
    .id()
}

/// Issues an invoice of `account` billing `quantity` of line `line` of `oid` at `price` (USD).
async fn invoice(t: &TestApp, account: &str, oid: &str, line: u32, quantity: i64, price: &str) -> String {
    t.post(
        "/api/v1/invoices",
        json!({"account_id": account, "currency": "USD", "issued_on": "2026-11-22",
               "lines": [{"order_id": oid, "order_line": line, "quantity": quantity, "unit_price": usd(price)}]}),
    )
    .await
    .ok()
    .id()
}

fn payment(account: &str, amount: Value, applications: Value) -> Value {
    json!({"account_id": account, "method": "ach", "amount": amount, "applications": applications})
}

fn money(amount: &str, currency: &str) -> Value {
    json!({"amount": amount, "currency": currency})
}

// ---------------------------------------------------------------------------------------------
// Request bodies, media type, authentication, routing
// ---------------------------------------------------------------------------------------------

async fn malformed_json(t: TestApp) {
    let (w, oid) = setup(&t).await;
    let (o, a) = (order_path(&oid), account_path(&w.account));
    let watch = Watch::new(&t, &[&o, &a]).await;
    let path = format!("{o}/allocations");

    let r = raw(
        &t,
        Method::POST,
        "/api/v1/orders",
        &[JSON],
        Some(r#"{"account_id":"#),
        true,
    )
    .await;
    r.refused(400, "malformed_json", "account_id");
    watch.unchanged(&t, "truncated order JSON").await;
    let r = raw(&t, Method::POST, &path, &[JSON], Some(""), true).await;
    r.refused(400, "malformed_json", "");
    watch.unchanged(&t, "empty JSON body").await;
    let r = raw(&t, Method::POST, &path, &[JSON], Some("not json"), true).await;
    r.refused(400, "malformed_json", "");
    watch.unchanged(&t, "a body that is not JSON").await;
}

/// A syntax error is not about a field: the problem has no `field` (rather than a placeholder).
async fn malformed_json_field(t: TestApp) {
    let (w, oid) = setup(&t).await;
    let (o, a) = (order_path(&oid), account_path(&w.account));
    let watch = Watch::new(&t, &[&o, &a]).await;

    let body = format!(
        r#"{{"line": 1, "fulfilment_location_id": "{}", "quantity": 2,}}"#,
        w.dallas
    );
    let r = raw(
        &t,
        Method::POST,
        &format!("{o}/allocations"),
        &[JSON],
        Some(&body),
        true,
    )
    .await;
    r.refused(400, "malformed_json", "");
    watch.unchanged(&t, "allocation JSON with a trailing comma").await;
}

/// A body is one JSON value: anything after it makes the request malformed, not ignored.
async fn trailing_data_after_json(t: TestApp) {
    let (w, oid) = setup(&t).await;
    let (o, a) = (order_path(&oid), account_path(&w.account));
    let watch = Watch::new(&t, &[&o, &a]).await;
    let path = format!("{o}/allocations");

    let body = format!(
        r#"{{"line": 1, "fulfilment_location_id": "{}", "quantity": 2}} trailing"#,
        w.dallas
    );
    let r = raw(&t, Method::POST, &path, &[JSON], Some(&body), true).await;
    r.refused(400, "malformed_json", "");
    watch.unchanged(&t, "allocation followed by garbage").await;
    let body = format!(
        r#"{{"line": 1, "fulfilment_location_id": "{}", "quantity": 2}}{{"line": 1}}"#,
        w.dallas
    );
    let r = raw(&t, Method::POST, &path, &[JSON], Some(&body), true).await;
    r.refused(400, "malformed_json", "");
    watch.unchanged(&t, "two JSON objects in one body").await;
}

async fn wrong_json_types(t: TestApp) {
    let (w, oid) = setup(&t).await;
    let (o, a) = (order_path(&oid), account_path(&w.account));
    let watch = Watch::new(&t, &[&o, &a]).await;

    let line = |quantity: Value| json!({"account_id": w.account, "lines": [{"sku": "GLV-NIT-M", "quantity": quantity, "ship_to": w.dock}]});
    t.post("/api/v1/orders", line(json!("5")))
        .await
        .refused(422, "invalid_value", "lines[0].quantity");
    watch.unchanged(&t, "quantity as a string").await;
    t.post("/api/v1/orders", line(json!(2.5)))
        .await
        .refused(422, "invalid_value", "lines[0].quantity");
    watch.unchanged(&t, "fractional quantity").await;
    t.post("/api/v1/orders", line(json!(null)))
        .await
        .refused(422, "invalid_value", "lines[0].quantity");
    watch.unchanged(&t, "null quantity").await;

    let body = json!({"account_id": 42, "lines": [{"sku": "GLV-NIT-M", "quantity": 1, "ship_to": w.dock}]});
    t.post("/api/v1/orders", body)
        .await
        .refused(422, "invalid_value", "account_id");
    watch.unchanged(&t, "account_id as a number").await;
    let body = json!({"account_id": "not-a-uuid", "lines": [{"sku": "GLV-NIT-M", "quantity": 1, "ship_to": w.dock}]});
    t.post("/api/v1/orders", body)
        .await
        .refused(422, "invalid_value", "account_id");
    watch.unchanged(&t, "account_id not a UUID").await;
    let body = json!({"account_id": w.account, "lines": {"sku": "GLV-NIT-M"}});
    t.post("/api/v1/orders", body)
        .await
        .refused(422, "invalid_value", "lines");
    watch.unchanged(&t, "lines as an object").await;

    let body = json!({"line": "1", "fulfilment_location_id": w.dallas, "quantity": 2});
    t.post(&format!("{o}/allocations"), body)
        .await
        .refused(422, "invalid_value", "line");
    watch.unchanged(&t, "allocation line as a string").await;
    let body = json!({"line": -1, "fulfilment_location_id": w.dallas, "quantity": 2});
    t.post(&format!("{o}/allocations"), body)
        .await
        .refused(422, "invalid_value", "line");
    watch.unchanged(&t, "negative line number").await;

    let r = raw(
        &t,
        Method::POST,
        &format!("{o}/allocations"),
        &[JSON],
        Some(r#""an allocation""#),
        true,
    )
    .await;
    r.refused(422, "invalid_value", "");
    watch.unchanged(&t, "a string instead of an object").await;
    let r = raw(
        &t,
        Method::POST,
        &format!("{o}/allocations"),
        &[JSON],
        Some("null"),
        true,
    )
    .await;
    r.refused(422, "invalid_value", "");
    watch.unchanged(&t, "null instead of an object").await;
}

/// The contract is a JSON object; a positional array must not be read as one.
async fn array_body_as_object(t: TestApp) {
    let (w, oid) = setup(&t).await;
    let (o, a) = (order_path(&oid), account_path(&w.account));
    let watch = Watch::new(&t, &[&o, &a]).await;

    let body = format!(r#"[1, "{}", 2]"#, w.dallas);
    let r = raw(
        &t,
        Method::POST,
        &format!("{o}/allocations"),
        &[JSON],
        Some(&body),
        true,
    )
    .await;
    r.refused(422, "invalid_value", "");
    watch.unchanged(&t, "an allocation as a positional array").await;
}

/// A missing required field is reported by its own path.
async fn missing_required_field(t: TestApp) {
    let (w, oid) = setup(&t).await;
    let (o, a) = (order_path(&oid), account_path(&w.account));
    let watch = Watch::new(&t, &[&o, &a]).await;

    let body = json!({"line": 1, "fulfilment_location_id": w.dallas});
    t.post(&format!("{o}/allocations"), body)
        .await
        .refused(422, "invalid_value", "quantity");
    watch.unchanged(&t, "allocation without quantity").await;
    t.post("/api/v1/orders", json!({"account_id": w.account}))
        .await
        .refused(422, "invalid_value", "lines");
    watch.unchanged(&t, "order without lines").await;
    let body = json!({"account_id": w.account, "lines": [{"sku": "GLV-NIT-M", "ship_to": w.dock}]});
    t.post("/api/v1/orders", body)
        .await
        .refused(422, "invalid_value", "lines[0].quantity");
    watch.unchanged(&t, "order line without quantity").await;
}

async fn unknown_fields(t: TestApp) {
    let (w, oid) = setup(&t).await;
    let (o, a) = (order_path(&oid), account_path(&w.account));
    let watch = Watch::new(&t, &[&o, &a]).await;

    let body = json!({"account_id": w.account, "colour": "red", "lines": [{"sku": "GLV-NIT-M", "quantity": 1, "ship_to": w.dock}]});
    t.post("/api/v1/orders", body)
        .await
        .refused(422, "invalid_value", "colour");
    watch.unchanged(&t, "unknown order field").await;
    let body =
        json!({"account_id": w.account, "lines": [{"sku": "GLV-NIT-M", "qty": 1, "quantity": 1, "ship_to": w.dock}]});
    t.post("/api/v1/orders", body)
        .await
        .refused(422, "invalid_value", "lines[0].qty");
    watch.unchanged(&t, "unknown order line field").await;
    let body = json!({"line": 1, "fulfilment_location_id": w.dallas, "quantity": 2, "force": true});
    t.post(&format!("{o}/allocations"), body)
        .await
        .refused(422, "invalid_value", "force");
    watch.unchanged(&t, "unknown allocation field").await;
    t.patch_with(&a, json!({"currency": "EUR"}), &[])
        .await
        .refused(422, "invalid_value", "currency");
    watch
        .unchanged(&t, "account patch with a field that cannot be patched")
        .await;
}

async fn unsupported_media_type(t: TestApp) {
    let (w, oid) = setup(&t).await;
    let o = order_path(&oid);
    let watch = Watch::new(&t, &[&o, &account_path(&w.account)]).await;
    let body = json!({"line": 1, "fulfilment_location_id": w.dallas, "quantity": 2}).to_string();
    let path = format!("{o}/allocations");

    raw(&t, Method::POST, &path, &[], Some(&body), true)
        .await
        .refused(415, "unsupported_media_type", "Content-Type");
    watch.unchanged(&t, "allocation without Content-Type").await;
    raw(
        &t,
        Method::POST,
        &path,
        &[("content-type", "text/plain")],
        Some(&body),
        true,
    )
    .await
    .refused(415, "unsupported_media_type", "Content-Type");
    watch.unchanged(&t, "allocation as text/plain").await;
    raw(
        &t,
        Method::POST,
        &path,
        &[("content-type", "application/x-www-form-urlencoded")],
        Some("line=1"),
        true,
    )
    .await
    .refused(415, "unsupported_media_type", "Content-Type");
    watch.unchanged(&t, "allocation as a form").await;
    // The harness sends no Content-Type without a body.
    t.request(Method::POST, &path, None, &[])
        .await
        .refused(415, "unsupported_media_type", "Content-Type");
    watch.unchanged(&t, "allocation without a body").await;
}

async fn unauthenticated(t: TestApp) {
    let (w, oid) = setup(&t).await;
    let (o, a) = (order_path(&oid), account_path(&w.account));
    let watch = Watch::new(&t, &[&o, &a]).await;
    let body = json!({"line": 1, "fulfilment_location_id": w.dallas, "quantity": 2});
    let path = format!("{o}/allocations");

    t.post_with(&path, body.clone(), &[("authorization", "Bearer wrong")])
        .await
        .refused(401, "unauthenticated", "");
    watch.unchanged(&t, "allocation with a wrong key").await;
    t.post_with(&path, body.clone(), &[("authorization", "Basic c2FtOnNlY3JldA==")])
        .await
        .refused(401, "unauthenticated", "");
    watch.unchanged(&t, "allocation with Basic auth").await;
    t.post_with(&path, body.clone(), &[("authorization", KEY)])
        .await
        .refused(401, "unauthenticated", "");
    watch
        .unchanged(&t, "allocation with the key but no Bearer scheme")
        .await;
    let s = body.to_string();
    raw(&t, Method::POST, &path, &[JSON], Some(&s), false)
        .await
        .refused(401, "unauthenticated", "");
    watch.unchanged(&t, "allocation without any credentials").await;
    raw(
        &t,
        Method::POST,
        &path,
        &[JSON, ("x-api-key", "wrong")],
        Some(&s),
        false,
    )
    .await
    .refused(401, "unauthenticated", "");
    watch.unchanged(&t, "allocation with a wrong X-Api-Key").await;

    let order = json!({"account_id": w.account, "lines": [{"sku": "GLV-NIT-M", "quantity": 1, "ship_to": w.dock}]});
    t.post_with("/api/v1/orders", order, &[("authorization", "Bearer wrong")])
        .await
        .refused(401, "unauthenticated", "");
    watch.unchanged(&t, "order with a wrong key").await;

    // Reads need a key too, and say nothing about the resource.
    raw(&t, Method::GET, &o, &[], None, false)
        .await
        .refused(401, "unauthenticated", "");
    let r = t
        .request(Method::GET, &o, None, &[("authorization", "Bearer wrong")])
        .await;
    r.refused(401, "unauthenticated", "");
    assert!(
        r.body.get("number").is_none(),
        "no order data without a valid key: {}",
        r.body
    );
}

async fn unknown_routes(t: TestApp) {
    let (w, oid) = setup(&t).await;
    let (o, a) = (order_path(&oid), account_path(&w.account));
    let watch = Watch::new(&t, &[&o, &a]).await;

    t.get("/api/v1/nope").await.refused(404, "not_found", "");
    t.get("/api/v2/orders").await.refused(404, "not_found", "");
    t.get("/").await.refused(404, "not_found", "");
    t.post(&format!("{o}/refunds"), json!({"amount": usd("1.00")}))
        .await
        .refused(404, "not_found", "");
    watch.unchanged(&t, "POST to an unknown sub-resource").await;
    t.post(&format!("{o}/lines/1/backorder-date/extra"), json!({"reason": "x"}))
        .await
        .refused(404, "not_found", "");
    watch.unchanged(&t, "POST to an unknown nested path").await;
}

async fn method_not_allowed(t: TestApp) {
    let (w, oid) = setup(&t).await;
    let (o, a) = (order_path(&oid), account_path(&w.account));
    let watch = Watch::new(&t, &[&o, &a]).await;

    let r = t.request(Method::DELETE, &o, None, &[]).await;
    assert_eq!(r.status.as_u16(), 405, "{}", r.body);
    problem(&r, &[405]);
    watch.unchanged(&t, "DELETE of an order").await;
    let r = t.put(&o, json!({"po_number": "X"})).await;
    problem(&r, &[405]);
    watch.unchanged(&t, "PUT of an order").await;
}

async fn non_uuid_path_ids(t: TestApp) {
    let (w, oid) = setup(&t).await;
    let (o, a) = (order_path(&oid), account_path(&w.account));
    let watch = Watch::new(&t, &[&o, &a]).await;

    for path in [
        "/api/v1/orders/not-a-uuid",
        "/api/v1/invoices/123",
        "/api/v1/accounts/x/timeline",
        "/api/v1/orders/1/status",
    ] {
        let r = t.get(path).await;
        problem(&r, &[400, 404]);
    }
    let r = t
        .post(&format!("{o}/lines/one/backorder-date"), json!({"reason": "x"}))
        .await;
    problem(&r, &[400, 404]);
    watch.unchanged(&t, "reschedule with a non-numeric line").await;
    let r = t
        .post(
            "/api/v1/orders/not-a-uuid/allocations",
            json!({"line": 1, "fulfilment_location_id": w.dallas, "quantity": 1}),
        )
        .await;
    problem(&r, &[400, 404]);
    watch.unchanged(&t, "allocation on a non-UUID order id").await;
}

// ---------------------------------------------------------------------------------------------
// Unknown ids
// ---------------------------------------------------------------------------------------------

async fn unknown_ids_on_reads(t: TestApp) {
    let (w, oid) = setup(&t).await;
    let x = random_id();
    for path in [
        format!("/api/v1/orders/{x}"),
        format!("/api/v1/orders/{x}/status"),
        format!("/api/v1/orders/{x}/timeline"),
        format!("/api/v1/invoices/{x}"),
        format!("/api/v1/invoices/{x}/match"),
        format!("/api/v1/accounts/{x}"),
        format!("/api/v1/accounts/{x}/open-invoices"),
        format!("/api/v1/shipments/{x}"),
        format!("/api/v1/payments/{x}"),
        format!("/api/v1/products/{x}"),
        format!("/api/v1/fulfilment-locations/{x}"),
        // Existing ids of another kind are not found either.
        format!("/api/v1/invoices/{oid}"),
        format!("/api/v1/orders/{}", w.account),
        format!("/api/v1/shipments/{oid}"),
    ] {
        t.get(&path).await.refused(404, "not_found", "");
    }
}

async fn unknown_references_in_orders(t: TestApp) {
    let (w, oid) = setup(&t).await;
    let (o, a) = (order_path(&oid), account_path(&w.account));
    let watch = Watch::new(&t, &[&o, &a, &account_path(&w.other_account)]).await;
    let line = json!({"sku": "GLV-NIT-M", "quantity": 1, "ship_to": w.dock});

    t.post("/api/v1/orders", json!({"account_id": random_id(), "lines": [line]}))
        .await
        .refused(422, "unknown_reference", "account_id");
    watch.unchanged(&t, "order for an unknown account").await;
    t.post("/api/v1/orders", json!({"account_id": w.dallas, "lines": [line]}))
        .await
        .refused(422, "unknown_reference", "account_id");
    watch.unchanged(&t, "order for a fulfilment location id").await;
    let body = json!({"account_id": w.account, "lines": [line, {"sku": "NOPE-1", "quantity": 1, "ship_to": w.dock}]});
    t.post("/api/v1/orders", body)
        .await
        .refused(422, "unknown_reference", "lines[1].sku");
    watch.unchanged(&t, "order with an unknown SKU").await;
    let body = json!({"account_id": w.account, "lines": [{"sku": "NOPE-1", "quantity": 1, "ship_to": w.dock}]});
    t.post("/api/v1/orders", body)
        .await
        .refused(422, "unknown_reference", "lines[0].sku");
    watch.unchanged(&t, "order with an unknown SKU on line 1").await;
    let body =
        json!({"account_id": w.account, "lines": [{"product_id": random_id(), "quantity": 1, "ship_to": w.dock}]});
    t.post("/api/v1/orders", body)
        .await
        .refused(422, "unknown_reference", "lines[0].product_id");
    watch.unchanged(&t, "order with an unknown product id").await;
    let body = json!({"account_id": w.account, "lines": [{"quantity": 1, "ship_to": w.dock}]});
    t.post("/api/v1/orders", body)
        .await
        .refused(422, "invalid_value", "lines[0].product_id");
    watch.unchanged(&t, "order line without a product").await;
    t.post("/api/v1/orders", json!({"account_id": w.account, "lines": []}))
        .await
        .refused(422, "invalid_value", "lines");
    watch.unchanged(&t, "order without lines").await;
    let body = json!({"account_id": w.account, "channel": "fax", "lines": [line]});
    t.post("/api/v1/orders", body)
        .await
        .refused(422, "invalid_value", "channel");
    watch.unchanged(&t, "order with an unknown channel").await;
}

async fn unknown_references_in_fulfilment(t: TestApp) {
    let (w, oid) = setup(&t).await;
    let (o, a) = (order_path(&oid), account_path(&w.account));
    allocate(&t, &oid, 1, &w.dallas, 6).await.ok();
    let watch = Watch::new(&t, &[&o, &a]).await;

    allocate(&t, &oid, 1, &random_id(), 1)
        .await
        .refused(422, "unknown_reference", "fulfilment_location_id");
    watch
        .unchanged(&t, "allocation to an unknown fulfilment location")
        .await;
    allocate(&t, &oid, 1, &w.dock, 1)
        .await
        .refused(422, "unknown_reference", "fulfilment_location_id");
    watch.unchanged(&t, "allocation to a customer location").await;
    allocate(&t, &oid, 9, &w.dallas, 1)
        .await
        .refused(422, "unknown_reference", "line");
    watch.unchanged(&t, "allocation on an unknown line").await;
    allocate(&t, &oid, 0, &w.dallas, 1)
        .await
        .refused(422, "unknown_reference", "line");
    watch.unchanged(&t, "allocation on line 0").await;
    allocate(&t, &random_id(), 1, &w.dallas, 1)
        .await
        .refused(404, "not_found", "");
    watch.unchanged(&t, "allocation on an unknown order").await;

    let bo = json!({"line": 9, "quantity": 1, "reason": "supplier out of stock"});
    t.post(&format!("{o}/backorders"), bo)
        .await
        .refused(422, "unknown_reference", "line");
    watch.unchanged(&t, "backorder of an unknown line").await;
    let cancel = json!({"line": 9, "quantity": 1, "reason": "customer changed mind"});
    t.post(&format!("{o}/cancellations"), cancel)
        .await
        .refused(422, "unknown_reference", "line");
    watch.unchanged(&t, "cancellation of an unknown line").await;
    let r = json!({"expected_date": "2026-12-01", "reason": "supplier delay"});
    t.post(&format!("{o}/lines/9/backorder-date"), r)
        .await
        .refused(422, "unknown_reference", "line");
    watch.unchanged(&t, "reschedule of an unknown line").await;

    let lines = json!([{"line": 1, "quantity": 1}]);
    t.post(
        "/api/v1/shipments",
        shipment(&random_id(), &w.dallas, &w.dock, lines.clone()),
    )
    .await
    .refused(422, "unknown_reference", "order_id");
    watch.unchanged(&t, "shipment of an unknown order").await;
    t.post(
        "/api/v1/shipments",
        shipment(&oid, &random_id(), &w.dock, lines.clone()),
    )
    .await
    .refused(422, "unknown_reference", "from_location_id");
    watch.unchanged(&t, "shipment from an unknown location").await;
    t.post(
        "/api/v1/shipments",
        shipment(&oid, &w.dallas, &w.dock, json!([{"line": 9, "quantity": 1}])),
    )
    .await
    .refused(422, "unknown_reference", "lines[0].line");
    watch.unchanged(&t, "shipment of an unknown line").await;

    let s = t
        .post(
            "/api/v1/shipments",
            shipment(&oid, &w.dallas, &w.dock, json!([{"line": 1, "quantity": 6}])),
        )
        .await
        .ok();
    let sid = s.id();
    let watch = Watch::new(&t, &[&o, &a]).await;
    t.post(
        &format!("/api/v1/shipments/{}/receipt", random_id()),
        json!({"lines": [{"line": 1, "received": 1}]}),
    )
    .await
    .refused(404, "not_found", "");
    watch.unchanged(&t, "receipt of an unknown shipment").await;
    t.post(
        &format!("/api/v1/shipments/{oid}/receipt"),
        json!({"lines": [{"line": 1, "received": 1}]}),
    )
    .await
    .refused(404, "not_found", "");
    watch.unchanged(&t, "receipt on an order id").await;
    t.post(
        &format!("/api/v1/shipments/{sid}/receipt"),
        json!({"lines": [{"line": 2, "received": 1}]}),
    )
    .await
    .refused(422, "unknown_reference", "lines[0].line");
    watch
        .unchanged(&t, "receipt of a line the shipment does not carry")
        .await;
}

async fn tracking_event_rejections(t: TestApp) {
    let (w, oid) = setup(&t).await;
    let o = order_path(&oid);
    allocate(&t, &oid, 1, &w.dallas, 6).await.ok();
    let mut s = shipment(&oid, &w.dallas, &w.dock, json!([{"line": 1, "quantity": 6}]));
    s["tracking_number"] = json!("1Z999AA10123456784");
    t.post("/api/v1/shipments", s).await.ok();
    let watch = Watch::new(&t, &[&o]).await;

    let ev =
        |status: &str, at: &str| json!({"tracking_number": "1Z999AA10123456784", "status": status, "occurred_at": at});
    let r = t
        .post(
            "/api/v1/tracking-events",
            json!({"events": [ev("teleported", "2026-11-20T16:00:00Z")]}),
        )
        .await;
    rejected_event(&r, 0, "invalid_value", "events[0].status");
    assert_eq!(
        (r.body["applied"].as_u64(), r.body["rejected"].as_u64()),
        (Some(0), Some(1)),
        "{}",
        r.body
    );
    watch.unchanged(&t, "tracking event with an unknown status word").await;

    let r = t
        .post(
            "/api/v1/tracking-events",
            json!({"events": [ev("in_transit", "yesterday")]}),
        )
        .await;
    rejected_event(&r, 0, "invalid_value", "events[0].occurred_at");
    watch.unchanged(&t, "tracking event with an invalid time").await;

    let r = t
        .post(
            "/api/v1/tracking-events",
            json!({"events": [{"status": "in_transit", "occurred_at": "2026-11-20T16:00:00Z"},
                              {"tracking_number": "  ", "status": "in_transit", "occurred_at": "2026-11-20T16:00:00Z"}]}),
        )
        .await;
    rejected_event(&r, 0, "invalid_value", "events[0].tracking_number");
    rejected_event(&r, 1, "invalid_value", "events[1].tracking_number");
    watch.unchanged(&t, "tracking events naming no shipment").await;

    let mut bad_eta = ev("in_transit", "2026-11-20T16:00:00Z");
    bad_eta["estimated_delivery"] = json!("2026-11-31");
    let r = t
        .post(
            "/api/v1/tracking-events",
            json!({"events": [ev("bogus", "2026-11-20T16:00:00Z"), bad_eta]}),
        )
        .await;
    rejected_event(&r, 0, "invalid_value", "events[0].status");
    rejected_event(&r, 1, "invalid_value", "events[1].estimated_delivery");
    watch.unchanged(&t, "tracking batch of two bad events").await;

    t.post("/api/v1/tracking-events", json!({"events": []}))
        .await
        .refused(422, "invalid_value", "events");
    watch.unchanged(&t, "empty tracking batch").await;
    let body = json!({"events": [{"tracking_number": "1Z999AA10123456784", "status": "in_transit", "occurred_at": "2026-11-20T16:00:00Z", "carrier_code": "UPS"}]});
    t.post("/api/v1/tracking-events", body)
        .await
        .refused(422, "invalid_value", "events[0].carrier_code");
    watch.unchanged(&t, "tracking event with an unknown field").await;
}

async fn tracking_unknown_shipment(t: TestApp) {
    let (w, oid) = setup(&t).await;
    let o = order_path(&oid);
    allocate(&t, &oid, 1, &w.dallas, 6).await.ok();
    let mut s = shipment(&oid, &w.dallas, &w.dock, json!([{"line": 1, "quantity": 6}]));
    s["tracking_number"] = json!("1Z999AA10123456784");
    t.post("/api/v1/shipments", s).await.ok();
    let watch = Watch::new(&t, &[&o]).await;

    let r = t
        .post(
            "/api/v1/tracking-events",
            json!({"events": [{"tracking_number": "1ZNOSUCHNUMBER", "status": "in_transit", "occurred_at": "2026-11-20T16:00:00Z"}]}),
        )
        .await;
    rejected_event(&r, 0, "unknown_reference", "events[0].tracking_number");
    watch
        .unchanged(&t, "tracking event for an unknown tracking number")
        .await;

    let r = t
        .post(
            "/api/v1/tracking-events",
            json!({"events": [
                {"tracking_number": "1Z999AA10123456784", "status": "bogus", "occurred_at": "2026-11-20T16:00:00Z"},
                {"shipment_id": random_id(), "status": "in_transit", "occurred_at": "2026-11-20T16:00:00Z"}
            ]}),
        )
        .await;
    rejected_event(&r, 0, "invalid_value", "events[0].status");
    rejected_event(&r, 1, "unknown_reference", "events[1].shipment_id");
    watch.unchanged(&t, "tracking event for an unknown shipment id").await;
}

async fn unknown_references_in_billing(t: TestApp) {
    let (w, oid) = setup(&t).await;
    let (o, a) = (order_path(&oid), account_path(&w.account));
    let iid = invoice(&t, &w.account, &oid, 1, 10, "11.75").await;
    let i = invoice_path(&iid);
    let watch = Watch::new(&t, &[&o, &a, &i]).await;

    let inv = |account: &str, lines: Value| json!({"account_id": account, "currency": "USD", "lines": lines});
    let line =
        |order: &str, no: u32| json!({"order_id": order, "order_line": no, "quantity": 1, "unit_price": usd("14.00")});
    t.post("/api/v1/invoices", inv(&random_id(), json!([line(&oid, 1)])))
        .await
        .refused(422, "unknown_reference", "account_id");
    watch.unchanged(&t, "invoice for an unknown account").await;
    t.post(
        "/api/v1/invoices",
        inv(&w.account, json!([line(&oid, 1), line(&random_id(), 1)])),
    )
    .await
    .refused(422, "unknown_reference", "lines[1].order_id");
    watch.unchanged(&t, "invoice billing an unknown order").await;
    t.post("/api/v1/invoices", inv(&w.account, json!([line(&oid, 9)])))
        .await
        .refused(422, "unknown_reference", "lines[0].order_line");
    watch.unchanged(&t, "invoice billing an unknown order line").await;
    let mut l = line(&oid, 1);
    l["shipment_id"] = json!(random_id());
    t.post("/api/v1/invoices", inv(&w.account, json!([l]))).await.refused(
        422,
        "unknown_reference",
        "lines[0].shipment_id",
    );
    watch.unchanged(&t, "invoice line naming an unknown shipment").await;
    t.post("/api/v1/invoices", inv(&w.account, json!([])))
        .await
        .refused(422, "invalid_value", "lines");
    watch.unchanged(&t, "invoice without lines").await;

    let apply = |id: &str| json!([{"invoice_id": id, "amount": usd("10.00")}]);
    t.post("/api/v1/payments", payment(&random_id(), usd("10.00"), apply(&iid)))
        .await
        .refused(422, "unknown_reference", "account_id");
    watch.unchanged(&t, "payment of an unknown account").await;
    t.post(
        "/api/v1/payments",
        payment(&w.account, usd("10.00"), apply(&random_id())),
    )
    .await
    .refused(422, "unknown_reference", "applications[0].invoice_id");
    watch.unchanged(&t, "payment applied to an unknown invoice").await;
    let mut p = payment(&w.account, usd("10.00"), apply(&iid));
    p["method"] = json!("bitcoin");
    t.post("/api/v1/payments", p)
        .await
        .refused(422, "invalid_value", "method");
    watch.unchanged(&t, "payment with an unknown method").await;

    let memo = json!({"account_id": w.account, "invoice_id": random_id(), "amount": usd("5.00"), "reason": "damaged"});
    t.post("/api/v1/credit-memos", memo)
        .await
        .refused(422, "unknown_reference", "invoice_id");
    watch.unchanged(&t, "credit memo for an unknown invoice").await;
}

/// An id that exists but names a document of another kind is an unknown reference in a body,
/// exactly like an id that does not exist at all (422 on the field, not 404 for the request).
async fn payment_applied_to_non_invoice_id(t: TestApp) {
    let (w, oid) = setup(&t).await;
    let (o, a) = (order_path(&oid), account_path(&w.account));
    let iid = invoice(&t, &w.account, &oid, 1, 10, "11.75").await;
    let i = invoice_path(&iid);
    let watch = Watch::new(&t, &[&o, &a, &i]).await;

    let apply = json!([{"invoice_id": oid, "amount": usd("10.00")}]);
    t.post("/api/v1/payments", payment(&w.account, usd("10.00"), apply))
        .await
        .refused(422, "unknown_reference", "applications[0].invoice_id");
    watch.unchanged(&t, "payment applied to an order id").await;
}

/// As above, for the order of an invoice line.
async fn invoice_line_with_non_order_id(t: TestApp) {
    let (w, oid) = setup(&t).await;
    let (o, a) = (order_path(&oid), account_path(&w.account));
    let iid = invoice(&t, &w.account, &oid, 1, 10, "11.75").await;
    let i = invoice_path(&iid);
    let watch = Watch::new(&t, &[&o, &a, &i]).await;

    for other in [&iid, &w.account] {
        let body = json!({"account_id": w.account, "currency": "USD",
                          "lines": [{"order_id": other, "order_line": 1, "quantity": 1, "unit_price": usd("11.75")}]});
        t.post("/api/v1/invoices", body)
            .await
            .refused(422, "unknown_reference", "lines[0].order_id");
        watch
            .unchanged(&t, &format!("invoice billing {other} as an order"))
            .await;
    }
}

// ---------------------------------------------------------------------------------------------
// Quantities
// ---------------------------------------------------------------------------------------------

async fn non_positive_quantities(t: TestApp) {
    let (w, oid) = setup(&t).await;
    let (o, a) = (order_path(&oid), account_path(&w.account));
    allocate(&t, &oid, 1, &w.dallas, 6).await.ok();
    let s = t
        .post(
            "/api/v1/shipments",
            shipment(&oid, &w.dallas, &w.dock, json!([{"line": 1, "quantity": 2}])),
        )
        .await
        .ok();
    let sid = s.id();
    let watch = Watch::new(&t, &[&o, &a]).await;

    for q in [0, -3] {
        let body = json!({"account_id": w.account, "lines": [{"sku": "GLV-NIT-M", "quantity": q, "ship_to": w.dock}]});
        t.post("/api/v1/orders", body)
            .await
            .refused(422, "invalid_quantity", "lines[0].quantity");
        watch.unchanged(&t, &format!("order line quantity {q}")).await;
        let body = json!({"account_id": w.account, "lines": [
            {"sku": "GLV-NIT-M", "quantity": 1, "ship_to": w.dock},
            {"sku": "TWL-C-12", "quantity": q, "ship_to": w.store}]});
        t.post("/api/v1/orders", body)
            .await
            .refused(422, "invalid_quantity", "lines[1].quantity");
        watch.unchanged(&t, &format!("second order line quantity {q}")).await;

        allocate(&t, &oid, 1, &w.dallas, q)
            .await
            .refused(422, "invalid_quantity", "quantity");
        watch.unchanged(&t, &format!("allocation of {q}")).await;
        let bo = json!({"line": 2, "quantity": q, "reason": "supplier out of stock"});
        t.post(&format!("{o}/backorders"), bo)
            .await
            .refused(422, "invalid_quantity", "quantity");
        watch.unchanged(&t, &format!("backorder of {q}")).await;
        let c = json!({"line": 2, "quantity": q, "reason": "customer changed mind"});
        t.post(&format!("{o}/cancellations"), c)
            .await
            .refused(422, "invalid_quantity", "quantity");
        watch.unchanged(&t, &format!("cancellation of {q}")).await;

        let lines = json!([{"line": 1, "quantity": q}]);
        t.post("/api/v1/shipments", shipment(&oid, &w.dallas, &w.dock, lines))
            .await
            .refused(422, "invalid_quantity", "lines[0].quantity");
        watch.unchanged(&t, &format!("shipment line quantity {q}")).await;

        let inv = json!({"account_id": w.account, "currency": "USD",
                         "lines": [{"order_id": oid, "order_line": 1, "quantity": q, "unit_price": usd("11.75")}]});
        t.post("/api/v1/invoices", inv)
            .await
            .refused(422, "invalid_quantity", "lines[0].quantity");
        watch.unchanged(&t, &format!("invoice line quantity {q}")).await;
    }

    let receipt = |l: Value| json!({"lines": [l]});
    let path = format!("/api/v1/shipments/{sid}/receipt");
    t.post(&path, receipt(json!({"line": 1, "received": -1})))
        .await
        .refused(422, "invalid_quantity", "lines[0].received");
    watch.unchanged(&t, "negative received").await;
    t.post(&path, receipt(json!({"line": 1, "received": 1, "damaged": -1})))
        .await
        .refused(422, "invalid_quantity", "lines[0].damaged");
    watch.unchanged(&t, "negative damaged").await;
    t.post(&path, receipt(json!({"line": 1, "received": 0, "wrong_item": -2})))
        .await
        .refused(422, "invalid_quantity", "lines[0].wrong_item");
    watch.unchanged(&t, "negative wrong_item").await;

    // Beyond what a quantity can hold.
    let body = json!({"account_id": w.account, "lines": [{"sku": "GLV-NIT-M", "quantity": 4_294_967_296_i64, "ship_to": w.dock}]});
    t.post("/api/v1/orders", body)
        .await
        .refused(422, "invalid_quantity", "lines[0].quantity");
    watch.unchanged(&t, "order line quantity above u32").await;
    allocate(&t, &oid, 1, &w.dallas, i64::MAX)
        .await
        .refused(422, "invalid_quantity", "quantity");
    watch.unchanged(&t, "allocation of i64::MAX").await;
}

async fn over_allocation_backorder_cancellation(t: TestApp) {
    let (w, oid) = setup(&t).await;
    let (o, a) = (order_path(&oid), account_path(&w.account));
    let watch = Watch::new(&t, &[&o, &a]).await;
    allocate(&t, &oid, 1, &w.dallas, 11)
        .await
        .refused(422, "over_allocation", "quantity");
    watch.unchanged(&t, "allocating 11 of 10").await;

    allocate(&t, &oid, 1, &w.dallas, 6).await.ok();
    let watch = Watch::new(&t, &[&o, &a]).await;
    allocate(&t, &oid, 1, &w.reno, 5)
        .await
        .refused(422, "over_allocation", "quantity");
    watch.unchanged(&t, "allocating 5 with 4 left").await;

    let bo = |line: u32, q: i64| json!({"line": line, "quantity": q, "expected_date": "2026-12-01", "reason": "supplier out of stock"});
    t.post(&format!("{o}/backorders"), bo(1, 5))
        .await
        .refused(422, "over_backorder", "quantity");
    watch.unchanged(&t, "backordering 5 with 4 unallocated").await;
    t.post(&format!("{o}/backorders"), bo(2, 5))
        .await
        .refused(422, "over_backorder", "quantity");
    watch.unchanged(&t, "backordering 5 of 4").await;
    let mut empty_reason = bo(2, 1);
    empty_reason["reason"] = json!("  ");
    t.post(&format!("{o}/backorders"), empty_reason)
        .await
        .refused(422, "invalid_value", "reason");
    watch.unchanged(&t, "backorder without a reason").await;

    let cancel = |line: u32, q: i64| json!({"line": line, "quantity": q, "reason": "customer changed mind"});
    t.post(&format!("{o}/cancellations"), cancel(1, 5))
        .await
        .refused(422, "over_cancellation", "quantity");
    watch.unchanged(&t, "cancelling 5 with 4 unallocated").await;
    t.post(&format!("{o}/cancellations"), cancel(2, 5))
        .await
        .refused(422, "over_cancellation", "quantity");
    watch.unchanged(&t, "cancelling 5 of 4").await;
    let mut no_reason = cancel(2, 1);
    no_reason["reason"] = json!("");
    t.post(&format!("{o}/cancellations"), no_reason)
        .await
        .refused(422, "invalid_value", "reason");
    watch.unchanged(&t, "cancellation without a reason").await;

    // Backordered quantity counts once: 4 backordered on line 2 leaves nothing to backorder.
    t.post(&format!("{o}/backorders"), bo(2, 4)).await.ok();
    let watch = Watch::new(&t, &[&o, &a]).await;
    t.post(&format!("{o}/backorders"), bo(2, 1))
        .await
        .refused(422, "over_backorder", "quantity");
    watch.unchanged(&t, "backordering a fully backordered line").await;
    allocate(&t, &oid, 2, &w.dallas, 5)
        .await
        .refused(422, "over_allocation", "quantity");
    watch.unchanged(&t, "allocating 5 of 4 backordered").await;
    t.post(&format!("{o}/cancellations"), cancel(2, 5))
        .await
        .refused(422, "over_cancellation", "quantity");
    watch.unchanged(&t, "cancelling 5 of 4 backordered").await;
}

async fn over_shipment(t: TestApp) {
    let (w, oid) = setup(&t).await;
    let (o, a) = (order_path(&oid), account_path(&w.account));
    allocate(&t, &oid, 1, &w.dallas, 6).await.ok();
    let watch = Watch::new(&t, &[&o, &a]).await;
    let ship = |from: &str, to: &str, lines: Value| shipment(&oid, from, to, lines);

    t.post(
        "/api/v1/shipments",
        ship(&w.dallas, &w.dock, json!([{"line": 1, "quantity": 7}])),
    )
    .await
    .refused(422, "over_shipment", "lines[0].quantity");
    watch.unchanged(&t, "shipping 7 with 6 allocated").await;
    t.post(
        "/api/v1/shipments",
        ship(&w.reno, &w.dock, json!([{"line": 1, "quantity": 6}])),
    )
    .await
    .refused(422, "over_shipment", "lines[0].quantity");
    watch
        .unchanged(&t, "shipping from a location with nothing allocated")
        .await;
    t.post(
        "/api/v1/shipments",
        ship(&w.dallas, &w.store, json!([{"line": 2, "quantity": 1}])),
    )
    .await
    .refused(422, "over_shipment", "lines[0].quantity");
    watch.unchanged(&t, "shipping an unallocated line").await;
    t.post(
        "/api/v1/shipments",
        ship(
            &w.dallas,
            &w.dock,
            json!([{"line": 1, "quantity": 3}, {"line": 1, "quantity": 3}]),
        ),
    )
    .await
    .refused(422, "invalid_value", "lines[1].line");
    watch.unchanged(&t, "shipping a line twice in one shipment").await;
    t.post("/api/v1/shipments", ship(&w.dallas, &w.dock, json!([])))
        .await
        .refused(422, "invalid_value", "lines");
    watch.unchanged(&t, "shipment without lines").await;
    let mut no_carrier = ship(&w.dallas, &w.dock, json!([{"line": 1, "quantity": 1}]));
    no_carrier["carrier"] = json!(" ");
    t.post("/api/v1/shipments", no_carrier)
        .await
        .refused(422, "invalid_value", "carrier");
    watch.unchanged(&t, "shipment without a carrier").await;

    // Ship-to mismatch: line 1 goes to the dock.
    t.post(
        "/api/v1/shipments",
        ship(&w.dallas, &w.store, json!([{"line": 1, "quantity": 1}])),
    )
    .await
    .refused(422, "ship_to_mismatch", "lines[0].line");
    watch.unchanged(&t, "shipping line 1 to the store").await;
    t.post(
        "/api/v1/shipments",
        ship(&w.dallas, &w.other_ship_to, json!([{"line": 1, "quantity": 1}])),
    )
    .await
    .refused(422, "ship_to_mismatch", "lines[0].line");
    watch.unchanged(&t, "shipping line 1 to the other account").await;

    // What has shipped cannot ship again.
    t.post(
        "/api/v1/shipments",
        ship(&w.dallas, &w.dock, json!([{"line": 1, "quantity": 6}])),
    )
    .await
    .ok();
    let watch = Watch::new(&t, &[&o, &a]).await;
    t.post(
        "/api/v1/shipments",
        ship(&w.dallas, &w.dock, json!([{"line": 1, "quantity": 1}])),
    )
    .await
    .refused(422, "over_shipment", "lines[0].quantity");
    watch.unchanged(&t, "shipping again what already shipped").await;
    // Nor can it be cancelled or re-allocated beyond the order.
    let cancel = json!({"line": 1, "quantity": 5, "reason": "customer changed mind"});
    t.post(&format!("{o}/cancellations"), cancel)
        .await
        .refused(422, "over_cancellation", "quantity");
    watch.unchanged(&t, "cancelling shipped quantity").await;
    allocate(&t, &oid, 1, &w.dallas, 5)
        .await
        .refused(422, "over_allocation", "quantity");
    watch.unchanged(&t, "allocating 5 with 4 left after shipping 6").await;
}

async fn over_receipt(t: TestApp) {
    let (w, oid) = setup(&t).await;
    let (o, a) = (order_path(&oid), account_path(&w.account));
    allocate(&t, &oid, 1, &w.dallas, 6).await.ok();
    let s = t
        .post(
            "/api/v1/shipments",
            shipment(&oid, &w.dallas, &w.dock, json!([{"line": 1, "quantity": 6}])),
        )
        .await
        .ok();
    let path = format!("/api/v1/shipments/{}/receipt", s.id());
    let watch = Watch::new(&t, &[&o, &a]).await;

    t.post(&path, json!({"lines": [{"line": 1, "received": 7}]}))
        .await
        .refused(422, "over_receipt", "lines[0]");
    watch.unchanged(&t, "receiving 7 of 6").await;
    t.post(
        &path,
        json!({"lines": [{"line": 1, "received": 5, "damaged": 1, "wrong_item": 1}]}),
    )
    .await
    .refused(422, "over_receipt", "lines[0]");
    watch.unchanged(&t, "reporting 7 arrived of 6").await;
    t.post(
        &path,
        json!({"lines": [{"line": 1, "received": 3}, {"line": 1, "received": 3}]}),
    )
    .await
    .refused(422, "invalid_value", "lines[1].line");
    watch.unchanged(&t, "receipt listing a line twice").await;
    t.post(&path, json!({"lines": []}))
        .await
        .refused(422, "invalid_value", "lines");
    watch.unchanged(&t, "receipt without lines").await;
}

/// Received + damaged + wrong item beyond what a quantity can hold is refused like any other
/// over-receipt.
async fn over_receipt_at_quantity_limit(t: TestApp) {
    let (w, oid) = setup(&t).await;
    let (o, a) = (order_path(&oid), account_path(&w.account));
    allocate(&t, &oid, 1, &w.dallas, 6).await.ok();
    let s = t
        .post(
            "/api/v1/shipments",
            shipment(&oid, &w.dallas, &w.dock, json!([{"line": 1, "quantity": 6}])),
        )
        .await
        .ok();
    let path = format!("/api/v1/shipments/{}/receipt", s.id());
    let watch = Watch::new(&t, &[&o, &a]).await;

    let body = json!({"lines": [{"line": 1, "received": 4_294_967_295_i64, "damaged": 1}]}).to_string();
    let r = raw(&t, Method::POST, &path, &[JSON], Some(&body), true).await;
    r.refused(422, "invalid_quantity", "lines[0].received");
    let body =
        json!({"lines": [{"line": 1, "received": 100_000_000, "damaged": 100_000_000, "wrong_item": 100_000_000}]})
            .to_string();
    let r = raw(&t, Method::POST, &path, &[JSON], Some(&body), true).await;
    r.refused(422, "over_receipt", "lines[0]");
    watch.unchanged(&t, "receipt whose counts overflow a quantity").await;
}

/// Invoices may bill more than was ordered (matching explains it), but quantities that add up
/// past what a quantity can hold must not crash the match.
async fn huge_billed_quantities_match(t: TestApp) {
    let (w, oid) = setup(&t).await;
    // Beyond the input bound a quantity is refused outright…
    let too_big = json!({"account_id": w.account, "currency": "USD",
        "lines": [{"order_id": oid, "order_line": 1, "quantity": 4_294_967_295_i64, "unit_price": usd("11.75")}]});
    t.post("/api/v1/invoices", too_big)
        .await
        .refused(422, "invalid_quantity", "lines[0].quantity");
    // …and at the bound, sums over many invoices still cannot overflow.
    for _ in 0..3 {
        invoice(&t, &w.account, &oid, 1, 100_000_000, "11.75").await;
    }
    let third = invoice(&t, &w.account, &oid, 1, 1, "11.75").await;
    let r = raw(
        &t,
        Method::GET,
        &format!("/api/v1/invoices/{third}/match"),
        &[],
        None,
        true,
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.body);
    assert_eq!(r.body["matches"], false, "{}", r.body);
}

async fn reschedule_without_backorder(t: TestApp) {
    let (w, oid) = setup(&t).await;
    let (o, a) = (order_path(&oid), account_path(&w.account));
    let watch = Watch::new(&t, &[&o, &a]).await;
    let r = json!({"expected_date": "2026-12-04", "reason": "supplier delay"});

    t.post(&format!("{o}/lines/1/backorder-date"), r.clone())
        .await
        .refused(409, "invalid_state", "line");
    watch.unchanged(&t, "rescheduling a line without a backorder").await;

    // A backorder that was fully allocated since is no backorder any more.
    let bo = json!({"line": 2, "quantity": 4, "expected_date": "2026-11-24", "reason": "supplier out of stock"});
    t.post(&format!("{o}/backorders"), bo).await.ok();
    allocate(&t, &oid, 2, &w.dallas, 4).await.ok();
    let watch = Watch::new(&t, &[&o, &a]).await;
    t.post(&format!("{o}/lines/2/backorder-date"), r.clone())
        .await
        .refused(409, "invalid_state", "line");
    watch.unchanged(&t, "rescheduling a backorder that was allocated").await;
    let mut no_reason = r.clone();
    no_reason["reason"] = json!("");
    t.post(&format!("{o}/lines/2/backorder-date"), no_reason)
        .await
        .refused(422, "invalid_value", "reason");
    watch.unchanged(&t, "rescheduling without a reason").await;
}

// ---------------------------------------------------------------------------------------------
// Foreign accounts
// ---------------------------------------------------------------------------------------------

async fn foreign_account_order(t: TestApp) {
    let (w, oid) = setup(&t).await;
    let (o, a, b) = (
        order_path(&oid),
        account_path(&w.account),
        account_path(&w.other_account),
    );
    let watch = Watch::new(&t, &[&o, &a, &b]).await;

    let body =
        json!({"account_id": w.account, "lines": [{"sku": "GLV-NIT-M", "quantity": 1, "ship_to": w.other_ship_to}]});
    t.post("/api/v1/orders", body)
        .await
        .refused(422, "foreign_account", "lines[0].ship_to");
    watch.unchanged(&t, "order line shipping to the other account").await;
    let body = json!({"account_id": w.account, "lines": [
        {"sku": "GLV-NIT-M", "quantity": 1, "ship_to": w.dock},
        {"sku": "TWL-C-12", "quantity": 1, "ship_to": w.other_ship_to}]});
    t.post("/api/v1/orders", body)
        .await
        .refused(422, "foreign_account", "lines[1].ship_to");
    watch
        .unchanged(&t, "second order line shipping to the other account")
        .await;
    let body = json!({"account_id": w.account, "bill_to": w.other_ship_to,
                      "lines": [{"sku": "GLV-NIT-M", "quantity": 1, "ship_to": w.dock}]});
    t.post("/api/v1/orders", body)
        .await
        .refused(422, "foreign_account", "bill_to");
    watch.unchanged(&t, "order billed to the other account").await;
    let body = json!({"account_id": w.account, "bill_to": w.dock, "lines": [{"sku": "GLV-NIT-M", "quantity": 1, "ship_to": w.dock}]});
    t.post("/api/v1/orders", body)
        .await
        .refused(422, "invalid_value", "bill_to");
    watch.unchanged(&t, "order billed to a ship-to-only location").await;
    let body = json!({"account_id": w.account, "lines": [{"sku": "GLV-NIT-M", "quantity": 1, "ship_to": w.bill_to}]});
    t.post("/api/v1/orders", body)
        .await
        .refused(422, "invalid_value", "lines[0].ship_to");
    watch.unchanged(&t, "order shipping to a bill-to-only location").await;
}

async fn foreign_account_invoice(t: TestApp) {
    let (w, oid) = setup(&t).await;
    let other = other_order(&t, &w).await;
    let (o, ob) = (order_path(&oid), order_path(&other));
    let (a, b) = (account_path(&w.account), account_path(&w.other_account));
    let watch = Watch::new(&t, &[&o, &ob, &a, &b]).await;

    let body = json!({"account_id": w.account, "currency": "USD",
                      "lines": [{"order_id": other, "order_line": 1, "quantity": 3, "unit_price": usd("14.00")}]});
    t.post("/api/v1/invoices", body)
        .await
        .refused(422, "foreign_account", "lines[0].order_id");
    watch
        .unchanged(&t, "invoice of account A billing an order of account B")
        .await;
    let body = json!({"account_id": w.account, "currency": "USD", "lines": [
        {"order_id": oid, "order_line": 1, "quantity": 10, "unit_price": usd("11.75")},
        {"order_id": other, "order_line": 1, "quantity": 3, "unit_price": usd("14.00")}]});
    t.post("/api/v1/invoices", body)
        .await
        .refused(422, "foreign_account", "lines[1].order_id");
    watch.unchanged(&t, "invoice mixing orders of two accounts").await;
}

async fn foreign_account_payment(t: TestApp) {
    let (w, oid) = setup(&t).await;
    let other = other_order(&t, &w).await;
    let theirs = invoice(&t, &w.other_account, &other, 1, 3, "14.00").await;
    let ours = invoice(&t, &w.account, &oid, 1, 10, "11.75").await;
    let (ib, ia) = (invoice_path(&theirs), invoice_path(&ours));
    let (a, b) = (account_path(&w.account), account_path(&w.other_account));
    let watch = Watch::new(&t, &[&ia, &ib, &a, &b]).await;

    let apply = json!([{"invoice_id": theirs, "amount": usd("42.00")}]);
    t.post("/api/v1/payments", payment(&w.account, usd("42.00"), apply))
        .await
        .refused(422, "foreign_account", "applications[0].invoice_id");
    watch
        .unchanged(&t, "payment of account A applied to an invoice of account B")
        .await;
    let apply = json!([{"invoice_id": ours, "amount": usd("10.00")}, {"invoice_id": theirs, "amount": usd("10.00")}]);
    t.post("/api/v1/payments", payment(&w.account, usd("20.00"), apply))
        .await
        .refused(422, "foreign_account", "applications[1].invoice_id");
    watch
        .unchanged(&t, "payment split across invoices of two accounts")
        .await;
    let memo = json!({"account_id": w.account, "invoice_id": theirs, "amount": usd("5.00"), "reason": "damaged"});
    t.post("/api/v1/credit-memos", memo)
        .await
        .refused(422, "foreign_account", "invoice_id");
    watch
        .unchanged(&t, "credit memo of account A on an invoice of account B")
        .await;
}

// ---------------------------------------------------------------------------------------------
// Money: currency mismatches, invalid codes and amounts
// ---------------------------------------------------------------------------------------------

async fn currency_mismatches(t: TestApp) {
    let (w, oid) = setup(&t).await;
    let iid = invoice(&t, &w.account, &oid, 1, 10, "11.75").await;
    let (o, a, i) = (order_path(&oid), account_path(&w.account), invoice_path(&iid));
    let watch = Watch::new(&t, &[&o, &a, &i]).await;

    let inv = |currency: &str, price: Value| {
        json!({"account_id": w.account, "currency": currency,
               "lines": [{"order_id": oid, "order_line": 2, "quantity": 4, "unit_price": price}]})
    };
    t.post("/api/v1/invoices", inv("EUR", money("32.50", "EUR")))
        .await
        .refused(422, "currency_mismatch", "currency");
    watch.unchanged(&t, "EUR invoice for a USD account").await;
    t.post("/api/v1/invoices", inv("USD", money("32.50", "EUR")))
        .await
        .refused(422, "currency_mismatch", "lines[0].unit_price");
    watch.unchanged(&t, "invoice line priced in EUR").await;
    let mut tax = inv("USD", usd("32.50"));
    tax["tax"] = money("1.00", "EUR");
    t.post("/api/v1/invoices", tax)
        .await
        .refused(422, "currency_mismatch", "tax");
    watch.unchanged(&t, "invoice tax in EUR").await;
    let mut freight = inv("USD", usd("32.50"));
    freight["freight"] = money("1.00", "GBP");
    t.post("/api/v1/invoices", freight)
        .await
        .refused(422, "currency_mismatch", "freight");
    watch.unchanged(&t, "invoice freight in GBP").await;

    let apply = |m: Value| json!([{"invoice_id": iid, "amount": m}]);
    t.post(
        "/api/v1/payments",
        payment(&w.account, money("10.00", "EUR"), apply(money("10.00", "EUR"))),
    )
    .await
    .refused(422, "currency_mismatch", "amount");
    watch.unchanged(&t, "payment in EUR").await;
    t.post(
        "/api/v1/payments",
        payment(&w.account, usd("10.00"), apply(money("10.00", "EUR"))),
    )
    .await
    .refused(422, "currency_mismatch", "applications[0].amount");
    watch.unchanged(&t, "payment applying EUR").await;
    let memo = json!({"account_id": w.account, "invoice_id": iid, "amount": money("5.00", "EUR"), "reason": "damaged"});
    t.post("/api/v1/credit-memos", memo)
        .await
        .refused(422, "currency_mismatch", "amount");
    watch.unchanged(&t, "credit memo in EUR").await;
}

async fn invalid_currency_and_amounts(t: TestApp) {
    let (w, oid) = setup(&t).await;
    let iid = invoice(&t, &w.account, &oid, 1, 10, "11.75").await;
    let (o, a, i) = (order_path(&oid), account_path(&w.account), invoice_path(&iid));
    let watch = Watch::new(&t, &[&o, &a, &i]).await;

    let inv = |currency: &str, price: Value| {
        json!({"account_id": w.account, "currency": currency,
               "lines": [{"order_id": oid, "order_line": 2, "quantity": 4, "unit_price": price}]})
    };
    t.post("/api/v1/invoices", inv("usd", usd("32.50")))
        .await
        .refused(422, "invalid_currency", "currency");
    watch.unchanged(&t, "invoice currency in lower case").await;
    t.post("/api/v1/invoices", inv("USD", money("32.50", "eur")))
        .await
        .refused(422, "invalid_currency", "lines[0].unit_price.currency");
    watch.unchanged(&t, "unit price currency in lower case").await;
    t.post("/api/v1/invoices", inv("USD", usd("32.505"))).await.refused(
        422,
        "invalid_value",
        "lines[0].unit_price.amount",
    );
    watch.unchanged(&t, "unit price with 3 decimals").await;
    t.post("/api/v1/invoices", inv("USD", usd("-32.50")))
        .await
        .refused(422, "invalid_value", "lines[0].unit_price");
    watch.unchanged(&t, "negative unit price").await;
    t.post(
        "/api/v1/invoices",
        inv("USD", json!({"amount": 32.5, "currency": "USD"})),
    )
    .await
    .refused(422, "invalid_value", "lines[0].unit_price.amount");
    watch.unchanged(&t, "unit price amount as a JSON number").await;
    let mut tax = inv("USD", usd("32.50"));
    tax["tax"] = usd("-1.00");
    t.post("/api/v1/invoices", tax)
        .await
        .refused(422, "invalid_value", "tax");
    watch.unchanged(&t, "negative tax").await;

    let apply = |m: Value| json!([{"invoice_id": iid, "amount": m}]);
    t.post(
        "/api/v1/payments",
        payment(&w.account, money("10.00", "usd"), apply(usd("10.00"))),
    )
    .await
    .refused(422, "invalid_currency", "amount.currency");
    watch.unchanged(&t, "payment currency in lower case").await;
    t.post(
        "/api/v1/payments",
        payment(&w.account, usd("10.00"), apply(money("10.00", "US"))),
    )
    .await
    .refused(422, "invalid_currency", "applications[0].amount.currency");
    watch.unchanged(&t, "application currency of two letters").await;
    for bad in ["10.005", "1e3", "", "ten", "10.", ".5", "--1"] {
        t.post("/api/v1/payments", payment(&w.account, usd(bad), apply(usd("10.00"))))
            .await
            .refused(422, "invalid_value", "amount.amount");
        watch.unchanged(&t, &format!("payment amount {bad:?}")).await;
    }
    t.post(
        "/api/v1/payments",
        payment(&w.account, usd("10.00"), apply(usd("9.999"))),
    )
    .await
    .refused(422, "invalid_value", "applications[0].amount.amount");
    watch.unchanged(&t, "application amount with 3 decimals").await;
    t.post(
        "/api/v1/payments",
        payment(&w.account, usd("-5.00"), apply(usd("5.00"))),
    )
    .await
    .refused(422, "invalid_value", "amount");
    watch.unchanged(&t, "negative payment").await;
    t.post("/api/v1/payments", payment(&w.account, usd("0.00"), json!([])))
        .await
        .refused(422, "invalid_value", "amount");
    watch.unchanged(&t, "zero payment").await;
    t.post(
        "/api/v1/payments",
        payment(&w.account, usd("10.00"), apply(usd("0.00"))),
    )
    .await
    .refused(422, "invalid_value", "applications[0].amount");
    watch.unchanged(&t, "zero application").await;

    t.patch_with(&a, json!({"credit_limit": money("100.00", "usd")}), &[])
        .await
        .refused(422, "invalid_currency", "credit_limit.currency");
    watch.unchanged(&t, "credit limit in a lower-case currency").await;
    t.patch_with(&a, json!({"credit_limit": money("100.00", "EUR")}), &[])
        .await
        .refused(422, "currency_mismatch", "credit_limit.currency");
    watch.unchanged(&t, "credit limit in EUR").await;
}

// ---------------------------------------------------------------------------------------------
// Over-application
// ---------------------------------------------------------------------------------------------

async fn over_application(t: TestApp) {
    let (w, oid) = setup(&t).await;
    let gloves = invoice(&t, &w.account, &oid, 1, 10, "11.75").await; // 117.50
    let towels = invoice(&t, &w.account, &oid, 2, 4, "32.50").await; // 130.00
    let (o, a, ig, it) = (
        order_path(&oid),
        account_path(&w.account),
        invoice_path(&gloves),
        invoice_path(&towels),
    );
    let watch = Watch::new(&t, &[&o, &a, &ig, &it]).await;

    let one = |id: &str, amount: &str| json!({"invoice_id": id, "amount": usd(amount)});
    t.post(
        "/api/v1/payments",
        payment(&w.account, usd("200.00"), json!([one(&gloves, "150.00")])),
    )
    .await
    .refused(422, "over_application", "applications[0].amount");
    watch.unchanged(&t, "applying 150.00 to an invoice of 117.50").await;
    t.post(
        "/api/v1/payments",
        payment(&w.account, usd("50.00"), json!([one(&gloves, "100.00")])),
    )
    .await
    .refused(422, "over_application", "applications");
    watch.unchanged(&t, "applying 100.00 of a 50.00 payment").await;
    let two = json!([one(&gloves, "60.00"), one(&towels, "60.00")]);
    t.post("/api/v1/payments", payment(&w.account, usd("100.00"), two))
        .await
        .refused(422, "over_application", "applications");
    watch
        .unchanged(&t, "applications of 120.00 from a 100.00 payment")
        .await;
    let two = json!([one(&gloves, "10.00"), one(&towels, "140.00")]);
    t.post("/api/v1/payments", payment(&w.account, usd("500.00"), two))
        .await
        .refused(422, "over_application", "applications[1].amount");
    watch
        .unchanged(&t, "second application over its invoice's balance")
        .await;
    let twice = json!([one(&gloves, "10.00"), one(&gloves, "10.00")]);
    t.post("/api/v1/payments", payment(&w.account, usd("20.00"), twice))
        .await
        .refused(422, "invalid_value", "applications[1].invoice_id");
    watch.unchanged(&t, "the same invoice twice in one payment").await;

    // After a partial payment, the remaining balance is the limit.
    t.post(
        "/api/v1/payments",
        payment(&w.account, usd("100.00"), json!([one(&gloves, "100.00")])),
    )
    .await
    .ok();
    let watch = Watch::new(&t, &[&o, &a, &ig, &it]).await;
    assert_eq!(t.get(&ig).await.ok().body["balance"], usd("17.50"));
    t.post(
        "/api/v1/payments",
        payment(&w.account, usd("20.00"), json!([one(&gloves, "17.51")])),
    )
    .await
    .refused(422, "over_application", "applications[0].amount");
    watch.unchanged(&t, "applying 17.51 to a balance of 17.50").await;
    let memo = json!({"account_id": w.account, "invoice_id": gloves, "amount": usd("20.00"), "reason": "damaged"});
    t.post("/api/v1/credit-memos", memo)
        .await
        .refused(422, "over_application", "amount");
    watch.unchanged(&t, "crediting 20.00 on a balance of 17.50").await;
    assert_eq!(t.get(&ig).await.ok().body["balance"], usd("17.50"), "balance unchanged");
    assert_eq!(
        t.get(&it).await.ok().body["balance"],
        usd("130.00"),
        "balance unchanged"
    );
}

// ---------------------------------------------------------------------------------------------
// Preconditions (If-Match) and idempotency keys
// ---------------------------------------------------------------------------------------------

async fn if_match_on_account(t: TestApp) {
    let w = t.world().await;
    let a = account_path(&w.account);
    let etag = t.get(&a).await.ok().etag();
    let watch = Watch::new(&t, &[&a]).await;

    t.patch_with(&a, json!({"name": "Renamed"}), &[("if-match", "\"v99\"")])
        .await
        .refused(412, "precondition_failed", "If-Match");
    watch.unchanged(&t, "PATCH with If-Match \"v99\"").await;
    for bad in ["1", "\"1\"", "\"vX\"", "\"v\"", "\"v1.0\""] {
        t.patch_with(&a, json!({"name": "Renamed"}), &[("if-match", bad)])
            .await
            .refused(400, "invalid_if_match", "If-Match");
        watch.unchanged(&t, &format!("PATCH with If-Match {bad}")).await;
    }

    // A stale ETag: someone else changed the account since it was read.
    t.patch_with(&a, json!({"payment_terms_days": 45}), &[("if-match", etag.as_str())])
        .await
        .ok();
    let watch = Watch::new(&t, &[&a]).await;
    t.patch_with(&a, json!({"name": "Renamed"}), &[("if-match", etag.as_str())])
        .await
        .refused(412, "precondition_failed", "If-Match");
    watch.unchanged(&t, "PATCH with a stale ETag").await;
    let weak = format!("W/{etag}");
    t.patch_with(&a, json!({"name": "Renamed"}), &[("if-match", weak.as_str())])
        .await
        .refused(412, "precondition_failed", "If-Match");
    watch.unchanged(&t, "PATCH with a stale weak ETag").await;
    let loc = json!({"kind": "ship_to", "name": "Annex"});
    t.post_with(&format!("{a}/locations"), loc, &[("if-match", etag.as_str())])
        .await
        .refused(412, "precondition_failed", "If-Match");
    watch.unchanged(&t, "adding a location with a stale ETag").await;
}

async fn if_match_on_order(t: TestApp) {
    let (w, oid) = setup(&t).await;
    let (o, a) = (order_path(&oid), account_path(&w.account));
    let stale = t.get(&o).await.ok().etag();
    assert_eq!(stale, "\"v1\"");
    let alloc = |q: i64| json!({"line": 1, "fulfilment_location_id": w.dallas, "quantity": q});
    t.post_with(&format!("{o}/allocations"), alloc(6), &[("if-match", stale.as_str())])
        .await
        .ok();
    let watch = Watch::new(&t, &[&o, &a]).await;

    t.post_with(&format!("{o}/allocations"), alloc(2), &[("if-match", stale.as_str())])
        .await
        .refused(412, "precondition_failed", "If-Match");
    watch.unchanged(&t, "allocation with a stale ETag").await;
    let bo = json!({"line": 2, "quantity": 1, "reason": "supplier out of stock"});
    t.post_with(&format!("{o}/backorders"), bo, &[("if-match", stale.as_str())])
        .await
        .refused(412, "precondition_failed", "If-Match");
    watch.unchanged(&t, "backorder with a stale ETag").await;
    let cancel = json!({"line": 2, "quantity": 1, "reason": "customer changed mind"});
    t.post_with(&format!("{o}/cancellations"), cancel, &[("if-match", stale.as_str())])
        .await
        .refused(412, "precondition_failed", "If-Match");
    watch.unchanged(&t, "cancellation with a stale ETag").await;
    let s = shipment(&oid, &w.dallas, &w.dock, json!([{"line": 1, "quantity": 6}]));
    t.post_with("/api/v1/shipments", s.clone(), &[("if-match", stale.as_str())])
        .await
        .refused(412, "precondition_failed", "If-Match");
    watch.unchanged(&t, "shipment with a stale order ETag").await;
    t.post_with(&format!("{o}/allocations"), alloc(2), &[("if-match", "\"v99\"")])
        .await
        .refused(412, "precondition_failed", "If-Match");
    watch.unchanged(&t, "allocation with a future ETag").await;
    t.post_with(&format!("{o}/allocations"), alloc(2), &[("if-match", "garbage")])
        .await
        .refused(400, "invalid_if_match", "If-Match");
    watch.unchanged(&t, "allocation with a malformed If-Match").await;

    // Receipts are guarded by the order's ETag as well.
    let current = t.get(&o).await.ok().etag();
    let sid = t
        .post_with("/api/v1/shipments", s, &[("if-match", current.as_str())])
        .await
        .ok()
        .id();
    let watch = Watch::new(&t, &[&o, &a]).await;
    let receipt = json!({"lines": [{"line": 1, "received": 6}]});
    t.post_with(
        &format!("/api/v1/shipments/{sid}/receipt"),
        receipt,
        &[("if-match", current.as_str())],
    )
    .await
    .refused(412, "precondition_failed", "If-Match");
    watch.unchanged(&t, "receipt with a stale order ETag").await;
}

async fn idempotency_key_misuse(t: TestApp) {
    let (w, oid) = setup(&t).await;
    let (o, a) = (order_path(&oid), account_path(&w.account));
    let path = format!("{o}/allocations");
    let alloc = |q: i64| json!({"line": 1, "fulfilment_location_id": w.dallas, "quantity": q});
    let watch = Watch::new(&t, &[&o, &a]).await;

    // A refused command is not remembered under its key...
    t.post_with(&path, alloc(11), &[("idempotency-key", "k-1")])
        .await
        .refused(422, "over_allocation", "quantity");
    watch.unchanged(&t, "refused allocation with an Idempotency-Key").await;
    t.post_with(&path, alloc(0), &[("idempotency-key", "")])
        .await
        .refused(422, "invalid_value", "Idempotency-Key");
    watch.unchanged(&t, "empty Idempotency-Key").await;
    let long = "k".repeat(256);
    t.post_with(&path, alloc(2), &[("idempotency-key", long.as_str())])
        .await
        .refused(422, "invalid_value", "Idempotency-Key");
    watch.unchanged(&t, "Idempotency-Key of 256 characters").await;

    // ...so the key can be used for the corrected request, and then not for another one.
    t.post_with(&path, alloc(2), &[("idempotency-key", "k-1")]).await.ok();
    let watch = Watch::new(&t, &[&o, &a]).await;
    t.post_with(&path, alloc(3), &[("idempotency-key", "k-1")])
        .await
        .refused(422, "idempotency_key_reused", "Idempotency-Key");
    watch
        .unchanged(&t, "Idempotency-Key reused for a different allocation")
        .await;
    let r = t.post_with(&path, alloc(2), &[("idempotency-key", "k-1")]).await.ok();
    assert_eq!(
        r.headers.get("idempotent-replayed").and_then(|v| v.to_str().ok()),
        Some("true")
    );
    watch.unchanged(&t, "replay of the same allocation").await;
}

// ---------------------------------------------------------------------------------------------
// Dates and list filters
// ---------------------------------------------------------------------------------------------

async fn invalid_dates(t: TestApp) {
    let (w, oid) = setup(&t).await;
    let (o, a) = (order_path(&oid), account_path(&w.account));
    allocate(&t, &oid, 1, &w.dallas, 6).await.ok();
    let watch = Watch::new(&t, &[&o, &a]).await;

    for bad in ["2026-13-01", "2026-02-30", "27/11/2026", "2026-11-27T00:00:00Z", ""] {
        let body = json!({"account_id": w.account,
                          "lines": [{"sku": "GLV-NIT-M", "quantity": 1, "ship_to": w.dock, "requested_date": bad}]});
        t.post("/api/v1/orders", body)
            .await
            .refused(422, "invalid_value", "lines[0].requested_date");
        watch.unchanged(&t, &format!("requested_date {bad:?}")).await;
    }
    let body = json!({"account_id": w.account, "placed_at": "yesterday", "lines": [{"sku": "GLV-NIT-M", "quantity": 1, "ship_to": w.dock}]});
    t.post("/api/v1/orders", body)
        .await
        .refused(422, "invalid_value", "placed_at");
    watch.unchanged(&t, "placed_at not a time").await;
    let bo = json!({"line": 2, "quantity": 1, "expected_date": "soon", "reason": "supplier out of stock"});
    t.post(&format!("{o}/backorders"), bo)
        .await
        .refused(422, "invalid_value", "expected_date");
    watch.unchanged(&t, "backorder expected_date not a date").await;
    let mut s = shipment(&oid, &w.dallas, &w.dock, json!([{"line": 1, "quantity": 1}]));
    s["promised_delivery"] = json!("2026-11-31");
    t.post("/api/v1/shipments", s.clone())
        .await
        .refused(422, "invalid_value", "promised_delivery");
    watch.unchanged(&t, "promised_delivery on November 31").await;
    s["promised_delivery"] = json!(null);
    s["shipped_at"] = json!("2026-11-20 16:00");
    t.post("/api/v1/shipments", s)
        .await
        .refused(422, "invalid_value", "shipped_at");
    watch.unchanged(&t, "shipped_at not RFC 3339").await;
    let inv = json!({"account_id": w.account, "currency": "USD", "issued_on": "2026-11-32",
                     "lines": [{"order_id": oid, "order_line": 1, "quantity": 1, "unit_price": usd("11.75")}]});
    t.post("/api/v1/invoices", inv)
        .await
        .refused(422, "invalid_value", "issued_on");
    watch.unchanged(&t, "issued_on on November 32").await;
}

async fn invalid_list_filters(t: TestApp) {
    let (w, _oid) = setup(&t).await;
    for (path, field) in [
        ("/api/v1/orders?limit=0", "limit"),
        ("/api/v1/orders?limit=501", "limit"),
        ("/api/v1/orders?cursor=garbage", "cursor"),
        ("/api/v1/orders?cursor=AAAA", "cursor"),
        ("/api/v1/orders?from=yesterday", "from"),
        ("/api/v1/orders?to=2026-13-01", "to"),
        ("/api/v1/invoices?status=bogus", "status"),
        ("/api/v1/invoices?limit=0", "limit"),
        ("/api/v1/shipments?status=bogus", "status"),
        ("/api/v1/payments?cursor=!!!", "cursor"),
        ("/api/v1/accounts?limit=1000", "limit"),
    ] {
        t.get(path).await.refused(422, "invalid_value", field);
    }
    // The filters still work with valid values.
    let r = t
        .get(&format!("/api/v1/orders?limit=1&account_id={}", w.account))
        .await
        .ok();
    assert_eq!(r.body["items"].as_array().map(Vec::len), Some(1));
}

async fn unparsable_list_filters(t: TestApp) {
    t.world().await;
    for (path, field) in [
        ("/api/v1/orders?limit=abc", "limit"),
        ("/api/v1/orders?limit=-1", "limit"),
        ("/api/v1/orders?account_id=not-a-uuid", "account_id"),
        ("/api/v1/invoices?location_id=42", "location_id"),
    ] {
        t.get(path).await.refused(422, "invalid_value", field);
    }
}

async fn order_status_filter(t: TestApp) {
    setup(&t).await;
    t.get("/api/v1/orders?status=bogus")
        .await
        .refused(422, "invalid_value", "status");
}

both_stores!(
    malformed_json,
    wrong_json_types,
    unknown_fields,
    unsupported_media_type,
    unauthenticated,
    unknown_routes,
    unknown_ids_on_reads,
    unknown_references_in_orders,
    unknown_references_in_fulfilment,
    tracking_event_rejections,
    unknown_references_in_billing,
    non_positive_quantities,
    over_allocation_backorder_cancellation,
    over_shipment,
    over_receipt,
    reschedule_without_backorder,
    foreign_account_order,
    foreign_account_invoice,
    foreign_account_payment,
    currency_mismatches,
    invalid_currency_and_amounts,
    over_application,
    if_match_on_account,
    if_match_on_order,
    idempotency_key_misuse,
    invalid_dates,
    invalid_list_filters,
);

both_stores!(
    malformed_json_field,
    trailing_data_after_json,
    array_body_as_object,
    missing_required_field,
    method_not_allowed,
    non_uuid_path_ids,
    unparsable_list_filters,
    order_status_filter,
    tracking_unknown_shipment,
    payment_applied_to_non_invoice_id,
    invoice_line_with_non_order_id,
    over_receipt_at_quantity_limit,
    huge_billed_quantities_match,
);
