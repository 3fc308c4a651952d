//! Liveness and readiness, and the authenticated no-op the benchmarks calibrate against.

use super::respond;
use crate::ApiState;
use crate::error::ApiResult;
use crate::extract::Caller;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

/// 200 when the server can reach its database, 503 otherwise.
#[utoipa::path(get, path = "/healthz", tag = "system", responses((status = 200), (status = 503)))]
pub async fn healthz(State(st): State<ApiState>) -> (StatusCode, Json<Value>) {
    match st.app.store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(json!({"status": "ok", "database": st.app.store.backend()})),
        ),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "unavailable"})))
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PingOut {
    /// Always `true`: the caller is authenticated and the database answered.
    pub ok: bool,
}

/// An authenticated no-op: the caller is authenticated and authorised like any other request
/// (API key or session), then the server makes one cheap round trip to its database. Nothing is
/// read or written; it is the floor under every request, which `aftercart bench` measures in
/// the same run as the real scenarios. Unlike `/healthz` it needs credentials, so the figure
/// includes authentication.
#[utoipa::path(get, path = "/api/v1/ping", tag = "system", responses((status = 200, body = PingOut)))]
pub async fn ping(State(st): State<ApiState>, Caller(_ctx): Caller) -> ApiResult<Response> {
    st.app.ping().await?;
    Ok(respond(StatusCode::OK, &PingOut { ok: true }, None))
}
