//! E-invoices in: the invoices and credit notes suppliers of the dropship network send, read
//! from UBL 2.1 (`Invoice`, `CreditNote`) or UN/CEFACT CII (`CrossIndustryInvoice`) into one
//! [`InboundInvoice`], so matching them against purchase orders and receipts never sees the
//! syntax.
//!
//! Why shaped so: the reader takes what the document states and refuses only what cannot be
//! read exactly (malformed XML, a wrong root namespace, an amount that is not a decimal in the
//! document currency, a missing core total). Whether the amounts add up is a separate question
//! with an answer a person acts on, so [`check`] returns findings instead of failing the read:
//! a supplier's arithmetic slip must reach accounts payable, not vanish as a parse error.

mod check;
mod cii;
mod model;
mod ubl;
mod values;
mod xml;

use std::fmt;

pub use check::{Finding, check};
pub use model::{
    Decimal, InboundAllowanceCharge, InboundInvoice, InboundKind, InboundLine, InboundParty, InboundPrice, InboundTax,
    InboundTaxSubtotal, InboundTotals, MAX_SCALE, Quantity, Syntax,
};

/// Why a document was refused: the 1-based line and the element (`cbc:PayableAmount`) at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct EInvoiceError {
    pub line: usize,
    /// The element's canonical name (`cac:InvoiceLine`, `ram:LineTotalAmount`), or a path below
    /// it for something missing; empty when the whole document is at fault.
    pub field: String,
    pub reason: String,
}

impl EInvoiceError {
    pub(crate) fn new(line: usize, field: impl Into<String>, reason: impl Into<String>) -> EInvoiceError {
        EInvoiceError {
            line,
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for EInvoiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "line {}: {}", self.line, self.reason)
        } else {
            write!(f, "line {}: {}: {}", self.line, self.field, self.reason)
        }
    }
}

/// Reads a UBL Invoice or CreditNote, or a CII CrossIndustryInvoice, by its root element.
pub fn read_einvoice(bytes: &[u8]) -> Result<InboundInvoice, EInvoiceError> {
    read(bytes, None)
}

/// Reads a UBL 2.1 Invoice or CreditNote, refusing anything else.
pub fn read_ubl(bytes: &[u8]) -> Result<InboundInvoice, EInvoiceError> {
    read(bytes, Some(Syntax::Ubl))
}

/// Reads a CII CrossIndustryInvoice, refusing anything else.
pub fn read_cii(bytes: &[u8]) -> Result<InboundInvoice, EInvoiceError> {
    read(bytes, Some(Syntax::Cii))
}

fn read(bytes: &[u8], want: Option<Syntax>) -> Result<InboundInvoice, EInvoiceError> {
    let doc = xml::parse(bytes)?;
    let name = doc.root.name.as_str();
    let local = name.split_once(':').map_or(name, |(_, l)| l);
    let syntax = match (name, doc.namespace.as_deref()) {
        ("doc:Invoice", Some(xml::UBL_INVOICE)) | ("doc:CreditNote", Some(xml::UBL_CREDIT_NOTE)) => Syntax::Ubl,
        ("rsm:CrossIndustryInvoice", Some(xml::CII)) => Syntax::Cii,
        (_, ns) => {
            let reason = match ns {
                Some(ns) => format!(
                    "the root element {local} in '{ns}' is not a UBL 2.1 Invoice or CreditNote, nor a CII \
                     CrossIndustryInvoice"
                ),
                None => format!("the root element {local} has no namespace, so it is not a UBL or CII invoice"),
            };
            return Err(EInvoiceError::new(doc.root.line, local, reason));
        }
    };
    match (want, syntax) {
        (Some(Syntax::Ubl), Syntax::Cii) => Err(EInvoiceError::new(doc.root.line, local, "a CII invoice, not UBL")),
        (Some(Syntax::Cii), Syntax::Ubl) => Err(EInvoiceError::new(doc.root.line, local, "a UBL document, not CII")),
        (_, Syntax::Ubl) => ubl::read(&doc.root),
        (_, Syntax::Cii) => cii::read(&doc.root),
    }
}
