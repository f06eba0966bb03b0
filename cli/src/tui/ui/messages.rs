//! The message pane and the thread pane: messages grouped by author and day, markdown
//! styled, with edits, tombstones, reactions and reply counts. Only the messages that fit
//! are laid out, so a frame costs the same with ten messages loaded or ten thousand.

use ajet_core::dto::MessageDto;
use chrono::{Datelike, NaiveDate};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{BOLD, DIM, focused, pane};
use crate::tui::markdown;
use crate::tui::state::{Focus, State};
use crate::tui::update::local;

/// Messages by one author closer together than this share one header.
const GROUP_MINUTES: i64 = 5;

/// One drawn row: the message it belongs to (if any) and its text.
type Row = (Option<usize>, Line<'static>);

pub fn draw_channel(frame: &mut Frame<'_>, s: &State, area: Rect) {
    let title = match s.current_channel() {
        Some(c) => {
            let mut spans = vec![Span::styled(format!(" {} ", s.channel_label(c)), BOLD)];
            if !c.topic.is_empty() {
                spans.push(Span::styled(format!("— {} ", c.topic), DIM));
            }
            Line::from(spans)
        }
        None => Line::from(" ajet-chat "),
    };
    let block = pane(title, focused(s, Focus::Messages));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let rows = channel_rows(s, inner);
    // A short history sits at the bottom, next to the composer, as in every chat.
    let pad = usize::from(inner.height).saturating_sub(rows.len());
    let lines: Vec<Line<'static>> = std::iter::repeat_n(Line::default(), pad)
        .chain(rows.into_iter().map(|(_, l)| l))
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The rows the channel pane shows in `inner` (also used to map a click to a message).
fn channel_rows(s: &State, inner: Rect) -> Vec<Row> {
    let Some(view) = s.view() else {
        return placeholder(if s.me.is_none() {
            "connecting…"
        } else {
            "no channel open"
        });
    };
    if view.messages.is_empty() {
        return placeholder(if view.loading {
            "loading…"
        } else {
            "no messages yet: say hello"
        });
    }
    let mut rows = visible(s, &view.messages, view.selected, inner, true);
    if view.more_before && rows.len() < usize::from(inner.height) {
        rows.insert(
            0,
            (
                None,
                Line::from(Span::styled("  ↑ older messages: k or gg", DIM)),
            ),
        );
    }
    rows
}

/// Which message the row `y` of the screen shows in the channel pane at `area` (its
/// frame included).
pub fn message_at(s: &State, area: Rect, y: u16) -> Option<usize> {
    let inner = Rect::new(
        area.x + 1,
        area.y + 1,
        area.width.saturating_sub(2),
        area.height.saturating_sub(2),
    );
    let rows = channel_rows(s, inner);
    let offset = usize::from(inner.height).saturating_sub(rows.len());
    let row = usize::from(y.checked_sub(inner.y)?).checked_sub(offset)?;
    rows.get(row).and_then(|(i, _)| *i)
}

pub fn draw_thread(frame: &mut Frame<'_>, s: &State, area: Rect) {
    let Some(t) = &s.thread else { return };
    let title = Line::from(vec![
        Span::styled(" Thread ", BOLD),
        Span::styled(
            format!(
                "— {} repl{} · q closes ",
                t.parent.reply_count,
                if t.parent.reply_count == 1 {
                    "y"
                } else {
                    "ies"
                }
            ),
            DIM,
        ),
    ]);
    let block = pane(title, focused(s, Focus::Thread));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut all = Vec::with_capacity(t.replies.len() + 1);
    all.push(t.parent.clone());
    all.extend(t.replies.iter().cloned());
    let mut rows = visible(s, &all, t.selected, inner, false);
    if t.loading {
        rows.push((None, Line::from(Span::styled("  loading replies…", DIM))));
    }
    frame.render_widget(
        Paragraph::new(rows.into_iter().map(|(_, l)| l).collect::<Vec<_>>()),
        inner,
    );
}

fn placeholder(text: &str) -> Vec<Row> {
    vec![(None, Line::from(Span::styled(format!("  {text}"), DIM)))]
}

/// The rows that fit in `area`: the newest at the bottom when nothing is selected, the
/// selected message kept near the middle otherwise.
fn visible(
    s: &State,
    messages: &[MessageDto],
    selected: Option<usize>,
    area: Rect,
    reply_counts: bool,
) -> Vec<Row> {
    let height = usize::from(area.height);
    let width = area.width;
    let last = messages.len().saturating_sub(1);
    let anchor = selected.unwrap_or(last).min(last);
    // Rows up to and including the anchor, collected backwards until the pane is full.
    let mut before: Vec<Row> = Vec::new();
    let mut i = anchor as i64;
    while i >= 0 && before.len() < height {
        let mut block = message_rows(s, messages, i as usize, width, selected, reply_counts);
        block.append(&mut before);
        before = block;
        i -= 1;
    }
    let mut after: Vec<Row> = Vec::new();
    if selected.is_some() {
        let mut j = anchor + 1;
        while j <= last && after.len() < height {
            after.extend(message_rows(s, messages, j, width, selected, reply_counts));
            j += 1;
        }
    }
    let mut take_after = after.len().min(height / 2);
    if before.len() < height - take_after {
        take_after = after.len().min(height - before.len().min(height));
    }
    let take_before = before.len().min(height - take_after);
    let mut rows: Vec<Row> = before.split_off(before.len() - take_before);
    rows.extend(after.into_iter().take(take_after));
    rows
}

fn day(s: &State, m: &MessageDto) -> NaiveDate {
    local(s, m.created_at).date_naive()
}

/// The rows of message `i`: a day separator and its author's header when it starts a
/// group, its body, and a line of reactions and replies.
fn message_rows(
    s: &State,
    messages: &[MessageDto],
    i: usize,
    width: u16,
    selected: Option<usize>,
    reply_counts: bool,
) -> Vec<Row> {
    let m = &messages[i];
    let prev = i.checked_sub(1).map(|p| &messages[p]);
    let mut rows = Vec::new();
    let new_day = prev.is_none_or(|p| day(s, p) != day(s, m));
    if new_day {
        rows.push((None, day_separator(s, day(s, m), width)));
    }
    let grouped = !new_day
        && prev.is_some_and(|p| {
            p.author_id == m.author_id
                && display_name(p) == display_name(m)
                && !p.deleted
                && (m.created_at - p.created_at).num_minutes() < GROUP_MINUTES
        });
    let is_selected = selected == Some(i);
    let me = s.my_name();
    let mentions_me = me.is_some_and(|me| !m.deleted && markdown::mentions(&m.body, me))
        && Some(m.author_id) != s.my_id();
    let gutter = if is_selected {
        Span::styled("▌", Style::new().fg(Color::Cyan))
    } else if mentions_me {
        Span::styled("▎", Style::new().fg(Color::Yellow))
    } else {
        Span::raw(" ")
    };
    let mut body_rows: Vec<Line<'static>> = Vec::new();
    if !grouped {
        let time = local(s, m.created_at).format("%H:%M").to_string();
        let mut header = vec![Span::styled(
            display_name(m).unwrap_or(&m.author_username).to_owned(),
            BOLD.fg(author_colour(&m.author_username)),
        )];
        if m.author_bot || m.meta.is_some() {
            header.push(Span::styled(" [bot]", DIM));
        }
        if display_name(m).is_some() {
            // A name a webhook's delivery chose: say which bot posted it.
            header.push(Span::styled(format!(" via {}", m.author_username), DIM));
        }
        header.push(Span::styled(format!("  {time}"), DIM));
        body_rows.push(Line::from(header));
    }
    let text_width = width.saturating_sub(3).max(4);
    if m.deleted {
        body_rows.push(Line::from(Span::styled(
            "  (message deleted)",
            DIM.add_modifier(Modifier::ITALIC),
        )));
    } else {
        let mut lines = match &m.meta {
            Some(meta) if !meta.cards.is_empty() => super::cards::lines(s, meta, text_width, me),
            _ => markdown::render(&m.body, text_width, me),
        };
        if m.edited_at.is_some()
            && let Some(last) = lines.last_mut()
        {
            // On the last line when it fits there, else on a line of its own.
            if last.width() + 9 <= usize::from(text_width) {
                last.spans.push(Span::styled(" (edited)", DIM));
            } else {
                lines.push(Line::from(Span::styled("(edited)", DIM)));
            }
        }
        for line in lines {
            let mut spans = vec![Span::raw("  ")];
            spans.extend(line.spans);
            body_rows.push(Line::from(spans));
        }
        for file in &m.attachments {
            let mut about = format!(
                "  {} · {}",
                ajet_core::files::human_size(file.size),
                file.media_type
            );
            if let (Some(w), Some(h)) = (file.width, file.height) {
                about.push_str(&format!(" · {w}×{h}"));
            }
            body_rows.push(Line::from(vec![
                Span::raw("  📎 "),
                Span::styled(file.name.clone(), Style::new().add_modifier(Modifier::BOLD)),
                Span::styled(about, DIM),
            ]));
        }
    }
    let mut footer = vec![Span::raw("  ")];
    for r in &m.reactions {
        let style = if r.reacted_by_me {
            Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
        } else {
            Style::new()
        };
        footer.push(Span::styled(format!("{} {}", r.emoji, r.count), style));
        footer.push(Span::raw("  "));
    }
    if reply_counts && m.reply_count > 0 && m.parent_id.is_none() {
        let last = m
            .last_reply_at
            .map(|t| format!(", last {}", local(s, t).format("%H:%M")))
            .unwrap_or_default();
        footer.push(Span::styled(
            format!(
                "↳ {} repl{}{last}",
                m.reply_count,
                if m.reply_count == 1 { "y" } else { "ies" }
            ),
            Style::new().fg(Color::Cyan),
        ));
    }
    if footer.len() > 1 && !m.deleted {
        body_rows.push(Line::from(footer));
    }
    for line in body_rows {
        let mut spans = vec![gutter.clone()];
        spans.extend(line.spans);
        let mut line = Line::from(spans);
        if is_selected {
            line = line.patch_style(Style::new().bg(Color::Indexed(236)));
        }
        rows.push((Some(i), line));
    }
    rows
}

/// The name a webhook's delivery gave one message, if any.
fn display_name(m: &MessageDto) -> Option<&str> {
    m.meta
        .as_ref()?
        .display_name
        .as_deref()
        .filter(|n| !n.trim().is_empty())
}

fn day_separator(s: &State, date: NaiveDate, width: u16) -> Line<'static> {
    let today = local(s, s.now).date_naive();
    let label = if date == today {
        "Today".to_owned()
    } else if Some(date) == today.pred_opt() {
        "Yesterday".to_owned()
    } else if date.year() == today.year() {
        date.format("%A %-d %B").to_string()
    } else {
        date.format("%-d %B %Y").to_string()
    };
    let text = format!(" {label} ");
    let room = usize::from(width).saturating_sub(text.chars().count() + 1);
    let left = room / 2;
    Line::from(vec![
        Span::styled(format!(" {}", "─".repeat(left)), DIM),
        Span::styled(text, DIM.add_modifier(Modifier::BOLD)),
        Span::styled("─".repeat(room - left), DIM),
    ])
}

/// A steady colour per author, so that a reader tells people apart at a glance.
fn author_colour(name: &str) -> Color {
    const COLOURS: [Color; 6] = [
        Color::Green,
        Color::Magenta,
        Color::Blue,
        Color::Yellow,
        Color::Cyan,
        Color::LightRed,
    ];
    let hash = name.bytes().fold(0usize, |h, b| {
        h.wrapping_mul(31).wrapping_add(usize::from(b))
    });
    COLOURS[hash % COLOURS.len()]
}
