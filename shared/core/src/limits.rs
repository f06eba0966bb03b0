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
/// Room for the multipart framing around an upload's bytes.
pub const MULTIPART_SLACK_BYTES: u64 = 64 * 1024;
/// Largest picture accepted for an avatar, in bytes.
pub const MAX_AVATAR_BYTES: usize = 10 * 1024 * 1024;
/// Largest body of any other api request: a message of 16,000 four-byte characters with
/// room to spare.
pub const MAX_API_BODY_BYTES: usize = 256 * 1024;

/// The largest body the api accepts at `path` (a `POST` or `PUT`), given the operator's
/// upload limit: uploads take that limit with room for their framing, avatars
/// [`MAX_AVATAR_BYTES`], incoming webhooks [`MAX_WEBHOOK_BODY_BYTES`], anything else
/// [`MAX_API_BODY_BYTES`]. The gateway refuses an announced length over it before reading.
pub fn api_body_limit(path: &str, max_upload_bytes: u64) -> u64 {
    let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    match parts.as_slice() {
        ["", "api", "channels", _, "attachments"] => max_upload_bytes + MULTIPART_SLACK_BYTES,
        ["", "api", "me", "avatar"] | ["", "api", "bots" | "webhooks", _, "avatar"] => {
            MAX_AVATAR_BYTES as u64
        }
        ["", "api", "hooks", _] => MAX_WEBHOOK_BODY_BYTES as u64,
        _ => MAX_API_BODY_BYTES as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_route_has_its_body_limit() {
        let mib = 1024 * 1024;
        assert_eq!(
            api_body_limit("/api/channels/0193/attachments", 25 * mib),
            25 * mib + MULTIPART_SLACK_BYTES
        );
        assert_eq!(
            api_body_limit("/api/me/avatar", 25 * mib),
            MAX_AVATAR_BYTES as u64
        );
        assert_eq!(
            api_body_limit("/api/webhooks/x/avatar", 0),
            MAX_AVATAR_BYTES as u64
        );
        assert_eq!(
            api_body_limit("/api/hooks/x", 0),
            MAX_WEBHOOK_BODY_BYTES as u64
        );
        assert_eq!(
            api_body_limit("/api/channels/0193/messages", 25 * mib),
            MAX_API_BODY_BYTES as u64
        );
        assert_eq!(
            api_body_limit("/api/channels/0193/attachments/x", 25 * mib),
            MAX_API_BODY_BYTES as u64
        );
    }
}
