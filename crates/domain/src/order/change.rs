//! Changes to a placed order: quantities up or down, cancelling a line or the order, a line's
//! ship-to, its requested date, an added line. Nothing restarts: what is not committed yet
//! (unallocated, backordered, allocated but not released to a warehouse floor) changes at once;
//! what a warehouse has released is routed to the seller as [`Pending`] work; what has shipped
//! cannot change here (a return is the way back). A change that is only partly possible is
//! partly applied and the rest explained in words.

use super::{NewLine, Order, new_line, require_positive};
use crate::account::Account;
use crate::error::{ErrorCode, Rejection, Result};
use crate::ids::{FulfilmentLocationId, LocationId};
use crate::quantity::Qty;
use serde::{Deserialize, Serialize};
use time::Date;

/// One change a buyer (or an agent for them) asks for.
#[derive(Debug, Clone)]
pub enum Change {
    /// The quantity now wanted of a line, net of cancellations: more adds open quantity, less
    /// cuts open quantity.
    Quantity {
        line: u32,
        quantity: Qty,
    },
    /// Cancel everything of the line that has not shipped.
    CancelLine {
        line: u32,
    },
    /// Cancel everything of the order that has not shipped.
    CancelOrder,
    ShipTo {
        line: u32,
        ship_to: LocationId,
    },
    RequestedDate {
        line: u32,
        date: Option<Date>,
    },
    AddLine(Box<NewLine>),
}

/// Work only the seller can do, because a warehouse has released the goods to its floor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Pending {
    /// Take `quantity` of a line out of what `location` released, and cancel it.
    Cut {
        line: u32,
        location: FulfilmentLocationId,
        quantity: Qty,
    },
    /// Send the line's released goods to another of the account's locations.
    ShipTo { line: u32, ship_to: LocationId },
}

/// What one change did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeResult {
    /// What changed now, in words; `None` when nothing could change at once.
    pub applied: Option<String>,
    /// What waits for the seller.
    pub pending: Vec<Pending>,
    /// The whole outcome in one sentence ("4 of 10 cancelled; 6 were already packed at Reno DC —
    /// we asked the warehouse, you'll hear back").
    pub summary: String,
    /// The number of an added line.
    pub added_line: Option<u32>,
}

/// Names for sentences: fulfilment locations and the account's locations.
pub struct ChangeNames<'a> {
    pub fulfilment: &'a dyn Fn(FulfilmentLocationId) -> String,
    pub location: &'a dyn Fn(LocationId) -> String,
}

impl Order {
    /// Applies `changes` in order, all or nothing: a change that is impossible (a quantity below
    /// what has shipped, a ship-to change on goods already shipped, an unknown line) refuses the
    /// whole request with the field named (`changes[2].quantity`) and the order unchanged.
    /// `next_line` is the number an added line gets (the order's line count + 1: the caller may
    /// hold only some lines).
    pub fn apply_changes(
        &mut self,
        account: &Account,
        changes: Vec<Change>,
        next_line: u32,
        names: &ChangeNames<'_>,
    ) -> Result<Vec<ChangeResult>> {
        if changes.is_empty() {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "changes",
                "ask for at least one change",
            ));
        }
        let mut work = self.clone();
        let mut next = next_line;
        let mut out = Vec::with_capacity(changes.len());
        for (i, c) in changes.into_iter().enumerate() {
            let at = |mut r: Rejection| {
                r.field = if r.field.is_empty() {
                    format!("changes[{i}]")
                } else {
                    format!("changes[{i}].{}", r.field)
                };
                r
            };
            let result = work.apply_change(account, c, &mut next, names).map_err(at)?;
            out.push(result);
        }
        work.check_balanced()?;
        *self = work;
        Ok(out)
    }

    fn apply_change(
        &mut self,
        account: &Account,
        change: Change,
        next_line: &mut u32,
        names: &ChangeNames<'_>,
    ) -> Result<ChangeResult> {
        match change {
            Change::Quantity { line, quantity } => {
                let idx = self.line_index(line, "line")?;
                let ledger = self.ledger(&self.lines[idx]);
                let active = ledger.active();
                if quantity < ledger.shipped {
                    return Err(Rejection::new(
                        ErrorCode::InvalidQuantity,
                        "quantity",
                        format!(
                            "{} of line {line} already shipped, so it cannot go below {}; return what you do not need instead",
                            ledger.shipped, ledger.shipped
                        ),
                    ));
                }
                if quantity == active {
                    return Err(Rejection::new(
                        ErrorCode::InvalidValue,
                        "quantity",
                        format!("line {line} already has {active}"),
                    ));
                }
                if quantity > active {
                    let more = quantity.saturating_sub(active);
                    self.lines[idx].quantity = self.lines[idx].quantity + more;
                    let s = format!("Line {line}: {active} → {quantity} ({more} more)");
                    return Ok(ChangeResult {
                        applied: Some(s.clone()),
                        pending: Vec::new(),
                        summary: s,
                        added_line: None,
                    });
                }
                Ok(self.cut(idx, active.saturating_sub(quantity), names))
            }
            Change::CancelLine { line } => {
                let idx = self.line_index(line, "line")?;
                let ledger = self.ledger(&self.lines[idx]);
                let open = ledger.active().saturating_sub(ledger.shipped);
                if open.is_zero() {
                    return Err(Rejection::new(
                        ErrorCode::InvalidState,
                        "line",
                        format!("nothing of line {line} is left to cancel; return what has been delivered instead"),
                    ));
                }
                Ok(self.cut(idx, open, names))
            }
            Change::CancelOrder => {
                let mut applied = Vec::new();
                let mut pending = Vec::new();
                let mut sentences = Vec::new();
                let mut shipped_lines = 0;
                for idx in 0..self.lines.len() {
                    let ledger = self.ledger(&self.lines[idx]);
                    let open = ledger.active().saturating_sub(ledger.shipped);
                    if !ledger.shipped.is_zero() {
                        shipped_lines += 1;
                    }
                    if open.is_zero() {
                        continue;
                    }
                    let r = self.cut(idx, open, names);
                    applied.extend(r.applied);
                    pending.extend(r.pending);
                    sentences.push(r.summary);
                }
                if sentences.is_empty() {
                    return Err(Rejection::new(
                        ErrorCode::InvalidState,
                        "",
                        "everything on this order has shipped; return what you do not need instead",
                    ));
                }
                if shipped_lines > 0 {
                    sentences.push(format!(
                        "{shipped_lines} line{} had already shipped: what shipped stays on the order (a return is the way back)",
                        if shipped_lines == 1 { "" } else { "s" }
                    ));
                }
                Ok(ChangeResult {
                    applied: (!applied.is_empty()).then(|| applied.join("; ")),
                    pending,
                    summary: sentences.join("; "),
                    added_line: None,
                })
            }
            Change::ShipTo { line, ship_to } => {
                let idx = self.line_index(line, "line")?;
                match account.location(ship_to) {
                    Some(l) if l.kind.can_receive() => {}
                    Some(_) => {
                        return Err(Rejection::new(
                            ErrorCode::InvalidValue,
                            "ship_to",
                            "this location does not receive goods",
                        ));
                    }
                    None => {
                        return Err(Rejection::new(
                            ErrorCode::ForeignAccount,
                            "ship_to",
                            "the ship-to location does not belong to the ordering account",
                        ));
                    }
                }
                if self.lines[idx].ship_to == ship_to {
                    return Err(Rejection::new(
                        ErrorCode::InvalidValue,
                        "ship_to",
                        format!("line {line} already ships to {}", (names.location)(ship_to)),
                    ));
                }
                let ledger = self.ledger(&self.lines[idx]);
                if !ledger.shipped.is_zero() {
                    return Err(Rejection::new(
                        ErrorCode::InvalidState,
                        "ship_to",
                        format!(
                            "{} of line {line} already shipped to {}; cancel the rest and add a line for the new location instead",
                            ledger.shipped,
                            (names.location)(self.lines[idx].ship_to)
                        ),
                    ));
                }
                if ledger.open().is_zero() {
                    return Err(Rejection::new(
                        ErrorCode::InvalidState,
                        "ship_to",
                        format!("nothing of line {line} is left to deliver"),
                    ));
                }
                let released: Vec<FulfilmentLocationId> = self.lines[idx]
                    .allocations
                    .iter()
                    .filter(|a| a.released > self.shipped_from(line, a.location))
                    .map(|a| a.location)
                    .collect();
                let to = (names.location)(ship_to);
                if let Some(loc) = released.first() {
                    return Ok(ChangeResult {
                        applied: None,
                        pending: vec![Pending::ShipTo { line, ship_to }],
                        summary: format!(
                            "Line {line} is already being packed at {} — we asked the warehouse to send it to {to} instead; you'll hear back",
                            (names.fulfilment)(*loc)
                        ),
                        added_line: None,
                    });
                }
                self.lines[idx].ship_to = ship_to;
                let s = format!("Line {line} now ships to {to}");
                Ok(ChangeResult {
                    applied: Some(s.clone()),
                    pending: Vec::new(),
                    summary: s,
                    added_line: None,
                })
            }
            Change::RequestedDate { line, date } => {
                let idx = self.line_index(line, "line")?;
                let ledger = self.ledger(&self.lines[idx]);
                if ledger.open().is_zero() {
                    return Err(Rejection::new(
                        ErrorCode::InvalidState,
                        "line",
                        format!("nothing of line {line} is left to deliver"),
                    ));
                }
                if self.lines[idx].requested_date == date {
                    return Err(Rejection::new(
                        ErrorCode::InvalidValue,
                        "requested_date",
                        format!("line {line} already has this requested date"),
                    ));
                }
                self.lines[idx].requested_date = date;
                let s = match date {
                    Some(d) => format!("Line {line} is now wanted by {d}"),
                    None => format!("Line {line} has no requested date any more"),
                };
                Ok(ChangeResult {
                    applied: Some(s.clone()),
                    pending: Vec::new(),
                    summary: s,
                    added_line: None,
                })
            }
            Change::AddLine(nl) => {
                self.require_released_or_pending()?;
                require_positive(nl.quantity, "quantity")?;
                let no = *next_line;
                let line = new_line(account, no, *nl, &|f| f.to_owned())?;
                let s = format!("Line {no} added: {} × {} {}", line.quantity, line.sku, line.description);
                self.lines.push(line);
                *next_line += 1;
                Ok(ChangeResult {
                    applied: Some(s.clone()),
                    pending: Vec::new(),
                    summary: s,
                    added_line: Some(no),
                })
            }
        }
    }

    /// An order rejected in approval takes no more lines (it will never be fulfilled).
    fn require_released_or_pending(&self) -> Result<()> {
        use crate::approval::ApprovalState;
        match self.approval.as_ref().map(|a| a.state()) {
            Some(ApprovalState::Rejected) => Err(Rejection::new(
                ErrorCode::InvalidState,
                "",
                "the order was rejected by an approver",
            )),
            _ => Ok(()),
        }
    }

    /// Cuts `qty` of open quantity from a line: unallocated first, then backordered, then
    /// allocated but not released (deallocating it); what a warehouse released becomes pending
    /// work for the seller. `qty` never exceeds what has not shipped (callers check).
    fn cut(&mut self, idx: usize, qty: Qty, names: &ChangeNames<'_>) -> ChangeResult {
        let line_no = self.lines[idx].no;
        let ledger = self.ledger(&self.lines[idx]);
        let from_unallocated = qty.min(ledger.unallocated);
        let from_backorder = qty.saturating_sub(from_unallocated).min(ledger.backordered);
        let mut rest = qty.saturating_sub(from_unallocated).saturating_sub(from_backorder);
        let shipped_at: Vec<Qty> = self.lines[idx]
            .allocations
            .iter()
            .map(|a| self.shipped_from(line_no, a.location))
            .collect();
        let mut from_allocated = Qty::ZERO;
        let line = &mut self.lines[idx];
        for (a, shipped) in line.allocations.iter_mut().zip(&shipped_at) {
            let committed = a.released.max(*shipped);
            let free = a.quantity.saturating_sub(committed).min(rest);
            a.quantity = a.quantity.saturating_sub(free);
            rest = rest.saturating_sub(free);
            from_allocated = from_allocated + free;
        }
        let mut pending = Vec::new();
        for (a, shipped) in line.allocations.iter().zip(&shipped_at) {
            let released_open = a
                .released
                .saturating_sub(*shipped)
                .min(a.quantity.saturating_sub(*shipped));
            let take = released_open.min(rest);
            if !take.is_zero() {
                pending.push(Pending::Cut {
                    line: line_no,
                    location: a.location,
                    quantity: take,
                });
                rest = rest.saturating_sub(take);
            }
        }
        if let Some(b) = line.backorder.as_mut() {
            b.quantity = b.quantity.saturating_sub(from_backorder);
        }
        let now = from_unallocated + from_backorder + from_allocated;
        line.cancelled = line.cancelled + now;
        let waiting: Vec<String> = pending
            .iter()
            .filter_map(|p| match p {
                Pending::Cut { location, quantity, .. } => Some(format!(
                    "{quantity} {} already packed at {}",
                    if quantity.get() == 1 { "was" } else { "were" },
                    (names.fulfilment)(*location)
                )),
                Pending::ShipTo { .. } => None,
            })
            .collect();
        let applied = (!now.is_zero()).then(|| format!("Line {line_no}: {now} of {qty} cancelled"));
        let summary = match (&applied, waiting.is_empty()) {
            (Some(a), true) => a.clone(),
            (Some(a), false) => format!("{a}; {} — we asked the warehouse, you'll hear back", waiting.join(", ")),
            (None, _) => format!(
                "Line {line_no}: {} — we asked the warehouse to cancel {qty}, you'll hear back",
                waiting.join(", ")
            ),
        };
        ChangeResult {
            applied,
            pending,
            summary,
            added_line: None,
        }
    }

    /// The seller accepts pending work: the cut or re-address is applied if it still can be
    /// (the warehouse may have shipped the goods since — then the request is rejected instead).
    pub fn apply_pending(&mut self, p: &Pending, names: &ChangeNames<'_>) -> Result<String> {
        match p {
            Pending::Cut {
                line,
                location,
                quantity,
            } => {
                let idx = self.line_index(*line, "line")?;
                let shipped = self.shipped_from(*line, *location);
                let l = &mut self.lines[idx];
                let Some(a) = l.allocations.iter_mut().find(|a| a.location == *location) else {
                    return Err(Rejection::new(
                        ErrorCode::InvalidState,
                        "",
                        format!(
                            "line {line} is no longer allocated at {}",
                            (names.fulfilment)(*location)
                        ),
                    ));
                };
                let released_open = a.released.saturating_sub(shipped);
                if *quantity > released_open {
                    return Err(Rejection::new(
                        ErrorCode::InvalidState,
                        "",
                        format!(
                            "only {released_open} of line {line} is still unshipped at {}; reject the request and say so",
                            (names.fulfilment)(*location)
                        ),
                    ));
                }
                a.quantity = a.quantity.saturating_sub(*quantity);
                a.released = a.released.saturating_sub(*quantity);
                l.cancelled = l.cancelled + *quantity;
                self.check_balanced()?;
                Ok(format!(
                    "Line {line}: {quantity} cancelled at {}",
                    (names.fulfilment)(*location)
                ))
            }
            Pending::ShipTo { line, ship_to } => {
                let idx = self.line_index(*line, "line")?;
                let ledger = self.ledger(&self.lines[idx]);
                if !ledger.shipped.is_zero() {
                    return Err(Rejection::new(
                        ErrorCode::InvalidState,
                        "",
                        format!(
                            "{} of line {line} has shipped since; reject the request and say so",
                            ledger.shipped
                        ),
                    ));
                }
                self.lines[idx].ship_to = *ship_to;
                Ok(format!("Line {line} now ships to {}", (names.location)(*ship_to)))
            }
        }
    }

    /// A fulfilment location releases allocated quantity to its floor (picking): from then on a
    /// change to it is routed to the seller instead of applied at once.
    pub fn release(&mut self, line_no: u32, location: FulfilmentLocationId, qty: Qty) -> Result<()> {
        self.require_released()?;
        require_positive(qty, "quantity")?;
        let idx = self.line_index(line_no, "line")?;
        let shipped = self.shipped_from(line_no, location);
        let Some(a) = self.lines[idx].allocations.iter_mut().find(|a| a.location == location) else {
            return Err(Rejection::new(
                ErrorCode::UnknownReference,
                "fulfilment_location_id",
                format!("line {line_no} is not allocated at this location"),
            ));
        };
        let committed = a.released.max(shipped);
        let free = a.quantity.saturating_sub(committed);
        if qty > free {
            return Err(Rejection::new(
                ErrorCode::OverAllocation,
                "quantity",
                format!(
                    "line {line_no} has {free} allocated and not yet released or shipped here; cannot release {qty}"
                ),
            ));
        }
        a.released = committed + qty;
        Ok(())
    }
}
