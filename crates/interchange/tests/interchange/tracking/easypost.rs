//! EasyPost's own samples: two tracker.updated Events and a bare Tracker.

use crate::samples::sample;
use aftercart_domain::tracking::TrackingStatus;
use aftercart_interchange::tracking::{Provider, TimeBasis, TrackingError, parse_easypost, parse_webhook};
use time::macros::{date, datetime};

#[test]
fn fedex_event_body() {
    let u = parse_easypost(&sample("carrier-tracking/easypost/event-body.json")).unwrap();
    assert_eq!(u.provider, Provider::EasyPost);
    assert_eq!(u.tracking_number, "1");
    assert_eq!(u.carrier.as_deref(), Some("FedEx"));
    assert_eq!(u.notification_id.as_deref(), Some("evt_1"));
    assert_eq!(u.status, Some(TrackingStatus::InTransit));
    assert_eq!(u.carrier_status.status, "in_transit");
    assert_eq!(u.carrier_status.detail.as_deref(), Some("arrived_at_facility"));
    // The carrier's local estimate, not the UTC stamp EasyPost derives.
    assert_eq!(u.estimated_delivery, Some(date!(2024 - 08 - 05)));
    assert_eq!(u.updated_at, Some(datetime!(2024-08-02 19:26:51 UTC)));
    assert_eq!(u.events.len(), 7);

    let first = &u.events[0];
    assert_eq!(first.status, Some(TrackingStatus::InfoReceived), "pre_transit");
    assert_eq!(first.carrier_status.status, "pre_transit");
    assert_eq!(first.carrier_status.detail.as_deref(), Some("label_created"));
    assert_eq!(first.carrier_status.code.as_deref(), Some("OC"));
    assert_eq!(first.message.as_deref(), Some("Shipment information sent to FedEx"));
    assert_eq!(first.location.as_deref(), Some("32837, US"));
    assert_eq!(first.occurred_at, datetime!(2024-07-31 15:00 UTC));
    assert_eq!(first.time_basis, TimeBasis::Exact);
    assert_eq!(first.notification_id.as_deref(), Some("evt_1"));

    let last = u.events.last().unwrap();
    assert_eq!(last.location.as_deref(), Some("EDISON, NJ 08817, US"));
    assert_eq!(last.carrier_status.code.as_deref(), Some("AR"));
    assert_eq!(last.occurred_at, datetime!(2024-08-02 18:50 UTC));
    assert!(u.events.windows(2).all(|w| w[0].occurred_at <= w[1].occurred_at));
    assert!(
        u.events
            .iter()
            .all(|e| e.tracking_number == "1" && e.carrier.as_deref() == Some("FedEx"))
    );
    // The dispatcher reads the same.
    assert_eq!(
        parse_webhook(Provider::EasyPost, &sample("carrier-tracking/easypost/event-body.json")).unwrap(),
        u
    );
}

#[test]
fn ups_delivered_event_from_the_docs() {
    let u = parse_easypost(&sample("carrier-tracking/easypost/tracking-webhook.json")).unwrap();
    assert_eq!(u.tracking_number, "EZ4000000004");
    assert_eq!(u.carrier.as_deref(), Some("UPS"));
    assert_eq!(u.status, Some(TrackingStatus::Delivered));
    assert_eq!(u.carrier_status.detail, None);
    assert_eq!(u.estimated_delivery, Some(date!(2014 - 11 - 27)));
    assert_eq!(u.events.len(), 6);
    // The docs' delivered scan is stamped before the others; oldest-first puts it first.
    let delivered = &u.events[0];
    assert_eq!(delivered.status, Some(TrackingStatus::Delivered));
    assert_eq!(delivered.message.as_deref(), Some("DELIVERED"));
    assert_eq!(delivered.location.as_deref(), Some("SAN FRANCISCO, CA, US"));
    let ofd = u
        .events
        .iter()
        .find(|e| e.status == Some(TrackingStatus::OutForDelivery))
        .unwrap();
    assert_eq!(ofd.occurred_at, datetime!(2014-11-24 08:10 UTC));
    // A location with nothing in it is no location.
    let billing = u
        .events
        .iter()
        .find(|e| e.message.as_deref() == Some("BILLING INFORMATION RECEIVED"))
        .unwrap();
    assert_eq!(billing.location, None);
    assert_eq!(billing.status, Some(TrackingStatus::InfoReceived));
}

#[test]
fn bare_tracker_has_no_notification_id() {
    let u = parse_easypost(&sample("carrier-tracking/easypost/trackers-retrieve.json")).unwrap();
    assert_eq!(u.tracking_number, "EZ1000000001");
    assert_eq!(u.carrier.as_deref(), Some("USPS"));
    assert_eq!(u.notification_id, None);
    assert_eq!(u.status, Some(TrackingStatus::InfoReceived));
    assert_eq!(u.carrier_status.detail.as_deref(), Some("status_update"));
    assert_eq!(u.estimated_delivery, Some(date!(2025 - 05 - 09)));
    assert_eq!(u.events.len(), 2);
    assert_eq!(u.events[1].message.as_deref(), Some("Shipping Label Created"));
    assert_eq!(u.events[1].location.as_deref(), Some("HOUSTON, TX 77063"));
    assert_eq!(u.events[1].carrier_status.code, None, "an empty carrier_code is none");
    assert_eq!(u.events[0].carrier.as_deref(), Some("USPS"), "from the detail's source");
}

#[test]
fn other_events_and_broken_bodies() {
    let batch =
        br#"{"object":"Event","description":"batch.updated","id":"evt_2","result":{"object":"Batch","id":"batch_1"}}"#;
    assert!(matches!(parse_easypost(batch), Err(TrackingError::NotTracking(m)) if m.contains("batch.updated")));
    assert!(matches!(
        parse_easypost(br#"{"object":"Refund"}"#),
        Err(TrackingError::NotTracking(_))
    ));

    let err = |body: &str| match parse_easypost(body.as_bytes()) {
        Err(TrackingError::Invalid { path, reason }) => format!("{path}: {reason}"),
        other => panic!("{other:?}"),
    };
    assert_eq!(err("[1]"), "body: the body is not a JSON object");
    assert!(err("{").starts_with("body: not JSON"));
    assert_eq!(
        err(r#"{"object":"Tracker","status":"delivered"}"#),
        "tracking_code: missing"
    );
    assert_eq!(
        err(
            r#"{"object":"Tracker","tracking_code":"X","status":"delivered","tracking_details":[{"status":"delivered","datetime":"yesterday"}]}"#
        ),
        "tracking_details[0].datetime: 'yesterday' is not an ISO 8601 timestamp"
    );
    assert_eq!(
        err(r#"{"object":"Tracker","tracking_code":"X","status":"delivered","tracking_details":[7]}"#),
        "tracking_details[0]: expected an object"
    );
    assert_eq!(
        err(r#"{"object":"Event","id":"e","result":{"object":"Tracker","tracking_code":["X"],"status":"x"}}"#),
        "result.tracking_code: expected text"
    );
    // A status no table knows is kept, unmapped.
    let u = parse_easypost(br#"{"object":"Tracker","tracking_code":"X","status":"teleported"}"#).unwrap();
    assert_eq!((u.status, u.carrier_status.status.as_str()), (None, "teleported"));
    assert!(u.events.is_empty());
}
