//! The `invoices` kind: one row per invoice line, as an ERP bills. Rows with the same
//! `invoice_number` make one invoice and must be adjacent; every row names the same account,
//! issue date, freight and tax amount.

use super::orders::{identifier, required, text};
use super::{RawRow, RowError};
use time::Date;

/// The columns of an `invoices` row.
pub const COLUMNS: [&str; 11] = [
    "invoice_number",
    "account",
    "issued_on",
    "order",
    "sku",
    "ship_to",
    "quantity",
    "unit_price",
    "tax_rate",
    "tax",
    "freight",
];

/// One invoice line as an ERP sends it. Amounts are checked as decimals here and read in the
/// account's currency by the importer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceLineRow {
    pub invoice_number: String,
    /// The account's number.
    pub account: String,
    pub issued_on: Option<Date>,
    /// The order's number.
    pub order: String,
    pub sku: String,
    /// The line's ship-to (id or name), needed only when the order has the SKU for several.
    pub ship_to: Option<String>,
    pub quantity: u32,
    pub unit_price: String,
    /// Basis points (a `tax_rate` of `8.25` percent is 825).
    pub tax_rate_bp: Option<u32>,
    /// The invoice's tax amount, when the lines carry no rates (none: no tax).
    pub tax: Option<String>,
    pub freight: Option<String>,
}

/// A decimal amount, not negative, of plain digits (the currency's decimals are checked when it
/// is read in the account's currency).
pub(super) fn decimal(raw: &RawRow, column: &str, v: &str) -> Result<String, RowError> {
    let ok = {
        let (whole, frac) = v.split_once('.').unwrap_or((v, ""));
        !whole.is_empty()
            && whole.bytes().all(|b| b.is_ascii_digit())
            && frac.len() <= 4
            && frac.bytes().all(|b| b.is_ascii_digit())
            && whole.len() <= 15
    };
    if ok {
        Ok(v.to_owned())
    } else {
        Err(RowError::new(
            raw,
            column,
            "must be a decimal amount such as 12.50, not negative",
        ))
    }
}

/// A percentage with up to two decimals, 0 to 100, as basis points.
fn percent_bp(raw: &RawRow, column: &str, v: &str) -> Result<u32, RowError> {
    let bad = || RowError::new(raw, column, "must be a percentage from 0 to 100, such as 8.25");
    let (whole, frac) = v.split_once('.').unwrap_or((v, ""));
    if whole.is_empty() || whole.len() > 3 || frac.len() > 2 {
        return Err(bad());
    }
    let w: u32 = whole.parse().map_err(|_| bad())?;
    let f: u32 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<2}").parse().map_err(|_| bad())?
    };
    let bp = w * 100 + f;
    if bp > 10_000 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    Ok(bp)
}

impl InvoiceLineRow {
    pub fn from_raw(raw: &RawRow) -> Result<InvoiceLineRow, RowError> {
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
        let issued_on = match raw.get("issued_on") {
            None => None,
            Some(d) => Some(
                Date::parse(d, time::macros::format_description!("[year]-[month]-[day]"))
                    .map_err(|_| RowError::new(raw, "issued_on", "must be a date as YYYY-MM-DD"))?,
            ),
        };
        let ship_to = match raw.get("ship_to") {
            None => None,
            Some(_) => Some(text(raw, "ship_to", 200)?),
        };
        let tax_rate_bp = match raw.get("tax_rate") {
            None => None,
            Some(v) => Some(percent_bp(raw, "tax_rate", v)?),
        };
        let tax = match raw.get("tax") {
            None => None,
            Some(v) => Some(decimal(raw, "tax", v)?),
        };
        let freight = match raw.get("freight") {
            None => None,
            Some(v) => Some(decimal(raw, "freight", v)?),
        };
        Ok(InvoiceLineRow {
            invoice_number: identifier(raw, "invoice_number")?,
            account: identifier(raw, "account")?,
            issued_on,
            order: identifier(raw, "order")?,
            sku: identifier(raw, "sku")?,
            ship_to,
            quantity,
            unit_price: decimal(raw, "unit_price", required(raw, "unit_price")?)?,
            tax_rate_bp,
            tax,
            freight,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Format, RowReader};
    use super::*;

    #[test]
    fn invoice_rows_read_rates_as_basis_points_and_name_bad_columns() {
        let text = "invoice_number,account,issued_on,order,sku,quantity,unit_price,tax_rate,freight\n\
                    INV-9,C-1,2026-12-01,SO-1,GLV-1,2,11.75,8.25,12.00\n\
                    INV-9,C-1,2026-12-01,SO-1,GLV-1,2,-1,,\n\
                    INV-9,C-1,2026-12-01,SO-1,GLV-1,2,1.00,101,\n\
                    INV-9,C-1,12/01/2026,SO-1,GLV-1,2,1.00,,\n\
                    INV-9,C-1,,SO-1,GLV-1,2,1.00,20,\n";
        let mut r = RowReader::new(Format::Csv, text.as_bytes()).unwrap();
        let mut rows = Vec::new();
        while let Some(x) = r.next_row() {
            rows.push(x.unwrap().unwrap());
        }
        let l = InvoiceLineRow::from_raw(&rows[0]).unwrap();
        assert_eq!((l.tax_rate_bp, l.freight.as_deref()), (Some(825), Some("12.00")));
        let col = |i: usize| InvoiceLineRow::from_raw(&rows[i]).unwrap_err().column;
        assert_eq!(col(1), "unit_price");
        assert_eq!(col(2), "tax_rate");
        assert_eq!(col(3), "issued_on");
        assert_eq!(InvoiceLineRow::from_raw(&rows[4]).unwrap().tax_rate_bp, Some(2000));
    }
}
