//! Sign in, sign out, accept an invitation and set a password.

use crate::WebState;
use crate::form::Errors;
use crate::render::{Layout, PageError, PageResult, render};
use crate::session::{MaybeViewer, Viewer, local_path, redirect};
use aftercart_app::{AppError, PrincipalKind};
use aftercart_domain::text::TextKind;
use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;
use std::net::{IpAddr, SocketAddr};

/// The client's address, when the server knows it: the connection's peer, or the proxy's
/// `X-Forwarded-For` entry when the server trusts one (the same rule as the API's).
pub struct Peer(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Peer(aftercart_app::client_address(
            parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok()),
            parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()),
        )))
    }
}

/// Where a signed-in principal starts.
pub fn home_of(v: &Viewer) -> &'static str {
    match v.ctx.principal.kind {
        PrincipalKind::Customer { .. } => "/dashboard",
        PrincipalKind::Staff(_) | PrincipalKind::System => "/console",
        PrincipalKind::Supplier { .. } => "/supplier",
    }
}

/// `/`: the viewer's start page, or sign in.
pub async fn home(MaybeViewer(v): MaybeViewer) -> Response {
    match v {
        Some(v) => redirect(home_of(&v)),
        None => redirect("/sign-in"),
    }
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    l: Layout,
    e: Errors,
    email: String,
    next: String,
    notice: String,
}

#[derive(Deserialize, Default)]
pub struct SignInQuery {
    next: Option<String>,
    accepted: Option<String>,
    reset: Option<String>,
    signed_out: Option<String>,
}

pub async fn sign_in_form(MaybeViewer(v): MaybeViewer, Query(q): Query<SignInQuery>) -> Response {
    if let Some(v) = v {
        return redirect(home_of(&v));
    }
    let notice = if q.accepted.is_some() || q.reset.is_some() {
        "Your password is set. Sign in with your email address and new password."
    } else if q.signed_out.is_some() {
        "You have signed out."
    } else {
        ""
    };
    render(
        StatusCode::OK,
        &SignInPage {
            l: Layout::public("Sign in"),
            e: Errors::default(),
            email: String::new(),
            next: q.next.as_deref().and_then(local_path).unwrap_or("").to_owned(),
            notice: notice.to_owned(),
        },
    )
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// Whether a form post comes from a page of this site: `Sec-Fetch-Site` (when the browser sends
/// it) is `same-origin` or `none`, and `Origin` (when sent) names the host the request is for.
/// With neither header (not a browser) the post is allowed: the session cookie is
/// `SameSite=Strict`, and sign-in needs no session.
///
/// Our pages are served with `Referrer-Policy: no-referrer`, under which browsers send
/// `Origin: null` on their own same-origin form posts; a `null` origin is then trusted only
/// when `Sec-Fetch-Site` (which a page cannot forge) says `same-origin`.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
    let site = h("sec-fetch-site");
    if let Some(site) = site
        && !matches!(site, "same-origin" | "none")
    {
        return false;
    }
    match (h("origin"), h("host")) {
        (None, _) => true,
        (Some("null"), _) => site == Some("same-origin"),
        (Some(origin), Some(host)) => origin
            .split_once("://")
            .is_some_and(|(scheme, rest)| matches!(scheme, "http" | "https") && rest == host),
        (Some(_), None) => false,
    }
}

pub async fn sign_in(
    State(st): State<WebState>,
    MaybeViewer(previous): MaybeViewer,
    headers: HeaderMap,
    Peer(peer): Peer,
    Form(f): Form<SignInForm>,
) -> PageResult {
    if !same_origin(&headers) {
        return Err(PageError::Forbidden(
            "the sign-in form must be sent from this site".into(),
        ));
    }
    let mut e = Errors::default();
    let email = e.text(
        "email",
        "Email address",
        &f.email,
        TextKind::Email,
        Some("Enter your email address"),
    );
    let password = e.text(
        "password",
        "Password",
        &f.password,
        TextKind::Secret,
        Some("Enter your password"),
    );
    let next = local_path(&f.next).unwrap_or("").to_owned();
    let again = |e: Errors, email: String, next: String| {
        Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &SignInPage {
                l: Layout::public("Sign in"),
                e,
                email,
                next,
                notice: String::new(),
            },
        ))
    };
    if !e.is_empty() {
        return again(e, email, next);
    }
    if crate::limits::sign_in_over_limit(&st.app, peer).await? {
        let mut e = Errors::default();
        e.add(
            "email",
            "Too many sign-in attempts from your network; wait a minute and try again",
        );
        return Ok(render(
            StatusCode::TOO_MANY_REQUESTS,
            &SignInPage {
                l: Layout::public("Sign in"),
                e,
                email,
                next,
                notice: String::new(),
            },
        ));
    }
    let address = peer.map(|a| a.to_string());
    let s = match st.app.login(&email, &password, address.as_deref()).await {
        Ok(s) => s,
        // The app's one answer for every refusal (wrong password, unknown email, throttled).
        Err(AppError::Unauthenticated(m)) => {
            let mut e = Errors::default();
            e.add("email", capitalise(&m));
            return again(e, email, next);
        }
        Err(err) => return Err(err.into()),
    };
    // A sign-in always starts a new session: the one the browser had ends.
    if let Some(old) = previous {
        st.app.logout(&old.token).await?;
    }
    let max_age = (s.expires_at - st.app.clock.now()).whole_seconds().max(0);
    let to = if next.is_empty() {
        match s.user.principal().kind {
            PrincipalKind::Customer { .. } => "/dashboard",
            PrincipalKind::Supplier { .. } => "/supplier",
            _ => "/console",
        }
        .to_owned()
    } else {
        next
    };
    let mut r = redirect(&to);
    if let Ok(v) = HeaderValue::from_str(&st.session_cookie(&s.token, max_age)) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(r)
}

pub(crate) fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

pub async fn sign_out(State(st): State<WebState>, v: Viewer) -> PageResult {
    st.app.logout(&v.token).await?;
    let mut r = redirect("/sign-in?signed_out=1");
    if let Ok(c) = HeaderValue::from_str(&st.session_cookie("", 0)) {
        r.headers_mut().insert(header::SET_COOKIE, c);
    }
    Ok(r)
}

#[derive(Template)]
#[template(path = "accept.html")]
struct AcceptPage {
    l: Layout,
    e: Errors,
    token: String,
    min: usize,
}

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

fn accept_page(status: StatusCode, e: Errors, token: String) -> Response {
    render(
        status,
        &AcceptPage {
            l: Layout::public("Set your password"),
            e,
            token,
            min: aftercart_app::MIN_PASSWORD,
        },
    )
}

pub async fn accept_form(Query(q): Query<TokenQuery>) -> Response {
    let mut e = Errors::default();
    if q.token.is_empty() {
        e.add(
            "token",
            "This page needs the link from your invitation; open the link you were sent",
        );
    }
    let status = if e.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    accept_page(status, e, q.token)
}

#[derive(Deserialize)]
pub struct AcceptForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

pub async fn accept(State(st): State<WebState>, headers: HeaderMap, Form(f): Form<AcceptForm>) -> PageResult {
    if !same_origin(&headers) {
        return Err(PageError::Forbidden("the form must be sent from this site".into()));
    }
    let mut e = Errors::default();
    let token = e.text(
        "token",
        "The invitation",
        &f.token,
        TextKind::Secret,
        Some("This invitation link is not valid"),
    );
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
        return Ok(accept_page(StatusCode::UNPROCESSABLE_ENTITY, e, token));
    }
    match st.app.accept_invitation(&token, &password).await {
        Ok(_) => Ok(redirect("/sign-in?accepted=1")),
        Err(AppError::NotFound { .. }) => {
            e.add(
                "token",
                "This invitation link is not valid: it was used already, replaced by a newer one, or it has expired. Ask for a new invitation",
            );
            Ok(accept_page(StatusCode::UNPROCESSABLE_ENTITY, e, token))
        }
        Err(AppError::Rejected(r)) => {
            let field = if r.field == "token" { "token" } else { "password" };
            e.add(field, capitalise(&r.message));
            Ok(accept_page(StatusCode::UNPROCESSABLE_ENTITY, e, token))
        }
        Err(err) => Err(err.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::same_origin;
    use axum::http::{HeaderMap, HeaderValue};

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn a_same_origin_post_under_no_referrer_is_ours_and_a_cross_site_one_is_not() {
        let host = ("host", "shop.example:8080");
        // What Chromium sends for its own form post on a page served with no-referrer.
        assert!(same_origin(&headers(&[
            host,
            ("origin", "null"),
            ("sec-fetch-site", "same-origin")
        ])));
        assert!(same_origin(&headers(&[
            host,
            ("origin", "http://shop.example:8080"),
            ("sec-fetch-site", "same-origin")
        ])));
        assert!(
            same_origin(&headers(&[host])),
            "not a browser: the cookie is SameSite=Strict"
        );
        // A null origin without the fetch metadata (a sandboxed frame, an old browser) is not
        // trusted, nor any cross-site post.
        assert!(!same_origin(&headers(&[host, ("origin", "null")])));
        assert!(!same_origin(&headers(&[
            host,
            ("origin", "null"),
            ("sec-fetch-site", "cross-site")
        ])));
        assert!(!same_origin(&headers(&[host, ("origin", "https://evil.example")])));
        assert!(!same_origin(&headers(&[host, ("sec-fetch-site", "same-site")])));
    }
}
