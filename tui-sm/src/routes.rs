//! Every route of the terminal session manager (behind the gateway's `/tui/*`): the
//! stream and its signals, shared with web-sm.

use ajet_realtime::handlers;
use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(ajet_telemetry::health))
        .route("/ready", get(handlers::ready))
        .route("/tui/stream", get(handlers::open_stream))
        .route("/tui/typing", post(handlers::typing))
        .route("/tui/view", post(handlers::switch_view))
        .fallback(ajet_edge::not_found)
        .layer(axum::middleware::from_fn(ajet_telemetry::trace_requests))
        .with_state(state)
}
