//! Where to connect and as whom: flags, then environment, then the config file (its
//! top-level settings, or those of a `[profiles.NAME]` table with `--profile NAME`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, bail};
use serde::Deserialize;

/// The user's saved settings, `~/.config/ajet-chat/config.toml`:
///
/// ```toml
/// server = "https://chat.example.org"
/// token = "…"                 # saved by `ajet-chat login`
///
/// [keys]                      # the tui's normal-mode keys
/// "ctrl-f" = "search"
///
/// [profiles.work]             # ajet-chat --profile work …
/// server = "https://chat.work.example"
/// token = "…"
/// ```
#[derive(Debug, Default, Deserialize)]
pub struct FileSettings {
    pub server: Option<String>,
    pub token: Option<String>,
    #[serde(default)]
    pub keys: BTreeMap<String, String>,
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

/// One `[profiles.NAME]` table.
#[derive(Debug, Default, Deserialize)]
pub struct Profile {
    pub server: Option<String>,
    pub token: Option<String>,
    /// Keys of this profile, over the top-level `[keys]`.
    #[serde(default)]
    pub keys: BTreeMap<String, String>,
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

/// The settings in force: the profile's when one is named, else the top level's.
pub struct Resolved {
    pub server: Option<String>,
    pub token: Option<String>,
    pub keys: BTreeMap<String, String>,
}

pub fn resolve(profile: Option<&str>) -> anyhow::Result<Resolved> {
    let mut saved = load()?;
    match profile {
        Some(name) => {
            let Some(p) = saved.profiles.remove(name) else {
                bail!(
                    "there is no profile {name:?} in the config file: sign in with `ajet-chat --profile {name} login --server URL`"
                );
            };
            let mut keys = saved.keys;
            keys.extend(p.keys);
            Ok(Resolved {
                server: p.server,
                token: p.token,
                keys,
            })
        }
        None => Ok(Resolved {
            server: saved.server,
            token: saved.token,
            keys: saved.keys,
        }),
    }
}

/// A client for the chosen server, with the chosen token.
pub fn client(
    server: Option<String>,
    token: Option<String>,
    profile: Option<&str>,
) -> anyhow::Result<ajet_sdk::Client> {
    let saved = resolve(profile)?;
    let Some(server) = server.or(saved.server) else {
        bail!("which server? Pass --server URL or set AJET_SERVER (e.g. http://localhost:8080)");
    };
    let Some(token) = token.or(saved.token) else {
        bail!("not signed in: run `ajet-chat login --server URL`, pass --token or set AJET_TOKEN");
    };
    Ok(ajet_sdk::Client::new(&server)?.with_token(&token)?)
}
