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
