//! Batch fulfilment: many allocations, backorders and cancellations on one order in one request,
//! one commit, all or nothing, a refusal naming its step.

use crate::harness::{TestApp, World};
use serde_json::json;

async fn many_steps_commit_together_or_not_at_all(t: TestApp) {
    let w: World = t.world().await;
    let o = t.order(&w, 10, 6).await;
    let id = o.id();
    let path = format!("/api/v1/orders/{id}/fulfilment");
    let etag = o.etag();

    // A refusal in the third step: nothing of the first two is written.
    let bad = json!({"items": [
        {"type": "allocate", "line": 1, "fulfilment_location_id": w.dallas, "quantity": 4},
        {"type": "backorder", "line": 1, "quantity": 3, "expected_date": "2026-12-04", "reason": "supplier short"},
        {"type": "allocate", "line": 1, "fulfilment_location_id": w.reno, "quantity": 20},
    ]});
    t.post(&path, bad)
        .await
        .refused(422, "over_allocation", "items[2].quantity");
    let same = t.get(&format!("/api/v1/orders/{id}")).await.ok();
    assert_eq!(same.etag(), etag, "nothing was written");
    assert_eq!(same.body["lines"][0]["allocations"], json!([]));

    // Malformed steps name the step and field too.
    t.post(
        &path,
        json!({"items": [{"type": "cancel", "line": 2, "quantity": 0, "reason": "x"}]}),
    )
    .await
    .refused(422, "invalid_quantity", "items[0].quantity");
    t.post(
        &path,
        json!({"items": [{"type": "cancel", "line": 2, "quantity": 1, "reason": " "}]}),
    )
    .await
    .refused(422, "invalid_value", "items[0].reason");
    t.post(&path, json!({"items": []}))
        .await
        .refused(422, "invalid_value", "items");

    // Every kind of step at once: one new version, one event per step, the ledger balanced.
    let good = json!({"items": [
        {"type": "allocate", "line": 1, "fulfilment_location_id": w.dallas, "quantity": 4},
        {"type": "allocate", "line": 1, "fulfilment_location_id": w.reno, "quantity": 3},
        {"type": "backorder", "line": 1, "quantity": 3, "expected_date": "2026-12-04", "reason": "supplier short"},
        {"type": "allocate", "line": 2, "fulfilment_location_id": w.dallas, "quantity": 5},
        {"type": "cancel", "line": 2, "quantity": 1, "reason": "customer asked"},
    ]});
    let r = t.post(&path, good).await.ok();
    let v0: i64 = etag.trim_matches('"').trim_start_matches('v').parse().expect("version");
    assert_eq!(r.etag(), format!("\"v{}\"", v0 + 1), "one commit");
    let l1 = &r.body["lines"][0]["ledger"];
    assert_eq!(
        (
            l1["allocated"].as_i64(),
            l1["backordered"].as_i64(),
            l1["unallocated"].as_i64()
        ),
        (Some(7), Some(3), Some(0))
    );
    let l2 = &r.body["lines"][1]["ledger"];
    assert_eq!(
        (
            l2["allocated"].as_i64(),
            l2["cancelled"].as_i64(),
            l2["unallocated"].as_i64()
        ),
        (Some(5), Some(1), Some(0))
    );
    let tl = t.get(&format!("/api/v1/orders/{id}/timeline")).await.ok();
    let kinds: Vec<&str> = tl.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert_eq!(kinds.iter().filter(|k| **k == "line.allocated").count(), 3, "{kinds:?}");
    assert_eq!(kinds.iter().filter(|k| **k == "line.backordered").count(), 1);
    assert_eq!(kinds.iter().filter(|k| **k == "line.cancelled").count(), 1);

    // A stale If-Match is refused before anything is applied.
    t.post_with(
        &path,
        json!({"items": [{"type": "cancel", "line": 2, "quantity": 1, "reason": "x"}]}),
        &[("if-match", etag.as_str())],
    )
    .await
    .refused(412, "precondition_failed", "If-Match");
}

both_stores!(many_steps_commit_together_or_not_at_all);

async fn a_wave_ships_many_orders_in_one_commit(t: TestApp) {
    let w: World = t.world().await;
    let a = t.order(&w, 10, 6).await;
    let b = t.order(&w, 4, 2).await;
    for (o, n1, n2) in [(&a, 10, 6), (&b, 4, 2)] {
        t.post(
            &format!("/api/v1/orders/{}/fulfilment", o.id()),
            json!({"items": [
                {"type": "allocate", "line": 1, "fulfilment_location_id": w.dallas, "quantity": n1},
                {"type": "allocate", "line": 2, "fulfilment_location_id": w.dallas, "quantity": n2},
            ]}),
        )
        .await
        .ok();
    }
    let ship = |o: &crate::harness::Resp, to: &str, line: u32, q: i64, tracking: &str| {
        json!({"order_id": o.id(), "from_location_id": w.dallas, "to_location_id": to,
               "lines": [{"line": line, "quantity": q}], "carrier": "UPS", "tracking_number": tracking})
    };
    // The last shipment ships more than is allocated: the whole wave is refused, naming it.
    let bad = json!({"shipments": [
        ship(&a, &w.dock, 1, 10, "1ZWAVE0001"),
        ship(&b, &w.dock, 1, 4, "1ZWAVE0002"),
        ship(&b, &w.store, 2, 3, "1ZWAVE0003"),
    ]});
    let r = t.post("/api/v1/shipment-waves", bad).await;
    assert_eq!(r.status.as_u16(), 422, "{}", r.body);
    assert!(r.field().starts_with("shipments[2]."), "{}", r.body);
    for o in [&a, &b] {
        let now = t.get(&format!("/api/v1/orders/{}", o.id())).await.ok();
        assert_eq!(now.body["shipments"], json!([]), "nothing of the wave was written");
    }
    // Two orders, three parcels (two of order A): one request, one commit.
    let good = json!({"shipments": [
        ship(&a, &w.dock, 1, 10, "1ZWAVE0001"),
        ship(&b, &w.dock, 1, 4, "1ZWAVE0002"),
        ship(&a, &w.store, 2, 6, "1ZWAVE0004"),
    ]});
    let r = t.post("/api/v1/shipment-waves", good).await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.body);
    let made = r.body["shipments"].as_array().expect("shipments");
    assert_eq!(made.len(), 3);
    assert_eq!(made[0]["tracking_number"], "1ZWAVE0001");
    let a_now = t.get(&format!("/api/v1/orders/{}", a.id())).await.ok();
    assert_eq!(a_now.body["shipments"].as_array().map(Vec::len), Some(2));
    assert_eq!(a_now.body["lines"][0]["ledger"]["in_transit"], 10);
    assert_eq!(a_now.body["lines"][1]["ledger"]["in_transit"], 6);
    // Each parcel is findable by its tracking number, as a single shipment would be.
    let tr = t
        .post(
            "/api/v1/tracking-events",
            json!({"events": [{"tracking_number": "1ZWAVE0004", "status": "in_transit", "occurred_at": "2026-11-20T16:00:00Z"}]}),
        )
        .await
        .ok();
    assert_eq!(tr.body["applied"], 1, "{}", tr.body);
    t.post("/api/v1/shipment-waves", json!({"shipments": []}))
        .await
        .refused(422, "invalid_value", "shipments");
}

both_stores!(a_wave_ships_many_orders_in_one_commit);

async fn scans_of_one_order_fold_into_one_commit(t: TestApp) {
    let w: World = t.world().await;
    let a = t.order(&w, 10, 6).await;
    t.post(
        &format!("/api/v1/orders/{}/fulfilment", a.id()),
        json!({"items": [
            {"type": "allocate", "line": 1, "fulfilment_location_id": w.dallas, "quantity": 10},
            {"type": "allocate", "line": 2, "fulfilment_location_id": w.dallas, "quantity": 6},
        ]}),
    )
    .await
    .ok();
    let parcel = |line: u32, q: i64, to: &str, tn: &str| {
        json!({"order_id": a.id(), "from_location_id": w.dallas, "to_location_id": to,
               "lines": [{"line": line, "quantity": q}], "carrier": "UPS", "tracking_number": tn})
    };
    t.post(
        "/api/v1/shipment-waves",
        json!({"shipments": [parcel(1, 10, &w.dock, "1ZFOLD0001"), parcel(2, 6, &w.store, "1ZFOLD0002")]}),
    )
    .await
    .ok();
    let version = |r: &crate::harness::Resp| -> i64 {
        r.etag()
            .trim_matches('"')
            .trim_start_matches('v')
            .parse()
            .expect("version")
    };
    let before = version(&t.get(&format!("/api/v1/orders/{}", a.id())).await.ok());
    let scan = |tn: &str, status: &str, at: &str| json!({"tracking_number": tn, "status": status, "occurred_at": at, "location": "Dallas, TX"});
    // Four scans of two parcels of one order: one commit (the order's version moves by one).
    let r = t
        .post(
            "/api/v1/tracking-events",
            json!({"events": [
                scan("1ZFOLD0001", "picked_up", "2026-11-20T16:00:00Z"),
                scan("1ZFOLD0002", "picked_up", "2026-11-20T16:05:00Z"),
                scan("1ZFOLD0001", "in_transit", "2026-11-20T20:00:00Z"),
                scan("1ZFOLD0002", "in_transit", "2026-11-20T20:05:00Z"),
            ]}),
        )
        .await
        .ok();
    assert_eq!(r.body["applied"], 4, "{}", r.body);
    let after = version(&t.get(&format!("/api/v1/orders/{}", a.id())).await.ok());
    assert_eq!(after, before + 1, "four scans, one commit");
    // A batch repeating a processed scan beside a new one: the repeat is a duplicate, the new
    // one applies, each answered on its own.
    let r = t
        .post(
            "/api/v1/tracking-events",
            json!({"events": [
                scan("1ZFOLD0001", "picked_up", "2026-11-20T16:00:00Z"),
                scan("1ZFOLD0001", "out_for_delivery", "2026-11-21T08:00:00Z"),
                scan("1ZNOSUCH", "in_transit", "2026-11-21T08:00:00Z"),
            ]}),
        )
        .await
        .ok();
    let outcomes: Vec<&str> = r.body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|x| x["outcome"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(outcomes, ["duplicate", "applied", "rejected"], "{}", r.body);
    assert_eq!(r.body["results"][2]["error"]["field"], "events[2].tracking_number");
    let status = t.get(&format!("/api/v1/orders/{}/status", a.id())).await.ok();
    let text = status.body.to_string();
    assert!(text.contains("out_for_delivery"), "{text}");
    // Every applied scan is on the timeline once.
    let tl = t
        .get(&format!("/api/v1/orders/{}/timeline?limit=500", a.id()))
        .await
        .ok();
    let scans = tl.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["kind"] == "shipment.tracking")
        .count();
    assert_eq!(scans, 5);
}

both_stores!(scans_of_one_order_fold_into_one_commit);
