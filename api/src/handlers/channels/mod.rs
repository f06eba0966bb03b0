//! Channels: create, browse, read state, membership.

pub mod create;
pub mod get;
pub mod list;
pub mod membership;
pub mod read;
pub mod update;

use ajet_core::UserId;
use ajet_core::dto::ChannelDto;
use ajet_db::PgConnection;
use ajet_db::channels::Channel;

use crate::error::{Error, Result};

/// Channels as DTOs, with the other members of DMs filled in.
pub(crate) async fn to_dtos(
    conn: &mut PgConnection,
    channels: Vec<Channel>,
    me: UserId,
) -> Result<Vec<ChannelDto>> {
    let dms: Vec<_> = channels
        .iter()
        .filter(|c| c.is_dm())
        .map(|c| c.id)
        .collect();
    let mut members = if dms.is_empty() {
        Vec::new()
    } else {
        ajet_db::channels::dm_members(conn, &dms, me).await?
    };
    Ok(channels
        .into_iter()
        .map(|c| {
            let mine: Vec<_> = if c.is_dm() {
                let (this, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut members)
                    .into_iter()
                    .partition(|(id, _)| *id == c.id);
                members = rest;
                this.into_iter().map(|(_, u)| u).collect()
            } else {
                Vec::new()
            };
            c.into_dto(mine)
        })
        .collect())
}

/// A channel name as typed (`#Deploys`, ` ops `) made canonical, or why it cannot be one.
pub(crate) fn channel_name(input: &str) -> Result<String> {
    let name = input.trim().trim_start_matches('#').to_lowercase();
    let mut chars = name.chars();
    let valid = matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && name.len() <= 80
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if valid {
        Ok(name)
    } else {
        Err(Error::validation(format!(
            "{input:?} is not a valid channel name: use 1 to 80 lower-case letters, digits, '-' or '_', starting with a letter or digit"
        )))
    }
}

/// A topic: at most 500 characters.
pub(crate) fn topic(input: &str) -> Result<String> {
    let topic = input.trim();
    if topic.chars().count() > 500 {
        return Err(Error::validation("the topic is longer than 500 characters"));
    }
    Ok(topic.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_names_are_made_canonical_or_refused() {
        assert_eq!(channel_name("#Deploys").unwrap(), "deploys");
        assert_eq!(channel_name(" ops_2 ").unwrap(), "ops_2");
        assert!(channel_name("").is_err());
        assert!(channel_name("-x").is_err());
        assert!(channel_name("has space").is_err());
        assert!(channel_name(&"a".repeat(81)).is_err());
    }
}
