//! A distributor-sized order: 1,000 lines, over 200 shipments, scans arriving out of order. The
//! order is stored as a header, line chunks and shipment documents, and steps load only the
//! parts they touch; this scenario checks that the answers are still exactly the small-order
//! rules — every line's ledger, the stored status lists filter on (kept line by line in the
//! header) against the status derived from the whole order, refusals that change nothing — and
//! that `Prefer: return=minimal` steps answer 204 with the next ETag.

use crate::harness::{TestApp, usd};
use serde_json::{Value, json};

const LINES: usize = 1_000;
/// Lines 1..=100: 4 backordered, 6 allocated, 3 of those shipped.
const BACKORDERED: std::ops::RangeInclusive<usize> = 1..=100;
/// Lines 101..=150: cancelled in full.
const CANCELLED: std::ops::RangeInclusive<usize> = 101..=150;
/// Lines per shipment.
const PER_SHIPMENT: usize = 4;

async fn large_order_follows_small_order_rules(t: TestApp) {
    let w = t.world().await;
    let ship_tos = [w.dock.clone(), w.store.clone(), w.clinic.clone()];
    let ship_to_of = |n: usize| ship_tos[(n - 1) % 3].clone();
    let lines: Vec<Value> = (1..=LINES)
        .map(|n| {
            let product = if n % 2 == 0 { &w.gloves } else { &w.towels };
            json!({"product_id": product, "quantity": 10, "ship_to": ship_to_of(n)})
        })
        .collect();
    // 1,000 lines are worth more than the test account's credit limit: raise it, so the order is
    // not held for credit review.
    t.patch_with(
        &format!("/api/v1/accounts/{}", w.account),
        json!({"credit_limit": usd("10000000.00")}),
        &[],
    )
    .await
    .ok();
    let o = t
        .post("/api/v1/orders", json!({"account_id": w.account, "lines": lines}))
        .await
        .ok();
    let id = o.id();
    assert_eq!(o.body["lines"].as_array().map(Vec::len), Some(LINES));

    // Fulfilment in two batches (at most 1,000 steps each), each one commit.
    let mut first: Vec<Value> = Vec::new();
    for n in BACKORDERED {
        first.push(json!({"type": "backorder", "line": n, "quantity": 4, "expected_date": "2026-12-10", "reason": "supplier short"}));
        first.push(json!({"type": "allocate", "line": n, "fulfilment_location_id": w.dallas, "quantity": 6}));
    }
    for n in CANCELLED {
        first.push(json!({"type": "cancel", "line": n, "quantity": 10, "reason": "customer changed plans"}));
    }
    t.post(&format!("/api/v1/orders/{id}/fulfilment"), json!({ "items": first }))
        .await
        .ok();
    let rest: Vec<Value> = (151..=LINES)
        .map(|n| json!({"type": "allocate", "line": n, "fulfilment_location_id": w.dallas, "quantity": 10}))
        .collect();
    let r = t
        .request(
            axum::http::Method::POST,
            &format!("/api/v1/orders/{id}/fulfilment"),
            Some(&json!({ "items": rest })),
            &[("prefer", "return=minimal")],
        )
        .await;
    assert_eq!(r.status.as_u16(), 204, "minimal batch: {}", r.body);
    assert_eq!(r.body, Value::Null, "204 has no body");
    assert_eq!(
        r.headers.get("preference-applied").and_then(|v| v.to_str().ok()),
        Some("return=minimal")
    );
    let version_after_batches = r.etag();
    assert_eq!(version_after_batches, "\"v3\"", "placed (v1), two batches");

    // Ship every allocated line, PER_SHIPMENT lines of one ship-to per shipment, in one wave.
    let mut shipments: Vec<Vec<usize>> = Vec::new();
    for loc in 0..3 {
        let of_loc: Vec<usize> = (1..=LINES)
            .filter(|n| !CANCELLED.contains(n) && (n - 1) % 3 == loc)
            .collect();
        shipments.extend(of_loc.chunks(PER_SHIPMENT).map(<[usize]>::to_vec));
    }
    assert!(shipments.len() >= 200, "{} shipments", shipments.len());
    let wave: Vec<Value> = shipments
        .iter()
        .enumerate()
        .map(|(i, ls)| {
            json!({
                "order_id": id, "from_location_id": w.dallas, "to_location_id": ship_to_of(ls[0]),
                "carrier": "UPS", "tracking_number": format!("1ZBIG{i:06}"),
                "shipped_at": "2026-11-18T09:00:00Z", "promised_delivery": "2026-11-21",
                "lines": ls.iter().map(|n| json!({"line": n, "quantity": if BACKORDERED.contains(n) { 3 } else { 10 }})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let wave = t
        .post("/api/v1/shipment-waves", json!({ "shipments": wave }))
        .await
        .ok();
    let shipment_ids: Vec<String> = wave.body["shipments"]
        .as_array()
        .expect("shipments")
        .iter()
        .map(|s| s["id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(shipment_ids.len(), shipments.len());

    // Scans out of order: shipment i % 3 == 0 is delivered (the delivery scan arrives first),
    // i % 3 == 1 is out for delivery (scans reversed), i % 3 == 2 is in transit.
    let scan = |i: usize, status: &str, at: &str| json!({"tracking_number": format!("1ZBIG{i:06}"), "status": status, "occurred_at": at, "source": "UPS"});
    let mut events = Vec::new();
    for i in 0..shipments.len() {
        match i % 3 {
            0 => {
                events.push(scan(i, "delivered", "2026-11-20T10:00:00Z"));
                events.push(scan(i, "in_transit", "2026-11-18T18:00:00Z"));
                events.push(scan(i, "out_for_delivery", "2026-11-20T06:00:00Z"));
            }
            1 => {
                events.push(scan(i, "out_for_delivery", "2026-11-20T06:00:00Z"));
                events.push(scan(i, "in_transit", "2026-11-18T18:00:00Z"));
            }
            _ => events.push(scan(i, "in_transit", "2026-11-18T18:00:00Z")),
        }
    }
    let sent = events.len();
    let mut applied = 0;
    for batch in events.chunks(250) {
        let r = t.post("/api/v1/tracking-events", json!({ "events": batch })).await.ok();
        applied += r.body["applied"].as_u64().unwrap_or(0) as usize;
        assert_eq!(r.body["rejected"], 0, "{}", r.body);
    }
    assert_eq!(applied, sent, "every scan applied once");
    // The same scans again change nothing.
    let again = t
        .post("/api/v1/tracking-events", json!({ "events": &events[..30] }))
        .await
        .ok();
    assert_eq!(again.body["duplicates"], 30, "{}", again.body);

    // A receipt on the first delivered shipment: one unit of its first line damaged.
    let first_lines = &shipments[0];
    let receipt_lines: Vec<Value> = first_lines
        .iter()
        .enumerate()
        .map(|(k, n)| {
            let shipped = if BACKORDERED.contains(n) { 3 } else { 10 };
            json!({"line": n, "received": if k == 0 { shipped - 1 } else { shipped }, "damaged": i64::from(k == 0)})
        })
        .collect();
    t.post(
        &format!("/api/v1/shipments/{}/receipt", shipment_ids[0]),
        json!({ "lines": receipt_lines }),
    )
    .await
    .ok();

    // One-line steps on the big order, asking for no representation: 204 and the next ETag.
    let before = t.get(&format!("/api/v1/orders/{id}")).await.ok();
    let v: i64 = before.body["version"].as_i64().expect("version");
    let r = t
        .request(
            axum::http::Method::POST,
            &format!("/api/v1/orders/{id}/allocations"),
            Some(&json!({"line": 1, "fulfilment_location_id": w.reno, "quantity": 4})),
            &[("prefer", "return=minimal"), ("if-match", &format!("\"v{v}\""))],
        )
        .await;
    assert_eq!(r.status.as_u16(), 204, "{}", r.body);
    assert_eq!(r.etag(), format!("\"v{}\"", v + 1));
    // Refused where the ledger does not allow it, and nothing changes.
    let r = t
        .request(
            axum::http::Method::POST,
            &format!("/api/v1/orders/{id}/cancellations"),
            Some(&json!({"line": 200, "quantity": 1, "reason": "too late"})),
            &[("prefer", "return=minimal")],
        )
        .await;
    r.refused(422, "over_cancellation", "quantity");
    let r = t
        .request(
            axum::http::Method::POST,
            &format!("/api/v1/orders/{id}/allocations"),
            Some(&json!({"line": 1001, "fulfilment_location_id": w.reno, "quantity": 1})),
            &[("prefer", "return=minimal")],
        )
        .await;
    r.refused(422, "unknown_reference", "line");

    // Every line's ledger, from the whole order.
    let order = t.get(&format!("/api/v1/orders/{id}")).await.ok();
    assert_eq!(
        order.body["version"].as_i64(),
        Some(v + 1),
        "the refusals changed nothing"
    );
    let shipment_of = |n: usize| shipments.iter().position(|s| s.contains(&n));
    let got = order.body["lines"].as_array().expect("lines");
    assert_eq!(got.len(), LINES);
    for l in got {
        let n = l["line"].as_u64().expect("line") as usize;
        let g = &l["ledger"];
        let field = |k: &str| g[k].as_u64().unwrap_or(u64::MAX);
        assert_eq!(
            field("cancelled")
                + field("unallocated")
                + field("backordered")
                + field("allocated")
                + field("in_transit")
                + field("delivered")
                + field("returned"),
            field("ordered"),
            "line {n} balances: {g}"
        );
        if CANCELLED.contains(&n) {
            assert_eq!((field("cancelled"), field("shipped")), (10, 0), "line {n}: {g}");
            continue;
        }
        let shipped = if BACKORDERED.contains(&n) { 3 } else { 10 };
        let delivered = shipment_of(n).is_some_and(|i| i % 3 == 0);
        assert_eq!(field("shipped"), shipped, "line {n}: {g}");
        assert_eq!(field("delivered"), if delivered { shipped } else { 0 }, "line {n}: {g}");
        assert_eq!(
            field("in_transit"),
            if delivered { 0 } else { shipped },
            "line {n}: {g}"
        );
        if n == 1 {
            // The backorder was allocated at Reno: nothing backordered, 3 + 4 allocated unshipped.
            assert_eq!((field("backordered"), field("allocated")), (0, 7), "line 1: {g}");
        } else if BACKORDERED.contains(&n) {
            assert_eq!((field("backordered"), field("allocated")), (4, 3), "line {n}: {g}");
        } else {
            assert_eq!((field("backordered"), field("allocated")), (0, 0), "line {n}: {g}");
        }
        let received = if first_lines.contains(&n) {
            Some(if n == first_lines[0] { shipped - 1 } else { shipped })
        } else {
            None
        };
        assert_eq!(g["received"].as_u64(), received, "line {n}: {g}");
    }
    // Shipment states as scanned, whatever order the scans came in.
    let ships = order.body["shipments"].as_array().expect("shipments");
    assert_eq!(ships.len(), shipments.len());
    for s in ships {
        let tn = s["tracking_number"].as_str().expect("tracking number");
        let i: usize = tn.trim_start_matches("1ZBIG").parse().expect("index");
        let want = ["delivered", "out_for_delivery", "in_transit"][i % 3];
        assert_eq!(s["tracking_status"], want, "shipment {i}");
    }

    // The stored status (kept in the header line by line) is the status derived from the whole
    // order, and lists filter on it.
    let status = t.get(&format!("/api/v1/orders/{id}/status")).await.ok();
    let derived = status.body["status"].as_str().expect("status").to_owned();
    assert_eq!(
        derived, "partially_delivered_partially_shipped",
        "some delivered, some not shipped"
    );
    assert_eq!(order.body["status"], derived.as_str());
    let listed = t
        .get(&format!("/api/v1/orders?account_id={}&status={derived}", w.account))
        .await
        .ok();
    assert!(
        listed.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|o| o["id"] == id.as_str()),
        "the order is listed under its derived status: {}",
        listed.body
    );
    for other in ["allocated", "shipped", "delivered", "pending"] {
        let listed = t
            .get(&format!("/api/v1/orders?account_id={}&status={other}", w.account))
            .await
            .ok();
        assert!(
            !listed.body["items"]
                .as_array()
                .expect("items")
                .iter()
                .any(|o| o["id"] == id.as_str()),
            "not listed under {other}"
        );
    }
    // Line statuses in the status answer follow the ledger.
    for l in status.body["lines"].as_array().expect("lines") {
        let n = l["line"].as_u64().expect("line") as usize;
        let want = if CANCELLED.contains(&n) {
            "cancelled"
        } else if BACKORDERED.contains(&n) {
            if shipment_of(n).is_some_and(|i| i % 3 == 0) {
                "partially_delivered_partially_shipped"
            } else {
                "partially_shipped"
            }
        } else if shipment_of(n).is_some_and(|i| i % 3 == 0) {
            "delivered"
        } else {
            "shipped"
        };
        assert_eq!(l["status"], want, "line {n}");
    }
}

both_stores!(large_order_follows_small_order_rules);
