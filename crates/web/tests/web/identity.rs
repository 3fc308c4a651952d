//! Sign in, sign out, CSRF, and accepting an invitation.

use crate::both_stores;
use crate::harness::{BUYER, PASSWORD, Session, TestWeb};
use aftercart_app::{CustomerRole, LocationScope, UserKind};
use axum::http::{Method, StatusCode};

async fn sign_in_errors_keep_values_and_link_to_fields(t: TestWeb) {
    let none = Session::default();
    let form = t.get("/sign-in", &none).await.ok();
    assert_eq!(form.text("h1"), "Sign in");
    assert_eq!(form.attrs("label[for=email]", "for").len(), 1, "labelled fields");
    assert!(form.texts(".error-summary").is_empty());

    // Nothing entered: both fields at fault, each linked from the summary and shown beside it.
    let p = t.post("/sign-in", &none, &[("email", ""), ("password", "")]).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p.text(".error-summary h2"), "There is a problem");
    assert_eq!(
        p.error_summary(),
        vec![
            ("#email".to_owned(), "Enter your email address".to_owned()),
            ("#password".to_owned(), "Enter your password".to_owned())
        ]
    );
    assert_eq!(
        p.field_error("email").as_deref(),
        Some("Error: Enter your email address")
    );
    assert_eq!(p.field_error("password").as_deref(), Some("Error: Enter your password"));

    // A wrong password: the app's one answer, the email kept, the password not.
    let p = t
        .post("/sign-in", &none, &[("email", BUYER), ("password", "not the password")])
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        p.error_summary(),
        vec![("#email".to_owned(), "Email or password is not right".to_owned())]
    );
    assert_eq!(p.attrs("#email", "value"), vec![BUYER.to_owned()]);
    assert_eq!(p.attrs("#password", "value"), Vec::<String>::new());
    assert!(p.header("set-cookie").is_empty());

    // Too long for an email address: the API's limit, beside the field.
    let long = format!("{}@example.com", "a".repeat(300));
    let p = t.post("/sign-in", &none, &[("email", &long), ("password", "x")]).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        p.field_error("email")
            .unwrap_or_default()
            .contains("at most 254 characters")
    );

    // From another site: refused before any attempt.
    let body = serde_urlencoded::to_string([("email", BUYER), ("password", PASSWORD)]).unwrap_or_default();
    let p = t
        .send(
            Method::POST,
            "/sign-in",
            Some(body.clone()),
            &[("origin", "https://evil.example")],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let p = t
        .send(
            Method::POST,
            "/sign-in",
            Some(body),
            &[("sec-fetch-site", "cross-site")],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
}

async fn sign_in_sets_the_api_session_cookie_and_sign_out_needs_the_token(t: TestWeb) {
    let none = Session::default();
    let p = t
        .post(
            "/sign-in",
            &none,
            &[
                ("email", BUYER),
                ("password", PASSWORD),
                ("next", "/orders?status=shipped"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert_eq!(p.location(), "/orders?status=shipped");
    let set = p.header("set-cookie");
    for attr in ["Path=/", "HttpOnly", "Secure", "SameSite=Strict", "Max-Age=43200"] {
        assert!(set.contains(attr), "{attr} in {set}");
    }
    let s = t.sign_in(BUYER).await;
    let dash = t.get("/dashboard", &s).await.ok();
    // Who am I: name, account, role.
    assert_eq!(dash.text(".who-name"), "Bea Buyer");
    assert_eq!(dash.text(".who-org"), "Northwind Clinics");
    assert_eq!(dash.text(".who-role"), "Buyer");
    assert_eq!(dash.text("main h1"), "Needs attention");
    assert_eq!(dash.attrs("a.skip-link", "href"), vec!["#main".to_owned()]);

    // Signing out without the form's token is refused and the session lives on.
    let p = t.post("/sign-out", &s, &[("csrf", "forged")]).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let p = t
        .post(
            "/sign-out",
            &Session {
                csrf: String::new(),
                ..s.clone()
            },
            &[],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    t.get("/dashboard", &s).await.ok();
    // With it, the session ends for good.
    let p = t.post("/sign-out", &s, &[]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(p.location(), "/sign-in?signed_out=1");
    assert!(p.header("set-cookie").contains("Max-Age=0"));
    let p = t.get("/dashboard", &s).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert!(p.location().starts_with("/sign-in"));
}

async fn invitation_sets_a_password(t: TestWeb) {
    let accounts = t
        .app
        .list_accounts(
            &aftercart_app::Ctx::system(),
            &aftercart_app::ListFilter {
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .expect("accounts")
        .items;
    let account = accounts
        .iter()
        .find(|a| a.value.name == "Northwind Clinics")
        .expect("northwind");
    let token = t
        .invite(
            "nina@northwind.example",
            "Nina New",
            UserKind::Customer {
                account_id: account.value.id,
                roles: vec![CustomerRole::Viewer],
                scope: LocationScope::All,
            },
        )
        .await;
    let none = Session::default();
    let form = t.get(&format!("/invitations/accept?token={token}"), &none).await.ok();
    assert_eq!(form.text("h1"), "Set your password");
    assert_eq!(form.attrs("input[name=token]", "value"), vec![token.clone()]);

    let p = t
        .post(
            "/invitations/accept",
            &none,
            &[
                ("token", &token),
                ("password", "a long enough passphrase"),
                ("confirm", "something else"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        p.error_summary(),
        vec![("#confirm".to_owned(), "Enter the same password twice".to_owned())]
    );
    assert!(p.field_error("confirm").is_some());
    let p = t
        .post(
            "/invitations/accept",
            &none,
            &[("token", &token), ("password", "short"), ("confirm", "short")],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    let (href, msg) = p.error_summary().pop().expect("an error");
    assert_eq!(href, "#password");
    assert!(msg.contains("12"), "{msg}");

    let good = "rainy harbour lantern 42";
    let p = t
        .post(
            "/invitations/accept",
            &none,
            &[("token", &token), ("password", good), ("confirm", good)],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert_eq!(p.location(), "/sign-in?accepted=1");
    let notice = t.get("/sign-in?accepted=1", &none).await.ok();
    assert!(notice.text(".notice").contains("Your password is set"));
    let p = t
        .post(
            "/sign-in",
            &none,
            &[("email", "nina@northwind.example"), ("password", good)],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(p.location(), "/dashboard");
    // The link works once.
    let p = t
        .post(
            "/invitations/accept",
            &none,
            &[("token", &token), ("password", good), ("confirm", good)],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p.error_summary()[0].0, "#token");
}

/// The form has the API's per-address budget of sign-in attempts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_attempts_from_one_address_are_limited() {
    let t = TestWeb::sqlite_empty().await;
    let peer: std::net::SocketAddr = "10.9.8.7:4000".parse().unwrap_or_else(|e| panic!("{e}"));
    let mut last = None;
    for i in 0..=aftercart_web::limits::SIGN_INS_PER_MINUTE {
        let email = format!("nobody{i}@example.com");
        let body = serde_urlencoded::to_string([("email", email.as_str()), ("password", "guess")]).unwrap_or_default();
        last = Some(t.send_from(Some(peer), Method::POST, "/sign-in", Some(body), &[]).await);
        if i < aftercart_web::limits::SIGN_INS_PER_MINUTE {
            assert_eq!(last.as_ref().map(|p| p.status), Some(StatusCode::UNPROCESSABLE_ENTITY));
        }
    }
    let p = last.expect("a response");
    assert_eq!(p.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(p.error_summary()[0].1.contains("Too many sign-in attempts"));
    // Another address is not affected.
    let other: std::net::SocketAddr = "10.9.8.8:4000".parse().unwrap_or_else(|e| panic!("{e}"));
    let body = serde_urlencoded::to_string([("email", "x@example.com"), ("password", "guess")]).unwrap_or_default();
    let p = t
        .send_from(Some(other), Method::POST, "/sign-in", Some(body), &[])
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
}

both_stores!(
    sign_in_errors_keep_values_and_link_to_fields,
    sign_in_sets_the_api_session_cookie_and_sign_out_needs_the_token,
    invitation_sets_a_password
);
