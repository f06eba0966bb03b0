//! Sentences for the events GitHub and Gitea/Forgejo have in common (pushes, pull requests,
//! issues, comments, releases, branches and tags), written once and fed by each host's
//! payload types. Every outside string passes through `text::escape`, `text::code` or
//! `text::quote` here.

use serde::Deserialize;

use crate::text::{self, code, escape, link};

/// Most commits listed in a push.
pub(crate) const MAX_COMMITS: usize = 10;
/// How much of an issue, pull request, comment or release body is quoted.
pub(crate) const BODY_LINES: usize = 12;
pub(crate) const BODY_CHARS: usize = 1_500;

/// A repository, as both hosts describe it.
#[derive(Debug, Deserialize)]
pub(crate) struct Repo {
    pub full_name: String,
    #[serde(default)]
    pub html_url: Option<String>,
    #[serde(default)]
    pub stargazers_count: Option<u64>,
}

impl Repo {
    pub(crate) fn md(&self) -> String {
        link(&escape(&self.full_name), self.html_url.as_deref())
    }
}

/// A user's name in bold.
pub(crate) fn who(name: &str) -> String {
    let name = escape(name);
    if name.is_empty() {
        "Someone".to_owned()
    } else {
        format!("**{name}**")
    }
}

/// The first seven hex digits of a commit id.
pub(crate) fn short_sha(sha: &str) -> String {
    sha.chars()
        .take_while(char::is_ascii_hexdigit)
        .take(7)
        .collect()
}

/// Whether a commit id is the all-zero id that marks a created or deleted ref.
pub(crate) fn is_zero(sha: &str) -> bool {
    !sha.is_empty() && sha.chars().all(|c| c == '0')
}

/// `refs/heads/main` → ("branch", "main"); `refs/tags/v1` → ("tag", "v1").
pub(crate) fn ref_kind(git_ref: &str) -> (&'static str, &str) {
    if let Some(tag) = git_ref.strip_prefix("refs/tags/") {
        ("tag", tag)
    } else {
        (
            "branch",
            git_ref.strip_prefix("refs/heads/").unwrap_or(git_ref),
        )
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// One commit of a push.
pub(crate) struct Commit<'a> {
    pub id: &'a str,
    pub url: Option<&'a str>,
    pub message: &'a str,
    pub author: &'a str,
}

/// A push, as both hosts describe it.
pub(crate) struct Push<'a> {
    pub pusher: &'a str,
    pub repo: &'a Repo,
    pub git_ref: &'a str,
    pub after: &'a str,
    pub compare: Option<&'a str>,
    pub created: bool,
    pub deleted: bool,
    pub forced: bool,
    pub commits: Vec<Commit<'a>>,
    /// Commits pushed, when the host says (it may list fewer).
    pub total: usize,
}

/// The message for a push: who pushed how many commits where, then the first commits.
pub(crate) fn push(p: &Push<'_>) -> String {
    let (kind, name) = ref_kind(p.git_ref);
    let who = who(p.pusher);
    let repo = p.repo.md();
    let name = code(name);
    if p.deleted {
        return format!("{who} deleted {kind} {name} of {repo}.");
    }
    if kind == "tag" {
        let at = link(&code(&short_sha(p.after)), None);
        return format!("{who} pushed tag {name} ({at}) to {repo}.");
    }
    let n = p.total.max(p.commits.len());
    let mut out = if p.created {
        if n == 0 {
            format!("{who} created branch {name} of {repo}.")
        } else {
            let commits = link(&plural(n, "commit", "commits"), p.compare);
            format!("{who} created branch {name} of {repo} with {commits}.")
        }
    } else if n == 0 {
        let to = code(&short_sha(p.after));
        let verb = if p.forced {
            "⚠️ **force-pushed**"
        } else {
            "pushed"
        };
        format!("{who} {verb} branch {name} of {repo} to {to}.")
    } else {
        let commits = link(&plural(n, "commit", "commits"), p.compare);
        if p.forced {
            format!("{who} ⚠️ **force-pushed** {commits} to branch {name} of {repo}.")
        } else {
            format!("{who} pushed {commits} to branch {name} of {repo}.")
        }
    };
    for c in p.commits.iter().take(MAX_COMMITS) {
        let sha = link(&code(&short_sha(c.id)), c.url);
        let line = escape(&text::first_line(c.message));
        let author = escape(c.author);
        out.push_str(&format!("\n- {sha} {line}"));
        if !author.is_empty() {
            out.push_str(&format!(" — {author}"));
        }
    }
    if n > MAX_COMMITS {
        let more = n - MAX_COMMITS;
        out.push_str(&format!(
            "\n- {} and {}.",
            text::ELLIPSIS,
            plural(more, "more commit", "more commits")
        ));
    }
    out
}

/// A pull request, as both hosts describe it.
pub(crate) struct Pull<'a> {
    pub number: u64,
    pub title: &'a str,
    pub url: Option<&'a str>,
    pub body: Option<&'a str>,
    pub head: &'a str,
    pub base: &'a str,
    pub head_sha: Option<&'a str>,
    pub merged: bool,
    pub draft: bool,
}

impl Pull<'_> {
    /// `#12 Title`, linked.
    pub(crate) fn md(&self) -> String {
        let label = format!("#{} {}", self.number, escape(self.title));
        link(label.trim(), self.url)
    }
}

/// Appends a quote of `body` (when it has words) after `line`.
pub(crate) fn with_quote(line: String, body: Option<&str>) -> String {
    match body.and_then(|b| text::quote(b, BODY_LINES, BODY_CHARS)) {
        Some(q) => format!("{line}\n{q}"),
        None => line,
    }
}

/// The message for a pull request action, or `None` for an action not rendered.
/// `reviewer` is who a review was requested from.
pub(crate) fn pull(
    action: &str,
    sender: &str,
    repo: &Repo,
    pr: &Pull<'_>,
    reviewer: Option<&str>,
) -> Option<String> {
    let who = who(sender);
    let repo = repo.md();
    let link = pr.md();
    let branches = format!("{} → {}", code(pr.head), code(pr.base));
    Some(match action {
        "opened" => {
            let what = if pr.draft {
                "draft pull request"
            } else {
                "pull request"
            };
            with_quote(
                format!("{who} opened {what} {link} in {repo} ({branches})."),
                pr.body,
            )
        }
        "closed" if pr.merged => {
            format!("{who} merged pull request {link} in {repo} ({branches}).")
        }
        "closed" => format!("{who} closed pull request {link} in {repo} without merging."),
        "reopened" => format!("{who} reopened pull request {link} in {repo}."),
        "ready_for_review" => {
            format!("{who} marked pull request {link} in {repo} as ready for review.")
        }
        "converted_to_draft" => {
            format!("{who} converted pull request {link} in {repo} to a draft.")
        }
        "review_requested" => {
            let from = reviewer.map_or_else(|| "someone".to_owned(), self::who);
            format!("{who} requested a review from {from} on pull request {link} in {repo}.")
        }
        "synchronize" | "synchronized" => {
            let head = pr
                .head_sha
                .map(|s| format!(" (head now {})", code(&short_sha(s))))
                .unwrap_or_default();
            format!("{who} updated pull request {link} in {repo}{head}.")
        }
        _ => return None,
    })
}

/// The message for a submitted review: `state` is `approved`, `changes_requested` or
/// `commented`. `None` for a comment-only review with no words (its comments come as their
/// own events).
pub(crate) fn review(
    state: &str,
    sender: &str,
    repo: &Repo,
    pr: &Pull<'_>,
    review_url: Option<&str>,
    body: Option<&str>,
) -> Option<String> {
    let who = who(sender);
    let repo = repo.md();
    let pr = pr.md();
    let has_words = body.is_some_and(|b| !b.trim().is_empty());
    let line = match state {
        "approved" => format!(
            "{who} ✅ {} pull request {pr} in {repo}.",
            link("approved", review_url)
        ),
        "changes_requested" => format!(
            "{who} ❌ {} on pull request {pr} in {repo}.",
            link("requested changes", review_url)
        ),
        "commented" if has_words => format!(
            "{who} {} pull request {pr} in {repo}.",
            link("reviewed", review_url)
        ),
        _ => return None,
    };
    Some(with_quote(line, body))
}

/// An issue or a pull request a comment or an issue event is about.
pub(crate) struct Issue<'a> {
    pub number: u64,
    pub title: &'a str,
    pub url: Option<&'a str>,
    pub body: Option<&'a str>,
    pub is_pull: bool,
}

impl Issue<'_> {
    fn md(&self) -> String {
        let label = format!("#{} {}", self.number, escape(self.title));
        link(label.trim(), self.url)
    }

    fn kind(&self) -> &'static str {
        if self.is_pull {
            "pull request"
        } else {
            "issue"
        }
    }
}

/// The message for an issue action, or `None` for an action not rendered.
pub(crate) fn issue(action: &str, sender: &str, repo: &Repo, issue: &Issue<'_>) -> Option<String> {
    let who = who(sender);
    let repo = repo.md();
    let link = issue.md();
    Some(match action {
        "opened" => with_quote(format!("{who} opened issue {link} in {repo}."), issue.body),
        "closed" => format!("{who} closed issue {link} in {repo}."),
        "reopened" => format!("{who} reopened issue {link} in {repo}."),
        _ => return None,
    })
}

/// The message for a new comment on an issue or pull request (`path` for a comment on a
/// pull request's diff).
pub(crate) fn comment(
    sender: &str,
    repo: &Repo,
    on: &Issue<'_>,
    comment_url: Option<&str>,
    body: &str,
    path: Option<&str>,
) -> String {
    let who = who(sender);
    let repo = repo.md();
    let commented = link("commented", comment_url);
    let at = path.map(|p| format!(" on {}", code(p))).unwrap_or_default();
    with_quote(
        format!(
            "{who} {commented} on {} {} in {repo}{at}:",
            on.kind(),
            on.md()
        ),
        Some(body),
    )
}

/// The message for a published release.
pub(crate) fn release(
    sender: &str,
    repo: &Repo,
    name: Option<&str>,
    tag: &str,
    url: Option<&str>,
    body: Option<&str>,
    prerelease: bool,
) -> String {
    let who = who(sender);
    let repo = repo.md();
    let shown = name.map(str::trim).filter(|n| !n.is_empty()).unwrap_or(tag);
    let what = if prerelease { "pre-release" } else { "release" };
    with_quote(
        format!(
            "{who} published {what} {} ({}) of {repo}.",
            link(&format!("**{}**", escape(shown)), url),
            code(tag)
        ),
        body,
    )
}

/// The message for a created or deleted branch or tag.
pub(crate) fn created_or_deleted(
    verb: &str,
    sender: &str,
    repo: &Repo,
    ref_type: &str,
    name: &str,
) -> String {
    let kind = if ref_type == "tag" { "tag" } else { "branch" };
    let (_, name) = ref_kind(name);
    format!(
        "{} {verb} {kind} {} in {}.",
        who(sender),
        code(name),
        repo.md()
    )
}
