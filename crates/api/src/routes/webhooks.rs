//! Integrations: webhook endpoints (where events are POSTed, signed per Standard Webhooks), their
//! signing secrets (shown once, when created or rotated), the delivery log and replay, and the
//! event feed a client catches up from after being offline. Seller admins manage the seller's
//! endpoints and read every queue; a customer's (unscoped) account admin manages their account's
//! endpoints and reads only their deliveries and events. The app decides who sees what.

use super::identity::Empty;
use super::notifications::{decode_cursor, limit};
use super::{respond, stored};
use crate::ApiState;
use crate::dto::{Code, Name, PageDto, Url, encode_cursor, timestamp, ts};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Caller, Command, PathParam, QueryParams};
use aftercart_app::notify::{
    Delivery, DeliveryFilter, EndpointInput, EndpointPatch, EndpointState, WebhookEndpoint, queues,
};
use aftercart_app::{AppError, Ctx, Versioned};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointIn {
    /// Where events are POSTed: a public https:// (or http://) URL. Loopback and private
    /// addresses are refused unless the server allows them.
    pub url: Url,
    pub description: Option<Name>,
    /// Event kinds (`shipment.created`), families (`order.*`) or everything (`*`); 1–50.
    pub event_types: Vec<Code>,
    /// Seller admins: the customer account the endpoint serves (absent: the seller's own, which
    /// receives every event). Account admins always create for their own account.
    pub account_id: Option<Uuid>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointPatchIn {
    pub url: Option<Url>,
    pub description: Option<Name>,
    pub event_types: Option<Vec<Code>>,
    /// `false` stops deliveries (they wait as dead letters, replayable); `true` resumes an
    /// endpoint that was disabled (by hand or after failing for 5 days).
    pub enabled: Option<bool>,
}

/// A webhook endpoint. `secret` is sent only in the answers to creating it and rotating its
/// secret; store it then (afterwards only its last four characters are shown).
#[derive(Debug, Serialize, ToSchema)]
pub struct EndpointOut {
    pub id: Uuid,
    /// The customer account it serves; `null` for the seller's own.
    pub account_id: Option<Uuid>,
    pub url: String,
    pub description: String,
    pub event_types: Vec<String>,
    /// active or disabled
    pub state: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled_reason: Option<String>,
    /// The first failure of the current run of failures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failing_since: Option<String>,
    /// The new signing secret (`whsec_…`): only when just created or rotated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// The last four characters of the newest secret.
    pub secret_hint: String,
    /// Secrets that sign now: 2 for a day after a rotation (receivers switch without a gap).
    pub active_secrets: usize,
    pub created_at: String,
    pub created_by: String,
    pub version: i64,
}

fn endpoint_out(now: OffsetDateTime, v: &Versioned<WebhookEndpoint>, with_secret: bool) -> EndpointOut {
    let e = &v.value;
    let newest = e.secrets.iter().max_by_key(|s| s.created_at).map(|s| s.secret.as_str());
    let hint = newest
        .map(|s| {
            let chars: Vec<char> = s.chars().collect();
            chars[chars.len().saturating_sub(4)..].iter().collect::<String>()
        })
        .unwrap_or_default();
    EndpointOut {
        id: e.id,
        account_id: e.account_id.map(|a| a.0),
        url: e.url.clone(),
        description: e.description.clone(),
        event_types: e.event_types.clone(),
        state: match e.state {
            EndpointState::Active => "active",
            EndpointState::Disabled => "disabled",
        }
        .to_owned(),
        disabled_reason: e.disabled_reason.clone(),
        failing_since: e.failing_since.map(ts),
        secret: newest.filter(|_| with_secret).map(str::to_owned),
        secret_hint: hint,
        active_secrets: e.signing_secrets(now).len(),
        created_at: ts(e.created_at),
        created_by: e.created_by.clone(),
        version: v.version,
    }
}

/// A response carrying a secret: never cached.
fn no_store(mut r: Response) -> Response {
    r.headers_mut()
        .insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    r
}

fn event_types(types: &[Code]) -> Vec<String> {
    types.iter().map(|t| t.to_string()).collect()
}

/// Fails with 412 when the client pinned (If-Match) another version than the one `planned`
/// was read at. The commit itself is conditional on that version, so this is exact.
fn pinned(ctx: &Ctx, planned_version: i64) -> aftercart_app::Result<()> {
    match ctx.if_match {
        Some(v) if v != planned_version - 1 => Err(AppError::PreconditionFailed(format!(
            "the endpoint is at version {}, not {v}; reload it and try again",
            planned_version - 1
        ))),
        _ => Ok(()),
    }
}

#[utoipa::path(post, path = "/api/v1/webhook-endpoints", tag = "integrations", request_body = EndpointIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key: a repeated request returns the first response (without the secret)")),
    responses((status = 201, body = EndpointOut), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_endpoint(State(st): State<ApiState>, cmd: Command<EndpointIn>) -> ApiResult<Response> {
    let (app, ctx, b) = (&st.app, &cmd.ctx, &cmd.body);
    let input = EndpointInput {
        url: b.url.to_string(),
        description: b.description.clone().map(Into::into),
        event_types: event_types(&b.event_types),
        account_id: b.account_id.map(Into::into),
    };
    let now = app.clock.now();
    // A replay (same Idempotency-Key) answers without the secret, as API keys do.
    let ep = app
        .execute(
            ctx,
            || app.plan_create_endpoint(ctx, &input),
            |e| {
                let v = Versioned {
                    value: e.clone(),
                    version: 1,
                };
                stored(StatusCode::CREATED, &endpoint_out(now, &v, false))
            },
        )
        .await?;
    let v = Versioned { value: ep, version: 1 };
    Ok(no_store(respond(
        StatusCode::CREATED,
        &endpoint_out(now, &v, true),
        Some(v.version),
    )))
}

#[utoipa::path(get, path = "/api/v1/webhook-endpoints", tag = "integrations",
    responses((status = 200, body = PageDto<EndpointOut>), (status = 403, body = Problem)))]
pub async fn list_endpoints(State(st): State<ApiState>, Caller(ctx): Caller) -> ApiResult<Response> {
    let now = st.app.clock.now();
    let items = st.app.endpoints(&ctx).await?;
    let body = PageDto {
        items: items.iter().map(|v| endpoint_out(now, v, false)).collect(),
        next_cursor: None,
    };
    Ok(respond(StatusCode::OK, &body, None))
}

#[utoipa::path(get, path = "/api/v1/webhook-endpoints/{id}", tag = "integrations", params(("id" = Uuid, Path)),
    responses((status = 200, body = EndpointOut), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_endpoint(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
) -> ApiResult<Response> {
    let v = st.app.endpoint(&ctx, id).await?;
    Ok(respond(
        StatusCode::OK,
        &endpoint_out(st.app.clock.now(), &v, false),
        Some(v.version),
    ))
}

#[utoipa::path(patch, path = "/api/v1/webhook-endpoints/{id}", tag = "integrations", request_body = EndpointPatchIn,
    params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The endpoint's ETag as last read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key: a repeated request returns the first response")),
    responses((status = 200, body = EndpointOut), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 412, body = Problem), (status = 422, body = Problem)))]
pub async fn update_endpoint(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<EndpointPatchIn>,
) -> ApiResult<Response> {
    let (app, ctx, b) = (&st.app, &cmd.ctx, &cmd.body);
    let patch = EndpointPatch {
        url: b.url.clone().map(Into::into),
        description: b.description.clone().map(Into::into),
        event_types: b.event_types.as_deref().map(event_types),
        enabled: b.enabled,
    };
    let now = app.clock.now();
    let v = app
        .execute(
            ctx,
            || async {
                let p = app.plan_update_endpoint(ctx, id, &patch).await?;
                pinned(ctx, p.value.version)?;
                Ok(p)
            },
            |v| stored(StatusCode::OK, &endpoint_out(now, v, false)),
        )
        .await?;
    Ok(respond(StatusCode::OK, &endpoint_out(now, &v, false), Some(v.version)))
}

/// A new signing secret, shown in this answer only. The previous one keeps signing for 24 hours
/// (deliveries carry both signatures meanwhile), so receivers can switch without a gap.
#[utoipa::path(post, path = "/api/v1/webhook-endpoints/{id}/rotate-secret", tag = "integrations", request_body = Empty,
    params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The endpoint's ETag as last read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key: a repeated request returns the first response (without the secret)")),
    responses((status = 200, body = EndpointOut), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 412, body = Problem)))]
pub async fn rotate_secret(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<Empty>,
) -> ApiResult<Response> {
    let (app, ctx) = (&st.app, &cmd.ctx);
    let now = app.clock.now();
    let v = app
        .execute(
            ctx,
            || async {
                let p = app.plan_rotate_secret(ctx, id).await?;
                pinned(ctx, p.value.version)?;
                Ok(p)
            },
            |v| stored(StatusCode::OK, &endpoint_out(now, v, false)),
        )
        .await?;
    Ok(no_store(respond(
        StatusCode::OK,
        &endpoint_out(now, &v, true),
        Some(v.version),
    )))
}

// ---------------------------------------------------------------------------------------------
// Deliveries.
// ---------------------------------------------------------------------------------------------

/// One delivery (a job a worker sends): its state, attempts and last error.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryOut {
    pub id: Uuid,
    /// webhook, email, sms, nats or digest
    pub queue: String,
    /// pending, done or dead (no more attempts; replayable)
    pub state: String,
    pub attempts: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// Pending: when the next attempt is due.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<String>,
    /// Webhook deliveries: the endpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint_id: Option<Uuid>,
    /// Webhook deliveries: the event type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_type: Option<String>,
    /// Email, SMS and digest deliveries: the user they are for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<Uuid>,
    /// What is sent: the event type, or the recipient and subject line.
    pub summary: String,
}

fn delivery_out(d: &Delivery) -> DeliveryOut {
    let webhook = d.queue == queues::WEBHOOK;
    let owner = d.owner.as_deref().and_then(|o| Uuid::parse_str(o).ok());
    DeliveryOut {
        id: d.id,
        queue: d.queue.clone(),
        state: d.state.as_str().to_owned(),
        attempts: d.attempts,
        last_error: d.last_error.clone(),
        created_at: ts(d.created_at),
        updated_at: ts(d.updated_at),
        next_attempt_at: d.next_attempt_at.map(ts),
        endpoint_id: owner.filter(|_| webhook),
        event_type: webhook.then(|| d.summary.clone()),
        user_id: owner.filter(|_| !webhook),
        summary: d.summary.clone(),
    }
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryListParams {
    /// Only this queue: webhook, email, sms, nats or digest (an endpoint's log is webhook only).
    pub queue: Option<Code>,
    /// Only pending, done or dead deliveries.
    pub state: Option<Code>,
    /// Opaque cursor from the previous page's `next_cursor`.
    pub cursor: Option<Code>,
    /// Page size, 1–200 (default 50). A filtered page may hold fewer; follow `next_cursor`.
    pub limit: Option<u32>,
}

fn parse_queue(s: &str, field: &str) -> ApiResult<&'static str> {
    queues::DELIVERY
        .into_iter()
        .find(|q| *q == s)
        .ok_or_else(|| ApiError::invalid(field, format!("'{s}' is not one of {}", queues::DELIVERY.join(", "))))
}

const STATES: [&str; 3] = ["pending", "done", "dead"];

/// Rows read per store call when the page is filtered here, and calls per request at most.
const SCAN_BATCH: u32 = 200;
const SCAN_BATCHES: usize = 10;

impl DeliveryListParams {
    async fn page(&self, st: &ApiState, ctx: &Ctx, endpoint: Option<Uuid>) -> ApiResult<PageDto<DeliveryOut>> {
        let queue = self.queue.as_deref().map(|q| parse_queue(q, "queue")).transpose()?;
        let state = match self.state.as_deref() {
            None => None,
            Some(s) => Some(
                STATES
                    .into_iter()
                    .find(|x| *x == s)
                    .ok_or_else(|| ApiError::invalid("state", format!("'{s}' is not one of pending, done, dead")))?,
            ),
        };
        let limit = limit(self.limit, 50, 200)?;
        let mut cursor = decode_cursor(&self.cursor)?;
        // The log holds the outbox's own jobs too (the events each commit recorded); they are no
        // delivery, and the app does not show them one by one either. The state is matched here
        // (the app's filter takes the store's type, which this crate cannot name), reading a
        // bounded number of rows and handing out a cursor to go on from.
        let filtered = state.is_some() || (queue.is_none() && endpoint.is_none());
        let batch = if filtered { SCAN_BATCH } else { limit };
        let mut items = Vec::new();
        for _ in 0..SCAN_BATCHES {
            let f = DeliveryFilter {
                queue,
                state: None,
                before: cursor,
                limit: batch,
            };
            let rows = st.app.deliveries(ctx, endpoint, &f).await?;
            let last_page = (rows.len() as u32) < batch;
            for d in &rows {
                cursor = Some(d.id);
                if d.queue != queues::EVENTS && state.is_none_or(|s| d.state.as_str() == s) {
                    items.push(delivery_out(d));
                    if items.len() as u32 == limit {
                        return Ok(PageDto {
                            items,
                            next_cursor: cursor.map(encode_cursor),
                        });
                    }
                }
            }
            if last_page {
                return Ok(PageDto {
                    items,
                    next_cursor: None,
                });
            }
        }
        Ok(PageDto {
            items,
            next_cursor: cursor.map(encode_cursor),
        })
    }
}

#[utoipa::path(get, path = "/api/v1/webhook-endpoints/{id}/deliveries", tag = "integrations",
    params(("id" = Uuid, Path), DeliveryListParams),
    responses((status = 200, body = PageDto<DeliveryOut>), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn endpoint_deliveries(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
    QueryParams(q): QueryParams<DeliveryListParams>,
) -> ApiResult<Response> {
    if q.queue.as_deref().is_some_and(|x| x != queues::WEBHOOK) {
        return Err(ApiError::invalid(
            "queue",
            "an endpoint's deliveries are all webhook deliveries",
        ));
    }
    let page = q.page(&st, &ctx, Some(id)).await?;
    Ok(respond(StatusCode::OK, &page, None))
}

/// The delivery log of every queue: seller admins only (account admins read their endpoints'
/// logs under `/webhook-endpoints/{id}/deliveries`).
#[utoipa::path(get, path = "/api/v1/deliveries", tag = "integrations", params(DeliveryListParams),
    responses((status = 200, body = PageDto<DeliveryOut>), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list_deliveries(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    QueryParams(q): QueryParams<DeliveryListParams>,
) -> ApiResult<Response> {
    let page = q.page(&st, &ctx, None).await?;
    Ok(respond(StatusCode::OK, &page, None))
}

#[utoipa::path(get, path = "/api/v1/deliveries/{id}", tag = "integrations", params(("id" = Uuid, Path)),
    responses((status = 200, body = DeliveryOut), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_delivery(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
) -> ApiResult<Response> {
    let d = st.app.delivery(&ctx, id).await?;
    Ok(respond(StatusCode::OK, &delivery_out(&d), None))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReplayOneOut {
    /// 1 when the delivery was finished (done or dead) and is pending again; 0 when it was still
    /// pending (it is sent anyway).
    pub replayed: u64,
    pub delivery: DeliveryOut,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReplayedOut {
    /// How many finished deliveries are pending again.
    pub replayed: u64,
}

/// Sends one finished delivery again: due now, attempts from zero (the same message id, so
/// receivers de-duplicate).
#[utoipa::path(post, path = "/api/v1/deliveries/{id}/replay", tag = "integrations", request_body = Empty,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ReplayOneOut), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn replay_delivery(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<Empty>,
) -> ApiResult<Response> {
    let (app, ctx) = (&st.app, &cmd.ctx);
    let replayed = app.replay_delivery(ctx, id).await?;
    let d = app.delivery(ctx, id).await?;
    let body = ReplayOneOut {
        replayed,
        delivery: delivery_out(&d),
    };
    Ok(respond(StatusCode::OK, &body, None))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplaySinceIn {
    /// Deliveries created at or after this RFC 3339 time are sent again.
    #[schema(example = "2026-11-20T00:00:00Z")]
    pub since: Code,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplayQueueIn {
    /// webhook, email, sms, nats or digest
    pub queue: Code,
    /// Deliveries created at or after this RFC 3339 time are sent again.
    #[schema(example = "2026-11-20T00:00:00Z")]
    pub since: Code,
}

fn since(s: &Code) -> ApiResult<OffsetDateTime> {
    timestamp(&Some(s), "since")?.ok_or_else(|| ApiError::invalid("since", "give an RFC 3339 time"))
}

/// Sends again every finished delivery of the endpoint created since `since` (after fixing the
/// receiver, or enabling the endpoint again).
#[utoipa::path(post, path = "/api/v1/webhook-endpoints/{id}/replay", tag = "integrations", request_body = ReplaySinceIn,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ReplayedOut), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn replay_endpoint(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<ReplaySinceIn>,
) -> ApiResult<Response> {
    let since = since(&cmd.body.since)?;
    let replayed = st.app.replay_since(&cmd.ctx, Some(id), None, since).await?;
    Ok(respond(StatusCode::OK, &ReplayedOut { replayed }, None))
}

/// Sends again every finished delivery of a queue created since `since` (seller admins).
#[utoipa::path(post, path = "/api/v1/deliveries/replay", tag = "integrations", request_body = ReplayQueueIn,
    responses((status = 200, body = ReplayedOut), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn replay_queue(State(st): State<ApiState>, cmd: Command<ReplayQueueIn>) -> ApiResult<Response> {
    let queue = parse_queue(&cmd.body.queue, "queue")?;
    let since = since(&cmd.body.since)?;
    let replayed = st.app.replay_since(&cmd.ctx, None, Some(queue), since).await?;
    Ok(respond(StatusCode::OK, &ReplayedOut { replayed }, None))
}

// ---------------------------------------------------------------------------------------------
// The event feed.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventFeedParams {
    /// The `next_after` of the previous page (an event's `data.seq`); 0 or absent from the start.
    pub after: Option<i64>,
    /// Events per page, 1–500 (default 100).
    pub limit: Option<u32>,
}

/// Events in commit order, each as webhooks carry it (`type`, `timestamp`, `data`).
#[derive(Debug, Serialize, ToSchema)]
pub struct EventFeedOut {
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<serde_json::Value>,
    /// Pass as `after` for the next page: the last event's `seq`, or the `after` given when
    /// there is nothing newer yet.
    pub next_after: i64,
}

/// The event feed from a cursor: seller admins read every event, an account admin their
/// account's (as its timeline shows them). Poll with `after=next_after` to catch up.
#[utoipa::path(get, path = "/api/v1/events", tag = "integrations", params(EventFeedParams),
    responses((status = 200, body = EventFeedOut), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn events(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    QueryParams(q): QueryParams<EventFeedParams>,
) -> ApiResult<Response> {
    let after = q.after.unwrap_or(0);
    if after < 0 {
        return Err(ApiError::invalid("after", "must be 0 or an event's seq"));
    }
    let limit = limit(q.limit, 100, 500)?;
    let (items, last_read) = st.app.events_after(&ctx, after, limit).await?;
    let next_after = last_read.max(after);
    Ok(respond(StatusCode::OK, &EventFeedOut { items, next_after }, None))
}
