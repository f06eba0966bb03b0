//! The shapes of the GitHub event payloads that are rendered: only the fields a message
//! uses, each required one named so that a payload without it is refused with its name.

use serde::Deserialize;
use serde_json::Value;

use crate::forge::{self, Repo};

#[derive(Debug, Deserialize)]
pub(crate) struct User {
    pub login: String,
}

#[derive(Debug, Deserialize)]
pub(super) struct PushEvent {
    #[serde(rename = "ref")]
    pub git_ref: String,
    pub after: String,
    #[serde(default)]
    pub compare: Option<String>,
    #[serde(default)]
    pub created: bool,
    #[serde(default)]
    pub deleted: bool,
    #[serde(default)]
    pub forced: bool,
    #[serde(default)]
    pub commits: Vec<PushCommit>,
    pub repository: Repo,
    pub pusher: Pusher,
    #[serde(default)]
    pub sender: Option<User>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Pusher {
    pub name: String,
}

#[derive(Debug, Deserialize)]
pub(super) struct PushCommit {
    pub id: String,
    pub message: String,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub author: Option<CommitAuthor>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct CommitAuthor {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Branch {
    #[serde(rename = "ref")]
    pub name: String,
    #[serde(default)]
    pub sha: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct PullRequest {
    pub number: u64,
    pub title: String,
    #[serde(default)]
    pub html_url: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub merged: Option<bool>,
    #[serde(default)]
    pub draft: Option<bool>,
    pub head: Branch,
    pub base: Branch,
}

impl PullRequest {
    pub(super) fn model(&self) -> forge::Pull<'_> {
        forge::Pull {
            number: self.number,
            title: &self.title,
            url: self.html_url.as_deref(),
            body: self.body.as_deref(),
            head: &self.head.name,
            base: &self.base.name,
            head_sha: self.head.sha.as_deref(),
            merged: self.merged.unwrap_or(false),
            draft: self.draft.unwrap_or(false),
        }
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct Named {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub login: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct PullRequestEvent {
    pub action: String,
    pub pull_request: PullRequest,
    pub repository: Repo,
    pub sender: User,
    #[serde(default)]
    pub requested_reviewer: Option<Named>,
    #[serde(default)]
    pub requested_team: Option<Named>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Review {
    pub state: String,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub html_url: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct ReviewEvent {
    pub action: String,
    pub review: Review,
    pub pull_request: PullRequest,
    pub repository: Repo,
    pub sender: User,
}

#[derive(Debug, Deserialize)]
pub(super) struct Comment {
    pub body: String,
    #[serde(default)]
    pub html_url: Option<String>,
    #[serde(default)]
    pub path: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct ReviewCommentEvent {
    pub action: String,
    pub comment: Comment,
    pub pull_request: PullRequest,
    pub repository: Repo,
    pub sender: User,
}

#[derive(Debug, Deserialize)]
pub(super) struct Issue {
    pub number: u64,
    pub title: String,
    #[serde(default)]
    pub html_url: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
    /// Present when the issue is a pull request.
    #[serde(default)]
    pub pull_request: Option<Value>,
}

impl Issue {
    pub(super) fn model(&self) -> forge::Issue<'_> {
        forge::Issue {
            number: self.number,
            title: &self.title,
            url: self.html_url.as_deref(),
            body: self.body.as_deref(),
            is_pull: self.pull_request.is_some(),
        }
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct IssuesEvent {
    pub action: String,
    pub issue: Issue,
    pub repository: Repo,
    pub sender: User,
}

#[derive(Debug, Deserialize)]
pub(super) struct IssueCommentEvent {
    pub action: String,
    pub issue: Issue,
    pub comment: Comment,
    pub repository: Repo,
    pub sender: User,
}

#[derive(Debug, Deserialize)]
pub(super) struct Release {
    pub tag_name: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub html_url: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub prerelease: bool,
}

#[derive(Debug, Deserialize)]
pub(super) struct ReleaseEvent {
    pub action: String,
    pub release: Release,
    pub repository: Repo,
    pub sender: User,
}

#[derive(Debug, Deserialize)]
pub(super) struct RefEvent {
    #[serde(rename = "ref")]
    pub git_ref: String,
    pub ref_type: String,
    pub repository: Repo,
    pub sender: User,
}

#[derive(Debug, Deserialize)]
pub(super) struct StarEvent {
    pub action: String,
    pub repository: Repo,
    pub sender: User,
}

#[derive(Debug, Deserialize)]
pub(super) struct ForkEvent {
    pub forkee: Repo,
    pub repository: Repo,
    pub sender: User,
}
