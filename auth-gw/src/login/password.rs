//! Local login with a username and password (argon2id): the page, the form, and the
//! JSON endpoint the cli uses.

use std::net::IpAddr;

use ajet_core::identity::{MAX_PASSWORD_LEN, PasswordLogin, SessionToken};
use ajet_core::limits::MAX_USERNAME_LEN;
use ajet_edge::ErrorResponse;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::{FromRequest, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use serde::Deserialize;
use serde_json::json;

use super::{audit, safe_next, session_cookie, user_agent};
use crate::limits;
use crate::security::client_ip;
use crate::state::AppState;

/// Hashes `password` with argon2id and a fresh salt (PHC string), off the async threads.
pub async fn hash_password(password: String) -> Option<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>()).ok()?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .ok()
            .map(|h| h.to_string())
    })
    .await
    .ok()
    .flatten()
}

/// Whether `password` matches the PHC string `phc`, off the async threads. With no
/// account, a dummy hash is checked so that timing does not tell which names exist.
async fn verify_password(password: String, phc: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let phc_str = phc.as_deref().unwrap_or(DUMMY_HASH);
        let Ok(parsed) = PasswordHash::new(phc_str) else {
            return false;
        };
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
            && phc.is_some()
    })
    .await
    .unwrap_or(false)
}

/// Checked when there is no account, so that a wrong name costs as long as a wrong
/// password.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0r1Xg9HfV0lQ0gOQ9gc2Z3P0wQFqkq2i0kXJ1mRxgS8";

#[derive(Debug, Default, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

/// `GET /login`.
pub async fn login_page(State(state): State<AppState>, Query(q): Query<LoginQuery>) -> Response {
    render_login(
        &state,
        StatusCode::OK,
        &safe_next(q.next.as_deref()),
        "",
        None,
    )
    .await
}

async fn render_login(
    state: &AppState,
    status: StatusCode,
    next: &str,
    username: &str,
    error: Option<&str>,
) -> Response {
    let first_run = match state.db.acquire().await {
        Ok(mut conn) => !ajet_db::access::has_owner(&mut conn).await.unwrap_or(true),
        Err(_) => false,
    };
    let providers: Vec<serde_json::Value> = state
        .oauth
        .list
        .iter()
        .map(|p| serde_json::json!({ "id": p.id, "label": p.label }))
        .collect();
    state.pages.render(
        status,
        "login.html",
        minijinja::context! {
            next, username, error, first_run, providers,
            local_accounts => state.settings.local_accounts,
        },
    )
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

/// Why a login failed.
enum Refused {
    Disabled,
    Throttled(std::time::Duration),
    Invalid(&'static str),
    Unavailable,
}

/// Checks the credentials and opens a session: its token and user.
async fn login(
    state: &AppState,
    ip: IpAddr,
    headers: &HeaderMap,
    username: &str,
    password: &str,
) -> Result<SessionToken, Refused> {
    if !state.settings.local_accounts {
        return Err(Refused::Disabled);
    }
    let too_long = username.len() > MAX_USERNAME_LEN || password.len() > MAX_PASSWORD_LEN;
    let account_key = (!too_long).then_some(username);
    if let Err(wait) = state.limits.check_login(ip, account_key) {
        audit(
            state,
            "login.throttled",
            None,
            ip,
            json!({ "username": truncate(username) }),
        )
        .await;
        return Err(Refused::Throttled(wait));
    }
    if too_long {
        audit(
            state,
            "login.failed",
            None,
            ip,
            json!({ "username": truncate(username), "reason": "too_long" }),
        )
        .await;
        return Err(Refused::Invalid("the username or password is too long"));
    }
    let account = match state.db.acquire().await {
        Ok(mut conn) => ajet_db::credentials::by_username(&mut conn, username).await,
        Err(err) => Err(err),
    };
    let account = account.map_err(|err| {
        tracing::error!(error = %err, "cannot look a local account up");
        Refused::Unavailable
    })?;
    let phc = account.as_ref().map(|a| a.password_hash.clone());
    if !verify_password(password.to_owned(), phc).await {
        audit(
            state,
            "login.failed",
            account.as_ref().map(|a| a.user_id),
            ip,
            json!({ "username": truncate(username), "method": "password" }),
        )
        .await;
        return Err(Refused::Invalid("wrong username or password"));
    }
    let Some(account) = account else {
        return Err(Refused::Invalid("wrong username or password"));
    };
    let created = match state.db.acquire().await {
        Ok(mut conn) => {
            ajet_db::sessions::create(
                &mut conn,
                &state.hasher,
                account.user_id,
                user_agent(headers).as_deref(),
            )
            .await
        }
        Err(err) => Err(err),
    };
    let (session, token) = created.map_err(|err| {
        tracing::error!(error = %err, "cannot create a session");
        Refused::Unavailable
    })?;
    audit(
        state,
        "login",
        Some(account.user_id),
        ip,
        json!({ "method": "password", "session_id": session.id }),
    )
    .await;
    Ok(SessionToken {
        token,
        user_id: account.user_id,
        username: account.username,
    })
}

/// A name as written in the audit log: no more than a username's length.
pub fn truncate(name: &str) -> String {
    name.chars().take(MAX_USERNAME_LEN).collect()
}

/// `POST /login`: the sign-in form. Success sets the session cookie and moves on with a
/// same-site redirect.
pub async fn login_form(State(state): State<AppState>, req: Request) -> Response {
    let ip = client_ip(&req);
    let headers = req.headers().clone();
    let Ok(Form(form)) = Form::<LoginForm>::from_request(req, &()).await else {
        return render_login(
            &state,
            StatusCode::BAD_REQUEST,
            "/",
            "",
            Some("fill in your username and password"),
        )
        .await;
    };
    let next = safe_next(form.next.as_deref());
    match login(&state, ip, &headers, form.username.trim(), &form.password).await {
        Ok(session) => {
            let mut response = Redirect::to(&next).into_response();
            if let Some(cookie) = session_cookie(&state, &session.token) {
                response.headers_mut().insert(header::SET_COOKIE, cookie);
            }
            response
        }
        Err(Refused::Disabled) => disabled(&state),
        Err(Refused::Throttled(wait)) => {
            let mut response = render_login(
                &state,
                StatusCode::TOO_MANY_REQUESTS,
                &next,
                &truncate(&form.username),
                Some("too many sign-in attempts; wait a minute and try again"),
            )
            .await;
            if let Ok(v) = wait.as_secs().max(1).to_string().parse() {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
            response
        }
        Err(Refused::Invalid(why)) => {
            render_login(
                &state,
                StatusCode::UNAUTHORIZED,
                &next,
                &truncate(&form.username),
                Some(why),
            )
            .await
        }
        Err(Refused::Unavailable) => unavailable_page(&state),
    }
}

/// `POST /auth/password`: `{"username", "password"}` → a session token (the cli's login).
pub async fn login_json(State(state): State<AppState>, req: Request) -> Response {
    let ip = client_ip(&req);
    let headers = req.headers().clone();
    let body = match Json::<PasswordLogin>::from_request(req, &()).await {
        Ok(Json(body)) => body,
        Err(rejection) => {
            return ErrorResponse::bad_request(format!(
                "send {{\"username\", \"password\"}} as JSON: {}",
                rejection.body_text()
            ))
            .into_response();
        }
    };
    match login(&state, ip, &headers, body.username.trim(), &body.password).await {
        Ok(session) => (StatusCode::CREATED, Json(session)).into_response(),
        Err(Refused::Disabled) => {
            ErrorResponse::not_found("local accounts are turned off on this server").into_response()
        }
        Err(Refused::Throttled(wait)) => limits::too_many(wait),
        Err(Refused::Invalid(why)) => ErrorResponse::unauthorized(why).into_response(),
        Err(Refused::Unavailable) => {
            ErrorResponse::unavailable("sign-in is not possible right now; try again shortly")
                .into_response()
        }
    }
}

pub fn disabled(state: &AppState) -> Response {
    state.pages.message(
        StatusCode::NOT_FOUND,
        "Local accounts are off",
        "This server does not use local accounts: sign in with one of its providers.",
        None,
    )
}

pub fn unavailable_page(state: &AppState) -> Response {
    state.pages.message(
        StatusCode::SERVICE_UNAVAILABLE,
        "Try again shortly",
        "Signing in is not possible right now.",
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dummy_hash_is_a_valid_argon2id_hash() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }

    #[tokio::test]
    async fn passwords_hash_to_argon2id_and_verify() {
        let phc = hash_password("correct horse".into()).await.unwrap();
        assert!(phc.starts_with("$argon2id$"), "{phc}");
        assert!(verify_password("correct horse".into(), Some(phc.clone())).await);
        assert!(!verify_password("wrong".into(), Some(phc)).await);
        assert!(!verify_password("anything".into(), None).await);
    }
}
