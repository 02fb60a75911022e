//! Session Manager tabs: one terminal emulator per shell, port-forward tabs, the focus
//! between the nodes pane and the tabs, the leader key, and the effects that start and
//! drive the sessions.

use std::net::SocketAddr;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};

use super::overlay::{ForwardPrompt, Overlay};
use super::term_keys::{TermModes, encode_key, encode_paste, encode_wheel};
use super::{App, Effect, TableArea};
use crate::session::{
    SessionCommand, SessionEvent, SessionId, SessionKind, SessionState, SessionTarget,
};

/// Lines of scrollback kept per shell.
pub const SCROLLBACK_LINES: usize = 10_000;

/// The key that hands the keyboard back to the cockpit from a shell (like telnet's).
pub const LEADER_LABEL: &str = "Ctrl-]";

/// Size a shell starts with before the pane was ever drawn.
const DEFAULT_SIZE: (u16, u16) = (80, 24);

/// Asked once before the first shell of a demo whose nodes are not sandboxed.
pub const UNSANDBOXED_ASK: &str =
    "Commands in this demo run on this machine as your user. Continue? y/n";

/// Wheel notches scroll this many lines.
const WHEEL_LINES: usize = 3;

/// What has the keyboard: the panes (nodes, explorer, ...) or a session tab.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    /// The panes; [`App::pane`] says which one shows.
    Nodes,
    Session(SessionId),
}

/// One session tab.
pub struct SessionTab {
    pub id: SessionId,
    pub target: SessionTarget,
    pub kind: SessionKind,
    pub state: SessionState,
    /// The shell's screen and scrollback (port forwards keep an unused 1×1 one).
    pub parser: vt100::Parser,
    /// Output arrived while another tab had focus.
    pub unread: bool,
    /// Where a port forward listens, once it does.
    pub listening: Option<SocketAddr>,
    /// The AWS session id, once StartSession answered.
    pub aws_session_id: Option<String>,
}

impl SessionTab {
    pub fn is_shell(&self) -> bool {
        self.kind == SessionKind::Shell
    }

    pub fn is_closed(&self) -> bool {
        matches!(self.state, SessionState::Closed { .. })
    }

    /// Tab title: the node's name, else its instance id.
    pub fn title(&self) -> &str {
        if self.target.name.is_empty() {
            &self.target.instance_id
        } else {
            &self.target.name
        }
    }

    /// `127.0.0.1:8080 → web-1:80 (db.internal)` for a port forward, else `None`.
    pub fn forward_label(&self) -> Option<String> {
        let SessionKind::PortForward {
            local_port,
            remote_port,
            remote_host,
        } = &self.kind
        else {
            return None;
        };
        let local = match (self.listening, local_port) {
            (Some(addr), _) => addr.to_string(),
            (None, 0) => "127.0.0.1:(any)".to_string(),
            (None, p) => format!("127.0.0.1:{p}"),
        };
        let host = remote_host
            .as_deref()
            .map(|h| format!(" ({h})"))
            .unwrap_or_default();
        Some(format!("{local} → {}:{remote_port}{host}", self.title()))
    }

    /// The lines scrolled back from the bottom.
    pub fn scrollback(&self) -> usize {
        self.parser.screen().scrollback()
    }
}

/// Session state kept by the [`App`].
pub(super) struct Sessions {
    pub tabs: Vec<SessionTab>,
    pub focus: Focus,
    /// The leader was pressed; the next key is a cockpit command.
    pub leader: bool,
    /// The session tab that had focus last, for Tab on the nodes pane.
    pub last: Option<SessionId>,
    next_id: SessionId,
    /// Where the session pane is drawn (also while the nodes pane has focus).
    pub pane: Option<TableArea>,
    /// A shell waiting for the operator's y: the demo's nodes are unsandboxed.
    pub unsandboxed_pending: Option<(SessionTarget, SessionKind)>,
    /// The operator accepted that the demo's commands run on this machine.
    pub unsandboxed_ok: bool,
}

impl Default for Sessions {
    fn default() -> Sessions {
        Sessions {
            tabs: Vec::new(),
            focus: Focus::Nodes,
            leader: false,
            last: None,
            next_id: 1,
            pane: None,
            unsandboxed_pending: None,
            unsandboxed_ok: false,
        }
    }
}

/// Parses `LOCAL:REMOTE[:HOST]` (LOCAL 0 picks a free port).
pub fn parse_forward(text: &str) -> Result<SessionKind, String> {
    let text = text.trim();
    let mut parts = text.splitn(3, ':');
    let local = parts.next().unwrap_or_default().trim();
    let remote = parts
        .next()
        .ok_or_else(|| "expected LOCAL:REMOTE[:HOST], e.g. 8080:80".to_string())?
        .trim();
    let host = parts.next().map(str::trim);
    let local_port = if local.is_empty() {
        0
    } else {
        local
            .parse::<u16>()
            .map_err(|_| format!("local port {local:?} is not 0-65535"))?
    };
    let remote_port = remote
        .parse::<u16>()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| format!("remote port {remote:?} is not 1-65535"))?;
    let remote_host = match host {
        None => None,
        Some("") => return Err("the host after the second ':' is empty".into()),
        Some(h) if h.chars().any(|c| c.is_whitespace() || c.is_control()) => {
            return Err(format!("host {h:?} has spaces"));
        }
        Some(h) => Some(h.to_string()),
    };
    Ok(SessionKind::PortForward {
        local_port,
        remote_port,
        remote_host,
    })
}

/// Ctrl-]: reported as Ctrl+`]`, or as Ctrl+`5` by terminals without key disambiguation
/// (crossterm maps 0x1d to it).
pub(super) fn is_leader(key: &KeyEvent) -> bool {
    key.modifiers.contains(KeyModifiers::CONTROL) && matches!(key.code, KeyCode::Char(']' | '5'))
}

impl App {
    pub fn focus(&self) -> Focus {
        self.sessions.focus
    }

    pub fn session_tabs(&self) -> &[SessionTab] {
        &self.sessions.tabs
    }

    /// The tab with the keyboard, if a session has focus.
    pub fn focused_session(&self) -> Option<&SessionTab> {
        match self.sessions.focus {
            Focus::Session(id) => self.sessions.tabs.iter().find(|t| t.id == id),
            Focus::Nodes => None,
        }
    }

    /// The leader was pressed and the next key is a cockpit command.
    pub fn leader_pending(&self) -> bool {
        self.sessions.leader
    }

    /// Records where the session pane is drawn; a new size resizes every running shell.
    pub fn set_session_pane(&mut self, area: TableArea) {
        let area = TableArea {
            width: area.width.max(1),
            height: area.height.max(1),
            ..area
        };
        let old = self.sessions.pane.replace(area);
        if old.is_some_and(|o| (o.width, o.height) == (area.width, area.height)) {
            return;
        }
        for tab in &mut self.sessions.tabs {
            let size = (area.height, area.width);
            if tab.is_shell() && !tab.is_closed() && tab.parser.screen().size() != size {
                tab.parser.screen_mut().set_size(size.0, size.1);
                self.effects.push(Effect::Session(
                    tab.id,
                    SessionCommand::Resize {
                        cols: area.width,
                        rows: area.height,
                    },
                ));
            }
        }
    }

    /// The node under the selection, as a session target.
    fn selected_target(&self) -> Option<SessionTarget> {
        let node = self.panes.nodes.selected_node(&self.estate)?;
        let scope = self.estate.scope(node.scope)?.scope.clone();
        Some(SessionTarget {
            scope,
            instance_id: node.instance_id.clone(),
            name: node.name().to_string(),
        })
    }

    /// Opens a session tab and asks the event loop to start it. Never in read-only mode.
    pub fn open_session(&mut self, target: SessionTarget, kind: SessionKind) -> bool {
        if self.options.read_only {
            return false;
        }
        if kind == SessionKind::Shell
            && self.options.demo_unsandboxed.is_some()
            && !self.sessions.unsandboxed_ok
        {
            self.notice = Some(super::Notice {
                text: UNSANDBOXED_ASK.to_string(),
                error: true,
            });
            self.sessions.unsandboxed_pending = Some((target, kind));
            return true;
        }
        let id = self.sessions.next_id;
        self.sessions.next_id += 1;
        let (cols, rows) = self
            .sessions
            .pane
            .map_or(DEFAULT_SIZE, |p| (p.width, p.height));
        let parser = if kind == SessionKind::Shell {
            vt100::Parser::new(rows, cols, SCROLLBACK_LINES)
        } else {
            vt100::Parser::new(1, 1, 0)
        };
        self.sessions.tabs.push(SessionTab {
            id,
            target: target.clone(),
            kind: kind.clone(),
            state: SessionState::Connecting,
            parser,
            unread: false,
            listening: None,
            aws_session_id: None,
        });
        self.sessions.focus = Focus::Session(id);
        self.push_effect(Effect::OpenSession {
            id,
            target,
            kind,
            cols,
            rows,
        });
        true
    }

    /// Whether [`UNSANDBOXED_ASK`] waits for its answer.
    pub fn asks_unsandboxed(&self) -> bool {
        self.sessions.unsandboxed_pending.is_some()
    }

    /// The answer to [`UNSANDBOXED_ASK`]: `y` opens the shell, any other key drops it.
    pub(super) fn unsandboxed_answer(&mut self, key: KeyEvent) -> bool {
        let Some((target, kind)) = self.sessions.unsandboxed_pending.take() else {
            return false;
        };
        self.notice = None;
        if key.code == KeyCode::Char('y') {
            self.sessions.unsandboxed_ok = true;
            self.open_session(target, kind);
        }
        true
    }

    pub(super) fn open_shell_on_selection(&mut self) -> bool {
        match self.selected_target() {
            Some(target) if !self.options.read_only => {
                self.open_session(target, SessionKind::Shell)
            }
            _ => false,
        }
    }

    pub(super) fn open_forward_prompt(&mut self) -> bool {
        match self.selected_target() {
            Some(target) if !self.options.read_only => {
                self.overlay = Overlay::Forward(ForwardPrompt {
                    target,
                    text: String::new(),
                    error: None,
                });
                true
            }
            _ => false,
        }
    }

    pub(super) fn forward_key(&mut self, key: KeyEvent) -> bool {
        let Overlay::Forward(prompt) = &mut self.overlay else {
            return false;
        };
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => self.overlay = Overlay::None,
            KeyCode::Enter => match parse_forward(&prompt.text) {
                Ok(kind) => {
                    let target = prompt.target.clone();
                    self.overlay = Overlay::None;
                    self.open_session(target, kind);
                }
                Err(e) => prompt.error = Some(e),
            },
            KeyCode::Backspace => {
                prompt.text.pop();
                prompt.error = None;
            }
            KeyCode::Char('u') if ctrl => {
                prompt.text.clear();
                prompt.error = None;
            }
            KeyCode::Char(c) if !ctrl && !c.is_control() && prompt.text.len() < 256 => {
                prompt.text.push(c);
                prompt.error = None;
            }
            _ => return false,
        }
        true
    }

    pub(super) fn on_session(&mut self, id: SessionId, event: SessionEvent) -> bool {
        let focused = self.sessions.focus == Focus::Session(id);
        let Some(tab) = self.sessions.tabs.iter_mut().find(|t| t.id == id) else {
            return false;
        };
        match event {
            SessionEvent::State(state) => {
                if tab.state == state {
                    return false;
                }
                tab.state = state;
                true
            }
            SessionEvent::Output(bytes) => {
                if !tab.is_shell() || bytes.is_empty() {
                    return false;
                }
                tab.parser.process(&bytes);
                if focused {
                    true
                } else {
                    !std::mem::replace(&mut tab.unread, true)
                }
            }
            SessionEvent::Listening(addr) => {
                tab.listening = Some(addr);
                true
            }
            SessionEvent::Started { session_id } => {
                tab.aws_session_id = Some(session_id);
                focused
            }
        }
    }

    /// A key while a session tab has focus and no overlay is open: everything goes to
    /// the remote program but the leader and Shift-PgUp/PgDn (scrollback).
    pub(super) fn session_key(&mut self, id: SessionId, key: KeyEvent) -> bool {
        if is_leader(&key) {
            self.sessions.leader = true;
            return true;
        }
        let Some(tab) = self.sessions.tabs.iter_mut().find(|t| t.id == id) else {
            self.sessions.focus = Focus::Nodes;
            return true;
        };
        if !tab.is_shell() {
            return false;
        }
        let screen = tab.parser.screen();
        let alternate = screen.alternate_screen();
        let page = screen.size().0.saturating_sub(1).max(1) as isize;
        let modes = TermModes {
            application_cursor: screen.application_cursor(),
        };
        if key.modifiers == KeyModifiers::SHIFT && !alternate {
            match key.code {
                KeyCode::PageUp => return scroll(tab, page),
                KeyCode::PageDown => return scroll(tab, -page),
                _ => {}
            }
        }
        if tab.is_closed() {
            return false;
        }
        let Some(bytes) = encode_key(&key, modes) else {
            return false;
        };
        let scrolled = tab.scrollback() > 0;
        tab.parser.screen_mut().set_scrollback(0);
        self.push_effect(Effect::Session(id, SessionCommand::Input(bytes)));
        scrolled
    }

    /// The key after the leader.
    pub(super) fn leader_key(&mut self, key: KeyEvent) -> bool {
        self.sessions.leader = false;
        if is_leader(&key) {
            if let Focus::Session(id) = self.sessions.focus
                && self
                    .sessions
                    .tabs
                    .iter()
                    .any(|t| t.id == id && t.is_shell() && !t.is_closed())
            {
                self.push_effect(Effect::Session(id, SessionCommand::Input(vec![0x1d])));
            }
            return true;
        }
        match key.code {
            KeyCode::Char('n') | KeyCode::Right => self.cycle_tab(1),
            KeyCode::Char('p') | KeyCode::Left => self.cycle_tab(-1),
            KeyCode::Char(d @ '0'..='9') => {
                self.jump_to_tab(d as usize - '0' as usize);
            }
            KeyCode::Char('x') => self.close_focused_tab(),
            KeyCode::Esc | KeyCode::Char('q') => {
                self.jump_to_tab(0);
            }
            KeyCode::Char('?') => self.overlay = Overlay::Help,
            _ => {}
        }
        true
    }

    /// Tab `n`: 0 is the nodes pane, 1.. the session tabs in order. False when absent.
    pub(super) fn jump_to_tab(&mut self, n: usize) -> bool {
        if n == 0 {
            if let Focus::Session(id) = self.sessions.focus {
                self.sessions.last = Some(id);
            }
            self.sessions.focus = Focus::Nodes;
            return true;
        }
        let Some(tab) = self.sessions.tabs.get_mut(n - 1) else {
            return false;
        };
        tab.unread = false;
        self.sessions.focus = Focus::Session(tab.id);
        true
    }

    /// Back to the session tab that had focus last (else the first).
    pub(super) fn back_to_session(&mut self) -> bool {
        let pos = self
            .sessions
            .last
            .and_then(|id| self.sessions.tabs.iter().position(|t| t.id == id))
            .unwrap_or(0);
        self.jump_to_tab(pos + 1)
    }

    /// Moves focus `delta` tabs along nodes, 1, 2, … (wrapping).
    fn cycle_tab(&mut self, delta: isize) {
        let count = self.sessions.tabs.len() as isize + 1;
        let current = match self.sessions.focus {
            Focus::Nodes => 0,
            Focus::Session(id) => self
                .sessions
                .tabs
                .iter()
                .position(|t| t.id == id)
                .map_or(0, |i| i as isize + 1),
        };
        let next = (current + delta).rem_euclid(count);
        self.jump_to_tab(next as usize);
    }

    /// Ends the focused session (unless it already ended) and removes its tab.
    fn close_focused_tab(&mut self) {
        let Focus::Session(id) = self.sessions.focus else {
            return;
        };
        let Some(pos) = self.sessions.tabs.iter().position(|t| t.id == id) else {
            return;
        };
        let tab = self.sessions.tabs.remove(pos);
        // The event loop drops its handle on Close, so send it even for ended sessions.
        self.push_effect(Effect::Session(tab.id, SessionCommand::Close));
        let next = pos.min(self.sessions.tabs.len().saturating_sub(1));
        match self.sessions.tabs.get(next) {
            Some(t) => self.sessions.focus = Focus::Session(t.id),
            None => self.sessions.focus = Focus::Nodes,
        }
        if let Some(t) = self.sessions.tabs.get_mut(next)
            && self.sessions.focus == Focus::Session(t.id)
        {
            t.unread = false;
        }
    }

    /// Mouse over a focused shell: the wheel scrolls back, or goes to a full-screen
    /// program (as mouse reports when it asked for them, else as arrow keys).
    pub(super) fn session_mouse(&mut self, id: SessionId, mouse: MouseEvent) -> bool {
        let up = match mouse.kind {
            MouseEventKind::ScrollUp => true,
            MouseEventKind::ScrollDown => false,
            _ => return false,
        };
        let pane = self.sessions.pane;
        let Some(tab) = self.sessions.tabs.iter_mut().find(|t| t.id == id) else {
            return false;
        };
        if !tab.is_shell() {
            return false;
        }
        if !tab.parser.screen().alternate_screen() {
            let lines = WHEEL_LINES as isize;
            return scroll(tab, if up { lines } else { -lines });
        }
        let screen = tab.parser.screen();
        if tab.is_closed() {
            return false;
        }
        let bytes = if screen.mouse_protocol_mode() != vt100::MouseProtocolMode::None {
            let (col, row) = pane.map_or((0, 0), |p| {
                (
                    mouse.column.saturating_sub(p.x),
                    mouse.row.saturating_sub(p.y),
                )
            });
            let sgr = screen.mouse_protocol_encoding() == vt100::MouseProtocolEncoding::Sgr;
            encode_wheel(up, col, row, sgr)
        } else {
            let modes = TermModes {
                application_cursor: screen.application_cursor(),
            };
            let arrow = KeyEvent::from(if up { KeyCode::Up } else { KeyCode::Down });
            encode_key(&arrow, modes)
                .unwrap_or_default()
                .repeat(WHEEL_LINES)
        };
        self.push_effect(Effect::Session(id, SessionCommand::Input(bytes)));
        false
    }

    /// Pasted text: to the focused shell (bracketed when it asked), else into the line
    /// being edited.
    pub(super) fn on_paste(&mut self, text: String) -> bool {
        self.sessions.leader = false;
        match &mut self.overlay {
            Overlay::Forward(prompt) => {
                prompt
                    .text
                    .extend(text.chars().filter(|c| !c.is_control()).take(256));
                prompt.error = None;
                return true;
            }
            Overlay::None => {}
            _ => return false,
        }
        if let Focus::Session(id) = self.sessions.focus {
            let Some(tab) = self.sessions.tabs.iter_mut().find(|t| t.id == id) else {
                return false;
            };
            if !tab.is_shell() || tab.is_closed() {
                return false;
            }
            let bytes = encode_paste(&text, tab.parser.screen().bracketed_paste());
            let scrolled = tab.scrollback() > 0;
            tab.parser.screen_mut().set_scrollback(0);
            self.push_effect(Effect::Session(id, SessionCommand::Input(bytes)));
            return scrolled;
        }
        if self.command.is_some() {
            return self.command_paste(&text);
        }
        if self.filter_editing {
            let clean: String = text.chars().filter(|c| !c.is_control()).collect();
            let mut filter = self.pane_filter_text().to_string();
            let cur = self.filter_cursor.min(filter.len());
            if !filter.is_char_boundary(cur) {
                return false;
            }
            filter.insert_str(cur, &clean);
            self.set_pane_filter(&filter);
            self.filter_cursor = cur + clean.len();
            return true;
        }
        false
    }
}

/// Scrolls a shell's view back (`lines` > 0) or forward; true when it moved.
fn scroll(tab: &mut SessionTab, lines: isize) -> bool {
    let before = tab.scrollback();
    let target = before.saturating_add_signed(lines);
    tab.parser.screen_mut().set_scrollback(target);
    tab.scrollback() != before
}
