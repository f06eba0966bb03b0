//! The terminal client in a real terminal: `ajet-chat tui` runs inside tmux against the
//! four services, is driven with `send-keys` and read with `capture-pane`. Every screen
//! the test waits for is saved under `<target>/tui-screens/` for a person to read.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use ajet_core::dto::{ChannelKind, CreateChannel, Visibility};
use ajet_sdk::PageCursor;
use anyhow::{Context, Result, bail};
use common::Stack;
use tokio::process::Command;

/// A tmux server of the test's own (its own socket), with one window of 120 × 40.
struct Tmux {
    socket: String,
    screens: PathBuf,
    step: usize,
}

impl Tmux {
    async fn start(env: &[(&str, String)], screens: PathBuf) -> Result<Self> {
        let socket = format!("ajet-e2e-{}", uuid::Uuid::new_v4().simple());
        let mut cmd = Command::new("tmux");
        cmd.args([
            "-L",
            &socket,
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "t",
        ])
        .args(["-x", "120", "-y", "40"]);
        for (k, v) in env {
            cmd.args(["-e", &format!("{k}={v}")]);
        }
        cmd.args(["bash", "--norc", "--noprofile"]);
        let status = cmd.status().await.context("cannot run tmux")?;
        if !status.success() {
            bail!("tmux new-session failed");
        }
        std::fs::create_dir_all(&screens)?;
        Ok(Self {
            socket,
            screens,
            step: 0,
        })
    }

    async fn tmux(&self, args: &[&str]) -> Result<String> {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .await?;
        if !out.status.success() {
            bail!("tmux {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Presses keys, in tmux's names (`Enter`, `Escape`, `C-k`, `k`).
    async fn keys(&self, keys: &[&str]) -> Result<()> {
        for key in keys {
            self.tmux(&["send-keys", "-t", "t", key]).await?;
            tokio::time::sleep(Duration::from_millis(60)).await;
        }
        Ok(())
    }

    /// Types text literally.
    async fn type_text(&self, text: &str) -> Result<()> {
        self.tmux(&["send-keys", "-t", "t", "-l", text]).await?;
        tokio::time::sleep(Duration::from_millis(100)).await;
        Ok(())
    }

    async fn screen(&self) -> Result<String> {
        self.tmux(&["capture-pane", "-p", "-t", "t"]).await
    }

    /// Waits until the screen satisfies `ok`; saves it as `NN-name.txt` either way.
    async fn wait_for(&mut self, name: &str, ok: impl Fn(&str) -> bool) -> Result<String> {
        self.step += 1;
        let file = self.screens.join(format!("{:02}-{name}.txt", self.step));
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let screen = self.screen().await?;
            if ok(&screen) {
                std::fs::write(&file, &screen)?;
                return Ok(screen);
            }
            if tokio::time::Instant::now() > deadline {
                std::fs::write(&file, &screen)?;
                bail!("the screen never showed {name}:\n{screen}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = std::process::Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

/// Where the screens are kept: `$CARGO_TARGET_DIR/tui-screens`, or beside the binaries.
fn screens_dir(test: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| common::bin_dir().join(".."));
    target.join("tui-screens").join(test)
}

#[tokio::test]
async fn the_tui_chats_live_in_a_real_terminal() -> Result<()> {
    let mut stack = Stack::start().await?;
    let (alice, bob) = (stack.user("alice").await?, stack.user("bob").await?);
    let (alice_sdk, bob_sdk) = (stack.sdk(&alice)?, stack.sdk(&bob)?);
    let me = alice_sdk.me().await?;
    let community = me.communities.first().context("alice has no community")?.id;
    let random = alice_sdk
        .create_channel(
            community,
            &CreateChannel {
                name: "random".into(),
                visibility: Visibility::Public,
                kind: ChannelKind::Text,
                topic: Some("anything goes".into()),
            },
        )
        .await?;
    let general = bob_sdk
        .channels()
        .await?
        .into_iter()
        .find(|c| c.name.as_deref() == Some("general"))
        .context("no #general")?;
    bob_sdk
        .send_message(general.id, "hello from **bob**, before the tui started")
        .await?;

    let bin = common::bin("ajet-chat")?;
    let env = [
        ("AJET_SERVER", stack.gateway.url()),
        ("AJET_TOKEN", alice.clone()),
        ("HOME", stack.dir.display().to_string()),
        (
            "XDG_CONFIG_HOME",
            stack.dir.join("config").display().to_string(),
        ),
        ("TERM", "xterm-256color".to_owned()),
        ("PS1", "shell$ ".to_owned()),
    ];
    let mut t = Tmux::start(&env, screens_dir("chat")).await?;
    t.type_text(&format!("{} tui", bin.display())).await?;
    t.keys(&["Enter"]).await?;

    // The history, the sidebar and the live connection.
    t.wait_for("started", |s| {
        s.contains("before the tui started") && s.contains("● live") && s.contains("#random")
    })
    .await?;

    // A message sent by another client appears.
    bob_sdk.send_message(general.id, "live message one").await?;
    t.wait_for("live-message", |s| s.contains("live message one"))
        .await?;

    // The typing indicator.
    bob_sdk.typing("/tui/typing", general.id, true).await?;
    t.wait_for("typing", |s| s.contains("bob is typing"))
        .await?;
    bob_sdk.typing("/tui/typing", general.id, false).await?;

    // A message typed in the tui reaches `ajet-chat read`.
    t.type_text("hi from the *tui*").await?;
    t.keys(&["Enter"]).await?;
    t.wait_for("sent", |s| s.contains("hi from the tui"))
        .await?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let out = stack.cli(&bob)?.args(["read", "#general"]).output().await?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        if text.contains("alice: hi from the *tui*") {
            break;
        }
        if tokio::time::Instant::now() > deadline {
            bail!("ajet-chat read never showed the tui's message:\n{text}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // A reaction on our own message (the newest): normal mode, select, react.
    t.keys(&["Escape", "k", "+"]).await?;
    t.type_text("tada").await?;
    t.keys(&["Enter"]).await?;
    t.wait_for("reaction", |s| s.contains("🎉 1")).await?;
    let page = bob_sdk.messages(general.id, PageCursor::Latest, 5).await?;
    let mine = page.messages.last().context("no messages")?;
    assert_eq!(mine.reactions.first().map(|r| r.emoji.as_str()), Some("🎉"));

    // Replying in a thread: select bob's message, r, type, Enter.
    t.keys(&["k", "r"]).await?;
    t.wait_for("thread-open", |s| {
        s.contains("Thread") && s.contains("Reply in thread")
    })
    .await?;
    t.type_text("a reply in the thread").await?;
    t.keys(&["Enter"]).await?;
    t.wait_for("thread-reply", |s| {
        s.contains("a reply in the thread") && s.contains("1 reply")
    })
    .await?;
    let parent = page
        .messages
        .iter()
        .find(|m| m.body == "live message one")
        .context("bob's message")?;
    let replies = bob_sdk.replies(parent.id, PageCursor::Latest, 10).await?;
    assert_eq!(replies.messages.len(), 1);
    assert_eq!(replies.messages[0].body, "a reply in the thread");
    t.keys(&["Escape", "q"]).await?;
    t.wait_for("thread-closed", |s| !s.contains("Reply in thread"))
        .await?;

    // Switching channels with the quick switcher; unread counts kept live meanwhile.
    t.keys(&["C-k"]).await?;
    t.type_text("rand").await?;
    t.wait_for("switcher", |s| s.contains("Quick switcher"))
        .await?;
    t.keys(&["Enter"]).await?;
    t.wait_for("random", |s| {
        s.contains("anything goes") && s.contains("no messages yet")
    })
    .await?;
    bob_sdk
        .send_message(general.id, "while alice is in random")
        .await?;
    t.wait_for("unread-count", |s| {
        s.lines().any(|l| {
            l.contains("#general")
                && l.split('│')
                    .nth(1)
                    .is_some_and(|side| side.trim_end().ends_with(" 1"))
        })
    })
    .await?;
    alice_sdk
        .send_message(random.id, "posted from another client")
        .await?;
    t.wait_for("random-live", |s| s.contains("posted from another client"))
        .await?;
    t.keys(&["C-k"]).await?;
    t.type_text("general").await?;
    t.keys(&["Enter"]).await?;
    t.wait_for("back-to-general", |s| {
        s.contains("while alice is in random") && s.contains("Message #general")
    })
    .await?;

    // tui-sm goes away: the status says so; a message posted meanwhile arrives once.
    stack.tui_sm.kill().await;
    t.wait_for("reconnecting", |s| s.contains("reconnecting…"))
        .await?;
    bob_sdk
        .send_message(general.id, "missed while the stream was down")
        .await?;
    stack.tui_sm.restart().await?;
    let screen = t
        .wait_for("caught-up", |s| {
            s.contains("missed while the stream was down") && s.contains("● live")
        })
        .await?;
    assert_eq!(
        screen.matches("missed while the stream was down").count(),
        1,
        "{screen}"
    );
    // Still once after a moment (a late replay would add it again).
    tokio::time::sleep(Duration::from_secs(2)).await;
    let screen = t.screen().await?;
    assert_eq!(
        screen.matches("missed while the stream was down").count(),
        1,
        "{screen}"
    );

    // A slash command runs on the server and answers in the status line.
    t.keys(&["i"]).await?;
    t.type_text("/topic Set from the terminal").await?;
    t.keys(&["Enter"]).await?;
    t.wait_for("command", |s| {
        s.contains("The topic of #general is now: Set from the terminal")
    })
    .await?;
    // The first Escape puts the answer away, the second leaves the composer.
    t.keys(&["Escape", "Escape"]).await?;
    t.wait_for("answer-dismissed", |s| {
        !s.contains("The topic of #general is now")
    })
    .await?;

    // /upload posts a file with a caption; the message lists it, and `read` shows it.
    let upload = stack.dir.join("tui-notes.txt");
    std::fs::write(&upload, "notes from the terminal\n")?;
    t.keys(&["i"]).await?;
    t.type_text(&format!("/upload {} the notes", upload.display()))
        .await?;
    t.keys(&["Enter"]).await?;
    t.wait_for("uploaded", |s| {
        s.contains("📎 tui-notes.txt") && s.contains("24 B · text/plain")
    })
    .await?;
    let out = stack
        .cli(&bob)?
        .args(["read", "#general", "-n", "3"])
        .output()
        .await?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(text.contains("alice: the notes"), "{text}");
    assert!(
        text.contains("📎 tui-notes.txt (24 B, text/plain)"),
        "{text}"
    );
    // A file that cannot be read: a line in the status bar, nothing sent.
    t.type_text("/upload /nonexistent/file.txt").await?;
    t.keys(&["Enter"]).await?;
    t.wait_for("upload-failed", |s| s.contains("/nonexistent/file.txt"))
        .await?;
    t.keys(&["Escape"]).await?;

    // q quits (no pane is open) and gives the terminal back as it was.
    t.keys(&["q"]).await?;
    t.wait_for("quit", |s| s.contains("shell$") && !s.contains("● live"))
        .await?;
    t.type_text("stty -a | tr ' ' '\\n' | grep -x -- '-\\?icanon'; echo done")
        .await?;
    t.keys(&["Enter"]).await?;
    let screen = t.wait_for("restored", |s| s.contains("\ndone")).await?;
    assert!(
        screen.lines().any(|l| l.trim() == "icanon"),
        "the terminal was left in raw mode:\n{screen}"
    );
    Ok(())
}
