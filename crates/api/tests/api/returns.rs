//! Returns (RMA) through the HTTP API on both stores: a damaged return ending in a credit memo
//! that the invoice match and the open balance reflect, approval by rule, bad input, isolation.

use crate::harness::{TestApp, World, usd};
use axum::http::Method;
use serde_json::{Value, json};

/// An order of 10 gloves (line 1, dock) and 4 towels (line 2, store); the gloves shipped from
/// Dallas and delivered, the customer's receipt reporting 8 fine and 2 damaged; the towels not
/// shipped; an invoice billing the 10 gloves at the contract price (117.50).
struct Delivered {
    order: String,
    shipment: String,
    invoice: String,
}

async fn delivered(t: &TestApp, w: &World) -> Delivered {
    let order = t.order(w, 10, 4).await.id();
    t.post(
        &format!("/api/v1/orders/{order}/allocations"),
        json!({"line": 1, "fulfilment_location_id": w.dallas, "quantity": 10}),
    )
    .await
    .ok();
    let shipment = t
        .post(
            "/api/v1/shipments",
            json!({"order_id": order, "from_location_id": w.dallas, "to_location_id": w.dock,
                   "lines": [{"line": 1, "quantity": 10}], "carrier": "UPS", "tracking_number": "1ZRMA0001"}),
        )
        .await
        .ok()
        .id();
    t.post(
        "/api/v1/tracking-events",
        json!({"events": [{"shipment_id": shipment, "status": "delivered", "occurred_at": "2026-11-18T10:00:00Z", "source": "UPS"}]}),
    )
    .await
    .ok();
    t.post(
        &format!("/api/v1/shipments/{shipment}/receipt"),
        json!({"lines": [{"line": 1, "received": 8, "damaged": 2, "note": "two boxes crushed"}]}),
    )
    .await
    .ok();
    let invoice = t
        .post(
            "/api/v1/invoices",
            json!({"account_id": w.account, "currency": "USD", "issued_on": "2026-11-18",
                   "lines": [{"order_id": order, "order_line": 1, "shipment_id": shipment, "quantity": 10, "unit_price": usd("11.75")}]}),
        )
        .await
        .ok()
        .id();
    Delivered {
        order,
        shipment,
        invoice,
    }
}

fn events(tl: &Value) -> Vec<String> {
    tl["items"]
        .as_array()
        .or(tl["events"].as_array())
        .map(|a| a.iter().filter_map(|e| e["kind"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

async fn damaged_return_ends_in_a_credit_the_match_and_balance_reflect(t: TestApp) {
    let w = t.world().await;
    let d = delivered(&t, &w).await;
    // Before: the match shows the two damaged units billed, and 117.50 is open.
    let m = t.get(&format!("/api/v1/invoices/{}/match", d.invoice)).await.ok();
    assert_eq!(m.body["matches"], false, "{}", m.body);
    assert_eq!(
        m.body["lines"][0]["discrepancies"][0]["kind"],
        "billed_more_than_received"
    );
    let inv = t.get(&format!("/api/v1/invoices/{}", d.invoice)).await.ok();
    assert_eq!(inv.body["balance"], usd("117.50"), "{}", inv.body);

    // Damaged on receipt two days ago: approved at once by the rule.
    let r = t
        .post(
            "/api/v1/returns",
            json!({"order_id": d.order, "reason": "damaged", "note": "crushed in transit",
                   "lines": [{"line": 1, "quantity": 2}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let rid = r.id();
    assert!(r.body["number"].as_str().unwrap().starts_with("RMA-"), "{}", r.body);
    assert_eq!(r.body["state"], "approved");
    assert_eq!(r.body["decision"]["automatic"], true);
    assert_eq!(r.body["lines"][0]["shipment_id"], d.shipment.as_str());
    assert_eq!(r.body["value"], usd("23.50"));

    let etag = r.etag();
    let shipped = t
        .post_with(
            &format!("/api/v1/returns/{rid}/shipment"),
            json!({"carrier": "UPS", "tracking_number": "1ZBACK01"}),
            &[("if-match", &etag)],
        )
        .await
        .ok();
    assert_eq!(shipped.body["state"], "shipped_back");
    // A stale ETag is refused and changes nothing.
    t.post_with(
        &format!("/api/v1/returns/{rid}/receipt"),
        json!({"lines": [{"line": 1, "condition": "damaged"}]}),
        &[("if-match", &etag)],
    )
    .await
    .refused(412, "precondition_failed", "If-Match");

    let received = t
        .post_with(
            &format!("/api/v1/returns/{rid}/receipt"),
            json!({"lines": [{"line": 1, "condition": "damaged"}]}),
            &[("if-match", &shipped.etag()), ("idempotency-key", "rma-receipt-1")],
        )
        .await
        .ok();
    assert_eq!(received.body["state"], "credited", "{}", received.body);
    assert_eq!(received.body["lines"][0]["condition"], "damaged");
    let credit = &received.body["credits"][0];
    assert_eq!(credit["amount"], usd("23.50"));
    assert_eq!(credit["invoice_id"], d.invoice.as_str());
    // The same key again replays the answer; no second credit.
    let again = t
        .post_with(
            &format!("/api/v1/returns/{rid}/receipt"),
            json!({"lines": [{"line": 1, "condition": "damaged"}]}),
            &[("if-match", &shipped.etag()), ("idempotency-key", "rma-receipt-1")],
        )
        .await;
    assert_eq!(again.body["credits"], received.body["credits"]);

    // The credit memo names the return, the invoice line and the shipment.
    let memo_id = credit["credit_memo_id"].as_str().unwrap();
    let memo = t.get(&format!("/api/v1/credit-memos/{memo_id}")).await.ok();
    assert_eq!(memo.body["invoice_id"], d.invoice.as_str());
    assert_eq!(memo.body["amount"], usd("23.50"));
    assert_eq!(memo.body["return_id"], rid.as_str(), "{}", memo.body);
    assert_eq!(memo.body["credited_lines"][0]["invoice_line"], 1);
    assert_eq!(memo.body["credited_lines"][0]["shipment_id"], d.shipment.as_str());
    assert_eq!(memo.body["credited_lines"][0]["quantity"], 2);

    // The invoice: 23.50 less open, and it now matches (8 billed net, 8 received in good order).
    let inv = t.get(&format!("/api/v1/invoices/{}", d.invoice)).await.ok();
    assert_eq!(inv.body["balance"], usd("94.00"), "{}", inv.body);
    let m = t.get(&format!("/api/v1/invoices/{}/match", d.invoice)).await.ok();
    assert_eq!(m.body["matches"], true, "{}", m.body);
    assert_eq!(m.body["lines"][0]["credited"], 2);
    assert!(
        m.body["summary"]
            .as_str()
            .unwrap()
            .contains(memo.body["number"].as_str().unwrap())
    );
    let open = t
        .get(&format!("/api/v1/accounts/{}/open-invoices", w.account))
        .await
        .ok();
    assert!(open.body.to_string().contains("94.00"), "{}", open.body);

    // The ledger: 2 of the 10 delivered are now returned.
    let st = t.get(&format!("/api/v1/orders/{}/status", d.order)).await.ok();
    let l = &st.body["lines"][0]["ledger"];
    assert_eq!(
        (l["delivered"].as_u64(), l["returned"].as_u64()),
        (Some(8), Some(2)),
        "{l}"
    );

    // Timelines: the order's and the invoice's.
    let tl = t.get(&format!("/api/v1/orders/{}/timeline", d.order)).await.ok();
    let kinds = events(&tl.body);
    for k in [
        "return.requested",
        "return.approved",
        "return.shipped",
        "return.received",
        "return.credited",
    ] {
        assert!(kinds.iter().any(|e| e == k), "{k} missing from {kinds:?}");
    }
    let tl = t.get(&format!("/api/v1/invoices/{}/timeline", d.invoice)).await.ok();
    assert!(events(&tl.body).iter().any(|e| e == "invoice.credited"), "{}", tl.body);

    // Nothing left to return of what arrived damaged; 8 remain returnable.
    let r2 = t
        .post(
            "/api/v1/returns",
            json!({"order_id": d.order, "reason": "not_needed", "lines": [{"line": 1, "quantity": 9}]}),
        )
        .await;
    r2.refused(422, "invalid_quantity", "lines[0].quantity");
}

async fn a_person_decides_what_the_rule_does_not(t: TestApp) {
    let w = t.world().await;
    let d = delivered(&t, &w).await;
    // Not needed: a person decides.
    let r = t
        .post(
            "/api/v1/returns",
            json!({"order_id": d.order, "reason": "not_needed", "lines": [{"line": 1, "quantity": 3}]}),
        )
        .await
        .ok();
    assert_eq!(r.body["state"], "requested");
    let rid = r.id();
    t.post(
        &format!("/api/v1/returns/{rid}/receipt"),
        json!({"lines": [{"line": 1, "condition": "resellable"}]}),
    )
    .await
    .refused(409, "invalid_state", "state");
    t.post(
        &format!("/api/v1/returns/{rid}/decision"),
        json!({"decision": "reject"}),
    )
    .await
    .refused(422, "invalid_value", "reason");
    t.post(&format!("/api/v1/returns/{rid}/decision"), json!({"decision": "maybe"}))
        .await
        .refused(422, "invalid_value", "decision");
    let rej = t
        .post(
            &format!("/api/v1/returns/{rid}/decision"),
            json!({"decision": "reject", "reason": "opened goods cannot be returned"}),
        )
        .await
        .ok();
    assert_eq!(rej.body["state"], "rejected");
    assert_eq!(rej.body["decision"]["reason"], "opened goods cannot be returned");
    // Damaged beyond what the receipt reported: a person decides too.
    let r = t
        .post(
            "/api/v1/returns",
            json!({"order_id": d.order, "reason": "damaged", "lines": [{"line": 1, "quantity": 3}]}),
        )
        .await
        .ok();
    assert_eq!(r.body["state"], "requested", "{}", r.body);
    // Received 15 days after the damage was reported: no longer by rule.
    t.clock.set(time::macros::datetime!(2026-12-10 12:00 UTC));
    let d2 = delivered(&t, &w).await;
    t.clock.set(time::macros::datetime!(2026-12-30 12:00 UTC));
    let late = t
        .post(
            "/api/v1/returns",
            json!({"order_id": d2.order, "reason": "damaged", "lines": [{"line": 1, "quantity": 2}]}),
        )
        .await
        .ok();
    assert_eq!(late.body["state"], "requested", "{}", late.body);
}

async fn bad_return_requests_name_the_field_and_change_nothing(t: TestApp) {
    let w = t.world().await;
    let d = delivered(&t, &w).await;
    let bad = |body: Value| {
        let mut b = json!({"order_id": d.order, "reason": "damaged", "lines": [{"line": 1, "quantity": 1}]});
        for (k, v) in body.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    let cases = [
        (
            json!({"lines": [{"line": 1, "quantity": 11}]}),
            422,
            "invalid_quantity",
            "lines[0].quantity",
        ),
        (
            json!({"lines": [{"line": 1, "quantity": 0}]}),
            422,
            "invalid_quantity",
            "lines[0].quantity",
        ),
        (
            json!({"lines": [{"line": 2, "quantity": 1}]}),
            409,
            "invalid_state",
            "lines[0].line",
        ),
        (
            json!({"lines": [{"line": 9, "quantity": 1}]}),
            422,
            "unknown_reference",
            "lines[0].line",
        ),
        (json!({"lines": []}), 422, "invalid_value", "lines"),
        (json!({"reason": "broken"}), 422, "invalid_value", "reason"),
        (json!({"note": "x".repeat(2001)}), 422, "invalid_value", "note"),
    ];
    for (body, status, code, field) in cases {
        t.post("/api/v1/returns", bad(body)).await.refused(status, code, field);
    }
    // Someone else's order, or one that does not exist: 404.
    let other = t
        .post(
            "/api/v1/orders",
            json!({"account_id": w.other_account, "lines": [{"product_id": w.gloves, "quantity": 1, "ship_to": w.other_ship_to}]}),
        )
        .await
        .ok()
        .id();
    let buyer = customer_key(&t, &w, None).await;
    let as_buyer = [("authorization", buyer.as_str())];
    t.request(
        Method::POST,
        "/api/v1/returns",
        Some(&bad(json!({"order_id": other}))),
        &as_buyer,
    )
    .await
    .refused(404, "not_found", "");
    // A stale order ETag on the request.
    t.request(
        Method::POST,
        "/api/v1/returns",
        Some(&bad(json!({}))),
        &[("authorization", buyer.as_str()), ("if-match", "\"v1\"")],
    )
    .await
    .refused(412, "precondition_failed", "If-Match");
    // Nothing was created by any of it.
    let list = t.get(&format!("/api/v1/returns?order_id={}", d.order)).await.ok();
    assert_eq!(list.body["items"].as_array().unwrap().len(), 0, "{}", list.body);
    // The buyer's own request works, and is theirs.
    let mine = t
        .request(
            Method::POST,
            "/api/v1/returns",
            Some(&bad(json!({"reason": "wrong_item"}))),
            &as_buyer,
        )
        .await
        .ok();
    assert_eq!(mine.body["on_behalf"], false);
}

/// A customer API key: a buyer of the test account (scoped to `only` when given).
async fn customer_key(t: &TestApp, w: &World, only: Option<&str>) -> String {
    customer_key_of(t, &w.account, only, &["buyer"]).await
}

async fn customer_key_of(t: &TestApp, account: &str, only: Option<&str>, roles: &[&str]) -> String {
    let scope = match only {
        Some(l) => json!({"kind": "only", "locations": [l]}),
        None => json!({"kind": "all"}),
    };
    let n = uuid::Uuid::now_v7().simple().to_string();
    enrol(
        t,
        json!({"email": format!("u{n}@example.com"), "name": "Ret User", "type": "customer",
               "account_id": account, "roles": roles, "scope": scope}),
    )
    .await
}

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
        .post("/api/v1/api-keys", json!({"name": "returns test", "user_id": user}))
        .await
        .ok();
    format!("Bearer {}", k.body["key"].as_str().expect("key"))
}

async fn returns_stay_with_their_account_and_scope(t: TestApp) {
    let w = t.world().await;
    let d = delivered(&t, &w).await;
    let r = t
        .post(
            "/api/v1/returns",
            json!({"order_id": d.order, "reason": "defective", "lines": [{"line": 1, "quantity": 1}]}),
        )
        .await
        .ok();
    let rid = r.id();
    assert_eq!(r.body["on_behalf"], true, "placed by staff for the customer");
    let path = format!("/api/v1/returns/{rid}");
    let dock = customer_key(&t, &w, Some(&w.dock)).await;
    let store = customer_key(&t, &w, Some(&w.store)).await;
    let other = customer_key_of(&t, &w.other_account, None, &["account_admin"]).await;
    let get = |auth: String, p: String| {
        let t = &t;
        async move {
            t.request(Method::GET, &p, None, &[("authorization", auth.as_str())])
                .await
        }
    };
    get(dock.clone(), path.clone()).await.ok();
    get(store.clone(), path.clone()).await.refused(404, "not_found", "");
    get(other.clone(), path.clone()).await.refused(404, "not_found", "");
    let listed = |body: &Value| body["items"].as_array().map_or(0, Vec::len);
    assert_eq!(listed(&get(dock.clone(), "/api/v1/returns".into()).await.ok().body), 1);
    assert_eq!(listed(&get(store.clone(), "/api/v1/returns".into()).await.ok().body), 0);
    assert_eq!(listed(&get(other.clone(), "/api/v1/returns".into()).await.ok().body), 0);
    // The other account cannot act on it either, nor can a customer decide it.
    t.request(
        Method::POST,
        &format!("{path}/shipment"),
        Some(&json!({"carrier": "UPS"})),
        &[("authorization", other.as_str())],
    )
    .await
    .refused(404, "not_found", "");
    t.request(
        Method::POST,
        &format!("{path}/decision"),
        Some(&json!({"decision": "approve"})),
        &[("authorization", dock.as_str())],
    )
    .await
    .refused(403, "forbidden", "");
    // The store-scoped buyer sees the order (its towels go to the store) but not the return of
    // the dock's gloves, nor its events on the order's timeline.
    let tl = get(store.clone(), format!("/api/v1/orders/{}/timeline", d.order))
        .await
        .ok();
    assert!(!tl.body.to_string().contains(&rid), "{}", tl.body);
    let tl = get(dock.clone(), format!("/api/v1/orders/{}/timeline", d.order))
        .await
        .ok();
    assert!(tl.body.to_string().contains(&rid), "{}", tl.body);
    // The store-scoped buyer cannot return the dock's line.
    t.request(
        Method::POST,
        "/api/v1/returns",
        Some(&json!({"order_id": d.order, "reason": "defective", "lines": [{"line": 1, "quantity": 1}]})),
        &[("authorization", store.as_str())],
    )
    .await
    .refused(422, "unknown_reference", "lines[0].line");
    // A supplier sees none (and may not ask for one).
    let sup = t
        .post(
            "/api/v1/fulfilment-locations",
            json!({"code": "SUP", "name": "Supplier", "kind": "dropship_supplier", "city": "Tulsa"}),
        )
        .await
        .ok()
        .id();
    let n = uuid::Uuid::now_v7().simple().to_string();
    let supplier = enrol(
        &t,
        json!({"email": format!("s{n}@example.com"), "name": "Sup", "type": "supplier", "fulfilment_location_id": sup}),
    )
    .await;
    get(supplier.clone(), path.clone()).await.refused(404, "not_found", "");
    assert_eq!(
        listed(&get(supplier.clone(), "/api/v1/returns".into()).await.ok().body),
        0
    );
}

both_stores!(
    damaged_return_ends_in_a_credit_the_match_and_balance_reflect,
    a_person_decides_what_the_rule_does_not,
    bad_return_requests_name_the_field_and_change_nothing,
    returns_stay_with_their_account_and_scope,
);
