//! Journeys of the service console and the public tracking page: an agent searches a tracking
//! number and opens the customer 360; a consumer tracks a parcel without an account.

use super::{Browser, Fixture};
use aftercart_app::{App, Ctx, demo};
use fantoccini::Locator;

/// A shipment of the split order with a tracking number, its ship-to postcode and city.
async fn tracked(app: &App, f: &Fixture) -> (String, String, String) {
    let ctx = Ctx::system();
    let order = app.order(&ctx, f.split_order).await.expect("order").value;
    let account = app.account(&ctx, f.account).await.expect("account").value;
    let s = order
        .shipments
        .iter()
        .find(|s| s.tracking_number.is_some())
        .expect("the split order has a tracked shipment");
    let loc = account.location(s.to).expect("its ship-to");
    (
        s.tracking_number.clone().expect("tracking"),
        loc.postcode.clone(),
        loc.city.clone(),
    )
}

pub(super) async fn agent_searches_tracking_and_opens_the_customer(b: &mut Browser, f: &Fixture, app: &App) {
    let (tracking, _, _) = tracked(app, f).await;
    b.sign_in(demo::DEMO_AGENT.0).await;
    b.type_into("q", &tracking.to_lowercase()).await;
    let button =
        b.c.find(Locator::Css("form[role=search] button"))
            .await
            .expect("the search button");
    b.nav(button).await;
    assert!(b.path().await.starts_with("/search"), "{}", b.path().await);
    b.audit("search results").await;
    b.shoot("search").await;
    let text = b.text().await;
    assert!(text.contains(&tracking), "the shipment {tracking} is found: {text}");
    let link =
        b.c.find(Locator::Css("#shipments ~ ul a"))
            .await
            .expect("a link to the shipment's order");
    b.nav(link).await;
    assert_eq!(b.path().await, format!("/orders/{}", f.split_order.0));
    // Back to the console, and into the customer's page.
    b.goto("/console").await;
    let link =
        b.c.find(Locator::Css(&format!("a[href=\"/console/accounts/{}\"]", f.account.0)))
            .await
            .expect("the customer's name links to its page");
    b.nav(link).await;
    b.audit("customer 360").await;
    b.shoot("customer-360").await;
    let text = b.text().await;
    for heading in [
        "Balances",
        "Recent orders",
        "Recent shipments",
        "Recent invoices",
        "Users",
        "Latest activity",
    ] {
        assert!(text.contains(heading), "the customer page has {heading}: {text}");
    }
    // Any record opens from here: the first order.
    let first =
        b.c.find(Locator::Css("#orders + .table-wrap a"))
            .await
            .expect("a recent order");
    b.nav(first).await;
    assert!(b.path().await.starts_with("/orders/"), "{}", b.path().await);
}

pub(super) async fn consumer_tracks_a_parcel(b: &mut Browser, f: &Fixture, app: &App) {
    let (tracking, postcode, city) = tracked(app, f).await;
    b.goto("/track").await;
    b.audit("public tracking form").await;
    // A wrong pair: one neutral answer, the field errors linked from the summary.
    b.type_into("number", &f.split_number).await;
    b.type_into("proof", "00000").await;
    let button = b.c.find(Locator::Css("main form button")).await.expect("Track");
    b.nav(button).await;
    let text = b.text().await;
    assert!(text.contains("We could not find an order"), "{text}");
    b.audit("public tracking, not found").await;
    b.type_into("proof", &postcode).await;
    let button = b.c.find(Locator::Css("main form button")).await.expect("Track");
    b.nav(button).await;
    let text = b.text().await;
    assert!(text.contains(&tracking), "the parcel {tracking}: {text}");
    assert!(text.contains(&city), "the destination city: {text}");
    assert!(!text.contains("Northwind"), "nothing about the account: {text}");
    b.audit("public tracking").await;
    b.shoot("track").await;
}
