//! Mentions in a message's markdown: `@username`, `@channel` and `@here`.
//!
//! The markdown is parsed with pulldown-cmark and only the text a reader sees as prose is
//! searched: code spans, fenced and indented code blocks, raw HTML blocks, autolinks, link
//! destinations and image descriptions are skipped. An `@` counts only at the start of a
//! word (after whitespace or opening punctuation), so `bob@example.com` mentions nobody,
//! and a trailing `.` or `-` is punctuation, not part of the name (`thanks @alice.`).

use pulldown_cmark::{Event, LinkType, Options, Parser, Tag, TagEnd};

use crate::limits::MAX_USERNAME_LEN;

/// One mention, as written.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Mention {
    /// `@username`: the name as written, without the `@` (matched to a user
    /// case-insensitively, as usernames are unique regardless of case).
    User(String),
    /// `@channel`: everyone in the channel.
    Channel,
    /// `@here`: everyone in the channel who is online.
    Here,
}

/// Stands in the visible text for content that is neither prose nor a word boundary (an
/// inline code span, an image): a mention can neither start right after it nor run into it.
const OPAQUE: char = '\u{FFFC}';

/// The mentions in `markdown`, each once, in order of first appearance. Usernames are
/// de-duplicated regardless of case; the first spelling is kept.
pub fn parse(markdown: &str) -> Vec<Mention> {
    let mut mentions: Vec<Mention> = Vec::new();
    for mention in scan(&visible_text(markdown)) {
        let seen = mentions.iter().any(|m| match (m, &mention) {
            (Mention::User(a), Mention::User(b)) => a.eq_ignore_ascii_case(b),
            (a, b) => a == b,
        });
        if !seen {
            mentions.push(mention);
        }
    }
    mentions
}

/// The prose of `markdown` as a reader sees it, with block boundaries as line breaks and
/// everything that cannot hold a mention replaced by [`OPAQUE`] or dropped.
fn visible_text(markdown: &str) -> String {
    let options =
        Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES | Options::ENABLE_TASKLISTS;
    let mut text = String::with_capacity(markdown.len());
    // Depth of elements whose text is not prose (code blocks, autolinks, images).
    let mut hidden = 0usize;
    // For each open link: whether it is hidden (an autolink shows its URL as its text).
    let mut links: Vec<bool> = Vec::new();
    for event in Parser::new_ext(markdown, options) {
        match event {
            Event::Text(t) if hidden == 0 => text.push_str(&t),
            Event::Text(_) => {}
            Event::Start(Tag::CodeBlock(_)) => {
                hidden += 1;
                text.push('\n');
            }
            Event::End(TagEnd::CodeBlock) => {
                hidden = hidden.saturating_sub(1);
                text.push('\n');
            }
            Event::Start(Tag::Link { link_type, .. }) => {
                let is_autolink = matches!(link_type, LinkType::Autolink | LinkType::Email);
                links.push(is_autolink);
                if is_autolink {
                    hidden += 1;
                    text.push(OPAQUE);
                }
            }
            Event::End(TagEnd::Link) => {
                if links.pop() == Some(true) {
                    hidden = hidden.saturating_sub(1);
                }
            }
            Event::Start(Tag::Image { .. }) => {
                hidden += 1;
                text.push(OPAQUE);
            }
            Event::End(TagEnd::Image) => hidden = hidden.saturating_sub(1),
            // Emphasis and the like do not separate words: `*foo*@bar` reads "foo@bar".
            Event::Start(
                Tag::Emphasis
                | Tag::Strong
                | Tag::Strikethrough
                | Tag::Superscript
                | Tag::Subscript,
            )
            | Event::End(
                TagEnd::Emphasis
                | TagEnd::Strong
                | TagEnd::Strikethrough
                | TagEnd::Superscript
                | TagEnd::Subscript,
            )
            | Event::InlineHtml(_) => {}
            Event::Start(_) | Event::End(_) | Event::SoftBreak | Event::HardBreak => {
                text.push('\n');
            }
            Event::Html(_) | Event::Rule => text.push('\n'),
            Event::TaskListMarker(_) => text.push(' '),
            Event::Code(_)
            | Event::InlineMath(_)
            | Event::DisplayMath(_)
            | Event::FootnoteReference(_) => text.push(OPAQUE),
        }
    }
    text
}

/// Whether an `@` right after `prev` starts a word (and so may start a mention).
fn starts_word(prev: Option<char>) -> bool {
    match prev {
        None => true,
        Some(c) => {
            c.is_whitespace()
                || matches!(
                    c,
                    '(' | '['
                        | '{'
                        | '<'
                        | '>'
                        | '"'
                        | '\''
                        | '“'
                        | '‘'
                        | '«'
                        | ','
                        | ';'
                        | ':'
                        | '!'
                        | '?'
                        | '*'
                        | '~'
                        | '|'
                )
        }
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')
}

/// Every mention in `text`, duplicates included.
fn scan(text: &str) -> Vec<Mention> {
    let mut found = Vec::new();
    let mut prev: Option<char> = None;
    for (at, c) in text.char_indices() {
        if c == '@' && starts_word(prev) {
            let rest = &text[at + 1..];
            let run_len = rest.find(|c: char| !is_name_char(c)).unwrap_or(rest.len());
            let (run, after) = rest.split_at(run_len);
            let name = run.trim_end_matches(['.', '-']);
            // `@alice@example.org` is an address, and `@aliceé` a different word.
            let runs_on = after
                .chars()
                .next()
                .is_some_and(|c| c == '@' || c.is_alphanumeric() || c == OPAQUE);
            let valid = name.len() <= MAX_USERNAME_LEN
                && name.starts_with(|c: char| c.is_ascii_alphanumeric());
            if valid && !runs_on {
                found.push(if name.eq_ignore_ascii_case("channel") {
                    Mention::Channel
                } else if name.eq_ignore_ascii_case("here") {
                    Mention::Here
                } else {
                    Mention::User(name.to_owned())
                });
            }
        }
        prev = Some(c);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str) -> Mention {
        Mention::User(name.to_owned())
    }

    #[test]
    fn finds_users_and_specials_in_order_of_first_appearance() {
        assert_eq!(
            parse("@bob hi @here, and @alice; ping @channel"),
            [user("bob"), Mention::Here, user("alice"), Mention::Channel]
        );
    }

    #[test]
    fn mentions_are_deduplicated_regardless_of_case() {
        assert_eq!(
            parse("@Alice @alice @ALICE @here @HERE @Channel @channel"),
            [user("Alice"), Mention::Here, Mention::Channel]
        );
    }

    #[test]
    fn inline_code_and_code_blocks_are_ignored() {
        let md = "see `@alice` and\n\n```\n@bob\n```\n\n    @carol indented\n\n~~~rust\n@here\n~~~\n\n@dave";
        assert_eq!(parse(md), [user("dave")]);
    }

    #[test]
    fn link_destinations_and_autolinks_are_ignored_but_link_text_counts() {
        assert_eq!(parse("[docs](https://example.com/@alice)"), []);
        assert_eq!(parse("<https://mastodon.social/@bob>"), []);
        assert_eq!(parse("<carol@example.com>"), []);
        assert_eq!(parse("![@dave](pic.png)"), []);
        assert_eq!(parse("[ask @erin](https://example.com)"), [user("erin")]);
    }

    #[test]
    fn an_at_inside_a_word_is_not_a_mention() {
        assert_eq!(parse("mail bob@example.com or x@y"), []);
        assert_eq!(parse("path/@alice and a+@b"), []);
        assert_eq!(parse("*foo*@bar"), []);
        assert_eq!(parse("@alice@example.org"), []);
    }

    #[test]
    fn trailing_dots_and_dashes_are_punctuation() {
        assert_eq!(parse("thanks @alice."), [user("alice")]);
        assert_eq!(
            parse("@bob... and @carol-- ok"),
            [user("bob"), user("carol")]
        );
        assert_eq!(parse("@d.e-f_g."), [user("d.e-f_g")]);
        assert_eq!(parse("@here."), [Mention::Here]);
    }

    #[test]
    fn punctuation_around_mentions() {
        assert_eq!(
            parse("(@alice) \"@bob\" cc:@carol, @dave! **@erin** _@frank_"),
            ["alice", "bob", "carol", "dave", "erin", "frank"].map(user)
        );
        assert_eq!(
            parse("- @alice\n- @bob\n\n> @carol"),
            ["alice", "bob", "carol"].map(user)
        );
        assert_eq!(parse("| a |\n|---|\n| @alice |"), [user("alice")]);
    }

    #[test]
    fn names_must_be_valid_usernames() {
        assert_eq!(parse("@ alone, @_x, @.y, @-z, @@w"), []);
        let long = "a".repeat(33);
        assert_eq!(parse(&format!("@{long}")), []);
        let max = "a".repeat(32);
        assert_eq!(parse(&format!("@{max}")), [user(&max)]);
        assert_eq!(parse("@aliceé"), []);
        assert_eq!(parse("@alice`code`"), []);
    }

    #[test]
    fn words_starting_with_a_special_are_users() {
        assert_eq!(
            parse("@channels @hereford"),
            [user("channels"), user("hereford")]
        );
    }

    #[test]
    fn nothing_in_plain_text() {
        assert_eq!(parse(""), []);
        assert_eq!(parse("no mentions here @"), []);
    }
}
