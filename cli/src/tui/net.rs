//! Network work: each [`Effect`] that needs the server runs in a task of its own and sends
//! its result back as an [`Action`]; the live stream, the heartbeat and the clock are
//! long-running tasks doing the same. Nothing here touches the state.

use std::time::Duration;

use ajet_core::commands::{CommandAnswer, CommandDto};
use ajet_core::dto::{CreateMessage, MessagePage, UserDto};
use ajet_core::{ErrorCode, UserId};
use ajet_sdk::sse::StreamItem;
use ajet_sdk::{Client, PageCursor};
use futures::StreamExt;
use tokio::sync::{mpsc, oneshot};

use super::action::{Action, Bootstrap, Effect};

/// Messages in a page of history.
const PAGE: u32 = 100;
/// How often presence is reported.
const HEARTBEAT: Duration = Duration::from_secs(60);

/// Sends actions back to the event loop.
pub type Sender = mpsc::UnboundedSender<Action>;

/// A sentence for a failed call; an expired or revoked token says how to sign in again.
pub fn describe(err: &ajet_sdk::Error) -> String {
    match err.code() {
        Some(ErrorCode::Unauthorized) => {
            "your session has expired or was revoked: run `ajet-chat login`".to_owned()
        }
        // The transport's own chain of causes is too long for a status line.
        _ if matches!(err, ajet_sdk::Error::Transport(_)) => {
            "the server is not answering".to_owned()
        }
        _ => err.to_string(),
    }
}

/// Starts the long-running tasks: the live stream (its first connection starts the
/// bootstrap, so that nothing posted in between is missed), the heartbeat and the clock.
pub fn start(client: &Client, tx: &Sender) {
    let (opened_tx, opened_rx) = oneshot::channel();
    tokio::spawn(stream(client.clone(), tx.clone(), opened_tx));
    let (c, t) = (client.clone(), tx.clone());
    tokio::spawn(async move {
        // Bootstrap once the stream is open, or after a while without it (a server that
        // is down still gets a clear message at start).
        let _ = tokio::time::timeout(Duration::from_secs(3), opened_rx).await;
        bootstrap_until_done(&c, &t).await;
    });
    let c = client.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(HEARTBEAT);
        loop {
            every.tick().await;
            if let Err(err) = c.heartbeat().await {
                tracing::debug!(error = %err, "heartbeat failed");
            }
        }
    });
    let t = tx.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(1));
        loop {
            every.tick().await;
            if t.send(Action::Tick(chrono::Utc::now())).is_err() {
                return;
            }
        }
    });
}

async fn stream(client: Client, tx: Sender, opened: oneshot::Sender<()>) {
    let mut opened = Some(opened);
    let mut events = client.stream("/tui/stream", None);
    while let Some(item) = events.next().await {
        let action = match item {
            StreamItem::Connected => {
                if let Some(o) = opened.take() {
                    let _ = o.send(());
                }
                Action::Connected
            }
            StreamItem::Event(e) => Action::Event(e),
            StreamItem::Disconnected { error, .. } => Action::Disconnected {
                error: describe(&error),
            },
            StreamItem::Failed(err) => Action::StreamFailed(describe(&err)),
        };
        if tx.send(action).is_err() {
            return;
        }
    }
}

async fn bootstrap_until_done(client: &Client, tx: &Sender) {
    let mut wait = Duration::from_secs(1);
    loop {
        match bootstrap(client).await {
            Ok(b) => {
                let _ = tx.send(Action::Bootstrapped(Box::new(b)));
                return;
            }
            Err(err) if err.is_transient() => {
                let why = match err {
                    ajet_sdk::Error::Transport(_) => "is not answering".to_owned(),
                    other => format!("failed: {}", describe(&other)),
                };
                let _ = tx.send(Action::Failed(format!(
                    "{} {why}; trying again",
                    client.base()
                )));
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(15));
            }
            Err(err) => {
                let _ = tx.send(Action::BootstrapFailed(describe(&err)));
                return;
            }
        }
    }
}

async fn bootstrap(client: &Client) -> ajet_sdk::Result<Bootstrap> {
    let (me, channels) = tokio::try_join!(client.me(), client.channels())?;
    let mut users: Vec<UserDto> = Vec::new();
    for community in &me.communities {
        match client.community_members(community.id).await {
            Ok(members) => users.extend(members.into_iter().map(|m| m.user)),
            Err(err) => tracing::debug!(error = %err, "cannot list members"),
        }
    }
    let contacts: Vec<UserId> = client.contacts().await.unwrap_or_default();
    let online = if contacts.is_empty() {
        Vec::new()
    } else {
        client
            .presence(&contacts)
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|p| p.online)
            .map(|p| p.user_id)
            .collect()
    };
    let unread_notifications = client
        .notifications(true, None, 1)
        .await
        .map_or(0, |p| p.unread_count);
    Ok(Bootstrap {
        communities: me.communities.clone(),
        me: me.user,
        channels,
        users,
        online,
        unread_notifications,
    })
}

/// Runs one effect that needs the server, in its own task.
pub fn run(client: &Client, tx: &Sender, effect: Effect) {
    let (client, tx) = (client.clone(), tx.clone());
    tokio::spawn(async move {
        let result = perform(&client, &tx, effect).await;
        if let Err(err) = result {
            let _ = tx.send(Action::Failed(describe(&err)));
        }
    });
}

async fn perform(client: &Client, tx: &Sender, effect: Effect) -> ajet_sdk::Result<()> {
    let send = |a: Action| {
        let _ = tx.send(a);
    };
    match effect {
        Effect::Bootstrap => bootstrap_until_done(client, tx).await,
        Effect::LoadHistory { channel, before } => {
            let cursor = before.map_or(PageCursor::Latest, PageCursor::Before);
            let page = client.messages(channel, cursor, PAGE).await?;
            send(Action::History {
                channel,
                page,
                older: before.is_some(),
                replace: before.is_none(),
                select: None,
            });
        }
        Effect::CatchUp { channel, after } => {
            let Some(mut after) = after else {
                let page = client.messages(channel, PageCursor::Latest, PAGE).await?;
                send(Action::History {
                    channel,
                    page,
                    older: false,
                    replace: true,
                    select: None,
                });
                return Ok(());
            };
            // Page forward to the end; after many pages, the newest page instead.
            for _ in 0..20 {
                let page = client
                    .messages(channel, PageCursor::After(after), 200)
                    .await?;
                let more = page.has_more;
                let last = page.messages.last().map(|m| m.id);
                send(Action::History {
                    channel,
                    page,
                    older: false,
                    replace: false,
                    select: None,
                });
                match last {
                    Some(last) if more => after = last,
                    _ => return Ok(()),
                }
            }
            let page = client.messages(channel, PageCursor::Latest, PAGE).await?;
            send(Action::History {
                channel,
                page,
                older: false,
                replace: true,
                select: None,
            });
        }
        Effect::LoadAround { channel, message } => {
            let (target, before, after) = tokio::try_join!(
                client.message(message),
                client.messages(channel, PageCursor::Before(message), 50),
                client.messages(channel, PageCursor::After(message), 50),
            )?;
            let mut messages = before.messages;
            messages.push(target);
            messages.extend(after.messages);
            send(Action::History {
                channel,
                page: MessagePage {
                    messages,
                    has_more: before.has_more,
                },
                older: false,
                replace: true,
                select: Some(message),
            });
        }
        Effect::LoadThread(parent) => {
            let (parent, replies) = tokio::try_join!(
                client.message(parent),
                client.replies(parent, PageCursor::Latest, 200)
            )?;
            send(Action::Thread {
                parent: Box::new(parent),
                replies: replies.messages,
            });
        }
        Effect::Send {
            channel,
            body,
            parent,
        } => {
            let m = client.post_message(channel, &body, parent).await?;
            send(Action::Stored(Box::new(m)));
        }
        Effect::EditMessage { message, body } => {
            let m = client.edit_message(message, &body).await?;
            send(Action::Stored(Box::new(m)));
        }
        Effect::DeleteMessage(id) => client.delete_message(id).await?,
        Effect::React {
            message,
            emoji,
            add,
        } => {
            let reactions = client.react(message, &emoji, add).await?;
            send(Action::Reactions { message, reactions });
        }
        Effect::MarkRead(channel) => {
            client.mark_read(channel, None).await?;
        }
        Effect::Typing { channel, typing } => {
            // Typing is a courtesy: a failure is not worth a line in the status bar.
            if let Err(err) = client.typing("/tui/typing", channel, typing).await {
                tracing::debug!(error = %err, "typing signal failed");
            }
        }
        Effect::Search(q) => match client.search(&q, None, Some(50)).await {
            Ok(page) => send(Action::SearchResults(Box::new(page))),
            Err(err) => {
                send(Action::SearchResults(Box::new(
                    ajet_core::search::SearchPage {
                        results: Vec::new(),
                        next_cursor: None,
                    },
                )));
                return Err(err);
            }
        },
        Effect::LoadNotifications => {
            let page = client.notifications(false, None, 50).await?;
            send(Action::Notifications(Box::new(page)));
        }
        Effect::MarkNotificationsRead { ids, all } => {
            let left = client.mark_notifications_read(&ids, all).await?;
            send(Action::NotificationsRead(left));
        }
        Effect::RunCommand { channel, text } => match client.run_command(channel, &text).await? {
            CommandAnswer::Ephemeral { markdown } => send(Action::CommandAnswer(markdown)),
            CommandAnswer::Posted { message } => send(Action::Stored(message)),
        },
        Effect::Upload {
            channel,
            path,
            caption,
            parent,
        } => {
            let file = client.upload(channel, &path, ajet_sdk::quiet).await?;
            let m = client
                .post(
                    channel,
                    CreateMessage {
                        body: caption,
                        idempotency_key: None,
                        parent_id: parent,
                        attachments: vec![file.id],
                    },
                )
                .await?;
            send(Action::Stored(Box::new(m)));
            send(Action::Info(format!("uploaded {}", file.name)));
        }
        Effect::OpenFiles(files) => {
            let folder = dirs::download_dir()
                .or_else(|| dirs::home_dir().map(|h| h.join("Downloads")))
                .unwrap_or_else(|| std::path::PathBuf::from("."));
            tokio::fs::create_dir_all(&folder)
                .await
                .map_err(|err| ajet_sdk::Error::File(format!("{}: {err}", folder.display())))?;
            let mut saved = Vec::new();
            for file in &files {
                saved.push(client.download(file.id, &folder, ajet_sdk::quiet).await?);
            }
            let opened = match saved.first() {
                Some(first) => open_with_system(first).await,
                None => false,
            };
            send(Action::Info(format!(
                "saved {} to {}{}",
                saved
                    .iter()
                    .filter_map(|p| p.file_name())
                    .map(|n| n.to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join(", "),
                folder.display(),
                if opened { "; opened" } else { "" }
            )));
        }
        Effect::LoadCommands(channel) => {
            let list = client.commands(channel).await?;
            send(Action::Commands(command_names(&list)));
        }
        Effect::Copy(_)
        | Effect::Bell
        | Effect::Notify { .. }
        | Effect::OpenEditor(_)
        | Effect::Quit => {}
    }
    Ok(())
}

/// Opens `path` with the desktop's opener (`xdg-open`, or `open` on macOS) when there is a
/// desktop to open it on; whether it was handed over.
async fn open_with_system(path: &std::path::Path) -> bool {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some()
    {
        "xdg-open"
    } else {
        return false;
    };
    tokio::process::Command::new(opener)
        .arg(path)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .is_ok()
}

/// The `/names` of the commands a channel offers, for completion.
pub fn command_names(list: &[CommandDto]) -> Vec<String> {
    let mut names: Vec<String> = list
        .iter()
        .map(|c| format!("/{}", c.command_word()))
        .collect();
    names.sort();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_names_are_the_first_words_once_each() {
        let list: Vec<CommandDto> = ajet_core::commands::catalog::ALL
            .iter()
            .map(CommandDto::from)
            .collect();
        let names = command_names(&list);
        assert!(names.contains(&"/token".to_owned()) && names.contains(&"/join".to_owned()));
        assert_eq!(names.iter().filter(|n| *n == "/token").count(), 1);
    }
}
