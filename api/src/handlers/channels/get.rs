//! `GET /api/channels/{channel_id}`: one channel.

use ajet_core::dto::{ChannelDto, Scope};
use ajet_core::{ChannelId, ErrorBody};
use axum::Json;
use axum::extract::State;

use crate::auth::AuthUser;
use crate::error::{PathParam, Result};
use crate::state::AppState;

/// A channel the caller is in, with their unread state.
#[utoipa::path(
    get,
    path = "/channels/{channel_id}",
    tag = "channels",
    security(("bearer" = [])),
    params(
        ("channel_id" = ChannelId, Path, description = "The channel, DM or group DM."),
    ),
    responses(
        (status = 200, description = "The channel, with the caller's unread state.", body = ChannelDto),
        (status = 400, description = "An id in the path is not a UUID.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The token lacks the `channels:read` scope; or the caller is banned from its community.", body = ErrorBody),
        (status = 404, description = "No such channel, or the caller is not a member of it (private channels and DMs answer 404 to outsiders).", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, channel.id = %id))]
pub async fn get_channel(
    State(state): State<AppState>,
    user: AuthUser,
    PathParam(id): PathParam<ChannelId>,
) -> Result<Json<ChannelDto>> {
    user.require(Scope::ChannelsRead)?;
    user.check_channel(id)?;
    let mut conn = state.db.acquire().await?;
    crate::authz::readable_channel(&mut conn, id, user.id).await?;
    let channel = ajet_db::channels::get_for_member(&mut conn, id, user.id)
        .await?
        .ok_or_else(crate::authz::no_such_channel)?;
    let mut dtos = super::to_dtos(&mut conn, vec![channel], user.id).await?;
    Ok(Json(dtos.remove(0)))
}
