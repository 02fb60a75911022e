use chrono::{DateTime, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::model::{Account, PingStatus, PlatformType, Scope};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0)
        .single()
        .expect("valid time")
}

fn scope(name: &str, id: &str, region: &str) -> Scope {
    Scope {
        account: Account {
            id: id.into(),
            name: name.into(),
        },
        region: region.into(),
    }
}

#[allow(clippy::too_many_arguments)]
fn node(
    id: &str,
    name: &str,
    ping: PingStatus,
    os: (&str, &str),
    ip: &str,
    mins_ago: i64,
    tags: &[(&str, &str)],
) -> ManagedNode {
    let mut n = ManagedNode::new(0, id);
    n.ping_status = ping;
    n.platform_type = if os.0.contains("Windows") {
        PlatformType::Windows
    } else {
        PlatformType::Linux
    };
    n.platform_name = os.0.into();
    n.platform_version = os.1.into();
    n.ip_address = ip.into();
    n.agent_version = "3.3.1142.0".into();
    n.last_ping = Some(t0() - chrono::Duration::minutes(mins_ago));
    let mut all: Vec<(String, String)> = vec![("Name".into(), name.into())];
    all.extend(tags.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    all.sort();
    n.tags = Some(all);
    n
}

/// Two scopes, five nodes.
fn app() -> App {
    let mut app = App::new(AppOptions::default());
    app.set_now(Some(t0()));
    app.update(Msg::Feed(FeedEvent::ScopesDiscovered {
        scopes: vec![
            scope("acme-prod", "111111111111", "eu-west-1"),
            scope("acme-dev", "222222222222", "us-east-1"),
        ],
        note: None,
    }));
    let linux = ("Amazon Linux", "2023");
    app.update(Msg::Feed(FeedEvent::NodesLoaded {
        scope: 0,
        nodes: vec![
            node(
                "i-0003",
                "web-1",
                PingStatus::Online,
                linux,
                "10.0.0.10",
                1,
                &[("Env", "prod")],
            ),
            node(
                "i-0001",
                "db-1",
                PingStatus::ConnectionLost,
                linux,
                "10.0.0.2",
                30,
                &[("Env", "prod")],
            ),
            node(
                "i-0002",
                "web-2",
                PingStatus::Inactive,
                ("Microsoft Windows Server 2022", "10.0"),
                "10.0.0.3",
                600,
                &[],
            ),
        ],
        at: t0(),
    }));
    app.update(Msg::Feed(FeedEvent::NodesLoaded {
        scope: 1,
        nodes: vec![
            node(
                "i-0101",
                "web-dev",
                PingStatus::Online,
                linux,
                "10.1.0.1",
                2,
                &[("Env", "dev")],
            ),
            node(
                "i-0102",
                "batch",
                PingStatus::Online,
                ("Ubuntu", "22.04"),
                "10.1.0.2",
                3,
                &[("Env", "dev"), ("Team", "Data")],
            ),
        ],
        at: t0(),
    }));
    app
}

fn ids(app: &App) -> Vec<String> {
    app.nodes
        .rows()
        .iter()
        .filter_map(|r| app.estate.node(r.scope, r.idx))
        .map(|n| n.instance_id.clone())
        .collect()
}

fn selected_id(app: &App) -> Option<String> {
    app.nodes
        .selected_node(&app.estate)
        .map(|n| n.instance_id.clone())
}

fn key(app: &mut App, code: KeyCode) -> bool {
    app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn ctrl(app: &mut App, c: char) -> bool {
    app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::CONTROL,
    )))
}

fn typed(app: &mut App, s: &str) {
    for c in s.chars() {
        key(app, KeyCode::Char(c));
    }
}

// --- sorting ---

#[test]
fn default_order_is_account_then_region_then_id() {
    let app = app();
    // "acme-dev (2…)" sorts before "acme-prod (1…)".
    assert_eq!(
        ids(&app),
        ["i-0101", "i-0102", "i-0001", "i-0002", "i-0003"]
    );
}

#[test]
fn sort_by_each_column_and_reverse() {
    let mut app = app();
    app.nodes.set_sort(&app.estate, Column::Name, false);
    assert_eq!(
        ids(&app),
        ["i-0102", "i-0001", "i-0003", "i-0002", "i-0101"]
    );
    app.nodes.set_sort(&app.estate, Column::Name, true);
    assert_eq!(
        ids(&app),
        ["i-0101", "i-0002", "i-0003", "i-0001", "i-0102"]
    );
    app.nodes.set_sort(&app.estate, Column::Ping, false);
    assert_eq!(ids(&app)[..3], ["i-0101", "i-0102", "i-0003"]);
    assert_eq!(ids(&app)[3..], ["i-0001", "i-0002"]);
    app.nodes.set_sort(&app.estate, Column::Ip, false);
    // Numeric, not text: 10.0.0.2 < 10.0.0.3 < 10.0.0.10.
    assert_eq!(
        ids(&app),
        ["i-0001", "i-0002", "i-0003", "i-0101", "i-0102"]
    );
    app.nodes.set_sort(&app.estate, Column::LastPing, true);
    assert_eq!(
        ids(&app),
        ["i-0003", "i-0101", "i-0102", "i-0001", "i-0002"]
    );
}

#[test]
fn sort_keys_cycle_and_reverse() {
    let mut app = app();
    assert_eq!(app.nodes.sort(), (Column::Account, false));
    key(&mut app, KeyCode::Char('s'));
    assert_eq!(app.nodes.sort(), (Column::Region, false));
    key(&mut app, KeyCode::Char('S'));
    assert_eq!(app.nodes.sort(), (Column::Region, true));
    key(&mut app, KeyCode::Char('<'));
    assert_eq!(app.nodes.sort(), (Column::Account, false));
    key(&mut app, KeyCode::Char('<'));
    assert_eq!(app.nodes.sort(), (Column::LastPing, false));
    key(&mut app, KeyCode::Char('>'));
    assert_eq!(app.nodes.sort(), (Column::Account, false));
}

// --- filtering ---

#[test]
fn plain_terms_match_any_column_and_tag_values() {
    let mut app = app();
    app.set_filter("web");
    assert_eq!(app.visible_row_count(), 3);
    // "prod" matches web-2 through its account name.
    app.set_filter("WEB prod");
    assert_eq!(ids(&app), ["i-0002", "i-0003"]);
    // Tag values match, tag keys do not.
    app.set_filter("data");
    assert_eq!(ids(&app), ["i-0102"]);
    app.set_filter("team");
    assert_eq!(app.visible_row_count(), 0);
    // Account ids and regions.
    app.set_filter("2222");
    assert_eq!(app.visible_row_count(), 2);
    app.set_filter("eu-west");
    assert_eq!(app.visible_row_count(), 3);
}

#[test]
fn column_terms_match_only_their_column() {
    let mut app = app();
    app.set_filter("ping=online");
    assert_eq!(app.visible_row_count(), 3);
    app.set_filter("ping=lost");
    assert_eq!(ids(&app), ["i-0001"]);
    app.set_filter("name=web");
    assert_eq!(app.visible_row_count(), 3);
    app.set_filter("id=web");
    assert_eq!(app.visible_row_count(), 0);
    app.set_filter("os=windows");
    assert_eq!(ids(&app), ["i-0002"]);
    app.set_filter("platform=linux region=us");
    assert_eq!(ids(&app), ["i-0101", "i-0102"]);
    app.set_filter("account=acme-prod ip=10.0.0.1");
    assert_eq!(ids(&app), ["i-0003"]);
    app.set_filter("agent=3.3");
    assert_eq!(app.visible_row_count(), 5);
}

#[test]
fn tag_terms_and_negation() {
    let mut app = app();
    app.set_filter("tag:env=prod");
    assert_eq!(ids(&app), ["i-0001", "i-0003"]);
    app.set_filter("tag:Team=data");
    assert_eq!(ids(&app), ["i-0102"]);
    app.set_filter("!tag:env=prod");
    assert_eq!(ids(&app), ["i-0101", "i-0102", "i-0002"]);
    app.set_filter("!web");
    assert_eq!(ids(&app), ["i-0102", "i-0001"]);
    app.set_filter("web !ping=online");
    assert_eq!(ids(&app), ["i-0002"]);
}

#[test]
fn bad_filter_keeps_last_rows_and_reports() {
    let mut app = app();
    app.set_filter("web");
    assert_eq!(app.visible_row_count(), 3);
    app.set_filter("web colour=red");
    assert_eq!(app.visible_row_count(), 3);
    assert!(matches!(
        app.nodes.filter_error(),
        Some(FilterError::UnknownColumn(c)) if c == "colour"
    ));
    app.set_filter("");
    assert_eq!(app.nodes.filter_error(), None);
    assert_eq!(app.visible_row_count(), 5);
}

#[test]
fn tags_loaded_later_become_searchable() {
    let mut app = app();
    app.update(Msg::Feed(FeedEvent::TagsLoaded {
        scope: 1,
        tags: vec![("i-0102".into(), vec![("Name".into(), "etl-runner".into())])],
    }));
    app.set_filter("etl");
    assert_eq!(ids(&app), ["i-0102"]);
}

// --- keys ---

#[test]
fn navigation_keys() {
    let mut app = app();
    app.nodes.set_page(2);
    assert_eq!(app.nodes.selected(), 0);
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Down);
    assert_eq!(app.nodes.selected(), 2);
    assert_eq!(app.nodes.offset(), 1);
    key(&mut app, KeyCode::Char('k'));
    assert_eq!(app.nodes.selected(), 1);
    key(&mut app, KeyCode::Char('G'));
    assert_eq!(app.nodes.selected(), 4);
    assert_eq!(app.nodes.offset(), 3);
    key(&mut app, KeyCode::Char('j'));
    assert_eq!(app.nodes.selected(), 4);
    key(&mut app, KeyCode::Char('g'));
    assert_eq!(app.nodes.selected(), 0);
    key(&mut app, KeyCode::Up);
    assert_eq!(app.nodes.selected(), 0);
    key(&mut app, KeyCode::End);
    key(&mut app, KeyCode::Home);
    assert_eq!(app.nodes.selected(), 0);
    key(&mut app, KeyCode::PageDown);
    assert_eq!(app.nodes.selected(), 2);
    key(&mut app, KeyCode::PageUp);
    assert_eq!(app.nodes.selected(), 0);
    app.nodes.set_page(4);
    ctrl(&mut app, 'd');
    assert_eq!(app.nodes.selected(), 2);
    ctrl(&mut app, 'u');
    assert_eq!(app.nodes.selected(), 0);
}

#[test]
fn filter_bar_typing_enter_and_esc() {
    let mut app = app();
    key(&mut app, KeyCode::Char('/'));
    assert!(app.filter_editing());
    typed(&mut app, "web");
    assert_eq!(app.visible_row_count(), 3);
    typed(&mut app, "-d");
    assert_eq!(ids(&app), ["i-0101"]);
    key(&mut app, KeyCode::Backspace);
    key(&mut app, KeyCode::Backspace);
    assert_eq!(app.nodes.filter_text(), "web");
    // `q` and `j` are text while the bar is open.
    typed(&mut app, "q");
    assert!(!app.should_quit());
    key(&mut app, KeyCode::Backspace);
    key(&mut app, KeyCode::Enter);
    assert!(!app.filter_editing());
    assert_eq!(app.nodes.filter_text(), "web");
    assert_eq!(app.visible_row_count(), 3);
    // Esc in the table clears a kept filter.
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.visible_row_count(), 5);
    // Esc in the bar clears and closes it.
    key(&mut app, KeyCode::Char('/'));
    typed(&mut app, "db");
    assert_eq!(app.visible_row_count(), 1);
    key(&mut app, KeyCode::Esc);
    assert!(!app.filter_editing());
    assert_eq!(app.nodes.filter_text(), "");
    assert_eq!(app.visible_row_count(), 5);
}

#[test]
fn filter_bar_editing_keys() {
    let mut app = app();
    key(&mut app, KeyCode::Char('/'));
    typed(&mut app, "ping=on web");
    ctrl(&mut app, 'w');
    assert_eq!(app.nodes.filter_text(), "ping=on ");
    key(&mut app, KeyCode::Home);
    key(&mut app, KeyCode::Char('!'));
    assert_eq!(app.nodes.filter_text(), "!ping=on ");
    key(&mut app, KeyCode::Right);
    key(&mut app, KeyCode::Delete);
    assert_eq!(app.nodes.filter_text(), "!png=on ");
    key(&mut app, KeyCode::End);
    typed(&mut app, "é");
    key(&mut app, KeyCode::Left);
    key(&mut app, KeyCode::Backspace);
    assert_eq!(app.nodes.filter_text(), "!png=oné");
    ctrl(&mut app, 'u');
    assert_eq!(app.nodes.filter_text(), "é");
}

#[test]
fn enter_opens_detail_and_esc_or_q_closes() {
    let mut app = app();
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Enter);
    assert!(
        matches!(app.overlay(), Overlay::Detail { instance_id, .. } if instance_id == "i-0102")
    );
    assert_eq!(app.detail_node().map(|n| n.name()), Some("batch"));
    // Table keys do not leak through.
    key(&mut app, KeyCode::Char('G'));
    assert_eq!(app.nodes.selected(), 1);
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.overlay(), &Overlay::None);
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('q'));
    assert_eq!(app.overlay(), &Overlay::None);
    assert!(!app.should_quit());
}

#[test]
fn help_toggles_and_q_quits() {
    let mut app = app();
    key(&mut app, KeyCode::Char('?'));
    assert_eq!(app.overlay(), &Overlay::Help);
    key(&mut app, KeyCode::Char('?'));
    assert_eq!(app.overlay(), &Overlay::None);
    key(&mut app, KeyCode::Char('?'));
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.overlay(), &Overlay::None);
    key(&mut app, KeyCode::Char('q'));
    assert!(app.should_quit());
}

#[test]
fn ctrl_c_quits_from_any_mode() {
    let mut app = app();
    key(&mut app, KeyCode::Char('/'));
    ctrl(&mut app, 'c');
    assert!(app.should_quit());
}

// --- refresh ---

#[test]
fn selection_follows_the_node_across_refreshes() {
    let mut app = app();
    key(&mut app, KeyCode::Char('G'));
    assert_eq!(selected_id(&app).as_deref(), Some("i-0003"));
    // A refresh that adds a node sorting after it and reorders the scope.
    let linux = ("Amazon Linux", "2023");
    app.update(Msg::Feed(FeedEvent::NodesLoaded {
        scope: 0,
        nodes: vec![
            node(
                "i-0004",
                "new",
                PingStatus::Online,
                linux,
                "10.0.0.4",
                0,
                &[],
            ),
            node(
                "i-0003",
                "web-1",
                PingStatus::Online,
                linux,
                "10.0.0.10",
                0,
                &[],
            ),
            node(
                "i-0001",
                "db-1",
                PingStatus::Online,
                linux,
                "10.0.0.2",
                0,
                &[],
            ),
        ],
        at: t0(),
    }));
    assert_eq!(
        ids(&app),
        ["i-0101", "i-0102", "i-0001", "i-0003", "i-0004"]
    );
    assert_eq!(selected_id(&app).as_deref(), Some("i-0003"));
    // The node leaves: the selection stays in range.
    app.update(Msg::Feed(FeedEvent::NodesLoaded {
        scope: 0,
        nodes: vec![],
        at: t0(),
    }));
    assert_eq!(app.visible_row_count(), 2);
    assert!(app.nodes.selected() < 2);
}

#[test]
fn selection_survives_filtering() {
    let mut app = app();
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('j'));
    assert_eq!(selected_id(&app).as_deref(), Some("i-0001"));
    app.set_filter("10.0");
    assert_eq!(selected_id(&app).as_deref(), Some("i-0001"));
    app.set_filter("");
    assert_eq!(selected_id(&app).as_deref(), Some("i-0001"));
}

#[test]
fn direct_estate_changes_are_picked_up() {
    let mut app = app();
    app.estate.apply(FeedEvent::NodesLoaded {
        scope: 1,
        nodes: vec![],
        at: t0(),
    });
    app.set_filter("");
    assert_eq!(app.visible_row_count(), 3);
    // And a feed event after a direct change rebuilds everything.
    app.estate.apply(FeedEvent::NodesLoaded {
        scope: 0,
        nodes: vec![],
        at: t0(),
    });
    app.update(Msg::Feed(FeedEvent::ScopeFailed {
        scope: 1,
        error: "x".into(),
        at: t0(),
    }));
    assert_eq!(app.visible_row_count(), 0);
}

#[test]
fn mouse_wheel_scrolls() {
    use crossterm::event::{MouseEvent, MouseEventKind};
    let mut app = app();
    app.nodes.set_page(2);
    let wheel = |kind| {
        Msg::Mouse(MouseEvent {
            kind,
            column: 0,
            row: 0,
            modifiers: KeyModifiers::NONE,
        })
    };
    assert!(app.update(wheel(MouseEventKind::ScrollDown)));
    assert_eq!(app.nodes.offset(), 3);
    assert_eq!(app.nodes.selected(), 3);
    app.update(wheel(MouseEventKind::ScrollUp));
    assert_eq!(app.nodes.offset(), 0);
    assert_eq!(app.nodes.selected(), 1);
}

#[test]
fn odd_data_never_panics() {
    let mut app = App::new(AppOptions::default());
    app.update(Msg::Feed(FeedEvent::NodesLoaded {
        scope: 9,
        nodes: vec![ManagedNode::new(9, "i-x")],
        at: t0(),
    }));
    app.update(Msg::Feed(FeedEvent::ScopesDiscovered {
        scopes: vec![scope("ünï\x1b[31m", "", "")],
        note: None,
    }));
    let mut n = ManagedNode::new(0, "i-\u{1f}\u{0}é");
    n.tags = Some(vec![("\u{1f}".into(), "\u{1f}\u{1f}".into())]);
    app.update(Msg::Feed(FeedEvent::NodesLoaded {
        scope: 0,
        nodes: vec![n, ManagedNode::new(0, "")],
        at: t0(),
    }));
    for f in [
        "",
        "é",
        "\u{1f}",
        "tag:\u{1f}=",
        "!",
        "!!",
        "= =",
        "tag:x=",
        "i-",
    ] {
        app.set_filter(f);
    }
    key(&mut app, KeyCode::Char('G'));
    key(&mut app, KeyCode::Enter);
    assert!(app.detail_node().is_some());
}
