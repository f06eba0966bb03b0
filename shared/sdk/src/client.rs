//! REST calls.

use std::time::Duration;

use ajet_core::dto::{ChannelDto, CreateMessage, MeDto, MessageDto, MessagePage};
use ajet_core::{ChannelId, ErrorBody, ErrorCode, MessageId};
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};
use crate::sse::{self, EventStream};

/// How many times a post is retried after a transient failure. Safe, because every post
/// carries an idempotency key: the server stores it once however often it arrives.
const POST_ATTEMPTS: u32 = 4;

/// A client of one server, with or without a token. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    headers: HeaderMap,
}

/// Where a page of history starts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PageCursor {
    #[default]
    Latest,
    Before(MessageId),
    After(MessageId),
}

impl PageCursor {
    /// The query string of a page starting here.
    pub(crate) fn query(self, limit: u32) -> Vec<(&'static str, String)> {
        let mut query = vec![("limit", limit.to_string())];
        match self {
            Self::Latest => {}
            Self::Before(id) => query.push(("before", id.to_string())),
            Self::After(id) => query.push(("after", id.to_string())),
        }
        query
    }
}

#[derive(Deserialize)]
struct ChannelList {
    channels: Vec<ChannelDto>,
}

impl Client {
    /// A client of the server at `base` (`http://host:port`).
    pub fn new(base: &str) -> Result<Self> {
        let base = base.trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(Error::Config(format!(
                "the server URL {base:?} must start with http:// or https://"
            )));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("ajet-sdk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|err| Error::Config(err.to_string()))?;
        Ok(Self {
            http,
            base,
            headers: HeaderMap::new(),
        })
    }

    /// The same client, sending `token` as a bearer token.
    pub fn with_token(mut self, token: &str) -> Result<Self> {
        let value = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
            Error::Config("the token contains characters a header cannot carry".into())
        })?;
        self.headers.insert(AUTHORIZATION, value);
        Ok(self)
    }

    /// The same client, sending `name: value` on every request (trace context, say).
    pub fn with_header(mut self, name: &'static str, value: &str) -> Self {
        if let Ok(value) = HeaderValue::from_str(value) {
            self.headers.insert(name, value);
        }
        self
    }

    /// The server's base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Whether `GET path` answers 2xx within two seconds (a health or readiness probe).
    pub async fn probe(&self, path: &str) -> bool {
        self.request(Method::GET, path)
            .timeout(Duration::from_secs(2))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
    }

    /// The caller and their communities.
    pub async fn me(&self) -> Result<MeDto> {
        self.send(self.request(Method::GET, "/api/me")).await
    }

    /// Every channel and DM the caller belongs to.
    pub async fn channels(&self) -> Result<Vec<ChannelDto>> {
        let list: ChannelList = self
            .send(self.request(Method::GET, "/api/channels"))
            .await?;
        Ok(list.channels)
    }

    /// Posts `body` to `channel`. A fresh idempotency key makes retries after a timeout or
    /// a dropped connection safe: the message is stored once.
    pub async fn send_message(&self, channel: ChannelId, body: &str) -> Result<MessageDto> {
        self.post_message(channel, body, None).await
    }

    /// Posts `body` to `channel`, as a reply in the thread of `parent` when given. Retried
    /// safely after transient failures, as [`Client::send_message`].
    pub async fn post_message(
        &self,
        channel: ChannelId,
        body: &str,
        parent: Option<MessageId>,
    ) -> Result<MessageDto> {
        self.post(
            channel,
            CreateMessage {
                body: body.to_owned(),
                idempotency_key: None,
                parent_id: parent,
                attachments: Vec::new(),
            },
        )
        .await
    }

    /// Posts `request` to `channel` (with files uploaded by [`Client::upload`], say), with
    /// a fresh idempotency key unless it has one, retried as [`Client::send_message`].
    pub async fn post(&self, channel: ChannelId, mut request: CreateMessage) -> Result<MessageDto> {
        if request.idempotency_key.is_none() {
            request.idempotency_key = Some(uuid::Uuid::new_v4().to_string());
        }
        let path = format!("/api/channels/{channel}/messages");
        let mut attempt = 0;
        loop {
            attempt += 1;
            let call = self
                .request(Method::POST, &path)
                .timeout(Duration::from_secs(10))
                .json(&request);
            match self.send(call).await {
                Err(err) if err.is_transient() && attempt < POST_ATTEMPTS => {
                    tracing::debug!(error = %err, attempt, "post failed; retrying");
                    tokio::time::sleep(Duration::from_millis(250 * 2u64.pow(attempt - 1))).await;
                }
                other => return other,
            }
        }
    }

    /// A page of `channel`'s history, oldest first.
    pub async fn messages(
        &self,
        channel: ChannelId,
        cursor: PageCursor,
        limit: u32,
    ) -> Result<MessagePage> {
        let path = format!("/api/channels/{channel}/messages");
        self.send(self.request(Method::GET, &path).query(&cursor.query(limit)))
            .await
    }

    /// The live event stream at `path` (such as `/tui/stream`), resuming after
    /// `last_event_id` and reconnecting with backoff when the connection drops.
    pub fn stream(&self, path: &str, last_event_id: Option<u64>) -> EventStream {
        sse::connect(self.clone(), path.to_owned(), last_event_id)
    }

    pub(crate) fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{}", self.base, path))
            .headers(self.headers.clone())
    }

    pub(crate) async fn send<T: DeserializeOwned>(&self, request: RequestBuilder) -> Result<T> {
        let response = request.send().await.map_err(Error::Transport)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(Error::Transport)?;
        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(|err| Error::Decode(err.to_string()));
        }
        Err(api_error(status, &bytes))
    }
}

impl Client {
    /// `GET path?query` with the answer as JSON of whatever shape: for routes that have no
    /// typed call here yet, and for clients that must cope with a server that lacks them
    /// (a 404 comes back as an [`Error::Api`] like any other refusal).
    pub async fn get_json(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<serde_json::Value> {
        self.send(self.request(Method::GET, path).query(query))
            .await
    }

    /// `POST path` with a JSON body; the answer as JSON (`null` for an empty answer).
    pub async fn post_json(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<serde_json::Value> {
        let response = self
            .request(Method::POST, path)
            .json(body)
            .send()
            .await
            .map_err(Error::Transport)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(Error::Transport)?;
        if !status.is_success() {
            return Err(api_error(status, &bytes));
        }
        if bytes.is_empty() {
            return Ok(serde_json::Value::Null);
        }
        serde_json::from_slice(&bytes).map_err(|err| Error::Decode(err.to_string()))
    }

    /// Sends a request whose success has no body (204).
    pub(crate) async fn send_empty(&self, request: RequestBuilder) -> Result<()> {
        let response = request.send().await.map_err(Error::Transport)?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let bytes = response.bytes().await.map_err(Error::Transport)?;
        Err(api_error(status, &bytes))
    }
}

/// Reads an error body, or describes a body that is not one (a proxy's HTML page, say).
pub(crate) fn api_error(status: StatusCode, bytes: &[u8]) -> Error {
    let body = serde_json::from_slice::<ErrorBody>(bytes).unwrap_or_else(|_| {
        let code = match status.as_u16() {
            401 => ErrorCode::Unauthorized,
            403 => ErrorCode::Forbidden,
            404 => ErrorCode::NotFound,
            429 => ErrorCode::RateLimited,
            502..=504 => ErrorCode::Unavailable,
            _ => ErrorCode::Unknown,
        };
        ErrorBody::new(code, format!("the server answered {status}"))
    });
    Error::Api {
        status: status.as_u16(),
        body,
    }
}
