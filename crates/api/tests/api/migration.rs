//! Forward migration from a database written by the release before orders were split into a
//! header, line chunks and shipment documents (`tests/fixtures/README.md`: the demo dataset as
//! that release wrote it, on each store). The current code reads it as it is, a change converts
//! the order it touches, `migrate_order_layout` converts the rest (once: it is idempotent), and
//! every answer — order, status, invoice match — is the same before and after.

use crate::harness::TestApp;
use serde_json::{Value, json};
use time::macros::datetime;

/// Everything the API answers about the fixture's orders and invoices, without versions (a
/// conversion is a write, so versions move) — by order id, then by invoice id.
async fn answers(t: &TestApp) -> (Vec<(String, Value)>, Vec<(String, Value)>) {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(m) => {
                m.remove("version");
                m.values_mut().for_each(strip);
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let orders = t.get("/api/v1/orders?limit=500").await.ok();
    let ids: Vec<String> = orders.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|o| o["id"].as_str().expect("id").to_owned())
        .collect();
    assert!(orders.body["next_cursor"].is_null(), "one page holds the fixture");
    let mut by_order = Vec::new();
    for id in ids {
        let mut o = t.get(&format!("/api/v1/orders/{id}")).await.ok().body;
        let mut s = t.get(&format!("/api/v1/orders/{id}/status")).await.ok().body;
        s.as_object_mut().map(|m| m.remove("as_of"));
        let mut tl = t.get(&format!("/api/v1/orders/{id}/timeline")).await.ok().body;
        strip(&mut o);
        strip(&mut s);
        strip(&mut tl);
        by_order.push((id, json!({"order": o, "status": s, "timeline": tl})));
    }
    let invoices = t.get("/api/v1/invoices?limit=500").await.ok();
    let mut by_invoice = Vec::new();
    for inv in invoices.body["items"].as_array().expect("items") {
        let id = inv["id"].as_str().expect("id").to_owned();
        let mut m = t.get(&format!("/api/v1/invoices/{id}/match")).await.ok().body;
        strip(&mut m);
        by_invoice.push((id, m));
    }
    (by_order, by_invoice)
}

async fn forward(t: TestApp) {
    // The demo was written on 2026-12-01; answer as of the same moment before and after.
    t.clock.set(datetime!(2026-12-01 12:00 UTC));
    let (orders_before, invoices_before) = answers(&t).await;
    assert!(orders_before.len() > 200, "the fixture holds the demo's orders");
    assert!(!invoices_before.is_empty());

    // A change on an order still in the old layout: a delivery scan on a shipment in transit.
    let moving = t.get("/api/v1/shipments?status=in_transit&limit=1").await.ok();
    let s = &moving.body["items"][0];
    let (sid, touched) = (
        s["id"].as_str().expect("an in-transit shipment").to_owned(),
        s["order_id"].as_str().expect("order").to_owned(),
    );
    let r = t
        .post(
            "/api/v1/tracking-events",
            json!({"events": [{"shipment_id": sid, "status": "delivered", "occurred_at": "2026-12-01T11:00:00Z", "source": "UPS"}]}),
        )
        .await
        .ok();
    assert_eq!(r.body["applied"], 1, "{}", r.body);

    // The rest convert once; a second run finds nothing to do.
    let converted = t.app.migrate_order_layout().await.expect("migrate");
    assert_eq!(
        converted as usize,
        orders_before.len() - 1,
        "every order but the one already rewritten"
    );
    assert_eq!(t.app.migrate_order_layout().await.expect("again"), 0, "idempotent");

    let (orders_after, invoices_after) = answers(&t).await;
    assert_eq!(orders_after.len(), orders_before.len());
    for ((id, before), (id2, after)) in orders_before.iter().zip(&orders_after) {
        assert_eq!(id, id2);
        if *id == touched {
            continue;
        }
        assert_eq!(before, after, "order {id} reads the same after conversion");
    }
    assert_eq!(invoices_before, invoices_after, "every invoice matches the same");

    // The touched order took the scan, and its ledger follows.
    let shipment = t.get(&format!("/api/v1/shipments/{sid}")).await.ok();
    assert_eq!(shipment.body["tracking_status"], "delivered");
    let order = t.get(&format!("/api/v1/orders/{touched}")).await.ok();
    for l in shipment.body["lines"].as_array().expect("lines") {
        let line = order.body["lines"]
            .as_array()
            .expect("lines")
            .iter()
            .find(|x| x["line"] == l["line"])
            .expect("line of the shipment");
        assert!(
            line["ledger"]["delivered"].as_u64() >= l["quantity"].as_u64(),
            "delivered counts the shipment: {line}"
        );
    }

    // Converted orders keep working: ship what is allocated and unshipped on one of them.
    let allocated = t.get("/api/v1/orders?status=allocated&limit=1").await.ok();
    if let Some(o) = allocated.body["items"].as_array().and_then(|a| a.first()) {
        let line = o["lines"]
            .as_array()
            .expect("lines")
            .iter()
            .find(|l| l["ledger"]["allocated"].as_u64() > Some(0))
            .expect("an allocated line");
        let from = line["allocations"][0]["fulfilment_location_id"]
            .as_str()
            .expect("location");
        let shipped = t
            .post(
                "/api/v1/shipments",
                json!({"order_id": o["id"], "from_location_id": from, "to_location_id": line["ship_to"],
                       "carrier": "UPS", "lines": [{"line": line["line"], "quantity": line["ledger"]["allocated"]}]}),
            )
            .await
            .ok();
        assert_eq!(shipped.body["order_id"], o["id"]);
        let status = t
            .get(&format!("/api/v1/orders/{}/status", o["id"].as_str().unwrap_or("")))
            .await
            .ok();
        assert_ne!(status.body["status"], "pending");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite() {
    forward(TestApp::sqlite_fixture("release-e0b65d0-demo.sqlite.gz").await).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() {
    forward(TestApp::postgres_fixture("release-e0b65d0-demo.pg.sql.gz").await).await
}
