//! `PUT` and `DELETE /api/messages/{message_id}/reactions/{emoji}`: react, idempotently.

use ajet_core::dto::{ReactionDto, Scope};
use ajet_core::{ErrorBody, EventData, MessageId};
use ajet_telemetry::TraceContext;
use axum::extract::State;
use axum::{Extension, Json};

use crate::auth::AuthUser;
use crate::error::{Error, PathParam, Result};
use crate::events::Recorder;
use crate::state::AppState;

/// Adds the caller's reaction; doing it twice changes nothing. Answers the message's
/// reactions.
#[utoipa::path(
    put,
    path = "/messages/{message_id}/reactions/{emoji}",
    tag = "messages",
    security(("bearer" = [])),
    params(
        ("message_id" = MessageId, Path, description = "The message."),
        ("emoji" = String, Path, description = "One Unicode emoji, URL-encoded; the presentation selector U+FE0F is optional."),
    ),
    responses(
        (status = 200, description = "The message's reactions, with the caller's (adding twice changes nothing).", body = [ReactionDto]),
        (status = 400, description = "An id in the path is not a UUID.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The token lacks the `messages:write` scope; or the caller may not post there.", body = ErrorBody),
        (status = 404, description = "No such message, or the caller cannot read its channel.", body = ErrorBody),
        (status = 409, description = "The message has been deleted.", body = ErrorBody),
        (status = 422, description = "The emoji is not a single Unicode emoji.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, message.id = %id))]
pub async fn add_reaction(
    State(state): State<AppState>,
    user: AuthUser,
    Extension(trace): Extension<TraceContext>,
    PathParam((id, emoji)): PathParam<(MessageId, String)>,
) -> Result<Json<Vec<ReactionDto>>> {
    react(&state, &user, trace, id, &emoji, true).await
}

/// Removes the caller's reaction; removing one that is not there changes nothing.
#[utoipa::path(
    delete,
    path = "/messages/{message_id}/reactions/{emoji}",
    tag = "messages",
    security(("bearer" = [])),
    params(
        ("message_id" = MessageId, Path, description = "The message."),
        ("emoji" = String, Path, description = "One Unicode emoji, URL-encoded; the presentation selector U+FE0F is optional."),
    ),
    responses(
        (status = 200, description = "The message's reactions, without the caller's (removing one not there changes nothing).", body = [ReactionDto]),
        (status = 400, description = "An id in the path is not a UUID.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The token lacks the `messages:write` scope.", body = ErrorBody),
        (status = 404, description = "No such message, or the caller cannot read its channel.", body = ErrorBody),
        (status = 409, description = "The message has been deleted.", body = ErrorBody),
        (status = 422, description = "The emoji is not a single Unicode emoji.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, message.id = %id))]
pub async fn remove_reaction(
    State(state): State<AppState>,
    user: AuthUser,
    Extension(trace): Extension<TraceContext>,
    PathParam((id, emoji)): PathParam<(MessageId, String)>,
) -> Result<Json<Vec<ReactionDto>>> {
    react(&state, &user, trace, id, &emoji, false).await
}

async fn react(
    state: &AppState,
    user: &AuthUser,
    trace: TraceContext,
    id: MessageId,
    emoji: &str,
    add: bool,
) -> Result<Json<Vec<ReactionDto>>> {
    user.require(Scope::MessagesWrite)?;
    let emoji = normalize_emoji(emoji).ok_or_else(|| {
        Error::validation(format!(
            "{emoji:?} is not an emoji; react with a Unicode emoji such as 👍"
        ))
    })?;
    let mut tx = state.db.begin().await?;
    let (message, channel) = super::readable(&mut tx, id, user).await?;
    if message.deleted_at.is_some() {
        return Err(Error::conflict("the message has been deleted"));
    }
    let changed = if add {
        crate::authz::postable_channel(&mut tx, channel.id, user.id).await?;
        ajet_db::reactions::add(&mut tx, id, user.id, &emoji).await?
    } else {
        ajet_db::reactions::remove(&mut tx, id, user.id, &emoji).await?
    };
    let mut events = Recorder::new(Some(trace.traceparent()));
    if changed {
        let data = if add {
            EventData::ReactionAdded {
                message_id: id,
                emoji: emoji.clone(),
                user_id: user.id,
            }
        } else {
            EventData::ReactionRemoved {
                message_id: id,
                emoji: emoji.clone(),
                user_id: user.id,
            }
        };
        events
            .channel(
                &mut tx,
                channel.community(),
                channel.id,
                Some(user.id),
                data,
            )
            .await?;
    }
    let reactions = ajet_db::reactions::for_messages(&mut tx, &[id], user.id)
        .await?
        .remove(&id)
        .unwrap_or_default();
    events.commit(tx, state).await?;
    Ok(Json(reactions))
}

/// The emoji as stored, or `None` when `s` is not a single Unicode emoji. The emoji
/// presentation selector (U+FE0F) is optional on input, as keyboards differ.
pub fn normalize_emoji(s: &str) -> Option<String> {
    if let Some(e) = emojis::get(s) {
        return Some(e.as_str().to_owned());
    }
    let bare: String = s.chars().filter(|c| *c != '\u{FE0F}').collect();
    emojis::get(&bare)
        .or_else(|| emojis::iter().find(|e| e.as_str().replace('\u{FE0F}', "") == bare))
        .map(|e| e.as_str().to_owned())
}

#[cfg(test)]
mod tests {
    use super::normalize_emoji;

    #[test]
    fn emoji_are_accepted_and_anything_else_rejected() {
        for ok in ["👍", "🎉", "❤️", "❤", "🏳️‍🌈", "👍🏽", "🇫🇷"] {
            assert!(normalize_emoji(ok).is_some(), "{ok}");
        }
        assert_eq!(normalize_emoji("❤"), normalize_emoji("❤️"));
        for bad in ["", "a", ":+1:", "👍👍", "<script>", "1"] {
            assert!(normalize_emoji(bad).is_none(), "{bad}");
        }
    }
}
