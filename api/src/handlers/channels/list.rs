//! `GET /api/channels`: the channels the caller is in, with unread counts.

use ajet_core::ErrorBody;
use ajet_core::dto::{ChannelDto, Scope};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};

use crate::auth::AuthUser;
use crate::error::Result;
use crate::state::AppState;

/// Body of `GET /api/channels`.
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChannelList {
    pub channels: Vec<ChannelDto>,
}

/// Every channel and DM the caller belongs to, for the sidebar: unread and mention counts
/// included. Channels of communities the caller is banned from are left out.
#[utoipa::path(
    get,
    path = "/channels",
    tag = "channels",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every channel and DM the caller is in, with unread and mention counts.", body = ChannelList),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The token lacks the `channels:read` scope.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id))]
pub async fn list_channels(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<ChannelList>> {
    user.require(Scope::ChannelsRead)?;
    let mut conn = state.db.acquire().await?;
    let mut channels = Vec::new();
    for channel in ajet_db::channels::list_for_member(&mut conn, user.id).await? {
        if !user.sees_channel(channel.id) {
            continue;
        }
        if let Some(community) = channel.community()
            && ajet_db::communities::is_banned(&mut conn, community, user.id).await?
        {
            continue;
        }
        channels.push(channel);
    }
    let channels = super::to_dtos(&mut conn, channels, user.id).await?;
    Ok(Json(ChannelList { channels }))
}
