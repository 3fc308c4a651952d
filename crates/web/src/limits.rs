//! The portal's sign-in form counts against the same per-address budget as the API's
//! `POST /api/v1/session` (one counter in the application layer), so the form is no way around it.

pub use aftercart_app::SIGN_INS_PER_MINUTE;

/// Counts one sign-in attempt from `ip`; true when the address has gone over the limit.
pub fn sign_in_over_limit(ip: std::net::IpAddr) -> bool {
    aftercart_app::SIGN_INS.hit(ip)
}
