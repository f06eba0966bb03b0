//! End-to-end identity: the binaries on loopback, driven as a browser, the cli and an
//! outside tool would drive them.

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use common::{Stack, bin};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt};

/// The gateway's default public origin (the stack does not set `AJET_PUBLIC_URL`).
const ORIGIN: &str = "http://localhost:8080";

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_default()
}

/// Signs a person up through the gateway's form; their session token (from the cookie).
async fn sign_up(stack: &Stack, fields: &[(&str, &str)]) -> Result<String> {
    let response = no_redirects()
        .post(format!("{}/signup", stack.gateway.url()))
        .header("origin", ORIGIN)
        .form(fields)
        .send()
        .await?;
    if response.status() != 303 {
        bail!(
            "sign-up answered {}: {}",
            response.status(),
            response.text().await?
        );
    }
    let cookie = response
        .headers()
        .get("set-cookie")
        .context("no session cookie")?
        .to_str()?;
    let token = cookie
        .strip_prefix("ajet_session=")
        .and_then(|rest| rest.split(';').next())
        .context("not the session cookie")?;
    Ok(token.to_owned())
}

/// `ajet-chat` with its own config directory and no token in the environment.
fn cli(stack: &Stack, home: &std::path::Path) -> Result<tokio::process::Command> {
    let mut cmd = tokio::process::Command::new(bin("ajet-chat")?);
    cmd.env_remove("AJET_TOKEN")
        .env_remove("AJET_SERVER")
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("BROWSER", "true")
        .stdin(Stdio::null());
    let _ = stack;
    Ok(cmd)
}

async fn output(mut cmd: tokio::process::Command) -> Result<(bool, String, String)> {
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
async fn the_cli_logs_in_with_a_password_or_the_browser_and_logs_out() -> Result<()> {
    let stack = Stack::start().await?;
    let server = stack.gateway.url();
    let owner = sign_up(
        &stack,
        &[("username", "olga"), ("password", "correct horse")],
    )
    .await?;

    // --password, the password piped in.
    let home = stack.dir.join("home-olga");
    let mut login = cli(&stack, &home)?;
    login
        .args([
            "login",
            "--server",
            &server,
            "--password",
            "--username",
            "olga",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = login.spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(b"correct horse\n").await?;
    }
    let out = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output()).await??;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let config = home.join("config/ajet-chat/config.toml");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&config)?.permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the config file holds a token");
    }
    let saved = std::fs::read_to_string(&config)?;
    assert!(saved.contains("token"), "{saved}");

    let mut whoami = cli(&stack, &home)?;
    whoami.arg("whoami");
    let (ok, stdout, stderr) = output(whoami).await?;
    assert!(ok, "{stderr}");
    assert!(stdout.starts_with("olga on "), "{stdout}");
    let mut send = cli(&stack, &home)?;
    send.args(["send", "#general", "signed in with a password"]);
    let (ok, _, stderr) = output(send).await?;
    assert!(ok, "{stderr}");

    let mut logout = cli(&stack, &home)?;
    logout.arg("logout");
    let (ok, _, stderr) = output(logout).await?;
    assert!(ok, "{stderr}");
    assert!(!std::fs::read_to_string(&config)?.contains("token"));
    let mut whoami = cli(&stack, &home)?;
    whoami.arg("whoami");
    let (ok, _, stderr) = output(whoami).await?;
    assert!(!ok);
    assert!(stderr.contains("login"), "{stderr}");

    // The browser login: this test is the browser, signed in with the owner's cookie.
    let home = stack.dir.join("home-browser");
    let mut login = cli(&stack, &home)?;
    login
        .args(["login", "--server", &server])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = login.spawn()?;
    let stderr = child.stderr.take().context("no stderr")?;
    let mut lines = tokio::io::BufReader::new(stderr).lines();
    let url = loop {
        let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
            .await??
            .context("the cli printed no sign-in address")?;
        if let Some(url) = line.strip_prefix("Opening ") {
            break url.trim().to_owned();
        }
    };
    let page = no_redirects()
        .get(&url)
        .header("cookie", format!("ajet_session={owner}"))
        .send()
        .await?;
    assert_eq!(page.status(), 303);
    let callback = page.headers()["location"].to_str()?.to_owned();
    assert!(callback.starts_with("http://127.0.0.1:"), "{callback}");
    // A callback with another state is turned away; the right one is accepted.
    let forged = callback.replace("state=", "state=x");
    assert_eq!(reqwest::get(&forged).await?.status(), 400);
    assert_eq!(reqwest::get(&callback).await?.status(), 200);
    let out = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output()).await??;
    assert!(out.status.success(), "{}", stack.logs());
    let mut whoami = cli(&stack, &home)?;
    whoami.arg("whoami");
    let (ok, stdout, stderr) = output(whoami).await?;
    assert!(ok, "{stderr}");
    assert!(stdout.starts_with("olga on "), "{stdout}");

    // Anonymous visitors asking for the cli page are sent to sign in first.
    let anonymous = no_redirects()
        .get(format!("{server}/auth/cli?port=4242&state=abc"))
        .send()
        .await?;
    assert_eq!(anonymous.status(), 303);
    assert!(
        anonymous.headers()["location"]
            .to_str()?
            .starts_with("/login?next=")
    );
    Ok(())
}

#[tokio::test]
async fn a_webhook_posts_through_the_gateway_and_a_revoked_token_stops_within_a_second()
-> Result<()> {
    let stack = Stack::start().await?;
    let server = stack.gateway.url();
    let owner = sign_up(
        &stack,
        &[("username", "olga"), ("password", "correct horse")],
    )
    .await?;
    let http = reqwest::Client::new();
    let me: Value = http
        .get(format!("{server}/api/me"))
        .bearer_auth(&owner)
        .send()
        .await?
        .json()
        .await?;
    let community = me["communities"][0]["id"]
        .as_str()
        .context("no community")?
        .to_owned();
    let channels: Value = http
        .get(format!("{server}/api/channels"))
        .bearer_auth(&owner)
        .send()
        .await?
        .json()
        .await?;
    let list = channels
        .as_array()
        .or_else(|| channels["channels"].as_array());
    let general = list
        .and_then(|l| l.iter().find(|c| c["name"] == "general"))
        .and_then(|c| c["id"].as_str())
        .context("no #general")?
        .to_owned();

    let webhook: Value = http
        .post(format!("{server}/api/communities/{community}/webhooks"))
        .bearer_auth(&owner)
        .json(&json!({ "channel_id": general, "name": "CI" }))
        .send()
        .await?
        .json()
        .await?;
    let path = format!(
        "{server}/hook/{}/{}",
        webhook["id"].as_str().context("no id")?,
        webhook["token"].as_str().context("no token")?
    );
    let posted = http
        .post(&path)
        .json(&json!({ "text": "build #7 passed" }))
        .send()
        .await?;
    // Slack-compatible `{"text": …}` is answered as Slack answers it.
    assert_eq!(posted.status(), 200, "{}", stack.logs());
    assert_eq!(posted.text().await?, "ok");
    let mut read = stack.cli(&owner)?;
    read.args(["read", "#general"]);
    let (ok, stdout, stderr) = output(read).await?;
    assert!(ok, "{stderr}");
    assert!(stdout.contains("build #7 passed"), "{stdout}");

    // A bot token, used through the gateway (and so cached there), then revoked.
    let bot: Value = http
        .post(format!("{server}/api/communities/{community}/bots"))
        .bearer_auth(&owner)
        .json(&json!({ "name": "deployer" }))
        .send()
        .await?
        .json()
        .await?;
    let token: Value = http
        .post(format!(
            "{server}/api/bots/{}/tokens",
            bot["id"].as_str().context("no bot")?
        ))
        .bearer_auth(&owner)
        .json(&json!({ "name": "ci", "scopes": ["messages:write"] }))
        .send()
        .await?
        .json()
        .await?;
    let secret = token["token"].as_str().context("no secret")?;
    let me = |t: &str| http.get(format!("{server}/api/me")).bearer_auth(t).send();
    assert_eq!(me(secret).await?.status(), 200);
    let revoked = http
        .delete(format!(
            "{server}/api/tokens/{}",
            token["id"].as_str().context("no id")?
        ))
        .bearer_auth(&owner)
        .send()
        .await?;
    assert_eq!(revoked.status(), 204);
    let start = Instant::now();
    while me(secret).await?.status() != 401 {
        if start.elapsed() > Duration::from_secs(1) {
            bail!("the revoked token still passed the gateway after 1 s");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // A logout at the gateway reaches the api process too: its own check refuses the
    // session within a second, even for a caller that bypasses the gateway.
    let direct = |t: &str| {
        http.get(format!("{}/api/me", stack.api.url()))
            .bearer_auth(t.to_owned())
            .send()
    };
    assert_eq!(direct(&owner).await?.status(), 200);
    let logout = http
        .post(format!("{server}/auth/logout"))
        .bearer_auth(&owner)
        .send()
        .await?;
    assert_eq!(logout.status(), 204);
    let start = Instant::now();
    while direct(&owner).await?.status() != 401 {
        if start.elapsed() > Duration::from_secs(1) {
            bail!("the api still accepted a logged-out session after 1 s");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}
