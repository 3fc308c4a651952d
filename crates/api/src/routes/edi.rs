//! X12 EDI over HTTP: a trading partner posts interchanges (850 purchase orders, 997s about what
//! we sent) and gets the 997 back in the response; the seller reads what was sent to a partner.
//!
//! The inbound endpoint is public: the partner is known by the interchange's own sender id
//! (ISA05/06) and proves it with the link's shared secret, as the HTTP Basic password (the
//! user name is not checked) or in ISA04 with ISA03 `01`. Answers are X12 or plain text, never
//! problem+json — a translator reads what it gets.

use super::respond;
use crate::ApiState;
use crate::dto::PageDto;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Caller, PathParam};
use aftercart_domain::procurement::ProcurementLinkId;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// The password of an `Authorization: Basic` header, if there is one that decodes.
fn basic_password(h: &HeaderMap) -> Option<String> {
    let v = h.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = v.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = base64::engine::general_purpose::STANDARD.decode(rest.trim()).ok()?;
    let text = String::from_utf8(raw).ok()?;
    text.split_once(':').map(|(_, p)| p.to_owned())
}

/// An X12 interchange from a trading partner. Each functional group is answered by a 997 in the
/// response body (`application/edi-x12`): AK5 `A` for a set received whole, `R` with the
/// reason's code for one that is not (unsupported, counts or control numbers wrong, an 850 that
/// cannot be read). An 850 read whole becomes an order (channel `edi`) of the link's account —
/// or, when it cannot be ordered (an unknown product, a ship-to the account does not know), an
/// 855 `RJ` goes back through the outbox. A purchase order already received is not ordered
/// again; an interchange already received (same sender and ISA13) gets the same 997 again,
/// with `Aftercart-X12-Repeated: true`. 401 (plain text) when the sender id and secret do not
/// open a link, without saying which was wrong; 400 when the ISA cannot be read.
#[utoipa::path(post, path = "/api/v1/edi/x12", tag = "procurement",
    responses((status = 200, description = "The 997s (application/edi-x12)", content_type = "application/edi-x12"),
        (status = 400, description = "Why the interchange could not be read (text/plain)", content_type = "text/plain"),
        (status = 401, description = "Unauthorized (text/plain)", content_type = "text/plain"),
        (status = 413, body = Problem)))]
pub async fn x12_in(State(st): State<ApiState>, req: axum::extract::Request) -> ApiResult<Response> {
    let secret = basic_password(req.headers());
    let body = axum::body::to_bytes(req.into_body(), crate::extract::MAX_BODY_BYTES)
        .await
        .map_err(|_| ApiError::payload_too_large(crate::extract::MAX_BODY_BYTES))?;
    let a = st.app.x12_interchange(secret.as_deref(), &body).await?;
    let status = StatusCode::from_u16(a.http_status).unwrap_or(StatusCode::OK);
    let mut r = (status, [(header::CONTENT_TYPE, a.content_type)], a.body).into_response();
    if a.repeated {
        r.headers_mut().insert(
            HeaderName::from_static("aftercart-x12-repeated"),
            HeaderValue::from_static("true"),
        );
    }
    Ok(r)
}

/// One X12 interchange sent to a link's trading partner.
#[derive(Debug, Serialize, ToSchema)]
pub struct X12DocumentOut {
    /// The delivery (replay it with `POST /api/v1/deliveries/{id}/replay`).
    pub delivery_id: Uuid,
    /// `855`, `856` or `810`.
    pub set: String,
    /// ISA13 = GS06 = ST02.
    pub control_number: u32,
    /// The order (SO-…), invoice (INV-…) or refused PO it is about.
    pub reference: String,
    /// Why it was sent, where the set does not say (an 855 `RJ`'s reason).
    pub note: Option<String>,
    /// `pending`, `done` or `dead`.
    pub state: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    /// The partner's 997 about it: `A`, `E`, `P` or `R`; absent until one came.
    pub acknowledged: Option<String>,
    pub created_at: String,
    /// The interchange as posted.
    pub body: String,
}

/// The X12 interchanges posted (or waiting to be) to a link's `order_response_url`, newest
/// first, each with what the partner's 997 said of it. Seller admins and the account's own admins.
#[utoipa::path(get, path = "/api/v1/procurement-links/{id}/x12-documents", tag = "procurement", params(("id" = Uuid, Path)),
    responses((status = 200, body = PageDto<X12DocumentOut>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn x12_documents(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
) -> ApiResult<Response> {
    let docs = st.app.x12_documents(&ctx, ProcurementLinkId(id), 200).await?;
    let body = PageDto {
        items: docs
            .into_iter()
            .map(|d| X12DocumentOut {
                delivery_id: d.delivery_id,
                set: d.set,
                control_number: d.control_number,
                reference: d.reference,
                note: d.note,
                state: d.state.as_str().to_owned(),
                attempts: d.attempts,
                last_error: d.last_error,
                acknowledged: d.acknowledged,
                created_at: crate::dto::ts(d.created_at),
                body: d.body,
            })
            .collect(),
        next_cursor: None,
    };
    Ok(respond(StatusCode::OK, &body, None))
}
