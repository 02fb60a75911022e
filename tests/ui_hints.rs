//! The key hints of the help overlay and the status bar follow the app's key map: a
//! `[keys]` rebinding shows its new key there and not the old one, an unbound action's
//! hint is left out, and in read-only mode no hint of an action that changes AWS shows,
//! in the overlay or in any pane's footer.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

mod ui_common;

use ssm_cockpit::app::{
    ACTION_KEY_HELP, App, Component, DETAIL_KEY_HELP, KEY_HELP, KeyHint, KeyMap, KeySpec,
    KeysConfig, Msg, Pane, SESSION_KEY_HELP,
};
use ui_common::{app_at_t0, discover, draw, key, no_nodes, t0, two_scopes};

/// Wide and tall enough for the whole help overlay and every hint of a footer.
const W: u16 = 240;
const H: u16 = 70;

fn k(s: &str) -> KeySpec {
    KeySpec::parse(s).unwrap_or_else(|e| panic!("{e}"))
}

fn app(read_only: bool, keys: KeyMap) -> App {
    let mut app = app_at_t0("profile prod", read_only);
    discover(&mut app, two_scopes());
    no_nodes(&mut app, 2, t0());
    app.set_keys(keys);
    app
}

/// The help overlay's lines, as drawn.
fn help(app: &mut App) -> String {
    key(app, KeyCode::Char('?'));
    let screen = draw(app, W, H);
    key(app, KeyCode::Esc);
    screen
}

/// The status bar's first line while `pane` shows.
fn footer(app: &mut App, pane: Pane) -> String {
    app.show_pane(pane);
    let screen = draw(app, W, H);
    let lines: Vec<&str> = screen.lines().collect();
    lines[lines.len() - 2].to_string()
}

/// Whether a help overlay line writes `keys` (padded) before `what`.
fn help_has(screen: &str, keys: &str, what: &str) -> bool {
    screen.contains(&format!("  {keys:<18} {what}"))
}

#[test]
fn a_rebound_action_shows_its_new_key_in_the_help_overlay_and_the_footer() {
    let c = KeysConfig {
        go_to_node: Some(vec![k("N")]),
        run_command: Some(vec![k("x")]),
        sort_next: Some(vec![k("z")]),
        timeline: Some(vec![]),
        ..KeysConfig::default()
    };
    let keys = KeyMap::from_config(&c).unwrap_or_else(|e| panic!("{e}"));
    let mut rebound = app(false, keys);
    let mut default = app(false, KeyMap::default());

    let (d, r) = (help(&mut default), help(&mut rebound));
    let go = "ops, compliance: go to node";
    assert!(help_has(&d, "n", go), "{d}");
    assert!(help_has(&r, "N", go) && !help_has(&r, "n", go), "{r}");
    let run = "Run Command: selected / filtered";
    assert!(help_has(&d, "r / R", run), "{d}");
    assert!(
        help_has(&r, "x / R", run) && !help_has(&r, "r / R", run),
        "{r}"
    );
    let sort = "sort: next column / reverse";
    assert!(help_has(&r, "z / S", sort), "{r}");
    // Unbound: its hint is left out.
    let timeline = "windows: the 7-day timeline";
    assert!(help_has(&d, "t", timeline), "{d}");
    assert!(!r.contains(timeline), "{r}");

    let (d, r) = (
        footer(&mut default, Pane::OpsCenter),
        footer(&mut rebound, Pane::OpsCenter),
    );
    assert!(d.contains(" n node") && d.contains(" s sort"), "{d}");
    assert!(r.contains(" N node") && !r.contains(" n node"), "{r}");
    assert!(r.contains(" z sort") && !r.contains(" s sort"), "{r}");
}

/// Every hint of the app: the help overlay's and every pane's footer.
fn every_hint(app: &App) -> (Vec<KeyHint>, Vec<(Pane, KeyHint)>) {
    let mut help: Vec<KeyHint> = [KEY_HELP, SESSION_KEY_HELP, ACTION_KEY_HELP].concat();
    help.push(DETAIL_KEY_HELP);
    let mut footers = Vec::new();
    for p in Pane::ALL {
        let pane: &dyn Component = app.panes.get(p);
        help.extend_from_slice(pane.help());
        footers.extend(pane.footer().iter().map(|h| (p, *h)));
    }
    (help, footers)
}

#[test]
fn read_only_shows_no_hint_of_a_mutating_action_in_help_or_any_footer() {
    let mut read_only = app(true, KeyMap::default());
    let mut writable = app(false, KeyMap::default());
    let (help_hints, footer_hints) = every_hint(&read_only);

    let (ro, rw) = (help(&mut read_only), help(&mut writable));
    let mutating: Vec<&KeyHint> = help_hints.iter().filter(|h| h.mutating()).collect();
    assert!(mutating.len() > 5, "{mutating:?}");
    for h in &mutating {
        assert!(help_has(&rw, h.keys, h.what), "{h:?} not offered:\n{rw}");
        assert!(
            !ro.contains(h.what),
            "{h:?} offered in read-only mode:\n{ro}"
        );
    }
    // What changes nothing stays, but for the Actions section, which read-only mode leaves
    // out whole (the live view it names never opens there).
    let stays = |h: &&KeyHint| !h.mutating() && !h.is_fixed() && !ACTION_KEY_HELP.contains(h);
    for h in help_hints.iter().filter(stays) {
        assert!(ro.contains(h.what), "{h:?} missing:\n{ro}");
    }

    let mut footers_mutating = 0;
    for (p, h) in &footer_hints {
        let (ro, rw) = (footer(&mut read_only, *p), footer(&mut writable, *p));
        let hint = format!(" {} {}", h.keys, h.what);
        assert!(rw.contains(&hint), "{p:?} {h:?}: {rw}");
        if h.mutating() {
            footers_mutating += 1;
            assert!(!ro.contains(&hint), "{p:?} {h:?} in read-only mode: {ro}");
        } else {
            assert!(ro.contains(&hint), "{p:?} {h:?}: {ro}");
        }
    }
    assert!(footers_mutating > 0);
}

#[test]
fn the_help_overlay_frame_writes_its_bound_closing_and_scrolling_keys() {
    let c = KeysConfig {
        help: Some(vec![k("F1")]),
        down: Some(vec![k("J"), k("Down")]),
        ..KeysConfig::default()
    };
    let keys = KeyMap::from_config(&c).unwrap_or_else(|e| panic!("{e}"));
    let mut default = app(false, KeyMap::default());
    let mut rebound = app(false, keys);
    key(&mut default, KeyCode::Char('?'));
    let f1 = KeyEvent::new(KeyCode::F(1), KeyModifiers::NONE);
    rebound.update(Msg::Key(f1));
    // Short enough that the overlay scrolls.
    let (d, r) = (draw(&mut default, 100, 30), draw(&mut rebound, 100, 30));
    assert!(d.contains("j/k PgDn/PgUp scroll · Esc or ? close"), "{d}");
    assert!(r.contains("J/k PgDn/PgUp scroll · Esc or F1 close"), "{r}");
    assert!(!r.contains("Esc or ? close"), "{r}");
}
