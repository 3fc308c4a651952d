//! Per-address limits on credential guessing, and which address a request comes from.
//!
//! Counters live in memory, per process: a fixed one-minute window per client address. They
//! back the throttling the application records in the store (per user, with backoff): these
//! stop one address from spraying many users or many API keys, cheaply, before any work.

use axum::extract::ConnectInfo;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

/// Sign-in attempts a client address may make per minute (any users).
pub const SIGN_INS_PER_MINUTE: u32 = 20;
/// Failed API-key authentications a client address may make per minute; beyond, every
/// request with a key from that address is refused (429) until the minute is over.
pub const KEY_FAILURES_PER_MINUTE: u32 = 20;

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

/// A fixed-window counter per address.
pub struct PerMinute {
    seen: OnceLock<Mutex<HashMap<IpAddr, (Instant, u32)>>>,
    limit: u32,
}

impl PerMinute {
    pub const fn new(limit: u32) -> PerMinute {
        PerMinute {
            seen: OnceLock::new(),
            limit,
        }
    }

    fn with<R>(&self, ip: IpAddr, f: impl FnOnce(&mut u32) -> R) -> R {
        let mut seen = self
            .seen
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if seen.len() > 10_000 {
            seen.retain(|_, (t, _)| now.duration_since(*t).as_secs() < 60);
        }
        let e = seen.entry(ip).or_insert((now, 0));
        if now.duration_since(e.0).as_secs() >= 60 {
            *e = (now, 0);
        }
        f(&mut e.1)
    }

    /// Counts one event; true when the address has now gone over the limit.
    pub fn hit(&self, ip: IpAddr) -> bool {
        let limit = self.limit;
        self.with(ip, |n| {
            *n += 1;
            *n > limit
        })
    }

    /// Whether the address is over the limit, without counting.
    pub fn over(&self, ip: IpAddr) -> bool {
        let limit = self.limit;
        self.with(ip, |n| *n >= limit)
    }
}

pub static SIGN_INS: PerMinute = PerMinute::new(SIGN_INS_PER_MINUTE);
pub static KEY_FAILURES: PerMinute = PerMinute::new(KEY_FAILURES_PER_MINUTE);
