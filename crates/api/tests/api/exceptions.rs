//! Exceptions on both stores: a stalled parcel raises one (clock advanced) and it resolves itself
//! on delivery; a carrier exception appears from the tracking event alone; the detector run twice
//! or concurrently never raises one cause twice (also two `App`s on one PostgreSQL schema, as two
//! server processes); staff work the queue (acknowledge, assign, resolve, bulk) with If-Match;
//! customers see only their customer-facing subset; bad input on every endpoint.

use crate::harness::{TestApp, World};
use aftercart_app::{App, FixedClock};
use axum::http::Method;
use serde_json::{Value, json};
use std::sync::Arc;
use time::macros::datetime;

async fn customer_key(t: &TestApp, email: &str, account: &str) -> String {
    t.customer_user(account, email, email, &["buyer"], json!({"kind": "all"}))
        .await
        .1
}

/// An order of gloves shipped in `parcels` parcels of one box from Dallas to the dock, each with
/// an in-transit scan at 16:00 on Nov 20 (the harness clock starts at 15:00 that day). Returns
/// (order id, shipment ids).
async fn shipped(t: &TestApp, w: &World, parcels: i64) -> (String, Vec<String>) {
    let oid = t.order(w, parcels, 1).await.id();
    t.post(
        &format!("/api/v1/orders/{oid}/allocations"),
        json!({"line": 1, "fulfilment_location_id": w.dallas, "quantity": parcels}),
    )
    .await
    .ok();
    let mut ids = Vec::new();
    for i in 0..parcels {
        let s = t
            .post(
                "/api/v1/shipments",
                json!({"order_id": oid, "from_location_id": w.dallas, "to_location_id": w.dock,
                       "lines": [{"line": 1, "quantity": 1}], "carrier": "UPS",
                       "tracking_number": format!("1ZEXC{i:04}"), "promised_delivery": "2026-11-30"}),
            )
            .await
            .ok()
            .id();
        t.post(
            "/api/v1/tracking-events",
            json!({"events": [{"shipment_id": s, "status": "in_transit", "occurred_at": "2026-11-20T16:00:00Z",
                               "location": "Dallas, TX", "source": "UPS"}]}),
        )
        .await
        .ok();
        ids.push(s);
    }
    (oid, ids)
}

async fn all_exceptions(t: &TestApp) -> Vec<Value> {
    let r = t.get("/api/v1/exceptions?state=any&limit=500").await.ok();
    r.body["items"].as_array().cloned().unwrap_or_default()
}

async fn stalled_parcel_raises_an_exception_and_delivery_resolves_it(t: TestApp) {
    let w = t.world().await;
    let (oid, ships) = shipped(&t, &w, 1).await;
    let r = t.app.detect_exceptions_once().await.expect("detector");
    assert_eq!(r.raised, 0, "a parcel scanned an hour ago is fine: {r:?}");

    // Four days without a scan: stalled (the default threshold is three days).
    t.clock.set(datetime!(2026-11-24 17:00 UTC));
    let r = t.app.detect_exceptions_once().await.expect("detector");
    assert_eq!(r.raised, 1, "{r:?}");
    let list = t.get("/api/v1/exceptions").await.ok();
    let items = list.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{}", list.body);
    let e = &items[0];
    assert_eq!(e["kind"], "tracking_stalled");
    assert_eq!(e["owner"], "operations");
    assert_eq!(e["state"], "open");
    assert_eq!(e["about"]["kind"], "shipment");
    assert_eq!(e["about"]["id"], ships[0].as_str());
    assert_eq!(e["order"]["id"], oid.as_str());
    assert!(
        e["explanation"]
            .as_str()
            .unwrap()
            .contains("No scan from UPS for 4 days"),
        "{e}"
    );
    assert!(e["next_step"].is_string());
    let eid = e["id"].as_str().unwrap().to_owned();

    // Again, and twice at once: still the one exception.
    t.app.detect_exceptions_once().await.expect("detector");
    let (a, b) = tokio::join!(t.app.detect_exceptions_once(), t.app.detect_exceptions_once());
    assert_eq!(a.expect("a").raised + b.expect("b").raised, 0);
    assert_eq!(all_exceptions(&t).await.len(), 1);

    // The customer sees it plainly, on their account only.
    let buyer = customer_key(&t, "buyer@northwind.example", &w.account).await;
    let mine = t
        .request(Method::GET, "/api/v1/exceptions", None, &[("authorization", &buyer)])
        .await
        .ok();
    let mine = mine.body["items"].as_array().expect("items").clone();
    assert_eq!(mine.len(), 1);
    let text = mine[0]["explanation"].as_str().unwrap();
    assert!(text.contains("Your delivery to Main St receiving dock"), "{text}");
    assert!(
        mine[0].get("cause_key").is_none() && mine[0].get("next_step").is_none(),
        "internal fields stay internal"
    );
    let other = customer_key(&t, "lab@contoso.example", &w.other_account).await;
    let theirs = t
        .request(Method::GET, "/api/v1/exceptions", None, &[("authorization", &other)])
        .await
        .ok();
    assert_eq!(theirs.body["items"], json!([]));
    t.request(
        Method::GET,
        &format!("/api/v1/exceptions/{eid}"),
        None,
        &[("authorization", &other)],
    )
    .await
    .refused(404, "not_found", "");
    // A customer reads but does not work the queue.
    t.request(
        Method::POST,
        &format!("/api/v1/exceptions/{eid}/acknowledge"),
        Some(&json!({})),
        &[("authorization", &buyer)],
    )
    .await
    .refused(403, "forbidden", "");

    // Delivered: the tracking event alone resolves it (the event follower, no clock change).
    t.post(
        "/api/v1/tracking-events",
        json!({"events": [{"shipment_id": ships[0], "status": "delivered", "occurred_at": "2026-11-24T16:30:00Z", "source": "UPS"}]}),
    )
    .await
    .ok();
    let r = t
        .app
        .detector(Default::default())
        .follow_events()
        .await
        .expect("follow");
    assert_eq!(r.auto_resolved, 1, "{r:?}");
    let e = t.get(&format!("/api/v1/exceptions/{eid}")).await.ok();
    assert_eq!(e.body["state"], "auto_resolved");
    assert!(e.body["resolved_at"].is_string());
    assert_eq!(t.get("/api/v1/exceptions").await.ok().body["items"], json!([]));
    // A later pass neither reopens nor raises it again.
    t.clock.set(datetime!(2026-11-30 17:00 UTC));
    let r = t.app.detect_exceptions_once().await.expect("detector");
    assert_eq!(r.raised, 0, "{r:?}");
}

async fn carrier_exception_appears_from_the_event_and_staff_work_it(t: TestApp) {
    let w = t.world().await;
    let (_oid, ships) = shipped(&t, &w, 3).await;
    t.app.detect_exceptions_once().await.expect("detector");
    for s in &ships {
        t.post(
            "/api/v1/tracking-events",
            json!({"events": [{"shipment_id": s, "status": "exception", "occurred_at": "2026-11-20T18:00:00Z",
                               "location": "Memphis, TN", "description": "Weather delay", "source": "UPS"}]}),
        )
        .await
        .ok();
    }
    let r = t
        .app
        .detector(Default::default())
        .follow_events()
        .await
        .expect("follow");
    assert_eq!(r.raised, 3, "one per parcel, from the events alone: {r:?}");
    let list = t
        .get("/api/v1/exceptions?kind=carrier_exception&owner=operations")
        .await
        .ok();
    let items = list.body["items"].as_array().expect("items").clone();
    assert_eq!(items.len(), 3);
    assert!(
        items[0]["explanation"].as_str().unwrap().contains("Memphis"),
        "{}",
        items[0]
    );
    assert_eq!(
        t.get("/api/v1/exceptions?kind=carrier_exception&owner=finance")
            .await
            .ok()
            .body["items"],
        json!([]),
        "a kind and an owner that do not go together find nothing"
    );
    assert_eq!(
        t.get("/api/v1/exceptions?min_age_days=1").await.ok().body["items"],
        json!([])
    );
    assert_eq!(
        t.get("/api/v1/exceptions?limit=2").await.ok().body["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let id = items[0]["id"].as_str().unwrap().to_owned();
    let e = t.get(&format!("/api/v1/exceptions/{id}")).await.ok();
    let etag = e.etag();
    t.post_with(
        &format!("/api/v1/exceptions/{id}/acknowledge"),
        json!({}),
        &[("if-match", "\"v999\"")],
    )
    .await
    .refused(412, "precondition_failed", "If-Match");
    let ack = t
        .post_with(
            &format!("/api/v1/exceptions/{id}/acknowledge"),
            json!({}),
            &[("if-match", &etag)],
        )
        .await
        .ok();
    assert_eq!(ack.body["state"], "acknowledged");
    let asg = t
        .post(
            &format!("/api/v1/exceptions/{id}/assign"),
            json!({"assignee": "Olga Ops"}),
        )
        .await
        .ok();
    assert_eq!(asg.body["assignee"], "Olga Ops");
    assert_eq!(
        t.get("/api/v1/exceptions?state=acknowledged").await.ok().body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let res = t
        .post(
            &format!("/api/v1/exceptions/{id}/resolve"),
            json!({"note": "Carrier rerouted via Nashville"}),
        )
        .await
        .ok();
    assert_eq!(res.body["state"], "resolved");
    assert_eq!(res.body["resolution_note"], "Carrier rerouted via Nashville");
    assert_eq!(res.body["history"].as_array().unwrap().len(), 3);
    t.post(&format!("/api/v1/exceptions/{id}/resolve"), json!({}))
        .await
        .refused(409, "invalid_state", "state");
    // A person's resolution stands even while the cause holds: no second exception for it.
    let r = t.app.detect_exceptions_once().await.expect("detector");
    assert_eq!(r.raised, 0, "{r:?}");

    // Bulk: the other two, all or nothing.
    let rest: Vec<String> = items[1..]
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    t.post(
        "/api/v1/exceptions/bulk",
        json!({"ids": [rest[0], id], "action": "acknowledge"}),
    )
    .await
    .refused(409, "invalid_state", "ids[1]");
    assert_eq!(
        t.get(&format!("/api/v1/exceptions/{}", rest[0])).await.ok().body["state"],
        "open",
        "nothing changed"
    );
    let b = t
        .post(
            "/api/v1/exceptions/bulk",
            json!({"ids": rest, "action": "assign", "assignee": "Olga Ops"}),
        )
        .await
        .ok();
    assert_eq!(b.body["items"].as_array().unwrap().len(), 2);
    assert!(
        b.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["assignee"] == "Olga Ops")
    );
    let b = t
        .post("/api/v1/exceptions/bulk", json!({"ids": rest, "action": "acknowledge"}))
        .await
        .ok();
    assert!(
        b.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["state"] == "acknowledged")
    );

    // The parcels move again: the rest resolve themselves.
    for s in &ships {
        t.post(
            "/api/v1/tracking-events",
            json!({"events": [{"shipment_id": s, "status": "in_transit", "occurred_at": "2026-11-20T20:00:00Z", "source": "UPS"}]}),
        )
        .await
        .ok();
    }
    let r = t.app.detect_exceptions_once().await.expect("detector");
    assert_eq!(r.auto_resolved, 2, "{r:?}");
    let states: Vec<String> = all_exceptions(&t)
        .await
        .iter()
        .map(|e| e["state"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(states.iter().filter(|s| *s == "auto_resolved").count(), 2, "{states:?}");
    assert_eq!(states.iter().filter(|s| *s == "resolved").count(), 1, "{states:?}");
}

async fn exception_endpoints_refuse_bad_input(t: TestApp) {
    let w = t.world().await;
    let (_oid, ships) = shipped(&t, &w, 1).await;
    t.clock.set(datetime!(2026-11-24 17:00 UTC));
    t.app.detect_exceptions_once().await.expect("detector");
    let id = t.get("/api/v1/exceptions").await.ok().body["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!ships.is_empty());

    for (q, field) in [
        ("kind=nope", "kind"),
        ("owner=sales", "owner"),
        ("state=closed", "state"),
        ("min_age_days=-1", "min_age_days"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("cursor=%21%21", "cursor"),
    ] {
        let r = t.get(&format!("/api/v1/exceptions?{q}")).await;
        assert_eq!(r.status.as_u16(), 422, "{q}: {}", r.body);
        assert_eq!(r.field(), field, "{q}: {}", r.body);
    }
    let r = t.get("/api/v1/exceptions/not-a-uuid").await;
    assert!(r.status.is_client_error(), "{}", r.body);
    let missing = uuid::Uuid::now_v7();
    t.get(&format!("/api/v1/exceptions/{missing}"))
        .await
        .refused(404, "not_found", "");
    t.post(&format!("/api/v1/exceptions/{missing}/acknowledge"), json!({}))
        .await
        .refused(404, "not_found", "");
    let r = t
        .post(
            &format!("/api/v1/exceptions/{id}/assign"),
            json!({"assignee": "x", "colour": "red"}),
        )
        .await;
    assert_eq!(r.status.as_u16(), 422, "{}", r.body);
    let r = t
        .post(
            &format!("/api/v1/exceptions/{id}/assign"),
            json!({"assignee": "a".repeat(5000)}),
        )
        .await;
    assert_eq!(r.status.as_u16(), 422, "{}", r.body);
    assert_eq!(r.field(), "assignee", "{}", r.body);
    let r = t
        .post(&format!("/api/v1/exceptions/{id}/resolve"), json!({"note": 5}))
        .await;
    assert_eq!(r.status.as_u16(), 422, "{}", r.body);
    assert_eq!(r.field(), "note", "{}", r.body);
    t.post("/api/v1/exceptions/bulk", json!({"ids": [], "action": "acknowledge"}))
        .await
        .refused(422, "invalid_value", "ids");
    t.post("/api/v1/exceptions/bulk", json!({"ids": [id], "action": "explode"}))
        .await
        .refused(422, "invalid_value", "action");
    t.post(
        "/api/v1/exceptions/bulk",
        json!({"ids": [id], "action": "acknowledge", "assignee": "x"}),
    )
    .await
    .refused(422, "invalid_value", "assignee");
    t.post(
        "/api/v1/exceptions/bulk",
        json!({"ids": [id, missing], "action": "acknowledge"}),
    )
    .await
    .refused(422, "unknown_reference", "ids[1]");
    t.post(
        "/api/v1/exceptions/bulk",
        json!({"ids": [id, id], "action": "acknowledge"}),
    )
    .await
    .refused(422, "invalid_value", "ids[1]");
    // None of the refusals changed anything.
    let e = t.get(&format!("/api/v1/exceptions/{id}")).await.ok();
    assert_eq!(e.body["state"], "open");
    assert_eq!(e.body["history"], Value::Null);
}

/// A change routed to the seller (part was already released to the warehouse floor) and left
/// waiting past the threshold (24 hours by default) raises one "change request waiting"
/// exception for the service team; deciding the request clears it from the decision's event.
async fn change_request_waiting_on_the_seller_raises_and_clears(t: TestApp) {
    let w = t.world().await;
    let oid = t.order(&w, 10, 5).await.id();
    t.allocate_and_release(&oid, &w.dallas, 10, 6).await;
    let r = t
        .post(
            &format!("/api/v1/orders/{oid}/change-requests"),
            json!({"changes": [{"type": "cancel_line", "line": 1}], "on_behalf_of": "Bea Buyer (phone)"}),
        )
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.body);
    assert_eq!(r.body["request"]["state"], "awaiting_seller");
    let cr = r.body["request"]["id"].as_str().expect("id").to_owned();
    let waiting = |items: &[Value]| -> Vec<Value> {
        items
            .iter()
            .filter(|e| e["kind"] == "change_request_waiting")
            .cloned()
            .collect()
    };
    t.app.detect_exceptions_once().await.expect("detector");
    assert!(
        waiting(&all_exceptions(&t).await).is_empty(),
        "just routed: nothing yet"
    );

    // A day and an hour later, still undecided.
    t.clock.set(datetime!(2026-11-21 16:00 UTC));
    let r = t.app.detect_exceptions_once().await.expect("detector");
    assert!(r.raised >= 1, "{r:?}");
    t.app.detect_exceptions_once().await.expect("detector");
    let found = waiting(&all_exceptions(&t).await);
    assert_eq!(found.len(), 1, "raised once, not once per pass: {found:?}");
    let e = &found[0];
    assert_eq!(
        (e["owner"].as_str(), e["state"].as_str()),
        (Some("service"), Some("open")),
        "{e}"
    );
    assert_eq!(e["about"]["kind"], "change_request");
    assert_eq!(e["about"]["id"], cr.as_str());
    assert_eq!(e["order"]["id"], oid.as_str());
    assert!(e["explanation"].as_str().unwrap_or("").contains("25 hours"), "{e}");

    // Decided: the decision's event clears it on the next run (no clock needed).
    t.post(
        &format!("/api/v1/change-requests/{cr}/decision"),
        json!({"accept": false, "reason": "already on the truck"}),
    )
    .await
    .ok();
    let r = t
        .app
        .detector(Default::default())
        .follow_events()
        .await
        .expect("follow");
    assert_eq!(r.auto_resolved, 1, "{r:?}");
    let found = waiting(&all_exceptions(&t).await);
    assert_eq!(found[0]["state"], "auto_resolved", "{:?}", found);
}

both_stores!(
    change_request_waiting_on_the_seller_raises_and_clears,
    stalled_parcel_raises_an_exception_and_delivery_resolves_it,
    carrier_exception_appears_from_the_event_and_staff_work_it,
    exception_endpoints_refuse_bad_input,
);

/// Two server processes' detectors on one PostgreSQL: two `App`s, each its own pool, racing
/// passes over the same stalled parcels, never raise one cause twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_detectors_on_one_postgres_never_raise_the_same_exception_twice() {
    let t = TestApp::postgres().await;
    let w = t.world().await;
    let (_oid, ships) = shipped(&t, &w, 6).await;
    let url = t.postgres_url().expect("a PostgreSQL schema");
    let store = aftercart_store::Store::open(&url).await.expect("second pool");
    let clock2 = Arc::new(FixedClock::new(datetime!(2026-11-24 17:00 UTC)));
    let second = App::new(store, clock2);
    t.clock.set(datetime!(2026-11-24 17:00 UTC));
    let mut raised = 0;
    for _ in 0..3 {
        let (a, b, c, d) = tokio::join!(
            t.app.detect_exceptions_once(),
            second.detect_exceptions_once(),
            t.app.detect_exceptions_once(),
            second.detect_exceptions_once(),
        );
        for r in [a, b, c, d] {
            raised += r.expect("detector").raised;
        }
    }
    assert_eq!(raised, ships.len(), "each stalled parcel raised once in all");
    let all = all_exceptions(&t).await;
    assert_eq!(all.len(), ships.len(), "{all:?}");
    let mut about: Vec<&str> = all.iter().map(|e| e["about"]["id"].as_str().unwrap()).collect();
    about.sort();
    about.dedup();
    assert_eq!(about.len(), ships.len(), "one exception per parcel");
}
