//! Webhook endpoints: where integrators receive events, signed per Standard Webhooks. A seller
//! endpoint (no account) receives every event; a customer endpoint only its own account's, as
//! the account timeline shows them. Secrets must be kept to sign, so they are stored as they
//! are and shown only when created or rotated.

use crate::docs::{Doc, write};
use crate::{App, AppError, Ctx, LocationScope, Planned, Principal, PrincipalKind, Result, Versioned};
use aftercart_domain::ids::AccountId;
use aftercart_domain::{ErrorCode, Rejection};
use aftercart_store::{Commit, EventRow, ListQuery, WriteMode};
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SigningSecret {
    pub secret: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// A rotated-out secret keeps signing until then, so receivers can switch without a gap.
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub expires_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum EndpointState {
    Active,
    Disabled,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WebhookEndpoint {
    pub id: Uuid,
    pub account_id: Option<AccountId>,
    pub url: String,
    pub description: String,
    /// Event kinds (`order.placed`), families (`order.*`) or everything (`*`).
    pub event_types: Vec<String>,
    pub secrets: Vec<SigningSecret>,
    pub state: EndpointState,
    pub disabled_reason: Option<String>,
    /// The first failure of the current run of failures (cleared by a success).
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub failing_since: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub created_by: String,
}

impl Doc for WebhookEndpoint {
    const KIND: &'static str = "webhook_endpoint";
    const WHAT: &'static str = "webhook endpoint";
    fn doc_id(&self) -> Uuid {
        self.id
    }
    fn account(&self) -> Option<AccountId> {
        self.account_id
    }
    fn status(&self) -> Option<String> {
        Some(
            match self.state {
                EndpointState::Active => "active",
                EndpointState::Disabled => "disabled",
            }
            .into(),
        )
    }
    fn at(&self) -> OffsetDateTime {
        self.created_at
    }
    fn visible_to(&self, p: &Principal) -> bool {
        match self.account_id {
            // The seller's own endpoints are the seller's staff's business alone.
            None => matches!(p.kind, PrincipalKind::Staff(_) | PrincipalKind::System),
            Some(a) => p.sees_account(a),
        }
    }
}

impl WebhookEndpoint {
    pub fn subscribes(&self, kind: &str) -> bool {
        self.event_types.iter().any(|t| {
            t == "*"
                || t == kind
                || t.strip_suffix(".*")
                    .is_some_and(|fam| kind.strip_prefix(fam).is_some_and(|r| r.starts_with('.')))
        })
    }

    /// Whether this endpoint may receive `e` at all (before its subscription): a seller
    /// endpoint everything; a customer endpoint its own account's events, except the seller's
    /// internal notes.
    pub fn may_receive(&self, e: &EventRow) -> bool {
        match self.account_id {
            None => true,
            Some(a) => {
                e.account_id == Some(a.0) && !e.kind.starts_with("case.note") && !e.kind.starts_with("exception.")
            }
        }
    }

    /// The secrets that sign now (the current one and any rotated-out one not yet expired).
    pub fn signing_secrets(&self, now: OffsetDateTime) -> Vec<String> {
        self.secrets
            .iter()
            .filter(|s| s.expires_at.is_none_or(|e| e > now))
            .map(|s| s.secret.clone())
            .collect()
    }
}

/// How long a rotated-out secret keeps signing.
pub const ROTATION_OVERLAP: Duration = Duration::hours(24);
/// An endpoint failing without a single success for this long is disabled.
pub const DISABLE_AFTER: Duration = Duration::days(5);

#[derive(Debug, Clone)]
pub struct EndpointInput {
    pub url: String,
    pub description: Option<String>,
    pub event_types: Vec<String>,
    /// Seller staff may create an endpoint for one customer account; a customer's admin always
    /// creates for their own.
    pub account_id: Option<AccountId>,
}

#[derive(Debug, Clone, Default)]
pub struct EndpointPatch {
    pub url: Option<String>,
    pub description: Option<String>,
    pub event_types: Option<Vec<String>>,
    /// Re-enable a disabled endpoint, or disable one.
    pub enabled: Option<bool>,
}

fn bad(field: &str, msg: impl Into<String>) -> AppError {
    Rejection::new(ErrorCode::InvalidValue, field, msg).into()
}

/// `whsec_` + base64 of 32 random bytes (Standard Webhooks).
pub fn new_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    format!("whsec_{}", base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// Checks what can be checked without the network: http(s), a host, no credentials in the URL,
/// and — unless the deployment allows private targets — no literal loopback, private,
/// link-local or unspecified address. Names are resolved and checked again at each send
/// (a name can point anywhere later).
pub fn check_url(url: &str, allow_private: bool) -> Result<()> {
    if url.len() > 2000 {
        return Err(bad("url", "must be at most 2000 characters"));
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| bad("url", "must start with https:// (or http://)"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return Err(bad("url", "must not contain a user name or password"));
    }
    if authority.is_empty() || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("url", "must be a URL with a host and no spaces"));
    }
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        authority.rsplit_once(':').map_or(authority, |(h, _)| h)
    };
    if host.is_empty() {
        return Err(bad("url", "must name a host"));
    }
    if !allow_private {
        let lower = host.to_ascii_lowercase();
        let private_name = lower == "localhost" || lower.ends_with(".localhost") || lower.ends_with(".internal");
        let private_ip = host.parse::<std::net::IpAddr>().is_ok_and(|ip| is_private(&ip));
        if private_name || private_ip {
            return Err(bad(
                "url",
                "must be a public address: loopback, private and link-local targets are refused on this server",
            ));
        }
    }
    Ok(())
}

/// Loopback, private, link-local, CGNAT, unique-local, unspecified, multicast or broadcast.
pub fn is_private(ip: &std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || o[0] == 0
        }
        std::net::IpAddr::V6(v6) => {
            let seg = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (seg[0] & 0xfe00) == 0xfc00
                || (seg[0] & 0xffc0) == 0xfe80
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| is_private(&std::net::IpAddr::V4(v4)))
        }
    }
}

fn check_types(types: &[String]) -> Result<()> {
    if types.is_empty() || types.len() > 50 {
        return Err(bad("event_types", "name 1 to 50 event types (or \"*\")"));
    }
    for (i, t) in types.iter().enumerate() {
        let ok = t == "*"
            || (!t.is_empty()
                && t.len() <= 64
                && t.bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_' || b == b'.' || b == b'*')
                && (!t.contains('*') || (t.ends_with(".*") && t.matches('*').count() == 1)));
        if !ok {
            return Err(bad(
                &format!("event_types[{i}]"),
                "must be an event kind like order.placed, a family like order.*, or *",
            ));
        }
    }
    Ok(())
}

fn check_description(d: &str) -> Result<()> {
    if d.chars().count() > 200 || d.chars().any(|c| c.is_control()) {
        return Err(bad("description", "must be at most 200 characters on one line"));
    }
    Ok(())
}

impl App {
    /// Whose endpoints the caller manages: a customer's admin their account (and only when not
    /// limited to some locations: endpoints receive every location's events).
    fn endpoint_account(&self, ctx: &Ctx, asked: Option<AccountId>) -> Result<Option<AccountId>> {
        match &ctx.principal.kind {
            PrincipalKind::Customer { account, scope, .. } => {
                if matches!(scope, LocationScope::Only(_)) {
                    return Err(AppError::Forbidden(
                        "your access is limited to some locations; webhooks carry every location's events".into(),
                    ));
                }
                if asked.is_some_and(|a| a != *account) {
                    return Err(AppError::not_found_field("account", "account_id"));
                }
                Ok(Some(*account))
            }
            PrincipalKind::Staff(_) | PrincipalKind::System => Ok(asked),
            PrincipalKind::Supplier { .. } => Err(AppError::Forbidden("suppliers have no webhooks".into())),
        }
    }

    pub async fn plan_create_endpoint(&self, ctx: &Ctx, input: &EndpointInput) -> Result<Planned<WebhookEndpoint>> {
        let account = self.endpoint_account(ctx, input.account_id)?;
        if let Some(a) = account {
            self.load_ref::<aftercart_domain::account::Account>(ctx, a.0, "account_id")
                .await?;
        }
        check_url(&input.url, self.notify.allow_private_targets)?;
        check_types(&input.event_types)?;
        let description = input.description.clone().unwrap_or_default();
        check_description(&description)?;
        let now = self.clock.now();
        let ep = WebhookEndpoint {
            id: Uuid::now_v7(),
            account_id: account,
            url: input.url.clone(),
            description,
            event_types: input.event_types.clone(),
            secrets: vec![SigningSecret {
                secret: new_secret(),
                created_at: now,
                expires_at: None,
            }],
            state: EndpointState::Active,
            disabled_reason: None,
            failing_since: None,
            created_at: now,
            created_by: ctx.principal.name.clone(),
        };
        let ev = crate::docs::event(
            &ctx.principal.actor(),
            now,
            "webhook.endpoint_created",
            "webhook_endpoint",
            ep.id,
            account,
            None,
            json!({"url": ep.url, "event_types": ep.event_types}),
        );
        Ok(Planned {
            commit: Commit {
                docs: vec![write(&ep, WriteMode::Insert)?],
                events: vec![ev],
                ..Default::default()
            },
            value: ep,
        })
    }

    pub async fn endpoint(&self, ctx: &Ctx, id: Uuid) -> Result<Versioned<WebhookEndpoint>> {
        let v = self.load::<WebhookEndpoint>(ctx, id).await?;
        self.endpoint_account(ctx, v.value.account_id)?;
        Ok(v)
    }

    /// The endpoints the caller manages, newest first.
    pub async fn endpoints(&self, ctx: &Ctx) -> Result<Vec<Versioned<WebhookEndpoint>>> {
        let account = self.endpoint_account(ctx, None)?;
        let rows = self
            .store
            .list(ListQuery {
                kind: WebhookEndpoint::KIND,
                account_id: account.map(|a| a.0),
                limit: 500,
                ..ListQuery::default()
            })
            .await?;
        let mut out = Vec::new();
        for r in &rows {
            let v = crate::docs::decode::<WebhookEndpoint>(r)?;
            if v.value.visible_to(&ctx.principal) {
                out.push(v);
            }
        }
        Ok(out)
    }

    pub async fn plan_update_endpoint(
        &self,
        ctx: &Ctx,
        id: Uuid,
        patch: &EndpointPatch,
    ) -> Result<Planned<Versioned<WebhookEndpoint>>> {
        let mut v = self.endpoint(ctx, id).await?;
        crate::docs::check_version(ctx, v.version)?;
        if let Some(u) = &patch.url {
            check_url(u, self.notify.allow_private_targets)?;
            v.value.url = u.clone();
        }
        if let Some(t) = &patch.event_types {
            check_types(t)?;
            v.value.event_types = t.clone();
        }
        if let Some(d) = &patch.description {
            check_description(d)?;
            v.value.description = d.clone();
        }
        if let Some(on) = patch.enabled {
            v.value.state = if on {
                EndpointState::Active
            } else {
                EndpointState::Disabled
            };
            v.value.disabled_reason = (!on).then(|| format!("disabled by {}", ctx.principal.name));
            v.value.failing_since = None;
        }
        let commit = Commit {
            docs: vec![write(&v.value, WriteMode::Update(v.version))?],
            ..Default::default()
        };
        v.version += 1;
        Ok(Planned { value: v, commit })
    }

    /// A new signing secret; the old ones keep signing for [`ROTATION_OVERLAP`].
    pub async fn plan_rotate_secret(&self, ctx: &Ctx, id: Uuid) -> Result<Planned<Versioned<WebhookEndpoint>>> {
        let mut v = self.endpoint(ctx, id).await?;
        crate::docs::check_version(ctx, v.version)?;
        let now = self.clock.now();
        for s in &mut v.value.secrets {
            if s.expires_at.is_none_or(|e| e > now + ROTATION_OVERLAP) {
                s.expires_at = Some(now + ROTATION_OVERLAP);
            }
        }
        v.value.secrets.retain(|s| s.expires_at.is_none_or(|e| e > now));
        v.value.secrets.push(SigningSecret {
            secret: new_secret(),
            created_at: now,
            expires_at: None,
        });
        let commit = Commit {
            docs: vec![write(&v.value, WriteMode::Update(v.version))?],
            ..Default::default()
        };
        v.version += 1;
        Ok(Planned { value: v, commit })
    }

    /// Every active endpoint (the fan-out's view; system only).
    pub(crate) async fn active_endpoints(&self) -> Result<Vec<WebhookEndpoint>> {
        let mut out = Vec::new();
        let mut before = None;
        loop {
            let rows = self
                .store
                .list(ListQuery {
                    kind: WebhookEndpoint::KIND,
                    status: Some("active".into()),
                    before,
                    limit: 500,
                    ..ListQuery::default()
                })
                .await?;
            before = rows.last().map(|r| r.id);
            let done = rows.len() < 500;
            for r in &rows {
                out.push(crate::docs::decode::<WebhookEndpoint>(r)?.value);
            }
            if done {
                return Ok(out);
            }
        }
    }
}
