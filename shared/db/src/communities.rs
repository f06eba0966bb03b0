//! Communities and their members.

use ajet_core::dto::CommunityDto;
use ajet_core::{CommunityId, UserId};
use sqlx::PgConnection;
use uuid::Uuid;

/// A communities row.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Community {
    #[sqlx(try_from = "Uuid")]
    pub id: CommunityId,
    pub name: String,
    pub slug: String,
}

impl From<Community> for CommunityDto {
    fn from(c: Community) -> Self {
        Self {
            id: c.id,
            name: c.name,
            slug: c.slug,
        }
    }
}

/// Inserts a community.
pub async fn insert(
    conn: &mut PgConnection,
    name: &str,
    slug: &str,
) -> Result<Community, sqlx::Error> {
    sqlx::query_as(
        "INSERT INTO communities (id, name, slug) VALUES ($1, $2, $3) RETURNING id, name, slug",
    )
    .bind(CommunityId::new().as_uuid())
    .bind(name)
    .bind(slug)
    .fetch_one(conn)
    .await
}

/// The oldest community: the one new users join when nothing else is said.
pub async fn first(conn: &mut PgConnection) -> Result<Option<Community>, sqlx::Error> {
    sqlx::query_as("SELECT id, name, slug FROM communities ORDER BY created_at, id LIMIT 1")
        .fetch_optional(conn)
        .await
}

/// Adds `user` to `community` with `role`; nothing happens if they are a member already.
pub async fn add_member(
    conn: &mut PgConnection,
    community: CommunityId,
    user: UserId,
    role: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO community_members (community_id, user_id, role) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING",
    )
    .bind(community.as_uuid())
    .bind(user.as_uuid())
    .bind(role)
    .execute(conn)
    .await?;
    Ok(())
}

/// The communities `user` belongs to, oldest first.
pub async fn list_for_user(
    conn: &mut PgConnection,
    user: UserId,
) -> Result<Vec<Community>, sqlx::Error> {
    sqlx::query_as(
        "SELECT c.id, c.name, c.slug FROM communities c
         JOIN community_members m ON m.community_id = c.id
         WHERE m.user_id = $1
         ORDER BY c.created_at, c.id",
    )
    .bind(user.as_uuid())
    .fetch_all(conn)
    .await
}

/// A slug made from `name`: lower-case ASCII letters and digits joined by single dashes.
pub fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for ch in name.chars().flat_map(char::to_lowercase) {
        if ch.is_ascii_alphanumeric() {
            slug.push(ch);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug: String = slug.trim_end_matches('-').chars().take(48).collect();
    let slug = slug.trim_end_matches('-').to_owned();
    if slug.is_empty() {
        "community".to_owned()
    } else {
        slug
    }
}

#[cfg(test)]
mod tests {
    use super::slugify;

    #[test]
    fn slugs() {
        assert_eq!(slugify("Acme Corp"), "acme-corp");
        assert_eq!(slugify("  Ünïcode & Friends!! "), "n-code-friends");
        assert_eq!(slugify("!!!"), "community");
        assert_eq!(slugify(&"x".repeat(80)).len(), 48);
    }
}
