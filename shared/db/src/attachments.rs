//! Attachments: files uploaded to a channel, then posted with a message.
//!
//! An upload is recorded before its bytes are stored and completed after ([`insert_pending`],
//! [`complete`]), so that every object in the store has a row until the sweeper removes
//! both: a crash mid-upload leaves a row without `stored_at`, which no message can take and
//! no download serves. Deleted messages mark their attachments deleted by a trigger (see
//! the migration `files`); the sweeper ([`due`], [`forget`]) removes their objects, and
//! those of uploads no message took within a day.

use std::time::Duration;

use ajet_core::dto::AttachmentDto;
use ajet_core::{AttachmentId, ChannelId, MessageId, UserId};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

/// An attachment row.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Attachment {
    #[sqlx(try_from = "Uuid")]
    pub id: AttachmentId,
    #[sqlx(try_from = "Uuid")]
    pub channel_id: ChannelId,
    #[sqlx(try_from = "Uuid")]
    pub uploader_id: UserId,
    pub message_id: Option<Uuid>,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub storage_key: String,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub thumb_key: Option<String>,
    pub thumb_width: Option<i32>,
    pub thumb_height: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub stored_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
}

impl Attachment {
    /// Whether downloads may serve it: stored, and not deleted.
    pub fn servable(&self) -> bool {
        self.stored_at.is_some() && self.deleted_at.is_none()
    }
}

impl From<&Attachment> for AttachmentDto {
    fn from(a: &Attachment) -> Self {
        Self {
            id: a.id,
            name: a.filename.clone(),
            size: a.size_bytes,
            media_type: a.content_type.clone(),
            width: a.width,
            height: a.height,
            url: format!("/api/attachments/{}", a.id),
            thumbnail_url: a
                .thumb_key
                .as_ref()
                .map(|_| format!("/api/attachments/{}/thumbnail", a.id)),
        }
    }
}

const COLUMNS: &str = "id, channel_id, uploader_id, message_id, filename, content_type, size_bytes,
    storage_key, width, height, thumb_key, thumb_width, thumb_height, created_at, stored_at,
    deleted_at";

/// Records an upload about to be stored under `storage_key`.
pub async fn insert_pending(
    conn: &mut PgConnection,
    id: AttachmentId,
    channel: ChannelId,
    uploader: UserId,
    filename: &str,
    storage_key: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO attachments (id, channel_id, uploader_id, filename, content_type,
                                  size_bytes, storage_key)
         VALUES ($1, $2, $3, $4, 'application/octet-stream', 0, $5)",
    )
    .bind(id.as_uuid())
    .bind(channel.as_uuid())
    .bind(uploader.as_uuid())
    .bind(filename)
    .bind(storage_key)
    .execute(conn)
    .await?;
    Ok(())
}

/// What storing an upload found out.
#[derive(Clone, Debug, Default)]
pub struct Stored {
    pub content_type: String,
    pub size_bytes: i64,
    /// Pixel size, for images.
    pub dimensions: Option<(u32, u32)>,
    /// The thumbnail's key and pixel size, for images that have one.
    pub thumbnail: Option<(String, u32, u32)>,
}

/// Marks an upload stored; the row as readers see it.
pub async fn complete(
    conn: &mut PgConnection,
    id: AttachmentId,
    stored: &Stored,
) -> Result<Attachment, sqlx::Error> {
    let px = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
    sqlx::query_as(&format!(
        "UPDATE attachments SET content_type = $2, size_bytes = $3, width = $4, height = $5,
                thumb_key = $6, thumb_width = $7, thumb_height = $8, stored_at = now()
         WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id.as_uuid())
    .bind(&stored.content_type)
    .bind(stored.size_bytes)
    .bind(stored.dimensions.map(|d| px(d.0)))
    .bind(stored.dimensions.map(|d| px(d.1)))
    .bind(stored.thumbnail.as_ref().map(|t| t.0.as_str()))
    .bind(stored.thumbnail.as_ref().map(|t| px(t.1)))
    .bind(stored.thumbnail.as_ref().map(|t| px(t.2)))
    .fetch_one(conn)
    .await
}

/// Removes the row of an upload that failed (its object is already gone).
pub async fn delete(conn: &mut PgConnection, id: AttachmentId) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM attachments WHERE id = $1")
        .bind(id.as_uuid())
        .execute(conn)
        .await?;
    Ok(())
}

/// The attachment `id`.
pub async fn get(
    conn: &mut PgConnection,
    id: AttachmentId,
) -> Result<Option<Attachment>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM attachments WHERE id = $1"))
        .bind(id.as_uuid())
        .fetch_optional(conn)
        .await
}

/// Of `ids`, those `uploader` stored in `channel` that no message has taken, locked until
/// the transaction ends, in the order of `ids`.
pub async fn lock_unposted(
    conn: &mut PgConnection,
    ids: &[AttachmentId],
    channel: ChannelId,
    uploader: UserId,
) -> Result<Vec<Attachment>, sqlx::Error> {
    let uuids: Vec<Uuid> = ids.iter().map(|id| id.as_uuid()).collect();
    let rows: Vec<Attachment> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM attachments
         WHERE id = ANY($1) AND channel_id = $2 AND uploader_id = $3
           AND message_id IS NULL AND stored_at IS NOT NULL AND deleted_at IS NULL
         FOR UPDATE"
    ))
    .bind(&uuids)
    .bind(channel.as_uuid())
    .bind(uploader.as_uuid())
    .fetch_all(conn)
    .await?;
    let mut ordered = Vec::with_capacity(rows.len());
    for id in ids {
        if let Some(row) = rows.iter().find(|r| r.id == *id) {
            ordered.push(row.clone());
        }
    }
    Ok(ordered)
}

/// Gives `ids` to `message`.
pub async fn attach(
    conn: &mut PgConnection,
    ids: &[AttachmentId],
    message: MessageId,
) -> Result<(), sqlx::Error> {
    let uuids: Vec<Uuid> = ids.iter().map(|id| id.as_uuid()).collect();
    sqlx::query("UPDATE attachments SET message_id = $2 WHERE id = ANY($1)")
        .bind(&uuids)
        .bind(message.as_uuid())
        .execute(conn)
        .await?;
    Ok(())
}

/// Marks an upload no message has taken deleted (its uploader changed their mind); whether
/// there was such an upload.
pub async fn discard_unposted(
    conn: &mut PgConnection,
    id: AttachmentId,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE attachments SET deleted_at = now()
         WHERE id = $1 AND message_id IS NULL AND deleted_at IS NULL",
    )
    .bind(id.as_uuid())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks every file `user` uploaded deleted and takes them off their messages (account
/// deletion).
pub async fn delete_uploads_of(conn: &mut PgConnection, user: UserId) -> Result<(), sqlx::Error> {
    sqlx::query(
        "WITH gone AS (
             UPDATE attachments SET deleted_at = now()
             WHERE uploader_id = $1 AND deleted_at IS NULL
             RETURNING message_id
         )
         UPDATE messages SET files = NULL
         WHERE id IN (SELECT message_id FROM gone WHERE message_id IS NOT NULL)",
    )
    .bind(user.as_uuid())
    .execute(conn)
    .await?;
    Ok(())
}

/// Objects the sweeper should remove: those of deleted attachments, of uploads no message
/// took within `orphan_after` (finished or not), and replaced avatars. At most `limit` of
/// each, locked so that another api instance sweeping at once skips them.
pub async fn due(
    conn: &mut PgConnection,
    orphan_after: Duration,
    limit: i64,
) -> Result<Due, sqlx::Error> {
    let seconds = orphan_after.as_secs_f64();
    let attachments: Vec<(Uuid, String, Option<String>)> = sqlx::query_as(
        "SELECT id, storage_key, thumb_key FROM attachments
         WHERE deleted_at IS NOT NULL
            OR (message_id IS NULL AND created_at < now() - make_interval(secs => $1))
         LIMIT $2
         FOR UPDATE SKIP LOCKED",
    )
    .bind(seconds)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let stale: Vec<String> =
        sqlx::query_scalar("SELECT storage_key FROM stale_objects LIMIT $1 FOR UPDATE SKIP LOCKED")
            .bind(limit)
            .fetch_all(conn)
            .await?;
    let mut keys = stale.clone();
    for (_, key, thumb) in &attachments {
        keys.push(key.clone());
        keys.extend(thumb.clone());
    }
    Ok(Due {
        attachments: attachments.into_iter().map(|(id, _, _)| id).collect(),
        stale,
        keys,
    })
}

/// What [`due`] found.
#[derive(Debug, Default)]
pub struct Due {
    pub attachments: Vec<Uuid>,
    pub stale: Vec<String>,
    /// Every object key to remove.
    pub keys: Vec<String>,
}

impl Due {
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// Forgets what [`due`] found, once its objects are removed.
pub async fn forget(conn: &mut PgConnection, due: &Due) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM attachments WHERE id = ANY($1)")
        .bind(&due.attachments)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM stale_objects WHERE storage_key = ANY($1)")
        .bind(&due.stale)
        .execute(conn)
        .await?;
    Ok(())
}

/// Queues an object no row refers to any more (a replaced avatar) for the sweeper.
pub async fn queue_stale(conn: &mut PgConnection, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO stale_objects (storage_key) VALUES ($1) ON CONFLICT DO NOTHING")
        .bind(key)
        .execute(conn)
        .await?;
    Ok(())
}
