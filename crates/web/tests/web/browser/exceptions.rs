//! The exception queue in the browser: an agent filters the queue, ticks an exception and
//! acknowledges it in bulk, then assigns it from its own page — no script needed.

use super::{Browser, Fixture};
use aftercart_app::{App, demo};
use fantoccini::Locator;

async fn click(b: &Browser, css: &str) {
    let path = b.path().await;
    let el =
        b.c.find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css} on {path}: {e}"));
    b.nav(el).await;
}

pub(super) async fn agent_works_the_exception_queue(b: &mut Browser, _f: &Fixture, _app: &App) {
    b.reset().await;
    b.sign_in(demo::DEMO_AGENT.0).await;
    b.goto("/console/exceptions?owner=operations").await;
    b.audit("exception queue").await;
    let pick =
        b.c.find(Locator::Css("#exception-list input[name=pick]"))
            .await
            .expect("an open operations exception in the demo");
    let id = pick.attr("value").await.expect("attr").expect("a value");
    pick.click().await.expect("tick it");
    b.c.find(Locator::Css("input[name=action][value=acknowledge]"))
        .await
        .expect("the acknowledge choice")
        .click()
        .await
        .expect("choose acknowledge");
    click(b, "fieldset.bulk button[type=submit]").await;
    assert!(b.text().await.contains("1 exception changed."), "{}", b.text().await);

    b.goto(&format!("/console/exceptions/{id}")).await;
    b.audit("exception page").await;
    assert!(b.text().await.contains("Acknowledged"), "{}", b.text().await);
    b.type_into("assignee", "Olga Ops").await;
    click(b, "form[action$='/assign'] button[type=submit]").await;
    assert!(b.text().await.contains("Olga Ops"), "{}", b.text().await);
}
