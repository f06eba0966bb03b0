//! Incoming webhooks: reads what outside tools send to `POST /hook/<id>/<token>` and renders
//! it as a message.
//!
//! Tools send what they always send: Slack-compatible messages (JSON or a form `payload=`),
//! GitHub and Gitea/Forgejo event payloads, Alertmanager and Grafana alert groups, or plain
//! text. [`render`] detects the format, checks the signature when the webhook has a secret,
//! and renders the delivery as a markdown body (what the cli prints) with optional structured
//! [`Card`]s, or says why it posts nothing. Nothing here does I/O.
//!
//! Text from outside is text: other people's words in native payloads (commit messages,
//! titles, bodies, labels) are escaped so that they format nothing, link nowhere and mention
//! nobody; only the explicit mention forms of Slack-compatible text (`<!here>`, `<!channel>`,
//! `<@user>`, and Mattermost's bare `@channel`) mention. Links keep their targets when those
//! are `http`, `https` or `mailto`. Everything rendered is bounded.

mod alertmanager;
mod detect;
mod error;
mod forge;
mod gitea;
mod github;
mod mrkdwn;
pub mod signature;
mod slack;
pub mod text;

use std::fmt;
use std::str::FromStr;

pub use ajet_core::cards::{Card, CardField};
use http::HeaderMap;
use serde::{Deserialize as _, Serialize};

pub use error::{SignatureError, WebhookError};

use detect::Body;

/// The formats a webhook understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Slack's incoming-webhook message (also what Mattermost, Rocket.Chat, Jenkins, GitLab
    /// and GitHub Actions' Slack steps send).
    Slack,
    /// A GitHub event, named by `X-GitHub-Event`.
    Github,
    /// A Gitea or Forgejo event, named by `X-Gitea-Event` / `X-Forgejo-Event`.
    Gitea,
    /// An Alertmanager notification (Grafana's unified alerting sends the same shape).
    Alertmanager,
    /// `{"text": …}` in the project's markdown, or a `text/plain` body.
    Plain,
}

impl Format {
    /// The name used in `?format=` and in the delivery log.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Slack => "slack",
            Self::Github => "github",
            Self::Gitea => "gitea",
            Self::Alertmanager => "alertmanager",
            Self::Plain => "plain",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s.trim().to_ascii_lowercase().as_str() {
            "slack" | "mattermost" => Ok(Self::Slack),
            "github" => Ok(Self::Github),
            "gitea" | "forgejo" => Ok(Self::Gitea),
            "alertmanager" | "grafana" => Ok(Self::Alertmanager),
            "plain" => Ok(Self::Plain),
            _ => Err(()),
        }
    }
}

/// One delivery as the hook handler received it.
#[derive(Clone, Copy, Debug)]
pub struct Incoming<'a> {
    pub headers: &'a HeaderMap,
    /// The `format` query parameter, when the URL has one.
    pub query_format: Option<&'a str>,
    /// The raw body, exactly as received (signatures are over these bytes).
    pub body: &'a [u8],
}

/// The webhook's settings that change how a delivery is handled.
#[derive(Clone, Copy, Debug)]
pub struct Options<'a> {
    /// The webhook's secret: when set, every delivery must carry a valid signature.
    pub secret: Option<&'a [u8]>,
    /// The events to post (`push`, `pull_request`, `alert`, `message`, …); `None` posts every
    /// event that can be rendered.
    pub events: Option<&'a [String]>,
    /// Whether successful CI results (workflow runs and jobs, check runs and suites) post.
    pub ci_successes: bool,
}

impl Default for Options<'_> {
    fn default() -> Self {
        Self {
            secret: None,
            events: None,
            ci_successes: true,
        }
    }
}

/// A delivery that was read: what it was, and what to do with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Delivery {
    pub format: Format,
    /// The event: GitHub's or Gitea's event name, `alert` for Alertmanager, `message` for
    /// Slack-compatible and plain messages.
    pub event: String,
    /// The event's action when it has one (`opened`, `completed`, `firing`, …).
    pub action: Option<String>,
    /// The sender's delivery id (`X-GitHub-Delivery`, `X-Gitea-Delivery`): a redelivery
    /// carries the same one.
    pub idempotency_key: Option<String>,
    pub outcome: Outcome,
}

/// Whether a delivery posts a message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Outcome {
    Post(WebhookMessage),
    /// Answered with success, nothing posted.
    Skip {
        reason: Skip,
    },
}

/// Why a delivery that was read posts nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Skip {
    /// GitHub's `ping` when a webhook is set up.
    Ping,
    /// An event or action this crate does not render.
    NotRendered,
    /// An event the webhook's settings leave out.
    Filtered,
}

impl Skip {
    /// A sentence for the delivery log.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Ping => "A ping: the webhook is reachable; nothing is posted.",
            Self::NotRendered => "This event is not rendered; nothing is posted.",
            Self::Filtered => "The webhook's settings leave this event out; nothing is posted.",
        }
    }
}

/// A message to post.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct WebhookMessage {
    /// The markdown body: complete on its own (what the cli prints, what search indexes and
    /// what mentions are read from). When there are cards, it ends with their content.
    pub body: String,
    /// The part of the body before the cards' content: what a client that draws the cards
    /// shows above them.
    pub text: String,
    /// Structured cards (Slack attachments, alerts) for clients that draw them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cards: Vec<Card>,
    /// What the payload asks to change for this one message.
    pub overrides: Overrides,
}

/// Per-message changes a Slack-compatible payload asks for; the api applies them only when
/// the webhook allows overrides.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Overrides {
    pub username: Option<String>,
    /// An `http`/`https` image URL.
    pub icon_url: Option<String>,
    /// An emoji short code such as `:rocket:`.
    pub icon_emoji: Option<String>,
    /// Another channel of the webhook's community, as named by the sender (`#name`, `name`).
    pub channel: Option<String>,
}

/// A delivery that was refused, with what was learnt about it before the refusal (for the
/// delivery log).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejected {
    pub format: Option<Format>,
    pub event: Option<String>,
    pub idempotency_key: Option<String>,
    pub error: WebhookError,
}

/// What a format's renderer produces for one payload.
pub(crate) struct Rendered {
    pub event: String,
    pub action: Option<String>,
    pub outcome: Outcome,
}

impl Rendered {
    pub(crate) fn post(event: &str, action: Option<&str>, message: WebhookMessage) -> Self {
        Self {
            event: event.to_owned(),
            action: action.map(str::to_owned),
            outcome: Outcome::Post(message),
        }
    }

    pub(crate) fn skip(event: &str, action: Option<&str>, reason: Skip) -> Self {
        Self {
            event: event.to_owned(),
            action: action.map(str::to_owned),
            outcome: Outcome::Skip { reason },
        }
    }
}

impl WebhookMessage {
    /// A message with only a markdown body.
    pub(crate) fn markdown(body: String) -> Self {
        let body = text::bound_body(&body);
        Self {
            text: body.clone(),
            body,
            ..Self::default()
        }
    }
}

/// The event name a header carries, bounded and reduced to the characters event names use.
fn event_header(headers: &HeaderMap, names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| detect::header(headers, n))
        .map(|v| {
            v.chars()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
                .take(64)
                .collect::<String>()
                .to_ascii_lowercase()
        })
}

/// The sender's delivery id, when it is a sensible idempotency key.
fn delivery_id(headers: &HeaderMap, format: Option<Format>) -> Option<String> {
    let names: &[&str] = match format {
        Some(Format::Github) => &["x-github-delivery"],
        Some(Format::Gitea) => &["x-gitea-delivery", "x-forgejo-delivery", "x-gogs-delivery"],
        _ => &[],
    };
    names
        .iter()
        .find_map(|n| detect::header(headers, n))
        .filter(|v| {
            v.len() <= ajet_core::limits::MAX_IDEMPOTENCY_KEY_LEN
                && v.chars().all(|c| c.is_ascii_graphic())
        })
        .map(str::to_owned)
}

/// Reads one delivery: detects its format, verifies its signature when the webhook has a
/// secret, and renders it, or says why it is refused.
pub fn render(incoming: &Incoming<'_>, options: &Options<'_>) -> Result<Delivery, Rejected> {
    let headers = incoming.headers;
    let announced = detect::format_from_request(headers, incoming.query_format);
    let known_format = announced.as_ref().ok().copied().flatten();
    let event = match known_format {
        Some(Format::Github) => event_header(headers, &["x-github-event"]),
        Some(Format::Gitea) => event_header(
            headers,
            &["x-gitea-event", "x-forgejo-event", "x-gogs-event"],
        ),
        _ => None,
    };
    let idempotency_key = delivery_id(headers, known_format);
    let reject = |format: Option<Format>, error: WebhookError| Rejected {
        format,
        event: event.clone(),
        idempotency_key: idempotency_key.clone(),
        error,
    };

    let announced = announced.map_err(|e| reject(None, e))?;
    if let Some(secret) = options.secret {
        signature::verify(headers, incoming.body, secret)
            .map_err(|e| reject(announced, e.into()))?;
    }
    let body = detect::read_body(headers, incoming.body).map_err(|e| reject(announced, e))?;
    let format = match announced {
        Some(f) => f,
        None => detect::format_from_body(&body).map_err(|e| reject(None, e))?,
    };
    let rendered = render_format(format, event.as_deref(), headers, &body, options)
        .map_err(|e| reject(Some(format), e))?;

    let outcome = match rendered.outcome {
        Outcome::Post(_) if !wanted(&rendered.event, options) => Outcome::Skip {
            reason: Skip::Filtered,
        },
        outcome => outcome,
    };
    Ok(Delivery {
        format,
        event: rendered.event,
        action: rendered.action,
        idempotency_key,
        outcome,
    })
}

/// Renders a body whose format is known.
fn render_format(
    format: Format,
    event: Option<&str>,
    headers: &HeaderMap,
    body: &Body,
    options: &Options<'_>,
) -> Result<Rendered, WebhookError> {
    match format {
        Format::Plain => plain(body),
        Format::Slack => slack::render(body),
        Format::Alertmanager => alertmanager::render(json(body, format)?),
        Format::Github => {
            let event = event.ok_or(WebhookError::MissingEventHeader(format, "X-GitHub-Event"))?;
            github::render(event, json(body, format)?, options)
        }
        Format::Gitea => {
            let event = event.ok_or(WebhookError::MissingEventHeader(format, "X-Gitea-Event"))?;
            let kind = detect::header(headers, "x-gitea-event-type")
                .or_else(|| detect::header(headers, "x-forgejo-event-type"));
            gitea::render(event, kind, json(body, format)?)
        }
    }
}

fn wanted(event: &str, options: &Options<'_>) -> bool {
    options
        .events
        .is_none_or(|events| events.iter().any(|e| e.eq_ignore_ascii_case(event)))
}

/// The JSON of a body that must be JSON for `format`.
fn json(body: &Body, format: Format) -> Result<&serde_json::Value, WebhookError> {
    match body {
        Body::Json(v) => Ok(v),
        Body::Text(_) => Err(WebhookError::NotJson(format!(
            "a {format} delivery is a JSON document"
        ))),
    }
}

/// A plain message: a `text/plain` body, or `{"text": …}`, taken as the project's markdown.
fn plain(body: &Body) -> Result<Rendered, WebhookError> {
    let text = match body {
        Body::Text(t) => t.clone(),
        Body::Json(v) => {
            #[derive(serde::Deserialize)]
            struct PlainText {
                text: String,
            }
            let PlainText { text } = PlainText::deserialize(v)
                .map_err(|e| WebhookError::invalid(Format::Plain, "message", &e))?;
            text
        }
    };
    if text.trim().is_empty() {
        return Err(WebhookError::NothingToShow(Format::Plain));
    }
    Ok(Rendered::post(
        "message",
        None,
        WebhookMessage::markdown(text.trim().to_owned()),
    ))
}
