//! The hub: one stream reader, many connections.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use ajet_bus::{EventBus, Signal, StoredEvent};
use ajet_core::events::PresenceChange;
use ajet_core::subjects::{self, Route};
use ajet_core::{ChannelId, CommunityId, Envelope, EventData, UserId};
use bytes::Bytes;
use futures::stream::BoxStream;
use futures::{Stream, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tokio::sync::{mpsc, watch};
use tokio_stream::wrappers::ReceiverStream;
use uuid::Uuid;

use crate::access::Access;

/// Events a connection may have queued before it counts as too slow and is dropped.
const CONNECTION_BUFFER: usize = 1024;
/// How long after a user's last heartbeat they count as online.
const ONLINE_FOR: Duration = Duration::from_secs(120);

/// What an event is about, and what a connection is entitled to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    /// Events of one channel or DM.
    Channel(ChannelId),
    /// Community-wide events that concern no single channel.
    Community(CommunityId),
    /// Notifications addressed to one user.
    User(UserId),
}

/// One event as sent to connections: parsed once, serialised once, shared by all.
///
/// The JSON of a stream event is the published envelope with `id` added, untouched
/// otherwise, so that event types and fields this build does not know still reach the
/// clients that do.
#[derive(Debug)]
pub struct Delivery {
    /// Position in the stream: the SSE id. 0 for ephemeral events (typing, presence,
    /// hello), which have no position and are never replayed.
    pub seq: u64,
    pub channel_id: Option<ChannelId>,
    pub community_id: Option<CommunityId>,
    /// The event as an SSE frame, ready to write to every connection: the envelope as
    /// JSON (with `id` set for stream events) on one `data:` line, after an `id:` line for
    /// stream events.
    pub frame: Bytes,
    /// The trace context the event was published with.
    pub traceparent: Option<String>,
    /// For a notification: the user it is addressed to.
    pub recipient: Option<UserId>,
}

impl Delivery {
    /// An ephemeral event: no position, never replayed.
    fn ephemeral(envelope: &Envelope) -> Self {
        Self {
            seq: 0,
            channel_id: envelope.channel_id,
            community_id: envelope.community_id,
            frame: sse_frame(0, &serde_json::to_string(envelope).unwrap_or_default()),
            traceparent: None,
            recipient: None,
        }
    }

    pub fn is_ephemeral(&self) -> bool {
        self.seq == 0
    }
}

/// The SSE frame of an event at `seq` (0: ephemeral, no `id:`). Compact JSON holds no
/// line break (one inside a string is escaped), so it fits on one `data:` line.
fn sse_frame(seq: u64, json: &str) -> Bytes {
    let mut frame = String::with_capacity(json.len() + 32);
    if seq != 0 {
        let _ = writeln!(frame, "id: {seq}");
    }
    frame.push_str("data: ");
    frame.push_str(json);
    frame.push_str("\n\n");
    Bytes::from(frame)
}

/// How the hub batches presence.
#[derive(Clone, Copy, Debug)]
pub struct HubConfig {
    /// How often each client is sent the presence changes relevant to it.
    pub presence_every: Duration,
}

impl Default for HubConfig {
    fn default() -> Self {
        Self {
            presence_every: Duration::from_secs(60),
        }
    }
}

/// A session signal: switch a connection's viewed community.
#[derive(Debug, Serialize, Deserialize)]
pub struct ViewSignal {
    pub connection_id: Uuid,
    /// `None`: every community.
    pub community_id: Option<CommunityId>,
}

type ConnId = u64;

struct Connection {
    public_id: Uuid,
    tx: mpsc::Sender<Arc<Delivery>>,
    access: Access,
    view: Option<CommunityId>,
    keys: HashSet<Key>,
    /// Channels whose membership events arrived since registration: a later reconcile
    /// with the api's answer leaves them as the events made them.
    touched: HashSet<ChannelId>,
}

#[derive(Default)]
struct Routing {
    /// The last stream position fanned out.
    head: u64,
    next_id: ConnId,
    connections: HashMap<ConnId, Connection>,
    by_key: HashMap<Key, HashSet<ConnId>>,
    by_user: HashMap<UserId, HashSet<ConnId>>,
    by_public_id: HashMap<Uuid, ConnId>,
    /// Each user's last heartbeat, with the channels it named.
    last_seen: HashMap<UserId, (Instant, Vec<ChannelId>)>,
    /// Who was online at the last presence batch.
    online: HashSet<UserId>,
    /// The latest membership changes fanned out: (position, user), oldest first.
    changes: VecDeque<(u64, UserId)>,
    /// The position of the newest change no longer in `changes`.
    changes_forgotten_up_to: u64,
}

/// Membership changes remembered for [`Hub::membership_changed_since`].
const REMEMBERED_CHANGES: usize = 10_000;

/// A change of membership an event carries, applied to the connections of that user.
#[derive(Debug, PartialEq, Eq)]
enum Change {
    JoinChannel(UserId, ChannelId, Option<CommunityId>),
    LeaveChannel(UserId, ChannelId),
    JoinCommunity(UserId, CommunityId),
    LeaveCommunity(UserId, CommunityId),
}

impl Change {
    /// The user whose memberships change.
    fn user(&self) -> UserId {
        match self {
            Self::JoinChannel(u, ..)
            | Self::LeaveChannel(u, _)
            | Self::JoinCommunity(u, _)
            | Self::LeaveCommunity(u, _) => *u,
        }
    }

    /// Joins apply before the event is delivered (the joiner sees their own join), leaves
    /// after (the leaver sees their own leave, then nothing more).
    fn is_join(&self) -> bool {
        matches!(self, Self::JoinChannel(..) | Self::JoinCommunity(..))
    }
}

struct Inner {
    bus: Arc<dyn EventBus>,
    routing: Mutex<Routing>,
    /// Becomes true once the hub knows where the stream stands.
    started: watch::Sender<bool>,
}

/// The process's fan-out point. Cheap to clone.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

impl Hub {
    /// Starts following the stream from its current end, and the ephemeral signals.
    pub fn start(bus: Arc<dyn EventBus>, config: HubConfig) -> Self {
        let hub = Self {
            inner: Arc::new(Inner {
                bus,
                routing: Mutex::default(),
                started: watch::channel(false).0,
            }),
        };
        tokio::spawn(hub.clone().follow());
        tokio::spawn(hub.clone().follow_signals());
        tokio::spawn(hub.clone().flush_presence(config.presence_every));
        hub
    }

    /// Whether the hub is following the stream.
    pub fn is_ready(&self) -> bool {
        *self.inner.started.borrow() && self.inner.bus.is_connected()
    }

    /// The last stream position fanned out.
    pub fn position(&self) -> u64 {
        self.routing().head
    }

    /// Whether a membership of `user` changed after stream position `since` (as far as
    /// the hub has read). When it cannot tell — the change fell out of its memory — it says
    /// yes.
    pub fn membership_changed_since(&self, user: UserId, since: u64) -> bool {
        let routing = self.routing();
        routing.changes_forgotten_up_to > since
            || routing
                .changes
                .iter()
                .rev()
                .take_while(|(seq, _)| *seq > since)
                .any(|(_, u)| *u == user)
    }

    /// How many connections are registered.
    pub fn connections(&self) -> usize {
        self.routing().connections.len()
    }

    /// Publishes an ephemeral signal (typing, a view switch) for every instance's hub.
    pub async fn signal(
        &self,
        subject: String,
        payload: Vec<u8>,
    ) -> Result<(), ajet_bus::BusError> {
        self.inner.bus.publish_signal(subject, payload.into()).await
    }

    fn routing(&self) -> MutexGuard<'_, Routing> {
        self.inner
            .routing
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Reads the stream for ever: from its end at start, then on from the last position
    /// seen whenever the reader has to be re-made.
    async fn follow(self) {
        let bus = self.inner.bus.clone();
        let head = loop {
            match bus.bounds().await {
                Ok(bounds) => break bounds.last,
                Err(err) => {
                    tracing::warn!(error = %err, "event stream unavailable; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        };
        {
            let mut routing = self.routing();
            routing.head = head;
            // Changes before the hub started are unknown to it.
            routing.changes_forgotten_up_to = head;
        }
        self.inner.started.send_replace(true);
        tracing::info!(head, "following the event stream");
        loop {
            let from = self.routing().head + 1;
            match bus.durable_from(from).await {
                Ok(mut events) => {
                    while let Some(item) = events.next().await {
                        match item {
                            Ok(event) => self.fan_out(event),
                            Err(err) => tracing::warn!(error = %err, "event stream error"),
                        }
                    }
                    tracing::warn!("event stream ended; following again");
                }
                Err(err) => tracing::warn!(error = %err, "cannot follow the event stream"),
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    fn fan_out(&self, event: StoredEvent) {
        if self.nobody_here_needs(&event) {
            return;
        }
        let Some((delivery, change)) = decode(event) else {
            return;
        };
        let keys = keys_of(&delivery);
        let mut routing = self.routing();
        if delivery.seq <= routing.head {
            return;
        }
        routing.head = delivery.seq;
        if let Some(change) = &change {
            routing.changes.push_back((delivery.seq, change.user()));
            if routing.changes.len() > REMEMBERED_CHANGES
                && let Some((seq, _)) = routing.changes.pop_front()
            {
                routing.changes_forgotten_up_to = seq;
            }
        }
        let (before, after) = match change {
            Some(c) if c.is_join() => (Some(c), None),
            other => (None, other),
        };
        if let Some(change) = before {
            apply(&mut routing, &change);
        }
        deliver(&mut routing, &keys, Arc::new(delivery), None);
        if let Some(change) = after {
            apply(&mut routing, &change);
        }
    }

    /// Whether no connection of this process is entitled to `event` and it changes no
    /// membership. Then only the position moves: the event is not decoded, re-encoded and
    /// framed for nobody. Only its routing fields are read.
    fn nobody_here_needs(&self, event: &StoredEvent) -> bool {
        let Ok(fields) = serde_json::from_slice::<RoutingFields<'_>>(&event.payload) else {
            return false;
        };
        if MEMBERSHIP_KINDS.contains(&fields.kind.as_ref()) {
            return false;
        }
        let keys = route_keys(
            recipient(&event.subject),
            fields.channel_id.map(ChannelId),
            fields.community_id.map(CommunityId),
        );
        let mut routing = self.routing();
        if keys.iter().any(|k| routing.by_key.contains_key(k)) {
            return false;
        }
        routing.head = routing.head.max(event.seq);
        true
    }

    /// Listens to typing, presence and session signals, until the process ends. NATS
    /// subscriptions survive reconnects, so one subscription each suffices.
    async fn follow_signals(self) {
        let bus = self.inner.bus.clone();
        let mut subscriptions = Vec::new();
        for subject in [
            subjects::ALL_TYPING,
            subjects::ALL_PRESENCE,
            subjects::ALL_SESSIONS,
        ] {
            loop {
                match bus.signals(subject.to_owned()).await {
                    Ok(stream) => break subscriptions.push(stream),
                    Err(err) => {
                        tracing::warn!(error = %err, subject, "cannot subscribe; retrying");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        }
        let mut signals = futures::stream::select_all(subscriptions);
        while let Some(signal) = signals.next().await {
            self.on_signal(signal);
        }
    }

    fn on_signal(&self, signal: Signal) {
        if let Some(user) = signal.subject.strip_prefix("chat.session.") {
            let (Ok(user), Ok(view)) = (
                user.parse::<UserId>(),
                serde_json::from_slice::<ViewSignal>(&signal.payload),
            ) else {
                return;
            };
            self.set_view(user, view.connection_id, view.community_id);
            return;
        }
        let Ok(envelope) = serde_json::from_slice::<Envelope>(&signal.payload) else {
            return;
        };
        match envelope.data {
            EventData::PresenceHeartbeat {
                user_id,
                channel_ids,
            } => {
                self.routing()
                    .last_seen
                    .insert(user_id, (Instant::now(), channel_ids));
            }
            EventData::Typing { user_id, .. } => {
                let Some(channel) = envelope.channel_id else {
                    return;
                };
                let delivery = Arc::new(Delivery::ephemeral(&envelope));
                let mut routing = self.routing();
                deliver(
                    &mut routing,
                    &[Key::Channel(channel)],
                    delivery,
                    Some(user_id),
                );
            }
            _ => {}
        }
    }

    /// Switches the viewed community of one connection of `user`.
    fn set_view(&self, user: UserId, connection: Uuid, view: Option<CommunityId>) {
        let mut routing = self.routing();
        let Some(&id) = routing.by_public_id.get(&connection) else {
            return;
        };
        let Some(conn) = routing.connections.get_mut(&id) else {
            return;
        };
        if conn.access.user != user {
            return;
        }
        conn.view = view;
        let keys = conn.access.keys(view);
        set_keys(&mut routing, id, keys);
    }

    /// Once per `every`: works out who came online or went offline since the last batch,
    /// and sends each connection the changes of the people who share a channel with it.
    /// Relevance comes from the channels each heartbeat names, so the hub keeps state per
    /// online user, not per connection.
    async fn flush_presence(self, every: Duration) {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tick.tick().await;
            let mut routing = self.routing();
            let now = Instant::now();
            let online: HashSet<UserId> = routing
                .last_seen
                .iter()
                .filter(|(_, (seen, _))| now.duration_since(*seen) < ONLINE_FOR)
                .map(|(user, _)| *user)
                .collect();
            let flipped: Vec<(UserId, bool)> = online
                .symmetric_difference(&routing.online)
                .map(|user| (*user, online.contains(user)))
                .collect();
            let mut batches: HashMap<ConnId, Vec<PresenceChange>> = HashMap::new();
            for (user, is_online) in flipped {
                let channels = routing
                    .last_seen
                    .get(&user)
                    .map(|(_, channels)| channels.as_slice())
                    .unwrap_or_default();
                let watchers: HashSet<ConnId> = channels
                    .iter()
                    .filter_map(|ch| routing.by_key.get(&Key::Channel(*ch)))
                    .flatten()
                    .copied()
                    .collect();
                for id in watchers {
                    if routing
                        .connections
                        .get(&id)
                        .is_some_and(|c| c.access.user != user)
                    {
                        batches.entry(id).or_default().push(PresenceChange {
                            user_id: user,
                            online: is_online,
                        });
                    }
                }
            }
            routing.online = online;
            routing
                .last_seen
                .retain(|_, (seen, _)| now.duration_since(*seen) < ONLINE_FOR * 2);
            let mut slow = Vec::new();
            for (id, changes) in batches {
                let envelope =
                    Envelope::for_community(None, None, EventData::PresenceUpdated { changes });
                if let Some(conn) = routing.connections.get(&id)
                    && conn
                        .tx
                        .try_send(Arc::new(Delivery::ephemeral(&envelope)))
                        .is_err()
                {
                    slow.push(id);
                }
            }
            for id in slow {
                remove(&mut routing, id);
            }
        }
    }

    /// Registers a connection with `access`, viewing `view`. With `resume`, the events
    /// after that position are replayed first (or a reload event when the stream no longer
    /// has them). The first event is a `hello` carrying the connection's id.
    pub async fn subscribe(
        &self,
        access: Access,
        view: Option<CommunityId>,
        resume: Option<u64>,
    ) -> Subscription {
        let mut started = self.inner.started.subscribe();
        // Waiting only matters in the first moments of a process.
        let _ = started.wait_for(|s| *s).await;
        let (tx, rx) = mpsc::channel(CONNECTION_BUFFER);
        let public_id = Uuid::new_v4();
        let keys = access.keys(view);
        let user = access.user;
        let (id, head) = {
            let mut routing = self.routing();
            let id = routing.next_id;
            routing.next_id += 1;
            routing.connections.insert(
                id,
                Connection {
                    public_id,
                    tx,
                    access,
                    view,
                    keys: HashSet::new(),
                    touched: HashSet::new(),
                },
            );
            routing.by_user.entry(user).or_default().insert(id);
            routing.by_public_id.insert(public_id, id);
            set_keys(&mut routing, id, keys.clone());
            (id, routing.head)
        };
        let hello = Envelope::for_community(
            None,
            None,
            EventData::Hello {
                connection_id: public_id,
            },
        );
        let hello = futures::stream::once(async move { Arc::new(Delivery::ephemeral(&hello)) });
        let replay = match resume {
            Some(last) if last < head => self.replay(keys, last, head).await,
            _ => futures::stream::empty().boxed(),
        };
        let after = resume.unwrap_or(0);
        let live = ReceiverStream::new(rx);
        let events = hello
            .chain(replay)
            .chain(live)
            .scan(after, |last, delivery: Arc<Delivery>| {
                // Replay and live meet at `head`; this keeps every position once, in order.
                if delivery.is_ephemeral() {
                    return futures::future::ready(Some(Some(delivery)));
                }
                let fresh = delivery.seq > *last;
                if fresh {
                    *last = delivery.seq;
                }
                futures::future::ready(Some(fresh.then_some(delivery)))
            })
            .filter_map(futures::future::ready)
            .boxed();
        Subscription {
            connection_id: public_id,
            events,
            _guard: Guard {
                hub: self.clone(),
                id,
            },
        }
    }

    /// Brings a connection's access up to date with a fresh answer from the api, except
    /// for channels whose membership events arrived since it registered (those events are
    /// newer than any answer that raced them).
    pub fn reconcile(&self, connection: Uuid, fresh: Access) {
        let mut routing = self.routing();
        let Some(id) = routing.by_public_id.get(&connection).copied() else {
            return;
        };
        let Some(conn) = routing.connections.get_mut(&id) else {
            return;
        };
        let touched = conn.touched.clone();
        conn.access
            .channels
            .retain(|channel, _| touched.contains(channel) || fresh.channels.contains_key(channel));
        for (channel, community) in &fresh.channels {
            if !touched.contains(channel) {
                conn.access.channels.insert(*channel, *community);
            }
        }
        conn.access.communities = fresh.communities;
        let keys = conn.access.keys(conn.view);
        set_keys(&mut routing, id, keys);
    }

    /// The events in `(last, head]` that `keys` are entitled to, from the stream.
    async fn replay(
        &self,
        keys: HashSet<Key>,
        last: u64,
        head: u64,
    ) -> BoxStream<'static, Arc<Delivery>> {
        let bus = self.inner.bus.clone();
        match bus.bounds().await {
            Ok(bounds) if last + 1 < bounds.first => {
                let mut envelope = Envelope::reload(
                    "the events since your last visit are no longer kept; reload to catch up",
                );
                // The reload takes the position it replaces, so the client resumes from here.
                envelope.id = Some(head);
                let delivery = Delivery {
                    seq: head,
                    channel_id: None,
                    community_id: None,
                    frame: sse_frame(head, &serde_json::to_string(&envelope).unwrap_or_default()),
                    traceparent: None,
                    recipient: None,
                };
                return futures::stream::once(async move { Arc::new(delivery) }).boxed();
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "cannot read the stream bounds for a replay"),
        }
        match bus.durable_from(last + 1).await {
            Ok(events) => events
                .filter_map(|item| futures::future::ready(item.ok()))
                .take_while(move |event| futures::future::ready(event.seq <= head))
                .filter_map(move |event| {
                    let delivery = decode(event)
                        .map(|(d, _)| d)
                        .filter(|d| keys_of(d).iter().any(|k| keys.contains(k)))
                        .map(Arc::new);
                    futures::future::ready(delivery)
                })
                .boxed(),
            Err(err) => {
                tracing::warn!(error = %err, "cannot replay missed events");
                futures::stream::empty().boxed()
            }
        }
    }

    fn unsubscribe(&self, id: ConnId) {
        remove(&mut self.routing(), id);
    }
}

/// Sends `delivery` to every connection registered for one of `keys`, except the
/// connections of `except`; drops the connections that cannot keep up.
fn deliver(routing: &mut Routing, keys: &[Key], delivery: Arc<Delivery>, except: Option<UserId>) {
    let targets: HashSet<ConnId> = keys
        .iter()
        .filter_map(|k| routing.by_key.get(k))
        .flatten()
        .copied()
        .collect();
    let mut slow = Vec::new();
    for id in targets {
        if let Some(conn) = routing.connections.get(&id) {
            if Some(conn.access.user) == except {
                continue;
            }
            if conn.tx.try_send(delivery.clone()).is_err() {
                slow.push(id);
            }
        }
    }
    for id in slow {
        tracing::info!(connection = id, "dropping a connection that cannot keep up");
        remove(routing, id);
    }
}

/// Applies a membership change to every connection of its user.
fn apply(routing: &mut Routing, change: &Change) {
    let user = change.user();
    let ids: Vec<ConnId> = routing
        .by_user
        .get(&user)
        .map(|s| s.iter().copied().collect())
        .unwrap_or_default();
    for id in ids {
        let Some(conn) = routing.connections.get_mut(&id) else {
            continue;
        };
        match change {
            Change::JoinChannel(_, channel, community) => {
                conn.access.channels.insert(*channel, *community);
                conn.touched.insert(*channel);
            }
            Change::LeaveChannel(_, channel) => {
                conn.access.channels.remove(channel);
                conn.touched.insert(*channel);
            }
            Change::JoinCommunity(_, community) => {
                conn.access.communities.insert(*community);
            }
            Change::LeaveCommunity(_, community) => {
                conn.access.communities.remove(community);
                let gone: Vec<ChannelId> = conn
                    .access
                    .channels
                    .iter()
                    .filter(|(_, c)| **c == Some(*community))
                    .map(|(ch, _)| *ch)
                    .collect();
                for channel in gone {
                    conn.access.channels.remove(&channel);
                    conn.touched.insert(channel);
                }
            }
        }
        let keys = conn.access.keys(conn.view);
        set_keys(routing, id, keys);
    }
}

/// Replaces a connection's keys in the index.
fn set_keys(routing: &mut Routing, id: ConnId, keys: HashSet<Key>) {
    let Some(conn) = routing.connections.get_mut(&id) else {
        return;
    };
    let old = std::mem::replace(&mut conn.keys, keys.clone());
    for key in old.difference(&keys) {
        if let Some(set) = routing.by_key.get_mut(key) {
            set.remove(&id);
            if set.is_empty() {
                routing.by_key.remove(key);
            }
        }
    }
    for key in keys.difference(&old) {
        routing.by_key.entry(*key).or_default().insert(id);
    }
}

fn remove(routing: &mut Routing, id: ConnId) {
    set_keys(routing, id, HashSet::new());
    if let Some(conn) = routing.connections.remove(&id) {
        routing.by_public_id.remove(&conn.public_id);
        if let Some(set) = routing.by_user.get_mut(&conn.access.user) {
            set.remove(&id);
            if set.is_empty() {
                routing.by_user.remove(&conn.access.user);
            }
        }
    }
}

/// A stored event as a delivery, with the membership change it carries.
fn decode(event: StoredEvent) -> Option<(Delivery, Option<Change>)> {
    let Ok(mut map) = serde_json::from_slice::<Map<String, Value>>(&event.payload) else {
        tracing::warn!(seq = event.seq, "skipping an event that is not an envelope");
        return None;
    };
    let id = |field: &str| {
        map.get(field)
            .and_then(Value::as_str)
            .and_then(|s| s.parse().ok())
    };
    let (channel_id, community_id) = (
        id("channel_id").map(ChannelId),
        id("community_id").map(CommunityId),
    );
    let recipient = recipient(&event.subject);
    let change = membership_change(&map, channel_id, community_id, recipient);
    map.insert("id".into(), event.seq.into());
    let json = serde_json::to_string(&map).ok()?;
    let delivery = Delivery {
        seq: event.seq,
        channel_id,
        community_id,
        frame: sse_frame(event.seq, &json),
        traceparent: event.trace.traceparent,
        recipient,
    };
    Some((delivery, change))
}

/// Event types that can change what a connection is entitled to.
const MEMBERSHIP_KINDS: [&str; 3] = ["member.joined", "member.left", "channel.created"];

/// What a stored event is routed by, read without parsing the rest of it.
#[derive(Deserialize)]
struct RoutingFields<'a> {
    #[serde(rename = "type", borrow)]
    kind: std::borrow::Cow<'a, str>,
    #[serde(default)]
    channel_id: Option<Uuid>,
    #[serde(default)]
    community_id: Option<Uuid>,
}

/// The user a notification is for: notifications are routed by their subject.
fn recipient(subject: &str) -> Option<UserId> {
    match subjects::parse(subject) {
        Some(Route::Notifications(user)) => Some(user),
        _ => None,
    }
}

/// The membership change of a `member.*` or `channel.created` event, if any.
fn membership_change(
    map: &Map<String, Value>,
    channel: Option<ChannelId>,
    community: Option<CommunityId>,
    recipient: Option<UserId>,
) -> Option<Change> {
    let kind = map.get("type")?.as_str()?;
    if !MEMBERSHIP_KINDS.contains(&kind) {
        return None;
    }
    let envelope: Envelope = serde_json::from_value(Value::Object(map.clone())).ok()?;
    match (envelope.data, channel, community) {
        (EventData::MemberJoined { user }, Some(ch), c) => {
            Some(Change::JoinChannel(user.id, ch, c))
        }
        (EventData::MemberJoined { user }, None, Some(c)) => {
            Some(Change::JoinCommunity(user.id, c))
        }
        (EventData::MemberLeft { user_id }, Some(ch), _) => Some(Change::LeaveChannel(user_id, ch)),
        (EventData::MemberLeft { user_id }, None, Some(c)) => {
            Some(Change::LeaveCommunity(user_id, c))
        }
        // A channel the user created, or a DM or private channel they were put in.
        (EventData::ChannelCreated(dto), _, _) => recipient
            .or(envelope.actor_id)
            .map(|user| Change::JoinChannel(user, dto.id, dto.community_id)),
        _ => None,
    }
}

/// The keys an event is routed by.
fn keys_of(delivery: &Delivery) -> Vec<Key> {
    route_keys(
        delivery.recipient,
        delivery.channel_id,
        delivery.community_id,
    )
}

/// The keys of an event for `recipient` (a notification), else of its channel, else of
/// its community.
fn route_keys(
    recipient: Option<UserId>,
    channel: Option<ChannelId>,
    community: Option<CommunityId>,
) -> Vec<Key> {
    match (recipient, channel, community) {
        (Some(user), _, _) => vec![Key::User(user)],
        (None, Some(channel), _) => vec![Key::Channel(channel)],
        (None, None, Some(community)) => vec![Key::Community(community)],
        (None, None, None) => Vec::new(),
    }
}

/// A registered connection's events; dropping it unregisters the connection.
pub struct Subscription {
    /// Names the connection in session signals (switching the viewed community).
    pub connection_id: Uuid,
    events: BoxStream<'static, Arc<Delivery>>,
    _guard: Guard,
}

struct Guard {
    hub: Hub,
    id: ConnId,
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.hub.unsubscribe(self.id);
    }
}

impl Stream for Subscription {
    type Item = Arc<Delivery>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        self.events.poll_next_unpin(cx)
    }
}
