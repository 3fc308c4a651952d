//! The portal's sign-in form counts against the same per-address budget as the API's
//! `POST /api/v1/session` (one counter in the application layer), so the form is no way around it.

pub use aftercart_app::SIGN_INS_PER_MINUTE;

/// Counts one sign-in attempt from `ip` (in the store, shared by every server process); true
/// when the address has gone over the limit.
pub async fn sign_in_over_limit(
    app: &aftercart_app::App,
    ip: Option<std::net::IpAddr>,
) -> Result<bool, aftercart_app::AppError> {
    app.hit_limit(&aftercart_app::SIGN_INS, ip).await
}
