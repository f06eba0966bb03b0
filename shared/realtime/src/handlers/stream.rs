//! The live stream and the signals its client sends: the same three routes in every
//! session manager, under each one's own paths.

use ajet_core::CommunityId;
use ajet_edge::{ErrorResponse, JsonBody, QueryParams};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;

use super::user::UserApi;
use crate::session::{Sessions, TypingSignal, ViewRequest};
use crate::sse::{self, EventStream};

/// `?community=<id>`: view one community (all when absent). `?after=<position>`: resume
/// after that position, as `Last-Event-ID` does (which wins when both are sent): a page
/// built at that position misses nothing that happened while it loaded.
#[derive(Debug, Deserialize)]
pub struct StreamQuery {
    pub community: Option<CommunityId>,
    pub after: Option<u64>,
}

/// Events of every channel and DM the caller belongs to (of the viewed community only,
/// with `?community=`), their communities' events and their notifications, each framed
/// as the session manager's [`Framer`](crate::frame::Framer) renders it. The first event
/// is `hello` with the connection's id. Send `Last-Event-ID` to resume after a
/// disconnect, or `?after=` to start from a known position.
pub async fn open_stream(
    State(sessions): State<Sessions>,
    UserApi(api): UserApi,
    headers: HeaderMap,
    QueryParams(query): QueryParams<StreamQuery>,
) -> Result<EventStream, ErrorResponse> {
    let resume = sse::last_event_id(&headers).or(query.after.filter(|&after| after > 0));
    Ok(sessions.open_stream(api, query.community, resume).await?)
}

/// Typing started (`"typing": true`, on keypress) or stopped (`false`, on send or clear).
pub async fn typing(
    State(sessions): State<Sessions>,
    UserApi(api): UserApi,
    JsonBody(signal): JsonBody<TypingSignal>,
) -> Result<StatusCode, ErrorResponse> {
    sessions.typing(api, signal).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Switches the community a connection (named by the `hello` event's id) views.
pub async fn switch_view(
    State(sessions): State<Sessions>,
    UserApi(api): UserApi,
    JsonBody(request): JsonBody<ViewRequest>,
) -> Result<StatusCode, ErrorResponse> {
    sessions.switch_view(api, request).await?;
    Ok(StatusCode::NO_CONTENT)
}
