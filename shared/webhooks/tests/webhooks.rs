//! Every fixture in `tests/fixtures/` rendered through [`ajet_webhooks::render`] as the hook
//! handler calls it (headers, query, raw body), with the result snapshotted; plus form bodies,
//! signatures, filtering, bounds, injection and bad input.
#![expect(
    clippy::unwrap_used,
    reason = "test helpers fail the test on a broken fixture"
)]

use std::fs;
use std::path::{Path, PathBuf};

use ajet_core::mentions;
use ajet_webhooks::{
    Delivery, Format, Incoming, Options, Outcome, Rejected, SignatureError, Skip, WebhookError,
    WebhookMessage, render, signature,
};
use http::{HeaderMap, HeaderName, HeaderValue};

const SECRET: &[u8] = b"fixture-secret";

fn fixtures(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(dir);
    let mut files: Vec<PathBuf> = fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.insert(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    h
}

fn deliver(h: &HeaderMap, body: &[u8], options: &Options<'_>) -> Result<Delivery, Rejected> {
    render(
        &Incoming {
            headers: h,
            query_format: None,
            body,
        },
        options,
    )
}

fn posted(d: &Delivery) -> &WebhookMessage {
    match &d.outcome {
        Outcome::Post(m) => m,
        Outcome::Skip { reason } => panic!("expected a message, got {reason:?}"),
    }
}

/// A readable account of a delivery for snapshots: what it was, the body as the cli prints
/// it, and the cards as JSON.
fn show(d: &Delivery) -> String {
    let mut out = format!(
        "format: {}\nevent: {}\naction: {}\nidempotency_key: {}\n",
        d.format,
        d.event,
        d.action.as_deref().unwrap_or("-"),
        d.idempotency_key.as_deref().unwrap_or("-"),
    );
    match &d.outcome {
        Outcome::Skip { reason } => out.push_str(&format!("skip: {reason:?}\n")),
        Outcome::Post(m) => {
            let o = &m.overrides;
            for (k, v) in [
                ("username", &o.username),
                ("icon_url", &o.icon_url),
                ("icon_emoji", &o.icon_emoji),
                ("channel", &o.channel),
            ] {
                if let Some(v) = v {
                    out.push_str(&format!("override.{k}: {v}\n"));
                }
            }
            out.push_str("--- body\n");
            out.push_str(&m.body);
            out.push('\n');
            if m.text != m.body {
                out.push_str("--- text\n");
                out.push_str(&m.text);
                out.push('\n');
            }
            if !m.cards.is_empty() {
                out.push_str("--- cards\n");
                out.push_str(&serde_json::to_string_pretty(&m.cards).unwrap());
                out.push('\n');
            }
        }
    }
    out
}

/// The fixture's file name without `.json`.
fn stem(p: &Path) -> String {
    p.file_stem().unwrap().to_string_lossy().into_owned()
}

/// Checks the promises every rendered message keeps, whatever its source.
fn assert_safe(d: &Delivery) {
    if let Outcome::Post(m) = &d.outcome {
        assert!(m.body.chars().count() <= ajet_webhooks::text::MAX_BODY_CHARS);
        assert!(m.body.lines().count() <= ajet_webhooks::text::MAX_BODY_LINES + 2);
        for needle in ["<script", "javascript:", "data:text"] {
            let lower = m.body.to_ascii_lowercase();
            if let Some(at) = lower.find(needle) {
                // Allowed only as escaped text: `\<script`, or outside any link target.
                let before = &m.body[..at];
                assert!(
                    before.ends_with('\\') || !before.ends_with("](<"),
                    "{needle} in {}",
                    m.body
                );
            }
        }
    }
}

#[test]
fn github_fixtures() {
    for path in fixtures("github") {
        let name = stem(&path);
        let event = name.split('.').next().unwrap();
        let body = fs::read(&path).unwrap();
        let sig = format!("sha256={}", signature::sign(&body, SECRET));
        let h = headers(&[
            ("content-type", "application/json"),
            ("x-github-event", event),
            ("x-github-delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958"),
            ("x-hub-signature-256", &sig),
            ("user-agent", "GitHub-Hookshot/044aadd"),
        ]);
        let options = Options {
            secret: Some(SECRET),
            ..Options::default()
        };
        let d = deliver(&h, &body, &options).unwrap_or_else(|r| panic!("{name}: {:?}", r.error));
        assert_eq!(d.format, Format::Github);
        assert_eq!(d.event, event);
        assert_safe(&d);
        insta::assert_snapshot!(format!("github__{name}"), show(&d));
    }
}

#[test]
fn gitea_fixtures() {
    for path in fixtures("gitea") {
        let name = stem(&path);
        let event = name.split('.').next().unwrap();
        let event_type = match name.as_str() {
            "pull_request.synchronized" => "pull_request_sync",
            "pull_request_approved" => "pull_request_review_approved",
            "pull_request_rejected" => "pull_request_review_rejected",
            _ => event,
        };
        let body = fs::read(&path).unwrap();
        let sig = signature::sign(&body, SECRET);
        let h = headers(&[
            ("content-type", "application/json"),
            ("x-gitea-event", event),
            ("x-gitea-event-type", event_type),
            ("x-github-event", event),
            ("x-gitea-delivery", "f6266f16-1bf3-46a5-9ea4-602e06ead473"),
            ("x-gitea-signature", &sig),
        ]);
        let options = Options {
            secret: Some(SECRET),
            ..Options::default()
        };
        let d = deliver(&h, &body, &options).unwrap_or_else(|r| panic!("{name}: {:?}", r.error));
        assert_eq!(d.format, Format::Gitea);
        assert_safe(&d);
        insta::assert_snapshot!(format!("gitea__{name}"), show(&d));
    }
}

#[test]
fn forgejo_headers_read_as_gitea() {
    let path = fixtures("gitea")
        .into_iter()
        .find(|p| stem(p) == "push")
        .unwrap();
    let body = fs::read(path).unwrap();
    let h = headers(&[
        ("x-forgejo-event", "push"),
        ("x-forgejo-delivery", "abc-123"),
        ("x-forgejo-signature", &signature::sign(&body, SECRET)),
    ]);
    let d = deliver(
        &h,
        &body,
        &Options {
            secret: Some(SECRET),
            ..Options::default()
        },
    )
    .unwrap();
    assert_eq!((d.format, d.event.as_str()), (Format::Gitea, "push"));
    assert_eq!(d.idempotency_key.as_deref(), Some("abc-123"));
    assert!(posted(&d).body.contains("pushed [1 commit]"));
}

#[test]
fn slack_alertmanager_and_grafana_fixtures_are_detected_by_shape() {
    for (dir, format) in [
        ("slack", Format::Slack),
        ("alertmanager", Format::Alertmanager),
        ("grafana", Format::Alertmanager),
    ] {
        for path in fixtures(dir) {
            let name = stem(&path);
            let body = fs::read(&path).unwrap();
            let h = headers(&[("content-type", "application/json")]);
            let d = deliver(&h, &body, &Options::default())
                .unwrap_or_else(|r| panic!("{name}: {:?}", r.error));
            assert_eq!(d.format, format, "{dir}/{name}");
            assert_eq!(d.idempotency_key, None);
            assert_safe(&d);
            insta::assert_snapshot!(format!("{dir}__{name}"), show(&d));
        }
    }
}

/// `payload=` with the JSON percent-encoded, as Slack clients and GitHub's "form" hooks send.
fn form_encode(json: &[u8]) -> Vec<u8> {
    let mut out = b"payload=".to_vec();
    for &b in json {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => out.push(b),
            b' ' => out.push(b'+'),
            _ => out.extend(format!("%{b:02X}").bytes()),
        }
    }
    out
}

#[test]
fn form_bodies_render_like_json_bodies() {
    let form = headers(&[("content-type", "application/x-www-form-urlencoded")]);
    let json = headers(&[("content-type", "application/json")]);
    for path in fixtures("slack") {
        let body = fs::read(&path).unwrap();
        let a = deliver(&json, &body, &Options::default()).unwrap();
        let b = deliver(&form, &form_encode(&body), &Options::default()).unwrap();
        assert_eq!(a, b, "{}", stem(&path));
    }
    // GitHub's form hooks: the signature is over the form body as sent.
    let path = fixtures("github")
        .into_iter()
        .find(|p| stem(p) == "push.commits")
        .unwrap();
    let json_body = fs::read(path).unwrap();
    let form_body = form_encode(&json_body);
    let sig = format!("sha256={}", signature::sign(&form_body, SECRET));
    let h = headers(&[
        ("content-type", "application/x-www-form-urlencoded"),
        ("x-github-event", "push"),
        ("x-hub-signature-256", &sig),
    ]);
    let options = Options {
        secret: Some(SECRET),
        ..Options::default()
    };
    let d = deliver(&h, &form_body, &options).unwrap();
    assert!(
        posted(&d).body.contains("pushed [3 commits]"),
        "{}",
        posted(&d).body
    );
}

#[test]
fn signatures_good_bad_and_missing() {
    let body = br#"{"zen":"Keep it logically awesome.","hook_id":1,"sender":{"login":"octocat"}}"#;
    let good = format!("sha256={}", signature::sign(body, SECRET));
    let bad = format!("sha256={}", signature::sign(body, b"wrong secret"));
    let with_secret = Options {
        secret: Some(SECRET),
        ..Options::default()
    };
    let run = |sig: Option<&str>, options: &Options<'_>| {
        let mut pairs = vec![("x-github-event", "ping"), ("x-github-delivery", "d-1")];
        if let Some(sig) = sig {
            pairs.push(("x-hub-signature-256", sig));
        }
        deliver(&headers(&pairs), body, options)
    };
    let d = run(Some(&good), &with_secret).unwrap();
    assert_eq!(d.outcome, Outcome::Skip { reason: Skip::Ping });

    let r = run(Some(&bad), &with_secret).unwrap_err();
    assert_eq!(r.error, WebhookError::Signature(SignatureError::Mismatch));
    assert_eq!(r.error.code(), ajet_core::ErrorCode::Unauthorized);
    assert_eq!(r.format, Some(Format::Github));
    assert_eq!(r.event.as_deref(), Some("ping"));
    assert_eq!(r.idempotency_key.as_deref(), Some("d-1"));

    let r = run(None, &with_secret).unwrap_err();
    assert_eq!(r.error, WebhookError::Signature(SignatureError::Missing));

    // A body changed after signing fails.
    let h = headers(&[("x-github-event", "ping"), ("x-hub-signature-256", &good)]);
    let tampered =
        br#"{"zen":"Keep it logically awesome!","hook_id":1,"sender":{"login":"octocat"}}"#;
    let r = deliver(&h, tampered, &with_secret).unwrap_err();
    assert_eq!(r.error, WebhookError::Signature(SignatureError::Mismatch));

    // Without a secret on the webhook, signatures are not needed.
    assert!(run(None, &Options::default()).is_ok());
}

fn github(event: &str, body: &[u8], options: &Options<'_>) -> Result<Delivery, Rejected> {
    deliver(
        &headers(&[
            ("x-github-event", event),
            ("content-type", "application/json"),
        ]),
        body,
        options,
    )
}

fn github_fixture(name: &str) -> Vec<u8> {
    let path = fixtures("github")
        .into_iter()
        .find(|p| stem(p) == name)
        .unwrap();
    fs::read(path).unwrap()
}

#[test]
fn ci_successes_and_event_lists_filter() {
    let quiet = Options {
        ci_successes: false,
        ..Options::default()
    };
    let success = github_fixture("workflow_run.completed.success");
    let failure = github_fixture("workflow_run.completed.failure");
    let d = github("workflow_run", &success, &quiet).unwrap();
    assert_eq!(
        d.outcome,
        Outcome::Skip {
            reason: Skip::Filtered
        }
    );
    let d = github("workflow_run", &failure, &quiet).unwrap();
    assert!(
        posted(&d)
            .body
            .starts_with("❌ Workflow **test** **failed**")
    );
    let d = github(
        "check_suite",
        &github_fixture("check_suite.completed.success"),
        &quiet,
    )
    .unwrap();
    assert_eq!(
        d.outcome,
        Outcome::Skip {
            reason: Skip::Filtered
        }
    );

    let only_pushes = ["push".to_owned()];
    let pushes = Options {
        events: Some(&only_pushes),
        ..Options::default()
    };
    let d = github("workflow_run", &failure, &pushes).unwrap();
    assert_eq!(
        d.outcome,
        Outcome::Skip {
            reason: Skip::Filtered
        }
    );
    let d = github("push", &github_fixture("push.commits"), &pushes).unwrap();
    assert!(matches!(d.outcome, Outcome::Post(_)));
}

#[test]
fn unknown_events_and_actions_post_nothing() {
    let d = github(
        "deployment_status",
        &github_fixture("deployment_status.created"),
        &Options::default(),
    )
    .unwrap();
    assert_eq!(d.event, "deployment_status");
    assert_eq!(d.action.as_deref(), Some("created"));
    assert_eq!(
        d.outcome,
        Outcome::Skip {
            reason: Skip::NotRendered
        }
    );
    let d = github(
        "pull_request",
        &github_fixture("pull_request.labeled"),
        &Options::default(),
    )
    .unwrap();
    assert_eq!(
        d.outcome,
        Outcome::Skip {
            reason: Skip::NotRendered
        }
    );
}

#[test]
fn a_200_commit_push_lists_ten_and_counts_the_rest() {
    let mut push: serde_json::Value =
        serde_json::from_slice(&github_fixture("push.commits")).unwrap();
    let template = push["commits"][0].clone();
    let commits: Vec<serde_json::Value> = (0..200)
        .map(|i| {
            let mut c = template.clone();
            let id = format!("{:07x}{}", 0xa1b2000 + i, "0".repeat(33));
            c["url"] = format!("https://github.com/Codertocat/Hello-World/commit/{id}").into();
            c["id"] = id.into();
            c["message"] = format!("Commit number {i}\n\nWith a body that is not shown.").into();
            c
        })
        .collect();
    push["commits"] = commits.into();
    let body = serde_json::to_vec(&push).unwrap();
    let d = github("push", &body, &Options::default()).unwrap();
    let md = &posted(&d).body;
    assert!(
        md.starts_with("**Codertocat** pushed [200 commits]"),
        "{md}"
    );
    assert_eq!(md.lines().filter(|l| l.starts_with("- [`")).count(), 10);
    assert!(md.contains("Commit number 9 "));
    assert!(!md.contains("Commit number 10 "));
    assert!(md.ends_with("- … and 190 more commits."), "{md}");
    assert!(!md.contains("With a body"));
    insta::assert_snapshot!(show(&d));
}

/// Other people's words that try to mention, link, inject HTML or flood.
const HOSTILE: &str = "<script>alert(1)</script> [x](javascript:alert(1)) ![i](data:text/html,hi) @channel @here @everyone @alice <!channel> <@bob> **bold** # heading";

/// Asserts that `md`, read as markdown, mentions nobody, holds no HTML, and links or embeds
/// only `http`, `https` and `mailto` targets.
fn assert_inert(md: &str) {
    use pulldown_cmark::{Event, Options as MdOptions, Parser, Tag};
    assert!(
        mentions::parse(md).is_empty(),
        "mentions {:?} in:\n{md}",
        mentions::parse(md)
    );
    let options = MdOptions::ENABLE_STRIKETHROUGH | MdOptions::ENABLE_TABLES;
    for event in Parser::new_ext(md, options) {
        match event {
            Event::Html(h) | Event::InlineHtml(h) => panic!("HTML {h:?} in:\n{md}"),
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                let lower = dest_url.to_ascii_lowercase();
                assert!(
                    ["http://", "https://", "mailto:"]
                        .iter()
                        .any(|s| lower.starts_with(s)),
                    "link to {dest_url:?} in:\n{md}"
                );
            }
            _ => {}
        }
    }
}

#[test]
fn injection_in_native_payloads_is_inert() {
    // A push whose commit message and author are hostile.
    let mut push: serde_json::Value =
        serde_json::from_slice(&github_fixture("push.commits")).unwrap();
    push["commits"][0]["message"] = HOSTILE.into();
    push["commits"][1]["author"]["username"] = "@channel".into();
    push["commits"][1]["url"] = "javascript:alert(1)".into();
    push["repository"]["full_name"] = "<img src=x onerror=alert(1)>".into();
    let d = github(
        "push",
        &serde_json::to_vec(&push).unwrap(),
        &Options::default(),
    )
    .unwrap();
    let md = &posted(&d).body;
    assert_inert(md);
    assert!(md.contains("\\<script\\>alert(1)\\</script\\>"), "{md}");

    // Pull request title and a 10,000-line body.
    let mut pr: serde_json::Value =
        serde_json::from_slice(&github_fixture("pull_request.opened")).unwrap();
    pr["pull_request"]["title"] = HOSTILE.into();
    let flood: String = (0..10_000)
        .map(|i| format!("@here line {i} {HOSTILE}\n"))
        .collect();
    pr["pull_request"]["body"] = flood.into();
    pr["pull_request"]["head"]["ref"] = "`@channel`".into();
    let d = github(
        "pull_request",
        &serde_json::to_vec(&pr).unwrap(),
        &Options::default(),
    )
    .unwrap();
    let md = &posted(&d).body;
    assert_inert(md);
    assert!(md.lines().count() < 30, "{} lines", md.lines().count());
    assert!(md.chars().count() < 4_000);
    assert!(md.ends_with('…'), "{md}");

    // Issue comment and release bodies.
    let mut ic: serde_json::Value =
        serde_json::from_slice(&github_fixture("issue_comment.created")).unwrap();
    ic["comment"]["body"] = format!("{HOSTILE}\n@channel\n<!here>").into();
    ic["issue"]["title"] = HOSTILE.into();
    let d = github(
        "issue_comment",
        &serde_json::to_vec(&ic).unwrap(),
        &Options::default(),
    )
    .unwrap();
    assert_inert(&posted(&d).body);

    // CI names and branch names.
    let mut wr: serde_json::Value =
        serde_json::from_slice(&github_fixture("workflow_run.completed.failure")).unwrap();
    wr["workflow"]["name"] = HOSTILE.into();
    wr["workflow_run"]["display_title"] = HOSTILE.into();
    wr["workflow_run"]["html_url"] = "javascript:alert(1)".into();
    let d = github(
        "workflow_run",
        &serde_json::to_vec(&wr).unwrap(),
        &Options::default(),
    )
    .unwrap();
    assert_inert(&posted(&d).body);
}

#[test]
fn injection_in_alert_labels_is_inert() {
    let path = fixtures("alertmanager")
        .into_iter()
        .find(|p| stem(p) == "firing")
        .unwrap();
    let mut am: serde_json::Value = serde_json::from_slice(&fs::read(path).unwrap()).unwrap();
    am["commonLabels"]["alertname"] = HOSTILE.into();
    am["commonLabels"]["severity"] = "`@channel`".into();
    am["commonAnnotations"]["summary"] = HOSTILE.into();
    am["alerts"][0]["labels"]["alertname"] = HOSTILE.into();
    am["alerts"][0]["labels"]["team"] = "@here".into();
    am["alerts"][0]["annotations"]["summary"] =
        (0..10_000).map(|_| "@channel\n").collect::<String>().into();
    am["alerts"][0]["generatorURL"] = "javascript:alert(1)".into();
    am["externalURL"] = "data:text/html,<script>alert(1)</script>".into();
    let d = deliver(
        &headers(&[("content-type", "application/json")]),
        &serde_json::to_vec(&am).unwrap(),
        &Options::default(),
    )
    .unwrap();
    let m = posted(&d);
    assert_inert(&m.body);
    assert!(m.body.chars().count() < 4_000);
    let card = &m.cards[0];
    assert_eq!(card.title_link, None);
    for text in card.text.iter().chain(card.title.iter()) {
        assert_inert(text);
    }
    for f in &card.fields {
        assert_inert(&f.value);
        assert_inert(&f.title);
    }
}

#[test]
fn slack_text_mentions_only_in_its_explicit_forms_and_stays_bounded() {
    let json = serde_json::json!({
        "text": "<!channel> deploy <script>x</script> <javascript:alert(1)|click> [x](javascript:alert(1))",
        "attachments": [{
            "title": "@here <b>title</b>",
            "title_link": "javascript:alert(1)",
            "author_name": "@everyone",
            "fields": [{"title": "@channel", "value": "<@carol>", "short": true}],
            "image_url": "data:image/png;base64,AAAA",
        }, {
            "text": (0..10_000).map(|i| format!("line {i}\n")).collect::<String>(),
        }]
    });
    let d = deliver(
        &headers(&[("content-type", "application/json")]),
        &serde_json::to_vec(&json).unwrap(),
        &Options::default(),
    )
    .unwrap();
    let m = posted(&d);
    assert_eq!(
        mentions::parse(&m.body),
        [
            mentions::Mention::Channel,
            mentions::Mention::User("carol".into())
        ]
    );
    assert!(
        m.body.starts_with(
            "@channel deploy \\<script>x\\</script> click \\[x\\](javascript:alert(1))"
        ),
        "{}",
        m.body
    );
    assert!(m.body.lines().count() <= ajet_webhooks::text::MAX_BODY_LINES + 2);
    let card = &m.cards[0];
    assert_eq!(
        card.title.as_deref(),
        Some("@\u{2060}here \\<b\\>title\\</b\\>")
    );
    assert_eq!(card.title_link, None);
    assert_eq!(card.image_url, None);
    assert!(m.cards[1].text.as_ref().unwrap().chars().count() <= 4_100);
}

#[test]
fn a_10000_line_plain_body_is_bounded() {
    let body: String = (0..10_000).map(|i| format!("line {i}\n")).collect();
    let d = deliver(
        &headers(&[("content-type", "text/plain")]),
        body.as_bytes(),
        &Options::default(),
    )
    .unwrap();
    assert_eq!(d.format, Format::Plain);
    let md = &posted(&d).body;
    assert_eq!(md.lines().count(), ajet_webhooks::text::MAX_BODY_LINES + 1);
    assert!(md.ends_with('…'));
}

#[test]
fn the_query_overrides_detection() {
    let body = br#"{"text": "*not slack*"}"#;
    let h = headers(&[("content-type", "application/json")]);
    let run = |format: Option<&str>| {
        render(
            &Incoming {
                headers: &h,
                query_format: format,
                body,
            },
            &Options::default(),
        )
    };
    assert_eq!(posted(&run(None).unwrap()).body, "**not slack**");
    let plain = run(Some("plain")).unwrap();
    assert_eq!(
        (plain.format, posted(&plain).body.as_str()),
        (Format::Plain, "*not slack*")
    );
    let r = run(Some("github")).unwrap_err();
    assert_eq!(
        r.error,
        WebhookError::MissingEventHeader(Format::Github, "X-GitHub-Event")
    );
    let r = run(Some("alertmanager")).unwrap_err();
    assert!(
        matches!(r.error, WebhookError::InvalidPayload { .. }),
        "{:?}",
        r.error
    );
    assert!(r.error.to_string().contains("missing field"), "{}", r.error);
    let r = run(Some("teams")).unwrap_err();
    assert_eq!(r.error, WebhookError::UnknownFormat("teams".into()));
}

#[test]
fn bad_input_is_refused_with_a_sentence() {
    let json = headers(&[("content-type", "application/json")]);
    let cases: Vec<(HeaderMap, &[u8], &str)> = vec![
        (json.clone(), b"not json", "The body is not valid JSON"),
        (
            json.clone(),
            br#"{"zen": "no known shape"}"#,
            "no known shape",
        ),
        (json.clone(), b"[1, 2]", "no known shape"),
        (json.clone(), b"\xff\xfe{}", "not valid UTF-8"),
        (json.clone(), b"", "The body is empty."),
        (
            json.clone(),
            br#"{"text": 5}"#,
            "The slack `message` payload is not valid: invalid type",
        ),
        (json.clone(), br#"{"text": ""}"#, "has nothing to show"),
        (
            headers(&[("content-type", "application/x-www-form-urlencoded")]),
            b"payload=%7Bnot+json",
            "The form's `payload` field is not valid JSON",
        ),
        (
            headers(&[("content-type", "application/x-www-form-urlencoded")]),
            b"text=hello",
            "no `payload` field",
        ),
        (
            headers(&[("content-type", "application/xml")]),
            b"<text>hi</text>",
            "The content type `application/xml` is not accepted",
        ),
        (
            headers(&[
                ("x-github-event", "push"),
                ("content-type", "application/json"),
            ]),
            br#"{"ref": "refs/heads/main"}"#,
            "The github `push` payload is not valid: missing field `after`",
        ),
        (
            headers(&[
                ("x-github-event", "issues"),
                ("content-type", "application/json"),
            ]),
            br#"{"action": "opened", "issue": {"number": 1}}"#,
            "missing field `title`",
        ),
        (
            headers(&[("x-gitea-event", "push"), ("content-type", "text/plain")]),
            b"hello",
            "a gitea delivery is a JSON document",
        ),
        (
            json.clone(),
            br#"{"version": "4", "alerts": [], "status": 3}"#,
            "The alertmanager `alert` payload is not valid",
        ),
    ];
    for (h, body, expected) in cases {
        let r = deliver(&h, body, &Options::default()).unwrap_err();
        let message = r.error.to_string();
        assert!(message.contains(expected), "{message:?} lacks {expected:?}");
        assert!(message.ends_with('.'), "{message:?} is not a sentence");
        assert_ne!(r.error.code(), ajet_core::ErrorCode::Unauthorized);
    }
}

#[test]
fn idempotency_keys_come_from_delivery_headers() {
    let body = github_fixture("star.created");
    let h = headers(&[("x-github-event", "star"), ("x-github-delivery", "abc")]);
    assert_eq!(
        deliver(&h, &body, &Options::default())
            .unwrap()
            .idempotency_key
            .as_deref(),
        Some("abc")
    );
    let long = "x".repeat(200);
    let h = headers(&[("x-github-event", "star"), ("x-github-delivery", &long)]);
    assert_eq!(
        deliver(&h, &body, &Options::default())
            .unwrap()
            .idempotency_key,
        None
    );
}
