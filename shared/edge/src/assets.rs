//! Static files compiled into a binary and served from its own origin: they change only
//! with a new build, so browsers keep them a few minutes and then revalidate by ETag.

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// One file.
pub struct Asset {
    pub name: &'static str,
    pub content_type: &'static str,
    pub body: &'static str,
}

/// A set of files with their ETags (a hash of each text, computed once).
pub struct Assets {
    files: &'static [Asset],
    etags: Vec<String>,
}

impl Assets {
    pub fn new(files: &'static [Asset]) -> Self {
        let etags = files
            .iter()
            .map(|a| format!("\"{}\"", &blake3::hash(a.body.as_bytes()).to_hex()[..16]))
            .collect();
        Self { files, etags }
    }

    /// The file `name`: 304 when the caller's copy is current, 404 when there is none.
    pub fn serve(&self, name: &str, headers: &HeaderMap) -> Response {
        let Some(index) = self.files.iter().position(|a| a.name == name) else {
            return StatusCode::NOT_FOUND.into_response();
        };
        let asset = &self.files[index];
        let tag = self.etags[index].clone();
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
}
