//! GitHub's CI events (workflow_run, workflow_job, check_run, check_suite) when they complete:
//! one line each, failures marked so they stand out, successes optional per webhook.

use serde::Deserialize;
use serde_json::Value;

use super::{parse, post_or_skip};
use crate::forge::{self, Repo};
use crate::text::{code, escape, link};
use crate::{Format, Options, Rendered, Skip, WebhookError};

/// How a conclusion reads: its mark, its verb, and whether it counts as a success (which a
/// webhook may choose not to post).
fn conclusion(c: Option<&str>) -> (&'static str, &'static str, bool) {
    match c.unwrap_or("") {
        "success" => ("✅", "succeeded", true),
        "failure" => ("❌", "**failed**", false),
        "startup_failure" => ("❌", "**failed to start**", false),
        "timed_out" => ("⏱️", "**timed out**", false),
        "cancelled" => ("🚫", "was cancelled", false),
        "action_required" => ("⚠️", "**needs action**", false),
        "neutral" => ("⚪", "finished", true),
        "skipped" => ("⏭️", "was skipped", true),
        "stale" => ("⚪", "went stale", true),
        _ => ("⚪", "finished", false),
    }
}

#[derive(Debug, Deserialize)]
struct Commit {
    #[serde(default)]
    message: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Workflow {
    #[serde(default)]
    name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct WorkflowRun {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    display_title: Option<String>,
    #[serde(default)]
    head_branch: Option<String>,
    #[serde(default)]
    html_url: Option<String>,
    #[serde(default)]
    conclusion: Option<String>,
    #[serde(default)]
    run_number: Option<u64>,
    #[serde(default)]
    head_commit: Option<Commit>,
}

#[derive(Debug, Deserialize)]
struct WorkflowRunEvent {
    action: String,
    workflow_run: WorkflowRun,
    #[serde(default)]
    workflow: Option<Workflow>,
    repository: Repo,
}

#[derive(Debug, Deserialize)]
struct Step {
    name: String,
    #[serde(default)]
    conclusion: Option<String>,
}

#[derive(Debug, Deserialize)]
struct WorkflowJob {
    name: String,
    #[serde(default)]
    workflow_name: Option<String>,
    #[serde(default)]
    head_branch: Option<String>,
    #[serde(default)]
    html_url: Option<String>,
    #[serde(default)]
    conclusion: Option<String>,
    #[serde(default)]
    steps: Vec<Step>,
}

#[derive(Debug, Deserialize)]
struct WorkflowJobEvent {
    action: String,
    workflow_job: WorkflowJob,
    repository: Repo,
}

#[derive(Debug, Deserialize)]
struct Output {
    #[serde(default)]
    title: Option<String>,
}

#[derive(Debug, Deserialize)]
struct SuiteRef {
    #[serde(default)]
    head_branch: Option<String>,
}

#[derive(Debug, Deserialize)]
struct CheckRun {
    name: String,
    #[serde(default)]
    html_url: Option<String>,
    #[serde(default)]
    conclusion: Option<String>,
    #[serde(default)]
    output: Option<Output>,
    #[serde(default)]
    check_suite: Option<SuiteRef>,
}

#[derive(Debug, Deserialize)]
struct CheckRunEvent {
    action: String,
    check_run: CheckRun,
    repository: Repo,
}

#[derive(Debug, Deserialize)]
struct App {
    #[serde(default)]
    name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct CheckSuite {
    #[serde(default)]
    head_branch: Option<String>,
    #[serde(default)]
    head_sha: Option<String>,
    #[serde(default)]
    conclusion: Option<String>,
    #[serde(default)]
    app: Option<App>,
    #[serde(default)]
    head_commit: Option<Commit>,
}

#[derive(Debug, Deserialize)]
struct CheckSuiteEvent {
    action: String,
    check_suite: CheckSuite,
    repository: Repo,
}

/// ` on `branch``, or nothing.
fn on_branch(branch: Option<&str>) -> String {
    branch
        .filter(|b| !b.is_empty())
        .map(|b| format!(" on {}", code(b)))
        .unwrap_or_default()
}

/// `: first line of the commit`, or nothing.
fn about(title: Option<&str>) -> String {
    title
        .map(crate::text::first_line)
        .filter(|t| !t.is_empty())
        .map(|t| format!(": {}", escape(&t)))
        .unwrap_or_default()
}

pub(super) fn render(
    event: &str,
    payload: &Value,
    options: &Options<'_>,
) -> Result<Rendered, WebhookError> {
    let f = Format::Github;
    let (action, line, concl) = match event {
        "workflow_run" => {
            let e: WorkflowRunEvent = parse(f, event, payload)?;
            let r = &e.workflow_run;
            let name = e
                .workflow
                .as_ref()
                .and_then(|w| w.name.as_deref())
                .or(r.name.as_deref())
                .filter(|n| !n.is_empty())
                .unwrap_or("workflow");
            let (mark, verb, _) = conclusion(r.conclusion.as_deref());
            let run = r
                .run_number
                .map_or("run".to_owned(), |n| format!("run #{n}"));
            let title = r
                .display_title
                .as_deref()
                .or(r.head_commit.as_ref().and_then(|c| c.message.as_deref()));
            let line = format!(
                "{mark} Workflow **{}** {verb}{} in {} ({}){}",
                escape(name),
                on_branch(r.head_branch.as_deref()),
                e.repository.md(),
                link(&run, r.html_url.as_deref()),
                about(title),
            );
            (e.action, line, r.conclusion.clone())
        }
        "workflow_job" => {
            let e: WorkflowJobEvent = parse(f, event, payload)?;
            let j = &e.workflow_job;
            let (mark, verb, _) = conclusion(j.conclusion.as_deref());
            let workflow = j
                .workflow_name
                .as_deref()
                .map(|w| format!("{} / ", escape(w)))
                .unwrap_or_default();
            let failed_step = j
                .steps
                .iter()
                .find(|s| matches!(s.conclusion.as_deref(), Some("failure" | "timed_out")))
                .map(|s| format!(" at step {}", code(&s.name)))
                .unwrap_or_default();
            let line = format!(
                "{mark} Job **{workflow}{}** {verb}{failed_step}{} in {} ({})",
                escape(&j.name),
                on_branch(j.head_branch.as_deref()),
                e.repository.md(),
                link("logs", j.html_url.as_deref()),
            );
            (e.action, line, j.conclusion.clone())
        }
        "check_run" => {
            let e: CheckRunEvent = parse(f, event, payload)?;
            let c = &e.check_run;
            let (mark, verb, _) = conclusion(c.conclusion.as_deref());
            let branch = c
                .check_suite
                .as_ref()
                .and_then(|s| s.head_branch.as_deref());
            let line = format!(
                "{mark} Check **{}** {verb}{} in {} ({}){}",
                escape(&c.name),
                on_branch(branch),
                e.repository.md(),
                link("details", c.html_url.as_deref()),
                about(c.output.as_ref().and_then(|o| o.title.as_deref())),
            );
            (e.action, line, c.conclusion.clone())
        }
        _ => {
            let e: CheckSuiteEvent = parse(f, event, payload)?;
            let s = &e.check_suite;
            let (mark, verb, _) = conclusion(s.conclusion.as_deref());
            let app = s
                .app
                .as_ref()
                .and_then(|a| a.name.as_deref())
                .map(|n| format!(" **{}**", escape(n)))
                .unwrap_or_default();
            let sha = s
                .head_sha
                .as_deref()
                .map(|h| format!(" at {}", code(&forge::short_sha(h))))
                .unwrap_or_default();
            let line = format!(
                "{mark} Check suite{app} {verb}{}{sha} in {}{}",
                on_branch(s.head_branch.as_deref()),
                e.repository.md(),
                about(s.head_commit.as_ref().and_then(|c| c.message.as_deref())),
            );
            (e.action, line, s.conclusion.clone())
        }
    };
    if action != "completed" {
        return Ok(post_or_skip(event, &action, None));
    }
    let (_, _, success) = conclusion(concl.as_deref());
    if success && !options.ci_successes {
        return Ok(Rendered::skip(event, Some(&action), Skip::Filtered));
    }
    Ok(post_or_skip(event, &action, Some(line)))
}
