//! `GET /api/search?q=…&cursor=…&limit=…`: full-text search, best results first.

use ajet_core::ErrorBody;
use ajet_core::dto::Scope;
use ajet_core::search::{self, DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT, SearchPage};
use ajet_db::search::{Cursor, Reader};
use axum::Json;
use axum::extract::State;
use serde::Deserialize;

use crate::auth::{AuthUser, Credential};
use crate::error::{Error, QueryParams, Result};
use crate::state::AppState;

/// `q` in the search language of [`ajet_core::search`], the `cursor` a previous page gave
/// (with the same `q`), and `limit`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Words, `"exact phrases"`, `-excluded`, `prefix*`, `from:@user`, `in:#channel`,
    /// `before:`/`after:`/`on:YYYY-MM-DD`, `has:link`, `has:file`.
    pub q: Option<String>,
    /// The `next_cursor` of the previous page, with the same `q`.
    pub cursor: Option<String>,
    /// At most this many results, 1 to 100 (default 20).
    pub limit: Option<u32>,
}

/// Messages the caller may read that match `q`: ranked, with highlighted snippets.
#[utoipa::path(
    get,
    path = "/search",
    tag = "search",
    security(("bearer" = [])),
    params(
        SearchParams
    ),
    responses(
        (status = 200, description = "Matching messages, best first, with highlighted snippets.", body = SearchPage),
        (status = 400, description = "The query string could not be read, `q` is not a valid search, or the cursor is not from this search.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The token lacks the `messages:read` scope.", body = ErrorBody),
        (status = 422, description = "`limit` is out of range.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id))]
pub async fn search_messages(
    State(state): State<AppState>,
    user: AuthUser,
    QueryParams(params): QueryParams<SearchParams>,
) -> Result<Json<SearchPage>> {
    user.require(Scope::MessagesRead)?;
    let limit = params.limit.unwrap_or(DEFAULT_SEARCH_LIMIT);
    if !(1..=MAX_SEARCH_LIMIT).contains(&limit) {
        return Err(Error::validation(format!(
            "limit must be between 1 and {MAX_SEARCH_LIMIT}"
        )));
    }
    let query = search::parse(params.q.as_deref().unwrap_or_default())
        .map_err(|err| Error::bad_request(err.to_string()))?;
    let cursor = params
        .cursor
        .as_deref()
        .map(|text| Cursor::decode(text, &query))
        .transpose()
        .map_err(|err| Error::bad_request(err.to_string()))?;
    // A token limited to some channels searches those only, so that pages stay full.
    let channels = match &user.credential {
        Credential::ApiToken {
            channels: Some(channels),
            ..
        } => Some(channels.as_slice()),
        _ => None,
    };
    let reader = Reader {
        user: user.id,
        channels,
    };
    let mut conn = state.db.acquire().await?;
    let page = ajet_db::search::search(&mut conn, reader, &query, cursor.as_ref(), limit).await?;
    Ok(Json(SearchPage {
        results: page
            .hits
            .into_iter()
            .filter(|hit| user.sees_channel(hit.message.channel_id))
            .map(Into::into)
            .collect(),
        next_cursor: page.next.map(|c| c.encode()),
    }))
}
