//! Identity calls: signing in and out, sessions, bots and their tokens, webhooks, invites.

use ajet_core::identity::{
    BotDto, CreateBot, CreateInvite, CreateToken, CreateWebhook, Created, InviteDto, PasswordLogin,
    SessionDto, SessionToken, TokenDto, UpdateWebhook, WebhookDeliveryDto, WebhookDto,
};
use ajet_core::{CommunityId, TokenId, UserId, WebhookId};
use reqwest::Method;

use crate::client::Client;
use crate::error::Result;

impl Client {
    /// Signs in with a local account (`POST /auth/password`); the new session's token.
    pub async fn login_with_password(
        &self,
        username: &str,
        password: &str,
    ) -> Result<SessionToken> {
        let body = PasswordLogin {
            username: username.to_owned(),
            password: password.to_owned(),
        };
        self.send(self.request(Method::POST, "/auth/password").json(&body))
            .await
    }

    /// Ends the session of this client's token (`POST /auth/logout`).
    pub async fn logout(&self) -> Result<()> {
        self.send_empty(self.request(Method::POST, "/auth/logout"))
            .await
    }

    /// The caller's live sessions.
    pub async fn sessions(&self) -> Result<Vec<SessionDto>> {
        self.send(self.request(Method::GET, "/api/sessions")).await
    }

    /// Creates a bot in `community`.
    pub async fn create_bot(&self, community: CommunityId, body: &CreateBot) -> Result<BotDto> {
        let path = format!("/api/communities/{community}/bots");
        self.send(self.request(Method::POST, &path).json(body))
            .await
    }

    /// Creates a token for `bot`; the secret is in the answer only.
    pub async fn create_token(&self, bot: UserId, body: &CreateToken) -> Result<Created<TokenDto>> {
        let path = format!("/api/bots/{bot}/tokens");
        self.send(self.request(Method::POST, &path).json(body))
            .await
    }

    /// Revokes an API token.
    pub async fn revoke_token(&self, token: TokenId) -> Result<()> {
        let path = format!("/api/tokens/{token}");
        self.send_empty(self.request(Method::DELETE, &path)).await
    }

    /// Creates an incoming webhook; its token is in the answer only.
    pub async fn create_webhook(
        &self,
        community: CommunityId,
        body: &CreateWebhook,
    ) -> Result<Created<WebhookDto>> {
        let path = format!("/api/communities/{community}/webhooks");
        self.send(self.request(Method::POST, &path).json(body))
            .await
    }

    /// The community's webhooks, revoked ones included, without their tokens.
    pub async fn webhooks(&self, community: CommunityId) -> Result<Vec<WebhookDto>> {
        let path = format!("/api/communities/{community}/webhooks");
        self.send(self.request(Method::GET, &path)).await
    }

    /// Changes a webhook's name or settings; what `body` leaves out stays as it is.
    pub async fn update_webhook(
        &self,
        webhook: WebhookId,
        body: &UpdateWebhook,
    ) -> Result<WebhookDto> {
        let path = format!("/api/webhooks/{webhook}");
        self.send(self.request(Method::PATCH, &path).json(body))
            .await
    }

    /// Revokes a webhook: its URL stops working at once.
    pub async fn revoke_webhook(&self, webhook: WebhookId) -> Result<()> {
        let path = format!("/api/webhooks/{webhook}");
        self.send_empty(self.request(Method::DELETE, &path)).await
    }

    /// The webhook's last 100 deliveries, newest first.
    pub async fn webhook_deliveries(&self, webhook: WebhookId) -> Result<Vec<WebhookDeliveryDto>> {
        let path = format!("/api/webhooks/{webhook}/deliveries");
        self.send(self.request(Method::GET, &path)).await
    }

    /// Creates an invite to `community`.
    pub async fn create_invite(
        &self,
        community: CommunityId,
        body: &CreateInvite,
    ) -> Result<InviteDto> {
        let path = format!("/api/communities/{community}/invites");
        self.send(self.request(Method::POST, &path).json(body))
            .await
    }

    /// Deletes the caller's own account.
    pub async fn delete_account(&self) -> Result<()> {
        self.send_empty(self.request(Method::DELETE, "/api/me"))
            .await
    }
}
