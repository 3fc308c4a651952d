//! The buyer's reorder journey: from a past order to the reorder preview (what changed since,
//! in words), placing it and landing on the new order; then saved lists: create one, get an
//! error beside a field, fix it, edit it, reorder the demo list whose product was discontinued,
//! and delete the list made here.

use super::{BUYER, Browser, Fixture};
use aftercart_app::{App, Ctx, ReorderSource};
use fantoccini::Locator;

async fn button(b: &Browser, css: &str) -> fantoccini::elements::Element {
    match b.c.find(Locator::Css(css)).await {
        Ok(el) => el,
        Err(e) => panic!("no {css} on {}: {e}", b.path().await),
    }
}

pub(super) async fn buyer_reorders_and_keeps_a_list(b: &mut Browser, f: &Fixture, app: &App) {
    b.sign_in(BUYER).await;
    b.click_link("Orders").await;
    b.open_split_order(f).await;

    // Reorder from the order page: the preview says, per line, what changed since.
    let link = button(b, "a.reorder-link").await;
    b.nav(link).await;
    assert_eq!(b.path().await, format!("/orders/{}/reorder", f.split_order.0));
    let preview = app
        .reorder_preview(&Ctx::system(), ReorderSource::Order(f.split_order))
        .await
        .expect("preview");
    let text = b.text().await;
    assert!(
        text.contains(&preview.summary),
        "the summary «{}» is shown:\n{text}",
        preview.summary
    );
    for l in &preview.lines {
        assert!(
            text.contains(&l.note),
            "line {} says «{}»:\n{text}",
            l.source_line,
            l.note
        );
    }
    let rows = b.table_rows().await;
    assert_eq!(
        rows.iter().filter(|r| r.contains_key("What changed")).count(),
        preview.lines.len(),
        "one row per line: {rows:?}"
    );
    b.audit("reorder preview (order)").await;

    // Place it: the new order's page.
    let place = button(b, "main form button.button").await;
    b.nav(place).await;
    let path = b.path().await;
    assert!(
        path.starts_with("/orders/") && path != format!("/orders/{}", f.split_order.0),
        "placing lands on the new order, not {path}"
    );
    let text = b.text().await;
    assert!(text.contains("Order SO-"), "the new order's page:\n{text}");
    b.audit("reordered order").await;

    // Saved lists: create one (a mistake first, shown beside its field), then edit it.
    b.click_link("Saved lists").await;
    assert!(b.path().await.starts_with("/lists"));
    b.audit("saved lists").await;
    b.click_link("Create a saved list").await;
    assert_eq!(b.path().await, "/lists/new");
    b.audit("new saved list").await;
    b.type_into("name", "Front desk top-up").await;
    b.type_into("line-0-sku", "GLV-NIT-M").await;
    b.type_into("line-0-quantity", "0").await;
    let save = button(b, "main form button.button").await;
    b.nav(save).await;
    let text = b.text().await;
    assert!(text.contains("There is a problem"), "{text}");
    assert!(text.contains("must be at least 1"), "{text}");
    b.audit("saved list form with an error").await;
    b.type_into("line-0-quantity", "3").await;
    let save = button(b, "main form button.button").await;
    b.nav(save).await;
    assert!(b.path().await.contains("saved=1"), "saved: {}", b.path().await);
    let text = b.text().await;
    assert!(
        text.contains("Front desk top-up") && text.contains("GLV-NIT-M"),
        "{text}"
    );
    b.audit("saved list").await;

    b.click_link("Edit the list").await;
    assert!(b.path().await.ends_with("/edit"));
    b.audit("edit saved list").await;
    b.type_into("line-0-quantity", "5").await;
    b.type_into("line-1-sku", "MSK-N95").await;
    b.type_into("line-1-quantity", "2").await;
    let save = button(b, "main form button.button").await;
    b.nav(save).await;
    let rows = b.table_rows().await;
    let q: Vec<(String, String)> = rows
        .iter()
        .filter_map(|r| Some((r.get("Item")?.clone(), r.get("Quantity")?.clone())))
        .collect();
    assert!(
        q.iter().any(|(i, n)| i.contains("GLV-NIT-M") && n == "5")
            && q.iter().any(|(i, n)| i.contains("MSK-N95") && n == "2"),
        "the edited lines: {q:?}"
    );

    // Delete it, after the confirmation page.
    b.click_link("Delete the list").await;
    b.audit("delete saved list").await;
    let confirm = button(b, "#confirm").await;
    b.nav(confirm).await;
    assert_eq!(b.path().await, "/lists?deleted=1");
    let text = b.text().await;
    assert!(!text.contains("Front desk top-up"), "{text}");

    // The demo list with a discontinued product: left out, said in words.
    b.click_link("Exam room supplies").await;
    let text = b.text().await;
    assert!(text.contains("Discontinued"), "{text}");
    b.click_link("Reorder this list").await;
    let text = b.text().await;
    assert!(text.contains("Discontinued") && text.contains("Left out"), "{text}");
    b.audit("reorder preview (saved list)").await;
    b.shoot("reorder").await;
}
