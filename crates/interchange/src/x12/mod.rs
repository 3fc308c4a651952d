//! ASC X12 EDI in and out: purchase orders (850) read; acknowledgements (855), ship notices (856)
//! and invoices (810) written and read back; functional acknowledgements (997) both ways.
//!
//! The shape follows how X12 is checked in practice. [`Interchange::parse`] is the only door in:
//! it takes the delimiters from the ISA segment, splits the envelopes (ISA/IEA, GS/GE, ST/SE) and
//! checks their counts and control numbers, so every typed reader (`Po850::read`, …) works on a
//! [`TransactionSet`] whose envelope is already known to be whole. Envelope faults are collected
//! as [`Issue`]s, each naming the segment (its 1-based position in the interchange) and the
//! element: the strict `parse` turns the first error into an [`X12Error`]; `parse_lenient`
//! keeps them on the interchange, which is what a 997 built with [`Ack997::for_group`] reports.
//!
//! Each typed document is one struct for both directions where Aftercart writes it (855, 856,
//! 810, 997): the writer's input is what the reader returns, so "write then read" is a round
//! trip the tests can compare field by field. Money is integer minor units of the document's
//! currency (CUR, else USD), read from decimal text without floats ([`decimal`]); a price that
//! needs more decimals than the currency has is refused, naming the line and element. Quantities
//! are whole units ([`Qty`](aftercart_domain::quantity::Qty)). Writers refuse element text that
//! holds a delimiter or a non-printable character, naming the model field and the X12 element.

mod ack855;
mod ack997;
mod asn856;
mod common;
pub mod decimal;
mod envelope;
mod invoice810;
mod po850;
mod segments;
mod write;

pub use ack855::{Ack855, AckLine, AckType, LineAck, LineStatus};
pub use ack997::{Ack997, AckCode, SetAck};
pub use asn856::{Asn856, AsnItem, AsnOrder, AsnPack, Mark, Shipment};
pub use common::{Address, Contact, DateRef, Party, ProductId, Reference, Terms, functional_id_for};
pub use envelope::{FunctionalGroup, Interchange, InterchangeKey, IsaHeader, TransactionSet, Usage};
pub use invoice810::{Charge, Invoice810, InvoiceLine};
pub use po850::{Po850, PoLine};
pub use segments::{Delimiters, Segment};
pub use write::{ControlNumbers, Envelope, PartnerId, Version};

/// Why an interchange or transaction set was refused: where (the segment's 1-based position in
/// the interchange, its id, the element such as `PO104`) and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct X12Error {
    /// 1-based position of the segment in the interchange (ISA is 1); 0 when there is none.
    pub segment: usize,
    pub segment_id: String,
    /// The element at fault, e.g. `SE01` or `PO104`.
    pub element: Option<String>,
    pub reason: String,
}

impl X12Error {
    pub(crate) fn new(
        segment: usize,
        segment_id: &str,
        element: Option<String>,
        reason: impl Into<String>,
    ) -> X12Error {
        X12Error {
            segment,
            segment_id: segment_id.to_owned(),
            element,
            reason: reason.into(),
        }
    }

    fn describe(&self) -> String {
        let mut s = String::new();
        if self.segment > 0 {
            s.push_str(&format!("segment {} ({})", self.segment, self.segment_id));
            if let Some(e) = &self.element {
                s.push_str(&format!(", {e}"));
            }
            s.push_str(": ");
        }
        s.push_str(&self.reason);
        s
    }
}

/// How bad an [`Issue`] is: an error makes the strict parse fail (and a 997 reject the set or
/// group); a warning is a deviation worth showing that does not stop the data being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Severity {
    Error,
    Warning,
}

/// What kind of envelope fault an [`Issue`] is; the 997 maps these onto its error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum IssueKind {
    /// SE, GE or IEA missing.
    TrailerMissing,
    /// SE02/GE02/IEA02 differs from ST02/GS06/ISA13.
    ControlNumberMismatch,
    /// SE01/GE01/IEA01 differs from what was counted.
    CountMismatch,
    /// A segment outside the envelope it needs (an ST outside a GS, data after IEA, …).
    OutsideEnvelope,
    /// A header element that cannot be read (ISA date, GS06 not a number, …).
    BadHeader,
    /// GS01 names a different functional group than the set it holds.
    FunctionalIdMismatch,
    /// A layout deviation that does not stop reading (ISA not 106 bytes, a delimiter that
    /// collides with data, a last segment without terminator).
    Layout,
}

/// One envelope fault found while reading, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Issue {
    pub severity: Severity,
    pub kind: IssueKind,
    pub segment: usize,
    pub segment_id: String,
    pub element: Option<String>,
    pub reason: String,
}

impl Issue {
    pub fn to_error(&self) -> X12Error {
        X12Error::new(
            self.segment,
            &self.segment_id,
            self.element.clone(),
            self.reason.clone(),
        )
    }
}

/// Why a document cannot be written: the model field (e.g. `lines[2].product_ids[0].value`), the
/// X12 element it goes to where there is one, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct WriteError {
    pub field: String,
    pub reason: String,
}

impl WriteError {
    pub(crate) fn new(field: impl Into<String>, reason: impl Into<String>) -> WriteError {
        WriteError {
            field: field.into(),
            reason: reason.into(),
        }
    }
}
