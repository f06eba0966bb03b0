//! The sidebar: communities with their channels (unread counts, mention marks), then the
//! direct messages with their people's presence.

use ajet_core::dto::ChannelKind;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::{BOLD, DIM, focused, pane};
use crate::tui::state::{Focus, SidebarRow, State};

pub fn draw(frame: &mut Frame<'_>, s: &State, area: Rect) {
    let focus = focused(s, Focus::Sidebar);
    let block = pane(Line::from(" Channels "), focus);
    let inner = block.inner(area);
    let width = usize::from(inner.width);
    let mut lines = Vec::new();
    for (i, row) in s.sidebar().iter().enumerate() {
        let mut line = match row {
            SidebarRow::Community(name) => {
                Line::from(Span::styled(name.clone(), BOLD.fg(Color::Magenta)))
            }
            SidebarRow::Heading(text) => {
                Line::from(Span::styled(text.clone(), BOLD.fg(Color::Magenta)))
            }
            SidebarRow::Channel(id) => {
                let Some(c) = s.channel(*id) else { continue };
                let dm = matches!(c.kind, ChannelKind::Dm | ChannelKind::GroupDm);
                let mut spans = vec![Span::raw(" ")];
                if dm {
                    let online = c
                        .members
                        .iter()
                        .any(|u| s.online.get(&u.id).copied().unwrap_or(false));
                    spans.push(if online {
                        Span::styled("● ", Style::new().fg(Color::Green))
                    } else {
                        Span::styled("○ ", DIM)
                    });
                }
                let label = s.channel_label(c);
                let mut badge = String::new();
                if c.unread_count > 0 {
                    badge.push_str(&format!(" {}", c.unread_count));
                }
                if c.mention_count > 0 {
                    badge.push_str(&format!(" @{}", c.mention_count));
                }
                let used: usize = spans.iter().map(|s| s.content.width()).sum();
                let room = width.saturating_sub(used + badge.width());
                let name = truncate(&label, room);
                let pad = room.saturating_sub(name.width());
                let name_style = if c.unread_count > 0 || c.mention_count > 0 {
                    BOLD
                } else {
                    Style::new()
                };
                spans.push(Span::styled(name, name_style));
                spans.push(Span::raw(" ".repeat(pad)));
                let badge_style = if c.mention_count > 0 {
                    BOLD.fg(Color::Red)
                } else {
                    BOLD.fg(Color::Cyan)
                };
                spans.push(Span::styled(badge, badge_style));
                let mut line = Line::from(spans);
                if s.current == Some(*id) {
                    line = line.style(Style::new().add_modifier(Modifier::REVERSED));
                }
                line
            }
        };
        if focus && i == s.sidebar_cursor {
            line = line.patch_style(Style::new().bg(Color::Blue).fg(Color::White));
        }
        lines.push(line);
    }
    if lines.is_empty() {
        lines.push(Line::from(Span::styled("loading…", DIM)));
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// `text` cut to `width` cells, with an ellipsis when cut.
pub fn truncate(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_owned();
    }
    let mut out = String::new();
    for c in text.chars() {
        if out.width() + unicode_width::UnicodeWidthChar::width(c).unwrap_or(0) + 1 > width {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}
