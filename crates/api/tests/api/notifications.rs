//! Notifications, preferences, webhook endpoints, deliveries and the event feed on both stores,
//! through the real router. The fan-out runs as the server's worker loop would
//! (`app.fan_out_all()` after each change); deliveries are finished through the store, as a
//! delivery worker would, since no receiver answers in a test.

use crate::harness::{Resp, TestApp, World};
use aftercart_store::{JobOutcome, JobQuery};
use axum::http::Method;
use serde_json::{Value, json};

/// A principal's authorization header, and requests made with it.
struct As<'a> {
    t: &'a TestApp,
    auth: String,
}

impl As<'_> {
    async fn send(&self, m: Method, path: &str, body: Option<Value>, extra: &[(&str, &str)]) -> Resp {
        let mut h = vec![("authorization", self.auth.as_str())];
        h.extend_from_slice(extra);
        self.t.request(m, path, body.as_ref(), &h).await
    }
    async fn get(&self, path: &str) -> Resp {
        self.send(Method::GET, path, None, &[]).await
    }
    async fn post(&self, path: &str, body: Value) -> Resp {
        self.send(Method::POST, path, Some(body), &[]).await
    }
    async fn put(&self, path: &str, body: Value) -> Resp {
        self.send(Method::PUT, path, Some(body), &[]).await
    }
    async fn patch(&self, path: &str, body: Value, extra: &[(&str, &str)]) -> Resp {
        self.send(Method::PATCH, path, Some(body), extra).await
    }
}

async fn user<'a>(t: &'a TestApp, account: &str, email: &str, roles: &[&str], scope: Value) -> (String, As<'a>) {
    let (id, auth) = t.customer_user(account, email, email, roles, scope).await;
    (id, As { t, auth })
}

fn staff(t: &TestApp) -> As<'_> {
    As {
        t,
        auth: format!("Bearer {}", crate::harness::KEY),
    }
}

/// Places an order of `qty` gloves (one line, to `ship_to`) for `account`, allocates it at Dallas
/// and ships it all in one UPS parcel: (order id, shipment id).
async fn ship(t: &TestApp, w: &World, account: &str, ship_to: &str, tracking: &str) -> (String, String) {
    let order = t
        .post(
            "/api/v1/orders",
            json!({"account_id": account, "lines": [{"product_id": w.gloves, "quantity": 3, "ship_to": ship_to}]}),
        )
        .await
        .ok()
        .id();
    t.post(
        &format!("/api/v1/orders/{order}/allocations"),
        json!({"line": 1, "fulfilment_location_id": w.dallas, "quantity": 3}),
    )
    .await
    .ok();
    let shipment = t
        .post(
            "/api/v1/shipments",
            json!({"order_id": order, "from_location_id": w.dallas, "to_location_id": ship_to,
                   "lines": [{"line": 1, "quantity": 3}], "carrier": "UPS", "tracking_number": tracking}),
        )
        .await
        .ok()
        .id();
    (order, shipment)
}

async fn fan_out(t: &TestApp) {
    t.app.fan_out_all().await.expect("fan-out");
}

fn items(r: &Resp) -> Vec<Value> {
    r.body["items"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("no items in {}", r.body))
}

fn now_ms(t: &TestApp) -> i64 {
    (t.app.clock.now().unix_timestamp_nanos() / 1_000_000) as i64
}

// ---------------------------------------------------------------------------------------------
// (a) The bell.
// ---------------------------------------------------------------------------------------------

async fn shipment_notifies_the_buyers_who_may_see_the_order(t: TestApp) {
    let w = t.world().await;
    let (_, buyer) = user(
        &t,
        &w.account,
        "buyer@northwind.example",
        &["buyer"],
        json!({"kind": "all"}),
    )
    .await;
    let (_, store_buyer) = user(
        &t,
        &w.account,
        "store@northwind.example",
        &["buyer"],
        json!({"kind": "only", "locations": [w.store]}),
    )
    .await;
    let (_, other) = user(
        &t,
        &w.other_account,
        "buyer@contoso.example",
        &["buyer"],
        json!({"kind": "all"}),
    )
    .await;

    let (order, _) = ship(&t, &w, &w.account, &w.dock, "1ZNOTIFY0001").await;
    let before = buyer.get("/api/v1/notifications").await.ok();
    assert!(items(&before).is_empty(), "nothing before the fan-out: {}", before.body);
    fan_out(&t).await;

    let r = buyer.get("/api/v1/notifications").await.ok();
    let list = items(&r);
    assert_eq!(list.len(), 1, "{}", r.body);
    let n = &list[0];
    assert_eq!(n["kind"], "shipped");
    assert!(n["title"].as_str().unwrap().ends_with("has shipped"), "{n}");
    assert!(
        n["link"].as_str().unwrap().ends_with(&format!("/orders/{order}")),
        "links to the order: {n}"
    );
    assert!(n["reference"].as_str().unwrap().starts_with("SO-"), "{n}");
    assert!(
        n["facts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["label"] == "Tracking number" && f["value"] == "1ZNOTIFY0001"),
        "{n}"
    );
    assert!(n["read_at"].is_null(), "{n}");
    assert!(r.body.get("next_cursor").is_none(), "one page: {}", r.body);

    // Another account's buyer, and a buyer of the same account limited to the store (the order
    // only goes to the dock), hear nothing.
    for (who, a) in [("other account", &other), ("store-scoped buyer", &store_buyer)] {
        let r = a.get("/api/v1/notifications").await.ok();
        assert!(items(&r).is_empty(), "{who}: {}", r.body);
        let c = a.get("/api/v1/notifications/unread-count").await.ok();
        assert_eq!(c.body, json!({"unread": 0, "capped": false}), "{who}");
    }

    let c = buyer.get("/api/v1/notifications/unread-count").await.ok();
    assert_eq!(c.body, json!({"unread": 1, "capped": false}));
    let id = n["id"].as_str().unwrap();
    // Nobody else can read or mark it, not even the account's admin.
    let (_, admin) = user(
        &t,
        &w.account,
        "admin@northwind.example",
        &["account_admin"],
        json!({"kind": "all"}),
    )
    .await;
    for a in [&other, &store_buyer, &admin] {
        a.post(&format!("/api/v1/notifications/{id}/read"), json!({}))
            .await
            .refused(404, "not_found", "");
    }
    assert_eq!(
        buyer.get("/api/v1/notifications/unread-count").await.body["unread"],
        1,
        "still unread"
    );

    let m = buyer
        .post(&format!("/api/v1/notifications/{id}/read"), json!({}))
        .await
        .ok();
    assert!(m.body["read_at"].is_string(), "{}", m.body);
    assert!(!m.etag().is_empty(), "a notification has an ETag");
    let c = buyer.get("/api/v1/notifications/unread-count").await.ok();
    assert_eq!(c.body, json!({"unread": 0, "capped": false}));
    assert!(items(&buyer.get("/api/v1/notifications?unread=true").await.ok()).is_empty());
    assert_eq!(
        items(&buyer.get("/api/v1/notifications").await.ok()).len(),
        1,
        "read stays listed"
    );

    // Three more shipments: paging, then read-all.
    for i in 0..3 {
        ship(&t, &w, &w.account, &w.dock, &format!("1ZNOTIFY010{i}")).await;
    }
    fan_out(&t).await;
    assert_eq!(buyer.get("/api/v1/notifications/unread-count").await.body["unread"], 3);
    let p1 = buyer.get("/api/v1/notifications?limit=2").await.ok();
    assert_eq!(items(&p1).len(), 2);
    let cursor = p1.body["next_cursor"].as_str().expect("a next page").to_owned();
    let p2 = buyer
        .get(&format!("/api/v1/notifications?limit=2&cursor={cursor}"))
        .await
        .ok();
    let mut seen: Vec<Value> = items(&p1)
        .iter()
        .chain(items(&p2).iter())
        .map(|n| n["id"].clone())
        .collect();
    assert_eq!(seen.len(), 4, "every notification once: {} {}", p1.body, p2.body);
    seen.sort_by_key(|v| v.to_string());
    seen.dedup();
    assert_eq!(seen.len(), 4, "no notification twice");
    let all = buyer.post("/api/v1/notifications/read-all", json!({})).await.ok();
    assert_eq!(all.body, json!({"marked": 3}));
    assert_eq!(buyer.get("/api/v1/notifications/unread-count").await.body["unread"], 0);
    assert_eq!(
        buyer.post("/api/v1/notifications/read-all", json!({})).await.ok().body,
        json!({"marked": 0})
    );

    // Bad query parameters are 422 on the parameter.
    for (q, field) in [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=many", "limit"),
        ("cursor=not-a-cursor", "cursor"),
        ("unread=maybe", "unread"),
    ] {
        buyer
            .get(&format!("/api/v1/notifications?{q}"))
            .await
            .refused(422, "invalid_value", field);
    }
    buyer
        .post("/api/v1/notifications/not-a-uuid/read", json!({}))
        .await
        .refused(404, "not_found", "");
}

/// A shipment to the dock on an order that also ships to the store: a buyer limited to the store
/// may open the order, but not that shipment, and its notification names the parcel's carrier
/// and tracking number.
async fn scoped_buyer_hears_only_of_shipments_to_its_locations(t: TestApp) {
    let w = t.world().await;
    let (_, store_buyer) = user(
        &t,
        &w.account,
        "store@northwind.example",
        &["buyer"],
        json!({"kind": "only", "locations": [w.store]}),
    )
    .await;
    let order = t.order(&w, 2, 1).await.id();
    t.post(
        &format!("/api/v1/orders/{order}/allocations"),
        json!({"line": 1, "fulfilment_location_id": w.dallas, "quantity": 2}),
    )
    .await
    .ok();
    t.post(
        "/api/v1/shipments",
        json!({"order_id": order, "from_location_id": w.dallas, "to_location_id": w.dock,
               "lines": [{"line": 1, "quantity": 2}], "carrier": "UPS", "tracking_number": "1ZDOCKONLY01"}),
    )
    .await
    .ok();
    fan_out(&t).await;
    let seen = store_buyer.get(&format!("/api/v1/orders/{order}")).await.ok();
    assert!(
        seen.body["shipments"].as_array().is_none_or(Vec::is_empty),
        "{}",
        seen.body
    );
    let r = store_buyer.get("/api/v1/notifications").await.ok();
    assert!(items(&r).is_empty(), "told of a parcel it cannot see: {}", r.body);
}

// ---------------------------------------------------------------------------------------------
// (b) Preferences.
// ---------------------------------------------------------------------------------------------

fn milestone<'a>(prefs: &'a Value, kind: &str) -> &'a Value {
    prefs["milestones"]
        .as_array()
        .expect("milestones")
        .iter()
        .find(|m| m["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {prefs}"))
}

async fn preferences_decide_what_arrives_and_bad_input_changes_nothing(t: TestApp) {
    let w = t.world().await;
    let (_, buyer) = user(
        &t,
        &w.account,
        "buyer@northwind.example",
        &["buyer"],
        json!({"kind": "all"}),
    )
    .await;
    let (_, colleague) = user(
        &t,
        &w.account,
        "colleague@northwind.example",
        &["buyer"],
        json!({"kind": "all"}),
    )
    .await;

    let p = buyer.get("/api/v1/me/notification-preferences").await.ok().body;
    assert_eq!(p["milestones"].as_array().unwrap().len(), 15, "every milestone: {p}");
    let shipped = milestone(&p, "shipped");
    assert_eq!(shipped["label"], "Shipped");
    assert_eq!(shipped["channels"], json!(["in_app", "email"]), "buyers' default");
    assert_eq!(shipped["own"], false);
    assert_eq!(
        milestone(&p, "invoice_issued")["channels"],
        json!([]),
        "billing is finance's"
    );
    assert_eq!(p["cadence"], "immediately");
    assert!(p["quiet_hours"].is_null() && p["phone"].is_null(), "{p}");

    let r = buyer
        .put(
            "/api/v1/me/notification-preferences",
            json!({"channels": {"shipped": ["email"]}}),
        )
        .await
        .ok();
    assert_eq!(milestone(&r.body, "shipped")["channels"], json!(["email"]));
    let p = buyer.get("/api/v1/me/notification-preferences").await.ok().body;
    assert_eq!(milestone(&p, "shipped")["channels"], json!(["email"]));
    assert_eq!(milestone(&p, "shipped")["own"], true);
    assert_eq!(milestone(&p, "delivered")["own"], false, "only what was named changed");
    assert_eq!(milestone(&p, "delivered")["channels"], json!(["in_app", "email"]));

    // The next shipment: the colleague (defaults) is told in the portal, the buyer is not.
    ship(&t, &w, &w.account, &w.dock, "1ZPREFS0001").await;
    fan_out(&t).await;
    assert_eq!(items(&colleague.get("/api/v1/notifications").await.ok()).len(), 1);
    assert!(items(&buyer.get("/api/v1/notifications").await.ok()).is_empty());

    // Invalid input: 422 on the field, and nothing changes (also what came before the fault).
    let before = buyer.get("/api/v1/notifications-preferences-typo").await;
    assert_eq!(before.status, 404);
    let before = buyer.get("/api/v1/me/notification-preferences").await.ok().body;
    let bad: &[(Value, &str)] = &[
        (json!({"channels": {"shiped": ["in_app"]}}), "channels.shiped"),
        (
            json!({"channels": {"shipped": ["in_app", "pigeon"]}}),
            "channels.shipped[1]",
        ),
        (json!({"channels": {"shipped": "in_app"}}), "channels.shipped"),
        (
            json!({"cadence": "daily", "channels": {"delivered": [], "shiped": []}}),
            "channels.shiped",
        ),
        (
            json!({"quiet_hours": {"start": "25:00", "end": "07:00"}}),
            "quiet_hours.start",
        ),
        (
            json!({"quiet_hours": {"start": "22:00", "end": "7am"}}),
            "quiet_hours.end",
        ),
        (
            json!({"quiet_hours": {"start": "22:00", "end": "22:00"}}),
            "quiet_hours.end",
        ),
        (json!({"quiet_hours": {"start": "22:00"}}), "quiet_hours.end"),
        (json!({"cadence": "hourly"}), "cadence"),
        (
            json!({"cadence": "daily", "utc_offset_minutes": 900}),
            "utc_offset_minutes",
        ),
        (json!({"utc_offset_minutes": 100000}), "utc_offset_minutes"),
        (json!({"cadence": "weekly", "phone": "0415 555"}), "phone"),
        (json!({"channels": {"shipped": []}, "colour": "red"}), "colour"),
    ];
    for (body, field) in bad {
        let r = buyer.put("/api/v1/me/notification-preferences", body.clone()).await;
        assert_eq!(r.status, 422, "{body}: {}", r.body);
        assert_eq!(r.code(), "invalid_value", "{body}: {}", r.body);
        assert_eq!(r.field(), *field, "{body}: {}", r.body);
        let now = buyer.get("/api/v1/me/notification-preferences").await.ok().body;
        assert_eq!(now, before, "{body} changed something");
    }

    // Everything at once, then clearing with null.
    let r = buyer
        .put(
            "/api/v1/me/notification-preferences",
            json!({"cadence": "daily", "quiet_hours": {"start": "22:00", "end": "07:00"},
                   "utc_offset_minutes": -300, "phone": "+14155550100", "channels": {"delayed": ["in_app", "sms", "sms"]}}),
        )
        .await
        .ok();
    assert_eq!(r.body["cadence"], "daily");
    assert_eq!(r.body["quiet_hours"], json!({"start": "22:00", "end": "07:00"}));
    assert_eq!(r.body["utc_offset_minutes"], -300);
    assert_eq!(r.body["phone"], "+14155550100");
    assert_eq!(milestone(&r.body, "delayed")["channels"], json!(["in_app", "sms"]));
    assert_eq!(milestone(&r.body, "shipped")["channels"], json!(["email"]), "kept");
    let r = buyer
        .put(
            "/api/v1/me/notification-preferences",
            json!({"quiet_hours": null, "phone": null}),
        )
        .await
        .ok();
    assert!(
        r.body["quiet_hours"].is_null() && r.body["phone"].is_null(),
        "{}",
        r.body
    );
    assert_eq!(r.body["cadence"], "daily", "not named, not changed");
    assert_eq!(buyer.get("/api/v1/me/notification-preferences").await.ok().body, r.body);
    // The colleague's are their own.
    let c = colleague.get("/api/v1/me/notification-preferences").await.ok().body;
    assert_eq!(c["cadence"], "immediately");
    assert_eq!(milestone(&c, "shipped")["own"], false);
}

async fn company_defaults_apply_to_users_who_did_not_choose(t: TestApp) {
    let w = t.world().await;
    let (_, admin) = user(
        &t,
        &w.account,
        "admin@northwind.example",
        &["account_admin"],
        json!({"kind": "all"}),
    )
    .await;
    let (_, buyer) = user(
        &t,
        &w.account,
        "buyer@northwind.example",
        &["buyer"],
        json!({"kind": "all"}),
    )
    .await;
    let (_, other_admin) = user(
        &t,
        &w.other_account,
        "admin@contoso.example",
        &["account_admin"],
        json!({"kind": "all"}),
    )
    .await;
    let path = format!("/api/v1/accounts/{}/notification-defaults", w.account);

    let d = admin.get(&path).await.ok().body;
    assert_eq!(d["account_id"], w.account.as_str());
    assert!(milestone(&d, "shipped")["channels"].is_null(), "none set: {d}");
    // Another account's admin sees and changes nothing of A's; a buyer may not set them.
    other_admin.get(&path).await.refused(404, "not_found", "");
    other_admin
        .put(&path, json!({"channels": {"shipped": []}}))
        .await
        .refused(404, "not_found", "");
    buyer.get(&path).await.refused(403, "forbidden", "");
    // Personal settings are refused by name; unknown milestones on their path.
    admin
        .put(&path, json!({"channels": {}, "cadence": "daily"}))
        .await
        .refused(422, "invalid_value", "cadence");
    admin
        .put(&path, json!({"channels": {"shiped": []}}))
        .await
        .refused(422, "invalid_value", "channels.shiped");
    assert_eq!(admin.get(&path).await.ok().body, d, "nothing changed");

    let r = admin.put(&path, json!({"channels": {"shipped": ["email"]}})).await.ok();
    assert_eq!(milestone(&r.body, "shipped")["channels"], json!(["email"]));
    let p = buyer.get("/api/v1/me/notification-preferences").await.ok().body;
    assert_eq!(
        milestone(&p, "shipped")["channels"],
        json!(["email"]),
        "the company's default"
    );
    assert_eq!(milestone(&p, "shipped")["own"], false);
    ship(&t, &w, &w.account, &w.dock, "1ZDEFAULT01").await;
    fan_out(&t).await;
    assert!(
        items(&buyer.get("/api/v1/notifications").await.ok()).is_empty(),
        "in-app off by default"
    );
    // Seller staff set them too.
    staff(&t)
        .put(&path, json!({"channels": {"shipped": ["in_app"]}}))
        .await
        .ok();
    let p = buyer.get("/api/v1/me/notification-preferences").await.ok().body;
    assert_eq!(milestone(&p, "shipped")["channels"], json!(["in_app"]));
}

// ---------------------------------------------------------------------------------------------
// (c) Webhook endpoints and their deliveries.
// ---------------------------------------------------------------------------------------------

async fn webhook_endpoints_secrets_and_deliveries_stay_in_their_account(t: TestApp) {
    let w = t.world().await;
    let (_, admin_a) = user(
        &t,
        &w.account,
        "admin@northwind.example",
        &["account_admin"],
        json!({"kind": "all"}),
    )
    .await;
    let (_, admin_b) = user(
        &t,
        &w.other_account,
        "admin@contoso.example",
        &["account_admin"],
        json!({"kind": "all"}),
    )
    .await;
    let (_, scoped_admin) = user(
        &t,
        &w.account,
        "dock-admin@northwind.example",
        &["account_admin"],
        json!({"kind": "only", "locations": [w.dock]}),
    )
    .await;
    let (_, buyer) = user(
        &t,
        &w.account,
        "buyer@northwind.example",
        &["buyer"],
        json!({"kind": "all"}),
    )
    .await;

    for url in [
        "http://127.0.0.1:9000/hook",
        "https://localhost/hook",
        "https://10.1.2.3/hook",
        "https://[::1]/hook",
        "https://169.254.169.254/latest",
        "ftp://hooks.example.com/a",
        "https://user:pw@hooks.example.com/a",
    ] {
        admin_a
            .post("/api/v1/webhook-endpoints", json!({"url": url, "event_types": ["*"]}))
            .await
            .refused(422, "invalid_value", "url");
    }
    for (body, field) in [
        (
            json!({"url": "https://hooks.example.com/a", "event_types": []}),
            "event_types",
        ),
        (
            json!({"url": "https://hooks.example.com/a", "event_types": ["Order Placed"]}),
            "event_types[0]",
        ),
        (json!({"url": "https://hooks.example.com/a"}), "event_types"),
        (
            json!({"url": "https://hooks.example.com/a", "event_types": ["*"], "account_id": w.other_account}),
            "account_id",
        ),
    ] {
        let r = admin_a.post("/api/v1/webhook-endpoints", body.clone()).await;
        assert_eq!(r.status, 422, "{body}: {}", r.body);
        assert_eq!(r.field(), field, "{body}: {}", r.body);
    }
    assert!(
        items(&admin_a.get("/api/v1/webhook-endpoints").await.ok()).is_empty(),
        "none was made"
    );
    buyer
        .post(
            "/api/v1/webhook-endpoints",
            json!({"url": "https://hooks.example.com/a", "event_types": ["*"]}),
        )
        .await
        .refused(403, "forbidden", "");
    scoped_admin
        .post(
            "/api/v1/webhook-endpoints",
            json!({"url": "https://hooks.example.com/a", "event_types": ["*"]}),
        )
        .await
        .refused(403, "forbidden", "");

    let c = admin_a
        .post(
            "/api/v1/webhook-endpoints",
            json!({"url": "https://hooks.example.com/a", "description": "ERP", "event_types": ["*"]}),
        )
        .await
        .ok();
    assert_eq!(c.status, 201);
    let ep_a = c.id();
    let secret = c.body["secret"].as_str().expect("the secret, once").to_owned();
    assert!(secret.starts_with("whsec_") && secret.len() > 30, "{secret}");
    assert_eq!(c.body["secret_hint"], secret[secret.len() - 4..]);
    assert_eq!(c.body["active_secrets"], 1);
    assert_eq!(
        c.body["account_id"],
        w.account.as_str(),
        "an account admin's own account"
    );
    assert_eq!(
        c.headers.get("cache-control").and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let ep_b = admin_b
        .post(
            "/api/v1/webhook-endpoints",
            json!({"url": "https://hooks.example.com/b", "event_types": ["*"]}),
        )
        .await
        .ok()
        .id();

    let g = admin_a.get(&format!("/api/v1/webhook-endpoints/{ep_a}")).await.ok();
    assert!(g.body.get("secret").is_none(), "shown once: {}", g.body);
    assert!(!g.body.to_string().contains(&secret), "no read carries the secret");
    assert_eq!(g.body["secret_hint"], secret[secret.len() - 4..]);
    let list = admin_a.get("/api/v1/webhook-endpoints").await.ok();
    assert_eq!(
        items(&list).iter().map(|e| e["id"].clone()).collect::<Vec<_>>(),
        vec![json!(ep_a)]
    );
    assert!(!list.body.to_string().contains(&secret));
    // Invisible to another account's admin; refused to a location-scoped admin and a buyer.
    admin_b
        .get(&format!("/api/v1/webhook-endpoints/{ep_a}"))
        .await
        .refused(404, "not_found", "");
    assert!(
        !admin_b
            .get("/api/v1/webhook-endpoints")
            .await
            .ok()
            .body
            .to_string()
            .contains(&ep_a)
    );
    scoped_admin
        .get(&format!("/api/v1/webhook-endpoints/{ep_a}"))
        .await
        .refused(403, "forbidden", "");
    buyer
        .get(&format!("/api/v1/webhook-endpoints/{ep_a}"))
        .await
        .refused(403, "forbidden", "");
    admin_b
        .patch(
            &format!("/api/v1/webhook-endpoints/{ep_a}"),
            json!({"description": "mine now"}),
            &[],
        )
        .await
        .refused(404, "not_found", "");
    admin_b
        .post(&format!("/api/v1/webhook-endpoints/{ep_a}/rotate-secret"), json!({}))
        .await
        .refused(404, "not_found", "");

    // A shipment on each account, fanned out.
    ship(&t, &w, &w.account, &w.dock, "1ZHOOKA0001").await;
    ship(&t, &w, &w.other_account, &w.other_ship_to, "1ZHOOKB0001").await;
    fan_out(&t).await;
    let d = admin_a
        .get(&format!("/api/v1/webhook-endpoints/{ep_a}/deliveries"))
        .await
        .ok();
    let ds = items(&d);
    let shipped: Vec<&Value> = ds.iter().filter(|x| x["event_type"] == "shipment.created").collect();
    assert_eq!(shipped.len(), 1, "A's one shipment: {}", d.body);
    assert_eq!(shipped[0]["state"], "pending");
    assert_eq!(shipped[0]["queue"], "webhook");
    assert_eq!(shipped[0]["attempts"], 0);
    assert!(ds.iter().all(|x| x["endpoint_id"] == ep_a.as_str()), "{}", d.body);
    // What the worker will send: only A's events (the store holds the exact bodies).
    for (ep, account) in [(&ep_a, &w.account), (&ep_b, &w.other_account)] {
        let jobs = t
            .app
            .store
            .list_jobs(JobQuery {
                queue: Some("webhook"),
                owner: Some(ep.clone()),
                limit: 500,
                ..JobQuery::default()
            })
            .await
            .expect("jobs");
        assert!(!jobs.is_empty());
        assert_eq!(
            jobs.iter()
                .filter(|j| j.payload.contains("\\\"type\\\":\\\"shipment.created\\\""))
                .count(),
            1,
            "one shipment.created for {ep}"
        );
        for j in &jobs {
            let p: Value = serde_json::from_str(&j.payload).expect("payload");
            let body: Value = serde_json::from_str(p["body"].as_str().expect("body")).expect("event");
            assert_eq!(body["data"]["account_id"], account.as_str(), "{ep} receives {body}");
        }
    }
    let one = shipped[0]["id"].as_str().unwrap().to_owned();
    admin_a.get(&format!("/api/v1/deliveries/{one}")).await.ok();
    admin_b
        .get(&format!("/api/v1/webhook-endpoints/{ep_a}/deliveries"))
        .await
        .refused(404, "not_found", "");
    admin_b
        .get(&format!("/api/v1/deliveries/{one}"))
        .await
        .refused(404, "not_found", "");
    admin_a.get("/api/v1/deliveries").await.refused(403, "forbidden", "");
    let all = staff(&t).get("/api/v1/deliveries?queue=webhook&limit=200").await.ok();
    assert!(all.body.to_string().contains(&one), "seller admins read every queue");
    for (q, field) in [
        ("state=lost", "state"),
        ("queue=pigeon", "queue"),
        ("queue=events", "queue"),
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("cursor=%25%25", "cursor"),
    ] {
        staff(&t)
            .get(&format!("/api/v1/deliveries?{q}"))
            .await
            .refused(422, "invalid_value", field);
    }
    admin_a
        .get(&format!("/api/v1/webhook-endpoints/{ep_a}/deliveries?queue=email"))
        .await
        .refused(422, "invalid_value", "queue");

    // Rotation: the new secret once, both sign for a day.
    let r = admin_a
        .post(&format!("/api/v1/webhook-endpoints/{ep_a}/rotate-secret"), json!({}))
        .await
        .ok();
    let rotated = r.body["secret"].as_str().expect("the new secret, once").to_owned();
    assert!(rotated.starts_with("whsec_") && rotated != secret);
    assert_eq!(r.body["active_secrets"], 2);
    let g = admin_a.get(&format!("/api/v1/webhook-endpoints/{ep_a}")).await.ok();
    assert_eq!(g.body["active_secrets"], 2);
    assert_eq!(g.body["secret_hint"], rotated[rotated.len() - 4..]);
    assert!(g.body.get("secret").is_none() && !g.body.to_string().contains(&rotated));

    // Changes: a private URL is refused and changes nothing; If-Match pins the version.
    let etag = g.etag();
    admin_a
        .patch(
            &format!("/api/v1/webhook-endpoints/{ep_a}"),
            json!({"url": "http://192.168.1.10/x"}),
            &[],
        )
        .await
        .refused(422, "invalid_value", "url");
    admin_a
        .patch(
            &format!("/api/v1/webhook-endpoints/{ep_a}"),
            json!({"description": "stale"}),
            &[("if-match", "\"v1\"")],
        )
        .await
        .refused(412, "precondition_failed", "If-Match");
    let p = admin_a
        .patch(
            &format!("/api/v1/webhook-endpoints/{ep_a}"),
            json!({"description": "ERP (prod)", "enabled": false}),
            &[("if-match", &etag)],
        )
        .await
        .ok();
    assert_eq!(p.body["description"], "ERP (prod)");
    assert_eq!(p.body["state"], "disabled");
    assert_eq!(p.body["url"], "https://hooks.example.com/a", "unchanged");
    assert_ne!(p.etag(), etag);
    admin_a
        .patch(
            &format!("/api/v1/webhook-endpoints/{ep_a}"),
            json!({"secret": "mine"}),
            &[],
        )
        .await
        .refused(422, "invalid_value", "secret");
}

// ---------------------------------------------------------------------------------------------
// (d) The event feed.
// ---------------------------------------------------------------------------------------------

async fn event_feed_pages_from_a_cursor_and_stays_in_the_account(t: TestApp) {
    let w = t.world().await;
    let (_, admin_a) = user(
        &t,
        &w.account,
        "admin@northwind.example",
        &["account_admin"],
        json!({"kind": "all"}),
    )
    .await;
    let (_, buyer) = user(
        &t,
        &w.account,
        "buyer@northwind.example",
        &["buyer"],
        json!({"kind": "all"}),
    )
    .await;
    let (order_a, ship_a) = ship(&t, &w, &w.account, &w.dock, "1ZFEEDA0001").await;
    let (order_b, ship_b) = ship(&t, &w, &w.other_account, &w.other_ship_to, "1ZFEEDB0001").await;

    let all = admin_a.get("/api/v1/events?after=0&limit=500").await.ok();
    let evs = items(&all);
    assert!(evs.len() >= 4, "{}", all.body);
    let text = all.body.to_string();
    assert!(text.contains(&order_a) && text.contains(&ship_a), "A's own events");
    for secret in [&order_b, &ship_b, &w.other_account, &w.other_ship_to] {
        assert!(!text.contains(secret.as_str()), "B's {secret} leaks into A's feed");
    }
    assert!(
        evs.iter().all(|e| e["data"]["account_id"] == w.account.as_str()),
        "{}",
        all.body
    );
    assert!(evs.iter().any(|e| e["type"] == "shipment.created"));
    let seqs: Vec<i64> = evs.iter().map(|e| e["data"]["seq"].as_i64().expect("seq")).collect();
    assert!(seqs.windows(2).all(|p| p[0] < p[1]), "in commit order: {seqs:?}");
    assert_eq!(all.body["next_after"], *seqs.last().unwrap());

    // Paging: three at a time from 0 reads exactly the same events.
    let (mut after, mut paged) = (0i64, Vec::new());
    for _ in 0..100 {
        let p = admin_a.get(&format!("/api/v1/events?after={after}&limit=3")).await.ok();
        let page = items(&p);
        assert!(page.len() <= 3);
        let next = p.body["next_after"].as_i64().expect("next_after");
        if page.is_empty() {
            assert_eq!(next, after, "nothing newer: the same cursor back");
            break;
        }
        assert_eq!(next, page.last().unwrap()["data"]["seq"].as_i64().unwrap());
        paged.extend(page.iter().map(|e| e["data"]["seq"].as_i64().unwrap()));
        after = next;
    }
    assert_eq!(paged, seqs);
    // A new event later is picked up from where the client stopped.
    let (late, _) = ship(&t, &w, &w.account, &w.dock, "1ZFEEDA0002").await;
    let p = admin_a.get(&format!("/api/v1/events?after={after}")).await.ok();
    assert!(p.body.to_string().contains(&late), "{}", p.body);
    assert!(items(&p).iter().all(|e| e["data"]["seq"].as_i64().unwrap() > after));

    // Seller admins read everything; buyers nothing.
    let s = staff(&t).get("/api/v1/events?limit=500").await.ok().body.to_string();
    assert!(s.contains(&order_a) && s.contains(&order_b));
    buyer.get("/api/v1/events").await.refused(403, "forbidden", "");
    for (q, field) in [
        ("after=-1", "after"),
        ("after=ten", "after"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
    ] {
        admin_a
            .get(&format!("/api/v1/events?{q}"))
            .await
            .refused(422, "invalid_value", field);
    }
}

// ---------------------------------------------------------------------------------------------
// (e) Replay.
// ---------------------------------------------------------------------------------------------

/// Claims every due webhook job (as a worker would) and reports `target` dead; leaves the rest
/// as the worker found them.
async fn kill(t: &TestApp, target: &str) {
    let now = now_ms(t);
    let jobs = t
        .app
        .store
        .claim_jobs("webhook", now, 60_000, 500)
        .await
        .expect("claim");
    let mut found = false;
    for j in jobs {
        let lease = j.lease.expect("a lease");
        let outcome = if j.id.to_string() == target {
            found = true;
            JobOutcome::Dead {
                error: "test: the receiver answered 500 five times".into(),
            }
        } else {
            JobOutcome::Retry {
                due_at: now,
                error: "test: not this one".into(),
            }
        };
        assert!(t.app.store.finish_job(j.id, lease, outcome, now).await.expect("finish"));
    }
    assert!(found, "{target} was not claimable");
}

async fn dead_deliveries_are_replayed(t: TestApp) {
    let w = t.world().await;
    let (_, admin_a) = user(
        &t,
        &w.account,
        "admin@northwind.example",
        &["account_admin"],
        json!({"kind": "all"}),
    )
    .await;
    let (_, admin_b) = user(
        &t,
        &w.other_account,
        "admin@contoso.example",
        &["account_admin"],
        json!({"kind": "all"}),
    )
    .await;
    let ep_a = admin_a
        .post(
            "/api/v1/webhook-endpoints",
            json!({"url": "https://hooks.example.com/a", "event_types": ["shipment.created"]}),
        )
        .await
        .ok()
        .id();
    ship(&t, &w, &w.account, &w.dock, "1ZREPLAY001").await;
    fan_out(&t).await;
    let d = items(
        &admin_a
            .get(&format!("/api/v1/webhook-endpoints/{ep_a}/deliveries"))
            .await
            .ok(),
    );
    assert_eq!(d.len(), 1, "{d:?}");
    let id = d[0]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/deliveries/{id}");

    kill(&t, &id).await;
    let dead = staff(&t).get(&path).await.ok();
    assert_eq!(dead.body["state"], "dead");
    assert_eq!(dead.body["attempts"], 1);
    assert!(dead.body["last_error"].as_str().unwrap().contains("five times"));
    assert!(dead.body.get("next_attempt_at").is_none());
    // The state filter finds it (and only where it belongs).
    let has = |r: &Resp| items(r).iter().any(|x| x["id"] == id.as_str());
    assert!(has(&staff(&t).get("/api/v1/deliveries?state=dead").await.ok()));
    assert!(!has(&staff(&t).get("/api/v1/deliveries?state=pending").await.ok()));
    assert!(has(&admin_a
        .get(&format!("/api/v1/webhook-endpoints/{ep_a}/deliveries?state=dead"))
        .await
        .ok()));

    // Another account's admin cannot replay it; nothing changes.
    admin_b
        .post(&format!("{path}/replay"), json!({}))
        .await
        .refused(404, "not_found", "");
    admin_b
        .post(
            "/api/v1/deliveries/replay",
            json!({"queue": "webhook", "since": "2000-01-01T00:00:00Z"}),
        )
        .await
        .refused(403, "forbidden", "");
    admin_a
        .post(
            "/api/v1/deliveries/replay",
            json!({"queue": "webhook", "since": "2000-01-01T00:00:00Z"}),
        )
        .await
        .refused(403, "forbidden", "");
    assert_eq!(staff(&t).get(&path).await.ok().body["state"], "dead");

    // Seller staff replay the one delivery: pending again, due now, attempts from zero.
    let r = staff(&t).post(&format!("{path}/replay"), json!({})).await.ok();
    assert_eq!(r.body["replayed"], 1);
    assert_eq!(r.body["delivery"]["state"], "pending");
    assert_eq!(r.body["delivery"]["attempts"], 0);
    assert_eq!(staff(&t).get(&path).await.ok().body["state"], "pending");
    let again = staff(&t).post(&format!("{path}/replay"), json!({})).await.ok();
    assert_eq!(again.body["replayed"], 0, "a pending delivery is sent anyway");

    // The account admin replays their endpoint since a time; a later `since` finds nothing.
    kill(&t, &id).await;
    let ep_replay = format!("/api/v1/webhook-endpoints/{ep_a}/replay");
    assert_eq!(
        admin_a
            .post(&ep_replay, json!({"since": "2999-01-01T00:00:00Z"}))
            .await
            .ok()
            .body,
        json!({"replayed": 0})
    );
    assert_eq!(staff(&t).get(&path).await.ok().body["state"], "dead");
    admin_b
        .post(&ep_replay, json!({"since": "2000-01-01T00:00:00Z"}))
        .await
        .refused(404, "not_found", "");
    assert_eq!(
        admin_a
            .post(&ep_replay, json!({"since": "2000-01-01T00:00:00Z"}))
            .await
            .ok()
            .body,
        json!({"replayed": 1})
    );
    assert_eq!(admin_a.get(&path).await.ok().body["state"], "pending");

    // And seller admins by queue.
    kill(&t, &id).await;
    let q = staff(&t)
        .post(
            "/api/v1/deliveries/replay",
            json!({"queue": "webhook", "since": "2000-01-01T00:00:00Z"}),
        )
        .await
        .ok();
    assert_eq!(q.body, json!({"replayed": 1}));
    assert_eq!(staff(&t).get(&path).await.ok().body["state"], "pending");

    for (body, field) in [
        (json!({"queue": "webhook", "since": "yesterday"}), "since"),
        (json!({"queue": "webhook", "since": "2026-11-20"}), "since"),
        (json!({"queue": "pigeon", "since": "2026-11-20T00:00:00Z"}), "queue"),
        (json!({"queue": "events", "since": "2026-11-20T00:00:00Z"}), "queue"),
        (json!({"since": "2026-11-20T00:00:00Z"}), "queue"),
    ] {
        staff(&t)
            .post("/api/v1/deliveries/replay", body)
            .await
            .refused(422, "invalid_value", field);
    }
    admin_a
        .post(&ep_replay, json!({"since": "last week"}))
        .await
        .refused(422, "invalid_value", "since");
    staff(&t)
        .get(&format!("/api/v1/deliveries/{}", uuid::Uuid::now_v7()))
        .await
        .refused(404, "not_found", "");
}

// ---------------------------------------------------------------------------------------------
// Bad input: every refusal names its field, none is a 500, and nothing changes.
// ---------------------------------------------------------------------------------------------

async fn bad_input_names_the_field_and_changes_nothing(t: TestApp) {
    let w = t.world().await;
    let (_, admin) = user(
        &t,
        &w.account,
        "admin@northwind.example",
        &["account_admin"],
        json!({"kind": "all"}),
    )
    .await;
    let ep = admin
        .post(
            "/api/v1/webhook-endpoints",
            json!({"url": "https://hooks.example.com/a", "event_types": ["order.*"]}),
        )
        .await
        .ok();
    let id = ep.id();
    let etag = ep.etag();
    let e = format!("/api/v1/webhook-endpoints/{id}");
    let prefs = "/api/v1/me/notification-preferences";
    let long_url = format!("https://hooks.example.com/{}", "a".repeat(2000));
    let cases: Vec<(Method, String, Value, u16, &str)> = vec![
        (
            Method::POST,
            "/api/v1/webhook-endpoints".into(),
            json!({"url": 5, "event_types": ["*"]}),
            422,
            "url",
        ),
        (Method::POST, "/api/v1/webhook-endpoints".into(), json!([]), 422, ""),
        (
            Method::POST,
            "/api/v1/webhook-endpoints".into(),
            json!({"url": long_url, "event_types": ["*"]}),
            422,
            "url",
        ),
        (
            Method::POST,
            "/api/v1/webhook-endpoints".into(),
            json!({"url": "https://hooks.example.com/a", "event_types": ["*"], "account_id": "nope"}),
            422,
            "account_id",
        ),
        (
            Method::POST,
            "/api/v1/webhook-endpoints".into(),
            json!({"url": "https://hooks.example.com/a", "event_types": ["*"], "description": "a\nb"}),
            422,
            "description",
        ),
        (
            Method::POST,
            "/api/v1/webhook-endpoints".into(),
            json!({"url": "https://hooks.example.com/a", "event_types": ["order.*", "x".repeat(65)]}),
            422,
            "event_types[1]",
        ),
        (Method::PATCH, e.clone(), json!({"enabled": "yes"}), 422, "enabled"),
        (Method::PATCH, e.clone(), json!({"event_types": []}), 422, "event_types"),
        (
            Method::PATCH,
            e.clone(),
            json!({"url": "https://0.0.0.0/x"}),
            422,
            "url",
        ),
        (
            Method::PATCH,
            format!("/api/v1/webhook-endpoints/{}", uuid::Uuid::now_v7()),
            json!({}),
            404,
            "",
        ),
        (
            Method::GET,
            "/api/v1/webhook-endpoints/not-an-id".into(),
            Value::Null,
            404,
            "",
        ),
        (Method::PUT, prefs.into(), json!({"channels": []}), 422, "channels"),
        (
            Method::PUT,
            prefs.into(),
            json!({"channels": {"x".repeat(70): []}}),
            422,
            "channels",
        ),
        (
            Method::PUT,
            prefs.into(),
            json!({"quiet_hours": "22-07"}),
            422,
            "quiet_hours",
        ),
        (
            Method::PUT,
            prefs.into(),
            json!({"quiet_hours": {"start": "2200", "end": "07:00"}}),
            422,
            "quiet_hours.start",
        ),
        (
            Method::PUT,
            prefs.into(),
            json!({"quiet_hours": {"start": "-1:00", "end": "07:00"}}),
            422,
            "quiet_hours.start",
        ),
        (
            Method::PUT,
            prefs.into(),
            json!({"phone": 14155550100i64}),
            422,
            "phone",
        ),
        (
            Method::PUT,
            prefs.into(),
            json!({"cadence": null, "utc_offset_minutes": 1.5}),
            422,
            "utc_offset_minutes",
        ),
        (
            Method::PUT,
            format!("/api/v1/accounts/{}/notification-defaults", w.account),
            json!({}),
            422,
            "channels",
        ),
        (Method::POST, format!("{e}/replay"), json!({"since": 5}), 422, "since"),
        (Method::POST, format!("{e}/replay"), json!({}), 422, "since"),
        (
            Method::GET,
            "/api/v1/events?after=99999999999999999999".into(),
            Value::Null,
            422,
            "after",
        ),
        (Method::GET, "/api/v1/events?limit=-1".into(), Value::Null, 422, "limit"),
        (
            Method::GET,
            format!("{e}/deliveries?limit=1000"),
            Value::Null,
            422,
            "limit",
        ),
        (
            Method::GET,
            format!("{e}/deliveries?state=DEAD"),
            Value::Null,
            422,
            "state",
        ),
        (Method::GET, "/api/v1/deliveries/not-an-id".into(), Value::Null, 404, ""),
        (
            Method::POST,
            format!("/api/v1/notifications/{}/read", uuid::Uuid::now_v7()),
            json!({}),
            404,
            "",
        ),
    ];
    for (m, path, body, status, field) in cases {
        let r = admin
            .send(m.clone(), &path, (!body.is_null()).then_some(body.clone()), &[])
            .await;
        assert_eq!(r.status.as_u16(), status, "{m} {path} {body}: {}", r.body);
        assert_eq!(r.field(), field, "{m} {path} {body}: {}", r.body);
        assert_eq!(
            r.headers.get("content-type").and_then(|v| v.to_str().ok()),
            Some("application/problem+json"),
            "{m} {path}"
        );
    }
    // A command without a JSON body.
    let r = admin
        .send(Method::POST, "/api/v1/notifications/read-all", None, &[])
        .await;
    r.refused(415, "unsupported_media_type", "Content-Type");
    // A stale If-Match on rotation: refused, and the secret is not rotated.
    admin
        .send(
            Method::POST,
            &format!("{e}/rotate-secret"),
            Some(json!({})),
            &[("if-match", "\"v9\"")],
        )
        .await
        .refused(412, "precondition_failed", "If-Match");
    let g = admin.get(&e).await.ok();
    assert_eq!(g.etag(), etag, "unchanged");
    assert_eq!(g.body["active_secrets"], 1);
    assert_eq!(g.body["event_types"], json!(["order.*"]));
    assert_eq!(g.body["url"], "https://hooks.example.com/a");
    assert_eq!(g.body["description"], "");
    let p = admin.get(prefs).await.ok().body;
    assert_eq!(p["cadence"], "immediately");
    assert!(
        p["milestones"].as_array().unwrap().iter().all(|m| m["own"] == false),
        "{p}"
    );
    // With the right ETag it rotates.
    let r = admin
        .send(
            Method::POST,
            &format!("{e}/rotate-secret"),
            Some(json!({})),
            &[("if-match", &etag)],
        )
        .await
        .ok();
    assert_eq!(r.body["active_secrets"], 2);
}

both_stores!(
    shipment_notifies_the_buyers_who_may_see_the_order,
    preferences_decide_what_arrives_and_bad_input_changes_nothing,
    company_defaults_apply_to_users_who_did_not_choose,
    webhook_endpoints_secrets_and_deliveries_stay_in_their_account,
    event_feed_pages_from_a_cursor_and_stays_in_the_account,
    dead_deliveries_are_replayed,
    bad_input_names_the_field_and_changes_nothing,
    scoped_buyer_hears_only_of_shipments_to_its_locations,
    delivered_goods_bring_their_help_once_and_clicks_are_counted,
    texts_wait_for_quiet_hours_and_emails_gather_into_one_digest,
);

// ---------------------------------------------------------------------------------------------
// (f) Post-delivery help.
// ---------------------------------------------------------------------------------------------

async fn delivered_goods_bring_their_help_once_and_clicks_are_counted(t: TestApp) {
    let w = t.world().await;
    let (buyer_id, buyer) = user(&t, &w.account, "helped@buyer.example", &["buyer"], Value::Null).await;
    // The same app with email configured (the fan-out decides by it; the router is unchanged).
    let mailing = t.app.clone().with_notify(aftercart_app::NotifySettings {
        email: true,
        ..Default::default()
    });
    let lamp = t
        .post(
            "/api/v1/products",
            json!({"sku": "LMP-1", "name": "Exam lamp", "category": "equipment", "list_price": {"amount": "90.00", "currency": "USD"},
                   "setup_guide": "Mount the arm, then plug in.", "care_instructions": "Wipe with a dry cloth."}),
        )
        .await
        .ok()
        .id();
    place_delivered(&t, &w, &buyer, &lamp, "HELP-1").await;
    mailing.fan_out_all().await.expect("fan-out");
    let help = |t: &TestApp| {
        let store = t.app.store.clone();
        async move {
            store
                .list_jobs(JobQuery {
                    queue: Some("help"),
                    limit: 10,
                    ..JobQuery::default()
                })
                .await
                .expect("jobs")
        }
    };
    let jobs = help(&t).await;
    assert_eq!(jobs.len(), 1, "one help email for the delivered lamp");
    let payload: Value = serde_json::from_str(&jobs[0].payload).expect("json");
    assert_eq!(payload["product_id"], json!(lamp));
    assert_eq!(payload["setup_guide"], "Mount the arm, then plug in.");
    assert_eq!(payload["recipients"][0]["email"], "helped@buyer.example");
    let due = jobs[0].due_at - now_ms(&t);
    assert!(
        (23 * 3_600_000..=25 * 3_600_000).contains(&due),
        "a day after delivery: {due} ms"
    );
    // The same product delivered to the same place again: no second help.
    place_delivered(&t, &w, &buyer, &lamp, "HELP-2").await;
    mailing.fan_out_all().await.expect("fan-out");
    assert_eq!(help(&t).await.len(), 1, "once per product and location");

    // The help is sent; the reader opens it through the signed link.
    let claimed = t
        .app
        .store
        .claim_jobs("help", i64::MAX / 2, 60_000, 10)
        .await
        .expect("claim");
    t.app
        .store
        .finish_job(claimed[0].id, claimed[0].lease.expect("lease"), JobOutcome::Done, 0)
        .await
        .expect("finish");
    let account: uuid::Uuid = w.account.parse().expect("uuid");
    let link = t
        .app
        .help_link(
            aftercart_domain::ids::UserId(buyer_id.parse().expect("uuid")),
            aftercart_domain::ids::ProductId(lamp.parse().expect("uuid")),
            aftercart_domain::ids::AccountId(account),
        )
        .await
        .expect("link");
    let token = link.rsplit('/').next().expect("token");
    assert!(t.app.record_help_click(token).await.expect("click").is_some());
    assert!(t.app.record_help_click(token).await.expect("again").is_some());
    let forged = format!("{}x", token);
    assert!(
        t.app.record_help_click(&forged).await.expect("forged").is_none(),
        "a forged link records nothing"
    );
    let report = t.get("/api/v1/reports/help-engagement").await.ok();
    let row = items(&report)
        .into_iter()
        .find(|r| r["product_id"] == json!(lamp))
        .expect("the lamp");
    assert_eq!(
        (row["sent"].as_u64(), row["clicks"].as_u64(), row["readers"].as_u64()),
        (Some(1), Some(2), Some(1))
    );
    assert_eq!(row["clicking_accounts"], 1);
    assert_eq!(row["repeat_accounts"], 0, "no order placed after the click yet");
    t.clock.advance(time::Duration::minutes(5));
    place_delivered(&t, &w, &buyer, &lamp, "HELP-3").await;
    let report = t.get("/api/v1/reports/help-engagement").await.ok();
    let row = items(&report)
        .into_iter()
        .find(|r| r["product_id"] == json!(lamp))
        .expect("the lamp");
    assert_eq!(row["repeat_accounts"], 1, "ordered again after reading the help");
    // The report is the seller's.
    assert_eq!(buyer.get("/api/v1/reports/help-engagement").await.status, 403);
}

/// The buyer orders one lamp to the dock; it is allocated, shipped and delivered.
async fn place_delivered(t: &TestApp, w: &World, buyer: &As<'_>, lamp: &str, po: &str) -> String {
    let order = buyer
        .post(
            "/api/v1/orders",
            json!({"account_id": w.account, "po_number": po, "lines": [{"product_id": lamp, "quantity": 1, "ship_to": w.dock}]}),
        )
        .await
        .ok()
        .id();
    t.post(
        &format!("/api/v1/orders/{order}/allocations"),
        json!({"line": 1, "fulfilment_location_id": w.dallas, "quantity": 1}),
    )
    .await
    .ok();
    let s = t
        .post(
            "/api/v1/shipments",
            json!({"order_id": order, "from_location_id": w.dallas, "to_location_id": w.dock,
                   "lines": [{"line": 1, "quantity": 1}], "carrier": "UPS", "tracking_number": format!("1Z{po}")}),
        )
        .await
        .ok()
        .id();
    t.post(
        "/api/v1/tracking-events",
        json!({"events": [{"shipment_id": s, "status": "delivered", "occurred_at": "2026-11-24T16:30:00Z", "source": "UPS"}]}),
    )
    .await;
    order
}

// ---------------------------------------------------------------------------------------------
// (g) Channels: texts, quiet hours, digests.
// ---------------------------------------------------------------------------------------------

async fn texts_wait_for_quiet_hours_and_emails_gather_into_one_digest(t: TestApp) {
    let w = t.world().await;
    let (id, buyer) = user(&t, &w.account, "night@buyer.example", &["buyer"], Value::Null).await;
    let r = buyer
        .put(
            "/api/v1/me/notification-preferences",
            json!({"channels": {"shipped": ["in_app", "email", "sms"]}, "cadence": "daily",
                   "quiet_hours": {"start": "22:00", "end": "07:00"}, "utc_offset_minutes": -300, "phone": "+14155550100"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mailing = t.app.clone().with_notify(aftercart_app::NotifySettings {
        email: true,
        sms: true,
        ..Default::default()
    });
    // 23:30 in the buyer's time (UTC−5): inside quiet hours.
    t.clock.set(time::macros::datetime!(2026-03-03 04:30 UTC));
    ship(&t, &w, &w.account, &w.dock, "1ZNIGHT1").await;
    mailing.fan_out_all().await.expect("fan-out");
    let jobs = |queue: &'static str| {
        let store = t.app.store.clone();
        let owner = id.clone();
        async move {
            store
                .list_jobs(JobQuery {
                    queue: Some(queue),
                    owner: Some(owner),
                    limit: 20,
                    ..JobQuery::default()
                })
                .await
                .expect("jobs")
        }
    };
    let seven_local = (time::macros::datetime!(2026-03-03 12:00 UTC).unix_timestamp_nanos() / 1_000_000) as i64;
    let sms = jobs("sms").await;
    assert_eq!(sms.len(), 1, "one text");
    assert_eq!(sms[0].due_at, seven_local, "held until 07:00 local");
    let p: Value = serde_json::from_str(&sms[0].payload).expect("json");
    assert_eq!(p["to"], "+14155550100");
    assert!(
        p["message"]["title"].as_str().unwrap_or("").contains("has shipped"),
        "{p}"
    );
    assert!(
        jobs("email").await.is_empty(),
        "a digest reader gets no email per milestone"
    );
    let digest = jobs("digest").await;
    assert_eq!(digest.len(), 1);
    assert_eq!(digest[0].due_at, seven_local, "the daily digest at 07:00 local");
    // A second shipment the same night joins the same digest.
    ship(&t, &w, &w.account, &w.dock, "1ZNIGHT2").await;
    mailing.fan_out_all().await.expect("fan-out");
    assert_eq!(jobs("digest").await.len(), 1, "one digest per period");
    assert_eq!(jobs("sms").await.len(), 2, "texts are one per milestone");
    let since = time::macros::datetime!(2026-03-02 12:00 UTC);
    let until = time::macros::datetime!(2026-03-03 12:00 UTC);
    let items = t
        .app
        .digest_items(aftercart_domain::ids::UserId(id.parse().expect("uuid")), since, until)
        .await
        .expect("items");
    assert_eq!(items.len(), 2, "both shipments in the digest");
    // Without a phone no text is sent, whatever the channels say.
    let r = buyer
        .put("/api/v1/me/notification-preferences", json!({"phone": null}))
        .await;
    assert_eq!(r.status, 200);
    ship(&t, &w, &w.account, &w.dock, "1ZNIGHT3").await;
    mailing.fan_out_all().await.expect("fan-out");
    assert_eq!(jobs("sms").await.len(), 2);
}
