//! A thread's page — `/c/<community>/<channel>/t/<message>` — the message it hangs from,
//! its replies and a composer that replies; live like the channel page, and readable and
//! answerable without JavaScript.

use ajet_core::ErrorCode;
use ajet_core::MessageId;
use ajet_core::dto::{ChannelDto, MessageDto};
use ajet_sdk::{Client, PageCursor};
use axum::Form;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};

use super::Viewer;
use super::channel::{Compose, Pick, api_failed, find, not_found, page};
use super::shell::{self, sidebar};
use crate::render::{MessageView, history};
use crate::state::AppState;

/// Replies on the page: the api's largest page; a longer thread shows its newest.
const REPLIES: u32 = 200;

/// The address of the thread under `parent` in `channel`.
pub fn url(channel: &ChannelDto, parent: MessageId) -> String {
    format!("{}/t/{parent}", shell::url(channel))
}

/// `GET /c/{community}/{channel}/t/{message}`.
pub async fn show_thread(
    State(state): State<AppState>,
    viewer: Viewer,
    OriginalUri(uri): OriginalUri,
    Path((slug, name, parent)): Path<(String, String, String)>,
) -> Response {
    let pick = Pick::Named { slug, name };
    show(&state, &viewer.api, &uri, pick, &parent, None).await
}

/// `POST /c/{community}/{channel}/t/{message}`: replies, then back to the thread.
pub async fn reply_in_thread(
    State(state): State<AppState>,
    viewer: Viewer,
    OriginalUri(uri): OriginalUri,
    Path((slug, name, parent)): Path<(String, String, String)>,
    Form(form): Form<Compose>,
) -> Response {
    let pick = Pick::Named { slug, name };
    let api = &viewer.api;
    let (channel, parent_message) = match load(api, &pick, &parent).await {
        Ok(Some(found)) => found,
        Ok(None) => return not_found(&state),
        Err(err) => return api_failed(&state, &uri, &err),
    };
    if form.body.trim().is_empty() {
        let failed = (
            StatusCode::UNPROCESSABLE_ENTITY,
            "Write something first.".into(),
            form.body,
        );
        return show(&state, api, &uri, pick, &parent, Some(failed)).await;
    }
    match api
        .post_message(channel.id, &form.body, Some(parent_message.id))
        .await
    {
        Ok(_) => Redirect::to(&url(&channel, parent_message.id)).into_response(),
        Err(ajet_sdk::Error::Api { status, body }) if body.error != ErrorCode::Unauthorized => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
            let failed = (status, format!("Not sent: {}", body.message), form.body);
            show(&state, api, &uri, pick, &parent, Some(failed)).await
        }
        Err(err) => api_failed(&state, &uri, &err),
    }
}

/// The channel and the thread's top-level message, when both are the viewer's to see.
async fn load(
    api: &Client,
    pick: &Pick,
    parent: &str,
) -> Result<Option<(ChannelDto, MessageDto)>, ajet_sdk::Error> {
    let Ok(parent) = parent.parse::<MessageId>() else {
        return Ok(None);
    };
    let channels = api.channels().await?;
    let Some(channel) = find(&channels, pick).cloned() else {
        return Ok(None);
    };
    let message = match api.message(parent).await {
        Ok(message) => message,
        Err(err) if err.code() == Some(ErrorCode::NotFound) => return Ok(None),
        Err(err) => return Err(err),
    };
    let belongs = message.channel_id == channel.id && message.parent_id.is_none();
    Ok(belongs.then_some((channel, message)))
}

async fn show(
    state: &AppState,
    api: &Client,
    uri: &Uri,
    pick: Pick,
    parent: &str,
    failed: Option<(StatusCode, String, String)>,
) -> Response {
    // Read before the api is asked: the stream resumes after it, so nothing that happens
    // while the page is built is missed.
    let resume = state.sessions.hub.position();
    let (channel, parent_message) = match load(api, &pick, parent).await {
        Ok(Some(found)) => found,
        Ok(None) => return not_found(state),
        Err(err) => return api_failed(state, uri, &err),
    };
    let (me, channels, replies) = match tokio::try_join!(
        api.me(),
        api.channels(),
        api.replies(parent_message.id, PageCursor::Latest, REPLIES)
    ) {
        Ok(found) => found,
        Err(err) => return api_failed(state, uri, &err),
    };
    let (status, error, draft) = failed.unwrap_or((StatusCode::OK, String::new(), String::new()));
    let side = sidebar(&me, &channels, Some(&channel), None);
    let ctx = minijinja::context! {
        me => minijinja::context! { id => me.user.id.to_string(), username => me.user.username },
        switcher => side.switcher,
        communities => side.communities,
        dms => side.dms,
        channel => minijinja::context! {
            id => channel.id.to_string(),
            community_id => channel.community_id.map(|c| c.to_string()),
            name => channel.name,
            title => shell::title(&channel, &me),
            url => shell::url(&channel),
            archived => channel.archived,
        },
        parent => MessageView::new(&state.renderer, &parent_message, false),
        thread_url => url(&channel, parent_message.id),
        history => history(&state.renderer, &replies.messages),
        error,
        draft,
        resume,
    };
    page(state, "thread.html", ctx, status)
}
