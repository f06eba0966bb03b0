//! Key bindings of normal mode: what each key does, the defaults (vim-style, with arrows
//! and Ctrl+N/P for everyone else), and the `[keys]` table of the config file that changes
//! them (`"ctrl-k" = "switcher"`, `"g g" = "top"`).

use std::collections::BTreeMap;
use std::fmt;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// One key with its modifiers, as written in the config file (`ctrl-k`, `G`, `alt-enter`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Chord {
    pub code: KeyCodeOrd,
    pub ctrl: bool,
    pub alt: bool,
}

/// The keys a binding can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyCodeOrd {
    Char(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    Delete,
    Backspace,
    F(u8),
}

impl Chord {
    /// The chord of a key event (shift folds into the character: `G`, not `shift-g`).
    pub fn of(key: &KeyEvent) -> Option<Self> {
        let code = match key.code {
            KeyCode::Char(c) => KeyCodeOrd::Char(c),
            KeyCode::Enter => KeyCodeOrd::Enter,
            KeyCode::Esc => KeyCodeOrd::Esc,
            KeyCode::Tab => KeyCodeOrd::Tab,
            KeyCode::BackTab => KeyCodeOrd::BackTab,
            KeyCode::Up => KeyCodeOrd::Up,
            KeyCode::Down => KeyCodeOrd::Down,
            KeyCode::Left => KeyCodeOrd::Left,
            KeyCode::Right => KeyCodeOrd::Right,
            KeyCode::PageUp => KeyCodeOrd::PageUp,
            KeyCode::PageDown => KeyCodeOrd::PageDown,
            KeyCode::Home => KeyCodeOrd::Home,
            KeyCode::End => KeyCodeOrd::End,
            KeyCode::Delete => KeyCodeOrd::Delete,
            KeyCode::Backspace => KeyCodeOrd::Backspace,
            KeyCode::F(n) => KeyCodeOrd::F(n),
            _ => return None,
        };
        Some(Self {
            code,
            ctrl: key.modifiers.contains(KeyModifiers::CONTROL),
            alt: key.modifiers.contains(KeyModifiers::ALT),
        })
    }

    /// Reads `ctrl-k`, `alt-enter`, `G`, `pageup`, `f1`, `space`.
    pub fn parse(s: &str) -> Option<Self> {
        let mut ctrl = false;
        let mut alt = false;
        let mut rest = s;
        loop {
            if let Some(r) = rest
                .strip_prefix("ctrl-")
                .or_else(|| rest.strip_prefix("c-"))
            {
                ctrl = true;
                rest = r;
            } else if let Some(r) = rest
                .strip_prefix("alt-")
                .or_else(|| rest.strip_prefix("a-"))
            {
                alt = true;
                rest = r;
            } else {
                break;
            }
        }
        let code = match rest.to_ascii_lowercase().as_str() {
            "enter" | "return" => KeyCodeOrd::Enter,
            "esc" | "escape" => KeyCodeOrd::Esc,
            "tab" => KeyCodeOrd::Tab,
            "backtab" => KeyCodeOrd::BackTab,
            "up" => KeyCodeOrd::Up,
            "down" => KeyCodeOrd::Down,
            "left" => KeyCodeOrd::Left,
            "right" => KeyCodeOrd::Right,
            "pageup" => KeyCodeOrd::PageUp,
            "pagedown" => KeyCodeOrd::PageDown,
            "home" => KeyCodeOrd::Home,
            "end" => KeyCodeOrd::End,
            "delete" | "del" => KeyCodeOrd::Delete,
            "backspace" => KeyCodeOrd::Backspace,
            "space" => KeyCodeOrd::Char(' '),
            f if f.len() > 1 && f.starts_with('f') => KeyCodeOrd::F(f[1..].parse().ok()?),
            _ => {
                let mut chars = rest.chars();
                let c = chars.next()?;
                if chars.next().is_some() {
                    return None;
                }
                KeyCodeOrd::Char(if ctrl { c.to_ascii_lowercase() } else { c })
            }
        };
        Some(Self { code, ctrl, alt })
    }
}

impl fmt::Display for Chord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("Ctrl+")?;
        }
        if self.alt {
            f.write_str("Alt+")?;
        }
        match self.code {
            KeyCodeOrd::Char(' ') => f.write_str("Space"),
            KeyCodeOrd::Char(c) if self.ctrl => write!(f, "{}", c.to_ascii_uppercase()),
            KeyCodeOrd::Char(c) => write!(f, "{c}"),
            KeyCodeOrd::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// What a key does in normal mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Command {
    Down,
    Up,
    Top,
    Bottom,
    PageUp,
    PageDown,
    Insert,
    Reply,
    Edit,
    Delete,
    React,
    CopyLink,
    OpenFiles,
    Search,
    NextUnread,
    Switcher,
    Close,
    Quit,
    Help,
    NextChannel,
    PrevChannel,
    ToggleSidebar,
    Notifications,
    OpenThread,
    FocusSidebar,
    FocusMessages,
    Reload,
}

impl Command {
    /// Every command with its config name and what it does, in the order of the help.
    pub const ALL: [(Command, &'static str, &'static str); 27] = [
        (Command::Down, "down", "next message"),
        (Command::Up, "up", "previous message"),
        (Command::Top, "top", "first message (loads older history)"),
        (Command::Bottom, "bottom", "newest message, follow new ones"),
        (Command::PageUp, "page-up", "half a page up"),
        (Command::PageDown, "page-down", "half a page down"),
        (Command::Insert, "insert", "write a message (insert mode)"),
        (
            Command::Reply,
            "reply",
            "reply in the thread of the message",
        ),
        (Command::OpenThread, "thread", "open the message's thread"),
        (Command::Edit, "edit", "edit your message"),
        (Command::Delete, "delete", "delete the message (asks first)"),
        (Command::React, "react", "react to the message"),
        (
            Command::CopyLink,
            "copy-link",
            "copy the message's permalink",
        ),
        (
            Command::OpenFiles,
            "open-files",
            "save and open the message's files",
        ),
        (Command::Search, "search", "search messages"),
        (
            Command::NextUnread,
            "next-unread",
            "next channel with unread messages",
        ),
        (
            Command::Switcher,
            "switcher",
            "quick switcher: jump to a channel",
        ),
        (
            Command::NextChannel,
            "next-channel",
            "next channel in the sidebar",
        ),
        (
            Command::PrevChannel,
            "prev-channel",
            "previous channel in the sidebar",
        ),
        (
            Command::Notifications,
            "notifications",
            "notifications list",
        ),
        (
            Command::ToggleSidebar,
            "sidebar",
            "show or hide the sidebar",
        ),
        (
            Command::FocusSidebar,
            "focus-sidebar",
            "move to the sidebar",
        ),
        (
            Command::FocusMessages,
            "focus-messages",
            "move to the messages",
        ),
        (Command::Reload, "reload", "refetch channels and history"),
        (Command::Help, "help", "this help"),
        (Command::Close, "close", "close the pane, or quit"),
        (Command::Quit, "quit", "quit"),
    ];

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .find(|(_, n, _)| *n == name)
            .map(|(c, _, _)| *c)
    }
}

/// A binding: one key, or two in a row (`g g`).
pub type Keys = Vec<Chord>;

/// Normal mode's bindings.
#[derive(Clone, Debug)]
pub struct KeyMap {
    bindings: BTreeMap<Keys, Command>,
}

impl Default for KeyMap {
    fn default() -> Self {
        let defaults: &[(&str, Command)] = &[
            ("j", Command::Down),
            ("down", Command::Down),
            ("k", Command::Up),
            ("up", Command::Up),
            ("g g", Command::Top),
            ("home", Command::Top),
            ("G", Command::Bottom),
            ("end", Command::Bottom),
            ("ctrl-u", Command::PageUp),
            ("pageup", Command::PageUp),
            ("ctrl-d", Command::PageDown),
            ("pagedown", Command::PageDown),
            ("i", Command::Insert),
            ("enter", Command::Insert),
            ("r", Command::Reply),
            ("t", Command::OpenThread),
            ("e", Command::Edit),
            ("d", Command::Delete),
            ("+", Command::React),
            ("y", Command::CopyLink),
            ("o", Command::OpenFiles),
            ("/", Command::Search),
            ("u", Command::NextUnread),
            ("ctrl-k", Command::Switcher),
            ("ctrl-n", Command::NextChannel),
            ("tab", Command::NextChannel),
            ("ctrl-p", Command::PrevChannel),
            ("backtab", Command::PrevChannel),
            ("n", Command::Notifications),
            ("s", Command::ToggleSidebar),
            ("h", Command::FocusSidebar),
            ("left", Command::FocusSidebar),
            ("l", Command::FocusMessages),
            ("right", Command::FocusMessages),
            ("ctrl-r", Command::Reload),
            ("?", Command::Help),
            ("q", Command::Close),
            ("ctrl-c", Command::Quit),
        ];
        let mut bindings = BTreeMap::new();
        for (keys, command) in defaults {
            if let Some(keys) = parse_keys(keys) {
                bindings.insert(keys, *command);
            }
        }
        Self { bindings }
    }
}

fn parse_keys(s: &str) -> Option<Keys> {
    let keys: Option<Keys> = s.split_whitespace().map(Chord::parse).collect();
    keys.filter(|k| (1..=2).contains(&k.len()))
}

/// What the keys typed so far mean.
#[derive(Debug, PartialEq, Eq)]
pub enum Lookup {
    Command(Command),
    /// The start of a longer binding: wait for the next key.
    Prefix,
    None,
}

impl KeyMap {
    /// The defaults changed by the config file's `[keys]` table: each entry binds a key
    /// (or two) to a command name, or to `"none"` to unbind it. Unknown names are errors.
    pub fn with_overrides(overrides: &BTreeMap<String, String>) -> Result<Self, String> {
        let mut map = Self::default();
        for (keys, command) in overrides {
            let parsed =
                parse_keys(keys).ok_or_else(|| format!("[keys]: {keys:?} is not a key"))?;
            if command == "none" {
                map.bindings.remove(&parsed);
                continue;
            }
            let command = Command::parse(command).ok_or_else(|| {
                format!("[keys]: {command:?} is not a command (see `?` in the tui)")
            })?;
            map.bindings.insert(parsed, command);
        }
        Ok(map)
    }

    pub fn lookup(&self, keys: &[Chord]) -> Lookup {
        if let Some(c) = self.bindings.get(keys) {
            return Lookup::Command(*c);
        }
        if self
            .bindings
            .keys()
            .any(|k| k.len() > keys.len() && k.starts_with(keys))
        {
            return Lookup::Prefix;
        }
        Lookup::None
    }

    /// The keys bound to `command`, written as the help shows them.
    pub fn keys_for(&self, command: Command) -> Vec<String> {
        self.bindings
            .iter()
            .filter(|(_, c)| **c == command)
            .map(|(k, _)| {
                k.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chords_parse_and_print() {
        let c = Chord::parse("ctrl-k").unwrap();
        assert!(c.ctrl);
        assert_eq!(c.to_string(), "Ctrl+K");
        assert_eq!(Chord::parse("G").unwrap().code, KeyCodeOrd::Char('G'));
        assert_eq!(Chord::parse("f2").unwrap().code, KeyCodeOrd::F(2));
        assert!(Chord::parse("nonsense").is_none());
    }

    #[test]
    fn two_key_bindings_wait_for_the_second() {
        let map = KeyMap::default();
        let g = Chord::parse("g").unwrap();
        assert_eq!(map.lookup(&[g]), Lookup::Prefix);
        assert_eq!(map.lookup(&[g, g]), Lookup::Command(Command::Top));
        assert_eq!(map.lookup(&[Chord::parse("z").unwrap()]), Lookup::None);
    }

    #[test]
    fn the_config_file_rebinds_and_unbinds() {
        let mut o = BTreeMap::new();
        o.insert("ctrl-f".to_owned(), "search".to_owned());
        o.insert("/".to_owned(), "none".to_owned());
        let map = KeyMap::with_overrides(&o).unwrap();
        assert_eq!(
            map.lookup(&[Chord::parse("ctrl-f").unwrap()]),
            Lookup::Command(Command::Search)
        );
        assert_eq!(map.lookup(&[Chord::parse("/").unwrap()]), Lookup::None);
        o.insert("x".to_owned(), "fly".to_owned());
        assert!(KeyMap::with_overrides(&o).unwrap_err().contains("fly"));
    }
}
