//! Moving between panes: number keys, Tab, the `:` command line, the scope filter,
//! jumps to a node with the way back, on-demand requests, and the keys of the table
//! panes (OpsCenter, compliance, inventory, scopes, explorer).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::columns::Column;
use super::compliance::{ResCol, ResourceRows};
use super::inventory::{AppCol, EntryRows, InventoryMode};
use super::keymap::Action;
use super::ops::{OpsCol, OpsRows, node_id, node_ids};
use super::panes::{Command, Pane, ScopeFilter, parse_command};
use super::table::{TableColumn, TableSource, TableView, Viewport};
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

/// Movement and sort keys of any table; true when handled.
pub(super) fn table_nav<S: TableSource>(
    t: &mut TableView<S::Col>,
    src: &S,
    action: Option<Action>,
) -> bool {
    let page = t.page() as isize;
    match action {
        Some(Action::HalfPageDown) => t.move_by((page / 2).max(1)),
        Some(Action::HalfPageUp) => t.move_by(-(page / 2).max(1)),
        Some(Action::PageDown) => t.move_by(page),
        Some(Action::PageUp) => t.move_by(-page),
        Some(Action::Down) => t.move_by(1),
        Some(Action::Up) => t.move_by(-1),
        Some(Action::Top) => t.select(0),
        Some(Action::Bottom) => t.select(usize::MAX),
        Some(Action::SortNext) => t.cycle_sort(src, 1),
        Some(Action::SortPrev) => t.cycle_sort(src, -1),
        Some(Action::SortReverse) => t.reverse(src),
        _ => return false,
    }
    true
}

/// Sorts by `col`, or reverses when it is the sort column already.
pub(super) fn click_sort<S: TableSource>(
    t: &mut TableView<S::Col>,
    src: &S,
    col: Option<S::Col>,
) -> bool {
    let Some(col) = col else {
        return false;
    };
    let (cur, desc) = t.sort();
    t.set_sort(src, col, cur == col && !desc);
    true
}

/// The keys that scroll a popup by `scroll` lines: j/k and the arrows by one, PageDown
/// and PageUp by ten, g/Home to the top. False for any other key.
pub(super) fn scroll_key(code: KeyCode, scroll: &mut u16) -> bool {
    match code {
        KeyCode::Char('j') | KeyCode::Down => *scroll = scroll.saturating_add(1),
        KeyCode::Char('k') | KeyCode::Up => *scroll = scroll.saturating_sub(1),
        KeyCode::PageDown => *scroll = scroll.saturating_add(10),
        KeyCode::PageUp => *scroll = scroll.saturating_sub(10),
        KeyCode::Char('g') | KeyCode::Home => *scroll = 0,
        _ => return false,
    }
    true
}

fn viewport_nav(v: &mut Viewport, len: usize, action: Option<Action>) -> bool {
    let page = v.page as isize;
    match action {
        Some(Action::Down) => v.move_by(1, len),
        Some(Action::Up) => v.move_by(-1, len),
        Some(Action::Top) => v.select(0, len),
        Some(Action::Bottom) => v.select(usize::MAX, len),
        Some(Action::PageDown) => v.move_by(page, len),
        Some(Action::PageUp) => v.move_by(-page, len),
        _ => return false,
    }
    true
}

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
        let Some(node) = self.nodes.selected_node(&self.estate) else {
            return;
        };
        let key = (node.scope, node.instance_id.clone());
        if self.inventory.mode == InventoryMode::Node && self.inventory.node.as_ref() != Some(&key)
        {
            self.open_inventory_of(key.0, &key.1);
        }
    }

    /// Shows the inventory of one node and asks for all of it.
    pub fn open_inventory_of(&mut self, scope: ScopeId, instance_id: &str) {
        self.inventory.mode = InventoryMode::Node;
        self.inventory.node = Some((scope, instance_id.to_string()));
        self.inventory.type_name = None;
        self.inventory.table.select(0);
        self.request(DetailRequest::NodeInventory {
            scope,
            instance_id: instance_id.to_string(),
            type_name: None,
        });
    }

    /// Runs a fleet-wide application query.
    pub fn query_applications(&mut self, name: &str, below: Option<String>) {
        let q = &mut self.inventory.query;
        let same = q.name.eq_ignore_ascii_case(name);
        q.name = name.to_string();
        q.below = below;
        q.invalidate();
        self.inventory.mode = InventoryMode::Query;
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
        self.nodes.sync(&self.estate);
        self.nodes.set_scope_mask(&self.estate, mask);
        let n = self.mask.iter().filter(|m| **m).count();
        self.scopes_view.keep_visible(n);
        self.sync_panes();
    }

    /// Brings the table of the pane shown up to date.
    pub(super) fn sync_panes(&mut self) {
        if self.mask.len() != self.estate.scopes().len() {
            self.mask = self.scope_filter.mask(&self.estate);
        }
        match self.pane {
            Pane::OpsCenter => self.ops.sync(&self.estate, &self.mask),
            Pane::Compliance => self.compliance.sync(&self.estate, &self.mask),
            Pane::Inventory => {
                self.inventory.sync(&self.estate);
                self.inventory.query.sync(&self.estate, &self.mask);
            }
            Pane::Commands | Pane::Automations | Pane::Audit | Pane::Activations => {
                self.history_sync()
            }
            Pane::Associations | Pane::Windows | Pane::Timeline => self.sm_sync(),
            Pane::Parameters | Pane::Baselines | Pane::Documents | Pane::Packages => {
                self.catalog_sync()
            }
            _ => {}
        }
    }

    /// Answers to on-demand requests: the views that show them re-read.
    pub(super) fn on_detail(&mut self, event: &FeedEvent) {
        match event {
            FeedEvent::NodeInventoryLoaded { .. } => self.inventory.invalidate(),
            FeedEvent::ApplicationsLoaded { .. } => self.inventory.query.invalidate(),
            FeedEvent::DetailFailed { .. } => {
                self.inventory.invalidate();
                self.inventory.query.invalidate();
            }
            _ => {}
        }
    }

    /// Shows node `instance_id` in the nodes pane; Esc comes back here.
    pub fn jump_to_node(&mut self, scope: Option<ScopeId>, instance_id: &str) -> bool {
        let back = Back {
            pane: self.pane,
            overlay: self.overlay.clone(),
            nodes_filter: self.nodes.filter_text().to_string(),
        };
        self.nodes.sync(&self.estate);
        let mut found = self.nodes.select_node(&self.estate, scope, instance_id);
        if !found && !self.nodes.filter_text().is_empty() {
            self.nodes.set_filter(&self.estate, "");
            found = self.nodes.select_node(&self.estate, scope, instance_id);
            if !found {
                self.nodes.set_filter(&self.estate, &back.nodes_filter);
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
        if self.nodes.filter_text() != back.nodes_filter {
            self.nodes.set_filter(&self.estate, &back.nodes_filter);
            self.filter_cursor = back.nodes_filter.len();
        }
        self.pane = back.pane;
        self.show_pane(back.pane);
        self.overlay = back.overlay;
        true
    }

    /// The filter text of the pane shown (empty for panes without one).
    pub fn pane_filter_text(&self) -> &str {
        match self.pane {
            Pane::Nodes => self.nodes.filter_text(),
            Pane::OpsCenter => self.ops.table.filter_text(),
            Pane::Compliance => self.compliance.table.filter_text(),
            Pane::Inventory => match self.inventory.mode {
                InventoryMode::Node => self.inventory.table.filter_text(),
                InventoryMode::Query => self.inventory.query.table.filter_text(),
            },
            Pane::Commands | Pane::Automations | Pane::Audit | Pane::Activations => {
                self.history_filter_text()
            }
            Pane::Associations | Pane::Windows | Pane::Timeline => self.sm_filter_text(),
            Pane::Parameters | Pane::Baselines | Pane::Documents | Pane::Packages => {
                self.catalog_filter_text()
            }
            Pane::Explorer | Pane::Scopes => "",
        }
    }

    /// The filter error of the pane shown.
    pub fn pane_filter_error(&self) -> Option<String> {
        let e = match self.pane {
            Pane::Nodes => self.nodes.filter_error(),
            Pane::OpsCenter => self.ops.table.filter_error(),
            Pane::Compliance => self.compliance.table.filter_error(),
            Pane::Inventory => match self.inventory.mode {
                InventoryMode::Node => self.inventory.table.filter_error(),
                InventoryMode::Query => self.inventory.query.table.filter_error(),
            },
            Pane::Commands | Pane::Automations | Pane::Audit | Pane::Activations => {
                self.history_filter_error()
            }
            Pane::Associations | Pane::Windows | Pane::Timeline => self.sm_filter_error(),
            Pane::Parameters | Pane::Baselines | Pane::Documents | Pane::Packages => {
                self.catalog_filter_error()
            }
            Pane::Explorer | Pane::Scopes => None,
        };
        e.map(ToString::to_string)
    }

    /// Rows shown by the table of the pane shown.
    pub fn pane_row_count(&self) -> usize {
        match self.pane {
            Pane::Nodes => self.nodes.len(),
            Pane::OpsCenter => self.ops.table.len(),
            Pane::Compliance => self.compliance.table.len(),
            Pane::Inventory => match self.inventory.mode {
                InventoryMode::Node => self.inventory.table.len(),
                InventoryMode::Query => self.inventory.query.table.len(),
            },
            Pane::Commands | Pane::Automations | Pane::Audit | Pane::Activations => {
                self.history_row_count()
            }
            Pane::Associations | Pane::Windows | Pane::Timeline => self.sm_row_count(),
            Pane::Parameters | Pane::Baselines | Pane::Documents | Pane::Packages => {
                self.catalog_row_count()
            }
            Pane::Explorer | Pane::Scopes => 0,
        }
    }

    /// Panes with a filter bar.
    pub fn pane_has_filter(&self) -> bool {
        !matches!(self.pane, Pane::Explorer | Pane::Scopes | Pane::Timeline)
    }

    /// Sets the filter of the pane shown.
    pub(super) fn set_pane_filter(&mut self, text: &str) {
        let estate = &self.estate;
        match self.pane {
            Pane::Nodes => self.nodes.set_filter(estate, text),
            Pane::OpsCenter => {
                let src = OpsRows {
                    estate,
                    refs: &self.ops.refs,
                };
                self.ops.table.set_filter(&src, text);
            }
            Pane::Compliance => {
                let src = ResourceRows {
                    estate,
                    refs: &self.compliance.refs,
                };
                self.compliance.table.set_filter(&src, text);
            }
            Pane::Inventory => match self.inventory.mode {
                InventoryMode::Node => {
                    let cur = self.inventory.current(estate);
                    let src = EntryRows {
                        entries: cur.map_or(&[], |r| r.entries.as_slice()),
                        attrs: &self.inventory.attrs,
                    };
                    self.inventory.table.set_filter(&src, text);
                }
                InventoryMode::Query => {
                    let src = self.inventory.query.hits(estate, &self.mask);
                    self.inventory.query.table.set_filter(&src, text);
                }
            },
            Pane::Commands | Pane::Automations | Pane::Audit | Pane::Activations => {
                self.history_set_filter(text)
            }
            Pane::Associations | Pane::Windows | Pane::Timeline => self.sm_set_filter(text),
            Pane::Parameters | Pane::Baselines | Pane::Documents | Pane::Packages => {
                self.catalog_set_filter(text)
            }
            Pane::Explorer | Pane::Scopes => {}
        }
    }

    /// Moves the selection of the pane shown.
    pub(super) fn pane_move(&mut self, delta: isize) {
        match self.pane {
            Pane::Nodes => self.nodes.move_by(&self.estate, delta),
            Pane::OpsCenter => self.ops.table.move_by(delta),
            Pane::Compliance => self.compliance.table.move_by(delta),
            Pane::Inventory => match self.inventory.mode {
                InventoryMode::Node => self.inventory.table.move_by(delta),
                InventoryMode::Query => self.inventory.query.table.move_by(delta),
            },
            Pane::Commands | Pane::Automations | Pane::Audit | Pane::Activations => {
                self.history_move(delta)
            }
            Pane::Associations | Pane::Windows | Pane::Timeline => self.sm_move(delta),
            Pane::Parameters | Pane::Baselines | Pane::Documents | Pane::Packages => {
                self.catalog_move(delta)
            }
            Pane::Scopes => {
                let n = self.mask.iter().filter(|m| **m).count();
                self.scopes_view.move_by(delta, n);
            }
            Pane::Explorer => self.scroll_explorer(delta),
        }
    }

    fn scroll_explorer(&mut self, delta: isize) {
        self.explorer_scroll = u16::try_from(
            (isize::from(self.explorer_scroll.min(i16::MAX as u16) as i16) + delta).max(0),
        )
        .unwrap_or(0);
    }

    /// Mouse wheel over the pane shown.
    pub(super) fn pane_scroll(&mut self, delta: isize) {
        match self.pane {
            Pane::Nodes => self.nodes.scroll_by(&self.estate, delta),
            Pane::OpsCenter => self.ops.table.scroll_by(delta),
            Pane::Compliance => self.compliance.table.scroll_by(delta),
            Pane::Inventory => match self.inventory.mode {
                InventoryMode::Node => self.inventory.table.scroll_by(delta),
                InventoryMode::Query => self.inventory.query.table.scroll_by(delta),
            },
            Pane::Commands | Pane::Automations | Pane::Audit | Pane::Activations => {
                self.history_scroll(delta)
            }
            Pane::Associations | Pane::Windows | Pane::Timeline => self.sm_scroll(delta),
            Pane::Parameters | Pane::Baselines | Pane::Documents | Pane::Packages => {
                self.catalog_scroll(delta)
            }
            Pane::Scopes => {
                let n = self.mask.iter().filter(|m| **m).count();
                self.scopes_view.scroll_by(delta, n);
            }
            Pane::Explorer => self.scroll_explorer(delta),
        }
    }

    /// A click on line `line` of the table body.
    pub(super) fn pane_click(&mut self, line: usize) -> bool {
        let (offset, len) = match self.pane {
            Pane::Nodes => (self.nodes.offset(), self.nodes.len()),
            Pane::OpsCenter => (self.ops.table.viewport().offset, self.ops.table.len()),
            Pane::Compliance => (
                self.compliance.table.viewport().offset,
                self.compliance.table.len(),
            ),
            Pane::Inventory => match self.inventory.mode {
                InventoryMode::Node => (
                    self.inventory.table.viewport().offset,
                    self.inventory.table.len(),
                ),
                InventoryMode::Query => (
                    self.inventory.query.table.viewport().offset,
                    self.inventory.query.table.len(),
                ),
            },
            Pane::Scopes => (
                self.scopes_view.offset,
                self.mask.iter().filter(|m| **m).count(),
            ),
            Pane::Explorer => return false,
            Pane::Commands | Pane::Automations | Pane::Audit | Pane::Activations => {
                return self.history_click(line);
            }
            Pane::Associations | Pane::Windows | Pane::Timeline => return self.sm_click(line),
            Pane::Parameters | Pane::Baselines | Pane::Documents | Pane::Packages => {
                return self.catalog_click(line);
            }
        };
        let row = offset + line;
        if row >= len {
            return false;
        }
        match self.pane {
            Pane::Nodes => self.nodes.select(&self.estate, row),
            Pane::OpsCenter => self.ops.table.select(row),
            Pane::Compliance => self.compliance.table.select(row),
            Pane::Inventory => match self.inventory.mode {
                InventoryMode::Node => self.inventory.table.select(row),
                InventoryMode::Query => self.inventory.query.table.select(row),
            },
            Pane::Scopes => self.scopes_view.select(row, len),
            Pane::Explorer => {}
            Pane::Commands | Pane::Automations | Pane::Audit | Pane::Activations => {}
            Pane::Associations | Pane::Windows | Pane::Timeline => {}
            Pane::Parameters | Pane::Baselines | Pane::Documents | Pane::Packages => {}
        }
        true
    }

    /// A click on the header of column position `i` of the pane's table.
    pub(super) fn sort_by_header(&mut self, i: usize) -> bool {
        let estate = &self.estate;
        match self.pane {
            Pane::Nodes => {
                let Some(col) = Column::ALL.get(i).copied() else {
                    return false;
                };
                let (cur, desc) = self.nodes.sort();
                self.nodes.set_sort(estate, col, cur == col && !desc);
                true
            }
            Pane::OpsCenter => {
                let src = OpsRows {
                    estate,
                    refs: &self.ops.refs,
                };
                click_sort(&mut self.ops.table, &src, OpsCol::ALL.get(i).copied())
            }
            Pane::Compliance => {
                let src = ResourceRows {
                    estate,
                    refs: &self.compliance.refs,
                };
                let col = ResCol::ALL.get(i).copied();
                click_sort(&mut self.compliance.table, &src, col)
            }
            Pane::Inventory => match self.inventory.mode {
                InventoryMode::Node => {
                    let cur = self.inventory.current(estate);
                    let src = EntryRows {
                        entries: cur.map_or(&[], |r| r.entries.as_slice()),
                        attrs: &self.inventory.attrs,
                    };
                    let col = self.inventory.table.columns().get(i).copied();
                    click_sort(&mut self.inventory.table, &src, col)
                }
                InventoryMode::Query => {
                    let src = self.inventory.query.hits(estate, &self.mask);
                    let col = AppCol::ALL.get(i).copied();
                    click_sort(&mut self.inventory.query.table, &src, col)
                }
            },
            Pane::Commands | Pane::Automations | Pane::Audit | Pane::Activations => {
                self.history_sort_by_header(i)
            }
            Pane::Associations | Pane::Windows | Pane::Timeline => self.sm_sort_by_header(i),
            Pane::Parameters | Pane::Baselines | Pane::Documents | Pane::Packages => {
                self.catalog_sort_by_header(i)
            }
            Pane::Explorer | Pane::Scopes => false,
        }
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
                    self.inventory.mode = InventoryMode::Node;
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

    /// Keys of the panes other than nodes.
    pub(super) fn pane_key(&mut self, key: KeyEvent) -> bool {
        let action = self.keys.action(&key);
        if self.sm_detail_open() {
            return self.sm_key(key, action);
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
        let details = action == Some(Action::Details);
        let estate = &self.estate;
        match self.pane {
            Pane::Nodes => false,
            Pane::Explorer => match action {
                Some(Action::Down) => {
                    self.scroll_explorer(1);
                    true
                }
                Some(Action::Up) => {
                    self.scroll_explorer(-1);
                    true
                }
                Some(Action::PageDown) => {
                    self.scroll_explorer(10);
                    true
                }
                Some(Action::PageUp) => {
                    self.scroll_explorer(-10);
                    true
                }
                Some(Action::Top) => {
                    self.explorer_scroll = 0;
                    true
                }
                _ => false,
            },
            Pane::OpsCenter => {
                let src = OpsRows {
                    estate,
                    refs: &self.ops.refs,
                };
                if table_nav(&mut self.ops.table, &src, action) {
                    return true;
                }
                match key.code {
                    _ if details => self.open_ops_item(),
                    KeyCode::Char('n') => {
                        let target = self.ops.selected(&self.estate).and_then(|i| {
                            Some((i.scope, node_ids(&i.resources).into_iter().next()?))
                        });
                        match target {
                            Some((s, id)) => self.jump_to_node(Some(s), &id),
                            None => {
                                self.note("this OpsItem names no managed node", true);
                                true
                            }
                        }
                    }
                    _ => false,
                }
            }
            Pane::Compliance => {
                let src = ResourceRows {
                    estate,
                    refs: &self.compliance.refs,
                };
                if table_nav(&mut self.compliance.table, &src, action) {
                    return true;
                }
                let sel = self
                    .compliance
                    .selected(&self.estate)
                    .map(|r| (r.scope, r.resource_id.clone(), r.compliance_type.clone()));
                match (key.code, sel) {
                    (_, Some((scope, resource_id, compliance_type))) if details => {
                        self.request(DetailRequest::ComplianceItems {
                            scope,
                            resource_id: resource_id.clone(),
                        });
                        self.overlay = Overlay::ComplianceItems {
                            scope,
                            resource_id,
                            compliance_type,
                            view: Viewport::default(),
                        };
                        true
                    }
                    (KeyCode::Char('n'), Some((scope, resource_id, _))) => {
                        self.jump_to_node(Some(scope), &resource_id)
                    }
                    _ => false,
                }
            }
            Pane::Inventory => self.inventory_key(key, action),
            Pane::Commands | Pane::Automations | Pane::Audit | Pane::Activations => {
                self.history_key(key, action)
            }
            Pane::Associations | Pane::Windows | Pane::Timeline => self.sm_key(key, action),
            Pane::Parameters | Pane::Baselines | Pane::Documents | Pane::Packages => {
                self.catalog_key(key, action)
            }
            Pane::Scopes => {
                let n = self.mask.iter().filter(|m| **m).count();
                if viewport_nav(&mut self.scopes_view, n, action) {
                    return true;
                }
                if details {
                    let shown: Vec<usize> =
                        (0..self.mask.len()).filter(|i| self.mask[*i]).collect();
                    let Some(s) = shown
                        .get(self.scopes_view.selected)
                        .and_then(|i| self.estate.scope(*i as ScopeId))
                    else {
                        return false;
                    };
                    let f = ScopeFilter {
                        accounts: vec![s.scope.account.id.clone()],
                        regions: vec![s.scope.region.to_lowercase()],
                    };
                    self.set_scope_filter(f);
                    self.note(
                        format!(
                            "scopes: {} (:* shows every scope)",
                            self.scope_filter.label()
                        ),
                        false,
                    );
                    return true;
                }
                false
            }
        }
    }

    fn inventory_key(&mut self, key: KeyEvent, action: Option<Action>) -> bool {
        let details = action == Some(Action::Details);
        let estate = &self.estate;
        match self.inventory.mode {
            InventoryMode::Node => {
                let cur = self.inventory.current(estate);
                let src = EntryRows {
                    entries: cur.map_or(&[], |r| r.entries.as_slice()),
                    attrs: &self.inventory.attrs,
                };
                if table_nav(&mut self.inventory.table, &src, action) {
                    return true;
                }
                match key.code {
                    KeyCode::Right | KeyCode::Char('l' | ']') => {
                        self.inventory.cycle_type(&self.estate, 1);
                        true
                    }
                    KeyCode::Left | KeyCode::Char('h' | '[') => {
                        self.inventory.cycle_type(&self.estate, -1);
                        true
                    }
                    KeyCode::Char('a') => {
                        self.command = Some(CommandLine {
                            text: "app ".into(),
                        });
                        true
                    }
                    KeyCode::Char('r') => {
                        if let Some((s, id)) = self.inventory.node.clone() {
                            self.open_inventory_of(s, &id);
                        }
                        true
                    }
                    KeyCode::Char('m') if !self.inventory.query.name.is_empty() => {
                        self.inventory.mode = InventoryMode::Query;
                        true
                    }
                    _ => false,
                }
            }
            InventoryMode::Query => {
                let src = self.inventory.query.hits(estate, &self.mask);
                if table_nav(&mut self.inventory.query.table, &src, action) {
                    return true;
                }
                let sel = self
                    .inventory
                    .query
                    .table
                    .selected_row()
                    .and_then(|r| src.hits.get(r))
                    .map(|h| (h.scope, h.instance_id.clone()));
                match (key.code, sel) {
                    (code, Some((s, id))) if details || code == KeyCode::Char('n') => {
                        self.jump_to_node(Some(s), &id)
                    }
                    (KeyCode::Char('i'), Some((s, id))) => {
                        self.open_inventory_of(s, &id);
                        true
                    }
                    (KeyCode::Char('a'), _) => {
                        self.command = Some(CommandLine {
                            text: "app ".into(),
                        });
                        true
                    }
                    (KeyCode::Char('m') | KeyCode::Esc, _) => {
                        self.inventory.mode = InventoryMode::Node;
                        true
                    }
                    _ => false,
                }
            }
        }
    }

    /// Opens the selected OpsItem in full and asks for its detail.
    fn open_ops_item(&mut self) -> bool {
        let Some(item) = self.ops.selected(&self.estate) else {
            return false;
        };
        let (scope, id) = (item.scope, item.id.clone());
        let runbook = item.runbooks.first().cloned();
        self.request(DetailRequest::OpsItem {
            scope,
            id: id.clone(),
        });
        // The suggested runbook's parameters, so `x` knows whether the item fills them.
        if let Some(runbook) = runbook.filter(|_| !self.options.read_only) {
            let name = super::documents::document_ref(&self.estate, scope, &runbook);
            self.request(DetailRequest::Document {
                scope,
                name,
                version: None,
            });
        }
        self.overlay = Overlay::OpsItem {
            scope,
            id,
            scroll: 0,
            cursor: 0,
        };
        true
    }

    /// The managed nodes an open OpsItem names (its resources and related items).
    pub fn ops_item_nodes(&self, scope: ScopeId, id: &str) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(d) = self.estate.ops_item_detail(scope, id) {
            out.extend(node_ids(&d.item.resources));
            out.extend(d.related.iter().filter_map(|r| node_id(&r.resource_uri)));
        } else if let Some(i) = self
            .estate
            .scope_ops_items(scope)
            .iter()
            .find(|i| i.id == id)
        {
            out.extend(node_ids(&i.resources));
        }
        let mut seen = std::collections::HashSet::new();
        out.retain(|n| seen.insert(n.clone()));
        out
    }

    /// Keys of the OpsItem detail.
    pub(super) fn ops_item_key(&mut self, key: KeyEvent) -> bool {
        let Overlay::OpsItem {
            scope, id, cursor, ..
        } = &self.overlay
        else {
            return false;
        };
        let (scope, id, cur) = (*scope, id.clone(), *cursor);
        let nodes = self.ops_item_nodes(scope, &id);
        let Overlay::OpsItem { scroll, cursor, .. } = &mut self.overlay else {
            return false;
        };
        if scroll_key(key.code, scroll) {
            return true;
        }
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') => self.overlay = Overlay::None,
            KeyCode::Tab | KeyCode::Char('n') if !nodes.is_empty() => {
                *cursor = (cur + 1) % nodes.len();
            }
            KeyCode::BackTab | KeyCode::Char('p') if !nodes.is_empty() => {
                *cursor = (cur + nodes.len() - 1) % nodes.len();
            }
            KeyCode::Enter => match nodes.get(cur.min(nodes.len().saturating_sub(1))) {
                Some(node) => return self.jump_to_node(Some(scope), &node.clone()),
                None => self.note("this OpsItem names no managed node", true),
            },
            KeyCode::Char('r') => self.request(DetailRequest::OpsItem { scope, id }),
            KeyCode::Char('?') => self.overlay = Overlay::Help,
            _ => return false,
        }
        true
    }

    /// Keys of a resource's compliance items.
    pub(super) fn compliance_items_key(&mut self, key: KeyEvent) -> bool {
        let action = self.keys.action(&key);
        let Overlay::ComplianceItems {
            scope,
            resource_id,
            view,
            ..
        } = &mut self.overlay
        else {
            return false;
        };
        let len = self
            .estate
            .compliance_items(*scope, resource_id)
            .map_or(0, <[_]>::len);
        if viewport_nav(view, len, action) {
            return true;
        }
        let (scope, resource_id) = (*scope, resource_id.clone());
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') => self.overlay = Overlay::None,
            KeyCode::Char('n') | KeyCode::Enter => {
                return self.jump_to_node(Some(scope), &resource_id);
            }
            KeyCode::Char('r') => {
                self.request(DetailRequest::ComplianceItems { scope, resource_id })
            }
            KeyCode::Char('?') => self.overlay = Overlay::Help,
            _ => return false,
        }
        true
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
