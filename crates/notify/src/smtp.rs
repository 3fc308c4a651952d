use std::fmt;
use std::time::Duration;

use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::error::SendError;
use crate::message::{Email, one_line};

/// Where and how to hand mail over.
///
/// `url` is one of:
/// - `smtps://host[:465]`: TLS from the first byte (implicit TLS);
/// - `smtp://host[:587]`: STARTTLS required (the default, so credentials never travel in clear);
/// - `smtp://host?tls=starttls`: STARTTLS when the server offers it, plain text otherwise;
/// - `smtp://host[:25]?tls=none`: plain text, for a relay on the same host or a test sink.
#[derive(Clone)]
pub struct SmtpConfig {
    pub url: String,
    pub username: Option<String>,
    pub password: Option<String>,
    /// For each SMTP command and the connection itself.
    pub timeout: Duration,
}

impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("url", &self.url)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// The configuration cannot work: no point retrying until it is changed.
#[derive(Debug, thiserror::Error)]
#[error("invalid SMTP configuration: {0}")]
pub struct ConfigError(String);

/// A pooled SMTP client: connections are reused across sends, and clones share the pool.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mailer").finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TlsMode {
    Implicit,
    Required,
    Opportunistic,
    None,
}

impl Mailer {
    /// Builds the transport; nothing connects until the first send. Must be called inside
    /// a Tokio runtime: the connection pool starts its idle-connection reaper task here.
    pub fn new(config: &SmtpConfig) -> Result<Self, ConfigError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(ConfigError(
                "Mailer::new must be called inside a Tokio runtime (the pool spawns a task)".into(),
            ));
        }
        let url =
            reqwest::Url::parse(&config.url).map_err(|e| ConfigError(format!("{:?} is not a URL: {e}", config.url)))?;
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| ConfigError("the SMTP URL has no host".into()))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        if !url.username().is_empty() || url.password().is_some() {
            return Err(ConfigError(
                "put SMTP credentials in username/password, not in the URL".into(),
            ));
        }
        let mut tls_param = None;
        for (key, value) in url.query_pairs() {
            match &*key {
                "tls" => tls_param = Some(value.into_owned()),
                other => return Err(ConfigError(format!("unknown SMTP URL parameter {other:?}"))),
            }
        }
        let mode = match (url.scheme(), tls_param.as_deref()) {
            ("smtps", None) => TlsMode::Implicit,
            ("smtps", Some(t)) => {
                return Err(ConfigError(format!(
                    "smtps:// is always implicit TLS; drop ?tls={t} or use smtp://"
                )));
            }
            ("smtp", None | Some("required")) => TlsMode::Required,
            ("smtp", Some("starttls")) => TlsMode::Opportunistic,
            ("smtp", Some("none")) => TlsMode::None,
            ("smtp", Some(t)) => {
                return Err(ConfigError(format!("tls={t:?}: expected starttls, required or none")));
            }
            (scheme, _) => {
                return Err(ConfigError(format!("scheme {scheme:?}: expected smtp:// or smtps://")));
            }
        };
        let port = url.port().unwrap_or(match mode {
            TlsMode::Implicit => 465,
            TlsMode::None => 25,
            TlsMode::Required | TlsMode::Opportunistic => 587,
        });
        let tls = match mode {
            TlsMode::None => Tls::None,
            _ => {
                let params = TlsParameters::new(host.clone()).map_err(|e| ConfigError(format!("TLS setup: {e}")))?;
                match mode {
                    TlsMode::Implicit => Tls::Wrapper(params),
                    TlsMode::Required => Tls::Required(params),
                    _ => Tls::Opportunistic(params),
                }
            }
        };

        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(port)
            .tls(tls)
            .timeout(Some(config.timeout))
            .pool_config(PoolConfig::new().max_size(4).idle_timeout(Duration::from_secs(60)));
        match (&config.username, &config.password) {
            (Some(user), Some(password)) => {
                builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
            }
            (None, None) => {}
            _ => {
                return Err(ConfigError("set both username and password, or neither".into()));
            }
        }
        Ok(Self {
            transport: builder.build(),
        })
    }

    /// Sends one email as multipart/alternative (text first, so clients that cannot show
    /// HTML show the text), with its own `Message-ID` and, for mail a person can opt out
    /// of, the RFC 8058 one-click unsubscribe headers.
    pub async fn send(&self, email: &Email, from: &str) -> Result<(), SendError> {
        let message = build_message(email, from)?;
        self.transport.send(message).await.map(|_| ()).map_err(classify)
    }
}

fn build_message(email: &Email, from: &str) -> Result<Message, SendError> {
    let from: Mailbox = from
        .parse()
        .map_err(|e| SendError::Permanent(format!("sender address {from:?}: {e}")))?;
    let to: Mailbox = email
        .to
        .parse()
        .map_err(|e| SendError::Permanent(format!("recipient address {:?}: {e}", email.to)))?;
    let message_id = format!("<{}@{}>", uuid::Uuid::now_v7().simple(), from.email.domain());
    let mut builder = Message::builder()
        .from(from)
        .to(to)
        .subject(one_line(&email.subject))
        .message_id(Some(message_id))
        .date_now();
    if let Some(url) = &email.unsubscribe_url {
        if !is_header_safe_url(url) {
            return Err(SendError::Permanent(format!(
                "unsubscribe URL {url:?} is not an absolute http(s) URL fit for a header"
            )));
        }
        builder = builder
            .header(ListUnsubscribe(format!("<{url}>")))
            .header(ListUnsubscribePost);
    }
    builder
        .multipart(MultiPart::alternative_plain_html(
            email.text.clone(),
            email.html.clone(),
        ))
        .map_err(|e| SendError::Permanent(format!("cannot build the message: {e}")))
}

/// RFC 8058 needs an https (or http) URI in angle brackets; anything that could break
/// out of them or out of the header line is refused.
fn is_header_safe_url(url: &str) -> bool {
    (url.starts_with("https://") || url.starts_with("http://"))
        && url.chars().all(|c| c.is_ascii_graphic() && c != '<' && c != '>')
}

/// 4xx replies and everything short of a reply (refused, reset, timed out, TLS) may
/// succeed later; 5xx replies and messages the client itself refused will not.
fn classify(e: lettre::transport::smtp::Error) -> SendError {
    let text = e.to_string();
    if e.is_permanent() || e.is_client() {
        SendError::Permanent(text)
    } else {
        SendError::Transient(text)
    }
}

#[derive(Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(s.to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

#[derive(Clone)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(url: &str) -> SmtpConfig {
        SmtpConfig {
            url: url.into(),
            username: None,
            password: None,
            timeout: Duration::from_secs(5),
        }
    }

    #[tokio::test]
    async fn urls_are_checked_when_the_mailer_is_built() {
        assert!(Mailer::new(&config("smtp://127.0.0.1:2525?tls=none")).is_ok());
        assert!(Mailer::new(&config("smtps://mail.example")).is_ok());
        assert!(Mailer::new(&config("smtp://mail.example?tls=required")).is_ok());
        assert!(Mailer::new(&config("smtp://mail.example?tls=maybe")).is_err());
        assert!(Mailer::new(&config("smtps://mail.example?tls=none")).is_err());
        assert!(Mailer::new(&config("http://mail.example")).is_err());
        assert!(Mailer::new(&config("smtp://u:p@mail.example")).is_err());
        assert!(Mailer::new(&config("smtp://mail.example?tsl=none")).is_err());
    }

    #[test]
    fn outside_a_runtime_the_mailer_is_refused_not_a_panic() {
        assert!(Mailer::new(&config("smtp://127.0.0.1:2525?tls=none")).is_err());
    }

    #[test]
    fn unsubscribe_urls_cannot_break_the_header() {
        assert!(is_header_safe_url("https://portal.example/u/abc?x=1"));
        assert!(!is_header_safe_url("https://portal.example/u>, <mailto:x@y"));
        assert!(!is_header_safe_url("https://portal.example/u\r\nBcc: x@y"));
        assert!(!is_header_safe_url("javascript:alert(1)"));
    }

    #[test]
    fn the_password_stays_out_of_debug_output() {
        let mut c = config("smtp://mail.example");
        c.password = Some("hunter2".into());
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
