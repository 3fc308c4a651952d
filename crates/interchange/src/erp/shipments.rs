//! The `shipments` kind: one row per shipped line, as a WMS reports what left the building. Rows
//! with the same `shipment_ref` (the WMS's id for the parcel or load) make one shipment and must
//! be adjacent; every row of a shipment names the same order, origin, carrier and tracking.

use super::orders::{identifier, optional_id, required, text};
use super::{RawRow, RowError};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The columns of a `shipments` row.
pub const COLUMNS: [&str; 10] = [
    "shipment_ref",
    "order",
    "from",
    "sku",
    "ship_to",
    "quantity",
    "carrier",
    "service",
    "tracking_number",
    "shipped_at",
];

/// One shipped line as a WMS sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShipmentLineRow {
    /// The WMS's id for the shipment (the external id imports are idempotent by).
    pub shipment_ref: String,
    /// The order's number.
    pub order: String,
    /// The fulfilment location's code.
    pub from: String,
    pub sku: String,
    /// The line's ship-to (id or name), needed only when the order has the SKU for several.
    pub ship_to: Option<String>,
    pub quantity: u32,
    pub carrier: String,
    pub service: Option<String>,
    pub tracking_number: Option<String>,
    pub shipped_at: Option<OffsetDateTime>,
}

impl ShipmentLineRow {
    pub fn from_raw(raw: &RawRow) -> Result<ShipmentLineRow, RowError> {
        if let Some(c) = raw.unknown_column(&COLUMNS) {
            return Err(RowError::new(raw, &c, "unknown column"));
        }
        let quantity = match required(raw, "quantity")?.parse::<u32>() {
            Ok(0) => return Err(RowError::new(raw, "quantity", "must be at least 1")),
            Ok(q) => q,
            Err(_) => {
                return Err(RowError::new(
                    raw,
                    "quantity",
                    "must be a whole number from 1 to 4294967295",
                ));
            }
        };
        let shipped_at = match raw.get("shipped_at") {
            None => None,
            Some(t) => Some(
                OffsetDateTime::parse(t, &Rfc3339)
                    .map_err(|_| RowError::new(raw, "shipped_at", "must be an RFC 3339 time with an offset"))?,
            ),
        };
        let ship_to = match raw.get("ship_to") {
            None => None,
            Some(_) => Some(text(raw, "ship_to", 200)?),
        };
        Ok(ShipmentLineRow {
            shipment_ref: identifier(raw, "shipment_ref")?,
            order: identifier(raw, "order")?,
            from: identifier(raw, "from")?,
            sku: identifier(raw, "sku")?,
            ship_to,
            quantity,
            carrier: text(raw, "carrier", 100)?,
            service: optional_id(raw, "service")?,
            tracking_number: optional_id(raw, "tracking_number")?,
            shipped_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Format, RowReader};
    use super::*;

    #[test]
    fn shipment_rows_need_a_ref_an_order_an_origin_and_a_carrier() {
        let text = "shipment_ref,order,from,sku,quantity,carrier,tracking_number,shipped_at\n\
                    P-1,SO-1,WH1,GLV-1,2,UPS,1Z999,2026-12-01T10:00:00Z\n\
                    P-1,SO-1,WH1,GLV-1,0,UPS,1Z999,\n\
                    P-1,SO-1,WH1,GLV-1,1,,1Z999,\n\
                    P-1,SO-1,WH1,GLV-1,1,UPS,,yesterday\n";
        let mut r = RowReader::new(Format::Csv, text.as_bytes()).unwrap();
        let mut rows = Vec::new();
        while let Some(x) = r.next_row() {
            rows.push(x.unwrap().unwrap());
        }
        let s = ShipmentLineRow::from_raw(&rows[0]).unwrap();
        assert_eq!((s.quantity, s.tracking_number.as_deref()), (2, Some("1Z999")));
        assert!(s.shipped_at.is_some() && s.ship_to.is_none());
        let col = |i: usize| ShipmentLineRow::from_raw(&rows[i]).unwrap_err().column;
        assert_eq!(col(1), "quantity");
        assert_eq!(col(2), "carrier");
        assert_eq!(col(3), "shipped_at");
    }
}
