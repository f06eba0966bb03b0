//! What one connection may receive.

use std::collections::{HashMap, HashSet};

use ajet_core::dto::ChannelDto;
use ajet_core::{ChannelId, CommunityId, UserId};

use crate::hub::RouteKey;

/// A user's memberships, as the api reported them and as events since changed them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Access {
    pub user: UserId,
    /// Channels and DMs the user is in, each with its community (`None` for DMs).
    pub channels: HashMap<ChannelId, Option<CommunityId>>,
    pub communities: HashSet<CommunityId>,
}

impl Access {
    /// Access from the api's answers for the user.
    pub fn new(
        user: UserId,
        channels: &[ChannelDto],
        communities: impl IntoIterator<Item = CommunityId>,
    ) -> Self {
        Self {
            user,
            channels: channels.iter().map(|c| (c.id, c.community_id)).collect(),
            communities: communities.into_iter().collect(),
        }
    }

    /// The routing keys for this access while viewing `view` (all communities when
    /// `None`): the viewed communities' channels and events, every DM, and the user's
    /// own notifications.
    pub fn keys(&self, view: Option<CommunityId>) -> HashSet<RouteKey> {
        let shown = |community: Option<CommunityId>| match (community, view) {
            (None, _) | (_, None) => true,
            (Some(c), Some(v)) => c == v,
        };
        let mut keys = HashSet::from([RouteKey::User(self.user)]);
        keys.extend(
            self.channels
                .iter()
                .filter(|(_, community)| shown(**community))
                .map(|(channel, _)| RouteKey::Channel(*channel)),
        );
        keys.extend(
            self.communities
                .iter()
                .filter(|c| shown(Some(**c)))
                .map(|c| RouteKey::Community(*c)),
        );
        keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_view_narrows_community_channels_but_keeps_dms_and_notifications() {
        let user = UserId::new();
        let (a, b) = (CommunityId::new(), CommunityId::new());
        let (in_a, in_b, dm) = (ChannelId::new(), ChannelId::new(), ChannelId::new());
        let access = Access {
            user,
            channels: HashMap::from([(in_a, Some(a)), (in_b, Some(b)), (dm, None)]),
            communities: HashSet::from([a, b]),
        };
        let all = access.keys(None);
        assert_eq!(all.len(), 6);
        let viewing_a = access.keys(Some(a));
        assert!(viewing_a.contains(&RouteKey::Channel(in_a)));
        assert!(!viewing_a.contains(&RouteKey::Channel(in_b)));
        assert!(viewing_a.contains(&RouteKey::Channel(dm)));
        assert!(viewing_a.contains(&RouteKey::User(user)));
        assert!(viewing_a.contains(&RouteKey::Community(a)));
        assert!(!viewing_a.contains(&RouteKey::Community(b)));
    }
}
