//! The one error response: `{"error": code, "message": sentence}`, with the status the
//! code implies.

use ajet_core::{ErrorBody, ErrorCode};
use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// An error as the caller sees it. Its HTTP status follows from its code; a 401 also
/// carries `WWW-Authenticate: Bearer`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ErrorResponse {
    pub code: ErrorCode,
    pub message: String,
}

impl ErrorResponse {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
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

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unauthorized, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unavailable, message)
    }

    /// The answer to a failure that is ours, not the caller's (logged by whoever saw it).
    pub fn internal() -> Self {
        Self::new(
            ErrorCode::Internal,
            "something went wrong on our side; it has been logged",
        )
    }

    /// The HTTP status the code implies.
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl From<ErrorBody> for ErrorResponse {
    fn from(body: ErrorBody) -> Self {
        Self::new(body.error, body.message)
    }
}

impl IntoResponse for ErrorResponse {
    fn into_response(self) -> Response {
        let status = self.status();
        let unauthorized = self.code == ErrorCode::Unauthorized;
        let mut response = (status, Json(ErrorBody::new(self.code, self.message))).into_response();
        if unauthorized {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// Fallback for routes that do not exist.
pub async fn not_found() -> ErrorResponse {
    ErrorResponse::not_found("there is no such route")
}

impl From<JsonRejection> for ErrorResponse {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::MissingJsonContentType(_) => {
                Self::bad_request("send the body as JSON with Content-Type: application/json")
            }
            JsonRejection::JsonSyntaxError(err) => Self::new(
                ErrorCode::InvalidJson,
                format!("the body is not valid JSON: {}", err.body_text()),
            ),
            JsonRejection::JsonDataError(err) => Self::validation(err.body_text()),
            JsonRejection::BytesRejection(_) => {
                Self::new(ErrorCode::PayloadTooLarge, "the request body is too large")
            }
            other => Self::bad_request(other.body_text()),
        }
    }
}

impl From<PathRejection> for ErrorResponse {
    fn from(rejection: PathRejection) -> Self {
        Self::bad_request(format!("the path is not valid: {}", rejection.body_text()))
    }
}

impl From<QueryRejection> for ErrorResponse {
    fn from(rejection: QueryRejection) -> Self {
        Self::bad_request(format!(
            "the query string is not valid: {}",
            rejection.body_text()
        ))
    }
}

/// The api's answer passed on as it is; an api that cannot be reached is unavailable.
#[cfg(feature = "sdk")]
impl From<ajet_sdk::Error> for ErrorResponse {
    fn from(err: ajet_sdk::Error) -> Self {
        match err {
            ajet_sdk::Error::Api { body, .. } => body.into(),
            other => {
                tracing::error!(error = %other, "the api is unreachable");
                Self::unavailable("the api is unreachable; try again shortly")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    async fn answer(err: ErrorResponse) -> (StatusCode, Option<HeaderValue>, serde_json::Value) {
        let response = err.into_response();
        let status = response.status();
        let challenge = response.headers().get(header::WWW_AUTHENTICATE).cloned();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, challenge, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn every_code_answers_its_status_and_body() {
        for code in ErrorCode::ALL {
            let (status, challenge, body) = answer(ErrorResponse::new(code, "a sentence")).await;
            assert_eq!(status.as_u16(), code.status(), "{code:?}");
            assert_eq!(
                body,
                serde_json::json!({ "error": code.as_str(), "message": "a sentence" }),
                "{code:?}"
            );
            assert_eq!(
                challenge.is_some(),
                code == ErrorCode::Unauthorized,
                "{code:?}: WWW-Authenticate only on 401"
            );
        }
    }

    #[tokio::test]
    async fn named_constructors_carry_their_codes() {
        let cases = [
            (ErrorResponse::bad_request("m"), 400, "bad_request"),
            (ErrorResponse::validation("m"), 422, "validation_failed"),
            (ErrorResponse::unauthorized("m"), 401, "unauthorized"),
            (ErrorResponse::forbidden("m"), 403, "forbidden"),
            (ErrorResponse::not_found("m"), 404, "not_found"),
            (ErrorResponse::unavailable("m"), 503, "unavailable"),
            (ErrorResponse::internal(), 500, "internal"),
        ];
        for (err, status, code) in cases {
            let (got, _, body) = answer(err).await;
            assert_eq!(got.as_u16(), status);
            assert_eq!(body["error"], code);
        }
    }

    #[tokio::test]
    async fn the_route_fallback_is_a_typed_404() {
        let (status, _, body) = answer(not_found().await).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(body["error"], "not_found");
        assert_eq!(body["message"], "there is no such route");
    }

    #[cfg(feature = "sdk")]
    #[test]
    fn api_answers_pass_through_and_an_unreachable_api_is_unavailable() {
        let refused = ajet_sdk::Error::Api {
            status: 403,
            body: ErrorBody::new(ErrorCode::Forbidden, "not yours"),
        };
        assert_eq!(
            ErrorResponse::from(refused),
            ErrorResponse::new(ErrorCode::Forbidden, "not yours")
        );
        let broken = ajet_sdk::Error::Decode("half an answer".into());
        let answer = ErrorResponse::from(broken);
        assert_eq!(answer.code, ErrorCode::Unavailable);
        assert_eq!(answer.status(), StatusCode::SERVICE_UNAVAILABLE);
    }
}
