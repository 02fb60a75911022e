//! Snapshot tests of the session tabs (shells, port forwards, the tab bar), fed with
//! fake session events and drawn on ratatui's TestBackend.

use bytes::Bytes;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::Position;
use ratatui::style::{Color, Modifier};

mod ui_common;

use ssm_cockpit::app::{App, AppOptions, Effect, Focus, Msg};
use ssm_cockpit::model::{Account, FeedEvent, ManagedNode, PingStatus, Scope};
use ssm_cockpit::session::{SessionCommand, SessionEvent, SessionId, SessionState};
use ui_common::{buffer_text, draw, draw_terminal, key, t0, typed};

fn node(id: &str, name: &str) -> ManagedNode {
    let mut n = ManagedNode::new(0, id);
    n.ping_status = PingStatus::Online;
    n.platform_name = "Amazon Linux".into();
    n.platform_version = "2023".into();
    n.agent_version = "3.3.1142.0".into();
    n.is_latest_version = Some(true);
    n.ip_address = "10.0.1.10".into();
    n.last_ping = Some(t0() - chrono::Duration::seconds(30));
    n.tags = Some(vec![("Name".into(), name.into())]);
    n
}

/// One scope, three nodes, operator mode.
fn app() -> App {
    let mut app = App::new(AppOptions {
        context: "profile prod · eu-west-1".into(),
        read_only: false,
        theme: Default::default(),
        demo: false,
        demo_unsandboxed: None,
    });
    app.set_now(Some(t0()));
    app.update(Msg::Feed(FeedEvent::ScopesDiscovered {
        scopes: vec![Scope {
            account: Account {
                id: "123456789012".into(),
                name: "acme-prod".into(),
            },
            region: "eu-west-1".into(),
        }],
        note: None,
    }));
    app.update(Msg::Feed(FeedEvent::NodesLoaded {
        scope: 0,
        nodes: vec![
            node("i-0a1b2c3d4e5f60001", "web-1"),
            node("i-0a1b2c3d4e5f60002", "web-2"),
            node("i-0a1b2c3d4e5f60003", "db-primary"),
        ],
        at: t0() - chrono::Duration::seconds(5),
    }));
    app
}

fn leader(app: &mut App, code: KeyCode) {
    app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char(']'),
        KeyModifiers::CONTROL,
    )));
    key(app, code);
}

fn event(app: &mut App, id: SessionId, ev: SessionEvent) {
    app.update(Msg::Session(id, ev));
}

fn output(app: &mut App, id: SessionId, bytes: &'static [u8]) {
    event(app, id, SessionEvent::Output(Bytes::from_static(bytes)));
}

fn state(app: &mut App, id: SessionId, s: SessionState) {
    event(app, id, SessionEvent::State(s));
}

/// Opens a session with `open` (keys on the nodes pane) and returns its id.
fn open(app: &mut App, open: impl FnOnce(&mut App)) -> SessionId {
    open(app);
    let effects = app.take_effects();
    match effects.as_slice() {
        [Effect::OpenSession { id, .. }] => *id,
        other => panic!("expected one OpenSession, got {other:?}"),
    }
}

fn shell_on_row(app: &mut App, row: usize) -> SessionId {
    open(app, |app| {
        key(app, KeyCode::Char('g'));
        for _ in 0..row {
            key(app, KeyCode::Char('j'));
        }
        key(app, KeyCode::Char('c'));
    })
}

fn find(buf: &Buffer, needle: &str) -> Option<(u16, u16)> {
    (0..buf.area.height).find_map(|y| {
        let line: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
        line.find(needle).map(|x| (x as u16, y))
    })
}

const PROMPT: &[u8] = b"\x1b[1;32mec2-user@ip-10-0-1-10\x1b[0m:\x1b[1;34m~\x1b[0m$ ";
const LS: &[u8] = b"ls --color\r\n\x1b[01;34mbin\x1b[0m  \x1b[01;32mdeploy.sh\x1b[0m  notes.txt  \x1b[01;31mbackup.tar.gz\x1b[0m\r\n";

fn live_shell(app: &mut App) -> SessionId {
    let id = shell_on_row(app, 2);
    event(
        app,
        id,
        SessionEvent::Started {
            session_id: "cockpit-0a1b2c3d4e5f".into(),
        },
    );
    state(app, id, SessionState::Live);
    output(app, id, PROMPT);
    output(app, id, LS);
    output(app, id, PROMPT);
    id
}

#[test]
fn shell_tab() {
    let mut app = app();
    live_shell(&mut app);
    let terminal = draw_terminal(&mut app, 100, 12);
    let buf = terminal.backend().buffer();
    insta::assert_snapshot!(buffer_text(buf));
    // Colours and attributes come from the remote output.
    let (x, y) = find(buf, "bin").expect("ls output shown");
    assert_eq!(buf[(x, y)].fg, Color::Indexed(4));
    assert!(buf[(x, y)].modifier.contains(Modifier::BOLD));
    let (x, y) = find(buf, "deploy.sh").expect("shown");
    assert_eq!(buf[(x, y)].fg, Color::Indexed(2));
    // The real cursor sits after the last prompt.
    let mut terminal = terminal;
    let pos = terminal.get_cursor_position().expect("cursor");
    let (px, py) = find(terminal.backend().buffer(), "~$ ").expect("prompt");
    // The first prompt is on the pane's first line, the last one two lines down.
    assert_eq!(py, 2);
    assert_eq!(pos, Position::new(px + 3, 4));
}

#[test]
fn shell_follows_the_pane_size() {
    let mut app = app();
    let id = live_shell(&mut app);
    app.take_effects();
    draw(&mut app, 100, 12);
    assert_eq!(
        app.take_effects(),
        vec![Effect::Session(
            id,
            SessionCommand::Resize { cols: 100, rows: 9 }
        )]
    );
    draw(&mut app, 100, 12);
    assert!(app.take_effects().is_empty());
    draw(&mut app, 60, 20);
    assert_eq!(
        app.take_effects(),
        vec![Effect::Session(
            id,
            SessionCommand::Resize { cols: 60, rows: 17 }
        )]
    );
    assert_eq!(
        app.focused_session().expect("tab").parser.screen().size(),
        (17, 60)
    );
}

#[test]
fn full_screen_programs_use_the_alternate_screen() {
    let mut app = app();
    let id = live_shell(&mut app);
    draw(&mut app, 60, 10);
    output(&mut app, id, b"top\r\n\x1b[?1049h\x1b[2J\x1b[H\x1b[7mtop - 12:00:00 up 3 days\x1b[0m\r\n  PID USER\r\n    1 root");
    let shown = draw(&mut app, 60, 10);
    assert!(shown.contains("top - 12:00:00 up 3 days"), "{shown}");
    assert!(!shown.contains("deploy.sh"), "{shown}");
    output(&mut app, id, b"\x1b[?1049l");
    let shown = draw(&mut app, 60, 10);
    assert!(shown.contains("deploy.sh"), "main screen back: {shown}");
    assert!(!shown.contains("PID USER"), "{shown}");
}

#[test]
fn shell_scrolled_back() {
    let mut app = app();
    let id = live_shell(&mut app);
    draw(&mut app, 60, 10);
    for i in 0..30 {
        let line = format!("log line {i}\r\n");
        event(
            &mut app,
            id,
            SessionEvent::Output(Bytes::from(line.into_bytes())),
        );
    }
    app.update(Msg::Key(KeyEvent::new(
        KeyCode::PageUp,
        KeyModifiers::SHIFT,
    )));
    insta::assert_snapshot!(draw(&mut app, 60, 10));
}

#[test]
fn closed_shell_tab_keeps_its_screen_and_reason() {
    let mut app = app();
    let id = live_shell(&mut app);
    output(&mut app, id, b"exit\r\nlogout\r\n");
    state(
        &mut app,
        id,
        SessionState::Closed {
            reason: "the shell exited (TerminateSession by the agent)".into(),
        },
    );
    insta::assert_snapshot!(draw(&mut app, 100, 12));
}

#[test]
fn port_forward_tab() {
    let mut app = app();
    let id = open(&mut app, |app| {
        key(app, KeyCode::Char('G'));
        key(app, KeyCode::Char('p'));
        typed(app, "15432:5432:db.internal");
        key(app, KeyCode::Enter);
    });
    event(
        &mut app,
        id,
        SessionEvent::Started {
            session_id: "cockpit-07f1e2d3c4b5a".into(),
        },
    );
    event(
        &mut app,
        id,
        SessionEvent::Listening("127.0.0.1:15432".parse().expect("addr")),
    );
    state(&mut app, id, SessionState::Live);
    insta::assert_snapshot!(draw(&mut app, 100, 16));
    // Closing ends the session and returns to the nodes pane.
    leader(&mut app, KeyCode::Char('x'));
    assert_eq!(
        app.take_effects(),
        vec![Effect::Session(id, SessionCommand::Close)]
    );
    assert_eq!(app.focus(), Focus::Nodes);
    assert!(!draw(&mut app, 100, 16).contains("15432"));
}

#[test]
fn port_forward_prompt_with_error() {
    let mut app = app();
    key(&mut app, KeyCode::Char('p'));
    typed(&mut app, "8080:http");
    key(&mut app, KeyCode::Enter);
    insta::assert_snapshot!(draw(&mut app, 100, 12));
    assert!(app.take_effects().is_empty());
}

/// Four tabs in every state, one with unread output.
fn several_tabs() -> App {
    let mut app = app();
    let a = live_shell(&mut app);
    leader(&mut app, KeyCode::Char('q'));
    let b = open(&mut app, |app| {
        key(app, KeyCode::Char('g'));
        key(app, KeyCode::Char('p'));
        typed(app, "8080:80");
        key(app, KeyCode::Enter);
    });
    leader(&mut app, KeyCode::Char('q'));
    let c = shell_on_row(&mut app, 1);
    state(&mut app, c, SessionState::Reconnecting { attempt: 2 });
    leader(&mut app, KeyCode::Char('q'));
    let d = shell_on_row(&mut app, 0);
    state(
        &mut app,
        d,
        SessionState::Closed {
            reason: "TargetNotConnected: i-0a1b2c3d4e5f60001 is not connected".into(),
        },
    );
    leader(&mut app, KeyCode::Char('1'));
    output(&mut app, c, b"new output while away\r\n");
    let _ = (a, b);
    app
}

#[test]
fn tab_bar_with_several_tabs() {
    let mut app = several_tabs();
    insta::assert_snapshot!("tab_bar_shell_focused", draw(&mut app, 140, 8));
    leader(&mut app, KeyCode::Char('0'));
    insta::assert_snapshot!("tab_bar_nodes_focused", draw(&mut app, 140, 10));
}

#[test]
fn tab_bar_narrow() {
    let mut app = several_tabs();
    insta::assert_snapshot!(draw(&mut app, 72, 6));
}

#[test]
fn leader_pending_footer() {
    let mut app = app();
    live_shell(&mut app);
    app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char(']'),
        KeyModifiers::CONTROL,
    )));
    let mut terminal = draw_terminal(&mut app, 100, 8);
    let text = buffer_text(terminal.backend().buffer());
    let footer = text.lines().last().expect("footer");
    assert!(footer.contains("x close"), "{footer}");
    insta::assert_snapshot!(footer);
    // The shell's cursor is not shown while the cockpit has the keys.
    let _ = terminal.get_cursor_position();
    terminal.backend_mut().assert_cursor_position((0, 0));
}

#[test]
fn help_lists_session_keys() {
    let mut app = app();
    live_shell(&mut app);
    leader(&mut app, KeyCode::Char('?'));
    insta::assert_snapshot!(draw(&mut app, 140, 26));
    // One column is taller than the terminal: the session keys are a few pages down.
    let mut pages = draw(&mut app, 80, 50);
    for _ in 0..6 {
        app.update(Msg::Key(KeyEvent::new(
            KeyCode::PageDown,
            KeyModifiers::NONE,
        )));
        pages.push_str(&draw(&mut app, 80, 50));
    }
    assert!(pages.contains("Ctrl-] Ctrl-]"), "{pages}");
    assert!(pages.contains("scroll"), "{pages}");
}

#[test]
fn read_only_help_and_footer_have_no_session_keys() {
    let mut app = App::new(AppOptions {
        read_only: true,
        ..AppOptions::default()
    });
    let shown = draw(&mut app, 120, 8);
    assert!(!shown.contains("shell"), "{shown}");
    key(&mut app, KeyCode::Char('?'));
    let shown = draw(&mut app, 140, 50);
    assert!(!shown.contains("Sessions"), "{shown}");
    assert!(!shown.contains("Ctrl-]"), "{shown}");
}

#[test]
fn tiny_terminals_do_not_panic() {
    let mut app = several_tabs();
    for (w, h) in [
        (0, 0),
        (1, 1),
        (5, 2),
        (20, 3),
        (30, 4),
        (30, 5),
        (200, 1),
        (3, 40),
    ] {
        draw(&mut app, w, h);
    }
    leader(&mut app, KeyCode::Char('2'));
    for (w, h) in [(1, 1), (20, 4), (10, 10)] {
        draw(&mut app, w, h);
    }
    key(&mut app, KeyCode::Char('p'));
    draw(&mut app, 10, 4);
}
