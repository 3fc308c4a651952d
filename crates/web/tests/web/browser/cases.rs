//! Support cases in the browser: the buyer asks about a shipment from the order page, an agent
//! answers from the console's case page, and the buyer reads the answer.

use super::{BUYER, Browser, Fixture};
use aftercart_app::{App, Ctx, ListFilter, demo};
use fantoccini::Locator;

async fn click(b: &Browser, css: &str) {
    let path = b.path().await;
    let el =
        b.c.find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css} on {path}: {e}"));
    b.nav(el).await;
}

pub(super) async fn buyer_asks_and_an_agent_answers(b: &mut Browser, f: &Fixture, app: &App) {
    let order = app
        .list_orders(
            &Ctx::system(),
            &ListFilter {
                account_id: Some(f.account),
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .expect("orders")
        .items
        .into_iter()
        .map(|o| o.value)
        .find(|o| !o.shipments.is_empty())
        .expect("a shipped Northwind order");
    b.sign_in(BUYER).await;
    b.goto(&format!("/orders/{}", order.id.0)).await;
    click(b, "a[href^='/cases/new?about=shipment']").await;
    assert!(b.path().await.starts_with("/cases/new"), "{}", b.path().await);
    b.audit("ask about a shipment").await;
    b.type_into("body", "Our dock has not seen this parcel yet.").await;
    click(b, "main form button[type=submit]").await;
    let path = b.path().await;
    let id = path
        .strip_prefix("/cases/")
        .and_then(|p| p.split('?').next())
        .unwrap_or_else(|| panic!("the new case's page, not {path}"))
        .to_owned();
    assert!(b.text().await.contains("Your message was sent."));
    b.audit("case thread, customer").await;

    b.reset().await;
    b.sign_in(demo::DEMO_AGENT.0).await;
    b.goto("/console/cases").await;
    b.audit("case queue").await;
    click(b, &format!("a[href='/console/cases/{id}']")).await;
    b.audit("case page, console").await;
    b.type_into("body", "It is at the Memphis hub and arrives tomorrow.")
        .await;
    click(b, "form[action$='/reply'] button[type=submit]").await;
    assert!(b.text().await.contains("Waiting on customer"), "{}", b.text().await);

    b.reset().await;
    b.sign_in(BUYER).await;
    b.goto(&format!("/cases/{id}")).await;
    let text = b.text().await;
    assert!(text.contains("arrives tomorrow"), "the buyer sees the answer: {text}");
}
