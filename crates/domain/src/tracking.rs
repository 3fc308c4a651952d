//! The one tracking vocabulary every carrier's events are normalised to, and how a shipment's
//! current tracking state is folded from events that may repeat or arrive out of order.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrackingStatus {
    Pending,
    InfoReceived,
    InTransit,
    OutForDelivery,
    FailedAttempt,
    AvailableForPickup,
    Delivered,
    Exception,
    ReturnedToSender,
    Expired,
}

impl TrackingStatus {
    pub const ALL: [TrackingStatus; 10] = [
        TrackingStatus::Pending,
        TrackingStatus::InfoReceived,
        TrackingStatus::InTransit,
        TrackingStatus::OutForDelivery,
        TrackingStatus::FailedAttempt,
        TrackingStatus::AvailableForPickup,
        TrackingStatus::Delivered,
        TrackingStatus::Exception,
        TrackingStatus::ReturnedToSender,
        TrackingStatus::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TrackingStatus::Pending => "pending",
            TrackingStatus::InfoReceived => "info_received",
            TrackingStatus::InTransit => "in_transit",
            TrackingStatus::OutForDelivery => "out_for_delivery",
            TrackingStatus::FailedAttempt => "failed_attempt",
            TrackingStatus::AvailableForPickup => "available_for_pickup",
            TrackingStatus::Delivered => "delivered",
            TrackingStatus::Exception => "exception",
            TrackingStatus::ReturnedToSender => "returned_to_sender",
            TrackingStatus::Expired => "expired",
        }
    }

    /// Maps our own names and the common aggregator/carrier spellings (EasyPost, AfterShip,
    /// UPS activity types) onto the vocabulary. Unknown words are `None`, never guessed.
    pub fn normalise(raw: &str) -> Option<TrackingStatus> {
        let k: String = raw
            .trim()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        Some(match k.as_str() {
            "pending" | "unknown" | "preshipment" | "labelcreated" | "mp" => TrackingStatus::Pending,
            "inforeceived" | "manifest" | "shipmentinformationreceived" => TrackingStatus::InfoReceived,
            "intransit" | "transit" | "departed" | "arrived" | "i" | "pickedup" | "p" | "accepted" => {
                TrackingStatus::InTransit
            }
            "outfordelivery" | "ofd" => TrackingStatus::OutForDelivery,
            "failedattempt" | "attemptfail" | "deliveryattempted" | "attempted" => TrackingStatus::FailedAttempt,
            "availableforpickup" | "readyforpickup" | "heldforpickup" => TrackingStatus::AvailableForPickup,
            "delivered" | "d" => TrackingStatus::Delivered,
            "exception" | "failure" | "error" | "x" | "delayed" | "cancelled" => TrackingStatus::Exception,
            "returntosender" | "returnedtosender" | "returned" | "rs" | "rts" => TrackingStatus::ReturnedToSender,
            "expired" => TrackingStatus::Expired,
            _ => return None,
        })
    }

    /// Whether goods in this state have left the carrier's hands for good.
    pub fn is_final(self) -> bool {
        matches!(self, TrackingStatus::Delivered | TrackingStatus::ReturnedToSender)
    }

    pub fn needs_attention(self) -> bool {
        matches!(
            self,
            TrackingStatus::Exception
                | TrackingStatus::FailedAttempt
                | TrackingStatus::ReturnedToSender
                | TrackingStatus::Expired
        )
    }

    /// Tie-break between two events with the same timestamp: the later stage wins.
    fn rank(self) -> u8 {
        match self {
            TrackingStatus::Pending => 0,
            TrackingStatus::InfoReceived => 1,
            TrackingStatus::InTransit => 2,
            TrackingStatus::Expired => 3,
            TrackingStatus::OutForDelivery => 4,
            TrackingStatus::AvailableForPickup => 5,
            TrackingStatus::FailedAttempt => 6,
            TrackingStatus::Exception => 7,
            TrackingStatus::ReturnedToSender => 8,
            TrackingStatus::Delivered => 9,
        }
    }
}

/// One normalised carrier scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackingEvent {
    pub status: TrackingStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    pub location: Option<String>,
    pub description: Option<String>,
    /// The carrier's own words for the status ("Exception / Exception_011"), kept beside ours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier_status: Option<String>,
}

/// What is known about a shipment's journey: the latest event by occurrence time (not arrival
/// time), plus facts that stay true once seen (delivered at, first exception).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackingState {
    pub latest: Option<TrackingEvent>,
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub delivered_at: Option<OffsetDateTime>,
    pub events_applied: u32,
}

impl TrackingState {
    pub fn status(&self) -> TrackingStatus {
        self.latest.as_ref().map_or(TrackingStatus::Pending, |e| e.status)
    }

    /// Folds one event in. Returns false when the event changes nothing (an exact repeat of the
    /// latest event). An older event never replaces a newer one, so arrival order is irrelevant.
    pub fn apply(&mut self, event: TrackingEvent) -> bool {
        if self.latest.as_ref() == Some(&event) {
            return false;
        }
        if event.status == TrackingStatus::Delivered {
            self.delivered_at = Some(
                self.delivered_at
                    .map_or(event.occurred_at, |d| d.min(event.occurred_at)),
            );
        }
        let newer = match &self.latest {
            None => true,
            Some(cur) => (event.occurred_at, event.status.rank()) > (cur.occurred_at, cur.status.rank()),
        };
        if newer {
            self.latest = Some(event);
        }
        self.events_applied += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    fn ev(status: TrackingStatus, at: OffsetDateTime) -> TrackingEvent {
        TrackingEvent {
            status,
            occurred_at: at,
            location: Some("Memphis, TN".into()),
            description: None,
            carrier_status: None,
        }
    }

    #[test]
    fn normalises_carrier_words() {
        assert_eq!(
            TrackingStatus::normalise("OUT_FOR_DELIVERY"),
            Some(TrackingStatus::OutForDelivery)
        );
        assert_eq!(
            TrackingStatus::normalise("return_to_sender"),
            Some(TrackingStatus::ReturnedToSender)
        );
        assert_eq!(TrackingStatus::normalise("Delivered"), Some(TrackingStatus::Delivered));
        assert_eq!(TrackingStatus::normalise("teleported"), None);
        for s in TrackingStatus::ALL {
            assert_eq!(TrackingStatus::normalise(s.as_str()), Some(s));
        }
    }

    #[test]
    fn late_arriving_old_event_does_not_regress_status() {
        let mut st = TrackingState::default();
        st.apply(ev(TrackingStatus::Delivered, datetime!(2026-11-05 15:00 UTC)));
        st.apply(ev(TrackingStatus::InTransit, datetime!(2026-11-03 09:00 UTC)));
        assert_eq!(st.status(), TrackingStatus::Delivered);
        assert_eq!(st.delivered_at, Some(datetime!(2026-11-05 15:00 UTC)));
    }

    proptest! {
        #[test]
        fn final_state_is_independent_of_arrival_order(
            events in proptest::collection::vec((0usize..10, 0i64..100), 1..12),
            seed in any::<u64>(),
        ) {
            let evs: Vec<_> = events.iter().map(|(s, h)| {
                ev(TrackingStatus::ALL[*s], datetime!(2026-11-01 00:00 UTC) + time::Duration::hours(*h))
            }).collect();
            let mut a = TrackingState::default();
            for e in &evs { a.apply(e.clone()); }
            let mut shuffled = evs.clone();
            // Deterministic shuffle from the seed, plus duplicates.
            let n = shuffled.len();
            for i in 0..n { shuffled.swap(i, (seed as usize).wrapping_mul(i + 7) % n); }
            shuffled.extend(evs.iter().cloned());
            let mut b = TrackingState::default();
            for e in shuffled { b.apply(e); }
            prop_assert_eq!(a.status(), b.status());
            prop_assert_eq!(a.latest.as_ref().map(|e| e.occurred_at), b.latest.as_ref().map(|e| e.occurred_at));
            prop_assert_eq!(a.delivered_at, b.delivered_at);
        }
    }
}
