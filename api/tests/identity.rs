//! Identity and access through the real HTTP stack, database and NATS: bots and scoped
//! tokens, webhooks, invites, sessions, account deletion, the audit log, and revocation
//! reaching another api instance.

#![expect(
    clippy::unwrap_used,
    reason = "the harness fails a test loudly on setup errors"
)]

mod harness;

use std::time::{Duration, Instant};

use ajet_core::UserId;
use ajet_db::PgPool;
use harness::{Caller, TestApp};
use serde_json::{Value, json};

async fn member(app: &TestApp, name: &str) -> (String, UserId) {
    let (_, id) = app.user(name).await;
    (app.token_for(id).await, id)
}

/// A bot of the test community and a token for it with `scopes`.
async fn bot_token(
    app: &TestApp,
    admin: &Caller,
    scopes: Value,
    channels: Option<Value>,
) -> (String, Value) {
    let (status, bot) = admin
        .post(
            &format!("/api/communities/{}/bots", app.community.id),
            json!({ "name": "CI Bot" }),
        )
        .await;
    assert!(status == 201 || status == 409, "{status} {bot}");
    let bot_id = if status == 201 {
        bot["id"].as_str().unwrap().to_owned()
    } else {
        let (_, bots) = admin
            .get(&format!("/api/communities/{}/bots", app.community.id))
            .await;
        bots[0]["id"].as_str().unwrap().to_owned()
    };
    let mut body = json!({ "name": "deploy", "scopes": scopes });
    if let Some(channels) = channels {
        body["channel_ids"] = channels;
    }
    let (status, created) = admin
        .post(&format!("/api/bots/{bot_id}/tokens"), body)
        .await;
    assert_eq!(status, 201, "{created}");
    (created["token"].as_str().unwrap().to_owned(), created)
}

async fn audit_actions(pool: &PgPool) -> Vec<String> {
    sqlx::query_scalar("SELECT action FROM audit_log ORDER BY at, id")
        .fetch_all(pool)
        .await
        .unwrap()
}

/// Polls `f` until it returns true or `within` passes; how long it took.
async fn within<F, Fut>(within: Duration, mut f: F) -> Option<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while start.elapsed() < within {
        if f().await {
            return Some(start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

#[sqlx::test(migrations = "../migrations")]
async fn an_admin_creates_a_bot_whose_scoped_token_works_until_revoked(pool: PgPool) {
    let app = TestApp::new(pool.clone()).await;
    let (admin_token, _) = app.admin("ada").await;
    let admin = Caller::new(&app, Some(&admin_token));
    let (secret, created) = bot_token(
        &app,
        &admin,
        json!(["messages:read", "messages:write"]),
        None,
    )
    .await;
    assert_eq!(
        created["scopes"],
        json!(["messages:read", "messages:write"])
    );
    assert_eq!(created["revoked"], false);

    let bot = Caller::new(&app, Some(&secret));
    let general = app.general;
    let (status, message) = bot
        .post(
            &format!("/api/channels/{general}/messages"),
            json!({ "body": "deployed" }),
        )
        .await;
    assert_eq!(status, 201, "{message}");
    assert_eq!(message["author_username"], "CI-Bot");
    assert_eq!(
        message["author_bot"], true,
        "a bot's message says so: {message}"
    );
    // A second post takes the batched path (the channel is known by now): marked too.
    let (status, again) = bot
        .post(
            &format!("/api/channels/{general}/messages"),
            json!({ "body": "deployed again" }),
        )
        .await;
    assert_eq!(status, 201, "{again}");
    assert_eq!(again["author_bot"], true, "{again}");
    let (status, page) = bot.get(&format!("/api/channels/{general}/messages")).await;
    assert_eq!(status, 200);
    let listed = page["messages"].as_array().unwrap();
    assert!(listed.iter().all(|m| m["author_bot"] == true), "{page}");
    let (_, mine) = admin
        .post(
            &format!("/api/channels/{general}/messages"),
            json!({ "body": "by a person" }),
        )
        .await;
    assert!(
        mine.get("author_bot").is_none(),
        "a person's message carries no flag: {mine}"
    );
    // Without channels:read the channel list is refused.
    let (status, body) = bot.get("/api/channels").await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"], "forbidden");

    // Listed without the secret; last use recorded.
    let bot_id = created["bot_id"].as_str().unwrap();
    let (status, list) = admin.get(&format!("/api/bots/{bot_id}/tokens")).await;
    assert_eq!(status, 200);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert!(list[0].get("token").is_none(), "{list}");
    assert!(!list[0]["last_used_at"].is_null(), "{list}");

    // Only the keyed hash is stored.
    let stored: Vec<Vec<u8>> = sqlx::query_scalar("SELECT token_hash FROM api_tokens")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], secret.as_bytes());
    assert_eq!(stored[0], app.hasher.hash(&secret));
    let dump: String = sqlx::query_scalar("SELECT row_to_json(t)::text FROM api_tokens t")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(!dump.contains(&secret));

    let token_id = created["id"].as_str().unwrap();
    let (status, _) = admin.delete(&format!("/api/tokens/{token_id}")).await;
    assert_eq!(status, 204);
    let (status, body) = bot.get("/api/me").await;
    assert_eq!(status, 401, "a revoked token is refused at once: {body}");

    let actions = audit_actions(&pool).await;
    for action in ["bot.create", "token.create", "token.revoke"] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn members_and_tokens_without_admin_cannot_manage_bots(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let (admin_token, _) = app.admin("ada").await;
    let admin = Caller::new(&app, Some(&admin_token));
    let (member_token, _) = member(&app, "mel").await;
    let member = Caller::new(&app, Some(&member_token));
    let path = format!("/api/communities/{}/bots", app.community.id);
    let (status, body) = member.post(&path, json!({ "name": "mine" })).await;
    assert_eq!(status, 403, "{body}");
    let (status, _) = member.get(&path).await;
    assert_eq!(status, 403);
    // An outsider's community looks like no community at all.
    let (status, _) = member
        .post(
            &format!("/api/communities/{}/bots", uuid::Uuid::new_v4()),
            json!({ "name": "x" }),
        )
        .await;
    assert_eq!(status, 404);

    let (secret, _) = bot_token(&app, &admin, json!(["messages:read"]), None).await;
    let bot = Caller::new(&app, Some(&secret));
    let (status, body) = bot.post(&path, json!({ "name": "child" })).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("admin"),
        "{body}"
    );

    // Bad input: no scopes, unknown scope, a name too long, an expiry in the past.
    let (_, bots) = admin.get(&path).await;
    let bot_id = bots[0]["id"].as_str().unwrap();
    let tokens = format!("/api/bots/{bot_id}/tokens");
    for body in [
        json!({ "name": "x", "scopes": [] }),
        json!({ "name": "x", "scopes": ["root"] }),
        json!({ "name": "x".repeat(65), "scopes": ["admin"] }),
        json!({ "name": "x", "scopes": ["admin"], "expires_at": "2001-01-01T00:00:00Z" }),
    ] {
        let (status, answer) = admin.post(&tokens, body.clone()).await;
        assert_eq!(status, 422, "{body} → {answer}");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn restricted_and_expired_tokens_are_held_to_their_limits(pool: PgPool) {
    let app = TestApp::new(pool.clone()).await;
    let (admin_token, _) = app.admin("ada").await;
    let admin = Caller::new(&app, Some(&admin_token));
    let other = {
        let mut conn = pool.acquire().await.unwrap();
        ajet_db::channels::insert_text(
            &mut conn,
            app.community.id,
            "ops",
            ajet_core::dto::Visibility::Public,
            None,
        )
        .await
        .unwrap()
    };
    let (secret, created) = bot_token(
        &app,
        &admin,
        json!(["messages:read", "messages:write", "channels:read"]),
        Some(json!([other])),
    )
    .await;
    let bot = Caller::new(&app, Some(&secret));
    let (status, _) = bot
        .post(
            &format!("/api/channels/{}/messages", app.general),
            json!({ "body": "x" }),
        )
        .await;
    assert_eq!(status, 404, "restricted to another channel");
    let (status, channels) = bot.get("/api/channels").await;
    assert_eq!(status, 200);
    // The list is an array, or an object holding one (its shape is the channels API's).
    let list = channels
        .as_array()
        .or_else(|| channels["channels"].as_array())
        .unwrap();
    assert!(
        list.iter().all(|c| c["id"] != json!(app.general)),
        "{channels}"
    );

    sqlx::query("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1")
        .bind(
            created["id"]
                .as_str()
                .unwrap()
                .parse::<uuid::Uuid>()
                .unwrap(),
        )
        .execute(&pool)
        .await
        .unwrap();
    // A fresh api instance has nothing cached: the expiry is seen at once.
    let fresh = TestApp::new(pool.clone()).await;
    let (status, _) = Caller::new(&fresh, Some(&secret)).get("/api/me").await;
    assert_eq!(status, 401);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_revocation_reaches_another_api_instance_within_a_second(pool: PgPool) {
    let one = TestApp::new(pool.clone()).await;
    let two = TestApp::new(pool.clone()).await;
    let (admin_token, _) = one.admin("ada").await;
    let admin = Caller::new(&one, Some(&admin_token));
    let (secret, created) = bot_token(&one, &admin, json!(["messages:read"]), None).await;
    let (member_token, _) = member(&one, "mel").await;

    // Both credentials are validated (and cached) on the second instance.
    for token in [&secret, &member_token] {
        let (status, _) = Caller::new(&two, Some(token)).get("/api/me").await;
        assert_eq!(status, 200);
    }
    let (status, _) = admin
        .delete(&format!("/api/tokens/{}", created["id"].as_str().unwrap()))
        .await;
    assert_eq!(status, 204);
    let took = within(Duration::from_secs(1), || async {
        Caller::new(&two, Some(&secret)).get("/api/me").await.0 == 401
    })
    .await;
    assert!(
        took.is_some(),
        "the revoked token still worked on the other instance after 1 s"
    );

    // A person revokes one of their sessions through the first instance.
    let mel = Caller::new(&one, Some(&member_token));
    let (status, sessions) = mel.get("/api/sessions").await;
    assert_eq!(status, 200);
    let sessions = sessions.as_array().unwrap();
    let current: Vec<&Value> = sessions.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1, "{sessions:?}");
    let session_id = current[0]["id"].as_str().unwrap();
    let (status, _) = mel.delete(&format!("/api/sessions/{session_id}")).await;
    assert_eq!(status, 204);
    let took = within(Duration::from_secs(1), || async {
        Caller::new(&two, Some(&member_token))
            .get("/api/me")
            .await
            .0
            == 401
    })
    .await;
    assert!(
        took.is_some(),
        "the revoked session still worked on the other instance after 1 s"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_webhook_posts_as_its_bot_until_revoked(pool: PgPool) {
    let app = TestApp::new(pool.clone()).await;
    let (admin_token, _) = app.admin("ada").await;
    let admin = Caller::new(&app, Some(&admin_token));
    let (status, created) = admin
        .post(
            &format!("/api/communities/{}/webhooks", app.community.id),
            json!({ "channel_id": app.general, "name": "GitHub" }),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap();
    let secret = created["token"].as_str().unwrap();
    let deliver = |token: &str| {
        let token = token.to_owned();
        // `?format=plain`: read as the project's markdown, answered with the message.
        let url = app.url(&format!("/api/hooks/{id}?format=plain"));
        async move {
            let response = reqwest::Client::new()
                .post(url)
                .header("x-ajet-webhook-token", token)
                .json(&json!({ "text": "build passed" }))
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let (status, message) = deliver(secret).await;
    assert_eq!(status, 201, "{message}");
    assert_eq!(message["author_username"], "GitHub");
    assert_eq!(message["body"], "build passed");
    assert_eq!(message["channel_id"], json!(app.general));

    let wrong = ajet_db::tokens::generate();
    let (status, _) = deliver(&wrong).await;
    assert_eq!(status, 404);
    let (status, _) = deliver("").await;
    assert_eq!(status, 404);

    let (status, list) = admin
        .get(&format!("/api/communities/{}/webhooks", app.community.id))
        .await;
    assert_eq!(status, 200);
    assert!(list[0].get("token").is_none());
    let stored: Vec<u8> = sqlx::query_scalar("SELECT token_hash FROM webhooks")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(stored, app.hasher.hash(secret));

    let (status, _) = admin.delete(&format!("/api/webhooks/{id}")).await;
    assert_eq!(status, 204);
    let (status, _) = deliver(secret).await;
    assert_eq!(status, 404);
    assert_eq!(app.message_count().await, 1);
    let actions = audit_actions(&pool).await;
    assert!(
        actions.contains(&"webhook.create".to_owned()),
        "{actions:?}"
    );
    assert!(
        actions.contains(&"webhook.revoke".to_owned()),
        "{actions:?}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn invites_are_created_listed_and_revoked_by_admins(pool: PgPool) {
    let app = TestApp::new(pool.clone()).await;
    let (admin_token, _) = app.admin("ada").await;
    let admin = Caller::new(&app, Some(&admin_token));
    let path = format!("/api/communities/{}/invites", app.community.id);
    let (status, invite) = admin.post(&path, json!({ "max_uses": 2 })).await;
    assert_eq!(status, 201, "{invite}");
    assert_eq!(invite["uses"], 0);
    assert!(invite["code"].as_str().unwrap().len() >= 32);
    let (status, body) = admin.post(&path, json!({ "max_uses": 0 })).await;
    assert_eq!(status, 422, "{body}");
    let (member_token, _) = member(&app, "mel").await;
    let (status, _) = Caller::new(&app, Some(&member_token))
        .post(&path, json!({}))
        .await;
    assert_eq!(status, 403);
    let (status, list) = admin.get(&path).await;
    assert_eq!(status, 200);
    assert_eq!(list.as_array().unwrap().len(), 1);
    let (status, _) = admin
        .delete(&format!("/api/invites/{}", invite["id"].as_str().unwrap()))
        .await;
    assert_eq!(status, 204);
    let (_, list) = admin.get(&path).await;
    assert_eq!(list[0]["revoked"], true);
    let actions = audit_actions(&pool).await;
    assert!(actions.contains(&"invite.create".to_owned()), "{actions:?}");
    assert!(actions.contains(&"invite.revoke".to_owned()), "{actions:?}");

    // Admins read the community's audit log, newest first, a page at a time.
    let audit = format!("/api/communities/{}/audit", app.community.id);
    let (status, page) = admin.get(&format!("{audit}?limit=1")).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["entries"][0]["action"], "invite.revoke");
    assert_eq!(page["has_more"], true);
    let last = page["entries"][0]["id"].as_str().unwrap();
    let (_, older) = admin.get(&format!("{audit}?limit=1&before={last}")).await;
    assert_eq!(older["entries"][0]["action"], "invite.create");
    assert!(older["entries"][0].get("ip").is_none());
    let (status, _) = Caller::new(&app, Some(&member_token)).get(&audit).await;
    assert_eq!(status, 403);
}

#[sqlx::test(migrations = "../migrations")]
async fn deleting_an_account_revokes_it_and_keeps_its_messages_anonymous(pool: PgPool) {
    let app = TestApp::new(pool.clone()).await;
    let (token, id) = member(&app, "mel").await;
    let mel = Caller::new(&app, Some(&token));
    let (status, _) = mel
        .post(
            &format!("/api/channels/{}/messages", app.general),
            json!({ "body": "bye" }),
        )
        .await;
    assert_eq!(status, 201);
    let second = app.token_for(id).await;
    let (status, _) = mel.delete("/api/me").await;
    assert_eq!(status, 204);
    for t in [&token, &second] {
        let (status, _) = Caller::new(&app, Some(t)).get("/api/me").await;
        assert_eq!(status, 401);
    }
    let (username, deleted): (String, bool) =
        sqlx::query_as("SELECT username, deleted_at IS NOT NULL FROM users WHERE id = $1")
            .bind(id.as_uuid())
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(deleted);
    assert!(username.starts_with("deleted-"), "{username}");
    let authored: i64 = sqlx::query_scalar("SELECT count(*) FROM messages WHERE author_id = $1")
        .bind(id.as_uuid())
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(authored, 1);

    // An owner must hand over first.
    let (owner_token, owner) = app.admin("olga").await;
    sqlx::query("UPDATE community_members SET role = 'owner' WHERE user_id = $1")
        .bind(owner.as_uuid())
        .execute(&pool)
        .await
        .unwrap();
    let (status, body) = Caller::new(&app, Some(&owner_token))
        .delete("/api/me")
        .await;
    assert_eq!(status, 409, "{body}");
}
