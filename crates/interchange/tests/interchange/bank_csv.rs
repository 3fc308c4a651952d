//! Bank CSV exports: header synonyms, delimiters, byte order marks, credit/debit columns, and
//! refusals naming the line and the column.

use crate::money;
use aftercart_interchange::{BankFormat, Direction, ParseError, parse_bank_csv, parse_statement};
use time::macros::date;

fn refused(csv: &str) -> ParseError {
    parse_bank_csv(csv.as_bytes()).expect_err("the file must be refused")
}

#[test]
fn a_signed_amount_column_with_synonyms() {
    let csv = "\
Booking Date,Value date,Amount,Currency,Description,Memo,Counterparty,IBAN,Transaction ID,Balance
2026-11-30,2026-12-01,1190.00,EUR,INV-000123,thanks,Müller Maschinenbau GmbH,DE44500105175407324931,TX-1,11190.00
2026/11/30,,-45.10,EUR,Bank fees,,,,TX-2,11144.90
2026-11-30T08:00:00,,\"1,234.56\",EUR,RF18 5390 0754 7034,,Acme,,,12379.46
";
    let s = parse_bank_csv(csv.as_bytes()).unwrap();
    assert_eq!(s.format, BankFormat::Csv);
    assert_eq!(s.currency.map(|c| c.to_string()).as_deref(), Some("EUR"));
    assert_eq!(
        (s.account.as_deref(), s.opening_balance, s.closing_balance),
        (None, None, None)
    );
    assert_eq!(s.entries.len(), 3);
    let [a, b, c] = &s.entries[..] else { unreachable!() };
    assert_eq!(a.line, 2);
    assert_eq!(a.amount, money("1190.00", "EUR"));
    assert_eq!(a.direction, Direction::Credit);
    assert_eq!(a.booked_on, date!(2026 - 11 - 30));
    assert_eq!(a.value_on, Some(date!(2026 - 12 - 01)));
    assert_eq!(a.remittance_text, ["INV-000123", "thanks"]);
    assert_eq!(a.payer_name.as_deref(), Some("Müller Maschinenbau GmbH"));
    assert_eq!(a.payer_account.as_deref(), Some("DE44500105175407324931"));
    assert_eq!(a.bank_reference.as_deref(), Some("TX-1"));
    assert_eq!(a.structured_reference, None);
    assert_eq!(a.end_to_end_id, None);

    assert_eq!(
        (b.line, b.direction, b.amount),
        (3, Direction::Debit, money("45.10", "EUR"))
    );
    assert_eq!(b.value_on, None);
    assert_eq!(b.payer_name, None);

    assert_eq!(c.amount, money("1234.56", "EUR"));
    // A reference cell that is a valid RF reference is also the structured reference.
    assert_eq!(c.structured_reference.as_deref(), Some("RF18539007547034"));
}

#[test]
fn semicolons_a_bom_and_credit_debit_columns() {
    let csv = "\u{feff}Posted;Paid in;Paid out;CCY;Details;Name\r\n\
               2026-12-01;250.00;;GBP;\"Invoice INV-9; part 1\";\"Smith \"\"&\"\" Co\"\r\n\
               2026-12-01;;19.99;GBP;Card;\r\n\
               2026-12-02;0.00;5.00;GBP;;\r\n\
               ;;;;;\r\n";
    let s = parse_statement(csv.as_bytes()).unwrap();
    assert_eq!(s.format, BankFormat::Csv);
    let [a, b, c] = &s.entries[..] else {
        panic!("{:#?}", s.entries)
    };
    assert_eq!((a.direction, a.amount), (Direction::Credit, money("250.00", "GBP")));
    assert_eq!(a.remittance_text, ["Invoice INV-9; part 1"]);
    assert_eq!(a.payer_name.as_deref(), Some("Smith \"&\" Co"));
    assert_eq!(
        (b.direction, b.amount, b.line),
        (Direction::Debit, money("19.99", "GBP"), 3)
    );
    // A zero in the other column is no amount.
    assert_eq!((c.direction, c.amount), (Direction::Debit, money("5.00", "GBP")));

    let csv = "Date,Deposit,Withdrawal,Currency\n2026-12-01,,-12.00,USD\n2026-12-01,1.00,,USD\n";
    let s = parse_bank_csv(csv.as_bytes()).unwrap();
    assert_eq!(s.entries[0].direction, Direction::Debit);
    assert_eq!(s.entries[0].amount, money("12.00", "USD"));
    let e = refused("Date,Credit,Debit,Currency\n2026-12-01,-3.00,,USD\n");
    assert_eq!((e.line, e.field.as_str()), (2, "Credit"));
    let e = refused("Date,Credit,Debit,Currency\n2026-12-01,3.00,4.00,USD\n");
    assert_eq!(e.reason, "both credit and debit hold an amount");
    let e = refused("Date,Credit,Debit,Currency\n2026-12-01,,,USD\n");
    assert_eq!(
        (e.field.as_str(), e.reason.as_str()),
        ("Credit", "no amount in the credit or debit column")
    );
}

#[test]
fn currencies_from_cells_headers_or_columns() {
    let csv = "date,amount,text\n2026-12-01,USD 120.00,a\n2026-12-01,-3.50 EUR,b\n2026-12-01,JPY 1200,c\n";
    let s = parse_bank_csv(csv.as_bytes()).unwrap();
    assert_eq!(s.entries[0].amount, money("120.00", "USD"));
    assert_eq!(
        (s.entries[1].amount, s.entries[1].direction),
        (money("3.50", "EUR"), Direction::Debit)
    );
    assert_eq!(s.entries[2].amount, money("1200", "JPY"));
    // Rows in several currencies: the statement has none of its own.
    assert_eq!(s.currency, None);

    let s = parse_bank_csv(b"Date,Amount (GBP),Narrative\n2026-12-01,+10.00,x\n").unwrap();
    assert_eq!(s.entries[0].amount, money("10.00", "GBP"));

    let e = refused("date,amount\n2026-12-01,USD 1.00\n2026-12-02,2.00\n");
    assert_eq!((e.line, e.field.as_str()), (3, "amount"));
    assert!(
        e.reason.contains("has no currency: add a currency (or ccy) column"),
        "{e}"
    );
    let e = refused("date,amount,currency\n2026-12-01,USD 1.00,EUR\n");
    assert_eq!(e.reason, "'USD 1.00' is in USD but the row's currency is EUR");
    let e = refused("date,amount,currency\n2026-12-01,1.00,XYZ\n");
    assert_eq!(
        (e.field.as_str(), e.reason.as_str()),
        ("currency", "'XYZ' is not an ISO 4217 currency")
    );
    let e = refused("date,amount,currency\n2026-12-01,1.001,EUR\n");
    assert_eq!(e.reason, "'1.001' has more decimals than EUR allows (2)");
}

#[test]
fn a_direction_column_with_unsigned_amounts() {
    let csv = "Date,Amount,CR/DR,Currency\n2026-12-01,10.00,CR,CHF\n2026-12-01,4.00,dbit,CHF\n";
    let s = parse_bank_csv(csv.as_bytes()).unwrap();
    assert_eq!(s.entries[0].direction, Direction::Credit);
    assert_eq!(s.entries[1].direction, Direction::Debit);
    let e = refused("Date,Amount,CR/DR,Currency\n2026-12-01,10.00,X,CHF\n");
    assert_eq!((e.line, e.field.as_str()), (2, "CR/DR"));
    let e = refused("Date,Amount,CR/DR,Currency\n2026-12-01,-10.00,DR,CHF\n");
    assert_eq!(e.field, "Amount");
}

#[test]
fn date_preference_and_quoted_newlines() {
    // "Booking date" wins over "Transaction date" wherever the columns stand.
    let csv = "Transaction Date,Booking Date,Amount,Currency,Reference\n\
               2026-11-28,2026-11-30,1.00,EUR,\"two\nlines\"\n\
               2026-11-29,2026-12-01,2.00,EUR,x\n";
    let s = parse_bank_csv(csv.as_bytes()).unwrap();
    assert_eq!(s.entries[0].booked_on, date!(2026 - 11 - 30));
    assert_eq!(s.entries[0].remittance_text, ["two\nlines"]);
    // The second row starts on line 4: the quoted newline took a line.
    assert_eq!(s.entries[1].line, 4);
}

#[test]
fn refusals_name_the_line_and_the_column() {
    let e = refused("Date,Amount,Currency\n2026-12-01,1.00,EUR\n30/11/2026,1.00,EUR\n");
    assert_eq!((e.line, e.field.as_str()), (3, "Date"));
    assert_eq!(
        e.to_string(),
        "line 3: Date: '30/11/2026' puts the day or month first, which is ambiguous; write dates as YYYY-MM-DD or YYYY/MM/DD"
    );
    let e = refused("Date,Amount,Currency\n2026-13-01,1.00,EUR\n");
    assert_eq!(e.reason, "'2026-13-01' is not a calendar date");
    let e = refused("Date,Amount,Currency\n,1.00,EUR\n");
    assert_eq!((e.field.as_str(), e.reason.as_str()), ("Date", "no date"));

    let e = refused("Date;Amount;Currency\n2026-12-01;12,50;EUR\n");
    assert_eq!((e.line, e.field.as_str()), (2, "Amount"));
    assert!(e.reason.starts_with("'12,50' is not a decimal amount"), "{e}");
    for bad in ["1.234,56", "1,23", "12.5.0", "abc", "--1", "1 000"] {
        let e = refused(&format!("Date;Amount;Currency\n2026-12-01;{bad};EUR\n"));
        assert!(e.reason.contains("is not a decimal amount"), "{bad}: {e}");
    }
    let e = refused("Date,Amount,Currency\n2026-12-01,,EUR\n");
    assert_eq!(e.reason, "no amount");

    // An unquoted thousands comma shifts every column after it.
    let e = refused("Date,Amount,Currency\n2026-12-01,1,234.56,EUR\n");
    assert_eq!((e.line, e.field.as_str()), (2, ""));
    assert!(e.reason.starts_with("the row has 4 fields but the header has 3"), "{e}");

    let e = refused("Amount,Currency\n1.00,EUR\n");
    assert_eq!(e.line, 1);
    assert!(e.reason.starts_with("the header has no date column"), "{e}");
    let e = refused("Date,Total,Currency\n2026-12-01,1.00,EUR\n");
    assert!(e.reason.starts_with("the header has no amount column"), "{e}");

    assert_eq!(refused("").to_string(), "line 1: no entries");
    assert_eq!(refused("\u{feff}").reason, "no entries");
    assert_eq!(refused("Date,Amount,Currency\n").to_string(), "line 1: no entries");
    assert_eq!(refused("Date,Amount,Currency\n,,\n").reason, "no entries");

    let e = parse_bank_csv(b"Date,Amount,Currency,Memo\n2026-12-01,1.00,EUR,caf\xe9\n").unwrap_err();
    assert_eq!((e.line, e.reason.as_str()), (2, "the file is not UTF-8 text"));
}

/// `n` rows of a typical export.
pub fn big_csv(n: usize) -> String {
    let mut csv = String::from("Booking date,Value date,Amount,Currency,Reference,Payer,Transaction ID\n");
    for i in 0..n {
        csv.push_str(&format!(
            "2026-11-30,2026-11-30,{}.{:02},EUR,INV-{i:06},Customer {i},TX{i}\n",
            100 + i,
            i % 100
        ));
    }
    csv
}

#[test]
fn ten_thousand_rows() {
    let csv = big_csv(10_000);
    let started = std::time::Instant::now();
    let s = parse_bank_csv(csv.as_bytes()).unwrap();
    let took = started.elapsed();
    assert_eq!(s.entries.len(), 10_000);
    assert_eq!(s.entries[9_999].line, 10_001);
    eprintln!("bank CSV: 10,000 rows parsed in {took:?}");
}

mod damaged {
    use aftercart_interchange::parse_bank_csv;
    use proptest::prelude::*;

    const CSV: &str = "Booking Date;Value date;Amount;Currency;Description;Counterparty\r\n\
                       2026-11-30;2026-12-01;1190.00;EUR;\"INV-000123; thanks\";Müller\r\n\
                       2026/11/30;;-45.10;EUR;Fees;\r\n\
                       2026-11-30;;\"1,234.56\";EUR;\"two\r\nlines\";Acme\r\n";

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn damaged_exports_are_refused_with_a_line(
            cut in 0usize..CSV.len(),
            at in 0usize..CSV.len(),
            byte in any::<u8>(),
        ) {
            let mut bytes = CSV.as_bytes().to_vec();
            bytes[at] = byte;
            bytes.truncate(cut.max(1));
            let lines = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
            match parse_bank_csv(&bytes) {
                Ok(s) => {
                    let mut last = 0;
                    for e in &s.entries {
                        prop_assert!(e.line > last && e.line <= lines, "{:?}", e);
                        prop_assert!(!e.amount.is_negative());
                        last = e.line;
                    }
                }
                Err(e) => prop_assert!((1..=lines).contains(&e.line), "{} of {}", e, lines),
            }
        }
    }
}
