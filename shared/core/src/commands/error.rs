//! Why a text is not a command that can run, as a sentence that says what to type.

use super::duration::DurationError;
use crate::error::ErrorCode;
use crate::limits::MAX_MESSAGE_CHARS;

/// A command that cannot be parsed. Its `Display` is the sentence the caller sees.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// Longer than a message may be.
    #[error("the command is {chars} characters long; the limit is {MAX_MESSAGE_CHARS}")]
    TooLong { chars: usize },
    /// A `/` with no name after it.
    #[error(
        "type a command name after the /, or start with // to post a message that begins with /"
    )]
    MissingName,
    /// No command by this name (built in, or registered in the community).
    #[error("unknown command /{name} — /help lists the commands you can run")]
    Unknown { name: String },
    /// The arguments do not fit the command.
    #[error("{problem}; usage: {usage}")]
    Usage {
        problem: String,
        usage: &'static str,
    },
    /// An option the command does not have.
    #[error("/{command} has no option {option}; usage: {usage}")]
    UnknownOption {
        command: &'static str,
        option: String,
        usage: &'static str,
    },
    /// A duration that cannot be one.
    #[error("{input:?} is not a duration: {reason}")]
    Duration {
        input: String,
        reason: DurationError,
    },
    /// Unbalanced or misplaced quotes.
    #[error("{0}")]
    Quote(String),
}

impl CommandError {
    /// The error `/name` gets when neither a built-in nor a registered command has that
    /// name.
    pub fn unknown(name: impl Into<String>) -> Self {
        Self::Unknown { name: name.into() }
    }

    /// The code the api answers with: `unknown_command` (400) for an unknown command,
    /// `payload_too_large` (413) for an over-long one, and `bad_request` (400) for
    /// everything else.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::TooLong { .. } => ErrorCode::PayloadTooLarge,
            Self::Unknown { .. } => ErrorCode::UnknownCommand,
            Self::MissingName
            | Self::Usage { .. }
            | Self::UnknownOption { .. }
            | Self::Duration { .. }
            | Self::Quote(_) => ErrorCode::BadRequest,
        }
    }

    pub(super) fn usage(problem: impl Into<String>, usage: &'static str) -> Self {
        Self::Usage {
            problem: problem.into(),
            usage,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_say_what_to_type() {
        assert_eq!(
            CommandError::unknown("foo").to_string(),
            "unknown command /foo — /help lists the commands you can run"
        );
        assert_eq!(
            CommandError::usage("name a user", "/kick @user [reason]").to_string(),
            "name a user; usage: /kick @user [reason]"
        );
        assert_eq!(
            CommandError::Duration {
                input: "-5m".into(),
                reason: DurationError::Negative
            }
            .to_string(),
            "\"-5m\" is not a duration: a duration cannot be negative"
        );
    }

    #[test]
    fn codes_and_statuses() {
        assert_eq!(CommandError::unknown("x").code(), ErrorCode::UnknownCommand);
        assert_eq!(CommandError::unknown("x").code().status(), 400);
        assert_eq!(CommandError::TooLong { chars: 20_000 }.code().status(), 413);
        assert_eq!(CommandError::MissingName.code().status(), 400);
        assert_eq!(CommandError::Quote("q".into()).code().status(), 400);
    }
}
