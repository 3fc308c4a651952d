//! The approver's journey: the approvals inbox with the budget impact first, approving an order
//! with a comment from the keyboard, "who approved this?" on the order, then budgets and spend.

use super::{APPROVER, Browser, Fixture, NARROW, WIDE};
use aftercart_app::{App, Ctx, ListFilter};
use aftercart_domain::approval::ApprovalState;
use fantoccini::Locator;
use fantoccini::key::Key;

/// Ana signs in, opens Approvals from the navigation, reads the budget impact of the oldest
/// waiting order (remaining now → after, as the application computes it), approves it with a
/// comment using the keyboard, lands on the order and sees her name and comment under
/// "Who approved this?"; then opens Spend and finds its charts with their tables.
pub(super) async fn approver_approves_with_comment(b: &mut Browser, f: &Fixture, app: &App) {
    b.sign_in(APPROVER).await;
    b.click_link("Approvals").await;
    assert_eq!(b.path().await, "/approvals", "the Approvals link opens the inbox");
    b.audit("approvals inbox").await;

    // The oldest order waiting for an approver, as the application knows it.
    let sys = Ctx::system();
    let mut waiting = app
        .list_orders(
            &sys,
            &ListFilter {
                account_id: Some(f.account),
                status: Some("awaiting_approval".into()),
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .expect("orders")
        .items;
    let order = waiting.pop().expect("the demo has an order waiting for approval").value;
    let id = order.id.0;
    let a = app.approvals(&sys, order.id).await.expect("approvals");
    assert!(!a.impacts.is_empty(), "the demo order draws on a budget");

    // The budget impact, read as a screen reader reads the table: remaining now and after.
    let rows = b.table_rows().await;
    for (budget, i) in &a.impacts {
        let now = aftercart_web::format::money(i.before.remaining);
        let after = aftercart_web::format::money(i.after_remaining);
        assert!(
            rows.iter().any(|r| r.get("Remaining now") == Some(&now)
                && r.get("Remaining after") == Some(&after)
                && r.get("Status").is_some_and(|s| s.contains(if i.would_exceed {
                    "Over budget"
                } else {
                    "Within budget"
                }))),
            "no impact row for {} reading {now} → {after}; rows: {rows:?}",
            budget.label()
        );
    }
    let text = b.text().await;
    let impact_at = text.find(&format!("Budget impact of order {}", order.number));
    let form_at = text.find(&format!("Your decision on order {}", order.number));
    assert!(
        impact_at.is_some() && impact_at < form_at,
        "the budget impact comes before the decision: {text}"
    );

    // The screenshot shows the inbox as she found it, the over-budget order first.
    b.shoot("approvals").await;

    // Approve with the keyboard: focus the choice, Space selects it, Tab to the comment, type,
    // Tab to the button, Enter sends.
    let radio = format!("decision-{id}");
    b.js(&format!("document.getElementById('{radio}').focus()")).await;
    assert_eq!(b.active_id().await, radio);
    b.press(Key::Space).await;
    let checked =
        b.c.find(Locator::Id(&radio))
            .await
            .expect("radio")
            .prop("checked")
            .await
            .expect("checked");
    assert_eq!(checked.as_deref(), Some("true"), "Space selects 'Approve'");
    // From a radio group, Tab leaves the group: the comment is next.
    b.press(Key::Tab).await;
    assert_eq!(b.active_id().await, format!("comment-{id}"), "Tab goes to the comment");
    let comment = "Approved for the clinic's restock; over budget by agreement with finance.";
    b.c.active_element()
        .await
        .expect("comment")
        .send_keys(comment)
        .await
        .expect("type");
    b.press(Key::Tab).await;
    b.mark().await;
    b.press(Key::Enter).await;
    b.wait_new_page().await;
    assert_eq!(b.path().await, format!("/orders/{id}"), "she lands on the order");
    let wf = app
        .approvals(&sys, order.id)
        .await
        .expect("approvals")
        .workflow
        .expect("workflow");
    assert_eq!(wf.state(), ApprovalState::Approved, "the decision is recorded");
    let text = b.text().await;
    let who = text
        .find("Who approved this?")
        .expect("the order shows who approved it");
    let after = &text[who..];
    assert!(after.contains("Approved by Ana Approver"), "her name: {after}");
    assert!(after.contains(comment), "her comment: {after}");
    b.audit("order after approval").await;

    b.click_link("Spend").await;
    assert_eq!(b.path().await, "/spend", "the Spend link opens budgets and spend");
    let charts = b.c.find_all(Locator::Css("svg.chart[role=img]")).await.expect("charts");
    assert_eq!(charts.len(), 4, "four spend charts");
    let rows = b.table_rows().await;
    let budgets = app.budgets(&sys, f.account).await.expect("budgets");
    for bu in &budgets {
        let remaining = aftercart_web::format::money(bu.usage.remaining);
        assert!(
            rows.iter().any(|r| r.get("Remaining") == Some(&remaining)),
            "the budget {} shows {remaining} remaining; rows: {rows:?}",
            bu.budget.label()
        );
    }
    b.audit("budgets and spend").await;
    b.shoot("spend").await;

    // Both pages fit 320 px: wide tables scroll inside their own box, the impact table stacks.
    b.c.set_window_size(NARROW, 800).await.expect("window size");
    let mut wide = Vec::new();
    for path in ["/approvals", "/spend"] {
        b.goto(path).await;
        let (inner, scroll) = b.widths().await;
        assert_eq!(inner, u64::from(NARROW));
        if scroll > u64::from(NARROW) {
            wide.push(format!("{path}: scrollWidth {scroll}"));
        }
    }
    b.c.set_window_size(WIDE, 900).await.expect("window size");
    assert!(wide.is_empty(), "pages scroll sideways at {NARROW} px: {wide:?}");
}
