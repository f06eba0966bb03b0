//! Who is calling: the api validates the caller's token itself, whoever forwarded it.
//!
//! Handlers take an [`AuthUser`] and ask it, before touching anything, whether the caller's
//! credential allows the action: [`AuthUser::require`] for a scope and
//! [`AuthUser::check_channel`] for a channel. A person's session allows every scope and
//! channel (their role and memberships still apply); an API token allows only its scopes,
//! and only its listed channels when it has a list.

use ajet_core::dto::Scope;
use ajet_core::{ChannelId, ErrorCode, SessionId, UserId};

use ajet_core::auth::Grant;
use ajet_edge::presented_token;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::error::Error;
use crate::state::AppState;

/// An authenticated person or bot.
#[derive(Clone, Debug)]
pub struct AuthUser {
    pub id: UserId,
    pub credential: Credential,
}

/// What the caller authenticated with.
#[derive(Clone, Debug)]
pub enum Credential {
    /// A person's login session.
    Session(SessionId),
    /// A bot's API token.
    ApiToken {
        token_id: ajet_core::TokenId,
        scopes: Vec<Scope>,
        /// When set, the only channels the token may touch.
        channels: Option<Vec<ChannelId>>,
    },
}

impl AuthUser {
    /// Fails with 403 unless the credential carries `scope`.
    pub fn require(&self, scope: Scope) -> Result<(), Error> {
        match &self.credential {
            Credential::Session(_) => Ok(()),
            Credential::ApiToken { scopes, .. } if scopes.contains(&scope) => Ok(()),
            Credential::ApiToken { .. } => Err(Error::new(
                ErrorCode::Forbidden,
                format!("this token lacks the {} scope", scope.as_str()),
            )),
        }
    }

    /// Fails with 404 (as for a channel that does not exist) when the credential is
    /// restricted to other channels.
    pub fn check_channel(&self, channel: ChannelId) -> Result<(), Error> {
        match &self.credential {
            Credential::ApiToken {
                channels: Some(allowed),
                ..
            } if !allowed.contains(&channel) => Err(Error::not_found(
                "there is no such channel, or you are not a member of it",
            )),
            _ => Ok(()),
        }
    }

    /// Whether the credential may see `channel` at all (for filtering lists).
    pub fn sees_channel(&self, channel: ChannelId) -> bool {
        self.check_channel(channel).is_ok()
    }
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let token = presented_token(&parts.headers).ok_or_else(|| {
            Error::unauthorized("sign in first: send your token as Authorization: Bearer <token>")
        })?;
        let identity = state
            .auth_cache
            .resolve(state.hasher.hash(token), || {
                ajet_db::auth::authenticate_in_pool(&state.db, &state.hasher, token)
            })
            .await?
            .ok_or_else(|| {
                Error::unauthorized("the token is not valid, or has expired or been revoked")
            })?;
        let credential = match identity.grant {
            Grant::Session(id) => Credential::Session(id),
            Grant::ApiToken {
                token_id,
                scopes,
                channels,
            } => Credential::ApiToken {
                token_id,
                scopes,
                channels,
            },
        };
        Ok(Self {
            id: identity.user_id,
            credential,
        })
    }
}

/// Announces a revocation to every gateway and api instance, and forgets locally at once.
pub async fn announce_revocation(state: &AppState, what: &str) {
    ajet_edge::revocation::announce(state.bus.as_ref(), &state.auth_cache, what).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(scopes: Vec<Scope>, channels: Option<Vec<ChannelId>>) -> AuthUser {
        AuthUser {
            id: UserId::new(),
            credential: Credential::ApiToken {
                token_id: ajet_core::TokenId::new(),
                scopes,
                channels,
            },
        }
    }

    #[test]
    fn sessions_may_do_everything_tokens_only_their_scopes() {
        let session = AuthUser {
            id: UserId::new(),
            credential: Credential::Session(SessionId::new()),
        };
        assert!(Scope::ALL.iter().all(|s| session.require(*s).is_ok()));
        let bot = token(vec![Scope::MessagesRead], None);
        assert!(bot.require(Scope::MessagesRead).is_ok());
        assert!(bot.require(Scope::MessagesWrite).is_err());
    }

    #[test]
    fn restricted_tokens_see_only_their_channels() {
        let (a, b) = (ChannelId::new(), ChannelId::new());
        let bot = token(vec![Scope::MessagesRead], Some(vec![a]));
        assert!(bot.check_channel(a).is_ok());
        assert!(bot.check_channel(b).is_err());
        assert!(token(vec![], None).sees_channel(b));
    }
}
