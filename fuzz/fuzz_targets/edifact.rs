//! EDIFACT interchanges: never panic; issues and errors name a segment and line inside the
//! data; the strict parse succeeds exactly when the lenient one found no error; messages hold
//! what lies between their UNH and UNT, and each summary reads or refuses with a reason.
#![no_main]

use aftercart_interchange::edifact::{Desadv, Interchange, Invoic, Orders};
use aftercart_interchange::x12::Severity;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let lines = data.iter().filter(|&&b| b == b'\n').count() + 1;
    let ic = match Interchange::parse_lenient(data) {
        Ok(ic) => ic,
        Err(e) => {
            assert!(e.line <= lines && !e.reason.is_empty(), "{e}");
            assert!(Interchange::parse(data).is_err());
            return;
        }
    };
    assert!(ic.issues.iter().all(|i| i.line <= lines && !i.reason.is_empty()));
    let has_error = ic.issues.iter().any(|i| i.severity == Severity::Error);
    assert_eq!(Interchange::parse(data).is_ok(), !has_error);
    for m in &ic.messages {
        assert!(m.segments.iter().all(|s| s.position > m.position && s.tag.len() == 3));
        let summary = match m.kind.as_str() {
            "ORDERS" => Orders::read(m).map(|o| o.header),
            "DESADV" => Desadv::read(m).map(|d| d.header),
            "INVOIC" => Invoic::read(m).map(|i| {
                let _ = i.lines_total();
                let _ = i.total_money("9");
                i.header
            }),
            _ => continue,
        };
        match summary {
            Ok(h) => assert_eq!(h.reference, m.reference),
            Err(e) => assert!(!e.reason.is_empty()),
        }
    }
    for g in &ic.groups {
        assert!(g.messages.iter().all(|&i| i < ic.messages.len()));
    }
});
