//! The browser's live stream, `GET /events`, and its signals, `POST /events/typing` and
//! `POST /events/view`: the same subscription and resume machinery as the terminal's.

use ajet_core::CommunityId;
use ajet_edge::{ErrorResponse, JsonBody, QueryParams};
use ajet_realtime::session::{TypingSignal, ViewRequest};
use ajet_realtime::sse;
use ajet_telemetry::{TRACE_ID, TRACEPARENT, TraceContext};
use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::state::AppState;

/// `?community=<id>`: view one community (all when absent).
#[derive(Debug, Deserialize)]
pub struct StreamQuery {
    pub community: Option<CommunityId>,
}

/// The signed-in user's events as SSE; `Last-Event-ID` resumes.
pub async fn open_stream(
    State(state): State<AppState>,
    Extension(trace): Extension<TraceContext>,
    headers: HeaderMap,
    QueryParams(query): QueryParams<StreamQuery>,
) -> Response {
    let Some(api) = user_api(&state, &trace, &headers) else {
        return unauthorized();
    };
    let resume = sse::last_event_id(&headers);
    match state
        .sessions
        .open_stream(api, query.community, resume)
        .await
    {
        Ok(sse) => sse.into_response(),
        Err(err) => ErrorResponse::from(err).into_response(),
    }
}

/// Typing started or stopped.
pub async fn typing(
    State(state): State<AppState>,
    Extension(trace): Extension<TraceContext>,
    headers: HeaderMap,
    JsonBody(signal): JsonBody<TypingSignal>,
) -> Response {
    let Some(api) = user_api(&state, &trace, &headers) else {
        return unauthorized();
    };
    match state.sessions.typing(api, signal).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(err) => ErrorResponse::from(err).into_response(),
    }
}

/// Switches the community a connection views.
pub async fn switch_view(
    State(state): State<AppState>,
    Extension(trace): Extension<TraceContext>,
    headers: HeaderMap,
    JsonBody(request): JsonBody<ViewRequest>,
) -> Response {
    let Some(api) = user_api(&state, &trace, &headers) else {
        return unauthorized();
    };
    match state.sessions.switch_view(api, request).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(err) => ErrorResponse::from(err).into_response(),
    }
}

/// The api acting as the caller, or `None` when the request carries no usable token.
fn user_api(
    state: &AppState,
    trace: &TraceContext,
    headers: &HeaderMap,
) -> Option<ajet_sdk::Client> {
    let token = ajet_edge::presented_token(headers)?;
    let api = state.sessions.api.clone().with_token(token).ok()?;
    Some(
        api.with_header(TRACEPARENT, &trace.child().traceparent())
            .with_header(TRACE_ID, &trace.trace_id),
    )
}

fn unauthorized() -> Response {
    ErrorResponse::unauthorized("sign in first").into_response()
}
