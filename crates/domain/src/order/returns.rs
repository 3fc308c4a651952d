//! Delivered goods coming back: what a line may still return, and recording units received back
//! at the warehouse under a return (RMA). The return's own life (requested, approved, shipped
//! back, credited) is the return aggregate's; the order records only the units that arrived.

use super::Order;
use crate::error::{ErrorCode, Rejection, Result};
use crate::ids::ReturnId;
use crate::quantity::Qty;
use time::OffsetDateTime;

impl Order {
    /// Delivered units of a line not yet received back under a return (returns still on their
    /// way are the return aggregate's to subtract).
    pub fn returnable(&self, line_no: u32) -> Qty {
        self.line(line_no).map_or(Qty::ZERO, |l| self.ledger(l).delivered)
    }

    /// Records `qty` delivered units of a line received back at the warehouse under `return_id`:
    /// the ledger moves them from delivered to returned. Refused when the line has fewer
    /// delivered units than that.
    pub fn receive_return(
        &mut self,
        line_no: u32,
        qty: Qty,
        return_id: ReturnId,
        condition: &str,
        at: OffsetDateTime,
    ) -> Result<()> {
        if qty.is_zero() {
            return Err(Rejection::new(
                ErrorCode::InvalidQuantity,
                "quantity",
                "quantity must be at least 1",
            ));
        }
        let delivered = self.returnable(line_no);
        let Some(line) = self.lines.iter_mut().find(|l| l.no == line_no) else {
            return Err(Rejection::new(
                ErrorCode::UnknownReference,
                "line",
                format!("order {} has no line {line_no}", self.number),
            ));
        };
        if qty > delivered {
            return Err(Rejection::new(
                ErrorCode::InvalidQuantity,
                "quantity",
                format!("line {line_no} has {delivered} delivered; cannot receive {qty} back"),
            ));
        }
        line.returns.push(super::LineReturn {
            return_id,
            quantity: qty,
            received_at: at,
            condition: condition.to_owned(),
        });
        Ok(())
    }
}
