//! The approvals inbox: the orders waiting for the viewer's decision, each with what it would do
//! to the budgets it draws on (shown first), and a form to approve or reject it with a comment.

use super::Tag;
use super::auth::capitalise;
use crate::WebState;
use crate::form::Errors;
use crate::format;
use crate::render::{Layout, PageError, PageResult, render};
use crate::session::{Viewer, redirect};
use aftercart_app::{AppError, ApprovalsAnswer, CustomerRole, ListFilter, PrincipalKind, TimelineOf};
use aftercart_domain::account::Account;
use aftercart_domain::approval::{ApprovalState, ApprovalWorkflow, Approver};
use aftercart_domain::budget::{Budget, BudgetDimension, Impact};
use aftercart_domain::ids::{OrderId, UserId};
use aftercart_domain::order::Order;
use aftercart_domain::text::TextKind;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use uuid::Uuid;

/// At most this many waiting orders are shown at once (oldest first); the rest follow as these
/// are decided.
pub const SHOWN: usize = 20;
/// How many orders awaiting approval the inbox looks through.
const SCAN_PAGES: usize = 5;

/// What the viewer is, for deciding approvals (the inbox and the dashboard ask the same).
pub(crate) struct Me {
    user: Option<UserId>,
    is_approver: bool,
    /// Named approvers the viewer stands in for today (active delegations to the viewer).
    stands_in_for: Vec<UserId>,
}

impl Me {
    pub(crate) async fn of(st: &WebState, v: &Viewer) -> Result<Me, PageError> {
        let p = &v.ctx.principal;
        let user = Uuid::parse_str(&p.id).ok().map(UserId);
        let is_approver =
            matches!(&p.kind, PrincipalKind::Customer { roles, .. } if roles.contains(&CustomerRole::Approver));
        let mut stands_in_for = Vec::new();
        if let (Some(account), Some(me)) = (p.own_account(), user) {
            let today = st.app.clock.now().date();
            for d in st.app.delegations(&v.ctx, account).await? {
                if d.delegation.to == me && d.delegation.is_active(today) {
                    stands_in_for.push(d.delegation.from);
                }
            }
        }
        Ok(Me {
            user,
            is_approver,
            stands_in_for,
        })
    }

    /// The pending step of `wf` when it waits for this viewer's decision: assigned to them, to
    /// their role, or to someone they stand in for — never their own order, nor a second level
    /// of a rule they already decided.
    pub(crate) fn waiting_step(&self, wf: &ApprovalWorkflow) -> Option<usize> {
        let me = self.user?;
        let ApprovalState::Pending { step_index } = wf.state() else {
            return None;
        };
        if wf.placed_by == Some(me) {
            return None;
        }
        let step = &wf.steps[step_index].required;
        let assigned = match step.approver {
            Approver::Role => self.is_approver,
            Approver::User(u) => u == me || (self.stands_in_for.contains(&u) && wf.placed_by != Some(u)),
        };
        let decided_before = wf.steps[..step_index]
            .iter()
            .any(|s| s.required.rule_id == step.rule_id && s.decision.as_ref().is_some_and(|d| d.by == me));
        (assigned && !decided_before).then_some(step_index)
    }
}

pub struct ImpactRow {
    pub budget: String,
    pub budgeted: String,
    pub now: String,
    pub order: String,
    pub after: String,
    pub status: Tag,
    pub sentence: String,
}

/// A budget as people name it: the location's name or the cost centre, and its period.
pub fn budget_name(b: &Budget, account: &Account) -> String {
    let what = match &b.dimension {
        BudgetDimension::Location(l) => account
            .location(*l)
            .map_or_else(|| "A location".to_owned(), |l| l.name.clone()),
        BudgetDimension::CostCentre(c) => format!("Cost centre {}", c.trim()),
        BudgetDimension::Department(d) => format!("Department {}", d.trim()),
        BudgetDimension::Project(p) => format!("Project {}", p.trim()),
    };
    format!("{what}, {}", b.period_label())
}

fn impact_row(b: &Budget, i: &Impact, account: &Account) -> ImpactRow {
    let status = if i.would_exceed {
        Tag {
            word: if i.before.over {
                format!(
                    "Already over budget; would be {} over",
                    format::money(i.after_remaining.negate())
                )
            } else {
                format!("Over budget by {}", format::money(i.after_remaining.negate()))
            },
            class: "tag-red",
        }
    } else if i.order_amount.is_zero() {
        Tag {
            word: "Not affected".into(),
            class: "tag-grey",
        }
    } else {
        Tag {
            word: "Within budget".into(),
            class: "tag-green",
        }
    };
    ImpactRow {
        budget: budget_name(b, account),
        budgeted: format::money(b.amount),
        now: format::money(i.before.remaining),
        order: format::money(i.order_amount),
        after: format::money(i.after_remaining),
        status,
        sentence: i.sentence.clone(),
    }
}

pub struct Card {
    pub id: String,
    pub number: String,
    pub po: String,
    pub placed_by: String,
    pub placed: String,
    pub total: String,
    /// Why it needs approval: the rule and level waiting, and the rule's reason.
    pub why: String,
    pub impacts: Vec<ImpactRow>,
    /// Whether any budget would go over (said in words in the card's heading).
    pub over: bool,
    pub version: i64,
    pub decision: String,
    pub comment: String,
    pub err_decision: String,
    pub err_comment: String,
}

pub struct Decided {
    pub href: String,
    pub label: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "approvals.html")]
struct InboxPage {
    l: Layout,
    e: Errors,
    cards: Vec<Card>,
    more: usize,
    decided: Vec<Decided>,
}

/// A decision that failed, to show again with its errors and values.
struct Posted {
    id: OrderId,
    decision: String,
    comment: String,
    e: Errors,
}

fn total(o: &Order) -> aftercart_domain::money::Money {
    o.goods_total().checked_add(o.freight).unwrap_or(o.goods_total())
}

fn decision_field(id: OrderId) -> String {
    format!("decision-{}", id.0)
}

fn comment_field(id: OrderId) -> String {
    format!("comment-{}", id.0)
}

/// Who placed the order, as its timeline records it.
async fn placed_by(st: &WebState, v: &Viewer, id: OrderId) -> Result<String, PageError> {
    Ok(st
        .app
        .timeline(&v.ctx, TimelineOf::Order(id), 0, 10)
        .await?
        .into_iter()
        .find(|e| e.kind == "order.placed")
        .map(|e| e.actor_name)
        .unwrap_or_default())
}

async fn card(
    st: &WebState,
    v: &Viewer,
    a: ApprovalsAnswer,
    step: usize,
    account: &Account,
    posted: Option<&Posted>,
) -> Result<Card, PageError> {
    let o = &a.order.value;
    let why = a
        .workflow
        .as_ref()
        .and_then(|wf| wf.steps.get(step))
        .map(|s| {
            format!(
                "Level {} of ‘{}’: {}",
                s.required.level, s.required.rule_name, s.required.reason
            )
        })
        .unwrap_or_default();
    // The budgets the order would take over come first.
    let mut touched: Vec<&(Budget, Impact)> = a.impacts.iter().collect();
    touched.sort_by_key(|(_, i)| !i.would_exceed);
    let impacts: Vec<ImpactRow> = touched.iter().map(|(b, i)| impact_row(b, i, account)).collect();
    let (decision, comment, err_decision, err_comment) = match posted.filter(|p| p.id == o.id) {
        Some(p) => (
            p.decision.clone(),
            p.comment.clone(),
            p.e.msg(&decision_field(o.id)).to_owned(),
            p.e.msg(&comment_field(o.id)).to_owned(),
        ),
        None => Default::default(),
    };
    Ok(Card {
        id: o.id.0.to_string(),
        number: o.number.clone(),
        po: o.po_number.clone().unwrap_or_default(),
        placed_by: placed_by(st, v, o.id).await?,
        placed: format::time(o.placed_at),
        total: format::money(total(o)),
        why,
        over: a.impacts.iter().any(|(_, i)| i.would_exceed),
        impacts,
        version: a.order.version,
        decision,
        comment,
        err_decision,
        err_comment,
    })
}

async fn inbox_page(st: &WebState, v: &Viewer, posted: Option<Posted>) -> PageResult {
    let ctx = &v.ctx;
    let account_id = ctx.principal.own_account().ok_or(PageError::NotFound)?;
    let account = st.app.account(ctx, account_id).await?.value;
    let me = Me::of(st, v).await?;

    // Orders awaiting approval, newest first; the inbox shows the oldest waiting first.
    let mut waiting: Vec<(OrderId, usize)> = Vec::new();
    let mut f = ListFilter {
        status: Some("awaiting_approval".into()),
        limit: 100,
        ..Default::default()
    };
    for _ in 0..SCAN_PAGES {
        let page = st.app.list_orders(ctx, &f).await?;
        for o in &page.items {
            if let Some(step) = o.value.approval.as_ref().and_then(|wf| me.waiting_step(wf)) {
                waiting.push((o.value.id, step));
            }
        }
        match page.next {
            Some(n) => f.before = Some(n),
            None => break,
        }
    }
    waiting.reverse();
    let more = waiting.len().saturating_sub(SHOWN);
    // A failed decision is shown even when it is not among the oldest.
    if let Some(p) = &posted
        && let Some(pos) = waiting.iter().position(|(id, _)| *id == p.id)
        && pos >= SHOWN
    {
        let w = waiting.remove(pos);
        waiting.insert(0, w);
    }
    let mut cards = Vec::new();
    for &(id, step) in waiting.iter().take(SHOWN) {
        let a = st.app.approvals(ctx, id).await?;
        cards.push(card(st, v, a, step, &account, posted.as_ref()).await?);
    }

    // Recently decided by the viewer: their decisions on the account's latest orders.
    let mut decided: Vec<(time::OffsetDateTime, Decided)> = Vec::new();
    if let Some(user) = me.user {
        let recent = st
            .app
            .list_orders(
                ctx,
                &ListFilter {
                    limit: 100,
                    ..Default::default()
                },
            )
            .await?;
        for o in &recent.items {
            let Some(wf) = &o.value.approval else { continue };
            for s in &wf.steps {
                let Some(d) = s.decision.as_ref().filter(|d| d.by == user) else {
                    continue;
                };
                let mut detail = format!(
                    "{} on {}",
                    if d.approved { "Approved" } else { "Rejected" },
                    format::time(d.at)
                );
                if let Some(c) = &d.comment {
                    detail.push_str(&format!(" — “{c}”"));
                }
                decided.push((
                    d.at,
                    Decided {
                        href: format!("/orders/{}#approvals", o.value.id.0),
                        label: format!("Order {}", o.value.number),
                        detail,
                    },
                ));
            }
        }
    }
    decided.sort_by_key(|d| std::cmp::Reverse(d.0));
    let decided = decided.into_iter().take(5).map(|(_, d)| d).collect();

    let (status, e) = match posted {
        Some(p) if !p.e.is_empty() => (StatusCode::UNPROCESSABLE_ENTITY, p.e),
        _ => (StatusCode::OK, Errors::default()),
    };
    Ok(render(
        status,
        &InboxPage {
            l: Layout::for_viewer("Approvals", v, "/approvals"),
            e,
            cards,
            more,
            decided,
        },
    ))
}

pub async fn inbox(State(st): State<WebState>, v: Viewer) -> PageResult {
    inbox_page(&st, &v, None).await
}

#[derive(Deserialize, Default)]
pub struct DecideForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    version: String,
}

/// The changed-meanwhile message (the order moved on since the form was rendered).
pub const STALE: &str = "This order changed since you opened the page; check it again before you decide";

pub async fn decide(
    State(st): State<WebState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<DecideForm>,
) -> PageResult {
    let id = OrderId(Uuid::parse_str(&id).map_err(|_| PageError::NotFound)?);
    // Not the viewer's account, or not waiting for them: the same 404 as a missing order.
    let a = st.app.approvals(&v.ctx, id).await?;
    let me = Me::of(&st, &v).await?;
    if a.workflow.as_ref().and_then(|wf| me.waiting_step(wf)).is_none() {
        return Err(PageError::NotFound);
    }
    let (df, cf) = (decision_field(id), comment_field(id));
    let mut e = Errors::default();
    let decision = f.decision.trim().to_owned();
    let approve = match decision.as_str() {
        "approve" => Some(true),
        "reject" => Some(false),
        _ => {
            e.add(&df, "Choose whether to approve or reject the order");
            None
        }
    };
    let comment = e.text(
        &cf,
        "The comment",
        &f.comment,
        TextKind::Text,
        (approve == Some(false)).then_some("Say why you are rejecting the order"),
    );
    let version = match f.version.trim() {
        "" => None,
        s => match s.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                e.add(&df, STALE);
                None
            }
        },
    };
    let posted = |e: Errors| Posted {
        id,
        decision: decision.clone(),
        comment: f.comment.clone(),
        e,
    };
    let Some(approve) = approve.filter(|_| e.is_empty()) else {
        return inbox_page(&st, &v, Some(posted(e))).await;
    };
    let mut ctx = v.ctx.clone();
    ctx.if_match = version;
    let comment = (!comment.is_empty()).then_some(comment);
    match st
        .app
        .run(&ctx, || st.app.plan_decide(&ctx, id, approve, comment.clone()))
        .await
    {
        Ok(_) => Ok(redirect(&format!("/orders/{}#approvals", id.0))),
        Err(AppError::PreconditionFailed(_)) => {
            e.add(&df, STALE);
            inbox_page(&st, &v, Some(posted(e))).await
        }
        Err(AppError::Rejected(r)) => {
            let field = if r.field == "comment" { &cf } else { &df };
            e.add(field, capitalise(&r.message));
            inbox_page(&st, &v, Some(posted(e))).await
        }
        Err(err) => Err(err.into()),
    }
}
