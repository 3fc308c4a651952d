//! Inbound e-invoices: every public UBL and CII sample read, with its number, currency, line
//! count and payable amount asserted; the same invoice read from both syntaxes compared; the
//! consistency check run over every sample; and refusals that name line and element.

mod cross_syntax;
mod refusals;

use crate::money;
use crate::samples::sample;
use aftercart_interchange::einvoice_in::{InboundInvoice, InboundKind, Syntax, check, read_einvoice};

pub const COVERED: &[&str] = &[
    "ubl-invoice/Allowance-example.xml",
    "ubl-invoice/BIS3_Invoice_negativ.XML",
    "ubl-invoice/BIS3_Invoice_positive.XML",
    "ubl-invoice/base-creditnote-correction.xml",
    "ubl-invoice/base-example.xml",
    "ubl-invoice/base-negative-inv-correction.xml",
    "ubl-invoice/ubl-tc434-creditnote1.xml",
    "ubl-invoice/ubl-tc434-example1.xml",
    "ubl-invoice/ubl-tc434-example2.xml",
    "ubl-invoice/ubl-tc434-example5.xml",
    "ubl-invoice/vat-category-E.xml",
    "cii-invoice/CII_example1.xml",
    "cii-invoice/CII_example5.xml",
];

pub fn read(rel: &str) -> InboundInvoice {
    read_einvoice(&sample(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// (file, syntax, kind, number, currency, lines, payable)
const EXPECTED: &[(&str, Syntax, InboundKind, &str, &str, usize, &str)] = &[
    (
        "ubl-invoice/Allowance-example.xml",
        Syntax::Ubl,
        InboundKind::Invoice,
        "Snippet1",
        "EUR",
        3,
        "6125.00",
    ),
    (
        "ubl-invoice/BIS3_Invoice_negativ.XML",
        Syntax::Ubl,
        InboundKind::Invoice,
        "12345",
        "DKK",
        1,
        "-782179.43",
    ),
    (
        "ubl-invoice/BIS3_Invoice_positive.XML",
        Syntax::Ubl,
        InboundKind::Invoice,
        "12345",
        "DKK",
        1,
        "782179.43",
    ),
    (
        "ubl-invoice/base-creditnote-correction.xml",
        Syntax::Ubl,
        InboundKind::CreditNote,
        "Snippet1",
        "EUR",
        2,
        "1656.25",
    ),
    (
        "ubl-invoice/base-example.xml",
        Syntax::Ubl,
        InboundKind::Invoice,
        "Snippet1",
        "EUR",
        2,
        "1656.25",
    ),
    (
        "ubl-invoice/base-negative-inv-correction.xml",
        Syntax::Ubl,
        InboundKind::Invoice,
        "Correction1",
        "EUR",
        2,
        "-1656.25",
    ),
    (
        "ubl-invoice/ubl-tc434-creditnote1.xml",
        Syntax::Ubl,
        InboundKind::CreditNote,
        "018304 / 28865",
        "EUR",
        1,
        "100.11",
    ),
    (
        "ubl-invoice/ubl-tc434-example1.xml",
        Syntax::Ubl,
        InboundKind::Invoice,
        "12115118",
        "EUR",
        20,
        "250.33",
    ),
    (
        "ubl-invoice/ubl-tc434-example2.xml",
        Syntax::Ubl,
        InboundKind::Invoice,
        "TOSL108",
        "NOK",
        5,
        "801.78",
    ),
    (
        "ubl-invoice/ubl-tc434-example5.xml",
        Syntax::Ubl,
        InboundKind::Invoice,
        "TOSL110",
        "DKK",
        3,
        "2337.50",
    ),
    (
        "ubl-invoice/vat-category-E.xml",
        Syntax::Ubl,
        InboundKind::Invoice,
        "Vat-Z",
        "GBP",
        1,
        "1200.00",
    ),
    (
        "cii-invoice/CII_example1.xml",
        Syntax::Cii,
        InboundKind::Invoice,
        "12115118",
        "EUR",
        20,
        "250.33",
    ),
    (
        "cii-invoice/CII_example5.xml",
        Syntax::Cii,
        InboundKind::Invoice,
        "TOSL110",
        "DKK",
        3,
        "2337.50",
    ),
];

#[test]
fn every_sample_reads() {
    assert_eq!(EXPECTED.len(), COVERED.len());
    for &(rel, syntax, kind, number, ccy, lines, payable) in EXPECTED {
        assert!(COVERED.contains(&rel), "{rel}");
        let inv = read(rel);
        assert_eq!(
            (
                inv.syntax,
                inv.kind,
                inv.number.as_str(),
                inv.currency.code(),
                inv.lines.len()
            ),
            (syntax, kind, number, ccy, lines),
            "{rel}"
        );
        assert_eq!(inv.totals.payable, money(payable, ccy), "{rel}");
        assert!(
            inv.lines.iter().all(|l| l.net_amount.currency() == inv.currency),
            "{rel}"
        );
        assert!(inv.lines.iter().all(|l| !l.id.is_empty() && l.source_line > 1), "{rel}");
    }
}

#[test]
fn negative_amounts_and_quantities() {
    let neg = read("ubl-invoice/BIS3_Invoice_negativ.XML");
    assert_eq!(neg.lines[0].quantity.value.to_string(), "-1");
    assert_eq!(neg.lines[0].quantity.unit_code.as_deref(), Some("KWH"));
    assert_eq!(neg.lines[0].net_amount, money("-625743.54", "DKK"));
    assert_eq!(neg.totals.tax, Some(money("-156435.89", "DKK")));
    let pos = read("ubl-invoice/BIS3_Invoice_positive.XML");
    assert_eq!(pos.totals.payable.minor(), -neg.totals.payable.minor());

    let correction = read("ubl-invoice/base-negative-inv-correction.xml");
    assert_eq!(correction.totals.charges, Some(money("-25", "EUR")));
    assert_eq!(correction.totals.line_extension, money("-1300", "EUR"));
    assert_eq!(correction.preceding_invoice.as_deref(), Some("Snippet1"));
    assert_eq!(correction.lines[0].quantity.value.to_string(), "-7");
    assert_eq!(correction.lines[1].net_amount, money("1500", "EUR"));
}

#[test]
fn credit_notes() {
    let cn = read("ubl-invoice/base-creditnote-correction.xml");
    assert_eq!(cn.type_code, "381");
    assert_eq!(cn.preceding_invoice.as_deref(), Some("Snippet1"));
    assert_eq!(cn.lines[1].quantity.value.to_string(), "-3", "CreditedQuantity");
    assert_eq!(cn.lines[1].quantity.unit_code.as_deref(), Some("DAY"));
    let tc = read("ubl-invoice/ubl-tc434-creditnote1.xml");
    assert_eq!(tc.seller.vat_id.as_deref(), Some("BE0000000196"));
    assert_eq!(tc.tax_subtotals.len(), 1);
    assert_eq!(tc.tax_subtotals[0].tax.category, "E");
    assert_eq!(tc.lines[0].item_name.as_deref(), Some("Exonération du versement du PP"));
}

#[test]
fn allowances_charges_and_currencies() {
    let a = read("ubl-invoice/Allowance-example.xml");
    assert_eq!(a.allowances_charges.len(), 2);
    assert_eq!(a.totals.allowances, Some(money("200", "EUR")));
    assert_eq!(a.totals.charges, Some(money("200", "EUR")));
    assert_eq!(a.totals.prepaid, Some(money("1000", "EUR")));
    assert_eq!(a.tax_currency.map(|c| c.code().to_owned()).as_deref(), Some("SEK"));
    assert_eq!(a.totals.tax_in_tax_currency, Some(money("9324.00", "SEK")));
    let l1 = &a.lines[0];
    assert_eq!(l1.allowances_charges.len(), 2);
    let price = l1.price.unwrap();
    assert_eq!(
        (price.net.to_string(), price.gross.map(|g| g.to_string())),
        ("410".into(), Some("450".into()))
    );
    assert_eq!(
        a.lines[1]
            .price
            .unwrap()
            .base_quantity
            .map(|b| b.to_string())
            .as_deref(),
        Some("2")
    );

    let nok = read("ubl-invoice/ubl-tc434-example2.xml");
    assert_eq!(nok.order_reference.as_deref(), Some("123"));
    assert_eq!(nok.seller.vat_id.as_deref(), Some("NO123456789MVA"));
    assert_eq!(nok.buyer.name.as_deref(), Some("The Buyercompany"));
    assert_eq!(nok.tax_subtotals.len(), 3);
    let exempt = nok.tax_subtotals.iter().find(|s| s.tax.category == "E").unwrap();
    assert_eq!(exempt.taxable, money("-25.00", "NOK"));
    assert_eq!(
        exempt.tax.exemption_reason.as_deref(),
        Some("Exempt New Means of Transport")
    );
    let freight = nok.allowances_charges.iter().find(|a| a.charge).unwrap();
    assert_eq!(
        (freight.reason.as_deref(), freight.amount),
        (Some("Freight"), money("100.00", "NOK"))
    );
    let promo = nok.allowances_charges.iter().find(|a| !a.charge).unwrap();
    assert_eq!(promo.reason_code.as_deref(), Some("88"));
    assert_eq!(promo.tax.as_ref().map(|t| t.category.as_str()), Some("S"));

    let e = read("ubl-invoice/vat-category-E.xml");
    assert_eq!(e.lines[0].tax.as_ref().map(|t| t.category.as_str()), Some("E"));
    assert_eq!(e.totals.tax, Some(money("0.00", "GBP")));
}

#[test]
fn cii_parties_and_references() {
    let c = read("cii-invoice/CII_example5.xml");
    assert_eq!(c.order_reference.as_deref(), Some("PO4711"));
    assert_eq!(c.buyer_reference.as_deref(), Some("qwerty"));
    assert_eq!(c.preceding_invoice.as_deref(), Some("TOSL109"));
    assert_eq!(c.seller.id.as_deref(), Some("5790000436101"), "GlobalID");
    assert_eq!(c.totals.tax_in_tax_currency, Some(money("628.62", "EUR")));
    assert_eq!(c.lines[0].order_line_reference.as_deref(), Some("1"));
    assert_eq!(
        c.lines[0].price.unwrap().gross.map(|g| g.to_string()).as_deref(),
        Some("1.1")
    );
    let one = read("cii-invoice/CII_example1.xml");
    assert_eq!(one.seller.vat_id.as_deref(), Some("NL8200.98.395.B.01"), "schemeID VA");
    assert_eq!(one.lines[0].net_amount, money("19.90", "EUR"), "written 19.9");
}

/// The check over every sample: only the two known slips of the EN 16931 examples are found.
/// Example 1's line 20 returns goods with a positive quantity and a negative amount; example 2's
/// line 1 bills 2 laptops at 1273.00 for 1273.00.
#[test]
fn consistency_of_every_sample() {
    for &rel in COVERED {
        let findings: Vec<String> = check(&read(rel)).iter().map(ToString::to_string).collect();
        let expected: &[&str] = match rel {
            "ubl-invoice/ubl-tc434-example1.xml" | "cii-invoice/CII_example1.xml" => {
                &["BT-131 line 20 net amount: stated -109.98, expected 109.98"]
            }
            "ubl-invoice/ubl-tc434-example2.xml" => &["BT-131 line 1 net amount: stated 1273.00, expected 2546.00"],
            _ => &[],
        };
        assert_eq!(findings, expected, "{rel}");
    }
}

#[test]
fn check_reports_broken_totals() {
    let mut inv = read("ubl-invoice/ubl-tc434-example5.xml");
    inv.totals.payable = money("2337.49", "DKK");
    inv.totals.allowances = None;
    inv.tax_subtotals[1].amount = money("301.00", "DKK");
    inv.tax_subtotals.remove(0);
    let rules: Vec<String> = check(&inv).iter().map(|f| format!("{} {}", f.rule, f.field)).collect();
    assert_eq!(
        rules,
        [
            "BR-CO-11 allowance total",
            "BR-CO-13 tax exclusive amount",
            "BR-CO-14 tax amount",
            "BR-CO-16 payable amount",
            "BR-S-09 VAT breakdown S 12 tax",
            "BR-CO-18 VAT breakdown S 25 (missing)",
        ]
    );
    let payable = check(&inv).into_iter().find(|f| f.rule == "BR-CO-16").unwrap();
    assert_eq!(
        (payable.stated, payable.expected),
        (money("2337.49", "DKK"), money("2337.50", "DKK"))
    );
}
