//! Payment provider settings (environment or flags). Without a Stripe key customers pay by bank
//! transfer only (the invoice's remittance reference); with one, by card and bank debit too.

use aftercart_app::payments::PaymentSettings;
use aftercart_payments::{Stripe, StripeConfig};
use std::sync::Arc;

#[derive(clap::Args, Clone, Default, Debug)]
pub struct PaymentArgs {
    /// Stripe secret key (sk_live_… / sk_test_…): turns on card and ACH payments.
    #[arg(long, env = "AFTERCART_STRIPE_SECRET_KEY", hide_env_values = true)]
    pub stripe_secret_key: Option<String>,
    /// The signing secret of the webhook endpoint configured at Stripe
    /// (POST <portal>/api/v1/payments/provider-webhook); webhooks are refused without it.
    #[arg(long, env = "AFTERCART_STRIPE_WEBHOOK_SECRET", hide_env_values = true)]
    pub stripe_webhook_secret: Option<String>,
    /// Another Stripe-compatible API (a local test server such as localstripe).
    #[arg(long, env = "AFTERCART_STRIPE_API_BASE")]
    pub stripe_api_base: Option<String>,
}

impl PaymentArgs {
    pub fn build(&self, seller_name: Option<&str>) -> Result<PaymentSettings, String> {
        let mut s = PaymentSettings::default();
        if let Some(n) = seller_name {
            s.seller_name = n.to_owned();
        }
        if let Some(key) = &self.stripe_secret_key {
            let secret = self.stripe_webhook_secret.clone().unwrap_or_default();
            let config = match &self.stripe_api_base {
                Some(base) => StripeConfig::localstripe(base.clone(), key.clone(), secret),
                None => StripeConfig::new(key.clone(), secret),
            };
            let stripe = Stripe::new(config).map_err(|e| format!("payment provider: {e}"))?;
            s.provider = Some(Arc::new(stripe));
        }
        Ok(s)
    }
}
