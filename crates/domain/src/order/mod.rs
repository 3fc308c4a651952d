//! The order aggregate: lines (each with its own ship-to), allocations, backorders, shipments and
//! receipts. Every command validates fully before it mutates, so a refused command changes nothing.

mod change;
mod confirm;
mod ledger;
mod line;
mod reject;
mod returns;
mod shipment;

pub use change::{Change, ChangeNames, ChangeResult, Pending};
pub use confirm::{ConfirmLine, Confirmed};
pub use ledger::LineLedger;
pub use line::{Allocation, Backorder, BackorderChange, Confirmation, Line, LineReturn, SupplierRejection};
pub use shipment::{Receipt, ReceiptLine, Shipment, ShipmentLine};

use crate::account::{Account, FulfilmentLocation};
use crate::error::{ErrorCode, Rejection, Result};
use crate::ids::{AccountId, FulfilmentLocationId, LocationId, OrderId, ProductId, ShipmentId};
use crate::money::{Currency, Money};
use crate::product::Product;
use crate::quantity::Qty;
use crate::tracking::TrackingEvent;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Portal,
    Api,
    Punchout,
    Erp,
    Edi,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub id: OrderId,
    pub number: String,
    pub account_id: AccountId,
    pub currency: Currency,
    pub bill_to: LocationId,
    pub po_number: Option<String>,
    pub channel: Channel,
    #[serde(with = "time::serde::rfc3339")]
    pub placed_at: OffsetDateTime,
    /// Freight quoted when the order was placed (zero when none was agreed).
    pub freight: Money,
    pub lines: Vec<Line>,
    pub shipments: Vec<Shipment>,
    /// The approval workflow, when the account's policy required one; fulfilment waits for it.
    #[serde(default)]
    pub approval: Option<crate::approval::ApprovalWorkflow>,
    /// Set when placing it took the account over its credit limit; fulfilment waits for
    /// finance ops to release it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit_hold: Option<crate::receivables::credit::CreditHold>,
}

/// A line as requested by the buyer, before prices are resolved.
#[derive(Debug, Clone)]
pub struct NewLine {
    pub product: Product,
    pub quantity: Qty,
    pub ship_to: LocationId,
    pub requested_date: Option<Date>,
    pub po_number: Option<String>,
    pub cost_centre: Option<String>,
    pub project: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewOrder {
    pub id: OrderId,
    pub number: String,
    pub bill_to: LocationId,
    pub po_number: Option<String>,
    pub channel: Channel,
    pub placed_at: OffsetDateTime,
    pub freight: Option<Money>,
    pub lines: Vec<NewLine>,
}

/// Details of a new shipment (validated by [`Order::ship`]).
#[derive(Debug, Clone)]
pub struct NewShipment {
    pub id: ShipmentId,
    pub from: FulfilmentLocationId,
    pub to: LocationId,
    pub lines: Vec<(u32, Qty)>,
    pub carrier: String,
    pub service: Option<String>,
    pub tracking_number: Option<String>,
    pub tracking_url: Option<String>,
    pub packing_slip: Option<String>,
    pub shipped_at: OffsetDateTime,
    pub promised_delivery: Option<Date>,
    pub estimated_delivery: Option<Date>,
}

impl Order {
    /// Places an order for `account`: every line's ship-to must be one of the account's receiving
    /// locations, prices come from the account's contract (else the list price), and everything is
    /// in the account's currency.
    pub fn place(account: &Account, new: NewOrder) -> Result<Order> {
        if new.lines.is_empty() {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "lines",
                "an order needs at least one line",
            ));
        }
        match account.location(new.bill_to) {
            Some(l) if l.kind.can_be_billed() => {}
            Some(_) => {
                return Err(Rejection::new(
                    ErrorCode::InvalidValue,
                    "bill_to",
                    "this location is not a bill-to location",
                ));
            }
            None => {
                return Err(Rejection::new(
                    ErrorCode::ForeignAccount,
                    "bill_to",
                    "the bill-to location does not belong to the ordering account",
                ));
            }
        }
        if let Some(f) = new.freight {
            if f.currency() != account.currency {
                return Err(currency_mismatch("freight.currency", account.currency, f.currency()));
            }
            if f.is_negative() {
                return Err(Rejection::new(
                    ErrorCode::InvalidValue,
                    "freight",
                    "freight cannot be negative",
                ));
            }
        }
        let mut lines = Vec::with_capacity(new.lines.len());
        for (i, nl) in new.lines.into_iter().enumerate() {
            let no = u32::try_from(i + 1).unwrap_or(u32::MAX);
            lines.push(new_line(account, no, nl, &|f| format!("lines[{i}].{f}"))?);
        }
        Ok(Order {
            id: new.id,
            number: new.number,
            account_id: account.id,
            currency: account.currency,
            bill_to: new.bill_to,
            po_number: new.po_number,
            channel: new.channel,
            placed_at: new.placed_at,
            freight: new.freight.unwrap_or(Money::zero(account.currency)),
            lines,
            shipments: Vec::new(),
            approval: None,
            credit_hold: None,
        })
    }

    pub fn line(&self, no: u32) -> Option<&Line> {
        self.lines.iter().find(|l| l.no == no)
    }

    pub(crate) fn line_index(&self, no: u32, field: &str) -> Result<usize> {
        self.lines.iter().position(|l| l.no == no).ok_or_else(|| {
            Rejection::new(
                ErrorCode::UnknownReference,
                field,
                format!("order {} has no line {no}", self.number),
            )
        })
    }

    pub fn shipment(&self, id: ShipmentId) -> Option<&Shipment> {
        self.shipments.iter().find(|s| s.id == id)
    }

    pub fn ledger(&self, line: &Line) -> LineLedger {
        LineLedger::of(line, self.shipments_of(line))
    }

    /// The shipments carrying part of `line` (those of them this value holds: a view restricted
    /// to a caller, or a partial load, may hold fewer).
    pub fn shipments_of<'a>(&'a self, line: &'a Line) -> impl Iterator<Item = &'a Shipment> + 'a {
        line.shipments.iter().filter_map(|id| self.shipment(*id))
    }

    /// Rebuilds every line's list of shipments from the shipments themselves: for orders recorded
    /// before lines kept that list.
    pub fn link_shipments(&mut self) {
        for line in &mut self.lines {
            line.shipments = self
                .shipments
                .iter()
                .filter(|s| s.lines.iter().any(|l| l.line == line.no))
                .map(|s| s.id)
                .collect();
        }
    }

    /// Subtotal of the goods ordered, net of cancellations.
    pub fn goods_total(&self) -> Money {
        self.lines.iter().fold(Money::zero(self.currency), |acc, l| {
            acc.checked_add(l.unit_price.times(l.quantity.saturating_sub(l.cancelled).get()))
                .unwrap_or(acc)
        })
    }

    /// Assigns `qty` of a line to a fulfilment location. Takes from the unallocated quantity first,
    /// then from the backorder (stock arrived).
    pub fn allocate(&mut self, line_no: u32, location: &FulfilmentLocation, qty: Qty) -> Result<()> {
        self.require_released()?;
        require_positive(qty, "quantity")?;
        let idx = self.line_index(line_no, "line")?;
        let ledger = self.ledger(&self.lines[idx]);
        let available = ledger.unallocated + ledger.backordered;
        if qty > available {
            return Err(Rejection::new(
                ErrorCode::OverAllocation,
                "quantity",
                format!("line {line_no} has {available} left to allocate; {qty} requested"),
            ));
        }
        let from_backorder = qty.saturating_sub(ledger.unallocated);
        let line = &mut self.lines[idx];
        if let Some(b) = line.backorder.as_mut().filter(|_| !from_backorder.is_zero()) {
            b.quantity = b.quantity.saturating_sub(from_backorder);
        }
        match line.allocations.iter_mut().find(|a| a.location == location.id) {
            Some(a) => a.quantity = a.quantity + qty,
            None => line.allocations.push(Allocation {
                location: location.id,
                quantity: qty,
                confirmation: None,
                released: Qty::ZERO,
            }),
        }
        Ok(())
    }

    /// Marks unallocated quantity as backordered, with an expected date (if known) and a reason.
    /// Backordering more of a line that already has a backorder keeps its date history.
    pub fn backorder(
        &mut self,
        line_no: u32,
        qty: Qty,
        expected: Option<Date>,
        reason: &str,
        by: &str,
        at: OffsetDateTime,
    ) -> Result<()> {
        require_positive(qty, "quantity")?;
        let idx = self.line_index(line_no, "line")?;
        let ledger = self.ledger(&self.lines[idx]);
        if qty > ledger.unallocated {
            return Err(Rejection::new(
                ErrorCode::OverBackorder,
                "quantity",
                format!(
                    "line {line_no} has {} unallocated; cannot backorder {qty}",
                    ledger.unallocated
                ),
            ));
        }
        require_text(reason, "reason")?;
        let line = &mut self.lines[idx];
        match line.backorder.as_mut() {
            Some(b) => {
                b.quantity = b.quantity + qty;
                if b.expected != expected {
                    b.history.push(BackorderChange {
                        at,
                        from: b.expected,
                        to: expected,
                        by: by.into(),
                        reason: reason.into(),
                    });
                    b.expected = expected;
                }
                b.reason = reason.into();
            }
            None => {
                line.backorder = Some(Backorder {
                    quantity: qty,
                    expected,
                    reason: reason.into(),
                    history: Vec::new(),
                    set_at: at,
                    set_by: by.into(),
                })
            }
        }
        Ok(())
    }

    /// Moves a backorder's expected date, recording who moved it, from what, and why.
    pub fn reschedule_backorder(
        &mut self,
        line_no: u32,
        expected: Option<Date>,
        reason: &str,
        by: &str,
        at: OffsetDateTime,
    ) -> Result<Option<Date>> {
        let idx = self.line_index(line_no, "line")?;
        require_text(reason, "reason")?;
        let b = match self.lines[idx].backorder.as_mut() {
            Some(b) if !b.quantity.is_zero() => b,
            _ => {
                return Err(Rejection::new(
                    ErrorCode::InvalidState,
                    "line",
                    format!("line {line_no} has nothing backordered"),
                ));
            }
        };
        let previous = b.expected;
        if previous != expected {
            b.history.push(BackorderChange {
                at,
                from: previous,
                to: expected,
                by: by.into(),
                reason: reason.into(),
            });
            b.expected = expected;
        }
        Ok(previous)
    }

    /// Cancels quantity that is not yet committed to a warehouse: unallocated first, then backordered.
    pub fn cancel(&mut self, line_no: u32, qty: Qty) -> Result<()> {
        require_positive(qty, "quantity")?;
        let idx = self.line_index(line_no, "line")?;
        let ledger = self.ledger(&self.lines[idx]);
        let cancellable = ledger.unallocated + ledger.backordered;
        if qty > cancellable {
            return Err(Rejection::new(
                ErrorCode::OverCancellation,
                "quantity",
                format!(
                    "line {line_no} has {cancellable} not yet allocated; {qty} requested (allocated or shipped units cannot be cancelled here)"
                ),
            ));
        }
        let from_backorder = qty.saturating_sub(ledger.unallocated);
        let line = &mut self.lines[idx];
        if let Some(b) = line.backorder.as_mut() {
            b.quantity = b.quantity.saturating_sub(from_backorder);
        }
        line.cancelled = line.cancelled + qty;
        Ok(())
    }

    /// Creates a shipment from one fulfilment location to one ship-to location, carrying parts of
    /// lines that are allocated at that fulfilment location and not yet shipped.
    pub fn ship(&mut self, new: NewShipment) -> Result<&Shipment> {
        self.require_released()?;
        if new.lines.is_empty() {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "lines",
                "a shipment carries at least one line",
            ));
        }
        require_text(&new.carrier, "carrier")?;
        if self.shipments.iter().any(|s| s.id == new.id) {
            return Err(Rejection::new(ErrorCode::InvalidState, "id", "shipment already exists"));
        }
        for (i, (line_no, qty)) in new.lines.iter().enumerate() {
            let field = format!("lines[{i}]");
            require_positive(*qty, &format!("{field}.quantity"))?;
            if new.lines[..i].iter().any(|(n, _)| n == line_no) {
                return Err(Rejection::new(
                    ErrorCode::InvalidValue,
                    format!("{field}.line"),
                    "a line appears twice in the shipment",
                ));
            }
            let idx = self.line_index(*line_no, &format!("{field}.line"))?;
            let line = &self.lines[idx];
            if line.ship_to != new.to {
                return Err(Rejection::new(
                    ErrorCode::ShipToMismatch,
                    format!("{field}.line"),
                    format!("line {line_no} ships to another location than this shipment"),
                ));
            }
            let allocated_here = line.allocated_at(new.from);
            let shipped_here: Qty = self.shipped_from(*line_no, new.from);
            let open = allocated_here.saturating_sub(shipped_here);
            if *qty > open {
                return Err(Rejection::new(
                    ErrorCode::OverShipment,
                    format!("{field}.quantity"),
                    format!("line {line_no} has {open} allocated and unshipped at this location; cannot ship {qty}"),
                ));
            }
        }
        for (line_no, _) in &new.lines {
            if let Some(line) = self.lines.iter_mut().find(|l| l.no == *line_no) {
                line.shipments.push(new.id);
            }
        }
        self.shipments.push(Shipment {
            id: new.id,
            from: new.from,
            to: new.to,
            lines: new
                .lines
                .into_iter()
                .map(|(line, quantity)| ShipmentLine { line, quantity })
                .collect(),
            carrier: new.carrier,
            service: new.service,
            tracking_number: new.tracking_number,
            tracking_url: new.tracking_url,
            packing_slip: new.packing_slip,
            shipped_at: new.shipped_at,
            promised_delivery: new.promised_delivery,
            estimated_delivery: new.estimated_delivery,
            tracking: Default::default(),
            receipt: None,
        });
        Ok(self.shipments.last().expect("just pushed"))
    }

    pub(crate) fn shipped_from(&self, line_no: u32, from: FulfilmentLocationId) -> Qty {
        let Some(line) = self.line(line_no) else {
            return Qty::ZERO;
        };
        self.shipments_of(line)
            .filter(|s| s.from == from)
            .map(|s| s.quantity_of(line_no))
            .sum()
    }

    /// Applies a normalised tracking event to a shipment; false when it changed nothing.
    pub fn track(&mut self, shipment: ShipmentId, event: TrackingEvent) -> Result<bool> {
        let s = self.shipments.iter_mut().find(|s| s.id == shipment).ok_or_else(|| {
            Rejection::new(
                ErrorCode::UnknownReference,
                "shipment_id",
                "no such shipment on this order",
            )
        })?;
        Ok(s.tracking.apply(event))
    }

    /// Records what the customer found on arrival. Per line, received + damaged + wrong item may not
    /// exceed what the shipment carried; the rest is short.
    pub fn receive(&mut self, shipment: ShipmentId, receipt: Receipt) -> Result<()> {
        let s = self.shipments.iter().find(|s| s.id == shipment).ok_or_else(|| {
            Rejection::new(
                ErrorCode::UnknownReference,
                "shipment_id",
                "no such shipment on this order",
            )
        })?;
        if receipt.lines.is_empty() {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "lines",
                "a receipt lists at least one line",
            ));
        }
        for (i, rl) in receipt.lines.iter().enumerate() {
            let shipped = s.quantity_of(rl.line);
            if !s.lines.iter().any(|l| l.line == rl.line) {
                return Err(Rejection::new(
                    ErrorCode::UnknownReference,
                    format!("lines[{i}].line"),
                    format!("line {} is not in this shipment", rl.line),
                ));
            }
            if receipt.lines[..i].iter().any(|o| o.line == rl.line) {
                return Err(Rejection::new(
                    ErrorCode::InvalidValue,
                    format!("lines[{i}].line"),
                    "a line appears twice in the receipt",
                ));
            }
            let counted = rl.received + rl.damaged + rl.wrong_item;
            if counted > shipped {
                return Err(Rejection::new(
                    ErrorCode::OverReceipt,
                    format!("lines[{i}]"),
                    format!("line {} shipped {shipped}; cannot report {counted} arrived", rl.line),
                ));
            }
        }
        let s = self
            .shipments
            .iter_mut()
            .find(|s| s.id == shipment)
            .expect("checked above");
        s.receipt = Some(receipt);
        Ok(())
    }

    /// Whether the order may be fulfilled: it needed no approval, or it was approved. An order
    /// waiting for approval, or rejected, never reaches fulfilment.
    pub fn require_released(&self) -> Result<()> {
        use crate::approval::ApprovalState;
        use crate::receivables::credit::HoldState;
        match self.credit_hold.as_ref().map(|h| h.state()) {
            None | Some(HoldState::Released) => {}
            Some(HoldState::Held) => {
                return Err(Rejection::new(
                    ErrorCode::InvalidState,
                    "credit_hold",
                    "the order is held for credit review",
                ));
            }
            Some(HoldState::Rejected) => {
                return Err(Rejection::new(
                    ErrorCode::InvalidState,
                    "credit_hold",
                    "the order was rejected in credit review",
                ));
            }
        }
        match self.approval.as_ref().map(|a| a.state()) {
            None | Some(ApprovalState::Approved) => Ok(()),
            Some(ApprovalState::Pending { .. }) => Err(Rejection::new(
                ErrorCode::InvalidState,
                "approval",
                "the order is waiting for approval",
            )),
            Some(ApprovalState::Rejected) => Err(Rejection::new(
                ErrorCode::InvalidState,
                "approval",
                "the order was rejected by an approver",
            )),
        }
    }

    /// Checks the ledger of every line; used by tests and as a guard before persisting.
    pub fn check_balanced(&self) -> Result<()> {
        for line in &self.lines {
            let l = self.ledger(line);
            if !l.is_balanced() {
                return Err(Rejection::new(
                    ErrorCode::InvalidState,
                    format!("lines[{}]", line.no),
                    format!("ledger unbalanced: {l:?}"),
                ));
            }
        }
        Ok(())
    }

    /// The distinct ship-to locations of the order (for filtering by location).
    pub fn ship_to_locations(&self) -> Vec<LocationId> {
        let mut v: Vec<LocationId> = self.lines.iter().map(|l| l.ship_to).collect();
        v.sort();
        v.dedup();
        v
    }

    pub fn products(&self) -> impl Iterator<Item = ProductId> + '_ {
        self.lines.iter().map(|l| l.product_id)
    }
}

/// A line as placed (or added later): the ship-to must be one of the account's receiving
/// locations, the product still sold, the price the account's contract price (else the list
/// price) in the account's currency. `field` names an input field in refusals.
pub(crate) fn new_line(account: &Account, no: u32, nl: NewLine, field: &dyn Fn(&str) -> String) -> Result<Line> {
    require_positive(nl.quantity, &field("quantity"))?;
    match account.location(nl.ship_to) {
        Some(l) if l.kind.can_receive() => {}
        Some(_) => {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                field("ship_to"),
                "this location does not receive goods",
            ));
        }
        None => {
            return Err(Rejection::new(
                ErrorCode::ForeignAccount,
                field("ship_to"),
                "the ship-to location does not belong to the ordering account",
            ));
        }
    }
    if nl.product.discontinued {
        return Err(Rejection::new(
            ErrorCode::InvalidState,
            field("sku"),
            format!("{} is discontinued", nl.product.sku),
        ));
    }
    let unit_price = account.contract_price(nl.product.id).unwrap_or(nl.product.list_price);
    if unit_price.currency() != account.currency {
        return Err(currency_mismatch(
            &field("sku"),
            account.currency,
            unit_price.currency(),
        ));
    }
    Ok(Line {
        no,
        product_id: nl.product.id,
        sku: nl.product.sku,
        description: nl.product.name,
        category: nl.product.category,
        quantity: nl.quantity,
        unit_price,
        ship_to: nl.ship_to,
        requested_date: nl.requested_date,
        po_number: nl.po_number,
        cost_centre: nl.cost_centre,
        project: nl.project,
        cancelled: Qty::ZERO,
        backorder: None,
        allocations: Vec::new(),
        shipments: Vec::new(),
        returns: Vec::new(),
        supplier_rejections: Vec::new(),
    })
}

fn currency_mismatch(field: &str, expected: Currency, got: Currency) -> Rejection {
    Rejection::new(
        ErrorCode::CurrencyMismatch,
        field,
        format!("expected {expected}, got {got}"),
    )
}

pub(crate) fn require_positive(qty: Qty, field: &str) -> Result<()> {
    if qty.is_zero() {
        return Err(Rejection::new(
            ErrorCode::InvalidQuantity,
            field,
            "quantity must be at least 1",
        ));
    }
    Ok(())
}

fn require_text(value: &str, field: &str) -> Result<()> {
    if value.trim().is_empty() {
        Err(Rejection::new(ErrorCode::InvalidValue, field, "must not be empty"))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests;
