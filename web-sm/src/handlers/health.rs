//! `GET /ready`: the api answers and the hub follows the event stream.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::state::AppState;

pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let api = state.sessions.api.probe("/health").await;
    let bus = state.sessions.hub.is_ready();
    let ready = api && bus;
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(json!({ "ready": ready, "checks": { "api": api, "bus": bus } })),
    )
}
