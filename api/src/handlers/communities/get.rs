//! `GET /api/communities` and `GET /api/communities/{community_id}`.

use ajet_core::dto::{CommunityDto, CommunityView, Scope};
use ajet_core::{CommunityId, ErrorBody};
use axum::Json;
use axum::extract::State;

use crate::auth::AuthUser;
use crate::error::{PathParam, Result};
use crate::state::AppState;

/// The communities the caller belongs to.
#[utoipa::path(
    get,
    path = "/communities",
    tag = "communities",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's communities.", body = [CommunityDto]),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The token lacks the `channels:read` scope.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id))]
pub async fn list_communities(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<Vec<CommunityDto>>> {
    user.require(Scope::ChannelsRead)?;
    let mut conn = state.db.acquire().await?;
    let communities = ajet_db::communities::list_for_user(&mut conn, user.id).await?;
    Ok(Json(communities.into_iter().map(Into::into).collect()))
}

/// One community the caller belongs to.
#[utoipa::path(
    get,
    path = "/communities/{community_id}",
    tag = "communities",
    security(("bearer" = [])),
    params(
        ("community_id" = CommunityId, Path, description = "The community."),
    ),
    responses(
        (status = 200, description = "The community, with the public channels the caller could join.", body = CommunityView),
        (status = 400, description = "An id in the path is not a UUID.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The token lacks the `channels:read` scope; or the caller is banned from the community.", body = ErrorBody),
        (status = 404, description = "No such community, or the caller is not a member of it.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, community.id = %id))]
pub async fn get_community(
    State(state): State<AppState>,
    user: AuthUser,
    PathParam(id): PathParam<CommunityId>,
) -> Result<Json<CommunityView>> {
    user.require(Scope::ChannelsRead)?;
    let mut conn = state.db.acquire().await?;
    crate::authz::community_role(&mut conn, id, user.id).await?;
    let community = ajet_db::communities::get(&mut conn, id)
        .await?
        .ok_or_else(crate::authz::no_such_community)?;
    let joinable = ajet_db::channels::list_joinable(&mut conn, id, user.id).await?;
    Ok(Json(CommunityView {
        community: community.into(),
        joinable_channels: joinable
            .into_iter()
            .filter(|c| user.sees_channel(c.id))
            .map(Into::into)
            .collect(),
    }))
}
