//! One order for the customer: after a line is routed to the demo's dropship supplier and
//! shipped from there, the buyer's order page never names the supplier, on both stores.

use crate::both_stores;
use crate::harness::{AGENT, BUYER, SUPPLIER, TestWeb};
use aftercart_app::dropship::RuleInput;
use aftercart_app::{Ctx, OrderLineInput, PlaceOrder, ProductRef, ShipInput};
use aftercart_domain::account::FulfilmentKind;
use aftercart_domain::dropship::Outcome;
use aftercart_domain::order::Channel;
use aftercart_domain::quantity::Qty;

async fn the_order_page_never_names_the_supplier(t: TestWeb) {
    let (app, sys) = (&t.app, Ctx::system());
    let acme = app
        .fulfilment_locations(&sys)
        .await
        .expect("sites")
        .into_iter()
        .find(|l| l.kind == FulfilmentKind::DropshipSupplier)
        .expect("the demo's dropship supplier");
    let nw = t.northwind().await;
    let ship_to = nw
        .locations
        .iter()
        .find(|l| l.kind.can_receive())
        .expect("a receiving location")
        .id;
    // A SKU Northwind buys, routed to the supplier by a rule.
    let sku = t
        .orders_of(&sys, &nw)
        .await
        .iter()
        .flat_map(|o| o.lines.iter())
        .map(|l| l.sku.clone())
        .next()
        .expect("a line");
    let rule = RuleInput {
        name: Some("Everything of this SKU to the supplier".into()),
        skus: Some(vec![sku.clone()]),
        supplier: Some(acme.id),
        priority: Some(0),
        ..Default::default()
    };
    app.run(&sys, || app.plan_create_routing_rule(&sys, &rule))
        .await
        .expect("rule");
    let place = PlaceOrder {
        account_id: nw.id,
        number: None,
        bill_to: None,
        po_number: Some("PO-DROP-1".into()),
        channel: Channel::Api,
        freight: None,
        placed_at: None,
        lines: vec![OrderLineInput {
            product: ProductRef::Sku(sku),
            quantity: Qty::new(2),
            ship_to,
            requested_date: None,
            po_number: None,
            cost_centre: None,
            project: None,
        }],
    };
    let order = app
        .run(&sys, || app.plan_place_order(&sys, &place))
        .await
        .expect("placed")
        .value;
    let routed = app
        .run(&sys, || app.plan_route_order(&sys, order.id))
        .await
        .expect("routed");
    assert!(
        matches!(&routed.outcomes[..], [Outcome::Routed { chosen, .. }] if chosen.supplier == acme.id),
        "{:?}",
        routed.outcomes
    );
    let ship = ShipInput {
        order_id: order.id,
        from: acme.id,
        to: ship_to,
        lines: vec![(1, Qty::new(1))],
        carrier: "UPS".into(),
        service: None,
        tracking_number: Some("1Z999AA10123456784".into()),
        tracking_url: None,
        packing_slip: None,
        shipped_at: None,
        promised_delivery: None,
        estimated_delivery: None,
    };
    app.run(&sys, || app.plan_ship(&sys, &ship)).await.expect("shipped");

    let path = format!("/orders/{}", order.id.0);
    let buyer = t.sign_in(BUYER).await;
    let page = t.get(&path, &buyer).await.ok();
    assert!(page.body.contains("PO-DROP-1"), "the buyer's own order page");
    assert!(
        !page.body.contains(&acme.name),
        "the order page names {} to the customer",
        acme.name
    );
    assert!(page.body.contains("our fulfilment partner"));
    // The supplier cannot fill the rest: it rejects the line on its portal. No other supplier
    // has a rule for it, so the rest is backordered with the reason.
    let sue = t.sign_in(SUPPLIER).await;
    let reject = format!("/supplier/orders/{}/reject", order.id.0);
    let form = t.get(&reject, &sue).await.ok();
    assert_eq!(
        form.attrs("select#line option[value='1']", "value"),
        vec!["1".to_owned()]
    );
    let refused = t.post(&reject, &sue, &[("line", "1"), ("reason", " ")]).await;
    assert_eq!(refused.status.as_u16(), 422);
    assert!(refused.field_error("reason").is_some(), "the reason is asked for");
    let done = t
        .post(&reject, &sue, &[("line", "1"), ("reason", "out of stock until March")])
        .await;
    assert_eq!(done.location(), "/supplier?done=rejected");
    let after = app.order(&sys, order.id).await.expect("order").value;
    let l = after.line(1).expect("line 1");
    assert_eq!(after.ledger(l).backordered, Qty::new(1));
    assert_eq!(
        l.backorder.as_ref().map(|b| b.reason.as_str()),
        Some("no supplier could fill: out of stock until March")
    );
    assert_eq!(l.rejected_by(), vec![acme.id]);
    let page = t.get(&path, &buyer).await.ok();
    assert!(
        !page.body.contains(&acme.name),
        "still no supplier name after the rejection"
    );
    // The backorder says why, as every backorder does (without saying who could not fill it).
    assert!(page.body.contains("no supplier could fill: out of stock until March"));
    // The seller's staff see who ships it.
    let agent = t.sign_in(AGENT).await;
    let staff = t.get(&path, &agent).await.ok();
    assert!(staff.body.contains(&acme.name), "staff see the supplier");
}

both_stores!(the_order_page_never_names_the_supplier);
