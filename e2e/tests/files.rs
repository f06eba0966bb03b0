//! End-to-end: files through the gateway to the api's local store, from the cli and the
//! sdk, and the memory a large transfer costs.

mod common;

use anyhow::{Context, Result};
use common::Stack;
use futures::StreamExt;
use serde_json::Value;

#[tokio::test]
async fn the_cli_sends_reads_and_downloads_files_through_the_gateway() -> Result<()> {
    let stack = Stack::start().await?;
    let alice = stack.user("alice").await?;
    let bob = stack.user("bob").await?;
    let log = stack.dir.join("build.log");
    let text = "step 1 ok\nstep 2 failed: exit 1\n";
    std::fs::write(&log, text)?;
    let notes = stack.dir.join("notes.md");
    std::fs::write(&notes, "# notes\n")?;
    let log_path = log.display().to_string();
    let notes_path = notes.display().to_string();

    let (ok, out, err) = stack
        .chat(
            &alice,
            &[
                "--json",
                "send",
                "#general",
                "nightly",
                "build",
                "--file",
                &log_path,
                "-f",
                &notes_path,
            ],
        )
        .await?;
    assert!(ok, "{err}\n{}", stack.logs());
    let sent: Value = serde_json::from_str(&out)?;
    assert_eq!(sent["body"], "nightly build");
    let files = sent["attachments"].as_array().context("no attachments")?;
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["name"], "build.log");
    assert_eq!(files[0]["size"], text.len());
    let id = files[0]["id"].as_str().context("no id")?.to_owned();

    // A file alone, no text.
    let (ok, _, err) = stack
        .chat(&alice, &["send", "#general", "--file", &notes_path])
        .await?;
    assert!(ok, "{err}");

    // Bob reads the files' names and sizes, and downloads one into a directory.
    let (ok, out, err) = stack.chat(&bob, &["read", "#general", "-n", "5"]).await?;
    assert!(ok, "{err}");
    assert!(out.contains("alice: nightly build"), "{out}");
    let listed = format!("📎 build.log ({} B, text/plain)", text.len());
    assert!(out.contains(&listed), "{out}");
    assert!(out.contains(&format!("id {id}")), "{out}");
    let downloads = stack.dir.join("downloads");
    std::fs::create_dir_all(&downloads)?;
    let (ok, out, err) = stack
        .chat(
            &bob,
            &["download", &id, "-o", &downloads.display().to_string()],
        )
        .await?;
    assert!(ok, "{err}");
    assert!(out.contains("build.log"), "{out}");
    assert_eq!(std::fs::read_to_string(downloads.join("build.log"))?, text);

    // The gateway passes the file's own headers through.
    let response = reqwest::Client::new()
        .get(format!("{}/api/attachments/{id}", stack.gateway.url()))
        .bearer_auth(&bob)
        .header("range", "bytes=0-5")
        .send()
        .await?;
    assert_eq!(response.status(), 206);
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    let csp = response.headers()["content-security-policy"].to_str()?;
    assert!(csp.starts_with("sandbox"), "{csp}");
    assert_eq!(response.text().await?, &text[..6]);

    // Bad input: a file that cannot be read, an id that is not one, a missing file.
    let (ok, _, err) = stack
        .chat(
            &alice,
            &["send", "#general", "x", "--file", "/nonexistent/f"],
        )
        .await?;
    assert!(!ok);
    assert!(err.contains("/nonexistent/f"), "{err}");
    let (ok, _, err) = stack.chat(&bob, &["download", "nope"]).await?;
    assert!(!ok);
    assert!(err.contains("not a file id"), "{err}");
    let (ok, _, err) = stack
        .chat(&bob, &["download", &uuid::Uuid::now_v7().to_string()])
        .await?;
    assert!(!ok);
    assert!(err.contains("no such file"), "{err}");
    Ok(())
}

/// One GiB up through the gateway and back, streamed: the api's and the gateway's memory
/// barely move (a coarse guard; `script/bench --only files` measures it).
#[tokio::test]
async fn a_gibibyte_streams_through_without_the_memory_growing() -> Result<()> {
    const SIZE: u64 = 1024 * 1024 * 1024;
    const CHUNK: usize = 1024 * 1024;
    let stack = Stack::start_with(common::StackOptions {
        env: vec![("AJET_MAX_UPLOAD_MB", "2048".to_owned())],
        ..Default::default()
    })
    .await?;
    let alice = stack.user("alice").await?;
    let sdk = stack.sdk(&alice)?;
    let general = sdk
        .channels()
        .await?
        .into_iter()
        .find(|c| c.name.as_deref() == Some("general"))
        .context("no #general")?;
    let before = (stack.api.rss_kib()?, stack.gateway.rss_kib()?);

    let chunk: Vec<u8> = (0..CHUNK).map(|i| (i % 251) as u8).collect();
    let chunks = (0..SIZE / CHUNK as u64).map(move |_| Ok::<_, std::io::Error>(chunk.clone()));
    let part = reqwest::multipart::Part::stream_with_length(
        reqwest::Body::wrap_stream(futures::stream::iter(chunks)),
        SIZE,
    )
    .file_name("big.bin");
    let response = reqwest::Client::new()
        .post(format!(
            "{}/api/channels/{}/attachments",
            stack.gateway.url(),
            general.id
        ))
        .bearer_auth(&alice)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await?;
    assert_eq!(response.status(), 201, "{}", stack.logs());
    let uploaded: Value = response.json().await?;
    let id = uploaded["attachments"][0]["id"]
        .as_str()
        .context("no id")?
        .to_owned();
    assert_eq!(uploaded["attachments"][0]["size"], SIZE);
    let after_upload = (stack.api.rss_kib()?, stack.gateway.rss_kib()?);

    let response = reqwest::Client::new()
        .get(format!("{}/api/attachments/{id}", stack.gateway.url()))
        .bearer_auth(&alice)
        .send()
        .await?;
    assert_eq!(response.status(), 200);
    let mut body = response.bytes_stream();
    let mut received = 0u64;
    let mut mismatch = None;
    while let Some(bytes) = body.next().await {
        let bytes = bytes?;
        for (i, b) in bytes.iter().enumerate() {
            let at = received + i as u64;
            if *b != ((at % CHUNK as u64) % 251) as u8 && mismatch.is_none() {
                mismatch = Some(at);
            }
        }
        received += bytes.len() as u64;
    }
    assert_eq!(received, SIZE);
    assert_eq!(mismatch, None, "the copy differs at this byte");
    let after_download = (stack.api.rss_kib()?, stack.gateway.rss_kib()?);

    let limit = 32 * 1024;
    for (name, before, after) in [
        ("api, upload", before.0, after_upload.0),
        ("gateway, upload", before.1, after_upload.1),
        ("api, download", before.0, after_download.0),
        ("gateway, download", before.1, after_download.1),
    ] {
        let grown = after.saturating_sub(before);
        println!("{name}: {before} KiB -> {after} KiB");
        assert!(grown < limit, "{name}: RSS grew by {grown} KiB");
    }
    Ok(())
}

/// Files under `dir`, recursively, as paths relative to it.
fn files_under(dir: &std::path::Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut dirs = vec![dir.to_owned()];
    while let Some(d) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if let Ok(rel) = path.strip_prefix(dir) {
                found.push(rel.display().to_string());
            }
        }
    }
    found.sort();
    found
}

/// The api killed in the middle of an upload: nothing of it can be reached, and what it
/// left (a row without a stored file; a partial file, or an unfinished S3 multipart
/// upload) is swept once it is a day old. On both stores.
#[tokio::test]
async fn an_upload_cut_by_a_killed_api_leaves_nothing_reachable() -> Result<()> {
    cut_upload(common::StackOptions::default(), true).await
}

#[tokio::test]
async fn an_upload_to_s3_cut_by_a_killed_api_leaves_nothing_reachable() -> Result<()> {
    let endpoint = std::env::var("AJET_TEST_S3_ENDPOINT").context(
        "the S3 store's tests need an S3-compatible server: run them through script/test, \
         or start one (moto_server -p 5000) and set AJET_TEST_S3_ENDPOINT",
    )?;
    let bucket = format!(
        "ajet-e2e-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    let options = common::StackOptions {
        env: vec![
            ("AJET_FILES", "s3".to_owned()),
            ("AJET_S3_ENDPOINT", endpoint),
            ("AJET_S3_BUCKET", bucket),
            ("AJET_S3_ACCESS_KEY", "test".to_owned()),
            ("AJET_S3_SECRET_KEY", "test".to_owned()),
        ],
        ..Default::default()
    };
    cut_upload(options, false).await
}

async fn cut_upload(options: common::StackOptions, local: bool) -> Result<()> {
    let mut stack = Stack::start_with(options).await?;
    let alice = stack.user("alice").await?;
    let sdk = stack.sdk(&alice)?;
    let general = sdk
        .channels()
        .await?
        .into_iter()
        .find(|c| c.name.as_deref() == Some("general"))
        .context("no #general")?;
    let files_dir = stack.dir.join("files");

    // 20 MiB, slowly: a MiB every 100 ms.
    let chunks = futures::stream::iter(0..20).then(|_| async {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        Ok::<_, std::io::Error>(vec![7u8; 1024 * 1024])
    });
    let part = reqwest::multipart::Part::stream_with_length(
        reqwest::Body::wrap_stream(chunks),
        20 * 1024 * 1024,
    )
    .file_name("half.bin");
    let url = format!(
        "{}/api/channels/{}/attachments",
        stack.gateway.url(),
        general.id
    );
    let token = alice.clone();
    let upload = tokio::spawn(async move {
        reqwest::Client::new()
            .post(url)
            .bearer_auth(token)
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await
    });
    // Wait until the upload is recorded and its first 8 MiB part is stored, then kill the
    // api.
    let mut db = <sqlx::PgConnection as sqlx::Connection>::connect(&stack.database_url).await?;
    for _ in 0..100 {
        let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM attachments")
            .fetch_one(&mut db)
            .await?;
        if rows > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    stack.api.kill().await;
    let partial = files_dir.join(".partial");
    let answer = upload.await?;
    assert!(
        answer.as_ref().map_or(true, |r| !r.status().is_success()),
        "the cut upload was answered as a success"
    );

    // What is left: one row nobody can post or download, and a partial file.
    let (id, stored): (uuid::Uuid, Option<chrono::DateTime<chrono::Utc>>) =
        sqlx::query_as("SELECT id, stored_at FROM attachments")
            .fetch_one(&mut db)
            .await?;
    assert_eq!(stored, None);
    let left = files_under(&files_dir);
    assert!(
        left.iter().all(|f| f.starts_with(".partial/")),
        "a finished object was left: {left:?}"
    );
    assert_eq!(!left.is_empty(), local, "the partial file: {left:?}");
    stack.api.restart().await?;
    let response = reqwest::Client::new()
        .get(format!("{}/api/attachments/{id}", stack.gateway.url()))
        .bearer_auth(&alice)
        .send()
        .await?;
    assert_eq!(response.status(), 404);
    let posted = reqwest::Client::new()
        .post(format!(
            "{}/api/channels/{}/messages",
            stack.gateway.url(),
            general.id
        ))
        .bearer_auth(&alice)
        .json(&serde_json::json!({ "body": "", "attachments": [id] }))
        .send()
        .await?;
    assert_eq!(posted.status(), 422);

    // A day later, the api's sweeper (which runs as it starts) removes both.
    sqlx::query("UPDATE attachments SET created_at = now() - interval '25 hours'")
        .execute(&mut db)
        .await?;
    for file in files_under(&partial) {
        let status = tokio::process::Command::new("touch")
            .args(["-d", "2 days ago"])
            .arg(partial.join(file))
            .status()
            .await?;
        assert!(status.success());
    }
    stack.api.restart().await?;
    let mut rows = 1;
    for _ in 0..100 {
        rows = sqlx::query_scalar::<_, i64>("SELECT count(*) FROM attachments")
            .fetch_one(&mut db)
            .await?;
        if rows == 0 && files_under(&files_dir).is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(rows, 0);
    assert!(
        files_under(&files_dir).is_empty(),
        "{:?}",
        files_under(&files_dir)
    );
    Ok(())
}
