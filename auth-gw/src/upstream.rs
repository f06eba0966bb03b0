//! The instances of one service behind the gateway, taken in turn.

use std::sync::atomic::{AtomicUsize, Ordering};

use axum::http::Uri;
use axum::http::uri::PathAndQuery;

/// One service's instances. Requests go to them in turn; a request with no body that
/// cannot reach one tries the next, so a stopped instance costs a retry, not an error.
#[derive(Debug)]
pub struct Upstream {
    instances: Vec<Uri>,
    next: AtomicUsize,
}

impl Upstream {
    /// `instances` must not be empty (the config parser guarantees it).
    pub fn new(instances: Vec<Uri>) -> Self {
        Self {
            instances,
            next: AtomicUsize::new(0),
        }
    }

    /// Every instance, for readiness probes.
    pub fn instances(&self) -> &[Uri] {
        &self.instances
    }

    /// The instances in the order this request should try them: each request starts one
    /// further along, so load spreads evenly.
    pub fn rotation(&self) -> impl Iterator<Item = &Uri> {
        let n = self.instances.len().max(1);
        let start = self.next.fetch_add(1, Ordering::Relaxed) % n;
        self.instances
            .iter()
            .cycle()
            .skip(start)
            .take(self.instances.len())
    }
}

/// `base` with `path` (and query) in place of its own.
pub fn with_path(base: &Uri, path: PathAndQuery) -> Option<Uri> {
    let mut parts = base.clone().into_parts();
    parts.path_and_query = Some(path);
    Uri::from_parts(parts).ok()
}

/// Why an instance did not answer a request.
#[derive(Debug)]
pub struct Unanswered {
    /// It could not be reached at all, so a request without a body may try the next.
    pub connect: bool,
    pub error: Box<dyn std::error::Error + Send + Sync>,
}

impl From<hyper_util::client::legacy::Error> for Unanswered {
    fn from(error: hyper_util::client::legacy::Error) -> Self {
        Self {
            connect: error.is_connect(),
            error: error.into(),
        }
    }
}

impl From<hyper::Error> for Unanswered {
    fn from(error: hyper::Error) -> Self {
        Self {
            connect: false,
            error: error.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_take_the_instances_in_turn_and_try_them_all() {
        let a: Uri = "http://a:1".parse().unwrap();
        let b: Uri = "http://b:2".parse().unwrap();
        let up = Upstream::new(vec![a.clone(), b.clone()]);
        assert_eq!(up.rotation().collect::<Vec<_>>(), vec![&a, &b]);
        assert_eq!(up.rotation().collect::<Vec<_>>(), vec![&b, &a]);
        assert_eq!(up.rotation().collect::<Vec<_>>(), vec![&a, &b]);
        let one = Upstream::new(vec![a.clone()]);
        assert_eq!(one.rotation().count(), 1);
    }
}
