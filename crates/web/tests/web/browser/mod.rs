//! The real-browser suite: Debian's headless Chromium, driven over WebDriver (`chromedriver`,
//! started here on a free port, killed on drop), walks the portal's journeys as the demo personas
//! against the portal served for real on 127.0.0.1 (an App on a fresh SQLite file loaded with the
//! demo data). Every visited page is checked with axe-core (serious and critical violations fail
//! the suite). With `AFTERCART_SCREENSHOTS=1` it also writes the screenshots in docs/screenshots/.
//!
//! One browser session serves every journey (cookies are cleared between them) to stay fast, so
//! the journeys run inside ONE test: each journey runs to its end or its first failed assertion,
//! the next one starts regardless, and the test fails naming every journey that failed. Run just
//! this suite with `cargo test -p aftercart-web --test web -- browser`; its dependencies come from
//! `scripts/browser-deps.sh` (the test command runs it). Without chromedriver the test FAILS.
//!
//! The assertions read what the application layer answers for the same records (the status
//! sentence, the line numbers, the match explanation), so they do not depend on page markup
//! beyond what a reader sees: text, links, labels, focus.

use aftercart_app::{App, Ctx, FixedClock, ListFilter, demo};
use aftercart_domain::ids::{InvoiceId, OrderId};
use aftercart_store::Store;
use aftercart_web::{WebState, router};
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use futures_util::FutureExt;
use serde_json::{Value, json};
use std::net::{SocketAddr, TcpListener as StdListener, TcpStream};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use time::macros::datetime;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The driver to start: `AFTERCART_CHROMEDRIVER` or Debian's.
fn chromedriver_path() -> String {
    std::env::var("AFTERCART_CHROMEDRIVER").unwrap_or_else(|_| CHROMEDRIVER.into())
}
const BUYER: &str = "bea@northwind.example";
const FINANCE: &str = "fin@northwind.example";
/// The wrong-password journey signs in as a user no other journey needs (failed attempts may
/// throttle a user's sign-in).
const APPROVER: &str = "ana@northwind.example";
const WIDE: u32 = 1280;

// Journeys of each area live in their own child module (they see this module's private helpers).
// -- journey modules --
mod console;
use console::{agent_searches_tracking_and_opens_the_customer, consumer_tracks_a_parcel};
mod lists; // -- reorder and saved lists --
use lists::buyer_reorders_and_keeps_a_list;
mod admin;
use admin::admin_invites_a_user;
mod approvals; // -- approvals and spend --
use approvals::approver_approves_with_comment;
mod supplier; // -- supplier portal and shipments --
use supplier::supplier_ships_a_line;
// -- cases --
mod cases;
use cases::buyer_asks_and_an_agent_answers;
// -- /cases --
// -- returns --
mod returns;
use returns::buyer_returns_damaged_goods;
// -- /returns --
// -- exceptions --
mod exceptions;
use exceptions::agent_works_the_exception_queue;
// -- /exceptions --
// -- change requests --
mod changes;
use changes::buyer_changes_an_order_partly_picked;
// -- /change requests --
// -- notifications --
mod notifications;
use notifications::buyer_reads_notifications_and_marks_one_read;
// -- /notifications --
// -- receivables --
mod receivables;
use receivables::finance_pays_two_invoices_one_partly;
// -- /receivables --
const NARROW: u32 = 320;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `chromedriver` as a child process (in its own process group, so a terminal's Ctrl-C reaches
/// the test first); dropping it kills it.
struct Chromedriver {
    child: Child,
    port: u16,
}

impl Chromedriver {
    fn start() -> Chromedriver {
        use std::os::unix::process::CommandExt;
        let port = StdListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let exe = chromedriver_path();
        let mut child = Command::new(&exe)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start {exe} ({e}); run scripts/browser-deps.sh to install chromium-driver")
            });
        let until = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                panic!("{exe} exited at start ({status})");
            }
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            assert!(
                Instant::now() < until,
                "{exe} did not listen on port {port} within 20 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Chromedriver { child, port }
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        // Chromium itself ends with the WebDriver session (`Client::close`, always called).
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The portal served for real, on demo data.
struct Portal {
    app: App,
    /// The app's clock (held still; a journey may move it on).
    clock: Arc<FixedClock>,
    base: String,
    server: tokio::task::JoinHandle<()>,
    dir: PathBuf,
}

impl Drop for Portal {
    fn drop(&mut self) {
        self.server.abort();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Portal {
    async fn start() -> Portal {
        // In memory when the machine has /dev/shm: the demo load's fsyncs then cost nothing
        // (about 6 s instead of 19 s on the 2-core machine).
        let shm = Path::new("/dev/shm");
        let tmp = if shm.is_dir() {
            shm.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        let dir = tmp.join(format!("aftercart-browser-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let store = Store::open(&format!("sqlite:{}", dir.join("demo.db").display()))
            .await
            .expect("open sqlite");
        store.migrate().await.expect("migrate sqlite");
        // A fixed clock (the in-process tests' moment): the same demo data, journeys and
        // screenshots on every run. The session cookie's lifetime is relative (Max-Age), so a
        // clock that does not move is fine for the browser.
        let clock = Arc::new(FixedClock::new(datetime!(2026-11-20 15:00 UTC)));
        // Paying online goes through localstripe, as in the in-process tests.
        let app = crate::harness::with_stripe(App::new(store, clock.clone()));
        let t = Instant::now();
        let summary = demo::load(&app).await.expect("load the demo data");
        // The demo's history reaches nobody's bell (as in the in-process tests).
        crate::harness::settle_outbox(&app).await;
        eprintln!(
            "browser: demo data loaded in {:.1}s ({} orders)",
            t.elapsed().as_secs_f64(),
            summary.orders
        );
        // As `aftercart serve` serves the pages: with the security headers (CSP, no-referrer),
        // under which the browser's own form posts carry `Origin: null`.
        let web = aftercart_api::with_security_headers(
            router(WebState {
                app: app.clone(),
                // Plain http://127.0.0.1: the session cookie without `Secure`.
                dev_cookies: true,
            }),
            aftercart_api::PAGE_CSP,
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, web.into_make_service_with_connect_info::<SocketAddr>()).await;
        });
        Portal {
            app,
            clock,
            base,
            server,
            dir,
        }
    }
}

/// The records the journeys open, found through the application layer (as the system).
struct Fixture {
    account: aftercart_domain::ids::AccountId,
    /// A Northwind order with one line partly shipped (with a tracking link) and one line with
    /// quantity backordered.
    split_order: OrderId,
    split_number: String,
    /// A Northwind invoice whose match report finds differences.
    mismatch: InvoiceId,
    mismatch_number: String,
}

async fn northwind(app: &App) -> aftercart_domain::ids::AccountId {
    let ctx = Ctx::system();
    let accounts = app
        .list_accounts(
            &ctx,
            &ListFilter {
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .expect("accounts");
    accounts
        .items
        .iter()
        .find(|a| a.value.name == "Northwind Clinics")
        .map(|a| a.value.id)
        .expect("the demo's Northwind Clinics account")
}

async fn fixture(app: &App) -> Fixture {
    let ctx = Ctx::system();
    let account = northwind(app).await;
    let orders = app
        .list_orders(
            &ctx,
            &ListFilter {
                account_id: Some(account),
                status: Some("partially_shipped".into()),
                limit: 500,
                ..Default::default()
            },
        )
        .await
        .expect("orders");
    // Best: a tracked shipment and a backordered line; else a tracked shipment and quantity
    // still to ship (the demo's states move with the clock).
    let (mut best, mut fallback) = (None, None);
    let mut seen = Vec::new();
    for o in &orders.items {
        let s = app.order_status(&ctx, o.value.id).await.expect("status");
        let tracked = s
            .view
            .lines
            .iter()
            .any(|l| l.shipped.iter().any(|p| p.tracking_url.is_some()));
        let backordered = s.view.lines.iter().any(|l| !l.ledger.backordered.is_zero());
        let unshipped = s.view.lines.iter().any(|l| !l.unshipped.is_empty());
        seen.push(format!(
            "{} tracked={tracked} backordered={backordered}",
            o.value.number
        ));
        let pick = (o.value.id, o.value.number.clone());
        if tracked && backordered {
            best = Some(pick);
            break;
        }
        if tracked && unshipped && fallback.is_none() {
            fallback = Some(pick);
        }
    }
    if best.is_none() {
        eprintln!("browser: no tracked + backordered Northwind order; using a tracked one with quantity to ship");
    }
    let (split_order, split_number) = best
        .or(fallback)
        .unwrap_or_else(|| panic!("the demo has no split Northwind order; partially shipped ones: {seen:?}"));
    let invoices = app
        .list_invoices(
            &ctx,
            &ListFilter {
                account_id: Some(account),
                limit: 500,
                ..Default::default()
            },
        )
        .await
        .expect("invoices");
    let mut mismatch = None;
    for i in &invoices.items {
        let m = app.invoice_match(&ctx, i.value.id).await.expect("match");
        if !m.report.matches {
            mismatch = Some((i.value.id, i.value.number.clone()));
            break;
        }
    }
    let (mismatch, mismatch_number) = mismatch.expect("the demo has a Northwind invoice that does not match");
    Fixture {
        account,
        split_order,
        split_number,
        mismatch,
        mismatch_number,
    }
}

/// One browser session, shared by the journeys.
struct Browser {
    c: Client,
    base: String,
    axe: String,
    screenshots: Option<PathBuf>,
    /// Serious or critical axe-core violations, one line each: page, rule, selector.
    violations: Vec<String>,
    audited: Vec<String>,
}

async fn connect(driver: &Chromedriver, profile: &Path) -> Client {
    let caps = json!({
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                format!("--user-data-dir={}", profile.display()),
                format!("--window-size={WIDE},900"),
            ],
        }
    });
    let caps = match caps {
        Value::Object(m) => m,
        _ => unreachable!(),
    };
    // Two rustls crypto providers are linked into this test binary (fantoccini's aws-lc-rs and
    // the notification transports' ring): name one, or rustls refuses to choose.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = ClientBuilder::rustls().expect("rustls connector");
    builder
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .unwrap_or_else(|e| panic!("cannot open a Chromium session through chromedriver: {e}"))
}

impl Browser {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn goto(&self, path: &str) {
        self.c.goto(&self.url(path)).await.expect("navigate");
    }

    async fn path(&self) -> String {
        let u = self.c.current_url().await.expect("url");
        match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_owned(),
        }
    }

    async fn js(&self, script: &str) -> Value {
        self.c.execute(script, vec![]).await.expect("script")
    }

    /// What a reader sees of the page's main content.
    async fn text(&self) -> String {
        self.js("return document.body.innerText")
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// A new visitor: no cookies, wide window, on the sign-in page.
    async fn reset(&self) {
        self.goto("/sign-in").await;
        self.c.delete_all_cookies().await.expect("clear cookies");
        self.c.set_window_size(WIDE, 900).await.expect("window size");
    }

    async fn type_into(&self, id: &str, text: &str) {
        let el = self
            .c
            .find(Locator::Id(id))
            .await
            .unwrap_or_else(|e| panic!("no #{id}: {e}"));
        el.clear().await.expect("clear");
        el.send_keys(text).await.expect("type");
    }

    /// Marks the current document, so [`Browser::wait_new_page`] can tell when it is replaced.
    async fn mark(&self) {
        self.js("window.__aftercartOld = true").await;
    }

    /// Waits (at most 15 s) until the marked document is replaced by a fully loaded one.
    async fn wait_new_page(&self) {
        let until = Instant::now() + Duration::from_secs(15);
        loop {
            let v = self
                .c
                .execute(
                    "return !window.__aftercartOld && document.readyState === 'complete'",
                    vec![],
                )
                .await;
            if v.is_ok_and(|v| v == Value::Bool(true)) {
                return;
            }
            assert!(
                Instant::now() < until,
                "no new page within 15 s (at {})",
                self.path().await
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Clicks an element that navigates (a link, a form's button) and waits for the new page.
    async fn nav(&self, el: fantoccini::elements::Element) {
        self.mark().await;
        el.click().await.expect("click");
        self.wait_new_page().await;
    }

    /// Signs in through the form (mouse-free but not keyboard-only; see the keyboard journey).
    async fn sign_in(&self, email: &str) {
        self.goto("/sign-in").await;
        self.type_into("email", email).await;
        self.type_into("password", demo::DEMO_PASSWORD).await;
        let button = self
            .c
            .find(Locator::Css("main form button[type=submit]"))
            .await
            .expect("sign-in button");
        self.nav(button).await;
        let path = self.path().await;
        assert!(
            !path.starts_with("/sign-in"),
            "signing in as {email} stayed on {path}: {}",
            self.text().await
        );
    }

    async fn active_id(&self) -> String {
        self.js("const a = document.activeElement; return a ? (a.id || a.tagName + ':' + (a.textContent || '').trim()) : ''")
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    async fn press(&self, key: Key) {
        self.c
            .active_element()
            .await
            .expect("focused element")
            .send_keys(&key)
            .await
            .expect("key");
    }

    /// Presses Tab until the element `#id` has focus (at most `max` presses); returns the focus
    /// stops passed on the way.
    async fn tab_to(&self, id: &str, max: usize) -> Vec<String> {
        let mut seen = Vec::new();
        for _ in 0..max {
            self.press(Key::Tab).await;
            let a = self.active_id().await;
            if a == id {
                return seen;
            }
            seen.push(a);
        }
        panic!("Tab never reached #{id} in {max} presses; focus went through {seen:?}");
    }

    /// Follows the link whose text is `text` on the current page; fails when there is none.
    async fn click_link(&self, text: &str) {
        match self.c.find(Locator::LinkText(text)).await {
            Ok(link) => self.nav(link).await,
            Err(_) => panic!("no link '{text}' on {}", self.path().await),
        }
    }

    /// Follows the link `text` on this list page, or on the next ones through "Next page"
    /// (at most `pages` pages), as a reader looking for a record would.
    async fn open_from_list(&self, text: &str, pages: usize) {
        for _ in 0..pages {
            if let Ok(link) = self.c.find(Locator::LinkText(text)).await {
                self.nav(link).await;
                return;
            }
            match self.c.find(Locator::Css("a[rel=next]")).await {
                Ok(next) => self.nav(next).await,
                Err(_) => panic!("'{text}' is on no page of the list (last: {})", self.path().await),
            }
        }
        panic!("'{text}' is not on the first {pages} pages of the list");
    }

    /// From an orders list: filters on "partially shipped" with the list's form and opens the
    /// split order, paging on when it is not on the first page (newest first).
    async fn open_split_order(&self, f: &Fixture) {
        let b = self;
        b.c.find(Locator::Id("status"))
            .await
            .expect("the orders list's status filter")
            .select_by_value("partially_shipped")
            .await
            .expect("a 'partially shipped' choice");
        let button =
            b.c.find(Locator::XPath(
                "//select[@id='status']/ancestor::form//button[@type='submit']",
            ))
            .await
            .expect("the filter's button");
        b.nav(button).await;
        assert!(
            b.path().await.contains("status=partially_shipped"),
            "the filter form sends the status: {}",
            b.path().await
        );
        b.open_from_list(&f.split_number, 5).await;
        assert_eq!(b.path().await, format!("/orders/{}", f.split_order.0));
    }

    /// Runs axe-core on the current page and records its serious and critical violations.
    async fn audit(&mut self, page: &str) {
        let loaded = self.js("return typeof window.axe === 'object'").await;
        if loaded != Value::Bool(true) {
            self.c.execute(&self.axe, vec![]).await.expect("inject axe-core");
        }
        let r = self
            .c
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
                window.axe.run(document, { resultTypes: ['violations'] })
                  .then(r => done({ passed: r.passes.length, violations: r.violations
                    .filter(v => v.impact === 'serious' || v.impact === 'critical')
                    .map(v => ({ id: v.id, impact: v.impact, help: v.help,
                                 nodes: v.nodes.map(n => n.target.join(' ')) })) }))
                  .catch(e => done({ error: String(e) }));"#,
                vec![],
            )
            .await
            .expect("axe.run");
        if let Some(e) = r.get("error") {
            panic!("axe-core failed on {page}: {e}");
        }
        assert!(
            r["passed"].as_u64().is_some_and(|n| n > 0),
            "axe-core checked no rule on {page}: {r}"
        );
        let path = self.path().await;
        for v in r["violations"].as_array().into_iter().flatten() {
            let nodes: Vec<&str> = v["nodes"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|n| n.as_str())
                .collect();
            self.violations.push(format!(
                "{page} ({path}): {} [{}] {} — {}",
                v["id"].as_str().unwrap_or("?"),
                v["impact"].as_str().unwrap_or("?"),
                v["help"].as_str().unwrap_or(""),
                nodes.join(", ")
            ));
        }
        self.audited.push(format!("{page} ({path})"));
    }

    /// With AFTERCART_SCREENSHOTS=1: the whole page at 1280 and at 320 px wide, as
    /// docs/screenshots/<name>-<width>.png.
    async fn shoot(&self, name: &str) {
        let Some(dir) = &self.screenshots else { return };
        for w in [WIDE, NARROW] {
            self.c.set_window_size(w, 900).await.expect("window size");
            // The window's height is the page's plus what the window keeps for itself.
            let h = self
                .js("return document.documentElement.scrollHeight + window.outerHeight - window.innerHeight")
                .await
                .as_u64()
                .unwrap_or(900);
            self.c
                .set_window_size(w, h.clamp(600, 6000) as u32)
                .await
                .expect("window size");
            let png = self.c.screenshot().await.expect("screenshot");
            let file = dir.join(format!("{name}-{w}.png"));
            std::fs::write(&file, png).unwrap_or_else(|e| panic!("writing {}: {e}", file.display()));
        }
        self.c.set_window_size(WIDE, 900).await.expect("window size");
    }

    /// Every body row of every table in `main`, as column header -> cell text.
    async fn table_rows(&self) -> Vec<std::collections::BTreeMap<String, String>> {
        let v = self
            .js(r#"const out = [];
                for (const t of document.querySelectorAll('main table')) {
                  const heads = Array.from(t.querySelectorAll('thead th')).map(h => h.innerText.trim());
                  for (const r of t.querySelectorAll('tbody tr')) {
                    const cells = Array.from(r.children);
                    if (cells.length !== heads.length) continue;
                    const row = {};
                    cells.forEach((c, i) => { row[heads[i]] = c.innerText.trim(); });
                    out.push(row);
                  }
                }
                return out;"#)
            .await;
        serde_json::from_value(v).expect("rows")
    }

    /// The page's width in CSS pixels and its scroll width, at the current window size.
    async fn widths(&self) -> (u64, u64) {
        let v = self
            .js("return [window.innerWidth, document.documentElement.scrollWidth]")
            .await;
        (v[0].as_u64().unwrap_or(0), v[1].as_u64().unwrap_or(u64::MAX))
    }
}

// --- Journeys -------------------------------------------------------------------------------

/// A buyer signs in with the keyboard alone (Tab to each field, type, Enter) and lands on the
/// dashboard, which says who is signed in.
async fn buyer_signs_in_with_keyboard(b: &mut Browser, _f: &Fixture) {
    b.goto("/").await;
    assert_eq!(b.path().await, "/sign-in", "a visitor is sent to sign in");
    b.audit("sign-in").await;
    // The first Tab stop is the skip link; the form's fields follow in order.
    b.c.find(Locator::Css("body")).await.expect("body");
    b.js("document.activeElement && document.activeElement.blur(); window.focus();")
        .await;
    let passed = b.tab_to("email", 8).await;
    assert!(
        passed.first().is_some_and(|s| s.contains("Skip to main content")),
        "the first Tab stop should be the skip link; it was {passed:?}"
    );
    b.c.active_element()
        .await
        .expect("email")
        .send_keys(BUYER)
        .await
        .expect("type");
    b.press(Key::Tab).await;
    assert_eq!(
        b.active_id().await,
        "password",
        "Tab from the email field goes to the password"
    );
    b.c.active_element()
        .await
        .expect("password")
        .send_keys(demo::DEMO_PASSWORD)
        .await
        .expect("type");
    b.mark().await;
    b.press(Key::Enter).await;
    b.wait_new_page().await;
    assert_eq!(b.path().await, "/dashboard", "a buyer starts on the dashboard");
    let text = b.text().await;
    assert!(text.contains("Bea Buyer"), "the header says who is signed in: {text}");
    assert!(
        text.contains("Northwind Clinics"),
        "the header names the account: {text}"
    );
    b.audit("dashboard").await;
    b.shoot("dashboard").await;
}

/// "Did this ship?": the buyer opens a split order from the orders list and reads the status
/// sentence, each line's shipped and backordered quantities, and the shipment's tracking link.
async fn buyer_reads_did_this_ship(b: &mut Browser, f: &Fixture, app: &App) {
    b.sign_in(BUYER).await;
    b.click_link("Orders").await;
    assert!(
        b.path().await.starts_with("/orders"),
        "the Orders link opens the orders list"
    );
    b.audit("orders list").await;
    b.open_split_order(f).await;
    let s = app.order_status(&Ctx::system(), f.split_order).await.expect("status");
    let text = b.text().await;
    assert!(text.contains(&f.split_number), "the order page names the order");
    assert!(
        text.contains(&s.view.sentence),
        "the order page shows the status sentence «{}»; page text:\n{text}",
        s.view.sentence
    );
    // Each line's row shows its shipped and backordered quantities, read as a screen reader
    // reads a table: the cell under the column header "Shipped" / "Backordered".
    let rows = b.table_rows().await;
    for l in &s.view.lines {
        let row = rows
            .iter()
            .find(|r| r.get("Item").is_some_and(|i| i.contains(&l.sku)) && r.contains_key("Backordered"))
            .unwrap_or_else(|| {
                panic!(
                    "no row with column 'Item' showing line {} ({}); rows: {rows:?}",
                    l.line, l.sku
                )
            });
        for (col, q) in [("Shipped", l.ledger.shipped), ("Backordered", l.ledger.backordered)] {
            let cell = row.get(col).map(|c| c.replace([',', '\u{202f}', '\u{a0}', ' '], ""));
            assert!(
                cell.as_deref() == Some(q.to_string().as_str()),
                "line {} ({}) should show {col} {q}; its row reads {row:?}",
                l.line,
                l.sku
            );
        }
    }
    // Every tracked shipment has its carrier's tracking link.
    for p in s.view.lines.iter().flat_map(|l| &l.shipped) {
        if let Some(url) = &p.tracking_url {
            let links =
                b.c.find_all(Locator::Css(&format!("a[href=\"{url}\"]")))
                    .await
                    .expect("links");
            assert!(
                !links.is_empty(),
                "no tracking link to {url} for shipment {}",
                p.shipment_id.0
            );
        }
    }
    b.audit("order detail").await;
    b.shoot("order-detail").await;
}

/// Finance opens a non-matching invoice from the invoices list and reads why it does not match.
async fn finance_reads_why_invoice_does_not_match(b: &mut Browser, f: &Fixture, app: &App) {
    b.sign_in(FINANCE).await;
    b.click_link("Invoices").await;
    assert!(
        b.path().await.starts_with("/invoices"),
        "the Invoices link opens the invoices list"
    );
    b.audit("invoices list").await;
    b.open_from_list(&f.mismatch_number, 10).await;
    assert_eq!(b.path().await, format!("/invoices/{}", f.mismatch.0));
    let m = app.invoice_match(&Ctx::system(), f.mismatch).await.expect("match");
    let text = b.text().await;
    assert!(text.contains(&f.mismatch_number), "the invoice page names the invoice");
    assert!(
        text.contains(&m.report.summary),
        "the invoice page shows the match summary «{}»; page text:\n{text}",
        m.report.summary
    );
    for d in m
        .report
        .header
        .iter()
        .chain(m.report.lines.iter().flat_map(|l| &l.discrepancies))
    {
        assert!(
            text.contains(&d.explanation),
            "the invoice page explains {} «{}»; page text:\n{text}",
            d.kind.as_str(),
            d.explanation
        );
    }
    b.audit("invoice detail").await;
    b.shoot("invoice-detail").await;
}

/// A wrong password re-renders the form with an error summary whose link moves focus to the
/// field at fault, and the email address kept.
async fn wrong_password_shows_error_summary(b: &mut Browser, _f: &Fixture) {
    b.goto("/sign-in").await;
    b.type_into("email", APPROVER).await;
    b.type_into("password", "not-the-password").await;
    let button =
        b.c.find(Locator::Css("main form button[type=submit]"))
            .await
            .expect("button");
    b.nav(button).await;
    assert!(
        b.path().await.starts_with("/sign-in"),
        "a refused sign-in stays on the form"
    );
    let summary =
        b.c.find(Locator::Css(".error-summary"))
            .await
            .expect("an error summary after a wrong password");
    let s = summary.text().await.expect("summary text");
    assert!(s.contains("There is a problem"), "the summary's heading: {s}");
    let link = summary
        .find(Locator::Css("a[href^='#']"))
        .await
        .expect("a link in the summary");
    let href = link.attr("href").await.expect("href").unwrap_or_default();
    let field = href.trim_start_matches('#').to_owned();
    assert!(
        b.c.find(Locator::Id(&field)).await.is_ok(),
        "the summary links to {href}, which is no field on the page"
    );
    let kept =
        b.c.find(Locator::Id("email"))
            .await
            .expect("email")
            .prop("value")
            .await
            .expect("value");
    assert_eq!(kept.as_deref(), Some(APPROVER), "the email address is kept");
    let described =
        b.c.find(Locator::Id(&field))
            .await
            .expect("field")
            .attr("aria-describedby")
            .await
            .expect("attr");
    assert!(
        described.is_some(),
        "the field at fault is described by its error message"
    );
    link.click().await.expect("follow the summary link");
    assert_eq!(
        b.active_id().await,
        field,
        "the summary's link puts focus on the field at fault"
    );
    b.audit("sign-in with an error").await;
}

/// A seller's service agent starts on the console, opens a customer's orders from it and sees
/// the same "did this ship?" answer the buyer sees.
async fn agent_opens_customer_order_from_console(b: &mut Browser, f: &Fixture, app: &App) {
    b.sign_in(demo::DEMO_AGENT.0).await;
    assert_eq!(b.path().await, "/console", "staff start on the service console");
    let text = b.text().await;
    assert!(
        text.contains("Northwind Clinics"),
        "the console lists the customers: {text}"
    );
    b.audit("service console").await;
    let link =
        b.c.find(Locator::Css(&format!(
            "main a[href=\"/orders?account={}\"]",
            f.account.0
        )))
        .await
        .expect("a link to Northwind Clinics' orders");
    b.nav(link).await;
    b.open_split_order(f).await;
    let s = app.order_status(&Ctx::system(), f.split_order).await.expect("status");
    let text = b.text().await;
    assert!(
        text.contains(&s.view.sentence),
        "the agent sees the buyer's status sentence «{}»; page text:\n{text}",
        s.view.sentence
    );
}

/// At 320 px wide the order page (and the dashboard and invoice) need no horizontal scrolling.
async fn pages_fit_320_px(b: &mut Browser, f: &Fixture) {
    let mut wide = Vec::new();
    let buyer = [
        format!("/orders/{}", f.split_order.0),
        "/dashboard".into(),
        "/orders".into(),
        "/shipments".into(),
        "/lists".into(),
        "/track".into(),
    ];
    let agent = [
        "/console".into(),
        "/search?q=northwind".into(),
        format!("/console/accounts/{}", f.account.0),
    ];
    for (who, paths) in [(BUYER, &buyer[..]), (demo::DEMO_AGENT.0, &agent[..])] {
        b.reset().await;
        b.c.set_window_size(WIDE, 900).await.expect("window size");
        b.sign_in(who).await;
        b.c.set_window_size(NARROW, 800).await.expect("window size");
        for path in paths {
            b.goto(path).await;
            let (inner, scroll) = b.widths().await;
            assert_eq!(
                inner,
                u64::from(NARROW),
                "the window is {NARROW} px wide (check the headless window size)"
            );
            if scroll > u64::from(NARROW) {
                wide.push(format!("{path}: scrollWidth {scroll}"));
            }
        }
    }
    b.c.set_window_size(WIDE, 900).await.expect("window size");
    assert!(wide.is_empty(), "pages scroll sideways at {NARROW} px: {wide:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_journeys() {
    let started = Instant::now();
    let axe_path = std::env::var_os("AFTERCART_NPM_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target/npm"))
        .join("node_modules/axe-core/axe.min.js");
    let axe = std::fs::read_to_string(&axe_path)
        .unwrap_or_else(|e| panic!("cannot read {} ({e}); run scripts/browser-deps.sh", axe_path.display()));
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing; run scripts/browser-deps.sh"
    );
    let driver = Chromedriver::start();
    let portal = Portal::start().await;
    let f = fixture(&portal.app).await;
    let profile = portal.dir.join("chromium-profile");
    std::fs::create_dir_all(&profile).expect("profile dir");
    let screenshots = (std::env::var("AFTERCART_SCREENSHOTS").as_deref() == Ok("1")).then(|| {
        let d = workspace().join("docs/screenshots");
        std::fs::create_dir_all(&d).expect("docs/screenshots");
        d
    });
    let c = connect(&driver, &profile).await;
    let mut b = Browser {
        c,
        base: portal.base.clone(),
        axe,
        screenshots,
        violations: Vec::new(),
        audited: Vec::new(),
    };
    eprintln!("browser: ready after {:.1}s", started.elapsed().as_secs_f64());

    let mut failed: Vec<String> = Vec::new();
    let mut journeys = 0;
    macro_rules! journey {
        ($name:ident $(, $arg:expr)*) => {{
            let t = Instant::now();
            journeys += 1;
            b.reset().await;
            let r = AssertUnwindSafe($name(&mut b, &f $(, $arg)*)).catch_unwind().await;
            let outcome = match r {
                Ok(()) => "ok",
                Err(e) => {
                    let msg = e
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                        .unwrap_or_default();
                    failed.push(format!("{}: {msg}", stringify!($name)));
                    "FAILED"
                }
            };
            eprintln!("browser: {} {outcome} in {:.1}s", stringify!($name), t.elapsed().as_secs_f64());
        }};
    }
    journey!(buyer_signs_in_with_keyboard);
    journey!(buyer_reads_did_this_ship, &portal.app);
    journey!(finance_reads_why_invoice_does_not_match, &portal.app);
    journey!(wrong_password_shows_error_summary);
    journey!(pages_fit_320_px);
    journey!(agent_opens_customer_order_from_console, &portal.app);
    // -- approvals and spend --
    journey!(approver_approves_with_comment, &portal.app);
    // -- company administration --
    journey!(admin_invites_a_user, &portal.app);
    // -- reorder and saved lists --
    journey!(buyer_reorders_and_keeps_a_list, &portal.app);
    // -- supplier portal and shipments --
    journey!(supplier_ships_a_line, &portal.app);
    // -- console search, customer 360, tracking --
    journey!(agent_searches_tracking_and_opens_the_customer, &portal.app);
    journey!(consumer_tracks_a_parcel, &portal.app);
    // -- cases --
    journey!(buyer_asks_and_an_agent_answers, &portal.app);
    // -- /cases --
    // -- returns --
    journey!(buyer_returns_damaged_goods, &portal.app);
    // -- /returns --
    // -- exceptions --
    journey!(agent_works_the_exception_queue, &portal.app);
    // -- /exceptions --
    // -- change requests --
    journey!(buyer_changes_an_order_partly_picked, &portal.app);
    // -- /change requests --
    // -- notifications --
    journey!(buyer_reads_notifications_and_marks_one_read, &portal.app, &portal.clock);
    // -- /notifications --
    // -- receivables --
    journey!(finance_pays_two_invoices_one_partly, &portal.app);
    // -- /receivables --

    let violations = std::mem::take(&mut b.violations);
    let audited = std::mem::take(&mut b.audited);
    let _ = b.c.close().await;
    drop(driver);
    eprintln!(
        "browser: {} journeys, {} pages audited, in {:.1}s",
        journeys,
        audited.len(),
        started.elapsed().as_secs_f64()
    );
    if !violations.is_empty() {
        failed.push(format!(
            "axe-core: serious or critical violations:\n  {}",
            violations.join("\n  ")
        ));
    }
    assert!(failed.is_empty(), "browser journeys failed:\n{}", failed.join("\n\n"));
}
