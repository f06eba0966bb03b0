//! `GET /api/channels/{channel_id}/messages`: a page of history.

use ajet_core::dto::{MessageDto, MessagePage, Scope};
use ajet_core::limits::{DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT};
use ajet_core::{ChannelId, ErrorBody, MessageId};
use ajet_db::messages::{self, PageFrom};
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use sqlx::PgConnection;

use crate::auth::AuthUser;
use crate::error::{Error, PathParam, QueryParams, Result};
use crate::state::AppState;

/// `?before=<message id>` or `?after=<message id>`, and `limit`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// The page just before this message (not with `after`).
    pub before: Option<MessageId>,
    /// The page just after this message (not with `before`).
    pub after: Option<MessageId>,
    /// At most this many, 1 to 200 (default 50).
    pub limit: Option<u32>,
}

/// Top-level messages, oldest first: the newest page by default, or the page before or
/// after a message.
#[utoipa::path(
    get,
    path = "/channels/{channel_id}/messages",
    tag = "messages",
    security(("bearer" = [])),
    params(
        ("channel_id" = ChannelId, Path, description = "The channel, DM or group DM."),
        PageQuery
    ),
    responses(
        (status = 200, description = "A page of top-level messages, oldest first.", body = MessagePage),
        (status = 400, description = "The path or query could not be read, both `before` and `after` were given, or the cursor is not a message of this channel.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The token lacks the `messages:read` scope; or the caller is banned from its community.", body = ErrorBody),
        (status = 404, description = "No such channel, or the caller is not a member of it (private channels and DMs answer 404 to outsiders).", body = ErrorBody),
        (status = 422, description = "`limit` is out of range.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, channel.id = %channel_id))]
pub async fn list_messages(
    State(state): State<AppState>,
    user: AuthUser,
    PathParam(channel_id): PathParam<ChannelId>,
    QueryParams(query): QueryParams<PageQuery>,
) -> Result<Json<MessagePage>> {
    user.require(Scope::MessagesRead)?;
    user.check_channel(channel_id)?;
    let limit = query.limit.unwrap_or(DEFAULT_PAGE_LIMIT);
    if !(1..=MAX_PAGE_LIMIT).contains(&limit) {
        return Err(Error::validation(format!(
            "limit must be between 1 and {MAX_PAGE_LIMIT}"
        )));
    }
    let mut conn = state.db.acquire().await?;
    crate::authz::readable_channel(&mut conn, channel_id, user.id).await?;
    let from = match (query.before, query.after) {
        (Some(_), Some(_)) => {
            return Err(Error::bad_request("give either before or after, not both"));
        }
        (Some(id), None) => PageFrom::Before(cursor(&mut conn, id, channel_id).await?),
        (None, Some(id)) => PageFrom::After(cursor(&mut conn, id, channel_id).await?),
        (None, None) => PageFrom::Latest,
    };
    let (rows, has_more) = messages::list(&mut conn, channel_id, from, limit).await?;
    let mut messages: Vec<MessageDto> = rows.into_iter().map(Into::into).collect();
    super::enrich(&mut conn, &mut messages, user.id).await?;
    Ok(Json(MessagePage { messages, has_more }))
}

/// The position of cursor message `id`, which must belong to `channel`.
async fn cursor(conn: &mut PgConnection, id: MessageId, channel: ChannelId) -> Result<i64> {
    match messages::position(conn, id).await? {
        Some((in_channel, seq)) if in_channel == channel => Ok(seq),
        Some(_) => Err(Error::bad_request(
            "the cursor is a message of another channel; page with ids from this channel",
        )),
        None => Err(Error::bad_request("the cursor is not a known message id")),
    }
}
