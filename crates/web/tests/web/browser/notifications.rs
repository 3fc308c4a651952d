//! Notifications in the browser: two shipments reach the buyer's bell; the buyer opens the
//! list from the header, marks one read, and the count drops — no script needed.

use super::{BUYER, Browser, Fixture};
use aftercart_app::{App, Ctx, FixedClock, ListFilter};
use fantoccini::Locator;

async fn badge(b: &Browser) -> String {
    match b.c.find(Locator::Css("header a.bell .badge")).await {
        Ok(el) => el.text().await.expect("text"),
        Err(_) => String::new(),
    }
}

pub(super) async fn buyer_reads_notifications_and_marks_one_read(
    b: &mut Browser,
    f: &Fixture,
    app: &App,
    clock: &FixedClock,
) {
    // A minute later: the earlier journeys used up this address's sign-ins for the minute the
    // clock was held at.
    clock.advance(time::Duration::minutes(1));
    // What earlier journeys did is told first and read, so the bell counts this journey's.
    app.fan_out_all().await.expect("fan-out");
    let user = app
        .list_users(
            &Ctx::system(),
            &ListFilter {
                account_id: Some(f.account),
                limit: 500,
                ..Default::default()
            },
        )
        .await
        .expect("users")
        .items
        .into_iter()
        .find(|u| u.value.email == BUYER)
        .expect("the demo buyer")
        .value;
    app.mark_all_read(&Ctx::new(user.principal())).await.expect("mark read");
    let first = crate::harness::ship_one_unit(app, f.account).await;
    crate::harness::ship_one_unit(app, f.account).await;
    app.fan_out_all().await.expect("fan-out");

    b.sign_in(BUYER).await;
    assert_eq!(badge(b).await, "2", "the bell counts two shipments");
    let bell = b.c.find(Locator::Css("header a.bell")).await.expect("the bell");
    let name = bell.text().await.expect("text");
    assert!(name.starts_with("Notifications"), "{name}");
    b.nav(bell).await;
    assert_eq!(b.path().await, "/notifications");
    let text = b.text().await;
    assert!(text.contains(&format!("{} has shipped", first.number)), "{text}");
    b.audit("notifications").await;
    b.shoot("notifications").await;
    let button =
        b.c.find(Locator::Css("#notification-list li.unread form button[type=submit]"))
            .await
            .expect("a Mark as read button");
    b.nav(button).await;
    assert!(b.text().await.contains("Marked as read."), "{}", b.text().await);
    assert_eq!(badge(b).await, "1", "the count dropped");
    let unread =
        b.c.find_all(Locator::Css("#notification-list li.unread"))
            .await
            .expect("items");
    assert_eq!(unread.len(), 1);
    // Their settings are under the header's "Settings".
    b.click_link("Settings").await;
    assert_eq!(b.path().await, "/settings/notifications");
    b.audit("notification settings").await;
}
