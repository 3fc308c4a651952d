//! The outbox end to end, in process, on both stores: events committed by app commands fan out
//! to deliveries that the worker sends to real servers (the webhook receiver checking
//! signatures with the reference implementation, the SMTP sink, NATS JetStream), with the
//! app's clock driven through the whole retry schedule.

use crate::support::{self, PyServer};
use aftercart_app::notify::{EndpointInput, EndpointPatch, queues};
use aftercart_app::{
    App, Ctx, CustomerRole, FixedClock, LocationScope, NewAccount, NewUser, NotifySettings, Principal, UserKind,
};
use aftercart_domain::account::PaymentTerms;
use aftercart_domain::{Currency, Money};
use aftercart_notify::{
    Branding, Channels, EventStream, Mailer, SmtpConfig, TargetPolicy, Templates, WebhookSender, Worker,
};
use aftercart_store::{JobQuery, JobState, Store};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use uuid::Uuid;

fn pg_url() -> String {
    std::env::var("AFTERCART_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// One database opened by `n` stores (as `n` server processes would), removed afterwards.
struct Db {
    stores: Vec<Store>,
    schema: Option<String>,
    file: Option<PathBuf>,
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Some(f) = &self.file {
            for ext in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{ext}", f.display()));
            }
        }
        if let Some(schema) = self.schema.clone() {
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("rt");
                rt.block_on(async {
                    if let Ok((c, conn)) = tokio_postgres::connect(&pg_url(), tokio_postgres::NoTls).await {
                        tokio::spawn(conn);
                        let _ = c
                            .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                            .await;
                    }
                });
            })
            .join();
        }
    }
}

async fn db(postgres: bool, n: usize) -> Db {
    let (url, schema, file) = if postgres {
        let schema = format!("notify_{}", Uuid::now_v7().simple());
        let (c, conn) = tokio_postgres::connect(&pg_url(), tokio_postgres::NoTls)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {} is required: {e}", pg_url()));
        tokio::spawn(conn);
        c.batch_execute(&format!("CREATE SCHEMA {schema}"))
            .await
            .expect("schema");
        let sep = if pg_url().contains('?') { '&' } else { '?' };
        (
            format!("{}{sep}options=-csearch_path%3D{schema}", pg_url()),
            Some(schema),
            None,
        )
    } else {
        let f = std::env::temp_dir().join(format!("aftercart-notify-{}.db", Uuid::now_v7().simple()));
        (format!("sqlite:{}", f.display()), None, Some(f))
    };
    let mut stores = Vec::new();
    for _ in 0..n {
        let s = Store::open(&url).await.expect("open");
        s.migrate().await.expect("migrate");
        stores.push(s);
    }
    Db { stores, schema, file }
}

fn settings(email: bool, nats: bool) -> NotifySettings {
    NotifySettings {
        portal_url: "https://portal.example".into(),
        email,
        sms: false,
        nats,
        allow_private_targets: true,
        ..NotifySettings::default()
    }
}

fn channels(smtp: Option<u16>, nats: Option<EventStream>) -> Channels {
    Channels {
        templates: Templates::builtin().expect("templates"),
        branding: Branding {
            seller_name: "Northwind Supply".into(),
            primary_colour: "#1d4ed8".into(),
            accent_colour: "#0f766e".into(),
            portal_url: "https://portal.example".into(),
            from_address: "Northwind Supply <notifications@northwind.example>".into(),
        },
        mailer: smtp.map(|port| {
            Mailer::new(&SmtpConfig {
                url: format!("smtp://127.0.0.1:{port}?tls=none"),
                username: None,
                password: None,
                timeout: Duration::from_secs(10),
            })
            .expect("mailer")
        }),
        sms: None,
        webhooks: WebhookSender::new(TargetPolicy { allow_private: true }).expect("client"),
        nats,
    }
}

fn staff() -> Ctx {
    Ctx::new(Principal::staff("staff-test", "Test Admin"))
}

async fn accounts(app: &App, n: usize) -> Vec<Uuid> {
    let usd = Currency::parse("USD", "currency").expect("usd");
    let ctx = staff();
    let mut ids = Vec::new();
    for i in 0..n {
        let input = NewAccount {
            number: Some(format!("C-{}", Uuid::now_v7().simple())),
            name: format!("Customer {i}"),
            currency: usd,
            terms: PaymentTerms { net_days: 30 },
            credit_limit: Money::from_minor(100_000, usd),
            locations: Vec::new(),
        };
        let v = app
            .run(&ctx, async || app.plan_create_account(&ctx, &input).await)
            .await
            .expect("account");
        ids.push(v.value.id.0);
    }
    ids
}

struct Receiver {
    server: PyServer,
    record: PathBuf,
    _dir: tempfile::TempDir,
}

impl Receiver {
    fn start(secret: &str) -> Receiver {
        support::python_module("standardwebhooks", "standardwebhooks==1.1.0");
        let dir = tempfile::tempdir().expect("dir");
        let record = dir.path().join("requests.jsonl");
        let server = PyServer::start(
            "webhook_receiver.py",
            &["--record", record.to_str().expect("utf8"), "--secret", secret],
        );
        Receiver {
            server,
            record,
            _dir: dir,
        }
    }
    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hooks", self.server.port)
    }
    fn requests(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.record)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("record line"))
            .collect()
    }
}

/// Drives the worker through the schedule: deliver what is due, then move the clock to the
/// next due attempt, until nothing is pending.
async fn drive(app: &App, clock: &FixedClock, worker: &Worker, queue: &'static str) -> usize {
    let mut passes = 0;
    loop {
        worker.deliver(queue, 500).await.expect("deliver");
        passes += 1;
        let pending = app
            .store
            .list_jobs(JobQuery {
                queue: Some(queue),
                state: Some(JobState::Pending),
                limit: 500,
                ..JobQuery::default()
            })
            .await
            .expect("list");
        let Some(next) = pending.iter().map(|j| j.due_at).min() else {
            return passes;
        };
        clock.set(aftercart_app::notify::from_ms(next));
        assert!(passes < 100, "the schedule should end");
    }
}

async fn webhooks_survive_a_receiver_down_for_the_whole_retry_window(postgres: bool) {
    let db = db(postgres, 1).await;
    let t0 = OffsetDateTime::now_utc();
    let clock = Arc::new(FixedClock::new(t0));
    let app = App::new(db.stores[0].clone(), clock.clone()).with_notify(settings(false, false));
    let ctx = staff();
    let down = format!("http://127.0.0.1:{}/hooks", support::closed_port());
    let input = EndpointInput {
        url: down,
        description: Some("ERP".into()),
        event_types: vec!["account.*".into()],
        account_id: None,
    };
    let ep = app
        .run(&ctx, async || app.plan_create_endpoint(&ctx, &input).await)
        .await
        .expect("endpoint");
    let created = accounts(&app, 5).await;
    let fanned = app.fan_out_all().await.expect("fan out");
    assert_eq!(
        fanned.deliveries, 5,
        "one delivery per account.created, none for webhook.*"
    );
    let worker = Worker::new(app.clone(), channels(None, None));
    drive(&app, &clock, &worker, queues::WEBHOOK).await;
    let dead = app
        .store
        .list_jobs(JobQuery {
            queue: Some(queues::WEBHOOK),
            limit: 50,
            ..JobQuery::default()
        })
        .await
        .expect("list");
    assert_eq!(dead.len(), 5);
    assert!(
        dead.iter().all(|j| j.state == JobState::Dead && j.attempts == 10),
        "ten attempts each: {dead:?}"
    );
    assert!(
        dead[0]
            .last_error
            .as_deref()
            .unwrap_or("")
            .contains("gave up after 10 attempts")
    );
    let elapsed = aftercart_app::Clock::now(clock.as_ref()) - t0;
    // The schedule's delays sum to 75 h 35 min 5 s, each jittered by up to ±10 %.
    assert!(
        elapsed > time::Duration::hours(68) && elapsed < time::Duration::hours(84),
        "{elapsed}"
    );

    // The receiver comes back (at a new address): the owner points the endpoint at it and
    // replays everything since the outage began.
    let receiver = Receiver::start(&ep.secrets[0].secret);
    let patch = EndpointPatch {
        url: Some(receiver.url()),
        ..EndpointPatch::default()
    };
    app.run(&ctx, async || app.plan_update_endpoint(&ctx, ep.id, &patch).await)
        .await
        .expect("patch");
    let replayed = app.replay_since(&ctx, Some(ep.id), None, t0).await.expect("replay");
    assert_eq!(replayed, 5);
    let pass = worker.deliver(queues::WEBHOOK, 500).await.expect("deliver");
    assert_eq!((pass.sent, pass.failed, pass.dead), (5, 0, 0));
    assert_eq!(worker.deliver(queues::WEBHOOK, 500).await.expect("again").claimed, 0);
    let got = receiver.requests();
    assert_eq!(got.len(), 5, "each event once after the receiver came back");
    assert!(got.iter().all(|r| r["verified"][0] == true), "signed: {got:?}");
    let mut subjects: Vec<String> = got
        .iter()
        .map(|r| {
            let body: Value = serde_json::from_str(r["body"].as_str().unwrap()).unwrap();
            assert_eq!(body["type"], "account.created");
            body["data"]["subject"]["id"].as_str().unwrap().to_owned()
        })
        .collect();
    subjects.sort();
    let mut want: Vec<String> = created.iter().map(Uuid::to_string).collect();
    want.sort();
    assert_eq!(subjects, want, "none lost, none twice");
    let ids: std::collections::BTreeSet<&str> = got
        .iter()
        .map(|r| r["headers"]["webhook-id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 5);
}

async fn email_is_retried_until_the_relay_accepts(postgres: bool) {
    let db = db(postgres, 1).await;
    let clock = Arc::new(FixedClock::new(OffsetDateTime::now_utc()));
    let app = App::new(db.stores[0].clone(), clock.clone()).with_notify(settings(true, false));
    support::python_module("aiosmtpd", "aiosmtpd==1.4.6");
    let dir = tempfile::tempdir().expect("dir");
    let sink = PyServer::start(
        "smtp_sink.py",
        &["--dir", dir.path().to_str().unwrap(), "--refuse", "2"],
    );
    let account = accounts(&app, 1).await[0];
    let ctx = staff();
    let input = NewUser {
        email: "ana@buyer.example".into(),
        name: "Ana Díaz".into(),
        kind: UserKind::Customer {
            account_id: aftercart_domain::ids::AccountId(account),
            roles: vec![CustomerRole::Buyer],
            scope: LocationScope::All,
        },
    };
    app.run(&ctx, async || app.plan_invite_user(&ctx, &input).await)
        .await
        .expect("invite");
    let worker = Worker::new(app.clone(), channels(Some(sink.port), None));
    let first = worker.deliver(queues::EMAIL, 10).await.expect("deliver");
    assert_eq!((first.claimed, first.failed), (1, 1), "451: retried, not dead");
    assert_eq!(
        worker.deliver(queues::EMAIL, 10).await.unwrap().claimed,
        0,
        "not before its time"
    );
    let passes = drive(&app, &clock, &worker, queues::EMAIL).await;
    // A first pass with nothing due yet, the second refusal, then the accepted send.
    assert_eq!(passes, 3, "refused once more, then accepted");
    let msg: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("1.json")).expect("one message")).unwrap();
    assert!(msg["rcpt_tos"].to_string().contains("ana@buyer.example"), "{msg}");
    let text = msg.to_string();
    let token = text
        .split("invitations/accept?token=")
        .nth(1)
        .and_then(|rest| {
            rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                .next()
        })
        .expect("the accept link is in the email")
        .to_owned();
    let user = app
        .accept_invitation(&token, "a long and fine passphrase 42")
        .await
        .expect("the emailed link works");
    assert_eq!(user.email, "ana@buyer.example");
    let job = &app
        .store
        .list_jobs(JobQuery {
            queue: Some(queues::EMAIL),
            limit: 5,
            ..JobQuery::default()
        })
        .await
        .unwrap()[0];
    assert_eq!((job.state, job.attempts), (JobState::Done, 3));
}

async fn two_workers_never_send_one_delivery_twice_and_a_lost_lease_is_sent_again(postgres: bool) {
    let db = db(postgres, 2).await;
    let clock = Arc::new(FixedClock::new(OffsetDateTime::now_utc()));
    let a = App::new(db.stores[0].clone(), clock.clone()).with_notify(settings(false, false));
    let b = App::new(db.stores[1].clone(), clock.clone()).with_notify(settings(false, false));
    let ctx = staff();
    let input = EndpointInput {
        url: "http://127.0.0.1:9/placeholder".into(),
        description: None,
        event_types: vec!["*".into()],
        account_id: None,
    };
    let ep = a
        .run(&ctx, async || a.plan_create_endpoint(&ctx, &input).await)
        .await
        .expect("endpoint");
    let receiver = Receiver::start(&ep.secrets[0].secret);
    let patch = EndpointPatch {
        url: Some(receiver.url()),
        ..EndpointPatch::default()
    };
    a.run(&ctx, async || a.plan_update_endpoint(&ctx, ep.id, &patch).await)
        .await
        .expect("patch");
    accounts(&a, 30).await;
    // Both fan out at once: each outbox job is fanned out by exactly one of them.
    let (x, y) = tokio::join!(a.fan_out_all(), b.fan_out_all());
    let (x, y) = (x.expect("a"), y.expect("b"));
    let events = x.events + y.events;
    assert_eq!(
        x.deliveries + y.deliveries,
        events,
        "every event once, whichever app fanned it out"
    );

    // A worker claims and dies before sending: its jobs come back when the lease ends.
    let abandoned = a.claim_deliveries(queues::WEBHOOK, 3).await.expect("claim");
    assert_eq!(abandoned.len(), 3);
    let wa = Worker::new(a.clone(), channels(None, None));
    let wb = Worker::new(b.clone(), channels(None, None));
    let (pa, pb) = tokio::join!(
        async {
            let mut n = 0;
            while let Ok(p) = wa.deliver(queues::WEBHOOK, 4).await {
                if p.claimed == 0 {
                    break;
                }
                n += p.sent;
            }
            n
        },
        async {
            let mut n = 0;
            while let Ok(p) = wb.deliver(queues::WEBHOOK, 4).await {
                if p.claimed == 0 {
                    break;
                }
                n += p.sent;
            }
            n
        }
    );
    assert_eq!(
        pa + pb,
        events - 3,
        "all but the abandoned ones, between the two workers"
    );
    clock.advance(time::Duration::milliseconds(aftercart_app::notify::LEASE_MS + 1));
    let late = wb.deliver(queues::WEBHOOK, 10).await.expect("deliver");
    assert_eq!(late.sent, 3, "the lease ran out: sent by the other worker");
    assert!(
        !a.finish_delivery(&abandoned[0], aftercart_store::JobOutcome::Done)
            .await
            .expect("finish"),
        "the dead worker's lease is worth nothing now"
    );
    let got = receiver.requests();
    let ids: std::collections::BTreeSet<&str> = got
        .iter()
        .map(|r| r["headers"]["webhook-id"].as_str().unwrap())
        .collect();
    assert_eq!(got.len(), events, "no delivery sent twice");
    assert_eq!(ids.len(), events);
    assert!(got.iter().all(|r| r["verified"][0] == true));
}

async fn events_reach_jetstream_once_even_when_replayed(postgres: bool) {
    let db = db(postgres, 1).await;
    let clock = Arc::new(FixedClock::new(OffsetDateTime::now_utc()));
    let app = App::new(db.stores[0].clone(), clock.clone()).with_notify(settings(false, true));
    let run = Uuid::now_v7().simple().to_string();
    let stream_name = format!("AFTERCART_TEST_{run}");
    let stream = EventStream::connect("nats://127.0.0.1:4222", &stream_name, &format!("aftercart-test-{run}"))
        .await
        .expect("NATS JetStream must be running at 127.0.0.1:4222");
    let js = stream.jetstream().clone();
    let (js2, name2, app2) = (js.clone(), stream_name.clone(), app.clone());
    let result = async move {
        let (js, stream_name, app) = (js2, name2, app2);
        accounts(&app, 3).await;
        app.fan_out_all().await.expect("fan out");
        let worker = Worker::new(app.clone(), channels(None, Some(stream)));
        assert_eq!(worker.deliver(queues::NATS, 50).await.unwrap().sent, 3);
        // Replayed (an operator resends the day): JetStream de-duplicates by Nats-Msg-Id.
        let again = app
            .replay_since(
                &staff(),
                None,
                Some(queues::NATS),
                OffsetDateTime::now_utc() - time::Duration::hours(1),
            )
            .await
            .expect("replay");
        assert_eq!(again, 3);
        assert_eq!(worker.deliver(queues::NATS, 50).await.unwrap().sent, 3);
        let mut s = js.get_stream(&stream_name).await.expect("stream");
        assert_eq!(s.info().await.expect("info").state.messages, 3);
        let first = s.get_raw_message(1).await.expect("message");
        let body: Value = serde_json::from_slice(&first.payload).expect("json");
        assert_eq!(body["type"], "account.created");
        assert_eq!(
            first.headers.get("Nats-Msg-Id").map(|v| v.as_str().to_owned()),
            body["data"]["id"].as_str().map(str::to_owned)
        );
    };
    let outcome = tokio::spawn(result).await;
    let _ = js.delete_stream(&stream_name).await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// An endpoint answering 410 Gone is disabled at once; one failing for five days without a
/// success is disabled too, and its owners are emailed; a disabled endpoint's deliveries are
/// dead-lettered (replayable once it is enabled again).
async fn gone_or_failing_for_days_disables_the_endpoint_and_tells_its_owners(postgres: bool) {
    let db = db(postgres, 1).await;
    let t0 = OffsetDateTime::now_utc();
    let clock = Arc::new(FixedClock::new(t0));
    let app = App::new(db.stores[0].clone(), clock.clone()).with_notify(settings(true, false));
    let ctx = staff();
    let admin = NewUser {
        email: "ops-admin@seller.example".into(),
        name: "Ops Admin".into(),
        kind: UserKind::Staff {
            role: aftercart_app::StaffRole::Admin,
        },
    };
    let invited = app
        .run(&ctx, async || app.plan_invite_user(&ctx, &admin).await)
        .await
        .expect("admin");
    app.accept_invitation(
        invited.token.as_deref().expect("token"),
        "a long and fine passphrase 42",
    )
    .await
    .expect("accept");
    let make = |url: String| EndpointInput {
        url,
        description: None,
        event_types: vec!["account.created".into()],
        account_id: None,
    };
    let placeholder = make("http://127.0.0.1:9/hooks".into());
    let gone = app
        .run(&ctx, async || app.plan_create_endpoint(&ctx, &placeholder).await)
        .await
        .expect("endpoint");
    let receiver = Receiver::start(&gone.secrets[0].secret);
    let script = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{}/_control", receiver.server.port))
        .json(&serde_json::json!({"responses": [{"status": 410}]}))
        .send()
        .await
        .expect("control");
    assert!(script.status().is_success());
    let patch = EndpointPatch {
        url: Some(receiver.url()),
        ..EndpointPatch::default()
    };
    app.run(&ctx, async || app.plan_update_endpoint(&ctx, gone.id, &patch).await)
        .await
        .expect("patch");
    let down = make(format!("http://127.0.0.1:{}/hooks", support::closed_port()));
    let failing = app
        .run(&ctx, async || app.plan_create_endpoint(&ctx, &down).await)
        .await
        .expect("endpoint");
    accounts(&app, 1).await;
    app.fan_out_all().await.expect("fan out");
    let worker = Worker::new(app.clone(), channels(None, None));
    worker.deliver(queues::WEBHOOK, 10).await.expect("deliver");
    let ep = app.endpoint(&ctx, gone.id).await.expect("endpoint").value;
    assert_eq!(
        ep.state,
        aftercart_app::notify::EndpointState::Disabled,
        "410 disables at once"
    );
    assert!(ep.disabled_reason.as_deref().unwrap_or("").contains("410"));
    let still = app.endpoint(&ctx, failing.id).await.expect("endpoint").value;
    assert_eq!(
        still.state,
        aftercart_app::notify::EndpointState::Active,
        "one failure is not a reason"
    );
    assert_eq!(still.failing_since, Some(t0), "its streak began");
    // New events keep failing for five days.
    for _ in 0..6 {
        clock.advance(time::Duration::days(1));
        accounts(&app, 1).await;
        app.fan_out_all().await.expect("fan out");
        drive(&app, &clock, &worker, queues::WEBHOOK).await;
    }
    let off = app.endpoint(&ctx, failing.id).await.expect("endpoint").value;
    assert_eq!(
        off.state,
        aftercart_app::notify::EndpointState::Disabled,
        "failing for days disables"
    );
    let emails = app
        .store
        .list_jobs(JobQuery {
            queue: Some(queues::EMAIL),
            limit: 50,
            ..JobQuery::default()
        })
        .await
        .expect("emails");
    let told: Vec<Value> = emails
        .iter()
        .filter_map(|j| serde_json::from_str::<Value>(&j.payload).ok())
        .filter(|p| p["message"]["kind"] == "endpoint_disabled")
        .collect();
    assert_eq!(told.len(), 2, "one email per disabled endpoint: {told:?}");
    assert!(told.iter().all(|p| p["to"] == "ops-admin@seller.example"));
    // Once disabled, the endpoint's remaining deliveries are dead, not sent.
    let pending = app
        .store
        .list_jobs(JobQuery {
            queue: Some(queues::WEBHOOK),
            state: Some(JobState::Pending),
            limit: 50,
            ..JobQuery::default()
        })
        .await
        .expect("pending");
    assert!(pending.is_empty(), "{pending:?}");
}

macro_rules! both {
    ($($name:ident),*) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() { super::$name(false).await }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() { super::$name(true).await }
        }
    )*};
}

both!(
    webhooks_survive_a_receiver_down_for_the_whole_retry_window,
    email_is_retried_until_the_relay_accepts,
    two_workers_never_send_one_delivery_twice_and_a_lost_lease_is_sent_again,
    events_reach_jetstream_once_even_when_replayed,
    gone_or_failing_for_days_disables_the_endpoint_and_tells_its_owners
);
