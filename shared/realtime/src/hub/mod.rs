//! The hub: one reader of the event stream, many connections.
//!
//! Its parts: [`routing`] (which connections each event goes to), [`decode`] (a stored
//! event as the delivery it becomes and the membership change it carries),
//! [`membership`] (those changes, and the memory of the latest ones), [`presence`]
//! (heartbeats into batched changes), [`signals`] (typing, presence and view switches)
//! and [`subscription`] (a connection's events, in order). This module runs them: the
//! task that follows the stream, and registration.

mod decode;
mod membership;
mod presence;
mod routing;
mod signals;
mod subscription;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use ajet_bus::{EventBus, StoredEvent};
use ajet_core::{CommunityId, Envelope, EventData, UserId};
use futures::StreamExt;
use futures::stream::BoxStream;
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, watch};
use tokio_stream::wrappers::ReceiverStream;
use uuid::Uuid;

pub use decode::Delivery;
pub use routing::RouteKey;
pub use subscription::Subscription;

use crate::access::Access;
use crate::frame::{Framer, JsonFrames};
use decode::{DecodedEvent, decode, routing_summary};
use membership::RecentMembershipChanges;
use presence::Presence;
use routing::{ConnectionId, RoutingIndex};
use subscription::RegistrationGuard;

/// Events a connection may have queued before it counts as too slow and is dropped.
const CONNECTION_BUFFER: usize = 1024;

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

/// What the hub keeps under its lock.
#[derive(Default)]
struct HubState {
    /// The last stream position fanned out.
    head: u64,
    index: RoutingIndex,
    presence: Presence,
    recent_changes: RecentMembershipChanges,
}

struct Inner {
    bus: Arc<dyn EventBus>,
    framer: Arc<dyn Framer>,
    state: Mutex<HubState>,
    /// Becomes true once the hub knows where the stream stands.
    started: watch::Sender<bool>,
}

/// The process's fan-out point. Cheap to clone.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

impl Hub {
    /// Starts following the stream from its current end, and the ephemeral signals; the
    /// events are sent as JSON ([`JsonFrames`]).
    pub fn start(bus: Arc<dyn EventBus>, config: HubConfig) -> Self {
        Self::start_with_framer(bus, config, Arc::new(JsonFrames))
    }

    /// [`Hub::start`], with the events sent as `framer` renders them (once per event).
    pub fn start_with_framer(
        bus: Arc<dyn EventBus>,
        config: HubConfig,
        framer: Arc<dyn Framer>,
    ) -> Self {
        let hub = Self {
            inner: Arc::new(Inner {
                bus,
                framer,
                state: Mutex::default(),
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
        self.state().head
    }

    /// Whether a membership of `user` changed after stream position `since` (as far as
    /// the hub has read). When it cannot tell — the change fell out of its memory — it says
    /// yes.
    pub fn membership_changed_since(&self, user: UserId, since: u64) -> bool {
        self.state().recent_changes.changed_since(user, since)
    }

    /// How many connections are registered.
    pub fn connections(&self) -> usize {
        self.state().index.len()
    }

    /// Publishes an ephemeral signal (typing, a view switch) for every instance's hub.
    pub async fn signal(
        &self,
        subject: String,
        payload: Vec<u8>,
    ) -> Result<(), ajet_bus::BusError> {
        self.inner.bus.publish_signal(subject, payload.into()).await
    }

    fn state(&self) -> MutexGuard<'_, HubState> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn framer(&self) -> &dyn Framer {
        &*self.inner.framer
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
            let mut state = self.state();
            state.head = head;
            // Changes before the hub started are unknown to it.
            state.recent_changes.forget_up_to(head);
        }
        self.inner.started.send_replace(true);
        tracing::info!(head, "following the event stream");
        loop {
            let from = self.state().head + 1;
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
        let Some(DecodedEvent {
            seq,
            delivery,
            membership_change,
        }) = decode(event, self.framer())
        else {
            return;
        };
        let mut state = self.state();
        if seq <= state.head {
            return;
        }
        state.head = seq;
        let HubState {
            index,
            recent_changes,
            ..
        } = &mut *state;
        if let Some(change) = &membership_change {
            recent_changes.record(seq, change.user());
        }
        let (before, after) = match membership_change {
            Some(c) if c.applies_before_delivery() => (Some(c), None),
            other => (None, other),
        };
        if let Some(change) = before {
            index.apply_membership_change(&change);
        }
        if let Some(delivery) = delivery
            && let Some(route) = delivery.route()
        {
            index.deliver(route, &Arc::new(delivery), None);
        }
        if let Some(change) = after {
            index.apply_membership_change(&change);
        }
    }

    /// Whether no connection of this process is entitled to `event` and it changes no
    /// membership. Then only the position moves: the event is not decoded, re-encoded and
    /// framed for nobody. Only its routing fields are read.
    fn nobody_here_needs(&self, event: &StoredEvent) -> bool {
        let Some(summary) = routing_summary(event) else {
            return false;
        };
        if summary.changes_membership {
            return false;
        }
        let mut state = self.state();
        if summary.route.is_some_and(|key| state.index.is_routed(&key)) {
            return false;
        }
        state.head = state.head.max(event.seq);
        true
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
        let (id, head) = {
            let mut state = self.state();
            let id = state.index.register(public_id, tx, access, view);
            (id, state.head)
        };
        let registration = RegistrationGuard {
            hub: self.clone(),
            id,
        };
        let hello = Envelope::for_community(
            None,
            None,
            EventData::Hello {
                connection_id: public_id,
            },
        );
        let hello = Delivery::ephemeral(&hello, self.framer());
        let replay = match resume {
            Some(last) if last < head => self.replay(keys, last, head).await,
            _ => futures::stream::empty().boxed(),
        };
        Subscription::new(
            public_id,
            registration,
            resume,
            hello,
            replay,
            ReceiverStream::new(rx),
        )
    }

    /// Brings a connection's access up to date with a fresh answer from the api, except
    /// for channels whose membership events arrived since it registered (those events are
    /// newer than any answer that raced them).
    pub fn reconcile(&self, connection: Uuid, fresh: Access) {
        self.state().index.reconcile(connection, fresh);
    }

    /// The events in `(last, head]` that `keys` are entitled to, from the stream.
    async fn replay(
        &self,
        keys: std::collections::HashSet<RouteKey>,
        last: u64,
        head: u64,
    ) -> BoxStream<'static, Arc<Delivery>> {
        let bus = self.inner.bus.clone();
        match bus.bounds().await {
            Ok(bounds) if last + 1 < bounds.first => {
                let reload = Delivery::reload(
                    head,
                    "the events since your last visit are no longer kept; reload to catch up",
                    self.framer(),
                );
                return futures::stream::iter(reload.map(Arc::new)).boxed();
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "cannot read the stream bounds for a replay"),
        }
        let framer = self.inner.framer.clone();
        match bus.durable_from(last + 1).await {
            Ok(events) => events
                .filter_map(|item| futures::future::ready(item.ok()))
                .take_while(move |event| futures::future::ready(event.seq <= head))
                .filter_map(move |event| {
                    let delivery = decode(event, &*framer)
                        .and_then(|decoded| decoded.delivery)
                        .filter(|d| d.route().is_some_and(|key| keys.contains(&key)))
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

    fn unregister(&self, id: ConnectionId) {
        self.state().index.unregister(id);
    }
}
