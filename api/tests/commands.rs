//! A community's own slash commands against a real HTTP endpoint the test runs: the
//! request is signed as Slack signs it, `in_channel` answers post and others answer the
//! caller, a slow endpoint times out with an answer that says so, and private addresses
//! are refused unless the operator allows them.

#![expect(
    clippy::unwrap_used,
    reason = "the harness fails a test loudly on setup errors"
)]

mod harness;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ajet_api::state::Options;
use ajet_db::PgPool;
use axum::Router;
use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::routing::post;
use harness::{Caller, TestApp};
use serde_json::{Value, json};

/// What the endpoint received: headers and the form, by path.
type Seen = Arc<Mutex<Vec<(String, HeaderMap, String)>>>;

/// An endpoint on loopback: `/say` answers to the caller, `/post` in the channel,
/// `/slow` after 5 s, `/fail` with a 500.
async fn endpoint() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let record = |path: &'static str, seen: Seen| {
        move |headers: HeaderMap, body: Bytes| {
            let seen = seen.clone();
            async move {
                seen.lock().unwrap().push((
                    path.to_owned(),
                    headers,
                    String::from_utf8(body.to_vec()).unwrap(),
                ));
            }
        }
    };
    let app = Router::new()
        .route(
            "/say",
            post({
                let r = record("say", seen.clone());
                move |h, b| {
                    let r = r.clone();
                    async move {
                        r(h, b).await;
                        axum::Json(json!({ "text": "deploying *api* to prod" }))
                    }
                }
            }),
        )
        .route(
            "/post",
            post({
                let r = record("post", seen.clone());
                move |h, b| {
                    let r = r.clone();
                    async move {
                        r(h, b).await;
                        axum::Json(json!({ "text": "deployed api", "response_type": "in_channel" }))
                    }
                }
            }),
        )
        .route(
            "/slow",
            post(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "late"
            }),
        )
        .route(
            "/fail",
            post(|| async { (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "boom") }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, seen)
}

async fn register(app: &TestApp, admin: &Caller, name: &str, url: &str) -> (u16, Value) {
    admin
        .post(
            &format!("/api/communities/{}/commands", app.community.id),
            json!({ "name": name, "url": url, "description": "Ship it", "usage": format!("/{name} <service>") }),
        )
        .await
}

async fn run(app: &TestApp, who: &Caller, text: &str) -> (u16, Value) {
    who.post(
        "/api/commands",
        json!({ "channel_id": app.general, "text": text }),
    )
    .await
}

fn form(body: &str) -> HashMap<String, String> {
    body.split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| {
            (
                k.to_owned(),
                percent_encoding::percent_decode_str(v)
                    .decode_utf8()
                    .unwrap()
                    .into_owned(),
            )
        })
        .collect()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_custom_command_calls_its_endpoint_signed_and_shows_or_posts_the_answer(pool: PgPool) {
    let app = TestApp::with_options(
        pool,
        Options {
            commands_allow_private: true,
            ..Options::default()
        },
    )
    .await;
    let (endpoint, seen) = endpoint().await;
    let (token, _) = app.admin("ada").await;
    let ada = Caller::new(&app, Some(&token));
    let (_, bob_id) = app.user("bob").await;
    let bob = Caller::new(&app, Some(&app.token_for(bob_id).await));

    let (status, created) = register(&app, &ada, "deploy", &format!("{endpoint}/say")).await;
    assert_eq!(status, 201, "{created}");
    let secret = created["token"].as_str().unwrap().to_owned();
    assert!(created["item"].get("secret").is_none());
    // Members see it in the list and in /help; they cannot register one.
    let (_, list) = bob
        .get(&format!("/api/commands?channel_id={}", app.general))
        .await;
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|c| c["usage"] == "/deploy <service>")
    );
    assert_eq!(
        register(&app, &bob, "other", &format!("{endpoint}/say"))
            .await
            .0,
        403
    );
    assert_eq!(
        register(&app, &ada, "deploy", &format!("{endpoint}/say"))
            .await
            .0,
        409
    );
    assert_eq!(
        register(&app, &ada, "ban", &format!("{endpoint}/say"))
            .await
            .0,
        422
    );

    // Ephemeral: shown to the caller only, and the request is Slack's, signed.
    let (status, answer) = run(&app, &bob, "/deploy api --env=prod").await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer,
        json!({ "kind": "ephemeral", "markdown": "deploying *api* to prod" })
    );
    let (_, headers, body) = seen.lock().unwrap().last().cloned().unwrap();
    let fields = form(&body);
    assert_eq!(fields["command"], "/deploy");
    assert_eq!(fields["text"], "api --env=prod");
    assert_eq!(fields["user_name"], "bob");
    assert_eq!(fields["channel_name"], "general");
    let timestamp = headers["x-slack-request-timestamp"].to_str().unwrap();
    let mut mac =
        <hmac::Hmac<sha2::Sha256> as hmac::Mac>::new_from_slice(secret.as_bytes()).unwrap();
    hmac::Mac::update(&mut mac, format!("v0:{timestamp}:{body}").as_bytes());
    let expected = format!("v0={}", hex::encode(hmac::Mac::finalize(mac).into_bytes()));
    assert_eq!(headers["x-slack-signature"].to_str().unwrap(), expected);
    assert_eq!(app.message_count().await, 0);

    // in_channel: posted as the caller.
    assert_eq!(
        register(&app, &ada, "ship", &format!("{endpoint}/post"))
            .await
            .0,
        201
    );
    let (_, answer) = run(&app, &bob, "/ship api").await;
    assert_eq!(answer["kind"], "posted");
    assert_eq!(answer["message"]["body"], "deployed api");
    assert_eq!(answer["message"]["author_username"], "bob");

    // A slow endpoint: a clear answer after 3 s, not a hang.
    assert_eq!(
        register(&app, &ada, "slow", &format!("{endpoint}/slow"))
            .await
            .0,
        201
    );
    let started = Instant::now();
    let (_, answer) = run(&app, &bob, "/slow").await;
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(
        answer["markdown"],
        "/slow failed: did not answer within 3 seconds."
    );
    assert_eq!(
        register(&app, &ada, "fail", &format!("{endpoint}/fail"))
            .await
            .0,
        201
    );
    let (_, answer) = run(&app, &bob, "/fail").await;
    assert_eq!(
        answer["markdown"],
        "/fail failed: answered with the status 500."
    );

    // Removed, it is unknown again.
    let (status, _) = ada
        .delete(&format!(
            "/api/communities/{}/commands/deploy",
            app.community.id
        ))
        .await;
    assert_eq!(status, 204);
    assert_eq!(
        run(&app, &bob, "/deploy x").await.1["error"],
        "unknown_command"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn private_targets_are_refused_unless_the_operator_allows_them(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let (endpoint, seen) = endpoint().await;
    let (token, _) = app.admin("ada").await;
    let ada = Caller::new(&app, Some(&token));
    // Plain http is refused outright; https to a loopback name is refused when run.
    let (status, body) = register(&app, &ada, "deploy", &format!("{endpoint}/say")).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["message"].as_str().unwrap().contains("https"));
    let (status, _) = register(&app, &ada, "deploy", "https://localhost:9/say").await;
    assert_eq!(status, 201);
    let (_, answer) = run(&app, &ada, "/deploy").await;
    let said = answer["markdown"].as_str().unwrap();
    assert!(said.contains("private, loopback"), "{said}");
    assert!(seen.lock().unwrap().is_empty());
}
