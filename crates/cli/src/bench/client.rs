//! The HTTP side of the benchmark: the loopback guard and a thin JSON client for fixtures.

use reqwest::header::{ACCEPT_ENCODING, AUTHORIZATION, COOKIE, HeaderMap, HeaderValue, SET_COOKIE};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::net::IpAddr;
use std::time::Duration;

/// Whether a host (as written in a URL, IPv6 in brackets) names this machine.
fn literal_loopback(host: &str) -> Option<bool> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.parse::<IpAddr>().ok().map(|ip| ip.is_loopback())
}

/// Refuses anything but `http://` to a loopback address (127.0.0.0/8, ::1, or `localhost` that
/// resolves only to those). Returns the base URL without a trailing slash.
pub async fn loopback_base(url: &str) -> Result<String, String> {
    let u = reqwest::Url::parse(url).map_err(|e| format!("--url '{url}' is not a URL: {e}"))?;
    if u.scheme() != "http" {
        return Err(format!(
            "refusing --url '{url}': only http:// to a loopback address is allowed"
        ));
    }
    let host = u.host_str().unwrap_or("");
    let port = u.port_or_known_default().unwrap_or(80);
    match literal_loopback(host) {
        Some(true) => {}
        Some(false) => {
            return Err(format!(
                "refusing --url '{url}': {host} is not a loopback address (use 127.0.0.1, ::1 or localhost)"
            ));
        }
        None => {
            if !host.trim_end_matches('.').eq_ignore_ascii_case("localhost") {
                return Err(format!(
                    "refusing --url '{url}': {host} is not a loopback address (use 127.0.0.1, ::1 or localhost)"
                ));
            }
            let addrs: Vec<_> = tokio::net::lookup_host((host, port))
                .await
                .map_err(|e| format!("cannot resolve {host}: {e}"))?
                .collect();
            if addrs.is_empty() || addrs.iter().any(|a| !a.ip().is_loopback()) {
                return Err(format!(
                    "refusing --url '{url}': {host} resolves to a non-loopback address ({addrs:?})"
                ));
            }
        }
    }
    if u.path() != "/" || u.query().is_some() {
        return Err(format!(
            "--url '{url}': give only scheme, host and port, e.g. http://127.0.0.1:8080"
        ));
    }
    Ok(format!(
        "http://{}",
        u.host_str().map(|h| format!("{h}:{port}")).unwrap_or_default()
    ))
}

/// Refuses a PostgreSQL URL whose host is not loopback (SQLite files are local by nature).
pub fn check_db_loopback(db: &str) -> Result<(), String> {
    if !(db.starts_with("postgres://") || db.starts_with("postgresql://")) {
        return Ok(());
    }
    let u = reqwest::Url::parse(db).map_err(|e| format!("--db is not a URL: {e}"))?;
    let host = u.host_str().unwrap_or("");
    // No host means a Unix socket, which is local too.
    if host.is_empty() || host.eq_ignore_ascii_case("localhost") || literal_loopback(host) == Some(true) {
        Ok(())
    } else {
        Err(format!(
            "refusing --db: PostgreSQL host {host} is not a loopback address"
        ))
    }
}

/// One shared connection pool to the server under test, with the API key on every request.
#[derive(Clone)]
pub struct Api {
    pub http: reqwest::Client,
    pub base: String,
}

impl Api {
    pub fn new(base: String, key: &str, pool: usize) -> Result<Api, String> {
        let mut headers = HeaderMap::new();
        let mut auth = HeaderValue::from_str(&format!("Bearer {key}"))
            .map_err(|_| "--key contains characters not allowed in a header")?;
        auth.set_sensitive(true);
        headers.insert(AUTHORIZATION, auth);
        Self::build(base, headers, pool)
    }

    /// A client that sends a portal session cookie (`name=value`) and no API key, as a signed-in
    /// browser does; `accept_encoding` (e.g. `gzip, br`) is sent as is, and the body is never
    /// decoded (reqwest is built without decoders), so its length is what crossed the wire.
    pub fn with_cookie(base: String, cookie: &str, accept_encoding: Option<&str>, pool: usize) -> Result<Api, String> {
        let mut headers = HeaderMap::new();
        let mut c = HeaderValue::from_str(cookie).map_err(|_| "the session cookie is not a valid header value")?;
        c.set_sensitive(true);
        headers.insert(COOKIE, c);
        if let Some(e) = accept_encoding {
            headers.insert(
                ACCEPT_ENCODING,
                HeaderValue::from_str(e).map_err(|_| "--accept-encoding is not a valid header value")?,
            );
        }
        Self::build(base, headers, pool)
    }

    fn build(base: String, headers: HeaderMap, pool: usize) -> Result<Api, String> {
        let http = reqwest::Client::builder()
            // Never leave the machine: no proxies from the environment, no redirects elsewhere.
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .pool_max_idle_per_host(pool)
            .tcp_nodelay(true)
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Api { http, base })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn finish<T: DeserializeOwned>(
        what: &str,
        r: Result<reqwest::Response, reqwest::Error>,
    ) -> Result<T, String> {
        let r = r.map_err(|e| format!("{what}: {e}"))?;
        let status = r.status();
        let body = r
            .bytes()
            .await
            .map_err(|e| format!("{what}: reading the response: {e}"))?;
        if !status.is_success() {
            return Err(format!(
                "{what}: HTTP {status}: {}",
                short(&String::from_utf8_lossy(&body))
            ));
        }
        serde_json::from_slice(&body).map_err(|e| {
            format!(
                "{what}: unexpected response ({e}): {}",
                short(&String::from_utf8_lossy(&body))
            )
        })
    }

    /// A setup request (not measured): fails with the status and body on anything but 2xx.
    pub async fn post<T: DeserializeOwned>(&self, path: &str, body: &Value) -> Result<T, String> {
        Self::finish(
            &format!("POST {path}"),
            self.http.post(self.url(path)).json(body).send().await,
        )
        .await
    }

    pub async fn put<T: DeserializeOwned>(&self, path: &str, body: &Value) -> Result<T, String> {
        Self::finish(
            &format!("PUT {path}"),
            self.http.put(self.url(path)).json(body).send().await,
        )
        .await
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, String> {
        Self::finish(&format!("GET {path}"), self.http.get(self.url(path)).send().await).await
    }
}

/// The `name=value` pair of the portal session cookie in a `Set-Cookie` header value
/// (`__Host-aftercart_session`, or `aftercart_session` with dev cookies), if that is what it sets.
pub fn session_pair(set_cookie: &str) -> Option<String> {
    let pair = set_cookie.split(';').next()?.trim();
    let (name, value) = pair.split_once('=')?;
    (name.ends_with("aftercart_session") && !value.is_empty()).then(|| pair.to_owned())
}

/// Signs in with `POST /api/v1/session` (no API key) and returns the session cookie's
/// `name=value`, ready for a `Cookie` header.
pub async fn sign_in(base: &str, email: &str, password: &str) -> Result<String, String> {
    let http = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
    let r = http
        .post(format!("{base}/api/v1/session"))
        .json(&serde_json::json!({"email": email, "password": password}))
        .send()
        .await
        .map_err(|e| format!("signing in as {email}: {e}"))?;
    let status = r.status();
    let pair = r
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(session_pair);
    let body = r.bytes().await.unwrap_or_default();
    match pair {
        Some(p) if status.is_success() => Ok(p),
        _ => Err(format!(
            "signing in as {email}: HTTP {status} without a session cookie: {}",
            short(&String::from_utf8_lossy(&body))
        )),
    }
}

/// At most 400 characters of an error body, on one line.
pub fn short(s: &str) -> String {
    let one: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if one.chars().count() > 400 {
        format!("{}…", one.chars().take(400).collect::<String>())
    } else {
        one
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn only_loopback_urls_pass() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://127.1.2.3:1/",
            "http://[::1]:8080",
            "http://localhost:3000",
        ] {
            assert!(loopback_base(ok).await.is_ok(), "{ok}");
        }
        for bad in [
            "http://10.0.0.1:8080",
            "http://example.com",
            "https://127.0.0.1:8080",
            "http://[::ffff:8.8.8.8]:80",
            "http://0.0.0.0:8080",
            "http://127.0.0.1:8080/api",
            "not a url",
        ] {
            assert!(loopback_base(bad).await.is_err(), "{bad}");
        }
        assert_eq!(
            loopback_base("http://127.0.0.1:8080/").await.as_deref(),
            Ok("http://127.0.0.1:8080")
        );
        assert_eq!(loopback_base("http://[::1]:9/").await.as_deref(), Ok("http://[::1]:9"));
    }

    #[test]
    fn the_session_pair_is_taken_from_set_cookie() {
        assert_eq!(
            session_pair("__Host-aftercart_session=ses_abc; Path=/; HttpOnly; Secure; SameSite=Strict").as_deref(),
            Some("__Host-aftercart_session=ses_abc")
        );
        assert_eq!(
            session_pair("aftercart_session=ses_x;Path=/").as_deref(),
            Some("aftercart_session=ses_x")
        );
        assert_eq!(session_pair("aftercart_session=; Max-Age=0"), None);
        assert_eq!(session_pair("other=1; Path=/"), None);
        assert_eq!(session_pair("garbage"), None);
    }

    #[test]
    fn only_loopback_databases_pass() {
        assert!(check_db_loopback("sqlite:/tmp/x.db").is_ok());
        assert!(check_db_loopback("postgres://postgres@127.0.0.1:5432/test?options=-csearch_path%3Dx").is_ok());
        assert!(check_db_loopback("postgres://postgres@localhost/test").is_ok());
        assert!(check_db_loopback("postgres://postgres@db.example.com/test").is_err());
    }
}
