//! The `payments` kind: one row per amount a payment applies to an invoice (or, with no
//! invoice, leaves unapplied on the account). Rows with the same `payment_ref` make one payment
//! and must be adjacent; every row names the same account, method, time and reference.

use super::invoices::decimal;
use super::orders::{identifier, optional_id, required};
use super::{RawRow, RowError};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The columns of a `payments` row.
pub const COLUMNS: [&str; 7] = [
    "payment_ref",
    "account",
    "method",
    "received_at",
    "reference",
    "invoice",
    "amount",
];

/// One application of a payment as an ERP sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRow {
    pub payment_ref: String,
    /// The account's number.
    pub account: String,
    /// `card`, `ach`, `wire` or `cheque` (checked by the importer against the domain's list).
    pub method: String,
    pub received_at: Option<OffsetDateTime>,
    /// The remitter's reference (a cheque number, a wire reference).
    pub reference: Option<String>,
    /// The invoice's number; none for an amount left unapplied.
    pub invoice: Option<String>,
    /// A decimal amount, read in the account's currency.
    pub amount: String,
}

impl PaymentRow {
    pub fn from_raw(raw: &RawRow) -> Result<PaymentRow, RowError> {
        if let Some(c) = raw.unknown_column(&COLUMNS) {
            return Err(RowError::new(raw, &c, "unknown column"));
        }
        let received_at = match raw.get("received_at") {
            None => None,
            Some(t) => Some(
                OffsetDateTime::parse(t, &Rfc3339)
                    .map_err(|_| RowError::new(raw, "received_at", "must be an RFC 3339 time with an offset"))?,
            ),
        };
        let amount = decimal(raw, "amount", required(raw, "amount")?)?;
        if amount.bytes().all(|b| b == b'0' || b == b'.') {
            return Err(RowError::new(raw, "amount", "must be more than zero"));
        }
        Ok(PaymentRow {
            payment_ref: identifier(raw, "payment_ref")?,
            account: identifier(raw, "account")?,
            method: identifier(raw, "method")?.to_ascii_lowercase(),
            received_at,
            reference: optional_id(raw, "reference")?,
            invoice: optional_id(raw, "invoice")?,
            amount,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Format, RowReader};
    use super::*;

    #[test]
    fn payment_rows_need_a_positive_amount_and_a_method() {
        let text = "payment_ref,account,method,received_at,invoice,amount\n\
                    PAY-1,C-1,ACH,2026-12-01T10:00:00+01:00,INV-9,100.00\n\
                    PAY-1,C-1,ach,,,0.00\n\
                    PAY-1,C-1,,,,1.00\n\
                    PAY-1,C-1,ach,today,,1.00\n";
        let mut r = RowReader::new(Format::Csv, text.as_bytes()).unwrap();
        let mut rows = Vec::new();
        while let Some(x) = r.next_row() {
            rows.push(x.unwrap().unwrap());
        }
        let p = PaymentRow::from_raw(&rows[0]).unwrap();
        assert_eq!((p.method.as_str(), p.invoice.as_deref()), ("ach", Some("INV-9")));
        let col = |i: usize| PaymentRow::from_raw(&rows[i]).unwrap_err().column;
        assert_eq!(col(1), "amount");
        assert_eq!(col(2), "method");
        assert_eq!(col(3), "received_at");
    }
}
