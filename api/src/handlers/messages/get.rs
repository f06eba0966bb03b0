//! `GET /api/messages/{message_id}`: one message.

use ajet_core::dto::{MessageDto, Scope};
use ajet_core::{ErrorBody, MessageId};
use axum::Json;
use axum::extract::State;

use crate::auth::AuthUser;
use crate::error::{PathParam, Result};
use crate::state::AppState;

/// A message the caller may read, with its reactions and thread summary.
#[utoipa::path(
    get,
    path = "/messages/{message_id}",
    tag = "messages",
    security(("bearer" = [])),
    params(
        ("message_id" = MessageId, Path, description = "The message."),
    ),
    responses(
        (status = 200, description = "The message, with its reactions and thread summary.", body = MessageDto),
        (status = 400, description = "An id in the path is not a UUID.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The token lacks the `messages:read` scope; or the caller is banned from its community.", body = ErrorBody),
        (status = 404, description = "No such message, or the caller cannot read its channel.", body = ErrorBody),
    ),
)]
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
