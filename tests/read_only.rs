//! Read-only mode sends nothing that changes AWS: every key of the key map (and every
//! other key a terminal can send), in every pane, with and without a record open, is
//! driven through the real app, the real pollers and the real SDK against the simulated
//! estate; then the sim's call counter is checked against the operation classification
//! the IAM policy test also uses (`ssm_cockpit::aws::operations`).

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokio::sync::mpsc;

use ssm_cockpit::app::{
    Action, App, AppOptions, Effect, KeyMap, KeySpec, KeysConfig, Msg, PANE_ALIASES, Pane,
    PaneAction, help_lines,
};
use ssm_cockpit::aws::AwsOptions;
use ssm_cockpit::aws::operations::{Access, access, is_mutating, operations};
use ssm_cockpit::config::AccountsConfig;
use ssm_cockpit::model::{Feed, FeedEvent};
use ssm_cockpit::poll::{PollHandle, PollOptions, poll_control, run_estate};
use ssm_cockpit::sim::{self, SimConfig, SimHandle};

async fn sim() -> SimHandle {
    sim::start(SimConfig {
        accounts: 2,
        regions: vec!["us-east-1".into()],
        nodes_per_scope: 12,
        ..SimConfig::default()
    })
    .await
    .expect("sim starts")
}

fn aws(handle: &SimHandle) -> AwsOptions {
    common::sim_aws(handle.endpoint(), &["us-east-1"], handle.credentials(), 2)
}

/// Every key a terminal can send that the cockpit might bind: printable characters,
/// named keys, function keys, Ctrl and Alt letters, the session leader; plus every key
/// the default key map binds (checked to be among them).
fn every_key() -> Vec<KeyEvent> {
    let plain = |code| KeyEvent::new(code, KeyModifiers::NONE);
    let mut keys: Vec<KeyEvent> = (0x20u8..=0x7e)
        .map(|b| {
            let c = char::from(b);
            let mods = if c.is_ascii_uppercase() {
                KeyModifiers::SHIFT
            } else {
                KeyModifiers::NONE
            };
            KeyEvent::new(KeyCode::Char(c), mods)
        })
        .collect();
    for code in [
        KeyCode::Enter,
        KeyCode::Esc,
        KeyCode::Tab,
        KeyCode::BackTab,
        KeyCode::Backspace,
        KeyCode::Delete,
        KeyCode::Insert,
        KeyCode::Home,
        KeyCode::End,
        KeyCode::PageUp,
        KeyCode::PageDown,
        KeyCode::Up,
        KeyCode::Down,
        KeyCode::Left,
        KeyCode::Right,
    ] {
        keys.push(plain(code));
    }
    keys.extend((1..=12).map(|n| plain(KeyCode::F(n))));
    for c in ('a'..='z').chain([']', ' ']) {
        if c != 'c' {
            // Ctrl-c quits: driven once at the very end.
            keys.push(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
        }
        keys.push(KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT));
    }
    // Every binding of the key map is among them.
    let map = KeyMap::default();
    for a in Action::ALL {
        for spec in map.keys(a) {
            assert!(
                keys.iter()
                    .any(|k| KeySpec::of(k) == spec && map.action(k) == Some(a)),
                "{spec} ({a:?}) is driven"
            );
        }
    }
    // And every key of the panes' and dialogs' own actions.
    let pane = match KeysConfig::default().pane_bindings() {
        Ok(b) => b,
        Err(e) => panic!("{e}"),
    };
    for (spec, a) in pane {
        assert!(
            keys.iter().any(|k| KeySpec::of(k) == spec),
            "{spec} ({}) is driven",
            a.name()
        );
    }
    keys
}

/// Runs the app's effects the way the terminal loop does in read-only mode; anything
/// else than feed wishes and on-demand reads is a violation.
struct Harness {
    app: App,
    rx: mpsc::Receiver<FeedEvent>,
    poll: PollHandle,
    violations: Vec<String>,
    keys_sent: usize,
}

impl Harness {
    fn pump(&mut self) {
        for effect in self.app.take_effects() {
            match effect {
                Effect::WantFeeds(feeds) => self.poll.set_feeds(feeds),
                Effect::Request(r) => {
                    if !self.poll.request(r.clone()) {
                        self.app.update(Msg::Feed(FeedEvent::DetailFailed {
                            request: r,
                            error: "no poller".into(),
                        }));
                    }
                }
                other => self
                    .violations
                    .push(format!("in {:?}: {other:?}", self.app.pane())),
            }
        }
        while let Ok(ev) = self.rx.try_recv() {
            self.app.update(Msg::Feed(ev));
        }
    }

    fn key(&mut self, k: KeyEvent) {
        self.app.update(Msg::Key(k));
        self.keys_sent += 1;
        self.pump();
    }

    fn code(&mut self, c: KeyCode) {
        self.key(KeyEvent::new(c, KeyModifiers::NONE));
    }

    /// Back to `pane` with nothing open.
    fn reset(&mut self, pane: Pane) {
        for _ in 0..3 {
            self.code(KeyCode::Esc);
        }
        self.app.show_pane(pane);
        self.pump();
    }

    /// Applies poller events for `d`.
    async fn settle(&mut self, d: Duration) {
        let deadline = tokio::time::Instant::now() + d;
        loop {
            self.pump();
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(ev)) => {
                    self.app.update(Msg::Feed(ev));
                }
                _ => break,
            }
        }
        self.pump();
    }
}

/// The app (read-only or not) on the pollers against a fresh sim, once nodes arrived.
async fn harness(read_only: bool) -> (Harness, SimHandle, tokio::task::JoinHandle<()>) {
    let handle = sim().await;
    let mut app = App::new(AppOptions {
        read_only,
        ..AppOptions::default()
    });
    app.set_audit_path(None);
    let (tx, rx) = mpsc::channel(4096);
    let (poll, control) = poll_control(app.wanted_feeds());
    let opts = PollOptions {
        rate_per_second: 200.0,
        role_name: "OrganizationAccountAccessRole".into(),
        control: Some(control),
        ..PollOptions::default()
    }
    .every_feed(Duration::from_millis(300));
    let pollers = tokio::spawn(run_estate(
        aws(&handle),
        AccountsConfig::default(),
        opts,
        tx,
        Default::default(),
    ));
    let mut h = Harness {
        app,
        rx,
        poll,
        violations: Vec::new(),
        keys_sent: 0,
    };
    // Nodes first, so that selections and jumps have something to act on.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while h.app.estate.node_count() == 0 {
        assert!(tokio::time::Instant::now() < deadline, "no nodes arrived");
        h.settle(Duration::from_millis(100)).await;
    }
    (h, handle, pollers)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_key_in_every_pane_sends_no_mutation() {
    let (mut h, handle, pollers) = harness(true).await;
    let keys = every_key();
    for pane in Pane::ALL {
        // Let the pane's feeds answer, so its rows exist.
        h.reset(pane);
        h.settle(Duration::from_millis(700)).await;
        for k in &keys {
            // The key alone, then as if confirming whatever it opened.
            h.reset(pane);
            h.key(*k);
            h.code(KeyCode::Enter);
            h.code(KeyCode::Char('y'));
            h.code(KeyCode::Enter);
            // The key inside the selected row's detail.
            h.reset(pane);
            h.code(KeyCode::Enter);
            h.key(*k);
            h.code(KeyCode::Enter);
        }
        h.settle(Duration::from_millis(50)).await;
    }
    // Every `:` command name.
    for (names, _) in PANE_ALIASES {
        for name in *names {
            h.code(KeyCode::Char(':'));
            for c in name.chars() {
                h.code(KeyCode::Char(c));
            }
            h.code(KeyCode::Enter);
            h.code(KeyCode::Enter);
        }
    }
    // Let every poll that was asked for happen, then quit.
    h.settle(Duration::from_secs(2)).await;
    h.key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert!(h.app.should_quit());
    pollers.abort();

    assert!(
        h.violations.is_empty(),
        "read-only mode asked for changes: {:#?}",
        h.violations
    );
    let stats = handle.stats();
    let sent: BTreeSet<&str> = stats.by_operation.keys().map(String::as_str).collect();
    let mutations: Vec<&&str> = sent.iter().filter(|op| is_mutating(op)).collect();
    assert!(
        mutations.is_empty(),
        "read-only mode sent mutating (or unclassified) operations: {mutations:?}; all: {sent:?}"
    );
    // The path was really exercised: the panes' reads reached the sim.
    for op in [
        "DescribeInstanceInformation",
        "DescribeOpsItems",
        "ListCommands",
        "DescribeAutomationExecutions",
        "DescribeActivations",
    ] {
        assert!(stats.count(op) > 0, "{op} was never called; all: {sent:?}");
    }
    assert!(h.keys_sent > Pane::ALL.len() * keys.len() * 7);
    eprintln!(
        "{} keys in {} panes; operations sent: {sent:?}",
        h.keys_sent,
        Pane::ALL.len()
    );
}

/// The harness sees what operator mode asks for, so its silence above means something.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_harness_catches_an_operator_key() {
    let (mut h, _handle, pollers) = harness(false).await;
    h.reset(Pane::Nodes);
    h.code(KeyCode::Char('c'));
    pollers.abort();
    assert!(
        h.violations.iter().any(|v| v.contains("OpenSession")),
        "{:?}",
        h.violations
    );
}

#[test]
fn classification_covers_every_mutating_operation_the_sim_knows() {
    // What the sim can mutate and the cockpit might call is classified as mutating.
    for op in [
        "SendCommand",
        "CancelCommand",
        "StartAutomationExecution",
        "StopAutomationExecution",
        "UpdateOpsItem",
        "StartAssociationsOnce",
        "PutParameter",
        "StartSession",
        "ResumeSession",
        "TerminateSession",
    ] {
        assert_eq!(access(op), Some(Access::Mutating), "{op}");
    }
    assert!(operations(Access::Read).all(|op| !is_mutating(op)));
    // Operations the cockpit never calls count as mutating too.
    for op in ["CreateOpsItem", "PutInventory", "PutComplianceItems"] {
        assert!(is_mutating(op), "{op}");
    }
    // Mutating keys are known by their actions, so help and footers can leave them out.
    assert!(PaneAction::ALL.iter().any(|a| a.mutating()));
    let _ = Feed::ALL;
}

#[test]
fn every_action_key_is_classified_mutating() {
    // The Actions section names the actions that change AWS (and the live view's full
    // output, a view read-only mode never opens); read-only mode drops each hint of a
    // mutating action by the action's flag, the one the key map strips keys by.
    let keys = KeyMap::default();
    let actions = ssm_cockpit::app::ACTION_KEY_HELP;
    let sessions = &ssm_cockpit::app::SESSION_KEY_HELP[..2];
    for h in actions.iter().filter(|h| !h.is_fixed()) {
        let changes = |a: &PaneAction| a.mutating() || *a == PaneAction::FullOutput;
        assert!(
            h.pane.iter().all(changes),
            "{} ({}) changes AWS",
            h.keys,
            h.what
        );
    }
    let mut hidden = 0;
    for h in actions.iter().chain(sessions) {
        if h.mutating() {
            hidden += 1;
            assert!(help_lines([h], &keys, true).is_empty(), "{}", h.what);
            assert_eq!(help_lines([h], &keys, false).len(), 1, "{}", h.what);
        }
    }
    assert!(sessions.iter().all(|h| h.mutating()));
    assert!(hidden > sessions.len());
}
