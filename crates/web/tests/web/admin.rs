//! Company administration: users (invite → accept → sign in, roles and scope, deactivation),
//! locations, API keys, the approval policy and budgets; errors beside fields with nothing
//! saved, refusals from the application shown as form errors, and access (a buyer is refused,
//! another account's admin finds none of Northwind's records).

use crate::both_stores;
use crate::harness::{ADMIN, BUYER, OTHER, PASSWORD, Page, SCOPED, Session, TestWeb, form_fields, set};
use aftercart_app::{Ctx, CustomerRole, ListFilter, LocationScope, User, UserKind, UserStatus, Versioned};
use aftercart_domain::account::{Account, LocationKind};
use aftercart_domain::approval::ApprovalCondition;
use aftercart_domain::budget::BudgetDimension;
use aftercart_domain::money::Money;
use axum::http::StatusCode;

async fn users_of(t: &TestWeb, a: &Account) -> Vec<Versioned<User>> {
    t.app
        .list_users(
            &Ctx::system(),
            &ListFilter {
                account_id: Some(a.id),
                limit: 500,
                ..Default::default()
            },
        )
        .await
        .expect("users")
        .items
}

async fn user(t: &TestWeb, email: &str) -> Versioned<User> {
    let a = t.northwind().await;
    users_of(t, &a)
        .await
        .into_iter()
        .find(|u| u.value.email == email)
        .unwrap_or_else(|| panic!("no user {email}"))
}

fn roles_scope(u: &User) -> (Vec<CustomerRole>, LocationScope) {
    match &u.kind {
        UserKind::Customer { roles, scope, .. } => (roles.clone(), scope.clone()),
        k => panic!("not a customer user: {k:?}"),
    }
}

fn pairs(f: &[(String, String)]) -> Vec<(&str, &str)> {
    f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

async fn post(t: &TestWeb, path: &str, s: &Session, f: &[(String, String)]) -> Page {
    t.post(path, s, &pairs(f)).await
}

/// Invite → the link is shown once → the invitee sets a password → signs in with the roles and
/// scope given; the users list follows their status.
async fn an_invited_user_accepts_and_signs_in_with_the_roles_given(t: TestWeb) {
    let a = t.northwind().await;
    let admin = t.sign_in(ADMIN).await;
    let index = t.get("/admin", &admin).await.ok();
    let links = index.attrs("main a", "href");
    for l in [
        "/admin/users",
        "/admin/locations",
        "/admin/keys",
        "/admin/policy",
        "/admin/budgets",
    ] {
        assert!(links.iter().any(|h| h == l), "{l} in {links:?}");
    }
    assert!(
        index
            .attrs("nav a[aria-current=page]", "href")
            .contains(&"/admin".to_owned())
    );
    let form = t.get("/admin/users/invite", &admin).await.ok();
    assert_eq!(form.attrs("input[name=roles]", "value").len(), 5);
    let first = a
        .locations
        .iter()
        .find(|l| l.kind == LocationKind::ShipTo)
        .expect("ship-to");
    let loc = first.id.0.to_string();
    let p = t
        .post(
            "/admin/users/invite",
            &admin,
            &[
                ("email", "Nina.New@Northwind.example"),
                ("name", "Nina New"),
                ("roles", "buyer"),
                ("roles", "approver"),
                ("scope", "only"),
                ("locations", loc.as_str()),
            ],
        )
        .await
        .ok();
    let link = p.attrs("#invitation-link", "href").pop().expect("the invitation link");
    assert!(link.starts_with("/invitations/accept?token=inv_"), "{link}");
    assert!(p.body.contains("shown only once"), "{}", p.body);
    let invited = user(&t, "nina.new@northwind.example").await;
    assert_eq!(invited.value.status, UserStatus::Invited);
    assert_eq!(
        roles_scope(&invited.value),
        (
            vec![CustomerRole::Buyer, CustomerRole::Approver],
            LocationScope::Only(vec![first.id])
        )
    );
    let list = t.get("/admin/users", &admin).await.ok();
    let row = list
        .texts("#users tbody tr")
        .into_iter()
        .find(|r| r.contains("Nina New"))
        .expect("Nina in the list");
    assert!(row.contains("Invited") && row.contains("Buyer, Approver"), "{row}");
    assert!(row.contains(&format!("Only {}", first.name)), "{row}");
    // The link is not shown again: the user's page offers a new one instead.
    let page = t
        .get(&format!("/admin/users/{}", invited.value.id.0), &admin)
        .await
        .ok();
    assert!(page.attrs("#invitation-link", "href").is_empty());
    assert!(
        !page
            .body
            .contains(link.trim_start_matches("/invitations/accept?token="))
    );
    // A new link replaces the first one, which stops working.
    let again = t
        .post(&format!("/admin/users/{}/invitation", invited.value.id.0), &admin, &[])
        .await
        .ok();
    let first_link = link;
    let link = again.attrs("#invitation-link", "href").pop().expect("a new link");
    assert_ne!(link, first_link);
    let anon = Session::default();
    let old_token = first_link.trim_start_matches("/invitations/accept?token=");
    let stale = t
        .post(
            "/invitations/accept",
            &anon,
            &[("token", old_token), ("password", PASSWORD), ("confirm", PASSWORD)],
        )
        .await;
    assert_eq!(
        stale.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the replaced link no longer works"
    );
    // The invitee accepts through the portal.
    let accept = t.get(&link, &anon).await.ok();
    let token = accept.attrs("input[name=token]", "value").pop().expect("token field");
    let done = t
        .post(
            "/invitations/accept",
            &anon,
            &[("token", token.as_str()), ("password", PASSWORD), ("confirm", PASSWORD)],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let nina = t.sign_in("nina.new@northwind.example").await;
    let home = t.get("/dashboard", &nina).await.ok();
    assert_eq!(home.text(".who-name"), "Nina New");
    assert_eq!(home.text(".who-role"), "Buyer, Approver");
    assert!(
        !home.attrs("nav a", "href").contains(&"/admin".to_owned()),
        "no Company link for a buyer"
    );
    let list = t.get("/admin/users", &admin).await.ok();
    let row = list
        .texts("#users tbody tr")
        .into_iter()
        .find(|r| r.contains("Nina New"))
        .expect("row");
    assert!(row.contains("Active"), "{row}");
    // Another account admin's link is issued by the seller, never shown to a customer admin.
    let p = t
        .post(
            "/admin/users/invite",
            &admin,
            &[
                ("email", "ada@northwind.example"),
                ("name", "Ada Admin"),
                ("roles", "account_admin"),
                ("scope", "all"),
            ],
        )
        .await
        .ok();
    assert!(p.attrs("#invitation-link", "href").is_empty(), "{}", p.body);
    assert!(p.body.contains("issued by the seller"), "{}", p.body);
    assert_eq!(
        user(&t, "ada@northwind.example").await.value.status,
        UserStatus::Invited
    );
}

/// Bad input re-renders with errors beside the fields, values kept, nobody invited; refusals of
/// the application (an existing email, a scope wider than the admin's own) are form errors.
async fn a_bad_invitation_shows_errors_and_invites_nobody(t: TestWeb) {
    let a = t.northwind().await;
    let before = users_of(&t, &a).await.len();
    let admin = t.sign_in(ADMIN).await;
    let p = t
        .post(
            "/admin/users/invite",
            &admin,
            &[("email", "not-an-email"), ("name", "Kept Name"), ("scope", "all")],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    let summary: Vec<String> = p.error_summary().into_iter().map(|(h, _)| h).collect();
    assert_eq!(summary, vec!["#email", "#roles"]);
    assert!(p.field_error("email").expect("email error").contains("right format"));
    assert!(
        p.field_error("roles")
            .expect("roles error")
            .contains("at least one role")
    );
    assert_eq!(p.attrs("input#email", "value"), vec!["not-an-email"]);
    assert_eq!(p.attrs("input#name", "value"), vec!["Kept Name"]);
    assert_eq!(p.attrs("input[name=scope][checked]", "value"), vec!["all"]);
    // Only some locations, but none chosen.
    let p = t
        .post(
            "/admin/users/invite",
            &admin,
            &[
                ("email", "x@northwind.example"),
                ("name", "X"),
                ("roles", "viewer"),
                ("scope", "only"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.field_error("locations").is_some(), "{}", p.body);
    assert_eq!(p.attrs("input[name=roles][checked]", "value"), vec!["viewer"]);
    // An email that is already a user's.
    let p = t
        .post(
            "/admin/users/invite",
            &admin,
            &[
                ("email", BUYER),
                ("name", "Bea Again"),
                ("roles", "buyer"),
                ("scope", "all"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert!(
        p.field_error("email").expect("email error").contains("already exists"),
        "{}",
        p.body
    );
    assert_eq!(users_of(&t, &a).await.len(), before, "nobody was invited");
    // A location-scoped admin cannot grant all locations (the application refuses it).
    let first = a
        .locations
        .iter()
        .find(|l| l.kind == LocationKind::ShipTo)
        .expect("ship-to")
        .id;
    t.add_user(
        "sally@northwind.example",
        "Sally Scoped-Admin",
        UserKind::Customer {
            account_id: a.id,
            roles: vec![CustomerRole::AccountAdmin],
            scope: LocationScope::Only(vec![first]),
        },
    )
    .await;
    let sally = t.sign_in("sally@northwind.example").await;
    let locs = t.get("/admin/locations", &sally).await.ok();
    assert_eq!(
        locs.texts("#locations tbody tr").len(),
        1,
        "a scoped admin sees their locations only"
    );
    let p = t
        .post(
            "/admin/users/invite",
            &sally,
            &[
                ("email", "wide@northwind.example"),
                ("name", "Wide"),
                ("roles", "viewer"),
                ("scope", "all"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert!(
        p.field_error("scope")
            .expect("scope error")
            .contains("within your own scope")
    );
    assert_eq!(users_of(&t, &a).await.len(), before + 1, "only Sally was added");
}

/// Roles and scope are changed from the user's page; a stale form is refused; deactivation
/// (confirmed) stops the user signing in; an admin cannot deactivate themselves.
async fn an_admin_changes_roles_and_deactivates(t: TestWeb) {
    let admin = t.sign_in(ADMIN).await;
    let scott = user(&t, SCOPED).await;
    let path = format!("/admin/users/{}", scott.value.id.0);
    let page = t.get(&path, &admin).await.ok();
    assert_eq!(
        page.attrs("input[name=roles][checked]", "value"),
        vec!["buyer", "finance"]
    );
    assert_eq!(page.attrs("input[name=scope][checked]", "value"), vec!["only"]);
    let fields = form_fields(&page, &format!("form[action='{path}']"));
    let mut f: Vec<(String, String)> = fields
        .iter()
        .filter(|(k, _)| k != "roles" && k != "scope")
        .cloned()
        .collect();
    f.push(("roles".into(), "viewer".into()));
    f.push(("roles".into(), "approver".into()));
    f.push(("scope".into(), "all".into()));
    let p = post(&t, &path, &admin, &f).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert_eq!(p.location(), "/admin/users?done=updated");
    let after = user(&t, SCOPED).await;
    assert_eq!(
        roles_scope(&after.value),
        (vec![CustomerRole::Viewer, CustomerRole::Approver], LocationScope::All)
    );
    // The same form again carries the old version: refused, nothing changed.
    let f2 = set(f.clone(), "roles", "finance");
    let p = post(&t, &path, &admin, &f2).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert!(
        p.field_error("roles")
            .expect("stale error")
            .contains("changed by someone else")
    );
    assert_eq!(user(&t, SCOPED).await.version, after.version);
    // No role at all.
    let none: Vec<(String, String)> = f.iter().filter(|(k, _)| k != "roles").cloned().collect();
    let p = post(&t, &path, &admin, &none).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.field_error("roles").is_some());
    // Deactivate Bea, through the confirmation page.
    let bea = user(&t, BUYER).await;
    let confirm = t
        .get(&format!("/admin/users/{}/deactivate", bea.value.id.0), &admin)
        .await
        .ok();
    assert!(confirm.text("#confirm").contains("Yes, deactivate Bea Buyer"));
    let p = t
        .post(&format!("/admin/users/{}/deactivate", bea.value.id.0), &admin, &[])
        .await;
    assert_eq!(p.location(), "/admin/users?done=deactivated", "{}", p.body);
    assert_eq!(user(&t, BUYER).await.value.status, UserStatus::Deactivated);
    let p = t
        .post(
            "/sign-in",
            &Session::default(),
            &[("email", BUYER), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(
        p.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a deactivated user cannot sign in"
    );
    let list = t.get("/admin/users", &admin).await.ok();
    let row = list
        .texts("#users tbody tr")
        .into_iter()
        .find(|r| r.contains("Bea Buyer"))
        .expect("row");
    assert!(row.contains("Deactivated"), "{row}");
    // Oneself: refused as a form error.
    let alex = user(&t, ADMIN).await;
    let p = t
        .post(&format!("/admin/users/{}/deactivate", alex.value.id.0), &admin, &[])
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert!(
        p.field_error("confirm")
            .expect("error")
            .contains("cannot deactivate yourself")
    );
    assert_eq!(user(&t, ADMIN).await.value.status, UserStatus::Active);
}

/// Locations are added and edited; bad input and the domain's refusals are errors beside fields.
async fn an_admin_adds_and_edits_locations(t: TestWeb) {
    let admin = t.sign_in(ADMIN).await;
    let before = t.northwind().await.locations.len();
    let p = t
        .post(
            "/admin/locations/new",
            &admin,
            &[("name", ""), ("kind", "ship_to"), ("city", "Kept City")],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.field_error("name").is_some());
    assert_eq!(p.attrs("input#city", "value"), vec!["Kept City"]);
    let existing = t.northwind().await.locations[0].name.clone();
    let p = t
        .post(
            "/admin/locations/new",
            &admin,
            &[("name", existing.as_str()), ("kind", "ship_to")],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        p.field_error("name")
            .expect("duplicate")
            .contains("already has a location"),
        "{}",
        p.body
    );
    assert_eq!(t.northwind().await.locations.len(), before, "nothing added");
    let p = t
        .post(
            "/admin/locations/new",
            &admin,
            &[
                ("name", "Clinic 9 – Dockside"),
                ("kind", "ship_to"),
                ("address", "9 Dock Road"),
                ("city", "Portland"),
                ("postcode", "97201"),
                ("country", "United States"),
            ],
        )
        .await;
    assert_eq!(p.location(), "/admin/locations?done=added", "{}", p.body);
    let a = t.northwind().await;
    let l = a
        .locations
        .iter()
        .find(|l| l.name == "Clinic 9 – Dockside")
        .expect("added");
    assert_eq!(
        (l.kind, l.city.as_str(), l.postcode.as_str()),
        (LocationKind::ShipTo, "Portland", "97201")
    );
    let list = t.get("/admin/locations", &admin).await.ok();
    assert!(
        list.texts("#locations tbody tr")
            .iter()
            .any(|r| r.contains("9 Dock Road, Portland, 97201"))
    );
    let path = format!("/admin/locations/{}", l.id.0);
    let page = t.get(&path, &admin).await.ok();
    let f = form_fields(&page, &format!("form[action='{path}']"));
    let p = post(&t, &path, &admin, &set(f.clone(), "city", "Salem")).await;
    assert_eq!(p.location(), "/admin/locations?done=updated", "{}", p.body);
    let a = t.northwind().await;
    assert_eq!(a.location(l.id).expect("still there").city, "Salem");
    // A ship-to location cannot stop receiving goods.
    let p = post(&t, &path, &admin, &set(f, "kind", "bill_to")).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        p.field_error("kind")
            .expect("kind error")
            .contains("cannot stop receiving")
    );
    assert_eq!(
        t.northwind().await.location(l.id).expect("there").kind,
        LocationKind::ShipTo
    );
}

/// An API key's secret is shown once and works; revoked, it stops working.
async fn an_admin_makes_and_revokes_an_api_key(t: TestWeb) {
    let admin = t.sign_in(ADMIN).await;
    let bea = user(&t, BUYER).await;
    let owner = bea.value.id.0.to_string();
    let p = t
        .post("/admin/keys", &admin, &[("name", ""), ("owner", owner.as_str())])
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.field_error("name").is_some());
    assert_eq!(p.attrs("select#owner option[selected]", "value"), vec![owner.clone()]);
    assert!(p.texts("#keys tbody tr").is_empty(), "no key made");
    let p = t
        .post(
            "/admin/keys",
            &admin,
            &[("name", "ERP nightly sync"), ("owner", owner.as_str())],
        )
        .await
        .ok();
    let secret = p.text("#secret");
    assert!(secret.starts_with("ak_"), "{secret}");
    assert!(p.body.contains("shown only once"));
    let principal = t
        .app
        .authenticate_key(&secret)
        .await
        .expect("auth")
        .expect("the key works");
    assert_eq!(principal.name, "Bea Buyer");
    let list = t.get("/admin/keys", &admin).await.ok();
    assert!(!list.body.contains(&secret), "the secret is not shown again");
    let row = list.text("#keys tbody tr");
    assert!(
        row.contains("ERP nightly sync") && row.contains("Bea Buyer") && row.contains("Active"),
        "{row}"
    );
    let revoke = list
        .attrs("form[action$='/revoke']", "action")
        .pop()
        .expect("a revoke button");
    let p = t.post(&revoke, &admin, &[]).await;
    assert_eq!(p.location(), "/admin/keys?done=revoked");
    assert!(
        t.app.authenticate_key(&secret).await.expect("auth").is_none(),
        "revoked"
    );
    let list = t.get("/admin/keys", &admin).await.ok();
    assert!(list.text("#keys tbody tr").contains("Revoked"));
    // Another account's admin finds no such key.
    let other = t.sign_in(OTHER).await;
    assert_eq!(t.post(&revoke, &other, &[]).await.status, StatusCode::NOT_FOUND);
}

/// The approval policy's threshold is changed; a stale form shows the policy as it is now.
async fn an_admin_changes_the_approval_policy(t: TestWeb) {
    let a = t.northwind().await;
    let admin = t.sign_in(ADMIN).await;
    let page = t.get("/admin/policy", &admin).await.ok();
    assert_eq!(page.attrs("input#rule0-amount", "value"), vec!["5000.00"]);
    let f = form_fields(&page, "form[action='/admin/policy']");
    // A bad amount: nothing saved.
    let p = post(
        &t,
        "/admin/policy",
        &admin,
        &set(f.clone(), "rule0-amount", "five grand"),
    )
    .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        p.field_error("rule0-amount")
            .expect("amount error")
            .contains("as a number")
    );
    assert_eq!(p.attrs("input#rule0-amount", "value"), vec!["five grand"]);
    let g0 = t.app.governance(&Ctx::system(), a.id).await.expect("governance");
    // Escalation before the reminder: the domain refuses, beside the field.
    let p = post(&t, "/admin/policy", &admin, &set(f.clone(), "escalate", "12")).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert!(
        p.field_error("escalate")
            .expect("escalate error")
            .contains("later than the reminder")
    );
    let p = post(&t, "/admin/policy", &admin, &set(f.clone(), "rule0-amount", "2500")).await;
    assert_eq!(p.location(), "/admin/policy?done=saved", "{}", p.body);
    let g = t.app.governance(&Ctx::system(), a.id).await.expect("governance");
    assert_eq!(g.version, g0.version + 1);
    assert_eq!(
        g.value.policy.rules[0].condition,
        ApprovalCondition::OrderTotalOver(Money::from_minor(250_000, a.currency))
    );
    assert_eq!(g.value.policy.rules.len(), 1, "the empty new-rule row adds nothing");
    // The first form again (its version is old): refused, and the page shows what is stored.
    let p = post(&t, "/admin/policy", &admin, &set(f, "rule0-amount", "9999")).await;
    assert_eq!(p.status, StatusCode::CONFLICT, "{}", p.body);
    assert!(
        p.error_summary()
            .iter()
            .any(|(_, m)| m.contains("changed by someone else since you opened the page"))
    );
    assert_eq!(p.attrs("input#rule0-amount", "value"), vec!["2500.00"]);
    assert_eq!(p.attrs("input[name=version]", "value"), vec![g.version.to_string()]);
    assert_eq!(
        t.app.governance(&Ctx::system(), a.id).await.expect("g").version,
        g.version
    );
}

/// A budget is created and listed with its use; a bad start date is refused beside the field.
async fn an_admin_creates_a_budget(t: TestWeb) {
    let a = t.northwind().await;
    let admin = t.sign_in(ADMIN).await;
    let before = t.app.budgets(&Ctx::system(), a.id).await.expect("budgets").len();
    let page = t.get("/admin/budgets", &admin).await.ok();
    assert_eq!(page.attrs("input#starts_on", "value"), vec!["2026-11-01"]);
    let bad = [
        ("dimension", "cost_centre"),
        ("code", "CC-ADMIN"),
        ("period", "month"),
        ("starts_on", "2026-11-05"),
        ("amount", "1200.00"),
    ];
    let p = t.post("/admin/budgets", &admin, &bad).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert!(
        p.field_error("starts_on")
            .expect("date error")
            .contains("1st of a month"),
        "{}",
        p.body
    );
    assert_eq!(p.attrs("input#code", "value"), vec!["CC-ADMIN"]);
    let p = t
        .post(
            "/admin/budgets",
            &admin,
            &[
                ("dimension", "cost_centre"),
                ("code", ""),
                ("period", "month"),
                ("starts_on", "2026-11-01"),
                ("amount", "0"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.field_error("code").is_some() && p.field_error("amount").is_some());
    assert_eq!(
        t.app.budgets(&Ctx::system(), a.id).await.expect("budgets").len(),
        before
    );
    let mut good = bad;
    good[3] = ("starts_on", "2026-11-01");
    let p = t.post("/admin/budgets", &admin, &good).await;
    assert_eq!(p.location(), "/admin/budgets?done=created", "{}", p.body);
    let budgets = t.app.budgets(&Ctx::system(), a.id).await.expect("budgets");
    let b = budgets
        .iter()
        .find(|b| b.budget.dimension == BudgetDimension::CostCentre("CC-ADMIN".into()))
        .expect("created");
    assert_eq!(b.budget.amount, Money::from_minor(120_000, a.currency));
    let list = t.get("/admin/budgets", &admin).await.ok();
    let row = list
        .texts("#budgets tbody tr")
        .into_iter()
        .find(|r| r.contains("Cost centre CC-ADMIN"))
        .expect("listed");
    assert!(row.contains("November 2026") && row.contains("$1,200.00"), "{row}");
}

/// A buyer is refused every admin page; another account's admin finds no Northwind record.
async fn admin_pages_refuse_others(t: TestWeb) {
    let a = t.northwind().await;
    let buyer = t.sign_in(BUYER).await;
    let bea = user(&t, BUYER).await;
    let loc = a.locations[0].id.0;
    let user_path = format!("/admin/users/{}", bea.value.id.0);
    let loc_path = format!("/admin/locations/{loc}");
    let gets = [
        "/admin".to_owned(),
        "/admin/users".to_owned(),
        "/admin/users/invite".to_owned(),
        user_path.clone(),
        format!("{user_path}/deactivate"),
        "/admin/locations".to_owned(),
        "/admin/locations/new".to_owned(),
        loc_path.clone(),
        "/admin/keys".to_owned(),
        "/admin/policy".to_owned(),
        "/admin/budgets".to_owned(),
    ];
    for g in &gets {
        let p = t.get(g, &buyer).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN, "{g}");
        assert_eq!(p.text("h1"), "You cannot use this page");
    }
    for path in [
        "/admin/users/invite".to_owned(),
        format!("{user_path}/deactivate"),
        format!("{user_path}/invitation"),
        "/admin/keys".to_owned(),
        "/admin/policy".to_owned(),
        "/admin/budgets".to_owned(),
    ] {
        assert_eq!(t.post(&path, &buyer, &[]).await.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert!(
        !t.get("/dashboard", &buyer)
            .await
            .attrs("nav a", "href")
            .contains(&"/admin".to_owned())
    );
    let other = t.sign_in(OTHER).await;
    for g in [
        user_path.clone(),
        format!("{user_path}/deactivate"),
        loc_path.clone(),
        "/admin/users/not-a-uuid".into(),
    ] {
        let p = t.get(&g, &other).await;
        assert_eq!(p.status, StatusCode::NOT_FOUND, "{g}");
        assert_eq!(p.text("h1"), "Page not found");
    }
    let p = t.post(&format!("{user_path}/deactivate"), &other, &[]).await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    let p = t
        .post(&loc_path, &other, &[("name", "Taken"), ("kind", "ship_to")])
        .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    assert_eq!(user(&t, BUYER).await.value.status, UserStatus::Active);
    assert_ne!(t.northwind().await.locations[0].name, "Taken");
    // Their own lists show none of Northwind's people.
    let list = t.get("/admin/users", &other).await.ok();
    assert!(!list.body.contains(BUYER));
}

both_stores!(
    an_invited_user_accepts_and_signs_in_with_the_roles_given,
    a_bad_invitation_shows_errors_and_invites_nobody,
    an_admin_changes_roles_and_deactivates,
    an_admin_adds_and_edits_locations,
    an_admin_makes_and_revokes_an_api_key,
    an_admin_changes_the_approval_policy,
    an_admin_creates_a_budget,
    admin_pages_refuse_others,
);
