//! `PATCH /api/communities/{community_id}`: rename, change the slug.

use ajet_core::dto::{CommunityDto, Scope, UpdateCommunity};
use ajet_core::{CommunityId, ErrorBody};
use ajet_db::ResultExt;
use axum::Json;
use axum::extract::State;

use crate::auth::AuthUser;
use crate::error::{Error, JsonBody, PathParam, Result};
use crate::state::AppState;

/// Owners and admins rename the community or change its slug.
#[utoipa::path(
    patch,
    path = "/communities/{community_id}",
    tag = "communities",
    security(("bearer" = [])),
    params(
        ("community_id" = CommunityId, Path, description = "The community."),
    ),
    request_body = UpdateCommunity,
    responses(
        (status = 200, description = "The community as it now is.", body = CommunityDto),
        (status = 400, description = "The path, query string or body could not be read.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The token lacks the `admin` scope; or the caller is not an owner or admin of the community.", body = ErrorBody),
        (status = 404, description = "No such community, or the caller is not a member of it.", body = ErrorBody),
        (status = 409, description = "The slug is taken.", body = ErrorBody),
        (status = 413, description = "The body is larger than the api accepts.", body = ErrorBody),
        (status = 422, description = "Nothing to change, or the name or slug is not valid.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, community.id = %id))]
pub async fn update_community(
    State(state): State<AppState>,
    user: AuthUser,
    PathParam(id): PathParam<CommunityId>,
    JsonBody(body): JsonBody<UpdateCommunity>,
) -> Result<Json<CommunityDto>> {
    user.require(Scope::Admin)?;
    let name = body.name.as_deref().map(super::name).transpose()?;
    let slug = body.slug.as_deref().map(super::slug).transpose()?;
    if name.is_none() && slug.is_none() {
        return Err(Error::validation(
            "nothing to change: give a name or a slug",
        ));
    }
    let mut tx = state.db.begin().await?;
    crate::authz::require_moderator(&mut tx, id, user.id).await?;
    let community = ajet_db::communities::update(&mut tx, id, name.as_deref(), slug.as_deref())
        .await
        .on_constraint(ajet_db::communities::SLUG_CONSTRAINT, || {
            Error::conflict("that slug is taken; choose another")
        })?
        .ok_or_else(crate::authz::no_such_community)?;
    tx.commit().await?;
    Ok(Json(community.into()))
}
