//! Full-text search over the messages a user may read.
//!
//! The SQL is built with sea-query from a parsed [`SearchQuery`]; every piece of user text
//! is a bound value passed to `to_tsquery` (letters and digits only, with our own `:*`
//! appended) or `phraseto_tsquery` (plain text), never spliced in as query syntax.
//!
//! - A word matches as a prefix of a lexeme of the stemmed (`english`) or the unstemmed
//!   (`simple`) vector, so "deploys" finds "deploying" and "deployi" does too. A phrase
//!   matches the unstemmed vector, words in order. An excluded word rules out its stem
//!   and its exact form.
//! - Ranked by `ts_rank` over both vectors, ties broken newest first; without words, newest
//!   first. Pages follow a keyset cursor (rank, time, id), so they neither skip nor repeat.
//! - Snippets are `ts_headline` over the HTML-escaped body, so `<mark>` is their only
//!   markup.

use ajet_core::dto::MessageDto;
use ajet_core::search::{SearchChannelDto, SearchQuery, SearchResultDto, Term};
use ajet_core::{ChannelId, MessageId, UserId};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, Utc};
use sea_query::{
    Asterisk, Cond, Expr, ExprTrait, Func, JoinType, Order, PostgresQueryBuilder, Query,
    SelectStatement,
};
use sea_query_sqlx::SqlxBinder;
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

use crate::messages::Message;

/// Whose search it is: the reader, and the channels their credential is limited to.
#[derive(Clone, Copy, Debug)]
pub struct Reader<'a> {
    pub user: UserId,
    /// When set, only these channels are searched (an API token restricted to them).
    pub channels: Option<&'a [ChannelId]>,
}

/// One result.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Hit {
    #[sqlx(flatten)]
    pub message: Message,
    pub channel_name: Option<String>,
    pub community_slug: Option<String>,
    /// HTML-escaped excerpt with the matches in `<mark>…</mark>`.
    pub snippet: String,
    pub rank: f32,
}

impl From<Hit> for SearchResultDto {
    fn from(hit: Hit) -> Self {
        Self {
            channel: SearchChannelDto {
                id: hit.message.channel_id,
                name: hit.channel_name,
                community_slug: hit.community_slug,
            },
            message: MessageDto::from(hit.message),
            snippet: hit.snippet,
            rank: hit.rank,
        }
    }
}

/// A page of results, best first, and where the next page starts.
#[derive(Clone, Debug)]
pub struct Page {
    pub hits: Vec<Hit>,
    /// `None` on the last page.
    pub next: Option<Cursor>,
}

/// Where a page of results starts: just after the result with this rank, time and id, in
/// the search with this fingerprint. Opaque to clients (base64url).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cursor {
    rank: f32,
    created_at: DateTime<Utc>,
    id: MessageId,
    search: [u8; 8],
}

/// Why a cursor was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CursorError {
    #[error("the cursor is not one this server gave out; pass next_cursor as it came")]
    Malformed,
    #[error("the cursor belongs to another search; pass the same q as for the first page")]
    OtherSearch,
}

const CURSOR_VERSION: u8 = 1;
const CURSOR_LEN: usize = 1 + 4 + 8 + 16 + 8;

impl Cursor {
    fn after(hit: &Hit, query: &SearchQuery) -> Self {
        Self {
            rank: hit.rank,
            created_at: hit.message.created_at,
            id: hit.message.id,
            search: fingerprint(query),
        }
    }

    /// The cursor as a client passes it back.
    pub fn encode(&self) -> String {
        let mut bytes = Vec::with_capacity(CURSOR_LEN);
        bytes.push(CURSOR_VERSION);
        bytes.extend_from_slice(&self.rank.to_bits().to_be_bytes());
        bytes.extend_from_slice(&self.created_at.timestamp_micros().to_be_bytes());
        bytes.extend_from_slice(self.id.as_uuid().as_bytes());
        bytes.extend_from_slice(&self.search);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// Reads a cursor given out for `query`.
    pub fn decode(text: &str, query: &SearchQuery) -> Result<Self, CursorError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|_| CursorError::Malformed)?;
        let bytes: [u8; CURSOR_LEN] = bytes.try_into().map_err(|_| CursorError::Malformed)?;
        let (version, rest) = bytes.split_at(1);
        let (rank, rest) = rest.split_at(4);
        let (micros, rest) = rest.split_at(8);
        let (id, search) = rest.split_at(16);
        let array = |s: &[u8]| -> Result<[u8; 8], CursorError> {
            s.try_into().map_err(|_| CursorError::Malformed)
        };
        if version != [CURSOR_VERSION] {
            return Err(CursorError::Malformed);
        }
        let rank = f32::from_bits(u32::from_be_bytes(
            rank.try_into().map_err(|_| CursorError::Malformed)?,
        ));
        let created_at = DateTime::from_timestamp_micros(i64::from_be_bytes(array(micros)?))
            .ok_or(CursorError::Malformed)?;
        let id = MessageId(Uuid::from_slice(id).map_err(|_| CursorError::Malformed)?);
        if !rank.is_finite() {
            return Err(CursorError::Malformed);
        }
        if array(search)? != fingerprint(query) {
            return Err(CursorError::OtherSearch);
        }
        Ok(Self {
            rank,
            created_at,
            id,
            search: array(search)?,
        })
    }
}

/// Identifies a search, so that a cursor is not used to page through another.
fn fingerprint(query: &SearchQuery) -> [u8; 8] {
    let hash = blake3::hash(query.to_string().as_bytes());
    let mut out = [0; 8];
    out.copy_from_slice(&hash.as_bytes()[..8]);
    out
}

/// ts_headline options: the `<mark>` tags are our only markup.
const HEADLINE_OPTIONS: &str = "StartSel=<mark>, StopSel=</mark>, MinWords=12, MaxWords=30, \
     ShortWord=2, MaxFragments=2, FragmentDelimiter=\" … \"";
/// Characters of the body a snippet shows when there is nothing to highlight.
const PLAIN_SNIPPET_CHARS: i32 = 200;
/// An http(s) URL, for `has:link`.
const LINK_PATTERN: &str = r"https?://[^\s/]";

/// Up to `limit` messages `reader` may read that match `query`, best first (newest first
/// when the query has no words), starting after `cursor`.
///
/// A message is readable by a member of its channel who is not banned from the channel's
/// community; deleted messages are never results.
pub async fn search(
    conn: &mut PgConnection,
    reader: Reader<'_>,
    query: &SearchQuery,
    cursor: Option<&Cursor>,
    limit: u32,
) -> Result<Page, sqlx::Error> {
    let statement = build(reader, query, cursor, limit);
    let (sql, values) = statement.build_sqlx(PostgresQueryBuilder);
    let mut tx = conn.begin().await?;
    // A stop word ("the") makes `to_tsquery('english', …)` raise a NOTICE, once a row; it
    // is expected (the unstemmed vector still matches it) and not worth a log line.
    sqlx::query("SET LOCAL client_min_messages = warning")
        .execute(&mut *tx)
        .await?;
    let mut hits: Vec<Hit> = sqlx::query_as_with(&sql, values)
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;
    let more = hits.len() > limit as usize;
    hits.truncate(limit as usize);
    let next = more
        .then(|| hits.last().map(|hit| Cursor::after(hit, query)))
        .flatten();
    Ok(Page { hits, next })
}

/// The whole statement: the page of matches (inner), then their snippets (outer), so that
/// `ts_headline` runs on the page only.
fn build(
    reader: Reader<'_>,
    query: &SearchQuery,
    cursor: Option<&Cursor>,
    limit: u32,
) -> SelectStatement {
    let rank = rank(query);
    let user = reader.user.as_uuid();
    let mut inner = Query::select();
    inner
        // The columns of `messages::Message`, which each hit carries.
        .columns([
            ("m", "id"),
            ("m", "channel_id"),
            ("m", "seq"),
            ("m", "author_id"),
            ("m", "parent_id"),
            ("m", "body_md"),
            ("m", "created_at"),
            ("m", "edited_at"),
            ("m", "deleted_at"),
            ("m", "reply_count"),
            ("m", "last_reply_at"),
            ("m", "meta"),
            ("m", "files"),
        ])
        .expr_as(Expr::col(("u", "username")), "author_username")
        .expr_as(Expr::col(("u", "avatar_url")), "author_avatar_url")
        .expr_as(Expr::col(("u", "kind")).eq("bot"), "author_bot")
        .expr_as(Expr::col(("ch", "name")), "channel_name")
        .expr_as(Expr::col(("co", "slug")), "community_slug")
        .expr_as(rank.clone(), "rank")
        .from_as("messages", "m")
        .join_as(
            JoinType::InnerJoin,
            "users",
            "u",
            Expr::col(("u", "id")).equals(("m", "author_id")),
        )
        .join_as(
            JoinType::InnerJoin,
            "channels",
            "ch",
            Expr::col(("ch", "id")).equals(("m", "channel_id")),
        )
        .join_as(
            JoinType::LeftJoin,
            "communities",
            "co",
            Expr::col(("co", "id")).equals(("ch", "community_id")),
        )
        .join_as(
            JoinType::InnerJoin,
            "channel_members",
            "cm",
            Expr::col(("cm", "channel_id"))
                .equals(("m", "channel_id"))
                .and(Expr::col(("cm", "user_id")).eq(user)),
        )
        .and_where(Expr::col(("m", "deleted_at")).is_null())
        .and_where(Expr::exists(banned(user)).not());
    if let Some(channels) = reader.channels {
        inner.and_where(
            Expr::col(("m", "channel_id")).is_in(channels.iter().map(ChannelId::as_uuid)),
        );
    }
    for term in &query.terms {
        inner.and_where(matches(term));
    }
    for term in &query.excluded {
        inner.and_where(excludes(term));
    }
    filter(&mut inner, query);
    if let Some(cursor) = cursor {
        let id = cursor.id.as_uuid();
        let older = Expr::col(("m", "created_at"))
            .lt(cursor.created_at)
            .or(Expr::col(("m", "created_at"))
                .eq(cursor.created_at)
                .and(Expr::col(("m", "id")).lt(id)));
        inner.and_where(if query.has_text() {
            rank.clone()
                .lt(cursor.rank)
                .or(rank.clone().eq(cursor.rank).and(older))
        } else {
            older
        });
    }
    if query.has_text() {
        inner.order_by_expr(rank, Order::Desc);
    }
    inner
        .order_by(("m", "created_at"), Order::Desc)
        .order_by(("m", "id"), Order::Desc)
        .limit(u64::from(limit) + 1);

    let mut outer = Query::select();
    outer
        .column(("s", Asterisk))
        .expr_as(snippet(query), "snippet")
        .from_subquery(inner, "s")
        .order_by(("s", "rank"), Order::Desc)
        .order_by(("s", "created_at"), Order::Desc)
        .order_by(("s", "id"), Order::Desc);
    outer
}

/// A live ban of `user` from the community of channel `ch`.
fn banned(user: Uuid) -> SelectStatement {
    Query::select()
        .expr(Expr::val(1))
        .from_as("bans", "b")
        .and_where(Expr::col(("b", "community_id")).equals(("ch", "community_id")))
        .and_where(Expr::col(("b", "user_id")).eq(user))
        .and_where(
            Expr::col(("b", "expires_at"))
                .is_null()
                .or(Expr::col(("b", "expires_at")).gt(Expr::current_timestamp())),
        )
        .to_owned()
}

/// The filters: authors, channels, days, links, files.
fn filter(select: &mut SelectStatement, query: &SearchQuery) {
    if !query.from.is_empty() {
        select.and_where(
            Expr::expr(Func::lower(Expr::col(("u", "username")))).is_in(query.from.iter().cloned()),
        );
    }
    if !query.channels.is_empty() {
        let mut any = Cond::any();
        for channel in &query.channels {
            let mut this = Cond::all().add(Expr::col(("ch", "name")).eq(channel.name.clone()));
            if let Some(slug) = &channel.community {
                this = this.add(Expr::col(("co", "slug")).eq(slug.clone()));
            }
            any = any.add(this);
        }
        select.cond_where(any);
    }
    if let Some(since) = query.since {
        select.and_where(Expr::col(("m", "created_at")).gte(midnight(since)));
    }
    if let Some(until) = query.until {
        select.and_where(Expr::col(("m", "created_at")).lt(midnight(until)));
    }
    if query.has_link {
        select.and_where(Expr::cust_with_values("m.body_md ~* $1", [LINK_PATTERN]));
    }
    if query.has_file {
        select.and_where(Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from_as("attachments", "a")
                .and_where(Expr::col(("a", "message_id")).equals(("m", "id")))
                .to_owned(),
        ));
    }
}

/// The start of `day`, UTC.
fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc()
}

/// `to_tsquery(config, word:*)`: `word` is letters and digits only, so it is one operand.
fn prefix(config: &'static str, word: &str) -> Expr {
    Expr::cust_with_values(
        format!("to_tsquery('{config}', $1 || ':*')"),
        [word.to_owned()],
    )
}

/// `phraseto_tsquery(config, text)`: plain text, no syntax.
fn phrase(config: &'static str, text: &str) -> Expr {
    Expr::cust_with_values(
        format!("phraseto_tsquery('{config}', $1)"),
        [text.to_owned()],
    )
}

fn stemmed_matches(query: Expr) -> Expr {
    Expr::cust_with_exprs("m.search @@ ($1)", [query])
}

fn exact_matches(query: Expr) -> Expr {
    Expr::cust_with_exprs("m.search_simple @@ ($1)", [query])
}

/// The condition that a message contains `term`.
fn matches(term: &Term) -> Expr {
    match term {
        Term::Word(word) => {
            stemmed_matches(prefix("english", word)).or(exact_matches(prefix("simple", word)))
        }
        Term::Phrase(text) => exact_matches(phrase("simple", text)),
    }
}

/// The condition that a message does not contain `term`: neither its stem nor its exact
/// form (an excluded word is not a prefix).
fn excludes(term: &Term) -> Expr {
    let contains = match term {
        Term::Word(word) => stemmed_matches(Expr::cust_with_values(
            "plainto_tsquery('english', $1)",
            [word.clone()],
        ))
        .or(exact_matches(Expr::cust_with_values(
            "plainto_tsquery('simple', $1)",
            [word.clone()],
        ))),
        Term::Phrase(text) => exact_matches(phrase("simple", text)),
    };
    contains.not()
}

/// `a || b || …` over tsqueries: any of them.
fn any_of(queries: impl IntoIterator<Item = Expr>) -> Option<Expr> {
    queries
        .into_iter()
        .reduce(|a, b| Expr::cust_with_exprs("($1) || ($2)", [a, b]))
}

/// Relevance: `ts_rank` of the stemmed and the unstemmed vector, each against any of the
/// words and phrases; `0` without words.
fn rank(query: &SearchQuery) -> Expr {
    let stemmed = any_of(query.terms.iter().map(|term| match term {
        Term::Word(word) => prefix("english", word),
        Term::Phrase(text) => phrase("english", text),
    }));
    let exact = any_of(query.terms.iter().map(|term| match term {
        Term::Word(word) => prefix("simple", word),
        Term::Phrase(text) => phrase("simple", text),
    }));
    match (stemmed, exact) {
        (Some(stemmed), Some(exact)) => Expr::cust_with_exprs(
            "(ts_rank(m.search, $1) + ts_rank(m.search_simple, $2))::real",
            [stemmed, exact],
        ),
        _ => Expr::cust("0::real"),
    }
}

/// The snippet of row `s`: a headline of the escaped body with the words and phrases
/// marked, or the start of the body when there are none.
fn snippet(query: &SearchQuery) -> Expr {
    // Parsed unstemmed, so both the word as typed and its stem mark the words they prefix.
    let marks = any_of(query.terms.iter().flat_map(|term| match term {
        Term::Word(word) => vec![prefix("simple", word), prefix("english", word)],
        Term::Phrase(text) => vec![phrase("simple", text)],
    }));
    match marks {
        Some(marks) => Expr::cust_with_exprs(
            "ts_headline('simple', html_escape(s.body_md), $1, $2)",
            [marks, Expr::val(HEADLINE_OPTIONS)],
        ),
        None => Expr::cust_with_values(
            "html_escape(left(s.body_md, $1)) \
             || CASE WHEN length(s.body_md) > $1 THEN '…' ELSE '' END",
            [PLAIN_SNIPPET_CHARS],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(q: &str) -> SearchQuery {
        ajet_core::search::parse(q).unwrap()
    }

    fn cursor(q: &SearchQuery) -> Cursor {
        Cursor {
            rank: 0.0607927,
            created_at: DateTime::from_timestamp_micros(1_790_000_000_123_456).unwrap(),
            id: MessageId::new(),
            search: fingerprint(q),
        }
    }

    #[test]
    fn cursors_round_trip_exactly() {
        let q = query("deploy from:@alice");
        let c = cursor(&q);
        let text = c.encode();
        assert!(
            text.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c))
        );
        assert_eq!(Cursor::decode(&text, &q), Ok(c));
        // The same search spelled differently is the same search.
        assert_eq!(Cursor::decode(&text, &query("FROM:alice  Deploy")), Ok(c));
    }

    #[test]
    fn cursors_of_another_search_or_garbage_are_refused() {
        let q = query("deploy");
        let text = cursor(&q).encode();
        assert_eq!(
            Cursor::decode(&text, &query("deploys")),
            Err(CursorError::OtherSearch)
        );
        assert_eq!(Cursor::decode("nope!", &q), Err(CursorError::Malformed));
        assert_eq!(Cursor::decode("", &q), Err(CursorError::Malformed));
        assert_eq!(
            Cursor::decode(&text[..text.len() - 2], &q),
            Err(CursorError::Malformed)
        );
    }

    #[test]
    fn user_text_is_bound_never_spliced() {
        let reader = Reader {
            user: UserId::new(),
            channels: None,
        };
        let q = query(r#"robert'); "drop table" -x from:@bob in:#general has:link"#);
        let (sql, values) = build(reader, &q, None, 20).build(PostgresQueryBuilder);
        for text in ["robert", "drop", "bob", "general"] {
            assert!(!sql.contains(text), "{text} spliced into {sql}");
        }
        assert!(values.0.len() > 5);
    }
}
