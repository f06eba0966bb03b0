//! `POST /api/channels/{channel_id}/read` and `/unread`: the caller's read position.

use ajet_core::dto::{MarkRead, MarkUnread, ReadState, Scope};
use ajet_core::{ChannelId, ErrorBody, EventData, MessageId};
use ajet_db::PgConnection;
use ajet_telemetry::TraceContext;
use axum::extract::State;
use axum::{Extension, Json};

use crate::auth::AuthUser;
use crate::error::{Error, JsonBody, PathParam, Result};
use crate::events::Recorder;
use crate::state::AppState;

/// Everything up to `message_id` (or the channel's end) is read.
#[utoipa::path(
    post,
    path = "/channels/{channel_id}/read",
    tag = "channels",
    security(("bearer" = [])),
    params(
        ("channel_id" = ChannelId, Path, description = "The channel, DM or group DM."),
    ),
    request_body(content = Option<MarkRead>, description = "Optional: without a body (or without `message_id`) everything is read.", content_type = "application/json"),
    responses(
        (status = 200, description = "The caller's read position and counts.", body = ReadState),
        (status = 400, description = "An id in the path is not a UUID, or the body is not a read marker.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The token lacks the `messages:read` scope; or the caller is banned from its community.", body = ErrorBody),
        (status = 404, description = "No such channel, or the caller is not a member of it (private channels and DMs answer 404 to outsiders).", body = ErrorBody),
        (status = 422, description = "The message is not in this channel.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, channel.id = %id))]
pub async fn mark_read(
    State(state): State<AppState>,
    user: AuthUser,
    Extension(trace): Extension<TraceContext>,
    PathParam(id): PathParam<ChannelId>,
    body: axum::body::Bytes,
) -> Result<Json<ReadState>> {
    // The body is optional: none means "read to the end".
    let message = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        serde_json::from_slice::<MarkRead>(&body)
            .map_err(|err| {
                Error::new(
                    ajet_core::ErrorCode::InvalidJson,
                    format!("the body is not a valid read marker: {err}"),
                )
            })?
            .message_id
    };
    move_read(&state, &user, trace, id, message, 0).await
}

/// `message_id` and everything after it become unread.
#[utoipa::path(
    post,
    path = "/channels/{channel_id}/unread",
    tag = "channels",
    security(("bearer" = [])),
    params(
        ("channel_id" = ChannelId, Path, description = "The channel, DM or group DM."),
    ),
    request_body = MarkUnread,
    responses(
        (status = 200, description = "The caller's read position and counts.", body = ReadState),
        (status = 400, description = "The path, query string or body could not be read.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The token lacks the `messages:read` scope; or the caller is banned from its community.", body = ErrorBody),
        (status = 404, description = "No such channel, or the caller is not a member of it (private channels and DMs answer 404 to outsiders).", body = ErrorBody),
        (status = 413, description = "The body is larger than the api accepts.", body = ErrorBody),
        (status = 422, description = "The message is not in this channel.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, channel.id = %id))]
pub async fn mark_unread(
    State(state): State<AppState>,
    user: AuthUser,
    Extension(trace): Extension<TraceContext>,
    PathParam(id): PathParam<ChannelId>,
    JsonBody(body): JsonBody<MarkUnread>,
) -> Result<Json<ReadState>> {
    move_read(&state, &user, trace, id, Some(body.message_id), -1).await
}

async fn move_read(
    state: &AppState,
    user: &AuthUser,
    trace: TraceContext,
    id: ChannelId,
    message: Option<MessageId>,
    offset: i64,
) -> Result<Json<ReadState>> {
    user.require(Scope::MessagesRead)?;
    user.check_channel(id)?;
    let mut tx = state.db.begin().await?;
    crate::authz::readable_channel(&mut tx, id, user.id).await?;
    let seq = match message {
        Some(message) => Some(position(&mut tx, message, id).await? + offset),
        None => None,
    };
    let read = ajet_db::channels::set_read(&mut tx, id, user.id, seq)
        .await?
        .ok_or_else(crate::authz::no_such_channel)?;
    let mut events = Recorder::new(Some(trace.traceparent()));
    events
        .user(
            &mut tx,
            user.id,
            Some(user.id),
            EventData::ReadUpdated {
                channel_id: id,
                last_read_seq: read.last_read_seq,
            },
        )
        .await?;
    events.commit(tx, state).await?;
    Ok(Json(read))
}

async fn position(conn: &mut PgConnection, message: MessageId, channel: ChannelId) -> Result<i64> {
    match ajet_db::messages::position(conn, message).await? {
        Some((in_channel, seq)) if in_channel == channel => Ok(seq),
        _ => Err(Error::validation("that message is not in this channel")),
    }
}
