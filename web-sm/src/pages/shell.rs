//! What every page of the app shows around its content: the viewer and the sidebar of
//! their communities' channels and their DMs, with unread and mention counts.

use ajet_core::dto::{ChannelDto, MeDto};
use serde::Serialize;

/// The sidebar, grouped the way it is drawn.
#[derive(Debug, Serialize)]
pub struct Sidebar {
    pub communities: Vec<CommunityView>,
    pub dms: Vec<ChannelLink>,
}

#[derive(Debug, Serialize)]
pub struct CommunityView {
    pub name: String,
    /// Where its channels are browsed and created.
    pub browse_url: String,
    pub channels: Vec<ChannelLink>,
}

/// One channel or DM in the sidebar.
#[derive(Debug, Serialize)]
pub struct ChannelLink {
    pub id: String,
    pub name: String,
    pub url: String,
    pub unread: i64,
    pub mentions: i64,
    /// The channel's newest position when the page was built: a message at or before it
    /// is already counted.
    pub last_seq: i64,
    pub archived: bool,
    pub current: bool,
    /// For DMs: the other members' ids, space-separated (presence dots).
    pub user_ids: String,
}

/// The address of a channel's page: `/c/<community>/<channel>`, or `/dm/<id>`.
pub fn url(channel: &ChannelDto) -> String {
    match (&channel.community_slug, &channel.name) {
        (Some(slug), Some(name)) => format!("/c/{slug}/{name}"),
        _ => format!("/dm/{}", channel.id),
    }
}

/// How a channel is named to its viewer: `#name`, or the other people of a DM.
pub fn title(channel: &ChannelDto, me: &MeDto) -> String {
    match &channel.name {
        Some(name) => format!("#{name}"),
        None => {
            let others: Vec<&str> = channel
                .members
                .iter()
                .filter(|u| u.id != me.user.id)
                .map(|u| u.username.as_str())
                .collect();
            if others.is_empty() {
                me.user.username.clone()
            } else {
                others.join(", ")
            }
        }
    }
}

/// The sidebar of `me`'s channels, `current` highlighted; channels by name, communities
/// in the order the api lists them.
pub fn sidebar(me: &MeDto, channels: &[ChannelDto], current: Option<&ChannelDto>) -> Sidebar {
    let link = |c: &ChannelDto| ChannelLink {
        id: c.id.to_string(),
        name: c.name.clone().unwrap_or_else(|| title(c, me)),
        url: url(c),
        unread: c.unread_count,
        mentions: c.mention_count,
        last_seq: c.last_seq,
        archived: c.archived,
        current: current.is_some_and(|cur| cur.id == c.id),
        user_ids: c
            .members
            .iter()
            .filter(|u| u.id != me.user.id)
            .map(|u| u.id.to_string())
            .collect::<Vec<_>>()
            .join(" "),
    };
    let communities = me
        .communities
        .iter()
        .map(|community| {
            let mut in_it: Vec<&ChannelDto> = channels
                .iter()
                .filter(|c| c.community_id == Some(community.id))
                .collect();
            in_it.sort_by(|a, b| a.name.cmp(&b.name));
            CommunityView {
                name: community.name.clone(),
                browse_url: format!("/browse/{}", community.slug),
                channels: in_it.into_iter().map(link).collect(),
            }
        })
        .collect();
    let dms = channels
        .iter()
        .filter(|c| c.community_id.is_none())
        .map(link)
        .collect();
    Sidebar { communities, dms }
}
