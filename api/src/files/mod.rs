//! Files: the store, uploads, downloads, avatars and the sweeper that removes what no
//! longer belongs to anything.
//!
//! Only the api touches the store; the gateway streams bodies through. An upload is
//! recorded (`attachments`, not yet stored), streamed to the store while its size is
//! counted and its first bytes sniffed, then completed with what was learnt (media type,
//! size, image size, thumbnail). Whatever fails on the way removes the object and the row.

pub mod media;
pub mod store;
pub mod sweeper;
pub mod upload;

use std::time::Duration;

pub use store::{S3Settings, Store};

/// How long an upload may wait for a message before the sweeper removes it.
pub const ORPHAN_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// The file settings of an api instance.
#[derive(Clone)]
pub struct Files {
    pub store: Store,
    /// Largest upload request, in bytes (`AJET_MAX_UPLOAD_MB`).
    pub max_upload_bytes: u64,
    /// Wakes the sweeper early (after a message with files is deleted).
    pub sweeper: sweeper::Waker,
}

impl Files {
    pub fn new(store: Store, max_upload_mb: u64) -> Self {
        Self {
            store,
            max_upload_bytes: max_upload_mb.saturating_mul(1024 * 1024),
            sweeper: sweeper::Waker::default(),
        }
    }
}

impl Default for Files {
    /// A local store in a new directory under the system's temporary one, created when
    /// first written: for tests and tools that never say where files go.
    fn default() -> Self {
        let dir =
            std::env::temp_dir().join(format!("ajet-chat-files-{}", uuid::Uuid::new_v4().simple()));
        Self::new(Store::local(dir), ajet_core::limits::DEFAULT_MAX_UPLOAD_MB)
    }
}
