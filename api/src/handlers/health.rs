//! `GET /ready`: whether the api's dependencies answer.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::state::AppState;

/// Ready when the database answers and the bus is connected.
pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let database = ajet_db::ping(&state.db).await;
    let bus = state.bus.is_connected();
    let ready = database && bus;
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(json!({ "ready": ready, "checks": { "database": database, "bus": bus } })),
    )
}
