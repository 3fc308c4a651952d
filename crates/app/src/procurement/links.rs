//! Procurement links: which buying organisation's system may open punchout sessions and send
//! orders into which account, and with what credentials.
//!
//! The shared secret is hashed like a password (argon2id) and never shown again; a check costs
//! the same whether the identity is unknown, the link inactive or the secret wrong, and the
//! refusal never says which of them it was.

use crate::docs::{Doc, decode, event, write};
use crate::error::{AppError, Result};
use crate::identity::passwords::{hash_password, verify_password};
use crate::principal::{CustomerRole, LocationScope, Principal, PrincipalKind};
use crate::{App, Ctx, Planned, Versioned};
use aftercart_domain::account::Account;
use aftercart_domain::ids::{AccountId, LocationId};
use aftercart_domain::procurement::{
    CartEncoding, CxmlIdentity, ProcurementLink, ProcurementLinkId, Protocol, X12Identity, check_secret,
};
use aftercart_domain::{ErrorCode, Rejection};
use aftercart_store::{Commit, KeyWrite, WriteMode};
use serde_json::json;
use uuid::Uuid;

impl Doc for ProcurementLink {
    const KIND: &'static str = ProcurementLink::KIND;
    const WHAT: &'static str = "procurement link";
    fn doc_id(&self) -> Uuid {
        self.id.0
    }
    fn account(&self) -> Option<AccountId> {
        Some(self.account_id)
    }
    fn status(&self) -> Option<String> {
        Some(if self.active { "active" } else { "inactive" }.into())
    }
}

const KEY_CXML: &str = "procurement_cxml";
const KEY_OCI: &str = "procurement_oci";
const KEY_X12: &str = "procurement_x12";

fn oci_key(user: &str) -> String {
    user.trim().to_lowercase()
}

#[derive(Debug, Clone, Default)]
pub struct LinkInput {
    pub name: Option<String>,
    pub cxml: Option<CxmlIdentity>,
    pub oci_username: Option<String>,
    pub x12: Option<X12Identity>,
    pub shared_secret: Option<String>,
    pub order_response_url: Option<Option<String>>,
    pub response_secret: Option<Option<String>>,
    pub default_ship_to: Option<Option<LocationId>>,
    pub cart_encoding: Option<CartEncoding>,
    pub active: Option<bool>,
}

/// The principal a punchout buyer acts as: a buyer of the link's account, nothing more. Orders,
/// prices and sessions are then seen through the account's own isolation rules.
pub(crate) fn punchout_principal(link: &ProcurementLink) -> Principal {
    Principal {
        id: format!("procurement:{}", link.id),
        name: format!("{} (procurement)", link.name),
        kind: PrincipalKind::Customer {
            account: link.account_id,
            roles: vec![CustomerRole::Buyer],
            scope: LocationScope::All,
        },
        via: None,
    }
}

impl App {
    fn require_seller_admin(ctx: &Ctx) -> Result<()> {
        if ctx.principal.is_seller_admin() {
            Ok(())
        } else {
            Err(AppError::Forbidden("seller admins connect procurement systems".into()))
        }
    }

    /// Refuses an identity or OCI user name another link already uses.
    async fn check_credentials_free(&self, link: &ProcurementLink) -> Result<()> {
        if let Some(c) = &link.cxml
            && self
                .store
                .by_key(KEY_CXML, &c.key())
                .await?
                .iter()
                .any(|id| *id != link.id.0)
        {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "cxml_identity",
                "another procurement link already uses this identity",
            )
            .into());
        }
        if let Some(u) = &link.oci_username
            && self
                .store
                .by_key(KEY_OCI, &oci_key(u))
                .await?
                .iter()
                .any(|id| *id != link.id.0)
        {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "oci_username",
                "another procurement link already uses this user name",
            )
            .into());
        }
        if let Some(x) = &link.x12
            && self
                .store
                .by_key(KEY_X12, &x.key())
                .await?
                .iter()
                .any(|id| *id != link.id.0)
        {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "x12_id",
                "another procurement link already uses this X12 sender id",
            )
            .into());
        }
        Ok(())
    }

    fn link_commit(
        ctx: &Ctx,
        link: &ProcurementLink,
        mode: WriteMode,
        kind: &str,
        now: time::OffsetDateTime,
    ) -> Result<Commit> {
        let mut keys = Vec::new();
        if let Some(c) = &link.cxml {
            keys.push(KeyWrite {
                kind: KEY_CXML,
                key: c.key(),
                doc_id: link.id.0,
            });
        }
        if let Some(u) = &link.oci_username {
            keys.push(KeyWrite {
                kind: KEY_OCI,
                key: oci_key(u),
                doc_id: link.id.0,
            });
        }
        if let Some(x) = &link.x12 {
            keys.push(KeyWrite {
                kind: KEY_X12,
                key: x.key(),
                doc_id: link.id.0,
            });
        }
        Ok(Commit {
            docs: vec![write(link, mode)?],
            keys,
            events: vec![event(
                &ctx.principal.actor(),
                now,
                kind,
                ProcurementLink::KIND,
                link.id.0,
                Some(link.account_id),
                None,
                json!({"name": link.name, "active": link.active,
                       "cxml_identity": link.cxml.as_ref().map(|c| &c.identity),
                       "oci_username": link.oci_username,
                       "x12_id": link.x12.as_ref().map(|x| &x.id)}),
            )],
            ..Default::default()
        })
    }

    pub async fn plan_create_procurement_link(
        &self,
        ctx: &Ctx,
        account: AccountId,
        input: &LinkInput,
    ) -> Result<Planned<Versioned<ProcurementLink>>> {
        Self::require_seller_admin(ctx)?;
        let acc = self.load::<Account>(ctx, account.0).await?.value;
        let secret = input
            .shared_secret
            .as_deref()
            .ok_or_else(|| Rejection::new(ErrorCode::InvalidValue, "shared_secret", "required"))?;
        check_secret(secret)?;
        let now = self.clock.now();
        let link = ProcurementLink {
            id: ProcurementLinkId(Uuid::now_v7()),
            account_id: account,
            name: input
                .name
                .clone()
                .unwrap_or_else(|| format!("{} procurement", acc.name)),
            cxml: input.cxml.clone(),
            oci_username: input.oci_username.clone(),
            x12: input.x12.clone(),
            secret_hash: String::new(),
            order_response_url: input.order_response_url.clone().flatten(),
            response_secret: input.response_secret.clone().flatten(),
            default_ship_to: input.default_ship_to.flatten(),
            cart_encoding: input.cart_encoding.unwrap_or_default(),
            active: input.active.unwrap_or(true),
            created_at: now,
        };
        link.validate()?;
        check_ship_to(&acc, link.default_ship_to)?;
        self.check_credentials_free(&link).await?;
        let mut link = link;
        link.secret_hash = hash_password(secret.to_owned()).await?;
        let commit = Self::link_commit(ctx, &link, WriteMode::Insert, "procurement_link.created", now)?;
        Ok(Planned {
            value: Versioned {
                value: link,
                version: 1,
            },
            commit,
        })
    }

    pub async fn plan_update_procurement_link(
        &self,
        ctx: &Ctx,
        id: ProcurementLinkId,
        input: &LinkInput,
    ) -> Result<Planned<Versioned<ProcurementLink>>> {
        Self::require_seller_admin(ctx)?;
        let mut v = self.load::<ProcurementLink>(ctx, id.0).await?;
        crate::docs::check_version(ctx, v.version)?;
        let acc = self.load::<Account>(ctx, v.value.account_id.0).await?.value;
        let l = &mut v.value;
        if let Some(n) = &input.name {
            l.name = n.clone();
        }
        if input.cxml.is_some() {
            l.cxml = input.cxml.clone();
        }
        if input.oci_username.is_some() {
            l.oci_username = input.oci_username.clone();
        }
        if input.x12.is_some() {
            l.x12 = input.x12.clone();
        }
        if let Some(u) = &input.order_response_url {
            l.order_response_url = u.clone();
        }
        if let Some(s) = &input.response_secret {
            l.response_secret = s.clone();
        }
        if let Some(s) = input.default_ship_to {
            l.default_ship_to = s;
        }
        if let Some(e) = input.cart_encoding {
            l.cart_encoding = e;
        }
        if let Some(a) = input.active {
            l.active = a;
        }
        l.validate()?;
        check_ship_to(&acc, l.default_ship_to)?;
        if let Some(secret) = &input.shared_secret {
            check_secret(secret)?;
        }
        self.check_credentials_free(&v.value).await?;
        if let Some(secret) = &input.shared_secret {
            v.value.secret_hash = hash_password(secret.clone()).await?;
        }
        let commit = Self::link_commit(
            ctx,
            &v.value,
            WriteMode::Update(v.version),
            "procurement_link.changed",
            self.clock.now(),
        )?;
        v.version += 1;
        Ok(Planned { value: v, commit })
    }

    /// An account's links (its admins may look; only seller admins change them).
    pub async fn procurement_links(&self, ctx: &Ctx, account: AccountId) -> Result<Vec<Versioned<ProcurementLink>>> {
        self.load::<Account>(ctx, account.0).await?;
        let f = crate::ListFilter {
            account_id: Some(account),
            limit: 500,
            ..Default::default()
        };
        Ok(self.list_docs::<ProcurementLink>(ctx, &f, None).await?.items)
    }

    pub async fn procurement_link(&self, ctx: &Ctx, id: ProcurementLinkId) -> Result<Versioned<ProcurementLink>> {
        self.load::<ProcurementLink>(ctx, id.0).await
    }

    /// The active link these credentials open, or `None` — after the same work whichever part
    /// was wrong (unknown identity, inactive link, wrong secret), so a caller learns nothing.
    pub(crate) async fn authenticate_link(
        &self,
        protocol: Protocol,
        identity: &str,
        secret: &str,
    ) -> Result<Option<ProcurementLink>> {
        let ids = match protocol {
            Protocol::Cxml => self.store.by_key(KEY_CXML, identity).await?,
            Protocol::Oci => self.store.by_key(KEY_OCI, &oci_key(identity)).await?,
        };
        let mut link = None;
        if let [id] = ids.as_slice()
            && let Some(row) = self.store.get(*id).await?
        {
            link = Some(decode::<ProcurementLink>(&row)?.value);
        }
        let hash = link.as_ref().map(|l| l.secret_hash.clone());
        let ok = verify_password(secret.to_owned(), hash).await;
        Ok(link.filter(|l| ok && l.active && l.speaks(protocol)))
    }
}

impl App {
    /// The active X12 link of the interchange sender `key` ([`x12_key`]) whose secret this is,
    /// or `None`, after the same work whichever part was wrong.
    ///
    /// [`x12_key`]: aftercart_domain::procurement::x12_key
    pub(crate) async fn authenticate_x12(&self, key: &str, secret: &str) -> Result<Option<ProcurementLink>> {
        let ids = self.store.by_key(KEY_X12, key).await?;
        let mut link = None;
        if let [id] = ids.as_slice()
            && let Some(row) = self.store.get(*id).await?
        {
            link = Some(decode::<ProcurementLink>(&row)?.value);
        }
        let hash = link.as_ref().map(|l| l.secret_hash.clone());
        let ok = verify_password(secret.to_owned(), hash).await;
        Ok(link.filter(|l| ok && l.active && l.x12.is_some()))
    }
}

fn check_ship_to(acc: &Account, ship_to: Option<LocationId>) -> Result<()> {
    if let Some(s) = ship_to
        && !acc.locations.iter().any(|l| l.id == s && l.kind.can_receive())
    {
        return Err(AppError::not_found_field("location", "default_ship_to"));
    }
    Ok(())
}
