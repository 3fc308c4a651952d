//! AfterShip publishes no sample webhook to copy; these bodies are written here from its
//! documented shape (webhook envelope `event`, `event_id`, `ts`, `msg` = the Tracking object
//! with `tag`, `subtag`, `subtag_message`, estimated delivery objects and `checkpoints[]`).

use aftercart_domain::tracking::TrackingStatus;
use aftercart_interchange::tracking::{Provider, TimeBasis, TrackingError, parse_aftership, parse_webhook};
use time::macros::{date, datetime};

const IN_TRANSIT: &str = r#"{
  "event": "tracking_update",
  "event_id": "4f0e9a1c-3c1e-4b2a-9d55-0c1b2f7e6a10",
  "is_tracking_first_tag": false,
  "ts": 1717400000,
  "msg": {
    "id": "bff5a3bac79b472991a204172473a635",
    "tracking_number": "61293150000079650811",
    "slug": "fedex",
    "tag": "InTransit",
    "subtag": "InTransit_002",
    "subtag_message": "Acceptance scan",
    "updated_at": "2024-06-03T07:33:20+00:00",
    "courier_estimated_delivery_date": {
      "estimated_delivery_date": "2024-06-05",
      "estimated_delivery_date_min": null,
      "estimated_delivery_date_max": null
    },
    "aftership_estimated_delivery_date": {"estimated_delivery_date": "2024-06-06"},
    "checkpoints": [
      {
        "slug": "fedex",
        "created_at": "2024-06-01T10:05:00+00:00",
        "checkpoint_time": "2024-06-01",
        "tag": "InfoReceived",
        "subtag": "InfoReceived_001",
        "subtag_message": "Info Received",
        "message": "Shipment information sent to FedEx",
        "raw_tag": "OC"
      },
      {
        "slug": "fedex",
        "checkpoint_time": "2024-06-02T18:40:00",
        "city": "MEMPHIS",
        "state": "TN",
        "zip": "38118",
        "country_iso3": "USA",
        "tag": "InTransit",
        "subtag": "InTransit_002",
        "subtag_message": "Acceptance scan",
        "message": "Picked up",
        "raw_tag": "PU"
      },
      {
        "slug": "fedex",
        "checkpoint_time": "2024-06-03T09:15:00+02:00",
        "location": "Frankfurt Hub, DE",
        "tag": "InTransit",
        "subtag": "InTransit_007",
        "message": "Departed FedEx hub"
      }
    ]
  }
}"#;

#[test]
fn tracking_update_with_every_time_form() {
    let u = parse_aftership(IN_TRANSIT.as_bytes()).unwrap();
    assert_eq!(u.provider, Provider::AfterShip);
    assert_eq!(u.tracking_number, "61293150000079650811");
    assert_eq!(u.carrier.as_deref(), Some("fedex"));
    assert_eq!(
        u.notification_id.as_deref(),
        Some("4f0e9a1c-3c1e-4b2a-9d55-0c1b2f7e6a10")
    );
    assert_eq!(u.status, Some(TrackingStatus::InTransit));
    assert_eq!(u.carrier_status.detail.as_deref(), Some("InTransit_002"));
    assert_eq!(u.carrier_status.description.as_deref(), Some("Acceptance scan"));
    assert_eq!(
        u.estimated_delivery,
        Some(date!(2024 - 06 - 05)),
        "the carrier's estimate first"
    );
    assert_eq!(u.updated_at, Some(datetime!(2024-06-03 07:33:20 UTC)));
    assert_eq!(u.events.len(), 3);

    let [label, pickup, hub] = [&u.events[0], &u.events[1], &u.events[2]];
    assert_eq!(label.time_basis, TimeBasis::DateOnly);
    assert_eq!(label.occurred_at, datetime!(2024-06-01 0:00 UTC));
    assert_eq!(label.status, Some(TrackingStatus::InfoReceived));
    assert_eq!(label.carrier_status.code.as_deref(), Some("OC"));
    assert_eq!(pickup.time_basis, TimeBasis::LocalNoOffset);
    assert_eq!(pickup.occurred_at, datetime!(2024-06-02 18:40 UTC));
    assert_eq!(pickup.location.as_deref(), Some("MEMPHIS, TN 38118, USA"));
    assert_eq!(pickup.message.as_deref(), Some("Picked up"));
    assert_eq!(hub.time_basis, TimeBasis::Exact);
    assert_eq!(hub.occurred_at, datetime!(2024-06-03 07:15 UTC));
    assert_eq!(
        hub.location.as_deref(),
        Some("Frankfurt Hub, DE"),
        "its own location text"
    );
    assert!(
        u.events
            .iter()
            .all(|e| e.notification_id == u.notification_id && e.estimated_delivery == u.estimated_delivery)
    );
    assert_eq!(parse_webhook(Provider::AfterShip, IN_TRANSIT.as_bytes()).unwrap(), u);
}

fn with_status(tag: &str, subtag: &str) -> String {
    format!(
        r#"{{"event":"tracking_update","event_id":"e1","msg":{{"tracking_number":"9400100000000000000000","slug":"usps",
        "tag":"{tag}","subtag":"{subtag}","checkpoints":[{{"checkpoint_time":"2024-07-01T12:00:00-04:00",
        "tag":"{tag}","subtag":"{subtag}","message":"m"}}]}}}}"#
    )
}

#[test]
fn returns_attempts_and_expiry() {
    let parse = |tag, sub| parse_aftership(with_status(tag, sub).as_bytes()).unwrap();
    let returned = parse("Exception", "Exception_011");
    assert_eq!(returned.status, Some(TrackingStatus::ReturnedToSender));
    assert_eq!(returned.events[0].status, Some(TrackingStatus::ReturnedToSender));
    assert_eq!(
        returned.events[0].carrier_status.detail.as_deref(),
        Some("Exception_011")
    );

    let returning = parse("Exception", "Exception_010");
    assert_eq!(
        returning.status,
        Some(TrackingStatus::Exception),
        "on its way back, not back"
    );
    assert_eq!(returning.carrier_status.detail.as_deref(), Some("Exception_010"));

    assert_eq!(
        parse("AttemptFail", "AttemptFail_001").status,
        Some(TrackingStatus::FailedAttempt)
    );
    assert_eq!(
        parse("AvailableForPickup", "AvailableForPickup_001").status,
        Some(TrackingStatus::AvailableForPickup)
    );
    assert_eq!(
        parse("Delivered", "Delivered_001").events[0].occurred_at,
        datetime!(2024-07-01 16:00 UTC)
    );

    // Expired comes without a new checkpoint: only the tracking's tag says so.
    let expired = br#"{"event":"tracking_update","msg":{"tracking_number":"X1","slug":"dhl","tag":"Expired","subtag":"Expired_001","checkpoints":[]}}"#;
    let u = parse_aftership(expired).unwrap();
    assert_eq!(u.status, Some(TrackingStatus::Expired));
    assert!(u.events.is_empty());
    assert_eq!(u.notification_id, None);
}

#[test]
fn refusals_name_the_field() {
    let err = |body: &str| match parse_aftership(body.as_bytes()) {
        Err(TrackingError::Invalid { path, reason }) => format!("{path}: {reason}"),
        other => panic!("{other:?}"),
    };
    assert_eq!(err(r#"{"msg":{"tag":"Delivered"}}"#), "msg.tracking_number: missing");
    assert_eq!(err(r#"{"msg":{"tracking_number":"1"}}"#), "msg.tag: missing");
    assert_eq!(
        err(r#"{"msg":{"tracking_number":"1","tag":"InTransit","checkpoints":[{"tag":"InTransit"}]}}"#),
        "msg.checkpoints[0].checkpoint_time: missing"
    );
    assert_eq!(
        err(r#"{"msg":{"tracking_number":"1","tag":"InTransit","expected_delivery":"soon"}}"#),
        "msg.expected_delivery: 'soon' is not an ISO 8601 date"
    );
    assert_eq!(
        err(r#"{"msg":{"tracking_number":"1","tag":"InTransit","checkpoints":{}}}"#),
        "msg.checkpoints: expected an array"
    );
    assert!(matches!(
        parse_aftership(br#"{"event":"edd_revise"}"#),
        Err(TrackingError::NotTracking(m)) if m.contains("edd_revise")
    ));
    let u = parse_aftership(br#"{"tracking_number":"1","tag":"Teleported"}"#).unwrap();
    assert_eq!((u.status, u.carrier_status.status.as_str()), (None, "Teleported"));
}
