//! The gateway's own HTML pages (sign-in, sign-up, messages), rendered with minijinja,
//! autoescaped, with no inline scripts.

use axum::http::StatusCode;
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
}
