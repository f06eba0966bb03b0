//! `GET /ready`: the api answers.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::state::AppState;

pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let api = state.api.probe("/health").await;
    let status = if api {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(json!({ "ready": api, "checks": { "api": api } })),
    )
}
