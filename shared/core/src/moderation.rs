//! Request and response bodies of the moderation routes: bans, kicks, mutes and purges.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::UserId;

/// Longest ban or kick reason, in characters.
pub const MAX_REASON_CHARS: usize = 500;
/// The most messages one purge deletes.
pub const MAX_PURGE: u32 = 1_000;

/// `POST /api/communities/{id}/bans`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateBan {
    pub user_id: UserId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// When the ban ends by itself; absent: until lifted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
}

/// `POST /api/communities/{id}/mutes`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateMute {
    pub user_id: UserId,
    /// When the mute ends by itself; absent: until lifted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
}

/// `POST /api/communities/{id}/kicks`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateKick {
    pub user_id: UserId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `POST /api/channels/{id}/purge`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreatePurge {
    /// How many of the newest messages to delete: 1 to 1,000.
    pub count: u32,
    /// Only this person's messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<UserId>,
}

/// What a purge did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Purged {
    /// How many messages became tombstones (fewer than asked when the channel had fewer).
    pub deleted: u32,
}

/// A ban or mute in force.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SanctionDto {
    pub user_id: UserId,
    pub username: String,
    /// A ban's reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The moderator who imposed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_username: Option<String>,
    pub created_at: DateTime<Utc>,
    /// When it ends by itself; absent: until lifted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
}
