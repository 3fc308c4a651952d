//! A shipment: from one fulfilment location to one ship-to location, carrying parts of lines.

use crate::ids::{FulfilmentLocationId, LocationId, ShipmentId};
use crate::quantity::Qty;
use crate::tracking::{TrackingState, TrackingStatus};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shipment {
    pub id: ShipmentId,
    pub from: FulfilmentLocationId,
    pub to: LocationId,
    pub lines: Vec<ShipmentLine>,
    pub carrier: String,
    pub service: Option<String>,
    pub tracking_number: Option<String>,
    pub tracking_url: Option<String>,
    pub packing_slip: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub shipped_at: OffsetDateTime,
    pub promised_delivery: Option<Date>,
    pub estimated_delivery: Option<Date>,
    pub tracking: TrackingState,
    pub receipt: Option<Receipt>,
}

impl Shipment {
    pub fn quantity_of(&self, line: u32) -> Qty {
        self.lines.iter().filter(|l| l.line == line).map(|l| l.quantity).sum()
    }

    pub fn status(&self) -> TrackingStatus {
        self.tracking.status()
    }

    pub fn is_delivered(&self) -> bool {
        self.status() == TrackingStatus::Delivered
    }

    /// What of the carrier's status the quantity ledger counts: delivered, returned to sender,
    /// or neither (in transit). A tracking scan that leaves this unchanged changes no line's
    /// ledger, so it needs none of the order's lines to be checked.
    pub fn ledger_effect(&self) -> Option<TrackingStatus> {
        match self.status() {
            s @ (TrackingStatus::Delivered | TrackingStatus::ReturnedToSender) => Some(s),
            _ => None,
        }
    }

    /// What the customer confirmed as received in good order for this line; `None` until a
    /// receipt lists the line (a receipt that omits a line confirms nothing about it).
    pub fn received_of(&self, line: u32) -> Option<Qty> {
        self.receipt
            .as_ref()
            .and_then(|r| r.lines.iter().find(|l| l.line == line))
            .map(|l| l.received)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipmentLine {
    pub line: u32,
    pub quantity: Qty,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub by: String,
    pub lines: Vec<ReceiptLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptLine {
    pub line: u32,
    /// Arrived, right item, good condition.
    pub received: Qty,
    pub damaged: Qty,
    pub wrong_item: Qty,
    pub note: Option<String>,
}
