//! The page access table, static assets and the 404 page.

use crate::both_stores;
use crate::harness::{AGENT, BUYER, FINANCE, OTHER, SUPPLIER, Session, TestWeb};
use aftercart_web::access::{Rule, rule};
use axum::http::StatusCode;

/// A concrete URL for a route pattern (any id: the guard runs before the handler looks).
fn concrete(path: &str) -> String {
    path.replace("{id}", "0193a0b0-0000-7000-8000-000000000000")
        .replace("{file}", "app.css")
}

#[tokio::test]
async fn every_page_has_a_rule_and_signed_in_pages_send_strangers_to_sign_in() {
    let t = TestWeb::sqlite_empty().await;
    let routes = aftercart_web::page_routes();
    assert!(routes.len() >= 12, "{routes:?}");
    for (method, path) in &routes {
        let r = rule(method, path).unwrap_or_else(|| panic!("{method} {path} has no rule"));
        if r == Rule::Public {
            continue;
        }
        let p = t.send(method.clone(), &concrete(path), Some(String::new()), &[]).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{method} {path} without a session");
        assert!(
            p.location().starts_with("/sign-in"),
            "{method} {path} → {}",
            p.location()
        );
    }
    // A rule no route uses would be a rule for nothing: every rule's pattern is registered.
    for (m, p) in [("GET", "/orders/{id}"), ("GET", "/invoices/{id}"), ("GET", "/console")] {
        assert!(routes.iter().any(|(rm, rp)| rm.as_str() == m && *rp == p));
    }
    // The next page survives the detour through sign-in, and only as a local path.
    let p = t.get("/orders?status=shipped", &Session::default()).await;
    assert_eq!(p.location(), "/sign-in?next=%2Forders%3Fstatus%3Dshipped");
    let form = t.get("/sign-in?next=//evil.example/x", &Session::default()).await.ok();
    assert_eq!(form.attrs("input[name=next]", "value"), vec![String::new()]);
}

#[tokio::test]
async fn stylesheet_is_content_hashed_and_cached_long() {
    let t = TestWeb::sqlite_empty().await;
    let page = t.get("/sign-in", &Session::default()).await.ok();
    let href = page.attrs("link[rel=stylesheet]", "href").pop().expect("a stylesheet");
    assert!(
        href.starts_with("/static/app.") && href.ends_with(".css") && href.len() > 25,
        "{href}"
    );
    let css = t.get(&href, &Session::default()).await.ok();
    assert_eq!(css.header("content-type"), "text/css; charset=utf-8");
    assert_eq!(css.header("cache-control"), "public, max-age=31536000, immutable");
    assert!(css.body.contains("@media print"));
    let stale = t.get("/static/app.0000000000000000.css", &Session::default()).await;
    assert_eq!(stale.status, StatusCode::NOT_FOUND);
    // No page loads anything from elsewhere: no absolute URLs in links, scripts or styles.
    for attr in ["href", "src"] {
        for v in page.attrs(&format!("[{attr}]"), attr) {
            assert!(v.starts_with('/') || v.starts_with('#'), "{attr}={v}");
        }
    }
    assert!(page.texts("script").is_empty(), "no script is needed");
}

/// Who may open which page: the role half of the table, page by page.
async fn pages_refuse_the_wrong_persona(t: TestWeb) {
    let buyer = t.sign_in(BUYER).await;
    let finance = t.sign_in(FINANCE).await;
    let agent = t.sign_in(AGENT).await;
    let supplier = t.sign_in(SUPPLIER).await;
    let other = t.sign_in(OTHER).await;
    let cases: [(&Session, &str, StatusCode); 12] = [
        (&buyer, "/dashboard", StatusCode::OK),
        (&buyer, "/orders", StatusCode::OK),
        (&buyer, "/invoices", StatusCode::FORBIDDEN),
        (&buyer, "/console", StatusCode::FORBIDDEN),
        (&finance, "/invoices", StatusCode::OK),
        (&agent, "/console", StatusCode::OK),
        (&agent, "/orders", StatusCode::OK),
        (&agent, "/invoices", StatusCode::OK),
        (&agent, "/dashboard", StatusCode::FORBIDDEN),
        (&supplier, "/orders", StatusCode::OK),
        (&supplier, "/invoices", StatusCode::FORBIDDEN),
        (&other, "/console", StatusCode::FORBIDDEN),
    ];
    for (s, path, want) in cases {
        let p = t.get(path, s).await;
        assert_eq!(p.status, want, "{path}: {}", p.body);
        if want == StatusCode::FORBIDDEN {
            assert_eq!(p.text("h1"), "You cannot use this page");
        }
    }
    // `/` takes each persona to its start page.
    assert_eq!(t.get("/", &buyer).await.location(), "/dashboard");
    assert_eq!(t.get("/", &agent).await.location(), "/console");
    assert_eq!(t.get("/", &supplier).await.location(), "/supplier");
    assert_eq!(t.get("/", &Session::default()).await.location(), "/sign-in");
    // An unknown page is the 404 page, in the viewer's layout.
    let p = t.get("/no-such-page", &buyer).await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    assert_eq!(p.text("h1"), "Page not found");
    assert_eq!(p.text(".who-name"), "Bea Buyer");
}

both_stores!(pages_refuse_the_wrong_persona);
