//! The first-load gauge, the credentials banner, freshness and the start's retries.

mod ui_common;

use std::time::Duration as StdDuration;

use chrono::Duration;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ssm_cockpit::app::{App, AppOptions, Msg, Pane, WallboardOptions};
use ssm_cockpit::model::{Cadences, Feed, FeedEvent, ManagedNode, PingStatus};
use ui_common::{draw, scope, t0};

/// Three scopes polling their nodes; only the first answered.
fn loading() -> App {
    let mut app = App::new(AppOptions {
        context: "profile prod · eu-west-1".into(),
        ..AppOptions::default()
    });
    app.set_now(Some(t0()));
    app.update(Msg::Feed(FeedEvent::ScopesDiscovered {
        scopes: vec![
            scope("acme-prod", "123456789012", "eu-west-1"),
            scope("acme-dev", "210987654321", "eu-west-1"),
            scope("acme-data", "555566667777", "eu-west-1"),
        ],
        note: Some("organization: 3 accounts".into()),
    }));
    for s in 0..3 {
        app.update(Msg::Feed(FeedEvent::FeedPolling {
            scope: s,
            feed: Feed::Nodes,
            at: t0(),
        }));
    }
    let mut n = ManagedNode::new(0, "i-0a1b2c3d4e5f60001");
    n.ping_status = PingStatus::Online;
    n.last_ping = Some(t0());
    app.update(Msg::Feed(FeedEvent::NodesLoaded {
        scope: 0,
        nodes: vec![n],
        at: t0(),
    }));
    app
}

#[test]
fn gauge_while_scopes_load() {
    let mut app = loading();
    let screen = draw(&mut app, 100, 12);
    assert!(screen.contains("loading 1/3 scopes"), "{screen}");
    insta::assert_snapshot!(screen);
    for s in 1..3 {
        app.update(Msg::Feed(FeedEvent::NodesLoaded {
            scope: s,
            nodes: Vec::new(),
            at: t0(),
        }));
    }
    assert!(!draw(&mut app, 100, 12).contains("loading"));
}

#[test]
fn credentials_banner_until_a_poll_succeeds() {
    let mut app = loading();
    app.update(Msg::Feed(FeedEvent::ScopeFailed {
        scope: 1,
        error: "DescribeInstanceInformation: ExpiredTokenException: expired".into(),
        at: t0(),
    }));
    app.update(Msg::Feed(FeedEvent::CredentialsFailed {
        error: "DescribeInstanceInformation: ExpiredTokenException: expired".into(),
    }));
    let screen = draw(&mut app, 100, 12);
    assert!(
        screen
            .lines()
            .next()
            .is_some_and(|l| l.contains("aws sso login --profile prod")),
        "{screen}"
    );
    insta::assert_snapshot!(screen);
    app.update(Msg::Feed(FeedEvent::NodesLoaded {
        scope: 1,
        nodes: Vec::new(),
        at: t0(),
    }));
    assert!(!draw(&mut app, 100, 12).contains("credentials expired"));
}

/// Two scopes whose nodes answered at `t0()`, polled every 15 s.
fn answered_at_t0() -> App {
    let mut app = App::new(AppOptions {
        context: "profile prod · eu-west-1".into(),
        ..AppOptions::default()
    });
    app.set_now(Some(t0()));
    app.set_cadences(Cadences::new(|_| StdDuration::from_secs(15)));
    app.update(Msg::Feed(FeedEvent::ScopesDiscovered {
        scopes: vec![
            scope("acme-prod", "123456789012", "eu-west-1"),
            scope("acme-dev", "210987654321", "eu-west-1"),
        ],
        note: None,
    }));
    for s in 0..2 {
        app.update(Msg::Feed(FeedEvent::NodesLoaded {
            scope: s,
            nodes: Vec::new(),
            at: t0(),
        }));
    }
    app
}

/// Every call hangs after a first good poll: the status bar, the Scopes pane and the
/// wallboard stop calling the scopes fresh once the next poll has been in flight for
/// longer than the cadence, and say why.
#[test]
fn a_hanging_poll_is_stale_in_every_view_within_twice_the_cadence() {
    let mut app = answered_at_t0();
    let screen = draw(&mut app, 120, 12);
    assert!(screen.contains("2/2 scopes fresh"), "{screen}");
    assert!(
        screen.contains("✓ every scope answered its last poll"),
        "{screen}"
    );
    // The next polls start at 15 s and never answer.
    for s in 0..2 {
        app.update(Msg::Feed(FeedEvent::FeedPolling {
            scope: s,
            feed: Feed::Nodes,
            at: t0() + Duration::seconds(15),
        }));
    }
    app.set_now(Some(t0() + Duration::seconds(30)));
    assert!(draw(&mut app, 120, 12).contains("2/2 scopes fresh"));
    app.set_now(Some(t0() + Duration::seconds(31)));
    app.update(Msg::Tick);
    let screen = draw(&mut app, 120, 12);
    assert!(screen.contains("0/2 scopes fresh, 2 stale"), "{screen}");
    assert!(!screen.contains("every scope answered"), "{screen}");
    assert!(
        screen.contains(
            "⚠ 2 stale: acme-prod (123456789012)/eu-west-1: poll in flight 16s (polled every 15s)"
        ),
        "{screen}"
    );
    assert_eq!(
        app.freshness(0, Feed::Nodes),
        ssm_cockpit::model::Freshness::InFlightTooLong
    );
    // The Scopes pane marks the cells and its title counts them.
    app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char(':'),
        KeyModifiers::NONE,
    )));
    for c in "scopes".chars() {
        app.update(Msg::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        )));
    }
    app.update(Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    let screen = draw(&mut app, 120, 12);
    assert!(screen.contains("⚠ 31s↻"), "{screen}");
    assert!(screen.contains("0/2 scopes fresh · ⚠ 2 stale"), "{screen}");

    // The wallboard, fed the same, says the same.
    let mut wall = answered_at_t0();
    wall.set_wallboard(WallboardOptions::new(
        vec![Pane::Nodes],
        StdDuration::from_secs(60),
        |_| StdDuration::from_secs(15),
    ));
    for s in 0..2 {
        wall.update(Msg::Feed(FeedEvent::FeedPolling {
            scope: s,
            feed: Feed::Nodes,
            at: t0() + Duration::seconds(15),
        }));
    }
    wall.set_now(Some(t0() + Duration::seconds(31)));
    let stale: Vec<_> = wall.stale_feeds().iter().map(|s| s.scope).collect();
    assert_eq!(stale, vec![0, 1]);

    // An answer makes them fresh again.
    for s in 0..2 {
        app.update(Msg::Feed(FeedEvent::NodesLoaded {
            scope: s,
            nodes: Vec::new(),
            at: t0() + Duration::seconds(31),
        }));
    }
    assert!(draw(&mut app, 120, 12).contains("2/2 scopes fresh"));
}

/// Scopes that never answer are stale twice the cadence after the cockpit began waiting.
#[test]
fn scopes_that_never_answer_turn_stale_after_twice_the_cadence() {
    let mut app = App::new(AppOptions::default());
    app.set_now(Some(t0()));
    app.set_cadences(Cadences::new(|_| StdDuration::from_secs(15)));
    app.update(Msg::Feed(FeedEvent::ScopesDiscovered {
        scopes: vec![scope("acme-prod", "123456789012", "eu-west-1")],
        note: None,
    }));
    assert!(draw(&mut app, 120, 12).contains("0/1 scopes fresh, 1 pending"));
    app.set_now(Some(t0() + Duration::seconds(31)));
    let screen = draw(&mut app, 120, 12);
    assert!(screen.contains("0/1 scopes fresh, 1 stale"), "{screen}");
    assert!(screen.contains("no answer in 31s"), "{screen}");
}

/// A failed start is tried again, and the status bar says when and why.
#[test]
fn a_failed_discovery_shows_its_retry() {
    let mut app = App::new(AppOptions::default());
    app.set_now(Some(t0()));
    app.update(Msg::Feed(FeedEvent::DiscoveryFailed {
        error: "sts:GetCallerIdentity: dispatch failure: Connection refused".into(),
    }));
    app.update(Msg::Feed(FeedEvent::DiscoveryRetrying {
        attempt: 2,
        next: t0() + Duration::seconds(4),
    }));
    let screen = draw(&mut app, 120, 12);
    assert!(
        screen.contains(
            "↻ discovery: retrying in 4s (attempt 2): sts:GetCallerIdentity: dispatch failure"
        ),
        "{screen}"
    );
    assert!(
        screen.contains("Discovery failed, retrying in 4s (attempt 2)"),
        "{screen}"
    );
    // A failure that will not pass is shown as final.
    app.update(Msg::Feed(FeedEvent::DiscoveryFailed {
        error: "no region".into(),
    }));
    let screen = draw(&mut app, 120, 12);
    assert!(screen.contains("✗ discovery: no region"), "{screen}");
    assert!(!screen.contains("retrying"), "{screen}");
}
