//! Posting and reading messages through the real HTTP stack, database and NATS.

#![expect(
    clippy::unwrap_used,
    reason = "the harness fails a test loudly on setup errors"
)]

mod harness;

use std::time::Duration;

use ajet_core::dto::MessagePage;
use ajet_core::{Envelope, ErrorCode, EventData, subjects};
use ajet_db::PgPool;
use ajet_sdk::PageCursor;
use futures::StreamExt;
use harness::TestApp;
use serde_json::{Value, json};

async fn raw_post(app: &TestApp, token: &str, path: &str, body: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(app.url(path))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

#[sqlx::test(migrations = "../migrations")]
async fn a_posted_message_is_listed(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let (alice, alice_id) = app.user("alice").await;
    let sent = alice
        .send_message(app.general, "hello *world*")
        .await
        .unwrap();
    assert_eq!(sent.body, "hello *world*");
    assert_eq!(sent.author_id, alice_id);
    assert_eq!(sent.author_username, "alice");
    assert_eq!(sent.seq, 1);

    let page = alice
        .messages(app.general, PageCursor::Latest, 50)
        .await
        .unwrap();
    assert_eq!(page.messages, vec![sent]);
    assert!(!page.has_more);
}

#[sqlx::test(migrations = "../migrations")]
async fn pages_go_both_ways_without_gaps_or_repeats(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let (alice, _) = app.user("alice").await;
    let mut sent = Vec::new();
    for i in 0..7 {
        sent.push(
            alice
                .send_message(app.general, &format!("m{i}"))
                .await
                .unwrap(),
        );
    }
    let bodies = |p: &MessagePage| {
        p.messages
            .iter()
            .map(|m| m.body.clone())
            .collect::<Vec<_>>()
    };

    let latest = alice
        .messages(app.general, PageCursor::Latest, 3)
        .await
        .unwrap();
    assert_eq!(bodies(&latest), ["m4", "m5", "m6"]);
    assert!(latest.has_more);

    let older = alice
        .messages(app.general, PageCursor::Before(latest.messages[0].id), 3)
        .await
        .unwrap();
    assert_eq!(bodies(&older), ["m1", "m2", "m3"]);
    assert!(older.has_more);

    let oldest = alice
        .messages(app.general, PageCursor::Before(older.messages[0].id), 3)
        .await
        .unwrap();
    assert_eq!(bodies(&oldest), ["m0"]);
    assert!(!oldest.has_more);

    let newer = alice
        .messages(app.general, PageCursor::After(sent[1].id), 4)
        .await
        .unwrap();
    assert_eq!(bodies(&newer), ["m2", "m3", "m4", "m5"]);
    assert!(newer.has_more);
}

#[sqlx::test(migrations = "../migrations")]
async fn concurrent_posts_take_gap_free_positions(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let mut posters = Vec::new();
    for i in 0..8 {
        let (client, _) = app.user(&format!("poster{i}")).await;
        let general = app.general;
        posters.push(tokio::spawn(async move {
            for j in 0..10 {
                client
                    .send_message(general, &format!("{i}-{j}"))
                    .await
                    .unwrap();
            }
        }));
    }
    // A reader following with `after` while the posts land must see every one, once.
    let (reader, _) = app.user("reader").await;
    let mut seen = Vec::new();
    let mut cursor = PageCursor::Latest;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while seen.len() < 80 && tokio::time::Instant::now() < deadline {
        let page = reader.messages(app.general, cursor, 7).await.unwrap();
        if let (PageCursor::Latest, Some(first)) = (cursor, page.messages.first()) {
            // Start from the very beginning instead of the newest page.
            let all_before = reader
                .messages(app.general, PageCursor::Before(first.id), 200)
                .await
                .unwrap();
            seen.extend(all_before.messages.iter().map(|m| m.seq));
        }
        seen.extend(page.messages.iter().map(|m| m.seq));
        if let Some(last) = page.messages.last() {
            cursor = PageCursor::After(last.id);
        }
    }
    for poster in posters {
        poster.await.unwrap();
    }
    assert_eq!(seen, (1..=80).collect::<Vec<i64>>());
}

#[sqlx::test(migrations = "../migrations")]
async fn a_retried_post_with_the_same_key_is_stored_once(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let (_, alice_id) = app.user("alice").await;
    let token = app.token_for(alice_id).await;
    let path = format!("/api/channels/{}/messages", app.general);
    let body = json!({ "body": "only once", "idempotency_key": "k-1" }).to_string();
    let (first, a) = raw_post(&app, &token, &path, &body).await;
    let (second, b) = raw_post(&app, &token, &path, &body).await;
    assert_eq!((first, second), (201, 200));
    assert_eq!(a["id"], b["id"]);

    // Concurrent retries race to the same unique key; still one message.
    let body = json!({ "body": "raced", "idempotency_key": "k-2" }).to_string();
    let results =
        futures::future::join_all((0..6).map(|_| raw_post(&app, &token, &path, &body))).await;
    let ids: std::collections::HashSet<String> =
        results.iter().map(|(_, b)| b["id"].to_string()).collect();
    assert_eq!(ids.len(), 1, "{results:?}");
    assert_eq!(results.iter().filter(|(s, _)| *s == 201).count(), 1);
    assert_eq!(app.message_count().await, 2);
}

#[sqlx::test(migrations = "../migrations")]
async fn bad_input_gets_a_typed_error_and_stores_nothing(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let (_, alice_id) = app.user("alice").await;
    let token = app.token_for(alice_id).await;
    let path = format!("/api/channels/{}/messages", app.general);

    let (status, body) = raw_post(&app, &token, &path, "{\"body\": ").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_json"))
    );
    assert!(body["message"].as_str().unwrap().contains("not valid JSON"));

    let (status, body) = raw_post(&app, &token, &path, "{\"text\": \"hi\"}").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("validation_failed"))
    );
    assert!(body["message"].as_str().unwrap().contains("body"), "{body}");

    let (status, body) = raw_post(&app, &token, &path, &json!({ "body": "   " }).to_string()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("validation_failed"))
    );

    let long = "x".repeat(16_001);
    let (status, body) = raw_post(&app, &token, &path, &json!({ "body": long }).to_string()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (413, Some("payload_too_large"))
    );
    assert!(body["message"].as_str().unwrap().contains("16000"));

    let unknown = format!("/api/channels/{}/messages", uuid::Uuid::new_v4());
    let (status, body) =
        raw_post(&app, &token, &unknown, &json!({ "body": "hi" }).to_string()).await;
    assert_eq!((status, body["error"].as_str()), (404, Some("not_found")));

    let (status, body) = raw_post(
        &app,
        &token,
        "/api/channels/general/messages",
        &json!({ "body": "hi" }).to_string(),
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (400, Some("bad_request")));

    let response = reqwest::Client::new()
        .post(app.url(&path))
        .bearer_auth(&token)
        .body("{\"body\": \"no content type\"}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);

    assert_eq!(app.message_count().await, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn reading_needs_a_valid_token_and_membership(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let err = app
        .client()
        .messages(app.general, PageCursor::Latest, 10)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::Unauthorized));

    let forged = app
        .client()
        .with_token(&ajet_db::tokens::generate())
        .unwrap();
    let err = forged
        .messages(app.general, PageCursor::Latest, 10)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::Unauthorized));

    // Someone outside the channel cannot tell it from a channel that does not exist.
    let mut conn = app.pool.acquire().await.unwrap();
    let outsider = ajet_db::users::insert(&mut conn, "outsider").await.unwrap();
    let token = app.token_for(outsider.id).await;
    let client = app.client().with_token(&token).unwrap();
    let err = client
        .messages(app.general, PageCursor::Latest, 10)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::NotFound));
    let err = client
        .send_message(app.general, "let me in")
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::NotFound));
    assert_eq!(app.message_count().await, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn cursors_must_belong_to_the_channel(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let (alice, alice_id) = app.user("alice").await;
    let mut conn = app.pool.acquire().await.unwrap();
    let other = ajet_db::channels::insert_text(
        &mut conn,
        app.community.id,
        "random",
        ajet_core::dto::Visibility::Public,
        None,
    )
    .await
    .unwrap();
    ajet_db::channels::add_member(&mut conn, other, alice_id)
        .await
        .unwrap();
    let elsewhere = alice.send_message(other, "over here").await.unwrap();
    let err = alice
        .messages(app.general, PageCursor::After(elsewhere.id), 10)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::BadRequest));
    assert!(err.to_string().contains("another channel"), "{err}");

    let token = app.token_for(alice_id).await;
    let response = reqwest::Client::new()
        .get(app.url(&format!("/api/channels/{}/messages?limit=0", app.general)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_committed_message_is_published_with_its_trace(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let (alice, _) = app.user("alice").await;
    let nats = async_nats::connect(harness::nats_url()).await.unwrap();
    let mut sub = nats
        .subscribe(subjects::community(app.community.id))
        .await
        .unwrap();
    nats.flush().await.unwrap();

    let trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let alice = alice.with_header("traceparent", trace);
    let sent = alice
        .send_message(app.general, "on the wire")
        .await
        .unwrap();

    let msg = tokio::time::timeout(Duration::from_secs(5), sub.next())
        .await
        .expect("no event on NATS within 5 s")
        .unwrap();
    let envelope: Envelope = serde_json::from_slice(&msg.payload).unwrap();
    assert_eq!(envelope.channel_id, Some(app.general));
    assert_eq!(envelope.community_id, Some(app.community.id));
    match envelope.data {
        EventData::MessageCreated(m) => assert_eq!(m, sent),
        other => panic!("unexpected event {other:?}"),
    }
    let headers = msg.headers.unwrap();
    let sent_trace = headers.get("traceparent").unwrap().as_str();
    assert!(
        sent_trace.contains("4bf92f3577b34da6a3ce929d0e0e4736"),
        "{sent_trace}"
    );
    assert_eq!(
        headers.get("Nats-Msg-Id").unwrap().as_str(),
        envelope.event_id.to_string()
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn events_committed_while_the_bus_is_down_are_published_later(pool: PgPool) {
    // An api whose bus points at a port where nothing listens.
    let dead = ajet_bus::nats::NatsBus::connect(
        "nats://127.0.0.1:1",
        "dead",
        ajet_bus::nats::StreamSettings::default(),
    )
    .await
    .unwrap();
    let app = TestApp::with_bus(pool.clone(), std::sync::Arc::new(dead)).await;
    let (alice, _) = app.user("alice").await;
    let sent = alice.send_message(app.general, "while down").await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pending: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE published_at IS NULL")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(pending, 1, "the event waits in the outbox");
    drop(app);

    // Another instance with a working bus relays it: once.
    let nats = async_nats::connect(harness::nats_url()).await.unwrap();
    let mut conn = pool.acquire().await.unwrap();
    let community = ajet_db::communities::first(&mut conn)
        .await
        .unwrap()
        .unwrap();
    let mut sub = nats
        .subscribe(subjects::community(community.id))
        .await
        .unwrap();
    nats.flush().await.unwrap();
    let _app = TestApp::new(pool.clone()).await;
    let msg = tokio::time::timeout(Duration::from_secs(10), sub.next())
        .await
        .expect("the pending event was not relayed")
        .unwrap();
    let envelope: Envelope = serde_json::from_slice(&msg.payload).unwrap();
    assert!(matches!(envelope.data, EventData::MessageCreated(ref m) if m.id == sent.id));
    let extra = tokio::time::timeout(Duration::from_millis(700), sub.next()).await;
    assert!(extra.is_err(), "published twice: {extra:?}");
    assert_eq!(stored_on(&subjects::community(community.id)).await, 1);
    let published: Option<i64> =
        sqlx::query_scalar("SELECT stream_seq FROM outbox WHERE published_at IS NOT NULL")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(published.is_some());
}

/// How many copies of events on `subject` the stream holds.
async fn stored_on(subject: &str) -> usize {
    use async_nats::jetstream::consumer;
    let nats = async_nats::connect(harness::nats_url()).await.unwrap();
    let js = async_nats::jetstream::new(nats.clone());
    let stream = js.get_stream(subjects::STREAM).await.unwrap();
    let mut messages = stream
        .create_consumer(consumer::push::OrderedConfig {
            deliver_subject: nats.new_inbox(),
            filter_subject: subject.to_owned(),
            ..Default::default()
        })
        .await
        .unwrap()
        .messages()
        .await
        .unwrap();
    let mut count = 0;
    while let Ok(Some(Ok(_))) =
        tokio::time::timeout(Duration::from_millis(500), messages.next()).await
    {
        count += 1;
    }
    count
}

#[sqlx::test(migrations = "../migrations")]
async fn an_event_published_before_a_crash_is_relayed_again_but_stored_once(pool: PgPool) {
    // An instance committed a message, published its event, and died before marking it
    // published: the outbox still lists it as pending.
    let dead = ajet_bus::nats::NatsBus::connect(
        "nats://127.0.0.1:1",
        "dead",
        ajet_bus::nats::StreamSettings::default(),
    )
    .await
    .unwrap();
    let app = TestApp::with_bus(pool.clone(), std::sync::Arc::new(dead)).await;
    let (alice, _) = app.user("alice").await;
    alice
        .send_message(app.general, "published, then crashed")
        .await
        .unwrap();
    let community = app.community.id;
    drop(app);
    let (event_id, subject, payload): (uuid::Uuid, String, sqlx::types::Json<Value>) =
        sqlx::query_as("SELECT event_id, subject, payload FROM outbox WHERE published_at IS NULL")
            .fetch_one(&pool)
            .await
            .unwrap();
    let bus = harness::nats().await;
    ajet_bus::EventBus::publish_durable(
        bus.as_ref(),
        subject.clone(),
        event_id.into(),
        serde_json::to_vec(&payload.0).unwrap().into(),
        ajet_bus::TraceHeaders::default(),
    )
    .await
    .unwrap();

    // The next instance's sweep publishes it again; the stream keeps one copy.
    let _app = TestApp::new(pool.clone()).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let pending: i64 =
            sqlx::query_scalar("SELECT count(*) FROM outbox WHERE published_at IS NULL")
                .fetch_one(&pool)
                .await
                .unwrap();
        if pending == 0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the sweep never ran"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(subject, subjects::community(community));
    assert_eq!(stored_on(&subject).await, 1);
}
