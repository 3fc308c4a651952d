//! Each writer's output read back by the reader and compared field by field, the form-post
//! helpers, and a property: any text a writer accepts in a description comes back the same.

use super::*;
use crate::money;
use proptest::prelude::*;

fn same_envelope(read: &Envelope, written: &Envelope) {
    assert_eq!(read.payload_id, written.payload_id);
    assert_eq!(read.timestamp.at, written.timestamp.at);
    assert_eq!(read.timestamp.at.offset(), written.timestamp.at.offset());
    assert!(!read.timestamp.offset_assumed);
    assert_eq!(read.from, written.from);
    assert_eq!(read.to, written.to);
    assert_eq!(read.sender, written.sender);
    assert_eq!(read.user_agent, written.user_agent);
    assert_eq!(read.lang.as_deref(), Some("en-US"));
}

#[test]
fn response_and_setup_response() {
    let env = envelope("r-1@aftercart.example");
    let status = Status::new(406, "Not Acceptable").with_message("unknown buyer <x> & co");
    let xml = write_response(&env, &status).unwrap();
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE cXML SYSTEM \"http://xml.cxml.org/schemas/cXML/1.2.063/cXML.dtd\">"));
    assert!(xml.contains("timestamp=\"2024-05-01T10:15:30+02:00\""), "{xml}");
    assert!(!xml.contains("<Header>"), "a Response has no header");
    let r = parse_response(xml.as_bytes()).unwrap();
    assert_eq!(
        r.status,
        Status {
            lang: Some("en-US".into()),
            ..status
        }
    );
    assert_eq!(r.envelope.payload_id, env.payload_id);
    assert_eq!(r.start_page, None);

    let url = "https://shop.example/punchout/start?session=a1&sig=x/y+z";
    let xml = write_punchout_setup_response(&env, url).unwrap();
    assert!(xml.contains("&amp;sig"), "{xml}");
    let r = parse_response(xml.as_bytes()).unwrap();
    assert_eq!(r.status.code, 200);
    assert_eq!(r.start_page.as_deref(), Some(url));
    let err = write_punchout_setup_response(&env, "javascript:alert(1)").unwrap_err();
    assert!(err.path.ends_with("StartPage/URL"), "{err}");
}

#[test]
fn order_message_with_price_basis() {
    let env = envelope("m-1@aftercart.example");
    let cart = cart();
    let xml = write_order_message(&env, &cart).unwrap();
    let m = parse_punchout_order_message(xml.as_bytes()).unwrap();
    same_envelope(&m.envelope, &env);
    assert_eq!(m.envelope.deployment_mode, DeploymentMode::Production);
    assert_eq!(m.buyer_cookie, cart.buyer_cookie);
    assert_eq!(m.operation_allowed, Operation::Edit);
    assert_eq!(m.total.as_ref().and_then(Amount::money), Some(cart.total));
    assert_eq!(m.shipping.as_ref().unwrap().amount.money(), Some(money("9.90", "EUR")));
    assert_eq!(m.tax.as_ref().unwrap().description.as_deref(), Some("VAT 19 %"));
    assert_eq!(m.supplier_order_id.as_deref(), Some("CART-7f3a"));
    assert_eq!(m.items.len(), 2);
    for (read, written) in m.items.iter().zip(&cart.items) {
        assert_eq!(read.quantity, written.quantity);
        assert_eq!(read.line_number, written.line_number);
        assert_eq!(read.item_id.supplier_part_id, written.supplier_part_id);
        assert_eq!(
            read.item_id.supplier_part_auxiliary_id,
            written.supplier_part_auxiliary_id
        );
        let d = &read.detail;
        assert_eq!(d.unit_price.as_ref().and_then(Amount::money), Some(written.unit_price));
        assert_eq!(d.descriptions[0].text, written.description);
        assert_eq!(d.descriptions[0].short_name, written.short_name);
        assert_eq!(d.unit_of_measure.as_deref(), Some(written.unit_of_measure.as_str()));
        assert_eq!(d.price_basis, written.price_basis);
        assert_eq!(d.classifications, std::slice::from_ref(&written.classification));
        assert_eq!(d.manufacturer_part_id, written.manufacturer_part_id);
        assert_eq!(d.manufacturer_name, written.manufacturer_name);
        assert_eq!(d.url, written.url);
        assert_eq!(d.lead_time, written.lead_time_days);
        assert_eq!(d.extrinsics, written.extrinsics);
    }
    // Per 100 pieces: 300 screws at 4.50 per 100 is 13.50.
    let pb = m.items[1].detail.price_basis.as_ref().unwrap();
    assert_eq!((pb.quantity, pb.unit_of_measure.as_str()), (Decimal::from(100), "EA"));
    assert!(
        xml.contains("<PriceBasisQuantity quantity=\"100\" conversionFactor=\"1\">"),
        "{xml}"
    );
    assert!(m.warnings.is_empty(), "{:?}", m.warnings);
}

#[test]
fn order_message_refusals_name_the_element() {
    let env = envelope("m-2@aftercart.example");
    let mut c = cart();
    c.items[1].unit_price = money("4.50", "USD");
    let e = write_order_message(&env, &c).unwrap_err();
    assert!(e.path.ends_with("ItemIn[2]/ItemDetail/UnitPrice"), "{e}");
    assert!(e.reason.contains("USD"), "{e}");

    let mut c = cart();
    c.items[0].quantity = Decimal::ZERO;
    let e = write_order_message(&env, &c).unwrap_err();
    assert!(e.path.ends_with("ItemIn[1]"), "{e}");

    let mut c = cart();
    c.items[0].description = "bell \u{7}".into();
    let e = write_order_message(&env, &c).unwrap_err();
    assert!(
        e.path.ends_with("ItemDetail/Description") && e.reason.contains("U+0007"),
        "{e}"
    );

    let mut c = cart();
    c.buyer_cookie = " ".into();
    assert!(write_order_message(&env, &c).unwrap_err().path.ends_with("BuyerCookie"));

    let mut env2 = env.clone();
    env2.user_agent = None;
    assert!(
        write_order_message(&env2, &cart())
            .unwrap_err()
            .path
            .ends_with("Sender/UserAgent")
    );
    let mut env3 = env;
    env3.to.clear();
    assert!(
        write_order_message(&env3, &cart())
            .unwrap_err()
            .path
            .ends_with("Header/To")
    );
}

#[test]
fn confirmation() {
    let env = envelope("c-1@aftercart.example");
    let conf = super::confirmation();
    let xml = write_confirmation(&env, &conf).unwrap();
    assert!(xml.contains("/1.2.063/Fulfill.dtd\">"));
    let c = parse_confirmation_request(xml.as_bytes()).unwrap();
    same_envelope(&c.envelope, &env);
    assert_eq!(c.header.kind, ConfirmationType::Detail);
    assert_eq!(c.header.confirm_id.as_deref(), Some("CONF-1"));
    assert_eq!(c.header.notice_date.unwrap().at, conf.notice_date.at);
    assert_eq!(c.header.total.as_ref().and_then(Amount::money), conf.total);
    assert_eq!(c.header.comments, ["Partly backordered"]);
    assert_eq!(c.order, conf.order);
    assert_eq!(c.items.len(), 2);
    for (read, written) in c.items.iter().zip(&conf.items) {
        assert_eq!(
            (read.line_number, read.quantity),
            (written.line_number, written.quantity)
        );
        assert_eq!(read.statuses.len(), written.statuses.len());
        for (r, w) in read.statuses.iter().zip(&written.statuses) {
            assert_eq!((r.kind, r.quantity), (w.kind, w.quantity));
            assert_eq!(r.shipment_date.map(|t| t.at), w.shipment_date.map(|t| t.at));
            assert_eq!(r.delivery_date.map(|t| t.at), w.delivery_date.map(|t| t.at));
            assert_eq!(r.unit_price.as_ref().and_then(Amount::money), w.unit_price);
            assert_eq!(r.comments, w.comments.iter().cloned().collect::<Vec<_>>());
            assert_eq!(r.unit_of_measure.as_deref(), Some("EA"));
        }
    }

    let mut bad = super::confirmation();
    bad.items[0].statuses[1].quantity = Decimal::from(3);
    let e = write_confirmation(&env, &bad).unwrap_err();
    assert!(
        e.path.ends_with("ConfirmationItem[1]") && e.reason.contains("add up"),
        "{e}"
    );
    let mut bad = super::confirmation();
    bad.order.payload_id = None;
    assert!(
        write_confirmation(&env, &bad)
            .unwrap_err()
            .path
            .ends_with("OrderReference/DocumentReference@payloadID")
    );
    let mut accept_all = super::confirmation();
    accept_all.kind = ConfirmationType::Accept;
    accept_all.items.clear();
    let c = parse_confirmation_request(write_confirmation(&env, &accept_all).unwrap().as_bytes()).unwrap();
    assert_eq!((c.header.kind, c.items.len()), (ConfirmationType::Accept, 0));
}

#[test]
fn ship_notice() {
    let env = envelope("s-1@aftercart.example");
    let notice = super::ship_notice();
    let xml = write_ship_notice(&env, &notice).unwrap();
    let s = parse_ship_notice_request(xml.as_bytes()).unwrap();
    same_envelope(&s.envelope, &env);
    assert_eq!(s.header.shipment_id, notice.shipment_id);
    assert_eq!(s.header.notice_date.unwrap().at, notice.notice_date.at);
    assert_eq!(s.header.shipment_date.unwrap().at, notice.shipment_date.unwrap().at);
    assert_eq!(s.header.delivery_date.unwrap().at, notice.delivery_date.unwrap().at);
    assert_eq!(s.header.comments, ["Two parcels"]);
    let c = &s.controls[0];
    assert_eq!((c.scac(), c.carrier_name()), (Some("UPSN"), Some("UPS")));
    assert_eq!(
        c.tracking_numbers().collect::<Vec<_>>(),
        notice.controls[0].tracking_numbers
    );
    assert_eq!(c.tracking_url, notice.controls[0].tracking_url);
    assert_eq!(s.portions[0].order, order_ref());
    let lines: Vec<_> = s.portions[0]
        .items
        .iter()
        .map(|i| {
            (
                i.line_number,
                i.quantity,
                i.unit_of_measure.clone().unwrap(),
                i.supplier_part_id.clone(),
            )
        })
        .collect();
    let written: Vec<_> = notice.portions[0]
        .items
        .iter()
        .map(|i| {
            (
                i.line_number,
                i.quantity,
                i.unit_of_measure.clone(),
                i.supplier_part_id.clone(),
            )
        })
        .collect();
    assert_eq!(lines, written);

    let mut bad = super::ship_notice();
    bad.controls[0].tracking_numbers.clear();
    let e = write_ship_notice(&env, &bad).unwrap_err();
    assert!(
        e.path.ends_with("ShipControl[1]") && e.reason.contains("tracking"),
        "{e}"
    );
}

#[test]
fn invoice() {
    let env = envelope("i-1@aftercart.example");
    let inv = super::invoice();
    let xml = write_invoice(&env, &inv).unwrap();
    assert!(xml.contains("/1.2.063/InvoiceDetail.dtd\">"));
    let i = parse_invoice_detail_request(xml.as_bytes()).unwrap();
    same_envelope(&i.envelope, &env);
    assert_eq!(i.header.invoice_id, inv.invoice_id);
    assert_eq!(i.header.invoice_date.unwrap().at, inv.invoice_date.at);
    assert_eq!(
        (i.header.purpose, i.header.operation),
        (InvoicePurpose::Standard, DocumentOperation::New)
    );
    assert!(i.header.tax_in_line);
    assert_eq!(i.header.payment_term_days, Some(30));
    assert_eq!(i.header.comments, ["Thank you"]);
    assert_eq!(i.orders.len(), 2);
    assert_eq!(i.orders[0].order, order_ref());
    assert_eq!(i.orders[1].order.order_id.as_deref(), Some("PO-4712"));
    assert_eq!(i.orders[1].order.payload_id, None);
    for (ro, wo) in i.orders.iter().zip(&inv.orders) {
        for (r, w) in ro.lines.iter().zip(&wo.lines) {
            assert_eq!((r.invoice_line_number, r.quantity), (w.invoice_line_number, w.quantity));
            assert_eq!(r.unit_price.as_ref().and_then(Amount::money), Some(w.unit_price));
            assert_eq!(r.subtotal.as_ref().and_then(Amount::money), Some(w.subtotal));
            assert_eq!(
                (r.order_line_number, r.description.as_ref()),
                (Some(w.order_line_number), w.description.as_ref())
            );
            assert_eq!(r.supplier_part_id, w.supplier_part_id);
            let (rt, wt) = (r.tax.as_ref().unwrap(), w.tax.as_ref().unwrap());
            assert_eq!(rt.amount.as_ref().and_then(Amount::money), Some(wt.amount));
            assert_eq!(rt.details[0].percentage_rate, wt.details[0].percentage_rate);
            assert_eq!(
                rt.details[0].taxable_amount.as_ref().and_then(Amount::money),
                wt.details[0].taxable
            );
        }
    }
    let s = &i.summary;
    let m = |a: &Option<Amount>| a.as_ref().and_then(Amount::money);
    assert_eq!(m(&s.subtotal), Some(money("29.33", "EUR")));
    assert_eq!(
        s.tax.as_ref().and_then(|t| t.amount.as_ref()).and_then(Amount::money),
        Some(money("5.57", "EUR"))
    );
    assert_eq!(m(&s.special_handling), Some(money("1.00", "EUR")));
    assert_eq!(m(&s.shipping), Some(money("5.00", "EUR")));
    assert_eq!(m(&s.gross), Some(money("40.90", "EUR")));
    assert_eq!(m(&s.discount), Some(money("0.33", "EUR")));
    assert_eq!(m(&s.net), Some(money("40.57", "EUR")));
    assert_eq!(m(&s.due), Some(money("40.57", "EUR")));

    let mut bad = super::invoice();
    bad.orders[0].lines[0].subtotal = money("21.50", "EUR");
    let e = write_invoice(&env, &bad).unwrap_err();
    assert!(
        e.path
            .ends_with("InvoiceDetailOrder[1]/InvoiceDetailItem[1]/SubtotalAmount"),
        "{e}"
    );
    let mut bad = super::invoice();
    bad.shipping = Some(money("5.00", "USD"));
    assert!(write_invoice(&env, &bad).is_err());
}

#[test]
fn status_update() {
    let env = envelope("u-1@aftercart.example");
    let upd = super::status_update();
    let xml = write_status_update(&env, &upd).unwrap();
    let u = parse_status_update_request(xml.as_bytes()).unwrap();
    same_envelope(&u.envelope, &env);
    assert_eq!(u.document_payload_id.as_deref(), Some(upd.document_payload_id.as_str()));
    assert_eq!(
        u.status,
        Status {
            lang: Some("en-US".into()),
            ..upd.status.clone()
        }
    );
    assert_eq!(u.extension, upd.extension);
    assert_eq!(u.extrinsics, upd.extrinsics);

    let integration = StatusUpdateOut {
        extension: Some(StatusExtension::Integration {
            document_status: "deliverySuccessful".into(),
        }),
        ..super::status_update()
    };
    let u = parse_status_update_request(write_status_update(&env, &integration).unwrap().as_bytes()).unwrap();
    assert_eq!(u.extension, integration.extension);
    let bad = StatusUpdateOut {
        extension: Some(StatusExtension::Integration {
            document_status: "lost".into(),
        }),
        ..super::status_update()
    };
    assert!(
        write_status_update(&env, &bad)
            .unwrap_err()
            .path
            .ends_with("IntegrationStatus")
    );
}

#[test]
fn answering_an_order_request() {
    let o = parse_order_request(&crate::samples::sample("cxml/OrderRequest.xml")).unwrap();
    let sender = Credential::new("NetworkId", "supplier@supplier.com").with_secret("ours");
    let env = Envelope::answering(
        &o.envelope,
        "a-1@aftercart.example",
        at(time::macros::datetime!(2024-05-01 10:00 UTC)),
        sender,
        "Aftercart",
    );
    assert_eq!(env.to, o.envelope.from);
    assert_eq!(env.from[0].identity, "supplier@supplier.com");
    assert_eq!(env.deployment_mode, DeploymentMode::Test);
    let xml = write_response(&env, &Status::ok()).unwrap();
    assert!(xml.contains("timestamp=\"2024-05-01T10:00:00+00:00\""));
    assert!(!xml.contains("coyote"), "the buyer's secret is never echoed");
}

#[test]
fn form_post_round_trip_and_page() {
    let xml = write_order_message(&envelope("f-1@aftercart.example"), &cart()).unwrap();
    for enc in [Encoding::Urlencoded, Encoding::Base64] {
        let fields = form_post_fields(&xml, enc);
        assert_eq!(read_form_post(&fields).unwrap(), xml);
    }
    let b64 = form_post_fields(&xml, Encoding::Base64);
    assert_eq!(b64[0].0, "cxml-base64");
    // What a browser would post, form-encoded, and parsed back from the body.
    let body: String = format!(
        "cXML-urlencoded={}",
        xml.bytes()
            .map(|b| if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            })
            .collect::<String>()
    );
    assert_eq!(read_form_post(&parse_urlencoded(&body)).unwrap(), xml);
    // Encoded twice by some systems: decoded once more.
    let twice = vec![("cxml-urlencoded".to_string(), "%3CcXML%2F%3E".to_string())];
    assert_eq!(read_form_post(&twice).unwrap(), "<cXML/>");
    assert!(read_form_post(&[("other".into(), "x".into())]).is_err());

    let page = auto_post_html(
        "https://buyer.example/return?a=1&b=2",
        &form_post_fields(&xml, Encoding::Urlencoded),
    )
    .unwrap();
    assert!(page.contains("action=\"https://buyer.example/return?a=1&amp;b=2\""));
    assert!(page.contains("name=\"cxml-urlencoded\" value=\"&lt;?xml version=&quot;1.0&quot;"));
    assert!(!page.contains("<cXML"), "the document is escaped inside the value");
    assert!(page.contains("<noscript>") && page.contains(".submit()"));
    assert!(auto_post_html("javascript:alert(1)", &[]).is_err());
    let framed = auto_post_html_with_target("https://b.example/", Some("_top\"x"), &[]).unwrap();
    assert!(framed.contains("target=\"_top&quot;x\""));
}

/// Text a writer accepts: any character XML 1.0 allows (CR, TAB and LF included).
fn xml_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just('\r'),
            Just('\n'),
            Just('\t'),
            Just('&'),
            Just('<'),
            Just('>'),
            Just('"'),
            Just('\''),
            Just(']'),
            any::<char>().prop_filter("XML 1.0 characters", |c| {
                *c >= ' ' && *c != '\u{FFFE}' && *c != '\u{FFFF}'
            }),
        ],
        1..40,
    )
    .prop_map(|cs| cs.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_description_survives(text in xml_text(), extrinsic in xml_text(), aux in xml_text()) {
        let mut c = cart();
        c.items[0].description = text.clone();
        c.items[0].supplier_part_auxiliary_id = Some(aux.clone());
        c.items[0].extrinsics = vec![Extrinsic::new("Note", extrinsic.clone())];
        c.buyer_cookie = format!("cookie{aux}");
        c.supplier_order_id = Some(format!("id{text}"));
        match write_order_message(&envelope("p@aftercart.example"), &c) {
            Ok(xml) => {
                let m = parse_punchout_order_message(xml.as_bytes()).unwrap();
                let trim = |s: &str| s.trim_matches([' ', '\t', '\n', '\r']).to_owned();
                // The reader trims XML whitespace around text; everything else comes back.
                prop_assert_eq!(&m.items[0].detail.descriptions[0].text, &trim(&text));
                prop_assert_eq!(m.items[0].item_id.supplier_part_auxiliary_id.clone(), Some(trim(&aux)).filter(|s| !s.is_empty()));
                prop_assert_eq!(&m.items[0].detail.extrinsics[0].value, &trim(&extrinsic));
                prop_assert_eq!(m.buyer_cookie, trim(&format!("cookie{aux}")));
                // An attribute: TAB, LF and CR survive attribute-value normalisation.
                prop_assert_eq!(m.supplier_order_id, Some(trim(&format!("id{text}"))));
            }
            // Only a description of nothing but whitespace is refused.
            Err(e) => prop_assert!(text.trim().is_empty(), "{}", e),
        }
    }
}
