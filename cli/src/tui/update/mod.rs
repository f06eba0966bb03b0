//! The state machine: `update(state, action) -> effects`. Pure: no terminal, no network,
//! no clock but the one the actions carry, so that it is tested with actions in and state
//! out.

use ajet_core::dto::MessageDto;
use ajet_core::{ChannelId, MessageId};
use chrono::{DateTime, Utc};

use super::action::{Action, Bootstrap, Effect};
use super::state::{Connection, Focus, Mode, Overlay, State, Status, ThreadView};

mod events;

use events::event;

/// How long an indicator stays without a new `typing` event.
const TYPING_EXPIRES_SECS: i64 = 15;
/// How often a typing signal is repeated while the user keeps typing.
const TYPING_RESEND_SECS: i64 = 5;

/// Applies one action; the effects for the outside world to carry out.
pub fn update(s: &mut State, action: Action) -> Vec<Effect> {
    let mut fx = Vec::new();
    match action {
        Action::Key(key) => super::input::key(s, key, &mut fx),
        Action::Mouse(mouse) => super::input::mouse(s, mouse, &mut fx),
        Action::Paste(text) => super::input::paste(s, &text, &mut fx),
        Action::Resize(w, h) => s.size = (w, h),
        Action::Tick(now) => {
            s.now = now;
            s.typing
                .retain(|_, at| (now - *at).num_seconds() < TYPING_EXPIRES_SECS);
        }
        Action::Bootstrapped(b) => bootstrapped(s, *b, &mut fx),
        Action::BootstrapFailed(text) => {
            s.connection = Connection::Failed(text.clone());
            s.overlay = Some(Overlay::Notice {
                title: "Cannot start".into(),
                text,
            });
        }
        Action::History {
            channel,
            page,
            older,
            replace,
            select,
        } => history(s, channel, page, older, replace, select),
        Action::Thread { parent, replies } => {
            if let Some(t) = s.thread.as_mut()
                && t.parent.id == parent.id
            {
                t.parent = *parent;
                t.replies = replies;
                t.loading = false;
            }
        }
        Action::Connected => {
            if matches!(s.connection, Connection::Reconnecting { .. }) {
                info(s, "reconnected");
            }
            s.connection = Connection::Live;
        }
        Action::Disconnected { error } => {
            s.connection = Connection::Reconnecting { error };
        }
        Action::StreamFailed(text) => s.connection = Connection::Failed(text),
        Action::Event(event) => self::event(s, *event, &mut fx),
        Action::Stored(m) => {
            let m = *m;
            if let Some(c) = s.channel_mut(m.channel_id) {
                c.last_seq = c.last_seq.max(m.seq);
                c.last_read_seq = c.last_read_seq.max(m.seq);
            }
            place(s, m);
        }
        Action::Reactions { message, reactions } => {
            for_each_copy(s, message, |m| m.reactions = reactions.clone());
        }
        Action::SearchResults(page) => {
            if let Some(Overlay::Search {
                results, loading, ..
            }) = s.overlay.as_mut()
            {
                *results = Some(page.results);
                *loading = false;
            }
        }
        Action::Notifications(page) => {
            s.unread_notifications = page.unread_count;
            if let Some(Overlay::Notifications { list, loading, .. }) = s.overlay.as_mut() {
                *list = page.notifications;
                *loading = false;
            }
        }
        Action::NotificationsRead(left) => {
            s.unread_notifications = left;
            if left == 0
                && let Some(Overlay::Notifications { list, .. }) = s.overlay.as_mut()
            {
                list.iter_mut().for_each(|n| n.read = true);
            }
        }
        Action::Info(text) => info(s, &text),
        Action::CommandAnswer(text) => {
            s.overlay = Some(Overlay::Notice {
                title: "Only you can see this".into(),
                text,
            });
        }
        Action::Commands(list) => {
            if !list.is_empty() {
                s.commands = list;
            }
        }
        Action::Edited(Ok(text)) => {
            s.composer.set(text.trim_end_matches('\n'));
            s.mode = Mode::Insert;
        }
        Action::Edited(Err(err)) => error(s, &err),
        Action::Failed(err) => error(s, &err),
    }
    fx
}

pub fn info(s: &mut State, text: &str) {
    s.status = Some(Status {
        text: text.to_owned(),
        error: false,
    });
}

pub fn error(s: &mut State, text: &str) {
    s.status = Some(Status {
        text: text.to_owned(),
        error: true,
    });
}

fn bootstrapped(s: &mut State, b: Bootstrap, fx: &mut Vec<Effect>) {
    let first_time = s.me.is_none();
    s.me = Some(b.me.clone());
    s.communities = b.communities;
    s.channels = b.channels;
    s.users.insert(b.me.id, b.me);
    for u in b.users {
        s.users.insert(u.id, u);
    }
    for c in &s.channels {
        for u in &c.members {
            s.users.entry(u.id).or_insert_with(|| u.clone());
        }
    }
    s.online = b.online.into_iter().map(|u| (u, true)).collect();
    s.unread_notifications = b.unread_notifications;
    if matches!(s.overlay, Some(Overlay::Notice { ref title, .. }) if title == "Cannot start") {
        s.overlay = None;
    }
    // Views of channels no longer ours go; the others catch up from where they stand.
    let ids: Vec<ChannelId> = s.channels.iter().map(|c| c.id).collect();
    s.views.retain(|id, _| ids.contains(id));
    let current = s.current.filter(|c| ids.contains(c));
    match current {
        Some(id) if !first_time => {
            s.views.retain(|v, _| *v == id);
            let after = s
                .views
                .get(&id)
                .filter(|v| v.loaded && !v.more_after)
                .and_then(|v| v.messages.last().map(|m| m.id));
            match after {
                Some(after) => fx.push(Effect::CatchUp {
                    channel: id,
                    after: Some(after),
                }),
                None => {
                    s.views.remove(&id);
                    open_channel(s, id, fx);
                }
            }
            if let Some(t) = &s.thread {
                fx.push(Effect::LoadThread(t.parent.id));
            }
        }
        _ => {
            let order = s.channel_order();
            let general = s
                .channels
                .iter()
                .find(|c| c.name.as_deref() == Some("general"))
                .map(|c| c.id);
            if let Some(id) = general.or(order.first().copied()) {
                open_channel(s, id, fx);
            }
        }
    }
}

/// Shows channel `id`: loads its history the first time, marks it read, fetches the
/// commands that may be run there.
pub fn open_channel(s: &mut State, id: ChannelId, fx: &mut Vec<Effect>) {
    if s.current != Some(id) {
        stop_typing(s, fx);
        if s.thread.as_ref().is_some_and(|t| t.parent.channel_id != id) {
            s.thread = None;
        }
        if s.focus == Focus::Thread && s.thread.is_none() {
            s.focus = Focus::Messages;
        }
        s.editing = None;
        s.current = Some(id);
        fx.push(Effect::LoadCommands(id));
    }
    let view = s.views.entry(id).or_default();
    if !view.loaded && !view.loading {
        view.loading = true;
        fx.push(Effect::LoadHistory {
            channel: id,
            before: None,
        });
    }
    if let Some(c) = s.channel_mut(id)
        && (c.unread_count > 0 || c.mention_count > 0 || c.last_read_seq < c.last_seq)
    {
        c.unread_count = 0;
        c.mention_count = 0;
        c.last_read_seq = c.last_seq;
        fx.push(Effect::MarkRead(id));
    }
    if let Some(row) = s
        .sidebar()
        .iter()
        .position(|r| *r == super::state::SidebarRow::Channel(id))
    {
        s.sidebar_cursor = row;
    }
    if s.narrow() {
        s.sidebar_shown = false;
    }
    if s.focus == Focus::Sidebar {
        s.focus = Focus::Messages;
    }
}

fn history(
    s: &mut State,
    channel: ChannelId,
    page: ajet_core::dto::MessagePage,
    older: bool,
    replace: bool,
    select: Option<MessageId>,
) {
    let view = s.views.entry(channel).or_default();
    view.loading = false;
    view.loaded = true;
    let top_level = page.messages.into_iter().filter(|m| m.parent_id.is_none());
    if replace {
        let fresh: Vec<MessageDto> = top_level.collect();
        let newest = fresh.last().map_or(0, |m| m.seq);
        // Live messages that arrived while the page was on its way stay.
        let kept: Vec<MessageDto> = if select.is_none() {
            view.messages.drain(..).filter(|m| m.seq > newest).collect()
        } else {
            Vec::new()
        };
        view.messages = fresh;
        view.messages.extend(kept);
        view.more_before = page.has_more;
        view.more_after = select.is_some();
        view.selected = None;
        view.trim_front();
    } else {
        let before = view.messages.len();
        for m in top_level {
            view.upsert(m);
        }
        if older {
            view.more_before = page.has_more;
            // Keep the selection on the message it was on.
            let added = view.messages.len() - before;
            view.selected = view.selected.map(|i| i + added);
        }
    }
    if let Some(id) = select {
        view.selected = view.messages.iter().position(|m| m.id == id);
        // A jump to an old message: is the newest in the window?
        if let Some(c) = s.channels.iter().find(|c| c.id == channel) {
            let newest = view.messages.last().map_or(0, |m| m.seq);
            view.more_after = newest < c.last_seq;
        }
    }
}

/// Puts a message (new or changed) wherever it shows: the channel's view, the open thread.
fn place(s: &mut State, m: MessageDto) {
    if let Some(t) = s.thread.as_mut() {
        if t.parent.id == m.id {
            t.parent = m.clone();
        } else if m.parent_id == Some(t.parent.id) {
            match t.replies.iter_mut().find(|r| r.id == m.id) {
                Some(r) => *r = m.clone(),
                None => {
                    let at = t.replies.partition_point(|r| r.seq < m.seq);
                    t.replies.insert(at, m.clone());
                }
            }
        }
    }
    if m.parent_id.is_none()
        && let Some(view) = s.views.get_mut(&m.channel_id)
        && view.loaded
    {
        view.upsert(m);
    }
}

/// Changes every copy of a message: in its channel's view and in the open thread.
fn for_each_copy(s: &mut State, id: MessageId, mut f: impl FnMut(&mut MessageDto)) {
    for view in s.views.values_mut() {
        if let Some(m) = view.find(id) {
            f(m);
        }
    }
    if let Some(t) = s.thread.as_mut() {
        if t.parent.id == id {
            f(&mut t.parent);
        }
        if let Some(r) = t.replies.iter_mut().find(|r| r.id == id) {
            f(r);
        }
    }
}

/// Tells the server typing stopped, if we said it started.
pub fn stop_typing(s: &mut State, fx: &mut Vec<Effect>) {
    if let Some((channel, _)) = s.typing_sent.take() {
        fx.push(Effect::Typing {
            channel,
            typing: false,
        });
    }
}

/// After the composer changed: says typing started (again every few seconds while it
/// goes on) or stopped when the composer emptied.
pub fn typed(s: &mut State, fx: &mut Vec<Effect>) {
    let Some(channel) = s.current else { return };
    let text = s.composer.text();
    if text.is_empty() || text.starts_with('/') {
        stop_typing(s, fx);
        return;
    }
    let due = match s.typing_sent {
        Some((c, at)) => c != channel || (s.now - at).num_seconds() >= TYPING_RESEND_SECS,
        None => true,
    };
    if due {
        s.typing_sent = Some((channel, s.now));
        fx.push(Effect::Typing {
            channel,
            typing: true,
        });
    }
}

/// Opens the thread of `parent` beside the messages.
pub fn open_thread(s: &mut State, parent: MessageDto, fx: &mut Vec<Effect>) {
    let id = parent.id;
    if s.thread.as_ref().is_none_or(|t| t.parent.id != id) {
        s.thread = Some(ThreadView {
            parent,
            replies: Vec::new(),
            selected: None,
            loading: true,
        });
        fx.push(Effect::LoadThread(id));
    }
    s.focus = Focus::Thread;
}

/// The time `at` as the reader's clock shows it.
pub fn local(s: &State, at: DateTime<Utc>) -> DateTime<chrono::FixedOffset> {
    at.with_timezone(&s.tz)
}
