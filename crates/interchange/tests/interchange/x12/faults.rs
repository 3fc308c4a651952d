//! Resent interchanges, envelope faults, money precision and refused text: each names the
//! segment and element (reading) or the model field (writing) at fault.

use super::writers::{acknowledgement, invoice, order, ship_notice};
use super::{controls, envelope, read};
use crate::money;
use aftercart_interchange::x12::{Ack855, AckType, Interchange, Invoice810, Mark, Po850, Version};

#[test]
fn a_resent_interchange_has_the_same_key() {
    let first = read("x12/850.edi");
    // Sent again a day later, with CR/LF line ends: same sender, receiver and ISA13.
    let again = crate::samples::sample_text("x12/850.edi")
        .replace("*101127*1719*", "*101128*0900*")
        .replace("~\n", "~\r\n");
    let again = Interchange::parse(again.as_bytes()).unwrap();
    assert_ne!(again.header.date, first.header.date);
    assert_eq!(again.key(), first.key());
    assert_eq!(
        (first.key().sender_id.as_str(), first.key().control_number),
        ("4405197800", 3438)
    );
    // A new control number, or another sender, is another interchange.
    let next = crate::samples::sample_text("x12/850.edi").replace("000003438", "000003439");
    assert_ne!(Interchange::parse(next.as_bytes()).unwrap().key(), first.key());
    let other = crate::samples::sample_text("x12/850.edi").replace("*12*4405197800     *", "*12*4405197801     *");
    assert_ne!(Interchange::parse(other.as_bytes()).unwrap().key(), first.key());
    // What Aftercart wrote is keyed by what it passed in.
    let ours = Interchange::parse(
        acknowledgement(&order())
            .write(&envelope(Version::V5010), &controls(7))
            .unwrap()
            .as_bytes(),
    )
    .unwrap();
    assert_eq!(
        (
            ours.key().sender_id.as_str(),
            ours.key().receiver_id.as_str(),
            ours.key().control_number
        ),
        ("AFTERCART", "4405197800", 1007)
    );
}

#[test]
fn envelope_faults_name_the_segment_and_element() {
    let base = crate::samples::sample_text("x12/850.edi");
    // (replace, with, segment, segment id, element, reason)
    type Case<'a> = (&'a str, &'a str, usize, &'a str, Option<&'a str>, &'a str);
    let cases: [Case<'_>; 7] = [
        (
            "SE*33*000000010",
            "SE*30*000000010",
            35,
            "SE",
            Some("SE01"),
            "says 30 segments",
        ),
        (
            "SE*33*000000010",
            "SE*33*000000011",
            35,
            "SE",
            Some("SE02"),
            "does not match ST02 '000000010'",
        ),
        ("GE*1*1421", "GE*3*1421", 36, "GE", Some("GE01"), "but group 1421 has 1"),
        (
            "GE*1*1421",
            "GE*1*1422",
            36,
            "GE",
            Some("GE02"),
            "does not match GS06 1421",
        ),
        (
            "IEA*1*000003438",
            "IEA*2*000003438",
            37,
            "IEA",
            Some("IEA01"),
            "the interchange has 1",
        ),
        (
            "IEA*1*000003438",
            "IEA*1*000003439",
            37,
            "IEA",
            Some("IEA02"),
            "does not match ISA13 000003438",
        ),
        ("SE*33*000000010~\n", "", 35, "GE", None, "has no SE before the GE"),
    ];
    for (from, to, segment, id, element, reason) in cases {
        let text = base.replace(from, to);
        let err = Interchange::parse(text.as_bytes()).unwrap_err();
        assert_eq!(
            (err.segment, err.segment_id.as_str(), err.element.as_deref()),
            (segment, id, element),
            "{to}: {err}"
        );
        assert!(err.reason.contains(reason), "{to}: {err}");
    }
    // Cut off after a line: the set, group and interchange are all reported open.
    let cut = &base[..base.find("PO1*3*").unwrap()];
    let ic = Interchange::parse_lenient(cut.as_bytes()).unwrap();
    let errors: Vec<String> = ic
        .all_issues()
        .iter()
        .map(|i| format!("{} {}", i.segment, i.reason))
        .collect();
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(errors.iter().all(|e| e.starts_with("20 ")), "{errors:?}");
    assert!(
        Interchange::parse(cut.as_bytes())
            .unwrap_err()
            .reason
            .contains("has no SE before the end of the data")
    );
    // Not X12 at all.
    assert!(
        Interchange::parse(b"UNB+UNOA:3")
            .unwrap_err()
            .reason
            .contains("does not start with ISA")
    );
    assert_eq!(Interchange::parse(b"ISA*00*").unwrap_err().segment_id, "ISA");
}

#[test]
fn prices_become_minor_units_or_are_refused_by_line_and_element() {
    let base = crate::samples::sample_text("x12/850.edi");
    let po = |text: &str| Po850::read(&Interchange::parse(text.as_bytes()).unwrap().groups[0].sets[0]);
    // Exact with more digits: fine.
    let ok = po(&base.replace("PO1*2*220*EA*13.79*", "PO1*2*220*EA*13.790*")).unwrap();
    assert_eq!(ok.lines[1].unit_price, Some(money("13.79", "USD")));
    // A fraction of a cent: refused, naming the line and PO104.
    let err = po(&base.replace("PO1*2*220*EA*13.79*", "PO1*2*220*EA*13.795*")).unwrap_err();
    assert_eq!((err.segment, err.element.as_deref()), (18, Some("PO104")));
    assert!(
        err.reason.contains("PO1 line '2'") && err.reason.contains("USD has 2 decimals"),
        "{err}"
    );
    // CUR sets the currency: KWD has three decimals, JPY none.
    let kwd = po(&base
        .replace("REF*DP*038~", "CUR*BY*KWD~\nREF*DP*038~")
        .replace("SE*33*", "SE*34*")
        .replace("*13.79*", "*13.795*"))
    .unwrap();
    assert_eq!(
        (kwd.currency.code(), kwd.lines[1].unit_price.map(|p| p.minor())),
        ("KWD", Some(13795))
    );
    let jpy = po(&base
        .replace("REF*DP*038~", "CUR*BY*JPY~\nREF*DP*038~")
        .replace("SE*33*", "SE*34*"))
    .unwrap_err();
    assert_eq!(jpy.element.as_deref(), Some("PO104"));
    assert!(jpy.reason.contains("line '1'") && jpy.reason.contains("JPY"), "{jpy}");
    let bad_ccy = po(&base
        .replace("REF*DP*038~", "CUR*BY*XYZ~\nREF*DP*038~")
        .replace("SE*33*", "SE*34*"))
    .unwrap_err();
    assert_eq!(bad_ccy.element.as_deref(), Some("CUR02"));
    // A fractional quantity is not whole units.
    let err = po(&base.replace("PO1*4*76*EA", "PO1*4*76.5*EA")).unwrap_err();
    assert_eq!(err.element.as_deref(), Some("PO102"));
    assert!(
        err.reason.contains("line '4'") && err.reason.contains("whole number"),
        "{err}"
    );
    // CTT must count the lines.
    let err = po(&base.replace("CTT*6~", "CTT*5~")).unwrap_err();
    assert_eq!((err.element.as_deref(), err.segment), (Some("CTT01"), 33));
}

#[test]
fn writers_refuse_what_could_not_be_read_back() {
    let po = order();
    let env = envelope(Version::V5010);
    let refuse = |ack: &Ack855| ack.write(&env, &controls(1)).unwrap_err();

    let mut ack = acknowledgement(&po);
    ack.parties[0].name = Some("XYZ*RETAIL".into());
    let e = refuse(&ack);
    assert_eq!(e.field, "parties[0].name");
    assert!(
        e.reason.starts_with("N102") && e.reason.contains("element separator"),
        "{e}"
    );
    ack.parties[0].name = Some("XYZ~RETAIL".into());
    assert!(refuse(&ack).reason.contains("segment terminator"));
    ack.parties[0].name = Some("XYZ>RETAIL".into());
    assert!(refuse(&ack).reason.contains("component separator"));
    ack.parties[0].name = Some("XYZ^RETAIL".into());
    assert!(
        refuse(&ack).reason.contains("repetition separator"),
        "'^' is a delimiter in 005010"
    );
    assert!(
        ack.write(&envelope(Version::V4010), &controls(1)).is_ok(),
        "and plain text in 004010"
    );
    ack.parties[0].name = Some("Café".into());
    assert!(refuse(&ack).reason.contains("printable ASCII"));
    ack.parties[0].name = Some(String::new());
    assert_eq!(refuse(&ack).field, "parties[0].name");

    let mut ack = acknowledgement(&po);
    ack.lines[4].product_ids[0].value = "A*B".into();
    let e = refuse(&ack);
    assert_eq!(e.field, "lines[4].product_ids.value");
    assert!(e.reason.starts_with("PO107"), "{e}");

    let mut ack = acknowledgement(&po);
    ack.ack_type = AckType::AcceptedNoChanges;
    assert_eq!(refuse(&ack).field, "lines[1].acks");
    ack.ack_type = AckType::Rejected;
    assert_eq!(refuse(&ack).field, "lines");
    let mut ack = acknowledgement(&po);
    ack.lines[1].acks[1].ship_date = None;
    assert_eq!(refuse(&ack).field, "lines[1].acks[1].ship_date");
    ack.lines[1].acks.clear();
    assert_eq!(refuse(&ack).field, "lines[1].acks");

    // A rejection without detail is fine.
    let mut rj = acknowledgement(&po);
    rj.ack_type = AckType::Rejected;
    rj.lines.clear();
    let text = rj.write(&env, &controls(1)).unwrap();
    assert_eq!(
        Ack855::read(&Interchange::parse(text.as_bytes()).unwrap().groups[0].sets[0]).unwrap(),
        rj
    );

    let mut asn = ship_notice(&po);
    asn.orders[0].packs[0].marks[0] = Mark::Sscc("000123456000000018".into());
    let e = asn.write(&env, &controls(2)).unwrap_err();
    assert_eq!(e.field, "orders[0].packs[0].marks[0]");
    let mut asn = ship_notice(&po);
    asn.structure = Some("0004".into());
    assert_eq!(asn.write(&env, &controls(2)).unwrap_err().field, "structure");

    let mut inv = invoice(&po);
    inv.total = money("4187.51", "USD");
    let e = inv.write(&env, &controls(3)).unwrap_err();
    assert_eq!(e.field, "total");
    assert!(e.reason.contains("4187.50"), "{e}");

    let mut bad_env = envelope(Version::V4010);
    bad_env.sender.id = "A-SENDER-ID-LONGER-THAN-15".into();
    assert_eq!(
        invoice(&po).write(&bad_env, &controls(3)).unwrap_err().field,
        "envelope.sender.id"
    );
    let mut zero = controls(3);
    zero.interchange = 0;
    assert_eq!(
        invoice(&po).write(&env, &zero).unwrap_err().field,
        "control.interchange"
    );
    let mut big = controls(3);
    big.group = 1_000_000_000;
    assert_eq!(invoice(&po).write(&env, &big).unwrap_err().field, "control.group");
}

#[test]
fn isa_is_fixed_width_and_delimiters_come_from_it() {
    let text = invoice(&order())
        .write(&envelope(Version::V4010), &controls(9))
        .unwrap();
    let isa = text.lines().next().unwrap();
    assert_eq!(isa.len(), 106, "{isa}");
    assert_eq!(&isa[..4], "ISA*");
    assert_eq!(&isa[34..52], "*AFTERCART      *1");
    assert!(isa.ends_with("*240305*1430*U*00401*000001009*0*T*>~"), "{isa}");
    // Another sender's delimiters are taken from its ISA, whatever they are.
    let custom = text.replace('*', "|").replace('~', "!").replace('>', "\\");
    let ic = Interchange::parse(custom.as_bytes()).unwrap();
    assert_eq!(
        (ic.delimiters.element, ic.delimiters.segment, ic.delimiters.component),
        ('|', '!', '\\')
    );
    assert_eq!(Invoice810::read(&ic.groups[0].sets[0]).unwrap(), invoice(&order()));
    // Trailing blank lines and spaces are tolerated.
    let padded = format!("{text}\n\n   \n");
    assert!(Interchange::parse(padded.as_bytes()).unwrap().all_issues().is_empty());
}
