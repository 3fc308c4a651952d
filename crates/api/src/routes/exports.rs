//! ERP exports over HTTP: what changed since a cursor, one page per request, as CSV or JSON
//! Lines. The next cursor comes back in `Aftercart-Next-Cursor`; `Aftercart-Export-Done: true`
//! says the export is up to date (ask again later with the same cursor).

use crate::ApiState;
use crate::dto::Code;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Caller, PathParam, QueryParams};
use aftercart_app::erp::{ExportFormat, ExportKind};
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// The cursor the previous page ended at (`Aftercart-Next-Cursor`); 0 or absent: from the start.
    pub since: Option<i64>,
    /// `csv` (default) or `jsonl`.
    pub format: Option<Code>,
    /// Events read for this page, 1–50,000 (default 5,000).
    pub page: Option<u32>,
}

/// One page of an ERP export: `orders` (a row per order line with its ledger), `shipments` (a
/// row per shipment line) or `invoices` (a row per invoice line), for the records changed after
/// `since`. Seller admins.
#[utoipa::path(get, path = "/api/v1/exports/{kind}", tag = "integrations",
    params(("kind" = String, Path, description = "orders, shipments or invoices"), ExportParams),
    responses((status = 200, description = "The page: CSV with a header row, or JSON Lines",
            content((String = "text/csv"), (String = "application/x-ndjson"))),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn export(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(kind): PathParam<String>,
    QueryParams(q): QueryParams<ExportParams>,
) -> ApiResult<Response> {
    let kind = ExportKind::parse(&kind).ok_or_else(|| ApiError::not_found("export"))?;
    let (format, content_type) = match q.format.as_deref().unwrap_or("csv") {
        "csv" => (ExportFormat::Csv, "text/csv; charset=utf-8"),
        "jsonl" => (ExportFormat::JsonLines, "application/x-ndjson"),
        _ => return Err(ApiError::invalid("format", "csv or jsonl")),
    };
    let since = q.since.unwrap_or(0);
    if since < 0 {
        return Err(ApiError::invalid("since", "a cursor from a previous page (0 or more)"));
    }
    let page = q.page.unwrap_or(5_000);
    if !(1..=50_000).contains(&page) {
        return Err(ApiError::invalid("page", "from 1 to 50000"));
    }
    let (body, p) = st.app.export_file(&ctx, kind, format, since, page).await?;
    let mut r = (StatusCode::OK, [(header::CONTENT_TYPE, content_type)], body).into_response();
    let h = r.headers_mut();
    h.insert(
        HeaderName::from_static("aftercart-next-cursor"),
        HeaderValue::from(p.cursor),
    );
    h.insert(
        HeaderName::from_static("aftercart-export-done"),
        HeaderValue::from_static(if p.done { "true" } else { "false" }),
    );
    Ok(r)
}
