//! Approval policies, delegations, order approvals ("who approved this?") and budgets.

use super::orders::OrderOut;
use super::{respond, stored};
use crate::ApiState;
use crate::dto::{Code, FreeText, MoneyDto, Name, d, date, opt, ts};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Caller, Command, PathParam};
use aftercart_app::{DelegationAnswer, Governance, Versioned};
use aftercart_domain::approval::{
    ApprovalCondition, ApprovalPolicy, ApprovalRule, ApprovalState, Approver, Delegation,
};
use aftercart_domain::budget::{Budget, BudgetDimension, BudgetUse, NewBudget, Period};
use aftercart_domain::ids::{AccountId, ApprovalRuleId, BudgetId, DelegationId, OrderId, UserId};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConditionDto {
    /// order_total_over, category, cost_centre, over_budget or placed_by
    pub kind: Code,
    pub amount: Option<MoneyDto>,
    /// The category or cost centre.
    pub value: Option<Name>,
    pub user_id: Option<Uuid>,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproverDto {
    /// `role` (any approver of the account) or `user`
    pub kind: Code,
    pub user_id: Option<Uuid>,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleDto {
    pub id: Option<Uuid>,
    pub name: Name,
    pub condition: ConditionDto,
    /// Approval levels in sequence.
    pub levels: Vec<ApproverDto>,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyDto {
    pub rules: Vec<RuleDto>,
    #[serde(default)]
    pub remind_after_hours: u32,
    #[serde(default)]
    pub escalate_after_hours: u32,
}

/// An account's approval policy as stored; `version` is also its ETag. (A separate type from
/// the request body, whose schema allows no other fields.)
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyOut {
    pub rules: Vec<RuleDto>,
    pub remind_after_hours: u32,
    pub escalate_after_hours: u32,
    pub version: i64,
}

fn parse_policy(p: &PolicyDto) -> ApiResult<ApprovalPolicy> {
    let mut rules = Vec::new();
    for (i, r) in p.rules.iter().enumerate() {
        let f = |s: &str| format!("rules[{i}].{s}");
        let c = &r.condition;
        let condition = match c.kind.as_str() {
            "order_total_over" => ApprovalCondition::OrderTotalOver(
                c.amount
                    .as_ref()
                    .ok_or_else(|| ApiError::invalid(&f("condition.amount"), "give the amount"))?
                    .parse(&f("condition.amount"))?,
            ),
            "category" => ApprovalCondition::Category(
                opt(&c.value).ok_or_else(|| ApiError::invalid(&f("condition.value"), "name the category"))?,
            ),
            "cost_centre" => ApprovalCondition::CostCentre(
                opt(&c.value).ok_or_else(|| ApiError::invalid(&f("condition.value"), "name the cost centre"))?,
            ),
            "over_budget" => ApprovalCondition::OverBudget,
            "placed_by" => ApprovalCondition::PlacedBy(UserId(
                c.user_id
                    .ok_or_else(|| ApiError::invalid(&f("condition.user_id"), "name the buyer"))?,
            )),
            o => {
                return Err(ApiError::invalid(
                    &f("condition.kind"),
                    format!("'{o}' is not one of order_total_over, category, cost_centre, over_budget, placed_by"),
                ));
            }
        };
        let mut levels = Vec::new();
        for (j, a) in r.levels.iter().enumerate() {
            levels.push(match (a.kind.as_str(), a.user_id) {
                ("role", None) => Approver::Role,
                ("user", Some(u)) => Approver::User(UserId(u)),
                _ => {
                    return Err(ApiError::invalid(
                        &f(&format!("levels[{j}]")),
                        "use {\"kind\":\"role\"} or {\"kind\":\"user\",\"user_id\":…}",
                    ));
                }
            });
        }
        rules.push(ApprovalRule {
            id: ApprovalRuleId(r.id.unwrap_or_else(Uuid::now_v7)),
            name: r.name.to_string(),
            condition,
            levels,
            active: r.active,
        });
    }
    Ok(ApprovalPolicy {
        rules,
        remind_after_hours: p.remind_after_hours,
        escalate_after_hours: p.escalate_after_hours,
    })
}

fn policy_out(g: &Versioned<Governance>) -> PolicyOut {
    PolicyOut {
        rules: g
            .value
            .policy
            .rules
            .iter()
            .map(|r| RuleDto {
                id: Some(r.id.0),
                name: r.name.clone().into(),
                condition: match &r.condition {
                    ApprovalCondition::OrderTotalOver(m) => ConditionDto {
                        kind: "order_total_over".into(),
                        amount: Some((*m).into()),
                        value: None,
                        user_id: None,
                    },
                    ApprovalCondition::Category(v) => ConditionDto {
                        kind: "category".into(),
                        amount: None,
                        value: Some(v.clone().into()),
                        user_id: None,
                    },
                    ApprovalCondition::CostCentre(v) => ConditionDto {
                        kind: "cost_centre".into(),
                        amount: None,
                        value: Some(v.clone().into()),
                        user_id: None,
                    },
                    ApprovalCondition::OverBudget => ConditionDto {
                        kind: "over_budget".into(),
                        amount: None,
                        value: None,
                        user_id: None,
                    },
                    ApprovalCondition::PlacedBy(u) => ConditionDto {
                        kind: "placed_by".into(),
                        amount: None,
                        value: None,
                        user_id: Some(u.0),
                    },
                },
                levels: r
                    .levels
                    .iter()
                    .map(|a| match a {
                        Approver::Role => ApproverDto {
                            kind: "role".into(),
                            user_id: None,
                        },
                        Approver::User(u) => ApproverDto {
                            kind: "user".into(),
                            user_id: Some(u.0),
                        },
                    })
                    .collect(),
                active: r.active,
            })
            .collect(),
        remind_after_hours: g.value.policy.remind_after_hours,
        escalate_after_hours: g.value.policy.escalate_after_hours,
        version: g.version,
    }
}

#[utoipa::path(put, path = "/api/v1/accounts/{id}/approval-policy", tag = "governance", request_body = PolicyDto,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = PolicyOut), (status = 422, body = Problem)))]
pub async fn set_policy(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<PolicyDto>,
) -> ApiResult<Response> {
    let policy = parse_policy(&cmd.body)?;
    let (app, ctx) = (&st.app, &cmd.ctx);
    let g = app
        .execute(
            ctx,
            || app.plan_set_approval_policy(ctx, AccountId(id), &policy),
            |g| stored(StatusCode::OK, &policy_out(g)),
        )
        .await?;
    Ok(respond(StatusCode::OK, &policy_out(&g), Some(g.version)))
}

#[utoipa::path(get, path = "/api/v1/accounts/{id}/approval-policy", tag = "governance", params(("id" = Uuid, Path)),
    responses((status = 200, body = PolicyOut), (status = 404, body = Problem)))]
pub async fn get_policy(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
) -> ApiResult<Response> {
    let g = st.app.governance(&ctx, AccountId(id)).await?;
    Ok(respond(StatusCode::OK, &policy_out(&g), Some(g.version)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DelegationIn {
    /// The approver who is away.
    pub from: Uuid,
    /// Who decides for them meanwhile.
    pub to: Uuid,
    pub from_date: Code,
    pub until: Code,
}

/// A delegation: `to` decides `from`'s named approval steps on the days `from_date`..`until`.
#[derive(Debug, Serialize, ToSchema)]
pub struct DelegationOut {
    pub id: Uuid,
    pub from: Uuid,
    pub from_name: Option<String>,
    pub to: Uuid,
    pub to_name: Option<String>,
    pub from_date: String,
    pub until: String,
    /// scheduled, active, expired or ended (ended early through the API)
    pub state: String,
    pub ended_at: Option<String>,
}

fn delegation_out(a: &DelegationAnswer) -> DelegationOut {
    let x = &a.delegation;
    DelegationOut {
        id: x.id.0,
        from: x.from.0,
        from_name: a.from_name.clone(),
        to: x.to.0,
        to_name: a.to_name.clone(),
        from_date: d(x.from_date),
        until: d(x.until),
        state: a.state.as_str().to_owned(),
        ended_at: x.ended_at.map(ts),
    }
}

#[utoipa::path(get, path = "/api/v1/accounts/{id}/delegations", tag = "governance", params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<DelegationOut>), (status = 404, body = Problem)))]
pub async fn list_delegations(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
) -> ApiResult<Response> {
    let all = st.app.delegations(&ctx, AccountId(id)).await?;
    let body: Vec<DelegationOut> = all.iter().map(delegation_out).collect();
    Ok(respond(StatusCode::OK, &body, None))
}

#[utoipa::path(post, path = "/api/v1/accounts/{id}/delegations/{delegation_id}/end", tag = "governance", request_body = super::identity::Empty,
    params(("id" = Uuid, Path), ("delegation_id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = DelegationOut), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn end_delegation(
    State(st): State<ApiState>,
    PathParam((id, delegation)): PathParam<(Uuid, Uuid)>,
    cmd: Command<super::identity::Empty>,
) -> ApiResult<Response> {
    let (app, ctx) = (&st.app, &cmd.ctx);
    let a = app
        .execute(
            ctx,
            || app.plan_end_delegation(ctx, AccountId(id), DelegationId(delegation)),
            |a| stored(StatusCode::OK, &delegation_out(a)),
        )
        .await?;
    Ok(respond(StatusCode::OK, &delegation_out(&a), None))
}

#[utoipa::path(post, path = "/api/v1/accounts/{id}/delegations", tag = "governance", request_body = DelegationIn,
    params(("id" = Uuid, Path)), responses((status = 201, body = DelegationOut), (status = 422, body = Problem)))]
pub async fn delegate(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<DelegationIn>,
) -> ApiResult<Response> {
    let b = &cmd.body;
    let from_date = date(&Some(b.from_date.clone()), "from_date")?.expect("given");
    let until = date(&Some(b.until.clone()), "until")?.expect("given");
    let delegation = Delegation::new(UserId(b.from), UserId(b.to), from_date, until)?;
    let (app, ctx) = (&st.app, &cmd.ctx);
    let a = app
        .execute(
            ctx,
            || app.plan_set_delegation(ctx, AccountId(id), &delegation),
            |a| stored(StatusCode::CREATED, &delegation_out(a)),
        )
        .await?;
    Ok(respond(StatusCode::CREATED, &delegation_out(&a), None))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionOut {
    pub by: Uuid,
    /// The decider's name as it was when they decided.
    pub by_name: String,
    /// The named approver the decider stood in for (a delegation).
    pub on_behalf_of: Option<Uuid>,
    /// Their name as it was at decision time.
    pub on_behalf_of_name: Option<String>,
    pub approved: bool,
    pub comment: Option<String>,
    pub at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StepOut {
    pub rule: String,
    pub level: u32,
    /// `role` or the named approver's user id
    pub approver: String,
    /// The named approver's name (absent for `role` steps), shown to everyone who may read the order.
    pub approver_name: Option<String>,
    /// Why this approval is required.
    pub reason: String,
    pub decision: Option<DecisionOut>,
    pub reminders: u32,
    pub escalated_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImpactOut {
    pub budget_id: Uuid,
    pub budget: String,
    pub amount: MoneyDto,
    pub committed: MoneyDto,
    pub invoiced: MoneyDto,
    pub order_amount: MoneyDto,
    pub remaining_after: MoneyDto,
    pub would_exceed: bool,
    pub summary: String,
}

/// "Who approved this?"
#[derive(Debug, Serialize, ToSchema)]
pub struct ApprovalsOut {
    pub order_id: Uuid,
    pub order_number: String,
    /// not_required, pending, approved or rejected
    pub state: String,
    pub summary: String,
    pub steps: Vec<StepOut>,
    /// What the order does to each budget it touches (for approvers and staff).
    pub budget_impact: Vec<ImpactOut>,
}

#[utoipa::path(get, path = "/api/v1/orders/{id}/approvals", tag = "governance", params(("id" = Uuid, Path)),
    responses((status = 200, body = ApprovalsOut), (status = 404, body = Problem)))]
pub async fn approvals(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
) -> ApiResult<Response> {
    let a = st.app.approvals(&ctx, OrderId(id)).await?;
    let (state, summary, steps) = match &a.workflow {
        None => (
            "not_required".to_owned(),
            "No approval was required for this order.".to_owned(),
            Vec::new(),
        ),
        Some(wf) => (
            match wf.state() {
                ApprovalState::Pending { .. } => "pending",
                ApprovalState::Approved => "approved",
                ApprovalState::Rejected => "rejected",
            }
            .to_owned(),
            wf.explain(),
            wf.steps
                .iter()
                .map(|s| StepOut {
                    rule: s.required.rule_name.clone(),
                    level: s.required.level,
                    approver: match s.required.approver {
                        Approver::Role => "role".into(),
                        Approver::User(u) => u.0.to_string(),
                    },
                    approver_name: s.required.approver_name.clone(),
                    reason: s.required.reason.clone(),
                    decision: s.decision.as_ref().map(|x| DecisionOut {
                        by: x.by.0,
                        by_name: x.by_name.clone(),
                        on_behalf_of: x.on_behalf_of.map(|u| u.0),
                        on_behalf_of_name: x.on_behalf_of_name.clone(),
                        approved: x.approved,
                        comment: x.comment.clone(),
                        at: ts(x.at),
                    }),
                    reminders: s.reminders,
                    escalated_at: s.escalated_at.map(ts),
                })
                .collect(),
        ),
    };
    let body = ApprovalsOut {
        order_id: a.order.value.id.0,
        order_number: a.order.value.number.clone(),
        state,
        summary,
        steps,
        budget_impact: a
            .impacts
            .iter()
            .map(|(b, i)| ImpactOut {
                budget_id: b.id.0,
                budget: b.label(),
                amount: b.amount.into(),
                committed: i.before.committed.into(),
                invoiced: i.before.invoiced.into(),
                order_amount: i.order_amount.into(),
                remaining_after: i.after_remaining.into(),
                would_exceed: i.would_exceed,
                summary: i.sentence.clone(),
            })
            .collect(),
    };
    Ok(respond(StatusCode::OK, &body, Some(a.order.version)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionIn {
    pub approve: bool,
    /// Required when rejecting.
    pub comment: Option<FreeText>,
}

#[utoipa::path(post, path = "/api/v1/orders/{id}/approvals/decision", tag = "governance", request_body = DecisionIn,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = OrderOut), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn decide(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<DecisionIn>,
) -> ApiResult<Response> {
    let (app, ctx, b) = (&st.app, &cmd.ctx, &cmd.body);
    let v = app
        .execute(
            ctx,
            || app.plan_decide(ctx, OrderId(id), b.approve, opt(&b.comment)),
            |v| stored(StatusCode::OK, &OrderOut::new(&v.value, v.version)),
        )
        .await?;
    Ok(respond(
        StatusCode::OK,
        &OrderOut::new(&v.value, v.version),
        Some(v.version),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BudgetIn {
    /// cost_centre, department, project or location
    pub dimension: Code,
    /// The cost centre / department / project name, or the location id.
    pub value: Name,
    /// month, quarter or year
    pub period: Code,
    /// First day of the period, `YYYY-MM-DD`.
    pub starts_on: Code,
    pub amount: MoneyDto,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BudgetOut {
    pub id: Uuid,
    pub label: String,
    pub dimension: String,
    pub period: String,
    pub starts_on: String,
    pub ends_on: String,
    pub amount: MoneyDto,
    /// Approved orders not yet invoiced.
    pub committed: Option<MoneyDto>,
    pub invoiced: Option<MoneyDto>,
    pub remaining: Option<MoneyDto>,
    pub over: Option<bool>,
}

fn budget_out(b: &Budget, u: Option<&BudgetUse>) -> BudgetOut {
    BudgetOut {
        id: b.id.0,
        label: b.label(),
        dimension: match &b.dimension {
            BudgetDimension::CostCentre(_) => "cost_centre",
            BudgetDimension::Department(_) => "department",
            BudgetDimension::Project(_) => "project",
            BudgetDimension::Location(_) => "location",
        }
        .into(),
        period: format!("{:?}", b.period).to_lowercase(),
        starts_on: d(b.starts_on),
        ends_on: d(b.ends_on()),
        amount: b.amount.into(),
        committed: u.map(|u| u.committed.into()),
        invoiced: u.map(|u| u.invoiced.into()),
        remaining: u.map(|u| u.remaining.into()),
        over: u.map(|u| u.over),
    }
}

#[utoipa::path(post, path = "/api/v1/accounts/{id}/budgets", tag = "governance", request_body = BudgetIn,
    params(("id" = Uuid, Path)), responses((status = 201, body = BudgetOut), (status = 422, body = Problem)))]
pub async fn create_budget(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<BudgetIn>,
) -> ApiResult<Response> {
    let b = &cmd.body;
    let dimension = match b.dimension.as_str() {
        "cost_centre" => BudgetDimension::CostCentre(b.value.to_string()),
        "department" => BudgetDimension::Department(b.value.to_string()),
        "project" => BudgetDimension::Project(b.value.to_string()),
        "location" => BudgetDimension::Location(
            Uuid::parse_str(&b.value)
                .map_err(|_| ApiError::invalid("value", "a location budget names the location id"))?
                .into(),
        ),
        o => {
            return Err(ApiError::invalid(
                "dimension",
                format!("'{o}' is not one of cost_centre, department, project, location"),
            ));
        }
    };
    let period = match b.period.as_str() {
        "month" => Period::Month,
        "quarter" => Period::Quarter,
        "year" => Period::Year,
        o => {
            return Err(ApiError::invalid(
                "period",
                format!("'{o}' is not one of month, quarter, year"),
            ));
        }
    };
    let new = NewBudget {
        id: BudgetId(Uuid::nil()),
        dimension,
        period,
        starts_on: date(&Some(b.starts_on.clone()), "starts_on")?.expect("given"),
        amount: b.amount.parse("amount")?,
    };
    let (app, ctx) = (&st.app, &cmd.ctx);
    let v = app
        .execute(
            ctx,
            || app.plan_create_budget(ctx, AccountId(id), new.clone()),
            |v| stored(StatusCode::CREATED, &budget_out(&v.value, None)),
        )
        .await?;
    Ok(respond(
        StatusCode::CREATED,
        &budget_out(&v.value, None),
        Some(v.version),
    ))
}

#[utoipa::path(get, path = "/api/v1/accounts/{id}/budgets", tag = "governance", params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<BudgetOut>), (status = 404, body = Problem)))]
pub async fn list_budgets(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
) -> ApiResult<Response> {
    let all = st.app.budgets(&ctx, AccountId(id)).await?;
    let body: Vec<BudgetOut> = all.iter().map(|a| budget_out(&a.budget, Some(&a.usage))).collect();
    Ok(respond(StatusCode::OK, &body, None))
}
