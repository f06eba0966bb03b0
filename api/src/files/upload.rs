//! Receiving an upload: each file part of a multipart body streamed to the store, sniffed,
//! measured, and for images given a thumbnail. All or nothing: when one part fails, the
//! parts stored before it in the same request are removed too.

use ajet_core::dto::AttachmentDto;
use ajet_core::files::safe_name;
use ajet_core::limits::MAX_ATTACHMENTS_PER_MESSAGE;
use ajet_core::{AttachmentId, ErrorCode, UserId};
use ajet_db::attachments::{self, Attachment, Stored};
use ajet_db::channels::Channel;
use axum::extract::Multipart;
use axum::extract::multipart::{Field, MultipartError};
use bytes::{Bytes, BytesMut};

use super::media::{self, ImageError, MAX_THUMB_SOURCE_BYTES, SNIFF_BYTES};
use crate::error::{Error, Result};
use crate::state::AppState;

/// Stores every file part of `multipart` in `channel` for `uploader`.
pub async fn receive(
    state: &AppState,
    channel: &Channel,
    uploader: UserId,
    mut multipart: Multipart,
) -> Result<Vec<AttachmentDto>> {
    let mut stored: Vec<Attachment> = Vec::new();
    let outcome = receive_parts(state, channel, uploader, &mut multipart, &mut stored).await;
    match outcome {
        Ok(()) => Ok(stored.iter().map(AttachmentDto::from).collect()),
        Err(err) => {
            for attachment in &stored {
                discard(state, attachment.id, &attachment.storage_key).await;
            }
            Err(err)
        }
    }
}

async fn receive_parts(
    state: &AppState,
    channel: &Channel,
    uploader: UserId,
    multipart: &mut Multipart,
    stored: &mut Vec<Attachment>,
) -> Result<()> {
    let mut budget = state.files.max_upload_bytes;
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        // Plain form fields (a caption, a CSRF token) are not files.
        let Some(raw_name) = field.file_name().map(str::to_owned) else {
            continue;
        };
        if stored.len() == MAX_ATTACHMENTS_PER_MESSAGE {
            return Err(Error::validation(format!(
                "at most {MAX_ATTACHMENTS_PER_MESSAGE} files can be uploaded at once"
            )));
        }
        stored.push(store_one(state, channel, uploader, &raw_name, field, &mut budget).await?);
    }
    if stored.is_empty() {
        return Err(Error::validation(
            "the upload has no file: send each file as a multipart/form-data part with a file name",
        ));
    }
    Ok(())
}

/// The key of an attachment's object: built from ids only.
fn storage_key(channel: &Channel, id: AttachmentId) -> String {
    let community = channel
        .community()
        .map_or_else(|| "dm".to_owned(), |c| c.to_string());
    format!("{community}/{}/{id}", channel.id)
}

/// The thumbnail's key beside its original's: `.jpg`, or `.png` for pictures with
/// transparency.
fn thumb_key(key: &str, media_type: &str) -> String {
    let ext = if media_type == "image/png" {
        "png"
    } else {
        "jpg"
    };
    format!("{key}.thumb.{ext}")
}

async fn store_one(
    state: &AppState,
    channel: &Channel,
    uploader: UserId,
    raw_name: &str,
    field: Field<'_>,
    budget: &mut u64,
) -> Result<Attachment> {
    let id = AttachmentId::new();
    let key = storage_key(channel, id);
    let name = safe_name(raw_name);
    {
        let mut conn = state.db.acquire().await?;
        attachments::insert_pending(&mut conn, id, channel.id, uploader, &name, &key).await?;
    }
    let completed = async {
        let stored = write(state, &key, &name, field, budget).await?;
        let mut conn = state.db.acquire().await?;
        Ok::<_, Error>(attachments::complete(&mut conn, id, &stored).await?)
    }
    .await;
    if completed.is_err() {
        discard(state, id, &key).await;
    }
    completed
}

/// Removes an upload's objects and row; failures are left to the sweeper (the row stays
/// unposted, so it is swept within a day).
async fn discard(state: &AppState, id: AttachmentId, key: &str) {
    for key in [
        key.to_owned(),
        thumb_key(key, "image/jpeg"),
        thumb_key(key, "image/png"),
    ] {
        if let Err(err) = state.files.store.delete(&key).await {
            tracing::warn!(key, error = %err, "an upload's object was not removed; the sweeper will");
            return;
        }
    }
    if let Ok(mut conn) = state.db.acquire().await
        && let Err(err) = attachments::delete(&mut conn, id).await
    {
        tracing::warn!(attachment = %id, error = %err, "a failed upload's row was not removed");
    }
}

/// What the bytes of one part turned out to be.
struct Received {
    media_type: String,
    size: u64,
    /// The whole file, for images small enough to draw a thumbnail of; else the first
    /// bytes (enough for an image's header).
    head: Bytes,
    whole: bool,
}

async fn write(
    state: &AppState,
    key: &str,
    name: &str,
    mut field: Field<'_>,
    budget: &mut u64,
) -> Result<Stored> {
    let mut writer = state.files.store.writer(key).await.map_err(store_failed)?;
    let received = match stream(&mut writer, &mut field, name, *budget, state).await {
        Ok(received) => received,
        Err(err) => {
            writer.abort().await;
            return Err(err);
        }
    };
    writer.finish().await.map_err(store_failed)?;
    *budget -= received.size;
    let mut stored = Stored {
        content_type: received.media_type.clone(),
        size_bytes: i64::try_from(received.size).unwrap_or(i64::MAX),
        ..Stored::default()
    };
    let Some(format) = media::decodable(&received.media_type) else {
        return Ok(stored);
    };
    let head = received.head.clone();
    let dimensions = tokio::task::spawn_blocking(move || media::dimensions(&head, format))
        .await
        .map_err(|_| Error::new(ErrorCode::Internal, "the image could not be examined"))?;
    match dimensions {
        Ok(size) => stored.dimensions = Some(size),
        Err(err @ ImageError::TooLarge { .. }) => {
            return Err(Error::validation(format!("{name}: {err}")));
        }
        // Not the image its first bytes claim: kept as a plain file.
        Err(ImageError::Unreadable(_)) => {
            stored.content_type = "application/octet-stream".to_owned();
            return Ok(stored);
        }
    }
    if received.whole {
        let bytes = received.head;
        let thumb = tokio::task::spawn_blocking(move || media::thumbnail(&bytes, format))
            .await
            .map_err(|_| Error::new(ErrorCode::Internal, "the thumbnail could not be made"))?;
        match thumb {
            Ok(thumb) => {
                let thumb_key = thumb_key(key, thumb.media_type);
                state
                    .files
                    .store
                    .put(&thumb_key, Bytes::from(thumb.bytes))
                    .await
                    .map_err(store_failed)?;
                stored.thumbnail = Some((thumb_key, thumb.width, thumb.height));
            }
            Err(err) => tracing::info!(key, error = %err, "no thumbnail for an image"),
        }
    }
    Ok(stored)
}

async fn stream(
    writer: &mut super::store::Writer,
    field: &mut Field<'_>,
    name: &str,
    budget: u64,
    state: &AppState,
) -> Result<Received> {
    let mut head = BytesMut::new();
    let mut media_type: Option<String> = None;
    // A copy of an image, for its thumbnail, while it stays small enough.
    let mut copy: Option<BytesMut> = None;
    let mut size: u64 = 0;
    while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
        size += chunk.len() as u64;
        if size > budget {
            return Err(too_large(state.files.max_upload_bytes));
        }
        if media_type.is_none() {
            head.extend_from_slice(&chunk);
            if head.len() >= SNIFF_BYTES {
                let sniffed = media::sniff(&head);
                copy = media::decodable(&sniffed).map(|_| head.clone());
                media_type = Some(sniffed);
                writer
                    .write(head.clone().freeze())
                    .await
                    .map_err(store_failed)?;
            }
            continue;
        }
        if let Some(kept) = &mut copy {
            if kept.len() + chunk.len() > MAX_THUMB_SOURCE_BYTES {
                // Too big to draw: the head alone gives the image's size.
                copy = None;
            } else {
                kept.extend_from_slice(&chunk);
            }
        }
        writer.write(chunk).await.map_err(store_failed)?;
    }
    if size == 0 {
        return Err(Error::validation(format!(
            "{name} is empty: there is nothing to upload"
        )));
    }
    let media_type = match media_type {
        Some(media_type) => media_type,
        None => {
            let sniffed = media::sniff(&head);
            copy = media::decodable(&sniffed).map(|_| head.clone());
            writer
                .write(head.clone().freeze())
                .await
                .map_err(store_failed)?;
            sniffed
        }
    };
    Ok(match copy {
        Some(whole) => Received {
            media_type,
            size,
            head: whole.freeze(),
            whole: true,
        },
        None => Received {
            media_type,
            size,
            head: head.freeze(),
            whole: false,
        },
    })
}

/// The 413 for an upload over the operator's limit.
pub fn too_large(max_bytes: u64) -> Error {
    Error::new(
        ErrorCode::PayloadTooLarge,
        format!(
            "the upload is larger than this server accepts ({} MiB at most)",
            max_bytes / (1024 * 1024)
        ),
    )
}

fn unreadable(err: MultipartError) -> Error {
    Error::bad_request(format!(
        "the upload is not valid multipart/form-data, or was cut short: {}",
        err.body_text()
    ))
}

/// The 503 for a store that failed; the cause is logged, not shown.
pub fn store_failed(err: std::io::Error) -> Error {
    tracing::error!(error = %err, "the file store failed");
    Error::new(
        ErrorCode::Unavailable,
        "the file store cannot be reached; try again in a moment",
    )
}
