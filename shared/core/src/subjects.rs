//! Every NATS subject name, built in one place.
//!
//! Durable events (everything a client must never miss) live on subjects captured by the
//! JetStream stream [`STREAM`]; typing and presence are ephemeral and use core NATS only.

use crate::ids::{ChannelId, CommunityId, UserId};

/// The JetStream stream that keeps every durable event, in delivery order.
pub const STREAM: &str = "AJET_EVENTS";

/// The subjects [`STREAM`] captures.
pub const STREAM_SUBJECTS: [&str; 3] = ["chat.events.>", "chat.dm.>", "chat.notifications.>"];

/// Events of a community: its channels' messages, channel and member changes, reactions.
pub fn community(id: CommunityId) -> String {
    format!("chat.events.{id}")
}

/// Events of a DM or group DM (channels outside any community).
pub fn dm(channel: ChannelId) -> String {
    format!("chat.dm.{channel}")
}

/// Notifications addressed to one user.
pub fn notifications(user: UserId) -> String {
    format!("chat.notifications.{user}")
}

/// Typing indicators in a community channel.
pub fn typing(community: CommunityId, channel: ChannelId) -> String {
    format!("chat.typing.{community}.{channel}")
}

/// Typing indicators in a DM.
pub fn typing_dm(channel: ChannelId) -> String {
    format!("chat.typing.dm.{channel}")
}

/// Presence changes of a community's members.
pub fn presence(community: CommunityId) -> String {
    format!("chat.presence.{community}")
}

/// Client signals to the session managers about one user's connections (switching the
/// viewed community), whichever instance holds them.
pub fn session(user: UserId) -> String {
    format!("chat.session.{user}")
}

/// Reads a [`session`] subject back into the user it is for; `None` for anything else.
pub fn parse_session(subject: &str) -> Option<UserId> {
    subject.strip_prefix("chat.session.")?.parse().ok()
}
/// Revocations (logout, a revoked session or token, a deleted account), on core NATS:
/// every gateway and api instance clears its cache of validated tokens on each one.
pub const AUTH_REVOKED: &str = "chat.auth.revoked";

/// Every typing subject, for a session manager's one subscription.
pub const ALL_TYPING: &str = "chat.typing.>";
/// Every presence subject.
pub const ALL_PRESENCE: &str = "chat.presence.>";
/// Every session-signal subject.
pub const ALL_SESSIONS: &str = "chat.session.>";

/// Where a channel's typing indicators are published.
pub fn channel_typing(community: Option<CommunityId>, channel: ChannelId) -> String {
    match community {
        Some(community_id) => typing(community_id, channel),
        None => typing_dm(channel),
    }
}

/// Where a channel's events are published: its community's subject, or its own DM subject.
pub fn channel_events(community: Option<CommunityId>, channel: ChannelId) -> String {
    match community {
        Some(community_id) => self::community(community_id),
        None => dm(channel),
    }
}

/// What a durable subject is about, for routing an event to the connections entitled to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    Community(CommunityId),
    Dm(ChannelId),
    Notifications(UserId),
}

/// Reads a durable subject back into its [`Route`]; `None` for anything else.
pub fn parse(subject: &str) -> Option<Route> {
    let rest = subject.strip_prefix("chat.")?;
    let (kind, id) = rest.split_once('.')?;
    match kind {
        "events" => id.parse().ok().map(Route::Community),
        "dm" => id.parse().ok().map(Route::Dm),
        "notifications" => id.parse().ok().map(Route::Notifications),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durable_subjects_parse_back_to_their_route() {
        let c = CommunityId::new();
        let ch = ChannelId::new();
        let u = UserId::new();
        assert_eq!(parse(&community(c)), Some(Route::Community(c)));
        assert_eq!(parse(&dm(ch)), Some(Route::Dm(ch)));
        assert_eq!(parse(&notifications(u)), Some(Route::Notifications(u)));
        assert_eq!(parse(&typing(c, ch)), None);
        assert_eq!(parse("chat.events.not-a-uuid"), None);
    }

    #[test]
    fn session_subjects_parse_back_to_their_user() {
        let u = UserId::new();
        assert_eq!(parse_session(&session(u)), Some(u));
        assert_eq!(parse_session(&notifications(u)), None);
        assert_eq!(parse_session("chat.session.not-a-uuid"), None);
        assert_eq!(parse_session(&format!("chat.session.{u}.extra")), None);
    }

    #[test]
    fn channel_events_go_to_the_community_or_the_dm() {
        let c = CommunityId::new();
        let ch = ChannelId::new();
        assert_eq!(channel_events(Some(c), ch), format!("chat.events.{c}"));
        assert_eq!(channel_events(None, ch), format!("chat.dm.{ch}"));
    }

    #[test]
    fn the_stream_captures_durable_subjects_but_not_typing() {
        let covered = |s: &str| {
            STREAM_SUBJECTS
                .iter()
                .any(|p| s.starts_with(p.trim_end_matches('>')))
        };
        let (c, ch, u) = (CommunityId::new(), ChannelId::new(), UserId::new());
        assert!(covered(&community(c)));
        assert!(covered(&dm(ch)));
        assert!(covered(&notifications(u)));
        assert!(!covered(&typing(c, ch)));
        assert!(!covered(&presence(c)));
    }
}
