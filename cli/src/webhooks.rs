//! `ajet-chat webhook …`: incoming webhooks, for the admins of a community.
//!
//! A webhook posts what outside tools send (Slack-compatible JSON, GitHub, Gitea,
//! Alertmanager and Grafana alerts, plain text) into one channel, as a bot of its own. Its
//! URL carries a token that the server keeps only as a hash, so `create` prints it once.

use ajet_core::WebhookId;
use ajet_core::dto::ChannelDto;
use ajet_core::identity::{CreateWebhook, UpdateWebhook, WebhookDeliveryDto, WebhookDto};
use ajet_sdk::Client;
use anyhow::{Context, bail};
use chrono::Local;
use clap::Subcommand;

use crate::output;

/// The webhook commands.
#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Create a webhook that posts to a channel, and print its URL (shown this once).
    #[command(after_help = "\
Examples:
  ajet-chat webhook create '#deploys' GitHub --secret \"$HOOK_SECRET\" --events push,pull_request
  ajet-chat webhook create acme#alerts Alertmanager --no-ci-successes
  ajet-chat --json webhook create '#ci' CI | jq -r .url

Give the URL to the tool (GitHub: Settings → Webhooks, content type application/json).
With --secret, every delivery must be signed with it (X-Hub-Signature-256 or
X-Gitea-Signature); unsigned ones are refused.")]
    Create {
        /// The channel it posts to: #name, community#name, or its id.
        channel: String,
        /// Its name, shown as the author of what it posts.
        name: String,
        /// A secret shared with the sender, which then must sign every delivery; `-` reads
        /// it from standard input.
        #[arg(long)]
        secret: Option<String>,
        /// Only these events, comma-separated (push, pull_request, workflow_run, alert,
        /// message, …). Default: every event that can be rendered.
        #[arg(long, value_delimiter = ',')]
        events: Option<Vec<String>>,
        /// Let deliveries set their own name and icon, or post to another public channel
        /// (Slack's username, icon_url, icon_emoji and channel).
        #[arg(long)]
        allow_overrides: bool,
        /// Post only failed CI runs, not successful ones.
        #[arg(long)]
        no_ci_successes: bool,
    },
    /// List the webhooks of the communities you administer.
    #[command(after_help = "\
Examples:
  ajet-chat webhook list
  ajet-chat webhook list --community acme
  ajet-chat --json webhook list")]
    List {
        /// Only this community (its slug).
        #[arg(long)]
        community: Option<String>,
    },
    /// Change a webhook's name or settings; what is not given stays as it is.
    #[command(after_help = "\
Examples:
  ajet-chat webhook set 0190f3c2-… --events push,release
  ajet-chat webhook set 0190f3c2-… --no-secret --all-events
  ajet-chat webhook set 0190f3c2-… --ci-successes false")]
    Set {
        /// The webhook's id (`ajet-chat webhook list` shows it).
        id: String,
        /// A new name.
        #[arg(long)]
        name: Option<String>,
        /// A new secret; `-` reads it from standard input.
        #[arg(long, conflicts_with = "no_secret")]
        secret: Option<String>,
        /// Remove the secret: deliveries need no signature any more.
        #[arg(long)]
        no_secret: bool,
        /// Only these events, comma-separated.
        #[arg(long, value_delimiter = ',', conflicts_with = "all_events")]
        events: Option<Vec<String>>,
        /// Post every event that can be rendered.
        #[arg(long)]
        all_events: bool,
        /// Whether deliveries may set their own name, icon and channel.
        #[arg(long, value_name = "true|false")]
        allow_overrides: Option<bool>,
        /// Whether successful CI runs post (failures always do).
        #[arg(long, value_name = "true|false")]
        ci_successes: Option<bool>,
    },
    /// Show a webhook's last deliveries, newest first: how each was read and answered, and
    /// why it was refused or posted nothing.
    #[command(after_help = "\
Examples:
  ajet-chat webhook deliveries 0190f3c2-…
  ajet-chat --json webhook deliveries 0190f3c2-… | jq '.[] | select(.status >= 400)'")]
    Deliveries {
        /// The webhook's id.
        id: String,
        /// How many (the server keeps the last 100).
        #[arg(long, short = 'n', default_value_t = 20)]
        limit: usize,
    },
    /// Revoke a webhook: its URL stops working at once.
    #[command(after_help = "\
Example:
  ajet-chat webhook revoke 0190f3c2-…")]
    Revoke {
        /// The webhook's id.
        id: String,
    },
}

/// Runs a webhook command.
pub async fn run(client: &Client, command: WebhookCommand, json: bool) -> anyhow::Result<()> {
    match command {
        WebhookCommand::Create {
            channel,
            name,
            secret,
            events,
            allow_overrides,
            no_ci_successes,
        } => {
            let channel = crate::commands::resolve(client, &channel).await?;
            let community = channel.community_id.with_context(|| {
                format!(
                    "{} is a direct message; a webhook posts to a community's channel",
                    output::channel_name(&channel)
                )
            })?;
            let body = CreateWebhook {
                channel_id: channel.id,
                name,
                secret: secret.map(read_secret).transpose()?,
                events,
                allow_overrides,
                post_ci_successes: !no_ci_successes,
            };
            let created = client.create_webhook(community, &body).await?;
            // `path` names the token only as a placeholder (`/hook/<id>/<token>`).
            let url = format!(
                "{}/hook/{}/{}",
                client.base(),
                created.item.id,
                created.token
            );
            if json {
                let mut value = serde_json::to_value(&created)?;
                value["url"] = url.into();
                output::json(&value)?;
            } else {
                println!(
                    "created webhook {} ({}) posting to {}",
                    created.item.name,
                    created.item.id,
                    output::channel_name(&channel)
                );
                println!("{url}");
                println!(
                    "This URL is shown once: it holds the webhook's token. Keep it secret; \
                     `ajet-chat webhook revoke {}` disables it.",
                    created.item.id
                );
            }
        }
        WebhookCommand::List { community } => {
            let me = client.me().await?;
            let communities: Vec<_> = match &community {
                Some(slug) => {
                    let slug = slug.trim_start_matches('#');
                    let found = me
                        .communities
                        .iter()
                        .find(|c| c.slug == slug)
                        .with_context(|| format!("you are not in a community called {slug}"))?;
                    vec![found.clone()]
                }
                None => me.communities.clone(),
            };
            let mut webhooks = Vec::new();
            let (mut listed, mut refused) = (0, None);
            for c in &communities {
                match client.webhooks(c.id).await {
                    Ok(list) => {
                        listed += 1;
                        webhooks.extend(list);
                    }
                    // Only admins see webhooks; without a community named, list those where
                    // the caller is one.
                    Err(err)
                        if community.is_none()
                            && err.code() == Some(ajet_core::ErrorCode::Forbidden) =>
                    {
                        refused.get_or_insert(err);
                    }
                    Err(err) => return Err(err.into()),
                }
            }
            if let (0, Some(err)) = (listed, refused) {
                return Err(err.into());
            }
            if json {
                output::json(&webhooks)?;
            } else {
                let channels = client.channels().await.unwrap_or_default();
                for w in &webhooks {
                    println!("{}", webhook_line(w, &channels));
                }
                if webhooks.is_empty() {
                    println!("no webhooks");
                }
            }
        }
        WebhookCommand::Set {
            id,
            name,
            secret,
            no_secret,
            events,
            all_events,
            allow_overrides,
            ci_successes,
        } => {
            let body = UpdateWebhook {
                name,
                secret: match (secret, no_secret) {
                    (Some(secret), _) => Some(Some(read_secret(secret)?)),
                    (None, true) => Some(None),
                    (None, false) => None,
                },
                events: match (events, all_events) {
                    (Some(events), _) => Some(Some(events)),
                    (None, true) => Some(None),
                    (None, false) => None,
                },
                allow_overrides,
                post_ci_successes: ci_successes,
            };
            if body.name.is_none()
                && body.secret.is_none()
                && body.events.is_none()
                && body.allow_overrides.is_none()
                && body.post_ci_successes.is_none()
            {
                bail!(
                    "nothing to change: give --name, --secret, --no-secret, --events, \
                     --all-events, --allow-overrides or --ci-successes"
                );
            }
            let webhook = client.update_webhook(webhook_id(&id)?, &body).await?;
            if json {
                output::json(&webhook)?;
            } else {
                let channels = client.channels().await.unwrap_or_default();
                println!("{}", webhook_line(&webhook, &channels));
            }
        }
        WebhookCommand::Deliveries { id, limit } => {
            let mut deliveries = client.webhook_deliveries(webhook_id(&id)?).await?;
            deliveries.truncate(limit);
            if json {
                output::json(&deliveries)?;
            } else if deliveries.is_empty() {
                println!("no deliveries yet");
            } else {
                print!("{}", deliveries_table(&deliveries));
            }
        }
        WebhookCommand::Revoke { id } => {
            client.revoke_webhook(webhook_id(&id)?).await?;
            if !json {
                println!("revoked; its URL no longer works");
            }
        }
    }
    Ok(())
}

fn webhook_id(s: &str) -> anyhow::Result<WebhookId> {
    s.parse().with_context(|| {
        format!("{s:?} is not a webhook id; `ajet-chat webhook list` shows the ids")
    })
}

/// The secret as given, or (for `-`) the first line of standard input, so that it need not
/// appear in the shell's history or the process list.
fn read_secret(secret: String) -> anyhow::Result<String> {
    if secret != "-" {
        return Ok(secret);
    }
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("cannot read the secret from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// A webhook as a line: its id, name, channel and settings.
fn webhook_line(w: &WebhookDto, channels: &[ChannelDto]) -> String {
    let channel = channels
        .iter()
        .find(|c| c.id == w.channel_id)
        .map_or_else(|| w.channel_id.to_string(), output::channel_name);
    let mut line = format!("{}  {}  → {channel}", w.id, w.name);
    if w.revoked {
        line.push_str("  (revoked)");
        return line;
    }
    line.push_str(if w.has_secret {
        "  signed"
    } else {
        "  unsigned"
    });
    match &w.events {
        Some(events) => line.push_str(&format!("  events: {}", events.join(","))),
        None => line.push_str("  all events"),
    }
    if w.allow_overrides {
        line.push_str("  overrides allowed");
    }
    if !w.post_ci_successes {
        line.push_str("  CI failures only");
    }
    line
}

/// The deliveries as a table: time, format, event and action, status, what happened.
fn deliveries_table(deliveries: &[WebhookDeliveryDto]) -> String {
    let rows: Vec<[String; 5]> = deliveries
        .iter()
        .map(|d| {
            let event = match (&d.event, &d.action) {
                (Some(event), Some(action)) => format!("{event}.{action}"),
                (Some(event), None) => event.clone(),
                _ => "-".to_owned(),
            };
            let note = match (&d.note, d.message_id) {
                (Some(note), _) => note.clone(),
                (None, Some(id)) => format!("posted {id}"),
                (None, None) => String::new(),
            };
            [
                d.received_at
                    .with_timezone(&Local)
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string(),
                d.format.clone().unwrap_or_else(|| "-".to_owned()),
                event,
                d.status.to_string(),
                note,
            ]
        })
        .collect();
    let header = ["TIME", "FORMAT", "EVENT", "STATUS", "NOTE"].map(str::to_owned);
    let mut widths = [0; 4];
    for row in std::iter::once(&header).chain(&rows) {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (width, cell) in widths.iter().zip(row) {
            line.push_str(&format!("{cell:<width$}  "));
        }
        line.push_str(&row[4]);
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deliveries_line_up_in_columns() {
        let when = chrono::Utc::now();
        let deliveries = vec![
            WebhookDeliveryDto {
                received_at: when,
                format: Some("github".into()),
                event: Some("pull_request".into()),
                action: Some("opened".into()),
                delivery_id: Some("d1".into()),
                status: 200,
                note: None,
                message_id: Some(ajet_core::MessageId::new()),
            },
            WebhookDeliveryDto {
                received_at: when,
                format: None,
                event: None,
                action: None,
                delivery_id: None,
                status: 401,
                note: Some("the signature is missing".into()),
                message_id: None,
            },
        ];
        let table = deliveries_table(&deliveries);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("TIME"), "{table}");
        let status_column = lines[0].find("STATUS").unwrap();
        assert_eq!(&lines[1][status_column..status_column + 3], "200");
        assert_eq!(&lines[2][status_column..status_column + 3], "401");
        assert!(lines[1].contains("pull_request.opened"), "{table}");
        assert!(lines[2].ends_with("the signature is missing"), "{table}");
    }
}
