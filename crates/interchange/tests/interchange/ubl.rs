//! UBL documents written from the model and checked by both validators; the validators shown
//! to bite; the model's refusals.

use crate::documents::*;
use crate::money;
use crate::peppol::assert_peppol;
use crate::validators::{assert_valid, en16931_failures, save, xsd_errors};
use aftercart_interchange::{DocKind, EInvoice, TaxCategory, UblError, VatCategory, totals, validate, write};

fn written(name: &str, doc: &EInvoice) -> String {
    let xml = write(doc).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_valid(name, &xml, doc.kind == DocKind::CreditNote);
    assert_peppol(&xml, doc.kind);
    xml
}

#[test]
fn invoice_with_three_rates_is_valid() {
    let doc = uk_invoice_with_three_rates();
    let xml = written("uk-three-rates", &doc);
    let t = totals(&doc).unwrap();
    // 749.97 + 0.07 at 20 %, 8.33 at 5 %, 87.43 at 0 %.
    assert_eq!(t.line_extension, money("845.80", "GBP"));
    assert_eq!(
        t.breakdown
            .iter()
            .map(|s| (
                s.category.category,
                s.category.percent_bp,
                s.taxable.amount_string(),
                s.tax.amount_string()
            ))
            .collect::<Vec<_>>(),
        [
            (VatCategory::S, 2000, "750.04".into(), "150.01".into()),
            (VatCategory::S, 500, "8.33".into(), "0.42".into()),
            (VatCategory::Z, 0, "87.43".into(), "0.00".into()),
        ]
    );
    assert_eq!(t.tax, money("150.43", "GBP"));
    assert_eq!(t.payable, money("996.23", "GBP"));
    assert!(xml.contains("<cbc:PayableAmount currencyID=\"GBP\">996.23</cbc:PayableAmount>"));
    assert!(xml.contains("<cbc:InvoicedQuantity unitCode=\"KGM\">2.5</cbc:InvoicedQuantity>"));
    assert!(xml.contains("<cbc:LineExtensionAmount currencyID=\"GBP\">8.33</cbc:LineExtensionAmount>"));
    assert!(xml.contains("<cbc:Percent>5.00</cbc:Percent>"));
    // Text is escaped, not dropped.
    assert!(xml.contains("<cbc:Note>Thank you for your order &lt;3 &amp; see you soon</cbc:Note>"));
}

#[test]
fn invoice_with_freight_is_valid() {
    let doc = de_invoice_with_freight();
    let xml = written("de-freight", &doc);
    let t = totals(&doc).unwrap();
    // 239.40 + 1000.00 + 45.00 = 1284.40 at 19 % = 244.036; 29.96 + 2.50 = 32.46 at 7 % = 2.2722.
    assert_eq!(t.line_extension, money("1269.36", "EUR"));
    assert_eq!(t.charges, money("47.50", "EUR"));
    assert_eq!(t.tax_exclusive, money("1316.86", "EUR"));
    assert_eq!(t.breakdown[0].tax, money("244.04", "EUR"));
    assert_eq!(t.breakdown[1].tax, money("2.27", "EUR"));
    assert_eq!(t.tax, money("246.31", "EUR"));
    assert_eq!(t.tax_inclusive, money("1563.17", "EUR"));
    assert_eq!(t.payable, money("1263.17", "EUR"));
    assert!(xml.contains("<cbc:ChargeTotalAmount currencyID=\"EUR\">47.50</cbc:ChargeTotalAmount>"));
    assert!(xml.contains("<cbc:PrepaidAmount currencyID=\"EUR\">300.00</cbc:PrepaidAmount>"));
    assert!(xml.contains("<cbc:PaymentID>RF46INV000124</cbc:PaymentID>"));
}

#[test]
fn credit_note_with_billing_reference_is_valid() {
    let doc = de_credit_note();
    let xml = written("de-credit-note", &doc);
    assert!(xml.contains("<CreditNote xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2\""));
    assert!(xml.contains("<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>"));
    assert!(xml.contains("<cac:InvoiceDocumentReference>\n      <cbc:ID>INV-000124</cbc:ID>"));
    assert!(xml.contains("<cbc:PaymentDueDate>2026-12-20</cbc:PaymentDueDate>"));
    assert!(!xml.contains("<cbc:DueDate>"));
    assert!(xml.contains("<cbc:CreditedQuantity unitCode=\"C62\">2</cbc:CreditedQuantity>"));
    assert_eq!(totals(&doc).unwrap().payable, money("56.41", "EUR"));
}

#[test]
fn other_categories_are_valid() {
    let k = intra_community_supply();
    let xml = written("intra-community", &k);
    assert!(xml.contains("<cbc:TaxExemptionReasonCode>VATEX-EU-IC</cbc:TaxExemptionReasonCode>"));
    assert!(xml.contains("<cbc:IdentificationCode>FR</cbc:IdentificationCode>"));

    let o = outside_scope();
    let xml = written("outside-scope", &o);
    assert!(!xml.contains("<cbc:Percent>"), "category O carries no rate");
    assert!(!xml.contains("<cac:PartyTaxScheme>"));
    assert!(xml.contains("<cbc:TaxExemptionReasonCode>VATEX-EU-O</cbc:TaxExemptionReasonCode>"));
    assert_eq!(totals(&o).unwrap().payable, money("175.00", "EUR"));

    let dd = direct_debit();
    let xml = written("direct-debit", &dd);
    assert!(xml.contains("<cac:PaymentMandate>\n      <cbc:ID>MANDATE-0042</cbc:ID>"));
    assert!(!xml.contains("<cbc:DueDate>"));

    let jpy = exempt_and_reverse_charge_in_yen();
    let xml = written("exempt-reverse-charge-jpy", &jpy);
    assert!(xml.contains("<cbc:PayableAmount currencyID=\"JPY\">39498</cbc:PayableAmount>"));
    assert!(xml.contains("<cbc:TaxExemptionReason>Exempt under Article 135(1)(g)"));
}

#[test]
fn the_validators_bite() {
    let doc = de_invoice_with_freight();
    let xml = write(&doc).unwrap();
    let payable = "<cbc:PayableAmount currencyID=\"EUR\">1263.17</cbc:PayableAmount>";
    assert!(xml.contains(payable));
    let off_by_a_cent = xml.replace(
        payable,
        "<cbc:PayableAmount currencyID=\"EUR\">1263.18</cbc:PayableAmount>",
    );
    let file = save("payable-off-by-a-cent", &off_by_a_cent);
    let failures = en16931_failures(&[&file]);
    assert!(failures.iter().any(|f| f.contains("BR-CO-16")), "{failures:#?}");
    // Still schema-valid: only the business rules can see it.
    assert_eq!(xsd_errors(&file, false), "");

    // Two elements swapped break the schema's sequence.
    let swapped = xml.replacen(
        "<cbc:IssueDate>2026-12-01</cbc:IssueDate>\n  <cbc:DueDate>2026-12-15</cbc:DueDate>",
        "<cbc:DueDate>2026-12-15</cbc:DueDate>\n  <cbc:IssueDate>2026-12-01</cbc:IssueDate>",
        1,
    );
    assert_ne!(swapped, xml);
    let errors = xsd_errors(&save("swapped", &swapped), false);
    assert!(errors.contains("DueDate"), "{errors}");

    // A wrong tax amount, in one subtotal and the total alike.
    let tax = xml.replace(">246.31<", ">246.32<");
    let failures = en16931_failures(&[&save("tax-off", &tax)]);
    assert!(failures.iter().any(|f| f.contains("BR-CO-15")), "{failures:#?}");
}

fn refusal(doc: &EInvoice) -> UblError {
    let e = validate(doc).expect_err("the document must be refused");
    assert_eq!(write(doc).unwrap_err(), e, "write refuses what validate refuses");
    e
}

fn with_line_tax(tax: TaxCategory) -> EInvoice {
    let mut doc = de_invoice_with_freight();
    doc.lines[2].tax = tax;
    doc
}

#[test]
fn category_rules_are_enforced() {
    let reason = |category, percent_bp, why: &str| TaxCategory {
        category,
        percent_bp,
        exemption_reason: Some(why.into()),
    };
    for (t, field, why) in [
        (
            tax(VatCategory::S, 0),
            "lines[2].tax",
            "category S needs a rate above zero (BR-S-05)",
        ),
        (
            tax(VatCategory::Z, 700),
            "lines[2].tax",
            "category Z has a rate of zero (BR-Z-05)",
        ),
        (
            tax(VatCategory::E, 0),
            "lines[2].tax",
            "category E needs an exemption reason (BR-E-10)",
        ),
        (
            tax(VatCategory::K, 1900),
            "lines[2].tax",
            "category K has a rate of zero (BR-IC-05)",
        ),
        (
            reason(VatCategory::S, 1900, "why"),
            "lines[2].tax",
            "category S cannot have an exemption reason (BR-S-10)",
        ),
        (
            reason(VatCategory::L, 700, "why"),
            "lines[2].tax",
            "category L cannot have an exemption reason (BR-AF-10)",
        ),
        (
            reason(VatCategory::E, 0, " "),
            "lines[2].tax.exemption_reason",
            "is blank: give a value or leave it out",
        ),
        (
            tax(VatCategory::S, 10_001),
            "lines[2].tax",
            "a VAT rate above 100 % is not a rate",
        ),
    ] {
        let e = refusal(&with_line_tax(t.clone()));
        assert_eq!((e.field.as_str(), e.reason.as_str()), (field, why), "{t:?}");
    }

    // K needs the buyer's VAT id, a delivery date and where the goods went.
    let mut k = intra_community_supply();
    k.buyer.vat_id = None;
    assert_eq!(refusal(&k).field, "buyer.vat_id");
    let mut k = intra_community_supply();
    k.delivery_date = None;
    assert!(refusal(&k).reason.contains("BR-IC-11"));
    let mut k = intra_community_supply();
    k.deliver_to = None;
    assert!(refusal(&k).reason.contains("BR-IC-12"));

    // O allows no VAT id and no other category.
    let mut o = outside_scope();
    o.seller.vat_id = Some("DE123456789".into());
    let e = refusal(&o);
    assert_eq!(e.field, "seller.vat_id");
    assert!(e.reason.contains("BR-O-02"), "{e}");
    let mut o = outside_scope();
    o.lines.push(line("2", 1_000, "1.00", "EUR", tax(VatCategory::S, 1900)));
    assert_eq!(refusal(&o).field, "seller.vat_id");
    let mut o = outside_scope();
    o.lines.push(line("2", 1_000, "1.00", "EUR", tax(VatCategory::Z, 0)));
    o.seller.vat_id = None;
    let e = refusal(&o);
    assert_eq!(e.field, "seller.vat_id", "Z needs the seller's VAT id, which O forbids");
    let mut o = outside_scope();
    o.seller.legal_id = None;
    assert!(refusal(&o).reason.contains("BR-CO-26"));

    // Standard rated needs the seller's VAT id.
    let mut s = de_invoice_with_freight();
    s.seller.vat_id = None;
    let e = refusal(&s);
    assert_eq!(e.field, "seller.vat_id");
    assert!(e.reason.contains("lines[0].tax is in category S"), "{e}");

    // AE needs the buyer identified.
    let mut ae = exempt_and_reverse_charge_in_yen();
    ae.buyer.vat_id = None;
    assert!(refusal(&ae).reason.contains("BR-AE-02"));

    // One breakdown per category and rate, so one exemption reason for it: given once, or the
    // same each time, never two.
    let mut e = exempt_and_reverse_charge_in_yen();
    let mut again = e.lines[0].clone();
    again.id = "3".into();
    again.tax.exemption_reason = None;
    e.lines.push(again);
    assert_eq!(validate(&e), Ok(()));
    let mut e = exempt_and_reverse_charge_in_yen();
    let mut other = e.lines[0].clone();
    other.id = "3".into();
    other.tax.exemption_reason = Some("Another article".into());
    e.lines.push(other);
    let err = refusal(&e);
    assert_eq!(err.field, "lines[2].tax");
    assert!(
        err.reason.contains("another exemption reason than lines[0].tax"),
        "{err}"
    );
}

#[test]
fn the_model_is_checked_before_writing() {
    let base = de_invoice_with_freight;
    type Change = Box<dyn Fn(&mut EInvoice)>;
    let cases: Vec<(Change, &str, &str)> = vec![
        (Box::new(|d| d.lines.clear()), "lines", "BR-16"),
        (Box::new(|d| d.number = "  ".into()), "number", "is blank"),
        (Box::new(|d| d.note = Some(String::new())), "note", "is blank"),
        (
            Box::new(|d| d.note = Some("bell\u{7}".into())),
            "note",
            "control character",
        ),
        (
            Box::new(|d| d.buyer_reference = None),
            "buyer_reference",
            "PEPPOL-EN16931-R003",
        ),
        (Box::new(|d| d.currency = crate::ccy("KWD")), "currency", "at most 2"),
        (
            Box::new(|d| d.currency = crate::ccy("ABC")),
            "currency",
            "not an ISO 4217",
        ),
        (
            Box::new(|d| d.lines[1].unit_price = money("1.00", "USD")),
            "lines[1].unit_price",
            "is in USD but the document is in EUR",
        ),
        (
            Box::new(|d| d.charges[0].amount = money("1.00", "USD")),
            "charges[0].amount",
            "is in USD",
        ),
        (Box::new(|d| d.prepaid = money("1.00", "USD")), "prepaid", "is in USD"),
        (
            Box::new(|d| d.lines[0].unit_price = money("-1.00", "EUR")),
            "lines[0].unit_price",
            "BR-27",
        ),
        (
            Box::new(|d| d.lines[1].id = "10".into()),
            "lines[1].id",
            "used by another line",
        ),
        (
            Box::new(|d| {
                d.currency = crate::ccy("JPY");
                d.prepaid = money("0", "JPY");
                d.charges.clear();
                for l in &mut d.lines {
                    l.unit_price = money("999", "JPY");
                }
                d.lines[1].quantity_milli = 1_500;
            }),
            "lines[1].quantity_milli",
            "PEPPOL-EN16931-R120",
        ),
        (
            Box::new(|d| d.lines[0].unit_code = "each".into()),
            "lines[0].unit_code",
            "not a UN/ECE",
        ),
        (
            Box::new(|d| d.charges[0].amount = money("-1.00", "EUR")),
            "charges[0].amount",
            "cannot be negative",
        ),
        (
            Box::new(|d| d.prepaid = money("-1.00", "EUR")),
            "prepaid",
            "cannot be negative",
        ),
        (
            Box::new(|d| d.seller.address.country = "DEU".into()),
            "seller.address.country",
            "ISO 3166-1",
        ),
        (
            Box::new(|d| d.buyer.address.lines = vec!["a".into(), "b".into(), "c".into(), "d".into()]),
            "buyer.address.lines",
            "at most three",
        ),
        (
            Box::new(|d| d.buyer.endpoint_scheme = "GLN".into()),
            "buyer.endpoint_scheme",
            "EAS",
        ),
        (
            Box::new(|d| {
                d.buyer.endpoint_scheme = "0088".into();
                d.buyer.endpoint_id = "5012345678901".into();
            }),
            "buyer.endpoint_id",
            "PEPPOL-COMMON-R040",
        ),
        (
            Box::new(|d| d.buyer.endpoint_id = "a b".into()),
            "buyer.endpoint_id",
            "no spaces",
        ),
        (
            Box::new(|d| d.seller.vat_id = Some("123456789".into())),
            "seller.vat_id",
            "BR-CO-09",
        ),
        (
            Box::new(|d| d.seller.contact_email = Some("billing".into())),
            "seller.contact_email",
            "not an email",
        ),
        (
            Box::new(|d| d.payment_means.as_mut().unwrap().iban = None),
            "payment_means.iban",
            "BR-61",
        ),
        (
            Box::new(|d| d.payment_means.as_mut().unwrap().code = "49".into()),
            "payment_means.mandate_reference",
            "PEPPOL-EN16931-R061",
        ),
        (Box::new(|d| d.due_date = None), "due_date", "BR-CO-25"),
        (
            Box::new(|d| {
                d.kind = DocKind::CreditNote;
                d.payment_means = None;
            }),
            "due_date",
            "payment means",
        ),
    ];
    for (change, field, why) in cases {
        let mut doc = base();
        change(&mut doc);
        let e = refusal(&doc);
        assert_eq!(e.field, field, "{e}");
        assert!(e.reason.contains(why), "{field}: {e}");
    }
    // Payment terms stand in for a due date; nothing due needs neither.
    let mut doc = base();
    doc.due_date = None;
    doc.payment_terms = Some("14 days net".into());
    assert!(validate(&doc).is_ok());
    let mut doc = base();
    doc.due_date = None;
    doc.prepaid = totals(&doc).unwrap().tax_inclusive;
    assert!(validate(&doc).is_ok());
    assert_eq!(totals(&doc).unwrap().payable, money("0.00", "EUR"));
}
