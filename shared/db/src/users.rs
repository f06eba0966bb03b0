//! Users: people and bots.

use ajet_core::UserId;
use ajet_core::dto::UserDto;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::ResultExt;

/// A users row.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct User {
    #[sqlx(try_from = "Uuid")]
    pub id: UserId,
    pub username: String,
    pub display_name: Option<String>,
    pub kind: String,
}

impl From<User> for UserDto {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
        }
    }
}

/// Why a user could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    #[error("the username {0:?} is taken")]
    Taken(String),
    #[error(
        "the username {0:?} is not valid: use 1 to 32 letters, digits, '.', '_' or '-', starting with a letter or digit"
    )]
    Invalid(String),
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
}

/// Inserts a person with `username`.
pub async fn insert(conn: &mut PgConnection, username: &str) -> Result<User, CreateUserError> {
    if !valid_username(username) {
        return Err(CreateUserError::Invalid(username.to_owned()));
    }
    sqlx::query_as(
        "INSERT INTO users (id, username) VALUES ($1, $2)
         RETURNING id, username, display_name, kind",
    )
    .bind(UserId::new().as_uuid())
    .bind(username)
    .fetch_one(conn)
    .await
    .on_constraint("users_username_key", || {
        CreateUserError::Taken(username.to_owned())
    })
}

/// The user with `id`, unless deleted.
pub async fn get(conn: &mut PgConnection, id: UserId) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, username, display_name, kind FROM users
         WHERE id = $1 AND deleted_at IS NULL",
    )
    .bind(id.as_uuid())
    .fetch_optional(conn)
    .await
}

/// The user called `username` (any case), unless deleted.
pub async fn by_username(
    conn: &mut PgConnection,
    username: &str,
) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, username, display_name, kind FROM users
         WHERE lower(username) = lower($1) AND deleted_at IS NULL",
    )
    .bind(username)
    .fetch_optional(conn)
    .await
}

/// Whether `name` may be a username: what the database constraint accepts.
pub fn valid_username(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphanumeric())
        && name.len() <= ajet_core::limits::MAX_USERNAME_LEN
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// The users called `usernames` (any case), unless deleted.
pub async fn by_usernames(
    conn: &mut PgConnection,
    usernames: &[String],
) -> Result<Vec<User>, sqlx::Error> {
    let lower: Vec<String> = usernames.iter().map(|u| u.to_lowercase()).collect();
    sqlx::query_as(
        "SELECT id, username, display_name, kind FROM users
         WHERE lower(username) = ANY($1) AND deleted_at IS NULL",
    )
    .bind(&lower)
    .fetch_all(conn)
    .await
}

/// The users with `ids`, unless deleted.
pub async fn by_ids(conn: &mut PgConnection, ids: &[UserId]) -> Result<Vec<User>, sqlx::Error> {
    let ids: Vec<Uuid> = ids.iter().map(UserId::as_uuid).collect();
    sqlx::query_as(
        "SELECT id, username, display_name, kind FROM users
         WHERE id = ANY($1) AND deleted_at IS NULL",
    )
    .bind(&ids)
    .fetch_all(conn)
    .await
}

/// How long after the last heartbeat a user still counts as online.
pub const ONLINE_FOR: chrono::Duration = chrono::Duration::minutes(2);

/// Records a heartbeat of `user`.
pub async fn touch(conn: &mut PgConnection, user: UserId) -> Result<bool, sqlx::Error> {
    let away: Option<bool> =
        sqlx::query_scalar("UPDATE users SET last_seen_at = now() WHERE id = $1 RETURNING away")
            .bind(user.as_uuid())
            .fetch_optional(conn)
            .await?;
    Ok(away.unwrap_or_default())
}

/// Marks `user` away (`/away`) or back (`/back`).
pub async fn set_away(
    conn: &mut PgConnection,
    user: UserId,
    away: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET away = $2 WHERE id = $1")
        .bind(user.as_uuid())
        .bind(away)
        .execute(conn)
        .await?;
    Ok(())
}

/// The presence of `ids`: online when their last heartbeat is within [`ONLINE_FOR`] and
/// they have not said they are away.
pub async fn presence(
    conn: &mut PgConnection,
    ids: &[UserId],
) -> Result<Vec<ajet_core::dto::PresenceDto>, sqlx::Error> {
    let ids: Vec<Uuid> = ids.iter().map(UserId::as_uuid).collect();
    let rows: Vec<(Uuid, Option<chrono::DateTime<chrono::Utc>>, bool)> = sqlx::query_as(
        "SELECT id, last_seen_at, away FROM users WHERE id = ANY($1) AND deleted_at IS NULL",
    )
    .bind(&ids)
    .fetch_all(conn)
    .await?;
    let now = chrono::Utc::now();
    Ok(rows
        .into_iter()
        .map(|(id, seen, away)| ajet_core::dto::PresenceDto {
            user_id: UserId(id),
            online: !away && seen.is_some_and(|s| now - s <= ONLINE_FOR),
            last_seen_at: seen,
        })
        .collect())
}

/// The people who share a channel or DM with `user`.
pub async fn contacts(conn: &mut PgConnection, user: UserId) -> Result<Vec<UserId>, sqlx::Error> {
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "SELECT DISTINCT other.user_id FROM channel_members mine
         JOIN channel_members other ON other.channel_id = mine.channel_id
         WHERE mine.user_id = $1 AND other.user_id <> $1",
    )
    .bind(user.as_uuid())
    .fetch_all(conn)
    .await?;
    Ok(ids.into_iter().map(UserId).collect())
}

/// Sets (or with `None` clears) `user`'s picture: its URL and, when it is one of ours, its
/// object key. The key of the picture it replaces, for the sweeper.
pub async fn set_avatar(
    conn: &mut PgConnection,
    user: UserId,
    avatar: Option<(&str, &str)>,
) -> Result<Option<String>, sqlx::Error> {
    let old: Option<Option<String>> = sqlx::query_scalar(
        "UPDATE users u SET avatar_url = $2, avatar_key = $3
         FROM (SELECT id, avatar_key FROM users WHERE id = $1 FOR UPDATE) old
         WHERE u.id = old.id
         RETURNING old.avatar_key",
    )
    .bind(user.as_uuid())
    .bind(avatar.map(|a| a.0))
    .bind(avatar.map(|a| a.1))
    .fetch_optional(conn)
    .await?;
    Ok(old.flatten())
}

#[cfg(test)]
mod tests {
    use super::valid_username;

    #[test]
    fn usernames() {
        assert!(valid_username("alice"));
        assert!(valid_username("a.b-c_d9"));
        assert!(!valid_username(""));
        assert!(!valid_username("-alice"));
        assert!(!valid_username("al ice"));
        assert!(!valid_username("ålice"));
        assert!(!valid_username(&"a".repeat(33)));
    }
}
