//! The `allocations` kind: one row per (order line, fulfilment location), as a WMS or ERP
//! reserves stock. Rows of one order are adjacent. `quantity` is the total the line should have
//! allocated at that location (shipped included), so a file that says the same thing twice
//! changes nothing.

use super::orders::{identifier, required, text};
use super::{RawRow, RowError};

/// The columns of an `allocations` row.
pub const COLUMNS: [&str; 5] = ["order", "sku", "ship_to", "from", "quantity"];

/// One allocation as a WMS sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllocationRow {
    /// The order's number.
    pub order: String,
    pub sku: String,
    /// The line's ship-to (id or name), needed only when the order has the SKU for several.
    pub ship_to: Option<String>,
    /// The fulfilment location's code.
    pub from: String,
    /// The line's total allocated at `from`, shipped included.
    pub quantity: u32,
}

impl AllocationRow {
    pub fn from_raw(raw: &RawRow) -> Result<AllocationRow, RowError> {
        if let Some(c) = raw.unknown_column(&COLUMNS) {
            return Err(RowError::new(raw, &c, "unknown column"));
        }
        let quantity = required(raw, "quantity")?
            .parse::<u32>()
            .map_err(|_| RowError::new(raw, "quantity", "must be a whole number from 0 to 4294967295"))?;
        let ship_to = match raw.get("ship_to") {
            None => None,
            Some(_) => Some(text(raw, "ship_to", 200)?),
        };
        Ok(AllocationRow {
            order: identifier(raw, "order")?,
            sku: identifier(raw, "sku")?,
            ship_to,
            from: identifier(raw, "from")?,
            quantity,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Format, RowReader};
    use super::*;

    #[test]
    fn allocation_rows_name_an_order_line_a_location_and_a_total() {
        let text = "order,sku,from,quantity\nSO-1,GLV-1,WH1,0\nSO-1,GLV-1,,3\nSO-1,GLV-1,WH1,-1\n";
        let mut r = RowReader::new(Format::Csv, text.as_bytes()).unwrap();
        let mut rows = Vec::new();
        while let Some(x) = r.next_row() {
            rows.push(x.unwrap().unwrap());
        }
        assert_eq!(AllocationRow::from_raw(&rows[0]).unwrap().quantity, 0);
        assert_eq!(AllocationRow::from_raw(&rows[1]).unwrap_err().column, "from");
        assert_eq!(AllocationRow::from_raw(&rows[2]).unwrap_err().column, "quantity");
    }
}
