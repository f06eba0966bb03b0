//! Message markdown as styled terminal lines: bold, italic, strikethrough, inline code,
//! code blocks, quotes, lists, headings, links shown with their target, and mentions
//! (of the reader highlighted). Wrapped to the pane's width here, so that the message pane
//! knows each message's height without drawing it.

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The style of a mention of the reader (`@me`, `@channel`, `@here`).
pub const MENTION_OF_ME: Style = Style::new()
    .fg(Color::Black)
    .bg(Color::Yellow)
    .add_modifier(Modifier::BOLD);
const MENTION: Style = Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD);
const CODE: Style = Style::new().fg(Color::Yellow);
const DIM: Style = Style::new().fg(Color::DarkGray);

/// One line before wrapping: its prefix on the first row, on the following rows, and its
/// spans.
#[derive(Default)]
struct Logical {
    first: Vec<Span<'static>>,
    rest: Vec<Span<'static>>,
    spans: Vec<Span<'static>>,
}

struct Builder<'a> {
    me: Option<&'a str>,
    lines: Vec<Logical>,
    current: Option<Logical>,
    styles: Vec<Style>,
    quote: usize,
    lists: Vec<Option<u64>>,
    item_marker: Option<String>,
    code_block: bool,
    links: Vec<(String, usize)>,
}

/// `markdown` as lines of at most `width` cells; mentions of `me` (a username) stand out.
pub fn render(markdown: &str, width: u16, me: Option<&str>) -> Vec<Line<'static>> {
    let mut b = Builder {
        me,
        lines: Vec::new(),
        current: None,
        styles: vec![Style::new()],
        quote: 0,
        lists: Vec::new(),
        item_marker: None,
        code_block: false,
        links: Vec::new(),
    };
    let options = Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    for event in Parser::new_ext(markdown, options) {
        b.event(event);
    }
    b.flush();
    let mut out = Vec::new();
    for logical in b.lines {
        wrap(logical, usize::from(width.max(4)), &mut out);
    }
    if out.is_empty() {
        out.push(Line::default());
    }
    out
}

impl Builder<'_> {
    fn style(&self) -> Style {
        self.styles.last().copied().unwrap_or_default()
    }

    fn push_style(&mut self, f: impl FnOnce(Style) -> Style) {
        let s = f(self.style());
        self.styles.push(s);
    }

    fn pop_style(&mut self) {
        if self.styles.len() > 1 {
            self.styles.pop();
        }
    }

    /// The line being built, started with the prefixes of the quotes and lists it is in.
    fn line(&mut self) -> &mut Logical {
        if self.current.is_none() {
            let mut first = Vec::new();
            let mut rest = Vec::new();
            for _ in 0..self.quote {
                first.push(Span::styled("│ ", DIM));
                rest.push(Span::styled("│ ", DIM));
            }
            let depth = self.lists.len();
            if depth > 0 {
                let indent = "  ".repeat(depth - 1);
                let marker = self.item_marker.take();
                let width = marker.as_deref().map_or(2, UnicodeWidthStr::width);
                first.push(Span::raw(format!(
                    "{indent}{}",
                    marker.unwrap_or_else(|| "  ".into())
                )));
                rest.push(Span::raw(format!("{indent}{}", " ".repeat(width))));
            }
            self.current = Some(Logical {
                first,
                rest,
                spans: Vec::new(),
            });
        }
        self.current.get_or_insert_with(Logical::default)
    }

    fn flush(&mut self) {
        if let Some(line) = self.current.take() {
            self.lines.push(line);
        }
    }

    fn text(&mut self, text: &str) {
        let style = self.style();
        if self.code_block {
            let mut parts = text.split('\n').peekable();
            while let Some(part) = parts.next() {
                if parts.peek().is_none() && part.is_empty() {
                    break;
                }
                self.line().first.push(Span::styled("▏ ", DIM));
                let line = self.line();
                line.rest.push(Span::styled("▏ ", DIM));
                line.spans.push(Span::styled(part.to_owned(), CODE));
                self.flush();
            }
            return;
        }
        let me = self.me;
        let spans = mention_spans(text, style, me);
        self.line().spans.extend(spans);
    }

    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(t) => self.text(&t),
            Event::Code(t) => {
                let style = self.style().patch(CODE);
                self.line().spans.push(Span::styled(t.into_string(), style));
            }
            Event::Html(t) | Event::InlineHtml(t) => {
                let t = t.trim_end_matches('\n').to_owned();
                self.text(&t);
            }
            Event::SoftBreak => self.text(" "),
            Event::HardBreak => {
                self.line();
                self.flush();
            }
            Event::Rule => {
                self.line().spans.push(Span::styled("────────", DIM));
                self.flush();
            }
            Event::TaskListMarker(done) => {
                let mark = if done { "[x] " } else { "[ ] " };
                self.line().spans.push(Span::raw(mark));
            }
            _ => {}
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Heading { .. } => {
                self.flush();
                self.push_style(|s| s.add_modifier(Modifier::BOLD | Modifier::UNDERLINED));
            }
            Tag::BlockQuote(_) => {
                self.flush();
                self.quote += 1;
                self.push_style(|s| s.add_modifier(Modifier::ITALIC));
            }
            Tag::CodeBlock(kind) => {
                self.flush();
                self.code_block = true;
                if let CodeBlockKind::Fenced(lang) = kind
                    && !lang.is_empty()
                {
                    self.line()
                        .spans
                        .push(Span::styled(lang.into_string(), DIM));
                    self.flush();
                }
            }
            Tag::List(start) => {
                self.flush();
                self.lists.push(start);
            }
            Tag::Item => {
                self.flush();
                let marker = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        let m = format!("{n}. ");
                        *n += 1;
                        m
                    }
                    _ => "• ".to_owned(),
                };
                self.item_marker = Some(marker);
            }
            Tag::Emphasis => self.push_style(|s| s.add_modifier(Modifier::ITALIC)),
            Tag::Strong => self.push_style(|s| s.add_modifier(Modifier::BOLD)),
            Tag::Strikethrough => self.push_style(|s| s.add_modifier(Modifier::CROSSED_OUT)),
            Tag::Link { dest_url, .. } => {
                let at = self.line().spans.len();
                self.links.push((dest_url.into_string(), at));
                self.push_style(|s| s.fg(Color::Blue).add_modifier(Modifier::UNDERLINED));
            }
            Tag::Image { dest_url, .. } => {
                self.line().spans.push(Span::styled("[image: ", DIM));
                self.links.push((dest_url.into_string(), usize::MAX));
            }
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph | TagEnd::Item => self.flush(),
            TagEnd::Heading(_) => {
                self.pop_style();
                self.flush();
            }
            TagEnd::BlockQuote(_) => {
                self.flush();
                self.quote = self.quote.saturating_sub(1);
                self.pop_style();
            }
            TagEnd::CodeBlock => {
                self.flush();
                self.code_block = false;
            }
            TagEnd::List(_) => {
                self.flush();
                self.lists.pop();
            }
            TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough => self.pop_style(),
            TagEnd::Link => {
                self.pop_style();
                if let Some((url, at)) = self.links.pop() {
                    let line = self.line();
                    let shown: String = line
                        .spans
                        .iter()
                        .skip(at)
                        .map(|s| s.content.as_ref())
                        .collect();
                    // An autolink already shows its target.
                    if shown != url && shown.trim_start_matches("mailto:") != url {
                        line.spans.push(Span::styled(format!(" ({url})"), DIM));
                    }
                }
            }
            TagEnd::Image => {
                if let Some((url, _)) = self.links.pop() {
                    self.line()
                        .spans
                        .push(Span::styled(format!("] ({url})"), DIM));
                }
            }
            _ => {}
        }
    }
}

/// `text` in spans, its `@mentions` styled; those of `me`, `@channel` and `@here` stand out.
fn mention_spans(text: &str, base: Style, me: Option<&str>) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    let mut plain = String::new();
    let mut chars = text.char_indices().peekable();
    let mut prev: Option<char> = None;
    while let Some((i, c)) = chars.next() {
        let at_word_start = prev.is_none_or(|p| p.is_whitespace() || "([{\"'".contains(p));
        if c == '@' && at_word_start {
            let rest = &text[i + 1..];
            let len = rest
                .char_indices()
                .find(|(_, ch)| !(ch.is_alphanumeric() || *ch == '_' || *ch == '-' || *ch == '.'))
                .map_or(rest.len(), |(j, _)| j);
            let name = rest[..len].trim_end_matches(['.', '-']);
            if !name.is_empty() {
                if !plain.is_empty() {
                    spans.push(Span::styled(std::mem::take(&mut plain), base));
                }
                let mine = name.eq_ignore_ascii_case("channel")
                    || name.eq_ignore_ascii_case("here")
                    || me.is_some_and(|me| name.eq_ignore_ascii_case(me));
                let style = if mine {
                    MENTION_OF_ME
                } else {
                    base.patch(MENTION)
                };
                spans.push(Span::styled(format!("@{name}"), style));
                // Skip the name's characters.
                let end = i + 1 + name.len();
                while chars.peek().is_some_and(|(j, _)| *j < end) {
                    chars.next();
                }
                prev = name.chars().last();
                continue;
            }
        }
        plain.push(c);
        prev = Some(c);
    }
    if !plain.is_empty() {
        spans.push(Span::styled(plain, base));
    }
    spans
}

/// Whether `markdown` mentions `me` (or everyone): the same rule the highlighting uses.
pub fn mentions(markdown: &str, me: &str) -> bool {
    ajet_core::mentions::parse(markdown)
        .iter()
        .any(|m| match m {
            ajet_core::mentions::Mention::User(name) => name.eq_ignore_ascii_case(me),
            _ => true,
        })
}

/// Wraps one logical line at word boundaries (breaking words longer than a row).
fn wrap(logical: Logical, width: usize, out: &mut Vec<Line<'static>>) {
    let prefix_width = |p: &[Span<'static>]| p.iter().map(|s| s.content.width()).sum::<usize>();
    let first_width = prefix_width(&logical.first);
    let rest_width = prefix_width(&logical.rest);
    let mut row: Vec<Span<'static>> = logical.first.clone();
    let mut avail = width.saturating_sub(first_width).max(1);
    let mut used = 0usize;
    let mut rows = 0usize;
    let mut new_row = |row: &mut Vec<Span<'static>>, used: &mut usize, avail: &mut usize| {
        let done = std::mem::replace(row, logical.rest.clone());
        out.push(Line::from(done));
        *used = 0;
        *avail = width.saturating_sub(rest_width).max(1);
    };
    for span in logical.spans {
        let style = span.style;
        for word in split_keep_spaces(&span.content) {
            let w = word.width();
            if used + w > avail && used > 0 {
                new_row(&mut row, &mut used, &mut avail);
                rows += 1;
                if word.trim().is_empty() {
                    continue;
                }
            }
            if w <= avail {
                push(&mut row, word, style);
                used += w;
                continue;
            }
            // A word longer than a whole row: break it by characters.
            let mut piece = String::new();
            for c in word.chars() {
                let cw = c.width().unwrap_or(0);
                if used + cw > avail {
                    push(&mut row, &piece, style);
                    piece.clear();
                    new_row(&mut row, &mut used, &mut avail);
                    rows += 1;
                }
                piece.push(c);
                used += cw;
            }
            push(&mut row, &piece, style);
        }
    }
    let _ = rows;
    out.push(Line::from(row));
}

fn push(row: &mut Vec<Span<'static>>, text: &str, style: Style) {
    if text.is_empty() {
        return;
    }
    match row.last_mut() {
        Some(last) if last.style == style => last.content.to_mut().push_str(text),
        _ => row.push(Span::styled(text.to_owned(), style)),
    }
}

/// Words with their trailing spaces, so that wrapping keeps the spacing within a row.
fn split_keep_spaces(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut in_space = false;
    for (i, c) in s.char_indices() {
        if c == ' ' {
            in_space = true;
        } else if in_space {
            parts.push(&s[start..i]);
            start = i;
            in_space = false;
        }
    }
    if start < s.len() {
        parts.push(&s[start..]);
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(lines: &[Line<'_>]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn block_elements_get_their_prefixes() {
        let md = "# Title\n\n> quoted\n\n- one\n- two\n\n1. first\n\n```rust\nlet x = 1;\n```\nsee [docs](https://x.test) and <https://y.test>";
        assert_eq!(
            plain(&render(md, 60, None)),
            vec![
                "Title",
                "│ quoted",
                "• one",
                "• two",
                "1. first",
                "rust",
                "▏ let x = 1;",
                "see docs (https://x.test) and https://y.test",
            ]
        );
    }

    #[test]
    fn inline_styles_are_applied() {
        let lines = render("**b** *i* ~~s~~ `c`", 40, None);
        let spans = &lines[0].spans;
        assert!(spans[0].style.add_modifier.contains(Modifier::BOLD));
        assert!(spans[2].style.add_modifier.contains(Modifier::ITALIC));
        assert!(spans[4].style.add_modifier.contains(Modifier::CROSSED_OUT));
        assert_eq!(spans[6].style.fg, Some(Color::Yellow));
    }

    #[test]
    fn mentions_of_the_reader_stand_out() {
        let lines = render("hi @bob and @alice, mail bob@x.test", 80, Some("bob"));
        let styled: Vec<_> = lines[0]
            .spans
            .iter()
            .map(|s| (s.content.as_ref(), s.style == MENTION_OF_ME))
            .collect();
        assert!(styled.contains(&("@bob", true)));
        assert!(styled.contains(&("@alice", false)));
        assert!(plain(&lines)[0].ends_with("mail bob@x.test"));
        assert!(mentions("hey @Bob", "bob"));
        assert!(!mentions("`@bob`", "bob"));
    }

    #[test]
    fn long_lines_wrap_at_words_and_quotes_keep_their_bar() {
        let lines = render("> aaa bbb ccc ddd", 10, None);
        assert_eq!(plain(&lines), vec!["│ aaa bbb ", "│ ccc ddd"]);
        let lines = render("abcdefghijkl", 5, None);
        assert_eq!(plain(&lines), vec!["abcde", "fghij", "kl"]);
    }
}
