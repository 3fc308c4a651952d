//! Users, API keys and portal sessions: who a request acts as.
//!
//! Passwords are argon2id hashes; API keys and session tokens are random 256-bit secrets stored
//! only as SHA-256 hashes (they are high-entropy, so a fast hash is enough and lookups are one
//! indexed read). A key is shown once, at creation. Failed logins lock the user out for a while.

use crate::docs::{Doc, Versioned, event, write};
use crate::error::{AppError, Result};
use crate::principal::{CustomerRole, LocationScope, Principal, PrincipalKind, StaffRole};
use crate::{App, Ctx, Planned};
use aftercart_domain::account::{Account, FulfilmentLocation};
use aftercart_domain::error::{ErrorCode, Rejection};
use aftercart_domain::ids::{AccountId, FulfilmentLocationId, UserId};
use aftercart_store::{Commit, KeyWrite, WriteMode};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// Failed logins in a row before the account is locked, and for how long.
pub const MAX_FAILED_LOGINS: u32 = 5;
pub const LOCKOUT: Duration = Duration::minutes(15);
pub const SESSION_TTL: Duration = Duration::hours(12);
pub const INVITE_TTL: Duration = Duration::days(7);
/// Minimum password length (NIST SP 800-63B recommends length over composition rules).
pub const MIN_PASSWORD: usize = 12;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum UserKind {
    Staff {
        role: StaffRole,
    },
    Customer {
        account_id: AccountId,
        roles: Vec<CustomerRole>,
        scope: LocationScope,
    },
    Supplier {
        fulfilment_location_id: FulfilmentLocationId,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    Invited,
    Active,
    Deactivated,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub kind: UserKind,
    pub status: UserStatus,
    pub password_hash: Option<String>,
    pub failed_logins: u32,
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub locked_until: Option<OffsetDateTime>,
    pub invite_token_hash: Option<String>,
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub invite_expires_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl User {
    pub fn principal(&self) -> Principal {
        let kind = match &self.kind {
            UserKind::Staff { role } => PrincipalKind::Staff(*role),
            UserKind::Customer {
                account_id,
                roles,
                scope,
            } => PrincipalKind::Customer {
                account: *account_id,
                roles: roles.clone(),
                scope: scope.clone(),
            },
            UserKind::Supplier { fulfilment_location_id } => PrincipalKind::Supplier {
                location: *fulfilment_location_id,
            },
        };
        Principal {
            id: self.id.0.to_string(),
            name: self.name.clone(),
            kind,
        }
    }

    pub fn account_id(&self) -> Option<AccountId> {
        match &self.kind {
            UserKind::Customer { account_id, .. } => Some(*account_id),
            _ => None,
        }
    }
}

impl Doc for User {
    const KIND: &'static str = "user";
    const WHAT: &'static str = "user";
    fn doc_id(&self) -> Uuid {
        self.id.0
    }
    fn account(&self) -> Option<AccountId> {
        self.account_id()
    }
    fn number(&self) -> Option<String> {
        Some(self.email.clone())
    }
    fn status(&self) -> Option<String> {
        Some(format!("{:?}", self.status).to_lowercase())
    }
    fn visible_to(&self, p: &Principal) -> bool {
        match self.account_id() {
            Some(a) => p.sees_account(a),
            None => p.is_seller() || p.id == self.id.0.to_string(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApiKey {
    pub id: Uuid,
    pub name: String,
    pub user_id: UserId,
    /// The first characters of the key, to recognise it in a list.
    pub prefix: String,
    pub hash: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub revoked_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub last_used_at: Option<OffsetDateTime>,
    pub account_id: Option<AccountId>,
}

impl Doc for ApiKey {
    const KIND: &'static str = "api_key";
    const WHAT: &'static str = "API key";
    fn doc_id(&self) -> Uuid {
        self.id
    }
    fn account(&self) -> Option<AccountId> {
        self.account_id
    }
    fn number(&self) -> Option<String> {
        Some(self.hash.clone())
    }
    fn visible_to(&self, p: &Principal) -> bool {
        match self.account_id {
            Some(a) => p.sees_account(a),
            None => p.is_seller() || p.id == self.user_id.0.to_string(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    pub id: Uuid,
    pub user_id: UserId,
    pub token_hash: String,
    pub csrf_token: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

impl Doc for Session {
    const KIND: &'static str = "session";
    const WHAT: &'static str = "session";
    fn doc_id(&self) -> Uuid {
        self.id
    }
    fn account(&self) -> Option<AccountId> {
        None
    }
    fn number(&self) -> Option<String> {
        Some(self.token_hash.clone())
    }
    fn visible_to(&self, p: &Principal) -> bool {
        p.id == self.user_id.0.to_string()
    }
}

/// Staff users (and keys acting as them) are managed only by seller admins, so no role can grant
/// itself more than it has.
fn is_staff_admin(ctx: &Ctx) -> bool {
    matches!(
        ctx.principal.kind,
        PrincipalKind::Staff(StaffRole::Admin) | PrincipalKind::System
    )
}

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

fn secret(prefix: &str) -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    format!("{prefix}{}", hex::encode(b))
}

fn invalid(field: &str, msg: impl Into<String>) -> AppError {
    Rejection::new(ErrorCode::InvalidValue, field, msg).into()
}

/// Refuses weak passwords: too short, one repeated character, or containing the email's name.
pub fn check_password(password: &str, email: &str) -> Result<()> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(invalid("password", format!("use at least {MIN_PASSWORD} characters")));
    }
    let first = password.chars().next().unwrap_or(' ');
    if password.chars().all(|c| c == first) {
        return Err(invalid("password", "a password of one repeated character is too weak"));
    }
    let local = email.split('@').next().unwrap_or("").to_lowercase();
    let lower = password.to_lowercase();
    if local.len() >= 3 && lower.contains(&local) {
        return Err(invalid("password", "the password must not contain your email name"));
    }
    const COMMON: [&str; 8] = [
        "password",
        "123456",
        "qwerty",
        "letmein",
        "welcome",
        "aftercart",
        "iloveyou",
        "admin",
    ];
    if COMMON.iter().any(|c| lower.contains(c)) {
        return Err(invalid(
            "password",
            "the password contains a commonly used word or sequence",
        ));
    }
    Ok(())
}

async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        use argon2::password_hash::{PasswordHasher, SaltString};
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        let salt = SaltString::encode_b64(&salt).map_err(|e| AppError::Corrupt(e.to_string()))?;
        argon2::Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::Corrupt(e.to_string()))
    })
    .await
    .map_err(|e| AppError::Corrupt(e.to_string()))?
}

async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        use argon2::password_hash::{PasswordHash, PasswordVerifier};
        PasswordHash::new(&hash).is_ok_and(|h| {
            argon2::Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false)
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub kind: UserKind,
}

#[derive(Debug, Clone, Default)]
pub struct UserPatch {
    pub name: Option<String>,
    pub roles: Option<Vec<CustomerRole>>,
    pub staff_role: Option<StaffRole>,
    pub scope: Option<LocationScope>,
}

/// A user just invited, with the one-time link to send them.
#[derive(Debug, Clone)]
pub struct Invitation {
    pub user: Versioned<User>,
    pub token: String,
}

#[derive(Debug, Clone)]
pub struct CreatedKey {
    pub key: ApiKey,
    /// The secret itself: returned once, never stored.
    pub secret: String,
}

#[derive(Debug, Clone)]
pub struct LoggedIn {
    pub user: User,
    pub token: String,
    pub csrf_token: String,
    pub expires_at: OffsetDateTime,
}

impl App {
    /// Checks that `ctx` may manage users of this kind (seller staff: anyone; a customer's
    /// account admin: only their own account's users, with scopes inside that account).
    async fn check_user_kind(&self, ctx: &Ctx, kind: &UserKind) -> Result<()> {
        match kind {
            UserKind::Customer {
                account_id,
                roles,
                scope,
            } => {
                let account = self.load_ref::<Account>(ctx, account_id.0, "account_id").await?.value;
                if roles.is_empty() {
                    return Err(invalid("roles", "give the user at least one role"));
                }
                if let LocationScope::Only(locs) = scope {
                    if locs.is_empty() {
                        return Err(invalid(
                            "scope.locations",
                            "name at least one location, or use scope 'all'",
                        ));
                    }
                    if let Some(i) = locs.iter().position(|l| account.location(*l).is_none()) {
                        return Err(Rejection::new(
                            ErrorCode::ForeignAccount,
                            format!("scope.locations[{i}]"),
                            "the location does not belong to this account",
                        )
                        .into());
                    }
                }
                Ok(())
            }
            UserKind::Staff { .. } if !is_staff_admin(ctx) => Err(AppError::Forbidden(
                "only a seller admin may create or change staff users".into(),
            )),
            UserKind::Supplier { .. } if !ctx.principal.is_seller() => Err(AppError::Forbidden(
                "only seller staff may create supplier users".into(),
            )),
            UserKind::Supplier { fulfilment_location_id } => self
                .load_ref::<FulfilmentLocation>(ctx, fulfilment_location_id.0, "fulfilment_location_id")
                .await
                .map(|_| ()),
            UserKind::Staff { .. } => Ok(()),
        }
    }

    pub async fn plan_invite_user(&self, ctx: &Ctx, input: &NewUser) -> Result<Planned<Invitation>> {
        let email = input.email.trim().to_lowercase();
        if !email.contains('@') || email.starts_with('@') || email.ends_with('@') || email.contains(char::is_whitespace)
        {
            return Err(invalid("email", format!("'{}' is not an email address", input.email)));
        }
        if input.name.trim().is_empty() {
            return Err(invalid("name", "must not be empty"));
        }
        self.check_user_kind(ctx, &input.kind).await?;
        let now = self.clock.now();
        let token = secret("inv_");
        let user = User {
            id: UserId(Uuid::now_v7()),
            email,
            name: input.name.trim().to_owned(),
            kind: input.kind.clone(),
            status: UserStatus::Invited,
            password_hash: None,
            failed_logins: 0,
            locked_until: None,
            invite_token_hash: Some(sha256_hex(&token)),
            invite_expires_at: Some(now + INVITE_TTL),
            created_at: now,
        };
        let commit = Commit {
            docs: vec![write(&user, WriteMode::Insert)?],
            keys: vec![KeyWrite {
                kind: "invite",
                key: sha256_hex(&token),
                doc_id: user.id.0,
            }],
            events: vec![event(
                &ctx.principal.actor(),
                now,
                "user.invited",
                "user",
                user.id.0,
                user.account_id(),
                None,
                json!({"email": user.email, "name": user.name, "kind": user.kind}),
            )],
            ..Default::default()
        };
        Ok(Planned {
            value: Invitation {
                user: Versioned {
                    value: user,
                    version: 1,
                },
                token,
            },
            commit,
        })
    }

    /// Sets the password of an invited user from the one-time invitation token.
    pub async fn accept_invitation(&self, token: &str, password: &str) -> Result<User> {
        let ids = self.store.by_key("invite", &sha256_hex(token)).await?;
        let Some(id) = ids.first() else {
            return Err(AppError::not_found_field("invitation", "token"));
        };
        let ctx = Ctx::system();
        let Versioned {
            value: mut user,
            version,
        } = self.load::<User>(&ctx, *id).await?;
        let now = self.clock.now();
        if user.status != UserStatus::Invited || user.invite_expires_at.is_none_or(|e| e < now) {
            return Err(AppError::not_found_field("invitation", "token"));
        }
        check_password(password, &user.email)?;
        user.password_hash = Some(hash_password(password.to_owned()).await?);
        user.status = UserStatus::Active;
        user.invite_token_hash = None;
        user.invite_expires_at = None;
        let commit = Commit {
            docs: vec![write(&user, WriteMode::Update(version))?],
            events: vec![event(
                &user.principal().actor(),
                now,
                "user.activated",
                "user",
                user.id.0,
                user.account_id(),
                None,
                json!({"email": user.email}),
            )],
            ..Default::default()
        };
        self.store
            .commit(commit)
            .await
            .map_err(|e| AppError::Conflict(e.to_string()))?;
        Ok(user)
    }

    pub async fn plan_update_user(&self, ctx: &Ctx, id: UserId, patch: &UserPatch) -> Result<Planned<Versioned<User>>> {
        let Versioned {
            value: mut user,
            version,
        } = self.load::<User>(ctx, id.0).await?;
        crate::docs::check_version(ctx, version)?;
        // Permission before validation: never tell someone what is wrong with a change they may
        // not make.
        if matches!(user.kind, UserKind::Staff { .. }) && !is_staff_admin(ctx) {
            return Err(AppError::Forbidden("only a seller admin may change staff users".into()));
        }
        if let Some(n) = &patch.name {
            if n.trim().is_empty() {
                return Err(invalid("name", "must not be empty"));
            }
            user.name = n.trim().to_owned();
        }
        match &mut user.kind {
            UserKind::Customer { roles, scope, .. } => {
                if patch.staff_role.is_some() {
                    return Err(invalid("staff_role", "a customer user has customer roles"));
                }
                if let Some(r) = &patch.roles {
                    *roles = r.clone();
                }
                if let Some(s) = &patch.scope {
                    *scope = s.clone();
                }
            }
            UserKind::Staff { role } => {
                if patch.roles.is_some() || patch.scope.is_some() {
                    return Err(invalid("roles", "a staff user has one staff role"));
                }
                if !is_staff_admin(ctx) {
                    return Err(AppError::Forbidden("only a seller admin may change staff users".into()));
                }
                if let Some(r) = patch.staff_role {
                    *role = r;
                }
            }
            UserKind::Supplier { .. } => {
                if patch.roles.is_some() || patch.scope.is_some() || patch.staff_role.is_some() {
                    return Err(invalid("roles", "supplier users have no roles to change"));
                }
            }
        }
        self.check_user_kind(ctx, &user.kind).await?;
        let commit = Commit {
            docs: vec![write(&user, WriteMode::Update(version))?],
            events: vec![event(
                &ctx.principal.actor(),
                self.clock.now(),
                "user.updated",
                "user",
                user.id.0,
                user.account_id(),
                None,
                json!({"kind": user.kind, "name": user.name}),
            )],
            ..Default::default()
        };
        Ok(Planned {
            value: Versioned {
                value: user,
                version: version + 1,
            },
            commit,
        })
    }

    pub async fn plan_deactivate_user(&self, ctx: &Ctx, id: UserId) -> Result<Planned<Versioned<User>>> {
        let Versioned {
            value: mut user,
            version,
        } = self.load::<User>(ctx, id.0).await?;
        crate::docs::check_version(ctx, version)?;
        if ctx.principal.id == user.id.0.to_string() {
            return Err(Rejection::new(ErrorCode::InvalidState, "id", "you cannot deactivate yourself").into());
        }
        if matches!(user.kind, UserKind::Staff { .. }) && !is_staff_admin(ctx) {
            return Err(AppError::Forbidden("only a seller admin may change staff users".into()));
        }
        user.status = UserStatus::Deactivated;
        user.invite_token_hash = None;
        let commit = Commit {
            docs: vec![write(&user, WriteMode::Update(version))?],
            events: vec![event(
                &ctx.principal.actor(),
                self.clock.now(),
                "user.deactivated",
                "user",
                user.id.0,
                user.account_id(),
                None,
                json!({"email": user.email}),
            )],
            ..Default::default()
        };
        Ok(Planned {
            value: Versioned {
                value: user,
                version: version + 1,
            },
            commit,
        })
    }

    pub async fn user(&self, ctx: &Ctx, id: UserId) -> Result<Versioned<User>> {
        self.load(ctx, id.0).await
    }

    pub async fn list_users(&self, ctx: &Ctx, f: &crate::ListFilter) -> Result<crate::Page<Versioned<User>>> {
        self.list_docs(ctx, f, None).await
    }

    /// Creates an API key acting as `user` (default: the caller's own user).
    pub async fn plan_create_api_key(&self, ctx: &Ctx, user: UserId, name: &str) -> Result<Planned<CreatedKey>> {
        let owner = self.load_ref::<User>(ctx, user.0, "user_id").await?.value;
        if matches!(owner.kind, UserKind::Staff { .. }) && !is_staff_admin(ctx) {
            return Err(AppError::Forbidden(
                "only a seller admin may create keys for staff users".into(),
            ));
        }
        if owner.status == UserStatus::Deactivated {
            return Err(Rejection::new(ErrorCode::InvalidState, "user_id", "the user is deactivated").into());
        }
        if name.trim().is_empty() {
            return Err(invalid("name", "name the key after what uses it"));
        }
        let secret = secret("ak_");
        let key = ApiKey {
            id: Uuid::now_v7(),
            name: name.trim().to_owned(),
            user_id: owner.id,
            prefix: secret[..10].to_owned(),
            hash: sha256_hex(&secret),
            created_at: self.clock.now(),
            revoked_at: None,
            last_used_at: None,
            account_id: owner.account_id(),
        };
        let commit = Commit {
            docs: vec![write(&key, WriteMode::Insert)?],
            events: vec![event(
                &ctx.principal.actor(),
                key.created_at,
                "api_key.created",
                "user",
                owner.id.0,
                owner.account_id(),
                None,
                json!({"key_id": key.id, "name": key.name, "prefix": key.prefix}),
            )],
            ..Default::default()
        };
        Ok(Planned {
            value: CreatedKey { key, secret },
            commit,
        })
    }

    pub async fn plan_revoke_api_key(&self, ctx: &Ctx, id: Uuid) -> Result<Planned<ApiKey>> {
        let Versioned {
            value: mut key,
            version,
        } = self.load::<ApiKey>(ctx, id).await?;
        if key.revoked_at.is_none() {
            key.revoked_at = Some(self.clock.now());
        }
        let commit = Commit {
            docs: vec![write(&key, WriteMode::Update(version))?],
            events: vec![event(
                &ctx.principal.actor(),
                self.clock.now(),
                "api_key.revoked",
                "user",
                key.user_id.0,
                key.account_id,
                None,
                json!({"key_id": key.id, "name": key.name}),
            )],
            ..Default::default()
        };
        Ok(Planned { value: key, commit })
    }

    pub async fn list_api_keys(&self, ctx: &Ctx, f: &crate::ListFilter) -> Result<crate::Page<Versioned<ApiKey>>> {
        self.list_docs(ctx, f, None).await
    }

    /// The principal an API key acts as, or `None` for an unknown, revoked or orphaned key.
    pub async fn authenticate_key(&self, secret: &str) -> Result<Option<Principal>> {
        let Some(row) = self.store.by_number("api_key", &sha256_hex(secret)).await? else {
            return Ok(None);
        };
        let Versioned {
            value: mut key,
            version,
        } = crate::docs::decode::<ApiKey>(&row)?;
        if key.revoked_at.is_some() {
            return Ok(None);
        }
        let Some(urow) = self.store.get(key.user_id.0).await? else {
            return Ok(None);
        };
        let user = crate::docs::decode::<User>(&urow)?.value;
        if user.status != UserStatus::Active {
            return Ok(None);
        }
        let now = self.clock.now();
        // Record use at most once a minute: a write per request would halve throughput.
        if key.last_used_at.is_none_or(|t| now - t > Duration::minutes(1)) {
            key.last_used_at = Some(now);
            let commit = Commit {
                docs: vec![write(&key, WriteMode::Update(version))?],
                ..Default::default()
            };
            // Losing this race to a concurrent request is fine: either wrote a fresh time.
            let _ = self.store.commit(commit).await;
        }
        Ok(Some(user.principal()))
    }

    /// Signs a user in with email and password. Unknown emails, wrong passwords and locked or
    /// inactive users all fail the same way, so the response never reveals which emails exist.
    pub async fn login(&self, email: &str, password: &str) -> Result<LoggedIn> {
        let refused = || AppError::Unauthenticated("email or password is not right".into());
        let email = email.trim().to_lowercase();
        let Some(row) = self.store.by_number("user", &email).await? else {
            // Spend the same time as a real check, so timing does not reveal unknown emails.
            let _ = verify_password(
                password.to_owned(),
                "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$T5SvpvCUmRkZ5Gyy0Y0NZCTqJjSqxD5fhhZbkYLlY1k".into(),
            )
            .await;
            return Err(refused());
        };
        let Versioned {
            value: mut user,
            version,
        } = crate::docs::decode::<User>(&row)?;
        let now = self.clock.now();
        if user.locked_until.is_some_and(|t| t > now) {
            return Err(AppError::Unauthenticated(format!(
                "too many failed sign-ins; try again after {}",
                user.locked_until
                    .map(|t| t
                        .format(&time::format_description::well_known::Rfc3339)
                        .unwrap_or_default())
                    .unwrap_or_default()
            )));
        }
        let ok = match (&user.password_hash, user.status) {
            (Some(h), UserStatus::Active) => verify_password(password.to_owned(), h.clone()).await,
            _ => false,
        };
        if !ok {
            user.failed_logins += 1;
            let locked = user.failed_logins >= MAX_FAILED_LOGINS;
            if locked {
                user.locked_until = Some(now + LOCKOUT);
                user.failed_logins = 0;
            }
            let mut commit = Commit {
                docs: vec![write(&user, WriteMode::Update(version))?],
                ..Default::default()
            };
            if locked {
                commit.events.push(event(
                    &crate::principal::Actor::System,
                    now,
                    "user.locked_out",
                    "user",
                    user.id.0,
                    user.account_id(),
                    Some(format!("{MAX_FAILED_LOGINS} failed sign-ins")),
                    json!({"until": (now + LOCKOUT).unix_timestamp()}),
                ));
            }
            let _ = self.store.commit(commit).await;
            return Err(refused());
        }
        user.failed_logins = 0;
        user.locked_until = None;
        let token = secret("ses_");
        let session = Session {
            id: Uuid::now_v7(),
            user_id: user.id,
            token_hash: sha256_hex(&token),
            csrf_token: secret(""),
            expires_at: now + SESSION_TTL,
        };
        let commit = Commit {
            docs: vec![
                write(&user, WriteMode::Update(version))?,
                write(&session, WriteMode::Insert)?,
            ],
            events: vec![event(
                &user.principal().actor(),
                now,
                "user.signed_in",
                "user",
                user.id.0,
                user.account_id(),
                None,
                json!({}),
            )],
            ..Default::default()
        };
        self.store
            .commit(commit)
            .await
            .map_err(|e| AppError::Conflict(e.to_string()))?;
        Ok(LoggedIn {
            user,
            token,
            csrf_token: session.csrf_token,
            expires_at: session.expires_at,
        })
    }

    /// The principal and CSRF token of a live session.
    pub async fn authenticate_session(&self, token: &str) -> Result<Option<(Principal, String)>> {
        let Some(row) = self.store.by_number("session", &sha256_hex(token)).await? else {
            return Ok(None);
        };
        let session = crate::docs::decode::<Session>(&row)?.value;
        if session.expires_at <= self.clock.now() {
            return Ok(None);
        }
        let Some(urow) = self.store.get(session.user_id.0).await? else {
            return Ok(None);
        };
        let user = crate::docs::decode::<User>(&urow)?.value;
        Ok((user.status == UserStatus::Active).then(|| (user.principal(), session.csrf_token)))
    }

    /// Ends a session (sign out).
    pub async fn logout(&self, token: &str) -> Result<()> {
        let Some(row) = self.store.by_number("session", &sha256_hex(token)).await? else {
            return Ok(());
        };
        let Versioned { value: mut s, version } = crate::docs::decode::<Session>(&row)?;
        s.expires_at = self.clock.now();
        let _ = self
            .store
            .commit(Commit {
                docs: vec![write(&s, WriteMode::Update(version))?],
                ..Default::default()
            })
            .await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_passwords_are_refused() {
        assert!(check_password("short", "ana@x.com").is_err());
        assert!(check_password("aaaaaaaaaaaaaaaa", "ana@x.com").is_err());
        assert!(check_password("ana.ruiz-is-great-2026", "ana.ruiz@x.com").is_err());
        assert!(check_password("MyPassword2026!!", "bob@x.com").is_err());
        assert!(check_password("correct horse battery staple", "bob@x.com").is_ok());
    }
}
