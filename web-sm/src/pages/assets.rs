//! The static files of the web client, compiled into the binary and served from our own
//! origin: the stylesheet, the two scripts and the icon. They change only with a new build, so
//! browsers may keep them for a while and revalidate by ETag.

use std::sync::LazyLock;

use ajet_edge::assets::{Asset, Assets};
use axum::extract::Path;
use axum::http::HeaderMap;
use axum::response::Response;

static FILES: [Asset; 4] = [
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

static ASSETS: LazyLock<Assets> = LazyLock::new(|| Assets::new(&FILES));

/// `GET /static/{name}`.
pub async fn asset(Path(name): Path<String>, headers: HeaderMap) -> Response {
    ASSETS.serve(&name, &headers)
}
