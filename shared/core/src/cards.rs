//! Structured cards on a message: what a webhook's attachments or alerts look like when a
//! client draws them rather than printing the markdown body.
//!
//! A card is the same content as part of the message body, typed: a client that draws cards
//! (the web page, the terminal UI) shows them; one that prints (the cli) shows the body, which
//! already holds everything a card says. Every text field is markdown that has been made safe
//! where it was produced (links only to `http`, `https` or `mailto`, no raw HTML, no mentions
//! from other people's words); the fields described as plain text are escaped so that, read
//! as markdown, they show exactly as written. Every URL field is an absolute `http` or
//! `https` URL.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One card: a coloured bar with an author line, a title, text, fields and images, modelled on
/// Slack's message attachments.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Card {
    /// The bar's colour, `#rrggbb` (lower case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// Markdown shown above the card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pretext: Option<String>,
    /// Who or what the card is about (plain text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_link: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_icon: Option<String>,
    /// The card's title (plain text), linked to `title_link` when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_link: Option<String>,
    /// The card's main text (markdown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Label and value pairs, drawn as a table.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<CardField>,
    /// A large image under the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// A small image beside the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumb_url: Option<String>,
    /// A small line under the card (plain text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub footer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub footer_icon: Option<String>,
    /// The time the card is about, shown beside the footer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ts: Option<DateTime<Utc>>,
}

/// One label and value pair of a [`Card`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CardField {
    /// The label (plain text).
    pub title: String,
    /// The value (markdown).
    pub value: String,
    /// Whether the field is short enough to stand beside another one.
    #[serde(default)]
    pub short: bool,
}

impl Card {
    /// Whether the card has nothing to show.
    pub fn is_empty(&self) -> bool {
        self.pretext.is_none()
            && self.author_name.is_none()
            && self.title.is_none()
            && self.text.is_none()
            && self.fields.is_empty()
            && self.image_url.is_none()
            && self.thumb_url.is_none()
            && self.footer.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_parts_are_left_out_of_the_json() {
        let card = Card {
            color: Some("#2eb886".into()),
            title: Some("Build".into()),
            fields: vec![CardField {
                title: "Ref".into(),
                value: "`main`".into(),
                short: true,
            }],
            ..Card::default()
        };
        let json = serde_json::to_value(&card).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "color": "#2eb886",
                "title": "Build",
                "fields": [{"title": "Ref", "value": "`main`", "short": true}],
            })
        );
        let back: Card = serde_json::from_value(json).unwrap();
        assert_eq!(back, card);
        assert!(!card.is_empty());
        assert!(Card::default().is_empty());
    }
}
