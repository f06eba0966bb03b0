//! What the identity handlers share: the manager check and the audit trail.

use std::convert::Infallible;

use ajet_core::CommunityId;
use ajet_core::dto::{Role, Scope};
use ajet_db::PgConnection;
use ajet_telemetry::TraceContext;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::auth::AuthUser;
use crate::error::{Error, Result};

/// Fails unless `user` may manage `community`: the `admin` scope for a token, and the
/// moderator check every route uses ([`crate::authz::require_moderator`]: owner or admin,
/// not banned; outsiders get 404, as for a community that does not exist).
pub async fn require_manager(
    conn: &mut PgConnection,
    user: &AuthUser,
    community: CommunityId,
) -> Result<Role> {
    user.require(Scope::Admin)?;
    crate::authz::require_moderator(conn, community, user.id).await
}

/// Where a request came from, for the audit log.
#[derive(Clone, Debug, Default)]
pub struct Origin {
    pub ip: Option<String>,
    pub trace_id: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for Origin {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        // The gateway says who the client is (replacing whatever the client sent); without
        // it, the last X-Forwarded-For entry is the hop that reached us.
        let ip = parts
            .headers
            .get("x-ajet-client-ip")
            .or_else(|| parts.headers.get("x-forwarded-for"))
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .map(|ip| ip.trim().to_owned());
        let trace_id = parts
            .extensions
            .get::<TraceContext>()
            .map(|t| t.trace_id.clone());
        Ok(Self { ip, trace_id })
    }
}

impl Origin {
    /// An audit entry from this origin.
    pub fn entry<'a>(&self, user: &AuthUser, action: &'a str) -> ajet_db::audit::Entry<'a> {
        ajet_db::audit::Entry {
            actor: Some(user.id),
            action,
            ip: self.ip.clone(),
            trace_id: self.trace_id.clone(),
            ..Default::default()
        }
    }
}

/// A name for a bot, token or webhook: trimmed, 1 to 64 characters.
pub fn valid_name(name: &str, what: &str) -> Result<String> {
    let name = name.trim();
    let max = ajet_core::identity::MAX_NAME_LEN;
    if name.is_empty() || name.chars().count() > max {
        return Err(Error::validation(format!(
            "the {what} name must be 1 to {max} characters"
        )));
    }
    Ok(name.to_owned())
}
