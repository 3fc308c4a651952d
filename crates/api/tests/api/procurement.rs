//! Procurement systems through the real router on both stores: a cXML punchout from
//! `PunchOutSetupRequest` to the `PunchOutOrderMessage` it returns, then the `OrderRequest` for
//! that cart (two ship-tos, a cost centre) becoming one punchout order, once; an SAP OCI round
//! trip with three items and their long texts; credentials refused without saying which part
//! was wrong; a link that orders only for its own account.

use crate::harness::{TestApp, World, usd};
use aftercart_app::{AppError, OciStart};
use aftercart_domain::Qty;
use aftercart_domain::ids::ProductId;
use aftercart_interchange::cxml::{self, Document};
use aftercart_interchange::oci;
use axum::body::Body;
use axum::http::{Method, Request};
use serde_json::{Value, json};

const SECRET: &str = "northwind-coupa-shared-secret";
const IDENTITY: &str = "AN01000000087";

async fn cxml_link(t: &TestApp, w: &World) -> Value {
    t.post(
        &format!("/api/v1/accounts/{}/procurement-links", w.account),
        json!({"name": "Northwind Coupa", "cxml_identity": {"domain": "NetworkID", "identity": IDENTITY},
               "shared_secret": SECRET, "order_response_url": "https://buyer.example/cxml/inbound"}),
    )
    .await
    .ok()
    .body
}

fn header(from: &str, secret: &str, payload: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.063/cXML.dtd">
<cXML payloadID="{payload}" timestamp="2026-11-24T09:15:00" xml:lang="en-US">
  <Header>
    <From><Credential domain="NetworkId"><Identity>{from}</Identity></Credential></From>
    <To><Credential domain="NetworkID"><Identity>AN-SELLER</Identity></Credential></To>
    <Sender><Credential domain="NetworkID"><Identity>{from}</Identity><SharedSecret>{secret}</SharedSecret></Credential>
      <UserAgent>Coupa Procurement 1.0</UserAgent></Sender>
  </Header>"#
    )
}

fn setup_request(from: &str, secret: &str) -> String {
    format!(
        r#"{}
  <Request deploymentMode="production">
    <PunchOutSetupRequest operation="create">
      <BuyerCookie>cookie-7f3a</BuyerCookie>
      <Extrinsic name="UserEmail">pat.buyer@northwind.example</Extrinsic>
      <BrowserFormPost><URL>https://buyer.example/punchout/return</URL></BrowserFormPost>
      <SupplierSetup><URL>https://seller.example/punchout</URL></SupplierSetup>
    </PunchOutSetupRequest>
  </Request>
</cXML>"#,
        header(from, secret, "1700000000.1@coupa.example")
    )
}

async fn post_xml(t: &TestApp, path: &str, xml: &str) -> (u16, String) {
    let req = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header("content-type", "text/xml; charset=UTF-8")
        .body(Body::from(xml.to_owned()))
        .unwrap();
    let r = t.raw(req).await;
    let ct = r
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(ct.starts_with("text/xml"), "{path} answers cXML, not {ct}");
    (r.status.as_u16(), r.body.as_str().expect("an XML body").to_owned())
}

fn response(xml: &str) -> cxml::Response {
    match cxml::parse(xml.as_bytes()).expect("our answer parses") {
        Document::Response(r) => r,
        other => panic!("expected a Response, got {:?}", other.kind()),
    }
}

/// An `OrderRequest` for the returned cart: each line to its own ship-to, the second with a
/// cost centre and a project in its Distribution.
fn order_request(payload: &str, secret: &str, cart: &cxml::PunchOutOrderMessage, first_ship_to: &str) -> String {
    let mut items = String::new();
    for (i, it) in cart.items.iter().enumerate() {
        let ship_to = if i == 0 {
            format!(
                r#"<ShipTo><Address addressID="{first_ship_to}"><Name xml:lang="en">Dock</Name></Address></ShipTo>"#
            )
        } else {
            r#"<ShipTo><Address><Name xml:lang="en">Round Rock store</Name><PostalAddress><Street>1 Main</Street><City>Round Rock</City><Country isoCountryCode="US">United States</Country></PostalAddress></Address></ShipTo>"#.to_owned()
        };
        let dist = if i == 1 {
            r#"<Distribution><Accounting name="DistributionCharge"><AccountingSegment id="CC-77"><Name xml:lang="en">Cost Center</Name><Description xml:lang="en">ER</Description></AccountingSegment><AccountingSegment id="PRJ-2027-09"><Name xml:lang="en">Project</Name><Description xml:lang="en">Clinic refit</Description></AccountingSegment></Accounting><Charge><Money currency="USD">1</Money></Charge></Distribution>"#
        } else {
            ""
        };
        let price = it.detail.unit_price.as_ref().and_then(|a| a.value).unwrap();
        items.push_str(&format!(
            r#"<ItemOut quantity="{q}" lineNumber="{n}" requestedDeliveryDate="2026-12-01">
  <ItemID><SupplierPartID>{sku}</SupplierPartID><SupplierPartAuxiliaryID>{aux}</SupplierPartAuxiliaryID></ItemID>
  <ItemDetail><UnitPrice><Money currency="USD">{price}</Money></UnitPrice><Description xml:lang="en">x</Description><UnitOfMeasure>EA</UnitOfMeasure></ItemDetail>
  {ship_to}{dist}
</ItemOut>"#,
            q = it.quantity,
            n = i + 1,
            sku = it.item_id.supplier_part_id,
            aux = it.item_id.supplier_part_auxiliary_id.clone().unwrap_or_default(),
        ));
    }
    format!(
        r#"{}
  <Request deploymentMode="production">
    <OrderRequest>
      <OrderRequestHeader orderID="REQ-4471" orderDate="2026-11-24T10:00:00-06:00" type="new">
        <Total><Money currency="USD">156.25</Money></Total>
        <Extrinsic name="Project">Clinic refit</Extrinsic>
      </OrderRequestHeader>
      {items}
    </OrderRequest>
  </Request>
</cXML>"#,
        header(IDENTITY, secret, payload)
    )
}

async fn account_orders(t: &TestApp, account: &str) -> Vec<Value> {
    t.get(&format!("/api/v1/orders?limit=100&account_id={account}"))
        .await
        .ok()
        .body["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

async fn cxml_round_trip_to_an_order_with_two_ship_tos(t: TestApp) {
    let w = t.world().await;
    let link = cxml_link(&t, &w).await;
    assert!(
        link.get("shared_secret").is_none() && link.get("secret_hash").is_none(),
        "{link}"
    );
    assert_eq!(link["cart_encoding"], "urlencoded");

    // Setup → the start page, on the portal, with the session's token.
    let (status, xml) = post_xml(&t, "/api/v1/punchout/cxml/setup", &setup_request(IDENTITY, SECRET)).await;
    assert_eq!(status, 200, "{xml}");
    let r = response(&xml);
    assert_eq!(r.status.code, 200);
    let start = r.start_page.expect("a start page");
    let token = start.rsplit('/').next().unwrap().to_owned();
    assert!(start.contains("/punchout/") && token.len() == 64, "{start}");

    // The catalogue at the account's prices: gloves at the contract price, towels at list.
    let (_, products) = t.app.punchout_catalog(&token, None, None).await.unwrap();
    let price = |sku: &str| {
        products
            .iter()
            .find(|p| p.product.sku == sku)
            .unwrap()
            .price
            .to_string()
    };
    assert_eq!(price("GLV-NIT-M"), "USD 11.75");
    assert_eq!(price("TWL-C-12"), "USD 32.50");
    let gloves = ProductId(w.gloves.parse().unwrap());
    let towels = ProductId(w.towels.parse().unwrap());
    t.app.punchout_set_line(&token, gloves, Qty::new(5)).await.unwrap();
    t.app.punchout_set_line(&token, towels, Qty::new(3)).await.unwrap();

    // The cart goes back as a PunchOutOrderMessage in `cxml-urlencoded`.
    let back = t.app.punchout_return(&token).await.unwrap();
    assert_eq!(back.url, "https://buyer.example/punchout/return");
    assert_eq!(back.fields.len(), 1);
    assert_eq!(back.fields[0].0, "cxml-urlencoded");
    assert!(
        back.csp().contains("form-action https://buyer.example;"),
        "{}",
        back.csp()
    );
    let html = back.html().unwrap();
    assert!(
        html.contains(r#"action="https://buyer.example/punchout/return""#),
        "{html}"
    );
    let msg_xml = cxml::read_form_post(&back.fields).unwrap();
    let msg = match cxml::parse(msg_xml.as_bytes()).unwrap() {
        Document::PunchOutOrderMessage(m) => m,
        other => panic!("expected the cart, got {:?}", other.kind()),
    };
    assert_eq!(msg.buyer_cookie, "cookie-7f3a");
    assert_eq!(msg.items.len(), 2);
    let total = msg.total.as_ref().and_then(|a| a.value).unwrap();
    assert_eq!(total.to_string(), "156.25");
    assert_eq!(msg.items[0].item_id.supplier_part_id, "GLV-NIT-M");
    assert_eq!(
        msg.items[0].item_id.supplier_part_auxiliary_id.as_deref(),
        Some(w.gloves.as_str())
    );
    // The session is over: its token opens nothing now.
    assert!(matches!(
        t.app.punchout_catalog(&token, None, None).await,
        Err(AppError::NotFound { .. })
    ));

    // The approved requisition comes back as an OrderRequest: one order, channel punchout.
    let body = order_request("1700000100.7@coupa.example", SECRET, &msg, &w.dock);
    let (status, xml) = post_xml(&t, "/api/v1/punchout/cxml/order", &body).await;
    assert_eq!(status, 200, "{xml}");
    assert!(response(&xml).status.text.starts_with("OK"), "{xml}");
    let orders = account_orders(&t, &w.account).await;
    assert_eq!(orders.len(), 1, "{orders:?}");
    let order = t
        .get(&format!("/api/v1/orders/{}", orders[0]["id"].as_str().unwrap()))
        .await
        .ok()
        .body;
    assert_eq!(order["channel"], "punchout");
    assert_eq!(order["po_number"], "REQ-4471");
    let lines = order["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["ship_to"], w.dock.as_str());
    assert_eq!(lines[0]["quantity"], 5);
    assert_eq!(lines[0]["unit_price"]["amount"], "11.75");
    assert_eq!(
        lines[1]["ship_to"],
        w.store.as_str(),
        "the second line goes to the store, by its name"
    );
    assert_eq!(lines[1]["cost_centre"], "CC-77");
    assert_eq!(lines[1]["project"], "PRJ-2027-09", "the project from the Distribution");
    assert_eq!(
        lines[0]["project"], "Clinic refit",
        "without a Distribution, the header's Project Extrinsic"
    );

    // The same payload again (the buyer's system got no answer): received, nothing re-ordered.
    let (status, xml) = post_xml(&t, "/api/v1/punchout/cxml/order", &body).await;
    assert_eq!(status, 200);
    assert!(response(&xml).status.text.contains("already received"), "{xml}");
    assert_eq!(account_orders(&t, &w.account).await.len(), 1);

    // Out, through the outbox: what the seller does is told to the buyer's system as cXML,
    // each document referencing the OrderRequest's orderID and payload id.
    let oid = orders[0]["id"].as_str().unwrap().to_owned();
    let link_id = link["id"].as_str().unwrap().to_owned();
    t.post(
        &format!("/api/v1/orders/{oid}/allocations"),
        json!({"line": 1, "fulfilment_location_id": w.dallas, "quantity": 5}),
    )
    .await
    .ok();
    t.post(
        &format!("/api/v1/orders/{oid}/backorders"),
        json!({"line": 2, "quantity": 2, "expected_date": "2026-12-14", "reason": "mill delay"}),
    )
    .await
    .ok();
    t.post(
        &format!("/api/v1/orders/{oid}/cancellations"),
        json!({"line": 2, "quantity": 1, "reason": "buyer asked"}),
    )
    .await
    .ok();
    t.post(
        "/api/v1/shipments",
        json!({"order_id": oid, "from_location_id": w.dallas, "to_location_id": w.dock,
               "lines": [{"line": 1, "quantity": 5}], "carrier": "UPS", "tracking_number": "1Z999AA10123456784",
               "packing_slip": "PS-881"}),
    )
    .await
    .ok();
    t.post(
        "/api/v1/invoices",
        json!({"account_id": w.account, "currency": "USD", "issued_on": "2026-11-26",
               "lines": [{"order_id": oid, "order_line": 1, "quantity": 5, "unit_price": usd("11.75")}]}),
    )
    .await
    .ok();
    t.app.fan_out_all().await.expect("fan-out");
    let docs = t
        .get(&format!("/api/v1/procurement-links/{link_id}/documents"))
        .await
        .ok()
        .body["items"]
        .as_array()
        .cloned()
        .unwrap();
    let of = |kind: &str| -> Vec<Document> {
        docs.iter()
            .filter(|d| d["document"] == kind)
            .map(|d| {
                assert_eq!(d["state"], "pending", "{d}");
                cxml::parse(d["body"].as_str().unwrap().as_bytes()).expect("our document parses")
            })
            .collect()
    };
    let confirmations: Vec<cxml::ConfirmationRequest> = of("ConfirmationRequest")
        .into_iter()
        .map(|d| match d {
            Document::ConfirmationRequest(c) => c,
            other => panic!("{:?}", other.kind()),
        })
        .collect();
    // Placement accepted (new), then one detail (update) per step: allocation, backorder,
    // cancellation — the newest says the whole story of each line.
    assert_eq!(confirmations.len(), 4, "{docs:?}");
    let accept = confirmations
        .iter()
        .find(|c| c.header.kind == cxml::ConfirmationType::Accept)
        .unwrap();
    assert_eq!(accept.header.operation, cxml::DocumentOperation::New);
    assert_eq!(accept.order.order_id.as_deref(), Some("REQ-4471"));
    assert_eq!(accept.order.payload_id.as_deref(), Some("1700000100.7@coupa.example"));
    assert_eq!(accept.envelope.to[0].identity, IDENTITY);
    // Newest first: the last detail has line 2 as 2 backordered (with the date) and 1 rejected.
    let latest = &confirmations[0];
    assert_eq!(latest.header.kind, cxml::ConfirmationType::Detail);
    assert_eq!(latest.header.operation, cxml::DocumentOperation::Update);
    let line = |n: u32| latest.items.iter().find(|i| i.line_number == n).unwrap();
    let parts = |n: u32| -> Vec<(String, String, Option<String>)> {
        line(n)
            .statuses
            .iter()
            .map(|s| {
                (
                    s.kind.as_str().to_owned(),
                    s.quantity.to_string(),
                    s.delivery_date.as_ref().map(|d| d.at.date().to_string()),
                )
            })
            .collect()
    };
    assert_eq!(parts(1), vec![("accept".into(), "5".into(), None)]);
    assert_eq!(
        parts(2),
        vec![
            ("backordered".into(), "2".into(), Some("2026-12-14".into())),
            ("reject".into(), "1".into(), None)
        ]
    );
    let notices = of("ShipNoticeRequest");
    let [Document::ShipNoticeRequest(notice)] = notices.as_slice() else {
        panic!("one ship notice: {docs:?}")
    };
    assert_eq!(notice.header.shipment_id, "PS-881");
    assert_eq!(notice.controls[0].shipment_ids[0].value, "1Z999AA10123456784");
    assert_eq!(
        notice.portions[0].order.payload_id.as_deref(),
        Some("1700000100.7@coupa.example")
    );
    assert_eq!(notice.portions[0].items[0].line_number, 1);
    assert_eq!(notice.portions[0].items[0].quantity.to_string(), "5");
    let invoices = of("InvoiceDetailRequest");
    let [Document::InvoiceDetailRequest(inv)] = invoices.as_slice() else {
        panic!("one invoice: {docs:?}")
    };
    assert_eq!(inv.orders[0].order.order_id.as_deref(), Some("REQ-4471"));
    assert_eq!(inv.orders[0].lines[0].quantity.to_string(), "5");
    assert_eq!(
        inv.summary.subtotal.as_ref().and_then(|a| a.value).unwrap().to_string(),
        "58.75"
    );
}

async fn bad_credentials_are_refused_alike(t: TestApp) {
    let w = t.world().await;
    let link = cxml_link(&t, &w).await;
    let answers = [
        setup_request(IDENTITY, "a-wrong-shared-secret"),
        setup_request("AN-NOBODY", SECRET),
        setup_request(IDENTITY, ""),
    ];
    let mut texts = Vec::new();
    for a in &answers {
        let (status, xml) = post_xml(&t, "/api/v1/punchout/cxml/setup", a).await;
        assert_eq!(status, 401, "{xml}");
        let r = response(&xml);
        assert_eq!(r.status.code, 401);
        assert!(r.start_page.is_none());
        texts.push(r.status.text);
    }
    assert!(
        texts.iter().all(|t| t == &texts[0]),
        "one answer for every wrong part: {texts:?}"
    );

    // An order for a real cart, with the wrong secret, orders nothing.
    let (_, xml) = post_xml(&t, "/api/v1/punchout/cxml/setup", &setup_request(IDENTITY, SECRET)).await;
    let token = response(&xml)
        .start_page
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    t.app
        .punchout_set_line(&token, ProductId(w.gloves.parse().unwrap()), Qty::new(1))
        .await
        .unwrap();
    let back = t.app.punchout_return(&token).await.unwrap();
    let msg = match cxml::parse(cxml::read_form_post(&back.fields).unwrap().as_bytes()).unwrap() {
        Document::PunchOutOrderMessage(m) => m,
        _ => unreachable!(),
    };
    let (status, _) = post_xml(
        &t,
        "/api/v1/punchout/cxml/order",
        &order_request("p-1@x", "a-wrong-shared-secret", &msg, &w.dock),
    )
    .await;
    assert_eq!(status, 401);

    // A deactivated link opens nothing, with the same answer.
    t.patch_with(
        &format!("/api/v1/procurement-links/{}", link["id"].as_str().unwrap()),
        json!({"active": false}),
        &[],
    )
    .await
    .ok();
    let (status, xml) = post_xml(&t, "/api/v1/punchout/cxml/setup", &setup_request(IDENTITY, SECRET)).await;
    assert_eq!(status, 401);
    assert_eq!(response(&xml).status.text, texts[0]);
    assert!(account_orders(&t, &w.account).await.is_empty());
}

async fn a_link_orders_only_for_its_own_account(t: TestApp) {
    let w = t.world().await;
    cxml_link(&t, &w).await;
    // A cart line shipped to another account's location: refused, naming the line.
    let (_, xml) = post_xml(&t, "/api/v1/punchout/cxml/setup", &setup_request(IDENTITY, SECRET)).await;
    let token = response(&xml)
        .start_page
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    t.app
        .punchout_set_line(&token, ProductId(w.gloves.parse().unwrap()), Qty::new(2))
        .await
        .unwrap();
    let back = t.app.punchout_return(&token).await.unwrap();
    let msg = match cxml::parse(cxml::read_form_post(&back.fields).unwrap().as_bytes()).unwrap() {
        Document::PunchOutOrderMessage(m) => m,
        _ => unreachable!(),
    };
    let (status, xml) = post_xml(
        &t,
        "/api/v1/punchout/cxml/order",
        &order_request("p-2@x", SECRET, &msg, &w.other_ship_to),
    )
    .await;
    assert_eq!(status, 400, "{xml}");
    assert!(response(&xml).status.text.contains("ItemOut[1]"), "{xml}");
    assert!(account_orders(&t, &w.account).await.is_empty());
    assert!(account_orders(&t, &w.other_account).await.is_empty());

    // Only seller admins connect systems; secrets are long and identities unique.
    let (_, admin) = t
        .customer_user(
            &w.account,
            "ada@northwind.example",
            "Ada Admin",
            &["account_admin"],
            json!({"kind": "all"}),
        )
        .await;
    t.post_with(
        &format!("/api/v1/accounts/{}/procurement-links", w.account),
        json!({"cxml_identity": {"domain": "NetworkID", "identity": "AN-ADA"}, "shared_secret": SECRET}),
        &[("authorization", &admin)],
    )
    .await
    .refused(403, "forbidden", "");
    t.post(
        &format!("/api/v1/accounts/{}/procurement-links", w.account),
        json!({"oci_username": "SRM01", "shared_secret": "short"}),
    )
    .await
    .refused(422, "invalid_value", "shared_secret");
    t.post(
        &format!("/api/v1/accounts/{}/procurement-links", w.other_account),
        json!({"cxml_identity": {"domain": "networkid", "identity": IDENTITY}, "shared_secret": SECRET}),
    )
    .await
    .refused(422, "invalid_value", "cxml_identity");
    // The account's own admin may read its links; another account's admin never sees them.
    let mine = t
        .request(
            Method::GET,
            &format!("/api/v1/accounts/{}/procurement-links", w.account),
            None,
            &[("authorization", &admin)],
        )
        .await
        .ok();
    assert_eq!(mine.body["items"].as_array().unwrap().len(), 1);
    let (_, other_admin) = t
        .customer_user(
            &w.other_account,
            "oli@contoso.example",
            "Oli Admin",
            &["account_admin"],
            json!({"kind": "all"}),
        )
        .await;
    let r = t
        .request(
            Method::GET,
            &format!("/api/v1/accounts/{}/procurement-links", w.account),
            None,
            &[("authorization", &other_admin)],
        )
        .await;
    assert_eq!(r.status.as_u16(), 404, "{}", r.body);
}

async fn oci_round_trip_with_three_items_and_long_texts(t: TestApp) {
    let w = t.world().await;
    let mop = t
        .post(
            "/api/v1/products",
            json!({"sku": "MOP-HD-24", "name": "Heavy-duty wet mop head, 24 oz, cotton blend, looped end, color-coded green for clinical areas", "category": "janitorial", "list_price": {"amount": "9.40", "currency": "USD"}}),
        )
        .await
        .ok()
        .id();
    t.post(
        &format!("/api/v1/accounts/{}/procurement-links", w.account),
        json!({"name": "Northwind SRM", "oci_username": "SRM-NW", "shared_secret": SECRET}),
    )
    .await
    .ok();
    let call = |pw: &str, extra: &[(&str, &str)]| {
        let mut f: Vec<(String, String)> = vec![
            (
                "HOOK_URL".into(),
                "https://srm.northwind.example/sap/bc/gui/sap/its/bbpsc02".into(),
            ),
            ("USERNAME".into(), "srm-nw".into()),
            ("PASSWORD".into(), pw.into()),
            ("~TARGET".into(), "_top".into()),
            ("~OkCode".into(), "ADDI".into()),
            ("~CALLER".into(), "CTLG".into()),
        ];
        f.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        f
    };
    assert_eq!(
        t.app
            .oci_punchout_setup(&call("wrong-password-for-srm", &[]))
            .await
            .unwrap(),
        OciStart::Unauthorized
    );
    let token = match t.app.oci_punchout_setup(&call(SECRET, &[])).await.unwrap() {
        OciStart::Redirect(url) => url.rsplit('/').next().unwrap().to_owned(),
        other => panic!("expected the start page, got {other:?}"),
    };
    for (id, q) in [(&w.gloves, 4), (&w.towels, 2), (&mop, 12)] {
        t.app
            .punchout_set_line(&token, ProductId(id.parse().unwrap()), Qty::new(q))
            .await
            .unwrap();
    }
    let back = t.app.punchout_return(&token).await.unwrap();
    assert_eq!(back.url, "https://srm.northwind.example/sap/bc/gui/sap/its/bbpsc02");
    assert_eq!(back.target.as_deref(), Some("_top"));
    let field = |k: &str| back.fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert_eq!(field("~OkCode").as_deref(), Some("ADDI"));
    assert_eq!(field("~CALLER").as_deref(), Some("CTLG"));
    assert!(field("NEW_ITEM-LONGTEXT_3:132[]").is_some(), "{:?}", back.fields);
    let items = oci::read_cart(&back.fields).unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0].vendor_mat.as_deref(), Some("GLV-NIT-M"));
    assert_eq!(items[0].price.to_string(), "USD 11.75");
    assert_eq!(items[1].quantity.to_string(), "2");
    assert_eq!(
        items[2].description.chars().count(),
        40,
        "DESCRIPTION is cut to its 40 characters"
    );
    assert!(
        items[2]
            .long_text
            .as_deref()
            .unwrap()
            .ends_with("color-coded green for clinical areas"),
        "the long text keeps all of it"
    );
    // OCI 5.0 VALIDATE: the product priced for this buyer goes straight back.
    match t
        .app
        .oci_punchout_setup(&call(
            SECRET,
            &[("FUNCTION", "VALIDATE"), ("PRODUCTID", "GLV-NIT-M"), ("QUANTITY", "3")],
        ))
        .await
        .unwrap()
    {
        OciStart::Return(r) => {
            let items = oci::read_cart(&r.fields).unwrap();
            assert_eq!(items.len(), 1);
            assert_eq!(items[0].quantity.to_string(), "3");
            assert_eq!(items[0].price.to_string(), "USD 11.75");
        }
        other => panic!("VALIDATE returns at once, not {other:?}"),
    }
    // DETAIL opens on the product.
    match t
        .app
        .oci_punchout_setup(&call(SECRET, &[("FUNCTION", "DETAIL"), ("PRODUCTID", "MOP-HD-24")]))
        .await
        .unwrap()
    {
        OciStart::Redirect(url) => assert!(url.ends_with("?sku=MOP-HD-24"), "{url}"),
        other => panic!("DETAIL opens a page, not {other:?}"),
    }
}

both_stores!(
    cxml_round_trip_to_an_order_with_two_ship_tos,
    bad_credentials_are_refused_alike,
    a_link_orders_only_for_its_own_account,
    oci_round_trip_with_three_items_and_long_texts,
);
