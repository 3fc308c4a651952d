//! Routing rules as documents: created, changed and deleted (a tombstone) by the seller's
//! operations staff; read by routing as the system. Suppliers and customers never see them
//! (they hold the seller's costs).

use super::require_operations;
use crate::docs::{Doc, check_version, event, write};
use crate::error::Result;
use crate::principal::Principal;
use crate::{App, Ctx, ListFilter, Planned, Versioned};
use aftercart_domain::account::{FulfilmentKind, FulfilmentLocation};
use aftercart_domain::dropship::RoutingRule;
use aftercart_domain::ids::{AccountId, FulfilmentLocationId, RoutingRuleId};
use aftercart_domain::money::Money;
use aftercart_domain::{ErrorCode, Rejection};
use aftercart_store::{Commit, WriteMode};
use serde_json::json;
use uuid::Uuid;

impl Doc for RoutingRule {
    const KIND: &'static str = "routing_rule";
    const WHAT: &'static str = "routing rule";
    fn doc_id(&self) -> Uuid {
        self.id.0
    }
    fn account(&self) -> Option<AccountId> {
        None
    }
    fn status(&self) -> Option<String> {
        Some(
            match (self.deleted_at.is_some(), self.active) {
                (true, _) => "deleted",
                (false, true) => "active",
                (false, false) => "inactive",
            }
            .into(),
        )
    }
    fn at(&self) -> time::OffsetDateTime {
        self.created_at
    }
    fn visible_to(&self, p: &Principal) -> bool {
        p.is_seller() && self.deleted_at.is_none()
    }
}

/// A new rule, or the fields of a rule to change (absent: unchanged).
#[derive(Debug, Clone, Default)]
pub struct RuleInput {
    pub name: Option<String>,
    pub skus: Option<Vec<String>>,
    pub categories: Option<Vec<String>>,
    pub countries: Option<Vec<String>>,
    pub postcode_prefixes: Option<Vec<String>>,
    pub supplier: Option<FulfilmentLocationId>,
    pub priority: Option<u32>,
    /// `Some(None)` clears the cost.
    pub unit_cost: Option<Option<Money>>,
    pub active: Option<bool>,
}

/// The priority of a rule that names none: behind any rule given one below it.
pub const DEFAULT_PRIORITY: u32 = 100;

impl App {
    /// Checks the rule names a dropship supplier the seller has.
    async fn check_supplier(&self, ctx: &Ctx, id: FulfilmentLocationId) -> Result<()> {
        let loc = self.load_ref::<FulfilmentLocation>(ctx, id.0, "supplier").await?.value;
        if loc.kind != FulfilmentKind::DropshipSupplier {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "supplier",
                format!("{} is not a dropship supplier", loc.name),
            )
            .into());
        }
        Ok(())
    }

    fn rule_commit(
        ctx: &Ctx,
        rule: &RoutingRule,
        mode: WriteMode,
        kind: &str,
        now: time::OffsetDateTime,
    ) -> Result<Commit> {
        Ok(Commit {
            docs: vec![write(rule, mode)?],
            events: vec![event(
                &ctx.principal.actor(),
                now,
                kind,
                RoutingRule::KIND,
                rule.id.0,
                None,
                None,
                json!({"name": rule.name, "supplier": rule.supplier, "priority": rule.priority,
                       "active": rule.active}),
            )],
            ..Default::default()
        })
    }

    pub async fn plan_create_routing_rule(
        &self,
        ctx: &Ctx,
        input: &RuleInput,
    ) -> Result<Planned<Versioned<RoutingRule>>> {
        require_operations(&ctx.principal, "managing routing rules")?;
        let name = input
            .name
            .clone()
            .ok_or_else(|| Rejection::new(ErrorCode::InvalidValue, "name", "required"))?;
        let supplier = input
            .supplier
            .ok_or_else(|| Rejection::new(ErrorCode::InvalidValue, "supplier", "required"))?;
        let now = self.clock.now();
        let mut rule = RoutingRule {
            id: RoutingRuleId(Uuid::now_v7()),
            name,
            skus: input.skus.clone().unwrap_or_default(),
            categories: input.categories.clone().unwrap_or_default(),
            countries: input.countries.clone().unwrap_or_default(),
            postcode_prefixes: input.postcode_prefixes.clone().unwrap_or_default(),
            supplier,
            priority: input.priority.unwrap_or(DEFAULT_PRIORITY),
            unit_cost: input.unit_cost.flatten(),
            active: input.active.unwrap_or(true),
            created_at: now,
            created_by: ctx.principal.actor().name(),
            deleted_at: None,
        };
        rule.normalise_and_check()?;
        self.check_supplier(ctx, rule.supplier).await?;
        let commit = Self::rule_commit(ctx, &rule, WriteMode::Insert, "routing_rule.created", now)?;
        Ok(Planned {
            value: Versioned {
                value: rule,
                version: 1,
            },
            commit,
        })
    }

    pub async fn plan_update_routing_rule(
        &self,
        ctx: &Ctx,
        id: RoutingRuleId,
        input: &RuleInput,
    ) -> Result<Planned<Versioned<RoutingRule>>> {
        require_operations(&ctx.principal, "managing routing rules")?;
        let mut v = self.load::<RoutingRule>(ctx, id.0).await?;
        check_version(ctx, v.version)?;
        let r = &mut v.value;
        let set = |to: &mut Vec<String>, from: &Option<Vec<String>>| {
            if let Some(f) = from {
                to.clone_from(f);
            }
        };
        if let Some(n) = &input.name {
            r.name.clone_from(n);
        }
        set(&mut r.skus, &input.skus);
        set(&mut r.categories, &input.categories);
        set(&mut r.countries, &input.countries);
        set(&mut r.postcode_prefixes, &input.postcode_prefixes);
        if let Some(s) = input.supplier {
            r.supplier = s;
        }
        if let Some(p) = input.priority {
            r.priority = p;
        }
        if let Some(c) = input.unit_cost {
            r.unit_cost = c;
        }
        if let Some(a) = input.active {
            r.active = a;
        }
        r.normalise_and_check()?;
        self.check_supplier(ctx, v.value.supplier).await?;
        let commit = Self::rule_commit(
            ctx,
            &v.value,
            WriteMode::Update(v.version),
            "routing_rule.changed",
            self.clock.now(),
        )?;
        v.version += 1;
        Ok(Planned { value: v, commit })
    }

    /// Deletes a rule: it becomes a tombstone nobody sees and routing ignores; its history stays
    /// on its timeline.
    pub async fn plan_delete_routing_rule(
        &self,
        ctx: &Ctx,
        id: RoutingRuleId,
    ) -> Result<Planned<Versioned<RoutingRule>>> {
        require_operations(&ctx.principal, "managing routing rules")?;
        let mut v = self.load::<RoutingRule>(ctx, id.0).await?;
        check_version(ctx, v.version)?;
        let now = self.clock.now();
        v.value.deleted_at = Some(now);
        let commit = Self::rule_commit(ctx, &v.value, WriteMode::Update(v.version), "routing_rule.deleted", now)?;
        v.version += 1;
        Ok(Planned { value: v, commit })
    }

    pub async fn routing_rule(&self, ctx: &Ctx, id: RoutingRuleId) -> Result<Versioned<RoutingRule>> {
        require_operations(&ctx.principal, "reading routing rules")?;
        self.load::<RoutingRule>(ctx, id.0).await
    }

    /// Every rule not deleted, by priority then name.
    pub async fn routing_rules(&self, ctx: &Ctx) -> Result<Vec<Versioned<RoutingRule>>> {
        require_operations(&ctx.principal, "reading routing rules")?;
        let mut all = self.all_docs::<RoutingRule>(ctx, &ListFilter::default()).await?;
        all.sort_by(|a, b| (a.value.priority, &a.value.name).cmp(&(b.value.priority, &b.value.name)));
        Ok(all)
    }

    /// The rules routing applies (active, not deleted), read as the system whoever routes.
    pub(crate) async fn rules_in_force(&self) -> Result<Vec<RoutingRule>> {
        Ok(self
            .all_docs::<RoutingRule>(&Ctx::system(), &ListFilter::default())
            .await?
            .into_iter()
            .map(|v| v.value)
            .filter(RoutingRule::in_force)
            .collect())
    }
}
