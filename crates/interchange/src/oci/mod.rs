//! SAP OCI (Open Catalog Interface, 4.0/5.0): the other punchout protocol, spoken by SAP SRM,
//! S/4HANA and many ERP shops. It has no documents, only form fields: the buyer's system opens
//! the catalogue with a form or URL carrying `HOOK_URL`, credentials and `~`-prefixed control
//! fields ([`parse_setup`] → [`OciSetup`]); the catalogue returns the cart as indexed
//! `NEW_ITEM-…[n]` fields posted through the browser to `HOOK_URL` ([`cart_return_html`]).
//!
//! SAP stores the fields in fixed-length columns, so the writer enforces the lengths: a
//! description is cut at 40 characters (never inside a character), but a code that would be cut
//! (unit, vendor number, material group, …) is an error naming the item and field, since a
//! truncated code means another product. [`read_cart`] reads such a field list back (the
//! buyer's side, and round-trip tests).

mod cart;
mod setup;

use std::fmt;

pub use cart::{OciItem, cart_fields, cart_return_fields, cart_return_html, read_cart};
pub use setup::{OciFunction, OciSetup, parse_setup, parse_setup_query};

/// What was wrong with an OCI field: the item (1-based, `None` for the setup call), the field
/// name, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OciError {
    pub item: Option<usize>,
    pub field: String,
    pub reason: String,
}

impl OciError {
    pub(crate) fn new(item: Option<usize>, field: impl Into<String>, reason: impl Into<String>) -> OciError {
        OciError {
            item,
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for OciError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.item {
            Some(n) => write!(f, "item {n}, {}: {}", self.field, self.reason),
            None => write!(f, "{}: {}", self.field, self.reason),
        }
    }
}

impl std::error::Error for OciError {}
