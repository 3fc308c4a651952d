//! Returns in the browser: the buyer returns damaged goods from the order page (a mistake
//! first, shown beside its field) and lands on the return's status page.

use super::{BUYER, Browser, Fixture};
use aftercart_app::{App, Ctx, ListFilter};
use fantoccini::Locator;

async fn click(b: &Browser, css: &str) {
    let path = b.path().await;
    let el =
        b.c.find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css} on {path}: {e}"));
    b.nav(el).await;
}

pub(super) async fn buyer_returns_damaged_goods(b: &mut Browser, f: &Fixture, app: &App) {
    let ctx = Ctx::system();
    let orders = app
        .list_orders(
            &ctx,
            &ListFilter {
                account_id: Some(f.account),
                limit: 200,
                ..Default::default()
            },
        )
        .await
        .expect("orders")
        .items;
    // A delivered line nothing has claimed yet.
    let mut found = None;
    for o in orders.iter().map(|o| &o.value) {
        let (_, free) = app.returnable_lines(&ctx, o.id).await.expect("returnable");
        if let Some((line, n)) = free.into_iter().find(|(_, q)| q.get() >= 2) {
            found = Some((o.id, line, n));
            break;
        }
    }
    let (order, line, n) = found.expect("a delivered Northwind order");
    b.sign_in(BUYER).await;
    b.goto(&format!("/orders/{}", order.0)).await;
    click(b, "a.return-link").await;
    assert_eq!(b.path().await, format!("/orders/{}/return", order.0));
    b.audit("return form").await;
    let qty = format!("qty_{line}");
    b.type_into(&qty, &(n.get() + 1).to_string()).await;
    b.c.find(Locator::Css("#reason option[value=damaged]"))
        .await
        .expect("the damaged reason")
        .click()
        .await
        .expect("choose");
    click(b, "main form button[type=submit]").await;
    let text = b.text().await;
    assert!(
        text.contains("There is a problem") && text.contains("at most"),
        "{text}"
    );
    b.audit("return form with an error").await;
    b.type_into(&qty, "2").await;
    b.type_into("description", "Two cartons arrived crushed").await;
    click(b, "main form button[type=submit]").await;
    let path = b.path().await;
    assert!(path.starts_with("/returns/"), "the return's page, not {path}");
    let text = b.text().await;
    assert!(
        text.contains("Return RMA-") && text.contains("Two cartons arrived crushed"),
        "{text}"
    );
    b.audit("return status").await;
    b.click_link("Returns").await;
    assert!(b.text().await.contains("RMA-"));
}
