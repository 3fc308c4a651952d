//! Webhook endpoints and the delivery log: a customer's account admin manages their company's
//! endpoints under `/admin/webhooks`, a seller admin the seller's (and sees every customer's)
//! under `/console/webhooks`, with the same pages. The signing secret is shown once — on the
//! page answering the form that made or rotated it — and only its last characters after.
//! `/console/deliveries` is the seller's log across every delivery queue. Its state filter is
//! applied here, to each page the application answers (the application's filter takes the
//! store's `JobState`, which the portal cannot name), so a page may show fewer rows than fit.

use super::admin::{Fields, Input, Select, path_id, refusal};
use super::{Tag, query};
use crate::WebState;
use crate::form::Errors;
use crate::format;
use crate::render::{Layout, PageError, PageResult, render};
use crate::session::{Viewer, local_path, redirect};
use aftercart_app::notify::{
    Delivery, DeliveryFilter, EndpointInput, EndpointPatch, EndpointState, WebhookEndpoint, queues,
};
use aftercart_app::{AppError, Versioned};
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use std::collections::HashMap;
use time::OffsetDateTime;
use uuid::Uuid;

/// Deliveries per page.
const PAGE: u32 = 50;

/// Which side's pages: the company's administration or the seller's console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Admin,
    Console,
}

impl Side {
    fn base(self) -> &'static str {
        match self {
            Side::Admin => "/admin/webhooks",
            Side::Console => "/console/webhooks",
        }
    }
    fn nav(self) -> &'static str {
        match self {
            Side::Admin => super::admin::NAV,
            Side::Console => "/console/webhooks",
        }
    }
}

fn state_tag(ep: &WebhookEndpoint) -> Tag {
    match ep.state {
        EndpointState::Active if ep.failing_since.is_some() => Tag {
            word: "Failing".into(),
            class: "tag-red",
        },
        EndpointState::Active => Tag {
            word: "Active".into(),
            class: "tag-green",
        },
        EndpointState::Disabled => Tag {
            word: "Disabled".into(),
            class: "tag-grey",
        },
    }
}

/// A delivery queue, for people.
pub fn queue_label(q: &str) -> &str {
    match q {
        queues::EMAIL => "Email",
        queues::SMS => "Text message",
        queues::WEBHOOK => "Webhook",
        queues::NATS => "Event stream",
        queues::DIGEST => "Email summary",
        queues::HELP => "Help email",
        other => other,
    }
}

pub fn delivery_tag(d: &Delivery) -> Tag {
    match d.state.as_str() {
        "done" => Tag {
            word: "Delivered".into(),
            class: "tag-green",
        },
        "dead" => Tag {
            word: "Failed".into(),
            class: "tag-red",
        },
        _ if d.attempts > 0 => Tag {
            word: "Retrying".into(),
            class: "tag-yellow",
        },
        _ => Tag {
            word: "Waiting".into(),
            class: "tag-blue",
        },
    }
}

/// The end of a secret, enough to tell two apart: `whsec_…Ab3d`.
fn secret_hint(secret: &str) -> String {
    let tail: String = secret
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("whsec_…{tail}")
}

pub struct EndpointRow {
    pub href: String,
    pub url: String,
    pub description: String,
    pub account: String,
    pub types: String,
    pub state: Tag,
    pub reason: String,
    pub failing_since: String,
}

fn endpoint_row(side: Side, ep: &WebhookEndpoint, account: String) -> EndpointRow {
    EndpointRow {
        href: format!("{}/{}", side.base(), ep.id),
        url: ep.url.clone(),
        description: ep.description.clone(),
        account,
        types: ep.event_types.join(", "),
        state: state_tag(ep),
        reason: ep.disabled_reason.clone().unwrap_or_default(),
        failing_since: ep.failing_since.map(format::time).unwrap_or_default(),
    }
}

async fn account_names(
    st: &WebState,
    v: &Viewer,
    eps: &[Versioned<WebhookEndpoint>],
) -> Result<HashMap<Uuid, String>, PageError> {
    let mut names = HashMap::new();
    for ep in eps {
        if let Some(a) = ep.value.account_id
            && !names.contains_key(&a.0)
        {
            let name = match st.app.account(&v.ctx, a).await {
                Ok(acc) => acc.value.name,
                Err(AppError::NotFound { .. }) => "An account".into(),
                Err(e) => return Err(e.into()),
            };
            names.insert(a.0, name);
        }
    }
    Ok(names)
}

// ---------------------------------------------------------------------------------------------
// GET/POST /admin/webhooks, /console/webhooks
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "webhooks.html")]
struct ListPage {
    l: Layout,
    e: Errors,
    console: bool,
    base: &'static str,
    rows: Vec<EndpointRow>,
    url: Input,
    description: Input,
    event_types: Input,
}

#[derive(Default)]
struct NewForm {
    url: String,
    description: String,
    event_types: String,
}

async fn list_page(st: &WebState, v: &Viewer, side: Side, status: StatusCode, e: Errors, f: &NewForm) -> PageResult {
    let eps = st.app.endpoints(&v.ctx).await?;
    let names = account_names(st, v, &eps).await?;
    let rows = eps
        .iter()
        .map(|ep| {
            let account = match ep.value.account_id {
                Some(a) => names.get(&a.0).cloned().unwrap_or_default(),
                None => "Seller (every event)".into(),
            };
            endpoint_row(side, &ep.value, account)
        })
        .collect();
    Ok(render(
        status,
        &ListPage {
            l: Layout::for_viewer("Webhooks", v, side.nav()),
            console: side == Side::Console,
            base: side.base(),
            rows,
            url: Input::new(&e, "url", "URL", &f.url)
                .kind("url")
                .auto("url")
                .hint("Where to POST each event, like https://hooks.example.com/aftercart."),
            description: Input::new(&e, "description", "Description (optional)", &f.description)
                .hint("What receives it, like “ERP order sync”."),
            event_types: Input::new(&e, "event_types", "Event types", &f.event_types)
                .hint("Comma-separated: event kinds like order.placed, families like order.*, or * for every event."),
            e,
        },
    ))
}

pub async fn admin_list(State(st): State<WebState>, v: Viewer) -> PageResult {
    list_page(
        &st,
        &v,
        Side::Admin,
        StatusCode::OK,
        Errors::default(),
        &NewForm::default(),
    )
    .await
}

pub async fn console_list(State(st): State<WebState>, v: Viewer) -> PageResult {
    list_page(
        &st,
        &v,
        Side::Console,
        StatusCode::OK,
        Errors::default(),
        &NewForm::default(),
    )
    .await
}

fn split_types(s: &str) -> Vec<String> {
    s.split([',', ' ', '\n', '\r', '\t'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

fn endpoint_field(f: &str) -> Option<&'static str> {
    match f {
        "url" => Some("url"),
        "description" => Some("description"),
        f if f.starts_with("event_types") => Some("event_types"),
        _ => None,
    }
}

async fn create(st: WebState, v: Viewer, side: Side, f: Fields) -> PageResult {
    let form = NewForm {
        url: f.get("url").trim().to_owned(),
        description: f.get("description").trim().to_owned(),
        event_types: f.get("event_types").trim().to_owned(),
    };
    let mut e = Errors::default();
    if form.url.is_empty() {
        e.add("url", "Enter the URL to send events to");
    }
    let types = split_types(&form.event_types);
    if types.is_empty() {
        e.add("event_types", "Enter the event types to send, or * for every event");
    }
    if !e.is_empty() {
        return list_page(&st, &v, side, StatusCode::UNPROCESSABLE_ENTITY, e, &form).await;
    }
    let input = EndpointInput {
        url: form.url.clone(),
        description: (!form.description.is_empty()).then(|| form.description.clone()),
        event_types: types,
        account_id: None,
    };
    let (app, ctx) = (&st.app, &v.ctx);
    match app.run(ctx, || app.plan_create_endpoint(ctx, &input)).await {
        Ok(ep) => {
            let secret = ep.secrets.last().map(|s| s.secret.clone()).unwrap_or_default();
            let made = Versioned { value: ep, version: 1 };
            detail_page(
                &st,
                &v,
                side,
                &made,
                DetailExtras {
                    status: StatusCode::CREATED,
                    secret: Some((secret, "The endpoint is added.".into())),
                    ..DetailExtras::default()
                },
            )
            .await
        }
        Err(err) => {
            refusal(&mut e, err, endpoint_field, "url")?;
            list_page(&st, &v, side, StatusCode::UNPROCESSABLE_ENTITY, e, &form).await
        }
    }
}

pub async fn admin_create(
    State(st): State<WebState>,
    v: Viewer,
    axum::Form(f): axum::Form<Vec<(String, String)>>,
) -> PageResult {
    create(st, v, Side::Admin, Fields(f)).await
}

pub async fn console_create(
    State(st): State<WebState>,
    v: Viewer,
    axum::Form(f): axum::Form<Vec<(String, String)>>,
) -> PageResult {
    create(st, v, Side::Console, Fields(f)).await
}

// ---------------------------------------------------------------------------------------------
// GET /admin/webhooks/{id}, /console/webhooks/{id}
// ---------------------------------------------------------------------------------------------

pub struct DeliveryRow {
    pub id: String,
    pub queue: String,
    pub what: String,
    pub created: String,
    pub state: Tag,
    pub attempts: i32,
    pub last_error: String,
    pub next_attempt: String,
    /// Finished (delivered or given up): may be sent again.
    pub finished: bool,
    /// Where its "Send again" form posts.
    pub replay: String,
}

pub fn delivery_row(d: &Delivery, replay: String) -> DeliveryRow {
    DeliveryRow {
        replay,
        id: d.id.to_string(),
        queue: queue_label(&d.queue).to_owned(),
        what: d.summary.clone(),
        created: format::time(d.created_at),
        state: delivery_tag(d),
        attempts: d.attempts,
        last_error: d.last_error.clone().unwrap_or_default(),
        next_attempt: d.next_attempt_at.map(format::time).unwrap_or_default(),
        finished: d.state.as_str() != "pending",
    }
}

pub struct OldSecret {
    pub hint: String,
    pub until: String,
}

#[derive(Template)]
#[template(path = "webhook.html")]
struct DetailPage {
    l: Layout,
    e: Errors,
    notice: String,
    base: &'static str,
    id: String,
    url: String,
    description: String,
    account: String,
    types: String,
    state: Tag,
    active: bool,
    reason: String,
    failing_since: String,
    created: String,
    created_by: String,
    /// Shown once: right after the endpoint was made or its secret rotated.
    new_secret: String,
    secret_hint: String,
    old_secrets: Vec<OldSecret>,
    deliveries: Vec<DeliveryRow>,
    /// This page's own address (the replay forms come back here).
    here: String,
    older: String,
    since: Input,
}

#[derive(Default)]
struct DetailExtras {
    status: StatusCode,
    e: Errors,
    notice: String,
    /// (the secret, the notice that goes with it)
    secret: Option<(String, String)>,
    before: Option<Uuid>,
    since: String,
}

async fn detail_page(
    st: &WebState,
    v: &Viewer,
    side: Side,
    ep: &Versioned<WebhookEndpoint>,
    x: DetailExtras,
) -> PageResult {
    let ep = &ep.value;
    let deliveries = st
        .app
        .deliveries(
            &v.ctx,
            Some(ep.id),
            &DeliveryFilter {
                before: x.before,
                limit: PAGE,
                ..DeliveryFilter::default()
            },
        )
        .await?;
    let older = if deliveries.len() as u32 == PAGE {
        deliveries
            .last()
            .map(|d| format!("{}/{}?before={}", side.base(), ep.id, d.id))
            .unwrap_or_default()
    } else {
        String::new()
    };
    let account = match ep.account_id {
        Some(a) => match st.app.account(&v.ctx, a).await {
            Ok(acc) => acc.value.name,
            Err(AppError::NotFound { .. }) => String::new(),
            Err(e) => return Err(e.into()),
        },
        None => "Seller (every event)".into(),
    };
    let now = st.app.clock.now();
    let current = ep.secrets.iter().rev().find(|s| s.expires_at.is_none());
    let old_secrets = ep
        .secrets
        .iter()
        .filter(|s| s.expires_at.is_some_and(|t| t > now))
        .map(|s| OldSecret {
            hint: secret_hint(&s.secret),
            until: s.expires_at.map(format::time).unwrap_or_default(),
        })
        .collect();
    let (new_secret, notice) = match x.secret {
        Some((s, n)) => (s, n),
        None => (String::new(), x.notice),
    };
    let since = if x.since.is_empty() {
        datetime_local(now - time::Duration::days(1))
    } else {
        x.since
    };
    let here = match x.before {
        Some(b) => format!("{}/{}?before={b}", side.base(), ep.id),
        None => format!("{}/{}", side.base(), ep.id),
    };
    Ok(render(
        x.status,
        &DetailPage {
            l: Layout::for_viewer(format!("Webhook endpoint {}", ep.url), v, side.nav()),
            notice,
            base: side.base(),
            id: ep.id.to_string(),
            url: ep.url.clone(),
            description: ep.description.clone(),
            account,
            types: ep.event_types.join(", "),
            state: state_tag(ep),
            active: ep.state == EndpointState::Active,
            reason: ep.disabled_reason.clone().unwrap_or_default(),
            failing_since: ep.failing_since.map(format::time).unwrap_or_default(),
            created: format::time(ep.created_at),
            created_by: ep.created_by.clone(),
            new_secret,
            secret_hint: current.map(|s| secret_hint(&s.secret)).unwrap_or_default(),
            old_secrets,
            deliveries: deliveries
                .iter()
                .map(|d| delivery_row(d, format!("{}/{}/replay", side.base(), ep.id)))
                .collect(),
            here,
            older,
            since: Input::new(&x.e, "since", "Send again everything since (UTC)", &since)
                .kind("datetime-local")
                .hint("Every delivered or failed event from then on is sent again, with its original id."),
            e: x.e,
        },
    ))
}

#[derive(Deserialize, Default)]
pub struct DetailQuery {
    #[serde(default)]
    done: String,
    #[serde(default)]
    n: u64,
    #[serde(default)]
    before: String,
}

async fn detail(st: WebState, v: Viewer, side: Side, id: String, raw: Option<String>) -> PageResult {
    let id = path_id(&id)?;
    let q: DetailQuery = query(raw.as_deref());
    let ep = st.app.endpoint(&v.ctx, id).await?;
    let notice = match q.done.as_str() {
        "enabled" => "The endpoint is enabled: events are sent to it again. Send again what it missed below.".into(),
        "disabled" => "The endpoint is disabled: no events are sent to it.".into(),
        "replayed" if q.n == 1 => "1 delivery will be sent again.".into(),
        "replayed" => format!("{} deliveries will be sent again.", q.n),
        _ => String::new(),
    };
    detail_page(
        &st,
        &v,
        side,
        &ep,
        DetailExtras {
            status: StatusCode::OK,
            notice,
            before: Uuid::parse_str(q.before.trim()).ok(),
            ..DetailExtras::default()
        },
    )
    .await
}

pub async fn admin_detail(
    State(st): State<WebState>,
    v: Viewer,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    detail(st, v, Side::Admin, id, raw).await
}

pub async fn console_detail(
    State(st): State<WebState>,
    v: Viewer,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    detail(st, v, Side::Console, id, raw).await
}

// ---------------------------------------------------------------------------------------------
// POST …/{id}/rotate, …/{id}/state, …/{id}/replay, …/{id}/replay-since
// ---------------------------------------------------------------------------------------------

async fn rotate(st: WebState, v: Viewer, side: Side, id: String) -> PageResult {
    let id = path_id(&id)?;
    let (app, ctx) = (&st.app, &v.ctx);
    let ep = app.run(ctx, || app.plan_rotate_secret(ctx, id)).await?;
    let secret = ep
        .value
        .secrets
        .iter()
        .rev()
        .find(|s| s.expires_at.is_none())
        .map(|s| s.secret.clone())
        .unwrap_or_default();
    let notice = format!(
        "The secret is rotated. The old one keeps signing for {} hours, so your receiver can switch without missing an event.",
        aftercart_app::notify::ROTATION_OVERLAP.whole_hours()
    );
    detail_page(
        &st,
        &v,
        side,
        &ep,
        DetailExtras {
            status: StatusCode::OK,
            secret: Some((secret, notice)),
            ..DetailExtras::default()
        },
    )
    .await
}

async fn set_state(st: WebState, v: Viewer, side: Side, id: String, f: Fields) -> Result<Response, PageError> {
    let id = path_id(&id)?;
    let (app, ctx) = (&st.app, &v.ctx);
    let ep = app.endpoint(ctx, id).await?;
    let on = match f.get("enabled") {
        "true" => true,
        "false" => false,
        // Nothing asked: nothing changes.
        _ => return Ok(redirect(&format!("{}/{}", side.base(), ep.value.id))),
    };
    let patch = EndpointPatch {
        enabled: Some(on),
        ..EndpointPatch::default()
    };
    app.run(ctx, || app.plan_update_endpoint(ctx, id, &patch)).await?;
    let done = if on { "enabled" } else { "disabled" };
    Ok(redirect(&format!("{}/{id}?done={done}", side.base())))
}

/// Where a replay form goes back to: the endpoint's page it was on (keeping its page of the log).
fn back(fields: &Fields, base: &str, done: &str) -> String {
    let b = local_path(fields.get("back"))
        .filter(|b| *b == base || b.starts_with(&format!("{base}?")))
        .unwrap_or(base);
    let (path, q) = b.split_once('?').unwrap_or((b, ""));
    let mut to = format!("{path}?{done}");
    for kv in q.split('&').filter(|kv| kv.starts_with("before=")) {
        to.push('&');
        to.push_str(kv);
    }
    to
}

async fn replay_one(st: WebState, v: Viewer, side: Side, id: String, f: Fields) -> Result<Response, PageError> {
    let id = path_id(&id)?;
    let (app, ctx) = (&st.app, &v.ctx);
    app.endpoint(ctx, id).await?;
    let did = Uuid::parse_str(f.get("delivery").trim()).map_err(|_| PageError::NotFound)?;
    let d = app.delivery(ctx, did).await?;
    // One of this endpoint's deliveries, not another's.
    if d.owner.as_deref() != Some(id.to_string().as_str()) || d.queue != queues::WEBHOOK {
        return Err(PageError::NotFound);
    }
    let n = app.replay_delivery(ctx, did).await?;
    let base = format!("{}/{id}", side.base());
    Ok(redirect(&back(&f, &base, &format!("done=replayed&n={n}"))))
}

fn datetime_local(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!("{}T{:02}:{:02}", format::iso_date(t.date()), t.hour(), t.minute())
}

/// `2026-11-20T15:00` (a `datetime-local` field, read as UTC), seconds optional.
fn parse_datetime_local(s: &str) -> Option<OffsetDateTime> {
    use time::macros::format_description;
    let s = s.trim();
    time::PrimitiveDateTime::parse(s, format_description!("[year]-[month]-[day]T[hour]:[minute]"))
        .or_else(|_| {
            time::PrimitiveDateTime::parse(s, format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"))
        })
        .or_else(|_| time::PrimitiveDateTime::parse(s, format_description!("[year]-[month]-[day] [hour]:[minute]")))
        .ok()
        .map(|p| p.assume_utc())
}

async fn replay_since(st: WebState, v: Viewer, side: Side, id: String, f: Fields) -> PageResult {
    let id = path_id(&id)?;
    let (app, ctx) = (&st.app, &v.ctx);
    let ep = app.endpoint(ctx, id).await?;
    let raw = f.get("since").trim().to_owned();
    let mut e = Errors::default();
    let since = match parse_datetime_local(&raw) {
        None if raw.is_empty() => {
            e.add("since", "Enter the date and time to send again from");
            None
        }
        None => {
            e.add("since", "Enter a date and time like 2026-11-20T15:00");
            None
        }
        Some(t) if t > app.clock.now() => {
            e.add("since", "Enter a date and time in the past");
            None
        }
        Some(t) => Some(t),
    };
    let Some(since) = since else {
        return detail_page(
            &st,
            &v,
            side,
            &ep,
            DetailExtras {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                e,
                since: raw,
                ..DetailExtras::default()
            },
        )
        .await;
    };
    let n = app.replay_since(ctx, Some(id), None, since).await?;
    Ok(redirect(&format!("{}/{id}?done=replayed&n={n}", side.base())))
}

macro_rules! sides {
    ($($admin:ident, $console:ident => $f:ident ( $($field:ident),* );)*) => {$(
        pub async fn $admin(
            State(st): State<WebState>,
            v: Viewer,
            Path(id): Path<String>,
            axum::Form(f): axum::Form<Vec<(String, String)>>,
        ) -> Result<Response, PageError> {
            let _f = Fields(f);
            $f(st, v, Side::Admin, id $(, sides!(@$field _f))*).await
        }
        pub async fn $console(
            State(st): State<WebState>,
            v: Viewer,
            Path(id): Path<String>,
            axum::Form(f): axum::Form<Vec<(String, String)>>,
        ) -> Result<Response, PageError> {
            let _f = Fields(f);
            $f(st, v, Side::Console, id $(, sides!(@$field _f))*).await
        }
    )*};
    (@fields $f:ident) => { $f };
}

sides! {
    admin_rotate, console_rotate => rotate();
    admin_state, console_state => set_state(fields);
    admin_replay, console_replay => replay_one(fields);
    admin_replay_since, console_replay_since => replay_since(fields);
}

// ---------------------------------------------------------------------------------------------
// GET /console/deliveries, POST /console/deliveries/{id}/replay
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "deliveries.html")]
struct LogPage {
    l: Layout,
    notice: String,
    queue: Select,
    state: Select,
    deliveries: Vec<DeliveryRow>,
    here: String,
    older: String,
    filtered: bool,
}

#[derive(Deserialize, Default)]
pub struct LogQuery {
    #[serde(default)]
    queue: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    before: String,
    #[serde(default)]
    done: String,
}

const STATES: [(&str, &str); 3] = [
    ("pending", "Waiting or retrying"),
    ("done", "Delivered"),
    ("dead", "Failed"),
];

pub async fn log(State(st): State<WebState>, v: Viewer, RawQuery(raw): RawQuery) -> PageResult {
    let q: LogQuery = query(raw.as_deref());
    let queue = queues::DELIVERY.into_iter().find(|x| *x == q.queue.trim());
    let state = STATES.iter().map(|(s, _)| *s).find(|s| *s == q.state.trim());
    let before = Uuid::parse_str(q.before.trim()).ok();
    // One page of each queue asked for (the outbox is no delivery queue, so "every queue" is
    // each of them), merged newest first. A queue that filled its page was read only down to
    // its last row: rows older than the highest such row wait for the next page.
    let asked: Vec<&'static str> = match queue {
        Some(q) => vec![q],
        None => queues::DELIVERY.to_vec(),
    };
    let mut rows: Vec<Delivery> = Vec::new();
    let mut floor: Option<Uuid> = None;
    for q in asked {
        let page = st
            .app
            .deliveries(
                &v.ctx,
                None,
                &DeliveryFilter {
                    queue: Some(q),
                    before,
                    limit: PAGE,
                    ..DeliveryFilter::default()
                },
            )
            .await?;
        if page.len() as u32 == PAGE
            && let Some(last) = page.last()
        {
            floor = floor.max(Some(last.id));
        }
        // The state is filtered here (see the module's notes).
        rows.extend(page.into_iter().filter(|d| state.is_none_or(|s| d.state.as_str() == s)));
    }
    rows.sort_by_key(|d| std::cmp::Reverse(d.id));
    if let Some(f) = floor {
        rows.retain(|d| d.id >= f);
    }
    let mut more = floor.is_some();
    if rows.len() > PAGE as usize {
        rows.truncate(PAGE as usize);
        more = true;
    }
    let next = if more {
        rows.last().map(|d| d.id).or(floor)
    } else {
        None
    };
    let first_before = before;
    let filters = |b: Option<Uuid>| {
        let mut parts = Vec::new();
        if let Some(q) = queue {
            parts.push(format!("queue={q}"));
        }
        if let Some(s) = state {
            parts.push(format!("state={s}"));
        }
        if let Some(b) = b {
            parts.push(format!("before={b}"));
        }
        if parts.is_empty() {
            "/console/deliveries".to_owned()
        } else {
            format!("/console/deliveries?{}", parts.join("&"))
        }
    };
    let older = next.map(|b| filters(Some(b))).unwrap_or_default();
    let notice = match q.done.as_str() {
        "replayed" => "The delivery will be sent again.".to_owned(),
        _ => String::new(),
    };
    let e = Errors::default();
    let mut queue_choices = vec![(String::new(), "Every queue".to_owned())];
    queue_choices.extend(
        queues::DELIVERY
            .into_iter()
            .map(|q| (q.to_owned(), queue_label(q).to_owned())),
    );
    let mut state_choices = vec![(String::new(), "Any state".to_owned())];
    state_choices.extend(STATES.iter().map(|(s, l)| ((*s).to_owned(), (*l).to_owned())));
    Ok(render(
        StatusCode::OK,
        &LogPage {
            l: Layout::for_viewer("Deliveries", &v, "/console/deliveries"),
            notice,
            queue: Select::new(&e, "queue", "Queue", "", &queue_choices, queue.unwrap_or("")),
            state: Select::new(&e, "state", "State", "", &state_choices, state.unwrap_or("")),
            deliveries: rows
                .iter()
                .map(|d| delivery_row(d, format!("/console/deliveries/{}/replay", d.id)))
                .collect(),
            here: filters(first_before),
            older,
            filtered: queue.is_some() || state.is_some(),
        },
    ))
}

pub async fn log_replay(
    State(st): State<WebState>,
    v: Viewer,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let id = path_id(&id)?;
    st.app.replay_delivery(&v.ctx, id).await?;
    let f = Fields(f);
    let b = local_path(f.get("back"))
        .filter(|b| *b == "/console/deliveries" || b.starts_with("/console/deliveries?"))
        .unwrap_or("/console/deliveries");
    let (path, q) = b.split_once('?').unwrap_or((b, ""));
    let kept: Vec<&str> = q
        .split('&')
        .filter(|kv| !kv.starts_with("done=") && !kv.is_empty())
        .collect();
    let mut to = format!("{path}?done=replayed");
    for kv in kept {
        to.push('&');
        to.push_str(kv);
    }
    Ok(redirect(&to))
}
