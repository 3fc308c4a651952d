//! Change requests after checkout, through the HTTP API on both stores: a quantity cut partly
//! applied because part is already released to the warehouse floor, a ship-to change that
//! re-routes an allocation, an added line that pushes the order over an approval rule, cancelling
//! a partly shipped order, and bad input that changes nothing.

use crate::harness::{TestApp, World, usd};
use axum::http::Method;
use serde_json::{Value, json};

/// A customer user of the World's account with an API key; `scope` limits their locations.
async fn customer(t: &TestApp, w: &World, name: &str, roles: &[&str], scope: Value) -> String {
    let email = format!("{}@northwind.example", name.to_lowercase().replace(' ', "."));
    t.customer_user(&w.account, &email, name, roles, scope).await.1
}

fn ledger(order: &Value, line: u64) -> Value {
    order["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| l["line"] == line)
        .map(|l| l["ledger"].clone())
        .expect("line")
}

async fn timeline_kinds(t: &TestApp, id: &str) -> Vec<String> {
    t.get(&format!("/api/v1/orders/{id}/timeline")).await.ok().body["items"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["kind"].as_str().unwrap_or("").to_owned())
        .collect()
}

async fn quantity_cut_is_partly_applied_when_part_is_released(t: TestApp) {
    let w = t.world().await;
    let buyer = customer(&t, &w, "Bea Buyer", &["buyer"], json!({"kind": "all"})).await;
    let o = t.order(&w, 10, 5).await;
    let id = o.id();
    // Allocated 10; the warehouse starts picking 6 of them.
    t.allocate_and_release(&id, &w.dallas, 10, 6).await;
    // Releasing more than is allocated and unreleased is refused.
    t.post(
        &format!("/api/v1/orders/{id}/releases"),
        json!({"line": 1, "fulfilment_location_id": w.dallas, "quantity": 5}),
    )
    .await
    .refused(422, "over_allocation", "quantity");

    let body = json!({"changes": [{"type": "cancel_line", "line": 1}], "reason": "project postponed"});
    // The priced preview says what would happen, and writes nothing.
    let before = t.get(&format!("/api/v1/orders/{id}")).await.ok();
    let preview = t
        .request(
            Method::POST,
            &format!("/api/v1/orders/{id}/change-requests/preview"),
            Some(&body),
            &[("authorization", &buyer)],
        )
        .await
        .ok();
    let summary = preview.body["results"][0]["summary"]
        .as_str()
        .expect("summary")
        .to_owned();
    assert!(summary.contains("4 of 10 cancelled"), "{summary}");
    assert!(summary.contains("6 were already packed at Dallas DC"), "{summary}");
    assert_eq!(preview.body["total_before"], before.body["total"]);
    // 10 × 11.75 (contract gloves) + 5 towels; 4 gloves fewer now.
    let (b, a) = (
        preview.body["total_before"]["amount"]
            .as_str()
            .expect("amount")
            .parse::<f64>()
            .expect("number"),
        preview.body["total_after"]["amount"]
            .as_str()
            .expect("amount")
            .parse::<f64>()
            .expect("number"),
    );
    assert!((b - a - 47.0).abs() < 0.001, "4 × 11.75 less: {b} → {a}");
    assert_eq!(preview.body["reapproval"], json!([]));
    let same = t.get(&format!("/api/v1/orders/{id}")).await.ok();
    assert_eq!(same.body["version"], before.body["version"], "a preview writes nothing");

    let r = t
        .request(
            Method::POST,
            &format!("/api/v1/orders/{id}/change-requests"),
            Some(&body),
            &[("authorization", &buyer)],
        )
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.body);
    let cr = &r.body["request"];
    assert_eq!(cr["state"], "awaiting_seller");
    assert_eq!(
        cr["results"][0]["summary"],
        summary.as_str(),
        "the preview said what happened"
    );
    assert_eq!(cr["pending"][0]["kind"], "cut");
    assert_eq!(cr["pending"][0]["quantity"], 6);
    let cr_id = cr["id"].as_str().expect("id").to_owned();
    let order = t.get(&format!("/api/v1/orders/{id}")).await.ok();
    let l = ledger(&order.body, 1);
    assert_eq!(
        (l["cancelled"].as_u64(), l["allocated"].as_u64()),
        (Some(4), Some(6)),
        "{l}"
    );
    assert!(
        timeline_kinds(&t, &id)
            .await
            .contains(&"order.change_routed".to_owned())
    );

    // The seller's queue shows it; the buyer may not decide it.
    let queue = t.get("/api/v1/change-requests?status=awaiting_seller").await.ok();
    assert!(
        queue.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|c| c["id"] == cr_id.as_str())
    );
    t.request(
        Method::POST,
        &format!("/api/v1/change-requests/{cr_id}/decision"),
        Some(&json!({"accept": true})),
        &[("authorization", &buyer)],
    )
    .await
    .refused(403, "forbidden", "");
    // Rejecting needs a reason.
    t.post(
        &format!("/api/v1/change-requests/{cr_id}/decision"),
        json!({"accept": false}),
    )
    .await
    .refused(422, "invalid_value", "reason");
    let decided = t
        .post(
            &format!("/api/v1/change-requests/{cr_id}/decision"),
            json!({"accept": true, "reason": "pulled from the pick line"}),
        )
        .await
        .ok();
    assert_eq!(decided.body["state"], "accepted");
    assert!(
        decided.body["decision"]["outcome"]
            .as_str()
            .unwrap_or("")
            .contains("6 cancelled at Dallas DC")
    );
    let order = t.get(&format!("/api/v1/orders/{id}")).await.ok();
    let l = ledger(&order.body, 1);
    assert_eq!(
        (l["cancelled"].as_u64(), l["allocated"].as_u64()),
        (Some(10), Some(0)),
        "{l}"
    );
    assert!(
        timeline_kinds(&t, &id)
            .await
            .contains(&"order.change_accepted".to_owned())
    );
    // Decided once.
    t.post(
        &format!("/api/v1/change-requests/{cr_id}/decision"),
        json!({"accept": true}),
    )
    .await
    .refused(409, "invalid_state", "accept");
    // The buyer sees the outcome on the order.
    let mine = t
        .request(
            Method::GET,
            &format!("/api/v1/orders/{id}/change-requests"),
            None,
            &[("authorization", &buyer)],
        )
        .await
        .ok();
    assert_eq!(mine.body[0]["state"], "accepted");
    assert_eq!(mine.body[0]["requested_by"], "Bea Buyer");
}

async fn ship_to_change_reroutes_an_allocation(t: TestApp) {
    let w = t.world().await;
    let o = t.order(&w, 10, 5).await;
    let id = o.id();
    t.post(
        &format!("/api/v1/orders/{id}/allocations"),
        json!({"line": 2, "fulfilment_location_id": w.reno, "quantity": 5}),
    )
    .await
    .ok();
    let r = t
        .post(
            &format!("/api/v1/orders/{id}/change-requests"),
            json!({"changes": [{"type": "ship_to", "line": 2, "ship_to": w.clinic}]}),
        )
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.body);
    assert_eq!(r.body["request"]["state"], "completed");
    let order = t.get(&format!("/api/v1/orders/{id}")).await.ok();
    let line = &order.body["lines"][1];
    assert_eq!(line["ship_to"], w.clinic.as_str());
    assert_eq!(
        line["allocations"][0]["quantity"], 5,
        "the allocation stays, now for the clinic"
    );
    // The warehouse ships the re-routed allocation to the new place; the old one is refused.
    t.post("/api/v1/shipments", json!({"order_id": id, "from_location_id": w.reno, "to_location_id": w.store, "carrier": "UPS", "lines": [{"line": 2, "quantity": 5}]}))
        .await
        .refused(422, "ship_to_mismatch", "lines[0].line");
    t.post("/api/v1/shipments", json!({"order_id": id, "from_location_id": w.reno, "to_location_id": w.clinic, "carrier": "UPS", "lines": [{"line": 2, "quantity": 2}]}))
        .await
        .ok();
    // Once part has shipped, the line's address cannot change: the reason is given.
    t.post(
        &format!("/api/v1/orders/{id}/change-requests"),
        json!({"changes": [{"type": "ship_to", "line": 2, "ship_to": w.dock}]}),
    )
    .await
    .refused(409, "invalid_state", "changes[0].ship_to");

    // Released goods: the re-address waits for the seller, who accepts it.
    t.allocate_and_release(&id, &w.dallas, 10, 10).await;
    let r = t
        .post(
            &format!("/api/v1/orders/{id}/change-requests"),
            json!({"changes": [{"type": "ship_to", "line": 1, "ship_to": w.clinic}]}),
        )
        .await;
    assert_eq!(r.body["request"]["state"], "awaiting_seller", "{}", r.body);
    let cr = r.body["request"]["id"].as_str().expect("id").to_owned();
    let order = t.get(&format!("/api/v1/orders/{id}")).await.ok();
    assert_eq!(
        order.body["lines"][0]["ship_to"],
        w.dock.as_str(),
        "not changed until the seller does it"
    );
    t.post(
        &format!("/api/v1/change-requests/{cr}/decision"),
        json!({"accept": true}),
    )
    .await
    .ok();
    let order = t.get(&format!("/api/v1/orders/{id}")).await.ok();
    assert_eq!(order.body["lines"][0]["ship_to"], w.clinic.as_str());
}

async fn added_line_over_an_approval_rule_is_held(t: TestApp) {
    let w = t.world().await;
    let buyer = customer(&t, &w, "Bea Buyer", &["buyer"], json!({"kind": "all"})).await;
    let policy = json!({"rules": [{"name": "Orders over USD 500", "condition": {"kind": "order_total_over", "amount": usd("500.00")},
                        "levels": [{"kind": "role"}]}], "remind_after_hours": 24, "escalate_after_hours": 48});
    t.put(&format!("/api/v1/accounts/{}/approval-policy", w.account), policy)
        .await
        .ok();
    // 10 × 11.75 + 5 towels: under 500, released at once.
    let o = t
        .request(
            Method::POST,
            "/api/v1/orders",
            Some(&json!({"account_id": w.account, "lines": [{"product_id": w.gloves, "quantity": 10, "ship_to": w.dock}]})),
            &[("authorization", &buyer)],
        )
        .await
        .ok();
    let id = o.id();
    assert_ne!(o.body["status"], "awaiting_approval");
    let body = json!({"changes": [{"type": "add_line", "product_id": w.gloves, "quantity": 40, "ship_to": w.store}]});
    let preview = t
        .request(
            Method::POST,
            &format!("/api/v1/orders/{id}/change-requests/preview"),
            Some(&body),
            &[("authorization", &buyer)],
        )
        .await
        .ok();
    assert!(
        preview.body["reapproval"][0].as_str().unwrap_or("").contains("500"),
        "the preview warns that approval is needed again: {}",
        preview.body
    );
    let r = t
        .request(
            Method::POST,
            &format!("/api/v1/orders/{id}/change-requests"),
            Some(&body),
            &[("authorization", &buyer)],
        )
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.body);
    assert_eq!(r.body["request"]["results"][0]["added_line"], 2);
    let order = t.get(&format!("/api/v1/orders/{id}")).await.ok();
    assert_eq!(order.body["status"], "awaiting_approval");
    assert_eq!(
        order.body["lines"][1]["unit_price"]["amount"], "11.75",
        "contract price"
    );
    // Held: fulfilment waits for the approver.
    t.post(
        &format!("/api/v1/orders/{id}/allocations"),
        json!({"line": 2, "fulfilment_location_id": w.dallas, "quantity": 40}),
    )
    .await
    .refused(409, "invalid_state", "approval");
    // A cut back under the threshold needs no new approval (decisions already made stay valid).
    let cut = t
        .request(
            Method::POST,
            &format!("/api/v1/orders/{id}/change-requests/preview"),
            Some(&json!({"changes": [{"type": "quantity", "line": 1, "quantity": 5}]})),
            &[("authorization", &buyer)],
        )
        .await
        .ok();
    assert_eq!(cut.body["reapproval"], json!([]), "{}", cut.body);
}

async fn cancelling_a_partly_shipped_order(t: TestApp) {
    let w = t.world().await;
    let o = t.order(&w, 10, 5).await;
    let id = o.id();
    t.post(
        &format!("/api/v1/orders/{id}/allocations"),
        json!({"line": 1, "fulfilment_location_id": w.dallas, "quantity": 10}),
    )
    .await
    .ok();
    t.post("/api/v1/shipments", json!({"order_id": id, "from_location_id": w.dallas, "to_location_id": w.dock, "carrier": "UPS", "lines": [{"line": 1, "quantity": 4}]}))
        .await
        .ok();
    let r = t
        .post(
            &format!("/api/v1/orders/{id}/change-requests"),
            json!({"changes": [{"type": "cancel_order"}]}),
        )
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.body);
    let s = r.body["request"]["results"][0]["summary"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    assert!(s.contains("Line 1: 6 of 6 cancelled"), "{s}");
    assert!(s.contains("Line 2: 5 of 5 cancelled"), "{s}");
    assert!(s.contains("1 line had already shipped"), "{s}");
    let order = t.get(&format!("/api/v1/orders/{id}")).await.ok();
    let l1 = ledger(&order.body, 1);
    assert_eq!(
        (
            l1["cancelled"].as_u64(),
            l1["in_transit"].as_u64(),
            l1["allocated"].as_u64()
        ),
        (Some(6), Some(4), Some(0)),
        "{l1}"
    );
    assert_eq!(ledger(&order.body, 2)["cancelled"], 5);
    assert_eq!(
        order.body["status"], "shipped",
        "what shipped stays; the rest is cancelled"
    );
    // Nothing is left to cancel now.
    t.post(
        &format!("/api/v1/orders/{id}/change-requests"),
        json!({"changes": [{"type": "cancel_order"}]}),
    )
    .await
    .refused(409, "invalid_state", "changes[0]");
}

async fn bad_change_requests_change_nothing(t: TestApp) {
    let w = t.world().await;
    let o = t.order(&w, 10, 5).await;
    let id = o.id();
    t.post(
        &format!("/api/v1/orders/{id}/allocations"),
        json!({"line": 1, "fulfilment_location_id": w.dallas, "quantity": 10}),
    )
    .await
    .ok();
    t.post("/api/v1/shipments", json!({"order_id": id, "from_location_id": w.dallas, "to_location_id": w.dock, "carrier": "UPS", "lines": [{"line": 1, "quantity": 4}]}))
        .await
        .ok();
    let before = t.get(&format!("/api/v1/orders/{id}")).await.ok();
    let path = format!("/api/v1/orders/{id}/change-requests");
    // A quantity below what has shipped.
    t.post(
        &path,
        json!({"changes": [{"type": "quantity", "line": 1, "quantity": 3}]}),
    )
    .await
    .refused(422, "invalid_quantity", "changes[0].quantity");
    // The second change is impossible: the first is not applied either.
    t.post(&path, json!({"changes": [{"type": "quantity", "line": 2, "quantity": 2}, {"type": "quantity", "line": 9, "quantity": 1}]}))
        .await
        .refused(422, "unknown_reference", "changes[1].line");
    t.post(&path, json!({"changes": []}))
        .await
        .refused(422, "invalid_value", "changes");
    t.post(
        &path,
        json!({"changes": [{"type": "quantity", "line": 2, "quantity": -1}]}),
    )
    .await
    .refused(422, "invalid_quantity", "changes[0].quantity");
    t.post(
        &path,
        json!({"changes": [{"type": "ship_to", "line": 2, "ship_to": w.other_ship_to}]}),
    )
    .await
    .refused(422, "foreign_account", "changes[0].ship_to");
    t.post(
        &path,
        json!({"changes": [{"type": "requested_date", "line": 2, "requested_date": "tomorrow"}]}),
    )
    .await
    .refused(422, "invalid_value", "changes[0].requested_date");
    t.post(
        &path,
        json!({"changes": [{"type": "add_line", "sku": "NOPE-1", "quantity": 1, "ship_to": w.dock}]}),
    )
    .await
    .refused(422, "unknown_reference", "changes[0].sku");
    t.post(
        &path,
        json!({"changes": [{"type": "quantity", "line": 2, "quantity": 5}]}),
    )
    .await
    .refused(422, "invalid_value", "changes[0].quantity");
    // A stale If-Match.
    t.request(
        Method::POST,
        &path,
        Some(&json!({"changes": [{"type": "quantity", "line": 2, "quantity": 2}]})),
        &[("if-match", "\"v1\"")],
    )
    .await
    .refused(412, "precondition_failed", "If-Match");
    let after = t.get(&format!("/api/v1/orders/{id}")).await.ok();
    assert_eq!(after.body, before.body, "nothing changed");

    // Someone else's order does not exist for them; a viewer may not ask; a scoped buyer
    // cannot touch lines outside their locations.
    let other = customer(&t, &w, "Vic Viewer", &["viewer"], json!({"kind": "all"})).await;
    t.request(
        Method::POST,
        &path,
        Some(&json!({"changes": [{"type": "cancel_line", "line": 2}]})),
        &[("authorization", &other)],
    )
    .await
    .refused(403, "forbidden", "");
    let docky = customer(
        &t,
        &w,
        "Dee Dock",
        &["buyer"],
        json!({"kind": "only", "locations": [w.dock]}),
    )
    .await;
    t.request(
        Method::POST,
        &path,
        Some(&json!({"changes": [{"type": "cancel_line", "line": 2}]})),
        &[("authorization", &docky)],
    )
    .await
    .refused(422, "unknown_reference", "changes[0].line");
    t.request(
        Method::POST,
        &path,
        Some(&json!({"changes": [{"type": "add_line", "product_id": w.gloves, "quantity": 1, "ship_to": w.store}]})),
        &[("authorization", &docky)],
    )
    .await
    .refused(422, "out_of_scope", "changes[0].ship_to");
    t.request(
        Method::POST,
        &path,
        Some(&json!({"changes": [{"type": "cancel_order"}]})),
        &[("authorization", &docky)],
    )
    .await
    .refused(422, "out_of_scope", "changes[0]");
    let theirs = t
        .post("/api/v1/orders", json!({"account_id": w.other_account, "lines": [{"product_id": w.gloves, "quantity": 1, "ship_to": w.other_ship_to}]}))
        .await
        .ok();
    t.request(
        Method::POST,
        &format!("/api/v1/orders/{}/change-requests", theirs.id()),
        Some(&json!({"changes": [{"type": "cancel_line", "line": 1}]})),
        &[("authorization", &docky)],
    )
    .await
    .refused(404, "not_found", "");
    let after = t.get(&format!("/api/v1/orders/{id}")).await.ok();
    assert_eq!(after.body, before.body, "nothing changed");
}

both_stores!(
    quantity_cut_is_partly_applied_when_part_is_released,
    ship_to_change_reroutes_an_allocation,
    added_line_over_an_approval_rule_is_held,
    cancelling_a_partly_shipped_order,
    bad_change_requests_change_nothing,
);
