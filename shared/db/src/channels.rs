//! Channels, DMs and their members.

use ajet_core::dto::{ChannelDto, ChannelKind, Visibility};
use ajet_core::{ChannelId, CommunityId, UserId};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

/// A channel as its members see it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Channel {
    #[sqlx(try_from = "Uuid")]
    pub id: ChannelId,
    pub community_id: Option<Uuid>,
    pub community_slug: Option<String>,
    pub name: Option<String>,
    pub kind: String,
    pub visibility: String,
    pub topic: String,
    pub created_at: DateTime<Utc>,
    pub archived_at: Option<DateTime<Utc>>,
}

impl Channel {
    pub fn community(&self) -> Option<CommunityId> {
        self.community_id.map(CommunityId)
    }
}

impl From<Channel> for ChannelDto {
    fn from(c: Channel) -> Self {
        let kind = match c.kind.as_str() {
            "voice" => ChannelKind::Voice,
            "dm" => ChannelKind::Dm,
            "group_dm" => ChannelKind::GroupDm,
            _ => ChannelKind::Text,
        };
        let visibility = match c.visibility.as_str() {
            "private" => Visibility::Private,
            _ => Visibility::Public,
        };
        Self {
            id: c.id,
            community_id: c.community_id.map(CommunityId),
            community_slug: c.community_slug,
            name: c.name,
            kind,
            visibility,
            topic: c.topic,
            archived: c.archived_at.is_some(),
            created_at: c.created_at,
        }
    }
}

const COLUMNS: &str = "ch.id, ch.community_id, co.slug AS community_slug, ch.name, ch.kind,
     ch.visibility, ch.topic, ch.created_at, ch.archived_at";

/// Inserts a text channel in `community`.
pub async fn insert_text(
    conn: &mut PgConnection,
    community: CommunityId,
    name: &str,
    visibility: Visibility,
    created_by: Option<UserId>,
) -> Result<ChannelId, sqlx::Error> {
    let id = ChannelId::new();
    sqlx::query(
        "INSERT INTO channels (id, community_id, name, kind, visibility, created_by)
         VALUES ($1, $2, $3, 'text', $4, $5)",
    )
    .bind(id.as_uuid())
    .bind(community.as_uuid())
    .bind(name)
    .bind(match visibility {
        Visibility::Public => "public",
        Visibility::Private => "private",
    })
    .bind(created_by.map(|u| u.as_uuid()))
    .execute(conn)
    .await?;
    Ok(id)
}

/// The channel called `name` in `community`.
pub async fn by_name(
    conn: &mut PgConnection,
    community: CommunityId,
    name: &str,
) -> Result<Option<Channel>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM channels ch LEFT JOIN communities co ON co.id = ch.community_id
         WHERE ch.community_id = $1 AND ch.name = $2"
    ))
    .bind(community.as_uuid())
    .bind(name)
    .fetch_optional(conn)
    .await
}

/// The channel `id` if `user` is a member of it. Outsiders get `None`, exactly as for a
/// channel that does not exist, so that private channels do not reveal themselves.
pub async fn get_for_member(
    conn: &mut PgConnection,
    id: ChannelId,
    user: UserId,
) -> Result<Option<Channel>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM channels ch
         JOIN channel_members m ON m.channel_id = ch.id AND m.user_id = $2
         LEFT JOIN communities co ON co.id = ch.community_id
         WHERE ch.id = $1"
    ))
    .bind(id.as_uuid())
    .bind(user.as_uuid())
    .fetch_optional(conn)
    .await
}

/// Every channel `user` is a member of: community channels by community and name, then DMs.
pub async fn list_for_member(
    conn: &mut PgConnection,
    user: UserId,
) -> Result<Vec<Channel>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM channels ch
         JOIN channel_members m ON m.channel_id = ch.id AND m.user_id = $1
         LEFT JOIN communities co ON co.id = ch.community_id
         ORDER BY co.created_at NULLS LAST, ch.name, ch.id"
    ))
    .bind(user.as_uuid())
    .fetch_all(conn)
    .await
}

/// Adds `user` to `channel`, reading from its current end; nothing happens if they are in.
pub async fn add_member(
    conn: &mut PgConnection,
    channel: ChannelId,
    user: UserId,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO channel_members (channel_id, user_id, last_read_seq)
         SELECT id, $2, last_seq FROM channels WHERE id = $1
         ON CONFLICT DO NOTHING",
    )
    .bind(channel.as_uuid())
    .bind(user.as_uuid())
    .execute(conn)
    .await?;
    Ok(())
}
