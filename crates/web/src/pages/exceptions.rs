//! Exceptions in the portal: the service console's queue (filters by kind, owner, age,
//! customer and state; bulk acknowledge / assign with checkboxes in one form, no script) and
//! one exception's page (acknowledge, assign, resolve with a note, each with the version seen);
//! and, for the customer, the customer-facing subset in plain words on the dashboard and the
//! order page. Which exceptions a viewer gets is the app's decision (`App::list_exceptions`).

use super::dashboard::Item;
use super::{Opt, Tag, query};
use crate::WebState;
use crate::form::Errors;
use crate::format;
use crate::render::{Layout, PageError, PageResult, render};
use crate::session::{Viewer, redirect};
use aftercart_app::{AppError, Ctx, ExceptionFilter, ExceptionStep, ListFilter, Versioned};
use aftercart_domain::exception::{Exception, ExceptionId, ExceptionKind, ExceptionState, Team};
use aftercart_domain::ids::{AccountId, OrderId};
use aftercart_domain::text::TextKind;
use askama::Template;
use axum::Form;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use serde::Deserialize;
use std::collections::HashMap;
use time::OffsetDateTime;
use uuid::Uuid;

pub fn state_tag(s: ExceptionState) -> Tag {
    let class = match s {
        ExceptionState::Open => "tag-red",
        ExceptionState::Acknowledged => "tag-yellow",
        ExceptionState::Resolved | ExceptionState::AutoResolved => "tag-green",
    };
    Tag {
        word: format::words(s.as_str()),
        class,
    }
}

fn age(e: &Exception, now: OffsetDateTime) -> String {
    match e.age_days(now) {
        0 => "today".into(),
        1 => "1 day".into(),
        n => format!("{n} days"),
    }
}

/// One exception in the queue.
pub struct ExceptionRow {
    pub id: String,
    pub href: String,
    pub kind: String,
    pub explanation: String,
    pub account: String,
    pub order: String,
    pub order_href: String,
    pub owner: String,
    pub assignee: String,
    pub state: Tag,
    pub age: String,
    pub active: bool,
}

fn row(v: &Versioned<Exception>, now: OffsetDateTime, account: String) -> ExceptionRow {
    let e = &v.value;
    ExceptionRow {
        id: e.id.to_string(),
        href: format!("/console/exceptions/{}", e.id),
        kind: e.kind.label().into(),
        explanation: e.explanation.clone(),
        account,
        order: e.order.as_ref().map(|(_, n)| n.clone()).unwrap_or_default(),
        order_href: e
            .order
            .as_ref()
            .map(|(id, _)| format!("/orders/{id}"))
            .unwrap_or_default(),
        owner: format::words(e.owner.as_str()),
        assignee: e.assignee.clone().unwrap_or_default(),
        state: state_tag(e.state),
        age: age(e, now),
        active: e.state.is_active(),
    }
}

#[derive(Template)]
#[template(path = "console_exceptions.html")]
struct QueuePage {
    l: Layout,
    e: Errors,
    rows: Vec<ExceptionRow>,
    kinds: Vec<Opt>,
    owners: Vec<Opt>,
    states: Vec<Opt>,
    accounts: Vec<Opt>,
    age: String,
    filtered: bool,
    notice: String,
    assignee: String,
    next: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct QueueQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    account: String,
    /// At least this many days old.
    #[serde(default)]
    age: String,
    #[serde(default)]
    cursor: String,
    #[serde(default)]
    done: String,
}

fn opt(value: &str, label: &str, current: &str) -> Opt {
    Opt {
        value: value.into(),
        label: label.into(),
        selected: value == current,
    }
}

async fn accounts(st: &WebState, ctx: &Ctx) -> Result<Vec<(AccountId, String)>, PageError> {
    Ok(st
        .app
        .list_accounts(
            ctx,
            &ListFilter {
                limit: 500,
                ..Default::default()
            },
        )
        .await?
        .items
        .iter()
        .map(|a| (a.value.id, a.value.name.clone()))
        .collect())
}

async fn queue_page(st: &WebState, v: &Viewer, q: QueueQuery, bulk_errors: Errors, assignee: String) -> PageResult {
    let ctx = &v.ctx;
    // Filter errors stop the listing; a refused bulk form keeps the rows to tick again.
    let mut e = Errors::default();
    let kind = match q.kind.as_str() {
        "" => None,
        k => match ExceptionKind::parse(k) {
            Some(k) => Some(k),
            None => {
                e.add("kind", "Choose a kind from the list");
                None
            }
        },
    };
    let owner = match q.owner.as_str() {
        "" => None,
        o => match Team::parse(o) {
            Some(t) => Some(t),
            None => {
                e.add("owner", "Choose a team from the list");
                None
            }
        },
    };
    let states = match q.state.as_str() {
        "" => Vec::new(),
        "any" => ExceptionState::ALL.to_vec(),
        s => match ExceptionState::parse(s) {
            Some(s) => vec![s],
            None => {
                e.add("state", "Choose a state from the list");
                Vec::new()
            }
        },
    };
    let min_age_days = match q.age.trim() {
        "" => None,
        a => match a.parse::<i64>() {
            Ok(n) if (0..=3650).contains(&n) => Some(n),
            _ => {
                e.add("age", "Enter a whole number of days, like 2");
                None
            }
        },
    };
    let offered = accounts(st, ctx).await?;
    let account = e.choice(
        "account",
        &q.account,
        &offered,
        AccountId,
        "Choose a customer from the list",
    );
    let before = e.cursor("cursor", &q.cursor);
    let names: HashMap<AccountId, String> = offered.iter().cloned().collect();
    let mut rows = Vec::new();
    let mut next = String::new();
    if e.is_empty() {
        let now = st.app.clock.now();
        let page = st
            .app
            .list_exceptions(
                ctx,
                &ExceptionFilter {
                    kind,
                    owner,
                    states,
                    account_id: account,
                    min_age_days,
                    before,
                    limit: 100,
                },
            )
            .await?;
        rows = page
            .items
            .iter()
            .map(|x| row(x, now, names.get(&x.value.account_id).cloned().unwrap_or_default()))
            .collect();
        if let Some(n) = page.next {
            let mut nq = q.clone();
            nq.cursor = n.to_string();
            next = format!(
                "/console/exceptions?kind={}&owner={}&state={}&account={}&age={}&cursor={}",
                nq.kind, nq.owner, nq.state, nq.account, nq.age, nq.cursor
            );
        }
    }
    if e.is_empty() {
        e = bulk_errors;
    }
    let mut kinds = vec![opt("", "Every kind", &q.kind)];
    kinds.extend(
        ExceptionKind::ALL
            .into_iter()
            .map(|k| opt(k.as_str(), k.label(), &q.kind)),
    );
    let mut owners = vec![opt("", "Every team", &q.owner)];
    owners.extend(
        Team::ALL
            .into_iter()
            .map(|t| opt(t.as_str(), &format::words(t.as_str()), &q.owner)),
    );
    let mut states_o = vec![
        opt("", "Open or acknowledged", &q.state),
        opt("any", "Any state", &q.state),
    ];
    states_o.extend(
        ExceptionState::ALL
            .into_iter()
            .map(|s| opt(s.as_str(), &format::words(s.as_str()), &q.state)),
    );
    let mut accounts_o = vec![opt("", "Every customer", &q.account)];
    accounts_o.extend(offered.iter().map(|(id, n)| opt(&id.0.to_string(), n, &q.account)));
    let filtered =
        !(q.kind.is_empty() && q.owner.is_empty() && q.state.is_empty() && q.account.is_empty() && q.age.is_empty());
    let notice = match q.done.parse::<usize>() {
        Ok(1) => "1 exception changed.".into(),
        Ok(n) => format!("{n} exceptions changed."),
        Err(_) => String::new(),
    };
    Ok(render(
        if e.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        },
        &QueuePage {
            l: Layout::for_viewer("Exceptions", v, "/console/exceptions"),
            e,
            rows,
            kinds,
            owners,
            states: states_o,
            accounts: accounts_o,
            age: q.age.clone(),
            filtered,
            notice,
            assignee,
            next,
        },
    ))
}

pub async fn queue(State(st): State<WebState>, v: Viewer, RawQuery(raw): RawQuery) -> PageResult {
    let q: QueueQuery = query(raw.as_deref());
    queue_page(&st, &v, q, Errors::default(), String::new()).await
}

/// POST /console/exceptions/bulk: the ticked rows (`pick`), an action and, for assign, a name.
pub async fn bulk(State(st): State<WebState>, v: Viewer, Form(pairs): Form<Vec<(String, String)>>) -> PageResult {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut e = Errors::default();
    let mut ids = Vec::new();
    for (n, val) in &pairs {
        if n == "pick" {
            match Uuid::parse_str(val.trim()) {
                Ok(u) => ids.push(ExceptionId(u)),
                Err(_) => return Err(PageError::NotFound),
            }
        }
    }
    let assignee_raw = get("assignee");
    if ids.is_empty() {
        e.add("pick", "Tick at least one exception");
    } else if ids.len() > 200 {
        e.add("pick", "Tick at most 200 exceptions at once");
    }
    let step = match get("action").as_str() {
        "acknowledge" => Some(ExceptionStep::Acknowledge),
        "assign" => {
            let a = e.text(
                "assignee",
                "Assign to",
                &assignee_raw,
                TextKind::Name,
                Some("Enter who works them"),
            );
            Some(ExceptionStep::Assign(Some(a)))
        }
        _ => {
            e.add("action", "Choose what to do with the ticked exceptions");
            None
        }
    };
    if e.is_empty()
        && let Some(step) = step
    {
        let app = &st.app;
        let ctx = &v.ctx;
        match app.run(ctx, || app.plan_exception_bulk(ctx, &ids, &step)).await {
            Ok(done) => return Ok(redirect(&format!("/console/exceptions?done={}", done.len()))),
            Err(AppError::Rejected(r)) => e.add("pick", format!("{}: {}", r.field, r.message)),
            Err(AppError::NotFound { .. }) => e.add("pick", "One of the ticked exceptions no longer exists"),
            Err(AppError::Conflict(_) | AppError::PreconditionFailed(_)) => {
                e.add("pick", "Someone changed one of these meanwhile. Look again, then retry")
            }
            Err(err) => return Err(err.into()),
        }
    }
    queue_page(&st, &v, QueueQuery::default(), e, assignee_raw).await
}

// ---------------------------------------------------------------------------------------------
// One exception
// ---------------------------------------------------------------------------------------------

pub struct HistoryRow {
    pub at: String,
    pub by: String,
    pub what: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "console_exception.html")]
struct DetailPage {
    l: Layout,
    e: Errors,
    id: String,
    kind: String,
    state: Tag,
    active: bool,
    explanation: String,
    next_step: String,
    customer_text: String,
    account: String,
    account_href: String,
    order: String,
    order_href: String,
    owner: String,
    assignee: String,
    opened: String,
    resolved: String,
    resolution_note: String,
    history: Vec<HistoryRow>,
    version: i64,
    assignee_input: String,
    note_input: String,
}

fn exception_id(raw: &str) -> Result<ExceptionId, PageError> {
    Uuid::parse_str(raw).map(ExceptionId).map_err(|_| PageError::NotFound)
}

async fn detail_page(
    st: &WebState,
    v: &Viewer,
    x: &Versioned<Exception>,
    e: Errors,
    assignee_input: String,
    note_input: String,
) -> PageResult {
    let ex = &x.value;
    let account = st
        .app
        .account(&v.ctx, ex.account_id)
        .await
        .map(|a| a.value.name)
        .unwrap_or_default();
    let status = if e.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render(
        status,
        &DetailPage {
            l: Layout::for_viewer(ex.kind.label(), v, "/console/exceptions"),
            e,
            id: ex.id.to_string(),
            kind: ex.kind.label().into(),
            state: state_tag(ex.state),
            active: ex.state.is_active(),
            explanation: ex.explanation.clone(),
            next_step: ex.next_step.clone(),
            customer_text: ex.customer_text.clone().unwrap_or_default(),
            account,
            account_href: format!("/console/accounts/{}", ex.account_id),
            order: ex.order.as_ref().map(|(_, n)| n.clone()).unwrap_or_default(),
            order_href: ex
                .order
                .as_ref()
                .map(|(id, _)| format!("/orders/{id}"))
                .unwrap_or_default(),
            owner: format::words(ex.owner.as_str()),
            assignee: ex.assignee.clone().unwrap_or_default(),
            opened: format::time(ex.opened_at),
            resolved: ex.resolved_at.map(format::time).unwrap_or_default(),
            resolution_note: ex.resolution_note.clone().unwrap_or_default(),
            history: ex
                .history
                .iter()
                .map(|h| HistoryRow {
                    at: format::time(h.at),
                    by: h.by.clone(),
                    what: h.what.clone(),
                    note: h.note.clone().unwrap_or_default(),
                })
                .collect(),
            version: x.version,
            assignee_input,
            note_input,
        },
    ))
}

pub async fn detail(State(st): State<WebState>, v: Viewer, Path(id): Path<String>) -> PageResult {
    let x = st.app.exception(&v.ctx, exception_id(&id)?).await?;
    detail_page(&st, &v, &x, Errors::default(), String::new(), String::new()).await
}

#[derive(Deserialize, Default)]
pub struct StepForm {
    #[serde(default)]
    version: String,
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    note: String,
}

async fn step(st: &WebState, v: &Viewer, id: &str, f: StepForm, which: &str) -> PageResult {
    let id = exception_id(id)?;
    let mut e = Errors::default();
    let step = match which {
        "acknowledge" => ExceptionStep::Acknowledge,
        "assign" => {
            let a = e.text("assignee", "Assign to", &f.assignee, TextKind::Name, None);
            ExceptionStep::Assign(Some(a).filter(|a| !a.is_empty()))
        }
        _ => {
            let n = e.text("note", "What was done", &f.note, TextKind::Text, None);
            ExceptionStep::Resolve(Some(n).filter(|n| !n.is_empty()))
        }
    };
    if e.is_empty() {
        let mut ctx = v.ctx.clone();
        ctx.if_match = f.version.trim().parse().ok();
        let app = &st.app;
        match app.run(&ctx, || app.plan_exception_step(&ctx, id, &step)).await {
            Ok(_) => return Ok(redirect(&format!("/console/exceptions/{id}"))),
            Err(AppError::Rejected(r)) => e.add(
                if which == "assign" { "assignee" } else { "note" },
                format!(
                    "This exception is {}",
                    r.message.trim_start_matches("the exception is ")
                ),
            ),
            Err(AppError::PreconditionFailed(_)) => e.add(
                if which == "assign" { "assignee" } else { "note" },
                "Someone else changed this exception meanwhile. Look at it again, then retry",
            ),
            Err(AppError::NotFound { .. }) => return Err(PageError::NotFound),
            Err(err) => return Err(err.into()),
        }
    }
    let x = st.app.exception(&v.ctx, id).await?;
    detail_page(st, v, &x, e, f.assignee, f.note).await
}

pub async fn acknowledge(
    State(st): State<WebState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<StepForm>,
) -> PageResult {
    step(&st, &v, &id, f, "acknowledge").await
}

pub async fn assign(
    State(st): State<WebState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<StepForm>,
) -> PageResult {
    step(&st, &v, &id, f, "assign").await
}

pub async fn resolve(
    State(st): State<WebState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<StepForm>,
) -> PageResult {
    step(&st, &v, &id, f, "resolve").await
}

// ---------------------------------------------------------------------------------------------
// For other pages: the customer's notes, the customer 360
// ---------------------------------------------------------------------------------------------

/// The customer-facing exceptions of the viewer's account as dashboard items ("Your delivery to
/// Memphis DC is 2 days late: carrier exception"), newest first. Staff get none here.
pub async fn customer_items(st: &WebState, ctx: &Ctx) -> Result<Vec<Item>, PageError> {
    if ctx.principal.own_account().is_none() {
        return Ok(Vec::new());
    }
    let page = st
        .app
        .list_exceptions(
            ctx,
            &ExceptionFilter {
                limit: 20,
                ..Default::default()
            },
        )
        .await?;
    Ok(page.items.iter().map(|x| customer_item(&x.value)).collect())
}

fn customer_item(e: &Exception) -> Item {
    Item {
        href: e
            .order
            .as_ref()
            .map(|(id, _)| format!("/orders/{id}"))
            .unwrap_or_default(),
        label: e.customer_text.clone().unwrap_or_default(),
        detail: e
            .order
            .as_ref()
            .map(|(_, n)| format!("Order {n} · we noticed {}", format::time(e.opened_at)))
            .unwrap_or_default(),
    }
}

/// The exceptions of one order for its page: customer-facing text for customers, the seller's
/// explanation with a link for staff.
pub async fn of_order(st: &WebState, ctx: &Ctx, order: OrderId) -> Result<Vec<Item>, PageError> {
    if ctx.principal.supplier_location().is_some() {
        return Ok(Vec::new());
    }
    let staff = ctx.principal.is_seller();
    Ok(st
        .app
        .exceptions_of_order(ctx, order)
        .await?
        .iter()
        .map(|x| {
            if staff {
                Item {
                    href: format!("/console/exceptions/{}", x.value.id),
                    label: format!("{}: {}", x.value.kind.label(), x.value.explanation),
                    detail: format!(
                        "{} · {}",
                        format::words(x.value.state.as_str()),
                        format::words(x.value.owner.as_str())
                    ),
                }
            } else {
                customer_item(&x.value)
            }
        })
        .collect())
}

/// The customer 360's open exceptions.
pub async fn of_account(st: &WebState, ctx: &Ctx, account: AccountId) -> Result<Vec<ExceptionRow>, PageError> {
    let now = st.app.clock.now();
    Ok(st
        .app
        .list_exceptions(
            ctx,
            &ExceptionFilter {
                account_id: Some(account),
                limit: 50,
                ..Default::default()
            },
        )
        .await?
        .items
        .iter()
        .map(|x| row(x, now, String::new()))
        .collect())
}
