//! TestBackend drawing, key and fixture helpers of the UI tests.
#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::text::Span;

use ssm_cockpit::app::{App, AppOptions, Msg};
use ssm_cockpit::model::{Account, FeedEvent, Scope, ScopeId};

/// The clock of every fixture.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0)
        .single()
        .expect("valid time")
}

pub fn scope(name: &str, id: &str, region: &str) -> Scope {
    Scope {
        account: Account {
            id: id.into(),
            name: name.into(),
        },
        region: region.into(),
    }
}

/// An app at `t0()` with `context` in its header, writable unless `read_only`.
pub fn app_at_t0(context: &str, read_only: bool) -> App {
    let mut app = App::new(AppOptions {
        context: context.into(),
        read_only,
        ..AppOptions::default()
    });
    app.set_now(Some(t0()));
    app
}

/// The two scopes of most fixtures: acme-prod in eu-west-1 and acme-dev in us-east-1.
pub fn two_scopes() -> Vec<Scope> {
    vec![
        scope("acme-prod", "123456789012", "eu-west-1"),
        scope("acme-dev", "210987654321", "us-east-1"),
    ]
}

/// Tells `app` the scopes it polls (without a note).
pub fn discover(app: &mut App, scopes: Vec<Scope>) {
    app.update(Msg::Feed(FeedEvent::ScopesDiscovered {
        scopes,
        note: None,
    }));
}

/// Tells `app` that each of its first `scopes` scopes has no nodes, as read at `at`.
pub fn no_nodes(app: &mut App, scopes: ScopeId, at: DateTime<Utc>) {
    for scope in 0..scopes {
        app.update(Msg::Feed(FeedEvent::NodesLoaded {
            scope,
            nodes: Vec::new(),
            at,
        }));
    }
}

/// Renders `app` once on a `w`×`h` test terminal.
pub fn draw_terminal(app: &mut App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test backend");
    ssm_cockpit::tui::draw_frame(&mut terminal, app).expect("draw never fails on a test backend");
    terminal
}

/// Renders `app` once and returns the screen as text.
pub fn draw(app: &mut App, w: u16, h: u16) -> String {
    buffer_text(draw_terminal(app, w, h).backend().buffer())
}

/// The buffer as plain lines, trailing blanks trimmed.
pub fn buffer_text(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        let mut skip = 0usize;
        for x in 0..buf.area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let sym = buf[(x, y)].symbol();
            line.push_str(sym);
            skip = Span::raw(sym).width().saturating_sub(1);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

pub fn key(app: &mut App, code: KeyCode) {
    app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

pub fn typed(app: &mut App, s: &str) {
    for c in s.chars() {
        key(app, KeyCode::Char(c));
    }
}

/// Runs `line` as a `:` command.
pub fn command(app: &mut App, line: &str) {
    key(app, KeyCode::Char(':'));
    typed(app, line);
    key(app, KeyCode::Enter);
}
