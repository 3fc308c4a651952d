//! Notifications in the portal: the header's bell counts what the fan-out delivered and marking
//! read moves it; the settings form re-renders with errors beside their fields and saves
//! nothing; company defaults; webhook endpoints (the secret shown once, another company's
//! endpoint not found, the delivery log and "Send again"), the console's pages as a seller
//! admin, and the one-click unsubscribe link working without a session.

use crate::both_stores;
use crate::harness::{ADMIN, AGENT, BUYER, OTHER, Page, Session, TestWeb, form_fields, set};
use aftercart_app::notify::{EffectivePrefs, NotifySettings, queues};
use aftercart_app::{Ctx, ListFilter, StaffRole, User, UserKind};
use aftercart_domain::notification::{Cadence, Channel, MilestoneKind};
use aftercart_store::{JobOutcome, JobQuery};
use axum::http::{Method, StatusCode};

fn untick(fields: Vec<(String, String)>, name: &str, value: &str) -> Vec<(String, String)> {
    fields.into_iter().filter(|(k, v)| !(k == name && v == value)).collect()
}

fn tick(mut fields: Vec<(String, String)>, name: &str, value: &str) -> Vec<(String, String)> {
    fields.push((name.to_owned(), value.to_owned()));
    fields
}

async fn post(t: &TestWeb, path: &str, s: &Session, f: &[(String, String)]) -> Page {
    let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    t.post(path, s, &pairs).await
}

/// The header bell's badge on a page ("" without one).
fn badge(p: &Page) -> String {
    p.texts("header .bell .badge").into_iter().next().unwrap_or_default()
}

async fn user(t: &TestWeb, email: &str) -> User {
    t.app
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
        .find(|u| u.value.email == email)
        .unwrap_or_else(|| panic!("no user {email}"))
        .value
}

async fn prefs_of(t: &TestWeb, email: &str) -> EffectivePrefs {
    let u = user(t, email).await;
    t.app
        .my_notification_prefs(&Ctx::new(u.principal()))
        .await
        .expect("prefs")
}

async fn the_bell_counts_what_arrived_and_marking_read_moves_it(t: TestWeb) {
    let bea = t.sign_in(BUYER).await;
    let p = t.get("/dashboard", &bea).await.ok();
    assert_eq!(badge(&p), "", "nothing unread yet");
    assert_eq!(p.text("header .bell"), "Notifications");

    // The harness settled the demo's outbox; signing in told nobody anything.
    let r = t.app.fan_out_all().await.expect("fan-out");
    assert_eq!(r.notifications, 0, "{r:?}");
    let order = t.ship_one_unit().await;
    t.app.fan_out_all().await.expect("fan-out");
    let p = t.get("/dashboard", &bea).await.ok();
    assert_eq!(badge(&p), "1", "{}", p.text("header"));
    // Its accessible name says what the number is.
    assert_eq!(p.text("header .bell"), "Notifications , 1 unread");

    let list = t.get("/notifications", &bea).await.ok();
    assert_eq!(list.attrs("header a.bell", "aria-current"), vec!["page".to_owned()]);
    let items = list.texts("#notification-list li.unread h2");
    assert_eq!(items, vec![format!("{} has shipped", order.number)], "{}", list.body);
    assert_eq!(
        list.attrs("#notification-list li.unread h2 a", "href"),
        vec![format!("/orders/{}", order.id.0)]
    );
    assert!(list.text("#notification-list li.unread").contains("Unread"));
    let action = list.attrs("#notification-list li.unread form", "action")[0].clone();

    // Not someone else's to mark; and never without the form's token.
    let olga = t.sign_in(OTHER).await;
    assert_eq!(t.post(&action, &olga, &[]).await.status, StatusCode::NOT_FOUND);
    let forged = Session {
        cookie: bea.cookie.clone(),
        csrf: String::new(),
    };
    assert_eq!(
        t.post(&action, &forged, &[("csrf", "nope")]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(badge(&t.get("/dashboard", &bea).await), "1");

    let p = post(
        &t,
        &action,
        &bea,
        &form_fields(&list, "#notification-list li.unread form"),
    )
    .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert_eq!(p.location(), "/notifications?done=read");
    let list = t.get(p.location(), &bea).await.ok();
    assert_eq!(badge(&list), "", "the count dropped");
    assert!(list.texts("#notification-list li.unread").is_empty());
    assert_eq!(list.texts("#notification-list li.read h2").len(), 1);
    assert!(list.texts("#mark-all-read").is_empty(), "nothing left to mark");

    // Two more arrive; "Mark all as read" clears them.
    t.ship_one_unit().await;
    t.ship_one_unit().await;
    t.app.fan_out_all().await.expect("fan-out");
    let list = t.get("/notifications", &bea).await.ok();
    assert_eq!(badge(&list), "2");
    let p = t.post("/notifications/read-all", &bea, &[]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let list = t.get(p.location(), &bea).await.ok();
    assert_eq!(badge(&list), "");
    assert_eq!(list.text("[role=status]"), "All notifications are marked as read.");
    // Others of the account heard of it too; a seller's agent has no such notification.
    let admin = t.sign_in(ADMIN).await;
    assert_eq!(badge(&t.get("/dashboard", &admin).await.ok()), "3");
    let agent = t.sign_in(AGENT).await;
    let p = t.get("/console", &agent).await.ok();
    assert_eq!(badge(&p), "");
    let p = t.get("/notifications", &agent).await.ok();
    assert_eq!(p.text("#notification-list"), "You have no notifications.");
    // A broken "Older" link starts from the newest.
    t.get("/notifications?before=garbage", &bea).await.ok();
}

async fn the_settings_form_keeps_errors_beside_fields_and_saves_nothing_until_valid(t: TestWeb) {
    let bea = t.sign_in(BUYER).await;
    let form = t.get("/settings/notifications", &bea).await.ok();
    assert!(
        form.attrs("#ch-shipped-in_app", "checked").len() == 1,
        "buyers hear of shipments in the portal by default"
    );
    assert!(
        form.attrs("#ch-shipped-sms", "checked").is_empty(),
        "text messages are opt-in"
    );
    // Each checkbox is labelled for screen readers.
    assert_eq!(form.text("label[for=ch-shipped-email]"), "Shipped: Email");
    assert_eq!(
        form.text("#prefs tbody tr:nth-child(3) td:last-child"),
        "Default for your role"
    );
    let fields = form_fields(&form, "main form");

    // A bad phone number (and SMS asked for): the form comes back, the error beside the phone.
    let bad = tick(set(fields.clone(), "phone", "0415 555"), "channel", "shipped:sms");
    let bad = untick(bad, "channel", "shipped:email");
    let p = post(&t, "/settings/notifications", &bea, &bad).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert_eq!(p.error_summary()[0].0, "#phone");
    assert!(
        p.field_error("phone")
            .unwrap_or_default()
            .contains("international format"),
        "{:?}",
        p.field_error("phone")
    );
    assert_eq!(
        p.attrs("#phone", "value"),
        vec!["0415 555".to_owned()],
        "the value is kept"
    );
    assert_eq!(p.attrs("#ch-shipped-sms", "checked").len(), 1, "the ticks are kept");
    assert!(p.attrs("#ch-shipped-email", "checked").is_empty());
    let saved = prefs_of(&t, BUYER).await;
    assert!(saved.own.is_empty(), "nothing saved: {saved:?}");
    assert_eq!(saved.prefs.phone, None);

    // Quiet hours need two different times of day.
    let p = post(
        &t,
        "/settings/notifications",
        &bea,
        &set(set(fields.clone(), "quiet_start", "25:00"), "quiet_end", "07:00"),
    )
    .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.field_error("quiet_start").is_some(), "{}", p.body);
    let p = post(
        &t,
        "/settings/notifications",
        &bea,
        &set(set(fields.clone(), "quiet_start", "22:00"), "quiet_end", ""),
    )
    .await;
    assert!(p.field_error("quiet_end").is_some(), "{}", p.body);
    assert!(prefs_of(&t, BUYER).await.own.is_empty());

    // Valid: only the changed row becomes the buyer's own choice.
    let good = set(bad, "phone", "+1 415 555 0100");
    let good = set(set(good, "quiet_start", "22:00"), "quiet_end", "07:00");
    let good = set(set(good, "utc_offset", "-300"), "cadence", "daily");
    let p = post(&t, "/settings/notifications", &bea, &good).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let saved = prefs_of(&t, BUYER).await;
    assert_eq!(saved.own, vec![MilestoneKind::Shipped]);
    assert_eq!(
        saved.prefs.channels[&MilestoneKind::Shipped],
        vec![Channel::InApp, Channel::Sms]
    );
    assert_eq!(saved.prefs.phone.as_deref(), Some("+14155550100"));
    assert_eq!(saved.prefs.cadence, Cadence::Daily);
    assert_eq!(saved.prefs.utc_offset_minutes, -300);
    let q = saved.prefs.quiet_hours.expect("quiet hours");
    assert_eq!((q.start_minute, q.end_minute), (22 * 60, 7 * 60));
    let page = t.get(p.location(), &bea).await.ok();
    assert_eq!(page.text("[role=status]"), "Your notification settings are saved.");
    assert_eq!(page.text("#prefs tbody tr:nth-child(3) td:last-child"), "Your choice");
    assert_eq!(page.attrs("#quiet_start", "value"), vec!["22:00".to_owned()]);
    assert_eq!(page.attrs("#phone", "value"), vec!["+14155550100".to_owned()]);
    // Saving again unchanged changes nothing of the milestones.
    let p = post(&t, "/settings/notifications", &bea, &form_fields(&page, "main form")).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(prefs_of(&t, BUYER).await, saved);

    // The company's admin sets a default; the buyer's untouched rows follow it.
    let admin = t.sign_in(ADMIN).await;
    let d = t.get("/admin/notifications", &admin).await.ok();
    assert_eq!(
        d.text("#prefs tbody tr:nth-child(5) td:last-child"),
        "Each role's default"
    );
    let f = untick(form_fields(&d, "main form"), "channel", "delivered:email");
    let p = post(&t, "/admin/notifications", &admin, &f).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let d = t.get(p.location(), &admin).await.ok();
    assert_eq!(d.text("#prefs tbody tr:nth-child(5) td:last-child"), "Company default");
    assert!(d.attrs("#ch-delivered-email", "checked").is_empty());
    let mine = prefs_of(&t, BUYER).await;
    assert_eq!(mine.prefs.channels[&MilestoneKind::Delivered], vec![Channel::InApp]);
    let page = t.get("/settings/notifications", &bea).await.ok();
    assert_eq!(
        page.text("#prefs tbody tr:nth-child(5) td:last-child"),
        "Company default"
    );
    // The other company is untouched.
    let olga = prefs_of(&t, OTHER).await;
    assert!(olga.prefs.channels[&MilestoneKind::Delivered].contains(&Channel::Email));
    // Settings are everyone's, the company's defaults only the admin's.
    let agent = t.sign_in(AGENT).await;
    t.get("/settings/notifications", &agent).await.ok();
    assert_eq!(t.get("/admin/notifications", &bea).await.status, StatusCode::FORBIDDEN);
}

async fn an_admin_adds_a_webhook_and_sees_the_secret_once(t: TestWeb) {
    let admin = t.sign_in(ADMIN).await;
    let list = t.get("/admin/webhooks", &admin).await.ok();
    assert_eq!(list.text("#endpoints"), "No endpoints yet.");
    let fields = form_fields(&list, "main form");

    // Loopback is refused beside the URL; nothing is made.
    let p = post(
        &t,
        "/admin/webhooks",
        &admin,
        &set(
            set(fields.clone(), "url", "http://127.0.0.1:9000/hook"),
            "event_types",
            "*",
        ),
    )
    .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert_eq!(p.error_summary()[0].0, "#url");
    assert!(
        p.field_error("url").unwrap_or_default().contains("public address"),
        "{:?}",
        p.field_error("url")
    );
    assert_eq!(p.attrs("#url", "value"), vec!["http://127.0.0.1:9000/hook".to_owned()]);
    let p = post(
        &t,
        "/admin/webhooks",
        &admin,
        &set(
            set(fields.clone(), "url", "https://hooks.example.com/x"),
            "event_types",
            "Order Placed",
        ),
    )
    .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.field_error("event_types").is_some(), "{}", p.body);
    let p = post(&t, "/admin/webhooks", &admin, &fields).await;
    assert!(p.field_error("url").is_some() && p.field_error("event_types").is_some());
    assert!(
        t.get("/admin/webhooks", &admin)
            .await
            .texts("#endpoints tbody tr")
            .is_empty()
    );

    // Made: the secret is on the answer to the form, once.
    let made = post(
        &t,
        "/admin/webhooks",
        &admin,
        &set(
            set(fields.clone(), "url", "https://hooks.example.com/x"),
            "event_types",
            "shipment.*, invoice.issued",
        ),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let secret = made.text("#secret");
    assert!(secret.starts_with("whsec_") && secret.len() > 20, "{secret}");
    let rotate = made.attrs("form[action$='/rotate']", "action")[0].clone();
    let detail = rotate.trim_end_matches("/rotate").to_owned();
    let page = t.get(&detail, &admin).await.ok();
    assert!(!page.body.contains(&secret), "the secret is never shown again");
    assert!(page.texts("#secret").is_empty());
    let tail: String = secret.chars().skip(secret.chars().count() - 4).collect();
    assert_eq!(page.text("#secret-hint"), format!("whsec_…{tail}"));
    assert_eq!(page.text("#endpoint-url"), "https://hooks.example.com/x");
    let list = t.get("/admin/webhooks", &admin).await.ok();
    assert_eq!(list.attrs("#endpoints a", "href"), vec![detail.clone()]);

    // Another company finds neither it nor its log.
    let olga = t.sign_in(OTHER).await;
    assert_eq!(t.get(&detail, &olga).await.status, StatusCode::NOT_FOUND);
    assert!(
        t.get("/admin/webhooks", &olga)
            .await
            .ok()
            .texts("#endpoints a")
            .is_empty()
    );
    assert_eq!(t.post(&rotate, &olga, &[]).await.status, StatusCode::NOT_FOUND);
    let console = detail.replace("/admin/", "/console/");
    assert_eq!(t.get(&console, &olga).await.status, StatusCode::FORBIDDEN);

    // Rotated: a new secret, once; the old one keeps signing for a while.
    let r = t.post(&rotate, &admin, &[]).await.ok();
    let second = r.text("#secret");
    assert!(second.starts_with("whsec_") && second != secret);
    let page = t.get(&detail, &admin).await.ok();
    assert!(!page.body.contains(&second) && !page.body.contains(&secret));
    assert!(page.body.contains("Previous secret"), "{}", page.body);

    // A shipment is delivered to it; a failed delivery can be sent again.
    t.ship_one_unit().await;
    t.app.fan_out_all().await.expect("fan-out");
    let page = t.get(&detail, &admin).await.ok();
    let rows = page.texts("#deliveries tbody tr");
    assert_eq!(rows.len(), 1, "{}", page.body);
    assert!(
        rows[0].contains("shipment.created") && rows[0].contains("Waiting"),
        "{rows:?}"
    );
    assert!(
        page.texts("#deliveries form").is_empty(),
        "a waiting delivery is not sent again"
    );
    for job in t.app.claim_deliveries(queues::WEBHOOK, 10).await.expect("claim") {
        t.app
            .finish_delivery(
                &job,
                JobOutcome::Dead {
                    error: "HTTP 500 from the receiver".into(),
                },
            )
            .await
            .expect("finish");
    }
    let page = t.get(&detail, &admin).await.ok();
    let row = page.text("#deliveries tbody tr");
    assert!(row.contains("Failed") && row.contains("HTTP 500"), "{row}");
    let again = form_fields(&page, "#deliveries form");
    let p = post(&t, &format!("{detail}/replay"), &admin, &again).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let page = t.get(p.location(), &admin).await.ok();
    assert_eq!(page.text("[role=status]"), "1 delivery will be sent again.");
    assert!(page.text("#deliveries tbody tr").contains("Waiting"));
    // Another's delivery id is not this endpoint's.
    let p = t
        .post(
            &format!("{detail}/replay"),
            &admin,
            &[("delivery", &uuid::Uuid::now_v7().to_string())],
        )
        .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);

    // Everything since a moment: a bad moment is refused beside its field.
    let p = t
        .post(&format!("{detail}/replay-since"), &admin, &[("since", "yesterday")])
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.field_error("since").is_some(), "{}", p.body);
    let p = t
        .post(
            &format!("{detail}/replay-since"),
            &admin,
            &[("since", "2026-11-19T15:00")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert!(p.location().contains("done=replayed"), "{}", p.location());

    // Disabled and enabled again.
    let p = t
        .post(&format!("{detail}/state"), &admin, &[("enabled", "false")])
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let page = t.get(p.location(), &admin).await.ok();
    assert!(
        page.text("#endpoint-state").starts_with("Disabled"),
        "{}",
        page.text("#endpoint-state")
    );
    assert_eq!(page.text("#toggle"), "Enable the endpoint");
    let p = t.post(&format!("{detail}/state"), &admin, &[("enabled", "true")]).await;
    let page = t.get(p.location(), &admin).await.ok();
    assert!(page.text("#endpoint-state").starts_with("Active"));
}

async fn a_seller_admin_works_the_console_pages(t: TestWeb) {
    t.add_user(
        "sally@aftercart-demo.example",
        "Sally Admin",
        UserKind::Staff { role: StaffRole::Admin },
    )
    .await;
    let sally = t.sign_in("sally@aftercart-demo.example").await;
    let home = t.get("/console", &sally).await.ok();
    let nav = home.attrs("nav a", "href");
    assert!(nav.contains(&"/console/webhooks".to_owned()) && nav.contains(&"/console/deliveries".to_owned()));
    let list = t.get("/console/webhooks", &sally).await.ok();
    let made = post(
        &t,
        "/console/webhooks",
        &sally,
        &set(
            set(
                form_fields(&list, "main form"),
                "url",
                "https://hooks.example.com/seller",
            ),
            "event_types",
            "*",
        ),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    assert!(made.text("#secret").starts_with("whsec_"));
    let list = t.get("/console/webhooks", &sally).await.ok();
    assert!(
        list.text("#endpoints tbody tr").contains("Seller (every event)"),
        "{}",
        list.body
    );
    // A customer never sees the seller's endpoint.
    let detail = list.attrs("#endpoints a", "href")[0].clone();
    let admin = t.sign_in(ADMIN).await;
    assert_eq!(
        t.get(&detail.replace("/console/", "/admin/"), &admin).await.status,
        StatusCode::NOT_FOUND
    );

    t.ship_one_unit().await;
    t.app.fan_out_all().await.expect("fan-out");
    let log = t.get("/console/deliveries", &sally).await.ok();
    assert!(
        log.texts("#deliveries tbody tr")
            .iter()
            .any(|r| r.contains("shipment.created")),
        "{}",
        log.body
    );
    for job in t.app.claim_deliveries(queues::WEBHOOK, 10).await.expect("claim") {
        t.app
            .finish_delivery(
                &job,
                JobOutcome::Dead {
                    error: "timed out".into(),
                },
            )
            .await
            .expect("finish");
    }
    let dead = "/console/deliveries?queue=webhook&state=dead";
    let log = t.get(dead, &sally).await.ok();
    // Every event went to the seller's endpoint ("*"): sign-ins too.
    let rows = log.texts("#deliveries tbody tr");
    assert!(rows.iter().all(|r| r.contains("Failed")), "{rows:?}");
    let i = rows
        .iter()
        .position(|r| r.contains("shipment.created") && r.contains("timed out"))
        .unwrap_or_else(|| panic!("the shipment's failed delivery: {rows:?}"));
    let form = format!("#deliveries tbody tr:nth-child({}) form", i + 1);
    let replay = log.attrs(&form, "action")[0].clone();
    let p = post(&t, &replay, &sally, &form_fields(&log, &form)).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert!(
        p.location().starts_with("/console/deliveries?done=replayed"),
        "{}",
        p.location()
    );
    assert!(
        p.location().contains("state=dead"),
        "the filters are kept: {}",
        p.location()
    );
    let log = t.get(p.location(), &sally).await.ok();
    assert_eq!(log.text("[role=status]"), "The delivery will be sent again.");
    let left = log.texts("#deliveries tbody tr");
    assert_eq!(left.len(), rows.len() - 1, "{left:?}");
    assert!(!left.iter().any(|r| r.contains("shipment.created")));
    let waiting = t.get("/console/deliveries?state=pending", &sally).await.ok();
    assert!(
        waiting
            .texts("#deliveries tbody tr")
            .iter()
            .any(|r| r.contains("shipment.created")),
        "{}",
        waiting.body
    );
}

async fn one_click_unsubscribe_works_without_a_session(t: TestWeb) {
    // Email is configured: the fan-out writes email jobs with their unsubscribe links.
    let mailing = t.app.clone().with_notify(NotifySettings {
        email: true,
        ..NotifySettings::default()
    });
    t.ship_one_unit().await;
    mailing.fan_out_all().await.expect("fan-out");
    let jobs = t
        .app
        .store
        .list_jobs(JobQuery {
            queue: Some(queues::EMAIL),
            limit: 100,
            ..JobQuery::default()
        })
        .await
        .expect("email jobs");
    let url = jobs
        .iter()
        .filter_map(|j| serde_json::from_str::<serde_json::Value>(&j.payload).ok())
        .find(|p| p["to"] == BUYER)
        .and_then(|p| p["unsubscribe_url"].as_str().map(str::to_owned))
        .expect("an email to the buyer with an unsubscribe link");
    let path = url
        .split_once("/unsubscribe")
        .map(|(_, r)| format!("/unsubscribe{r}"))
        .expect("path");
    assert!(
        prefs_of(&t, BUYER)
            .await
            .prefs
            .wants(MilestoneKind::Shipped, Channel::Email)
    );

    // Opening the link asks first (a mail scanner following it changes nothing).
    let anon = Session::default();
    let ask = t.get(&path, &anon).await.ok();
    assert_eq!(ask.text("h1"), "Stop emails about Shipped?");
    assert!(
        prefs_of(&t, BUYER)
            .await
            .prefs
            .wants(MilestoneKind::Shipped, Channel::Email)
    );

    // RFC 8058: the provider POSTs `List-Unsubscribe=One-Click`, no cookie, no CSRF token.
    let p = t
        .send(Method::POST, &path, Some("List-Unsubscribe=One-Click".into()), &[])
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(
        p.text("h1").contains("no more emails about Shipped"),
        "{}",
        p.text("h1")
    );
    assert!(
        p.attrs("main a", "href")
            .contains(&"/settings/notifications".to_owned())
    );
    let after = prefs_of(&t, BUYER).await;
    assert!(!after.prefs.wants(MilestoneKind::Shipped, Channel::Email));
    assert!(
        after.prefs.wants(MilestoneKind::Shipped, Channel::InApp),
        "only that channel"
    );
    assert_eq!(after.own, vec![MilestoneKind::Shipped]);
    // Again: still fine (nothing more to turn off).
    let p = t
        .send(Method::POST, &path, Some("List-Unsubscribe=One-Click".into()), &[])
        .await;
    assert_eq!(p.status, StatusCode::OK);

    // A token that is not ours: the 404 page, never a 500.
    let token = path.trim_start_matches("/unsubscribe?token=");
    let (body, _) = token.split_once('.').expect("a signed token");
    let forged = format!("/unsubscribe?token={body}.AAAA");
    let p = t
        .send(Method::POST, &forged, Some("List-Unsubscribe=One-Click".into()), &[])
        .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND, "{}", p.body);
    for bad in [
        "/unsubscribe",
        "/unsubscribe?token=",
        "/unsubscribe?token=%00%ff",
        "/unsubscribe?token=a.b.c",
    ] {
        assert_eq!(t.get(bad, &anon).await.status, StatusCode::NOT_FOUND, "{bad}");
        let p = t
            .send(Method::POST, bad, Some("List-Unsubscribe=One-Click".into()), &[])
            .await;
        assert_eq!(p.status, StatusCode::NOT_FOUND, "{bad}");
    }
    // Signed in, the confirmation comes in the viewer's layout.
    let bea = t.sign_in(BUYER).await;
    let p = t.post(&path, &bea, &[("List-Unsubscribe", "One-Click")]).await.ok();
    assert!(p.text("header").contains("Bea"), "{}", p.text("header"));
}

both_stores!(
    the_bell_counts_what_arrived_and_marking_read_moves_it,
    the_settings_form_keeps_errors_beside_fields_and_saves_nothing_until_valid,
    an_admin_adds_a_webhook_and_sees_the_secret_once,
    a_seller_admin_works_the_console_pages,
    one_click_unsubscribe_works_without_a_session,
    a_help_link_records_the_click_and_shows_the_guide,
);

/// Post-delivery help: the email's signed link records the click (no session needed) and leads
/// to the guide; a forged link is not found and records nothing.
async fn a_help_link_records_the_click_and_shows_the_guide(t: TestWeb) {
    let usd = aftercart_domain::Currency::parse("USD", "currency").expect("usd");
    let staff = Ctx::new(aftercart_app::Principal::staff("help-test", "Help Test"));
    let input = aftercart_app::NewProduct {
        sku: "HLP-LAMP".into(),
        name: "Exam lamp".into(),
        category: "equipment".into(),
        list_price: aftercart_domain::Money::from_minor(9_000, usd),
        setup_guide: Some("Mount the arm on the rail.\n\nThen plug it in.".into()),
        care_instructions: Some("Wipe with a dry cloth.".into()),
    };
    let product = t
        .app
        .run(&staff, async || t.app.plan_create_product(&staff, &input).await)
        .await
        .expect("product")
        .value
        .id;
    let buyer = user(&t, BUYER).await;
    let link = t
        .app
        .help_link(buyer.id, product, t.northwind().await.id)
        .await
        .expect("link");
    let path = format!("/h/{}", link.rsplit('/').next().expect("token"));
    let anon = Session::default();
    let forged = t.get(&format!("{path}x"), &anon).await;
    assert_eq!(forged.status, StatusCode::NOT_FOUND);
    let clicked = t.get(&format!("{path}?part=care"), &anon).await;
    assert_eq!(clicked.status, StatusCode::SEE_OTHER, "{}", clicked.body);
    assert_eq!(clicked.location(), format!("/help/{}#care", product.0));
    let events = t
        .app
        .store
        .events(aftercart_store::EventFilter::Subject(product.0), 0, 10)
        .await
        .expect("events");
    let clicks: Vec<_> = events.iter().filter(|e| e.kind == "help.clicked").collect();
    assert_eq!(clicks.len(), 1, "the forged link recorded nothing, the real one once");
    let bea = t.sign_in(BUYER).await;
    let page = t.get(&format!("/help/{}", product.0), &bea).await.ok();
    assert_eq!(page.text("h1"), "Getting started with Exam lamp");
    assert!(page.body.contains("Mount the arm on the rail.") && page.body.contains("Then plug it in."));
    assert!(page.body.contains("Wipe with a dry cloth."));
}
