//! Where to connect and as whom: flags, then environment, then the config file.

use std::path::PathBuf;

use anyhow::{Context, bail};
use serde::Deserialize;

/// The user's saved settings, `~/.config/ajet-chat/config.toml`.
#[derive(Debug, Default, Deserialize)]
pub struct FileSettings {
    pub server: Option<String>,
    pub token: Option<String>,
}

/// Where the config file lives.
pub fn config_path() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("ajet-chat").join("config.toml"))
}

/// The saved settings, or nothing when there is no file yet.
pub fn load() -> anyhow::Result<FileSettings> {
    let Some(path) = config_path() else {
        return Ok(FileSettings::default());
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            toml::from_str(&text).with_context(|| format!("{} is not valid", path.display()))
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(FileSettings::default()),
        Err(err) => Err(err).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// A client for the chosen server, with the chosen token.
pub fn client(server: Option<String>, token: Option<String>) -> anyhow::Result<ajet_sdk::Client> {
    let saved = load()?;
    let Some(server) = server.or(saved.server) else {
        bail!("which server? Pass --server URL or set AJET_SERVER (e.g. http://localhost:8080)");
    };
    let Some(token) = token.or(saved.token) else {
        bail!("not signed in: run `ajet-chat login --server URL`, pass --token or set AJET_TOKEN");
    };
    Ok(ajet_sdk::Client::new(&server)?.with_token(&token)?)
}
