//! `bench weight`: what a browser transfers on the first load of a portal page, with an empty
//! cache: the page, every asset it links (stylesheets, scripts, images, icons, preloads), and the
//! `/favicon.ico` a browser asks for by itself when the page names no icon. Requests carry the
//! session cookie and `Accept-Encoding: gzip, br` as a browser's do; bodies are counted as
//! received (compressed when the server compressed them; never decoded here), response headers
//! as their HTTP/1.1 text. Each asset is also fetched uncompressed to report its raw size.

use super::client::{Api, loopback_base, short, sign_in};
use serde_json::{Value, json};

/// The demo's buyer (see `aftercart demo`).
const DEMO_BUYER: &str = "bea@northwind.example";
const MAX_PAGES: usize = 1_000;

#[derive(clap::Args)]
pub struct WeightArgs {
    /// Base URL of the server; only loopback addresses are accepted.
    #[arg(long)]
    url: String,
    /// The portal user to sign in as (default: the demo buyer, bea@northwind.example).
    #[arg(long)]
    user: Option<String>,
    /// The password of --user (default: the demo password).
    #[arg(long, env = "AFTERCART_BENCH_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// One page to weigh (a path, e.g. /dashboard). Default: the order pages of the user's
    /// newest --orders orders, reporting the heaviest.
    #[arg(long)]
    page: Option<String>,
    /// How many of the user's orders to weigh when --page is not given.
    #[arg(long, default_value_t = 200)]
    orders: usize,
    /// The Accept-Encoding a browser sends.
    #[arg(long, default_value = "gzip, br")]
    accept_encoding: String,
    /// The budget for everything transferred, in KiB (1,024 bytes).
    #[arg(long, default_value_t = 100)]
    budget_kib: u64,
    /// The budget for JavaScript transferred, in KiB.
    #[arg(long, default_value_t = 20)]
    js_budget_kib: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Stylesheet,
    Script,
    Image,
    Icon,
    Other,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Stylesheet => "stylesheet",
            Kind::Script => "script",
            Kind::Image => "image",
            Kind::Icon => "icon",
            Kind::Other => "other",
        }
    }
}

/// What a page links that a browser fetches on load, and its inline script.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Links {
    pub assets: Vec<(Kind, String)>,
    /// Bytes of `<script>` elements without `src` (JavaScript inside the page).
    pub inline_script_bytes: usize,
    /// Whether the page names an icon (`<link rel="icon">`); if not, browsers ask for
    /// `/favicon.ico`.
    pub has_icon: bool,
}

/// `&amp;`, `&quot;`, `&#39;`, `&lt;`, `&gt;` in an attribute value.
fn unescape(v: &str) -> String {
    v.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The attributes of a start tag's inside (after the name, up to `>`), names lower-cased.
fn attributes(s: &str) -> Vec<(String, String)> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'/' | b'>') {
            i += 1;
        }
        if start == i {
            i += 1;
            continue;
        }
        let name = s[start..i].to_ascii_lowercase();
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < b.len() && b[i] == b'=' {
            i += 1;
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                let q = b[i];
                let vs = i + 1;
                i = vs;
                while i < b.len() && b[i] != q {
                    i += 1;
                }
                value = unescape(&s[vs..i.min(b.len())]);
                i += 1;
            } else {
                let vs = i;
                while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                    i += 1;
                }
                value = unescape(&s[vs..i]);
            }
        }
        out.push((name, value));
    }
    out
}

/// Finds the assets a browser loads with the page: stylesheets and icons (`<link rel=…>`),
/// preloads (by their `as`), scripts (`<script src>`), images (`<img src>`, `<input type=image>`),
/// skipping comments. A lightweight scanner for the portal's own server-rendered HTML, not a
/// general HTML parser.
pub fn asset_links(html: &str) -> Links {
    let mut out = Links::default();
    let lower = html.to_ascii_lowercase();
    let mut i = 0;
    while let Some(off) = lower[i..].find('<') {
        let at = i + off;
        if lower[at..].starts_with("<!--") {
            i = lower[at..].find("-->").map_or(lower.len(), |e| at + e + 3);
            continue;
        }
        let name_end = lower[at + 1..]
            .find(|c: char| !c.is_ascii_alphanumeric())
            .map_or(lower.len(), |e| at + 1 + e);
        let name = &lower[at + 1..name_end];
        // The end of the start tag: the first `>` outside quotes.
        let mut end = name_end;
        let mut quote: Option<u8> = None;
        let bytes = html.as_bytes();
        while end < bytes.len() {
            match (quote, bytes[end]) {
                (None, b'>') => break,
                (None, q @ (b'"' | b'\'')) => quote = Some(q),
                (Some(q), c) if c == q => quote = None,
                _ => {}
            }
            end += 1;
        }
        let attrs = attributes(&html[name_end..end.min(html.len())]);
        let get = |k: &str| attrs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        match name {
            "link" => {
                let rel = get("rel").unwrap_or("").to_ascii_lowercase();
                let rels: Vec<&str> = rel.split_ascii_whitespace().collect();
                let kind = if rels.contains(&"stylesheet") {
                    Some(Kind::Stylesheet)
                } else if rels.iter().any(|r| *r == "icon" || *r == "apple-touch-icon") {
                    out.has_icon = true;
                    Some(Kind::Icon)
                } else if rels.contains(&"modulepreload") {
                    Some(Kind::Script)
                } else if rels.contains(&"preload") {
                    Some(match get("as").unwrap_or("") {
                        "script" => Kind::Script,
                        "style" => Kind::Stylesheet,
                        "image" => Kind::Image,
                        _ => Kind::Other,
                    })
                } else {
                    None
                };
                if let (Some(k), Some(href)) = (kind, get("href").filter(|h| !h.is_empty())) {
                    out.assets.push((k, href.to_owned()));
                }
            }
            "script" => match get("src").filter(|s| !s.is_empty()) {
                Some(src) => out.assets.push((Kind::Script, src.to_owned())),
                None => {
                    let body_start = (end + 1).min(lower.len());
                    let close = lower[body_start..]
                        .find("</script")
                        .map_or(lower.len(), |e| body_start + e);
                    out.inline_script_bytes += html[body_start..close].trim().len();
                    i = close;
                    continue;
                }
            },
            "img" => {
                if let Some(src) = get("src").filter(|s| !s.is_empty()) {
                    out.assets.push((Kind::Image, src.to_owned()));
                }
            }
            "input" if get("type").is_some_and(|t| t.eq_ignore_ascii_case("image")) => {
                if let Some(src) = get("src").filter(|s| !s.is_empty()) {
                    out.assets.push((Kind::Image, src.to_owned()));
                }
            }
            _ => {}
        }
        i = (end + 1).min(lower.len()).max(at + 1);
    }
    let mut seen = std::collections::HashSet::new();
    out.assets.retain(|(_, u)| seen.insert(u.clone()));
    out
}

/// The size of a response's status line and headers as HTTP/1.1 text.
pub fn header_bytes(status: reqwest::StatusCode, headers: &reqwest::header::HeaderMap) -> usize {
    let status_line = format!("HTTP/1.1 {status}\r\n").len();
    status_line
        + headers
            .iter()
            .map(|(n, v)| n.as_str().len() + 2 + v.len() + 2)
            .sum::<usize>()
        + 2
}

/// One response as fetched.
struct Got {
    status: u16,
    header_bytes: usize,
    body: Vec<u8>,
    content_type: String,
    encoding: Option<String>,
}

async fn get(client: &Api, path: &str) -> Result<Got, String> {
    let r = client
        .http
        .get(client.url(path))
        .send()
        .await
        .map_err(|e| format!("GET {path}: {e}"))?;
    let status = r.status();
    let header_bytes = header_bytes(status, r.headers());
    let h = |n| r.headers().get(n).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let content_type = h(reqwest::header::CONTENT_TYPE).unwrap_or_default();
    let encoding = h(reqwest::header::CONTENT_ENCODING);
    let body = r
        .bytes()
        .await
        .map_err(|e| format!("GET {path}: reading the body: {e}"))?
        .to_vec();
    Ok(Got {
        status: status.as_u16(),
        header_bytes,
        body,
        content_type,
        encoding,
    })
}

fn kib(b: usize) -> f64 {
    (b as f64 / 1024.0 * 10.0).round() / 10.0
}

pub async fn run(a: WeightArgs) -> Result<(), String> {
    if !(1..=MAX_PAGES).contains(&a.orders) {
        return Err(format!("--orders must be 1 to {MAX_PAGES}"));
    }
    let base = loopback_base(&a.url).await?;
    let user = a.user.clone().unwrap_or_else(|| DEMO_BUYER.to_owned());
    let password = a
        .password
        .clone()
        .unwrap_or_else(|| aftercart_app::demo::DEMO_PASSWORD.to_owned());
    let cookie = sign_in(&base, &user, &password).await?;
    let plain = Api::with_cookie(base.clone(), &cookie, None, 4)?;
    let enc = Api::with_cookie(base.clone(), &cookie, Some(&a.accept_encoding), 4)?;

    let pages: Vec<String> = match &a.page {
        Some(p) if p.starts_with('/') => vec![p.clone()],
        Some(p) => return Err(format!("--page '{p}' must be a path starting with /")),
        None => {
            let v: Value = plain.get(&format!("/api/v1/orders?limit={}", a.orders)).await?;
            let ids: Vec<String> = v["items"]
                .as_array()
                .map(|items| {
                    items
                        .iter()
                        .filter_map(|o| o["id"].as_str().map(|id| format!("/orders/{id}")))
                        .collect()
                })
                .unwrap_or_default();
            if ids.is_empty() {
                return Err(format!("{user} sees no orders: {}", short(&v.to_string())));
            }
            ids
        }
    };
    // The heaviest page as transferred.
    let mut heaviest: Option<(String, Got)> = None;
    let mut sizes = Vec::with_capacity(pages.len());
    for p in &pages {
        let g = get(&enc, p).await?;
        if g.status != 200 || !g.content_type.starts_with("text/html") {
            return Err(format!(
                "GET {p}: HTTP {} {} (is the session accepted?)",
                g.status, g.content_type
            ));
        }
        let t = g.header_bytes + g.body.len();
        sizes.push(t);
        if heaviest.as_ref().is_none_or(|(_, h)| h.header_bytes + h.body.len() < t) {
            heaviest = Some((p.clone(), g));
        }
    }
    let Some((page, html)) = heaviest else {
        return Err("no page to weigh".into());
    };
    sizes.sort_unstable();
    let raw_html = get(&plain, &page).await?;
    let text = String::from_utf8_lossy(&raw_html.body).into_owned();
    let links = asset_links(&text);
    let page_url =
        reqwest::Url::parse(&format!("{base}{page}")).map_err(|e| format!("{base}{page} is not a URL: {e}"))?;

    let mut rows = vec![json!({
        "url": page, "kind": "document", "status": html.status, "content_type": html.content_type,
        "encoding": html.encoding, "header_bytes": html.header_bytes, "body_bytes": html.body.len(),
        "raw_bytes": raw_html.body.len(),
    })];
    let mut total = html.header_bytes + html.body.len();
    let mut total_raw = raw_html.header_bytes + raw_html.body.len();
    let (mut js, mut js_raw) = (links.inline_script_bytes, links.inline_script_bytes);
    let mut external = Vec::new();
    let mut fetch: Vec<(Kind, String, bool)> = Vec::new();
    for (kind, href) in &links.assets {
        match page_url.join(href) {
            Ok(u) if u.origin() == page_url.origin() => {
                let path = match u.query() {
                    Some(q) => format!("{}?{q}", u.path()),
                    None => u.path().to_owned(),
                };
                fetch.push((*kind, path, false));
            }
            _ => external.push(href.clone()),
        }
    }
    if !links.has_icon {
        fetch.push((Kind::Icon, "/favicon.ico".to_owned(), true));
    }
    for (kind, path, implicit) in fetch {
        let g = get(&enc, &path).await?;
        let raw = get(&plain, &path).await?;
        let t = g.header_bytes + g.body.len();
        total += t;
        total_raw += raw.header_bytes + raw.body.len();
        let is_js = kind == Kind::Script || g.content_type.contains("javascript");
        if is_js {
            js += g.body.len();
            js_raw += raw.body.len();
        }
        rows.push(json!({
            "url": path, "kind": if is_js { "script" } else { kind.name() }, "status": g.status,
            "content_type": g.content_type, "encoding": g.encoding, "header_bytes": g.header_bytes,
            "body_bytes": g.body.len(), "raw_bytes": raw.body.len(), "implicit": implicit,
        }));
    }
    let met_total = total as u64 <= a.budget_kib * 1024;
    let met_js = js as u64 <= a.js_budget_kib * 1024;
    eprintln!(
        "first load of {page} as {user} (the heaviest of {} page(s); page sizes as transferred: min {} median {} max {} bytes):",
        pages.len(),
        sizes[0],
        sizes[sizes.len() / 2],
        sizes[sizes.len() - 1]
    );
    for r in &rows {
        eprintln!(
            "  {:<10} {:<48} HTTP {} {:<26} {:>8} bytes transferred ({} headers + {} body, {}), {} bytes uncompressed{}",
            r["kind"].as_str().unwrap_or(""),
            r["url"].as_str().unwrap_or(""),
            r["status"],
            r["content_type"].as_str().unwrap_or(""),
            r["header_bytes"].as_u64().unwrap_or(0) + r["body_bytes"].as_u64().unwrap_or(0),
            r["header_bytes"],
            r["body_bytes"],
            r["encoding"].as_str().unwrap_or("not compressed"),
            r["raw_bytes"],
            if r["implicit"] == true {
                " (asked for by the browser itself)"
            } else {
                ""
            }
        );
    }
    for e in &external {
        eprintln!("  external (not fetched, not counted): {e}");
    }
    eprintln!(
        "total: {total} bytes = {:.1} KiB transferred ({:.1} KiB uncompressed), budget {} KiB: {}; JavaScript: {js} bytes ({js_raw} uncompressed), budget {} KiB: {}",
        kib(total),
        kib(total_raw),
        a.budget_kib,
        if met_total { "met" } else { "NOT met" },
        a.js_budget_kib,
        if met_js { "met" } else { "NOT met" },
    );
    println!(
        "{}",
        json!({
            "scenario": "first-load", "page": page, "user": user, "pages_weighed": pages.len(),
            "accept_encoding": a.accept_encoding,
            "page_bytes": {"min": sizes[0], "median": sizes[sizes.len() / 2], "max": sizes[sizes.len() - 1]},
            "transferred_bytes": total, "transferred_kib": kib(total), "uncompressed_bytes": total_raw,
            "js_bytes": js, "js_uncompressed_bytes": js_raw, "inline_script_bytes": links.inline_script_bytes,
            "requests": rows.len(), "external": external,
            "budget_kib": a.budget_kib, "js_budget_kib": a.js_budget_kib,
            "met": met_total && met_js, "resources": rows,
        })
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_what_a_browser_loads() {
        let html = r#"<!DOCTYPE html><html><head>
<link rel="stylesheet" href="/static/app.abc.css">
<LINK REL='Stylesheet' HREF=/static/print.css media=print>
<link rel="canonical" href="/orders/1">
<link rel="preload" as="script" href="/static/a.js">
<link rel="shortcut icon" href="/favicon.png">
<!-- <script src="/commented.js"></script> -->
<script src="/static/app.js" defer></script>
<script>let a = "<b>";</script>
</head><body>
<a href="/orders/2">order</a>
<img alt="x > y" src="/img/logo.png?v=1&amp;w=2">
<input type="image" src="/img/go.png">
<img src="https://cdn.example.com/x.png">
<link rel="stylesheet" href="/static/app.abc.css">
</body></html>"#;
        let l = asset_links(html);
        assert_eq!(
            l.assets,
            vec![
                (Kind::Stylesheet, "/static/app.abc.css".to_owned()),
                (Kind::Stylesheet, "/static/print.css".to_owned()),
                (Kind::Script, "/static/a.js".to_owned()),
                (Kind::Icon, "/favicon.png".to_owned()),
                (Kind::Script, "/static/app.js".to_owned()),
                (Kind::Image, "/img/logo.png?v=1&w=2".to_owned()),
                (Kind::Image, "/img/go.png".to_owned()),
                (Kind::Image, "https://cdn.example.com/x.png".to_owned()),
            ]
        );
        assert_eq!(l.inline_script_bytes, r#"let a = "<b>";"#.len());
        assert!(l.has_icon);
    }

    #[test]
    fn a_page_without_links_or_icon() {
        let l = asset_links("<html><body><p>No assets <b>here</b></p><a href=/x>x</a></body></html>");
        assert_eq!(l, Links::default());
        // A truncated tag does not panic.
        let l = asset_links("<link rel=\"stylesheet\" href=\"/a.css");
        assert_eq!(l.assets, vec![(Kind::Stylesheet, "/a.css".to_owned())]);
        assert_eq!(asset_links("<").assets, vec![]);
        assert_eq!(
            asset_links("<script>never closed").inline_script_bytes,
            "never closed".len()
        );
    }

    #[test]
    fn attributes_unquoted_quoted_and_bare() {
        assert_eq!(
            attributes(r#" a=1 b="two words" c='x&amp;y' d"#),
            vec![
                ("a".to_owned(), "1".to_owned()),
                ("b".to_owned(), "two words".to_owned()),
                ("c".to_owned(), "x&y".to_owned()),
                ("d".to_owned(), String::new()),
            ]
        );
    }

    /// The server side of the budget: `compose()` compresses pages and the stylesheet and keeps
    /// their headers; it leaves the API alone.
    #[tokio::test]
    async fn the_portal_is_compressed_with_its_headers_and_the_api_is_not() {
        use tower::ServiceExt;
        let store = aftercart_store::Store::open("sqlite::memory:").await.expect("store");
        store.migrate().await.expect("migrate");
        let app = crate::compose(aftercart_api::ApiState {
            app: aftercart_app::App::new(store, std::sync::Arc::new(aftercart_app::SystemClock)),
            keys: std::sync::Arc::new(vec![]),
            dev_cookies: false,
        });
        let get = |path: &str, enc: &str| {
            axum::http::Request::builder()
                .uri(path)
                .header("accept-encoding", enc)
                .body(axum::body::Body::empty())
                .expect("request")
        };
        let body_len = |r: axum::response::Response| async move {
            axum::body::to_bytes(r.into_body(), 1 << 20).await.expect("body").len()
        };
        let css = aftercart_web::assets::css_url();
        let raw = app.clone().oneshot(get(&css, "identity")).await.expect("css");
        assert_eq!(raw.status(), 200);
        assert!(raw.headers().get("content-encoding").is_none());
        let raw_len = body_len(raw).await;
        for enc in ["gzip", "br"] {
            let r = app.clone().oneshot(get(&css, enc)).await.expect("css");
            let h = r.headers().clone();
            assert_eq!(r.status(), 200);
            assert_eq!(h["content-encoding"], enc);
            assert_eq!(h["content-type"], "text/css; charset=utf-8");
            assert_eq!(h["cache-control"], "public, max-age=31536000, immutable");
            assert_eq!(h["x-content-type-options"], "nosniff");
            assert_eq!(h["content-security-policy"], aftercart_api::PAGE_CSP);
            assert!(h["vary"].to_str().expect("vary").contains("accept-encoding"));
            let n = body_len(r).await;
            assert!(n * 2 < raw_len, "{enc}: {n} bytes of {raw_len}");
        }
        let page = app.clone().oneshot(get("/sign-in", "gzip, br")).await.expect("page");
        assert_eq!(page.status(), 200);
        assert_eq!(page.headers()["content-encoding"], "br");
        assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
        assert_eq!(page.headers()["x-frame-options"], "DENY");
        let api = app.oneshot(get("/api/v1/openapi.json", "gzip, br")).await.expect("api");
        assert_eq!(api.status(), 200);
        assert!(api.headers().get("content-encoding").is_none());
    }

    #[test]
    fn header_bytes_count_the_http1_text() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("content-length", "10".parse().expect("value"));
        // "HTTP/1.1 200 OK\r\n" (17) + "content-length: 10\r\n" (20) + "\r\n" (2)
        assert_eq!(header_bytes(reqwest::StatusCode::OK, &h), 39);
    }
}
