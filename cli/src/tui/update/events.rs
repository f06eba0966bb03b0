//! Live events from the stream, applied to the state: messages, reactions, threads,
//! channels, members, read positions, typing, presence and notifications.

use ajet_core::dto::{ChannelKind, ReactionDto};
use ajet_core::{Envelope, EventData};

use crate::tui::action::Effect;
use crate::tui::markdown;
use crate::tui::state::{Overlay, State};

use super::{for_each_copy, info, open_channel, place};

pub(super) fn event(s: &mut State, e: Envelope, fx: &mut Vec<Effect>) {
    let me = s.my_id();
    match e.data {
        EventData::MessageCreated(m) => {
            s.typing.remove(&(m.channel_id, m.author_id));
            s.users
                .entry(m.author_id)
                .or_insert_with(|| ajet_core::dto::UserDto {
                    id: m.author_id,
                    username: m.author_username.clone(),
                    display_name: None,
                });
            let mine = Some(m.author_id) == me;
            let viewing =
                s.current == Some(m.channel_id) && s.view().is_some_and(|v| !v.more_after);
            let mentions_me = s
                .my_name()
                .is_some_and(|name| markdown::mentions(&m.body, name));
            let mut alert = None;
            if let Some(c) = s.channel_mut(m.channel_id) {
                let new = m.seq > c.last_seq;
                c.last_seq = c.last_seq.max(m.seq);
                let unread = new && !mine && m.seq > c.last_read_seq && m.parent_id.is_none();
                if viewing || mine {
                    if unread {
                        fx.push(Effect::MarkRead(c.id));
                    }
                    c.last_read_seq = c.last_seq;
                } else if unread {
                    c.unread_count += 1;
                    if mentions_me {
                        c.mention_count += 1;
                    }
                }
                let dm = matches!(c.kind, ChannelKind::Dm | ChannelKind::GroupDm);
                if new && !mine && !viewing && (dm || mentions_me) {
                    alert = Some(c.clone());
                }
            }
            if let Some(c) = alert {
                let title = format!("{} in {}", m.author_username, s.channel_label(&c));
                fx.push(Effect::Bell);
                fx.push(Effect::Notify {
                    title,
                    body: preview(&m.body),
                });
            }
            place(s, m);
        }
        EventData::MessageEdited(m) => place(s, m),
        EventData::MessageDeleted { message_id, .. } => {
            for_each_copy(s, message_id, |m| {
                m.deleted = true;
                m.body.clear();
                m.reactions.clear();
            });
        }
        EventData::ThreadUpdated {
            parent_id,
            reply_count,
            last_reply_at,
            reply_participants,
        } => for_each_copy(s, parent_id, |m| {
            m.reply_count = reply_count;
            m.last_reply_at = last_reply_at;
            m.reply_participants = reply_participants.clone();
        }),
        EventData::ReactionAdded {
            message_id,
            emoji,
            user_id,
        } => for_each_copy(s, message_id, |m| {
            react(&mut m.reactions, &emoji, Some(user_id) == me, 1)
        }),
        EventData::ReactionRemoved {
            message_id,
            emoji,
            user_id,
        } => for_each_copy(s, message_id, |m| {
            react(&mut m.reactions, &emoji, Some(user_id) == me, -1)
        }),
        EventData::ChannelCreated(c)
        | EventData::ChannelUpdated(c)
        | EventData::ChannelArchived(c) => {
            match s.channel_mut(c.id) {
                Some(old) => {
                    let (seq, read, unread, mentions) = (
                        old.last_seq,
                        old.last_read_seq,
                        old.unread_count,
                        old.mention_count,
                    );
                    let members = std::mem::take(&mut old.members);
                    *old = c;
                    old.last_seq = old.last_seq.max(seq);
                    old.last_read_seq = read;
                    old.unread_count = unread;
                    old.mention_count = mentions;
                    if old.members.is_empty() {
                        old.members = members;
                    }
                }
                // A channel we were not told of: ask the api for the whole list.
                None => fx.push(Effect::Bootstrap),
            }
        }
        EventData::MemberJoined { user } => {
            let me_joined = Some(user.id) == me;
            s.users.insert(user.id, user);
            if me_joined && e.channel_id.is_some_and(|c| s.channel(c).is_none()) {
                fx.push(Effect::Bootstrap);
            }
        }
        EventData::MemberLeft { user_id } => {
            if Some(user_id) == me
                && let Some(channel) = e.channel_id
            {
                s.channels.retain(|c| c.id != channel);
                s.views.remove(&channel);
                if s.current == Some(channel) {
                    s.current = None;
                    s.thread = None;
                    if let Some(next) = s.channel_order().first().copied() {
                        open_channel(s, next, fx);
                    }
                }
            }
        }
        EventData::ReadUpdated {
            channel_id,
            last_read_seq,
        } => {
            if let Some(c) = s.channel_mut(channel_id) {
                c.last_read_seq = c.last_read_seq.max(last_read_seq);
                if c.last_read_seq >= c.last_seq {
                    c.unread_count = 0;
                    c.mention_count = 0;
                }
            }
        }
        EventData::NotificationCreated(n) => {
            s.unread_notifications += 1;
            if let Some(Overlay::Notifications { list, .. }) = s.overlay.as_mut() {
                list.insert(0, n);
            }
        }
        EventData::PresenceChanged { user_id, online } => {
            s.online.insert(user_id, online);
        }
        EventData::PresenceUpdated { changes } => {
            for c in changes {
                s.online.insert(c.user_id, c.online);
            }
        }
        EventData::Typing { user_id, typing } => {
            if let Some(channel) = e.channel_id {
                if typing {
                    s.typing.insert((channel, user_id), s.now);
                } else {
                    s.typing.remove(&(channel, user_id));
                }
            }
        }
        EventData::Reload { reason } => {
            info(s, &format!("catching up: {reason}"));
            fx.push(Effect::Bootstrap);
        }
        EventData::Hello { .. }
        | EventData::MemberRoleChanged { .. }
        | EventData::PresenceHeartbeat { .. }
        | EventData::Unknown => {}
    }
}

/// Counts one reaction in (`delta` 1) or out (-1). The reader's own are counted once
/// whether the api's answer or the event comes first.
fn react(reactions: &mut Vec<ReactionDto>, emoji: &str, by_me: bool, delta: i64) {
    let existing = reactions.iter_mut().find(|r| r.emoji == emoji);
    match existing {
        Some(r) => {
            if by_me {
                if r.reacted_by_me == (delta > 0) {
                    return;
                }
                r.reacted_by_me = delta > 0;
            }
            r.count += delta;
        }
        None if delta > 0 => reactions.push(ReactionDto {
            emoji: emoji.to_owned(),
            count: 1,
            reacted_by_me: by_me,
            users: Vec::new(),
        }),
        None => {}
    }
    reactions.retain(|r| r.count > 0);
}

/// The start of a message, for a desktop notification.
fn preview(body: &str) -> String {
    let line: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(120) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line,
    }
}
