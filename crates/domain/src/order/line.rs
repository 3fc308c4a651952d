//! An order line and the facts recorded against it: cancellations, backorder, allocations.

use crate::ids::{FulfilmentLocationId, LocationId, ProductId, ReturnId, ShipmentId};
use crate::money::Money;
use crate::quantity::Qty;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub no: u32,
    pub product_id: ProductId,
    pub sku: String,
    pub description: String,
    pub category: String,
    pub quantity: Qty,
    /// The contract price agreed when the order was placed.
    pub unit_price: Money,
    pub ship_to: LocationId,
    pub requested_date: Option<Date>,
    pub po_number: Option<String>,
    pub cost_centre: Option<String>,
    /// The buyer's project the line is charged to (a procurement system's accounting segment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    pub cancelled: Qty,
    pub backorder: Option<Backorder>,
    /// Cumulative quantity assigned to each fulfilment location (shipped or not).
    pub allocations: Vec<Allocation>,
    /// The shipments carrying part of this line, oldest first: kept by [`super::Order::ship`], so
    /// the line's ledger reads only its own shipments (and a store can load just those).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shipments: Vec<ShipmentId>,
    /// Delivered quantity that came back to the seller under a return (RMA), as received at the
    /// warehouse: it moves from `delivered` to `returned` in the ledger.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub returns: Vec<LineReturn>,
    /// Dropship suppliers that refused (part of) this line, oldest first: routing never sends
    /// the line back to them. Seller-side facts: customers are never shown them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub supplier_rejections: Vec<SupplierRejection>,
}

/// A supplier refusing what was allocated to it of a line, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupplierRejection {
    pub location: FulfilmentLocationId,
    /// What the refusal released back to the line's unallocated quantity.
    pub quantity: Qty,
    pub reason: String,
    pub by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// Delivered units of a line received back at the seller's warehouse under a return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineReturn {
    pub return_id: ReturnId,
    pub quantity: Qty,
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
    /// As found by the warehouse (e.g. `damaged`, `resellable`), for the credit and the record.
    pub condition: String,
}

impl Line {
    pub fn allocated_at(&self, location: FulfilmentLocationId) -> Qty {
        self.allocations
            .iter()
            .filter(|a| a.location == location)
            .map(|a| a.quantity)
            .sum()
    }

    pub fn allocated_total(&self) -> Qty {
        self.allocations.iter().map(|a| a.quantity).sum()
    }

    pub fn backordered(&self) -> Qty {
        self.backorder.as_ref().map_or(Qty::ZERO, |b| b.quantity)
    }

    /// The suppliers that have rejected this line.
    pub fn rejected_by(&self) -> Vec<FulfilmentLocationId> {
        let mut v: Vec<FulfilmentLocationId> = self.supplier_rejections.iter().map(|r| r.location).collect();
        v.sort();
        v.dedup();
        v
    }

    /// Delivered units received back under returns.
    pub fn returned_by_customer(&self) -> Qty {
        self.returns.iter().map(|r| r.quantity).sum()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    pub location: FulfilmentLocationId,
    pub quantity: Qty,
    /// The fulfilment location's promise to ship this allocation (a dropship supplier confirming
    /// the lines routed to it); absent until confirmed, and in documents written before there
    /// were confirmations. Not a quantity state: the ledger ignores it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmation: Option<Confirmation>,
    /// Cumulative quantity the fulfilment location released to its floor (picking, packing),
    /// shipped or not. Released and unshipped quantity is committed: a change to it is routed
    /// to the seller instead of applied at once. Not a quantity state: the ledger counts it as
    /// allocated.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub released: Qty,
}

impl Allocation {
    /// Whether the whole allocated quantity is confirmed (more allocated since needs confirming again).
    pub fn is_confirmed(&self) -> bool {
        self.confirmation.as_ref().is_some_and(|c| c.quantity >= self.quantity)
    }
}

/// Who confirmed an allocation, when, for how much, and the date they promised to ship by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmation {
    pub by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The allocated quantity when it was (last) confirmed.
    pub quantity: Qty,
    #[serde(default)]
    pub ship_by: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backorder {
    pub quantity: Qty,
    pub expected: Option<Date>,
    pub reason: String,
    #[serde(with = "time::serde::rfc3339")]
    pub set_at: OffsetDateTime,
    pub set_by: String,
    /// Every move of the expected date, oldest first.
    pub history: Vec<BackorderChange>,
}

impl Backorder {
    /// The first expected date ever given, if the date has since moved.
    pub fn original_expected(&self) -> Option<Date> {
        self.history.first().map_or(self.expected, |c| c.from)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackorderChange {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub by: String,
    pub reason: String,
}

fn is_zero(q: &Qty) -> bool {
    q.is_zero()
}
