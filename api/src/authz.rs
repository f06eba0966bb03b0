//! What a caller may see and do in communities and channels.
//!
//! Outsiders learn nothing: a channel or DM they are not in answers 404, exactly like one
//! that does not exist. Members of a community who are banned from it read nothing there;
//! muted members read but cannot post until the mute ends.

use ajet_core::dto::Role;
use ajet_core::{ChannelId, CommunityId, ErrorCode, UserId};
use ajet_db::PgConnection;
use ajet_db::channels::{self, Channel};
use ajet_db::communities;

use crate::error::{Error, Result};

/// The 404 for a channel the caller may not know about.
pub fn no_such_channel() -> Error {
    Error::not_found("there is no such channel, or you are not a member of it")
}

/// The 404 for a community the caller is not in.
pub fn no_such_community() -> Error {
    Error::not_found("there is no such community, or you are not a member of it")
}

/// `user`'s role in `community`; 404 when they are not a member, 403 when banned.
pub async fn community_role(
    conn: &mut PgConnection,
    community: CommunityId,
    user: UserId,
) -> Result<Role> {
    let member = communities::member(conn, community, user)
        .await?
        .ok_or_else(no_such_community)?;
    if communities::is_banned(conn, community, user).await? {
        return Err(banned());
    }
    Ok(member.role)
}

/// Like [`community_role`], and 403 unless the role moderates (owner or admin).
pub async fn require_moderator(
    conn: &mut PgConnection,
    community: CommunityId,
    user: UserId,
) -> Result<Role> {
    let role = community_role(conn, community, user).await?;
    if !role.moderates() {
        return Err(Error::new(
            ErrorCode::Forbidden,
            "only the community's owner and admins may do this",
        ));
    }
    Ok(role)
}

fn banned() -> Error {
    Error::new(ErrorCode::Forbidden, "you are banned from this community")
}

/// The channel if the caller may read it: they are a member and not banned from its
/// community. One query; the channel comes without read state.
pub async fn readable_channel(
    conn: &mut PgConnection,
    channel: ChannelId,
    user: UserId,
) -> Result<Channel> {
    Ok(standing(conn, channel, user).await?.0)
}

/// The channel if the caller may post in it: readable, not archived, caller not muted.
pub async fn postable_channel(
    conn: &mut PgConnection,
    channel: ChannelId,
    user: UserId,
) -> Result<Channel> {
    let (found, standing) = standing(conn, channel, user).await?;
    if found.archived_at.is_some() {
        return Err(Error::new(
            ErrorCode::Forbidden,
            "the channel is archived; nothing can be posted to it",
        ));
    }
    if standing.muted {
        let message = match standing.muted_until {
            Some(t) => format!("you are muted in this community until {}", t.to_rfc3339()),
            None => "you are muted in this community".to_owned(),
        };
        return Err(Error::new(ErrorCode::Forbidden, message));
    }
    Ok(found)
}

async fn standing(
    conn: &mut PgConnection,
    channel: ChannelId,
    user: UserId,
) -> Result<(Channel, channels::Standing)> {
    let (found, standing) = channels::get_with_standing(conn, channel, user)
        .await?
        .ok_or_else(no_such_channel)?;
    if standing.banned {
        return Err(banned());
    }
    Ok((found, standing))
}

/// The role of `user` in the channel's community (`None` for DMs), for moderation checks.
pub async fn role_in_channel(
    conn: &mut PgConnection,
    channel: &Channel,
    user: UserId,
) -> Result<Option<Role>> {
    match channel.community() {
        Some(community) => Ok(communities::member(conn, community, user)
            .await?
            .map(|m| m.role)),
        None => Ok(None),
    }
}
