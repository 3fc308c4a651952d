//! Carrier tracking in: webhook payloads from EasyPost, AfterShip and UPS Track Alert (plus the
//! UPS Track API's pull response, which carries the same scans) parsed into one shape in the
//! domain's tracking vocabulary ([`TrackingStatus`]); their signatures checked; and the rule that
//! keeps a reused ("recycled") tracking number from writing onto an old shipment.
//!
//! Why shaped so:
//! - Every scan keeps the carrier's own words ([`CarrierStatus`]) beside ours: a mapping is a
//!   judgement, and whoever answers a customer must see what the carrier actually said. A code
//!   no table here knows maps to `None`, never to a guess.
//! - Times are UTC. Carriers also send wall-clock times without an offset (AfterShip checkpoints
//!   in the scan's local time, UPS local dates when no GMT time is given); those are read as if
//!   UTC and flagged ([`TimeBasis`]) so the app can order them loosely.
//! - The notification's id (EasyPost `evt_…`, AfterShip `event_id`) identifies the delivery, not
//!   a scan: each notification repeats the whole history, so scans are de-duplicated by what they
//!   say (status, time, location), never by that id.
//! - Parsing is pure and takes the raw body: verify the signature on those same bytes first
//!   ([`verify`]), then parse them.

mod aftership;
mod easypost;
mod json;
mod recycle;
mod signature;
mod stamps;
mod ups;

use aftercart_domain::tracking::TrackingStatus;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

pub use aftership::{aftership_status, parse_aftership};
pub use easypost::{easypost_status, parse_easypost};
pub use recycle::{Attach, RecycleRule, Recycled, ShipmentWindow, may_attach};
pub use signature::{
    AFTERSHIP_HEADER, EASYPOST_HEADER, SignatureError, verify, verify_aftership, verify_easypost, verify_ups,
};
pub use ups::{parse_ups_track_alert, parse_ups_track_response, ups_status};

/// Who sent the notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Provider {
    EasyPost,
    AfterShip,
    /// UPS Track Alert (push) and the UPS Track API (pull).
    Ups,
}

impl Provider {
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::EasyPost => "easypost",
            Provider::AfterShip => "aftership",
            Provider::Ups => "ups",
        }
    }
}

/// The carrier's own status of a scan or a shipment, as it was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarrierStatus {
    /// The top-level status: EasyPost `status` (`in_transit`), AfterShip `tag` (`Exception`),
    /// UPS `activityStatus.type` / `status.type` (`I`).
    pub status: String,
    /// The finer status: EasyPost `status_detail` (`arrived_at_facility`), AfterShip `subtag`
    /// (`Exception_011`), UPS `code` (`OT`).
    pub detail: Option<String>,
    /// The carrier's scan code: EasyPost `carrier_code`, AfterShip `raw_tag`, UPS
    /// `descriptionCode` / `statusCode` (`021`).
    pub code: Option<String>,
    /// Text describing the status: AfterShip `subtag_message`, UPS `description`.
    pub description: Option<String>,
}

/// How exact [`CarrierEvent::occurred_at`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TimeBasis {
    /// The carrier gave UTC or an offset: the instant is exact.
    Exact,
    /// A wall-clock time without an offset (the scan's local time), read as if UTC: off by the
    /// location's offset, up to about ±14 hours.
    LocalNoOffset,
    /// Only a date, read as midnight UTC.
    DateOnly,
}

/// One carrier scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarrierEvent {
    pub tracking_number: String,
    /// The carrier as the feed names it: EasyPost `carrier` / detail `source` (`FedEx`),
    /// AfterShip `slug` (`fedex`), `UPS`.
    pub carrier: Option<String>,
    /// The carrier's SCAC when the feed implies one (only UPS's own feeds: `UPSN`).
    pub scac: Option<String>,
    pub carrier_status: CarrierStatus,
    /// Ours; `None` when the carrier's status is not one the mapping knows.
    pub status: Option<TrackingStatus>,
    /// UTC; see `time_basis`.
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    pub time_basis: TimeBasis,
    /// "City, ST 12345, US" from the parts the carrier gave, or its own location text.
    pub location: Option<String>,
    pub message: Option<String>,
    /// The delivery date the carrier expected when it sent this scan (its local date).
    pub estimated_delivery: Option<Date>,
    /// The id of the notification that reported this scan (EasyPost `evt_…`, AfterShip
    /// `event_id`), shared by every scan of that notification; UPS gives none. Not a scan id:
    /// de-duplicate scans by status, time and location.
    pub notification_id: Option<String>,
}

/// What one notification says about one tracking number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackingUpdate {
    pub provider: Provider,
    pub tracking_number: String,
    pub carrier: Option<String>,
    pub scac: Option<String>,
    /// The shipment's current status as the feed states it (EasyPost tracker `status`, AfterShip
    /// `tag`, UPS `currentStatus` or the one scan of a Track Alert). AfterShip's `Expired` and a
    /// tracker's `unknown` come with no scan, so this can say more than the scans.
    pub carrier_status: CarrierStatus,
    pub status: Option<TrackingStatus>,
    pub estimated_delivery: Option<Date>,
    /// When the feed last changed the tracker (EasyPost and AfterShip `updated_at`).
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub updated_at: Option<OffsetDateTime>,
    pub notification_id: Option<String>,
    /// Every scan, oldest first (sorted by `occurred_at`, the carrier's order kept on ties).
    pub events: Vec<CarrierEvent>,
}

/// Why a body was not read as tracking.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrackingError {
    /// A well-formed notification about something else (an EasyPost `batch.updated`, a UPS error
    /// response): acknowledge it and move on.
    #[error("not a tracking notification: {0}")]
    NotTracking(String),
    /// The body is not what the provider documents; `path` is the JSON path at fault
    /// (`result.tracking_details[2].datetime`), empty for the whole body.
    #[error("{path}: {reason}")]
    Invalid { path: String, reason: String },
}

impl TrackingError {
    pub(crate) fn invalid(path: impl Into<String>, reason: impl Into<String>) -> TrackingError {
        let path = path.into();
        TrackingError::Invalid {
            path: if path.is_empty() { "body".to_owned() } else { path },
            reason: reason.into(),
        }
    }
}

/// Parses a webhook body of `provider`: an EasyPost Event (or bare Tracker), an AfterShip
/// tracking webhook, or a UPS Track Alert event.
pub fn parse_webhook(provider: Provider, body: &[u8]) -> Result<TrackingUpdate, TrackingError> {
    match provider {
        Provider::EasyPost => parse_easypost(body),
        Provider::AfterShip => parse_aftership(body),
        Provider::Ups => parse_ups_track_alert(body),
    }
}

/// Sorts scans oldest first; a stable sort, so scans at the same instant keep the carrier's order.
fn oldest_first(events: &mut [CarrierEvent]) {
    events.sort_by_key(|e| e.occurred_at);
}
