//! Notifications in the portal (the bell): the caller's own list, the unread count, marking one
//! or all read; the caller's notification preferences (per milestone: which channels; how email
//! arrives; quiet hours; the phone for SMS) and the company defaults an account admin sets. Every
//! notification and preference belongs to one user: nobody else can read or change them (the app
//! decides; another user's notification is "not found").

use super::identity::Empty;
use super::{respond, stored};
use crate::ApiState;
use crate::dto::{Code, PageDto, encode_cursor, ts};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Caller, Command, PathParam, QueryParams};
use aftercart_app::Versioned;
use aftercart_app::notify::{EffectivePrefs, Notification, PrefsInput, UNREAD_CAP};
use aftercart_domain::ids::AccountId;
use aftercart_domain::notification::{Cadence, Channel, MilestoneKind, Preferences};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Serialize, ToSchema)]
pub struct FactOut {
    /// "Carrier"
    pub label: String,
    /// "UPS"
    pub value: String,
}

/// One in-app notification: a milestone of a record the user may open.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationOut {
    pub id: Uuid,
    /// The milestone: shipped, delivered, invoice_issued, … (see the preferences' kinds).
    pub kind: String,
    /// "SO-1042 has shipped"
    pub title: String,
    pub summary: String,
    pub facts: Vec<FactOut>,
    /// The record in the portal (absolute URL).
    pub link: String,
    /// The record's human number (SO-…, INV-…, RMA-…).
    pub reference: String,
    pub created_at: String,
    /// When the user read it; `null` while unread.
    pub read_at: Option<String>,
}

pub fn out(portal: &str, v: &Versioned<Notification>) -> NotificationOut {
    let n = &v.value;
    let m = &n.milestone;
    NotificationOut {
        id: n.id,
        kind: m.kind.as_str().to_owned(),
        title: m.title.clone(),
        summary: m.summary.clone(),
        facts: m
            .facts
            .iter()
            .map(|(label, value)| FactOut {
                label: label.clone(),
                value: value.clone(),
            })
            .collect(),
        link: format!("{portal}{}", m.link),
        reference: m.reference.clone(),
        created_at: ts(n.created_at),
        read_at: n.read_at.map(ts),
    }
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationListParams {
    /// Only unread notifications (the bell's list).
    pub unread: Option<bool>,
    /// Opaque cursor from the previous page's `next_cursor`.
    pub cursor: Option<Code>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<u32>,
}

/// A cursor this API handed out (a base64url id), or 422 on `cursor`.
pub fn decode_cursor(c: &Option<Code>) -> ApiResult<Option<Uuid>> {
    use base64::Engine;
    match c {
        None => Ok(None),
        Some(c) => base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(c.as_str())
            .ok()
            .and_then(|b| Uuid::from_slice(&b).ok())
            .map(Some)
            .ok_or_else(|| ApiError::invalid("cursor", "not a cursor returned by this API")),
    }
}

/// `limit` within `1..=max`, else 422 on `limit`.
pub fn limit(l: Option<u32>, default: u32, max: u32) -> ApiResult<u32> {
    match l {
        None => Ok(default),
        Some(l) if (1..=max).contains(&l) => Ok(l),
        Some(_) => Err(ApiError::invalid("limit", format!("must be between 1 and {max}"))),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnreadCountOut {
    /// Unread notifications, counted up to 100.
    pub unread: u32,
    /// There are at least 100 (show "99+").
    pub capped: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MarkedOut {
    /// How many notifications were unread and are now read.
    pub marked: u32,
}

#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications", params(NotificationListParams),
    responses((status = 200, body = PageDto<NotificationOut>), (status = 422, body = Problem)))]
pub async fn list_notifications(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    QueryParams(q): QueryParams<NotificationListParams>,
) -> ApiResult<Response> {
    let before = decode_cursor(&q.cursor)?;
    let limit = limit(q.limit, 50, 200)?;
    let items = st
        .app
        .notifications(&ctx, q.unread.unwrap_or(false), before, limit)
        .await?;
    let next_cursor = (items.len() as u32 == limit)
        .then(|| items.last().map(|v| encode_cursor(v.value.id)))
        .flatten();
    let portal = &st.app.notify.portal_url;
    let body = PageDto {
        items: items.iter().map(|v| out(portal, v)).collect(),
        next_cursor,
    };
    Ok(respond(StatusCode::OK, &body, None))
}

#[utoipa::path(get, path = "/api/v1/notifications/unread-count", tag = "notifications",
    responses((status = 200, body = UnreadCountOut)))]
pub async fn unread_count(State(st): State<ApiState>, Caller(ctx): Caller) -> ApiResult<Response> {
    let n = st.app.unread_count(&ctx).await?;
    let body = UnreadCountOut {
        unread: n,
        capped: n >= UNREAD_CAP,
    };
    Ok(respond(StatusCode::OK, &body, None))
}

#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", tag = "notifications", request_body = Empty,
    params(("id" = Uuid, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key: a repeated request returns the first response")),
    responses((status = 200, body = NotificationOut), (status = 404, body = Problem)))]
pub async fn mark_read(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<Empty>,
) -> ApiResult<Response> {
    let (app, ctx) = (&st.app, &cmd.ctx);
    let portal = app.notify.portal_url.clone();
    let v = app
        .execute(
            ctx,
            || app.plan_mark_read(ctx, id),
            |v| stored(StatusCode::OK, &out(&portal, v)),
        )
        .await?;
    Ok(respond(StatusCode::OK, &out(&portal, &v), Some(v.version)))
}

/// Marks every unread notification of the caller read. Safe to repeat (a repeat marks none).
#[utoipa::path(post, path = "/api/v1/notifications/read-all", tag = "notifications", request_body = Empty,
    responses((status = 200, body = MarkedOut)))]
pub async fn mark_all_read(State(st): State<ApiState>, cmd: Command<Empty>) -> ApiResult<Response> {
    let marked = st.app.mark_all_read(&cmd.ctx).await?;
    Ok(respond(StatusCode::OK, &MarkedOut { marked }, None))
}

// ---------------------------------------------------------------------------------------------
// Preferences.
// ---------------------------------------------------------------------------------------------

/// Present-but-null and absent differ: `Some(None)` clears, `None` leaves as it is.
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuietHoursDto {
    /// Local time of day the quiet starts, "22:00".
    #[schema(example = "22:00")]
    pub start: Code,
    /// Local time of day it ends, "07:00" (it may span midnight; not equal to `start`).
    #[schema(example = "07:00")]
    pub end: Code,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuietHoursOut {
    pub start: String,
    pub end: String,
}

/// A change to the caller's own preferences: fields left out stay as they are, and `channels`
/// changes only the milestones it names.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrefsIn {
    /// Milestone → the channels it arrives on (`in_app`, `email`, `sms`; `[]` for none), e.g.
    /// `{"shipped": ["in_app"], "invoice_issued": []}`.
    #[serde(default)]
    #[schema(value_type = Option<HashMap<String, Vec<Code>>>)]
    pub channels: Option<BTreeMap<String, Vec<Code>>>,
    /// How milestone emails arrive: immediately, daily or weekly (a digest at 07:00 local time).
    pub cadence: Option<Code>,
    /// When nothing that interrupts (SMS, immediate email) is sent; `null` for none.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<QuietHoursDto>)]
    pub quiet_hours: Option<Option<QuietHoursDto>>,
    /// The user's offset from UTC in minutes (−840 to 840): quiet hours and digests are local.
    pub utc_offset_minutes: Option<i16>,
    /// Where SMS go, international format "+14155550100"; `null` removes it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Code>)]
    pub phone: Option<Option<Code>>,
}

/// The company defaults: only channels per milestone (digests, quiet hours and phone numbers
/// are each user's own).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DefaultsIn {
    /// Milestone → channels for every user of the account who has not chosen themselves;
    /// replaces the role defaults for the milestones it names.
    #[schema(value_type = HashMap<String, Vec<Code>>)]
    pub channels: BTreeMap<String, Vec<Code>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MilestonePrefOut {
    /// shipped, delivered, invoice_issued, …
    pub kind: String,
    /// "Shipped"
    pub label: String,
    /// in_app, email, sms
    pub channels: Vec<String>,
    /// The user chose this themselves (else it follows the company's or their role's default).
    pub own: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PrefsOut {
    /// Every milestone, in a fixed order.
    pub milestones: Vec<MilestonePrefOut>,
    /// immediately, daily or weekly
    pub cadence: String,
    pub quiet_hours: Option<QuietHoursOut>,
    pub utc_offset_minutes: i16,
    pub phone: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DefaultOut {
    pub kind: String,
    pub label: String,
    /// The company's choice; `null` when it set none (each user's role default applies).
    pub channels: Option<Vec<String>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DefaultsOut {
    pub account_id: Uuid,
    pub milestones: Vec<DefaultOut>,
}

fn hhmm(m: u16) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

fn parse_hhmm(s: &str, field: &str) -> ApiResult<u16> {
    let bad = || ApiError::invalid(field, format!("'{s}' is not a time of day like 22:00"));
    let (h, m) = s.split_once(':').ok_or_else(bad)?;
    if h.len() != 2 || m.len() != 2 || !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let (h, m): (u16, u16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if h > 23 || m > 59 {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

fn channel_names(cs: &[Channel]) -> Vec<String> {
    cs.iter().map(|c| c.as_str().to_owned()).collect()
}

/// `{milestone: [channel]}` as the app's input; unknown names are refused on their path
/// (`channels.shiped`, `channels.shipped[1]`).
fn parse_channels(m: &BTreeMap<String, Vec<Code>>) -> ApiResult<Vec<(MilestoneKind, Vec<Channel>)>> {
    let mut out = Vec::with_capacity(m.len());
    for (k, cs) in m {
        // The key names the field in the problem: keep it printable and short.
        if k.chars().count() > Code::KIND.max_chars() || k.chars().any(char::is_control) {
            return Err(ApiError::invalid("channels", "a milestone name is not valid"));
        }
        let field = format!("channels.{k}");
        let kind = MilestoneKind::parse(k).ok_or_else(|| {
            ApiError::invalid(
                &field,
                format!(
                    "'{k}' is not a milestone; one of {}",
                    MilestoneKind::ALL.map(|m| m.as_str()).join(", ")
                ),
            )
        })?;
        let mut channels = Vec::with_capacity(cs.len());
        for (i, c) in cs.iter().enumerate() {
            channels.push(Channel::parse(c).ok_or_else(|| {
                ApiError::invalid(
                    &format!("{field}[{i}]"),
                    format!("'{c}' is not one of in_app, email, sms"),
                )
            })?);
        }
        out.push((kind, channels));
    }
    Ok(out)
}

impl PrefsIn {
    fn input(&self) -> ApiResult<PrefsInput> {
        let quiet_hours = match &self.quiet_hours {
            None => None,
            Some(None) => Some(None),
            Some(Some(q)) => {
                let start = parse_hhmm(&q.start, "quiet_hours.start")?;
                let end = parse_hhmm(&q.end, "quiet_hours.end")?;
                if start == end {
                    return Err(ApiError::invalid("quiet_hours.end", "must differ from start"));
                }
                Some(Some((start, end)))
            }
        };
        Ok(PrefsInput {
            channels: self
                .channels
                .as_ref()
                .map(parse_channels)
                .transpose()?
                .unwrap_or_default(),
            cadence: self
                .cadence
                .as_deref()
                .map(|c| {
                    Cadence::parse(c).ok_or_else(|| {
                        ApiError::invalid("cadence", format!("'{c}' is not one of immediately, daily, weekly"))
                    })
                })
                .transpose()?,
            quiet_hours,
            utc_offset_minutes: self.utc_offset_minutes,
            phone: self.phone.as_ref().map(|p| p.as_ref().map(|p| p.to_string())),
        })
    }
}

fn prefs_out(e: &EffectivePrefs) -> PrefsOut {
    let p = &e.prefs;
    PrefsOut {
        milestones: MilestoneKind::ALL
            .into_iter()
            .map(|k| MilestonePrefOut {
                kind: k.as_str().to_owned(),
                label: k.label().to_owned(),
                channels: channel_names(p.channels.get(&k).map(Vec::as_slice).unwrap_or_default()),
                own: e.own.contains(&k),
            })
            .collect(),
        cadence: p.cadence.as_str().to_owned(),
        quiet_hours: p.quiet_hours.map(|q| QuietHoursOut {
            start: hhmm(q.start_minute),
            end: hhmm(q.end_minute),
        }),
        utc_offset_minutes: p.utc_offset_minutes,
        phone: p.phone.clone(),
    }
}

fn defaults_out(account: Uuid, p: &Preferences) -> DefaultsOut {
    DefaultsOut {
        account_id: account,
        milestones: MilestoneKind::ALL
            .into_iter()
            .map(|k| DefaultOut {
                kind: k.as_str().to_owned(),
                label: k.label().to_owned(),
                channels: p.channels.get(&k).map(|cs| channel_names(cs)),
            })
            .collect(),
    }
}

#[utoipa::path(get, path = "/api/v1/me/notification-preferences", tag = "notifications",
    responses((status = 200, body = PrefsOut), (status = 403, body = Problem)))]
pub async fn get_my_prefs(State(st): State<ApiState>, Caller(ctx): Caller) -> ApiResult<Response> {
    let e = st.app.my_notification_prefs(&ctx).await?;
    Ok(respond(StatusCode::OK, &prefs_out(&e), None))
}

#[utoipa::path(put, path = "/api/v1/me/notification-preferences", tag = "notifications", request_body = PrefsIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key: a repeated request returns the first response")),
    responses((status = 200, body = PrefsOut), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn set_my_prefs(State(st): State<ApiState>, cmd: Command<PrefsIn>) -> ApiResult<Response> {
    let input = cmd.body.input()?;
    let (app, ctx) = (&st.app, &cmd.ctx);
    let e = app
        .execute(
            ctx,
            || app.plan_set_my_prefs(ctx, &input),
            |e| stored(StatusCode::OK, &prefs_out(e)),
        )
        .await?;
    Ok(respond(StatusCode::OK, &prefs_out(&e), None))
}

#[utoipa::path(get, path = "/api/v1/accounts/{id}/notification-defaults", tag = "notifications",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = DefaultsOut), (status = 404, body = Problem)))]
pub async fn get_account_defaults(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
) -> ApiResult<Response> {
    let p = st.app.account_notification_defaults(&ctx, AccountId(id)).await?;
    Ok(respond(StatusCode::OK, &defaults_out(id, &p), None))
}

#[utoipa::path(put, path = "/api/v1/accounts/{id}/notification-defaults", tag = "notifications",
    request_body = DefaultsIn,
    params(("id" = Uuid, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key: a repeated request returns the first response")),
    responses((status = 200, body = DefaultsOut), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn set_account_defaults(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<DefaultsIn>,
) -> ApiResult<Response> {
    let input = PrefsInput {
        channels: parse_channels(&cmd.body.channels)?,
        ..PrefsInput::default()
    };
    let (app, ctx) = (&st.app, &cmd.ctx);
    let p = app
        .execute(
            ctx,
            || app.plan_set_account_defaults(ctx, AccountId(id), &input),
            |p| stored(StatusCode::OK, &defaults_out(id, p)),
        )
        .await?;
    Ok(respond(StatusCode::OK, &defaults_out(id, &p), None))
}
