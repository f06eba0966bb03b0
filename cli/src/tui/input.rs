//! Keys, mouse and paste, turned into changes of state: insert mode types into the
//! composer, normal mode runs the commands of the key map, dialogs take their own keys.

use ajet_core::limits::MAX_MESSAGE_CHARS;
use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::Position;

use super::action::Effect;
use super::keys::{Chord, Command, Lookup};
use super::state::{Completion, Focus, Mode, Overlay, SidebarRow, State};
use super::update::{error, info, open_channel, open_thread, stop_typing, typed};

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

fn insert_key(s: &mut State, key: KeyEvent, fx: &mut Vec<Effect>) {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let alt = key.modifiers.contains(KeyModifiers::ALT);
    let completing = key.code == KeyCode::Tab;
    if !completing {
        s.completion = None;
    }
    let before = s.composer.text().len();
    match key.code {
        KeyCode::Esc => {
            s.mode = Mode::Normal;
            if s.editing.take().is_some() {
                s.composer.take();
                info(s, "edit cancelled");
            }
            return;
        }
        KeyCode::Enter if alt || key.modifiers.contains(KeyModifiers::SHIFT) => {
            s.composer.insert('\n')
        }
        KeyCode::Char('j') if ctrl => s.composer.insert('\n'),
        KeyCode::Enter => {
            submit(s, fx);
            return;
        }
        KeyCode::Tab => {
            complete(s);
            return;
        }
        KeyCode::Char('e') if ctrl => {
            fx.push(Effect::OpenEditor(s.composer.text().to_owned()));
            return;
        }
        KeyCode::Char('k') if ctrl => return run(s, Command::Switcher, fx),
        KeyCode::Char('n') if ctrl => return run(s, Command::NextChannel, fx),
        KeyCode::Char('p') if ctrl => return run(s, Command::PrevChannel, fx),
        KeyCode::Char('w') if ctrl => s.composer.delete_word(),
        KeyCode::Char('u') if ctrl => s.composer.delete_to_line_start(),
        KeyCode::Char('a') if ctrl => s.composer.home(),
        KeyCode::Char(c) if !ctrl => s.composer.insert(c),
        KeyCode::Backspace => s.composer.backspace(),
        KeyCode::Delete => s.composer.delete(),
        KeyCode::Left => s.composer.left(),
        KeyCode::Right => s.composer.right(),
        KeyCode::Home => s.composer.home(),
        KeyCode::End => s.composer.end(),
        KeyCode::PageUp => return move_selection(s, -(PAGE as i64), fx),
        KeyCode::PageDown => return move_selection(s, PAGE as i64, fx),
        KeyCode::Up => {
            if s.composer.on_first_line() && s.editing.is_none() {
                let current = s.composer.text().to_owned();
                if let Some(text) = s.history.older(&current) {
                    s.composer.set(&text);
                }
            } else {
                s.composer.vertical(-1);
            }
            return;
        }
        KeyCode::Down => {
            if s.composer.on_last_line() && s.editing.is_none() {
                if let Some(text) = s.history.newer() {
                    s.composer.set(&text);
                }
            } else {
                s.composer.vertical(1);
            }
            return;
        }
        _ => return,
    }
    if s.composer.text().len() != before && s.editing.is_none() {
        typed(s, fx);
    }
}

/// Sends what the composer holds: a message, a reply in the open thread, an edit, or a
/// slash command.
fn submit(s: &mut State, fx: &mut Vec<Effect>) {
    let text = s.composer.text().trim_end().to_owned();
    if text.trim().is_empty() {
        return;
    }
    let chars = text.chars().count();
    if chars > MAX_MESSAGE_CHARS {
        error(
            s,
            &format!("too long: {chars} characters, a message holds at most {MAX_MESSAGE_CHARS}"),
        );
        return;
    }
    let Some(channel) = s.current else {
        error(s, "no channel is open");
        return;
    };
    if let Some(id) = s.editing.take() {
        s.composer.take();
        s.mode = Mode::Normal;
        fx.push(Effect::EditMessage {
            message: id,
            body: text,
        });
        return;
    }
    s.history.push(&text);
    s.composer.take();
    stop_typing(s, fx);
    if let Some(command) = text.strip_prefix('/')
        && !command.starts_with('/')
    {
        if command == "upload" || command.starts_with("upload ") {
            let parent = match (&s.thread, s.focus) {
                (Some(t), Focus::Thread) => Some(t.parent.id),
                _ => None,
            };
            match upload_args(&command["upload".len()..]) {
                Some((path, caption)) => {
                    info(s, &format!("uploading {}…", path.display()));
                    fx.push(Effect::Upload {
                        channel,
                        path,
                        caption,
                        parent,
                    });
                }
                None => error(
                    s,
                    "usage: /upload PATH [caption] (quote a path with spaces)",
                ),
            }
            return;
        }
        fx.push(Effect::RunCommand { channel, text });
        return;
    }
    // `//text` posts a literal `/text`.
    let body = match text.strip_prefix("//") {
        Some(rest) => format!("/{rest}"),
        None => text,
    };
    let parent = match (&s.thread, s.focus) {
        (Some(t), Focus::Thread) => Some(t.parent.id),
        _ => None,
    };
    fx.push(Effect::Send {
        channel,
        body,
        parent,
    });
}

/// The path and caption of `/upload PATH [caption]`: the path quoted with `"` or `'` when
/// it has spaces, `~/` for the home directory.
pub(super) fn upload_args(args: &str) -> Option<(std::path::PathBuf, String)> {
    let args = args.trim_start();
    let (path, rest) = match args.chars().next()? {
        quote @ ('"' | '\'') => {
            let end = args[1..].find(quote)? + 1;
            (&args[1..end], &args[end + 1..])
        }
        _ => match args.split_once(char::is_whitespace) {
            Some((path, rest)) => (path, rest),
            None => (args, ""),
        },
    };
    if path.is_empty() {
        return None;
    }
    let path = match path.strip_prefix("~/") {
        Some(rest) => dirs::home_dir()?.join(rest),
        None => std::path::PathBuf::from(path),
    };
    Some((path, rest.trim().to_owned()))
}

/// Tab: completes the word before the cursor (`/command`, `@member`, `#channel`,
/// `:emoji:`); Tab again takes the next candidate.
fn complete(s: &mut State) {
    if let Some(c) = s.completion.as_mut() {
        if c.candidates.len() > 1 {
            c.index = (c.index + 1) % c.candidates.len();
            let (start, word) = (c.start, format!("{} ", c.candidates[c.index]));
            s.composer.replace_before_cursor(start, &word);
        }
        return;
    }
    let (start, word) = s.composer.word_before_cursor();
    let word = word.to_owned();
    let lower = word.to_lowercase();
    let mut candidates: Vec<String> = if word.starts_with('/') && start == 0 {
        s.commands
            .iter()
            .filter(|c| c.starts_with(&lower))
            .cloned()
            .collect()
    } else if let Some(prefix) = lower.strip_prefix('@') {
        let mut names: Vec<String> = s
            .users
            .values()
            .map(|u| u.username.clone())
            .chain(["channel".to_owned(), "here".to_owned()])
            .filter(|n| n.to_lowercase().starts_with(prefix))
            .map(|n| format!("@{n}"))
            .collect();
        names.sort();
        names
    } else if let Some(prefix) = lower.strip_prefix('#') {
        let mut names: Vec<String> = s
            .channels
            .iter()
            .filter_map(|c| c.name.clone())
            .filter(|n| n.to_lowercase().starts_with(prefix))
            .map(|n| format!("#{n}"))
            .collect();
        names.sort();
        names.dedup();
        names
    } else if let Some(prefix) = lower.strip_prefix(':').filter(|p| p.len() >= 2) {
        let prefix = prefix.trim_end_matches(':');
        emojis::iter()
            .filter(|e| e.shortcodes().any(|code| code.starts_with(prefix)))
            .take(20)
            .map(|e| e.as_str().to_owned())
            .collect()
    } else {
        Vec::new()
    };
    candidates.truncate(50);
    match candidates.len() {
        0 => info(s, "nothing to complete"),
        n => {
            let first = format!("{} ", candidates[0]);
            s.composer.replace_before_cursor(start, &first);
            if n > 1 {
                let shown: Vec<&str> = candidates.iter().take(8).map(String::as_str).collect();
                info(s, &format!("Tab for more: {}", shown.join(" ")));
                s.completion = Some(Completion {
                    start,
                    candidates,
                    index: 0,
                });
            }
        }
    }
}

/// An emoji from what was typed in the react dialog: the emoji itself, or its shortcode
/// (`thumbsup`, `:tada:`); 👍 when empty.
pub fn emoji_for(query: &str) -> Option<String> {
    let q = query.trim().trim_matches(':');
    if q.is_empty() {
        return Some("👍".to_owned());
    }
    if let Some(e) = emojis::get(q) {
        return Some(e.as_str().to_owned());
    }
    emojis::get_by_shortcode(q).map(|e| e.as_str().to_owned())
}

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

fn overlay_key(s: &mut State, key: KeyEvent, fx: &mut Vec<Effect>) {
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

fn find_message(s: &State, id: ajet_core::MessageId) -> Option<&ajet_core::dto::MessageDto> {
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
fn jump_to(
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

pub fn paste(s: &mut State, text: &str, fx: &mut Vec<Effect>) {
    match s.overlay.as_mut() {
        Some(
            Overlay::Switcher { query, .. }
            | Overlay::Search { query, .. }
            | Overlay::React { query, .. },
        ) => query.push_str(text.lines().next().unwrap_or_default()),
        Some(_) => {}
        None => {
            s.mode = Mode::Insert;
            if s.focus == Focus::Sidebar {
                s.focus = Focus::Messages;
            }
            s.composer.insert_str(text);
            let chars = s.composer.text().chars().count();
            if chars > MAX_MESSAGE_CHARS {
                error(
                    s,
                    &format!(
                        "the message is {chars} characters; at most {MAX_MESSAGE_CHARS} can be sent"
                    ),
                );
            }
            typed(s, fx);
        }
    }
}

pub fn mouse(s: &mut State, m: MouseEvent, fx: &mut Vec<Effect>) {
    let areas = super::ui::layout(s);
    let at = Position::new(m.column, m.row);
    match m.kind {
        MouseEventKind::ScrollUp | MouseEventKind::ScrollDown => {
            let delta = if m.kind == MouseEventKind::ScrollUp {
                -3
            } else {
                3
            };
            let focus = s.focus;
            s.focus = match areas.thread {
                Some(t) if t.contains(at) => Focus::Thread,
                _ => Focus::Messages,
            };
            move_selection(s, delta, fx);
            if focus == Focus::Sidebar {
                s.focus = focus;
            }
        }
        MouseEventKind::Down(MouseButton::Left) => {
            if s.overlay.is_some() {
                return;
            }
            if let Some(side) = areas.sidebar
                && side.contains(at)
            {
                let row = usize::from(m.row.saturating_sub(side.y + 1));
                if let Some(SidebarRow::Channel(id)) = s.sidebar().get(row) {
                    let id = *id;
                    open_channel(s, id, fx);
                }
                return;
            }
            if areas.messages.contains(at) {
                s.focus = Focus::Messages;
                s.mode = Mode::Normal;
                if let Some(i) = super::ui::messages::message_at(s, areas.messages, m.row)
                    && let Some(v) = s.view_mut()
                {
                    v.selected = Some(i);
                }
            } else if let Some(t) = areas.thread
                && t.contains(at)
            {
                s.focus = Focus::Thread;
                s.mode = Mode::Normal;
            } else if areas.input.contains(at) {
                s.mode = Mode::Insert;
                if s.focus == Focus::Sidebar {
                    s.focus = Focus::Messages;
                }
            }
        }
        _ => {}
    }
}
