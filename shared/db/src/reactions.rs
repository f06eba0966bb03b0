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
/// them, with the first people who reacted named.
pub async fn for_messages(
    conn: &mut PgConnection,
    messages: &[MessageId],
    me: UserId,
) -> Result<HashMap<MessageId, Vec<ReactionDto>>, sqlx::Error> {
    if messages.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<Uuid> = messages.iter().map(MessageId::as_uuid).collect();
    let rows: Vec<(Uuid, String, i64, bool, Vec<String>)> = sqlx::query_as(
        "SELECT r.message_id, r.emoji, count(*), bool_or(r.user_id = $2),
                (array_agg(u.username ORDER BY r.created_at))[1:$3]
         FROM reactions r JOIN users u ON u.id = r.user_id
         WHERE r.message_id = ANY($1)
         GROUP BY r.message_id, r.emoji
         ORDER BY r.message_id, min(r.created_at), r.emoji",
    )
    .bind(&ids)
    .bind(me.as_uuid())
    .bind(ReactionDto::NAMED as i32)
    .fetch_all(conn)
    .await?;
    let mut out: HashMap<MessageId, Vec<ReactionDto>> = HashMap::new();
    for (message, emoji, count, reacted_by_me, users) in rows {
        out.entry(MessageId(message))
            .or_default()
            .push(ReactionDto {
                emoji,
                count,
                reacted_by_me,
                users,
            });
    }
    Ok(out)
}
