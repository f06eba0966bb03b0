//! Bad input to the extractors is answered with a typed body, through a real axum router.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "helpers fail the test loudly"
)]

use ajet_edge::{JsonBody, PathParam, QueryParams};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::{get, post};
use http_body_util::BodyExt;
use serde::Deserialize;
use tower::ServiceExt;

#[derive(Deserialize)]
struct Note {
    text: String,
}

#[derive(Deserialize)]
struct Page {
    limit: u32,
}

fn app() -> Router {
    Router::new()
        .route(
            "/notes",
            post(|JsonBody(n): JsonBody<Note>| async move { n.text }),
        )
        .route(
            "/notes/{id}",
            get(|PathParam(id): PathParam<u32>| async move { id.to_string() }),
        )
        .route(
            "/page",
            get(|QueryParams(p): QueryParams<Page>| async move { p.limit.to_string() }),
        )
        .fallback(ajet_edge::not_found)
}

async fn call(req: Request<Body>) -> (StatusCode, serde_json::Value) {
    let response = app().oneshot(req).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(&bytes).into()));
    (status, body)
}

fn post_json(content_type: Option<&str>, body: &'static str) -> Request<Body> {
    let mut req = Request::post("/notes");
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    req.body(Body::from(body)).unwrap()
}

#[tokio::test]
async fn good_input_passes() {
    let (status, body) = call(post_json(Some("application/json"), r#"{"text":"hi"}"#)).await;
    assert_eq!((status, body), (StatusCode::OK, "hi".into()));
    let (status, body) = call(Request::get("/notes/7").body(Body::empty()).unwrap()).await;
    assert_eq!((status, body), (StatusCode::OK, 7.into()));
    let (status, body) = call(Request::get("/page?limit=5").body(Body::empty()).unwrap()).await;
    assert_eq!((status, body), (StatusCode::OK, 5.into()));
}

#[tokio::test]
async fn bad_json_is_a_typed_error() {
    let cases = [
        (None, r#"{"text":"hi"}"#, 400, "bad_request"),
        (Some("application/json"), "{not json", 400, "invalid_json"),
        (
            Some("application/json"),
            r#"{"text":5}"#,
            422,
            "validation_failed",
        ),
    ];
    for (content_type, body, status, code) in cases {
        let (got, answer) = call(post_json(content_type, body)).await;
        assert_eq!(got.as_u16(), status, "{body}");
        assert_eq!(answer["error"], code, "{body}");
        assert!(answer["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
}

#[tokio::test]
async fn bad_paths_and_queries_are_typed_errors() {
    for uri in ["/notes/seven", "/page?limit=-1", "/page"] {
        let (status, body) = call(Request::get(uri).body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(body["error"], "bad_request", "{uri}");
    }
    let (status, body) = call(Request::get("/nowhere").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"], "not_found");
}
