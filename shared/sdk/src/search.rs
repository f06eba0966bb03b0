//! Message search.

use ajet_core::search::SearchPage;
use reqwest::Method;

use crate::client::{Client, api_error};
use crate::error::{Error, Result};

impl Client {
    /// One page of the messages matching `q` (the search language of
    /// [`ajet_core::search`]), best first. Pass the page's `next_cursor` as `cursor`, with
    /// the same `q`, for the next page; `limit` is 1 to 100 (the server's default, 20,
    /// when `None`).
    pub async fn search(
        &self,
        q: &str,
        cursor: Option<&str>,
        limit: Option<u32>,
    ) -> Result<SearchPage> {
        let mut query = vec![("q", q.to_owned())];
        if let Some(cursor) = cursor {
            query.push(("cursor", cursor.to_owned()));
        }
        if let Some(limit) = limit {
            query.push(("limit", limit.to_string()));
        }
        let response = self
            .request(Method::GET, "/api/search")
            .query(&query)
            .send()
            .await
            .map_err(Error::Transport)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(Error::Transport)?;
        if !status.is_success() {
            return Err(api_error(status, &bytes));
        }
        serde_json::from_slice(&bytes).map_err(|err| Error::Decode(err.to_string()))
    }
}
