//! Company administration in the browser: the account admin invites a user with the keyboard,
//! reads the one-time invitation link, and the invitee sets a password and signs in.

use super::{Browser, Fixture};
use aftercart_app::{App, Ctx, CustomerRole, ListFilter, UserKind, UserStatus, demo};
use fantoccini::Locator;
use fantoccini::key::Key;

const ADMIN: &str = "alex@northwind.example";
const INVITEE: &str = "nina.newcomer@northwind.example";

/// Types `text` into the focused element.
async fn type_here(b: &Browser, text: &str) {
    b.c.active_element()
        .await
        .expect("focused element")
        .send_keys(text)
        .await
        .expect("type");
}

async fn text_of(b: &Browser, css: &str) -> String {
    let path = b.path().await;
    b.c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css} on {path}: {e}"))
        .text()
        .await
        .expect("text")
}

pub(super) async fn admin_invites_a_user(b: &mut Browser, f: &Fixture, app: &App) {
    b.sign_in(ADMIN).await;
    b.click_link("Company").await;
    assert_eq!(
        b.path().await,
        "/admin",
        "the Company link opens company administration"
    );
    b.audit("company administration").await;
    b.click_link("Users").await;
    assert_eq!(b.path().await, "/admin/users");
    b.audit("users").await;
    b.click_link("Invite a user").await;
    assert_eq!(b.path().await, "/admin/users/invite");
    b.audit("invite a user").await;

    // The form with the keyboard alone: Tab to each field, type, Space to tick, Enter to send.
    b.tab_to("email", 60).await;
    type_here(b, INVITEE).await;
    b.press(Key::Tab).await;
    assert_eq!(
        b.active_id().await,
        "name",
        "Tab goes from the email address to the name"
    );
    type_here(b, "Nina Newcomer").await;
    // The roles: account admin is first, then buyer.
    b.tab_to("roles-1", 10).await;
    b.press(Key::Space).await;
    let ticked =
        b.c.find(Locator::Id("roles-1"))
            .await
            .expect("buyer box")
            .prop("checked")
            .await
            .expect("checked");
    assert_eq!(ticked.as_deref(), Some("true"), "Space ticks the buyer role");
    b.tab_to("invite", 20).await;
    b.mark().await;
    b.press(Key::Enter).await;
    b.wait_new_page().await;

    let page = b.text().await;
    let link =
        b.c.find(Locator::Id("invitation-link"))
            .await
            .unwrap_or_else(|_| panic!("no invitation link after inviting; page:\n{page}"))
            .attr("href")
            .await
            .expect("href")
            .unwrap_or_default();
    assert!(link.starts_with("/invitations/accept?token="), "{link}");
    assert!(
        b.text().await.contains("shown only once"),
        "the page says the link is shown once"
    );
    b.audit("user invited").await;
    b.shoot("admin-invite").await;

    // Every admin page passes the accessibility check and fits a 320 px wide screen.
    let mut wide = Vec::new();
    for (path, name) in [
        ("/admin/locations", "locations"),
        ("/admin/locations/new", "add a location"),
        ("/admin/keys", "API keys"),
        ("/admin/policy", "approval policy"),
        ("/admin/budgets", "budgets"),
    ] {
        b.goto(path).await;
        b.audit(name).await;
    }
    b.c.set_window_size(super::NARROW, 800).await.expect("window size");
    for path in [
        "/admin",
        "/admin/users",
        "/admin/users/invite",
        "/admin/locations",
        "/admin/keys",
        "/admin/policy",
        "/admin/budgets",
    ] {
        b.goto(path).await;
        let (inner, scroll) = b.widths().await;
        if scroll > inner {
            wide.push(format!("{path}: scrollWidth {scroll}"));
        }
    }
    b.c.set_window_size(super::WIDE, 900).await.expect("window size");
    assert!(wide.is_empty(), "admin pages scroll sideways at 320 px: {wide:?}");
    let invited = app
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
        .find(|u| u.value.email == INVITEE)
        .expect("the invited user is recorded");
    assert_eq!(invited.value.status, UserStatus::Invited);

    // The invitee, in a fresh browser session, opens the link and sets a password.
    b.reset().await;
    b.goto(&link).await;
    b.audit("set your password").await;
    b.type_into("password", demo::DEMO_PASSWORD).await;
    b.type_into("confirm", demo::DEMO_PASSWORD).await;
    let button =
        b.c.find(Locator::Css("main form button[type=submit]"))
            .await
            .expect("set password button");
    b.nav(button).await;
    assert!(
        b.path().await.starts_with("/sign-in"),
        "after setting the password: {}",
        b.text().await
    );
    b.sign_in(INVITEE).await;
    assert_eq!(b.path().await, "/dashboard");
    assert_eq!(text_of(b, ".who-name").await, "Nina Newcomer");
    assert_eq!(text_of(b, ".who-role").await, "Buyer");
    let user = app.user(&Ctx::system(), invited.value.id).await.expect("user");
    assert_eq!(user.value.status, UserStatus::Active);
    assert!(matches!(&user.value.kind, UserKind::Customer { roles, .. } if roles == &[CustomerRole::Buyer]));
}
