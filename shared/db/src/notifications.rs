//! Notifications: one row per user per event that concerns them.

use ajet_core::dto::{NotificationDto, NotificationKind};
use ajet_core::{ChannelId, NotificationId, UserId};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    kind: String,
    source_id: Option<Uuid>,
    channel_id: Option<Uuid>,
    data: sqlx::types::Json<serde_json::Value>,
    read: bool,
    created_at: DateTime<Utc>,
}

impl From<Row> for NotificationDto {
    fn from(r: Row) -> Self {
        Self {
            id: NotificationId(r.id),
            kind: NotificationKind::parse(&r.kind).unwrap_or(NotificationKind::System),
            source_id: r.source_id,
            channel_id: r.channel_id.map(ChannelId),
            data: r.data.0,
            read: r.read,
            created_at: r.created_at,
        }
    }
}

/// A notification to create.
pub struct NewNotification {
    pub user: UserId,
    pub kind: NotificationKind,
    pub source_id: Option<Uuid>,
    pub channel_id: Option<ChannelId>,
    pub data: serde_json::Value,
}

/// Inserts a notification.
pub async fn insert(
    conn: &mut PgConnection,
    new: NewNotification,
) -> Result<NotificationDto, sqlx::Error> {
    let row: Row = sqlx::query_as(
        "INSERT INTO notifications (id, user_id, kind, source_id, channel_id, data)
         VALUES ($1, $2, $3, $4, $5, $6)
         RETURNING id, kind, source_id, channel_id, data, read, created_at",
    )
    .bind(NotificationId::new().as_uuid())
    .bind(new.user.as_uuid())
    .bind(new.kind.as_str())
    .bind(new.source_id)
    .bind(new.channel_id.map(|c| c.as_uuid()))
    .bind(sqlx::types::Json(new.data))
    .fetch_one(conn)
    .await?;
    Ok(row.into())
}

/// Up to `limit` of `user`'s notifications older than `before`, newest first, and
/// whether more follow.
pub async fn list(
    conn: &mut PgConnection,
    user: UserId,
    unread_only: bool,
    before: Option<NotificationId>,
    limit: u32,
) -> Result<(Vec<NotificationDto>, bool), sqlx::Error> {
    let mut rows: Vec<Row> = sqlx::query_as(
        "SELECT id, kind, source_id, channel_id, data, read, created_at FROM notifications
         WHERE user_id = $1 AND (NOT $2 OR NOT read) AND ($3::uuid IS NULL OR id < $3)
         ORDER BY id DESC LIMIT $4",
    )
    .bind(user.as_uuid())
    .bind(unread_only)
    .bind(before.map(|b| b.as_uuid()))
    .bind(i64::from(limit) + 1)
    .fetch_all(conn)
    .await?;
    let has_more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    Ok((rows.into_iter().map(Into::into).collect(), has_more))
}

/// How many of `user`'s notifications are unread.
pub async fn unread_count(conn: &mut PgConnection, user: UserId) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM notifications WHERE user_id = $1 AND NOT read")
        .bind(user.as_uuid())
        .fetch_one(conn)
        .await
}

/// Marks `ids` (or, with `all`, every notification) of `user` read; how many changed.
pub async fn mark_read(
    conn: &mut PgConnection,
    user: UserId,
    ids: &[NotificationId],
    all: bool,
) -> Result<u64, sqlx::Error> {
    let ids: Vec<Uuid> = ids.iter().map(NotificationId::as_uuid).collect();
    let done = sqlx::query(
        "UPDATE notifications SET read = true
         WHERE user_id = $1 AND NOT read AND ($2 OR id = ANY($3))",
    )
    .bind(user.as_uuid())
    .bind(all)
    .bind(&ids)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}
