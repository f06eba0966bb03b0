//! The error every shared handler of a session manager answers with.

use ajet_core::ErrorCode;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A refusal of the session manager's own, or the api's answer passed on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{message}")]
    Client { code: ErrorCode, message: String },
    /// The api answered with an error for this user (passed on as is), or could not be
    /// reached (a 503).
    #[error(transparent)]
    Api(#[from] ajet_sdk::Error),
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let (code, message) = match self {
            Self::Client { code, message } => (code, message),
            Self::Api(ajet_sdk::Error::Api { body, .. }) => (body.error, body.message),
            Self::Api(err) => {
                tracing::error!(error = %err, "the api is unreachable");
                (
                    ErrorCode::Unavailable,
                    "the api is unreachable; try again shortly".to_owned(),
                )
            }
        };
        let status =
            StatusCode::from_u16(code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let code = serde_json::to_value(code)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_else(|| "internal".to_owned());
        ajet_telemetry::error_response(status, &code, &message)
    }
}
