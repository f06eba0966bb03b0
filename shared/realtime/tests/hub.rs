//! The hub against the real NATS: routing by entitlement, and resume without loss or repeat.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "helpers fail the test loudly"
)]

use std::sync::Arc;
use std::time::Duration;

use ajet_bus::nats::{NatsBus, StreamSettings};
use ajet_bus::{EventBus, TraceHeaders};
use ajet_core::{ChannelId, CommunityId, Envelope, EventData, subjects};
use ajet_realtime::{Hub, Key, Subscription};
use futures::StreamExt;

async fn bus() -> Arc<NatsBus> {
    let url = std::env::var("AJET_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let bus = NatsBus::connect(&url, "ajet-realtime-tests", StreamSettings::default())
        .await
        .unwrap();
    bus.ensure_stream().await.unwrap();
    Arc::new(bus)
}

/// Publishes a `reload`-typed event (any type routes the same) about `channel`; its seq.
async fn publish(bus: &NatsBus, community: CommunityId, channel: ChannelId, text: &str) -> u64 {
    let env = Envelope::for_channel(
        Some(community),
        channel,
        None,
        EventData::Reload {
            reason: text.into(),
        },
    );
    bus.publish_durable(
        subjects::community(community),
        env.event_id,
        serde_json::to_vec(&env).unwrap().into(),
        TraceHeaders::default(),
    )
    .await
    .unwrap()
}

async fn next(sub: &mut Subscription) -> (u64, String) {
    let d = tokio::time::timeout(Duration::from_secs(5), sub.next())
        .await
        .expect("no event within 5 s")
        .expect("subscription ended");
    let env: Envelope = serde_json::from_str(&d.json).unwrap();
    assert_eq!(env.id, Some(d.seq), "the JSON carries the resume id");
    match env.data {
        EventData::Reload { reason } => (d.seq, reason),
        other => panic!("unexpected {other:?}"),
    }
}

async fn nothing_more(sub: &mut Subscription) {
    let extra = tokio::time::timeout(Duration::from_millis(300), sub.next()).await;
    assert!(extra.is_err(), "unexpected extra event");
}

#[tokio::test]
async fn events_reach_only_connections_entitled_to_them() {
    let bus = bus().await;
    let hub = Hub::start(bus.clone());
    let community = CommunityId::new();
    let (mine, theirs) = (ChannelId::new(), ChannelId::new());
    let mut sub = hub.subscribe(vec![Key::Channel(mine)], None).await;

    publish(&bus, community, theirs, "not for me").await;
    let seq = publish(&bus, community, mine, "for me").await;
    assert_eq!(next(&mut sub).await, (seq, "for me".to_owned()));
    nothing_more(&mut sub).await;
}

#[tokio::test]
async fn a_reconnecting_client_gets_what_it_missed_once_and_in_order() {
    let bus = bus().await;
    let hub = Hub::start(bus.clone());
    let community = CommunityId::new();
    let channel = ChannelId::new();
    let keys = vec![Key::Channel(channel)];

    let mut first = hub.subscribe(keys.clone(), None).await;
    let s1 = publish(&bus, community, channel, "one").await;
    assert_eq!(next(&mut first).await.0, s1);
    drop(first);

    // Missed while away, interleaved with events the client may not see.
    let mut missed = Vec::new();
    for i in 0..5 {
        publish(&bus, community, ChannelId::new(), "elsewhere").await;
        missed.push(publish(&bus, community, channel, &format!("missed {i}")).await);
    }
    let mut again = hub.subscribe(keys, Some(s1)).await;
    let live = publish(&bus, community, channel, "live").await;
    let mut got = Vec::new();
    for _ in 0..6 {
        got.push(next(&mut again).await.0);
    }
    missed.push(live);
    assert_eq!(got, missed);
    nothing_more(&mut again).await;
}

#[tokio::test]
async fn a_connection_that_falls_behind_is_dropped_not_waited_for() {
    let bus = bus().await;
    let hub = Hub::start(bus.clone());
    let community = CommunityId::new();
    let channel = ChannelId::new();
    let slow = hub.subscribe(vec![Key::Channel(channel)], None).await;
    let mut fast = hub.subscribe(vec![Key::Channel(channel)], None).await;
    let before = hub.connections();
    // The fast reader keeps up while the slow one, never read, overflows and is dropped.
    let reader = tokio::spawn(async move {
        let mut seqs = Vec::new();
        while seqs.len() < 1100 {
            seqs.push(next(&mut fast).await.0);
        }
        seqs
    });
    let mut published = Vec::new();
    for i in 0..1100 {
        published.push(publish(&bus, community, channel, &format!("{i}")).await);
    }
    assert_eq!(reader.await.unwrap(), published);
    assert_eq!(
        hub.connections(),
        before - 2,
        "the slow one is gone (and the fast one, dropped)"
    );
    let mut slow = slow;
    let mut count = 0;
    while let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(200), slow.next()).await {
        count += 1;
    }
    assert!(
        count < 1100,
        "the slow connection ended instead of buffering everything"
    );
}
