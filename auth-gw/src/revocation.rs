//! Revocations: announced on the bus by whoever revokes, heard by every gateway and api
//! instance, each of which then forgets the tokens it had validated.

use ajet_db::auth::REVOKED_SUBJECT;

use crate::state::AppState;

/// Tells every instance that a credential was revoked; forgets locally at once.
pub async fn announce(state: &AppState, what: &str) {
    state.auth_cache.clear();
    let payload = serde_json::json!({ "revoked": what }).to_string();
    if let Err(err) = state
        .bus
        .publish_signal(REVOKED_SUBJECT.to_owned(), payload.into())
        .await
    {
        // The other instances still drop it when their cache entry expires.
        tracing::warn!(error = %err, "cannot announce a revocation");
    }
}
