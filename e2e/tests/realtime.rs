//! Live delivery through the gateway: typing, removal, the browser's stream, and resume.

mod common;

use std::time::{Duration, Instant};

use ajet_core::EventData;
use ajet_core::dto::{ChannelKind, CreateChannel, Visibility};
use anyhow::{Context, Result, bail};
use common::{Stack, next_matching, open_stream};

#[tokio::test]
async fn typing_reaches_the_others_in_the_channel_at_once() -> Result<()> {
    let stack = Stack::start().await?;
    let (alice, bob) = (stack.user("alice").await?, stack.user("bob").await?);
    let mut bob_stream = open_stream(&stack, &bob, "/tui/stream").await?;
    let alice_sdk = stack.sdk(&alice)?;
    let general = alice_sdk
        .channels()
        .await?
        .into_iter()
        .find(|c| c.name.as_deref() == Some("general"))
        .context("no #general")?;
    tokio::time::sleep(Duration::from_millis(300)).await;

    alice_sdk.typing("/tui/typing", general.id, true).await?;
    let seen = next_matching(&mut bob_stream, Duration::from_secs(2), |e| {
        matches!(e.data, EventData::Typing { typing: true, .. })
    })
    .await?;
    assert_eq!(seen.channel_id, Some(general.id));
    assert_eq!(
        seen.id, None,
        "typing is never stored, so it has no resume id"
    );
    alice_sdk.typing("/tui/typing", general.id, false).await?;
    next_matching(&mut bob_stream, Duration::from_secs(2), |e| {
        matches!(e.data, EventData::Typing { typing: false, .. })
    })
    .await?;

    // Typing in a channel one is not in is refused like any unknown channel.
    let outsider = stack.user("carol").await?;
    let err = stack
        .sdk(&outsider)?
        .typing("/tui/typing", ajet_core::ChannelId::new(), true)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(ajet_core::ErrorCode::NotFound));
    Ok(())
}

#[tokio::test]
async fn leaving_a_private_channel_stops_delivery_within_a_second() -> Result<()> {
    let stack = Stack::start().await?;
    let (alice, bob) = (stack.user("alice").await?, stack.user("bob").await?);
    let alice_sdk = stack.sdk(&alice)?;
    let bob_sdk = stack.sdk(&bob)?;
    let community = alice_sdk.communities().await?[0].id;
    let secret = alice_sdk
        .create_channel(
            community,
            &CreateChannel {
                name: "secret".into(),
                visibility: Visibility::Private,
                kind: ChannelKind::Text,
                topic: None,
            },
        )
        .await?;
    let mut bob_stream = open_stream(&stack, &bob, "/tui/stream").await?;

    // Added while connected: delivery starts without a reconnect.
    let bob_id = bob_sdk.me().await?.user.id;
    alice_sdk.add_channel_member(secret.id, bob_id).await?;
    alice_sdk.send_message(secret.id, "welcome").await?;
    next_matching(
        &mut bob_stream,
        Duration::from_secs(2),
        |e| matches!(&e.data, EventData::MessageCreated(m) if m.body == "welcome"),
    )
    .await?;

    // Removed: what is posted from then on never reaches him.
    bob_sdk.leave_channel(secret.id).await?;
    let left = Instant::now();
    alice_sdk.send_message(secret.id, "after you left").await?;
    alice_sdk.send_message(secret.id, "still secret").await?;
    let marker = alice_sdk.channels().await?;
    let general = marker
        .iter()
        .find(|c| c.name.as_deref() == Some("general"))
        .context("no #general")?;
    alice_sdk.send_message(general.id, "marker").await?;
    let mut leaked = Vec::new();
    loop {
        let event = next_matching(&mut bob_stream, Duration::from_secs(3), |e| {
            matches!(e.data, EventData::MessageCreated(_))
        })
        .await?;
        match event.data {
            EventData::MessageCreated(m) if m.body == "marker" => break,
            EventData::MessageCreated(m) => leaked.push(m.body),
            _ => {}
        }
    }
    assert!(leaked.is_empty(), "delivered after removal: {leaked:?}");
    assert!(left.elapsed() < Duration::from_secs(1));
    Ok(())
}

#[tokio::test]
async fn the_browser_stream_on_web_sm_delivers_and_resumes() -> Result<()> {
    let stack = Stack::start().await?;
    let (alice, bob) = (stack.user("alice").await?, stack.user("bob").await?);
    let alice_sdk = stack.sdk(&alice)?;
    let general = alice_sdk
        .channels()
        .await?
        .into_iter()
        .find(|c| c.name.as_deref() == Some("general"))
        .context("no #general")?;
    let mut stream = open_stream(&stack, &bob, "/events").await?;
    let first = alice_sdk.send_message(general.id, "one").await?;
    let seen = next_matching(
        &mut stream,
        Duration::from_secs(2),
        |e| matches!(&e.data, EventData::MessageCreated(m) if m.id == first.id),
    )
    .await?;
    let resume_from = seen.id.context("no resume id")?;
    drop(stream);

    // Missed while away, then replayed on reconnect with Last-Event-ID.
    let missed = alice_sdk.send_message(general.id, "two").await?;
    let mut again = stack.sdk(&bob)?.stream("/events", Some(resume_from));
    let replayed = next_matching(&mut again, Duration::from_secs(3), |e| {
        matches!(e.data, EventData::MessageCreated(_))
    })
    .await?;
    assert!(matches!(replayed.data, EventData::MessageCreated(ref m) if m.id == missed.id));

    let r = reqwest::get(format!("{}/events", stack.gateway.url())).await?;
    assert_eq!(r.status(), 401);
    Ok(())
}

#[tokio::test]
async fn presence_changes_arrive_in_batches_for_contacts_only() -> Result<()> {
    let stack = common::Stack::start_with(common::StackOptions {
        env: vec![("AJET_PRESENCE_INTERVAL_SECS", "1".to_owned())],
        ..Default::default()
    })
    .await?;
    let (alice, bob) = (stack.user("alice").await?, stack.user("bob").await?);
    let mut bob_stream = open_stream(&stack, &bob, "/tui/stream").await?;
    let alice_sdk = stack.sdk(&alice)?;
    let alice_id = alice_sdk.me().await?.user.id;
    // Someone with no channel in common: their heartbeats are not Bob's business.
    let db = sqlx::PgPool::connect(&stack.database_url).await?;
    let stranger = stack.user("stranger").await?;
    sqlx::query("DELETE FROM channel_members WHERE user_id = (SELECT id FROM users WHERE username = 'stranger')")
        .execute(&db)
        .await?;
    db.close().await;
    let stranger_sdk = stack.sdk(&stranger)?;
    let stranger_id = stranger_sdk.me().await?.user.id;
    tokio::time::sleep(Duration::from_millis(500)).await;

    stranger_sdk.heartbeat().await?;
    alice_sdk.heartbeat().await?;
    let batch = next_matching(&mut bob_stream, Duration::from_secs(5), |e| {
        matches!(e.data, EventData::PresenceUpdated { .. })
    })
    .await?;
    let EventData::PresenceUpdated { changes } = batch.data else {
        bail!("not a presence batch");
    };
    assert!(
        changes.iter().any(|c| c.user_id == alice_id && c.online),
        "{changes:?}"
    );
    assert!(
        !changes.iter().any(|c| c.user_id == stranger_id),
        "{changes:?}"
    );
    Ok(())
}
