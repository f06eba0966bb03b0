//! Files: upload to a channel and download, streamed both ways with progress.

use std::path::{Path, PathBuf};

use ajet_core::dto::{AttachmentDto, AvatarDto, UploadedDto};
use ajet_core::files::safe_name;
use ajet_core::{AttachmentId, ChannelId};
use futures::StreamExt;
use reqwest::Method;
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_LENGTH};
use reqwest::multipart::{Form, Part};
use tokio::io::AsyncWriteExt;
use tokio_util::io::ReaderStream;

use crate::client::{Client, api_error};
use crate::error::{Error, Result};

/// Told how far a transfer has got: bytes so far, and the total when known.
pub trait Progress: Send + Sync + 'static {
    fn advanced(&self, done: u64, total: Option<u64>);
}

impl<F: Fn(u64, Option<u64>) + Send + Sync + 'static> Progress for F {
    fn advanced(&self, done: u64, total: Option<u64>) {
        self(done, total)
    }
}

/// No progress to report.
pub fn quiet(_: u64, _: Option<u64>) {}

fn file_error(path: &Path, err: std::io::Error) -> Error {
    Error::File(format!("{}: {err}", path.display()))
}

impl Client {
    /// Uploads the file at `path` to `channel`, streamed from disk; post it with a message
    /// by passing its id in `attachments`.
    pub async fn upload(
        &self,
        channel: ChannelId,
        path: &Path,
        progress: impl Progress,
    ) -> Result<AttachmentDto> {
        let file = tokio::fs::File::open(path)
            .await
            .map_err(|err| file_error(path, err))?;
        let size = file
            .metadata()
            .await
            .map_err(|err| file_error(path, err))?
            .len();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "file".to_owned());
        let mut sent = 0u64;
        let stream = ReaderStream::with_capacity(file, 256 * 1024).map(move |chunk| {
            if let Ok(bytes) = &chunk {
                sent += bytes.len() as u64;
                progress.advanced(sent, Some(size));
            }
            chunk
        });
        let part = Part::stream_with_length(reqwest::Body::wrap_stream(stream), size)
            .file_name(name)
            .mime_str("application/octet-stream")
            .map_err(Error::Transport)?;
        let form = Form::new().part("file", part);
        let uploaded: UploadedDto = self
            .send(
                self.request(
                    Method::POST,
                    &format!("/api/channels/{channel}/attachments"),
                )
                .multipart(form),
            )
            .await?;
        uploaded
            .attachments
            .into_iter()
            .next()
            .ok_or_else(|| Error::Decode("the upload answer lists no file".to_owned()))
    }

    /// Downloads attachment `id` into `dest`: a file path, or a directory to save it in
    /// under its own (made safe) name. The path written.
    pub async fn download(
        &self,
        id: AttachmentId,
        dest: &Path,
        progress: impl Progress,
    ) -> Result<PathBuf> {
        let response = self
            .request(Method::GET, &format!("/api/attachments/{id}"))
            .send()
            .await
            .map_err(Error::Transport)?;
        let status = response.status();
        if !status.is_success() {
            let bytes = response.bytes().await.map_err(Error::Transport)?;
            return Err(api_error(status, &bytes));
        }
        let total = response
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        let target = if dest.is_dir() {
            let name = response
                .headers()
                .get(CONTENT_DISPOSITION)
                .and_then(|v| v.to_str().ok())
                .and_then(disposition_name)
                .unwrap_or_else(|| id.to_string());
            dest.join(safe_name(&name))
        } else {
            dest.to_owned()
        };
        // Written beside the target and renamed at the end: an interrupted download never
        // leaves a truncated file under the real name.
        let partial = target.with_extension(format!(
            "{}part",
            target
                .extension()
                .map(|e| format!("{}.", e.to_string_lossy()))
                .unwrap_or_default()
        ));
        let mut file = tokio::fs::File::create(&partial)
            .await
            .map_err(|err| file_error(&partial, err))?;
        let mut body = response.bytes_stream();
        let mut done = 0u64;
        let written = async {
            while let Some(chunk) = body.next().await {
                let chunk = chunk.map_err(Error::Transport)?;
                file.write_all(&chunk)
                    .await
                    .map_err(|err| file_error(&partial, err))?;
                done += chunk.len() as u64;
                progress.advanced(done, total);
            }
            file.flush()
                .await
                .map_err(|err| file_error(&partial, err))?;
            tokio::fs::rename(&partial, &target)
                .await
                .map_err(|err| file_error(&target, err))
        }
        .await;
        if written.is_err() {
            let _ = tokio::fs::remove_file(&partial).await;
        }
        written.map(|()| target)
    }

    /// Sets the caller's picture from the image at `path`.
    pub async fn set_avatar(&self, path: &Path) -> Result<AvatarDto> {
        let bytes = tokio::fs::read(path)
            .await
            .map_err(|err| file_error(path, err))?;
        self.send(self.request(Method::PUT, "/api/me/avatar").body(bytes))
            .await
    }
}

/// The file name a `Content-Disposition` value gives: the UTF-8 `filename*` when there is
/// one, else the plain `filename`.
pub fn disposition_name(value: &str) -> Option<String> {
    let mut plain = None;
    for param in value.split(';').map(str::trim) {
        if let Some(encoded) = param.strip_prefix("filename*=UTF-8''") {
            return percent_encoding::percent_decode_str(encoded)
                .decode_utf8()
                .ok()
                .map(|s| s.into_owned());
        }
        if let Some(quoted) = param.strip_prefix("filename=") {
            plain = Some(quoted.trim_matches('"').to_owned());
        }
    }
    plain
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_disposition() {
        let value = ajet_core::files::content_disposition("résumé 1.pdf", true);
        assert_eq!(disposition_name(&value).as_deref(), Some("résumé 1.pdf"));
        assert_eq!(
            disposition_name("attachment; filename=\"a.txt\"").as_deref(),
            Some("a.txt")
        );
        assert_eq!(disposition_name("inline"), None);
    }
}
