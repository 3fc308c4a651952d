//! Each public cXML sample read through the sniffing entry point or its typed function, with
//! assertions on what it says: ids, cookies, secrets, addresses, lines, amounts, accounting.

use crate::money;
use crate::samples::sample;
use aftercart_interchange::cxml::*;

fn ts(t: &Timestamp) -> String {
    t.rfc3339().unwrap()
}

fn amount(a: &Option<Amount>) -> Option<aftercart_domain::money::Money> {
    a.as_ref().and_then(Amount::money)
}

#[test]
fn order_request_friends_of_cxml() {
    let o = parse_order_request(&sample("cxml/OrderRequest.xml")).unwrap();
    assert_eq!(o.envelope.payload_id, "1625586002.193314.7293@dev");
    assert_eq!(ts(&o.envelope.timestamp), "2000-10-12T18:39:09-08:00");
    assert_eq!(o.envelope.deployment_mode, DeploymentMode::Test);
    assert_eq!(
        o.envelope.from_identity("networkid"),
        Some("inbound@prominate-platform.com")
    );
    assert!(o.envelope.shared_secret_matches("coyote"));
    assert!(!o.envelope.shared_secret_matches("coyote "));
    assert_eq!(o.envelope.user_agent.as_deref(), Some("Platform Order Fulfillment Hub"));
    let h = &o.header;
    assert_eq!((h.order_id.as_str(), h.order_type), ("DO1234", OrderType::New));
    assert_eq!(ts(h.order_date.as_ref().unwrap()), "2000-10-12T18:41:29-08:00");
    assert_eq!(amount(&h.total), Some(money("85.00", "EUR")));
    let ship = h.ship_to.as_ref().unwrap();
    assert_eq!(ship.name.as_deref(), Some("Acme"));
    assert_eq!(ship.deliver_to, ["Joe Smith", "Mailstop M-543"]);
    assert_eq!(
        (ship.city.as_deref(), ship.postal_code.as_deref()),
        (Some("Sunnyvale"), Some("90489"))
    );
    assert_eq!(ship.country_code.as_deref(), Some("US"));
    assert_eq!(ship.phone.as_ref().unwrap().number.as_deref(), Some("5551212"));
    let bill = h.bill_to.as_ref().unwrap();
    assert_eq!(
        (bill.name.as_deref(), bill.country_code.as_deref()),
        (Some("Zinc GmbH"), Some("DE"))
    );
    assert_eq!(h.attachments, ["delivery-note.pdf"]);
    assert_eq!(o.lines.len(), 2);
    let (l1, l2) = (&o.lines[0], &o.lines[1]);
    assert_eq!((l1.line_number, l1.quantity), (Some(1), Decimal::from(10)));
    assert_eq!(l1.item_id.supplier_part_id, "1233244");
    assert_eq!(l1.detail.description(), Some("hello from item 1"));
    assert_eq!(l1.detail.unit_of_measure.as_deref(), Some("EA"));
    assert_eq!(l1.detail.classification("custom"), Some("0"));
    assert_eq!(
        ts(l1.requested_delivery_date.as_ref().unwrap()),
        "2020-02-28T00:00:00+00:00"
    );
    assert_eq!(l2.comments, ["Test comment"]);
    // The lines add up to the total: 10 × 2.10 + 20 × 3.20.
    let sum = o.lines.iter().fold(0, |acc, l| {
        acc + amount(&l.detail.unit_price)
            .unwrap()
            .times(l.quantity.to_u32().unwrap())
            .minor()
    });
    assert_eq!(sum, 8500);
    assert!(o.warnings.is_empty(), "{:?}", o.warnings);
}

#[test]
fn order_request_coupa_with_accounting() {
    let o = parse_order_request(&sample("cxml/order_request.xml")).unwrap();
    assert_eq!(o.header.order_id, "3309");
    assert!(o.envelope.shared_secret_matches("alsdkfjalksdjflaksjdfklj"));
    assert_eq!(amount(&o.header.total), Some(money("91.71", "USD")));
    assert_eq!(
        o.header.shipping.as_ref().and_then(|s| s.amount.money()),
        Some(money("0", "USD"))
    );
    assert_eq!(o.header.contacts[0].role.as_deref(), Some("endUser"));
    assert_eq!(extrinsic(&o.header.extrinsics, "legacy_po"), Some(""));
    assert_eq!(o.header.ship_to.as_ref().unwrap().address_id.as_deref(), Some("21444"));
    assert_eq!(o.lines.len(), 2);
    let l2 = &o.lines[1];
    assert_eq!(
        l2.item_id.supplier_part_auxiliary_id.as_deref(),
        Some("product-requisition:6235")
    );
    assert_eq!(amount(&l2.detail.unit_price), Some(money("9.29", "USD")));
    assert_eq!(extrinsic(&l2.extrinsics, "LineType"), Some("Quantity"));
    let d = &l2.distributions[0];
    assert!(d.accounting_name.starts_with("Amounts Invoice to Clients"));
    assert_eq!(d.segments.len(), 4);
    assert_eq!(d.cost_centre().map(|s| s.id.as_str()), Some("c50"));
    assert_eq!(d.project().map(|s| s.id.as_str()), Some("000384"));
    assert_eq!(d.segment("profit center").map(|s| s.id.as_str()), Some("B94641"));
    // 9 × 9.29 is the line's charge.
    assert_eq!(d.charge.as_ref().and_then(Amount::money), Some(money("83.61", "USD")));
}

#[test]
fn purchase_order_request_coupa_annotated() {
    let Document::OrderRequest(o) = parse(&sample("cxml/purchase_order_request_200.xml")).unwrap() else {
        panic!("not an OrderRequest")
    };
    assert_eq!(o.header.order_id, "6112");
    assert_eq!(o.envelope.shared_secret(), None);
    assert!(!o.envelope.shared_secret_matches(""));
    assert_eq!(o.envelope.to[0].domain, "Duns");
    assert!(o.envelope.to[0].matches("DUNS", "128293714"));
    assert_eq!(amount(&o.header.total), Some(money("1505.00", "USD")));
    assert_eq!(o.header.comments, ["header comment goes here if entered by user"]);
    assert_eq!(
        o.header.bill_to.as_ref().unwrap().deliver_to,
        ["Noah Sanity Attn: Noah Noah"]
    );
    assert_eq!(
        o.lines.iter().map(|l| l.quantity.to_u32().unwrap()).collect::<Vec<_>>(),
        [1, 2]
    );
    let l = &o.lines[0];
    assert_eq!(
        l.item_id.supplier_part_auxiliary_id.as_deref(),
        Some("1005379527029\\1")
    );
    assert_eq!(l.detail.classification("UNSPSC"), Some("44000000"));
    let d = &l.distributions[0];
    assert_eq!(d.accounting_name, "bbbb");
    assert_eq!(d.segment("department").map(|s| s.id.as_str()), Some("b"));
    assert_eq!(d.project().and_then(|s| s.description.as_deref()), Some("PROJ"));
    assert_eq!(l.comments, ["line item comment goes here if entered by user"]);
}

#[test]
fn punchout_setup_request_friends_of_cxml() {
    let s = parse_punchout_setup_request(&sample("cxml/PunchOutSetupRequest.xml")).unwrap();
    assert_eq!(s.operation, Operation::Create);
    assert_eq!(s.buyer_cookie(), "550bce3e592023b2e7b015307f965133");
    assert_eq!(s.browser_form_post(), Some("https://prominate-platform.com/hook-url"));
    assert_eq!(s.supplier_setup.as_deref(), Some("http://workchairs.com/cxml"));
    assert!(s.envelope.shared_secret_matches("s3cr3t"));
    assert_eq!(s.extrinsic("useremail"), Some("john-doe@domain.com"));
    assert_eq!(ts(&s.envelope.timestamp), "2023-01-23T16:00:06-01:00");
    assert_eq!(s.ship_to.as_ref().unwrap().street, ["123 Anystreet"]);
    let sel = s.selected_item.as_ref().unwrap();
    assert_eq!(
        (sel.supplier_part_id.as_str(), sel.buyer_part_id.as_deref()),
        ("4545321", Some("II99825"))
    );
    assert_eq!(s.items.len(), 2);
    assert_eq!(s.items[0].line_number, Some(10));
    assert_eq!(s.items[0].detail.description(), Some("Excelsior Desk Chair"));
    assert_eq!(s.items[0].detail.descriptions[0].text, "");
    assert_eq!(amount(&s.items[1].detail.unit_price), Some(money("764.20", "EUR")));
}

#[test]
fn punchout_setup_request_coupa_out_of_order_with_ruby_timestamp() {
    let s = parse_punchout_setup_request(&sample("cxml/punch_out_setup_request_doc_coupa.xml")).unwrap();
    // `Mon May 19 18:29:48 +0000 2008`, with its offset.
    assert_eq!(ts(&s.envelope.timestamp), "2008-05-19T18:29:48+00:00");
    assert!(!s.envelope.timestamp.offset_assumed);
    // Contact comes before BrowserFormPost here, against the DTD: both are read.
    assert_eq!(
        s.browser_form_post(),
        Some("https://qa.coupahost.com/punchout/checkout/4")
    );
    assert_eq!(s.contacts.len(), 1);
    assert_eq!(s.contacts[0].email.as_deref(), Some("noah+jim@coupa.com"));
    assert_eq!(s.contacts[0].role.as_deref(), Some("endUser"));
    assert_eq!(s.extrinsics.len(), 6);
    assert_eq!(s.extrinsic("BusinessUnit"), Some("COUPA"));
    assert_eq!(s.buyer_cookie(), "c64af92dc27e68172e030d3dfd1bc944");
    assert!(s.envelope.shared_secret_matches("test"));
    assert_eq!(s.envelope.version, None);
}

#[test]
fn punchout_setup_request_without_doctype_and_messy_whitespace() {
    let s = parse_punchout_setup_request(&sample("cxml/punch_out_setup_request_doc_with_ship_to.xml")).unwrap();
    assert_eq!(s.browser_form_post(), Some("http://return_to_supplier_url.com"));
    assert_eq!(s.supplier_setup.as_deref(), Some("http://localhost:3000"));
    assert_eq!(s.buyer_cookie(), "demoSCAWIGP");
    assert!(s.envelope.shared_secret_matches("{shared secret in here}"));
    assert_eq!(s.envelope.lang.as_deref(), Some("en-UK"));
    let a = s.ship_to.as_ref().unwrap();
    assert_eq!(
        (a.address_id.as_deref(), a.city.as_deref()),
        (Some("3119"), Some("san leandro"))
    );
    assert_eq!(a.email.as_deref(), Some("jmadden@coupa1.com"));
    let p = a.phone.as_ref().unwrap();
    assert_eq!(
        (p.area_or_city_code.as_deref(), p.number.as_deref()),
        (Some("855"), Some("8671234"))
    );
}

#[test]
fn punchout_setup_request_business_cxml_rich() {
    let s = parse_punchout_setup_request(&sample("cxml/punchoutsetup1-request.xml")).unwrap();
    assert_eq!(ts(&s.envelope.timestamp), "2018-01-01T00:00:00-05:00");
    assert_eq!(s.buyer_cookie(), "buyer1234");
    assert_eq!(s.extrinsic("ReturnFrame"), Some("_returnFrame"));
    assert_eq!(s.browser_form_post(), Some("https://example.com/punchout_return"));
    assert!(s.envelope.shared_secret_matches("password"));
    assert_eq!(s.envelope.deployment_mode, DeploymentMode::Production);
    let c = &s.contacts[0];
    assert_eq!(
        (c.name.as_deref(), c.email.as_deref()),
        (Some("John Smith"), Some("1234@remotehost"))
    );
    let a = s.ship_to.as_ref().unwrap();
    assert_eq!(a.municipality.as_deref(), Some("N/A"));
    assert_eq!(
        (a.state.as_deref(), a.postal_code.as_deref()),
        (Some("ON"), Some("H3C 3P3"))
    );
    assert_eq!(a.country_code.as_deref(), Some("CA"));
    assert_eq!(a.phone.as_ref().unwrap().extension.as_deref(), Some("8888"));
    assert_eq!(a.url.as_deref(), Some("https://example.com/"));
    assert!(s.items.is_empty());
}

#[test]
fn order_messages_friends_of_cxml() {
    let m = parse_punchout_order_message(&sample("cxml/PunchoutOrderMessage.xml")).unwrap();
    assert_eq!(m.buyer_cookie, "1CX3L4843PPZO");
    assert_eq!(m.operation_allowed, Operation::Create);
    assert_eq!(amount(&m.total), Some(money("763.20", "USD")));
    assert_eq!(m.items.len(), 2);
    assert_eq!(m.items.iter().map(|i| i.quantity.to_u32().unwrap()).sum::<u32>(), 8);
    assert_eq!(m.items[0].item_id.buyer_part_id.as_deref(), Some("KD5555"));
    // CDATA short names.
    assert_eq!(m.items[1].detail.description(), Some("22Excelsior Desk Chair"));
    assert_eq!(m.envelope.from[0].identity, "83528721");

    let m = parse_punchout_order_message(&sample("cxml/PunchoutOrderMessageAdvancedPricing.xml")).unwrap();
    assert_eq!(m.items.len(), 1);
    let pb = m.items[0].detail.price_basis.as_ref().unwrap();
    assert_eq!(
        (pb.quantity, pb.conversion_factor),
        (Decimal::from(2), Decimal::parse("0.5").unwrap())
    );
    assert_eq!(pb.unit_of_measure, "BOX");
    assert_eq!(
        pb.description.as_deref(),
        Some("1 Box is 2 EA and the unit price is for 2")
    );
    assert_eq!(amount(&m.items[0].detail.unit_price), Some(money("104.99", "USD")));
}

#[test]
fn order_message_business_cxml_rich() {
    let m = parse_punchout_order_message(&sample("cxml/punchoutorder4-message.xml")).unwrap();
    assert_eq!(m.buyer_cookie, "12345678");
    assert_eq!(amount(&m.total), Some(money("524.93", "CAD")));
    let shipping = m.shipping.as_ref().unwrap();
    assert_eq!(shipping.amount.money(), Some(money("0.02", "CAD")));
    assert_eq!(shipping.description.as_deref(), Some("Shipping for the whole thing"));
    assert_eq!(m.tax.as_ref().unwrap().amount.money(), Some(money("0.05", "CAD")));
    assert_eq!(m.supplier_order_id.as_deref(), Some("1234"));
    assert_eq!(m.ship_to.as_ref().unwrap().name.as_deref(), Some("John Smith"));
    assert_eq!(m.items.len(), 3);
    let desk = &m.items[0];
    assert_eq!(desk.line_number, Some(1));
    let d = &desk.detail.descriptions[0];
    assert_eq!(
        (d.short_name.as_deref(), d.text.as_str()),
        (Some("Desk"), "Sit-stand ergonomic desk with attachments")
    );
    assert_eq!(d.lang.as_deref(), Some("fr-CA"));
    assert_eq!(desk.detail.manufacturer_part_id.as_deref(), Some("2000"));
    assert_eq!(desk.detail.manufacturer_name.as_deref(), Some("Gildan"));
    assert_eq!(desk.detail.lead_time, Some(5));
    assert_eq!(desk.detail.classification("SPSC"), Some("51000000"));
    assert_eq!(desk.tax.as_ref().unwrap().amount.money(), Some(money("0.02", "CAD")));
    assert_eq!(m.items[2].detail.unit_of_measure.as_deref(), Some("HUR"));
}

#[test]
fn order_message_global_industrial_messy_whitespace() {
    let m = parse_punchout_order_message(&sample("cxml/punchout_order_message_global_industrial.xml")).unwrap();
    assert_eq!(m.operation_allowed, Operation::Edit);
    assert_eq!(ts(&m.envelope.timestamp), "2018-02-07T10:32:42-05:00");
    assert_eq!(m.items.len(), 3);
    let total = amount(&m.total).unwrap();
    let sum: i64 = m
        .items
        .iter()
        .map(|i| {
            amount(&i.detail.unit_price)
                .unwrap()
                .times(i.quantity.to_u32().unwrap())
                .minor()
        })
        .sum();
    assert_eq!((total, sum), (money("1919.05", "USD"), 191_905));
    assert!(
        m.items
            .iter()
            .all(|i| i.item_id.supplier_part_auxiliary_id.as_deref() == Some(m.buyer_cookie.as_str()))
    );
    assert_eq!(
        m.items[2].detail.description(),
        Some("Gas & Go Polyethylene 25-Gallon Fuel Cart Caddy - UN/DOT and Transport Canada Approved, GG-25PFC")
    );
    assert_eq!(m.items[2].detail.classification("unspsc"), Some("24111802"));
    assert!(m.envelope.shared_secret_matches("theSharedSecret"));
}

#[test]
fn responses() {
    let r = parse_response(&sample("cxml/response_status_200.xml")).unwrap();
    assert_eq!((r.status.code, r.status.text.as_str()), (200, "OK"));
    assert!(r.status.is_success());
    assert_eq!(r.start_page.as_deref(), Some("http://localhost:3000/products"));
    assert_eq!(r.envelope.version.as_deref(), Some("1.2.020"));
    assert!(r.envelope.from.is_empty() && r.envelope.user_agent.is_none());

    let r = parse_response(&sample("cxml/punchoutsetup1-response.xml")).unwrap();
    assert_eq!(r.start_page.as_deref(), Some("https://example.com/punchout_login"));
    assert_eq!(r.status.lang.as_deref(), Some("en-US"));
    assert_eq!(r.envelope.payload_id, "123456789.2222.55123123@localhost");
}

#[test]
fn ship_notice_and_status_update() {
    let s = parse_ship_notice_request(&sample("cxml/ShipNoticeRequest.xml")).unwrap();
    assert_eq!(s.header.shipment_id, "S2-123");
    assert_eq!(
        ts(s.header.delivery_date.as_ref().unwrap()),
        "2000-10-18T09:00:00-08:00"
    );
    assert_eq!(s.header.comments, ["Got it all into one shipment."]);
    let c = &s.controls[0];
    assert_eq!((c.scac(), c.carrier_name()), (Some("FDE"), Some("Federal Express")));
    assert_eq!(c.tracking_numbers().collect::<Vec<_>>(), ["8202 8261 1194"]);
    assert_eq!(s.portions.len(), 1);
    assert_eq!(s.portions[0].order.order_id.as_deref(), Some("DO1234"));
    assert_eq!(s.portions[0].order.payload_id.as_deref(), Some("32232995@hub.acme.com"));
    assert!(s.portions[0].items.is_empty());
    assert_eq!(
        s.envelope.user_agent.as_deref(),
        Some("Supplier’s Super Order Processor")
    );

    let u = parse_status_update_request(&sample("cxml/StatusUpdateRequest.xml")).unwrap();
    assert_eq!(u.document_payload_id.as_deref(), Some("0c300508b7863dcclb_14999"));
    assert_eq!(u.status.code, 200);
    assert_eq!(u.status.message.as_deref(), Some("Forwarded to supplier"));
    assert!(u.envelope.shared_secret_matches("abracadabra"));
}

#[test]
fn invoice_backed_by_two_orders() {
    let i = parse_invoice_detail_request(&sample("cxml/invoice_backed_by_multiple_pos.xml")).unwrap();
    assert_eq!(i.header.invoice_id, "INV00001");
    assert_eq!(
        (i.header.purpose, i.header.operation),
        (InvoicePurpose::Standard, DocumentOperation::New)
    );
    assert_eq!(ts(i.header.invoice_date.as_ref().unwrap()), "2010-12-16T00:00:00+00:00");
    assert_eq!(i.header.payment_term_days, Some(30));
    assert!(i.header.accounting_in_line && !i.header.tax_in_line);
    let orders: Vec<_> = i
        .orders
        .iter()
        .map(|o| o.order.payload_id.as_deref().unwrap())
        .collect();
    assert_eq!(orders, ["2252", "2253"]);
    assert_eq!(i.orders[0].lines[0].quantity, Decimal::from(2));
    assert_eq!(amount(&i.orders[0].lines[0].subtotal), Some(money("200", "USD")));
    assert_eq!(amount(&i.orders[1].lines[0].unit_price), Some(money("10", "USD")));
    assert_eq!(i.orders[1].lines[0].description.as_deref(), Some("Test Item"));
    assert_eq!(amount(&i.summary.subtotal), Some(money("220", "USD")));
    let tax = i.summary.tax.as_ref().unwrap();
    assert_eq!(tax.details[0].location.as_deref(), Some("CA"));
    // `<Money currency="USD" />`: an amount with no number.
    assert_eq!(tax.details[0].taxable_amount.as_ref().unwrap().value, None);
    assert_eq!(amount(&i.summary.net), Some(money("0", "USD")));
}

#[test]
fn invoice_with_line_taxes() {
    let i = parse_invoice_detail_request(&sample("cxml/invoice_taxes_at_line.xml")).unwrap();
    assert_eq!(i.header.invoice_id, "3495");
    assert!(i.header.tax_in_line);
    let line = &i.orders[0].lines[0];
    assert_eq!(line.order_line_number, Some(1));
    let tax = line.tax.as_ref().unwrap();
    assert_eq!(tax.amount.as_ref().and_then(Amount::money), Some(money("8", "USD")));
    assert_eq!(tax.details[0].percentage_rate, Some(Decimal::parse("8.25").unwrap()));
    assert_eq!(tax.details[0].category.as_deref(), Some("CA"));
    assert_eq!(amount(&i.summary.shipping), Some(money("30", "USD")));
    assert_eq!(amount(&i.summary.special_handling), Some(money("5", "USD")));
    assert_eq!(i.summary.net.as_ref().unwrap().value, None);
}

#[test]
fn invoice_with_placeholders_is_read_with_warnings() {
    let i = parse_invoice_detail_request(&sample("cxml/invoice_taxes_at_line_multiple_taxes.xml")).unwrap();
    assert_eq!(i.header.invoice_id, "new_cxml_invoice");
    // `invoiceDate="invoice_date"` and `currency="currency_code"`: kept as far as possible, noted.
    assert_eq!(i.header.invoice_date, None);
    assert!(
        i.warnings
            .iter()
            .any(|w| w.note.contains("invoice_date") && w.path.ends_with("InvoiceDetailRequestHeader"))
    );
    assert!(i.warnings.iter().any(|w| w.note.contains("currency_code")));
    let roles: Vec<_> = i.header.partners.iter().map(|p| p.role.as_deref().unwrap()).collect();
    assert_eq!(roles, ["invoiceFrom", "remitTo", "billTo"]);
    assert_eq!(i.header.partners[0].address.street.len(), 2);
    assert_eq!(extrinsic(&i.header.extrinsics, "ExchangeRate"), Some("1"));
    assert_eq!(i.orders[0].master_agreement_payload_id.as_deref(), Some("id"));
    let line = &i.orders[0].lines[0];
    assert_eq!(line.supplier_part_id.as_deref(), Some("part-id"));
    assert_eq!(extrinsic(&line.extrinsics, "HSN/SAC"), Some("HSN/SAC value"));
    let line_tax = line.tax.as_ref().unwrap();
    assert_eq!(
        line_tax.amount.as_ref().unwrap().value,
        Some(Decimal::parse("1.3").unwrap())
    );
    assert_eq!(line_tax.amount.as_ref().unwrap().money(), None, "not a real currency");
    let details = &i.summary.tax.as_ref().unwrap().details;
    assert_eq!(details.len(), 5);
    let purposes: Vec<_> = details.iter().map(|d| d.purpose.as_deref().unwrap()).collect();
    assert_eq!(
        purposes,
        [
            "tax",
            "specialHandlingTax",
            "specialHandlingTax",
            "shippingTax",
            "shippingTax"
        ]
    );
    assert_eq!(details[4].percentage_rate, Some(Decimal::parse("9.975").unwrap()));
    assert_eq!(i.summary.discount.as_ref().unwrap().value, Some(Decimal::from(123)));
}
