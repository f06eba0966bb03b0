//! Gitea and Forgejo events, named by `X-Gitea-Event` / `X-Forgejo-Event` (refined by
//! `X-Gitea-Event-Type`): push, create, delete, fork, issues, issue_comment, pull_request
//! (opened, closed or merged, reopened, synchronized, review requested), its reviews
//! (`pull_request_approved`, `pull_request_rejected`, `pull_request_comment`) and release.

use serde::Deserialize;
use serde_json::Value;

use crate::forge::{self, Repo};
use crate::github::{parse, post_or_skip};
use crate::{Format, Rendered, Skip, WebhookError, WebhookMessage};

#[derive(Debug, Deserialize)]
struct User {
    #[serde(default)]
    login: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

impl User {
    fn name(&self) -> &str {
        [&self.login, &self.username, &self.name]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .find(|n| !n.is_empty())
            .unwrap_or("")
    }
}

#[derive(Debug, Deserialize)]
struct PushEvent {
    #[serde(rename = "ref")]
    git_ref: String,
    #[serde(default)]
    before: String,
    after: String,
    #[serde(default)]
    compare_url: Option<String>,
    #[serde(default)]
    commits: Vec<Commit>,
    #[serde(default)]
    total_commits: Option<usize>,
    repository: Repo,
    #[serde(default)]
    pusher: Option<User>,
    #[serde(default)]
    sender: Option<User>,
}

#[derive(Debug, Deserialize)]
struct Commit {
    id: String,
    message: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    author: Option<User>,
}

#[derive(Debug, Deserialize)]
struct Branch {
    #[serde(rename = "ref")]
    name: String,
    #[serde(default)]
    sha: Option<String>,
}

#[derive(Debug, Deserialize)]
struct PullRequest {
    number: u64,
    title: String,
    #[serde(default)]
    html_url: Option<String>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    merged: bool,
    #[serde(default)]
    draft: bool,
    head: Branch,
    base: Branch,
}

impl PullRequest {
    fn model(&self) -> forge::Pull<'_> {
        forge::Pull {
            number: self.number,
            title: &self.title,
            url: self.html_url.as_deref(),
            body: self.body.as_deref(),
            head: &self.head.name,
            base: &self.base.name,
            head_sha: self.head.sha.as_deref(),
            merged: self.merged,
            draft: self.draft,
        }
    }
}

#[derive(Debug, Deserialize)]
struct Review {
    #[serde(default)]
    content: Option<String>,
}

#[derive(Debug, Deserialize)]
struct PullRequestEvent {
    action: String,
    pull_request: PullRequest,
    repository: Repo,
    sender: User,
    #[serde(default)]
    requested_reviewer: Option<User>,
    #[serde(default)]
    review: Option<Review>,
}

#[derive(Debug, Deserialize)]
struct Issue {
    number: u64,
    title: String,
    #[serde(default)]
    html_url: Option<String>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    pull_request: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct IssuesEvent {
    action: String,
    issue: Issue,
    repository: Repo,
    sender: User,
}

#[derive(Debug, Deserialize)]
struct Comment {
    body: String,
    #[serde(default)]
    html_url: Option<String>,
}

#[derive(Debug, Deserialize)]
struct IssueCommentEvent {
    action: String,
    issue: Issue,
    comment: Comment,
    repository: Repo,
    sender: User,
    #[serde(default)]
    is_pull: bool,
}

#[derive(Debug, Deserialize)]
struct Release {
    tag_name: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    html_url: Option<String>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    prerelease: bool,
}

#[derive(Debug, Deserialize)]
struct ReleaseEvent {
    /// Absent in older Gitea versions, which sent only published releases.
    #[serde(default)]
    action: Option<String>,
    release: Release,
    repository: Repo,
    sender: User,
}

#[derive(Debug, Deserialize)]
struct RefEvent {
    #[serde(rename = "ref")]
    git_ref: String,
    ref_type: String,
    repository: Repo,
    sender: User,
}

#[derive(Debug, Deserialize)]
struct ForkEvent {
    forkee: Repo,
    repository: Repo,
    sender: User,
}

fn issue_model(i: &Issue, is_pull: bool) -> forge::Issue<'_> {
    forge::Issue {
        number: i.number,
        title: &i.title,
        url: i.html_url.as_deref(),
        body: i.body.as_deref(),
        is_pull: is_pull || i.pull_request.is_some(),
    }
}

pub(crate) fn render(
    event: &str,
    event_type: Option<&str>,
    payload: &Value,
) -> Result<Rendered, WebhookError> {
    let f = Format::Gitea;
    let post = |md: String| Rendered::post(event, None, WebhookMessage::markdown(md));
    let review_state = match (event, event_type) {
        ("pull_request_approved", _) | (_, Some("pull_request_review_approved")) => {
            Some("approved")
        }
        ("pull_request_rejected", _) | (_, Some("pull_request_review_rejected")) => {
            Some("changes_requested")
        }
        ("pull_request_comment", _) | (_, Some("pull_request_review_comment")) => Some("commented"),
        _ => None,
    };
    if let Some(state) = review_state {
        let e: PullRequestEvent = parse(f, event, payload)?;
        let body = e.review.as_ref().and_then(|r| r.content.as_deref());
        let md = forge::review(
            state,
            e.sender.name(),
            &e.repository,
            &e.pull_request.model(),
            e.pull_request.html_url.as_deref(),
            body,
        );
        return Ok(post_or_skip(event, &e.action, md));
    }
    Ok(match event {
        "push" => {
            let p: PushEvent = parse(f, event, payload)?;
            let pusher = p
                .pusher
                .as_ref()
                .or(p.sender.as_ref())
                .map_or("", User::name);
            post(forge::push(&forge::Push {
                pusher,
                repo: &p.repository,
                git_ref: &p.git_ref,
                after: &p.after,
                compare: p.compare_url.as_deref(),
                created: forge::is_zero(&p.before),
                deleted: forge::is_zero(&p.after),
                forced: false,
                total: p.total_commits.unwrap_or(p.commits.len()),
                commits: p
                    .commits
                    .iter()
                    .map(|c| forge::Commit {
                        id: &c.id,
                        url: c.url.as_deref(),
                        message: &c.message,
                        author: c.author.as_ref().map_or("", User::name),
                    })
                    .collect(),
            }))
        }
        "pull_request" => {
            let e: PullRequestEvent = parse(f, event, payload)?;
            let reviewer = e.requested_reviewer.as_ref().map(User::name);
            let md = forge::pull(
                &e.action,
                e.sender.name(),
                &e.repository,
                &e.pull_request.model(),
                reviewer,
            );
            post_or_skip(event, &e.action, md)
        }
        "issues" => {
            let e: IssuesEvent = parse(f, event, payload)?;
            let md = forge::issue(
                &e.action,
                e.sender.name(),
                &e.repository,
                &issue_model(&e.issue, false),
            );
            post_or_skip(event, &e.action, md)
        }
        "issue_comment" => {
            let e: IssueCommentEvent = parse(f, event, payload)?;
            let md = (e.action == "created").then(|| {
                forge::comment(
                    e.sender.name(),
                    &e.repository,
                    &issue_model(&e.issue, e.is_pull),
                    e.comment.html_url.as_deref(),
                    &e.comment.body,
                    None,
                )
            });
            post_or_skip(event, &e.action, md)
        }
        "release" => {
            let e: ReleaseEvent = parse(f, event, payload)?;
            let action = e.action.as_deref().unwrap_or("published");
            let r = &e.release;
            let md = (action == "published").then(|| {
                forge::release(
                    e.sender.name(),
                    &e.repository,
                    r.name.as_deref(),
                    &r.tag_name,
                    r.html_url.as_deref(),
                    r.body.as_deref(),
                    r.prerelease,
                )
            });
            post_or_skip(event, action, md)
        }
        "create" | "delete" => {
            let e: RefEvent = parse(f, event, payload)?;
            let verb = if event == "create" {
                "created"
            } else {
                "deleted"
            };
            post(forge::created_or_deleted(
                verb,
                e.sender.name(),
                &e.repository,
                &e.ref_type,
                &e.git_ref,
            ))
        }
        "fork" => {
            let e: ForkEvent = parse(f, event, payload)?;
            // Gitea's `forkee` is the repository that was forked, `repository` the new fork.
            post(format!(
                "{} forked {} to {}.",
                forge::who(e.sender.name()),
                e.forkee.md(),
                e.repository.md()
            ))
        }
        _ => {
            if !payload.is_object() {
                return Err(WebhookError::UnknownShape);
            }
            let action = payload.get("action").and_then(Value::as_str);
            Rendered::skip(event, action, Skip::NotRendered)
        }
    })
}
