//! First start: the default community and its `#general`, and operator-created users.

use ajet_core::dto::Visibility;
use ajet_core::{CommunityId, UserId};
use sqlx::PgConnection;

use crate::channels;
use crate::communities::{self, Community};
use crate::users::{self, CreateUserError, User};

/// The channel every member of a community starts in.
pub const GENERAL: &str = "general";

/// Creates the community `name` with `#general` when no community exists yet; returns the
/// default community either way. Safe when several api instances start at once.
pub async fn ensure_default_community(
    conn: &mut PgConnection,
    name: &str,
) -> Result<Community, sqlx::Error> {
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    // Serialise concurrent first starts; the lock ends with the transaction.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('ajet.bootstrap'))")
        .execute(&mut *tx)
        .await?;
    let community = match communities::first(&mut tx).await? {
        Some(existing) => existing,
        None => {
            let created = communities::insert(&mut tx, name, &communities::slugify(name)).await?;
            channels::insert_text(&mut tx, created.id, GENERAL, Visibility::Public, None).await?;
            created
        }
    };
    tx.commit().await?;
    Ok(community)
}

/// Creates a person who belongs to `community` (as admin when `admin`) and its `#general`.
pub async fn create_member(
    conn: &mut PgConnection,
    community: CommunityId,
    username: &str,
    admin: bool,
) -> Result<User, CreateUserError> {
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let user = users::insert(&mut tx, username).await?;
    let role = if admin { "admin" } else { "member" };
    communities::add_member(&mut tx, community, user.id, role).await?;
    if let Some(general) = channels::by_name(&mut tx, community, GENERAL).await? {
        channels::add_member(&mut tx, general.id, user.id).await?;
    }
    tx.commit().await?;
    Ok(user)
}

/// Looks a user up by name for operator commands.
pub async fn find_user(
    conn: &mut PgConnection,
    username: &str,
) -> Result<Option<UserId>, sqlx::Error> {
    Ok(users::by_username(conn, username).await?.map(|u| u.id))
}
