//! The approvals inbox (budget impact first, approve / reject with a comment) and budgets and
//! spend (SVG charts with the same numbers as tables beside them), on both stores.

use crate::both_stores;
use crate::harness::{APPROVER, BUYER, FINANCE, OTHER, SCOPED, Session, TestWeb};
use aftercart_app::{Ctx, ListFilter, Principal, SpendBasis, SpendGroup};
use aftercart_domain::account::Account;
use aftercart_domain::approval::ApprovalState;
use aftercart_domain::ids::OrderId;
use aftercart_domain::order::Order;
use aftercart_web::format::money;
use axum::http::StatusCode;

/// The demo's orders waiting for an approver, oldest first.
async fn waiting(t: &TestWeb, a: &Account) -> Vec<Order> {
    let mut v: Vec<Order> = t
        .app
        .list_orders(
            &Ctx::system(),
            &ListFilter {
                account_id: Some(a.id),
                status: Some("awaiting_approval".into()),
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .expect("orders")
        .items
        .into_iter()
        .map(|o| o.value)
        .collect();
    v.reverse();
    v
}

async fn principal_of(t: &TestWeb, s: &Session) -> Principal {
    let token = s.cookie.split_once('=').map(|(_, v)| v).unwrap_or("");
    t.app
        .authenticate_session(token)
        .await
        .expect("session")
        .expect("a live session")
        .0
}

async fn state_of(t: &TestWeb, id: OrderId) -> ApprovalState {
    t.app
        .approvals(&Ctx::system(), id)
        .await
        .expect("approvals")
        .workflow
        .expect("a workflow")
        .state()
}

async fn approver_reads_budget_impact_and_approves_with_comment(t: TestWeb) {
    let nw = t.northwind().await;
    let orders = waiting(&t, &nw).await;
    assert_eq!(
        orders
            .iter()
            .map(|o| o.po_number.clone().unwrap_or_default())
            .collect::<Vec<_>>(),
        ["NWC-APR-7001", "NWC-APR-7002", "NWC-APR-7003"],
        "the demo's orders waiting for approval"
    );
    let s = t.sign_in(APPROVER).await;
    let ana = Ctx::new(principal_of(&t, &s).await);
    let p = t.get("/approvals", &s).await.ok();
    assert!(p.texts("nav a").contains(&"Approvals".to_owned()));
    assert!(p.texts("nav a").contains(&"Spend".to_owned()));
    assert_eq!(
        p.attrs("section.approval-card h3 a", "href"),
        orders.iter().map(|o| format!("/orders/{}", o.id.0)).collect::<Vec<_>>(),
        "every waiting order, oldest first"
    );

    // Each card shows, first, each budget the order draws on: remaining now -> after.
    let mut saw_over = false;
    for o in &orders {
        let a = t.app.approvals(&ana, o.id).await.expect("approvals");
        assert!(!a.impacts.is_empty(), "{} draws on a demo budget", o.number);
        let rows = p.texts(&format!("#order-{} table.impact tbody tr", o.id.0));
        assert_eq!(rows.len(), a.impacts.len(), "{rows:?}");
        for (b, i) in &a.impacts {
            let row = rows
                .iter()
                .find(|r| r.contains(&money(i.before.remaining)) && r.contains(&money(i.after_remaining)))
                .unwrap_or_else(|| panic!("no row for {} with {:?}: {rows:?}", b.label(), i));
            assert!(row.contains(&money(b.amount)), "{row}");
            if i.would_exceed {
                saw_over = true;
                assert!(
                    row.contains(&format!("Over budget by {}", money(i.after_remaining.negate()))),
                    "{row}"
                );
            } else {
                assert!(row.contains("Within budget"), "{row}");
            }
        }
        let card = p.text(&format!("#order-{}", o.id.0));
        assert!(card.contains("Placed by Bea Buyer"), "{card}");
        assert!(card.contains("Orders over USD 5,000"), "the rule: {card}");
        // The budget impact comes before everything else in the card, the form last.
        let impact_at = p
            .body
            .find(&format!("Budget impact of order {}", o.number))
            .expect("impact");
        let form_at = p.body.find(&format!("action=\"/approvals/{}\"", o.id.0)).expect("form");
        assert!(impact_at < form_at);
    }
    assert!(saw_over, "a demo order would take a budget over");

    // Approve the first one with a comment (markup in it is text).
    let id = orders[0].id;
    let version = p.attrs(&format!("#order-{} input[name=version]", id.0), "value");
    let comment = "Fits the <Q4> plan";
    let r = t
        .post(
            &format!("/approvals/{}", id.0),
            &s,
            &[("decision", "approve"), ("comment", comment), ("version", &version[0])],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), format!("/orders/{}#approvals", id.0));
    let wf = t
        .app
        .approvals(&Ctx::system(), id)
        .await
        .expect("approvals")
        .workflow
        .expect("workflow");
    assert_eq!(wf.state(), ApprovalState::Approved);
    let d = wf.steps[0].decision.as_ref().expect("decided");
    assert!(d.approved);
    assert_eq!(d.by_name, "Ana Approver");
    assert_eq!(d.comment.as_deref(), Some(comment));

    // "Who approved this?" on the order page names her and shows her comment.
    let o = t.get(&format!("/orders/{}", id.0), &s).await.ok();
    let steps = o.texts("#approvals + p + .table-wrap tbody tr");
    assert!(
        steps
            .iter()
            .any(|r| r.contains("Approved by Ana Approver") && r.contains(comment)),
        "{steps:?}"
    );
    assert!(!o.body.contains("<Q4>"), "the comment is escaped");

    // It leaves the inbox and is listed as recently decided.
    let p = t.get("/approvals", &s).await.ok();
    assert!(
        !p.attrs("section.approval-card h3 a", "href")
            .contains(&format!("/orders/{}", id.0))
    );
    let decided = p.texts("section[aria-labelledby=decided] li");
    assert!(
        decided
            .iter()
            .any(|d| d.contains(&orders[0].number) && d.contains("Approved") && d.contains(comment)),
        "{decided:?}"
    );
}

async fn rejecting_needs_a_comment_and_errors_decide_nothing(t: TestWeb) {
    let nw = t.northwind().await;
    let orders = waiting(&t, &nw).await;
    let id = orders[1].id;
    let s = t.sign_in(APPROVER).await;
    let path = format!("/approvals/{}", id.0);

    let p = t.post(&path, &s, &[("decision", "reject"), ("comment", "  ")]).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    let field = format!("comment-{}", id.0);
    assert_eq!(
        p.error_summary(),
        vec![(format!("#{field}"), "Say why you are rejecting the order".to_owned())]
    );
    assert_eq!(
        p.field_error(&field).as_deref(),
        Some("Error: Say why you are rejecting the order")
    );
    assert_eq!(
        p.attrs(&format!("#decision-{}-reject", id.0), "checked"),
        vec![String::new()],
        "the choice is kept"
    );
    assert!(matches!(state_of(&t, id).await, ApprovalState::Pending { .. }));

    // No choice at all: the error is beside the radios; the comment typed is kept.
    let p = t.post(&path, &s, &[("comment", "Hold <on>")]).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        p.field_error(&format!("decision-{}", id.0))
            .is_some_and(|m| m.contains("approve or reject")),
        "{}",
        p.body
    );
    assert_eq!(p.text(&format!("#comment-{}", id.0)), "Hold <on>");

    // Too long a comment (the domain's limit for free text).
    let long = "x".repeat(2_001);
    let p = t.post(&path, &s, &[("decision", "approve"), ("comment", &long)]).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        p.field_error(&field).is_some_and(|m| m.contains("The comment")),
        "{}",
        p.body
    );

    // A stale form: the order moved on (a reminder was recorded) after the page was rendered.
    let page = t.get("/approvals", &s).await.ok();
    let old = page.attrs(&format!("#order-{} input[name=version]", id.0), "value");
    let now = t.app.clock.now();
    t.clock.advance(time::Duration::hours(25));
    assert!(t.app.run_approval_reminders().await.expect("reminders") > 0);
    t.clock.set(now);
    let p = t
        .post(
            &path,
            &s,
            &[("decision", "approve"), ("comment", "ok"), ("version", &old[0])],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert!(
        p.field_error(&format!("decision-{}", id.0))
            .is_some_and(|m| m.contains("This order changed since you opened the page")),
        "{}",
        p.body
    );
    assert!(matches!(state_of(&t, id).await, ApprovalState::Pending { .. }));
    assert_eq!(p.attrs(&format!("#comment-{}", id.0), "id").len(), 1);
    assert_ne!(p.attrs(&format!("#order-{} input[name=version]", id.0), "value"), old);
    // Re-rendered with the current version: sending it again decides.
    let version = p.attrs(&format!("#order-{} input[name=version]", id.0), "value");
    let r = t
        .post(
            &path,
            &s,
            &[
                ("decision", "reject"),
                ("comment", "Not this quarter"),
                ("version", &version[0]),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(state_of(&t, id).await, ApprovalState::Rejected);

    // Decided: no longer waiting for her, so a second decision is the 404 page.
    let p = t.post(&path, &s, &[("decision", "approve")]).await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    assert_eq!(state_of(&t, id).await, ApprovalState::Rejected);
}

async fn approvals_refuse_the_wrong_persona_and_other_accounts(t: TestWeb) {
    let nw = t.northwind().await;
    let orders = waiting(&t, &nw).await;
    let id = orders[2].id;
    let path = format!("/approvals/{}", id.0);
    let buyer = t.sign_in(BUYER).await;
    let p = t.get("/approvals", &buyer).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert_eq!(p.text("h1"), "You cannot use this page");
    assert!(!p.texts("nav a").contains(&"Approvals".to_owned()));
    assert!(!p.texts("nav a").contains(&"Spend".to_owned()));
    let p = t.post(&path, &buyer, &[("decision", "approve")]).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let finance = t.sign_in(FINANCE).await;
    assert_eq!(t.get("/approvals", &finance).await.status, StatusCode::FORBIDDEN);

    // Another account's admin (who may approve their own orders) gets the 404 page.
    let other = t.sign_in(OTHER).await;
    let p = t
        .post(&path, &other, &[("decision", "approve"), ("comment", "mine now")])
        .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    assert_eq!(p.text("h1"), "Page not found");
    let p = t.get("/approvals", &other).await.ok();
    assert!(
        !p.body.contains(&orders[2].number),
        "another account's orders are not listed"
    );
    assert!(matches!(state_of(&t, id).await, ApprovalState::Pending { .. }));

    // Missing or malformed ids: the same 404 page, never a 500.
    let ana = t.sign_in(APPROVER).await;
    for bad in [
        "/approvals/not-a-uuid",
        "/approvals/0190e1a0-0000-7000-8000-000000000000",
    ] {
        let p = t.post(bad, &ana, &[("decision", "approve")]).await;
        assert_eq!(p.status, StatusCode::NOT_FOUND, "{bad}");
    }
    // An order that needs no approval is not waiting for her either.
    let plain = t
        .app
        .list_orders(
            &Ctx::system(),
            &ListFilter {
                account_id: Some(nw.id),
                status: Some("delivered".into()),
                limit: 1,
                ..Default::default()
            },
        )
        .await
        .expect("orders")
        .items
        .remove(0);
    let p = t
        .post(
            &format!("/approvals/{}", plain.value.id.0),
            &ana,
            &[("decision", "approve")],
        )
        .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    // Without the form's CSRF token nothing is decided.
    let p = t
        .post(&path, &ana, &[("decision", "approve"), ("csrf", "forged")])
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(matches!(state_of(&t, id).await, ApprovalState::Pending { .. }));
}

/// The rows of a spend table as text: "label amount count".
fn spend_rows(r: &aftercart_app::SpendReport) -> Vec<String> {
    r.groups
        .iter()
        .map(|g| format!("{} {} {}", g.label, money(g.amount), g.count))
        .collect()
}

const GROUPS: [(SpendGroup, &str); 4] = [
    (SpendGroup::Location, "spend-location"),
    (SpendGroup::CostCentre, "spend-cost-centre"),
    (SpendGroup::Category, "spend-category"),
    (SpendGroup::Month, "spend-month"),
];

async fn spend_shows_budgets_and_charts_with_the_same_numbers(t: TestWeb) {
    let nw = t.northwind().await;
    let s = t.sign_in(FINANCE).await;
    let fin = Ctx::new(principal_of(&t, &s).await);
    let p = t.get("/spend", &s).await.ok();

    // Budgets: committed, invoiced and remaining as the app computes them.
    let budgets = t.app.budgets(&fin, nw.id).await.expect("budgets");
    assert_eq!(budgets.len(), 4, "the demo's budgets");
    let rows = p.texts("#budget-table tbody tr");
    assert_eq!(rows.len(), budgets.len());
    for b in &budgets {
        let u = &b.usage;
        assert!(
            rows.iter().any(|r| r.contains(&money(b.budget.amount))
                && r.contains(&money(u.committed))
                && r.contains(&money(u.invoiced))
                && r.contains(&money(u.remaining))),
            "{:?} in {rows:?}",
            b.budget.label()
        );
    }

    // Four charts, each an SVG image with its title and description, and a table beside it with
    // the same figures as the app's report.
    assert_eq!(p.attrs("svg.chart[role=img]", "aria-labelledby").len(), 4);
    for (group, id) in GROUPS {
        let r = t
            .app
            .spend(&fin, nw.id, group, None, None, SpendBasis::Ordered)
            .await
            .expect("spend");
        assert!(!r.groups.is_empty());
        assert_eq!(p.texts(&format!("#{id}-table tbody tr")), spend_rows(&r), "{id}");
        assert_eq!(
            p.text(&format!("#{id}-table tfoot tr")),
            format!("Total {}", money(r.total))
        );
        assert_eq!(
            p.attrs(&format!("svg[aria-labelledby='{id}-title {id}-desc']"), "role"),
            vec!["img".to_owned()]
        );
        assert!(p.text(&format!("#{id}-desc")).contains(&money(r.total)));
        // One bar per group with a non-zero amount.
        let bars = p.texts(&format!("svg[aria-labelledby='{id}-title {id}-desc'] rect"));
        assert_eq!(bars.len(), r.groups.iter().filter(|g| !g.amount.is_zero()).count());
    }
    assert!(p.texts("script").is_empty(), "no script");

    // Invoiced basis for a period.
    let p = t
        .get("/spend?from=2026-09-01&to=2026-11-20&basis=invoiced", &s)
        .await
        .ok();
    let from = time::macros::date!(2026 - 09 - 01);
    let to = time::macros::date!(2026 - 11 - 20);
    for (group, id) in GROUPS {
        let r = t
            .app
            .spend(&fin, nw.id, group, Some(from), Some(to), SpendBasis::Invoiced)
            .await
            .expect("spend");
        assert_eq!(p.texts(&format!("#{id}-table tbody tr")), spend_rows(&r), "{id}");
    }
    assert_eq!(p.attrs("#basis option[selected]", "value"), vec!["invoiced".to_owned()]);
    assert_eq!(p.attrs("#from", "value"), vec!["2026-09-01".to_owned()]);

    // Bad input re-renders the form with the errors beside the fields and the values kept.
    let p = t.get("/spend?from=2026-02-30&basis=bogus", &s).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    let summary: Vec<String> = p.error_summary().into_iter().map(|(h, _)| h).collect();
    assert_eq!(summary, vec!["#from".to_owned(), "#basis".to_owned()]);
    assert!(p.field_error("from").unwrap_or_default().contains("real date"));
    assert_eq!(p.attrs("#from", "value"), vec!["2026-02-30".to_owned()]);
    assert!(p.texts("svg.chart").is_empty(), "no chart for a bad period");
    let p = t.get("/spend?from=2026-11-10&to=2026-11-01", &s).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.field_error("to").unwrap_or_default().contains("after the from date"));

    // The buyer may not read reports.
    let buyer = t.sign_in(BUYER).await;
    assert_eq!(t.get("/spend", &buyer).await.status, StatusCode::FORBIDDEN);
}

async fn a_location_scoped_user_sees_only_their_spend(t: TestWeb) {
    let nw = t.northwind().await;
    let s = t.sign_in(SCOPED).await;
    let scoped = Ctx::new(principal_of(&t, &s).await);
    let p = t.get("/spend", &s).await.ok();
    let home = nw
        .locations
        .iter()
        .find(|l| scoped.principal.sees_location(l.id) && l.kind.can_receive())
        .expect("the scoped location");
    let labels = p.texts("#spend-location-table tbody th");
    assert_eq!(labels, vec![home.name.clone()], "only their location's spend");
    let all = t
        .app
        .spend(
            &Ctx::system(),
            nw.id,
            SpendGroup::Category,
            None,
            None,
            SpendBasis::Ordered,
        )
        .await
        .expect("spend");
    for (group, id) in GROUPS {
        let r = t
            .app
            .spend(&scoped, nw.id, group, None, None, SpendBasis::Ordered)
            .await
            .expect("spend");
        assert_eq!(p.texts(&format!("#{id}-table tbody tr")), spend_rows(&r), "{id}");
        assert!(r.total.minor() < all.total.minor(), "less than the whole account");
    }
    // Budgets: their location's only (a cost centre's budget spans every location).
    let rows = p.texts("#budget-table tbody th");
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r.starts_with(&home.name)), "{rows:?}");
}

both_stores!(
    approver_reads_budget_impact_and_approves_with_comment,
    rejecting_needs_a_comment_and_errors_decide_nothing,
    approvals_refuse_the_wrong_persona_and_other_accounts,
    spend_shows_budgets_and_charts_with_the_same_numbers,
    a_location_scoped_user_sees_only_their_spend
);
