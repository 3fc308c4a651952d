//! Returns in the portal: the buyer asks from the order page (errors beside fields), sees the
//! return and its credit; the agent works the queue to the credit; not yours = 404.

use crate::both_stores;
use crate::harness::{AGENT, BUYER, OTHER, TestWeb};
use aftercart_app::Ctx;
use aftercart_domain::order::Order;
use axum::http::StatusCode;

/// A Northwind order with a delivered line the buyer sees: (order, line, delivered units).
async fn delivered(t: &TestWeb) -> (Order, u32, u32) {
    let nw = t.northwind().await;
    let orders = t.orders_of(&Ctx::system(), &nw).await;
    let mut best = None;
    for o in orders {
        if let Some(l) = o.lines.iter().find(|l| o.ledger(l).delivered.get() >= 2) {
            let (no, n) = (l.no, o.ledger(l).delivered.get());
            // Not already on a return (the demo has a couple).
            let (_, free) = t.app.returnable_lines(&Ctx::system(), o.id).await.expect("returnable");
            if free.iter().any(|(x, q)| *x == no && q.get() == n) {
                best = Some((o, no, n));
                break;
            }
        }
    }
    best.expect("a delivered Northwind order")
}

async fn buyer_returns_from_the_order_page(t: TestWeb) {
    let (o, line, n) = delivered(&t).await;
    let buyer = t.sign_in(BUYER).await;
    let page = t.get(&format!("/orders/{}", o.id.0), &buyer).await.ok();
    let href = format!("/orders/{}/return", o.id.0);
    assert_eq!(page.attrs("a.return-link", "href"), vec![href.clone()], "{}", page.body);
    let form = t.get(&href, &buyer).await.ok();
    let qty = format!("qty_{line}");
    assert_eq!(form.attrs(&format!("#{qty}"), "name"), vec![qty.clone()]);

    // More than was delivered, and no reason: both beside their fields, nothing created.
    // The demo has returns of its own: count what is there.
    let rows = |p: &crate::harness::Page| p.texts("table.returns tbody tr").len();
    let before = rows(&t.get("/returns", &buyer).await.ok());
    let too_many = (n + 1).to_string();
    let p = t.post(&href, &buyer, &[(&qty, &too_many), ("reason", "")]).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.field_error("reason").is_some(), "{}", p.body);
    let p = t.post(&href, &buyer, &[(&qty, &too_many), ("reason", "damaged")]).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    let msg = p
        .field_error(&qty)
        .unwrap_or_else(|| panic!("no error beside {qty}: {}", p.body));
    assert!(msg.contains("at most"), "{msg}");
    assert_eq!(p.error_summary()[0].0, format!("#{qty}"));
    let p = t.post(&href, &buyer, &[(&qty, "two"), ("reason", "damaged")]).await;
    assert!(p.field_error(&qty).is_some(), "{}", p.body);
    let p = t.post(&href, &buyer, &[(&qty, "0"), ("reason", "damaged")]).await;
    assert!(p.field_error(&qty).is_some(), "{}", p.body);
    assert_eq!(
        t.get("/returns", &buyer)
            .await
            .ok()
            .texts("table.returns tbody tr")
            .len(),
        before
    );

    let p = t
        .post(
            &href,
            &buyer,
            &[(&qty, "2"), ("reason", "damaged"), ("description", "Crushed corners")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let status = t.get(p.location(), &buyer).await.ok();
    assert!(status.text("h1").starts_with("Return RMA-"), "{}", status.text("h1"));
    assert!(status.body.contains("Crushed corners"));
    let list = t.get("/returns", &buyer).await.ok();
    assert_eq!(rows(&list), before + 1);

    // Another account's user: the same 404 as a missing page.
    let other = t.sign_in(OTHER).await;
    assert_eq!(t.get(p.location(), &other).await.status, StatusCode::NOT_FOUND);
    assert_eq!(t.get(&href, &other).await.status, StatusCode::NOT_FOUND);
}

async fn agent_works_a_return_to_its_credit(t: TestWeb) {
    let (o, line, _) = delivered(&t).await;
    let agent = t.sign_in(AGENT).await;
    let href = format!("/orders/{}/return", o.id.0);
    let qty = format!("qty_{line}");
    let p = t.post(&href, &agent, &[(&qty, "1"), ("reason", "not_needed")]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let id = p.location().trim_start_matches("/returns/").to_owned();
    let queue = t.get("/console/returns", &agent).await.ok();
    // Requested returns come first: this one is among them, before any decided one.
    let hrefs = queue.attrs("table.returns a", "href");
    let at = hrefs
        .iter()
        .position(|h| h.ends_with(&id))
        .expect("the new return in the queue");
    let tags = queue.texts("table.returns tbody tr td:nth-child(3)");
    assert!(tags[..=at].iter().all(|t| t == "Requested"), "{tags:?}");
    let page_url = format!("/console/returns/{id}");
    let page = t.get(&page_url, &agent).await.ok();
    assert!(page.body.contains("(for the customer)"), "placed on behalf");
    let version = page.attrs("form[action$='/decision'] input[name=version]", "value")[0].clone();
    // Rejecting needs a reason.
    let p = t
        .post(
            &format!("{page_url}/decision"),
            &agent,
            &[("decision", "reject"), ("version", &version)],
        )
        .await;
    assert!(p.field_error("reason").is_some(), "{}", p.body);
    let p = t
        .post(
            &format!("{page_url}/decision"),
            &agent,
            &[("decision", "approve"), ("version", &version)],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    // The same stale version again: refused, not applied twice.
    let stale = t
        .post(
            &format!("{page_url}/decision"),
            &agent,
            &[("decision", "approve"), ("version", &version)],
        )
        .await;
    assert_eq!(stale.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", stale.body);
    let page = t.get(&page_url, &agent).await.ok();
    let version = page.attrs("form[action$='/receipt'] input[name=version]", "value")[0].clone();
    let cond = format!("condition_{line}");
    let p = t
        .post(&format!("{page_url}/receipt"), &agent, &[("version", &version)])
        .await;
    assert!(p.field_error(&cond).is_some(), "{}", p.body);
    let p = t
        .post(
            &format!("{page_url}/receipt"),
            &agent,
            &[(&cond, "resellable"), ("version", &version)],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let done = t.get(&page_url, &agent).await.ok();
    let h1 = done.text("h1");
    assert!(h1.contains("Credited") || h1.contains("Received"), "{h1}");
    if h1.contains("Credited") {
        assert!(done.text("ul.credits").starts_with("Credit memo CM-"), "{}", done.body);
    }
    // The customer sees the same outcome on the status page.
    let buyer = t.sign_in(BUYER).await;
    let mine = t.get(&format!("/returns/{id}"), &buyer).await.ok();
    assert_eq!(mine.text("h1"), h1);
    // The console search finds it by its RMA number, typed in lower case.
    let rid = aftercart_domain::ids::ReturnId(id.parse().expect("return id"));
    let number = t.app.return_of(&Ctx::system(), rid).await.expect("return").value.number;
    let hit = t
        .get(&format!("/search?q={}", number.to_lowercase()), &agent)
        .await
        .ok();
    assert_eq!(
        hit.attrs("#returns ~ ul a", "href"),
        vec![page_url.clone()],
        "{}",
        hit.body
    );
}

both_stores!(buyer_returns_from_the_order_page, agent_works_a_return_to_its_credit);
