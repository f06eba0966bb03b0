//! The gateway's own HTML pages (sign-in, sign-up, messages), rendered with minijinja,
//! autoescaped, with no inline scripts.

use std::sync::LazyLock;

use ajet_edge::assets::{Asset, Assets};
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use minijinja::Environment;
use serde::Serialize;

/// The templates, compiled into the binary.
pub struct Pages {
    env: Environment<'static>,
}

const TEMPLATES: [(&str, &str); 4] = [
    ("base.html", include_str!("../templates/base.html")),
    ("login.html", include_str!("../templates/login.html")),
    ("signup.html", include_str!("../templates/signup.html")),
    ("message.html", include_str!("../templates/message.html")),
];

/// The pages' stylesheet and icon, compiled into the binary and served by the gateway
/// itself at `/auth/static/<name>`: the sign-in page must not depend on web-sm (or any
/// other origin) being up.
static FILES: [Asset; 2] = [
    Asset {
        name: "gateway.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("../static/gateway.css"),
    },
    Asset {
        name: "icon.svg",
        content_type: "image/svg+xml",
        body: include_str!("../static/icon.svg"),
    },
];

static ASSETS: LazyLock<Assets> = LazyLock::new(|| Assets::new(&FILES));

/// `GET /auth/static/{name}`.
pub async fn asset(Path(name): Path<String>, headers: HeaderMap) -> Response {
    ASSETS.serve(&name, &headers)
}

impl Default for Pages {
    fn default() -> Self {
        Self::new()
    }
}

impl Pages {
    pub fn new() -> Self {
        let mut env = Environment::new();
        // `.html` templates autoescape by default; say so, so that no change of name
        // could turn it off unnoticed.
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
        for (name, source) in TEMPLATES {
            if let Err(err) = env.add_template(name, source) {
                tracing::error!(template = name, error = %err, "a page template does not compile");
            }
        }
        Self { env }
    }

    /// Renders `name` with `context`, answered with `status`.
    pub fn render(&self, status: StatusCode, name: &str, context: impl Serialize) -> Response {
        match self.env.get_template(name).and_then(|t| t.render(context)) {
            Ok(html) => (status, Html(html)).into_response(),
            Err(err) => {
                tracing::error!(template = name, error = %err, "cannot render a page");
                (StatusCode::INTERNAL_SERVER_ERROR, "cannot render this page").into_response()
            }
        }
    }

    /// A page saying `message`, optionally moving on to `redirect` (a same-site
    /// navigation, by meta refresh: no script).
    pub fn message(
        &self,
        status: StatusCode,
        title: &str,
        message: &str,
        redirect: Option<&str>,
    ) -> Response {
        self.render(
            status,
            "message.html",
            minijinja::context! { title, message, redirect },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::header;

    #[test]
    fn user_text_is_escaped() {
        let pages = Pages::new();
        let response = pages.render(
            StatusCode::OK,
            "login.html",
            minijinja::context! {
                error => "<script>x</script>", local_accounts => true, next => "/a?b=c",
                providers => vec![minijinja::context! { id => "github", label => "GitHub" }],
            },
        );
        assert_eq!(response.status(), StatusCode::OK);
        let env = &pages.env;
        let html = env
            .get_template("login.html")
            .unwrap()
            .render(minijinja::context! {
                error => "<script>x</script>", username => "\"><b>", local_accounts => true,
            })
            .unwrap();
        assert!(!html.contains("<script>x"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("\"><b>"), "{html}");
        assert!(!html.contains("<script"), "no inline scripts: {html}");
    }
    /// Every visible input of the sign-in and sign-up pages has a label of its own, and
    /// the pages load their stylesheet from the gateway, not from any other origin.
    #[test]
    fn inputs_are_labelled_and_styles_are_our_own() {
        let pages = Pages::new();
        for (name, first_run) in [
            ("login.html", false),
            ("login.html", true),
            ("signup.html", false),
            ("signup.html", true),
        ] {
            let html = pages
                .env
                .get_template(name)
                .unwrap()
                .render(minijinja::context! { first_run, local_accounts => true })
                .unwrap();
            assert!(
                html.contains(r#"<link rel="stylesheet" href="/auth/static/gateway.css">"#),
                "{html}"
            );
            assert!(
                !html.contains("http://") && !html.contains("https://"),
                "{html}"
            );
            let inputs = html.matches("<input").count();
            let hidden = html.matches(r#"type="hidden""#).count();
            let labels = html.matches("<label for=").count();
            assert_eq!(
                inputs - hidden,
                labels,
                "{name} (first run {first_run}): {html}"
            );
            for id in html.split(r#"<input id=""#).skip(1) {
                let id = id.split('"').next().unwrap();
                assert!(
                    html.contains(&format!(r#"<label for="{id}">"#)),
                    "{id}: {html}"
                );
            }
        }
    }

    #[tokio::test]
    async fn the_stylesheet_is_served_and_revalidated() {
        let response = asset(Path("gateway.css".into()), HeaderMap::new()).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "text/css; charset=utf-8"
        );
        let tag = response.headers()[header::ETAG].clone();
        let mut again = HeaderMap::new();
        again.insert(header::IF_NONE_MATCH, tag);
        let response = asset(Path("gateway.css".into()), again).await;
        assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
        let response = asset(Path("../Cargo.toml".into()), HeaderMap::new()).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }
}
