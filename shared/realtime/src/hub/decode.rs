//! Reading an event: the [`Delivery`] sent to every connection entitled to it, the key it
//! is routed by, and the membership change it carries.

use std::borrow::Cow;

use ajet_bus::StoredEvent;
use ajet_core::subjects::{self, Route};
use ajet_core::{ChannelId, CommunityId, Envelope, EventData, UserId};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::membership::MembershipChange;
use super::routing::RouteKey;
use crate::frame::{EventToFrame, Framer};

/// One event as sent to connections: parsed once, framed once, shared by all.
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
    /// The event as an SSE frame, ready to write to every connection, as the session
    /// manager's [`Framer`] rendered it (for [`JsonFrames`](crate::frame::JsonFrames): the
    /// envelope as JSON, with `id` set for stream events, on one `data:` line, after an
    /// `id:` line for stream events).
    pub frame: Bytes,
    /// The trace context the event was published with.
    pub traceparent: Option<String>,
    /// For a notification: the user it is addressed to.
    pub recipient: Option<UserId>,
}

impl Delivery {
    pub fn is_ephemeral(&self) -> bool {
        self.seq == 0
    }

    /// The key the event is routed by.
    pub(crate) fn route(&self) -> Option<RouteKey> {
        RouteKey::of_event(self.recipient, self.channel_id, self.community_id)
    }

    /// An ephemeral event (typing, presence, hello), framed by `framer`; `None` when it
    /// has no frame.
    pub(crate) fn ephemeral(envelope: &Envelope, framer: &dyn Framer) -> Option<Self> {
        let json = serde_json::to_string(envelope).unwrap_or_default();
        let frame = framer.frame(&EventToFrame {
            seq: 0,
            kind: envelope.data.kind(),
            json: &json,
        })?;
        Some(Self {
            seq: 0,
            channel_id: envelope.channel_id,
            community_id: envelope.community_id,
            frame,
            traceparent: None,
            recipient: None,
        })
    }

    /// The event at position `seq` that tells a client the stream no longer holds what
    /// it missed; it takes that position, so the client resumes from there.
    pub(crate) fn reload(seq: u64, reason: &str, framer: &dyn Framer) -> Option<Self> {
        let mut envelope = Envelope::reload(reason);
        envelope.id = Some(seq);
        let json = serde_json::to_string(&envelope).unwrap_or_default();
        let frame = framer.frame(&EventToFrame {
            seq,
            kind: envelope.data.kind(),
            json: &json,
        })?;
        Some(Self {
            seq,
            channel_id: None,
            community_id: None,
            frame,
            traceparent: None,
            recipient: None,
        })
    }
}

/// A stored event, read.
#[derive(Debug)]
pub(crate) struct DecodedEvent {
    pub(crate) seq: u64,
    /// `None` when the session manager's framer gives the event no frame.
    pub(crate) delivery: Option<Delivery>,
    pub(crate) membership_change: Option<MembershipChange>,
}

/// Reads a stored event: its delivery, framed by `framer`, and the membership change it
/// carries. `None` for a payload that is not an envelope.
pub(crate) fn decode(event: StoredEvent, framer: &dyn Framer) -> Option<DecodedEvent> {
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
    let membership_change = membership_change(&map, channel_id, community_id, recipient);
    map.insert("id".into(), event.seq.into());
    let json = serde_json::to_string(&map).ok()?;
    let kind = map.get("type").and_then(Value::as_str).unwrap_or_default();
    let delivery = framer
        .frame(&EventToFrame {
            seq: event.seq,
            kind,
            json: &json,
        })
        .map(|frame| Delivery {
            seq: event.seq,
            channel_id,
            community_id,
            frame,
            traceparent: event.trace.traceparent,
            recipient,
        });
    Some(DecodedEvent {
        seq: event.seq,
        delivery,
        membership_change,
    })
}

/// What a stored event is routed by, read without parsing the rest of it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct RoutingSummary {
    pub(crate) route: Option<RouteKey>,
    /// Whether its type can change someone's memberships.
    pub(crate) changes_membership: bool,
}

#[derive(Deserialize)]
struct RoutingFields<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(default)]
    channel_id: Option<Uuid>,
    #[serde(default)]
    community_id: Option<Uuid>,
}

/// The key and kind of a stored event, from its routing fields only; `None` when they do
/// not read (the full [`decode`] then decides).
pub(crate) fn routing_summary(event: &StoredEvent) -> Option<RoutingSummary> {
    let fields = serde_json::from_slice::<RoutingFields<'_>>(&event.payload).ok()?;
    Some(RoutingSummary {
        route: RouteKey::of_event(
            recipient(&event.subject),
            fields.channel_id.map(ChannelId),
            fields.community_id.map(CommunityId),
        ),
        changes_membership: EventData::changes_membership(&fields.kind),
    })
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
) -> Option<MembershipChange> {
    let kind = map.get("type")?.as_str()?;
    if !EventData::changes_membership(kind) {
        return None;
    }
    let envelope: Envelope = serde_json::from_value(Value::Object(map.clone())).ok()?;
    match (envelope.data, channel, community) {
        (EventData::MemberJoined { user }, Some(channel), community) => {
            Some(MembershipChange::JoinChannel {
                user: user.id,
                channel,
                community,
            })
        }
        (EventData::MemberJoined { user }, None, Some(community)) => {
            Some(MembershipChange::JoinCommunity {
                user: user.id,
                community,
            })
        }
        (EventData::MemberLeft { user_id }, Some(channel), _) => {
            Some(MembershipChange::LeaveChannel {
                user: user_id,
                channel,
            })
        }
        (EventData::MemberLeft { user_id }, None, Some(community)) => {
            Some(MembershipChange::LeaveCommunity {
                user: user_id,
                community,
            })
        }
        // A channel the user created, or a DM or private channel they were put in.
        (EventData::ChannelCreated(dto), _, _) => {
            recipient
                .or(envelope.actor_id)
                .map(|user| MembershipChange::JoinChannel {
                    user,
                    channel: dto.id,
                    community: dto.community_id,
                })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use ajet_bus::TraceHeaders;
    use ajet_core::dto::{ChannelDto, UserDto};

    use super::*;
    use crate::frame::JsonFrames;

    fn stored(seq: u64, subject: String, envelope: &Envelope) -> StoredEvent {
        StoredEvent {
            seq,
            subject,
            payload: serde_json::to_vec(envelope).unwrap().into(),
            trace: TraceHeaders {
                traceparent: Some("00-trace-span-01".into()),
            },
        }
    }

    fn user(id: UserId) -> UserDto {
        UserDto {
            id,
            username: "alice".into(),
            display_name: None,
        }
    }

    fn channel(id: ChannelId, community: Option<CommunityId>) -> ChannelDto {
        let mut dto: ChannelDto = serde_json::from_value(serde_json::json!({
            "id": id, "community_id": community, "community_slug": null, "name": "general",
            "kind": "text", "visibility": "public", "topic": "", "archived": false,
            "created_at": "2026-01-01T00:00:00Z",
        }))
        .unwrap();
        dto.community_id = community;
        dto
    }

    /// The route and membership change of an event published on `subject`; checks that
    /// the cheap routing read agrees with the full one.
    fn read(subject: String, envelope: &Envelope) -> (Option<RouteKey>, Option<MembershipChange>) {
        let event = stored(42, subject, envelope);
        let summary = routing_summary(&event).unwrap();
        let decoded = decode(event, &JsonFrames).unwrap();
        let delivery = decoded.delivery.unwrap();
        assert_eq!(summary.route, delivery.route());
        assert_eq!(
            summary.changes_membership,
            EventData::changes_membership(envelope.data.kind())
        );
        (delivery.route(), decoded.membership_change)
    }

    #[test]
    fn channel_events_are_routed_by_their_channel_and_change_no_membership() {
        let (community, ch) = (CommunityId::new(), ChannelId::new());
        let reaction = Envelope::for_channel(
            Some(community),
            ch,
            None,
            EventData::ReactionAdded {
                message_id: ajet_core::MessageId::new(),
                emoji: "👍".into(),
                user_id: UserId::new(),
            },
        );
        assert_eq!(
            read(subjects::community(community), &reaction),
            (Some(RouteKey::Channel(ch)), None)
        );
        let in_dm = Envelope::for_channel(None, ch, None, EventData::Reload { reason: "".into() });
        assert_eq!(
            read(subjects::dm(ch), &in_dm),
            (Some(RouteKey::Channel(ch)), None)
        );
    }

    #[test]
    fn notifications_are_routed_to_the_user_their_subject_names() {
        let (recipient, ch) = (UserId::new(), ChannelId::new());
        let read_moved = Envelope::for_channel(
            None,
            ch,
            None,
            EventData::ReadUpdated {
                channel_id: ch,
                last_read_seq: 3,
            },
        );
        assert_eq!(
            read(subjects::notifications(recipient), &read_moved),
            (Some(RouteKey::User(recipient)), None)
        );
    }

    #[test]
    fn member_events_join_and_leave_channels_and_communities() {
        let (community, ch, who) = (CommunityId::new(), ChannelId::new(), UserId::new());
        let subject = || subjects::community(community);
        let joined = EventData::MemberJoined { user: user(who) };
        let left = EventData::MemberLeft { user_id: who };

        let channel_join = Envelope::for_channel(Some(community), ch, None, joined.clone());
        assert_eq!(
            read(subject(), &channel_join),
            (
                Some(RouteKey::Channel(ch)),
                Some(MembershipChange::JoinChannel {
                    user: who,
                    channel: ch,
                    community: Some(community),
                })
            )
        );
        let channel_leave = Envelope::for_channel(Some(community), ch, None, left.clone());
        assert_eq!(
            read(subject(), &channel_leave),
            (
                Some(RouteKey::Channel(ch)),
                Some(MembershipChange::LeaveChannel {
                    user: who,
                    channel: ch
                })
            )
        );
        let community_join = Envelope::for_community(Some(community), None, joined);
        assert_eq!(
            read(subject(), &community_join),
            (
                Some(RouteKey::Community(community)),
                Some(MembershipChange::JoinCommunity {
                    user: who,
                    community
                })
            )
        );
        let community_leave = Envelope::for_community(Some(community), None, left);
        assert_eq!(
            read(subject(), &community_leave),
            (
                Some(RouteKey::Community(community)),
                Some(MembershipChange::LeaveCommunity {
                    user: who,
                    community
                })
            )
        );
    }

    #[test]
    fn a_new_channel_joins_its_recipient_or_else_its_creator() {
        let (community, ch, creator, invited) = (
            CommunityId::new(),
            ChannelId::new(),
            UserId::new(),
            UserId::new(),
        );
        let created = Envelope::for_channel(
            Some(community),
            ch,
            Some(creator),
            EventData::ChannelCreated(channel(ch, Some(community))),
        );
        let join = |user| {
            Some(MembershipChange::JoinChannel {
                user,
                channel: ch,
                community: Some(community),
            })
        };
        assert_eq!(
            read(subjects::community(community), &created),
            (Some(RouteKey::Channel(ch)), join(creator))
        );
        assert_eq!(
            read(subjects::notifications(invited), &created),
            (Some(RouteKey::User(invited)), join(invited))
        );
    }

    #[test]
    fn the_frame_is_the_published_envelope_with_its_position() {
        let ch = ChannelId::new();
        let mut json = serde_json::to_value(Envelope::for_channel(
            None,
            ch,
            None,
            EventData::Reload { reason: "".into() },
        ))
        .unwrap();
        json["type"] = "poll.created".into();
        json["data"] = serde_json::json!({"question": "lunch?"});
        let event = StoredEvent {
            seq: 9,
            subject: subjects::dm(ch),
            payload: serde_json::to_vec(&json).unwrap().into(),
            trace: TraceHeaders::default(),
        };
        let delivery = decode(event, &JsonFrames).unwrap().delivery.unwrap();
        let frame = std::str::from_utf8(&delivery.frame).unwrap();
        let body = frame
            .strip_prefix("id: 9\ndata: ")
            .and_then(|f| f.strip_suffix("\n\n"))
            .unwrap();
        let sent: Value = serde_json::from_str(body).unwrap();
        json["id"] = 9.into();
        assert_eq!(sent, json, "an unknown type keeps every field");
        assert_eq!(delivery.route(), Some(RouteKey::Channel(ch)));
    }

    #[test]
    fn an_event_the_framer_declines_still_changes_membership() {
        struct Nothing;
        impl Framer for Nothing {
            fn frame(&self, _: &EventToFrame<'_>) -> Option<Bytes> {
                None
            }
        }
        let (community, who) = (CommunityId::new(), UserId::new());
        let joined = Envelope::for_community(
            Some(community),
            None,
            EventData::MemberJoined { user: user(who) },
        );
        let decoded = decode(stored(5, subjects::community(community), &joined), &Nothing).unwrap();
        assert_eq!(decoded.seq, 5);
        assert!(decoded.delivery.is_none());
        assert!(decoded.membership_change.is_some());
    }

    #[test]
    fn a_payload_that_is_not_an_envelope_is_skipped() {
        let event = StoredEvent {
            seq: 1,
            subject: subjects::community(CommunityId::new()),
            payload: Bytes::from_static(b"not json"),
            trace: TraceHeaders::default(),
        };
        assert!(routing_summary(&event).is_none());
        assert!(decode(event, &JsonFrames).is_none());
    }
}
