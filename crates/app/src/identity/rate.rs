//! Per-address limits on credential guessing: a fixed one-minute window per client address,
//! counted in the store (`Store::window_hit`, one atomic upsert), so every server process on one
//! database shares one budget per client — three processes allow the documented rate, not three
//! times it — and no concurrent hit is lost. One budget for every front door (the API's
//! `POST /session` and the portal's sign-in form count against the same counter), on top of the
//! per-user and per-address backoff recorded in the store (`throttle`).

use crate::App;
use crate::error::Result;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};

/// Sign-in attempts a client address may make per minute (any users).
pub const SIGN_INS_PER_MINUTE: u32 = 20;
/// Failed API-key authentications a client address may make per minute; beyond, every
/// request with a key from that address is refused (429) until the minute is over.
pub const KEY_FAILURES_PER_MINUTE: u32 = 20;

/// The window every limit counts in.
const WINDOW_SECS: i64 = 60;

/// A per-address limit: the counter's name in the store and how many events a window allows.
pub struct PerMinute {
    name: &'static str,
    limit: u32,
}

impl PerMinute {
    pub const fn new(name: &'static str, limit: u32) -> PerMinute {
        PerMinute { name, limit }
    }

    pub const fn limit(&self) -> u32 {
        self.limit
    }
}

pub static SIGN_INS: PerMinute = PerMinute::new("sign_in", SIGN_INS_PER_MINUTE);
pub static KEY_FAILURES: PerMinute = PerMinute::new("key_failure", KEY_FAILURES_PER_MINUTE);

impl App {
    /// The current window's start: windows are aligned to the minute on the App's clock, so
    /// every process (clocks in sync) counts into the same row.
    fn window_start(&self) -> i64 {
        let now = self.clock.now().unix_timestamp();
        now - now.rem_euclid(WINDOW_SECS)
    }

    /// Counts one event from `address` against `limit`; true when the address has now gone over
    /// it. No address (no peer known): nothing to count against, never over.
    pub async fn hit_limit(&self, limit: &PerMinute, address: Option<IpAddr>) -> Result<bool> {
        let Some(ip) = address else { return Ok(false) };
        let n = self
            .store
            .window_hit(limit.name, &ip.to_string(), self.window_start(), WINDOW_SECS)
            .await?;
        Ok(n > i64::from(limit.limit))
    }

    /// Whether `address` has used up `limit` in this window, without counting.
    pub async fn over_limit(&self, limit: &PerMinute, address: Option<IpAddr>) -> Result<bool> {
        let Some(ip) = address else { return Ok(false) };
        let n = self
            .store
            .window_count(limit.name, &ip.to_string(), self.window_start())
            .await?;
        Ok(n >= i64::from(limit.limit))
    }
}

static TRUST_FORWARDED_FOR: AtomicBool = AtomicBool::new(false);

/// Take client addresses from the last `X-Forwarded-For` entry instead of the peer: only behind
/// a proxy that sets it (`--trust-forwarded-for`). Process-wide, set once at start-up, and the
/// same for every front door (the API and the portal count one budget per client).
pub fn set_trust_forwarded_for(on: bool) {
    TRUST_FORWARDED_FOR.store(on, Ordering::Relaxed);
}

/// The client address: the connection's peer, or — only when the server is configured to trust
/// a proxy in front of it — the last address in `X-Forwarded-For` (the one that proxy appended;
/// earlier entries are the client's own claims). `forwarded_for`: the header's values in order.
pub fn client_address<'a>(forwarded_for: impl Iterator<Item = &'a str>, peer: Option<IpAddr>) -> Option<IpAddr> {
    if TRUST_FORWARDED_FOR.load(Ordering::Relaxed)
        && let Some(ip) = forwarded_for
            .flat_map(|v| v.split(','))
            .filter_map(|s| s.trim().parse::<IpAddr>().ok())
            .last()
    {
        return Some(ip);
    }
    peer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_counts_only_when_trusted_and_only_its_last_entry() {
        let peer: Option<IpAddr> = "10.0.0.1".parse().ok();
        let hdr = ["203.0.113.9, 198.51.100.4", "192.0.2.77"];
        // The only test in this binary that touches the flag: it leaves it as it found it.
        set_trust_forwarded_for(false);
        assert_eq!(client_address(hdr.iter().copied(), peer), peer);
        set_trust_forwarded_for(true);
        assert_eq!(client_address(hdr.iter().copied(), peer), "192.0.2.77".parse().ok());
        assert_eq!(client_address(["not an address"].into_iter(), peer), peer);
        assert_eq!(client_address(std::iter::empty(), peer), peer);
        set_trust_forwarded_for(false);
    }
}
