//! Incoming webhooks through the gateway and the api, as the tools send them: every fixture
//! of GitHub, Gitea, Slack-compatible senders, Alertmanager and Grafana posted to
//! `/hook/<id>/<token>` with its sender's headers and real HMAC signatures, and the stored
//! message (body and cards) compared with what the renderer makes of the same request.
//! Also: form bodies, redeliveries, filters, overrides, bad input, size and the delivery log.

#![expect(
    clippy::unwrap_used,
    reason = "a broken fixture or answer fails the test loudly"
)]

mod harness;

use std::path::{Path, PathBuf};

use ajet_webhooks::{Incoming, Options, Outcome};
use harness::TestGateway;
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Sha256;
use sqlx::PgPool;

const SECRET: &str = "it is a secret to everybody";

fn http() -> reqwest::Client {
    reqwest::Client::new()
}

fn fixtures(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/webhooks/tests/fixtures")
        .join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

fn stem(path: &Path) -> String {
    path.file_stem().unwrap().to_string_lossy().into_owned()
}

/// `sha256=`-less hex HMAC-SHA256 of `body` under `secret`.
fn hmac_hex(body: &[u8], secret: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// A webhook of #general with `settings` merged into its creation body.
struct Hook {
    id: String,
    url: String,
}

async fn webhook(gw: &TestGateway, admin: &str, settings: Value) -> Hook {
    let mut body = json!({ "channel_id": gw.general, "name": "CI" });
    body.as_object_mut()
        .unwrap()
        .extend(settings.as_object().unwrap().clone());
    let created = http()
        .post(gw.url(&format!("/api/communities/{}/webhooks", gw.community.id)))
        .bearer_auth(admin)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    let token = created["token"].as_str().unwrap();
    Hook {
        url: gw.url(&format!("/hook/{id}/{token}")),
        id,
    }
}

/// Sends `body` with `headers` to the hook.
async fn send(url: &str, headers: &[(&str, &str)], body: Vec<u8>) -> reqwest::Response {
    let mut request = http().post(url).body(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

/// The newest top-level messages of a channel, oldest first.
async fn messages(gw: &TestGateway, token: &str, channel: &str) -> Vec<Value> {
    let page: Value = http()
        .get(gw.url(&format!("/api/channels/{channel}/messages?limit=200")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    page["messages"].as_array().unwrap().clone()
}

async fn deliveries(gw: &TestGateway, admin: &str, hook: &Hook) -> Vec<Value> {
    let log = http()
        .get(gw.url(&format!("/api/webhooks/{}/deliveries", hook.id)))
        .bearer_auth(admin)
        .send()
        .await
        .unwrap();
    assert_eq!(log.status(), StatusCode::OK);
    log.json::<Value>()
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// What the renderer makes of a request, for comparison with what was stored.
fn expected(
    headers: &[(&str, &str)],
    body: &[u8],
    secret: Option<&str>,
) -> Option<(String, Value)> {
    let mut map = http::HeaderMap::new();
    for (name, value) in headers {
        map.insert(
            http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            http::HeaderValue::from_str(value).unwrap(),
        );
    }
    let delivery = ajet_webhooks::render(
        &Incoming {
            headers: &map,
            query_format: None,
            body,
        },
        &Options {
            secret: secret.map(str::as_bytes),
            ..Options::default()
        },
    )
    .unwrap();
    match delivery.outcome {
        Outcome::Post(message) => {
            Some((message.body, serde_json::to_value(&message.cards).unwrap()))
        }
        Outcome::Skip { .. } => None,
    }
}

/// A named delivery: its headers and body.
type Case = (String, Vec<(String, String)>, Vec<u8>);

/// Delivers every fixture of a sender with its headers, and checks each stored message
/// against the renderer's: same body, same cards; a skip posts nothing.
async fn deliver_all(
    gw: &TestGateway,
    admin: &str,
    hook: &Hook,
    cases: Vec<Case>,
    secret: Option<&str>,
) -> Vec<String> {
    let general = gw.general.to_string();
    let mut skipped = Vec::new();
    for (name, headers, body) in cases {
        let headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let before = messages(gw, admin, &general).await.len();
        let answer = send(&hook.url, &headers, body.clone()).await;
        let status = answer.status();
        let text = answer.text().await.unwrap();
        let after = messages(gw, admin, &general).await;
        match expected(&headers, &body, secret) {
            Some((body_md, cards)) => {
                assert!(status.is_success(), "{name}: {status} {text}");
                assert_eq!(after.len(), before + 1, "{name}: one message posted");
                let stored = after.last().unwrap();
                assert_eq!(stored["body"], body_md, "{name}: the stored body");
                assert_eq!(stored["author_username"], "CI", "{name}");
                let stored_cards = stored["meta"]["cards"].clone();
                let stored_cards = if stored_cards.is_null() {
                    json!([])
                } else {
                    stored_cards
                };
                assert_eq!(stored_cards, cards, "{name}: the stored cards");
            }
            None => {
                assert_eq!(status, StatusCode::OK, "{name}: {text}");
                assert_eq!(after.len(), before, "{name}: nothing posted");
                skipped.push(name);
            }
        }
    }
    skipped
}

#[sqlx::test(migrations = "../migrations")]
async fn github_and_gitea_events_post_as_rendered_and_signed(pool: PgPool) {
    let gw = TestGateway::start(pool, &["--rate-limit-webhook", "100000"]).await;
    let (admin, _) = gw.person("ada", true).await;
    let hook = webhook(&gw, &admin, json!({ "secret": SECRET })).await;

    let github: Vec<_> = fixtures("github")
        .into_iter()
        .enumerate()
        .map(|(i, path)| {
            let name = stem(&path);
            let event = name.split('.').next().unwrap().to_owned();
            let body = std::fs::read(&path).unwrap();
            let headers = vec![
                ("content-type".into(), "application/json".into()),
                ("x-github-event".into(), event),
                ("x-github-delivery".into(), format!("gh-{i}")),
                (
                    "x-hub-signature-256".into(),
                    format!("sha256={}", hmac_hex(&body, SECRET)),
                ),
                ("user-agent".into(), "GitHub-Hookshot/044aadd".into()),
            ];
            (name, headers, body)
        })
        .collect();
    let skipped = deliver_all(&gw, &admin, &hook, github, Some(SECRET)).await;
    // A ping answers; labels, drafts of releases, queued runs and deployments are not
    // rendered (and so logged, not posted).
    assert_eq!(
        skipped,
        [
            "deployment_status.created",
            "issues.labeled",
            "ping",
            "pull_request.labeled",
            "release.created",
            "workflow_run.requested"
        ],
        "the GitHub fixtures that post nothing"
    );

    let gitea: Vec<_> = fixtures("gitea")
        .into_iter()
        .enumerate()
        .map(|(i, path)| {
            let name = stem(&path);
            let event = name.split('.').next().unwrap().to_owned();
            let event_type = match name.as_str() {
                "pull_request.synchronized" => "pull_request_sync".to_owned(),
                "pull_request_approved" => "pull_request_review_approved".to_owned(),
                "pull_request_rejected" => "pull_request_review_rejected".to_owned(),
                _ => event.clone(),
            };
            let body = std::fs::read(&path).unwrap();
            let headers = vec![
                ("content-type".into(), "application/json".into()),
                ("x-gitea-event".into(), event),
                ("x-gitea-event-type".into(), event_type),
                ("x-gitea-delivery".into(), format!("gitea-{i}")),
                ("x-gitea-signature".into(), hmac_hex(&body, SECRET)),
            ];
            (name, headers, body)
        })
        .collect();
    let skipped = deliver_all(&gw, &admin, &hook, gitea, Some(SECRET)).await;
    assert!(skipped.is_empty(), "every Gitea fixture posts: {skipped:?}");

    // The log has them, newest first, with what each was read as.
    let log = deliveries(&gw, &admin, &hook).await;
    assert_eq!(log[0]["format"], "gitea");
    assert_eq!(log[0]["status"], 201);
    assert!(log[0]["message_id"].is_string());
    let ping = log
        .iter()
        .find(|d| d["event"] == "ping")
        .expect("the ping is logged");
    assert_eq!(ping["status"], 200);
    assert!(ping["message_id"].is_null());
    assert!(ping["note"].as_str().unwrap().contains("ping"));
}

#[sqlx::test(migrations = "../migrations")]
async fn slack_alertmanager_and_grafana_post_with_their_cards(pool: PgPool) {
    let gw = TestGateway::start(pool, &["--rate-limit-webhook", "100000"]).await;
    let (admin, _) = gw.person("ada", true).await;
    let hook = webhook(&gw, &admin, json!({})).await;
    let json_type = || vec![("content-type".to_owned(), "application/json".to_owned())];
    let mut cases = Vec::new();
    for dir in ["slack", "alertmanager", "grafana"] {
        for path in fixtures(dir) {
            cases.push((
                format!("{dir}/{}", stem(&path)),
                json_type(),
                std::fs::read(&path).unwrap(),
            ));
        }
    }
    // Slack's form encoding: the JSON in a `payload` field.
    let form_body = std::fs::read(
        fixtures("slack")
            .into_iter()
            .find(|p| stem(p) == "attachments-full")
            .unwrap(),
    )
    .unwrap();
    let form = format!(
        "payload={}",
        percent_encoding::utf8_percent_encode(
            std::str::from_utf8(&form_body).unwrap(),
            percent_encoding::NON_ALPHANUMERIC
        )
    );
    cases.push((
        "slack form".into(),
        vec![(
            "content-type".into(),
            "application/x-www-form-urlencoded".into(),
        )],
        form.into_bytes(),
    ));
    let skipped = deliver_all(&gw, &admin, &hook, cases, None).await;
    assert!(skipped.is_empty(), "every one posts: {skipped:?}");

    // A Slack-format delivery is answered as Slack answers.
    let answer = send(
        &hook.url,
        &[("content-type", "application/json")],
        br#"{"text": "*deployed* <https://example.com|the site>"}"#.to_vec(),
    )
    .await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(answer.text().await.unwrap(), "ok");
    let general = gw.general.to_string();
    let last = messages(&gw, &admin, &general).await.pop().unwrap();
    assert_eq!(
        last["body"],
        "**deployed** [the site](<https://example.com>)"
    );

    // A firing alert stands out from a resolved one, and has a card with the alert's colour.
    let all = messages(&gw, &admin, &general).await;
    let firing = all
        .iter()
        .find(|m| m["body"].as_str().unwrap().contains("FIRING"))
        .expect("a firing alert");
    let resolved = all
        .iter()
        .find(|m| m["body"].as_str().unwrap().contains("RESOLVED"))
        .expect("a resolved alert");
    assert_ne!(
        firing["meta"]["cards"][0]["color"],
        resolved["meta"]["cards"][0]["color"]
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn signatures_redeliveries_filters_and_big_pushes(pool: PgPool) {
    let gw = TestGateway::start(pool, &["--rate-limit-webhook", "100000"]).await;
    let (admin, _) = gw.person("ada", true).await;
    let hook = webhook(&gw, &admin, json!({ "secret": SECRET })).await;
    let general = gw.general.to_string();
    let push = std::fs::read(
        fixtures("github")
            .into_iter()
            .find(|p| stem(p) == "push.commits")
            .unwrap(),
    )
    .unwrap();
    let signed = |body: &[u8], delivery: &str| {
        vec![
            ("content-type".to_owned(), "application/json".to_owned()),
            ("x-github-event".to_owned(), "push".to_owned()),
            ("x-github-delivery".to_owned(), delivery.to_owned()),
            (
                "x-hub-signature-256".to_owned(),
                format!("sha256={}", hmac_hex(body, SECRET)),
            ),
        ]
    };
    let go = |headers: Vec<(String, String)>, body: Vec<u8>| {
        let url = hook.url.clone();
        async move {
            let headers: Vec<(&str, &str)> = headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            send(&url, &headers, body).await
        }
    };

    // A wrong signature, or none, is refused with 401 and posts nothing.
    let mut wrong = signed(&push, "d-1");
    wrong[3].1 = format!("sha256={}", hmac_hex(&push, "another secret"));
    let refused = go(wrong, push.clone()).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let error: Value = refused.json().await.unwrap();
    assert_eq!(error["error"], "unauthorized");
    assert!(error["message"].as_str().unwrap().contains("signature"));
    let mut unsigned = signed(&push, "d-1");
    unsigned.pop();
    assert_eq!(
        go(unsigned, push.clone()).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert!(messages(&gw, &admin, &general).await.is_empty());

    // Signed, it posts; redelivered with the same id, it posts nothing new.
    let first = go(signed(&push, "d-1"), push.clone()).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let again = go(signed(&push, "d-1"), push.clone()).await;
    assert_eq!(again.status(), StatusCode::OK);
    let receipt: Value = again.json().await.unwrap();
    assert_eq!(receipt["posted"], false);
    assert_eq!(receipt["message_id"], first["id"]);
    assert_eq!(messages(&gw, &admin, &general).await.len(), 1);

    // An event nothing renders: 2xx, nothing posted, in the log.
    let odd = br#"{"zen": "x", "action": "created"}"#.to_vec();
    let mut headers = signed(&odd, "d-2");
    headers[1].1 = "security_advisory".to_owned();
    let answer = go(headers, odd).await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(messages(&gw, &admin, &general).await.len(), 1);
    let log = deliveries(&gw, &admin, &hook).await;
    assert_eq!(log[0]["event"], "security_advisory");
    assert_eq!(log[0]["status"], 200);
    assert!(log[0]["message_id"].is_null());
    assert_eq!(
        log[1]["note"],
        "A redelivery: it was posted before; nothing new is posted."
    );
    assert_eq!(log[3]["status"], 401);
    assert!(
        log[3]["note"]
            .as_str()
            .unwrap()
            .contains("X-Hub-Signature-256")
    );

    // A push of 200 commits: one bounded message that says how many more there were.
    let mut big: Value = serde_json::from_slice(&push).unwrap();
    let commit = big["commits"][0].clone();
    big["commits"] = Value::Array(
        (0..200)
            .map(|i| {
                let mut c = commit.clone();
                c["id"] = json!(format!("{i:040x}"));
                c["message"] = json!(format!("commit number {i}\n\nwith a body"));
                c
            })
            .collect(),
    );
    let big = serde_json::to_vec(&big).unwrap();
    let answer = go(signed(&big, "d-3"), big).await;
    assert_eq!(answer.status(), StatusCode::CREATED);
    let message: Value = answer.json().await.unwrap();
    let body = message["body"].as_str().unwrap();
    assert!(body.contains("commit number 0"), "{body}");
    assert!(!body.contains("commit number 150"), "{body}");
    assert!(body.contains("190 more"), "{body}");

    // Only pushes, from now on: a pull request is answered and left out.
    let changed = http()
        .patch(gw.url(&format!("/api/webhooks/{}", hook.id)))
        .bearer_auth(&admin)
        .json(&json!({ "events": ["push"], "post_ci_successes": false }))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    let changed: Value = changed.json().await.unwrap();
    assert_eq!(changed["events"], json!(["push"]));
    assert_eq!(changed["has_secret"], true);
    let pr = std::fs::read(
        fixtures("github")
            .into_iter()
            .find(|p| stem(p) == "pull_request.opened")
            .unwrap(),
    )
    .unwrap();
    let mut headers = signed(&pr, "d-4");
    headers[1].1 = "pull_request".to_owned();
    let before = messages(&gw, &admin, &general).await.len();
    assert_eq!(go(headers, pr).await.status(), StatusCode::OK);
    assert_eq!(messages(&gw, &admin, &general).await.len(), before);
    assert!(
        deliveries(&gw, &admin, &hook).await[0]["note"]
            .as_str()
            .unwrap()
            .contains("leave this event out")
    );

    // Without its secret, deliveries need no signature.
    let cleared = http()
        .patch(gw.url(&format!("/api/webhooks/{}", hook.id)))
        .bearer_auth(&admin)
        .json(&json!({ "secret": null, "events": null }))
        .send()
        .await
        .unwrap();
    let cleared: Value = cleared.json().await.unwrap();
    assert_eq!(cleared["has_secret"], false);
    assert!(cleared.get("events").is_none());
    let mut headers = signed(&push, "d-5");
    headers.pop();
    assert_eq!(go(headers, push).await.status(), StatusCode::CREATED);
}

#[sqlx::test(migrations = "../migrations")]
async fn bad_input_is_refused_with_a_sentence_and_logged(pool: PgPool) {
    let gw = TestGateway::start(pool, &["--rate-limit-webhook", "100000"]).await;
    let (admin, _) = gw.person("ada", true).await;
    let hook = webhook(&gw, &admin, json!({})).await;
    let general = gw.general.to_string();
    // What is sent, and a phrase the refusal must contain.
    type Bad<'a> = (&'a str, &'a [(&'a str, &'a str)], Vec<u8>, &'a str);
    let cases: Vec<Bad<'_>> = vec![
        (
            "not JSON",
            &[("content-type", "application/json")],
            b"{not json".to_vec(),
            "not valid JSON",
        ),
        (
            "no known shape",
            &[("content-type", "application/json")],
            br#"{"hello": 1}"#.to_vec(),
            "no known shape",
        ),
        (
            "payload not JSON",
            &[("content-type", "application/x-www-form-urlencoded")],
            b"payload=%7Bnope".to_vec(),
            "payload",
        ),
        (
            "form without payload",
            &[("content-type", "application/x-www-form-urlencoded")],
            b"text=hi".to_vec(),
            "payload",
        ),
        (
            "wrong content type",
            &[("content-type", "image/png")],
            b"\x89PNG".to_vec(),
            "content type",
        ),
        (
            "invalid UTF-8",
            &[("content-type", "text/plain")],
            b"caf\xe9".to_vec(),
            "UTF-8",
        ),
        (
            "a GitHub event without its fields",
            &[
                ("content-type", "application/json"),
                ("x-github-event", "push"),
            ],
            b"{}".to_vec(),
            "push",
        ),
        (
            "an unknown format",
            &[("content-type", "application/json")],
            br#"{"text":"x"}"#.to_vec(),
            "format",
        ),
    ];
    for (i, (name, headers, body, says)) in cases.iter().enumerate() {
        let url = if *name == "an unknown format" {
            format!("{}?format=teams", hook.url)
        } else {
            hook.url.clone()
        };
        let answer = send(&url, headers, body.clone()).await;
        assert_eq!(answer.status(), StatusCode::BAD_REQUEST, "{name}");
        let error: Value = answer.json().await.unwrap();
        let message = error["message"].as_str().unwrap();
        assert!(message.contains(says), "{name}: {message}");
        let log = deliveries(&gw, &admin, &hook).await;
        assert_eq!(log.len(), i + 1, "{name} is logged");
        assert_eq!(log[0]["status"], 400);
        assert_eq!(log[0]["note"], message, "{name}");
    }
    assert!(messages(&gw, &admin, &general).await.is_empty());

    // Bigger than a webhook accepts: refused from its announced length.
    let huge = vec![b'x'; ajet_core::limits::MAX_WEBHOOK_BODY_BYTES + 1];
    let answer = send(&hook.url, &[("content-type", "text/plain")], huge).await;
    assert_eq!(answer.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let error: Value = answer.json().await.unwrap();
    assert_eq!(error["error"], "payload_too_large");
    assert!(messages(&gw, &admin, &general).await.is_empty());

    // The log keeps the last 100.
    for i in 0..105 {
        let answer = send(
            &hook.url,
            &[("content-type", "text/plain")],
            format!("note {i}").into_bytes(),
        )
        .await;
        assert_eq!(answer.status(), StatusCode::CREATED);
    }
    let log = deliveries(&gw, &admin, &hook).await;
    assert_eq!(log.len(), 100);
    assert_eq!(log[0]["format"], "plain");
}

#[sqlx::test(migrations = "../migrations")]
async fn outside_words_stay_inert_and_overrides_need_leave(pool: PgPool) {
    let gw = TestGateway::start(pool, &["--rate-limit-webhook", "100000"]).await;
    let (admin, _) = gw.person("ada", true).await;
    let (bob, _) = gw.person("bob", false).await;
    let hook = webhook(&gw, &admin, json!({})).await;
    let general = gw.general.to_string();

    // Commit messages and titles with markup and mentions mention nobody.
    let push = std::fs::read(
        fixtures("github")
            .into_iter()
            .find(|p| stem(p) == "push.commits")
            .unwrap(),
    )
    .unwrap();
    let mut push: Value = serde_json::from_slice(&push).unwrap();
    push["commits"][0]["message"] =
        json!("<script>alert(1)</script> [x](javascript:alert(1)) @channel @bob");
    let long: String = (0..10_000).map(|i| format!("line {i}\n")).collect();
    push["commits"][1]["message"] = json!(long);
    let body = serde_json::to_vec(&push).unwrap();
    let answer = send(
        &hook.url,
        &[
            ("content-type", "application/json"),
            ("x-github-event", "push"),
        ],
        body,
    )
    .await;
    assert_eq!(answer.status(), StatusCode::CREATED);
    let message: Value = answer.json().await.unwrap();
    let text = message["body"].as_str().unwrap();
    // Escaped: shown as typed, formatting nothing, linking nowhere, mentioning nobody.
    assert!(text.contains(r"\<script\>alert(1)\</script\>"), "{text}");
    assert!(text.contains(r"\[x\](javascript:alert(1))"), "{text}");
    assert!(
        !text.contains("@channel") && !text.contains("@bob"),
        "{text}"
    );
    assert!(
        text.lines().count() <= 302,
        "bounded: {} lines",
        text.lines().count()
    );
    let notifications: Value = http()
        .get(gw.url("/api/notifications"))
        .bearer_auth(&bob)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let notifications = notifications
        .as_array()
        .or_else(|| notifications["notifications"].as_array())
        .cloned()
        .unwrap_or_default();
    assert!(
        notifications.is_empty(),
        "nobody is mentioned: {notifications:?}"
    );

    // Slack's explicit mention forms do mention.
    let answer = send(
        &hook.url,
        &[("content-type", "application/json")],
        br##"{"text": "<!channel> the build is broken", "username": "Jenkins", "channel": "#random"}"##.to_vec(),
    )
    .await;
    assert_eq!(answer.status(), StatusCode::OK);
    let last = messages(&gw, &admin, &general).await.pop().unwrap();
    assert_eq!(last["body"], "@channel the build is broken");
    // Overrides are not allowed: the bot's own name, the webhook's own channel.
    assert!(last.get("meta").is_none_or(|m| m["display_name"].is_null()));

    // Allowed, the name and the channel are the delivery's.
    let random = http()
        .post(gw.url(&format!("/api/communities/{}/channels", gw.community.id)))
        .bearer_auth(&admin)
        .json(&json!({ "name": "random" }))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let random = random["id"].as_str().unwrap().to_owned();
    let patched = http()
        .patch(gw.url(&format!("/api/webhooks/{}", hook.id)))
        .bearer_auth(&admin)
        .json(&json!({ "allow_overrides": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), StatusCode::OK);
    let answer = send(
        &hook.url,
        &[("content-type", "application/json")],
        br##"{"text": "deployed", "username": "Jenkins", "icon_emoji": ":rocket:", "channel": "#random"}"##.to_vec(),
    )
    .await;
    assert_eq!(answer.status(), StatusCode::OK);
    let there = messages(&gw, &admin, &random).await;
    let last = there.last().expect("posted in #random");
    assert_eq!(last["body"], "deployed");
    assert_eq!(last["meta"]["display_name"], "Jenkins");
    assert_eq!(last["meta"]["icon_emoji"], ":rocket:");
    // A channel that is not a public channel of the community is refused.
    let answer = send(
        &hook.url,
        &[("content-type", "application/json")],
        br##"{"text": "x", "channel": "#nowhere"}"##.to_vec(),
    )
    .await;
    assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
