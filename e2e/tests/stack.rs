//! End-to-end: the four services and the cli as processes, driven from outside.

mod common;

use std::time::{Duration, Instant};

use ajet_core::EventData;
use ajet_sdk::sse::StreamItem;
use anyhow::{Context, Result, bail};
use common::Stack;
use futures::StreamExt;
use serde_json::Value;
use tokio::io::AsyncBufReadExt;

#[tokio::test]
async fn the_stack_is_ready_and_one_trace_id_reaches_every_service() -> Result<()> {
    let stack = Stack::start().await?;
    let response = reqwest::get(format!("{}/ready", stack.gateway.url())).await?;
    assert_eq!(response.status(), 200);
    let trace_id = response
        .headers()
        .get("x-trace-id")
        .context("no X-Trace-Id on the response")?
        .to_str()?
        .to_owned();
    let body: Value = response.json().await?;
    assert_eq!(body["ready"], true, "{body}");
    for service in ["auth-gw", "api", "web-sm", "tui-sm"] {
        assert_eq!(
            body["services"][service]["ready"], true,
            "{service}: {body}"
        );
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    for service in [&stack.gateway, &stack.api, &stack.web_sm, &stack.tui_sm] {
        assert!(
            service.read_log().contains(&trace_id),
            "{} did not log trace {trace_id}:\n{}",
            service.name,
            service.read_log()
        );
    }
    Ok(())
}

#[tokio::test]
async fn a_message_sent_with_the_cli_reaches_another_clients_stream() -> Result<()> {
    let stack = Stack::start().await?;
    let alice = stack.user("alice").await?;
    let bob = stack.user("bob").await?;

    let mut stream = stack.sdk(&bob)?.stream("/tui/stream", None);
    match tokio::time::timeout(Duration::from_secs(5), stream.next()).await? {
        Some(StreamItem::Connected) => {}
        other => bail!("bob's stream did not open: {other:?}\n{}", stack.logs()),
    }

    let started = Instant::now();
    let out = stack
        .cli(&alice)?
        .args(["send", "#general", "hi", "bob"])
        .output()
        .await?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let received = loop {
        let item = tokio::time::timeout(Duration::from_secs(1), stream.next())
            .await
            .context("bob's stream received nothing within 1 s")?;
        if let Some(StreamItem::Event(event)) = item
            && let EventData::MessageCreated(m) = event.data
        {
            assert!(event.id.is_some(), "events carry their resume id");
            break m;
        }
    };
    let elapsed = started.elapsed();
    assert_eq!(received.body, "hi bob");
    assert_eq!(received.author_username, "alice");
    assert!(elapsed < Duration::from_secs(1), "took {elapsed:?}");

    let out = stack.cli(&bob)?.args(["read", "#general"]).output().await?;
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout)?;
    assert!(text.trim_end().ends_with("alice: hi bob"), "{text}");

    let out = stack
        .cli(&bob)?
        .args(["--json", "read", "#general"])
        .output()
        .await?;
    let page: Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(page["messages"][0]["body"], "hi bob");
    Ok(())
}

#[tokio::test]
async fn tail_prints_history_then_live_messages() -> Result<()> {
    let stack = Stack::start().await?;
    let alice = stack.user("alice").await?;
    let sdk = stack.sdk(&alice)?;
    let general = sdk
        .channels()
        .await?
        .into_iter()
        .find(|c| c.name.as_deref() == Some("general"))
        .context("no #general")?;
    sdk.send_message(general.id, "before the tail").await?;

    let mut tail = stack
        .cli(&alice)?
        .args(["tail", "#general"])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let mut lines = tokio::io::BufReader::new(tail.stdout.take().context("stdout")?).lines();
    let first = tokio::time::timeout(Duration::from_secs(5), lines.next_line())
        .await??
        .context("tail printed nothing")?;
    assert!(first.ends_with("alice: before the tail"), "{first}");

    sdk.send_message(general.id, "while tailing").await?;
    let live = tokio::time::timeout(Duration::from_secs(2), lines.next_line())
        .await??
        .context("tail ended")?;
    assert!(live.ends_with("alice: while tailing"), "{live}");
    Ok(())
}

#[tokio::test]
async fn a_session_manager_shutting_down_closes_its_streams_and_exits_cleanly() -> Result<()> {
    let mut stack = Stack::start().await?;
    let token = stack.user("alice").await?;
    // Straight to tui-sm, so that the stream's end is the session manager's doing.
    let direct = ajet_sdk::Client::new(&stack.tui_sm.url())?.with_token(&token)?;
    let mut stream = direct.stream("/tui/stream", None);
    match tokio::time::timeout(Duration::from_secs(5), stream.next()).await? {
        Some(StreamItem::Connected) => {}
        other => bail!("the stream did not open: {other:?}\n{}", stack.logs()),
    }
    stack.tui_sm.terminate().await?;
    let status = stack
        .tui_sm
        .exited_within(Duration::from_secs(5))
        .await
        .context("tui-sm did not exit within 5 s of SIGTERM with a stream open")?;
    assert!(status.success(), "{status:?}\n{}", stack.tui_sm.read_log());
    // Past the stream's `hello`, the next thing the client sees is the end.
    loop {
        match tokio::time::timeout(Duration::from_secs(2), stream.next()).await? {
            Some(StreamItem::Event(_)) => continue,
            Some(StreamItem::Disconnected { .. }) => break,
            other => bail!("the client did not see the stream end: {other:?}"),
        }
    }
    Ok(())
}

#[tokio::test]
async fn the_gateway_refuses_strangers_and_unknown_routes() -> Result<()> {
    let stack = Stack::start().await?;
    let token = stack.user("alice").await?;
    let http = reqwest::Client::new();
    let gw = stack.gateway.url();

    for path in ["/api/me", "/api/channels", "/tui/stream"] {
        let r = http.get(format!("{gw}{path}")).send().await?;
        assert_eq!(r.status(), 401, "{path}");
        let body: Value = r.json().await?;
        assert_eq!(body["error"], "unauthorized", "{path}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));

        let r = http
            .get(format!("{gw}{path}"))
            .bearer_auth("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
            .send()
            .await?;
        assert_eq!(r.status(), 401, "forged token on {path}");
    }

    let r = http
        .get(format!("{gw}/api/no-such-thing"))
        .bearer_auth(&token)
        .send()
        .await?;
    assert_eq!(r.status(), 404);
    let body: Value = r.json().await?;
    assert_eq!(body["error"], "not_found");

    let r = http.get(format!("{gw}/no/such/page")).send().await?;
    assert_eq!(r.status(), 404);

    let r = http
        .get(format!("{gw}/api/me"))
        .bearer_auth(&token)
        .send()
        .await?;
    assert_eq!(r.status(), 200);
    let me: Value = r.json().await?;
    assert_eq!(me["user"]["username"], "alice");
    Ok(())
}

#[tokio::test]
async fn a_wrong_config_value_stops_a_service_with_a_line_naming_it() -> Result<()> {
    let out = tokio::process::Command::new(common::bin("ajet-auth-gw")?)
        .env("AJET_API_URL", "not a url")
        .output()
        .await?;
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--api-url"), "{err}");

    let out = tokio::process::Command::new(common::bin("ajet-api")?)
        .env(
            "AJET_DATABASE_URL",
            "postgres://ajet:secret@127.0.0.1:1/ajet",
        )
        .output()
        .await?;
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("AJET_DATABASE_URL"), "{err}");
    assert!(!err.contains("secret"), "the password leaked: {err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    Ok(())
}

#[tokio::test]
async fn the_cli_covers_the_chat_domain() -> Result<()> {
    let stack = Stack::start().await?;
    let alice = stack.user("alice").await?;
    let bob = stack.user("bob").await?;

    // A DM with a first message, then a thread reply, an edit, a reaction.
    let (ok, out, err) = stack.chat(&alice, &["dm", "@bob", "hello", "bob"]).await?;
    assert!(ok, "{err}");
    assert!(out.contains("@bob"), "{out}");
    let (ok, out, _) = stack
        .chat(
            &alice,
            &["--json", "send", "#general", "deploy", "at", "noon", "@bob"],
        )
        .await?;
    assert!(ok);
    let sent: Value = serde_json::from_str(&out)?;
    let id = sent["id"].as_str().context("no id")?.to_owned();
    let (ok, _, err) = stack
        .chat(&bob, &["send", "--thread", &id, "#general", "on", "it"])
        .await?;
    assert!(ok, "{err}");
    let (ok, out, _) = stack
        .chat(&alice, &["edit", &id, "deploy", "at", "one"])
        .await?;
    assert!(ok && out.contains("deploy at one (edited)"), "{out}");
    let (ok, out, _) = stack.chat(&bob, &["react", &id, "🎉"]).await?;
    assert!(ok && out.contains("🎉 1"), "{out}");
    let (ok, out, _) = stack.chat(&bob, &["read", "#general"]).await?;
    let (_, json, _) = stack.chat(&bob, &["--json", "read", "#general"]).await?;
    assert!(
        ok && out.contains("[1 reply]") && out.contains("🎉 1"),
        "{out}\n{json}"
    );

    // Bob's view: unread channels, notifications (the mention and the DM), search.
    let (ok, out, _) = stack.chat(&bob, &["unread"]).await?;
    assert!(
        ok && out.contains("@alice") && out.contains("unread notifications"),
        "{out}"
    );
    let (ok, out, _) = stack
        .chat(&bob, &["notifications", "--unread", "--mark-read"])
        .await?;
    assert!(
        ok && out.contains("mention by alice") && out.contains("message from alice"),
        "{out}"
    );
    let (_, out, _) = stack
        .chat(&bob, &["--json", "notifications", "--unread"])
        .await?;
    let page: Value = serde_json::from_str(&out)?;
    assert_eq!(page["unread_count"], 0);
    let (ok, out, _) = stack
        .chat(&bob, &["search", "deplo", "in:#general"])
        .await?;
    assert!(ok && out.contains("alice: deploy at one"), "{out}");
    let (ok, out, _) = stack.chat(&alice, &["channels"]).await?;
    assert!(
        ok && out.contains("#general") && out.contains("@bob"),
        "{out}"
    );

    // Deleting, and errors: a clear line on stderr and a non-zero exit.
    let (ok, _, _) = stack.chat(&alice, &["delete", &id]).await?;
    assert!(ok);
    let (ok, out, err) = stack.chat(&bob, &["edit", &id, "mine"]).await?;
    assert!(!ok && out.is_empty());
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.starts_with("ajet-chat: "), "{err}");
    let (ok, _, err) = stack.chat(&bob, &["react", &id, "not-an-emoji"]).await?;
    assert!(!ok && err.contains("not an emoji"), "{err}");
    let (ok, _, err) = stack.chat(&bob, &["send", "#nowhere", "hi"]).await?;
    assert!(!ok && err.contains("#nowhere"), "{err}");
    let (ok, _, err) = stack.chat(&bob, &["search", "before:yesterday"]).await?;
    assert!(!ok && err.contains("before:"), "{err}");
    Ok(())
}

/// Pages and static files go out gzipped through the gateway to clients that take it; the
/// event stream never is (an event must leave as soon as it is written).
#[tokio::test]
async fn pages_are_gzipped_and_the_stream_is_not() -> Result<()> {
    let stack = Stack::start().await?;
    let alice = stack.user("alice").await?;
    let http = reqwest::Client::builder().no_gzip().build()?;
    let css = http
        .get(format!("{}/static/app.css", stack.gateway.url()))
        .header("accept-encoding", "gzip")
        .send()
        .await?;
    assert_eq!(css.status(), 200);
    assert_eq!(css.headers()["content-encoding"], "gzip");
    let page = http
        .get(format!("{}/", stack.gateway.url()))
        .bearer_auth(&alice)
        .header("accept-encoding", "gzip")
        .send()
        .await?;
    assert!(page.status().is_success() || page.status().is_redirection());
    let stream = http
        .get(format!("{}/events", stack.gateway.url()))
        .bearer_auth(&alice)
        .header("accept-encoding", "gzip")
        .header("accept", "text/event-stream")
        .send()
        .await?;
    assert_eq!(stream.status(), 200);
    assert!(stream.headers().get("content-encoding").is_none());
    Ok(())
}
