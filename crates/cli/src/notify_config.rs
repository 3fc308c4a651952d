//! Notification settings (environment or flags): which channels this server sends through and
//! how its messages look. Each channel is off until configured; webhooks and in-app
//! notifications need nothing.

use aftercart_app::NotifySettings;
use aftercart_notify::{
    Branding, Channels, EventStream, Mailer, SmsConfig, SmsSender, SmtpConfig, TargetPolicy, Templates, WebhookSender,
};

#[derive(clap::Args, Clone, Default, Debug)]
pub struct NotifyArgs {
    /// The portal's public URL, for links in emails and SMS (default: http://<addr>).
    #[arg(long, env = "AFTERCART_PORTAL_URL")]
    pub portal_url: Option<String>,
    /// SMTP relay: smtp://host:587 (STARTTLS required), smtps://host:465, or
    /// smtp://host:25?tls=none|starttls. Email is off without it.
    #[arg(long, env = "AFTERCART_SMTP_URL")]
    pub smtp_url: Option<String>,
    #[arg(long, env = "AFTERCART_SMTP_USERNAME")]
    pub smtp_username: Option<String>,
    #[arg(long, env = "AFTERCART_SMTP_PASSWORD", hide_env_values = true)]
    pub smtp_password: Option<String>,
    /// The sender: `Northwind Supply <notifications@northwind.example>`.
    #[arg(long, env = "AFTERCART_EMAIL_FROM")]
    pub email_from: Option<String>,
    /// A directory of template files that replace the built-in ones of the same name.
    #[arg(long, env = "AFTERCART_EMAIL_TEMPLATES")]
    pub email_templates: Option<String>,
    /// The seller's name in messages.
    #[arg(long, env = "AFTERCART_SELLER_NAME")]
    pub seller_name: Option<String>,
    /// The seller's colours in emails (CSS hex).
    #[arg(long, env = "AFTERCART_BRAND_COLOUR")]
    pub brand_colour: Option<String>,
    #[arg(long, env = "AFTERCART_ACCENT_COLOUR")]
    pub accent_colour: Option<String>,
    /// SMS provider base URL (Twilio's API shape: https://api.twilio.com). SMS is off without it.
    #[arg(long, env = "AFTERCART_SMS_URL")]
    pub sms_url: Option<String>,
    #[arg(long, env = "AFTERCART_SMS_ACCOUNT")]
    pub sms_account: Option<String>,
    #[arg(long, env = "AFTERCART_SMS_TOKEN", hide_env_values = true)]
    pub sms_token: Option<String>,
    #[arg(long, env = "AFTERCART_SMS_FROM")]
    pub sms_from: Option<String>,
    /// NATS server (nats://127.0.0.1:4222): every event is also published to JetStream.
    #[arg(long, env = "AFTERCART_NATS_URL")]
    pub nats_url: Option<String>,
    /// Allow webhook targets on loopback and private networks (development, or an integrator
    /// inside your own network). Off: such targets are refused.
    #[arg(long, env = "AFTERCART_WEBHOOKS_ALLOW_PRIVATE", value_parser = clap::builder::BoolishValueParser::new())]
    pub webhooks_allow_private: bool,
    /// How often idle delivery workers look for due work, in milliseconds (default 200).
    #[arg(long, env = "AFTERCART_OUTBOX_POLL_MS")]
    pub outbox_poll_ms: Option<u64>,
    /// How long a worker holds claimed work before another may take it over, in milliseconds
    /// (default 60000; at least 5000, above the longest send).
    #[arg(long, env = "AFTERCART_OUTBOX_LEASE_MS")]
    pub outbox_lease_ms: Option<i64>,
}

pub struct Notify {
    pub settings: NotifySettings,
    pub channels: Channels,
    pub poll: std::time::Duration,
}

impl NotifyArgs {
    /// Connects what is configured (a NATS server that cannot be reached stops the server with
    /// a message: events would otherwise pile up unsent).
    pub async fn build(&self, addr: &str) -> Result<Notify, String> {
        let portal_url = self
            .portal_url
            .clone()
            .unwrap_or_else(|| format!("http://{addr}"))
            .trim_end_matches('/')
            .to_owned();
        if !(portal_url.starts_with("http://") || portal_url.starts_with("https://")) {
            return Err(format!("AFTERCART_PORTAL_URL='{portal_url}': give an http(s):// URL"));
        }
        let seller_name = self.seller_name.clone().unwrap_or_else(|| "Aftercart".into());
        let from_address = self
            .email_from
            .clone()
            .unwrap_or_else(|| format!("{seller_name} <notifications@localhost>"));
        let templates = match &self.email_templates {
            Some(dir) => Templates::with_overrides(dir).map_err(|e| format!("AFTERCART_EMAIL_TEMPLATES: {e}"))?,
            None => Templates::builtin().map_err(|e| format!("built-in templates: {e}"))?,
        };
        let mailer = match &self.smtp_url {
            None => None,
            Some(url) => Some(
                Mailer::new(&SmtpConfig {
                    url: url.clone(),
                    username: self.smtp_username.clone(),
                    password: self.smtp_password.clone(),
                    timeout: std::time::Duration::from_secs(20),
                })
                .map_err(|e| format!("AFTERCART_SMTP_URL: {e}"))?,
            ),
        };
        let sms = match &self.sms_url {
            None => None,
            Some(base) => {
                let need = |v: &Option<String>, name: &str| {
                    v.clone()
                        .ok_or_else(|| format!("AFTERCART_SMS_URL is set, so {name} is needed too"))
                };
                Some(
                    SmsSender::new(SmsConfig {
                        base_url: base.clone(),
                        account_sid: need(&self.sms_account, "AFTERCART_SMS_ACCOUNT")?,
                        auth_token: need(&self.sms_token, "AFTERCART_SMS_TOKEN")?,
                        from: need(&self.sms_from, "AFTERCART_SMS_FROM")?,
                    })
                    .map_err(|e| format!("AFTERCART_SMS_URL: {e}"))?,
                )
            }
        };
        let nats = match &self.nats_url {
            None => None,
            Some(url) => Some(
                EventStream::connect(url, "AFTERCART", "aftercart")
                    .await
                    .map_err(|e| format!("AFTERCART_NATS_URL={url}: {e}"))?,
            ),
        };
        let webhooks = WebhookSender::new(TargetPolicy {
            allow_private: self.webhooks_allow_private,
        })
        .map_err(|e| format!("webhook client: {e}"))?;
        let settings = NotifySettings {
            portal_url: portal_url.clone(),
            email: mailer.is_some(),
            sms: sms.is_some(),
            nats: nats.is_some(),
            allow_private_targets: self.webhooks_allow_private,
            lease_ms: self
                .outbox_lease_ms
                .unwrap_or(aftercart_app::notify::LEASE_MS)
                .clamp(5_000, 3_600_000),
        };
        let poll = std::time::Duration::from_millis(self.outbox_poll_ms.unwrap_or(200).clamp(10, 60_000));
        Ok(Notify {
            settings,
            channels: Channels {
                templates,
                branding: Branding {
                    seller_name,
                    primary_colour: self.brand_colour.clone().unwrap_or_else(|| "#1d4ed8".into()),
                    accent_colour: self.accent_colour.clone().unwrap_or_else(|| "#0f766e".into()),
                    portal_url,
                    from_address,
                },
                mailer,
                sms,
                webhooks,
                nats,
            },
            poll,
        })
    }
}
