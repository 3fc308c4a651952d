//! Carrier webhooks in the providers' own shapes, signed as each provider signs, through the
//! real router on both stores: scans applied with the carrier's words kept beside ours, repeats
//! counted as duplicates, bad signatures refused with nothing changed, unknown numbers answered
//! (so the provider stops re-sending), and a recycled tracking number kept off an old shipment.

use crate::harness::{AFTERSHIP_SECRET, EASYPOST_SECRET, TestApp, UPS_CREDENTIAL, World};
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

fn hmac(secret: &str, body: &[u8]) -> Vec<u8> {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap();
    m.update(body);
    m.finalize().into_bytes().to_vec()
}

async fn ship(t: &TestApp, w: &World, tracking: &str) -> (String, String) {
    let oid = t.order(w, 10, 1).await.id();
    t.post(
        &format!("/api/v1/orders/{oid}/allocations"),
        json!({"line": 1, "fulfilment_location_id": w.dallas, "quantity": 10}),
    )
    .await
    .ok();
    let sid = t
        .post(
            "/api/v1/shipments",
            json!({"order_id": oid, "from_location_id": w.dallas, "to_location_id": w.dock,
                   "lines": [{"line": 1, "quantity": 10}], "carrier": "FedEx", "tracking_number": tracking}),
        )
        .await
        .ok()
        .id();
    (oid, sid)
}

fn easypost(tracking: &str, scans: &[(&str, &str, &str)]) -> Vec<u8> {
    let details: Vec<Value> = scans
        .iter()
        .map(|(status, detail, at)| {
            json!({"object": "TrackingDetail", "message": format!("{status} scan"), "status": status,
                   "status_detail": detail, "datetime": at, "source": "FedEx", "carrier_code": "XX",
                   "tracking_location": {"object": "TrackingLocation", "city": "MEMPHIS", "state": "TN", "country": "US", "zip": "38118"}})
        })
        .collect();
    let last = scans.last().map(|s| s.0).unwrap_or("unknown");
    serde_json::to_vec(&json!({
        "object": "Event", "id": "evt_test", "description": "tracker.updated", "mode": "production",
        "result": {"object": "Tracker", "id": "trk_test", "tracking_code": tracking, "status": last,
                   "carrier": "FedEx", "tracking_details": details}
    }))
    .unwrap()
}

async fn post_signed(t: &TestApp, provider: &str, body: &[u8], headers: &[(&str, &str)]) -> crate::harness::Resp {
    let mut req = axum::http::Request::builder()
        .method("POST")
        .uri(format!("/api/v1/carriers/{provider}/webhook"))
        .header("content-type", "application/json");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    t.raw(req.body(axum::body::Body::from(body.to_vec())).unwrap()).await
}

async fn shipment(t: &TestApp, sid: &str) -> Value {
    t.get(&format!("/api/v1/shipments/{sid}")).await.ok().body
}

async fn easypost_scans_apply_once_and_bad_signatures_change_nothing(t: TestApp) {
    let w = t.world().await;
    let (_, sid) = ship(&t, &w, "794600000001").await;
    let body = easypost(
        "794600000001",
        &[
            ("pre_transit", "label_created", "2026-11-20T16:00:00Z"),
            ("in_transit", "arrived_at_facility", "2026-11-21T08:30:00Z"),
            ("failure", "delivery_failed", "2026-11-22T10:00:00Z"),
        ],
    );
    // A signature made with another secret, then none at all: refused, nothing applied.
    let forged = format!("hmac-sha256-hex={}", hex::encode(hmac("not-the-secret", &body)));
    let r = post_signed(&t, "easypost", &body, &[("x-hmac-signature", &forged)]).await;
    assert_eq!(r.status, 401, "{}", r.body);
    assert_eq!(r.body["code"], "unauthenticated");
    assert_eq!(post_signed(&t, "easypost", &body, &[]).await.status, 401);
    assert_eq!(shipment(&t, &sid).await["tracking_status"], "pending");

    let sig = format!("hmac-sha256-hex={}", hex::encode(hmac(EASYPOST_SECRET, &body)));
    let r = post_signed(&t, "easypost", &body, &[("x-hmac-signature", &sig)])
        .await
        .ok();
    assert_eq!(
        (r.body["scans"].as_u64(), r.body["applied"].as_u64()),
        (Some(3), Some(3)),
        "{}",
        r.body
    );
    let s = shipment(&t, &sid).await;
    assert_eq!(
        s["tracking_status"], "exception",
        "EasyPost failure is an exception: {s}"
    );
    assert_eq!(
        s["last_scan"]["carrier_status"], "failure / delivery_failed (XX)",
        "{s}"
    );
    assert_eq!(s["last_scan"]["location"], "MEMPHIS, TN 38118, US", "{s}");

    // The provider re-sends the same history: every scan a duplicate, nothing moves.
    let r = post_signed(&t, "easypost", &body, &[("x-hmac-signature", &sig)])
        .await
        .ok();
    assert_eq!(
        (r.body["applied"].as_u64(), r.body["duplicates"].as_u64()),
        (Some(0), Some(3)),
        "{}",
        r.body
    );
    // A body tampered with after signing is refused.
    let mut tampered = body.clone();
    let at = tampered.windows(7).position(|w| w == b"failure").unwrap();
    tampered[at..at + 7].copy_from_slice(b"success");
    assert_eq!(
        post_signed(&t, "easypost", &tampered, &[("x-hmac-signature", &sig)])
            .await
            .status,
        401
    );

    // A number no shipment has is answered, not refused (else the provider retries for ever).
    let other = easypost(
        "794699999999",
        &[("in_transit", "arrived_at_facility", "2026-11-21T08:30:00Z")],
    );
    let sig = format!("hmac-sha256-hex={}", hex::encode(hmac(EASYPOST_SECRET, &other)));
    let r = post_signed(&t, "easypost", &other, &[("x-hmac-signature", &sig)])
        .await
        .ok();
    assert_eq!(r.body["unknown"].as_u64(), Some(1), "{}", r.body);
    // An unknown provider has no webhook.
    assert_eq!(post_signed(&t, "fedex", &other, &[]).await.status, 404);
}

async fn aftership_and_ups_map_to_our_words_and_keep_theirs(t: TestApp) {
    let w = t.world().await;
    let (oid, sid) = ship(&t, &w, "61290000000001").await;
    let body = serde_json::to_vec(&json!({
        "event": "tracking_update", "event_id": "e-1", "ts": 1795000000,
        "msg": {"tracking_number": "61290000000001", "slug": "fedex", "tag": "Exception", "subtag": "Exception_011",
                "subtag_message": "Returned to sender",
                "checkpoints": [
                    {"slug": "fedex", "checkpoint_time": "2026-11-21T09:00:00+00:00", "tag": "InTransit",
                     "subtag": "InTransit_002", "message": "Picked up", "city": "MEMPHIS", "state": "TN"},
                    {"slug": "fedex", "checkpoint_time": "2026-11-23T09:00:00+00:00", "tag": "Exception",
                     "subtag": "Exception_011", "subtag_message": "Returned to sender", "message": "Returned to shipper"}
                ]}
    }))
    .unwrap();
    let sig = base64::engine::general_purpose::STANDARD.encode(hmac(AFTERSHIP_SECRET, &body));
    let bad = base64::engine::general_purpose::STANDARD.encode(hmac("wrong", &body));
    assert_eq!(
        post_signed(&t, "aftership", &body, &[("aftership-hmac-sha256", &bad)])
            .await
            .status,
        401
    );
    let r = post_signed(&t, "aftership", &body, &[("aftership-hmac-sha256", &sig)])
        .await
        .ok();
    assert_eq!(r.body["applied"].as_u64(), Some(2), "{}", r.body);
    let s = shipment(&t, &sid).await;
    assert_eq!(s["tracking_status"], "returned_to_sender", "Exception_011: {s}");
    assert_eq!(s["last_scan"]["carrier_status"], "Exception / Exception_011", "{s}");
    let o = t.get(&format!("/api/v1/orders/{oid}")).await.ok().body;
    assert_eq!(o["lines"][0]["ledger"]["returned"].as_i64(), Some(10), "{o}");

    // UPS Track Alert: the subscription's credential comes back in a header.
    let (_, ups) = ship(&t, &w, "1ZAFTERCART0000001").await;
    let body = br#"{"trackingNumber":"1ZAFTERCART0000001","localActivityDate":"20261121","localActivityTime":"154207",
        "gmtActivityDate":"20261121","gmtActivityTime":"204207","gmtOffset":"-05:00",
        "activityLocation":{"city":"Atlanta","stateProvince":"GA","postalCode":"30301","country":"US"},
        "activityStatus":{"type":"I","code":"OR","description":"On the Way"},"scheduledDeliveryDate":"20261124"}"#;
    assert_eq!(
        post_signed(&t, "ups", body, &[("credential", "guess")]).await.status,
        401
    );
    let r = post_signed(&t, "ups", body, &[("credential", UPS_CREDENTIAL)])
        .await
        .ok();
    assert_eq!(r.body["applied"].as_u64(), Some(1), "{}", r.body);
    let s = shipment(&t, &ups).await;
    assert_eq!(s["tracking_status"], "in_transit", "{s}");
    assert_eq!(s["estimated_delivery"], "2026-11-24", "{s}");
}

/// Carriers reuse numbers: a scan months after a delivered shipment is someone else's parcel,
/// and a number two shipments share goes to the one whose journey the scan fits.
async fn a_recycled_tracking_number_does_not_touch_the_old_shipment(t: TestApp) {
    let w = t.world().await;
    let (_, old) = ship(&t, &w, "9400100000000000000001").await;
    let delivered = easypost(
        "9400100000000000000001",
        &[("delivered", "arrived_at_destination", "2026-11-22T12:00:00Z")],
    );
    let sig = format!("hmac-sha256-hex={}", hex::encode(hmac(EASYPOST_SECRET, &delivered)));
    post_signed(&t, "easypost", &delivered, &[("x-hmac-signature", &sig)])
        .await
        .ok();
    assert_eq!(shipment(&t, &old).await["tracking_status"], "delivered");

    // Seven months later the number is on another parcel, not ours: refused with the reason.
    let later = easypost(
        "9400100000000000000001",
        &[("in_transit", "arrived_at_facility", "2027-06-20T08:00:00Z")],
    );
    let sig = format!("hmac-sha256-hex={}", hex::encode(hmac(EASYPOST_SECRET, &later)));
    let r = post_signed(&t, "easypost", &later, &[("x-hmac-signature", &sig)])
        .await
        .ok();
    assert_eq!(r.body["applied"].as_u64(), Some(0), "{}", r.body);
    let why = r.body["refused"][0].as_str().unwrap_or("");
    assert!(why.contains("recycled") && why.contains("after delivery"), "{}", r.body);
    assert_eq!(shipment(&t, &old).await["tracking_status"], "delivered");

    // When the number is then shipped again here, the new scan goes to the new shipment.
    t.clock.set(time::macros::datetime!(2027-06-19 15:00 UTC));
    let (_, new) = ship(&t, &w, "9400100000000000000001").await;
    let r = post_signed(&t, "easypost", &later, &[("x-hmac-signature", &sig)])
        .await
        .ok();
    assert_eq!(r.body["applied"].as_u64(), Some(1), "{}", r.body);
    assert_eq!(shipment(&t, &new).await["tracking_status"], "in_transit");
    assert_eq!(shipment(&t, &old).await["tracking_status"], "delivered");
}

both_stores!(
    easypost_scans_apply_once_and_bad_signatures_change_nothing,
    aftership_and_ups_map_to_our_words_and_keep_theirs,
    a_recycled_tracking_number_does_not_touch_the_old_shipment,
);
