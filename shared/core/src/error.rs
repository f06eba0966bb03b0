//! The error codes every service answers with, as `{"error": code, "message": sentence}`.

use serde::{Deserialize, Serialize};

/// What went wrong, in a form a program can match on. The HTTP status follows from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    #[error("bad request")]
    BadRequest,
    /// A slash command that is neither built in nor registered in the community.
    #[error("unknown command")]
    UnknownCommand,
    #[error("invalid JSON")]
    InvalidJson,
    #[error("validation failed")]
    ValidationFailed,
    #[error("unauthorized")]
    Unauthorized,
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("conflict")]
    Conflict,
    /// Something that existed and no longer can be used (a revoked, expired or used-up invite).
    #[error("gone")]
    Gone,
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("rate limited")]
    RateLimited,
    #[error("internal error")]
    Internal,
    #[error("service unavailable")]
    Unavailable,
    /// A code this build does not know yet; servers only ever add codes.
    #[serde(other)]
    #[error("unknown error")]
    Unknown,
}

impl ErrorCode {
    /// Every code, for tables and tests.
    pub const ALL: [ErrorCode; 15] = [
        Self::BadRequest,
        Self::UnknownCommand,
        Self::InvalidJson,
        Self::ValidationFailed,
        Self::Unauthorized,
        Self::Forbidden,
        Self::NotFound,
        Self::MethodNotAllowed,
        Self::Conflict,
        Self::Gone,
        Self::PayloadTooLarge,
        Self::RateLimited,
        Self::Internal,
        Self::Unavailable,
        Self::Unknown,
    ];

    /// The code as it appears in a body's `"error"` field.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "bad_request",
            Self::UnknownCommand => "unknown_command",
            Self::InvalidJson => "invalid_json",
            Self::ValidationFailed => "validation_failed",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Conflict => "conflict",
            Self::Gone => "gone",
            Self::PayloadTooLarge => "payload_too_large",
            Self::RateLimited => "rate_limited",
            Self::Internal => "internal",
            Self::Unavailable => "unavailable",
            Self::Unknown => "unknown",
        }
    }

    /// The HTTP status this code is answered with.
    pub fn status(self) -> u16 {
        match self {
            Self::BadRequest | Self::InvalidJson | Self::UnknownCommand => 400,
            Self::Unauthorized => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::Conflict => 409,
            Self::Gone => 410,
            Self::PayloadTooLarge => 413,
            Self::ValidationFailed => 422,
            Self::RateLimited => 429,
            Self::Internal | Self::Unknown => 500,
            Self::Unavailable => 503,
        }
    }
}

/// The body of every error response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorCode,
    pub message: String,
}

impl ErrorBody {
    pub fn new(error: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            error,
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialise_as_snake_case() {
        let body = ErrorBody::new(ErrorCode::InvalidJson, "expected a value");
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(json["error"], "invalid_json");
        assert_eq!(json["message"], "expected a value");
    }

    #[test]
    fn as_str_is_the_serialised_code() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_value(code).unwrap();
            assert_eq!(json, code.as_str(), "{code:?}");
            let back: ErrorCode = serde_json::from_value(json).unwrap();
            assert_eq!(back, code);
        }
    }

    #[test]
    fn statuses_are_client_or_server_errors() {
        for code in ErrorCode::ALL {
            let status = code.status();
            let server = matches!(
                code,
                ErrorCode::Internal | ErrorCode::Unavailable | ErrorCode::Unknown
            );
            assert_eq!(status >= 500, server, "{code:?} answers {status}");
            assert!((400..600).contains(&status), "{code:?} answers {status}");
        }
    }

    #[test]
    fn unknown_command_is_a_400() {
        assert_eq!(
            serde_json::to_value(ErrorCode::UnknownCommand).unwrap(),
            "unknown_command"
        );
        assert_eq!(ErrorCode::UnknownCommand.status(), 400);
    }

    #[test]
    fn unknown_codes_still_parse() {
        let body: ErrorBody =
            serde_json::from_str(r#"{"error":"brand_new","message":"m"}"#).unwrap();
        assert_eq!(body.error, ErrorCode::Unknown);
    }
}
