//! Exceptions in the portal: the agent works the console queue (filters, errors beside the
//! field, bulk acknowledge and assign with checkboxes, resolve with a note); the buyer reads the
//! customer-facing subset in plain words on the dashboard and the order page; not the
//! customer's pages.

use crate::both_stores;
use crate::harness::{AGENT, BUYER, TestWeb};
use aftercart_app::{Ctx, ExceptionFilter};
use axum::http::StatusCode;

async fn agent_works_the_exception_queue(t: TestWeb) {
    let agent = t.sign_in(AGENT).await;
    let q = t.get("/console/exceptions", &agent).await.ok();
    let first = q.attrs("#exception-list input[name=pick]", "value");
    assert!(!first.is_empty(), "the demo raises exceptions: {}", q.body);

    // Filters: a broken one is refused beside its field.
    let p = t.get("/console/exceptions?age=soon", &agent).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert!(p.field_error("age").is_some(), "{}", p.body);
    let p = t.get("/console/exceptions?kind=nonsense", &agent).await;
    assert!(p.field_error("kind").is_some(), "{}", p.body);
    let ops = t
        .get("/console/exceptions?owner=finance&kind=tracking_stalled", &agent)
        .await
        .ok();
    assert!(
        ops.attrs("#exception-list input[name=pick]", "value").is_empty(),
        "a kind outside the team finds nothing"
    );

    // Bulk: nothing ticked, or assign without a name, is refused; nothing changes.
    let p = t
        .post("/console/exceptions/bulk", &agent, &[("action", "acknowledge")])
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert!(p.field_error("pick").is_some(), "{}", p.body);
    let id = first[0].clone();
    let p = t
        .post(
            "/console/exceptions/bulk",
            &agent,
            &[("pick", &id), ("action", "assign"), ("assignee", " ")],
        )
        .await;
    assert!(p.field_error("assignee").is_some(), "{}", p.body);
    let p = t
        .post(
            "/console/exceptions/bulk",
            &agent,
            &[("pick", &id), ("action", "assign"), ("assignee", "Olga Ops")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert_eq!(p.location(), "/console/exceptions?done=1");
    let p = t
        .post(
            "/console/exceptions/bulk",
            &agent,
            &[("pick", &id), ("action", "acknowledge")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let d = t.get(&format!("/console/exceptions/{id}"), &agent).await.ok();
    assert!(d.text("h1").contains("Acknowledged"), "{}", d.text("h1"));
    assert_eq!(d.text("#assignee-now"), "Olga Ops");

    // Resolve with a note; a second resolve (a stale form) is refused beside the note.
    let version = d.attrs("form[action$=resolve] input[name=version]", "value")[0].clone();
    let p = t
        .post(
            &format!("/console/exceptions/{id}/resolve"),
            &agent,
            &[
                ("version", &version),
                ("note", "Called the carrier; redelivery tomorrow"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let d = t.get(&format!("/console/exceptions/{id}"), &agent).await.ok();
    assert!(d.text("h1").contains("Resolved"), "{}", d.text("h1"));
    assert!(
        d.text("#history").contains("redelivery tomorrow"),
        "{}",
        d.text("#history")
    );
    let p = t
        .post(
            &format!("/console/exceptions/{id}/resolve"),
            &agent,
            &[("version", &version), ("note", "again")],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    // The form was stale (its version is the one before resolving): refused in the summary.
    assert!(
        p.error_summary()
            .iter()
            .any(|(_, m)| m.contains("changed this exception meanwhile")),
        "{:?}",
        p.error_summary()
    );
    assert_eq!(
        t.get("/console/exceptions/not-an-id", &agent).await.status,
        StatusCode::NOT_FOUND
    );
}

async fn buyer_reads_what_concerns_them_in_plain_words(t: TestWeb) {
    let nw = t.northwind().await;
    let ctx = Ctx::system();
    let mine: Vec<_> = t
        .app
        .list_exceptions(
            &ctx,
            &ExceptionFilter {
                account_id: Some(nw.id),
                limit: 500,
                ..Default::default()
            },
        )
        .await
        .expect("exceptions")
        .items
        .into_iter()
        .filter(|e| e.value.customer_facing())
        .collect();
    let e = &mine
        .first()
        .expect("the demo has a customer-facing Northwind exception")
        .value;
    let text = e.customer_text.clone().expect("customer text");
    let buyer = t.sign_in(BUYER).await;
    let dash = t.get("/dashboard", &buyer).await.ok();
    let items = dash.texts("ul.attention li");
    assert!(items.iter().any(|i| i.contains(&text)), "{text} / {items:?}");
    let (order, _) = e.order.clone().expect("about an order");
    let page = t.get(&format!("/orders/{}", order.0), &buyer).await.ok();
    assert!(page.text("#exceptions").contains(&text), "{}", page.text("#exceptions"));
    assert!(
        !page.body.contains(&e.explanation),
        "the seller's explanation stays in the console"
    );
    assert_eq!(t.get("/console/exceptions", &buyer).await.status, StatusCode::FORBIDDEN);
}

both_stores!(
    agent_works_the_exception_queue,
    buyer_reads_what_concerns_them_in_plain_words
);
