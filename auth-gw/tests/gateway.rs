//! The gateway in front of the real api: credentials of every kind, revocation over NATS,
//! rate limits, CSRF, CORS, security headers, local sign-up and login, webhooks.

#![expect(
    clippy::unwrap_used,
    reason = "the harness fails a test loudly on setup errors"
)]

mod harness;

use std::time::{Duration, Instant};

use ajet_db::PgPool;
use harness::{PUBLIC, TestGateway, http};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn me(gw: &TestGateway, token: &str) -> StatusCode {
    http()
        .get(gw.url("/api/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
}

#[sqlx::test(migrations = "../migrations")]
async fn sessions_and_api_tokens_pass_and_a_revocation_stops_them_within_a_second(pool: PgPool) {
    let gw = TestGateway::start(pool, &[]).await;
    let (admin, _) = gw.person("ada", true).await;
    assert_eq!(me(&gw, &admin).await, StatusCode::OK);
    let created = gw.bot_token(&admin, json!(["messages:read"])).await;
    let secret = created["token"].as_str().unwrap();
    assert_eq!(me(&gw, secret).await, StatusCode::OK);
    assert_eq!(
        me(&gw, &ajet_db::tokens::generate()).await,
        StatusCode::UNAUTHORIZED
    );
    let response = http().get(gw.url("/api/me")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "unauthorized");

    // The token is cached by the gateway now; the api revokes it and announces it.
    let revoke = http()
        .delete(gw.url(&format!("/api/tokens/{}", created["id"].as_str().unwrap())))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), StatusCode::NO_CONTENT);
    let start = Instant::now();
    while me(&gw, secret).await != StatusCode::UNAUTHORIZED {
        assert!(
            start.elapsed() < Duration::from_secs(1),
            "still accepted after 1 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Revoked in the database behind everyone's back, the gateway's cache would keep it
    // for a while; a revocation announced by the gateway itself (logout) is immediate.
    let logout = http()
        .post(gw.url("/auth/logout"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    assert_eq!(me(&gw, &admin).await, StatusCode::UNAUTHORIZED);
    assert!(gw.audit_actions().await.contains(&"logout".to_owned()));
}

#[sqlx::test(migrations = "../migrations")]
async fn every_response_carries_the_security_headers(pool: PgPool) {
    let gw = TestGateway::start(pool, &[]).await;
    for path in ["/health", "/api/me", "/login", "/no/such/page"] {
        let response = http().get(gw.url(path)).send().await.unwrap();
        let h = response.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self';"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-eval"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn cookie_requests_that_change_things_must_come_from_our_origin(pool: PgPool) {
    let gw = TestGateway::start(pool, &[]).await;
    let (token, _) = gw.person("ada", false).await;
    let url = gw.url(&format!("/api/channels/{}/messages", gw.general));
    let post = |origin: Option<&'static str>, cookie: bool| {
        let mut req = http().post(&url).json(&json!({ "body": "hi" }));
        req = if cookie {
            req.header("cookie", format!("ajet_session={token}"))
        } else {
            req.bearer_auth(&token)
        };
        if let Some(origin) = origin {
            req = req.header("origin", origin);
        }
        async move { req.send().await.unwrap().status() }
    };
    assert_eq!(post(None, true).await, StatusCode::FORBIDDEN);
    assert_eq!(
        post(Some("https://evil.example"), true).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(post(Some(PUBLIC), true).await, StatusCode::CREATED);
    // A bearer token is never sent by a browser on its own: no Origin needed.
    assert_eq!(post(None, false).await, StatusCode::CREATED);
    // Reading with the cookie needs no Origin.
    let read = http()
        .get(&url)
        .header("cookie", format!("ajet_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), StatusCode::OK);
}

#[sqlx::test(migrations = "../migrations")]
async fn cors_answers_only_the_listed_origins(pool: PgPool) {
    let gw = TestGateway::start(pool, &["--cors-origins", "https://dash.example"]).await;
    let preflight = |origin: &'static str| {
        http()
            .request(reqwest::Method::OPTIONS, gw.url("/api/me"))
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "authorization")
            .send()
    };
    let allowed = preflight("https://dash.example").await.unwrap();
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://dash.example"
    );
    let refused = preflight("https://evil.example").await.unwrap();
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn rate_limits_answer_429_with_retry_after(pool: PgPool) {
    let gw = TestGateway::start(
        pool,
        &[
            "--rate-limit-ip",
            "3",
            "--rate-limit-token",
            "2",
            "--rate-limit-user",
            "4",
        ],
    )
    .await;
    // Anonymous: per address.
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(http().get(gw.url("/api/me")).send().await.unwrap());
    }
    let last = statuses.pop().unwrap();
    assert!(
        statuses
            .iter()
            .all(|r| r.status() == StatusCode::UNAUTHORIZED)
    );
    assert_eq!(last.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = last.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    let body: Value = last.json().await.unwrap();
    assert_eq!(body["error"], "rate_limited");

    // Per person and per token, each on its own budget.
    let (admin, _) = gw.person("ada", true).await;
    let created = gw.bot_token(&admin, json!(["messages:read"])).await;
    let secret = created["token"].as_str().unwrap();
    assert_eq!(me(&gw, secret).await, StatusCode::OK);
    assert_eq!(me(&gw, secret).await, StatusCode::OK);
    assert_eq!(me(&gw, secret).await, StatusCode::TOO_MANY_REQUESTS);
    // ada made two requests creating the token; two more fit, then she is limited.
    assert_eq!(me(&gw, &admin).await, StatusCode::OK);
    assert_eq!(me(&gw, &admin).await, StatusCode::OK);
    assert_eq!(me(&gw, &admin).await, StatusCode::TOO_MANY_REQUESTS);
}

async fn form(gw: &TestGateway, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    http()
        .post(gw.url(path))
        .header("origin", PUBLIC)
        .form(fields)
        .send()
        .await
        .unwrap()
}

fn session_from(response: &reqwest::Response) -> Option<String> {
    let cookie = response.headers().get("set-cookie")?.to_str().ok()?;
    let value = cookie.strip_prefix("ajet_session=")?.split(';').next()?;
    (!value.is_empty()).then(|| value.to_owned())
}

#[sqlx::test(migrations = "../migrations")]
async fn the_first_sign_up_owns_the_community_then_only_invites_let_people_in(pool: PgPool) {
    let gw = TestGateway::start(pool.clone(), &[]).await;
    let page = http()
        .get(gw.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("/signup"),
        "the first run offers sign-up: {page}"
    );
    let first = form(
        &gw,
        "/signup",
        &[
            ("username", "olga"),
            ("password", "correct horse"),
            ("community", "Acme"),
        ],
    )
    .await;
    assert_eq!(
        first.status(),
        StatusCode::SEE_OTHER,
        "{:?}",
        first.text().await
    );
    let cookie = first.headers()["set-cookie"].to_str().unwrap().to_owned();
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(flag), "{cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "turned off for this plain-http test: {cookie}"
    );
    let owner_token = session_from(&first).unwrap();
    let (role, name): (String, String) = sqlx::query_as(
        "SELECT m.role, c.name FROM community_members m JOIN communities c ON c.id = m.community_id
         JOIN users u ON u.id = m.user_id WHERE u.username = 'olga'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((role.as_str(), name.as_str()), ("owner", "Acme"));
    let stored: String = sqlx::query_scalar("SELECT password_hash FROM local_credentials")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(stored.starts_with("$argon2id$") && !stored.contains("correct horse"));

    // Now sign-up needs an invite.
    let users_before = gw.count("users").await;
    let refused = form(
        &gw,
        "/signup",
        &[("username", "eve"), ("password", "long enough")],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(refused.text().await.unwrap().contains("invite"));
    let invite: Value = http()
        .post(gw.url(&format!("/api/communities/{}/invites", gw.community.id)))
        .bearer_auth(&owner_token)
        .json(&json!({ "max_uses": 1 }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = invite["code"].as_str().unwrap();
    for (fields, status) in [
        (
            vec![
                ("username", "bob"),
                ("password", "long enough"),
                ("invite", "nonsense-code"),
            ],
            404,
        ),
        (
            vec![
                ("username", &*"b".repeat(33)),
                ("password", "long enough"),
                ("invite", code),
            ],
            422,
        ),
        (
            vec![
                ("username", "bob"),
                ("password", &*"p".repeat(257)),
                ("invite", code),
            ],
            422,
        ),
        (
            vec![("username", "bob"), ("password", "short"), ("invite", code)],
            422,
        ),
        (
            vec![
                ("username", "olga"),
                ("password", "long enough"),
                ("invite", code),
            ],
            409,
        ),
    ] {
        let response = form(&gw, "/signup", &fields).await;
        assert_eq!(response.status().as_u16(), status, "{fields:?}");
        assert!(session_from(&response).is_none());
    }
    assert_eq!(gw.count("users").await, users_before, "nothing was created");
    let joined = form(
        &gw,
        "/signup",
        &[
            ("username", "bob"),
            ("password", "long enough"),
            ("invite", code),
        ],
    )
    .await;
    assert_eq!(joined.status(), StatusCode::SEE_OTHER);
    let used_up = form(
        &gw,
        "/signup",
        &[
            ("username", "carl"),
            ("password", "long enough"),
            ("invite", code),
        ],
    )
    .await;
    assert_eq!(used_up.status(), StatusCode::GONE);
    assert!(used_up.text().await.unwrap().contains("used up"));
    // An expired invite.
    let expired: Value = http()
        .post(gw.url(&format!("/api/communities/{}/invites", gw.community.id)))
        .bearer_auth(&owner_token)
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    sqlx::query("UPDATE invites SET expires_at = now() - interval '1 minute' WHERE code = $1")
        .bind(expired["code"].as_str().unwrap())
        .execute(&pool)
        .await
        .unwrap();
    let late = form(
        &gw,
        "/signup",
        &[
            ("username", "dora"),
            ("password", "long enough"),
            ("invite", expired["code"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(late.status(), StatusCode::GONE);
    assert!(late.text().await.unwrap().contains("expired"));

    let failures: Vec<String> = sqlx::query_scalar(
        "SELECT details->>'reason' FROM audit_log WHERE action = 'signup.failed' ORDER BY at, id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for reason in [
        "no_invite",
        "invite_unknown",
        "username_too_long",
        "password_too_long",
        "password_too_short",
        "username_taken",
        "invite_used_up",
        "invite_expired",
    ] {
        assert!(
            failures.iter().any(|r| r == reason),
            "{reason} in {failures:?}"
        );
    }
    // The member bob is in #general, as a member.
    let role: String = sqlx::query_scalar(
        "SELECT m.role FROM community_members m JOIN users u ON u.id = m.user_id WHERE u.username = 'bob'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(role, "member");
}

#[sqlx::test(migrations = "../migrations")]
async fn local_login_sets_the_cookie_fails_clearly_and_is_throttled(pool: PgPool) {
    let gw = TestGateway::start(pool.clone(), &["--rate-limit-login-account", "4"]).await;
    let signup = form(
        &gw,
        "/signup",
        &[("username", "olga"), ("password", "correct horse")],
    )
    .await;
    assert_eq!(signup.status(), StatusCode::SEE_OTHER);

    let ok = form(
        &gw,
        "/login",
        &[
            ("username", "OLGA"),
            ("password", "correct horse"),
            ("next", "/c/acme"),
        ],
    )
    .await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    assert_eq!(ok.headers()["location"], "/c/acme");
    let token = session_from(&ok).unwrap();
    assert_eq!(me(&gw, &token).await, StatusCode::OK);

    let offsite = form(
        &gw,
        "/login",
        &[
            ("username", "olga"),
            ("password", "correct horse"),
            ("next", "//evil.example"),
        ],
    )
    .await;
    assert_eq!(offsite.headers()["location"], "/");

    // A login form posted from another site is refused (login CSRF).
    let cross = http()
        .post(gw.url("/login"))
        .header("origin", "https://evil.example")
        .form(&[("username", "olga"), ("password", "correct horse")])
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);

    let wrong = form(
        &gw,
        "/login",
        &[("username", "olga"), ("password", "wrong password")],
    )
    .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(session_from(&wrong).is_none());
    assert!(
        wrong
            .text()
            .await
            .unwrap()
            .contains("wrong username or password")
    );
    // Three attempts at "olga" so far, the limit is four.
    let fourth = form(
        &gw,
        "/login",
        &[("username", "olga"), ("password", "wrong again")],
    )
    .await;
    assert_eq!(fourth.status(), StatusCode::UNAUTHORIZED);
    let fifth = form(
        &gw,
        "/login",
        &[("username", "olga"), ("password", "correct horse")],
    )
    .await;
    assert_eq!(fifth.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(fifth.headers().contains_key("retry-after"));

    // The cli's JSON login, for another account name.
    let cli = http()
        .post(gw.url("/auth/password"))
        .json(&json!({ "username": "nobody", "password": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(cli.status(), StatusCode::UNAUTHORIZED);
    let too_long = http()
        .post(gw.url("/auth/password"))
        .json(&json!({ "username": "nobody", "password": "x".repeat(300) }))
        .send()
        .await
        .unwrap();
    assert_eq!(too_long.status(), StatusCode::UNAUTHORIZED);

    let actions = gw.audit_actions().await;
    for action in ["signup", "login", "login.failed", "login.throttled"] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
    let stored: Vec<Vec<u8>> = sqlx::query_scalar("SELECT token_hash FROM sessions")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert!(stored.iter().all(|h| h.as_slice() != token.as_bytes()));

    // Logging out with the cookie needs our origin, then ends the session.
    let logout = http()
        .post(gw.url("/auth/logout"))
        .header("cookie", format!("ajet_session={token}"))
        .header("origin", PUBLIC)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), StatusCode::SEE_OTHER);
    assert!(
        logout.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_eq!(me(&gw, &token).await, StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_cli_password_login_returns_a_working_token(pool: PgPool) {
    let gw = TestGateway::start(pool, &[]).await;
    form(
        &gw,
        "/signup",
        &[("username", "olga"), ("password", "correct horse")],
    )
    .await;
    let response = http()
        .post(gw.url("/auth/password"))
        .json(&json!({ "username": "olga", "password": "correct horse" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["username"], "olga");
    assert_eq!(
        me(&gw, body["token"].as_str().unwrap()).await,
        StatusCode::OK
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn local_accounts_can_be_turned_off(pool: PgPool) {
    let gw = TestGateway::start(pool, &["--local-accounts", "false"]).await;
    let signup = form(
        &gw,
        "/signup",
        &[("username", "olga"), ("password", "correct horse")],
    )
    .await;
    assert_eq!(signup.status(), StatusCode::NOT_FOUND);
    assert_eq!(gw.count("local_credentials").await, 0);
    let login = http()
        .post(gw.url("/auth/password"))
        .json(&json!({ "username": "olga", "password": "correct horse" }))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::NOT_FOUND);
}

#[sqlx::test(migrations = "../migrations")]
async fn webhooks_pass_the_gateway_only_with_their_token(pool: PgPool) {
    let gw = TestGateway::start(pool, &["--rate-limit-webhook", "2"]).await;
    let (admin, _) = gw.person("ada", true).await;
    let created: Value = http()
        .post(gw.url(&format!("/api/communities/{}/webhooks", gw.community.id)))
        .bearer_auth(&admin)
        .json(&json!({ "channel_id": gw.general, "name": "CI" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();
    let token = created["token"].as_str().unwrap();
    let hook = |path: String| async move {
        http()
            .post(path)
            .header("content-type", "text/plain")
            .body("deployed")
            .send()
            .await
            .unwrap()
    };
    let posted = hook(gw.url(&format!("/hook/{id}/{token}"))).await;
    assert_eq!(posted.status(), StatusCode::CREATED);
    let message: Value = posted.json().await.unwrap();
    assert_eq!(message["author_username"], "CI");
    let wrong = ajet_db::tokens::generate();
    assert_eq!(
        hook(gw.url(&format!("/hook/{id}/{wrong}"))).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        hook(gw.url(&format!("/hook/not-an-id/{token}")))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    // Calling the api's route through the gateway without a session gets nowhere.
    let direct = http()
        .post(gw.url(&format!("/api/hooks/{id}")))
        .header("x-ajet-webhook-token", token)
        .json(&json!({ "text": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(direct.status(), StatusCode::UNAUTHORIZED);
    // Two per minute for this webhook.
    assert_eq!(
        hook(gw.url(&format!("/hook/{id}/{token}"))).await.status(),
        StatusCode::CREATED
    );
    let limited = hook(gw.url(&format!("/hook/{id}/{token}"))).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers().contains_key("retry-after"));

    let revoke = http()
        .delete(gw.url(&format!("/api/webhooks/{id}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), StatusCode::NO_CONTENT);
    // The gateway forgets the webhook when the revocation's announcement reaches it, as
    // it does a token: within moments.
    let deadline = Instant::now() + Duration::from_secs(1);
    loop {
        let status = hook(gw.url(&format!("/hook/{id}/{token}"))).await.status();
        if status == StatusCode::NOT_FOUND {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "a revoked webhook still answered {status} after a second"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn behind_a_trusted_proxy_the_forwarded_address_is_the_client(pool: PgPool) {
    let gw = TestGateway::start(
        pool.clone(),
        &["--trust-proxy", "true", "--rate-limit-ip", "2"],
    )
    .await;
    let from = |ip: &'static str| {
        http()
            .get(gw.url("/api/me"))
            .header("x-forwarded-for", format!("10.9.9.9, {ip}"))
            .send()
    };
    assert_eq!(
        from("192.0.2.1").await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        from("192.0.2.1").await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        from("192.0.2.1").await.unwrap().status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    // Another client behind the same proxy has its own budget.
    assert_eq!(
        from("192.0.2.2").await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );

    // The audit log records the client's address, not the proxy's.
    let wrong = http()
        .post(gw.url("/auth/password"))
        .header("x-forwarded-for", "198.51.100.7")
        .json(&json!({ "username": "nobody", "password": "nothing" }))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let ip: String = sqlx::query_scalar(
        "SELECT host(ip) FROM audit_log WHERE action = 'login.failed' ORDER BY at DESC LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(ip, "198.51.100.7");
}

#[sqlx::test(migrations = "../migrations")]
async fn without_a_trusted_proxy_forwarded_addresses_are_ignored(pool: PgPool) {
    let gw = TestGateway::start(pool, &["--rate-limit-ip", "2"]).await;
    for (ip, status) in [
        ("192.0.2.1", StatusCode::UNAUTHORIZED),
        ("192.0.2.2", StatusCode::UNAUTHORIZED),
        ("192.0.2.3", StatusCode::TOO_MANY_REQUESTS),
    ] {
        let response = http()
            .get(gw.url("/api/me"))
            .header("x-forwarded-for", ip)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{ip}");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn login_attempts_are_throttled_per_address_across_accounts(pool: PgPool) {
    let gw = TestGateway::start(pool, &["--rate-limit-login-ip", "3"]).await;
    let attempt = |name: &'static str| {
        http()
            .post(gw.url("/auth/password"))
            .json(&json!({ "username": name, "password": "guess" }))
            .send()
    };
    for name in ["a1", "a2", "a3"] {
        assert_eq!(
            attempt(name).await.unwrap().status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let limited = attempt("a4").await.unwrap();
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers().contains_key("retry-after"));
    let body: Value = limited.json().await.unwrap();
    assert_eq!(body["error"], "rate_limited");
}

#[sqlx::test(migrations = "../migrations")]
async fn the_openapi_document_is_public_and_https_gets_hsts(pool: PgPool) {
    let gw = TestGateway::start(pool, &["--public-url", "https://chat.example"]).await;
    let doc = http()
        .get(gw.url("/api/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(doc.status(), StatusCode::OK);
    assert_eq!(
        doc.headers()["strict-transport-security"],
        "max-age=31536000"
    );
    let body: Value = doc.json().await.unwrap();
    assert!(body["paths"]["/api/communities/{community_id}/bots"].is_object());
    // Only that document: the rest of the api still needs a token.
    let other = http()
        .get(gw.url("/api/openapi.yaml"))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrations = "../migrations")]
async fn an_announced_body_over_the_limit_is_refused_before_it_is_read(pool: PgPool) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let gw = TestGateway::start(pool, &["--max-upload-mb", "1"]).await;
    let (token, _) = gw.person("ada", false).await;
    // Headers only: an answer that waited for the 2 MiB would never come.
    let ask = |path: String, length: u64| {
        let (base, token) = (gw.base.clone(), token.clone());
        async move {
            let addr = base.trim_start_matches("http://").to_owned();
            let mut conn = tokio::net::TcpStream::connect(&addr).await.unwrap();
            let head = format!(
                "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
                 Content-Type: multipart/form-data; boundary=x\r\n\
                 Content-Length: {length}\r\nConnection: close\r\n\r\n"
            );
            conn.write_all(head.as_bytes()).await.unwrap();
            let mut answer = vec![0u8; 4096];
            let n = tokio::time::timeout(Duration::from_secs(5), conn.read(&mut answer))
                .await
                .expect("no answer before the body was sent")
                .unwrap();
            String::from_utf8_lossy(&answer[..n]).into_owned()
        }
    };
    let upload = format!("/api/channels/{}/attachments", gw.general);
    let answer = ask(upload, 2 * 1024 * 1024).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("\"payload_too_large\""), "{answer}");
    assert!(answer.contains("1 MiB at most"), "{answer}");
    let message = format!("/api/channels/{}/messages", gw.general);
    let answer = ask(message, 10 * 1024 * 1024).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
}
