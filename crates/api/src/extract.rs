//! Request extractors: who is calling (API key), their preconditions (If-Match), idempotency
//! (Idempotency-Key, replayed here before any handler runs), and JSON bodies whose errors name
//! the field.

use crate::ApiState;
use crate::error::ApiError;
use aftercart_app::{Ctx, IdempotencyKey, Principal};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, MatchedPath, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

/// The authenticated caller plus request preconditions.
pub struct Caller(pub Ctx);

pub fn key_hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

pub use aftercart_app::{DEV_SESSION_COOKIE, SESSION_COOKIE, same_secret};

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn key_failures_limited() -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        "too many invalid API keys from this address; wait a minute",
    )
}

/// Who is calling: a configured staff key, a stored API key, or a portal session (whose unsafe
/// requests must echo the session's CSRF token in `X-CSRF-Token`). Failed API-key
/// authentications are counted per client address; past the limit that address is refused (429)
/// for the rest of the minute, whatever key it sends.
async fn principal(state: &ApiState, parts: &Parts) -> Result<Principal, ApiError> {
    let headers = &parts.headers;
    let unauthenticated = |m: &str| ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", m.to_owned());
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .or_else(|| headers.get("x-api-key").and_then(|v| v.to_str().ok()))
        .map(str::trim)
        .filter(|k| !k.is_empty());
    if let Some(key) = presented {
        let address = crate::limits::parts_address(parts);
        // Counted in the store, so the budget is the deployment's, not each process's.
        if state
            .app
            .over_limit(&crate::limits::KEY_FAILURES, address)
            .await
            .map_err(ApiError::from)?
        {
            return Err(key_failures_limited());
        }
        // Keys are kept hashed; comparing hashes also keeps the comparison independent of the key text.
        let h = key_hash(key);
        if let Some((_, p)) = state.keys.iter().find(|(hash, _)| same_secret(hash, &h)) {
            return Ok(p.clone());
        }
        return match state.app.authenticate_key(key).await.map_err(ApiError::from)? {
            Some(p) => Ok(p),
            None => {
                // Guesses racing past the limit (checked above against the failures recorded
                // so far) are answered as over it once their own count is: no 401 after the 20th.
                if state
                    .app
                    .hit_limit(&crate::limits::KEY_FAILURES, address)
                    .await
                    .map_err(ApiError::from)?
                {
                    return Err(key_failures_limited());
                }
                Err(unauthenticated("the API key is not valid"))
            }
        };
    }
    if let Some(token) = cookie(headers, state.session_cookie_name()) {
        let Some((p, csrf)) = state.app.authenticate_session(token).await.map_err(ApiError::from)? else {
            return Err(unauthenticated("the session has ended; sign in again"));
        };
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        let echoed = headers.get("x-csrf-token").and_then(|v| v.to_str().ok());
        if !safe && !echoed.is_some_and(|e| same_secret(e, &csrf)) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "csrf_failed",
                "send the session's CSRF token in X-CSRF-Token",
            )
            .field("X-CSRF-Token"));
        }
        return Ok(p);
    }
    Err(unauthenticated("send an API key as 'Authorization: Bearer <key>'"))
}

fn if_match(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    let Some(v) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let s = v.to_str().unwrap_or("").trim();
    if s == "*" {
        return Ok(None);
    }
    // If-Match uses strong comparison (RFC 9110 §13.1.1): a weak tag never matches.
    if s.starts_with("W/") {
        return Ok(Some(-1));
    }
    s.trim_start_matches("W/")
        .trim_matches('"')
        .strip_prefix('v')
        .and_then(|n| n.parse().ok())
        .map(Some)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_if_match",
                "If-Match must be an ETag from this API, e.g. \"v3\"",
            )
            .field("If-Match")
        })
}

/// Whether the client asked for no representation back (`Prefer: return=minimal`, RFC 7240):
/// preferences are comma-separated, tokens compare case-insensitively, parameters after `;`
/// belong to the preference. Anything unrecognised is ignored, as the RFC asks.
pub fn prefers_minimal(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::HeaderName::from_static("prefer"))
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|p| p.split(';').next())
        .any(|p| {
            let mut kv = p.splitn(2, '=');
            let (k, v) = (
                kv.next().unwrap_or("").trim(),
                kv.next().unwrap_or("").trim().trim_matches('"'),
            );
            k.eq_ignore_ascii_case("return") && v.eq_ignore_ascii_case("minimal")
        })
}

pub fn etag(version: i64) -> String {
    format!("\"v{version}\"")
}

impl FromRequestParts<ApiState> for Caller {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, Self::Rejection> {
        let p = principal(state, parts).await?;
        let path = parts
            .extensions
            .get::<MatchedPath>()
            .map(|m| m.as_str().to_owned())
            .unwrap_or_default();
        let Some(action) = crate::access::action(&parts.method, &path) else {
            tracing::error!(method = %parts.method, path, "route without an access rule");
            return Err(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "this endpoint has no access rule",
            ));
        };
        if !p.may(action) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "your role does not allow this",
            ));
        }
        let mut ctx = Ctx::new(p);
        ctx.if_match = if_match(&parts.headers)?;
        ctx.minimal = prefers_minimal(&parts.headers);
        Ok(Caller(ctx))
    }
}

/// The largest request body accepted, in bytes (also set as the router's `DefaultBodyLimit`).
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// The longest `Idempotency-Key` accepted.
pub const MAX_IDEMPOTENCY_KEY: usize = 255;

/// Whether a `Content-Type` names JSON: `application/json` or any `application/*+json`
/// (RFC 6839), with optional parameters, of which only `charset=utf-8` means anything (JSON is
/// UTF-8, RFC 8259). The media type is parsed (RFC 9110 §8.3.1), so `application/jsonx` or
/// `application/json-seq` are not JSON.
pub fn is_json_media_type(v: &str) -> bool {
    fn token(s: &str) -> bool {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
    }
    let mut pieces = v.split(';');
    let essence = pieces.next().unwrap_or("").trim();
    let Some((ty, sub)) = essence.split_once('/') else {
        return false;
    };
    if !token(ty) || !token(sub) || !ty.eq_ignore_ascii_case("application") {
        return false;
    }
    let sub = sub.to_ascii_lowercase();
    if sub != "json" && !(sub.len() > "+json".len() && sub.ends_with("+json")) {
        return false;
    }
    pieces.all(|p| {
        let p = p.trim();
        if p.is_empty() {
            return true;
        }
        let Some((k, v)) = p.split_once('=') else {
            return false;
        };
        let (k, v) = (k.trim(), v.trim().trim_matches('"'));
        token(k) && (!k.eq_ignore_ascii_case("charset") || v.eq_ignore_ascii_case("utf-8"))
    })
}

/// Checks that a request carries a JSON body and reads it (at most [`MAX_BODY_BYTES`]): the one
/// place that decides 415 and 413 for every endpoint that takes a body.
pub async fn json_bytes(req: Request) -> Result<Bytes, ApiError> {
    let ct = req.headers().get(header::CONTENT_TYPE);
    let ok = ct.and_then(|v| v.to_str().ok()).is_some_and(is_json_media_type);
    if !ok {
        let detail = match ct {
            None => "send the JSON body with Content-Type: application/json",
            Some(_) => "only application/json (or application/*+json) bodies are accepted",
        };
        return Err(ApiError::header(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Content-Type",
            detail,
        ));
    }
    Bytes::from_request(req, &()).await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::payload_too_large(MAX_BODY_BYTES)
        } else {
            ApiError::new(StatusCode::BAD_REQUEST, "unreadable_body", "the body could not be read")
        }
    })
}

/// A JSON body for endpoints without a caller (sign-in, accepting an invitation): the same
/// media-type, size and field-naming rules as [`Command`].
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(JsonBody(parse_json(&json_bytes(req).await?)?))
    }
}

/// A command: caller, parsed JSON body, and idempotency. If the Idempotency-Key was used before
/// with the same request, the stored response is returned (as the "rejection") and the handler
/// never runs; with a different request it is refused.
pub struct Command<T> {
    pub ctx: Ctx,
    pub body: T,
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Every command body is an object; serde would otherwise accept a positional array too.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        if serde_json::from_slice::<serde_json::Value>(bytes).is_err() {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "malformed_json",
                "the body is not valid JSON",
            ));
        }
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_value",
            "the body must be a JSON object",
        ));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut *de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            let mut err = ApiError::new(StatusCode::BAD_REQUEST, "malformed_json", inner.to_string());
            // Name the field being read when the body broke off, if serde knows it.
            err.field = (path != "." && path != "?").then_some(path);
            return err;
        }
        let position = format!(" at line {} column {}", inner.line(), inner.column());
        let msg = inner.to_string();
        let msg = msg.strip_suffix(&position).map(str::to_owned).unwrap_or(msg);
        let mut field = (path != "." && path != "?").then_some(path);
        // "missing field `quantity`" is reported at the parent; name the missing field itself.
        if let Some(name) = msg.strip_prefix("missing field `").and_then(|r| r.split('`').next()) {
            field = Some(match field {
                Some(parent) => format!("{parent}.{name}"),
                None => name.to_owned(),
            });
        }
        let mut err = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_value", msg);
        err.field = field;
        err
    })?;
    de.end().map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            "unexpected data after the JSON body",
        )
    })?;
    Ok(value)
}

/// Path parameters; an id that cannot even be parsed names nothing that exists: 404.
pub struct PathParam<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequestParts<ApiState> for PathParam<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| PathParam(p.0))
            .map_err(|_| ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such resource"))
    }
}

/// Query parameters, with errors that name the parameter.
pub struct QueryParams<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequestParts<ApiState> for QueryParams<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _state: &ApiState) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(q.as_bytes()));
        serde_path_to_error::deserialize(de).map(QueryParams).map_err(|e| {
            let path = e.path().to_string();
            let mut err = ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_value",
                e.into_inner().to_string(),
            );
            if path != "." && path != "?" {
                err.field = Some(path);
            }
            err
        })
    }
}

impl<T: DeserializeOwned> FromRequest<ApiState> for Command<T> {
    type Rejection = Response;
    async fn from_request(req: Request, state: &ApiState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let Caller(mut ctx) = Caller::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let bytes = json_bytes(Request::from_parts(parts.clone(), body))
            .await
            .map_err(IntoResponse::into_response)?;
        if let Some(key) = parts.headers.get("idempotency-key") {
            let key = key.to_str().unwrap_or("").trim().to_owned();
            if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY {
                return Err(ApiError::invalid(
                    "Idempotency-Key",
                    format!("must be 1 to {MAX_IDEMPOTENCY_KEY} visible ASCII characters"),
                )
                .into_response());
            }
            let mut h = Sha256::new();
            h.update(parts.method.as_str());
            h.update(parts.uri.path());
            h.update(&bytes);
            let request_hash = hex::encode(h.finalize());
            if let Some(rec) = state
                .app
                .store
                .idempotency(&ctx.principal.id, &key)
                .await
                .map_err(|e| ApiError::from(aftercart_app::AppError::from(e)).into_response())?
            {
                if rec.request_hash != request_hash {
                    return Err(ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "idempotency_key_reused",
                        "this Idempotency-Key was used for a different request",
                    )
                    .field("Idempotency-Key")
                    .into_response());
                }
                return Err(replay(rec.status, rec.body));
            }
            ctx.idempotency = Some(IdempotencyKey { key, request_hash });
        }
        let body = parse_json(&bytes).map_err(IntoResponse::into_response)?;
        Ok(Command { ctx, body })
    }
}

/// The stored first response to a request with this Idempotency-Key, marked as a replay.
pub(crate) fn replay(status: u16, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::HeaderName::from_static("idempotent-replayed"), "true"),
        ],
        body,
    )
        .into_response()
}
