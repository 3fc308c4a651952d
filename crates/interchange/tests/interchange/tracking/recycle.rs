//! The recycled-number rule: each limit, its boundary, and the order they are checked in.

use aftercart_interchange::tracking::{RecycleRule, Recycled, ShipmentWindow, may_attach};
use proptest::prelude::*;
use time::Duration;
use time::macros::datetime;

fn shipped() -> ShipmentWindow {
    ShipmentWindow {
        shipped_at: datetime!(2026-03-01 12:00 UTC),
        delivered_at: None,
        last_event_at: None,
    }
}

#[test]
fn scans_inside_the_window_attach() {
    let rule = RecycleRule::default();
    let w = shipped();
    for at in [
        datetime!(2026-03-01 12:00 UTC),
        datetime!(2026-02-26 12:00 UTC), // the label scan, 3 days early: the grace's edge
        datetime!(2026-06-29 12:00 UTC), // 120 days after shipping: the limit's edge
    ] {
        assert_eq!(may_attach(&rule, &w, at), Ok(()), "{at}");
    }
}

#[test]
fn each_limit_names_its_reason() {
    let rule = RecycleRule::default();
    let w = shipped();
    assert_eq!(
        may_attach(&rule, &w, datetime!(2025-12-01 12:00 UTC)),
        Err(Recycled::BeforeShipment { by: Duration::days(87) })
    );
    assert_eq!(
        may_attach(&rule, &w, datetime!(2026-06-30 12:00 UTC)),
        Err(Recycled::LongAfterShipment { by: Duration::days(1) })
    );
    let delivered = ShipmentWindow {
        delivered_at: Some(datetime!(2026-03-05 12:00 UTC)),
        ..w
    };
    assert_eq!(may_attach(&rule, &delivered, datetime!(2026-04-04 12:00 UTC)), Ok(()));
    let late = may_attach(&rule, &delivered, datetime!(2026-04-14 12:00 UTC));
    assert_eq!(late, Err(Recycled::LongAfterDelivery { by: Duration::days(10) }));
    assert!(late.unwrap_err().reason().contains("10 days"));
    let silent = ShipmentWindow {
        last_event_at: Some(datetime!(2026-03-10 12:00 UTC)),
        ..w
    };
    assert_eq!(
        may_attach(&rule, &silent, datetime!(2026-05-19 12:00 UTC)),
        Err(Recycled::AfterLongSilence { by: Duration::days(10) })
    );
    // Delivery is checked before the shipping limit: the nearer cause is named.
    assert!(matches!(
        may_attach(&rule, &delivered, datetime!(2026-12-01 12:00 UTC)),
        Err(Recycled::LongAfterDelivery { .. })
    ));
    // A stricter rule.
    let tight = RecycleRule {
        before_ship_grace: Duration::ZERO,
        ..rule
    };
    assert!(may_attach(&tight, &w, datetime!(2026-03-01 11:59 UTC)).is_err());
}

proptest! {
    /// Whatever the shipment, a scan at its ship time attaches, and a scan a year earlier never does.
    #[test]
    fn ship_time_attaches(offset_days in 0i64..400, delivered_after in proptest::option::of(0i64..60)) {
        let shipped_at = datetime!(2025-01-01 0:00 UTC) + Duration::days(offset_days);
        let w = ShipmentWindow {
            shipped_at,
            delivered_at: delivered_after.map(|d| shipped_at + Duration::days(d)),
            last_event_at: Some(shipped_at),
        };
        let rule = RecycleRule::default();
        prop_assert_eq!(may_attach(&rule, &w, shipped_at), Ok(()));
        let is_before = matches!(
            may_attach(&rule, &w, shipped_at - Duration::days(365)),
            Err(Recycled::BeforeShipment { .. })
        );
        prop_assert!(is_before);
    }
}
