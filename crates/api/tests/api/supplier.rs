//! Supplier confirmation: a dropship supplier confirms the lines routed to it, nobody else's.

use crate::harness::{Resp, TestApp};
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
        .post("/api/v1/api-keys", json!({"name": "supplier test", "user_id": user}))
        .await
        .ok();
    format!("Bearer {}", k.body["key"].as_str().expect("key"))
}

async fn as_(t: &TestApp, auth: &str, path: &str, body: Value, extra: &[(&str, &str)]) -> Resp {
    let mut h = vec![("authorization", auth)];
    h.extend_from_slice(extra);
    t.request(Method::POST, path, Some(&body), &h).await
}

async fn supplier_confirms_only_its_own_lines(t: TestApp) {
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
    let order = t.order(&w, 10, 4).await.id();
    for (line, at, q) in [(1, &w.dallas, 10), (2, &acme, 4)] {
        t.post(
            &format!("/api/v1/orders/{order}/allocations"),
            json!({"line": line, "fulfilment_location_id": at, "quantity": q}),
        )
        .await
        .ok();
    }
    let sue = enrol(
        &t,
        json!({"email": "sue@acme.example", "name": "Sue Supplier", "type": "supplier", "fulfilment_location_id": acme}),
    )
    .await;
    let bob = enrol(
        &t,
        json!({"email": "bob@beta.example", "name": "Bob Beta", "type": "supplier", "fulfilment_location_id": beta}),
    )
    .await;
    let buyer = enrol(
        &t,
        json!({"email": "bea@northwind.example", "name": "Bea Buyer", "type": "customer", "account_id": w.account,
               "roles": ["buyer"], "scope": {"kind": "all"}}),
    )
    .await;
    let path = format!("/api/v1/orders/{order}/supplier-confirmation");

    // The supplier confirms its line with a ship-by date; it sees only that line.
    let body = json!({"lines": [{"line": 2, "ship_by": "2026-11-24"}]});
    let r = as_(&t, &sue, &path, body.clone(), &[("idempotency-key", "confirm-1")])
        .await
        .ok();
    let lines = r.body["lines"].as_array().expect("lines");
    assert_eq!(lines.len(), 1, "only the supplier's line: {}", r.body);
    assert_eq!(lines[0]["line"], 2);
    let c = &lines[0]["allocations"][0]["confirmation"];
    assert_eq!(c["by"], "Sue Supplier", "{}", r.body);
    assert_eq!(c["ship_by"], "2026-11-24");
    assert_eq!(c["quantity"], 4);
    assert_eq!(c["covers_allocation"], true);
    // A retry with the same key answers the first response; the ledger is unchanged.
    let again = as_(&t, &sue, &path, body, &[("idempotency-key", "confirm-1")])
        .await
        .ok();
    assert_eq!(again.body, r.body);
    let o = t.get(&format!("/api/v1/orders/{order}")).await.ok();
    assert_eq!(
        o.body["lines"][1]["ledger"]["allocated"], 4,
        "confirmation is no quantity state"
    );
    assert!(
        o.body["lines"][0]["allocations"][0]["confirmation"].is_null(),
        "Dallas's line is not confirmed"
    );

    // Confirming again moves the date (recorded), keeps who confirmed first.
    let moved = as_(
        &t,
        &sue,
        &path,
        json!({"lines": [{"line": 2, "ship_by": "2026-11-26"}]}),
        &[],
    )
    .await
    .ok();
    assert_eq!(
        moved.body["lines"][0]["allocations"][0]["confirmation"]["ship_by"],
        "2026-11-26"
    );
    let tl = t.get(&format!("/api/v1/orders/{order}/timeline")).await.ok();
    let kinds: Vec<(&str, &Value)> = tl.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| (e["kind"].as_str().unwrap_or(""), &e["data"]))
        .filter(|(k, _)| k.starts_with("line.confirmed") || k.starts_with("line.ship_by"))
        .collect();
    assert_eq!(kinds.len(), 2, "{kinds:?}");
    assert_eq!(kinds[0].0, "line.confirmed");
    assert_eq!(kinds[0].1["line"], 2);
    assert_eq!(kinds[0].1["fulfilment_location"], "Acme Dropship");
    assert_eq!(kinds[1].0, "line.ship_by_moved");
    assert_eq!(kinds[1].1["from"], "2026-11-24");

    // A line routed elsewhere and a line that does not exist read alike, naming the field.
    for line in [1, 9] {
        as_(&t, &sue, &path, json!({"lines": [{"line": line}]}), &[])
            .await
            .refused(422, "unknown_reference", "lines[0].line");
    }
    as_(
        &t,
        &sue,
        &path,
        json!({"lines": [{"line": 2, "ship_by": "2026-13-40"}]}),
        &[],
    )
    .await
    .refused(422, "invalid_value", "lines[0].ship_by");
    as_(&t, &sue, &path, json!({"lines": []}), &[])
        .await
        .refused(422, "invalid_value", "lines");
    // Its own location only.
    as_(
        &t,
        &sue,
        &path,
        json!({"fulfilment_location_id": beta, "lines": [{"line": 2}]}),
        &[],
    )
    .await
    .refused(422, "out_of_scope", "fulfilment_location_id");

    // Another supplier does not see the order at all; a buyer may not confirm.
    as_(&t, &bob, &path, json!({"lines": [{"line": 2}]}), &[])
        .await
        .refused(404, "not_found", "");
    as_(&t, &buyer, &path, json!({"lines": [{"line": 2}]}), &[])
        .await
        .refused(403, "forbidden", "");

    // Staff without fulfilment rights may not; operations may (naming the location).
    let staff =
        |role: &str| json!({"email": format!("{role}@seller.example"), "name": role, "type": "staff", "role": role});
    let agent = enrol(&t, staff("agent")).await;
    let ops = enrol(&t, staff("operations")).await;
    as_(&t, &agent, &path, json!({"lines": [{"line": 2}]}), &[])
        .await
        .refused(403, "forbidden", "");
    as_(&t, &ops, &path, json!({"lines": [{"line": 99}]}), &[])
        .await
        .refused(422, "invalid_value", "fulfilment_location_id");
    as_(
        &t,
        &ops,
        &path,
        json!({"fulfilment_location_id": acme, "lines": [{"line": 99}]}),
        &[],
    )
    .await
    .refused(422, "unknown_reference", "lines[0].line");

    // Seller staff confirm on a location's behalf, naming it.
    t.post(&path, json!({"lines": [{"line": 1}]}))
        .await
        .refused(422, "invalid_value", "fulfilment_location_id");
    let staff = t
        .post(
            &path,
            json!({"fulfilment_location_id": w.dallas, "lines": [{"line": 1, "ship_by": "2026-11-21"}]}),
        )
        .await
        .ok();
    assert_eq!(
        staff.body["lines"][0]["allocations"][0]["confirmation"]["ship_by"],
        "2026-11-21"
    );
    assert_eq!(
        staff.body["lines"].as_array().map(Vec::len),
        Some(2),
        "staff see every line"
    );
}

both_stores!(supplier_confirms_only_its_own_lines);
