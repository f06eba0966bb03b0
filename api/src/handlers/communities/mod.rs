//! Communities and their members.

pub mod create;
pub mod get;
pub mod members;
pub mod update;

use crate::error::{Error, Result};

/// A slug as typed, made canonical, or why it cannot be one.
pub(crate) fn slug(input: &str) -> Result<String> {
    let slug = input.trim().to_lowercase();
    let mut chars = slug.chars();
    let valid = matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && slug.len() <= 48
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if valid {
        Ok(slug)
    } else {
        Err(Error::validation(format!(
            "{input:?} is not a valid slug: use 1 to 48 lower-case letters, digits or '-', starting with a letter or digit"
        )))
    }
}

/// A community name: 1 to 100 characters.
pub(crate) fn name(input: &str) -> Result<String> {
    let name = input.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::validation(
            "a community name has 1 to 100 characters",
        ));
    }
    Ok(name.to_owned())
}
