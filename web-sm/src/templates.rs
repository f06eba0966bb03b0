//! The HTML templates, compiled into the binary and parsed once. Autoescape is on for
//! `.html`: every piece of user text is escaped.

use minijinja::Environment;

const TEMPLATES: [(&str, &str); 2] = [
    ("base.html", include_str!("../templates/base.html")),
    ("home.html", include_str!("../templates/home.html")),
];

/// The template environment.
pub fn environment() -> Result<Environment<'static>, minijinja::Error> {
    let mut env = Environment::new();
    for (name, source) in TEMPLATES {
        env.add_template(name, source)?;
    }
    Ok(env)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_is_escaped() {
        let env = environment().unwrap();
        let html = env
            .get_template("home.html")
            .unwrap()
            .render(minijinja::context! {
                username => "<script>alert(1)</script>",
                channels => vec![minijinja::context! { name => "<b>x</b>", community => "c" }],
            })
            .unwrap();
        assert!(!html.contains("<script>alert"));
        assert!(html.contains("&lt;script&gt;"));
        assert!(!html.contains("<b>x</b>"));
    }
}
