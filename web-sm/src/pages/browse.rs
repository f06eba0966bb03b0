//! Finding and starting conversations: `/browse/<community>` lists the public channels
//! the viewer could join (a button joins) beside a form that creates a channel, and
//! `/dm/new` starts a direct message or a group DM. Plain forms: they work without
//! JavaScript.

use ajet_core::ErrorCode;
use ajet_core::dto::{ChannelKind, CreateChannel, MeDto, Visibility};
use ajet_sdk::Client;
use axum::Form;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::Viewer;
use super::channel::{api_failed, not_found, page};
use super::shell::{self, sidebar};
use crate::state::AppState;

/// `POST /browse/{community}`: join this channel.
#[derive(Debug, Deserialize)]
pub struct Join {
    pub channel_id: String,
}

/// `POST /browse/{community}/channels`: create a channel.
#[derive(Debug, Default, Deserialize)]
pub struct NewChannel {
    pub name: String,
    #[serde(default)]
    pub topic: String,
    /// A checkbox: present when ticked.
    #[serde(default)]
    pub private: Option<String>,
}

/// `POST /dm/new`: the people to write to.
#[derive(Debug, Default, Deserialize)]
pub struct NewDm {
    pub usernames: String,
}

/// `GET /browse/{community}`.
pub async fn browse(
    State(state): State<AppState>,
    viewer: Viewer,
    OriginalUri(uri): OriginalUri,
    Path(slug): Path<String>,
) -> Response {
    let response = show_browse(
        &state,
        &viewer.api,
        &uri,
        &slug,
        NewChannel::default(),
        None,
    )
    .await;
    super::channel::remembering(&slug, response)
}

/// `POST /browse/{community}`: joins the channel, then opens it.
pub async fn join(
    State(state): State<AppState>,
    viewer: Viewer,
    OriginalUri(uri): OriginalUri,
    Path(slug): Path<String>,
    Form(form): Form<Join>,
) -> Response {
    let Ok(id) = form.channel_id.parse() else {
        return not_found(&state);
    };
    match viewer.api.join_channel(id).await {
        Ok(()) => match viewer.api.channel(id).await {
            Ok(channel) => Redirect::to(&shell::url(&channel)).into_response(),
            Err(err) => api_failed(&state, &uri, &err),
        },
        Err(ajet_sdk::Error::Api { status, body }) if body.error != ErrorCode::Unauthorized => {
            let refused = (status, format!("Not joined: {}", body.message));
            show_browse(
                &state,
                &viewer.api,
                &uri,
                &slug,
                NewChannel::default(),
                Some(refused),
            )
            .await
        }
        Err(err) => api_failed(&state, &uri, &err),
    }
}

/// `POST /browse/{community}/channels`: creates the channel, then opens it.
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    OriginalUri(uri): OriginalUri,
    Path(slug): Path<String>,
    Form(form): Form<NewChannel>,
) -> Response {
    let me = match viewer.api.me().await {
        Ok(me) => me,
        Err(err) => return api_failed(&state, &uri, &err),
    };
    let Some(community) = me.communities.iter().find(|c| c.slug == slug) else {
        return not_found(&state);
    };
    let body = CreateChannel {
        name: form.name.trim().trim_start_matches('#').to_owned(),
        visibility: if form.private.is_some() {
            Visibility::Private
        } else {
            Visibility::Public
        },
        kind: ChannelKind::Text,
        topic: Some(form.topic.trim().to_owned()).filter(|t| !t.is_empty()),
    };
    match viewer.api.create_channel(community.id, &body).await {
        Ok(channel) => Redirect::to(&shell::url(&channel)).into_response(),
        Err(ajet_sdk::Error::Api { status, body }) if body.error != ErrorCode::Unauthorized => {
            let refused = (status, format!("Not created: {}", body.message));
            show_browse(&state, &viewer.api, &uri, &slug, form, Some(refused)).await
        }
        Err(err) => api_failed(&state, &uri, &err),
    }
}

async fn show_browse(
    state: &AppState,
    api: &Client,
    uri: &Uri,
    slug: &str,
    draft: NewChannel,
    refused: Option<(u16, String)>,
) -> Response {
    let (me, channels) = match tokio::try_join!(api.me(), api.channels()) {
        Ok(found) => found,
        Err(err) => return api_failed(state, uri, &err),
    };
    let Some(community) = me.communities.iter().find(|c| c.slug == slug) else {
        return not_found(state);
    };
    let view = match api.community(community.id).await {
        Ok(view) => view,
        Err(err) => return api_failed(state, uri, &err),
    };
    let mut joinable = view.joinable_channels;
    joinable.sort_by(|a, b| a.name.cmp(&b.name));
    let side = sidebar(&me, &channels, None, Some(slug));
    let (status, error) = match refused {
        Some((status, error)) => (
            StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            error,
        ),
        None => (StatusCode::OK, String::new()),
    };
    let ctx = minijinja::context! {
        me => viewer(&me),
        switcher => side.switcher,
        communities => side.communities,
        dms => side.dms,
        community => minijinja::context! { name => community.name, slug => community.slug },
        joinable => joinable.iter().map(|c| minijinja::context! {
            id => c.id.to_string(),
            name => c.name,
            topic => c.topic,
        }).collect::<Vec<_>>(),
        draft => minijinja::context! {
            name => draft.name,
            topic => draft.topic,
            private => draft.private.is_some(),
        },
        error,
    };
    page(state, "browse.html", ctx, status)
}

fn viewer(me: &MeDto) -> minijinja::Value {
    minijinja::context! { id => me.user.id.to_string(), username => me.user.username }
}

/// `GET /dm/new`.
pub async fn new_dm(
    State(state): State<AppState>,
    viewer: Viewer,
    OriginalUri(uri): OriginalUri,
) -> Response {
    show_new_dm(&state, &viewer, &uri, NewDm::default(), None).await
}

/// `POST /dm/new`: opens (or finds) the DM, then goes there.
pub async fn start_dm(
    State(state): State<AppState>,
    viewer: Viewer,
    OriginalUri(uri): OriginalUri,
    Form(form): Form<NewDm>,
) -> Response {
    let names: Vec<&str> = form
        .usernames
        .split([',', ' '])
        .map(|u| u.trim().trim_start_matches('@'))
        .filter(|u| !u.is_empty())
        .collect();
    if names.is_empty() {
        let refused = (422, "Name someone to write to.".to_owned());
        return show_new_dm(&state, &viewer, &uri, form, Some(refused)).await;
    }
    match viewer.api.start_dm(&names).await {
        Ok(channel) => Redirect::to(&shell::url(&channel)).into_response(),
        Err(ajet_sdk::Error::Api { status, body }) if body.error != ErrorCode::Unauthorized => {
            let refused = (status, format!("Not started: {}", body.message));
            show_new_dm(&state, &viewer, &uri, form, Some(refused)).await
        }
        Err(err) => api_failed(&state, &uri, &err),
    }
}

async fn show_new_dm(
    state: &AppState,
    person: &Viewer,
    uri: &Uri,
    draft: NewDm,
    refused: Option<(u16, String)>,
) -> Response {
    let (api, community) = (&person.api, person.community.as_deref());
    let (me, channels) = match tokio::try_join!(api.me(), api.channels()) {
        Ok(found) => found,
        Err(err) => return api_failed(state, uri, &err),
    };
    let side = sidebar(&me, &channels, None, community);
    let (status, error) = match refused {
        Some((status, error)) => (
            StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            error,
        ),
        None => (StatusCode::OK, String::new()),
    };
    let ctx = minijinja::context! {
        me => viewer(&me),
        switcher => side.switcher,
        communities => side.communities,
        dms => side.dms,
        usernames => draft.usernames,
        error,
    };
    page(state, "new_dm.html", ctx, status)
}
