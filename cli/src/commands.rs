//! The commands.

use ajet_core::dto::ChannelDto;
use ajet_core::{ChannelId, EventData, MessageId};
use ajet_sdk::sse::StreamItem;
use ajet_sdk::{Client, PageCursor};
use anyhow::{Context, bail};
use futures::StreamExt;

use crate::args::{Args, Command};
use crate::output;

pub async fn run(args: Args) -> anyhow::Result<()> {
    let client = crate::settings::client(args.server, args.token)?;
    let json = args.json;
    match args.command {
        Command::Send { channel, text } => {
            let channel = resolve(&client, &channel).await?;
            let message = client.send_message(channel.id, &text.join(" ")).await?;
            if json {
                output::json(&message)?;
            } else {
                println!("sent to {}", output::channel_name(&channel));
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
                    println!("{}", output::channel_name(c));
                }
            }
        }
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
    if lines > 0 {
        let page = client
            .messages(channel.id, PageCursor::Latest, lines)
            .await?;
        for m in &page.messages {
            print_message(m, json)?;
            last_seq = m.seq;
        }
    }
    while let Some(item) = stream.next().await {
        match item {
            StreamItem::Event(event) => match event.data {
                // The history already printed what the stream may repeat: skip by position.
                EventData::MessageCreated(m)
                    if m.channel_id == channel.id && m.parent_id.is_none() && m.seq > last_seq =>
                {
                    last_seq = m.seq;
                    print_message(&m, json)?;
                }
                EventData::Reload { reason } => eprintln!("ajet-chat: {reason}"),
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

fn message_id(s: &str) -> anyhow::Result<MessageId> {
    s.parse()
        .with_context(|| format!("{s:?} is not a message id"))
}

/// Finds a channel by `#name`, `community#name`, `name` or id among the caller's channels.
async fn resolve(client: &Client, wanted: &str) -> anyhow::Result<ChannelDto> {
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
