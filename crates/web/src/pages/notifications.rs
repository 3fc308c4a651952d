//! Notifications in the portal: the list behind the header's bell (newest first, unread ones
//! marked, "Mark as read" per item and for all, "Older" pages), each person's own notification
//! settings (milestone × channel, digest cadence, quiet hours, time zone, phone), and the
//! one-click unsubscribe page an email's link opens.
//!
//! The unsubscribe page is public: mail providers POST to the link without a session and without
//! a CSRF token (RFC 8058), so the signed token in the link is the only credential.

use super::admin::{Checks, Fields, Input, Select, path_id, refusal};
use super::query;
use crate::WebState;
use crate::form::Errors;
use crate::format;
use crate::render::{Layout, PageError, PageResult, render};
use crate::session::{MaybeViewer, Viewer, local_path, redirect};
use aftercart_app::notify::{EffectivePrefs, PrefsInput};
use aftercart_domain::notification::{Cadence, Channel, MilestoneKind, Preferences, valid_phone};
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use std::collections::BTreeSet;

/// The notifications list (the bell's target).
pub const INBOX: &str = "/notifications";
/// The viewer's own notification settings.
pub const SETTINGS: &str = "/settings/notifications";

/// Notifications per page.
const PAGE: u32 = 20;

pub fn channel_label(c: Channel) -> &'static str {
    match c {
        Channel::InApp => "In the portal",
        Channel::Email => "Email",
        Channel::Sms => "Text message",
    }
}

// ---------------------------------------------------------------------------------------------
// GET /notifications
// ---------------------------------------------------------------------------------------------

pub struct Item {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub href: String,
    pub at: String,
    pub at_iso: String,
    pub unread: bool,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct InboxPage {
    l: Layout,
    notice: String,
    items: Vec<Item>,
    any_unread: bool,
    /// This page's own address (the mark-as-read forms come back here).
    here: String,
    older: String,
    paged: bool,
}

#[derive(Deserialize, Default)]
pub struct InboxQuery {
    #[serde(default)]
    before: String,
    #[serde(default)]
    done: String,
}

pub async fn inbox(State(st): State<WebState>, v: Viewer, RawQuery(raw): RawQuery) -> PageResult {
    let q: InboxQuery = query(raw.as_deref());
    // A broken "Older" link starts again from the newest.
    let before = uuid::Uuid::parse_str(q.before.trim()).ok();
    let rows = st.app.notifications(&v.ctx, false, before, PAGE).await?;
    let older = if rows.len() as u32 == PAGE {
        rows.last()
            .map(|r| format!("{INBOX}?before={}", r.value.id))
            .unwrap_or_default()
    } else {
        String::new()
    };
    let items: Vec<Item> = rows
        .into_iter()
        .map(|r| {
            let n = r.value;
            Item {
                id: n.id.to_string(),
                title: n.milestone.title,
                summary: n.milestone.summary,
                // Links are portal paths; anything else is not followed.
                href: local_path(&n.milestone.link).unwrap_or("").to_owned(),
                at: format::time(n.created_at),
                at_iso: format::iso_datetime(n.created_at),
                unread: n.read_at.is_none(),
            }
        })
        .collect();
    let notice = match q.done.as_str() {
        "read" => "Marked as read.".to_owned(),
        "all" => "All notifications are marked as read.".to_owned(),
        _ => String::new(),
    };
    let here = match before {
        Some(b) => format!("{INBOX}?before={b}"),
        None => INBOX.to_owned(),
    };
    Ok(render(
        StatusCode::OK,
        &InboxPage {
            l: Layout::for_viewer("Notifications", &v, INBOX),
            notice,
            any_unread: v.who.unread > 0,
            items,
            here,
            older,
            paged: before.is_some(),
        },
    ))
}

/// Where a mark-as-read form goes back to: the list page it was on.
fn back_to(fields: &Fields, done: &str) -> String {
    let back = local_path(fields.get("back"))
        .filter(|b| *b == INBOX || b.starts_with("/notifications?"))
        .unwrap_or(INBOX);
    // Drop an earlier notice, keep the page.
    let (path, q) = back.split_once('?').unwrap_or((back, ""));
    let kept: Vec<&str> = q.split('&').filter(|kv| kv.starts_with("before=")).collect();
    let mut to = format!("{path}?done={done}");
    for kv in kept {
        to.push('&');
        to.push_str(kv);
    }
    to
}

/// `POST /notifications/{id}/read`: marks one read and goes back to the list (PRG).
pub async fn mark_read(
    State(st): State<WebState>,
    v: Viewer,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let id = path_id(&id)?;
    let (app, ctx) = (&st.app, &v.ctx);
    app.run(ctx, || app.plan_mark_read(ctx, id)).await?;
    Ok(redirect(&back_to(&Fields(f), "read")))
}

/// `POST /notifications/read-all`.
pub async fn mark_all_read(State(st): State<WebState>, v: Viewer) -> Result<Response, PageError> {
    st.app.mark_all_read(&v.ctx).await?;
    Ok(redirect(&format!("{INBOX}?done=all")))
}

// ---------------------------------------------------------------------------------------------
// The milestone × channel table (the viewer's settings and the company defaults)
// ---------------------------------------------------------------------------------------------

/// One checkbox of the table.
pub struct Cell {
    pub id: String,
    pub value: String,
    /// For screen readers: "Shipped: Email".
    pub label: String,
    pub checked: bool,
}

pub struct PrefRow {
    pub kind: String,
    pub label: String,
    pub cells: Vec<Cell>,
    /// What the row follows now: "Your choice", "Company default", …
    pub source: String,
    /// The channels shown when the page was opened ("kind:channel"), sent back so that only
    /// rows the person changed are saved.
    pub shown: Vec<String>,
}

/// A table's state per milestone: the channels ticked, and where they come from.
pub struct TableState {
    pub ticked: BTreeSet<String>,
    pub shown: BTreeSet<String>,
    pub source: Box<dyn Fn(MilestoneKind) -> String + Send>,
}

pub fn cell_value(k: MilestoneKind, c: Channel) -> String {
    format!("{}:{}", k.as_str(), c.as_str())
}

/// Every (milestone, channel) ticked in `p`, as cell values.
pub fn ticked_of(p: &Preferences) -> BTreeSet<String> {
    MilestoneKind::ALL
        .into_iter()
        .flat_map(|k| p.channels.get(&k).into_iter().flatten().map(move |c| cell_value(k, *c)))
        .collect()
}

pub fn rows(s: &TableState) -> Vec<PrefRow> {
    MilestoneKind::ALL
        .into_iter()
        .map(|k| PrefRow {
            kind: k.as_str().to_owned(),
            label: k.label().to_owned(),
            cells: Channel::ALL
                .into_iter()
                .map(|c| {
                    let value = cell_value(k, c);
                    Cell {
                        id: format!("ch-{}-{}", k.as_str(), c.as_str()),
                        label: format!("{}: {}", k.label(), channel_label(c)),
                        checked: s.ticked.contains(&value),
                        value,
                    }
                })
                .collect(),
            source: (s.source)(k),
            shown: Channel::ALL
                .into_iter()
                .map(|c| cell_value(k, c))
                .filter(|v| s.shown.contains(v))
                .collect(),
        })
        .collect()
}

/// The rows the person changed (ticked differs from shown), with their channels as ticked.
pub fn changed(ticked: &BTreeSet<String>, shown: &BTreeSet<String>) -> Vec<(MilestoneKind, Vec<Channel>)> {
    MilestoneKind::ALL
        .into_iter()
        .filter_map(|k| {
            let now: Vec<Channel> = Channel::ALL
                .into_iter()
                .filter(|c| ticked.contains(&cell_value(k, *c)))
                .collect();
            let was: Vec<Channel> = Channel::ALL
                .into_iter()
                .filter(|c| shown.contains(&cell_value(k, *c)))
                .collect();
            (now != was).then_some((k, now))
        })
        .collect()
}

/// The known cell values among a form's `name` fields.
pub fn cells_in(fields: &Fields, name: &str) -> BTreeSet<String> {
    let known: BTreeSet<String> = MilestoneKind::ALL
        .into_iter()
        .flat_map(|k| Channel::ALL.into_iter().map(move |c| cell_value(k, c)))
        .collect();
    fields.all(name).into_iter().filter(|v| known.contains(v)).collect()
}

// ---------------------------------------------------------------------------------------------
// GET/POST /settings/notifications
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "notification_settings.html")]
struct SettingsPage {
    l: Layout,
    e: Errors,
    notice: String,
    rows: Vec<PrefRow>,
    channels: Vec<&'static str>,
    channel_note: String,
    cadence: Checks,
    quiet_start: Input,
    quiet_end: Input,
    offset: Select,
    phone: Input,
}

/// The values of the settings form, as shown or as sent.
struct SettingsForm {
    ticked: BTreeSet<String>,
    shown: BTreeSet<String>,
    cadence: String,
    quiet_start: String,
    quiet_end: String,
    offset: String,
    phone: String,
}

fn hhmm(minute: u16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// `22:00` (or `22:00:00`) → minutes after midnight.
fn parse_hhmm(s: &str) -> Option<u16> {
    let mut parts = s.trim().split(':');
    let h: u16 = parts.next()?.parse().ok()?;
    let m: u16 = parts.next()?.parse().ok()?;
    if let Some(sec) = parts.next()
        && sec.parse::<u16>().is_err()
    {
        return None;
    }
    (h < 24 && m < 60 && parts.next().is_none()).then_some(h * 60 + m)
}

/// The UTC offsets in use around the world, in minutes.
const OFFSETS: [i16; 38] = [
    -720, -660, -600, -570, -540, -480, -420, -360, -300, -240, -210, -180, -120, -60, 0, 60, 120, 180, 210, 240, 270,
    300, 330, 345, 360, 390, 420, 480, 525, 540, 570, 600, 630, 660, 720, 765, 780, 840,
];

fn offset_label(m: i16) -> String {
    if m == 0 {
        return "UTC (±00:00)".into();
    }
    let sign = if m < 0 { '−' } else { '+' };
    let a = m.unsigned_abs();
    format!("UTC{sign}{:02}:{:02}", a / 60, a % 60)
}

fn offset_choices(current: i16) -> Vec<(String, String)> {
    let mut all: Vec<i16> = OFFSETS.to_vec();
    if !all.contains(&current) {
        all.push(current);
        all.sort_unstable();
    }
    all.into_iter().map(|m| (m.to_string(), offset_label(m))).collect()
}

fn cadence_items() -> Vec<(String, String, String)> {
    vec![
        (
            Cadence::Immediately.as_str().into(),
            "One email for each".into(),
            "as it happens (after quiet hours)".into(),
        ),
        (
            Cadence::Daily.as_str().into(),
            "A daily summary".into(),
            "at 07:00 your time".into(),
        ),
        (
            Cadence::Weekly.as_str().into(),
            "A weekly summary".into(),
            "on Mondays at 07:00 your time".into(),
        ),
    ]
}

fn settings_form_of(p: &EffectivePrefs) -> SettingsForm {
    let ticked = ticked_of(&p.prefs);
    SettingsForm {
        shown: ticked.clone(),
        ticked,
        cadence: p.prefs.cadence.as_str().to_owned(),
        quiet_start: p.prefs.quiet_hours.map(|q| hhmm(q.start_minute)).unwrap_or_default(),
        quiet_end: p.prefs.quiet_hours.map(|q| hhmm(q.end_minute)).unwrap_or_default(),
        offset: p.prefs.utc_offset_minutes.to_string(),
        phone: p.prefs.phone.clone().unwrap_or_default(),
    }
}

async fn settings_page(
    st: &WebState,
    v: &Viewer,
    status: StatusCode,
    e: Errors,
    notice: &str,
    current: &EffectivePrefs,
    form: &SettingsForm,
) -> PageResult {
    // Where each milestone's channels come from: the person's own choice, the company's
    // default (customers), or their role's default.
    let company: BTreeSet<MilestoneKind> = match v.ctx.principal.own_account() {
        Some(a) => st
            .app
            .account_notification_defaults(&v.ctx, a)
            .await?
            .channels
            .keys()
            .copied()
            .collect(),
        None => BTreeSet::new(),
    };
    let own: BTreeSet<MilestoneKind> = current.own.iter().copied().collect();
    let state = TableState {
        ticked: form.ticked.clone(),
        shown: form.shown.clone(),
        source: Box::new(move |k| {
            if own.contains(&k) {
                "Your choice".into()
            } else if company.contains(&k) {
                "Company default".into()
            } else {
                "Default for your role".into()
            }
        }),
    };
    let n = &st.app.notify;
    let channel_note = match (n.email, n.sms) {
        (true, true) => String::new(),
        (false, true) => "This service sends no email at the moment; your email choices apply once it does.".into(),
        (true, false) => {
            "This service sends no text messages at the moment; your text message choices apply once it does.".into()
        }
        (false, false) => {
            "This service sends no email or text messages at the moment; those choices apply once it does.".into()
        }
    };
    let offset: i16 = form.offset.parse().unwrap_or(current.prefs.utc_offset_minutes);
    Ok(render(
        status,
        &SettingsPage {
            l: Layout::for_viewer("Notification settings", v, SETTINGS),
            notice: notice.to_owned(),
            rows: rows(&state),
            channels: Channel::ALL.into_iter().map(channel_label).collect(),
            channel_note,
            cadence: Checks::new(
                &e,
                "cadence",
                "radio",
                "How emails arrive",
                "Portal notifications and text messages always come as they happen.",
                &cadence_items(),
                std::slice::from_ref(&form.cadence),
            ),
            quiet_start: Input::new(&e, "quiet_start", "From", &form.quiet_start)
                .kind("time")
                .hint("Like 22:00"),
            quiet_end: Input::new(&e, "quiet_end", "Until", &form.quiet_end)
                .kind("time")
                .hint("Like 07:00"),
            offset: Select::new(
                &e,
                "utc_offset",
                "Your time zone",
                "Quiet hours and summaries follow this time.",
                &offset_choices(offset),
                &form.offset,
            ),
            phone: Input::new(&e, "phone", "Mobile phone for text messages", &form.phone)
                .kind("tel")
                .auto("tel")
                .hint("In international format, like +14155550100. Leave it empty to get no text messages."),
            e,
        },
    ))
}

pub async fn settings(State(st): State<WebState>, v: Viewer, RawQuery(raw): RawQuery) -> PageResult {
    let q: super::admin::Done = query(raw.as_deref());
    let current = st.app.my_notification_prefs(&v.ctx).await?;
    let notice = match q.done.as_str() {
        "saved" => "Your notification settings are saved.",
        _ => "",
    };
    settings_page(
        &st,
        &v,
        StatusCode::OK,
        Errors::default(),
        notice,
        &current,
        &settings_form_of(&current),
    )
    .await
}

pub async fn save_settings(
    State(st): State<WebState>,
    v: Viewer,
    axum::Form(f): axum::Form<Vec<(String, String)>>,
) -> PageResult {
    let f = Fields(f);
    let form = SettingsForm {
        ticked: cells_in(&f, "channel"),
        shown: cells_in(&f, "shown"),
        cadence: f.get("cadence").trim().to_owned(),
        quiet_start: f.get("quiet_start").trim().to_owned(),
        quiet_end: f.get("quiet_end").trim().to_owned(),
        offset: f.get("utc_offset").trim().to_owned(),
        phone: f.get("phone").trim().to_owned(),
    };
    let mut e = Errors::default();
    let channels = changed(&form.ticked, &form.shown);
    let cadence = match form.cadence.as_str() {
        "" => None,
        c => {
            let parsed = Cadence::parse(c);
            if parsed.is_none() {
                e.add("cadence", "Choose how emails arrive");
            }
            parsed
        }
    };
    let start = (!form.quiet_start.is_empty()).then(|| parse_hhmm(&form.quiet_start));
    let end = (!form.quiet_end.is_empty()).then(|| parse_hhmm(&form.quiet_end));
    if start == Some(None) {
        e.add("quiet_start", "Enter the time quiet hours start, like 22:00");
    }
    if end == Some(None) {
        e.add("quiet_end", "Enter the time quiet hours end, like 07:00");
    }
    let quiet = match (start.flatten(), end.flatten()) {
        (None, None) if start.is_none() && end.is_none() => Some(None),
        (Some(s), Some(t)) if s == t => {
            e.add("quiet_end", "Quiet hours must end at another time than they start");
            None
        }
        (Some(s), Some(t)) => Some(Some((s, t))),
        (Some(_), None) if end.is_none() => {
            e.add("quiet_end", "Enter the time quiet hours end, or leave both times empty");
            None
        }
        (None, Some(_)) if start.is_none() => {
            e.add(
                "quiet_start",
                "Enter the time quiet hours start, or leave both times empty",
            );
            None
        }
        _ => None,
    };
    let offset = match form.offset.parse::<i16>() {
        Ok(m) if (-840..=840).contains(&m) => Some(m),
        _ if form.offset.is_empty() => None,
        _ => {
            e.add("utc_offset", "Choose your time zone from the list");
            None
        }
    };
    // People write phone numbers with spaces and dashes; the number is the digits.
    let phone: String = form
        .phone
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.' | '\u{a0}'))
        .collect();
    let phone = if phone.is_empty() {
        None
    } else if valid_phone(&phone) {
        Some(phone)
    } else {
        e.add(
            "phone",
            "Enter a mobile number in international format: a + and the country code, like +14155550100",
        );
        None
    };
    let newly_sms = form
        .ticked
        .iter()
        .any(|c| c.ends_with(":sms") && !form.shown.contains(c));
    if newly_sms && phone.is_none() && e.get("phone").is_none() {
        e.add("phone", "Enter a mobile number to get text messages");
    }
    let current = st.app.my_notification_prefs(&v.ctx).await?;
    if !e.is_empty() {
        return settings_page(&st, &v, StatusCode::UNPROCESSABLE_ENTITY, e, "", &current, &form).await;
    }
    let input = PrefsInput {
        channels,
        cadence,
        quiet_hours: quiet,
        utc_offset_minutes: offset,
        phone: Some(phone),
    };
    let (app, ctx) = (&st.app, &v.ctx);
    match app.run(ctx, || app.plan_set_my_prefs(ctx, &input)).await {
        Ok(_) => Ok(redirect(&format!("{SETTINGS}?done=saved"))),
        Err(err) => {
            refusal(
                &mut e,
                err,
                |f| match f {
                    "phone" => Some("phone"),
                    "quiet_hours" => Some("quiet_start"),
                    "utc_offset_minutes" => Some("utc_offset"),
                    "cadence" => Some("cadence"),
                    _ => None,
                },
                "cadence",
            )?;
            settings_page(&st, &v, StatusCode::UNPROCESSABLE_ENTITY, e, "", &current, &form).await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// GET/POST /unsubscribe?token=…
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "unsubscribe.html")]
struct UnsubscribePage {
    l: Layout,
    /// The form's action (the link itself, so a one-click POST and this form are the same).
    action: String,
    what: String,
    channel: String,
}

#[derive(Template)]
#[template(path = "unsubscribed.html")]
struct UnsubscribedPage {
    l: Layout,
    what: String,
    signed_in: bool,
}

#[derive(Deserialize, Default)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

fn layout(title: &str, mv: &MaybeViewer) -> Layout {
    match &mv.0 {
        Some(v) => Layout::for_viewer(title, v, ""),
        None => Layout::public(title),
    }
}

fn channel_words(c: Channel) -> &'static str {
    match c {
        Channel::Email => "emails",
        Channel::Sms => "text messages",
        Channel::InApp => "portal notifications",
    }
}

/// `GET /unsubscribe?token=…`: asks before changing anything (a link opened by a mail
/// scanner must not unsubscribe anyone).
pub async fn unsubscribe_form(State(st): State<WebState>, mv: MaybeViewer, RawQuery(raw): RawQuery) -> PageResult {
    let q: TokenQuery = query(raw.as_deref());
    let token = q.token.trim();
    if token.is_empty() || token.len() > 1000 {
        return Err(PageError::NotFound);
    }
    let (kind, channel) = st.app.unsubscribe_preview(token).await?.ok_or(PageError::NotFound)?;
    let title = format!("Stop {} about {}?", channel_words(channel), kind.label());
    Ok(render(
        StatusCode::OK,
        &UnsubscribePage {
            l: layout(&title, &mv),
            action: format!("/unsubscribe?token={}", crate::session::urlencode(token)),
            what: kind.label().to_owned(),
            channel: channel_words(channel).to_owned(),
        },
    ))
}

/// `POST /unsubscribe?token=…` (RFC 8058 one-click: body `List-Unsubscribe=One-Click`, no
/// session, no CSRF token). A token that is not ours is the 404 page.
pub async fn unsubscribe(
    State(st): State<WebState>,
    mv: MaybeViewer,
    RawQuery(raw): RawQuery,
    body: axum::body::Bytes,
) -> PageResult {
    let q: TokenQuery = query(raw.as_deref());
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let token = if q.token.trim().is_empty() {
        Fields(form).get("token").trim().to_owned()
    } else {
        q.token.trim().to_owned()
    };
    if token.is_empty() || token.len() > 1000 {
        return Err(PageError::NotFound);
    }
    let preview = st.app.unsubscribe_preview(&token).await?;
    let label = st.app.unsubscribe(&token).await?.ok_or(PageError::NotFound)?;
    let channel = preview.map_or("emails", |(_, c)| channel_words(c));
    let title = format!("You will get no more {channel} about {label}");
    Ok(render(
        StatusCode::OK,
        &UnsubscribedPage {
            l: layout(&title, &mv),
            what: label.to_owned(),
            signed_in: mv.0.is_some(),
        },
    ))
}
