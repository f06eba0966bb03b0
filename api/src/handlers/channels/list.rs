//! `GET /api/channels`: the channels the caller is a member of.

use ajet_core::dto::{ChannelDto, Scope};
use axum::Json;
use axum::extract::State;
use serde::Serialize;

use crate::auth::AuthUser;
use crate::error::Result;
use crate::state::AppState;

#[derive(Serialize)]
pub struct ChannelList {
    pub channels: Vec<ChannelDto>,
}

/// Every channel and DM the caller belongs to.
#[tracing::instrument(skip_all, fields(user.id = %user.id))]
pub async fn list_channels(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<ChannelList>> {
    user.require(Scope::ChannelsRead)?;
    let mut conn = state.db.acquire().await?;
    let channels = ajet_db::channels::list_for_member(&mut conn, user.id).await?;
    Ok(Json(ChannelList {
        channels: channels
            .into_iter()
            .filter(|c| user.sees_channel(c.id))
            .map(Into::into)
            .collect(),
    }))
}
