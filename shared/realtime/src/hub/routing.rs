//! The routing index: which connections each event goes to.
//!
//! An event is routed by one [`RouteKey`]; a connection is registered under every key its
//! [`Access`] and viewed community give it. Delivering an event is a lookup of its key and
//! a non-blocking send of one shared [`Delivery`] to each connection found there. Pure
//! bookkeeping, no I/O: the hub holds it under its lock.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use ajet_core::{ChannelId, CommunityId, UserId};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::decode::Delivery;
use super::membership::MembershipChange;
use crate::access::Access;

/// What an event is about, and what a connection is entitled to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RouteKey {
    /// Events of one channel or DM.
    Channel(ChannelId),
    /// Community-wide events that concern no single channel.
    Community(CommunityId),
    /// Notifications addressed to one user.
    User(UserId),
}

impl RouteKey {
    /// The key of an event for `recipient` (a notification), else of its channel, else of
    /// its community; `None` for an event about none of them.
    pub(crate) fn of_event(
        recipient: Option<UserId>,
        channel: Option<ChannelId>,
        community: Option<CommunityId>,
    ) -> Option<Self> {
        match (recipient, channel, community) {
            (Some(user), _, _) => Some(Self::User(user)),
            (None, Some(channel), _) => Some(Self::Channel(channel)),
            (None, None, Some(community)) => Some(Self::Community(community)),
            (None, None, None) => None,
        }
    }
}

/// A registered connection's number in the index (its public id is a UUID).
pub(crate) type ConnectionId = u64;

struct Connection {
    public_id: Uuid,
    tx: mpsc::Sender<Arc<Delivery>>,
    access: Access,
    view: Option<CommunityId>,
    keys: HashSet<RouteKey>,
    /// Channels whose membership events arrived since registration: a later reconcile
    /// with the api's answer leaves them as the events made them.
    touched: HashSet<ChannelId>,
}

/// Every registered connection, indexed by route key, user and public id.
#[derive(Default)]
pub(crate) struct RoutingIndex {
    next_id: ConnectionId,
    connections: HashMap<ConnectionId, Connection>,
    by_key: HashMap<RouteKey, HashSet<ConnectionId>>,
    by_user: HashMap<UserId, HashSet<ConnectionId>>,
    by_public_id: HashMap<Uuid, ConnectionId>,
}

impl RoutingIndex {
    /// Registers a connection that receives on `tx`, with `access`, viewing `view`.
    pub(crate) fn register(
        &mut self,
        public_id: Uuid,
        tx: mpsc::Sender<Arc<Delivery>>,
        access: Access,
        view: Option<CommunityId>,
    ) -> ConnectionId {
        let id = self.next_id;
        self.next_id += 1;
        let keys = access.keys(view);
        self.by_user.entry(access.user).or_default().insert(id);
        self.by_public_id.insert(public_id, id);
        self.connections.insert(
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
        self.set_keys(id, keys);
        id
    }

    /// Removes a connection from the index; its receiver then ends.
    pub(crate) fn unregister(&mut self, id: ConnectionId) {
        self.set_keys(id, HashSet::new());
        if let Some(conn) = self.connections.remove(&id) {
            self.by_public_id.remove(&conn.public_id);
            if let Some(set) = self.by_user.get_mut(&conn.access.user) {
                set.remove(&id);
                if set.is_empty() {
                    self.by_user.remove(&conn.access.user);
                }
            }
        }
    }

    /// How many connections are registered.
    pub(crate) fn len(&self) -> usize {
        self.connections.len()
    }

    /// Whether any connection is registered for `key`.
    pub(crate) fn is_routed(&self, key: &RouteKey) -> bool {
        self.by_key.contains_key(key)
    }

    /// Sends `delivery` to every connection registered for `key`, except the connections
    /// of `except`; drops the connections that cannot keep up.
    pub(crate) fn deliver(
        &mut self,
        key: RouteKey,
        delivery: &Arc<Delivery>,
        except: Option<UserId>,
    ) {
        let Some(targets) = self.by_key.get(&key) else {
            return;
        };
        let mut slow = Vec::new();
        for id in targets {
            if let Some(conn) = self.connections.get(id) {
                if Some(conn.access.user) == except {
                    continue;
                }
                if conn.tx.try_send(delivery.clone()).is_err() {
                    slow.push(*id);
                }
            }
        }
        self.drop_slow(slow);
    }

    /// Sends `delivery` to one connection; drops it if it cannot keep up.
    pub(crate) fn send(&mut self, id: ConnectionId, delivery: Arc<Delivery>) {
        if let Some(conn) = self.connections.get(&id)
            && conn.tx.try_send(delivery).is_err()
        {
            self.drop_slow(vec![id]);
        }
    }

    fn drop_slow(&mut self, slow: Vec<ConnectionId>) {
        for id in slow {
            tracing::info!(connection = id, "dropping a connection that cannot keep up");
            self.unregister(id);
        }
    }

    /// The connections registered for `channel`, with the user each is for.
    pub(crate) fn watchers_of(
        &self,
        channel: ChannelId,
    ) -> impl Iterator<Item = (ConnectionId, UserId)> + '_ {
        self.by_key
            .get(&RouteKey::Channel(channel))
            .into_iter()
            .flatten()
            .filter_map(|id| Some((*id, self.connections.get(id)?.access.user)))
    }

    /// Applies a membership change to every connection of its user.
    pub(crate) fn apply_membership_change(&mut self, change: &MembershipChange) {
        let ids: Vec<ConnectionId> = self
            .by_user
            .get(&change.user())
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default();
        for id in ids {
            let Some(conn) = self.connections.get_mut(&id) else {
                continue;
            };
            let access = &mut conn.access;
            match *change {
                MembershipChange::JoinChannel {
                    channel, community, ..
                } => {
                    access.channels.insert(channel, community);
                    conn.touched.insert(channel);
                }
                MembershipChange::LeaveChannel { channel, .. } => {
                    access.channels.remove(&channel);
                    conn.touched.insert(channel);
                }
                MembershipChange::JoinCommunity { community, .. } => {
                    access.communities.insert(community);
                }
                MembershipChange::LeaveCommunity { community, .. } => {
                    access.communities.remove(&community);
                    access.channels.retain(|channel, c| {
                        let gone = *c == Some(community);
                        if gone {
                            conn.touched.insert(*channel);
                        }
                        !gone
                    });
                }
            }
            let keys = conn.access.keys(conn.view);
            self.set_keys(id, keys);
        }
    }

    /// Switches the viewed community of the connection `public_id`, if it is `user`'s.
    pub(crate) fn set_view(&mut self, user: UserId, public_id: Uuid, view: Option<CommunityId>) {
        let Some(&id) = self.by_public_id.get(&public_id) else {
            return;
        };
        let Some(conn) = self.connections.get_mut(&id) else {
            return;
        };
        if conn.access.user != user {
            return;
        }
        conn.view = view;
        let keys = conn.access.keys(view);
        self.set_keys(id, keys);
    }

    /// Brings the access of the connection `public_id` up to date with a fresh answer
    /// from the api, except for channels whose membership events arrived since it
    /// registered (those events are newer than any answer that raced them).
    pub(crate) fn reconcile(&mut self, public_id: Uuid, fresh: Access) {
        let Some(&id) = self.by_public_id.get(&public_id) else {
            return;
        };
        let Some(conn) = self.connections.get_mut(&id) else {
            return;
        };
        let touched = &conn.touched;
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
        self.set_keys(id, keys);
    }

    /// Replaces a connection's keys in the index.
    fn set_keys(&mut self, id: ConnectionId, keys: HashSet<RouteKey>) {
        let Some(conn) = self.connections.get_mut(&id) else {
            return;
        };
        let old = std::mem::replace(&mut conn.keys, keys);
        let new = &conn.keys;
        for key in old.difference(new) {
            if let Some(set) = self.by_key.get_mut(key) {
                set.remove(&id);
                if set.is_empty() {
                    self.by_key.remove(key);
                }
            }
        }
        for key in new.difference(&old) {
            self.by_key.entry(*key).or_default().insert(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;

    /// A connection's receiving end, for tests.
    type Inbox = mpsc::Receiver<Arc<Delivery>>;

    fn delivery(seq: u64) -> Arc<Delivery> {
        Arc::new(Delivery {
            seq,
            channel_id: None,
            community_id: None,
            frame: Bytes::new(),
            traceparent: None,
            recipient: None,
        })
    }

    fn access(
        user: UserId,
        channels: &[(ChannelId, Option<CommunityId>)],
        communities: &[CommunityId],
    ) -> Access {
        Access {
            user,
            channels: channels.iter().copied().collect(),
            communities: communities.iter().copied().collect(),
        }
    }

    fn register(index: &mut RoutingIndex, access: Access, capacity: usize) -> (Uuid, Inbox) {
        let (tx, rx) = mpsc::channel(capacity);
        let public_id = Uuid::new_v4();
        index.register(public_id, tx, access, None);
        (public_id, rx)
    }

    /// The positions waiting in an inbox, emptying it.
    fn received(inbox: &mut Inbox) -> Vec<u64> {
        std::iter::from_fn(|| inbox.try_recv().ok())
            .map(|d| d.seq)
            .collect()
    }

    #[test]
    fn an_event_reaches_the_connections_registered_for_its_key_only() {
        let mut index = RoutingIndex::default();
        let (community, general, random) = (CommunityId::new(), ChannelId::new(), ChannelId::new());
        let (alice, bob) = (UserId::new(), UserId::new());
        let (_, mut a) = register(
            &mut index,
            access(alice, &[(general, Some(community))], &[community]),
            8,
        );
        let (_, mut b) = register(
            &mut index,
            access(bob, &[(random, Some(community))], &[community]),
            8,
        );

        index.deliver(RouteKey::Channel(general), &delivery(1), None);
        index.deliver(RouteKey::Channel(random), &delivery(2), None);
        index.deliver(RouteKey::Community(community), &delivery(3), None);
        index.deliver(RouteKey::User(bob), &delivery(4), None);
        index.deliver(RouteKey::Channel(ChannelId::new()), &delivery(5), None);

        assert_eq!(received(&mut a), [1, 3]);
        assert_eq!(received(&mut b), [2, 3, 4]);
        assert!(index.is_routed(&RouteKey::Channel(general)));
        assert!(!index.is_routed(&RouteKey::User(UserId::new())));
    }

    #[test]
    fn an_event_skips_every_connection_of_the_excepted_user() {
        let mut index = RoutingIndex::default();
        let channel = ChannelId::new();
        let (typist, other) = (UserId::new(), UserId::new());
        let (_, mut tab1) = register(&mut index, access(typist, &[(channel, None)], &[]), 8);
        let (_, mut tab2) = register(&mut index, access(typist, &[(channel, None)], &[]), 8);
        let (_, mut watcher) = register(&mut index, access(other, &[(channel, None)], &[]), 8);

        index.deliver(RouteKey::Channel(channel), &delivery(0), Some(typist));

        assert!(received(&mut tab1).is_empty());
        assert!(received(&mut tab2).is_empty());
        assert_eq!(received(&mut watcher), [0]);
    }

    #[test]
    fn a_connection_that_cannot_keep_up_is_unregistered() {
        let mut index = RoutingIndex::default();
        let channel = ChannelId::new();
        let (_, mut slow) = register(
            &mut index,
            access(UserId::new(), &[(channel, None)], &[]),
            1,
        );
        let (_, mut fast) = register(
            &mut index,
            access(UserId::new(), &[(channel, None)], &[]),
            8,
        );

        for seq in 1..=3 {
            index.deliver(RouteKey::Channel(channel), &delivery(seq), None);
        }

        assert_eq!(index.len(), 1);
        assert_eq!(received(&mut slow), [1]);
        assert!(slow.is_closed(), "the dropped connection's stream ends");
        assert_eq!(received(&mut fast), [1, 2, 3]);
    }

    #[test]
    fn unregistering_leaves_no_trace_in_the_index() {
        let mut index = RoutingIndex::default();
        let (community, channel, user) = (CommunityId::new(), ChannelId::new(), UserId::new());
        let (tx, _rx) = mpsc::channel(1);
        let public_id = Uuid::new_v4();
        let id = index.register(
            public_id,
            tx,
            access(user, &[(channel, Some(community))], &[community]),
            None,
        );
        index.unregister(id);
        assert_eq!(index.len(), 0);
        assert!(index.by_key.is_empty());
        assert!(index.by_user.is_empty());
        assert!(index.by_public_id.is_empty());
    }

    #[test]
    fn membership_changes_add_and_remove_routes_for_every_connection_of_the_user() {
        let mut index = RoutingIndex::default();
        let (community, channel, user) = (CommunityId::new(), ChannelId::new(), UserId::new());
        let (_, mut tab1) = register(&mut index, access(user, &[], &[]), 8);
        let (_, mut tab2) = register(&mut index, access(user, &[], &[]), 8);
        let (_, mut stranger) = register(&mut index, access(UserId::new(), &[], &[]), 8);

        index.apply_membership_change(&MembershipChange::JoinCommunity { user, community });
        index.apply_membership_change(&MembershipChange::JoinChannel {
            user,
            channel,
            community: Some(community),
        });
        index.deliver(RouteKey::Channel(channel), &delivery(1), None);
        index.deliver(RouteKey::Community(community), &delivery(2), None);
        assert_eq!(received(&mut tab1), [1, 2]);
        assert_eq!(received(&mut tab2), [1, 2]);
        assert!(received(&mut stranger).is_empty());

        index.apply_membership_change(&MembershipChange::LeaveChannel { user, channel });
        index.deliver(RouteKey::Channel(channel), &delivery(3), None);
        index.deliver(RouteKey::Community(community), &delivery(4), None);
        assert_eq!(received(&mut tab1), [4]);
        assert!(!index.is_routed(&RouteKey::Channel(channel)));
    }

    #[test]
    fn leaving_a_community_takes_its_channels_and_keeps_the_dms() {
        let mut index = RoutingIndex::default();
        let (community, channel, dm, user) = (
            CommunityId::new(),
            ChannelId::new(),
            ChannelId::new(),
            UserId::new(),
        );
        let (_, mut inbox) = register(
            &mut index,
            access(
                user,
                &[(channel, Some(community)), (dm, None)],
                &[community],
            ),
            8,
        );

        index.apply_membership_change(&MembershipChange::LeaveCommunity { user, community });
        index.deliver(RouteKey::Channel(channel), &delivery(1), None);
        index.deliver(RouteKey::Community(community), &delivery(2), None);
        index.deliver(RouteKey::Channel(dm), &delivery(3), None);
        index.deliver(RouteKey::User(user), &delivery(4), None);

        assert_eq!(received(&mut inbox), [3, 4]);
    }

    #[test]
    fn a_reconcile_keeps_what_membership_events_changed_since_registration() {
        let mut index = RoutingIndex::default();
        let (joined, left, other, user) = (
            ChannelId::new(),
            ChannelId::new(),
            ChannelId::new(),
            UserId::new(),
        );
        let (public_id, mut inbox) = register(&mut index, access(user, &[(left, None)], &[]), 8);
        index.apply_membership_change(&MembershipChange::JoinChannel {
            user,
            channel: joined,
            community: None,
        });
        index.apply_membership_change(&MembershipChange::LeaveChannel {
            user,
            channel: left,
        });

        // An answer of the api that raced both events: it has `left`, not `joined`.
        index.reconcile(public_id, access(user, &[(left, None), (other, None)], &[]));
        for (seq, channel) in [(1, joined), (2, left), (3, other)] {
            index.deliver(RouteKey::Channel(channel), &delivery(seq), None);
        }

        assert_eq!(received(&mut inbox), [1, 3]);
    }

    #[test]
    fn a_view_switch_applies_only_to_the_users_own_connection() {
        let mut index = RoutingIndex::default();
        let (a, b) = (CommunityId::new(), CommunityId::new());
        let (in_a, in_b, user) = (ChannelId::new(), ChannelId::new(), UserId::new());
        let (public_id, mut inbox) = register(
            &mut index,
            access(user, &[(in_a, Some(a)), (in_b, Some(b))], &[a, b]),
            8,
        );

        index.set_view(UserId::new(), public_id, Some(a));
        index.deliver(RouteKey::Channel(in_b), &delivery(1), None);
        index.set_view(user, public_id, Some(a));
        index.deliver(RouteKey::Channel(in_b), &delivery(2), None);
        index.deliver(RouteKey::Channel(in_a), &delivery(3), None);

        assert_eq!(received(&mut inbox), [1, 3]);
    }

    #[test]
    fn an_event_is_routed_to_its_recipient_else_its_channel_else_its_community() {
        let (user, channel, community) = (UserId::new(), ChannelId::new(), CommunityId::new());
        assert_eq!(
            RouteKey::of_event(Some(user), Some(channel), Some(community)),
            Some(RouteKey::User(user))
        );
        assert_eq!(
            RouteKey::of_event(None, Some(channel), Some(community)),
            Some(RouteKey::Channel(channel))
        );
        assert_eq!(
            RouteKey::of_event(None, None, Some(community)),
            Some(RouteKey::Community(community))
        );
        assert_eq!(RouteKey::of_event(None, None, None), None);
    }
}
