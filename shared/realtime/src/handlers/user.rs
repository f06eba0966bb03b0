//! The caller of a session manager's route, as the api sees them.

use ajet_edge::{ErrorResponse, presented_token};
use ajet_sdk::Client;
use ajet_telemetry::{TRACE_ID, TRACEPARENT, TraceContext};
use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;

use crate::session::Sessions;

/// The api acting as the caller — with the session token they presented, as a bearer
/// token or the session cookie — carrying the request's trace. Refuses a request without
/// a token (401); whether the token is good is the api's to say.
pub struct UserApi(pub Client);

impl<S> FromRequestParts<S> for UserApi
where
    Sessions: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ErrorResponse;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ErrorResponse> {
        let token = presented_token(&parts.headers).ok_or_else(|| {
            ErrorResponse::unauthorized(
                "sign in first: send your session cookie, or your token as \
                 Authorization: Bearer <token>",
            )
        })?;
        let api = Sessions::from_ref(state).api.with_token(token)?;
        let trace = parts
            .extensions
            .get::<TraceContext>()
            .map_or_else(TraceContext::new, TraceContext::child);
        Ok(Self(
            api.with_header(TRACEPARENT, &trace.traceparent())
                .with_header(TRACE_ID, &trace.trace_id),
        ))
    }
}
