//! Typed ids, so that a `UserId` can never be passed where a `ChannelId` is meant.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new id, time-ordered (UUIDv7) so that inserts stay local in the indexes.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// The underlying UUID, for binding in queries.
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    )*};
}

id_type! {
    /// A person or a bot.
    UserId;
    /// A community: the top-level container of channels and members.
    CommunityId;
    /// A channel, DM or group DM.
    ChannelId;
    /// A message or thread reply.
    MessageId;
    /// A login session.
    SessionId;
    /// An event recorded in the outbox; also its de-duplication key on the bus.
    EventId;
    /// A notification row.
    NotificationId;
    /// An incoming webhook.
    WebhookId;
    /// An API token of a bot.
    TokenId;
    /// A file uploaded to a channel, with or without its message yet.
    AttachmentId;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_strings_and_json() {
        let id = ChannelId::new();
        let parsed: ChannelId = id.to_string().parse().unwrap();
        assert_eq!(parsed, id);
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{id}\""));
        assert_eq!(serde_json::from_str::<ChannelId>(&json).unwrap(), id);
    }

    #[test]
    fn new_ids_are_time_ordered() {
        let a = MessageId::new();
        let b = MessageId::new();
        assert!(a < b);
    }

    #[test]
    fn garbage_is_not_an_id() {
        assert!("general".parse::<ChannelId>().is_err());
    }
}
