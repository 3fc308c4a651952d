//! The store contract on both backends, for what the API suite cannot observe directly:
//! window counters shared by several store instances (as several server processes share one
//! database), and group commit keeping each commit's outcome its own.
//! PostgreSQL is never skipped: if it is unreachable the postgres variants fail.

use aftercart_store::{
    Commit, CommitError, DocWrite, EventWrite, JobFinish, JobOutcome, JobQuery, JobState, JobWrite, Replay, Store,
    WriteMode,
};
use time::OffsetDateTime;
use uuid::Uuid;

fn pg_url() -> String {
    std::env::var("AFTERCART_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A database and `n` stores opened on it independently (own connections, own writer, own
/// memory), like `n` server processes. The guard removes the database afterwards.
struct Db {
    stores: Vec<Store>,
    _guard: Guard,
}

enum Guard {
    File(std::path::PathBuf),
    Schema(String),
}

impl Drop for Guard {
    fn drop(&mut self) {
        match self {
            Guard::File(p) => {
                for ext in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{ext}", p.display()));
                }
            }
            Guard::Schema(schema) => {
                let schema = schema.clone();
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("runtime");
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
}

async fn sqlite(n: usize) -> Db {
    let path = std::env::temp_dir().join(format!("aftercart-store-{}.db", Uuid::now_v7().simple()));
    let url = format!("sqlite:{}", path.display());
    let mut stores = Vec::new();
    for _ in 0..n {
        let s = Store::open(&url).await.expect("open");
        s.migrate().await.expect("migrate");
        stores.push(s);
    }
    Db {
        stores,
        _guard: Guard::File(path),
    }
}

async fn postgres(n: usize) -> Db {
    let schema = format!("store_{}", Uuid::now_v7().simple());
    let (c, conn) = tokio_postgres::connect(&pg_url(), tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at {} is required: {e}", pg_url()));
    tokio::spawn(conn);
    c.batch_execute(&format!("CREATE SCHEMA {schema}"))
        .await
        .expect("schema");
    let guard = Guard::Schema(schema.clone());
    let sep = if pg_url().contains('?') { '&' } else { '?' };
    let url = format!("{}{sep}options=-csearch_path%3D{schema}", pg_url());
    let mut stores = Vec::new();
    for _ in 0..n {
        let s = Store::open(&url).await.expect("open");
        s.migrate().await.expect("migrate");
        stores.push(s);
    }
    Db { stores, _guard: guard }
}

macro_rules! both {
    ($($name:ident),*) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() { super::$name(super::sqlite(3).await).await }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() { super::$name(super::postgres(3).await).await }
        }
    )*};
}

both!(
    window_counters_lose_no_hit_across_instances,
    group_commit_keeps_outcomes_apart,
    updates_keep_the_indexes_true,
    jobs_are_held_by_one_claimer_at_a_time,
    jobs_commit_with_their_change_and_finish_under_their_lease
);

/// Updates of every shape keep what the indexes answer true: data only, the status moving (by
/// `Update` and by `Upsert`), the number moving, a stale version refused with nothing written;
/// lists by status and by key find the document where it is now, newest first.
async fn updates_keep_the_indexes_true(db: Db) {
    let s = &db.stores[0];
    let at = OffsetDateTime::now_utc();
    let thing = |id: Uuid, mode: WriteMode, status: &str, number: &str, data: &str| DocWrite {
        status: Some(status.to_owned()),
        number: Some(number.to_owned()),
        at,
        ..doc(id, mode, data)
    };
    let commit = |d: DocWrite| Commit {
        docs: vec![d],
        ..Default::default()
    };
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    let mut c = commit(thing(a, WriteMode::Insert, "open", "T-1", r#"{"n":1}"#));
    c.keys.push(aftercart_store::KeyWrite {
        kind: "thing_tag",
        key: "red".into(),
        doc_id: a,
    });
    s.commit(c).await.expect("insert a");
    let mut c = commit(thing(b, WriteMode::Insert, "open", "T-2", r#"{"n":1}"#));
    c.keys.push(aftercart_store::KeyWrite {
        kind: "thing_tag",
        key: "red".into(),
        doc_id: b,
    });
    s.commit(c).await.expect("insert b");
    let by_status = |st: &'static str| {
        let s = s.clone();
        async move {
            s.list(aftercart_store::ListQuery {
                kind: "thing",
                status: Some(st.into()),
                limit: 10,
                ..Default::default()
            })
            .await
            .expect("list")
            .into_iter()
            .map(|r| r.id)
            .collect::<Vec<_>>()
        }
    };
    // Data only: the version moves, the row is found by the same status and number.
    s.commit(commit(thing(a, WriteMode::Update(1), "open", "T-1", r#"{"n":2}"#)))
        .await
        .expect("data only");
    let row = s.get(a).await.expect("get").expect("a");
    assert_eq!((row.version, row.data.as_str()), (2, r#"{"n":2}"#));
    assert_eq!(by_status("open").await, vec![b, a], "newest first");
    // The status moves by Update, then by Upsert: each list follows.
    s.commit(commit(thing(a, WriteMode::Update(2), "closed", "T-1", r#"{"n":3}"#)))
        .await
        .expect("status");
    assert_eq!(by_status("open").await, vec![b]);
    assert_eq!(by_status("closed").await, vec![a]);
    s.commit(commit(thing(a, WriteMode::Upsert, "open", "T-1", r#"{"n":4}"#)))
        .await
        .expect("upsert status");
    assert_eq!(by_status("closed").await, Vec::<Uuid>::new());
    assert_eq!(s.get(a).await.expect("get").expect("a").version, 4);
    // The number moves: found by the new one only.
    s.commit(commit(thing(a, WriteMode::Update(4), "open", "T-9", r#"{"n":5}"#)))
        .await
        .expect("number");
    assert_eq!(
        s.by_number("thing", "T-9").await.expect("by number").map(|r| r.id),
        Some(a)
    );
    assert!(s.by_number("thing", "T-1").await.expect("by number").is_none());
    // A stale version is refused, whether or not the indexed columns would change.
    for (status, number) in [("open", "T-9"), ("closed", "T-9"), ("open", "T-3")] {
        let r = s
            .commit(commit(thing(
                a,
                WriteMode::Update(4),
                status,
                number,
                r#"{"n":"stale"}"#,
            )))
            .await;
        assert_eq!(r, Err(CommitError::Conflict(a)), "{status} {number}");
    }
    let row = s.get(a).await.expect("get").expect("a");
    assert_eq!((row.version, row.data.as_str()), (5, r#"{"n":5}"#), "nothing written");
    // By key, newest first, with the cursor.
    let red = |before: Option<Uuid>| {
        let s = s.clone();
        async move {
            s.list(aftercart_store::ListQuery {
                kind: "thing",
                key: Some(("thing_tag", "red".into())),
                before,
                limit: 10,
                ..Default::default()
            })
            .await
            .expect("list by key")
            .into_iter()
            .map(|r| r.id)
            .collect::<Vec<_>>()
        }
    };
    assert_eq!(red(None).await, vec![b, a]);
    assert_eq!(red(Some(b)).await, vec![a]);
    // A document with the parts it names, read together; a named part that does not exist is
    // left out; a missing document names nothing.
    let (row, parts) = s
        .get_with(a, |row| {
            assert_eq!(row.id, a);
            vec![b, Uuid::now_v7()]
        })
        .await
        .expect("get_with")
        .expect("a exists");
    assert_eq!((row.id, row.version), (a, 5));
    assert_eq!(parts.iter().map(|r| r.id).collect::<Vec<_>>(), vec![b]);
    let none = s
        .get_with(Uuid::now_v7(), |_| panic!("not asked for a missing document"))
        .await
        .expect("get_with");
    assert!(none.is_none());
}

/// 3 instances × 40 concurrent hits on one window: the answers are exactly 1..=120, each once
/// (an increment lost to a race would repeat a number and end below 120).
async fn window_counters_lose_no_hit_across_instances(db: Db) {
    let start = 1_800_000_000;
    let mut tasks = Vec::new();
    for s in &db.stores {
        for _ in 0..40 {
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                s.window_hit("sign_in", "10.0.0.1", start, 60).await
            }));
        }
    }
    let mut seen = Vec::new();
    for t in tasks {
        seen.push(t.await.expect("join").expect("hit"));
    }
    seen.sort_unstable();
    assert_eq!(seen, (1..=120).collect::<Vec<i64>>());
    for s in &db.stores {
        assert_eq!(s.window_count("sign_in", "10.0.0.1", start).await.expect("count"), 120);
        assert_eq!(s.window_count("sign_in", "10.0.0.2", start).await.expect("count"), 0);
        assert_eq!(
            s.window_count("key_failure", "10.0.0.1", start).await.expect("count"),
            0
        );
    }
    // The next window starts from one, and its first hit removes the windows that have ended.
    let s = &db.stores[0];
    assert_eq!(
        s.window_hit("sign_in", "10.0.0.1", start + 60, 60).await.expect("hit"),
        1
    );
    assert_eq!(
        s.window_count("sign_in", "10.0.0.1", start).await.expect("count"),
        0,
        "purged"
    );
    assert_eq!(
        s.window_count("sign_in", "10.0.0.1", start + 60).await.expect("count"),
        1
    );
    assert!(
        s.window_hit("sign\0in", "x", start, 60).await.is_err(),
        "identifiers hold no U+0000"
    );
    assert_eq!(s.window_count("sign_in", "10.0.0.1\0", start).await.expect("count"), 0);
}

fn doc(id: Uuid, mode: WriteMode, data: &str) -> DocWrite {
    DocWrite {
        id,
        kind: "thing",
        account_id: None,
        number: None,
        status: None,
        at: OffsetDateTime::now_utc(),
        mode,
        data: data.to_owned(),
    }
}

fn event(subject: Uuid, kind: &str) -> EventWrite {
    EventWrite {
        id: Uuid::now_v7(),
        at: OffsetDateTime::now_utc(),
        kind: kind.to_owned(),
        subject_kind: "thing",
        subject_id: subject,
        account_id: None,
        actor_kind: "system",
        actor_id: None,
        actor_name: "test".into(),
        reason: None,
        data: "{}".into(),
    }
}

/// Many concurrent commits from several instances, some of which must be refused (a stale
/// version, a taken id): every refused commit leaves nothing behind, every other one is written
/// whole, whatever batch each landed in.
async fn group_commit_keeps_outcomes_apart(db: Db) {
    let shared = Uuid::now_v7();
    db.stores[0]
        .commit(Commit {
            docs: vec![doc(shared, WriteMode::Insert, r#"{"n":0}"#)],
            ..Default::default()
        })
        .await
        .expect("seed");
    let mut tasks = Vec::new();
    for (i, s) in db.stores.iter().enumerate() {
        for j in 0..30 {
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                let own = Uuid::now_v7();
                // Every third commit also updates the shared document at version 1: exactly one
                // of those may win; the losers' own documents and events must not appear.
                let mut docs = vec![doc(own, WriteMode::Insert, &format!(r#"{{"i":{i},"j":{j}}}"#))];
                if j % 3 == 0 {
                    docs.push(doc(shared, WriteMode::Update(1), &format!(r#"{{"by":"{i}-{j}"}}"#)));
                }
                let r = s
                    .commit(Commit {
                        docs,
                        events: vec![event(own, "thing.made")],
                        ..Default::default()
                    })
                    .await;
                (own, j % 3 == 0, r)
            }));
        }
    }
    let (mut won, mut lost) = (0, 0);
    for t in tasks {
        let (own, contended, r) = t.await.expect("join");
        let s = &db.stores[0];
        let stored = s.get(own).await.expect("get");
        let events = s
            .events(aftercart_store::EventFilter::Subject(own), 0, 10)
            .await
            .expect("events");
        match r {
            Ok(()) => {
                won += usize::from(contended);
                assert!(stored.is_some(), "an acknowledged commit is there");
                assert_eq!(events.len(), 1);
            }
            Err(CommitError::Conflict(_)) => {
                assert!(contended, "only commits touching the shared document may conflict");
                lost += 1;
                assert!(stored.is_none() && events.is_empty(), "a refused commit leaves nothing");
            }
            Err(e) => panic!("unexpected {e}"),
        }
    }
    assert_eq!((won, lost), (1, 29), "one update of version 1 wins");
    let shared_row = db.stores[1].get(shared).await.expect("get").expect("shared");
    assert_eq!(shared_row.version, 2);
    assert_eq!(db.stores[2].count("thing").await.expect("count"), 1 + 60 + 1);
    // A commit refused for a taken id inside a busy batch does not take its neighbours with it.
    let taken = db.stores[0]
        .commit(Commit {
            docs: vec![doc(shared, WriteMode::Insert, "{}")],
            ..Default::default()
        })
        .await;
    assert!(matches!(taken, Err(CommitError::Conflict(_))), "{taken:?}");
}

/// Commit throughput with many concurrent writers, for tuning (`--ignored --nocapture`):
/// `AFTERCART_BENCH_STORE=postgres|sqlite`, and on PostgreSQL `AFTERCART_PG_COMMITTERS` /
/// `AFTERCART_PG_BATCH` (`AFTERCART_PG_BATCH=1 AFTERCART_PG_COMMITTERS=16` is one transaction
/// per commit, 16 at a time: the behaviour before group commit).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, not a check"]
async fn commit_throughput() {
    let backend = std::env::var("AFTERCART_BENCH_STORE").unwrap_or_else(|_| "postgres".into());
    let db = if backend == "sqlite" {
        sqlite(1).await
    } else {
        postgres(1).await
    };
    let (writers, each) = (64, 100);
    let t = std::time::Instant::now();
    let tasks: Vec<_> = (0..writers)
        .map(|_| {
            let s = db.stores[0].clone();
            tokio::spawn(async move {
                for _ in 0..each {
                    let id = Uuid::now_v7();
                    s.commit(Commit {
                        docs: vec![doc(id, WriteMode::Insert, r#"{"lines":[1,2,3]}"#)],
                        keys: vec![aftercart_store::KeyWrite {
                            kind: "thing_po",
                            key: id.to_string(),
                            doc_id: id,
                        }],
                        events: vec![event(id, "thing.made"), event(id, "thing.checked")],
                        ..Default::default()
                    })
                    .await
                    .expect("commit");
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("join");
    }
    let n = writers * each;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{backend}: {n} commits from {writers} writers in {secs:.2}s = {:.0} commits/s (committers {:?}, batch {:?})",
        n as f64 / secs,
        std::env::var("AFTERCART_PG_COMMITTERS").ok(),
        std::env::var("AFTERCART_PG_BATCH").ok()
    );
}

fn job(queue: &'static str, due_at: i64, unique: Option<&str>) -> JobWrite {
    JobWrite {
        id: Uuid::now_v7(),
        queue,
        unique_key: unique.map(str::to_owned),
        account_id: None,
        owner: Some("endpoint-1".into()),
        due_at,
        payload: r#"{"n":1}"#.into(),
    }
}

/// Several instances claiming one queue at once never hold the same job together; a lease that
/// ran out gives the job to the next claimer, after which the first holder can no longer
/// finish it; retries wait until their time; dead jobs are replayed.
async fn jobs_are_held_by_one_claimer_at_a_time(db: Db) {
    let now = 1_000_000i64;
    let jobs: Vec<JobWrite> = (0..200).map(|i| job("webhook", now - 1000 + i, None)).collect();
    let ids: std::collections::BTreeSet<Uuid> = jobs.iter().map(|j| j.id).collect();
    db.stores[0]
        .commit(Commit {
            jobs,
            ..Default::default()
        })
        .await
        .expect("enqueue");
    let mut tasks = Vec::new();
    for s in &db.stores {
        for _ in 0..3 {
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                let mut got = Vec::new();
                loop {
                    let batch = s.claim_jobs("webhook", now, 60_000, 7).await.expect("claim");
                    if batch.is_empty() {
                        return got;
                    }
                    got.extend(batch);
                }
            }));
        }
    }
    let mut claimed = Vec::new();
    for t in tasks {
        claimed.extend(t.await.expect("task"));
    }
    let claimed_ids: std::collections::BTreeSet<Uuid> = claimed.iter().map(|j| j.id).collect();
    assert_eq!(claimed.len(), 200, "each job claimed exactly once while leased");
    assert_eq!(claimed_ids, ids);
    assert!(claimed.iter().all(|j| j.attempts == 1 && j.lease.is_some()));
    let s = &db.stores[0];
    assert!(
        s.claim_jobs("webhook", now + 59_000, 60_000, 10)
            .await
            .expect("claim")
            .is_empty()
    );

    // The lease ends: the job comes back with a new lease; the old holder cannot finish it.
    let first = claimed[0].clone();
    let again = s
        .claim_jobs("webhook", now + 60_000, 60_000, 500)
        .await
        .expect("reclaim");
    assert_eq!(again.len(), 200);
    let second = again.iter().find(|j| j.id == first.id).expect("same job").clone();
    assert_eq!(second.attempts, 2);
    assert_ne!(second.lease, first.lease);
    let stale = s
        .finish_job(first.id, first.lease.unwrap(), JobOutcome::Done, now + 60_001)
        .await
        .expect("finish");
    assert!(!stale, "a lost lease finishes nothing");
    assert!(
        s.finish_job(
            second.id,
            second.lease.unwrap(),
            JobOutcome::Retry {
                due_at: now + 120_000,
                error: "HTTP 500".into()
            },
            now + 60_002
        )
        .await
        .expect("retry")
    );
    let row = s.get_job(first.id).await.expect("get").expect("row");
    assert_eq!(
        (row.state, row.due_at, row.last_error.as_deref()),
        (JobState::Pending, now + 120_000, Some("HTTP 500"))
    );
    assert!(
        !s.claim_jobs("webhook", now + 119_999, 1000, 500)
            .await
            .expect("claim")
            .iter()
            .any(|j| j.id == first.id),
        "a retry waits for its time"
    );
    let third = s.claim_jobs("webhook", now + 120_000, 1000, 500).await.expect("claim");
    let third = third.iter().find(|j| j.id == first.id).expect("due").clone();
    assert!(
        s.finish_job(
            third.id,
            third.lease.unwrap(),
            JobOutcome::Dead {
                error: "gave up".into()
            },
            now
        )
        .await
        .unwrap()
    );
    let dead = s
        .list_jobs(JobQuery {
            queue: Some("webhook"),
            state: Some(JobState::Dead),
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("list");
    assert_eq!(dead.iter().map(|j| j.id).collect::<Vec<_>>(), vec![first.id]);
    assert_eq!(
        s.replay_jobs(Replay::One(first.id), now + 200_000)
            .await
            .expect("replay"),
        1
    );
    let replayed = s.get_job(first.id).await.unwrap().unwrap();
    assert_eq!(
        (replayed.state, replayed.attempts, replayed.due_at),
        (JobState::Pending, 0, now + 200_000)
    );
    assert_eq!(
        s.replay_jobs(Replay::One(first.id), now).await.expect("replay"),
        0,
        "pending jobs are not replayed twice"
    );
}

/// A job enqueued with a refused commit is not enqueued; a unique key enqueues once; a commit
/// that finishes a job it no longer holds is refused whole.
async fn jobs_commit_with_their_change_and_finish_under_their_lease(db: Db) {
    let s = &db.stores[1];
    let taken = Uuid::now_v7();
    s.commit(Commit {
        docs: vec![doc(taken, WriteMode::Insert, "{}")],
        ..Default::default()
    })
    .await
    .expect("doc");
    let lost = job("events", 0, None);
    let r = s
        .commit(Commit {
            docs: vec![doc(taken, WriteMode::Insert, "{}")],
            jobs: vec![lost.clone()],
            ..Default::default()
        })
        .await;
    assert!(matches!(r, Err(CommitError::Conflict(_))));
    assert_eq!(
        s.get_job(lost.id).await.expect("get"),
        None,
        "no job without its change"
    );

    let once = job("help", 0, Some("product-1:location-1"));
    let twice = job("help", 0, Some("product-1:location-1"));
    s.commit(Commit {
        jobs: vec![once.clone()],
        ..Default::default()
    })
    .await
    .expect("once");
    s.commit(Commit {
        jobs: vec![twice.clone()],
        ..Default::default()
    })
    .await
    .expect("twice is not an error");
    assert!(s.get_job(once.id).await.unwrap().is_some());
    assert!(
        s.get_job(twice.id).await.unwrap().is_none(),
        "the unique key enqueued it once"
    );

    s.commit(Commit {
        jobs: vec![job("events", 0, None)],
        ..Default::default()
    })
    .await
    .expect("enqueue");
    let held = s.claim_jobs("events", 10, 1000, 1).await.expect("claim").remove(0);
    let fresh = Uuid::now_v7();
    let stale_finish = Commit {
        docs: vec![doc(fresh, WriteMode::Insert, "{}")],
        finish: vec![JobFinish {
            id: held.id,
            lease: Uuid::now_v7(),
        }],
        ..Default::default()
    };
    assert!(matches!(s.commit(stale_finish).await, Err(CommitError::Conflict(_))));
    assert_eq!(s.get(fresh).await.expect("get"), None, "refused whole");
    let ok = Commit {
        docs: vec![doc(fresh, WriteMode::Insert, "{}")],
        finish: vec![JobFinish {
            id: held.id,
            lease: held.lease.unwrap(),
        }],
        ..Default::default()
    };
    s.commit(ok).await.expect("finish in commit");
    assert_eq!(s.get_job(held.id).await.unwrap().unwrap().state, JobState::Done);
    assert!(s.get(fresh).await.unwrap().is_some());
    let ev = event(fresh, "thing.made");
    let ev_id = ev.id;
    s.commit(Commit {
        events: vec![ev],
        ..Default::default()
    })
    .await
    .expect("event");
    let found = s.events_by_id(&[ev_id, Uuid::now_v7()]).await.expect("by id");
    assert_eq!(found.iter().map(|e| e.id).collect::<Vec<_>>(), vec![ev_id]);
    // The event's commit enqueued its outbox job; retention removes finished jobs only.
    let outbox = s
        .list_jobs(JobQuery {
            queue: Some("events"),
            state: Some(JobState::Pending),
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("list");
    assert_eq!(outbox.len(), 1, "one outbox job for the commit with an event");
    assert!(outbox[0].payload.contains(&ev_id.to_string()));
    assert_eq!(
        s.purge_jobs("events", 0, 100).await.expect("purge"),
        0,
        "nothing finished that long ago"
    );
    assert_eq!(
        s.purge_jobs("events", i64::MAX, 100).await.expect("purge"),
        1,
        "the one done job"
    );
    assert_eq!(s.get_job(held.id).await.expect("get"), None);
    assert!(
        s.get_job(outbox[0].id).await.expect("get").is_some(),
        "pending jobs stay"
    );
}
