//! Running a community's own slash command: a signed POST to its endpoint, and what the
//! endpoint answers, shown to the caller or posted.
//!
//! The request is what Slack sends for a slash command (a form with `command`, `text`,
//! `user_id`, `user_name`, `channel_id`, `channel_name`, `team_id`, `team_domain`,
//! `trigger_id`), signed as Slack signs it: `X-Slack-Signature: v0=<hex HMAC-SHA256 of
//! "v0:<timestamp>:<body>">` with `X-Slack-Request-Timestamp`, so endpoints written for
//! Slack verify it unchanged. The answer is read as Slack's (`{"text", "response_type"}`),
//! or as plain text.
//!
//! The endpoint is outside: its address must be `https` and public. Private, loopback,
//! link-local and other special addresses are refused unless the operator allows them
//! (`AJET_COMMANDS_ALLOW_PRIVATE`), which also allows plain `http`; the address is checked
//! after resolving the name, and the request goes to exactly the address checked, so a
//! name that resolves differently the second time cannot reach inside. It waits
//! [`TIMEOUT`] at most and reads [`MAX_ANSWER_BYTES`] at most.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use ajet_core::commands::EndpointAnswer;
use futures::StreamExt;
use hmac::{Hmac, Mac};
use reqwest::Url;
use sha2::Sha256;

/// How long an endpoint has to answer.
pub const TIMEOUT: Duration = Duration::from_secs(3);
/// The most of an answer that is read.
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// Why an endpoint cannot be used, or did not answer usefully: a sentence for the caller.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("the address {0:?} is not a valid URL")]
    BadUrl(String),
    #[error("the address must be https")]
    NotHttps,
    #[error(
        "the address {0} is private, loopback or otherwise not public; the operator has not allowed such targets"
    )]
    Private(IpAddr),
    #[error("the host {0} cannot be resolved")]
    Unresolved(String),
    #[error("did not answer within {} seconds", TIMEOUT.as_secs())]
    Timeout,
    #[error("could not be reached")]
    Unreachable,
    #[error("answered with the status {0}")]
    Status(u16),
}

/// Checks that `url` may be called (its form only; the address is checked again when it
/// is called): `https`, or `http` where private targets are allowed.
pub fn check_url(url: &str, allow_private: bool) -> Result<Url, CallError> {
    let parsed = Url::parse(url).map_err(|_| CallError::BadUrl(url.to_owned()))?;
    match parsed.scheme() {
        "https" => {}
        "http" if allow_private => {}
        _ => return Err(CallError::NotHttps),
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(CallError::BadUrl(url.to_owned()));
    }
    Ok(parsed)
}

/// Whether `ip` is an address on the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                // 100.64.0.0/10 (carrier-grade NAT), 0.0.0.0/8, 192.0.0.0/24, 198.18.0.0/15,
                // 240.0.0.0/4.
                || (a == 100 && (64..128).contains(&b))
                || a == 0
                || (a == 192 && b == 0 && v4.octets()[2] == 0)
                || (a == 198 && (18..20).contains(&b))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                // fc00::/7 unique local, fe80::/10 link-local, 2001:db8::/32 documentation.
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || (first == 0x2001 && v6.segments()[1] == 0x0db8))
        }
    }
}

/// The form a slash command posts, signed.
pub struct Call<'a> {
    pub url: &'a str,
    pub secret: &'a str,
    pub form: Vec<(&'static str, String)>,
}

/// Calls the endpoint and reads its answer.
pub async fn call(call: Call<'_>, allow_private: bool) -> Result<EndpointAnswer, CallError> {
    let url = check_url(call.url, allow_private)?;
    let host = url.host_str().unwrap_or_default().to_owned();
    let port = url.port_or_known_default().unwrap_or(443);
    let address = resolve(&host, port, allow_private).await?;
    let body = serde_urlencoded(&call.form);
    let timestamp = chrono::Utc::now().timestamp().to_string();
    let signature = sign(call.secret, &timestamp, &body);
    let client = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        // Exactly the address that was checked.
        .resolve(&host, address)
        .build()
        .map_err(|_| CallError::Unreachable)?;
    let response = client
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-slack-request-timestamp", &timestamp)
        .header("x-slack-signature", format!("v0={signature}"))
        .header("user-agent", "ajet-chat slash command")
        .body(body)
        .send()
        .await
        .map_err(|err| {
            if err.is_timeout() {
                CallError::Timeout
            } else {
                CallError::Unreachable
            }
        })?;
    let status = response.status();
    if !status.is_success() {
        return Err(CallError::Status(status.as_u16()));
    }
    let is_json = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let bytes = read_bounded(response).await?;
    let text = String::from_utf8_lossy(&bytes);
    if (is_json || text.trim_start().starts_with('{'))
        && let Ok(answer) = serde_json::from_str::<EndpointAnswer>(&text)
    {
        return Ok(answer);
    }
    Ok(EndpointAnswer {
        text: text.trim().to_owned(),
        response_type: None,
    })
}

/// Reads at most [`MAX_ANSWER_BYTES`] of the answer, within the timeout.
async fn read_bounded(response: reqwest::Response) -> Result<Vec<u8>, CallError> {
    let mut body = Vec::new();
    let mut chunks = response.bytes_stream();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|err| {
            if err.is_timeout() {
                CallError::Timeout
            } else {
                CallError::Unreachable
            }
        })?;
        let room = MAX_ANSWER_BYTES.saturating_sub(body.len());
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= MAX_ANSWER_BYTES {
            break;
        }
    }
    Ok(body)
}

/// The first address `host` resolves to, if every address it resolves to may be called.
async fn resolve(host: &str, port: u16, allow_private: bool) -> Result<SocketAddr, CallError> {
    let found: Vec<SocketAddr> =
        tokio::time::timeout(TIMEOUT, tokio::net::lookup_host((host, port)))
            .await
            .map_err(|_| CallError::Timeout)?
            .map_err(|_| CallError::Unresolved(host.to_owned()))?
            .collect();
    if !allow_private && let Some(bad) = found.iter().find(|a| !is_public(a.ip())) {
        return Err(CallError::Private(bad.ip()));
    }
    found
        .first()
        .copied()
        .ok_or_else(|| CallError::Unresolved(host.to_owned()))
}

/// Slack's request signature: hex HMAC-SHA256 of `v0:<timestamp>:<body>`.
pub fn sign(secret: &str, timestamp: &str, body: &str) -> String {
    // HMAC takes a key of any length: this never fails.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(format!("v0:{timestamp}:{body}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn serde_urlencoded(form: &[(&'static str, String)]) -> String {
    form.iter()
        .map(|(k, v)| {
            format!(
                "{k}={}",
                percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in ["1.1.1.1", "93.184.216.34", "2606:4700:4700::1111"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn urls_must_be_https_unless_private_targets_are_allowed() {
        assert!(check_url("https://example.com/x", false).is_ok());
        assert!(matches!(
            check_url("http://example.com/x", false),
            Err(CallError::NotHttps)
        ));
        assert!(check_url("http://127.0.0.1:9/x", true).is_ok());
        assert!(matches!(
            check_url("ftp://example.com", true),
            Err(CallError::NotHttps)
        ));
        assert!(matches!(
            check_url("not a url", true),
            Err(CallError::BadUrl(_))
        ));
    }

    #[test]
    fn the_signature_is_slacks() {
        // Slack's documented example.
        let body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
        assert_eq!(
            sign("8f742231b10e8888abcd99yyyzzz85a5", "1531420618", body),
            "a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
        );
    }
}
