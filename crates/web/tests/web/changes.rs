//! Changing an order in the portal: the buyer previews (nothing written), sends (the order page
//! shows what happened), bad input re-renders with the error beside its field and changes
//! nothing; the agent answers the change waiting in the console's queue.

use crate::both_stores;
use crate::harness::{AGENT, BUYER, OTHER, TestWeb};
use aftercart_app::{ChangeState, Ctx, ListFilter};
use aftercart_domain::order::Order;
use axum::http::StatusCode;

/// A Northwind order the buyer sees with a line of which nothing shipped or was released to a
/// warehouse floor and at least 2 are open: (order, line, its active quantity).
async fn open_line(t: &TestWeb) -> (Order, u32, u32) {
    let nw = t.northwind().await;
    t.orders_of(&Ctx::system(), &nw)
        .await
        .into_iter()
        .find_map(|o| {
            let l = o.lines.iter().find(|l| {
                let led = o.ledger(l);
                (led.unallocated + led.backordered + led.allocated).get() >= 2
                    && led.shipped.is_zero()
                    && l.allocations.iter().all(|a| a.released.is_zero())
            })?;
            let (no, q) = (l.no, o.ledger(l).active().get());
            (o.approval.as_ref().is_none_or(|a| a.is_approved())).then_some((o, no, q))
        })
        .expect("a Northwind order with open quantity")
}

async fn version(t: &TestWeb, o: &Order) -> i64 {
    t.app.order(&Ctx::system(), o.id).await.expect("order").version
}

async fn buyer_previews_and_sends_a_change(t: TestWeb) {
    let (o, line, q) = open_line(&t).await;
    let buyer = t.sign_in(BUYER).await;
    let page = t.get(&format!("/orders/{}", o.id.0), &buyer).await.ok();
    let href = format!("/orders/{}/change", o.id.0);
    assert_eq!(page.attrs("a.change-link", "href"), vec![href.clone()], "{}", page.body);
    let form = t.get(&href, &buyer).await.ok();
    let qf = format!("qty_{line}");
    assert_eq!(form.attrs(&format!("#{qf}"), "value"), vec![q.to_string()]);

    // Preview: the outcome and the totals, nothing written.
    let v0 = version(&t, &o).await;
    let less = (q - 1).to_string();
    let p = t.post(&href, &buyer, &[(&qf, &less), ("action", "preview")]).await.ok();
    let outcome = p.text("#change-preview .change-outcomes li");
    assert!(outcome.contains(&format!("Line {line}: 1 of 1 cancelled")), "{outcome}");
    assert!(!p.text("#total-after").is_empty());
    assert_ne!(p.text("#total-before"), p.text("#total-after"));
    assert_eq!(version(&t, &o).await, v0, "a preview writes nothing");

    // Bad input: beside the field, nothing changed.
    let p = t.post(&href, &buyer, &[(&qf, "lots"), ("action", "submit")]).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        p.field_error(&qf).is_some_and(|m| m.contains("whole number")),
        "{}",
        p.body
    );
    let p = t.post(&href, &buyer, &[("action", "submit")]).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "no change asked");
    assert!(p.field_error("changes").is_some(), "{}", p.body);
    let p = t
        .post(
            &href,
            &buyer,
            &[("add_sku", "NO-SUCH-SKU"), ("add_qty", "2"), ("action", "submit")],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        p.field_error("add_ship_to").is_some() || p.field_error("add_sku").is_some(),
        "{}",
        p.body
    );
    assert_eq!(version(&t, &o).await, v0, "refusals change nothing");

    // Send it: back on the order, the change is listed with what happened.
    let p = t
        .post(
            &href,
            &buyer,
            &[(&qf, &less), ("action", "submit"), ("reason", "one too many")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert_eq!(p.location(), format!("/orders/{}#changes", o.id.0));
    let page = t.get(&format!("/orders/{}", o.id.0), &buyer).await.ok();
    let rows = page.texts("#change-requests tbody tr");
    assert!(
        rows.iter()
            .any(|r| r.contains(&format!("Line {line}: 1 of 1 cancelled"))),
        "{rows:?}"
    );
    let after = t.app.order(&Ctx::system(), o.id).await.expect("order").value;
    let l = after.line(line).expect("line");
    assert_eq!(l.quantity.get() - l.cancelled.get(), q - 1);

    // Another account's order does not exist for them.
    let other = t.sign_in(OTHER).await;
    assert_eq!(t.get(&href, &other).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        t.post(&href, &other, &[(&qf, &less), ("action", "submit")])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

async fn agent_answers_a_change_waiting_in_the_queue(t: TestWeb) {
    let waiting = t
        .app
        .list_change_requests(
            &Ctx::system(),
            &ListFilter {
                status: Some("awaiting_seller".into()),
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .expect("queue")
        .items;
    let cr = waiting.first().expect("the demo leaves a change waiting").value.clone();
    let agent = t.sign_in(AGENT).await;
    let queue = t.get("/console/changes", &agent).await.ok();
    assert!(queue.text("#change-queue").contains(&cr.number), "{}", queue.body);
    let href = format!("/console/changes/{}", cr.id.0);
    let page = t.get(&href, &agent).await.ok();
    assert!(!page.texts("#pending li").is_empty(), "{}", page.body);
    // No choice, or a rejection without a reason: beside the field, nothing decided.
    let p = t.post(&href, &agent, &[]).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.field_error("decision").is_some(), "{}", p.body);
    let p = t.post(&href, &agent, &[("decision", "reject"), ("reason", "")]).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.field_error("reason").is_some(), "{}", p.body);
    let p = t.post(&href, &agent, &[("decision", "accept")]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let done = t
        .app
        .change_request(&Ctx::system(), cr.id)
        .await
        .expect("request")
        .value;
    assert_eq!(done.state, ChangeState::Accepted);
    let page = t.get(&href, &agent).await.ok();
    assert!(page.text("#change-decision").contains("cancelled"), "{}", page.body);
    // The customer 360 lists it, linked to the same page.
    let c360 = t
        .get(&format!("/console/accounts/{}", cr.account_id.0), &agent)
        .await
        .ok();
    assert!(c360.attrs("#change-list a", "href").contains(&href), "{}", c360.body);
    // The console search finds it by number.
    let hit = t
        .get(&format!("/search?q={}", cr.number.to_lowercase()), &agent)
        .await
        .ok();
    assert_eq!(hit.attrs("#changes ~ ul a", "href"), vec![href.clone()], "{}", hit.body);
    // The buyer sees the outcome on the order.
    let buyer = t.sign_in(BUYER).await;
    let order = t.get(&format!("/orders/{}", cr.order_id.0), &buyer).await.ok();
    assert!(order.text("#change-requests").contains("Done"), "{}", order.body);
}

/// An agent changes an order for the customer from the same form: who asked is required, and the
/// request is recorded as theirs, placed by the agent; the buyer's form never asks.
async fn agent_changes_an_order_on_behalf_of_the_buyer(t: TestWeb) {
    let (o, line, q) = open_line(&t).await;
    let href = format!("/orders/{}/change", o.id.0);
    let buyer = t.sign_in(BUYER).await;
    assert!(
        t.get(&href, &buyer)
            .await
            .ok()
            .attrs("#on_behalf_of", "name")
            .is_empty()
    );
    let agent = t.sign_in(AGENT).await;
    let form = t.get(&href, &agent).await.ok();
    assert_eq!(form.attrs("#on_behalf_of", "name"), vec!["on_behalf_of".to_owned()]);
    let qf = format!("qty_{line}");
    let less = (q - 1).to_string();
    let v0 = version(&t, &o).await;
    let p = t.post(&href, &agent, &[(&qf, &less), ("action", "submit")]).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.field_error("on_behalf_of").is_some(), "{}", p.body);
    assert_eq!(version(&t, &o).await, v0, "refused: nothing changed");
    let p = t
        .post(
            &href,
            &agent,
            &[
                (&qf, &less),
                ("on_behalf_of", "Alex Buyer (phone)"),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let page = t.get(&format!("/orders/{}", o.id.0), &buyer).await.ok();
    let rows = page.texts("#change-requests tbody tr");
    assert!(rows.iter().any(|r| r.contains("for Alex Buyer (phone)")), "{rows:?}");
}

both_stores!(
    buyer_previews_and_sends_a_change,
    agent_changes_an_order_on_behalf_of_the_buyer,
    agent_answers_a_change_waiting_in_the_queue
);
