//! Linking a provider's account to a user, or creating the user on first sign-in.

use ajet_core::UserId;
use ajet_db::{access, channels, communities, oauth};

use super::flow::unavailable;
use super::providers::{Failure, Provider, ProviderUser};
use crate::login::signup::admit;
use crate::state::AppState;

/// The linked user, or a new one (first run or invite); whether it was created.
pub(super) async fn sign_in(
    state: &AppState,
    provider: &Provider,
    who: &ProviderUser,
    invite: Option<&str>,
) -> Result<(UserId, bool), Failure> {
    let mut tx = state.db.begin().await.map_err(unavailable)?;
    if let Some(user) = oauth::linked_user(&mut tx, provider.id, &who.id)
        .await
        .map_err(unavailable)?
    {
        return Ok((user, false));
    }
    let (community, role, _) = admit(&mut tx, invite.unwrap_or_default(), "")
        .await
        .map_err(|refusal| Failure {
            reason: refusal.reason,
            message: refusal.message,
        })?;
    let username = access::free_username(&mut tx, &who.login)
        .await
        .map_err(unavailable)?;
    let user = oauth::insert_person(
        &mut tx,
        &username,
        who.name.as_deref(),
        who.email.as_deref(),
    )
    .await
    .map_err(unavailable)?;
    oauth::link(&mut tx, user, provider.id, &who.id)
        .await
        .map_err(unavailable)?;
    communities::add_member(&mut tx, community, user, role)
        .await
        .map_err(unavailable)?;
    if let Some(general) = channels::by_name(&mut tx, community, ajet_db::bootstrap::GENERAL)
        .await
        .map_err(unavailable)?
    {
        channels::add_member(&mut tx, general.id, user)
            .await
            .map_err(unavailable)?;
    }
    tx.commit().await.map_err(unavailable)?;
    Ok((user, true))
}
