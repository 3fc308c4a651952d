//! Per-address limits on credential guessing, in memory and per process: a fixed one-minute
//! window per client address. One set of counters for every front door (the API's
//! `POST /session` and the portal's sign-in form count against the same budget), on top of the
//! per-user and per-address backoff recorded in the store (`throttle`).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

/// Sign-in attempts a client address may make per minute (any users).
pub const SIGN_INS_PER_MINUTE: u32 = 20;
/// Failed API-key authentications a client address may make per minute; beyond, every
/// request with a key from that address is refused (429) until the minute is over.
pub const KEY_FAILURES_PER_MINUTE: u32 = 20;

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
