//! Limits on user input, shared so that clients can check before they send.

/// Longest message body, in characters.
pub const MAX_MESSAGE_CHARS: usize = 16_000;
/// Most messages one page of history returns.
pub const MAX_PAGE_LIMIT: u32 = 200;
/// Messages one page returns when the caller does not say.
pub const DEFAULT_PAGE_LIMIT: u32 = 50;
/// Longest client-generated idempotency key.
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 128;
/// Longest username.
pub const MAX_USERNAME_LEN: usize = 32;
/// Largest body an incoming webhook accepts, in bytes. GitHub's push events carry up to 2,048
/// commits; this holds them, and the gateway refuses anything larger before reading it.
pub const MAX_WEBHOOK_BODY_BYTES: usize = 4 * 1024 * 1024;
/// Deliveries a webhook's log keeps, newest first.
pub const WEBHOOK_DELIVERY_LOG: usize = 100;
/// Longest webhook secret (for signed GitHub and Gitea deliveries).
pub const MAX_WEBHOOK_SECRET_LEN: usize = 256;
/// Most files one message carries.
pub const MAX_ATTACHMENTS_PER_MESSAGE: usize = 10;
/// Largest upload when the operator does not say (`AJET_MAX_UPLOAD_MB`), in MiB.
pub const DEFAULT_MAX_UPLOAD_MB: u64 = 25;
/// Longest stored file name, in characters.
pub const MAX_FILE_NAME_CHARS: usize = 255;
