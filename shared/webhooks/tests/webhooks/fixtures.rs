//! Every fixture rendered with the headers its sender adds, and snapshotted; form bodies
//! render like JSON ones.

use super::*;

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
