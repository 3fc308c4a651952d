//! The one error path to clients: RFC 9457 problem+json with a stable `code` and the `field` at
//! fault. Internal causes are logged, never sent.

use aftercart_app::AppError;
use aftercart_domain::ErrorCode;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// Every problem `code` the server can send, with what it means. This one list feeds the OpenAPI
/// document (the `Problem.code` enum) and README.md's list; `tests/api/hygiene.rs` fails when the
/// source sends a code that is missing here or from the README.
pub const PROBLEM_CODES: &[(&str, &str)] = &[
    (
        "malformed_json",
        "400: the body is not valid JSON (or has data after it)",
    ),
    (
        "unreadable_body",
        "400: the body could not be read (e.g. the connection broke off)",
    ),
    (
        "invalid_if_match",
        "400: `If-Match` is not an ETag from this API (`field`: `If-Match`)",
    ),
    ("unauthenticated", "401: no valid API key or session"),
    ("forbidden", "403: the caller's role does not allow this"),
    (
        "csrf_failed",
        "403: a session request without the session's `X-CSRF-Token`",
    ),
    ("not_approver", "403: the acting user may not decide this approval step"),
    ("not_found", "404: no such resource, or not visible to the caller"),
    ("method_not_allowed", "405: the endpoint does not support this method"),
    ("invalid_state", "409: the record's state does not allow this now"),
    ("conflict", "409: a concurrent change or an existing record"),
    ("duplicate", "409: this message was already processed"),
    (
        "order_not_approved",
        "409: the order was rejected in approval or is still waiting for it",
    ),
    (
        "idempotency_in_progress",
        "409: a request with this `Idempotency-Key` is still being processed",
    ),
    (
        "precondition_failed",
        "412: the resource changed since the ETag sent in `If-Match`",
    ),
    (
        "precondition_required",
        "428: this change needs `If-Match` with the ETag of the version you saw",
    ),
    ("payload_too_large", "413: the body is larger than the limit"),
    (
        "unsupported_media_type",
        "415: the body is not sent as `application/json` (`field`: `Content-Type`)",
    ),
    (
        "invalid_value",
        "422: a value is missing, malformed, too long or not allowed (`field` names it)",
    ),
    ("invalid_quantity", "422: a quantity is not a whole number in range"),
    ("invalid_currency", "422: not an ISO 4217 currency this API knows"),
    ("currency_mismatch", "422: amounts in different currencies"),
    ("foreign_account", "422: a referenced record belongs to another account"),
    ("unknown_reference", "422: a referenced record does not exist"),
    ("over_allocation", "422: more allocated than ordered and open"),
    ("over_shipment", "422: more shipped than allocated and unshipped"),
    ("over_cancellation", "422: more cancelled than open"),
    ("over_backorder", "422: more backordered than open"),
    ("over_receipt", "422: more received than shipped"),
    (
        "over_application",
        "422: more applied than the payment, credit or invoice allows",
    ),
    ("ship_to_mismatch", "422: a line's ship-to is not the shipment's"),
    ("out_of_scope", "422: outside the caller's locations or lines"),
    (
        "idempotency_key_reused",
        "422: this `Idempotency-Key` was used for a different request",
    ),
    ("rate_limited", "429: too many attempts; wait and retry"),
    (
        "internal",
        "500: something went wrong on our side (logged with the error id)",
    ),
    (
        "unavailable",
        "503: the store has no capacity right now; nothing changed, retry after `Retry-After` seconds",
    ),
];

#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the problem type (`about:blank`-style: the code repeated).
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// Stable machine-readable code, e.g. `over_shipment`.
    pub code: String,
    pub detail: String,
    /// The request field at fault, e.g. `lines[2].quantity`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: String,
    pub field: Option<String>,
    /// Not a problem after all: a stored response to replay (`Idempotent-Replayed: true`), for a
    /// request whose twin with the same Idempotency-Key committed first.
    pub replay: Option<(u16, String)>,
    /// Seconds the client should wait before retrying (`Retry-After`), for 503.
    pub retry_after: Option<u32>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            detail: detail.into(),
            field: None,
            replay: None,
            retry_after: None,
        }
    }
    pub fn field(mut self, f: impl Into<String>) -> ApiError {
        self.field = Some(f.into());
        self
    }
    pub fn invalid(field: &str, detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_value", detail).field(field)
    }
    /// A fault in a request header, named in `field` (e.g. `Content-Type`, `Idempotency-Key`).
    pub fn header(status: StatusCode, code: &'static str, header: &str, detail: impl Into<String>) -> ApiError {
        ApiError::new(status, code, detail).field(header)
    }
    pub fn payload_too_large(limit: usize) -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the body is larger than the limit of {limit} bytes"),
        )
    }
    pub fn not_found(what: &str) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("{what} not found"))
    }
}

impl From<aftercart_domain::Rejection> for ApiError {
    fn from(r: aftercart_domain::Rejection) -> ApiError {
        let status = match r.code {
            ErrorCode::InvalidState | ErrorCode::OrderNotApproved => StatusCode::CONFLICT,
            ErrorCode::NotApprover => StatusCode::FORBIDDEN,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        ApiError {
            status,
            code: r.code.as_str(),
            detail: r.message,
            field: (!r.field.is_empty()).then_some(r.field),
            replay: None,
            retry_after: None,
        }
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> ApiError {
        match e {
            AppError::Rejected(r) => r.into(),
            AppError::NotFound { what, field: None } => ApiError::not_found(what),
            AppError::NotFound { what, field: Some(f) } => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown_reference",
                format!("no such {what}"),
            )
            .field(f),
            AppError::Forbidden(m) => ApiError::new(StatusCode::FORBIDDEN, "forbidden", m),
            AppError::Unauthenticated(m) => ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", m),
            AppError::PreconditionFailed(m) => {
                ApiError::header(StatusCode::PRECONDITION_FAILED, "precondition_failed", "If-Match", m)
            }
            AppError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "conflict", m),
            AppError::IdempotencyRace => ApiError::new(
                StatusCode::CONFLICT,
                "idempotency_in_progress",
                "a request with this Idempotency-Key is being processed; retry shortly",
            ),
            // The problem stands in only for its type: `into_response` sends the replay instead.
            AppError::Replay { status, body } => ApiError {
                replay: Some((status, body)),
                ..ApiError::from(AppError::IdempotencyRace)
            },
            AppError::Duplicate => {
                ApiError::new(StatusCode::CONFLICT, "duplicate", "this message was already processed")
            }
            // Out of connections (several processes on one PostgreSQL, a burst): the client may
            // retry in a moment, and nothing was written.
            e if e.is_unavailable() => {
                tracing::warn!(error = %e, "store unavailable");
                ApiError {
                    retry_after: Some(1),
                    ..ApiError::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "unavailable",
                        "the service is busy; nothing was changed, retry in a moment",
                    )
                }
            }
            AppError::Unavailable(m) => ApiError {
                retry_after: Some(30),
                ..ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", m)
            },
            AppError::Store(e) => internal(&e),
            AppError::Corrupt(e) => internal(&e),
        }
    }
}

fn internal(cause: &dyn std::fmt::Display) -> ApiError {
    let id = uuid::Uuid::now_v7();
    tracing::error!(error_id = %id, error = %cause, "internal error");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        format!("something went wrong on our side (error id {id})"),
    )
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Some((status, body)) = self.replay {
            return crate::extract::replay(status, body);
        }
        let title = self.status.canonical_reason().unwrap_or("Error").to_owned();
        let body = Problem {
            kind: format!("https://aftercart.dev/problems/{}", self.code),
            title,
            status: self.status.as_u16(),
            code: self.code.to_owned(),
            detail: self.detail,
            field: self.field,
        };
        let json = serde_json::to_vec(&body).unwrap_or_default();
        let mut res = (self.status, [(header::CONTENT_TYPE, "application/problem+json")], json).into_response();
        if let Some(secs) = self.retry_after {
            res.headers_mut().insert(header::RETRY_AFTER, secs.into());
        }
        res
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
