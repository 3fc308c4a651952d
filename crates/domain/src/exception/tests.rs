//! The rules as functions of (record, now): a cause holds, and stops holding when the fact clears.

use super::*;
use crate::order::{Receipt, ReceiptLine, ShipmentLine};
use crate::quantity::Qty;
use crate::tracking::{TrackingEvent, TrackingState};
use time::macros::{date, datetime};

const SHIPPED: OffsetDateTime = datetime!(2026-11-02 10:00 UTC);

fn shipment() -> Shipment {
    Shipment {
        id: ShipmentId(Uuid::from_u128(7)),
        from: Uuid::from_u128(8).into(),
        to: Uuid::from_u128(9).into(),
        lines: vec![ShipmentLine {
            line: 1,
            quantity: Qty::new(10),
        }],
        carrier: "UPS".into(),
        service: None,
        tracking_number: Some("1Z999".into()),
        tracking_url: None,
        packing_slip: None,
        shipped_at: SHIPPED,
        promised_delivery: Some(date!(2026 - 11 - 05)),
        estimated_delivery: None,
        tracking: TrackingState::default(),
        receipt: None,
    }
}

fn who() -> (OrderId, &'static str, AccountId) {
    (OrderId(Uuid::from_u128(1)), "SO-1", AccountId(Uuid::from_u128(2)))
}

fn scan(s: &mut Shipment, status: TrackingStatus, at: OffsetDateTime) {
    s.tracking.apply(TrackingEvent {
        status,
        occurred_at: at,
        location: Some("Memphis".into()),
        description: None,
        carrier_status: None,
    });
}

fn kinds(c: &[Cause]) -> Vec<ExceptionKind> {
    c.iter().map(|c| c.kind).collect()
}

#[test]
fn a_quiet_parcel_stalls_after_the_threshold_and_a_new_scan_clears_it() {
    let th = Thresholds::default();
    let mut s = shipment();
    scan(&mut s, TrackingStatus::InTransit, datetime!(2026-11-02 12:00 UTC));
    let now = datetime!(2026-11-05 11:00 UTC);
    assert!(shipment_causes(who(), &s, "Memphis DC", now, &th).is_empty());
    let later = datetime!(2026-11-05 13:00 UTC);
    let c = shipment_causes(who(), &s, "Memphis DC", later, &th);
    assert_eq!(kinds(&c), vec![ExceptionKind::TrackingStalled]);
    let key = c[0].key.clone();
    // Asking again gives the same key: one occurrence, one exception.
    assert_eq!(
        shipment_causes(who(), &s, "Memphis DC", later + Duration::hours(1), &th)[0].key,
        key
    );
    scan(&mut s, TrackingStatus::InTransit, datetime!(2026-11-05 14:00 UTC));
    assert!(shipment_causes(who(), &s, "Memphis DC", datetime!(2026-11-05 15:00 UTC), &th).is_empty());
}

#[test]
fn a_carrier_exception_past_the_promise_is_late_with_the_reason_and_delivery_clears_both() {
    let th = Thresholds::default();
    let mut s = shipment();
    scan(&mut s, TrackingStatus::Exception, datetime!(2026-11-04 09:00 UTC));
    let now = datetime!(2026-11-07 08:00 UTC);
    let c = shipment_causes(who(), &s, "Memphis DC", now, &th);
    assert_eq!(
        kinds(&c),
        vec![ExceptionKind::CarrierException, ExceptionKind::ShipmentLate]
    );
    assert_eq!(
        c[1].customer_text.as_deref(),
        Some("Your delivery to Memphis DC is 2 days late: carrier exception")
    );
    assert!(c.iter().all(|c| c.kind.customer_facing()));
    scan(&mut s, TrackingStatus::Delivered, datetime!(2026-11-07 09:00 UTC));
    assert!(shipment_causes(who(), &s, "Memphis DC", now + Duration::days(3), &th).is_empty());
}

#[test]
fn a_stall_threshold_is_configurable() {
    let th = Thresholds {
        stall_after: Duration::days(1),
        ..Thresholds::default()
    };
    let s = shipment();
    let c = shipment_causes(who(), &s, "Memphis DC", SHIPPED + Duration::hours(25), &th);
    assert_eq!(kinds(&c), vec![ExceptionKind::TrackingStalled]);
}

#[test]
fn a_damaged_receipt_is_a_cause_and_a_clean_one_is_not() {
    let mut s = shipment();
    scan(&mut s, TrackingStatus::Delivered, datetime!(2026-11-04 09:00 UTC));
    let mut r = Receipt {
        at: datetime!(2026-11-04 10:00 UTC),
        by: "Dana".into(),
        lines: vec![ReceiptLine {
            line: 1,
            received: Qty::new(10),
            damaged: Qty::new(0),
            wrong_item: Qty::new(0),
            note: None,
        }],
    };
    s.receipt = Some(r.clone());
    assert!(receipt_causes(who(), &s, "Memphis DC").is_empty());
    r.lines[0].received = Qty::new(8);
    r.lines[0].damaged = Qty::new(2);
    s.receipt = Some(r);
    let c = receipt_causes(who(), &s, "Memphis DC");
    assert_eq!(kinds(&c), vec![ExceptionKind::DeliveryShortOrDamaged]);
    assert!(c[0].explanation.contains("2 damaged"), "{}", c[0].explanation);
}

#[test]
fn states_move_forward_only_and_auto_resolution_never_reopens_or_overrides_a_person() {
    let th = Thresholds::default();
    let s = shipment();
    let now = SHIPPED + Duration::days(4);
    let c = shipment_causes(who(), &s, "Memphis DC", now, &th).remove(0);
    let mut e = Exception::raise(ExceptionId(Uuid::from_u128(5)), c, now);
    assert_eq!(e.owner, Team::Operations);
    assert_eq!(e.state, ExceptionState::Open);
    e.acknowledge("Ann", now).unwrap();
    e.assign(Some("ann@seller.example".into()), "Ann", now).unwrap();
    assert_eq!(e.state, ExceptionState::Acknowledged);
    e.resolve("Ann", Some("reshipped".into()), now).unwrap();
    assert!(
        !e.auto_resolve("delivered", now),
        "a resolved exception stays resolved by its person"
    );
    assert_eq!(e.state, ExceptionState::Resolved);
    assert_eq!(e.acknowledge("Ann", now).unwrap_err().field, "state");
    assert!(e.assign(None, "Ann", now).is_err());
    assert!(e.resolve("Ann", None, now).is_err());
}

#[test]
fn kinds_and_teams_round_trip_their_names() {
    for k in ExceptionKind::ALL {
        assert_eq!(ExceptionKind::parse(k.as_str()), Some(k));
    }
    for t in Team::ALL {
        assert_eq!(Team::parse(t.as_str()), Some(t));
    }
    for s in ExceptionState::ALL {
        assert_eq!(ExceptionState::parse(s.as_str()), Some(s));
    }
    assert_eq!(ExceptionKind::parse("nope"), None);
}

#[test]
fn a_change_request_waits_past_the_threshold_once_and_clears_when_decided() {
    let th = Thresholds::default();
    let (req, acct, order) = (
        Uuid::from_u128(41),
        AccountId(Uuid::from_u128(42)),
        OrderId(Uuid::from_u128(43)),
    );
    let routed = datetime!(2026-11-20 09:00 UTC);
    let at = |now| change_request_causes(req, "CR-1001", acct, (order, "SO-1"), Some(routed), now, &th);
    assert!(at(datetime!(2026-11-21 08:59 UTC)).is_empty(), "23h59m: not yet");
    let c = at(datetime!(2026-11-21 10:00 UTC));
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].kind, ExceptionKind::ChangeRequestWaiting);
    assert_eq!(c[0].subject, Subject::ChangeRequest(req));
    assert!(c[0].explanation.contains("25 hours"), "{}", c[0].explanation);
    // Later: the same key (one exception per request), the wait in days.
    let later = at(datetime!(2026-11-24 10:00 UTC));
    assert_eq!(later[0].key, c[0].key);
    assert!(later[0].explanation.contains("4 days"), "{}", later[0].explanation);
    // Decided (no longer waiting): no cause, so the open exception resolves itself.
    assert!(
        change_request_causes(
            req,
            "CR-1001",
            acct,
            (order, "SO-1"),
            None,
            datetime!(2026-11-24 10:00 UTC),
            &th
        )
        .is_empty()
    );
}
