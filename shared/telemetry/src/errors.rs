//! Error responses in the shape every service answers with.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// `{"error": code, "message": sentence}` with the status that goes with `code`
/// (a snake_case code of `ajet_core::ErrorCode`).
pub fn error_response(status: StatusCode, code: &str, message: &str) -> Response {
    let mut response = (status, Json(json!({ "error": code, "message": message }))).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}

/// Fallback for routes that do not exist.
pub async fn not_found() -> Response {
    error_response(StatusCode::NOT_FOUND, "not_found", "there is no such route")
}
