//! Users, API keys and portal sessions: who a request acts as, and who may hand out which
//! credential.
//!
//! Passwords are argon2id hashes; API keys, session and invitation tokens are random 256-bit
//! secrets stored only as SHA-256 hashes (they are high-entropy, so a fast hash is enough and
//! lookups are one indexed read). A secret is shown once, at creation, and never stored in an
//! idempotency record.
//!
//! The rules that keep credentials from widening anyone's rights:
//! - a credential acting as another user (an API key, an invitation token) is handed out only to
//!   a seller admin, or to a principal whose own rights cover that user's entirely
//!   ([`Principal::covers`]) when that user is not privileged ([`UserKind::is_privileged`]);
//! - nobody changes their own roles or scope, and a role or scope is granted only within the
//!   granter's own;
//! - failed sign-ins are recorded one document each (so none is ever lost to a race) and
//!   throttle further attempts per address and per user with backoff (see [`throttle`]).

pub mod cookie;
mod keys;
pub(crate) mod passwords;
pub mod rate;
mod resets;
mod sessions;
pub mod throttle;
mod users;

pub use cookie::{DEV_SESSION_COOKIE, SESSION_COOKIE, SessionCookie, same_secret};
pub use keys::*;
pub use passwords::{MIN_PASSWORD, check_password};
pub use rate::{
    KEY_FAILURES, KEY_FAILURES_PER_MINUTE, PerMinute, SIGN_INS, SIGN_INS_PER_MINUTE, client_address,
    set_trust_forwarded_for,
};
pub use resets::{PasswordReset, RESET_REQUESTS, RESET_REQUESTS_PER_MINUTE, RESET_TTL};
pub use sessions::*;
pub use throttle::{SignInAttempt, SignInOutcome};
pub use users::*;

use crate::Ctx;
use crate::error::AppError;
use crate::principal::Principal;
use aftercart_domain::error::{ErrorCode, Rejection};
use rand::RngCore;
use sha2::{Digest, Sha256};
use time::Duration;

pub const SESSION_TTL: Duration = Duration::hours(12);
pub const INVITE_TTL: Duration = Duration::days(7);

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

pub(crate) fn secret(prefix: &str) -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    format!("{prefix}{}", hex::encode(b))
}

pub(crate) fn invalid(field: &str, msg: impl Into<String>) -> AppError {
    Rejection::new(ErrorCode::InvalidValue, field, msg).into()
}

/// Whether `ctx` may hold a credential acting as `user` (an API key for it, its invitation
/// token): itself; a seller admin; or anyone whose rights cover the user's when the user is not
/// privileged.
pub(crate) fn may_act_as(ctx: &Ctx, user: &User) -> bool {
    let p: &Principal = &ctx.principal;
    p.id == user.id.0.to_string()
        || p.is_seller_admin()
        || (!user.kind.is_privileged() && p.covers(&user.principal().kind))
}

pub(crate) fn forbidden(msg: &str) -> AppError {
    AppError::Forbidden(msg.to_owned())
}
