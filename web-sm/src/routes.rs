//! Every route of the web session manager.

use axum::Router;
use axum::routing::get;

use crate::handlers::{health, home};
use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(ajet_telemetry::health))
        .route("/ready", get(health::ready))
        .route("/", get(home::home))
        .fallback(ajet_telemetry::not_found)
        .layer(axum::middleware::from_fn(ajet_telemetry::trace_requests))
        .with_state(state)
}
