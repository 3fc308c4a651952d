//! Reorder (from an order and from a saved list, at today's prices, with what changed listed
//! first) and spend reporting (by location, cost centre, category and month, on ordered and
//! invoiced amounts), on both stores.

use crate::harness::{TestApp, World, usd};
use serde_json::{Value, json};

/// A customer user's API key: invited by staff, accepted, keyed.
async fn customer_key(t: &TestApp, email: &str, account: &str, roles: &[&str], scope: Value) -> String {
    t.customer_user(account, email, email, roles, scope).await.1
}

fn kinds(tl: &Value) -> Vec<String> {
    tl["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["kind"].as_str().unwrap_or("").to_owned())
        .collect()
}

async fn reorder_from_an_order(t: TestApp) {
    let w = t.world().await;
    let source = t.order(&w, 10, 4).await;
    let oid = source.id();
    let num = source.body["number"].as_str().unwrap().to_owned();
    // Part of line 1 was cancelled; a reorder still takes the quantity ordered then.
    t.post(
        &format!("/api/v1/orders/{oid}/cancellations"),
        json!({"line": 1, "quantity": 3, "reason": "over-ordered"}),
    )
    .await
    .ok();

    // Unchanged so far.
    let p = t.get(&format!("/api/v1/orders/{oid}/reorder")).await.ok();
    assert_eq!(p.body["can_place"], true);
    assert_eq!(p.body["lines"][0]["change"], "unchanged");
    assert_eq!(p.body["lines"][0]["note"], "same price, USD 11.75 each");
    assert_eq!(
        p.body["summary"],
        format!("All 2 lines of order {num} can be reordered; nothing changed.")
    );

    // The contract price goes up and the towels are discontinued.
    t.put(
        &format!("/api/v1/accounts/{}/contract-prices/{}", w.account, w.gloves),
        json!({"unit_price": usd("12.10")}),
    )
    .await
    .ok();
    let disc = t
        .post(&format!("/api/v1/products/{}/discontinue", w.towels), json!({}))
        .await
        .ok();
    assert_eq!(disc.body["discontinued"], true);
    let again = t
        .post(&format!("/api/v1/products/{}/discontinue", w.towels), json!({}))
        .await
        .ok();
    assert_eq!(
        again.body["version"], disc.body["version"],
        "discontinuing twice changes nothing"
    );

    let p = t.get(&format!("/api/v1/orders/{oid}/reorder")).await.ok();
    let b = &p.body;
    assert_eq!(b["source"]["kind"], "order");
    assert_eq!(b["source"]["id"], oid.as_str());
    let l1 = &b["lines"][0];
    assert_eq!(l1["source_line"], 1);
    assert_eq!(l1["sku"], "GLV-NIT-M");
    assert_eq!(l1["quantity"], 10, "the original quantity, not net of the cancellation");
    assert_eq!(l1["ship_to"], w.dock.as_str());
    assert_eq!(l1["ship_to_name"], "Main St receiving dock");
    assert_eq!(l1["cost_centre"], "CC-ER");
    assert_eq!(l1["old_unit_price"], usd("11.75"));
    assert_eq!(l1["new_unit_price"], usd("12.10"));
    assert_eq!(l1["change"], "price_changed");
    assert_eq!(l1["note"], "price went from USD 11.75 to USD 12.10");
    assert_eq!(l1["will_order"], true);
    let l2 = &b["lines"][1];
    assert_eq!(l2["change"], "discontinued");
    assert_eq!(l2["will_order"], false);
    assert_eq!(
        l2["note"],
        "TWL-C-12 (C-fold paper towels, case) is discontinued; this line will be left out"
    );
    assert_eq!(
        b["total"],
        usd("121.00"),
        "10 × 12.10; the discontinued line is not counted"
    );
    assert_eq!(b["can_place"], true);
    assert_eq!(
        b["summary"],
        format!("1 of 2 lines of order {num} can be reordered; 1 price change, 1 discontinued product.")
    );

    // Place it: a new order at today's price, without the discontinued line; retry-safe.
    let headers = [("idempotency-key", "reorder-1")];
    let r = t
        .post_with(
            &format!("/api/v1/orders/{oid}/reorder"),
            json!({"po_number": "PO-9001"}),
            &headers,
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let nid = r.id();
    assert_ne!(nid, oid);
    assert_eq!(r.body["po_number"], "PO-9001");
    assert_eq!(r.body["account_id"], w.account.as_str());
    assert_eq!(r.body["bill_to"], w.bill_to.as_str());
    let lines = r.body["lines"].as_array().expect("lines");
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["sku"], "GLV-NIT-M");
    assert_eq!(lines[0]["quantity"], 10);
    assert_eq!(lines[0]["unit_price"], usd("12.10"));
    assert_eq!(lines[0]["ship_to"], w.dock.as_str());
    assert_eq!(lines[0]["cost_centre"], "CC-ER");
    assert_eq!(r.body["total"], usd("121.00"));
    let replay = t
        .post_with(
            &format!("/api/v1/orders/{oid}/reorder"),
            json!({"po_number": "PO-9001"}),
            &headers,
        )
        .await;
    assert_eq!(replay.status, 201);
    assert_eq!(replay.id(), nid, "the same key returns the same order");
    assert_eq!(
        replay.headers.get("idempotent-replayed").map(|v| v.to_str().unwrap()),
        Some("true")
    );

    // The new order's timeline says where it came from and what was left out.
    let tl = t.get(&format!("/api/v1/orders/{nid}/timeline")).await.ok();
    let k = kinds(&tl.body);
    assert_eq!(k.first().map(String::as_str), Some("order.placed"));
    assert_eq!(k.last().map(String::as_str), Some("order.reordered"));
    let ev = tl.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "order.reordered")
        .expect("reordered event");
    assert_eq!(ev["data"]["source"]["kind"], "order");
    assert_eq!(ev["data"]["source"]["id"], oid.as_str());
    assert_eq!(ev["data"]["skipped"].as_array().unwrap().len(), 1);
    assert_eq!(ev["data"]["skipped"][0]["sku"], "TWL-C-12");
    assert_eq!(ev["data"]["skipped"][0]["change"], "discontinued");
    assert_eq!(ev["data"]["repriced"][0]["sku"], "GLV-NIT-M");
    assert_eq!(ev["actor"]["name"], "Sam Staff");
    // The source order is untouched.
    let src = t.get(&format!("/api/v1/orders/{oid}")).await.ok();
    assert_eq!(src.body["lines"][0]["unit_price"], usd("11.75"));

    // A discontinued product cannot be ordered directly either.
    t.post(
        "/api/v1/orders",
        json!({"account_id": w.account, "lines": [{"sku": "TWL-C-12", "quantity": 1, "ship_to": w.store}]}),
    )
    .await
    .refused(409, "invalid_state", "lines[0].sku");

    // An order with nothing left to reorder is refused, saying why.
    let gloves_only = t
        .post(
            "/api/v1/orders",
            json!({"account_id": w.account, "lines": [{"sku": "GLV-NIT-M", "quantity": 1, "ship_to": w.store}]}),
        )
        .await
        .ok()
        .id();
    t.post(&format!("/api/v1/products/{}/discontinue", w.gloves), json!({}))
        .await
        .ok();
    let p = t.get(&format!("/api/v1/orders/{gloves_only}/reorder")).await.ok();
    assert_eq!(p.body["can_place"], false);
    assert_eq!(p.body["total"], usd("0.00"));
    let r = t
        .post(&format!("/api/v1/orders/{gloves_only}/reorder"), json!({}))
        .await;
    r.refused(409, "invalid_state", "lines");
    assert!(
        r.body["detail"].as_str().unwrap().contains("discontinued"),
        "{}",
        r.body
    );

    // Unknown ids are 404; a body with unknown fields is refused.
    let nobody = uuid::Uuid::now_v7();
    t.get(&format!("/api/v1/orders/{nobody}/reorder"))
        .await
        .refused(404, "not_found", "");
    t.post(&format!("/api/v1/orders/{nobody}/reorder"), json!({}))
        .await
        .refused(404, "not_found", "");
    t.post(&format!("/api/v1/orders/{oid}/reorder"), json!({"po": "x"}))
        .await
        .refused(422, "invalid_value", "po");
    t.post(&format!("/api/v1/products/{nobody}/discontinue"), json!({}))
        .await
        .refused(404, "not_found", "");
}

async fn reorder_from_a_saved_list(t: TestApp) {
    let w = t.world().await;
    let created = t
        .post(
            "/api/v1/saved-lists",
            json!({"account_id": w.account, "name": "Weekly clinic supplies", "lines": [
                {"sku": "GLV-NIT-M", "quantity": 5, "ship_to": w.clinic, "cost_centre": "CC-CLN"},
                {"product_id": w.towels, "quantity": 2, "ship_to": w.store}
            ]}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let lid = created.id();
    assert_eq!(created.body["name"], "Weekly clinic supplies");
    assert_eq!(created.body["created_by"], "Sam Staff");
    assert_eq!(created.body["lines"][0]["line"], 1);
    assert_eq!(created.body["lines"][0]["product_id"], w.gloves.as_str());
    assert_eq!(created.body["lines"][0]["unit_price_when_saved"], usd("11.75"));
    assert_eq!(created.body["lines"][1]["sku"], "TWL-C-12");
    assert_eq!(created.body["lines"][1]["unit_price_when_saved"], usd("32.50"));
    assert_eq!(created.body["lines"][1]["cost_centre"], Value::Null);

    let got = t.get(&format!("/api/v1/saved-lists/{lid}")).await.ok();
    assert_eq!(got.body["lines"].as_array().unwrap().len(), 2);
    assert_eq!(got.etag(), "\"v1\"");
    let all = t
        .get(&format!("/api/v1/saved-lists?account_id={}", w.account))
        .await
        .ok();
    assert_eq!(all.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(all.body["items"][0]["id"], lid.as_str());
    let none = t
        .get(&format!("/api/v1/saved-lists?account_id={}", w.other_account))
        .await
        .ok();
    assert_eq!(none.body["items"].as_array().unwrap().len(), 0);

    // A new contract price for towels: the list shows what changed since it was saved.
    t.put(
        &format!("/api/v1/accounts/{}/contract-prices/{}", w.account, w.towels),
        json!({"unit_price": usd("30.00")}),
    )
    .await
    .ok();
    let p = t.get(&format!("/api/v1/saved-lists/{lid}/reorder")).await.ok();
    assert_eq!(p.body["source"]["kind"], "saved_list");
    assert_eq!(p.body["source"]["label"], "saved list \"Weekly clinic supplies\"");
    assert_eq!(p.body["lines"][0]["change"], "unchanged");
    assert_eq!(p.body["lines"][0]["note"], "same price, USD 11.75 each");
    assert_eq!(p.body["lines"][1]["change"], "price_changed");
    assert_eq!(p.body["lines"][1]["note"], "price went from USD 32.50 to USD 30.00");
    assert_eq!(p.body["total"], usd("118.75"), "5 × 11.75 + 2 × 30.00");

    let r = t.post(&format!("/api/v1/saved-lists/{lid}/reorder"), json!({})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let nid = r.id();
    assert_eq!(r.body["total"], usd("118.75"));
    assert_eq!(r.body["lines"][0]["ship_to"], w.clinic.as_str());
    assert_eq!(r.body["lines"][0]["cost_centre"], "CC-CLN");
    assert_eq!(r.body["lines"][1]["unit_price"], usd("30.00"));
    assert_eq!(r.body["po_number"], Value::Null);
    let tl = t.get(&format!("/api/v1/orders/{nid}/timeline")).await.ok();
    let ev = tl.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "order.reordered")
        .expect("reordered event")
        .clone();
    assert_eq!(ev["data"]["source"]["kind"], "saved_list");
    assert_eq!(ev["data"]["source"]["id"], lid.as_str());
    assert_eq!(ev["data"]["skipped"], json!([]));

    // Refusals name the field.
    t.post(
        "/api/v1/saved-lists",
        json!({"account_id": w.account, "name": "x", "lines": [{"sku": "GLV-NIT-M", "quantity": 1, "ship_to": w.other_ship_to}]}),
    )
    .await
    .refused(422, "foreign_account", "lines[0].ship_to");
    t.post(
        "/api/v1/saved-lists",
        json!({"account_id": w.account, "name": "x", "lines": [{"sku": "GLV-NIT-M", "quantity": 1, "ship_to": w.bill_to}]}),
    )
    .await
    .refused(422, "invalid_value", "lines[0].ship_to");
    t.post(
        "/api/v1/saved-lists",
        json!({"account_id": w.account, "name": "x", "lines": [{"sku": "NOPE", "quantity": 1, "ship_to": w.dock}]}),
    )
    .await
    .refused(422, "unknown_reference", "lines[0].sku");
    t.post(
        "/api/v1/saved-lists",
        json!({"account_id": w.account, "name": "x", "lines": [{"sku": "GLV-NIT-M", "quantity": 0, "ship_to": w.dock}]}),
    )
    .await
    .refused(422, "invalid_quantity", "lines[0].quantity");
    t.post(
        "/api/v1/saved-lists",
        json!({"account_id": w.account, "name": "x", "lines": [{"quantity": 1, "ship_to": w.dock}]}),
    )
    .await
    .refused(422, "invalid_value", "lines[0].product_id");
    t.post(
        "/api/v1/saved-lists",
        json!({"account_id": w.account, "name": "x", "lines": []}),
    )
    .await
    .refused(422, "invalid_value", "lines");
    t.post(
        "/api/v1/saved-lists",
        json!({"account_id": w.account, "name": "  ", "lines": [{"sku": "GLV-NIT-M", "quantity": 1, "ship_to": w.dock}]}),
    )
    .await
    .refused(422, "invalid_value", "name");
    t.post(
        "/api/v1/saved-lists",
        json!({"account_id": uuid::Uuid::now_v7(), "name": "x", "lines": [{"sku": "GLV-NIT-M", "quantity": 1, "ship_to": w.dock}]}),
    )
    .await
    .refused(422, "unknown_reference", "account_id");
    t.get("/api/v1/saved-lists?status=open")
        .await
        .refused(422, "invalid_value", "status");
    t.get(&format!("/api/v1/saved-lists/{}", uuid::Uuid::now_v7()))
        .await
        .refused(404, "not_found", "");
    // An order id is not a saved list id.
    t.get(&format!("/api/v1/saved-lists/{nid}/reorder"))
        .await
        .refused(404, "not_found", "");
}

/// A reorder is an order like any other: the account's approval policy applies to it.
async fn reorder_goes_through_approval(t: TestApp) {
    let w = t.world().await;
    let oid = t.order(&w, 10, 4).await.id();
    t.put(
        &format!("/api/v1/accounts/{}/approval-policy", w.account),
        json!({"rules": [{"name": "Orders over 100", "condition": {"kind": "order_total_over", "amount": usd("100.00")},
                          "levels": [{"kind": "role"}]}]}),
    )
    .await
    .ok();
    let r = t.post(&format!("/api/v1/orders/{oid}/reorder"), json!({})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let nid = r.id();
    let tl = t.get(&format!("/api/v1/orders/{nid}/timeline")).await.ok();
    assert_eq!(
        kinds(&tl.body),
        ["order.placed", "approval.requested", "order.reordered"],
        "{}",
        tl.body
    );
    // Waiting for approval, it cannot be fulfilled yet.
    t.post(
        &format!("/api/v1/orders/{nid}/allocations"),
        json!({"line": 1, "fulfilment_location_id": w.dallas, "quantity": 1}),
    )
    .await
    .refused(409, "invalid_state", "approval");
}

/// Places an order dated `placed_at` for the world's account.
async fn order_on(t: &TestApp, w: &World, placed_at: &str, lines: Value) -> String {
    t.post(
        "/api/v1/orders",
        json!({"account_id": w.account, "placed_at": placed_at, "lines": lines}),
    )
    .await
    .ok()
    .id()
}

struct Dataset {
    a: String,
    b: String,
}

/// Order A (Oct 15): gloves 10 × 11.75 to the dock (CC-ER) = 117.50; towels 4 × 32.50 to the
/// store, 2 cancelled = 65.00. Order B (Nov 3): gloves 4 × 11.75 to the clinic (CC-CLN) = 47.00;
/// towels 1 × 32.50 to the dock (CC-ER) = 32.50. Another account's order must never count.
/// Invoice 1 (Oct 20): A line 1, 10 × 11.75 = 117.50 (+ tax and freight, not spend).
/// Invoice 2 (Nov 10): A line 2, 2 × 32.50 = 65.00; B line 1, 4 × 12.00 = 48.00.
async fn dataset(t: &TestApp, w: &World) -> Dataset {
    let a = order_on(
        t,
        w,
        "2026-10-15T10:00:00Z",
        json!([
            {"sku": "GLV-NIT-M", "quantity": 10, "ship_to": w.dock, "cost_centre": "CC-ER"},
            {"sku": "TWL-C-12", "quantity": 4, "ship_to": w.store}
        ]),
    )
    .await;
    t.post(
        &format!("/api/v1/orders/{a}/cancellations"),
        json!({"line": 2, "quantity": 2, "reason": "store closed for refit"}),
    )
    .await
    .ok();
    let b = order_on(
        t,
        w,
        "2026-11-03T23:30:00Z",
        json!([
            {"sku": "GLV-NIT-M", "quantity": 4, "ship_to": w.clinic, "cost_centre": "CC-CLN"},
            {"sku": "TWL-C-12", "quantity": 1, "ship_to": w.dock, "cost_centre": "CC-ER"}
        ]),
    )
    .await;
    t.post(
        "/api/v1/orders",
        json!({"account_id": w.other_account, "placed_at": "2026-11-01T10:00:00Z",
               "lines": [{"sku": "GLV-NIT-M", "quantity": 100, "ship_to": w.other_ship_to, "cost_centre": "CC-ER"}]}),
    )
    .await
    .ok();
    t.post(
        "/api/v1/invoices",
        json!({"account_id": w.account, "currency": "USD", "issued_on": "2026-10-20",
               "lines": [{"order_id": a, "order_line": 1, "quantity": 10, "unit_price": usd("11.75")}],
               "tax": usd("9.40"), "freight": usd("15.00")}),
    )
    .await
    .ok();
    t.post(
        "/api/v1/invoices",
        json!({"account_id": w.account, "currency": "USD", "issued_on": "2026-11-10",
               "lines": [
                   {"order_id": a, "order_line": 2, "quantity": 2, "unit_price": usd("32.50")},
                   {"order_id": b, "order_line": 1, "quantity": 4, "unit_price": usd("12.00")}
               ],
               "tax": usd("0.00"), "freight": usd("0.00")}),
    )
    .await
    .ok();
    Dataset { a, b }
}

/// (label, amount, count) of each group, in order.
fn groups(r: &Value) -> Vec<(String, String, u64)> {
    r["groups"]
        .as_array()
        .unwrap_or_else(|| panic!("no groups in {r}"))
        .iter()
        .map(|g| {
            assert_eq!(g["amount"]["currency"], "USD");
            (
                g["label"].as_str().unwrap().to_owned(),
                g["amount"]["amount"].as_str().unwrap().to_owned(),
                g["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn g(label: &str, amount: &str, count: u64) -> (String, String, u64) {
    (label.to_owned(), amount.to_owned(), count)
}

async fn spend_by_location_cost_centre_category_month(t: TestApp) {
    let w = t.world().await;
    let _d = dataset(&t, &w).await;
    let spend = |q: &str| format!("/api/v1/accounts/{}/spend?{q}", w.account);

    // Ordered basis.
    let r = t.get(&spend("group_by=location")).await.ok();
    assert_eq!(r.body["basis"], "ordered");
    assert_eq!(r.body["counted"], "orders");
    assert_eq!(r.body["currency"], "USD");
    assert_eq!(r.body["total"], usd("262.00"));
    assert_eq!(
        groups(&r.body),
        [
            g("Main St receiving dock", "150.00", 2),
            g("Round Rock store", "65.00", 1),
            g("Cedar Park clinic", "47.00", 1)
        ]
    );
    assert_eq!(r.body["groups"][0]["key"], w.dock.as_str());
    let r = t.get(&spend("group_by=cost_centre&basis=ordered")).await.ok();
    assert_eq!(
        groups(&r.body),
        [
            g("CC-ER", "150.00", 2),
            g("No cost centre", "65.00", 1),
            g("CC-CLN", "47.00", 1)
        ]
    );
    assert_eq!(r.body["groups"][1]["key"], "none");
    let r = t.get(&spend("group_by=category")).await.ok();
    assert_eq!(groups(&r.body), [g("safety", "164.50", 2), g("janitorial", "97.50", 2)]);
    let r = t.get(&spend("group_by=month")).await.ok();
    assert_eq!(
        groups(&r.body),
        [g("2026-10", "182.50", 1), g("2026-11", "79.50", 1)],
        "months oldest first"
    );
    assert_eq!(r.body["groups"][0]["key"], "2026-10");
    // Date range: both ends are whole days, inclusive.
    let r = t.get(&spend("group_by=month&from=2026-11-01")).await.ok();
    assert_eq!(r.body["total"], usd("79.50"));
    assert_eq!(r.body["from"], "2026-11-01");
    let r = t.get(&spend("group_by=month&to=2026-11-03")).await.ok();
    assert_eq!(r.body["total"], usd("262.00"), "an order late on the last day counts");
    let r = t.get(&spend("group_by=month&from=2026-10-01&to=2026-10-31")).await.ok();
    assert_eq!(groups(&r.body), [g("2026-10", "182.50", 1)]);
    let r = t.get(&spend("group_by=location&from=2026-12-01")).await.ok();
    assert_eq!(r.body["total"], usd("0.00"));
    assert_eq!(r.body["groups"], json!([]));

    // Invoiced basis: invoice lines (no tax or freight), by issue date.
    let r = t.get(&spend("group_by=month&basis=invoiced")).await.ok();
    assert_eq!(r.body["counted"], "invoices");
    assert_eq!(r.body["total"], usd("230.50"));
    assert_eq!(groups(&r.body), [g("2026-10", "117.50", 1), g("2026-11", "113.00", 1)]);
    let r = t.get(&spend("group_by=location&basis=invoiced")).await.ok();
    assert_eq!(
        groups(&r.body),
        [
            g("Main St receiving dock", "117.50", 1),
            g("Round Rock store", "65.00", 1),
            g("Cedar Park clinic", "48.00", 1)
        ]
    );
    let r = t.get(&spend("group_by=cost_centre&basis=invoiced")).await.ok();
    assert_eq!(
        groups(&r.body),
        [
            g("CC-ER", "117.50", 1),
            g("No cost centre", "65.00", 1),
            g("CC-CLN", "48.00", 1)
        ]
    );
    let r = t.get(&spend("group_by=category&basis=invoiced")).await.ok();
    assert_eq!(groups(&r.body), [g("safety", "165.50", 2), g("janitorial", "65.00", 1)]);
    let r = t
        .get(&spend("group_by=category&basis=invoiced&from=2026-11-01&to=2026-11-30"))
        .await
        .ok();
    assert_eq!(r.body["total"], usd("113.00"));

    // The other account's spend is its own.
    let r = t
        .get(&format!(
            "/api/v1/accounts/{}/spend?group_by=cost_centre",
            w.other_account
        ))
        .await
        .ok();
    assert_eq!(groups(&r.body), [g("CC-ER", "1400.00", 1)]);

    // Bad parameters name themselves.
    t.get(&spend("group_by=week"))
        .await
        .refused(422, "invalid_value", "group_by");
    t.get(&spend("")).await.refused(422, "invalid_value", "group_by");
    t.get(&spend("group_by=month&basis=paid"))
        .await
        .refused(422, "invalid_value", "basis");
    t.get(&spend("group_by=month&from=2026-13-01"))
        .await
        .refused(422, "invalid_value", "from");
    t.get(&spend("group_by=month&from=2026-11-02&to=2026-11-01"))
        .await
        .refused(422, "invalid_value", "to");
    t.get(&format!(
        "/api/v1/accounts/{}/spend?group_by=month",
        uuid::Uuid::now_v7()
    ))
    .await
    .refused(404, "not_found", "");
}

async fn customers_see_only_their_own(t: TestApp) {
    let w = t.world().await;
    let d = dataset(&t, &w).await;

    // A buyer of another account: Northwind's order, list and spend do not exist for them.
    let contoso = customer_key(
        &t,
        "buyer@contoso.test",
        &w.other_account,
        &["buyer", "finance"],
        json!({"kind": "all"}),
    )
    .await;
    let as_contoso = |path: String| {
        let t = &t;
        let k = contoso.clone();
        async move {
            t.request(axum::http::Method::GET, &path, None, &[("authorization", &k)])
                .await
        }
    };
    as_contoso(format!("/api/v1/orders/{}/reorder", d.a))
        .await
        .refused(404, "not_found", "");
    t.request(
        axum::http::Method::POST,
        &format!("/api/v1/orders/{}/reorder", d.a),
        Some(&json!({})),
        &[("authorization", &contoso)],
    )
    .await
    .refused(404, "not_found", "");
    as_contoso(format!("/api/v1/accounts/{}/spend?group_by=month", w.account))
        .await
        .refused(404, "not_found", "");
    let list = t
        .post(
            "/api/v1/saved-lists",
            json!({"account_id": w.account, "name": "Dock restock", "lines": [
                {"sku": "GLV-NIT-M", "quantity": 5, "ship_to": w.dock},
                {"sku": "TWL-C-12", "quantity": 1, "ship_to": w.store}
            ]}),
        )
        .await
        .ok()
        .id();
    as_contoso(format!("/api/v1/saved-lists/{list}"))
        .await
        .refused(404, "not_found", "");
    as_contoso(format!("/api/v1/saved-lists/{list}/reorder"))
        .await
        .refused(404, "not_found", "");
    let seen = as_contoso("/api/v1/saved-lists".to_owned()).await.ok();
    assert_eq!(seen.body["items"], json!([]));
    // Contoso's own spend works for them.
    let own = as_contoso(format!("/api/v1/accounts/{}/spend?group_by=month", w.other_account))
        .await
        .ok();
    assert_eq!(own.body["total"], usd("1400.00"));

    // A Northwind buyer limited to the dock sees the dock's lines only, in reports and reorders.
    let dock = customer_key(
        &t,
        "dock@northwind.test",
        &w.account,
        &["buyer", "finance"],
        json!({"kind": "only", "locations": [w.dock]}),
    )
    .await;
    let get = |path: String| {
        let t = &t;
        let k = dock.clone();
        async move {
            t.request(axum::http::Method::GET, &path, None, &[("authorization", &k)])
                .await
        }
    };
    let r = get(format!("/api/v1/accounts/{}/spend?group_by=location", w.account))
        .await
        .ok();
    assert_eq!(groups(&r.body), [g("Main St receiving dock", "150.00", 2)]);
    let r = get(format!(
        "/api/v1/accounts/{}/spend?group_by=month&basis=invoiced",
        w.account
    ))
    .await
    .ok();
    assert_eq!(groups(&r.body), [g("2026-10", "117.50", 1)]);
    let p = get(format!("/api/v1/orders/{}/reorder", d.a)).await.ok();
    let lines = p.body["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 1, "only the dock's line: {}", p.body);
    assert_eq!(lines[0]["ship_to"], w.dock.as_str());
    let p = get(format!("/api/v1/saved-lists/{list}/reorder")).await.ok();
    assert_eq!(p.body["lines"].as_array().unwrap().len(), 1);
    // Reading the mixed list itself shows only the dock's lines too (staff see all of them).
    let all = t.get(&format!("/api/v1/saved-lists/{list}")).await.ok();
    assert!(all.body["lines"].as_array().unwrap().len() > 1, "{}", all.body);
    let seen = get(format!("/api/v1/saved-lists/{list}")).await.ok();
    let ships: Vec<&str> = seen.body["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["ship_to"].as_str().unwrap())
        .collect();
    assert_eq!(ships, [w.dock.as_str()], "{}", seen.body);
    let placed = t
        .request(
            axum::http::Method::POST,
            &format!("/api/v1/orders/{}/reorder", d.a),
            Some(&json!({})),
            &[("authorization", &dock)],
        )
        .await;
    assert_eq!(placed.status, 201, "{}", placed.body);
    assert_eq!(placed.body["lines"].as_array().unwrap().len(), 1);
    assert_eq!(placed.body["lines"][0]["ship_to"], w.dock.as_str());
    // A list only for other locations is not theirs to see.
    let store_only = t
        .post(
            "/api/v1/saved-lists",
            json!({"account_id": w.account, "name": "Store restock", "lines": [{"sku": "TWL-C-12", "quantity": 1, "ship_to": w.store}]}),
        )
        .await
        .ok()
        .id();
    get(format!("/api/v1/saved-lists/{store_only}"))
        .await
        .refused(404, "not_found", "");
    let mine = get("/api/v1/saved-lists".to_owned()).await.ok();
    assert_eq!(mine.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(mine.body["items"][0]["id"], list.as_str());
    // It cannot save a list for a location outside its scope.
    t.request(
        axum::http::Method::POST,
        "/api/v1/saved-lists",
        Some(&json!({"account_id": w.account, "name": "x", "lines": [{"sku": "GLV-NIT-M", "quantity": 1, "ship_to": w.store}]})),
        &[("authorization", &dock)],
    )
    .await
    .refused(422, "out_of_scope", "lines[0].ship_to");
    let _ = d.b;
}

both_stores!(
    reorder_from_an_order,
    reorder_from_a_saved_list,
    reorder_goes_through_approval,
    spend_by_location_cost_centre_category_month,
    customers_see_only_their_own
);
