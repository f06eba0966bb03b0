//! `GET /ready`: the readiness of every service, as JSON.

use std::time::Duration;

use ajet_telemetry::TraceContext;
use axum::body::Body;
use axum::extract::State;
use axum::http::{Request, StatusCode};
use axum::{Extension, Json};
use serde_json::{Value, json};

use crate::proxy::Service;
use crate::state::AppState;

/// Ready when the database answers and every service reports itself ready. Each probe
/// carries this request's trace id, so one `/ready` shows up in every service's log.
pub async fn ready(
    State(state): State<AppState>,
    Extension(trace): Extension<TraceContext>,
) -> (StatusCode, Json<Value>) {
    let (api, web_sm, tui_sm, database) = tokio::join!(
        probe(&state, Service::Api, &trace),
        probe(&state, Service::WebSm, &trace),
        probe(&state, Service::TuiSm, &trace),
        ajet_db::ping(&state.db),
    );
    let ready = database && [&api, &web_sm, &tui_sm].iter().all(|s| s["ready"] == true);
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "ready": ready,
        "services": {
            // Without NATS the gateway still works (revocations then reach it through the
            // cache's expiry), so the bus is reported but does not make it unready.
            "auth-gw": {
                "ready": database,
                "checks": { "database": database, "nats": state.bus.is_connected() },
            },
            "api": api,
            "web-sm": web_sm,
            "tui-sm": tui_sm,
        },
    });
    (status, Json(body))
}

/// A service's own `/ready` answer, or why there is none.
async fn probe(state: &AppState, service: Service, trace: &TraceContext) -> Value {
    let mut parts = service.base(state).clone().into_parts();
    parts.path_and_query = Some(axum::http::uri::PathAndQuery::from_static("/ready"));
    let Ok(uri) = axum::http::Uri::from_parts(parts) else {
        return json!({ "ready": false, "error": "bad upstream URL" });
    };
    let mut request = Request::get(uri).body(Body::empty()).unwrap_or_default();
    trace.inject(request.headers_mut());
    let call = tokio::time::timeout(Duration::from_secs(3), async {
        let response = state.client.request(request).await?;
        let status = response.status();
        let bytes = http_body_util::BodyExt::collect(response.into_body())
            .await?
            .to_bytes();
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>((status, bytes))
    });
    match call.await {
        Ok(Ok((status, bytes))) => {
            let mut report: Value = serde_json::from_slice(&bytes).unwrap_or_else(|_| json!({}));
            report["ready"] = json!(status.is_success());
            report
        }
        Ok(Err(err)) => json!({ "ready": false, "error": format!("unreachable: {err}") }),
        Err(_) => json!({ "ready": false, "error": "no answer within 3 s" }),
    }
}
