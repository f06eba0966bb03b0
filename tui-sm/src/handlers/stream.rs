//! `GET /tui/stream`, and the client's signals: `POST /tui/typing`, `POST /tui/view`.

use ajet_core::CommunityId;
use ajet_edge::{ErrorResponse, JsonBody, QueryParams};
use ajet_realtime::session::{TypingSignal, ViewRequest};
use ajet_realtime::sse;
use ajet_telemetry::{TRACE_ID, TRACEPARENT, TraceContext};
use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde::Deserialize;

use crate::state::AppState;

/// `?community=<id>`: view one community (all when absent).
#[derive(Debug, Deserialize)]
pub struct StreamQuery {
    pub community: Option<CommunityId>,
}

/// Events of every channel and DM the caller belongs to (of the viewed community only,
/// with `?community=`), their communities' events and their notifications. The first event
/// is `hello` with the connection's id. Send `Last-Event-ID` to resume after a disconnect.
pub async fn open_stream(
    State(state): State<AppState>,
    Extension(trace): Extension<TraceContext>,
    headers: HeaderMap,
    QueryParams(query): QueryParams<StreamQuery>,
) -> Result<impl IntoResponse, ErrorResponse> {
    let api = user_api(&state, &trace, &headers)?;
    let resume = sse::last_event_id(&headers);
    Ok(state.open_stream(api, query.community, resume).await?)
}

/// Typing started (`"typing": true`, on keypress) or stopped (`false`, on send or clear).
pub async fn typing(
    State(state): State<AppState>,
    Extension(trace): Extension<TraceContext>,
    headers: HeaderMap,
    JsonBody(signal): JsonBody<TypingSignal>,
) -> Result<StatusCode, ErrorResponse> {
    let api = user_api(&state, &trace, &headers)?;
    state.typing(api, signal).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Switches the community a connection (named by the `hello` event's id) views.
pub async fn switch_view(
    State(state): State<AppState>,
    Extension(trace): Extension<TraceContext>,
    headers: HeaderMap,
    JsonBody(request): JsonBody<ViewRequest>,
) -> Result<StatusCode, ErrorResponse> {
    let api = user_api(&state, &trace, &headers)?;
    state.switch_view(api, request).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The api, acting as the caller, carrying this request's trace.
fn user_api(
    state: &AppState,
    trace: &TraceContext,
    headers: &HeaderMap,
) -> Result<ajet_sdk::Client, ErrorResponse> {
    let token = ajet_edge::presented_token(headers).ok_or_else(|| {
        ErrorResponse::unauthorized(
            "sign in first: send your token as Authorization: Bearer <token>",
        )
    })?;
    Ok(state
        .api
        .clone()
        .with_token(token)?
        .with_header(TRACEPARENT, &trace.child().traceparent())
        .with_header(TRACE_ID, &trace.trace_id))
}
