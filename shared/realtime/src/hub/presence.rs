//! Presence: who is online, from heartbeats, and each connection's batch of the changes
//! about people who share a channel with it.
//!
//! Relevance comes from the channels each heartbeat names, so the hub keeps state per
//! online user, not per connection.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use ajet_core::events::PresenceChange;
use ajet_core::{ChannelId, UserId};

use super::routing::{ConnectionId, RoutingIndex};

/// How long after a user's last heartbeat they count as online.
pub(crate) const ONLINE_FOR: Duration = Duration::from_secs(120);

/// Heartbeats, and who was online at the last batch.
#[derive(Debug, Default)]
pub(crate) struct Presence {
    /// Each user's last heartbeat, with the channels it named.
    last_seen: HashMap<UserId, (Instant, Vec<ChannelId>)>,
    /// Who was online at the last batch.
    online: HashSet<UserId>,
}

impl Presence {
    /// `user` is online at `now`, in `channels`.
    pub(crate) fn heartbeat(&mut self, user: UserId, channels: Vec<ChannelId>, now: Instant) {
        self.last_seen.insert(user, (now, channels));
    }

    /// `user`, in `channels`, said they are away: offline from the next batch on, whatever
    /// their clients do, until a heartbeat without `away`.
    pub(crate) fn away(&mut self, user: UserId, channels: Vec<ChannelId>, now: Instant) {
        if self.online.contains(&user) {
            // Kept, aged past the window, so that the next batch tells the watchers of
            // these channels that they went offline.
            let long_ago = now.checked_sub(ONLINE_FOR).unwrap_or(now);
            self.last_seen.insert(user, (long_ago, channels));
        } else {
            self.last_seen.remove(&user);
        }
    }

    /// Who came online or went offline since the last batch, as the changes each
    /// connection of `index` is to be sent: those of the people whose last heartbeat named
    /// a channel the connection is registered for, other than its own user. Starts the
    /// next batch.
    pub(crate) fn batch(
        &mut self,
        index: &RoutingIndex,
        now: Instant,
    ) -> HashMap<ConnectionId, Vec<PresenceChange>> {
        let online: HashSet<UserId> = self
            .last_seen
            .iter()
            .filter(|(_, (seen, _))| now.duration_since(*seen) < ONLINE_FOR)
            .map(|(user, _)| *user)
            .collect();
        let mut batches: HashMap<ConnectionId, Vec<PresenceChange>> = HashMap::new();
        for user in online.symmetric_difference(&self.online) {
            let is_online = online.contains(user);
            let channels = self
                .last_seen
                .get(user)
                .map(|(_, channels)| channels.as_slice())
                .unwrap_or_default();
            let watchers: HashSet<ConnectionId> = channels
                .iter()
                .flat_map(|channel| index.watchers_of(*channel))
                .filter(|(_, watcher)| watcher != user)
                .map(|(id, _)| id)
                .collect();
            for id in watchers {
                batches.entry(id).or_default().push(PresenceChange {
                    user_id: *user,
                    online: is_online,
                });
            }
        }
        self.online = online;
        self.last_seen
            .retain(|_, (seen, _)| now.duration_since(*seen) < ONLINE_FOR * 2);
        batches
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use tokio::sync::mpsc;
    use uuid::Uuid;

    use super::*;
    use crate::access::Access;
    use crate::hub::decode::Delivery;

    fn register(
        index: &mut RoutingIndex,
        user: UserId,
        channels: &[ChannelId],
    ) -> (ConnectionId, mpsc::Receiver<Arc<Delivery>>) {
        let (tx, rx) = mpsc::channel(1);
        let access = Access {
            user,
            channels: channels.iter().map(|c| (*c, None)).collect(),
            communities: HashSet::new(),
        };
        (index.register(Uuid::new_v4(), tx, access, None), rx)
    }

    fn change(user: UserId, online: bool) -> PresenceChange {
        PresenceChange {
            user_id: user,
            online,
        }
    }

    #[test]
    fn changes_go_once_to_the_people_sharing_a_channel_and_not_to_oneself() {
        let mut index = RoutingIndex::default();
        let (general, random, elsewhere) = (ChannelId::new(), ChannelId::new(), ChannelId::new());
        let (alice, bob, carol) = (UserId::new(), UserId::new(), UserId::new());
        let (alice_tab, _a) = register(&mut index, alice, &[general, random]);
        let (bob_tab, _b) = register(&mut index, bob, &[general, random]);
        let (carol_tab, _c) = register(&mut index, carol, &[elsewhere]);
        let mut presence = Presence::default();
        let start = Instant::now();

        presence.heartbeat(alice, vec![general, random], start);
        let batches = presence.batch(&index, start);
        assert_eq!(
            batches,
            HashMap::from([(bob_tab, vec![change(alice, true)])]),
            "bob shares two channels with alice and hears of her once; carol, none"
        );
        assert!(!batches.contains_key(&alice_tab) && !batches.contains_key(&carol_tab));

        presence.heartbeat(alice, vec![general], start + Duration::from_secs(60));
        assert!(
            presence
                .batch(&index, start + Duration::from_secs(90))
                .is_empty(),
            "nothing changed since the last batch"
        );

        let later = start + Duration::from_secs(60) + ONLINE_FOR;
        assert_eq!(
            presence.batch(&index, later),
            HashMap::from([(bob_tab, vec![change(alice, false)])])
        );
    }

    #[test]
    fn away_shows_offline_at_the_next_batch_until_a_plain_heartbeat() {
        let mut index = RoutingIndex::default();
        let general = ChannelId::new();
        let (alice, bob) = (UserId::new(), UserId::new());
        let (_alice_tab, _a) = register(&mut index, alice, &[general]);
        let (bob_tab, _b) = register(&mut index, bob, &[general]);
        let mut presence = Presence::default();
        let start = Instant::now() + ONLINE_FOR;

        presence.heartbeat(alice, vec![general], start);
        presence.batch(&index, start);
        let later = start + Duration::from_secs(5);
        presence.away(alice, vec![general], later);
        assert_eq!(
            presence.batch(&index, later),
            HashMap::from([(bob_tab, vec![change(alice, false)])])
        );
        // Her clients' heartbeats say away too: she stays offline.
        presence.away(alice, vec![general], later + Duration::from_secs(30));
        assert!(
            presence
                .batch(&index, later + Duration::from_secs(30))
                .is_empty()
        );
        // Back.
        let back = later + Duration::from_secs(60);
        presence.heartbeat(alice, vec![general], back);
        assert_eq!(
            presence.batch(&index, back),
            HashMap::from([(bob_tab, vec![change(alice, true)])])
        );
    }
}
