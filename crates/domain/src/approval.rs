//! Order approval: the account's approval policy (which orders need whose sign-off) and an
//! order's approval workflow (the required steps, decided strictly in sequence).
//!
//! The rules, in one place:
//!
//! - A policy is a list of rules. An active rule whose condition matches the order contributes
//!   its levels, in order, as required steps; the steps of several matching rules are all
//!   required, rule by rule in policy order. An order no rule matches needs no approval.
//! - Conditions: the order total is over an amount, a line is in a category, a line is charged to
//!   a cost centre, the order would push a budget over its amount, the order was placed by a given
//!   buyer. Text comparisons (category, cost centre) ignore surrounding spaces and ASCII case.
//! - Steps are decided one at a time, in sequence: only the first undecided step can be decided.
//!   A rejection at any step rejects the order for good (it is held and never reaches
//!   fulfilment); decisions are final.
//! - A step's approver is either anyone holding the account's customer "approver" role, or one
//!   named user. A named user who is away may delegate: the delegate decides on their behalf on
//!   the days the delegation covers (delegations are not chained, and only named-user steps can
//!   be delegated: a role step is open to every other role holder anyway).
//! - Separation of duties: the buyer who placed the order can decide none of its steps (not even
//!   as someone's delegate, nor can anyone decide as the buyer's delegate), and one person cannot
//!   decide two levels of the same rule.
//! - A rejection needs a comment; an approval may have one.
//! - Reminders and escalation are per step: the current step has been waiting since the workflow
//!   started or since the previous decision. A reminder is due every `remind_after_hours` of
//!   waiting (counted from the last reminder), an escalation once after `escalate_after_hours`.
//!   Zero switches either off.

use crate::error::{ErrorCode, Rejection, Result};
use crate::ids::{ApprovalRuleId, DelegationId, UserId};
use crate::money::{Currency, Money};
use crate::order::Order;
use crate::status::fmt_date;
use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};

// ---------------------------------------------------------------- policy

/// What makes an order need a rule's approvals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum ApprovalCondition {
    /// The order total (see [`OrderFacts::total`]) is strictly over this amount.
    OrderTotalOver(Money),
    /// Any line is in this product category.
    Category(String),
    /// Any line is charged to this cost centre.
    CostCentre(String),
    /// The order would push a budget it touches over its amount.
    OverBudget,
    /// The order was placed by this buyer.
    PlacedBy(UserId),
}

impl ApprovalCondition {
    /// Why the condition holds for the order, in plain language; `None` when it does not.
    ///
    /// A threshold in another currency than the order cannot be compared exactly, so it fails
    /// closed: the rule matches and says why ([`ApprovalPolicy::validate`] refuses such a policy
    /// in the first place).
    pub fn matches(&self, facts: &OrderFacts) -> Option<String> {
        match self {
            ApprovalCondition::OrderTotalOver(limit) => {
                if facts.total.currency() != limit.currency() {
                    Some(format!(
                        "order total {} cannot be compared with the threshold of {}, so approval is required",
                        fmt_money(facts.total),
                        fmt_money(*limit)
                    ))
                } else if facts.total.minor() > limit.minor() {
                    Some(format!(
                        "order total {} is over {}",
                        fmt_money(facts.total),
                        fmt_money(*limit)
                    ))
                } else {
                    None
                }
            }
            ApprovalCondition::Category(c) => facts
                .categories
                .iter()
                .any(|x| same_text(x, c))
                .then(|| format!("the order has lines in category '{}'", c.trim())),
            ApprovalCondition::CostCentre(cc) => facts
                .cost_centres
                .iter()
                .any(|x| same_text(x, cc))
                .then(|| format!("the order has lines charged to cost centre '{}'", cc.trim())),
            ApprovalCondition::OverBudget => facts
                .over_budget
                .then(|| "the order would take a budget over its amount".to_owned()),
            ApprovalCondition::PlacedBy(u) => {
                (facts.placed_by == Some(*u)).then(|| "orders placed by this buyer need approval".to_owned())
            }
        }
    }

    /// Whether two conditions catch exactly the same orders (text compared as in matching).
    pub fn same_as(&self, other: &ApprovalCondition) -> bool {
        use ApprovalCondition as C;
        match (self, other) {
            (C::OrderTotalOver(a), C::OrderTotalOver(b)) => a == b,
            (C::Category(a), C::Category(b)) | (C::CostCentre(a), C::CostCentre(b)) => same_text(a, b),
            (C::OverBudget, C::OverBudget) => true,
            (C::PlacedBy(a), C::PlacedBy(b)) => a == b,
            _ => false,
        }
    }
}

/// Who decides a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "user_id")]
pub enum Approver {
    /// Any user holding the account's customer "approver" role.
    Role,
    /// One named user (or their delegate while they are away).
    User(UserId),
}

impl Approver {
    fn describe(self) -> &'static str {
        match self {
            Approver::Role => "an approver",
            Approver::User(_) => "the named approver",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalRule {
    pub id: ApprovalRuleId,
    pub name: String,
    pub condition: ApprovalCondition,
    /// Approval levels, decided in this order; at least one.
    pub levels: Vec<Approver>,
    pub active: bool,
}

/// An account's approval policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalPolicy {
    pub rules: Vec<ApprovalRule>,
    /// Remind the current step's approver after this many hours of waiting, and again every
    /// this many hours; 0 = never.
    pub remind_after_hours: u32,
    /// Escalate a step once after this many hours of waiting; 0 = never.
    pub escalate_after_hours: u32,
}

impl ApprovalPolicy {
    /// Checks a policy before it is saved: every rule named, with at least one level, approvers
    /// among `known_users`, amounts in the account's currency, no two active rules with the same
    /// condition, and escalation after the reminder.
    pub fn validate(&self, account_currency: Currency, known_users: &[UserId]) -> Result<()> {
        for (i, rule) in self.rules.iter().enumerate() {
            let field = |f: &str| format!("rules[{i}].{f}");
            let earlier = &self.rules[..i];
            if rule.name.trim().is_empty() {
                return Err(Rejection::new(
                    ErrorCode::InvalidValue,
                    field("name"),
                    "a rule needs a name",
                ));
            }
            if let Some(other) = earlier.iter().find(|r| r.id == rule.id) {
                return Err(Rejection::new(
                    ErrorCode::InvalidValue,
                    field("id"),
                    format!("rule '{}' already has this id", other.name),
                ));
            }
            if earlier.iter().any(|r| same_text(&r.name, &rule.name)) {
                return Err(Rejection::new(
                    ErrorCode::InvalidValue,
                    field("name"),
                    format!("another rule is already named '{}'", rule.name.trim()),
                ));
            }
            match &rule.condition {
                ApprovalCondition::OrderTotalOver(m) => {
                    if m.currency() != account_currency {
                        return Err(Rejection::new(
                            ErrorCode::CurrencyMismatch,
                            field("condition"),
                            format!("the account orders in {account_currency}, not {}", m.currency()),
                        ));
                    }
                    if m.is_negative() {
                        return Err(Rejection::new(
                            ErrorCode::InvalidValue,
                            field("condition"),
                            "the order total threshold cannot be negative",
                        ));
                    }
                }
                ApprovalCondition::Category(t) | ApprovalCondition::CostCentre(t) if t.trim().is_empty() => {
                    return Err(Rejection::new(
                        ErrorCode::InvalidValue,
                        field("condition"),
                        "name the category or cost centre",
                    ));
                }
                ApprovalCondition::PlacedBy(u) if !known_users.contains(u) => {
                    return Err(Rejection::new(
                        ErrorCode::UnknownReference,
                        field("condition"),
                        "no such user on this account",
                    ));
                }
                _ => {}
            }
            if rule.levels.is_empty() {
                return Err(Rejection::new(
                    ErrorCode::InvalidValue,
                    field("levels"),
                    "a rule needs at least one approval level",
                ));
            }
            for (j, level) in rule.levels.iter().enumerate() {
                let Approver::User(u) = level else { continue };
                let lf = format!("rules[{i}].levels[{j}]");
                if !known_users.contains(u) {
                    return Err(Rejection::new(
                        ErrorCode::UnknownReference,
                        lf,
                        "no such user on this account",
                    ));
                }
                if let Some(k) = rule.levels[..j].iter().position(|l| l == level) {
                    return Err(Rejection::new(
                        ErrorCode::InvalidValue,
                        lf,
                        format!(
                            "this user is already level {} of the rule; each level needs a different person",
                            k + 1
                        ),
                    ));
                }
                if rule.condition == ApprovalCondition::PlacedBy(*u) {
                    return Err(Rejection::new(
                        ErrorCode::InvalidValue,
                        lf,
                        "the buyer this rule applies to cannot approve their own orders",
                    ));
                }
            }
            if let Some(other) = earlier
                .iter()
                .find(|r| rule.active && r.active && r.condition.same_as(&rule.condition))
            {
                return Err(Rejection::new(
                    ErrorCode::InvalidValue,
                    field("condition"),
                    format!("overlaps rule '{}'", other.name),
                ));
            }
        }
        let (remind, escalate) = (self.remind_after_hours, self.escalate_after_hours);
        if remind > 0 && escalate > 0 && escalate <= remind {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "escalate_after_hours",
                format!("escalation (after {escalate} h) must come later than the reminder (after {remind} h)"),
            ));
        }
        Ok(())
    }

    /// The steps an order with these facts needs: for every matching active rule, its levels in
    /// order, rule by rule in policy order. Empty when no approval is needed.
    pub fn required(&self, facts: &OrderFacts) -> Vec<RequiredStep> {
        let mut steps = Vec::new();
        for rule in self.rules.iter().filter(|r| r.active) {
            let Some(reason) = rule.condition.matches(facts) else {
                continue;
            };
            for (k, approver) in rule.levels.iter().enumerate() {
                steps.push(RequiredStep {
                    rule_id: rule.id,
                    rule_name: rule.name.clone(),
                    level: u32::try_from(k + 1).unwrap_or(u32::MAX),
                    approver: *approver,
                    approver_name: None,
                    reason: reason.clone(),
                });
            }
        }
        steps
    }
}

/// What the policy looks at when an order is placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderFacts {
    pub total: Money,
    /// Categories of the order's lines (duplicates allowed).
    pub categories: Vec<String>,
    /// Cost centres of the order's lines (duplicates allowed).
    pub cost_centres: Vec<String>,
    pub placed_by: Option<UserId>,
    /// Whether the order would take any budget it touches over its amount
    /// (see `budget::budget_impact`).
    pub over_budget: bool,
}

impl OrderFacts {
    /// The facts of an order: total = goods net of cancellations plus the quoted freight (tax is
    /// not known at ordering); categories and cost centres of the lines not wholly cancelled.
    pub fn of(order: &Order, placed_by: Option<UserId>, over_budget: bool) -> OrderFacts {
        let live = || order.lines.iter().filter(|l| l.cancelled < l.quantity);
        let goods = order.goods_total();
        OrderFacts {
            total: goods.checked_add(order.freight).unwrap_or(goods),
            categories: dedup(live().map(|l| l.category.clone()).collect()),
            cost_centres: dedup(live().filter_map(|l| l.cost_centre.clone()).collect()),
            placed_by,
            over_budget,
        }
    }
}

fn dedup(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

/// One approval an order needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequiredStep {
    pub rule_id: ApprovalRuleId,
    pub rule_name: String,
    /// 1-based level within the rule.
    pub level: u32,
    pub approver: Approver,
    /// The named approver's display name, recorded when the workflow starts (see
    /// [`ApprovalWorkflow::name_approvers`]), so everyone who may read the order sees who it
    /// waits for without reading the user directory. `None` for role steps.
    #[serde(default)]
    pub approver_name: Option<String>,
    /// Why the rule applies, in plain language.
    pub reason: String,
}

// ---------------------------------------------------------------- workflow

/// A decision on one step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub by: UserId,
    pub by_name: String,
    /// The named approver the decider stood in for (delegation).
    pub on_behalf_of: Option<UserId>,
    /// Their display name at decision time.
    #[serde(default)]
    pub on_behalf_of_name: Option<String>,
    pub approved: bool,
    pub comment: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub required: RequiredStep,
    pub decision: Option<Decision>,
    /// When the approver was last reminded about this step.
    #[serde(with = "time::serde::rfc3339::option")]
    pub reminded_at: Option<OffsetDateTime>,
    /// How many reminders were sent for this step.
    pub reminders: u32,
    /// When this step was escalated (at most once).
    #[serde(with = "time::serde::rfc3339::option")]
    pub escalated_at: Option<OffsetDateTime>,
}

/// An order's approval workflow. Stored with the order; its state is derived from the decisions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalWorkflow {
    pub steps: Vec<Step>,
    /// The buyer who placed the order (who may decide none of its steps).
    pub placed_by: Option<UserId>,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum ApprovalState {
    /// Waiting for the decision on `steps[step_index]`.
    Pending { step_index: usize },
    /// Every required step is approved (or none was required): the order may be fulfilled.
    Approved,
    /// A step was rejected: the order is held and never reaches fulfilment.
    Rejected,
}

/// A person standing in for a named approver while they are away, on the days `from_date` to
/// `until` inclusive (dates as seen in the decision's offset).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delegation {
    /// Assigned by the application when the delegation is recorded (nil until then).
    #[serde(default = "nil_delegation")]
    pub id: DelegationId,
    pub from: UserId,
    pub to: UserId,
    pub from_date: Date,
    pub until: Date,
    /// When it was ended early; an ended delegation never lets the delegate decide again.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub ended_at: Option<OffsetDateTime>,
}

fn nil_delegation() -> DelegationId {
    DelegationId(uuid::Uuid::nil())
}

/// Where a delegation stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DelegationState {
    /// Starts later.
    Scheduled,
    Active,
    /// Its last day has passed.
    Expired,
    /// Ended early by the delegator or an administrator.
    Ended,
}

impl DelegationState {
    pub fn as_str(self) -> &'static str {
        match self {
            DelegationState::Scheduled => "scheduled",
            DelegationState::Active => "active",
            DelegationState::Expired => "expired",
            DelegationState::Ended => "ended",
        }
    }
}

impl Delegation {
    pub fn new(from: UserId, to: UserId, from_date: Date, until: Date) -> Result<Delegation> {
        if from == to {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "to",
                "a user cannot delegate to themselves",
            ));
        }
        if until < from_date {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "until",
                format!("the delegation ends ({until}) before it starts ({from_date})"),
            ));
        }
        Ok(Delegation {
            id: nil_delegation(),
            from,
            to,
            from_date,
            until,
            ended_at: None,
        })
    }

    pub fn is_active(&self, on: Date) -> bool {
        self.state(on) == DelegationState::Active
    }

    pub fn state(&self, on: Date) -> DelegationState {
        if self.ended_at.is_some() {
            DelegationState::Ended
        } else if on < self.from_date {
            DelegationState::Scheduled
        } else if on > self.until {
            DelegationState::Expired
        } else {
            DelegationState::Active
        }
    }

    /// Ends the delegation now: from `at` the delegate can no longer decide for the delegator.
    /// Refused when it already ended or expired (nothing to end).
    pub fn end(&mut self, at: OffsetDateTime) -> Result<()> {
        match self.state(at.date()) {
            DelegationState::Ended => Err(Rejection::new(
                ErrorCode::InvalidState,
                "delegation_id",
                "this delegation was already ended",
            )),
            DelegationState::Expired => Err(Rejection::new(
                ErrorCode::InvalidState,
                "delegation_id",
                format!("this delegation already expired on {}", self.until),
            )),
            DelegationState::Scheduled | DelegationState::Active => {
                self.ended_at = Some(at);
                Ok(())
            }
        }
    }
}

/// The user deciding, as the application knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deciding {
    pub user: UserId,
    pub name: String,
    /// Whether the user holds the account's customer "approver" role.
    pub is_approver_role: bool,
    /// Delegations that may concern the user (others are ignored).
    pub delegations: Vec<Delegation>,
}

/// Something the application should do about a step that has waited too long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueAction {
    Remind {
        step_index: usize,
        approver: Approver,
        waiting_since: OffsetDateTime,
    },
    Escalate {
        step_index: usize,
        approver: Approver,
        waiting_since: OffsetDateTime,
    },
}

impl ApprovalWorkflow {
    /// Starts the workflow for an order: the steps `policy` requires for `facts`. With no step,
    /// the order is approved at once.
    pub fn start(policy: &ApprovalPolicy, facts: &OrderFacts, at: OffsetDateTime) -> ApprovalWorkflow {
        ApprovalWorkflow {
            steps: policy
                .required(facts)
                .into_iter()
                .map(|required| Step {
                    required,
                    decision: None,
                    reminded_at: None,
                    reminders: 0,
                    escalated_at: None,
                })
                .collect(),
            placed_by: facts.placed_by,
            started_at: at,
        }
    }

    /// Records the display name of every named approver that has none yet (`name_of` looks
    /// them up), so the workflow can be explained by name to everyone who may read the order.
    pub fn name_approvers(&mut self, name_of: impl Fn(UserId) -> Option<String>) {
        for s in &mut self.steps {
            if let (Approver::User(u), None) = (s.required.approver, &s.required.approver_name) {
                s.required.approver_name = name_of(u);
            }
        }
    }

    pub fn state(&self) -> ApprovalState {
        for (i, s) in self.steps.iter().enumerate() {
            match &s.decision {
                None => return ApprovalState::Pending { step_index: i },
                Some(d) if !d.approved => return ApprovalState::Rejected,
                Some(_) => {}
            }
        }
        ApprovalState::Approved
    }

    /// Whether the order may go on to fulfilment.
    pub fn is_approved(&self) -> bool {
        self.state() == ApprovalState::Approved
    }

    /// Since when step `index` has been waiting: the previous decision, or the start.
    fn waiting_since(&self, index: usize) -> OffsetDateTime {
        index
            .checked_sub(1)
            .and_then(|p| self.steps.get(p))
            .and_then(|s| s.decision.as_ref())
            .map_or(self.started_at, |d| d.at)
    }

    /// The pending step's index, or why nothing can be done.
    fn pending(&self) -> Result<usize> {
        match self.state() {
            ApprovalState::Pending { step_index } => Ok(step_index),
            ApprovalState::Approved => Err(Rejection::new(
                ErrorCode::InvalidState,
                "approval",
                "the order is already approved; decisions are final",
            )),
            ApprovalState::Rejected => Err(Rejection::new(
                ErrorCode::InvalidState,
                "approval",
                "the order was rejected; decisions are final",
            )),
        }
    }

    /// Approves or rejects the current step as `actor`. Validates fully before recording.
    pub fn decide(
        &mut self,
        actor: &Deciding,
        approved: bool,
        comment: Option<String>,
        at: OffsetDateTime,
    ) -> Result<()> {
        let index = self.pending()?;
        let step = &self.steps[index].required;
        let own_order = || {
            Rejection::new(
                ErrorCode::InvalidState,
                "approver",
                "the buyer who placed the order cannot approve or reject it",
            )
        };
        if self.placed_by == Some(actor.user) {
            return Err(own_order());
        }
        let on_behalf_of = match step.approver {
            Approver::Role if actor.is_approver_role => None,
            Approver::Role => {
                return Err(Rejection::new(
                    ErrorCode::NotApprover,
                    "approver",
                    format!(
                        "level {} of '{}' needs a user with the approver role",
                        step.level, step.rule_name
                    ),
                ));
            }
            Approver::User(u) if u == actor.user => None,
            Approver::User(u)
                if actor
                    .delegations
                    .iter()
                    .any(|d| d.from == u && d.to == actor.user && d.is_active(at.date())) =>
            {
                Some(u)
            }
            Approver::User(_) => {
                return Err(Rejection::new(
                    ErrorCode::NotApprover,
                    "approver",
                    format!(
                        "level {} of '{}' is for a named approver; you are neither that user nor standing in for them today",
                        step.level, step.rule_name
                    ),
                ));
            }
        };
        if on_behalf_of.is_some() && on_behalf_of == self.placed_by {
            return Err(own_order());
        }
        if let Some(prior) = self.steps[..index]
            .iter()
            .find(|s| s.required.rule_id == step.rule_id && s.decision.as_ref().is_some_and(|d| d.by == actor.user))
        {
            return Err(Rejection::new(
                ErrorCode::InvalidState,
                "approver",
                format!(
                    "you already decided level {} of '{}'; each level needs a different person",
                    prior.required.level, step.rule_name
                ),
            ));
        }
        let comment = comment.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty());
        if !approved && comment.is_none() {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "comment",
                "say why the order is rejected",
            ));
        }
        if at < self.waiting_since(index) {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "at",
                "a decision cannot predate the step it decides",
            ));
        }
        let on_behalf_of_name = on_behalf_of.and(self.steps[index].required.approver_name.clone());
        self.steps[index].decision = Some(Decision {
            by: actor.user,
            by_name: actor.name.clone(),
            on_behalf_of,
            on_behalf_of_name,
            approved,
            comment,
            at,
        });
        Ok(())
    }

    /// What is due for the current step at `now` under `policy`: a reminder every
    /// `remind_after_hours` of waiting (counted from the last reminder), an escalation once after
    /// `escalate_after_hours`. Both can be due together. Nothing once the workflow is decided.
    pub fn due_actions(&self, policy: &ApprovalPolicy, now: OffsetDateTime) -> Vec<DueAction> {
        let Ok(step_index) = self.pending() else {
            return Vec::new();
        };
        let step = &self.steps[step_index];
        let since = self.waiting_since(step_index);
        let approver = step.required.approver;
        let mut due = Vec::new();
        if policy.remind_after_hours > 0 {
            let last = step.reminded_at.map_or(since, |r| r.max(since));
            if now - last >= Duration::hours(i64::from(policy.remind_after_hours)) {
                due.push(DueAction::Remind {
                    step_index,
                    approver,
                    waiting_since: since,
                });
            }
        }
        if policy.escalate_after_hours > 0
            && step.escalated_at.is_none()
            && now - since >= Duration::hours(i64::from(policy.escalate_after_hours))
        {
            due.push(DueAction::Escalate {
                step_index,
                approver,
                waiting_since: since,
            });
        }
        due
    }

    /// Records that the current step's approver was reminded at `at`.
    pub fn mark_reminded(&mut self, at: OffsetDateTime) -> Result<()> {
        let index = self.pending()?;
        self.check_not_before_wait(index, at)?;
        let step = &mut self.steps[index];
        step.reminded_at = Some(at);
        step.reminders = step.reminders.saturating_add(1);
        Ok(())
    }

    /// Records that the current step was escalated at `at` (once per step).
    pub fn mark_escalated(&mut self, at: OffsetDateTime) -> Result<()> {
        let index = self.pending()?;
        if let Some(when) = self.steps[index].escalated_at {
            return Err(Rejection::new(
                ErrorCode::InvalidState,
                "approval",
                format!(
                    "level {} of '{}' was already escalated on {}",
                    self.steps[index].required.level,
                    self.steps[index].required.rule_name,
                    fmt_date(when.date(), self.started_at.date())
                ),
            ));
        }
        self.check_not_before_wait(index, at)?;
        self.steps[index].escalated_at = Some(at);
        Ok(())
    }

    fn check_not_before_wait(&self, index: usize, at: OffsetDateTime) -> Result<()> {
        if at < self.waiting_since(index) {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "at",
                "cannot predate the wait of the current step",
            ));
        }
        Ok(())
    }

    /// The workflow in plain language, e.g. "Approved by Ana Ruiz (level 1 of 'Orders over
    /// USD 10,000') on Nov 20 — 'ok for Q4'; waiting for an approver (level 2 of 'Orders over
    /// USD 10,000') since Nov 20." Dates show the year only when it differs from the start's.
    pub fn explain(&self) -> String {
        if self.steps.is_empty() {
            return "No approval needed: no approval rule applies to this order.".into();
        }
        let ref_day = self.started_at.date();
        let day = |t: OffsetDateTime| fmt_date(t.date(), ref_day);
        let mut parts = Vec::new();
        for s in &self.steps {
            let Some(d) = &s.decision else { break };
            let verb = if d.approved { "approved" } else { "rejected" };
            let stand_in = match (&d.on_behalf_of, &d.on_behalf_of_name) {
                (Some(_), Some(name)) => format!(" on behalf of {name}, who is away"),
                (Some(_), None) => " for the named approver, who is away".to_owned(),
                (None, _) => String::new(),
            };
            let comment = d.comment.as_ref().map(|c| format!(" — '{c}'")).unwrap_or_default();
            parts.push(format!(
                "{verb} by {}{stand_in} (level {} of '{}') on {}{comment}",
                d.by_name,
                s.required.level,
                s.required.rule_name,
                day(d.at)
            ));
        }
        let mut text = match self.state() {
            ApprovalState::Pending { step_index } => {
                let s = &self.steps[step_index];
                if step_index == 0 {
                    parts.push(format!("needs approval because {}", s.required.reason));
                }
                let escalated = s
                    .escalated_at
                    .map(|e| format!(" (escalated on {})", day(e)))
                    .unwrap_or_default();
                parts.push(format!(
                    "waiting for {} (level {} of '{}') since {}{escalated}",
                    s.required
                        .approver_name
                        .as_deref()
                        .unwrap_or(s.required.approver.describe()),
                    s.required.level,
                    s.required.rule_name,
                    day(self.waiting_since(step_index))
                ));
                let after = self.steps.len() - step_index - 1;
                if after > 0 {
                    parts.push(format!(
                        "then {after} more approval{}",
                        if after == 1 { "" } else { "s" }
                    ));
                }
                format!("{}.", parts.join("; "))
            }
            ApprovalState::Approved => format!("{}. Every required approval is given.", parts.join("; ")),
            ApprovalState::Rejected => {
                format!("{}. The order is on hold and will not be fulfilled.", parts.join("; "))
            }
        };
        if let Some(first) = text.get(..1) {
            let upper = first.to_uppercase();
            text.replace_range(..1, &upper);
        }
        text
    }
}

// ---------------------------------------------------------------- helpers

fn same_text(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// An amount with its currency and thousands separators, e.g. `USD 12,500.00`.
pub(crate) fn fmt_money(m: Money) -> String {
    let s = m.amount_string();
    let (sign, digits) = match s.strip_prefix('-') {
        Some(d) => ("-", d),
        None => ("", s.as_str()),
    };
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    let mut grouped = String::with_capacity(int.len() + int.len() / 3);
    for (k, ch) in int.chars().enumerate() {
        if k > 0 && (int.len() - k) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    match frac {
        Some(f) => format!("{} {sign}{grouped}.{f}", m.currency()),
        None => format!("{} {sign}{grouped}", m.currency()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{AccountId, LocationId, OrderId, ProductId};
    use crate::order::{Channel, Line};
    use crate::quantity::Qty;
    use proptest::prelude::*;
    use time::macros::{date, datetime};
    use uuid::Uuid;

    // ------------------------------------------------------------ fixture

    fn id<T: From<Uuid>>(n: u128) -> T {
        Uuid::from_u128(n).into()
    }

    fn usd() -> Currency {
        Currency::parse("USD", "currency").unwrap()
    }

    fn usd_amt(s: &str) -> Money {
        Money::parse(s, usd(), "amount").unwrap()
    }

    const ANA: u128 = 1;
    const BO: u128 = 2;
    /// The buyer who places the orders.
    const CY: u128 = 3;
    const DEE: u128 = 4;

    fn user(n: u128) -> UserId {
        id(n)
    }

    fn known() -> Vec<UserId> {
        vec![user(ANA), user(BO), user(CY), user(DEE)]
    }

    const START: OffsetDateTime = datetime!(2026-11-20 09:00 UTC);

    fn rule(n: u128, name: &str, condition: ApprovalCondition, levels: Vec<Approver>) -> ApprovalRule {
        ApprovalRule {
            id: id(n),
            name: name.into(),
            condition,
            levels,
            active: true,
        }
    }

    /// Big orders: an approver, then Bo. Electronics: Dee.
    fn policy() -> ApprovalPolicy {
        ApprovalPolicy {
            rules: vec![
                rule(
                    10,
                    "Orders over USD 10,000",
                    ApprovalCondition::OrderTotalOver(usd_amt("10000.00")),
                    vec![Approver::Role, Approver::User(user(BO))],
                ),
                rule(
                    11,
                    "Electronics",
                    ApprovalCondition::Category("Electronics".into()),
                    vec![Approver::User(user(DEE))],
                ),
            ],
            remind_after_hours: 24,
            escalate_after_hours: 48,
        }
    }

    fn facts(total: &str) -> OrderFacts {
        OrderFacts {
            total: usd_amt(total),
            categories: vec!["Furniture".into()],
            cost_centres: vec!["CC-42".into()],
            placed_by: Some(user(CY)),
            over_budget: false,
        }
    }

    fn actor(n: u128, name: &str, role: bool) -> Deciding {
        Deciding {
            user: user(n),
            name: name.into(),
            is_approver_role: role,
            delegations: Vec::new(),
        }
    }

    fn ana() -> Deciding {
        actor(ANA, "Ana Ruiz", true)
    }

    fn bo() -> Deciding {
        actor(BO, "Bo Lee", false)
    }

    fn dee() -> Deciding {
        actor(DEE, "Dee Park", false)
    }

    fn workflow(total: &str) -> ApprovalWorkflow {
        ApprovalWorkflow::start(&policy(), &facts(total), START)
    }

    fn hours(h: i64) -> OffsetDateTime {
        START + Duration::hours(h)
    }

    fn refused(r: Result<()>, code: ErrorCode, field: &str) -> Rejection {
        let e = r.unwrap_err();
        assert_eq!((e.code, e.field.as_str()), (code, field), "{e}");
        e
    }

    // ------------------------------------------------------------ policy validation

    #[test]
    fn a_sound_policy_validates() {
        policy().validate(usd(), &known()).unwrap();
        ApprovalPolicy::default().validate(usd(), &[]).unwrap();
    }

    #[test]
    fn rules_need_a_name_a_unique_id_and_name() {
        let mut p = policy();
        p.rules[1].name = "  ".into();
        refused(p.validate(usd(), &known()), ErrorCode::InvalidValue, "rules[1].name");
        let mut p = policy();
        p.rules[1].id = p.rules[0].id;
        refused(p.validate(usd(), &known()), ErrorCode::InvalidValue, "rules[1].id");
        let mut p = policy();
        p.rules[1].name = " orders over usd 10,000".into();
        refused(p.validate(usd(), &known()), ErrorCode::InvalidValue, "rules[1].name");
    }

    #[test]
    fn a_rule_needs_at_least_one_level() {
        let mut p = policy();
        p.rules[1].levels.clear();
        let e = refused(p.validate(usd(), &known()), ErrorCode::InvalidValue, "rules[1].levels");
        assert!(e.message.contains("at least one"));
        // Inactive rules are checked too: they can be switched back on.
        p.rules[1].active = false;
        refused(p.validate(usd(), &known()), ErrorCode::InvalidValue, "rules[1].levels");
    }

    #[test]
    fn approvers_and_buyers_must_be_known_users() {
        let mut p = policy();
        p.rules[0].levels[1] = Approver::User(id(99));
        refused(
            p.validate(usd(), &known()),
            ErrorCode::UnknownReference,
            "rules[0].levels[1]",
        );
        let mut p = policy();
        p.rules[1].condition = ApprovalCondition::PlacedBy(id(99));
        refused(
            p.validate(usd(), &known()),
            ErrorCode::UnknownReference,
            "rules[1].condition",
        );
    }

    #[test]
    fn thresholds_are_in_the_account_currency_and_not_negative() {
        let eur = Currency::parse("EUR", "c").unwrap();
        let mut p = policy();
        p.rules[0].condition = ApprovalCondition::OrderTotalOver(Money::from_minor(100, eur));
        refused(
            p.validate(usd(), &known()),
            ErrorCode::CurrencyMismatch,
            "rules[0].condition",
        );
        p.rules[0].condition = ApprovalCondition::OrderTotalOver(usd_amt("-1.00"));
        refused(
            p.validate(usd(), &known()),
            ErrorCode::InvalidValue,
            "rules[0].condition",
        );
        p.rules[0].condition = ApprovalCondition::OrderTotalOver(usd_amt("0"));
        p.validate(usd(), &known()).unwrap();
    }

    #[test]
    fn categories_and_cost_centres_must_be_named() {
        let mut p = policy();
        p.rules[1].condition = ApprovalCondition::CostCentre(" ".into());
        refused(
            p.validate(usd(), &known()),
            ErrorCode::InvalidValue,
            "rules[1].condition",
        );
        p.rules[1].condition = ApprovalCondition::Category(String::new());
        refused(
            p.validate(usd(), &known()),
            ErrorCode::InvalidValue,
            "rules[1].condition",
        );
    }

    #[test]
    fn levels_need_different_people_and_a_buyer_cannot_approve_their_own_rule() {
        let mut p = policy();
        p.rules[0].levels = vec![Approver::User(user(BO)), Approver::Role, Approver::User(user(BO))];
        let e = refused(
            p.validate(usd(), &known()),
            ErrorCode::InvalidValue,
            "rules[0].levels[2]",
        );
        assert!(e.message.contains("level 1"), "{e}");
        // Two role levels are fine (two different role holders, enforced when deciding).
        p.rules[0].levels = vec![Approver::Role, Approver::Role];
        p.validate(usd(), &known()).unwrap();
        let mut p = policy();
        p.rules[1].condition = ApprovalCondition::PlacedBy(user(CY));
        p.rules[1].levels = vec![Approver::Role, Approver::User(user(CY))];
        refused(
            p.validate(usd(), &known()),
            ErrorCode::InvalidValue,
            "rules[1].levels[1]",
        );
    }

    #[test]
    fn two_active_rules_with_the_same_condition_overlap() {
        let mut p = policy();
        p.rules.push(rule(
            12,
            "Gadgets",
            ApprovalCondition::Category(" electronics ".into()),
            vec![Approver::Role],
        ));
        let e = refused(
            p.validate(usd(), &known()),
            ErrorCode::InvalidValue,
            "rules[2].condition",
        );
        assert_eq!(e.message, "overlaps rule 'Electronics'");
        // An inactive duplicate does not overlap.
        p.rules[2].active = false;
        p.validate(usd(), &known()).unwrap();
        p.rules[2].active = true;
        p.rules[1].active = false;
        p.validate(usd(), &known()).unwrap();
        // Same kind, different values: no overlap.
        let mut p = policy();
        p.rules.push(rule(
            13,
            "Huge orders",
            ApprovalCondition::OrderTotalOver(usd_amt("50000.00")),
            vec![Approver::Role],
        ));
        p.rules.push(rule(
            14,
            "Over budget",
            ApprovalCondition::OverBudget,
            vec![Approver::Role],
        ));
        p.validate(usd(), &known()).unwrap();
        p.rules.push(rule(
            15,
            "Budget check",
            ApprovalCondition::OverBudget,
            vec![Approver::Role],
        ));
        let e = refused(
            p.validate(usd(), &known()),
            ErrorCode::InvalidValue,
            "rules[4].condition",
        );
        assert_eq!(e.message, "overlaps rule 'Over budget'");
    }

    #[test]
    fn escalation_comes_after_the_reminder() {
        for (remind, escalate, ok) in [
            (24, 48, true),
            (24, 24, false),
            (48, 24, false),
            (0, 1, true),
            (5, 0, true),
        ] {
            let mut p = policy();
            p.remind_after_hours = remind;
            p.escalate_after_hours = escalate;
            let r = p.validate(usd(), &known());
            if ok {
                r.unwrap();
            } else {
                refused(r, ErrorCode::InvalidValue, "escalate_after_hours");
            }
        }
    }

    // ------------------------------------------------------------ evaluation

    #[test]
    fn total_must_be_strictly_over_the_threshold() {
        let p = policy();
        assert!(p.required(&facts("10000.00")).is_empty());
        let steps = p.required(&facts("12500.00"));
        assert_eq!(steps.len(), 2);
        assert_eq!(steps[0].reason, "order total USD 12,500.00 is over USD 10,000.00");
        assert_eq!((steps[0].level, steps[0].approver), (1, Approver::Role));
        assert_eq!((steps[1].level, steps[1].approver), (2, Approver::User(user(BO))));
        assert_eq!(steps[1].rule_name, "Orders over USD 10,000");
        assert_eq!(steps[1].rule_id, id(10));
    }

    #[test]
    fn every_matching_rule_adds_its_levels_in_policy_order() {
        let mut f = facts("12500.00");
        f.categories.push(" ELECTRONICS".into());
        let steps = policy().required(&f);
        let names: Vec<(&str, u32)> = steps.iter().map(|s| (s.rule_name.as_str(), s.level)).collect();
        assert_eq!(
            names,
            [
                ("Orders over USD 10,000", 1),
                ("Orders over USD 10,000", 2),
                ("Electronics", 1)
            ]
        );
        assert_eq!(steps[2].reason, "the order has lines in category 'Electronics'");
        // Inactive rules do not apply.
        let mut p = policy();
        p.rules[0].active = false;
        assert_eq!(p.required(&f).len(), 1);
    }

    #[test]
    fn each_condition_matches_its_own_fact() {
        let only = |c: ApprovalCondition| ApprovalPolicy {
            rules: vec![rule(20, "R", c, vec![Approver::Role])],
            ..ApprovalPolicy::default()
        };
        let f = facts("100.00");
        let cc = only(ApprovalCondition::CostCentre("cc-42".into())).required(&f);
        assert_eq!(cc[0].reason, "the order has lines charged to cost centre 'cc-42'");
        assert!(
            only(ApprovalCondition::CostCentre("CC-43".into()))
                .required(&f)
                .is_empty()
        );
        assert!(
            only(ApprovalCondition::Category("Electronics".into()))
                .required(&f)
                .is_empty()
        );
        assert!(only(ApprovalCondition::OverBudget).required(&f).is_empty());
        let over = OrderFacts {
            over_budget: true,
            ..f.clone()
        };
        assert_eq!(
            only(ApprovalCondition::OverBudget).required(&over)[0].reason,
            "the order would take a budget over its amount"
        );
        assert_eq!(only(ApprovalCondition::PlacedBy(user(CY))).required(&f).len(), 1);
        assert!(only(ApprovalCondition::PlacedBy(user(ANA))).required(&f).is_empty());
        let anonymous = OrderFacts { placed_by: None, ..f };
        assert!(
            only(ApprovalCondition::PlacedBy(user(CY)))
                .required(&anonymous)
                .is_empty()
        );
    }

    #[test]
    fn a_threshold_in_another_currency_fails_closed() {
        let eur = Currency::parse("EUR", "c").unwrap();
        let p = ApprovalPolicy {
            rules: vec![rule(
                20,
                "Big",
                ApprovalCondition::OrderTotalOver(Money::from_minor(1_000_000, eur)),
                vec![Approver::Role],
            )],
            ..ApprovalPolicy::default()
        };
        let steps = p.required(&facts("1.00"));
        assert_eq!(steps.len(), 1);
        assert!(steps[0].reason.contains("cannot be compared"), "{}", steps[0].reason);
    }

    fn order_line(no: u32, category: &str, cc: Option<&str>, qty: u32, cancelled: u32, price: &str) -> Line {
        Line {
            no,
            product_id: id::<ProductId>(300 + u128::from(no)),
            sku: format!("SKU-{no}"),
            description: "Thing".into(),
            category: category.into(),
            quantity: Qty::new(qty),
            unit_price: usd_amt(price),
            ship_to: id::<LocationId>(102),
            requested_date: None,
            po_number: None,
            cost_centre: cc.map(Into::into),
            project: None,
            cancelled: Qty::new(cancelled),
            backorder: None,
            allocations: Vec::new(),
            shipments: Vec::new(),
            returns: Vec::new(),
            supplier_rejections: Vec::new(),
        }
    }

    #[test]
    fn facts_of_an_order_count_goods_net_of_cancellations_plus_freight() {
        let order = Order {
            credit_hold: None,
            id: id::<OrderId>(900),
            number: "SO-1001".into(),
            account_id: id::<AccountId>(1),
            currency: usd(),
            bill_to: id(101),
            po_number: None,
            channel: Channel::Portal,
            placed_at: START,
            freight: usd_amt("50.00"),
            lines: vec![
                order_line(1, "Furniture", Some("CC-42"), 10, 2, "100.00"),
                order_line(2, "Electronics", Some("CC-7"), 3, 3, "900.00"),
                order_line(3, "Furniture", None, 1, 0, "25.00"),
            ],
            shipments: Vec::new(),
            approval: None,
        };
        let f = OrderFacts::of(&order, Some(user(CY)), true);
        assert_eq!(f.total, usd_amt("875.00"));
        assert_eq!(f.categories, ["Furniture"]);
        assert_eq!(f.cost_centres, ["CC-42"]);
        assert_eq!(f.placed_by, Some(user(CY)));
        assert!(f.over_budget);
    }

    // ------------------------------------------------------------ deciding

    #[test]
    fn no_matching_rule_means_approved_at_once() {
        let w = workflow("500.00");
        assert_eq!(w.state(), ApprovalState::Approved);
        assert!(w.is_approved());
        assert_eq!(
            w.explain(),
            "No approval needed: no approval rule applies to this order."
        );
        assert!(w.due_actions(&policy(), hours(1000)).is_empty());
    }

    #[test]
    fn steps_are_decided_in_sequence_until_approved() {
        let mut w = workflow("12500.00");
        assert_eq!(w.state(), ApprovalState::Pending { step_index: 0 });
        assert_eq!(w.placed_by, Some(user(CY)));
        // Bo is level 2; he cannot jump ahead (level 1 needs the role, which he lacks).
        refused(
            w.decide(&bo(), true, None, hours(1)),
            ErrorCode::NotApprover,
            "approver",
        );
        w.decide(&ana(), true, Some(" ok for Q4 ".into()), hours(1)).unwrap();
        assert_eq!(w.state(), ApprovalState::Pending { step_index: 1 });
        let d = w.steps[0].decision.as_ref().unwrap();
        assert_eq!(d.comment.as_deref(), Some("ok for Q4"));
        assert_eq!(
            (d.by, d.by_name.as_str(), d.on_behalf_of),
            (user(ANA), "Ana Ruiz", None)
        );
        assert!(!w.is_approved());
        w.decide(&bo(), true, Some("  ".into()), hours(2)).unwrap();
        assert_eq!(w.steps[1].decision.as_ref().unwrap().comment, None);
        assert_eq!(w.state(), ApprovalState::Approved);
        assert!(w.is_approved());
    }

    #[test]
    fn only_the_steps_approver_may_decide() {
        let mut w = workflow("12500.00");
        let before = w.clone();
        let e = refused(
            w.decide(&dee(), true, None, hours(1)),
            ErrorCode::NotApprover,
            "approver",
        );
        assert!(e.message.contains("approver role"), "{e}");
        assert_eq!(w, before);
        w.decide(&ana(), true, None, hours(1)).unwrap();
        // Level 2 is Bo by name: another role holder is not enough.
        let other_approver = actor(DEE, "Dee Park", true);
        let before = w.clone();
        let e = refused(
            w.decide(&other_approver, true, None, hours(2)),
            ErrorCode::NotApprover,
            "approver",
        );
        assert!(e.message.contains("named approver"), "{e}");
        assert_eq!(w, before);
    }

    #[test]
    fn a_delegate_decides_for_the_named_approver_while_they_are_away() {
        let mut w = workflow("12500.00");
        w.decide(&ana(), true, None, hours(1)).unwrap();
        let mut dee = dee();
        dee.delegations = vec![
            // Someone else's delegation to Dee, and Bo's delegation to someone else: irrelevant.
            Delegation::new(user(ANA), user(DEE), date!(2026 - 11 - 01), date!(2026 - 12 - 31)).unwrap(),
            Delegation::new(user(BO), user(ANA), date!(2026 - 11 - 01), date!(2026 - 12 - 31)).unwrap(),
            // Bo's delegation to Dee, from tomorrow.
            Delegation::new(user(BO), user(DEE), date!(2026 - 11 - 21), date!(2026 - 11 - 27)).unwrap(),
        ];
        let before = w.clone();
        refused(w.decide(&dee, true, None, hours(2)), ErrorCode::NotApprover, "approver");
        assert_eq!(w, before);
        // After the last day it is over too.
        refused(
            w.decide(&dee, true, None, datetime!(2026-11-28 00:00 UTC)),
            ErrorCode::NotApprover,
            "approver",
        );
        w.decide(&dee, true, None, datetime!(2026-11-27 23:59 UTC)).unwrap();
        let d = w.steps[1].decision.as_ref().unwrap();
        assert_eq!((d.by, d.on_behalf_of), (user(DEE), Some(user(BO))));
        assert_eq!(w.state(), ApprovalState::Approved);
        assert!(
            w.explain()
                .contains("approved by Dee Park for the named approver, who is away")
        );
    }

    #[test]
    fn delegations_need_two_people_and_an_end_after_the_start() {
        let e = Delegation::new(user(BO), user(BO), date!(2026 - 11 - 01), date!(2026 - 11 - 02)).unwrap_err();
        assert_eq!((e.code, e.field.as_str()), (ErrorCode::InvalidValue, "to"));
        let e = Delegation::new(user(BO), user(DEE), date!(2026 - 11 - 02), date!(2026 - 11 - 01)).unwrap_err();
        assert_eq!((e.code, e.field.as_str()), (ErrorCode::InvalidValue, "until"));
        let one_day = Delegation::new(user(BO), user(DEE), date!(2026 - 11 - 02), date!(2026 - 11 - 02)).unwrap();
        assert!(one_day.is_active(date!(2026 - 11 - 02)));
        assert!(!one_day.is_active(date!(2026 - 11 - 01)));
        assert!(!one_day.is_active(date!(2026 - 11 - 03)));
    }

    #[test]
    fn the_buyer_cannot_decide_their_own_order() {
        let mut w = workflow("12500.00");
        let before = w.clone();
        let buyer = actor(CY, "Cy Buyer", true);
        let e = refused(
            w.decide(&buyer, true, None, hours(1)),
            ErrorCode::InvalidState,
            "approver",
        );
        assert!(e.message.contains("placed the order"));
        refused(
            w.decide(&buyer, false, Some("never mind".into()), hours(1)),
            ErrorCode::InvalidState,
            "approver",
        );
        assert_eq!(w, before);
        // Nor may someone stand in for the buyer, nor the buyer stand in for someone.
        let mut p = policy();
        p.rules[0].levels = vec![Approver::User(user(CY))];
        let mut w = ApprovalWorkflow::start(&p, &facts("12500.00"), START);
        let mut dee = dee();
        dee.delegations =
            vec![Delegation::new(user(CY), user(DEE), date!(2026 - 11 - 01), date!(2026 - 11 - 30)).unwrap()];
        refused(
            w.decide(&dee, true, None, hours(1)),
            ErrorCode::InvalidState,
            "approver",
        );
        p.rules[0].levels = vec![Approver::User(user(DEE))];
        let mut w = ApprovalWorkflow::start(&p, &facts("12500.00"), START);
        let mut cy = actor(CY, "Cy Buyer", false);
        cy.delegations =
            vec![Delegation::new(user(DEE), user(CY), date!(2026 - 11 - 01), date!(2026 - 11 - 30)).unwrap()];
        refused(w.decide(&cy, true, None, hours(1)), ErrorCode::InvalidState, "approver");
    }

    #[test]
    fn one_person_cannot_decide_two_levels_of_a_rule() {
        let mut p = policy();
        p.rules[0].levels = vec![Approver::Role, Approver::Role];
        let mut f = facts("12500.00");
        f.categories.push("Electronics".into());
        p.rules[1].levels = vec![Approver::Role];
        let mut w = ApprovalWorkflow::start(&p, &f, START);
        w.decide(&ana(), true, None, hours(1)).unwrap();
        let before = w.clone();
        let e = refused(
            w.decide(&ana(), true, None, hours(2)),
            ErrorCode::InvalidState,
            "approver",
        );
        assert!(e.message.contains("level 1"), "{e}");
        assert_eq!(w, before);
        w.decide(&actor(DEE, "Dee Park", true), true, None, hours(2)).unwrap();
        // Another rule's level is another matter.
        w.decide(&ana(), true, None, hours(3)).unwrap();
        assert!(w.is_approved());
    }

    #[test]
    fn a_rejection_needs_a_comment_and_holds_the_order_for_good() {
        let mut w = workflow("12500.00");
        let before = w.clone();
        refused(
            w.decide(&ana(), false, None, hours(1)),
            ErrorCode::InvalidValue,
            "comment",
        );
        refused(
            w.decide(&ana(), false, Some(" \n".into()), hours(1)),
            ErrorCode::InvalidValue,
            "comment",
        );
        assert_eq!(w, before);
        w.decide(&ana(), false, Some("over budget".into()), hours(1)).unwrap();
        assert_eq!(w.state(), ApprovalState::Rejected);
        assert!(!w.is_approved());
        // Final: nobody can decide again, later steps stay undecided, nothing is due.
        let e = refused(
            w.decide(&bo(), true, None, hours(2)),
            ErrorCode::InvalidState,
            "approval",
        );
        assert!(e.message.contains("rejected"));
        assert!(w.steps[1].decision.is_none());
        assert!(w.due_actions(&policy(), hours(500)).is_empty());
        refused(w.mark_reminded(hours(30)), ErrorCode::InvalidState, "approval");
        refused(w.mark_escalated(hours(50)), ErrorCode::InvalidState, "approval");
    }

    #[test]
    fn an_approved_workflow_is_final() {
        let mut w = workflow("12500.00");
        w.decide(&ana(), true, None, hours(1)).unwrap();
        w.decide(&bo(), true, None, hours(2)).unwrap();
        let e = refused(
            w.decide(&bo(), false, Some("changed my mind".into()), hours(3)),
            ErrorCode::InvalidState,
            "approval",
        );
        assert!(e.message.contains("already approved"));
    }

    #[test]
    fn a_decision_cannot_predate_the_wait() {
        let mut w = workflow("12500.00");
        refused(w.decide(&ana(), true, None, hours(-1)), ErrorCode::InvalidValue, "at");
        w.decide(&ana(), true, None, hours(5)).unwrap();
        refused(w.decide(&bo(), true, None, hours(4)), ErrorCode::InvalidValue, "at");
        w.decide(&bo(), true, None, hours(5)).unwrap();
    }

    // ------------------------------------------------------------ reminders and escalation

    #[test]
    fn reminders_repeat_and_escalation_happens_once_per_step() {
        let p = policy();
        let mut w = workflow("12500.00");
        assert!(w.due_actions(&p, hours(23)).is_empty());
        let remind0 = DueAction::Remind {
            step_index: 0,
            approver: Approver::Role,
            waiting_since: START,
        };
        assert_eq!(w.due_actions(&p, hours(24)), [remind0]);
        w.mark_reminded(hours(24)).unwrap();
        assert!(w.due_actions(&p, hours(47)).is_empty());
        let escalate0 = DueAction::Escalate {
            step_index: 0,
            approver: Approver::Role,
            waiting_since: START,
        };
        assert_eq!(w.due_actions(&p, hours(48)), [remind0, escalate0]);
        w.mark_reminded(hours(48)).unwrap();
        w.mark_escalated(hours(48)).unwrap();
        assert_eq!(w.steps[0].reminders, 2);
        assert!(w.due_actions(&p, hours(71)).is_empty());
        assert_eq!(w.due_actions(&p, hours(72)), [remind0]);
        refused(w.mark_escalated(hours(80)), ErrorCode::InvalidState, "approval");
        refused(w.mark_reminded(hours(-1)), ErrorCode::InvalidValue, "at");
        // The next step waits from the decision, with fresh reminders and escalation.
        w.decide(&ana(), true, None, hours(100)).unwrap();
        assert!(w.due_actions(&p, hours(123)).is_empty());
        let since = hours(100);
        assert_eq!(
            w.due_actions(&p, hours(148)),
            [
                DueAction::Remind {
                    step_index: 1,
                    approver: Approver::User(user(BO)),
                    waiting_since: since
                },
                DueAction::Escalate {
                    step_index: 1,
                    approver: Approver::User(user(BO)),
                    waiting_since: since
                }
            ]
        );
        refused(w.mark_escalated(hours(99)), ErrorCode::InvalidValue, "at");
    }

    #[test]
    fn zero_hours_switch_reminders_and_escalation_off() {
        let p = ApprovalPolicy {
            remind_after_hours: 0,
            escalate_after_hours: 0,
            ..policy()
        };
        assert!(workflow("12500.00").due_actions(&p, hours(10_000)).is_empty());
    }

    // ------------------------------------------------------------ explanations

    #[test]
    fn explains_in_plain_language() {
        let mut w = workflow("12500.00");
        assert_eq!(
            w.explain(),
            "Needs approval because order total USD 12,500.00 is over USD 10,000.00; waiting for an approver \
             (level 1 of 'Orders over USD 10,000') since Nov 20; then 1 more approval."
        );
        w.decide(&ana(), true, Some("ok for Q4".into()), hours(2)).unwrap();
        assert_eq!(
            w.explain(),
            "Approved by Ana Ruiz (level 1 of 'Orders over USD 10,000') on Nov 20 — 'ok for Q4'; waiting for \
             the named approver (level 2 of 'Orders over USD 10,000') since Nov 20."
        );
        w.mark_escalated(datetime!(2026-11-23 09:00 UTC)).unwrap();
        assert!(
            w.explain().ends_with("since Nov 20 (escalated on Nov 23)."),
            "{}",
            w.explain()
        );
        let mut approved = w.clone();
        approved
            .decide(&bo(), true, None, datetime!(2027-01-04 10:00 UTC))
            .unwrap();
        assert_eq!(
            approved.explain(),
            "Approved by Ana Ruiz (level 1 of 'Orders over USD 10,000') on Nov 20 — 'ok for Q4'; approved by \
             Bo Lee (level 2 of 'Orders over USD 10,000') on Jan 4, 2027. Every required approval is given."
        );
        w.decide(&bo(), false, Some("wait for Q1".into()), hours(30)).unwrap();
        assert_eq!(
            w.explain(),
            "Approved by Ana Ruiz (level 1 of 'Orders over USD 10,000') on Nov 20 — 'ok for Q4'; rejected by \
             Bo Lee (level 2 of 'Orders over USD 10,000') on Nov 21 — 'wait for Q1'. The order is on hold and \
             will not be fulfilled."
        );
    }

    #[test]
    fn formats_money_with_thousands_separators() {
        let jpy = Currency::parse("JPY", "c").unwrap();
        for (m, s) in [
            (usd_amt("0"), "USD 0.00"),
            (usd_amt("999.99"), "USD 999.99"),
            (usd_amt("1000"), "USD 1,000.00"),
            (usd_amt("1234567.89"), "USD 1,234,567.89"),
            (usd_amt("-100000"), "USD -100,000.00"),
            (Money::from_minor(1_200, jpy), "JPY 1,200"),
        ] {
            assert_eq!(fmt_money(m), s);
        }
    }

    #[test]
    fn policy_and_workflow_round_trip_as_storage_snapshots() {
        let p = policy();
        let json = serde_json::to_string(&p).unwrap();
        assert!(
            json.contains(r#""condition":{"kind":"order_total_over","value":"#),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<ApprovalPolicy>(&json).unwrap(), p);
        let mut w = workflow("12500.00");
        w.decide(&ana(), true, Some("ok".into()), hours(1)).unwrap();
        w.mark_reminded(hours(30)).unwrap();
        let json = serde_json::to_string(&w).unwrap();
        assert_eq!(serde_json::from_str::<ApprovalWorkflow>(&json).unwrap(), w);
        let over = serde_json::to_string(&ApprovalCondition::OverBudget).unwrap();
        assert_eq!(over, r#"{"kind":"over_budget"}"#);
        assert_eq!(
            serde_json::from_str::<ApprovalCondition>(&over).unwrap(),
            ApprovalCondition::OverBudget
        );
    }

    // ------------------------------------------------------------ properties

    fn approver_strategy() -> impl Strategy<Value = Approver> {
        prop_oneof![Just(Approver::Role), (1u128..=4).prop_map(|n| Approver::User(user(n)))]
    }

    proptest! {
        /// Whatever is attempted, by whomever, in whatever order: decisions form a prefix of the
        /// steps (no level is skipped), a rejection is always the last decision, every decision
        /// was made by someone entitled to it, times never go backwards, and a refused attempt
        /// changes nothing.
        #[test]
        fn decisions_never_skip_a_level(
            rules in prop::collection::vec(prop::collection::vec(approver_strategy(), 1..4), 1..4),
            attempts in prop::collection::vec(
                (1u128..=5, any::<bool>(), prop::bool::weighted(0.85), any::<bool>(), any::<bool>(), 0i64..30),
                0..40,
            ),
        ) {
            let policy = ApprovalPolicy {
                rules: rules
                    .into_iter()
                    .enumerate()
                    .map(|(i, levels)| {
                        rule(
                            100 + i as u128,
                            &format!("Rule {i}"),
                            ApprovalCondition::OrderTotalOver(usd_amt(&format!("{i}.00"))),
                            levels,
                        )
                    })
                    .collect(),
                remind_after_hours: 24,
                escalate_after_hours: 48,
            };
            let mut w = ApprovalWorkflow::start(&policy, &facts("12500.00"), START);
            prop_assert_eq!(w.steps.len(), policy.rules.iter().map(|r| r.levels.len()).sum::<usize>());
            let mut now = START;
            for (who, role, approve, comment, delegated, step_hours) in attempts {
                now += Duration::hours(step_hours);
                let mut a = actor(who, &format!("User {who}"), role);
                if delegated {
                    // Everyone else has delegated to this actor today.
                    a.delegations = (1u128..=5)
                        .filter(|n| *n != who)
                        .map(|n| Delegation::new(user(n), user(who), now.date(), now.date()).unwrap())
                        .collect();
                }
                let before = w.clone();
                let state_before = w.state();
                let comment = comment.then(|| "because".to_owned());
                match w.decide(&a, approve, comment, now) {
                    Ok(()) => {
                        let ApprovalState::Pending { step_index } = state_before else {
                            return Err(TestCaseError::fail("decided a finished workflow"));
                        };
                        let d = w.steps[step_index].decision.as_ref().unwrap();
                        prop_assert_eq!(d.by, a.user);
                        prop_assert_eq!(d.at, now);
                        prop_assert!(Some(a.user) != w.placed_by);
                        match w.steps[step_index].required.approver {
                            Approver::Role => prop_assert!(role && d.on_behalf_of.is_none()),
                            Approver::User(u) => prop_assert!(
                                d.by == u || (delegated && d.on_behalf_of == Some(u))
                            ),
                        }
                    }
                    Err(_) => prop_assert_eq!(&w, &before),
                }
                let decided = w.steps.iter().take_while(|s| s.decision.is_some()).count();
                prop_assert!(w.steps[decided..].iter().all(|s| s.decision.is_none()));
                let rejections: Vec<usize> = (0..decided)
                    .filter(|&i| !w.steps[i].decision.as_ref().unwrap().approved)
                    .collect();
                prop_assert!(rejections.len() <= 1);
                if let Some(&r) = rejections.first() {
                    prop_assert_eq!(r + 1, decided);
                    prop_assert_eq!(w.state(), ApprovalState::Rejected);
                } else if decided == w.steps.len() {
                    prop_assert_eq!(w.state(), ApprovalState::Approved);
                } else {
                    prop_assert_eq!(w.state(), ApprovalState::Pending { step_index: decided });
                }
                let times: Vec<OffsetDateTime> =
                    w.steps[..decided].iter().map(|s| s.decision.as_ref().unwrap().at).collect();
                prop_assert!(times.windows(2).all(|t| t[0] <= t[1]));
            }
        }
    }
}
