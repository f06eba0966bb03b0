//! Every fixture in `tests/fixtures/` rendered through [`ajet_webhooks::render`] as the hook
//! handler calls it (headers, query, raw body), with the result snapshotted; plus form bodies,
//! signatures, filtering, bounds, injection and bad input.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers fail the test on a broken fixture"
)]

use std::fs;
use std::path::{Path, PathBuf};

use ajet_core::mentions;
use ajet_webhooks::{
    Delivery, Format, Incoming, Options, Outcome, Rejected, SignatureError, Skip, WebhookError,
    WebhookMessage, render, signature,
};
use http::{HeaderMap, HeaderName, HeaderValue};

const SECRET: &[u8] = b"fixture-secret";

fn fixtures(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(dir);
    let mut files: Vec<PathBuf> = fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.insert(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    h
}

fn deliver(h: &HeaderMap, body: &[u8], options: &Options<'_>) -> Result<Delivery, Rejected> {
    render(
        &Incoming {
            headers: h,
            query_format: None,
            body,
        },
        options,
    )
}

fn posted(d: &Delivery) -> &WebhookMessage {
    match &d.outcome {
        Outcome::Post(m) => m,
        Outcome::Skip { reason } => panic!("expected a message, got {reason:?}"),
    }
}

/// A readable account of a delivery for snapshots: what it was, the body as the cli prints
/// it, and the cards as JSON.
fn show(d: &Delivery) -> String {
    let mut out = format!(
        "format: {}\nevent: {}\naction: {}\nidempotency_key: {}\n",
        d.format,
        d.event,
        d.action.as_deref().unwrap_or("-"),
        d.idempotency_key.as_deref().unwrap_or("-"),
    );
    match &d.outcome {
        Outcome::Skip { reason } => out.push_str(&format!("skip: {reason:?}\n")),
        Outcome::Post(m) => {
            let o = &m.overrides;
            for (k, v) in [
                ("username", &o.username),
                ("icon_url", &o.icon_url),
                ("icon_emoji", &o.icon_emoji),
                ("channel", &o.channel),
            ] {
                if let Some(v) = v {
                    out.push_str(&format!("override.{k}: {v}\n"));
                }
            }
            out.push_str("--- body\n");
            out.push_str(&m.body);
            out.push('\n');
            if m.text != m.body {
                out.push_str("--- text\n");
                out.push_str(&m.text);
                out.push('\n');
            }
            if !m.cards.is_empty() {
                out.push_str("--- cards\n");
                out.push_str(&serde_json::to_string_pretty(&m.cards).unwrap());
                out.push('\n');
            }
        }
    }
    out
}

/// The fixture's file name without `.json`.
fn stem(p: &Path) -> String {
    p.file_stem().unwrap().to_string_lossy().into_owned()
}

/// Checks the promises every rendered message keeps, whatever its source.
fn assert_safe(d: &Delivery) {
    if let Outcome::Post(m) = &d.outcome {
        assert!(m.body.chars().count() <= ajet_webhooks::text::MAX_BODY_CHARS);
        assert!(m.body.lines().count() <= ajet_webhooks::text::MAX_BODY_LINES + 2);
        for needle in ["<script", "javascript:", "data:text"] {
            let lower = m.body.to_ascii_lowercase();
            if let Some(at) = lower.find(needle) {
                // Allowed only as escaped text: `\<script`, or outside any link target.
                let before = &m.body[..at];
                assert!(
                    before.ends_with('\\') || !before.ends_with("](<"),
                    "{needle} in {}",
                    m.body
                );
            }
        }
    }
}

fn github(event: &str, body: &[u8], options: &Options<'_>) -> Result<Delivery, Rejected> {
    deliver(
        &headers(&[
            ("x-github-event", event),
            ("content-type", "application/json"),
        ]),
        body,
        options,
    )
}

fn github_fixture(name: &str) -> Vec<u8> {
    let path = fixtures("github")
        .into_iter()
        .find(|p| stem(p) == name)
        .unwrap();
    fs::read(path).unwrap()
}

mod delivery;
mod fixtures;
mod safety;
