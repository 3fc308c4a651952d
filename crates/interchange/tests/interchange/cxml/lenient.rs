//! The reader's leniency (element case, order, timestamps, per-line ship-to) and what it refuses
//! (with the element's path): malformed XML, missing essentials, entity declarations.

use aftercart_interchange::cxml::*;

const HEADER: &str = r#"<Header><From><Credential domain="NetworkId"><Identity>buyer</Identity></Credential></From>
<To><Credential domain="NetworkId"><Identity>supplier</Identity></Credential></To>
<Sender><Credential domain="NetworkId"><Identity>buyer</Identity><SharedSecret>pw</SharedSecret></Credential>
<UserAgent>Test</UserAgent></Sender></Header>"#;

fn doc(timestamp: &str, body: &str) -> String {
    format!("<?xml version=\"1.0\"?>\n<cXML payloadID=\"p-1\" timestamp=\"{timestamp}\">\n{HEADER}\n{body}\n</cXML>")
}

fn order(lines: &str) -> String {
    doc(
        "2024-05-01T10:00:00+02:00",
        &format!(
            r#"<Request><OrderRequest><OrderRequestHeader orderID="PO-1" orderDate="2024-05-01" type="new">
<Total><Money currency="EUR">30.00</Money></Total>
<ShipTo><Address><Name xml:lang="en">HQ</Name><PostalAddress><Street>Main 1</Street><City>Berlin</City><Country isoCountryCode="DE">Germany</Country></PostalAddress></Address></ShipTo>
<BillTo><Address><Name xml:lang="en">HQ</Name></Address></BillTo>
</OrderRequestHeader>{lines}</OrderRequest></Request>"#
        ),
    )
}

const LINE: &str = r#"<ItemOut quantity="1" lineNumber="1"><ItemID><SupplierPartID>A</SupplierPartID></ItemID>
<ItemDetail><UnitPrice><Money currency="EUR">10.00</Money></UnitPrice><Description xml:lang="en">a</Description>
<UnitOfMeasure>EA</UnitOfMeasure><Classification domain="UNSPSC">1</Classification></ItemDetail></ItemOut>"#;

#[test]
fn two_lines_with_their_own_ship_to() {
    let ship = |city: &str| {
        format!(
            r#"<ShipTo><Address addressID="{city}"><Name xml:lang="en">Site {city}</Name><PostalAddress><DeliverTo>Stores</DeliverTo><Street>Dock 2</Street><City>{city}</City><Country isoCountryCode="DE">Germany</Country></PostalAddress></Address></ShipTo>"#
        )
    };
    let line = |n: u32, city: &str| {
        format!(
            r#"<ItemOut quantity="1" lineNumber="{n}"><ItemID><SupplierPartID>P{n}</SupplierPartID></ItemID>
<ItemDetail><UnitPrice><Money currency="EUR">10.00</Money></UnitPrice><Description xml:lang="en">x</Description><UnitOfMeasure>EA</UnitOfMeasure><Classification domain="UNSPSC">1</Classification></ItemDetail>
{}<Distribution><Accounting name="acct"><Segment type="CostCenter" id="CC-{n}" description="cc"/><Segment type="Project" id="PRJ-{n}" description="p"/></Accounting><Charge><Money currency="EUR">10.00</Money></Charge></Distribution></ItemOut>"#,
            ship(city)
        )
    };
    let xml = order(&format!("{}{}{LINE}", line(1, "Hamburg"), line(2, "Munich")));
    let o = parse_order_request(xml.as_bytes()).unwrap();
    assert_eq!(o.lines.len(), 3);
    let cities: Vec<_> = o
        .lines
        .iter()
        .map(|l| o.ship_to_for(l).unwrap().city.clone().unwrap())
        .collect();
    assert_eq!(
        cities,
        ["Hamburg", "Munich", "Berlin"],
        "the third line falls back to the header's"
    );
    assert_eq!(
        o.lines[1].ship_to.as_ref().unwrap().address_id.as_deref(),
        Some("Munich")
    );
    assert_eq!(o.lines[1].ship_to.as_ref().unwrap().deliver_to, ["Stores"]);
    assert_eq!(o.lines[0].distributions[0].cost_centre().unwrap().id, "CC-1");
    assert_eq!(o.lines[1].distributions[0].project().unwrap().id, "PRJ-2");
    // A date-only orderDate: midnight, flagged.
    let d = o.header.order_date.unwrap();
    assert!(d.date_only && d.offset_assumed);
}

#[test]
fn names_in_any_case_and_timestamps_without_offset() {
    let xml = doc(
        "2024-05-01T10:00:00",
        r#"<Message><punchoutORDERmessage><buyercookie> c1 </buyercookie>
<PunchoutOrderMessageHeader OperationAllowed="Create"><Total><Money currency="USD">1.00</Money></Total></PunchoutOrderMessageHeader>
<itemin quantity="1"><ItemID><SupplierPartID>X</SupplierPartID></ItemID><ItemDetail>
<Classification domain="UNSPSC">9</Classification><UnitOfMeasure>EA</UnitOfMeasure><Description xml:lang="en">late</Description><UnitPrice><Money currency="USD">1.00</Money></UnitPrice>
</ItemDetail></itemin></punchoutORDERmessage></Message>"#,
    );
    let m = parse_punchout_order_message(xml.as_bytes()).unwrap();
    assert_eq!(
        (m.buyer_cookie.as_str(), m.operation_allowed),
        ("c1", Operation::Create)
    );
    assert!(m.envelope.timestamp.offset_assumed);
    assert_eq!(m.envelope.timestamp.rfc3339().unwrap(), "2024-05-01T10:00:00+00:00");
    // Elements out of DTD order are read all the same.
    assert_eq!(m.items[0].detail.description(), Some("late"));
    assert_eq!(
        m.items[0].detail.unit_price.as_ref().unwrap().money().unwrap().minor(),
        100
    );
}

#[test]
fn refusals_name_the_element() {
    let cases: Vec<(String, &str, &str)> = vec![
        (
            order(&LINE.replace(r#"quantity="1" "#, "")),
            "OrderRequest/ItemOut",
            "quantity is missing",
        ),
        (
            order(&LINE.replace(r#"quantity="1""#, r#"quantity="many""#)),
            "ItemOut",
            "'many' is not a number",
        ),
        (
            order(&LINE.replace(r#"quantity="1""#, r#"quantity="-2""#)),
            "ItemOut",
            "negative",
        ),
        (
            order(&LINE.replace("<SupplierPartID>A</SupplierPartID>", "")),
            "ItemOut/ItemID",
            "SupplierPartID is missing",
        ),
        (order(""), "cXML/Request/OrderRequest", "ItemOut is missing"),
        (
            order(LINE).replace(r#" orderID="PO-1""#, ""),
            "OrderRequestHeader",
            "orderID is missing",
        ),
        (
            order(LINE).replace(r#"type="new""#, r#"type="cancel""#),
            "OrderRequestHeader",
            "'cancel'",
        ),
        (
            order(LINE).replace(r#"timestamp="2024-05-01T10:00:00+02:00""#, r#"timestamp="soon""#),
            "cXML",
            "'soon' is not a date",
        ),
        (order(LINE).replace("</OrderRequest>", ""), "", "malformed XML"),
        (
            doc("2024-05-01T10:00:00Z", "<Request><ProfileRequest/></Request>"),
            "cXML/Request",
            "ProfileRequest is not a request read here",
        ),
        ("<notcxml/>".to_string(), "notcxml", "not cXML"),
        (String::new(), "", "no root element"),
    ];
    for (xml, path, reason) in cases {
        let e = parse(xml.as_bytes()).unwrap_err();
        assert!(
            e.path.contains(path) && e.reason.contains(reason),
            "{e} (wanted {path}: {reason})"
        );
        if !xml.is_empty() {
            assert!(e.line >= 1, "{e}");
        }
    }
    // The line of the offending element.
    let e = parse(order(&LINE.replace(r#"quantity="1" "#, "")).as_bytes()).unwrap_err();
    let line = order(&LINE.replace(r#"quantity="1" "#, ""))
        .lines()
        .position(|l| l.contains("<ItemOut"))
        .unwrap()
        + 1;
    assert_eq!(e.line, line, "{e}");
    // A typed function refuses another kind.
    let e = parse_punchout_setup_request(order(LINE).as_bytes()).unwrap_err();
    assert!(
        e.reason
            .contains("expected a PunchOutSetupRequest, found a OrderRequest"),
        "{e}"
    );
    // Bytes that are not UTF-8.
    assert!(
        parse(b"<cXML payloadID=\"\xff\"/>")
            .unwrap_err()
            .reason
            .contains("UTF-8")
    );
}

#[test]
fn entity_declarations_are_refused_and_unknown_entities_too() {
    let bomb = r#"<?xml version="1.0"?>
<!DOCTYPE cXML [
  <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
]>
<cXML payloadID="x" timestamp="2024-05-01T10:00:00Z"><Response><Status code="200" text="&c;"/></Response></cXML>"#;
    let e = parse(bomb.as_bytes()).unwrap_err();
    assert_eq!(e.path, "DOCTYPE");
    assert!(e.reason.contains("entities"), "{e}");
    assert_eq!(e.line, 2);

    let external = r#"<?xml version="1.0"?>
<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.063/cXML.dtd">
<cXML payloadID="x" timestamp="2024-05-01T10:00:00Z"><Response><Status code="200" text="OK">&nbsp;</Status></Response></cXML>"#;
    let e = parse(external.as_bytes()).unwrap_err();
    assert!(e.reason.contains("unknown entity &nbsp;"), "{e}");

    // An internal subset without entities is inert.
    let inert = r#"<!DOCTYPE cXML [ <!ELEMENT cXML ANY> ]><cXML payloadID="x" timestamp="2024-05-01T10:00:00Z"><Response><Status code="201" text="Accepted">&#169; &amp; &lt;</Status></Response></cXML>"#;
    let r = parse_response(inert.as_bytes()).unwrap();
    assert_eq!(r.status.message.as_deref(), Some("© & <"));
}

#[test]
fn optional_oddities_become_warnings() {
    let line = LINE
        .replace(
            r#"lineNumber="1""#,
            r#"lineNumber="one" requestedDeliveryDate="next week""#,
        )
        .replace(
            r#"<Money currency="EUR">10.00</Money>"#,
            r#"<Money currency="EURO">ten</Money>"#,
        );
    let o = parse_order_request(order(&line).as_bytes()).unwrap();
    let l = &o.lines[0];
    assert_eq!((l.line_number, l.requested_delivery_date), (None, None));
    let price = l.detail.unit_price.as_ref().unwrap();
    assert_eq!(
        (price.currency.as_str(), price.value, price.money()),
        ("EURO", None, None)
    );
    let notes: Vec<_> = o.warnings.iter().map(|w| w.note.as_str()).collect();
    assert_eq!(notes.len(), 4, "{notes:?}");
    assert!(o.warnings.iter().all(|w| w.path.contains("ItemOut") && w.line > 0));
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    let deep = format!("{}{}", "<a>".repeat(10_000), "</a>".repeat(10_000));
    assert!(parse(deep.as_bytes()).unwrap_err().reason.contains("nested too deep"));
}
