//! Turning other people's words into inert markdown, and bounding what is rendered.
//!
//! Everything a native payload carries (commit messages, titles, bodies, labels, names) goes
//! through [`escape`] or [`quote`]: the result reads as the same text, but nothing in it
//! formats, links, embeds HTML or mentions anyone. A mention (see `ajet_core::mentions`) needs
//! an `@` at the start of a word followed by a name character; a word joiner (U+2060) after
//! such an `@` keeps the text readable and the mention dead. Backslash escapes would not do:
//! the markdown parser removes them before mentions are read.

/// Marks text that was cut short.
pub const ELLIPSIS: &str = "…";
/// Invisible, and not a name character: `@\u{2060}channel` mentions nobody.
const WORD_JOINER: char = '\u{2060}';

/// Longest rendered body, in characters (below the message limit, leaving room for the api).
pub const MAX_BODY_CHARS: usize = 12_000;
/// Most lines a rendered body keeps.
pub const MAX_BODY_LINES: usize = 300;
/// Longest single-line piece of outside text (a title, a commit's first line, a label).
pub const MAX_LINE_CHARS: usize = 300;

/// `s` cut to at most `max` characters, ending with `…` when it was cut.
pub fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_owned(),
        Some(_) => {
            let keep = max.saturating_sub(1);
            let end = s.char_indices().nth(keep).map_or(s.len(), |(i, _)| i);
            format!("{}{ELLIPSIS}", s[..end].trim_end())
        }
    }
}

/// The first line of `s`, trimmed and bounded: what a commit list or a title shows.
pub fn first_line(s: &str) -> String {
    truncate(s.lines().next().unwrap_or("").trim(), MAX_LINE_CHARS)
}

/// Whether `&` at the start of `rest` would be read as a character reference (`&amp;`, `&#60;`).
fn starts_entity(rest: &str) -> bool {
    let body = &rest[1..];
    let len = body
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '#'))
        .unwrap_or(body.len());
    len > 0 && body[len..].starts_with(';')
}

/// Pushes `s` onto `out` escaped for inline markdown: one line (line breaks become spaces),
/// no formatting, links, HTML, entities or mentions.
fn push_escaped(out: &mut String, s: &str) {
    let mut prev: Option<char> = None;
    for (i, c) in s.char_indices() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '~' | '|' => {
                out.push('\\');
                out.push(c);
            }
            '&' if starts_entity(&s[i..]) => out.push_str("\\&"),
            '@' => {
                out.push('@');
                let next = s[i + 1..].chars().next();
                if !prev.is_some_and(|p| p.is_alphanumeric())
                    && next.is_some_and(|n| n.is_ascii_alphanumeric())
                {
                    out.push(WORD_JOINER);
                }
            }
            '\n' | '\r' | '\t' => {
                if !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
        prev = Some(c);
    }
}

/// `s` as inline markdown that shows exactly this text (bounded to one line of
/// [`MAX_LINE_CHARS`]).
pub fn escape(s: &str) -> String {
    let s = truncate(s.trim(), MAX_LINE_CHARS);
    let mut out = String::with_capacity(s.len() + 8);
    push_escaped(&mut out, &s);
    out
}

/// One line of outside text as a markdown line that shows exactly this text, including what
/// would start a block at the beginning of a line (`#`, `-`, `+`, `=`, `1.`, indentation).
fn escape_line(line: &str) -> String {
    let line = line.trim_start();
    let mut out = String::with_capacity(line.len() + 8);
    let digits = line.find(|c: char| !c.is_ascii_digit()).unwrap_or(0);
    if line.starts_with(['#', '-', '+', '=']) {
        out.push('\\');
    } else if digits > 0 && line[digits..].starts_with(['.', ')']) {
        out.push_str(&line[..digits]);
        out.push('\\');
        push_escaped(&mut out, &line[digits..]);
        return out;
    }
    push_escaped(&mut out, line);
    out
}

/// Multi-line outside text as markdown lines that show exactly this text, bounded to
/// `max_chars` characters (used for Slack's rich text, whose words are literal).
/// The first line is taken as the middle of a line (its leading spaces kept).
pub fn escape_lines(s: &str, max_chars: usize) -> String {
    let s = truncate(s, max_chars).replace("\r\n", "\n");
    let mut lines = s.split('\n');
    let mut out = String::with_capacity(s.len() + 8);
    push_escaped(&mut out, lines.next().unwrap_or(""));
    for line in lines {
        out.push('\n');
        out.push_str(&escape_line(line));
    }
    out
}

/// Removes HTML comments (`<!-- … -->`, which pull request templates are full of).
fn strip_comments(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("<!--") {
        out.push_str(&rest[..start]);
        match rest[start..].find("-->") {
            Some(end) => rest = &rest[start + end + 3..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Multi-line outside text (an issue body, a comment, an alert description) as a markdown
/// quote that shows this text, cut to `max_lines` lines and `max_chars` characters.
/// `None` when there is nothing to show.
pub fn quote(s: &str, max_lines: usize, max_chars: usize) -> Option<String> {
    let s = strip_comments(s).replace("\r\n", "\n");
    let lines: Vec<&str> = s.trim().lines().map(str::trim_end).collect();
    if lines.is_empty() || lines.iter().all(|l| l.is_empty()) {
        return None;
    }
    let mut out = String::new();
    let mut chars = 0usize;
    let mut cut = false;
    let mut blank_run = 0usize;
    for (n, line) in lines.iter().enumerate() {
        if n >= max_lines || chars >= max_chars {
            cut = true;
            break;
        }
        if line.is_empty() {
            blank_run += 1;
            if blank_run > 1 {
                continue;
            }
            out.push_str(">\n");
            continue;
        }
        blank_run = 0;
        let room = max_chars - chars;
        let shown = truncate(line, room.max(1));
        if shown.len() < line.len() {
            cut = true;
        }
        chars += shown.chars().count();
        out.push_str("> ");
        out.push_str(&escape_line(&shown));
        out.push('\n');
        if cut {
            break;
        }
    }
    if cut && !out.trim_end().ends_with(ELLIPSIS) {
        out.push_str("> ");
        out.push_str(ELLIPSIS);
        out.push('\n');
    }
    Some(out.trim_end().to_owned())
}

/// `s` as an inline code span: shown verbatim, never formatted, linked or mentioning.
pub fn code(s: &str) -> String {
    let s: String = truncate(s.trim(), MAX_LINE_CHARS)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if s.is_empty() {
        return String::new();
    }
    let mut longest = 0usize;
    let mut run = 0usize;
    for c in s.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// `url` when it is safe to link to: an absolute `http`, `https` or `mailto` URL with no
/// spaces or control characters.
pub fn safe_link_url(url: &str) -> Option<&str> {
    let url = url.trim();
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let scheme_ok = lower.starts_with("http://") && url.len() > 7
        || lower.starts_with("https://") && url.len() > 8
        || lower.starts_with("mailto:") && url.len() > 7;
    let clean = !url.chars().any(|c| c.is_whitespace() || c.is_control());
    (scheme_ok && clean && url.len() <= 2048).then_some(url)
}

/// `url` when it is an absolute `http` or `https` URL fit for an image or a card's link.
pub fn safe_http_url(url: &str) -> Option<String> {
    safe_link_url(url)
        .filter(|u| !u.get(..7).unwrap_or("").eq_ignore_ascii_case("mailto:"))
        .map(str::to_owned)
}

/// A markdown link with `label` (already safe markdown, without links) to `url`, or just
/// the label when the URL is missing or not safe to link to.
pub fn link(label: &str, url: Option<&str>) -> String {
    match url.and_then(safe_link_url) {
        Some(url) => {
            let dest = url
                .replace('\\', "%5C")
                .replace('<', "%3C")
                .replace('>', "%3E");
            format!("[{label}](<{dest}>)")
        }
        None => label.to_owned(),
    }
}

/// The rendered body, bounded to [`MAX_BODY_LINES`] lines and [`MAX_BODY_CHARS`]
/// characters; a code fence left open by the cut is closed.
pub fn bound_body(body: &str) -> String {
    let body = body.trim_matches('\n');
    if body.lines().count() <= MAX_BODY_LINES && body.chars().count() <= MAX_BODY_CHARS {
        return body.to_owned();
    }
    let mut out = String::new();
    let mut chars = 0usize;
    let mut fence: Option<String> = None;
    for (n, line) in body.lines().enumerate() {
        let len = line.chars().count() + 1;
        if n >= MAX_BODY_LINES || chars + len > MAX_BODY_CHARS {
            let room = MAX_BODY_CHARS.saturating_sub(chars + 2);
            if n < MAX_BODY_LINES && room > 40 {
                out.push_str(&truncate(line, room));
            } else {
                out.push_str(ELLIPSIS);
            }
            out.push('\n');
            break;
        }
        chars += len;
        out.push_str(line);
        out.push('\n');
        let t = line.trim_start();
        let marker: String = t.chars().take_while(|&c| c == '`' || c == '~').collect();
        if marker.len() >= 3
            && marker
                .chars()
                .all(|c| c == marker.chars().next().unwrap_or('`'))
        {
            match &fence {
                Some(open) if marker.starts_with(open.as_str()) && t.trim() == marker => {
                    fence = None;
                }
                Some(_) => {}
                None => fence = Some(marker),
            }
        }
    }
    if let Some(open) = fence {
        out.push_str(&open);
        out.push('\n');
    }
    out.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ajet_core::mentions;

    #[test]
    fn escaped_text_mentions_nobody_and_formats_nothing() {
        let s = escape("@channel @here @alice *bold* [x](javascript:alert(1)) <b>hi</b> &amp;");
        assert!(mentions::parse(&s).is_empty(), "{s}");
        assert_eq!(
            s,
            "@\u{2060}channel @\u{2060}here @\u{2060}alice \\*bold\\* \\[x\\](javascript:alert(1)) \\<b\\>hi\\</b\\> \\&amp;"
        );
        assert_eq!(
            escape("mail bob@example.com, R&D"),
            "mail bob@example.com, R&D"
        );
    }

    #[test]
    fn quoted_lines_cannot_start_blocks() {
        let q = quote(
            "# title\n- item\n1. one\n    code\n===\n\n\n\nend",
            20,
            1000,
        )
        .unwrap();
        assert_eq!(
            q,
            "> \\# title\n> \\- item\n> 1\\. one\n> code\n> \\===\n>\n> end"
        );
    }

    #[test]
    fn quotes_are_bounded_and_skip_comments() {
        let long: String = (0..50).map(|i| format!("line {i}\n")).collect();
        let q = quote(&long, 3, 1000).unwrap();
        assert_eq!(q, "> line 0\n> line 1\n> line 2\n> …");
        assert_eq!(quote("<!-- template -->\n\n", 3, 100), None);
        assert_eq!(quote(&"x".repeat(100), 3, 10).unwrap(), "> xxxxxxxxx…");
    }

    #[test]
    fn code_spans_hold_backticks() {
        assert_eq!(code("main"), "`main`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x`"), "`` `x` ``");
        assert_eq!(code(""), "");
    }

    #[test]
    fn links_only_to_safe_schemes() {
        assert_eq!(
            link("x", Some("https://example.com/a b")),
            "x",
            "spaces are refused"
        );
        assert_eq!(link("x", Some("javascript:alert(1)")), "x");
        assert_eq!(link("x", Some("data:text/html,hi")), "x");
        assert_eq!(link("x", Some("JAVASCRIPT:alert(1)")), "x");
        assert_eq!(link("x", None), "x");
        assert_eq!(
            link("x", Some("https://example.com/<a>")),
            "[x](<https://example.com/%3Ca%3E>)"
        );
        assert_eq!(link("m", Some("mailto:a@b.c")), "[m](<mailto:a@b.c>)");
        assert_eq!(safe_http_url("mailto:a@b.c"), None);
        assert_eq!(
            safe_http_url("HTTPS://x.y/i.png").as_deref(),
            Some("HTTPS://x.y/i.png")
        );
    }

    #[test]
    fn truncation_marks_the_cut() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("ééééé", 3), "éé…");
    }

    #[test]
    fn bodies_are_bounded_and_fences_closed() {
        let many: String = (0..10_000).map(|i| format!("line {i}\n")).collect();
        let b = bound_body(&format!("```\n{many}"));
        assert!(b.lines().count() <= MAX_BODY_LINES + 2);
        assert!(b.ends_with("…\n```"), "{}", &b[b.len() - 20..]);
        let wide = "y".repeat(50_000);
        let b = bound_body(&wide);
        assert!(b.chars().count() <= MAX_BODY_CHARS);
        assert!(b.ends_with(ELLIPSIS));
    }
}
