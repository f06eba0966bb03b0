//! Alertmanager notifications (and Grafana's unified alerting, which sends the same shape
//! with more URLs): one group of firing or resolved alerts becomes one message, marked
//! 🔥 FIRING or ✅ RESOLVED, with a red or green card.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use crate::text::{code, escape, link, safe_http_url};
use crate::{Card, CardField, Format, Rendered, WebhookError, WebhookMessage, text};

/// Most alerts listed in one message.
const MAX_ALERTS: usize = 10;
/// Most labels shown for the group, and for each alert beyond the group's.
const MAX_GROUP_LABELS: usize = 8;
const MAX_ALERT_LABELS: usize = 6;
/// Labels shown first, as they say the most about where an alert comes from.
const LEADING_LABELS: [&str; 9] = [
    "severity",
    "priority",
    "env",
    "environment",
    "cluster",
    "namespace",
    "service",
    "job",
    "instance",
];
/// Labels that are noise in a message (Grafana's internal ones).
const HIDDEN_LABELS: [&str; 4] = [
    "alertname",
    "__alert_rule_uid__",
    "grafana_folder",
    "__name__",
];

const FIRING_COLOR: &str = "#d63232";
const RESOLVED_COLOR: &str = "#2eb886";

type Labels = BTreeMap<String, String>;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Notification {
    /// Alertmanager's payload version; its presence is part of the shape.
    #[expect(dead_code, reason = "required by the shape, not shown")]
    version: Value,
    status: String,
    #[serde(default)]
    receiver: Option<String>,
    #[serde(default)]
    common_labels: Labels,
    #[serde(default)]
    common_annotations: Labels,
    #[serde(default, rename = "externalURL")]
    external_url: Option<String>,
    alerts: Vec<Alert>,
    #[serde(default)]
    truncated_alerts: u64,
    /// Grafana's organisation: only Grafana sends it.
    #[serde(default)]
    org_id: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Alert {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    labels: Labels,
    #[serde(default)]
    annotations: Labels,
    #[serde(default)]
    starts_at: Option<String>,
    #[serde(default)]
    ends_at: Option<String>,
    #[serde(default, rename = "generatorURL")]
    generator_url: Option<String>,
    // Grafana's additions.
    #[serde(default, rename = "dashboardURL")]
    dashboard_url: Option<String>,
    #[serde(default, rename = "panelURL")]
    panel_url: Option<String>,
    #[serde(default, rename = "silenceURL")]
    silence_url: Option<String>,
    #[serde(default, rename = "imageURL")]
    image_url: Option<String>,
    #[serde(default)]
    value_string: Option<String>,
}

fn is_firing(status: &str) -> bool {
    !status.eq_ignore_ascii_case("resolved")
}

/// Labels worth showing, the telling ones first, `skip` left out.
fn shown_labels<'l>(labels: &'l Labels, skip: &Labels, max: usize) -> Vec<(&'l str, &'l str)> {
    let mut keys: Vec<&str> = labels
        .keys()
        .map(String::as_str)
        .filter(|k| !HIDDEN_LABELS.contains(k) && !skip.contains_key(*k))
        .collect();
    keys.sort_by_key(|k| {
        LEADING_LABELS
            .iter()
            .position(|l| l == k)
            .unwrap_or(LEADING_LABELS.len())
    });
    keys.into_iter()
        .take(max)
        .filter_map(|k| labels.get_key_value(k))
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

fn label_spans(labels: &[(&str, &str)]) -> String {
    labels
        .iter()
        .map(|(k, v)| code(&format!("{k}={v}")))
        .collect::<Vec<_>>()
        .join(" ")
}

fn time(s: Option<&str>) -> Option<DateTime<Utc>> {
    let t = DateTime::parse_from_rfc3339(s?).ok()?.with_timezone(&Utc);
    // Alertmanager and Grafana send the zero time for "not yet".
    (t.timestamp() > 0).then_some(t)
}

/// One alert as a list item: mark, name, its own labels, summary, links.
fn alert_line(a: &Alert, common: &Labels, common_notes: &Labels) -> String {
    let mark = if is_firing(a.status.as_deref().unwrap_or("firing")) {
        "🔥"
    } else {
        "✅"
    };
    let name = a.labels.get("alertname").map_or("alert", String::as_str);
    let mut line = format!("- {mark} **{}**", escape(name));
    let own = shown_labels(&a.labels, common, MAX_ALERT_LABELS);
    if !own.is_empty() {
        line.push(' ');
        line.push_str(&label_spans(&own));
    }
    let note = ["summary", "description", "message"].iter().find_map(|k| {
        a.annotations
            .get(*k)
            .filter(|v| common_notes.get(*k) != Some(*v))
    });
    if let Some(note) = note {
        line.push_str(" — ");
        line.push_str(&escape(note));
    }
    if let Some(v) = a.value_string.as_deref().filter(|v| !v.trim().is_empty()) {
        line.push_str(&format!(" ({})", code(v)));
    }
    let links: Vec<String> = [
        ("source", &a.generator_url),
        ("dashboard", &a.dashboard_url),
        ("panel", &a.panel_url),
        ("silence", &a.silence_url),
    ]
    .iter()
    .filter_map(|(label, url)| {
        let url = url.as_deref().and_then(safe_http_url)?;
        Some(link(label, Some(&url)))
    })
    .collect();
    if !links.is_empty() {
        line.push_str(&format!(" · {}", links.join(" · ")));
    }
    line
}

pub(crate) fn render(payload: &Value) -> Result<Rendered, WebhookError> {
    let n: Notification = Notification::deserialize(payload)
        .map_err(|e| WebhookError::invalid(Format::Alertmanager, "alert", &e))?;
    let firing = is_firing(&n.status);
    let status = if firing { "firing" } else { "resolved" };

    let mut names: Vec<&str> = Vec::new();
    for a in &n.alerts {
        let name = a.labels.get("alertname").map_or("alert", String::as_str);
        if !names.contains(&name) {
            names.push(name);
        }
    }
    let shown_names: Vec<String> = names.iter().take(5).map(|s| escape(s)).collect();
    let mut names_md = shown_names.join(", ");
    if names.len() > 5 {
        names_md.push_str(", …");
    }
    let total = n.alerts.len() as u64 + n.truncated_alerts;
    let count = if total == 1 {
        String::new()
    } else {
        format!(" ({total} alerts)")
    };
    let heading = if firing {
        format!("🔥 **FIRING** · {names_md}{count}")
    } else {
        format!("✅ **RESOLVED** · {names_md}{count}")
    };

    let group = shown_labels(&n.common_labels, &Labels::new(), MAX_GROUP_LABELS);
    let mut details = Vec::new();
    if !group.is_empty() {
        details.push(label_spans(&group));
    }
    for key in ["summary", "description"] {
        if let Some(v) = n.common_annotations.get(key) {
            details.push(escape(v));
        }
    }
    let mut list: Vec<String> = n
        .alerts
        .iter()
        .take(MAX_ALERTS)
        .map(|a| alert_line(a, &n.common_labels, &n.common_annotations))
        .collect();
    let more = total.saturating_sub(MAX_ALERTS.min(n.alerts.len()) as u64);
    if more > 0 {
        list.push(format!("- {} and {more} more.", text::ELLIPSIS));
    }
    let source = n.external_url.as_deref().and_then(safe_http_url);
    let source_name = if n.org_id.is_some() {
        "Open in Grafana"
    } else {
        "Open in Alertmanager"
    };
    let source_md = source.as_deref().map(|u| link(source_name, Some(u)));

    let mut body_parts = vec![heading.clone()];
    body_parts.extend(details.iter().cloned());
    body_parts.push(list.join("\n"));
    if let Some(s) = &source_md {
        body_parts.push(s.clone());
    }
    let body = text::bound_body(&body_parts.join("\n"));

    let first = n.alerts.first();
    let card = Card {
        color: Some(if firing { FIRING_COLOR } else { RESOLVED_COLOR }.to_owned()),
        title: Some(format!(
            "{}: {}",
            if firing { "FIRING" } else { "RESOLVED" },
            names.iter().take(5).copied().collect::<Vec<_>>().join(", ")
        ))
        .map(|t| escape(&t)),
        title_link: source
            .clone()
            .or_else(|| first.and_then(|a| a.generator_url.as_deref().and_then(safe_http_url))),
        text: Some(
            details
                .iter()
                .skip(usize::from(!group.is_empty()))
                .cloned()
                .chain(std::iter::once(list.join("\n")))
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        fields: group
            .iter()
            .map(|(k, v)| CardField {
                title: escape(k),
                value: code(v),
                short: true,
            })
            .collect(),
        image_url: first.and_then(|a| a.image_url.as_deref().and_then(safe_http_url)),
        footer: n.receiver.as_deref().filter(|r| !r.is_empty()).map(escape),
        ts: first.and_then(|a| {
            if firing {
                time(a.starts_at.as_deref())
            } else {
                time(a.ends_at.as_deref())
            }
        }),
        ..Card::default()
    };
    Ok(Rendered::post(
        "alert",
        Some(status),
        WebhookMessage {
            body,
            text: heading,
            cards: vec![card],
            ..WebhookMessage::default()
        },
    ))
}
