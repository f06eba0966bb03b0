//! The ephemeral signals beside the stream: typing, passed on to the channel at once;
//! heartbeats, turned into each connection's presence batch; and session signals, which
//! switch a connection's viewed community.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ajet_bus::Signal;
use ajet_core::{Envelope, EventData, subjects};
use futures::StreamExt;

use super::{Delivery, Hub, HubState, RouteKey, ViewSignal};

impl Hub {
    /// Listens to typing, presence and session signals, until the process ends. NATS
    /// subscriptions survive reconnects, so one subscription each suffices.
    pub(super) async fn follow_signals(self) {
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
        if let Some(user) = subjects::parse_session(&signal.subject) {
            if let Ok(view) = serde_json::from_slice::<ViewSignal>(&signal.payload) {
                self.state()
                    .index
                    .set_view(user, view.connection_id, view.community_id);
            }
            return;
        }
        let Ok(envelope) = serde_json::from_slice::<Envelope>(&signal.payload) else {
            return;
        };
        match envelope.data {
            EventData::PresenceHeartbeat {
                user_id,
                channel_ids,
                away,
            } => {
                let mut state = self.state();
                if away {
                    state.presence.away(user_id, channel_ids, Instant::now());
                } else {
                    state
                        .presence
                        .heartbeat(user_id, channel_ids, Instant::now());
                }
            }
            EventData::Typing { user_id, .. } => {
                let Some(channel) = envelope.channel_id else {
                    return;
                };
                let Some(delivery) = Delivery::ephemeral(&envelope, self.framer()) else {
                    return;
                };
                self.state().index.deliver(
                    RouteKey::Channel(channel),
                    &Arc::new(delivery),
                    Some(user_id),
                );
            }
            _ => {}
        }
    }

    /// Once per `every`: sends each connection the presence changes since the last batch
    /// of the people who share a channel with it (see [`super::presence`]).
    pub(super) async fn flush_presence(self, every: Duration) {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tick.tick().await;
            let mut state = self.state();
            let HubState {
                index, presence, ..
            } = &mut *state;
            for (id, changes) in presence.batch(index, Instant::now()) {
                let envelope =
                    Envelope::for_community(None, None, EventData::PresenceUpdated { changes });
                if let Some(delivery) = Delivery::ephemeral(&envelope, self.framer()) {
                    index.send(id, Arc::new(delivery));
                }
            }
        }
    }
}
