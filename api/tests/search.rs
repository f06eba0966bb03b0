//! Searching messages through the real HTTP stack and database: every operator, who may
//! find what, ranking, snippets, pagination and malformed queries.

#![expect(
    clippy::unwrap_used,
    reason = "the harness fails a test loudly on setup errors"
)]

mod harness;

use std::collections::HashSet;

use ajet_core::search::SearchPage;
use ajet_core::{ChannelId, ErrorCode, MessageId, UserId};
use ajet_db::PgPool;
use ajet_sdk::Client;
use harness::TestApp;
use uuid::Uuid;

/// The bodies `client` finds for `q`, best first (one page of up to 100).
async fn bodies(client: &Client, q: &str) -> Vec<String> {
    let page = client.search(q, None, Some(100)).await.unwrap();
    assert!(page.next_cursor.is_none(), "more than one page for {q:?}");
    page.results.into_iter().map(|r| r.message.body).collect()
}

/// Posts each of `bodies` to `channel`, in order; their ids.
async fn post(client: &Client, channel: ChannelId, bodies: &[&str]) -> Vec<MessageId> {
    let mut ids = Vec::new();
    for body in bodies {
        ids.push(client.send_message(channel, body).await.unwrap().id);
    }
    ids
}

/// A channel of `community` (or, with `None`, a DM) with exactly these members.
async fn channel(
    app: &TestApp,
    community: Option<Uuid>,
    name: &str,
    private: bool,
    members: &[UserId],
) -> ChannelId {
    let id = Uuid::now_v7();
    let (kind, dm_key, name) = match community {
        Some(_) => ("text", None, Some(name)),
        None => ("dm", Some(id.to_string()), None),
    };
    sqlx::query(
        "INSERT INTO channels (id, community_id, name, kind, visibility, dm_key)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(community)
    .bind(name)
    .bind(kind)
    .bind(if private { "private" } else { "public" })
    .bind(dm_key)
    .execute(&app.pool)
    .await
    .unwrap();
    for member in members {
        sqlx::query("INSERT INTO channel_members (channel_id, user_id) VALUES ($1, $2)")
            .bind(id)
            .bind(member.as_uuid())
            .execute(&app.pool)
            .await
            .unwrap();
    }
    ChannelId(id)
}

async fn exec(app: &TestApp, sql: &str, id: Uuid) {
    sqlx::query(sql).bind(id).execute(&app.pool).await.unwrap();
}

/// The status and typed error of a search that must fail.
async fn failure(
    client: &Client,
    q: &str,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> (u16, ErrorCode, String) {
    match client.search(q, cursor, limit).await {
        Err(ajet_sdk::Error::Api { status, body }) => (status, body.error, body.message),
        other => panic!("{q:?} should fail, got {other:?}"),
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn words_match_as_prefixes_and_by_stem(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let (alice, _) = app.user("alice").await;
    post(
        &alice,
        app.general,
        &["we are deploying the release", "lunch at noon?"],
    )
    .await;
    for q in [
        "deplo",
        "Deploying",
        "deployi",
        "deploys",
        "deploy release",
        "REL",
    ] {
        assert_eq!(
            bodies(&alice, q).await,
            ["we are deploying the release"],
            "{q}"
        );
    }
    assert!(bodies(&alice, "deploying lunch").await.is_empty());
    assert!(bodies(&alice, "xdeploy").await.is_empty());
}

#[sqlx::test(migrations = "../migrations")]
async fn phrases_match_words_in_order(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let (alice, _) = app.user("alice").await;
    post(
        &alice,
        app.general,
        &[
            "the build is broken",
            "broken build again",
            "Build, is... broken!",
        ],
    )
    .await;
    let mut found = bodies(&alice, r#""build is broken""#).await;
    found.sort();
    assert_eq!(found, ["Build, is... broken!", "the build is broken"]);
    assert_eq!(
        bodies(&alice, r#""broken build"#).await,
        ["broken build again"]
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn excluded_words_and_phrases_are_left_out(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let (alice, _) = app.user("alice").await;
    post(
        &alice,
        app.general,
        &[
            "deploy to staging",
            "deploy to production",
            "deploy failed on production servers",
        ],
    )
    .await;
    assert_eq!(
        bodies(&alice, "deploy -production").await,
        ["deploy to staging"]
    );
    let mut found = bodies(&alice, r#"deploy -"failed on""#).await;
    found.sort();
    assert_eq!(found, ["deploy to production", "deploy to staging"]);
    // An excluded word rules out its other forms, but is not a prefix.
    assert_eq!(bodies(&alice, "deploy -server -stag").await.len(), 2);
}

#[sqlx::test(migrations = "../migrations")]
async fn from_matches_the_author_in_any_case(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let (alice, _) = app.user("Alice").await;
    let (bob, _) = app.user("bob").await;
    post(&alice, app.general, &["status from alice"]).await;
    post(&bob, app.general, &["status from bob"]).await;
    for q in ["status from:@alice", "status from:ALICE", "from:@Alice"] {
        assert_eq!(bodies(&bob, q).await, ["status from alice"], "{q}");
    }
    assert_eq!(bodies(&bob, "from:@alice from:@bob").await.len(), 2);
    assert!(bodies(&bob, "from:@nobody").await.is_empty());
}

#[sqlx::test(migrations = "../migrations")]
async fn in_matches_the_channel_and_its_community(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let (alice, alice_id) = app.user("alice").await;
    let random = channel(
        &app,
        Some(app.community.id.as_uuid()),
        "random",
        false,
        &[alice_id],
    )
    .await;
    let other = Uuid::now_v7();
    sqlx::query("INSERT INTO communities (id, name, slug) VALUES ($1, 'Other', 'other')")
        .bind(other)
        .execute(&app.pool)
        .await
        .unwrap();
    let other_random = channel(&app, Some(other), "random", false, &[alice_id]).await;
    post(&alice, app.general, &["hello general"]).await;
    post(&alice, random, &["hello random"]).await;
    post(&alice, other_random, &["hello other random"]).await;

    assert_eq!(bodies(&alice, "hello in:#general").await, ["hello general"]);
    assert_eq!(bodies(&alice, "hello in:general").await, ["hello general"]);
    assert_eq!(
        bodies(&alice, "in:other#random").await,
        ["hello other random"]
    );
    let slug = &app.community.slug;
    assert_eq!(
        bodies(&alice, &format!("hello in:{slug}#random")).await,
        ["hello random"]
    );
    assert_eq!(bodies(&alice, "in:#random").await.len(), 2);
    assert_eq!(bodies(&alice, "in:#general in:#random").await.len(), 3);
    assert!(bodies(&alice, "in:#nowhere").await.is_empty());

    let page = alice
        .search("hello in:other#random", None, None)
        .await
        .unwrap();
    let channel = &page.results[0].channel;
    assert_eq!(channel.id, other_random);
    assert_eq!(channel.name.as_deref(), Some("random"));
    assert_eq!(channel.community_slug.as_deref(), Some("other"));
}

#[sqlx::test(migrations = "../migrations")]
async fn dates_are_utc_days(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let (alice, _) = app.user("alice").await;
    let ids = post(
        &alice,
        app.general,
        &["report one", "report two", "report three"],
    )
    .await;
    for (id, at) in ids.iter().zip([
        "2026-03-01T23:59:59Z",
        "2026-03-02T00:00:00Z",
        "2026-03-03T12:00:00Z",
    ]) {
        sqlx::query("UPDATE messages SET created_at = $2::timestamptz WHERE id = $1")
            .bind(id.as_uuid())
            .bind(at)
            .execute(&app.pool)
            .await
            .unwrap();
    }
    assert_eq!(bodies(&alice, "report on:2026-03-02").await, ["report two"]);
    assert_eq!(
        bodies(&alice, "report before:2026-03-02").await,
        ["report one"]
    );
    assert_eq!(bodies(&alice, "after:2026-03-02").await, ["report three"]);
    assert_eq!(
        bodies(&alice, "report after:2026-02-28 before:2026-03-03").await,
        ["report two", "report one"]
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn has_link_and_has_file(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let (alice, _) = app.user("alice").await;
    let ids = post(
        &alice,
        app.general,
        &[
            "see https://example.com/x",
            "see http://example.org",
            "see example.com or ftp://x",
            "see attached",
        ],
    )
    .await;
    sqlx::query(
        "INSERT INTO attachments (id, message_id, channel_id, uploader_id, filename,
                                  content_type, size_bytes, storage_key, stored_at)
         SELECT $1, m.id, m.channel_id, m.author_id, 'a.png', 'image/png', 3, $3, now()
         FROM messages m WHERE m.id = $2",
    )
    .bind(Uuid::now_v7())
    .bind(ids[3].as_uuid())
    .bind(format!("k/{}", ids[3]))
    .execute(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        bodies(&alice, "see has:link").await,
        ["see http://example.org", "see https://example.com/x"]
    );
    assert_eq!(bodies(&alice, "has:file").await, ["see attached"]);
    assert!(bodies(&alice, "has:file has:link").await.is_empty());
}

#[sqlx::test(migrations = "../migrations")]
async fn filters_alone_list_newest_first(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let (alice, _) = app.user("alice").await;
    let (bob, _) = app.user("bob").await;
    post(&alice, app.general, &["first", "second"]).await;
    post(&bob, app.general, &["by bob"]).await;
    post(&alice, app.general, &["third"]).await;
    let page = bob
        .search("from:@alice in:#general", None, None)
        .await
        .unwrap();
    let found: Vec<_> = page
        .results
        .iter()
        .map(|r| r.message.body.as_str())
        .collect();
    assert_eq!(found, ["third", "second", "first"]);
    assert!(page.results.iter().all(|r| r.rank == 0.0));
    assert_eq!(page.results[0].snippet, "third");
    assert_eq!(page.results[0].message.author_username, "alice");
}

#[sqlx::test(migrations = "../migrations")]
async fn only_channels_the_caller_is_in_are_searched(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let (alice, alice_id) = app.user("alice").await;
    let (bob, bob_id) = app.user("bob").await;
    let (carol, carol_id) = app.user("carol").await;
    let community = Some(app.community.id.as_uuid());
    let secret = channel(&app, community, "secret", true, &[bob_id]).await;
    let public_not_joined = channel(&app, community, "lobby", false, &[carol_id]).await;
    let dm = channel(&app, None, "", true, &[bob_id, carol_id]).await;
    let ours = channel(&app, None, "", true, &[alice_id, bob_id]).await;
    post(&bob, secret, &["password in secret"]).await;
    post(&carol, public_not_joined, &["password in lobby"]).await;
    post(&bob, dm, &["password in dm"]).await;
    post(&bob, ours, &["password for alice"]).await;
    post(&alice, app.general, &["password in general"]).await;

    let mut found = bodies(&alice, "password").await;
    found.sort();
    assert_eq!(found, ["password for alice", "password in general"]);
    assert!(bodies(&alice, "in:#secret").await.is_empty());
    assert!(bodies(&alice, "from:@carol").await.is_empty());
    assert_eq!(bodies(&carol, "password").await.len(), 3);
    assert_eq!(bodies(&bob, "password").await.len(), 4);

    let page = alice.search("alice", None, None).await.unwrap();
    assert_eq!(page.results[0].channel.id, ours);
    assert_eq!(page.results[0].channel.name, None);
    assert_eq!(page.results[0].channel.community_slug, None);
}

#[sqlx::test(migrations = "../migrations")]
async fn banned_users_find_nothing_in_that_community(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let (alice, alice_id) = app.user("alice").await;
    let (bob, bob_id) = app.user("bob").await;
    let dm = channel(&app, None, "", true, &[alice_id, bob_id]).await;
    post(&bob, app.general, &["incident report"]).await;
    post(&bob, dm, &["incident details"]).await;
    assert_eq!(bodies(&alice, "incident").await.len(), 2);

    let ban = |expires: &'static str| {
        let pool = app.pool.clone();
        let community = app.community.id.as_uuid();
        async move {
            sqlx::query(
                "INSERT INTO bans (community_id, user_id, expires_at) VALUES ($1, $2, $3::timestamptz)
                 ON CONFLICT (community_id, user_id) DO UPDATE SET expires_at = EXCLUDED.expires_at",
            )
            .bind(community)
            .bind(alice_id.as_uuid())
            .bind(if expires.is_empty() { None } else { Some(expires) })
            .execute(&pool)
            .await
            .unwrap();
        }
    };
    ban("").await;
    // The DM belongs to no community: the ban does not reach it.
    assert_eq!(bodies(&alice, "incident").await, ["incident details"]);
    assert!(bodies(&alice, "in:#general").await.is_empty());
    ban("2999-01-01T00:00:00Z").await;
    assert_eq!(bodies(&alice, "incident").await, ["incident details"]);
    // An expired ban no longer applies.
    ban("2000-01-01T00:00:00Z").await;
    assert_eq!(bodies(&alice, "incident").await.len(), 2);
}

#[sqlx::test(migrations = "../migrations")]
async fn deleted_messages_are_not_found(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let (alice, _) = app.user("alice").await;
    let ids = post(&alice, app.general, &["keep this note", "drop this note"]).await;
    exec(
        &app,
        "UPDATE messages SET body_md = '', deleted_at = now() WHERE id = $1",
        ids[1].as_uuid(),
    )
    .await;
    assert_eq!(bodies(&alice, "note").await, ["keep this note"]);
    assert_eq!(bodies(&alice, "from:@alice").await, ["keep this note"]);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_better_match_ranks_first(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let (alice, _) = app.user("alice").await;
    // The weaker match is newer, so only rank can put the stronger one first.
    post(
        &alice,
        app.general,
        &[
            "outage outage: the outage is over",
            "a small outage yesterday",
            "nothing to see",
        ],
    )
    .await;
    let page = alice.search("outage", None, None).await.unwrap();
    let found: Vec<_> = page
        .results
        .iter()
        .map(|r| r.message.body.as_str())
        .collect();
    assert_eq!(
        found,
        [
            "outage outage: the outage is over",
            "a small outage yesterday"
        ]
    );
    assert!(page.results[0].rank > page.results[1].rank);
    assert!(page.results[1].rank > 0.0);
}

#[sqlx::test(migrations = "../migrations")]
async fn snippets_mark_matches_and_escape_the_body(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let (alice, _) = app.user("alice").await;
    post(
        &alice,
        app.general,
        &[r#"<script>alert("pwned")</script> the deploy failed & a<b wins c>d"#],
    )
    .await;
    for q in ["alert", "deploying", "pwned"] {
        let page = alice.search(q, None, None).await.unwrap();
        let snippet = &page.results[0].snippet;
        assert!(snippet.contains("<mark>"), "{q}: {snippet}");
        let stripped = snippet.replace("<mark>", "").replace("</mark>", "");
        assert!(!stripped.contains(['<', '>', '"']), "{q}: {snippet}");
        assert!(snippet.contains("script&gt;"), "{q}: {snippet}");
    }
    let page = alice.search("deploy", None, None).await.unwrap();
    assert!(
        page.results[0]
            .snippet
            .contains("<mark>deploy</mark> failed &amp; a&lt;b"),
        "{}",
        page.results[0].snippet
    );
    // The words between `<` and `>` are text, not a tag: they are found.
    assert_eq!(bodies(&alice, "wins").await.len(), 1);
    // Without words, the snippet is the escaped start of the body.
    let page = alice.search("from:@alice", None, None).await.unwrap();
    assert!(
        page.results[0]
            .snippet
            .starts_with("&lt;script&gt;alert(&quot;pwned&quot;)")
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn pages_have_no_gap_or_repeat(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let (alice, _) = app.user("alice").await;
    // Ranks with ties, so that the tie-break by time and id is exercised too.
    let bodies: Vec<String> = (0..8)
        .map(|i| format!("{} build {i}", "build ".repeat(i % 3)))
        .collect();
    let refs: Vec<&str> = bodies.iter().map(String::as_str).collect();
    post(&alice, app.general, &refs).await;
    let all = alice.search("build", None, Some(100)).await.unwrap();
    assert_eq!(all.results.len(), 8);

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let page: SearchPage = alice
            .search("build", cursor.as_deref(), Some(3))
            .await
            .unwrap();
        pages += 1;
        seen.extend(page.results.iter().map(|r| r.message.id));
        if pages == 1 {
            // A better match arriving mid-way ranks before the cursor: later pages are
            // unaffected.
            post(&alice, app.general, &["build build build build build"]).await;
        }
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let expected: Vec<MessageId> = all.results.iter().map(|r| r.message.id).collect();
    assert_eq!(seen, expected);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 8);

    // An exact page boundary ends with no cursor.
    let filtered = alice.search("from:@alice", None, Some(9)).await.unwrap();
    assert_eq!(filtered.results.len(), 9);
    assert!(filtered.next_cursor.is_none());
}

#[sqlx::test(migrations = "../migrations")]
async fn malformed_searches_are_refused_with_a_sentence(pool: PgPool) {
    let app = TestApp::new(pool).await;
    let (alice, _) = app.user("alice").await;
    post(&alice, app.general, &["anything"]).await;
    for (q, words) in [
        ("", "type something"),
        ("-spam", "exclusions alone"),
        ("before:2026-13-01", "YYYY-MM-DD"),
        ("on:yesterday", "YYYY-MM-DD"),
        ("has:image", "link or file"),
        ("from:", "needs a value"),
        ("in:#Not!A!Channel", "#name"),
        ("x -in:#general", "cannot be excluded"),
    ] {
        let (status, code, message) = failure(&alice, q, None, None).await;
        assert_eq!((status, code), (400, ErrorCode::BadRequest), "{q}");
        assert!(message.contains(words), "{q}: {message}");
    }
    for limit in [0, 101] {
        let (status, code, message) = failure(&alice, "anything", None, Some(limit)).await;
        assert_eq!((status, code), (422, ErrorCode::ValidationFailed));
        assert!(message.contains("between 1 and 100"), "{message}");
    }
    let (status, _, message) = failure(&alice, "anything", Some("garbage!"), None).await;
    assert_eq!(status, 400);
    assert!(message.contains("cursor"), "{message}");

    post(&alice, app.general, &["anything else"]).await;
    let page = alice.search("anything", None, Some(1)).await.unwrap();
    let cursor = page.next_cursor.unwrap();
    let (status, _, message) = failure(&alice, "else", Some(&cursor), Some(1)).await;
    assert_eq!(status, 400);
    assert!(message.contains("another search"), "{message}");
    // The same search spelled differently keeps its cursor.
    let next = alice
        .search("ANYTHING ", Some(&cursor), Some(1))
        .await
        .unwrap();
    assert_eq!(next.results.len(), 1);

    let (status, code, _) = failure(&app.client(), "anything", None, None).await;
    assert_eq!((status, code), (401, ErrorCode::Unauthorized));
}

/// A client holding a new token of `bot` with `scopes`, limited to `channels` if given.
async fn bot_client(
    app: &TestApp,
    bot: &ajet_db::api_tokens::Bot,
    scopes: &[ajet_core::dto::Scope],
    channels: Option<&[ChannelId]>,
) -> Client {
    let mut conn = app.pool.acquire().await.unwrap();
    let new = ajet_db::api_tokens::NewToken {
        bot,
        name: "search",
        scopes,
        channels,
        expires_at: None,
        created_by: None,
    };
    let (_, secret) = ajet_db::api_tokens::insert_token(&mut conn, &app.hasher, new)
        .await
        .unwrap();
    app.client().with_token(&secret).unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn tokens_search_only_their_channels_and_need_the_read_scope(pool: PgPool) {
    use ajet_core::dto::Scope;

    let app = TestApp::new(pool).await;
    let (alice, alice_id) = app.user("alice").await;
    let mut conn = app.pool.acquire().await.unwrap();
    let bot = ajet_db::api_tokens::insert_bot(&mut conn, app.community.id, "CI", "ci-bot", None)
        .await
        .unwrap();
    let community = Some(app.community.id.as_uuid());
    let random = channel(&app, community, "random", false, &[alice_id, bot.user_id]).await;
    sqlx::query("INSERT INTO channel_members (channel_id, user_id) VALUES ($1, $2)")
        .bind(app.general.as_uuid())
        .bind(bot.user_id.as_uuid())
        .execute(&app.pool)
        .await
        .unwrap();
    post(&alice, app.general, &["build green in general"]).await;
    post(&alice, random, &["build green in random"]).await;

    let everywhere = bot_client(&app, &bot, &[Scope::MessagesRead], None).await;
    assert_eq!(bodies(&everywhere, "build").await.len(), 2);
    let restricted = bot_client(&app, &bot, &[Scope::MessagesRead], Some(&[random])).await;
    assert_eq!(
        bodies(&restricted, "build").await,
        ["build green in random"]
    );
    assert!(bodies(&restricted, "in:#general").await.is_empty());
    let writer = bot_client(&app, &bot, &[Scope::MessagesWrite], None).await;
    let (status, code, message) = failure(&writer, "build", None, None).await;
    assert_eq!((status, code), (403, ErrorCode::Forbidden));
    assert!(message.contains("messages:read"), "{message}");
}
