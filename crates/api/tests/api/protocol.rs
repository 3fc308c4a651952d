// The API's conventions on both stores: Idempotency-Key replay, ETag / If-Match, cursor
// pagination and list filters, the OpenAPI document, /healthz, timeline paging and scope, and
// tracking-event de-duplication and ordering.

use crate::harness::{Resp, TestApp, World, usd};
use axum::http::Method;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::Arc;
use time::macros::datetime;

const ORDERS: &str = "/api/v1/orders";
const TRACKING: &str = "/api/v1/tracking-events";

/// The body `TestApp::order` posts: gloves (line 1, to the dock) and towels (line 2, to the store).
fn order_body(w: &World, gloves: i64, towels: i64) -> Value {
    json!({
        "account_id": w.account, "po_number": "PO-7781",
        "lines": [
            {"product_id": w.gloves, "quantity": gloves, "ship_to": w.dock, "requested_date": "2026-11-27", "cost_centre": "CC-ER"},
            {"sku": "TWL-C-12", "quantity": towels, "ship_to": w.store, "requested_date": "2026-11-27"}
        ]
    })
}

/// One line of gloves to `ship_to`, placed at `placed_at` (RFC 3339).
fn simple_order(account: &str, product: &str, ship_to: &str, placed_at: &str) -> Value {
    json!({"account_id": account, "placed_at": placed_at, "lines": [{"product_id": product, "quantity": 2, "ship_to": ship_to}]})
}

fn key(k: &str) -> [(&'static str, &str); 1] {
    [("idempotency-key", k)]
}

fn items(r: &Resp) -> &Vec<Value> {
    r.body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items in {}", r.body))
}

fn ids(r: &Resp) -> Vec<String> {
    items(r)
        .iter()
        .map(|i| i["id"].as_str().expect("id").to_owned())
        .collect()
}

fn kinds(r: &Resp) -> Vec<String> {
    items(r)
        .iter()
        .map(|i| i["kind"].as_str().expect("kind").to_owned())
        .collect()
}

fn seqs(r: &Resp) -> Vec<i64> {
    items(r).iter().map(|i| i["seq"].as_i64().expect("seq")).collect()
}

fn count(kinds: &[String], kind: &str) -> usize {
    kinds.iter().filter(|k| *k == kind).count()
}

fn replayed(r: &Resp) -> bool {
    r.headers.get("idempotent-replayed").and_then(|v| v.to_str().ok()) == Some("true")
}

/// Ids of a list, sorted, for set comparisons.
async fn id_set(t: &TestApp, path: &str) -> BTreeSet<String> {
    ids(&t.get(path).await.ok()).into_iter().collect()
}

fn set(v: &[&String]) -> BTreeSet<String> {
    v.iter().map(|s| (*s).clone()).collect()
}

async fn allocate(t: &TestApp, order: &str, line: u32, location: &str, quantity: i64) -> Resp {
    t.post(
        &format!("{ORDERS}/{order}/allocations"),
        json!({"line": line, "fulfilment_location_id": location, "quantity": quantity}),
    )
    .await
}

async fn invoice(t: &TestApp, account: &str, order: &str, quantity: i64, issued_on: &str) -> Resp {
    t.post(
        "/api/v1/invoices",
        json!({"account_id": account, "currency": "USD", "issued_on": issued_on,
               "lines": [{"order_id": order, "order_line": 1, "quantity": quantity, "unit_price": usd("11.75")}]}),
    )
    .await
    .ok()
}

async fn ship(t: &TestApp, w: &World, order: &str, quantity: i64, tracking: &str) -> String {
    t.post(
        "/api/v1/shipments",
        json!({"order_id": order, "from_location_id": w.dallas, "to_location_id": w.dock, "lines": [{"line": 1, "quantity": quantity}],
               "carrier": "UPS", "tracking_number": tracking}),
    )
    .await
    .ok()
    .id()
}

async fn order_timeline(t: &TestApp, order: &str) -> Vec<String> {
    kinds(&t.get(&format!("{ORDERS}/{order}/timeline")).await.ok())
}

// ---------------------------------------------------------------------------------------------
// 1. Idempotency-Key

async fn idempotent_order_replay(t: TestApp) {
    let w = t.world().await;
    let body = order_body(&w, 10, 4);
    let first = t.post_with(ORDERS, body.clone(), &key("order-key-1")).await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert!(!replayed(&first), "the first response is not a replay");
    let oid = first.id();

    let again = t.post_with(ORDERS, body.clone(), &key("order-key-1")).await;
    assert_eq!(again.status, 201, "a replay has the first status: {}", again.body);
    assert!(
        replayed(&again),
        "idempotent-replayed: true; headers {:?}",
        again.headers
    );
    assert_eq!(again.body, first.body, "a replay has the first body");
    assert_eq!(
        again.headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/json")
    );

    let list = t.get(&format!("{ORDERS}?account_id={}", w.account)).await.ok();
    assert_eq!(ids(&list), [oid.as_str()], "one order exists");
    let tl = t.get(&format!("/api/v1/accounts/{}/timeline", w.account)).await.ok();
    assert_eq!(count(&kinds(&tl), "order.placed"), 1, "one order.placed event");

    // The same key with a different body is refused, and nothing is placed.
    let changed = t.post_with(ORDERS, order_body(&w, 11, 4), &key("order-key-1")).await;
    changed.refused(422, "idempotency_key_reused", "Idempotency-Key");
    // The same key on another route is a different request too (the hash covers method and path).
    let pay = json!({"account_id": w.account, "method": "ach", "amount": usd("1.00"), "applications": []});
    t.post_with("/api/v1/payments", pay, &key("order-key-1")).await.refused(
        422,
        "idempotency_key_reused",
        "Idempotency-Key",
    );
    assert!(ids(&t.get(&format!("/api/v1/payments?account_id={}", w.account)).await.ok()).is_empty());
    // A blank key is not a key.
    t.post_with(ORDERS, body.clone(), &key("   "))
        .await
        .refused(422, "invalid_value", "Idempotency-Key");

    // The replay is the stored first response even after the order changed.
    allocate(&t, &oid, 1, &w.dallas, 10).await.ok();
    let later = t.post_with(ORDERS, body.clone(), &key("order-key-1")).await;
    assert!(replayed(&later));
    assert_eq!(later.body, first.body);
    assert_eq!(later.body["version"], 1);

    // A different key with the same body is a new order: keys, not bodies, identify retries.
    let second = t.post_with(ORDERS, body, &key("order-key-2")).await.ok();
    assert_ne!(second.id(), oid);
    assert!(!replayed(&second));
    let list = t.get(&format!("{ORDERS}?account_id={}", w.account)).await.ok();
    assert_eq!(ids(&list).len(), 2);
}

async fn idempotency_refused_request_is_not_stored(t: TestApp) {
    let w = t.world().await;
    let oid = t.order(&w, 10, 4).await.id();
    let path = format!("{ORDERS}/{oid}/allocations");
    let over = json!({"line": 1, "fulfilment_location_id": w.dallas, "quantity": 11});
    let r = t.post_with(&path, over.clone(), &key("alloc-1")).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "over_allocation"), "{}", r.body);
    // Nothing was committed, so no record: the same refused request is evaluated again (not replayed)...
    let r = t.post_with(&path, over, &key("alloc-1")).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "over_allocation"), "{}", r.body);
    assert!(!replayed(&r));
    // ...and a corrected retry with the same key succeeds (not `idempotency_key_reused`).
    let fixed = json!({"line": 1, "fulfilment_location_id": w.dallas, "quantity": 10});
    let ok = t.post_with(&path, fixed.clone(), &key("alloc-1")).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert!(!replayed(&ok));
    assert_eq!(ok.body["lines"][0]["ledger"]["allocated"], 10);
    assert_eq!(ok.etag(), "\"v2\"");
    // From now on the key replays the success and allocates nothing more.
    let again = t.post_with(&path, fixed, &key("alloc-1")).await;
    assert!(replayed(&again));
    assert_eq!(again.status, 200);
    assert_eq!(again.body, ok.body);
    let now = t.get(&format!("{ORDERS}/{oid}")).await.ok();
    assert_eq!(now.etag(), "\"v2\"", "the replay changed nothing");
    assert_eq!(now.body["lines"][0]["ledger"]["allocated"], 10);
    assert_eq!(count(&order_timeline(&t, &oid).await, "line.allocated"), 1);
}

async fn idempotent_payment_applied_once(t: TestApp) {
    let w = t.world().await;
    let oid = t.order(&w, 10, 4).await.id();
    let inv = invoice(&t, &w.account, &oid, 10, "2026-11-20").await;
    let iid = inv.id();
    assert_eq!(inv.body["total"], usd("117.50"));
    let pay = json!({"account_id": w.account, "method": "ach", "amount": usd("50.00"), "reference": "ACH-1",
                     "applications": [{"invoice_id": iid, "amount": usd("50.00")}]});
    let first = t.post_with("/api/v1/payments", pay.clone(), &key("pay-1")).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let again = t.post_with("/api/v1/payments", pay.clone(), &key("pay-1")).await;
    assert_eq!(again.status, 201);
    assert!(replayed(&again));
    assert_eq!(again.body, first.body);

    let inv = t.get(&format!("/api/v1/invoices/{iid}")).await.ok();
    assert_eq!(inv.body["balance"], usd("67.50"), "the payment applied once");
    assert_eq!(inv.body["status"], "partially_paid");
    assert_eq!(inv.body["applications"].as_array().map(Vec::len), Some(1));
    let payments = t.get(&format!("/api/v1/payments?account_id={}", w.account)).await.ok();
    assert_eq!(ids(&payments), [first.id()]);
    let itl = t.get(&format!("/api/v1/invoices/{iid}/timeline")).await.ok();
    assert_eq!(kinds(&itl), ["invoice.issued", "invoice.payment_applied"]);
    // The same key for a credit memo is a different request.
    let memo = json!({"account_id": w.account, "invoice_id": iid, "amount": usd("5.00"), "reason": "damaged"});
    t.post_with("/api/v1/credit-memos", memo, &key("pay-1")).await.refused(
        422,
        "idempotency_key_reused",
        "Idempotency-Key",
    );
    let inv = t.get(&format!("/api/v1/invoices/{iid}")).await.ok();
    assert_eq!(inv.body["balance"], usd("67.50"));
}

async fn idempotency_concurrent_same_key(t: TestApp) {
    let w = t.world().await;
    let body = order_body(&w, 3, 1);
    let t = Arc::new(t);
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (t, body) = (t.clone(), body.clone());
            tokio::spawn(async move { t.post_with(ORDERS, body, &key("race-1")).await })
        })
        .collect();
    let mut created = Vec::new();
    for task in tasks {
        let r = task.await.expect("request task");
        // The losers of the race replay the winner's response (its commit is durable once the
        // key's unique index refuses theirs): no `409 idempotency_in_progress` for the same body.
        match r.status.as_u16() {
            201 => created.push(r.id()),
            s => panic!("unexpected {s}: {}", r.body),
        }
    }
    assert_eq!(created.len(), 8, "every request answers with the order");
    assert!(
        created.iter().all(|id| *id == created[0]),
        "every 201 names the same order: {created:?}"
    );
    let list = t.get(&format!("{ORDERS}?account_id={}", w.account)).await.ok();
    assert_eq!(ids(&list), [created[0].as_str()], "exactly one order");
    let tl = t.get(&format!("/api/v1/accounts/{}/timeline", w.account)).await.ok();
    assert_eq!(count(&kinds(&tl), "order.placed"), 1);
    // Afterwards the key replays.
    let r = t.post_with(ORDERS, body, &key("race-1")).await;
    assert!(replayed(&r));
    assert_eq!(r.id(), created[0]);
}

// ---------------------------------------------------------------------------------------------
// 2. ETag / If-Match

async fn etags_and_if_match(t: TestApp) {
    let acct = t
        .post(
            "/api/v1/accounts",
            json!({"name": "Fabrikam", "currency": "USD", "payment_terms_days": 30, "credit_limit": usd("1000.00"),
                   "locations": [{"kind": "both", "name": "Fabrikam HQ", "city": "Austin"}]}),
        )
        .await
        .ok();
    assert_eq!(acct.etag(), "\"v1\"");
    let path = format!("/api/v1/accounts/{}", acct.id());
    let got = t.get(&path).await.ok();
    assert_eq!(got.etag(), "\"v1\"");
    assert_eq!(got.body["version"], 1);

    let p = t
        .patch_with(&path, json!({"name": "Fabrikam Inc."}), &[("if-match", "\"v1\"")])
        .await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert_eq!(p.etag(), "\"v2\"");
    assert_eq!(p.body["name"], "Fabrikam Inc.");
    let stale = t
        .patch_with(&path, json!({"name": "Lost update"}), &[("if-match", "\"v1\"")])
        .await;
    stale.refused(412, "precondition_failed", "If-Match");
    let star = t
        .patch_with(&path, json!({"payment_terms_days": 45}), &[("if-match", "*")])
        .await;
    assert_eq!(star.status, 200, "{}", star.body);
    assert_eq!(star.etag(), "\"v3\"");
    t.patch_with(&path, json!({"name": "x"}), &[("if-match", "not-an-etag")])
        .await
        .refused(400, "invalid_if_match", "If-Match");
    // If-Match compares strongly: a weak tag never matches, even of the current version.
    t.patch_with(&path, json!({"name": "x"}), &[("if-match", "W/\"v3\"")])
        .await
        .refused(412, "precondition_failed", "If-Match");
    let got = t.get(&path).await.ok();
    assert_eq!(got.etag(), "\"v3\"");
    assert_eq!(got.body["name"], "Fabrikam Inc.", "the stale PATCH changed nothing");
    assert_eq!(got.body["payment_terms_days"], 45);

    // Orders: every change bumps the ETag, and the status answer carries it.
    let w = t.world().await;
    let o = t.order(&w, 10, 4).await;
    assert_eq!(o.etag(), "\"v1\"");
    let oid = o.id();
    let status_path = format!("{ORDERS}/{oid}/status");
    assert_eq!(t.get(&status_path).await.ok().etag(), "\"v1\"");
    let a = allocate(&t, &oid, 1, &w.dallas, 6).await.ok();
    assert_eq!(a.etag(), "\"v2\"");
    assert_eq!(a.body["version"], 2);
    assert_eq!(t.get(&format!("{ORDERS}/{oid}")).await.ok().etag(), "\"v2\"");
    assert_eq!(t.get(&status_path).await.ok().etag(), "\"v2\"");
    let alloc = json!({"line": 1, "fulfilment_location_id": w.reno, "quantity": 4});
    let alloc_path = format!("{ORDERS}/{oid}/allocations");
    t.post_with(&alloc_path, alloc.clone(), &[("if-match", "\"v1\"")])
        .await
        .refused(412, "precondition_failed", "If-Match");
    let b = t.post_with(&alloc_path, alloc, &[("if-match", "\"v2\"")]).await.ok();
    assert_eq!(b.etag(), "\"v3\"");
    assert_eq!(t.get(&status_path).await.ok().etag(), "\"v3\"");
    assert_eq!(b.body["lines"][0]["ledger"]["allocated"], 10);
}

// ---------------------------------------------------------------------------------------------
// 3. Cursor pagination and list filters

async fn cursor_pagination(t: TestApp) {
    let w = t.world().await;
    let mut placed = Vec::new();
    for _ in 0..7 {
        placed.push(t.order(&w, 1, 1).await.id());
    }
    t.post(
        ORDERS,
        simple_order(&w.other_account, &w.gloves, &w.other_ship_to, "2026-11-20T12:00:00Z"),
    )
    .await
    .ok();

    let mut pages = Vec::new();
    let mut path = format!("{ORDERS}?account_id={}&limit=3", w.account);
    loop {
        let r = t.get(&path).await.ok();
        pages.push(ids(&r));
        match r.body["next_cursor"].as_str() {
            Some(c) => path = format!("{ORDERS}?account_id={}&limit=3&cursor={c}", w.account),
            None => {
                assert!(
                    r.body.get("next_cursor").is_none(),
                    "the last page has no next_cursor: {}",
                    r.body
                );
                break;
            }
        }
        assert!(pages.len() < 10, "cursor loop");
    }
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [3, 3, 1]);
    let all: Vec<String> = pages.concat();
    let distinct: BTreeSet<&String> = all.iter().collect();
    assert_eq!(distinct.len(), 7);
    let newest_first: Vec<String> = placed.iter().rev().cloned().collect();
    assert_eq!(all, newest_first, "newest first");

    // Exactly a page's worth leaves no cursor behind.
    let r = t.get(&format!("{ORDERS}?account_id={}&limit=7", w.account)).await.ok();
    assert_eq!(ids(&r).len(), 7);
    assert!(r.body.get("next_cursor").is_none(), "{}", r.body);
    // Without an account filter, the other account's order is there too.
    assert_eq!(ids(&t.get(&format!("{ORDERS}?limit=500")).await.ok()).len(), 8);

    t.get(&format!("{ORDERS}?cursor=not-a-cursor"))
        .await
        .refused(422, "invalid_value", "cursor");
    t.get(&format!("{ORDERS}?limit=0"))
        .await
        .refused(422, "invalid_value", "limit");
    t.get(&format!("{ORDERS}?limit=501"))
        .await
        .refused(422, "invalid_value", "limit");
}

async fn order_list_filters(t: TestApp) {
    let w = t.world().await;
    let october = t
        .post(
            ORDERS,
            simple_order(&w.account, &w.gloves, &w.dock, "2026-10-01T10:00:00Z"),
        )
        .await
        .ok()
        .id();
    let november = t
        .post(
            ORDERS,
            simple_order(&w.account, &w.gloves, &w.store, "2026-11-01T10:00:00Z"),
        )
        .await
        .ok();
    assert_eq!(november.body["placed_at"], "2026-11-01T10:00:00Z");
    let november = november.id();
    let mid = t
        .post(
            ORDERS,
            simple_order(&w.account, &w.gloves, &w.clinic, "2026-11-15T10:00:00Z"),
        )
        .await
        .ok()
        .id();
    let other = t
        .post(
            ORDERS,
            simple_order(&w.other_account, &w.gloves, &w.other_ship_to, "2026-11-01T10:00:00Z"),
        )
        .await
        .ok()
        .id();
    let acct = format!("{ORDERS}?account_id={}", w.account);

    // Account filter.
    assert_eq!(id_set(&t, &acct).await, set(&[&october, &november, &mid]));
    assert_eq!(
        id_set(&t, &format!("{ORDERS}?account_id={}", w.other_account)).await,
        set(&[&other])
    );

    // Business time: `from` inclusive, `to` exclusive, dates or RFC 3339.
    assert_eq!(
        id_set(&t, &format!("{acct}&from=2026-11-01&to=2026-11-15")).await,
        set(&[&november])
    );
    assert_eq!(
        id_set(&t, &format!("{acct}&from=2026-11-01")).await,
        set(&[&november, &mid])
    );
    assert_eq!(id_set(&t, &format!("{acct}&to=2026-11-01")).await, set(&[&october]));
    assert_eq!(
        id_set(&t, &format!("{acct}&from=2026-11-01T10:00:00Z&to=2026-11-15T10:00:00Z")).await,
        set(&[&november])
    );
    assert_eq!(
        id_set(&t, &format!("{acct}&from=2026-11-01T10:00:01Z")).await,
        set(&[&mid])
    );
    assert_eq!(
        id_set(&t, &format!("{ORDERS}?from=2026-11-01&to=2026-11-02")).await,
        set(&[&november, &other])
    );
    t.get(&format!("{ORDERS}?from=yesterday"))
        .await
        .refused(422, "invalid_value", "from");

    // Status: allocate one order fully.
    allocate(&t, &october, 1, &w.dallas, 2).await.ok();
    assert_eq!(id_set(&t, &format!("{acct}&status=allocated")).await, set(&[&october]));
    assert_eq!(
        id_set(&t, &format!("{acct}&status=pending")).await,
        set(&[&november, &mid])
    );
    assert_eq!(
        id_set(&t, &format!("{ORDERS}?status=pending")).await,
        set(&[&november, &mid, &other])
    );

    // Ship-to location (each line may ship elsewhere; an order is listed under each of them).
    assert_eq!(
        id_set(&t, &format!("{ORDERS}?location_id={}", w.clinic)).await,
        set(&[&mid])
    );
    assert_eq!(
        id_set(&t, &format!("{ORDERS}?location_id={}", w.dock)).await,
        set(&[&october])
    );
    let both = t.order(&w, 1, 1).await.id();
    assert_eq!(
        id_set(&t, &format!("{ORDERS}?location_id={}", w.dock)).await,
        set(&[&october, &both])
    );
    assert_eq!(
        id_set(&t, &format!("{ORDERS}?location_id={}", w.store)).await,
        set(&[&november, &both])
    );
    assert_eq!(
        id_set(&t, &format!("{ORDERS}?location_id={}&status=pending", w.dock)).await,
        set(&[&both])
    );
    assert!(
        id_set(
            &t,
            &format!("{ORDERS}?location_id={}&account_id={}", w.dock, w.other_account)
        )
        .await
        .is_empty()
    );
    // Two lines to the same location list the order once.
    let twice = t
        .post(
            ORDERS,
            json!({"account_id": w.account, "lines": [
                {"product_id": w.gloves, "quantity": 1, "ship_to": w.clinic},
                {"product_id": w.towels, "quantity": 1, "ship_to": w.clinic}]}),
        )
        .await
        .ok()
        .id();
    let r = t.get(&format!("{ORDERS}?location_id={}", w.clinic)).await.ok();
    assert_eq!(ids(&r), [twice, mid]);
}

async fn billing_and_shipment_list_filters(t: TestApp) {
    let w = t.world().await;
    let o1 = t.order(&w, 10, 4).await.id();
    let o2 = t.order(&w, 10, 4).await.id();
    let o3 = t.order(&w, 10, 4).await.id();
    let other_order = t
        .post(
            ORDERS,
            simple_order(&w.other_account, &w.gloves, &w.other_ship_to, "2026-11-20T12:00:00Z"),
        )
        .await
        .ok()
        .id();

    let early = invoice(&t, &w.account, &o1, 2, "2026-11-01").await; // due 2026-12-01
    assert_eq!(early.body["due_on"], "2026-12-01");
    let early = early.id();
    let late = invoice(&t, &w.account, &o2, 2, "2026-11-20").await.id(); // due 2026-12-20
    let paid = invoice(&t, &w.account, &o3, 2, "2026-11-10").await.id(); // 23.50
    let theirs = invoice(&t, &w.other_account, &other_order, 2, "2026-10-01").await.id(); // due 2026-10-16: overdue
    let pay = t
        .post(
            "/api/v1/payments",
            json!({"account_id": w.account, "method": "wire", "amount": usd("23.50"), "applications": [{"invoice_id": paid, "amount": usd("23.50")}]}),
        )
        .await
        .ok()
        .id();
    let their_pay = t
        .post(
            "/api/v1/payments",
            json!({"account_id": w.other_account, "method": "card", "amount": usd("5.00"), "applications": []}),
        )
        .await
        .ok()
        .id();
    let memo = t
        .post(
            "/api/v1/credit-memos",
            json!({"account_id": w.account, "amount": usd("3.00"), "reason": "goodwill"}),
        )
        .await
        .ok()
        .id();
    let their_memo = t
        .post(
            "/api/v1/credit-memos",
            json!({"account_id": w.other_account, "amount": usd("4.00"), "reason": "goodwill"}),
        )
        .await
        .ok()
        .id();

    let inv = format!("/api/v1/invoices?account_id={}", w.account);
    assert_eq!(id_set(&t, &inv).await, set(&[&early, &late, &paid]));
    assert_eq!(id_set(&t, &format!("{inv}&status=open")).await, set(&[&early, &late]));
    assert_eq!(id_set(&t, &format!("{inv}&status=paid")).await, set(&[&paid]));
    assert!(
        id_set(&t, &format!("{inv}&status=overdue")).await.is_empty(),
        "nothing is past due on Nov 20"
    );
    assert_eq!(id_set(&t, "/api/v1/invoices?status=overdue").await, set(&[&theirs]));
    let r = t.get(&format!("{inv}&status=paid")).await.ok();
    assert_eq!(items(&r)[0]["status"], "paid");
    t.get("/api/v1/invoices?status=cancelled")
        .await
        .refused(422, "invalid_value", "status");

    // After Dec 1 the early invoice is overdue; it is still open.
    t.clock.set(datetime!(2026-12-05 09:00 UTC));
    let r = t.get(&format!("{inv}&status=overdue")).await.ok();
    assert_eq!(ids(&r), [early.as_str()]);
    assert_eq!(items(&r)[0]["status"], "overdue");
    assert_eq!(items(&r)[0]["days_overdue"], 4);
    assert_eq!(id_set(&t, &format!("{inv}&status=open")).await, set(&[&early, &late]));
    assert_eq!(
        id_set(&t, "/api/v1/invoices?status=overdue").await,
        set(&[&early, &theirs])
    );
    t.clock.set(datetime!(2026-12-21 09:00 UTC));
    assert_eq!(
        id_set(&t, &format!("{inv}&status=overdue")).await,
        set(&[&early, &late])
    );

    // Payments and credit memos by account.
    assert_eq!(
        id_set(&t, &format!("/api/v1/payments?account_id={}", w.account)).await,
        set(&[&pay])
    );
    assert_eq!(
        id_set(&t, &format!("/api/v1/payments?account_id={}", w.other_account)).await,
        set(&[&their_pay])
    );
    assert_eq!(
        id_set(&t, &format!("/api/v1/credit-memos?account_id={}", w.account)).await,
        set(&[&memo])
    );
    assert_eq!(
        id_set(&t, &format!("/api/v1/credit-memos?account_id={}", w.other_account)).await,
        set(&[&their_memo])
    );
    assert_eq!(id_set(&t, "/api/v1/credit-memos").await, set(&[&memo, &their_memo]));

    // Shipments by tracking status.
    allocate(&t, &o1, 1, &w.dallas, 10).await.ok();
    let moving = ship(&t, &w, &o1, 5, "1ZLIST0001").await;
    let waiting = ship(&t, &w, &o1, 5, "1ZLIST0002").await;
    t.post(TRACKING, json!({"events": [{"tracking_number": "1ZLIST0001", "status": "in_transit", "occurred_at": "2026-12-21T10:00:00Z"}]}))
        .await
        .ok();
    let r = t.get("/api/v1/shipments?status=in_transit").await.ok();
    assert_eq!(ids(&r), [moving.as_str()]);
    assert_eq!(items(&r)[0]["tracking_status"], "in_transit");
    assert_eq!(id_set(&t, "/api/v1/shipments?status=pending").await, set(&[&waiting]));
    assert_eq!(
        id_set(&t, &format!("/api/v1/shipments?account_id={}", w.account)).await,
        set(&[&moving, &waiting])
    );
    assert!(
        id_set(&t, &format!("/api/v1/shipments?account_id={}", w.other_account))
            .await
            .is_empty()
    );
    t.get("/api/v1/shipments?status=teleported")
        .await
        .refused(422, "invalid_value", "status");
}

// ---------------------------------------------------------------------------------------------
// 4. OpenAPI

/// Every route registered in `crates/api/src/lib.rs`.
const ENDPOINTS: &[(&str, &str)] = &[
    ("get", "/healthz"),
    ("post", "/api/v1/accounts"),
    ("get", "/api/v1/accounts"),
    ("get", "/api/v1/accounts/{id}"),
    ("patch", "/api/v1/accounts/{id}"),
    ("post", "/api/v1/accounts/{id}/locations"),
    ("put", "/api/v1/accounts/{id}/contract-prices/{product_id}"),
    ("get", "/api/v1/accounts/{id}/open-invoices"),
    ("get", "/api/v1/accounts/{id}/timeline"),
    ("post", "/api/v1/products"),
    ("get", "/api/v1/products"),
    ("get", "/api/v1/products/{id}"),
    ("post", "/api/v1/fulfilment-locations"),
    ("get", "/api/v1/fulfilment-locations"),
    ("get", "/api/v1/fulfilment-locations/{id}"),
    ("post", "/api/v1/orders"),
    ("get", "/api/v1/orders"),
    ("get", "/api/v1/orders/{id}"),
    ("post", "/api/v1/orders/{id}/allocations"),
    ("post", "/api/v1/orders/{id}/backorders"),
    ("post", "/api/v1/orders/{id}/lines/{line}/backorder-date"),
    ("post", "/api/v1/orders/{id}/cancellations"),
    ("get", "/api/v1/orders/{id}/status"),
    ("get", "/api/v1/orders/{id}/timeline"),
    ("post", "/api/v1/shipments"),
    ("get", "/api/v1/shipments"),
    ("get", "/api/v1/shipments/{id}"),
    ("post", "/api/v1/shipments/{id}/receipt"),
    ("post", "/api/v1/tracking-events"),
    ("post", "/api/v1/invoices"),
    ("get", "/api/v1/invoices"),
    ("get", "/api/v1/invoices/{id}"),
    ("get", "/api/v1/invoices/{id}/match"),
    ("get", "/api/v1/invoices/{id}/timeline"),
    ("post", "/api/v1/credit-memos"),
    ("get", "/api/v1/credit-memos"),
    ("get", "/api/v1/credit-memos/{id}"),
    ("post", "/api/v1/payments"),
    ("get", "/api/v1/payments"),
    ("get", "/api/v1/payments/{id}"),
];

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

async fn openapi_document(t: TestApp) {
    let r = t.get("/api/v1/openapi.json").await.ok();
    assert_eq!(r.status, 200);
    assert!(
        r.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.starts_with("application/json")),
        "{:?}",
        r.headers
    );
    let doc = &r.body;
    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.1")),
        "openapi: {}",
        doc["openapi"]
    );
    assert!(
        doc["components"]["securitySchemes"]["api_key"].is_object(),
        "bearer auth is documented"
    );

    let paths = doc["paths"].as_object().expect("paths");
    let mut documented = BTreeSet::new();
    for (path, item) in paths {
        for (method, op) in item.as_object().expect("path item") {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            documented.insert((method.clone(), path.clone()));
            let responses = op["responses"]
                .as_object()
                .unwrap_or_else(|| panic!("{method} {path} has no responses"));
            assert!(
                responses.keys().any(|s| s.starts_with('2')),
                "{method} {path} documents no 2xx response"
            );
            let tags = op["tags"]
                .as_array()
                .unwrap_or_else(|| panic!("{method} {path} has no tags"));
            assert!(!tags.is_empty(), "{method} {path} has no tag");
        }
    }
    let expected: BTreeSet<(String, String)> = ENDPOINTS
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    let missing: Vec<_> = expected.difference(&documented).collect();
    assert!(missing.is_empty(), "served but not documented: {missing:?}");

    // And the other way round: every documented operation is served (a fresh id is "not found",
    // an empty body is invalid, but never "no such endpoint" or 405).
    let fresh = uuid::Uuid::now_v7().to_string();
    for (method, path) in &documented {
        let url = path
            .replace("{id}", &fresh)
            .replace("{product_id}", &fresh)
            .replace("{line}", "1");
        let m = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
        let body = (m != Method::GET).then(|| json!({}));
        let r = t.request(m, &url, body.as_ref(), &[]).await;
        assert_ne!(r.status, 405, "{method} {path} is documented but not served");
        assert!(
            !(r.status == 404 && r.body["detail"] == "no such endpoint"),
            "{method} {path} is documented but not served: {}",
            r.body
        );
    }
    // An unknown path is a problem+json 404.
    t.get("/api/v1/nothing-here").await.refused(404, "not_found", "");
}

// ---------------------------------------------------------------------------------------------
// 5. /healthz

async fn healthz(t: TestApp) {
    let backend = match &t.app.store {
        aftercart_store::Store::Sqlite(_) => "sqlite",
        aftercart_store::Store::Postgres(_) => "postgres",
    };
    let r = t.get("/healthz").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body, json!({"status": "ok", "database": backend}));
    // Liveness needs no API key.
    let anon = t
        .request(Method::GET, "/healthz", None, &[("authorization", "Bearer not-a-key")])
        .await;
    assert_eq!(anon.status, 200);
    assert_eq!(anon.body["status"], "ok");
}

// ---------------------------------------------------------------------------------------------
// 6. Timeline

async fn timeline_paging_and_scope(t: TestApp) {
    let w = t.world().await;
    let oid = t.order(&w, 10, 4).await.id();
    allocate(&t, &oid, 1, &w.dallas, 6).await.ok();
    allocate(&t, &oid, 1, &w.reno, 4).await.ok();
    t.post(
        &format!("{ORDERS}/{oid}/backorders"),
        json!({"line": 2, "quantity": 4, "expected_date": "2026-11-24", "reason": "supplier out of stock"}),
    )
    .await
    .ok();
    t.post(
        &format!("{ORDERS}/{oid}/lines/2/backorder-date"),
        json!({"expected_date": "2026-12-04", "reason": "supplier delay"}),
    )
    .await
    .ok();

    let path = format!("{ORDERS}/{oid}/timeline");
    let full = t.get(&path).await.ok();
    assert_eq!(
        kinds(&full),
        [
            "order.placed",
            "line.allocated",
            "line.allocated",
            "line.backordered",
            "backorder.rescheduled"
        ]
    );
    let s = seqs(&full);
    assert!(s.windows(2).all(|p| p[0] < p[1]), "ordered by seq: {s:?}");
    assert!(full.body["next_after"].is_null(), "nothing more: {}", full.body);
    let all = items(&full).clone();

    // Paging with after + limit returns the following events.
    let p1 = t.get(&format!("{path}?after={}&limit=2", s[0])).await.ok();
    assert_eq!(items(&p1), &all[1..3]);
    assert_eq!(p1.body["next_after"], s[2]);
    let p2 = t.get(&format!("{path}?after={}&limit=2", s[2])).await.ok();
    assert_eq!(items(&p2), &all[3..5]);
    let p3 = t
        .get(&format!(
            "{path}?after={}&limit=2",
            p2.body["next_after"].as_i64().expect("next_after")
        ))
        .await
        .ok();
    assert!(items(&p3).is_empty());
    assert!(p3.body["next_after"].is_null());
    let p = t.get(&format!("{path}?limit=1")).await.ok();
    assert_eq!(items(&p), &all[..1]);

    // Append-only: later changes add events after the ones already there, which do not change.
    let sid = ship(&t, &w, &oid, 6, "1ZTIMELINE1").await;
    let later = t.get(&path).await.ok();
    assert_eq!(&items(&later)[..5], &all[..]);
    assert_eq!(kinds(&later)[5], "shipment.created");
    assert_eq!(items(&later)[5]["data"]["shipment_id"], sid);
    assert!(seqs(&later)[5] > s[4]);
    let tail = t.get(&format!("{path}?after={}", s[4])).await.ok();
    assert_eq!(kinds(&tail), ["shipment.created"]);

    // The account timeline: that account's order and invoice events only.
    let iid = invoice(&t, &w.account, &oid, 2, "2026-11-20").await.id();
    let their_order = t
        .post(
            ORDERS,
            simple_order(&w.other_account, &w.gloves, &w.other_ship_to, "2026-11-20T12:00:00Z"),
        )
        .await
        .ok()
        .id();
    let their_invoice = invoice(&t, &w.other_account, &their_order, 1, "2026-11-20").await.id();
    let atl = t.get(&format!("/api/v1/accounts/{}/timeline", w.account)).await.ok();
    let ak = kinds(&atl);
    for k in [
        "account.created",
        "order.placed",
        "line.allocated",
        "shipment.created",
        "invoice.issued",
        "order.invoiced",
    ] {
        assert!(ak.iter().any(|x| x == k), "{k} missing from {ak:?}");
    }
    let subjects: BTreeSet<String> = items(&atl)
        .iter()
        .map(|e| e["subject_id"].as_str().expect("subject").to_owned())
        .collect();
    assert!(subjects.contains(&oid) && subjects.contains(&iid) && subjects.contains(&w.account));
    assert!(
        !subjects.contains(&their_order) && !subjects.contains(&their_invoice) && !subjects.contains(&w.other_account)
    );
    let s = seqs(&atl);
    assert!(s.windows(2).all(|p| p[0] < p[1]), "ordered by seq: {s:?}");
    let ap = t
        .get(&format!(
            "/api/v1/accounts/{}/timeline?after={}&limit=2",
            w.account, s[1]
        ))
        .await
        .ok();
    assert_eq!(items(&ap), &items(&atl)[2..4]);

    let otl = t
        .get(&format!("/api/v1/accounts/{}/timeline", w.other_account))
        .await
        .ok();
    let subjects: BTreeSet<String> = items(&otl)
        .iter()
        .map(|e| e["subject_id"].as_str().expect("subject").to_owned())
        .collect();
    assert!(subjects.contains(&their_order) && subjects.contains(&their_invoice));
    assert!(!subjects.contains(&oid) && !subjects.contains(&iid));
    assert_eq!(count(&kinds(&otl), "order.placed"), 1);

    let unknown = uuid::Uuid::now_v7();
    t.get(&format!("{ORDERS}/{unknown}/timeline"))
        .await
        .refused(404, "not_found", "");
}

// ---------------------------------------------------------------------------------------------
// 7. Tracking events

/// One batch for many orders is one commit: every order's scans land, in the batch's order,
/// each with its timeline event; a line shipped in two parts keeps both parts' ledger when only
/// one is scanned; an unknown number is answered on its own; and a batch holding one scan seen
/// before still applies the others (the duplicate sends it down the one-by-one path).
async fn tracking_batch_across_orders(t: TestApp) {
    let w = t.world().await;
    let mut orders = Vec::new();
    for i in 0..4 {
        let oid = t.order(&w, 10, 1).await.id();
        allocate(&t, &oid, 1, &w.dallas, 10).await.ok();
        ship(&t, &w, &oid, 6, &format!("1ZBATCH{i}A")).await;
        ship(&t, &w, &oid, 4, &format!("1ZBATCH{i}B")).await;
        orders.push(oid);
    }
    // Scans of the first part of each order only (the second part is read, not scanned), the
    // first order twice (in order), and a number nobody shipped.
    let mut events = vec![tracking_event("b-0", "1ZBATCH0A", "in_transit", "2026-11-21T08:00:00Z")];
    for i in 1..4 {
        events.push(tracking_event(
            &format!("b-{i}"),
            &format!("1ZBATCH{i}A"),
            "delivered",
            "2026-11-21T10:00:00Z",
        ));
    }
    events.push(tracking_event("b-x", "1ZNOSUCH", "in_transit", "2026-11-21T10:00:00Z"));
    events.push(tracking_event("b-0b", "1ZBATCH0A", "delivered", "2026-11-21T11:00:00Z"));
    let r = t.post(TRACKING, json!({"events": events})).await.ok();
    assert_eq!(
        (r.body["applied"].as_u64(), r.body["rejected"].as_u64()),
        (Some(5), Some(1)),
        "{}",
        r.body
    );
    assert_eq!(r.body["results"][4]["outcome"], "rejected", "{}", r.body);
    assert_eq!(
        r.body["results"][5]["tracking_status"], "delivered",
        "the later scan of the same order wins"
    );
    for oid in &orders {
        assert_eq!(
            count(&order_timeline(&t, oid).await, "shipment.tracking"),
            if *oid == orders[0] { 2 } else { 1 }
        );
        // The ledger of line 1 still counts both parts: 6 delivered, 4 in transit.
        let o = t.get(&format!("{ORDERS}/{oid}")).await.ok();
        let g = &o.body["lines"][0]["ledger"];
        assert_eq!(
            (g["delivered"].as_i64(), g["in_transit"].as_i64()),
            (Some(6), Some(4)),
            "{}",
            o.body
        );
    }
    // The same batch again with one new scan: the new one applied, every other a duplicate.
    let mut again = events_again();
    again.push(tracking_event(
        "b-new",
        "1ZBATCH3B",
        "in_transit",
        "2026-11-21T12:00:00Z",
    ));
    let r = t.post(TRACKING, json!({"events": again})).await.ok();
    assert_eq!(
        (r.body["applied"].as_u64(), r.body["duplicates"].as_u64()),
        (Some(1), Some(5)),
        "{}",
        r.body
    );
    assert_eq!(count(&order_timeline(&t, &orders[3]).await, "shipment.tracking"), 2);
}

fn events_again() -> Vec<Value> {
    let mut events = vec![tracking_event("b-0", "1ZBATCH0A", "in_transit", "2026-11-21T08:00:00Z")];
    for i in 1..4 {
        events.push(tracking_event(
            &format!("b-{i}"),
            &format!("1ZBATCH{i}A"),
            "delivered",
            "2026-11-21T10:00:00Z",
        ));
    }
    events.push(tracking_event("b-0b", "1ZBATCH0A", "delivered", "2026-11-21T11:00:00Z"));
    events
}

fn tracking_event(id: &str, tracking: &str, status: &str, at: &str) -> Value {
    json!({"tracking_number": tracking, "event_id": id, "status": status, "occurred_at": at, "location": "Memphis, TN", "source": "UPS"})
}

async fn tracking_dedup_and_ordering(t: TestApp) {
    let w = t.world().await;
    let oid = t.order(&w, 10, 4).await.id();
    allocate(&t, &oid, 1, &w.dallas, 10).await.ok();
    let s1 = ship(&t, &w, &oid, 5, "1ZTRACK0001").await;
    let s2 = ship(&t, &w, &oid, 5, "1ZTRACK0002").await;
    let tracking_count = async || count(&order_timeline(&t, &oid).await, "shipment.tracking");

    // The same event in two requests: applied once, then reported as a duplicate.
    let ev1 = json!({"events": [tracking_event("ev-1", "1ZTRACK0001", "in_transit", "2026-11-20T16:00:00Z")]});
    let r = t.post(TRACKING, ev1.clone()).await.ok();
    assert_eq!(
        (r.body["applied"].as_u64(), r.body["duplicates"].as_u64()),
        (Some(1), Some(0)),
        "{}",
        r.body
    );
    assert_eq!(r.body["results"][0]["outcome"], "applied");
    assert_eq!(r.body["results"][0]["shipment_id"], s1);
    assert_eq!(r.body["results"][0]["tracking_status"], "in_transit");
    let r = t.post(TRACKING, ev1.clone()).await.ok();
    assert_eq!(
        (r.body["applied"].as_u64(), r.body["duplicates"].as_u64()),
        (Some(0), Some(1)),
        "{}",
        r.body
    );
    assert_eq!(r.body["results"][0]["outcome"], "duplicate");
    assert_eq!(r.body["results"][0]["shipment_id"], s1);
    assert_eq!(tracking_count().await, 1, "one shipment.tracking event");

    // A newer event moves the status; an older one arriving afterwards does not move it back.
    let r = t
        .post(
            TRACKING,
            json!({"events": [tracking_event("ev-2", "1ZTRACK0001", "out_for_delivery", "2026-11-21T08:00:00Z")]}),
        )
        .await
        .ok();
    assert_eq!(r.body["results"][0]["tracking_status"], "out_for_delivery");
    let r = t
        .post(
            TRACKING,
            json!({"events": [tracking_event("ev-3", "1ZTRACK0001", "in_transit", "2026-11-20T22:00:00Z")]}),
        )
        .await
        .ok();
    assert_eq!(
        r.body["results"][0]["outcome"], "applied",
        "an older event is still recorded"
    );
    assert_eq!(r.body["results"][0]["tracking_status"], "out_for_delivery");
    let s = t.get(&format!("/api/v1/shipments/{s1}")).await.ok();
    assert_eq!(s.body["tracking_status"], "out_for_delivery");
    assert_eq!(s.body["last_scan"]["occurred_at"], "2026-11-21T08:00:00Z");
    // The first event once more, now not the latest: still a duplicate.
    let r = t.post(TRACKING, ev1).await.ok();
    assert_eq!(r.body["results"][0]["outcome"], "duplicate", "{}", r.body);
    assert_eq!(tracking_count().await, 3);

    // One batch, two shipments (of the same order): both applied.
    let r = t
        .post(
            TRACKING,
            json!({"events": [
                {"shipment_id": s2, "event_id": "ev-4", "status": "in_transit", "occurred_at": "2026-11-21T09:00:00Z", "source": "UPS"},
                tracking_event("ev-5", "1ZTRACK0001", "delivered", "2026-11-21T11:00:00Z")
            ]}),
        )
        .await
        .ok();
    assert_eq!(
        (r.body["applied"].as_u64(), r.body["rejected"].as_u64()),
        (Some(2), Some(0)),
        "{}",
        r.body
    );
    assert_eq!(r.body["results"][0]["shipment_id"], s2);
    assert_eq!(r.body["results"][0]["tracking_status"], "in_transit");
    assert_eq!(r.body["results"][1]["shipment_id"], s1);
    assert_eq!(r.body["results"][1]["tracking_status"], "delivered");
    let one = t.get(&format!("/api/v1/shipments/{s1}")).await.ok();
    assert_eq!(one.body["tracking_status"], "delivered");
    assert_eq!(one.body["delivered_at"], "2026-11-21T11:00:00Z");
    let two = t.get(&format!("/api/v1/shipments/{s2}")).await.ok();
    assert_eq!(two.body["tracking_status"], "in_transit");
    assert_eq!(tracking_count().await, 5);
    let order = t.get(&format!("{ORDERS}/{oid}")).await.ok();
    let statuses: Vec<&Value> = order.body["shipments"]
        .as_array()
        .expect("shipments")
        .iter()
        .map(|s| &s["tracking_status"])
        .collect();
    assert_eq!(statuses, [&json!("delivered"), &json!("in_transit")]);

    // Events for shipments of two different orders in one batch.
    let o2 = t.order(&w, 2, 1).await.id();
    allocate(&t, &o2, 1, &w.dallas, 2).await.ok();
    let s3 = ship(&t, &w, &o2, 2, "1ZTRACK0003").await;
    let r = t
        .post(
            TRACKING,
            json!({"events": [
                tracking_event("ev-6", "1ZTRACK0003", "in_transit", "2026-11-21T12:00:00Z"),
                tracking_event("ev-7", "1ZTRACK0002", "out_for_delivery", "2026-11-21T12:00:00Z")
            ]}),
        )
        .await
        .ok();
    assert_eq!(r.body["applied"], 2, "{}", r.body);
    assert_eq!(
        t.get(&format!("/api/v1/shipments/{s3}")).await.ok().body["tracking_status"],
        "in_transit"
    );
    assert_eq!(
        t.get(&format!("/api/v1/shipments/{s2}")).await.ok().body["tracking_status"],
        "out_for_delivery"
    );
}

both_stores!(
    idempotent_order_replay,
    idempotency_refused_request_is_not_stored,
    idempotent_payment_applied_once,
    idempotency_concurrent_same_key,
    etags_and_if_match,
    cursor_pagination,
    order_list_filters,
    billing_and_shipment_list_filters,
    openapi_document,
    healthz,
    timeline_paging_and_scope,
    tracking_dedup_and_ordering,
    tracking_batch_across_orders,
    tracking_batch_with_idempotency_key,
);

/// A keyed tracking batch applies every event and replays its own first response.
async fn tracking_batch_with_idempotency_key(t: TestApp) {
    let w = t.world().await;
    let oid = t.order(&w, 10, 4).await.id();
    allocate(&t, &oid, 1, &w.dallas, 10).await.ok();
    let s1 = ship(&t, &w, &oid, 5, "1ZKEYED0001").await;
    let s2 = ship(&t, &w, &oid, 5, "1ZKEYED0002").await;
    let batch = json!({"events": [
        tracking_event("k-1", "1ZKEYED0001", "in_transit", "2026-11-20T16:00:00Z"),
        tracking_event("k-2", "1ZKEYED0002", "in_transit", "2026-11-20T16:00:00Z")
    ]});
    let first = t
        .post_with(TRACKING, batch.clone(), &key("tracking-batch-1"))
        .await
        .ok();
    assert_eq!(
        first.body["applied"], 2,
        "every event of a keyed batch is applied: {}",
        first.body
    );
    assert_eq!(first.body["rejected"], 0, "{}", first.body);
    let again = t.post_with(TRACKING, batch, &key("tracking-batch-1")).await;
    assert_eq!(again.status, 200);
    assert!(replayed(&again));
    assert_eq!(again.body, first.body, "a replay returns the first batch response");
    for s in [&s1, &s2] {
        assert_eq!(
            t.get(&format!("/api/v1/shipments/{s}")).await.ok().body["tracking_status"],
            "in_transit"
        );
    }
    assert_eq!(count(&order_timeline(&t, &oid).await, "shipment.tracking"), 2);
}
