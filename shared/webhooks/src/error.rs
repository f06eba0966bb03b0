//! Why a delivery was refused: each error is a sentence naming the problem, for the sender and
//! for the webhook's delivery log.

use ajet_core::ErrorCode;

use crate::Format;

/// A delivery that cannot be read or is not signed as it must be.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error(
        "The format `{0}` is not known; use one of slack, github, gitea, alertmanager or plain."
    )]
    UnknownFormat(String),
    #[error(
        "The content type `{0}` is not accepted; send application/json, application/x-www-form-urlencoded with a `payload` field, or text/plain."
    )]
    UnsupportedContentType(String),
    #[error("The body is empty.")]
    EmptyBody,
    #[error("The body is not valid UTF-8.")]
    InvalidUtf8,
    #[error("The body is not valid JSON: {0}.")]
    NotJson(String),
    #[error("The form body has no `payload` field.")]
    MissingPayloadField,
    #[error("The form's `payload` field is not valid JSON: {0}.")]
    PayloadNotJson(String),
    #[error(
        "The JSON body has no known shape: expected a Slack-compatible message (`text`, `attachments` or `blocks`), an Alertmanager notification (`version` and `alerts`), or a GitHub or Gitea event with its event header."
    )]
    UnknownShape,
    #[error("A {0} delivery needs its event header ({1}).")]
    MissingEventHeader(Format, &'static str),
    #[error("The {format} `{event}` payload is not valid: {detail}.")]
    InvalidPayload {
        format: Format,
        event: String,
        detail: String,
    },
    #[error("The {0} message has nothing to show.")]
    NothingToShow(Format),
    #[error(transparent)]
    Signature(#[from] SignatureError),
}

/// A signature that does not prove the delivery came from someone holding the secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error(
        "The webhook has a secret, but the delivery has no X-Hub-Signature-256 or X-Gitea-Signature header."
    )]
    Missing,
    #[error("The signature header is not a hex HMAC-SHA256 (`sha256=<hex>` or `<hex>`).")]
    Malformed,
    #[error("The signature does not match the body and the webhook's secret.")]
    Mismatch,
}

impl WebhookError {
    /// The error code the api answers with: 401 for signatures, 400 for everything else.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Signature(_) => ErrorCode::Unauthorized,
            Self::NotJson(_) | Self::PayloadNotJson(_) => ErrorCode::InvalidJson,
            _ => ErrorCode::BadRequest,
        }
    }

    /// A payload that failed to deserialize into the shape of its event.
    pub(crate) fn invalid(format: Format, event: &str, err: &serde_json::Error) -> Self {
        Self::InvalidPayload {
            format,
            event: event.to_owned(),
            detail: err.to_string(),
        }
    }
}
