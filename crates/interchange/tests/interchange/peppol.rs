//! The Peppol BIS Billing 3.0 rules the EN 16931 schematron does not check and no offline
//! engine exists for here, checked on the written XML itself.

use aftercart_interchange::DocKind;
use aftercart_interchange::ubl::peppol::{CUSTOMIZATION_ID, PROFILE_ID};
use quick_xml::events::Event;
use quick_xml::reader::Reader;

/// An element of the written document: its qualified name, attributes, text and children.
#[derive(Debug, Default)]
pub struct El {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<El>,
}

impl El {
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a El> {
        self.children.iter().filter(move |c| c.name == name)
    }

    pub fn get(&self, path: &[&str]) -> Option<&El> {
        path.iter()
            .try_fold(self, |e, n| e.children.iter().find(|c| c.name == *n))
    }

    pub fn text_at(&self, path: &[&str]) -> Option<&str> {
        self.get(path).map(|e| e.text.as_str())
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    fn walk<'a>(&'a self, out: &mut Vec<&'a El>) {
        out.push(self);
        for c in &self.children {
            c.walk(out);
        }
    }

    pub fn descendants(&self) -> Vec<&El> {
        let mut out = Vec::new();
        self.walk(&mut out);
        out
    }
}

pub fn parse(xml: &str) -> El {
    let mut reader = Reader::from_str(xml);
    let mut stack = vec![El::default()];
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => {
                let attrs = e
                    .attributes()
                    .map(|a| {
                        let a = a.unwrap();
                        let v = a.normalized_value(quick_xml::XmlVersion::Implicit1_0).unwrap();
                        (a.key.as_ref().to_owned(), v.into_owned())
                    })
                    .collect();
                stack.push(El {
                    name: e.name().as_ref().to_owned(),
                    attrs,
                    ..El::default()
                });
            }
            Event::Empty(e) => panic!("empty element <{}/> (PEPPOL-EN16931-R008)", e.name().as_ref()),
            Event::End(_) => {
                let done = stack.pop().unwrap();
                stack.last_mut().unwrap().children.push(done);
            }
            Event::Text(t) if !t.trim().is_empty() => stack.last_mut().unwrap().text.push_str(&t),
            Event::GeneralRef(r) => {
                let s = quick_xml::escape::resolve_xml_entity(&r).expect("a predefined entity");
                stack.last_mut().unwrap().text.push_str(s);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let mut doc = stack.pop().unwrap();
    assert_eq!(doc.children.len(), 1, "one root element");
    doc.children.pop().unwrap()
}

const CATEGORIES: [&str; 9] = ["S", "Z", "E", "AE", "K", "G", "O", "L", "M"];

/// Panics on the first Peppol rule the document breaks.
pub fn assert_peppol(xml: &str, kind: DocKind) {
    let root = parse(xml);
    let (root_name, type_code) = match kind {
        DocKind::Invoice => ("Invoice", "cbc:InvoiceTypeCode"),
        DocKind::CreditNote => ("CreditNote", "cbc:CreditNoteTypeCode"),
    };
    assert_eq!(root.name, root_name);
    assert_eq!(root.text_at(&["cbc:CustomizationID"]), Some(CUSTOMIZATION_ID));
    // PEPPOL-EN16931-R001: the billing process, in its pattern.
    assert_eq!(root.text_at(&["cbc:ProfileID"]), Some(PROFILE_ID));
    assert_eq!(
        root.text_at(&[type_code]),
        Some(if kind == DocKind::Invoice { "380" } else { "381" })
    );

    // R008: no element without content.
    for el in root.descendants() {
        assert!(
            !el.children.is_empty() || !el.text.trim().is_empty(),
            "<{}> is empty (PEPPOL-EN16931-R008)",
            el.name
        );
    }
    // R003: a buyer reference or an order reference.
    assert!(
        root.get(&["cbc:BuyerReference"]).is_some() || root.get(&["cac:OrderReference", "cbc:ID"]).is_some(),
        "PEPPOL-EN16931-R003"
    );
    // R010 (buyer) and R020 (seller): an electronic address with its scheme.
    for (party, rule) in [
        ("cac:AccountingCustomerParty", "PEPPOL-EN16931-R010"),
        ("cac:AccountingSupplierParty", "PEPPOL-EN16931-R020"),
    ] {
        let endpoint = root
            .get(&[party, "cac:Party", "cbc:EndpointID"])
            .unwrap_or_else(|| panic!("{rule}: no EndpointID"));
        assert!(!endpoint.text.is_empty(), "{rule}");
        let scheme = endpoint
            .attr("schemeID")
            .unwrap_or_else(|| panic!("{rule}: no schemeID"));
        if scheme == "0088" {
            // PEPPOL-COMMON-R040: a GLN's check digit.
            let d: Vec<u32> = endpoint.text.chars().map(|c| c.to_digit(10).unwrap()).collect();
            let sum: u32 = d[..12]
                .iter()
                .rev()
                .enumerate()
                .map(|(i, v)| if i % 2 == 0 { v * 3 } else { *v })
                .sum();
            assert_eq!((10 - sum % 10) % 10, d[12], "PEPPOL-COMMON-R040");
        }
    }
    // R053: exactly one tax total, and it has the breakdown.
    let tax_totals: Vec<_> = root.all("cac:TaxTotal").collect();
    assert_eq!(tax_totals.len(), 1, "PEPPOL-EN16931-R053");
    assert!(tax_totals[0].all("cac:TaxSubtotal").count() >= 1, "PEPPOL-EN16931-R053");
    // R002: at most one note on the document.
    assert!(root.all("cbc:Note").count() <= 1, "PEPPOL-EN16931-R002");

    let currency = root.text_at(&["cbc:DocumentCurrencyCode"]).unwrap().to_owned();
    for el in root.descendants() {
        // VAT category codes from the allowed list, always in the VAT scheme.
        if matches!(el.name.as_str(), "cac:TaxCategory" | "cac:ClassifiedTaxCategory") {
            let code = el.text_at(&["cbc:ID"]).unwrap();
            assert!(CATEGORIES.contains(&code), "VAT category {code}");
            assert_eq!(el.text_at(&["cac:TaxScheme", "cbc:ID"]), Some("VAT"));
        }
        // R051: every amount in the document's currency.
        if let Some(c) = el.attr("currencyID") {
            assert_eq!(c, currency, "PEPPOL-EN16931-R051 on <{}>", el.name);
        }
    }
    // R120: a line's net is its quantity times its price (no line charges are written).
    let (line_tag, qty_tag) = match kind {
        DocKind::Invoice => ("cac:InvoiceLine", "cbc:InvoicedQuantity"),
        DocKind::CreditNote => ("cac:CreditNoteLine", "cbc:CreditedQuantity"),
    };
    for line in root.all(line_tag) {
        let qty = decimal(line.text_at(&[qty_tag]).unwrap());
        let price = decimal(line.text_at(&["cac:Price", "cbc:PriceAmount"]).unwrap());
        let net = decimal(line.text_at(&["cbc:LineExtensionAmount"]).unwrap());
        // Values scaled by 10^6; the rule's slack is 0.02.
        let exact = qty * price / 1_000_000;
        assert!(
            (exact - net).abs() <= 20_000,
            "PEPPOL-EN16931-R120: {qty} × {price} vs {net}"
        );
    }
}

/// A decimal as an integer scaled by 10^6.
fn decimal(s: &str) -> i128 {
    let (neg, s) = s.strip_prefix('-').map_or((false, s), |r| (true, r));
    let (i, f) = s.split_once('.').unwrap_or((s, ""));
    assert!(f.len() <= 6, "{s}");
    let v = format!("{i}{f:0<6}").parse::<i128>().unwrap();
    if neg { -v } else { v }
}
