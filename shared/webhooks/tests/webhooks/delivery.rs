//! What happens to a delivery before and around rendering: signatures, filters, unknown
//! events, the `?format=` override, bad input and idempotency keys.

use super::*;

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
