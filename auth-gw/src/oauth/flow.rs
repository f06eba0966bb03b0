//! The authorization-code flow with PKCE, state and (OIDC) nonce.
//!
//! `start` keeps the state, the PKCE verifier, the nonce and where to go afterwards in a
//! short-lived cookie, MAC'd with the server's token key. It must be `SameSite=Lax`: the
//! provider's redirect back is a cross-site navigation, which would not carry a `Strict`
//! cookie. `callback` checks it all, exchanges the code, links or creates the user, sets
//! the `Strict` session cookie, and moves on with a same-site navigation (a meta refresh)
//! so that the first page load carries the new cookie.

use std::net::IpAddr;

use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet,
    EndpointSet, ExtraTokenFields, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    StandardRevocableToken, StandardTokenResponse, TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::providers::{Failure, Provider};
use crate::login::{audit, session_cookie, user_agent};
use crate::security::client_ip;
use crate::state::AppState;

/// The cookie carrying the flow between `start` and `callback`.
const FLOW_COOKIE: &str = "ajet_oauth";
/// How long a sign-in may take at the provider.
const FLOW_TTL_SECS: i64 = 600;

/// The token response, with OpenID Connect's `id_token`.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct IdTokenFields {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id_token: Option<String>,
}
impl ExtraTokenFields for IdTokenFields {}

type OAuthClient = oauth2::Client<
    BasicErrorResponse,
    StandardTokenResponse<IdTokenFields, BasicTokenType>,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// What the flow cookie holds.
#[derive(Debug, Deserialize, Serialize)]
struct Flow {
    provider: String,
    state: String,
    verifier: String,
    nonce: Option<String>,
    next: String,
    invite: Option<String>,
    expires: i64,
}

/// Compares two secrets in constant time.
pub fn same(a: &str, b: &str) -> bool {
    blake3::hash(a.as_bytes()) == blake3::hash(b.as_bytes())
}

fn seal(state: &AppState, flow: &Flow) -> Option<String> {
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(flow).ok()?);
    let mac = URL_SAFE_NO_PAD.encode(state.hasher.hash(&format!("ajet-oauth-flow.{payload}")));
    Some(format!("{payload}.{mac}"))
}

fn open(state: &AppState, sealed: &str) -> Option<Flow> {
    let (payload, mac) = sealed.split_once('.')?;
    let expected = URL_SAFE_NO_PAD.encode(state.hasher.hash(&format!("ajet-oauth-flow.{payload}")));
    if !same(mac, &expected) {
        return None;
    }
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
}

fn flow_cookie(state: &AppState, value: &str, max_age: i64) -> Option<HeaderValue> {
    let secure = if state.settings.cookie_secure {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{FLOW_COOKIE}={value}; Path=/auth/oauth; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .ok()
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

fn client(
    state: &AppState,
    provider: &Provider,
    authorize: &str,
    token: &str,
) -> Option<OAuthClient> {
    let redirect = format!(
        "{}/auth/oauth/{}/callback",
        state.settings.public_origin, provider.id
    );
    let mut client = oauth2::Client::new(ClientId::new(provider.client_id.clone()))
        .set_auth_uri(AuthUrl::new(authorize.to_owned()).ok()?)
        .set_token_uri(TokenUrl::new(token.to_owned()).ok()?)
        .set_redirect_uri(RedirectUrl::new(redirect).ok()?);
    if let Some(secret) = &provider.client_secret {
        client = client.set_client_secret(ClientSecret::new(secret.clone()));
    }
    // GitHub and Gitea take the client's credentials in the body; OIDC providers must
    // accept HTTP Basic (RFC 6749 §2.3.1).
    if !provider.is_oidc() {
        client = client.set_auth_type(AuthType::RequestBody);
    }
    Some(client)
}

#[derive(Debug, Default, Deserialize)]
pub struct StartQuery {
    next: Option<String>,
    invite: Option<String>,
}

/// `GET /auth/oauth/{provider}/start`: off to the provider.
pub async fn start(
    State(state): State<AppState>,
    Path(provider_id): Path<String>,
    Query(q): Query<StartQuery>,
) -> Response {
    let Some(provider) = state.oauth.get(&provider_id) else {
        return unknown_provider(&state);
    };
    let endpoints = match provider.endpoints(&state.oauth.http).await {
        Ok(endpoints) => endpoints,
        Err(err) => {
            tracing::warn!(provider = provider.id, error = %err.message, "provider unreachable");
            return state.pages.message(
                StatusCode::BAD_GATEWAY,
                "The sign-in provider is unreachable",
                "Try again shortly.",
                None,
            );
        }
    };
    let Some(client) = client(&state, provider, &endpoints.authorize, &endpoints.token) else {
        return unknown_provider(&state);
    };
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let nonce = provider
        .is_oidc()
        .then(|| CsrfToken::new_random().secret().clone());
    let mut request = client
        .authorize_url(CsrfToken::new_random)
        .set_pkce_challenge(challenge);
    for scope in provider.scopes() {
        request = request.add_scope(Scope::new((*scope).to_owned()));
    }
    if let Some(nonce) = &nonce {
        request = request.add_extra_param("nonce", nonce.clone());
    }
    let (url, csrf) = request.url();
    let flow = Flow {
        provider: provider.id.to_owned(),
        state: csrf.secret().clone(),
        verifier: verifier.secret().clone(),
        nonce,
        next: crate::login::safe_next(q.next.as_deref()),
        invite: q.invite.filter(|i| !i.is_empty() && i.len() <= 64),
        expires: Utc::now().timestamp() + FLOW_TTL_SECS,
    };
    let mut response = Redirect::to(url.as_str()).into_response();
    if let Some(value) = seal(&state, &flow).and_then(|v| flow_cookie(&state, &v, FLOW_TTL_SECS)) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

fn unknown_provider(state: &AppState) -> Response {
    state.pages.message(
        StatusCode::NOT_FOUND,
        "No such sign-in provider",
        "This server does not offer that way to sign in.",
        None,
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /auth/oauth/{provider}/callback`: back from the provider.
pub async fn callback(
    State(state): State<AppState>,
    Path(provider_id): Path<String>,
    Query(q): Query<CallbackQuery>,
    req: Request,
) -> Response {
    let ip = client_ip(&req);
    let Some(provider) = state.oauth.get(&provider_id) else {
        return unknown_provider(&state);
    };
    let flow = cookie(req.headers(), FLOW_COOKIE).and_then(|v| open(&state, v));
    match finish(&state, provider, flow, q, req.headers(), ip).await {
        Ok((token, next)) => {
            let mut response = state.pages.message(
                StatusCode::OK,
                "Signed in",
                "You are signed in.",
                Some(&next),
            );
            let headers = response.headers_mut();
            if let Some(cookie) = session_cookie(&state, &token) {
                headers.append(header::SET_COOKIE, cookie);
            }
            if let Some(cleared) = flow_cookie(&state, "", 0) {
                headers.append(header::SET_COOKIE, cleared);
            }
            response
        }
        Err(failure) => {
            audit(
                &state,
                "login.failed",
                None,
                ip,
                json!({ "method": "oauth", "provider": provider.id, "reason": failure.reason }),
            )
            .await;
            let status = match failure.reason {
                "no_invite" => StatusCode::FORBIDDEN,
                "unavailable" => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::BAD_REQUEST,
            };
            let mut response =
                state
                    .pages
                    .message(status, "Sign-in failed", &failure.message, None);
            if let Some(cleared) = flow_cookie(&state, "", 0) {
                response.headers_mut().append(header::SET_COOKIE, cleared);
            }
            response
        }
    }
}

fn fail(reason: &'static str, message: &str) -> Failure {
    Failure {
        reason,
        message: message.to_owned(),
    }
}

/// Checks the flow, exchanges the code, and signs the user in; the new session token and
/// where to go.
async fn finish(
    state: &AppState,
    provider: &Provider,
    flow: Option<Flow>,
    q: CallbackQuery,
    headers: &HeaderMap,
    ip: IpAddr,
) -> Result<(String, String), Failure> {
    let flow = flow.ok_or_else(|| {
        fail(
            "state_missing",
            "This sign-in was not started here, or took too long: start again.",
        )
    })?;
    let returned = q.state.unwrap_or_default();
    if flow.provider != provider.id || !same(&flow.state, &returned) {
        return Err(fail(
            "state_mismatch",
            "The sign-in came back with the wrong state: start again.",
        ));
    }
    if flow.expires < Utc::now().timestamp() {
        return Err(fail(
            "state_expired",
            "The sign-in took too long: start again.",
        ));
    }
    if let Some(error) = q.error {
        tracing::info!(
            provider = provider.id,
            error,
            "the provider refused the sign-in"
        );
        return Err(fail("provider_error", "The provider did not sign you in."));
    }
    let code = q
        .code
        .filter(|c| !c.is_empty())
        .ok_or_else(|| fail("code_missing", "The provider sent no code: start again."))?;
    let endpoints = provider.endpoints(&state.oauth.http).await?;
    let client = client(state, provider, &endpoints.authorize, &endpoints.token)
        .ok_or_else(|| fail("config", "This provider is misconfigured."))?;
    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(PkceCodeVerifier::new(flow.verifier.clone()))
        .request_async(&state.oauth.http)
        .await
        .map_err(|err| {
            tracing::info!(provider = provider.id, error = %err, "code exchange refused");
            fail(
                "code_rejected",
                "The provider refused the sign-in code (it was used already, or not issued to this sign-in): start again.",
            )
        })?;
    let user = provider
        .user(
            &state.oauth.http,
            tokens.access_token().secret(),
            tokens.extra_fields().id_token.as_deref(),
            flow.nonce.as_deref(),
        )
        .await?;
    let (user_id, created) =
        super::accounts::sign_in(state, provider, &user, flow.invite.as_deref()).await?;
    let mut conn = state.db.acquire().await.map_err(unavailable)?;
    let (session, token) = ajet_db::sessions::create(
        &mut conn,
        &state.hasher,
        user_id,
        user_agent(headers).as_deref(),
    )
    .await
    .map_err(unavailable)?;
    drop(conn);
    let action = if created { "signup" } else { "login" };
    audit(
        state,
        action,
        Some(user_id),
        ip,
        json!({ "method": "oauth", "provider": provider.id, "session_id": session.id }),
    )
    .await;
    Ok((token, flow.next))
}

pub(super) fn unavailable(err: sqlx::Error) -> Failure {
    tracing::error!(error = %err, "OAuth sign-in failed");
    fail(
        "unavailable",
        "Signing in is not possible right now; try again shortly.",
    )
}
