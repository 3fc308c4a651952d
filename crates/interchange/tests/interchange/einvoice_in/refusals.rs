//! What is refused, and that each refusal names the line and element a person would look at.
//! Broken documents are the public samples with one thing changed.

use crate::samples::sample_text;
use aftercart_interchange::einvoice_in::{EInvoiceError, read_cii, read_einvoice, read_ubl};

/// The 1-based line where `needle` first occurs in `text`.
fn line_of(text: &str, needle: &str) -> usize {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in the document"));
    text[..at].matches('\n').count() + 1
}

fn refuse(text: &str) -> EInvoiceError {
    read_einvoice(text.as_bytes()).expect_err("must be refused")
}

#[test]
fn amounts_must_be_exact_in_the_document_currency() {
    let base = sample_text("ubl-invoice/base-example.xml");
    let payable = r#"<cbc:PayableAmount currencyID="EUR">1656.25</cbc:PayableAmount>"#;

    let doc = base.replace(
        payable,
        r#"<cbc:PayableAmount currencyID="EUR">1656.255</cbc:PayableAmount>"#,
    );
    let e = refuse(&doc);
    assert_eq!(
        (e.line, e.field.as_str()),
        (line_of(&doc, "<cbc:PayableAmount"), "cbc:PayableAmount")
    );
    assert!(e.reason.contains("more decimals than EUR allows"), "{e}");
    // Trailing zeros are not extra precision.
    let doc = base.replace(
        payable,
        r#"<cbc:PayableAmount currencyID="EUR">1656.2500</cbc:PayableAmount>"#,
    );
    assert!(read_einvoice(doc.as_bytes()).is_ok());

    let doc = base.replace(
        payable,
        r#"<cbc:PayableAmount currencyID="USD">1656.25</cbc:PayableAmount>"#,
    );
    assert!(
        refuse(&doc)
            .reason
            .contains("currencyID 'USD' is not the document currency EUR")
    );
    let doc = base.replace(
        payable,
        r#"<cbc:PayableAmount currencyID="EUR">1.656,25</cbc:PayableAmount>"#,
    );
    assert!(refuse(&doc).reason.contains("is not a decimal number"));
    let doc = base.replace(payable, "");
    let e = refuse(&doc);
    assert_eq!(e.field, "cbc:PayableAmount");
    assert_eq!(e.reason, "missing in cac:LegalMonetaryTotal");
    let doc = base.replace("<cbc:DocumentCurrencyCode>EUR<", "<cbc:DocumentCurrencyCode>EURO<");
    assert!(refuse(&doc).reason.contains("'EURO' is not an ISO 4217 currency"));
}

#[test]
fn dates_codes_and_lines() {
    let base = sample_text("ubl-invoice/base-example.xml");
    let doc = base.replace("<cbc:IssueDate>2017-11-13<", "<cbc:IssueDate>13.11.2017<");
    let e = refuse(&doc);
    assert_eq!(
        (e.line, e.field.as_str()),
        (line_of(&doc, "<cbc:IssueDate>"), "cbc:IssueDate")
    );
    let doc = base.replace("<cbc:IssueDate>2017-11-13<", "<cbc:IssueDate>2017-11-13+01:00<");
    assert!(
        read_einvoice(doc.as_bytes()).is_ok(),
        "a time zone on a date is allowed"
    );
    let doc = base.replace("<cbc:ChargeIndicator>true<", "<cbc:ChargeIndicator>yes<");
    assert!(refuse(&doc).reason.contains("'yes' is neither true nor false"));

    let cii = sample_text("cii-invoice/CII_example1.xml");
    let doc = cii.replacen(
        r#"<udt:DateTimeString format="102">20150109<"#,
        r#"<udt:DateTimeString format="610">201501<"#,
        1,
    );
    let e = refuse(&doc);
    assert_eq!(e.field, "udt:DateTimeString");
    assert!(e.reason.contains("format '610'"));
    let doc = cii.replace("<ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>", "");
    assert_eq!(refuse(&doc).field, "ram:InvoiceCurrencyCode");
    // A line without its amount names the line's own start.
    let doc = cii.replacen("<ram:LineTotalAmount>19.9</ram:LineTotalAmount>", "", 1);
    let e = refuse(&doc);
    assert_eq!(
        e.field,
        "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount"
    );
    assert_eq!(e.line, line_of(&doc, "<ram:SpecifiedLineTradeSettlement>"));
}

#[test]
fn roots_and_namespaces() {
    let e = refuse(r#"<?xml version="1.0"?><cXML payloadID="1"><Request/></cXML>"#);
    assert_eq!(e.field, "cXML");
    assert!(e.reason.contains("no namespace"));
    let ubl = sample_text("ubl-invoice/BIS3_Invoice_positive.XML");
    // The right name in the wrong namespace is not an invoice.
    let doc = ubl.replacen(
        "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
        "urn:oasis:names:specification:ubl:schema:xsd:Order-2",
        1,
    );
    assert!(refuse(&doc).reason.contains("Order-2"));
    // cbc elements bound to another namespace are not read as cbc.
    let doc = ubl.replacen(
        "xmlns:cbc=\"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2\"",
        "xmlns:cbc=\"urn:example:other\"",
        1,
    );
    assert_eq!(refuse(&doc).field, "cbc:DocumentCurrencyCode");

    let cii = sample_text("cii-invoice/CII_example5.xml");
    assert!(read_ubl(cii.as_bytes()).unwrap_err().reason.contains("not UBL"));
    assert!(read_cii(ubl.as_bytes()).unwrap_err().reason.contains("not CII"));
    assert_eq!(read_cii(cii.as_bytes()).unwrap().number, "TOSL110");
    assert_eq!(read_ubl(ubl.as_bytes()).unwrap().number, "12345");
}

#[test]
fn malformed_xml() {
    let ubl = sample_text("ubl-invoice/base-example.xml");
    let cut = &ubl[..ubl.len() / 2];
    let e = refuse(cut);
    assert!(
        e.reason.contains("ends before") || e.reason.contains("malformed"),
        "{e}"
    );
    assert_eq!(e.line, cut.matches('\n').count() + 1);

    assert_eq!(refuse("").reason, "the document is empty");
    assert!(refuse("not xml").reason.contains("outside the root"));
    assert!(refuse("<a>&bogus;</a>").reason.contains("unknown entity"));
    assert!(refuse("<!DOCTYPE a [<!ENTITY x 'y'>]><a/>").reason.contains("DOCTYPE"));
    assert!(refuse("<a/><b/>").reason.contains("after the root"));
    let e = read_einvoice(b"<a>\x01</a>").unwrap_err();
    assert!(e.reason.contains("control character"));
    let e = read_einvoice(b"<a>\xff</a>").unwrap_err();
    assert_eq!(e.reason, "the document is not UTF-8 text");
    let deep = format!("{}{}", "<a>".repeat(200), "</a>".repeat(200));
    assert!(refuse(&deep).reason.contains("nested too deep"));
    // Entities and CDATA are text like any other.
    let doc = ubl.replacen(
        "<cbc:ID>Snippet1</cbc:ID>",
        "<cbc:ID>Snip&amp;<![CDATA[pet]]>&#49;</cbc:ID>",
        1,
    );
    assert_eq!(read_einvoice(doc.as_bytes()).unwrap().number, "Snip&pet1");
}
