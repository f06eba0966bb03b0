//! Where file bytes live: a directory on local disk (the default) or a bucket of any
//! S3-compatible server. Keys are built from ids (`<community>/<channel>/<attachment>`,
//! `avatars/<id>.png`), never from a user's file name.
//!
//! Objects are written through a [`Writer`] that takes the bytes as they arrive and makes
//! the object visible only when [`Writer::finish`] succeeds: a temporary file renamed into
//! place, or an S3 multipart upload completed. Memory stays bounded by one S3 part.

use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use axum::body::Body;
use bytes::{Bytes, BytesMut};
use tokio::fs::{self, File};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt, BufWriter};
use tokio_util::io::ReaderStream;

/// Bytes an S3 upload holds before sending them as one part (S3's smallest part is 5 MiB).
const PART_BYTES: usize = 8 * 1024 * 1024;
/// Bytes read from the store at a time for a download, and gathered before each write of
/// an upload: each is one trip to the blocking pool, so they are large (tokio's default
/// of 4 KiB made for many small frames).
const READ_CHUNK: usize = 256 * 1024;
const WRITE_BUFFER: usize = 1024 * 1024;
/// Where the local store writes objects being uploaded, beside the finished ones.
const PARTIAL_DIR: &str = ".partial";

/// The file store. Cheap to clone.
#[derive(Clone)]
pub enum Store {
    Local(Arc<LocalStore>),
    S3(Arc<S3Store>),
}

/// Settings of an S3-compatible store.
#[derive(Clone, Debug)]
pub struct S3Settings {
    /// `http(s)://host:port`; AWS's own endpoint when absent.
    pub endpoint: Option<String>,
    pub bucket: String,
    pub region: String,
    pub access_key: String,
    pub secret_key: String,
    /// `host/bucket/key` addressing, as MinIO and most self-hosted servers want.
    pub path_style: bool,
}

impl Store {
    /// A store in `dir`, created when the first object is written.
    pub fn local(dir: impl Into<PathBuf>) -> Self {
        Self::Local(Arc::new(LocalStore { root: dir.into() }))
    }

    /// A store in an S3 bucket, created if missing.
    pub async fn s3(settings: S3Settings) -> io::Result<Self> {
        let credentials = aws_sdk_s3::config::Credentials::new(
            &settings.access_key,
            &settings.secret_key,
            None,
            None,
            "ajet-chat",
        );
        let mut config = aws_sdk_s3::Config::builder()
            .behavior_version_latest()
            .region(aws_sdk_s3::config::Region::new(settings.region.clone()))
            .credentials_provider(credentials)
            .force_path_style(settings.path_style)
            // Checksums only where S3 requires them: many S3-compatible servers do not
            // support the newer flexible ones on multipart uploads.
            .request_checksum_calculation(
                aws_sdk_s3::config::RequestChecksumCalculation::WhenRequired,
            )
            .response_checksum_validation(
                aws_sdk_s3::config::ResponseChecksumValidation::WhenRequired,
            );
        if let Some(endpoint) = &settings.endpoint {
            config = config.endpoint_url(endpoint);
        }
        let client = Client::from_conf(config.build());
        let store = S3Store {
            client,
            bucket: settings.bucket,
        };
        store.ensure_bucket().await?;
        Ok(Self::S3(Arc::new(store)))
    }

    /// Starts writing the object `key`; nothing is visible until [`Writer::finish`].
    pub async fn writer(&self, key: &str) -> io::Result<Writer> {
        check_key(key)?;
        match self {
            Self::Local(local) => {
                let partials = local.root.join(PARTIAL_DIR);
                fs::create_dir_all(&partials).await?;
                let partial = partials.join(uuid::Uuid::new_v4().simple().to_string());
                let file = BufWriter::with_capacity(WRITE_BUFFER, File::create(&partial).await?);
                Ok(Writer::Local {
                    file,
                    partial,
                    target: local.root.join(key),
                })
            }
            Self::S3(s3) => Ok(Writer::S3 {
                store: s3.clone(),
                key: key.to_owned(),
                buffer: BytesMut::new(),
                upload_id: None,
                parts: Vec::new(),
            }),
        }
    }

    /// Stores a small object whole (thumbnails, avatars).
    pub async fn put(&self, key: &str, bytes: Bytes) -> io::Result<()> {
        let mut writer = self.writer(key).await?;
        if let Err(err) = writer.write(bytes).await {
            writer.abort().await;
            return Err(err);
        }
        writer.finish().await
    }

    /// The bytes of `key` in `range` (all of them when `None`), streamed; `None` when there
    /// is no such object.
    pub async fn get(&self, key: &str, range: Option<Range<u64>>) -> io::Result<Option<Body>> {
        check_key(key)?;
        match self {
            Self::Local(local) => {
                let mut file = match File::open(local.root.join(key)).await {
                    Ok(file) => file,
                    Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
                    Err(err) => return Err(err),
                };
                let body = match range {
                    Some(range) => {
                        file.seek(io::SeekFrom::Start(range.start)).await?;
                        let part = file.take(range.end - range.start);
                        Body::from_stream(ReaderStream::with_capacity(part, READ_CHUNK))
                    }
                    None => Body::from_stream(ReaderStream::with_capacity(file, READ_CHUNK)),
                };
                Ok(Some(body))
            }
            Self::S3(s3) => s3.get(key, range).await,
        }
    }

    /// Removes `key`; a missing object is not an error.
    pub async fn delete(&self, key: &str) -> io::Result<()> {
        check_key(key)?;
        match self {
            Self::Local(local) => match fs::remove_file(local.root.join(key)).await {
                Err(err) if err.kind() != io::ErrorKind::NotFound => Err(err),
                _ => Ok(()),
            },
            Self::S3(s3) => s3
                .client
                .delete_object()
                .bucket(&s3.bucket)
                .key(key)
                .send()
                .await
                .map(|_| ())
                .map_err(io::Error::other),
        }
    }

    /// Every object key in the store (for tests and operators' checks; not for hot paths).
    pub async fn keys(&self) -> io::Result<Vec<String>> {
        match self {
            Self::Local(local) => {
                let mut keys = Vec::new();
                let mut dirs = vec![local.root.clone()];
                while let Some(dir) = dirs.pop() {
                    let mut entries = match fs::read_dir(&dir).await {
                        Ok(entries) => entries,
                        Err(err) if err.kind() == io::ErrorKind::NotFound => continue,
                        Err(err) => return Err(err),
                    };
                    while let Some(entry) = entries.next_entry().await? {
                        let path = entry.path();
                        if entry.file_type().await?.is_dir() {
                            if entry.file_name() != PARTIAL_DIR {
                                dirs.push(path);
                            }
                        } else if let Ok(key) = path.strip_prefix(&local.root) {
                            keys.push(key.to_string_lossy().into_owned());
                        }
                    }
                }
                keys.sort();
                Ok(keys)
            }
            Self::S3(s3) => s3.keys().await,
        }
    }

    /// Removes uploads that were cut short (a crash mid-write) and are older than `age`:
    /// partial files, or unfinished S3 multipart uploads.
    pub async fn sweep_partials(&self, age: Duration) -> io::Result<usize> {
        let local = match self {
            Self::Local(local) => local,
            Self::S3(s3) => return s3.abort_stale_uploads(age).await,
        };
        let mut removed = 0;
        let mut entries = match fs::read_dir(local.root.join(PARTIAL_DIR)).await {
            Ok(entries) => entries,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(0),
            Err(err) => return Err(err),
        };
        let cutoff = SystemTime::now() - age;
        while let Some(entry) = entries.next_entry().await? {
            let modified = entry.metadata().await?.modified()?;
            if modified < cutoff {
                fs::remove_file(entry.path()).await?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Which driver this is, for logs.
    pub fn driver(&self) -> &'static str {
        match self {
            Self::Local(_) => "local",
            Self::S3(_) => "s3",
        }
    }
}

/// Keys are ours, but a path must never leave the store's directory.
fn check_key(key: &str) -> io::Result<()> {
    let fine = !key.is_empty()
        && key.len() <= 512
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/-_.".contains(&b))
        && key
            .split('/')
            .all(|part| !part.is_empty() && !part.starts_with('.'));
    if fine {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("not a storage key: {key:?}"),
        ))
    }
}

/// Files under a directory.
pub struct LocalStore {
    root: PathBuf,
}

impl LocalStore {
    /// The directory the store keeps its objects in.
    pub fn root(&self) -> &Path {
        &self.root
    }
}

/// A bucket of an S3-compatible server.
pub struct S3Store {
    client: Client,
    bucket: String,
}

impl S3Store {
    async fn ensure_bucket(&self) -> io::Result<()> {
        if self
            .client
            .head_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            .is_ok()
        {
            return Ok(());
        }
        match self
            .client
            .create_bucket()
            .bucket(&self.bucket)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(err) => {
                let exists = err.as_service_error().is_some_and(|e| {
                    e.is_bucket_already_owned_by_you() || e.is_bucket_already_exists()
                });
                if exists {
                    Ok(())
                } else {
                    Err(io::Error::other(format!(
                        "the S3 bucket {} cannot be reached or created: {}",
                        self.bucket,
                        aws_sdk_s3::error::DisplayErrorContext(&err)
                    )))
                }
            }
        }
    }

    async fn get(&self, key: &str, range: Option<Range<u64>>) -> io::Result<Option<Body>> {
        let mut request = self.client.get_object().bucket(&self.bucket).key(key);
        if let Some(range) = range {
            request = request.range(format!("bytes={}-{}", range.start, range.end - 1));
        }
        match request.send().await {
            Ok(object) => {
                let reader = object.body.into_async_read();
                Ok(Some(Body::from_stream(ReaderStream::with_capacity(
                    reader, READ_CHUNK,
                ))))
            }
            Err(err) if err.as_service_error().is_some_and(|e| e.is_no_such_key()) => Ok(None),
            Err(err) => Err(io::Error::other(
                aws_sdk_s3::error::DisplayErrorContext(err).to_string(),
            )),
        }
    }

    async fn keys(&self) -> io::Result<Vec<String>> {
        let mut keys = Vec::new();
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(io::Error::other)?;
            keys.extend(
                page.contents()
                    .iter()
                    .filter_map(|o| o.key().map(str::to_owned)),
            );
        }
        keys.sort();
        Ok(keys)
    }

    async fn abort_stale_uploads(&self, age: Duration) -> io::Result<usize> {
        let listed = self
            .client
            .list_multipart_uploads()
            .bucket(&self.bucket)
            .send()
            .await
            .map_err(io::Error::other)?;
        let cutoff = SystemTime::now() - age;
        let mut aborted = 0;
        for upload in listed.uploads() {
            let started = upload
                .initiated()
                .and_then(|t| SystemTime::try_from(*t).ok());
            if let (Some(key), Some(id), Some(started)) =
                (upload.key(), upload.upload_id(), started)
                && started < cutoff
            {
                abort_upload(self, key, id).await;
                aborted += 1;
            }
        }
        Ok(aborted)
    }

    async fn upload_part(
        &self,
        key: &str,
        upload_id: &str,
        number: i32,
        bytes: Bytes,
    ) -> io::Result<CompletedPart> {
        let part = self
            .client
            .upload_part()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .part_number(number)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(io::Error::other)?;
        Ok(CompletedPart::builder()
            .part_number(number)
            .set_e_tag(part.e_tag().map(str::to_owned))
            .build())
    }
}

/// An object being written.
pub enum Writer {
    Local {
        file: BufWriter<File>,
        partial: PathBuf,
        target: PathBuf,
    },
    S3 {
        store: Arc<S3Store>,
        key: String,
        buffer: BytesMut,
        upload_id: Option<String>,
        parts: Vec<CompletedPart>,
    },
}

impl Writer {
    /// Appends `chunk`.
    pub async fn write(&mut self, chunk: Bytes) -> io::Result<()> {
        match self {
            Self::Local { file, .. } => file.write_all(&chunk).await,
            Self::S3 {
                store,
                key,
                buffer,
                upload_id,
                parts,
            } => {
                buffer.extend_from_slice(&chunk);
                if buffer.len() < PART_BYTES {
                    return Ok(());
                }
                let id = match upload_id {
                    Some(id) => id.clone(),
                    None => {
                        let started = store
                            .client
                            .create_multipart_upload()
                            .bucket(&store.bucket)
                            .key(key.as_str())
                            .send()
                            .await
                            .map_err(io::Error::other)?;
                        let id = started
                            .upload_id()
                            .ok_or_else(|| io::Error::other("the S3 server gave no upload id"))?
                            .to_owned();
                        *upload_id = Some(id.clone());
                        id
                    }
                };
                let number = i32::try_from(parts.len() + 1).map_err(io::Error::other)?;
                let bytes = buffer.split().freeze();
                let part = store.upload_part(key, &id, number, bytes).await?;
                parts.push(part);
                Ok(())
            }
        }
    }

    /// Makes the object visible under its key.
    pub async fn finish(self) -> io::Result<()> {
        match self {
            Self::Local {
                mut file,
                partial,
                target,
            } => {
                let done = async {
                    file.flush().await?;
                    file.get_ref().sync_data().await?;
                    if let Some(parent) = target.parent() {
                        fs::create_dir_all(parent).await?;
                    }
                    fs::rename(&partial, &target).await
                }
                .await;
                if done.is_err() {
                    let _ = fs::remove_file(&partial).await;
                }
                done
            }
            Self::S3 {
                store,
                key,
                buffer,
                upload_id,
                mut parts,
            } => {
                let Some(id) = upload_id else {
                    return store
                        .client
                        .put_object()
                        .bucket(&store.bucket)
                        .key(&key)
                        .body(ByteStream::from(buffer.freeze()))
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(io::Error::other);
                };
                let completed = async {
                    if !buffer.is_empty() {
                        let number = i32::try_from(parts.len() + 1).map_err(io::Error::other)?;
                        parts.push(
                            store
                                .upload_part(&key, &id, number, buffer.freeze())
                                .await?,
                        );
                    }
                    store
                        .client
                        .complete_multipart_upload()
                        .bucket(&store.bucket)
                        .key(&key)
                        .upload_id(&id)
                        .multipart_upload(
                            CompletedMultipartUpload::builder()
                                .set_parts(Some(parts))
                                .build(),
                        )
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(io::Error::other)
                }
                .await;
                if completed.is_err() {
                    abort_upload(&store, &key, &id).await;
                }
                completed
            }
        }
    }

    /// Gives up: nothing of the object remains.
    pub async fn abort(self) {
        match self {
            Self::Local { file, partial, .. } => {
                drop(file);
                let _ = fs::remove_file(&partial).await;
            }
            Self::S3 {
                store,
                key,
                upload_id: Some(id),
                ..
            } => abort_upload(&store, &key, &id).await,
            Self::S3 { .. } => {}
        }
    }
}

async fn abort_upload(store: &S3Store, key: &str, id: &str) {
    let aborted = store
        .client
        .abort_multipart_upload()
        .bucket(&store.bucket)
        .key(key)
        .upload_id(id)
        .send()
        .await;
    if let Err(err) = aborted {
        tracing::warn!(key, error = %aws_sdk_s3::error::DisplayErrorContext(err), "an S3 upload could not be aborted");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_stay_inside_the_store() {
        assert!(check_key("0193/0194/0195").is_ok());
        assert!(check_key("avatars/0195.png").is_ok());
        for bad in [
            "",
            "../etc/passwd",
            "a/../b",
            "/abs",
            "a//b",
            "a/.partial/x",
            "a b",
            "é",
        ] {
            assert!(check_key(bad).is_err(), "{bad}");
        }
    }
}
