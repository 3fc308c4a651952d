//! The supplier portal (lines to confirm, to ship and shipped; confirming, shipping with tracking,
//! posting a scan) and shipments by location, on both stores.

use crate::both_stores;
use crate::harness::{AGENT, BUYER, OTHER, SCOPED, SUPPLIER, TestWeb};
use aftercart_app::{Ctx, ListFilter, NewFulfilmentLocation, ShipmentDoc, UserKind};
use aftercart_domain::account::{FulfilmentKind, FulfilmentLocation, LocationKind};
use aftercart_domain::order::Order;
use aftercart_domain::tracking::TrackingStatus;
use axum::http::StatusCode;
use std::collections::BTreeSet;

async fn acme(t: &TestWeb) -> FulfilmentLocation {
    t.app
        .fulfilment_locations(&Ctx::system())
        .await
        .expect("sites")
        .into_iter()
        .find(|l| l.kind == FulfilmentKind::DropshipSupplier)
        .expect("the demo's dropship supplier")
}

async fn all_orders(t: &TestWeb) -> Vec<Order> {
    let mut f = ListFilter {
        limit: 500,
        ..Default::default()
    };
    let mut out = Vec::new();
    loop {
        let p = t.app.list_orders(&Ctx::system(), &f).await.expect("orders");
        out.extend(p.items.into_iter().map(|o| o.value));
        match p.next {
            Some(n) => f.before = Some(n),
            None => return out,
        }
    }
}

async fn all_shipments(t: &TestWeb) -> Vec<ShipmentDoc> {
    let mut f = ListFilter {
        limit: 500,
        ..Default::default()
    };
    let mut out = Vec::new();
    loop {
        let p = t.app.list_shipments(&Ctx::system(), &f).await.expect("shipments");
        out.extend(p.items.into_iter().map(|o| o.value));
        match p.next {
            Some(n) => f.before = Some(n),
            None => return out,
        }
    }
}

fn fid(o: &Order) -> String {
    format!("o{}", o.id.0.simple())
}

/// The line numbers in the confirmation form of `o` on the work page.
fn confirm_lines(p: &crate::harness::Page, o: &Order) -> Vec<u32> {
    p.attrs(
        &format!("form[action='/supplier/orders/{}/confirm'] tr[data-line]", o.id.0),
        "data-line",
    )
    .iter()
    .map(|n| n.parse().expect("line number"))
    .collect()
}

/// Lines allocated to `at` and not yet shipped from it, per order: (order, unconfirmed, confirmed).
fn routed(orders: &[Order], at: &FulfilmentLocation) -> Vec<(Order, Vec<u32>, Vec<u32>)> {
    let mut out = Vec::new();
    for o in orders {
        let (mut open, mut done) = (Vec::new(), Vec::new());
        for l in &o.lines {
            let Some(a) = l.allocations.iter().find(|a| a.location == at.id) else {
                continue;
            };
            let shipped: u32 = o
                .shipments
                .iter()
                .filter(|s| s.from == at.id)
                .map(|s| s.quantity_of(l.no).get())
                .sum();
            if shipped >= a.quantity.get() {
                continue;
            }
            if a.is_confirmed() {
                done.push(l.no)
            } else {
                open.push(l.no)
            }
        }
        if !open.is_empty() || !done.is_empty() {
            out.push((o.clone(), open, done));
        }
    }
    out
}

async fn supplier_confirms_ships_and_tracks(t: TestWeb) {
    let acme = acme(&t).await;
    let s = t.sign_in(SUPPLIER).await;
    let orders = all_orders(&t).await;
    let work = routed(&orders, &acme);

    // The work page lists exactly the lines routed to Acme, by what they need next.
    let p = t.get("/supplier", &s).await.ok();
    assert_eq!(p.text("h1"), "Lines to ship");
    assert!(p.texts("nav a").contains(&"Lines to ship".to_owned()), "supplier nav");
    let forms: BTreeSet<String> = p
        .attrs("form[action^='/supplier/orders/']", "action")
        .into_iter()
        .collect();
    let want: BTreeSet<String> = work
        .iter()
        .filter(|(_, open, _)| !open.is_empty())
        .map(|(o, _, _)| format!("/supplier/orders/{}/confirm", o.id.0))
        .collect();
    assert_eq!(forms, want, "one confirmation form per order with lines to confirm");
    for (o, open, _) in &work {
        assert_eq!(
            &confirm_lines(&p, o),
            open,
            "order {}: only Acme's unconfirmed lines",
            o.number
        );
    }
    // The demo's order with a warehouse line beside Acme's: the gloves are not Acme's to see.
    let (mixed, open, _) = work
        .iter()
        .find(|(o, open, _)| {
            open.len() >= 2
                && o.lines
                    .iter()
                    .any(|l| !l.allocations.iter().any(|a| a.location == acme.id))
        })
        .expect("an order with Acme lines and a warehouse line");
    let warehouse_line = mixed
        .lines
        .iter()
        .find(|l| !l.allocations.iter().any(|a| a.location == acme.id))
        .expect("warehouse line");
    assert!(
        !p.body.contains(&warehouse_line.description),
        "a warehouse line is not shown to the supplier"
    );
    let confirmed: Vec<&Order> = work
        .iter()
        .filter(|(_, _, d)| !d.is_empty())
        .map(|(o, _, _)| o)
        .collect();
    assert!(!confirmed.is_empty(), "the demo has a confirmed line to ship");
    for o in &confirmed {
        assert!(
            p.attrs(&format!("a[href^='/supplier/orders/{}/ship']", o.id.0), "href")
                .len()
                == 1,
            "order {} waits to ship",
            o.number
        );
    }
    let own_shipments = all_shipments(&t)
        .await
        .into_iter()
        .filter(|d| d.shipment.from == acme.id)
        .count();
    assert_eq!(
        p.texts("table.shipped tbody tr").len(),
        own_shipments.min(200),
        "every Acme shipment"
    );
    // Ship-to: city and postcode only.
    let place = mixed
        .lines
        .iter()
        .find(|l| l.no == open[0])
        .map(|l| l.ship_to)
        .expect("line");
    let nw = t.northwind().await;
    let loc = nw.locations.iter().find(|l| l.id == place).expect("ship-to");
    assert!(p.body.contains(&format!("{} {}", loc.city, loc.postcode)));
    assert!(
        !p.body.contains(&loc.address),
        "the street address is not needed on the list"
    );

    // Nothing is confirmed on it yet: its ship page says so, with no form.
    let early = t.get(&format!("/supplier/orders/{}/ship", mixed.id.0), &s).await.ok();
    assert!(early.text("main .empty").contains("is confirmed and waiting to ship"));
    assert!(early.attrs("main form", "action").is_empty());
    // Confirming nothing, or with a bad date: the form again, errors beside the fields, nothing saved.
    let action = format!("/supplier/orders/{}/confirm", mixed.id.0);
    let bad = t.post(&action, &s, &[("ship_by", "")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert_eq!(
        bad.field_error(&format!("{}-lines", fid(mixed))).as_deref(),
        Some("Error: Choose at least one line to confirm")
    );
    let one = open[0].to_string();
    let bad = t.post(&action, &s, &[("line", &one), ("ship_by", "2026-02-30")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let ship_by_id = format!("{}-ship_by", fid(mixed));
    assert!(
        bad.field_error(&ship_by_id).is_some_and(|m| m.contains("real date")),
        "{}",
        bad.body
    );
    assert_eq!(
        bad.attrs(&format!("#{ship_by_id}"), "value"),
        vec!["2026-02-30".to_owned()],
        "value kept"
    );
    assert_eq!(bad.error_summary()[0].0, format!("#{ship_by_id}"));
    // A line that is not Acme's is refused like a missing one.
    let stranger = warehouse_line.no.to_string();
    let bad = t.post(&action, &s, &[("line", &stranger)]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.field_error(&format!("{}-lines", fid(mixed)))
            .is_some_and(|m| m.contains("allocated to this location"))
    );
    let now = t.app.order(&Ctx::system(), mixed.id).await.expect("order").value;
    assert!(
        now.lines
            .iter()
            .flat_map(|l| &l.allocations)
            .all(|a| a.confirmation.is_none()),
        "nothing confirmed by a refused form"
    );

    // Confirm every open line with a ship-by date.
    let mut fields: Vec<(&str, &str)> = vec![("ship_by", "2026-11-24")];
    let nos: Vec<String> = open.iter().map(u32::to_string).collect();
    fields.extend(nos.iter().map(|n| ("line", n.as_str())));
    let ok = t.post(&action, &s, &fields).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert_eq!(ok.location(), "/supplier?done=confirmed");
    let now = t.app.order(&Ctx::system(), mixed.id).await.expect("order").value;
    for n in open {
        let a = now.lines.iter().find(|l| l.no == *n).expect("line").allocations[0].clone();
        let c = a.confirmation.expect("confirmed");
        assert_eq!(
            (c.by.as_str(), c.ship_by.map(|d| d.to_string())),
            ("Sue Supplier", Some("2026-11-24".into()))
        );
    }
    let p = t.get("/supplier?done=confirmed", &s).await.ok();
    assert!(p.text(".notice").contains("confirmed"));
    assert!(confirm_lines(&p, mixed).is_empty(), "no longer to confirm");
    let ship_href = p
        .attrs(&format!("a[href^='/supplier/orders/{}/ship']", mixed.id.0), "href")
        .pop()
        .expect("a link to ship the confirmed lines");

    // Ship: a quantity over what is left, and no carrier → errors beside them, nothing shipped.
    let form = t.get(&ship_href, &s).await.ok();
    let to = form.attrs("input[name=to]", "value").pop().expect("to");
    let (l1, l2) = (format!("qty-{}", open[0]), format!("qty-{}", open[1]));
    let left = |n: u32| {
        let l = mixed.lines.iter().find(|l| l.no == n).expect("line");
        l.allocated_at(acme.id).get()
    };
    assert_eq!(form.attrs(&format!("#{l1}"), "value"), vec![left(open[0]).to_string()]);
    let too_many = (left(open[0]) + 1).to_string();
    let ship_action = format!("/supplier/orders/{}/ship", mixed.id.0);
    let bad = t
        .post(
            &ship_action,
            &s,
            &[
                ("to", &to),
                (&l1, &too_many),
                (&l2, "1"),
                ("carrier", ""),
                ("tracking_number", "ACME-T-1"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(
        bad.field_error(&l1).is_some_and(|m| m.contains("left to ship")),
        "{}",
        bad.body
    );
    assert_eq!(bad.field_error("carrier").as_deref(), Some("Error: Enter the carrier"));
    assert_eq!(
        bad.attrs("#tracking_number", "value"),
        vec!["ACME-T-1".to_owned()],
        "values kept"
    );
    assert_eq!(bad.attrs(&format!("#{l1}"), "value"), vec![too_many.clone()]);
    let bad = t
        .post(&ship_action, &s, &[("to", &to), (&l1, "x1"), ("carrier", "Estes")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.field_error(&l1).is_some_and(|m| m.contains("whole number")));
    assert!(
        bad.field_error("tracking_number").is_some(),
        "a tracking number is required"
    );
    let st = t.app.order_status(&Ctx::system(), mixed.id).await.expect("status");
    assert!(st.order.value.shipments.is_empty(), "nothing shipped by a refused form");

    // Ship all of the first line and one of the second, with carrier and tracking number.
    let ok = t
        .post(
            &ship_action,
            &s,
            &[
                ("to", &to),
                (&l1, &left(open[0]).to_string()),
                (&l2, "1"),
                ("carrier", "Estes"),
                ("service", "LTL Standard"),
                ("tracking_number", "ACME-T-1"),
                ("estimated_delivery", "2026-11-25"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let st = t.app.order_status(&Ctx::system(), mixed.id).await.expect("status");
    let sh = st.order.value.shipments.first().expect("a shipment").clone();
    assert_eq!(
        (sh.carrier.as_str(), sh.service.as_deref()),
        ("Estes", Some("LTL Standard"))
    );
    assert_eq!(sh.tracking_number.as_deref(), Some("ACME-T-1"));
    assert_eq!(sh.from, acme.id);
    assert_eq!(sh.quantity_of(open[0]).get(), left(open[0]));
    assert_eq!(sh.quantity_of(open[1]).get(), 1);
    let part = st.view.lines.iter().find(|l| l.line == open[0]).expect("line view");
    assert_eq!(part.ledger.shipped.get(), left(open[0]));
    assert!(
        part.shipped
            .iter()
            .any(|p| p.tracking_number.as_deref() == Some("ACME-T-1"))
    );

    // Post a scan: bad time refused beside the field; then the scan shows as the latest.
    let tracking = format!("/supplier/shipments/{}/tracking", sh.id.0);
    let form = t.get(&tracking, &s).await.ok();
    assert_eq!(form.attrs("#status option", "value").len(), TrackingStatus::ALL.len());
    let bad = t
        .post(
            &tracking,
            &s,
            &[
                ("status", "in_transit"),
                ("occurred_at", "yesterday"),
                ("location", "Fontana, CA"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.field_error("occurred_at").is_some());
    assert_eq!(bad.attrs("#location", "value"), vec!["Fontana, CA".to_owned()]);
    let bad = t
        .post(
            &tracking,
            &s,
            &[("status", "teleported"), ("occurred_at", "2026-11-20T14:00")],
        )
        .await;
    assert_eq!(
        bad.field_error("status").as_deref(),
        Some("Error: Choose a status from the list")
    );
    assert!(
        t.app
            .shipment(&Ctx::system(), sh.id)
            .await
            .expect("s")
            .shipment
            .tracking
            .latest
            .is_none()
    );
    let ok = t
        .post(
            &tracking,
            &s,
            &[
                ("status", "in_transit"),
                ("occurred_at", "2026-11-20T14:30"),
                ("location", "Fontana, CA"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let d = t.app.shipment(&Ctx::system(), sh.id).await.expect("shipment");
    assert_eq!(d.shipment.status(), TrackingStatus::InTransit);
    let p = t.get("/supplier", &s).await.ok();
    let row = p
        .texts("table.shipped tbody tr")
        .into_iter()
        .find(|r| r.contains("ACME-T-1"))
        .expect("the new shipment on the work page");
    assert!(row.contains("In transit in Fontana, CA"), "{row}");
    // The same scan again changes nothing and says so.
    let again = t
        .post(
            &tracking,
            &s,
            &[
                ("status", "in_transit"),
                ("occurred_at", "2026-11-20T14:30"),
                ("location", "Fontana, CA"),
            ],
        )
        .await;
    assert_eq!(again.location(), "/supplier?done=repeat");
}

async fn supplier_pages_are_the_suppliers_alone(t: TestWeb) {
    let acme = acme(&t).await;
    let orders = all_orders(&t).await;
    let work = routed(&orders, &acme);
    let (mine, open, _) = work
        .iter()
        .find(|(_, o, _)| !o.is_empty())
        .expect("an order to confirm");
    // Another dropship supplier sees none of Acme's lines, and Acme's order is a 404 to it.
    let ctx = Ctx::system();
    let site = NewFulfilmentLocation {
        code: "BETA".into(),
        name: "Beta Fixtures (dropship)".into(),
        kind: FulfilmentKind::DropshipSupplier,
        city: "Tulsa, OK".into(),
    };
    let beta = t
        .app
        .run(&ctx, || t.app.plan_create_fulfilment_location(&ctx, &site))
        .await
        .expect("beta")
        .value;
    t.add_user(
        "bo@beta.example",
        "Bo Beta",
        UserKind::Supplier {
            fulfilment_location_id: beta.id,
        },
    )
    .await;
    let bo = t.sign_in("bo@beta.example").await;
    let p = t.get("/supplier", &bo).await.ok();
    assert!(p.attrs("form[action^='/supplier/orders/']", "action").is_empty());
    assert!(p.texts("table.shipped tbody tr").is_empty());
    assert!(!p.body.contains(&mine.number), "another supplier's order number");
    let line = open[0].to_string();
    for (path, post) in [
        (format!("/supplier/orders/{}/ship", mine.id.0), false),
        (format!("/supplier/orders/{}/confirm", mine.id.0), true),
        (format!("/supplier/orders/{}/ship", mine.id.0), true),
    ] {
        let r = if post {
            t.post(
                &path,
                &bo,
                &[("line", &line), ("carrier", "X"), ("tracking_number", "1")],
            )
            .await
        } else {
            t.get(&path, &bo).await
        };
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(r.text("h1"), "Page not found");
    }
    let acme_shipment = all_shipments(&t)
        .await
        .into_iter()
        .find(|d| d.shipment.from == acme.id)
        .expect("an Acme shipment");
    let tr = format!("/supplier/shipments/{}/tracking", acme_shipment.shipment.id.0);
    assert_eq!(t.get(&tr, &bo).await.status, StatusCode::NOT_FOUND);
    let r = t
        .post(
            &tr,
            &bo,
            &[("status", "delivered"), ("occurred_at", "2026-11-20T14:00")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let after = t.app.order(&ctx, mine.id).await.expect("order").value;
    assert!(
        after
            .lines
            .iter()
            .flat_map(|l| &l.allocations)
            .all(|a| a.confirmation.is_none())
    );
    // Garbage ids are the same 404.
    let sue = t.sign_in(SUPPLIER).await;
    assert_eq!(
        t.get("/supplier/orders/not-an-id/ship", &sue).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.get("/supplier/shipments/xyz/tracking", &sue).await.status,
        StatusCode::NOT_FOUND
    );
    // Customers and staff have no supplier portal.
    let buyer = t.sign_in(BUYER).await;
    let agent = t.sign_in(AGENT).await;
    for who in [&buyer, &agent] {
        let r = t.get("/supplier", who).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(r.text("h1"), "You cannot use this page");
        let r = t
            .post(
                &format!("/supplier/orders/{}/confirm", mine.id.0),
                who,
                &[("line", &line)],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    assert!(!buyer.csrf.is_empty());
    // The supplier starts on its lines.
    assert_eq!(t.get("/", &sue).await.location(), "/supplier");
}

/// (location section id, order link) of a shipment row.
type Row = (String, String);

/// (location section id, order link) of every row of `class` tables on the shipments page.
fn rows(p: &crate::harness::Page, class: &str) -> Vec<Row> {
    let mut out = Vec::new();
    for id in p.attrs("section.location-shipments", "id") {
        for href in p.attrs(&format!("section#{id} table.{class} tbody tr td:first-child a"), "href") {
            out.push((id.clone(), href));
        }
    }
    out.sort();
    out
}

fn expected(
    docs: &[ShipmentDoc],
    now: time::OffsetDateTime,
    keep: impl Fn(&ShipmentDoc) -> bool,
) -> (Vec<Row>, Vec<Row>) {
    let since = now - time::Duration::days(aftercart_app::ARRIVED_DAYS);
    let key = |d: &ShipmentDoc| {
        (
            format!("loc-{}", d.shipment.to.0.simple()),
            format!("/orders/{}", d.order_id.0),
        )
    };
    let mut way: Vec<_> = docs
        .iter()
        .filter(|d| keep(d))
        .filter(|d| !d.shipment.status().is_final())
        .map(key)
        .collect();
    let mut arrived: Vec<_> = docs
        .iter()
        .filter(|d| keep(d))
        .filter(|d| d.shipment.is_delivered() && d.shipment.tracking.delivered_at.is_some_and(|t| t >= since))
        .map(key)
        .collect();
    way.sort();
    arrived.sort();
    (way, arrived)
}

async fn shipments_by_location(t: TestWeb) {
    let nw = t.northwind().await;
    let docs = all_shipments(&t).await;
    let now = t.app.clock.now();
    let buyer = t.sign_in(BUYER).await;
    let p = t.get("/shipments", &buyer).await.ok();
    assert_eq!(p.text("h1"), "Shipments by location");
    assert!(p.texts("nav a").contains(&"Shipments".to_owned()), "customer nav");
    let (way, arrived) = expected(&docs, now, |d| d.account_id == nw.id);
    assert!(
        !way.is_empty() && !arrived.is_empty(),
        "the demo has Northwind shipments on the way and arrived"
    );
    assert_eq!(rows(&p, "on-the-way"), way, "on its way, per location");
    assert_eq!(rows(&p, "arrived"), arrived, "arrived recently, per location");
    // Each location is named, with what is on its way: carrier, tracking link, latest scan, ETA.
    let d = docs
        .iter()
        .find(|d| d.account_id == nw.id && !d.shipment.status().is_final() && d.shipment.tracking.latest.is_some())
        .expect("a scanned Northwind shipment on its way");
    let loc = nw.locations.iter().find(|l| l.id == d.shipment.to).expect("loc");
    let sec = format!("section#loc-{}", d.shipment.to.0.simple());
    assert!(p.text(&format!("{sec} h2")).starts_with(&loc.name));
    let row = p
        .texts(&format!("{sec} table.on-the-way tbody tr"))
        .into_iter()
        .find(|r| r.contains(&d.order_number) && d.shipment.tracking_number.as_ref().is_none_or(|n| r.contains(n)))
        .expect("the shipment's row");
    let ev = d.shipment.tracking.latest.as_ref().expect("scan");
    assert!(row.contains(&aftercart_web::format::words(ev.status.as_str())), "{row}");
    assert!(row.contains(&d.shipment.carrier), "{row}");
    if let Some(url) = d.shipment.tracking_url.as_ref().filter(|u| u.starts_with("http")) {
        assert!(
            !p.attrs(&format!("{sec} a[href=\"{url}\"]"), "href").is_empty(),
            "tracking link"
        );
    }
    // A receipt that reported a problem says so.
    if let Some(bad) = docs.iter().find(|d| {
        d.account_id == nw.id
            && d.shipment
                .tracking
                .delivered_at
                .is_some_and(|t| t >= now - time::Duration::days(30))
            && d.shipment
                .receipt
                .as_ref()
                .is_some_and(|r| r.lines.iter().any(|l| !l.damaged.is_zero()))
    }) {
        let sec = format!("section#loc-{}", bad.shipment.to.0.simple());
        let rows = p.texts(&format!("{sec} table.arrived tbody tr.row-problem"));
        assert!(
            rows.iter()
                .any(|r| r.contains(&bad.order_number) && r.contains("damaged")),
            "{rows:?}"
        );
    }

    // A location-scoped user sees only its location.
    let scope = nw
        .locations
        .iter()
        .find(|l| l.kind == LocationKind::ShipTo)
        .expect("first ship-to")
        .id;
    let scoped = t.sign_in(SCOPED).await;
    let p = t.get("/shipments", &scoped).await.ok();
    let (way, arrived) = expected(&docs, now, |d| d.account_id == nw.id && d.shipment.to == scope);
    assert_eq!(rows(&p, "on-the-way"), way);
    assert_eq!(rows(&p, "arrived"), arrived);
    for id in p.attrs("section.location-shipments", "id") {
        assert_eq!(id, format!("loc-{}", scope.0.simple()), "only its own location");
    }
    // Another account sees none of Northwind's.
    let other = t.sign_in(OTHER).await;
    let p = t.get("/shipments", &other).await.ok();
    for d in docs.iter().filter(|d| d.account_id == nw.id) {
        assert!(
            !p.body.contains(&d.order_id.0.to_string()),
            "Northwind's order {}",
            d.order_number
        );
    }
    // Staff filter by customer; a broken choice is an error beside the field.
    let agent = t.sign_in(AGENT).await;
    let p = t.get(&format!("/shipments?account={}", nw.id.0), &agent).await.ok();
    let (way, _) = expected(&docs, now, |d| d.account_id == nw.id);
    assert_eq!(rows(&p, "on-the-way"), way);
    let bad = t.get("/shipments?account=nope", &agent).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        bad.field_error("account").as_deref(),
        Some("Error: Choose a customer from the list")
    );
    // The supplier sees what it shipped.
    let acme = acme(&t).await;
    let sue = t.sign_in(SUPPLIER).await;
    let p = t.get("/shipments", &sue).await.ok();
    let (way, arrived) = expected(&docs, now, |d| d.shipment.from == acme.id);
    assert_eq!(rows(&p, "on-the-way"), way);
    assert_eq!(rows(&p, "arrived"), arrived);
}

both_stores!(
    supplier_confirms_ships_and_tracks,
    supplier_pages_are_the_suppliers_alone,
    shipments_by_location
);
