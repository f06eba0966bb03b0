//! Posting a message: shared by the REST handler, webhooks and slash commands.

use ajet_core::dto::MessageDto;
use ajet_core::{ChannelId, Envelope, ErrorCode, EventData, UserId, subjects};
use ajet_db::messages::{self, NewMessage};
use ajet_db::{channels, outbox};

use crate::error::{Error, Result};
use crate::state::AppState;

/// A message to post, already validated.
pub struct Post<'a> {
    pub channel: ChannelId,
    pub author: UserId,
    pub body: &'a str,
    pub idempotency_key: Option<&'a str>,
    /// The W3C trace context of the request, passed on with the event.
    pub traceparent: Option<String>,
}

/// What posting did.
pub enum Posted {
    /// A new message was stored and its event recorded.
    Created(MessageDto),
    /// The idempotency key was used before: this is the first message, nothing was stored.
    Replayed(MessageDto),
}

/// Stores the message and its event in one transaction, then hands the event to the relay.
/// The author must be a member of the channel (404 otherwise, as for a missing channel).
pub async fn post(state: &AppState, post: Post<'_>) -> Result<Posted> {
    let mut tx = state.db.begin().await?;
    let channel = channels::get_for_member(&mut tx, post.channel, post.author)
        .await?
        .ok_or_else(|| {
            Error::not_found("there is no such channel, or you are not a member of it")
        })?;
    if channel.archived_at.is_some() {
        return Err(Error::new(
            ErrorCode::Forbidden,
            "the channel is archived; nothing can be posted to it",
        ));
    }
    if let Some(key) = post.idempotency_key
        && let Some(existing) = messages::by_idempotency_key(&mut tx, post.author, key).await?
    {
        return replay(existing, post.channel);
    }
    let inserted = messages::insert(
        &mut tx,
        NewMessage {
            channel: post.channel,
            author: post.author,
            body: post.body,
            idempotency_key: post.idempotency_key,
        },
    )
    .await;
    let message: MessageDto = match inserted {
        Ok(message) => message.into(),
        // A concurrent retry with the same key committed first: answer with its message.
        Err(err) if ajet_db::error::is_unique_violation(&err, messages::IDEMPOTENCY_CONSTRAINT) => {
            drop(tx);
            let mut conn = state.db.acquire().await?;
            let existing = messages::by_idempotency_key(
                &mut conn,
                post.author,
                post.idempotency_key.unwrap_or_default(),
            )
            .await?
            .ok_or(Error::Sqlx(err))?;
            return replay(existing, post.channel);
        }
        Err(err) => return Err(err.into()),
    };
    let event = Envelope::for_channel(
        channel.community(),
        post.channel,
        Some(post.author),
        EventData::MessageCreated(message.clone()),
    );
    let subject = subjects::channel_events(channel.community(), post.channel);
    let recorded = outbox::insert(&mut tx, &subject, &event, post.traceparent.as_deref()).await?;
    tx.commit().await?;
    state.relay.committed(recorded);
    Ok(Posted::Created(message))
}

fn replay(existing: messages::Message, channel: ChannelId) -> Result<Posted> {
    if existing.channel_id != channel {
        return Err(Error::conflict(
            "this idempotency key was already used for a message in another channel",
        ));
    }
    Ok(Posted::Replayed(existing.into()))
}
