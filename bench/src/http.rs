//! A small HTTP/1.1 client on hyper's connection API: one keep-alive TCP connection per
//! [`Conn`] or [`SseStream`], so the load generator holds exactly the connections it
//! means to, and an idle SSE stream costs it a socket and two small tasks.

use std::net::SocketAddr;

use anyhow::{Context, bail};
use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HOST};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

async fn handshake(addr: SocketAddr) -> anyhow::Result<SendRequest<Full<Bytes>>> {
    let stream = TcpStream::connect(addr)
        .await
        .with_context(|| format!("cannot connect to {addr}"))?;
    stream.set_nodelay(true)?;
    let (sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
    // The connection ends when the sender and every response body are dropped.
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(sender)
}

fn request(
    addr: SocketAddr,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Bytes>,
    headers: &[(&str, &str)],
) -> anyhow::Result<Request<Full<Bytes>>> {
    let mut builder = Request::builder()
        .method(method)
        .uri(path)
        .header(HOST, addr.to_string());
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    if let Some(token) = token {
        builder = builder.header(AUTHORIZATION, format!("Bearer {token}"));
    }
    let request = match body {
        Some(body) => builder
            .header(CONTENT_TYPE, "application/json")
            .body(Full::new(body))?,
        None => builder.body(Full::new(Bytes::new()))?,
    };
    Ok(request)
}

/// One keep-alive HTTP/1.1 connection; requests on it go one after another.
pub struct Conn {
    addr: SocketAddr,
    sender: SendRequest<Full<Bytes>>,
}

impl Conn {
    pub async fn open(addr: SocketAddr) -> anyhow::Result<Self> {
        Ok(Self {
            addr,
            sender: handshake(addr).await?,
        })
    }

    /// Sends a request and reads the whole answer.
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Bytes>,
    ) -> anyhow::Result<(StatusCode, Bytes)> {
        self.send_with(method, path, token, body, &[]).await
    }

    /// Sends a request with `headers` besides the usual ones and reads the whole answer.
    pub async fn send_with(
        &mut self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Bytes>,
        headers: &[(&str, &str)],
    ) -> anyhow::Result<(StatusCode, Bytes)> {
        self.sender.ready().await.context("the connection closed")?;
        let request = request(self.addr, method, path, token, body, headers)?;
        let response = self.sender.send_request(request).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        Ok((status, body))
    }

    /// `GET path`.
    pub async fn get(
        &mut self,
        path: &str,
        token: Option<&str>,
    ) -> anyhow::Result<(StatusCode, Bytes)> {
        self.send(Method::GET, path, token, None).await
    }
}

/// One `GET` on a fresh connection; the status only.
pub async fn status_once(addr: SocketAddr, path: &str) -> anyhow::Result<StatusCode> {
    let (status, _) = Conn::open(addr).await?.get(path, None).await?;
    Ok(status)
}

/// An open SSE response, read line by line.
pub struct SseStream {
    body: Incoming,
    pending: BytesMut,
    // Keeps the connection open for as long as the stream is held.
    _sender: SendRequest<Full<Bytes>>,
}

impl SseStream {
    /// Opens `path` on a new connection; fails unless the answer is 200.
    pub async fn open(addr: SocketAddr, path: &str, token: &str) -> anyhow::Result<Self> {
        let mut sender = handshake(addr).await?;
        let mut request = request(addr, Method::GET, path, Some(token), None, &[])?;
        request.headers_mut().insert(
            ACCEPT,
            hyper::header::HeaderValue::from_static("text/event-stream"),
        );
        let response = sender.send_request(request).await?;
        let status = response.status();
        if status != StatusCode::OK {
            let body = response.into_body().collect().await?.to_bytes();
            bail!(
                "GET {path} answered {status}: {}",
                String::from_utf8_lossy(&body)
            );
        }
        Ok(Self {
            body: response.into_body(),
            pending: BytesMut::new(),
            _sender: sender,
        })
    }

    /// The next line, without its line ending; `None` when the stream ended.
    pub async fn next_line(&mut self) -> anyhow::Result<Option<Bytes>> {
        loop {
            if let Some(end) = memchr::memchr(b'\n', &self.pending) {
                let mut line = self.pending.split_to(end + 1).freeze();
                line.truncate(end);
                if line.last() == Some(&b'\r') {
                    line.truncate(end - 1);
                }
                return Ok(Some(line));
            }
            match self.body.frame().await {
                Some(frame) => {
                    if let Ok(data) = frame?.into_data() {
                        self.pending.extend_from_slice(&data);
                    }
                }
                None => return Ok(None),
            }
        }
    }

    /// Waits for the first line the session manager sends, which it does once the stream
    /// is registered (a `: connected` comment, or a first event).
    pub async fn connected(&mut self) -> anyhow::Result<()> {
        while let Some(line) = self.next_line().await? {
            if !line.is_empty() {
                return Ok(());
            }
        }
        bail!("the stream ended before it was connected")
    }
}
