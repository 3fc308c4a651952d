//! The dropship network end to end: routing rules, routing an order, suppliers rejecting lines
//! (re-routed, then backordered), stock feeds, the on-time record, and the customer who sees
//! one order and never the supplier behind it.

use crate::harness::{Resp, TestApp, World, usd};
use axum::http::Method;
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery staple 42";

/// Invites a user (as the staff key), accepts with a password, and returns its bearer header.
async fn enrol(t: &TestApp, body: Value) -> String {
    let r = t.post("/api/v1/users", body).await.ok();
    let token = r.body["invitation_token"].as_str().expect("token").to_owned();
    let user = r.body["user"]["id"].as_str().expect("user id").to_owned();
    t.request(
        Method::POST,
        "/api/v1/invitations/accept",
        Some(&json!({"token": token, "password": PASSWORD})),
        &[("authorization", "")],
    )
    .await
    .ok();
    let k = t
        .post("/api/v1/api-keys", json!({"name": "dropship test", "user_id": user}))
        .await
        .ok();
    format!("Bearer {}", k.body["key"].as_str().expect("key"))
}

async fn send(t: &TestApp, auth: &str, method: Method, path: &str, body: Option<Value>) -> Resp {
    t.request(method, path, body.as_ref(), &[("authorization", auth)]).await
}

/// Two dropship suppliers with a user each, a buyer of the world's account, and an
/// operations user.
struct Net {
    w: World,
    acme: String,
    beta: String,
    sue: String,
    bob: String,
    buyer: String,
    ops: String,
}

async fn network(t: &TestApp) -> Net {
    let w = t.world().await;
    let loc =
        |code: &str, name: &str| json!({"code": code, "name": name, "kind": "dropship_supplier", "city": "Tulsa"});
    let acme = t
        .post("/api/v1/fulfilment-locations", loc("ACME", "Acme Dropship"))
        .await
        .ok()
        .id();
    let beta = t
        .post("/api/v1/fulfilment-locations", loc("BETA", "Beta Dropship"))
        .await
        .ok()
        .id();
    let sue = enrol(
        t,
        json!({"email": "sue@acme.example", "name": "Sue Supplier", "type": "supplier", "fulfilment_location_id": acme}),
    )
    .await;
    let bob = enrol(
        t,
        json!({"email": "bob@beta.example", "name": "Bob Beta", "type": "supplier", "fulfilment_location_id": beta}),
    )
    .await;
    let buyer = enrol(
        t,
        json!({"email": "bea@northwind.example", "name": "Bea Buyer", "type": "customer", "account_id": w.account,
               "roles": ["buyer"], "scope": {"kind": "all"}}),
    )
    .await;
    let ops = enrol(
        t,
        json!({"email": "olly@seller.example", "name": "Olly Ops", "type": "staff", "role": "operations"}),
    )
    .await;
    Net {
        w,
        acme,
        beta,
        sue,
        bob,
        buyer,
        ops,
    }
}

/// Towels (category `janitorial`, line 2 of `TestApp::order`) go to Acme or Beta, same
/// priority; Beta is cheaper, Acme reports stock.
async fn towel_rules(t: &TestApp, n: &Net) {
    for (name, supplier, cost) in [
        ("Towels via Acme", &n.acme, "5.00"),
        ("Towels via Beta", &n.beta, "4.00"),
    ] {
        t.post(
            "/api/v1/routing-rules",
            json!({"name": name, "categories": ["Janitorial"], "countries": [], "supplier": supplier,
                   "priority": 10, "unit_cost": usd(cost)}),
        )
        .await
        .ok();
    }
    send(
        t,
        &n.sue,
        Method::PUT,
        &format!("/api/v1/suppliers/{}/stock", n.acme),
        Some(json!({"rows": [{"sku": "TWL-C-12", "available": 50, "lead_time_days": 2}]})),
    )
    .await
    .ok();
}

fn line(order: &Value, no: u64) -> &Value {
    order["lines"]
        .as_array()
        .and_then(|ls| ls.iter().find(|l| l["line"] == no))
        .unwrap_or_else(|| panic!("no line {no} in {order}"))
}

async fn rules_are_validated_and_kept_as_documents(t: TestApp) {
    let n = network(&t).await;
    let rule = |body: Value| async { t.post("/api/v1/routing-rules", body).await };
    rule(json!({"name": "x", "supplier": uuid::Uuid::now_v7()}))
        .await
        .refused(422, "unknown_reference", "supplier");
    rule(json!({"name": "x", "supplier": n.w.dallas}))
        .await
        .refused(422, "invalid_value", "supplier");
    rule(json!({"name": "x", "supplier": n.acme, "countries": ["USA"]}))
        .await
        .refused(422, "invalid_value", "countries[0]");
    rule(json!({"name": "x", "supplier": n.acme, "skus": ["A", " "]}))
        .await
        .refused(422, "invalid_value", "skus[1]");
    rule(json!({"name": " ", "supplier": n.acme}))
        .await
        .refused(422, "invalid_value", "name");
    rule(json!({"name": "x", "supplier": n.acme, "unit_cost": usd("-1.00")}))
        .await
        .refused(422, "invalid_value", "unit_cost");
    rule(json!({"name": "x", "supplier": n.acme, "colour": "red"}))
        .await
        .refused(422, "invalid_value", "colour");
    assert_eq!(
        t.get("/api/v1/routing-rules").await.ok().body["items"],
        json!([]),
        "nothing half-written"
    );

    let r = rule(
        json!({"name": "Lamps", "skus": [" LMP-1 "], "countries": ["us"], "postcode_prefixes": ["787"],
                         "supplier": n.acme, "priority": 5, "unit_cost": usd("12.50")}),
    )
    .await
    .ok();
    assert_eq!(r.status.as_u16(), 201);
    assert_eq!(
        (r.body["skus"][0].as_str(), r.body["countries"][0].as_str()),
        (Some("LMP-1"), Some("US"))
    );
    let id = r.id();
    let path = format!("/api/v1/routing-rules/{id}");
    // Only operations (and admins) manage rules; suppliers and customers are refused.
    for who in [&n.sue, &n.buyer] {
        send(&t, who, Method::GET, "/api/v1/routing-rules", None)
            .await
            .refused(403, "forbidden", "");
        send(&t, who, Method::PATCH, &path, Some(json!({"priority": 1})))
            .await
            .refused(403, "forbidden", "");
    }
    let changed = send(
        &t,
        &n.ops,
        Method::PATCH,
        &path,
        Some(json!({"priority": 1, "unit_cost": null, "active": false})),
    )
    .await
    .ok();
    assert_eq!(
        (
            &changed.body["priority"],
            &changed.body["unit_cost"],
            &changed.body["active"],
            &changed.body["version"]
        ),
        (&json!(1), &Value::Null, &json!(false), &json!(2))
    );
    t.request(
        Method::PATCH,
        &path,
        Some(&json!({"priority": 3})),
        &[("if-match", "\"v1\"")],
    )
    .await
    .refused(412, "precondition_failed", "If-Match");
    send(&t, &n.ops, Method::DELETE, &path, None).await.ok();
    t.get(&path).await.refused(404, "not_found", "");
    assert_eq!(t.get("/api/v1/routing-rules").await.ok().body["items"], json!([]));
}

async fn routing_then_rejections_then_backorder(t: TestApp) {
    let n = network(&t).await;
    towel_rules(&t, &n).await;
    let order = t.order(&n.w, 10, 4).await;
    let id = order.id();
    let before = order.etag();

    // Customers and suppliers do not route.
    for who in [&n.buyer, &n.sue] {
        send(
            &t,
            who,
            Method::POST,
            &format!("/api/v1/orders/{id}/route"),
            Some(json!({})),
        )
        .await
        .refused(403, "forbidden", "");
    }
    let r = send(
        &t,
        &n.ops,
        Method::POST,
        &format!("/api/v1/orders/{id}/route"),
        Some(json!({})),
    )
    .await
    .ok();
    assert_ne!(r.etag(), before, "routing is a new version of the order");
    // Gloves (safety) match no rule; towels go to Acme: same priority, Acme reported enough stock
    // (Beta is cheaper but reported nothing).
    assert_eq!(r.body["lines"][0]["line"], 1);
    assert_eq!(r.body["lines"][0]["outcome"], "unrouted");
    assert_eq!(r.body["lines"][0]["code"], "no_rule_matches");
    assert_eq!(r.body["lines"][1]["outcome"], "routed");
    assert_eq!(r.body["lines"][1]["supplier"], n.acme.as_str());
    assert_eq!(r.body["lines"][1]["quantity"], 4);
    let towels = line(&r.body["order"], 2);
    assert_eq!(towels["allocations"][0]["fulfilment_location_id"], n.acme.as_str());
    assert_eq!(towels["allocations"][0]["quantity"], 4);
    assert_eq!(line(&r.body["order"], 1)["allocations"], json!([]));
    // The same fact a manual allocation leaves, naming the rule.
    let tl = t.get(&format!("/api/v1/orders/{id}/timeline")).await.ok().body;
    let allocated: Vec<&Value> = tl["items"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["kind"] == "line.allocated")
        .collect();
    assert_eq!(allocated.len(), 1);
    assert_eq!(allocated[0]["data"]["line"], 2);
    assert_eq!(allocated[0]["data"]["fulfilment_location"], "Acme Dropship");
    assert!(allocated[0]["data"]["routing_rule"].is_string());
    // Routing again has nothing left to place on line 2.
    let again = send(
        &t,
        &n.ops,
        Method::POST,
        &format!("/api/v1/orders/{id}/route"),
        Some(json!({})),
    )
    .await
    .ok();
    assert_eq!(again.body["lines"].as_array().map(Vec::len), Some(1));
    assert_eq!(again.etag(), r.etag(), "nothing routed, nothing written");

    // The supplier's work list has the line.
    let path = format!("/api/v1/orders/{id}/supplier-rejection");
    // Refusals: another supplier's location, a line not routed to it, no reason, a customer.
    send(
        &t,
        &n.bob,
        Method::POST,
        &path,
        Some(json!({"fulfilment_location_id": n.acme, "line": 2, "reason": "x"})),
    )
    .await
    .refused(422, "out_of_scope", "fulfilment_location_id");
    send(&t, &n.bob, Method::POST, &path, Some(json!({"line": 2, "reason": "x"})))
        .await
        .refused(404, "not_found", "");
    send(&t, &n.sue, Method::POST, &path, Some(json!({"line": 1, "reason": "x"})))
        .await
        .refused(422, "unknown_reference", "line");
    send(&t, &n.sue, Method::POST, &path, Some(json!({"line": 2, "reason": " "})))
        .await
        .refused(422, "invalid_value", "reason");
    send(
        &t,
        &n.buyer,
        Method::POST,
        &path,
        Some(json!({"line": 2, "reason": "x"})),
    )
    .await
    .refused(403, "forbidden", "");
    send(&t, &n.ops, Method::POST, &path, Some(json!({"line": 2, "reason": "x"})))
        .await
        .refused(422, "invalid_value", "fulfilment_location_id");

    // Acme rejects: the line goes to Beta, and Sue is not told where.
    let rej = send(
        &t,
        &n.sue,
        Method::POST,
        &path,
        Some(json!({"line": 2, "reason": "out of stock until March"})),
    )
    .await
    .ok();
    assert_eq!(rej.body["outcome"], "rerouted");
    assert_eq!(rej.body["released"], 4);
    assert!(
        rej.body.get("supplier").is_none(),
        "a supplier never learns who took the line: {}",
        rej.body
    );
    let o = t.get(&format!("/api/v1/orders/{id}")).await.ok().body;
    let towels = line(&o, 2);
    assert_eq!(towels["allocations"].as_array().map(Vec::len), Some(1));
    assert_eq!(towels["allocations"][0]["fulfilment_location_id"], n.beta.as_str());
    assert_eq!(towels["allocations"][0]["quantity"], 4);
    assert_eq!(towels["ledger"]["allocated"], 4);
    // The line has left Acme's view.
    let seen = send(&t, &n.sue, Method::GET, &format!("/api/v1/orders/{id}"), None).await;
    assert!(
        seen.status.as_u16() == 404 || seen.body["lines"] == json!([]),
        "Acme still sees the line: {}",
        seen.body
    );
    // Routing never sends it back to Acme.
    let again = send(
        &t,
        &n.ops,
        Method::POST,
        &format!("/api/v1/orders/{id}/route"),
        Some(json!({})),
    )
    .await
    .ok();
    assert!(
        again.body["lines"]
            .as_array()
            .expect("lines")
            .iter()
            .all(|l| l["line"] != 2)
    );

    // Beta rejects too: nobody is left, so the quantity is backordered with the reason.
    let rej = send(
        &t,
        &n.bob,
        Method::POST,
        &path,
        Some(json!({"line": 2, "reason": "discontinued by the maker"})),
    )
    .await
    .ok();
    assert_eq!(rej.body["outcome"], "backordered");
    assert_eq!(rej.body["reason"], "no supplier could fill: discontinued by the maker");
    let o = t.get(&format!("/api/v1/orders/{id}")).await.ok().body;
    let towels = line(&o, 2);
    assert_eq!(towels["allocations"], json!([]));
    assert_eq!(towels["ledger"]["backordered"], 4);
    assert_eq!(towels["ledger"]["unallocated"], 0);
    assert_eq!(
        towels["backorder"]["reason"],
        "no supplier could fill: discontinued by the maker"
    );
    // Who rejected what is on the timeline (for the seller).
    let tl = t.get(&format!("/api/v1/orders/{id}/timeline")).await.ok().body;
    let rejected: Vec<(String, String)> = tl["items"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["kind"] == "line.supplier_rejected")
        .map(|e| {
            (
                e["data"]["fulfilment_location"].as_str().unwrap_or("").to_owned(),
                e["actor"]["name"]
                    .as_str()
                    .or(e["actor_name"].as_str())
                    .unwrap_or("")
                    .to_owned(),
            )
        })
        .collect();
    assert_eq!(rejected.len(), 2, "{tl}");
    assert_eq!(rejected[0].0, "Acme Dropship");
    assert_eq!(rejected[1].0, "Beta Dropship");
}

async fn stock_feeds_are_checked_whole_and_kept_to_their_supplier(t: TestApp) {
    let n = network(&t).await;
    let own = format!("/api/v1/suppliers/{}/stock", n.acme);
    let feed = |rows: Value| Some(json!({ "rows": rows }));
    let ok = send(
        &t,
        &n.sue,
        Method::PUT,
        &own,
        feed(json!([{"sku": "TWL-C-12", "available": 5, "lead_time_days": 3},
                    {"sku": "GLV-NIT-M", "available": 0, "lead_time_days": 10}])),
    )
    .await
    .ok();
    assert_eq!(ok.body["rows"].as_array().map(Vec::len), Some(2));
    // Bad rows are named by index and field; nothing of the feed is kept.
    for (rows, code, field) in [
        (
            json!([{"sku": "A", "available": 1, "lead_time_days": 1}, {"sku": "B", "available": -1, "lead_time_days": 1}]),
            "invalid_quantity",
            "rows[1].available",
        ),
        (
            json!([{"sku": "A", "available": 1, "lead_time_days": 1}, {"sku": "B", "available": 1, "lead_time_days": 1},
                   {"sku": "A", "available": 2, "lead_time_days": 1}]),
            "invalid_value",
            "rows[2].sku",
        ),
        (
            json!([{"sku": "A", "available": 1, "lead_time_days": 400}]),
            "invalid_value",
            "rows[0].lead_time_days",
        ),
        (
            json!([{"sku": "A", "available": 1, "lead_time_days": -2}]),
            "invalid_value",
            "rows[0].lead_time_days",
        ),
        (
            json!([{"sku": "A", "available": "many", "lead_time_days": 1}]),
            "invalid_value",
            "rows[0].available",
        ),
        (
            json!([{"sku": " ", "available": 1, "lead_time_days": 1}]),
            "invalid_value",
            "rows[0].sku",
        ),
    ] {
        send(&t, &n.sue, Method::PUT, &own, feed(rows))
            .await
            .refused(422, code, field);
    }
    let kept = send(&t, &n.sue, Method::GET, &own, None).await.ok();
    assert_eq!(kept.body["rows"], ok.body["rows"], "a refused feed changes nothing");
    // Another supplier's location is not there for Bob; customers may not feed at all.
    let rows = json!([{"sku": "X", "available": 1, "lead_time_days": 1}]);
    send(&t, &n.bob, Method::PUT, &own, feed(rows.clone()))
        .await
        .refused(404, "not_found", "");
    send(&t, &n.bob, Method::GET, &own, None)
        .await
        .refused(404, "not_found", "");
    send(&t, &n.buyer, Method::PUT, &own, feed(rows.clone()))
        .await
        .refused(403, "forbidden", "");
    // Two first feeds at once (the supplier and staff for it) both land: one document.
    let beta_stock = format!("/api/v1/suppliers/{}/stock", n.beta);
    let (a, b) = tokio::join!(
        send(
            &t,
            &n.bob,
            Method::PUT,
            &beta_stock,
            feed(json!([{"sku": "Y", "available": 2, "lead_time_days": 1}]))
        ),
        send(
            &t,
            &n.ops,
            Method::PUT,
            &beta_stock,
            feed(json!([{"sku": "Z", "available": 3, "lead_time_days": 1}]))
        ),
    );
    a.ok();
    b.ok();
    let rows = send(&t, &n.bob, Method::GET, &beta_stock, None).await.ok().body["rows"].clone();
    assert_eq!(
        rows.as_array().map(Vec::len),
        Some(1),
        "the last feed wins whole: {rows}"
    );
    // Staff feed on a supplier's behalf; a warehouse has no feed.
    send(
        &t,
        &n.ops,
        Method::PUT,
        &format!("/api/v1/suppliers/{}/stock", n.beta),
        feed(rows.clone()),
    )
    .await
    .ok();
    send(
        &t,
        &n.ops,
        Method::PUT,
        &format!("/api/v1/suppliers/{}/stock", n.w.dallas),
        feed(rows),
    )
    .await
    .refused(422, "invalid_value", "location");

    // Routing reads the stock: Acme reported 0 gloves (short of 10), so a rule sending gloves
    // to Acme first still routes them to Beta, which reported nothing.
    for (supplier, priority) in [(&n.acme, 1), (&n.beta, 2)] {
        t.post(
            "/api/v1/routing-rules",
            json!({"name": "Gloves", "skus": ["GLV-NIT-M"], "supplier": supplier, "priority": priority}),
        )
        .await
        .ok();
    }
    let id = t.order(&n.w, 10, 4).await.id();
    let r = t.post(&format!("/api/v1/orders/{id}/route"), json!({})).await.ok();
    assert_eq!(r.body["lines"][0]["supplier"], n.beta.as_str(), "{}", r.body);
    // Now Beta reports too little as well: nobody can take the next order's gloves.
    send(
        &t,
        &n.bob,
        Method::PUT,
        &format!("/api/v1/suppliers/{}/stock", n.beta),
        feed(json!([{"sku": "GLV-NIT-M", "available": 3, "lead_time_days": 1}])),
    )
    .await
    .ok();
    let id = t.order(&n.w, 10, 4).await.id();
    let r = t.post(&format!("/api/v1/orders/{id}/route"), json!({})).await.ok();
    assert_eq!(r.body["lines"][0]["code"], "insufficient_stock");
    assert_eq!(line(&r.body["order"], 1)["ledger"]["unallocated"], 10);
}

async fn sla_is_derived_from_confirmations_and_shipments(t: TestApp) {
    let n = network(&t).await;
    towel_rules(&t, &n).await;
    // Three orders routed to Acme: confirmed for the 21st, shipped on the 21st (on time), on
    // the 22nd (late); the third shipped without a confirmed date.
    let mut ids = Vec::new();
    for _ in 0..3 {
        let id = t.order(&n.w, 10, 4).await.id();
        t.post(&format!("/api/v1/orders/{id}/route"), json!({})).await.ok();
        ids.push(id);
    }
    for (i, id) in ids.iter().enumerate() {
        if i < 2 {
            send(
                &t,
                &n.sue,
                Method::POST,
                &format!("/api/v1/orders/{id}/supplier-confirmation"),
                Some(json!({"lines": [{"line": 2, "ship_by": "2026-11-21"}]})),
            )
            .await
            .ok();
        }
        let shipped = ["2026-11-21T17:00:00Z", "2026-11-22T09:00:00Z", "2026-11-25T09:00:00Z"][i];
        send(
            &t,
            &n.sue,
            Method::POST,
            "/api/v1/shipments",
            Some(
                json!({"order_id": id, "from_location_id": n.acme, "to_location_id": n.w.store,
                        "lines": [{"line": 2, "quantity": 4}], "carrier": "UPS",
                        "tracking_number": format!("1ZACME{i}"), "shipped_at": shipped}),
            ),
        )
        .await
        .ok();
    }
    let q = "/api/v1/suppliers/sla?from=2026-11-01&to=2026-12-01";
    let staff = t.get(q).await.ok().body;
    let rows = staff["suppliers"].as_array().expect("rows");
    assert_eq!(rows.len(), 2, "every dropship supplier: {staff}");
    let acme = rows.iter().find(|r| r["supplier"] == n.acme.as_str()).expect("acme");
    assert_eq!(
        (
            &acme["shipments"],
            &acme["with_confirmed_date"],
            &acme["on_time"],
            &acme["late"]
        ),
        (&json!(3), &json!(2), &json!(1), &json!(1))
    );
    assert_eq!(acme["on_time_rate"], "0.500");
    let beta = rows.iter().find(|r| r["supplier"] == n.beta.as_str()).expect("beta");
    assert!(beta.get("on_time_rate").is_none(), "no confirmed date, no rate");
    // Moving the promise later moves the rate with it: nothing was counted ahead.
    send(
        &t,
        &n.sue,
        Method::POST,
        &format!("/api/v1/orders/{}/supplier-confirmation", ids[1]),
        Some(json!({"lines": [{"line": 2, "ship_by": "2026-11-23"}]})),
    )
    .await
    .ok();
    assert_eq!(t.get(q).await.ok().body["suppliers"][0]["on_time_rate"], "1.000");
    // A window before any shipment has none.
    let empty = t
        .get("/api/v1/suppliers/sla?from=2026-10-01&to=2026-11-01")
        .await
        .ok()
        .body;
    assert!(
        empty["suppliers"]
            .as_array()
            .expect("rows")
            .iter()
            .all(|r| r["shipments"] == 0)
    );
    // A supplier sees only its own row; customers are refused; a bad window is named.
    let own = send(&t, &n.sue, Method::GET, q, None).await.ok().body;
    assert_eq!(own["suppliers"].as_array().map(Vec::len), Some(1));
    assert_eq!(own["suppliers"][0]["supplier"], n.acme.as_str());
    send(&t, &n.buyer, Method::GET, q, None)
        .await
        .refused(403, "forbidden", "");
    t.get("/api/v1/suppliers/sla?from=2026-12-01&to=2026-11-01")
        .await
        .refused(422, "invalid_value", "to");
    t.get("/api/v1/suppliers/sla?from=yesterday")
        .await
        .refused(422, "invalid_value", "from");
}

async fn the_customer_sees_one_order_not_the_supplier(t: TestApp) {
    let n = network(&t).await;
    towel_rules(&t, &n).await;
    // The customer's admin takes every event on its own webhook endpoint.
    let admin = enrol(
        &t,
        json!({"email": "alex@northwind.example", "name": "Alex Admin", "type": "customer", "account_id": n.w.account,
               "roles": ["account_admin"], "scope": {"kind": "all"}}),
    )
    .await;
    let endpoint = send(
        &t,
        &admin,
        Method::POST,
        "/api/v1/webhook-endpoints",
        Some(json!({"url": "https://hooks.example.com/northwind", "event_types": ["*"]})),
    )
    .await
    .ok()
    .id();
    let id = t.order(&n.w, 10, 4).await.id();
    t.post(&format!("/api/v1/orders/{id}/route"), json!({})).await.ok();
    send(
        &t,
        &n.sue,
        Method::POST,
        &format!("/api/v1/orders/{id}/supplier-confirmation"),
        Some(json!({"lines": [{"line": 2, "ship_by": "2026-11-24"}]})),
    )
    .await
    .ok();
    let shipment = send(
        &t,
        &n.sue,
        Method::POST,
        "/api/v1/shipments",
        Some(
            json!({"order_id": id, "from_location_id": n.acme, "to_location_id": n.w.store,
                    "lines": [{"line": 2, "quantity": 2}], "carrier": "UPS", "tracking_number": "1Z999AA10123456784"}),
        ),
    )
    .await
    .ok()
    .id();
    let reads = [
        format!("/api/v1/orders/{id}"),
        format!("/api/v1/orders/{id}/status"),
        format!("/api/v1/orders/{id}/timeline"),
        format!("/api/v1/shipments/{shipment}"),
        "/api/v1/shipments".to_owned(),
        "/api/v1/orders".to_owned(),
        format!("/api/v1/fulfilment-locations/{}", n.acme),
        "/api/v1/fulfilment-locations".to_owned(),
    ];
    for path in &reads {
        let r = send(&t, &n.buyer, Method::GET, path, None).await.ok();
        let text = r.body.to_string();
        for secret in ["Acme Dropship", "Beta Dropship", "Sue Supplier", "ACME", "routing_rule"] {
            assert!(!text.contains(secret), "{path} names {secret} to the customer: {text}");
        }
    }
    // Nor do the bell, the event feed and the customer's webhooks.
    t.app.fan_out_all().await.expect("fan-out");
    let bell = send(&t, &n.buyer, Method::GET, "/api/v1/notifications", None)
        .await
        .ok()
        .body
        .to_string();
    assert!(bell.contains("has shipped"), "{bell}");
    let feed = send(&t, &admin, Method::GET, "/api/v1/events?after=0&limit=500", None)
        .await
        .ok()
        .body
        .to_string();
    assert!(
        feed.contains("line.allocated") && feed.contains("shipment.created"),
        "{feed}"
    );
    let hooks: Vec<String> = t
        .app
        .claim_deliveries(aftercart_app::notify::queues::WEBHOOK, 500)
        .await
        .expect("deliveries")
        .into_iter()
        .map(|j| j.payload)
        .filter(|p| p.contains(&endpoint))
        .collect();
    assert!(hooks.iter().any(|h| h.contains("shipment.created")), "{hooks:?}");
    for (what, text) in [("bell", &bell), ("event feed", &feed)]
        .into_iter()
        .chain(hooks.iter().map(|h| ("webhook", h)))
    {
        for secret in ["Acme Dropship", "Sue Supplier", "routing_rule"] {
            assert!(
                !text.contains(secret),
                "the {what} names {secret} to the customer: {text}"
            );
        }
    }
    let status = send(&t, &n.buyer, Method::GET, &format!("/api/v1/orders/{id}/status"), None)
        .await
        .ok()
        .body
        .to_string();
    assert!(status.contains("our fulfilment partner"), "{status}");
    // The seller's staff see who ships.
    let staff = t
        .get(&format!("/api/v1/orders/{id}/status"))
        .await
        .ok()
        .body
        .to_string();
    assert!(staff.contains("Acme Dropship"), "{staff}");
    // A seller that wants its customers to see the supplier says so.
    send(
        &t,
        &n.buyer,
        Method::PUT,
        "/api/v1/dropship-settings",
        Some(json!({"show_supplier_names": true, "route_at_placement": false})),
    )
    .await
    .refused(403, "forbidden", "");
    let s = send(
        &t,
        &n.ops,
        Method::PUT,
        "/api/v1/dropship-settings",
        Some(json!({"show_supplier_names": true, "route_at_placement": false})),
    )
    .await
    .ok();
    assert_eq!(s.body["show_supplier_names"], true);
    assert_eq!(
        t.get("/api/v1/dropship-settings").await.ok().body["show_supplier_names"],
        true
    );
    let shown = send(&t, &n.buyer, Method::GET, &format!("/api/v1/orders/{id}/status"), None)
        .await
        .ok()
        .body
        .to_string();
    assert!(shown.contains("Acme Dropship"), "{shown}");
}

async fn orders_can_be_routed_as_they_are_placed(t: TestApp) {
    let n = network(&t).await;
    towel_rules(&t, &n).await;
    let placed = t.order(&n.w, 10, 4).await.body;
    assert_eq!(line(&placed, 2)["allocations"], json!([]), "off by default");
    t.put(
        "/api/v1/dropship-settings",
        json!({"show_supplier_names": false, "route_at_placement": true}),
    )
    .await
    .ok();
    let placed = t.order(&n.w, 10, 4).await;
    let id = placed.id();
    let o = t.get(&format!("/api/v1/orders/{id}")).await.ok().body;
    assert_eq!(line(&o, 2)["allocations"][0]["fulfilment_location_id"], n.acme.as_str());
    assert_eq!(line(&o, 1)["ledger"]["unallocated"], 10, "no rule for gloves");
    let tl = t.get(&format!("/api/v1/orders/{id}/timeline")).await.ok().body;
    let kinds: Vec<&str> = tl["items"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert_eq!(
        kinds,
        ["order.placed", "line.allocated"],
        "one commit: placed, then routed"
    );
    // Acme sees it at once.
    let seen = send(&t, &n.sue, Method::GET, &format!("/api/v1/orders/{id}"), None)
        .await
        .ok();
    assert_eq!(seen.body["lines"].as_array().map(Vec::len), Some(1));
}

both_stores!(
    orders_can_be_routed_as_they_are_placed,
    rules_are_validated_and_kept_as_documents,
    routing_then_rejections_then_backorder,
    stock_feeds_are_checked_whole_and_kept_to_their_supplier,
    sla_is_derived_from_confirmations_and_shipments,
    the_customer_sees_one_order_not_the_supplier,
);
