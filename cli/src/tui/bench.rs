//! What `script/bench` measures of the terminal client, without a terminal: the time from
//! a fresh client to the first screen drawn with history, and the time to draw a frame
//! with a long history loaded. Both draw on ratatui's `TestBackend`, so they time the
//! client's own work (requests, state, layout, markdown), not a terminal emulator.

use std::time::{Duration, Instant};

use ajet_core::dto::{
    ChannelDto, ChannelKind, CommunityDto, MessageDto, MessagePage, ReactionDto, UserDto,
    Visibility,
};
use ajet_core::{ChannelId, CommunityId, MessageId, UserId};
use ajet_sdk::Client;
use anyhow::Context;
use chrono::{FixedOffset, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc;

use super::action::{Action, Bootstrap, Effect};
use super::keys::KeyMap;
use super::state::State;
use super::{net, ui, update};

/// From a fresh client to the first screen drawn with the open channel's history (the
/// same bootstrap as `ajet-chat tui`), on a terminal of `size`.
pub async fn first_screen(client: &Client, size: (u16, u16)) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let mut state = State::new(client.base(), KeyMap::default(), Utc::now(), utc());
    state.size = size;
    let mut terminal = Terminal::new(TestBackend::new(size.0, size.1))?;
    let (tx, mut rx) = mpsc::unbounded_channel();
    net::start(client, &tx);
    loop {
        terminal.draw(|frame| ui::draw(frame, &state))?;
        let loaded = state
            .current
            .and_then(|c| state.views.get(&c))
            .is_some_and(|view| !view.messages.is_empty());
        if loaded {
            return Ok(started.elapsed());
        }
        let action = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .context("no history within 10 s")?
            .context("the client stopped")?;
        if let Action::BootstrapFailed(why) = &action {
            anyhow::bail!("the client could not start: {why}");
        }
        for effect in update::update(&mut state, action) {
            match effect {
                Effect::Quit
                | Effect::Bell
                | Effect::Copy(_)
                | Effect::Notify { .. }
                | Effect::OpenEditor(_) => {}
                other => net::run(client, &tx, other),
            }
        }
    }
}

/// How long each of `frames` frames takes to draw on a terminal of `size`, with
/// `messages` messages of mixed markdown arriving in the open channel first (the client
/// keeps its window of them).
pub fn frame_times(
    messages: usize,
    size: (u16, u16),
    frames: usize,
) -> anyhow::Result<Vec<Duration>> {
    let now = Utc::now();
    let mut state = State::new("http://bench.test", KeyMap::default(), now, utc());
    state.size = size;
    let people: Vec<UserDto> = (0..20)
        .map(|i| UserDto {
            id: UserId::new(),
            username: format!("person{i}"),
            display_name: None,
        })
        .collect();
    let community = CommunityDto {
        id: CommunityId::new(),
        name: "Bench".into(),
        slug: "bench".into(),
    };
    let channel = ChannelDto {
        id: ChannelId::new(),
        community_id: Some(community.id),
        community_slug: Some(community.slug.clone()),
        name: Some("general".into()),
        kind: ChannelKind::Text,
        visibility: Visibility::Public,
        topic: "where everything happens".into(),
        archived: false,
        created_at: now,
        last_seq: i64::try_from(messages).unwrap_or(i64::MAX),
        last_read_seq: i64::try_from(messages).unwrap_or(i64::MAX),
        unread_count: 0,
        mention_count: 0,
        members: Vec::new(),
    };
    let id = channel.id;
    update::update(
        &mut state,
        Action::Bootstrapped(Box::new(Bootstrap {
            me: people[0].clone(),
            communities: vec![community],
            channels: vec![channel],
            users: people[1..].to_vec(),
            online: Vec::new(),
            unread_notifications: 0,
        })),
    );
    let bodies = [
        "a plain line about the deploy",
        "**bold** and _italic_ with `code` and a [link](https://example.com/a/long/path)",
        "a list:\n\n- one\n- two\n- three",
        "```\nfn main() {\n    println!(\"hi\");\n}\n```",
        "> a quote from earlier\n\nand an answer to it @person1",
    ];
    let page: Vec<MessageDto> = (0..messages)
        .map(|i| {
            let seq = i64::try_from(i + 1).unwrap_or(i64::MAX);
            let author = &people[i % people.len()];
            MessageDto {
                author_avatar_url: None,
                author_bot: false,
                attachments: Vec::new(),
                id: MessageId::new(),
                channel_id: id,
                seq,
                author_id: author.id,
                author_username: author.username.clone(),
                parent_id: None,
                body: bodies[i % bodies.len()].to_owned(),
                created_at: now - chrono::Duration::minutes(seq),
                edited_at: None,
                deleted: false,
                reply_count: i32::from(i % 7 == 0),
                last_reply_at: None,
                reply_participants: Vec::new(),
                reactions: if i % 3 == 0 {
                    vec![ReactionDto {
                        emoji: "👍".into(),
                        count: 2,
                        reacted_by_me: false,
                        users: Vec::new(),
                    }]
                } else {
                    Vec::new()
                },
                meta: None,
            }
        })
        .collect();
    update::update(
        &mut state,
        Action::History {
            channel: id,
            page: MessagePage {
                messages: page,
                has_more: false,
            },
            older: false,
            replace: true,
            select: None,
        },
    );
    let mut terminal = Terminal::new(TestBackend::new(size.0, size.1))?;
    let mut times = Vec::with_capacity(frames);
    for i in 0..frames {
        // Each frame a little later, as the clock ticks while the client is open.
        update::update(
            &mut state,
            Action::Tick(now + chrono::Duration::seconds(i64::try_from(i).unwrap_or(0))),
        );
        let started = Instant::now();
        terminal.draw(|frame| ui::draw(frame, &state))?;
        times.push(started.elapsed());
    }
    Ok(times)
}

fn utc() -> FixedOffset {
    FixedOffset::east_opt(0).unwrap_or_else(|| *Utc::now().fixed_offset().offset())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_drawn_with_a_long_history() {
        let times = frame_times(3_000, (120, 40), 3).unwrap_or_default();
        assert_eq!(times.len(), 3);
    }
}
