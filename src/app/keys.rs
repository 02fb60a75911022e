//! The key map: what each key does in each mode.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::hints::KeyHint;
use super::keymap::{Action, PaneAction, pane_keys};
use super::sessions::is_leader;
use super::{App, Focus, Overlay};

/// Every key, for the help overlay.
pub const KEY_HELP: &[KeyHint] = &[
    KeyHint::fixed("1-9", "Nodes Explorer OpsCenter"),
    KeyHint::more("Compliance Inventory Scopes"),
    KeyHint::more("Commands Automations Audit"),
    KeyHint::fixed("Tab / Shift-Tab", "next / previous pane"),
    KeyHint::table(":", &[Action::Command], "command (see Commands)"),
    KeyHint::table(
        "j k / ↓ ↑",
        &[Action::Down, Action::Up],
        "next / previous row",
    ),
    KeyHint::table(
        "g G / Home End",
        &[Action::Top, Action::Bottom],
        "first / last row",
    ),
    KeyHint::table(
        "PgDn / PgUp",
        &[Action::PageDown, Action::PageUp],
        "page down / up",
    ),
    KeyHint::table(
        "Ctrl-d / Ctrl-u",
        &[Action::HalfPageDown, Action::HalfPageUp],
        "half page down / up",
    ),
    KeyHint::fixed("wheel", "scroll; click selects"),
    KeyHint::table("Enter", &[Action::Details], "details"),
    KeyHint::table("/", &[Action::Filter], "filter (Enter keeps it)"),
    KeyHint::fixed("Esc", "clear filter · close · back"),
    KeyHint::table(
        "s / S",
        &[Action::SortNext, Action::SortReverse],
        "sort: next column / reverse",
    ),
    KeyHint::table(
        "> / <",
        &[Action::SortNext, Action::SortPrev],
        "sort column right / left",
    ),
    KeyHint::table("?", &[Action::Help], "this help"),
    KeyHint::table("q / Ctrl-c", &[Action::Quit], "quit"),
];

/// The line of the help overlay's Panes section after every pane's own lines: the
/// detail popups' key.
pub const DETAIL_KEY_HELP: KeyHint =
    KeyHint::pane("r", &[PaneAction::Refresh], "fetch the detail again");

/// Nodes-pane keys that open sessions; absent in read-only mode.
pub const SESSION_KEY_HELP: &[KeyHint] = &[
    KeyHint::pane("c", &[PaneAction::Shell], "shell on the selected node"),
    KeyHint::pane(
        "p",
        &[PaneAction::Forward],
        "port forward LOCAL:REMOTE[:HOST]",
    ),
    KeyHint::fixed("Ctrl-] 1-9", "tab N (also :sessions N)"),
    KeyHint::fixed("Ctrl-] n / p", "next / previous tab"),
];

/// Keys of a focused session tab: everything goes to the remote shell but these.
pub const SESSION_HELP: &[(&str, &str)] = &[
    ("Ctrl-] n / p", "next / previous tab"),
    ("Ctrl-] 0-9", "tab N (0: the panes)"),
    ("Ctrl-] x", "close the tab (ends it)"),
    ("Ctrl-] q / Esc", "back to the panes"),
    ("Ctrl-] ?", "this help"),
    ("Ctrl-] Ctrl-]", "send Ctrl-] to the shell"),
    ("Shift-PgUp/PgDn", "scroll back / forward"),
];

/// The filter grammar, for the help overlay.
pub const FILTER_HELP: &[(&str, &str)] = &[
    ("web", "any column or tag has web"),
    ("ping=online", "one column; nodes: account"),
    ("", "region id name ping platform"),
    ("", "os agent ip"),
    ("sev=1 status=open", "OpsItems: sev status source…"),
    ("type=patch", "compliance: type sev name id"),
    ("name=nginx", "inventory: an attribute"),
    ("tag:Env=prod", "tag / operational data value"),
    ("!term", "negates; terms are ANDed"),
];

impl App {
    /// The Panes section of the help overlay: every pane's lines, then the popups'.
    pub fn pane_help(&self) -> Vec<KeyHint> {
        let mut lines = super::panes::pane_help(&self.panes);
        lines.push(DETAIL_KEY_HELP);
        lines
    }

    pub(super) fn on_key(&mut self, key: KeyEvent) -> bool {
        if key.kind == KeyEventKind::Release {
            return false;
        }
        if self.sessions.unsandboxed_pending.is_some() {
            return self.unsandboxed_answer(key);
        }
        if self.sessions.leader {
            return self.leader_key(key);
        }
        if let (Focus::Session(id), Overlay::None) = (self.sessions.focus, &self.overlay) {
            return self.session_key(id, key);
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && matches!(key.code, KeyCode::Char('c' | 'C')) {
            self.request_quit();
            return true;
        }
        if is_leader(&key) && self.overlay == Overlay::None && !self.filter_editing {
            self.sessions.leader = true;
            return true;
        }
        if self.command.is_some() && self.overlay == Overlay::None {
            return self.command_key(key);
        }
        if let Some(done) = self.action_key(&key) {
            return done;
        }
        match self.overlay {
            Overlay::Help => self.help_key(key),
            Overlay::Detail { .. } => self.detail_key(key),
            Overlay::Forward(_) => self.forward_key(key),
            Overlay::OpsItem { .. } => self.ops_item_key(key),
            Overlay::ComplianceItems { .. } => self.compliance_items_key(key),
            Overlay::Record { .. } => self.record_key(key),
            Overlay::Catalog(_) => self.catalog_detail_key(key),
            Overlay::None if self.filter_editing => self.filter_key(key, ctrl),
            Overlay::None => {
                let had_notice = self.notice.take().is_some();
                if let Some(done) = self.global_key(&key) {
                    return done || had_notice;
                }
                self.pane_key(key) || had_notice
            }
        }
    }

    /// Keys of the help overlay, through the key map; `Esc` always closes it, whatever
    /// `[keys]` binds.
    fn help_key(&mut self, key: KeyEvent) -> bool {
        let read_only = self.options.read_only;
        if self.keys.pane_action(&key, read_only, pane_keys::HELP) == Some(PaneAction::NextPage) {
            return self.scroll_help(10);
        }
        match self.keys.action(&key) {
            _ if key.code == KeyCode::Esc => {}
            Some(Action::Help | Action::Quit) => {}
            Some(Action::Down) => return self.scroll_help(1),
            Some(Action::Up) => return self.scroll_help(-1),
            Some(Action::PageDown) => return self.scroll_help(10),
            Some(Action::PageUp) => return self.scroll_help(-10),
            Some(Action::Top) => {
                self.help_scroll = 0;
                return true;
            }
            Some(Action::Bottom) => return self.scroll_help(i32::from(u16::MAX)),
            _ => return false,
        }
        self.overlay = Overlay::None;
        self.help_scroll = 0;
        true
    }

    /// The help overlay clamps the offset to what it has to show.
    fn scroll_help(&mut self, delta: i32) -> bool {
        self.help_scroll =
            u16::try_from((i32::from(self.help_scroll) + delta).max(0)).unwrap_or(u16::MAX);
        true
    }

    /// Keys of a parameter, patch baseline or document shown in full.
    fn catalog_detail_key(&mut self, key: KeyEvent) -> bool {
        let now = self.now();
        let cx = cx!(self, now);
        let Overlay::Catalog(d) = &mut self.overlay else {
            return false;
        };
        let mut out = Vec::new();
        let handled = d.on_key(&key, &cx, &mut out);
        self.apply_cmds(out) && handled
    }

    /// Keys of a node shown in full, through the key map (Esc and Enter close it too).
    fn detail_key(&mut self, key: KeyEvent) -> bool {
        match (self.keys.action(&key), key.code) {
            (Some(Action::Quit | Action::Details), _) | (_, KeyCode::Esc | KeyCode::Enter) => {
                self.overlay = Overlay::None
            }
            (Some(Action::Down), _) => self.scroll_detail(1),
            (Some(Action::Up), _) => self.scroll_detail(-1),
            (Some(Action::PageDown), _) => self.scroll_detail(10),
            (Some(Action::PageUp), _) => self.scroll_detail(-10),
            (Some(Action::Top), _) => self.scroll_detail(i32::from(i16::MIN)),
            (Some(Action::Help), _) => self.overlay = Overlay::Help,
            _ => return false,
        }
        true
    }

    fn filter_key(&mut self, key: KeyEvent, ctrl: bool) -> bool {
        let mut text = self.pane_filter_text().to_string();
        let mut cur = self.filter_cursor.min(text.len());
        while !text.is_char_boundary(cur) {
            cur -= 1;
        }
        match key.code {
            KeyCode::Enter => {
                self.filter_editing = false;
                return true;
            }
            KeyCode::Esc => {
                self.filter_editing = false;
                self.set_pane_filter("");
                self.filter_cursor = 0;
                return true;
            }
            KeyCode::Down => {
                self.pane_move(1);
                return true;
            }
            KeyCode::Up => {
                self.pane_move(-1);
                return true;
            }
            KeyCode::Char('u') if ctrl => {
                text.replace_range(..cur, "");
                cur = 0;
            }
            KeyCode::Char('w') if ctrl => {
                let head = text[..cur].trim_end();
                let start = head.rfind(char::is_whitespace).map_or(0, |i| i + 1);
                text.replace_range(start..cur, "");
                cur = start;
            }
            KeyCode::Char('a') if ctrl => cur = 0,
            KeyCode::Char('e') if ctrl => cur = text.len(),
            KeyCode::Home => cur = 0,
            KeyCode::End => cur = text.len(),
            KeyCode::Left => cur = prev_boundary(&text, cur),
            KeyCode::Right => cur = next_boundary(&text, cur),
            KeyCode::Backspace => {
                let start = prev_boundary(&text, cur);
                text.replace_range(start..cur, "");
                cur = start;
            }
            KeyCode::Delete => {
                let end = next_boundary(&text, cur);
                text.replace_range(cur..end, "");
            }
            KeyCode::Char(c) if !ctrl && !c.is_control() => {
                text.insert(cur, c);
                cur += c.len_utf8();
            }
            _ => return false,
        }
        if text != self.pane_filter_text() {
            self.set_pane_filter(&text);
        }
        self.filter_cursor = cur;
        true
    }
}

fn prev_boundary(s: &str, i: usize) -> usize {
    s[..i].char_indices().next_back().map_or(0, |(p, _)| p)
}

fn next_boundary(s: &str, i: usize) -> usize {
    s[i..].chars().next().map_or(i, |c| i + c.len_utf8())
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyCode, KeyEvent};

    use crate::app::tests::app;
    use crate::app::{KeyMap, KeySpec, KeysConfig, Msg, Overlay};

    fn k(s: &str) -> KeySpec {
        KeySpec::must(s)
    }

    #[test]
    fn the_help_overlay_takes_its_keys_from_the_map_and_esc_always_closes_it() {
        let mut app = app();
        let keys = KeysConfig {
            help: Some(vec![k("F1")]),
            next_page: Some(vec![k("z")]),
            ..KeysConfig::default()
        };
        let Ok(map) = KeyMap::from_config(&keys) else {
            panic!("conflict")
        };
        app.set_keys(map);
        let press = |app: &mut super::App, code| app.update(Msg::Key(KeyEvent::from(code)));
        press(&mut app, KeyCode::F(1));
        assert_eq!(app.overlay(), &Overlay::Help);
        // ? is no longer the help key: it neither closes nor scrolls.
        assert!(!press(&mut app, KeyCode::Char('?')));
        assert_eq!(app.overlay(), &Overlay::Help);
        // z pages down, Space no longer does; j scrolls a line.
        assert!(!press(&mut app, KeyCode::Char(' ')));
        assert_eq!(app.help_scroll, 0);
        assert!(press(&mut app, KeyCode::Char('z')));
        assert_eq!(app.help_scroll, 10);
        assert!(press(&mut app, KeyCode::Char('k')));
        assert_eq!(app.help_scroll, 9);
        // Esc closes it whatever is bound.
        assert!(press(&mut app, KeyCode::Esc));
        assert_eq!(app.overlay(), &Overlay::None);
        assert_eq!(app.help_scroll, 0);
    }
}
