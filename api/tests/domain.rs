//! The chat domain through the real HTTP stack, Postgres and NATS: communities, channels,
//! DMs, threads, reactions, mentions, notifications, read state, presence, moderation —
//! each write's event checked on the wire.

#![expect(
    clippy::unwrap_used,
    reason = "the harness fails a test loudly on setup errors"
)]

mod harness;

use std::collections::HashSet;
use std::time::Duration;

use ajet_core::dto::{
    ChannelKind, CreateChannel, NotificationKind, Role, UpdateChannel, Visibility,
};
use ajet_core::{ChannelId, Envelope, ErrorCode, EventData, UserId, subjects};
use ajet_db::PgPool;
use ajet_sdk::{Client, PageCursor};
use futures::StreamExt;
use harness::TestApp;
use serde_json::{Value, json};

/// A raw request, for status codes the sdk turns into errors.
async fn call(
    app: &TestApp,
    token: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = reqwest::Client::new()
        .request(method, app.url(path))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Events on `subject`, decoded.
async fn listen(subject: String) -> impl futures::Stream<Item = Envelope> + Unpin {
    let nats = async_nats::connect(harness::nats_url()).await.unwrap();
    let sub = nats.subscribe(subject).await.unwrap();
    nats.flush().await.unwrap();
    Box::pin(sub.map(|m| serde_json::from_slice::<Envelope>(&m.payload).unwrap()))
}

/// The next event whose type is `kind`, within 5 s.
async fn expect_event(
    events: &mut (impl futures::Stream<Item = Envelope> + Unpin),
    kind: &str,
) -> Envelope {
    tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let event = events.next().await.unwrap();
            if event.data.kind() == kind {
                return event;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {kind} event within 5 s"))
}

async fn user_with_token(app: &TestApp, name: &str) -> (Client, UserId, String) {
    let (client, id) = app.user(name).await;
    let token = app.token_for(id).await;
    (client, id, token)
}

#[sqlx::test(migrations = "../migrations")]
async fn communities_are_created_renamed_and_left(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let (alice, alice_id, alice_token) = user_with_token(&app, "alice").await;
    let (bob, bob_id, bob_token) = user_with_token(&app, "bob").await;

    let acme = alice.create_community("Acme Corp", None).await.unwrap();
    assert_eq!(acme.slug, "acme-corp");
    let (status, body) = call(
        &app,
        &alice_token,
        "POST",
        "/api/communities",
        Some(json!({"name": "Other", "slug": "acme-corp"})),
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (409, Some("conflict")));
    let (status, _) = call(
        &app,
        &alice_token,
        "POST",
        "/api/communities",
        Some(json!({"name": "Bad", "slug": "Not A Slug!"})),
    )
    .await;
    assert_eq!(status, 422);

    // The creator owns it and starts in its #general; a user can belong to several.
    let mine = alice.communities().await.unwrap();
    assert_eq!(mine.len(), 2);
    let members = alice.community_members(acme.id).await.unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0].role, Role::Owner);
    assert!(
        alice
            .channels()
            .await
            .unwrap()
            .iter()
            .any(|c| c.community_id == Some(acme.id) && c.name.as_deref() == Some("general"))
    );

    // Outsiders can neither see nor rename it.
    let path = format!("/api/communities/{}", acme.id);
    assert_eq!(call(&app, &bob_token, "GET", &path, None).await.0, 404);
    assert_eq!(
        call(
            &app,
            &bob_token,
            "PATCH",
            &path,
            Some(json!({"name": "Mine"}))
        )
        .await
        .0,
        404
    );
    let (status, body) = call(
        &app,
        &alice_token,
        "PATCH",
        &path,
        Some(json!({"name": "Acme Inc", "slug": "acme"})),
    )
    .await;
    assert_eq!((status, body["slug"].as_str()), (200, Some("acme")));

    // Bob joins (as the operator would add him), is promoted, and leaves; the owner cannot.
    let mut conn = app.pool.acquire().await.unwrap();
    ajet_db::communities::add_member(&mut conn, acme.id, bob_id, "member")
        .await
        .unwrap();
    let mut events = listen(subjects::community(acme.id)).await;
    let mut bob_events = listen(subjects::notifications(bob_id)).await;
    let (status, body) = call(
        &app,
        &alice_token,
        "PATCH",
        &format!("{path}/members/{bob_id}"),
        Some(json!({"role": "admin"})),
    )
    .await;
    assert_eq!((status, body["role"].as_str()), (200, Some("admin")));
    let event = expect_event(&mut events, "member.role_changed").await;
    assert!(
        matches!(event.data, EventData::MemberRoleChanged { user_id, role: Role::Admin } if user_id == bob_id)
    );
    let note = expect_event(&mut bob_events, "notification.created").await;
    assert!(
        matches!(note.data, EventData::NotificationCreated(n) if n.kind == NotificationKind::System)
    );
    // A member sets their own nickname, not someone else's.
    assert_eq!(
        call(
            &app,
            &bob_token,
            "PATCH",
            &format!("{path}/members/{alice_id}"),
            Some(json!({"nickname": "boss"}))
        )
        .await
        .0,
        403
    );
    assert_eq!(
        call(&app, &bob_token, "POST", &format!("{path}/leave"), None)
            .await
            .0,
        204
    );
    expect_event(&mut events, "member.left").await;
    let (status, body) = call(&app, &alice_token, "POST", &format!("{path}/leave"), None).await;
    assert_eq!((status, body["error"].as_str()), (409, Some("conflict")));
    assert_eq!(bob.communities().await.unwrap().len(), 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn private_channels_are_invisible_to_outsiders(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let (alice, _, alice_token) = user_with_token(&app, "alice").await;
    let (bob, bob_id, bob_token) = user_with_token(&app, "bob").await;
    let community = app.community.id;

    let mut community_events = listen(subjects::community(community)).await;
    let public = alice
        .create_channel(
            community,
            &CreateChannel {
                name: "#Deploys".into(),
                visibility: Visibility::Public,
                kind: ChannelKind::Text,
                topic: Some("ship it".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(public.name.as_deref(), Some("deploys"));
    let announced = expect_event(&mut community_events, "channel.created").await;
    assert_eq!(
        announced.channel_id, None,
        "a public channel is announced community-wide"
    );
    let secret = alice
        .create_channel(
            community,
            &CreateChannel {
                name: "secret".into(),
                visibility: Visibility::Private,
                kind: ChannelKind::Text,
                topic: None,
            },
        )
        .await
        .unwrap();
    let (status, _) = call(
        &app,
        &alice_token,
        "POST",
        &format!("/api/communities/{community}/channels"),
        Some(json!({"name": "deploys"})),
    )
    .await;
    assert_eq!(status, 409);
    let voice = alice
        .create_channel(
            community,
            &CreateChannel {
                name: "standup".into(),
                visibility: Visibility::Public,
                kind: ChannelKind::Voice,
                topic: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(voice.kind, ChannelKind::Voice);

    // Bob: the public one is joinable, the private one does not exist for him.
    for path in [
        format!("/api/channels/{}", secret.id),
        format!("/api/channels/{}/messages", secret.id),
        format!("/api/channels/{}/members", secret.id),
    ] {
        let (status, body) = call(&app, &bob_token, "GET", &path, None).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (404, Some("not_found")),
            "{path}"
        );
    }
    assert_eq!(
        call(
            &app,
            &bob_token,
            "POST",
            &format!("/api/channels/{}/join", secret.id),
            None
        )
        .await
        .0,
        404
    );
    let unknown = ChannelId::new();
    let (s1, b1) = call(
        &app,
        &bob_token,
        "GET",
        &format!("/api/channels/{}", secret.id),
        None,
    )
    .await;
    let (s2, b2) = call(
        &app,
        &bob_token,
        "GET",
        &format!("/api/channels/{unknown}"),
        None,
    )
    .await;
    assert_eq!(
        (s1, &b1),
        (s2, &b2),
        "a private channel answers exactly like a missing one"
    );
    bob.join_channel(public.id).await.unwrap();
    bob.join_channel(public.id).await.unwrap();
    assert!(
        bob.channels()
            .await
            .unwrap()
            .iter()
            .any(|c| c.id == public.id)
    );

    // Alice invites Bob into the private channel: he is notified and can read it.
    let mut bob_events = listen(subjects::notifications(bob_id)).await;
    alice.add_channel_member(secret.id, bob_id).await.unwrap();
    let note = expect_event(&mut bob_events, "notification.created").await;
    assert!(
        matches!(note.data, EventData::NotificationCreated(ref n) if n.kind == NotificationKind::Invite)
    );
    bob.messages(secret.id, PageCursor::Latest, 10)
        .await
        .unwrap();
    bob.leave_channel(secret.id).await.unwrap();
    assert_eq!(
        bob.messages(secret.id, PageCursor::Latest, 10)
            .await
            .unwrap_err()
            .code(),
        Some(ErrorCode::NotFound)
    );

    // Topic by any member; renaming and archiving by moderators only.
    let topic = bob
        .update_channel(
            public.id,
            &UpdateChannel {
                name: None,
                topic: Some("fridays".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(topic.topic, "fridays");
    let err = bob
        .update_channel(
            public.id,
            &UpdateChannel {
                name: Some("renamed".into()),
                topic: None,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::Forbidden));
    assert_eq!(
        bob.archive_channel(public.id).await.unwrap_err().code(),
        Some(ErrorCode::Forbidden)
    );
    let mut conn = app.pool.acquire().await.unwrap();
    let alice_id = ajet_db::users::by_username(&mut conn, "alice")
        .await
        .unwrap()
        .unwrap()
        .id;
    ajet_db::communities::update_member(&mut conn, community, alice_id, Some("admin"), None, None)
        .await
        .unwrap();
    let archived = alice.archive_channel(public.id).await.unwrap();
    assert!(archived.archived);
    let (status, body) = call(
        &app,
        &bob_token,
        "POST",
        &format!("/api/channels/{}/messages", public.id),
        Some(json!({"body": "late"})),
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")));
    assert!(body["message"].as_str().unwrap().contains("archived"));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_pair_has_exactly_one_dm_even_when_both_start_it_at_once(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let (alice, alice_id, _) = user_with_token(&app, "alice").await;
    let (bob, bob_id, _) = user_with_token(&app, "bob").await;
    let (carol, _, carol_token) = user_with_token(&app, "carol").await;

    let mut starts = Vec::new();
    for i in 0..10 {
        let (client, name) = if i % 2 == 0 {
            (alice.clone(), "bob")
        } else {
            (bob.clone(), "alice")
        };
        starts.push(tokio::spawn(async move {
            client.start_dm(&[name]).await.unwrap().id
        }));
    }
    let ids: HashSet<ChannelId> = futures::future::join_all(starts)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    let dm = *ids.iter().next().unwrap();
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM channels WHERE kind = 'dm'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 1);

    let channel = alice.channel(dm).await.unwrap();
    assert_eq!(channel.kind, ChannelKind::Dm);
    assert_eq!(channel.community_id, None);
    assert_eq!(
        channel.members.iter().map(|u| u.id).collect::<Vec<_>>(),
        vec![bob_id]
    );

    // A DM is private to its pair; messages in it notify the other.
    let mut bob_events = listen(subjects::notifications(bob_id)).await;
    let mut dm_events = listen(subjects::dm(dm)).await;
    alice.send_message(dm, "psst").await.unwrap();
    expect_event(&mut dm_events, "message.created").await;
    let note = expect_event(&mut bob_events, "notification.created").await;
    assert!(
        matches!(note.data, EventData::NotificationCreated(ref n) if n.kind == NotificationKind::Dm)
    );
    assert_eq!(
        call(
            &app,
            &carol_token,
            "GET",
            &format!("/api/channels/{dm}/messages"),
            None
        )
        .await
        .0,
        404
    );

    // A group DM with two others; nobody alone; unknown users named.
    let group = carol.start_dm(&["alice", "bob"]).await.unwrap();
    assert_eq!(group.kind, ChannelKind::GroupDm);
    assert_eq!(group.members.len(), 2);
    assert!(group.members.iter().any(|u| u.id == alice_id));
    let (status, body) = call(
        &app,
        &carol_token,
        "POST",
        "/api/dms",
        Some(json!({"usernames": ["carol"]})),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = call(
        &app,
        &carol_token,
        "POST",
        "/api/dms",
        Some(json!({"usernames": ["nobody"]})),
    )
    .await;
    assert_eq!(status, 404);
    assert!(body["message"].as_str().unwrap().contains("@nobody"));
}

#[sqlx::test(migrations = "../migrations")]
async fn messages_are_edited_by_their_author_and_deleted_to_a_tombstone(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let (alice, alice_id, _) = user_with_token(&app, "alice").await;
    let (bob, _, bob_token) = user_with_token(&app, "bob").await;
    let mut events = listen(subjects::community(app.community.id)).await;

    let parent = alice.send_message(app.general, "first").await.unwrap();
    let edited = alice
        .edit_message(parent.id, "first, edited")
        .await
        .unwrap();
    assert_eq!(edited.body, "first, edited");
    assert!(edited.edited_at.is_some());
    let event = expect_event(&mut events, "message.edited").await;
    assert!(matches!(event.data, EventData::MessageEdited(ref m) if m.body == "first, edited"));
    let (status, body) = call(
        &app,
        &bob_token,
        "PATCH",
        &format!("/api/messages/{}", parent.id),
        Some(json!({"body": "mine now"})),
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")));

    // A thread, one level deep.
    let reply = bob
        .post_message(app.general, "a reply", Some(parent.id))
        .await
        .unwrap();
    assert_eq!(reply.parent_id, Some(parent.id));
    let thread = expect_event(&mut events, "thread.updated").await;
    assert!(matches!(
        thread.data,
        EventData::ThreadUpdated { reply_count: 1, .. }
    ));
    let (status, _) = call(
        &app,
        &bob_token,
        "POST",
        &format!("/api/channels/{}/messages", app.general),
        Some(json!({"body": "deeper", "parent_id": reply.id})),
    )
    .await;
    assert_eq!(status, 422);
    let top = alice.message(parent.id).await.unwrap();
    assert_eq!(top.reply_count, 1);
    assert!(top.last_reply_at.is_some());
    assert_eq!(top.reply_participants.len(), 1);
    let timeline = alice
        .messages(app.general, PageCursor::Latest, 10)
        .await
        .unwrap();
    assert_eq!(timeline.messages.len(), 1, "replies stay in their thread");
    let replies = alice
        .replies(parent.id, PageCursor::Latest, 10)
        .await
        .unwrap();
    assert_eq!(
        replies
            .messages
            .iter()
            .map(|m| m.body.as_str())
            .collect::<Vec<_>>(),
        ["a reply"]
    );

    // Bob may not delete Alice's message; Alice may; a moderator may delete Bob's.
    assert_eq!(
        call(
            &app,
            &bob_token,
            "DELETE",
            &format!("/api/messages/{}", parent.id),
            None
        )
        .await
        .0,
        403
    );
    alice.delete_message(parent.id).await.unwrap();
    alice.delete_message(parent.id).await.unwrap();
    let event = expect_event(&mut events, "message.deleted").await;
    assert!(
        matches!(event.data, EventData::MessageDeleted { message_id, .. } if message_id == parent.id)
    );
    let tomb = alice.message(parent.id).await.unwrap();
    assert!(tomb.deleted);
    assert_eq!(tomb.body, "");
    assert_eq!(
        alice
            .replies(parent.id, PageCursor::Latest, 10)
            .await
            .unwrap()
            .messages
            .len(),
        1,
        "the thread keeps its shape"
    );
    assert_eq!(
        alice
            .edit_message(parent.id, "revive")
            .await
            .unwrap_err()
            .code(),
        Some(ErrorCode::Conflict)
    );

    let mut conn = app.pool.acquire().await.unwrap();
    ajet_db::communities::update_member(
        &mut conn,
        app.community.id,
        alice_id,
        Some("admin"),
        None,
        None,
    )
    .await
    .unwrap();
    alice.delete_message(reply.id).await.unwrap();
    assert!(bob.message(reply.id).await.unwrap().deleted);
    assert_eq!(alice.message(parent.id).await.unwrap().reply_count, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn reactions_are_idempotent_and_only_emoji(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let (alice, _, alice_token) = user_with_token(&app, "alice").await;
    let (bob, _, _) = user_with_token(&app, "bob").await;
    let message = alice
        .send_message(app.general, "react to me")
        .await
        .unwrap();
    let mut events = listen(subjects::community(app.community.id)).await;

    alice.react(message.id, "👍", true).await.unwrap();
    let after = alice.react(message.id, "👍", true).await.unwrap();
    assert_eq!(after.len(), 1);
    assert_eq!((after[0].count, after[0].reacted_by_me), (1, true));
    expect_event(&mut events, "reaction.added").await;
    bob.react(message.id, "👍", true).await.unwrap();
    bob.react(message.id, "🎉", true).await.unwrap();
    let seen = bob.message(message.id).await.unwrap().reactions;
    assert_eq!(
        seen.iter()
            .map(|r| (r.emoji.as_str(), r.count, r.reacted_by_me))
            .collect::<Vec<_>>(),
        [("👍", 2, true), ("🎉", 1, true)]
    );
    // Who reacted, first first (shown on hover).
    assert_eq!(seen[0].users, ["alice", "bob"]);
    assert_eq!(seen[1].users, ["bob"]);
    let seen = alice
        .messages(app.general, PageCursor::Latest, 5)
        .await
        .unwrap()
        .messages[0]
        .reactions
        .clone();
    assert_eq!(
        seen.iter().map(|r| r.reacted_by_me).collect::<Vec<_>>(),
        [true, false]
    );

    bob.react(message.id, "🎉", false).await.unwrap();
    bob.react(message.id, "🎉", false).await.unwrap();
    assert_eq!(bob.message(message.id).await.unwrap().reactions.len(), 1);

    for bad in ["x", "%3Cscript%3E", ":thumbsup:"] {
        let (status, body) = call(
            &app,
            &alice_token,
            "PUT",
            &format!("/api/messages/{}/reactions/{bad}", message.id),
            None,
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (422, Some("validation_failed")),
            "{bad}"
        );
    }
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM reactions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 2);
}

#[sqlx::test(migrations = "../migrations")]
async fn mentions_notify_and_code_does_not(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let (alice, _, _) = user_with_token(&app, "alice").await;
    let (bob, bob_id, _) = user_with_token(&app, "bob").await;
    let (carol, _, _) = user_with_token(&app, "carol").await;

    alice
        .send_message(app.general, "see `@bob` and\n\n```\n@carol\n```")
        .await
        .unwrap();
    assert_eq!(
        bob.notifications(true, None, 10)
            .await
            .unwrap()
            .unread_count,
        0
    );
    assert_eq!(
        carol
            .notifications(true, None, 10)
            .await
            .unwrap()
            .unread_count,
        0
    );

    let mut bob_events = listen(subjects::notifications(bob_id)).await;
    let hello = alice
        .send_message(app.general, "hey @Bob, look")
        .await
        .unwrap();
    let note = expect_event(&mut bob_events, "notification.created").await;
    assert!(
        matches!(note.data, EventData::NotificationCreated(ref n) if n.kind == NotificationKind::Mention)
    );
    let stored: Vec<(String, Option<uuid::Uuid>)> =
        sqlx::query_as("SELECT target_kind, target_user_id FROM mentions WHERE message_id = $1")
            .bind(hello.id.as_uuid())
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(stored, vec![("user".to_owned(), Some(bob_id.as_uuid()))]);

    // @channel reaches everyone but the author; sidebar mention counts follow.
    alice
        .send_message(app.general, "@channel standup")
        .await
        .unwrap();
    let general = carol.channel(app.general).await.unwrap();
    assert_eq!((general.unread_count, general.mention_count), (3, 1));
    let general = bob.channel(app.general).await.unwrap();
    assert_eq!((general.unread_count, general.mention_count), (3, 2));

    // A reply notifies the thread's author and its participants.
    bob.post_message(app.general, "on it", Some(hello.id))
        .await
        .unwrap();
    let alice_notes = alice.notifications(true, None, 10).await.unwrap();
    assert_eq!(
        alice_notes.notifications[0].kind,
        NotificationKind::ThreadReply
    );
    carol
        .post_message(app.general, "me too", Some(hello.id))
        .await
        .unwrap();
    let bob_notes = bob.notifications(true, None, 10).await.unwrap();
    assert_eq!(
        bob_notes.notifications[0].kind,
        NotificationKind::ThreadReply
    );

    // Marking read: some, then all.
    let page = bob.notifications(true, None, 10).await.unwrap();
    let bob_token = app.token_for(bob_id).await;
    let (status, count) = call(&app, &bob_token, "GET", "/api/notifications/count", None).await;
    assert_eq!(
        (status, count["unread_count"].as_i64()),
        (200, Some(page.unread_count))
    );
    assert_eq!(page.unread_count, 3);
    let left = bob
        .mark_notifications_read(&[page.notifications[0].id], false)
        .await
        .unwrap();
    assert_eq!(left, 2);
    assert_eq!(bob.mark_notifications_read(&[], true).await.unwrap(), 0);
    assert_eq!(
        bob.notifications(false, None, 10)
            .await
            .unwrap()
            .notifications
            .len(),
        3
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn read_positions_drive_unread_counts(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let (alice, _, _) = user_with_token(&app, "alice").await;
    let (bob, bob_id, bob_token) = user_with_token(&app, "bob").await;
    let mut sent = Vec::new();
    for i in 0..4 {
        sent.push(
            alice
                .send_message(app.general, &format!("m{i}"))
                .await
                .unwrap(),
        );
    }
    assert_eq!(
        alice.channel(app.general).await.unwrap().unread_count,
        0,
        "your own messages are read"
    );
    assert_eq!(bob.channel(app.general).await.unwrap().unread_count, 4);

    let mut events = listen(subjects::notifications(bob_id)).await;
    let read = bob.mark_read(app.general, Some(sent[1].id)).await.unwrap();
    assert_eq!((read.unread_count, read.last_read_seq), (2, sent[1].seq));
    let event = expect_event(&mut events, "read.updated").await;
    assert!(
        matches!(event.data, EventData::ReadUpdated { last_read_seq, .. } if last_read_seq == sent[1].seq)
    );
    assert_eq!(
        bob.mark_read(app.general, None).await.unwrap().unread_count,
        0
    );
    let unread = bob.mark_unread(app.general, sent[2].id).await.unwrap();
    assert_eq!(unread.unread_count, 2);
    assert_eq!(
        bob.channels()
            .await
            .unwrap()
            .iter()
            .find(|c| c.id == app.general)
            .unwrap()
            .unread_count,
        2
    );

    // A body-less POST marks everything read; a marker from elsewhere is refused.
    let (status, body) = call(
        &app,
        &bob_token,
        "POST",
        &format!("/api/channels/{}/read", app.general),
        None,
    )
    .await;
    assert_eq!((status, body["unread_count"].as_i64()), (200, Some(0)));
    let dm = alice.start_dm(&["bob"]).await.unwrap();
    let elsewhere = alice.send_message(dm.id, "x").await.unwrap();
    let (status, _) = call(
        &app,
        &bob_token,
        "POST",
        &format!("/api/channels/{}/unread", app.general),
        Some(json!({"message_id": elsewhere.id})),
    )
    .await;
    assert_eq!(status, 422);
}

#[sqlx::test(migrations = "../migrations")]
async fn heartbeats_make_people_online(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let (alice, alice_id, alice_token) = user_with_token(&app, "alice").await;
    let (_, bob_id, _) = user_with_token(&app, "bob").await;
    let nats = async_nats::connect(harness::nats_url()).await.unwrap();
    let mut presence = nats
        .subscribe(subjects::presence(app.community.id))
        .await
        .unwrap();
    nats.flush().await.unwrap();

    alice.heartbeat().await.unwrap();
    let msg = tokio::time::timeout(Duration::from_secs(5), presence.next())
        .await
        .unwrap()
        .unwrap();
    let event: Envelope = serde_json::from_slice(&msg.payload).unwrap();
    assert!(
        matches!(event.data, EventData::PresenceHeartbeat { user_id, ref channel_ids, .. } if user_id == alice_id && channel_ids.contains(&app.general))
    );
    let states = alice.presence(&[alice_id, bob_id]).await.unwrap();
    let online: Vec<(UserId, bool)> = states.iter().map(|p| (p.user_id, p.online)).collect();
    assert!(
        online.contains(&(alice_id, true)) && online.contains(&(bob_id, false)),
        "{online:?}"
    );
    // Alice shares #general with Bob: he is among her contacts.
    let contacts = alice.contacts().await.unwrap();
    assert!(
        contacts.contains(&bob_id) && !contacts.contains(&alice_id),
        "{contacts:?}"
    );
    let (status, _) = call(
        &app,
        &alice_token,
        "GET",
        "/api/presence?user_ids=nope",
        None,
    )
    .await;
    assert_eq!(status, 400);
}

#[sqlx::test(migrations = "../migrations")]
async fn banned_members_read_nothing_and_muted_ones_cannot_post(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let (alice, _, _) = user_with_token(&app, "alice").await;
    let (bob, bob_id, bob_token) = user_with_token(&app, "bob").await;
    let (carol, carol_id, _) = user_with_token(&app, "carol").await;
    let message = alice.send_message(app.general, "hello").await.unwrap();

    sqlx::query("INSERT INTO mutes (community_id, user_id, expires_at) VALUES ($1, $2, now() + interval '1 hour')")
        .bind(app.community.id.as_uuid())
        .bind(carol_id.as_uuid())
        .execute(&app.pool)
        .await
        .unwrap();
    let err = carol
        .send_message(app.general, "let me speak")
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::Forbidden));
    assert!(err.to_string().contains("muted"), "{err}");
    carol
        .messages(app.general, PageCursor::Latest, 5)
        .await
        .unwrap();

    app.ban(bob_id).await;
    for path in [
        format!("/api/channels/{}/messages", app.general),
        format!("/api/messages/{}", message.id),
        format!("/api/communities/{}", app.community.id),
    ] {
        let (status, body) = call(&app, &bob_token, "GET", &path, None).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (403, Some("forbidden")),
            "{path}"
        );
    }
    assert!(bob.channels().await.unwrap().is_empty());
    let messages: i64 = sqlx::query_scalar("SELECT count(*) FROM messages")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(messages, 1);
}
