//! Inbound UBL / CII e-invoices: never panic; what reads is sane (at least one line, every
//! amount and finding in the document currency, the syntax-specific readers agree with the
//! sniffing one, the consistency check runs); a refusal names a line inside the document.
#![no_main]

use aftercart_interchange::einvoice_in::{Syntax, check, read_cii, read_einvoice, read_ubl};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let lines = data.iter().filter(|&&b| b == b'\n').count() + 1;
    match read_einvoice(data) {
        Ok(inv) => {
            let ccy = inv.currency;
            assert!(!inv.lines.is_empty());
            assert!(!inv.number.is_empty());
            for l in &inv.lines {
                assert_eq!(l.net_amount.currency(), ccy);
                assert!((1..=lines).contains(&l.source_line));
                assert!(l.allowances_charges.iter().all(|a| a.amount.currency() == ccy));
            }
            let t = &inv.totals;
            for m in [
                Some(t.line_extension),
                Some(t.tax_exclusive),
                Some(t.tax_inclusive),
                Some(t.payable),
                t.tax,
                t.prepaid,
            ]
            .into_iter()
            .flatten()
            {
                assert_eq!(m.currency(), ccy);
            }
            for f in check(&inv) {
                assert_eq!(f.stated.currency(), ccy);
                assert_ne!(f.stated, f.expected, "{f}");
            }
            let again = match inv.syntax {
                Syntax::Ubl => read_ubl(data),
                Syntax::Cii => read_cii(data),
            };
            assert_eq!(again.as_ref(), Ok(&inv));
        }
        Err(e) => {
            assert!((1..=lines).contains(&e.line), "{e} (of {lines} lines)");
            assert!(!e.reason.is_empty());
        }
    }
});
