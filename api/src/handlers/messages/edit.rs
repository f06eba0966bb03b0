//! `PATCH /api/messages/{message_id}`: the author edits their message.

use ajet_core::dto::{EditMessage, MessageDto, Scope};
use ajet_core::{ErrorBody, ErrorCode, EventData, MessageId};
use ajet_telemetry::TraceContext;
use axum::extract::State;
use axum::{Extension, Json};

use crate::auth::AuthUser;
use crate::error::{Error, JsonBody, PathParam, Result};
use crate::events::Recorder;
use crate::state::AppState;

/// Replaces the body; mentions are parsed again. Only the author may edit, and not a
/// deleted message.
#[utoipa::path(
    patch,
    path = "/messages/{message_id}",
    tag = "messages",
    security(("bearer" = [])),
    params(
        ("message_id" = MessageId, Path, description = "The message."),
    ),
    request_body = EditMessage,
    responses(
        (status = 200, description = "The message as it now is.", body = MessageDto),
        (status = 400, description = "The path, query string or body could not be read.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The token lacks the `messages:write` scope; or the caller is not the author, or may not post there.", body = ErrorBody),
        (status = 404, description = "No such message, or the caller cannot read its channel.", body = ErrorBody),
        (status = 409, description = "The message has been deleted.", body = ErrorBody),
        (status = 413, description = "The body, or the message in it (over 16,000 characters), is too large.", body = ErrorBody),
        (status = 422, description = "The message is empty.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, message.id = %id))]
pub async fn edit_message(
    State(state): State<AppState>,
    user: AuthUser,
    Extension(trace): Extension<TraceContext>,
    PathParam(id): PathParam<MessageId>,
    JsonBody(body): JsonBody<EditMessage>,
) -> Result<Json<MessageDto>> {
    user.require(Scope::MessagesWrite)?;
    super::create::validate_body(&body.body)?;
    let mut tx = state.db.begin().await?;
    let (message, _) = super::readable(&mut tx, id, &user).await?;
    let channel = crate::authz::postable_channel(&mut tx, message.channel_id, user.id).await?;
    if message.author_id != user.id {
        return Err(Error::new(
            ErrorCode::Forbidden,
            "only the author may edit a message",
        ));
    }
    if message.deleted_at.is_some() {
        return Err(Error::conflict("the message has been deleted"));
    }
    ajet_db::messages::edit(&mut tx, id, &body.body).await?;
    let updated = ajet_db::messages::get(&mut tx, id)
        .await?
        .ok_or_else(|| Error::not_found("the message is gone"))?;
    let mut messages = [MessageDto::from(updated)];
    super::enrich(&mut tx, &mut messages, user.id).await?;
    let [updated] = messages;
    crate::posting::store_mentions(&mut tx, &updated, false).await?;
    let mut events = Recorder::new(Some(trace.traceparent()));
    events
        .channel(
            &mut tx,
            channel.community(),
            channel.id,
            Some(user.id),
            EventData::MessageEdited(updated.clone()),
        )
        .await?;
    events.commit(tx, &state).await?;
    Ok(Json(updated))
}
