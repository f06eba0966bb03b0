//! `GET /emoji?q=<start of a shortcode>`: emoji whose GitHub-style shortcode starts with
//! the text typed after `:` in the composer, for its completion list.

use axum::Json;
use axum::extract::Query;
use serde::{Deserialize, Serialize};

/// The most suggestions one answer holds.
const MAX: usize = 8;

#[derive(Debug, Deserialize)]
pub struct EmojiQuery {
    #[serde(default)]
    pub q: String,
}

/// One suggestion.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Suggestion {
    pub shortcode: String,
    pub emoji: String,
}

pub async fn complete(Query(query): Query<EmojiQuery>) -> Json<Vec<Suggestion>> {
    Json(suggestions(&query.q))
}

/// Shortcodes starting with `q` (lower-case, at least two characters), shortest first.
fn suggestions(q: &str) -> Vec<Suggestion> {
    let q = q.trim().trim_start_matches(':').to_ascii_lowercase();
    if q.chars().count() < 2 {
        return Vec::new();
    }
    let mut found: Vec<Suggestion> = emojis::iter()
        .flat_map(|e| {
            e.shortcodes()
                .filter(|s| s.starts_with(q.as_str()))
                .map(move |s| Suggestion {
                    shortcode: s.to_owned(),
                    emoji: e.as_str().to_owned(),
                })
        })
        .collect();
    found.sort_by(|a, b| {
        a.shortcode
            .len()
            .cmp(&b.shortcode.len())
            .then(a.shortcode.cmp(&b.shortcode))
    });
    found.truncate(MAX);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortcodes_complete_from_their_start() {
        let tada = suggestions("tad");
        assert_eq!(tada.first().map(|s| s.emoji.as_str()), Some("🎉"));
        assert!(suggestions("t").is_empty(), "one letter suggests nothing");
        assert!(suggestions(":smi").len() <= MAX);
        assert!(suggestions("zzzz").is_empty());
    }
}
