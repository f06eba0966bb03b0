//! `GET /api/channels/{channel_id}`: one channel.

use ajet_core::ChannelId;
use ajet_core::dto::{ChannelDto, Scope};
use axum::Json;
use axum::extract::State;

use crate::auth::AuthUser;
use crate::error::{PathParam, Result};
use crate::state::AppState;

/// A channel the caller is in, with their unread state.
#[tracing::instrument(skip_all, fields(user.id = %user.id, channel.id = %id))]
pub async fn get_channel(
    State(state): State<AppState>,
    user: AuthUser,
    PathParam(id): PathParam<ChannelId>,
) -> Result<Json<ChannelDto>> {
    user.require(Scope::ChannelsRead)?;
    user.check_channel(id)?;
    let mut conn = state.db.acquire().await?;
    let channel = crate::authz::readable_channel(&mut conn, id, user.id).await?;
    let mut dtos = super::to_dtos(&mut conn, vec![channel], user.id).await?;
    Ok(Json(dtos.remove(0)))
}
