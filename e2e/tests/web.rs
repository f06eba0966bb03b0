//! The web client in a real browser: the four services on loopback, and Debian's Chromium
//! driven by playwright-core (`e2e/browser/web.mjs`) as two people chatting. Screenshots
//! of the main screens are kept under `<target>/screenshots/` for a person to look at.

mod common;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use common::Stack;
use tokio::process::Command;

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
    let stack = Stack::start().await?;
    // Alice administers the community, so that she can create the webhook the test posts to.
    stack
        .api_command(&["create-user", "alice", "--admin"])
        .await?;
    let alice = stack.api_command(&["create-token", "alice"]).await?;
    let alice = alice.trim().to_owned();
    let bob = stack.user("bob").await?;
    let screenshots = common::bin_dir().join("../screenshots");
    let out = Command::new("node")
        .arg(dir.join("web.mjs"))
        .current_dir(&dir)
        .env("AJET_BASE", stack.gateway.url())
        .env("AJET_ALICE", &alice)
        .env("AJET_BOB", &bob)
        .env("AJET_SCREENSHOTS", &screenshots)
        .output()
        .await
        .context("cannot run node (script/test installs Node.js 20.19 or newer)")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    if !out.status.success() {
        bail!(
            "the browser test failed ({})\n{stdout}\n{stderr}\n--- services ---\n{}",
            out.status,
            stack.logs()
        );
    }
    assert!(stdout.contains("all browser checks passed"));
    Ok(())
}
