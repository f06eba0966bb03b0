//! The commands.

use ajet_core::commands::CommandAnswer;
use ajet_core::dto::{ChannelDto, CreateMessage};
use ajet_core::{AttachmentId, ChannelId, EventData, MessageId};
use ajet_sdk::sse::StreamItem;
use ajet_sdk::{Client, PageCursor};
use anyhow::{Context, bail};
use futures::StreamExt;

use crate::args::{Args, Command};
use crate::output;

pub async fn run(args: Args) -> anyhow::Result<()> {
    match &args.command {
        Command::Completions { shell } => return crate::docs::completions(*shell),
        Command::Man => return crate::docs::man(),
        _ => {}
    }
    if let Command::Identity(command) = &args.command {
        return crate::login::run(
            command.clone(),
            args.server,
            args.token,
            args.json,
            args.profile.as_deref(),
        )
        .await;
    }
    let client = crate::settings::client(args.server, args.token, args.profile.as_deref())?;
    let json = args.json;
    match args.command {
        Command::Send {
            channel,
            text,
            thread,
            file,
        } => {
            let channel = resolve(&client, &channel).await?;
            let parent = thread.as_deref().map(message_id).transpose()?;
            let text = message_text(text)?;
            let message = if !file.is_empty() {
                let attachments = upload_all(&client, channel.id, &file, json).await?;
                client
                    .post(
                        channel.id,
                        CreateMessage {
                            body: text,
                            idempotency_key: None,
                            parent_id: parent,
                            attachments,
                        },
                    )
                    .await?
            } else if parent.is_none() && text.starts_with('/') {
                match client.run_command(channel.id, &text).await? {
                    CommandAnswer::Ephemeral { markdown } => {
                        if json {
                            output::json(&CommandAnswer::Ephemeral { markdown })?;
                        } else {
                            println!("{markdown}");
                        }
                        return Ok(());
                    }
                    CommandAnswer::Posted { message } => *message,
                }
            } else {
                client.post_message(channel.id, &text, parent).await?
            };
            if json {
                output::json(&message)?;
            } else {
                println!(
                    "sent to {} ({})",
                    output::channel_name(&channel),
                    message.id
                );
            }
        }
        Command::Download { id, output } => {
            let id: AttachmentId = id
                .parse()
                .with_context(|| format!("{id:?} is not a file id (`read` shows them)"))?;
            let dest = output.unwrap_or_else(|| std::path::PathBuf::from("."));
            let progress = output::Progress::new("downloading", json);
            let shown = progress.clone();
            let saved = client
                .download(id, &dest, move |done, total| shown.show(done, total))
                .await?;
            progress.finish();
            if json {
                output::json(&serde_json::json!({ "id": id, "path": saved }))?;
            } else {
                println!("saved {}", saved.display());
            }
        }
        Command::Commands { channel } => {
            let channel = resolve(&client, &channel).await?;
            let list = client.commands(channel.id).await?;
            if json {
                output::json(&list)?;
            } else {
                let width = list.iter().map(|c| c.usage.len()).max().unwrap_or(0);
                for command in list {
                    println!("{:width$}  {}", command.usage, command.description);
                }
            }
        }
        Command::Dm { users, text } => {
            let names: Vec<&str> = users
                .split(',')
                .map(|u| u.trim().trim_start_matches('@'))
                .filter(|u| !u.is_empty())
                .collect();
            let channel = client.start_dm(&names).await?;
            if !text.is_empty() {
                client
                    .send_message(channel.id, &message_text(text)?)
                    .await?;
            }
            if json {
                output::json(&channel)?;
            } else {
                println!("{} ({})", output::channel_name(&channel), channel.id);
            }
        }
        Command::Edit { message, text } => {
            let message = client
                .edit_message(message_id(&message)?, &message_text(text)?)
                .await?;
            if json {
                output::json(&message)?;
            } else {
                println!("{}", output::message_line(&message));
            }
        }
        Command::Delete { message } => {
            let id = message_id(&message)?;
            client.delete_message(id).await?;
            if json {
                output::json(&serde_json::json!({ "deleted": id }))?;
            } else {
                println!("deleted");
            }
        }
        Command::React {
            message,
            emoji,
            remove,
        } => {
            let reactions = client.react(message_id(&message)?, &emoji, !remove).await?;
            if json {
                output::json(&reactions)?;
            } else {
                let line: Vec<String> = reactions
                    .iter()
                    .map(|r| format!("{} {}", r.emoji, r.count))
                    .collect();
                println!("{}", line.join("  "));
            }
        }
        Command::Search { query, limit } => {
            let page = client.search(&query.join(" "), None, Some(limit)).await?;
            if json {
                output::json(&page)?;
            } else {
                for r in &page.results {
                    let place = match (&r.channel.community_slug, &r.channel.name) {
                        (Some(slug), Some(name)) => format!("{slug}#{name}"),
                        _ => "(direct message)".to_owned(),
                    };
                    println!("{place}  {}", output::message_line(&r.message));
                }
                if page.results.is_empty() {
                    println!("no results");
                }
            }
        }
        Command::Notifications {
            unread,
            mark_read,
            limit,
        } => {
            let page = client.notifications(unread, None, limit).await?;
            if json {
                output::json(&page)?;
            } else {
                for n in &page.notifications {
                    println!("{}", output::notification_line(n));
                }
                println!("{} unread", page.unread_count);
            }
            if mark_read {
                client.mark_notifications_read(&[], true).await?;
            }
        }
        Command::Unread => {
            let channels = client.channels().await?;
            let unread: Vec<_> = channels
                .into_iter()
                .filter(|c| c.unread_count > 0 || c.mention_count > 0)
                .collect();
            let notifications = client.notifications(true, None, 1).await?;
            if json {
                output::json(&serde_json::json!({
                    "channels": unread,
                    "unread_notifications": notifications.unread_count,
                }))?;
            } else {
                for c in &unread {
                    println!("{}", output::channel_line(c));
                }
                if unread.is_empty() {
                    println!("all caught up");
                }
                println!("{} unread notifications", notifications.unread_count);
            }
        }
        Command::Read {
            channel,
            limit,
            before,
            after,
        } => {
            let channel = resolve(&client, &channel).await?;
            let cursor = match (before, after) {
                (Some(id), _) => PageCursor::Before(message_id(&id)?),
                (_, Some(id)) => PageCursor::After(message_id(&id)?),
                _ => PageCursor::Latest,
            };
            let page = client.messages(channel.id, cursor, limit).await?;
            if json {
                output::json(&page)?;
            } else {
                for m in &page.messages {
                    println!("{}", output::message_line(m));
                }
            }
        }
        Command::Tail { channel, lines } => tail(&client, &channel, lines, json).await?,
        Command::Channels => {
            let channels = client.channels().await?;
            if json {
                output::json(&channels)?;
            } else {
                for c in &channels {
                    println!("{}", output::channel_line(c));
                }
            }
        }
        Command::Tui => {
            let keys = crate::settings::resolve(args.profile.as_deref())?.keys;
            let keymap = crate::tui::keys::KeyMap::with_overrides(&keys)
                .map_err(|e| anyhow::anyhow!("the config file's {e}"))?;
            crate::tui::run(client, keymap).await?;
        }
        Command::Webhook(command) => crate::webhooks::run(&client, command, json).await?,
        // Handled above, before a token is required.
        Command::Identity(_) | Command::Completions { .. } | Command::Man => {}
    }
    Ok(())
}

/// Prints the latest messages, then follows the live stream, resuming across reconnects.
async fn tail(client: &Client, channel: &str, lines: u32, json: bool) -> anyhow::Result<()> {
    let channel = resolve(client, channel).await?;
    // Open the stream first, so nothing posted between the history and the stream is lost.
    let mut stream = client.stream("/tui/stream", None);
    match stream.next().await {
        Some(StreamItem::Connected) => {}
        Some(StreamItem::Failed(err)) => return Err(err.into()),
        Some(StreamItem::Disconnected { error, .. }) => return Err(error.into()),
        _ => bail!("the live stream closed at once"),
    }
    let mut last_seq = 0;
    let mut last_id = None;
    if lines > 0 {
        let page = client
            .messages(channel.id, PageCursor::Latest, lines)
            .await?;
        for m in &page.messages {
            print_message(m, json)?;
            (last_seq, last_id) = (m.seq, Some(m.id));
        }
    }
    while let Some(item) = stream.next().await {
        match item {
            StreamItem::Event(event) => match event.data {
                // The history already printed what the stream may repeat: skip by position.
                EventData::MessageCreated(m)
                    if m.channel_id == channel.id && m.parent_id.is_none() && m.seq > last_seq =>
                {
                    (last_seq, last_id) = (m.seq, Some(m.id));
                    print_message(&m, json)?;
                }
                // The stream could not replay what was missed: catch up from history.
                EventData::Reload { reason } => {
                    eprintln!("ajet-chat: {reason}");
                    let cursor = last_id.map_or(PageCursor::Latest, PageCursor::After);
                    let page = client.messages(channel.id, cursor, 200).await?;
                    for m in &page.messages {
                        if m.seq > last_seq {
                            print_message(m, json)?;
                            (last_seq, last_id) = (m.seq, Some(m.id));
                        }
                    }
                }
                _ => {}
            },
            StreamItem::Disconnected { error, retry_in } => {
                eprintln!("ajet-chat: connection lost ({error}); reconnecting in {retry_in:?}");
            }
            StreamItem::Connected => eprintln!("ajet-chat: reconnected"),
            StreamItem::Failed(err) => return Err(err.into()),
        }
    }
    Ok(())
}

fn print_message(m: &ajet_core::dto::MessageDto, json: bool) -> anyhow::Result<()> {
    if json {
        output::json(m)
    } else {
        println!("{}", output::message_line(m));
        Ok(())
    }
}

/// The message text from the arguments; a single `-` reads it from stdin.
/// Uploads each file in turn, with a progress line on stderr; their ids.
async fn upload_all(
    client: &Client,
    channel: ChannelId,
    files: &[std::path::PathBuf],
    json: bool,
) -> anyhow::Result<Vec<AttachmentId>> {
    let mut ids = Vec::with_capacity(files.len());
    for path in files {
        let name = path.display().to_string();
        let progress = output::Progress::new(&name, json);
        let shown = progress.clone();
        let uploaded = client
            .upload(channel, path, move |done, total| shown.show(done, total))
            .await?;
        progress.finish();
        ids.push(uploaded.id);
    }
    Ok(ids)
}

fn message_text(words: Vec<String>) -> anyhow::Result<String> {
    if words.len() == 1 && words[0] == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)?;
        return Ok(text.trim_end().to_owned());
    }
    Ok(words.join(" "))
}

fn message_id(s: &str) -> anyhow::Result<MessageId> {
    s.parse()
        .with_context(|| format!("{s:?} is not a message id"))
}

/// Finds a channel by `#name`, `community#name`, `name` or id among the caller's channels;
/// `@user` is the DM with that user (opened if needed).
pub(crate) async fn resolve(client: &Client, wanted: &str) -> anyhow::Result<ChannelDto> {
    if let Some(user) = wanted.strip_prefix('@') {
        return Ok(client.start_dm(&[user]).await?);
    }
    let channels = client.channels().await?;
    if let Ok(id) = wanted.parse::<ChannelId>() {
        return channels
            .into_iter()
            .find(|c| c.id == id)
            .with_context(|| format!("you are not in a channel with id {id}"));
    }
    let (community, name) = match wanted.split_once('#') {
        Some(("", name)) => (None, name),
        Some((community, name)) => (Some(community), name),
        None => (None, wanted),
    };
    let matches: Vec<ChannelDto> = channels
        .into_iter()
        .filter(|c| c.name.as_deref() == Some(name))
        .filter(|c| community.is_none() || c.community_slug.as_deref() == community)
        .collect();
    match matches.len() {
        0 => bail!("you are not in a channel called {wanted}; `ajet-chat channels` lists yours"),
        1 => Ok(matches.into_iter().next().context("one match")?),
        _ => {
            let names: Vec<String> = matches.iter().map(output::channel_name).collect();
            bail!("{wanted} is ambiguous; say which: {}", names.join(", "))
        }
    }
}
