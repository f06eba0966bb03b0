//! Sign-in through OAuth providers, the whole redirect dance driven through the gateway:
//! GitHub- and Gitea-shaped providers served here (authorize, token and user endpoints,
//! single-use codes, PKCE checked), and a real OpenID Connect provider process
//! (oauth2-mock-server, from `e2e/oidc`).

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "the harness fails a test loudly on setup errors"
)]

mod harness;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ajet_db::PgPool;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use harness::{PUBLIC, TestGateway, http};
use serde_json::{Value, json};
use sha2::Digest;
use tokio::io::AsyncBufReadExt;

/// A provider shaped like GitHub or Gitea, in-process.
#[derive(Clone, Default)]
struct FakeProvider {
    /// code → (PKCE challenge, redirect URI).
    codes: Arc<Mutex<HashMap<String, String>>>,
    user: Arc<Mutex<Value>>,
}

#[derive(serde::Deserialize)]
struct AuthorizeQuery {
    redirect_uri: String,
    state: String,
    code_challenge: String,
    code_challenge_method: String,
    client_id: String,
}

async fn authorize(State(p): State<FakeProvider>, Query(q): Query<AuthorizeQuery>) -> Response {
    assert_eq!(q.code_challenge_method, "S256");
    assert_eq!(q.client_id, "ajet-client");
    let code = uuid::Uuid::new_v4().simple().to_string();
    p.codes
        .lock()
        .unwrap()
        .insert(code.clone(), q.code_challenge);
    Redirect::to(&format!("{}?code={code}&state={}", q.redirect_uri, q.state)).into_response()
}

async fn token(
    State(p): State<FakeProvider>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let refuse = |why: &str| {
        (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": "invalid_grant", "error_description": why })),
        )
            .into_response()
    };
    if form.get("client_secret").map(String::as_str) != Some("s3cret") {
        return refuse("bad client");
    }
    // Codes are single-use: a replay finds nothing.
    let Some(challenge) = form
        .get("code")
        .and_then(|c| p.codes.lock().unwrap().remove(c))
    else {
        return refuse("unknown or used code");
    };
    let verifier = form.get("code_verifier").cloned().unwrap_or_default();
    if URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes())) != challenge {
        return refuse("PKCE verifier does not match");
    }
    Json(json!({ "access_token": "gho_test", "token_type": "bearer", "scope": "read:user" }))
        .into_response()
}

async fn user(State(p): State<FakeProvider>, headers: HeaderMap) -> Response {
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some("Bearer gho_test") {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    Json(p.user.lock().unwrap().clone()).into_response()
}

/// Serves a provider; its base URL. `user_path` is `/user` (GitHub's API) or
/// `/api/v1/user` (Gitea).
async fn serve_provider(provider: FakeProvider, user_path: &str) -> String {
    let app = Router::new()
        .route("/login/oauth/authorize", get(authorize))
        .route("/login/oauth/access_token", post(token))
        .route(user_path, get(user))
        .with_state(provider);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    base
}

/// One browser's trip: start at the gateway, through the provider, back to the callback
/// (with the flow cookie). Returns the callback's response and the callback URL.
async fn sign_in(gw: &TestGateway, provider: &str, query: &str) -> (reqwest::Response, String) {
    let start = http()
        .get(gw.url(&format!("/auth/oauth/{provider}/start{query}")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        start.status(),
        StatusCode::SEE_OTHER,
        "{:?}",
        start.text().await
    );
    let flow_cookie = start.headers()["set-cookie"].to_str().unwrap().to_owned();
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/auth/oauth"] {
        assert!(flow_cookie.contains(flag), "{flow_cookie}");
    }
    let cookie = flow_cookie.split(';').next().unwrap().to_owned();
    let to_provider = start.headers()["location"].to_str().unwrap().to_owned();
    let back = http().get(&to_provider).send().await.unwrap();
    assert!(
        back.status().is_redirection(),
        "{to_provider}: {}",
        back.status()
    );
    let callback = back.headers()["location"].to_str().unwrap().to_owned();
    // The provider sends the browser to the public URL; here that is the test gateway.
    let callback = callback.replacen(PUBLIC, &gw.base, 1);
    let response = http()
        .get(&callback)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    (response, format!("{callback}\n{cookie}"))
}

fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("ajet_session=") && !c.starts_with("ajet_session=;"))
        .map(str::to_owned)
}

async fn failures(pool: &PgPool) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT details->>'reason' FROM audit_log WHERE action = 'login.failed' ORDER BY at, id",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn github_sign_in_creates_links_and_refuses_tampering(pool: PgPool) {
    let github = FakeProvider::default();
    *github.user.lock().unwrap() =
        json!({ "id": 4242, "login": "octocat", "name": "The Octocat", "email": "o@example.test" });
    let base = serve_provider(github.clone(), "/user").await;
    let gw = TestGateway::start(
        pool.clone(),
        &[
            "--github-client-id",
            "ajet-client",
            "--github-client-secret",
            "s3cret",
            "--github-url",
            &base,
            "--github-api-url",
            &base,
        ],
    )
    .await;
    let login = http()
        .get(gw.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        login.contains("/auth/oauth/github/start"),
        "a button per provider: {login}"
    );

    // The first person on the server: created, owner, signed in.
    let (response, _) = sign_in(&gw, "github", "?next=/c/test-org").await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = session_cookie(&response).expect("a session cookie");
    for flag in ["HttpOnly", "SameSite=Strict"] {
        assert!(cookie.contains(flag), "{cookie}");
    }
    let page = response.text().await.unwrap();
    assert!(
        page.replace("&#x2f;", "/")
            .contains(r#"http-equiv="refresh" content="0;url=/c/test-org""#),
        "a same-site navigation onwards: {page}"
    );
    assert!(!page.contains("<script"), "{page}");
    let (username, role): (String, String) = sqlx::query_as(
        "SELECT u.username, m.role FROM users u JOIN community_members m ON m.user_id = u.id",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((username.as_str(), role.as_str()), ("octocat", "owner"));

    // Signing in again finds the same user through the link.
    let (again, _) = sign_in(&gw, "github", "").await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(gw.count("users").await, 1);
    assert_eq!(gw.count("oauth_accounts").await, 1);

    // Another GitHub account with a colliding login needs an invite…
    *github.user.lock().unwrap() = json!({ "id": 7, "login": "octocat" });
    let (refused, _) = sign_in(&gw, "github", "").await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(session_cookie(&refused).is_none());
    // …and with one gets a de-duplicated username.
    let owner = cookie
        .strip_prefix("ajet_session=")
        .unwrap()
        .split(';')
        .next()
        .unwrap();
    let invite: Value = http()
        .post(gw.url(&format!("/api/communities/{}/invites", gw.community.id)))
        .bearer_auth(owner)
        .json(&json!({ "max_uses": 1 }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = invite["code"].as_str().unwrap();
    let (joined, _) = sign_in(&gw, "github", &format!("?invite={code}")).await;
    assert_eq!(joined.status(), StatusCode::OK);
    let names: Vec<String> = sqlx::query_scalar("SELECT username FROM users ORDER BY created_at")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(names, ["octocat", "octocat-2"]);

    // A replayed code, a tampered state, a lost flow cookie.
    let users = gw.count("users").await;
    let (first, trip) = sign_in(&gw, "github", "").await;
    assert_eq!(first.status(), StatusCode::OK);
    let (callback, cookie) = trip.split_once('\n').unwrap();
    let replay = http()
        .get(callback)
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), StatusCode::BAD_REQUEST);
    assert!(
        replay
            .text()
            .await
            .unwrap()
            .contains("refused the sign-in code")
    );
    let tampered = callback.replace("state=", "state=x");
    let bad_state = http()
        .get(&tampered)
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(bad_state.status(), StatusCode::BAD_REQUEST);
    assert!(bad_state.text().await.unwrap().contains("wrong state"));
    let forged_cookie = format!("{}x", cookie);
    let bad_cookie = http()
        .get(callback)
        .header("cookie", forged_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(bad_cookie.status(), StatusCode::BAD_REQUEST);
    let no_cookie = http().get(callback).send().await.unwrap();
    assert_eq!(no_cookie.status(), StatusCode::BAD_REQUEST);
    assert_eq!(gw.count("users").await, users, "nothing was created");
    let reasons = failures(&pool).await;
    for reason in [
        "no_invite",
        "code_rejected",
        "state_mismatch",
        "state_missing",
    ] {
        assert!(
            reasons.iter().any(|r| r == reason),
            "{reason} in {reasons:?}"
        );
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn gitea_sign_in_checks_the_pkce_verifier(pool: PgPool) {
    let gitea = FakeProvider::default();
    *gitea.user.lock().unwrap() =
        json!({ "id": 3, "login": "gitte", "full_name": "Gitte", "email": "" });
    let base = serve_provider(gitea.clone(), "/api/v1/user").await;
    let gw = TestGateway::start(
        pool.clone(),
        &[
            "--gitea-url",
            &base,
            "--gitea-client-id",
            "ajet-client",
            "--gitea-client-secret",
            "s3cret",
        ],
    )
    .await;
    // A flow whose code was issued for another PKCE challenge: the verifier does not match.
    let start = http()
        .get(gw.url("/auth/oauth/gitea/start"))
        .send()
        .await
        .unwrap();
    let cookie = start.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let location = start.headers()["location"].to_str().unwrap().to_owned();
    let (before, after) = location.split_once("code_challenge=").unwrap();
    let rest = after
        .split_once('&')
        .map(|(_, r)| format!("&{r}"))
        .unwrap_or_default();
    let other = URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(b"not the verifier"));
    let swapped = format!("{before}code_challenge={other}{rest}");
    let back = http().get(&swapped).send().await.unwrap();
    let callback = back.headers()["location"]
        .to_str()
        .unwrap()
        .replacen(PUBLIC, &gw.base, 1);
    let refused = http()
        .get(&callback)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert_eq!(gw.count("users").await, 0);
    assert_eq!(failures(&pool).await, ["code_rejected"]);

    let (ok, _) = sign_in(&gw, "gitea", "").await;
    assert_eq!(ok.status(), StatusCode::OK);
    let (username, display, email): (String, Option<String>, Option<String>) =
        sqlx::query_as("SELECT username, display_name, email FROM users")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(username, "gitte");
    assert_eq!(display.as_deref(), Some("Gitte"));
    assert_eq!(email, None);
    let provider: String = sqlx::query_scalar("SELECT provider FROM oauth_accounts")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(provider, "gitea");
}

/// The OpenID Connect provider process; killed when dropped.
struct Oidc {
    issuer: String,
    _child: tokio::process::Child,
}

async fn oidc(extra: &[&str]) -> Oidc {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../e2e/oidc");
    assert!(
        dir.join("node_modules/oauth2-mock-server").exists(),
        "run `npm ci` in e2e/oidc first (script/test does)"
    );
    let mut child = tokio::process::Command::new("node")
        .arg("server.mjs")
        .args(extra)
        .current_dir(&dir)
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node");
    let stdout = child.stdout.take().unwrap();
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let line = tokio::time::timeout(Duration::from_secs(15), lines.next_line())
        .await
        .expect("the OIDC provider did not start within 15 s")
        .unwrap()
        .unwrap();
    let issuer = line.strip_prefix("listening ").unwrap().trim().to_owned();
    Oidc {
        issuer,
        _child: child,
    }
}

async fn oidc_gateway(pool: PgPool, provider: &Oidc) -> TestGateway {
    TestGateway::start(
        pool,
        &[
            "--oidc-issuer",
            &provider.issuer,
            "--oidc-client-id",
            "ajet-client",
            "--oidc-client-secret",
            "s3cret",
            "--oidc-name",
            "Acme SSO",
        ],
    )
    .await
}

#[sqlx::test(migrations = "../migrations")]
async fn oidc_sign_in_verifies_the_id_token(pool: PgPool) {
    let provider = oidc(&[]).await;
    let gw = oidc_gateway(pool.clone(), &provider).await;
    let login = http()
        .get(gw.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(login.contains("Acme SSO"), "{login}");
    let (response, trip) = sign_in(&gw, "oidc", "").await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{:?}",
        response.text().await
    );
    let (username, email): (String, Option<String>) =
        sqlx::query_as("SELECT username, email FROM users")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(username, "oidc-user");
    assert_eq!(email.as_deref(), Some("oidc@example.test"));
    let link: (String, String) =
        sqlx::query_as("SELECT provider, provider_user_id FROM oauth_accounts")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(link, ("oidc".to_owned(), "johndoe".to_owned()));
    // Replaying the code (its PKCE challenge is spent at the provider) fails cleanly.
    let (callback, cookie) = trip.split_once('\n').unwrap();
    let replay = http()
        .get(callback)
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), StatusCode::BAD_REQUEST);
    assert_eq!(gw.count("users").await, 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn an_id_token_without_the_nonce_is_refused(pool: PgPool) {
    let provider = oidc(&["--drop-nonce"]).await;
    let gw = oidc_gateway(pool.clone(), &provider).await;
    let (response, _) = sign_in(&gw, "oidc", "").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(session_cookie(&response).is_none());
    assert_eq!(gw.count("users").await, 0);
    assert_eq!(failures(&pool).await, ["nonce_missing"]);
}
