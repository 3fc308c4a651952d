//! The approval policy: which orders need whose approval (rules with a condition and approval
//! levels in sequence), and when waiting approvers are reminded and escalated. The form carries
//! the policy's version: a save over someone else's newer change is refused, and the page shows
//! the policy as it is now.

use super::{Done, Input, NAV, Select, account, capitalise};
use crate::WebState;
use crate::form::Errors;
use crate::pages::query;
use crate::render::{Layout, PageError, PageResult, render};
use crate::session::{Viewer, redirect};
use aftercart_app::{AppError, UserStatus};
use aftercart_domain::account::Account;
use aftercart_domain::approval::{ApprovalCondition, ApprovalPolicy, ApprovalRule, Approver};
use aftercart_domain::ids::{ApprovalRuleId, UserId};
use aftercart_domain::money::Money;
use aftercart_domain::text::TextKind;
use askama::Template;
use axum::Form;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;

/// Approval levels a rule's form offers (a rule with more keeps them all).
const LEVELS: usize = 3;
/// The most hours a reminder or escalation may wait (a year).
const MAX_HOURS: u32 = 8760;

const CONDITIONS: [(&str, &str); 5] = [
    ("order_total_over", "The order total is over an amount"),
    ("category", "A line is in a product category"),
    ("cost_centre", "A line is charged to a cost centre"),
    ("over_budget", "The order would take a budget over its amount"),
    ("placed_by", "The order is placed by a given buyer"),
];

/// One rule's fields as text (from the policy, or as sent).
#[derive(Debug, Clone, Default)]
struct RuleValues {
    id: String,
    name: String,
    condition: String,
    amount: String,
    text: String,
    buyer: String,
    levels: Vec<String>,
    active: bool,
    remove: bool,
}

impl RuleValues {
    fn of(r: &ApprovalRule) -> RuleValues {
        let (condition, amount, text, buyer) = match &r.condition {
            ApprovalCondition::OrderTotalOver(m) => {
                ("order_total_over", m.amount_string(), String::new(), String::new())
            }
            ApprovalCondition::Category(c) => ("category", String::new(), c.clone(), String::new()),
            ApprovalCondition::CostCentre(c) => ("cost_centre", String::new(), c.clone(), String::new()),
            ApprovalCondition::OverBudget => ("over_budget", String::new(), String::new(), String::new()),
            ApprovalCondition::PlacedBy(u) => ("placed_by", String::new(), String::new(), u.0.to_string()),
        };
        RuleValues {
            id: r.id.0.to_string(),
            name: r.name.clone(),
            condition: condition.to_owned(),
            amount,
            text,
            buyer,
            levels: r
                .levels
                .iter()
                .map(|l| match l {
                    Approver::Role => "role".to_owned(),
                    Approver::User(u) => u.0.to_string(),
                })
                .collect(),
            active: r.active,
            remove: false,
        }
    }

    /// The empty row for adding a rule.
    fn blank() -> RuleValues {
        RuleValues {
            condition: "order_total_over".into(),
            levels: vec!["role".into()],
            active: true,
            ..Default::default()
        }
    }

    fn is_blank(&self) -> bool {
        self.id.is_empty()
            && self.name.trim().is_empty()
            && self.amount.trim().is_empty()
            && self.text.trim().is_empty()
    }
}

/// The whole form as text.
#[derive(Debug, Clone, Default)]
struct PolicyValues {
    version: i64,
    rules: Vec<RuleValues>,
    remind: String,
    escalate: String,
}

impl PolicyValues {
    fn of(p: &ApprovalPolicy, version: i64) -> PolicyValues {
        let mut rules: Vec<RuleValues> = p.rules.iter().map(RuleValues::of).collect();
        rules.push(RuleValues::blank());
        PolicyValues {
            version,
            rules,
            remind: p.remind_after_hours.to_string(),
            escalate: p.escalate_after_hours.to_string(),
        }
    }

    fn sent(f: &[(String, String)]) -> PolicyValues {
        let get = |k: &str| f.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str()).unwrap_or("");
        let has = |k: &str| f.iter().any(|(n, _)| n == k);
        let count = get("rules").trim().parse::<usize>().unwrap_or(0).min(100);
        let rules = (0..count)
            .map(|i| {
                let k = |s: &str| format!("rule{i}-{s}");
                let mut levels: Vec<String> = Vec::new();
                let mut j = 1;
                while has(&k(&format!("level{j}"))) && j <= 20 {
                    levels.push(get(&k(&format!("level{j}"))).trim().to_owned());
                    j += 1;
                }
                RuleValues {
                    id: get(&k("id")).trim().to_owned(),
                    name: get(&k("name")).to_owned(),
                    condition: get(&k("condition")).trim().to_owned(),
                    amount: get(&k("amount")).trim().to_owned(),
                    text: get(&k("text")).to_owned(),
                    buyer: get(&k("buyer")).trim().to_owned(),
                    levels,
                    active: has(&k("active")),
                    remove: has(&k("remove")),
                }
            })
            .collect();
        PolicyValues {
            version: get("version").trim().parse().unwrap_or(-1),
            rules,
            remind: get("remind").trim().to_owned(),
            escalate: get("escalate").trim().to_owned(),
        }
    }
}

pub struct RuleForm {
    pub index: usize,
    pub legend: String,
    pub id: String,
    pub existing: bool,
    pub name: Input,
    pub condition: Select,
    pub amount: Input,
    pub text: Input,
    pub buyer: Select,
    pub levels: Vec<Select>,
    pub active: bool,
    pub remove: bool,
}

#[derive(Template)]
#[template(path = "admin/policy.html")]
struct PolicyPage {
    l: Layout,
    e: Errors,
    notice: String,
    version: i64,
    count: usize,
    rules: Vec<RuleForm>,
    remind: Input,
    escalate: Input,
}

/// The users who may be named in a rule: the account's users that are not deactivated.
async fn people(st: &WebState, v: &Viewer) -> Result<Vec<(UserId, String)>, PageError> {
    Ok(super::users::all_users(st, v)
        .await?
        .into_iter()
        .filter(|u| u.value.status != UserStatus::Deactivated)
        .map(|u| (u.value.id, u.value.name))
        .collect())
}

fn policy_page(
    status: StatusCode,
    v: &Viewer,
    a: &Account,
    users: &[(UserId, String)],
    e: Errors,
    notice: &str,
    x: &PolicyValues,
) -> Response {
    let conditions: Vec<(String, String)> = CONDITIONS
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
    let mut buyers = vec![(String::new(), "Choose the buyer".to_owned())];
    buyers.extend(users.iter().map(|(id, n)| (id.0.to_string(), n.clone())));
    let mut approvers = vec![
        (String::new(), "No approval at this level".to_owned()),
        ("role".to_owned(), "Anyone with the approver role".to_owned()),
    ];
    approvers.extend(users.iter().map(|(id, n)| (id.0.to_string(), n.clone())));
    let mut n = 0;
    let rules = x
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let existing = !r.id.is_empty();
            if existing {
                n += 1;
            }
            let k = |s: &str| format!("rule{i}-{s}");
            let levels = (0..LEVELS.max(r.levels.len()))
                .map(|j| {
                    let label = if j == 0 {
                        "Approved first by".to_owned()
                    } else {
                        format!("Then, at level {}, by", j + 1)
                    };
                    let hint = if j == 0 {
                        "Levels are decided in order; a rejection at any level rejects the order."
                    } else {
                        ""
                    };
                    Select::new(
                        &e,
                        &k(&format!("level{}", j + 1)),
                        &label,
                        hint,
                        &approvers,
                        r.levels.get(j).map(String::as_str).unwrap_or(""),
                    )
                })
                .collect();
            RuleForm {
                index: i,
                legend: if existing {
                    format!("Rule {n}: {}", r.name.trim())
                } else {
                    "Add a rule".to_owned()
                },
                id: r.id.clone(),
                existing,
                name: Input::new(&e, &k("name"), "Rule name", &r.name).hint(if existing {
                    ""
                } else {
                    "Leave the name empty to add no rule."
                }),
                condition: Select::new(
                    &e,
                    &k("condition"),
                    "Needs approval when",
                    "",
                    &conditions,
                    &r.condition,
                ),
                amount: Input::new(&e, &k("amount"), &format!("Amount ({})", a.currency.code()), &r.amount)
                    .mode("decimal")
                    .hint("For an order total rule: orders over this amount need approval, like 5000.00."),
                text: Input::new(&e, &k("text"), "Category or cost centre", &r.text)
                    .hint("For a category or cost centre rule, as it appears on the order lines."),
                buyer: Select::new(
                    &e,
                    &k("buyer"),
                    "Buyer",
                    "For a buyer rule: whose orders need approval.",
                    &buyers,
                    &r.buyer,
                ),
                levels,
                active: r.active,
                remove: r.remove,
            }
        })
        .collect::<Vec<_>>();
    render(
        status,
        &PolicyPage {
            l: Layout::for_viewer("Approval policy", v, NAV),
            notice: notice.to_owned(),
            version: x.version,
            count: rules.len(),
            rules,
            remind: Input::new(&e, "remind", "Remind the approver after (hours)", &x.remind)
                .mode("numeric")
                .hint("And again after as many hours each time. 0 = no reminders."),
            escalate: Input::new(&e, "escalate", "Escalate after (hours)", &x.escalate)
                .mode("numeric")
                .hint("Once, after this many hours of waiting; later than the reminder. 0 = never."),
            e,
        },
    )
}

pub async fn form(State(st): State<WebState>, v: Viewer, RawQuery(raw): RawQuery) -> PageResult {
    let q: Done = query(raw.as_deref());
    let a = account(&st, &v).await?;
    let g = st.app.governance(&v.ctx, a.id).await?;
    let users = people(&st, &v).await?;
    let notice = if q.done == "saved" {
        "The approval policy is saved."
    } else {
        ""
    };
    Ok(policy_page(
        StatusCode::OK,
        &v,
        &a,
        &users,
        Errors::default(),
        notice,
        &PolicyValues::of(&g.value.policy, g.version),
    ))
}

fn hours(e: &mut Errors, field: &str, label: &str, v: &str) -> u32 {
    if v.is_empty() {
        return 0;
    }
    match v.parse::<u32>() {
        Ok(h) if h <= MAX_HOURS => h,
        _ => {
            e.add(
                field,
                format!("{label} must be a whole number of hours from 0 to {MAX_HOURS}"),
            );
            0
        }
    }
}

/// Checks the sent form; the policy, and for each of its rules the form row it came from.
fn parse(e: &mut Errors, a: &Account, users: &[(UserId, String)], x: &PolicyValues) -> (ApprovalPolicy, Vec<usize>) {
    let mut rules = Vec::new();
    let mut rows = Vec::new();
    for (i, r) in x.rules.iter().enumerate() {
        if r.remove || r.is_blank() {
            continue;
        }
        let k = |s: &str| format!("rule{i}-{s}");
        let name = e.text(
            &k("name"),
            "The rule name",
            &r.name,
            TextKind::Name,
            Some("Enter a name for the rule"),
        );
        let condition = match r.condition.as_str() {
            "order_total_over" => {
                if r.amount.is_empty() {
                    e.add(&k("amount"), "Enter the order total over which approval is needed");
                    None
                } else {
                    match Money::parse(&r.amount, a.currency, "amount") {
                        Ok(m) if m.is_negative() => {
                            e.add(&k("amount"), "The amount cannot be negative");
                            None
                        }
                        Ok(m) => Some(ApprovalCondition::OrderTotalOver(m)),
                        Err(_) => {
                            e.add(
                                &k("amount"),
                                format!("Enter the amount in {} as a number, like 5000.00", a.currency.code()),
                            );
                            None
                        }
                    }
                }
            }
            c @ ("category" | "cost_centre") => {
                let t = e.text(
                    &k("text"),
                    "The category or cost centre",
                    &r.text,
                    TextKind::Name,
                    Some("Enter the category or cost centre"),
                );
                (!t.is_empty()).then(|| {
                    if c == "category" {
                        ApprovalCondition::Category(t)
                    } else {
                        ApprovalCondition::CostCentre(t)
                    }
                })
            }
            "over_budget" => Some(ApprovalCondition::OverBudget),
            "placed_by" => {
                let b = e.choice(&k("buyer"), &r.buyer, users, UserId, "Choose a buyer from the list");
                if b.is_none() && e.get(&k("buyer")).is_none() {
                    e.add(&k("buyer"), "Choose the buyer whose orders need approval");
                }
                b.map(ApprovalCondition::PlacedBy)
            }
            _ => {
                e.add(&k("condition"), "Choose when the rule applies from the list");
                None
            }
        };
        let mut levels = Vec::new();
        for (j, l) in r.levels.iter().enumerate() {
            let field = k(&format!("level{}", j + 1));
            match l.as_str() {
                "" => {}
                "role" => levels.push(Approver::Role),
                u => match uuid::Uuid::parse_str(u)
                    .ok()
                    .map(UserId)
                    .filter(|id| users.iter().any(|(x, _)| x == id))
                {
                    Some(id) => levels.push(Approver::User(id)),
                    None => e.add(&field, "Choose an approver from the list"),
                },
            }
        }
        if levels.is_empty() {
            e.add(&k("level1"), "Choose who approves the orders this rule catches");
        }
        let id = uuid::Uuid::parse_str(&r.id).unwrap_or_else(|_| uuid::Uuid::now_v7());
        if let Some(condition) = condition {
            rules.push(ApprovalRule {
                id: ApprovalRuleId(id),
                name,
                condition,
                levels,
                active: r.active,
            });
            rows.push(i);
        }
    }
    let policy = ApprovalPolicy {
        rules,
        remind_after_hours: hours(e, "remind", "The reminder", &x.remind),
        escalate_after_hours: hours(e, "escalate", "The escalation", &x.escalate),
    };
    (policy, rows)
}

/// The form field an application refusal names (`rules[2].levels[0]` → `rule<row>-level1`).
fn policy_field(field: &str, rows: &[usize], x: &PolicyValues) -> String {
    match field {
        "remind_after_hours" => return "remind".into(),
        "escalate_after_hours" => return "escalate".into(),
        _ => {}
    }
    let Some(rest) = field.strip_prefix("rules[") else {
        return "rules".into();
    };
    let Some((n, tail)) = rest.split_once(']') else {
        return "rules".into();
    };
    let Some(row) = n.parse::<usize>().ok().and_then(|n| rows.get(n).copied()) else {
        return "rules".into();
    };
    let tail = tail.trim_start_matches('.');
    let part = if tail == "condition" {
        match x.rules.get(row).map(|r| r.condition.as_str()) {
            Some("order_total_over") => "amount".to_owned(),
            Some("category" | "cost_centre") => "text".to_owned(),
            Some("placed_by") => "buyer".to_owned(),
            _ => "condition".to_owned(),
        }
    } else if let Some(j) = tail.strip_prefix("levels[").and_then(|t| t.strip_suffix(']')) {
        format!("level{}", j.parse::<usize>().unwrap_or(0) + 1)
    } else if tail.starts_with("levels") {
        "level1".to_owned()
    } else {
        "name".to_owned()
    };
    format!("rule{row}-{part}")
}

pub async fn save(State(st): State<WebState>, v: Viewer, Form(f): Form<Vec<(String, String)>>) -> PageResult {
    let a = account(&st, &v).await?;
    let users = people(&st, &v).await?;
    let x = PolicyValues::sent(&f);
    let mut e = Errors::default();
    let (policy, rows) = parse(&mut e, &a, &users, &x);
    if !e.is_empty() {
        return Ok(policy_page(StatusCode::UNPROCESSABLE_ENTITY, &v, &a, &users, e, "", &x));
    }
    let mut ctx = v.ctx.clone();
    ctx.if_match = Some(x.version);
    let app = &st.app;
    match app
        .run(&ctx, || app.plan_set_approval_policy(&ctx, a.id, &policy))
        .await
    {
        Ok(_) => Ok(redirect("/admin/policy?done=saved")),
        Err(AppError::PreconditionFailed(_)) => {
            // Someone saved since this form was opened: show what is stored now.
            let g = st.app.governance(&v.ctx, a.id).await?;
            e.add(
                "rules",
                "The approval policy was changed by someone else since you opened the page. Nothing was saved: \
                 below is the policy as it is now; make your change again.",
            );
            Ok(policy_page(
                StatusCode::CONFLICT,
                &v,
                &a,
                &users,
                e,
                "",
                &PolicyValues::of(&g.value.policy, g.version),
            ))
        }
        Err(AppError::Rejected(r)) => {
            e.add(&policy_field(&r.field, &rows, &x), capitalise(&r.message));
            Ok(policy_page(StatusCode::UNPROCESSABLE_ENTITY, &v, &a, &users, e, "", &x))
        }
        Err(AppError::Forbidden(m)) => {
            e.add("rules", capitalise(&m));
            Ok(policy_page(StatusCode::UNPROCESSABLE_ENTITY, &v, &a, &users, e, "", &x))
        }
        Err(err) => Err(err.into()),
    }
}
