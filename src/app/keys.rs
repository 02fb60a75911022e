//! The key map: what each key does in each mode.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::sessions::is_leader;
use super::{App, Focus, Overlay};

/// Every key, for the help overlay: (keys, what they do).
pub const KEY_HELP: &[(&str, &str)] = &[
    ("j / ↓", "next node"),
    ("k / ↑", "previous node"),
    ("g / Home", "first node"),
    ("G / End", "last node"),
    ("PgDn / PgUp", "page down / up"),
    ("Ctrl-d / Ctrl-u", "half page down / up"),
    ("wheel", "scroll; click selects"),
    ("Enter", "node details"),
    ("/", "filter (Enter keeps, Esc clears)"),
    ("Esc", "clear filter / close"),
    ("s / S", "sort by next column / reverse"),
    ("> / <", "sort column right / left"),
    ("?", "this help"),
    ("q / Ctrl-c", "quit"),
];

/// Nodes-pane keys that open sessions; absent in read-only mode.
pub const SESSION_KEY_HELP: &[(&str, &str)] = &[
    ("c", "shell on the selected node"),
    ("p", "port forward LOCAL:REMOTE[:HOST]"),
    ("1-9 / Tab", "session tab N / back to the last one"),
];

/// Keys of a focused session tab: everything goes to the remote shell but these.
pub const SESSION_HELP: &[(&str, &str)] = &[
    ("Ctrl-] n / p", "next / previous tab"),
    ("Ctrl-] 0-9", "tab N (0: nodes)"),
    ("Ctrl-] x", "close the tab (ends the session)"),
    ("Ctrl-] q / Esc", "back to the nodes pane"),
    ("Ctrl-] ?", "this help"),
    ("Ctrl-] Ctrl-]", "send Ctrl-] to the shell"),
    ("Shift-PgUp/PgDn", "scroll back / forward (also wheel)"),
];

/// The filter grammar, for the help overlay.
pub const FILTER_HELP: &[(&str, &str)] = &[
    ("web", "any column or tag value contains \"web\""),
    ("ping=online", "one column: account region id name"),
    ("", "ping platform os agent ip"),
    ("tag:Env=prod", "tag Env's value contains \"prod\""),
    ("!term", "negates a term; terms are ANDed"),
];

impl App {
    pub(super) fn on_key(&mut self, key: KeyEvent) -> bool {
        if key.kind == KeyEventKind::Release {
            return false;
        }
        if self.sessions.leader {
            return self.leader_key(key);
        }
        if let (Focus::Session(id), Overlay::None) = (self.sessions.focus, &self.overlay) {
            return self.session_key(id, key);
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && matches!(key.code, KeyCode::Char('c' | 'C')) {
            self.quit = true;
            return true;
        }
        if is_leader(&key) && self.overlay == Overlay::None && !self.filter_editing {
            self.sessions.leader = true;
            return true;
        }
        match self.overlay {
            Overlay::Help => self.help_key(key),
            Overlay::Detail { .. } => self.detail_key(key),
            Overlay::Forward(_) => self.forward_key(key),
            Overlay::None if self.filter_editing => self.filter_key(key, ctrl),
            Overlay::None => self.table_key(key, ctrl),
        }
    }

    fn help_key(&mut self, key: KeyEvent) -> bool {
        match key.code {
            KeyCode::Esc | KeyCode::Char('?' | 'q') => {
                self.overlay = Overlay::None;
                true
            }
            _ => false,
        }
    }

    fn detail_key(&mut self, key: KeyEvent) -> bool {
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') | KeyCode::Enter => self.overlay = Overlay::None,
            KeyCode::Char('j') | KeyCode::Down => self.scroll_detail(1),
            KeyCode::Char('k') | KeyCode::Up => self.scroll_detail(-1),
            KeyCode::PageDown => self.scroll_detail(10),
            KeyCode::PageUp => self.scroll_detail(-10),
            KeyCode::Char('g') | KeyCode::Home => self.scroll_detail(i32::from(i16::MIN)),
            KeyCode::Char('?') => self.overlay = Overlay::Help,
            _ => return false,
        }
        true
    }

    fn table_key(&mut self, key: KeyEvent, ctrl: bool) -> bool {
        let page = self.nodes.page() as isize;
        let estate = &self.estate;
        let nodes = &mut self.nodes;
        match key.code {
            KeyCode::Char('q') => self.quit = true,
            KeyCode::Char('d') if ctrl => nodes.move_by(estate, (page / 2).max(1)),
            KeyCode::Char('u') if ctrl => nodes.move_by(estate, -(page / 2).max(1)),
            KeyCode::Char('f') if ctrl => nodes.move_by(estate, page),
            KeyCode::Char('b') if ctrl => nodes.move_by(estate, -page),
            KeyCode::Char('j') | KeyCode::Down => nodes.move_by(estate, 1),
            KeyCode::Char('k') | KeyCode::Up => nodes.move_by(estate, -1),
            KeyCode::Char('g') | KeyCode::Home => nodes.select(estate, 0),
            KeyCode::Char('G') | KeyCode::End => nodes.select(estate, usize::MAX),
            KeyCode::PageDown => nodes.move_by(estate, page),
            KeyCode::PageUp => nodes.move_by(estate, -page),
            KeyCode::Char('s') | KeyCode::Char('>') => {
                let (col, _) = nodes.sort();
                nodes.set_sort(estate, col.next(), false);
            }
            KeyCode::Char('<') => {
                let (col, _) = nodes.sort();
                nodes.set_sort(estate, col.prev(), false);
            }
            KeyCode::Char('S') => {
                let (col, desc) = nodes.sort();
                nodes.set_sort(estate, col, !desc);
            }
            KeyCode::Char('/') => {
                self.filter_editing = true;
                self.filter_cursor = self.nodes.filter_text().len();
            }
            KeyCode::Esc if !self.nodes.filter_text().is_empty() => self.set_filter(""),
            KeyCode::Enter => self.open_detail(),
            KeyCode::Char('?') => self.overlay = Overlay::Help,
            KeyCode::Char('c') if !self.options.read_only => return self.open_shell_on_selection(),
            KeyCode::Char('p') if !self.options.read_only => return self.open_forward_prompt(),
            KeyCode::Char(d @ '1'..='9') if !self.sessions.tabs.is_empty() => {
                return self.jump_to_tab(d as usize - '0' as usize);
            }
            KeyCode::Tab if !self.sessions.tabs.is_empty() => return self.back_to_session(),
            _ => return false,
        }
        true
    }

    fn filter_key(&mut self, key: KeyEvent, ctrl: bool) -> bool {
        let mut text = self.nodes.filter_text().to_string();
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
                self.set_filter("");
                return true;
            }
            KeyCode::Down => {
                self.nodes.move_by(&self.estate, 1);
                return true;
            }
            KeyCode::Up => {
                self.nodes.move_by(&self.estate, -1);
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
        if text != self.nodes.filter_text() {
            self.nodes.set_filter(&self.estate, &text);
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
