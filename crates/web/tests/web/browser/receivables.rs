//! Receivables in the browser: a finance user saves a card by the provider's id (localstripe's
//! `pm_card_visa`) on the settings page, pays two invoices — one partly, "the rest later" — and
//! reads the result; the pay page and the statement fit 320 px.

use super::{Browser, FINANCE, Fixture, NARROW, WIDE};
use aftercart_app::{App, Ctx};
use fantoccini::Locator;

async fn click(b: &Browser, css: &str) {
    let path = b.path().await;
    let el =
        b.c.find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css} on {path}: {e}"));
    b.nav(el).await;
}

pub(super) async fn finance_pays_two_invoices_one_partly(b: &mut Browser, f: &Fixture, app: &App) {
    let sys = Ctx::system();
    let position = app.open_position(&sys, f.account).await.expect("open position");
    // Invoices nothing disputes (the demo has disputes: paying those is paying in full sooner).
    let mut open = Vec::new();
    for i in position.invoices.into_iter().map(|v| v.value) {
        let disputed = app.invoice_disputes(&sys, i.id).await.expect("disputes");
        if i.replaced_by.is_none() && i.balance().minor() > 20_00 && disputed.iter().all(|d| !d.value.is_open()) {
            open.push(i);
        }
    }
    assert!(open.len() >= 2, "two open, undisputed Northwind invoices over $20");
    let (a, c) = (&open[0], &open[1]);
    b.sign_in(FINANCE).await;
    b.goto("/settings/payments").await;
    b.audit("payment methods").await;
    b.type_into("token", "pm_card_visa").await;
    click(b, "form[action='/settings/payments/methods'] button[type=submit]").await;
    let text = b.text().await;
    assert!(text.contains("•••• 4242"), "the saved card: {text}");

    b.goto("/pay").await;
    b.audit("pay invoices").await;
    for inv in [a, c] {
        b.c.find(Locator::Id(&format!("pay-{}", inv.id.0)))
            .await
            .expect("the invoice's box")
            .click()
            .await
            .expect("tick");
    }
    let part = c.balance().minor() - 10_00;
    b.type_into(
        &format!("amount-{}", c.id.0),
        &format!("{}.{:02}", part / 100, part % 100),
    )
    .await;
    b.c.find(Locator::Css(&format!("#why-{} option[value=later]", c.id.0)))
        .await
        .expect("the later reason")
        .click()
        .await
        .expect("choose");
    click(b, "form[action='/pay'] button[type=submit]").await;
    let path = b.path().await;
    assert!(path.starts_with("/payments/online/"), "the payment's page, not {path}");
    let text = b.text().await;
    assert!(
        text.contains("Paid.") && text.contains(&a.number) && text.contains(&c.number),
        "{text}"
    );
    assert!(text.contains("the rest later"), "{text}");
    b.audit("payment result").await;

    // At 320 px the pay page and the statement scroll only inside their tables.
    b.c.set_window_size(NARROW, 800).await.expect("window size");
    let mut wide = Vec::new();
    for p in ["/pay", "/statement", "/disputes"] {
        b.goto(p).await;
        let (_, scroll) = b.widths().await;
        if scroll > u64::from(NARROW) {
            wide.push(format!("{p}: scrollWidth {scroll}"));
        }
    }
    b.c.set_window_size(WIDE, 900).await.expect("window size");
    assert!(wide.is_empty(), "pages scroll sideways at {NARROW} px: {wide:?}");
}
