//! Password resets over the API: a neutral "forgot password", a one-time link issued by whoever
//! manages the user, and setting the new password with it (sessions end, the link is spent).

use crate::harness::{TestApp, World};
use serde_json::json;

const PASSWORD: &str = "correct horse battery staple 42";
const NEW_PASSWORD: &str = "a different long passphrase 7";

async fn a_reset_link_sets_a_new_password_once(t: TestApp) {
    let w: World = t.world().await;
    let inv = t
        .post(
            "/api/v1/users",
            json!({"email": "rita@northwind.example", "name": "Rita Reset", "type": "customer",
                   "account_id": w.account, "roles": ["buyer"]}),
        )
        .await
        .ok();
    let id = inv.body["user"]["id"].as_str().expect("id").to_owned();
    let token = inv.body["invitation_token"].as_str().expect("token").to_owned();
    t.post(
        "/api/v1/invitations/accept",
        json!({"token": token, "password": PASSWORD}),
    )
    .await
    .ok();
    let session = t
        .post(
            "/api/v1/session",
            json!({"email": "rita@northwind.example", "password": PASSWORD}),
        )
        .await
        .ok();
    let cookie = session.headers["set-cookie"]
        .to_str()
        .expect("cookie")
        .split(';')
        .next()
        .expect("name=value")
        .to_owned();
    let me = async |t: &TestApp| {
        t.raw(
            axum::http::Request::builder()
                .uri("/api/v1/me")
                .header("cookie", &cookie)
                .body(axum::body::Body::empty())
                .expect("request"),
        )
        .await
        .status
        .as_u16()
    };
    assert_eq!(me(&t).await, 200, "the session works before the reset");

    // "Forgot password": the same answer for a user and for nobody.
    let known = t
        .post("/api/v1/password-resets", json!({"email": "RITA@northwind.example"}))
        .await;
    let unknown = t
        .post("/api/v1/password-resets", json!({"email": "nobody@northwind.example"}))
        .await;
    assert_eq!(known.status.as_u16(), 202);
    assert_eq!(unknown.status.as_u16(), 202);
    assert_eq!(known.body, unknown.body);
    t.post("/api/v1/password-resets", json!({"email": 7}))
        .await
        .refused(422, "invalid_value", "email");

    // The link, issued by staff, is shown once.
    let issued = t
        .post(&format!("/api/v1/users/{id}/password-reset"), json!({}))
        .await
        .ok();
    let reset = issued.body["reset_token"].as_str().expect("token").to_owned();
    assert!(reset.starts_with("rst_"));
    assert_eq!(
        issued.body["reset_link"].as_str(),
        Some(format!("/reset-password?token={reset}").as_str())
    );
    assert_eq!(issued.headers["cache-control"], "no-store");

    // A weak password is refused and nothing changes; a good one is set.
    t.post(
        "/api/v1/password-resets/complete",
        json!({"token": reset, "password": "short"}),
    )
    .await
    .refused(422, "invalid_value", "password");
    t.post(
        "/api/v1/password-resets/complete",
        json!({"token": reset, "password": NEW_PASSWORD}),
    )
    .await
    .ok();
    // Spent.
    t.post(
        "/api/v1/password-resets/complete",
        json!({"token": reset, "password": NEW_PASSWORD}),
    )
    .await
    .refused(422, "unknown_reference", "token");
    // Every session ended; the new password signs in, the old one does not.
    assert_eq!(me(&t).await, 401, "the session ended with the reset");
    t.post(
        "/api/v1/session",
        json!({"email": "rita@northwind.example", "password": NEW_PASSWORD}),
    )
    .await
    .ok();
    let old = t
        .post(
            "/api/v1/session",
            json!({"email": "rita@northwind.example", "password": PASSWORD}),
        )
        .await;
    assert_eq!(old.status.as_u16(), 401);

    // An invited (not yet active) user cannot be reset; an unknown user is 404.
    let invited = t
        .post(
            "/api/v1/users",
            json!({"email": "ivan@northwind.example", "name": "Ivan Invited", "type": "customer",
                   "account_id": w.account, "roles": ["buyer"]}),
        )
        .await
        .ok();
    let invited_id = invited.body["user"]["id"].as_str().expect("id").to_owned();
    t.post(&format!("/api/v1/users/{invited_id}/password-reset"), json!({}))
        .await
        .refused(409, "invalid_state", "id");
    let missing = t
        .post(
            &format!("/api/v1/users/{}/password-reset", uuid::Uuid::now_v7()),
            json!({}),
        )
        .await;
    assert_eq!(missing.status.as_u16(), 404);
}

both_stores!(a_reset_link_sets_a_new_password_once);
