//! Slash commands and moderation.

use ajet_core::commands::{CommandAnswer, CommandDto, RunCommand};
use ajet_core::moderation::{CreateBan, CreateKick, CreateMute, CreatePurge, Purged, SanctionDto};
use ajet_core::{ChannelId, CommunityId, UserId};
use reqwest::Method;

use crate::client::Client;
use crate::error::Result;

impl Client {
    /// Runs what was typed in `channel`'s composer: a slash command, or (without a leading
    /// `/`, or with `//`) a message.
    pub async fn run_command(&self, channel: ChannelId, text: &str) -> Result<CommandAnswer> {
        let body = RunCommand {
            channel_id: channel,
            text: text.to_owned(),
        };
        self.send(self.request(Method::POST, "/api/commands").json(&body))
            .await
    }

    /// The commands the caller may run in `channel`.
    pub async fn commands(&self, channel: ChannelId) -> Result<Vec<CommandDto>> {
        let path = format!("/api/commands?channel_id={channel}");
        self.send(self.request(Method::GET, &path)).await
    }

    /// Bans a member of `community`.
    pub async fn ban(&self, community: CommunityId, body: &CreateBan) -> Result<()> {
        let path = format!("/api/communities/{community}/bans");
        self.send_empty(self.request(Method::POST, &path).json(body))
            .await
    }

    /// Lifts a ban.
    pub async fn unban(&self, community: CommunityId, user: UserId) -> Result<()> {
        let path = format!("/api/communities/{community}/bans/{user}");
        self.send_empty(self.request(Method::DELETE, &path)).await
    }

    /// The bans in force.
    pub async fn bans(&self, community: CommunityId) -> Result<Vec<SanctionDto>> {
        let path = format!("/api/communities/{community}/bans");
        self.send(self.request(Method::GET, &path)).await
    }

    /// Removes a member from `community` and its channels.
    pub async fn kick(&self, community: CommunityId, body: &CreateKick) -> Result<()> {
        let path = format!("/api/communities/{community}/kicks");
        self.send_empty(self.request(Method::POST, &path).json(body))
            .await
    }

    /// Mutes a member of `community`.
    pub async fn mute(&self, community: CommunityId, body: &CreateMute) -> Result<()> {
        let path = format!("/api/communities/{community}/mutes");
        self.send_empty(self.request(Method::POST, &path).json(body))
            .await
    }

    /// Lifts a mute.
    pub async fn unmute(&self, community: CommunityId, user: UserId) -> Result<()> {
        let path = format!("/api/communities/{community}/mutes/{user}");
        self.send_empty(self.request(Method::DELETE, &path)).await
    }

    /// The mutes in force.
    pub async fn mutes(&self, community: CommunityId) -> Result<Vec<SanctionDto>> {
        let path = format!("/api/communities/{community}/mutes");
        self.send(self.request(Method::GET, &path)).await
    }

    /// Deletes the newest `body.count` messages of `channel` (of one person, when named).
    pub async fn purge(&self, channel: ChannelId, body: &CreatePurge) -> Result<Purged> {
        let path = format!("/api/channels/{channel}/purge");
        self.send(self.request(Method::POST, &path).json(body))
            .await
    }

    /// Joins the community of the invite `code` (after leaving it, or being removed).
    pub async fn accept_invite(&self, code: &str) -> Result<()> {
        let path = format!("/api/invites/{code}/accept");
        self.send_empty(self.request(Method::POST, &path)).await
    }
}
