//! The caller's notifications.

use ajet_core::dto::{MarkNotificationsRead, NotificationPage, Scope};
use ajet_core::{ErrorBody, NotificationId};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};

use crate::auth::AuthUser;
use crate::error::{Error, JsonBody, QueryParams, Result};
use crate::state::AppState;

/// `?unread=true&before=<id>&limit=N`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationsQuery {
    /// Only the unread ones.
    #[serde(default)]
    pub unread: bool,
    /// The page after (older than) this notification.
    pub before: Option<NotificationId>,
    /// At most this many, 1 to 200 (default 50).
    pub limit: Option<u32>,
}

/// `GET /api/notifications`: newest first, with the unread count.
#[utoipa::path(
    get,
    path = "/notifications",
    tag = "notifications",
    security(("bearer" = [])),
    params(
        NotificationsQuery
    ),
    responses(
        (status = 200, description = "A page of notifications, newest first, with the unread count.", body = NotificationPage),
        (status = 400, description = "The path, query string or body could not be read.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The token lacks the `messages:read` scope.", body = ErrorBody),
        (status = 422, description = "`limit` is out of range.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id))]
pub async fn list_notifications(
    State(state): State<AppState>,
    user: AuthUser,
    QueryParams(query): QueryParams<NotificationsQuery>,
) -> Result<Json<NotificationPage>> {
    user.require(Scope::MessagesRead)?;
    let limit = query.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(Error::validation("limit must be between 1 and 200"));
    }
    let mut conn = state.db.acquire().await?;
    let (notifications, has_more) =
        ajet_db::notifications::list(&mut conn, user.id, query.unread, query.before, limit).await?;
    let unread_count = ajet_db::notifications::unread_count(&mut conn, user.id).await?;
    Ok(Json(NotificationPage {
        notifications,
        unread_count,
        has_more,
    }))
}

/// How many of the caller's notifications are unread.
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct UnreadCount {
    pub unread_count: i64,
}

/// `GET /api/notifications/count`: how many are unread.
#[utoipa::path(
    get,
    path = "/notifications/count",
    tag = "notifications",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "How many notifications are unread.", body = UnreadCount),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The token lacks the `messages:read` scope.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id))]
pub async fn count_notifications(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<UnreadCount>> {
    user.require(Scope::MessagesRead)?;
    let mut conn = state.db.acquire().await?;
    let unread_count = ajet_db::notifications::unread_count(&mut conn, user.id).await?;
    Ok(Json(UnreadCount { unread_count }))
}

/// `POST /api/notifications/read`: mark some (`ids`) or all (`all: true`) read; answers
/// the unread count left.
#[utoipa::path(
    post,
    path = "/notifications/read",
    tag = "notifications",
    security(("bearer" = [])),
    request_body = MarkNotificationsRead,
    responses(
        (status = 200, description = "How many notifications are left unread.", body = UnreadCount),
        (status = 400, description = "The path, query string or body could not be read.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The token lacks the `messages:read` scope.", body = ErrorBody),
        (status = 413, description = "The body is larger than the api accepts.", body = ErrorBody),
        (status = 422, description = "Neither `ids` nor `all: true`, or more than 1000 ids.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id))]
pub async fn mark_notifications_read(
    State(state): State<AppState>,
    user: AuthUser,
    JsonBody(body): JsonBody<MarkNotificationsRead>,
) -> Result<Json<UnreadCount>> {
    user.require(Scope::MessagesRead)?;
    if body.ids.is_empty() && !body.all {
        return Err(Error::validation("give the ids to mark read, or all: true"));
    }
    if body.ids.len() > 1000 {
        return Err(Error::validation(
            "mark at most 1000 ids at once, or use all: true",
        ));
    }
    let mut conn = state.db.acquire().await?;
    ajet_db::notifications::mark_read(&mut conn, user.id, &body.ids, body.all).await?;
    let unread_count = ajet_db::notifications::unread_count(&mut conn, user.id).await?;
    Ok(Json(UnreadCount { unread_count }))
}
