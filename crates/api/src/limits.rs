//! Per-address limits on credential guessing, and which address a request comes from.
//!
//! Counters live in memory, per process: a fixed one-minute window per client address. They
//! back the throttling the application records in the store (per user, with backoff): these
//! stop one address from spraying many users or many API keys, cheaply, before any work.

use axum::extract::ConnectInfo;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};

pub use aftercart_app::{KEY_FAILURES, KEY_FAILURES_PER_MINUTE, SIGN_INS, SIGN_INS_PER_MINUTE};

static TRUST_FORWARDED_FOR: AtomicBool = AtomicBool::new(false);

/// Take client addresses from the last `X-Forwarded-For` entry instead of the peer: only behind
/// a proxy that sets it (`--trust-forwarded-for`). Process-wide, set once at start-up.
pub fn set_trust_forwarded_for(on: bool) {
    TRUST_FORWARDED_FOR.store(on, Ordering::Relaxed);
}

/// The client address: the peer of the connection, or — only when the server is configured to
/// trust a proxy in front of it — the last address in `X-Forwarded-For` (the one that proxy
/// appended; earlier entries are the client's own claims).
pub fn client_address(headers: &HeaderMap, extensions: &axum::http::Extensions) -> Option<IpAddr> {
    if TRUST_FORWARDED_FOR.load(Ordering::Relaxed)
        && let Some(ip) = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|s| s.trim().parse::<IpAddr>().ok())
            .next_back()
    {
        return Some(ip);
    }
    extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())
}

pub fn parts_address(parts: &Parts) -> Option<IpAddr> {
    client_address(&parts.headers, &parts.extensions)
}
