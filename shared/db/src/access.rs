//! Who may do what in a community, and names for new accounts.

use ajet_core::dto::Role;
use ajet_core::{ChannelId, CommunityId, UserId};
use sqlx::PgConnection;

/// `user`'s role in `community`, or `None` when they are not a member.
pub async fn member_role(
    conn: &mut PgConnection,
    community: CommunityId,
    user: UserId,
) -> Result<Option<Role>, sqlx::Error> {
    let role: Option<String> = sqlx::query_scalar(
        "SELECT role FROM community_members WHERE community_id = $1 AND user_id = $2",
    )
    .bind(community.as_uuid())
    .bind(user.as_uuid())
    .fetch_optional(conn)
    .await?;
    role.map(Role::try_from)
        .transpose()
        .map_err(|err| sqlx::Error::Decode(Box::new(err)))
}

/// Whether `channel` is a (non-DM) channel of `community`.
pub async fn channel_in_community(
    conn: &mut PgConnection,
    community: CommunityId,
    channel: ChannelId,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM channels WHERE id = $1 AND community_id = $2)")
        .bind(channel.as_uuid())
        .bind(community.as_uuid())
        .fetch_one(conn)
        .await
}

/// Whether any community has an owner yet: until one does, the server is on its first run.
pub async fn has_owner(conn: &mut PgConnection) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM community_members WHERE role = 'owner')")
        .fetch_one(conn)
        .await
}

/// Renames `community` (its slug, and so its links, stay).
pub async fn rename_community(
    conn: &mut PgConnection,
    community: CommunityId,
    name: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE communities SET name = $2 WHERE id = $1")
        .bind(community.as_uuid())
        .bind(name)
        .execute(conn)
        .await?;
    Ok(())
}

/// A free username made from `wanted`: its letters, digits, '.', '_' and '-', with a
/// number appended when the name is taken.
pub async fn free_username(conn: &mut PgConnection, wanted: &str) -> Result<String, sqlx::Error> {
    let base = username_base(wanted);
    for n in 0u32..1000 {
        let candidate = if n == 0 {
            base.clone()
        } else {
            let suffix = format!("-{}", n + 1);
            let keep = ajet_core::limits::MAX_USERNAME_LEN - suffix.len();
            format!("{}{suffix}", &base[..base.len().min(keep)])
        };
        let taken: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM users WHERE lower(username) = lower($1))",
        )
        .bind(&candidate)
        .fetch_one(&mut *conn)
        .await?;
        if !taken {
            return Ok(candidate);
        }
    }
    Ok(format!(
        "user-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    ))
}

/// `wanted` reduced to what a username may hold (ASCII only), never empty.
pub fn username_base(wanted: &str) -> String {
    let mut out = String::new();
    for ch in wanted.chars() {
        if ch.is_ascii_alphanumeric() || (!out.is_empty() && matches!(ch, '.' | '_' | '-')) {
            out.push(ch);
        } else if ch == ' ' && !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= ajet_core::limits::MAX_USERNAME_LEN {
            break;
        }
    }
    let out = out.trim_end_matches(['-', '.', '_']).to_owned();
    if out.is_empty() {
        "user".to_owned()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::username_base;

    #[test]
    fn username_bases_are_valid_usernames() {
        assert_eq!(username_base("CI Bot"), "CI-Bot");
        assert_eq!(username_base("--x"), "x");
        assert_eq!(username_base("ünï"), "n");
        assert_eq!(username_base("!!!"), "user");
        assert_eq!(username_base(&"a".repeat(50)).len(), 32);
        for s in ["CI Bot", "a.b", "_x_", "日本"] {
            assert!(crate::users::valid_username(&username_base(s)), "{s}");
        }
    }
}
