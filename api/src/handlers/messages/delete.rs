//! `DELETE /api/messages/{message_id}`: the author or a moderator deletes a message.

use ajet_core::dto::Scope;
use ajet_core::{ErrorBody, ErrorCode, EventData, MessageId};
use ajet_telemetry::TraceContext;
use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;

use crate::auth::AuthUser;
use crate::error::{Error, PathParam, Result};
use crate::events::Recorder;
use crate::state::AppState;

/// Leaves a tombstone: the body, reactions and mentions go, the thread keeps its shape.
/// Deleting twice is fine (204 both times).
#[utoipa::path(
    delete,
    path = "/messages/{message_id}",
    tag = "messages",
    security(("bearer" = [])),
    params(
        ("message_id" = MessageId, Path, description = "The message."),
    ),
    responses(
        (status = 204, description = "Deleted: a tombstone stays (deleting twice is fine)."),
        (status = 400, description = "An id in the path is not a UUID.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The token lacks the `messages:write` scope; or the caller is neither the author nor a moderator.", body = ErrorBody),
        (status = 404, description = "No such message, or the caller cannot read its channel.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, message.id = %id))]
pub async fn delete_message(
    State(state): State<AppState>,
    user: AuthUser,
    Extension(trace): Extension<TraceContext>,
    PathParam(id): PathParam<MessageId>,
) -> Result<StatusCode> {
    user.require(Scope::MessagesWrite)?;
    let mut tx = state.db.begin().await?;
    let (message, channel) = super::readable(&mut tx, id, &user).await?;
    if message.author_id != user.id {
        let role = crate::authz::role_in_channel(&mut tx, &channel, user.id).await?;
        if !role.is_some_and(|r| r.moderates()) {
            return Err(Error::new(
                ErrorCode::Forbidden,
                "only the author or a moderator may delete a message",
            ));
        }
    }
    if message.deleted_at.is_some() {
        return Ok(StatusCode::NO_CONTENT);
    }
    ajet_db::messages::tombstone(&mut tx, id).await?;
    let mut events = Recorder::new(Some(trace.traceparent()));
    let parent_id = message.parent_id.map(MessageId);
    events
        .channel(
            &mut tx,
            channel.community(),
            channel.id,
            Some(user.id),
            EventData::MessageDeleted {
                message_id: id,
                parent_id,
            },
        )
        .await?;
    if let Some(parent) = parent_id {
        events
            .thread_updated(
                &mut tx,
                channel.community(),
                channel.id,
                Some(user.id),
                parent,
            )
            .await?;
    }
    events.commit(tx, &state).await?;
    Ok(StatusCode::NO_CONTENT)
}
