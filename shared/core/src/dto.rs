//! Request and response bodies of the REST API.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{ChannelId, CommunityId, MessageId, NotificationId, UserId};

/// A user as others see them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserDto {
    pub id: UserId,
    pub username: String,
    pub display_name: Option<String>,
}

/// A community the caller belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommunityDto {
    pub id: CommunityId,
    pub name: String,
    pub slug: String,
}

/// A community with the public channels the caller could join (`GET /api/communities/{id}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommunityView {
    #[serde(flatten)]
    pub community: CommunityDto,
    pub joinable_channels: Vec<ChannelDto>,
}

/// The kind of a channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    Text,
    Voice,
    Dm,
    GroupDm,
}

impl ChannelKind {
    /// The kind as stored and as written in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Voice => "voice",
            Self::Dm => "dm",
            Self::GroupDm => "group_dm",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Text, Self::Voice, Self::Dm, Self::GroupDm]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    /// A direct message or group DM: outside every community.
    pub fn is_dm(self) -> bool {
        matches!(self, Self::Dm | Self::GroupDm)
    }
}

/// Who may see a community channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    Public,
    Private,
}

impl Visibility {
    /// The visibility as stored and as written in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Private => "private",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Public, Self::Private]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// A value read from storage that is none of an enum's values: bad data, reported rather
/// than read as some default.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a {what}")]
pub struct UnknownValue {
    pub what: &'static str,
    pub value: String,
}

/// `TryFrom<String>` through the type's `parse`, for rows read from the database.
macro_rules! try_from_string {
    ($($ty:ty => $what:literal),* $(,)?) => {$(
        impl TryFrom<String> for $ty {
            type Error = UnknownValue;
            fn try_from(value: String) -> Result<Self, UnknownValue> {
                Self::parse(&value).ok_or(UnknownValue { what: $what, value })
            }
        }
    )*};
}

try_from_string!(ChannelKind => "channel kind", Visibility => "visibility", Role => "role");

/// A channel, DM or group DM, with the caller's unread state when they are a member.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelDto {
    pub id: ChannelId,
    pub community_id: Option<CommunityId>,
    /// The community's slug, so clients can show `slug#name` without another request.
    pub community_slug: Option<String>,
    /// `None` for DMs.
    pub name: Option<String>,
    pub kind: ChannelKind,
    pub visibility: Visibility,
    pub topic: String,
    pub archived: bool,
    pub created_at: DateTime<Utc>,
    /// Position of the newest top-level message or reply.
    #[serde(default)]
    pub last_seq: i64,
    /// The caller's read position; messages after it are unread.
    #[serde(default)]
    pub last_read_seq: i64,
    /// Unread top-level messages by others.
    #[serde(default)]
    pub unread_count: i64,
    /// Unread messages that mention the caller (directly, @channel or @here).
    #[serde(default)]
    pub mention_count: i64,
    /// For DMs and group DMs: the other members.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<UserDto>,
}

/// The caller, with the communities they belong to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeDto {
    pub user: UserDto,
    pub communities: Vec<CommunityDto>,
}

/// A message or thread reply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageDto {
    pub id: MessageId,
    pub channel_id: ChannelId,
    /// Position in the channel, in commit order: gap-free and never reused.
    pub seq: i64,
    pub author_id: UserId,
    pub author_username: String,
    pub parent_id: Option<MessageId>,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub deleted: bool,
    pub reply_count: i32,
    /// Time of the newest reply, for a thread's parent.
    #[serde(default)]
    pub last_reply_at: Option<DateTime<Utc>>,
    /// Who replied in the thread, for a thread's parent, the latest repliers first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reply_participants: Vec<Replier>,
    /// Reactions, aggregated per emoji.
    #[serde(default)]
    pub reactions: Vec<ReactionDto>,
    /// How a webhook's message is shown beside its body: the sender's name and icon for
    /// this message, and structured cards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<MessageMeta>,
    /// The author's picture (a path on this server, or an `https` URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_avatar_url: Option<String>,
    /// Whether the author is a bot: one posting with its token, or a webhook's.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub author_bot: bool,
    /// Files posted with the message, in the order given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<AttachmentDto>,
}

/// Someone who replied in a thread, as the parent shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Replier {
    pub id: UserId,
    pub username: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar_url: Option<String>,
}

/// A file uploaded to a channel, as its readers see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttachmentDto {
    pub id: crate::AttachmentId,
    /// The file's name as uploaded, made safe: no path, no control characters.
    pub name: String,
    pub size: i64,
    /// Sniffed from the content, never taken from the uploader.
    pub media_type: String,
    /// Pixel size, for images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<i32>,
    /// Where the file is downloaded: `/api/attachments/{id}`.
    pub url: String,
    /// A small rendition of an image, at most 400 pixels on its longer side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail_url: Option<String>,
}

impl AttachmentDto {
    /// Whether the file is an image a client can show.
    pub fn is_image(&self) -> bool {
        self.width.is_some() && self.media_type.starts_with("image/")
    }
}

/// Answer of `POST /api/channels/{id}/attachments`: the files stored, in upload order, to
/// be posted with a message within a day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UploadedDto {
    pub attachments: Vec<AttachmentDto>,
}

/// Answer of the avatar routes: where the new picture is served.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AvatarDto {
    pub avatar_url: Option<String>,
}

/// What a message shows beside its markdown body. The body is complete on its own (what
/// the cli prints); a client that draws cards shows [`MessageMeta::text`] and the cards
/// instead.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageMeta {
    /// The name shown as the sender of this message (a webhook's per-message username).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The sender's picture for this message: an `http`/`https` image URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon_url: Option<String>,
    /// The sender's picture for this message as an emoji short code (`:rocket:`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon_emoji: Option<String>,
    /// The part of the body before the cards' content, when there are cards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Structured cards (a webhook's attachments or alerts).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cards: Vec<crate::cards::Card>,
}

impl MessageMeta {
    /// Whether there is nothing here to store.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// One emoji's reactions on a message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReactionDto {
    pub emoji: String,
    pub count: i64,
    pub reacted_by_me: bool,
    /// Who reacted, first first: the usernames of up to [`ReactionDto::NAMED`] people.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<String>,
}

impl ReactionDto {
    /// How many of the people who reacted are named.
    pub const NAMED: usize = 20;
}

/// Body of `POST /api/channels/{id}/messages`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateMessage {
    /// Markdown, up to [`crate::limits::MAX_MESSAGE_CHARS`] characters.
    pub body: String,
    /// Client-generated key: a retried post with the same key returns the first message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// Makes the message a reply in the thread of this top-level message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<MessageId>,
    /// Files uploaded to the channel by the author and not posted yet; with them, the body
    /// may be empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<crate::AttachmentId>,
}

/// Body of `PATCH /api/messages/{id}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EditMessage {
    pub body: String,
}

/// A member's role in a community.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Member,
    Admin,
    Owner,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Member => "member",
            Self::Admin => "admin",
            Self::Owner => "owner",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "member" => Some(Self::Member),
            "admin" => Some(Self::Admin),
            "owner" => Some(Self::Owner),
            _ => None,
        }
    }

    /// Owners and admins moderate: they delete others' messages, ban, mute, manage.
    pub fn moderates(self) -> bool {
        self >= Self::Admin
    }
}

/// A member of a community.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberDto {
    pub user: UserDto,
    pub role: Role,
    pub nickname: Option<String>,
    pub avatar_url: Option<String>,
}

/// Body of `POST /api/communities`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateCommunity {
    pub name: String,
    /// Made from the name when absent.
    #[serde(default)]
    pub slug: Option<String>,
}

/// Body of `PATCH /api/communities/{id}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateCommunity {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub slug: Option<String>,
}

/// Body of `PATCH /api/communities/{id}/members/{user_id}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateMember {
    #[serde(default)]
    pub role: Option<Role>,
    /// An empty string clears it.
    #[serde(default)]
    pub nickname: Option<String>,
    /// An empty string clears it.
    #[serde(default)]
    pub avatar_url: Option<String>,
}

/// Body of `POST /api/communities/{id}/channels`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateChannel {
    pub name: String,
    #[serde(default = "public")]
    pub visibility: Visibility,
    /// `text` (the default) or `voice`.
    #[serde(default = "text")]
    pub kind: ChannelKind,
    #[serde(default)]
    pub topic: Option<String>,
}

fn public() -> Visibility {
    Visibility::Public
}

fn text() -> ChannelKind {
    ChannelKind::Text
}

/// Body of `PATCH /api/channels/{id}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateChannel {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub topic: Option<String>,
}

/// Body of `POST /api/channels/{id}/members`: invite someone into a channel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AddMember {
    pub user_id: UserId,
}

/// Body of `POST /api/dms`: a DM with one user, or a group DM with several.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StartDm {
    #[serde(default)]
    pub user_ids: Vec<UserId>,
    #[serde(default)]
    pub usernames: Vec<String>,
}

/// Body of `POST /api/channels/{id}/read`: everything up to `message_id` (or the end) is
/// read.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MarkRead {
    #[serde(default)]
    pub message_id: Option<MessageId>,
}

/// Body of `POST /api/channels/{id}/unread`: `message_id` and everything after it become
/// unread.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MarkUnread {
    pub message_id: MessageId,
}

/// The caller's read position in a channel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReadState {
    pub channel_id: ChannelId,
    pub last_read_seq: i64,
    pub unread_count: i64,
    pub mention_count: i64,
}

/// What a notification is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    Mention,
    Dm,
    ThreadReply,
    Invite,
    System,
}

impl NotificationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mention => "mention",
            Self::Dm => "dm",
            Self::ThreadReply => "thread_reply",
            Self::Invite => "invite",
            Self::System => "system",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Mention,
            Self::Dm,
            Self::ThreadReply,
            Self::Invite,
            Self::System,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// A notification.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotificationDto {
    pub id: NotificationId,
    pub kind: NotificationKind,
    /// The message, channel or community it is about.
    pub source_id: Option<uuid::Uuid>,
    pub channel_id: Option<ChannelId>,
    /// What a client needs to show it: who, where, a preview.
    pub data: serde_json::Value,
    pub read: bool,
    pub created_at: DateTime<Utc>,
}

/// A page of notifications, newest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotificationPage {
    pub notifications: Vec<NotificationDto>,
    pub unread_count: i64,
    pub has_more: bool,
}

/// Body of `POST /api/notifications/read`: these ids, or all.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MarkNotificationsRead {
    #[serde(default)]
    pub ids: Vec<NotificationId>,
    #[serde(default)]
    pub all: bool,
}

/// Whether a user is online: a heartbeat within the last two minutes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PresenceDto {
    pub user_id: UserId,
    pub online: bool,
    pub last_seen_at: Option<DateTime<Utc>>,
}

/// One page of messages, oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessagePage {
    pub messages: Vec<MessageDto>,
    /// Whether more messages lie beyond this page in the direction it was read.
    pub has_more: bool,
}

/// What an API token may do. A person's session may do everything their role allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Scope {
    #[serde(rename = "messages:read")]
    MessagesRead,
    #[serde(rename = "messages:write")]
    MessagesWrite,
    #[serde(rename = "channels:read")]
    ChannelsRead,
    #[serde(rename = "channels:write")]
    ChannelsWrite,
    #[serde(rename = "files:read")]
    FilesRead,
    #[serde(rename = "files:write")]
    FilesWrite,
    #[serde(rename = "admin")]
    Admin,
}

impl Scope {
    /// Every scope, in the order they are documented.
    pub const ALL: [Scope; 7] = [
        Self::MessagesRead,
        Self::MessagesWrite,
        Self::ChannelsRead,
        Self::ChannelsWrite,
        Self::FilesRead,
        Self::FilesWrite,
        Self::Admin,
    ];

    /// The scope's name, as stored and as written on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MessagesRead => "messages:read",
            Self::MessagesWrite => "messages:write",
            Self::ChannelsRead => "channels:read",
            Self::ChannelsWrite => "channels:write",
            Self::FilesRead => "files:read",
            Self::FilesWrite => "files:write",
            Self::Admin => "admin",
        }
    }

    /// The scope called `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }
}
