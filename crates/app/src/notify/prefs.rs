//! Notification preferences: a user's own choices over their company's defaults over the
//! defaults of their roles. Stored as small documents found by a unique number (the user's or
//! the account's id), so a first write by two requests at once cannot make two.

use crate::docs::{Doc, decode, write};
use crate::{App, AppError, Ctx, CustomerRole, Planned, PrincipalKind, Result, User, UserKind};
use aftercart_domain::ids::{AccountId, UserId};
use aftercart_domain::notification::{Channel, Interests, MilestoneKind, Preferences, QuietHours, valid_phone};
use aftercart_domain::{ErrorCode, Rejection};
use aftercart_store::{Commit, WriteMode};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct UserPrefs {
    id: Uuid,
    user_id: UserId,
    account_id: Option<AccountId>,
    prefs: Preferences,
}

impl Doc for UserPrefs {
    const KIND: &'static str = "notify_prefs";
    const WHAT: &'static str = "notification preferences";
    fn doc_id(&self) -> Uuid {
        self.id
    }
    fn account(&self) -> Option<AccountId> {
        self.account_id
    }
    fn number(&self) -> Option<String> {
        Some(self.user_id.0.to_string())
    }
    fn visible_to(&self, p: &crate::Principal) -> bool {
        p.id == self.user_id.0.to_string()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct AccountDefaults {
    id: Uuid,
    account_id: AccountId,
    prefs: Preferences,
}

impl Doc for AccountDefaults {
    const KIND: &'static str = "notify_defaults";
    const WHAT: &'static str = "notification defaults";
    fn doc_id(&self) -> Uuid {
        self.id
    }
    fn account(&self) -> Option<AccountId> {
        Some(self.account_id)
    }
    fn number(&self) -> Option<String> {
        Some(self.account_id.0.to_string())
    }
}

/// A preferences change as asked: only what is given changes.
#[derive(Debug, Clone, Default)]
pub struct PrefsInput {
    /// Milestone → channels (replacing that milestone's channels).
    pub channels: Vec<(MilestoneKind, Vec<Channel>)>,
    pub cadence: Option<aftercart_domain::notification::Cadence>,
    /// `Some(None)` clears quiet hours.
    pub quiet_hours: Option<Option<(u16, u16)>>,
    pub utc_offset_minutes: Option<i16>,
    /// `Some(None)` clears the phone.
    pub phone: Option<Option<String>>,
}

/// A user's preferences as they apply, with what each value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectivePrefs {
    pub prefs: Preferences,
    /// Milestones the user set themselves (the rest follow the company or role defaults).
    pub own: Vec<MilestoneKind>,
}

pub(crate) fn interests(kind: &UserKind) -> Interests {
    match kind {
        UserKind::Customer { roles, .. } => Interests {
            orders: roles
                .iter()
                .any(|r| matches!(r, CustomerRole::Buyer | CustomerRole::AccountAdmin)),
            billing: roles.contains(&CustomerRole::Finance),
            approvals: roles.contains(&CustomerRole::Approver),
        },
        _ => Interests::default(),
    }
}

fn apply_input(p: &mut Preferences, input: &PrefsInput) -> Result<()> {
    for (k, cs) in &input.channels {
        let mut cs = cs.clone();
        cs.sort();
        cs.dedup();
        p.channels.insert(*k, cs);
    }
    if let Some(c) = input.cadence {
        p.cadence = c;
    }
    if let Some(q) = input.quiet_hours {
        p.quiet_hours = match q {
            None => None,
            Some((s, e)) => Some(QuietHours::new(s, e).ok_or_else(|| {
                Rejection::new(
                    ErrorCode::InvalidValue,
                    "quiet_hours",
                    "quiet hours need a start and an end, different, each a time of day",
                )
            })?),
        };
    }
    if let Some(o) = input.utc_offset_minutes {
        if !(-14 * 60..=14 * 60).contains(&o) {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "utc_offset_minutes",
                "must be between -840 and 840 minutes",
            )
            .into());
        }
        p.utc_offset_minutes = o;
    }
    if let Some(ph) = &input.phone {
        if let Some(n) = ph
            && !valid_phone(n)
        {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "phone",
                "must be an international number like +14155550100",
            )
            .into());
        }
        p.phone = ph.clone();
    }
    Ok(())
}

impl App {
    async fn user_prefs_doc(&self, user: UserId) -> Result<Option<crate::Versioned<UserPrefs>>> {
        match self.store.by_number(UserPrefs::KIND, &user.0.to_string()).await? {
            Some(row) => Ok(Some(decode::<UserPrefs>(&row)?)),
            None => Ok(None),
        }
    }

    pub(crate) async fn account_defaults(&self, account: AccountId) -> Result<Option<Preferences>> {
        Ok(
            match self
                .store
                .by_number(AccountDefaults::KIND, &account.0.to_string())
                .await?
            {
                Some(row) => Some(decode::<AccountDefaults>(&row)?.value.prefs),
                None => None,
            },
        )
    }

    /// The preferences that apply to `user`: their own over the company's over their roles'.
    pub(crate) async fn effective_prefs_of(&self, user: &User) -> Result<EffectivePrefs> {
        let mut base = Preferences::defaults(interests(&user.kind));
        if let Some(acct) = user.account_id()
            && let Some(d) = self.account_defaults(acct).await?
        {
            base = d.over(&base);
        }
        let own = self.user_prefs_doc(user.id).await?.map(|v| v.value.prefs);
        Ok(match own {
            Some(o) => EffectivePrefs {
                own: o.channels.keys().copied().collect(),
                prefs: o.over(&base),
            },
            None => EffectivePrefs {
                prefs: Preferences {
                    channels: base.channels,
                    ..Preferences::default()
                },
                own: Vec::new(),
            },
        })
    }

    fn me(ctx: &Ctx) -> Result<UserId> {
        Uuid::parse_str(&ctx.principal.id)
            .map(UserId)
            .map_err(|_| AppError::Forbidden("notification preferences belong to users".into()))
    }

    /// The caller's own preferences.
    pub async fn my_notification_prefs(&self, ctx: &Ctx) -> Result<EffectivePrefs> {
        let me = Self::me(ctx)?;
        let user = self.load::<User>(ctx, me.0).await?.value;
        self.effective_prefs_of(&user).await
    }

    /// Changes the caller's own preferences (what is not given stays).
    pub async fn plan_set_my_prefs(&self, ctx: &Ctx, input: &PrefsInput) -> Result<Planned<EffectivePrefs>> {
        let me = Self::me(ctx)?;
        let user = self.load::<User>(ctx, me.0).await?.value;
        let existing = self.user_prefs_doc(me).await?;
        let (mut doc, mode) = match existing {
            Some(v) => (v.value, WriteMode::Update(v.version)),
            None => (
                UserPrefs {
                    id: Uuid::now_v7(),
                    user_id: me,
                    account_id: user.account_id(),
                    prefs: Preferences::default(),
                },
                WriteMode::Insert,
            ),
        };
        apply_input(&mut doc.prefs, input)?;
        let commit = Commit {
            docs: vec![write(&doc, mode)?],
            ..Default::default()
        };
        // Answer with what will apply once committed.
        let mut base = Preferences::defaults(interests(&user.kind));
        if let Some(acct) = user.account_id()
            && let Some(d) = self.account_defaults(acct).await?
        {
            base = d.over(&base);
        }
        Ok(Planned {
            value: EffectivePrefs {
                own: doc.prefs.channels.keys().copied().collect(),
                prefs: doc.prefs.over(&base),
            },
            commit,
        })
    }

    /// The company defaults an account admin set (role defaults where unset).
    pub async fn account_notification_defaults(&self, ctx: &Ctx, account: AccountId) -> Result<Preferences> {
        self.load::<aftercart_domain::account::Account>(ctx, account.0).await?;
        Ok(self.account_defaults(account).await?.unwrap_or_default())
    }

    /// Sets the company's defaults per milestone (for every role: a milestone set here replaces
    /// the role defaults for users who did not choose themselves).
    pub async fn plan_set_account_defaults(
        &self,
        ctx: &Ctx,
        account: AccountId,
        input: &PrefsInput,
    ) -> Result<Planned<Preferences>> {
        self.load::<aftercart_domain::account::Account>(ctx, account.0).await?;
        if let PrincipalKind::Customer { roles, .. } = &ctx.principal.kind
            && !roles.contains(&CustomerRole::AccountAdmin)
        {
            return Err(AppError::Forbidden(
                "only an account admin sets company defaults".into(),
            ));
        }
        let existing = match self
            .store
            .by_number(AccountDefaults::KIND, &account.0.to_string())
            .await?
        {
            Some(row) => Some(decode::<AccountDefaults>(&row)?),
            None => None,
        };
        let (mut doc, mode) = match existing {
            Some(v) => (v.value, WriteMode::Update(v.version)),
            None => (
                AccountDefaults {
                    id: Uuid::now_v7(),
                    account_id: account,
                    prefs: Preferences::default(),
                },
                WriteMode::Insert,
            ),
        };
        // Company defaults are per milestone only; personal settings stay personal.
        if input.cadence.is_some()
            || input.quiet_hours.is_some()
            || input.phone.is_some()
            || input.utc_offset_minutes.is_some()
        {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "channels",
                "company defaults choose channels per milestone; digests, quiet hours and phone numbers are each user's own",
            )
            .into());
        }
        apply_input(&mut doc.prefs, input)?;
        Ok(Planned {
            value: doc.prefs.clone(),
            commit: Commit {
                docs: vec![write(&doc, mode)?],
                ..Default::default()
            },
        })
    }

    /// What a signed unsubscribe link would turn off, without changing anything (the page asks
    /// first: a link opened by a mail scanner must not unsubscribe anyone); None for a link that
    /// is not ours.
    pub async fn unsubscribe_preview(&self, token: &str) -> Result<Option<(MilestoneKind, Channel)>> {
        let Some(payload) = self.verify_link(crate::notify::LinkPurpose::Unsubscribe, token).await? else {
            return Ok(None);
        };
        let mut parts = payload.split(':');
        let (Some(user), Some(kind), Some(channel)) = (parts.next(), parts.next(), parts.next()) else {
            return Ok(None);
        };
        if Uuid::parse_str(user).is_err() {
            return Ok(None);
        }
        Ok(MilestoneKind::parse(kind).zip(Channel::parse(channel)))
    }

    /// One-click unsubscribe from a signed link: turns that channel of that milestone off for
    /// that user. Answers the milestone's label, or None for a link that is not ours.
    pub async fn unsubscribe(&self, token: &str) -> Result<Option<&'static str>> {
        let Some(payload) = self.verify_link(crate::notify::LinkPurpose::Unsubscribe, token).await? else {
            return Ok(None);
        };
        let mut parts = payload.split(':');
        let (Some(user), Some(kind), Some(channel)) = (parts.next(), parts.next(), parts.next()) else {
            return Ok(None);
        };
        let (Ok(user), Some(kind), Some(channel)) = (
            Uuid::parse_str(user),
            MilestoneKind::parse(kind),
            Channel::parse(channel),
        ) else {
            return Ok(None);
        };
        let Some(row) = self.store.get(user).await? else {
            return Ok(None);
        };
        let u = decode::<User>(&row)?.value;
        let ctx = Ctx::new(u.principal());
        // The preference as it applies now, with this one channel off, saved as the user's own.
        let current = self.effective_prefs_of(&u).await?.prefs;
        let mut cs = current.channels.get(&kind).cloned().unwrap_or_default();
        cs.retain(|c| *c != channel);
        let input = PrefsInput {
            channels: vec![(kind, cs)],
            ..PrefsInput::default()
        };
        self.run(&ctx, || self.plan_set_my_prefs(&ctx, &input)).await?;
        Ok(Some(kind.label()))
    }

    /// The one-click unsubscribe token for one user, milestone and channel.
    pub(crate) async fn unsubscribe_token(
        &self,
        user: UserId,
        kind: MilestoneKind,
        channel: Channel,
    ) -> Result<String> {
        self.sign_link(
            crate::notify::LinkPurpose::Unsubscribe,
            &format!("{}:{}:{}", user.0, kind.as_str(), channel.as_str()),
        )
        .await
    }
}
