//! The dialogs' keys: confirm, react, switcher, search, notifications and notices.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::tui::action::Effect;
use crate::tui::state::{Overlay, State};
use crate::tui::update::{error, open_channel, open_thread};

use super::compose::emoji_for;

/// The rows of the switcher for `query`: channels whose name contains it.
pub fn switcher_matches(s: &State, query: &str) -> Vec<ajet_core::ChannelId> {
    let q = query.to_lowercase();
    s.channel_order()
        .into_iter()
        .filter(|id| {
            s.channel(*id).is_some_and(|c| {
                let label = s.channel_label(c).to_lowercase();
                let slug = c.community_slug.clone().unwrap_or_default();
                label.contains(&q) || format!("{slug}{label}").contains(&q)
            })
        })
        .collect()
}

pub(super) fn overlay_key(s: &mut State, key: KeyEvent, fx: &mut Vec<Effect>) {
    let Some(overlay) = s.overlay.as_mut() else {
        return;
    };
    let esc = key.code == KeyCode::Esc;
    let up = matches!(key.code, KeyCode::Up)
        || key.code == KeyCode::Char('p') && key.modifiers.contains(KeyModifiers::CONTROL);
    let down = matches!(key.code, KeyCode::Down)
        || key.code == KeyCode::Char('n') && key.modifiers.contains(KeyModifiers::CONTROL);
    match overlay {
        Overlay::Help | Overlay::Notice { .. } => {
            if esc || matches!(key.code, KeyCode::Char('q' | '?') | KeyCode::Enter) {
                s.overlay = None;
            }
        }
        Overlay::ConfirmDelete(id) => {
            let id = *id;
            match key.code {
                KeyCode::Char('y' | 'Y') | KeyCode::Enter => {
                    s.overlay = None;
                    fx.push(Effect::DeleteMessage(id));
                }
                _ => s.overlay = None,
            }
        }
        Overlay::React { message, query } => match key.code {
            KeyCode::Esc => s.overlay = None,
            KeyCode::Enter => {
                let message = *message;
                match emoji_for(query) {
                    Some(emoji) => {
                        let mine = find_message(s, message).is_some_and(|m| {
                            m.reactions
                                .iter()
                                .any(|r| r.emoji == emoji && r.reacted_by_me)
                        });
                        s.overlay = None;
                        fx.push(Effect::React {
                            message,
                            emoji,
                            add: !mine,
                        });
                    }
                    None => {
                        let q = query.clone();
                        error(s, &format!("no emoji called {q:?}"));
                    }
                }
            }
            KeyCode::Backspace => {
                query.pop();
            }
            KeyCode::Char(c) => query.push(c),
            _ => {}
        },
        Overlay::Switcher { query, selected } => match key.code {
            KeyCode::Esc => s.overlay = None,
            KeyCode::Enter => {
                let (q, sel) = (query.clone(), *selected);
                let matches = switcher_matches(s, &q);
                s.overlay = None;
                if let Some(id) = matches.get(sel).or(matches.first()) {
                    open_channel(s, *id, fx);
                }
            }
            _ if up => *selected = selected.saturating_sub(1),
            _ if down => *selected += 1,
            KeyCode::Backspace => {
                query.pop();
                *selected = 0;
            }
            KeyCode::Char(c) => {
                query.push(c);
                *selected = 0;
            }
            _ => {}
        },
        Overlay::Search {
            query,
            results,
            selected,
            loading,
        } => match key.code {
            KeyCode::Esc => s.overlay = None,
            KeyCode::Enter => match results {
                Some(list) if !list.is_empty() => {
                    let hit = list[(*selected).min(list.len() - 1)].clone();
                    s.overlay = None;
                    jump_to(s, hit.channel.id, &hit.message, fx);
                }
                _ if !query.trim().is_empty() => {
                    *loading = true;
                    fx.push(Effect::Search(query.clone()));
                }
                _ => {}
            },
            _ if up => *selected = selected.saturating_sub(1),
            _ if down => *selected += 1,
            KeyCode::Char('k') if results.is_some() => *selected = selected.saturating_sub(1),
            KeyCode::Char('j') if results.is_some() => *selected += 1,
            KeyCode::Backspace => {
                query.pop();
                *results = None;
            }
            KeyCode::Char(c) => {
                query.push(c);
                *results = None;
                *selected = 0;
            }
            _ => {}
        },
        Overlay::Notifications { list, selected, .. } => match key.code {
            KeyCode::Esc | KeyCode::Char('q') => s.overlay = None,
            KeyCode::Char('k') => *selected = selected.saturating_sub(1),
            KeyCode::Char('j') => *selected = (*selected + 1).min(list.len().saturating_sub(1)),
            _ if up => *selected = selected.saturating_sub(1),
            _ if down => *selected = (*selected + 1).min(list.len().saturating_sub(1)),
            KeyCode::Char('a') => {
                list.iter_mut().for_each(|n| n.read = true);
                fx.push(Effect::MarkNotificationsRead {
                    ids: Vec::new(),
                    all: true,
                });
            }
            KeyCode::Char('m') | KeyCode::Enter => {
                if let Some(n) = list.get_mut(*selected) {
                    let (id, channel, read) = (n.id, n.channel_id, n.read);
                    n.read = true;
                    if !read {
                        fx.push(Effect::MarkNotificationsRead {
                            ids: vec![id],
                            all: false,
                        });
                    }
                    if key.code == KeyCode::Enter {
                        s.overlay = None;
                        if let Some(channel) = channel.filter(|c| s.channel(*c).is_some()) {
                            open_channel(s, channel, fx);
                        }
                    }
                }
            }
            _ => {}
        },
    }
}

pub(super) fn find_message(
    s: &State,
    id: ajet_core::MessageId,
) -> Option<&ajet_core::dto::MessageDto> {
    s.views
        .values()
        .flat_map(|v| v.messages.iter())
        .chain(
            s.thread
                .iter()
                .flat_map(|t| std::iter::once(&t.parent).chain(&t.replies)),
        )
        .find(|m| m.id == id)
}

/// Shows `message` in its context: its channel's history around it, or its thread.
pub(super) fn jump_to(
    s: &mut State,
    channel: ajet_core::ChannelId,
    message: &ajet_core::dto::MessageDto,
    fx: &mut Vec<Effect>,
) {
    if s.channel(channel).is_none() {
        error(s, "that message is in a channel you are no longer in");
        return;
    }
    open_channel(s, channel, fx);
    let target = message.parent_id.unwrap_or(message.id);
    if let Some(view) = s.views.get_mut(&channel) {
        view.loading = true;
    }
    fx.retain(|e| !matches!(e, Effect::LoadHistory { channel: c, .. } if *c == channel));
    fx.push(Effect::LoadAround {
        channel,
        message: target,
    });
    if let Some(parent) = message.parent_id {
        let mut stub = message.clone();
        stub.id = parent;
        stub.parent_id = None;
        stub.body = String::new();
        s.thread = None;
        open_thread(s, stub, fx);
    }
}
