//! Bank CSV exports: never panic; what parses is sane (amounts never negative, one entry per
//! row in increasing line order, every line inside the file); a refusal names a line inside
//! the file.
#![no_main]

use aftercart_interchange::{BankFormat, parse_bank_csv, parse_statement};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let lines = data.iter().filter(|&&b| b == b'\n').count() + 1;
    match parse_bank_csv(data) {
        Ok(s) => {
            assert_eq!(s.format, BankFormat::Csv);
            assert!(!s.entries.is_empty());
            let mut last = 0;
            for e in &s.entries {
                assert!(!e.amount.is_negative(), "{e:?}");
                assert!(e.line > last && e.line <= lines, "line {} after {last} of {lines}", e.line);
                last = e.line;
                assert!(e.remittance_text.iter().all(|t| !t.is_empty() && t.trim() == t));
            }
            if s.entries.windows(2).all(|w| w[0].amount.currency() == w[1].amount.currency()) {
                assert_eq!(s.currency, Some(s.entries[0].amount.currency()));
            } else {
                assert_eq!(s.currency, None);
            }
        }
        Err(e) => {
            assert!((1..=lines).contains(&e.line), "{e} (of {lines} lines)");
            assert!(!e.reason.is_empty());
        }
    }
    // Whatever the sniffing decides, it never panics either.
    let _ = parse_statement(data);
});
