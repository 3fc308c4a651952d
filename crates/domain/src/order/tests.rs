//! Unit and property tests of the order aggregate: placing, allocating, backordering, cancelling,
//! shipping, tracking and receiving, and the rule that a refused command changes nothing.

use super::*;
use crate::account::{ContractPrice, FulfilmentKind, Location, LocationKind, PaymentTerms};
use crate::tracking::TrackingStatus;
use proptest::prelude::*;
use time::macros::{date, datetime};
use uuid::Uuid;

// ---------------------------------------------------------------- fixture

fn id<T: From<Uuid>>(n: u128) -> T {
    Uuid::from_u128(n).into()
}

fn usd() -> Currency {
    Currency::parse("USD", "currency").unwrap()
}

fn eur() -> Currency {
    Currency::parse("EUR", "currency").unwrap()
}

fn usd_amt(s: &str) -> Money {
    Money::parse(s, usd(), "amount").unwrap()
}

const PLACED: OffsetDateTime = datetime!(2026-11-02 14:30 UTC);

struct Fx {
    account: Account,
    bill_to: LocationId,
    dock: LocationId,
    store: LocationId,
    dallas: FulfilmentLocation,
    reno: FulfilmentLocation,
    /// Has a contract price (89.00 instead of the 119.00 list price).
    chair: Product,
    /// List price only (249.00).
    desk: Product,
}

fn fx() -> Fx {
    let loc = |n: u128, kind, name: &str, city: &str| Location {
        id: id(n),
        kind,
        name: name.into(),
        address: format!("{n} Commerce St"),
        city: city.into(),
        postcode: "75201".into(),
        country: "US".into(),
    };
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
    let chair = product(301, "CH-100", "Task chair", "119.00");
    let desk = product(302, "DK-200", "Standing desk", "249.00");
    let account = Account {
        id: id(1),
        number: "ACME-001".into(),
        name: "Acme Offices Inc.".into(),
        currency: usd(),
        terms: PaymentTerms { net_days: 30 },
        credit_limit: usd_amt("50000.00"),
        locations: vec![
            loc(101, LocationKind::BillTo, "Head office", "Dallas"),
            loc(102, LocationKind::ShipTo, "Receiving dock", "Fort Worth"),
            loc(103, LocationKind::ShipTo, "Uptown store", "Plano"),
        ],
        contract_prices: vec![ContractPrice {
            product_id: chair.id,
            unit_price: usd_amt("89.00"),
        }],
    };
    let fl = |n: u128, code: &str, city: &str| FulfilmentLocation {
        id: id(n),
        code: code.into(),
        name: format!("{city} DC"),
        kind: FulfilmentKind::Warehouse,
        city: city.into(),
    };
    Fx {
        account,
        bill_to: id(101),
        dock: id(102),
        store: id(103),
        dallas: fl(201, "DAL", "Dallas"),
        reno: fl(202, "RNO", "Reno"),
        chair,
        desk,
    }
}

fn nl(product: &Product, qty: u32, ship_to: LocationId) -> NewLine {
    NewLine {
        product: product.clone(),
        quantity: Qty::new(qty),
        ship_to,
        requested_date: None,
        po_number: None,
        cost_centre: None,
        project: None,
    }
}

fn new_order(f: &Fx, lines: Vec<NewLine>) -> NewOrder {
    NewOrder {
        id: id(900),
        number: "SO-1001".into(),
        bill_to: f.bill_to,
        po_number: Some("PO-77".into()),
        channel: Channel::Portal,
        placed_at: PLACED,
        freight: None,
        lines,
    }
}

/// Line 1: 10 chairs to the dock; line 2: 4 desks to the dock; line 3: 6 chairs to the store.
fn order3(f: &Fx) -> Order {
    let lines = vec![
        nl(&f.chair, 10, f.dock),
        nl(&f.desk, 4, f.dock),
        nl(&f.chair, 6, f.store),
    ];
    Order::place(&f.account, new_order(f, lines)).unwrap()
}

/// [`order3`] of the fixture, for tests of the order's other modules.
pub(crate) fn sample_order() -> Order {
    order3(&fx())
}

fn shipment(n: u128, from: &FulfilmentLocation, to: LocationId, lines: &[(u32, u32)]) -> NewShipment {
    NewShipment {
        id: id(n),
        from: from.id,
        to,
        lines: lines.iter().map(|&(l, q)| (l, Qty::new(q))).collect(),
        carrier: "UPS".into(),
        service: Some("Ground".into()),
        tracking_number: Some(format!("1Z{n:08}")),
        tracking_url: None,
        packing_slip: None,
        shipped_at: datetime!(2026-11-05 16:00 UTC),
        promised_delivery: Some(date!(2026 - 11 - 10)),
        estimated_delivery: None,
    }
}

fn event(status: TrackingStatus, at: OffsetDateTime) -> TrackingEvent {
    TrackingEvent {
        status,
        occurred_at: at,
        location: Some("Memphis, TN".into()),
        description: None,
        carrier_status: None,
    }
}

fn receipt(lines: &[(u32, u32, u32, u32)]) -> Receipt {
    Receipt {
        at: datetime!(2026-11-09 10:00 UTC),
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

fn ledger_of(o: &Order, no: u32) -> LineLedger {
    o.ledger(o.line(no).unwrap())
}

/// Runs a command that must be refused, checks code and field, and that nothing changed.
fn refused<T: std::fmt::Debug>(
    o: &mut Order,
    code: ErrorCode,
    field: &str,
    cmd: impl FnOnce(&mut Order) -> Result<T>,
) -> Rejection {
    let before = o.clone();
    let e = cmd(o).expect_err("command should have been refused");
    assert_eq!(e.code, code, "{e}");
    assert_eq!(e.field, field, "{e}");
    assert!(!e.message.is_empty());
    assert_eq!(*o, before, "a refused command must not change the order");
    e
}

// ---------------------------------------------------------------- placing

#[test]
fn place_uses_contract_price_else_list_price() {
    let f = fx();
    let o = order3(&f);
    assert_eq!(o.account_id, f.account.id);
    assert_eq!(o.currency, usd());
    assert_eq!(o.freight, Money::zero(usd()));
    assert_eq!(o.lines.iter().map(|l| l.no).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(
        o.lines[0].unit_price,
        usd_amt("89.00"),
        "contract price, not the 119.00 list price"
    );
    assert_eq!(o.lines[1].unit_price, usd_amt("249.00"), "no contract: list price");
    assert_eq!(o.lines[0].sku, "CH-100");
    assert_eq!(o.lines[2].ship_to, f.store);
    // 10*89 + 4*249 + 6*89 = 890 + 996 + 534
    assert_eq!(o.goods_total(), usd_amt("2420.00"));
    assert_eq!(o.ship_to_locations().len(), 2);
    o.check_balanced().unwrap();
    let l = ledger_of(&o, 1);
    assert_eq!(
        (l.ordered, l.unallocated, l.shipped, l.received),
        (Qty::new(10), Qty::new(10), Qty::ZERO, None)
    );
}

#[test]
fn place_keeps_agreed_freight() {
    let f = fx();
    let mut n = new_order(&f, vec![nl(&f.desk, 1, f.dock)]);
    n.freight = Some(usd_amt("45.00"));
    assert_eq!(Order::place(&f.account, n).unwrap().freight, usd_amt("45.00"));
}

#[test]
fn place_refuses_foreign_ship_to() {
    let f = fx();
    let n = new_order(&f, vec![nl(&f.chair, 1, id(999))]);
    let e = Order::place(&f.account, n).unwrap_err();
    assert_eq!(
        (e.code, e.field.as_str()),
        (ErrorCode::ForeignAccount, "lines[0].ship_to")
    );
}

#[test]
fn place_refuses_ship_to_that_cannot_receive_and_bad_bill_to() {
    let f = fx();
    let e = Order::place(
        &f.account,
        new_order(&f, vec![nl(&f.chair, 1, f.dock), nl(&f.desk, 1, f.bill_to)]),
    )
    .unwrap_err();
    assert_eq!(
        (e.code, e.field.as_str()),
        (ErrorCode::InvalidValue, "lines[1].ship_to")
    );

    let mut n = new_order(&f, vec![nl(&f.chair, 1, f.dock)]);
    n.bill_to = f.dock;
    let e = Order::place(&f.account, n).unwrap_err();
    assert_eq!((e.code, e.field.as_str()), (ErrorCode::InvalidValue, "bill_to"));

    let mut n = new_order(&f, vec![nl(&f.chair, 1, f.dock)]);
    n.bill_to = id(998);
    let e = Order::place(&f.account, n).unwrap_err();
    assert_eq!((e.code, e.field.as_str()), (ErrorCode::ForeignAccount, "bill_to"));
}

#[test]
fn place_refuses_empty_lines() {
    let f = fx();
    let e = Order::place(&f.account, new_order(&f, vec![])).unwrap_err();
    assert_eq!((e.code, e.field.as_str()), (ErrorCode::InvalidValue, "lines"));
}

#[test]
fn place_refuses_discontinued_product() {
    let f = fx();
    let mut old = f.desk.clone();
    old.discontinued = true;
    let e = Order::place(
        &f.account,
        new_order(&f, vec![nl(&f.chair, 2, f.dock), nl(&old, 1, f.dock)]),
    )
    .unwrap_err();
    assert_eq!((e.code, e.field.as_str()), (ErrorCode::InvalidState, "lines[1].sku"));
    assert!(e.message.contains("DK-200"), "{}", e.message);
}

#[test]
fn place_refuses_foreign_currency() {
    let f = fx();
    let mut n = new_order(&f, vec![nl(&f.chair, 1, f.dock)]);
    n.freight = Some(Money::parse("20.00", eur(), "freight").unwrap());
    let e = Order::place(&f.account, n).unwrap_err();
    assert_eq!(
        (e.code, e.field.as_str()),
        (ErrorCode::CurrencyMismatch, "freight.currency")
    );

    let mut n = new_order(&f, vec![nl(&f.chair, 1, f.dock)]);
    n.freight = Some(usd_amt("-1.00"));
    let e = Order::place(&f.account, n).unwrap_err();
    assert_eq!((e.code, e.field.as_str()), (ErrorCode::InvalidValue, "freight"));

    // A list price in another currency (no contract price to fall back on).
    let mut lamp = f.desk.clone();
    lamp.id = id(303);
    lamp.list_price = Money::parse("30.00", eur(), "p").unwrap();
    let e = Order::place(&f.account, new_order(&f, vec![nl(&lamp, 1, f.dock)])).unwrap_err();
    assert_eq!(
        (e.code, e.field.as_str()),
        (ErrorCode::CurrencyMismatch, "lines[0].sku")
    );
}

// ---------------------------------------------------------------- allocate / backorder / cancel

#[test]
fn allocate_takes_unallocated_first_then_backorder() {
    let f = fx();
    let mut o = order3(&f);
    o.backorder(
        1,
        Qty::new(4),
        Some(date!(2026 - 11 - 20)),
        "supplier short",
        "ops",
        PLACED,
    )
    .unwrap();
    o.allocate(1, &f.dallas, Qty::new(5)).unwrap();
    let l = ledger_of(&o, 1);
    assert_eq!(
        (l.unallocated, l.backordered, l.allocated),
        (Qty::new(1), Qty::new(4), Qty::new(5))
    );
    // 1 unallocated + 2 of the backorder (stock arrived).
    o.allocate(1, &f.dallas, Qty::new(3)).unwrap();
    let l = ledger_of(&o, 1);
    assert_eq!(
        (l.unallocated, l.backordered, l.allocated),
        (Qty::ZERO, Qty::new(2), Qty::new(8))
    );
    assert_eq!(o.lines[0].backordered(), Qty::new(2));
    assert_eq!(o.lines[0].allocations.len(), 1, "same location accumulates");
    assert_eq!(o.lines[0].allocated_at(f.dallas.id), Qty::new(8));
    o.allocate(1, &f.reno, Qty::new(2)).unwrap();
    assert_eq!(o.lines[0].allocated_at(f.reno.id), Qty::new(2));
    assert_eq!(o.lines[0].allocated_total(), Qty::new(10));
    assert_eq!(ledger_of(&o, 1).backordered, Qty::ZERO);
    o.check_balanced().unwrap();
}

#[test]
fn allocate_refusals_change_nothing() {
    let f = fx();
    let mut o = order3(&f);
    o.allocate(2, &f.dallas, Qty::new(1)).unwrap();
    o.cancel(2, Qty::new(1)).unwrap();
    // 4 ordered, 1 allocated, 1 cancelled: 2 left.
    let e = refused(&mut o, ErrorCode::OverAllocation, "quantity", |o| {
        o.allocate(2, &f.reno, Qty::new(3))
    });
    assert!(e.message.contains("2 left"), "{}", e.message);
    refused(&mut o, ErrorCode::UnknownReference, "line", |o| {
        o.allocate(9, &f.reno, Qty::new(1))
    });
    o.allocate(2, &f.reno, Qty::new(2)).unwrap();
    refused(&mut o, ErrorCode::OverAllocation, "quantity", |o| {
        o.allocate(2, &f.reno, Qty::new(1))
    });
}

#[test]
fn backorder_records_date_and_history() {
    let f = fx();
    let mut o = order3(&f);
    o.backorder(
        1,
        Qty::new(3),
        Some(date!(2026 - 11 - 20)),
        "supplier short",
        "ops",
        PLACED,
    )
    .unwrap();
    let b = o.lines[0].backorder.clone().unwrap();
    assert_eq!(
        (b.quantity, b.expected, b.set_by.as_str()),
        (Qty::new(3), Some(date!(2026 - 11 - 20)), "ops")
    );
    assert!(b.history.is_empty());
    // More of the same line with a later date: quantity adds up and the move is recorded.
    let at = datetime!(2026-11-04 09:00 UTC);
    o.backorder(
        1,
        Qty::new(2),
        Some(date!(2026 - 11 - 27)),
        "second container late",
        "kim",
        at,
    )
    .unwrap();
    let b = o.lines[0].backorder.clone().unwrap();
    assert_eq!(b.quantity, Qty::new(5));
    assert_eq!(b.expected, Some(date!(2026 - 11 - 27)));
    assert_eq!(b.reason, "second container late");
    assert_eq!(
        b.history,
        [BackorderChange {
            at,
            from: Some(date!(2026 - 11 - 20)),
            to: Some(date!(2026 - 11 - 27)),
            by: "kim".into(),
            reason: "second container late".into()
        }]
    );
    assert_eq!(b.original_expected(), Some(date!(2026 - 11 - 20)));
    let l = ledger_of(&o, 1);
    assert_eq!((l.unallocated, l.backordered), (Qty::new(5), Qty::new(5)));
}

#[test]
fn backorder_refusals_change_nothing() {
    let f = fx();
    let mut o = order3(&f);
    o.allocate(1, &f.dallas, Qty::new(7)).unwrap();
    // Only 3 unallocated; allocated units cannot be backordered.
    refused(&mut o, ErrorCode::OverBackorder, "quantity", |o| {
        o.backorder(1, Qty::new(4), None, "no stock", "ops", PLACED)
    });
    refused(&mut o, ErrorCode::InvalidValue, "reason", |o| {
        o.backorder(1, Qty::new(1), None, "  ", "ops", PLACED)
    });
    refused(&mut o, ErrorCode::UnknownReference, "line", |o| {
        o.backorder(0, Qty::new(1), None, "no stock", "ops", PLACED)
    });
    o.backorder(1, Qty::new(3), None, "no stock", "ops", PLACED).unwrap();
    refused(&mut o, ErrorCode::OverBackorder, "quantity", |o| {
        o.backorder(1, Qty::new(1), None, "no stock", "ops", PLACED)
    });
}

#[test]
fn reschedule_returns_previous_date_and_records_who_and_why() {
    let f = fx();
    let mut o = order3(&f);
    o.backorder(
        3,
        Qty::new(6),
        Some(date!(2026 - 11 - 20)),
        "supplier short",
        "ops",
        PLACED,
    )
    .unwrap();
    let at = datetime!(2026-11-12 08:00 UTC);
    let prev = o
        .reschedule_backorder(3, Some(date!(2026 - 12 - 04)), "vendor delay", "dana", at)
        .unwrap();
    assert_eq!(prev, Some(date!(2026 - 11 - 20)));
    let b = o.lines[2].backorder.as_ref().unwrap();
    assert_eq!(b.expected, Some(date!(2026 - 12 - 04)));
    assert_eq!(b.history.len(), 1);
    let ch = &b.history[0];
    assert_eq!(
        (ch.at, ch.from, ch.to),
        (at, Some(date!(2026 - 11 - 20)), Some(date!(2026 - 12 - 04)))
    );
    assert_eq!((ch.by.as_str(), ch.reason.as_str()), ("dana", "vendor delay"));
    // Same date again: returns it, records nothing.
    let prev = o
        .reschedule_backorder(3, Some(date!(2026 - 12 - 04)), "confirming", "dana", at)
        .unwrap();
    assert_eq!(prev, Some(date!(2026 - 12 - 04)));
    assert_eq!(o.lines[2].backorder.as_ref().unwrap().history.len(), 1);
    assert_eq!(
        o.lines[2].backorder.as_ref().unwrap().original_expected(),
        Some(date!(2026 - 11 - 20))
    );
    assert_eq!(
        ledger_of(&o, 3).backordered,
        Qty::new(6),
        "rescheduling moves no quantity"
    );
}

#[test]
fn reschedule_refusals_change_nothing() {
    let f = fx();
    let mut o = order3(&f);
    let at = datetime!(2026-11-12 08:00 UTC);
    refused(&mut o, ErrorCode::InvalidState, "line", |o| {
        o.reschedule_backorder(1, Some(date!(2026 - 12 - 01)), "vendor delay", "dana", at)
    });
    refused(&mut o, ErrorCode::UnknownReference, "line", |o| {
        o.reschedule_backorder(7, Some(date!(2026 - 12 - 01)), "vendor delay", "dana", at)
    });
    o.backorder(
        1,
        Qty::new(2),
        Some(date!(2026 - 11 - 20)),
        "supplier short",
        "ops",
        PLACED,
    )
    .unwrap();
    refused(&mut o, ErrorCode::InvalidValue, "reason", |o| {
        o.reschedule_backorder(1, None, "", "dana", at)
    });
    // Once the stock arrived and was allocated, nothing is left to reschedule.
    o.allocate(1, &f.dallas, Qty::new(10)).unwrap();
    assert_eq!(o.lines[0].backordered(), Qty::ZERO);
    refused(&mut o, ErrorCode::InvalidState, "line", |o| {
        o.reschedule_backorder(1, Some(date!(2026 - 12 - 01)), "vendor delay", "dana", at)
    });
}

#[test]
fn cancel_takes_unallocated_first_then_backorder() {
    let f = fx();
    let mut o = order3(&f);
    o.allocate(1, &f.dallas, Qty::new(4)).unwrap();
    o.backorder(1, Qty::new(3), None, "no stock", "ops", PLACED).unwrap();
    o.cancel(1, Qty::new(5)).unwrap(); // 3 unallocated + 2 of the backorder
    let l = ledger_of(&o, 1);
    assert_eq!(
        (l.cancelled, l.unallocated, l.backordered, l.allocated),
        (Qty::new(5), Qty::ZERO, Qty::new(1), Qty::new(4))
    );
    assert_eq!(l.active(), Qty::new(5));
    assert_eq!(o.goods_total(), usd_amt("1975.00"), "2420.00 - 5 x 89.00");
    o.check_balanced().unwrap();
}

#[test]
fn cancel_refusals_change_nothing() {
    let f = fx();
    let mut o = order3(&f);
    o.allocate(2, &f.dallas, Qty::new(3)).unwrap();
    let e = refused(&mut o, ErrorCode::OverCancellation, "quantity", |o| {
        o.cancel(2, Qty::new(2))
    });
    assert!(e.message.contains("1 not yet allocated"), "{}", e.message);
    refused(&mut o, ErrorCode::UnknownReference, "line", |o| {
        o.cancel(4, Qty::new(1))
    });
    o.cancel(2, Qty::new(1)).unwrap();
    refused(&mut o, ErrorCode::OverCancellation, "quantity", |o| {
        o.cancel(2, Qty::new(1))
    });
}

// ---------------------------------------------------------------- ship / track / receive

/// The 3-line order with lines 1 and 2 allocated at Dallas, line 3 at Reno.
fn allocated(f: &Fx) -> Order {
    let mut o = order3(f);
    o.allocate(1, &f.dallas, Qty::new(10)).unwrap();
    o.allocate(2, &f.dallas, Qty::new(4)).unwrap();
    o.allocate(3, &f.reno, Qty::new(6)).unwrap();
    o
}

#[test]
fn ship_moves_allocated_to_in_transit() {
    let f = fx();
    let mut o = allocated(&f);
    let s = o.ship(shipment(501, &f.dallas, f.dock, &[(1, 6), (2, 4)])).unwrap();
    assert_eq!(s.id, id(501));
    assert_eq!(
        (s.quantity_of(1), s.quantity_of(2), s.quantity_of(3)),
        (Qty::new(6), Qty::new(4), Qty::ZERO)
    );
    assert_eq!(s.status(), TrackingStatus::Pending);
    assert!(s.receipt.is_none());
    let l = ledger_of(&o, 1);
    assert_eq!(
        (l.allocated, l.in_transit, l.shipped),
        (Qty::new(4), Qty::new(6), Qty::new(6))
    );
    // The rest of line 1 can follow in a second shipment.
    o.ship(shipment(502, &f.dallas, f.dock, &[(1, 4)])).unwrap();
    let l = ledger_of(&o, 1);
    assert_eq!((l.allocated, l.in_transit), (Qty::ZERO, Qty::new(10)));
    o.ship(shipment(503, &f.reno, f.store, &[(3, 6)])).unwrap();
    assert_eq!(o.shipments.len(), 3);
    o.check_balanced().unwrap();
}

#[test]
fn ship_refusals_change_nothing() {
    let f = fx();
    let mut o = allocated(&f);
    o.ship(shipment(501, &f.dallas, f.dock, &[(1, 6)])).unwrap();
    // Line 3 goes to the store, not the dock.
    let e = refused(&mut o, ErrorCode::ShipToMismatch, "lines[1].line", |o| {
        o.ship(shipment(502, &f.dallas, f.dock, &[(2, 1), (3, 1)])).map(|_| ())
    });
    assert!(e.message.contains("line 3"), "{}", e.message);
    // Only 4 of line 1 left at Dallas.
    refused(&mut o, ErrorCode::OverShipment, "lines[0].quantity", |o| {
        o.ship(shipment(502, &f.dallas, f.dock, &[(1, 5)])).map(|_| ())
    });
    // Nothing of line 2 is allocated at Reno.
    refused(&mut o, ErrorCode::OverShipment, "lines[0].quantity", |o| {
        o.ship(shipment(502, &f.reno, f.dock, &[(2, 1)])).map(|_| ())
    });
    refused(&mut o, ErrorCode::UnknownReference, "lines[1].line", |o| {
        o.ship(shipment(502, &f.dallas, f.dock, &[(1, 1), (8, 1)])).map(|_| ())
    });
    refused(&mut o, ErrorCode::InvalidValue, "lines[1].line", |o| {
        o.ship(shipment(502, &f.dallas, f.dock, &[(1, 1), (1, 1)])).map(|_| ())
    });
    refused(&mut o, ErrorCode::InvalidValue, "lines", |o| {
        o.ship(shipment(502, &f.dallas, f.dock, &[])).map(|_| ())
    });
    refused(&mut o, ErrorCode::InvalidValue, "carrier", |o| {
        let mut s = shipment(502, &f.dallas, f.dock, &[(1, 1)]);
        s.carrier = " ".into();
        o.ship(s).map(|_| ())
    });
    refused(&mut o, ErrorCode::InvalidState, "id", |o| {
        o.ship(shipment(501, &f.dallas, f.dock, &[(1, 1)])).map(|_| ())
    });
}

#[test]
fn tracking_moves_units_to_delivered_or_returned() {
    let f = fx();
    let mut o = allocated(&f);
    o.ship(shipment(501, &f.dallas, f.dock, &[(1, 10), (2, 4)])).unwrap();
    o.ship(shipment(502, &f.reno, f.store, &[(3, 6)])).unwrap();
    assert!(
        o.track(
            id(501),
            event(TrackingStatus::InTransit, datetime!(2026-11-06 08:00 UTC))
        )
        .unwrap()
    );
    assert_eq!(ledger_of(&o, 1).in_transit, Qty::new(10));
    let delivered = event(TrackingStatus::Delivered, datetime!(2026-11-08 11:00 UTC));
    assert!(o.track(id(501), delivered.clone()).unwrap());
    assert!(!o.track(id(501), delivered).unwrap(), "an exact repeat changes nothing");
    // An older scan arriving late does not undo the delivery.
    o.track(
        id(501),
        event(TrackingStatus::OutForDelivery, datetime!(2026-11-08 07:00 UTC)),
    )
    .unwrap();
    let l = ledger_of(&o, 2);
    assert_eq!((l.in_transit, l.delivered), (Qty::ZERO, Qty::new(4)));
    assert_eq!(
        o.shipment(id(501)).unwrap().tracking.delivered_at,
        Some(datetime!(2026-11-08 11:00 UTC))
    );
    o.track(
        id(502),
        event(TrackingStatus::ReturnedToSender, datetime!(2026-11-09 11:00 UTC)),
    )
    .unwrap();
    let l = ledger_of(&o, 3);
    assert_eq!(
        (l.in_transit, l.delivered, l.returned, l.shipped),
        (Qty::ZERO, Qty::ZERO, Qty::new(6), Qty::new(6))
    );
    assert_eq!(l.open(), Qty::ZERO);
    o.check_balanced().unwrap();
}

#[test]
fn track_unknown_shipment_is_refused() {
    let f = fx();
    let mut o = allocated(&f);
    o.ship(shipment(501, &f.dallas, f.dock, &[(1, 10)])).unwrap();
    refused(&mut o, ErrorCode::UnknownReference, "shipment_id", |o| {
        o.track(
            id(777),
            event(TrackingStatus::Delivered, datetime!(2026-11-08 11:00 UTC)),
        )
    });
}

#[test]
fn receive_records_what_arrived() {
    let f = fx();
    let mut o = allocated(&f);
    o.ship(shipment(501, &f.dallas, f.dock, &[(1, 10), (2, 4)])).unwrap();
    o.track(
        id(501),
        event(TrackingStatus::Delivered, datetime!(2026-11-08 11:00 UTC)),
    )
    .unwrap();
    assert_eq!(ledger_of(&o, 1).received, None);
    o.receive(id(501), receipt(&[(1, 8, 1, 0), (2, 4, 0, 0)])).unwrap();
    let s = o.shipment(id(501)).unwrap();
    assert_eq!(s.received_of(1), Some(Qty::new(8)));
    assert_eq!(ledger_of(&o, 1).received, Some(Qty::new(8)));
    assert_eq!(ledger_of(&o, 2).received, Some(Qty::new(4)));
    assert_eq!(ledger_of(&o, 3).received, None);
    assert_eq!(
        ledger_of(&o, 1).delivered,
        Qty::new(10),
        "receipts do not move the ledger buckets"
    );
    o.check_balanced().unwrap();
}

#[test]
fn receive_refusals_change_nothing() {
    let f = fx();
    let mut o = allocated(&f);
    o.ship(shipment(501, &f.dallas, f.dock, &[(1, 10)])).unwrap();
    let e = refused(&mut o, ErrorCode::OverReceipt, "lines[0]", |o| {
        o.receive(id(501), receipt(&[(1, 9, 1, 1)]))
    });
    assert!(e.message.contains("shipped 10"), "{}", e.message);
    refused(&mut o, ErrorCode::UnknownReference, "shipment_id", |o| {
        o.receive(id(777), receipt(&[(1, 1, 0, 0)]))
    });
    refused(&mut o, ErrorCode::UnknownReference, "lines[1].line", |o| {
        o.receive(id(501), receipt(&[(1, 1, 0, 0), (2, 1, 0, 0)]))
    });
    refused(&mut o, ErrorCode::InvalidValue, "lines[1].line", |o| {
        o.receive(id(501), receipt(&[(1, 1, 0, 0), (1, 1, 0, 0)]))
    });
    refused(&mut o, ErrorCode::InvalidValue, "lines", |o| {
        o.receive(id(501), receipt(&[]))
    });
    // A valid receipt, then a refused correction leaves the first receipt in place.
    o.receive(id(501), receipt(&[(1, 10, 0, 0)])).unwrap();
    refused(&mut o, ErrorCode::OverReceipt, "lines[0]", |o| {
        o.receive(id(501), receipt(&[(1, 11, 0, 0)]))
    });
    assert_eq!(o.shipment(id(501)).unwrap().received_of(1), Some(Qty::new(10)));
}

#[test]
fn snapshot_round_trips_through_serde() {
    let f = fx();
    let mut o = order3(&f);
    o.allocate(1, &f.dallas, Qty::new(10)).unwrap();
    o.backorder(
        2,
        Qty::new(2),
        Some(date!(2026 - 11 - 20)),
        "supplier short",
        "ops",
        PLACED,
    )
    .unwrap();
    o.reschedule_backorder(2, Some(date!(2026 - 11 - 27)), "vendor delay", "dana", PLACED)
        .unwrap();
    o.cancel(3, Qty::new(1)).unwrap();
    o.ship(shipment(501, &f.dallas, f.dock, &[(1, 10)])).unwrap();
    o.track(
        id(501),
        event(TrackingStatus::Delivered, datetime!(2026-11-08 11:00 UTC)),
    )
    .unwrap();
    o.receive(id(501), receipt(&[(1, 10, 0, 0)])).unwrap();
    let json = serde_json::to_string(&o).unwrap();
    let back: Order = serde_json::from_str(&json).unwrap();
    assert_eq!(back, o);
}

// ---------------------------------------------------------------- property: the ledger always balances

/// A random command. Quantities are drawn as a percentage of what the current state allows
/// (past 100% means too much), so that valid and invalid commands are both common.
#[derive(Debug, Clone)]
enum Op {
    /// `line` 4 does not exist.
    Allocate {
        line: u32,
        loc: usize,
        pct: u32,
    },
    Backorder {
        line: u32,
        pct: u32,
        days: Option<i64>,
    },
    Reschedule {
        line: u32,
        days: Option<i64>,
    },
    Cancel {
        line: u32,
        pct: u32,
    },
    /// Ships a subset (`mask`) of the dock lines (1, 2) or of the store line (3) from `loc`
    /// (or from where the first line has stock when `loc` is `None`) to their ship-to, or to the
    /// other location when `wrong_to`; `extra_line` adds one unit of line 2, 3 or 4 (a duplicate,
    /// another location's line or an unknown line).
    Ship {
        store: bool,
        mask: u8,
        loc: Option<usize>,
        pcts: [u32; 2],
        wrong_to: bool,
        extra_line: Option<u32>,
    },
    /// `shipment: None` is an unknown shipment id.
    Track {
        shipment: Option<usize>,
        status: usize,
        hours: i64,
    },
    Receive {
        shipment: Option<usize>,
        mask: u8,
        pct: u32,
        damaged: u32,
        wrong: u32,
        extra_line: Option<u32>,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let line = prop_oneof![9 => 1u32..=3, 1 => Just(4u32)];
    let pct = prop_oneof![4 => 0u32..=100, 1 => 101u32..=200];
    let days = proptest::option::weighted(0.8, 0i64..40);
    let known = |p| proptest::option::weighted(p, 0usize..8);
    let extra = proptest::option::weighted(0.1, 2u32..=4);
    prop_oneof![
        4 => (line.clone(), 0usize..2, pct.clone()).prop_map(|(line, loc, pct)| Op::Allocate { line, loc, pct }),
        2 => (line.clone(), pct.clone(), days.clone()).prop_map(|(line, pct, days)| Op::Backorder { line, pct, days }),
        1 => (line.clone(), days).prop_map(|(line, days)| Op::Reschedule { line, days }),
        1 => (line, pct.clone()).prop_map(|(line, pct)| Op::Cancel { line, pct }),
        4 => (any::<bool>(), 1u8..4, proptest::option::weighted(0.3, 0usize..2), [pct.clone(), pct.clone()],
              proptest::bool::weighted(0.1), extra.clone())
            .prop_map(|(store, mask, loc, pcts, wrong_to, extra_line)| Op::Ship { store, mask, loc, pcts, wrong_to, extra_line }),
        3 => (known(0.9), 0..TrackingStatus::ALL.len(), 0i64..240)
            .prop_map(|(shipment, status, hours)| Op::Track { shipment, status, hours }),
        2 => (known(0.9), 0u8..4, pct, 0u32..3, 0u32..2, extra)
            .prop_map(|(shipment, mask, pct, damaged, wrong, extra_line)| Op::Receive { shipment, mask, pct, damaged, wrong, extra_line }),
    ]
}

/// `pct` percent of `of`, rounded up, and at least one unit.
fn share(of: Qty, pct: u32) -> Qty {
    Qty::new((of.get() * pct).div_ceil(100).max(1))
}

fn open_at(o: &Order, line: u32, loc: &FulfilmentLocation) -> Qty {
    o.line(line).map_or(Qty::ZERO, |l| {
        l.allocated_at(loc.id).saturating_sub(o.shipped_from(line, loc.id))
    })
}

/// Applies `op` at step `step`; returns the result and, where the rule is simple, whether the
/// command should have been accepted.
fn apply(f: &Fx, o: &mut Order, op: &Op, step: usize) -> (Result<()>, Option<bool>) {
    let locs = [&f.dallas, &f.reno];
    let base = datetime!(2026-11-03 00:00 UTC);
    let at = base + time::Duration::hours(i64::try_from(step).unwrap());
    let day = |d: Option<i64>| d.map(|d| date!(2026 - 11 - 10) + time::Duration::days(d));
    let pre = o.clone();
    let ledger = |line: u32| pre.line(line).map(|l| pre.ledger(l));
    let sid = |i: Option<usize>| match i {
        Some(i) if !pre.shipments.is_empty() => pre.shipments[i % pre.shipments.len()].id,
        _ => id(0xdead),
    };
    match op {
        Op::Allocate { line, loc, pct } => {
            let avail = ledger(*line).map_or(Qty::ZERO, |l| l.unallocated + l.backordered);
            let qty = share(avail, *pct);
            (
                o.allocate(*line, locs[*loc], qty),
                Some(ledger(*line).is_some() && qty <= avail),
            )
        }
        Op::Backorder { line, pct, days } => {
            let avail = ledger(*line).map_or(Qty::ZERO, |l| l.unallocated);
            let qty = share(avail, *pct);
            let r = o.backorder(*line, qty, day(*days), "supplier short", "ops", at);
            (r, Some(ledger(*line).is_some() && qty <= avail))
        }
        Op::Reschedule { line, days } => {
            let r = o
                .reschedule_backorder(*line, day(*days), "vendor delay", "ops", at)
                .map(|_| ());
            (r, Some(pre.line(*line).is_some_and(|l| !l.backordered().is_zero())))
        }
        Op::Cancel { line, pct } => {
            let avail = ledger(*line).map_or(Qty::ZERO, |l| l.unallocated + l.backordered);
            let qty = share(avail, *pct);
            (o.cancel(*line, qty), Some(ledger(*line).is_some() && qty <= avail))
        }
        Op::Ship {
            store,
            mask,
            loc,
            pcts,
            wrong_to,
            extra_line,
        } => {
            let (group, mut to, other): (&[u32], _, _) = if *store {
                (&[3], f.store, f.dock)
            } else {
                (&[1, 2], f.dock, f.store)
            };
            if *wrong_to {
                to = other;
            }
            let chosen: Vec<u32> = group
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, l)| *l)
                .collect();
            let chosen = if chosen.is_empty() { vec![group[0]] } else { chosen };
            let from = match loc {
                Some(i) => locs[*i],
                None => *locs.iter().max_by_key(|l| open_at(&pre, chosen[0], l)).unwrap(),
            };
            // Lines with nothing open here are dropped, unless that leaves nothing to ship.
            let open: Vec<u32> = chosen
                .iter()
                .copied()
                .filter(|l| !open_at(&pre, *l, from).is_zero())
                .collect();
            let chosen = if open.is_empty() { vec![chosen[0]] } else { open };
            let mut lines: Vec<(u32, u32)> = chosen
                .iter()
                .zip(pcts)
                .map(|(l, p)| (*l, share(open_at(&pre, *l, from), *p).get()))
                .collect();
            if let Some(x) = extra_line {
                lines.push((*x, 1));
            }
            let n = u128::try_from(step).unwrap() + 1000;
            let mut s = shipment(n, from, to, &lines);
            s.shipped_at = at;
            (o.ship(s).map(|_| ()), None)
        }
        Op::Track {
            shipment,
            status,
            hours,
        } => {
            let ev = event(TrackingStatus::ALL[*status], base + time::Duration::hours(*hours));
            (
                o.track(sid(*shipment), ev).map(|_| ()),
                Some(shipment.is_some() && !pre.shipments.is_empty()),
            )
        }
        Op::Receive {
            shipment,
            mask,
            pct,
            damaged,
            wrong,
            extra_line,
        } => {
            let s = pre.shipment(sid(*shipment));
            let mut lines: Vec<(u32, u32, u32, u32)> = s.map_or(vec![], |s| {
                s.lines
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| mask & (1 << i) != 0)
                    .map(|(_, l)| {
                        let r = (l.quantity.get() * pct).div_ceil(100);
                        (l.line, r.saturating_sub(damaged + wrong), *damaged, *wrong)
                    })
                    .collect()
            });
            if let Some(x) = extra_line {
                lines.push((*x, 1, 0, 0));
            }
            (o.receive(sid(*shipment), receipt(&lines)), None)
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn ledger_stays_balanced_and_refusals_change_nothing(ops in proptest::collection::vec(op(), 1..=40)) {
        let f = fx();
        let mut o = order3(&f);
        for (step, op) in ops.iter().enumerate() {
            let before = o.clone();
            let pre = |line: u32| before.ledger(before.line(line).unwrap());
            let (result, expected_ok) = apply(&f, &mut o, op, step);
            if let Some(ok) = expected_ok {
                prop_assert_eq!(result.is_ok(), ok, "step {}: {:?} gave {:?}", step, op, result);
            }
            match &result {
                Err(_) => prop_assert_eq!(&o, &before, "step {}: refused {:?} changed the order", step, op),
                Ok(()) => match op {
                    Op::Allocate { line, .. } => {
                        let (b, a) = (pre(*line), ledger_of(&o, *line));
                        let qty = a.allocated.get() - b.allocated.get();
                        prop_assert!(qty > 0);
                        prop_assert_eq!((a.unallocated + a.backordered).get() + qty, (b.unallocated + b.backordered).get());
                        prop_assert_eq!(a.in_transit + a.delivered + a.returned, b.in_transit + b.delivered + b.returned);
                    }
                    Op::Cancel { line, .. } => {
                        let (b, a) = (pre(*line), ledger_of(&o, *line));
                        let qty = a.cancelled.get() - b.cancelled.get();
                        prop_assert!(qty > 0);
                        prop_assert_eq!((a.unallocated + a.backordered).get() + qty, (b.unallocated + b.backordered).get());
                        prop_assert_eq!(a.allocated, b.allocated);
                    }
                    Op::Backorder { line, .. } => {
                        let (b, a) = (pre(*line), ledger_of(&o, *line));
                        prop_assert!(a.backordered > b.backordered);
                        prop_assert_eq!(a.unallocated + a.backordered, b.unallocated + b.backordered);
                    }
                    Op::Ship { .. } => {
                        prop_assert_eq!(o.shipments.len(), before.shipments.len() + 1);
                        let s = o.shipments.last().unwrap();
                        for sl in &s.lines {
                            let line = o.line(sl.line).unwrap();
                            prop_assert_eq!(line.ship_to, s.to);
                            prop_assert!(o.shipped_from(sl.line, s.from) <= line.allocated_at(s.from));
                            prop_assert_eq!(ledger_of(&o, sl.line).shipped, pre(sl.line).shipped + sl.quantity);
                        }
                    }
                    _ => {}
                },
            }
            prop_assert!(o.check_balanced().is_ok(), "step {}: {:?}: {:?}", step, op, o.check_balanced());
            for line in &o.lines {
                let l = o.ledger(line);
                let sum = l.cancelled + l.unallocated + l.backordered + l.allocated + l.in_transit + l.delivered + l.returned;
                prop_assert_eq!(sum, l.ordered, "step {}: line {} {:?}", step, line.no, l);
                prop_assert_eq!(l.ordered, line.quantity);
                prop_assert_eq!(l.shipped, l.in_transit + l.delivered + l.returned);
                prop_assert_eq!(l.backordered, line.backordered());
                if let Some(r) = l.received {
                    prop_assert!(r <= l.shipped, "received {} > shipped {}", r, l.shipped);
                }
            }
        }
    }
}

mod change_props;
