//! Users: invitations (and who may see their tokens), activation, edits and deactivation, and
//! the rules that stop anyone granting more than they hold.

use super::{INVITE_TTL, forbidden, invalid, may_act_as, secret, sha256_hex};
use crate::docs::{Doc, Versioned, event, write};
use crate::error::{AppError, Result};
use crate::principal::{CustomerRole, LocationScope, Principal, PrincipalKind, StaffRole};
use crate::{App, Ctx, Planned};
use aftercart_domain::account::{Account, FulfilmentLocation};
use aftercart_domain::error::{ErrorCode, Rejection};
use aftercart_domain::ids::{AccountId, FulfilmentLocationId, UserId};
use aftercart_store::{Commit, KeyWrite, WriteMode};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

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

impl UserKind {
    /// Privileged users — any seller staff, and a customer's account admins — get credentials
    /// (API keys, invitation tokens) only from a seller admin or for themselves.
    pub fn is_privileged(&self) -> bool {
        match self {
            UserKind::Staff { .. } => true,
            UserKind::Customer { roles, .. } => roles.contains(&CustomerRole::AccountAdmin),
            UserKind::Supplier { .. } => false,
        }
    }
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
    pub invite_token_hash: Option<String>,
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub invite_expires_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Sessions of an earlier generation are over (password change, "sign out everywhere").
    #[serde(default)]
    pub session_generation: u32,
    /// An invitation to an email that already belongs to a user the inviter cannot see (another
    /// account's, or a seller's). It is answered like any other invitation, so the response never
    /// reveals that the email exists; it is not indexed by email, so it can never sign in, and it
    /// is recorded for seller staff to resolve (`user.invitation_conflict`).
    #[serde(default)]
    pub email_taken_elsewhere: bool,
    /// The current one-time password-reset token (its hash) and when it stops working.
    #[serde(default)]
    pub reset_token_hash: Option<String>,
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub reset_expires_at: Option<OffsetDateTime>,
    /// When the user last asked for a reset ("forgot password") that nobody has answered yet.
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub reset_requested_at: Option<OffsetDateTime>,
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
            via: None,
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
        (!self.email_taken_elsewhere).then(|| self.email.clone())
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

/// A user just invited (or invited again). `token` is the one-time secret for the invitee: it
/// is `None` when the inviter may not hold it (see [`App::plan_invite_user`]); a seller admin
/// then issues it with [`App::plan_reissue_invitation`].
#[derive(Debug, Clone)]
pub struct Invitation {
    pub user: Versioned<User>,
    pub token: Option<String>,
}

impl App {
    /// Checks that the user kind is well formed and that `ctx` may manage users of this kind
    /// (seller staff: any customer or supplier; seller admins: staff too; a customer's account
    /// admin: only their own account's users).
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
            UserKind::Staff { .. } if !ctx.principal.is_seller_admin() => {
                Err(forbidden("only a seller admin may create or change staff users"))
            }
            UserKind::Supplier { .. } if !ctx.principal.is_seller() => {
                Err(forbidden("only seller staff may create supplier users"))
            }
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
        // A customer grants only within their own scope: a scoped admin cannot invite an
        // all-locations user (nor one at locations outside their own).
        check_scope_grant(ctx, &input.kind)?;
        let now = self.clock.now();
        let mut user = User {
            id: UserId(Uuid::now_v7()),
            email,
            name: input.name.trim().to_owned(),
            kind: input.kind.clone(),
            status: UserStatus::Invited,
            password_hash: None,
            invite_token_hash: None,
            invite_expires_at: None,
            created_at: now,
            session_generation: 0,
            email_taken_elsewhere: false,
            reset_token_hash: None,
            reset_expires_at: None,
            reset_requested_at: None,
        };
        let mut events = Vec::new();
        if let Some(row) = self.store.by_number("user", &user.email).await? {
            let existing = crate::docs::decode::<User>(&row)?.value;
            if existing.visible_to(&ctx.principal) {
                return Err(invalid("email", "a user with this email already exists"));
            }
            // Someone the inviter cannot see has this email: answer as for any invitation, and
            // leave it to seller staff (the event is on the existing user, which only they see).
            user.email_taken_elsewhere = true;
            events.push(event(
                &ctx.principal.actor(),
                now,
                "user.invitation_conflict",
                "user",
                existing.id.0,
                existing.account_id(),
                Some("an invitation named an email that belongs to this user".into()),
                // Staff find the other account through the invited user; this account's
                // users, who may read its timeline, learn nothing of it.
                json!({"invited_user_id": user.id.0}),
            ));
        }
        // The token goes to whoever may act as the new user; for a privileged invitation by
        // anyone but a seller admin it is withheld until a seller admin issues it.
        // With email configured the invitee always gets a link by email (only they read it);
        // the inviter gets the token only if they may act as the new user.
        let shown = may_act_as(ctx, &user);
        let token = (shown || self.notify.email).then(|| secret("inv_"));
        let mut keys = Vec::new();
        if let Some(t) = &token {
            user.invite_token_hash = Some(sha256_hex(t));
            user.invite_expires_at = Some(now + INVITE_TTL);
            keys.push(KeyWrite {
                kind: "invite",
                key: sha256_hex(t),
                doc_id: user.id.0,
            });
        }
        events.push(event(
            &ctx.principal.actor(),
            now,
            "user.invited",
            "user",
            user.id.0,
            user.account_id(),
            None,
            json!({"email": user.email, "name": user.name, "kind": user.kind, "token_issued": token.is_some()}),
        ));
        let jobs = token
            .as_deref()
            .and_then(|t| self.invitation_email(&user, t, &ctx.principal.name))
            .into_iter()
            .collect();
        let commit = Commit {
            docs: vec![write(&user, WriteMode::Insert)?],
            keys,
            events,
            jobs,
            ..Default::default()
        };
        Ok(Planned {
            value: Invitation {
                user: Versioned {
                    value: user,
                    version: 1,
                },
                token: token.filter(|_| shown),
            },
            commit,
        })
    }

    /// Issues a fresh invitation token for an invited user (the previous one stops working):
    /// for an expired invitation, or one whose token was withheld from its inviter.
    pub async fn plan_reissue_invitation(&self, ctx: &Ctx, id: UserId) -> Result<Planned<Invitation>> {
        let Versioned {
            value: mut user,
            version,
        } = self.load::<User>(ctx, id.0).await?;
        if !may_act_as(ctx, &user) {
            return Err(forbidden(
                "only a seller admin may issue the invitation of a privileged user or of one with more rights than you",
            ));
        }
        if user.status != UserStatus::Invited {
            return Err(Rejection::new(ErrorCode::InvalidState, "id", "the user has already accepted").into());
        }
        let now = self.clock.now();
        let token = secret("inv_");
        user.invite_token_hash = Some(sha256_hex(&token));
        user.invite_expires_at = Some(now + INVITE_TTL);
        let jobs = self
            .invitation_email(&user, &token, &ctx.principal.name)
            .into_iter()
            .collect();
        let commit = Commit {
            docs: vec![write(&user, WriteMode::Update(version))?],
            keys: vec![KeyWrite {
                kind: "invite",
                key: sha256_hex(&token),
                doc_id: user.id.0,
            }],
            events: vec![event(
                &ctx.principal.actor(),
                now,
                "user.invitation_issued",
                "user",
                user.id.0,
                user.account_id(),
                None,
                json!({"email": user.email}),
            )],
            jobs,
            ..Default::default()
        };
        Ok(Planned {
            value: Invitation {
                user: Versioned {
                    value: user,
                    version: version + 1,
                },
                token: Some(token),
            },
            commit,
        })
    }

    /// Sets the password of an invited user from the one-time invitation token.
    pub async fn accept_invitation(&self, token: &str, password: &str) -> Result<User> {
        let hash = sha256_hex(token);
        let ids = self.store.by_key("invite", &hash).await?;
        let Some(id) = ids.first() else {
            return Err(AppError::not_found_field("invitation", "token"));
        };
        let ctx = Ctx::system();
        let Versioned {
            value: mut user,
            version,
        } = self.load::<User>(&ctx, *id).await?;
        let now = self.clock.now();
        // A reissued invitation leaves the old key row behind: only the current token counts.
        if user.status != UserStatus::Invited
            || user.invite_token_hash.as_deref() != Some(hash.as_str())
            || user.invite_expires_at.is_none_or(|e| e < now)
        {
            return Err(AppError::not_found_field("invitation", "token"));
        }
        super::check_password(password, &user.email)?;
        user.password_hash = Some(super::passwords::hash_password(password.to_owned()).await?);
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
        match self.store.commit(commit).await {
            Ok(()) => Ok(user),
            // Accepted (or changed) at the same moment by another request: this token is spent.
            Err(aftercart_store::CommitError::Conflict(_)) => Err(AppError::not_found_field("invitation", "token")),
            Err(e) => Err(AppError::Conflict(e.to_string())),
        }
    }

    pub async fn plan_update_user(&self, ctx: &Ctx, id: UserId, patch: &UserPatch) -> Result<Planned<Versioned<User>>> {
        let Versioned {
            value: mut user,
            version,
        } = self.load::<User>(ctx, id.0).await?;
        crate::docs::check_version(ctx, version)?;
        // Permission before validation: never tell someone what is wrong with a change they may
        // not make.
        if matches!(user.kind, UserKind::Staff { .. }) && !ctx.principal.is_seller_admin() {
            return Err(forbidden("only a seller admin may change staff users"));
        }
        let own = ctx.principal.id == user.id.0.to_string();
        if own && (patch.roles.is_some() || patch.scope.is_some() || patch.staff_role.is_some()) {
            return Err(forbidden("you cannot change your own roles or scope"));
        }
        check_manages(ctx, &user)?;
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
        check_scope_grant(ctx, &user.kind)?;
        // What the user may do afterwards must lie within the granter's own rights too.
        if !ctx.principal.covers(&user.principal().kind) {
            return Err(forbidden("you may grant only roles and locations within your own"));
        }
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
        if matches!(user.kind, UserKind::Staff { .. }) && !ctx.principal.is_seller_admin() {
            return Err(forbidden("only a seller admin may change staff users"));
        }
        check_manages(ctx, &user)?;
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
}

/// A customer grants only locations within their own scope.
fn check_scope_grant(ctx: &Ctx, kind: &UserKind) -> Result<()> {
    if let (PrincipalKind::Customer { scope: own, .. }, UserKind::Customer { scope, .. }) = (&ctx.principal.kind, kind)
        && !scope.within(own)
    {
        return Err(Rejection::new(
            ErrorCode::OutOfScope,
            "scope",
            "you may grant only locations within your own scope",
        )
        .into());
    }
    Ok(())
}

/// Only users whose rights lie within the caller's own are changed by it (a seller admin
/// changes anyone): a scoped admin cannot edit or deactivate an all-locations admin, an agent
/// cannot demote a customer's account admin.
fn check_manages(ctx: &Ctx, user: &User) -> Result<()> {
    if ctx.principal.id == user.id.0.to_string() || ctx.principal.covers(&user.principal().kind) {
        Ok(())
    } else {
        Err(forbidden("this user has rights beyond your own; ask a seller admin"))
    }
}
