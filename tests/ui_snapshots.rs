//! Snapshot tests of the managed-nodes pane, drawn on ratatui's TestBackend.

use chrono::Duration;
use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

mod ui_common;

use ssm_cockpit::app::{App, AppOptions, Msg};
use ssm_cockpit::model::{FeedEvent, ManagedNode, PingStatus, PlatformType};
use ui_common::{draw, key, scope, t0, typed};

struct N<'a> {
    id: &'a str,
    name: &'a str,
    ping: PingStatus,
    os: (&'a str, &'a str),
    ip: &'a str,
    agent: &'a str,
    latest: Option<bool>,
    secs_ago: i64,
    tags: Option<&'a [(&'a str, &'a str)]>,
}

fn node(n: N) -> ManagedNode {
    let mut m = ManagedNode::new(0, n.id);
    m.ping_status = n.ping;
    m.platform_type = if n.os.0.contains("Windows") {
        PlatformType::Windows
    } else {
        PlatformType::Linux
    };
    m.platform_name = n.os.0.into();
    m.platform_version = n.os.1.into();
    m.ip_address = n.ip.into();
    m.agent_version = n.agent.into();
    m.is_latest_version = n.latest;
    m.last_ping = Some(t0() - Duration::seconds(n.secs_ago));
    m.resource_type = "EC2Instance".into();
    m.computer_name = format!("{}.internal", n.name);
    m.iam_role = "SSMInstanceProfile".into();
    m.registration_date = Some(t0() - Duration::days(40));
    m.association_status = "Success".into();
    m.last_association_execution = Some(t0() - Duration::minutes(25));
    m.source_id = n.id.into();
    m.source_type = "AWS::EC2::Instance".into();
    m.tags = n.tags.map(|tags| {
        let mut all: Vec<(String, String)> = tags
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        if !n.name.is_empty() {
            all.push(("Name".into(), n.name.into()));
        }
        all.sort();
        all
    });
    m
}

const LINUX: (&str, &str) = ("Amazon Linux", "2023");

fn options() -> AppOptions {
    AppOptions {
        context: "profile prod · 3 regions".into(),
        read_only: true,
        theme: Default::default(),
        demo: false,
        demo_unsandboxed: None,
    }
}

/// Three scopes, seven nodes; the third scope has not answered.
fn app() -> App {
    let mut app = App::new(options());
    app.set_now(Some(t0()));
    app.update(Msg::Feed(FeedEvent::ScopesDiscovered {
        scopes: vec![
            scope("acme-prod", "123456789012", "eu-west-1"),
            scope("acme-dev", "210987654321", "us-east-1"),
            scope("acme-data", "555566667777", "ap-southeast-2"),
        ],
        note: Some("organization: 3 accounts".into()),
    }));
    let env_prod: &[(&str, &str)] = &[("Env", "prod"), ("Team", "web")];
    app.update(Msg::Feed(FeedEvent::NodesLoaded {
        scope: 0,
        nodes: vec![
            node(N {
                id: "i-0a1b2c3d4e5f60001",
                name: "web-1",
                ping: PingStatus::Online,
                os: LINUX,
                ip: "10.0.1.10",
                agent: "3.3.1142.0",
                latest: Some(true),
                secs_ago: 42,
                tags: Some(env_prod),
            }),
            node(N {
                id: "i-0a1b2c3d4e5f60002",
                name: "web-2",
                ping: PingStatus::ConnectionLost,
                os: LINUX,
                ip: "10.0.1.11",
                agent: "3.2.582.0",
                latest: Some(false),
                secs_ago: 3 * 3600,
                tags: Some(env_prod),
            }),
            node(N {
                id: "i-0a1b2c3d4e5f60003",
                name: "db-primary",
                ping: PingStatus::Online,
                os: ("Ubuntu", "22.04"),
                ip: "10.0.2.5",
                agent: "3.3.1142.0",
                latest: Some(true),
                secs_ago: 65,
                tags: Some(&[("Env", "prod"), ("Team", "data")]),
            }),
            node(N {
                id: "mi-0123456789abcdef0",
                name: "",
                ping: PingStatus::Inactive,
                os: ("Microsoft Windows Server 2022 Datacenter", "10.0.20348"),
                ip: "192.168.7.20",
                agent: "3.1.1004.0",
                latest: Some(false),
                secs_ago: 9 * 86_400,
                tags: None,
            }),
        ],
        at: t0() - Duration::seconds(20),
    }));
    app.update(Msg::Feed(FeedEvent::NodesLoaded {
        scope: 1,
        nodes: vec![
            node(N {
                id: "i-0fedcba9876540001",
                name: "web-dev",
                ping: PingStatus::Online,
                os: LINUX,
                ip: "10.1.0.4",
                agent: "3.3.1142.0",
                latest: None,
                secs_ago: 5,
                tags: Some(&[("Env", "dev")]),
            }),
            node(N {
                id: "i-0fedcba9876540002",
                name: "batch-runner",
                ping: PingStatus::Online,
                os: ("Red Hat Enterprise Linux", "9.4"),
                ip: "10.1.0.9",
                agent: "3.3.1142.0",
                latest: Some(true),
                secs_ago: 130,
                tags: Some(&[("Env", "dev"), ("Team", "data")]),
            }),
        ],
        at: t0() - Duration::seconds(8),
    }));
    app
}

#[test]
fn nodes_pane() {
    let mut app = app();
    key(&mut app, KeyCode::Char('j'));
    insta::assert_snapshot!(draw(&mut app, 140, 14));
}

#[test]
fn nodes_pane_narrow() {
    let mut app = app();
    insta::assert_snapshot!(draw(&mut app, 72, 12));
}

#[test]
fn nodes_pane_sorted_by_last_ping_descending() {
    let mut app = app();
    for _ in 0..9 {
        key(&mut app, KeyCode::Char('s'));
    }
    key(&mut app, KeyCode::Char('S'));
    insta::assert_snapshot!(draw(&mut app, 140, 12));
}

#[test]
fn filter_bar_active() {
    let mut app = app();
    key(&mut app, KeyCode::Char('/'));
    typed(&mut app, "web !ping=lost");
    insta::assert_snapshot!(draw(&mut app, 140, 12));
}

#[test]
fn filter_bar_error() {
    let mut app = app();
    key(&mut app, KeyCode::Char('/'));
    typed(&mut app, "colour=red");
    insta::assert_snapshot!(draw(&mut app, 140, 12));
}

#[test]
fn filter_matches_nothing() {
    let mut app = app();
    app.set_filter("tag:Team=nobody");
    insta::assert_snapshot!(draw(&mut app, 100, 10));
}

#[test]
fn detail_view() {
    let mut app = app();
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Enter);
    insta::assert_snapshot!(draw(&mut app, 100, 34));
}

#[test]
fn detail_view_tags_loading() {
    let mut app = app();
    key(&mut app, KeyCode::Char('G'));
    key(&mut app, KeyCode::Enter);
    insta::assert_snapshot!(draw(&mut app, 100, 30));
}

#[test]
fn help_overlay() {
    let mut app = app();
    key(&mut app, KeyCode::Char('?'));
    insta::assert_snapshot!(draw(&mut app, 100, 30));
}

#[test]
fn failed_scope_status_bar() {
    let mut app = app();
    app.update(Msg::Feed(FeedEvent::ScopeFailed {
        scope: 1,
        error: "AccessDeniedException: User: arn:aws:sts::210987654321:assumed-role/ssm-cockpit/x \
                is not authorized to perform: ssm:DescribeInstanceInformation"
            .into(),
        at: t0(),
    }));
    app.update(Msg::Feed(FeedEvent::ScopeFailed {
        scope: 2,
        error: "ThrottlingException: Rate exceeded".into(),
        at: t0(),
    }));
    insta::assert_snapshot!(draw(&mut app, 120, 10));
}

#[test]
fn discovering_accounts() {
    let mut app = App::new(AppOptions {
        read_only: false,
        demo: true,
        ..options()
    });
    app.set_now(Some(t0()));
    insta::assert_snapshot!(draw(&mut app, 100, 8));
}

#[test]
fn discovery_failed() {
    let mut app = App::new(options());
    app.set_now(Some(t0()));
    app.update(Msg::Feed(FeedEvent::DiscoveryFailed {
        error: "AWSOrganizationsNotInUseException: not a member of an organization".into(),
    }));
    insta::assert_snapshot!(draw(&mut app, 100, 8));
}

#[test]
fn ping_cells_are_coloured() {
    let mut app = app();
    let theme = *app.theme();
    let mut terminal = Terminal::new(TestBackend::new(200, 14)).expect("test backend");
    ssm_cockpit::tui::draw_frame(&mut terminal, &mut app).expect("draw");
    let buf = terminal.backend().buffer();
    let find = |needle: &str| {
        (0..buf.area.height).find_map(|y| {
            let line: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
            line.find(needle).map(|x| (x as u16, y))
        })
    };
    let (x, y) = find("ConnectionLost").expect("shown");
    assert_eq!(buf[(x, y)].fg, theme.ping_lost);
    let (x, y) = find("Inactive").expect("shown");
    assert_eq!(buf[(x, y)].fg, theme.ping_inactive);
    let (x, y) = find("3.2.582.0*").expect("outdated agent flagged");
    assert_eq!(buf[(x, y)].fg, theme.agent_outdated);
}

#[test]
fn tiny_terminals_do_not_panic() {
    let mut app = app();
    for (w, h) in [(0, 0), (1, 1), (5, 2), (20, 3), (30, 5), (200, 1)] {
        draw(&mut app, w, h);
    }
    key(&mut app, KeyCode::Enter);
    draw(&mut app, 10, 4);
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('?'));
    draw(&mut app, 10, 4);
}
