//! Bank statements in: what a bank says was booked on an account, parsed from ISO 20022
//! camt.053 or a bank's CSV export into one shape, so cash application never sees the format.

mod camt053;
mod csv;
mod values;

use aftercart_domain::money::{Currency, Money};
use serde::{Deserialize, Serialize};
use std::fmt;
use time::Date;

pub use self::camt053::parse_camt053;
pub use self::csv::parse_bank_csv;
pub use values::rf_reference;

/// Where a statement came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BankFormat {
    Camt053,
    Csv,
}

/// Money in (credit) or out (debit) of the statement's account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    Credit,
    Debit,
}

/// One account's booked entries as the bank reported them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankStatement {
    pub format: BankFormat,
    pub statement_id: Option<String>,
    /// The IBAN, or the bank's other identifier for the account.
    pub account: Option<String>,
    /// The account's currency; for CSV, the one currency of every row (`None` when rows differ).
    pub currency: Option<Currency>,
    /// Signed: a debit balance is negative.
    pub opening_balance: Option<Money>,
    /// Signed: a debit balance is negative.
    pub closing_balance: Option<Money>,
    pub entries: Vec<BankEntry>,
}

/// One booked movement. A camt.053 batch entry with several transactions becomes one of these per
/// transaction, so each payment can be applied on its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankEntry {
    /// 1-based line of the source where the entry (camt `Ntry` or its `TxDtls`, or the CSV row)
    /// starts: what a person looks for when an entry is questioned.
    pub line: usize,
    /// Never negative (the direction carries the sign); zero only when the bank reports zero.
    pub amount: Money,
    pub direction: Direction,
    pub booked_on: Date,
    pub value_on: Option<Date>,
    /// The bank's own reference (camt `AcctSvcrRef` of the transaction, else of the entry, else
    /// `NtryRef`). Transactions of one batch may share it when the bank gives no transaction
    /// reference, so it does not identify an entry on its own.
    pub bank_reference: Option<String>,
    /// The payer's end-to-end id; `NOTPROVIDED` is left out.
    pub end_to_end_id: Option<String>,
    /// A creditor reference such as an ISO 11649 `RF…` reference (camt `Strd/CdtrRefInf/Ref`;
    /// in CSV, a reference cell that is a valid RF reference).
    pub structured_reference: Option<String>,
    /// Every unstructured remittance line, trimmed, in document order.
    pub remittance_text: Vec<String>,
    /// The counterparty: who paid for a credit, who was paid for a debit.
    pub payer_name: Option<String>,
    /// The counterparty's account (IBAN or other id).
    pub payer_account: Option<String>,
}

/// Why a statement was refused, with where to look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line in the source.
    pub line: usize,
    /// The camt element's name or the CSV column's header; empty when the whole file is at fault.
    pub field: String,
    pub reason: String,
}

impl ParseError {
    pub(crate) fn new(line: usize, field: impl Into<String>, reason: impl Into<String>) -> ParseError {
        ParseError {
            line,
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "line {}: {}", self.line, self.reason)
        } else {
            write!(f, "line {}: {}: {}", self.line, self.field, self.reason)
        }
    }
}

impl std::error::Error for ParseError {}

/// Parses camt.053 when the bytes are XML (the first character after an optional byte order
/// mark and white space is `<`), else a bank CSV export.
pub fn parse_statement(bytes: &[u8]) -> Result<BankStatement, ParseError> {
    let body = bytes.strip_prefix(values::BOM).unwrap_or(bytes);
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'<') => parse_camt053(bytes),
        _ => parse_bank_csv(bytes),
    }
}
