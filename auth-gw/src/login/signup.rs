//! Local sign-up: the first person on a server, who becomes the owner of its community,
//! and after that whoever holds a valid invite.
//!
//! The api creates a default community at its first start, so "no community exists" is
//! not the sign of a first run here: the first run lasts until some community has an
//! owner. The first sign-up then becomes the owner of the oldest community (created if
//! there is none), and may rename it.

use std::net::IpAddr;

use ajet_core::CommunityId;
use ajet_core::identity::{MAX_PASSWORD_LEN, MIN_PASSWORD_LEN};
use ajet_core::limits::MAX_USERNAME_LEN;
use ajet_db::bootstrap::GENERAL;
use ajet_db::invites::RedeemError;
use ajet_db::users::CreateUserError;
use ajet_db::{access, channels, communities, credentials, invites, users};
use axum::Form;
use axum::extract::{FromRequest, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;

use super::password::{disabled, hash_password, truncate, unavailable_page};
use super::{audit, session_cookie, user_agent};
use crate::security::client_ip;
use crate::state::AppState;

/// The name of the community the first person creates when they give none.
const FIRST_COMMUNITY: &str = "ajet";

#[derive(Debug, Default, Deserialize)]
pub struct SignupQuery {
    invite: Option<String>,
}

/// `GET /signup[?invite=CODE]`.
pub async fn signup_page(State(state): State<AppState>, Query(q): Query<SignupQuery>) -> Response {
    if !state.settings.local_accounts {
        return disabled(&state);
    }
    let first_run = first_run(&state).await;
    render(
        &state,
        StatusCode::OK,
        first_run,
        &Fields {
            invite: q.invite.unwrap_or_default(),
            ..Fields::default()
        },
        None,
    )
}

async fn first_run(state: &AppState) -> bool {
    match state.db.acquire().await {
        Ok(mut conn) => !access::has_owner(&mut conn).await.unwrap_or(true),
        Err(_) => false,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct Fields {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    invite: String,
    #[serde(default)]
    community: String,
}

fn render(
    state: &AppState,
    status: StatusCode,
    first_run: bool,
    fields: &Fields,
    error: Option<&str>,
) -> Response {
    state.pages.render(
        status,
        "signup.html",
        minijinja::context! {
            first_run, error,
            username => truncate(&fields.username),
            invite => fields.invite.chars().take(64).collect::<String>(),
            community => fields.community.chars().take(100).collect::<String>(),
            providers => state
                .oauth
                .list
                .iter()
                .map(|p| minijinja::context! { id => p.id, label => p.label })
                .collect::<Vec<_>>(),
        },
    )
}

/// Why a sign-up was refused: shown to the person, written to the audit log.
pub(crate) struct Refusal {
    pub(crate) status: StatusCode,
    pub(crate) reason: &'static str,
    pub(crate) message: String,
}

pub(crate) fn refuse(
    status: StatusCode,
    reason: &'static str,
    message: impl Into<String>,
) -> Refusal {
    Refusal {
        status,
        reason,
        message: message.into(),
    }
}

impl From<sqlx::Error> for Refusal {
    fn from(err: sqlx::Error) -> Self {
        tracing::error!(error = %err, "sign-up failed");
        refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "signing up is not possible right now; try again shortly",
        )
    }
}

/// `POST /signup`.
pub async fn signup_form(State(state): State<AppState>, req: Request) -> Response {
    if !state.settings.local_accounts {
        return disabled(&state);
    }
    let ip = client_ip(&req);
    let headers = req.headers().clone();
    let fields = match Form::<Fields>::from_request(req, &()).await {
        Ok(Form(fields)) => fields,
        Err(_) => Fields::default(),
    };
    let fields = Fields {
        username: fields.username.trim().to_owned(),
        invite: fields.invite.trim().to_owned(),
        community: fields.community.trim().to_owned(),
        ..fields
    };
    match signup(&state, ip, &headers, &fields).await {
        Ok(token) => {
            let mut response = Redirect::to("/").into_response();
            if let Some(cookie) = session_cookie(&state, &token) {
                response.headers_mut().insert(header::SET_COOKIE, cookie);
            }
            response
        }
        Err(refusal) => {
            audit(
                &state,
                "signup.failed",
                None,
                ip,
                json!({ "username": truncate(&fields.username), "reason": refusal.reason }),
            )
            .await;
            if refusal.reason == "unavailable" {
                return unavailable_page(&state);
            }
            let first_run = first_run(&state).await;
            render(
                &state,
                refusal.status,
                first_run,
                &fields,
                Some(&refusal.message),
            )
        }
    }
}

/// Creates the account and its session; the session token.
async fn signup(
    state: &AppState,
    ip: IpAddr,
    headers: &HeaderMap,
    fields: &Fields,
) -> Result<String, Refusal> {
    if let Err(wait) = state.limits.check_login(ip, None) {
        return Err(refuse(
            StatusCode::TOO_MANY_REQUESTS,
            "throttled",
            format!(
                "too many attempts; try again in {} s",
                wait.as_secs().max(1)
            ),
        ));
    }
    validate(fields)?;
    let phc = hash_password(fields.password.clone())
        .await
        .ok_or_else(|| {
            refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                "hash",
                "cannot hash the password",
            )
        })?;
    let mut tx = state.db.begin().await?;
    let (community, role, invite) = admit(&mut tx, &fields.invite, &fields.community).await?;
    let user = users::insert(&mut tx, &fields.username)
        .await
        .map_err(|err| match err {
            CreateUserError::Taken(_) => refuse(
                StatusCode::CONFLICT,
                "username_taken",
                "that username is taken",
            ),
            CreateUserError::Invalid(_) => refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                "username_invalid",
                "use 1 to 32 letters, digits, '.', '_' or '-', starting with a letter or digit",
            ),
            CreateUserError::Sqlx(err) => err.into(),
        })?;
    credentials::set_password_hash(&mut tx, user.id, &phc).await?;
    communities::add_member(&mut tx, community, user.id, role).await?;
    if let Some(general) = channels::by_name(&mut tx, community, GENERAL).await? {
        channels::add_member(&mut tx, general.id, user.id).await?;
    }
    let (session, token) = ajet_db::sessions::create(
        &mut tx,
        &state.hasher,
        user.id,
        user_agent(headers).as_deref(),
    )
    .await?;
    tx.commit().await?;
    audit(
        state,
        "signup",
        Some(user.id),
        ip,
        json!({ "method": "password", "community_id": community, "role": role,
                "invite_id": invite, "session_id": session.id }),
    )
    .await;
    Ok(token)
}

/// Where a new person joins, as what, and with which invite: the first person on the
/// server owns the first community; after that, only an invite lets anyone in. Call inside
/// the transaction that creates the person (it takes the sign-up lock).
pub(crate) async fn admit(
    tx: &mut sqlx::PgConnection,
    invite: &str,
    community_name: &str,
) -> Result<(CommunityId, &'static str, Option<uuid::Uuid>), Refusal> {
    // One sign-up at a time decides who is first.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('ajet.signup'))")
        .execute(&mut *tx)
        .await?;
    if !access::has_owner(tx).await? {
        return Ok((first_community(tx, community_name).await?, "owner", None));
    }
    if invite.is_empty() {
        return Err(refuse(
            StatusCode::FORBIDDEN,
            "no_invite",
            "signing up needs an invite: ask an admin of the community for one",
        ));
    }
    let invite = invites::redeem(tx, invite).await.map_err(|err| match err {
        RedeemError::Sqlx(err) => err.into(),
        RedeemError::Unknown => refuse(StatusCode::NOT_FOUND, "invite_unknown", err.to_string()),
        RedeemError::Revoked => refuse(StatusCode::GONE, "invite_revoked", err.to_string()),
        RedeemError::Expired => refuse(StatusCode::GONE, "invite_expired", err.to_string()),
        RedeemError::UsedUp => refuse(StatusCode::GONE, "invite_used_up", err.to_string()),
    })?;
    Ok((invite.community_id, "member", Some(invite.id)))
}

fn validate(fields: &Fields) -> Result<(), Refusal> {
    if fields.username.len() > MAX_USERNAME_LEN {
        return Err(refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "username_too_long",
            format!("the username is too long: at most {MAX_USERNAME_LEN} characters"),
        ));
    }
    if !users::valid_username(&fields.username) {
        return Err(refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "username_invalid",
            "use 1 to 32 letters, digits, '.', '_' or '-', starting with a letter or digit",
        ));
    }
    let chars = fields.password.chars().count();
    if chars > MAX_PASSWORD_LEN {
        return Err(refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "password_too_long",
            format!("the password is too long: at most {MAX_PASSWORD_LEN} characters"),
        ));
    }
    if chars < MIN_PASSWORD_LEN {
        return Err(refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "password_too_short",
            format!("the password is too short: at least {MIN_PASSWORD_LEN} characters"),
        ));
    }
    if fields.community.chars().count() > 100 {
        return Err(refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "community_too_long",
            "the community name is too long: at most 100 characters",
        ));
    }
    Ok(())
}

/// The community the first person owns: the oldest (renamed when they give a name), or a
/// new one with its `#general` when none exists.
async fn first_community(
    conn: &mut sqlx::PgConnection,
    name: &str,
) -> Result<CommunityId, sqlx::Error> {
    let wanted = if name.is_empty() {
        FIRST_COMMUNITY
    } else {
        name
    };
    let community = ajet_db::bootstrap::ensure_default_community(conn, wanted).await?;
    if !name.is_empty() && community.name != name {
        access::rename_community(conn, community.id, name).await?;
    }
    Ok(community.id)
}
