//! Drawing: a pure function of the state. Nothing here waits, fetches or changes state.

mod cards;
pub mod messages;
mod overlays;
mod sidebar;
mod status;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Paragraph, Wrap};

use super::state::{Focus, MIN_SIZE, State};

/// Where each pane is drawn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Areas {
    pub sidebar: Option<Rect>,
    pub messages: Rect,
    pub thread: Option<Rect>,
    pub input: Rect,
    pub status: Rect,
}

/// How many rows the composer may grow to.
const INPUT_MAX_ROWS: u16 = 8;
const SIDEBAR_WIDTH: u16 = 26;

/// The panes' places for the state's terminal size (also used to map mouse clicks).
pub fn layout(s: &State) -> Areas {
    layout_in(s, Rect::new(0, 0, s.size.0, s.size.1))
}

/// The panes' places in `area`.
fn layout_in(s: &State, area: Rect) -> Areas {
    let inner_width = area.width.saturating_sub(2);
    let rows = s.composer.layout(inner_width).0.len() as u16;
    let input_height = rows.clamp(1, INPUT_MAX_ROWS) + 2;
    let [main, input, status] = Layout::vertical([
        Constraint::Min(3),
        Constraint::Length(input_height),
        Constraint::Length(1),
    ])
    .areas(area);
    let mut areas = Areas {
        input,
        status,
        ..Areas::default()
    };
    let mut rest = main;
    if s.sidebar_visible() {
        if s.narrow() {
            // On a narrow terminal the sidebar takes the whole width while it shows.
            areas.sidebar = Some(main);
            areas.messages = Rect::new(main.x, main.y, 0, 0);
            return areas;
        }
        let [side, right] =
            Layout::horizontal([Constraint::Length(SIDEBAR_WIDTH), Constraint::Min(20)])
                .areas(main);
        areas.sidebar = Some(side);
        rest = right;
    }
    if s.thread.is_some() {
        if rest.width >= 90 {
            let [msgs, thread] =
                Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
                    .areas(rest);
            areas.messages = msgs;
            areas.thread = Some(thread);
        } else {
            // Too narrow for both: the thread takes the pane.
            areas.messages = Rect::new(rest.x, rest.y, 0, 0);
            areas.thread = Some(rest);
        }
    } else {
        areas.messages = rest;
    }
    areas
}

/// Draws the whole screen.
pub fn draw(frame: &mut Frame<'_>, s: &State) {
    let area = frame.area();
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
        let text = format!(
            "The terminal is too small ({}×{}).\nMake it at least {}×{}, or press Ctrl+C to quit.",
            area.width, area.height, MIN_SIZE.0, MIN_SIZE.1
        );
        frame.render_widget(
            Paragraph::new(text)
                .style(Style::new().fg(Color::Yellow))
                .wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    let areas = layout_in(s, area);
    if let Some(side) = areas.sidebar {
        sidebar::draw(frame, s, side);
    }
    if areas.messages.width > 0 {
        messages::draw_channel(frame, s, areas.messages);
    }
    if let Some(thread) = areas.thread {
        messages::draw_thread(frame, s, thread);
    }
    status::draw_input(frame, s, areas.input);
    status::draw_status(frame, s, areas.status);
    overlays::draw(frame, s, area);
}

/// A pane's frame: rounded, its border bright when it has the focus.
pub fn pane<'a>(title: Line<'a>, focused: bool) -> Block<'a> {
    let border = if focused {
        Style::new().fg(Color::Cyan)
    } else {
        Style::new().fg(Color::DarkGray)
    };
    Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(border)
        .title(title)
}

pub fn focused(s: &State, focus: Focus) -> bool {
    s.overlay.is_none() && s.focus == focus
}

pub const BOLD: Style = Style::new().add_modifier(Modifier::BOLD);
pub const DIM: Style = Style::new().fg(Color::DarkGray);
