//! A demo whose simulated nodes are not sandboxed says so: in the header's badge, in the
//! Run Command confirmation, and by asking once before the first shell or Run Command.

use chrono::Duration;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

mod ui_common;

use ssm_cockpit::app::{ActionDialog, App, AppOptions, Effect, Msg};
use ssm_cockpit::model::{FeedEvent, ManagedNode, PingStatus, PlatformType};
use ui_common::{discover, draw, key, scope, t0, typed};

/// Long enough to wrap in the confirmation.
const WHY: &str = "sandbox: creating the user, mount, pid, uts, ipc and network namespaces: Operation not permitted (os error 1)";

fn node(id: &str, name: &str) -> ManagedNode {
    let mut n = ManagedNode::new(0, id);
    n.ping_status = PingStatus::Online;
    n.platform_type = PlatformType::Linux;
    n.platform_name = "Amazon Linux".into();
    n.computer_name = format!("{name}.internal");
    n.last_ping = Some(t0() - Duration::seconds(30));
    n.tags = Some(vec![("Name".into(), name.into())]);
    n
}

fn demo(unsandboxed: Option<&str>) -> App {
    let mut app = App::new(AppOptions {
        context: "demo estate".into(),
        demo: true,
        demo_unsandboxed: unsandboxed.map(str::to_string),
        ..AppOptions::default()
    });
    app.set_now(Some(t0()));
    discover(
        &mut app,
        vec![scope("acme-prod", "123456789012", "eu-west-1")],
    );
    app.update(Msg::Feed(FeedEvent::NodesLoaded {
        scope: 0,
        nodes: vec![
            node("i-0a1b2c3d4e5f60001", "web-1"),
            node("i-0a1b2c3d4e5f60002", "web-2"),
        ],
        at: t0() - Duration::seconds(5),
    }));
    app
}

fn opened_shells(app: &mut App) -> usize {
    app.take_effects()
        .iter()
        .filter(|e| matches!(e, Effect::OpenSession { .. }))
        .count()
}

fn ctrl(app: &mut App, c: char) {
    app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::CONTROL,
    )));
}

/// Back to the nodes pane from a shell tab.
fn leave_tab(app: &mut App) {
    ctrl(app, ']');
    key(app, KeyCode::Char('n'));
}

#[test]
fn the_badge_says_where_commands_run() {
    let shown = draw(&mut demo(Some(WHY)), 120, 8);
    let header = shown.lines().next().unwrap_or_default();
    assert!(header.contains("DEMO · runs on this machine"), "{header}");
    let shown = draw(&mut demo(None), 120, 8);
    let header = shown.lines().next().unwrap_or_default();
    assert!(header.contains(" DEMO "), "{header}");
    assert!(!header.contains("this machine"), "{header}");
}

#[test]
fn the_first_shell_asks_once() {
    let mut app = demo(Some(WHY));
    key(&mut app, KeyCode::Char('c'));
    assert_eq!(opened_shells(&mut app), 0, "nothing runs before the answer");
    let shown = draw(&mut app, 120, 10);
    assert!(
        shown.contains("Commands in this demo run on this machine as your user. Continue? y/n"),
        "{shown}"
    );
    // No: nothing opens, and the question goes away.
    key(&mut app, KeyCode::Char('n'));
    assert_eq!(opened_shells(&mut app), 0);
    assert!(!draw(&mut app, 120, 10).contains("Continue? y/n"));
    // Asked again, yes: the shell opens.
    key(&mut app, KeyCode::Char('c'));
    assert_eq!(opened_shells(&mut app), 0);
    key(&mut app, KeyCode::Char('y'));
    assert_eq!(opened_shells(&mut app), 1);
    // Once is enough.
    leave_tab(&mut app);
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('c'));
    assert_eq!(opened_shells(&mut app), 1);
}

#[test]
fn a_sandboxed_demo_does_not_ask() {
    let mut app = demo(None);
    key(&mut app, KeyCode::Char('c'));
    assert_eq!(opened_shells(&mut app), 1);
}

#[test]
fn the_run_command_confirmation_says_it_and_counts_as_the_answer() {
    let mut app = demo(Some(WHY));
    key(&mut app, KeyCode::Char(' '));
    key(&mut app, KeyCode::Char('r'));
    assert!(matches!(app.actions.dialog, Some(ActionDialog::Form(_))));
    typed(&mut app, "uptime");
    ctrl(&mut app, 's');
    assert!(matches!(app.actions.dialog, Some(ActionDialog::Confirm(_))));
    let shown = draw(&mut app, 120, 36);
    let said: String = shown
        .lines()
        .filter_map(|l| l.split('│').nth(1))
        .map(str::trim)
        .skip_while(|l| !l.starts_with('⚠'))
        .take_while(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(
        said,
        format!("⚠ Commands in this demo run on this machine as your user ({WHY})"),
        "{shown}"
    );
    key(&mut app, KeyCode::Char('y'));
    assert!(
        app.take_effects()
            .iter()
            .any(|e| matches!(e, Effect::Action(_))),
        "the command is sent"
    );
    // The confirmation asked already: a shell opens straight away.
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('c'));
    assert_eq!(opened_shells(&mut app), 1);
}

#[test]
fn a_sandboxed_demo_confirmation_has_no_such_line() {
    let mut app = demo(None);
    key(&mut app, KeyCode::Char(' '));
    key(&mut app, KeyCode::Char('r'));
    typed(&mut app, "uptime");
    ctrl(&mut app, 's');
    assert!(matches!(app.actions.dialog, Some(ActionDialog::Confirm(_))));
    assert!(!draw(&mut app, 120, 36).contains("run on this machine"));
}
