//! The api's error type: typed 4xx bodies for the caller, logged 500s for us. Both are
//! answered through the one [`ErrorResponse`] every service shares.

use ajet_core::ErrorCode;
pub use ajet_edge::{ErrorResponse, JsonBody, PathParam, QueryParams};
use axum::response::{IntoResponse, Response};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Something the caller can fix; answered as is.
    #[error("{message}")]
    Client { code: ErrorCode, message: String },
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
}

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Client {
            code,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, message)
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::ValidationFailed, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unauthorized, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict, message)
    }
}

impl From<ErrorResponse> for Error {
    fn from(err: ErrorResponse) -> Self {
        Self::Client {
            code: err.code,
            message: err.message,
        }
    }
}

impl From<Error> for ErrorResponse {
    fn from(err: Error) -> Self {
        match err {
            Error::Client { code, message } => Self::new(code, message),
            Error::Sqlx(err) => {
                tracing::error!(error = %err, "database error");
                Self::internal()
            }
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        ErrorResponse::from(self).into_response()
    }
}
