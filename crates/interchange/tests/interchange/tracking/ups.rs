//! UPS's samples are OpenAPI 3 documents. The Track Alert one holds two example webhook bodies
//! (`webhooks.TrackingEvent`); the Track API one holds no whole response, only an `example` per
//! field, so a response is assembled from the schema's own examples and parsed.

use crate::samples::sample_text;
use aftercart_domain::tracking::TrackingStatus;
use aftercart_interchange::tracking::{
    Provider, TimeBasis, TrackingError, parse_ups_track_alert, parse_ups_track_response, parse_webhook,
};
use serde_json::{Map, Value};
use time::macros::{date, datetime};

fn yaml(rel: &str) -> Value {
    let doc: serde_norway::Value = serde_norway::from_str(&sample_text(rel)).unwrap();
    serde_json::to_value(doc).unwrap()
}

fn at<'a>(v: &'a Value, path: &[&str]) -> &'a Value {
    path.iter()
        .fold(v, |v, k| v.get(k).unwrap_or_else(|| panic!("no {k} in {path:?}")))
}

/// The Track Alert webhook's example bodies, by their example key.
fn track_alert_examples() -> Vec<(String, Value)> {
    let doc = yaml("carrier-tracking/ups/UPSTrackAlert.yaml");
    let examples = at(
        &doc,
        &[
            "webhooks",
            "TrackingEvent",
            "post",
            "requestBody",
            "content",
            "application/json",
            "examples",
        ],
    );
    examples
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, e)| (k.clone(), e["value"].clone()))
        .collect()
}

#[test]
fn track_alert_examples_parse() {
    let examples = track_alert_examples();
    assert_eq!(examples.len(), 2);
    let body = |k: &str| serde_json::to_vec(&examples.iter().find(|(key, _)| key == k).unwrap().1).unwrap();

    // '1': out for delivery, type I code OT.
    let ofd = parse_ups_track_alert(&body("1")).unwrap();
    assert_eq!(ofd.provider, Provider::Ups);
    assert_eq!(ofd.tracking_number, "1Z204W4R0308071865");
    assert_eq!(
        (ofd.carrier.as_deref(), ofd.scac.as_deref()),
        (Some("UPS"), Some("UPSN"))
    );
    assert_eq!(ofd.status, Some(TrackingStatus::OutForDelivery));
    assert_eq!(ofd.carrier_status.status, "I");
    assert_eq!(ofd.carrier_status.detail.as_deref(), Some("OT"));
    assert_eq!(
        ofd.carrier_status.code.as_deref(),
        Some("021"),
        "YAML's 021 is read as a number"
    );
    assert_eq!(ofd.carrier_status.description.as_deref(), Some("Out for Delivery"));
    assert_eq!(ofd.estimated_delivery, Some(date!(2024 - 04 - 23)));
    assert_eq!(ofd.events.len(), 1);
    let e = &ofd.events[0];
    // GMT 13:15:19, the local 09:15:19 being EDT.
    assert_eq!(e.occurred_at, datetime!(2024-04-23 13:15:19 UTC));
    assert_eq!(e.time_basis, TimeBasis::Exact);
    assert_eq!(e.location.as_deref(), Some("Charlotte, NC 30004, US"));
    assert_eq!(e.message.as_deref(), Some("Out for Delivery"));
    assert_eq!(e.notification_id, None);

    // '2': delivered, type D code FS.
    let delivered = parse_webhook(Provider::Ups, &body("2")).unwrap();
    assert_eq!(delivered.status, Some(TrackingStatus::Delivered));
    assert_eq!(delivered.carrier_status.detail.as_deref(), Some("FS"));
    assert_eq!(delivered.carrier_status.code.as_deref(), Some("011"));
    assert_eq!(delivered.events[0].occurred_at, datetime!(2024-04-23 13:50:04 UTC));
    assert_eq!(delivered.events[0].location.as_deref(), Some("CHARLOTTE, NC 28209, US"));
    assert_eq!(
        delivered.estimated_delivery,
        Some(date!(2019 - 10 - 14)),
        "as the example states it"
    );
}

#[test]
fn track_alert_without_gmt_is_local_time() {
    // The shape UPS posted in its issue tracker (#41), with the GMT fields left out.
    let body = br#"{"trackingNumber":"1ZXXXXXXXXXXXXXXXXX","localActivityDate":"20240112",
        "localActivityTime":"154207","activityLocation":{"city":"Atlanta","stateProvince":"GA",
        "postalCode":"","country":"US"},"activityStatus":{"type":"I","code":"OR",
        "description":"On the Way"},"scheduledDeliveryDate":"20240118","actualDeliveryDate":""}"#;
    let u = parse_ups_track_alert(body).unwrap();
    assert_eq!(u.status, Some(TrackingStatus::InTransit));
    assert_eq!(u.events[0].occurred_at, datetime!(2024-01-12 15:42:07 UTC));
    assert_eq!(u.events[0].time_basis, TimeBasis::LocalNoOffset);
    assert_eq!(u.events[0].location.as_deref(), Some("Atlanta, GA, US"));
    // With the offset it is exact.
    let with_offset = String::from_utf8_lossy(body).replace(r#""actualDeliveryDate":"""#, r#""gmtOffset":"-05.00""#);
    let u = parse_ups_track_alert(with_offset.as_bytes()).unwrap();
    assert_eq!(u.events[0].occurred_at, datetime!(2024-01-12 20:42:07 UTC));
    assert_eq!(u.events[0].time_basis, TimeBasis::Exact);

    let err = parse_ups_track_alert(
        br#"{"trackingNumber":"1Z1","activityStatus":{"type":"D"},"localActivityDate":"2024-01-12"}"#,
    );
    assert_eq!(
        err,
        Err(TrackingError::Invalid {
            path: "localActivityDate".into(),
            reason: "'2024-01-12' is not a date (YYYYMMDD)".into()
        })
    );
    assert!(matches!(
        parse_ups_track_alert(br#"{"response":{"errors":[{"code":"VSS300","message":"x"}]}}"#),
        Err(TrackingError::NotTracking(_))
    ));
}

/// An instance of `schema` built from the `example` values it and its parts declare, `$ref`s
/// followed: what a response documented only field by field looks like.
fn example_of(doc: &Value, schema: &Value, depth: usize) -> Option<Value> {
    assert!(depth < 40, "runaway schema");
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.strip_prefix("#/components/schemas/").unwrap();
        return example_of(doc, at(doc, &["components", "schemas", name]), depth + 1);
    }
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        let obj: Map<String, Value> = props
            .iter()
            .filter_map(|(k, s)| example_of(doc, s, depth + 1).map(|v| (k.clone(), v)))
            .collect();
        return (!obj.is_empty()).then_some(Value::Object(obj));
    }
    if let Some(ex) = schema.get("example") {
        return Some(ex.clone());
    }
    if schema.get("type").and_then(Value::as_str) == Some("array") {
        return example_of(doc, &schema["items"], depth + 1).map(|item| Value::Array(vec![item]));
    }
    None
}

#[test]
fn track_api_response_from_the_schema_examples() {
    let doc = yaml("carrier-tracking/ups/Tracking.yaml");
    let schema = at(&doc, &["components", "schemas", "TrackApiResponse"]);
    let response = example_of(&doc, schema, 0).unwrap();
    // The assembled response holds the documented activity.
    let activity = &response["trackResponse"]["shipment"][0]["package"][0]["activity"][0];
    assert_eq!(activity["status"]["code"], "SR");

    let updates = parse_ups_track_response(&serde_json::to_vec(&response).unwrap()).unwrap();
    assert_eq!(updates.len(), 1);
    let u = &updates[0];
    // The package has no example number; the shipment's inquiry number stands in.
    assert_eq!(u.tracking_number, "1Z023E2X0214323462");
    assert_eq!(u.status, Some(TrackingStatus::Exception), "type X");
    assert_eq!(u.carrier_status.status, "X");
    assert_eq!(u.carrier_status.detail.as_deref(), Some("SR"));
    assert_eq!(u.carrier_status.code.as_deref(), Some("003"));
    assert_eq!(u.events.len(), 1);
    let e = &u.events[0];
    assert_eq!(
        e.message.as_deref(),
        Some("Your package was released by the customs agency.")
    );
    // gmtDate + gmtTime ('74700' = 07:47:00) win over the local date and time.
    assert_eq!(e.occurred_at, datetime!(2021-02-10 07:47:00 UTC));
    assert_eq!(e.time_basis, TimeBasis::Exact);
    assert_eq!(e.location.as_deref(), Some("Wayne, NJ 07470, US"));
    assert_eq!(u.estimated_delivery, None, "the delivery dates have no example");
}

#[test]
fn track_api_packages_and_errors() {
    let body = br#"{"trackResponse":{"shipment":[{"inquiryNumber":"1Z9","package":[
      {"trackingNumber":"1ZA","deliveryDate":[{"type":"SDD","date":"20240110"},{"type":"RDD","date":"20240111"}],
       "activity":[
        {"date":"20240111","time":"101500","gmtDate":"20240111","gmtTime":"151500","status":{"type":"D","code":"FS","statusCode":"011","description":"DELIVERED"}},
        {"date":"20240110","time":"080000","status":{"type":"I","code":"OT","statusCode":"021","description":"Out For Delivery Today"}}]},
      {"trackingNumber":"1ZB","currentStatus":{"type":"M","code":"MP","statusCode":"003","description":"Shipper created a label"},"activity":[]}]}]}}"#;
    let updates = parse_ups_track_response(body).unwrap();
    assert_eq!(updates.len(), 2);
    let a = &updates[0];
    assert_eq!(a.tracking_number, "1ZA");
    assert_eq!(
        a.estimated_delivery,
        Some(date!(2024 - 01 - 11)),
        "rescheduled over scheduled"
    );
    // Most recent first from UPS; oldest first here.
    assert_eq!(a.events[0].status, Some(TrackingStatus::OutForDelivery));
    assert_eq!(a.events[0].time_basis, TimeBasis::LocalNoOffset);
    assert_eq!(a.events[1].status, Some(TrackingStatus::Delivered));
    assert_eq!(
        a.status,
        Some(TrackingStatus::Delivered),
        "no currentStatus: the latest scan"
    );
    let b = &updates[1];
    assert_eq!(b.status, Some(TrackingStatus::InfoReceived));
    assert!(b.events.is_empty());

    assert!(matches!(
        parse_ups_track_response(br#"{"response":{"errors":[{"code":"151018","message":"Invalid tracking number"}]}}"#),
        Err(TrackingError::NotTracking(m)) if m.contains("error")
    ));
    assert_eq!(
        parse_ups_track_response(br#"{"trackResponse":{"shipment":[{"package":[{"activity":[]}]}]}}"#),
        Err(TrackingError::Invalid {
            path: "trackResponse.shipment[0].package[0].trackingNumber".into(),
            reason: "missing".into()
        })
    );
}
