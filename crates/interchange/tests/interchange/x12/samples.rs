//! Every public X12 sample, read strictly where it is sound and with its deviations asserted as
//! reported where it is not.

use super::read;
use crate::money;
use aftercart_domain::quantity::Qty;
use aftercart_interchange::x12::{
    Ack855, AckType, Asn856, Delimiters, Interchange, InterchangeKey, Invoice810, IssueKind, LineStatus, Po850,
    Severity, Usage,
};
use time::macros::{date, time};

fn qtys(po: &Po850) -> Vec<u32> {
    po.lines.iter().map(|l| l.quantity.get()).collect()
}

fn prices(po: &Po850) -> Vec<Option<i64>> {
    po.lines.iter().map(|l| l.unit_price.map(|p| p.minor())).collect()
}

/// (HL01, HL02, HL03) of every HL in a set.
fn hl_levels(ic: &Interchange) -> Vec<(String, String, String)> {
    ic.groups[0].sets[0]
        .segments
        .iter()
        .filter(|s| s.id == "HL")
        .map(|s| (s.text(1).to_owned(), s.text(2).to_owned(), s.text(3).to_owned()))
        .collect()
}

#[test]
fn bysnacks_850_4010() {
    let ic = read("x12/004010_850.edi");
    assert_eq!(
        ic.key(),
        InterchangeKey {
            sender_qualifier: "ZZ".into(),
            sender_id: "SENDERISA".into(),
            receiver_id: "0073268795005".into(),
            control_number: 1,
        }
    );
    assert_eq!(ic.delimiters, Delimiters::V4010);
    assert_eq!(
        (ic.header.date, ic.header.time, ic.header.usage),
        (date!(2002 - 02 - 26), time!(15:34), Usage::Test)
    );
    let g = &ic.groups[0];
    assert_eq!(
        (g.functional_id.as_str(), g.control_number, g.version.as_str()),
        ("PO", 1, "004010")
    );
    assert_eq!(g.sets[0].control_number, "000000001");
    assert_eq!(g.sets[0].declared_segments, Some(35));
    assert!(ic.all_issues().is_empty(), "{:?}", ic.all_issues());

    let po = Po850::read(&g.sets[0]).unwrap();
    assert_eq!(
        (po.purpose.as_str(), po.order_type.as_str(), po.po_number.as_str()),
        ("00", "SA", "A99999-01")
    );
    assert_eq!(po.po_date, date!(1997 - 02 - 14));
    assert_eq!(po.currency.code(), "USD");
    assert_eq!(po.reference("VR"), Some("54321"));
    assert_eq!(po.dates.len(), 2);
    assert_eq!(po.dates[0].date, date!(1997 - 12 - 19));
    assert_eq!(po.terms[0].discount_days, Some(15));
    let bt = po.bill_to().unwrap();
    assert_eq!(
        (bt.name.as_deref(), bt.id.as_deref()),
        (Some("BUYSNACKS INC."), Some("1223334444"))
    );
    assert_eq!(bt.address.lines, ["P.O. BOX 0000"]);
    assert_eq!(bt.address.city.as_deref(), Some("TEMPLE"));
    assert_eq!(po.ship_to().unwrap().address.postal_code.as_deref(), Some("30603"));
    assert_eq!(qtys(&po), [16, 13, 32, 51, 9, 85, 1]);
    assert_eq!(prices(&po), [Some(1234); 7]);
    let first = &po.lines[0];
    assert_eq!(
        (first.line_id.as_deref(), first.position, first.unit.as_str()),
        (None, 1, "CA")
    );
    assert_eq!(first.product_id("CB"), Some("000111111"));
    assert_eq!(first.product_id("UA"), Some("002840022222"));
    assert_eq!(first.descriptions, ["CRUNCHY CHIPS LSS"]);
    assert_eq!(po.line_count, Some(7));
    assert_eq!(po.lines_total(), Some(money("2554.38", "USD")));
}

#[test]
fn retail_850_vics() {
    let ic = read("x12/850.edi");
    assert_eq!(ic.header.control_number, 3438);
    assert_eq!(
        (ic.header.sender_qualifier.as_str(), ic.header.sender_id.as_str()),
        ("12", "4405197800")
    );
    assert_eq!(
        (ic.groups[0].control_number, ic.groups[0].version.as_str()),
        (1421, "004010VICS")
    );
    let po = Po850::read(&ic.groups[0].sets[0]).unwrap();
    assert_eq!(po.set_control, "000000010");
    assert_eq!(
        (po.po_number.as_str(), po.po_date, po.contract.as_deref()),
        ("08292233294", date!(2010 - 11 - 27), Some("610385385"))
    );
    assert_eq!(po.reference("DP"), Some("038"));
    assert_eq!(po.carrier_scac, None, "TD502 is 92, not a SCAC");
    assert_eq!(po.routing.as_deref(), Some("SEE XYZ RETAIL ROUTING GUIDE"));
    let st = po.ship_to().unwrap();
    assert_eq!(
        (st.id_qualifier.as_deref(), st.id.as_deref()),
        (Some("9"), Some("0003947268292"))
    );
    assert_eq!(qtys(&po), [120, 220, 126, 76, 72, 696]);
    assert_eq!(
        prices(&po),
        [Some(925), Some(1379), Some(1099), Some(435), Some(750), Some(955)]
    );
    let ids: Vec<_> = po.lines.iter().map(|l| l.line_id.as_deref().unwrap()).collect();
    assert_eq!(ids, ["1", "2", "3", "4", "5", "6"]);
    assert_eq!(po.lines[5].product_id("VN"), Some("DX1875"));
    assert_eq!(po.lines[0].price_basis.as_deref(), Some("TE"));
    // AMT*1 is the lines' total, and the prices add up to it exactly.
    assert_eq!(po.amounts, [("1".to_owned(), money("13045.94", "USD"))]);
    assert_eq!(po.lines_total(), Some(money("13045.94", "USD")));
}

#[test]
fn petco_850_newline_terminated_and_masked() {
    let ic = read("x12/850_3.edi");
    assert_eq!(ic.delimiters.segment, '\n');
    assert_eq!(ic.header.control_number, 10001398);
    assert_eq!(ic.groups[0].control_number, 10000774);
    let po = Po850::read(&ic.groups[0].sets[0]).unwrap();
    assert_eq!((po.order_type.as_str(), po.po_number.as_str()), ("NE", "----------"));
    assert_eq!(po.dates[0].qualifier, "106");
    assert!(po.notes[0].contains("SAN ANTONIO, TX 78245"));
    assert_eq!(
        po.party("VN").unwrap().address.city.as_deref(),
        Some("HUNTINGTON BEACH")
    );
    let st = po.ship_to().unwrap();
    assert_eq!(
        (st.name.as_deref(), st.id.as_deref()),
        (Some("PETCO - CORPORATE"), Some("100"))
    );
    assert_eq!(po.lines.len(), 1);
    let l = &po.lines[0];
    assert_eq!(
        (l.quantity, l.unit.as_str(), l.unit_price),
        (Qty::new(1), "KI", Some(money("225", "USD")))
    );
    assert_eq!(l.product_id("SK"), Some("000000000001010700"));
    assert_eq!(l.product_id("PD"), Some("SU - SPARK - AQ FREEZER PUSHER"));
    assert_eq!(po.line_count, Some(1), "CTT*000001");
}

#[test]
fn dropship_850_5010_reports_its_quirks() {
    let ic = read("x12/stedi-dropship-5010/input.edi");
    assert_eq!(ic.header.version, "00501");
    // SOURCES: GS01 is 'OW' (warehouse shipping order) for an 850: reported, not hidden.
    let warnings = ic.warnings();
    let gs01 = warnings
        .iter()
        .find(|w| w.kind == IssueKind::FunctionalIdMismatch)
        .unwrap();
    assert_eq!(
        (gs01.segment, gs01.segment_id.as_str(), gs01.element.as_deref()),
        (3, "ST", Some("ST01"))
    );
    assert!(
        gs01.reason.contains("'PO'") && gs01.reason.contains("'OW'"),
        "{}",
        gs01.reason
    );
    // 005010 makes ISA11 the repetition separator; this sender left the 4010 'U' there.
    let isa11 = warnings.iter().find(|w| w.element.as_deref() == Some("ISA11")).unwrap();
    assert!(isa11.reason.contains("'U'"));
    assert!(warnings.iter().all(|w| w.severity == Severity::Warning));

    let po = Po850::read(&ic.groups[0].sets[0]).unwrap();
    assert_eq!(
        (po.order_type.as_str(), po.po_number.as_str(), po.po_date),
        ("DS", "365465413", date!(2022 - 08 - 30))
    );
    assert_eq!(po.reference("CO"), Some("ACME-4567"));
    let per = &po.contacts[0];
    assert_eq!(
        (per.function.as_str(), per.name.as_deref()),
        ("OC", Some("Marvin Acme"))
    );
    assert_eq!(per.channels[1], ("EM".to_owned(), "marvin@acme.com".to_owned()));
    let st = po.ship_to().unwrap();
    assert_eq!(st.name.as_deref(), Some("Wile E Coyote"));
    assert_eq!(st.address.lines, ["111 Canyon Court"]);
    assert_eq!(st.address.country.as_deref(), Some("US"));
    assert_eq!(qtys(&po), [8, 4], "PO102 0008 is 8");
    assert_eq!(prices(&po), [Some(40000), Some(12500)]);
    assert_eq!(po.lines[0].line_id.as_deref(), Some("item-1"));
    assert_eq!(po.lines[1].product_id("SK"), Some("ACM/1100-001"));
    assert_eq!(po.amounts, [("TT".to_owned(), money("3700", "USD"))]);
    assert_eq!(po.lines_total(), Some(money("3700", "USD")));
}

#[test]
fn dropship_855_answers_the_850() {
    let ack_ic = read("x12/stedi-dropship-5010/inbound.edi");
    assert_eq!(ack_ic.delimiters.repetition, Some('^'));
    assert_eq!(
        (ack_ic.groups[0].functional_id.as_str(), ack_ic.groups[0].control_number),
        ("PR", 1746)
    );
    assert!(ack_ic.all_issues().is_empty());
    let ack = Ack855::read(&ack_ic.groups[0].sets[0]).unwrap();
    assert_eq!(
        (ack.ack_type.clone(), ack.po_number.as_str()),
        (AckType::AcceptedNoChanges, "365465413")
    );
    assert_eq!(
        (ack.po_date, ack.ack_date),
        (date!(2022 - 09 - 14), Some(date!(2022 - 09 - 13)))
    );
    assert_eq!(
        ack.parties.iter().map(|p| p.role.as_str()).collect::<Vec<_>>(),
        ["SE", "ST"]
    );
    assert!(ack.lines.iter().all(|l| l.accepted_as_ordered()));

    // The acknowledgement a seller builds from the order says line for line the same.
    let po = Po850::read(&read("x12/stedi-dropship-5010/input.edi").groups[0].sets[0]).unwrap();
    let ours = Ack855::accept_all(&po, date!(2022 - 09 - 13), None);
    assert_eq!(ours.po_number, ack.po_number);
    for (a, b) in ours.lines.iter().zip(&ack.lines) {
        assert_eq!(
            (&a.line_id, a.quantity, &a.unit, a.unit_price),
            (&b.line_id, b.quantity, &b.unit, b.unit_price)
        );
        assert_eq!(
            (&a.product_ids, &a.description, &a.acks),
            (&b.product_ids, &b.description, &b.acks)
        );
    }
}

#[test]
fn book_855_with_rejected_lines() {
    let ic = read("x12/855.edi");
    assert_eq!(ic.header.control_number, 5);
    let ack = Ack855::read(&ic.groups[0].sets[0]).unwrap();
    assert_eq!(
        (ack.po_number.as_str(), ack.po_date, ack.ack_date),
        ("POTEST1112", date!(2020 - 10 - 15), Some(date!(2020 - 10 - 15)))
    );
    assert_eq!(ack.currency.code(), "USD");
    assert_eq!(ack.refs[0].value, "ORDER PROCESSED");
    let st = &ack.parties[0];
    assert_eq!(
        st.address.lines,
        ["REGULAR EDI ACCOUNT", "ATTN ACQ SERVS", "7615 DISALLE BOULEVARD"]
    );
    let statuses: Vec<(LineStatus, u32)> = ack
        .lines
        .iter()
        .map(|l| (l.acks[0].status.clone(), l.acks[0].quantity.get()))
        .collect();
    assert_eq!(
        statuses,
        [
            (LineStatus::Accepted, 3),
            (LineStatus::Rejected, 0),
            (LineStatus::Rejected, 0),
            (LineStatus::Accepted, 2)
        ]
    );
    assert_eq!(ack.lines[0].product_ids[0].value, "9780446360265");
    assert_eq!(ack.lines[2].unit_price, Some(money("0", "USD")));
    assert_eq!(
        ack.lines[3].description.as_deref(),
        Some("WEBSTERS NEW WORLD THESAURUS")
    );
    // BAK02 says AD (no changes) while two lines are rejected: Aftercart's writer would not
    // send that, and says why.
    assert_eq!(ack.ack_type, AckType::AcceptedNoChanges);
    let refused = ack
        .write(
            &super::envelope(aftercart_interchange::x12::Version::V4010),
            &super::controls(1),
        )
        .unwrap_err();
    assert_eq!(refused.field, "lines[1].acks");
    assert!(refused.reason.contains("use AC"));
}

#[test]
fn asn_856_same_content_with_either_terminator() {
    let tilde = read("x12/856.edi");
    let newline = read("x12/004060_856.edi");
    assert_eq!((tilde.delimiters.segment, newline.delimiters.segment), ('~', '\n'));
    assert_eq!((tilde.header.control_number, newline.header.control_number), (49, 3438));
    // 856.edi (ISA12 00406) declares '-' as repetition separator while its data is full of
    // hyphens: reported, and the elements are not split on it.
    let w = tilde.warnings();
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].element.as_deref(), Some("ISA11"));
    // 004060_856.edi ends without a final terminator: tolerated, reported.
    let w = newline.warnings();
    assert_eq!(
        (w.len(), w[0].segment_id.as_str(), w[0].kind),
        (1, "IEA", IssueKind::Layout)
    );
    assert!(w[0].reason.contains("no segment terminator"));

    let levels = hl_levels(&tilde);
    let expect = [("1", "", "S"), ("2", "1", "O"), ("3", "2", "I"), ("4", "2", "I")];
    assert_eq!(levels.len(), 4);
    for (got, want) in levels.iter().zip(expect) {
        assert_eq!((got.0.as_str(), got.1.as_str(), got.2.as_str()), want);
    }
    let asn = Asn856::read(&tilde.groups[0].sets[0]).unwrap();
    assert_eq!(asn, Asn856::read(&newline.groups[0].sets[0]).unwrap());
    assert_eq!(
        (asn.purpose.as_str(), asn.shipment_id.as_str(), asn.structure.as_deref()),
        ("14", "829716", Some("0002"))
    );
    assert_eq!((asn.date, asn.time), (date!(2011 - 12 - 06), time!(14:24:28)));
    let s = &asn.shipment;
    assert_eq!(
        (s.carrier_scac.as_deref(), s.routing.as_deref()),
        (Some("XXXX"), Some("XXXX"))
    );
    assert_eq!(s.bill_of_lading.as_deref(), Some("999999-001"));
    assert_eq!(s.tracking_numbers, ["5787970539"]);
    assert_eq!(
        (s.packages, s.weight.map(|w| w.to_string()), s.weight_unit.as_deref()),
        (Some(Qty::new(2)), Some("60.31".into()), Some("LB"))
    );
    assert_eq!(s.shipped, Some(date!(2011 - 12 - 06)));
    assert_eq!(
        s.parties.iter().map(|p| p.role.as_str()).collect::<Vec<_>>(),
        ["SH", "OB", "SF"]
    );
    assert_eq!(s.parties[1].address.postal_code.as_deref(), Some("31139-0020"));
    assert_eq!(asn.orders.len(), 1);
    let o = &asn.orders[0];
    assert_eq!(
        (o.po_number.as_str(), o.po_date),
        ("99999817", Some(date!(2011 - 12 - 05)))
    );
    assert!(o.packs.is_empty(), "S-O-I: items directly under the order");
    let items: Vec<_> = o
        .items
        .iter()
        .map(|i| {
            (
                i.line_id.as_deref().unwrap(),
                i.quantity.get(),
                i.product_ids[0].value.as_str(),
                i.description.as_deref().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        items,
        [("1", 24, "87787D", "BLUE WIDGET"), ("2", 6, "99887D", "RED WIDGET")]
    );
}

#[test]
fn two_810s_and_the_one_whose_total_does_not_add_up() {
    let ic = read("x12/simple810.edi");
    let g = &ic.groups[0];
    assert_eq!(
        (
            g.functional_id.as_str(),
            g.control_number,
            g.sets.len(),
            g.declared_sets
        ),
        ("IN", 1, 2, Some(2))
    );
    let first = Invoice810::read(&g.sets[0]).unwrap();
    assert_eq!(
        (first.invoice_number.as_str(), first.invoice_date),
        ("00001", date!(1997 - 12 - 11))
    );
    assert_eq!(first.po_number.as_deref(), Some("A99999-01"));
    assert_eq!(
        first.parties.iter().map(|p| p.role.as_str()).collect::<Vec<_>>(),
        ["ST", "BT", "RE"]
    );
    let t = &first.terms[0];
    assert_eq!(
        (t.discount_percent.map(|d| d.to_string()), t.discount_days, t.net_days),
        (Some("1".into()), Some(15), Some(16))
    );
    assert_eq!(t.description.as_deref(), Some("1/15 NET 30"));
    assert_eq!(first.lines.len(), 7);
    assert_eq!(first.lines[5].quantity, Qty::new(85));
    assert_eq!(first.lines[5].unit_price, money("12.34", "USD"));
    assert_eq!(first.lines[5].product_ids[0].value, "002840077777");
    assert_eq!(first.total, money("2554.38", "USD"), "TDS*255438 is cents");
    assert_eq!(first.total_difference(), None);

    // It bills the BUYSNACKS order line for line and to the cent.
    let po = Po850::read(&read("x12/004010_850.edi").groups[0].sets[0]).unwrap();
    assert_eq!(first.po_number.as_deref(), Some(po.po_number.as_str()));
    let billed: Vec<u32> = first.lines.iter().map(|l| l.quantity.get()).collect();
    assert_eq!(billed, qtys(&po));
    assert_eq!(Some(first.total), po.lines_total());

    // The second invoice bills 150 cases (1851.00) but repeats the first one's TDS.
    let second = Invoice810::read(&g.sets[1]).unwrap();
    assert_eq!(
        (second.po_number.as_deref(), second.lines.len()),
        (Some("A99999-04"), 2)
    );
    assert_eq!(second.total, money("2554.38", "USD"));
    assert_eq!(second.computed_total(), Some(money("1851.00", "USD")));
    assert_eq!(second.total_difference(), Some(money("703.38", "USD")));
}

#[test]
fn two_groups_two_versions_in_one_interchange() {
    let ic = read("x12/invoice810_po850_dual.edi");
    assert_eq!((ic.groups.len(), ic.declared_groups), (2, Some(2)));
    let (inv, po) = (&ic.groups[0], &ic.groups[1]);
    assert_eq!((inv.functional_id.as_str(), inv.sets.len()), ("IN", 2));
    assert_eq!(
        (po.functional_id.as_str(), po.control_number, po.version.as_str()),
        ("PO", 165, "003010")
    );
    assert_eq!(po.date, Some(date!(2002 - 09 - 06)), "GS04 is YYMMDD in 003010");
    assert_eq!(
        Invoice810::read(&inv.sets[1]).unwrap().invoice_date,
        date!(1997 - 12 - 15)
    );
    let order = Po850::read(&po.sets[0]).unwrap();
    assert_eq!(
        (order.po_number.as_str(), order.release.as_deref()),
        ("S115921858", Some("1017760"))
    );
    assert_eq!(order.po_date, date!(2004 - 03 - 17), "BEG05 040317");
    assert_eq!(order.reference("MU"), Some("0.3492"));
    assert_eq!(order.buyer().unwrap().name.as_deref(), Some("SHIPPING GROUP, INC."));
    let st = order.ship_to().unwrap();
    assert_eq!(
        (st.id_qualifier.as_deref(), st.id.as_deref()),
        (Some("92"), None),
        "N103 without N104"
    );
    assert_eq!(st.address.city.as_deref(), Some("SAN PEDRO"));
    assert_eq!(qtys(&order), [150, 50, 25, 25]);
    assert_eq!(prices(&order), [None; 4]);
    assert_eq!(order.lines[3].product_id("IN"), Some("01220"));
    assert_eq!(order.line_count, Some(4));
}
