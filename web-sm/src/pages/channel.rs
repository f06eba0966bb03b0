//! A channel's page — `/c/<community>/<channel>` and `/dm/<id>` — its history (the latest
//! page, the page before `?before=<message>`, or, at a permalink `…/m/<message>`, the
//! messages around one, highlighted) and its composer; and the plain form post that sends
//! from it without JavaScript.

use ajet_core::ErrorCode;
use ajet_core::commands::CommandAnswer;
use ajet_core::dto::{ChannelDto, MeDto, MessageDto};
use ajet_sdk::{Client, PageCursor};
use axum::Form;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::Viewer;
use super::shell::{self, Sidebar, sidebar};
use super::viewer::sign_in;
use crate::render::history;
use crate::state::AppState;

/// Messages on one page of history.
const PAGE: u32 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct HistoryQuery {
    /// Show the page of messages before this one.
    pub before: Option<String>,
    /// Show the messages around this one (a permalink's path, not a query parameter).
    #[serde(skip)]
    pub around: Option<String>,
}

/// Messages on each side of a permalink's message.
const AROUND: u32 = 25;

#[derive(Debug, Deserialize)]
pub struct Compose {
    pub body: String,
}

/// Which channel a URL names.
pub(super) enum Pick {
    Named { slug: String, name: String },
    Dm(String),
}

/// `GET /c/{community}/{channel}`.
pub async fn community_channel(
    State(state): State<AppState>,
    viewer: Viewer,
    OriginalUri(uri): OriginalUri,
    Path((slug, name)): Path<(String, String)>,
    Query(query): Query<HistoryQuery>,
) -> Response {
    let remember = (viewer.community.as_deref() != Some(slug.as_str())).then(|| slug.clone());
    let pick = Pick::Named { slug, name };
    let response = show(&state, &viewer, &uri, pick, query, Outcome::default()).await;
    match remember {
        Some(slug) => remembering(&slug, response),
        None => response,
    }
}

/// `GET /dm/{id}`.
pub async fn dm_channel(
    State(state): State<AppState>,
    viewer: Viewer,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    Query(query): Query<HistoryQuery>,
) -> Response {
    show(
        &state,
        &viewer,
        &uri,
        Pick::Dm(id),
        query,
        Outcome::default(),
    )
    .await
}

/// `GET /c/{community}/{channel}/m/{message}`: a permalink.
pub async fn community_permalink(
    State(state): State<AppState>,
    viewer: Viewer,
    OriginalUri(uri): OriginalUri,
    Path((slug, name, message)): Path<(String, String, String)>,
) -> Response {
    let pick = Pick::Named { slug, name };
    let query = HistoryQuery {
        around: Some(message),
        ..HistoryQuery::default()
    };
    show(&state, &viewer, &uri, pick, query, Outcome::default()).await
}

/// `GET /dm/{id}/m/{message}`: a permalink in a direct message.
pub async fn dm_permalink(
    State(state): State<AppState>,
    viewer: Viewer,
    OriginalUri(uri): OriginalUri,
    Path((id, message)): Path<(String, String)>,
) -> Response {
    let query = HistoryQuery {
        around: Some(message),
        ..HistoryQuery::default()
    };
    show(
        &state,
        &viewer,
        &uri,
        Pick::Dm(id),
        query,
        Outcome::default(),
    )
    .await
}

/// `POST /c/{community}/{channel}`: sends the form's message, then back to the channel.
pub async fn post_to_community_channel(
    State(state): State<AppState>,
    viewer: Viewer,
    OriginalUri(uri): OriginalUri,
    Path((slug, name)): Path<(String, String)>,
    Form(form): Form<Compose>,
) -> Response {
    let pick = Pick::Named { slug, name };
    post(&state, &viewer, &uri, pick, form).await
}

/// `POST /dm/{id}`.
pub async fn post_to_dm(
    State(state): State<AppState>,
    viewer: Viewer,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    Form(form): Form<Compose>,
) -> Response {
    post(&state, &viewer, &uri, Pick::Dm(id), form).await
}

/// `GET /`: the default channel of the community the viewer was last in (or of their
/// first), or a word on how to get one.
pub async fn home(
    State(state): State<AppState>,
    viewer: Viewer,
    OriginalUri(uri): OriginalUri,
) -> Response {
    match tokio::try_join!(viewer.api.me(), viewer.api.channels()) {
        Ok((me, channels)) => {
            let remembered = viewer.community.as_deref();
            let first = me
                .communities
                .iter()
                .filter(|c| Some(c.slug.as_str()) == remembered)
                .chain(&me.communities)
                .find_map(|community| shell::default_channel(community.id, &channels))
                .or(channels.first());
            match first {
                Some(channel) => Redirect::to(&shell::url(channel)).into_response(),
                None => page(
                    &state,
                    "home.html",
                    minijinja::context! { username => me.user.username },
                    StatusCode::OK,
                ),
            }
        }
        Err(err) => api_failed(&state, &uri, &err),
    }
}

/// `GET /c/{community}`: where the community switcher leads — the community's default
/// channel, or, if the viewer is in none of its channels, the page to browse them.
pub async fn community_home(
    State(state): State<AppState>,
    viewer: Viewer,
    OriginalUri(uri): OriginalUri,
    Path(slug): Path<String>,
) -> Response {
    let (me, channels) = match tokio::try_join!(viewer.api.me(), viewer.api.channels()) {
        Ok(found) => found,
        Err(err) => return api_failed(&state, &uri, &err),
    };
    let Some(community) = me.communities.iter().find(|c| c.slug == slug) else {
        return not_found(&state);
    };
    let to = match shell::default_channel(community.id, &channels) {
        Some(channel) => shell::url(channel),
        None => format!("/browse/{}", community.slug),
    };
    remembering(&community.slug, Redirect::to(&to).into_response())
}

/// `response`, remembering `slug` as the community the viewer is in when it is a page
/// they may see.
pub(super) fn remembering(slug: &str, mut response: Response) -> Response {
    if (response.status().is_success() || response.status().is_redirection())
        && let Some(cookie) = shell::remember_community(slug)
    {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// What a form post came to, shown on the page it is answered with.
#[derive(Debug)]
struct Outcome {
    status: StatusCode,
    /// Why the message was not sent.
    error: String,
    /// The composer's text, kept when it was not sent.
    draft: String,
    /// A command's answer, for the sender only.
    notice: String,
}

impl Default for Outcome {
    fn default() -> Self {
        Self {
            status: StatusCode::OK,
            error: String::new(),
            draft: String::new(),
            notice: String::new(),
        }
    }
}

async fn show(
    state: &AppState,
    viewer: &Viewer,
    uri: &Uri,
    pick: Pick,
    query: HistoryQuery,
    outcome: Outcome,
) -> Response {
    let api = &viewer.api;
    let remembered = viewer.community.as_deref();
    // Read before the api is asked: the stream resumes after it, so nothing that happens
    // while the page is built is missed.
    let resume = state.sessions.hub.position();
    let (me, channels) = match tokio::try_join!(api.me(), api.channels()) {
        Ok(found) => found,
        Err(err) => return api_failed(state, uri, &err),
    };
    let Some(channel) = find(&channels, &pick) else {
        return not_found(state);
    };
    if let Some(around) = query.around.as_deref() {
        return match around_message(api, channel, around).await {
            Ok(Around::Found(window)) => {
                let status = outcome.status;
                let side = sidebar(&me, &channels, Some(channel), remembered);
                let ctx = context(state, &me, side, channel, &window, outcome, resume);
                page(state, "channel.html", ctx, status)
            }
            Ok(Around::Reply(parent)) => {
                Redirect::to(&format!("{}/t/{parent}#m-{around}", shell::url(channel)))
                    .into_response()
            }
            Ok(Around::Missing) => not_found(state),
            Err(err) => api_failed(state, uri, &err),
        };
    }
    let cursor = match query.before.as_deref().map(str::parse) {
        Some(Ok(id)) => PageCursor::Before(id),
        Some(Err(_)) => return not_found(state),
        None => PageCursor::Latest,
    };
    let page_of = match api.messages(channel.id, cursor, PAGE).await {
        Ok(page_of) => page_of,
        Err(err) => return api_failed(state, uri, &err),
    };
    // Viewing the newest page marks the channel read (the count in the sidebar is the
    // one from before, as the reader has not seen the page yet).
    if matches!(cursor, PageCursor::Latest)
        && let Some(last) = page_of.messages.last()
        && last.seq > channel.last_read_seq
    {
        let api = api.clone();
        let (channel_id, message_id) = (channel.id, last.id);
        tokio::spawn(async move {
            if let Err(err) = api.mark_read(channel_id, Some(message_id)).await {
                tracing::warn!(error = %err, "could not mark the channel read");
            }
        });
    }
    let status = outcome.status;
    page(
        state,
        "channel.html",
        context(
            state,
            &me,
            sidebar(&me, &channels, Some(channel), remembered),
            channel,
            &Window {
                latest: matches!(cursor, PageCursor::Latest),
                messages: page_of.messages,
                has_more: page_of.has_more,
                focus: None,
            },
            outcome,
            resume,
        ),
        status,
    )
}

/// The messages a page shows.
struct Window {
    messages: Vec<MessageDto>,
    /// Whether older messages exist.
    has_more: bool,
    /// Whether the newest message is among them (live messages are added only then).
    latest: bool,
    /// The permalink's message, highlighted.
    focus: Option<String>,
}

/// What a permalink leads to.
enum Around {
    Found(Window),
    /// A thread reply: its place is the thread of this parent.
    Reply(ajet_core::MessageId),
    Missing,
}

/// The messages around `message` of `channel`.
async fn around_message(
    api: &Client,
    channel: &ChannelDto,
    message: &str,
) -> Result<Around, ajet_sdk::Error> {
    let Ok(id) = message.parse() else {
        return Ok(Around::Missing);
    };
    let target = match api.message(id).await {
        Ok(target) => target,
        Err(ajet_sdk::Error::Api { status: 404, .. }) => return Ok(Around::Missing),
        Err(err) => return Err(err),
    };
    if target.channel_id != channel.id {
        return Ok(Around::Missing);
    }
    if let Some(parent) = target.parent_id {
        return Ok(Around::Reply(parent));
    }
    let (before, after) = tokio::try_join!(
        api.messages(channel.id, PageCursor::Before(id), AROUND),
        api.messages(channel.id, PageCursor::After(id), AROUND),
    )?;
    let mut messages = before.messages;
    messages.push(target);
    messages.extend(after.messages);
    Ok(Around::Found(Window {
        messages,
        has_more: before.has_more,
        latest: !after.has_more,
        focus: Some(id.to_string()),
    }))
}

fn context(
    state: &AppState,
    me: &MeDto,
    side: Sidebar,
    channel: &ChannelDto,
    window: &Window,
    outcome: Outcome,
    resume: u64,
) -> minijinja::Value {
    let messages = &window.messages;
    minijinja::context! {
        me => minijinja::context! { id => me.user.id.to_string(), username => me.user.username },
        switcher => side.switcher,
        communities => side.communities,
        dms => side.dms,
        channel => minijinja::context! {
            id => channel.id.to_string(),
            name => channel.name,
            title => shell::title(channel, me),
            is_dm => channel.community_id.is_none(),
            community_id => channel.community_id.map(|c| c.to_string()),
            topic => channel.topic,
            archived => channel.archived,
            url => shell::url(channel),
            last_read_seq => channel.last_read_seq,
        },
        history => history(&state.renderer, messages),
        has_more => window.has_more,
        latest => window.latest,
        focus => window.focus,
        oldest => messages.first().map(|m| m.id.to_string()),
        error => outcome.error,
        draft => outcome.draft,
        notice => outcome.notice,
        resume,
    }
}

async fn post(state: &AppState, viewer: &Viewer, uri: &Uri, pick: Pick, form: Compose) -> Response {
    let api = &viewer.api;
    let channels = match api.channels().await {
        Ok(channels) => channels,
        Err(err) => return api_failed(state, uri, &err),
    };
    let Some(channel) = find(&channels, &pick) else {
        return not_found(state);
    };
    if form.body.trim().is_empty() {
        let failed = Outcome {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            error: "Write something first.".into(),
            draft: form.body,
            ..Outcome::default()
        };
        return show(state, viewer, uri, pick, HistoryQuery::default(), failed).await;
    }
    // A slash command (`//` posts a literal `/`, which the commands route also does).
    let sent = if form.body.starts_with('/') {
        api.run_command(channel.id, &form.body).await.map(Some)
    } else {
        api.send_message(channel.id, &form.body).await.map(|_| None)
    };
    match sent {
        Ok(Some(CommandAnswer::Ephemeral { markdown })) => {
            let answered = Outcome {
                notice: markdown,
                ..Outcome::default()
            };
            show(state, viewer, uri, pick, HistoryQuery::default(), answered).await
        }
        Ok(_) => Redirect::to(&shell::url(channel)).into_response(),
        Err(ajet_sdk::Error::Api { status, body }) if body.error != ErrorCode::Unauthorized => {
            let failed = Outcome {
                status: StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
                error: format!("Not sent: {}", body.message),
                draft: form.body,
                ..Outcome::default()
            };
            show(state, viewer, uri, pick, HistoryQuery::default(), failed).await
        }
        Err(err) => api_failed(state, uri, &err),
    }
}

pub(super) fn find<'a>(channels: &'a [ChannelDto], pick: &Pick) -> Option<&'a ChannelDto> {
    match pick {
        Pick::Named { slug, name } => channels.iter().find(|c| {
            c.community_slug.as_deref() == Some(slug.as_str())
                && c.name.as_deref() == Some(name.as_str())
        }),
        Pick::Dm(id) => channels
            .iter()
            .find(|c| c.community_id.is_none() && c.id.to_string() == *id),
    }
}

/// The api said no: a lapsed session goes to sign in (and comes back), anything else is a
/// page that says the server is not answering.
pub(super) fn api_failed(state: &AppState, uri: &Uri, err: &ajet_sdk::Error) -> Response {
    if err.code() == Some(ErrorCode::Unauthorized) {
        return sign_in(uri);
    }
    if err.code() == Some(ErrorCode::NotFound) || err.code() == Some(ErrorCode::Forbidden) {
        return not_found(state);
    }
    tracing::warn!(error = %err, "the api failed a page");
    page(
        state,
        "home.html",
        minijinja::context! { error => "The server is not answering right now; reload in a moment." },
        StatusCode::SERVICE_UNAVAILABLE,
    )
}

/// The one page for a channel or message that does not exist and one that is not yours.
pub fn not_found(state: &AppState) -> Response {
    page(
        state,
        "not_found.html",
        minijinja::context! {},
        StatusCode::NOT_FOUND,
    )
}

pub(super) fn page(
    state: &AppState,
    name: &str,
    ctx: minijinja::Value,
    status: StatusCode,
) -> Response {
    match state.renderer.page(name, ctx) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(err) => {
            tracing::error!(error = %err, template = name, "a page failed to render");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
