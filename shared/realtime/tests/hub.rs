//! The hub against the real NATS: routing by entitlement, entitlement that follows
//! membership events, resume without loss or repeat, slow clients, typing, views and
//! batched presence.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "helpers fail the test loudly"
)]

use std::collections::{HashMap, HashSet};

use std::sync::Arc;
use std::time::Duration;

use ajet_bus::nats::{NatsBus, StreamSettings};
use ajet_bus::{EventBus, TraceHeaders};
use ajet_core::dto::UserDto;
use ajet_core::{ChannelId, CommunityId, Envelope, EventData, UserId, subjects};
use ajet_realtime::{Access, Hub, HubConfig, Subscription};
use futures::StreamExt;

async fn bus() -> Arc<NatsBus> {
    let url = std::env::var("AJET_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let bus = NatsBus::connect(&url, "ajet-realtime-tests", StreamSettings::default())
        .await
        .unwrap();
    bus.ensure_stream().await.unwrap();
    Arc::new(bus)
}

fn hub(bus: &Arc<NatsBus>) -> Hub {
    Hub::start(
        bus.clone(),
        HubConfig {
            presence_every: Duration::from_millis(300),
        },
    )
}

fn access(user: UserId, channels: &[(ChannelId, Option<CommunityId>)]) -> Access {
    Access {
        user,
        channels: channels.iter().copied().collect::<HashMap<_, _>>(),
        communities: channels
            .iter()
            .filter_map(|(_, c)| *c)
            .collect::<HashSet<_>>(),
    }
}

async fn publish_env(bus: &NatsBus, subject: String, env: &Envelope) -> u64 {
    bus.publish_durable(
        subject,
        env.event_id,
        serde_json::to_vec(env).unwrap().into(),
        TraceHeaders::default(),
    )
    .await
    .unwrap()
}

/// Publishes a marker event about `channel`; its seq.
async fn publish(bus: &NatsBus, community: CommunityId, channel: ChannelId, text: &str) -> u64 {
    let env = Envelope::for_channel(
        Some(community),
        channel,
        None,
        EventData::Reload {
            reason: text.into(),
        },
    );
    publish_env(bus, subjects::community(community), &env).await
}

/// The next stream event (ephemeral ones skipped): its seq and marker text.
async fn next(sub: &mut Subscription) -> (u64, String) {
    loop {
        let env = next_any(sub).await;
        if env.id.is_none() {
            continue;
        }
        return match env.data {
            EventData::Reload { reason } => (env.id.unwrap(), reason),
            other => (env.id.unwrap(), other.kind().to_owned()),
        };
    }
}

/// The next event of any kind.
async fn next_any(sub: &mut Subscription) -> Envelope {
    let d = tokio::time::timeout(Duration::from_secs(5), sub.next())
        .await
        .expect("no event within 5 s")
        .expect("subscription ended");
    // The SSE frame: `id:` for stream events only, the JSON on one `data:` line.
    let frame = std::str::from_utf8(&d.frame).unwrap();
    let id_line = format!("id: {}\n", d.seq);
    let data = match frame.strip_prefix(&id_line) {
        Some(rest) => rest,
        None => {
            assert!(
                d.is_ephemeral(),
                "a stream event's frame names its id: {frame:?}"
            );
            frame
        }
    };
    let json = data
        .strip_prefix("data: ")
        .and_then(|rest| rest.strip_suffix("\n\n"))
        .unwrap_or_else(|| panic!("one data line, then a blank line: {frame:?}"));
    assert!(!json.contains('\n'), "{frame:?}");
    let env: Envelope = serde_json::from_str(json).unwrap();
    assert_eq!(env.id.unwrap_or(0), d.seq, "the JSON carries the resume id");
    env
}

async fn nothing_more(sub: &mut Subscription) {
    loop {
        match tokio::time::timeout(Duration::from_millis(300), sub.next()).await {
            Err(_) => return,
            Ok(Some(d)) if d.is_ephemeral() => continue,
            Ok(other) => panic!("unexpected extra event {other:?}"),
        }
    }
}

#[tokio::test]
async fn the_first_event_names_the_connection() {
    let bus = bus().await;
    let hub = hub(&bus);
    let mut sub = hub.subscribe(access(UserId::new(), &[]), None, None).await;
    let hello = next_any(&mut sub).await;
    assert!(
        matches!(hello.data, EventData::Hello { connection_id } if connection_id == sub.connection_id)
    );
}

#[tokio::test]
async fn events_reach_only_connections_entitled_to_them() {
    let bus = bus().await;
    let hub = hub(&bus);
    let community = CommunityId::new();
    let (mine, theirs) = (ChannelId::new(), ChannelId::new());
    let mut sub = hub
        .subscribe(
            access(UserId::new(), &[(mine, Some(community))]),
            None,
            None,
        )
        .await;

    let skipped = publish(&bus, community, theirs, "not for me").await;
    // An event nobody here follows is not delivered, yet it moves the position.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while hub.position() < skipped {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the position stays at {} after event {skipped}",
            hub.position()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let seq = publish(&bus, community, mine, "for me").await;
    assert_eq!(next(&mut sub).await, (seq, "for me".to_owned()));
    assert_eq!(hub.position(), seq);
    nothing_more(&mut sub).await;
}

#[tokio::test]
async fn joining_starts_delivery_and_removal_stops_it_without_reconnecting() {
    let bus = bus().await;
    let hub = hub(&bus);
    let community = CommunityId::new();
    let private = ChannelId::new();
    let user = UserId::new();
    let mut sub = hub.subscribe(access(user, &[]), None, None).await;
    publish(&bus, community, private, "before joining").await;

    let me = UserDto {
        id: user,
        username: "u".into(),
        display_name: None,
    };
    let joined = Envelope::for_channel(
        Some(community),
        private,
        None,
        EventData::MemberJoined { user: me },
    );
    let join_seq = publish_env(&bus, subjects::community(community), &joined).await;
    assert_eq!(
        next(&mut sub).await,
        (join_seq, "member.joined".to_owned()),
        "the joiner sees their own join"
    );
    let seq = publish(&bus, community, private, "as a member").await;
    assert_eq!(next(&mut sub).await, (seq, "as a member".to_owned()));

    let left = Envelope::for_channel(
        Some(community),
        private,
        None,
        EventData::MemberLeft { user_id: user },
    );
    let left_seq = publish_env(&bus, subjects::community(community), &left).await;
    assert_eq!(
        next(&mut sub).await,
        (left_seq, "member.left".to_owned()),
        "the leaver sees their own removal"
    );
    publish(&bus, community, private, "after removal").await;
    nothing_more(&mut sub).await;
}

#[tokio::test]
async fn a_reconnecting_client_gets_what_it_missed_once_and_in_order() {
    let bus = bus().await;
    let hub = hub(&bus);
    let community = CommunityId::new();
    let channel = ChannelId::new();
    let me = access(UserId::new(), &[(channel, Some(community))]);

    let mut first = hub.subscribe(me.clone(), None, None).await;
    let s1 = publish(&bus, community, channel, "one").await;
    assert_eq!(next(&mut first).await.0, s1);
    drop(first);

    // Missed while away, interleaved with events the client may not see.
    let mut missed = Vec::new();
    for i in 0..5 {
        publish(&bus, community, ChannelId::new(), "elsewhere").await;
        missed.push(publish(&bus, community, channel, &format!("missed {i}")).await);
    }
    let mut again = hub.subscribe(me, None, Some(s1)).await;
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
    let hub = hub(&bus);
    let community = CommunityId::new();
    let channel = ChannelId::new();
    let me = access(UserId::new(), &[(channel, Some(community))]);
    let slow = hub.subscribe(me.clone(), None, None).await;
    let mut fast = hub.subscribe(me, None, None).await;
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

#[tokio::test]
async fn typing_reaches_the_channel_but_not_the_typist() {
    let bus = bus().await;
    let hub = hub(&bus);
    let community = CommunityId::new();
    let channel = ChannelId::new();
    let (typist, reader) = (UserId::new(), UserId::new());
    let mut typist_sub = hub
        .subscribe(access(typist, &[(channel, Some(community))]), None, None)
        .await;
    let mut reader_sub = hub
        .subscribe(access(reader, &[(channel, Some(community))]), None, None)
        .await;
    next_any(&mut typist_sub).await;
    next_any(&mut reader_sub).await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    let env = Envelope::for_channel(
        Some(community),
        channel,
        Some(typist),
        EventData::Typing {
            user_id: typist,
            typing: true,
        },
    );
    hub.signal(
        subjects::typing(community, channel),
        serde_json::to_vec(&env).unwrap(),
    )
    .await
    .unwrap();
    let got = next_any(&mut reader_sub).await;
    assert!(matches!(got.data, EventData::Typing { user_id, typing: true } if user_id == typist));
    assert_eq!(got.id, None, "typing has no resume position");
    assert!(
        tokio::time::timeout(Duration::from_millis(300), typist_sub.next())
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_view_switch_narrows_delivery_to_the_viewed_community() {
    let bus = bus().await;
    let hub = hub(&bus);
    let (a, b) = (CommunityId::new(), CommunityId::new());
    let (in_a, in_b) = (ChannelId::new(), ChannelId::new());
    let user = UserId::new();
    let mut sub = hub
        .subscribe(
            access(user, &[(in_a, Some(a)), (in_b, Some(b))]),
            None,
            None,
        )
        .await;
    next_any(&mut sub).await;

    let signal = serde_json::json!({ "connection_id": sub.connection_id, "community_id": a });
    hub.signal(
        subjects::session(user),
        serde_json::to_vec(&signal).unwrap(),
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    publish(&bus, b, in_b, "other community").await;
    let seq = publish(&bus, a, in_a, "viewed community").await;
    assert_eq!(next(&mut sub).await, (seq, "viewed community".to_owned()));

    // Another user cannot steer this connection.
    let signal = serde_json::json!({ "connection_id": sub.connection_id, "community_id": b });
    hub.signal(
        subjects::session(UserId::new()),
        serde_json::to_vec(&signal).unwrap(),
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    publish(&bus, b, in_b, "still hidden").await;
    nothing_more(&mut sub).await;
}

#[tokio::test]
async fn presence_is_batched_and_filtered_to_people_sharing_a_channel() {
    let bus = bus().await;
    let hub = hub(&bus);
    let (shared, elsewhere) = (ChannelId::new(), ChannelId::new());
    let (me, friend, stranger) = (UserId::new(), UserId::new(), UserId::new());
    let mut sub = hub
        .subscribe(access(me, &[(shared, None)]), None, None)
        .await;
    next_any(&mut sub).await;

    let beat = |user: UserId, channel: ChannelId| {
        let env = Envelope::for_community(
            None,
            Some(user),
            EventData::PresenceHeartbeat {
                user_id: user,
                channel_ids: vec![channel],
                away: false,
            },
        );
        serde_json::to_vec(&env).unwrap()
    };
    for (user, channel) in [
        (friend, shared),
        (stranger, elsewhere),
        (friend, shared),
        (me, shared),
    ] {
        hub.signal(subjects::presence(CommunityId::new()), beat(user, channel))
            .await
            .unwrap();
    }
    let batch = next_any(&mut sub).await;
    match batch.data {
        EventData::PresenceUpdated { changes } => {
            assert_eq!(
                changes.len(),
                1,
                "one change, about the friend only: {changes:?}"
            );
            assert_eq!((changes[0].user_id, changes[0].online), (friend, true));
        }
        other => panic!("expected a presence batch, got {other:?}"),
    }
    // No change, no batch.
    assert!(
        tokio::time::timeout(Duration::from_millis(700), sub.next())
            .await
            .is_err()
    );
}

/// A NATS server of this test's own, whose stream forgets events after a second.
struct ShortMemoryNats {
    child: std::process::Child,
    store: std::path::PathBuf,
    url: String,
}

impl ShortMemoryNats {
    fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let store = std::env::temp_dir().join(format!("ajet-nats-{}", uuid_like()));
        let binary = [
            "/usr/sbin/nats-server",
            "/usr/bin/nats-server",
            "/usr/local/bin/nats-server",
        ]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .unwrap_or("nats-server");
        let child = std::process::Command::new(binary)
            .args(["-a", "127.0.0.1", "-p", &port.to_string(), "-js", "-sd"])
            .arg(&store)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        Self {
            child,
            store,
            url: format!("nats://127.0.0.1:{port}"),
        }
    }
}

impl Drop for ShortMemoryNats {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.store);
    }
}

fn uuid_like() -> String {
    format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}

#[tokio::test]
async fn a_client_away_longer_than_the_stream_keeps_is_told_to_reload() {
    let nats = ShortMemoryNats::start();
    let settings = StreamSettings {
        max_age: Duration::from_secs(1),
        duplicate_window: Duration::from_secs(1),
    };
    let mut bus = None;
    for _ in 0..50 {
        if let Ok(b) = NatsBus::connect(&nats.url, "reload-test", settings).await
            && b.ensure_stream().await.is_ok()
        {
            bus = Some(Arc::new(b));
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let bus = bus.expect("the test's NATS did not start");
    let hub = hub(&bus);
    let community = CommunityId::new();
    let channel = ChannelId::new();
    let me = access(UserId::new(), &[(channel, Some(community))]);
    let mut sub = hub.subscribe(me.clone(), None, None).await;
    let seen = publish(&bus, community, channel, "seen").await;
    assert_eq!(next(&mut sub).await.0, seen);
    drop(sub);

    publish(&bus, community, channel, "forgotten").await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let latest = publish(&bus, community, channel, "kept").await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    let mut again = hub.subscribe(me, None, Some(seen)).await;
    let env = next_any_skipping_hello(&mut again).await;
    assert!(matches!(env.data, EventData::Reload { .. }), "{env:?}");
    assert!(
        env.id.unwrap() >= latest - 1,
        "the reload carries the position to resume from"
    );
}

async fn next_any_skipping_hello(sub: &mut Subscription) -> Envelope {
    loop {
        let env = next_any(sub).await;
        if !matches!(env.data, EventData::Hello { .. }) {
            return env;
        }
    }
}

#[tokio::test]
async fn the_hub_knows_whose_membership_changed_since_a_position() {
    let bus = bus().await;
    let hub = hub(&bus);
    let (user, other) = (UserId::new(), UserId::new());
    let community = CommunityId::new();
    let channel = ChannelId::new();
    // A connection of someone else keeps the hub reading; wait until it has started.
    let mut watcher = hub
        .subscribe(access(other, &[(channel, Some(community))]), None, None)
        .await;
    let before = hub.position();
    assert!(!hub.membership_changed_since(user, before));

    let me = UserDto {
        id: user,
        username: "u".into(),
        display_name: None,
    };
    let joined = Envelope::for_channel(
        Some(community),
        channel,
        None,
        EventData::MemberJoined { user: me },
    );
    let seq = publish_env(&bus, subjects::community(community), &joined).await;
    assert_eq!(next(&mut watcher).await.0, seq);
    assert!(hub.membership_changed_since(user, before));
    assert!(!hub.membership_changed_since(user, seq));
    assert!(!hub.membership_changed_since(other, before));
    // Before the hub started, it cannot know: it says so.
    assert!(hub.membership_changed_since(other, 0) == (before > 0));
}
