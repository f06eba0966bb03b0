//! Other people's words stay inert and everything stays bounded.

use super::*;

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
