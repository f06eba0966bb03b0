//! The person a page is for: the api with their session, or a trip to the sign-in page.

use ajet_edge::presented_token;
use ajet_sdk::Client;
use ajet_telemetry::{TRACE_ID, TRACEPARENT, TraceContext};
use axum::extract::FromRequestParts;
use axum::http::Uri;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

use crate::state::AppState;

/// The api acting as the viewer, carrying the request's trace. A request without a
/// session is sent to sign in, and brought back here afterwards.
pub struct Viewer {
    pub api: Client,
    /// The community they were last in (its slug, from a cookie), for pages outside any.
    pub community: Option<String>,
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Some(token) = presented_token(&parts.headers) else {
            return Err(sign_in(&parts.uri));
        };
        let Ok(api) = state.sessions.api.clone().with_token(token) else {
            return Err(sign_in(&parts.uri));
        };
        let trace = parts
            .extensions
            .get::<TraceContext>()
            .map_or_else(TraceContext::new, TraceContext::child);
        Ok(Self {
            community: super::shell::remembered_community(&parts.headers),
            api: api
                .with_header(TRACEPARENT, &trace.traceparent())
                .with_header(TRACE_ID, &trace.trace_id),
        })
    }
}

/// A redirect to the sign-in page that comes back to `uri` afterwards.
pub fn sign_in(uri: &Uri) -> Response {
    let back = uri.path_and_query().map_or("/", |p| p.as_str());
    let next = utf8_percent_encode(back, NON_ALPHANUMERIC);
    Redirect::to(&format!("/login?next={next}")).into_response()
}
