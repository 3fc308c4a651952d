//! Bank CSV exports: one row per booking under a header row, in whatever columns the bank chose.
//!
//! The header decides what each column means (names matched case-insensitively, with the
//! synonyms below); values are read strictly, because a misread amount or date is worse than a
//! refused file.
//!
//! | meaning | header names |
//! |---|---|
//! | booking date (required) | `booking date`, `booked`, `posted`, `posting date`, `date`, `transaction date` (the first present in this order wins) |
//! | value date | `value date` |
//! | amount (required) | `amount`, `amt` — signed: negative is a debit — or `credit` / `debit` columns (also `paid in` / `paid out`, `deposit` / `withdrawal`), unsigned, one of them filled per row |
//! | direction | `cr/dr`, `dr/cr`, `credit/debit`, `debit/credit`, `d/c`, `c/d`: `C`, `CR`, `CRDT`, `CREDIT` or `D`, `DR`, `DBIT`, `DEBIT`, with an unsigned amount |
//! | currency | `currency`, `ccy`; or in the amount header, as `Amount (EUR)`; or in each amount cell, as `EUR 12.50` or `12.50 EUR`. One of them is required |
//! | remittance text | `reference`, `remittance`, `description`, `details`, `memo`, `narrative` (every one present, in column order) |
//! | counterparty | `payer`, `name`, `counterparty`, `from` |
//! | counterparty account | `payer account`, `payer iban`, `counterparty account`, `counterparty iban`, `iban` |
//! | bank reference | `bank reference`, `transaction id`, `id` |
//!
//! Other columns are ignored. The delimiter is `,`, `;` or a tab, whichever the header line has
//! most of. Dates are `YYYY-MM-DD` or `YYYY/MM/DD` (a time after them is ignored); day-first or
//! month-first dates are refused, since `03/04/2026` means two different days in two countries.
//! Amounts are `1234.56`, `-1234.56`, `+1234.56` or `1,234.56`: a dot separates decimals and a
//! comma only groups thousands, so `12,50` is refused rather than guessed.

use super::values::{BOM, rf_reference, unsigned_minor, ymd};
use super::{BankEntry, BankFormat, BankStatement, Direction, ParseError};
use crate::currency::iso4217;
use aftercart_domain::money::{Currency, Money};
use time::Date;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Date,
    ValueDate,
    Amount,
    Credit,
    Debit,
    Indicator,
    Currency,
    Text,
    Payer,
    PayerAccount,
    BankReference,
}

/// Header names per role, in order of preference when several are present.
const SYNONYMS: &[(Role, &[&str])] = &[
    (
        Role::Date,
        &[
            "booking date",
            "booked",
            "posted",
            "posting date",
            "date",
            "transaction date",
        ],
    ),
    (Role::ValueDate, &["value date"]),
    (Role::Amount, &["amount", "amt"]),
    (Role::Credit, &["credit", "paid in", "deposit"]),
    (Role::Debit, &["debit", "paid out", "withdrawal"]),
    (
        Role::Indicator,
        &["cr/dr", "dr/cr", "credit/debit", "debit/credit", "d/c", "c/d"],
    ),
    (Role::Currency, &["currency", "ccy"]),
    (
        Role::Text,
        &["reference", "remittance", "description", "details", "memo", "narrative"],
    ),
    (Role::Payer, &["payer", "name", "counterparty", "from"]),
    (
        Role::PayerAccount,
        &[
            "payer account",
            "payer iban",
            "counterparty account",
            "counterparty iban",
            "iban",
        ],
    ),
    (Role::BankReference, &["bank reference", "transaction id", "id"]),
];

/// A column with a meaning: its index, its header as written, and a currency its header names.
#[derive(Debug, Clone)]
struct Column {
    index: usize,
    header: String,
    currency: Option<Currency>,
}

#[derive(Debug, Default)]
struct Layout {
    width: usize,
    date: Option<Column>,
    value_date: Option<Column>,
    amount: Option<Column>,
    credit: Option<Column>,
    debit: Option<Column>,
    indicator: Option<Column>,
    currency: Option<Column>,
    text: Vec<Column>,
    payer: Option<Column>,
    payer_account: Option<Column>,
    bank_reference: Option<Column>,
}

/// Parses a bank's CSV export (see the module documentation for the columns understood).
pub fn parse_bank_csv(bytes: &[u8]) -> Result<BankStatement, ParseError> {
    let src = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(sniff_delimiter(src))
        .has_headers(false)
        .flexible(true)
        .from_reader(src);
    let mut record = csv::StringRecord::new();
    let mut lines = Lines {
        src,
        counted_to: 0,
        line: 1,
    };
    let mut read = |reader: &mut csv::Reader<&[u8]>, record: &mut csv::StringRecord| match reader.read_record(record) {
        Ok(more) => Ok(more.then(|| lines.at(record.position()))),
        Err(e) => {
            let line = lines.at(e.position());
            let reason = match e.kind() {
                csv::ErrorKind::Utf8 { .. } => "the file is not UTF-8 text".to_owned(),
                _ => format!("unreadable CSV: {e}"),
            };
            Err(ParseError::new(line, "", reason))
        }
    };
    let Some(header_line) = read(&mut reader, &mut record)? else {
        return Err(ParseError::new(1, "", "no entries"));
    };
    let layout = layout(&record, header_line)?;
    let mut entries = Vec::new();
    while let Some(line) = read(&mut reader, &mut record)? {
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        entries.push(row(&layout, &record, line)?);
    }
    if entries.is_empty() {
        return Err(ParseError::new(header_line, "", "no entries"));
    }
    let first = entries[0].amount.currency();
    let currency = entries.iter().all(|e| e.amount.currency() == first).then_some(first);
    Ok(BankStatement {
        format: BankFormat::Csv,
        statement_id: None,
        account: None,
        currency,
        opening_balance: None,
        closing_balance: None,
        entries,
    })
}

/// Line numbers from byte offsets, counted forward once. The csv crate's own line count lags a
/// line behind after a CRLF terminator, and a record's byte offset may point at the `\n` of the
/// terminator before it, so the record starts after any line-break bytes at its offset.
struct Lines<'a> {
    src: &'a [u8],
    counted_to: usize,
    line: usize,
}

impl Lines<'_> {
    fn at(&mut self, position: Option<&csv::Position>) -> usize {
        let mut at = position.map_or(0, |p| p.byte() as usize).min(self.src.len());
        while at < self.src.len() && matches!(self.src[at], b'\r' | b'\n') {
            at += 1;
        }
        if at < self.counted_to {
            (self.counted_to, self.line) = (0, 1);
        }
        self.line += self.src[self.counted_to..at].iter().filter(|&&b| b == b'\n').count();
        self.counted_to = at;
        self.line
    }
}

/// The delimiter the first line uses most, outside quotes (`,` on a tie).
fn sniff_delimiter(src: &[u8]) -> u8 {
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for &b in src.iter().take_while(|&&b| b != b'\n') {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted && let Some(c) = counts.iter_mut().find(|(d, _)| *d == b) {
            c.1 += 1;
        }
    }
    counts
        .iter()
        .fold(counts[0], |best, c| if c.1 > best.1 { *c } else { best })
        .0
}

fn normalise(header: &str) -> String {
    header.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// A header's role, its preference rank, and a currency it names (`Amount (EUR)`).
fn classify(header: &str) -> Option<(Role, usize, Option<Currency>)> {
    let name = normalise(header);
    let (base, currency) = match name.strip_suffix(')').and_then(|n| n.rsplit_once('(')) {
        Some((base, code)) => match iso4217(&code.trim().to_uppercase()) {
            Some(c) => (base.trim_end().to_owned(), Some(c)),
            None => (name.clone(), None),
        },
        None => (name.clone(), None),
    };
    SYNONYMS.iter().find_map(|(role, names)| {
        let rank = names.iter().position(|n| *n == base)?;
        let money_column = matches!(role, Role::Amount | Role::Credit | Role::Debit);
        (currency.is_none() || money_column).then_some((*role, rank, currency))
    })
}

fn layout(header: &csv::StringRecord, line: usize) -> Result<Layout, ParseError> {
    let mut layout = Layout {
        width: header.len(),
        ..Layout::default()
    };
    let mut ranks: Vec<(Role, usize)> = Vec::new();
    for (index, cell) in header.iter().enumerate() {
        let Some((role, rank, currency)) = classify(cell) else {
            continue;
        };
        let column = Column {
            index,
            header: cell.trim().to_owned(),
            currency,
        };
        if role == Role::Text {
            layout.text.push(column);
            continue;
        }
        // The most specific name wins; between equals, the leftmost.
        if let Some(seen) = ranks.iter_mut().find(|(r, _)| *r == role) {
            if rank >= seen.1 {
                continue;
            }
            seen.1 = rank;
        } else {
            ranks.push((role, rank));
        }
        let slot = match role {
            Role::Date => &mut layout.date,
            Role::ValueDate => &mut layout.value_date,
            Role::Amount => &mut layout.amount,
            Role::Credit => &mut layout.credit,
            Role::Debit => &mut layout.debit,
            Role::Indicator => &mut layout.indicator,
            Role::Currency => &mut layout.currency,
            Role::Payer => &mut layout.payer,
            Role::PayerAccount => &mut layout.payer_account,
            Role::BankReference => &mut layout.bank_reference,
            Role::Text => unreachable!("handled above"),
        };
        *slot = Some(column);
    }
    if layout.date.is_none() {
        return Err(ParseError::new(
            line,
            "",
            "the header has no date column (booking date, booked, posted, posting date, date or transaction date)",
        ));
    }
    if layout.amount.is_none() && layout.credit.is_none() && layout.debit.is_none() {
        return Err(ParseError::new(
            line,
            "",
            "the header has no amount column (amount or amt, or credit and debit columns)",
        ));
    }
    if layout.indicator.is_some() && layout.amount.is_none() {
        return Err(ParseError::new(
            line,
            layout.indicator.as_ref().map_or("", |c| c.header.as_str()),
            "a credit/debit indicator needs an amount column",
        ));
    }
    Ok(layout)
}

fn cell<'r>(record: &'r csv::StringRecord, column: &Option<Column>) -> Option<&'r str> {
    column
        .as_ref()
        .and_then(|c| record.get(c.index))
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn row(layout: &Layout, record: &csv::StringRecord, line: usize) -> Result<BankEntry, ParseError> {
    if record.len() != layout.width {
        return Err(ParseError::new(
            line,
            "",
            format!(
                "the row has {} fields but the header has {} (is a value holding the delimiter unquoted?)",
                record.len(),
                layout.width
            ),
        ));
    }
    let err = |column: &Option<Column>, reason: String| {
        ParseError::new(line, column.as_ref().map_or("", |c| c.header.as_str()), reason)
    };
    let booked_on = match cell(record, &layout.date) {
        Some(text) => date(text).map_err(|r| err(&layout.date, r))?,
        None => return Err(err(&layout.date, "no date".to_owned())),
    };
    let value_on = match cell(record, &layout.value_date) {
        Some(text) => Some(date(text).map_err(|r| err(&layout.value_date, r))?),
        None => None,
    };
    let row_currency = match cell(record, &layout.currency) {
        Some(code) => {
            Some(iso4217(code).ok_or_else(|| err(&layout.currency, format!("'{code}' is not an ISO 4217 currency")))?)
        }
        None => None,
    };
    let (amount, direction) = money(layout, record, row_currency).map_err(|(col, r)| err(col, r))?;
    let remittance_text: Vec<String> = layout
        .text
        .iter()
        .filter_map(|c| record.get(c.index).map(str::trim).filter(|s| !s.is_empty()))
        .map(str::to_owned)
        .collect();
    let structured_reference = remittance_text.iter().find_map(|t| rf_reference(t));
    Ok(BankEntry {
        line,
        amount,
        direction,
        booked_on,
        value_on,
        bank_reference: cell(record, &layout.bank_reference).map(str::to_owned),
        end_to_end_id: None,
        structured_reference,
        remittance_text,
        payer_name: cell(record, &layout.payer).map(str::to_owned),
        payer_account: cell(record, &layout.payer_account).map(str::to_owned),
    })
}

type CellError<'l> = (&'l Option<Column>, String);

/// The row's amount and direction, from a signed amount column (with an optional indicator) or
/// from credit / debit columns.
fn money<'l>(
    layout: &'l Layout,
    record: &csv::StringRecord,
    row_currency: Option<Currency>,
) -> Result<(Money, Direction), CellError<'l>> {
    if layout.amount.is_some() {
        let column = &layout.amount;
        let text = cell(record, column).ok_or((column, "no amount".to_owned()))?;
        let (minor, currency) = amount(text, column, row_currency).map_err(|r| (column, r))?;
        let direction = match cell(record, &layout.indicator) {
            None if minor < 0 => Direction::Debit,
            None => Direction::Credit,
            Some(ind) => {
                let direction = indicator(ind).ok_or_else(|| {
                    (
                        &layout.indicator,
                        format!("'{ind}' is neither a credit (C, CR, CRDT, CREDIT) nor a debit (D, DR, DBIT, DEBIT)"),
                    )
                })?;
                if minor < 0 {
                    return Err((
                        column,
                        format!("'{text}' is negative although the row names its direction"),
                    ));
                }
                direction
            }
        };
        return Ok((Money::from_minor(minor.abs(), currency), direction));
    }
    let credit = cell(record, &layout.credit)
        .map(|t| amount(t, &layout.credit, row_currency).map(|a| (a, t)))
        .transpose()
        .map_err(|r| (&layout.credit, r))?;
    let debit = cell(record, &layout.debit)
        .map(|t| amount(t, &layout.debit, row_currency).map(|a| (a, t)))
        .transpose()
        .map_err(|r| (&layout.debit, r))?;
    // A zero in the unused column is common ("12.00,0.00"); only one side may hold money.
    let credit = credit.filter(|((m, _), _)| *m != 0 || debit.is_none_or(|((d, _), _)| d == 0));
    let debit = debit.filter(|((m, _), _)| *m != 0 || credit.is_none());
    match (credit, debit) {
        (Some(((minor, currency), text)), None) => {
            if minor < 0 {
                return Err((&layout.credit, format!("'{text}' is negative in a credit column")));
            }
            Ok((Money::from_minor(minor, currency), Direction::Credit))
        }
        // Some banks print debits negative in the debit column; the column already says debit.
        (None, Some(((minor, currency), _))) => Ok((Money::from_minor(minor.abs(), currency), Direction::Debit)),
        (Some(_), Some(_)) => Err((&layout.credit, "both credit and debit hold an amount".to_owned())),
        (None, None) => {
            let column = if layout.credit.is_some() {
                &layout.credit
            } else {
                &layout.debit
            };
            Err((column, "no amount in the credit or debit column".to_owned()))
        }
    }
}

fn indicator(text: &str) -> Option<Direction> {
    match text.to_ascii_uppercase().as_str() {
        "C" | "CR" | "CRDT" | "CREDIT" => Some(Direction::Credit),
        "D" | "DR" | "DBIT" | "DEBIT" => Some(Direction::Debit),
        _ => None,
    }
}

/// A signed amount cell in minor units, and its currency: the code in the cell, else the row's
/// currency column, else the code in the column's header.
fn amount(text: &str, column: &Option<Column>, row_currency: Option<Currency>) -> Result<(i64, Currency), String> {
    let (code, number) = split_code(text);
    let cell_currency = match code {
        Some(code) => Some(iso4217(code).ok_or_else(|| format!("'{code}' is not an ISO 4217 currency"))?),
        None => None,
    };
    let header_currency = column.as_ref().and_then(|c| c.currency);
    let currency = match (cell_currency, row_currency.or(header_currency)) {
        (Some(a), Some(b)) if a != b => {
            return Err(format!("'{text}' is in {a} but the row's currency is {b}"));
        }
        (Some(c), _) | (None, Some(c)) => c,
        (None, None) => {
            return Err(format!(
                "'{text}' has no currency: add a currency (or ccy) column, or write the code with the amount as in 'USD 120.00'"
            ));
        }
    };
    let (negative, unsigned) = match number.as_bytes().first() {
        Some(b'-') => (true, &number[1..]),
        Some(b'+') => (false, &number[1..]),
        _ => (false, number),
    };
    let plain = ungroup(unsigned).ok_or_else(|| not_decimal(text))?;
    let minor = unsigned_minor(&plain, text, currency).map_err(|r| {
        if r.ends_with("is not a decimal amount") {
            not_decimal(text)
        } else {
            r
        }
    })?;
    Ok((if negative { -minor } else { minor }, currency))
}

fn not_decimal(text: &str) -> String {
    format!(
        "'{text}' is not a decimal amount (a dot separates decimals; a comma may only group thousands, as in 1,234.56)"
    )
}

/// A leading or trailing three-letter code separated by a space, and the rest.
fn split_code(text: &str) -> (Option<&str>, &str) {
    let is_code = |s: &str| s.len() == 3 && s.bytes().all(|b| b.is_ascii_alphabetic());
    if let Some((head, rest)) = text.split_once(' ')
        && is_code(head)
    {
        return (Some(head), rest.trim_start());
    }
    if let Some((rest, tail)) = text.rsplit_once(' ')
        && is_code(tail)
    {
        return (Some(tail), rest.trim_end());
    }
    (None, text)
}

/// The digits without thousands commas, when the commas group by three (`1,234,567.89`).
fn ungroup(text: &str) -> Option<String> {
    if !text.contains(',') {
        return Some(text.to_owned());
    }
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text, None),
    };
    let mut groups = int.split(',');
    let first = groups.next()?;
    if first.is_empty() || first.len() > 3 {
        return None;
    }
    let mut out = first.to_owned();
    for g in groups {
        if g.len() != 3 {
            return None;
        }
        out.push_str(g);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    Some(out)
}

fn date(text: &str) -> Result<Date, String> {
    let rest_ok = |t: &str| t.len() == 10 || matches!(t.as_bytes().get(10), Some(b'T' | b' '));
    for sep in [b'-', b'/'] {
        if let Some(parsed) = ymd(text, sep)
            && rest_ok(text)
        {
            return parsed;
        }
    }
    let day_first = text
        .split(['/', '.', '-'])
        .map(str::len)
        .collect::<Vec<_>>()
        .as_slice()
        .ends_with(&[4])
        && text.bytes().take(10).all(|b| b.is_ascii_digit() || b"/.-".contains(&b));
    if day_first {
        Err(format!(
            "'{text}' puts the day or month first, which is ambiguous; write dates as YYYY-MM-DD or YYYY/MM/DD"
        ))
    } else {
        Err(format!("'{text}' is not a date (YYYY-MM-DD or YYYY/MM/DD)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiter_is_sniffed_outside_quotes() {
        assert_eq!(sniff_delimiter(b"Date;Amount;\"a,b,c\"\n1,2,3"), b';');
        assert_eq!(sniff_delimiter(b"Date,Amount\n"), b',');
        assert_eq!(sniff_delimiter(b"Date\tAmount\tMemo\n"), b'\t');
        assert_eq!(sniff_delimiter(b"Date\n"), b',');
    }

    #[test]
    fn amounts_group_by_three_only() {
        assert_eq!(ungroup("1,234,567.89").as_deref(), Some("1234567.89"));
        assert_eq!(ungroup("1234.5").as_deref(), Some("1234.5"));
        assert_eq!(ungroup("12,50"), None);
        assert_eq!(ungroup("1,2345"), None);
        assert_eq!(ungroup(",123"), None);
        assert_eq!(split_code("USD 120.00"), (Some("USD"), "120.00"));
        assert_eq!(split_code("-5.00 EUR"), (Some("EUR"), "-5.00"));
        assert_eq!(split_code("120.00"), (None, "120.00"));
    }

    #[test]
    fn headers_name_roles_and_currencies() {
        assert_eq!(classify("  Booking   Date "), Some((Role::Date, 0, None)));
        let eur = iso4217("EUR");
        assert_eq!(classify("Amount (EUR)"), Some((Role::Amount, 0, eur)));
        assert_eq!(classify("Paid in"), Some((Role::Credit, 1, None)));
        assert_eq!(classify("Memo (EUR)"), None);
        assert_eq!(classify("Balance"), None);
    }

    #[test]
    fn dates_refuse_day_first() {
        assert!(date("2026-11-30").is_ok());
        assert!(date("2026/11/30").is_ok());
        assert!(date("2026-11-30 14:02").is_ok());
        assert!(date("30/11/2026").unwrap_err().contains("ambiguous"));
        assert!(date("11/30/2026").unwrap_err().contains("ambiguous"));
        assert!(date("30.11.2026").unwrap_err().contains("ambiguous"));
        assert!(date("2026-11-30x").unwrap_err().contains("not a date"));
        assert!(date("yesterday").unwrap_err().contains("not a date"));
    }
}
