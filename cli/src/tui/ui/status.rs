//! The composer and the status line (mode, connection, who is typing, unread counts).

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::{DIM, pane};
use crate::tui::state::{Connection, Focus, Mode, State};

pub fn draw_input(frame: &mut Frame<'_>, s: &State, area: Rect) {
    let target = match (s.editing, &s.thread, s.focus) {
        (Some(_), _, _) => " Editing your message · Enter saves · Esc cancels ".to_owned(),
        (None, Some(_), Focus::Thread) => " Reply in thread ".to_owned(),
        _ => match s.current_channel() {
            Some(c) => format!(" Message {} ", s.channel_label(c)),
            None => " Message ".to_owned(),
        },
    };
    let insert = s.mode == Mode::Insert && s.focus != Focus::Sidebar;
    let block = pane(Line::from(target), insert && s.overlay.is_none());
    let inner = block.inner(area);
    let (rows, cursor) = s.composer.layout(inner.width);
    let height = usize::from(inner.height.max(1));
    // Keep the cursor's row in view when the text is taller than the box.
    let first = usize::from(cursor.0).saturating_sub(height - 1);
    let lines: Vec<Line<'_>> = if s.composer.is_empty() && !insert {
        vec![Line::from(Span::styled(
            "press i to write, ? for every key",
            DIM,
        ))]
    } else {
        rows.into_iter()
            .skip(first)
            .take(height)
            .map(Line::from)
            .collect()
    };
    frame.render_widget(Paragraph::new(lines).block(block), area);
    if insert && s.overlay.is_none() {
        frame.set_cursor_position(Position::new(
            inner.x + cursor.1.min(inner.width.saturating_sub(1)),
            inner.y + cursor.0 - first as u16,
        ));
    }
}

pub fn draw_status(frame: &mut Frame<'_>, s: &State, area: Rect) {
    let (mode, mode_style) = match s.mode {
        Mode::Normal => (" NORMAL ", Style::new().bg(Color::Blue).fg(Color::White)),
        Mode::Insert => (" INSERT ", Style::new().bg(Color::Green).fg(Color::Black)),
    };
    let (conn, conn_style) = match &s.connection {
        Connection::Live => ("● live".to_owned(), Style::new().fg(Color::Green)),
        Connection::Connecting => ("◌ connecting…".to_owned(), Style::new().fg(Color::Yellow)),
        Connection::Reconnecting { .. } => (
            "⟳ reconnecting…".to_owned(),
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        ),
        Connection::Failed(_) => ("✖ offline".to_owned(), Style::new().fg(Color::Red)),
    };
    let mut left = vec![
        Span::styled(mode, mode_style.add_modifier(Modifier::BOLD)),
        Span::raw(" "),
        Span::styled(conn, conn_style),
        Span::raw("  "),
    ];
    let typing = s.current.map(|c| s.typing_in(c)).unwrap_or_default();
    if let Connection::Failed(why) = &s.connection {
        left.push(Span::styled(why.clone(), Style::new().fg(Color::Red)));
    } else if let Some(status) = &s.status {
        let style = if status.error {
            Style::new().fg(Color::Red)
        } else {
            Style::new().fg(Color::Gray)
        };
        left.push(Span::styled(status.text.clone(), style));
    } else if !typing.is_empty() {
        left.push(Span::styled(
            typing_line(&typing),
            DIM.add_modifier(Modifier::ITALIC),
        ));
    }
    if s.status.is_some() && !typing.is_empty() {
        left.push(Span::styled(
            format!("  {}", typing_line(&typing)),
            DIM.add_modifier(Modifier::ITALIC),
        ));
    }
    let unread = s.total_unread();
    let mut right = Vec::new();
    if unread > 0 {
        right.push(Span::styled(
            format!("{unread} unread"),
            Style::new().fg(Color::Cyan),
        ));
        right.push(Span::raw(" · "));
    }
    let notes_style = if s.unread_notifications > 0 {
        Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)
    } else {
        DIM
    };
    right.push(Span::styled(
        format!("{} notifications", s.unread_notifications),
        notes_style,
    ));
    right.push(Span::styled(" · ? help ", DIM));
    let right_width: usize = right.iter().map(|s| s.content.width()).sum();
    let left_room = usize::from(area.width).saturating_sub(right_width + 1);
    let mut used = 0;
    let mut spans = Vec::new();
    for span in left {
        let w = span.content.width();
        if used + w > left_room {
            let cut = super::sidebar::truncate(&span.content, left_room.saturating_sub(used));
            used += cut.width();
            spans.push(Span::styled(cut, span.style));
            break;
        }
        used += w;
        spans.push(span);
    }
    spans.push(Span::raw(" ".repeat(
        usize::from(area.width).saturating_sub(used + right_width),
    )));
    spans.extend(right);
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn typing_line(names: &[String]) -> String {
    match names {
        [one] => format!("{one} is typing…"),
        [a, b] => format!("{a} and {b} are typing…"),
        [a, rest @ ..] => format!("{a} and {} others are typing…", rest.len()),
        [] => String::new(),
    }
}
