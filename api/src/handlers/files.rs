//! Files: `POST /api/channels/{id}/attachments` (upload), `GET /api/attachments/{id}` and
//! its thumbnail (download), and the avatars of people, bots and webhooks.

use ajet_core::dto::{AvatarDto, Scope, UploadedDto};
use ajet_core::files::{content_disposition, shown_inline};
use ajet_core::limits::{MAX_AVATAR_BYTES, MULTIPART_SLACK_BYTES as MULTIPART_SLACK};
use ajet_core::{AttachmentId, ChannelId, ErrorBody, ErrorCode, UserId, WebhookId};
use ajet_db::attachments::Attachment;
use axum::Json;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::authz;
use crate::error::{Error, PathParam, Result};
use crate::files::media;
use crate::files::upload::{self, store_failed, too_large};
use crate::handlers::identity::common::require_manager;
use crate::state::AppState;

/// Every file response: never sniffed into something else, never run as a page of ours.
const FILE_CSP: &str =
    "sandbox; default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'";

/// The file routes. Uploads and avatars read their bodies themselves, within their own
/// limits, so the api's default body limit is lifted for them.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .merge(
            OpenApiRouter::default()
                .routes(routes!(upload_attachments))
                .routes(routes!(set_my_avatar, delete_my_avatar))
                .routes(routes!(set_bot_avatar))
                .routes(routes!(set_webhook_avatar))
                .layer(DefaultBodyLimit::disable()),
        )
        .routes(routes!(download_attachment, delete_attachment))
        .routes(routes!(download_thumbnail))
        .routes(routes!(get_avatar))
}

/// Uploads files to a channel, to be posted with a message (`attachments` of
/// `POST /api/channels/{id}/messages`) within a day. Each file is a `multipart/form-data`
/// part with a file name; its media type is sniffed from its content.
#[utoipa::path(
    post,
    path = "/channels/{channel_id}/attachments",
    tag = "files",
    security(("bearer" = [])),
    params(("channel_id" = ChannelId, Path, description = "The channel, DM or group DM.")),
    request_body(content_type = "multipart/form-data", description = "One part a file, each with a file name."),
    responses(
        (status = 201, description = "Stored, in upload order.", body = UploadedDto),
        (status = 400, description = "The body is not multipart/form-data, or was cut short.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The token lacks `files:write`; or posting is not allowed there (archived, muted, banned).", body = ErrorBody),
        (status = 404, description = "No such channel, or the caller is not in it.", body = ErrorBody),
        (status = 413, description = "Larger than `AJET_MAX_UPLOAD_MB`.", body = ErrorBody),
        (status = 422, description = "No file, an empty file, more than 10 files, or an image too large to decode.", body = ErrorBody),
        (status = 503, description = "The file store cannot be reached.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, channel.id = %channel_id))]
pub async fn upload_attachments(
    State(state): State<AppState>,
    user: AuthUser,
    PathParam(channel_id): PathParam<ChannelId>,
    headers: HeaderMap,
    multipart: std::result::Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<(StatusCode, Json<UploadedDto>)> {
    user.require(Scope::FilesWrite)?;
    user.check_channel(channel_id)?;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > state.files.max_upload_bytes + MULTIPART_SLACK) {
        return Err(too_large(state.files.max_upload_bytes));
    }
    let channel = {
        let mut conn = state.db.acquire().await?;
        authz::postable_channel(&mut conn, channel_id, user.id).await?
    };
    let multipart = multipart.map_err(|_| {
        Error::bad_request(
            "send the files as multipart/form-data, one part a file with a file name",
        )
    })?;
    let attachments = upload::receive(&state, &channel, user.id, multipart).await?;
    Ok((StatusCode::CREATED, Json(UploadedDto { attachments })))
}

/// Downloads a file: to whoever may read its channel (its uploader alone until it is
/// posted). Supports `Range` and `If-None-Match`; images and PDFs are shown inline,
/// anything else is a download.
#[utoipa::path(
    get,
    path = "/attachments/{attachment_id}",
    tag = "files",
    security(("bearer" = [])),
    params(
        ("attachment_id" = AttachmentId, Path, description = "The attachment."),
        ("Range" = Option<String>, Header, description = "One byte range: `bytes=0-1023`, `bytes=1024-`, `bytes=-512`."),
        ("If-None-Match" = Option<String>, Header, description = "The ETag of a copy the caller has."),
    ),
    responses(
        (status = 200, description = "The file.", content_type = "application/octet-stream"),
        (status = 206, description = "The range asked for.", content_type = "application/octet-stream"),
        (status = 304, description = "The caller's copy is current."),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The token lacks `files:read`, or the caller is banned from the community.", body = ErrorBody),
        (status = 404, description = "No such file, or the caller may not see it.", body = ErrorBody),
        (status = 416, description = "The range lies outside the file.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, attachment.id = %attachment_id))]
pub async fn download_attachment(
    State(state): State<AppState>,
    user: AuthUser,
    PathParam(attachment_id): PathParam<AttachmentId>,
    headers: HeaderMap,
) -> Result<Response> {
    let attachment = readable(&state, &user, attachment_id).await?;
    serve(
        &state,
        &headers,
        File {
            key: &attachment.storage_key,
            size: attachment.size_bytes,
            media_type: &attachment.content_type,
            etag: format!("\"{}\"", attachment.id),
            name: &attachment.filename,
        },
    )
    .await
}

/// Removes a file its uploader has not posted yet (taken off the composer before sending).
/// A posted file goes with its message: delete the message instead.
#[utoipa::path(
    delete,
    path = "/attachments/{attachment_id}",
    tag = "files",
    security(("bearer" = [])),
    params(("attachment_id" = AttachmentId, Path, description = "The attachment.")),
    responses(
        (status = 204, description = "Removed; its bytes go within minutes."),
        (status = 400, description = "The path could not be read.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The token lacks `files:write`.", body = ErrorBody),
        (status = 404, description = "No such file of the caller's.", body = ErrorBody),
        (status = 409, description = "The file is posted: delete its message instead.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, attachment.id = %attachment_id))]
pub async fn delete_attachment(
    State(state): State<AppState>,
    user: AuthUser,
    PathParam(attachment_id): PathParam<AttachmentId>,
) -> Result<StatusCode> {
    user.require(Scope::FilesWrite)?;
    let mut conn = state.db.acquire().await?;
    let attachment = ajet_db::attachments::get(&mut conn, attachment_id)
        .await?
        .filter(|a| a.deleted_at.is_none() && a.uploader_id == user.id)
        .ok_or_else(no_such_file)?;
    if attachment.message_id.is_some()
        || !ajet_db::attachments::discard_unposted(&mut conn, attachment_id).await?
    {
        return Err(Error::conflict(
            "the file is posted: delete its message instead",
        ));
    }
    state.files.sweeper.wake();
    Ok(StatusCode::NO_CONTENT)
}

/// An image's thumbnail: at most 400 pixels on its longer side, JPEG or PNG.
#[utoipa::path(
    get,
    path = "/attachments/{attachment_id}/thumbnail",
    tag = "files",
    security(("bearer" = [])),
    params(("attachment_id" = AttachmentId, Path, description = "The attachment.")),
    responses(
        (status = 200, description = "The thumbnail.", content_type = "image/jpeg"),
        (status = 304, description = "The caller's copy is current."),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "The token lacks `files:read`, or the caller is banned from the community.", body = ErrorBody),
        (status = 404, description = "No such file, it has no thumbnail, or the caller may not see it.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, attachment.id = %attachment_id))]
pub async fn download_thumbnail(
    State(state): State<AppState>,
    user: AuthUser,
    PathParam(attachment_id): PathParam<AttachmentId>,
    headers: HeaderMap,
) -> Result<Response> {
    let attachment = readable(&state, &user, attachment_id).await?;
    let key = attachment
        .thumb_key
        .as_deref()
        .ok_or_else(|| Error::not_found("this file has no thumbnail"))?;
    let media_type = if key.ends_with(".png") {
        "image/png"
    } else {
        "image/jpeg"
    };
    serve_whole(
        &state,
        &headers,
        key,
        media_type,
        &format!("\"{}-t\"", attachment.id),
    )
    .await
}

/// A picture of a person, bot or webhook; any signed-in caller may see it.
#[utoipa::path(
    get,
    path = "/avatars/{avatar_id}",
    tag = "files",
    security(("bearer" = [])),
    params(("avatar_id" = Uuid, Path, description = "The picture, from an `avatar_url`.")),
    responses(
        (status = 200, description = "The picture, 256 × 256 PNG.", content_type = "image/png"),
        (status = 304, description = "The caller's copy is current."),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 404, description = "No such picture (it may have been replaced).", body = ErrorBody),
    ),
)]
pub async fn get_avatar(
    State(state): State<AppState>,
    _user: AuthUser,
    PathParam(avatar_id): PathParam<Uuid>,
    headers: HeaderMap,
) -> Result<Response> {
    let key = avatar_key(avatar_id);
    serve_whole(
        &state,
        &headers,
        &key,
        "image/png",
        &format!("\"{avatar_id}\""),
    )
    .await
}

/// Sets the caller's picture from the image in the body (PNG, JPEG, GIF or WebP, at most
/// 10 MiB): the centre cropped to a square and resized to 256 × 256.
#[utoipa::path(
    put,
    path = "/me/avatar",
    tag = "files",
    security(("bearer" = [])),
    request_body(content_type = "application/octet-stream", description = "The picture's bytes."),
    responses(
        (status = 200, description = "Set.", body = AvatarDto),
        (status = 400, description = "The path could not be read.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 413, description = "Over 10 MiB.", body = ErrorBody),
        (status = 422, description = "Not a picture, or too large to decode.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id))]
pub async fn set_my_avatar(
    State(state): State<AppState>,
    user: AuthUser,
    body: Body,
) -> Result<Json<AvatarDto>> {
    let url = store_avatar(&state, user.id, body).await?;
    Ok(Json(AvatarDto {
        avatar_url: Some(url),
    }))
}

/// Removes the caller's picture.
#[utoipa::path(
    delete,
    path = "/me/avatar",
    tag = "files",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Removed.", body = AvatarDto),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id))]
pub async fn delete_my_avatar(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<AvatarDto>> {
    let mut tx = state.db.begin().await?;
    let old = ajet_db::users::set_avatar(&mut tx, user.id, None).await?;
    if let Some(old) = old {
        ajet_db::attachments::queue_stale(&mut tx, &old).await?;
    }
    tx.commit().await?;
    state.files.sweeper.wake();
    Ok(Json(AvatarDto { avatar_url: None }))
}

/// Sets a bot's picture; for the owner and admins of its community.
#[utoipa::path(
    put,
    path = "/bots/{bot_id}/avatar",
    tag = "files",
    security(("bearer" = [])),
    params(("bot_id" = UserId, Path, description = "The bot's user id.")),
    request_body(content_type = "application/octet-stream", description = "The picture's bytes."),
    responses(
        (status = 200, description = "Set.", body = AvatarDto),
        (status = 400, description = "The path could not be read.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "Not an owner or admin of the bot's community, or the token lacks `admin`.", body = ErrorBody),
        (status = 404, description = "No such bot.", body = ErrorBody),
        (status = 413, description = "Over 10 MiB.", body = ErrorBody),
        (status = 422, description = "Not a picture, or too large to decode.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, bot.id = %bot_id))]
pub async fn set_bot_avatar(
    State(state): State<AppState>,
    user: AuthUser,
    PathParam(bot_id): PathParam<UserId>,
    body: Body,
) -> Result<Json<AvatarDto>> {
    {
        let mut conn = state.db.acquire().await?;
        let bot = ajet_db::api_tokens::get_bot(&mut conn, bot_id)
            .await?
            .ok_or_else(|| Error::not_found("there is no such bot"))?;
        require_manager(&mut conn, &user, bot.community_id).await?;
    }
    let url = store_avatar(&state, bot_id, body).await?;
    Ok(Json(AvatarDto {
        avatar_url: Some(url),
    }))
}

/// Sets a webhook's picture, shown beside its messages; for the owner and admins of its
/// community.
#[utoipa::path(
    put,
    path = "/webhooks/{webhook_id}/avatar",
    tag = "files",
    security(("bearer" = [])),
    params(("webhook_id" = WebhookId, Path, description = "The webhook.")),
    request_body(content_type = "application/octet-stream", description = "The picture's bytes."),
    responses(
        (status = 200, description = "Set.", body = AvatarDto),
        (status = 400, description = "The path could not be read.", body = ErrorBody),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 403, description = "Not an owner or admin of the webhook's community, or the token lacks `admin`.", body = ErrorBody),
        (status = 404, description = "No such webhook.", body = ErrorBody),
        (status = 413, description = "Over 10 MiB.", body = ErrorBody),
        (status = 422, description = "Not a picture, or too large to decode.", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(user.id = %user.id, webhook.id = %webhook_id))]
pub async fn set_webhook_avatar(
    State(state): State<AppState>,
    user: AuthUser,
    PathParam(webhook_id): PathParam<WebhookId>,
    body: Body,
) -> Result<Json<AvatarDto>> {
    let webhook = {
        let mut conn = state.db.acquire().await?;
        let webhook = ajet_db::webhooks::get(&mut conn, webhook_id)
            .await?
            .filter(|w| w.revoked_at.is_none())
            .ok_or_else(|| Error::not_found("there is no such webhook"))?;
        require_manager(&mut conn, &user, webhook.community_id).await?;
        webhook
    };
    // A webhook posts as its own bot user: the picture goes on that user, so that every
    // message of the webhook carries it.
    let url = store_avatar(&state, webhook.user_id, body).await?;
    let mut conn = state.db.acquire().await?;
    sqlx::query("UPDATE webhooks SET avatar_url = $2 WHERE id = $1")
        .bind(webhook_id.as_uuid())
        .bind(&url)
        .execute(&mut *conn)
        .await?;
    Ok(Json(AvatarDto {
        avatar_url: Some(url),
    }))
}

fn avatar_key(id: Uuid) -> String {
    format!("avatars/{}.png", id.simple())
}

/// Reads a picture from `body`, makes the avatar, stores it and gives it to `user`; the
/// picture it replaces goes to the sweeper.
async fn store_avatar(state: &AppState, user: UserId, body: Body) -> Result<String> {
    let bytes: Bytes = axum::body::to_bytes(body, MAX_AVATAR_BYTES)
        .await
        .map_err(|_| {
            Error::new(
                ErrorCode::PayloadTooLarge,
                "the picture is larger than 10 MiB, or was cut short",
            )
        })?;
    if bytes.is_empty() {
        return Err(Error::validation(
            "send the picture's bytes as the body (PNG, JPEG, GIF or WebP)",
        ));
    }
    let rendition = tokio::task::spawn_blocking(move || media::avatar(&bytes))
        .await
        .map_err(|_| Error::new(ErrorCode::Internal, "the picture could not be read"))?
        .map_err(|err| Error::validation(err.to_string()))?;
    let id = Uuid::now_v7();
    let key = avatar_key(id);
    let url = format!("/api/avatars/{id}");
    state
        .files
        .store
        .put(&key, Bytes::from(rendition.bytes))
        .await
        .map_err(store_failed)?;
    let saved = async {
        let mut tx = state.db.begin().await?;
        let old = ajet_db::users::set_avatar(&mut tx, user, Some((&url, &key))).await?;
        if let Some(old) = old {
            ajet_db::attachments::queue_stale(&mut tx, &old).await?;
        }
        tx.commit().await?;
        Ok::<_, Error>(())
    }
    .await;
    if let Err(err) = saved {
        let _ = state.files.store.delete(&key).await;
        return Err(err);
    }
    state.files.sweeper.wake();
    Ok(url)
}

/// The 404 for a file the caller may not know about.
fn no_such_file() -> Error {
    Error::not_found("there is no such file, or you may not see it")
}

/// The attachment if the caller may read it: it is stored and not deleted, and the caller
/// may read its channel; before it is posted, only its uploader may.
async fn readable(state: &AppState, user: &AuthUser, id: AttachmentId) -> Result<Attachment> {
    user.require(Scope::FilesRead)?;
    let mut conn = state.db.acquire().await?;
    let attachment = ajet_db::attachments::get(&mut conn, id)
        .await?
        .filter(Attachment::servable)
        .ok_or_else(no_such_file)?;
    if !user.sees_channel(attachment.channel_id) {
        return Err(no_such_file());
    }
    authz::readable_channel(&mut conn, attachment.channel_id, user.id)
        .await
        .map_err(|err| match err {
            Error::Client {
                code: ErrorCode::NotFound,
                ..
            } => no_such_file(),
            err => err,
        })?;
    if attachment.message_id.is_none() && attachment.uploader_id != user.id {
        return Err(no_such_file());
    }
    Ok(attachment)
}

/// What a download serves.
struct File<'a> {
    key: &'a str,
    size: i64,
    media_type: &'a str,
    etag: String,
    name: &'a str,
}

async fn serve(state: &AppState, headers: &HeaderMap, file: File<'_>) -> Result<Response> {
    if not_modified(headers, &file.etag) {
        return Ok(not_modified_response(&file.etag));
    }
    let size = u64::try_from(file.size).unwrap_or(0);
    let range = match headers.get(header::RANGE).and_then(|v| v.to_str().ok()) {
        Some(value) => match http_range_header::parse_range_header(value)
            .and_then(|ranges| ranges.validate(size))
        {
            Ok(ranges) if ranges.len() == 1 => {
                let r = &ranges[0];
                Some(*r.start()..*r.end() + 1)
            }
            // Several ranges at once: the whole file instead, as RFC 9110 allows.
            Ok(_) => None,
            Err(_) => {
                let mut response = Error::new(
                    ErrorCode::ValidationFailed,
                    format!("the range {value:?} lies outside the file of {size} bytes"),
                )
                .into_response();
                *response.status_mut() = StatusCode::RANGE_NOT_SATISFIABLE;
                insert(
                    &mut response,
                    header::CONTENT_RANGE,
                    &format!("bytes */{size}"),
                );
                return Ok(response);
            }
        },
        None => None,
    };
    let body = state
        .files
        .store
        .get(file.key, range.clone())
        .await
        .map_err(store_failed)?
        .ok_or_else(no_such_file)?;
    let mut response = Response::new(body);
    let length = match &range {
        Some(r) => {
            *response.status_mut() = StatusCode::PARTIAL_CONTENT;
            insert(
                &mut response,
                header::CONTENT_RANGE,
                &format!("bytes {}-{}/{size}", r.start, r.end - 1),
            );
            r.end - r.start
        }
        None => size,
    };
    insert(&mut response, header::CONTENT_LENGTH, &length.to_string());
    insert(
        &mut response,
        header::CONTENT_TYPE,
        &content_type(file.media_type),
    );
    insert(
        &mut response,
        header::CONTENT_DISPOSITION,
        &content_disposition(file.name, shown_inline(file.media_type)),
    );
    insert(&mut response, header::ACCEPT_RANGES, "bytes");
    file_headers(&mut response, &file.etag);
    Ok(response)
}

/// A small object served whole (thumbnails, avatars).
async fn serve_whole(
    state: &AppState,
    headers: &HeaderMap,
    key: &str,
    media_type: &str,
    etag: &str,
) -> Result<Response> {
    if not_modified(headers, etag) {
        return Ok(not_modified_response(etag));
    }
    let body = state
        .files
        .store
        .get(key, None)
        .await
        .map_err(store_failed)?
        .ok_or_else(no_such_file)?;
    let mut response = Response::new(body);
    insert(&mut response, header::CONTENT_TYPE, media_type);
    insert(&mut response, header::CONTENT_DISPOSITION, "inline");
    file_headers(&mut response, etag);
    Ok(response)
}

/// Text is served as UTF-8 text; everything else as what it was sniffed to be.
fn content_type(media_type: &str) -> String {
    if media_type.starts_with("text/") {
        format!("{media_type}; charset=utf-8")
    } else {
        media_type.to_owned()
    }
}

fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',').any(|tag| {
                let tag = tag.trim();
                tag == "*" || tag.trim_start_matches("W/") == etag
            })
        })
}

fn not_modified_response(etag: &str) -> Response {
    let mut response = StatusCode::NOT_MODIFIED.into_response();
    file_headers(&mut response, etag);
    response
}

/// What every file response carries: its ETag, a private cache (files never change under
/// their id), and the rules that keep an uploaded page from running in our origin.
fn file_headers(response: &mut Response, etag: &str) {
    insert(response, header::ETAG, etag);
    insert(response, header::CACHE_CONTROL, "private, max-age=86400");
    insert(response, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    insert(response, header::CONTENT_SECURITY_POLICY, FILE_CSP);
}

fn insert(response: &mut Response, name: header::HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().insert(name, value);
    }
}
