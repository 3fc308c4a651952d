//! Liveness and readiness.

use crate::ApiState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

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
