//! `GET /`: the signed-in user's channels.

use ajet_telemetry::{TRACE_ID, TRACEPARENT, TraceContext};
use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use crate::state::AppState;

pub async fn home(
    State(state): State<AppState>,
    Extension(trace): Extension<TraceContext>,
    headers: HeaderMap,
) -> Response {
    let Some(token) = ajet_edge::presented_token(&headers) else {
        return render(&state, minijinja::context! {}, StatusCode::OK);
    };
    let api = match state.sessions.api.clone().with_token(token) {
        Ok(api) => api
            .with_header(TRACEPARENT, &trace.child().traceparent())
            .with_header(TRACE_ID, &trace.trace_id),
        Err(_) => return render(&state, minijinja::context! {}, StatusCode::OK),
    };
    match tokio::try_join!(api.me(), api.channels()) {
        Ok((me, channels)) => {
            let channels: Vec<_> = channels
                .into_iter()
                .map(|c| {
                    minijinja::context! {
                        name => c.name.unwrap_or_else(|| "direct message".into()),
                        community => c.community_slug.unwrap_or_default(),
                    }
                })
                .collect();
            render(
                &state,
                minijinja::context! { username => me.user.username, channels },
                StatusCode::OK,
            )
        }
        Err(err) if err.code() == Some(ajet_core::ErrorCode::Unauthorized) => {
            render(&state, minijinja::context! {}, StatusCode::OK)
        }
        Err(err) => {
            tracing::warn!(error = %err, "cannot load the home page data");
            render(
                &state,
                minijinja::context! { error => "The server is not answering right now; reload in a moment." },
                StatusCode::SERVICE_UNAVAILABLE,
            )
        }
    }
}

fn render(state: &AppState, ctx: minijinja::Value, status: StatusCode) -> Response {
    match state
        .templates
        .get_template("home.html")
        .and_then(|t| t.render(ctx))
    {
        Ok(html) => (status, Html(html)).into_response(),
        Err(err) => {
            tracing::error!(error = %err, "template failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
