//! Support cases: open one about an order, shipment, invoice, return or exception; read, list
//! (the queue: oldest waiting first); write messages (seller staff also internal notes, which
//! customers never receive); assign; set the status. Commands take `Idempotency-Key` and
//! `If-Match` (the case's ETag) like the rest of the API.

use super::{respond, stored};
use crate::ApiState;
use crate::dto::{Code, FreeText, Name, PageDto, ts};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Caller, Command, PathParam, QueryParams};
use aftercart_app::{AssigneeFilter, CaseFilter, CaseView, CaseWrite, Ctx, OpenCase};
use aftercart_domain::case::{AboutKind, CaseId, CaseStatus};
use aftercart_domain::ids::UserId;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AboutIn {
    /// order, shipment, invoice, return or exception
    pub kind: Code,
    pub id: Uuid,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseIn {
    /// The record the case is about (it must be one the caller may see).
    pub about: AboutIn,
    /// Optional: "Question about <the record>" when left out.
    pub subject: Option<Name>,
    /// The first message.
    pub body: FreeText,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseMessageIn {
    pub body: FreeText,
    /// An internal note (seller staff only): never shown to the customer, changes no status.
    #[serde(default)]
    pub internal: bool,
    /// Seller staff: this reply solves the case.
    #[serde(default)]
    pub solve: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseAssignmentIn {
    /// An active seller staff user; `null` unassigns.
    pub assignee_id: Option<Uuid>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseStatusIn {
    /// open, waiting_on_customer, waiting_on_us or solved (customers: only solved).
    pub status: Code,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AboutOut {
    pub kind: String,
    pub id: Uuid,
    /// "shipment UPS 1Z… of order SO-1042".
    pub label: String,
    /// A shipment's order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_id: Option<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonOut {
    /// customer or seller
    pub side: String,
    pub name: String,
    /// The user's id, for seller staff only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseMessageOut {
    pub at: String,
    pub author: PersonOut,
    pub body: String,
    /// An internal note (only ever sent to seller staff).
    pub internal: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseOut {
    pub id: Uuid,
    /// CS-1001
    pub number: String,
    pub account_id: Uuid,
    pub about: AboutOut,
    pub subject: String,
    /// open, waiting_on_customer, waiting_on_us or solved
    pub status: String,
    /// When the case entered its status.
    pub status_since: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee: Option<PersonOut>,
    pub opened_at: String,
    pub opened_by: PersonOut,
    /// Opened by seller staff for the customer.
    pub on_behalf: bool,
    /// The messages (and, for seller staff, internal notes), oldest first.
    pub messages: Vec<CaseMessageOut>,
    /// Messages between the two sides (never counting internal notes).
    pub message_count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_response_at: Option<String>,
    /// Seconds from opening to the seller's first reply (cases the customer opened).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_response_seconds: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub solved_at: Option<String>,
    /// Seconds from opening to solved (while solved).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution_seconds: Option<i64>,
    pub version: i64,
}

fn out(ctx: &Ctx, v: &CaseView) -> CaseOut {
    let staff = ctx.principal.is_seller();
    let c = &v.case;
    let person = |side: &str, name: &str, id: &str| PersonOut {
        side: side.to_owned(),
        name: name.to_owned(),
        id: staff.then(|| id.to_owned()),
    };
    CaseOut {
        id: c.id.0,
        number: c.number.clone(),
        account_id: c.account_id.0,
        about: AboutOut {
            kind: c.about.kind.as_str().to_owned(),
            id: c.about.id,
            label: c.about.label.clone(),
            order_id: c.about.order_id,
        },
        subject: c.subject.clone(),
        status: c.status.as_str().to_owned(),
        status_since: ts(c.status_since),
        assignee: c.assignee.as_ref().map(|a| person("seller", &a.name, &a.id)),
        opened_at: ts(c.opened_at),
        opened_by: person(c.opened_by.side.as_str(), &c.opened_by.name, &c.opened_by.id),
        on_behalf: c.on_behalf,
        messages: v
            .thread()
            .into_iter()
            .map(|m| CaseMessageOut {
                at: ts(m.at),
                author: person(m.author.side.as_str(), &m.author.name, &m.author.id),
                body: m.body,
                internal: m.internal,
            })
            .collect(),
        message_count: c.messages.len(),
        first_response_at: c.first_response_at.map(ts),
        first_response_seconds: c.first_response_time().map(|d| d.whole_seconds()),
        solved_at: c.solved_at.map(ts),
        resolution_seconds: c.resolution_time().map(|d| d.whole_seconds()),
        version: v.version,
    }
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseListParams {
    /// Only this customer account's cases.
    pub account_id: Option<Uuid>,
    /// One status; `any` for every status. Default: every status but solved.
    pub status: Option<Code>,
    /// Seller staff: only cases assigned to this user, or `none` for unassigned ones.
    pub assignee_id: Option<Code>,
    /// Only cases about this record (an order's include its shipments').
    pub about_id: Option<Uuid>,
    /// Cases per status read, 1–500 (default 100).
    pub limit: Option<u32>,
}

#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", request_body = CaseIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key: a repeated request returns the first response")),
    responses((status = 201, body = CaseOut), (status = 422, body = Problem)))]
pub async fn open_case(State(st): State<ApiState>, cmd: Command<CaseIn>) -> ApiResult<Response> {
    let (app, ctx) = (&st.app, &cmd.ctx);
    let input = OpenCase {
        about_kind: AboutKind::parse(&cmd.body.about.kind, "about.kind")?,
        about_id: cmd.body.about.id,
        subject: cmd.body.subject.clone().map(Into::into).unwrap_or_default(),
        body: cmd.body.body.to_string(),
    };
    let v = app
        .execute(
            ctx,
            || app.plan_open_case(ctx, &input),
            |v| stored(StatusCode::CREATED, &out(ctx, v)),
        )
        .await?;
    Ok(respond(StatusCode::CREATED, &out(ctx, &v), Some(v.version)))
}

#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", params(CaseListParams),
    responses((status = 200, body = PageDto<CaseOut>)))]
pub async fn list_cases(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    QueryParams(q): QueryParams<CaseListParams>,
) -> ApiResult<Response> {
    let (status, all_statuses) = match q.status.as_deref() {
        None => (None, false),
        Some("any") => (None, true),
        Some(s) => (Some(CaseStatus::parse(s, "status")?), false),
    };
    if let Some(l) = q.limit
        && !(1..=500).contains(&l)
    {
        return Err(ApiError::invalid("limit", "must be between 1 and 500"));
    }
    let assignee = match q.assignee_id.as_deref() {
        None => None,
        Some("none") => Some(AssigneeFilter::Unassigned),
        Some(u) => Some(AssigneeFilter::User(
            Uuid::parse_str(u)
                .map_err(|_| ApiError::invalid("assignee_id", "a user id, or none"))?
                .to_string(),
        )),
    };
    let f = CaseFilter {
        account_id: q.account_id.map(Into::into),
        status,
        all_statuses,
        assignee,
        about: q.about_id,
        limit: q.limit.unwrap_or(100),
    };
    let items = st.app.list_cases(&ctx, &f).await?;
    let page = PageDto {
        items: items.iter().map(|v| out(&ctx, v)).collect(),
        next_cursor: None,
    };
    Ok(respond(StatusCode::OK, &page, None))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = Uuid, Path)),
    responses((status = 200, body = CaseOut), (status = 404, body = Problem)))]
pub async fn get_case(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
) -> ApiResult<Response> {
    let v = st.app.case(&ctx, CaseId(id)).await?;
    Ok(respond(StatusCode::OK, &out(&ctx, &v), Some(v.version)))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/messages", tag = "cases", request_body = CaseMessageIn,
    params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The case's ETag as last read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key: a repeated request returns the first response")),
    responses((status = 200, body = CaseOut), (status = 404, body = Problem), (status = 412, body = Problem),
        (status = 422, body = Problem)))]
pub async fn write_case(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<CaseMessageIn>,
) -> ApiResult<Response> {
    let (app, ctx) = (&st.app, &cmd.ctx);
    let input = CaseWrite {
        body: cmd.body.body.to_string(),
        internal: cmd.body.internal,
        solve: cmd.body.solve,
    };
    let v = app
        .execute(
            ctx,
            || app.plan_write_case(ctx, CaseId(id), &input),
            |v| stored(StatusCode::OK, &out(ctx, v)),
        )
        .await?;
    Ok(respond(StatusCode::OK, &out(ctx, &v), Some(v.version)))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/assignment", tag = "cases", request_body = CaseAssignmentIn,
    params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The case's ETag as last read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key: a repeated request returns the first response")),
    responses((status = 200, body = CaseOut), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 412, body = Problem), (status = 422, body = Problem)))]
pub async fn assign_case(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<CaseAssignmentIn>,
) -> ApiResult<Response> {
    let (app, ctx) = (&st.app, &cmd.ctx);
    let to = cmd.body.assignee_id.map(UserId);
    let v = app
        .execute(
            ctx,
            || app.plan_assign_case(ctx, CaseId(id), to),
            |v| stored(StatusCode::OK, &out(ctx, v)),
        )
        .await?;
    Ok(respond(StatusCode::OK, &out(ctx, &v), Some(v.version)))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/status", tag = "cases", request_body = CaseStatusIn,
    params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The case's ETag as last read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key: a repeated request returns the first response")),
    responses((status = 200, body = CaseOut), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 412, body = Problem), (status = 422, body = Problem)))]
pub async fn set_case_status(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<CaseStatusIn>,
) -> ApiResult<Response> {
    let (app, ctx) = (&st.app, &cmd.ctx);
    let to = CaseStatus::parse(&cmd.body.status, "status")?;
    let v = app
        .execute(
            ctx,
            || app.plan_case_status(ctx, CaseId(id), to),
            |v| stored(StatusCode::OK, &out(ctx, v)),
        )
        .await?;
    Ok(respond(StatusCode::OK, &out(ctx, &v), Some(v.version)))
}
