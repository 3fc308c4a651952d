//! Scenario tests of the answers the product gives: "did this ship?" (`status::order_view`),
//! "why doesn't this invoice match?" (`matching::match_invoice`) and "what is still owed?"
//! (`Payment::receive`, `CreditMemo::issue`), on realistic orders with fixed clocks.

use aftercart_domain::account::{
    Account, ContractPrice, FulfilmentKind, FulfilmentLocation, Location, LocationKind, PaymentTerms,
};
use aftercart_domain::ids::{LocationId, ShipmentId};
use aftercart_domain::invoice::{
    CreditMemo, Invoice, InvoiceStatus, NewInvoice, NewInvoiceLine, Payment, PaymentApplication, PaymentMethod,
    SettlementSource,
};
use aftercart_domain::matching::{Discrepancy, DiscrepancyKind, MatchReport, match_invoice};
use aftercart_domain::order::{Channel, NewLine, NewOrder, NewShipment, Order, Receipt, ReceiptLine};
use aftercart_domain::product::Product;
use aftercart_domain::status::{LineStatus, Names, OrderView, Risk, order_progress, order_view};
use aftercart_domain::tracking::{TrackingEvent, TrackingStatus};
use aftercart_domain::{Currency, ErrorCode, Money, Qty};
use time::macros::{date, datetime};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

// ---------------------------------------------------------------- fixture

fn id<T: From<Uuid>>(n: u128) -> T {
    Uuid::from_u128(n).into()
}

fn usd() -> Currency {
    Currency::parse("USD", "currency").unwrap()
}

fn usd_amt(s: &str) -> Money {
    Money::parse(s, usd(), "amount").unwrap()
}

const NOW: OffsetDateTime = datetime!(2026-11-12 15:00 UTC);

struct Fx {
    account: Account,
    /// Another customer, for foreign-account refusals.
    other: Account,
    dock: LocationId,
    store: LocationId,
    dallas: FulfilmentLocation,
    reno: FulfilmentLocation,
    /// Contract price 89.00 (list 119.00).
    chair: Product,
    /// List price 249.00.
    desk: Product,
    names: Names,
}

fn customer(n: u128, number: &str) -> Account {
    let loc = |k: u128, kind, name: &str| Location {
        id: id(n * 1000 + k),
        kind,
        name: name.into(),
        address: format!("{k} Commerce St"),
        city: "Dallas".into(),
        postcode: "75201".into(),
        country: "US".into(),
    };
    Account {
        id: id(n),
        number: number.into(),
        name: format!("{number} Inc."),
        currency: usd(),
        terms: PaymentTerms { net_days: 30 },
        credit_limit: usd_amt("50000.00"),
        locations: vec![
            loc(1, LocationKind::BillTo, "Head office"),
            loc(2, LocationKind::ShipTo, "Receiving dock"),
            loc(3, LocationKind::ShipTo, "Uptown store"),
        ],
        contract_prices: vec![ContractPrice {
            product_id: id(301),
            unit_price: usd_amt("89.00"),
        }],
    }
}

fn fx() -> Fx {
    let product = |n: u128, sku: &str, name: &str, price: &str| Product {
        id: id(n),
        sku: sku.into(),
        name: name.into(),
        category: "Furniture".into(),
        list_price: usd_amt(price),
        setup_guide: None,
        care_instructions: None,
        discontinued: false,
    };
    let fl = |n: u128, code: &str, city: &str| FulfilmentLocation {
        id: id(n),
        code: code.into(),
        name: format!("{city} DC"),
        kind: FulfilmentKind::Warehouse,
        city: city.into(),
    };
    let account = customer(1, "ACME-001");
    let mut names = Names::default();
    for l in &account.locations {
        names.locations.insert(l.id, l.name.clone());
    }
    let (dallas, reno) = (fl(201, "DAL", "Dallas"), fl(202, "RNO", "Reno"));
    names.fulfilment.insert(dallas.id, dallas.name.clone());
    names.fulfilment.insert(reno.id, reno.name.clone());
    Fx {
        dock: account.locations[1].id,
        store: account.locations[2].id,
        account,
        other: customer(2, "GLOBEX-002"),
        dallas,
        reno,
        chair: product(301, "CH-100", "Task chair", "119.00"),
        desk: product(302, "DK-200", "Standing desk", "249.00"),
        names,
    }
}

/// Places order `n` for `account`: lines of (product, quantity, ship-to, requested date).
fn place(
    account: &Account,
    n: u128,
    lines: &[(&Product, u32, LocationId, Option<Date>)],
    freight: Option<&str>,
) -> Order {
    let new = NewOrder {
        id: id(900 + n),
        number: format!("SO-{}", 1000 + n),
        bill_to: account.locations[0].id,
        po_number: Some(format!("PO-{n}")),
        channel: Channel::Portal,
        placed_at: datetime!(2026-11-02 14:30 UTC),
        freight: freight.map(usd_amt),
        lines: lines
            .iter()
            .map(|&(p, q, ship_to, requested_date)| NewLine {
                product: p.clone(),
                quantity: Qty::new(q),
                ship_to,
                requested_date,
                po_number: None,
                cost_centre: None,
                project: None,
            })
            .collect(),
    };
    Order::place(account, new).unwrap()
}

struct Ship<'a> {
    n: u128,
    from: &'a FulfilmentLocation,
    to: LocationId,
    lines: &'a [(u32, u32)],
    carrier: &'a str,
    shipped_at: OffsetDateTime,
    promised: Option<Date>,
}

fn ship(o: &mut Order, s: Ship<'_>) -> ShipmentId {
    o.ship(NewShipment {
        id: id(500 + s.n),
        from: s.from.id,
        to: s.to,
        lines: s.lines.iter().map(|&(l, q)| (l, Qty::new(q))).collect(),
        carrier: s.carrier.into(),
        service: None,
        tracking_number: Some(format!("TRK{}", 500 + s.n)),
        tracking_url: None,
        packing_slip: None,
        shipped_at: s.shipped_at,
        promised_delivery: s.promised,
        estimated_delivery: None,
    })
    .unwrap()
    .id
}

fn scan(o: &mut Order, s: ShipmentId, status: TrackingStatus, at: OffsetDateTime, place: &str, what: Option<&str>) {
    let ev = TrackingEvent {
        status,
        occurred_at: at,
        location: Some(place.into()),
        description: what.map(Into::into),
        carrier_status: None,
    };
    assert!(o.track(s, ev).unwrap());
}

/// (line, received, damaged, wrong item)
fn receipt(lines: &[(u32, u32, u32, u32)]) -> Receipt {
    Receipt {
        at: datetime!(2026-11-09 16:00 UTC),
        by: "dock@acme".into(),
        lines: lines
            .iter()
            .map(|&(line, r, d, w)| ReceiptLine {
                line,
                received: Qty::new(r),
                damaged: Qty::new(d),
                wrong_item: Qty::new(w),
                note: None,
            })
            .collect(),
    }
}

fn risky(v: &OrderView, line: usize) -> (Risk, Vec<String>) {
    (v.lines[line].assessment.risk, v.lines[line].assessment.reasons.clone())
}

// ---------------------------------------------------------------- "did this ship?"

/// 20 chairs to the dock: 8 shipped from Dallas, 6 being picked in Reno, 6 backordered for Nov 18;
/// with `slip`, the backorder was then moved to Nov 25.
fn split_order(f: &Fx, slip: bool) -> Order {
    let mut o = place(
        &f.account,
        1,
        &[(&f.chair, 20, f.dock, Some(date!(2026 - 12 - 01)))],
        None,
    );
    o.allocate(1, &f.dallas, Qty::new(8)).unwrap();
    o.allocate(1, &f.reno, Qty::new(6)).unwrap();
    o.backorder(
        1,
        Qty::new(6),
        Some(date!(2026 - 11 - 18)),
        "supplier short",
        "ops",
        datetime!(2026-11-03 09:00 UTC),
    )
    .unwrap();
    let s = ship(
        &mut o,
        Ship {
            n: 1,
            from: &f.dallas,
            to: f.dock,
            lines: &[(1, 8)],
            carrier: "UPS",
            shipped_at: datetime!(2026-11-10 10:00 UTC),
            promised: Some(date!(2026 - 11 - 14)),
        },
    );
    scan(
        &mut o,
        s,
        TrackingStatus::InTransit,
        datetime!(2026-11-11 20:00 UTC),
        "Oklahoma City, OK",
        None,
    );
    if slip {
        let prev = o
            .reschedule_backorder(
                1,
                Some(date!(2026 - 11 - 25)),
                "vendor delay",
                "Dana",
                datetime!(2026-11-11 09:00 UTC),
            )
            .unwrap();
        assert_eq!(prev, Some(date!(2026 - 11 - 18)));
    }
    o
}

#[test]
fn split_shipment_with_slipped_backorder_is_at_risk() {
    let f = fx();
    let o = split_order(&f, true);
    let v = order_view(&o, &f.names, NOW);
    let l = &v.lines[0];
    assert_eq!(l.status, LineStatus::PartiallyShipped);
    assert_eq!(
        (
            l.ledger.in_transit,
            l.ledger.allocated,
            l.ledger.backordered,
            l.ledger.unallocated
        ),
        (Qty::new(8), Qty::new(6), Qty::new(6), Qty::ZERO)
    );
    assert_eq!(
        risky(&v, 0),
        (
            Risk::AtRisk,
            vec!["backorder date moved from Nov 18 to Nov 25 by Dana".to_string()]
        )
    );
    for part in [
        "8 shipped Nov 10 from Dallas DC via UPS TRK501 (in transit)",
        "6 being prepared at Reno DC",
    ] {
        assert!(l.sentence.contains(part), "{part:?} not in {:?}", l.sentence);
    }
    assert!(
        l.sentence
            .contains("6 backordered: supplier short; expected Nov 25, moved from Nov 18 by Dana (vendor delay)"),
        "{}",
        l.sentence
    );
    assert!(
        l.sentence.starts_with("Line 1 (20 × Task chair) to Receiving dock: "),
        "{}",
        l.sentence
    );
    assert_eq!(l.shipped.len(), 1);
    assert_eq!(
        (l.shipped[0].from.as_str(), l.shipped[0].to.as_str()),
        ("Dallas DC", "Receiving dock")
    );
    assert_eq!(l.shipped[0].last_scan_location.as_deref(), Some("Oklahoma City, OK"));
    let states: Vec<(&str, u32, Option<Date>)> = l
        .unshipped
        .iter()
        .map(|u| (u.state, u.quantity.get(), u.expected))
        .collect();
    assert_eq!(
        states,
        [("backordered", 6, Some(date!(2026 - 11 - 25))), ("allocated", 6, None)]
    );
    assert_eq!(v.status, LineStatus::PartiallyShipped);
    assert_eq!(order_progress(&o), LineStatus::PartiallyShipped);
    assert_eq!(v.assessment.risk, Risk::AtRisk);
    assert_eq!(
        v.assessment.reasons,
        ["line 1: backorder date moved from Nov 18 to Nov 25 by Dana"]
    );
    assert!(
        v.sentence.contains("At risk — line 1: backorder date moved"),
        "{}",
        v.sentence
    );

    // The same order without the slip is on track: the moved date is what makes it risky.
    let calm = order_view(&split_order(&f, false), &f.names, NOW);
    assert_eq!(risky(&calm, 0), (Risk::OnTrack, vec![]));
    assert!(
        calm.lines[0].sentence.contains("expected Nov 18"),
        "{}",
        calm.lines[0].sentence
    );
    assert!(
        !calm.lines[0].sentence.contains("moved from"),
        "{}",
        calm.lines[0].sentence
    );
    assert!(calm.sentence.ends_with("On track."), "{}", calm.sentence);
}

/// 10 chairs shipped from Dallas on `shipped_at`, promised for Nov 14 unless stated.
fn one_shipment(f: &Fx, carrier: &str, shipped_at: OffsetDateTime, promised: Date) -> (Order, ShipmentId) {
    let mut o = place(&f.account, 2, &[(&f.chair, 10, f.dock, None)], None);
    o.allocate(1, &f.dallas, Qty::new(10)).unwrap();
    let s = ship(
        &mut o,
        Ship {
            n: 2,
            from: &f.dallas,
            to: f.dock,
            lines: &[(1, 10)],
            carrier,
            shipped_at,
            promised: Some(promised),
        },
    );
    (o, s)
}

#[test]
fn carrier_exception_in_memphis_is_at_risk() {
    let f = fx();
    let (mut o, s) = one_shipment(&f, "UPS", datetime!(2026-11-10 10:00 UTC), date!(2026 - 11 - 14));
    scan(
        &mut o,
        s,
        TrackingStatus::InTransit,
        datetime!(2026-11-11 08:00 UTC),
        "Dallas, TX",
        None,
    );
    assert_eq!(order_view(&o, &f.names, NOW).assessment.risk, Risk::OnTrack);
    scan(
        &mut o,
        s,
        TrackingStatus::Exception,
        datetime!(2026-11-12 06:00 UTC),
        "Memphis, TN",
        Some("Severe weather"),
    );
    let v = order_view(&o, &f.names, NOW);
    assert_eq!(
        v.lines[0].status,
        LineStatus::Shipped,
        "an exception is still in the carrier's hands"
    );
    assert_eq!(
        risky(&v, 0),
        (
            Risk::AtRisk,
            vec!["UPS reported an exception in Memphis, TN: Severe weather".into()]
        )
    );
    assert!(v.lines[0].sentence.contains("(exception)"), "{}", v.lines[0].sentence);
    assert!(v.sentence.contains("Memphis, TN"), "{}", v.sentence);
    assert_eq!(v.assessment.risk, Risk::AtRisk);
}

#[test]
fn no_scan_for_four_days_is_at_risk() {
    let f = fx();
    let (mut o, s) = one_shipment(&f, "FedEx", datetime!(2026-11-07 09:00 UTC), date!(2026 - 11 - 14));
    scan(
        &mut o,
        s,
        TrackingStatus::InTransit,
        datetime!(2026-11-08 15:00 UTC),
        "Little Rock, AR",
        None,
    );
    let v = order_view(&o, &f.names, NOW);
    assert_eq!(
        risky(&v, 0),
        (Risk::AtRisk, vec!["no scan from FedEx for 4 days".into()])
    );
    assert_eq!(
        v.lines[0].shipped[0].last_scan_at,
        Some(datetime!(2026-11-08 15:00 UTC))
    );
    // Two days of quiet is normal.
    let v = order_view(&o, &f.names, datetime!(2026-11-10 15:00 UTC));
    assert_eq!(risky(&v, 0), (Risk::OnTrack, vec![]));
    // A shipment never scanned counts from when it shipped.
    let (o, _) = one_shipment(&f, "FedEx", datetime!(2026-11-08 12:00 UTC), date!(2026 - 11 - 14));
    assert_eq!(
        risky(&order_view(&o, &f.names, NOW), 0),
        (Risk::AtRisk, vec!["no scan from FedEx for 4 days".into()])
    );
}

#[test]
fn promise_passed_without_delivery_is_late() {
    let f = fx();
    let (mut o, s) = one_shipment(&f, "UPS", datetime!(2026-11-06 10:00 UTC), date!(2026 - 11 - 10));
    scan(
        &mut o,
        s,
        TrackingStatus::OutForDelivery,
        datetime!(2026-11-12 08:00 UTC),
        "Fort Worth, TX",
        None,
    );
    let v = order_view(&o, &f.names, NOW);
    assert_eq!(
        risky(&v, 0),
        (Risk::Late, vec!["promised for Nov 10, not delivered yet".into()])
    );
    assert_eq!(v.assessment.risk, Risk::Late);
    assert!(
        v.sentence
            .contains("Late — line 1: promised for Nov 10, not delivered yet."),
        "{}",
        v.sentence
    );
    // On the promised day itself it is not late yet.
    let v = order_view(&o, &f.names, datetime!(2026-11-10 18:00 UTC));
    assert_eq!(v.lines[0].assessment.risk, Risk::OnTrack);
}

fn delivered_order(f: &Fx, delivered_at: OffsetDateTime) -> Order {
    let mut o = place(
        &f.account,
        3,
        &[(&f.chair, 10, f.dock, None), (&f.desk, 4, f.dock, None)],
        None,
    );
    o.allocate(1, &f.dallas, Qty::new(10)).unwrap();
    o.allocate(2, &f.dallas, Qty::new(4)).unwrap();
    let s = ship(
        &mut o,
        Ship {
            n: 3,
            from: &f.dallas,
            to: f.dock,
            lines: &[(1, 10), (2, 4)],
            carrier: "UPS",
            shipped_at: datetime!(2026-11-06 10:00 UTC),
            promised: Some(date!(2026 - 11 - 10)),
        },
    );
    scan(
        &mut o,
        s,
        TrackingStatus::InTransit,
        datetime!(2026-11-07 10:00 UTC),
        "Dallas, TX",
        None,
    );
    scan(
        &mut o,
        s,
        TrackingStatus::Delivered,
        delivered_at,
        "Fort Worth, TX",
        None,
    );
    o
}

#[test]
fn delivered_on_time_is_on_track_and_delivered() {
    let f = fx();
    let o = delivered_order(&f, datetime!(2026-11-09 14:00 UTC));
    let v = order_view(&o, &f.names, NOW);
    assert_eq!(v.status, LineStatus::Delivered);
    assert_eq!(order_progress(&o), LineStatus::Delivered);
    for l in &v.lines {
        assert_eq!((l.status, l.assessment.risk), (LineStatus::Delivered, Risk::OnTrack));
        assert!(l.unshipped.is_empty());
    }
    assert_eq!(
        v.lines[0].sentence,
        "Line 1 (10 × Task chair) to Receiving dock: 10 delivered on Nov 9 from Dallas DC via UPS TRK503."
    );
    assert_eq!(v.sentence, "Order SO-1003: everything has been delivered. On track.");

    // Delivered a day after the promise: delivered, but late.
    let v = order_view(&delivered_order(&f, datetime!(2026-11-11 09:00 UTC)), &f.names, NOW);
    assert_eq!(v.status, LineStatus::Delivered);
    assert_eq!(
        risky(&v, 1),
        (Risk::Late, vec!["delivered Nov 11, after the promised Nov 10".into()])
    );
}

#[test]
fn backorder_without_date_is_at_risk() {
    let f = fx();
    let mut o = place(&f.account, 4, &[(&f.desk, 5, f.store, None)], None);
    o.backorder(
        1,
        Qty::new(5),
        None,
        "discontinued colour",
        "ops",
        datetime!(2026-11-03 09:00 UTC),
    )
    .unwrap();
    let v = order_view(&o, &f.names, NOW);
    assert_eq!(v.status, LineStatus::Backordered);
    assert_eq!(order_progress(&o), LineStatus::Backordered);
    assert_eq!(
        risky(&v, 0),
        (Risk::AtRisk, vec!["5 units backordered with no expected date".into()])
    );
    assert_eq!(
        v.lines[0].sentence,
        "Line 1 (5 × Standing desk) to Uptown store: 5 backordered: discontinued colour; no expected date yet. \
         At risk: 5 units backordered with no expected date."
    );
    assert_eq!(v.lines[0].unshipped[0].expected, None);
}

#[test]
fn requested_date_passed_with_goods_unshipped_is_late() {
    let f = fx();
    let mut o = place(
        &f.account,
        5,
        &[(&f.desk, 3, f.store, Some(date!(2026 - 11 - 11)))],
        None,
    );
    o.allocate(1, &f.reno, Qty::new(3)).unwrap();
    let v = order_view(&o, &f.names, NOW);
    assert_eq!(v.status, LineStatus::Allocated);
    assert_eq!(
        risky(&v, 0),
        (Risk::Late, vec!["3 units requested for Nov 11 have not shipped".into()])
    );
    assert_eq!(
        order_view(&o, &f.names, datetime!(2026-11-11 12:00 UTC)).lines[0]
            .assessment
            .risk,
        Risk::OnTrack
    );
}

#[test]
fn delivered_short_is_reported() {
    let f = fx();
    let mut o = delivered_order(&f, datetime!(2026-11-09 14:00 UTC));
    o.receive(id(503), receipt(&[(1, 8, 0, 0), (2, 3, 1, 0)])).unwrap();
    let v = order_view(&o, &f.names, NOW);
    assert_eq!(v.lines[0].status, LineStatus::Delivered);
    assert_eq!(risky(&v, 0), (Risk::AtRisk, vec!["delivery reported 2 short".into()]));
    assert!(
        v.lines[0].sentence.contains("(you reported 2 short)"),
        "{}",
        v.lines[0].sentence
    );
    assert_eq!(risky(&v, 1), (Risk::AtRisk, vec!["delivery reported 1 damaged".into()]));
    assert_eq!(v.lines[0].ledger.received, Some(Qty::new(8)));
    assert_eq!(v.assessment.risk, Risk::AtRisk);
}

// ---------------------------------------------------------------- "why doesn't this match?"

/// (order line, shipment, quantity, unit price)
type Billed<'a> = (u32, Option<ShipmentId>, u32, &'a str);

fn invoice(
    account: &Account,
    order: &Order,
    n: u128,
    issued_on: Date,
    lines: &[Billed<'_>],
    tax: &str,
    freight: &str,
) -> Invoice {
    let new = NewInvoice {
        freight_tax_rate_bp: None,
        id: id(700 + n),
        number: format!("INV-{}", 7000 + n),
        currency: usd(),
        issued_on,
        lines: lines
            .iter()
            .map(|&(order_line, shipment_id, q, price)| NewInvoiceLine {
                tax_rate_bp: None,
                order_id: order.id,
                order_line,
                shipment_id,
                quantity: Qty::new(q),
                unit_price: usd_amt(price),
            })
            .collect(),
        tax: Some(usd_amt(tax)),
        freight: usd_amt(freight),
        recorded_at: issued_on.midnight().assume_utc() + time::Duration::hours(9),
    };
    Invoice::issue(account, &[order], new).unwrap()
}

/// 10 chairs (89.00) and 4 desks (249.00) with 45.00 freight, all shipped from Dallas in one
/// shipment, delivered, and received as stated.
fn received_order(f: &Fx, received: &[(u32, u32, u32, u32)]) -> (Order, ShipmentId) {
    let mut o = place(
        &f.account,
        6,
        &[(&f.chair, 10, f.dock, None), (&f.desk, 4, f.dock, None)],
        Some("45.00"),
    );
    o.allocate(1, &f.dallas, Qty::new(10)).unwrap();
    o.allocate(2, &f.dallas, Qty::new(4)).unwrap();
    let s = ship(
        &mut o,
        Ship {
            n: 6,
            from: &f.dallas,
            to: f.dock,
            lines: &[(1, 10), (2, 4)],
            carrier: "UPS",
            shipped_at: datetime!(2026-11-06 10:00 UTC),
            promised: Some(date!(2026 - 11 - 10)),
        },
    );
    scan(
        &mut o,
        s,
        TrackingStatus::Delivered,
        datetime!(2026-11-09 14:00 UTC),
        "Fort Worth, TX",
        None,
    );
    if !received.is_empty() {
        o.receive(s, receipt(received)).unwrap();
    }
    (o, s)
}

fn only(r: &MatchReport) -> Discrepancy {
    let all: Vec<&Discrepancy> = r
        .lines
        .iter()
        .flat_map(|l| l.discrepancies.iter())
        .chain(r.header.iter())
        .collect();
    assert_eq!(all.len(), 1, "expected exactly one discrepancy: {all:#?}");
    all[0].clone()
}

#[test]
fn clean_invoice_matches() {
    let f = fx();
    let (o, s) = received_order(&f, &[(1, 10, 0, 0), (2, 4, 0, 0)]);
    let inv = invoice(
        &f.account,
        &o,
        1,
        date!(2026 - 11 - 10),
        &[(1, Some(s), 10, "89.00"), (2, Some(s), 4, "249.00")],
        "151.28",
        "45.00",
    );
    assert_eq!(inv.total(), usd_amt("2082.28"));
    assert_eq!(inv.due_on, date!(2026 - 12 - 10), "net 30");
    let r = match_invoice(&inv, &[&o], &[&inv]);
    assert!(r.matches, "{r:#?}");
    assert!(r.summary.contains("matches"), "{}", r.summary);
    assert!(r.summary.starts_with("Invoice INV-7001"), "{}", r.summary);
    assert!(r.header.is_empty());
    assert_eq!(r.discrepancy_total, Money::zero(usd()));
    assert_eq!(r.lines.len(), 2);
    let l = &r.lines[0];
    assert_eq!(
        (l.ordered, l.shipped, l.received, l.billed_before),
        (Qty::new(10), Qty::new(10), Some(Qty::new(10)), Qty::ZERO)
    );
    assert_eq!(l.contract_unit_price, usd_amt("89.00"));
}

#[test]
fn billed_before_shipped() {
    let f = fx();
    let mut o = place(&f.account, 7, &[(&f.chair, 10, f.dock, None)], None);
    o.allocate(1, &f.dallas, Qty::new(10)).unwrap();
    let inv = invoice(
        &f.account,
        &o,
        2,
        date!(2026 - 11 - 05),
        &[(1, None, 5, "89.00")],
        "0.00",
        "0.00",
    );
    let r = match_invoice(&inv, &[&o], &[]);
    assert!(!r.matches);
    let d = only(&r);
    assert_eq!(d.kind, DiscrepancyKind::BilledBeforeShipped);
    assert_eq!((d.quantity, d.amount), (Some(Qty::new(5)), usd_amt("445.00")));
    assert_eq!(d.explanation, "Billed 5 of CH-100 but nothing has shipped yet.");
    assert_eq!(r.discrepancy_total, usd_amt("445.00"));
    assert_eq!(
        r.summary,
        "Invoice INV-7002 has 1 difference (billed before shipped) worth USD 445.00 in total."
    );
}

#[test]
fn billed_more_than_shipped() {
    let f = fx();
    let mut o = place(&f.account, 8, &[(&f.chair, 10, f.dock, None)], None);
    o.allocate(1, &f.dallas, Qty::new(10)).unwrap();
    let s = ship(
        &mut o,
        Ship {
            n: 8,
            from: &f.dallas,
            to: f.dock,
            lines: &[(1, 6)],
            carrier: "UPS",
            shipped_at: datetime!(2026-11-06 10:00 UTC),
            promised: None,
        },
    );
    for shipment in [Some(s), None] {
        let inv = invoice(
            &f.account,
            &o,
            3,
            date!(2026 - 11 - 07),
            &[(1, shipment, 8, "89.00")],
            "0.00",
            "0.00",
        );
        let r = match_invoice(&inv, &[&o], &[]);
        let d = only(&r);
        assert_eq!(d.kind, DiscrepancyKind::BilledMoreThanShipped);
        assert_eq!((d.quantity, d.amount), (Some(Qty::new(2)), usd_amt("178.00")));
        assert_eq!(d.explanation, "Billed 8 of CH-100 but only 6 shipped.");
        assert_eq!(r.discrepancy_total, usd_amt("178.00"));
        assert_eq!(r.lines[0].shipped, Qty::new(6));
        assert!(r.summary.contains("billed more than shipped"), "{}", r.summary);
    }
}

#[test]
fn billed_more_than_received() {
    let f = fx();
    let (o, s) = received_order(&f, &[(1, 7, 3, 0), (2, 4, 0, 0)]);
    let inv = invoice(
        &f.account,
        &o,
        4,
        date!(2026 - 11 - 10),
        &[(1, Some(s), 10, "89.00")],
        "0.00",
        "0.00",
    );
    let r = match_invoice(&inv, &[&o], &[]);
    let d = only(&r);
    assert_eq!(d.kind, DiscrepancyKind::BilledMoreThanReceived);
    assert_eq!((d.quantity, d.amount), (Some(Qty::new(3)), usd_amt("267.00")));
    assert_eq!(
        d.explanation,
        "Billed 10 of CH-100 but you confirmed only 7 received in good order."
    );
    assert_eq!(r.lines[0].received, Some(Qty::new(7)));
    // Billing only what arrived in good order matches.
    let inv = invoice(
        &f.account,
        &o,
        5,
        date!(2026 - 11 - 10),
        &[(1, Some(s), 7, "89.00")],
        "0.00",
        "0.00",
    );
    assert!(match_invoice(&inv, &[&o], &[]).matches);
}

#[test]
fn price_variance_is_difference_times_quantity() {
    let f = fx();
    let (o, s) = received_order(&f, &[(1, 10, 0, 0), (2, 4, 0, 0)]);
    let inv = invoice(
        &f.account,
        &o,
        6,
        date!(2026 - 11 - 10),
        &[(1, Some(s), 10, "92.57")],
        "0.00",
        "0.00",
    );
    let r = match_invoice(&inv, &[&o], &[]);
    let d = only(&r);
    assert_eq!(d.kind, DiscrepancyKind::PriceVariance);
    assert_eq!(
        (d.quantity, d.amount),
        (Some(Qty::new(10)), usd_amt("35.70")),
        "3.57 x 10"
    );
    assert_eq!(
        d.explanation,
        "Billed USD 92.57 each; the contract price on the order is USD 89.00: USD 35.70 over on 10 units."
    );
    assert_eq!(r.discrepancy_total, usd_amt("35.70"));
    // Billing under the contract price is reported as a negative difference.
    let inv = invoice(
        &f.account,
        &o,
        7,
        date!(2026 - 11 - 10),
        &[(2, Some(s), 4, "239.00")],
        "0.00",
        "0.00",
    );
    let r = match_invoice(&inv, &[&o], &[]);
    let d = only(&r);
    assert_eq!((d.kind, d.amount), (DiscrepancyKind::PriceVariance, usd_amt("-40.00")));
    assert!(
        d.explanation.ends_with("USD 40.00 under on 4 units."),
        "{}",
        d.explanation
    );
}

#[test]
fn freight_not_on_order() {
    let f = fx();
    let mut o = place(&f.account, 9, &[(&f.desk, 2, f.store, None)], None);
    o.allocate(1, &f.reno, Qty::new(2)).unwrap();
    let s = ship(
        &mut o,
        Ship {
            n: 9,
            from: &f.reno,
            to: f.store,
            lines: &[(1, 2)],
            carrier: "UPS",
            shipped_at: datetime!(2026-11-06 10:00 UTC),
            promised: None,
        },
    );
    let inv = invoice(
        &f.account,
        &o,
        8,
        date!(2026 - 11 - 07),
        &[(1, Some(s), 2, "249.00")],
        "0.00",
        "25.00",
    );
    let r = match_invoice(&inv, &[&o], &[]);
    assert!(r.lines.iter().all(|l| l.discrepancies.is_empty()));
    let d = only(&r);
    assert_eq!(
        (d.kind, d.quantity, d.amount),
        (DiscrepancyKind::FreightNotOnOrder, None, usd_amt("25.00"))
    );
    assert_eq!(
        d.explanation,
        "Freight of USD 25.00 is billed, but the order had no freight charge."
    );
    assert_eq!(r.discrepancy_total, usd_amt("25.00"));

    // With 45.00 quoted: billing 60.00 is 15.00 too much; a second invoice may not bill it again.
    let (o, s) = received_order(&f, &[]);
    let first = invoice(
        &f.account,
        &o,
        9,
        date!(2026 - 11 - 10),
        &[(1, Some(s), 10, "89.00")],
        "0.00",
        "60.00",
    );
    let d = only(&match_invoice(&first, &[&o], &[]));
    assert_eq!(
        (d.kind, d.amount),
        (DiscrepancyKind::FreightNotOnOrder, usd_amt("15.00"))
    );
    let ok = invoice(
        &f.account,
        &o,
        10,
        date!(2026 - 11 - 10),
        &[(1, Some(s), 10, "89.00")],
        "0.00",
        "45.00",
    );
    assert!(match_invoice(&ok, &[&o], &[]).matches);
    let second = invoice(
        &f.account,
        &o,
        11,
        date!(2026 - 11 - 11),
        &[(2, Some(s), 4, "249.00")],
        "0.00",
        "45.00",
    );
    let d = only(&match_invoice(&second, &[&o], &[&ok]));
    assert_eq!(
        (d.kind, d.amount),
        (DiscrepancyKind::FreightNotOnOrder, usd_amt("45.00"))
    );
}

#[test]
fn billed_twice_flags_only_the_later_invoice() {
    let f = fx();
    let (o, s) = received_order(&f, &[(1, 10, 0, 0), (2, 4, 0, 0)]);
    let first = invoice(
        &f.account,
        &o,
        12,
        date!(2026 - 11 - 10),
        &[(1, Some(s), 10, "89.00")],
        "0.00",
        "0.00",
    );
    let again = invoice(
        &f.account,
        &o,
        13,
        date!(2026 - 11 - 12),
        &[(1, Some(s), 10, "89.00")],
        "0.00",
        "0.00",
    );
    let both = [&first, &again];

    let r = match_invoice(&first, &[&o], &both);
    assert!(r.matches, "the earlier invoice is not the duplicate: {r:#?}");

    let r = match_invoice(&again, &[&o], &both);
    let d = only(&r);
    assert_eq!(d.kind, DiscrepancyKind::BilledTwice);
    assert_eq!((d.quantity, d.amount), (Some(Qty::new(10)), usd_amt("890.00")));
    assert_eq!(r.lines[0].billed_before, Qty::new(10));
    assert!(
        d.explanation.contains("already billed on an earlier invoice"),
        "{}",
        d.explanation
    );
    assert_eq!(
        r.summary,
        "Invoice INV-7013 has 1 difference (billed twice) worth USD 890.00 in total."
    );

    // Same issue date: the one recorded later is the duplicate.
    let mut later = again.clone();
    later.issued_on = first.issued_on;
    later.recorded_at = first.recorded_at + time::Duration::minutes(5);
    assert!(match_invoice(&first, &[&o], &[&first, &later]).matches);
    assert_eq!(
        only(&match_invoice(&later, &[&o], &[&first, &later])).kind,
        DiscrepancyKind::BilledTwice
    );
}

#[test]
fn a_receipt_that_omits_a_line_is_read_the_same_way_by_status_and_matching() {
    let f = fx();
    // The dock confirmed the chairs and said nothing about the desks of the same shipment.
    let (o, s) = received_order(&f, &[(1, 10, 0, 0)]);
    let view = order_view(&o, &f.names, NOW);
    let status_flags_desks = view.lines[1].assessment.risk != Risk::OnTrack;
    let inv = invoice(
        &f.account,
        &o,
        14,
        date!(2026 - 11 - 10),
        &[(2, Some(s), 4, "249.00")],
        "0.00",
        "0.00",
    );
    let r = match_invoice(&inv, &[&o], &[]);
    let matching_flags_desks = r.lines[0]
        .discrepancies
        .iter()
        .any(|d| d.kind == DiscrepancyKind::BilledMoreThanReceived);
    assert_eq!(
        status_flags_desks, matching_flags_desks,
        "status says {:?} / {:?}; matching says {:?}",
        view.lines[1].assessment.risk, view.lines[1].sentence, r.lines[0].discrepancies
    );
}

// ---------------------------------------------------------------- "what is still owed?"

/// INV-7n: 10 chairs + 71.20 tax + 38.80 freight = 1000.00, issued Oct 1 (due Oct 31).
/// INV-7(n+1): 2 desks + 2.00 tax = 500.00, issued Oct 20 (due Nov 19).
fn two_invoices(f: &Fx, account: &Account, n: u128) -> [Invoice; 2] {
    let o = place(
        account,
        20,
        &[
            (&f.chair, 10, account.locations[1].id, None),
            (&f.desk, 2, account.locations[1].id, None),
        ],
        None,
    );
    [
        invoice(
            account,
            &o,
            n,
            date!(2026 - 10 - 01),
            &[(1, None, 10, "89.00")],
            "71.20",
            "38.80",
        ),
        invoice(
            account,
            &o,
            n + 1,
            date!(2026 - 10 - 20),
            &[(2, None, 2, "249.00")],
            "2.00",
            "0.00",
        ),
    ]
}

fn payment(amount: &str, apps: &[(&Invoice, &str)]) -> Payment {
    Payment {
        reversal: None,
        id: id(800),
        account_id: id(0),
        method: PaymentMethod::Ach,
        amount: usd_amt(amount),
        reference: Some("ACH-20261101".into()),
        received_at: datetime!(2026-11-01 12:00 UTC),
        applications: apps
            .iter()
            .map(|(inv, a)| PaymentApplication {
                invoice_id: inv.id,
                amount: usd_amt(a),
            })
            .collect(),
    }
}

#[test]
fn partial_payment_across_two_invoices() {
    let f = fx();
    let mut invs = two_invoices(&f, &f.account, 101);
    assert_eq!(
        (invs[0].total(), invs[1].total()),
        (usd_amt("1000.00"), usd_amt("500.00"))
    );
    assert_eq!(
        (invs[0].due_on, invs[1].due_on),
        (date!(2026 - 10 - 31), date!(2026 - 11 - 19))
    );
    assert_eq!(invs[0].status(date!(2026 - 10 - 15)), InvoiceStatus::Open);
    assert_eq!(invs[0].status(date!(2026 - 11 - 01)), InvoiceStatus::Overdue);

    let p = payment("1200.00", &[(&invs[0], "1000.00"), (&invs[1], "150.00")]);
    let p = Payment::receive(&f.account, p, &mut invs).unwrap();
    assert_eq!(p.account_id, f.account.id);
    assert_eq!(p.unapplied(), usd_amt("50.00"));

    assert_eq!(invs[0].balance(), Money::zero(usd()));
    assert_eq!(
        invs[0].status(date!(2026 - 11 - 01)),
        InvoiceStatus::Paid,
        "paid beats overdue"
    );
    assert_eq!(invs[1].settled(), usd_amt("150.00"));
    assert_eq!(invs[1].balance(), usd_amt("350.00"));
    assert_eq!(
        invs[1].status(date!(2026 - 11 - 19)),
        InvoiceStatus::PartiallyPaid,
        "due today is not overdue"
    );
    assert_eq!(invs[1].status(date!(2026 - 11 - 20)), InvoiceStatus::Overdue);
    assert_eq!(invs[1].applications.len(), 1);
    assert_eq!(invs[1].applications[0].source, SettlementSource::Payment(id(800)));
    assert_eq!(invs[1].applications[0].at, datetime!(2026-11-01 12:00 UTC));

    // The rest of INV-7102, in two applications to the same invoice.
    let mut p2 = payment("350.00", &[(&invs[1], "200.00"), (&invs[1], "150.00")]);
    p2.id = id(801);
    Payment::receive(&f.account, p2, &mut invs).unwrap();
    assert_eq!(invs[1].balance(), Money::zero(usd()));
    assert_eq!(invs[1].status(date!(2026 - 12 - 31)), InvoiceStatus::Paid);
}

#[test]
fn over_application_is_refused_and_changes_nothing() {
    let f = fx();
    let mut invs = two_invoices(&f, &f.account, 101);
    let before = invs.clone();
    // More than INV-7102's 500.00 balance.
    let p = payment("2000.00", &[(&invs[0], "400.00"), (&invs[1], "500.01")]);
    let e = Payment::receive(&f.account, p, &mut invs).unwrap_err();
    assert_eq!(
        (e.code, e.field.as_str()),
        (ErrorCode::OverApplication, "applications[1].amount")
    );
    assert_eq!(invs, before, "the first application must not stick either");
    // Two applications to one invoice that together exceed its balance.
    let p = payment("2000.00", &[(&invs[1], "300.00"), (&invs[1], "300.00")]);
    let e = Payment::receive(&f.account, p, &mut invs).unwrap_err();
    assert_eq!(
        (e.code, e.field.as_str()),
        (ErrorCode::OverApplication, "applications[1].amount")
    );
    assert_eq!(invs, before);
    // Applications adding up to more than the payment.
    let p = payment("600.00", &[(&invs[0], "400.00"), (&invs[1], "300.00")]);
    let e = Payment::receive(&f.account, p, &mut invs).unwrap_err();
    assert_eq!((e.code, e.field.as_str()), (ErrorCode::OverApplication, "applications"));
    assert_eq!(invs, before);
    // A payment in another currency.
    let mut p = payment("600.00", &[]);
    p.amount = Money::parse("600.00", Currency::parse("CAD", "c").unwrap(), "amount").unwrap();
    let e = Payment::receive(&f.account, p, &mut invs).unwrap_err();
    assert_eq!((e.code, e.field.as_str()), (ErrorCode::CurrencyMismatch, "amount"));
    assert_eq!(invs, before);
}

#[test]
fn paying_another_accounts_invoice_is_refused() {
    let f = fx();
    let [mine, _] = two_invoices(&f, &f.account, 101);
    let [theirs, _] = two_invoices(&f, &f.other, 201);
    let mut invs = [mine, theirs];
    let before = invs.clone();
    let p = payment("300.00", &[(&invs[0], "100.00"), (&invs[1], "200.00")]);
    let e = Payment::receive(&f.account, p, &mut invs).unwrap_err();
    assert_eq!(
        (e.code, e.field.as_str()),
        (ErrorCode::ForeignAccount, "applications[1].invoice_id")
    );
    assert_eq!(invs, before);
    // An invoice that was not passed in at all.
    let mut p = payment("100.00", &[(&invs[0], "100.00")]);
    p.applications[0].invoice_id = id(12345);
    let e = Payment::receive(&f.account, p, &mut invs).unwrap_err();
    assert_eq!(
        (e.code, e.field.as_str()),
        (ErrorCode::UnknownReference, "applications[0].invoice_id")
    );
    assert_eq!(invs, before);
}

#[test]
fn credit_memo_reduces_the_balance() {
    let f = fx();
    let [_, mut inv] = two_invoices(&f, &f.account, 101);
    let inv_id = inv.id;
    let memo = |amount: &str, reason: &str| CreditMemo {
        applied: Vec::new(),
        id: id(850),
        number: "CM-1".into(),
        account_id: id(0),
        invoice_id: Some(inv_id),
        amount: usd_amt(amount),
        reason: reason.into(),
        issued_on: date!(2026 - 11 - 02),
        for_return: None,
    };
    let at = datetime!(2026-11-02 10:00 UTC);
    let before = inv.clone();
    let e = CreditMemo::issue(&f.account, memo("500.01", "damaged desk"), Some(&mut inv), at).unwrap_err();
    assert_eq!((e.code, e.field.as_str()), (ErrorCode::OverApplication, "amount"));
    assert_eq!(inv, before);
    let e = CreditMemo::issue(&f.account, memo("10.00", " "), Some(&mut inv), at).unwrap_err();
    assert_eq!((e.code, e.field.as_str()), (ErrorCode::InvalidValue, "reason"));
    let e = CreditMemo::issue(&f.account, memo("0.00", "damaged desk"), Some(&mut inv), at).unwrap_err();
    assert_eq!((e.code, e.field.as_str()), (ErrorCode::InvalidValue, "amount"));
    let e = CreditMemo::issue(&f.other, memo("10.00", "damaged desk"), Some(&mut inv), at).unwrap_err();
    assert_eq!((e.code, e.field.as_str()), (ErrorCode::ForeignAccount, "invoice_id"));
    assert_eq!(inv, before);

    let m = CreditMemo::issue(&f.account, memo("249.00", "damaged desk"), Some(&mut inv), at).unwrap();
    assert_eq!(m.account_id, f.account.id);
    assert_eq!(inv.balance(), usd_amt("251.00"));
    assert_eq!(inv.status(date!(2026 - 11 - 02)), InvoiceStatus::PartiallyPaid);
    assert_eq!(inv.applications[0].source, SettlementSource::CreditMemo(id(850)));
    // The memo and a payment together settle it.
    let mut invs = [inv];
    Payment::receive(&f.account, payment("251.00", &[(&invs[0], "251.00")]), &mut invs).unwrap();
    assert_eq!(invs[0].status(date!(2026 - 12 - 01)), InvoiceStatus::Paid);
    assert_eq!(invs[0].settled(), usd_amt("500.00"));
}

#[test]
fn line_billed_then_shipment_billed_is_flagged() {
    let f = fx();
    let (o, s) = received_order(&f, &[(1, 10, 0, 0), (2, 4, 0, 0)]);
    // All 10 chairs billed against the line, then the same 10 again against their shipment.
    let first = invoice(
        &f.account,
        &o,
        15,
        date!(2026 - 11 - 10),
        &[(1, None, 10, "89.00")],
        "0.00",
        "0.00",
    );
    let again = invoice(
        &f.account,
        &o,
        16,
        date!(2026 - 11 - 12),
        &[(1, Some(s), 10, "89.00")],
        "0.00",
        "0.00",
    );
    assert!(match_invoice(&first, &[&o], &[&first, &again]).matches);
    let r = match_invoice(&again, &[&o], &[&first, &again]);
    assert_eq!(r.lines[0].billed_before, Qty::new(10), "{r:#?}");
    assert!(!r.matches, "20 chairs billed for 10 shipped, yet: {}", r.summary);
}

// ---------------------------------------------------------------- rules of issue 6

/// 10 chairs to the dock, all allocated to Dallas; `shipped` of them shipped and delivered.
fn part_delivered(f: &Fx, shipped: u32) -> Order {
    let mut o = place(&f.account, 40, &[(&f.chair, 10, f.dock, None)], None);
    o.allocate(1, &f.dallas, Qty::new(10)).unwrap();
    let s = ship(
        &mut o,
        Ship {
            n: 40,
            from: &f.dallas,
            to: f.dock,
            lines: &[(1, shipped)],
            carrier: "UPS",
            shipped_at: datetime!(2026-11-06 10:00 UTC),
            promised: None,
        },
    );
    scan(
        &mut o,
        s,
        TrackingStatus::Delivered,
        datetime!(2026-11-09 14:00 UTC),
        "Dallas, TX",
        None,
    );
    o
}

#[test]
fn part_delivered_and_part_not_shipped_says_both() {
    let f = fx();
    let mut o = part_delivered(&f, 4);
    let v = order_view(&o, &f.names, NOW);
    assert_eq!(v.lines[0].status, LineStatus::PartiallyDeliveredPartiallyShipped);
    assert_eq!(v.status, LineStatus::PartiallyDeliveredPartiallyShipped);
    assert_eq!(order_progress(&o), LineStatus::PartiallyDeliveredPartiallyShipped);
    assert_eq!(v.status.as_str(), "partially_delivered_partially_shipped");
    // The other 6 ship: everything has shipped, part is delivered.
    ship(
        &mut o,
        Ship {
            n: 41,
            from: &f.dallas,
            to: f.dock,
            lines: &[(1, 6)],
            carrier: "UPS",
            shipped_at: datetime!(2026-11-10 10:00 UTC),
            promised: None,
        },
    );
    assert_eq!(order_progress(&o), LineStatus::PartiallyDelivered);
}

#[test]
fn an_order_with_a_delivered_line_and_an_unshipped_one_says_both() {
    let f = fx();
    let mut o = place(
        &f.account,
        42,
        &[(&f.chair, 2, f.dock, None), (&f.desk, 1, f.store, None)],
        None,
    );
    o.allocate(1, &f.dallas, Qty::new(2)).unwrap();
    let s = ship(
        &mut o,
        Ship {
            n: 42,
            from: &f.dallas,
            to: f.dock,
            lines: &[(1, 2)],
            carrier: "UPS",
            shipped_at: datetime!(2026-11-06 10:00 UTC),
            promised: None,
        },
    );
    scan(
        &mut o,
        s,
        TrackingStatus::Delivered,
        datetime!(2026-11-09 14:00 UTC),
        "Dallas, TX",
        None,
    );
    let v = order_view(&o, &f.names, NOW);
    assert_eq!(
        (v.lines[0].status, v.lines[1].status, v.status),
        (
            LineStatus::Delivered,
            LineStatus::Pending,
            LineStatus::PartiallyDeliveredPartiallyShipped
        )
    );
}

#[test]
fn status_filters_find_the_mixed_state_under_either_half() {
    let m = |s: &str| LineStatus::matching(s).map(|v| v.iter().map(|x| x.as_str()).collect::<Vec<_>>());
    assert_eq!(
        m("partially_shipped"),
        Some(vec!["partially_shipped", "partially_delivered_partially_shipped"])
    );
    assert_eq!(
        m("partially_delivered"),
        Some(vec!["partially_delivered", "partially_delivered_partially_shipped"])
    );
    assert_eq!(m("shipped"), Some(vec!["shipped"]));
    assert_eq!(m("half_done"), None);
    for s in LineStatus::ALL {
        assert!(m(s.as_str()).is_some_and(|v| v.contains(&s.as_str())), "{s:?}");
    }
}

fn held(f: &Fx, n: u128) -> Order {
    use aftercart_domain::approval::{
        ApprovalCondition, ApprovalPolicy, ApprovalRule, ApprovalWorkflow, Approver, OrderFacts,
    };
    let mut o = place(&f.account, n, &[(&f.chair, 10, f.dock, None)], None);
    let policy = ApprovalPolicy {
        rules: vec![ApprovalRule {
            id: id(60),
            name: "Everything".into(),
            condition: ApprovalCondition::OrderTotalOver(usd_amt("0.00")),
            levels: vec![Approver::Role],
            active: true,
        }],
        remind_after_hours: 0,
        escalate_after_hours: 0,
    };
    o.approval = Some(ApprovalWorkflow::start(
        &policy,
        &OrderFacts::of(&o, None, false),
        datetime!(2026-11-02 14:30 UTC),
    ));
    o
}

fn try_invoice(f: &Fx, o: &Order) -> Result<Invoice, aftercart_domain::Rejection> {
    Invoice::issue(
        &f.account,
        &[o],
        NewInvoice {
            freight_tax_rate_bp: None,
            id: id(790),
            number: "INV-790".into(),
            currency: usd(),
            issued_on: date!(2026 - 11 - 12),
            lines: vec![NewInvoiceLine {
                tax_rate_bp: None,
                order_id: o.id,
                order_line: 1,
                shipment_id: None,
                quantity: Qty::new(10),
                unit_price: usd_amt("89.00"),
            }],
            tax: Some(usd_amt("0.00")),
            freight: usd_amt("0.00"),
            recorded_at: NOW,
        },
    )
}

#[test]
fn orders_held_or_rejected_in_approval_cannot_be_invoiced() {
    use aftercart_domain::approval::Deciding;
    let f = fx();
    let approver = Deciding {
        user: id(77),
        name: "Ana Ruiz".into(),
        is_approver_role: true,
        delegations: Vec::new(),
    };
    let mut o = held(&f, 43);
    let e = try_invoice(&f, &o).unwrap_err();
    assert_eq!(
        (e.code, e.field.as_str()),
        (ErrorCode::OrderNotApproved, "lines[0].order_id")
    );
    assert!(e.message.contains("awaiting approval"), "{e}");
    let mut rejected = o.clone();
    rejected
        .approval
        .as_mut()
        .unwrap()
        .decide(&approver, false, Some("no".into()), NOW)
        .unwrap();
    let e = try_invoice(&f, &rejected).unwrap_err();
    assert_eq!(e.code, ErrorCode::OrderNotApproved);
    assert!(e.message.contains("rejected"), "{e}");
    assert_eq!(e.code.as_str(), "order_not_approved");
    o.approval.as_mut().unwrap().decide(&approver, true, None, NOW).unwrap();
    try_invoice(&f, &o).expect("an approved order can be invoiced");
}

#[test]
fn the_open_position_counts_unapplied_payments_and_credits() {
    use aftercart_domain::invoice::OpenPosition;
    let f = fx();
    let mut invs = two_invoices(&f, &f.account, 120);
    // Invoice 1 is 1,000.00; pay 1,200.00 against it: 200.00 unapplied.
    let total = invs[0].total();
    let p = Payment::receive(
        &f.account,
        payment("1200.00", &[(&invs[0], &total.amount_string())]),
        &mut invs,
    )
    .unwrap();
    assert_eq!(p.unapplied(), usd_amt("200.00"));
    let memo = CreditMemo {
        applied: Vec::new(),
        id: id(850),
        number: "CM-1".into(),
        account_id: f.account.id,
        invoice_id: None,
        amount: usd_amt("50.00"),
        reason: "goodwill".into(),
        issued_on: date!(2026 - 11 - 01),
        for_return: None,
    };
    let pos = OpenPosition::of(
        usd(),
        &invs.iter().collect::<Vec<_>>(),
        &[&p],
        &[&memo],
        date!(2026 - 11 - 01),
    );
    let open = invs[1].balance();
    assert_eq!(pos.total_open, open);
    assert_eq!(pos.unapplied_payments, usd_amt("200.00"));
    assert_eq!(pos.unapplied_credits, usd_amt("50.00"));
    assert_eq!(pos.balance.minor(), open.minor() - 25_000, "open − 200.00 − 50.00");
    // More unapplied cash than is open: the account is in credit, and the balance says so.
    let big = Payment {
        id: id(801),
        ..payment("10000.00", &[])
    };
    let pos = OpenPosition::of(
        usd(),
        &invs.iter().collect::<Vec<_>>(),
        &[&p, &big],
        &[],
        date!(2026 - 11 - 01),
    );
    assert_eq!(pos.balance.minor(), open.minor() - 1_020_000);
    assert!(pos.balance.is_negative(), "{pos:?}");
}

#[test]
fn payment_methods_parse_in_any_case() {
    for (s, m) in [
        ("ACH", PaymentMethod::Ach),
        ("Card", PaymentMethod::Card),
        (" wire ", PaymentMethod::Wire),
        ("Check", PaymentMethod::Cheque),
    ] {
        assert_eq!(PaymentMethod::parse(s, "method").unwrap(), m, "{s}");
    }
    let e = PaymentMethod::parse("bitcoin", "method").unwrap_err();
    assert_eq!((e.code, e.field.as_str()), (ErrorCode::InvalidValue, "method"));
}

#[test]
fn an_ended_delegation_no_longer_lets_the_delegate_decide() {
    use aftercart_domain::approval::{
        ApprovalCondition, ApprovalPolicy, ApprovalRule, ApprovalWorkflow, Approver, Deciding, Delegation,
        DelegationState, OrderFacts,
    };
    use aftercart_domain::ids::UserId;
    let (bo, dee): (UserId, UserId) = (id(2), id(4));
    let policy = ApprovalPolicy {
        rules: vec![ApprovalRule {
            id: id(61),
            name: "Bo signs".into(),
            condition: ApprovalCondition::OrderTotalOver(usd_amt("0.00")),
            levels: vec![Approver::User(bo)],
            active: true,
        }],
        remind_after_hours: 0,
        escalate_after_hours: 0,
    };
    let f = fx();
    let o = place(&f.account, 44, &[(&f.chair, 1, f.dock, None)], None);
    let mut wf = ApprovalWorkflow::start(&policy, &OrderFacts::of(&o, None, false), NOW);
    wf.name_approvers(|u| (u == bo).then(|| "Bo Lee".to_owned()));
    assert_eq!(wf.steps[0].required.approver_name.as_deref(), Some("Bo Lee"));
    assert!(wf.explain().contains("waiting for Bo Lee"), "{}", wf.explain());

    let mut d = Delegation::new(bo, dee, date!(2026 - 11 - 10), date!(2026 - 11 - 20)).unwrap();
    assert_eq!(d.state(NOW.date()), DelegationState::Active);
    let mut ended = d.clone();
    ended.end(NOW).unwrap();
    assert_eq!(ended.state(NOW.date()), DelegationState::Ended);
    assert_eq!(ended.end(NOW).unwrap_err().code, ErrorCode::InvalidState, "ended once");
    let as_dee = |ds: Vec<Delegation>| Deciding {
        user: dee,
        name: "Dee Park".into(),
        is_approver_role: false,
        delegations: ds,
    };
    let mut refused = wf.clone();
    let e = refused.decide(&as_dee(vec![ended]), true, None, NOW).unwrap_err();
    assert_eq!(e.code, ErrorCode::NotApprover);
    assert_eq!(refused, wf, "a refused decision changes nothing");

    wf.decide(&as_dee(vec![d.clone()]), true, None, NOW).unwrap();
    let dec = wf.steps[0].decision.as_ref().unwrap();
    assert_eq!(
        (dec.on_behalf_of, dec.on_behalf_of_name.as_deref()),
        (Some(bo), Some("Bo Lee"))
    );
    assert!(
        wf.explain()
            .contains("Approved by Dee Park on behalf of Bo Lee, who is away"),
        "{}",
        wf.explain()
    );
    // An expired delegation cannot be ended.
    assert_eq!(
        d.end(datetime!(2026-11-25 09:00 UTC)).unwrap_err().code,
        ErrorCode::InvalidState
    );
}
