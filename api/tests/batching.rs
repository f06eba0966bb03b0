//! Plain messages stored in batches (group commit) behave exactly like messages posted one
//! by one: positions, answers, read positions, events, and every refusal.

#![expect(
    clippy::unwrap_used,
    reason = "the harness fails a test loudly on setup errors"
)]

mod harness;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use ajet_core::dto::{ChannelKind, CreateChannel, MessageDto, Visibility};
use ajet_core::{ChannelId, Envelope, ErrorCode, EventData, subjects};
use ajet_db::PgPool;
use futures::StreamExt;
use harness::TestApp;

/// Public channels of the test community, each with `members` in it.
async fn channels(app: &TestApp, admin: &ajet_sdk::Client, names: &[&str]) -> Vec<ChannelId> {
    let mut ids = Vec::new();
    for name in names {
        let channel = admin
            .create_channel(
                app.community.id,
                &CreateChannel {
                    name: (*name).to_owned(),
                    visibility: Visibility::Public,
                    kind: ChannelKind::Text,
                    topic: None,
                },
            )
            .await
            .unwrap();
        ids.push(channel.id);
    }
    ids
}

/// An admin of the test community, with a client holding their token.
async fn admin(app: &TestApp) -> ajet_sdk::Client {
    let (token, _) = app.admin("admin").await;
    app.client().with_token(&token).unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn concurrent_plain_posts_share_commits_and_match_single_posts(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let admin = admin(&app).await;
    let channels = channels(&app, &admin, &["one", "two", "three"]).await;
    let mut posters = Vec::new();
    for i in 0..6 {
        let (client, _) = app.user(&format!("poster{i}")).await;
        for channel in &channels {
            client.join_channel(*channel).await.unwrap();
        }
        posters.push(client);
    }
    // The first post to a channel teaches the writer the channel's community.
    for channel in &channels {
        admin.send_message(*channel, "first").await.unwrap();
    }
    let nats = async_nats::connect(harness::nats_url()).await.unwrap();
    let mut events = nats
        .subscribe(subjects::community(app.community.id))
        .await
        .unwrap();
    nats.flush().await.unwrap();

    // Everyone posts at once, into every channel, several times.
    let mut tasks = Vec::new();
    for (i, client) in posters.iter().enumerate() {
        for round in 0..4 {
            for (c, channel) in channels.iter().enumerate() {
                let (client, channel) = (client.clone(), *channel);
                tasks.push(tokio::spawn(async move {
                    client
                        .send_message(channel, &format!("p{i} r{round} c{c}"))
                        .await
                        .unwrap()
                }));
            }
        }
    }
    let mut sent: Vec<MessageDto> = Vec::new();
    for task in tasks {
        sent.push(task.await.unwrap());
    }
    assert_eq!(sent.len(), 72);

    // Each channel's positions are 2..=25, once each.
    let mut by_channel: BTreeMap<ChannelId, Vec<i64>> = BTreeMap::new();
    for message in &sent {
        by_channel
            .entry(message.channel_id)
            .or_default()
            .push(message.seq);
    }
    for seqs in by_channel.values_mut() {
        seqs.sort_unstable();
        assert_eq!(*seqs, (2..=25).collect::<Vec<i64>>());
    }

    // The answers are what is stored, and what the events carry.
    for message in &sent {
        let stored = posters[0].message(message.id).await.unwrap();
        assert_eq!(&stored, message);
        assert!(message.author_username.starts_with("poster"));
    }
    let mut announced: HashMap<_, MessageDto> = HashMap::new();
    while announced.len() < sent.len() {
        let msg = tokio::time::timeout(Duration::from_secs(5), events.next())
            .await
            .expect("an event is missing")
            .unwrap();
        let envelope: Envelope = serde_json::from_slice(&msg.payload).unwrap();
        // What the outbox keeps (and a sweep would publish again) is the same event.
        let kept: sqlx::types::Json<Envelope> =
            sqlx::query_scalar("SELECT payload FROM outbox WHERE event_id = $1")
                .bind(envelope.event_id.as_uuid())
                .fetch_one(&app.pool)
                .await
                .unwrap();
        assert_eq!(kept.0, envelope);
        if let EventData::MessageCreated(m) = envelope.data {
            assert_eq!(envelope.community_id, Some(app.community.id));
            assert_eq!(envelope.channel_id, Some(m.channel_id));
            assert_eq!(envelope.actor_id, Some(m.author_id));
            announced.insert(m.id, m);
        }
    }
    for message in &sent {
        assert_eq!(announced.get(&message.id), Some(message));
    }

    // Each author's read position is their last message in the channel.
    let unread_by_me: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM messages msg
         JOIN channel_members m ON m.channel_id = msg.channel_id AND m.user_id = msg.author_id
         WHERE msg.seq > m.last_read_seq",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(unread_by_me, 0);

    // Messages were stored together: fewer commits than messages (rows written by one
    // statement share its transaction's time).
    let commits: i64 = sqlx::query_scalar(
        "SELECT count(DISTINCT created_at) FROM outbox
         WHERE payload->>'type' = 'message.created' AND payload->'data'->>'seq' <> '1'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(commits < 72, "every message had its own commit");
}

#[sqlx::test(migrations = "../migrations")]
async fn batches_refuse_what_a_single_post_refuses(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let admin = admin(&app).await;
    let (alice, _) = app.user("alice").await;
    let (carol, carol_id) = app.user("carol").await;
    let (outsider, _) = app.user("outsider").await;
    let [closed] = channels(&app, &admin, &["closed"]).await[..] else {
        panic!("one channel")
    };
    alice.join_channel(closed).await.unwrap();
    carol.join_channel(closed).await.unwrap();
    // The first posts teach the writer the channels' community.
    alice.send_message(app.general, "hello").await.unwrap();
    alice.send_message(closed, "hello").await.unwrap();

    // Not a member: 404, like a channel that does not exist.
    outsider.leave_channel(app.general).await.unwrap();
    let err = outsider.send_message(app.general, "hi").await.unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::NotFound));

    // Muted: 403 with the reason; banned: 403.
    app.mute(carol_id).await;
    let err = carol.send_message(app.general, "hi").await.unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::Forbidden));
    assert!(err.to_string().contains("muted"), "{err}");
    sqlx::query("DELETE FROM mutes")
        .execute(&app.pool)
        .await
        .unwrap();
    app.ban(carol_id).await;
    let err = carol.send_message(app.general, "hi").await.unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::Forbidden));
    assert!(err.to_string().contains("banned"), "{err}");

    // Archived: 403.
    admin.archive_channel(closed).await.unwrap();
    let err = alice.send_message(closed, "hi").await.unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::Forbidden));
    assert!(err.to_string().contains("archived"), "{err}");

    // Nothing of that was stored; the allowed posts were, with no gap.
    let stored: Vec<(String, i64)> =
        sqlx::query_as("SELECT body_md, seq FROM messages ORDER BY created_at, seq")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        stored,
        [("hello".to_owned(), 1), ("hello".to_owned(), 1)],
        "{stored:?}"
    );
    let last_seqs: Vec<i64> =
        sqlx::query_scalar("SELECT last_seq FROM channels WHERE id = ANY($1)")
            .bind(vec![app.general.as_uuid(), closed.as_uuid()])
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(last_seqs, [1, 1]);
}

#[sqlx::test(migrations = "../migrations")]
async fn posting_survives_the_loss_of_every_database_connection(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let (alice, _) = app.user("alice").await;
    // The first post teaches the writer the channel's community; the second is batched,
    // and leaves the writer holding its connection.
    alice.send_message(app.general, "one").await.unwrap();
    alice.send_message(app.general, "two").await.unwrap();

    // The database drops every other connection, the writer's too (as a restart would).
    let dropped: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert!(
        !dropped.is_empty() && dropped.iter().all(|&d| d),
        "{dropped:?}"
    );

    // Every post is still stored, once, in order: the batch that meets the dead connection
    // is posted message by message, and the writer takes a fresh connection after it.
    for body in ["three", "four", "five"] {
        let message = alice.send_message(app.general, body).await.unwrap();
        assert_eq!(message.body, body);
    }
    let stored: Vec<(String, i64)> =
        sqlx::query_as("SELECT body_md, seq FROM messages ORDER BY seq")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    let expected: Vec<(String, i64)> = ["one", "two", "three", "four", "five"]
        .iter()
        .zip(1..)
        .map(|(body, seq)| ((*body).to_owned(), seq))
        .collect();
    assert_eq!(stored, expected);
    // And the writer is storing batches again, on a connection opened since.
    let batching: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity
         WHERE datname = current_database() AND query LIKE 'WITH input AS%'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(batching, 1);
}

/// The posting rule is stated twice: in [`ajet_api::authz::postable_channel`] for posts
/// one by one, and in the batch statement's SQL. The same table of cases goes through
/// both, one case at a time on a fresh channel and member: the batch stores a message
/// exactly when the single check lets it through (for community channels; it leaves DMs
/// to the single path).
#[sqlx::test(migrations = "../migrations")]
async fn the_batch_statement_and_the_single_check_agree_on_every_case(pool: PgPool) {
    use ajet_db::messages::BatchedMessage;

    let app = TestApp::new(pool.clone()).await;
    let community = app.community.id;
    #[derive(Debug, Clone, Copy)]
    struct Case {
        name: &'static str,
        member: bool,
        archived: bool,
        banned: Option<i64>,
        muted: Option<i64>,
        voice: bool,
    }
    let base = Case {
        name: "",
        member: true,
        archived: false,
        banned: None,
        muted: None,
        voice: false,
    };
    // `banned`/`muted`: minutes until the end (negative: ended), or 0 for no end.
    let cases = [
        Case {
            name: "a member of a text channel",
            ..base
        },
        Case {
            name: "a member of a voice channel",
            voice: true,
            ..base
        },
        Case {
            name: "not a member",
            member: false,
            ..base
        },
        Case {
            name: "archived",
            archived: true,
            ..base
        },
        Case {
            name: "banned for good",
            banned: Some(0),
            ..base
        },
        Case {
            name: "banned for a while",
            banned: Some(30),
            ..base
        },
        Case {
            name: "a ban that has ended",
            banned: Some(-1),
            ..base
        },
        Case {
            name: "muted for good",
            muted: Some(0),
            ..base
        },
        Case {
            name: "muted for a while",
            muted: Some(30),
            ..base
        },
        Case {
            name: "a mute that has ended",
            muted: Some(-1),
            ..base
        },
        Case {
            name: "banned and muted",
            banned: Some(0),
            muted: Some(0),
            ..base
        },
    ];
    for (i, case) in cases.iter().enumerate() {
        let mut conn = pool.acquire().await.unwrap();
        let user = ajet_db::bootstrap::create_member(&mut conn, community, &format!("u{i}"), false)
            .await
            .unwrap()
            .id;
        let channel = ajet_db::channels::insert_text(
            &mut conn,
            community,
            &format!("c{i}"),
            Visibility::Public,
            None,
        )
        .await
        .unwrap();
        if case.voice {
            sqlx::query("UPDATE channels SET kind = 'voice' WHERE id = $1")
                .bind(channel.as_uuid())
                .execute(&mut *conn)
                .await
                .unwrap();
        }
        if case.member {
            ajet_db::channels::add_member(&mut conn, channel, user)
                .await
                .unwrap();
        }
        if case.archived {
            ajet_db::channels::archive(&mut conn, channel)
                .await
                .unwrap();
        }
        for (table, minutes) in [("bans", case.banned), ("mutes", case.muted)] {
            if let Some(minutes) = minutes {
                let ends = (minutes != 0)
                    .then(|| chrono::Utc::now() + chrono::TimeDelta::minutes(minutes));
                sqlx::query(&format!(
                    "INSERT INTO {table} (community_id, user_id, expires_at) VALUES ($1, $2, $3)"
                ))
                .bind(community.as_uuid())
                .bind(user.as_uuid())
                .bind(ends)
                .execute(&mut *conn)
                .await
                .unwrap();
            }
        }
        let single = ajet_api::authz::postable_channel(&mut conn, channel, user)
            .await
            .is_ok();
        let event = Envelope::for_channel(
            Some(community),
            channel,
            Some(user),
            EventData::Typing {
                user_id: user,
                typing: false,
            },
        );
        let batch = ajet_db::messages::insert_batch(
            &mut conn,
            &[BatchedMessage {
                id: ajet_core::MessageId::new(),
                channel,
                community,
                author: user,
                body: "hello".to_owned(),
                idempotency_key: None,
                meta: None,
                created_at: chrono::Utc::now(),
                event_id: event.event_id,
                subject: subjects::community(community),
                payload: serde_json::to_string(&event).unwrap(),
                traceparent: None,
            }],
        )
        .await
        .unwrap();
        assert_eq!(
            !batch.is_empty(),
            single,
            "{}: the batch stored {} message(s), the single check said {}",
            case.name,
            batch.len(),
            if single { "yes" } else { "no" }
        );
    }
}
