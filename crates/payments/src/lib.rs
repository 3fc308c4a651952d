//! Payment provider adapters for the app's port (`aftercart_app::payments::provider`). Stripe
//! is the one provider; its adapter talks to Stripe's HTTP API directly (form bodies in, JSON
//! out) rather than through an SDK, so the few endpoints the port needs are all there is.

pub mod stripe;
pub mod testing;

pub use stripe::{DEFAULT_API_BASE, STRIPE_VERSION, SetupError, Stripe, StripeConfig};
