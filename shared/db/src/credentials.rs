//! Local accounts: argon2id password hashes (PHC strings), hashed by the caller.

use ajet_core::UserId;
use sqlx::PgConnection;
use uuid::Uuid;

/// Sets `user`'s password hash, replacing any earlier one.
pub async fn set_password_hash(
    conn: &mut PgConnection,
    user: UserId,
    phc: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO local_credentials (user_id, password_hash) VALUES ($1, $2)
         ON CONFLICT (user_id) DO UPDATE SET password_hash = EXCLUDED.password_hash,
                                             updated_at = now()",
    )
    .bind(user.as_uuid())
    .bind(phc)
    .execute(conn)
    .await?;
    Ok(())
}

/// A local account found by username: its user and password hash.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LocalAccount {
    #[sqlx(try_from = "Uuid")]
    pub user_id: UserId,
    pub username: String,
    pub password_hash: String,
}

/// The local account called `username` (any case), unless deleted.
pub async fn by_username(
    conn: &mut PgConnection,
    username: &str,
) -> Result<Option<LocalAccount>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.id AS user_id, u.username, c.password_hash
         FROM users u JOIN local_credentials c ON c.user_id = u.id
         WHERE lower(u.username) = lower($1) AND u.deleted_at IS NULL AND u.kind = 'person'",
    )
    .bind(username)
    .fetch_optional(conn)
    .await
}
