//! X12 EDI through the real router on both stores: an 850 in (two lines, each to its own ship-to)
//! becomes one order with channel `edi`, answered by a 997; a resent interchange and a resent PO
//! order nothing; then the 855, 856 and 810 the seller's work calls for, each parsed back by our
//! reader and by an independent one (the `x12-types` crate); the partner's 997 about our 855 is
//! recorded against it; an 850 that cannot be ordered is answered by an 855 `RJ`; credentials
//! refused without saying which part was wrong.

use crate::harness::{TestApp, World, usd};
use aftercart_interchange::x12::{Ack855, Ack997, AckCode, AckType, Asn856, Interchange, Invoice810, LineStatus, Mark};
use axum::body::Body;
use axum::http::{Method, Request};
use base64::Engine;
use serde_json::{Value, json};
use x12_types::util::Parser;

const SECRET: &str = "northwind-edi-shared-secret";
const PARTNER: &str = "NORTHWINDEDI";

async fn x12_link(t: &TestApp, w: &World) -> Value {
    t.post(
        &format!("/api/v1/accounts/{}/procurement-links", w.account),
        json!({"name": "Northwind EDI", "x12": {"qualifier": "ZZ", "id": PARTNER, "our_id": "ACMESUPPLY"},
               "shared_secret": SECRET, "order_response_url": "https://edi.northwind.example/inbound"}),
    )
    .await
    .ok()
    .body
}

/// An ISA…IEA interchange around `sets` (one group of `functional_id`), 005010, with its
/// control numbers and counts right.
fn interchange(from: &str, to: &str, control: u32, functional_id: &str, sets: &[String]) -> String {
    let mut body = String::new();
    for (i, set) in sets.iter().enumerate() {
        let st = format!("{:04}", i + 1);
        let segs: Vec<&str> = set.split('~').map(str::trim).filter(|s| !s.is_empty()).collect();
        let id = match functional_id {
            "PO" => "850",
            "FA" => "997",
            other => panic!("{other}"),
        };
        body.push_str(&format!("ST*{id}*{st}~"));
        for s in &segs {
            body.push_str(s);
            body.push('~');
        }
        body.push_str(&format!("SE*{}*{st}~", segs.len() + 2));
    }
    format!(
        "ISA*00*          *00*          *ZZ*{from:<15}*ZZ*{to:<15}*261124*1000*^*00501*{control:09}*0*P*>~\
         GS*{functional_id}*{from}*{to}*20261124*1000*{control}*X*005010~{body}GE*{}*{control}~IEA*1*{control:09}~",
        sets.len()
    )
}

fn po(number: &str, first_sku: &str) -> String {
    format!(
        "BEG*00*SA*{number}**20261124~DTM*002*20261201~N1*ST*Main St receiving dock~\
         PO1*1*5*EA*11.75**VP*{first_sku}*BP*NW-GLOVE-M~PID*F****Nitrile gloves~\
         PO1*2*3*EA*32.50**VP*TWL-C-12~N1*ST*Round Rock store~CTT*2~"
    )
}

struct Answer {
    status: u16,
    content_type: String,
    repeated: bool,
    body: String,
}

async fn post_x12(t: &TestApp, secret: &str, text: &str) -> Answer {
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("northwind:{secret}"));
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/edi/x12")
        .header("content-type", "application/edi-x12")
        .header("authorization", format!("Basic {auth}"))
        .body(Body::from(text.to_owned()))
        .unwrap();
    let r = t.raw(req).await;
    let header = |n: &str| r.headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    Answer {
        status: r.status.as_u16(),
        content_type: header("content-type"),
        repeated: header("aftercart-x12-repeated") == "true",
        body: r.body.as_str().expect("a text body").to_owned(),
    }
}

/// The one 997 of an answer, read by our reader.
fn ack997(text: &str) -> Ack997 {
    let ic = Interchange::parse(text.as_bytes()).expect("our 997 parses");
    assert_eq!(ic.groups.len(), 1, "{text}");
    assert_eq!(ic.groups[0].functional_id, "FA");
    Ack997::read(&ic.groups[0].sets[0]).expect("a 997")
}

async fn account_orders(t: &TestApp, account: &str) -> Vec<Value> {
    t.get(&format!("/api/v1/orders?limit=100&account_id={account}"))
        .await
        .ok()
        .body["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

async fn documents(t: &TestApp, link: &str) -> Vec<Value> {
    t.get(&format!("/api/v1/procurement-links/{link}/x12-documents"))
        .await
        .ok()
        .body["items"]
        .as_array()
        .cloned()
        .unwrap()
}

fn sets_of<'a>(docs: &'a [Value], set: &str) -> Vec<&'a Value> {
    docs.iter().filter(|d| d["set"] == set).collect()
}

fn no_rest(what: &str, rest: &str) {
    assert!(rest.trim().is_empty(), "{what}: x12-types left {rest:?} unread");
}

async fn an_850_round_trip_to_855_856_and_810(t: TestApp) {
    let w = t.world().await;
    let link = x12_link(&t, &w).await;
    let link_id = link["id"].as_str().unwrap().to_owned();
    assert_eq!(link["x12"]["release"], "005010");
    assert_eq!(link["x12"]["our_qualifier"], "ZZ");
    assert!(link.get("secret_hash").is_none(), "{link}");

    // The 850 in: one order, each line to its own ship-to, answered by a 997 accepting it.
    let text = interchange(PARTNER, "ACMESUPPLY", 101, "PO", &[po("PO-88120", "GLV-NIT-M")]);
    let a = post_x12(&t, SECRET, &text).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.content_type, "application/edi-x12");
    assert!(!a.repeated);
    let ack = ack997(&a.body);
    assert_eq!((ack.functional_id.as_str(), ack.group_control), ("PO", 101));
    assert_eq!(ack.status, AckCode::Accepted);
    assert_eq!(ack.sets[0].status, AckCode::Accepted);
    // And by someone else's reader.
    let (rest, t997) = x12_types::v005010::Transmission::<x12_types::v005010::_997>::parse(&a.body).unwrap();
    no_rest("997", rest);
    assert_eq!(t997.functional_group[0].segments[0].ak1._02.as_deref(), Some("101"));
    let envelope = Interchange::parse(a.body.as_bytes()).unwrap();
    assert_eq!(envelope.header.sender_id.trim(), "ACMESUPPLY");
    assert_eq!(envelope.header.receiver_id.trim(), PARTNER);

    let orders = account_orders(&t, &w.account).await;
    assert_eq!(orders.len(), 1, "{orders:?}");
    let oid = orders[0]["id"].as_str().unwrap().to_owned();
    let order = t.get(&format!("/api/v1/orders/{oid}")).await.ok().body;
    assert_eq!(order["channel"], "edi");
    assert_eq!(order["po_number"], "PO-88120");
    let lines = order["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!(
        (lines[0]["ship_to"].as_str(), lines[0]["quantity"].as_u64()),
        (Some(w.dock.as_str()), Some(5))
    );
    assert_eq!(lines[0]["requested_date"], "2026-12-01");
    assert_eq!(lines[0]["unit_price"]["amount"], "11.75", "the contract price");
    assert_eq!(
        lines[1]["ship_to"],
        w.store.as_str(),
        "the line's own N1 ST, by its name"
    );

    // The same interchange again: the same 997, nothing ordered.
    let again = post_x12(&t, SECRET, &text).await;
    assert_eq!((again.status, again.repeated), (200, true));
    assert_eq!(again.body, a.body);
    // The same PO in a new interchange: read and accepted, still not ordered twice.
    let resent = post_x12(
        &t,
        SECRET,
        &interchange(PARTNER, "ACMESUPPLY", 102, "PO", &[po("PO-88120", "GLV-NIT-M")]),
    )
    .await;
    assert_eq!((resent.status, resent.repeated), (200, false));
    assert_eq!(ack997(&resent.body).status, AckCode::Accepted);
    assert_eq!(account_orders(&t, &w.account).await.len(), 1);

    // The acknowledgement goes out as the order stands when the outbox reaches it: accepted.
    t.app.fan_out_all().await.expect("fan-out");
    // The seller's work, told to the partner: allocation, backorder, shipment, invoice.
    t.post(
        &format!("/api/v1/orders/{oid}/allocations"),
        json!({"line": 1, "fulfilment_location_id": w.dallas, "quantity": 5}),
    )
    .await
    .ok();
    t.post(
        &format!("/api/v1/orders/{oid}/backorders"),
        json!({"line": 2, "quantity": 2, "expected_date": "2026-12-14", "reason": "mill delay"}),
    )
    .await
    .ok();
    t.post(
        "/api/v1/shipments",
        json!({"order_id": oid, "from_location_id": w.dallas, "to_location_id": w.dock,
               "lines": [{"line": 1, "quantity": 5}], "carrier": "UPS", "service": "Ground",
               "tracking_number": "1Z999AA10123456784", "packing_slip": "PS-881"}),
    )
    .await
    .ok();
    let inv = t
        .post(
            "/api/v1/invoices",
            json!({"account_id": w.account, "currency": "USD", "issued_on": "2026-11-26",
                   "lines": [{"order_id": oid, "order_line": 1, "quantity": 5, "unit_price": usd("11.75")}]}),
        )
        .await
        .ok()
        .body;
    t.app.fan_out_all().await.expect("fan-out");
    let docs = documents(&t, &link_id).await;

    // Control numbers: one per interchange, never repeated.
    let mut controls: Vec<u64> = docs.iter().map(|d| d["control_number"].as_u64().unwrap()).collect();
    let n = controls.len();
    controls.sort_unstable();
    controls.dedup();
    assert_eq!(controls.len(), n, "{docs:?}");
    for d in &docs {
        let ic = Interchange::parse(d["body"].as_str().unwrap().as_bytes()).expect("our interchange parses");
        assert_eq!(
            u64::from(ic.header.control_number),
            d["control_number"].as_u64().unwrap()
        );
        assert_eq!(d["state"], "pending", "{d}");
    }

    // 855s: the acknowledgement at placement (00), then a replacement (05) per step.
    let acks = sets_of(&docs, "855");
    assert_eq!(acks.len(), 3, "{docs:?}");
    let read855 = |d: &Value| {
        let ic = Interchange::parse(d["body"].as_str().unwrap().as_bytes()).unwrap();
        Ack855::read(&ic.groups[0].sets[0]).expect("an 855")
    };
    // Newest first.
    let first = read855(acks[2]);
    assert_eq!((first.purpose.as_str(), first.po_number.as_str()), ("00", "PO-88120"));
    assert_eq!(first.seller_order_number.as_deref(), order["number"].as_str());
    assert_eq!(first.ack_type, AckType::AcceptedNoChanges);
    let latest = read855(acks[0]);
    assert_eq!(latest.purpose, "05");
    assert_eq!(latest.ack_type, AckType::AcceptedWithChanges);
    let statuses = |n: usize| -> Vec<(LineStatus, u32, Option<String>)> {
        latest.lines[n]
            .acks
            .iter()
            .map(|a| (a.status.clone(), a.quantity.get(), a.ship_date.map(|d| d.to_string())))
            .collect()
    };
    assert_eq!(latest.lines[0].line_id.as_deref(), Some("1"));
    assert_eq!(statuses(0), vec![(LineStatus::Accepted, 5, None)]);
    assert_eq!(
        statuses(1),
        vec![
            (LineStatus::Accepted, 1, None),
            (LineStatus::Backordered, 2, Some("2026-12-14".into()))
        ]
    );
    // The buyer's own part number is echoed as it was sent.
    assert!(
        latest.lines[0]
            .product_ids
            .iter()
            .any(|p| p.qualifier == "BP" && p.value == "NW-GLOVE-M")
    );
    let (rest, t855) =
        x12_types::v005010::Transmission::<x12_types::v005010::_855>::parse(acks[0]["body"].as_str().unwrap()).unwrap();
    no_rest("855", rest);
    let set = &t855.functional_group[0].segments[0];
    assert_eq!((set.bak._01.as_str(), set.bak._02.as_str()), ("05", "AC"));
    assert_eq!(set.bak._03, "PO-88120");
    assert_eq!(set.loop_po1.len(), 2);

    // 856: shipment → order → pack (the parcel) → item.
    let [asn] = sets_of(&docs, "856")[..] else {
        panic!("one 856: {docs:?}")
    };
    let ic = Interchange::parse(asn["body"].as_str().unwrap().as_bytes()).unwrap();
    let notice = Asn856::read(&ic.groups[0].sets[0]).expect("an 856");
    assert_eq!(notice.shipment_id, "PS-881");
    assert_eq!(notice.structure.as_deref(), Some("0001"));
    assert_eq!(notice.shipment.tracking_numbers, vec!["1Z999AA10123456784".to_owned()]);
    assert_eq!(notice.orders[0].po_number, "PO-88120");
    let pack = &notice.orders[0].packs[0];
    assert_eq!(pack.marks, vec![Mark::CarrierPackageId("1Z999AA10123456784".into())]);
    assert_eq!(
        (pack.items[0].line_id.as_deref(), pack.items[0].quantity.get()),
        (Some("1"), 5)
    );
    assert_eq!(
        notice.shipment.parties[0].name.as_deref(),
        Some("Main St receiving dock")
    );
    let (rest, t856) =
        x12_types::v005010::Transmission::<x12_types::v005010::_856>::parse(asn["body"].as_str().unwrap()).unwrap();
    no_rest("856", rest);
    assert_eq!(t856.functional_group[0].segments[0].bsn._02, "PS-881");
    assert_eq!(t856.functional_group[0].segments[0].loop_hl.len(), 4);

    // 810: the invoice, billing the PO, its total adding up.
    let [bill] = sets_of(&docs, "810")[..] else {
        panic!("one 810: {docs:?}")
    };
    assert_eq!(bill["reference"], inv["number"]);
    let ic = Interchange::parse(bill["body"].as_str().unwrap().as_bytes()).unwrap();
    let i810 = Invoice810::read(&ic.groups[0].sets[0]).expect("an 810");
    assert_eq!(i810.invoice_number, inv["number"].as_str().unwrap());
    assert_eq!(i810.po_number.as_deref(), Some("PO-88120"));
    assert_eq!(i810.lines.len(), 1);
    assert_eq!(
        (i810.lines[0].quantity.get(), i810.lines[0].unit_price.amount_string()),
        (5, "11.75".to_owned())
    );
    assert_eq!(i810.total_difference(), None, "TDS adds up");
    let (rest, t810) =
        x12_types::v005010::Transmission::<x12_types::v005010::_810>::parse(bill["body"].as_str().unwrap()).unwrap();
    no_rest("810", rest);
    assert_eq!(
        t810.functional_group[0].segments[0].big._04.as_deref(),
        Some("PO-88120")
    );

    // The partner's 997 for our latest 855 is recorded against it.
    let ctl = acks[0]["control_number"].as_u64().unwrap();
    let their_997 = interchange(
        PARTNER,
        "ACMESUPPLY",
        103,
        "FA",
        &[format!("AK1*PR*{ctl}*005010~AK2*855*{ctl:04}~AK5*A~AK9*A*1*1*1~")],
    );
    let a = post_x12(&t, SECRET, &their_997).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(a.body.is_empty(), "no 997 is sent for a 997: {}", a.body);
    let docs = documents(&t, &link_id).await;
    let acked: Vec<_> = docs
        .iter()
        .filter(|d| d["acknowledged"] == "A")
        .map(|d| d["control_number"].as_u64().unwrap())
        .collect();
    assert_eq!(acked, vec![ctl]);
}

async fn an_850_that_cannot_be_ordered_is_answered_by_an_855_rj(t: TestApp) {
    let w = t.world().await;
    let link = x12_link(&t, &w).await;
    let link_id = link["id"].as_str().unwrap().to_owned();
    let text = interchange(PARTNER, "ACMESUPPLY", 201, "PO", &[po("PO-1", "NO-SUCH-SKU")]);
    let a = post_x12(&t, SECRET, &text).await;
    // The set was received whole: the 997 accepts it; the business answer is the 855.
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(ack997(&a.body).status, AckCode::Accepted);
    assert!(account_orders(&t, &w.account).await.is_empty());
    let docs = documents(&t, &link_id).await;
    let [rj] = sets_of(&docs, "855")[..] else {
        panic!("one 855: {docs:?}")
    };
    let note = rj["note"].as_str().unwrap();
    assert!(note.contains("PO107") && note.contains("NO-SUCH-SKU"), "{note}");
    let ic = Interchange::parse(rj["body"].as_str().unwrap().as_bytes()).unwrap();
    let ack = Ack855::read(&ic.groups[0].sets[0]).unwrap();
    assert_eq!((ack.ack_type, ack.po_number.as_str()), (AckType::Rejected, "PO-1"));

    // A set that cannot be read is rejected in the 997; the group's other set is ordered.
    let broken = "BEG*00*SA~PO1*1*5*EA~".to_owned();
    let text = interchange(PARTNER, "ACMESUPPLY", 202, "PO", &[broken, po("PO-2", "GLV-NIT-M")]);
    let a = post_x12(&t, SECRET, &text).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let ack = ack997(&a.body);
    assert_eq!(ack.status, AckCode::PartiallyAccepted);
    assert_eq!(
        (ack.sets[0].status.clone(), ack.sets[1].status.clone()),
        (AckCode::Rejected, AckCode::Accepted)
    );
    let orders = account_orders(&t, &w.account).await;
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0]["po_number"], "PO-2");

    // Not X12 at all: a plain-text reason, nothing ordered.
    let a = post_x12(&t, SECRET, "hello").await;
    assert_eq!(a.status, 400);
    assert!(a.content_type.starts_with("text/plain"), "{}", a.content_type);
    assert!(a.body.contains("ISA"), "{}", a.body);
}

async fn x12_credentials_are_refused_alike(t: TestApp) {
    let w = t.world().await;
    x12_link(&t, &w).await;
    let ok = interchange(PARTNER, "ACMESUPPLY", 301, "PO", &[po("PO-9", "GLV-NIT-M")]);
    let stranger = interchange("SOMEONEELSE", "ACMESUPPLY", 301, "PO", &[po("PO-9", "GLV-NIT-M")]);
    let mut bodies = Vec::new();
    for (secret, text) in [("a-wrong-shared-secret", &ok), (SECRET, &stranger), ("", &ok)] {
        let a = post_x12(&t, secret, text).await;
        assert_eq!(a.status, 401, "{}", a.body);
        bodies.push(a.body);
    }
    assert!(bodies.iter().all(|b| b == &bodies[0]), "{bodies:?}");
    // Addressed to someone else: refused, saying so (the sender is known by then).
    let misaddressed = interchange(PARTNER, "NOTUS", 302, "PO", &[po("PO-9", "GLV-NIT-M")]);
    let a = post_x12(&t, SECRET, &misaddressed).await;
    assert_eq!(a.status, 400);
    assert!(a.body.contains("ISA08"), "{}", a.body);
    assert!(account_orders(&t, &w.account).await.is_empty());
    // An X12 sender id another link uses is refused on the field.
    let r = t
        .post(
            &format!("/api/v1/accounts/{}/procurement-links", w.other_account),
            json!({"x12": {"qualifier": "zz", "id": "northwindedi"}, "shared_secret": "another-long-secret-1"}),
        )
        .await;
    assert_eq!(r.status.as_u16(), 422, "{}", r.body);
    assert!(r.body.to_string().contains("x12_id"), "{}", r.body);
}

both_stores!(
    an_850_round_trip_to_855_856_and_810,
    an_850_that_cannot_be_ordered_is_answered_by_an_855_rj,
    x12_credentials_are_refused_alike,
);
