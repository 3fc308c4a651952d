//! Forgot password and reset password (public), and issuing a reset link (staff, from the
//! customer page). The answer to "forgot password" is the same whether or not the email belongs
//! to anyone; until email lands, the link itself is issued by whoever manages the user.

use super::auth::{Peer, capitalise, same_origin};
use crate::WebState;
use crate::form::Errors;
use crate::render::{Layout, PageError, PageResult, render};
use crate::session::{MaybeViewer, Viewer, redirect};
use aftercart_app::AppError;
use aftercart_domain::ids::UserId;
use aftercart_domain::text::TextKind;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use uuid::Uuid;

#[derive(Template)]
#[template(path = "forgot_password.html")]
struct ForgotPage {
    l: Layout,
    e: Errors,
    email: String,
    sent: bool,
}

pub async fn forgot_form(MaybeViewer(v): MaybeViewer) -> Response {
    if let Some(v) = v {
        return redirect(super::auth::home_of(&v));
    }
    render(
        StatusCode::OK,
        &ForgotPage {
            l: Layout::public("Reset your password"),
            e: Errors::default(),
            email: String::new(),
            sent: false,
        },
    )
}

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
}

pub async fn forgot(
    State(st): State<WebState>,
    headers: HeaderMap,
    Peer(peer): Peer,
    Form(f): Form<ForgotForm>,
) -> PageResult {
    if !same_origin(&headers) {
        return Err(PageError::Forbidden("the form must be sent from this site".into()));
    }
    let mut e = Errors::default();
    let email = e.text(
        "email",
        "Email address",
        &f.email,
        TextKind::Email,
        Some("Enter your email address"),
    );
    if e.is_empty() && !email.contains('@') {
        e.add("email", "Enter an email address like name@example.com");
    }
    let page = |status, e, email, sent| {
        render(
            status,
            &ForgotPage {
                l: Layout::public("Reset your password"),
                e,
                email,
                sent,
            },
        )
    };
    if !e.is_empty() {
        return Ok(page(StatusCode::UNPROCESSABLE_ENTITY, e, email, false));
    }
    if st.app.hit_limit(&aftercart_app::RESET_REQUESTS, peer).await? {
        e.add(
            "email",
            "Too many reset requests from your network; wait a minute and try again",
        );
        return Ok(page(StatusCode::TOO_MANY_REQUESTS, e, email, false));
    }
    st.app.request_password_reset(&email).await?;
    Ok(page(StatusCode::OK, Errors::default(), email, true))
}

#[derive(Template)]
#[template(path = "reset_password.html")]
struct ResetPage {
    l: Layout,
    e: Errors,
    token: String,
    min: usize,
    live: bool,
}

fn reset_page(status: StatusCode, e: Errors, token: String, live: bool) -> Response {
    render(
        status,
        &ResetPage {
            l: Layout::public("Choose a new password"),
            e,
            token,
            min: aftercart_app::MIN_PASSWORD,
            live,
        },
    )
}

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

const DEAD_LINK: &str = "This reset link does not work: it was used already, replaced by a newer one, or it has expired (links work for an hour). Ask for a new one";

pub async fn reset_form(State(st): State<WebState>, Query(q): Query<TokenQuery>) -> PageResult {
    let token = q.token.trim().to_owned();
    let live = !token.is_empty() && token.len() <= 200 && st.app.password_reset_is_live(&token).await?;
    if live {
        return Ok(reset_page(StatusCode::OK, Errors::default(), token, true));
    }
    let mut e = Errors::default();
    e.add("token", DEAD_LINK);
    Ok(reset_page(StatusCode::NOT_FOUND, e, String::new(), false))
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

pub async fn reset(State(st): State<WebState>, headers: HeaderMap, Form(f): Form<ResetForm>) -> PageResult {
    if !same_origin(&headers) {
        return Err(PageError::Forbidden("the form must be sent from this site".into()));
    }
    let mut e = Errors::default();
    let token = e.text("token", "The reset link", &f.token, TextKind::Secret, Some(DEAD_LINK));
    let password = e.text(
        "password",
        "The password",
        &f.password,
        TextKind::Secret,
        Some("Enter a new password"),
    );
    if e.get("password").is_none() && f.confirm != password {
        e.add("confirm", "Enter the same password twice");
    }
    if !e.is_empty() {
        return Ok(reset_page(StatusCode::UNPROCESSABLE_ENTITY, e, token, true));
    }
    match st.app.reset_password(&token, &password).await {
        Ok(_) => Ok(redirect("/sign-in?reset=1")),
        Err(AppError::NotFound { .. }) => {
            e.add("token", DEAD_LINK);
            Ok(reset_page(StatusCode::UNPROCESSABLE_ENTITY, e, String::new(), false))
        }
        Err(AppError::Rejected(r)) => {
            e.add("password", capitalise(&r.message));
            Ok(reset_page(StatusCode::UNPROCESSABLE_ENTITY, e, token, true))
        }
        Err(err) => Err(err.into()),
    }
}

#[derive(Template)]
#[template(path = "reset_issued.html")]
struct IssuedPage {
    l: Layout,
    name: String,
    email: String,
    link: String,
    expires: String,
    back: String,
}

/// Staff (or an account admin) issue a reset link for a user; it is shown once.
pub async fn issue(State(st): State<WebState>, v: Viewer, Path(id): Path<Uuid>) -> PageResult {
    let r = st
        .app
        .run(&v.ctx, || st.app.plan_issue_password_reset(&v.ctx, UserId(id)))
        .await;
    let r = match r {
        Ok(r) => r,
        Err(AppError::Rejected(rej)) => return Err(PageError::Forbidden(rej.message)),
        Err(e) => return Err(e.into()),
    };
    let back = match r.user.value.account_id() {
        Some(a) if v.ctx.principal.is_seller() => format!("/console/accounts/{}", a.0),
        _ => "/".to_owned(),
    };
    Ok(render(
        StatusCode::OK,
        &IssuedPage {
            l: Layout::for_viewer("Password reset link", &v, ""),
            name: r.user.value.name.clone(),
            email: r.user.value.email.clone(),
            link: format!("/reset-password?token={}", r.token),
            expires: crate::format::time(r.expires_at),
            back,
        },
    ))
}
