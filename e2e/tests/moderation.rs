//! Moderation as people feel it, through the gateway with all four services: a ban stops
//! a person's open streams receiving the community at once (terminal and browser alike)
//! while their DMs still arrive; lifted, an invite brings them back; a kick is undone by
//! an invite; a purge reaches a resuming client as tombstones, once each.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use ajet_core::commands::CommandAnswer;
use ajet_core::{EventData, MessageId};
use ajet_sdk::sse::EventStream;
use anyhow::{Context, Result, bail};
use common::{Stack, next_matching, open_stream};

/// An admin of the stack's community, with a session token.
async fn admin(stack: &Stack, name: &str) -> Result<String> {
    stack.api_command(&["create-user", name, "--admin"]).await?;
    Ok(stack
        .api_command(&["create-token", name])
        .await?
        .trim()
        .to_owned())
}

fn markdown(answer: CommandAnswer) -> Result<String> {
    match answer {
        CommandAnswer::Ephemeral { markdown } => Ok(markdown),
        CommandAnswer::Posted { .. } => bail!("expected an answer, got a post"),
    }
}

/// The bodies of the messages created on `stream` until one reads `marker`.
async fn bodies_until(stream: &mut EventStream, marker: &str) -> Result<Vec<String>> {
    let mut seen = Vec::new();
    loop {
        let event = next_matching(stream, Duration::from_secs(5), |e| {
            matches!(e.data, EventData::MessageCreated(_))
        })
        .await?;
        if let EventData::MessageCreated(m) = event.data {
            if m.body == marker {
                return Ok(seen);
            }
            seen.push(m.body);
        }
    }
}

#[tokio::test]
async fn a_ban_stops_the_community_at_once_while_dms_flow_and_an_invite_brings_them_back()
-> Result<()> {
    let stack = Stack::start().await?;
    let ada = admin(&stack, "ada").await?;
    let bob = stack.user("bob").await?;
    let ada_sdk = stack.sdk(&ada)?;
    let bob_sdk = stack.sdk(&bob)?;
    let general = ada_sdk
        .channels()
        .await?
        .into_iter()
        .find(|c| c.name.as_deref() == Some("general"))
        .context("no #general")?;
    let dm = ada_sdk.start_dm(&["bob"]).await?;
    let mut terminal = open_stream(&stack, &bob, "/tui/stream").await?;
    let mut browser = open_stream(&stack, &bob, "/events").await?;
    ada_sdk.send_message(general.id, "before").await?;
    for stream in [&mut terminal, &mut browser] {
        next_matching(
            stream,
            Duration::from_secs(3),
            |e| matches!(&e.data, EventData::MessageCreated(m) if m.body == "before"),
        )
        .await?;
    }

    let said = markdown(ada_sdk.run_command(general.id, "/ban @bob 1h spam").await?)?;
    assert!(said.starts_with("@bob is banned until"), "{said}");
    // No reconnect: the same streams carry the DM and the notice, never the community.
    ada_sdk.send_message(general.id, "after the ban").await?;
    ada_sdk.send_message(dm.id, "a word in private").await?;
    for stream in [&mut terminal, &mut browser] {
        let leaked = bodies_until(stream, "a word in private").await?;
        assert!(leaked.is_empty(), "delivered after the ban: {leaked:?}");
    }
    let err = bob_sdk.channels().await?;
    assert!(err.iter().all(|c| c.community_id.is_none()), "{err:?}");

    // While banned, an invite is refused; lifted, the same invite works.
    let invite = markdown(ada_sdk.run_command(general.id, "/invite create").await?)?;
    let code = invite
        .split("invite=")
        .nth(1)
        .and_then(|rest| rest.split('`').next())
        .context("no code in the answer")?
        .to_owned();
    let refused = bob_sdk.accept_invite(&code).await.unwrap_err();
    assert_eq!(refused.code(), Some(ajet_core::ErrorCode::Forbidden));
    markdown(ada_sdk.run_command(general.id, "/unban @bob").await?)?;
    bob_sdk.accept_invite(&code).await?;
    ada_sdk.send_message(general.id, "welcome back").await?;
    next_matching(
        &mut terminal,
        Duration::from_secs(3),
        |e| matches!(&e.data, EventData::MessageCreated(m) if m.body == "welcome back"),
    )
    .await?;

    // A kick, the same way; an invite brings him back.
    markdown(ada_sdk.run_command(general.id, "/kick @bob").await?)?;
    ada_sdk.send_message(general.id, "after the kick").await?;
    ada_sdk.send_message(dm.id, "still here?").await?;
    let leaked = bodies_until(&mut terminal, "still here?").await?;
    assert!(leaked.is_empty(), "delivered after the kick: {leaked:?}");
    bob_sdk.accept_invite(&code).await?;
    assert!(
        bob_sdk
            .channels()
            .await?
            .iter()
            .any(|c| c.name.as_deref() == Some("general"))
    );
    Ok(())
}

#[tokio::test]
async fn a_purge_reaches_a_resuming_client_as_tombstones_once() -> Result<()> {
    let stack = Stack::start().await?;
    let ada = admin(&stack, "ada").await?;
    let bob = stack.user("bob").await?;
    let ada_sdk = stack.sdk(&ada)?;
    let general = ada_sdk
        .channels()
        .await?
        .into_iter()
        .find(|c| c.name.as_deref() == Some("general"))
        .context("no #general")?;
    let mut posted: Vec<MessageId> = Vec::new();
    for i in 0..5 {
        posted.push(ada_sdk.send_message(general.id, &format!("m{i}")).await?.id);
    }
    // Bob's client reads up to here, then goes away.
    let mut stream = open_stream(&stack, &bob, "/tui/stream").await?;
    ada_sdk.send_message(general.id, "checkpoint").await?;
    let checkpoint = next_matching(
        &mut stream,
        Duration::from_secs(3),
        |e| matches!(&e.data, EventData::MessageCreated(m) if m.body == "checkpoint"),
    )
    .await?;
    let resume_after = checkpoint.id.context("a message event has a position")?;
    drop(stream);

    let said = markdown(ada_sdk.run_command(general.id, "/purge 3").await?)?;
    assert_eq!(said, "Deleted 3 messages.");
    ada_sdk.send_message(general.id, "marker").await?;

    let mut resumed = stack.sdk(&bob)?.stream("/tui/stream", Some(resume_after));
    let mut deleted: HashMap<MessageId, u32> = HashMap::new();
    loop {
        let event = next_matching(&mut resumed, Duration::from_secs(5), |e| {
            matches!(
                e.data,
                EventData::MessageDeleted { .. } | EventData::MessageCreated(_)
            )
        })
        .await?;
        match event.data {
            EventData::MessageDeleted { message_id, .. } => {
                *deleted.entry(message_id).or_default() += 1;
            }
            EventData::MessageCreated(m) if m.body == "marker" => break,
            _ => {}
        }
    }
    // The last three: the checkpoint and the two before it, each once.
    let expected = [posted[3], posted[4]];
    let mut got: Vec<MessageId> = deleted.keys().copied().collect();
    got.sort();
    assert_eq!(got.len(), 3, "{deleted:?}");
    assert!(expected.iter().all(|id| got.contains(id)), "{deleted:?}");
    assert!(deleted.values().all(|n| *n == 1), "{deleted:?}");
    Ok(())
}

/// Runs the cli with `args` as `token`; whether it succeeded, and its stdout and stderr.
async fn cli(stack: &Stack, token: &str, args: &[&str]) -> Result<(bool, String, String)> {
    let mut cmd = stack.cli(token)?;
    cmd.args(args);
    let out = tokio::time::timeout(Duration::from_secs(30), cmd.output())
        .await
        .context("the cli did not finish within 30 s")??;
    Ok((
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

#[tokio::test]
async fn the_cli_runs_slash_commands_and_lists_them() -> Result<()> {
    let stack = Stack::start().await?;
    let ada = admin(&stack, "ada").await?;
    let bob = stack.user("bob").await?;

    let (ok, out, err) = cli(&stack, &bob, &["commands", "#general"]).await?;
    assert!(ok, "{err}");
    assert!(
        out.contains("/topic text") && out.contains("/help [command]"),
        "{out}"
    );
    assert!(!out.contains("/ban"), "a member is not offered /ban: {out}");
    let (ok, out, _) = cli(&stack, &ada, &["commands", "#general"]).await?;
    assert!(
        ok && out.contains("/ban @user [duration] [reason]"),
        "{out}"
    );

    let (ok, out, err) = cli(
        &stack,
        &bob,
        &["send", "#general", "/topic", "Release", "day"],
    )
    .await?;
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "The topic of #general is now: Release day");
    let (ok, out, err) = cli(&stack, &bob, &["send", "#general", "/me waves"]).await?;
    assert!(ok && out.starts_with("sent to e2e#general"), "{out}{err}");
    let (ok, out, err) = cli(&stack, &bob, &["send", "#general", "//shrug"]).await?;
    assert!(ok && out.starts_with("sent to e2e#general"), "{out}{err}");
    let (ok, out, err) = cli(&stack, &bob, &["read", "#general"]).await?;
    assert!(ok, "{err}");
    assert!(out.contains("/shrug") && out.contains("waves"), "{out}");

    let (ok, _, err) = cli(&stack, &bob, &["send", "#general", "/frobnicate"]).await?;
    assert!(!ok);
    assert!(
        err.contains("unknown command /frobnicate — /help lists the commands you can run"),
        "{err}"
    );
    let (ok, _, err) = cli(&stack, &bob, &["send", "#general", "/ban @ada"]).await?;
    assert!(!ok && err.contains("owner and admins"), "{err}");
    Ok(())
}
