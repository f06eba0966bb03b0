//! Mentions: who a message calls out, resolved from its markdown.

use ajet_core::{MessageId, UserId};
use sqlx::PgConnection;

/// A resolved mention.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    User(UserId),
    Channel,
    Here,
}

/// Replaces the mentions stored for `message` with `targets`.
pub async fn replace(
    conn: &mut PgConnection,
    message: MessageId,
    targets: &[Target],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM mentions WHERE message_id = $1")
        .bind(message.as_uuid())
        .execute(&mut *conn)
        .await?;
    for target in targets {
        let (kind, user) = match target {
            Target::User(u) => ("user", Some(u.as_uuid())),
            Target::Channel => ("channel", None),
            Target::Here => ("here", None),
        };
        sqlx::query(
            "INSERT INTO mentions (id, message_id, target_kind, target_user_id)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(uuid::Uuid::now_v7())
        .bind(message.as_uuid())
        .bind(kind)
        .bind(user)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
