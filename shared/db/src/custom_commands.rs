//! A community's own slash commands, each posting to an outside endpoint.

use ajet_core::commands::CustomCommandDto;
use ajet_core::{CommunityId, UserId};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

/// A custom command, with its signing secret.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CustomCommand {
    pub id: Uuid,
    #[sqlx(try_from = "Uuid")]
    pub community_id: CommunityId,
    pub name: String,
    pub url: String,
    pub description: String,
    pub usage: String,
    pub secret: String,
    pub created_at: DateTime<Utc>,
}

impl From<CustomCommand> for CustomCommandDto {
    fn from(c: CustomCommand) -> Self {
        Self {
            id: c.id,
            community_id: c.community_id,
            name: c.name,
            url: c.url,
            description: c.description,
            usage: c.usage,
            created_at: c.created_at,
        }
    }
}

const COLUMNS: &str = "id, community_id, name, url, description, usage, secret, created_at";

/// The constraint a second command of the same name breaks.
pub const NAME_CONSTRAINT: &str = "custom_commands_name_key";

/// A command to register.
pub struct NewCommand<'a> {
    pub community: CommunityId,
    pub name: &'a str,
    pub url: &'a str,
    pub description: &'a str,
    pub usage: &'a str,
    pub secret: &'a str,
    pub created_by: UserId,
}

pub async fn insert(
    conn: &mut PgConnection,
    new: NewCommand<'_>,
) -> Result<CustomCommand, sqlx::Error> {
    sqlx::query_as(&format!(
        "INSERT INTO custom_commands
             (id, community_id, name, url, description, usage, secret, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(new.community.as_uuid())
    .bind(new.name)
    .bind(new.url)
    .bind(new.description)
    .bind(new.usage)
    .bind(new.secret)
    .bind(new.created_by.as_uuid())
    .fetch_one(conn)
    .await
}

/// The community's command called `name`.
pub async fn by_name(
    conn: &mut PgConnection,
    community: CommunityId,
    name: &str,
) -> Result<Option<CustomCommand>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM custom_commands WHERE community_id = $1 AND name = $2"
    ))
    .bind(community.as_uuid())
    .bind(name)
    .fetch_optional(conn)
    .await
}

/// The community's commands, by name.
pub async fn list(
    conn: &mut PgConnection,
    community: CommunityId,
) -> Result<Vec<CustomCommand>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM custom_commands WHERE community_id = $1 ORDER BY name"
    ))
    .bind(community.as_uuid())
    .fetch_all(conn)
    .await
}

/// Removes the community's command called `name`; whether there was one.
pub async fn delete(
    conn: &mut PgConnection,
    community: CommunityId,
    name: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM custom_commands WHERE community_id = $1 AND name = $2")
        .bind(community.as_uuid())
        .bind(name)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}
