//! Support cases, on both stores: a buyer asks about a shipment and an agent answers (statuses,
//! first-response and resolution times, the order's timeline), internal notes that the buyer
//! never sees anywhere (case, list, timelines, counts, ETag), bad input naming the field, stale
//! If-Match, and isolation (another account, a user outside the location scope, a supplier).

use crate::harness::{Resp, TestApp, World};
use axum::http::Method;
use serde_json::{Value, json};

const NOTE: &str = "Carrier admits the parcel is lost in Memphis; refund if not found by Friday";

/// A user's API key: invited by the staff key, accepted, keyed.
async fn key_for(t: &TestApp, body: Value) -> (String, String) {
    let inv = t.post("/api/v1/users", body).await.ok();
    let user = inv.body["user"]["id"].as_str().expect("user id").to_owned();
    let token = inv.body["invitation_token"].as_str().expect("token").to_owned();
    t.request(
        Method::POST,
        "/api/v1/invitations/accept",
        Some(&json!({"token": token, "password": "plum-harbour-lantern-42"})),
        &[("authorization", "")],
    )
    .await
    .ok();
    let key = t
        .post("/api/v1/api-keys", json!({"name": "test", "user_id": user}))
        .await
        .ok();
    (format!("Bearer {}", key.body["key"].as_str().expect("key")), user)
}

async fn customer(t: &TestApp, email: &str, account: &str, scope: Value) -> String {
    key_for(
        t,
        json!({"email": email, "name": "Bea Buyer", "type": "customer", "account_id": account,
               "roles": ["buyer"], "scope": scope}),
    )
    .await
    .0
}

struct Fx {
    w: World,
    order: String,
    /// Dallas → dock.
    s_dock: String,
    /// Reno → store.
    s_store: String,
    invoice: String,
    other_order: String,
    buyer: String,
    dock_buyer: String,
    outsider: String,
    supplier: String,
    agent: String,
    agent_id: String,
}

async fn fixture(t: &TestApp) -> Fx {
    let w = t.world().await;
    let order = t.order(&w, 10, 4).await.id();
    for (line, loc, q) in [(1, &w.dallas, 10), (2, &w.reno, 4)] {
        t.post(
            &format!("/api/v1/orders/{order}/allocations"),
            json!({"line": line, "fulfilment_location_id": loc, "quantity": q}),
        )
        .await
        .ok();
    }
    let ship = |from: &str, to: &str, line: u32, q: u32, track: &str| {
        json!({"order_id": order, "from_location_id": from, "to_location_id": to,
               "lines": [{"line": line, "quantity": q}], "carrier": "UPS", "tracking_number": track})
    };
    let s_dock = t
        .post("/api/v1/shipments", ship(&w.dallas, &w.dock, 1, 6, "1ZCASE0001"))
        .await
        .ok()
        .id();
    let s_store = t
        .post("/api/v1/shipments", ship(&w.reno, &w.store, 2, 4, "1ZCASE0002"))
        .await
        .ok()
        .id();
    let invoice = t
        .post(
            "/api/v1/invoices",
            json!({"account_id": w.account, "currency": "USD",
                   "lines": [{"order_id": order, "order_line": 1, "shipment_id": s_dock, "quantity": 6,
                              "unit_price": crate::harness::usd("11.75")}]}),
        )
        .await
        .ok()
        .id();
    let other_order = t
        .post(
            "/api/v1/orders",
            json!({"account_id": w.other_account,
                   "lines": [{"product_id": w.gloves, "quantity": 1, "ship_to": w.other_ship_to}]}),
        )
        .await
        .ok()
        .id();
    let buyer = customer(t, "bea@northwind.example", &w.account, json!({"kind": "all"})).await;
    let dock_buyer = customer(
        t,
        "dock@northwind.example",
        &w.account,
        json!({"kind": "only", "locations": [w.dock]}),
    )
    .await;
    let outsider = customer(t, "cat@contoso.example", &w.other_account, json!({"kind": "all"})).await;
    let acme = t
        .post(
            "/api/v1/fulfilment-locations",
            json!({"code": "ACME", "name": "Acme Dropship", "kind": "dropship_supplier", "city": "Tulsa"}),
        )
        .await
        .ok()
        .id();
    let supplier = key_for(
        t,
        json!({"email": "sue@acme.example", "name": "Sue", "type": "supplier", "fulfilment_location_id": acme}),
    )
    .await
    .0;
    let (agent, agent_id) = key_for(
        t,
        json!({"email": "alex@seller.example", "name": "Alex Agent", "type": "staff", "role": "agent"}),
    )
    .await;
    Fx {
        w,
        order,
        s_dock,
        s_store,
        invoice,
        other_order,
        buyer,
        dock_buyer,
        outsider,
        supplier,
        agent,
        agent_id,
    }
}

async fn send(t: &TestApp, who: &str, method: Method, path: &str, body: Option<Value>, extra: &[(&str, &str)]) -> Resp {
    let mut h = vec![("authorization", who)];
    h.extend_from_slice(extra);
    t.request(method, path, body.as_ref(), &h).await
}

async fn post(t: &TestApp, who: &str, path: &str, body: Value) -> Resp {
    send(t, who, Method::POST, path, Some(body), &[]).await
}

async fn get(t: &TestApp, who: &str, path: &str) -> Resp {
    send(t, who, Method::GET, path, None, &[]).await
}

fn kinds(tl: &Value) -> Vec<String> {
    tl["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["kind"].as_str().unwrap_or("").to_owned())
        .collect()
}

async fn a_case_opened_by_the_buyer_about_a_shipment_and_answered_by_an_agent(t: TestApp) {
    let fx = fixture(&t).await;
    let opened = post(
        &t,
        &fx.buyer,
        "/api/v1/cases",
        json!({"about": {"kind": "shipment", "id": fx.s_dock}, "body": "Our dock has not seen this parcel."}),
    )
    .await
    .ok();
    assert_eq!(opened.status, 201);
    assert_eq!(opened.etag(), "\"v1\"");
    let case = opened.id();
    let path = format!("/api/v1/cases/{case}");
    let b = &opened.body;
    assert!(b["number"].as_str().expect("number").starts_with("CS-"), "{b}");
    assert_eq!(b["status"], "open");
    assert_eq!(b["about"]["kind"], "shipment");
    assert_eq!(b["about"]["order_id"], fx.order.as_str());
    assert!(b["subject"].as_str().expect("subject").contains("1ZCASE0001"), "{b}");
    assert_eq!(b["opened_by"]["side"], "customer");
    assert!(b["opened_by"].get("id").is_none(), "customers are not shown user ids");

    // The agent finds it in the queue, writes an internal note and answers 2 h 15 min later.
    let queue = get(&t, &fx.agent, "/api/v1/cases").await.ok();
    assert_eq!(queue.body["items"][0]["id"], case.as_str());
    t.clock.advance(time::Duration::minutes(90));
    let noted = post(
        &t,
        &fx.agent,
        &format!("{path}/messages"),
        json!({"body": NOTE, "internal": true}),
    )
    .await
    .ok();
    assert_eq!(noted.etag(), "\"v1\"", "a note leaves the case's version alone");
    assert_eq!(noted.body["status"], "open", "a note is no answer");
    assert_eq!(noted.body["messages"][1]["internal"], true);
    t.clock.advance(time::Duration::minutes(45));
    let answered = send(
        &t,
        &fx.agent,
        Method::POST,
        &format!("{path}/messages"),
        Some(json!({"body": "It is at the Memphis hub; we have asked UPS to expedite."})),
        &[("if-match", "\"v1\"")],
    )
    .await
    .ok();
    assert_eq!(answered.body["status"], "waiting_on_customer");
    assert_eq!(answered.body["first_response_seconds"], 135 * 60);
    assert_eq!(answered.etag(), "\"v2\"");
    let assigned = post(
        &t,
        &fx.agent,
        &format!("{path}/assignment"),
        json!({"assignee_id": fx.agent_id}),
    )
    .await
    .ok();
    assert_eq!(assigned.body["assignee"]["name"], "Alex Agent");

    // The buyer sees the answer, never the note: not in the case, the list, any count, nor
    // the order's or the account's timeline.
    let seen = get(&t, &fx.buyer, &path).await.ok();
    let text = seen.body.to_string();
    assert!(!text.contains("Memphis; refund"), "{text}");
    assert_eq!(seen.body["message_count"], 2);
    assert_eq!(seen.body["messages"].as_array().expect("messages").len(), 2);
    assert_eq!(seen.body["messages"][1]["author"]["side"], "seller");
    assert_eq!(seen.body["assignee"]["name"], "Alex Agent");
    assert!(seen.body["assignee"].get("id").is_none());
    assert_eq!(seen.etag(), "\"v3\"");
    let list = get(&t, &fx.buyer, "/api/v1/cases").await.ok();
    assert!(!list.body.to_string().contains("refund if not found"));
    assert_eq!(list.body["items"][0]["message_count"], 2);
    let tl = get(&t, &fx.buyer, &format!("/api/v1/orders/{}/timeline", fx.order))
        .await
        .ok();
    let k = kinds(&tl.body);
    assert!(
        k.contains(&"case.opened".to_owned()) && k.contains(&"case.message".to_owned()),
        "{k:?}"
    );
    assert!(!k.iter().any(|k| k == "case.note" || k == "case.assigned"), "{k:?}");
    assert!(!tl.body.to_string().contains("refund if not found"));
    let atl = get(&t, &fx.buyer, &format!("/api/v1/accounts/{}/timeline", fx.w.account))
        .await
        .ok();
    assert!(!kinds(&atl.body).iter().any(|k| k == "case.note"));
    assert!(!atl.body.to_string().contains("refund if not found"));

    // The buyer writes again (waiting on us); the agent solves it with a reply.
    t.clock.advance(time::Duration::minutes(60));
    let r = post(
        &t,
        &fx.buyer,
        &format!("{path}/messages"),
        json!({"body": "Thanks — any ETA?"}),
    )
    .await
    .ok();
    assert_eq!(r.body["status"], "waiting_on_us");
    let queue = get(&t, &fx.agent, "/api/v1/cases?status=waiting_on_us").await.ok();
    assert_eq!(queue.body["items"].as_array().expect("items").len(), 1);
    t.clock.advance(time::Duration::minutes(45));
    let r = post(
        &t,
        &fx.agent,
        &format!("{path}/messages"),
        json!({"body": "Delivered this morning.", "solve": true}),
    )
    .await
    .ok();
    assert_eq!(r.body["status"], "solved");
    assert_eq!(r.body["resolution_seconds"], 4 * 3600);
    assert_eq!(
        r.body["first_response_seconds"],
        135 * 60,
        "the first response stays the first"
    );
    // Solved cases leave the default queue; the buyer reopens by writing.
    let queue = get(&t, &fx.agent, "/api/v1/cases").await.ok();
    assert!(queue.body["items"].as_array().expect("items").is_empty());
    let r = post(
        &t,
        &fx.buyer,
        &format!("{path}/messages"),
        json!({"body": "Two boxes are missing."}),
    )
    .await
    .ok();
    assert_eq!(r.body["status"], "waiting_on_us");
    assert!(r.body.get("resolution_seconds").is_none());
    let r = post(&t, &fx.buyer, &format!("{path}/status"), json!({"status": "solved"}))
        .await
        .ok();
    assert_eq!(r.body["status"], "solved");
    let tl = get(&t, &fx.buyer, &format!("/api/v1/orders/{}/timeline", fx.order))
        .await
        .ok();
    let k = kinds(&tl.body);
    assert!(k.contains(&"case.solved".to_owned()), "{k:?}");

    // The agent still sees the note, in order, on the case.
    let staff = get(&t, &fx.agent, &path).await.ok();
    let notes: Vec<&Value> = staff.body["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter(|m| m["internal"] == true)
        .collect();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["body"], NOTE);
    assert_eq!(staff.body["message_count"], 5);
}

async fn cases_about_orders_and_invoices_and_on_behalf_of_the_customer(t: TestApp) {
    let fx = fixture(&t).await;
    let r = post(
        &t,
        &fx.buyer,
        "/api/v1/cases",
        json!({"about": {"kind": "invoice", "id": fx.invoice}, "subject": "Price on line 1", "body": "We agreed 11.50."}),
    )
    .await
    .ok();
    assert_eq!(r.body["subject"], "Price on line 1");
    let itl = t.get(&format!("/api/v1/invoices/{}/timeline", fx.invoice)).await.ok();
    assert!(kinds(&itl.body).contains(&"case.opened".to_owned()));
    // An agent opens one on the customer's behalf from the console: recorded as such.
    let r = post(
        &t,
        &fx.agent,
        "/api/v1/cases",
        json!({"about": {"kind": "order", "id": fx.order}, "body": "Line 2 will be a week late; want to keep it?"}),
    )
    .await
    .ok();
    assert_eq!(r.body["on_behalf"], true);
    assert_eq!(r.body["status"], "waiting_on_customer");
    assert!(r.body.get("first_response_seconds").is_none());
    // The order lists its own cases and its shipments' (about_id).
    let mine = get(
        &t,
        &fx.buyer,
        &format!("/api/v1/cases?about_id={}&status=any", fx.order),
    )
    .await
    .ok();
    assert_eq!(mine.body["items"].as_array().expect("items").len(), 1);
    // Returns and exceptions are accepted kinds: one that does not exist is no such record.
    let r = post(
        &t,
        &fx.buyer,
        "/api/v1/cases",
        json!({"about": {"kind": "return", "id": uuid::Uuid::now_v7()}, "body": "?"}),
    )
    .await;
    r.refused(422, "unknown_reference", "about.id");
}

async fn bad_input_names_the_field_and_changes_nothing(t: TestApp) {
    let fx = fixture(&t).await;
    let about = json!({"kind": "order", "id": fx.order});
    let r = post(&t, &fx.buyer, "/api/v1/cases", json!({"about": about, "body": "  "})).await;
    r.refused(422, "invalid_value", "body");
    let r = post(
        &t,
        &fx.buyer,
        "/api/v1/cases",
        json!({"about": about, "body": "x".repeat(2001)}),
    )
    .await;
    r.refused(422, "invalid_value", "body");
    let r = post(
        &t,
        &fx.buyer,
        "/api/v1/cases",
        json!({"about": {"kind": "payment", "id": fx.order}, "body": "hi"}),
    )
    .await;
    r.refused(422, "invalid_value", "about.kind");
    let r = post(
        &t,
        &fx.buyer,
        "/api/v1/cases",
        json!({"about": {"kind": "order", "id": fx.other_order}, "body": "hi"}),
    )
    .await;
    r.refused(422, "unknown_reference", "about.id");
    // A shipment id named as an order is no such order.
    let r = post(
        &t,
        &fx.buyer,
        "/api/v1/cases",
        json!({"about": {"kind": "order", "id": fx.s_dock}, "body": "hi"}),
    )
    .await;
    r.refused(422, "unknown_reference", "about.id");
    assert!(
        get(&t, &fx.agent, "/api/v1/cases?status=any").await.ok().body["items"]
            .as_array()
            .expect("items")
            .is_empty()
    );

    let case = post(
        &t,
        &fx.buyer,
        "/api/v1/cases",
        json!({"about": about, "body": "Where?"}),
    )
    .await
    .ok()
    .id();
    let path = format!("/api/v1/cases/{case}");
    let r = post(&t, &fx.buyer, &format!("{path}/messages"), json!({"body": ""})).await;
    r.refused(422, "invalid_value", "body");
    let r = post(
        &t,
        &fx.buyer,
        &format!("{path}/messages"),
        json!({"body": "peek", "internal": true}),
    )
    .await;
    assert_eq!((r.status.as_u16(), r.code()), (403, "forbidden"), "{}", r.body);
    let r = post(
        &t,
        &fx.buyer,
        &format!("{path}/status"),
        json!({"status": "waiting_on_us"}),
    )
    .await;
    r.refused(422, "invalid_value", "status");
    let r = post(&t, &fx.agent, &format!("{path}/status"), json!({"status": "closed"})).await;
    r.refused(422, "invalid_value", "status");
    let r = post(&t, &fx.agent, &format!("{path}/status"), json!({"status": "open"})).await;
    r.refused(409, "invalid_state", "status");
    let r = post(
        &t,
        &fx.buyer,
        &format!("{path}/assignment"),
        json!({"assignee_id": null}),
    )
    .await;
    assert_eq!(r.status.as_u16(), 403, "{}", r.body);
    let r = post(
        &t,
        &fx.agent,
        &format!("{path}/assignment"),
        json!({"assignee_id": uuid::Uuid::now_v7()}),
    )
    .await;
    r.refused(422, "unknown_reference", "assignee_id");
    // The agent answers; the buyer's reply pinned to the version before it is stale.
    post(
        &t,
        &fx.agent,
        &format!("{path}/messages"),
        json!({"body": "On its way."}),
    )
    .await
    .ok();
    let r = send(
        &t,
        &fx.buyer,
        Method::POST,
        &format!("{path}/messages"),
        Some(json!({"body": "And?"})),
        &[("if-match", "\"v1\"")],
    )
    .await;
    r.refused(412, "precondition_failed", "If-Match");
    let r = get(&t, &fx.buyer, &path).await.ok();
    assert_eq!(r.body["message_count"], 2, "nothing changed");
    assert_eq!(r.body["status"], "waiting_on_customer");
    let r = get(&t, &fx.buyer, &format!("/api/v1/cases/{}", uuid::Uuid::now_v7())).await;
    r.refused(404, "not_found", "");
    // The same Idempotency-Key replays the first answer instead of writing twice.
    for _ in 0..2 {
        send(
            &t,
            &fx.buyer,
            Method::POST,
            &format!("{path}/messages"),
            Some(json!({"body": "Once only"})),
            &[("idempotency-key", "case-msg-1")],
        )
        .await
        .ok();
    }
    assert_eq!(get(&t, &fx.buyer, &path).await.ok().body["message_count"], 3);
}

async fn cases_are_seen_only_by_those_who_see_their_record(t: TestApp) {
    let fx = fixture(&t).await;
    let open = |about: Value| {
        let buyer = fx.buyer.clone();
        let t = &t;
        async move {
            post(t, &buyer, "/api/v1/cases", json!({"about": about, "body": "Question"}))
                .await
                .ok()
                .id()
        }
    };
    let dock_case = open(json!({"kind": "shipment", "id": fx.s_dock})).await;
    let store_case = open(json!({"kind": "shipment", "id": fx.s_store})).await;
    // Another account: not found, not listed, cannot write.
    for c in [&dock_case, &store_case] {
        get(&t, &fx.outsider, &format!("/api/v1/cases/{c}"))
            .await
            .refused(404, "not_found", "");
        post(
            &t,
            &fx.outsider,
            &format!("/api/v1/cases/{c}/messages"),
            json!({"body": "hi"}),
        )
        .await
        .refused(404, "not_found", "");
    }
    let l = get(&t, &fx.outsider, "/api/v1/cases?status=any").await.ok();
    assert!(l.body["items"].as_array().expect("items").is_empty());
    let l = get(
        &t,
        &fx.outsider,
        &format!("/api/v1/cases?status=any&account_id={}", fx.w.account),
    )
    .await
    .ok();
    assert!(l.body["items"].as_array().expect("items").is_empty());
    // A dock-only buyer sees the dock shipment's case, not the store's, and may not open one there.
    get(&t, &fx.dock_buyer, &format!("/api/v1/cases/{dock_case}"))
        .await
        .ok();
    get(&t, &fx.dock_buyer, &format!("/api/v1/cases/{store_case}"))
        .await
        .refused(404, "not_found", "");
    post(
        &t,
        &fx.dock_buyer,
        &format!("/api/v1/cases/{store_case}/messages"),
        json!({"body": "hi"}),
    )
    .await
    .refused(404, "not_found", "");
    let l = get(&t, &fx.dock_buyer, "/api/v1/cases?status=any").await.ok();
    let ids: Vec<&str> = l.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["id"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(ids, vec![dock_case.as_str()]);
    post(
        &t,
        &fx.dock_buyer,
        "/api/v1/cases",
        json!({"about": {"kind": "shipment", "id": fx.s_store}, "body": "hi"}),
    )
    .await
    .refused(422, "unknown_reference", "about.id");
    // The order's timeline as the dock buyer keeps the dock case's events only.
    let tl = get(&t, &fx.dock_buyer, &format!("/api/v1/orders/{}/timeline", fx.order))
        .await
        .ok();
    let text = tl.body.to_string();
    assert!(text.contains(&dock_case) && !text.contains(&store_case), "{text}");
    // Suppliers have no access to cases at all.
    for (m, p) in [
        (Method::GET, "/api/v1/cases".to_owned()),
        (Method::GET, format!("/api/v1/cases/{dock_case}")),
        (Method::POST, "/api/v1/cases".to_owned()),
    ] {
        let body = (m == Method::POST).then(|| json!({"about": {"kind": "order", "id": fx.order}, "body": "x"}));
        let r = send(&t, &fx.supplier, m, &p, body, &[]).await;
        assert_eq!((r.status.as_u16(), r.code()), (403, "forbidden"), "{p}: {}", r.body);
    }
}

both_stores!(
    a_case_opened_by_the_buyer_about_a_shipment_and_answered_by_an_agent,
    cases_about_orders_and_invoices_and_on_behalf_of_the_customer,
    bad_input_names_the_field_and_changes_nothing,
    cases_are_seen_only_by_those_who_see_their_record,
);
