//! `GET /tui/stream`: the caller's live events as SSE.

use ajet_core::ErrorCode;
use ajet_realtime::{Key, sse};
use ajet_telemetry::{TRACE_ID, TRACEPARENT, TraceContext};
use axum::Extension;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::response::IntoResponse;

use crate::error::{Error, Result};
use crate::state::AppState;

/// Events of every channel and DM the caller belongs to, their communities' events and
/// their notifications. Send `Last-Event-ID` to resume after a disconnect.
pub async fn open_stream(
    State(state): State<AppState>,
    Extension(trace): Extension<TraceContext>,
    headers: HeaderMap,
) -> Result<impl IntoResponse> {
    let token = bearer(&headers).ok_or_else(|| Error::Client {
        code: ErrorCode::Unauthorized,
        message: "sign in first: send your token as Authorization: Bearer <token>".into(),
    })?;
    let api = state
        .api
        .clone()
        .with_token(token)?
        .with_header(TRACEPARENT, &trace.child().traceparent())
        .with_header(TRACE_ID, &trace.trace_id);
    let (me, channels) = tokio::try_join!(api.me(), api.channels())?;
    let mut keys = vec![Key::User(me.user.id)];
    keys.extend(channels.iter().map(|c| Key::Channel(c.id)));
    keys.extend(me.communities.iter().map(|c| Key::Community(c.id)));
    let resume = sse::last_event_id(&headers);
    tracing::info!(user.id = %me.user.id, channels = channels.len(), ?resume, "stream opened");
    let subscription = state.hub.subscribe(keys, resume).await;
    Ok(sse::respond(subscription, state.stop.clone()))
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}
