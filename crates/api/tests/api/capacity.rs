//! When the store has no connection to give (several server processes on one PostgreSQL, a
//! burst past `max_connections`), requests are answered 503 with `Retry-After` and change
//! nothing, instead of 500 "internal error".

use crate::harness::{TestApp, pg_url};
use futures_util::future::join_all;

#[tokio::test]
async fn out_of_connections_is_503_with_retry_after_on_postgres() {
    let t = TestApp::postgres().await;
    let world = t.world().await;
    let url = t.postgres_url().expect("postgres");
    let schema = url.rsplit("search_path%3D").next().expect("schema").to_owned();
    // A role that may hold one connection: the server refuses the second (SQLSTATE 53300).
    let role = format!("busy_{}", uuid::Uuid::now_v7().simple());
    let (admin, conn) = tokio_postgres::connect(&pg_url(), tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(conn);
    admin
        .batch_execute(&format!(
            "CREATE ROLE {role} LOGIN CONNECTION LIMIT 1;
             GRANT USAGE ON SCHEMA {schema} TO {role};
             GRANT ALL ON ALL TABLES IN SCHEMA {schema} TO {role};
             GRANT ALL ON ALL SEQUENCES IN SCHEMA {schema} TO {role};"
        ))
        .await
        .expect("create role");
    let busy_url = url.replacen("postgres://postgres@", &format!("postgres://{role}@"), 1);
    assert_ne!(busy_url, url, "the test URL names the postgres user");
    let before = t.get("/api/v1/orders?limit=100").await.ok().body["items"]
        .as_array()
        .map_or(0, Vec::len);
    {
        let busy = TestApp::over(aftercart_store::Store::open(&busy_url).await.expect("open"));
        let place = serde_json::json!({
            "account_id": world.account,
            "lines": [{"product_id": world.gloves, "quantity": 2, "ship_to": world.dock}],
        });
        let answers = join_all((0..24).map(|i| {
            let (busy, place) = (&busy, place.clone());
            async move {
                if i % 2 == 0 {
                    busy.get("/api/v1/orders?limit=5").await
                } else {
                    busy.post("/api/v1/orders", place).await
                }
            }
        }))
        .await;
        let mut refused = 0;
        for a in &answers {
            match a.status.as_u16() {
                200 | 201 => {}
                503 => {
                    refused += 1;
                    a.refused(503, "unavailable", "");
                    assert_eq!(a.headers.get("retry-after").and_then(|v| v.to_str().ok()), Some("1"));
                }
                other => panic!("expected 2xx or 503, got {other}: {}", a.body),
            }
        }
        assert!(
            refused > 0,
            "24 requests at once through one allowed connection: some must be refused"
        );
        // Every placement answered 201 is stored; every one answered 503 is not.
        let placed = answers.iter().filter(|a| a.status.as_u16() == 201).count();
        let after = t.get("/api/v1/orders?limit=100").await.ok().body["items"]
            .as_array()
            .map_or(0, Vec::len);
        assert_eq!(after, before + placed, "a 503 wrote nothing, a 201 wrote its order");
    }
    // The busy app's pool is gone with it; give the server a moment to see the socket close.
    for _ in 0..50 {
        if admin
            .batch_execute(&format!("DROP OWNED BY {role}; DROP ROLE {role}"))
            .await
            .is_ok()
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("could not drop role {role}");
}
