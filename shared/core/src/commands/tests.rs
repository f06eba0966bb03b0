//! The command language, as users type it.

use proptest::prelude::*;

use super::*;
use crate::dto::{Role, Scope};

fn cmd(text: &str) -> Command {
    match parse(text) {
        Ok(Input::Command(c)) => c,
        other => panic!("{text:?} parsed as {other:?}"),
    }
}

fn err(text: &str) -> String {
    match parse(text) {
        Err(e) => e.to_string(),
        other => panic!("{text:?} parsed as {other:?}"),
    }
}

fn ch(name: &str) -> ChannelRef {
    ChannelRef {
        community: None,
        name: name.to_owned(),
    }
}

fn mins(n: u64) -> Option<Duration> {
    Duration::from_secs(n * 60)
}

#[test]
fn text_is_a_message_and_a_double_slash_posts_one_slash() {
    assert_eq!(parse("hello").unwrap(), Input::Text("hello".into()));
    assert_eq!(parse("//shrug").unwrap(), Input::Text("/shrug".into()));
    assert_eq!(parse("// x").unwrap(), Input::Text("/ x".into()));
    assert_eq!(
        parse(" /not a command").unwrap(),
        Input::Text(" /not a command".into())
    );
}

#[test]
fn members_commands() {
    assert_eq!(
        cmd("/join #general"),
        Command::Join {
            channel: ch("general")
        }
    );
    assert_eq!(
        cmd("/JOIN general"),
        Command::Join {
            channel: ch("general")
        }
    );
    assert_eq!(cmd("/leave"), Command::Leave { channel: None });
    assert_eq!(
        cmd("/leave #random"),
        Command::Leave {
            channel: Some(ch("random"))
        }
    );
    assert_eq!(
        cmd("/topic  Release day: don't deploy  "),
        Command::Topic {
            text: "Release day: don't deploy".into()
        }
    );
    assert_eq!(
        cmd("/msg @bob are you there?"),
        Command::Msg {
            user: "bob".into(),
            text: "are you there?".into()
        }
    );
    assert_eq!(
        cmd("/me waves"),
        Command::Me {
            text: "waves".into()
        }
    );
    assert_eq!(
        cmd("/invite @carol #ops"),
        Command::Invite {
            user: "carol".into(),
            channel: Some(ch("ops"))
        }
    );
    assert_eq!(
        cmd("/invite carol"),
        Command::Invite {
            user: "carol".into(),
            channel: None
        }
    );
    assert_eq!(
        cmd("/nick Bobby Tables"),
        Command::Nick {
            name: Some("Bobby Tables".into())
        }
    );
    assert_eq!(cmd("/nick"), Command::Nick { name: None });
    assert_eq!(cmd("/away"), Command::Away);
    assert_eq!(cmd("/back"), Command::Back);
    assert_eq!(cmd("/help"), Command::Help { command: None });
    assert_eq!(
        cmd("/help /Token  Create"),
        Command::Help {
            command: Some("token create".into())
        }
    );
}

#[test]
fn moderators_commands() {
    assert_eq!(
        cmd("/ban @bob 2h spamming links"),
        Command::Ban {
            user: "bob".into(),
            duration: mins(120),
            reason: Some("spamming links".into())
        }
    );
    assert_eq!(
        cmd("/ban @bob \"5x spam\""),
        Command::Ban {
            user: "bob".into(),
            duration: None,
            reason: Some("5x spam".into())
        }
    );
    assert_eq!(
        cmd("/ban bob"),
        Command::Ban {
            user: "bob".into(),
            duration: None,
            reason: None
        }
    );
    assert_eq!(cmd("/unban @bob"), Command::Unban { user: "bob".into() });
    assert_eq!(
        cmd("/kick @bob be nice"),
        Command::Kick {
            user: "bob".into(),
            reason: Some("be nice".into())
        }
    );
    assert_eq!(
        cmd("/mute @bob 1h30m"),
        Command::Mute {
            user: "bob".into(),
            duration: mins(90)
        }
    );
    assert_eq!(
        cmd("/mute @bob"),
        Command::Mute {
            user: "bob".into(),
            duration: None
        }
    );
    assert_eq!(cmd("/unmute @bob"), Command::Unmute { user: "bob".into() });
    assert_eq!(
        cmd("/purge"),
        Command::Purge {
            count: 10,
            user: None
        }
    );
    assert_eq!(
        cmd("/purge 50"),
        Command::Purge {
            count: 50,
            user: None
        }
    );
    assert_eq!(
        cmd("/purge 5 @bob"),
        Command::Purge {
            count: 5,
            user: Some("bob".into())
        }
    );
    assert_eq!(
        cmd("/purge @bob 5"),
        Command::Purge {
            count: 5,
            user: Some("bob".into())
        }
    );
    assert_eq!(
        cmd("/role @bob admin"),
        Command::Role {
            user: "bob".into(),
            role: Role::Admin
        }
    );
    assert_eq!(
        cmd("/role @bob MEMBER"),
        Command::Role {
            user: "bob".into(),
            role: Role::Member
        }
    );
    assert_eq!(
        cmd("/token create \"deploy bot\" messages:write #deploys --expires 30d"),
        Command::TokenCreate {
            name: "deploy bot".into(),
            scopes: vec![Scope::MessagesWrite],
            channels: vec![ch("deploys")],
            expires: Duration::from_secs(30 * 86_400),
        }
    );
    assert_eq!(cmd("/token list"), Command::TokenList);
    assert_eq!(cmd("/webhook list"), Command::WebhookList);
    assert_eq!(
        cmd("/webhook create #ci GitHub Actions"),
        Command::WebhookCreate {
            channel: ch("ci"),
            name: "GitHub Actions".into()
        }
    );
    assert_eq!(
        cmd("/invite create 5 7d"),
        Command::InviteCreate {
            max_uses: Some(5),
            expires: Duration::from_secs(7 * 86_400)
        }
    );
    assert_eq!(
        cmd("/invite create"),
        Command::InviteCreate {
            max_uses: None,
            expires: None
        }
    );
}

#[test]
fn unknown_names_are_for_the_community_to_resolve() {
    assert_eq!(
        cmd("/deploy  prod --force "),
        Command::Other {
            name: "deploy".into(),
            args: "prod --force".into()
        }
    );
    assert_eq!(
        err("/dé"),
        "unknown command /dé — /help lists the commands you can run"
    );
    assert!(err("/").contains("type a command name"));
}

#[test]
fn bad_arguments_say_the_usage() {
    assert_eq!(
        err("/ban"),
        "name a user; usage: /ban @user [duration] [reason]"
    );
    assert!(err("/ban @bob -5m").contains("cannot be negative"));
    assert!(err("/ban @bob 99999y").contains("365 days"));
    assert!(err("/mute @bob 5x").contains("\"5x\" is not a duration"));
    assert!(err("/purge 0").contains("1 to 1000"));
    assert!(err("/purge 1000000").contains("1 to 1000"));
    assert!(err("/purge bob").contains("neither a count nor an @user"));
    assert!(err("/role @bob owner").contains("use admin or member"));
    assert!(err("/token create x").contains("at least one scope"));
    assert!(err("/token create x admin --forever").contains("has no option --forever"));
    assert!(err("/kick @bob --silent").contains("has no option --silent"));
    assert!(err("/token").contains("/token create"));
    assert!(err("/token revoke nope").contains("not an id"));
    assert!(err("/unban @bob extra").contains("one argument too many"));
    assert!(err("/join").contains("usage: /join #channel"));
    assert!(err("/msg @bob").contains("write the message"));
    assert!(err("/ban @-bob").contains("not a username"));
    assert!(err("/ban @bob!").contains("not a username"));
    assert_eq!(
        cmd("/topic \"unclosed"),
        Command::Topic {
            text: "\"unclosed".into()
        }
    );
    assert!(err("/join \"#a").contains("not closed"));
    let long = format!("/topic {}", "x".repeat(16_001));
    assert!(err(&long).contains("the limit is 16000"));
}

#[test]
fn unicode_and_quotes() {
    assert_eq!(
        cmd("/topic 日本語 🎉"),
        Command::Topic {
            text: "日本語 🎉".into()
        }
    );
    assert_eq!(
        cmd("/me\u{3000}bows"),
        Command::Me {
            text: "bows".into()
        }
    );
    assert_eq!(
        cmd("/kick @bob 'it\\'s over'"),
        Command::Kick {
            user: "bob".into(),
            reason: Some("it's over".into())
        }
    );
}

#[test]
fn every_catalog_entry_parses_from_its_own_usage_example() {
    // Each command with no required argument runs as its bare name.
    for spec in catalog::ALL
        .iter()
        .filter(|s| s.args.iter().all(|a| !a.required))
    {
        let text = format!("/{}", spec.name);
        assert_eq!(cmd(&text).name(), spec.name, "{text}");
    }
}

proptest! {
    #[test]
    fn never_panics(text in "\\PC{0,200}") {
        let _ = parse(&text);
    }

    #[test]
    fn never_panics_on_commands(name in "[a-z]{1,8}", args in "[ -~\u{00e9}\u{3000}\"'\\\\#@-]{0,80}") {
        let _ = parse(&format!("/{name} {args}"));
    }

    #[test]
    fn a_double_slash_posts_the_rest(text in "[^\u{0}]{0,100}") {
        let typed = format!("//{text}");
        prop_assert_eq!(parse(&typed).unwrap(), Input::Text(format!("/{text}")));
    }
}
