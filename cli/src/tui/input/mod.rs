//! Keys, mouse and paste, turned into changes of state: insert mode types into the
//! composer, normal mode runs the commands of the key map, dialogs take their own keys.
//!
//! This file dispatches keys and runs normal mode's commands; [`compose`] is insert mode
//! (typing, sending, completion), [`dialogs`] the overlays' keys, [`pointer`] the mouse
//! and pastes.

mod compose;
mod dialogs;
mod pointer;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::action::Effect;
use super::keys::{Chord, Command, Lookup};
use super::state::{Focus, Mode, Overlay, SidebarRow, State};
use super::update::{error, info, open_channel, open_thread, stop_typing};

pub use compose::emoji_for;
use compose::insert_key;
#[cfg(test)]
pub(crate) use compose::upload_args;
use dialogs::overlay_key;
pub use dialogs::switcher_matches;
pub use pointer::{mouse, paste};

const PAGE: usize = 10;

pub fn key(s: &mut State, key: KeyEvent, fx: &mut Vec<Effect>) {
    if key.kind == KeyEventKind::Release {
        return;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && key.code == KeyCode::Char('c') {
        quit(s, fx);
        return;
    }
    if s.overlay.is_some() {
        overlay_key(s, key, fx);
        return;
    }
    if s.mode == Mode::Insert && s.focus != Focus::Sidebar {
        insert_key(s, key, fx);
        return;
    }
    let Some(chord) = Chord::of(&key) else { return };
    s.pending.push(chord);
    match s.keymap.lookup(&s.pending) {
        Lookup::Prefix => {}
        Lookup::Command(command) => {
            s.pending.clear();
            run(s, command, fx);
        }
        Lookup::None => {
            s.pending.clear();
        }
    }
}

fn quit(s: &mut State, fx: &mut Vec<Effect>) {
    stop_typing(s, fx);
    s.quit = true;
    fx.push(Effect::Quit);
}

/// Runs a normal-mode command.
pub fn run(s: &mut State, command: Command, fx: &mut Vec<Effect>) {
    match command {
        Command::Down => move_selection(s, 1, fx),
        Command::Up => move_selection(s, -1, fx),
        Command::PageDown => move_selection(s, PAGE as i64, fx),
        Command::PageUp => move_selection(s, -(PAGE as i64), fx),
        Command::Top => top(s, fx),
        Command::Bottom => bottom(s, fx),
        Command::Insert => {
            if s.focus == Focus::Sidebar {
                if let Some(SidebarRow::Channel(id)) = s.sidebar().get(s.sidebar_cursor) {
                    let id = *id;
                    open_channel(s, id, fx);
                }
                return;
            }
            s.mode = Mode::Insert;
        }
        Command::Reply => {
            if s.focus == Focus::Thread {
                s.mode = Mode::Insert;
                return;
            }
            match s.selected_message().cloned() {
                Some(m) if !m.deleted => {
                    open_thread(s, m, fx);
                    s.mode = Mode::Insert;
                }
                Some(_) => error(s, "that message was deleted"),
                None => error(s, "select a message first (k or ↑)"),
            }
        }
        Command::OpenThread => match s.selected_message().cloned() {
            Some(m) if m.parent_id.is_none() => open_thread(s, m, fx),
            _ => error(s, "select a message first (k or ↑)"),
        },
        Command::Edit => match s.selected_message() {
            Some(m) if Some(m.author_id) == s.my_id() && !m.deleted => {
                let (id, body) = (m.id, m.body.clone());
                s.editing = Some(id);
                s.composer.set(&body);
                s.mode = Mode::Insert;
                info(s, "editing: Enter saves, Esc cancels");
            }
            Some(_) => error(s, "you can only edit your own messages"),
            None => error(s, "select a message first (k or ↑)"),
        },
        Command::Delete => match s.selected_message() {
            Some(m) if !m.deleted => s.overlay = Some(Overlay::ConfirmDelete(m.id)),
            _ => error(s, "select a message first (k or ↑)"),
        },
        Command::React => match s.selected_message() {
            Some(m) if !m.deleted => {
                s.overlay = Some(Overlay::React {
                    message: m.id,
                    query: String::new(),
                })
            }
            _ => error(s, "select a message first (k or ↑)"),
        },
        Command::OpenFiles => match s.selected_message() {
            Some(m) if !m.attachments.is_empty() => {
                let count = m.attachments.len();
                fx.push(Effect::OpenFiles(m.attachments.clone()));
                info(
                    s,
                    &format!("saving {count} file{}…", if count == 1 { "" } else { "s" }),
                );
            }
            Some(_) => error(s, "this message has no files"),
            None => error(s, "select a message first (k or ↑)"),
        },
        Command::CopyLink => match (s.selected_message(), s.current_channel()) {
            (Some(m), Some(c)) => {
                let link = permalink(&s.server, c, m);
                fx.push(Effect::Copy(link.clone()));
                info(s, &format!("copied {link}"));
            }
            _ => error(s, "select a message first (k or ↑)"),
        },
        Command::Search => {
            s.overlay = Some(Overlay::Search {
                query: String::new(),
                results: None,
                selected: 0,
                loading: false,
            })
        }
        Command::NextUnread => {
            let order = s.channel_order();
            let start = s
                .current
                .and_then(|c| order.iter().position(|x| *x == c))
                .map_or(0, |i| i + 1);
            let next = (0..order.len())
                .map(|i| order[(start + i) % order.len()])
                .find(|id| s.channel(*id).is_some_and(|c| c.unread_count > 0));
            match next {
                Some(id) => open_channel(s, id, fx),
                None => info(s, "no unread messages"),
            }
        }
        Command::Switcher => {
            s.overlay = Some(Overlay::Switcher {
                query: String::new(),
                selected: 0,
            })
        }
        Command::NextChannel => step_channel(s, 1, fx),
        Command::PrevChannel => step_channel(s, -1, fx),
        Command::Notifications => {
            s.overlay = Some(Overlay::Notifications {
                list: Vec::new(),
                selected: 0,
                loading: true,
            });
            fx.push(Effect::LoadNotifications);
        }
        Command::ToggleSidebar => {
            if s.narrow() {
                s.sidebar_shown = !s.sidebar_shown;
                s.focus = if s.sidebar_shown {
                    Focus::Sidebar
                } else {
                    Focus::Messages
                };
            } else {
                s.sidebar_hidden = !s.sidebar_hidden;
                if s.sidebar_hidden && s.focus == Focus::Sidebar {
                    s.focus = Focus::Messages;
                }
            }
        }
        Command::FocusSidebar => {
            if s.narrow() {
                s.sidebar_shown = true;
            }
            s.sidebar_hidden = false;
            s.focus = Focus::Sidebar;
        }
        Command::FocusMessages => {
            if s.narrow() {
                s.sidebar_shown = false;
            }
            s.focus = match (s.focus, &s.thread) {
                (Focus::Messages, Some(_)) => Focus::Thread,
                _ => Focus::Messages,
            };
        }
        Command::Reload => fx.push(Effect::Bootstrap),
        Command::Help => s.overlay = Some(Overlay::Help),
        Command::Close => {
            if s.focus == Focus::Sidebar && s.narrow() {
                s.sidebar_shown = false;
                s.focus = Focus::Messages;
            } else if s.thread.is_some() {
                s.thread = None;
                s.focus = Focus::Messages;
            } else {
                quit(s, fx);
            }
        }
        Command::Quit => quit(s, fx),
    }
}

fn step_channel(s: &mut State, delta: i64, fx: &mut Vec<Effect>) {
    let order = s.channel_order();
    if order.is_empty() {
        return;
    }
    let len = order.len() as i64;
    let at = s
        .current
        .and_then(|c| order.iter().position(|x| *x == c))
        .map_or(0, |i| i as i64);
    let next = order[((at + delta).rem_euclid(len)) as usize];
    open_channel(s, next, fx);
}

/// Moves the selection of the focused pane by `delta` messages (negative: up). Up from
/// the top loads older history.
fn move_selection(s: &mut State, delta: i64, fx: &mut Vec<Effect>) {
    match s.focus {
        Focus::Sidebar => {
            let rows = s.sidebar();
            let mut at = s.sidebar_cursor as i64;
            let step = delta.signum();
            for _ in 0..delta.abs() {
                let mut next = at + step;
                while next >= 0
                    && (next as usize) < rows.len()
                    && !matches!(rows[next as usize], SidebarRow::Channel(_))
                {
                    next += step;
                }
                if next < 0 || next as usize >= rows.len() {
                    break;
                }
                at = next;
            }
            s.sidebar_cursor = at as usize;
        }
        Focus::Thread => {
            if let Some(t) = s.thread.as_mut() {
                let len = t.replies.len() as i64 + 1;
                let at = t.selected.map_or(len, |i| i as i64);
                let next = (at + delta).clamp(0, len);
                t.selected = (next < len).then_some(next as usize);
            }
        }
        Focus::Messages => {
            let Some(channel) = s.current else { return };
            let Some(view) = s.views.get_mut(&channel) else {
                return;
            };
            let len = view.messages.len() as i64;
            if len == 0 {
                return;
            }
            let at = view.selected.map_or(len, |i| i as i64);
            let next = at + delta;
            if next < 0 && view.more_before && !view.loading {
                view.loading = true;
                fx.push(Effect::LoadHistory {
                    channel,
                    before: view.messages.first().map(|m| m.id),
                });
            }
            let next = next.clamp(0, len);
            view.selected = (next < len).then_some(next as usize);
            if view.selected.is_none() && view.more_after {
                bottom(s, fx);
            }
        }
    }
}

fn top(s: &mut State, fx: &mut Vec<Effect>) {
    match s.focus {
        Focus::Thread => {
            if let Some(t) = s.thread.as_mut() {
                t.selected = Some(0);
            }
        }
        _ => {
            let Some(channel) = s.current else { return };
            if let Some(view) = s.views.get_mut(&channel)
                && !view.messages.is_empty()
            {
                view.selected = Some(0);
                if view.more_before && !view.loading {
                    view.loading = true;
                    fx.push(Effect::LoadHistory {
                        channel,
                        before: view.messages.first().map(|m| m.id),
                    });
                }
            }
        }
    }
}

fn bottom(s: &mut State, fx: &mut Vec<Effect>) {
    match s.focus {
        Focus::Thread => {
            if let Some(t) = s.thread.as_mut() {
                t.selected = None;
            }
        }
        _ => {
            let Some(channel) = s.current else { return };
            if let Some(view) = s.views.get_mut(&channel) {
                view.selected = None;
                if view.more_after {
                    // Back from a jump into the past: reload the newest page.
                    view.more_after = false;
                    view.loading = true;
                    fx.push(Effect::LoadHistory {
                        channel,
                        before: None,
                    });
                }
            }
        }
    }
}

/// A link to a message in the web client.
pub fn permalink(
    server: &str,
    c: &ajet_core::dto::ChannelDto,
    m: &ajet_core::dto::MessageDto,
) -> String {
    match (&c.community_slug, &c.name) {
        (Some(slug), Some(name)) => format!("{server}/c/{slug}/{name}/m/{}", m.id),
        _ => format!("{server}/dm/{}/m/{}", c.id, m.id),
    }
}
