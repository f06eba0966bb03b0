//! Who a valid credential belongs to and what it grants: what the database answers for a
//! presented token, and what the services' token caches keep.

use chrono::{DateTime, Utc};

use crate::dto::Scope;
use crate::ids::{ChannelId, SessionId, TokenId, UserId};

/// What a token grants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Grant {
    /// A person's login session: everything their roles allow.
    Session(SessionId),
    /// A bot's API token: its scopes, and its channels when it lists some.
    ApiToken {
        token_id: TokenId,
        scopes: Vec<Scope>,
        channels: Option<Vec<ChannelId>>,
    },
}

/// Who a valid token belongs to and what it grants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub user_id: UserId,
    pub grant: Grant,
    /// When the credential stops being valid, if ever.
    pub expires_at: Option<DateTime<Utc>>,
}
