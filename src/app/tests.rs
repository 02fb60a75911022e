use chrono::{DateTime, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::model::{Account, PingStatus, PlatformType, Scope};

pub(crate) fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0)
        .single()
        .expect("valid time")
}

pub(crate) fn scope(name: &str, id: &str, region: &str) -> Scope {
    Scope {
        account: Account {
            id: id.into(),
            name: name.into(),
        },
        region: region.into(),
    }
}

/// The [`Cx`](super::Cx) of a pane test: one scope shown.
pub(crate) fn cx<'a>(estate: &'a Estate, keys: &'a KeyMap, read_only: bool) -> super::Cx<'a> {
    super::Cx {
        estate,
        mask: &[true],
        keys,
        read_only,
        now: Utc::now(),
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

/// The node `web-1` (i-0003), seen `mins_ago`.
fn web_1(mins_ago: i64, tags: &[(&str, &str)]) -> ManagedNode {
    let linux = ("Amazon Linux", "2023");
    node(
        "i-0003",
        "web-1",
        PingStatus::Online,
        linux,
        "10.0.0.10",
        mins_ago,
        tags,
    )
}

/// Two scopes, five nodes.
pub(crate) fn app() -> App {
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
            web_1(1, &[("Env", "prod")]),
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
    app.panes
        .nodes
        .rows()
        .iter()
        .filter_map(|r| app.estate.node(r.scope, r.idx))
        .map(|n| n.instance_id.clone())
        .collect()
}

fn selected_id(app: &App) -> Option<String> {
    app.panes
        .nodes
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
    app.panes.nodes.set_sort(&app.estate, Column::Name, false);
    assert_eq!(
        ids(&app),
        ["i-0102", "i-0001", "i-0003", "i-0002", "i-0101"]
    );
    app.panes.nodes.set_sort(&app.estate, Column::Name, true);
    assert_eq!(
        ids(&app),
        ["i-0101", "i-0002", "i-0003", "i-0001", "i-0102"]
    );
    app.panes.nodes.set_sort(&app.estate, Column::Ping, false);
    assert_eq!(ids(&app)[..3], ["i-0101", "i-0102", "i-0003"]);
    assert_eq!(ids(&app)[3..], ["i-0001", "i-0002"]);
    app.panes.nodes.set_sort(&app.estate, Column::Ip, false);
    // Numeric, not text: 10.0.0.2 < 10.0.0.3 < 10.0.0.10.
    assert_eq!(
        ids(&app),
        ["i-0001", "i-0002", "i-0003", "i-0101", "i-0102"]
    );
    app.panes
        .nodes
        .set_sort(&app.estate, Column::LastPing, true);
    assert_eq!(
        ids(&app),
        ["i-0003", "i-0101", "i-0102", "i-0001", "i-0002"]
    );
}

#[test]
fn agent_version_sorts_by_version_parts() {
    let mut app = App::new(AppOptions::default());
    app.set_now(Some(t0()));
    app.update(Msg::Feed(FeedEvent::ScopesDiscovered {
        scopes: vec![scope("acme-prod", "111111111111", "eu-west-1")],
        note: None,
    }));
    let versions = [
        ("i-0001", "3.3.1000.0"),
        ("i-0002", "3.3.999.0"),
        ("i-0003", "3.10.1.0"),
        ("i-0004", "3.9.5.0"),
    ];
    let nodes = versions
        .iter()
        .map(|(id, v)| {
            let mut n = node(id, id, PingStatus::Online, ("Ubuntu", "22.04"), "", 1, &[]);
            n.agent_version = (*v).into();
            n
        })
        .collect();
    app.update(Msg::Feed(FeedEvent::NodesLoaded {
        scope: 0,
        nodes,
        at: t0(),
    }));
    app.panes.nodes.set_sort(&app.estate, Column::Agent, false);
    // Text order would put 3.10 first and 3.3.1000 before 3.3.999.
    assert_eq!(ids(&app), ["i-0002", "i-0001", "i-0004", "i-0003"]);
    app.panes.nodes.set_sort(&app.estate, Column::Agent, true);
    assert_eq!(ids(&app), ["i-0003", "i-0004", "i-0001", "i-0002"]);
}

#[test]
fn sort_keys_cycle_and_reverse() {
    let mut app = app();
    assert_eq!(app.panes.nodes.sort(), (Column::Account, false));
    key(&mut app, KeyCode::Char('s'));
    assert_eq!(app.panes.nodes.sort(), (Column::Region, false));
    key(&mut app, KeyCode::Char('S'));
    assert_eq!(app.panes.nodes.sort(), (Column::Region, true));
    key(&mut app, KeyCode::Char('<'));
    assert_eq!(app.panes.nodes.sort(), (Column::Account, false));
    key(&mut app, KeyCode::Char('<'));
    assert_eq!(app.panes.nodes.sort(), (Column::LastPing, false));
    key(&mut app, KeyCode::Char('>'));
    assert_eq!(app.panes.nodes.sort(), (Column::Account, false));
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
        app.panes.nodes.filter_error(),
        Some(FilterError::UnknownColumn(c, _)) if c == "colour"
    ));
    app.set_filter("");
    assert_eq!(app.panes.nodes.filter_error(), None);
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
    app.panes.nodes.set_page(2);
    assert_eq!(app.panes.nodes.selected(), 0);
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Down);
    assert_eq!(app.panes.nodes.selected(), 2);
    assert_eq!(app.panes.nodes.offset(), 1);
    key(&mut app, KeyCode::Char('k'));
    assert_eq!(app.panes.nodes.selected(), 1);
    key(&mut app, KeyCode::Char('G'));
    assert_eq!(app.panes.nodes.selected(), 4);
    assert_eq!(app.panes.nodes.offset(), 3);
    key(&mut app, KeyCode::Char('j'));
    assert_eq!(app.panes.nodes.selected(), 4);
    key(&mut app, KeyCode::Char('g'));
    assert_eq!(app.panes.nodes.selected(), 0);
    key(&mut app, KeyCode::Up);
    assert_eq!(app.panes.nodes.selected(), 0);
    key(&mut app, KeyCode::End);
    key(&mut app, KeyCode::Home);
    assert_eq!(app.panes.nodes.selected(), 0);
    key(&mut app, KeyCode::PageDown);
    assert_eq!(app.panes.nodes.selected(), 2);
    key(&mut app, KeyCode::PageUp);
    assert_eq!(app.panes.nodes.selected(), 0);
    app.panes.nodes.set_page(4);
    ctrl(&mut app, 'd');
    assert_eq!(app.panes.nodes.selected(), 2);
    ctrl(&mut app, 'u');
    assert_eq!(app.panes.nodes.selected(), 0);
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
    assert_eq!(app.panes.nodes.filter_text(), "web");
    // `q` and `j` are text while the bar is open.
    typed(&mut app, "q");
    assert!(!app.should_quit());
    key(&mut app, KeyCode::Backspace);
    key(&mut app, KeyCode::Enter);
    assert!(!app.filter_editing());
    assert_eq!(app.panes.nodes.filter_text(), "web");
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
    assert_eq!(app.panes.nodes.filter_text(), "");
    assert_eq!(app.visible_row_count(), 5);
}

#[test]
fn filter_bar_editing_keys() {
    let mut app = app();
    key(&mut app, KeyCode::Char('/'));
    typed(&mut app, "ping=on web");
    ctrl(&mut app, 'w');
    assert_eq!(app.panes.nodes.filter_text(), "ping=on ");
    key(&mut app, KeyCode::Home);
    key(&mut app, KeyCode::Char('!'));
    assert_eq!(app.panes.nodes.filter_text(), "!ping=on ");
    key(&mut app, KeyCode::Right);
    key(&mut app, KeyCode::Delete);
    assert_eq!(app.panes.nodes.filter_text(), "!png=on ");
    key(&mut app, KeyCode::End);
    typed(&mut app, "é");
    key(&mut app, KeyCode::Left);
    key(&mut app, KeyCode::Backspace);
    assert_eq!(app.panes.nodes.filter_text(), "!png=oné");
    ctrl(&mut app, 'u');
    assert_eq!(app.panes.nodes.filter_text(), "é");
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
    assert_eq!(app.panes.nodes.selected(), 1);
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
            web_1(0, &[]),
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
    assert!(app.panes.nodes.selected() < 2);
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
    app.panes.nodes.set_page(2);
    let wheel = |kind| {
        Msg::Mouse(MouseEvent {
            kind,
            column: 0,
            row: 0,
            modifiers: KeyModifiers::NONE,
        })
    };
    assert!(app.update(wheel(MouseEventKind::ScrollDown)));
    assert_eq!(app.panes.nodes.offset(), 3);
    assert_eq!(app.panes.nodes.selected(), 3);
    app.update(wheel(MouseEventKind::ScrollUp));
    assert_eq!(app.panes.nodes.offset(), 0);
    assert_eq!(app.panes.nodes.selected(), 1);
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

mod sessions {
    use bytes::Bytes;
    use crossterm::event::{MouseEvent, MouseEventKind};

    use super::*;
    use crate::session::{SessionCommand, SessionEvent, SessionKind, SessionState};

    fn press(app: &mut App, code: KeyCode) -> bool {
        key(app, code)
    }

    fn leader(app: &mut App, code: KeyCode) {
        ctrl(app, ']');
        assert!(app.leader_pending());
        press(app, code);
        assert!(!app.leader_pending());
    }

    fn inputs(effects: &[Effect]) -> Vec<u8> {
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::Session(_, SessionCommand::Input(b)) => Some(b.clone()),
                _ => None,
            })
            .flatten()
            .collect()
    }

    /// An app with a shell open on the selected node (web-1 after sorting by account).
    fn with_shell() -> (App, SessionId) {
        let mut app = app();
        assert!(press(&mut app, KeyCode::Char('c')));
        let effects = app.take_effects();
        let [
            Effect::OpenSession {
                id, target, kind, ..
            },
        ] = effects.as_slice()
        else {
            panic!("one OpenSession, got {effects:?}");
        };
        assert_eq!(*kind, SessionKind::Shell);
        assert!(!target.instance_id.is_empty());
        assert_eq!(app.focus(), Focus::Session(*id));
        (app, *id)
    }

    #[test]
    fn c_opens_a_shell_on_the_selected_node() {
        let mut app = app();
        let selected = app
            .panes
            .nodes
            .selected_node(&app.estate)
            .expect("a selection")
            .instance_id
            .clone();
        press(&mut app, KeyCode::Char('c'));
        let effects = app.take_effects();
        match effects.as_slice() {
            [
                Effect::OpenSession {
                    target, cols, rows, ..
                },
            ] => {
                assert_eq!(target.instance_id, selected);
                assert_eq!((*cols, *rows), (80, 24));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(app.session_tabs().len(), 1);
        assert_eq!(app.session_tabs()[0].state, SessionState::Connecting);
        assert!(app.take_effects().is_empty(), "effects are taken once");
    }

    #[test]
    fn read_only_opens_nothing() {
        let mut app = App::new(AppOptions {
            read_only: true,
            ..AppOptions::default()
        });
        app.update(Msg::Feed(FeedEvent::ScopesDiscovered {
            scopes: vec![scope("acme-prod", "111111111111", "eu-west-1")],
            note: None,
        }));
        app.update(Msg::Feed(FeedEvent::NodesLoaded {
            scope: 0,
            nodes: vec![node(
                "i-1",
                "web",
                PingStatus::Online,
                ("Amazon Linux", "2023"),
                "10.0.0.1",
                1,
                &[],
            )],
            at: t0(),
        }));
        assert!(!press(&mut app, KeyCode::Char('c')));
        assert!(!press(&mut app, KeyCode::Char('p')));
        assert_eq!(app.overlay(), &Overlay::None);
        let target = crate::session::SessionTarget {
            scope: scope("acme-prod", "111111111111", "eu-west-1"),
            instance_id: "i-1".into(),
            name: String::new(),
        };
        assert!(!app.open_session(target, SessionKind::Shell));
        assert!(app.take_effects().is_empty());
        assert!(app.session_tabs().is_empty());
        assert_eq!(app.focus(), Focus::Nodes);
    }

    #[test]
    fn every_key_goes_to_the_shell() {
        let (mut app, id) = with_shell();
        press(&mut app, KeyCode::Char('q'));
        ctrl(&mut app, 'c');
        press(&mut app, KeyCode::Char('?'));
        press(&mut app, KeyCode::Esc);
        press(&mut app, KeyCode::Enter);
        press(&mut app, KeyCode::Up);
        assert!(!app.should_quit(), "q and Ctrl-c go to the shell");
        assert_eq!(app.overlay(), &Overlay::None);
        let effects = app.take_effects();
        assert!(
            effects
                .iter()
                .all(|e| matches!(e, Effect::Session(i, _) if *i == id))
        );
        assert_eq!(inputs(&effects), b"q\x03?\x1b\r\x1b[A");
    }

    #[test]
    fn application_cursor_mode_changes_arrows() {
        let (mut app, id) = with_shell();
        app.update(Msg::Session(
            id,
            SessionEvent::Output(Bytes::from_static(b"\x1b[?1h")),
        ));
        press(&mut app, KeyCode::Up);
        assert_eq!(inputs(&app.take_effects()), b"\x1bOA");
    }

    #[test]
    fn leader_commands() {
        let (mut app, first) = with_shell();
        // Back to the nodes pane, open a second shell on the next node.
        leader(&mut app, KeyCode::Char('q'));
        assert_eq!(app.focus(), Focus::Nodes);
        press(&mut app, KeyCode::Char('j'));
        press(&mut app, KeyCode::Char('c'));
        let second = match app.focus() {
            Focus::Session(id) => id,
            Focus::Nodes => panic!("focus on the new tab"),
        };
        assert_ne!(first, second);
        app.take_effects();

        leader(&mut app, KeyCode::Char('p'));
        assert_eq!(app.focus(), Focus::Session(first));
        leader(&mut app, KeyCode::Char('n'));
        assert_eq!(app.focus(), Focus::Session(second));
        leader(&mut app, KeyCode::Char('n'));
        assert_eq!(app.focus(), Focus::Nodes, "wraps through the nodes pane");
        leader(&mut app, KeyCode::Char('2'));
        assert_eq!(app.focus(), Focus::Session(second));
        leader(&mut app, KeyCode::Char('9'));
        assert_eq!(app.focus(), Focus::Session(second), "no tab 9");
        leader(&mut app, KeyCode::Char('0'));
        assert_eq!(app.focus(), Focus::Nodes);
        // Digits switch panes; sessions are reached with the leader or `:sessions`.
        press(&mut app, KeyCode::Char('2'));
        assert_eq!(app.focus(), Focus::Nodes);
        assert_eq!(app.pane(), crate::app::Pane::Explorer);
        press(&mut app, KeyCode::Char('1'));
        assert_eq!(app.pane(), crate::app::Pane::Nodes);
        assert_eq!(app.focus(), Focus::Nodes);
        app.take_effects();
        leader(&mut app, KeyCode::Char('1'));
        assert_eq!(app.focus(), Focus::Session(first));

        // The leader twice sends a literal Ctrl-].
        ctrl(&mut app, ']');
        ctrl(&mut app, ']');
        assert_eq!(
            app.take_effects(),
            vec![Effect::Session(first, SessionCommand::Input(vec![0x1d]))]
        );
        // Terminals without key disambiguation report Ctrl-] as Ctrl-5.
        ctrl(&mut app, '5');
        assert!(app.leader_pending());
        press(&mut app, KeyCode::Esc);
        assert_eq!(app.focus(), Focus::Nodes);
        assert!(app.take_effects().is_empty());
    }

    #[test]
    fn leader_help_and_back() {
        let (mut app, id) = with_shell();
        leader(&mut app, KeyCode::Char('?'));
        assert_eq!(app.overlay(), &Overlay::Help);
        // Keys close the help, not the shell.
        press(&mut app, KeyCode::Esc);
        assert_eq!(app.overlay(), &Overlay::None);
        assert_eq!(app.focus(), Focus::Session(id));
        assert!(app.take_effects().is_empty());
    }

    #[test]
    fn x_closes_the_tab_and_ends_the_session() {
        let (mut app, first) = with_shell();
        leader(&mut app, KeyCode::Char('q'));
        press(&mut app, KeyCode::Char('c'));
        let second = match app.focus() {
            Focus::Session(id) => id,
            Focus::Nodes => panic!(),
        };
        app.take_effects();
        leader(&mut app, KeyCode::Char('x'));
        assert_eq!(
            app.take_effects(),
            vec![Effect::Session(second, SessionCommand::Close)]
        );
        assert_eq!(app.session_tabs().len(), 1);
        assert_eq!(app.focus(), Focus::Session(first));
        // Late events of a closed tab are ignored.
        assert!(!app.update(Msg::Session(
            second,
            SessionEvent::Output(Bytes::from_static(b"x"))
        )));
        // A closed shell stays until closed with the leader.
        app.update(Msg::Session(
            first,
            SessionEvent::State(SessionState::Closed {
                reason: "exit".into(),
            }),
        ));
        press(&mut app, KeyCode::Char('x'));
        assert!(
            app.take_effects().is_empty(),
            "a closed shell takes no input"
        );
        assert_eq!(app.session_tabs().len(), 1);
        leader(&mut app, KeyCode::Char('x'));
        assert_eq!(
            app.take_effects(),
            vec![Effect::Session(first, SessionCommand::Close)]
        );
        assert!(app.session_tabs().is_empty());
        assert_eq!(app.focus(), Focus::Nodes);
    }

    #[test]
    fn output_marks_unfocused_tabs_unread() {
        let (mut app, id) = with_shell();
        assert!(app.update(Msg::Session(
            id,
            SessionEvent::Output(Bytes::from_static(b"hi"))
        )));
        assert!(!app.session_tabs()[0].unread);
        leader(&mut app, KeyCode::Char('q'));
        assert!(app.update(Msg::Session(
            id,
            SessionEvent::Output(Bytes::from_static(b"!"))
        )));
        assert!(app.session_tabs()[0].unread);
        // Already marked: nothing to redraw.
        assert!(!app.update(Msg::Session(
            id,
            SessionEvent::Output(Bytes::from_static(b"!"))
        )));
        press(&mut app, KeyCode::Char(':'));
        for c in "sessions".chars() {
            press(&mut app, KeyCode::Char(c));
        }
        press(&mut app, KeyCode::Enter);
        assert_eq!(app.focus(), Focus::Session(id));
        assert!(!app.session_tabs()[0].unread);
        assert_eq!(app.session_tabs()[0].parser.screen().contents(), "hi!!");
    }

    #[test]
    fn pane_size_resizes_running_shells() {
        let (mut app, id) = with_shell();
        app.take_effects();
        let pane = TableArea {
            x: 0,
            y: 2,
            width: 100,
            height: 30,
        };
        app.set_session_pane(pane);
        assert_eq!(
            app.take_effects(),
            vec![Effect::Session(
                id,
                SessionCommand::Resize {
                    cols: 100,
                    rows: 30
                }
            )]
        );
        assert_eq!(app.session_tabs()[0].parser.screen().size(), (30, 100));
        app.set_session_pane(pane);
        assert!(app.take_effects().is_empty(), "only changes are sent");
        // New shells start at the pane's size.
        leader(&mut app, KeyCode::Char('q'));
        press(&mut app, KeyCode::Char('c'));
        assert!(matches!(
            app.take_effects().as_slice(),
            [Effect::OpenSession {
                cols: 100,
                rows: 30,
                ..
            }]
        ));
        // A zero-sized pane never reaches the emulator.
        app.set_session_pane(TableArea::default());
        assert_eq!(app.session_tabs()[0].parser.screen().size(), (1, 1));
    }

    #[test]
    fn scrollback_with_wheel_and_shift_page_keys() {
        let (mut app, id) = with_shell();
        app.set_session_pane(TableArea {
            x: 0,
            y: 2,
            width: 80,
            height: 24,
        });
        let text: String = (0..100).map(|i| format!("line {i}\r\n")).collect();
        app.update(Msg::Session(id, SessionEvent::Output(Bytes::from(text))));
        let wheel = |kind| {
            Msg::Mouse(MouseEvent {
                kind,
                column: 3,
                row: 5,
                modifiers: KeyModifiers::NONE,
            })
        };
        assert!(app.update(wheel(MouseEventKind::ScrollUp)));
        assert_eq!(app.session_tabs()[0].scrollback(), 3);
        app.update(Msg::Key(KeyEvent::new(
            KeyCode::PageUp,
            KeyModifiers::SHIFT,
        )));
        assert_eq!(app.session_tabs()[0].scrollback(), 3 + 23);
        app.update(Msg::Key(KeyEvent::new(
            KeyCode::PageDown,
            KeyModifiers::SHIFT,
        )));
        assert_eq!(app.session_tabs()[0].scrollback(), 3);
        assert!(app.take_effects().is_empty(), "scrolling sends nothing");
        // Typing snaps back to the bottom.
        press(&mut app, KeyCode::Char('l'));
        assert_eq!(app.session_tabs()[0].scrollback(), 0);
        assert_eq!(inputs(&app.take_effects()), b"l");
        // Full-screen programs get the wheel as arrows, or as mouse reports.
        app.update(Msg::Session(
            id,
            SessionEvent::Output(Bytes::from_static(b"\x1b[?1049h")),
        ));
        app.update(wheel(MouseEventKind::ScrollDown));
        assert_eq!(inputs(&app.take_effects()), b"\x1b[B\x1b[B\x1b[B");
        app.update(Msg::Session(
            id,
            SessionEvent::Output(Bytes::from_static(b"\x1b[?1000h\x1b[?1006h")),
        ));
        app.update(wheel(MouseEventKind::ScrollUp));
        assert_eq!(inputs(&app.take_effects()), b"\x1b[<64;4;4M");
    }

    #[test]
    fn paste_goes_to_the_shell_bracketed_when_asked() {
        let (mut app, id) = with_shell();
        app.update(Msg::Paste("echo hi\nls".into()));
        assert_eq!(inputs(&app.take_effects()), b"echo hi\rls");
        app.update(Msg::Session(
            id,
            SessionEvent::Output(Bytes::from_static(b"\x1b[?2004h")),
        ));
        app.update(Msg::Paste("x".into()));
        assert_eq!(inputs(&app.take_effects()), b"\x1b[200~x\x1b[201~");
        // In the nodes pane, a paste into the filter bar.
        leader(&mut app, KeyCode::Char('q'));
        press(&mut app, KeyCode::Char('/'));
        app.update(Msg::Paste("web\n".into()));
        assert_eq!(app.panes.nodes.filter_text(), "web");
        assert!(app.take_effects().is_empty());
    }

    #[test]
    fn port_forward_prompt() {
        let mut app = app();
        press(&mut app, KeyCode::Char('p'));
        assert!(matches!(app.overlay(), Overlay::Forward(_)));
        for c in "80x".chars() {
            press(&mut app, KeyCode::Char(c));
        }
        press(&mut app, KeyCode::Enter);
        match app.overlay() {
            Overlay::Forward(p) => assert!(p.error.is_some()),
            other => panic!("{other:?}"),
        }
        ctrl(&mut app, 'u');
        app.update(Msg::Paste("8080:5432:db.internal".into()));
        press(&mut app, KeyCode::Enter);
        assert_eq!(app.overlay(), &Overlay::None);
        let effects = app.take_effects();
        match effects.as_slice() {
            [Effect::OpenSession { kind, .. }] => assert_eq!(
                *kind,
                SessionKind::PortForward {
                    local_port: 8080,
                    remote_port: 5432,
                    remote_host: Some("db.internal".into())
                }
            ),
            other => panic!("{other:?}"),
        }
        let id = match app.focus() {
            Focus::Session(id) => id,
            Focus::Nodes => panic!(),
        };
        // Keys do nothing on a port forward; the leader still works.
        press(&mut app, KeyCode::Char('a'));
        assert!(app.take_effects().is_empty());
        let addr = "127.0.0.1:8080".parse().expect("addr");
        app.update(Msg::Session(id, SessionEvent::Listening(addr)));
        assert_eq!(
            app.session_tabs()[0].forward_label().as_deref(),
            Some("127.0.0.1:8080 → web-dev:5432 (db.internal)")
        );
        // Esc cancels the prompt.
        leader(&mut app, KeyCode::Char('q'));
        press(&mut app, KeyCode::Char('p'));
        press(&mut app, KeyCode::Esc);
        assert_eq!(app.overlay(), &Overlay::None);
        assert!(app.take_effects().is_empty());
    }

    #[test]
    fn forward_specs() {
        let pf = |l, r, h: Option<&str>| SessionKind::PortForward {
            local_port: l,
            remote_port: r,
            remote_host: h.map(str::to_string),
        };
        assert_eq!(parse_forward("8080:80"), Ok(pf(8080, 80, None)));
        assert_eq!(parse_forward(" 0:22 "), Ok(pf(0, 22, None)));
        assert_eq!(parse_forward(":22"), Ok(pf(0, 22, None)));
        assert_eq!(
            parse_forward("5432:5432:db.internal"),
            Ok(pf(5432, 5432, Some("db.internal")))
        );
        assert_eq!(parse_forward("1:2:fe80::1"), Ok(pf(1, 2, Some("fe80::1"))));
        for bad in ["", "80", "x:80", "80:0", "80:70000", "80:80:", "1:2:a b"] {
            assert!(parse_forward(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn arbitrary_output_never_panics() {
        let (mut app, id) = with_shell();
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        for round in 0..200 {
            let mut chunk = Vec::with_capacity(512);
            for _ in 0..512 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                // Bias towards escape sequences and their parameters.
                let b = (seed & 0xff) as u8;
                chunk.push(match b % 8 {
                    0 => 0x1b,
                    1 => b'[',
                    2 => b';',
                    _ => b,
                });
            }
            app.update(Msg::Session(id, SessionEvent::Output(Bytes::from(chunk))));
            if round % 50 == 0 {
                app.set_session_pane(TableArea {
                    x: 0,
                    y: 0,
                    width: 1 + (seed % 200) as u16,
                    height: 1 + (seed % 60) as u16,
                });
                app.update(Msg::Mouse(MouseEvent {
                    kind: MouseEventKind::ScrollUp,
                    column: 0,
                    row: 0,
                    modifiers: KeyModifiers::NONE,
                }));
            }
        }
    }
}

pub(crate) fn left_click(app: &mut App, column: u16, row: u16) -> bool {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    app.update(Msg::Mouse(MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column,
        row,
        modifiers: KeyModifiers::NONE,
    }))
}

#[test]
fn click_on_pane_bar_switches_pane() {
    let mut app = app();
    app.update(Msg::Drawn(Drawn {
        pane_bar: HitSpans {
            y: 1,
            spans: vec![(0, 9, 0), (10, 12, 1), (23, 5, 2)],
        },
        ..Drawn::default()
    }));
    assert!(left_click(&mut app, 12, 1));
    assert_eq!(app.pane(), Pane::Explorer);
    assert!(!left_click(&mut app, 9, 1), "the gap is not a label");
    assert!(!left_click(&mut app, 24, 2), "another line");
    assert_eq!(app.pane(), Pane::Explorer);
    assert!(left_click(&mut app, 0, 1));
    assert_eq!(app.pane(), Pane::Nodes);
}

#[test]
fn click_on_header_sorts_and_again_reverses() {
    let mut app = app();
    let name = Column::ALL
        .iter()
        .position(|c| *c == Column::Name)
        .unwrap_or(0);
    app.update(Msg::Drawn(Drawn {
        table: Some(TableArea {
            x: 0,
            y: 5,
            width: 80,
            height: 10,
        }),
        header: Some(HitSpans {
            y: 4,
            spans: vec![(0, 10, 0), (11, 8, name)],
        }),
        ..Drawn::default()
    }));
    assert!(left_click(&mut app, 12, 4));
    assert_eq!(app.panes.nodes.sort(), (Column::Name, false));
    assert!(left_click(&mut app, 18, 4));
    assert_eq!(app.panes.nodes.sort(), (Column::Name, true));
    assert!(left_click(&mut app, 3, 4));
    assert_eq!(app.panes.nodes.sort(), (Column::Account, false));
    // Rows still take clicks.
    assert!(left_click(&mut app, 3, 7));
    assert_eq!(app.panes.nodes.selected(), 2);
    // Header spans of another pane are ignored.
    app.show_pane(Pane::Explorer);
    assert!(!left_click(&mut app, 12, 4));
}

#[test]
fn rebound_keys_drive_the_tables() {
    let mut app = app();
    let keys = KeysConfig {
        down: Some(vec![KeySpec {
            code: KeyCode::Char('z'),
            mods: KeyModifiers::NONE,
        }]),
        help: Some(vec![KeySpec {
            code: KeyCode::F(1),
            mods: KeyModifiers::NONE,
        }]),
        ..KeysConfig::default()
    };
    let Ok(map) = KeyMap::from_config(&keys) else {
        panic!("conflict");
    };
    app.set_keys(map);
    assert_eq!(app.panes.nodes.selected(), 0);
    assert!(key(&mut app, KeyCode::Char('z')));
    assert_eq!(app.panes.nodes.selected(), 1);
    assert!(!key(&mut app, KeyCode::Char('j')), "j is no longer bound");
    assert_eq!(app.panes.nodes.selected(), 1);
    key(&mut app, KeyCode::Char('k'));
    assert_eq!(app.panes.nodes.selected(), 0);
    assert!(!key(&mut app, KeyCode::Char('?')));
    assert!(key(&mut app, KeyCode::F(1)));
    assert_eq!(app.overlay(), &Overlay::Help);
    key(&mut app, KeyCode::F(1));
    assert_eq!(app.overlay(), &Overlay::None);
    // Same map in the other table panes.
    app.show_pane(Pane::Scopes);
    app.update(Msg::Drawn(Drawn {
        table: Some(TableArea {
            x: 0,
            y: 3,
            width: 80,
            height: 10,
        }),
        ..Drawn::default()
    }));
    assert!(key(&mut app, KeyCode::Char('z')));
    assert_eq!(app.panes.scopes.view.selected, 1);
    // And in the popups: a node shown in full scrolls with z, not j.
    app.show_pane(Pane::Nodes);
    key(&mut app, KeyCode::Enter);
    let scroll = |app: &App| match app.overlay() {
        Overlay::Detail { scroll, .. } => Some(*scroll),
        _ => None,
    };
    assert_eq!(scroll(&app), Some(0));
    assert!(!key(&mut app, KeyCode::Char('j')), "j is no longer bound");
    assert!(key(&mut app, KeyCode::Char('z')));
    assert_eq!(scroll(&app), Some(1));
    assert!(key(&mut app, KeyCode::F(1)));
    assert_eq!(app.overlay(), &Overlay::Help);
}
