//! Insert mode: typing into the composer, sending (or editing, or running a slash
//! command, or uploading), and Tab completion.

use ajet_core::limits::MAX_MESSAGE_CHARS;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::tui::action::Effect;
use crate::tui::keys::Command;
use crate::tui::state::{Completion, Focus, Mode, State};
use crate::tui::update::{error, info, stop_typing, typed};

use super::{PAGE, move_selection, run};

pub(super) fn insert_key(s: &mut State, key: KeyEvent, fx: &mut Vec<Effect>) {
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
pub(super) fn submit(s: &mut State, fx: &mut Vec<Effect>) {
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
pub(crate) fn upload_args(args: &str) -> Option<(std::path::PathBuf, String)> {
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
pub(super) fn complete(s: &mut State) {
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
