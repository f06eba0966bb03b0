//! Channels, DMs, their members and read positions.

use ajet_core::dto::{ChannelDto, ChannelKind, ReadState, UserDto, Visibility};
use ajet_core::{ChannelId, CommunityId, UserId};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

/// A channel, with the caller's read state when the query computed it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Channel {
    #[sqlx(try_from = "Uuid")]
    pub id: ChannelId,
    pub community_id: Option<Uuid>,
    pub community_slug: Option<String>,
    pub name: Option<String>,
    #[sqlx(try_from = "String")]
    pub kind: ChannelKind,
    #[sqlx(try_from = "String")]
    pub visibility: Visibility,
    pub topic: String,
    pub created_at: DateTime<Utc>,
    pub archived_at: Option<DateTime<Utc>>,
    pub last_seq: i64,
    #[sqlx(default)]
    pub last_read_seq: Option<i64>,
    #[sqlx(default)]
    pub unread_count: Option<i64>,
    #[sqlx(default)]
    pub mention_count: Option<i64>,
}

impl Channel {
    pub fn community(&self) -> Option<CommunityId> {
        self.community_id.map(CommunityId)
    }

    pub fn is_private(&self) -> bool {
        self.visibility == Visibility::Private
    }

    pub fn is_dm(&self) -> bool {
        self.kind.is_dm()
    }

    /// The DTO, with `members` for DMs.
    pub fn into_dto(self, members: Vec<UserDto>) -> ChannelDto {
        ChannelDto {
            id: self.id,
            community_id: self.community(),
            community_slug: self.community_slug,
            name: self.name,
            kind: self.kind,
            visibility: self.visibility,
            topic: self.topic,
            archived: self.archived_at.is_some(),
            created_at: self.created_at,
            last_seq: self.last_seq,
            last_read_seq: self.last_read_seq.unwrap_or_default(),
            unread_count: self.unread_count.unwrap_or_default(),
            mention_count: self.mention_count.unwrap_or_default(),
            members,
        }
    }
}

impl From<Channel> for ChannelDto {
    fn from(c: Channel) -> Self {
        c.into_dto(Vec::new())
    }
}

const COLUMNS: &str = "ch.id, ch.community_id, co.slug AS community_slug, ch.name, ch.kind,
     ch.visibility, ch.topic, ch.created_at, ch.archived_at, ch.last_seq";

/// The caller's read state, computed per row of a query that joined `channel_members m`.
const READ_STATE: &str = "m.last_read_seq,
     (SELECT count(*) FROM messages x
       WHERE x.channel_id = ch.id AND x.seq > m.last_read_seq AND x.parent_id IS NULL
         AND x.author_id <> m.user_id AND x.deleted_at IS NULL) AS unread_count,
     (SELECT count(DISTINCT x.id) FROM messages x JOIN mentions mn ON mn.message_id = x.id
       WHERE x.channel_id = ch.id AND x.seq > m.last_read_seq AND x.author_id <> m.user_id
         AND x.deleted_at IS NULL
         AND (mn.target_user_id = m.user_id OR mn.target_kind IN ('channel', 'here'))) AS mention_count";

/// Inserts a text channel in `community`.
pub async fn insert_text(
    conn: &mut PgConnection,
    community: CommunityId,
    name: &str,
    visibility: Visibility,
    created_by: Option<UserId>,
) -> Result<ChannelId, sqlx::Error> {
    insert(conn, community, name, "text", visibility, "", created_by).await
}

/// The constraint that keeps channel names unique in a community.
pub const NAME_CONSTRAINT: &str = "channels_community_name_key";

/// Inserts a channel of `kind` (`text` or `voice`) in `community`.
pub async fn insert(
    conn: &mut PgConnection,
    community: CommunityId,
    name: &str,
    kind: &str,
    visibility: Visibility,
    topic: &str,
    created_by: Option<UserId>,
) -> Result<ChannelId, sqlx::Error> {
    let id = ChannelId::new();
    sqlx::query(
        "INSERT INTO channels (id, community_id, name, kind, visibility, topic, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id.as_uuid())
    .bind(community.as_uuid())
    .bind(name)
    .bind(kind)
    .bind(visibility.as_str())
    .bind(topic)
    .bind(created_by.map(|u| u.as_uuid()))
    .execute(conn)
    .await?;
    Ok(id)
}

/// The channel `id`, whoever asks.
pub async fn get(conn: &mut PgConnection, id: ChannelId) -> Result<Option<Channel>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM channels ch LEFT JOIN communities co ON co.id = ch.community_id
         WHERE ch.id = $1"
    ))
    .bind(id.as_uuid())
    .fetch_optional(conn)
    .await
}

/// The channel `id`, locked for update until the transaction ends.
pub async fn get_for_update(
    conn: &mut PgConnection,
    id: ChannelId,
) -> Result<Option<Channel>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM channels ch LEFT JOIN communities co ON co.id = ch.community_id
         WHERE ch.id = $1 FOR UPDATE OF ch"
    ))
    .bind(id.as_uuid())
    .fetch_optional(conn)
    .await
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

/// The channel `id` if `user` is a member of it, with their read state. Outsiders get
/// `None`, exactly as for a channel that does not exist, so that private channels and DMs
/// do not reveal themselves.
pub async fn get_for_member(
    conn: &mut PgConnection,
    id: ChannelId,
    user: UserId,
) -> Result<Option<Channel>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS}, {READ_STATE} FROM channels ch
         JOIN channel_members m ON m.channel_id = ch.id AND m.user_id = $2
         LEFT JOIN communities co ON co.id = ch.community_id
         WHERE ch.id = $1"
    ))
    .bind(id.as_uuid())
    .bind(user.as_uuid())
    .fetch_optional(conn)
    .await
}

/// What a member may do in a channel, read in the same query as the channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Standing {
    /// Banned from the channel's community now.
    pub banned: bool,
    /// Muted in the channel's community now.
    pub muted: bool,
    /// Until when, if muted for a time.
    pub muted_until: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct ChannelWithStanding {
    #[sqlx(flatten)]
    channel: Channel,
    banned: bool,
    muted: bool,
    muted_until: Option<DateTime<Utc>>,
}

/// The channel `id` if `user` is a member of it, with their standing in its community —
/// one query, for authorising a request. No read state (see [`get_for_member`]).
pub async fn get_with_standing(
    conn: &mut PgConnection,
    id: ChannelId,
    user: UserId,
) -> Result<Option<(Channel, Standing)>, sqlx::Error> {
    let row: Option<ChannelWithStanding> = sqlx::query_as(&format!(
        "SELECT {COLUMNS},
             EXISTS (SELECT 1 FROM bans b WHERE b.community_id = ch.community_id
                     AND b.user_id = $2 AND (b.expires_at IS NULL OR b.expires_at > now()))
                 AS banned,
             EXISTS (SELECT 1 FROM mutes mu WHERE mu.community_id = ch.community_id
                     AND mu.user_id = $2 AND (mu.expires_at IS NULL OR mu.expires_at > now()))
                 AS muted,
             (SELECT mu.expires_at FROM mutes mu WHERE mu.community_id = ch.community_id
                     AND mu.user_id = $2 AND mu.expires_at > now()) AS muted_until
         FROM channels ch
         JOIN channel_members m ON m.channel_id = ch.id AND m.user_id = $2
         LEFT JOIN communities co ON co.id = ch.community_id
         WHERE ch.id = $1"
    ))
    .bind(id.as_uuid())
    .bind(user.as_uuid())
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| {
        (
            r.channel,
            Standing {
                banned: r.banned,
                muted: r.muted,
                muted_until: r.muted_until,
            },
        )
    }))
}

/// Every channel `user` is a member of, with unread counts: community channels by
/// community and name, then DMs, newest activity first.
pub async fn list_for_member(
    conn: &mut PgConnection,
    user: UserId,
) -> Result<Vec<Channel>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS}, {READ_STATE} FROM channels ch
         JOIN channel_members m ON m.channel_id = ch.id AND m.user_id = $1
         LEFT JOIN communities co ON co.id = ch.community_id
         ORDER BY co.created_at NULLS LAST, ch.name, ch.id"
    ))
    .bind(user.as_uuid())
    .fetch_all(conn)
    .await
}

/// The public channels of `community` that `user` has not joined, to browse.
pub async fn list_joinable(
    conn: &mut PgConnection,
    community: CommunityId,
    user: UserId,
) -> Result<Vec<Channel>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM channels ch LEFT JOIN communities co ON co.id = ch.community_id
         WHERE ch.community_id = $1 AND ch.visibility = 'public' AND ch.archived_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM channel_members m
                           WHERE m.channel_id = ch.id AND m.user_id = $2)
         ORDER BY ch.name"
    ))
    .bind(community.as_uuid())
    .bind(user.as_uuid())
    .fetch_all(conn)
    .await
}

/// Renames and/or re-topics a channel; the updated row.
pub async fn update(
    conn: &mut PgConnection,
    id: ChannelId,
    name: Option<&str>,
    topic: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE channels SET name = COALESCE($2, name), topic = COALESCE($3, topic) WHERE id = $1",
    )
    .bind(id.as_uuid())
    .bind(name)
    .bind(topic)
    .execute(conn)
    .await?;
    Ok(())
}

/// Archives a channel: read-only from now on.
pub async fn archive(conn: &mut PgConnection, id: ChannelId) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE channels SET archived_at = now() WHERE id = $1 AND archived_at IS NULL")
        .bind(id.as_uuid())
        .execute(conn)
        .await?;
    Ok(())
}

/// Adds `user` to `channel`, reading from its current end. Whether they were added (false
/// when they were a member already).
pub async fn add_member(
    conn: &mut PgConnection,
    channel: ChannelId,
    user: UserId,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO channel_members (channel_id, user_id, last_read_seq)
         SELECT id, $2, last_seq FROM channels WHERE id = $1
         ON CONFLICT DO NOTHING",
    )
    .bind(channel.as_uuid())
    .bind(user.as_uuid())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes `user` from `channel`; whether they were a member.
pub async fn remove_member(
    conn: &mut PgConnection,
    channel: ChannelId,
    user: UserId,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM channel_members WHERE channel_id = $1 AND user_id = $2")
        .bind(channel.as_uuid())
        .bind(user.as_uuid())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether `user` is a member of `channel`.
pub async fn is_member(
    conn: &mut PgConnection,
    channel: ChannelId,
    user: UserId,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM channel_members WHERE channel_id = $1 AND user_id = $2)",
    )
    .bind(channel.as_uuid())
    .bind(user.as_uuid())
    .fetch_one(conn)
    .await
}

/// The ids of the channels and DMs `user` is in.
pub async fn ids_of_member(
    conn: &mut PgConnection,
    user: UserId,
) -> Result<Vec<ChannelId>, sqlx::Error> {
    let ids: Vec<Uuid> =
        sqlx::query_scalar("SELECT channel_id FROM channel_members WHERE user_id = $1")
            .bind(user.as_uuid())
            .fetch_all(conn)
            .await?;
    Ok(ids.into_iter().map(ChannelId).collect())
}

/// The ids of `channel`'s members.
pub async fn member_ids(
    conn: &mut PgConnection,
    channel: ChannelId,
) -> Result<Vec<UserId>, sqlx::Error> {
    let ids: Vec<Uuid> =
        sqlx::query_scalar("SELECT user_id FROM channel_members WHERE channel_id = $1")
            .bind(channel.as_uuid())
            .fetch_all(conn)
            .await?;
    Ok(ids.into_iter().map(UserId).collect())
}

/// For each of `channels` (DMs), its members other than `except`.
pub async fn dm_members(
    conn: &mut PgConnection,
    channels: &[ChannelId],
    except: UserId,
) -> Result<Vec<(ChannelId, UserDto)>, sqlx::Error> {
    let ids: Vec<Uuid> = channels.iter().map(ChannelId::as_uuid).collect();
    let rows: Vec<(Uuid, Uuid, String, Option<String>)> = sqlx::query_as(
        "SELECT m.channel_id, u.id, u.username, u.display_name
         FROM channel_members m JOIN users u ON u.id = m.user_id
         WHERE m.channel_id = ANY($1) AND m.user_id <> $2
         ORDER BY u.username",
    )
    .bind(&ids)
    .bind(except.as_uuid())
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(channel, id, username, display_name)| {
            (
                ChannelId(channel),
                UserDto {
                    id: UserId(id),
                    username,
                    display_name,
                },
            )
        })
        .collect())
}

/// The 1:1 DM of two users, created when it does not exist. Exactly one per pair, also
/// when both start it at once: the pair's key is unique, and the loser of the race finds
/// the winner's channel. Whether it was created.
pub async fn get_or_create_dm(
    conn: &mut PgConnection,
    a: UserId,
    b: UserId,
) -> Result<(ChannelId, bool), sqlx::Error> {
    let (low, high) = if a <= b { (a, b) } else { (b, a) };
    let key = format!("{low}:{high}");
    let created: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO channels (id, kind, visibility, dm_key, created_by)
         VALUES ($1, 'dm', 'private', $2, $3)
         ON CONFLICT (dm_key) DO NOTHING
         RETURNING id",
    )
    .bind(ChannelId::new().as_uuid())
    .bind(&key)
    .bind(a.as_uuid())
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(id) = created {
        let id = ChannelId(id);
        add_member(conn, id, low).await?;
        if high != low {
            add_member(conn, id, high).await?;
        }
        return Ok((id, true));
    }
    let id: Uuid = sqlx::query_scalar("SELECT id FROM channels WHERE dm_key = $1")
        .bind(&key)
        .fetch_one(conn)
        .await?;
    Ok((ChannelId(id), false))
}

/// A new group DM of `members`.
pub async fn create_group_dm(
    conn: &mut PgConnection,
    creator: UserId,
    members: &[UserId],
) -> Result<ChannelId, sqlx::Error> {
    let id = ChannelId::new();
    sqlx::query(
        "INSERT INTO channels (id, kind, visibility, created_by) VALUES ($1, 'group_dm', 'private', $2)",
    )
    .bind(id.as_uuid())
    .bind(creator.as_uuid())
    .execute(&mut *conn)
    .await?;
    for member in members {
        add_member(conn, id, *member).await?;
    }
    Ok(id)
}

/// Moves `user`'s read position in `channel` to `seq` (clamped to the channel's end);
/// the resulting read state, or `None` when they are not a member.
pub async fn set_read(
    conn: &mut PgConnection,
    channel: ChannelId,
    user: UserId,
    seq: Option<i64>,
) -> Result<Option<ReadState>, sqlx::Error> {
    let moved = sqlx::query(
        "UPDATE channel_members m
         SET last_read_seq = GREATEST(0, LEAST(COALESCE($3, ch.last_seq), ch.last_seq))
         FROM channels ch
         WHERE ch.id = m.channel_id AND m.channel_id = $1 AND m.user_id = $2",
    )
    .bind(channel.as_uuid())
    .bind(user.as_uuid())
    .bind(seq)
    .execute(&mut *conn)
    .await?;
    if moved.rows_affected() == 0 {
        return Ok(None);
    }
    Ok(get_for_member(conn, channel, user)
        .await?
        .map(|c| ReadState {
            channel_id: c.id,
            last_read_seq: c.last_read_seq.unwrap_or_default(),
            unread_count: c.unread_count.unwrap_or_default(),
            mention_count: c.mention_count.unwrap_or_default(),
        }))
}
