//! The service console's search and customer 360, CSV downloads, forgot / reset password and
//! the public tracking page.

use crate::both_stores;
use crate::harness::{AGENT, BUYER, FINANCE, OTHER, PASSWORD, SCOPED, Session, TestWeb};
use aftercart_app::{Ctx, ListFilter, TimelineOf};
use aftercart_domain::order::Order;
use axum::http::{Method, StatusCode};

fn enc(s: &str) -> String {
    serde_urlencoded::to_string([("q", s)]).expect("query")
}

async fn agent_searches_every_kind(t: TestWeb) {
    let nw = t.northwind().await;
    let orders = t.orders_of(&Ctx::system(), &nw).await;
    let agent = t.sign_in(AGENT).await;
    let o = orders
        .iter()
        .find(|o| o.po_number.is_some())
        .expect("an order with a PO");

    // An order number typed in lower case finds the order.
    let p = t
        .get(&format!("/search?{}", enc(&o.number.to_lowercase())), &agent)
        .await
        .ok();
    let href = format!("/orders/{}", o.id.0);
    assert!(p.attrs("#orders ~ ul a", "href").contains(&href), "{}", p.body);

    // A PO finds every order carrying it.
    let po = o.po_number.clone().expect("po");
    let p = t.get(&format!("/search?{}", enc(&po)), &agent).await.ok();
    let want: Vec<&Order> = orders.iter().filter(|x| x.po_number.as_deref() == Some(&po)).collect();
    let found = p.attrs("#orders ~ ul a", "href");
    for w in &want {
        assert!(found.contains(&format!("/orders/{}", w.id.0)), "PO {po}: {found:?}");
    }

    // A tracking number finds the shipment, linking to its order.
    let (shipped, tracking) = orders
        .iter()
        .find_map(|o| {
            o.shipments
                .iter()
                .find_map(|s| s.tracking_number.clone())
                .map(|t| (o, t))
        })
        .expect("a tracked shipment");
    let p = t.get(&format!("/search?{}", enc(&tracking)), &agent).await.ok();
    assert_eq!(
        p.attrs("#shipments ~ ul a", "href"),
        vec![format!("/orders/{}#shipments", shipped.id.0)]
    );

    // A SKU finds the product and orders containing it.
    let sku = o.lines[0].sku.clone();
    let p = t.get(&format!("/search?{}", enc(&sku)), &agent).await.ok();
    let texts = p.texts("#products ~ ul li");
    assert!(texts[0].starts_with(&sku), "{texts:?}");
    let hrefs = p.attrs("#products ~ ul a", "href");
    assert!(!hrefs.is_empty(), "orders with {sku}");
    for h in &hrefs {
        let id = h.trim_start_matches("/orders/");
        let o = t
            .app
            .order(
                &Ctx::system(),
                aftercart_domain::ids::OrderId(id.parse().expect("uuid")),
            )
            .await
            .expect("order");
        assert!(o.value.lines.iter().any(|l| l.sku == sku), "{h} has no {sku}");
    }

    // An invoice number, a word of a customer's name, a user's email.
    let inv = t
        .app
        .list_invoices(
            &Ctx::system(),
            &ListFilter {
                account_id: Some(nw.id),
                limit: 1,
                ..Default::default()
            },
        )
        .await
        .expect("invoices")
        .items
        .remove(0)
        .value;
    let p = t.get(&format!("/search?{}", enc(&inv.number)), &agent).await.ok();
    assert_eq!(
        p.attrs("#invoices ~ ul a", "href"),
        vec![format!("/invoices/{}", inv.id.0)]
    );
    let p = t.get(&format!("/search?{}", enc("northwind")), &agent).await.ok();
    assert_eq!(
        p.attrs("#customers ~ ul a", "href"),
        vec![format!("/console/accounts/{}", nw.id.0)]
    );
    let p = t
        .get(&format!("/search?{}", enc(&BUYER.to_uppercase())), &agent)
        .await
        .ok();
    assert!(p.text("#users ~ ul").contains(BUYER), "{}", p.body);

    // Nothing found says so; a query over the limit is a field error.
    let p = t.get("/search?q=no-such-thing-anywhere", &agent).await.ok();
    assert!(p.text("main").contains("Nothing matches"), "{}", p.body);
    let p = t.get(&format!("/search?{}", enc(&"x".repeat(201))), &agent).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.field_error("q").is_some());

    // Customers cannot search across accounts.
    let buyer = t.sign_in(BUYER).await;
    assert_eq!(t.get("/search?q=northwind", &buyer).await.status, StatusCode::FORBIDDEN);
}

async fn agent_reads_the_customer_360(t: TestWeb) {
    let nw = t.northwind().await;
    let agent = t.sign_in(AGENT).await;
    let p = t.get(&format!("/console/accounts/{}", nw.id.0), &agent).await.ok();
    assert_eq!(p.text("h1"), nw.name);
    let pos = t.app.open_position(&Ctx::system(), nw.id).await.expect("position");
    assert!(
        p.text("main")
            .contains(&aftercart_web::format::money(pos.position.balance)),
        "balance {} on the page",
        pos.position.balance
    );
    let recent = t
        .app
        .list_orders(
            &Ctx::system(),
            &ListFilter {
                account_id: Some(nw.id),
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .expect("orders");
    let links = p.attrs("#orders + .table-wrap a", "href");
    let want: Vec<String> = recent
        .items
        .iter()
        .map(|o| format!("/orders/{}", o.value.id.0))
        .collect();
    assert_eq!(links, want);
    assert!(p.text("#users + .table-wrap").contains(BUYER));
    assert!(!p.texts("#timeline ~ ol li").is_empty());
    // From the console landing page the customer's name opens this page.
    let c = t.get("/console", &agent).await.ok();
    assert!(
        c.attrs("#accounts a", "href")
            .contains(&format!("/console/accounts/{}", nw.id.0))
    );
    // Not for customers; an unknown account is the 404 page.
    let other = t.sign_in(OTHER).await;
    assert_eq!(
        t.get(&format!("/console/accounts/{}", nw.id.0), &other).await.status,
        StatusCode::FORBIDDEN
    );
    let missing = t
        .get("/console/accounts/0193a0b0-0000-7000-8000-000000000000", &agent)
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

fn csv_rows(body: &str) -> Vec<csv::StringRecord> {
    csv::Reader::from_reader(body.as_bytes())
        .records()
        .map(|r| r.expect("a CSV record"))
        .collect()
}

async fn downloads_hold_what_the_viewer_sees(t: TestWeb) {
    let nw = t.northwind().await;
    let buyer = t.sign_in(BUYER).await;
    let p = t.get("/orders.csv", &buyer).await.ok();
    assert_eq!(p.header("content-type"), "text/csv; charset=utf-8");
    assert!(p.header("content-disposition").contains("orders.csv"));
    let rows = csv_rows(&p.body);
    let orders = t.orders_of(&Ctx::system(), &nw).await;
    let lines: usize = orders.iter().map(|o| o.lines.len()).sum();
    assert_eq!(rows.len(), lines, "one row per order line");
    let first = &orders[0];
    let row = rows
        .iter()
        .find(|r| &r[0] == first.number.as_str())
        .expect("the newest order");
    assert_eq!(&row[12], first.lines[0].quantity.get().to_string().as_str(), "ordered");

    // A location-scoped user gets only the lines shipping to their locations.
    let scoped = t.sign_in(SCOPED).await;
    let rows = csv_rows(&t.get("/orders.csv", &scoped).await.ok().body);
    let user = t
        .app
        .list_users(
            &Ctx::system(),
            &ListFilter {
                limit: 500,
                ..Default::default()
            },
        )
        .await
        .expect("users")
        .items
        .into_iter()
        .find(|u| u.value.email == SCOPED)
        .expect("the scoped user")
        .value;
    let ctx = Ctx::new(user.principal());
    let visible = t.orders_of(&ctx, &nw).await;
    let visible_lines: usize = visible.iter().map(|o| o.lines.len()).sum();
    assert!(visible_lines < lines, "the scoped user sees fewer lines");
    assert_eq!(rows.len(), visible_lines);

    // Invoices: one row each, finance only.
    let finance = t.sign_in(FINANCE).await;
    let rows = csv_rows(&t.get("/invoices.csv", &finance).await.ok().body);
    let invoices = t
        .app
        .list_invoices(
            &Ctx::system(),
            &ListFilter {
                account_id: Some(nw.id),
                limit: 500,
                ..Default::default()
            },
        )
        .await
        .expect("invoices");
    assert_eq!(rows.len(), invoices.items.len());
    assert_eq!(t.get("/invoices.csv", &buyer).await.status, StatusCode::FORBIDDEN);

    // Staff pick a customer; another account's user cannot ask for Northwind's.
    let agent = t.sign_in(AGENT).await;
    let rows = csv_rows(
        &t.get(&format!("/orders.csv?account={}", nw.id.0), &agent)
            .await
            .ok()
            .body,
    );
    assert_eq!(rows.len(), lines);
    let other = t.sign_in(OTHER).await;
    let theirs = csv_rows(
        &t.get(&format!("/orders.csv?account={}", nw.id.0), &other)
            .await
            .ok()
            .body,
    );
    assert!(
        theirs.iter().all(|r| !orders.iter().any(|o| o.number == r[0])),
        "no Northwind order"
    );
}

async fn forgotten_password_is_reset_through_a_link(t: TestWeb) {
    let public = Session::default();
    let form = t.get("/sign-in", &public).await.ok();
    assert!(form.attrs("a", "href").contains(&"/forgot-password".to_owned()));
    // The same answer for a user and for nobody.
    let known = t.post("/forgot-password", &public, &[("email", BUYER)]).await.ok();
    let unknown = t
        .post("/forgot-password", &public, &[("email", "nobody@nowhere.example")])
        .await
        .ok();
    assert_eq!(
        known.text("main").replace(BUYER, "X"),
        unknown.text("main").replace("nobody@nowhere.example", "X")
    );
    let bad = t.post("/forgot-password", &public, &[("email", "")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.field_error("email").is_some());

    // Staff see the request on the customer page and issue a link, shown once.
    let nw = t.northwind().await;
    let agent = t.sign_in(AGENT).await;
    let page = t.get(&format!("/console/accounts/{}", nw.id.0), &agent).await.ok();
    assert!(page.text("#users + .table-wrap").contains("Asked for a password reset"));
    let user = t
        .app
        .list_users(
            &Ctx::system(),
            &ListFilter {
                limit: 500,
                ..Default::default()
            },
        )
        .await
        .expect("users")
        .items
        .into_iter()
        .find(|u| u.value.email == BUYER)
        .expect("buyer")
        .value;
    let old_session = t.sign_in(BUYER).await;
    let issued = t
        .post(&format!("/users/{}/password-reset", user.id.0), &agent, &[])
        .await
        .ok();
    let link = issued.text("#reset-link");
    assert!(link.starts_with("/reset-password?token=rst_"), "{link}");
    // A buyer may not issue links.
    assert_eq!(
        t.post(&format!("/users/{}/password-reset", user.id.0), &old_session, &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    let token = link.trim_start_matches("/reset-password?token=");
    t.get(&link, &public).await.ok();
    let mismatch = t
        .post(
            "/reset-password",
            &public,
            &[
                ("token", token),
                ("password", "a-new-long-passphrase"),
                ("confirm", "different"),
            ],
        )
        .await;
    assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(mismatch.field_error("confirm").is_some());
    let done = t
        .post(
            "/reset-password",
            &public,
            &[
                ("token", token),
                ("password", "a-new-long-passphrase"),
                ("confirm", "a-new-long-passphrase"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), "/sign-in?reset=1");
    // The old session is over, the new password works, the old one does not, the link is spent.
    assert_eq!(t.get("/dashboard", &old_session).await.status, StatusCode::SEE_OTHER);
    let p = t
        .post(
            "/sign-in",
            &public,
            &[("email", BUYER), ("password", "a-new-long-passphrase")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let p = t
        .post("/sign-in", &public, &[("email", BUYER), ("password", PASSWORD)])
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(t.get(&link, &public).await.status, StatusCode::NOT_FOUND);
    let mut events = Vec::new();
    loop {
        let after = events.last().map_or(0, |e: &aftercart_store::EventRow| e.seq);
        let page = t
            .app
            .timeline(&Ctx::system(), TimelineOf::Account(nw.id), after, 500)
            .await
            .expect("timeline");
        if page.is_empty() {
            break;
        }
        events.extend(page);
    }
    let kinds: Vec<&str> = events
        .iter()
        .filter(|e| e.subject_id == user.id.0)
        .map(|e| e.kind.as_str())
        .collect();
    for k in [
        "user.password_reset_requested",
        "user.password_reset_issued",
        "user.password_reset",
    ] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
}

async fn consumer_tracks_with_number_and_postcode(t: TestWeb) {
    let nw = t.northwind().await;
    let orders = t.orders_of(&Ctx::system(), &nw).await;
    let o = orders
        .iter()
        .find(|o| o.shipments.iter().any(|s| s.tracking.latest.is_some()))
        .expect("a shipped order with scans");
    let s = o
        .shipments
        .iter()
        .find(|s| s.tracking.latest.is_some())
        .expect("scanned");
    let loc = nw.location(s.to).expect("ship-to");
    let public = Session::default();
    let form = t.get("/track", &public).await.ok();
    assert!(form.attrs("label", "for").contains(&"proof".to_owned()));
    // Lower case, spaces removed: still the postcode.
    let proof = loc.postcode.to_lowercase().replace(' ', "");
    let p = t
        .post(
            "/track",
            &public,
            &[("number", &o.number.to_lowercase()), ("proof", &proof)],
        )
        .await
        .ok();
    let text = p.text("main");
    if let Some(tn) = &s.tracking_number {
        assert!(text.contains(tn.as_str()), "{tn} on the page: {text}");
    }
    assert!(text.contains(&loc.city), "the city");
    assert!(!text.contains(&nw.name), "nothing about the account");
    assert!(!text.contains(&loc.address), "no street address");
    assert!(!p.texts("caption").is_empty(), "checkpoints table");

    // Wrong postcode and unknown order: one neutral answer.
    let wrong = t
        .post("/track", &public, &[("number", &o.number), ("proof", "00000")])
        .await;
    let missing = t
        .post(
            "/track",
            &public,
            &[("number", "SO-99999999"), ("proof", &loc.postcode)],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(wrong.error_summary(), missing.error_summary());
    // The email of the user who placed the order opens it too; another user's email does not.
    let placed_by_bea = orders
        .iter()
        .find(|o| o.po_number.as_deref().is_some_and(|p| p.starts_with("NWC-APR-")))
        .expect("an order the demo's buyer placed in the portal");
    let p = t
        .post(
            "/track",
            &public,
            &[("number", &placed_by_bea.number), ("proof", &BUYER.to_uppercase())],
        )
        .await
        .ok();
    assert!(p.text("main").contains(&placed_by_bea.number));
    let p = t
        .post(
            "/track",
            &public,
            &[("number", &placed_by_bea.number), ("proof", FINANCE)],
        )
        .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    assert_eq!(p.error_summary(), missing.error_summary());
    // Rate-limited per client address.
    let peer: std::net::SocketAddr = "198.51.100.7:5000".parse().expect("addr");
    let body = serde_urlencoded::to_string([("number", "SO-1"), ("proof", "00000")]).expect("form");
    let mut last = StatusCode::OK;
    for _ in 0..=aftercart_app::PUBLIC_TRACKING_PER_MINUTE {
        last = t
            .send_from(Some(peer), Method::POST, "/track", Some(body.clone()), &[])
            .await
            .status;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
}

both_stores!(
    agent_searches_every_kind,
    agent_reads_the_customer_360,
    downloads_hold_what_the_viewer_sees,
    forgotten_password_is_reset_through_a_link,
    consumer_tracks_with_number_and_postcode,
);

/// Orders stored before search existed have no SKU key: `aftercart migrate` writes it
/// (`App::backfill_search_keys`), and running it twice changes nothing.
async fn old_orders_are_found_by_sku_after_the_backfill(t: TestWeb) {
    let nw = t.northwind().await;
    let orders = t.orders_of(&Ctx::system(), &nw).await;
    // An order as the first release stored it: the document, without the search keys.
    let mut old = orders[0].clone();
    old.id = aftercart_domain::ids::OrderId(uuid::Uuid::now_v7());
    old.number = "SO-OLD-1".into();
    let sku = "LEGACY-SKU-1".to_owned();
    old.lines[0].sku = sku.clone();
    t.app
        .store
        .commit(aftercart_store::Commit {
            docs: vec![aftercart_store::DocWrite {
                id: old.id.0,
                kind: "order",
                account_id: Some(old.account_id.0),
                number: Some(old.number.clone()),
                status: Some("pending".into()),
                at: old.placed_at,
                mode: aftercart_store::WriteMode::Insert,
                data: serde_json::to_string(&old).expect("json"),
            }],
            ..Default::default()
        })
        .await
        .expect("an order without keys");
    let agent = Ctx::new(aftercart_app::Principal::staff("t-agent", "Agent"));
    let r = t.app.search(&agent, "SO-OLD-1").await.expect("search");
    assert!(
        r.orders.iter().any(|o| o.id == old.id),
        "found by number already (numbers are a column)"
    );
    // Search by SKU goes through the products table first; the legacy SKU has no product, so
    // look the key up the way search does for orders with a SKU.
    let by_sku = |t: &TestWeb| {
        let store = t.app.store.clone();
        let sku = sku.clone();
        async move {
            store
                .list(aftercart_store::ListQuery {
                    kind: "order",
                    key: Some(("order_sku", sku)),
                    limit: 10,
                    ..Default::default()
                })
                .await
                .expect("list")
                .len()
        }
    };
    assert_eq!(by_sku(&t).await, 0, "no key before the backfill");
    let (n_orders, n_accounts) = t.app.backfill_search_keys().await.expect("backfill");
    assert!(n_orders > orders.len() && n_accounts >= 1, "{n_orders} {n_accounts}");
    assert_eq!(by_sku(&t).await, 1, "the key is written");
    t.app.backfill_search_keys().await.expect("again");
    assert_eq!(by_sku(&t).await, 1, "running it again changes nothing");
}

both_stores!(old_orders_are_found_by_sku_after_the_backfill);
