//! Carrier tracking webhooks in the providers' own shapes (EasyPost, AfterShip, UPS Track
//! Alert). Public: each is authenticated by its provider's signature on the raw body, checked
//! by the app before anything is read.

use super::respond;
use crate::ApiState;
use crate::error::{ApiError, ApiResult, Problem};
use aftercart_app::CarrierProvider as Provider;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct CarrierWebhookOut {
    pub tracking_number: Option<String>,
    /// Scans in the notification (the providers repeat the whole history each time).
    pub scans: usize,
    pub applied: usize,
    pub duplicates: usize,
    /// Scans whose carrier status is not one the mapping knows (left out, never guessed).
    pub unmapped: usize,
    /// Scans for a tracking number no shipment here has.
    pub unknown: usize,
    /// Scans refused for their shipment, with the reason (a recycled tracking number, …).
    pub refused: Vec<String>,
}

fn provider(name: &str) -> Option<Provider> {
    match name {
        "easypost" => Some(Provider::EasyPost),
        "aftership" => Some(Provider::AfterShip),
        "ups" => Some(Provider::Ups),
        _ => None,
    }
}

/// A provider's tracking notification. `provider` is `easypost`, `aftership` or `ups`; a
/// provider without a configured secret has no webhook here (404). Answered 200 with what was
/// applied, also when nothing was (unknown numbers, repeats), so the provider stops re-sending.
#[utoipa::path(post, path = "/api/v1/carriers/{provider}/webhook", tag = "shipments",
    params(("provider" = String, Path, description = "easypost, aftership or ups")),
    responses((status = 200, body = CarrierWebhookOut), (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn carrier_webhook(
    State(st): State<ApiState>,
    Path(name): Path<String>,
    req: axum::extract::Request,
) -> ApiResult<Response> {
    let p = provider(&name).ok_or_else(|| ApiError::not_found("carrier webhook"))?;
    let headers: HeaderMap = req.headers().clone();
    let body: Bytes = axum::body::to_bytes(req.into_body(), crate::extract::MAX_BODY_BYTES)
        .await
        .map_err(|_| ApiError::payload_too_large(crate::extract::MAX_BODY_BYTES))?;
    let hs: Vec<(&str, &str)> = headers
        .iter()
        .filter_map(|(k, v)| v.to_str().ok().map(|v| (k.as_str(), v)))
        .collect();
    let o = st.app.carrier_webhook(p, &hs, &body).await?;
    let out = CarrierWebhookOut {
        tracking_number: o.tracking_number,
        scans: o.scans,
        applied: o.applied,
        duplicates: o.duplicates,
        unmapped: o.unmapped,
        unknown: o.unknown,
        refused: o.refused,
    };
    Ok(respond(StatusCode::OK, &out, None))
}
