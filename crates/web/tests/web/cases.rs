//! Support cases in the portal: the buyer asks about a shipment from the order page (errors
//! beside the field), the agent answers from the console with an internal note the buyer never
//! sees, the customer 360 and console search find the case; not yours = 404; a reply to a case
//! that moved on is refused beside the field.

use crate::both_stores;
use crate::harness::{AGENT, BUYER, OTHER, TestWeb};
use aftercart_app::Ctx;
use aftercart_domain::order::Order;
use axum::http::StatusCode;

const NOTE: &str = "Carrier confirms a misroute; internal only";

/// A Northwind order with a shipment, that every Northwind user sees (no scope games).
async fn shipped(t: &TestWeb) -> Order {
    let nw = t.northwind().await;
    t.orders_of(&Ctx::system(), &nw)
        .await
        .into_iter()
        .find(|o| !o.shipments.is_empty())
        .expect("a Northwind order with a shipment")
}

fn case_path(location: &str) -> String {
    location.split('?').next().unwrap_or("").to_owned()
}

async fn buyer_asks_about_a_shipment_and_the_agent_answers(t: TestWeb) {
    let o = shipped(&t).await;
    let s = &o.shipments[0];
    let buyer = t.sign_in(BUYER).await;
    let page = t.get(&format!("/orders/{}", o.id.0), &buyer).await.ok();
    let ask = format!("/cases/new?about=shipment%3A{}", s.id.0);
    assert!(page.attrs("#shipments ~ div a", "href").contains(&ask), "{}", page.body);
    let form = t.get(&ask, &buyer).await.ok();
    assert!(form.text("h1").starts_with("Ask about shipment"), "{}", form.text("h1"));

    // An empty question is refused beside the field; nothing is opened.
    let about = format!("shipment:{}", s.id.0);
    let p = t.post("/cases/new", &buyer, &[("about", &about), ("body", "  ")]).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert_eq!(p.error_summary()[0].0, "#body");
    assert!(p.field_error("body").is_some());
    let long = "x".repeat(2001);
    let p = t
        .post("/cases/new", &buyer, &[("about", &about), ("body", &long)])
        .await;
    assert!(
        p.field_error("body").unwrap_or_default().contains("at most 2000"),
        "{}",
        p.body
    );

    let p = t
        .post(
            "/cases/new",
            &buyer,
            &[("about", &about), ("body", "Our dock has not seen this parcel.")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let mine = case_path(p.location());
    let id = mine.trim_start_matches("/cases/").to_owned();
    let thread = t.get(p.location(), &buyer).await.ok();
    let number = thread.text("h1").split(':').next().unwrap_or("").to_owned();
    assert!(number.starts_with("CS-"), "{number}");
    assert_eq!(thread.text("#case-status"), "Open");

    // The agent finds it in the queue, notes, answers.
    let agent = t.sign_in(AGENT).await;
    let q = t.get("/console/cases", &agent).await.ok();
    assert!(q.texts("#case-list a").contains(&number), "{}", q.body);
    // The demo's unanswered invoice question waits in the queue too.
    assert!(q.body.contains("Freight on this invoice"), "{}", q.body);
    let console = format!("/console/cases/{id}");
    let c = t.get(&console, &agent).await.ok();
    let version = c.attrs("form[action$='/reply'] input[name=version]", "value")[0].clone();
    let p = t
        .post(
            &format!("{console}/reply"),
            &agent,
            &[("body", NOTE), ("kind", "note"), ("version", &version)],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let p = t
        .post(
            &format!("{console}/reply"),
            &agent,
            &[
                ("body", "It is at the Memphis hub; arriving tomorrow."),
                ("kind", "reply"),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(
        p.status,
        StatusCode::SEE_OTHER,
        "a note leaves the version alone: {}",
        p.body
    );
    let c = t.get(&console, &agent).await.ok();
    assert!(c.body.contains(NOTE), "the agent sees the note");
    assert_eq!(c.text("#case-status"), "Waiting on customer");

    // The buyer sees the answer and never the note (not on the case, the list, the order).
    let thread = t.get(&mine, &buyer).await.ok();
    assert!(thread.body.contains("arriving tomorrow"), "{}", thread.body);
    assert!(!thread.body.contains(NOTE));
    assert_eq!(thread.texts(".message").len(), 2);
    let list = t.get("/cases", &buyer).await.ok();
    assert!(list.texts("#case-list a").contains(&number));
    assert!(!list.body.contains(NOTE));
    let page = t.get(&format!("/orders/{}", o.id.0), &buyer).await.ok();
    assert!(page.texts("#cases ~ ul a").contains(&number), "{}", page.body);
    assert!(!page.body.contains(NOTE));

    // A reply pinned to the version before the answer is refused beside the field.
    let p = t
        .post(
            &format!("{mine}/reply"),
            &buyer,
            &[("body", "Thanks"), ("version", &version)],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert!(
        p.field_error("body")
            .unwrap_or_default()
            .contains("Someone else changed")
    );

    // The customer 360 and the console search find it.
    let nw = t.northwind().await;
    let c360 = t.get(&format!("/console/accounts/{}", nw.id.0), &agent).await.ok();
    assert!(c360.texts("#case-list a").contains(&number), "{}", c360.body);
    let hit = t
        .get(&format!("/search?q={}", number.to_lowercase()), &agent)
        .await
        .ok();
    assert_eq!(hit.attrs("#cases ~ ul a", "href"), vec![console.clone()]);

    // Another account's user: the same 404 as a missing case.
    let other = t.sign_in(OTHER).await;
    assert_eq!(t.get(&mine, &other).await.status, StatusCode::NOT_FOUND);
    let p = t.post(&format!("{mine}/reply"), &other, &[("body", "peek")]).await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    assert!(!t.get("/cases", &other).await.ok().body.contains(&number));
}

async fn the_buyer_marks_solved_and_reopens_by_writing(t: TestWeb) {
    let o = shipped(&t).await;
    let buyer = t.sign_in(BUYER).await;
    let p = t
        .post(
            "/cases/new",
            &buyer,
            &[
                ("about", &format!("order:{}", o.id.0)),
                ("subject", "Invoice copy"),
                ("body", "Please resend."),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let mine = case_path(p.location());
    let p = t.post(&format!("{mine}/status"), &buyer, &[("status", "solved")]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert_eq!(t.get(&mine, &buyer).await.ok().text("#case-status"), "Solved");
    let p = t
        .post(&format!("{mine}/reply"), &buyer, &[("body", "Still missing")])
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert_eq!(t.get(&mine, &buyer).await.ok().text("#case-status"), "Waiting on us");
    // Only "solved" is the customer's to set.
    let p = t
        .post(&format!("{mine}/status"), &buyer, &[("status", "waiting_on_us")])
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
}

both_stores!(
    buyer_asks_about_a_shipment_and_the_agent_answers,
    the_buyer_marks_solved_and_reopens_by_writing,
);
