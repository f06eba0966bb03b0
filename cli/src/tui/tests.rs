//! Tests of the terminal client: the state machine (actions in, state and effects out)
//! and snapshots of the screens drawn on ratatui's `TestBackend`.

use ajet_core::dto::{
    ChannelDto, ChannelKind, CommunityDto, MessageDto, MessagePage, NotificationDto,
    NotificationKind, NotificationPage, ReactionDto, UserDto, Visibility,
};
use ajet_core::search::{SearchChannelDto, SearchPage, SearchResultDto};
use ajet_core::{ChannelId, CommunityId, Envelope, EventData, MessageId, NotificationId, UserId};
use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};

use super::action::{Action, Bootstrap, Effect};
use super::keys::KeyMap;
use super::state::{Connection, Focus, Mode, Overlay, State};
use super::update::update;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 3, 10, 0, 0).unwrap()
}

struct Fixture {
    state: State,
    alice: UserDto,
    bob: UserDto,
    general: ChannelId,
    random: ChannelId,
    dm: ChannelId,
}

fn user(name: &str) -> UserDto {
    UserDto {
        id: UserId::new(),
        username: name.into(),
        display_name: None,
    }
}

fn channel(community: &CommunityDto, name: &str) -> ChannelDto {
    ChannelDto {
        id: ChannelId::new(),
        community_id: Some(community.id),
        community_slug: Some(community.slug.clone()),
        name: Some(name.into()),
        kind: ChannelKind::Text,
        visibility: Visibility::Public,
        topic: String::new(),
        archived: false,
        created_at: now(),
        last_seq: 0,
        last_read_seq: 0,
        unread_count: 0,
        mention_count: 0,
        members: Vec::new(),
    }
}

fn message(
    channel: ChannelId,
    seq: i64,
    author: &UserDto,
    body: &str,
    at: DateTime<Utc>,
) -> MessageDto {
    MessageDto {
        author_avatar_url: None,
        author_bot: false,
        attachments: Vec::new(),
        id: MessageId::new(),
        channel_id: channel,
        seq,
        author_id: author.id,
        author_username: author.username.clone(),
        parent_id: None,
        body: body.into(),
        created_at: at,
        edited_at: None,
        deleted: false,
        reply_count: 0,
        last_reply_at: None,
        reply_participants: Vec::new(),
        reactions: Vec::new(),
        meta: None,
    }
}

fn key(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn ctrl(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

fn chars(s: &mut State, text: &str) -> Vec<Effect> {
    text.chars()
        .flat_map(|c| update(s, key(KeyCode::Char(c))))
        .collect()
}

fn event(channel: Option<ChannelId>, data: EventData) -> Action {
    let mut e = Envelope::for_community(None, None, data);
    e.channel_id = channel;
    Action::Event(Box::new(e))
}

/// Alice, signed in, with #general (history loaded), #random and a DM with bob.
fn fixture() -> Fixture {
    let mut state = State::new(
        "http://chat.test",
        KeyMap::default(),
        now(),
        FixedOffset::east_opt(0).unwrap(),
    );
    state.size = (120, 30);
    let (alice, bob, carol) = (user("alice"), user("bob"), user("carol"));
    let acme = CommunityDto {
        id: CommunityId::new(),
        name: "Acme".into(),
        slug: "acme".into(),
    };
    let mut general = channel(&acme, "general");
    general.topic = "company-wide".into();
    general.last_seq = 6;
    general.last_read_seq = 6;
    let mut random = channel(&acme, "random");
    random.last_seq = 3;
    random.unread_count = 3;
    random.mention_count = 1;
    let mut dm = channel(&acme, "x");
    dm.community_id = None;
    dm.community_slug = None;
    dm.name = None;
    dm.kind = ChannelKind::Dm;
    dm.members = vec![bob.clone()];
    let ids = (general.id, random.id, dm.id);
    let fx = update(
        &mut state,
        Action::Bootstrapped(Box::new(Bootstrap {
            me: alice.clone(),
            communities: vec![acme],
            channels: vec![general, random, dm],
            users: vec![bob.clone(), carol.clone()],
            online: vec![bob.id],
            unread_notifications: 2,
        })),
    );
    assert!(fx.contains(&Effect::LoadHistory {
        channel: ids.0,
        before: None
    }));
    let g = ids.0;
    let yesterday = now() - Duration::days(1);
    let mut msgs = vec![
        message(g, 1, &carol, "from yesterday", yesterday),
        message(
            g,
            2,
            &bob,
            "hello **world** and _friends_",
            now() - Duration::minutes(50),
        ),
        message(
            g,
            3,
            &bob,
            "a second line from bob\n\n> quoted\n\n- item",
            now() - Duration::minutes(49),
        ),
        message(
            g,
            4,
            &alice,
            "hey @bob see `code` and [docs](https://docs.test)",
            now() - Duration::minutes(40),
        ),
        message(g, 5, &carol, "", now() - Duration::minutes(30)),
        message(
            g,
            6,
            &bob,
            "ping @alice: lunch?",
            now() - Duration::minutes(20),
        ),
    ];
    msgs[3].edited_at = Some(now() - Duration::minutes(39));
    msgs[4].deleted = true;
    msgs[5].reactions = vec![
        ReactionDto {
            emoji: "👍".into(),
            count: 3,
            reacted_by_me: true,
            users: Vec::new(),
        },
        ReactionDto {
            emoji: "🎉".into(),
            count: 1,
            reacted_by_me: false,
            users: Vec::new(),
        },
    ];
    msgs[5].reply_count = 2;
    msgs[5].last_reply_at = Some(now() - Duration::minutes(10));
    update(
        &mut state,
        Action::History {
            channel: g,
            page: MessagePage {
                messages: msgs,
                has_more: true,
            },
            older: false,
            replace: true,
            select: None,
        },
    );
    update(&mut state, Action::Connected);
    Fixture {
        state,
        alice,
        bob,
        general: ids.0,
        random: ids.1,
        dm: ids.2,
    }
}

fn screen(s: &State, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| super::ui::draw(f, s)).unwrap();
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..height {
        let mut skip = 0;
        for x in 0..width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let symbol = buffer[(x, y)].symbol();
            out.push_str(symbol);
            skip = unicode_width::UnicodeWidthStr::width(symbol).saturating_sub(1);
        }
        out.push('\n');
    }
    out
}

fn sized(s: &mut State, w: u16, h: u16) -> String {
    update(s, Action::Resize(w, h));
    screen(s, w, h)
}

// ---- the state machine --------------------------------------------------------------

#[test]
fn live_messages_are_added_once_and_counted_where_unseen() {
    let mut f = fixture();
    let s = &mut f.state;
    let m = message(f.general, 7, &f.bob, "new", now());
    let fx = update(
        s,
        event(Some(f.general), EventData::MessageCreated(m.clone())),
    );
    assert_eq!(
        fx,
        vec![Effect::MarkRead(f.general)],
        "seen in view: marked read"
    );
    update(s, event(Some(f.general), EventData::MessageCreated(m)));
    assert_eq!(
        s.view().unwrap().messages.len(),
        7,
        "a replayed event is not repeated"
    );

    // Elsewhere: counted, a mention marked, no bell for a channel.
    let r = message(f.random, 4, &f.bob, "hey @alice", now());
    let fx = update(
        s,
        event(Some(f.random), EventData::MessageCreated(r.clone())),
    );
    let c = s.channel(f.random).unwrap();
    assert_eq!((c.unread_count, c.mention_count), (4, 2));
    assert!(
        fx.contains(&Effect::Bell),
        "a mention outside the view rings"
    );
    update(s, event(Some(f.random), EventData::MessageCreated(r)));
    assert_eq!(s.channel(f.random).unwrap().unread_count, 4, "counted once");

    // A DM outside the view rings and notifies.
    let d = message(f.dm, 1, &f.bob, "psst", now());
    let fx = update(s, event(Some(f.dm), EventData::MessageCreated(d)));
    assert!(fx.contains(&Effect::Bell));
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Notify { title, .. } if title == "bob in @bob"))
    );
    assert_eq!(s.total_unread(), 5);
}

#[test]
fn opening_a_channel_loads_it_and_marks_it_read() {
    let mut f = fixture();
    let s = &mut f.state;
    let fx = update(s, ctrl('n'));
    assert_eq!(s.current, Some(f.random));
    assert!(fx.contains(&Effect::LoadHistory {
        channel: f.random,
        before: None
    }));
    assert!(fx.contains(&Effect::MarkRead(f.random)));
    assert!(fx.contains(&Effect::LoadCommands(f.random)));
    assert_eq!(s.channel(f.random).unwrap().unread_count, 0);
    // `u` finds the next channel with unread messages; none left.
    update(s, key(KeyCode::Esc));
    update(s, key(KeyCode::Char('u')));
    assert_eq!(s.status.as_ref().unwrap().text, "no unread messages");
}

#[test]
fn typing_is_sent_throttled_shown_and_expires() {
    let mut f = fixture();
    let s = &mut f.state;
    let fx = chars(s, "hel");
    assert_eq!(
        fx,
        vec![Effect::Typing {
            channel: f.general,
            typing: true
        }],
        "once, not per key"
    );
    update(s, Action::Tick(now() + Duration::seconds(6)));
    let fx = chars(s, "lo");
    assert_eq!(fx.len(), 1, "repeated after a few seconds");
    let fx = update(s, key(KeyCode::Enter));
    assert_eq!(
        fx,
        vec![
            Effect::Typing {
                channel: f.general,
                typing: false
            },
            Effect::Send {
                channel: f.general,
                body: "hello".into(),
                parent: None
            },
        ]
    );
    assert!(s.composer.is_empty());

    update(
        s,
        event(
            Some(f.general),
            EventData::Typing {
                user_id: f.bob.id,
                typing: true,
            },
        ),
    );
    assert_eq!(s.typing_in(f.general), vec!["bob"]);
    update(s, Action::Tick(now() + Duration::seconds(30)));
    assert!(
        s.typing_in(f.general).is_empty(),
        "hidden after 15 s of silence"
    );
}

#[test]
fn reconnecting_and_reload_catch_up_from_the_last_message() {
    let mut f = fixture();
    let s = &mut f.state;
    update(
        s,
        Action::Disconnected {
            error: "gone".into(),
        },
    );
    assert!(matches!(s.connection, Connection::Reconnecting { .. }));
    update(s, Action::Connected);
    assert_eq!(s.connection, Connection::Live);
    let fx = update(
        s,
        event(
            None,
            EventData::Reload {
                reason: "too old".into(),
            },
        ),
    );
    assert_eq!(fx, vec![Effect::Bootstrap]);
    let last = s.view().unwrap().messages.last().unwrap().id;
    let me = f.alice.clone();
    let channels = s.channels.clone();
    let communities = s.communities.clone();
    let fx = update(
        s,
        Action::Bootstrapped(Box::new(Bootstrap {
            me,
            communities,
            channels,
            users: Vec::new(),
            online: Vec::new(),
            unread_notifications: 0,
        })),
    );
    assert_eq!(
        fx,
        vec![Effect::CatchUp {
            channel: f.general,
            after: Some(last)
        }]
    );
}

#[test]
fn normal_mode_moves_selects_and_acts_on_messages() {
    let mut f = fixture();
    let s = &mut f.state;
    update(s, key(KeyCode::Esc));
    assert_eq!(s.mode, Mode::Normal);
    update(s, key(KeyCode::Char('k')));
    assert_eq!(s.view().unwrap().selected, Some(5));
    let fx: Vec<Effect> = ["g", "g"]
        .iter()
        .flat_map(|k| update(s, key(KeyCode::Char(k.chars().next().unwrap()))))
        .collect();
    assert_eq!(s.view().unwrap().selected, Some(0));
    assert!(
        matches!(
            fx[0],
            Effect::LoadHistory {
                before: Some(_),
                ..
            }
        ),
        "gg loads older"
    );
    update(s, key(KeyCode::Char('G')));
    assert_eq!(s.view().unwrap().selected, None);

    // Editing someone else's message is refused; one's own opens in the composer.
    update(s, key(KeyCode::Char('k')));
    update(s, key(KeyCode::Char('e')));
    assert!(s.status.as_ref().unwrap().error);
    for _ in 0..2 {
        update(s, key(KeyCode::Char('k')));
    }
    update(s, key(KeyCode::Char('e')));
    assert_eq!(s.mode, Mode::Insert);
    assert!(s.composer.text().starts_with("hey @bob"));
    let id = s.editing.unwrap();
    update(s, ctrl('u'));
    chars(s, "fixed");
    let fx = update(s, key(KeyCode::Enter));
    assert_eq!(
        fx,
        vec![Effect::EditMessage {
            message: id,
            body: "fixed".into()
        }]
    );

    // Delete asks first.
    update(s, key(KeyCode::Char('d')));
    assert!(matches!(s.overlay, Some(Overlay::ConfirmDelete(m)) if m == id));
    assert_eq!(
        update(s, key(KeyCode::Char('y'))),
        vec![Effect::DeleteMessage(id)]
    );

    // React with a name; the message already carries our 👍, so 👍 would remove it.
    update(s, key(KeyCode::Char('j')));
    update(s, key(KeyCode::Char('j')));
    update(s, key(KeyCode::Char('+')));
    assert!(matches!(s.overlay, Some(Overlay::React { .. })));
    let fx = update(s, key(KeyCode::Enter));
    assert!(matches!(&fx[0], Effect::React { emoji, add: false, .. } if emoji == "👍"));
}

#[test]
fn own_reactions_count_once_whichever_arrives_first() {
    let mut f = fixture();
    let s = &mut f.state;
    let id = s.view().unwrap().messages[3].id;
    update(
        s,
        Action::Reactions {
            message: id,
            reactions: vec![ReactionDto {
                emoji: "🎉".into(),
                count: 1,
                reacted_by_me: true,
                users: Vec::new(),
            }],
        },
    );
    let ev = EventData::ReactionAdded {
        message_id: id,
        emoji: "🎉".into(),
        user_id: f.alice.id,
    };
    update(s, event(Some(f.general), ev));
    assert_eq!(s.view().unwrap().messages[3].reactions[0].count, 1);
    let ev = EventData::ReactionAdded {
        message_id: id,
        emoji: "🎉".into(),
        user_id: f.bob.id,
    };
    update(s, event(Some(f.general), ev));
    assert_eq!(s.view().unwrap().messages[3].reactions[0].count, 2);
}

#[test]
fn replies_go_to_the_thread_and_q_closes_it_then_quits() {
    let mut f = fixture();
    let s = &mut f.state;
    update(s, key(KeyCode::Esc));
    update(s, key(KeyCode::Char('k')));
    let parent = s.view().unwrap().messages[5].id;
    let fx = update(s, key(KeyCode::Char('r')));
    assert_eq!(fx, vec![Effect::LoadThread(parent)]);
    assert_eq!((s.focus, s.mode), (Focus::Thread, Mode::Insert));
    chars(s, "in thread");
    let fx = update(s, key(KeyCode::Enter));
    assert!(fx.contains(&Effect::Send {
        channel: f.general,
        body: "in thread".into(),
        parent: Some(parent)
    }));
    update(s, key(KeyCode::Esc));
    update(s, key(KeyCode::Char('q')));
    assert!(s.thread.is_none());
    assert_eq!(update(s, key(KeyCode::Char('q'))), vec![Effect::Quit]);
}

#[test]
fn pastes_commands_and_limits() {
    let mut f = fixture();
    let s = &mut f.state;
    update(s, Action::Paste("line one\r\nline two".into()));
    let fx = update(s, key(KeyCode::Enter));
    assert!(fx.contains(&Effect::Send {
        channel: f.general,
        body: "line one\nline two".into(),
        parent: None
    }));

    update(s, Action::Paste("x".repeat(16_001)));
    assert!(s.status.as_ref().unwrap().text.contains("16001"));
    let fx = update(s, key(KeyCode::Enter));
    assert!(
        !fx.iter().any(|e| matches!(e, Effect::Send { .. })),
        "never sent"
    );
    assert_eq!(
        s.composer.text().len(),
        16_001,
        "kept for the writer to shorten"
    );
    s.composer.take();

    chars(s, "/away");
    assert_eq!(
        update(s, key(KeyCode::Enter)),
        vec![Effect::RunCommand {
            channel: f.general,
            text: "/away".into()
        }]
    );
    chars(s, "/upload ./x.png the screenshot");
    assert_eq!(
        update(s, key(KeyCode::Enter)),
        vec![Effect::Upload {
            channel: f.general,
            path: "./x.png".into(),
            caption: "the screenshot".into(),
            parent: None,
        }]
    );
    assert!(
        s.status
            .as_ref()
            .unwrap()
            .text
            .contains("uploading ./x.png")
    );
    chars(s, "/upload");
    assert_eq!(update(s, key(KeyCode::Enter)), vec![]);
    assert!(
        s.status
            .as_ref()
            .unwrap()
            .text
            .contains("usage: /upload PATH")
    );
    chars(s, "//slash");
    assert!(update(s, key(KeyCode::Enter)).contains(&Effect::Send {
        channel: f.general,
        body: "/slash".into(),
        parent: None
    }));
}

#[test]
fn tab_completes_people_channels_commands_and_emoji() {
    let mut f = fixture();
    let s = &mut f.state;
    chars(s, "hi @bo");
    update(s, key(KeyCode::Tab));
    assert_eq!(s.composer.text(), "hi @bob ");
    chars(s, "#ran");
    update(s, key(KeyCode::Tab));
    assert_eq!(s.composer.text(), "hi @bob #random ");
    chars(s, ":tada");
    update(s, key(KeyCode::Tab));
    assert!(s.composer.text().ends_with("🎉 "), "{}", s.composer.text());
    s.composer.take();
    chars(s, "/aw");
    update(s, key(KeyCode::Tab));
    assert_eq!(s.composer.text(), "/away ");
    update(s, Action::Commands(vec!["/awesome".into(), "/away".into()]));
    s.composer.take();
    chars(s, "/aw");
    update(s, key(KeyCode::Tab));
    update(s, key(KeyCode::Tab));
    assert_eq!(s.composer.text(), "/away ", "Tab again takes the next");
}

#[test]
fn the_mouse_opens_channels_and_selects_messages() {
    let mut f = fixture();
    let s = &mut f.state;
    // Row 3 of the screen is the sidebar's #random (frame, community, #general, #random).
    let click = |row| {
        Action::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: 5,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    update(s, click(3));
    assert_eq!(s.current, Some(f.random));
    update(s, click(2));
    assert_eq!(s.current, Some(f.general));
    let scroll = Action::Mouse(MouseEvent {
        kind: MouseEventKind::ScrollUp,
        column: 60,
        row: 10,
        modifiers: KeyModifiers::NONE,
    });
    update(s, scroll);
    assert_eq!(s.view().unwrap().selected, Some(3));
}

#[test]
fn search_results_jump_to_the_message_in_context() {
    let mut f = fixture();
    let s = &mut f.state;
    update(s, key(KeyCode::Esc));
    update(s, key(KeyCode::Char('/')));
    chars(s, "lunch");
    assert_eq!(
        update(s, key(KeyCode::Enter)),
        vec![Effect::Search("lunch".into())]
    );
    let hit = message(f.random, 2, &f.bob, "lunch at noon", now());
    update(s, Action::SearchResults(Box::new(search_page(&hit))));
    let fx = update(s, key(KeyCode::Enter));
    assert!(fx.contains(&Effect::LoadAround {
        channel: f.random,
        message: hit.id
    }));
    assert!(!fx.iter().any(|e| matches!(e, Effect::LoadHistory { .. })));
    assert_eq!(s.current, Some(f.random));
}

fn search_page(hit: &MessageDto) -> SearchPage {
    SearchPage {
        results: vec![SearchResultDto {
            message: hit.clone(),
            channel: SearchChannelDto {
                id: hit.channel_id,
                name: Some("random".into()),
                community_slug: Some("acme".into()),
            },
            snippet: "<mark>lunch</mark> at noon".into(),
            rank: 1.0,
        }],
        next_cursor: None,
    }
}

fn notifications(f: &Fixture) -> NotificationPage {
    let n = |kind, read, preview: &str| NotificationDto {
        id: NotificationId::new(),
        kind,
        source_id: None,
        channel_id: Some(f.random),
        data: serde_json::json!({"author_username": "bob", "preview": preview}),
        read,
        created_at: now() - Duration::minutes(5),
    };
    NotificationPage {
        notifications: vec![
            n(NotificationKind::Mention, false, "hey @alice"),
            n(NotificationKind::ThreadReply, true, "agreed"),
        ],
        unread_count: 1,
        has_more: false,
    }
}

#[test]
fn notifications_open_and_mark_read() {
    let mut f = fixture();
    let page = notifications(&f);
    let s = &mut f.state;
    update(s, key(KeyCode::Esc));
    assert_eq!(
        update(s, key(KeyCode::Char('n'))),
        vec![Effect::LoadNotifications]
    );
    let first = page.notifications[0].id;
    update(s, Action::Notifications(Box::new(page)));
    let fx = update(s, key(KeyCode::Enter));
    assert!(fx.contains(&Effect::MarkNotificationsRead {
        ids: vec![first],
        all: false
    }));
    assert_eq!(s.current, Some(f.random));
}

#[test]
fn the_key_map_from_the_config_file_is_used() {
    let mut f = fixture();
    let mut o = std::collections::BTreeMap::new();
    o.insert("x".to_owned(), "help".to_owned());
    f.state.keymap = KeyMap::with_overrides(&o).unwrap();
    update(&mut f.state, key(KeyCode::Esc));
    update(&mut f.state, key(KeyCode::Char('x')));
    assert!(matches!(f.state.overlay, Some(Overlay::Help)));
}

// ---- screens --------------------------------------------------------------------------

#[test]
fn snapshot_main_screen() {
    let mut f = fixture();
    update(
        &mut f.state,
        event(
            Some(f.general),
            EventData::Typing {
                user_id: f.bob.id,
                typing: true,
            },
        ),
    );
    insta::assert_snapshot!(sized(&mut f.state, 120, 30));
}

#[test]
fn snapshot_selection_and_multiline_composer() {
    let mut f = fixture();
    let s = &mut f.state;
    update(s, key(KeyCode::Esc));
    for _ in 0..3 {
        update(s, key(KeyCode::Char('k')));
    }
    update(s, key(KeyCode::Char('i')));
    chars(s, "first line");
    update(s, key_with(KeyCode::Enter, KeyModifiers::ALT));
    chars(s, "second line");
    insta::assert_snapshot!(sized(s, 100, 28));
}

fn key_with(code: KeyCode, m: KeyModifiers) -> Action {
    Action::Key(KeyEvent::new(code, m))
}

#[test]
fn snapshot_narrow_terminal_hides_the_sidebar_behind_a_key() {
    let mut f = fixture();
    let s = &mut f.state;
    let hidden = sized(s, 60, 20);
    update(s, key(KeyCode::Esc));
    update(s, key(KeyCode::Char('s')));
    let shown = screen(s, 60, 20);
    insta::assert_snapshot!(format!("{hidden}\n{shown}"));
}

#[test]
fn snapshot_thread_pane() {
    let mut f = fixture();
    let s = &mut f.state;
    update(s, key(KeyCode::Esc));
    update(s, key(KeyCode::Char('k')));
    update(s, key(KeyCode::Char('r')));
    let parent = s.view().unwrap().messages[5].clone();
    let mut reply = message(
        f.general,
        7,
        &f.alice,
        "sure, **noon**?",
        now() - Duration::minutes(15),
    );
    reply.parent_id = Some(parent.id);
    let mut second = message(f.general, 8, &f.bob, "yes", now() - Duration::minutes(10));
    second.parent_id = Some(parent.id);
    update(
        s,
        Action::Thread {
            parent: Box::new(parent),
            replies: vec![reply, second],
        },
    );
    insta::assert_snapshot!(sized(s, 120, 24));
}

#[test]
fn snapshot_dialogs() {
    let mut f = fixture();
    let hit = message(f.random, 2, &f.bob, "lunch at noon", now());
    let page = notifications(&f);
    let s = &mut f.state;
    update(s, key(KeyCode::Esc));
    update(s, key(KeyCode::Char('?')));
    let help = sized(s, 100, 30);
    update(s, key(KeyCode::Esc));
    update(s, ctrl('k'));
    chars(s, "r");
    let switcher = screen(s, 100, 30);
    update(s, key(KeyCode::Esc));
    update(s, key(KeyCode::Char('/')));
    chars(s, "lunch");
    update(s, key(KeyCode::Enter));
    update(s, Action::SearchResults(Box::new(search_page(&hit))));
    let search = screen(s, 100, 30);
    update(s, key(KeyCode::Esc));
    update(s, key(KeyCode::Char('n')));
    update(s, Action::Notifications(Box::new(page)));
    let notes = screen(s, 100, 30);
    update(s, key(KeyCode::Esc));
    update(s, key(KeyCode::Char('k')));
    update(s, key(KeyCode::Char('d')));
    let delete = screen(s, 100, 30);
    insta::assert_snapshot!(format!("{help}\n{switcher}\n{search}\n{notes}\n{delete}"));
}

#[test]
fn snapshot_reconnecting_and_too_small() {
    let mut f = fixture();
    let s = &mut f.state;
    update(
        s,
        Action::Disconnected {
            error: "connection refused".into(),
        },
    );
    let reconnecting = sized(s, 90, 12);
    let small = sized(s, 30, 8);
    update(
        s,
        Action::StreamFailed(
            "your session has expired or was revoked: run `ajet-chat login`".into(),
        ),
    );
    let failed = sized(s, 90, 12);
    insta::assert_snapshot!(format!("{reconnecting}\n{small}\n{failed}"));
}

/// A webhook's message with two cards, as the api sends it: the body holds the cards as
/// markdown, the meta holds them typed, with the sender name the delivery chose.
fn card_message(channel: ChannelId, seq: i64, bot: &UserDto) -> MessageDto {
    use ajet_core::cards::{Card, CardField};
    use ajet_core::dto::MessageMeta;

    let mut m = message(
        channel,
        seq,
        bot,
        "Deployed **api** to production\n\n> **v1.4.0**\n> the body, as the cli prints it",
        now() - Duration::minutes(5),
    );
    m.meta = Some(MessageMeta {
        display_name: Some("Release bot".into()),
        icon_url: None,
        icon_emoji: Some(":rocket:".into()),
        text: Some("Deployed **api** to production".into()),
        cards: vec![
            Card {
                color: Some("#2eb886".into()),
                pretext: Some("A new release is out".into()),
                author_name: Some("octocat".into()),
                title: Some("v1.4.0 \\<b\\>stable\\</b\\>".into()),
                title_link: Some("https://example.com/r/v1.4.0".into()),
                text: Some("Fixes the _flaky_ login and adds `webhook` cards.".into()),
                fields: vec![
                    CardField {
                        title: "Environment".into(),
                        value: "production".into(),
                        short: true,
                    },
                    CardField {
                        title: "Duration".into(),
                        value: "2m 14s".into(),
                        short: true,
                    },
                ],
                footer: Some("GitHub Actions".into()),
                ts: Some(now() - Duration::minutes(6)),
                ..Card::default()
            },
            Card {
                color: Some("#d40e0d".into()),
                title: Some("Smoke tests failed on eu-west".into()),
                text: Some("The canary is rolled back.".into()),
                ..Card::default()
            },
        ],
    });
    m
}

#[test]
fn snapshot_a_webhook_message_with_cards() {
    let mut f = fixture();
    let s = &mut f.state;
    let bot = user("deploys");
    update(
        s,
        event(
            Some(f.general),
            EventData::MessageCreated(card_message(f.general, 7, &bot)),
        ),
    );
    let text = sized(s, 100, 30);
    assert!(
        !text.contains("as the cli prints it"),
        "the cards are drawn instead of the body"
    );
    insta::assert_snapshot!(text);

    // The bars take the cards' colours; the title is bold, the footer dim.
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
    terminal.draw(|frame| super::ui::draw(frame, s)).unwrap();
    let buffer = terminal.backend().buffer().clone();
    let row_of = |needle: &str| {
        (0..30u16)
            .find(|&y| {
                let line: String = (0..100u16).map(|x| buffer[(x, y)].symbol()).collect();
                line.contains(needle)
            })
            .unwrap_or_else(|| panic!("{needle:?} is not on the screen:\n{text}"))
    };
    let cell_of = |y: u16, symbol: &str| {
        (0..100u16)
            .map(|x| &buffer[(x, y)])
            .find(|c| c.symbol() == symbol)
            .unwrap_or_else(|| panic!("no {symbol:?} on row {y}"))
            .clone()
    };
    use ratatui::style::{Color, Modifier};
    let title = row_of("v1.4.0");
    assert_eq!(cell_of(title, "▌").fg, Color::Green);
    assert!(cell_of(title, "v").modifier.contains(Modifier::BOLD));
    let failed = row_of("Smoke tests failed");
    assert_eq!(cell_of(failed, "▌").fg, Color::Red);
    let footer = row_of("GitHub Actions");
    assert_eq!(cell_of(footer, "G").fg, Color::DarkGray);
}

#[test]
fn files_are_listed_by_name_size_and_type() {
    let mut f = fixture();
    let s = &mut f.state;
    let bob = user("bob");
    let mut m = message(f.general, 7, &bob, "", now());
    let file = |name: &str, size: i64, media_type: &str, px: Option<(i32, i32)>| {
        ajet_core::dto::AttachmentDto {
            id: ajet_core::AttachmentId::new(),
            name: name.into(),
            size,
            media_type: media_type.into(),
            width: px.map(|p| p.0),
            height: px.map(|p| p.1),
            url: "/api/attachments/x".into(),
            thumbnail_url: None,
        }
    };
    m.attachments = vec![
        file("build.log", 1536, "text/plain", None),
        file(
            "screen.png",
            3 * 1024 * 1024,
            "image/png",
            Some((1600, 800)),
        ),
    ];
    update(s, event(Some(f.general), EventData::MessageCreated(m)));
    let text = sized(s, 100, 30);
    assert!(
        text.contains("📎 build.log  1.5 KiB · text/plain"),
        "{text}"
    );
    assert!(
        text.contains("📎 screen.png  3.0 MiB · image/png · 1600×800"),
        "{text}"
    );
}

#[test]
fn upload_paths_may_be_quoted_or_start_at_home() {
    use super::input::upload_args;
    assert_eq!(
        upload_args(" \"my file.png\" look at this"),
        Some(("my file.png".into(), "look at this".into()))
    );
    assert_eq!(upload_args(" a.log"), Some(("a.log".into(), String::new())));
    let (home, _) = upload_args(" ~/x.txt").unwrap();
    assert!(home.ends_with("x.txt") && home.is_absolute(), "{home:?}");
    assert_eq!(upload_args(""), None);
    assert_eq!(upload_args(" \"unterminated"), None);
}

#[test]
fn o_saves_the_selected_message_s_files() {
    let mut f = fixture();
    let s = &mut f.state;
    let bob = user("bob");
    let mut m = message(f.general, 7, &bob, "logs", now());
    m.attachments = vec![ajet_core::dto::AttachmentDto {
        id: ajet_core::AttachmentId::new(),
        name: "build.log".into(),
        size: 10,
        media_type: "text/plain".into(),
        width: None,
        height: None,
        url: "/api/attachments/x".into(),
        thumbnail_url: None,
    }];
    let files = m.attachments.clone();
    update(s, event(Some(f.general), EventData::MessageCreated(m)));
    update(s, key(KeyCode::Esc));
    update(s, key(KeyCode::Char('k')));
    assert_eq!(
        update(s, key(KeyCode::Char('o'))),
        vec![Effect::OpenFiles(files)]
    );
    update(s, key(KeyCode::Char('k')));
    assert_eq!(update(s, key(KeyCode::Char('o'))), vec![]);
    assert!(s.status.as_ref().unwrap().text.contains("no files"));
}
