use std::time::Duration;

use aftercart_notify::EventStream;
use async_nats::jetstream::stream::StorageType;

const NATS_URL: &str = "nats://127.0.0.1:4222";

#[tokio::test]
async fn the_same_event_id_is_stored_once() {
    // A stream and subjects of this run's own, so parallel runs never see each other.
    let run = uuid::Uuid::now_v7().simple().to_string();
    let stream_name = format!("AFTERCART_TEST_{run}");
    let prefix = format!("aftercart-test-{run}");
    let events = EventStream::connect(NATS_URL, &stream_name, &prefix)
        .await
        .unwrap_or_else(|e| panic!("NATS JetStream must be running at {NATS_URL}: {e}"));

    let checks = tokio::spawn({
        let events = events.clone();
        let (stream_name, prefix) = (stream_name.clone(), prefix.clone());
        async move {
            let placed = br#"{"order":"SO-1042","event":"order.placed"}"#;
            events.publish("order.placed", "evt-0001", placed).await.unwrap();
            // A re-publish after a crash: acked as a duplicate, stored once.
            events.publish("order.placed", "evt-0001", placed).await.unwrap();
            let mut stream = events.jetstream().get_stream(&stream_name).await.unwrap();
            assert_eq!(stream.info().await.unwrap().state.messages, 1);

            events
                .publish("order.shipped", "evt-0002", br#"{"order":"SO-1042"}"#)
                .await
                .unwrap();
            let info = stream.info().await.unwrap().clone();
            assert_eq!(info.state.messages, 2);
            assert_eq!(info.config.subjects, [format!("{prefix}.>")]);
            assert_eq!(info.config.storage, StorageType::File);
            assert_eq!(info.config.duplicate_window, Duration::from_secs(120));
            assert_eq!(info.config.max_age, Duration::from_secs(7 * 24 * 3600));

            let first = stream.get_raw_message(1).await.unwrap();
            assert_eq!(first.subject.as_str(), format!("{prefix}.order.placed"));
            assert_eq!(first.payload.as_ref(), placed);
            assert_eq!(first.headers.get("Nats-Msg-Id").map(|v| v.as_str()), Some("evt-0001"));
            let second = stream.get_raw_message(2).await.unwrap();
            assert_eq!(second.subject.as_str(), format!("{prefix}.order.shipped"));
            assert_eq!(second.headers.get("Nats-Msg-Id").map(|v| v.as_str()), Some("evt-0002"));
        }
    })
    .await;

    // Clean up whether or not the checks passed, then report them.
    events
        .jetstream()
        .delete_stream(&stream_name)
        .await
        .expect("delete the test stream");
    if let Err(e) = checks {
        std::panic::resume_unwind(e.into_panic());
    }
}

#[tokio::test]
async fn an_unreachable_server_is_an_error() {
    let port = crate::support::closed_port();
    let result = EventStream::connect(&format!("nats://127.0.0.1:{port}"), "AFTERCART_X", "x").await;
    assert!(result.is_err());
}
