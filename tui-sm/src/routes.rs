//! Every route of the terminal session manager (behind the gateway's `/tui/*`).

use axum::Router;
use axum::routing::{get, post};

use crate::handlers::{health, stream};
use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(ajet_telemetry::health))
        .route("/ready", get(health::ready))
        .route("/tui/stream", get(stream::open_stream))
        .route("/tui/typing", post(stream::typing))
        .route("/tui/view", post(stream::switch_view))
        .fallback(ajet_edge::not_found)
        .layer(axum::middleware::from_fn(ajet_telemetry::trace_requests))
        .with_state(state)
}
