//! The delivery promise under fire: posters and live clients spread by the gateway over
//! two session managers while a session manager, NATS and the api are killed and restarted and a
//! client goes away for 30 s. In the end every client holds exactly the events the
//! database recorded for what it may see — none lost, none twice, in order — and no one
//! received an event of a channel they are not in.

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ajet_core::dto::{ChannelKind, CreateChannel, Visibility};
use ajet_core::{ChannelId, UserId, subjects};
use ajet_sdk::sse::StreamItem;
use anyhow::{Context, Result, bail};
use common::{Nats, Stack, StackOptions};
use futures::StreamExt;
use tokio::time::{Instant, sleep};

const POSTERS: usize = 10;
const CLIENTS: usize = 20;
const POSTING_FOR: Duration = Duration::from_secs(30);

/// What one client received: the stream positions, in order of arrival.
type Received = Arc<Mutex<Vec<u64>>>;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_client_ends_with_exactly_its_events_whatever_restarts() -> Result<()> {
    let mut nats = Nats::start().await?;
    let mut stack = Stack::start_with(StackOptions {
        nats_url: Some(nats.url()),
        second_tui_sm: true,
        env: vec![("AJET_PRESENCE_INTERVAL_SECS", "1".to_owned())],
    })
    .await?;
    let db = sqlx::PgPool::connect(&stack.database_url).await?;

    // Twenty people in #general; the first ten also in the private #ops.
    let mut tokens = Vec::new();
    let mut ids = Vec::new();
    for i in 0..CLIENTS {
        let token = stack.user(&format!("u{i:02}")).await?;
        ids.push(stack.sdk(&token)?.me().await?.user.id);
        tokens.push(token);
    }
    let owner = stack.sdk(&tokens[0])?;
    let community = owner.communities().await?[0].id;
    let general = owner
        .channels()
        .await?
        .into_iter()
        .find(|c| c.name.as_deref() == Some("general"))
        .context("no #general")?
        .id;
    let ops = owner
        .create_channel(
            community,
            &CreateChannel {
                name: "ops".into(),
                visibility: Visibility::Private,
                kind: ChannelKind::Text,
                topic: None,
            },
        )
        .await?
        .id;
    for id in &ids[1..POSTERS] {
        owner.add_channel_member(ops, *id).await?;
    }
    let start_seq = settled_head(&db).await?;

    // Clients, all through the gateway, which spreads them over the two tui-sm.
    let pause = Arc::new(tokio::sync::Notify::new());
    let mut received: Vec<Received> = Vec::new();
    let mut connected = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        let client = ajet_sdk::Client::new(&stack.gateway.url())?.with_token(token)?;
        let log: Received = Arc::default();
        received.push(log.clone());
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        connected.push(ready_rx);
        let pause = (i == 0).then(|| pause.clone());
        tokio::spawn(run_client(client, log, ready_tx, pause));
    }
    for ready in connected {
        tokio::time::timeout(Duration::from_secs(10), ready).await??;
    }
    let second = stack.tui_sm2.as_ref().context("no second tui-sm")?;
    let on_second = second.read_log().matches("stream opened").count();
    assert!(
        (CLIENTS / 4..=CLIENTS * 3 / 4).contains(&on_second),
        "the gateway sent {on_second} of {CLIENTS} streams to the second tui-sm"
    );

    // Posting, with the chaos alongside.
    let gateway = stack.gateway.url();
    let mut posters = Vec::new();
    for (i, token) in tokens.iter().take(POSTERS).enumerate() {
        let (gateway, token) = (gateway.clone(), token.clone());
        posters.push(tokio::spawn(post_for(gateway, token, i, general, ops)));
    }
    let began = Instant::now();
    let at = |secs: u64| {
        sleep((began + Duration::from_secs(secs)).saturating_duration_since(Instant::now()))
    };

    at(4).await;
    stack.tui_sm.kill().await;
    sleep(Duration::from_secs(2)).await;
    stack.tui_sm.restart().await?;

    at(10).await;
    nats.stop().await;
    sleep(Duration::from_secs(2)).await;
    nats.restart().await?;

    at(16).await;
    pause.notify_one();

    at(20).await;
    stack.api.kill().await;
    sleep(Duration::from_secs(2)).await;
    stack.api.restart().await?;

    let mut posted = 0;
    for poster in posters {
        posted += poster.await??;
    }
    assert!(posted >= POSTERS * 50, "only {posted} messages were posted");

    // Every post is committed; wait until every event is on the stream, then until every
    // client (the paused one back after its 30 s) has caught up.
    let expected = expected_events(&db, start_seq, &ids, general, ops).await?;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let behind: Vec<usize> = (0..CLIENTS)
            .filter(|i| {
                let got = received[*i].lock().map(|r| r.len()).unwrap_or(0);
                got < expected[*i].len()
            })
            .collect();
        if behind.is_empty() {
            break;
        }
        if Instant::now() > deadline {
            bail!("clients {behind:?} never caught up\n{}", stack.logs());
        }
        sleep(Duration::from_millis(200)).await;
    }
    sleep(Duration::from_millis(500)).await;

    for (i, log) in received.iter().enumerate() {
        let got = log.lock().map(|r| r.clone()).unwrap_or_default();
        let want = &expected[i];
        // Members of #ops see about twice what the others see; nobody sees little.
        assert!(
            want.len() > posted / 3,
            "client {i} expected only {} events",
            want.len()
        );
        let unique: HashSet<u64> = got.iter().copied().collect();
        assert_eq!(
            unique.len(),
            got.len(),
            "client {i} received an event twice"
        );
        assert!(
            got.windows(2).all(|w| w[0] < w[1]),
            "client {i} received events out of order"
        );
        let wanted: HashSet<u64> = want.iter().copied().collect();
        let leaked: Vec<u64> = got
            .iter()
            .filter(|s| !wanted.contains(s))
            .copied()
            .collect();
        assert!(
            leaked.is_empty(),
            "client {i} received events it may not see: {leaked:?}"
        );
        let lost: Vec<u64> = want
            .iter()
            .filter(|s| !unique.contains(s))
            .copied()
            .collect();
        assert!(
            lost.is_empty(),
            "client {i} lost {} events: {:?}",
            lost.len(),
            &lost[..lost.len().min(10)]
        );
    }
    Ok(())
}

/// Follows one client's stream, recording the position of every event. With `pause`,
/// drops the connection when told and reconnects 30 s later from the last position.
async fn run_client(
    client: ajet_sdk::Client,
    log: Received,
    ready: tokio::sync::oneshot::Sender<()>,
    pause: Option<Arc<tokio::sync::Notify>>,
) {
    let mut ready = Some(ready);
    let mut last = None;
    loop {
        let mut stream = client.stream("/tui/stream", last);
        let paused = async {
            match &pause {
                Some(p) => p.notified().await,
                None => std::future::pending().await,
            }
        };
        tokio::pin!(paused);
        loop {
            tokio::select! {
                () = &mut paused => break,
                item = stream.next() => match item {
                    Some(StreamItem::Event(event)) => {
                        if let Some(ready) = ready.take() {
                            let _ = ready.send(());
                        }
                        if let Some(id) = event.id {
                            last = Some(id);
                            if let Ok(mut log) = log.lock() {
                                log.push(id);
                            }
                        }
                    }
                    Some(StreamItem::Failed(_)) | None => return,
                    Some(_) => {}
                },
            }
        }
        drop(stream);
        sleep(Duration::from_secs(30)).await;
    }
}

/// Posts for [`POSTING_FOR`], alternating #general and (for members) #ops, retrying each
/// post with its idempotency key until it is stored; how many were stored.
async fn post_for(
    gateway: String,
    token: String,
    poster: usize,
    general: ChannelId,
    ops: ChannelId,
) -> Result<usize> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()?;
    let until = Instant::now() + POSTING_FOR;
    let mut count = 0;
    while Instant::now() < until {
        let channel = if count % 2 == 0 { general } else { ops };
        let mention = if count % 10 == 0 { " @u15" } else { "" };
        let body = serde_json::json!({
            "body": format!("p{poster} m{count}{mention}"),
            "idempotency_key": format!("p{poster}-{count}"),
        });
        let url = format!("{gateway}/api/channels/{channel}/messages");
        loop {
            match http.post(&url).bearer_auth(&token).json(&body).send().await {
                Ok(r) if r.status().is_success() => break,
                Ok(r) if r.status().is_client_error() => {
                    bail!(
                        "post refused: {} {}",
                        r.status(),
                        r.text().await.unwrap_or_default()
                    )
                }
                _ => sleep(Duration::from_millis(200)).await,
            }
        }
        count += 1;
        sleep(Duration::from_millis(100)).await;
    }
    Ok(count)
}

/// The stream position once every recorded event is published.
async fn settled_head(db: &sqlx::PgPool) -> Result<u64> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let pending: i64 =
            sqlx::query_scalar("SELECT count(*) FROM outbox WHERE published_at IS NULL")
                .fetch_one(db)
                .await?;
        if pending == 0 {
            break;
        }
        if Instant::now() > deadline {
            bail!("{pending} events were never published");
        }
        sleep(Duration::from_millis(100)).await;
    }
    let head: Option<i64> = sqlx::query_scalar("SELECT max(stream_seq) FROM outbox")
        .fetch_one(db)
        .await?;
    Ok(u64::try_from(head.unwrap_or(0))?)
}

/// For each client, the positions of the events after `start` it may see, from the
/// database: its channels' events, its communities' events and its notifications.
async fn expected_events(
    db: &sqlx::PgPool,
    start: u64,
    users: &[UserId],
    general: ChannelId,
    ops: ChannelId,
) -> Result<Vec<Vec<u64>>> {
    settled_head(db).await?;
    let rows: Vec<(i64, String, Option<String>)> = sqlx::query_as(
        "SELECT stream_seq, subject, payload->>'channel_id' FROM outbox
         WHERE stream_seq > $1 ORDER BY stream_seq",
    )
    .bind(i64::try_from(start)?)
    .fetch_all(db)
    .await?;
    let channels_of = |i: usize| -> HashSet<String> {
        let mut set = HashSet::from([general.to_string()]);
        if i < POSTERS {
            set.insert(ops.to_string());
        }
        set
    };
    let mut expected: HashMap<usize, Vec<u64>> = HashMap::new();
    for (i, user) in users.iter().enumerate() {
        let mine = channels_of(i);
        let notifications = subjects::notifications(*user);
        let list = expected.entry(i).or_default();
        for (seq, subject, channel) in &rows {
            let visible = if subject.starts_with("chat.notifications.") {
                *subject == notifications
            } else {
                channel.as_ref().is_none_or(|c| mine.contains(c))
            };
            if visible {
                list.push(u64::try_from(*seq)?);
            }
        }
    }
    Ok((0..users.len())
        .map(|i| expected.remove(&i).unwrap_or_default())
        .collect())
}
