//! Rules of issue 6 (points 4, 5 and 8), through the HTTP API on both stores: no invoice for an
//! order held or rejected in approval; a location-scoped user's filters and lists never reveal
//! lines outside their scope; approval answers name people to everyone who may read the order;
//! delegations listed and ended; unapplied cash beside open invoices; one name per concept,
//! case-insensitive payment methods, an all-refused tracking batch answered 422, and a status
//! vocabulary that says "part delivered, part not shipped".

use crate::harness::{Resp, TestApp, World, usd};
use axum::http::Method;
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery staple 42";

struct Member {
    id: String,
    key: String,
}

/// Invites a customer user of the World's account (optionally scoped), activates them and gives
/// them an API key.
async fn member(t: &TestApp, w: &World, name: &str, roles: &[&str], scope: Option<Value>) -> Member {
    let email = format!("{}@northwind.example", name.to_lowercase().replace(' ', "."));
    let mut body = json!({"email": email, "name": name, "type": "customer", "account_id": w.account, "roles": roles});
    if let Some(s) = scope {
        body["scope"] = s;
    }
    let inv = t.post("/api/v1/users", body).await.ok();
    let id = inv.body["user"]["id"].as_str().expect("user id").to_owned();
    let token = inv.body["invitation_token"].as_str().expect("token").to_owned();
    t.post(
        "/api/v1/invitations/accept",
        json!({"token": token, "password": PASSWORD}),
    )
    .await
    .ok();
    let key = t
        .post(
            "/api/v1/api-keys",
            json!({"name": format!("{name} key"), "user_id": id}),
        )
        .await
        .ok();
    Member {
        id,
        key: key.body["key"].as_str().expect("secret shown once").to_owned(),
    }
}

async fn as_(t: &TestApp, m: &Member, method: Method, path: &str, body: Option<Value>) -> Resp {
    let auth = format!("Bearer {}", m.key);
    t.request(method, path, body.as_ref(), &[("authorization", &auth)])
        .await
}

/// 50 × 11.75 (contract) = 587.50: over a 500.00 threshold.
fn big_order(w: &World) -> Value {
    json!({"account_id": w.account, "lines": [{"product_id": w.gloves, "quantity": 50, "ship_to": w.dock}]})
}

/// An order of `n` gloves to the dock.
async fn gloves(t: &TestApp, w: &World, n: u32) -> String {
    t.post(
        "/api/v1/orders",
        json!({"account_id": w.account, "lines": [{"product_id": w.gloves, "quantity": n, "ship_to": w.dock}]}),
    )
    .await
    .ok()
    .id()
}

fn ids(r: &Resp) -> Vec<String> {
    r.body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("a page: {}", r.body))
        .iter()
        .map(|o| o["id"].as_str().expect("id").to_owned())
        .collect()
}

/// What a refused command must leave untouched: the order (body and version) and its timeline.
async fn snapshot(t: &TestApp, oid: &str) -> (Value, String, Value) {
    let o = t.get(&format!("/api/v1/orders/{oid}")).await.ok();
    let tl = t.get(&format!("/api/v1/orders/{oid}/timeline")).await.ok();
    let etag = o.etag();
    (o.body, etag, tl.body)
}

async fn invoice_lines(t: &TestApp, w: &World, oid: &str) -> Resp {
    t.post(
        "/api/v1/invoices",
        json!({"account_id": w.account, "currency": "USD",
               "lines": [{"order_id": oid, "order_line": 1, "quantity": 50, "unit_price": usd("11.75")}]}),
    )
    .await
}

async fn invoices_of(t: &TestApp, w: &World) -> usize {
    let r = t.get(&format!("/api/v1/invoices?account_id={}", w.account)).await.ok();
    r.body["items"].as_array().map_or(0, Vec::len)
}

async fn held_and_rejected_orders_cannot_be_invoiced(t: TestApp) {
    let w = t.world().await;
    let buyer = member(&t, &w, "Bea Buyer", &["buyer"], None).await;
    let approver = member(&t, &w, "Ana Approver", &["approver"], None).await;
    t.put(
        &format!("/api/v1/accounts/{}/approval-policy", w.account),
        json!({"rules": [{"name": "Over 500", "condition": {"kind": "order_total_over", "amount": usd("500.00")},
                          "levels": [{"kind": "role"}]}]}),
    )
    .await
    .ok();
    let held = as_(&t, &buyer, Method::POST, "/api/v1/orders", Some(big_order(&w)))
        .await
        .ok();
    assert_eq!(held.body["status"], "awaiting_approval", "{}", held.body);
    let held = held.id();
    let rejected = as_(&t, &buyer, Method::POST, "/api/v1/orders", Some(big_order(&w)))
        .await
        .ok()
        .id();
    as_(
        &t,
        &approver,
        Method::POST,
        &format!("/api/v1/orders/{rejected}/approvals/decision"),
        Some(json!({"approve": false, "comment": "not this quarter"})),
    )
    .await
    .ok();

    for (oid, what) in [(&held, "held for approval"), (&rejected, "rejected in approval")] {
        let before = snapshot(&t, oid).await;
        let invoices_before = invoices_of(&t, &w).await;
        let r = invoice_lines(&t, &w, oid).await;
        r.refused(409, "order_not_approved", "lines[0].order_id");
        assert!(
            r.body["detail"].as_str().unwrap_or("").contains(if oid == &held {
                "awaiting approval"
            } else {
                "rejected"
            }),
            "the refusal says why: {}",
            r.body
        );
        assert_eq!(snapshot(&t, oid).await, before, "an order {what}: nothing changed");
        assert_eq!(
            invoices_of(&t, &w).await,
            invoices_before,
            "no invoice for an order {what}"
        );
    }

    // Once approved, the same invoice is accepted: the rule is about approval, nothing else.
    as_(
        &t,
        &approver,
        Method::POST,
        &format!("/api/v1/orders/{held}/approvals/decision"),
        Some(json!({"approve": true})),
    )
    .await
    .ok();
    assert_eq!(invoice_lines(&t, &w, &held).await.ok().status.as_u16(), 201);
}

async fn scoped_filters_and_lists_hide_out_of_scope_lines(t: TestApp) {
    let w = t.world().await;
    let dock_buyer = member(
        &t,
        &w,
        "Dock Buyer",
        &["buyer"],
        Some(json!({"kind": "only", "locations": [w.dock]})),
    )
    .await;
    // Mixed: 10 gloves to the dock (in scope), 4 towels to the store (not).
    let mixed = t.order(&w, 10, 4).await.ok().id();
    // Store only: invisible to the dock buyer.
    let store_only = t
        .post(
            "/api/v1/orders",
            json!({"account_id": w.account, "lines": [{"product_id": w.towels, "quantity": 1, "ship_to": w.store}]}),
        )
        .await
        .ok()
        .id();

    // A filter on a location outside the scope is refused, naming the parameter.
    for path in [
        format!("/api/v1/orders?location_id={}", w.store),
        format!("/api/v1/orders?location_id={}&status=pending", w.store),
        format!("/api/v1/shipments?location_id={}", w.store),
    ] {
        as_(&t, &dock_buyer, Method::GET, &path, None)
            .await
            .refused(422, "out_of_scope", "location_id");
    }
    // A filter on their own location finds the mixed order, with their line only.
    let own = as_(
        &t,
        &dock_buyer,
        Method::GET,
        &format!("/api/v1/orders?location_id={}", w.dock),
        None,
    )
    .await
    .ok();
    assert_eq!(ids(&own), std::slice::from_ref(&mixed));
    let list = as_(&t, &dock_buyer, Method::GET, "/api/v1/orders", None).await.ok();
    assert_eq!(
        ids(&list),
        std::slice::from_ref(&mixed),
        "the store-only order is not theirs"
    );
    let item = &list.body["items"][0];
    assert_eq!(item["lines"].as_array().map(Vec::len), Some(1), "{item}");
    assert_eq!(item["lines"][0]["ship_to"], w.dock.as_str());
    assert_eq!(
        item["goods_total"],
        usd("117.50"),
        "10 × 11.75: the towels are not counted"
    );
    assert_eq!(item["total"], usd("117.50"));
    let text = list.body.to_string();
    assert!(
        !text.contains(&w.store) && !text.contains("TWL-C-12"),
        "nothing of the store line shows: {text}"
    );
    // Staff see the whole order.
    let all = t.get(&format!("/api/v1/orders/{mixed}")).await.ok();
    assert_eq!(all.body["goods_total"], usd("247.50"), "117.50 + 4 × 32.50");

    // Deliver the store line: the whole order is part delivered, part not shipped; the dock
    // buyer's part is still pending, and the status filter answers for their part only.
    t.post(
        &format!("/api/v1/orders/{mixed}/allocations"),
        json!({"line": 2, "fulfilment_location_id": w.dallas, "quantity": 4}),
    )
    .await
    .ok();
    let s = t
        .post(
            "/api/v1/shipments",
            json!({"order_id": mixed, "from_location_id": w.dallas, "to_location_id": w.store,
                   "lines": [{"line": 2, "quantity": 4}], "carrier": "UPS", "tracking_number": "1ZSTORE0001"}),
        )
        .await
        .ok()
        .id();
    t.post(
        "/api/v1/tracking-events",
        json!({"events": [{"shipment_id": s, "status": "delivered", "occurred_at": "2026-11-20T16:00:00Z"}]}),
    )
    .await
    .ok();
    let whole = t.get(&format!("/api/v1/orders/{mixed}")).await.ok();
    assert_eq!(whole.body["status"], "partially_delivered_partially_shipped");
    let staff_delivered = t.get("/api/v1/orders?status=partially_delivered").await.ok();
    assert!(
        ids(&staff_delivered).contains(&mixed),
        "staff find it as partially delivered"
    );
    for status in [
        "delivered",
        "partially_delivered",
        "partially_delivered_partially_shipped",
        "partially_shipped",
        "allocated",
    ] {
        let r = as_(
            &t,
            &dock_buyer,
            Method::GET,
            &format!("/api/v1/orders?status={status}"),
            None,
        )
        .await
        .ok();
        assert!(
            ids(&r).is_empty(),
            "?status={status} must not hint at the hidden delivered line: {}",
            r.body
        );
    }
    let pending = as_(&t, &dock_buyer, Method::GET, "/api/v1/orders?status=pending", None)
        .await
        .ok();
    assert_eq!(
        ids(&pending),
        std::slice::from_ref(&mixed),
        "their part of the order is pending"
    );
    assert_eq!(pending.body["items"][0]["status"], "pending");
    let staff_pending = t.get("/api/v1/orders?status=pending").await.ok();
    assert_eq!(
        ids(&staff_pending),
        std::slice::from_ref(&store_only),
        "for staff the mixed order is not pending"
    );
}

async fn approval_names_are_shown_to_readers_without_the_directory(t: TestApp) {
    let w = t.world().await;
    let buyer = member(&t, &w, "Bea Buyer", &["buyer"], None).await;
    let controller = member(&t, &w, "Carl Controller", &["approver"], None).await;
    let deputy = member(&t, &w, "Dee Deputy", &["approver"], None).await;
    let viewer = member(&t, &w, "Vic Viewer", &["viewer"], None).await;
    t.put(
        &format!("/api/v1/accounts/{}/approval-policy", w.account),
        json!({"rules": [{"name": "Over 500", "condition": {"kind": "order_total_over", "amount": usd("500.00")},
                          "levels": [{"kind": "user", "user_id": controller.id}]}]}),
    )
    .await
    .ok();
    let oid = as_(&t, &buyer, Method::POST, "/api/v1/orders", Some(big_order(&w)))
        .await
        .ok()
        .id();
    let waiting = as_(
        &t,
        &buyer,
        Method::GET,
        &format!("/api/v1/orders/{oid}/approvals"),
        None,
    )
    .await
    .ok();
    assert_eq!(waiting.body["steps"][0]["approver"], controller.id.as_str());
    assert_eq!(waiting.body["steps"][0]["approver_name"], "Carl Controller");
    assert!(
        waiting.body["summary"]
            .as_str()
            .unwrap_or("")
            .contains("waiting for Carl Controller"),
        "{}",
        waiting.body
    );

    as_(
        &t,
        &controller,
        Method::POST,
        &format!("/api/v1/accounts/{}/delegations", w.account),
        Some(json!({"from": controller.id, "to": deputy.id, "from_date": "2026-11-20", "until": "2026-11-30"})),
    )
    .await
    .ok();
    as_(
        &t,
        &deputy,
        Method::POST,
        &format!("/api/v1/orders/{oid}/approvals/decision"),
        Some(json!({"approve": true, "comment": "ok while Carl is out"})),
    )
    .await
    .ok();
    for (who, m) in [("buyer", &buyer), ("viewer", &viewer)] {
        // Neither may read the user directory…
        as_(&t, m, Method::GET, "/api/v1/users", None)
            .await
            .refused(403, "forbidden", "");
        as_(&t, m, Method::GET, &format!("/api/v1/users/{}", controller.id), None)
            .await
            .refused(403, "forbidden", "");
        // …but both read who decided, and for whom, by name.
        let ap = as_(&t, m, Method::GET, &format!("/api/v1/orders/{oid}/approvals"), None)
            .await
            .ok();
        let d = &ap.body["steps"][0]["decision"];
        assert_eq!(d["by_name"], "Dee Deputy", "{who}: {}", ap.body);
        assert_eq!(d["on_behalf_of"], controller.id.as_str(), "{who}");
        assert_eq!(d["on_behalf_of_name"], "Carl Controller", "{who}: {}", ap.body);
        assert_eq!(ap.body["steps"][0]["approver_name"], "Carl Controller", "{who}");
        let summary = ap.body["summary"].as_str().unwrap_or("");
        assert!(
            summary.contains("Approved by Dee Deputy on behalf of Carl Controller"),
            "{who}: {summary}"
        );
    }
}

async fn delegations_are_listed_and_ended(t: TestApp) {
    let w = t.world().await;
    let buyer = member(&t, &w, "Bea Buyer", &["buyer"], None).await;
    let controller = member(&t, &w, "Carl Controller", &["approver"], None).await;
    let deputy = member(&t, &w, "Dee Deputy", &["approver"], None).await;
    let viewer = member(&t, &w, "Vic Viewer", &["viewer"], None).await;
    let base = format!("/api/v1/accounts/{}/delegations", w.account);
    t.put(
        &format!("/api/v1/accounts/{}/approval-policy", w.account),
        json!({"rules": [{"name": "Over 500", "condition": {"kind": "order_total_over", "amount": usd("500.00")},
                          "levels": [{"kind": "user", "user_id": controller.id}]}]}),
    )
    .await
    .ok();
    let created = as_(
        &t,
        &controller,
        Method::POST,
        &base,
        Some(json!({"from": controller.id, "to": deputy.id, "from_date": "2026-11-20", "until": "2026-11-30"})),
    )
    .await
    .ok();
    assert_eq!(created.status.as_u16(), 201, "{}", created.body);
    let did = created.id();
    assert_eq!(created.body["state"], "active");

    let list = as_(&t, &deputy, Method::GET, &base, None).await.ok();
    let items = list.body.as_array().expect("a list");
    assert_eq!(items.len(), 1, "{}", list.body);
    assert_eq!(items[0]["id"], did.as_str());
    assert_eq!(items[0]["from_name"], "Carl Controller");
    assert_eq!(items[0]["to_name"], "Dee Deputy");
    assert_eq!(items[0]["state"], "active");
    // A viewer approves nothing, so does not list delegations.
    as_(&t, &viewer, Method::GET, &base, None)
        .await
        .refused(403, "forbidden", "");

    let end = format!("{base}/{did}/end");
    // The delegate cannot end it (only the delegator or an account admin).
    as_(&t, &deputy, Method::POST, &end, Some(json!({})))
        .await
        .refused(403, "forbidden", "");
    as_(
        &t,
        &controller,
        Method::POST,
        &format!("{base}/{}/end", uuid::Uuid::now_v7()),
        Some(json!({})),
    )
    .await
    .refused(404, "not_found", "");
    let ended = as_(&t, &controller, Method::POST, &end, Some(json!({}))).await.ok();
    assert_eq!(ended.body["state"], "ended", "{}", ended.body);
    assert!(ended.body["ended_at"].is_string());
    as_(&t, &controller, Method::POST, &end, Some(json!({})))
        .await
        .refused(409, "invalid_state", "delegation_id");
    let list = as_(&t, &controller, Method::GET, &base, None).await.ok();
    assert_eq!(
        list.body[0]["state"], "ended",
        "ended delegations stay listed: {}",
        list.body
    );

    // The ended delegation no longer lets the delegate decide.
    let oid = as_(&t, &buyer, Method::POST, "/api/v1/orders", Some(big_order(&w)))
        .await
        .ok()
        .id();
    let before = snapshot(&t, &oid).await;
    as_(
        &t,
        &deputy,
        Method::POST,
        &format!("/api/v1/orders/{oid}/approvals/decision"),
        Some(json!({"approve": true})),
    )
    .await
    .refused(403, "not_approver", "approver");
    assert_eq!(snapshot(&t, &oid).await, before, "a refused decision changes nothing");
    // The controller, back, decides himself.
    as_(
        &t,
        &controller,
        Method::POST,
        &format!("/api/v1/orders/{oid}/approvals/decision"),
        Some(json!({"approve": true})),
    )
    .await
    .ok();
}

async fn open_position_shows_unapplied_payments_and_credits(t: TestApp) {
    let w = t.world().await;
    let oid = t.order(&w, 10, 5).await.ok().id();
    let invoice = |line: u32, qty: u32, price: &str| {
        json!({"account_id": w.account, "currency": "USD",
               "lines": [{"order_id": oid, "order_line": line, "quantity": qty, "unit_price": usd(price)}]})
    };
    // 10 × 11.75 = 117.50, paid with 150.00: 32.50 stays unapplied.
    let paid = t.post("/api/v1/invoices", invoice(1, 10, "11.75")).await.ok().id();
    let open = t.post("/api/v1/invoices", invoice(2, 5, "32.50")).await.ok().id();
    let pay = t
        .post(
            "/api/v1/payments",
            json!({"account_id": w.account, "method": "wire", "amount": usd("150.00"),
                   "applications": [{"invoice_id": paid, "amount": usd("117.50")}]}),
        )
        .await
        .ok();
    assert_eq!(pay.body["unapplied"], usd("32.50"));
    // A goodwill credit issued on account, to no invoice.
    let memo = t
        .post(
            "/api/v1/credit-memos",
            json!({"account_id": w.account, "amount": usd("20.00"), "reason": "goodwill"}),
        )
        .await
        .ok()
        .id();
    let p = t
        .get(&format!("/api/v1/accounts/{}/open-invoices", w.account))
        .await
        .ok();
    let b = &p.body;
    assert_eq!(b["total_open"], usd("162.50"), "{b}");
    assert_eq!(b["unapplied_payments"], usd("32.50"), "{b}");
    assert_eq!(b["unapplied_credits"], usd("20.00"), "{b}");
    assert_eq!(b["balance"], usd("110.00"), "162.50 − 32.50 − 20.00: {b}");
    assert_eq!(b["credit_available"], usd("49890.00"), "50,000 − 110: {b}");
    assert_eq!(b["invoices"].as_array().map(Vec::len), Some(1));
    assert_eq!(b["invoices"][0]["id"], open.as_str());
    assert_eq!(b["payments"].as_array().map(Vec::len), Some(1), "{b}");
    assert_eq!(b["payments"][0]["id"], pay.id().as_str());
    assert_eq!(b["payments"][0]["unapplied"], usd("32.50"));
    assert_eq!(b["credit_memos"].as_array().map(Vec::len), Some(1), "{b}");
    assert_eq!(b["credit_memos"][0]["id"], memo.as_str());

    // Pay the rest with 200.00 on account: the account is in credit, and says so.
    t.post(
        "/api/v1/payments",
        json!({"account_id": w.account, "method": "wire", "amount": usd("200.00"),
               "applications": [{"invoice_id": open, "amount": usd("162.50")}]}),
    )
    .await
    .ok();
    let p = t
        .get(&format!("/api/v1/accounts/{}/open-invoices", w.account))
        .await
        .ok();
    assert_eq!(p.body["total_open"], usd("0.00"));
    assert_eq!(p.body["unapplied_payments"], usd("70.00"), "32.50 + 37.50");
    assert_eq!(p.body["balance"], usd("-90.00"), "in credit: {}", p.body);
    assert_eq!(p.body["payments"].as_array().map(Vec::len), Some(2));
}

async fn payment_methods_ignore_letter_case(t: TestApp) {
    let w = t.world().await;
    for (given, stored) in [("ACH", "ach"), ("Card", "card"), ("WIRE", "wire"), ("Cheque", "cheque")] {
        let r = t
            .post(
                "/api/v1/payments",
                json!({"account_id": w.account, "method": given, "amount": usd("1.00"), "applications": []}),
            )
            .await;
        assert_eq!(r.status.as_u16(), 201, "{given}: {}", r.body);
        assert_eq!(r.body["method"], stored, "{given}");
    }
    t.post(
        "/api/v1/payments",
        json!({"account_id": w.account, "method": "Bitcoin", "amount": usd("1.00"), "applications": []}),
    )
    .await
    .refused(422, "invalid_value", "method");
}

async fn an_all_refused_tracking_batch_is_422(t: TestApp) {
    let w = t.world().await;
    let oid = gloves(&t, &w, 10).await;
    t.post(
        &format!("/api/v1/orders/{oid}/allocations"),
        json!({"line": 1, "fulfilment_location_id": w.dallas, "quantity": 10}),
    )
    .await
    .ok();
    t.post(
        "/api/v1/shipments",
        json!({"order_id": oid, "from_location_id": w.dallas, "to_location_id": w.dock,
               "lines": [{"line": 1, "quantity": 10}], "carrier": "UPS", "tracking_number": "1ZBATCH0001"}),
    )
    .await
    .ok();
    let before = snapshot(&t, &oid).await;
    let bad = json!({"events": [
        {"tracking_number": "1ZBATCH0001", "status": "teleported", "occurred_at": "2026-11-20T16:00:00Z"},
        {"tracking_number": "1ZNOSUCH", "status": "in_transit", "occurred_at": "2026-11-20T16:00:00Z"}]});
    let r = t.post("/api/v1/tracking-events", bad).await;
    assert_eq!(r.status.as_u16(), 422, "every event refused: {}", r.body);
    assert_eq!(
        (r.body["applied"].as_u64(), r.body["rejected"].as_u64()),
        (Some(0), Some(2))
    );
    assert_eq!(r.body["results"][0]["error"]["code"], "invalid_value");
    assert_eq!(r.body["results"][1]["error"]["code"], "unknown_reference");
    assert_eq!(snapshot(&t, &oid).await, before, "nothing changed");
    // One good event makes the batch a 200, the bad one still reported.
    let mixed = json!({"events": [
        {"tracking_number": "1ZBATCH0001", "status": "in_transit", "occurred_at": "2026-11-20T16:00:00Z"},
        {"tracking_number": "1ZNOSUCH", "status": "in_transit", "occurred_at": "2026-11-20T16:00:00Z"}]});
    let r = t.post("/api/v1/tracking-events", mixed.clone()).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.body);
    assert_eq!(
        (r.body["applied"].as_u64(), r.body["rejected"].as_u64()),
        (Some(1), Some(1))
    );
    // A replay is a duplicate, not a refusal: still 200.
    let r = t.post("/api/v1/tracking-events", mixed).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.body);
    assert_eq!(r.body["duplicates"], 1);
}

async fn part_delivered_part_unshipped_says_both(t: TestApp) {
    let w = t.world().await;
    let placed = t
        .post(
            "/api/v1/orders",
            json!({"account_id": w.account, "freight": usd("15.00"),
                   "lines": [{"product_id": w.gloves, "quantity": 10, "ship_to": w.dock}]}),
        )
        .await
        .ok();
    let oid = placed.id();
    assert_eq!(placed.body["goods_total"], usd("117.50"));
    assert_eq!(placed.body["freight"], usd("15.00"));
    assert_eq!(placed.body["total"], usd("132.50"), "total includes freight");
    // Another order only partially shipped (nothing delivered), for the filter.
    let other = gloves(&t, &w, 4).await;
    for (o, q) in [(&oid, 10), (&other, 4)] {
        t.post(
            &format!("/api/v1/orders/{o}/allocations"),
            json!({"line": 1, "fulfilment_location_id": w.dallas, "quantity": q}),
        )
        .await
        .ok();
    }
    t.post(
        "/api/v1/shipments",
        json!({"order_id": other, "from_location_id": w.dallas, "to_location_id": w.dock,
               "lines": [{"line": 1, "quantity": 1}], "carrier": "UPS", "tracking_number": "1ZOTHER0001"}),
    )
    .await
    .ok();
    // 4 of 10 shipped and delivered; 6 not shipped at all.
    t.post(
        "/api/v1/shipments",
        json!({"order_id": oid, "from_location_id": w.dallas, "to_location_id": w.dock,
               "lines": [{"line": 1, "quantity": 4}], "carrier": "UPS", "tracking_number": "1ZPART0001"}),
    )
    .await
    .ok();
    t.post(
        "/api/v1/tracking-events",
        json!({"events": [{"tracking_number": "1ZPART0001", "status": "delivered", "occurred_at": "2026-11-20T16:00:00Z"}]}),
    )
    .await
    .ok();
    let st = t.get(&format!("/api/v1/orders/{oid}/status")).await.ok();
    assert_eq!(
        st.body["status"], "partially_delivered_partially_shipped",
        "{}",
        st.body
    );
    let line = &st.body["lines"][0];
    assert_eq!(line["status"], "partially_delivered_partially_shipped");
    assert_eq!(line["ledger"]["shipped"], 4, "one name: `ledger`, as on the order");
    assert_eq!(line["ledger"]["delivered"], 4);
    assert_eq!(line["ledger"]["allocated"], 6);
    assert!(
        line.get("quantities").is_none(),
        "no second name for the ledger: {line}"
    );
    assert_eq!(
        line["shipments"].as_array().map(Vec::len),
        Some(1),
        "the list is `shipments`"
    );
    assert_eq!(line["shipments"][0]["quantity"], 4);
    let order = t.get(&format!("/api/v1/orders/{oid}")).await.ok();
    assert_eq!(order.body["status"], "partially_delivered_partially_shipped");
    assert_eq!(order.body["lines"][0]["ledger"]["shipped"], 4);

    let find = |status: &'static str| {
        let t = &t;
        async move {
            let mut out = Vec::new();
            let mut path = format!("/api/v1/orders?status={status}&limit=1");
            loop {
                let r = t.get(&path).await.ok();
                out.extend(ids(&r));
                match r.body["next_cursor"].as_str() {
                    Some(c) => path = format!("/api/v1/orders?status={status}&limit=1&cursor={c}"),
                    None => return out,
                }
            }
        }
    };
    let mut partially_shipped = find("partially_shipped").await;
    partially_shipped.sort();
    let mut want = vec![oid.clone(), other.clone()];
    want.sort();
    assert_eq!(
        partially_shipped, want,
        "found as partially shipped (paged one by one, no repeats)"
    );
    assert_eq!(
        find("partially_delivered").await,
        std::slice::from_ref(&oid),
        "and as partially delivered"
    );
    assert_eq!(
        find("partially_delivered_partially_shipped").await,
        std::slice::from_ref(&oid)
    );
    assert!(find("shipped").await.is_empty());
    assert!(find("delivered").await.is_empty());

    // The other 6 ship: now everything has shipped and part is delivered.
    t.post(
        "/api/v1/shipments",
        json!({"order_id": oid, "from_location_id": w.dallas, "to_location_id": w.dock,
               "lines": [{"line": 1, "quantity": 6}], "carrier": "UPS", "tracking_number": "1ZPART0002"}),
    )
    .await
    .ok();
    let st = t.get(&format!("/api/v1/orders/{oid}/status")).await.ok();
    assert_eq!(st.body["status"], "partially_delivered");
    assert_eq!(find("partially_shipped").await, std::slice::from_ref(&other));
    assert_eq!(find("partially_delivered").await, std::slice::from_ref(&oid));
    t.get("/api/v1/orders?status=half_done")
        .await
        .refused(422, "invalid_value", "status");
}

both_stores!(
    held_and_rejected_orders_cannot_be_invoiced,
    scoped_filters_and_lists_hide_out_of_scope_lines,
    approval_names_are_shown_to_readers_without_the_directory,
    delegations_are_listed_and_ended,
    open_position_shows_unapplied_payments_and_credits,
    payment_methods_ignore_letter_case,
    an_all_refused_tracking_batch_is_422,
    part_delivered_part_unshipped_says_both,
);
