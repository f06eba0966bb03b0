//! Moderation and slash commands through the real HTTP stack, database and NATS: bans,
//! kicks, mutes that end by themselves, purges, invites back, and every command for every
//! kind of caller.

#![expect(
    clippy::unwrap_used,
    reason = "the harness fails a test loudly on setup errors"
)]

mod harness;

use ajet_core::UserId;
use ajet_db::PgPool;
use harness::{Caller, TestApp};
use serde_json::{Value, json};

async fn owner(app: &TestApp, name: &str) -> (Caller, UserId) {
    let (token, id) = app.admin(name).await;
    sqlx::query("UPDATE community_members SET role = 'owner' WHERE user_id = $1")
        .bind(id.as_uuid())
        .execute(&app.pool)
        .await
        .unwrap();
    (Caller::new(app, Some(&token)), id)
}

async fn admin(app: &TestApp, name: &str) -> (Caller, UserId) {
    let (token, id) = app.admin(name).await;
    (Caller::new(app, Some(&token)), id)
}

async fn member(app: &TestApp, name: &str) -> (Caller, UserId) {
    let (_, id) = app.user(name).await;
    let token = app.token_for(id).await;
    (Caller::new(app, Some(&token)), id)
}

/// Runs `text` in #general as `who`.
async fn run(app: &TestApp, who: &Caller, text: &str) -> (u16, Value) {
    who.post(
        "/api/commands",
        json!({ "channel_id": app.general, "text": text }),
    )
    .await
}

fn said(answer: &(u16, Value)) -> String {
    assert_eq!(answer.0, 200, "{}", answer.1);
    assert_eq!(answer.1["kind"], "ephemeral", "{}", answer.1);
    answer.1["markdown"].as_str().unwrap().to_owned()
}

async fn app_user(app: &TestApp, name: &str) -> String {
    sqlx::query_scalar::<_, uuid::Uuid>("SELECT id FROM users WHERE username = $1")
        .bind(name)
        .fetch_one(&app.pool)
        .await
        .unwrap()
        .to_string()
}

/// The names of the commands `who` may run in #general.
async fn listed(app: &TestApp, who: &Caller) -> Vec<String> {
    let (status, list) = who
        .get(&format!("/api/commands?channel_id={}", app.general))
        .await;
    assert_eq!(status, 200, "{list}");
    list.as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn notifications_of(app: &TestApp, user: UserId) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT data->>'text' FROM notifications WHERE user_id = $1 AND kind = 'system'
         ORDER BY created_at",
    )
    .bind(user.as_uuid())
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

async fn audit(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT action FROM audit_log ORDER BY at")
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_ban_removes_refuses_and_ends_and_the_person_can_be_invited_back(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let (ada, _) = admin(&app, "ada").await;
    let (bob, bob_id) = member(&app, "bob").await;
    let community = app.community.id;

    let (status, _) = ada
        .post(
            &format!("/api/communities/{community}/bans"),
            json!({ "user_id": bob_id, "reason": "spam" }),
        )
        .await;
    assert_eq!(status, 204);
    // Gone from the community and its channels; reading is refused.
    let (status, body) = bob
        .get(&format!("/api/channels/{}/messages", app.general))
        .await;
    assert!(status == 403 || status == 404, "{status} {body}");
    let (status, bans) = ada.get(&format!("/api/communities/{community}/bans")).await;
    assert_eq!(status, 200);
    assert_eq!(bans[0]["username"], "bob");
    assert_eq!(bans[0]["reason"], "spam");
    assert_eq!(bans[0]["by_username"], "ada");
    assert!(
        notifications_of(&app, bob_id).await[0]
            .contains("You were banned from Test Org until lifted. Reason: spam")
    );
    assert!(audit(&app).await.contains(&"member.ban".to_owned()));

    // An invite does not bring a banned person back.
    let (_, invite) = ada
        .post(&format!("/api/communities/{community}/invites"), json!({}))
        .await;
    let code = invite["code"].as_str().unwrap().to_owned();
    let (status, body) = bob
        .post(&format!("/api/invites/{code}/accept"), json!({}))
        .await;
    assert_eq!(status, 403, "{body}");
    assert!(body["message"].as_str().unwrap().contains("banned"));

    // Lifted, the same invite works.
    let (status, _) = ada
        .delete(&format!("/api/communities/{community}/bans/{bob_id}"))
        .await;
    assert_eq!(status, 204);
    let (status, body) = bob
        .post(&format!("/api/invites/{code}/accept"), json!({}))
        .await;
    assert_eq!(status, 204, "{body}");
    let (status, _) = bob
        .get(&format!("/api/channels/{}/messages", app.general))
        .await;
    assert_eq!(status, 200);
    let (status, _) = bob
        .post(&format!("/api/invites/{code}/accept"), json!({}))
        .await;
    assert_eq!(status, 409);

    // A ban that has ended refuses nothing, with no job run.
    let (status, _) = ada
        .post(
            &format!("/api/communities/{community}/bans"),
            json!({ "user_id": bob_id, "expires_at": chrono::Utc::now() + chrono::TimeDelta::minutes(10) }),
        )
        .await;
    assert_eq!(status, 204);
    sqlx::query("UPDATE bans SET expires_at = now() - interval '1 second'")
        .execute(&app.pool)
        .await
        .unwrap();
    let (status, body) = bob
        .post(&format!("/api/invites/{code}/accept"), json!({}))
        .await;
    assert_eq!(status, 204, "{body}");
}

#[sqlx::test(migrations = "../migrations")]
async fn who_may_moderate_whom(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let (olga, olga_id) = owner(&app, "olga").await;
    let (ada, ada_id) = admin(&app, "ada").await;
    let (_, ann_id) = admin(&app, "ann").await;
    let (bob, bob_id) = member(&app, "bob").await;
    let community = app.community.id;
    let kick = |who: UserId| json!({ "user_id": who });
    let path = format!("/api/communities/{community}/kicks");
    // A member moderates nobody; an admin not another admin, nor the owner; nobody themselves.
    assert_eq!(bob.post(&path, kick(ada_id)).await.0, 403);
    assert_eq!(ada.post(&path, kick(ann_id)).await.0, 403);
    assert_eq!(ada.post(&path, kick(olga_id)).await.0, 403);
    assert_eq!(ada.post(&path, kick(ada_id)).await.0, 422);
    // Someone outside the community is named as such.
    let (outsider, _) = {
        let mut conn = app.pool.acquire().await.unwrap();
        let user = ajet_db::users::insert(&mut conn, "stranger").await.unwrap();
        (user.id, ())
    };
    let (status, body) = ada.post(&path, kick(outsider)).await;
    assert_eq!(status, 404, "{body}");
    assert!(body["message"].as_str().unwrap().contains("not a member"));
    // The owner moderates admins.
    assert_eq!(olga.post(&path, kick(ann_id)).await.0, 204);
    assert_eq!(ada.post(&path, kick(bob_id)).await.0, 204);
    assert!(notifications_of(&app, bob_id).await[0].contains("removed from Test Org"));
    // A too-long reason and an end in the past change nothing.
    let (_, carl_id) = member(&app, "carl").await;
    let (status, _) = ada
        .post(
            &format!("/api/communities/{community}/bans"),
            json!({ "user_id": carl_id, "reason": "x".repeat(501) }),
        )
        .await;
    assert_eq!(status, 422);
    let (status, _) = ada
        .post(
            &format!("/api/communities/{community}/mutes"),
            json!({ "user_id": carl_id, "expires_at": "2000-01-01T00:00:00Z" }),
        )
        .await;
    assert_eq!(status, 422);
    let (_, bans) = ada.get(&format!("/api/communities/{community}/bans")).await;
    assert_eq!(bans, json!([]));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_timed_mute_refuses_posts_until_it_ends(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let (ada, _) = admin(&app, "ada").await;
    let (bob, bob_id) = member(&app, "bob").await;
    let community = app.community.id;
    let (status, _) = ada
        .post(
            &format!("/api/communities/{community}/mutes"),
            json!({ "user_id": bob_id, "expires_at": chrono::Utc::now() + chrono::TimeDelta::minutes(10) }),
        )
        .await;
    assert_eq!(status, 204);
    let path = format!("/api/channels/{}/messages", app.general);
    let post = || bob.post(&path, json!({ "body": "hello" }));
    let (status, body) = post().await;
    assert_eq!(status, 403);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("muted in this community until"),
        "{body}"
    );
    // A command that posts is refused the same way; one that does not is not.
    let (status, _) = run(&app, &bob, "/me waves").await;
    assert_eq!(status, 403);
    said(&run(&app, &bob, "/help").await);
    let (_, mutes) = ada
        .get(&format!("/api/communities/{community}/mutes"))
        .await;
    assert_eq!(mutes[0]["username"], "bob");
    // The clock passes the end: posting works, with no job run.
    sqlx::query("UPDATE mutes SET expires_at = now() - interval '1 second'")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(post().await.0, 201);
    let (_, mutes) = ada
        .get(&format!("/api/communities/{community}/mutes"))
        .await;
    assert_eq!(mutes, json!([]));
    // Muted until lifted, then lifted.
    assert_eq!(run(&app, &ada, "/mute @bob").await.0, 200);
    assert_eq!(post().await.0, 403);
    assert_eq!(
        said(&run(&app, &ada, "/unmute @bob").await),
        "@bob can post again."
    );
    assert_eq!(post().await.0, 201);
}

#[sqlx::test(migrations = "../migrations")]
async fn purge_deletes_exactly_the_last_n_with_one_event_each(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let (ada, _) = admin(&app, "ada").await;
    let (bob, bob_id) = member(&app, "bob").await;
    let (carl, _) = member(&app, "carl").await;
    let general = app.general;
    for i in 0..6 {
        let who = if i % 2 == 0 { &bob } else { &carl };
        let (status, _) = who
            .post(
                &format!("/api/channels/{general}/messages"),
                json!({ "body": format!("m{i}") }),
            )
            .await;
        assert_eq!(status, 201);
    }
    let live = |app: &TestApp| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, String>(
                "SELECT body_md FROM messages WHERE deleted_at IS NULL ORDER BY seq",
            )
            .fetch_all(&pool)
            .await
            .unwrap()
        }
    };
    // Of one person: their last two (m4, m2), not carl's.
    let (status, body) = ada
        .post(
            &format!("/api/channels/{general}/purge"),
            json!({ "count": 2, "user_id": bob_id }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["deleted"], 2);
    assert_eq!(live(&app).await, ["m0", "m1", "m3", "m5"]);
    // The last three of the channel, by command.
    assert_eq!(
        said(&run(&app, &ada, "/purge 3").await),
        "Deleted 3 messages."
    );
    assert_eq!(live(&app).await, ["m0"]);
    let recorded: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'channel.purge'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(recorded, 2);
    // Bad counts change nothing.
    for count in [0, 1_000_000] {
        let (status, _) = ada
            .post(
                &format!("/api/channels/{general}/purge"),
                json!({ "count": count }),
            )
            .await;
        assert_eq!(status, 422);
    }
    assert_eq!(run(&app, &ada, "/purge 0").await.0, 400);
    assert_eq!(
        bob.post(
            &format!("/api/channels/{general}/purge"),
            json!({ "count": 1 })
        )
        .await
        .0,
        403
    );
    assert_eq!(live(&app).await, ["m0"]);
}

/// What each kind of caller gets from each command.
#[sqlx::test(migrations = "../migrations")]
async fn every_command_for_every_caller(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let (olga, _) = owner(&app, "olga").await;
    let (ada, _) = admin(&app, "ada").await;
    let (bob, _) = member(&app, "bob").await;
    let (muted, muted_id) = member(&app, "mia").await;
    let (banned, banned_id) = member(&app, "ben").await;
    let (_, _carl) = member(&app, "carl").await;
    app.mute(muted_id).await;
    app.ban(banned_id).await;
    let community = app.community.id;
    let (status, _) = ada
        .post(
            &format!("/api/communities/{community}/channels"),
            json!({ "name": "random" }),
        )
        .await;
    assert_eq!(status, 201);

    // /help lists exactly what each may run.
    let members = [
        "join", "leave", "topic", "msg", "me", "invite", "nick", "away", "back", "help",
    ];
    assert_eq!(listed(&app, &bob).await, members);
    assert_eq!(listed(&app, &muted).await, members);
    let everything = listed(&app, &ada).await;
    assert_eq!(everything, listed(&app, &olga).await);
    assert!(
        everything.contains(&"ban".to_owned()) && everything.contains(&"token create".to_owned())
    );
    assert_eq!(
        banned
            .get(&format!("/api/commands?channel_id={}", app.general))
            .await
            .0,
        403
    );
    let help = said(&run(&app, &bob, "/help").await);
    assert!(
        help.contains("/join #channel") && !help.contains("/ban"),
        "{help}"
    );
    assert_eq!(
        run(&app, &bob, "/help ban").await.1["error"],
        "unknown_command"
    );
    assert!(said(&run(&app, &ada, "/help ban").await).contains("/ban @user [duration] [reason]"));

    // Members' commands.
    assert_eq!(
        said(&run(&app, &bob, "/join #random").await),
        "You joined #random."
    );
    assert_eq!(
        said(&run(&app, &bob, "/leave #random").await),
        "You left #random."
    );
    assert_eq!(
        said(&run(&app, &bob, "/topic Ship it").await),
        "The topic of #general is now: Ship it"
    );
    assert_eq!(
        said(&run(&app, &bob, "/nick Bobby").await),
        "Your nickname is now Bobby."
    );
    assert_eq!(
        said(&run(&app, &bob, "/nick").await),
        "Your nickname is cleared."
    );
    // Inviting takes being in the channel oneself.
    assert_eq!(run(&app, &bob, "/invite @carl #random").await.0, 404);
    said(&run(&app, &bob, "/join #random").await);
    assert_eq!(
        said(&run(&app, &bob, "/invite @carl #random").await),
        "@carl is now in #random."
    );
    let (status, me) = run(&app, &bob, "/me waves").await;
    assert_eq!(status, 200);
    assert_eq!(me["kind"], "posted");
    assert_eq!(me["message"]["body"], "_waves_");
    let (_, msg) = run(&app, &bob, "/msg @carl psst").await;
    assert_eq!(msg["kind"], "posted", "{msg}");
    assert_ne!(msg["message"]["channel_id"], json!(app.general));
    // Away: offline to others despite a heartbeat, until back.
    let away = |app: &TestApp| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, bool>("SELECT away FROM users WHERE username = 'bob'")
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    assert!(said(&run(&app, &bob, "/away").await).contains("until you type /back"));
    assert!(away(&app).await);
    assert_eq!(bob.post("/api/heartbeat", json!({})).await.0, 204);
    let (_, presence) = olga
        .get(&format!(
            "/api/presence?user_ids={}",
            app_user(&app, "bob").await
        ))
        .await;
    assert_eq!(presence[0]["online"], false, "{presence}");
    assert_eq!(said(&run(&app, &bob, "/back").await), "You are back.");
    assert!(!away(&app).await);
    let (_, text) = run(&app, &bob, "//shrug").await;
    assert_eq!(text["message"]["body"], "/shrug");

    // Moderators' commands are refused to members, muted or not, with 403.
    for text in [
        "/ban @carl",
        "/unban @carl",
        "/kick @carl",
        "/mute @carl",
        "/unmute @carl",
        "/purge",
        "/role @carl admin",
        "/token create x admin",
        "/token list",
        "/webhook list",
        "/invite create",
    ] {
        let (status, body) = run(&app, &bob, text).await;
        assert_eq!(status, 403, "{text}: {body}");
        assert_eq!(run(&app, &muted, text).await.0, 403, "{text}");
    }
    // A banned member runs nothing there.
    assert_eq!(run(&app, &banned, "/help").await.0, 403);

    // Admins run them.
    assert!(said(&run(&app, &ada, "/role @carl admin").await).contains("@carl is now an admin"));
    assert!(said(&run(&app, &olga, "/role @carl member").await).contains("@carl is now a member"));
    let token = said(
        &run(
            &app,
            &ada,
            "/token create deployer messages:write #random --expires 30d",
        )
        .await,
    );
    assert!(token.contains("shown this once"), "{token}");
    assert!(said(&run(&app, &ada, "/token list").await).contains("deployer"));
    let hook = said(&run(&app, &ada, "/webhook create #random CI").await);
    assert!(hook.contains("/hook/"), "{hook}");
    assert!(said(&run(&app, &ada, "/webhook list").await).contains("**CI**"));
    assert!(said(&run(&app, &ada, "/invite create 5 7d").await).contains("/signup?invite="));
    assert!(
        said(&run(&app, &ada, "/ban @carl 2h spam").await).starts_with("@carl is banned until")
    );
    assert_eq!(
        said(&run(&app, &ada, "/unban @carl").await),
        "@carl's ban is lifted."
    );

    // Errors say what to type, and name what is missing.
    let (status, body) = run(&app, &bob, "/frobnicate").await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "unknown_command");
    assert_eq!(
        body["message"],
        "unknown command /frobnicate — /help lists the commands you can run"
    );
    let (status, body) = run(&app, &ada, "/ban").await;
    assert_eq!(status, 400);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("usage: /ban @user")
    );
    let (status, body) = run(&app, &ada, "/kick @nobody").await;
    assert_eq!(status, 404);
    assert!(body["message"].as_str().unwrap().contains("@nobody"));
    let (status, body) = run(&app, &bob, "/join #nowhere").await;
    assert_eq!(status, 404);
    assert!(body["message"].as_str().unwrap().contains("#nowhere"));
    assert_eq!(run(&app, &ada, "/ban @carl -5m").await.0, 400);
    assert_eq!(run(&app, &ada, "/ban @carl 99999y").await.0, 400);
    assert_eq!(
        run(&app, &ada, "/token create x admin --forever").await.0,
        400
    );
    let long = format!("/topic {}", "x".repeat(16_001));
    assert_eq!(run(&app, &bob, &long).await.0, 413);
    // Nothing half-done: carl is not banned; only ben, from the start, is.
    let (_, bans) = ada.get(&format!("/api/communities/{community}/bans")).await;
    assert_eq!(bans.as_array().unwrap().len(), 1);
    assert_eq!(bans[0]["username"], "ben");
}

#[sqlx::test(migrations = "../migrations")]
async fn tokens_and_bots_run_commands_within_their_scopes(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let (ada, _) = admin(&app, "ada").await;
    let community = app.community.id;
    let (_, bot) = ada
        .post(
            &format!("/api/communities/{community}/bots"),
            json!({ "name": "helper" }),
        )
        .await;
    let bot_id = bot["id"].as_str().unwrap();
    let (_, read_only) = ada
        .post(
            &format!("/api/bots/{bot_id}/tokens"),
            json!({ "name": "ro", "scopes": ["messages:read", "channels:read"] }),
        )
        .await;
    let read_only = Caller::new(&app, read_only["token"].as_str());
    // A bot is a member: members' commands only, and a read-only token cannot post.
    let (status, _) = run(&app, &read_only, "/me hums").await;
    assert_eq!(status, 403);
    assert_eq!(run(&app, &read_only, "/ban @ada").await.0, 403);
    said(&run(&app, &read_only, "/help").await);
}
