//! Portal sessions: sign-in (throttled, every attempt recorded), sign-out, sign-out everywhere
//! and password change.

use super::passwords::{hash_password, verify_password};
use super::throttle::{SignInAttempt, SignInOutcome, WINDOW, subject_key, wait_until};
use super::{User, UserStatus, check_password, secret, sha256_hex};
use crate::docs::{Doc, Versioned, decode, event, write};
use crate::error::{AppError, Result};
use crate::principal::Principal;
use crate::{App, Ctx, Planned};
use aftercart_domain::ids::{AccountId, UserId};
use aftercart_store::{Commit, CommitError, KeyWrite, ListQuery, WriteMode};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

/// The one answer to every failed sign-in, whatever the reason.
pub const SIGN_IN_REFUSED: &str = "email or password is not right";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    pub id: Uuid,
    pub user_id: UserId,
    pub token_hash: String,
    pub csrf_token: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// The user's session generation when it started; bumping the user's ends every session.
    #[serde(default)]
    pub generation: u32,
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

#[derive(Debug, Clone)]
pub struct LoggedIn {
    pub user: User,
    pub token: String,
    pub csrf_token: String,
    pub expires_at: OffsetDateTime,
}

/// An attempt still pending after this long died with its request: a failure, not in flight.
const STALE_PENDING: time::Duration = time::Duration::seconds(30);

fn commit_error(e: CommitError) -> AppError {
    match e {
        CommitError::Store(s) => AppError::Store(s),
        e => AppError::Store(aftercart_store::StoreError::new(e.to_string())),
    }
}

impl App {
    /// Signs a user in with email and password. Unknown emails, wrong passwords, throttled,
    /// invited and deactivated users all get the same answer after the same work (an attempt
    /// recorded, the history read, one argon2 verification, the outcome recorded), so neither
    /// the response nor its timing tells which emails exist.
    pub async fn login(&self, email: &str, password: &str, address: Option<&str>) -> Result<LoggedIn> {
        let refused = || AppError::Unauthenticated(SIGN_IN_REFUSED.into());
        let email = email.trim().to_lowercase();
        let found = match self.store.by_number("user", &email).await? {
            Some(row) => Some(decode::<User>(&row)?.value),
            None => None,
        };
        let now = self.clock.now();
        let subject = subject_key(found.as_ref().map(|u| u.id), &email);
        let mut attempt = SignInAttempt {
            id: Uuid::now_v7(),
            email: email.clone(),
            user_id: found.as_ref().map(|u| u.id),
            account_id: found.as_ref().and_then(User::account_id),
            address: address.map(str::to_owned),
            at: now,
            outcome: SignInOutcome::Pending,
            throttled: false,
        };
        // Recorded before the password is checked, so concurrent attempts count one another.
        self.store
            .commit(Commit {
                docs: vec![write(&attempt, WriteMode::Insert)?],
                keys: vec![KeyWrite {
                    kind: "sign_in_subject",
                    key: subject.clone(),
                    doc_id: attempt.id,
                }],
                ..Default::default()
            })
            .await
            .map_err(commit_error)?;
        let patience = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let (mut wait, mut history) = self.sign_in_wait(&subject, attempt.id, address, now, patience).await?;
        let hash = match &found {
            Some(u) if u.status == UserStatus::Active && wait.is_none() => u.password_hash.clone(),
            _ => None,
        };
        let mut ok = verify_password(password.to_owned(), hash).await;
        if wait.is_none() {
            // Looked at again after the work: an earlier attempt whose record committed only
            // after our first look (its id is older, its commit was slower — another process,
            // a later batch) is counted now, so a burst spread over several servers buys no
            // more guesses than through one. Refused like any throttled attempt, after the
            // same work, whatever the password was.
            let (again, h) = self.sign_in_wait(&subject, attempt.id, address, now, patience).await?;
            if again.is_some() {
                (wait, history, ok) = (again, h, false);
            }
        }
        attempt.outcome = if ok {
            SignInOutcome::Succeeded
        } else {
            SignInOutcome::Failed
        };
        attempt.throttled = wait.is_some();
        let recorded = write(&attempt, WriteMode::Update(1))?;
        let (Some(user), true) = (found, ok) else {
            let mut commit = Commit {
                docs: vec![recorded],
                ..Default::default()
            };
            // The failure that starts a wait is put on the user's timeline.
            if let Some(u) = attempt.user_id
                && wait.is_none()
            {
                history.insert(0, attempt.clone());
                if let Some(until) = wait_until(&history, address, now) {
                    commit.events.push(event(
                        &crate::principal::Actor::System,
                        now,
                        "user.sign_in_throttled",
                        "user",
                        u.0,
                        attempt.account_id,
                        Some("repeated failed sign-ins".into()),
                        json!({"until": until.unix_timestamp()}),
                    ));
                }
            }
            self.store.commit(commit).await.map_err(commit_error)?;
            return Err(refused());
        };
        let token = secret("ses_");
        let session = Session {
            id: Uuid::now_v7(),
            user_id: user.id,
            token_hash: sha256_hex(&token),
            csrf_token: secret(""),
            expires_at: now + super::SESSION_TTL,
            generation: user.session_generation,
        };
        let commit = Commit {
            docs: vec![recorded, write(&session, WriteMode::Insert)?],
            events: vec![event(
                &user.principal().actor(),
                now,
                "user.signed_in",
                "user",
                user.id.0,
                user.account_id(),
                None,
                // Addresses stay in the attempt records (user managers only), not on the timeline.
                json!({}),
            )],
            ..Default::default()
        };
        // Only new documents and one attempt nobody else writes: concurrent sign-ins of the
        // same user never conflict.
        self.store.commit(commit).await.map_err(commit_error)?;
        Ok(LoggedIn {
            user,
            token,
            csrf_token: session.csrf_token,
            expires_at: session.expires_at,
        })
    }

    /// Until when the attempt `own` must wait (`None`: it may go ahead), and the subject's
    /// history it was decided on. Attempts still being checked count against `own` only if
    /// they started earlier, so the earliest go first and the rest wait for their outcome: a
    /// burst buys no more guesses than attempts one at a time would, and concurrent correct
    /// sign-ins (one success ends the count) all go through.
    async fn sign_in_wait(
        &self,
        subject: &str,
        own: Uuid,
        address: Option<&str>,
        now: OffsetDateTime,
        patience: std::time::Instant,
    ) -> Result<(Option<OffsetDateTime>, Vec<SignInAttempt>)> {
        loop {
            let history = self.sign_in_history(subject, own, now).await?;
            let earlier: Vec<SignInAttempt> = history
                .iter()
                .filter(|a| a.outcome != SignInOutcome::Pending || a.id < own)
                .cloned()
                .collect();
            let wait = wait_until(&earlier, address, now);
            let settled: Vec<SignInAttempt> = earlier
                .iter()
                .filter(|a| a.outcome != SignInOutcome::Pending || now - a.at > STALE_PENDING)
                .cloned()
                .collect();
            if wait.is_none() || wait_until(&settled, address, now).is_some() || std::time::Instant::now() > patience {
                return Ok((wait, history));
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// The subject's attempts within the throttling window, newest first, without `own`.
    async fn sign_in_history(&self, subject: &str, own: Uuid, now: OffsetDateTime) -> Result<Vec<SignInAttempt>> {
        let rows = self
            .store
            .list(ListQuery {
                kind: SignInAttempt::KIND,
                key: Some(("sign_in_subject", subject.to_owned())),
                from: Some(now - WINDOW),
                limit: 200,
                ..Default::default()
            })
            .await?;
        let mut history = Vec::with_capacity(rows.len());
        for r in rows.iter().filter(|r| r.id != own) {
            history.push(decode::<SignInAttempt>(r)?.value);
        }
        Ok(history)
    }

    /// The principal and CSRF token of a live session.
    pub async fn authenticate_session(&self, token: &str) -> Result<Option<(Principal, String)>> {
        let Some(row) = self.store.by_number("session", &sha256_hex(token)).await? else {
            return Ok(None);
        };
        let session = decode::<Session>(&row)?.value;
        if session.expires_at <= self.clock.now() {
            return Ok(None);
        }
        let Some(urow) = self.store.get(session.user_id.0).await? else {
            return Ok(None);
        };
        let user = decode::<User>(&urow)?.value;
        let live = user.status == UserStatus::Active && session.generation == user.session_generation;
        Ok(live.then(|| (user.principal(), session.csrf_token)))
    }

    /// Ends a session (sign out).
    pub async fn logout(&self, token: &str) -> Result<()> {
        let Some(row) = self.store.by_number("session", &sha256_hex(token)).await? else {
            return Ok(());
        };
        let Versioned { value: mut s, version } = decode::<Session>(&row)?;
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

    /// The caller's own user (a session or an API key acting as a user).
    async fn own_user(&self, ctx: &Ctx) -> Result<Versioned<User>> {
        let id = Uuid::parse_str(&ctx.principal.id)
            .map_err(|_| AppError::Forbidden("this credential is not a user's".into()))?;
        self.load::<User>(ctx, id).await
    }

    /// Ends every session of the caller ("sign out everywhere"). API keys are not affected.
    pub async fn plan_end_all_sessions(&self, ctx: &Ctx) -> Result<Planned<()>> {
        let Versioned {
            value: mut user,
            version,
        } = self.own_user(ctx).await?;
        user.session_generation += 1;
        let commit = Commit {
            docs: vec![write(&user, WriteMode::Update(version))?],
            events: vec![event(
                &ctx.principal.actor(),
                self.clock.now(),
                "user.sessions_ended",
                "user",
                user.id.0,
                user.account_id(),
                None,
                json!({}),
            )],
            ..Default::default()
        };
        Ok(Planned { value: (), commit })
    }

    /// Changes the caller's password, given the current one; every session ends with it.
    pub async fn plan_change_password(&self, ctx: &Ctx, current: &str, new: &str) -> Result<Planned<()>> {
        let Versioned {
            value: mut user,
            version,
        } = self.own_user(ctx).await?;
        if !verify_password(current.to_owned(), user.password_hash.clone()).await {
            return Err(super::invalid("current_password", "the current password is not right"));
        }
        check_password(new, &user.email).map_err(|e| match e {
            AppError::Rejected(mut r) => {
                r.field = "new_password".into();
                AppError::Rejected(r)
            }
            e => e,
        })?;
        if new == current {
            return Err(super::invalid(
                "new_password",
                "choose a password you have not used here",
            ));
        }
        user.password_hash = Some(hash_password(new.to_owned()).await?);
        user.session_generation += 1;
        let commit = Commit {
            docs: vec![write(&user, WriteMode::Update(version))?],
            events: vec![event(
                &ctx.principal.actor(),
                self.clock.now(),
                "user.password_changed",
                "user",
                user.id.0,
                user.account_id(),
                None,
                json!({}),
            )],
            ..Default::default()
        };
        Ok(Planned { value: (), commit })
    }

    /// Failed sign-ins (newest first) the caller may see: its account's users for an account
    /// admin; everyone's, including unknown emails, for seller staff. `user`: only this user's.
    pub async fn list_sign_in_failures(
        &self,
        ctx: &Ctx,
        f: &crate::ListFilter,
        user: Option<UserId>,
    ) -> Result<crate::Page<Versioned<SignInAttempt>>> {
        if let Some(u) = user {
            // Another account's user id answers as an unknown one.
            self.load_ref::<User>(ctx, u.0, "user_id").await?;
        }
        let mut f = f.clone();
        f.status = Some("failed".into());
        self.list_docs(ctx, &f, user.map(|u| ("sign_in_subject", u.0.to_string())))
            .await
    }
}
