//! `GET /api/messages/{message_id}/replies`: a thread's replies.

use ajet_core::dto::{MessageDto, MessagePage, Scope};
use ajet_core::limits::{DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT};
use ajet_core::{ErrorBody, MessageId};
use ajet_db::messages::PageFrom;
use axum::Json;
use axum::extract::State;

use super::list::PageQuery;
use crate::auth::AuthUser;
use crate::error::{Error, PathParam, QueryParams, Result};
use crate::state::AppState;

/// Replies oldest first: the newest page by default, or before/after a reply.
#[utoipa::path(
    get,
    path = "/messages/{message_id}/replies",
    tag = "messages",
    security(("bearer" = [])),
    params(
        ("message_id" = MessageId, Path, description = "The message."),
        PageQuery
    ),
    responses(
        (status = 200, description = "A page of the thread's replies, oldest first.", body = MessagePage),
        (status = 400, description = "The path or query could not be read, both `before` and `after` were given, or the cursor is not a reply in this thread.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The token lacks the `messages:read` scope; or the caller is banned from its community.", body = ErrorBody),
        (status = 404, description = "No such message, or the caller cannot read its channel.", body = ErrorBody),
        (status = 422, description = "`limit` is out of range, or the message is itself a reply.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, message.id = %id))]
pub async fn list_replies(
    State(state): State<AppState>,
    user: AuthUser,
    PathParam(id): PathParam<MessageId>,
    QueryParams(query): QueryParams<PageQuery>,
) -> Result<Json<MessagePage>> {
    user.require(Scope::MessagesRead)?;
    let limit = query.limit.unwrap_or(DEFAULT_PAGE_LIMIT);
    if !(1..=MAX_PAGE_LIMIT).contains(&limit) {
        return Err(Error::validation(format!(
            "limit must be between 1 and {MAX_PAGE_LIMIT}"
        )));
    }
    let mut conn = state.db.acquire().await?;
    let (parent, _) = super::readable(&mut conn, id, &user).await?;
    if parent.parent_id.is_some() {
        return Err(Error::validation(
            "this message is a reply; its thread is under its parent",
        ));
    }
    let from = match (query.before, query.after) {
        (Some(_), Some(_)) => {
            return Err(Error::bad_request("give either before or after, not both"));
        }
        (Some(reply), None) => PageFrom::Before(reply_seq(&mut conn, reply, id).await?),
        (None, Some(reply)) => PageFrom::After(reply_seq(&mut conn, reply, id).await?),
        (None, None) => PageFrom::Latest,
    };
    let (rows, has_more) = ajet_db::messages::list_thread(&mut conn, id, from, limit).await?;
    let mut messages: Vec<MessageDto> = rows.into_iter().map(Into::into).collect();
    super::enrich(&mut conn, &mut messages, user.id).await?;
    Ok(Json(MessagePage { messages, has_more }))
}

async fn reply_seq(
    conn: &mut ajet_db::PgConnection,
    reply: MessageId,
    parent: MessageId,
) -> Result<i64> {
    match ajet_db::messages::get(conn, reply).await? {
        Some(m) if m.parent_id == Some(parent.as_uuid()) => Ok(m.seq),
        Some(_) => Err(Error::bad_request(
            "the cursor is not a reply in this thread",
        )),
        None => Err(Error::bad_request("the cursor is not a known message id")),
    }
}
