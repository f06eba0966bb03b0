//! The event envelope: what the api publishes after a write and what clients receive live.
//!
//! The schema only grows: consumers ignore fields and event types they do not know.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::dto::{ChannelDto, MessageDto, NotificationDto, Role, UserDto};
use crate::ids::{ChannelId, CommunityId, EventId, MessageId, UserId};

/// One event, as published on the bus and sent on every live stream.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// Position in the delivery order, which clients resume from (`Last-Event-ID`).
    /// Assigned by the bus when the event is stored, so it is absent on the publishing side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    /// Unique id of the event, fixed when its write commits; the bus de-duplicates on it.
    pub event_id: EventId,
    pub community_id: Option<CommunityId>,
    pub channel_id: Option<ChannelId>,
    pub actor_id: Option<UserId>,
    pub timestamp: DateTime<Utc>,
    #[serde(flatten, deserialize_with = "tolerant")]
    pub data: EventData,
}

/// Reads `type` and `data`, so that an event type this build does not know becomes
/// [`EventData::Unknown`] instead of an error.
fn tolerant<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<EventData, D::Error> {
    #[derive(Deserialize)]
    struct Raw {
        #[serde(rename = "type")]
        kind: String,
        #[serde(default)]
        data: serde_json::Value,
    }
    let raw = Raw::deserialize(deserializer)?;
    let tagged = serde_json::json!({ "type": &raw.kind, "data": raw.data });
    match EventData::deserialize(tagged) {
        Ok(data) => Ok(data),
        Err(_) if !EventData::is_known(&raw.kind) => Ok(EventData::Unknown),
        Err(err) => Err(serde::de::Error::custom(format_args!(
            "malformed {} event: {err}",
            raw.kind
        ))),
    }
}

/// What happened, with enough data to render the common case without another request.
///
/// Routing follows the envelope: with a `channel_id`, only the channel's members receive
/// the event; without one, the whole community (or, on a notifications subject, the one
/// user) does.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum EventData {
    #[serde(rename = "message.created")]
    MessageCreated(MessageDto),
    #[serde(rename = "message.edited")]
    MessageEdited(MessageDto),
    #[serde(rename = "message.deleted")]
    MessageDeleted {
        message_id: MessageId,
        parent_id: Option<MessageId>,
    },
    /// A thread's parent changed: a reply was added or deleted.
    #[serde(rename = "thread.updated")]
    ThreadUpdated {
        parent_id: MessageId,
        reply_count: i32,
        last_reply_at: Option<DateTime<Utc>>,
        /// The latest repliers first.
        reply_participants: Vec<crate::dto::Replier>,
    },
    #[serde(rename = "reaction.added")]
    ReactionAdded {
        message_id: MessageId,
        emoji: String,
        user_id: UserId,
    },
    #[serde(rename = "reaction.removed")]
    ReactionRemoved {
        message_id: MessageId,
        emoji: String,
        user_id: UserId,
    },
    #[serde(rename = "channel.created")]
    ChannelCreated(ChannelDto),
    #[serde(rename = "channel.updated")]
    ChannelUpdated(ChannelDto),
    #[serde(rename = "channel.archived")]
    ChannelArchived(ChannelDto),
    /// Someone joined a channel (with `channel_id`) or a community (without).
    #[serde(rename = "member.joined")]
    MemberJoined { user: UserDto },
    /// Someone left, or was removed from, a channel or a community.
    #[serde(rename = "member.left")]
    MemberLeft { user_id: UserId },
    #[serde(rename = "member.role_changed")]
    MemberRoleChanged { user_id: UserId, role: Role },
    /// The user's read position in a channel moved (sent to that user only).
    #[serde(rename = "read.updated")]
    ReadUpdated {
        channel_id: ChannelId,
        last_read_seq: i64,
    },
    #[serde(rename = "notification.created")]
    NotificationCreated(NotificationDto),
    /// A user came online or went offline.
    #[serde(rename = "presence.changed")]
    PresenceChanged { user_id: UserId, online: bool },
    /// A heartbeat, seen by the session managers only: they turn heartbeats into
    /// [`EventData::PresenceUpdated`] batches for the people who share a channel with the
    /// user, which is why it names the user's channels.
    #[serde(rename = "presence.heartbeat")]
    PresenceHeartbeat {
        user_id: UserId,
        #[serde(default)]
        channel_ids: Vec<ChannelId>,
        /// The user said they are away (`/away`): they show offline until they are back.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        away: bool,
    },
    /// Once a minute, to each client: who of the people relevant to it came online or went
    /// offline since the last batch.
    #[serde(rename = "presence.updated")]
    PresenceUpdated { changes: Vec<PresenceChange> },
    /// Someone is typing in the envelope's channel (`typing: false` when they stopped).
    /// Never stored; clients hide it after 15 s without a new one.
    #[serde(rename = "typing")]
    Typing { user_id: UserId, typing: bool },
    /// The first event of a live stream: its connection id, for signals such as switching
    /// the viewed community.
    #[serde(rename = "hello")]
    Hello { connection_id: uuid::Uuid },
    /// The stream cannot replay what the client missed: it must reload its state.
    #[serde(rename = "reload")]
    Reload { reason: String },
    /// An event type this build does not know.
    #[serde(rename = "unknown")]
    Unknown,
}

/// One user's change of presence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresenceChange {
    pub user_id: UserId,
    pub online: bool,
}

impl EventData {
    /// Every `type` this build knows.
    pub const KNOWN: [&'static str; 21] = [
        "message.created",
        "message.edited",
        "message.deleted",
        "thread.updated",
        "reaction.added",
        "reaction.removed",
        "channel.created",
        "channel.updated",
        "channel.archived",
        "member.joined",
        "member.left",
        "member.role_changed",
        "read.updated",
        "notification.created",
        "presence.changed",
        "presence.heartbeat",
        "presence.updated",
        "typing",
        "hello",
        "reload",
        "unknown",
    ];

    /// The types whose events can change what someone is entitled to receive: a join or a
    /// leave (of a channel, or of a community), and a new channel (its creator, or the
    /// people put in a DM or private channel, are in it). A session manager reads these
    /// even when none of its connections is entitled to the event itself.
    pub const MEMBERSHIP: [&'static str; 3] = ["member.joined", "member.left", "channel.created"];

    fn is_known(kind: &str) -> bool {
        Self::KNOWN.contains(&kind)
    }

    /// Whether an event of type `kind` can change someone's memberships.
    pub fn changes_membership(kind: &str) -> bool {
        Self::MEMBERSHIP.contains(&kind)
    }

    /// The `type` string of this event, as it appears on the wire.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::MessageCreated(_) => "message.created",
            Self::MessageEdited(_) => "message.edited",
            Self::MessageDeleted { .. } => "message.deleted",
            Self::ThreadUpdated { .. } => "thread.updated",
            Self::ReactionAdded { .. } => "reaction.added",
            Self::ReactionRemoved { .. } => "reaction.removed",
            Self::ChannelCreated(_) => "channel.created",
            Self::ChannelUpdated(_) => "channel.updated",
            Self::ChannelArchived(_) => "channel.archived",
            Self::MemberJoined { .. } => "member.joined",
            Self::MemberLeft { .. } => "member.left",
            Self::MemberRoleChanged { .. } => "member.role_changed",
            Self::ReadUpdated { .. } => "read.updated",
            Self::NotificationCreated(_) => "notification.created",
            Self::PresenceChanged { .. } => "presence.changed",
            Self::PresenceHeartbeat { .. } => "presence.heartbeat",
            Self::PresenceUpdated { .. } => "presence.updated",
            Self::Typing { .. } => "typing",
            Self::Hello { .. } => "hello",
            Self::Reload { .. } => "reload",
            Self::Unknown => "unknown",
        }
    }
}

impl Envelope {
    /// A new event about a community as a whole (or, with `None`, about nothing shared),
    /// stamped now.
    pub fn for_community(
        community_id: Option<CommunityId>,
        actor_id: Option<UserId>,
        data: EventData,
    ) -> Self {
        Self {
            id: None,
            event_id: EventId::new(),
            community_id,
            channel_id: None,
            actor_id,
            timestamp: Utc::now(),
            data,
        }
    }

    /// A new event about a channel, stamped now.
    pub fn for_channel(
        community_id: Option<CommunityId>,
        channel_id: ChannelId,
        actor_id: Option<UserId>,
        data: EventData,
    ) -> Self {
        Self {
            id: None,
            event_id: EventId::new(),
            community_id,
            channel_id: Some(channel_id),
            actor_id,
            timestamp: Utc::now(),
            data,
        }
    }

    /// The control event that tells a client its missed events can no longer be replayed.
    pub fn reload(reason: impl Into<String>) -> Self {
        Self {
            id: None,
            event_id: EventId::new(),
            community_id: None,
            channel_id: None,
            actor_id: None,
            timestamp: Utc::now(),
            data: EventData::Reload {
                reason: reason.into(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dto::MessageDto;
    use crate::ids::MessageId;

    fn message() -> MessageDto {
        MessageDto {
            author_avatar_url: None,
            author_bot: false,
            attachments: Vec::new(),
            id: MessageId::new(),
            channel_id: ChannelId::new(),
            seq: 7,
            author_id: UserId::new(),
            author_username: "alice".into(),
            parent_id: None,
            body: "hi".into(),
            created_at: Utc::now(),
            edited_at: None,
            deleted: false,
            reply_count: 0,
            last_reply_at: None,
            reply_participants: Vec::new(),
            reactions: Vec::new(),
            meta: None,
        }
    }

    #[test]
    fn envelope_has_the_documented_shape() {
        let msg = message();
        let env = Envelope::for_channel(
            Some(CommunityId::new()),
            msg.channel_id,
            Some(msg.author_id),
            EventData::MessageCreated(msg.clone()),
        );
        let json = serde_json::to_value(&env).unwrap();
        for key in [
            "event_id",
            "type",
            "community_id",
            "channel_id",
            "actor_id",
            "timestamp",
            "data",
        ] {
            assert!(json.get(key).is_some(), "missing {key} in {json}");
        }
        assert!(json.get("id").is_none(), "id is assigned by the bus");
        assert_eq!(json["type"], "message.created");
        assert_eq!(json["data"]["body"], "hi");
        let back: Envelope = serde_json::from_value(json).unwrap();
        assert_eq!(back, env);
    }

    #[test]
    fn every_known_type_is_listed() {
        let env = Envelope::reload("r");
        assert!(EventData::is_known(env.data.kind()));
        assert!(EventData::is_known(
            EventData::MessageCreated(message()).kind()
        ));
        let bad = serde_json::json!({
            "event_id": EventId::new(), "type": "message.created", "community_id": null,
            "channel_id": null, "actor_id": null, "timestamp": "2026-01-01T00:00:00Z",
            "data": {"body": 3},
        });
        let err = serde_json::from_value::<Envelope>(bad).unwrap_err();
        assert!(
            err.to_string().contains("malformed message.created"),
            "{err}"
        );
    }

    #[test]
    fn the_membership_types_are_known_types_of_the_membership_events() {
        let user = UserDto {
            id: UserId::new(),
            username: "alice".into(),
            display_name: None,
        };
        let channel: ChannelDto = serde_json::from_value(serde_json::json!({
            "id": ChannelId::new(), "community_id": null, "community_slug": null,
            "name": null, "kind": "dm", "visibility": "private", "topic": "",
            "archived": false, "created_at": "2026-01-01T00:00:00Z",
        }))
        .unwrap();
        let membership = [
            EventData::MemberJoined { user },
            EventData::MemberLeft {
                user_id: UserId::new(),
            },
            EventData::ChannelCreated(channel),
        ]
        .map(|data| data.kind());
        assert_eq!(EventData::MEMBERSHIP, membership);
        assert!(EventData::MEMBERSHIP.iter().all(|k| EventData::is_known(k)));
        assert!(EventData::changes_membership("member.left"));
        assert!(!EventData::changes_membership("message.created"));
        assert!(!EventData::changes_membership(
            EventData::MemberRoleChanged {
                user_id: UserId::new(),
                role: Role::Admin,
            }
            .kind()
        ));
    }

    #[test]
    fn unknown_event_types_and_fields_are_tolerated() {
        let json = serde_json::json!({
            "id": 12,
            "event_id": EventId::new(),
            "type": "hologram.projected",
            "community_id": null,
            "channel_id": null,
            "actor_id": null,
            "timestamp": "2026-01-01T00:00:00Z",
            "data": {"anything": [1, 2]},
            "added_later": true,
        });
        let env: Envelope = serde_json::from_value(json).unwrap();
        assert_eq!(env.data, EventData::Unknown);
        assert_eq!(env.id, Some(12));
    }
}
