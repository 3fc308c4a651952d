//! End-to-end flows through the HTTP API on both stores: the order-to-cash path and the four
//! answers on it.

use crate::harness::{TestApp, usd};
use serde_json::json;

async fn order_to_cash(t: TestApp) {
    let w = t.world().await;
    let order = t.order(&w, 10, 4).await;
    let oid = order.id();
    assert_eq!(order.body["status"], "pending");
    assert_eq!(
        order.body["lines"][0]["unit_price"],
        usd("11.75"),
        "contract price applies"
    );
    assert_eq!(
        order.body["lines"][1]["unit_price"],
        usd("32.50"),
        "list price without a contract"
    );

    // Split line 1 across two warehouses; backorder the towels with a date, then slip it.
    t.post(
        &format!("/api/v1/orders/{oid}/allocations"),
        json!({"line": 1, "fulfilment_location_id": w.dallas, "quantity": 6}),
    )
    .await
    .ok();
    t.post(
        &format!("/api/v1/orders/{oid}/allocations"),
        json!({"line": 1, "fulfilment_location_id": w.reno, "quantity": 4}),
    )
    .await
    .ok();
    t.post(
        &format!("/api/v1/orders/{oid}/backorders"),
        json!({"line": 2, "quantity": 4, "expected_date": "2026-11-24", "reason": "supplier out of stock"}),
    )
    .await
    .ok();
    t.post(
        &format!("/api/v1/orders/{oid}/lines/2/backorder-date"),
        json!({"expected_date": "2026-12-04", "reason": "supplier delay"}),
    )
    .await
    .ok();

    let s1 = t
        .post(
            "/api/v1/shipments",
            json!({"order_id": oid, "from_location_id": w.dallas, "to_location_id": w.dock, "lines": [{"line": 1, "quantity": 6}],
                   "carrier": "UPS", "tracking_number": "1Z999AA10123456784", "promised_delivery": "2026-11-23"}),
        )
        .await
        .ok();
    let s1id = s1.id();
    let track = t
        .post(
            "/api/v1/tracking-events",
            json!({"events": [
                {"tracking_number": "1Z999AA10123456784", "status": "in_transit", "occurred_at": "2026-11-20T16:00:00Z", "location": "Dallas, TX", "source": "UPS"},
                {"tracking_number": "1Z999AA10123456784", "status": "exception", "occurred_at": "2026-11-21T09:00:00Z", "location": "Memphis, TN", "description": "Weather delay", "source": "UPS"},
                {"tracking_number": "1Z999AA10123456784", "status": "in_transit", "occurred_at": "2026-11-20T16:00:00Z", "location": "Dallas, TX", "source": "UPS"}
            ]}),
        )
        .await
        .ok();
    assert_eq!(track.body["applied"], 2);
    assert_eq!(track.body["duplicates"], 1, "the same event twice counts once");

    t.clock.set(time::macros::datetime!(2026-11-21 12:00 UTC));
    let st = t.get(&format!("/api/v1/orders/{oid}/status")).await.ok();
    assert_eq!(st.body["status"], "partially_shipped");
    assert_eq!(st.body["risk"], "at_risk");
    let l1 = &st.body["lines"][0];
    assert_eq!(l1["ledger"]["in_transit"], 6);
    assert_eq!(l1["ledger"]["allocated"], 4);
    assert_eq!(l1["shipments"][0]["from"], "Dallas DC");
    assert_eq!(l1["shipments"][0]["to"], "Main St receiving dock");
    assert!(l1["summary"].as_str().unwrap().contains("Memphis"), "{}", l1["summary"]);
    let l2 = &st.body["lines"][1];
    assert_eq!(l2["status"], "backordered");
    assert!(
        l2["summary"].as_str().unwrap().contains("moved from Nov 24"),
        "{}",
        l2["summary"]
    );

    // Delivered, short by one; an invoice billing all 10 of line 1 and at a wrong price.
    t.post("/api/v1/tracking-events", json!({"events": [{"shipment_id": s1id, "status": "delivered", "occurred_at": "2026-11-22T10:00:00Z", "source": "UPS"}]}))
        .await
        .ok();
    t.post(
        &format!("/api/v1/shipments/{s1id}/receipt"),
        json!({"lines": [{"line": 1, "received": 5}]}),
    )
    .await
    .ok();
    let inv = t
        .post(
            "/api/v1/invoices",
            json!({"account_id": w.account, "currency": "USD", "issued_on": "2026-11-22",
                   "lines": [{"order_id": oid, "order_line": 1, "quantity": 10, "unit_price": usd("12.00")}],
                   "tax": usd("9.60"), "freight": usd("15.00")}),
        )
        .await
        .ok();
    let iid = inv.id();
    assert_eq!(inv.body["total"], usd("144.60"));
    assert_eq!(inv.body["due_on"], "2026-12-22", "net 30 from the issue date");
    let m = t.get(&format!("/api/v1/invoices/{iid}/match")).await.ok();
    assert_eq!(m.body["matches"], false);
    let kinds: Vec<&str> = m.body["lines"][0]["discrepancies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "billed_more_than_shipped",
            "billed_more_than_received",
            "price_variance"
        ]
    );
    assert_eq!(
        m.body["lines"][0]["discrepancies"][0]["amount"],
        usd("48.00"),
        "4 units × 12.00 not shipped"
    );
    assert_eq!(
        m.body["lines"][0]["discrepancies"][2]["amount"],
        usd("2.50"),
        "0.25 over on 10 units"
    );
    assert_eq!(m.body["invoice_discrepancies"][0]["kind"], "freight_not_on_order");

    // Pay part of it, then the rest.
    t.post("/api/v1/payments", json!({"account_id": w.account, "method": "ach", "amount": usd("100.00"), "applications": [{"invoice_id": iid, "amount": usd("100.00")}]}))
        .await
        .ok();
    let open = t
        .get(&format!("/api/v1/accounts/{}/open-invoices", w.account))
        .await
        .ok();
    assert_eq!(open.body["total_open"], usd("44.60"));
    assert_eq!(open.body["invoices"][0]["status"], "partially_paid");
    t.post("/api/v1/payments", json!({"account_id": w.account, "method": "card", "amount": usd("44.60"), "applications": [{"invoice_id": iid, "amount": usd("44.60")}]}))
        .await
        .ok();
    let inv = t.get(&format!("/api/v1/invoices/{iid}")).await.ok();
    assert_eq!(inv.body["status"], "paid");
    assert_eq!(inv.body["balance"], usd("0.00"));

    // The timeline tells the story with actors.
    let tl = t.get(&format!("/api/v1/orders/{oid}/timeline")).await.ok();
    let kinds: Vec<&str> = tl.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "order.placed",
            "line.allocated",
            "line.allocated",
            "line.backordered",
            "backorder.rescheduled",
            "shipment.created",
            "shipment.tracking",
            "shipment.tracking",
            "shipment.tracking",
            "shipment.received",
            "order.invoiced"
        ]
    );
    assert_eq!(tl.body["items"][0]["actor"]["name"], "Sam Staff");
    assert_eq!(tl.body["items"][6]["actor"]["kind"], "integration");
    assert_eq!(tl.body["items"][4]["reason"], "supplier delay");
    let itl = t.get(&format!("/api/v1/invoices/{iid}/timeline")).await.ok();
    assert_eq!(
        itl.body["items"].as_array().unwrap().len(),
        3,
        "issued + two payments applied"
    );
}

both_stores!(order_to_cash);
