//! Moving between panes: number keys, Tab, the `:` command line, the scope filter,
//! jumps to a node with the way back, on-demand requests, and the keys of the table
//! panes (OpsCenter, compliance, inventory, scopes, explorer).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::command::{Command, parse_command};
use super::keymap::Action;
use super::panes::Pane;
use super::panes::inventory::InventoryMode;
use super::panes::{Cmd, ListMut};
use super::scope_filter::ScopeFilter;
use super::{App, CommandLine, Effect, Focus, Notice, Overlay};
use crate::model::{DetailRequest, FeedEvent, FeedSet, ScopeId};

/// An on-demand request of a detail.
pub type Request = DetailRequest;

/// Where Esc returns to after a jump to a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Back {
    pub pane: Pane,
    pub overlay: Overlay,
    /// The nodes filter before the jump (the jump may clear it).
    pub nodes_filter: String,
}

/// Jumps remembered at most.
const BACK_DEPTH: usize = 32;

impl App {
    /// The pane shown while no session tab has focus.
    pub fn pane(&self) -> Pane {
        self.pane
    }

    /// The feeds the pane shown needs.
    pub fn wanted_feeds(&self) -> FeedSet {
        self.wanted
    }

    pub fn scope_filter(&self) -> &ScopeFilter {
        &self.scope_filter
    }

    /// Per scope: shown under the scope filter.
    pub fn scope_mask(&self) -> &[bool] {
        &self.mask
    }

    pub fn command_line(&self) -> Option<&CommandLine> {
        self.command.as_ref()
    }

    pub fn notice(&self) -> Option<&Notice> {
        self.notice.as_ref()
    }

    /// Jumps remembered for Esc.
    pub fn back_depth(&self) -> usize {
        self.back.len()
    }

    fn request(&mut self, r: DetailRequest) {
        self.push_effect(Effect::Request(r));
    }

    fn note(&mut self, text: impl Into<String>, error: bool) {
        self.notice = Some(Notice {
            text: text.into(),
            error,
        });
    }

    /// Shows `pane` (and gives the panes the keyboard); asks for the feeds it needs.
    pub fn show_pane(&mut self, pane: Pane) -> bool {
        if let Focus::Session(id) = self.sessions.focus {
            self.sessions.last = Some(id);
        }
        self.sessions.focus = Focus::Nodes;
        self.filter_editing = false;
        if matches!(
            self.overlay,
            Overlay::Detail { .. }
                | Overlay::OpsItem { .. }
                | Overlay::ComplianceItems { .. }
                | Overlay::Record { .. }
                | Overlay::Catalog(_)
        ) {
            self.estate.forget_secrets();
            self.overlay = Overlay::None;
        }
        if pane == Pane::Inventory && self.pane != Pane::Inventory {
            self.adopt_inventory_node();
        }
        self.pane = pane;
        self.sync_panes();
        let want = self.feeds_for(pane);
        if want != self.wanted {
            self.wanted = want;
            self.push_effect(Effect::WantFeeds(want));
        }
        true
    }

    /// The inventory pane follows the node selected in the nodes pane.
    fn adopt_inventory_node(&mut self) {
        let Some(node) = self.panes.nodes.selected_node(&self.estate) else {
            return;
        };
        let key = (node.scope, node.instance_id.clone());
        if self.panes.inventory.mode == InventoryMode::Node
            && self.panes.inventory.node.as_ref() != Some(&key)
        {
            self.open_inventory_of(key.0, &key.1);
        }
    }

    /// Shows the inventory of one node and asks for all of it.
    pub fn open_inventory_of(&mut self, scope: ScopeId, instance_id: &str) {
        let request = self.panes.inventory.open_node(scope, instance_id);
        self.request(request);
    }

    /// Runs a fleet-wide application query.
    pub fn query_applications(&mut self, name: &str, below: Option<String>) {
        let q = &mut self.panes.inventory.query;
        let same = q.name.eq_ignore_ascii_case(name);
        q.name = name.to_string();
        q.below = below;
        q.invalidate();
        self.panes.inventory.mode = InventoryMode::Query;
        if !same || !q.answered(&self.estate) {
            self.request(DetailRequest::Applications {
                name: name.to_string(),
            });
        }
        self.show_pane(Pane::Inventory);
    }

    /// Sets the scope filter of every pane.
    pub fn set_scope_filter(&mut self, f: ScopeFilter) {
        self.scope_filter = f;
        self.apply_scope_filter();
    }

    pub(super) fn apply_scope_filter(&mut self) {
        self.mask = self.scope_filter.mask(&self.estate);
        let mask = if self.scope_filter.is_empty() {
            Vec::new()
        } else {
            self.mask.clone()
        };
        self.panes.nodes.sync(&self.estate);
        self.panes.nodes.set_scope_mask(&self.estate, mask);
        let n = self.mask.iter().filter(|m| **m).count();
        self.panes.scopes.view.keep_visible(n);
        self.sync_panes();
    }

    /// Brings the table of the pane shown up to date.
    pub(super) fn sync_panes(&mut self) {
        if self.mask.len() != self.estate.scopes().len() {
            self.mask = self.scope_filter.mask(&self.estate);
        }
        let now = self.now();
        let cx = cx!(self, now);
        self.panes.get_mut(self.pane).sync(&cx);
    }

    /// Answers to on-demand requests: the panes that show them re-read.
    pub(super) fn on_detail(&mut self, event: &FeedEvent) {
        for p in Pane::ALL {
            self.panes.get_mut(p).on_feed(event);
        }
    }

    /// Shows node `instance_id` in the nodes pane; Esc comes back here.
    pub fn jump_to_node(&mut self, scope: Option<ScopeId>, instance_id: &str) -> bool {
        let back = Back {
            pane: self.pane,
            overlay: self.overlay.clone(),
            nodes_filter: self.panes.nodes.filter_text().to_string(),
        };
        self.panes.nodes.sync(&self.estate);
        let mut found = self
            .panes
            .nodes
            .select_node(&self.estate, scope, instance_id);
        if !found && !self.panes.nodes.filter_text().is_empty() {
            self.panes.nodes.set_filter(&self.estate, "");
            found = self
                .panes
                .nodes
                .select_node(&self.estate, scope, instance_id);
            if !found {
                self.panes
                    .nodes
                    .set_filter(&self.estate, &back.nodes_filter);
            }
        }
        if !found {
            self.note(
                format!("{instance_id} is not among the managed nodes shown"),
                true,
            );
            return true;
        }
        if self.back.len() >= BACK_DEPTH {
            self.back.remove(0);
        }
        self.back.push(back);
        self.overlay = Overlay::None;
        self.notice = None;
        self.show_pane(Pane::Nodes);
        true
    }

    /// Back to where the last jump came from.
    pub fn go_back(&mut self) -> bool {
        let Some(back) = self.back.pop() else {
            return false;
        };
        if self.panes.nodes.filter_text() != back.nodes_filter {
            self.panes
                .nodes
                .set_filter(&self.estate, &back.nodes_filter);
            self.filter_cursor = back.nodes_filter.len();
        }
        self.pane = back.pane;
        self.show_pane(back.pane);
        self.overlay = back.overlay;
        true
    }

    /// The filter text of the pane shown (empty for panes without one).
    pub fn pane_filter_text(&self) -> &str {
        let now = self.now();
        let cx = cx!(self, now);
        self.panes
            .get(self.pane)
            .list(&cx)
            .map_or("", |l| l.filter_text())
    }

    /// The filter error of the pane shown.
    pub fn pane_filter_error(&self) -> Option<String> {
        let now = self.now();
        let cx = cx!(self, now);
        self.panes
            .get(self.pane)
            .list(&cx)
            .and_then(|l| l.filter_error())
            .map(ToString::to_string)
    }

    /// Rows shown by the table of the pane shown.
    pub fn pane_row_count(&self) -> usize {
        let now = self.now();
        let cx = cx!(self, now);
        self.panes.get(self.pane).list(&cx).map_or(0, |l| l.len())
    }

    /// Panes with a filter bar.
    pub fn pane_has_filter(&self) -> bool {
        self.panes.get(self.pane).has_filter()
    }

    /// `f` on the rows of the pane shown, bound to their source; `None` when it has none.
    fn with_list<T>(&mut self, f: impl FnOnce(&mut dyn ListMut) -> T) -> Option<T> {
        let now = self.now();
        let cx = cx!(self, now);
        let mut list = self.panes.get_mut(self.pane).list_mut(&cx)?;
        Some(f(&mut *list))
    }

    /// Sets the filter of the pane shown.
    pub(super) fn set_pane_filter(&mut self, text: &str) {
        self.with_list(|l| l.set_filter(text));
    }

    /// Moves the selection of the pane shown.
    pub(super) fn pane_move(&mut self, delta: isize) {
        self.with_list(|l| l.move_by(delta));
    }

    /// Mouse wheel over the pane shown.
    pub(super) fn pane_scroll(&mut self, delta: isize) {
        self.with_list(|l| l.scroll_by(delta));
    }

    /// A click on line `line` of the table body.
    pub(super) fn pane_click(&mut self, line: usize) -> bool {
        self.with_list(|l| l.click(line)).unwrap_or(false)
    }

    /// Sizes the page of the pane shown.
    pub(super) fn pane_set_page(&mut self, rows: usize) {
        self.with_list(|l| l.set_page(rows));
    }

    /// A click on the header of column position `i` of the pane's table.
    pub(super) fn sort_by_header(&mut self, i: usize) -> bool {
        self.with_list(|l| l.sort_by_header(i)).unwrap_or(false)
    }

    /// Keys every pane shares (no overlay, no line being edited). `None`: not one.
    pub(super) fn global_key(&mut self, key: &KeyEvent) -> Option<bool> {
        let plain = !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        Some(match key.code {
            KeyCode::Char(d @ '1'..='9') if plain => {
                match Pane::from_number(d as usize - '0' as usize) {
                    Some(p) => self.show_pane(p),
                    None => false,
                }
            }
            KeyCode::Tab => self.show_pane(self.pane.cycle(1)),
            KeyCode::BackTab => self.show_pane(self.pane.cycle(-1)),
            _ if self.keys.action(key) == Some(Action::Command) => {
                self.command = Some(CommandLine::default());
                self.notice = None;
                true
            }
            KeyCode::Esc if !self.back.is_empty() && self.pane_filter_text().is_empty() => {
                self.go_back()
            }
            _ => return None,
        })
    }

    /// A key while the `:` line is edited.
    pub(super) fn command_key(&mut self, key: KeyEvent) -> bool {
        let Some(line) = &mut self.command else {
            return false;
        };
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => self.command = None,
            KeyCode::Enter => {
                let text = std::mem::take(&mut line.text);
                self.command = None;
                self.run_command(&text);
            }
            KeyCode::Backspace => {
                if line.text.pop().is_none() {
                    self.command = None;
                }
            }
            KeyCode::Char('u') if ctrl => line.text.clear(),
            KeyCode::Char('w') if ctrl => {
                let head = line.text.trim_end();
                let start = head.rfind(char::is_whitespace).map_or(0, |i| i + 1);
                line.text.truncate(start);
            }
            KeyCode::Tab => complete(&mut line.text),
            KeyCode::Char(c) if !ctrl && !c.is_control() && line.text.len() < 256 => {
                line.text.push(c)
            }
            _ => return false,
        }
        true
    }

    /// Pasted text into the `:` line.
    pub(super) fn command_paste(&mut self, text: &str) -> bool {
        let Some(line) = &mut self.command else {
            return false;
        };
        line.text.extend(
            text.chars()
                .filter(|c| !c.is_control())
                .take(256usize.saturating_sub(line.text.len())),
        );
        true
    }

    /// Runs one command line (without the `:`).
    pub fn run_command(&mut self, text: &str) {
        if self.action_command(text).is_some() {
            return;
        }
        match parse_command(text) {
            Err(e) => self.note(e, true),
            Ok(Command::Quit) => self.request_quit(),
            Ok(Command::Help) => self.overlay = Overlay::Help,
            Ok(Command::Show(pane, filter)) => {
                if let Some(f) = filter {
                    self.set_scope_filter(f);
                }
                if pane == Pane::Inventory {
                    self.panes.inventory.mode = InventoryMode::Node;
                }
                self.show_pane(pane);
            }
            Ok(Command::Scope(f)) => {
                let label = if f.is_empty() {
                    "every scope".to_string()
                } else {
                    f.label()
                };
                self.set_scope_filter(f);
                let shown = self.mask.iter().filter(|m| **m).count();
                self.note(format!("scopes: {label} ({shown} shown)"), false);
            }
            Ok(Command::Sessions(n)) => {
                let ok = match n {
                    _ if self.sessions.tabs.is_empty() => false,
                    None => self.back_to_session(),
                    Some(n) => self.jump_to_tab(n),
                };
                if !ok {
                    self.note("no such session tab (c opens a shell)", true);
                }
            }
            Ok(Command::App { name, below }) => self.query_applications(&name, below),
        }
    }

    /// Keys of the pane shown, after the overlays and the keys every pane shares.
    pub(super) fn pane_key(&mut self, key: KeyEvent) -> bool {
        let action = self.keys.action(&key);
        if self.panes.get(self.pane).takes_keys() {
            return self.component_key(key, action);
        }
        match (action, key.code) {
            (Some(Action::Quit), _) => {
                self.request_quit();
                return true;
            }
            (Some(Action::Help), _) => {
                self.overlay = Overlay::Help;
                return true;
            }
            (Some(Action::Filter), _) if self.pane_has_filter() => {
                self.filter_editing = true;
                self.filter_cursor = self.pane_filter_text().len();
                return true;
            }
            (_, KeyCode::Esc) if !self.pane_filter_text().is_empty() => {
                self.set_pane_filter("");
                self.filter_cursor = 0;
                return true;
            }
            _ => {}
        }
        self.component_key(key, action)
    }

    /// A key to the component of the pane shown, and what it asks carried out.
    fn component_key(&mut self, key: KeyEvent, action: Option<Action>) -> bool {
        // The movement and sort keys of the pane's rows, unless an open detail of the pane
        // takes every key.
        if !self.panes.get(self.pane).takes_keys()
            && self.with_list(|l| l.nav(action)).unwrap_or(false)
        {
            return true;
        }
        let now = self.now();
        let mut out = Vec::new();
        let cx = cx!(self, now);
        let handled = self
            .panes
            .get_mut(self.pane)
            .on_key(&key, action, &cx, &mut out);
        self.apply_cmds(out) && handled
    }

    /// Carries out what a pane asked; false when one of them could not be done.
    pub(super) fn apply_cmds(&mut self, cmds: Vec<Cmd>) -> bool {
        let mut done = true;
        for cmd in cmds {
            match cmd {
                Cmd::Request(r) => self.request(r),
                Cmd::JumpToNode { scope, instance_id } => {
                    self.jump_to_node(scope, &instance_id);
                }
                Cmd::Open(overlay) => self.overlay = overlay,
                Cmd::Note { text, error } => self.note(text, error),
                Cmd::CommandLine(text) => self.command = Some(CommandLine { text }),
                Cmd::ScopeFilter(f) => {
                    self.set_scope_filter(f);
                    let label = self.scope_filter.label();
                    self.note(format!("scopes: {label} (:* shows every scope)"), false);
                }
                Cmd::ShowInventory { scope, instance_id } => {
                    self.open_inventory_of(scope, &instance_id);
                    self.pane = Pane::Inventory;
                    self.show_pane(Pane::Inventory);
                }
                Cmd::OpenShell => done &= self.open_shell_on_selection(),
                Cmd::OpenForward => done &= self.open_forward_prompt(),
                Cmd::ShowPane { pane, filter } => {
                    self.show_pane(pane);
                    if let Some(text) = filter {
                        self.set_pane_filter(&text);
                    }
                }
                Cmd::Confirm(request) => done &= self.confirm_action(*request),
                // The history panes.
                Cmd::OpenRecord(record) => self.open_record(record),
                // The catalog panes.
                Cmd::ForgetSecrets => self.estate.forget_secrets(),
                Cmd::RunCommand(spec) => done &= self.open_run_command(*spec),
            }
        }
        done
    }

    /// The managed nodes an open OpsItem names (its resources and related items).
    pub fn ops_item_nodes(&self, scope: ScopeId, id: &str) -> Vec<String> {
        super::panes::ops::item_nodes(&self.estate, scope, id)
    }

    /// Keys of the OpsItem detail ([`super::panes::ops::item_key`]).
    pub(super) fn ops_item_key(&mut self, key: KeyEvent) -> bool {
        let now = self.now();
        let cx = cx!(self, now);
        let mut out = Vec::new();
        let handled = super::panes::ops::item_key(&mut self.overlay, &key, &cx, &mut out);
        self.apply_cmds(out) && handled
    }

    /// Keys of a resource's compliance items ([`super::panes::compliance::items_key`]).
    pub(super) fn compliance_items_key(&mut self, key: KeyEvent) -> bool {
        let now = self.now();
        let cx = cx!(self, now);
        let mut out = Vec::new();
        let handled = super::panes::compliance::items_key(&mut self.overlay, &key, &cx, &mut out);
        self.apply_cmds(out) && handled
    }
}

/// Completes the first word of a command line to the one alias it starts.
fn complete(text: &mut String) {
    if text.contains(char::is_whitespace) || text.is_empty() {
        return;
    }
    let lower = text.to_lowercase();
    let names: Vec<&str> = super::panes::PANE_ALIASES
        .iter()
        .map(|(names, _)| names[0])
        .chain(["sessions", "app", "help", "quit"])
        .filter(|n| n.starts_with(lower.as_str()))
        .collect();
    if let [one] = names.as_slice() {
        *text = format!("{one} ");
    }
}
