//! The message search language, and the bodies of `GET /api/search`.
//!
//! [`parse`] turns what a user types into a [`SearchQuery`]:
//!
//! | syntax | meaning |
//! | --- | --- |
//! | `deplo` | a word; every word matches as a prefix ("deplo" finds "deploying") |
//! | `"exact phrase"` | these words, in this order |
//! | `-word`, `-"a phrase"` | messages without it |
//! | `from:@alice`, `from:alice` | written by alice (any case) |
//! | `in:#general`, `in:general`, `in:acme#general` | in that channel (of that community) |
//! | `before:2026-01-31`, `after:…`, `on:…` | posted before / after / on that day (UTC) |
//! | `has:link`, `has:file` | with an http(s) link / an attachment |
//!
//! Several `from:` (or several `in:`) filters mean any of them; different filters must
//! all hold. Decisions where users could expect either:
//!
//! - An unknown operator such as `foo:bar` (or `12:30`) is plain text, as in Slack: the
//!   colon is not special unless what precedes it is one of the operators above. A known
//!   operator with a bad value (`before:yesterday`, `has:image`) is an error, because
//!   silently searching for the text would hide the mistake.
//! - An unbalanced `"` starts a phrase that runs to the end of the query, so a search typed
//!   as you go (`"deploy fail`) still finds something.
//! - A query needs at least one word, phrase or filter; exclusions alone are refused, since
//!   they would match nearly everything.
//! - Filters cannot be negated (`-from:@bob` is an error); only words and phrases can.
//! - Words keep only their letters and digits: `node.js` is the two words `node` and `js`,
//!   and punctuation never reaches the database as query syntax.

use std::fmt;

use chrono::{Datelike, Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::dto::MessageDto;
use crate::ids::ChannelId;
use crate::limits::MAX_USERNAME_LEN;

/// Results one page returns when the caller does not say.
pub const DEFAULT_SEARCH_LIMIT: u32 = 20;
/// Most results one page returns.
pub const MAX_SEARCH_LIMIT: u32 = 100;
/// Longest query, in characters.
pub const MAX_QUERY_CHARS: usize = 500;
/// Most words and phrases (included and excluded) in one query.
pub const MAX_TERMS: usize = 32;

/// A word or a phrase of the free text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Term {
    /// Lower-case letters and digits only; matched as a prefix when included.
    Word(String),
    /// Lower-case words separated by single spaces, matched in order.
    Phrase(String),
}

/// A channel named by `in:` in a search, or by `#channel` in a slash command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChannelRef {
    /// The community's slug, when given as `in:slug#name`.
    pub community: Option<String>,
    /// The channel's name, lower-case.
    pub name: String,
}

/// A parsed search: what to match and which messages to consider.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchQuery {
    /// Words and phrases every result contains.
    pub terms: Vec<Term>,
    /// Words and phrases no result contains.
    pub excluded: Vec<Term>,
    /// Authors' usernames, lower-case (any of them).
    pub from: Vec<String>,
    /// Channels (any of them).
    pub channels: Vec<ChannelRef>,
    /// Posted on or after this day (UTC).
    pub since: Option<NaiveDate>,
    /// Posted before this day (UTC).
    pub until: Option<NaiveDate>,
    /// Only messages with an http(s) link.
    pub has_link: bool,
    /// Only messages with an attachment.
    pub has_file: bool,
}

impl SearchQuery {
    /// Whether there is text to rank by; without it results come newest first.
    pub fn has_text(&self) -> bool {
        !self.terms.is_empty()
    }

    fn has_filters(&self) -> bool {
        !self.from.is_empty()
            || !self.channels.is_empty()
            || self.since.is_some()
            || self.until.is_some()
            || self.has_link
            || self.has_file
    }
}

/// The canonical spelling of the query: [`parse`] reads it back to an equal query (for
/// any day from 1000-01-02 on), so it identifies a search: pagination cursors carry a
/// fingerprint of it.
impl fmt::Display for SearchQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        let term = |t: &Term| match t {
            Term::Word(w) => w.clone(),
            Term::Phrase(p) => format!("\"{p}\""),
        };
        parts.extend(self.terms.iter().map(term));
        parts.extend(self.excluded.iter().map(|t| format!("-{}", term(t))));
        parts.extend(self.from.iter().map(|u| format!("from:@{u}")));
        parts.extend(self.channels.iter().map(|c| match &c.community {
            Some(slug) => format!("in:{slug}#{}", c.name),
            None => format!("in:#{}", c.name),
        }));
        if let Some(since) = self.since {
            // `after:` excludes its day, so the day before `since` says "from `since` on".
            match since.checked_sub_days(Days::new(1)) {
                Some(day) => parts.push(format!("after:{day}")),
                None => parts.push(format!("on:{since}")),
            }
        }
        if let Some(until) = self.until {
            parts.push(format!("before:{until}"));
        }
        if self.has_link {
            parts.push("has:link".into());
        }
        if self.has_file {
            parts.push("has:file".into());
        }
        f.write_str(&parts.join(" "))
    }
}

/// Why a query could not be understood. The message is a sentence for the user.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SearchError {
    #[error("type something to search for: a word, a \"phrase\" or a filter such as from:@alice")]
    Empty,
    #[error(
        "add a word, a \"phrase\" or a filter to search for: exclusions alone would match nearly everything"
    )]
    OnlyExclusions,
    #[error("the search is longer than {MAX_QUERY_CHARS} characters")]
    TooLong,
    #[error("the search has more than {MAX_TERMS} words and phrases")]
    TooManyTerms,
    #[error("{operator}: needs a value, as in {example}")]
    MissingValue {
        operator: &'static str,
        example: &'static str,
    },
    #[error("{operator}: takes a day as YYYY-MM-DD (year 1000 to 9999), not {value:?}")]
    BadDate {
        operator: &'static str,
        value: String,
    },
    #[error("has: takes link or file, not {0:?}")]
    UnknownHas(String),
    #[error("from: takes a username, as in from:@alice, and {0:?} is not one")]
    BadUsername(String),
    #[error("in: takes a channel as #name or community#name, not {0:?}")]
    BadChannel(String),
    #[error("{0}: cannot be excluded; only words and phrases can")]
    NegatedFilter(&'static str),
    #[error("no day is both on or after {since} and before {until}")]
    NoDays { since: NaiveDate, until: NaiveDate },
}

/// Parses a search as typed by a user. See the module documentation for the syntax.
pub fn parse(query: &str) -> Result<SearchQuery, SearchError> {
    if query.chars().count() > MAX_QUERY_CHARS {
        return Err(SearchError::TooLong);
    }
    let mut parsed = SearchQuery::default();
    for token in tokenize(query) {
        match token {
            Token::Phrase { text, negated } => {
                if let Some(phrase) = phrase(&text) {
                    push_term(&mut parsed, Term::Phrase(phrase), negated);
                }
            }
            Token::Bare { text, negated } => match text.split_once(':') {
                Some((op, value)) if Operator::named(op).is_some() => {
                    let Some(operator) = Operator::named(op) else {
                        continue;
                    };
                    if negated {
                        return Err(SearchError::NegatedFilter(operator.name()));
                    }
                    apply(&mut parsed, operator, value)?;
                }
                _ => {
                    let words = words(&text);
                    if negated && words.len() > 1 {
                        push_term(&mut parsed, Term::Phrase(words.join(" ")), true);
                    } else {
                        for word in words {
                            push_term(&mut parsed, Term::Word(word), negated);
                        }
                    }
                }
            },
        }
    }
    if parsed.terms.len() + parsed.excluded.len() > MAX_TERMS {
        return Err(SearchError::TooManyTerms);
    }
    if let (Some(since), Some(until)) = (parsed.since, parsed.until)
        && since >= until
    {
        return Err(SearchError::NoDays { since, until });
    }
    if parsed.terms.is_empty() && !parsed.has_filters() {
        return Err(if parsed.excluded.is_empty() {
            SearchError::Empty
        } else {
            SearchError::OnlyExclusions
        });
    }
    Ok(parsed)
}

fn push_term(query: &mut SearchQuery, term: Term, negated: bool) {
    let terms = if negated {
        &mut query.excluded
    } else {
        &mut query.terms
    };
    if !terms.contains(&term) {
        terms.push(term);
    }
}

/// The runs of letters and digits in `text`, lower-case.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// A phrase's words, or `None` when it has none.
fn phrase(text: &str) -> Option<String> {
    let words = words(text);
    (!words.is_empty()).then(|| words.join(" "))
}

#[derive(Debug, PartialEq, Eq)]
enum Token {
    Bare { text: String, negated: bool },
    Phrase { text: String, negated: bool },
}

/// Splits on whitespace; a `"` at the start of a token (after an optional `-`) opens a
/// phrase that runs to the next `"` or, unbalanced, to the end.
fn tokenize(query: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = query.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let Some(first) = chars.next() else {
            break;
        };
        let mut negated = false;
        let mut first = Some(first);
        if first == Some('-') && chars.peek().is_some_and(|c| !c.is_whitespace()) {
            negated = true;
            first = chars.next();
        }
        if first == Some('"') {
            let text: String = chars.by_ref().take_while(|c| *c != '"').collect();
            tokens.push(Token::Phrase { text, negated });
            continue;
        }
        let mut text: String = first.into_iter().collect();
        while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
            text.push(c);
        }
        tokens.push(Token::Bare { text, negated });
    }
    tokens
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Operator {
    From,
    In,
    Before,
    After,
    On,
    Has,
}

impl Operator {
    const ALL: [Self; 6] = [
        Self::From,
        Self::In,
        Self::Before,
        Self::After,
        Self::On,
        Self::Has,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::From => "from",
            Self::In => "in",
            Self::Before => "before",
            Self::After => "after",
            Self::On => "on",
            Self::Has => "has",
        }
    }

    fn example(self) -> &'static str {
        match self {
            Self::From => "from:@alice",
            Self::In => "in:#general",
            Self::Before => "before:2026-01-31",
            Self::After => "after:2026-01-31",
            Self::On => "on:2026-01-31",
            Self::Has => "has:link",
        }
    }

    fn named(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|op| op.name().eq_ignore_ascii_case(name))
    }
}

fn apply(query: &mut SearchQuery, operator: Operator, value: &str) -> Result<(), SearchError> {
    if value.is_empty() {
        return Err(SearchError::MissingValue {
            operator: operator.name(),
            example: operator.example(),
        });
    }
    match operator {
        Operator::From => {
            let name = value.strip_prefix('@').unwrap_or(value);
            if !valid_username(name) {
                return Err(SearchError::BadUsername(value.to_owned()));
            }
            let name = name.to_ascii_lowercase();
            if !query.from.contains(&name) {
                query.from.push(name);
            }
        }
        Operator::In => {
            let channel =
                channel_ref(value).ok_or_else(|| SearchError::BadChannel(value.into()))?;
            if !query.channels.contains(&channel) {
                query.channels.push(channel);
            }
        }
        Operator::Before | Operator::After | Operator::On => {
            let day = date(value).ok_or_else(|| SearchError::BadDate {
                operator: operator.name(),
                value: value.to_owned(),
            })?;
            // Each date filter narrows the range [since, until); the tightest bounds win.
            let (since, until) = match operator {
                Operator::Before => (None, Some(day)),
                Operator::After => (day.checked_add_days(Days::new(1)), None),
                _ => (Some(day), day.checked_add_days(Days::new(1))),
            };
            if let Some(since) = since {
                query.since = Some(query.since.map_or(since, |s| s.max(since)));
            }
            if let Some(until) = until {
                query.until = Some(query.until.map_or(until, |u| u.min(until)));
            }
        }
        Operator::Has => match value.to_ascii_lowercase().as_str() {
            "link" => query.has_link = true,
            "file" => query.has_file = true,
            _ => return Err(SearchError::UnknownHas(value.to_owned())),
        },
    }
    Ok(())
}

/// `^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$`, the rule the database enforces.
pub(crate) fn valid_username(name: &str) -> bool {
    name.len() <= MAX_USERNAME_LEN
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// `#name`, `name`, `slug#name` or `#slug#name`.
pub(crate) fn channel_ref(value: &str) -> Option<ChannelRef> {
    let value = value
        .strip_prefix('#')
        .unwrap_or(value)
        .to_ascii_lowercase();
    let (community, name) = match value.split_once('#') {
        Some((slug, name)) => (Some(slug.to_owned()), name.to_owned()),
        None => (None, value),
    };
    let name_ok = name.len() <= 80
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-'));
    let slug_ok = community.as_deref().is_none_or(|slug| {
        slug.len() <= 48
            && slug.starts_with(|c: char| c.is_ascii_alphanumeric())
            && slug
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    });
    (name_ok && slug_ok).then_some(ChannelRef { community, name })
}

/// A `YYYY-MM-DD` day of a four-digit year.
fn date(value: &str) -> Option<NaiveDate> {
    let shaped = value.len() == 10
        && value.char_indices().all(|(i, c)| match i {
            4 | 7 => c == '-',
            _ => c.is_ascii_digit(),
        });
    let day = NaiveDate::parse_from_str(value, "%Y-%m-%d").ok()?;
    (shaped && (1000..=9999).contains(&day.year())).then_some(day)
}

/// The channel a result was found in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchChannelDto {
    pub id: ChannelId,
    /// `None` for DMs.
    pub name: Option<String>,
    /// `None` for DMs.
    pub community_slug: Option<String>,
}

/// One search result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchResultDto {
    pub message: MessageDto,
    pub channel: SearchChannelDto,
    /// A short excerpt of the body, HTML-escaped, with the matches in `<mark>…</mark>`:
    /// the only markup it contains.
    pub snippet: String,
    /// Relevance, higher is better; 0 when the search has no words (newest first then).
    pub rank: f32,
}

/// Body of `GET /api/search`: best results first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchPage {
    pub results: Vec<SearchResultDto>,
    /// Pass as `cursor` (with the same `q`) for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(w: &str) -> Term {
        Term::Word(w.into())
    }

    fn phrase(p: &str) -> Term {
        Term::Phrase(p.into())
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn free_words_are_lowercased_letters_and_digits() {
        let q = parse("Deplo  v2 node.js").unwrap();
        assert_eq!(
            q.terms,
            [word("deplo"), word("v2"), word("node"), word("js")]
        );
        assert!(q.has_text());
    }

    #[test]
    fn phrases_and_exclusions() {
        let q = parse(r#""Exact   phrase!" -skip -"not this" -foo-bar keep"#).unwrap();
        assert_eq!(q.terms, [phrase("exact phrase"), word("keep")]);
        assert_eq!(
            q.excluded,
            [word("skip"), phrase("not this"), phrase("foo bar")]
        );
    }

    #[test]
    fn an_unbalanced_quote_runs_to_the_end() {
        let q = parse(r#"ci "deploy failed"#).unwrap();
        assert_eq!(q.terms, [word("ci"), phrase("deploy failed")]);
    }

    #[test]
    fn a_lone_dash_and_empty_phrases_are_nothing() {
        assert_eq!(parse(r#"a - "" "!!""#).unwrap().terms, [word("a")]);
    }

    #[test]
    fn from_with_or_without_at() {
        let q = parse("from:@Alice from:bob FROM:alice").unwrap();
        assert_eq!(q.from, ["alice", "bob"]);
        assert!(!q.has_text());
    }

    #[test]
    fn in_with_community_or_hash() {
        let q = parse("in:#general in:random in:acme#dev in:#acme#ops").unwrap();
        let ch = |c: Option<&str>, n: &str| ChannelRef {
            community: c.map(Into::into),
            name: n.into(),
        };
        assert_eq!(
            q.channels,
            [
                ch(None, "general"),
                ch(None, "random"),
                ch(Some("acme"), "dev"),
                ch(Some("acme"), "ops")
            ]
        );
    }

    #[test]
    fn dates_narrow_a_half_open_range() {
        let q = parse("after:2026-01-10 before:2026-02-01").unwrap();
        assert_eq!(q.since, Some(day("2026-01-11")));
        assert_eq!(q.until, Some(day("2026-02-01")));
        let q = parse("on:2026-03-05").unwrap();
        assert_eq!(q.since, Some(day("2026-03-05")));
        assert_eq!(q.until, Some(day("2026-03-06")));
        let q = parse("before:2026-03-05 before:2026-03-01 on:2026-02-10").unwrap();
        assert_eq!(q.since, Some(day("2026-02-10")));
        assert_eq!(q.until, Some(day("2026-02-11")));
    }

    #[test]
    fn has_link_and_file() {
        let q = parse("has:link HAS:File").unwrap();
        assert!(q.has_link && q.has_file);
    }

    #[test]
    fn unknown_operators_are_text() {
        let q = parse("foo:bar 12:30 https://example.com").unwrap();
        assert_eq!(
            q.terms,
            ["foo", "bar", "12", "30", "https", "example", "com"].map(word)
        );
    }

    #[test]
    fn malformed_queries_say_what_is_wrong() {
        let err = |q: &str| parse(q).unwrap_err();
        assert_eq!(err(""), SearchError::Empty);
        assert_eq!(err("  ?! "), SearchError::Empty);
        assert_eq!(err("-foo"), SearchError::OnlyExclusions);
        assert!(matches!(
            err("before:2026-13-01"),
            SearchError::BadDate {
                operator: "before",
                ..
            }
        ));
        assert!(matches!(err("on:yesterday"), SearchError::BadDate { .. }));
        assert!(matches!(err("after:2026-1-1"), SearchError::BadDate { .. }));
        assert!(matches!(
            err("after:0001-01-01"),
            SearchError::BadDate { .. }
        ));
        assert_eq!(err("has:image"), SearchError::UnknownHas("image".into()));
        assert!(matches!(
            err("from:"),
            SearchError::MissingValue {
                operator: "from",
                ..
            }
        ));
        assert_eq!(err("from:@-x"), SearchError::BadUsername("@-x".into()));
        assert_eq!(err("in:#Bad!"), SearchError::BadChannel("#Bad!".into()));
        assert_eq!(err("x -from:@bob"), SearchError::NegatedFilter("from"));
        assert!(matches!(
            err("after:2026-01-10 before:2026-01-11"),
            SearchError::NoDays { .. }
        ));
        assert_eq!(err(&"a".repeat(501)), SearchError::TooLong);
        let many: Vec<String> = (0..33).map(|i| format!("w{i}")).collect();
        assert_eq!(err(&many.join(" ")), SearchError::TooManyTerms);
        assert_eq!(
            err("has:gif").to_string(),
            "has: takes link or file, not \"gif\""
        );
        assert_eq!(
            err("before:tomorrow").to_string(),
            "before: takes a day as YYYY-MM-DD (year 1000 to 9999), not \"tomorrow\""
        );
    }

    #[test]
    fn the_canonical_spelling_parses_back() {
        for q in [
            r#"Deploy "the fix" -flaky -"not me" from:@Alice in:#general in:acme#dev after:2026-01-01 before:2026-02-01 has:link has:file"#,
            "on:2026-03-05 x",
            "from:bob",
            "before:1900-01-02 y",
        ] {
            let parsed = parse(q).unwrap();
            let canonical = parsed.to_string();
            assert_eq!(parse(&canonical).unwrap(), parsed, "{canonical}");
        }
        assert_eq!(
            parse("FROM:@Bob  deploy").unwrap().to_string(),
            "deploy from:@bob"
        );
    }
}
