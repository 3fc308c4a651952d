//! Changing an order in the browser: the buyer cuts a line the warehouse has half picked, sees
//! the priced preview say what will happen, sends it, and sees on the order that part was
//! cancelled at once and the rest waits for the warehouse.

use super::{BUYER, Browser, Fixture};
use aftercart_app::{Allocate, App, Ctx, OrderLineInput, PlaceOrder, ProductRef};
use aftercart_domain::account::FulfilmentKind;
use aftercart_domain::order::Channel;
use aftercart_domain::quantity::Qty;
use fantoccini::Locator;

async fn click(b: &Browser, css: &str) {
    let path = b.path().await;
    let el =
        b.c.find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css} on {path}: {e}"));
    b.nav(el).await;
}

pub(super) async fn buyer_changes_an_order_partly_picked(b: &mut Browser, f: &Fixture, app: &App) {
    // An order of 10 gloves, all allocated, 6 already released to the warehouse floor.
    let ctx = Ctx::system();
    let account = app.account(&ctx, f.account).await.expect("account").value;
    let to = account
        .locations
        .iter()
        .find(|l| l.kind.can_receive())
        .expect("a ship-to")
        .id;
    let warehouse = app
        .fulfilment_locations(&ctx)
        .await
        .expect("locations")
        .into_iter()
        .find(|l| l.kind == FulfilmentKind::Warehouse)
        .expect("a warehouse");
    let place = PlaceOrder {
        account_id: f.account,
        number: None,
        bill_to: None,
        po_number: Some("PO-CHANGE-1".into()),
        channel: Channel::Portal,
        freight: None,
        placed_at: None,
        lines: vec![OrderLineInput {
            product: ProductRef::Sku("GLV-NIT-M".into()),
            quantity: Qty::new(10),
            ship_to: to,
            requested_date: None,
            po_number: None,
            cost_centre: None,
            project: None,
        }],
    };
    let order = app
        .run(&ctx, || app.plan_place_order(&ctx, &place))
        .await
        .expect("placed")
        .value;
    let step = |q: u32| Allocate {
        line: 1,
        location: warehouse.id,
        quantity: Qty::new(q),
    };
    let (all, half) = (step(10), step(6));
    app.run(&ctx, || app.plan_allocate(&ctx, order.id, &all))
        .await
        .expect("allocated");
    app.run(&ctx, || app.plan_release(&ctx, order.id, &half))
        .await
        .expect("released");

    b.sign_in(BUYER).await;
    b.goto(&format!("/orders/{}", order.id.0)).await;
    click(b, "a.change-link").await;
    assert_eq!(b.path().await, format!("/orders/{}/change", order.id.0));
    b.audit("change an order").await;
    b.type_into("qty_1", "0").await;
    click(b, "#preview-change").await;
    let text = b.text().await;
    assert!(
        text.contains("4 of 10 cancelled"),
        "the preview says what changes at once:\n{text}"
    );
    assert!(
        text.contains(&format!("6 were already packed at {}", warehouse.name)),
        "and what waits for the warehouse:\n{text}"
    );
    b.audit("change preview").await;
    click(b, "#send-change").await;
    assert_eq!(b.path().await, format!("/orders/{}", order.id.0));
    let text = b.text().await;
    assert!(text.contains("Changes asked for"), "{text}");
    assert!(
        text.contains("Waiting for us"),
        "the rest waits for the seller:\n{text}"
    );
    b.audit("order after a change").await;
}
