//! GitHub events, named by `X-GitHub-Event`: push, pull_request, pull_request_review,
//! pull_request_review_comment, issues, issue_comment, release, create, delete, star, fork,
//! the CI events (workflow_run, workflow_job, check_run, check_suite) and ping. Other events
//! and actions are read but not rendered.

mod ci;
mod payload;

use serde::Deserialize;
use serde_json::Value;

use payload::*;

use crate::forge;
use crate::{Format, Options, Rendered, Skip, WebhookError, WebhookMessage};

/// Deserializes `payload` as the shape of `event`.
pub(crate) fn parse<'v, T: Deserialize<'v>>(
    format: Format,
    event: &str,
    payload: &'v Value,
) -> Result<T, WebhookError> {
    T::deserialize(payload).map_err(|e| WebhookError::invalid(format, event, &e))
}

/// A rendered sentence, or `NotRendered` for an action this crate leaves out.
pub(crate) fn post_or_skip(event: &str, action: &str, md: Option<String>) -> Rendered {
    match md {
        Some(md) => Rendered::post(event, Some(action), WebhookMessage::markdown(md)),
        None => Rendered::skip(event, Some(action), Skip::NotRendered),
    }
}

pub(crate) fn render(
    event: &str,
    payload: &Value,
    options: &Options<'_>,
) -> Result<Rendered, WebhookError> {
    let f = Format::Github;
    let post = |md: String| Rendered::post(event, None, WebhookMessage::markdown(md));
    Ok(match event {
        "ping" => Rendered::skip(event, None, Skip::Ping),
        "push" => {
            let p: PushEvent = parse(f, event, payload)?;
            let pusher = p
                .sender
                .as_ref()
                .map_or(p.pusher.name.as_str(), |s| &s.login);
            post(forge::push(&forge::Push {
                pusher,
                repo: &p.repository,
                git_ref: &p.git_ref,
                after: &p.after,
                compare: p.compare.as_deref(),
                created: p.created,
                deleted: p.deleted,
                forced: p.forced,
                total: p.commits.len(),
                commits: p
                    .commits
                    .iter()
                    .map(|c| forge::Commit {
                        id: &c.id,
                        url: c.url.as_deref(),
                        message: &c.message,
                        author: c
                            .author
                            .as_ref()
                            .and_then(|a| a.username.as_deref().or(a.name.as_deref()))
                            .unwrap_or(""),
                    })
                    .collect(),
            }))
        }
        "pull_request" => {
            let e: PullRequestEvent = parse(f, event, payload)?;
            let reviewer = e
                .requested_reviewer
                .as_ref()
                .and_then(|r| r.login.as_deref())
                .or_else(|| e.requested_team.as_ref().and_then(|t| t.name.as_deref()));
            let md = forge::pull(
                &e.action,
                &e.sender.login,
                &e.repository,
                &e.pull_request.model(),
                reviewer,
            );
            post_or_skip(event, &e.action, md)
        }
        "pull_request_review" => {
            let e: ReviewEvent = parse(f, event, payload)?;
            let md = match e.action.as_str() {
                "submitted" => forge::review(
                    &e.review.state.to_ascii_lowercase(),
                    &e.sender.login,
                    &e.repository,
                    &e.pull_request.model(),
                    e.review.html_url.as_deref(),
                    e.review.body.as_deref(),
                ),
                "dismissed" => Some(format!(
                    "{} dismissed a review on pull request {} in {}.",
                    forge::who(&e.sender.login),
                    e.pull_request.model().md(),
                    e.repository.md()
                )),
                _ => None,
            };
            post_or_skip(event, &e.action, md)
        }
        "pull_request_review_comment" => {
            let e: ReviewCommentEvent = parse(f, event, payload)?;
            let pr = e.pull_request.model();
            let on = forge::Issue {
                number: pr.number,
                title: pr.title,
                url: pr.url,
                body: None,
                is_pull: true,
            };
            let md = (e.action == "created").then(|| {
                forge::comment(
                    &e.sender.login,
                    &e.repository,
                    &on,
                    e.comment.html_url.as_deref(),
                    &e.comment.body,
                    e.comment.path.as_deref(),
                )
            });
            post_or_skip(event, &e.action, md)
        }
        "issues" => {
            let e: IssuesEvent = parse(f, event, payload)?;
            let md = forge::issue(&e.action, &e.sender.login, &e.repository, &e.issue.model());
            post_or_skip(event, &e.action, md)
        }
        "issue_comment" => {
            let e: IssueCommentEvent = parse(f, event, payload)?;
            let md = (e.action == "created").then(|| {
                forge::comment(
                    &e.sender.login,
                    &e.repository,
                    &e.issue.model(),
                    e.comment.html_url.as_deref(),
                    &e.comment.body,
                    None,
                )
            });
            post_or_skip(event, &e.action, md)
        }
        "release" => {
            let e: ReleaseEvent = parse(f, event, payload)?;
            let r = &e.release;
            let md = (e.action == "published").then(|| {
                forge::release(
                    &e.sender.login,
                    &e.repository,
                    r.name.as_deref(),
                    &r.tag_name,
                    r.html_url.as_deref(),
                    r.body.as_deref(),
                    r.prerelease,
                )
            });
            post_or_skip(event, &e.action, md)
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
                &e.sender.login,
                &e.repository,
                &e.ref_type,
                &e.git_ref,
            ))
        }
        "star" => {
            let e: StarEvent = parse(f, event, payload)?;
            let who = forge::who(&e.sender.login);
            let repo = e.repository.md();
            let md = match e.action.as_str() {
                "created" => Some(match e.repository.stargazers_count {
                    Some(n) => format!("{who} starred {repo} ⭐ ({n} stars)."),
                    None => format!("{who} starred {repo} ⭐."),
                }),
                "deleted" => Some(format!("{who} unstarred {repo}.")),
                _ => None,
            };
            post_or_skip(event, &e.action, md)
        }
        "fork" => {
            let e: ForkEvent = parse(f, event, payload)?;
            post(format!(
                "{} forked {} to {}.",
                forge::who(&e.sender.login),
                e.repository.md(),
                e.forkee.md()
            ))
        }
        "workflow_run" | "workflow_job" | "check_run" | "check_suite" => {
            ci::render(event, payload, options)?
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
