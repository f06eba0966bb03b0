//! `POST /api/channels/{channel_id}/messages`: post a message.

use ajet_core::dto::{CreateMessage, MessageDto};
use ajet_core::limits::{MAX_IDEMPOTENCY_KEY_LEN, MAX_MESSAGE_CHARS};
use ajet_core::{ChannelId, Envelope, EventData, subjects};
use ajet_db::messages::{self, NewMessage};
use ajet_db::{channels, outbox};
use ajet_telemetry::TraceContext;
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};

use crate::auth::AuthUser;
use crate::error::{Error, JsonBody, PathParam, Result};
use crate::state::AppState;

/// Posts a message. A repeated idempotency key returns the first message (200) instead of
/// posting again (201).
#[tracing::instrument(skip_all, fields(user.id = %user.id, channel.id = %channel_id))]
pub async fn create_message(
    State(state): State<AppState>,
    user: AuthUser,
    Extension(trace): Extension<TraceContext>,
    PathParam(channel_id): PathParam<ChannelId>,
    JsonBody(body): JsonBody<CreateMessage>,
) -> Result<(StatusCode, Json<MessageDto>)> {
    validate(&body)?;
    let key = body.idempotency_key.as_deref();

    let mut tx = state.db.begin().await?;
    let channel = channels::get_for_member(&mut tx, channel_id, user.id)
        .await?
        .ok_or_else(|| {
            Error::not_found("there is no such channel, or you are not a member of it")
        })?;
    if channel.archived_at.is_some() {
        return Err(Error::new(
            ajet_core::ErrorCode::Forbidden,
            "the channel is archived; nothing can be posted to it",
        ));
    }
    if let Some(key) = key
        && let Some(existing) = messages::by_idempotency_key(&mut tx, user.id, key).await?
    {
        return replay(existing, channel_id);
    }
    let inserted = messages::insert(
        &mut tx,
        NewMessage {
            channel: channel_id,
            author: user.id,
            body: &body.body,
            idempotency_key: key,
        },
    )
    .await;
    let message: MessageDto = match inserted {
        Ok(message) => message.into(),
        // A concurrent retry with the same key committed first: answer with its message.
        Err(err) if ajet_db::error::is_unique_violation(&err, messages::IDEMPOTENCY_CONSTRAINT) => {
            drop(tx);
            let mut conn = state.db.acquire().await?;
            let existing =
                messages::by_idempotency_key(&mut conn, user.id, key.unwrap_or_default())
                    .await?
                    .ok_or(Error::Sqlx(err))?;
            return replay(existing, channel_id);
        }
        Err(err) => return Err(err.into()),
    };
    let event = Envelope::for_channel(
        channel.community(),
        channel_id,
        Some(user.id),
        EventData::MessageCreated(message.clone()),
    );
    let subject = subjects::channel_events(channel.community(), channel_id);
    let recorded = outbox::insert(&mut tx, &subject, &event, Some(&trace.traceparent())).await?;
    tx.commit().await?;
    state.relay.committed(recorded);
    Ok((StatusCode::CREATED, Json(message)))
}

fn replay(
    existing: messages::Message,
    channel_id: ChannelId,
) -> Result<(StatusCode, Json<MessageDto>)> {
    if existing.channel_id != channel_id {
        return Err(Error::conflict(
            "this idempotency key was already used for a message in another channel",
        ));
    }
    Ok((StatusCode::OK, Json(existing.into())))
}

fn validate(body: &CreateMessage) -> Result<()> {
    if body.body.trim().is_empty() {
        return Err(Error::validation("the message is empty"));
    }
    let chars = body.body.chars().count();
    if chars > MAX_MESSAGE_CHARS {
        return Err(Error::new(
            ajet_core::ErrorCode::PayloadTooLarge,
            format!("the message is {chars} characters long; the limit is {MAX_MESSAGE_CHARS}"),
        ));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn body(text: &str, key: Option<&str>) -> CreateMessage {
        CreateMessage {
            body: text.to_owned(),
            idempotency_key: key.map(str::to_owned),
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
