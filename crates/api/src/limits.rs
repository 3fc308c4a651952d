//! Per-address limits on credential guessing, and which address a request comes from.
//!
//! Counters live in the store (`App::hit_limit`), so every server process on one database shares
//! them: a fixed one-minute window per client address. They back the throttling the application
//! records per user (with backoff): these stop one address from spraying many users or many API
//! keys, with one indexed statement, before any other work.

use axum::extract::ConnectInfo;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use std::net::{IpAddr, SocketAddr};

pub use aftercart_app::{KEY_FAILURES, KEY_FAILURES_PER_MINUTE, SIGN_INS, SIGN_INS_PER_MINUTE};

pub use aftercart_app::set_trust_forwarded_for;

/// The client address (see [`aftercart_app::client_address`]).
pub fn client_address(headers: &HeaderMap, extensions: &axum::http::Extensions) -> Option<IpAddr> {
    aftercart_app::client_address(
        headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok()),
        extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()),
    )
}

pub fn parts_address(parts: &Parts) -> Option<IpAddr> {
    client_address(&parts.headers, &parts.extensions)
}
