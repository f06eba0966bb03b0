//! Membership changes: what an event changes about who may receive what, and the hub's
//! memory of the latest ones.

use std::collections::VecDeque;

use ajet_core::{ChannelId, CommunityId, UserId};

/// A change of membership an event carries, applied to the connections of its user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MembershipChange {
    /// The user joined (or was put in) a channel or DM (`community` is `None` for DMs).
    JoinChannel {
        user: UserId,
        channel: ChannelId,
        community: Option<CommunityId>,
    },
    /// The user left, or was removed from, a channel.
    LeaveChannel { user: UserId, channel: ChannelId },
    /// The user joined a community.
    JoinCommunity {
        user: UserId,
        community: CommunityId,
    },
    /// The user left, or was removed from, a community, and with it its channels.
    LeaveCommunity {
        user: UserId,
        community: CommunityId,
    },
}

impl MembershipChange {
    /// The user whose memberships change.
    pub(crate) fn user(&self) -> UserId {
        match *self {
            Self::JoinChannel { user, .. }
            | Self::LeaveChannel { user, .. }
            | Self::JoinCommunity { user, .. }
            | Self::LeaveCommunity { user, .. } => user,
        }
    }

    /// Joins apply before the event is delivered (the joiner sees their own join), leaves
    /// after (the leaver sees their own leave, then nothing more).
    pub(crate) fn applies_before_delivery(&self) -> bool {
        matches!(self, Self::JoinChannel { .. } | Self::JoinCommunity { .. })
    }
}

/// Membership changes remembered for [`RecentMembershipChanges::changed_since`].
const REMEMBERED: usize = 10_000;

/// Whose memberships changed at the latest stream positions, so that a stream opened
/// with an answer of the api that may predate a change can be told to ask again.
#[derive(Debug, Default)]
pub(crate) struct RecentMembershipChanges {
    /// (position, user), oldest first.
    changes: VecDeque<(u64, UserId)>,
    /// The position of the newest change no longer remembered.
    forgotten_up_to: u64,
}

impl RecentMembershipChanges {
    /// Everything up to `seq` is unknown (what came before the hub started).
    pub(crate) fn forget_up_to(&mut self, seq: u64) {
        self.forgotten_up_to = self.forgotten_up_to.max(seq);
    }

    /// The memberships of `user` changed at `seq` (later than every position recorded).
    pub(crate) fn record(&mut self, seq: u64, user: UserId) {
        self.changes.push_back((seq, user));
        if self.changes.len() > REMEMBERED
            && let Some((seq, _)) = self.changes.pop_front()
        {
            self.forgotten_up_to = seq;
        }
    }

    /// Whether a membership of `user` changed after position `since`; yes when that is
    /// no longer remembered.
    pub(crate) fn changed_since(&self, user: UserId, since: u64) -> bool {
        self.forgotten_up_to > since
            || self
                .changes
                .iter()
                .rev()
                .take_while(|(seq, _)| *seq > since)
                .any(|(_, u)| *u == user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_apply_before_delivery_and_leaves_after() {
        let (user, channel, community) = (UserId::new(), ChannelId::new(), CommunityId::new());
        let joins = [
            MembershipChange::JoinChannel {
                user,
                channel,
                community: None,
            },
            MembershipChange::JoinCommunity { user, community },
        ];
        let leaves = [
            MembershipChange::LeaveChannel { user, channel },
            MembershipChange::LeaveCommunity { user, community },
        ];
        assert!(joins.iter().all(MembershipChange::applies_before_delivery));
        assert!(!leaves.iter().any(MembershipChange::applies_before_delivery));
        assert!(joins.iter().chain(&leaves).all(|c| c.user() == user));
    }

    #[test]
    fn changes_are_found_after_a_position_and_forgotten_ones_count_as_changed() {
        let (alice, bob) = (UserId::new(), UserId::new());
        let mut recent = RecentMembershipChanges::default();
        recent.forget_up_to(10);
        assert!(recent.changed_since(alice, 9), "before the hub started");
        assert!(!recent.changed_since(alice, 10));
        recent.record(12, alice);
        recent.record(15, bob);
        assert!(recent.changed_since(alice, 11));
        assert!(!recent.changed_since(alice, 12));
        assert!(recent.changed_since(bob, 14));
        assert!(!recent.changed_since(bob, 15));

        for seq in 16..16 + REMEMBERED as u64 {
            recent.record(seq, bob);
        }
        assert!(
            recent.changed_since(alice, 12),
            "alice's change was forgotten"
        );
        assert!(!recent.changed_since(alice, 16));
    }
}
