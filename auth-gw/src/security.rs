//! Browser-facing protections: security headers on every response, the CSRF origin
//! check, and CORS for the origins the operator allows.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use ajet_edge::ErrorResponse;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::auth;
use crate::state::AppState;

/// Scripts only from our own origin, and no `eval`: the web client's scripts are our own
/// files (web-sm/static) and evaluate nothing, so a page's text can never become code.
/// Images may also come from any `https` address: webhooks name their senders' icons and
/// their cards' pictures by URL (GitHub avatars, Grafana panels), as Slack's and
/// Mattermost's do. The viewer's browser fetches them itself, so their hosts see its
/// address; nothing else from outside loads.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     img-src 'self' https:; object-src 'none'; frame-ancestors 'none'; base-uri 'self'";

/// Adds the security headers to every response that does not set them itself; over
/// HTTPS, HSTS too.
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    if state.settings.public_origin.starts_with("https://")
        && !headers.contains_key(header::STRICT_TRANSPORT_SECURITY)
    {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    let set = [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ];
    for (name, value) in set {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    response
}

/// The gateway's own form endpoints: login CSRF is refused on them too.
const FORM_PATHS: [&str; 3] = ["/login", "/signup", "/auth/logout"];

/// Refuses unsafe requests that a browser could have been tricked into sending: those
/// authenticated by the session cookie (not a bearer token), and the sign-in forms, unless
/// their `Origin` (or, lacking one, `Referer`) is the gateway's public origin.
pub async fn csrf_guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let unsafe_method = !matches!(
        *req.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    );
    let cookie_or_form = !ajet_edge::has_bearer(req.headers())
        && (auth::has_session_cookie(req.headers()) || FORM_PATHS.contains(&req.uri().path()));
    if unsafe_method && cookie_or_form && !same_origin(req.headers(), &state.settings.public_origin)
    {
        tracing::info!(path = %req.uri().path(), "refused a cross-site request");
        return ErrorResponse::forbidden(
            "cross-site request refused: the Origin is not this server's",
        )
        .into_response();
    }
    next.run(req).await
}

/// Whether the request says it comes from a page of this server: its `Origin` (or,
/// lacking one, its `Referer`'s origin) is the public origin, or names the host the
/// request was sent to (so `localhost` and `127.0.0.1` both work in development). A
/// forged cross-site request carries the attacker's origin, and cannot change `Host`.
pub fn same_origin(headers: &HeaderMap, origin: &str) -> bool {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_ascii_lowercase);
    let matches = |candidate: &str| {
        let candidate = candidate.trim_end_matches('/').to_ascii_lowercase();
        candidate == origin
            || candidate
                .split_once("://")
                .is_some_and(|(_, authority)| Some(authority) == host.as_deref())
    };
    if let Some(value) = headers.get(header::ORIGIN) {
        return value.to_str().is_ok_and(matches);
    }
    headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|referer| {
            let (scheme, rest) = referer.split_once("://")?;
            let authority = rest.split(['/', '?', '#']).next()?;
            Some(format!("{scheme}://{authority}"))
        })
        .is_some_and(|o| matches(&o))
}

/// CORS for the allowed origins: bearer-token calls only (no cookies cross-origin).
pub fn cors(origins: &[String]) -> CorsLayer {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            HeaderName::from_static("last-event-id"),
        ])
        .expose_headers([
            HeaderName::from_static(ajet_telemetry::TRACE_ID),
            header::RETRY_AFTER,
        ])
        .max_age(std::time::Duration::from_secs(600))
}

/// The client's address, resolved once per request by [`resolve_client`].
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub IpAddr);

/// The header the services behind read the client's address from; whatever a client sends
/// in it is replaced.
pub const CLIENT_IP_HEADER: &str = "x-ajet-client-ip";

/// Decides who the client is: the TCP peer, or, behind a trusted proxy, the address the
/// proxy appended to `X-Forwarded-For`. Passes it on to the services in
/// [`CLIENT_IP_HEADER`].
pub async fn resolve_client(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |ConnectInfo(addr)| {
            addr.ip()
        });
    let forwarded = state
        .settings
        .trust_proxy
        .then(|| {
            req.headers()
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .and_then(|ip| ip.trim().parse::<IpAddr>().ok())
        })
        .flatten();
    let ip = forwarded.unwrap_or(peer);
    req.extensions_mut().insert(ClientIp(ip));
    if let Ok(value) = HeaderValue::from_str(&ip.to_string()) {
        req.headers_mut().insert(CLIENT_IP_HEADER, value);
    }
    next.run(req).await
}

/// The client's address (see [`resolve_client`]).
pub fn client_ip(req: &Request) -> IpAddr {
    if let Some(ClientIp(ip)) = req.extensions().get::<ClientIp>() {
        return *ip;
    }
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |ConnectInfo(addr)| {
            addr.ip()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_origin_reads_origin_then_referer() {
        let o = "http://localhost:8080";
        let mut h = HeaderMap::new();
        assert!(!same_origin(&h, o));
        h.insert(
            header::REFERER,
            HeaderValue::from_static("http://localhost:8080/login"),
        );
        assert!(same_origin(&h, o));
        h.insert(
            header::REFERER,
            HeaderValue::from_static("http://localhost:8080.evil.com/"),
        );
        assert!(!same_origin(&h, o));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        h.insert(
            header::REFERER,
            HeaderValue::from_static("http://localhost:8080/"),
        );
        assert!(!same_origin(&h, o), "Origin wins over Referer");
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://localhost:8080"),
        );
        assert!(same_origin(&h, o));
        // The host the request was sent to counts as ours too.
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8080"),
        );
        assert!(same_origin(&h, o));
        h.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(!same_origin(&h, o));
        h.remove(header::ORIGIN);
        h.insert(
            header::REFERER,
            HeaderValue::from_static("http://127.0.0.1:8080/c/x?y=1"),
        );
        assert!(same_origin(&h, o));
        h.insert(header::HOST, HeaderValue::from_static("evil.example"));
        assert!(!same_origin(&h, o));
    }
}
