//! Reactions: one per user, message and emoji.

use std::collections::HashMap;

use ajet_core::dto::ReactionDto;
use ajet_core::{MessageId, UserId};
use sqlx::PgConnection;
use uuid::Uuid;

/// Adds a reaction; whether it is new (false when it was there already).
pub async fn add(
    conn: &mut PgConnection,
    message: MessageId,
    user: UserId,
    emoji: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO reactions (message_id, user_id, emoji) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING",
    )
    .bind(message.as_uuid())
    .bind(user.as_uuid())
    .bind(emoji)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes a reaction; whether there was one.
pub async fn remove(
    conn: &mut PgConnection,
    message: MessageId,
    user: UserId,
    emoji: &str,
) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("DELETE FROM reactions WHERE message_id = $1 AND user_id = $2 AND emoji = $3")
            .bind(message.as_uuid())
            .bind(user.as_uuid())
            .bind(emoji)
            .execute(conn)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// The reactions on `messages`, aggregated per emoji in order of first use, as `me` sees
/// them.
pub async fn for_messages(
    conn: &mut PgConnection,
    messages: &[MessageId],
    me: UserId,
) -> Result<HashMap<MessageId, Vec<ReactionDto>>, sqlx::Error> {
    if messages.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<Uuid> = messages.iter().map(MessageId::as_uuid).collect();
    let rows: Vec<(Uuid, String, i64, bool)> = sqlx::query_as(
        "SELECT message_id, emoji, count(*), bool_or(user_id = $2)
         FROM reactions WHERE message_id = ANY($1)
         GROUP BY message_id, emoji
         ORDER BY message_id, min(created_at), emoji",
    )
    .bind(&ids)
    .bind(me.as_uuid())
    .fetch_all(conn)
    .await?;
    let mut out: HashMap<MessageId, Vec<ReactionDto>> = HashMap::new();
    for (message, emoji, count, reacted_by_me) in rows {
        out.entry(MessageId(message))
            .or_default()
            .push(ReactionDto {
                emoji,
                count,
                reacted_by_me,
            });
    }
    Ok(out)
}
