//! Every route of the web session manager.

use axum::Router;
use axum::routing::{get, post};

use crate::handlers::{events, health, home};
use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(ajet_telemetry::health))
        .route("/ready", get(health::ready))
        .route("/", get(home::home))
        .route("/events", get(events::open_stream))
        .route("/events/typing", post(events::typing))
        .route("/events/view", post(events::switch_view))
        .fallback(ajet_edge::not_found)
        .layer(axum::middleware::from_fn(ajet_telemetry::trace_requests))
        .with_state(state)
}
