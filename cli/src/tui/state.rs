//! Everything the screen shows, and nothing else: the terminal client's state. Changed
//! only by [`super::update::update`]; drawn by [`super::ui::draw`].

use std::collections::HashMap;

use ajet_core::dto::{ChannelDto, ChannelKind, CommunityDto, MessageDto, NotificationDto, UserDto};
use ajet_core::search::SearchResultDto;
use ajet_core::{ChannelId, MessageId, UserId};
use chrono::{DateTime, FixedOffset, Utc};

use super::composer::{Composer, History};
use super::keys::{Chord, KeyMap};

/// Most messages a channel's view keeps: memory follows the window, not the history.
pub const WINDOW: usize = 2_000;

/// The client's whole state.
#[derive(Debug)]
pub struct State {
    pub now: DateTime<Utc>,
    /// The offset times are shown in.
    pub tz: FixedOffset,
    pub server: String,
    pub size: (u16, u16),
    pub me: Option<UserDto>,
    pub communities: Vec<CommunityDto>,
    pub channels: Vec<ChannelDto>,
    pub users: HashMap<UserId, UserDto>,
    pub online: HashMap<UserId, bool>,
    pub current: Option<ChannelId>,
    pub views: HashMap<ChannelId, ChannelView>,
    pub thread: Option<ThreadView>,
    pub focus: Focus,
    pub mode: Mode,
    pub composer: Composer,
    pub history: History,
    /// The message being edited in the composer, instead of a new one.
    pub editing: Option<MessageId>,
    pub overlay: Option<Overlay>,
    pub connection: Connection,
    pub typing: HashMap<(ChannelId, UserId), DateTime<Utc>>,
    /// When we last told the server we are typing, and where.
    pub typing_sent: Option<(ChannelId, DateTime<Utc>)>,
    pub unread_notifications: i64,
    pub status: Option<Status>,
    /// Whether the sidebar shows on a narrow terminal (it always shows on a wide one,
    /// unless hidden).
    pub sidebar_shown: bool,
    pub sidebar_hidden: bool,
    /// The highlighted sidebar row while the sidebar has the focus.
    pub sidebar_cursor: usize,
    /// Keys typed so far of a two-key binding.
    pub pending: Vec<Chord>,
    pub keymap: KeyMap,
    /// Slash commands for completion: from the server when it lists them.
    pub commands: Vec<String>,
    /// Tab completion in progress: pressing Tab again takes the next candidate.
    pub completion: Option<Completion>,
    pub quit: bool,
}

/// Candidates for the word before the cursor, and which one is in the composer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    pub start: usize,
    pub candidates: Vec<String>,
    pub index: usize,
}

impl State {
    pub fn new(server: &str, keymap: KeyMap, now: DateTime<Utc>, tz: FixedOffset) -> Self {
        Self {
            now,
            tz,
            server: server.to_owned(),
            size: (80, 24),
            me: None,
            communities: Vec::new(),
            channels: Vec::new(),
            users: HashMap::new(),
            online: HashMap::new(),
            current: None,
            views: HashMap::new(),
            thread: None,
            focus: Focus::Messages,
            mode: Mode::Insert,
            composer: Composer::default(),
            history: History::default(),
            editing: None,
            overlay: None,
            connection: Connection::Connecting,
            typing: HashMap::new(),
            typing_sent: None,
            unread_notifications: 0,
            status: None,
            sidebar_shown: false,
            sidebar_hidden: false,
            sidebar_cursor: 0,
            pending: Vec::new(),
            keymap,
            commands: DEFAULT_COMMANDS.iter().map(|s| (*s).to_owned()).collect(),
            completion: None,
            quit: false,
        }
    }

    pub fn channel(&self, id: ChannelId) -> Option<&ChannelDto> {
        self.channels.iter().find(|c| c.id == id)
    }

    pub fn channel_mut(&mut self, id: ChannelId) -> Option<&mut ChannelDto> {
        self.channels.iter_mut().find(|c| c.id == id)
    }

    pub fn current_channel(&self) -> Option<&ChannelDto> {
        self.current.and_then(|id| self.channel(id))
    }

    pub fn view(&self) -> Option<&ChannelView> {
        self.current.and_then(|id| self.views.get(&id))
    }

    pub fn view_mut(&mut self) -> Option<&mut ChannelView> {
        let id = self.current?;
        self.views.get_mut(&id)
    }

    pub fn my_id(&self) -> Option<UserId> {
        self.me.as_ref().map(|u| u.id)
    }

    pub fn my_name(&self) -> Option<&str> {
        self.me.as_ref().map(|u| u.username.as_str())
    }

    pub fn username(&self, id: UserId) -> String {
        self.users
            .get(&id)
            .map_or_else(|| "someone".to_owned(), |u| u.username.clone())
    }

    /// A channel's name as the sidebar and status show it: `#general`, `@bob`, `@a, @b`.
    pub fn channel_label(&self, c: &ChannelDto) -> String {
        match &c.name {
            Some(name) => format!("#{name}"),
            None if !c.members.is_empty() => c
                .members
                .iter()
                .map(|u| format!("@{}", u.username))
                .collect::<Vec<_>>()
                .join(", "),
            None => "(direct message)".to_owned(),
        }
    }

    /// The sidebar's rows, in order: each community with its channels, then the DMs.
    pub fn sidebar(&self) -> Vec<SidebarRow> {
        let mut rows = Vec::new();
        for community in &self.communities {
            rows.push(SidebarRow::Community(community.name.clone()));
            let mut channels: Vec<&ChannelDto> = self
                .channels
                .iter()
                .filter(|c| c.community_id == Some(community.id) && !c.archived)
                .collect();
            channels.sort_by(|a, b| a.name.cmp(&b.name));
            rows.extend(channels.into_iter().map(|c| SidebarRow::Channel(c.id)));
        }
        let mut dms: Vec<&ChannelDto> = self
            .channels
            .iter()
            .filter(|c| matches!(c.kind, ChannelKind::Dm | ChannelKind::GroupDm))
            .collect();
        if !dms.is_empty() {
            dms.sort_by(|a, b| b.last_seq.cmp(&a.last_seq).then(a.id.cmp(&b.id)));
            rows.push(SidebarRow::Heading("Direct messages".into()));
            rows.extend(dms.into_iter().map(|c| SidebarRow::Channel(c.id)));
        }
        rows
    }

    /// The channels in sidebar order.
    pub fn channel_order(&self) -> Vec<ChannelId> {
        self.sidebar()
            .into_iter()
            .filter_map(|r| match r {
                SidebarRow::Channel(id) => Some(id),
                _ => None,
            })
            .collect()
    }

    /// Who is typing in `channel` now (not counting the reader), by name.
    pub fn typing_in(&self, channel: ChannelId) -> Vec<String> {
        let mut names: Vec<String> = self
            .typing
            .keys()
            .filter(|(c, u)| *c == channel && Some(*u) != self.my_id())
            .map(|(_, u)| self.username(*u))
            .collect();
        names.sort();
        names
    }

    /// The selected message of the focused pane.
    pub fn selected_message(&self) -> Option<&MessageDto> {
        match self.focus {
            Focus::Thread => {
                let t = self.thread.as_ref()?;
                match t.selected {
                    Some(0) | None => Some(&t.parent),
                    Some(i) => t.replies.get(i - 1),
                }
            }
            _ => {
                let v = self.view()?;
                v.messages.get(v.selected?)
            }
        }
    }

    /// Unread messages across every channel.
    pub fn total_unread(&self) -> i64 {
        self.channels.iter().map(|c| c.unread_count).sum()
    }

    /// Whether the terminal is too narrow for the sidebar beside the messages.
    pub fn narrow(&self) -> bool {
        self.size.0 < NARROW
    }

    /// Whether the sidebar is drawn.
    pub fn sidebar_visible(&self) -> bool {
        if self.narrow() {
            self.sidebar_shown
        } else {
            !self.sidebar_hidden
        }
    }
}

/// Below this width the sidebar hides (and shows over the messages on its key).
pub const NARROW: u16 = 80;
/// The smallest terminal the client draws in.
pub const MIN_SIZE: (u16, u16) = (40, 10);

/// The commands offered for completion until the server lists its own.
pub const DEFAULT_COMMANDS: [&str; 11] = [
    "/away", "/back", "/help", "/invite", "/join", "/leave", "/me", "/msg", "/nick", "/topic",
    "/upload",
];

/// A row of the sidebar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SidebarRow {
    Community(String),
    Heading(String),
    Channel(ChannelId),
}

/// What a channel's view holds: a window of its top-level messages, oldest first.
#[derive(Clone, Debug, Default)]
pub struct ChannelView {
    pub messages: Vec<MessageDto>,
    /// The selected message; `None` follows the newest.
    pub selected: Option<usize>,
    pub more_before: bool,
    /// Newer messages exist beyond the window (after a jump to an old message): live
    /// messages are not appended until the view returns to the newest.
    pub more_after: bool,
    pub loading: bool,
    pub loaded: bool,
}

impl ChannelView {
    /// Adds or replaces `m` by position; whether it was new.
    pub fn upsert(&mut self, m: MessageDto) -> bool {
        match self.messages.binary_search_by_key(&m.seq, |x| x.seq) {
            Ok(i) => {
                self.messages[i] = m;
                false
            }
            Err(i) => {
                if i == self.messages.len() && self.more_after {
                    return false;
                }
                self.messages.insert(i, m);
                if let Some(s) = self.selected.as_mut()
                    && *s >= i
                {
                    *s += 1;
                }
                self.trim_front();
                true
            }
        }
    }

    /// Keeps the window at [`WINDOW`] messages by dropping the oldest.
    pub fn trim_front(&mut self) {
        if self.messages.len() > WINDOW {
            let drop = self.messages.len() - WINDOW;
            self.messages.drain(..drop);
            self.more_before = true;
            self.selected = self.selected.map(|s| s.saturating_sub(drop));
        }
    }

    pub fn find(&mut self, id: MessageId) -> Option<&mut MessageDto> {
        self.messages.iter_mut().find(|m| m.id == id)
    }
}

/// An open thread: its parent and replies.
#[derive(Clone, Debug)]
pub struct ThreadView {
    pub parent: MessageDto,
    pub replies: Vec<MessageDto>,
    /// 0 is the parent, `i` the reply `i - 1`; `None` follows the newest.
    pub selected: Option<usize>,
    pub loading: bool,
}

/// Which pane keys act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    Sidebar,
    Messages,
    Thread,
}

/// Vim-style modes: keys move and act in normal mode, type in insert mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Normal,
    Insert,
}

/// The live stream's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Connection {
    Connecting,
    Live,
    Reconnecting {
        error: String,
    },
    /// Refused for good; the sentence says what to do.
    Failed(String),
}

/// A line in the status bar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub error: bool,
}

/// A dialog over the panes.
#[derive(Clone, Debug)]
pub enum Overlay {
    Help,
    Switcher {
        query: String,
        selected: usize,
    },
    Search {
        query: String,
        /// `None` while typing the query; the results once it ran.
        results: Option<Vec<SearchResultDto>>,
        selected: usize,
        loading: bool,
    },
    Notifications {
        list: Vec<NotificationDto>,
        selected: usize,
        loading: bool,
    },
    ConfirmDelete(MessageId),
    React {
        message: MessageId,
        query: String,
    },
    /// Something the reader must see: an error at start, a command's answer.
    Notice {
        title: String,
        text: String,
    },
}
