//! End-to-end webhooks: an admin manages a webhook with `ajet-chat webhook …`, a tool
//! posts signed and unsigned GitHub deliveries to its URL through the gateway, and the
//! cli shows both the rendered message and the delivery log.

mod common;

use std::time::Duration;

use anyhow::{Context, Result};
use common::Stack;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

const SECRET: &str = "hook-secret-42";

/// `ajet-chat <args>` as `token`: whether it succeeded, its exit code, stdout and stderr.
async fn cli(stack: &Stack, token: &str, args: &[&str]) -> Result<(i32, String, String)> {
    let mut cmd = stack.cli(token)?;
    cmd.args(args);
    let out = tokio::time::timeout(Duration::from_secs(30), cmd.output())
        .await
        .context("the cli did not finish within 30 s")??;
    Ok((
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

/// Runs the cli and fails the test (with its stderr) unless it succeeds; its stdout.
async fn cli_ok(stack: &Stack, token: &str, args: &[&str]) -> Result<String> {
    let (code, stdout, stderr) = cli(stack, token, args).await?;
    assert_eq!(
        code,
        0,
        "ajet-chat {args:?} failed: {stderr}\n{}",
        stack.logs()
    );
    Ok(stdout)
}

fn signature(body: &[u8]) -> Result<String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes())?;
    mac.update(body);
    Ok(format!(
        "sha256={}",
        hex::encode(mac.finalize().into_bytes())
    ))
}

#[tokio::test]
async fn an_admin_creates_a_signed_webhook_with_the_cli_and_reads_its_deliveries() -> Result<()> {
    let stack = Stack::start().await?;
    stack
        .api_command(&["create-user", "ada", "--admin"])
        .await?;
    let ada = stack.api_command(&["create-token", "ada"]).await?;
    let ada = ada.trim();
    let bob = stack.user("bob").await?;

    let created = cli_ok(
        &stack,
        ada,
        &[
            "webhook", "create", "#general", "GitHub", "--secret", SECRET, "--events", "push",
        ],
    )
    .await?;
    let url = created
        .lines()
        .find(|l| l.starts_with("http"))
        .with_context(|| format!("no URL in {created:?}"))?
        .trim()
        .to_owned();
    assert!(
        url.starts_with(&format!("{}/hook/", stack.gateway.url())),
        "{created}"
    );
    assert!(created.contains("shown once"), "{created}");

    let list: Value =
        serde_json::from_str(&cli_ok(&stack, ada, &["--json", "webhook", "list"]).await?)?;
    let webhook = &list[0];
    assert_eq!(webhook["name"], "GitHub", "{list}");
    assert_eq!(webhook["has_secret"], true, "{list}");
    assert_eq!(webhook["events"], serde_json::json!(["push"]), "{list}");
    let id = webhook["id"].as_str().context("no id")?.to_owned();
    let text = cli_ok(&stack, ada, &["webhook", "list"]).await?;
    assert!(
        text.contains(&id) && text.contains("signed") && text.contains("events: push"),
        "{text}"
    );

    // A signed push, as GitHub sends it.
    let body = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/webhooks/tests/fixtures/github/push.commits.json"),
    )?;
    let http = reqwest::Client::new();
    let posted = http
        .post(&url)
        .header("content-type", "application/json")
        .header("x-github-event", "push")
        .header("x-github-delivery", "e2e-delivery-1")
        .header("x-hub-signature-256", signature(&body)?)
        .body(body.clone())
        .send()
        .await?;
    assert_eq!(posted.status(), 201, "{}", posted.text().await?);

    let read = cli_ok(&stack, ada, &["read", "#general"]).await?;
    assert!(
        read.contains("pushed [3 commits]") && read.contains("Add a CONTRIBUTING guide"),
        "{read}"
    );

    // The same delivery without its signature is refused, and logged.
    let unsigned = http
        .post(&url)
        .header("content-type", "application/json")
        .header("x-github-event", "push")
        .header("x-github-delivery", "e2e-delivery-2")
        .body(body)
        .send()
        .await?;
    assert_eq!(unsigned.status(), 401);

    let table = cli_ok(&stack, ada, &["webhook", "deliveries", &id]).await?;
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 3, "{table}");
    assert!(
        lines[0].starts_with("TIME") && lines[0].contains("STATUS"),
        "{table}"
    );
    assert!(lines[1].contains("401"), "the newest comes first: {table}");
    assert!(
        lines[2].contains("github") && lines[2].contains("push") && lines[2].contains("201"),
        "{table}"
    );
    let deliveries: Value = serde_json::from_str(
        &cli_ok(&stack, ada, &["--json", "webhook", "deliveries", &id]).await?,
    )?;
    assert_eq!(deliveries[0]["status"], 401, "{deliveries}");
    assert!(deliveries[0]["note"].is_string(), "{deliveries}");
    assert_eq!(
        deliveries[1]["delivery_id"], "e2e-delivery-1",
        "{deliveries}"
    );
    assert!(deliveries[1]["message_id"].is_string(), "{deliveries}");

    // Settings change; the secret goes, so an unsigned delivery posts.
    let set: Value = serde_json::from_str(
        &cli_ok(
            &stack,
            ada,
            &[
                "--json",
                "webhook",
                "set",
                &id,
                "--no-secret",
                "--all-events",
                "--ci-successes",
                "false",
            ],
        )
        .await?,
    )?;
    assert_eq!(set["has_secret"], false, "{set}");
    assert!(set.get("events").is_none_or(Value::is_null), "{set}");
    assert_eq!(set["post_ci_successes"], false, "{set}");
    let (code, _, stderr) = cli(&stack, ada, &["webhook", "set", &id]).await?;
    assert_eq!(code, 1, "nothing to change: {stderr}");

    // A member is refused with the api's sentence and the documented exit code; an unknown
    // webhook is "not found".
    let (code, _, stderr) = cli(&stack, &bob, &["webhook", "deliveries", &id]).await?;
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.starts_with("ajet-chat: "), "{stderr}");
    let (code, _, stderr) = cli(&stack, &bob, &["webhook", "list"]).await?;
    assert_eq!(code, 1, "{stderr}");
    let missing = uuid::Uuid::new_v4().to_string();
    let (code, _, stderr) = cli(&stack, ada, &["webhook", "revoke", &missing]).await?;
    assert_eq!(code, 4, "{stderr}");

    let revoked = cli_ok(&stack, ada, &["webhook", "revoke", &id]).await?;
    assert!(revoked.contains("revoked"), "{revoked}");
    let after = http.post(&url).body("plain text").send().await?;
    assert!(
        after.status().is_client_error(),
        "a revoked webhook answered {}",
        after.status()
    );
    let list = cli_ok(&stack, ada, &["webhook", "list"]).await?;
    assert!(list.contains("(revoked)"), "{list}");
    Ok(())
}
