//! Shared by the test modules: the adapter pointed at localstripe, charge requests, and a small
//! HTTP/1.1 server that records what it is sent (standing in for Stripe where localstripe cannot,
//! and receiving localstripe's webhooks).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aftercart_app::payments::provider::ChargeRequest;
use aftercart_payments::{Stripe, StripeConfig, testing};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

pub const WEBHOOK_SECRET: &str = "whsec_aftercart_payments_tests";

/// The adapter against localstripe; fails the test (naming the script) when it does not answer.
pub async fn localstripe() -> Stripe {
    let base = testing::base_url();
    testing::require_localstripe(&base).await;
    Stripe::new(StripeConfig::localstripe(base, testing::SECRET_KEY, WEBHOOK_SECRET)).expect("a valid config")
}

/// An object as localstripe holds it, read around the adapter: proves what the adapter sent.
pub async fn stored(path: &str) -> Value {
    let response = reqwest::Client::new()
        .get(format!("{}{path}", testing::base_url()))
        .bearer_auth(testing::SECRET_KEY)
        .send()
        .await
        .expect("localstripe answers");
    assert!(response.status().is_success(), "GET {path}: HTTP {}", response.status());
    response.json().await.expect("JSON")
}

/// Unique within the process and across runs (localstripe ignores it, the capture server reads it).
pub fn unique(prefix: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_nanos();
    format!("{prefix}_{nanos}_{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

pub fn now_unix() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("after 1970")
            .as_secs(),
    )
    .expect("fits")
}

pub fn request(customer: &str, method: &str, amount_minor: i64, currency: &str) -> ChargeRequest {
    ChargeRequest {
        idempotency_key: unique("pay"),
        customer: customer.to_owned(),
        method: method.to_owned(),
        amount_minor,
        currency: currency.to_owned(),
        description: "Invoice INV-2041".to_owned(),
        metadata: vec![
            ("payment_attempt".to_owned(), unique("pa")),
            ("account_number".to_owned(), "ACC-1001".to_owned()),
        ],
        off_session: false,
    }
}

/// Sorted, as the adapter returns metadata.
pub fn sorted(mut pairs: Vec<(String, String)>) -> Vec<(String, String)> {
    pairs.sort();
    pairs
}

/// One request as the capture server read it; header names lower-cased.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    pub fn form(&self) -> Vec<(String, String)> {
        serde_urlencoded::from_bytes(&self.body).expect("a form body")
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// What the server answers a request: `Some((status, JSON body))`, or `None` to never answer.
pub type Respond = dyn Fn(&Recorded) -> Option<(u16, String)> + Send + Sync;

pub struct Server {
    pub url: String,
    pub requests: mpsc::UnboundedReceiver<Recorded>,
}

impl Server {
    /// Serves on an ephemeral loopback port until the test's runtime ends.
    pub async fn start(respond: impl Fn(&Recorded) -> Option<(u16, String)> + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind a loopback port");
        let url = format!("http://{}", listener.local_addr().expect("bound"));
        let (sender, requests) = mpsc::unbounded_channel();
        let respond: Arc<Respond> = Arc::new(respond);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (sender, respond) = (sender.clone(), respond.clone());
                tokio::spawn(async move {
                    let (mut stream, recorded) = match read_request(stream).await {
                        Some(read) => read,
                        None => return,
                    };
                    let answer = respond(&recorded);
                    // Recorded before the answer goes out: once a call returns, the test can
                    // see every request it made.
                    let _ = sender.send(recorded);
                    match answer {
                        Some((status, body)) => {
                            let answer = format!(
                                "HTTP/1.1 {status} Canned\r\nContent-Type: application/json\r\n\
                                 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                                body.len()
                            );
                            let _ = stream.write_all(answer.as_bytes()).await;
                            let _ = stream.shutdown().await;
                        }
                        // Holds the connection open without a word, as a hung upstream would.
                        None => tokio::time::sleep(Duration::from_secs(60)).await,
                    }
                });
            }
        });
        Self { url, requests }
    }

    /// Everything received so far, without waiting.
    pub fn drain(&mut self) -> Vec<Recorded> {
        let mut all = Vec::new();
        while let Ok(recorded) = self.requests.try_recv() {
            all.push(recorded);
        }
        all
    }

    /// The next request, or `None` when none comes within `within`.
    pub async fn next(&mut self, within: Duration) -> Option<Recorded> {
        tokio::time::timeout(within, self.requests.recv()).await.ok().flatten()
    }
}

async fn read_request(mut stream: TcpStream) -> Option<(TcpStream, Recorded)> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let (method, path) = (request_line.next()?.to_owned(), request_line.next()?.to_owned());
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buffer[head_end + 4..].to_vec();
    while body.len() < length {
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..read]);
    }
    Some((
        stream,
        Recorded {
            method,
            path,
            headers,
            body,
        },
    ))
}
