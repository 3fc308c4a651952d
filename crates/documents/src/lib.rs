//! Printable documents — invoices, credit memos and account statements — as PDF.
//!
//! The view models are deliberately dumb: every amount, date and rate arrives as the string the
//! reader should see, formatted by the app for the account's locale and currency, so this crate
//! knows no domain type and cannot disagree with the portal about how money looks. Rendering is
//! infallible, linear in the number of lines, and deterministic: the same input gives the same
//! bytes (nothing reads the clock; the statement's "generated" date comes from the caller), so
//! tests and caches may compare files.
//!
//! Text is set in the PDF standard-14 Helvetica faces with WinAnsiEncoding: nothing is embedded,
//! files stay small and their text extracts (copy, search, screen readers). The known limit is
//! that encoding's repertoire: characters outside Windows-1252 print as `?` (CJK, Cyrillic,
//! Greek, most symbols; see [`encodable`]). Labels ("Bill to", "Page 1 of 2") are English.
//!
//! ```
//! use aftercart_documents::{InvoiceDoc, Letterhead, invoice_pdf};
//!
//! let head = Letterhead { seller_name: "Northwind Industrial Supply".into(), ..Letterhead::default() };
//! let doc = InvoiceDoc {
//!     number: "INV-1001".into(),
//!     totals: vec![("Balance due".into(), "$1,044.00".into())],
//!     ..InvoiceDoc::default()
//! };
//! let pdf = invoice_pdf(&head, &doc);
//! assert!(pdf.starts_with(b"%PDF-"));
//! ```

mod blocks;
mod fonts;
mod invoice;
mod layout;
mod statement;
mod table;

pub use invoice::{DocLine, InvoiceDoc, InvoiceKind, invoice_pdf};
pub use layout::Paper;
pub use statement::{StatementDoc, StatementLine, statement_pdf};

/// Who issues the document, printed top-left on every first page in the brand colour.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Letterhead {
    pub seller_name: String,
    pub address_lines: Vec<String>,
    /// Printed as given, so it should carry its own label ("VAT GB 123 4567 89", "EIN 12-3456789").
    pub tax_id: Option<String>,
    /// Printed as given ("billing@northwind.example · +1 555 0100").
    pub contact: Option<String>,
    /// The seller's colour for the name, title and rules; a pale colour is darkened for text so
    /// it stays readable on white.
    pub brand_rgb: (u8, u8, u8),
    pub paper: Paper,
}

/// How to pay: shown in a box beside the totals.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Remittance {
    /// The payment reference (e.g. "RF18 5390 0754 7034"), printed large.
    pub reference: String,
    /// One line each: bank name, IBAN or account and routing numbers, "Quote the reference…".
    pub instructions: Vec<String>,
}

/// Whether `text` prints exactly as given, i.e. every character is in Windows-1252 (the rest
/// print as `?`). Lets the app warn, or choose another channel, before sending a document.
pub fn encodable(text: &str) -> bool {
    text.chars().all(fonts::encodable)
}
