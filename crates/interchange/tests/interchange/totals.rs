//! EN 16931 arithmetic: worked examples, then properties over random documents.

use crate::documents::{de_invoice_with_freight, line, tax};
use crate::money;
use aftercart_domain::money::Money;
use aftercart_interchange::{DocCharge, EInvoice, VatCategory, totals};
use proptest::prelude::*;

fn doc_with(lines: Vec<aftercart_interchange::EInvoiceLine>, charges: Vec<DocCharge>) -> EInvoice {
    EInvoice {
        lines,
        charges,
        prepaid: money("0", "EUR"),
        ..de_invoice_with_freight()
    }
}

#[test]
fn line_nets_round_half_away_from_zero() {
    // 0.333 × 1.50 = 0.4995 → 0.50; 0.001 × 4.99 = 0.00499 → 0.00; -1.5 × 0.03 = -0.045 → -0.05.
    let doc = doc_with(
        vec![
            line("a", 333, "1.50", "EUR", tax(VatCategory::S, 1900)),
            line("b", 1, "4.99", "EUR", tax(VatCategory::S, 1900)),
            line("c", -1_500, "0.03", "EUR", tax(VatCategory::S, 1900)),
        ],
        vec![],
    );
    let t = totals(&doc).unwrap();
    assert_eq!(t.line_extension, money("0.45", "EUR"));
    // VAT on the group, not per line: 0.45 × 19 % = 0.0855 → 0.09.
    assert_eq!(t.tax, money("0.09", "EUR"));
    assert_eq!(t.breakdown.len(), 1);
}

#[test]
fn tax_is_per_group_and_rounds_half_away_from_zero() {
    // 10.50 at 5 %: 0.525 → 0.53; a credit of -10.50 at 5 %: -0.525 → -0.53.
    let doc = doc_with(vec![line("a", 1_000, "10.50", "EUR", tax(VatCategory::S, 500))], vec![]);
    assert_eq!(totals(&doc).unwrap().tax, money("0.53", "EUR"));
    let doc = doc_with(
        vec![line("a", -1_000, "10.50", "EUR", tax(VatCategory::S, 500))],
        vec![],
    );
    let t = totals(&doc).unwrap();
    assert_eq!(t.tax, money("-0.53", "EUR"));
    assert_eq!(t.payable, money("-11.03", "EUR"));

    // A charge joins the group of its category and rate, and makes its own when alone.
    let charge = |amount: &str, bp| DocCharge {
        reason: "Freight".into(),
        amount: money(amount, "EUR"),
        tax: tax(VatCategory::S, bp),
    };
    let doc = doc_with(
        vec![line("a", 1_000, "100.00", "EUR", tax(VatCategory::S, 2000))],
        vec![charge("10.00", 2000), charge("5.00", 550)],
    );
    let t = totals(&doc).unwrap();
    let groups: Vec<_> = t
        .breakdown
        .iter()
        .map(|s| (s.category.percent_bp, s.taxable.amount_string(), s.tax.amount_string()))
        .collect();
    assert_eq!(
        groups,
        [
            (2000, "110.00".into(), "22.00".into()),
            (550, "5.00".into(), "0.28".into())
        ]
    );
    assert_eq!(t.tax_exclusive, money("115.00", "EUR"));
    assert_eq!(t.tax_inclusive, money("137.28", "EUR"));
}

#[test]
fn amounts_beyond_range_are_refused() {
    let mut doc = doc_with(
        vec![line("a", i64::MAX, "1000.00", "EUR", tax(VatCategory::S, 1900))],
        vec![],
    );
    let e = totals(&doc).unwrap_err();
    assert_eq!(e.field, "lines[0]");
    doc.lines[0].quantity_milli = 1_000;
    assert!(totals(&doc).is_ok());
}

fn arb_line(i: usize) -> impl Strategy<Value = aftercart_interchange::EInvoiceLine> {
    (
        -5_000_000i64..50_000_000,
        0i64..10_000_000,
        prop::sample::select(vec![
            (VatCategory::S, 2000),
            (VatCategory::S, 550),
            (VatCategory::S, 1900),
            (VatCategory::Z, 0),
        ]),
    )
        .prop_map(move |(qty, price, (cat, bp))| {
            let mut l = line(&format!("{i}"), qty, "0", "EUR", tax(cat, bp));
            l.unit_price = Money::from_minor(price, crate::ccy("EUR"));
            l
        })
}

fn arb_doc() -> impl Strategy<Value = EInvoice> {
    (
        prop::collection::vec(any::<u8>(), 1..12),
        prop::collection::vec((0i64..1_000_000, any::<bool>()), 0..3),
        0i64..100_000,
    )
        .prop_flat_map(|(seeds, charges, prepaid)| {
            let lines: Vec<_> = (0..seeds.len()).map(arb_line).collect();
            (lines, Just(charges), Just(prepaid))
        })
        .prop_map(|(lines, charges, prepaid)| {
            let charges = charges
                .into_iter()
                .map(|(minor, high)| DocCharge {
                    reason: "Freight".into(),
                    amount: Money::from_minor(minor, crate::ccy("EUR")),
                    tax: tax(VatCategory::S, if high { 2000 } else { 550 }),
                })
                .collect();
            EInvoice {
                prepaid: Money::from_minor(prepaid, crate::ccy("EUR")),
                ..doc_with(lines, charges)
            }
        })
}

proptest! {
    #[test]
    fn totals_add_up(doc in arb_doc()) {
        let t = totals(&doc).unwrap();
        let m = |x: Money| i128::from(x.minor());
        // Each line's net is within half a cent of the exact product.
        let mut lines = 0i128;
        for l in &doc.lines {
            let exact_milli = i128::from(l.quantity_milli) * m(l.unit_price);
            let net = (exact_milli * 2 + exact_milli.signum() * 1000) / 2000;
            prop_assert!((net * 1000 - exact_milli).abs() <= 500);
            lines += net;
        }
        prop_assert_eq!(m(t.line_extension), lines);
        let charges: i128 = doc.charges.iter().map(|c| m(c.amount)).sum();
        prop_assert_eq!(m(t.charges), charges);
        prop_assert_eq!(m(t.tax_exclusive), lines + charges);
        // The breakdown covers everything once, and each group's VAT is its rate, rounded.
        let taxable: i128 = t.breakdown.iter().map(|s| m(s.taxable)).sum();
        prop_assert_eq!(taxable, m(t.tax_exclusive));
        let tax: i128 = t.breakdown.iter().map(|s| m(s.tax)).sum();
        prop_assert_eq!(tax, m(t.tax));
        for s in &t.breakdown {
            let exact = m(s.taxable) * i128::from(s.category.percent_bp);
            prop_assert!((m(s.tax) * 10_000 - exact).abs() <= 5_000, "{:?}", s);
        }
        let mut keys: Vec<_> = t.breakdown.iter().map(|s| (s.category.category, s.category.percent_bp)).collect();
        keys.sort_by_key(|(c, bp)| (c.code(), *bp));
        keys.dedup();
        prop_assert_eq!(keys.len(), t.breakdown.len());
        prop_assert_eq!(m(t.tax_inclusive), m(t.tax_exclusive) + m(t.tax));
        prop_assert_eq!(m(t.payable), m(t.tax_inclusive) - m(t.prepaid));
    }
}
