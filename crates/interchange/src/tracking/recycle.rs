//! Carriers reuse tracking numbers (USPS and regional carriers after months, some after weeks),
//! so a scan for a number the app already knows may belong to a different parcel. Attaching it
//! would "deliver" or "return" an old shipment. This rule decides from times alone, purely:
//! a scan well before the shipment left, or long after it shipped, was delivered, or last
//! moved, belongs to another use of the number.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// What the app knows of the existing shipment that holds the number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShipmentWindow {
    pub shipped_at: OffsetDateTime,
    pub delivered_at: Option<OffsetDateTime>,
    /// The latest scan already attached.
    pub last_event_at: Option<OffsetDateTime>,
}

/// The limits. Defaults: a scan may precede the recorded ship time by 3 days (labels are made
/// and scanned before someone marks the order shipped); none may come more than 120 days after
/// shipping, 30 days after delivery, or 60 days after the last scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecycleRule {
    pub before_ship_grace: Duration,
    pub max_after_ship: Duration,
    pub max_after_delivery: Duration,
    pub max_silence: Duration,
}

impl Default for RecycleRule {
    fn default() -> Self {
        RecycleRule {
            before_ship_grace: Duration::days(3),
            max_after_ship: Duration::days(120),
            max_after_delivery: Duration::days(30),
            max_silence: Duration::days(60),
        }
    }
}

/// Why a scan does not belong to the shipment; `by` is how far past the limit it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Recycled {
    /// Earlier than the shipment (beyond the grace): an older use of the number.
    BeforeShipment {
        by: Duration,
    },
    LongAfterShipment {
        by: Duration,
    },
    LongAfterDelivery {
        by: Duration,
    },
    /// The shipment had been silent too long: a new use of the number.
    AfterLongSilence {
        by: Duration,
    },
}

impl Recycled {
    pub fn reason(&self) -> String {
        let d = |by: &Duration| by.whole_days();
        match self {
            Recycled::BeforeShipment { by } => format!("scanned {} days before the shipment's grace", d(by)),
            Recycled::LongAfterShipment { by } => format!("{} days past the longest a shipment may take", d(by)),
            Recycled::LongAfterDelivery { by } => format!("{} days past the window after delivery", d(by)),
            Recycled::AfterLongSilence { by } => format!("{} days past the longest silence between scans", d(by)),
        }
    }
}

/// The decision: attach, or not and why.
pub type Attach = Result<(), Recycled>;

/// Whether a scan at `event_at` may attach to the shipment in `window`. The first limit broken
/// is reported, in the order: before shipment, after delivery, after shipment, after silence.
/// Limits are exclusive: a scan exactly at a limit attaches.
pub fn may_attach(rule: &RecycleRule, window: &ShipmentWindow, event_at: OffsetDateTime) -> Attach {
    let past = |limit: OffsetDateTime| (event_at > limit).then(|| event_at - limit);
    let earliest = window.shipped_at - rule.before_ship_grace;
    if event_at < earliest {
        return Err(Recycled::BeforeShipment {
            by: earliest - event_at,
        });
    }
    if let Some(delivered) = window.delivered_at
        && let Some(by) = past(delivered + rule.max_after_delivery)
    {
        return Err(Recycled::LongAfterDelivery { by });
    }
    if let Some(by) = past(window.shipped_at + rule.max_after_ship) {
        return Err(Recycled::LongAfterShipment { by });
    }
    if let Some(last) = window.last_event_at
        && let Some(by) = past(last + rule.max_silence)
    {
        return Err(Recycled::AfterLongSilence { by });
    }
    Ok(())
}
