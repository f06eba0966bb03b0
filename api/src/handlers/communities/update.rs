//! `PATCH /api/communities/{community_id}`: rename, change the slug.

use ajet_core::CommunityId;
use ajet_core::dto::{CommunityDto, Scope, UpdateCommunity};
use ajet_db::ResultExt;
use axum::Json;
use axum::extract::State;

use crate::auth::AuthUser;
use crate::error::{Error, JsonBody, PathParam, Result};
use crate::state::AppState;

/// Owners and admins rename the community or change its slug.
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
