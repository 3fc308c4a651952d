//! The supplier portal in the browser: the dropship supplier confirms a line, ships it with a
//! carrier and tracking number and posts a scan; the buyer then sees it on its way.

use super::{BUYER, Browser, Fixture};
use aftercart_app::{App, Ctx, ListFilter, demo};
use aftercart_domain::order::Order;
use fantoccini::Locator;

/// The demo's order waiting for Acme's confirmation (PO NW-LIGHT-2211, see demo/supplier.rs).
async fn order_to_confirm(app: &App, f: &Fixture) -> Order {
    let p = app
        .list_orders(
            &Ctx::system(),
            &ListFilter {
                account_id: Some(f.account),
                limit: 500,
                ..Default::default()
            },
        )
        .await
        .expect("orders");
    p.items
        .into_iter()
        .map(|o| o.value)
        .find(|o| o.po_number.as_deref() == Some("NW-LIGHT-2211"))
        .expect("the demo's order for the supplier to confirm")
}

async fn click(b: &Browser, css: &str) {
    let path = b.path().await;
    let el =
        b.c.find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css} on {path}: {e}"));
    b.nav(el).await;
}

pub(super) async fn supplier_ships_a_line(b: &mut Browser, f: &Fixture, app: &App) {
    let order = order_to_confirm(app, f).await;
    b.sign_in(demo::DEMO_SUPPLIER.0).await;
    assert_eq!(b.path().await, "/supplier", "a supplier starts on its lines");
    b.click_link("Lines to ship").await;
    let text = b.text().await;
    assert!(text.contains(&order.number), "the order to confirm is listed: {text}");
    b.audit("supplier lines to ship").await;

    // Confirm the order's lines (all are offered ticked).
    click(
        b,
        &format!(
            "form[action='/supplier/orders/{}/confirm'] button[type=submit]",
            order.id.0
        ),
    )
    .await;
    assert_eq!(b.path().await, "/supplier?done=confirmed");
    let now = app.order(&Ctx::system(), order.id).await.expect("order").value;
    assert!(
        now.lines
            .iter()
            .filter(|l| l.no <= 2)
            .all(|l| l.allocations[0].is_confirmed()),
        "the supplier's lines are confirmed"
    );
    b.audit("supplier lines, confirmed").await;

    // Ship them with carrier and tracking number.
    click(b, &format!("a[href^='/supplier/orders/{}/ship']", order.id.0)).await;
    assert!(
        b.path()
            .await
            .starts_with(&format!("/supplier/orders/{}/ship", order.id.0))
    );
    b.audit("ship confirmed lines").await;
    b.type_into("carrier", "Estes").await;
    b.type_into("service", "LTL Standard").await;
    b.type_into("tracking_number", "ACME-DEMO-7001").await;
    click(b, "main form button[type=submit]").await;
    assert_eq!(b.path().await, "/supplier?done=shipped", "{}", b.text().await);
    let st = app.order_status(&Ctx::system(), order.id).await.expect("status");
    let sh = st
        .order
        .value
        .shipments
        .iter()
        .find(|s| s.tracking_number.as_deref() == Some("ACME-DEMO-7001"))
        .expect("the shipment is recorded")
        .clone();
    assert_eq!(sh.carrier, "Estes");

    // Post a scan.
    click(b, &format!("a[href='/supplier/shipments/{}/tracking']", sh.id.0)).await;
    b.audit("tracking update").await;
    b.c.find(Locator::Id("status"))
        .await
        .expect("status")
        .select_by_value("in_transit")
        .await
        .expect("in transit");
    b.type_into("location", "Fontana, CA").await;
    click(b, "main form button[type=submit]").await;
    assert_eq!(b.path().await, "/supplier?done=tracked", "{}", b.text().await);
    let text = b.text().await;
    assert!(
        text.contains("In transit in Fontana, CA"),
        "the latest scan shows: {text}"
    );
    b.audit("supplier lines, shipped").await;
    b.shoot("supplier").await;
    fits_320(b, "/supplier").await;

    // The buyer sees it on its way to the location.
    b.reset().await;
    b.sign_in(BUYER).await;
    b.click_link("Shipments").await;
    assert_eq!(b.path().await, "/shipments");
    let text = b.text().await;
    assert!(
        text.contains("ACME-DEMO-7001"),
        "the new shipment is on its way: {text}"
    );
    assert!(text.contains("In transit in Fontana, CA"), "with its latest scan");
    b.audit("shipments by location").await;
    b.shoot("shipments").await;
    fits_320(b, "/shipments").await;
}

/// At 320 px the page needs no sideways scrolling; names what sticks out when it does.
async fn fits_320(b: &Browser, path: &str) {
    b.c.set_window_size(super::NARROW, 800).await.expect("window size");
    b.goto(path).await;
    let wide = b
        .js(r#"const w = document.documentElement.clientWidth; const out = [];
            for (const e of document.querySelectorAll('main *')) {
              const r = e.getBoundingClientRect();
              const pr = e.parentElement.getBoundingClientRect(); if (r.right > w + 1 && pr.right <= w + 1) out.push(e.tagName + '.' + e.className + '#' + e.id + ' ' + Math.round(r.right));
            }
            return [document.documentElement.scrollWidth, out.slice(0, 8).join(', ')];"#)
        .await;
    b.c.set_window_size(super::WIDE, 900).await.expect("window size");
    assert!(
        wide[0].as_u64().is_some_and(|w| w <= u64::from(super::NARROW)),
        "{path} scrolls sideways at 320 px: {wide}"
    );
}
