//! (i) The web client's page: the time web-sm takes to answer a channel page of 50
//! messages (asked directly, so the gateway is not in the figure; the api call for the
//! history is; not compressed), and what a first load of that page transfers through the
//! gateway besides Datastar's script, gzipped as browsers ask: the HTML and every
//! stylesheet, script and icon of our own that it links.

use std::time::Instant;

use hyper::StatusCode;

use crate::http::Conn;
use crate::setup::Population;
use crate::stack::Stack;
use crate::stats::Latencies;

/// Messages on the page, as the issue sizes it.
const PAGE_MESSAGES: usize = 50;

pub struct Outcome {
    pub render: Latencies,
    /// Bytes of the first load besides the Datastar script.
    pub first_load_bytes: u64,
}

/// Where a page links its own assets: `href="/static/…"` and `src="/static/…"`.
fn assets(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attr in ["href=\"", "src=\""] {
        let mut rest = html;
        while let Some(at) = rest.find(attr) {
            rest = &rest[at + attr.len()..];
            let Some(end) = rest.find('"') else { break };
            let url = rest[..end].replace("&#x2f;", "/");
            if url.starts_with("/static/") || url.starts_with("/auth/static/") {
                found.push(url);
            }
            rest = &rest[end..];
        }
    }
    found.sort();
    found.dedup();
    found
}

pub async fn run(stack: &Stack, people: &Population, pages: usize) -> anyhow::Result<Outcome> {
    let token = &people.tokens[0];
    let base = format!("http://{}", stack.gateway.addr);
    let client = ajet_sdk::Client::new(&base)?.with_token(token)?;
    let channel = people.channel("render", &people.users[..1]).await?;
    for i in 0..PAGE_MESSAGES {
        client
            .send_message(
                channel,
                &format!("message **{i}** with `code`, a [link](https://example.com) and :tada:"),
            )
            .await?;
    }
    let slug = client
        .me()
        .await?
        .communities
        .first()
        .map(|c| c.slug.clone())
        .ok_or_else(|| anyhow::anyhow!("the benchmark's user is in no community"))?;
    let path = format!("/c/{slug}/render");

    let mut conn = Conn::open(stack.web_sm.addr).await?;
    let (status, page) = conn.get(&path, Some(token)).await?;
    anyhow::ensure!(status == StatusCode::OK, "GET {path} answered {status}");
    let html = String::from_utf8_lossy(&page).into_owned();
    // What a browser transfers: gzipped, as every browser asks.
    let gzip = [("accept-encoding", "gzip")];
    let mut gateway = Conn::open(stack.gateway.addr).await?;
    let (status, page) = gateway
        .send_with(hyper::Method::GET, &path, Some(token), None, &gzip)
        .await?;
    anyhow::ensure!(status == StatusCode::OK, "GET {path} answered {status}");
    anyhow::ensure!(
        html.matches("class=\"msg").count() >= PAGE_MESSAGES,
        "the page does not hold {PAGE_MESSAGES} messages"
    );
    let mut first_load = page.len() as u64;
    for asset in assets(&html) {
        if asset.contains("datastar") {
            continue;
        }
        let (status, body) = gateway
            .send_with(hyper::Method::GET, &asset, None, None, &gzip)
            .await?;
        anyhow::ensure!(status == StatusCode::OK, "GET {asset} answered {status}");
        first_load += body.len() as u64;
    }

    let mut render = Latencies::new()?;
    for _ in 0..pages {
        let start = Instant::now();
        let (status, _) = conn.get(&path, Some(token)).await?;
        anyhow::ensure!(status == StatusCode::OK, "GET {path} answered {status}");
        render.record(start.elapsed());
    }
    Ok(Outcome {
        render,
        first_load_bytes: first_load,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_own_assets_are_found() {
        let html = r#"<link rel="stylesheet" href="/static/app.css"><script src="&#x2f;static&#x2f;live.js"></script>
            <a href="/c/x">x</a><img src="https://example.com/a.png"><script src="/static/datastar.js"></script>"#;
        assert_eq!(
            assets(html),
            ["/static/app.css", "/static/datastar.js", "/static/live.js"]
        );
    }
}
