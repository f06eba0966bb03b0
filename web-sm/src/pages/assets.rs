//! The static files of the web client, compiled into the binary and served from our own
//! origin: the stylesheet, the two scripts and the icon. They change only with a new build, so
//! browsers may keep them for a while and revalidate by ETag.

use axum::extract::Path;
use std::sync::LazyLock;

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
}

const ASSETS: [Asset; 4] = [
    Asset {
        name: "app.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("../../static/app.css"),
    },
    Asset {
        name: "live.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../static/live.js"),
    },
    Asset {
        name: "icon.svg",
        content_type: "image/svg+xml",
        body: include_str!("../../static/icon.svg"),
    },
    Asset {
        name: "theme.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../static/theme.js"),
    },
];

/// Each file's ETag, a hash of its text, computed once: a changed file is fetched again.
static ETAGS: LazyLock<Vec<String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|a| format!("\"{}\"", &blake3::hash(a.body.as_bytes()).to_hex()[..16]))
        .collect()
});

/// `GET /static/{name}`.
pub async fn asset(Path(name): Path<String>, headers: HeaderMap) -> Response {
    let Some(index) = ASSETS.iter().position(|a| a.name == name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let asset = &ASSETS[index];
    let tag = ETAGS[index].clone();
    let cache = [
        (
            header::CACHE_CONTROL,
            "public, max-age=300, must-revalidate".to_owned(),
        ),
        (header::ETAG, tag.clone()),
    ];
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == tag.as_bytes())
    {
        return (StatusCode::NOT_MODIFIED, cache).into_response();
    }
    (
        [(header::CONTENT_TYPE, asset.content_type.to_owned())],
        cache,
        asset.body,
    )
        .into_response()
}
