//! Trace ids: read or made at the edge, carried in headers, logged on every line.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use http_body::{Frame, SizeHint};
use tracing::{Instrument, Span};

/// The header carrying the trace id alone, for people reading logs and responses.
pub const TRACE_ID: &str = "x-trace-id";
/// The W3C trace-context header.
pub const TRACEPARENT: &str = "traceparent";

/// A W3C trace context: the trace a request belongs to and this hop's span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceContext {
    /// 32 lower-case hex digits.
    pub trace_id: String,
    /// 16 lower-case hex digits.
    pub span_id: String,
}

impl TraceContext {
    /// A new trace.
    pub fn new() -> Self {
        let id = uuid::Uuid::new_v4().simple().to_string();
        Self {
            span_id: new_span_id(),
            trace_id: id,
        }
    }

    /// The next hop of the same trace.
    pub fn child(&self) -> Self {
        Self {
            trace_id: self.trace_id.clone(),
            span_id: new_span_id(),
        }
    }

    /// Parses a `traceparent` header value (`00-<trace>-<span>-<flags>`).
    pub fn parse_traceparent(value: &str) -> Option<Self> {
        let mut parts = value.trim().split('-');
        let (version, trace, span, flags) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
        if !hex(version, 2) || !hex(trace, 32) || !hex(span, 16) || !hex(flags, 2) {
            return None;
        }
        if trace.bytes().all(|b| b == b'0') || span.bytes().all(|b| b == b'0') {
            return None;
        }
        Some(Self {
            trace_id: trace.to_ascii_lowercase(),
            span_id: span.to_ascii_lowercase(),
        })
    }

    /// The context a caller sent: `traceparent` first, else a bare `X-Trace-Id`.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        if let Some(ctx) = headers
            .get(TRACEPARENT)
            .and_then(|v| v.to_str().ok())
            .and_then(Self::parse_traceparent)
        {
            return Some(ctx);
        }
        let id = headers.get(TRACE_ID)?.to_str().ok()?;
        (id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())).then(|| Self {
            trace_id: id.to_ascii_lowercase(),
            span_id: new_span_id(),
        })
    }

    /// The `traceparent` header value for this context (sampled).
    pub fn traceparent(&self) -> String {
        format!("00-{}-{}-01", self.trace_id, self.span_id)
    }

    /// Writes both headers for a call to the next hop.
    pub fn inject(&self, headers: &mut HeaderMap) {
        let child = self.child();
        if let Ok(v) = HeaderValue::from_str(&child.traceparent()) {
            headers.insert(TRACEPARENT, v);
        }
        if let Ok(v) = HeaderValue::from_str(&child.trace_id) {
            headers.insert(TRACE_ID, v);
        }
    }
}

impl Default for TraceContext {
    fn default() -> Self {
        Self::new()
    }
}

fn new_span_id() -> String {
    format!("{:016x}", rand::random::<u64>() | 1)
}

/// Middleware for services behind the gateway: continues the caller's trace (or starts
/// one), logs the request in a span carrying `trace_id`, and echoes `X-Trace-Id`.
pub async fn trace_requests(req: Request, next: Next) -> Response {
    let ctx = TraceContext::from_headers(req.headers()).unwrap_or_default();
    run_traced(ctx, req, next).await
}

/// Middleware for the public edge: callers' trace headers are not trusted, every request
/// starts a new trace, and the headers are rewritten for the services behind.
pub async fn trace_requests_at_edge(mut req: Request, next: Next) -> Response {
    let ctx = TraceContext::new();
    let headers = req.headers_mut();
    headers.remove(TRACEPARENT);
    headers.remove(TRACE_ID);
    ctx.inject(headers);
    run_traced(ctx, req, next).await
}

async fn run_traced(ctx: TraceContext, mut req: Request, next: Next) -> Response {
    let trace_id = ctx.trace_id.clone();
    let (method, path) = (req.method().clone(), req.uri().path().to_owned());
    let span = request_span(&trace_id, &method, &path);
    req.extensions_mut().insert(ctx);
    let started = Instant::now();
    let mut response = next.run(req).instrument(span).await;
    if let Ok(v) = HeaderValue::from_str(&trace_id) {
        response.headers_mut().insert(TRACE_ID, v);
    }
    let status = response.status().as_u16();
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    response.map(|body| {
        Body::new(LoggedBody {
            body,
            log: RequestLine {
                trace_id,
                method,
                path,
                status,
                elapsed_ms,
                started,
            },
        })
    })
}

/// The span every line logged for a request is written in.
fn request_span(trace_id: &str, method: &Method, path: &str) -> Span {
    tracing::info_span!("request", trace_id = %trace_id, method = %method, path = %path)
}

/// A response's body that logs its request once the server is done with it: after the
/// last byte is written, or when the client goes away, so that the answer does not wait
/// for the line to be formatted and written. (A stream's line comes when the stream
/// ends.)
struct LoggedBody {
    body: Body,
    #[expect(dead_code, reason = "held for its Drop, which writes the line")]
    log: RequestLine,
}

/// The access log line of a request: its status, how long its answer took to start
/// (`elapsed_ms`) and to finish (`total_ms`, which for a stream is how long it was open).
/// It keeps the request's few fields rather than its span, which would hold about 400
/// bytes in the logger for as long as a stream stays open; the line is written in a span
/// like the request's.
struct RequestLine {
    trace_id: String,
    method: Method,
    path: String,
    status: u16,
    elapsed_ms: f64,
    started: Instant,
}

impl Drop for RequestLine {
    fn drop(&mut self) {
        let span = request_span(&self.trace_id, &self.method, &self.path);
        let _entered = span.enter();
        let (status, elapsed_ms) = (self.status, self.elapsed_ms);
        let total_ms = self.started.elapsed().as_secs_f64() * 1000.0;
        if status >= 500 {
            tracing::warn!(status, elapsed_ms, total_ms, "request failed");
        } else {
            tracing::info!(status, elapsed_ms, total_ms, "request");
        }
    }
}

impl http_body::Body for LoggedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traceparent_round_trips() {
        let ctx = TraceContext::new();
        let parsed = TraceContext::parse_traceparent(&ctx.traceparent()).unwrap();
        assert_eq!(parsed, ctx);
        assert_eq!(ctx.trace_id.len(), 32);
        assert_eq!(ctx.span_id.len(), 16);
    }

    #[test]
    fn malformed_traceparents_are_ignored() {
        for bad in [
            "",
            "00-abc-def-01",
            "00-00000000000000000000000000000000-0000000000000001-01",
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331",
            "zz-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        ] {
            assert_eq!(TraceContext::parse_traceparent(bad), None, "{bad}");
        }
        let good = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        let ctx = TraceContext::parse_traceparent(good).unwrap();
        assert_eq!(ctx.trace_id, "0af7651916cd43dd8448eb211c80319c");
    }

    #[test]
    fn a_child_keeps_the_trace_and_changes_the_span() {
        let ctx = TraceContext::new();
        let child = ctx.child();
        assert_eq!(child.trace_id, ctx.trace_id);
        assert_ne!(child.span_id, ctx.span_id);
    }

    /// Log lines written while a test runs, by a subscriber of its own.
    #[derive(Clone, Default)]
    struct Lines(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl Lines {
        fn text(&self) -> String {
            String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
        }
    }

    impl std::io::Write for Lines {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_request_is_logged_once_its_answer_is_written() {
        use tower::ServiceExt;

        let lines = Lines::default();
        let writer = lines.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        let _default = tracing::subscriber::set_default(subscriber);
        let app = axum::Router::new()
            .route("/hello", axum::routing::get(|| async { "hello" }))
            .layer(axum::middleware::from_fn(trace_requests));
        let ctx = TraceContext::new();
        let mut request = Request::new(Body::empty());
        *request.uri_mut() = "/hello".parse().unwrap();
        ctx.inject(request.headers_mut());

        let response = app.oneshot(request).await.unwrap();
        assert_eq!(response.headers()[TRACE_ID], ctx.trace_id.as_str());
        assert!(!lines.text().contains("request"), "{}", lines.text());
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        assert_eq!(&body[..], b"hello");

        let text = lines.text();
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(text.contains("status=200"), "{text}");
        assert!(text.contains(&ctx.trace_id), "{text}");
        assert!(text.contains("total_ms="), "{text}");
    }

    #[test]
    fn inject_writes_both_headers() {
        let ctx = TraceContext::new();
        let mut headers = HeaderMap::new();
        ctx.inject(&mut headers);
        assert_eq!(headers[TRACE_ID], ctx.trace_id.as_str());
        let sent = TraceContext::from_headers(&headers).unwrap();
        assert_eq!(sent.trace_id, ctx.trace_id);
    }
}
