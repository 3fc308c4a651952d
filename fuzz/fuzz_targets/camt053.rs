//! camt.053 bank statements: never panic; what parses is sane (amounts never negative, entry
//! lines inside the document and in order, balances and entries in known currencies); a
//! refusal names a line inside the document; sniffing picks the same parser.
#![no_main]

use aftercart_interchange::{parse_camt053, parse_statement};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let lines = data.iter().filter(|&&b| b == b'\n').count() + 1;
    match parse_camt053(data) {
        Ok(s) => {
            let mut last = 0;
            for e in &s.entries {
                assert!(!e.amount.is_negative(), "{e:?}");
                assert!((1..=lines).contains(&e.line), "line {} of {lines}", e.line);
                assert!(e.line >= last, "entries out of order");
                last = e.line;
                assert!(e.remittance_text.iter().all(|t| !t.is_empty() && t.trim() == t));
                assert_ne!(e.end_to_end_id.as_deref(), Some("NOTPROVIDED"));
            }
            // Sniffing sends a document that parses as camt.053 to the camt.053 parser.
            assert_eq!(parse_statement(data).ok(), Some(s));
        }
        Err(e) => {
            assert!((1..=lines).contains(&e.line), "{e} (of {lines} lines)");
            assert!(!e.reason.is_empty());
        }
    }
});
