//! The one error path to clients: RFC 9457 problem+json with a stable `code` and the `field` at
//! fault. Internal causes are logged, never sent.

use aftercart_app::AppError;
use aftercart_domain::ErrorCode;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

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
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            detail: detail.into(),
            field: None,
        }
    }
    pub fn field(mut self, f: impl Into<String>) -> ApiError {
        self.field = Some(f.into());
        self
    }
    pub fn invalid(field: &str, detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_value", detail).field(field)
    }
    pub fn not_found(what: &str) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("{what} not found"))
    }
}

impl From<aftercart_domain::Rejection> for ApiError {
    fn from(r: aftercart_domain::Rejection) -> ApiError {
        let status = match r.code {
            ErrorCode::InvalidState => StatusCode::CONFLICT,
            ErrorCode::NotApprover => StatusCode::FORBIDDEN,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        ApiError {
            status,
            code: r.code.as_str(),
            detail: r.message,
            field: (!r.field.is_empty()).then_some(r.field),
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
            AppError::PreconditionFailed(m) => ApiError::new(StatusCode::PRECONDITION_FAILED, "precondition_failed", m),
            AppError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "conflict", m),
            AppError::IdempotencyRace => ApiError::new(
                StatusCode::CONFLICT,
                "idempotency_in_progress",
                "a request with this Idempotency-Key is being processed; retry shortly",
            ),
            AppError::Duplicate => {
                ApiError::new(StatusCode::CONFLICT, "duplicate", "this message was already processed")
            }
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
        (self.status, [(header::CONTENT_TYPE, "application/problem+json")], json).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
