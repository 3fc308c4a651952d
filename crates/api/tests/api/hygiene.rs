//! Input and HTTP hygiene at the shared mechanism: text limits and their messages, lossless
//! storage of any Unicode text (U+0000 included) on both stores, body limits, media types,
//! header faults naming the header, every problem code documented, security headers.

use crate::harness::{KEY, TestApp, pg_url, usd};
use aftercart_api::error::PROBLEM_CODES;
use aftercart_api::{ApiState, COMMON_PROBLEM_STATUSES, key_hash, openapi, router};
use aftercart_app::Principal;
use aftercart_domain::text::TextKind;
use axum::body::Body;
use axum::http::{Method, Request};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::Arc;

both_stores!(
    text_limits_name_the_field_and_the_limit,
    text_at_the_limit_is_accepted_in_characters_not_bytes,
    any_unicode_free_text_round_trips_exactly,
    control_characters_in_names_and_identifiers_are_refused,
    body_over_the_limit_is_413_problem,
    only_json_media_types_are_accepted,
    header_faults_name_the_header,
    security_headers_on_every_response,
    session_cookie_is_secure_unless_dev_cookies,
    the_store_keeps_free_text_and_refuses_nul_in_identifiers,
);

fn s(n: usize) -> String {
    "x".repeat(n)
}

#[track_caller]
fn too_long(r: &crate::harness::Resp, field: &str, max: usize) {
    r.refused(422, "invalid_value", field);
    let detail = r.body["detail"].as_str().unwrap_or("");
    assert!(
        detail.contains(&format!("at most {max} characters")),
        "the detail names the limit: {detail}"
    );
}

async fn text_limits_name_the_field_and_the_limit(t: TestApp) {
    let w = t.world().await;
    let max = |k: TextKind| k.max_chars();
    // Accounts: name, number, a nested location field.
    let account = |name: String, number: String, city: String| {
        json!({"number": number, "name": name, "currency": "USD", "payment_terms_days": 30,
               "credit_limit": usd("1.00"), "locations": [{"kind": "ship_to", "name": "Dock", "city": city}]})
    };
    let r = t
        .post("/api/v1/accounts", account(s(201), "N-1".into(), "Austin".into()))
        .await;
    too_long(&r, "name", max(TextKind::Name));
    let r = t
        .post("/api/v1/accounts", account("A".into(), s(101), "Austin".into()))
        .await;
    too_long(&r, "number", max(TextKind::Ident));
    let r = t
        .post("/api/v1/accounts", account("A".into(), "N-2".into(), s(201)))
        .await;
    too_long(&r, "locations[0].city", max(TextKind::Name));
    // Products: SKU and long text.
    let r = t
        .post(
            "/api/v1/products",
            json!({"sku": s(101), "name": "P", "list_price": usd("1.00")}),
        )
        .await;
    too_long(&r, "sku", max(TextKind::Ident));
    let r = t
        .post(
            "/api/v1/products",
            json!({"sku": "P-1", "name": "P", "list_price": usd("1.00"), "setup_guide": s(20_001)}),
        )
        .await;
    too_long(&r, "setup_guide", max(TextKind::LongText));
    // Money amounts are bounded too.
    let r = t
        .post(
            "/api/v1/products",
            json!({"sku": "P-2", "name": "P", "list_price": {"amount": s(65), "currency": "USD"}}),
        )
        .await;
    too_long(&r, "list_price.amount", max(TextKind::Code));
    // Orders: PO number and cost centre on a line.
    let order = |po: String, cc: String| {
        json!({"account_id": w.account, "lines": [{"sku": "GLV-NIT-M", "quantity": 1, "ship_to": w.dock,
               "po_number": po, "cost_centre": cc}]})
    };
    let r = t.post("/api/v1/orders", order(s(101), "CC".into())).await;
    too_long(&r, "lines[0].po_number", max(TextKind::Ident));
    let r = t.post("/api/v1/orders", order("PO".into(), s(101))).await;
    too_long(&r, "lines[0].cost_centre", max(TextKind::Ident));
    // A cancellation reason (free text) and its limit.
    let oid = t.order(&w, 2, 1).await.id();
    let r = t
        .post(
            &format!("/api/v1/orders/{oid}/cancellations"),
            json!({"line": 1, "quantity": 1, "reason": s(2_001)}),
        )
        .await;
    too_long(&r, "reason", max(TextKind::Text));
    // Shipments: carrier and tracking number; tracking events: description.
    let ship = |carrier: String, tracking: String| {
        json!({"order_id": oid, "from_location_id": w.dallas, "to_location_id": w.dock,
               "lines": [{"line": 1, "quantity": 1}], "carrier": carrier, "tracking_number": tracking})
    };
    let r = t.post("/api/v1/shipments", ship(s(201), "1Z".into())).await;
    too_long(&r, "carrier", max(TextKind::Name));
    let r = t.post("/api/v1/shipments", ship("UPS".into(), s(101))).await;
    too_long(&r, "tracking_number", max(TextKind::Ident));
    let r = t
        .post(
            "/api/v1/tracking-events",
            json!({"events": [{"tracking_number": "1Z", "status": "in_transit",
                   "occurred_at": "2026-11-20T10:00:00Z", "description": s(2_001)}]}),
        )
        .await;
    too_long(&r, "events[0].description", max(TextKind::Text));
    // Users: email.
    let r = t
        .post(
            "/api/v1/users",
            json!({"email": format!("{}@example.com", s(250)), "name": "U", "type": "staff", "role": "agent"}),
        )
        .await;
    too_long(&r, "email", max(TextKind::Email));
    // Nothing was created by any refusal.
    let orders = t.get("/api/v1/orders").await.ok();
    assert_eq!(orders.body["items"].as_array().map(Vec::len), Some(1));
}

async fn text_at_the_limit_is_accepted_in_characters_not_bytes(t: TestApp) {
    // 200 two-byte characters (400 bytes) is a name of 200 characters: accepted.
    let name = "é".repeat(TextKind::Name.max_chars());
    let r = t
        .post(
            "/api/v1/products",
            json!({"sku": "P-1", "name": name, "list_price": usd("1.00")}),
        )
        .await
        .ok();
    assert_eq!(r.body["name"], name);
    let r = t
        .post(
            "/api/v1/products",
            json!({"sku": "P-2", "name": format!("{name}é"), "list_price": usd("1.00")}),
        )
        .await;
    too_long(&r, "name", TextKind::Name.max_chars());
}

/// Free text with everything a store can trip on: U+0000, other C0 and C1 controls, DEL,
/// a backslash and quote, emoji, right-to-left text, astral-plane letters and combining marks.
const NASTY: &str = "a\u{0}b\u{1}\u{1b}[31m\u{7f}\u{85}\t\r\n\\\"🦀👩‍👩‍👧 שלום عالم 𝔘𝔫𝔦 e\u{301} \u{202e}x\u{0}";

async fn any_unicode_free_text_round_trips_exactly(t: TestApp) {
    let w = t.world().await;
    let oid = t.order(&w, 5, 1).await.id();
    // Cancellation reason: the timeline's reason (a column of its own in the event log).
    t.post(
        &format!("/api/v1/orders/{oid}/cancellations"),
        json!({"line": 1, "quantity": 1, "reason": NASTY}),
    )
    .await
    .ok();
    let tl = t.get(&format!("/api/v1/orders/{oid}/timeline")).await.ok();
    let reasons: Vec<&str> = tl.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["reason"].as_str())
        .collect();
    assert!(reasons.contains(&NASTY), "timeline reasons: {reasons:?}");
    // Backorder reason: inside the order document.
    t.post(
        &format!("/api/v1/orders/{oid}/backorders"),
        json!({"line": 1, "quantity": 1, "reason": NASTY}),
    )
    .await
    .ok();
    let o = t.get(&format!("/api/v1/orders/{oid}")).await.ok();
    assert_eq!(o.body["lines"][0]["backorder"]["reason"], NASTY, "{}", o.body);
    // Credit memo reason, and a product's long text.
    let memo = t
        .post(
            "/api/v1/credit-memos",
            json!({"account_id": w.account, "amount": usd("5.00"), "reason": NASTY}),
        )
        .await
        .ok();
    let got = t.get(&format!("/api/v1/credit-memos/{}", memo.id())).await.ok();
    assert_eq!(got.body["reason"], NASTY);
    let p = t
        .post(
            "/api/v1/products",
            json!({"sku": "P-NUL", "name": "Guide", "list_price": usd("1.00"), "setup_guide": NASTY}),
        )
        .await
        .ok();
    let got = t.get(&format!("/api/v1/products/{}", p.id())).await.ok();
    assert_eq!(got.body["setup_guide"], NASTY);
    // An idempotent replay returns the stored response, text included.
    let key = [("idempotency-key", "nasty-1")];
    let body = json!({"account_id": w.account, "amount": usd("1.00"), "reason": NASTY});
    let first = t.post_with("/api/v1/credit-memos", body.clone(), &key).await.ok();
    let again = t.post_with("/api/v1/credit-memos", body, &key).await.ok();
    assert_eq!(
        again.headers.get("idempotent-replayed").map(|v| v.as_bytes()),
        Some(&b"true"[..])
    );
    assert_eq!(again.body, first.body);
    assert_eq!(again.body["reason"], NASTY);
}

async fn control_characters_in_names_and_identifiers_are_refused(t: TestApp) {
    let w = t.world().await;
    let r = t
        .post(
            "/api/v1/accounts",
            json!({"name": "North\u{0}wind", "currency": "USD", "payment_terms_days": 30, "credit_limit": usd("1.00")}),
        )
        .await;
    r.refused(422, "invalid_value", "name");
    assert!(r.body["detail"].as_str().unwrap_or("").contains("U+0000"), "{}", r.body);
    let r = t
        .post(
            "/api/v1/products",
            json!({"sku": "GLV\u{0}", "name": "P", "list_price": usd("1.00")}),
        )
        .await;
    r.refused(422, "invalid_value", "sku");
    let r = t
        .post(
            "/api/v1/orders",
            json!({"account_id": w.account, "lines": [{"sku": "GLV-NIT-M", "quantity": 1, "ship_to": w.dock,
                   "po_number": "PO\u{1b}1"}]}),
        )
        .await;
    r.refused(422, "invalid_value", "lines[0].po_number");
    let r = t
        .post(
            "/api/v1/users",
            json!({"email": "a\u{0}@example.com", "name": "U", "type": "staff", "role": "agent"}),
        )
        .await;
    r.refused(422, "invalid_value", "email");
    // A NUL in a query filter is refused, not sent to the database.
    let r = t.get("/api/v1/orders?status=open%00").await;
    r.refused(422, "invalid_value", "status");
    // Looking up a tracking number with a NUL finds nothing rather than failing.
    let r = t
        .post(
            "/api/v1/tracking-events",
            json!({"events": [{"tracking_number": "1Z\u{0}", "status": "in_transit", "occurred_at": "2026-11-20T10:00:00Z"}]}),
        )
        .await;
    r.refused(422, "invalid_value", "events[0].tracking_number");
}

fn request(method: Method, path: &str, content_type: Option<&str>, body: impl Into<Body>) -> Request<Body> {
    let mut b = Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {KEY}"));
    if let Some(ct) = content_type {
        b = b.header("content-type", ct);
    }
    b.body(body.into()).expect("request")
}

async fn body_over_the_limit_is_413_problem(t: TestApp) {
    let big = format!("{{\"name\": \"{}\"}}", s(aftercart_api::extract::MAX_BODY_BYTES));
    let r = t
        .raw(request(
            Method::POST,
            "/api/v1/accounts",
            Some("application/json"),
            big.clone(),
        ))
        .await;
    r.refused(413, "payload_too_large", "");
    // Unauthenticated JSON endpoints share the rule.
    let mut req = request(Method::POST, "/api/v1/session", Some("application/json"), big);
    req.headers_mut().remove("authorization");
    t.raw(req).await.refused(413, "payload_too_large", "");
    // A body just under the limit is read (and refused for what it says, not for its size).
    let under = format!("{{\"name\": \"{}\"}}", s(1000));
    let r = t
        .raw(request(
            Method::POST,
            "/api/v1/accounts",
            Some("application/json"),
            under,
        ))
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
}

async fn only_json_media_types_are_accepted(t: TestApp) {
    let w = t.world().await;
    let product = |sku: &str| json!({"sku": sku, "name": "P", "list_price": usd("1.00")}).to_string();
    for (i, ct) in [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON;charset=\"UTF-8\"",
        "application/merge-patch+json",
        "application/vnd.aftercart+json",
    ]
    .iter()
    .enumerate()
    {
        let r = t
            .raw(request(
                Method::POST,
                "/api/v1/products",
                Some(ct),
                product(&format!("OK-{i}")),
            ))
            .await;
        assert_eq!(r.status, 201, "{ct}: {}", r.body);
    }
    let patch = t
        .raw(request(
            Method::PATCH,
            &format!("/api/v1/accounts/{}", w.account),
            Some("application/merge-patch+json"),
            json!({"name": "Northwind Health"}).to_string(),
        ))
        .await;
    assert_eq!(patch.status, 200, "{}", patch.body);
    for ct in [
        Some("application/jsonx"),
        Some("application/json-seq"),
        Some("application/x-json"),
        Some("application/+json"),
        Some("text/plain"),
        Some("text/json"),
        Some("application/json; charset=latin1"),
        Some("multipart/form-data; boundary=x"),
        Some(""),
        None,
    ] {
        let r = t
            .raw(request(Method::POST, "/api/v1/products", ct, product("NO")))
            .await;
        r.refused(415, "unsupported_media_type", "Content-Type");
    }
    // Sign-in is a JSON endpoint too (a form post cannot sign anyone in).
    let mut req = request(
        Method::POST,
        "/api/v1/session",
        Some("text/plain"),
        json!({"email": "a@example.com", "password": "x"}).to_string(),
    );
    req.headers_mut().remove("authorization");
    t.raw(req).await.refused(415, "unsupported_media_type", "Content-Type");
    let products = t.get("/api/v1/products").await.ok();
    let skus: Vec<&str> = products.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|p| p["sku"].as_str())
        .collect();
    assert!(!skus.contains(&"NO"), "a refused body created nothing: {skus:?}");
}

async fn header_faults_name_the_header(t: TestApp) {
    let w = t.world().await;
    let patch = json!({"name": "Northwind Health"});
    let path = format!("/api/v1/accounts/{}", w.account);
    let r = t.patch_with(&path, patch.clone(), &[("if-match", "yesterday")]).await;
    r.refused(400, "invalid_if_match", "If-Match");
    let r = t.patch_with(&path, patch.clone(), &[("if-match", "\"v999\"")]).await;
    r.refused(412, "precondition_failed", "If-Match");
    let long = s(256);
    let r = t
        .post_with(
            "/api/v1/products",
            json!({"sku": "K", "name": "P", "list_price": usd("1.00")}),
            &[("idempotency-key", &long)],
        )
        .await;
    r.refused(422, "invalid_value", "Idempotency-Key");
    let r = t
        .raw(request(Method::POST, "/api/v1/products", Some("text/csv"), "sku,name"))
        .await;
    r.refused(415, "unsupported_media_type", "Content-Type");
    // A session request without its CSRF token names X-CSRF-Token.
    let inv = t
        .post(
            "/api/v1/users",
            json!({"email": "csrf@northwind.example", "name": "Cee", "type": "customer",
                   "account_id": w.account, "roles": ["buyer"]}),
        )
        .await
        .ok();
    let token = inv.body["invitation_token"].as_str().expect("token").to_owned();
    let password = "correct horse battery staple 42";
    t.request(
        Method::POST,
        "/api/v1/invitations/accept",
        Some(&json!({"token": token, "password": password})),
        &[("authorization", "")],
    )
    .await
    .ok();
    let login = t
        .request(
            Method::POST,
            "/api/v1/session",
            Some(&json!({"email": "csrf@northwind.example", "password": password})),
            &[("authorization", "")],
        )
        .await
        .ok();
    let cookie = login.headers["set-cookie"]
        .to_str()
        .expect("cookie")
        .split(';')
        .next()
        .expect("pair")
        .to_owned();
    let r = t
        .request(
            Method::POST,
            "/api/v1/orders",
            Some(&json!({"account_id": w.account, "lines": [{"sku": "GLV-NIT-M", "quantity": 1, "ship_to": w.dock}]})),
            &[("authorization", ""), ("cookie", &cookie)],
        )
        .await;
    r.refused(403, "csrf_failed", "X-CSRF-Token");
}

#[track_caller]
fn assert_security_headers(r: &crate::harness::Resp, what: &str, authenticated: bool) {
    let h = |name: &str| r.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("");
    assert_eq!(h("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(h("content-security-policy"), aftercart_api::API_CSP, "{what}");
    assert!(h("content-security-policy").contains("default-src 'none'"), "{what}");
    assert!(
        h("content-security-policy").contains("frame-ancestors 'none'"),
        "{what}"
    );
    assert_eq!(h("referrer-policy"), "no-referrer", "{what}");
    if authenticated {
        assert_eq!(h("cache-control"), "no-store", "{what}");
    }
}

async fn security_headers_on_every_response(t: TestApp) {
    let w = t.world().await;
    let ok = t.get(&format!("/api/v1/accounts/{}", w.account)).await.ok();
    assert_security_headers(&ok, "200", true);
    let not_found = t.get("/api/v1/no-such-thing").await;
    assert_eq!(not_found.status, 404);
    assert_security_headers(&not_found, "404", true);
    let missing = t.get(&format!("/api/v1/orders/{}", uuid::Uuid::now_v7())).await;
    missing.refused(404, "not_found", "");
    assert_security_headers(&missing, "404 resource", true);
    let unauth = t
        .request(
            Method::GET,
            "/api/v1/orders",
            None,
            &[("authorization", "Bearer wrong-key-123")],
        )
        .await;
    unauth.refused(401, "unauthenticated", "");
    assert_security_headers(&unauth, "401", true);
    let problem = t
        .post("/api/v1/orders", json!({"account_id": w.account, "lines": "x"}))
        .await;
    assert_eq!(problem.status, 422);
    assert_security_headers(&problem, "422", true);
    let too_big = t
        .raw(request(
            Method::POST,
            "/api/v1/orders",
            Some("application/json"),
            s(aftercart_api::extract::MAX_BODY_BYTES + 1),
        ))
        .await;
    assert_eq!(too_big.status, 413);
    assert_security_headers(&too_big, "413", true);
    // Public documents carry the headers too (without credentials they may be cached).
    let doc = t
        .raw(Request::get("/api/v1/openapi.json").body(Body::empty()).expect("req"))
        .await;
    assert_eq!(doc.status, 200);
    assert_security_headers(&doc, "openapi", false);
}

async fn session_cookie_is_secure_unless_dev_cookies(t: TestApp) {
    for dev in [false, true] {
        let state = ApiState {
            app: t.app.clone(),
            keys: Arc::new(vec![(key_hash(KEY), Principal::staff("staff-1", "Sam Staff"))]),
            dev_cookies: dev,
        };
        let cookie = state.session_cookie("tok", 60);
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
            "{cookie}"
        );
        assert_eq!(cookie.contains("Secure"), !dev, "dev_cookies={dev}: {cookie}");
        // Signing out clears the cookie with the same attributes, through the real router.
        let res = tower::ServiceExt::oneshot(
            router(state),
            Request::delete("/api/v1/session")
                .header("authorization", format!("Bearer {KEY}"))
                .body(Body::empty())
                .expect("req"),
        )
        .await
        .expect("router");
        let set = res.headers()["set-cookie"].to_str().expect("cookie").to_owned();
        assert!(set.contains("Max-Age=0"), "{set}");
        assert_eq!(set.contains("Secure"), !dev, "dev_cookies={dev}: {set}");
    }
}

/// Resolves `$ref`s and walks a schema; calls `f(path, schema)` on every string schema.
fn walk_strings(doc: &Value, schema: &Value, path: &str, seen: &mut Vec<String>, f: &mut dyn FnMut(&str, &Value)) {
    if let Some(r) = schema["$ref"].as_str() {
        if seen.iter().any(|s| s == r) {
            return;
        }
        seen.push(r.to_owned());
        let name = r.trim_start_matches("#/components/schemas/");
        walk_strings(doc, &doc["components"]["schemas"][name], path, seen, f);
        seen.pop();
        return;
    }
    let is_string = match &schema["type"] {
        Value::String(t) => t == "string",
        Value::Array(ts) => ts.iter().any(|t| t == "string"),
        _ => false,
    };
    // A UUID's format bounds it, and so does a closed list of values (a tagged union's `type`);
    // every other string needs its own limit.
    if is_string && schema["format"] != "uuid" && !schema["enum"].is_array() {
        f(path, schema);
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        for s in schema[key].as_array().into_iter().flatten() {
            walk_strings(doc, s, path, seen, f);
        }
    }
    if let Some(props) = schema["properties"].as_object() {
        for (k, v) in props {
            walk_strings(doc, v, &format!("{path}.{k}"), seen, f);
        }
    }
    if schema["items"].is_object() {
        walk_strings(doc, &schema["items"], &format!("{path}[]"), seen, f);
    }
    if schema["additionalProperties"].is_object() {
        walk_strings(doc, &schema["additionalProperties"], &format!("{path}.*"), seen, f);
    }
}

fn openapi_json() -> Value {
    serde_json::from_str(&openapi().to_json().expect("json")).expect("parse")
}

fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            if ["get", "put", "post", "delete", "patch", "head", "options"].contains(&method.as_str()) {
                out.push((method.clone(), path.clone(), op));
            }
        }
    }
    out
}

#[test]
fn every_string_in_every_request_body_has_a_max_length() {
    let doc = openapi_json();
    let mut missing = Vec::new();
    let mut checked = 0;
    for (method, path, op) in operations(&doc) {
        let Some(content) = op["requestBody"]["content"].as_object() else {
            continue;
        };
        for (media, c) in content {
            walk_strings(
                &doc,
                &c["schema"],
                &format!("{method} {path} {media}"),
                &mut Vec::new(),
                &mut |p, s| {
                    checked += 1;
                    if !s["maxLength"].is_u64() {
                        missing.push(p.to_owned());
                    }
                },
            );
        }
    }
    // Query parameters and the Idempotency-Key header are text inputs too.
    let mut params = BTreeSet::new();
    for (method, path, op) in operations(&doc) {
        for p in op["parameters"].as_array().into_iter().flatten() {
            let name = p["name"].as_str().unwrap_or("");
            if p["in"] == "query" || name == "Idempotency-Key" {
                let at = format!("{method} {path} ?{name}");
                walk_strings(&doc, &p["schema"], &at, &mut Vec::new(), &mut |p, s| {
                    checked += 1;
                    params.insert(name.to_owned());
                    if !s["maxLength"].is_u64() {
                        missing.push(p.to_owned());
                    }
                });
            }
        }
    }
    assert!(checked > 50, "the walk found the request strings ({checked})");
    for p in ["Idempotency-Key", "status", "cursor", "group_by"] {
        assert!(params.contains(p), "the walk checked ?{p}: {params:?}");
    }
    assert!(
        missing.is_empty(),
        "request strings without maxLength:\n{}",
        missing.join("\n")
    );
}

#[test]
fn every_operation_documents_the_common_problem_responses() {
    let doc = openapi_json();
    for (method, path, op) in operations(&doc) {
        for (status, _) in COMMON_PROBLEM_STATUSES {
            let r = &op["responses"][status.to_string()];
            assert!(r.is_object(), "{method} {path} does not document {status}");
            let content = r["content"].as_object().expect("content");
            let problem = content
                .get("application/problem+json")
                .unwrap_or_else(|| panic!("{method} {path} {status}: {content:?}"));
            assert_eq!(
                problem["schema"]["$ref"], "#/components/schemas/Problem",
                "{method} {path} {status}"
            );
        }
    }
    let codes: BTreeSet<&str> = doc["components"]["schemas"]["Problem"]["properties"]["code"]["enum"]
        .as_array()
        .expect("Problem.code enum")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let listed: BTreeSet<&str> = PROBLEM_CODES.iter().map(|(c, _)| *c).collect();
    assert_eq!(codes, listed);
}

/// Problem codes the source can send: string literals passed to `ApiError::new`/`header`, and
/// every `ErrorCode::as_str` arm of the domain.
fn codes_in_source() -> BTreeSet<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    let mut stack = vec![root.join("api/src"), root.join("app/src")];
    // A later portal crate sends problems through the same ApiError.
    if root.join("web/src").exists() {
        stack.push(root.join("web/src"));
    }
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                files.push(std::fs::read_to_string(&p).expect("read"));
            }
        }
    }
    let literal_after = |text: &str| -> Option<String> {
        let start = text.find('"')?;
        let rest = &text[start + 1..];
        let end = rest.find('"')?;
        Some(rest[..end].to_owned())
    };
    let mut out = BTreeSet::new();
    for text in &files {
        for marker in ["ApiError::new(", "ApiError::header("] {
            for (i, _) in text.match_indices(marker) {
                let args = &text[i + marker.len()..];
                // The code is the first string literal after the status argument.
                let Some(comma) = args.find(',') else { continue };
                let after = &args[comma + 1..];
                if let Some(code) = literal_after(after)
                    && after.trim_start().starts_with('"')
                {
                    out.insert(code);
                }
            }
        }
        // `ApiError { code: "…", … }` literals (the api crate; elsewhere `code:` names other things).
        if text.contains("ApiError {") {
            for (i, _) in text.match_indices("code: \"") {
                if let Some(code) = literal_after(&text[i..]) {
                    out.insert(code);
                }
            }
        }
    }
    let domain = std::fs::read_to_string(root.join("domain/src/error.rs")).expect("domain errors");
    let arms = domain.split("fn as_str").nth(1).expect("as_str");
    let arms = &arms[..arms.find("\n    }\n").unwrap_or(arms.len())];
    for line in arms.lines() {
        if let Some((_, rhs)) = line.split_once("=>")
            && let Some(code) = literal_after(rhs)
        {
            out.insert(code);
        }
    }
    out
}

#[test]
fn every_problem_code_the_server_sends_is_documented() {
    let sent = codes_in_source();
    assert!(
        sent.contains("over_shipment") && sent.contains("unsupported_media_type"),
        "{sent:?}"
    );
    let listed: BTreeSet<String> = PROBLEM_CODES.iter().map(|(c, _)| (*c).to_owned()).collect();
    let undocumented: Vec<&String> = sent.difference(&listed).collect();
    assert!(
        undocumented.is_empty(),
        "codes sent but missing from PROBLEM_CODES (crates/api/src/error.rs): {undocumented:?}"
    );
    let readme = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
        .expect("README");
    let (_, section) = readme
        .split_once("**Problem codes**")
        .expect("README has a 'Problem codes' list");
    let missing: Vec<&String> = listed.iter().filter(|c| !section.contains(&format!("`{c}`"))).collect();
    assert!(missing.is_empty(), "codes missing from README.md's list: {missing:?}");
    // And the list only holds codes that exist (a stale entry is a lie to integrators).
    let unused: Vec<&String> = listed.difference(&sent).filter(|c| c.as_str() != "internal").collect();
    assert!(unused.is_empty(), "PROBLEM_CODES lists codes nothing sends: {unused:?}");
}

#[test]
fn text_limits_table_in_readme_matches_the_code() {
    let readme = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
        .expect("README");
    for k in TextKind::ALL {
        let row = format!("| {} | {} |", k.label(), k.max_chars());
        assert!(
            readme.contains(&row),
            "README.md's limits table lacks the row starting '{row}'"
        );
    }
}

/// A database created before migration 2 (jsonb documents, a text reason) migrates forward and
/// keeps its data; afterwards it stores U+0000.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_migrates_forward_to_lossless_text() {
    let schema = format!("t_{}", uuid::Uuid::now_v7().simple());
    let (client, conn) = tokio_postgres::connect(&pg_url(), tokio_postgres::NoTls)
        .await
        .expect("PostgreSQL is required for this test");
    tokio::spawn(conn);
    let sep = if pg_url().contains('?') { '&' } else { '?' };
    let url = format!("{}{sep}options=-csearch_path%3D{schema}", pg_url());
    client
        .batch_execute(&format!(
            "CREATE SCHEMA {schema}; SET search_path TO {schema};
             CREATE TABLE schema_migrations (version bigint PRIMARY KEY, applied_at timestamptz NOT NULL);
             {}
             INSERT INTO schema_migrations VALUES (1, now());
             INSERT INTO events(id, at, kind, subject_kind, subject_id, actor_kind, actor_name, reason, data)
             VALUES ('0192e7a0-0000-7000-8000-000000000001', now(), 'order.cancelled', 'order',
                     '0192e7a0-0000-7000-8000-000000000002', 'staff', 'Sam', 'it''s \\ \"late\"', '{{\"a\": 1}}');",
            include_str!("../../../store/migrations/postgres/0001_init.sql")
        ))
        .await
        .expect("a version-1 database");
    let store = aftercart_store::Store::open(&url).await.expect("open");
    let result = async {
        assert_eq!(
            store.migrate().await.expect("migrate"),
            // Every migration file after the first (later ones are pending too).
            std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../store/migrations/postgres"))
                .expect("migrations")
                .count()
                - 1,
            "only the migrations after 1 are pending"
        );
        let subject = uuid::Uuid::parse_str("0192e7a0-0000-7000-8000-000000000002").expect("uuid");
        let rows = store
            .events(aftercart_store::EventFilter::Subject(subject), 0, 10)
            .await
            .expect("events");
        assert_eq!(rows[0].reason.as_deref(), Some("it's \\ \"late\""));
        assert_eq!(
            serde_json::from_str::<Value>(&rows[0].data).expect("json"),
            json!({"a": 1})
        );
        let mut ev = event(subject, "Sam", NASTY);
        store
            .commit(aftercart_store::Commit {
                events: vec![ev.clone()],
                ..Default::default()
            })
            .await
            .expect("a NUL in free text is stored");
        let rows = store
            .events(aftercart_store::EventFilter::Subject(subject), 0, 10)
            .await
            .expect("events");
        assert_eq!(rows[1].reason.as_deref(), Some(NASTY));
        assert_eq!(
            serde_json::from_str::<Value>(&rows[1].data).expect("json")["note"],
            NASTY
        );
        // An identifier column refuses a NUL with a store error naming it, before sending it.
        ev.id = uuid::Uuid::now_v7();
        ev.actor_name = "S\u{0}m".into();
        let err = store
            .commit(aftercart_store::Commit {
                events: vec![ev],
                ..Default::default()
            })
            .await
            .expect_err("refused");
        assert!(err.to_string().contains("actor name"), "{err}");
        assert!(store.by_key("tracking", "1Z\u{0}").await.expect("lookup").is_empty());
    }
    .await;
    let _ = client.batch_execute(&format!("DROP SCHEMA {schema} CASCADE")).await;
    result
}

/// The portal's pages reuse the same layer with the page policy; a page that sets its own policy
/// (e.g. with a nonce) keeps it.
#[tokio::test]
async fn the_security_layer_serves_pages_with_the_page_policy() {
    use axum::routing::get;
    let pages = axum::Router::new()
        .route("/", get(|| async { "<h1>Orders</h1>" }))
        .route(
            "/nonce",
            get(|| async { ([("content-security-policy", "script-src 'nonce-abc'")], "<p>x</p>") }),
        );
    let app = aftercart_api::with_security_headers(pages, aftercart_api::PAGE_CSP);
    let res = tower::ServiceExt::oneshot(
        app.clone(),
        Request::get("/")
            .header("cookie", "s=1")
            .body(Body::empty())
            .expect("req"),
    )
    .await
    .expect("page");
    let h = |name: &str| res.headers()[name].to_str().expect("ascii").to_owned();
    let csp = h("content-security-policy");
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(directive), "{directive} in {csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(h("x-content-type-options"), "nosniff");
    assert_eq!(h("referrer-policy"), "no-referrer");
    assert_eq!(
        h("cache-control"),
        "no-store",
        "a page for a signed-in user is not cached"
    );
    let res = tower::ServiceExt::oneshot(app, Request::get("/nonce").body(Body::empty()).expect("req"))
        .await
        .expect("page");
    assert_eq!(res.headers()["content-security-policy"], "script-src 'nonce-abc'");
    assert!(
        res.headers().get("cache-control").is_none(),
        "anonymous pages may be cached"
    );
}

fn event(subject: uuid::Uuid, actor_name: &str, reason: &str) -> aftercart_store::EventWrite {
    aftercart_store::EventWrite {
        id: uuid::Uuid::now_v7(),
        at: time::OffsetDateTime::now_utc(),
        kind: "order.cancelled".into(),
        subject_kind: "order",
        subject_id: subject,
        account_id: None,
        actor_kind: "staff",
        actor_id: None,
        actor_name: actor_name.into(),
        reason: Some(reason.into()),
        data: json!({"note": reason}).to_string(),
    }
}

/// The store's text contract, the same on both backends: free text (event reasons and data,
/// documents) comes back exactly; a NUL in an identifier column is refused before anything is
/// written; a lookup for one finds nothing.
async fn the_store_keeps_free_text_and_refuses_nul_in_identifiers(t: TestApp) {
    use aftercart_store::{Commit, EventFilter, KeyWrite};
    let store = &t.app.store;
    let subject = uuid::Uuid::now_v7();
    store
        .commit(Commit {
            events: vec![event(subject, "Sam", NASTY)],
            ..Default::default()
        })
        .await
        .expect("free text with U+0000 is stored");
    let rows = store
        .events(EventFilter::Subject(subject), 0, 10)
        .await
        .expect("events");
    assert_eq!(rows[0].reason.as_deref(), Some(NASTY));
    assert_eq!(
        serde_json::from_str::<Value>(&rows[0].data).expect("json")["note"],
        NASTY
    );
    let err = store
        .commit(Commit {
            events: vec![event(subject, "S\u{0}m", "fine")],
            keys: vec![KeyWrite {
                kind: "tracking",
                key: "1Z".into(),
                doc_id: subject,
            }],
            ..Default::default()
        })
        .await
        .expect_err("an identifier with U+0000 is refused");
    assert!(err.to_string().contains("actor name"), "{err}");
    assert!(
        store.by_key("tracking", "1Z").await.expect("lookup").is_empty(),
        "nothing was written"
    );
    assert_eq!(
        store
            .events(EventFilter::Subject(subject), 0, 10)
            .await
            .expect("events")
            .len(),
        1
    );
    assert!(store.by_key("tracking", "1Z\u{0}").await.expect("lookup").is_empty());
    assert!(store.by_number("order", "SO\u{0}1").await.expect("lookup").is_none());
}

/// utoipa keys components by the type's bare name, so two `ToSchema` types called the same in
/// different modules silently share one schema (the last wins) and responses are documented
/// with the other's fields. Every schema type name in the API crate must be unique.
#[test]
fn no_two_schema_types_share_a_name() {
    fn walk(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&p).unwrap();
                let mut derive = false;
                for line in text.lines() {
                    let l = line.trim();
                    if l.starts_with("#[derive(") && l.contains("ToSchema") {
                        derive = true;
                    } else if derive && (l.starts_with("pub struct ") || l.starts_with("pub enum ")) {
                        let name: String = l
                            .split_whitespace()
                            .nth(2)
                            .unwrap_or("")
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect();
                        out.push((name, p.display().to_string()));
                        derive = false;
                    } else if derive && !l.starts_with('#') && !l.starts_with("//") {
                        derive = false;
                    }
                }
            }
        }
    }
    let mut found = Vec::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut found,
    );
    assert!(found.len() > 50, "the scan found only {} schema types", found.len());
    let mut by_name: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for (n, f) in &found {
        by_name.entry(n).or_default().push(f);
    }
    let dup: Vec<_> = by_name.iter().filter(|(_, fs)| fs.len() > 1).collect();
    assert!(dup.is_empty(), "schema names used twice: {dup:?}");
}
