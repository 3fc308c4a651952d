//! ERP imports over HTTP: a file of up to the request size limit (2 MiB) posted as the body,
//! applied as `aftercart import` applies it (same kinds, columns, idempotency, checkpoint and
//! rejects), answered with the summary and the rejected rows. Larger files go through the CLI.

use super::respond;
use crate::ApiState;
use crate::dto::Code;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Caller, PathParam, QueryParams};
use aftercart_app::erp::{ExportFormat, ImportKind, ImportOptions, RowReader, file_sha256, require_importer};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// `csv` or `jsonl`; by default from the Content-Type (`application/x-ndjson` or
    /// `application/jsonl` is JSON Lines, anything else CSV).
    pub format: Option<Code>,
    /// Rows per commit, 1–100,000 (default 1,000).
    pub batch: Option<u32>,
}

/// One rejected row: its 1-based data row (the header not counted), the column and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct RejectOut {
    pub row: u64,
    pub column: String,
    pub reason: String,
    /// The row as it was in the file.
    pub original: String,
}

/// What an import did, over the whole file.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportOut {
    pub kind: String,
    pub read: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
    /// Rows an interrupted import of the same file had already committed (0 for a fresh one).
    pub resumed_after: u64,
    /// Up to 10,000 rejected rows (the count goes on).
    pub rejects: Vec<RejectOut>,
}

/// The file posted to an import: text, at most the request size limit.
pub struct ImportFile;

impl utoipa::PartialSchema for ImportFile {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .max_length(Some(crate::extract::MAX_BODY_BYTES))
            .description(Some("CSV with a header row, or JSON Lines; at most 2 MiB."))
            .build()
            .into()
    }
}

impl utoipa::ToSchema for ImportFile {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("ImportFile")
    }
}

/// Imports an ERP file of one kind: `accounts`, `locations`, `products`, `prices`, `orders`,
/// `allocations`, `shipments`, `invoices` or `payments` (README, "Integrations: ERP import and export").
/// Idempotent by the rows' external ids: the same file twice changes nothing; a changed row
/// updates where the record may change. Good rows are applied even when others are rejected
/// (200 with `rejected` > 0). An import cut off midway is continued by posting the same file
/// again. Seller admins only.
#[utoipa::path(post, path = "/api/v1/imports/{kind}", tag = "integrations",
    params(("kind" = String, Path, description = "accounts, locations, products, prices, orders, allocations, shipments, invoices or payments"), ImportParams),
    request_body(content = ImportFile, description = "The file: CSV with a header row, or JSON Lines",
        content_type = "text/csv"),
    responses((status = 200, body = ImportOut), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn import(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(kind): PathParam<String>,
    QueryParams(q): QueryParams<ImportParams>,
    req: axum::extract::Request,
) -> ApiResult<Response> {
    // Who may import is settled before anything about the request is judged.
    require_importer(&ctx)?;
    let Some(import_kind) = ImportKind::parse(&kind) else {
        return Err(ApiError::not_found("import kind"));
    };
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let format = match q.format.as_deref() {
        Some("csv") => ExportFormat::Csv,
        Some("jsonl") => ExportFormat::JsonLines,
        Some(_) => return Err(ApiError::invalid("format", "csv or jsonl")),
        None if content_type.contains("ndjson") || content_type.contains("jsonl") => ExportFormat::JsonLines,
        None => ExportFormat::Csv,
    };
    let batch = q.batch.unwrap_or(1000);
    if !(1..=100_000).contains(&batch) {
        return Err(ApiError::invalid("batch", "from 1 to 100000"));
    }
    let body = axum::body::to_bytes(req.into_body(), crate::extract::MAX_BODY_BYTES)
        .await
        .map_err(|_| ApiError::payload_too_large(crate::extract::MAX_BODY_BYTES))?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::invalid("body", "the file is empty"));
    }
    let (sha, _) = file_sha256(&body[..]).map_err(|e| ApiError::invalid("body", e.to_string()))?;
    let mut reader = RowReader::new(format, &body[..]).map_err(|e| ApiError::invalid("body", e))?;
    let app = &st.app;
    let cp = app.import_checkpoint(&kind, &sha).await?;
    let opts = ImportOptions {
        batch_rows: batch as usize,
    };
    let progress = |_: u64| {};
    let (summary, rejects) = app.import(&ctx, import_kind, &mut reader, cp, &opts, &progress).await?;
    let out = ImportOut {
        kind,
        read: summary.read,
        created: summary.created,
        updated: summary.updated,
        unchanged: summary.unchanged,
        rejected: summary.rejected,
        resumed_after: summary.resumed_after,
        rejects: rejects
            .into_iter()
            .map(|r| RejectOut {
                row: r.row,
                column: r.column,
                reason: r.reason,
                original: r.original,
            })
            .collect(),
    };
    Ok(respond(StatusCode::OK, &out, None))
}
