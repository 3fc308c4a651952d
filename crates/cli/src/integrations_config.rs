//! Integration settings (environment or flags): the carrier webhooks' secrets. A provider
//! without its secret has no webhook (404), so nothing unsigned is ever read.

use aftercart_app::CarrierSettings;

#[derive(clap::Args, Clone, Default, Debug)]
pub struct IntegrationArgs {
    /// EasyPost webhook secret: POST <portal>/api/v1/carriers/easypost/webhook, signed in
    /// `X-Hmac-Signature`.
    #[arg(long, env = "AFTERCART_EASYPOST_WEBHOOK_SECRET", hide_env_values = true)]
    pub easypost_webhook_secret: Option<String>,
    /// AfterShip webhook secret: POST <portal>/api/v1/carriers/aftership/webhook, signed in
    /// `aftership-hmac-sha256`.
    #[arg(long, env = "AFTERCART_AFTERSHIP_WEBHOOK_SECRET", hide_env_values = true)]
    pub aftership_webhook_secret: Option<String>,
    /// The credential given to UPS Track Alert when subscribing: POST
    /// <portal>/api/v1/carriers/ups/webhook, which UPS sends back in a `credential` header.
    #[arg(long, env = "AFTERCART_UPS_TRACK_ALERT_CREDENTIAL", hide_env_values = true)]
    pub ups_track_alert_credential: Option<String>,
}

impl IntegrationArgs {
    pub fn carriers(&self) -> CarrierSettings {
        CarrierSettings {
            easypost_secret: self.easypost_webhook_secret.clone(),
            aftership_secret: self.aftership_webhook_secret.clone(),
            ups_credential: self.ups_track_alert_credential.clone(),
        }
    }
}
