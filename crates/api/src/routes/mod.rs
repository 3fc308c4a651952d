//! /api/v1 handlers, one module per resource family.

pub mod accounts;
pub mod billing;
pub mod carriers;
pub mod edi;
pub mod exports;
pub mod imports;
// -- change requests --
pub mod changes;
// -- /change requests --
pub mod catalog;
// -- dropship --
pub mod dropship;
// -- /dropship --
pub mod fulfilment;
pub mod governance;
pub mod identity;
pub mod orders;
pub mod procurement;
pub mod receivables;
pub mod reorder;
pub mod reports;
pub mod shipments;
// -- supplier portal and shipments --
pub mod supplier;
pub mod system;
// -- returns --
pub mod returns;
// -- /returns --
// -- cases --
pub mod cases;
// -- /cases --
// -- exceptions --
pub mod exceptions;
// -- /exceptions --
// -- notifications --
pub mod notifications;
pub mod webhooks;
// -- /notifications --

use crate::dto::{PageDto, encode_cursor};
use crate::extract::etag;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// A JSON response with the resource's ETag when it has a version.
pub fn respond<T: Serialize>(status: StatusCode, body: &T, version: Option<i64>) -> Response {
    let json = serde_json::to_vec(body).unwrap_or_default();
    let mut r = (status, [(header::CONTENT_TYPE, "application/json")], json).into_response();
    if let Some(v) = version
        && let Ok(h) = etag(v).parse()
    {
        r.headers_mut().insert(header::ETAG, h);
    }
    r
}

/// A command's answer when the client sent `Prefer: return=minimal`: 204 with the new ETag and
/// `Preference-Applied`, so a step on a large order does not pay for rendering all of it.
pub fn minimal(version: i64) -> Response {
    let mut r = (
        StatusCode::NO_CONTENT,
        [(header::HeaderName::from_static("preference-applied"), "return=minimal")],
    )
        .into_response();
    if let Ok(h) = etag(version).parse() {
        r.headers_mut().insert(header::ETAG, h);
    }
    r
}

/// What an order command answers: the order, or [`minimal`] when the client asked for it.
pub fn order_changed(
    ctx: &aftercart_app::Ctx,
    v: &aftercart_app::Versioned<aftercart_domain::order::Order>,
) -> Response {
    if ctx.minimal {
        minimal(v.version)
    } else {
        respond(StatusCode::OK, &orders::out(v), Some(v.version))
    }
}

/// The (status, body) an idempotent replay of an order command gives back.
pub fn order_changed_stored(
    ctx: &aftercart_app::Ctx,
    v: &aftercart_app::Versioned<aftercart_domain::order::Order>,
) -> (u16, String) {
    if ctx.minimal {
        (StatusCode::NO_CONTENT.as_u16(), String::new())
    } else {
        stored(StatusCode::OK, &orders::out(v))
    }
}

/// The (status, body) stored for idempotent replays of a command.
pub fn stored<T: Serialize>(status: StatusCode, body: &T) -> (u16, String) {
    (status.as_u16(), serde_json::to_string(body).unwrap_or_default())
}

pub fn page<T: utoipa::ToSchema, U>(p: aftercart_app::Page<U>, f: impl Fn(&U) -> T) -> PageDto<T> {
    PageDto {
        items: p.items.iter().map(f).collect(),
        next_cursor: p.next.map(encode_cursor),
    }
}
