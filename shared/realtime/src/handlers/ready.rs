//! `GET /ready`: the api answers and the hub follows the event stream.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::session::Sessions;

/// 200 when the api answers and the hub follows the stream, else 503; the body names
/// which check failed.
pub async fn ready(State(sessions): State<Sessions>) -> (StatusCode, Json<Value>) {
    let api = sessions.api.probe("/health").await;
    let bus = sessions.hub.is_ready();
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
