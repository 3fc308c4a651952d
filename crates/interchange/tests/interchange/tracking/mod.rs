//! Carrier tracking: the public EasyPost and UPS samples parsed (the UPS ones are OpenAPI
//! documents, so their example payloads are read out of the YAML first), AfterShip webhooks
//! written here from AfterShip's documented shape (no public sample exists), signatures, and the
//! recycled-number rule.

mod aftership;
mod easypost;
mod recycle;
mod signatures;
mod ups;

pub const COVERED: &[&str] = &[
    "carrier-tracking/easypost/event-body.json",
    "carrier-tracking/easypost/tracking-webhook.json",
    "carrier-tracking/easypost/trackers-retrieve.json",
    "carrier-tracking/ups/UPSTrackAlert.yaml",
    "carrier-tracking/ups/Tracking.yaml",
];
