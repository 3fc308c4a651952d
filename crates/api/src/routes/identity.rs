//! Users (invite, edit, deactivate), invitations, portal sessions and API keys.

use super::{page, respond, stored};
use crate::ApiState;
use crate::dto::{Code, Email, ListParams, Name, PageDto, Secret, opt, ts};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Caller, Command, JsonBody, PathParam, QueryParams, json_bytes, parse_json};
use aftercart_app::{
    ApiKey, CreatedKey, CustomerRole, Invitation, LocationScope, NewUser, StaffRole, User, UserKind, UserPatch,
    Versioned,
};
use aftercart_domain::ids::{AccountId, FulfilmentLocationId, UserId};
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

fn staff_role(s: &str, field: &str) -> ApiResult<StaffRole> {
    Ok(match s {
        "admin" => StaffRole::Admin,
        "agent" => StaffRole::Agent,
        "finance_ops" => StaffRole::FinanceOps,
        "operations" => StaffRole::Operations,
        o => {
            return Err(ApiError::invalid(
                field,
                format!("'{o}' is not one of admin, agent, finance_ops, operations"),
            ));
        }
    })
}

fn customer_roles(v: &[Code], field: &str) -> ApiResult<Vec<CustomerRole>> {
    v.iter()
        .enumerate()
        .map(|(i, s)| {
            Ok(match s.as_str() {
                "account_admin" => CustomerRole::AccountAdmin,
                "buyer" => CustomerRole::Buyer,
                "approver" => CustomerRole::Approver,
                "finance" => CustomerRole::Finance,
                "viewer" => CustomerRole::Viewer,
                o => {
                    return Err(ApiError::invalid(
                        &format!("{field}[{i}]"),
                        format!("'{o}' is not one of account_admin, buyer, approver, finance, viewer"),
                    ));
                }
            })
        })
        .collect()
}

/// Which locations a customer user works with: every one, or the listed ones.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScopeDto {
    /// `all` or `only`
    pub kind: Code,
    #[serde(default)]
    pub locations: Vec<Uuid>,
}

impl ScopeDto {
    fn parse(&self) -> ApiResult<LocationScope> {
        match self.kind.as_str() {
            "all" if self.locations.is_empty() => Ok(LocationScope::All),
            "all" => Err(ApiError::invalid("scope.locations", "scope 'all' takes no locations")),
            "only" => Ok(LocationScope::Only(
                self.locations.iter().map(|l| (*l).into()).collect(),
            )),
            o => Err(ApiError::invalid(
                "scope.kind",
                format!("'{o}' is not one of all, only"),
            )),
        }
    }
    fn of(s: &LocationScope) -> ScopeDto {
        match s {
            LocationScope::All => ScopeDto {
                kind: "all".into(),
                locations: vec![],
            },
            LocationScope::Only(v) => ScopeDto {
                kind: "only".into(),
                locations: v.iter().map(|l| l.0).collect(),
            },
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserIn {
    pub email: Email,
    pub name: Name,
    /// `customer`, `staff` or `supplier`
    #[serde(rename = "type")]
    pub kind: Code,
    /// Customer users: their account.
    pub account_id: Option<Uuid>,
    /// Customer users: account_admin, buyer, approver, finance, viewer.
    #[serde(default)]
    pub roles: Vec<Code>,
    pub scope: Option<ScopeDto>,
    /// Staff users: admin, agent, finance_ops or operations.
    pub role: Option<Code>,
    /// Supplier users: the dropship supplier's fulfilment location.
    pub fulfilment_location_id: Option<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserOut {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub account_id: Option<Uuid>,
    pub roles: Vec<String>,
    pub scope: Option<ScopeDto>,
    pub role: Option<String>,
    pub fulfilment_location_id: Option<Uuid>,
    /// invited, active or deactivated
    pub status: String,
    pub created_at: String,
    pub version: i64,
}

fn snake<T: std::fmt::Debug>(v: T) -> String {
    let s = format!("{v:?}");
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

pub fn user_out(u: &User, version: i64) -> UserOut {
    let (kind, account_id, roles, scope, role, floc) = match &u.kind {
        UserKind::Staff { role } => ("staff", None, vec![], None, Some(snake(role)), None),
        UserKind::Customer {
            account_id,
            roles,
            scope,
        } => (
            "customer",
            Some(account_id.0),
            roles.iter().map(snake).collect(),
            Some(ScopeDto::of(scope)),
            None,
            None,
        ),
        UserKind::Supplier { fulfilment_location_id } => {
            ("supplier", None, vec![], None, None, Some(fulfilment_location_id.0))
        }
    };
    UserOut {
        id: u.id.0,
        email: u.email.clone(),
        name: u.name.clone(),
        kind: kind.into(),
        account_id,
        roles,
        scope,
        role,
        fulfilment_location_id: floc,
        status: snake(u.status),
        created_at: ts(u.created_at),
        version,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationOut {
    pub user: UserOut,
    /// The one-time token; send it to the user (email delivery arrives with SMTP support). Only
    /// in the response that issues it (never in an idempotent replay), and absent when the
    /// inviter may not hold it: a privileged user (staff, account admin) or one with rights
    /// beyond the inviter's own — a seller admin then issues it with
    /// `POST /api/v1/users/{id}/invitation`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invitation_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invite_link: Option<String>,
    /// `returned` (the token is in this response), `held` (a seller admin must issue it), or
    /// `replayed` (an idempotent replay: the token was shown once and is not stored).
    pub token: String,
}

fn invitation_out(i: &Invitation, secret: bool) -> InvitationOut {
    let token = i.token.as_ref().filter(|_| secret);
    InvitationOut {
        user: user_out(&i.user.value, i.user.version),
        invitation_token: token.cloned(),
        invite_link: token.map(|t| format!("/invitations/accept?token={t}")),
        token: match (&i.token, secret) {
            (None, _) => "held",
            (Some(_), true) => "returned",
            (Some(_), false) => "replayed",
        }
        .into(),
    }
}

#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = UserIn,
    responses((status = 201, body = InvitationOut), (status = 422, body = Problem), (status = 403, body = Problem)))]
pub async fn invite_user(State(st): State<ApiState>, cmd: Command<UserIn>) -> ApiResult<Response> {
    let b = &cmd.body;
    let kind =
        match b.kind.as_str() {
            "customer" => UserKind::Customer {
                account_id: AccountId(
                    b.account_id
                        .ok_or_else(|| ApiError::invalid("account_id", "a customer user belongs to an account"))?,
                ),
                roles: customer_roles(&b.roles, "roles")?,
                scope: b
                    .scope
                    .as_ref()
                    .map(ScopeDto::parse)
                    .transpose()?
                    .unwrap_or(LocationScope::All),
            },
            "staff" => UserKind::Staff {
                role: staff_role(b.role.as_deref().unwrap_or(""), "role")?,
            },
            "supplier" => UserKind::Supplier {
                fulfilment_location_id: FulfilmentLocationId(b.fulfilment_location_id.ok_or_else(|| {
                    ApiError::invalid("fulfilment_location_id", "a supplier user belongs to a supplier")
                })?),
            },
            o => {
                return Err(ApiError::invalid(
                    "type",
                    format!("'{o}' is not one of customer, staff, supplier"),
                ));
            }
        };
    let input = NewUser {
        email: b.email.to_string(),
        name: b.name.to_string(),
        kind,
    };
    let (app, ctx) = (&st.app, &cmd.ctx);
    let inv = app
        .execute(
            ctx,
            || app.plan_invite_user(ctx, &input),
            // The replay never carries the secret: it is shown once, here.
            |i| stored(StatusCode::CREATED, &invitation_out(i, false)),
        )
        .await
        .map_err(|e| match e {
            aftercart_app::AppError::Rejected(r) if r.field == "number" => {
                ApiError::invalid("email", "a user with this email already exists")
            }
            e => e.into(),
        })?;
    Ok(no_store(respond(
        StatusCode::CREATED,
        &invitation_out(&inv, true),
        Some(inv.user.version),
    )))
}

#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(ListParams),
    responses((status = 200, body = PageDto<UserOut>)))]
pub async fn list_users(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    QueryParams(q): QueryParams<ListParams>,
) -> ApiResult<Response> {
    let p = st.app.list_users(&ctx, &q.filter()?).await?;
    Ok(respond(
        StatusCode::OK,
        &page(p, |v: &Versioned<User>| user_out(&v.value, v.version)),
        None,
    ))
}

#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", params(("id" = Uuid, Path)),
    responses((status = 200, body = UserOut), (status = 404, body = Problem)))]
pub async fn get_user(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
) -> ApiResult<Response> {
    let v = st.app.user(&ctx, UserId(id)).await?;
    Ok(respond(StatusCode::OK, &user_out(&v.value, v.version), Some(v.version)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatchIn {
    pub name: Option<Name>,
    pub roles: Option<Vec<Code>>,
    pub scope: Option<ScopeDto>,
    pub role: Option<Code>,
}

#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", request_body = UserPatchIn,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = UserOut), (status = 422, body = Problem)))]
pub async fn update_user(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<UserPatchIn>,
) -> ApiResult<Response> {
    let b = &cmd.body;
    let patch = UserPatch {
        name: opt(&b.name),
        roles: b.roles.as_ref().map(|r| customer_roles(r, "roles")).transpose()?,
        staff_role: b.role.as_deref().map(|r| staff_role(r, "role")).transpose()?,
        scope: b.scope.as_ref().map(ScopeDto::parse).transpose()?,
    };
    if patch.roles.as_ref().is_some_and(Vec::is_empty) {
        return Err(ApiError::invalid("roles", "give the user at least one role"));
    }
    let (app, ctx) = (&st.app, &cmd.ctx);
    let v = app
        .execute(
            ctx,
            || app.plan_update_user(ctx, UserId(id), &patch),
            |v| stored(StatusCode::OK, &user_out(&v.value, v.version)),
        )
        .await?;
    Ok(respond(StatusCode::OK, &user_out(&v.value, v.version), Some(v.version)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

#[utoipa::path(post, path = "/api/v1/users/{id}/deactivate", tag = "users", request_body = Empty,
    params(("id" = Uuid, Path)), responses((status = 200, body = UserOut), (status = 404, body = Problem)))]
pub async fn deactivate_user(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<Empty>,
) -> ApiResult<Response> {
    let (app, ctx) = (&st.app, &cmd.ctx);
    let v = app
        .execute(
            ctx,
            || app.plan_deactivate_user(ctx, UserId(id)),
            |v| stored(StatusCode::OK, &user_out(&v.value, v.version)),
        )
        .await?;
    Ok(respond(StatusCode::OK, &user_out(&v.value, v.version), Some(v.version)))
}

/// Issues a fresh invitation token for an invited user (the previous one stops working): after
/// it expired, or when it was withheld from the inviter (a privileged invitation, or one beyond
/// the inviter's rights: only a seller admin issues those).
#[utoipa::path(post, path = "/api/v1/users/{id}/invitation", tag = "users", request_body = Empty,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = InvitationOut), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn reissue_invitation(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<Empty>,
) -> ApiResult<Response> {
    let (app, ctx) = (&st.app, &cmd.ctx);
    let inv = app
        .execute(
            ctx,
            || app.plan_reissue_invitation(ctx, UserId(id)),
            |i| stored(StatusCode::OK, &invitation_out(i, false)),
        )
        .await?;
    Ok(no_store(respond(
        StatusCode::OK,
        &invitation_out(&inv, true),
        Some(inv.user.version),
    )))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptIn {
    pub token: Secret,
    /// At least 12 characters; not a common word; not your email name.
    pub password: Secret,
}

#[utoipa::path(post, path = "/api/v1/invitations/accept", tag = "users", request_body = AcceptIn, security(()),
    responses((status = 200, body = UserOut), (status = 422, body = Problem)))]
pub async fn accept_invitation(State(st): State<ApiState>, JsonBody(b): JsonBody<AcceptIn>) -> ApiResult<Response> {
    let user = st.app.accept_invitation(&b.token, &b.password).await?;
    Ok(respond(StatusCode::OK, &user_out(&user, 0), None))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginIn {
    pub email: Email,
    pub password: Secret,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionOut {
    pub user: UserOut,
    /// Echo in `X-CSRF-Token` on every state-changing request made with the session cookie.
    pub csrf_token: String,
    pub expires_at: String,
}

/// `Cache-Control: no-store`: responses carrying a secret (session, CSRF token, API key,
/// invitation token) must never be kept by a cache.
fn no_store(mut r: Response) -> Response {
    r.headers_mut()
        .insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    r
}

fn session_token(st: &ApiState, headers: &axum::http::HeaderMap) -> Option<String> {
    crate::extract::cookie(headers, st.session_cookie_name()).map(str::to_owned)
}

/// Signs in. Every failure answers 401 with the same message after the same work (see
/// `aftercart_app::throttle` for the per-address and per-user backoff); each attempt is
/// recorded with the client address. A session cookie already present is ended: a sign-in
/// always starts a new session (no fixation).
#[utoipa::path(post, path = "/api/v1/session", tag = "users", request_body = LoginIn, security(()),
    responses((status = 200, body = SessionOut), (status = 401, body = Problem), (status = 429, body = Problem)))]
pub async fn login(State(st): State<ApiState>, req: Request) -> ApiResult<Response> {
    let ip = crate::limits::client_address(req.headers(), req.extensions());
    if st.app.hit_limit(&crate::limits::SIGN_INS, ip).await? {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many sign-in attempts; wait a minute",
        ));
    }
    let previous = session_token(&st, req.headers());
    let b: LoginIn = parse_json(&json_bytes(req).await?)?;
    let address = ip.map(|a| a.to_string());
    let s = st.app.login(&b.email, &b.password, address.as_deref()).await?;
    if let Some(old) = previous {
        st.app.logout(&old).await?;
    }
    let out = SessionOut {
        user: user_out(&s.user, 0),
        csrf_token: s.csrf_token.clone(),
        expires_at: ts(s.expires_at),
    };
    let mut r = respond(StatusCode::OK, &out, None);
    let max_age = (s.expires_at - st.app.clock.now()).whole_seconds().max(0);
    let cookie = st.session_cookie(&s.token, max_age);
    if let Ok(v) = cookie.parse() {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(no_store(r))
}

#[utoipa::path(delete, path = "/api/v1/session", tag = "users", responses((status = 204)))]
pub async fn logout(
    State(st): State<ApiState>,
    Caller(_ctx): Caller,
    headers: axum::http::HeaderMap,
) -> ApiResult<Response> {
    if let Some(token) = session_token(&st, &headers) {
        st.app.logout(&token).await?;
    }
    let clear = st.session_cookie("", 0);
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, clear)]).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChangeIn {
    pub current_password: Secret,
    /// At least 12 characters; not a common password; not your email name.
    pub new_password: Secret,
}

/// Changes the caller's own password (the current one is required). Every session of the user
/// ends, this one included: sign in again with the new password. API keys keep working.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "users", request_body = PasswordChangeIn,
    responses((status = 204), (status = 422, body = Problem), (status = 403, body = Problem)))]
pub async fn change_password(State(st): State<ApiState>, cmd: Command<PasswordChangeIn>) -> ApiResult<Response> {
    let (app, ctx, b) = (&st.app, &cmd.ctx, &cmd.body);
    app.execute(
        ctx,
        || app.plan_change_password(ctx, &b.current_password, &b.new_password),
        |_| (204, String::new()),
    )
    .await?;
    let clear = st.session_cookie("", 0);
    Ok(no_store(
        (StatusCode::NO_CONTENT, [(header::SET_COOKIE, clear)]).into_response(),
    ))
}

/// Signs the caller out everywhere: every portal session of the user ends (API keys do not).
#[utoipa::path(post, path = "/api/v1/me/sessions/revoke", tag = "users", request_body = Empty,
    responses((status = 204), (status = 403, body = Problem)))]
pub async fn end_all_sessions(State(st): State<ApiState>, cmd: Command<Empty>) -> ApiResult<Response> {
    let (app, ctx) = (&st.app, &cmd.ctx);
    app.execute(ctx, || app.plan_end_all_sessions(ctx), |_| (204, String::new()))
        .await?;
    let clear = st.session_cookie("", 0);
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, clear)]).into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SignInFailureParams {
    /// Only this user's failed sign-ins.
    pub user_id: Option<Uuid>,
    /// Only this customer account's users.
    pub account_id: Option<Uuid>,
    /// From (inclusive), RFC 3339 or a date.
    pub from: Option<Code>,
    /// To (exclusive), RFC 3339 or a date.
    pub to: Option<Code>,
    pub cursor: Option<Code>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SignInFailureOut {
    pub id: Uuid,
    /// The email that was given.
    pub email: String,
    /// The user it names, if any (absent for unknown emails).
    pub user_id: Option<Uuid>,
    pub account_id: Option<Uuid>,
    /// The client address, when known.
    pub address: Option<String>,
    pub at: String,
    /// Refused without checking the password, because the address or user had to wait.
    pub throttled: bool,
}

/// Failed sign-ins, newest first: who (the email given and the user it names), when, from
/// where. An account admin sees their account's users'; seller staff see all, including
/// attempts on unknown emails.
#[utoipa::path(get, path = "/api/v1/sign-in-failures", tag = "users", params(SignInFailureParams),
    responses((status = 200, body = PageDto<SignInFailureOut>)))]
pub async fn sign_in_failures(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    QueryParams(q): QueryParams<SignInFailureParams>,
) -> ApiResult<Response> {
    let f = ListParams {
        account_id: q.account_id,
        from: q.from.clone(),
        to: q.to.clone(),
        cursor: q.cursor.clone(),
        limit: q.limit,
        ..Default::default()
    }
    .filter()?;
    let p = st.app.list_sign_in_failures(&ctx, &f, q.user_id.map(UserId)).await?;
    Ok(respond(
        StatusCode::OK,
        &page(p, |v: &Versioned<aftercart_app::SignInAttempt>| SignInFailureOut {
            id: v.value.id,
            email: v.value.email.clone(),
            user_id: v.value.user_id.map(|u| u.0),
            account_id: v.value.account_id.map(|a| a.0),
            address: v.value.address.clone(),
            at: ts(v.value.at),
            throttled: v.value.throttled,
        }),
        None,
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeOut {
    pub id: String,
    pub name: String,
    /// staff, customer, supplier or system
    #[serde(rename = "type")]
    pub kind: String,
    pub account_id: Option<Uuid>,
}

#[utoipa::path(get, path = "/api/v1/me", tag = "users", responses((status = 200, body = MeOut)))]
pub async fn me(Caller(ctx): Caller) -> ApiResult<Response> {
    let p = &ctx.principal;
    let kind = match p.kind {
        aftercart_app::PrincipalKind::Staff(_) => "staff",
        aftercart_app::PrincipalKind::Customer { .. } => "customer",
        aftercart_app::PrincipalKind::Supplier { .. } => "supplier",
        aftercart_app::PrincipalKind::System => "system",
    };
    let body = MeOut {
        id: p.id.clone(),
        name: p.name.clone(),
        kind: kind.into(),
        account_id: p.own_account().map(|a| a.0),
    };
    Ok(respond(StatusCode::OK, &body, None))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyIn {
    pub name: Name,
    /// The user the key acts as.
    pub user_id: Uuid,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyOut {
    pub id: Uuid,
    pub name: String,
    pub user_id: Uuid,
    pub prefix: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
    /// Who created the key (absent for keys made before creators were recorded). Actions
    /// through a key created by someone else name both on the timeline (`actor.via`).
    pub created_by: Option<CreatedByOut>,
    /// Only in the response that creates the key; it is never shown again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedByOut {
    pub id: String,
    pub name: String,
}

fn key_out(k: &ApiKey, secret: Option<&str>) -> ApiKeyOut {
    ApiKeyOut {
        created_by: k.created_by.as_ref().map(|c| CreatedByOut {
            id: c.id.clone(),
            name: c.name.clone(),
        }),
        id: k.id,
        name: k.name.clone(),
        user_id: k.user_id.0,
        prefix: k.prefix.clone(),
        created_at: ts(k.created_at),
        last_used_at: k.last_used_at.map(ts),
        revoked_at: k.revoked_at.map(ts),
        key: secret.map(str::to_owned),
    }
}

#[utoipa::path(post, path = "/api/v1/api-keys", tag = "users", request_body = ApiKeyIn,
    responses((status = 201, body = ApiKeyOut), (status = 422, body = Problem)))]
pub async fn create_api_key(State(st): State<ApiState>, cmd: Command<ApiKeyIn>) -> ApiResult<Response> {
    let (app, ctx, b) = (&st.app, &cmd.ctx, &cmd.body);
    // The secret is not stored for idempotent replays: a replay shows the key without it.
    let c: CreatedKey = app
        .execute(
            ctx,
            || app.plan_create_api_key(ctx, UserId(b.user_id), &b.name),
            |c| stored(StatusCode::CREATED, &key_out(&c.key, None)),
        )
        .await?;
    Ok(no_store(respond(
        StatusCode::CREATED,
        &key_out(&c.key, Some(&c.secret)),
        None,
    )))
}

#[utoipa::path(get, path = "/api/v1/api-keys", tag = "users", params(ListParams),
    responses((status = 200, body = PageDto<ApiKeyOut>)))]
pub async fn list_api_keys(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    QueryParams(q): QueryParams<ListParams>,
) -> ApiResult<Response> {
    let p = st.app.list_api_keys(&ctx, &q.filter()?).await?;
    Ok(respond(
        StatusCode::OK,
        &page(p, |v: &Versioned<ApiKey>| key_out(&v.value, None)),
        None,
    ))
}

#[utoipa::path(delete, path = "/api/v1/api-keys/{id}", tag = "users", params(("id" = Uuid, Path)),
    responses((status = 200, body = ApiKeyOut), (status = 404, body = Problem)))]
pub async fn revoke_api_key(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
) -> ApiResult<Response> {
    let app = &st.app;
    let k = app.run(&ctx, || app.plan_revoke_api_key(&ctx, id)).await?;
    Ok(respond(StatusCode::OK, &key_out(&k, None), None))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequestIn {
    pub email: Email,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResetRequestOut {
    /// Always `recorded`, whether or not the email belongs to anyone (the answer reveals nothing).
    pub status: String,
}

/// "Forgot password": records the request for the user with this email, if there is one. The
/// answer is the same either way. Until email delivery lands, the link itself is issued by
/// whoever manages the user (`POST /api/v1/users/{id}/password-reset`).
#[utoipa::path(post, path = "/api/v1/password-resets", tag = "users", request_body = ResetRequestIn, security(()),
    responses((status = 202, body = ResetRequestOut), (status = 429, body = Problem)))]
pub async fn request_password_reset(State(st): State<ApiState>, req: Request) -> ApiResult<Response> {
    let ip = crate::limits::client_address(req.headers(), req.extensions());
    if st.app.hit_limit(&aftercart_app::RESET_REQUESTS, ip).await? {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many password reset requests; wait a minute",
        ));
    }
    let b: ResetRequestIn = parse_json(&json_bytes(req).await?)?;
    st.app.request_password_reset(&b.email).await?;
    Ok(respond(
        StatusCode::ACCEPTED,
        &ResetRequestOut {
            status: "recorded".into(),
        },
        None,
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PasswordResetOut {
    pub user: UserOut,
    /// The one-time token; pass it to the user. Only in the response that issues it (an
    /// idempotent replay omits it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reset_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reset_link: Option<String>,
    pub expires_at: String,
}

fn reset_out(r: &aftercart_app::PasswordReset, secret: bool) -> PasswordResetOut {
    PasswordResetOut {
        user: user_out(&r.user.value, r.user.version),
        reset_token: secret.then(|| r.token.clone()),
        reset_link: secret.then(|| format!("/reset-password?token={}", r.token)),
        expires_at: ts(r.expires_at),
    }
}

/// Issues a one-time password-reset link for an active user (the previous one stops working;
/// it works for an hour). The same rules as handing out an invitation: a privileged user's, or
/// one with rights beyond the caller's, only from a seller admin.
#[utoipa::path(post, path = "/api/v1/users/{id}/password-reset", tag = "users", request_body = Empty,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = PasswordResetOut), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn issue_password_reset(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<Empty>,
) -> ApiResult<Response> {
    let (app, ctx) = (&st.app, &cmd.ctx);
    let r = app
        .execute(
            ctx,
            || app.plan_issue_password_reset(ctx, UserId(id)),
            |r| stored(StatusCode::OK, &reset_out(r, false)),
        )
        .await?;
    Ok(no_store(respond(
        StatusCode::OK,
        &reset_out(&r, true),
        Some(r.user.version),
    )))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetIn {
    pub token: Secret,
    /// At least 12 characters; not a common word; not your email name.
    pub password: Secret,
}

/// Sets a new password from a reset token. The token is spent and every session of the user
/// ends; a spent, replaced or expired token is `422 unknown_reference` on `token`.
#[utoipa::path(post, path = "/api/v1/password-resets/complete", tag = "users", request_body = ResetIn, security(()),
    responses((status = 200, body = UserOut), (status = 422, body = Problem)))]
pub async fn complete_password_reset(
    State(st): State<ApiState>,
    JsonBody(b): JsonBody<ResetIn>,
) -> ApiResult<Response> {
    let user = st.app.reset_password(&b.token, &b.password).await?;
    Ok(respond(StatusCode::OK, &user_out(&user, 0), None))
}
