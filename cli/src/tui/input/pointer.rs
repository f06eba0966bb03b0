//! The mouse and pastes.

use ajet_core::limits::MAX_MESSAGE_CHARS;
use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Position;

use crate::tui::action::Effect;
use crate::tui::state::{Focus, Mode, Overlay, SidebarRow, State};
use crate::tui::update::{error, open_channel, typed};

use super::move_selection;

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
    let areas = crate::tui::ui::layout(s);
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
                if let Some(i) = crate::tui::ui::messages::message_at(s, areas.messages, m.row)
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
