//! The account's own policies: approval rules and delegations, budgets, and the approval
//! workflow of each order (decisions, reminders, escalation).

use crate::docs::{Doc, Versioned, check_version, decode, event, write};
use crate::error::{AppError, Result};
use crate::identity::{User, UserKind, UserStatus};
use crate::order_docs::{Need, StoredOrder};
use crate::principal::{Action, CustomerRole, PrincipalKind};
use crate::{App, Ctx, ListFilter, Planned};
use aftercart_domain::account::Account;
use aftercart_domain::approval::{
    ApprovalCondition, ApprovalPolicy, ApprovalState, ApprovalWorkflow, Deciding, Delegation, DelegationState,
    DueAction, OrderFacts,
};
use aftercart_domain::budget::{Budget, BudgetUse, Impact, NewBudget, affected, budget_impact, budget_use};
use aftercart_domain::error::{ErrorCode, Rejection};
use aftercart_domain::ids::{AccountId, BudgetId, DelegationId, OrderId, UserId};
use aftercart_domain::invoice::Invoice;
use aftercart_domain::order::Order;
use aftercart_store::{Commit, KeyWrite, WriteMode};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

/// An account's approval policy and its approvers' delegations (one document per account).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Governance {
    pub id: Uuid,
    pub account_id: AccountId,
    pub policy: ApprovalPolicy,
    pub delegations: Vec<Delegation>,
}

impl Doc for Governance {
    const KIND: &'static str = "governance";
    const WHAT: &'static str = "approval policy";
    fn doc_id(&self) -> Uuid {
        self.id
    }
    fn account(&self) -> Option<AccountId> {
        Some(self.account_id)
    }
}

impl Doc for Budget {
    const KIND: &'static str = "budget";
    const WHAT: &'static str = "budget";
    fn doc_id(&self) -> Uuid {
        self.id.0
    }
    fn account(&self) -> Option<AccountId> {
        Some(self.account_id)
    }
    fn at(&self) -> time::OffsetDateTime {
        self.starts_on.midnight().assume_utc()
    }
}

/// The approval picture of one order, for the approver: who decided what, and the budgets it touches.
pub struct ApprovalsAnswer {
    pub order: Versioned<Order>,
    pub workflow: Option<ApprovalWorkflow>,
    pub impacts: Vec<(Budget, Impact)>,
}

/// A delegation with the names of the people in it and where it stands today.
#[derive(Debug, Clone)]
pub struct DelegationAnswer {
    pub delegation: Delegation,
    pub from_name: Option<String>,
    pub to_name: Option<String>,
    pub state: DelegationState,
}

impl DelegationAnswer {
    fn of(d: &Delegation, names: &HashMap<UserId, String>, today: time::Date) -> DelegationAnswer {
        DelegationAnswer {
            delegation: d.clone(),
            from_name: names.get(&d.from).cloned(),
            to_name: names.get(&d.to).cloned(),
            state: d.state(today),
        }
    }
}

pub struct BudgetAnswer {
    pub budget: Budget,
    pub usage: BudgetUse,
}

fn user_id_of(ctx: &Ctx) -> Option<UserId> {
    Uuid::parse_str(&ctx.principal.id).ok().map(UserId)
}

impl App {
    /// The account's governance document (an empty policy when none was set yet).
    pub async fn governance(&self, ctx: &Ctx, account: AccountId) -> Result<Versioned<Governance>> {
        self.load::<Account>(ctx, account.0).await?;
        match self.store.by_key("governance", &account.0.to_string()).await?.first() {
            Some(id) => self.load::<Governance>(ctx, *id).await,
            None => Ok(Versioned {
                value: Governance {
                    id: Uuid::nil(),
                    account_id: account,
                    policy: ApprovalPolicy::default(),
                    delegations: Vec::new(),
                },
                version: 0,
            }),
        }
    }

    fn governance_write(g: &mut Governance, version: i64) -> Result<Commit> {
        let mut commit = Commit::default();
        if version == 0 {
            g.id = Uuid::now_v7();
            commit.keys.push(KeyWrite {
                kind: "governance",
                key: g.account_id.0.to_string(),
                doc_id: g.id,
            });
            commit.docs.push(write(g, WriteMode::Insert)?);
        } else {
            commit.docs.push(write(g, WriteMode::Update(version))?);
        }
        Ok(commit)
    }

    async fn account_users(&self, account: AccountId) -> Result<Vec<User>> {
        let f = ListFilter {
            account_id: Some(account),
            limit: 500,
            ..Default::default()
        };
        Ok(self
            .list_docs::<User>(&Ctx::system(), &f, None)
            .await?
            .items
            .into_iter()
            .map(|v| v.value)
            .collect())
    }

    pub async fn plan_set_approval_policy(
        &self,
        ctx: &Ctx,
        account: AccountId,
        policy: &ApprovalPolicy,
    ) -> Result<Planned<Versioned<Governance>>> {
        let acct = self.load::<Account>(ctx, account.0).await?.value;
        let Versioned { value: mut g, version } = self.governance(ctx, account).await?;
        check_version(ctx, version)?;
        let users = self.account_users(account).await?;
        let approvers: Vec<UserId> = users
            .iter()
            .filter(|u| u.status != UserStatus::Deactivated)
            .filter(|u| matches!(&u.kind, UserKind::Customer { account_id, .. } if *account_id == account))
            .map(|u| u.id)
            .collect();
        policy.validate(acct.currency, &approvers)?;
        g.policy = policy.clone();
        let mut commit = Self::governance_write(&mut g, version)?;
        commit.events.push(event(
            &ctx.principal.actor(),
            self.clock.now(),
            "account.approval_policy_set",
            "account",
            account.0,
            Some(account),
            None,
            json!({"rules": g.policy.rules.iter().map(|r| &r.name).collect::<Vec<_>>()}),
        ));
        Ok(Planned {
            value: Versioned {
                value: g,
                version: version + 1,
            },
            commit,
        })
    }

    /// Records that `from` is away and `to` decides for them. Approvers set their own; an
    /// account admin (or seller staff) may set anyone's.
    pub async fn plan_set_delegation(
        &self,
        ctx: &Ctx,
        account: AccountId,
        delegation: &Delegation,
    ) -> Result<Planned<DelegationAnswer>> {
        let Versioned { value: mut g, version } = self.governance(ctx, account).await?;
        check_version(ctx, version)?;
        let is_admin = ctx.principal.is_seller()
            || matches!(&ctx.principal.kind, PrincipalKind::Customer { roles, .. } if roles.contains(&CustomerRole::AccountAdmin));
        if !is_admin && user_id_of(ctx) != Some(delegation.from) {
            return Err(AppError::Forbidden("you may only delegate your own approvals".into()));
        }
        let users = self.account_users(account).await?;
        for (field, id) in [("from", delegation.from), ("to", delegation.to)] {
            if !users.iter().any(|u| u.id == id && u.status == UserStatus::Active) {
                return Err(
                    Rejection::new(ErrorCode::UnknownReference, field, "no active user of this account").into(),
                );
            }
        }
        let now = self.clock.now();
        let today = now.date();
        // A new delegation replaces the delegator's current or scheduled one; ended and expired
        // ones stay listed as history.
        g.delegations.retain(|d| {
            d.from != delegation.from || matches!(d.state(today), DelegationState::Ended | DelegationState::Expired)
        });
        let delegation = Delegation {
            id: DelegationId(Uuid::now_v7()),
            ended_at: None,
            ..delegation.clone()
        };
        g.delegations.push(delegation.clone());
        let mut commit = Self::governance_write(&mut g, version)?;
        commit.events.push(event(
            &ctx.principal.actor(),
            self.clock.now(),
            "approval.delegated",
            "account",
            account.0,
            Some(account),
            None,
            json!({"delegation_id": delegation.id, "from": delegation.from, "to": delegation.to, "from_date": delegation.from_date.to_string(), "until": delegation.until.to_string()}),
        ));
        let names = self.user_names(account).await?;
        Ok(Planned {
            value: DelegationAnswer::of(&delegation, &names, today),
            commit,
        })
    }

    /// Display names of an account's users, for answers that name people (delegations,
    /// approvals) to principals who may not read the user directory.
    async fn user_names(&self, account: AccountId) -> Result<HashMap<UserId, String>> {
        Ok(self
            .account_users(account)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect())
    }

    /// The account's delegations, newest first, with the people's names and where each stands today.
    pub async fn delegations(&self, ctx: &Ctx, account: AccountId) -> Result<Vec<DelegationAnswer>> {
        let g = self.governance(ctx, account).await?.value;
        let names = self.user_names(account).await?;
        let today = self.clock.now().date();
        Ok(g.delegations
            .iter()
            .rev()
            .map(|d| DelegationAnswer::of(d, &names, today))
            .collect())
    }

    /// Ends a delegation early: from now on the delegate can no longer decide for the delegator.
    /// The delegator may end their own; an account admin (or seller staff) anyone's.
    pub async fn plan_end_delegation(
        &self,
        ctx: &Ctx,
        account: AccountId,
        id: DelegationId,
    ) -> Result<Planned<DelegationAnswer>> {
        let Versioned { value: mut g, version } = self.governance(ctx, account).await?;
        check_version(ctx, version)?;
        let Some(d) = g.delegations.iter_mut().find(|d| d.id == id) else {
            return Err(AppError::not_found("delegation"));
        };
        let is_admin = ctx.principal.is_seller()
            || matches!(&ctx.principal.kind, PrincipalKind::Customer { roles, .. } if roles.contains(&CustomerRole::AccountAdmin));
        if !is_admin && user_id_of(ctx) != Some(d.from) {
            return Err(AppError::Forbidden("you may only end your own delegations".into()));
        }
        let now = self.clock.now();
        d.end(now)?;
        let ended = d.clone();
        let mut commit = Self::governance_write(&mut g, version)?;
        commit.events.push(event(
            &ctx.principal.actor(),
            now,
            "approval.delegation_ended",
            "account",
            account.0,
            Some(account),
            None,
            json!({"delegation_id": ended.id, "from": ended.from, "to": ended.to}),
        ));
        let names = self.user_names(account).await?;
        Ok(Planned {
            value: DelegationAnswer::of(&ended, &names, now.date()),
            commit,
        })
    }

    /// Every order and invoice of an account (for budgets; a projection is the next step for
    /// accounts with many thousands of orders).
    async fn account_books(&self, account: AccountId) -> Result<(Vec<Order>, Vec<Invoice>)> {
        let (sys, f) = (
            Ctx::system(),
            ListFilter {
                account_id: Some(account),
                ..Default::default()
            },
        );
        let stored = self.all_docs::<StoredOrder>(&sys, &f).await?;
        let orders = self.orders_from(stored).await?.into_iter().map(|v| v.value).collect();
        let invoices = self
            .all_docs::<Invoice>(&sys, &f)
            .await?
            .into_iter()
            .map(|v| v.value)
            .collect();
        Ok((orders, invoices))
    }

    async fn budgets_of(&self, account: AccountId) -> Result<Vec<Budget>> {
        let f = ListFilter {
            account_id: Some(account),
            limit: 500,
            ..Default::default()
        };
        Ok(self
            .list_docs::<Budget>(&Ctx::system(), &f, None)
            .await?
            .items
            .into_iter()
            .map(|v| v.value)
            .collect())
    }

    /// What `order` would do to each budget it touches, counting every other committed order.
    pub(crate) async fn impacts(&self, order: &Order) -> Result<Vec<(Budget, Impact)>> {
        let budgets = self.budgets_of(order.account_id).await?;
        let touched: Vec<Budget> = affected(&budgets, order).into_iter().cloned().collect();
        if touched.is_empty() {
            return Ok(Vec::new());
        }
        let (orders, invoices) = self.account_books(order.account_id).await?;
        let others: Vec<(&Order, bool)> = orders
            .iter()
            .map(|o| {
                (
                    o,
                    o.id != order.id && o.approval.as_ref().is_none_or(|a| a.is_approved()),
                )
            })
            .collect();
        let inv: Vec<&Invoice> = invoices.iter().collect();
        let mut out = Vec::new();
        for b in touched {
            let current = budget_use(&b, &others, &inv)?;
            let impact = budget_impact(&b, &current, order)?;
            out.push((b, impact));
        }
        Ok(out)
    }

    // -- change requests --
    /// After a change to a placed order: the approval steps its account's policy now requires
    /// that the order's workflow does not have yet (a raised total past a rule's threshold, a
    /// new category or cost centre). Decisions already made stay valid; new steps put the order
    /// back on hold until they are decided. Returns the reasons and the events to record.
    pub(crate) async fn reapproval(
        &self,
        ctx: &Ctx,
        order: &mut Order,
    ) -> Result<(Vec<String>, Vec<aftercart_store::EventWrite>)> {
        let Some(steps) = self.steps_now_required(order).await? else {
            return Ok((Vec::new(), Vec::new()));
        };
        let now = self.clock.now();
        let names = self.user_names(order.account_id).await?;
        let reasons: Vec<String> = steps.iter().map(|s| s.reason.clone()).collect();
        // A buyer never approves their own change, as they never approve their own order.
        let requester = match &ctx.principal.kind {
            PrincipalKind::Customer { .. } => user_id_of(ctx),
            _ => None,
        };
        let wf = order.approval.get_or_insert_with(|| ApprovalWorkflow {
            steps: Vec::new(),
            placed_by: requester,
            started_at: now,
        });
        for required in steps {
            wf.steps.push(aftercart_domain::approval::Step {
                required,
                decision: None,
                reminded_at: None,
                reminders: 0,
                escalated_at: None,
            });
        }
        wf.name_approvers(|u| names.get(&u).cloned());
        let ev = event(
            &ctx.principal.actor(),
            now,
            "approval.requested",
            "order",
            order.id.0,
            Some(order.account_id),
            Some(reasons.join("; ")),
            json!({"after_change": true}),
        );
        Ok((reasons, vec![ev]))
    }

    /// The steps the policy requires of `order` as it is now that its workflow lacks (by rule
    /// and level); `None` when there are none.
    pub(crate) async fn steps_now_required(
        &self,
        order: &Order,
    ) -> Result<Option<Vec<aftercart_domain::approval::RequiredStep>>> {
        let Some(id) = self
            .store
            .by_key("governance", &order.account_id.0.to_string())
            .await?
            .first()
            .copied()
        else {
            return Ok(None);
        };
        let g = self.load::<Governance>(&Ctx::system(), id).await?.value;
        if g.policy.rules.iter().all(|r| !r.active) {
            return Ok(None);
        }
        let needs_budget = g
            .policy
            .rules
            .iter()
            .any(|r| r.active && r.condition == ApprovalCondition::OverBudget);
        let over_budget = needs_budget && self.impacts(order).await?.iter().any(|(_, i)| i.would_exceed);
        let placed_by = order.approval.as_ref().and_then(|w| w.placed_by);
        let required = g.policy.required(&OrderFacts::of(order, placed_by, over_budget));
        let have: Vec<(aftercart_domain::ids::ApprovalRuleId, u32)> = order
            .approval
            .as_ref()
            .map(|w| w.steps.iter().map(|s| (s.required.rule_id, s.required.level)).collect())
            .unwrap_or_default();
        let missing: Vec<_> = required
            .into_iter()
            .filter(|r| !have.contains(&(r.rule_id, r.level)))
            .collect();
        Ok((!missing.is_empty()).then_some(missing))
    }
    // -- /change requests --

    /// Starts the approval workflow an order needs under its account's policy (called when it
    /// is placed). Returns the events to record with the order.
    pub(crate) async fn start_approval(
        &self,
        ctx: &Ctx,
        order: &mut Order,
    ) -> Result<Vec<aftercart_store::EventWrite>> {
        let Some(id) = self
            .store
            .by_key("governance", &order.account_id.0.to_string())
            .await?
            .first()
            .copied()
        else {
            return Ok(Vec::new());
        };
        let g = self.load::<Governance>(&Ctx::system(), id).await?.value;
        if g.policy.rules.iter().all(|r| !r.active) {
            return Ok(Vec::new());
        }
        let needs_budget = g
            .policy
            .rules
            .iter()
            .any(|r| r.active && r.condition == ApprovalCondition::OverBudget);
        let over_budget = needs_budget && self.impacts(order).await?.iter().any(|(_, i)| i.would_exceed);
        let placed_by = match &ctx.principal.kind {
            PrincipalKind::Customer { .. } => user_id_of(ctx),
            _ => None,
        };
        let now = self.clock.now();
        let mut wf = ApprovalWorkflow::start(&g.policy, &OrderFacts::of(order, placed_by, over_budget), now);
        if wf.steps.is_empty() {
            return Ok(Vec::new());
        }
        // Named approvers are recorded by name now, so "who does this wait for?" can be answered
        // to everyone who may read the order without reading the user directory.
        let names = self.user_names(order.account_id).await?;
        wf.name_approvers(|u| names.get(&u).cloned());
        let ev = event(
            &ctx.principal.actor(),
            now,
            "approval.requested",
            "order",
            order.id.0,
            Some(order.account_id),
            Some(
                wf.steps
                    .iter()
                    .map(|s| s.required.reason.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            json!({"steps": wf.steps.iter().map(|s| json!({"rule": s.required.rule_name, "level": s.required.level})).collect::<Vec<_>>()}),
        );
        order.approval = Some(wf);
        Ok(vec![ev])
    }

    /// "Who approved this?" — the workflow of an order and the budgets it touches.
    pub async fn approvals(&self, ctx: &Ctx, id: OrderId) -> Result<ApprovalsAnswer> {
        let order = self.load_order(ctx, id).await?;
        let impacts = if ctx.principal.may(Action::Approve) || ctx.principal.is_seller() {
            self.impacts(&order.value).await?
        } else {
            Vec::new()
        };
        let workflow = order.value.approval.clone();
        Ok(ApprovalsAnswer {
            order: self.order_view(ctx, order),
            workflow,
            impacts,
        })
    }

    /// Approves or rejects the current step of an order's approval as the calling user.
    pub async fn plan_decide(
        &self,
        ctx: &Ctx,
        id: OrderId,
        approve: bool,
        comment: Option<String>,
    ) -> Result<Planned<Versioned<Order>>> {
        let mut draft = self.order_draft(ctx, id, Need::All, false).await?;
        let order = &mut draft.order;
        let PrincipalKind::Customer { roles, .. } = &ctx.principal.kind else {
            return Err(AppError::Forbidden(
                "approvals are decided by the customer's approvers".into(),
            ));
        };
        let Some(user) = user_id_of(ctx) else {
            return Err(AppError::Forbidden("approvals are decided by named users".into()));
        };
        let Some(wf) = order.approval.as_mut() else {
            return Err(Rejection::new(ErrorCode::InvalidState, "approval", "this order needs no approval").into());
        };
        let delegations = match self
            .store
            .by_key("governance", &order.account_id.0.to_string())
            .await?
            .first()
        {
            Some(gid) => self.load::<Governance>(&Ctx::system(), *gid).await?.value.delegations,
            None => Vec::new(),
        };
        if wf.steps.iter().any(|s| {
            matches!(s.required.approver, aftercart_domain::approval::Approver::User(_))
                && s.required.approver_name.is_none()
        }) {
            let names = self.user_names(order.account_id).await?;
            wf.name_approvers(|u| names.get(&u).cloned());
        }
        let now = self.clock.now();
        let deciding = Deciding {
            user,
            name: ctx.principal.name.clone(),
            is_approver_role: roles.contains(&CustomerRole::Approver),
            delegations,
        };
        wf.decide(&deciding, approve, comment.clone(), now)?;
        let state = wf.state();
        let mut events = vec![event(
            &ctx.principal.actor(),
            now,
            if approve {
                "approval.approved"
            } else {
                "approval.rejected"
            },
            "order",
            order.id.0,
            Some(order.account_id),
            comment,
            json!({"state": state}),
        )];
        if state == ApprovalState::Approved {
            events.push(event(
                &crate::Actor::System,
                now,
                "order.released",
                "order",
                order.id.0,
                Some(order.account_id),
                None,
                json!({}),
            ));
        }
        let commit = draft.commit(events)?;
        Ok(Planned {
            value: draft.into_versioned(),
            commit,
        })
    }

    /// Sends due reminders and escalations for orders waiting for approval (run periodically).
    /// Returns how many were recorded.
    pub async fn run_approval_reminders(&self) -> Result<usize> {
        let sys = Ctx::system();
        let now = self.clock.now();
        let mut done = 0;
        let mut f = ListFilter {
            status: Some("awaiting_approval".into()),
            limit: 200,
            ..Default::default()
        };
        loop {
            let page = self.list_docs::<StoredOrder>(&sys, &f, None).await?;
            for stored in page.items {
                // Only the approval changes: the header alone, none of the lines.
                let mut draft = self.draft_from(stored, Need::Lines(Vec::new()), true).await?;
                let order = &mut draft.order;
                let Some(gid) = self
                    .store
                    .by_key("governance", &order.account_id.0.to_string())
                    .await?
                    .first()
                    .copied()
                else {
                    continue;
                };
                let policy = self.load::<Governance>(&sys, gid).await?.value.policy;
                let Some(wf) = order.approval.as_mut() else { continue };
                let mut events = Vec::new();
                for action in wf.due_actions(&policy, now) {
                    let (kind, since, approver) = match action {
                        DueAction::Remind {
                            waiting_since,
                            approver,
                            ..
                        } => {
                            wf.mark_reminded(now)?;
                            ("approval.reminder_sent", waiting_since, approver)
                        }
                        DueAction::Escalate {
                            waiting_since,
                            approver,
                            ..
                        } => {
                            wf.mark_escalated(now)?;
                            ("approval.escalated", waiting_since, approver)
                        }
                    };
                    events.push(event(
                        &crate::Actor::System,
                        now,
                        kind,
                        "order",
                        order.id.0,
                        Some(order.account_id),
                        Some(format!("waiting since {}", since.date())),
                        json!({"approver": approver}),
                    ));
                }
                if events.is_empty() {
                    continue;
                }
                let sent = events.len();
                let commit = draft.commit(events)?;
                // The version check is what keeps several server processes, each running this
                // pass, from sending a reminder twice: they all read the order at one version,
                // only the first commit of it wins, and the rest find it already reminded next
                // time. A concurrent decision wins the same way; the next run re-evaluates.
                if self.store.commit(commit).await.is_ok() {
                    done += sent;
                }
            }
            match page.next {
                Some(n) => f.before = Some(n),
                None => break,
            }
        }
        Ok(done)
    }

    pub async fn plan_create_budget(
        &self,
        ctx: &Ctx,
        account: AccountId,
        new: NewBudget,
    ) -> Result<Planned<Versioned<Budget>>> {
        let acct = self.load::<Account>(ctx, account.0).await?.value;
        let budget = Budget::new(
            &acct,
            NewBudget {
                id: BudgetId(Uuid::now_v7()),
                ..new
            },
        )?;
        let commit = Commit {
            docs: vec![write(&budget, WriteMode::Insert)?],
            events: vec![event(
                &ctx.principal.actor(),
                self.clock.now(),
                "budget.created",
                "account",
                account.0,
                Some(account),
                None,
                json!({"budget": budget.label(), "amount": budget.amount.to_string()}),
            )],
            ..Default::default()
        };
        Ok(Planned {
            value: Versioned {
                value: budget,
                version: 1,
            },
            commit,
        })
    }

    /// Budgets of an account with their committed and invoiced spend.
    /// The account's budgets with their use. A location-scoped user sees only the budgets of
    /// their own locations: a cost centre's, department's or project's figures would include
    /// other locations' spend.
    pub async fn budgets(&self, ctx: &Ctx, account: AccountId) -> Result<Vec<BudgetAnswer>> {
        self.load::<Account>(ctx, account.0).await?;
        let scoped = matches!(
            &ctx.principal.kind,
            crate::PrincipalKind::Customer { scope, .. } if *scope != crate::LocationScope::All
        );
        let mut budgets = self.budgets_of(account).await?;
        budgets.retain(|b| match b.dimension {
            aftercart_domain::budget::BudgetDimension::Location(l) => ctx.principal.sees_location(l),
            _ => !scoped,
        });
        if budgets.is_empty() {
            return Ok(Vec::new());
        }
        let (orders, invoices) = self.account_books(account).await?;
        let committed: Vec<(&Order, bool)> = orders
            .iter()
            .map(|o| (o, o.approval.as_ref().is_none_or(|a| a.is_approved())))
            .collect();
        let inv: Vec<&Invoice> = invoices.iter().collect();
        budgets
            .into_iter()
            .map(|b| {
                Ok(BudgetAnswer {
                    usage: budget_use(&b, &committed, &inv)?,
                    budget: b,
                })
            })
            .collect()
    }
}

/// The approval part of an order's status, when it overrides fulfilment progress.
pub fn approval_status(order: &Order) -> Option<&'static str> {
    approval_label(order.approval.as_ref())
}

/// The approval half of an order's stored status, from its workflow alone.
pub fn approval_label(approval: Option<&aftercart_domain::approval::ApprovalWorkflow>) -> Option<&'static str> {
    match approval?.state() {
        ApprovalState::Pending { .. } => Some("awaiting_approval"),
        ApprovalState::Rejected => Some("rejected"),
        ApprovalState::Approved => None,
    }
}

/// Decodes a stored document of any governance kind (used by tests and tools).
pub fn decode_budget(row: &aftercart_store::DocRow) -> Result<Budget> {
    Ok(decode::<Budget>(row)?.value)
}
