//! Timestamps as SQLite text: fixed-width RFC 3339 in UTC, so text order is time order.

use crate::StoreError;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

pub fn to_text(t: OffsetDateTime) -> String {
    let f = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
    t.to_offset(UtcOffset::UTC).format(&f).unwrap_or_default()
}

pub fn from_text(s: &str) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::parse(s, &Rfc3339).map_err(|e| StoreError::new(format!("bad timestamp '{s}': {e}")))
}
