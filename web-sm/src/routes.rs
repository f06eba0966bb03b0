//! Every route of the web session manager: its pages, and the live stream and its
//! signals, shared with tui-sm.

use ajet_realtime::handlers;
use axum::Router;
use axum::routing::{get, post};

use crate::handlers::home;
use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(ajet_telemetry::health))
        .route("/ready", get(handlers::ready))
        .route("/", get(home::home))
        .route("/events", get(handlers::open_stream))
        .route("/events/typing", post(handlers::typing))
        .route("/events/view", post(handlers::switch_view))
        .fallback(ajet_telemetry::not_found)
        .layer(axum::middleware::from_fn(ajet_telemetry::trace_requests))
        .with_state(state)
}
