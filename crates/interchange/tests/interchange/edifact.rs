//! EDIFACT: every public sample read (UNA or default service characters, release character,
//! groups, binary packages) with assertions on its content, the envelope deviations known in
//! the samples asserted as reported, and the EN 16931 example cross-checked with its UBL twin.

use aftercart_interchange::edifact::{Desadv, EdifactError, Interchange, Invoic, Orders};
use aftercart_interchange::x12::Severity;
use aftercart_interchange::x12::decimal::Decimal;
use time::macros::date;

pub const COVERED: &[&str] = &[
    "edifact/D96ADESADV.edi",
    "edifact/EDIFACT_EXAMPLE1.TXT",
    "edifact/EDIFACT_EXAMPLE5.TXT",
    "edifact/example_order_ok.edi",
    "edifact/invoic_d93a_una.edi",
    "edifact/invoic_d97b.edi",
    "edifact/orders-with-group.edi",
];

fn strict(rel: &str) -> Result<Interchange, EdifactError> {
    Interchange::parse(&crate::samples::sample(rel))
}

fn lenient(rel: &str) -> Interchange {
    Interchange::parse_lenient(&crate::samples::sample(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn dec(s: &str) -> Decimal {
    Decimal::parse(s).unwrap()
}

#[test]
fn desadv_d96a_with_its_version_quirk() {
    let ic = strict("edifact/D96ADESADV.edi").unwrap();
    assert!(!ic.una);
    assert_eq!((ic.syntax.as_str(), ic.syntax_version.as_str()), ("UNOC", "1"));
    assert_eq!(
        (ic.sender.id.as_str(), ic.sender.qualifier.as_deref()),
        ("1556150", Some("31B"))
    );
    assert_eq!(
        (ic.control_reference.as_str(), ic.date),
        ("1", Some(date!(2016 - 07 - 27)))
    );
    // SOURCES: UNH says version '0' where 'D' belongs: a warning, not hidden.
    let w = ic.warnings();
    assert_eq!(w.len(), 1);
    assert_eq!(
        (w[0].segment, w[0].tag.as_str(), w[0].element.as_deref()),
        (2, "UNH", Some("UNH02"))
    );
    assert!(w[0].reason.contains("'0'"));
    let m = &ic.messages[0];
    assert_eq!(
        (
            m.reference.as_str(),
            m.kind.as_str(),
            m.release.as_str(),
            m.declared_segments
        ),
        ("142", "DESADV", "96A", Some(21))
    );
    let d = Desadv::read(m).unwrap();
    assert_eq!(
        (d.header.document_code.as_str(), d.header.number.as_str()),
        ("351", "Y02197250")
    );
    assert_eq!(d.header.date("11").unwrap().date(), Some(date!(2016 - 07 - 26)));
    assert_eq!(
        (d.header.reference("ON"), d.header.reference("PK")),
        (Some("6877871"), Some("VEE0214439"))
    );
    assert_eq!(d.packages.len(), 1);
    assert_eq!(d.packages[0].id, "IE2156580387");
    let lines: Vec<_> = d
        .all_lines()
        .map(|l| (l.number.as_str(), l.extra_ids[0].0.as_str(), l.quantity("12")))
        .collect();
    assert_eq!(
        lines,
        [
            ("001", "9780738507330", Some(dec("1"))),
            ("002", "9781568361871", Some(dec("1")))
        ]
    );
    assert_eq!(d.packages[0].lines[1].descriptions, ["ROADS TO SATA A 2"]);
    assert_eq!(
        d.packages[0].lines[1].refs,
        [
            ("LI".to_owned(), "6905456".to_owned()),
            ("ON".to_owned(), "6905456".to_owned())
        ]
    );
}

#[test]
fn en16931_example1_is_invoice_12115118_as_in_ubl() {
    // The example puts the message reference in UNZ02 instead of the UNB's: reported.
    let err = strict("edifact/EDIFACT_EXAMPLE1.TXT").unwrap_err();
    assert_eq!(
        (err.segment, err.line, err.tag.as_str(), err.element.as_deref()),
        (173, 174, "UNZ", Some("UNZ02"))
    );
    assert!(
        err.to_string()
            .contains("'12115118' does not match the UNB control reference '87846595'"),
        "{err}"
    );
    let ic = lenient("edifact/EDIFACT_EXAMPLE1.TXT");
    assert_eq!(ic.errors().len(), 1);
    assert!(ic.una);
    assert_eq!(
        (ic.chars.decimal, ic.chars.release, ic.chars.repetition),
        ('.', Some('?'), Some('*'))
    );
    assert_eq!((ic.syntax.as_str(), ic.syntax_version.as_str()), ("UNOW", "4"));
    let m = &ic.messages[0];
    assert_eq!(
        (m.kind.as_str(), m.release.as_str(), m.declared_segments),
        ("INVOIC", "14B", Some(171))
    );
    // Release characters: "?:" and "?'" are data.
    let ftx = m.segments.iter().find(|s| s.tag == "FTX").unwrap();
    assert!(ftx.text(4, 1).contains("Betalingstermijn: 14 dagen"));
    assert!(ftx.text(4, 1).ends_with("25-04-'85."), "{}", ftx.text(4, 1));

    let inv = Invoic::read(m).unwrap();
    assert_eq!(
        (inv.header.document_code.as_str(), inv.header.number.as_str()),
        ("380", "12115118")
    );
    assert_eq!(inv.header.date("137").unwrap().date(), Some(date!(2015 - 01 - 09)));
    assert_eq!(inv.header.currency.as_deref(), Some("EUR"));
    let seller = inv.header.party("SE").unwrap();
    assert_eq!(
        (
            seller.name.as_deref(),
            seller.city.as_deref(),
            seller.postal_code.as_deref()
        ),
        (Some("De Koksmaat"), Some("Velsen-Noord"), Some("1950 AB"))
    );
    assert_eq!(seller.refs[0], ("GN".to_owned(), "57151520".to_owned()));
    assert_eq!(inv.header.party("BY").unwrap().id.as_deref(), Some("10202"));
    assert_eq!(inv.lines.len(), 20);
    let first = &inv.lines[0];
    assert_eq!(
        (first.extra_ids[0].0.as_str(), first.quantity("47"), first.price("AAA")),
        ("166022", Some(dec("2")), Some(dec("9.95")))
    );
    assert_eq!(
        inv.lines[19].line_amount(),
        Some(dec("-109.98")),
        "the returned frying fat"
    );
    assert_eq!(inv.lines_total(), Some(dec("229.6")));
    assert_eq!(inv.total("79"), Some(dec("229.60")));
    assert_eq!(inv.total("176"), Some(dec("20.73")));
    assert_eq!(inv.total_money("9"), Some(crate::money("250.33", "EUR")));

    // The UBL twin has the same number, line count and amount due.
    let ubl = crate::samples::sample_text("ubl-invoice/ubl-tc434-example1.xml");
    assert!(ubl.contains("<cbc:ID>12115118</cbc:ID>"));
    assert_eq!(ubl.matches("<cac:InvoiceLine>").count(), inv.lines.len());
    assert!(ubl.contains("PayableAmount currencyID=\"EUR\">250.33<"));
}

#[test]
fn en16931_example5_skips_its_binary_package() {
    let err = strict("edifact/EDIFACT_EXAMPLE5.TXT").unwrap_err();
    assert_eq!((err.tag.as_str(), err.element.as_deref()), ("UNZ", Some("UNZ01")));
    let ic = lenient("edifact/EDIFACT_EXAMPLE5.TXT");
    // UNO+…+104' then 104 octets then UNP+104+P1': skipped by length, UNP checked.
    assert_eq!(ic.packages.len(), 1);
    assert_eq!(ic.packages[0].1, 104);
    // UNZ01 counts messages and packages (ISO 9735 v4): 2, the file says 1; UNZ02 repeats the
    // message reference, not the UNB's.
    let errors: Vec<_> = ic
        .errors()
        .iter()
        .map(|e| e.element.clone().unwrap_or_default())
        .collect();
    assert_eq!(errors, ["UNZ01", "UNZ02"]);
    let inv = Invoic::read(&ic.messages[0]).unwrap();
    assert_eq!(inv.header.number, "TOSL110");
    assert_eq!(inv.header.currency.as_deref(), Some("DKK"));
    assert_eq!(inv.header.reference("ON"), Some("PO4711"));
    assert_eq!(
        inv.header.party("SE").unwrap().name.as_deref(),
        Some("SellerCompany SelCo")
    );
    assert_eq!(inv.header.party("SE").unwrap().street, ["Hoofdstraat 4", "Om de hoek"]);
    let com = ic.messages[0]
        .segments
        .iter()
        .find(|s| s.tag == "COM" && s.text(1, 2) == "TE")
        .unwrap();
    assert_eq!(com.text(1, 1), "+3198989898", "?+ is a plus sign");
    assert_eq!(inv.lines.len(), 3);
    assert_eq!(inv.lines[2].descriptions, ["American Cookies"]);
    assert_eq!(inv.lines_total(), Some(dec("4000")));
    assert_eq!(inv.total("79"), Some(dec("4000.00")));
    assert_eq!(inv.total_money("9"), Some(crate::money("2337.50", "DKK")));
    assert_eq!(inv.total_money("113"), Some(crate::money("2337.50", "DKK")), "prepaid");
}

#[test]
fn eancom_orders_d01b_with_escapes_and_146_lines() {
    let ic = strict("edifact/example_order_ok.edi").unwrap();
    assert!(ic.una);
    assert_eq!(ic.chars.repetition, None, "UNA gives a space: no repetition separator");
    assert_eq!(
        (
            ic.syntax.as_str(),
            ic.recipient.id.as_str(),
            ic.control_reference.as_str()
        ),
        ("UNOC", "unbekannt", "896")
    );
    let o = Orders::read(&ic.messages[0]).unwrap();
    assert_eq!(
        (o.header.document_code.as_str(), o.header.number.as_str()),
        ("220", "2019265563")
    );
    assert_eq!(o.header.date("2").unwrap().date(), Some(date!(2018 - 12 - 06)));
    let by = o.header.party("BY").unwrap();
    assert_eq!(
        (by.id.as_deref(), by.id_agency.as_deref()),
        (Some("4250159300001"), Some("9"))
    );
    // "A?+A" is "A+A"; the umlaut was already lost (U+FFFD) in the published file.
    assert_eq!(by.name.as_deref(), Some("A+A K\u{FFFD}lte GmbH"));
    assert_eq!(o.header.party("DP").unwrap().postal_code.as_deref(), Some("46149"));
    assert_eq!(o.lines.len(), 146);
    assert_eq!(o.line_count, Some(dec("146")));
    let l = &o.lines[0];
    assert_eq!(
        (l.item_id.as_deref(), l.item_id_type.as_deref()),
        (Some("1001"), Some("SA"))
    );
    assert_eq!(l.extra_ids, [("6001001".to_owned(), Some("IN".to_owned()))]);
    assert_eq!(l.quantities, [("21".to_owned(), dec("2"), Some("GBND".to_owned()))]);
    let l = o.lines.iter().find(|l| l.number == "143").unwrap();
    assert_eq!(l.quantity("21"), Some(dec("14")));
    assert_eq!(
        l.descriptions,
        ["Diepers gesch\u{FFFD}lte Kartoffeln roh regional vom Niederrhein"]
    );
}

#[test]
fn invoic_d93a_with_comma_decimals() {
    let ic = strict("edifact/invoic_d93a_una.edi").unwrap();
    assert_eq!(ic.chars.decimal, ',');
    let inv = Invoic::read(&ic.messages[0]).unwrap();
    assert_eq!(
        (inv.header.number.as_str(), inv.header.reference.as_str()),
        ("9908001", "INVOIC0001")
    );
    let se = inv.header.party("SE").unwrap();
    assert_eq!(
        (se.name.as_deref(), se.city.as_deref()),
        (Some("Fahrradhandel Pedal"), Some("München"))
    );
    // DTM+4:19999715 is no date: kept as text, not guessed.
    assert_eq!(inv.header.date("4").unwrap().date(), None);
    let prices: Vec<_> = inv.lines.iter().map(|l| l.price("AAA").unwrap()).collect();
    assert_eq!(prices, [dec("750"), dec("19.9"), dec("2.5")]);
    assert_eq!(inv.lines[2].line_amount(), Some(dec("7.5")));
    assert_eq!(inv.lines_total(), Some(dec("777.4")));
    assert_eq!(
        (inv.total("79"), inv.total("124"), inv.total("128")),
        (Some(dec("777.4")), Some(dec("124.38")), Some(dec("901.78")))
    );
    assert_eq!(inv.total_money("128"), None, "no CUX: no currency to make money of");
}

#[test]
fn invoic_d97b_without_una_and_a_sub_cent_price() {
    let ic = strict("edifact/invoic_d97b.edi").unwrap();
    assert!(!ic.una);
    assert_eq!(ic.chars.element, '+');
    let inv = Invoic::read(&ic.messages[0]).unwrap();
    assert_eq!(
        (inv.header.number.as_str(), inv.header.currency.as_deref()),
        ("342459", Some("USD"))
    );
    assert_eq!(
        inv.header.party("SE").unwrap().name.as_deref(),
        Some("BÜTTNER WIDGET COMPANY")
    );
    assert_eq!(inv.lines.len(), 2);
    let widget = &inv.lines[0];
    assert_eq!(
        (widget.item_id.as_deref(), widget.quantity("47")),
        (Some("157870"), Some(dec("1020")))
    );
    // 1.179 USD is finer than a cent: kept exact, and refused as money.
    let price = widget.price("INV").unwrap();
    assert_eq!(price, dec("1.179"));
    assert!(price.to_money(crate::ccy("USD")).is_err());
    assert_eq!(widget.line_amount(), Some(dec("1202.58")));
    assert_eq!(inv.lines_total(), Some(dec("1612.58")));
    // Total 2137.58 = lines + the ALC charge of 525.
    assert_eq!(inv.total_money("39"), Some(crate::money("2137.58", "USD")));
    assert_eq!(inv.total("8"), Some(dec("525")));
}

#[test]
fn orders_in_a_group_with_a_wrong_unt_count() {
    // SOURCES: UNT says 21, the message has 18 segments.
    let err = strict("edifact/orders-with-group.edi").unwrap_err();
    assert_eq!(
        (err.segment, err.line, err.tag.as_str(), err.element.as_deref()),
        (20, 20, "UNT", Some("UNT01"))
    );
    assert!(
        err.reason.contains("says '21' segments, but message '1' has 18"),
        "{err}"
    );
    let ic = lenient("edifact/orders-with-group.edi");
    assert_eq!(ic.errors().len(), 1);
    assert_eq!(ic.groups.len(), 1);
    assert_eq!(
        (
            ic.groups[0].kind.as_str(),
            ic.groups[0].reference.as_str(),
            ic.groups[0].messages.clone()
        ),
        ("ORDERS", "1", vec![0])
    );
    let w = ic.warnings();
    assert_eq!(w.len(), 1);
    assert!(
        w[0].reason.contains("D:96A:EAN008A") && w[0].reason.contains("D:96B:EAN008B"),
        "{}",
        w[0].reason
    );
    let o = Orders::read(&ic.messages[0]).unwrap();
    assert_eq!(o.header.number, "C1441747");
    assert_eq!(
        o.header.date("137").unwrap().date(),
        Some(date!(2001 - 05 - 02)),
        "format 203 CCYYMMDDHHMM"
    );
    assert_eq!(o.header.party("SU").unwrap().name.as_deref(), Some("COMPANY ABC"));
    assert_eq!(o.lines.len(), 1);
    let l = &o.lines[0];
    assert_eq!(
        (l.item_id.as_deref(), l.item_id_type.as_deref()),
        (Some("5400111864181"), Some("EN"))
    );
    assert_eq!(
        (l.quantity("21"), l.quantity("59"), l.price("AAA")),
        (Some(dec("288")), Some(dec("12")), Some(dec("12.8")))
    );
}

#[test]
fn service_characters_from_una_and_faults_by_segment() {
    let custom = b"UNA|#.\\ !\nUNB#UNOA|3#S#R#240101|1200#7!\nUNH#1#ORDERS|D|96A|UN!\nBGM#220#P\\!1!\nLIN#1##X|EN!\nQTY#21|4,5!\nUNT#5#1!\nUNZ#1#7!\n";
    let ic = Interchange::parse(custom).unwrap();
    assert_eq!(
        (ic.chars.component, ic.chars.element, ic.chars.segment),
        ('|', '#', '!')
    );
    let o = Orders::read(&ic.messages[0]).unwrap();
    assert_eq!(o.header.number, "P!1");
    assert_eq!(o.lines[0].quantity("21"), Some(dec("4.5")));

    let base = "UNB+UNOA:3+S+R+240101:1200+7'UNH+1+INVOIC:D:96A:UN'BGM+380+I1'UNT+3+1'UNZ+1+7'";
    let bad = |from: &str, to: &str| Interchange::parse(base.replace(from, to).as_bytes()).unwrap_err();
    assert_eq!(bad("UNT+3+1", "UNT+3+2").element.as_deref(), Some("UNT02"));
    assert_eq!(bad("UNZ+1+7", "UNZ+2+7").element.as_deref(), Some("UNZ01"));
    let missing = bad("UNT+3+1'", "");
    assert_eq!((missing.segment, missing.tag.as_str()), (4, "UNZ"));
    assert!(bad("UNB", "UNX").reason.contains("starts with UNB"));
    assert!(
        Interchange::parse(b"UNB+UNOA:3+S?")
            .unwrap_err()
            .reason
            .contains("release character")
    );
    assert!(Interchange::parse(b"").is_err());
    assert!(Invoic::read(&Interchange::parse(base.as_bytes()).unwrap().messages[0]).is_ok());
    assert!(Orders::read(&Interchange::parse(base.as_bytes()).unwrap().messages[0]).is_err());
    let ic = Interchange::parse_lenient(base.replace("UNZ+1+7'", "").as_bytes()).unwrap();
    assert_eq!(ic.issues.iter().filter(|i| i.severity == Severity::Error).count(), 1);
}
