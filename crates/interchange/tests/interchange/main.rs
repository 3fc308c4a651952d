//! The interchange crate's one integration-test binary: bank statements parsed from documents
//! written here, and e-invoices written and then checked by the real validators (UBL 2.1 XSD via
//! xmllint, EN 16931 schematron via Saxon) plus the Peppol rules no offline engine checks.

mod bank_csv;
mod camt053;
mod cxml;
mod documents;
mod edifact;
mod einvoice_in;
mod erp;
mod oci;
mod peppol;
mod samples;
mod totals;
mod tracking;
mod ubl;
mod validators;
mod x12;

use aftercart_domain::money::{Currency, Money};

pub fn ccy(code: &str) -> Currency {
    Currency::parse(code, "currency").unwrap()
}

pub fn money(amount: &str, code: &str) -> Money {
    Money::parse(amount, ccy(code), "amount").unwrap()
}
