//! The web client in a real browser: the four services on loopback, and Debian's Chromium
//! driven by playwright-core (`e2e/browser/web.mjs`) as two people chatting. Screenshots
//! of the main screens are kept under `<target>/screenshots/` for a person to look at.
//!
//! The script can ask this harness to stop and start parts of the stack while its
//! browsers stay open: it prints `AJET_KILL <what>` or `AJET_START <what>` (`web-sm`,
//! `nats`) on a line of its own, and waits for `done` (or `failed <why>`) on its stdin.
//! The stack runs on a NATS server of its own, so that stopping it touches no other test.

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use common::{Nats, Stack, StackOptions};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{ChildStdin, Command};
use tokio::time::{Instant, timeout, timeout_at};

/// The whole browser run, beyond which it has failed rather than being slow.
const WHOLE_RUN: Duration = Duration::from_secs(15 * 60);
/// One stop or start of a service.
const ONE_CONTROL: Duration = Duration::from_secs(45);

fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("browser")
}

#[tokio::test(flavor = "multi_thread")]
async fn two_people_chat_in_the_browser() -> Result<()> {
    let dir = browser_dir();
    if !dir.join("node_modules/playwright-core").exists() {
        bail!(
            "the browser test tools are missing: run script/test (it installs Chromium and \
             runs npm ci in {})",
            dir.display()
        );
    }
    let mut nats = Nats::start().await?;
    let mut stack = Stack::start_with(StackOptions {
        nats_url: Some(nats.url()),
        // Small enough that the script's 2 MiB file is refused as too large.
        env: vec![("AJET_MAX_UPLOAD_MB", "1".to_owned())],
        ..StackOptions::default()
    })
    .await?;
    // Alice administers the community, so that she can create the webhook the test posts to.
    stack
        .api_command(&["create-user", "alice", "--admin"])
        .await?;
    let alice = stack.api_command(&["create-token", "alice"]).await?;
    let alice = alice.trim().to_owned();
    let bob = stack.user("bob").await?;
    let screenshots = common::bin_dir().join("../screenshots");
    let mut node = Command::new("node")
        .arg(dir.join("web.mjs"))
        .current_dir(&dir)
        .env("AJET_BASE", stack.gateway.url())
        .env("AJET_ALICE", &alice)
        .env("AJET_BOB", &bob)
        .env("AJET_SCREENSHOTS", &screenshots)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .context("cannot run node (script/test installs Node.js 20.19 or newer)")?;
    let mut stdin = node.stdin.take().context("node's stdin")?;
    let stdout = node.stdout.take().context("node's stdout")?;
    let mut stderr = node.stderr.take().context("node's stderr")?;

    // Node's output is read on tasks of its own, line by line, so that a full pipe can
    // never stop node while this task is busy restarting something.
    let (lines_tx, mut lines) = tokio::sync::mpsc::unbounded_channel::<String>();
    tokio::spawn(async move {
        let mut reader = BufReader::new(stdout).lines();
        while let Ok(Some(line)) = reader.next_line().await {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let errors = tokio::spawn(async move {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text).await;
        text
    });

    let deadline = Instant::now() + WHOLE_RUN;
    let mut transcript = String::new();
    let outcome: Result<()> = async {
        loop {
            let line = match timeout_at(deadline, lines.recv()).await {
                Ok(Some(line)) => line,
                // Node closed its stdout: it is exiting.
                Ok(None) => return Ok(()),
                Err(_) => bail!("the browser test did not finish within {WHOLE_RUN:?}"),
            };
            println!("{line}");
            transcript.push_str(&line);
            transcript.push('\n');
            if let Some(command) = line.strip_prefix("AJET_") {
                let reply =
                    match timeout(ONE_CONTROL, control(&mut stack, &mut nats, command)).await {
                        Ok(Ok(())) => "done".to_owned(),
                        Ok(Err(err)) => format!("failed {err:#}"),
                        Err(_) => format!("failed {command} took longer than {ONE_CONTROL:?}"),
                    };
                println!("harness: {command}: {reply}");
                answer(&mut stdin, &reply).await?;
            }
        }
    }
    .await;
    drop(stdin);
    let status = match outcome {
        Ok(()) => timeout(Duration::from_secs(30), node.wait())
            .await
            .context("node did not exit after closing its output")??,
        Err(err) => {
            let _ = node.kill().await;
            let stderr = timeout(Duration::from_secs(5), errors)
                .await
                .ok()
                .and_then(Result::ok)
                .unwrap_or_default();
            bail!("{err:#}\n{stderr}\n--- services ---\n{}", stack.logs());
        }
    };
    let stderr = timeout(Duration::from_secs(5), errors)
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default();
    if !status.success() {
        bail!(
            "the browser test failed ({status})\n{stderr}\n--- services ---\n{}",
            stack.logs()
        );
    }
    assert!(transcript.contains("all browser checks passed"));
    Ok(())
}

/// Does what the script asked: `KILL web-sm`, `START web-sm`, `KILL nats`, `START nats`.
async fn control(stack: &mut Stack, nats: &mut Nats, command: &str) -> Result<()> {
    match command.split_whitespace().collect::<Vec<_>>().as_slice() {
        ["KILL", "web-sm"] => {
            stack.web_sm.kill().await;
            Ok(())
        }
        ["START", "web-sm"] => {
            // The same port and settings, so the gateway finds it where it was.
            stack.web_sm.restart().await?;
            common::wait_ready(
                &format!("{}/ready", stack.web_sm.url()),
                Duration::from_secs(20),
            )
            .await
        }
        ["KILL", "nats"] => {
            nats.stop().await;
            Ok(())
        }
        ["START", "nats"] => nats.restart().await,
        _ => bail!("unknown command AJET_{command}"),
    }
}

async fn answer(stdin: &mut ChildStdin, reply: &str) -> Result<()> {
    let line = format!("{reply}\n");
    timeout(Duration::from_secs(5), stdin.write_all(line.as_bytes()))
        .await
        .context("node does not read its stdin")?
        .context("cannot write to node")?;
    timeout(Duration::from_secs(5), stdin.flush())
        .await
        .context("node does not read its stdin")??;
    Ok(())
}
