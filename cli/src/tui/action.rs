//! What can happen ([`Action`]) and what the state machine asks the outside world to do
//! ([`Effect`]). Keys, the live stream, timers and the answers of network calls all arrive
//! as actions; [`super::update::update`] turns each into a new state and effects.

use ajet_core::dto::{
    ChannelDto, CommunityDto, MessageDto, MessagePage, NotificationPage, ReactionDto, UserDto,
};
use ajet_core::search::SearchPage;
use ajet_core::{ChannelId, Envelope, MessageId, NotificationId, UserId};
use chrono::{DateTime, Utc};
use ratatui::crossterm::event::{KeyEvent, MouseEvent};

/// Everything the first screen needs, fetched at start and on `reload`.
#[derive(Clone, Debug)]
pub struct Bootstrap {
    pub me: UserDto,
    pub communities: Vec<CommunityDto>,
    pub channels: Vec<ChannelDto>,
    /// Everyone the caller can meet: community members and DM partners.
    pub users: Vec<UserDto>,
    pub online: Vec<UserId>,
    pub unread_notifications: i64,
}

/// Something that happened.
#[derive(Debug)]
pub enum Action {
    Key(KeyEvent),
    Mouse(MouseEvent),
    /// Text pasted into the terminal (bracketed paste): one piece, line breaks kept.
    Paste(String),
    Resize(u16, u16),
    /// The clock moved (about once a second): typing indicators expire, throttles reset.
    Tick(DateTime<Utc>),
    Bootstrapped(Box<Bootstrap>),
    /// The first fetch failed: the sentence to show.
    BootstrapFailed(String),
    /// A page of a channel's history. `replace` drops what the view held (a jump, a
    /// reload); otherwise the page is merged in by position.
    History {
        channel: ChannelId,
        page: MessagePage,
        older: bool,
        replace: bool,
        select: Option<MessageId>,
    },
    Thread {
        parent: Box<MessageDto>,
        replies: Vec<MessageDto>,
    },
    /// The live stream opened (again).
    Connected,
    Event(Box<Envelope>),
    Disconnected {
        error: String,
    },
    /// The server refused the stream for good (an expired token, say).
    StreamFailed(String),
    /// A message we posted or edited, as the server stored it.
    Stored(Box<MessageDto>),
    Reactions {
        message: MessageId,
        reactions: Vec<ReactionDto>,
    },
    SearchResults(Box<SearchPage>),
    Notifications(Box<NotificationPage>),
    NotificationsRead(i64),
    /// A slash command's answer to the caller alone (markdown), or a confirmation.
    CommandAnswer(String),
    /// A line for the status bar (a finished upload or download).
    Info(String),
    /// The slash commands the caller may run in a channel, for completion.
    Commands(Vec<String>),
    /// `$EDITOR` closed: the text written, or why it failed.
    Edited(Result<String, String>),
    /// A call failed: the sentence for the status line.
    Failed(String),
}

/// Something for the outside world to do; its result comes back as an [`Action`].
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    Bootstrap,
    LoadHistory {
        channel: ChannelId,
        before: Option<MessageId>,
    },
    /// The messages after `after` (or the latest page), merged in: the catch-up after a
    /// `reload` event.
    CatchUp {
        channel: ChannelId,
        after: Option<MessageId>,
    },
    /// The history around `message`, replacing the view, the message selected.
    LoadAround {
        channel: ChannelId,
        message: MessageId,
    },
    LoadThread(MessageId),
    Send {
        channel: ChannelId,
        body: String,
        parent: Option<MessageId>,
    },
    EditMessage {
        message: MessageId,
        body: String,
    },
    DeleteMessage(MessageId),
    React {
        message: MessageId,
        emoji: String,
        add: bool,
    },
    MarkRead(ChannelId),
    Typing {
        channel: ChannelId,
        typing: bool,
    },
    Search(String),
    LoadNotifications,
    MarkNotificationsRead {
        ids: Vec<NotificationId>,
        all: bool,
    },
    RunCommand {
        channel: ChannelId,
        text: String,
    },
    /// Upload the file at `path` and post it with `caption`.
    Upload {
        channel: ChannelId,
        path: std::path::PathBuf,
        caption: String,
        parent: Option<MessageId>,
    },
    /// Save files into the downloads folder and open the first with the system's opener.
    OpenFiles(Vec<ajet_core::dto::AttachmentDto>),
    LoadCommands(ChannelId),
    /// Put text on the clipboard (OSC 52, which terminals and tmux pass on).
    Copy(String),
    Bell,
    /// A desktop notification, where one can be shown.
    Notify {
        title: String,
        body: String,
    },
    /// Suspend the screen and edit this text in `$EDITOR`.
    OpenEditor(String),
    Quit,
}
