//! What every page of the app shows around its content: the viewer and the sidebar — a
//! switcher of their communities, the current community's channels and their DMs, with
//! unread and mention counts.

use ajet_core::CommunityId;
use ajet_core::dto::{ChannelDto, CommunityDto, MeDto};
use axum::http::{HeaderMap, HeaderValue, header};
use serde::Serialize;

/// The sidebar, grouped the way it is drawn.
#[derive(Debug, Serialize)]
pub struct Sidebar {
    /// Every community the viewer belongs to, the current one marked.
    pub switcher: Vec<CommunityTab>,
    /// The current community (none for someone in no community), with its channels.
    pub communities: Vec<CommunityView>,
    pub dms: Vec<ChannelLink>,
}

/// One community in the switcher.
#[derive(Debug, Serialize)]
pub struct CommunityTab {
    pub id: String,
    pub name: String,
    /// What its tile shows: the name's first letter.
    pub initial: String,
    /// `/c/<slug>`, which leads to its default channel.
    pub url: String,
    pub current: bool,
    /// Whether any of its channels has unread messages (for the others than the current).
    pub unread: bool,
    pub mentions: i64,
}

#[derive(Debug, Serialize)]
pub struct CommunityView {
    pub id: String,
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

/// The cookie that remembers the community last shown, so that pages outside any
/// community (DMs, starting one) keep its channels in the sidebar.
pub const COMMUNITY_COOKIE: &str = "ajet_community";

/// The community the viewer was last in, from its cookie, if it looks like a slug.
pub fn remembered_community(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COMMUNITY_COOKIE)
        .map(|(_, slug)| slug.to_owned())
        .filter(|slug| {
            !slug.is_empty()
                && slug.len() <= 64
                && slug
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// `Set-Cookie` remembering `slug` as the viewer's community, for a year.
pub fn remember_community(slug: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!(
        "{COMMUNITY_COOKIE}={slug}; Path=/; HttpOnly; SameSite=Lax; Max-Age=31536000"
    ))
    .ok()
}

/// The channel a community opens on: `#general` if the viewer is in it, else their first
/// channel there by name; archived channels never.
pub fn default_channel(community: CommunityId, channels: &[ChannelDto]) -> Option<&ChannelDto> {
    let mut mine: Vec<&ChannelDto> = channels
        .iter()
        .filter(|c| c.community_id == Some(community) && !c.archived)
        .collect();
    mine.sort_by(|a, b| a.name.cmp(&b.name));
    mine.iter()
        .find(|c| c.name.as_deref() == Some("general"))
        .or(mine.first())
        .copied()
}

/// Which community the sidebar shows: the open channel's, else the one named (a page of
/// that community, or the remembered one), else the first the api lists.
fn current_community<'a>(
    me: &'a MeDto,
    current: Option<&ChannelDto>,
    named: Option<&str>,
) -> Option<&'a CommunityDto> {
    current
        .and_then(|c| c.community_id)
        .and_then(|id| me.communities.iter().find(|c| c.id == id))
        .or_else(|| named.and_then(|slug| me.communities.iter().find(|c| c.slug == slug)))
        .or(me.communities.first())
}

/// The sidebar of `me`'s channels, `current` highlighted: the switcher of their
/// communities (in the order the api lists them), the channels of the current one by
/// name (see [`current_community`] for which, `community` naming one by slug), and DMs.
pub fn sidebar(
    me: &MeDto,
    channels: &[ChannelDto],
    current: Option<&ChannelDto>,
    community: Option<&str>,
) -> Sidebar {
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
    let shown = current_community(me, current, community);
    let switcher = me
        .communities
        .iter()
        .map(|community| {
            let here = channels
                .iter()
                .filter(|c| c.community_id == Some(community.id) && !c.archived);
            let current = shown.is_some_and(|s| s.id == community.id);
            CommunityTab {
                id: community.id.to_string(),
                name: community.name.clone(),
                initial: community
                    .name
                    .chars()
                    .find(|c| c.is_alphanumeric())
                    .map(|c| c.to_uppercase().collect())
                    .unwrap_or_else(|| "#".to_owned()),
                url: format!("/c/{}", community.slug),
                current,
                unread: !current && here.clone().any(|c| c.unread_count > 0),
                mentions: if current {
                    0
                } else {
                    here.map(|c| c.mention_count).sum()
                },
            }
        })
        .collect();
    let communities = shown
        .into_iter()
        .map(|community| {
            let mut in_it: Vec<&ChannelDto> = channels
                .iter()
                .filter(|c| c.community_id == Some(community.id))
                .collect();
            in_it.sort_by(|a, b| a.name.cmp(&b.name));
            CommunityView {
                id: community.id.to_string(),
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
    Sidebar {
        switcher,
        communities,
        dms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACME: &str = "00000000-0000-0000-0000-00000000000a";
    const BETA: &str = "00000000-0000-0000-0000-00000000000b";

    fn me() -> MeDto {
        serde_json::from_value(serde_json::json!({
            "user": { "id": "00000000-0000-0000-0000-000000000001", "username": "bob", "display_name": null },
            "communities": [
                { "id": ACME, "name": "Acme", "slug": "acme" },
                { "id": BETA, "name": "beta team", "slug": "beta" },
            ],
        }))
        .unwrap()
    }

    fn channel(
        n: u8,
        community: &str,
        slug: &str,
        name: &str,
        unread: i64,
        mentions: i64,
    ) -> ChannelDto {
        serde_json::from_value(serde_json::json!({
            "id": format!("00000000-0000-0000-0000-0000000001{n:02}"),
            "community_id": community, "community_slug": slug, "name": name,
            "kind": "text", "visibility": "public", "topic": "", "archived": false,
            "created_at": "2025-01-01T00:00:00Z",
            "unread_count": unread, "mention_count": mentions,
        }))
        .unwrap()
    }

    fn channels() -> Vec<ChannelDto> {
        vec![
            channel(1, ACME, "acme", "random", 0, 0),
            channel(2, ACME, "acme", "general", 0, 0),
            channel(3, BETA, "beta", "alpha", 2, 1),
            channel(4, BETA, "beta", "ops", 1, 0),
        ]
    }

    #[test]
    fn the_switcher_lists_every_community_and_the_sidebar_the_current_ones_channels() {
        let (me, channels) = (me(), channels());
        let side = sidebar(&me, &channels, Some(&channels[0]), Some("beta"));
        let names: Vec<_> = side.switcher.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["Acme", "beta team"]);
        assert!(side.switcher[0].current && !side.switcher[1].current);
        assert_eq!(side.switcher[1].initial, "B");
        assert_eq!(side.switcher[1].url, "/c/beta");
        assert!(side.switcher[1].unread);
        assert_eq!(side.switcher[1].mentions, 1);
        assert_eq!(side.communities.len(), 1);
        let shown: Vec<_> = side.communities[0]
            .channels
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(shown, ["general", "random"]);

        // Outside any channel, the community named (a browse page, the remembered one).
        let side = sidebar(&me, &channels, None, Some("beta"));
        assert!(side.switcher[1].current);
        assert!(
            !side.switcher[1].unread,
            "the current community's counts are its channels'"
        );
        assert_eq!(side.communities[0].name, "beta team");
        // A slug the viewer is not in falls back to their first community.
        let side = sidebar(&me, &channels, None, Some("elsewhere"));
        assert!(side.switcher[0].current);
    }

    #[test]
    fn a_community_opens_on_general_else_its_first_channel() {
        let (acme, beta) = (ACME.parse().unwrap(), BETA.parse().unwrap());
        let channels = channels();
        assert_eq!(
            default_channel(acme, &channels).unwrap().name.as_deref(),
            Some("general")
        );
        assert_eq!(
            default_channel(beta, &channels).unwrap().name.as_deref(),
            Some("alpha")
        );
    }

    #[test]
    fn the_remembered_community_is_read_from_its_cookie_if_it_looks_like_a_slug() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("ajet_session=x; ajet_community=beta-team"),
        );
        assert_eq!(remembered_community(&headers).as_deref(), Some("beta-team"));
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("ajet_community=../etc"),
        );
        assert_eq!(remembered_community(&headers), None);
        assert_eq!(remembered_community(&HeaderMap::new()), None);
        let cookie = remember_community("beta").unwrap();
        assert_eq!(
            cookie,
            "ajet_community=beta; Path=/; HttpOnly; SameSite=Lax; Max-Age=31536000"
        );
    }
}
