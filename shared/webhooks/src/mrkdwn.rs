//! Slack's mrkdwn (and Mattermost's markdown in the same fields) translated to the project's
//! markdown.
//!
//! Slack escapes `&`, `<` and `>` as entities and marks links, mentions and dates with
//! `<…>` sequences: `<url|label>`, `<url>`, `<!here>`, `<!channel>`, `<!everyone>`,
//! `<@user>`, `<#channel|name>`, `<!date^…|fallback>`. Emphasis is `*bold*`, `_italic_`,
//! `~strike~`, with `` `code` `` and ```` ``` ```` blocks. The explicit mention forms
//! mention, as do bare `@name`s (Mattermost's form); raw HTML is shown as text, and links
//! go only to `http`, `https` and `mailto`.

use crate::text::{self, ELLIPSIS};

/// Longest piece of mrkdwn translated, in characters.
const MAX_CHARS: usize = 12_000;

/// `s` in the project's markdown. With `emphasis` off (Slack's plain text, or attachment
/// fields left out of `mrkdwn_in`) only links, mentions and entities are translated and
/// everything else shows as written.
pub(crate) fn translate(s: &str, emphasis: bool) -> String {
    let cut = text::truncate(s, MAX_CHARS);
    let mut out = String::with_capacity(cut.len() + 16);
    Translator {
        emphasis,
        links: true,
    }
    .run(&cut, &mut out);
    let out = out.trim().to_owned();
    if cut.ends_with(ELLIPSIS) && !out.ends_with(ELLIPSIS) {
        return format!("{out}{ELLIPSIS}");
    }
    out
}

/// Slack's plain text: shown as written, mentioning nobody.
pub(crate) fn plain(s: &str) -> String {
    text::escape(&decode_entities(s))
}

/// `&amp;`, `&lt;` and `&gt;` decoded (the only entities Slack uses).
pub(crate) fn decode_entities(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[derive(Clone, Copy)]
struct Translator {
    emphasis: bool,
    links: bool,
}

/// The position of the closing `marker` of an emphasis run opened at `open` in `s`, on the
/// same line, when the run is well formed (`*bold*`, not `a * b` or `2*3*4`).
fn closing(s: &str, open: usize, marker: char) -> Option<usize> {
    let before = s[..open].chars().next_back();
    if before.is_some_and(|c| c.is_alphanumeric()) {
        return None;
    }
    let inner_start = open + marker.len_utf8();
    let rest = &s[inner_start..];
    if rest.starts_with(char::is_whitespace) || rest.starts_with(marker) {
        return None;
    }
    let line_end = rest.find('\n').unwrap_or(rest.len());
    let mut search = 0;
    while let Some(i) = rest[search..line_end].find(marker) {
        let at = search + i;
        let prev = rest[..at].chars().next_back();
        let next = rest[at + marker.len_utf8()..].chars().next();
        if at > 0
            && !prev.is_some_and(char::is_whitespace)
            && !next.is_some_and(|c| c.is_alphanumeric())
        {
            return Some(inner_start + at);
        }
        search = at + marker.len_utf8();
    }
    None
}

impl Translator {
    fn run(self, s: &str, out: &mut String) {
        let mut i = 0;
        while i < s.len() {
            let rest = &s[i..];
            let Some(c) = rest.chars().next() else { break };
            if let Some(used) = self.special(s, i, out) {
                i += used;
                continue;
            }
            match c {
                '\\' | '[' | ']' => {
                    out.push('\\');
                    out.push(c);
                }
                '*' | '_' | '~' | '`' => {
                    out.push('\\');
                    out.push(c);
                }
                '&' => {
                    let (decoded, used) = entity(rest);
                    push_literal(out, decoded, &rest[used..]);
                    i += used;
                    continue;
                }
                '<' => out.push_str("\\<"),
                '\r' => {}
                c if c.is_control() && c != '\n' && c != '\t' => {}
                c => out.push(c),
            }
            i += c.len_utf8();
        }
    }

    /// Handles a construct starting at `s[i..]`, returning the bytes it used.
    fn special(self, s: &str, i: usize, out: &mut String) -> Option<usize> {
        let rest = &s[i..];
        if rest.starts_with("```") && self.emphasis {
            let end = rest[3..].find("```")?;
            let inner = decode_entities(&rest[3..3 + end]);
            let inner = inner.trim_matches('\n');
            let fence = if inner.contains("```") { "~~~~" } else { "```" };
            out.push_str(&format!("\n{fence}\n{inner}\n{fence}\n"));
            return Some(3 + end + 3);
        }
        if rest.starts_with('`') && self.emphasis {
            let line = &rest[1..rest.find('\n').unwrap_or(rest.len())];
            let end = line.find('`')?;
            if end == 0 {
                return None;
            }
            out.push_str(&text::code(&decode_entities(&line[..end])));
            return Some(end + 2);
        }
        if rest.starts_with('<') {
            let line = &rest[1..rest.find('\n').unwrap_or(rest.len())];
            let end = line.find('>')?;
            let inner = &line[..end];
            if inner.is_empty() || inner.contains('<') {
                return None;
            }
            self.control(inner, out);
            return Some(end + 2);
        }
        if let Some(after) = rest.strip_prefix(':') {
            // An emoji short code (`:white_check_mark:`) is kept as written.
            let name_len = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+')))
                .unwrap_or(after.len());
            if name_len > 0 && after[name_len..].starts_with(':') {
                out.push_str(&rest[..name_len + 2]);
                return Some(name_len + 2);
            }
            return None;
        }
        if rest.starts_with('[') && self.links {
            return self.markdown_link(rest, out);
        }
        if !self.emphasis {
            return None;
        }
        for double in ["**", "~~", "__"] {
            if rest.starts_with(double) {
                // Already markdown (Mattermost): kept as it is.
                out.push_str(double);
                return Some(2);
            }
        }
        for (marker, md) in [('*', "**"), ('_', "_"), ('~', "~~")] {
            if rest.starts_with(marker) {
                let close = closing(s, i, marker)?;
                out.push_str(md);
                self.run(&s[i + 1..close], out);
                out.push_str(md);
                return Some(close + 1 - i);
            }
        }
        None
    }

    /// A `<…>` sequence: a link, a mention, a channel or a date.
    fn control(self, inner: &str, out: &mut String) {
        let (target, label) = match inner.split_once('|') {
            Some((t, l)) => (t, Some(l)),
            None => (inner, None),
        };
        if let Some(special) = target.strip_prefix('!') {
            let name = special.split('^').next().unwrap_or("");
            match name {
                "here" => out.push_str("@here"),
                "channel" | "everyone" => out.push_str("@channel"),
                _ => out.push_str(&plain(label.unwrap_or(""))),
            }
        } else if let Some(user) = target.strip_prefix('@') {
            let name = label.map_or(user, |l| l.trim_start_matches('@'));
            if !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
            {
                out.push('@');
                out.push_str(name);
            } else {
                out.push_str(&plain(name));
            }
        } else if let Some(channel) = target.strip_prefix('#') {
            out.push('#');
            out.push_str(&plain(label.unwrap_or(channel)));
        } else {
            let url = decode_entities(target);
            let is_url = url.split_once(':').is_some_and(|(scheme, _)| {
                !scheme.is_empty()
                    && scheme
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'))
            });
            if !is_url {
                // Not a link: raw HTML or a stray bracket, shown as written.
                out.push_str("\\<");
                out.push_str(&text::escape(&decode_entities(inner)));
                out.push('>');
                return;
            }
            let shown = match label {
                Some(l) if !l.trim().is_empty() => {
                    let mut md = String::new();
                    Translator {
                        links: false,
                        ..self
                    }
                    .run(l, &mut md);
                    md
                }
                _ => text::escape(&url),
            };
            out.push_str(&text::link(&shown, Some(&url)));
        }
    }

    /// A markdown link `[label](url)` as Mattermost senders write it, kept when its target is
    /// safe; otherwise `None` (the bracket is then escaped).
    fn markdown_link(self, rest: &str, out: &mut String) -> Option<usize> {
        let line = &rest[..rest.find('\n').unwrap_or(rest.len())];
        let close = line.find("](")?;
        let label = &line[1..close];
        if label.contains('[') || label.is_empty() {
            return None;
        }
        let after = &line[close + 2..];
        let end = after.find(')')?;
        let url = &after[..end];
        text::safe_link_url(url)?;
        let mut md = String::new();
        Translator {
            links: false,
            ..self
        }
        .run(label, &mut md);
        out.push_str(&text::link(&md, Some(url)));
        Some(close + 2 + end + 1)
    }
}

/// The character an entity at the start of `s` stands for, and its length (a lone `&` is
/// itself).
fn entity(s: &str) -> (char, usize) {
    for (name, c) in [("&amp;", '&'), ("&lt;", '<'), ("&gt;", '>')] {
        if s.starts_with(name) {
            return (c, name.len());
        }
    }
    ('&', 1)
}

/// Pushes a decoded literal character so that markdown shows it as written.
fn push_literal(out: &mut String, c: char, following: &str) {
    match c {
        '<' => out.push_str("\\<"),
        '&' => {
            let probe = format!("&{following}");
            let entity_like = probe[1..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '#'))
                .is_some_and(|n| n > 0 && probe[1 + n..].starts_with(';'));
            out.push_str(if entity_like { "\\&" } else { "&" });
        }
        c => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ajet_core::mentions::{self, Mention};

    fn md(s: &str) -> String {
        translate(s, true)
    }

    #[test]
    fn links() {
        assert_eq!(
            md("see <https://example.com|the docs> and <https://x.y>"),
            "see [the docs](<https://example.com>) and [https://x.y](<https://x.y>)"
        );
        assert_eq!(
            md("<https://example.com|*Overlook Hotel*> :star:"),
            "[**Overlook Hotel**](<https://example.com>) :star:"
        );
        assert_eq!(md("<javascript:alert(1)|click>"), "click");
        assert_eq!(md("<mailto:a@b.c|mail>"), "[mail](<mailto:a@b.c>)");
        assert_eq!(
            md("[docs](https://d.io) [x](javascript:alert(1))"),
            "[docs](<https://d.io>) \\[x\\](javascript:alert(1))"
        );
    }

    #[test]
    fn mentions_in_their_explicit_forms() {
        let out = md("<!here> <!channel> <!everyone> <@alice> <@U123|bob> <#C1|general>");
        assert_eq!(out, "@here @channel @channel @alice @bob #general");
        assert_eq!(
            mentions::parse(&out),
            [
                Mention::Here,
                Mention::Channel,
                Mention::User("alice".into()),
                Mention::User("bob".into())
            ]
        );
        assert_eq!(
            md("<!subteam^S1|@ops> <!date^1392734382^{date}|Feb 18>"),
            "@\u{2060}ops Feb 18"
        );
        assert_eq!(mentions::parse(&md("@channel deploy")), [Mention::Channel]);
    }

    #[test]
    fn emphasis_and_code() {
        assert_eq!(md("*bold* _it_ ~gone~"), "**bold** _it_ ~~gone~~");
        assert_eq!(
            md("2*3*4 a * b snake_case_name"),
            "2\\*3\\*4 a \\* b snake\\_case\\_name"
        );
        assert_eq!(md("**already** ~~md~~"), "**already** ~~md~~");
        assert_eq!(
            md(":white_check_mark: a_b :+1:"),
            ":white_check_mark: a\\_b :+1:"
        );
        assert_eq!(md("run `cargo <b>` now"), "run `cargo <b>` now");
        assert_eq!(
            md("```fn main() {}\n&lt;x&gt;```"),
            "```\nfn main() {}\n<x>\n```"
        );
        assert_eq!(translate("*not bold*", false), "\\*not bold\\*");
    }

    #[test]
    fn entities_and_html() {
        assert_eq!(md("a &amp; b &lt;c&gt;"), "a & b \\<c>");
        assert_eq!(md("&amp;lt; stays"), "\\&lt; stays");
        assert_eq!(
            md("<script>alert(1)</script>"),
            "\\<script>alert(1)\\</script>"
        );
        assert_eq!(md("<b onclick=x>hi</b>"), "\\<b onclick=x>hi\\</b>");
        assert_eq!(md("a < b"), "a \\< b");
    }

    #[test]
    fn odd_input_never_panics_and_mentions_only_explicitly() {
        let pieces = [
            "é",
            "*",
            "_",
            "~",
            "`",
            "```",
            "<",
            ">",
            "|",
            "&",
            ";",
            ":",
            "[",
            "]",
            "(",
            ")",
            "@",
            "!",
            "#",
            "\\",
            "\n",
            " ",
            "https://x.y",
            "&amp;",
            "&lt;",
            "日本",
            "🔥",
        ];
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    let s = format!("{a}{b}{c}{a}x{c}{b}");
                    for md in [translate(&s, false), translate(&s, true), plain(&s)] {
                        let html = pulldown_cmark::Parser::new(&md).any(|e| {
                            matches!(
                                e,
                                pulldown_cmark::Event::Html(_)
                                    | pulldown_cmark::Event::InlineHtml(_)
                            )
                        });
                        assert!(!html, "{s:?} → {md:?} holds HTML");
                    }
                    assert!(
                        mentions::parse(&text::escape(&s)).is_empty(),
                        "{s:?} mentions"
                    );
                }
            }
        }
    }
}
