//! Exceptions (raised by the detector): the queue with its filters, one exception, and the
//! staff's steps on it — acknowledge, assign, resolve with a note — one at a time (with
//! `If-Match`, the exception's ETag) or in bulk (all or nothing). Customers read only their
//! account's customer-facing subset (late, stalled, carrier trouble, backorders, deliveries they
//! reported); the app decides which.

use super::identity::Empty;
use super::{respond, stored};
use crate::ApiState;
use crate::dto::{Code, FreeText, Name, PageDto, ts};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Caller, Command, PathParam, QueryParams};
use aftercart_app::{Ctx, ExceptionFilter, ExceptionStep, Versioned};
use aftercart_domain::exception::{Exception, ExceptionId, ExceptionKind, ExceptionState, Team};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Serialize, ToSchema)]
pub struct ExceptionAboutOut {
    /// order, shipment, invoice or change_request
    pub kind: String,
    pub id: Uuid,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExceptionOrderOut {
    pub id: Uuid,
    pub number: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExceptionChangeOut {
    pub at: String,
    pub by: String,
    pub what: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// An exception. Seller staff get every field; a customer gets the customer-facing text in
/// `explanation` and no internal fields (cause key, next step, assignee, history).
#[derive(Debug, Serialize, ToSchema)]
pub struct ExceptionOut {
    pub id: Uuid,
    /// shipment_late, tracking_stalled, carrier_exception, backorder_slipped,
    /// backorder_missing_date, invoice_mismatch, payment_overdue, approval_waiting,
    /// delivery_short_or_damaged or change_request_waiting
    pub kind: String,
    /// "Shipment late"
    pub label: String,
    pub about: ExceptionAboutOut,
    pub account_id: Uuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<ExceptionOrderOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_id: Option<Uuid>,
    /// service, operations or finance
    pub owner: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    /// open, acknowledged, resolved or auto_resolved
    pub state: String,
    pub explanation: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_step: Option<String>,
    /// What identifies the cause (seller staff only): one cause, one exception.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause_key: Option<String>,
    pub opened_at: String,
    pub age_days: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution_note: Option<String>,
    /// Seller staff only.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<ExceptionChangeOut>,
    pub version: i64,
}

pub fn out(ctx: &Ctx, now: time::OffsetDateTime, v: &Versioned<Exception>) -> ExceptionOut {
    let e = &v.value;
    let staff = ctx.principal.is_seller();
    ExceptionOut {
        id: e.id.0,
        kind: e.kind.as_str().into(),
        label: e.kind.label().into(),
        about: ExceptionAboutOut {
            kind: e.subject.kind().into(),
            id: e.subject.id(),
        },
        account_id: e.account_id.0,
        order: e.order.as_ref().map(|(id, n)| ExceptionOrderOut {
            id: id.0,
            number: n.clone(),
        }),
        location_id: e.location.map(|l| l.0),
        owner: e.owner.as_str().into(),
        assignee: e.assignee.clone().filter(|_| staff),
        state: e.state.as_str().into(),
        explanation: if staff {
            e.explanation.clone()
        } else {
            e.customer_text.clone().unwrap_or_default()
        },
        next_step: staff.then(|| e.next_step.clone()),
        cause_key: staff.then(|| e.cause_key.clone()),
        opened_at: ts(e.opened_at),
        age_days: e.age_days(now),
        resolved_at: e.resolved_at.map(ts),
        resolution_note: e.resolution_note.clone().filter(|_| staff),
        history: if staff {
            e.history
                .iter()
                .map(|h| ExceptionChangeOut {
                    at: ts(h.at),
                    by: h.by.clone(),
                    what: h.what.clone(),
                    note: h.note.clone(),
                })
                .collect()
        } else {
            Vec::new()
        },
        version: v.version,
    }
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExceptionListParams {
    /// One kind (see `ExceptionOut.kind`).
    pub kind: Option<Code>,
    /// service, operations or finance
    pub owner: Option<Code>,
    /// open, acknowledged, resolved, auto_resolved, or `any`. Default: open and acknowledged.
    pub state: Option<Code>,
    /// Only this customer account's exceptions.
    pub account_id: Option<Uuid>,
    /// Only exceptions opened at least this many days ago (0–3650).
    pub min_age_days: Option<i64>,
    /// Opaque cursor from the previous page's `next_cursor`.
    pub cursor: Option<Code>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<u32>,
}

pub fn parse_kind(s: &str, field: &str) -> ApiResult<ExceptionKind> {
    ExceptionKind::parse(s).ok_or_else(|| {
        ApiError::invalid(
            field,
            format!(
                "'{s}' is not one of {}",
                ExceptionKind::ALL.map(|k| k.as_str()).join(", ")
            ),
        )
    })
}

pub fn parse_team(s: &str, field: &str) -> ApiResult<Team> {
    Team::parse(s).ok_or_else(|| ApiError::invalid(field, format!("'{s}' is not one of service, operations, finance")))
}

pub fn parse_states(s: Option<&str>, field: &str) -> ApiResult<Vec<ExceptionState>> {
    match s {
        None => Ok(Vec::new()),
        Some("any") => Ok(ExceptionState::ALL.to_vec()),
        Some(s) => ExceptionState::parse(s).map(|x| vec![x]).ok_or_else(|| {
            ApiError::invalid(
                field,
                format!("'{s}' is not one of open, acknowledged, resolved, auto_resolved, any"),
            )
        }),
    }
}

fn decode_cursor(c: &Option<Code>) -> ApiResult<Option<Uuid>> {
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

impl ExceptionListParams {
    pub fn filter(&self) -> ApiResult<ExceptionFilter> {
        if let Some(l) = self.limit
            && !(1..=500).contains(&l)
        {
            return Err(ApiError::invalid("limit", "must be between 1 and 500"));
        }
        if let Some(a) = self.min_age_days
            && !(0..=3650).contains(&a)
        {
            return Err(ApiError::invalid("min_age_days", "must be between 0 and 3650"));
        }
        Ok(ExceptionFilter {
            kind: self.kind.as_deref().map(|k| parse_kind(k, "kind")).transpose()?,
            owner: self.owner.as_deref().map(|o| parse_team(o, "owner")).transpose()?,
            states: parse_states(self.state.as_deref(), "state")?,
            account_id: self.account_id.map(Into::into),
            min_age_days: self.min_age_days,
            before: decode_cursor(&self.cursor)?,
            limit: self.limit.unwrap_or(50),
        })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExceptionAssignIn {
    /// Who works it (a name or email of seller staff); `null` unassigns.
    pub assignee: Option<Name>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExceptionResolveIn {
    /// What was done (shown in the exception's history).
    pub note: Option<FreeText>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExceptionBulkIn {
    /// 1–200 exceptions; all change or none does.
    pub ids: Vec<Uuid>,
    /// acknowledge or assign
    pub action: Code,
    /// For `assign`: who works them; `null` unassigns.
    pub assignee: Option<Name>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExceptionBulkOut {
    pub items: Vec<ExceptionOut>,
}

#[utoipa::path(get, path = "/api/v1/exceptions", tag = "exceptions", params(ExceptionListParams),
    responses((status = 200, body = PageDto<ExceptionOut>), (status = 422, body = Problem)))]
pub async fn list_exceptions(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    QueryParams(q): QueryParams<ExceptionListParams>,
) -> ApiResult<Response> {
    let f = q.filter()?;
    let page = st.app.list_exceptions(&ctx, &f).await?;
    let now = st.app.clock.now();
    let body = PageDto {
        items: page.items.iter().map(|v| out(&ctx, now, v)).collect(),
        next_cursor: page.next.map(crate::dto::encode_cursor),
    };
    Ok(respond(StatusCode::OK, &body, None))
}

#[utoipa::path(get, path = "/api/v1/exceptions/{id}", tag = "exceptions", params(("id" = Uuid, Path)),
    responses((status = 200, body = ExceptionOut), (status = 404, body = Problem)))]
pub async fn get_exception(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
) -> ApiResult<Response> {
    let v = st.app.exception(&ctx, ExceptionId(id)).await?;
    Ok(respond(
        StatusCode::OK,
        &out(&ctx, st.app.clock.now(), &v),
        Some(v.version),
    ))
}

async fn step(st: &ApiState, ctx: &Ctx, id: Uuid, step: ExceptionStep) -> ApiResult<Response> {
    let app = &st.app;
    let now = app.clock.now();
    let v = app
        .execute(
            ctx,
            || app.plan_exception_step(ctx, ExceptionId(id), &step),
            |v| stored(StatusCode::OK, &out(ctx, now, v)),
        )
        .await?;
    Ok(respond(StatusCode::OK, &out(ctx, now, &v), Some(v.version)))
}

#[utoipa::path(post, path = "/api/v1/exceptions/{id}/acknowledge", tag = "exceptions", request_body = Empty,
    params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The exception's ETag as last read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key: a repeated request returns the first response")),
    responses((status = 200, body = ExceptionOut), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 412, body = Problem)))]
pub async fn acknowledge_exception(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<Empty>,
) -> ApiResult<Response> {
    step(&st, &cmd.ctx, id, ExceptionStep::Acknowledge).await
}

#[utoipa::path(post, path = "/api/v1/exceptions/{id}/assign", tag = "exceptions", request_body = ExceptionAssignIn,
    params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The exception's ETag as last read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key: a repeated request returns the first response")),
    responses((status = 200, body = ExceptionOut), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 412, body = Problem), (status = 422, body = Problem)))]
pub async fn assign_exception(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<ExceptionAssignIn>,
) -> ApiResult<Response> {
    let to = cmd.body.assignee.clone().map(Into::into);
    step(&st, &cmd.ctx, id, ExceptionStep::Assign(to)).await
}

#[utoipa::path(post, path = "/api/v1/exceptions/{id}/resolve", tag = "exceptions", request_body = ExceptionResolveIn,
    params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The exception's ETag as last read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key: a repeated request returns the first response")),
    responses((status = 200, body = ExceptionOut), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 412, body = Problem), (status = 422, body = Problem)))]
pub async fn resolve_exception(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<ExceptionResolveIn>,
) -> ApiResult<Response> {
    let note = cmd.body.note.clone().map(Into::into);
    step(&st, &cmd.ctx, id, ExceptionStep::Resolve(note)).await
}

#[utoipa::path(post, path = "/api/v1/exceptions/bulk", tag = "exceptions", request_body = ExceptionBulkIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key: a repeated request returns the first response")),
    responses((status = 200, body = ExceptionBulkOut), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
pub async fn bulk_exceptions(State(st): State<ApiState>, cmd: Command<ExceptionBulkIn>) -> ApiResult<Response> {
    let (app, ctx) = (&st.app, &cmd.ctx);
    let b = &cmd.body;
    if b.ids.is_empty() || b.ids.len() > 200 {
        return Err(ApiError::invalid("ids", "give 1 to 200 exception ids"));
    }
    let step = match (b.action.as_str(), &b.assignee) {
        ("acknowledge", None) => ExceptionStep::Acknowledge,
        ("acknowledge", Some(_)) => {
            return Err(ApiError::invalid("assignee", "only for action assign"));
        }
        ("assign", a) => ExceptionStep::Assign(a.clone().map(Into::into)),
        (o, _) => {
            return Err(ApiError::invalid(
                "action",
                format!("'{o}' is not one of acknowledge, assign"),
            ));
        }
    };
    let ids: Vec<ExceptionId> = b.ids.iter().map(|i| ExceptionId(*i)).collect();
    let now = app.clock.now();
    let render = |vs: &Vec<Versioned<Exception>>| ExceptionBulkOut {
        items: vs.iter().map(|v| out(ctx, now, v)).collect(),
    };
    let vs = app
        .execute(
            ctx,
            || app.plan_exception_bulk(ctx, &ids, &step),
            |vs| stored(StatusCode::OK, &render(vs)),
        )
        .await?;
    Ok(respond(StatusCode::OK, &render(&vs), None))
}
