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

/// A service's readiness: its one instance's own `/ready` answer, or with several
/// instances each one's answer under `instances` — ready when at least one is, since the
/// gateway sends requests to those that answer.
async fn probe(state: &AppState, service: Service, trace: &TraceContext) -> Value {
    let instances = service.upstream(state).instances();
    let reports = futures::future::join_all(
        instances
            .iter()
            .map(|uri| probe_instance(state, uri, trace)),
    )
    .await;
    match reports.as_slice() {
        [one] => one.clone(),
        many => {
            let ready = many.iter().any(|r| r["ready"] == true);
            let instances: serde_json::Map<String, Value> = instances
                .iter()
                .map(ToString::to_string)
                .zip(many.iter().cloned())
                .collect();
            json!({ "ready": ready, "instances": instances })
        }
    }
}

/// One instance's own `/ready` answer, or why there is none.
async fn probe_instance(state: &AppState, base: &axum::http::Uri, trace: &TraceContext) -> Value {
    let Some(uri) =
        crate::upstream::with_path(base, axum::http::uri::PathAndQuery::from_static("/ready"))
    else {
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
