//! Bans and mutes, and the messages a purge takes. A ban or mute with an expiry ends by
//! itself: every check compares `expires_at` with `now()`, so no job lifts it.

use ajet_core::moderation::SanctionDto;
use ajet_core::{ChannelId, CommunityId, MessageId, UserId};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

/// A ban or a mute, with the names a list shows.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Sanction {
    #[sqlx(try_from = "Uuid")]
    pub user_id: UserId,
    pub username: String,
    pub reason: Option<String>,
    pub by_id: Option<Uuid>,
    pub by_username: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
}

impl From<Sanction> for SanctionDto {
    fn from(s: Sanction) -> Self {
        Self {
            user_id: s.user_id,
            username: s.username,
            reason: s.reason,
            by_username: s.by_username,
            created_at: s.created_at,
            expires_at: s.expires_at,
        }
    }
}

/// Bans `user` from `community` until `expires_at` (for good when `None`), replacing an
/// earlier ban.
pub async fn ban(
    conn: &mut PgConnection,
    community: CommunityId,
    user: UserId,
    by: UserId,
    reason: Option<&str>,
    expires_at: Option<DateTime<Utc>>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO bans (community_id, user_id, reason, banned_by, expires_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (community_id, user_id) DO UPDATE
         SET reason = EXCLUDED.reason, banned_by = EXCLUDED.banned_by,
             created_at = now(), expires_at = EXCLUDED.expires_at",
    )
    .bind(community.as_uuid())
    .bind(user.as_uuid())
    .bind(reason)
    .bind(by.as_uuid())
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Lifts the ban of `user`; whether one was in force.
pub async fn unban(
    conn: &mut PgConnection,
    community: CommunityId,
    user: UserId,
) -> Result<bool, sqlx::Error> {
    lift(conn, "bans", community, user).await
}

/// Deletes the row of `user` in `table` (bans or mutes); whether it was in force.
async fn lift(
    conn: &mut PgConnection,
    table: &str,
    community: CommunityId,
    user: UserId,
) -> Result<bool, sqlx::Error> {
    let live: Option<bool> = sqlx::query_scalar(&format!(
        "DELETE FROM {table} WHERE community_id = $1 AND user_id = $2
         RETURNING (expires_at IS NULL OR expires_at > now())"
    ))
    .bind(community.as_uuid())
    .bind(user.as_uuid())
    .fetch_optional(conn)
    .await?;
    Ok(live.unwrap_or(false))
}

/// Mutes `user` in `community` until `expires_at` (until lifted when `None`).
pub async fn mute(
    conn: &mut PgConnection,
    community: CommunityId,
    user: UserId,
    by: UserId,
    expires_at: Option<DateTime<Utc>>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO mutes (community_id, user_id, muted_by, expires_at)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (community_id, user_id) DO UPDATE
         SET muted_by = EXCLUDED.muted_by, created_at = now(), expires_at = EXCLUDED.expires_at",
    )
    .bind(community.as_uuid())
    .bind(user.as_uuid())
    .bind(by.as_uuid())
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Lifts the mute of `user`; whether one was in force.
pub async fn unmute(
    conn: &mut PgConnection,
    community: CommunityId,
    user: UserId,
) -> Result<bool, sqlx::Error> {
    lift(conn, "mutes", community, user).await
}

/// The bans in force in `community`, newest first.
pub async fn bans(
    conn: &mut PgConnection,
    community: CommunityId,
) -> Result<Vec<Sanction>, sqlx::Error> {
    sqlx::query_as(
        "SELECT b.user_id, u.username, b.reason, b.banned_by AS by_id, m.username AS by_username,
                b.created_at, b.expires_at
         FROM bans b JOIN users u ON u.id = b.user_id LEFT JOIN users m ON m.id = b.banned_by
         WHERE b.community_id = $1 AND (b.expires_at IS NULL OR b.expires_at > now())
         ORDER BY b.created_at DESC",
    )
    .bind(community.as_uuid())
    .fetch_all(conn)
    .await
}

/// The mutes in force in `community`, newest first.
pub async fn mutes(
    conn: &mut PgConnection,
    community: CommunityId,
) -> Result<Vec<Sanction>, sqlx::Error> {
    sqlx::query_as(
        "SELECT mu.user_id, u.username, NULL::text AS reason, mu.muted_by AS by_id,
                m.username AS by_username, mu.created_at, mu.expires_at
         FROM mutes mu JOIN users u ON u.id = mu.user_id LEFT JOIN users m ON m.id = mu.muted_by
         WHERE mu.community_id = $1 AND (mu.expires_at IS NULL OR mu.expires_at > now())
         ORDER BY mu.created_at DESC",
    )
    .bind(community.as_uuid())
    .fetch_all(conn)
    .await
}

/// Until when `user` is banned from `community`: `Some(None)` for good, `None` when not
/// banned.
pub async fn banned_until(
    conn: &mut PgConnection,
    community: CommunityId,
    user: UserId,
) -> Result<Option<Option<DateTime<Utc>>>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT expires_at FROM bans WHERE community_id = $1 AND user_id = $2
         AND (expires_at IS NULL OR expires_at > now())",
    )
    .bind(community.as_uuid())
    .bind(user.as_uuid())
    .fetch_optional(conn)
    .await
}

/// A message a purge deletes.
#[derive(Clone, Debug)]
pub struct Purged {
    pub id: MessageId,
    pub parent_id: Option<Uuid>,
}

/// Tombstones the newest `count` live messages of `channel` (of `author` only, when given),
/// replies included, as [`crate::messages::tombstone`] does one; the messages it deleted,
/// newest first. Run it in a transaction.
pub async fn purge(
    conn: &mut PgConnection,
    channel: ChannelId,
    author: Option<UserId>,
    count: i64,
) -> Result<Vec<Purged>, sqlx::Error> {
    let mut rows: Vec<PurgedRow> = sqlx::query_as(
        "WITH doomed AS (
             SELECT id FROM messages
             WHERE channel_id = $1 AND deleted_at IS NULL
               AND ($2::uuid IS NULL OR author_id = $2)
             ORDER BY seq DESC
             LIMIT $3
             FOR UPDATE
         )
         UPDATE messages m SET body_md = '', meta = NULL, deleted_at = now()
         FROM doomed WHERE m.id = doomed.id
         RETURNING m.id, m.parent_id, m.seq",
    )
    .bind(channel.as_uuid())
    .bind(author.map(|a| a.as_uuid()))
    .bind(count)
    .fetch_all(&mut *conn)
    .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id.as_uuid()).collect();
    sqlx::query("DELETE FROM reactions WHERE message_id = ANY($1)")
        .bind(&ids)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM mentions WHERE message_id = ANY($1)")
        .bind(&ids)
        .execute(conn)
        .await?;
    rows.sort_by_key(|r| std::cmp::Reverse(r.seq));
    Ok(rows
        .into_iter()
        .map(|r| Purged {
            id: r.id,
            parent_id: r.parent_id,
        })
        .collect())
}

#[derive(sqlx::FromRow)]
struct PurgedRow {
    #[sqlx(try_from = "Uuid")]
    id: MessageId,
    parent_id: Option<Uuid>,
    seq: i64,
}
