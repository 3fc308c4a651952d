//! Users (invite, edit, deactivate), invitations, portal sessions and API keys.

use super::{page, respond, stored};
use crate::ApiState;
use crate::dto::{ListParams, PageDto, ts};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Caller, Command, PathParam, QueryParams, SESSION_COOKIE, parse_json};
use aftercart_app::{
    ApiKey, CreatedKey, CustomerRole, Invitation, LocationScope, NewUser, StaffRole, User, UserKind, UserPatch,
    Versioned,
};
use aftercart_domain::ids::{AccountId, FulfilmentLocationId, UserId};
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
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

fn customer_roles(v: &[String], field: &str) -> ApiResult<Vec<CustomerRole>> {
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
    pub kind: String,
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
    pub email: String,
    pub name: String,
    /// `customer`, `staff` or `supplier`
    #[serde(rename = "type")]
    pub kind: String,
    /// Customer users: their account.
    pub account_id: Option<Uuid>,
    /// Customer users: account_admin, buyer, approver, finance, viewer.
    #[serde(default)]
    pub roles: Vec<String>,
    pub scope: Option<ScopeDto>,
    /// Staff users: admin, agent, finance_ops or operations.
    pub role: Option<String>,
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
    pub locked_until: Option<String>,
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
        locked_until: u.locked_until.map(ts),
        created_at: ts(u.created_at),
        version,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationOut {
    pub user: UserOut,
    /// The one-time token; send it to the user (email delivery arrives with SMTP support).
    pub invitation_token: String,
    pub invite_link: String,
}

fn invitation_out(i: &Invitation) -> InvitationOut {
    InvitationOut {
        user: user_out(&i.user.value, i.user.version),
        invitation_token: i.token.clone(),
        invite_link: format!("/invitations/accept?token={}", i.token),
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
        email: b.email.clone(),
        name: b.name.clone(),
        kind,
    };
    let (app, ctx) = (&st.app, &cmd.ctx);
    let inv = app
        .execute(
            ctx,
            || app.plan_invite_user(ctx, &input),
            |i| stored(StatusCode::CREATED, &invitation_out(i)),
        )
        .await
        .map_err(|e| match e {
            aftercart_app::AppError::Rejected(r) if r.field == "number" => {
                ApiError::invalid("email", "a user with this email already exists")
            }
            e => e.into(),
        })?;
    Ok(respond(
        StatusCode::CREATED,
        &invitation_out(&inv),
        Some(inv.user.version),
    ))
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
    pub name: Option<String>,
    pub roles: Option<Vec<String>>,
    pub scope: Option<ScopeDto>,
    pub role: Option<String>,
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
        name: b.name.clone(),
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

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptIn {
    pub token: String,
    /// At least 12 characters; not a common word; not your email name.
    pub password: String,
}

#[utoipa::path(post, path = "/api/v1/invitations/accept", tag = "users", request_body = AcceptIn, security(()),
    responses((status = 200, body = UserOut), (status = 422, body = Problem)))]
pub async fn accept_invitation(State(st): State<ApiState>, body: Bytes) -> ApiResult<Response> {
    let b: AcceptIn = parse_json(&body)?;
    let user = st.app.accept_invitation(&b.token, &b.password).await?;
    Ok(respond(StatusCode::OK, &user_out(&user, 0), None))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginIn {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionOut {
    pub user: UserOut,
    /// Echo in `X-CSRF-Token` on every state-changing request made with the session cookie.
    pub csrf_token: String,
    pub expires_at: String,
}

/// Sign-in attempts allowed per client address per minute (on top of per-user lockout).
const LOGINS_PER_MINUTE: u32 = 20;

fn rate_limited(ip: IpAddr) -> bool {
    static SEEN: std::sync::OnceLock<Mutex<HashMap<IpAddr, (std::time::Instant, u32)>>> = std::sync::OnceLock::new();
    let mut seen = SEEN
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let now = std::time::Instant::now();
    if seen.len() > 10_000 {
        seen.retain(|_, (t, _)| now.duration_since(*t).as_secs() < 60);
    }
    let e = seen.entry(ip).or_insert((now, 0));
    if now.duration_since(e.0).as_secs() >= 60 {
        *e = (now, 0);
    }
    e.1 += 1;
    e.1 > LOGINS_PER_MINUTE
}

#[utoipa::path(post, path = "/api/v1/session", tag = "users", request_body = LoginIn, security(()),
    responses((status = 200, body = SessionOut), (status = 401, body = Problem), (status = 429, body = Problem)))]
pub async fn login(State(st): State<ApiState>, req: Request) -> ApiResult<Response> {
    let ip = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    if ip.is_some_and(rate_limited) {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many sign-in attempts; wait a minute",
        ));
    }
    let body = axum::body::to_bytes(req.into_body(), 64 * 1024)
        .await
        .map_err(|_| ApiError::new(StatusCode::BAD_REQUEST, "unreadable_body", "the body could not be read"))?;
    let b: LoginIn = parse_json(&body)?;
    let s = st.app.login(&b.email, &b.password).await?;
    let out = SessionOut {
        user: user_out(&s.user, 0),
        csrf_token: s.csrf_token.clone(),
        expires_at: ts(s.expires_at),
    };
    let mut r = respond(StatusCode::OK, &out, None);
    let max_age = (s.expires_at - st.app.clock.now()).whole_seconds().max(0);
    let cookie = format!(
        "{SESSION_COOKIE}={}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age={max_age}",
        s.token
    );
    if let Ok(v) = cookie.parse() {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(r)
}

#[utoipa::path(delete, path = "/api/v1/session", tag = "users", responses((status = 204)))]
pub async fn logout(
    State(st): State<ApiState>,
    Caller(_ctx): Caller,
    headers: axum::http::HeaderMap,
) -> ApiResult<Response> {
    if let Some(token) = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.to_owned())
    {
        st.app.logout(&token).await?;
    }
    let clear = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0");
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, clear)]).into_response())
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
    pub name: String,
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
    /// Only in the response that creates the key; it is never shown again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

fn key_out(k: &ApiKey, secret: Option<&str>) -> ApiKeyOut {
    ApiKeyOut {
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
    Ok(respond(StatusCode::CREATED, &key_out(&c.key, Some(&c.secret)), None))
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
