//! Property tests: element text the writers accept is read back exactly; text holding a
//! delimiter (or anything outside printable ASCII) is refused, naming the field.

use aftercart_domain::quantity::Qty;
use aftercart_interchange::x12::{
    Ack855, AckLine, AckType, Address, Asn856, AsnItem, AsnOrder, Interchange, LineAck, LineStatus, Party, ProductId,
    Reference, Shipment, Version,
};
use proptest::prelude::*;
use time::macros::{date, time};

/// Printable ASCII without the delimiters Aftercart writes (`*`, `>`, `^`, `~`).
fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[ -)+-=?-\\]_-}}]{{1,{max}}}")).unwrap()
}

/// The texts an 855 carries that the tests vary.
struct Texts {
    name: String,
    street: Vec<String>,
    city: String,
    state: String,
    po: String,
    part: String,
    desc: String,
    note: String,
}

fn ack(t: Texts) -> Ack855 {
    let Texts {
        name,
        street,
        city,
        state,
        po,
        part,
        desc,
        note,
    } = t;
    Ack855 {
        purpose: "00".into(),
        ack_type: AckType::AcceptedNoChanges,
        po_number: po,
        po_date: date!(2024 - 01 - 31),
        seller_order_number: Some(note.clone()),
        ack_date: Some(date!(2024 - 02 - 01)),
        currency: crate::ccy("USD"),
        refs: vec![Reference {
            qualifier: "ZZ".into(),
            value: note,
            description: None,
        }],
        parties: vec![Party {
            address: Address {
                lines: street,
                city: Some(city),
                state: Some(state),
                postal_code: None,
                country: None,
            },
            ..Party::named("ST", &name)
        }],
        lines: vec![AckLine {
            line_id: Some("1".into()),
            quantity: Qty::new(3),
            unit: "EA".into(),
            unit_price: Some(crate::money("1.99", "USD")),
            price_basis: None,
            product_ids: vec![ProductId::new("VP", &part)],
            description: Some(desc),
            acks: vec![LineAck {
                status: LineStatus::Accepted,
                quantity: Qty::new(3),
                ship_date: None,
            }],
        }],
    }
}

fn read_back(text: &str) -> Ack855 {
    let ic = Interchange::parse(text.as_bytes()).unwrap();
    Ack855::read(&ic.groups[0].sets[0]).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn accepted_text_round_trips_through_an_855(
        name in text(60), street in proptest::collection::vec(text(55), 0..4), city in text(30), state in text(2),
        po in text(22), part in text(48), desc in text(80), note in text(30),
        five in any::<bool>(),
    ) {
        let version = if five { Version::V5010 } else { Version::V4010 };
        let doc = ack(Texts { name, street, city, state, po, part, desc, note });
        let written = doc.write(&super::envelope(version), &super::controls(1)).unwrap();
        prop_assert_eq!(read_back(&written), doc);
    }

    #[test]
    fn any_text_either_round_trips_or_is_refused_by_name(name in "\\PC{1,12}", five in any::<bool>()) {
        let version = if five { Version::V5010 } else { Version::V4010 };
        let doc = ack(Texts {
            name: name.clone(),
            street: vec![],
            city: "X".into(),
            state: "OH".into(),
            po: "PO1".into(),
            part: "P".into(),
            desc: "D".into(),
            note: "N".into(),
        });
        match doc.write(&super::envelope(version), &super::controls(1)) {
            Ok(written) => prop_assert_eq!(read_back(&written), doc),
            Err(e) => {
                prop_assert_eq!(e.field.as_str(), "parties[0].name");
                prop_assert!(e.reason.starts_with("N102"), "{}", e.reason);
            }
        }
    }

    #[test]
    fn a_delimiter_is_always_refused(head in text(10), tail in text(10), d in prop::sample::select(vec!['*', '~', '>', '^']),
                                    which in 0usize..3) {
        let bad = format!("{head}{d}{tail}");
        let po = fixture();
        let mut asn = po.clone();
        let field = match which {
            0 => { asn.shipment.bill_of_lading = Some(bad); "shipment.bill_of_lading" }
            1 => { asn.orders[0].po_number = bad; "orders[0].po_number" }
            _ => { asn.orders[0].items[0].product_ids[0].value = bad; "orders[0].items[0].product_ids.value" }
        };
        let e = asn.write(&super::envelope(Version::V5010), &super::controls(2)).unwrap_err();
        prop_assert_eq!(e.field.as_str(), field);
        prop_assert!(e.reason.contains(d), "{}", e.reason);
    }

    #[test]
    fn accepted_text_round_trips_through_an_856(bm in text(50), po in text(22), part in text(48), track in text(48)) {
        let mut asn = fixture();
        asn.shipment.bill_of_lading = Some(bm);
        asn.shipment.tracking_numbers = vec![track];
        asn.orders[0].po_number = po;
        asn.orders[0].items[0].product_ids[0].value = part;
        let written = asn.write(&super::envelope(Version::V4010), &super::controls(2)).unwrap();
        let ic = Interchange::parse(written.as_bytes()).unwrap();
        prop_assert_eq!(Asn856::read(&ic.groups[0].sets[0]).unwrap(), asn);
    }
}

/// A small ship notice: one order, one item directly under it.
pub fn fixture() -> Asn856 {
    Asn856 {
        purpose: "00".into(),
        shipment_id: "S1".into(),
        date: date!(2024 - 02 - 02),
        time: time!(08:00:30),
        structure: Some("0004".into()),
        shipment: Shipment {
            carrier_scac: Some("FDEG".into()),
            shipped: Some(date!(2024 - 02 - 02)),
            ..Shipment::default()
        },
        orders: vec![AsnOrder {
            po_number: "PO1".into(),
            release: None,
            po_date: None,
            packs: Vec::new(),
            items: vec![AsnItem {
                line_id: Some("1".into()),
                product_ids: vec![ProductId::new("BP", "X-1")],
                quantity: Qty::new(5),
                unit: "EA".into(),
                description: None,
            }],
        }],
    }
}
