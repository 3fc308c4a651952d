//! Password resets: a one-time token, recorded as a hash on the user, that sets a new password
//! and ends every session.
//!
//! Until email lands, nobody receives a token by asking for it: "forgot password" records the
//! request (a neutral answer whether or not the email exists, so it reveals nothing), and someone
//! who manages the user — their account admin or seller staff, under the same rules as handing
//! out an invitation — issues the link and passes it on, as invitations are today. When SMTP
//! arrives, the request itself sends the link.

use super::rate::PerMinute;
use super::{User, UserStatus, forbidden, may_act_as, secret, sha256_hex};
use crate::docs::{Versioned, event, write};
use crate::error::{AppError, Result};
use crate::{App, Ctx, Planned};
use aftercart_domain::error::{ErrorCode, Rejection};
use aftercart_domain::ids::UserId;
use aftercart_store::{Commit, CommitError, KeyWrite, WriteMode};
use serde_json::json;
use time::{Duration, OffsetDateTime};

/// How long a reset link works.
pub const RESET_TTL: Duration = Duration::hours(1);
/// A repeated request within this time records nothing new (one pending request is enough).
const REQUEST_QUIET: Duration = Duration::minutes(5);
/// "Forgot password" requests a client address may make per minute.
pub const RESET_REQUESTS_PER_MINUTE: u32 = 5;
pub static RESET_REQUESTS: PerMinute = PerMinute::new("reset_request", RESET_REQUESTS_PER_MINUTE);

/// A reset link just issued: the token is shown once, to the one who issued it.
#[derive(Debug, Clone)]
pub struct PasswordReset {
    pub user: Versioned<User>,
    pub token: String,
    pub expires_at: OffsetDateTime,
}

impl App {
    /// Records that someone asked to reset the password of `email`. Always `Ok` for a
    /// well-formed address, whether or not it belongs to anyone, so the answer reveals nothing.
    pub async fn request_password_reset(&self, email: &str) -> Result<()> {
        let email = email.trim().to_lowercase();
        let Some(row) = self.store.by_number("user", &email).await? else {
            return Ok(());
        };
        let Versioned {
            value: mut user,
            version,
        } = crate::docs::decode::<User>(&row)?;
        let now = self.clock.now();
        if user.status != UserStatus::Active || user.reset_requested_at.is_some_and(|t| now - t < REQUEST_QUIET) {
            return Ok(());
        }
        user.reset_requested_at = Some(now);
        // With email configured the link goes straight to the address on file (only its owner
        // reads it); without, the request waits for an admin to issue a link.
        let mut keys = Vec::new();
        let mut jobs = Vec::new();
        if self.notify.email {
            let token = secret("rst_");
            let hash = sha256_hex(&token);
            user.reset_token_hash = Some(hash.clone());
            user.reset_expires_at = Some(now + RESET_TTL);
            keys.push(KeyWrite {
                kind: "password_reset",
                key: hash,
                doc_id: user.id.0,
            });
            jobs.extend(self.reset_email(&user, &token));
        }
        let commit = Commit {
            docs: vec![write(&user, WriteMode::Update(version))?],
            keys,
            jobs,
            events: vec![event(
                &user.principal().actor(),
                now,
                "user.password_reset_requested",
                "user",
                user.id.0,
                user.account_id(),
                None,
                json!({"email": user.email}),
            )],
            ..Default::default()
        };
        match self.store.commit(commit).await {
            // Another request (or change) won the race: one recorded request is enough.
            Ok(()) | Err(CommitError::Conflict(_)) => Ok(()),
            Err(e) => Err(AppError::Conflict(e.to_string())),
        }
    }

    /// Issues a one-time reset link for an active user (the previous link stops working), to
    /// whoever may hold a credential acting as that user.
    pub async fn plan_issue_password_reset(&self, ctx: &Ctx, id: UserId) -> Result<Planned<PasswordReset>> {
        let Versioned {
            value: mut user,
            version,
        } = self.load::<User>(ctx, id.0).await?;
        if !may_act_as(ctx, &user) {
            return Err(forbidden(
                "only a seller admin may reset the password of a privileged user or of one with more rights than you",
            ));
        }
        if user.status != UserStatus::Active {
            let why = match user.status {
                UserStatus::Invited => "the user has not accepted the invitation yet; send the invitation again",
                _ => "the user is deactivated",
            };
            return Err(Rejection::new(ErrorCode::InvalidState, "id", why).into());
        }
        let now = self.clock.now();
        let token = secret("rst_");
        let hash = sha256_hex(&token);
        let expires_at = now + RESET_TTL;
        user.reset_token_hash = Some(hash.clone());
        user.reset_expires_at = Some(expires_at);
        user.reset_requested_at = None;
        let jobs = self.reset_email(&user, &token).into_iter().collect();
        let commit = Commit {
            docs: vec![write(&user, WriteMode::Update(version))?],
            keys: vec![KeyWrite {
                kind: "password_reset",
                key: hash,
                doc_id: user.id.0,
            }],
            events: vec![event(
                &ctx.principal.actor(),
                now,
                "user.password_reset_issued",
                "user",
                user.id.0,
                user.account_id(),
                None,
                json!({"email": user.email, "expires_at": expires_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()}),
            )],
            jobs,
            ..Default::default()
        };
        Ok(Planned {
            value: PasswordReset {
                user: Versioned {
                    value: user,
                    version: version + 1,
                },
                token,
                expires_at,
            },
            commit,
        })
    }

    /// Whether `token` is a live reset link (the page asks before showing the form).
    pub async fn password_reset_is_live(&self, token: &str) -> Result<bool> {
        Ok(self.reset_user(token).await?.is_some())
    }

    async fn reset_user(&self, token: &str) -> Result<Option<Versioned<User>>> {
        let hash = sha256_hex(token);
        let Some(id) = self.store.by_key("password_reset", &hash).await?.into_iter().next() else {
            return Ok(None);
        };
        let v = self.load::<User>(&Ctx::system(), id).await?;
        let now = self.clock.now();
        // An issued-again link leaves the old key row behind: only the current token counts.
        let live = v.value.status == UserStatus::Active
            && v.value.reset_token_hash.as_deref() == Some(hash.as_str())
            && v.value.reset_expires_at.is_some_and(|e| e > now);
        Ok(live.then_some(v))
    }

    /// Sets a new password from a reset token; the token is spent and every session ends.
    pub async fn reset_password(&self, token: &str, password: &str) -> Result<User> {
        let Some(Versioned {
            value: mut user,
            version,
        }) = self.reset_user(token).await?
        else {
            return Err(AppError::not_found_field("password reset", "token"));
        };
        super::check_password(password, &user.email)?;
        user.password_hash = Some(super::passwords::hash_password(password.to_owned()).await?);
        user.reset_token_hash = None;
        user.reset_expires_at = None;
        user.session_generation += 1;
        let commit = Commit {
            docs: vec![write(&user, WriteMode::Update(version))?],
            events: vec![event(
                &user.principal().actor(),
                self.clock.now(),
                "user.password_reset",
                "user",
                user.id.0,
                user.account_id(),
                None,
                json!({"email": user.email}),
            )],
            ..Default::default()
        };
        match self.store.commit(commit).await {
            Ok(()) => Ok(user),
            // Used (or the user changed) at the same moment: this token is spent.
            Err(CommitError::Conflict(_)) => Err(AppError::not_found_field("password reset", "token")),
            Err(e) => Err(AppError::Conflict(e.to_string())),
        }
    }
}
