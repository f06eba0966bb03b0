//! Files end to end through the api, on both stores: local disk, and an S3-compatible
//! server (moto, started by `script/test`; its address in `AJET_TEST_S3_ENDPOINT`). Every
//! test runs once per store, from the same code.

#![expect(
    clippy::unwrap_used,
    reason = "the harness fails a test loudly on setup errors"
)]

mod harness;

use std::io::Cursor;

use ajet_api::files::{Files, S3Settings, Store, sweeper};
use ajet_api::state::Options;
use ajet_core::dto::{
    ChannelKind, CreateChannel, CreateMessage, MessageDto, UploadedDto, Visibility,
};
use ajet_core::{AttachmentId, ChannelId, UserId};
use ajet_db::PgPool;
use futures::StreamExt;
use harness::{Caller, TestApp};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

#[derive(Clone, Copy, Debug)]
enum Driver {
    Local,
    S3,
}

async fn store(driver: Driver) -> Store {
    match driver {
        Driver::Local => Store::local(
            std::env::temp_dir().join(format!("ajet-files-test-{}", uuid::Uuid::new_v4().simple())),
        ),
        Driver::S3 => {
            let endpoint = std::env::var("AJET_TEST_S3_ENDPOINT").unwrap_or_else(|_| {
                panic!(
                    "the S3 store's tests need an S3-compatible server: run them through \
                     script/test, or start one (moto_server -p 5000) and set \
                     AJET_TEST_S3_ENDPOINT=http://127.0.0.1:5000"
                )
            });
            Store::s3(S3Settings {
                endpoint: Some(endpoint),
                bucket: format!(
                    "ajet-test-{}",
                    &uuid::Uuid::new_v4().simple().to_string()[..20]
                ),
                region: "us-east-1".into(),
                access_key: "test".into(),
                secret_key: "test".into(),
                path_style: true,
            })
            .await
            .unwrap()
        }
    }
}

/// An api with a store of `driver` and an upload limit of `max_mb`.
struct Setup {
    app: TestApp,
    files: Files,
}

impl Setup {
    async fn new(pool: PgPool, driver: Driver) -> Self {
        Self::with_limit(pool, driver, 128).await
    }

    async fn with_limit(pool: PgPool, driver: Driver, max_mb: u64) -> Self {
        let files = Files::new(store(driver).await, max_mb);
        let app = TestApp::with_options(
            pool,
            Options {
                files: files.clone(),
                ..Options::default()
            },
        )
        .await;
        Self { app, files }
    }

    async fn keys(&self) -> Vec<String> {
        self.files.store.keys().await.unwrap()
    }

    async fn sweep(&self) -> usize {
        sweeper::sweep(
            &self.app.pool,
            &self.files.store,
            ajet_api::files::ORPHAN_AFTER,
        )
        .await
        .unwrap()
    }

    async fn rows(&self) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM attachments")
            .fetch_one(&self.app.pool)
            .await
            .unwrap()
    }

    /// A member of #general with a session token.
    async fn person(&self, name: &str) -> (ajet_sdk::Client, UserId, String) {
        let (client, id) = self.app.user(name).await;
        (client, id, self.app.token_for(id).await)
    }
}

/// Uploads `parts` (file name, bytes) to `channel` as `token`: the status and the body.
async fn upload(
    setup: &Setup,
    token: &str,
    channel: ChannelId,
    parts: Vec<(&str, Vec<u8>)>,
) -> (StatusCode, Value) {
    let mut form = Form::new();
    for (name, bytes) in parts {
        form = form.part("file", Part::bytes(bytes).file_name(name.to_owned()));
    }
    let response = reqwest::Client::new()
        .post(
            setup
                .app
                .url(&format!("/api/channels/{channel}/attachments")),
        )
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn upload_ok(
    setup: &Setup,
    token: &str,
    channel: ChannelId,
    name: &str,
    bytes: Vec<u8>,
) -> AttachmentId {
    let (status, body) = upload(setup, token, channel, vec![(name, bytes)]).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let uploaded: UploadedDto = serde_json::from_value(body).unwrap();
    uploaded.attachments[0].id
}

async fn post_files(
    client: &ajet_sdk::Client,
    channel: ChannelId,
    body: &str,
    ids: &[AttachmentId],
) -> MessageDto {
    client
        .post(
            channel,
            CreateMessage {
                body: body.into(),
                idempotency_key: None,
                parent_id: None,
                attachments: ids.to_vec(),
            },
        )
        .await
        .unwrap()
}

async fn get(
    setup: &Setup,
    token: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .get(setup.app.url(path))
        .bearer_auth(token);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([x as u8, y as u8, 90]));
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// CRC-32 (ISO-HDLC), as PNG chunks carry.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A multipart upload whose Content-Length stops halfway through the body, over a bare
/// connection: the status and the body of the answer.
async fn short_length(setup: &Setup, token: &str, channel: ChannelId) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let form = "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nhello world\r\n--XyZ--\r\n";
    let addr = setup.app.base.trim_start_matches("http://").to_owned();
    let mut conn = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /api/channels/{channel}/attachments HTTP/1.1\r\nHost: {addr}\r\n\
         Authorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary=XyZ\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        form.len() / 2
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    conn.write_all(form.as_bytes()).await.unwrap();
    let mut answer = String::new();
    let _ = conn.read_to_string(&mut answer).await;
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, answer)
}

/// Bytes that are not all alike, so that a shifted or repeated block shows.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or_default()
}

macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {
        mod local {
            use super::*;
            $(
                #[sqlx::test(migrations = "../migrations")]
                async fn $name(pool: PgPool) {
                    super::$name(pool, Driver::Local).await
                }
            )*
        }
        mod s3 {
            use super::*;
            $(
                #[sqlx::test(migrations = "../migrations")]
                async fn $name(pool: PgPool) {
                    super::$name(pool, Driver::S3).await
                }
            )*
        }
    };
}

on_both_stores!(
    a_file_goes_up_with_a_message_and_comes_back_byte_for_byte,
    a_hundred_mebibyte_file_streams_both_ways,
    deleting_the_message_removes_its_files,
    uploads_never_posted_are_removed_after_a_day,
    a_failed_insert_leaves_nothing_behind,
    only_readers_of_the_channel_get_the_file,
    bad_uploads_are_refused_and_leave_nothing,
    avatars_are_squares_on_messages_and_members,
    what_a_crash_leaves_mid_write_is_swept,
);

/// A writer dropped mid-object (as a killed process leaves it: a partial file, or an S3
/// multipart upload with a part stored) is swept, and never shows as an object.
async fn what_a_crash_leaves_mid_write_is_swept(pool: PgPool, driver: Driver) {
    let setup = Setup::new(pool, driver).await;
    let store = &setup.files.store;
    let mut writer = store.writer("c/ch/cut").await.unwrap();
    writer
        .write(bytes::Bytes::from(pattern(9 * 1024 * 1024)))
        .await
        .unwrap();
    drop(writer);
    assert!(setup.keys().await.is_empty(), "{:?}", setup.keys().await);
    // Not yet a day old: kept (it may be an upload still running). moto reports every
    // multipart upload as started in 2010, so only the local store can show this.
    if matches!(driver, Driver::Local) {
        assert_eq!(
            store
                .sweep_partials(ajet_api::files::ORPHAN_AFTER)
                .await
                .unwrap(),
            0
        );
    }
    assert_eq!(
        store
            .sweep_partials(std::time::Duration::ZERO)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .sweep_partials(std::time::Duration::ZERO)
            .await
            .unwrap(),
        0
    );
}

async fn a_file_goes_up_with_a_message_and_comes_back_byte_for_byte(pool: PgPool, driver: Driver) {
    let setup = Setup::new(pool, driver).await;
    let general = setup.app.general;
    let (alice, _, token) = setup.person("alice").await;
    let log = b"step 1 ok\nstep 2 failed: exit 1\n".to_vec();
    let picture = png(1600, 800);
    let (status, body) = upload(
        &setup,
        &token,
        general,
        vec![("build.log", log.clone()), ("screen.png", picture.clone())],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let uploaded: UploadedDto = serde_json::from_value(body).unwrap();
    let [text, image] = &uploaded.attachments[..] else {
        panic!("two files: {uploaded:?}")
    };
    assert_eq!(
        (text.name.as_str(), text.size, text.media_type.as_str()),
        ("build.log", log.len() as i64, "text/plain")
    );
    assert_eq!(text.width, None);
    assert_eq!(image.media_type, "image/png");
    assert_eq!((image.width, image.height), (Some(1600), Some(800)));
    assert!(image.thumbnail_url.is_some());

    // A message of files alone; its event carries them too.
    let nats = async_nats::connect(harness::nats_url()).await.unwrap();
    let mut events = nats
        .subscribe(ajet_core::subjects::community(setup.app.community.id))
        .await
        .unwrap();
    nats.flush().await.unwrap();
    let message = post_files(&alice, general, "", &[text.id, image.id]).await;
    assert_eq!(message.attachments, uploaded.attachments);
    let announced = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        loop {
            let event: ajet_core::Envelope =
                serde_json::from_slice(&events.next().await.unwrap().payload).unwrap();
            if let ajet_core::EventData::MessageCreated(m) = event.data
                && m.id == message.id
            {
                return m;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no message.created within 5 s"));
    assert_eq!(announced.attachments, uploaded.attachments);
    let page = alice
        .messages(general, ajet_sdk::PageCursor::Latest, 10)
        .await
        .unwrap();
    let listed = page.messages.iter().find(|m| m.id == message.id).unwrap();
    assert_eq!(
        listed.attachments, uploaded.attachments,
        "history carries the files"
    );
    // Posted once: a second message cannot take them again.
    let again = alice
        .post(
            general,
            CreateMessage {
                body: "again".into(),
                idempotency_key: None,
                parent_id: None,
                attachments: vec![text.id],
            },
        )
        .await
        .unwrap_err();
    assert_eq!(
        again.code(),
        Some(ajet_core::ErrorCode::ValidationFailed),
        "{again}"
    );

    // Whole, with the headers that keep it from running as a page.
    let response = get(&setup, &token, &text.url, &[]).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, "content-type"),
        "text/plain; charset=utf-8"
    );
    assert_eq!(header(&response, "x-content-type-options"), "nosniff");
    assert!(header(&response, "content-security-policy").starts_with("sandbox"));
    assert!(
        header(&response, "content-disposition").starts_with("attachment; filename=\"build.log\"")
    );
    assert_eq!(header(&response, "accept-ranges"), "bytes");
    let etag = header(&response, "etag").to_owned();
    assert_eq!(response.bytes().await.unwrap().to_vec(), log);

    // Images are shown in place; the thumbnail fits 400 pixels.
    let response = get(&setup, &token, &image.url, &[]).await;
    assert!(header(&response, "content-disposition").starts_with("inline"));
    assert_eq!(response.bytes().await.unwrap().to_vec(), picture);
    let thumb = get(&setup, &token, image.thumbnail_url.as_deref().unwrap(), &[]).await;
    assert_eq!(thumb.status(), 200);
    assert_eq!(header(&thumb, "content-type"), "image/jpeg");
    let thumb = image::load_from_memory(&thumb.bytes().await.unwrap()).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (400, 200));

    // Ranges: a middle, an open end, a suffix; one outside the file.
    for (range, expected) in [
        ("bytes=5-8", &log[5..9]),
        ("bytes=10-", &log[10..]),
        ("bytes=-6", &log[log.len() - 6..]),
    ] {
        let response = get(&setup, &token, &text.url, &[("range", range)]).await;
        assert_eq!(response.status(), 206, "{range}");
        assert_eq!(
            header(&response, "content-length"),
            expected.len().to_string()
        );
        assert_eq!(
            response.bytes().await.unwrap().to_vec(),
            expected,
            "{range}"
        );
    }
    let response = get(&setup, &token, &text.url, &[("range", "bytes=100-200")]).await;
    assert_eq!(response.status(), 416);
    assert_eq!(
        header(&response, "content-range"),
        format!("bytes */{}", log.len())
    );

    // A current copy is not sent again.
    let response = get(&setup, &token, &text.url, &[("if-none-match", &etag)]).await;
    assert_eq!(response.status(), 304);
    let response = get(&setup, &token, &text.url, &[("if-none-match", "\"other\"")]).await;
    assert_eq!(response.status(), 200);

    // Through the sdk: to a directory, under the file's own name.
    let dir = std::env::temp_dir().join(format!("ajet-dl-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let saved = alice
        .download(text.id, &dir, ajet_sdk::quiet)
        .await
        .unwrap();
    assert_eq!(saved, dir.join("build.log"));
    assert_eq!(std::fs::read(&saved).unwrap(), log);
    let _ = std::fs::remove_dir_all(&dir);
}

async fn a_hundred_mebibyte_file_streams_both_ways(pool: PgPool, driver: Driver) {
    let setup = Setup::new(pool, driver).await;
    let general = setup.app.general;
    let (alice, _, _) = setup.person("alice").await;
    let dir = std::env::temp_dir().join(format!("ajet-big-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let source = dir.join("big.bin");
    let bytes = pattern(100 * 1024 * 1024);
    std::fs::write(&source, &bytes).unwrap();
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let progress = {
        let seen = seen.clone();
        move |done: u64, _: Option<u64>| seen.store(done, std::sync::atomic::Ordering::Relaxed)
    };
    let uploaded = alice.upload(general, &source, progress).await.unwrap();
    assert_eq!(uploaded.size, bytes.len() as i64);
    assert_eq!(
        seen.load(std::sync::atomic::Ordering::Relaxed),
        bytes.len() as u64
    );
    post_files(&alice, general, "the dump", &[uploaded.id]).await;
    let target = dir.join("copy.bin");
    alice
        .download(uploaded.id, &target, ajet_sdk::quiet)
        .await
        .unwrap();
    let copy = std::fs::read(&target).unwrap();
    assert!(copy == bytes, "the copy differs from the original");
    let _ = std::fs::remove_dir_all(&dir);
}

async fn deleting_the_message_removes_its_files(pool: PgPool, driver: Driver) {
    let setup = Setup::new(pool, driver).await;
    let general = setup.app.general;
    let (alice, _, token) = setup.person("alice").await;
    let picture = upload_ok(&setup, &token, general, "a.png", png(40, 30)).await;
    let kept = upload_ok(&setup, &token, general, "kept.txt", b"keep me".to_vec()).await;
    let message = post_files(&alice, general, "look", &[picture]).await;
    let other = post_files(&alice, general, "and this", &[kept]).await;
    assert_eq!(
        setup.keys().await.len(),
        3,
        "the file, its thumbnail and the other file"
    );

    alice.delete_message(message.id).await.unwrap();
    // Gone for readers at once, before any sweep.
    let response = get(&setup, &token, &format!("/api/attachments/{picture}"), &[]).await;
    assert_eq!(response.status(), 404);
    let tombstone = alice.message(message.id).await.unwrap();
    assert!(tombstone.attachments.is_empty());
    assert_eq!(setup.sweep().await, 2);
    let keys = setup.keys().await;
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert!(keys[0].ends_with(&kept.to_string()));

    // A purge too.
    let (admin_token, _) = setup.app.admin("root").await;
    let admin = Caller::new(&setup.app, Some(&admin_token));
    let (status, body) = admin
        .post(
            &format!("/api/channels/{general}/purge"),
            json!({ "count": 5 }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(alice.message(other.id).await.unwrap().deleted);
    setup.sweep().await;
    assert!(setup.keys().await.is_empty());
    assert_eq!(setup.rows().await, 0);
}

async fn uploads_never_posted_are_removed_after_a_day(pool: PgPool, driver: Driver) {
    let setup = Setup::new(pool, driver).await;
    let general = setup.app.general;
    let (_, _, token) = setup.person("alice").await;
    let old = upload_ok(&setup, &token, general, "old.txt", b"old".to_vec()).await;
    let fresh = upload_ok(&setup, &token, general, "fresh.txt", b"fresh".to_vec()).await;
    sqlx::query("UPDATE attachments SET created_at = now() - interval '25 hours' WHERE id = $1")
        .bind(old.as_uuid())
        .execute(&setup.app.pool)
        .await
        .unwrap();
    assert_eq!(setup.sweep().await, 1);
    let keys = setup.keys().await;
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert!(keys[0].ends_with(&fresh.to_string()));
    // The uploader still sees the fresh one before posting it.
    let response = get(&setup, &token, &format!("/api/attachments/{fresh}"), &[]).await;
    assert_eq!(response.status(), 200);
    let response = get(&setup, &token, &format!("/api/attachments/{old}"), &[]).await;
    assert_eq!(response.status(), 404);

    // Taken off the composer: the uploader removes it at once; nobody else can, and a
    // posted file goes with its message only.
    let (bob, _, bob_token) = setup.person("bob").await;
    let remove = |token: &str, id: AttachmentId| {
        let request = reqwest::Client::new()
            .delete(setup.app.url(&format!("/api/attachments/{id}")))
            .bearer_auth(token);
        async move { request.send().await.unwrap().status() }
    };
    assert_eq!(remove(&bob_token, fresh).await, StatusCode::NOT_FOUND);
    assert_eq!(remove(&token, fresh).await, StatusCode::NO_CONTENT);
    assert_eq!(remove(&token, fresh).await, StatusCode::NOT_FOUND);
    let response = get(&setup, &token, &format!("/api/attachments/{fresh}"), &[]).await;
    assert_eq!(response.status(), 404);
    assert_eq!(setup.sweep().await, 1);
    assert!(setup.keys().await.is_empty(), "{:?}", setup.keys().await);
    let posted = upload_ok(
        &setup,
        &bob_token,
        setup.app.general,
        "p.txt",
        b"p".to_vec(),
    )
    .await;
    post_files(&bob, setup.app.general, "", &[posted]).await;
    assert_eq!(remove(&bob_token, posted).await, StatusCode::CONFLICT);
}

async fn a_failed_insert_leaves_nothing_behind(pool: PgPool, driver: Driver) {
    let setup = Setup::new(pool, driver).await;
    let general = setup.app.general;
    let (_, _, token) = setup.person("alice").await;
    // The database refuses to complete any upload.
    sqlx::raw_sql(
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN RAISE EXCEPTION 'refused for the test'; END $$;
         CREATE TRIGGER refuse BEFORE UPDATE ON attachments FOR EACH ROW EXECUTE FUNCTION refuse();",
    )
    .execute(&setup.app.pool)
    .await
    .unwrap();
    let (status, body) = upload(
        &setup,
        &token,
        general,
        vec![("a.png", png(500, 500)), ("b.txt", b"text".to_vec())],
    )
    .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    assert!(setup.keys().await.is_empty(), "{:?}", setup.keys().await);
    assert_eq!(setup.rows().await, 0);
}

async fn only_readers_of_the_channel_get_the_file(pool: PgPool, driver: Driver) {
    let setup = Setup::new(pool, driver).await;
    let app = &setup.app;
    let (alice, _, alice_token) = setup.person("alice").await;
    let (_, bob_id, bob_token) = setup.person("bob").await;
    let (_, _, carol_token) = setup.person("carol").await;
    let secret = alice
        .create_channel(
            app.community.id,
            &CreateChannel {
                name: "secret".into(),
                visibility: Visibility::Private,
                kind: ChannelKind::Text,
                topic: None,
            },
        )
        .await
        .unwrap();
    let hidden = upload_ok(
        &setup,
        &alice_token,
        secret.id,
        "plan.txt",
        b"plan".to_vec(),
    )
    .await;
    post_files(&alice, secret.id, "", &[hidden]).await;
    let shared = upload_ok(
        &setup,
        &alice_token,
        app.general,
        "notes.txt",
        b"notes".to_vec(),
    )
    .await;
    let unposted = upload_ok(
        &setup,
        &alice_token,
        app.general,
        "draft.txt",
        b"draft".to_vec(),
    )
    .await;
    post_files(&alice, app.general, "", &[shared]).await;

    let missing = get(
        &setup,
        &bob_token,
        &format!("/api/attachments/{}", AttachmentId::new()),
        &[],
    )
    .await;
    assert_eq!(missing.status(), 404);
    let missing: Value = missing.json().await.unwrap();
    // An outsider of the private channel, and someone else's unposted upload: as missing.
    for (token, id) in [(&bob_token, hidden), (&bob_token, unposted)] {
        let response = get(&setup, token, &format!("/api/attachments/{id}"), &[]).await;
        assert_eq!(response.status(), 404);
        assert_eq!(response.json::<Value>().await.unwrap(), missing);
        let thumb = get(
            &setup,
            token,
            &format!("/api/attachments/{id}/thumbnail"),
            &[],
        )
        .await;
        assert_eq!(thumb.status(), 404);
    }
    assert_eq!(
        get(
            &setup,
            &carol_token,
            &format!("/api/attachments/{shared}"),
            &[]
        )
        .await
        .status(),
        200
    );
    // Nobody uploads into a channel they are not in.
    let (status, _) = upload(
        &setup,
        &bob_token,
        secret.id,
        vec![("x.txt", b"x".to_vec())],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Banned: refused, and told why.
    app.ban(bob_id).await;
    let response = get(
        &setup,
        &bob_token,
        &format!("/api/attachments/{shared}"),
        &[],
    )
    .await;
    assert_eq!(response.status(), 403);

    // Tokens: without `files:read`, or for another channel.
    let (admin_token, _) = app.admin("root").await;
    let admin = Caller::new(app, Some(&admin_token));
    let (_, bot) = admin
        .post(
            &format!("/api/communities/{}/bots", app.community.id),
            json!({ "name": "ci" }),
        )
        .await;
    let bot_id = bot["id"].as_str().unwrap();
    let token = |scopes: Value, channels: Option<Value>| {
        let admin = &admin;
        async move {
            let mut body = json!({ "name": "t", "scopes": scopes });
            if let Some(channels) = channels {
                body["channel_ids"] = channels;
            }
            let (status, created) = admin
                .post(&format!("/api/bots/{bot_id}/tokens"), body)
                .await;
            assert_eq!(status, 201, "{created}");
            created["token"].as_str().unwrap().to_owned()
        }
    };
    let no_files = token(json!(["messages:read", "messages:write"]), None).await;
    let response = get(
        &setup,
        &no_files,
        &format!("/api/attachments/{shared}"),
        &[],
    )
    .await;
    assert_eq!(response.status(), 403);
    let (status, _) = upload(
        &setup,
        &no_files,
        app.general,
        vec![("x.txt", b"x".to_vec())],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let elsewhere = token(json!(["files:read"]), Some(json!([secret.id]))).await;
    let response = get(
        &setup,
        &elsewhere,
        &format!("/api/attachments/{shared}"),
        &[],
    )
    .await;
    assert_eq!(response.status(), 404);
    let allowed = token(json!(["files:read"]), None).await;
    let response = get(&setup, &allowed, &format!("/api/attachments/{shared}"), &[]).await;
    assert_eq!(response.status(), 200);
}

async fn bad_uploads_are_refused_and_leave_nothing(pool: PgPool, driver: Driver) {
    let setup = Setup::with_limit(pool, driver, 1).await;
    let app = &setup.app;
    let general = app.general;
    let (alice, _, token) = setup.person("alice").await;

    let refused = |status: StatusCode, body: &Value, code: &str| {
        assert_eq!(body["error"], code, "{status} {body}");
        assert!(body["message"].as_str().unwrap().len() > 10, "{body}");
    };
    // Names: no paths, no controls, no reordering, never empty, never too long.
    let long = format!("{}.txt", "n".repeat(1000));
    for (raw, stored) in [
        ("../../etc/passwd", "passwd"),
        ("a/b/c.txt", "c.txt"),
        ("invoice\u{202E}fdp.exe", "invoicefdp.exe"),
        ("", "file"),
    ] {
        let (status, body) = upload(&setup, &token, general, vec![(raw, b"x".to_vec())]).await;
        assert_eq!(status, StatusCode::CREATED, "{raw:?}: {body}");
        assert_eq!(body["attachments"][0]["name"], stored, "{raw:?}");
    }
    // A NUL or another control character cannot be written in a part's header at all:
    // the body is not valid multipart.
    for raw in ["nul\0.txt", "bell\u{7}.txt", "line\nbreak.txt"] {
        let (status, body) = upload(&setup, &token, general, vec![(raw, b"x".to_vec())]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{raw:?}");
        refused(status, &body, "bad_request");
    }
    let (_, body) = upload(&setup, &token, general, vec![(&long, b"x".to_vec())]).await;
    let name = body["attachments"][0]["name"].as_str().unwrap();
    assert_eq!(name.chars().count(), 255);
    assert!(name.ends_with(".txt"));
    sqlx::query("DELETE FROM attachments")
        .execute(&app.pool)
        .await
        .unwrap();
    for key in setup.keys().await {
        setup.files.store.delete(&key).await.unwrap();
    }

    // Empty: nothing to keep.
    let (status, body) = upload(&setup, &token, general, vec![("empty.txt", Vec::new())]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    refused(status, &body, "validation_failed");
    // Over the limit: by Content-Length before reading, and while streaming (chunked).
    let (status, body) = upload(
        &setup,
        &token,
        general,
        vec![("big.bin", pattern(2 * 1024 * 1024))],
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    refused(status, &body, "payload_too_large");
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..20).map(|_| Ok(pattern(100 * 1024))).collect();
    let part = Part::stream(reqwest::Body::wrap_stream(futures::stream::iter(chunks)))
        .file_name("stream.bin");
    let response = reqwest::Client::new()
        .post(app.url(&format!("/api/channels/{general}/attachments")))
        .bearer_auth(&token)
        .multipart(Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // Ten files at most; a second file that fails takes the first with it.
    let eleven: Vec<(&str, Vec<u8>)> = (0..11).map(|_| ("f.txt", b"f".to_vec())).collect();
    let (status, _) = upload(&setup, &token, general, eleven).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = upload(
        &setup,
        &token,
        general,
        vec![("ok.txt", b"ok".to_vec()), ("empty", Vec::new())],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // A picture that claims 100,000 × 100,000 pixels.
    let mut bomb = png(1, 1);
    bomb[16..20].copy_from_slice(&100_000u32.to_be_bytes());
    bomb[20..24].copy_from_slice(&100_000u32.to_be_bytes());
    let crc = crc32(&bomb[12..29]);
    bomb[29..33].copy_from_slice(&crc.to_be_bytes());
    let (status, body) = upload(&setup, &token, general, vec![("bomb.png", bomb)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["message"].as_str().unwrap().contains("100000"),
        "{body}"
    );
    // A body longer than its Content-Length: what is past the length is not read, so the
    // form never ends.
    let (status, body) = short_length(&setup, &token, general).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("bad_request"), "{body}");
    // Not multipart at all.
    let response = reqwest::Client::new()
        .post(app.url(&format!("/api/channels/{general}/attachments")))
        .bearer_auth(&token)
        .body("plain")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(setup.keys().await.is_empty(), "{:?}", setup.keys().await);
    assert_eq!(setup.rows().await, 0);

    // A lying name: HTML called .png is not an image, and is never shown in place.
    let id = upload_ok(
        &setup,
        &token,
        general,
        "cat.png",
        b"<html><script>alert(1)</script>".to_vec(),
    )
    .await;
    post_files(&alice, general, "", &[id]).await;
    let response = get(&setup, &token, &format!("/api/attachments/{id}"), &[]).await;
    assert_ne!(header(&response, "content-type"), "image/png");
    assert!(header(&response, "content-disposition").starts_with("attachment"));
    assert!(header(&response, "content-security-policy").starts_with("sandbox"));
    // Archived channels take nothing.
    let (admin_token, _) = app.admin("root").await;
    let admin = Caller::new(app, Some(&admin_token));
    let (status, body) = admin
        .post(&format!("/api/channels/{general}/archive"), json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = upload(
        &setup,
        &token,
        general,
        vec![("late.txt", b"late".to_vec())],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    refused(status, &body, "forbidden");
    assert_eq!(setup.rows().await, 1);
}

async fn avatars_are_squares_on_messages_and_members(pool: PgPool, driver: Driver) {
    let setup = Setup::new(pool, driver).await;
    let app = &setup.app;
    let (alice, alice_id, token) = setup.person("alice").await;
    let dir = std::env::temp_dir().join(format!("ajet-av-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let picture = dir.join("me.png");
    std::fs::write(&picture, png(300, 120)).unwrap();
    let first = alice
        .set_avatar(&picture)
        .await
        .unwrap()
        .avatar_url
        .unwrap();
    let response = get(&setup, &token, &first, &[]).await;
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "content-type"), "image/png");
    let avatar = image::load_from_memory(&response.bytes().await.unwrap()).unwrap();
    assert_eq!((avatar.width(), avatar.height()), (256, 256));

    let message = alice.send_message(app.general, "hello").await.unwrap();
    assert_eq!(message.author_avatar_url.as_deref(), Some(first.as_str()));
    let members = alice.community_members(app.community.id).await.unwrap();
    let me = members.iter().find(|m| m.user.id == alice_id).unwrap();
    assert_eq!(me.avatar_url.as_deref(), Some(first.as_str()));

    // A new picture replaces the old, whose object goes.
    let second = alice
        .set_avatar(&picture)
        .await
        .unwrap()
        .avatar_url
        .unwrap();
    assert_ne!(first, second);
    setup.sweep().await;
    assert_eq!(get(&setup, &token, &first, &[]).await.status(), 404);
    assert_eq!(get(&setup, &token, &second, &[]).await.status(), 200);
    assert_eq!(setup.keys().await.len(), 1);

    // Not a picture.
    std::fs::write(&picture, b"not a picture").unwrap();
    let err = alice.set_avatar(&picture).await.unwrap_err();
    assert_eq!(
        err.code(),
        Some(ajet_core::ErrorCode::ValidationFailed),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);

    // Deleting the account removes its picture and its files.
    let id = upload_ok(&setup, &token, app.general, "mine.txt", b"mine".to_vec()).await;
    post_files(&alice, app.general, "", &[id]).await;
    let caller = Caller::new(app, Some(&token));
    let (status, body) = caller.delete("/api/me").await;
    assert!(status == 200 || status == 204, "{status} {body}");
    setup.sweep().await;
    assert!(setup.keys().await.is_empty(), "{:?}", setup.keys().await);
}
