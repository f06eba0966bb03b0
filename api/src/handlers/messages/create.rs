//! `POST /api/channels/{channel_id}/messages`: post a message.

use ajet_core::dto::{CreateMessage, MessageDto, Scope};
use ajet_core::limits::{MAX_ATTACHMENTS_PER_MESSAGE, MAX_IDEMPOTENCY_KEY_LEN, MAX_MESSAGE_CHARS};
use ajet_core::{ChannelId, ErrorBody};
use ajet_telemetry::TraceContext;
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};

use crate::auth::AuthUser;
use crate::error::{Error, JsonBody, PathParam, Result};
use crate::posting::{self, Post, Posted};
use crate::state::AppState;

/// Posts a message. A repeated idempotency key returns the first message (200) instead of
/// posting again (201).
#[utoipa::path(
    post,
    path = "/channels/{channel_id}/messages",
    tag = "messages",
    security(("bearer" = [])),
    params(
        ("channel_id" = ChannelId, Path, description = "The channel, DM or group DM."),
    ),
    request_body = CreateMessage,
    responses(
        (status = 201, description = "Posted.", body = MessageDto),
        (status = 200, description = "The idempotency key was used before: the message first posted with it; nothing new is stored.", body = MessageDto),
        (status = 400, description = "The path, query string or body could not be read.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The token lacks the `messages:write` scope; or posting is not allowed there (archived, muted, banned).", body = ErrorBody),
        (status = 404, description = "No such channel (or the caller is not in it), or the parent is not in this channel.", body = ErrorBody),
        (status = 409, description = "The parent has been deleted, or the idempotency key was used for another message.", body = ErrorBody),
        (status = 413, description = "The body, or the message in it (over 16,000 characters), is too large.", body = ErrorBody),
        (status = 422, description = "The message is empty, the idempotency key is not valid, or the parent is a reply.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, channel.id = %channel_id))]
pub async fn create_message(
    State(state): State<AppState>,
    user: AuthUser,
    Extension(trace): Extension<TraceContext>,
    PathParam(channel_id): PathParam<ChannelId>,
    JsonBody(body): JsonBody<CreateMessage>,
) -> Result<(StatusCode, Json<MessageDto>)> {
    user.require(Scope::MessagesWrite)?;
    user.check_channel(channel_id)?;
    validate(&body)?;
    let posted = posting::post(
        &state,
        Post {
            channel: channel_id,
            author: user.id,
            body: &body.body,
            idempotency_key: body.idempotency_key.as_deref(),
            parent: body.parent_id,
            traceparent: Some(trace.traceparent()),
            meta: None,
            attachments: &body.attachments,
        },
    )
    .await?;
    Ok(match posted {
        Posted::Created(message) => (StatusCode::CREATED, Json(message)),
        Posted::Replayed(message) => (StatusCode::OK, Json(message)),
    })
}

fn validate(body: &CreateMessage) -> Result<()> {
    if body.attachments.is_empty() {
        validate_body(&body.body)?;
    } else {
        validate_length(&body.body)?;
        if body.attachments.len() > MAX_ATTACHMENTS_PER_MESSAGE {
            return Err(Error::validation(format!(
                "a message carries at most {MAX_ATTACHMENTS_PER_MESSAGE} files"
            )));
        }
        let mut ids = body.attachments.clone();
        ids.sort_unstable();
        ids.dedup();
        if ids.len() != body.attachments.len() {
            return Err(Error::validation("the same attachment is listed twice"));
        }
    }
    if let Some(key) = &body.idempotency_key {
        let printable = key.bytes().all(|b| b.is_ascii_graphic());
        if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY_LEN || !printable {
            return Err(Error::validation(format!(
                "the idempotency key must be 1 to {MAX_IDEMPOTENCY_KEY_LEN} printable ASCII characters"
            )));
        }
    }
    Ok(())
}

/// A message body must have text, and at most [`MAX_MESSAGE_CHARS`] characters.
pub(crate) fn validate_body(body: &str) -> Result<()> {
    if body.trim().is_empty() {
        return Err(Error::validation("the message is empty"));
    }
    validate_length(body)
}

/// At most [`MAX_MESSAGE_CHARS`] characters (a message with files may have none).
fn validate_length(body: &str) -> Result<()> {
    let chars = body.chars().count();
    if chars > MAX_MESSAGE_CHARS {
        return Err(Error::new(
            ajet_core::ErrorCode::PayloadTooLarge,
            format!("the message is {chars} characters long; the limit is {MAX_MESSAGE_CHARS}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(text: &str, key: Option<&str>) -> CreateMessage {
        CreateMessage {
            body: text.to_owned(),
            idempotency_key: key.map(str::to_owned),
            parent_id: None,
            attachments: Vec::new(),
        }
    }

    #[test]
    fn bodies_must_have_text_within_the_limit() {
        assert!(validate(&body("hi", None)).is_ok());
        assert!(validate(&body("  \n", None)).is_err());
        assert!(validate(&body(&"é".repeat(MAX_MESSAGE_CHARS), None)).is_ok());
        assert!(validate(&body(&"é".repeat(MAX_MESSAGE_CHARS + 1), None)).is_err());
    }

    #[test]
    fn idempotency_keys_are_short_printable_ascii() {
        assert!(validate(&body("hi", Some("3f2a-01"))).is_ok());
        assert!(validate(&body("hi", Some(""))).is_err());
        assert!(validate(&body("hi", Some("has space"))).is_err());
        assert!(validate(&body("hi", Some(&"k".repeat(129)))).is_err());
    }
}
