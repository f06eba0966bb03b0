//! Forwarding a request to the service that owns its path, streaming both ways.

use std::net::SocketAddr;

use ajet_edge::ErrorResponse;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::http::uri::PathAndQuery;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};

use crate::relay;
use crate::state::AppState;
use crate::upstream::{Unanswered, Upstream, with_path};

/// The services behind the gateway.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    Api,
    WebSm,
    TuiSm,
}

impl Service {
    /// The service that owns `path`: `/api/*` the api, `/tui/*` the terminal session
    /// manager, everything else the web session manager.
    pub fn for_path(path: &str) -> Self {
        if path == "/api" || path.starts_with("/api/") {
            Self::Api
        } else if path == "/tui" || path.starts_with("/tui/") {
            Self::TuiSm
        } else {
            Self::WebSm
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Api => "api",
            Self::WebSm => "web-sm",
            Self::TuiSm => "tui-sm",
        }
    }

    /// Whether every request to the service needs a session. The web pages decide for
    /// themselves (a sign-in page must be reachable without one).
    pub fn requires_session(self) -> bool {
        matches!(self, Self::Api | Self::TuiSm)
    }

    /// Whether the service is a session manager, which serves event streams over HTTP/2
    /// as well as HTTP/1.1.
    pub fn is_session_manager(self) -> bool {
        matches!(self, Self::WebSm | Self::TuiSm)
    }

    /// The service's instances.
    pub fn upstream(self, state: &AppState) -> &Upstream {
        match self {
            Self::Api => &state.upstreams.api,
            Self::WebSm => &state.upstreams.web_sm,
            Self::TuiSm => &state.upstreams.tui_sm,
        }
    }
}

/// Headers that describe one hop and must not be forwarded (RFC 9110, section 7.6.1).
const HOP_BY_HOP: [HeaderName; 7] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    header::PROXY_AUTHENTICATE,
    header::PROXY_AUTHORIZATION,
    header::TE,
    header::TRAILER,
    header::UPGRADE,
];

fn strip_hop_by_hop(headers: &mut HeaderMap) {
    // Headers the Connection header names are hop-by-hop too.
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in named.iter().chain(HOP_BY_HOP.iter()) {
        headers.remove(name);
    }
    headers.remove(header::TRANSFER_ENCODING);
}

/// Sends `req` to one of `service`'s instances and streams its answer back. A request
/// without a body (GET, HEAD — SSE streams among them) that cannot reach an instance is
/// tried on the next; one with a body goes to one instance only, since it cannot be sent
/// twice.
pub async fn forward(state: &AppState, service: Service, mut req: Request) -> Response {
    let path = req
        .uri()
        .path_and_query()
        .cloned()
        .unwrap_or_else(|| PathAndQuery::from_static("/"));
    let client_ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let headers = req.headers_mut();
    strip_hop_by_hop(headers);
    if let Some(host) = headers.remove(header::HOST) {
        headers.insert("x-forwarded-host", host);
    }
    if let Some(ip) = client_ip {
        let forwarded = match headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()) {
            Some(earlier) => format!("{earlier}, {ip}"),
            None => ip.to_string(),
        };
        if let Ok(value) = HeaderValue::from_str(&forwarded) {
            headers.insert("x-forwarded-for", value);
        }
    }
    if !headers.contains_key("x-forwarded-proto") {
        headers.insert("x-forwarded-proto", HeaderValue::from_static("http"));
    }
    let retryable = matches!(*req.method(), Method::GET | Method::HEAD);
    let event_stream = relay::is_event_stream(&req);
    let (parts, body) = req.into_parts();
    let mut body = Some(body);
    for base in service.upstream(state).rotation() {
        let Some(uri) = with_path(base, path.clone()) else {
            continue;
        };
        let mut attempt = Request::from_parts(parts.clone(), body.take().unwrap_or_default());
        *attempt.uri_mut() = uri;
        // A session manager's event streams share HTTP/2 connections (see `relay`); the
        // rest use the pool's keep-alive connections.
        let answer = if event_stream && service.is_session_manager() {
            state
                .streams
                .open(attempt)
                .await
                .map(|response| response.map(Body::new))
        } else {
            state
                .client
                .request(attempt)
                .await
                .map(|response| response.map(Body::new))
                .map_err(Unanswered::from)
        };
        match answer {
            Ok(response) => {
                let (mut parts, body) = response.into_parts();
                strip_hop_by_hop(&mut parts.headers);
                return Response::from_parts(parts, body);
            }
            Err(err) => {
                tracing::warn!(service = service.name(), upstream = %base, error = %err.error, "upstream request failed");
                if !(retryable && err.connect) {
                    break;
                }
            }
        }
    }
    unreachable_service(service)
}

fn unreachable_service(service: Service) -> Response {
    ErrorResponse::unavailable(format!(
        "the {} service is unreachable; try again shortly",
        service.name()
    ))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_go_to_their_service() {
        assert_eq!(Service::for_path("/api/me"), Service::Api);
        assert_eq!(Service::for_path("/api"), Service::Api);
        assert_eq!(Service::for_path("/apix"), Service::WebSm);
        assert_eq!(Service::for_path("/tui/stream"), Service::TuiSm);
        assert_eq!(Service::for_path("/"), Service::WebSm);
        assert_eq!(
            Service::for_path("/c/acme/channels/general"),
            Service::WebSm
        );
    }

    #[test]
    fn hop_by_hop_headers_are_not_forwarded() {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONNECTION,
            HeaderValue::from_static("keep-alive, x-secret-hop"),
        );
        h.insert("x-secret-hop", HeaderValue::from_static("1"));
        h.insert("keep-alive", HeaderValue::from_static("timeout=5"));
        h.insert(
            header::ACCEPT,
            HeaderValue::from_static("text/event-stream"),
        );
        strip_hop_by_hop(&mut h);
        assert!(h.get("x-secret-hop").is_none());
        assert!(h.get(header::CONNECTION).is_none());
        assert!(h.get("keep-alive").is_none());
        assert_eq!(h[header::ACCEPT], "text/event-stream");
    }
}
