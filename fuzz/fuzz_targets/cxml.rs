//! cXML documents: never panic; what parses is sane (quantities never negative, the sniffed kind
//! is what the typed reader returns, the envelope has its payload id, warnings and refusals name
//! a line inside the input); a cart read back can be written again and read to the same lines;
//! the form-post reader and the scalar parsers never panic, and decimals print back to
//! themselves.
#![no_main]

use aftercart_interchange::cxml::{self, CartItemOut, Decimal, Document, Envelope, OrderMessageOut, Timestamp};
use libfuzzer_sys::fuzz_target;

fn rewrite_cart(m: &cxml::PunchOutOrderMessage) {
    let Some(total) = m.total.as_ref().and_then(|t| t.money()) else {
        return;
    };
    let mut items = Vec::new();
    for l in &m.items {
        let Some(price) = l.detail.unit_price.as_ref().and_then(|p| p.money()) else {
            return;
        };
        let (Some(desc), Some(uom)) = (l.detail.description(), l.detail.unit_of_measure.clone()) else {
            return;
        };
        let Some(class) = l.detail.classifications.first().cloned() else {
            return;
        };
        let mut item = CartItemOut::new(l.quantity, l.item_id.supplier_part_id.clone(), price, desc, uom, class);
        item.price_basis = l.detail.price_basis.clone();
        items.push(item);
    }
    let mut env = Envelope::new("fuzz@aftercart", m.envelope.timestamp);
    env.from = vec![cxml::Credential::new("NetworkId", "a")];
    env.to = vec![cxml::Credential::new("NetworkId", "b")];
    env.sender = env.from.clone();
    env.user_agent = Some("fuzz".into());
    let msg = OrderMessageOut {
        buyer_cookie: m.buyer_cookie.clone(),
        operation_allowed: m.operation_allowed,
        total,
        shipping: None,
        tax: None,
        supplier_order_id: None,
        items,
    };
    // The writer may refuse (mixed currencies, zero quantities, a Source operation); what it
    // writes must read back to the same lines.
    if let Ok(xml) = cxml::write_order_message(&env, &msg) {
        let back = cxml::parse_punchout_order_message(xml.as_bytes()).expect("a written cart reads back");
        assert_eq!(back.items.len(), msg.items.len());
        for (b, w) in back.items.iter().zip(&msg.items) {
            assert_eq!(b.quantity, w.quantity);
            assert_eq!(b.detail.unit_price.as_ref().and_then(|p| p.money()), Some(w.unit_price));
            assert_eq!(b.detail.price_basis, w.price_basis);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let lines = data.iter().filter(|&&b| b == b'\n').count() + 1;
    match cxml::parse(data) {
        Ok(doc) => {
            assert!(!doc.envelope().payload_id.is_empty());
            let again = match doc.kind() {
                cxml::DocumentKind::OrderRequest => cxml::parse_order_request(data).map(Document::OrderRequest),
                cxml::DocumentKind::PunchOutOrderMessage => {
                    cxml::parse_punchout_order_message(data).map(Document::PunchOutOrderMessage)
                }
                _ => Ok(doc.clone()),
            };
            assert_eq!(again.as_ref(), Ok(&doc));
            match &doc {
                Document::OrderRequest(o) => {
                    assert!(!o.lines.is_empty());
                    assert!(o.lines.iter().all(|l| !l.quantity.is_negative()));
                    assert!(o.warnings.iter().all(|w| (1..=lines).contains(&w.line)));
                }
                Document::PunchOutOrderMessage(m) => {
                    assert!(m.items.iter().all(|l| !l.quantity.is_negative()));
                    rewrite_cart(m);
                }
                Document::PunchOutSetupRequest(s) => assert!(!s.buyer_cookie.is_empty()),
                _ => {}
            }
        }
        Err(e) => {
            assert!(e.line <= lines, "{e} (of {lines} lines)");
            assert!(!e.reason.is_empty());
        }
    }
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = cxml::read_form_post(&cxml::parse_urlencoded(s));
        let _ = Timestamp::parse(s);
        if let Some(d) = Decimal::parse(s) {
            assert_eq!(Decimal::parse(&d.to_string()), Some(d));
        }
    }
});
