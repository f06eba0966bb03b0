//! Messages, threads and reactions.

pub mod create;
pub mod delete;
pub mod edit;
pub mod get;
pub mod list;
pub mod reactions;
pub mod thread;

use std::collections::HashMap;

use ajet_core::dto::MessageDto;
use ajet_core::{MessageId, UserId};
use ajet_db::PgConnection;

/// Fills in what a message row alone does not carry: reactions as `me` sees them, and the
/// participants of threads.
pub(crate) async fn enrich(
    conn: &mut PgConnection,
    messages: &mut [MessageDto],
    me: UserId,
) -> Result<(), sqlx::Error> {
    let ids: Vec<MessageId> = messages.iter().map(|m| m.id).collect();
    let mut reactions = ajet_db::reactions::for_messages(conn, &ids, me).await?;
    let parents: Vec<MessageId> = messages
        .iter()
        .filter(|m| m.reply_count > 0)
        .map(|m| m.id)
        .collect();
    let mut participants: HashMap<MessageId, Vec<ajet_core::dto::Replier>> = HashMap::new();
    for (parent, user) in ajet_db::messages::participants(conn, &parents).await? {
        participants.entry(parent).or_default().push(user);
    }
    for message in messages {
        message.reactions = reactions.remove(&message.id).unwrap_or_default();
        message.reply_participants = participants.remove(&message.id).unwrap_or_default();
    }
    Ok(())
}

/// The message `id` with its channel, if the caller may read that channel.
pub(crate) async fn readable(
    conn: &mut PgConnection,
    id: MessageId,
    user: &crate::auth::AuthUser,
) -> crate::error::Result<(ajet_db::messages::Message, ajet_db::channels::Channel)> {
    let not_found =
        || crate::error::Error::not_found("there is no such message, or you cannot see it");
    let message = ajet_db::messages::get(conn, id)
        .await?
        .ok_or_else(not_found)?;
    user.check_channel(message.channel_id)
        .map_err(|_| not_found())?;
    let channel = crate::authz::readable_channel(conn, message.channel_id, user.id)
        .await
        .map_err(|err| match err {
            crate::error::Error::Client {
                code: ajet_core::ErrorCode::NotFound,
                ..
            } => not_found(),
            other => other,
        })?;
    Ok((message, channel))
}
