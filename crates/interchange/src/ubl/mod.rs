//! E-invoices out: UBL 2.1 invoices and credit notes as Peppol BIS Billing 3.0 (EN 16931)
//! expects them, from a model the app fills in. The document is validated and its totals
//! computed here, so what is written always adds up and meets the rules its receiver checks.

mod model;
pub mod peppol;
mod totals;
mod validate;
mod write;

pub use model::{
    Address, DocCharge, DocKind, EInvoice, EInvoiceLine, Party, PaymentMeans, TaxCategory, TaxSubtotal, Totals,
    VatCategory,
};
pub use totals::totals;
pub use validate::validate;
pub use write::write;

/// Why a document cannot be written: the model's field at fault (e.g. `lines[2].tax`) and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct UblError {
    pub field: String,
    pub reason: String,
}

impl UblError {
    pub(crate) fn new(field: impl Into<String>, reason: impl Into<String>) -> UblError {
        UblError {
            field: field.into(),
            reason: reason.into(),
        }
    }
}
