//! Support cases in the portal: the customer's cases (list, "ask about this …" form, thread with
//! a reply form) and the service console's queue (filters: status, assignee, account; oldest
//! waiting first) and case page (thread with internal notes, reply, note, assign, status).
//!
//! Internal notes reach only the console pages: the customer's pages read cases through the
//! same application calls, which never hand notes to a customer.

use super::{Opt, Tag, query};
use crate::WebState;
use crate::form::Errors;
use crate::format;
use crate::render::{Layout, PageError, PageResult, render};
use crate::session::{Viewer, redirect, urlencode};
use aftercart_app::{AppError, AssigneeFilter, CaseFilter, CaseView, CaseWrite, Ctx, ListFilter, OpenCase};
use aftercart_domain::case::{AboutKind, CaseId, CaseStatus, Side};
use aftercart_domain::ids::{AccountId, UserId};
use aftercart_domain::text::TextKind;
use askama::Template;
use axum::Form;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use serde::Deserialize;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

fn case_id(raw: &str) -> Result<CaseId, PageError> {
    Uuid::parse_str(raw).map(CaseId).map_err(|_| PageError::NotFound)
}

/// "2 h 15 min", "3 d 4 h", "under a minute".
pub fn span(d: Duration) -> String {
    let m = d.whole_minutes().max(0);
    match m {
        0 => "under a minute".into(),
        1..60 => format!("{m} min"),
        60..1440 => match m % 60 {
            0 => format!("{} h", m / 60),
            r => format!("{} h {r} min", m / 60),
        },
        _ => match (m / 60) % 24 {
            0 => format!("{} d", m / 1440),
            h => format!("{} d {h} h", m / 1440),
        },
    }
}

pub fn status_tag(s: CaseStatus) -> Tag {
    let class = match s {
        CaseStatus::Open | CaseStatus::WaitingOnUs => "tag-yellow",
        CaseStatus::WaitingOnCustomer => "tag-blue",
        CaseStatus::Solved => "tag-green",
    };
    Tag {
        word: format::words(s.as_str()),
        class,
    }
}

/// Where the record a case is about is shown, for the viewer.
fn about_href(v: &CaseView, staff: bool) -> String {
    let a = &v.case.about;
    match a.kind {
        AboutKind::Order => format!("/orders/{}", a.id),
        AboutKind::Shipment => a.order_id.map(|o| format!("/orders/{o}#shipments")).unwrap_or_default(),
        AboutKind::Invoice => format!("/invoices/{}", a.id),
        // Returns and exceptions have their own pages (their areas'); the console's are its own.
        AboutKind::Return if staff => format!("/console/returns/{}", a.id),
        AboutKind::Return => format!("/returns/{}", a.id),
        AboutKind::Exception if staff => format!("/console/exceptions/{}", a.id),
        AboutKind::Exception => String::new(),
    }
}

/// One case in a list.
pub struct CaseRow {
    pub href: String,
    pub number: String,
    pub subject: String,
    pub about: String,
    pub about_href: String,
    pub account: String,
    pub status: Tag,
    pub waiting: String,
    pub assignee: String,
    pub first_response: String,
    pub resolution: String,
    pub messages: usize,
}

fn row(v: &CaseView, staff: bool, now: OffsetDateTime, account: String) -> CaseRow {
    let c = &v.case;
    CaseRow {
        href: if staff {
            format!("/console/cases/{}", c.id)
        } else {
            format!("/cases/{}", c.id)
        },
        number: c.number.clone(),
        subject: c.subject.clone(),
        about: c.about.label.clone(),
        about_href: about_href(v, staff),
        account,
        status: status_tag(c.status),
        waiting: if c.status == CaseStatus::Solved {
            String::new()
        } else {
            span(c.waiting(now))
        },
        assignee: c.assignee.as_ref().map(|a| a.name.clone()).unwrap_or_default(),
        first_response: c.first_response_time().map(span).unwrap_or_default(),
        resolution: c.resolution_time().map(span).unwrap_or_default(),
        messages: c.messages.len(),
    }
}

/// The cases about one record, for its page (order, invoice): links, and whether to offer
/// "Ask about this".
pub struct RecordCases {
    pub may_ask: bool,
    pub rows: Vec<CaseRow>,
    /// "Ask about this order" and where it goes.
    pub ask: String,
    pub ask_label: String,
}

impl RecordCases {
    /// For pages that show no cases (a supplier's view).
    pub fn none() -> RecordCases {
        RecordCases {
            may_ask: false,
            rows: Vec::new(),
            ask: String::new(),
            ask_label: String::new(),
        }
    }
}

/// The cases about a record the viewer may see (an order's include its shipments'), for the
/// record's own page. Suppliers get nothing (cases are between the customer and the seller).
pub async fn for_record(st: &WebState, ctx: &Ctx, kind: AboutKind, about: Uuid) -> Result<RecordCases, PageError> {
    let p = &ctx.principal;
    if !p.may(aftercart_app::Action::Cases) {
        return Ok(RecordCases::none());
    }
    let f = CaseFilter {
        about: Some(about),
        all_statuses: true,
        limit: 50,
        ..Default::default()
    };
    let now = st.app.clock.now();
    let staff = p.is_seller();
    let rows = st
        .app
        .list_cases(ctx, &f)
        .await?
        .iter()
        .map(|v| row(v, staff, now, String::new()))
        .collect();
    Ok(RecordCases {
        may_ask: true,
        rows,
        ask: ask_href(kind, about),
        ask_label: format!("Ask about this {}", kind.as_str()),
    })
}

// ---------------------------------------------------------------------------------------------
// GET /cases
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "cases.html")]
struct CasesPage {
    l: Layout,
    rows: Vec<CaseRow>,
}

pub async fn list(State(st): State<WebState>, v: Viewer) -> PageResult {
    let f = CaseFilter {
        all_statuses: true,
        limit: 200,
        ..Default::default()
    };
    let now = st.app.clock.now();
    let rows = st
        .app
        .list_cases(&v.ctx, &f)
        .await?
        .iter()
        .map(|c| row(c, false, now, String::new()))
        .collect();
    Ok(render(
        StatusCode::OK,
        &CasesPage {
            l: Layout::for_viewer("Cases", &v, "/cases"),
            rows,
        },
    ))
}

// ---------------------------------------------------------------------------------------------
// GET/POST /cases/new?about=shipment:<id>
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "case_new.html")]
struct NewCasePage {
    l: Layout,
    e: Errors,
    about: String,
    about_label: String,
    subject: String,
    body: String,
    staff: bool,
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    #[serde(default)]
    about: String,
}

/// `order:<uuid>` (or shipment, invoice, return, exception); anything else names nothing.
fn parse_about(raw: &str) -> Result<(AboutKind, Uuid), PageError> {
    let (k, id) = raw.split_once(':').ok_or(PageError::NotFound)?;
    let kind = AboutKind::parse(k, "about").map_err(|_| PageError::NotFound)?;
    Ok((kind, Uuid::parse_str(id).map_err(|_| PageError::NotFound)?))
}

/// What the record is called, if the viewer may see it (else the form is a 404).
async fn about_label(st: &WebState, ctx: &Ctx, kind: AboutKind, id: Uuid) -> Result<String, PageError> {
    match st.app.case_about_label(ctx, kind, id).await {
        Ok(l) => Ok(l),
        Err(AppError::NotFound { .. }) => Err(PageError::NotFound),
        Err(e) => Err(e.into()),
    }
}

pub async fn new_form(State(st): State<WebState>, v: Viewer, RawQuery(raw): RawQuery) -> PageResult {
    let q: NewQuery = query(raw.as_deref());
    let (kind, id) = parse_about(&q.about)?;
    let label = about_label(&st, &v.ctx, kind, id).await?;
    Ok(render(
        StatusCode::OK,
        &NewCasePage {
            l: Layout::for_viewer("Ask about this", &v, "/cases"),
            e: Errors::default(),
            about: q.about,
            about_label: label,
            subject: String::new(),
            body: String::new(),
            staff: v.ctx.principal.is_seller(),
        },
    ))
}

#[derive(Deserialize, Default)]
pub struct NewForm {
    #[serde(default)]
    about: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    body: String,
}

pub async fn create(State(st): State<WebState>, v: Viewer, Form(f): Form<NewForm>) -> PageResult {
    let (kind, id) = parse_about(&f.about)?;
    let label = about_label(&st, &v.ctx, kind, id).await?;
    let mut e = Errors::default();
    let subject = e.text("subject", "The subject", &f.subject, TextKind::Name, None);
    e.text(
        "body",
        "Your message",
        &f.body,
        TextKind::Text,
        Some("Write your question"),
    );
    if e.is_empty() {
        let input = OpenCase {
            about_kind: kind,
            about_id: id,
            subject,
            body: f.body.clone(),
        };
        let app = &st.app;
        match app.run(&v.ctx, || app.plan_open_case(&v.ctx, &input)).await {
            Ok(c) => {
                let to = if v.ctx.principal.is_seller() {
                    format!("/console/cases/{}", c.case.id)
                } else {
                    format!("/cases/{}?sent=1", c.case.id)
                };
                return Ok(redirect(&to));
            }
            Err(AppError::Rejected(r)) => e.add(field_of(&r.field), r.message),
            Err(err) => return Err(err.into()),
        }
    }
    Ok(render(
        StatusCode::UNPROCESSABLE_ENTITY,
        &NewCasePage {
            l: Layout::for_viewer("Ask about this", &v, "/cases"),
            e,
            about: f.about,
            about_label: label,
            subject: f.subject,
            body: f.body,
            staff: v.ctx.principal.is_seller(),
        },
    ))
}

/// The form field for a refusal's input field.
fn field_of(f: &str) -> &str {
    match f {
        "subject" => "subject",
        "status" => "status",
        "assignee_id" => "assignee",
        _ => "body",
    }
}

// ---------------------------------------------------------------------------------------------
// GET /cases/{id}, /console/cases/{id}
// ---------------------------------------------------------------------------------------------

pub struct EntryView {
    pub at: String,
    pub who: String,
    pub seller: bool,
    pub internal: bool,
    pub body: String,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    l: Layout,
    e: Errors,
    staff: bool,
    id: String,
    number: String,
    subject: String,
    about: String,
    about_href: String,
    account: String,
    account_href: String,
    status: Tag,
    solved: bool,
    opened: String,
    assignee: String,
    first_response: String,
    resolution: String,
    thread: Vec<EntryView>,
    version: i64,
    body: String,
    internal: bool,
    notice: String,
    statuses: Vec<Opt>,
    assignees: Vec<Opt>,
}

#[derive(Deserialize, Default)]
pub struct CaseQuery {
    #[serde(default)]
    sent: String,
}

async fn case_page(
    st: &WebState,
    v: &Viewer,
    c: &CaseView,
    e: Errors,
    body: String,
    internal: bool,
    notice: &str,
) -> PageResult {
    let staff = v.ctx.principal.is_seller();
    let case = &c.case;
    let (account, account_href) = if staff {
        let name = st
            .app
            .account(&v.ctx, case.account_id)
            .await
            .map(|a| a.value.name)
            .unwrap_or_default();
        (name, format!("/console/accounts/{}", case.account_id))
    } else {
        (String::new(), String::new())
    };
    let thread = c
        .thread()
        .into_iter()
        .map(|m| EntryView {
            at: format::time(m.at),
            who: match (m.author.side, staff) {
                (Side::Seller, false) => format!("{} (seller)", m.author.name),
                _ => m.author.name.clone(),
            },
            seller: m.author.side == Side::Seller,
            internal: m.internal,
            body: m.body,
        })
        .collect();
    let assignees = if staff {
        let current = case.assignee.as_ref().map(|a| a.id.clone()).unwrap_or_default();
        std::iter::once(Opt {
            value: String::new(),
            label: "Nobody".into(),
            selected: current.is_empty(),
        })
        .chain(st.app.case_assignees(&v.ctx).await?.into_iter().map(|(id, name)| Opt {
            selected: id.0.to_string() == current,
            value: id.0.to_string(),
            label: name,
        }))
        .collect()
    } else {
        Vec::new()
    };
    let statuses = CaseStatus::ALL
        .into_iter()
        .map(|s| Opt {
            value: s.as_str().into(),
            label: format::words(s.as_str()),
            selected: s == case.status,
        })
        .collect();
    let title = format!("{} {}", case.number, case.subject);
    let status = if e.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render(
        status,
        &CasePage {
            l: Layout::for_viewer(title, v, if staff { "/console/cases" } else { "/cases" }),
            e,
            staff,
            id: case.id.to_string(),
            number: case.number.clone(),
            subject: case.subject.clone(),
            about: case.about.label.clone(),
            about_href: about_href(c, staff),
            account,
            account_href,
            status: status_tag(case.status),
            solved: case.status == CaseStatus::Solved,
            opened: format!(
                "{} by {}{}",
                format::time(case.opened_at),
                case.opened_by.name,
                if case.on_behalf {
                    " (seller, for the customer)"
                } else {
                    ""
                }
            ),
            assignee: case.assignee.as_ref().map(|a| a.name.clone()).unwrap_or_default(),
            first_response: case.first_response_time().map(span).unwrap_or_default(),
            resolution: case.resolution_time().map(span).unwrap_or_default(),
            thread,
            version: c.version,
            body,
            internal,
            notice: notice.to_owned(),
            statuses,
            assignees,
        },
    ))
}

pub async fn detail(
    State(st): State<WebState>,
    v: Viewer,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let q: CaseQuery = query(raw.as_deref());
    let c = st.app.case(&v.ctx, case_id(&id)?).await?;
    let notice = match q.sent.as_str() {
        "" => "",
        "note" => "Your internal note was added. The customer does not see it.",
        _ => "Your message was sent.",
    };
    case_page(&st, &v, &c, Errors::default(), String::new(), false, notice).await
}

// ---------------------------------------------------------------------------------------------
// POST /cases/{id}/reply, /console/cases/{id}/reply
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct ReplyForm {
    #[serde(default)]
    body: String,
    #[serde(default)]
    version: String,
    /// Console: "note" for an internal note, "solve" to solve with the reply.
    #[serde(default)]
    kind: String,
}

/// Runs a case command from a form; a refusal re-renders the case with the error beside its field.
async fn act<F, Fut>(st: &WebState, v: &Viewer, version: &str, plan: F) -> Result<Result<(), Errors>, PageError>
where
    F: Fn(Ctx) -> Fut,
    Fut: std::future::Future<Output = aftercart_app::Result<aftercart_app::Planned<CaseView>>>,
{
    let mut ctx = v.ctx.clone();
    ctx.if_match = version.trim().parse().ok();
    let app = &st.app;
    let mut e = Errors::default();
    match app.run(&ctx, || plan(ctx.clone())).await {
        Ok(_) => return Ok(Ok(())),
        Err(AppError::Rejected(r)) => e.add(field_of(&r.field), r.message),
        Err(AppError::PreconditionFailed(_)) => e.add(
            "body",
            "Someone else changed this case while you were writing. Read the newest messages, then send yours again",
        ),
        Err(AppError::NotFound { .. }) => return Err(PageError::NotFound),
        Err(err) => return Err(err.into()),
    }
    Ok(Err(e))
}

pub async fn reply(
    State(st): State<WebState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<ReplyForm>,
) -> PageResult {
    let id = case_id(&id)?;
    let staff = v.ctx.principal.is_seller();
    let internal = staff && f.kind == "note";
    let input = CaseWrite {
        body: f.body.clone(),
        internal,
        solve: staff && f.kind == "solve",
    };
    let mut e = Errors::default();
    e.text("body", "The message", &f.body, TextKind::Text, Some("Write a message"));
    if e.is_empty() {
        let app = &st.app;
        match act(&st, &v, &f.version, |ctx| {
            let input = input.clone();
            async move { app.plan_write_case(&ctx, id, &input).await }
        })
        .await?
        {
            Ok(()) => {
                let base = if staff { "/console/cases" } else { "/cases" };
                let sent = if internal { "note" } else { "1" };
                return Ok(redirect(&format!("{base}/{id}?sent={sent}")));
            }
            Err(errs) => e = errs,
        }
    }
    let c = st.app.case(&v.ctx, id).await?;
    case_page(&st, &v, &c, e, f.body, internal, "").await
}

// ---------------------------------------------------------------------------------------------
// POST /cases/{id}/status, /console/cases/{id}/status, /console/cases/{id}/assign
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct StatusForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    version: String,
}

pub async fn set_status(
    State(st): State<WebState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<StatusForm>,
) -> PageResult {
    let id = case_id(&id)?;
    let staff = v.ctx.principal.is_seller();
    let mut e = Errors::default();
    match CaseStatus::parse(f.status.trim(), "status") {
        Err(_) => e.add("status", "Choose a status"),
        Ok(to) => {
            let app = &st.app;
            match act(&st, &v, &f.version, |ctx| async move {
                app.plan_case_status(&ctx, id, to).await
            })
            .await?
            {
                Ok(()) => {
                    let base = if staff { "/console/cases" } else { "/cases" };
                    return Ok(redirect(&format!("{base}/{id}")));
                }
                Err(errs) => e = errs,
            }
        }
    }
    let c = st.app.case(&v.ctx, id).await?;
    case_page(&st, &v, &c, e, String::new(), false, "").await
}

#[derive(Deserialize, Default)]
pub struct AssignForm {
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    version: String,
}

pub async fn assign(
    State(st): State<WebState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<AssignForm>,
) -> PageResult {
    let id = case_id(&id)?;
    let mut e = Errors::default();
    let to = match f.assignee.trim() {
        "" => Some(None),
        s => Uuid::parse_str(s).ok().map(|u| Some(UserId(u))),
    };
    match to {
        None => e.add("assignee", "Choose someone from the list"),
        Some(to) => {
            let app = &st.app;
            match act(&st, &v, &f.version, |ctx| async move {
                app.plan_assign_case(&ctx, id, to).await
            })
            .await?
            {
                Ok(()) => return Ok(redirect(&format!("/console/cases/{id}"))),
                Err(errs) => e = errs,
            }
        }
    }
    let c = st.app.case(&v.ctx, id).await?;
    case_page(&st, &v, &c, e, String::new(), false, "").await
}

// ---------------------------------------------------------------------------------------------
// GET /console/cases
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "console_cases.html")]
struct QueuePage {
    l: Layout,
    e: Errors,
    rows: Vec<CaseRow>,
    statuses: Vec<Opt>,
    assignees: Vec<Opt>,
    accounts: Vec<Opt>,
    filtered: bool,
}

#[derive(Deserialize, Default)]
pub struct QueueQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    account: String,
}

pub async fn queue(State(st): State<WebState>, v: Viewer, RawQuery(raw): RawQuery) -> PageResult {
    let q: QueueQuery = query(raw.as_deref());
    let ctx = &v.ctx;
    let mut e = Errors::default();
    let (status, all_statuses) = match q.status.as_str() {
        "" => (None, false),
        "any" => (None, true),
        s => match CaseStatus::parse(s, "status") {
            Ok(s) => (Some(s), false),
            Err(_) => {
                e.add("status", "Choose a status from the list");
                (None, false)
            }
        },
    };
    let me = ctx.principal.id.clone();
    let assignee = match q.assignee.as_str() {
        "" => None,
        "none" => Some(AssigneeFilter::Unassigned),
        "me" => Some(AssigneeFilter::User(me.clone())),
        s => match Uuid::parse_str(s) {
            Ok(u) => Some(AssigneeFilter::User(u.to_string())),
            Err(_) => {
                e.add("assignee", "Choose someone from the list");
                None
            }
        },
    };
    let accounts_list = st
        .app
        .list_accounts(
            ctx,
            &ListFilter {
                limit: 500,
                ..Default::default()
            },
        )
        .await?
        .items;
    let offered: Vec<(AccountId, String)> = accounts_list
        .iter()
        .map(|a| (a.value.id, a.value.name.clone()))
        .collect();
    let account = e.choice(
        "account",
        &q.account,
        &offered,
        AccountId,
        "Choose a customer from the list",
    );
    let names: std::collections::HashMap<AccountId, String> = accounts_list
        .iter()
        .map(|a| (a.value.id, a.value.name.clone()))
        .collect();
    let mut rows = Vec::new();
    if e.is_empty() {
        let f = CaseFilter {
            account_id: account,
            status,
            all_statuses,
            assignee,
            about: None,
            limit: 500,
        };
        let now = st.app.clock.now();
        rows = st
            .app
            .list_cases(ctx, &f)
            .await?
            .iter()
            .map(|c| row(c, true, now, names.get(&c.case.account_id).cloned().unwrap_or_default()))
            .collect();
    }
    let opt = |value: &str, label: &str, current: &str| Opt {
        value: value.into(),
        label: label.into(),
        selected: value == current,
    };
    let mut statuses = vec![
        opt("", "Needs attention or waiting (not solved)", &q.status),
        opt("any", "Any status", &q.status),
    ];
    statuses.extend(
        CaseStatus::ALL
            .into_iter()
            .map(|s| opt(s.as_str(), &format::words(s.as_str()), &q.status)),
    );
    let mut assignees = vec![
        opt("", "Anyone", &q.assignee),
        opt("me", "Me", &q.assignee),
        opt("none", "Nobody", &q.assignee),
    ];
    for (id, name) in st.app.case_assignees(ctx).await? {
        assignees.push(opt(&id.0.to_string(), &name, &q.assignee));
    }
    let mut accounts = vec![opt("", "Every customer", &q.account)];
    accounts.extend(
        accounts_list
            .iter()
            .map(|a| opt(&a.value.id.0.to_string(), &a.value.name, &q.account)),
    );
    let filtered = !(q.status.is_empty() && q.assignee.is_empty() && q.account.is_empty());
    Ok(render(
        if e.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        },
        &QueuePage {
            l: Layout::for_viewer("Cases", &v, "/console/cases"),
            e,
            rows,
            statuses,
            assignees,
            accounts,
            filtered,
        },
    ))
}

/// The customer 360's cases: the account's, newest activity in the queue's order.
pub async fn of_account(st: &WebState, ctx: &Ctx, account: AccountId) -> Result<Vec<CaseRow>, PageError> {
    let f = CaseFilter {
        account_id: Some(account),
        all_statuses: true,
        limit: 50,
        ..Default::default()
    };
    let now = st.app.clock.now();
    Ok(st
        .app
        .list_cases(ctx, &f)
        .await?
        .iter()
        .map(|c| row(c, true, now, String::new()))
        .collect())
}

/// The link that opens a case about a record: `/cases/new?about=shipment:<id>`.
pub fn ask_href(kind: AboutKind, id: Uuid) -> String {
    format!("/cases/new?about={}", urlencode(&format!("{}:{id}", kind.as_str())))
}
