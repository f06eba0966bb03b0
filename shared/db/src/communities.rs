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

/// The constraint that keeps slugs unique.
pub const SLUG_CONSTRAINT: &str = "communities_slug_key";

/// The community `id`.
pub async fn get(
    conn: &mut PgConnection,
    id: CommunityId,
) -> Result<Option<Community>, sqlx::Error> {
    sqlx::query_as("SELECT id, name, slug FROM communities WHERE id = $1")
        .bind(id.as_uuid())
        .fetch_optional(conn)
        .await
}

/// Renames a community and/or changes its slug.
pub async fn update(
    conn: &mut PgConnection,
    id: CommunityId,
    name: Option<&str>,
    slug: Option<&str>,
) -> Result<Option<Community>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE communities SET name = COALESCE($2, name), slug = COALESCE($3, slug)
         WHERE id = $1 RETURNING id, name, slug",
    )
    .bind(id.as_uuid())
    .bind(name)
    .bind(slug)
    .fetch_optional(conn)
    .await
}

/// A community membership row with the member's user.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Member {
    #[sqlx(try_from = "Uuid")]
    pub user_id: UserId,
    pub username: String,
    pub display_name: Option<String>,
    #[sqlx(try_from = "String")]
    pub role: ajet_core::dto::Role,
    pub nickname: Option<String>,
    pub avatar_url: Option<String>,
}

impl From<Member> for ajet_core::dto::MemberDto {
    fn from(m: Member) -> Self {
        Self {
            user: ajet_core::dto::UserDto {
                id: m.user_id,
                username: m.username,
                display_name: m.display_name,
            },
            role: m.role,
            nickname: m.nickname,
            avatar_url: m.avatar_url,
        }
    }
}

const MEMBER: &str = "SELECT m.user_id, u.username, u.display_name, m.role, m.nickname,
            COALESCE(m.avatar_url, u.avatar_url) AS avatar_url
     FROM community_members m JOIN users u ON u.id = m.user_id";

/// `user`'s membership of `community`.
pub async fn member(
    conn: &mut PgConnection,
    community: CommunityId,
    user: UserId,
) -> Result<Option<Member>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{MEMBER} WHERE m.community_id = $1 AND m.user_id = $2"
    ))
    .bind(community.as_uuid())
    .bind(user.as_uuid())
    .fetch_optional(conn)
    .await
}

/// Up to `limit` members of `community` after username `after`, by username.
pub async fn members(
    conn: &mut PgConnection,
    community: CommunityId,
    after: Option<&str>,
    limit: u32,
) -> Result<Vec<Member>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{MEMBER} WHERE m.community_id = $1 AND ($2::text IS NULL OR lower(u.username) > lower($2))
         ORDER BY lower(u.username) LIMIT $3"
    ))
    .bind(community.as_uuid())
    .bind(after)
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await
}

/// Changes a member's role, nickname or avatar (`Some("")` clears the latter two).
pub async fn update_member(
    conn: &mut PgConnection,
    community: CommunityId,
    user: UserId,
    role: Option<&str>,
    nickname: Option<&str>,
    avatar_url: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE community_members SET
             role = COALESCE($3, role),
             nickname = CASE WHEN $4::text IS NULL THEN nickname ELSE NULLIF($4, '') END,
             avatar_url = CASE WHEN $5::text IS NULL THEN avatar_url ELSE NULLIF($5, '') END
         WHERE community_id = $1 AND user_id = $2",
    )
    .bind(community.as_uuid())
    .bind(user.as_uuid())
    .bind(role)
    .bind(nickname)
    .bind(avatar_url)
    .execute(conn)
    .await?;
    Ok(())
}

/// Removes `user` from `community` and from all its channels; whether they were a member.
pub async fn remove_member(
    conn: &mut PgConnection,
    community: CommunityId,
    user: UserId,
) -> Result<bool, sqlx::Error> {
    sqlx::query(
        "DELETE FROM channel_members cm USING channels ch
         WHERE cm.channel_id = ch.id AND ch.community_id = $1 AND cm.user_id = $2",
    )
    .bind(community.as_uuid())
    .bind(user.as_uuid())
    .execute(&mut *conn)
    .await?;
    let done =
        sqlx::query("DELETE FROM community_members WHERE community_id = $1 AND user_id = $2")
            .bind(community.as_uuid())
            .bind(user.as_uuid())
            .execute(conn)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether `user` is banned from `community` now.
pub async fn is_banned(
    conn: &mut PgConnection,
    community: CommunityId,
    user: UserId,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM bans WHERE community_id = $1 AND user_id = $2
                        AND (expires_at IS NULL OR expires_at > now()))",
    )
    .bind(community.as_uuid())
    .bind(user.as_uuid())
    .fetch_one(conn)
    .await
}

/// Until when `user` is muted in `community`: `Some(None)` for indefinitely, `None` when
/// not muted.
pub async fn muted_until(
    conn: &mut PgConnection,
    community: CommunityId,
    user: UserId,
) -> Result<Option<Option<chrono::DateTime<chrono::Utc>>>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT expires_at FROM mutes WHERE community_id = $1 AND user_id = $2
         AND (expires_at IS NULL OR expires_at > now())",
    )
    .bind(community.as_uuid())
    .bind(user.as_uuid())
    .fetch_optional(conn)
    .await
}
