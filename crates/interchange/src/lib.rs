//! Interchange formats for receivables, converted at the edge: bank statements in (ISO 20022
//! camt.053 and bank CSV exports, to apply incoming payments) and e-invoices out (UBL 2.1 as
//! Peppol BIS Billing 3.0).
//!
//! Each format has its own types here; the app converts between them and its aggregates. No
//! I/O: parsers take bytes, writers return text. Money is always integer minor units
//! ([`aftercart_domain::money::Money`]); no float is used anywhere.

pub mod bank;
mod currency;
pub mod cxml;
pub mod edifact;
pub mod einvoice_in;
pub mod erp;
pub mod oci;
pub mod tracking;
pub mod ubl;
pub mod x12;

pub use bank::{
    BankEntry, BankFormat, BankStatement, Direction, ParseError, parse_bank_csv, parse_camt053, parse_statement,
};
pub use currency::iso4217;
pub use ubl::{
    Address, DocCharge, DocKind, EInvoice, EInvoiceLine, Party, PaymentMeans, TaxCategory, TaxSubtotal, Totals,
    UblError, VatCategory, totals, validate, write,
};
