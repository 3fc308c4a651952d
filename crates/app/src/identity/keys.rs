//! API keys: who may create one acting as whom, and what every request through one records.

use super::{User, UserStatus, forbidden, invalid, may_act_as, secret, sha256_hex};
use crate::docs::{Doc, Versioned, event, write};
use crate::error::Result;
use crate::principal::{KeyVia, Principal};
use crate::{App, Ctx, Planned};
use aftercart_domain::error::{ErrorCode, Rejection};
use aftercart_domain::ids::{AccountId, UserId};
use aftercart_store::{Commit, WriteMode};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// Who created a key (recorded on every action taken through it when not its owner).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedBy {
    pub id: String,
    pub name: String,
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
    /// Absent on keys created before creators were recorded.
    #[serde(default)]
    pub created_by: Option<CreatedBy>,
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
    /// A customer's keys: that account's users (user management decides who gets the route).
    /// Keys of seller staff and suppliers: seller admins and their owner only — an agent neither
    /// lists nor revokes an admin's key.
    fn visible_to(&self, p: &Principal) -> bool {
        match self.account_id {
            Some(a) => p.sees_account(a),
            None => p.is_seller_admin() || p.id == self.user_id.0.to_string(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct CreatedKey {
    pub key: ApiKey,
    /// The secret itself: returned once, never stored.
    pub secret: String,
}

impl App {
    /// Creates an API key acting as `user`. Allowed for oneself; for another user only to a
    /// seller admin, or to a principal whose rights cover the user's entirely when the user is
    /// not privileged (not staff, not an account admin).
    pub async fn plan_create_api_key(&self, ctx: &Ctx, user: UserId, name: &str) -> Result<Planned<CreatedKey>> {
        let owner = self.load_ref::<User>(ctx, user.0, "user_id").await?.value;
        if !may_act_as(ctx, &owner) {
            return Err(forbidden(
                "you may create keys only for yourself or for users whose rights are within your own (not staff or account admins)",
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
            created_by: Some(CreatedBy {
                id: ctx.principal.id.clone(),
                name: ctx.principal.name.clone(),
            }),
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
                json!({"key_id": key.id, "name": key.name, "prefix": key.prefix,
                       "created_by": key.created_by}),
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

    /// The principal an API key acts as, or `None` for an unknown, revoked or orphaned key. A
    /// key created by someone else carries its creator ([`Principal::via`]), which every event
    /// recorded through it names beside the owner.
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
        let mut p = user.principal();
        p.via = key.created_by.as_ref().filter(|c| c.id != p.id).map(|c| KeyVia {
            key_id: key.id.to_string(),
            key_name: key.name.clone(),
            created_by_id: c.id.clone(),
            created_by_name: c.name.clone(),
        });
        Ok(Some(p))
    }
}
