//! A webhook's cards in the message pane: each an indented block behind a bar in the
//! card's colour (the nearest terminal colour), with its author line, bold title, text,
//! fields as `title: value`, an image link and a dimmed footer.
//!
//! Every part of a card is markdown (the plain-text parts are escaped markdown that reads
//! as written), so each goes through the pane's markdown renderer, which wraps it to the
//! width left beside the bar.

use ajet_core::cards::Card;
use ajet_core::dto::MessageMeta;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};

use super::DIM;
use crate::tui::markdown;
use crate::tui::state::State;
use crate::tui::update::local;

/// The lines of a message that has cards: its text before them, then each card.
pub fn lines(s: &State, meta: &MessageMeta, width: u16, me: Option<&str>) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    if let Some(text) = meta.text.as_deref().filter(|t| !t.trim().is_empty()) {
        out.extend(markdown::render(text, width, me));
    }
    for (i, card) in meta.cards.iter().enumerate() {
        if i > 0 {
            // Two bars in a row would read as one card where colours do not show.
            out.push(Line::default());
        }
        out.extend(card_lines(s, card, width, me));
    }
    out
}

fn card_lines(s: &State, card: &Card, width: u16, me: Option<&str>) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    if let Some(pretext) = &card.pretext {
        out.extend(markdown::render(pretext, width, me));
    }
    let inner = width.saturating_sub(2).max(4);
    // Each part with the style it is drawn in (on top of its markdown's own).
    let mut parts: Vec<(String, Style)> = Vec::new();
    if let Some(author) = &card.author_name {
        // Inside emphasis, so that a name that starts like a block (`# `, `1. `) stays text.
        parts.push((
            linked(&format!("_{author}_"), card.author_link.as_deref()),
            Style::new(),
        ));
    }
    if let Some(title) = &card.title {
        parts.push((
            linked(&format!("**{title}**"), card.title_link.as_deref()),
            Style::new(),
        ));
    }
    if let Some(text) = &card.text {
        parts.push((text.clone(), Style::new()));
    }
    for field in &card.fields {
        let part = match (field.title.is_empty(), field.value.trim().is_empty()) {
            (false, false) => format!("**{}**: {}", field.title, field.value),
            (false, true) => format!("**{}**", field.title),
            (true, _) => field.value.clone(),
        };
        parts.push((part, Style::new()));
    }
    if let Some(url) = &card.image_url {
        parts.push((linked("🖼 image", Some(url)), Style::new()));
    }
    let mut foot: Vec<String> = card.footer.iter().cloned().collect();
    if let Some(ts) = card.ts {
        foot.push(local(s, ts).format("%Y-%m-%d %H:%M").to_string());
    }
    if !foot.is_empty() {
        parts.push((format!("_{}_", foot.join(" · ")), DIM));
    }
    let bar = Span::styled("▌ ", Style::new().fg(colour(card.color.as_deref())));
    for (part, style) in parts {
        for line in markdown::render(&part, inner, me) {
            // On the spans, not the line: the pane rebuilds each line from its spans.
            let mut spans = vec![bar.clone()];
            spans.extend(line.spans.into_iter().map(|span| span.patch_style(style)));
            out.push(Line::from(spans));
        }
    }
    out
}

/// `label` (markdown) linked to `url` when there is one.
fn linked(label: &str, url: Option<&str>) -> String {
    match url {
        Some(url) => {
            let dest = url.replace('<', "%3C").replace('>', "%3E");
            format!("[{label}](<{dest}>)")
        }
        None => label.to_owned(),
    }
}

/// The terminal colour nearest in hue to a card's `#rrggbb`: what reads as green stays
/// green (Slack's `good`, `#2eb886`, is closer to cyan by plain RGB distance). Greys, and a
/// missing or unreadable colour, give a grey bar.
pub fn colour(hex: Option<&str>) -> Color {
    let Some((r, g, b)) = hex.and_then(rgb) else {
        return Color::DarkGray;
    };
    let (r, g, b) = (
        f32::from(r) / 255.0,
        f32::from(g) / 255.0,
        f32::from(b) / 255.0,
    );
    let max = r.max(g).max(b);
    let min = r.min(g).min(b);
    let lightness = (max + min) / 2.0;
    let chroma = max - min;
    if chroma < 0.15 {
        return if lightness > 0.6 {
            Color::Gray
        } else {
            Color::DarkGray
        };
    }
    let hue = if max == r {
        60.0 * ((g - b) / chroma).rem_euclid(6.0)
    } else if max == g {
        60.0 * ((b - r) / chroma + 2.0)
    } else {
        60.0 * ((r - g) / chroma + 4.0)
    };
    let light = lightness > 0.7;
    match hue {
        h if !(15.0..330.0).contains(&h) => pick(light, Color::LightRed, Color::Red),
        h if h < 70.0 => pick(light, Color::LightYellow, Color::Yellow),
        h if h < 165.0 => pick(light, Color::LightGreen, Color::Green),
        h if h < 200.0 => pick(light, Color::LightCyan, Color::Cyan),
        h if h < 260.0 => pick(light, Color::LightBlue, Color::Blue),
        _ => pick(light, Color::LightMagenta, Color::Magenta),
    }
}

fn pick(light: bool, bright: Color, normal: Color) -> Color {
    if light { bright } else { normal }
}

fn rgb(hex: &str) -> Option<(u8, u8, u8)> {
    let digits = hex.strip_prefix('#')?;
    if digits.len() != 6 || !digits.is_ascii() {
        return None;
    }
    let part = |i: usize| u8::from_str_radix(&digits[i..i + 2], 16).ok();
    Some((part(0)?, part(2)?, part(4)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_colours_map_to_the_terminal_colour_of_their_hue() {
        assert_eq!(colour(Some("#2eb886")), Color::Green); // Slack's good
        assert_eq!(colour(Some("#daa038")), Color::Yellow); // Slack's warning
        assert_eq!(colour(Some("#a30200")), Color::Red); // Slack's danger
        assert_eq!(colour(Some("#d40e0d")), Color::Red);
        assert_eq!(colour(Some("#1264a3")), Color::Blue);
        assert_eq!(colour(Some("#8e44ad")), Color::Magenta);
        assert_eq!(colour(Some("#17a2b8")), Color::Cyan);
        assert_eq!(colour(Some("#ffb3b3")), Color::LightRed);
        assert_eq!(colour(Some("#cccccc")), Color::Gray);
        assert_eq!(colour(Some("#333333")), Color::DarkGray);
        assert_eq!(colour(Some("red")), Color::DarkGray);
        assert_eq!(colour(Some("#12345")), Color::DarkGray);
        assert_eq!(colour(None), Color::DarkGray);
    }
}
