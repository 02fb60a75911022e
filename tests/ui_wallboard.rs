//! The wallboard (`--wallboard`): snapshots at 120×40 and 300×80, keys that do nothing,
//! rotation on the tick, redraws only when something visible changed, and staleness.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};

use ssm_cockpit::app::{App, AppOptions, Msg, Overlay, Pane, StaleFeed, WallboardOptions};
use ssm_cockpit::model::{
    ComplianceSeverity, ComplianceSummary, Feed, FeedEvent, ManagedNode, OpsItem, PingStatus,
    ResourceCompliance, SeverityCounts,
};
use ssm_cockpit::poll::PollOptions;
use ssm_cockpit::ui::theme::Theme;

mod ui_common;
use ui_common::{draw, scope, t0};

fn node(scope: u32, id: &str, ping: PingStatus) -> ManagedNode {
    let mut n = ManagedNode::new(scope, id);
    n.ping_status = ping;
    n.platform_name = "Amazon Linux".into();
    n.platform_version = "2023".into();
    n.agent_version = "3.3.1142.0".into();
    n.is_latest_version = Some(true);
    n.ip_address = "10.0.1.10".into();
    n.last_ping = Some(t0() - Duration::seconds(40));
    n.tags = Some(vec![("Name".into(), format!("web-{id}"))]);
    n
}

fn item(scope: u32, id: &str, sev: &str, status: &str) -> OpsItem {
    let mut i = OpsItem::new(scope, id);
    i.title = format!("Alarm {id}");
    i.severity = sev.into();
    i.status = status.into();
    i.source = "CloudWatch".into();
    i.created = Some(t0() - Duration::hours(5));
    i.last_modified = i.created;
    i
}

fn resource(scope: u32, id: &str, kind: &str) -> ResourceCompliance {
    ResourceCompliance {
        scope,
        resource_id: id.into(),
        resource_type: "ManagedInstance".into(),
        compliance_type: kind.into(),
        status: "NON_COMPLIANT".into(),
        worst_severity: ComplianceSeverity::High,
        compliant: SeverityCounts::default(),
        non_compliant: SeverityCounts {
            high: 2,
            ..SeverityCounts::default()
        },
        execution_id: "exec-1".into(),
        execution_time: Some(t0() - Duration::hours(3)),
    }
}

fn summary(scope: u32, kind: &str, non_compliant: u32) -> ComplianceSummary {
    ComplianceSummary {
        scope,
        compliance_type: kind.into(),
        compliant: SeverityCounts {
            low: 5,
            ..SeverityCounts::default()
        },
        non_compliant: SeverityCounts {
            high: non_compliant,
            ..SeverityCounts::default()
        },
    }
}

fn options(poll: &PollOptions) -> WallboardOptions {
    WallboardOptions::new(
        vec![
            Pane::Explorer,
            Pane::OpsCenter,
            Pane::Compliance,
            Pane::Nodes,
        ],
        StdDuration::from_secs(20),
        |f| poll.interval(f),
    )
}

fn wallboard(poll: &PollOptions) -> App {
    let mut app = App::new(AppOptions {
        context: "profile prod · 3 regions".into(),
        read_only: false,
        theme: Theme::high_contrast(),
        demo: false,
        demo_unsandboxed: None,
    });
    app.set_wallboard(options(poll));
    app
}

fn feed(app: &mut App, e: FeedEvent) {
    app.update(Msg::Feed(e));
}

/// Three scopes: the first answered everything 20 s ago; the second's nodes answered
/// 3 min ago (stale at a 60 s cadence); the third never answered. Started 5 min ago.
fn stale_estate(app: &mut App) {
    app.set_now(Some(t0() - Duration::minutes(5)));
    feed(
        app,
        FeedEvent::ScopesDiscovered {
            scopes: vec![
                scope("acme-prod", "123456789012", "eu-west-1"),
                scope("acme-dev", "210987654321", "us-east-1"),
                scope("acme-data", "555566667777", "ap-southeast-2"),
            ],
            note: Some("organization: 3 accounts".into()),
        },
    );
    healthy_scope(app, 0, t0() - Duration::seconds(20));
    healthy_scope(app, 1, t0() - Duration::seconds(20));
    feed(
        app,
        FeedEvent::NodesLoaded {
            scope: 1,
            nodes: vec![
                node(1, "i-0fedcba9876540001", PingStatus::Online),
                node(1, "i-0fedcba9876540002", PingStatus::Inactive),
            ],
            at: t0() - Duration::minutes(3),
        },
    );
    for f in [Feed::Nodes, Feed::OpsItems, Feed::Compliance] {
        feed(
            app,
            FeedEvent::FeedScheduled {
                scope: 2,
                feed: f,
                next: Some(t0() + Duration::seconds(30)),
                active: true,
            },
        );
    }
    app.set_now(Some(t0()));
}

fn healthy_scope(app: &mut App, s: u32, at: DateTime<Utc>) {
    let p = format!("i-0a1b2c3d4e5f6{s}");
    feed(
        app,
        FeedEvent::NodesLoaded {
            scope: s,
            nodes: vec![
                node(s, &format!("{p}001"), PingStatus::Online),
                node(s, &format!("{p}002"), PingStatus::ConnectionLost),
                node(s, &format!("{p}003"), PingStatus::Online),
            ],
            at,
        },
    );
    feed(
        app,
        FeedEvent::OpsItemsLoaded {
            scope: s,
            items: vec![
                item(s, &format!("oi-{s}00000000001"), "1", "Open"),
                item(s, &format!("oi-{s}00000000002"), "2", "InProgress"),
                item(s, &format!("oi-{s}00000000003"), "3", "Open"),
                item(s, &format!("oi-{s}00000000004"), "4", "Resolved"),
            ],
            at,
        },
    );
    feed(
        app,
        FeedEvent::ComplianceLoaded {
            scope: s,
            summaries: vec![summary(s, "Patch", 2), summary(s, "Association", 1)],
            resources: vec![
                resource(s, &format!("{p}002"), "Patch"),
                resource(s, &format!("{p}002"), "Association"),
                resource(s, &format!("{p}003"), "Patch"),
            ],
            at,
        },
    );
}

fn key(app: &mut App, code: KeyCode) -> bool {
    app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

#[test]
fn wallboard_120x40_flags_stale_scopes() {
    let poll = PollOptions::default();
    let mut app = wallboard(&poll);
    stale_estate(&mut app);
    let shown = draw(&mut app, 120, 40);
    assert!(shown.contains("STALE 3"), "{shown}");
    assert!(
        shown.contains("acme-data/ap-southeast-2 nodes never"),
        "{shown}"
    );
    assert!(shown.contains("acme-dev/us-east-1 nodes 3m ago"), "{shown}");
    assert!(shown.contains("waiting for a complete refresh"), "{shown}");
    insta::assert_snapshot!(shown);
}

#[test]
fn wallboard_300x80_fresh_estate_shows_the_last_complete_refresh() {
    let poll = PollOptions::default();
    let mut app = wallboard(&poll);
    app.set_now(Some(t0() - Duration::minutes(1)));
    feed(
        &mut app,
        FeedEvent::ScopesDiscovered {
            scopes: vec![
                scope("acme-prod", "123456789012", "eu-west-1"),
                scope("acme-dev", "210987654321", "us-east-1"),
            ],
            note: None,
        },
    );
    healthy_scope(&mut app, 0, t0() - Duration::seconds(20));
    healthy_scope(&mut app, 1, t0() - Duration::seconds(35));
    app.set_now(Some(t0()));
    assert_eq!(app.stale_feeds(), vec![]);
    assert_eq!(
        app.last_complete_refresh(),
        Some(t0() - Duration::seconds(35))
    );
    let shown = draw(&mut app, 300, 80);
    assert!(
        shown.contains("last complete refresh 11:59:25 UTC"),
        "{shown}"
    );
    assert!(
        shown.contains("every scope and feed refreshed within twice its cadence"),
        "{shown}"
    );
    insta::assert_snapshot!(shown);
}

#[test]
fn tiny_terminals_do_not_panic() {
    let poll = PollOptions::default();
    let mut app = wallboard(&poll);
    stale_estate(&mut app);
    for (w, h) in [(0, 0), (1, 1), (10, 3), (40, 5), (80, 8), (300, 2)] {
        draw(&mut app, w, h);
    }
}

#[test]
fn keys_do_nothing_but_quit_and_pause() {
    let poll = PollOptions::default();
    let mut app = wallboard(&poll);
    stale_estate(&mut app);
    let _ = app.take_effects();
    let before = draw(&mut app, 120, 40);
    let mut codes: Vec<KeyCode> = "cp:/?sSjkgGinmar<>xq"
        .chars()
        .filter(|c| *c != 'q')
        .map(KeyCode::Char)
        .collect();
    codes.extend(('0'..='9').map(KeyCode::Char));
    codes.extend([
        KeyCode::Enter,
        KeyCode::Esc,
        KeyCode::Tab,
        KeyCode::BackTab,
        KeyCode::Down,
        KeyCode::PageDown,
        KeyCode::Left,
        KeyCode::Right,
        KeyCode::F(1),
    ]);
    for code in codes {
        assert!(!key(&mut app, code), "{code:?} changed something");
        for m in [KeyModifiers::CONTROL, KeyModifiers::ALT] {
            if code == KeyCode::Char('c') && m == KeyModifiers::CONTROL {
                continue;
            }
            assert!(
                !app.update(Msg::Key(KeyEvent::new(code, m))),
                "{m:?}+{code:?}"
            );
        }
    }
    // The session leader too.
    assert!(!app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char(']'),
        KeyModifiers::CONTROL
    ))));
    assert!(!key(&mut app, KeyCode::Char('x')));
    assert!(!app.update(Msg::Paste("rm -rf /\n".into())));
    let click = MouseEvent {
        kind: MouseEventKind::Down(crossterm::event::MouseButton::Left),
        column: 10,
        row: 12,
        modifiers: KeyModifiers::NONE,
    };
    assert!(!app.update(Msg::Mouse(click)));
    assert_eq!(app.pane(), Pane::Explorer);
    assert_eq!(app.overlay(), &Overlay::None);
    assert!(app.command_line().is_none());
    assert!(!app.filter_editing());
    assert!(app.session_tabs().is_empty());
    assert!(app.take_effects().is_empty());
    assert!(app.options.read_only, "the wallboard is read-only");
    assert!(!app.should_quit());
    assert_eq!(draw(&mut app, 120, 40), before);

    assert!(key(&mut app, KeyCode::Char(' ')));
    assert!(app.wallboard_paused());
    assert!(draw(&mut app, 120, 40).contains("PAUSED"));
    assert!(key(&mut app, KeyCode::Char(' ')));
    assert!(!app.wallboard_paused());

    assert!(key(&mut app, KeyCode::Char('q')));
    assert!(app.should_quit());

    let mut app = wallboard(&poll);
    assert!(app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('c'),
        KeyModifiers::CONTROL
    ))));
    assert!(app.should_quit());
}

#[test]
fn panes_rotate_on_the_tick_and_pause() {
    let poll = PollOptions::default();
    let mut app = wallboard(&poll);
    stale_estate(&mut app);
    let all = app.wanted_feeds();
    for f in [
        Feed::Nodes,
        Feed::OpsItems,
        Feed::Compliance,
        Feed::Explorer,
    ] {
        assert!(all.contains(f), "{f} polled");
    }
    let at = |app: &mut App, secs: i64| {
        app.set_now(Some(t0() + Duration::seconds(secs)));
        app.update(Msg::Tick)
    };
    assert!(at(&mut app, 0), "the first tick draws");
    assert!(!at(&mut app, 1), "nothing changed: no redraw");
    assert!(!at(&mut app, 19));
    assert_eq!(app.pane(), Pane::Explorer);
    assert!(at(&mut app, 20));
    assert_eq!(app.pane(), Pane::OpsCenter);
    assert!(!at(&mut app, 21));
    assert!(at(&mut app, 40));
    assert_eq!(app.pane(), Pane::Compliance);
    // Paused: no rotation, whatever the time.
    assert!(key(&mut app, KeyCode::Char(' ')));
    assert!(!at(&mut app, 50));
    assert!(at(&mut app, 61), "the clock's minute changed");
    assert!(!at(&mut app, 100));
    assert_eq!(app.pane(), Pane::Compliance);
    // Resumed: a full interval from the resume.
    assert!(key(&mut app, KeyCode::Char(' ')));
    assert!(
        at(&mut app, 110),
        "the first scope's nodes went stale: the banner changed"
    );
    assert_eq!(app.pane(), Pane::Compliance);
    assert!(at(&mut app, 120));
    assert_eq!(app.pane(), Pane::Nodes);
    assert!(at(&mut app, 140));
    assert_eq!(app.pane(), Pane::Explorer, "wraps around");
    // The pollers are never told to drop a feed the wallboard needs.
    assert_eq!(app.wanted_feeds(), all);
    assert!(app.take_effects().iter().all(|e| matches!(
        e,
        ssm_cockpit::app::Effect::WantFeeds(f) if *f == all
    )));
}

#[test]
fn a_feed_goes_stale_after_twice_its_cadence() {
    let poll = PollOptions::default();
    let mut app = wallboard(&poll);
    stale_estate(&mut app);
    assert_eq!(
        app.stale_feeds(),
        vec![
            StaleFeed {
                scope: 1,
                feed: Feed::Nodes,
                last_success: Some(t0() - Duration::minutes(3)),
            },
            StaleFeed {
                scope: 2,
                feed: Feed::Nodes,
                last_success: None,
            },
            StaleFeed {
                scope: 2,
                feed: Feed::OpsItems,
                last_success: None,
            },
        ]
    );
    // Compliance polls every 300 s: 5 min without an answer is within twice that.
    // At a 60 s compliance cadence the same scope is stale there too.
    let fast = PollOptions {
        compliance_interval: StdDuration::from_secs(60),
        ..PollOptions::default()
    };
    let mut app = wallboard(&fast);
    stale_estate(&mut app);
    assert!(app.stale_feeds().contains(&StaleFeed {
        scope: 2,
        feed: Feed::Compliance,
        last_success: None,
    }));
    // Exactly twice the cadence is not yet stale; a second more is.
    let mut app = wallboard(&poll);
    app.set_now(Some(t0()));
    feed(
        &mut app,
        FeedEvent::ScopesDiscovered {
            scopes: vec![scope("acme-prod", "123456789012", "eu-west-1")],
            note: None,
        },
    );
    healthy_scope(&mut app, 0, t0());
    app.set_now(Some(t0() + Duration::seconds(120)));
    assert!(app.stale_feeds().is_empty());
    app.set_now(Some(t0() + Duration::seconds(121)));
    let stale: Vec<Feed> = app.stale_feeds().iter().map(|s| s.feed).collect();
    assert_eq!(stale, vec![Feed::Nodes, Feed::OpsItems]);
    // A tick notices it and redraws; a refresh clears it.
    assert!(app.update(Msg::Tick));
    healthy_scope(&mut app, 0, t0() + Duration::seconds(121));
    assert!(app.stale_feeds().is_empty());
}
