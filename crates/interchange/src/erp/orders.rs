//! The `orders` kind: one row per order line. Rows with the same `order_ref` (the ERP's id for
//! the order) make one order and must be adjacent in the file.

use super::{RawRow, RowError};
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

/// The columns, in the order exports write them.
pub const COLUMNS: [&str; 9] = [
    "order_ref",
    "order_number",
    "account",
    "ship_to",
    "sku",
    "quantity",
    "requested_date",
    "po_number",
    "placed_at",
];

/// Identifiers and references: what the store's indexed columns may hold.
const MAX_ID: usize = 64;

/// One order line as an ERP sends it (and as exports write it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderLineRow {
    /// The ERP's id for the order (the external id imports are idempotent by).
    pub order_ref: String,
    /// The order number customers see; the `order_ref` when not given.
    pub order_number: Option<String>,
    /// The account's number.
    pub account: String,
    /// The ship-to location: its id, or its name on the account.
    pub ship_to: String,
    pub sku: String,
    pub quantity: u32,
    #[serde(with = "opt_date")]
    pub requested_date: Option<Date>,
    pub po_number: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub placed_at: Option<OffsetDateTime>,
}

mod opt_date {
    use serde::Serializer;
    use time::Date;
    pub fn serialize<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&d.to_string()),
            None => s.serialize_none(),
        }
    }
}

impl OrderLineRow {
    /// Checks every column of `raw`; the first problem found is the reject.
    pub fn from_raw(raw: &RawRow) -> Result<OrderLineRow, RowError> {
        if let Some(c) = raw.unknown_column(&COLUMNS) {
            return Err(RowError::new(raw, &c, "unknown column"));
        }
        let quantity = required(raw, "quantity")?;
        let quantity = match quantity.parse::<u32>() {
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
        let requested_date = match raw.get("requested_date") {
            None => None,
            Some(d) => Some(
                Date::parse(d, time::macros::format_description!("[year]-[month]-[day]"))
                    .map_err(|_| RowError::new(raw, "requested_date", "must be a date as YYYY-MM-DD"))?,
            ),
        };
        let placed_at = match raw.get("placed_at") {
            None => None,
            Some(t) => Some(
                OffsetDateTime::parse(t, &Rfc3339)
                    .map_err(|_| RowError::new(raw, "placed_at", "must be an RFC 3339 time with an offset"))?,
            ),
        };
        Ok(OrderLineRow {
            order_ref: identifier(raw, "order_ref")?,
            order_number: optional_id(raw, "order_number")?,
            account: identifier(raw, "account")?,
            ship_to: text(raw, "ship_to", 200)?,
            sku: identifier(raw, "sku")?,
            quantity,
            requested_date,
            po_number: optional_id(raw, "po_number")?,
            placed_at,
        })
    }

    /// The row's columns as text, in [`COLUMNS`] order (for CSV exports).
    pub fn record(&self) -> [String; 9] {
        [
            self.order_ref.clone(),
            self.order_number.clone().unwrap_or_default(),
            self.account.clone(),
            self.ship_to.clone(),
            self.sku.clone(),
            self.quantity.to_string(),
            self.requested_date.map(|d| d.to_string()).unwrap_or_default(),
            self.po_number.clone().unwrap_or_default(),
            self.placed_at.and_then(|t| t.format(&Rfc3339).ok()).unwrap_or_default(),
        ]
    }
}

pub(super) fn required<'a>(raw: &'a RawRow, column: &str) -> Result<&'a str, RowError> {
    raw.get(column).ok_or_else(|| RowError::new(raw, column, "is required"))
}

pub(super) fn text(raw: &RawRow, column: &str, max: usize) -> Result<String, RowError> {
    let v = required(raw, column)?;
    check(raw, column, v, max)?;
    Ok(v.to_owned())
}

pub(super) fn identifier(raw: &RawRow, column: &str) -> Result<String, RowError> {
    text(raw, column, MAX_ID)
}

pub(super) fn optional_id(raw: &RawRow, column: &str) -> Result<Option<String>, RowError> {
    match raw.get(column) {
        None => Ok(None),
        Some(v) => {
            check(raw, column, v, MAX_ID)?;
            Ok(Some(v.to_owned()))
        }
    }
}

pub(super) fn check(raw: &RawRow, column: &str, v: &str, max: usize) -> Result<(), RowError> {
    if v.chars().count() > max {
        return Err(RowError::new(raw, column, format!("must be at most {max} characters")));
    }
    if v.chars().any(char::is_control) {
        return Err(RowError::new(raw, column, "must not contain control characters"));
    }
    Ok(())
}
