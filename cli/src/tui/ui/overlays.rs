//! Dialogs over the panes: help, quick switcher, search, notifications, confirmations.

use ajet_core::dto::NotificationKind;
use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::{BOLD, DIM, pane};
use crate::tui::input::switcher_matches;
use crate::tui::keys::Command;
use crate::tui::markdown;
use crate::tui::state::{Overlay, State};
use crate::tui::update::local;

const SELECTED: Style = Style::new().bg(Color::Blue).fg(Color::White);

pub fn draw(frame: &mut Frame<'_>, s: &State, area: Rect) {
    let Some(overlay) = &s.overlay else { return };
    match overlay {
        Overlay::Help => help(frame, s, area),
        Overlay::Notice { title, text } => {
            let width = area.width.saturating_sub(8).min(70);
            let lines = markdown::render(text, width.saturating_sub(2), s.my_name());
            let height = (lines.len() as u16 + 3).min(area.height.saturating_sub(2));
            let rect = centered(area, width, height);
            let mut lines = lines;
            lines.push(Line::from(Span::styled("Enter or Esc closes", DIM)));
            popup(frame, rect, &format!(" {title} "), lines);
        }
        Overlay::ConfirmDelete(_) => {
            let rect = centered(area, 44, 4);
            popup(
                frame,
                rect,
                " Delete message ",
                vec![
                    Line::from("Delete this message for everyone?"),
                    Line::from(vec![
                        Span::styled("y", BOLD.fg(Color::Red)),
                        Span::raw(" delete   "),
                        Span::styled("n", BOLD),
                        Span::raw(" keep it"),
                    ]),
                ],
            );
        }
        Overlay::React { query, .. } => {
            let rect = centered(area, 50, 4);
            let preview = crate::tui::input::emoji_for(query).unwrap_or_else(|| "?".into());
            popup(
                frame,
                rect,
                " React ",
                vec![
                    Line::from(vec![
                        Span::raw("emoji: "),
                        Span::styled(format!("{query}▏"), BOLD),
                        Span::raw(format!("  {preview}")),
                    ]),
                    Line::from(Span::styled(
                        "a name (tada, heart) or the emoji; Enter reacts, again removes",
                        DIM,
                    )),
                ],
            );
        }
        Overlay::Switcher { query, selected } => {
            let matches = switcher_matches(s, query);
            let height = (area.height.saturating_sub(4))
                .min(matches.len() as u16 + 4)
                .max(5);
            let rect = centered(area, 50.min(area.width - 2), height);
            let mut lines = vec![
                Line::from(vec![
                    Span::raw("go to: "),
                    Span::styled(format!("{query}▏"), BOLD),
                ]),
                Line::default(),
            ];
            let sel = (*selected).min(matches.len().saturating_sub(1));
            for (i, id) in matches
                .iter()
                .enumerate()
                .take(usize::from(height.saturating_sub(4)))
            {
                let Some(c) = s.channel(*id) else { continue };
                let place = c.community_slug.clone().unwrap_or_default();
                let mut line = Line::from(vec![
                    Span::raw(s.channel_label(c)),
                    Span::styled(format!("  {place}"), DIM),
                    Span::styled(
                        if c.unread_count > 0 {
                            format!("  {} unread", c.unread_count)
                        } else {
                            String::new()
                        },
                        Style::new().fg(Color::Cyan),
                    ),
                ]);
                if i == sel {
                    line = line.style(SELECTED);
                }
                lines.push(line);
            }
            if matches.is_empty() {
                lines.push(Line::from(Span::styled("no channel matches", DIM)));
            }
            popup(frame, rect, " Quick switcher · ↑↓ Enter ", lines);
        }
        Overlay::Search {
            query,
            results,
            selected,
            loading,
        } => {
            let width = area.width.saturating_sub(6).min(100);
            let max = area.height.saturating_sub(4);
            let wanted = results.as_ref().map_or(0, |r| r.len() as u16 * 2 + 1) + 6;
            let height = wanted.min(max);
            let rect = centered(area, width, height);
            let mut lines = vec![
                Line::from(vec![
                    Span::raw("search: "),
                    Span::styled(format!("{query}▏"), BOLD),
                ]),
                Line::from(Span::styled(
                    "words, \"phrases\", -not, from:@user, in:#channel, before:/after:/on:YYYY-MM-DD, has:link",
                    DIM,
                )),
                Line::default(),
            ];
            match results {
                _ if *loading => lines.push(Line::from(Span::styled("searching…", DIM))),
                None => lines.push(Line::from(Span::styled("Enter searches", DIM))),
                Some(list) if list.is_empty() => lines.push(Line::from("no results")),
                Some(list) => {
                    let sel = (*selected).min(list.len() - 1);
                    let room = (usize::from(height.saturating_sub(6)) / 2).max(1);
                    let skip = sel.saturating_sub(room.saturating_sub(1));
                    for (i, r) in list.iter().enumerate().skip(skip).take(room) {
                        let place = match (&r.channel.community_slug, &r.channel.name) {
                            (Some(slug), Some(name)) => format!("{slug}#{name}"),
                            _ => "direct message".to_owned(),
                        };
                        let when = local(s, r.message.created_at).format("%Y-%m-%d %H:%M");
                        let mut head = Line::from(vec![
                            Span::styled(r.message.author_username.clone(), BOLD),
                            Span::styled(format!("  {place}  {when}"), DIM),
                        ]);
                        let snippet = r.snippet.replace("<mark>", "").replace("</mark>", "");
                        let snippet = unescape(&snippet);
                        let mut body = Line::from(format!("  {}", snippet.replace('\n', " ")));
                        if i == sel {
                            head = head.style(SELECTED);
                            body = body.style(SELECTED);
                        }
                        lines.push(head);
                        lines.push(body);
                    }
                    lines.push(Line::from(Span::styled(
                        "↑↓ choose · Enter jumps to the message",
                        DIM,
                    )));
                }
            }
            popup(frame, rect, " Search ", lines);
        }
        Overlay::Notifications {
            list,
            selected,
            loading,
        } => {
            let width = area.width.saturating_sub(6).min(100);
            let height = (list.len().max(1) as u16 + 3).min(area.height.saturating_sub(4));
            let rect = centered(area, width, height);
            let mut lines = Vec::new();
            if *loading {
                lines.push(Line::from(Span::styled("loading…", DIM)));
            } else if list.is_empty() {
                lines.push(Line::from("no notifications"));
            }
            let room = usize::from(height.saturating_sub(3)).max(1);
            let skip = selected.saturating_sub(room.saturating_sub(1));
            for (i, n) in list.iter().enumerate().skip(skip).take(room) {
                let text = |k: &str| {
                    n.data
                        .get(k)
                        .and_then(|v| v.as_str())
                        .unwrap_or_default()
                        .to_owned()
                };
                let what = match n.kind {
                    NotificationKind::Mention => format!(
                        "{} mentioned you: {}",
                        text("author_username"),
                        text("preview")
                    ),
                    NotificationKind::Dm => format!(
                        "{} wrote to you: {}",
                        text("author_username"),
                        text("preview")
                    ),
                    NotificationKind::ThreadReply => {
                        format!("{} replied: {}", text("author_username"), text("preview"))
                    }
                    NotificationKind::Invite => "you were added to a channel".to_owned(),
                    NotificationKind::System => text("message"),
                };
                let mark = if n.read {
                    Span::raw("  ")
                } else {
                    Span::styled("• ", BOLD.fg(Color::Yellow))
                };
                let when = local(s, n.created_at).format("%m-%d %H:%M").to_string();
                let style = if n.read { DIM } else { Style::new() };
                let mut line = Line::from(vec![
                    mark,
                    Span::styled(format!("{when}  "), DIM),
                    Span::styled(what, style),
                ]);
                if i == *selected {
                    line = line.style(SELECTED);
                }
                lines.push(line);
            }
            lines.push(Line::from(Span::styled(
                "Enter opens · m marks read · a marks all read · Esc closes",
                DIM,
            )));
            popup(
                frame,
                rect,
                &format!(" Notifications · {} unread ", s.unread_notifications),
                lines,
            );
        }
    }
}

fn help(frame: &mut Frame<'_>, s: &State, area: Rect) {
    let mut left = vec![Line::from(Span::styled(
        "Normal mode (Esc)",
        BOLD.fg(Color::Magenta),
    ))];
    for (command, _, what) in Command::ALL {
        let keys = s.keymap.keys_for(command);
        if keys.is_empty() {
            continue;
        }
        left.push(Line::from(vec![
            Span::styled(format!("{:<18}", keys.join(", ")), BOLD),
            Span::raw(what),
        ]));
    }
    let mut right = vec![Line::from(Span::styled(
        "Insert mode (i)",
        BOLD.fg(Color::Magenta),
    ))];
    for (keys, what) in [
        ("Enter", "send (/command runs it)"),
        ("Alt+Enter, Ctrl+J", "new line"),
        ("Tab", "complete / @ # :emoji:"),
        ("↑ ↓", "what you sent before"),
        ("Ctrl+E", "write in $EDITOR"),
        ("Ctrl+W", "delete a word"),
        ("Ctrl+U", "delete to line start"),
        ("Ctrl+K", "quick switcher"),
        ("Ctrl+N, Ctrl+P", "next, previous channel"),
        ("Esc", "normal mode"),
        ("Ctrl+C", "quit"),
    ] {
        right.push(Line::from(vec![
            Span::styled(format!("{keys:<18}"), BOLD),
            Span::raw(what),
        ]));
    }
    right.push(Line::default());
    right.push(Line::from(Span::styled("Mouse", BOLD.fg(Color::Magenta))));
    right.push(Line::from("click a channel or a message,"));
    right.push(Line::from("scroll the history"));
    right.push(Line::default());
    right.push(Line::from(Span::styled(
        "Keys change in the [keys] table",
        DIM,
    )));
    right.push(Line::from(Span::styled("of the config file.", DIM)));
    let block = pane(Line::from(" Keys · Esc closes "), true);
    if area.width >= 100 {
        // Side by side, so that both lists fit a terminal of ordinary height.
        let height = (left.len().max(right.len()) as u16 + 2).min(area.height);
        let rect = centered(area, 100, height);
        frame.render_widget(Clear, rect);
        let inner = block.inner(rect);
        frame.render_widget(block, rect);
        let [l, r] = Layout::horizontal([Constraint::Percentage(57), Constraint::Percentage(43)])
            .areas(inner);
        frame.render_widget(Paragraph::new(left), l);
        frame.render_widget(Paragraph::new(right), r);
    } else {
        left.push(Line::default());
        left.extend(right);
        let height = (left.len() as u16 + 2).min(area.height);
        let rect = centered(area, 76.min(area.width), height);
        frame.render_widget(Clear, rect);
        frame.render_widget(
            Paragraph::new(left).wrap(Wrap { trim: false }).block(block),
            rect,
        );
    }
}

fn popup(frame: &mut Frame<'_>, rect: Rect, title: &str, lines: Vec<Line<'_>>) {
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(pane(Line::from(Span::styled(title.to_owned(), BOLD)), true))
            .style(Style::new().add_modifier(Modifier::empty())),
        rect,
    );
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [rect] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(row);
    rect
}

/// The snippet's HTML escapes, undone for the terminal.
fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}
