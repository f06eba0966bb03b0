//! Signing in and out: `login` (browser, `--password` or `--token`), `logout`, `whoami`.
//!
//! The browser login works as `gh auth login` does: the cli listens on a loopback port,
//! opens the gateway's `/auth/cli` page, and receives the new session token on a one-time
//! callback carrying the random state it chose. Credentials are saved in the config file,
//! written with mode 0600.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::args::IdentityCommand;
use crate::settings;

/// How long the browser login waits for the callback.
const BROWSER_WAIT: Duration = Duration::from_secs(300);

/// Runs a sign-in command.
pub async fn run(
    command: IdentityCommand,
    server: Option<String>,
    token: Option<String>,
    json: bool,
    profile: Option<&str>,
) -> anyhow::Result<()> {
    match command {
        IdentityCommand::Login { password, username } => {
            let saved_server = match profile {
                Some(_) => settings::resolve(profile).ok().and_then(|r| r.server),
                None => settings::load()?.server,
            };
            let server = match server.or(saved_server) {
                Some(server) => server,
                None => bail!("which server? Pass --server URL (e.g. http://localhost:8080)"),
            };
            let server = server.trim_end_matches('/').to_owned();
            let token = match (token, password) {
                (Some(token), _) => token,
                (None, true) => password_login(&server, username).await?,
                (None, false) => browser_login(&server).await?,
            };
            let me = ajet_sdk::Client::new(&server)?
                .with_token(&token)?
                .me()
                .await?;
            let path = save(&server, Some(&token), profile)?;
            if json {
                crate::output::json(&me)?;
            } else {
                println!(
                    "signed in to {server} as {} (saved in {})",
                    me.user.username,
                    path.display()
                );
            }
        }
        IdentityCommand::Logout => {
            let client = settings::client(server.clone(), token, profile)?;
            match client.logout().await {
                Ok(()) => {}
                // A token that no longer works is as signed out as it gets.
                Err(ajet_sdk::Error::Api { status: 401, .. }) => {}
                Err(err) => return Err(err.into()),
            }
            let saved = settings::resolve(profile)?;
            if saved.token.is_some() {
                save(saved.server.as_deref().unwrap_or_default(), None, profile)?;
            }
            if json {
                crate::output::json(&serde_json::json!({ "signed_out": true }))?;
            } else {
                println!("signed out");
            }
        }
        IdentityCommand::Whoami => {
            let client = settings::client(server, token, profile)?;
            let me = client.me().await?;
            if json {
                crate::output::json(&me)?;
            } else {
                let communities: Vec<&str> =
                    me.communities.iter().map(|c| c.slug.as_str()).collect();
                println!(
                    "{} on {} ({})",
                    me.user.username,
                    client.base(),
                    communities.join(", ")
                );
            }
        }
    }
    Ok(())
}

/// Prompts for the username (unless given) and the password; signs in with them.
async fn password_login(server: &str, username: Option<String>) -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    let interactive = stdin.is_terminal();
    let username = match username {
        Some(name) => name,
        None => {
            if interactive {
                eprint!("username: ");
                std::io::stderr().flush()?;
            }
            read_line(&mut stdin.lock())?
        }
    };
    let password = if interactive {
        rpassword::prompt_password("password: ")?
    } else {
        // Piped in (scripts, tests): the next line of standard input.
        read_line(&mut stdin.lock())?
    };
    let session = ajet_sdk::Client::new(server)?
        .login_with_password(username.trim(), &password)
        .await?;
    Ok(session.token)
}

fn read_line(input: &mut impl BufRead) -> anyhow::Result<String> {
    let mut line = String::new();
    input.read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// Opens the browser at the gateway and waits for the session on a loopback callback.
async fn browser_login(server: &str) -> anyhow::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .context("cannot listen on a loopback port for the browser's callback")?;
    let port = listener.local_addr()?.port();
    let state = uuid::Uuid::new_v4().simple().to_string();
    let url = format!("{server}/auth/cli?port={port}&state={state}");
    eprintln!("Opening {url}\nIf no browser opens, visit that address to sign in.");
    open_browser(&url);
    tokio::time::timeout(BROWSER_WAIT, accept_callback(&listener, &state))
        .await
        .context("no sign-in arrived from the browser within 5 minutes")?
}

/// Serves callbacks until one carries `state`; its token.
async fn accept_callback(
    listener: &tokio::net::TcpListener,
    state: &str,
) -> anyhow::Result<String> {
    loop {
        let (mut stream, _) = listener.accept().await?;
        let mut buffer = vec![0u8; 8192];
        let n = stream.read(&mut buffer).await?;
        let request = String::from_utf8_lossy(&buffer[..n]);
        let target = request
            .lines()
            .next()
            .and_then(|line| line.split_whitespace().nth(1))
            .unwrap_or_default();
        let query = target
            .strip_prefix("/callback?")
            .map(parse_query)
            .unwrap_or_default();
        let get = |name: &str| {
            query
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        let token = match (get("state"), get("token")) {
            (Some(s), Some(token)) if s == state && !token.is_empty() => Some(token),
            _ => None,
        };
        let (status, body) = if token.is_some() {
            (
                "200 OK",
                "Signed in: you can close this tab and go back to the terminal.",
            )
        } else {
            (
                "400 Bad Request",
                "This is not the sign-in this terminal is waiting for.",
            )
        };
        let page = format!(
            "HTTP/1.1 {status}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = stream.write_all(page.as_bytes()).await;
        let _ = stream.shutdown().await;
        if let Some(token) = token {
            return Ok(token);
        }
    }
}

/// `a=1&b=2` into pairs, percent-decoded.
fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (percent_decode(k), percent_decode(v)))
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
                continue;
            }
            (b'+', _, _) => out.push(b' '),
            (b, _, _) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Opens `url` with `$BROWSER`, else the platform's opener; failing quietly (the address is
/// printed anyway).
fn open_browser(url: &str) {
    let command = std::env::var("BROWSER").ok().filter(|b| !b.is_empty());
    let (program, args): (String, Vec<&str>) = match command {
        Some(browser) => (browser, vec![url]),
        None if cfg!(target_os = "macos") => ("open".into(), vec![url]),
        None if cfg!(windows) => ("cmd".into(), vec!["/C", "start", "", url]),
        None => ("xdg-open".into(), vec![url]),
    };
    let _ = std::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}

/// Saves the server and token (or removes the token) in the config file — at its top
/// level, or in `[profiles.NAME]` — keeping its other settings; the file is readable by
/// its owner only.
fn save(
    server: &str,
    token: Option<&str>,
    profile: Option<&str>,
) -> anyhow::Result<std::path::PathBuf> {
    let path = settings::config_path().context("cannot find the config directory")?;
    let mut table: toml::Table = match std::fs::read_to_string(&path) {
        Ok(text) => {
            toml::from_str(&text).with_context(|| format!("{} is not valid", path.display()))?
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => toml::Table::new(),
        Err(err) => return Err(err).with_context(|| format!("cannot read {}", path.display())),
    };
    set_login(&mut table, server, token, profile);
    write_private(&path, &toml::to_string(&table)?)?;
    Ok(path)
}

/// Puts the server and token into `table` (or the profile's table inside it).
fn set_login(table: &mut toml::Table, server: &str, token: Option<&str>, profile: Option<&str>) {
    let target = match profile {
        None => table,
        Some(name) => {
            let profiles = table
                .entry("profiles")
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if !profiles.is_table() {
                *profiles = toml::Value::Table(toml::Table::new());
            }
            let Some(profiles) = profiles.as_table_mut() else {
                return;
            };
            let entry = profiles
                .entry(name)
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if !entry.is_table() {
                *entry = toml::Value::Table(toml::Table::new());
            }
            match entry.as_table_mut() {
                Some(t) => t,
                None => return,
            }
        }
    };
    if !server.is_empty() {
        target.insert("server".into(), toml::Value::String(server.to_owned()));
    }
    match token {
        Some(token) => target.insert("token".into(), toml::Value::String(token.to_owned())),
        None => target.remove("token"),
    };
}

/// Writes `text` to `path` with mode 0600 (on Unix), creating its directory.
fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        // An older file keeps its mode on open: tighten it first.
        if path.exists() {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.write_all(text.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callbacks_are_parsed_and_decoded() {
        let q = parse_query("state=abc&token=a%2Db_c&x=1+2");
        assert_eq!(q[0], ("state".into(), "abc".into()));
        assert_eq!(q[1], ("token".into(), "a-b_c".into()));
        assert_eq!(q[2], ("x".into(), "1 2".into()));
        assert_eq!(percent_decode("100%"), "100%");
    }

    #[test]
    fn profiles_keep_their_own_login() {
        let mut t: toml::Table =
            toml::from_str("server = 'http://a'\n[keys]\nx = 'quit'\n").unwrap();
        set_login(&mut t, "http://w", Some("tok"), Some("work"));
        assert_eq!(t["server"].as_str(), Some("http://a"));
        assert_eq!(t["profiles"]["work"]["token"].as_str(), Some("tok"));
        set_login(&mut t, "", None, Some("work"));
        assert!(t["profiles"]["work"].get("token").is_none());
        assert_eq!(t["keys"]["x"].as_str(), Some("quit"));
    }

    #[cfg(unix)]
    #[test]
    fn the_config_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("ajet-cli-{}", uuid::Uuid::new_v4()));
        let path = dir.join("config.toml");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(&path, "theme = 'dark'\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_private(&path, "token = 'x'\n").unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
