//! The OpenAPI document (`GET /api/openapi.json`) against the real router: it is a valid
//! OpenAPI 3 document whose every operation says what it answers; every operation it lists
//! is a route the running api has; and every route the api must have is in it.

#![expect(
    clippy::unwrap_used,
    reason = "the harness fails a test loudly on setup errors"
)]

mod harness;

use std::collections::BTreeSet;

use ajet_core::{ErrorBody, ErrorCode};
use ajet_db::PgPool;
use harness::TestApp;
use reqwest::StatusCode;
use serde_json::Value;

/// Every route of the api outside identity, as `routes.rs` registers them. A route added
/// with a plain `.route(...)` is not documented and fails
/// [`every_route_of_the_api_is_documented`] once it is added here; one added with
/// `routes!` is documented by construction.
const ROUTES: &[(&str, &str)] = &[
    ("get", "/api/openapi.json"),
    ("get", "/api/me"),
    ("get", "/api/communities"),
    ("post", "/api/communities"),
    ("get", "/api/communities/{community_id}"),
    ("patch", "/api/communities/{community_id}"),
    ("post", "/api/communities/{community_id}/channels"),
    ("get", "/api/communities/{community_id}/members"),
    ("patch", "/api/communities/{community_id}/members/{user_id}"),
    ("post", "/api/communities/{community_id}/leave"),
    ("get", "/api/channels"),
    ("get", "/api/channels/{channel_id}"),
    ("patch", "/api/channels/{channel_id}"),
    ("post", "/api/channels/{channel_id}/archive"),
    ("post", "/api/channels/{channel_id}/join"),
    ("post", "/api/channels/{channel_id}/leave"),
    ("get", "/api/channels/{channel_id}/members"),
    ("post", "/api/channels/{channel_id}/members"),
    ("post", "/api/channels/{channel_id}/read"),
    ("post", "/api/channels/{channel_id}/unread"),
    ("get", "/api/channels/{channel_id}/messages"),
    ("post", "/api/channels/{channel_id}/messages"),
    ("get", "/api/messages/{message_id}"),
    ("patch", "/api/messages/{message_id}"),
    ("delete", "/api/messages/{message_id}"),
    ("get", "/api/messages/{message_id}/replies"),
    ("put", "/api/messages/{message_id}/reactions/{emoji}"),
    ("delete", "/api/messages/{message_id}/reactions/{emoji}"),
    ("post", "/api/dms"),
    ("get", "/api/notifications"),
    ("get", "/api/notifications/count"),
    ("post", "/api/notifications/read"),
    ("post", "/api/heartbeat"),
    ("get", "/api/presence"),
    ("get", "/api/me/contacts"),
    ("get", "/api/search"),
    ("put", "/api/me/away"),
    ("get", "/api/commands"),
    ("post", "/api/commands"),
    ("get", "/api/communities/{community_id}/commands"),
    ("post", "/api/communities/{community_id}/commands"),
    ("delete", "/api/communities/{community_id}/commands/{name}"),
    ("get", "/api/communities/{community_id}/bans"),
    ("post", "/api/communities/{community_id}/bans"),
    ("delete", "/api/communities/{community_id}/bans/{user_id}"),
    ("post", "/api/communities/{community_id}/kicks"),
    ("get", "/api/communities/{community_id}/mutes"),
    ("post", "/api/communities/{community_id}/mutes"),
    ("delete", "/api/communities/{community_id}/mutes/{user_id}"),
    ("post", "/api/channels/{channel_id}/purge"),
    ("post", "/api/channels/{channel_id}/attachments"),
    ("get", "/api/attachments/{attachment_id}"),
    ("delete", "/api/attachments/{attachment_id}"),
    ("get", "/api/attachments/{attachment_id}/thumbnail"),
    ("get", "/api/avatars/{avatar_id}"),
    ("put", "/api/me/avatar"),
    ("delete", "/api/me/avatar"),
    ("put", "/api/bots/{bot_id}/avatar"),
    ("put", "/api/webhooks/{webhook_id}/avatar"),
];

/// The identity routes (issue 3), from `handlers/identity/mod.rs`, checked by
/// [`identity_routes_are_documented`].
const IDENTITY_ROUTES: &[(&str, &str)] = &[
    ("get", "/api/communities/{community_id}/bots"),
    ("post", "/api/communities/{community_id}/bots"),
    ("get", "/api/bots/{bot_id}/tokens"),
    ("post", "/api/bots/{bot_id}/tokens"),
    ("delete", "/api/tokens/{token_id}"),
    ("get", "/api/communities/{community_id}/webhooks"),
    ("post", "/api/communities/{community_id}/webhooks"),
    ("patch", "/api/webhooks/{webhook_id}"),
    ("delete", "/api/webhooks/{webhook_id}"),
    ("get", "/api/webhooks/{webhook_id}/deliveries"),
    ("get", "/api/communities/{community_id}/invites"),
    ("post", "/api/communities/{community_id}/invites"),
    ("delete", "/api/invites/{invite_id}"),
    ("post", "/api/invites/{code}/accept"),
    ("get", "/api/sessions"),
    ("delete", "/api/sessions/{session_id}"),
    ("delete", "/api/me"),
    ("post", "/api/hooks/{webhook_id}"),
    ("get", "/api/communities/{community_id}/audit"),
];

/// The operations that take no bearer token: this document, and webhook deliveries (the
/// gateway passes the webhook's own token in a header).
const PUBLIC: &[&str] = &["/api/openapi.json", "/api/hooks/{webhook_id}"];

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One operation of the document.
struct Operation<'a> {
    method: &'a str,
    path: &'a str,
    op: &'a Value,
}

impl Operation<'_> {
    fn name(&self) -> String {
        format!("{} {}", self.method.to_uppercase(), self.path)
    }
}

fn operations(doc: &Value) -> Vec<Operation<'_>> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                ops.push(Operation { method, path, op });
            }
        }
    }
    ops
}

fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    operations(doc)
        .iter()
        .map(|o| (o.method.to_owned(), o.path.to_owned()))
        .collect()
}

/// The schema a `$ref` points at, which must exist.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let name = reference
                .strip_prefix("#/components/schemas/")
                .unwrap_or_else(|| panic!("{reference} is not a schema reference"));
            let target = &doc["components"]["schemas"][name];
            assert!(target.is_object(), "{reference} points at nothing");
            target
        }
        None => schema,
    }
}

/// Every `$ref` anywhere in `value`.
fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r),
                    _ => refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

/// The document as the running api serves it, fetched without a token.
async fn served(app: &TestApp) -> Value {
    let response = reqwest::get(app.url("/api/openapi.json")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"].to_str().unwrap();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    response.json().await.unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn the_document_is_openapi_3_and_every_operation_says_what_it_answers(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let doc = served(&app).await;
    let in_process = serde_json::to_value(ajet_api::openapi::current()).unwrap();
    assert_eq!(doc, in_process, "the served document is the router's");

    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(doc["info"]["title"], "ajet-chat API");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"]
            .as_str()
            .unwrap()
            .to_lowercase(),
        "bearer"
    );
    let tags: BTreeSet<&str> = doc["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    // The error body in the document is the one the api sends.
    let error_body = &doc["components"]["schemas"]["ErrorBody"];
    assert_eq!(
        error_body["required"],
        serde_json::json!(["error", "message"])
    );
    let codes = &doc["components"]["schemas"]["ErrorCode"]["enum"];
    for code in [ErrorCode::Conflict, ErrorCode::ValidationFailed] {
        let body = serde_json::to_value(ErrorBody::new(code, "m")).unwrap();
        assert!(
            codes.as_array().unwrap().contains(&body["error"]),
            "{code:?}"
        );
    }

    let ops = operations(&doc);
    assert!(ops.len() >= ROUTES.len(), "{} operations", ops.len());
    let mut problems = Vec::new();
    for o in &ops {
        let name = o.name();
        let op = o.op;
        if op["summary"].as_str().is_none_or(str::is_empty) {
            problems.push(format!("{name}: no summary (a `///` on the handler)"));
        }
        match op["tags"].as_array().map(Vec::as_slice) {
            Some([tag]) if tags.contains(tag.as_str().unwrap()) => {}
            other => problems.push(format!("{name}: tags {other:?} are not one declared tag")),
        }
        // Path parameters: each `{name}` of the path is documented, and only those.
        let in_path: BTreeSet<&str> = o
            .path
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        let params: BTreeSet<&str> = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "path")
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        if in_path != params {
            problems.push(format!(
                "{name}: path parameters {params:?}, path has {in_path:?}"
            ));
        }
        for p in op["parameters"].as_array().into_iter().flatten() {
            if !p["schema"].is_object() {
                problems.push(format!("{name}: parameter {} has no schema", p["name"]));
            }
        }
        if let Some(body) = op.get("requestBody") {
            let schema = &body["content"]["application/json"]["schema"];
            // Files go up as bytes, not JSON: those say which media type they take.
            let bytes = body["content"]
                .as_object()
                .is_some_and(|c| c.keys().any(|t| t != "application/json"));
            if !schema.is_object() && !bytes {
                problems.push(format!("{name}: a request body without a JSON schema"));
            }
        }
        let public = PUBLIC.contains(&o.path);
        let security = &op["security"];
        if public {
            if security
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()))
            {
                problems.push(format!("{name}: must be reachable without a token"));
            }
        } else if security != &serde_json::json!([{ "bearer": [] }]) {
            problems.push(format!(
                "{name}: security {security}, not the bearer scheme"
            ));
        }
        let responses = op["responses"].as_object().unwrap();
        let mut successes = 0;
        for (status, response) in responses {
            let code: u16 = status.parse().unwrap();
            let schema = &response["content"]["application/json"]["schema"];
            if response["description"].as_str().is_none_or(str::is_empty) {
                problems.push(format!("{name} {status}: no description"));
            }
            match code {
                204 => {
                    successes += 1;
                    if response.get("content").is_some() {
                        problems.push(format!("{name} 204: has a body"));
                    }
                }
                200..=299 => {
                    successes += 1;
                    // Downloads answer with the file's bytes, under its media type.
                    let bytes = response["content"]
                        .as_object()
                        .is_some_and(|c| !c.is_empty() && !c.contains_key("application/json"));
                    if bytes {
                        continue;
                    }
                    if !schema.is_object() {
                        problems.push(format!("{name} {status}: no response schema"));
                    } else {
                        resolve(&doc, schema);
                    }
                }
                400..=599 => {
                    if schema["$ref"] != "#/components/schemas/ErrorBody" {
                        problems.push(format!("{name} {status}: not an ErrorBody"));
                    }
                }
                // A download the caller already has.
                304 if o.path.contains("attachments") || o.path.contains("avatars") => {}
                _ => problems.push(format!("{name}: unexpected status {status}")),
            }
        }
        if successes == 0 {
            problems.push(format!("{name}: no success response"));
        }
        if !public && !responses.contains_key("401") {
            problems.push(format!("{name}: no 401 for a missing or bad token"));
        }
        if op.get("requestBody").is_some() && !responses.contains_key("400") {
            problems.push(format!("{name}: takes a body but documents no 400"));
        }
    }
    // Every reference anywhere resolves.
    let mut all = Vec::new();
    refs(&doc, &mut all);
    for reference in all {
        let name = reference.strip_prefix("#/components/schemas/").unwrap();
        if !doc["components"]["schemas"][name].is_object() {
            problems.push(format!("{reference} points at nothing"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A path of the document with dummy values for its parameters.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|segment| match segment {
            "{emoji}" => "%F0%9F%91%8D".to_owned(),
            s if s.starts_with('{') => uuid::Uuid::now_v7().to_string(),
            s => s.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[sqlx::test(migrations = "../migrations")]
async fn every_documented_operation_is_a_real_route(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let (_, alice) = app.user("alice").await;
    let token = app.token_for(alice).await;
    let doc = served(&app).await;
    let http = reqwest::Client::new();

    // The check itself: the router's own answers for what it does not have.
    for (method, path) in [("get", "/api/no/such/route"), ("get", "/api/dms")] {
        let response = http
            .request(method.parse().unwrap(), app.url(path))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert!(
            is_fallback(response).await,
            "{path}: the router's fallbacks are not recognised"
        );
    }

    let ops = operations(&doc);
    let mut missing = Vec::new();
    for o in &ops {
        let mut request = http
            .request(
                o.method.to_uppercase().parse().unwrap(),
                app.url(&concrete(o.path)),
            )
            .bearer_auth(&token);
        if o.op.get("requestBody").is_some() {
            request = request.json(&serde_json::json!({}));
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        if is_fallback(response).await {
            missing.push(format!("{} (answered {status})", o.name()));
        }
    }
    assert!(
        missing.is_empty(),
        "documented but not routed:\n{}",
        missing.join("\n")
    );
}

/// Whether `response` is the router's fallback: no such route, or not that method.
async fn is_fallback(response: reqwest::Response) -> bool {
    match response.status() {
        StatusCode::METHOD_NOT_ALLOWED => true,
        StatusCode::NOT_FOUND => {
            let body: ErrorBody = response.json().await.unwrap();
            body.message == "there is no such route"
        }
        _ => false,
    }
}

/// The routes of `expected` that the document lacks.
fn undocumented(expected: &[(&str, &str)]) -> Vec<String> {
    let doc = serde_json::to_value(ajet_api::openapi::current()).unwrap();
    let documented = documented(&doc);
    expected
        .iter()
        .filter(|(m, p)| !documented.contains(&((*m).to_owned(), (*p).to_owned())))
        .map(|(m, p)| format!("{} {p}", m.to_uppercase()))
        .collect()
}

#[test]
fn every_route_of_the_api_is_documented() {
    let missing = undocumented(ROUTES);
    assert!(
        missing.is_empty(),
        "routes without an OpenAPI operation (register them with routes!, with a \
         #[utoipa::path] on the handler):\n{}",
        missing.join("\n")
    );
}

#[test]
fn identity_routes_are_documented() {
    let missing = undocumented(IDENTITY_ROUTES);
    assert!(
        missing.is_empty(),
        "identity routes without an OpenAPI operation:\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_document_lists_no_route_twice_and_only_routes_of_the_lists() {
    let doc = serde_json::to_value(ajet_api::openapi::current()).unwrap();
    let known: BTreeSet<(String, String)> = ROUTES
        .iter()
        .chain(IDENTITY_ROUTES)
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    let extra: Vec<_> = documented(&doc).difference(&known).cloned().collect();
    assert!(
        extra.is_empty(),
        "documented routes missing from the lists in this test (add them): {extra:?}"
    );
    let ids: Vec<&str> = operations(&doc)
        .iter()
        .map(|o| o.op["operationId"].as_str().unwrap())
        .collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(ids.len(), unique.len(), "operation ids repeat: {ids:?}");
}
