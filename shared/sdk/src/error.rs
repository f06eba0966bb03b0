//! What a call can fail with.

use ajet_core::{ErrorBody, ErrorCode};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server answered with an error body.
    #[error("{}", .body.message)]
    Api { status: u16, body: ErrorBody },
    /// The server could not be reached, or the connection broke.
    #[error("cannot reach the server: {0}")]
    Transport(#[source] reqwest::Error),
    /// The server answered with something that is not what the API documents.
    #[error("unexpected answer from the server: {0}")]
    Decode(String),
    /// The URL given for the server is not usable.
    #[error("{0}")]
    Config(String),
    /// A local file could not be read or written.
    #[error("{0}")]
    File(String),
}

impl Error {
    /// The typed code of an API error, if this is one.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Self::Api { body, .. } => Some(body.error),
            _ => None,
        }
    }

    /// Whether trying again later may succeed: the server was unreachable or overloaded.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Transport(_) => true,
            Self::Api { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }
}
