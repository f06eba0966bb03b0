//! `GET /api/messages/{message_id}`: one message.

use ajet_core::MessageId;
use ajet_core::dto::{MessageDto, Scope};
use axum::Json;
use axum::extract::State;

use crate::auth::AuthUser;
use crate::error::{PathParam, Result};
use crate::state::AppState;

/// A message the caller may read, with its reactions and thread summary.
#[tracing::instrument(skip_all, fields(user.id = %user.id, message.id = %id))]
pub async fn get_message(
    State(state): State<AppState>,
    user: AuthUser,
    PathParam(id): PathParam<MessageId>,
) -> Result<Json<MessageDto>> {
    user.require(Scope::MessagesRead)?;
    let mut conn = state.db.acquire().await?;
    let (message, _) = super::readable(&mut conn, id, &user).await?;
    let mut messages = [MessageDto::from(message)];
    super::enrich(&mut conn, &mut messages, user.id).await?;
    let [message] = messages;
    Ok(Json(message))
}
