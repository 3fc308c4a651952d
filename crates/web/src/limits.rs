//! A per-address limit on sign-in attempts through the portal's form: the same budget the API's
//! `POST /api/v1/session` has (20 a minute per client address, in memory, per process), on top
//! of the application's per-user and per-address backoff. Without it the form would be a way
//! around the API's limit.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

/// Sign-in attempts a client address may make per minute through the portal.
pub const SIGN_INS_PER_MINUTE: u32 = 20;

/// Counts one sign-in attempt from `ip`; true when the address has gone over the limit.
pub fn sign_in_over_limit(ip: IpAddr) -> bool {
    static SEEN: OnceLock<Mutex<HashMap<IpAddr, (Instant, u32)>>> = OnceLock::new();
    let mut seen = SEEN
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
    e.1 += 1;
    e.1 > SIGN_INS_PER_MINUTE
}
