//! `GET /api/v1/exports/{kind}`: what changed since a cursor, as CSV or JSON Lines, with the next
//! cursor in a header; bad parameters named; customers refused.

use crate::harness::{TestApp, usd};
use serde_json::{Value, json};

/// One page: its rows (JSON Lines parsed, or CSV as column → value), the next cursor, done.
async fn page(t: &TestApp, kind: &str, since: i64, format: &str) -> (Vec<Value>, i64, bool) {
    let (status, headers, bytes) = t
        .download(&format!("/api/v1/exports/{kind}?since={since}&format={format}"), None)
        .await;
    let text = String::from_utf8(bytes).unwrap();
    assert_eq!(status.as_u16(), 200, "{text}");
    let cursor: i64 = headers["aftercart-next-cursor"].to_str().unwrap().parse().unwrap();
    let done = headers["aftercart-export-done"] == "true";
    let rows = if format == "csv" {
        assert!(headers["content-type"].to_str().unwrap().starts_with("text/csv"));
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let header = r.headers().expect("a header row").clone();
        r.records()
            .map(|x| {
                let x = x.expect("a row");
                Value::Object(
                    header
                        .iter()
                        .zip(x.iter())
                        .map(|(k, v)| (k.to_owned(), Value::from(v)))
                        .collect(),
                )
            })
            .collect()
    } else {
        text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    };
    (rows, cursor, done)
}

async fn changes_since_a_cursor(t: TestApp) {
    let w = t.world().await;
    let first = t.order(&w, 10, 4).await.id();
    let second = t.order(&w, 2, 1).await.id();
    let (rows, cursor, done) = page(&t, "orders", 0, "csv").await;
    assert!(done && cursor > 0);
    // A row per order line, both orders (the world's own orders may come too).
    let ours: Vec<&Value> = rows
        .iter()
        .filter(|r| r["order_id"] == first.as_str() || r["order_id"] == second.as_str())
        .collect();
    assert_eq!(ours.len(), 4, "{rows:?}");
    let line = |rows: &[Value], order: &str, no: &str| {
        rows.iter()
            .find(|r| r["order_id"] == order && r["line"] == no)
            .cloned()
            .unwrap_or_else(|| panic!("line {no} of {order} in {rows:?}"))
    };
    let l1 = line(&rows, &first, "1");
    assert_eq!(
        (l1["sku"].as_str(), l1["quantity"].as_str()),
        (Some("GLV-NIT-M"), Some("10"))
    );
    assert_eq!(l1["allocated"], "0");

    // Nothing changed: an empty page, the same cursor.
    let (rows, again, done) = page(&t, "orders", cursor, "jsonl").await;
    assert!(rows.is_empty() && done && again == cursor, "{rows:?}");

    // One order moves: it alone comes back, as it stands now.
    t.post(
        &format!("/api/v1/orders/{first}/allocations"),
        json!({"line": 1, "fulfilment_location_id": w.dallas, "quantity": 6}),
    )
    .await
    .ok();
    let (rows, next, _) = page(&t, "orders", cursor, "jsonl").await;
    assert!(next > cursor);
    assert!(rows.iter().all(|r| r["order_id"] == first.as_str()), "{rows:?}");
    assert_eq!(line(&rows, &first, "1")["allocated"], "6");
    assert_eq!(line(&rows, &first, "2")["allocated"], "0");

    // Shipments and invoices, each their own kind.
    t.post(
        "/api/v1/shipments",
        json!({"order_id": first, "from_location_id": w.dallas, "to_location_id": w.dock,
               "lines": [{"line": 1, "quantity": 6}], "carrier": "UPS", "tracking_number": "1Z999AA10123456784"}),
    )
    .await
    .ok();
    t.post(
        "/api/v1/invoices",
        json!({"account_id": w.account, "currency": "USD", "issued_on": "2026-11-26",
               "lines": [{"order_id": first, "order_line": 1, "quantity": 6, "unit_price": usd("11.75")}]}),
    )
    .await
    .ok();
    let (ships, _, _) = page(&t, "shipments", next, "jsonl").await;
    assert_eq!(ships.len(), 1, "{ships:?}");
    assert_eq!(ships[0]["tracking_number"], "1Z999AA10123456784");
    assert_eq!(
        (ships[0]["line"].as_str(), ships[0]["quantity"].as_str()),
        (Some("1"), Some("6"))
    );
    let (invoices, _, _) = page(&t, "invoices", next, "jsonl").await;
    assert_eq!(invoices.len(), 1, "{invoices:?}");
    assert_eq!(invoices[0]["amount"], "70.50");
    assert_eq!(invoices[0]["order_id"], first.as_str());
}

async fn bad_parameters_are_named(t: TestApp) {
    t.get("/api/v1/exports/orders?format=xml")
        .await
        .refused(422, "invalid_value", "format");
    t.get("/api/v1/exports/orders?since=-1")
        .await
        .refused(422, "invalid_value", "since");
    t.get("/api/v1/exports/orders?page=0")
        .await
        .refused(422, "invalid_value", "page");
    let r = t.get("/api/v1/exports/pallets").await;
    assert_eq!(r.status.as_u16(), 404, "{}", r.body);
}

both_stores!(changes_since_a_cursor, bad_parameters_are_named);
