//! App state and update (The Elm Architecture): messages in, state changes, a redraw flag out.

/// The [`Cx`] of `$app` at `$now`: the shared state a pane reads, borrowed field by
/// field so that a pane of `$app.panes` can be borrowed mutably beside it.
macro_rules! cx {
    ($app:ident, $now:expr) => {
        $crate::app::Cx {
            estate: &$app.estate,
            mask: &$app.mask,
            keys: &$app.keys,
            read_only: $app.options.read_only,
            now: $now,
        }
    };
}

mod actions;
mod actions_docs;
mod actions_quit;
mod cache;
mod columns;
mod command;
mod documents;
mod effect;
mod filter;
mod fresh;
mod hints;
mod history;
mod keymap;
mod keys;
mod navigate;
mod overlay;
mod panes;
mod scope_filter;
mod scroll;
mod sessions;
mod table;
pub mod term_keys;
mod wallboard;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyEvent, MouseButton, MouseEvent, MouseEventKind};

pub use actions::{
    ACTION_KEY_HELP, ActionDialog, ActionForm, ActionsView, CommandView, ConfirmDialog, FieldKey,
    FormField, FormKind, FullOutput, OUTPUT_TRUNCATED, QuitDialog, RefusedDialog, RunPhase,
    RunView,
};
pub use actions_docs::aws_reserved_name;
pub use actions_quit::QuitBlockers;
pub use columns::Column;
pub use command::{COMMAND_HELP, Command, parse_command};
pub use documents::{document_ref, owner_kind, package_platforms, readable_content};
pub use effect::Effect;
pub use filter::{Filter, FilterColumn, FilterError, Matcher, Term};
pub use hints::{KeyHint, footer_entries, help_lines};
pub use keymap::{Action, KeyMap, KeySpec, KeysConfig, PaneAction};
pub use keys::{DETAIL_KEY_HELP, FILTER_HELP, KEY_HELP, SESSION_HELP, SESSION_KEY_HELP};
pub use navigate::{Back, Request};
pub use overlay::{CatalogDetail, CatalogItem, ForwardPrompt, Overlay, Record};
pub use panes::activations::{ActCol, ActivationRows, ActivationsView};
pub use panes::associations::{
    AssocCol, AssociationOpen, AssociationRows, AssociationsView, failing_nodes, status_rank,
};
pub use panes::audit::{
    AuditCall, AuditCol, AuditRows, AuditView, NO_RESULT, audit_time, short_caller,
};
pub use panes::automations::{AutoCol, AutomationRows, AutomationsView};
pub use panes::baselines::{BaseCol, BaselineRows, BaselinesView};
pub use panes::catalog::CatalogList;
pub use panes::commands::{CmdCol, CommandRows, CommandsView, command_progress};
pub use panes::compliance::{ComplianceView, ResCol, ResourceRows, SummaryRow, compliance_summary};
pub use panes::documents::{DocCol, DocumentRows, DocumentsView};
pub use panes::inventory::{
    AppCol, AppQueryView, EntryRows as InventoryEntries, InvCol, InventoryMode, InventoryView,
    VersionCount, node_types as inventory_types, version_below,
};
pub use panes::nodes::{NodesView, RowRef};
pub use panes::ops::{OpsCol, OpsRows, OpsView, node_id as node_id_of, severity_label};
pub use panes::packages::PackagesView;
pub use panes::parameters::{ParamCol, ParameterRows, ParametersView};
pub use panes::runs::{PatchOperation, baseline_nodes};
pub use panes::timeline::{
    Closure, TIMELINE_DAYS, TimelineGroup, TimelineRow, TimelineView, WindowSpan, closures,
    shows_calendar, timeline_rows,
};
pub use panes::windows::{WinCol, WindowOpen, WindowRows, WindowsView};
pub use panes::{Cmd, Component, Cx, PANE_ALIASES, Pane, PaneKind, Panes};
pub use scope_filter::ScopeFilter;
pub use sessions::{Focus, LEADER_LABEL, SCROLLBACK_LINES, SessionTab, parse_forward};
pub use table::{TableColumn, TableSource, TableView, Viewport};
pub use wallboard::{StaleFeed, WallboardOptions, wallboard_clock};

use crate::config::Theme;
use crate::model::{Estate, FeedEvent, FeedSet, ManagedNode, ScopeId};

use crate::session::{SessionEvent, SessionId};

/// Everything the app reacts to. Each message is moved once, so a large feed event
/// costs nothing worth boxing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// The slow clock: ages and the header clock move.
    Tick,
    Feed(FeedEvent),
    /// What the last frame learned while drawn (see [`Drawn`]).
    Drawn(Drawn),
    /// An event of a running session.
    Session(SessionId, SessionEvent),
    /// Text pasted into the cockpit's terminal (bracketed paste).
    Paste(String),
    /// Progress of a change (see `crate::actions`).
    Action(crate::actions::ActionEvent),
}

/// How the app was started.
#[derive(Debug, Clone, Default)]
pub struct AppOptions {
    /// Shown in the header, e.g. "profile prod · 3 regions".
    pub context: String,
    pub read_only: bool,
    pub theme: Theme,
    pub demo: bool,
    /// Set when the demo's nodes run commands on this machine, unsandboxed: why.
    pub demo_unsandboxed: Option<String>,
}

/// The `:` command line while it is edited.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandLine {
    pub text: String,
}

/// A one-line message in the status bar (a command's error, a jump that failed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub error: bool,
}

/// Clickable spans of one screen line, recorded while drawing: (x, width, index).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HitSpans {
    pub y: u16,
    pub spans: Vec<(u16, u16, usize)>,
}

impl HitSpans {
    /// The index of the span under (`column`, `row`).
    fn at(&self, column: u16, row: u16) -> Option<usize> {
        if row != self.y {
            return None;
        }
        self.spans
            .iter()
            .find(|(x, w, _)| column >= *x && column < x.saturating_add(*w))
            .map(|(_, _, i)| *i)
    }
}

/// Where the table body was last drawn, for mouse clicks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TableArea {
    pub x: u16,
    pub y: u16,
    pub width: u16,
    pub height: u16,
}

/// What a frame learned while it was drawn: where the table rows and the clickable
/// spans are. `ui::render` returns it and [`App::update`] applies it (`Msg::Drawn`), so
/// drawing never changes the app.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Drawn {
    /// The body of the table of the pane shown (its rows), for clicks and page sizes.
    pub table: Option<TableArea>,
    /// The header columns of that table: (x, width, column position).
    pub header: Option<HitSpans>,
    /// The pane bar labels: (x, width, index into `Pane::ALL`).
    pub pane_bar: HitSpans,
    /// Where a session tab's screen goes (recorded even while a pane shows).
    pub session_pane: Option<TableArea>,
}

impl Drawn {
    /// Records the body of the table drawn (its header spans are recorded after it).
    pub fn set_table(&mut self, area: TableArea) {
        self.table = Some(area);
        self.header = None;
    }

    /// Records the header columns of the table drawn.
    pub fn set_header(&mut self, hits: HitSpans) {
        self.header = Some(hits);
    }
}

pub struct App {
    pub estate: Estate,
    /// Every pane's component; `pane` is the one shown.
    pub panes: Panes,
    pub options: AppOptions,
    overlay: Overlay,
    /// First line of the help overlay shown (it scrolls when the terminal is short).
    help_scroll: u16,
    /// The filter bar has the keyboard.
    filter_editing: bool,
    /// Cursor in the filter text, a byte offset on a char boundary.
    filter_cursor: usize,
    quit: bool,
    fixed_now: Option<DateTime<Utc>>,
    table_area: TableArea,
    /// The pane whose table `table_area` is.
    table_pane: Option<Pane>,
    /// What the last frame learned while drawn, and the pane it showed.
    drawn: Option<(Pane, Drawn)>,
    /// The rebindable keys (`[keys]`).
    keys: KeyMap,
    /// Pane bar labels; the index is into `Pane::ALL`.
    pane_bar_hits: HitSpans,
    /// Header columns of the table of a pane; the index is the pane's column position.
    header_hits: Option<(Pane, HitSpans)>,
    sessions: sessions::Sessions,
    pane: Pane,
    /// Where Esc goes back to after a jump.
    back: Vec<Back>,
    command: Option<CommandLine>,
    notice: Option<Notice>,
    scope_filter: ScopeFilter,
    /// Per scope: shown under `scope_filter`.
    mask: Vec<bool>,
    /// The action flows: forms, confirmation, refusals, live views of runs.
    pub actions: ActionsView,
    /// The feeds last asked for.
    wanted: FeedSet,
    /// Wallboard mode (see [`App::set_wallboard`]).
    wallboard: Option<wallboard::Wallboard>,
    /// Work queued for the event loop (see [`App::take_effects`]).
    effects: Vec<Effect>,
    /// The poll cadence of every feed (see [`App::set_cadences`]).
    cadences: crate::model::Cadences,
    /// The first message seen: feeds that never answered are waited for since then.
    started: Option<DateTime<Utc>>,
    /// The disk cache written from the estate (see [`App::set_disk_cache`]).
    disk_cache: Option<cache::DiskCache>,
}

/// The poll options' cadences, until [`App::set_cadences`] says otherwise.
fn default_cadences() -> crate::model::Cadences {
    let poll = crate::poll::PollOptions::default();
    crate::model::Cadences::new(|feed| poll.interval(feed))
}

impl App {
    pub fn new(opts: AppOptions) -> App {
        App {
            estate: Estate::new(),
            panes: Panes::default(),
            options: opts,
            overlay: Overlay::None,
            help_scroll: 0,
            filter_editing: false,
            filter_cursor: 0,
            quit: false,
            fixed_now: None,
            table_area: TableArea::default(),
            table_pane: None,
            drawn: None,
            keys: KeyMap::default(),
            pane_bar_hits: HitSpans::default(),
            header_hits: None,
            sessions: sessions::Sessions::default(),
            pane: Pane::Nodes,
            back: Vec::new(),
            command: None,
            notice: None,
            scope_filter: ScopeFilter::default(),
            mask: Vec::new(),
            actions: ActionsView::default(),
            wanted: Pane::Nodes.feeds(),
            wallboard: None,
            effects: Vec::new(),
            cadences: default_cadences(),
            started: None,
            disk_cache: None,
        }
    }

    /// Applies a message; true when the screen needs a redraw. The indexes and the
    /// selection are brought up to date here, never while drawing.
    pub fn update(&mut self, msg: Msg) -> bool {
        if self.started.is_none() {
            self.started = Some(self.now());
        }
        if let Msg::Tick = msg {
            self.cache_tick();
        }
        let redraw = if let Msg::Drawn(d) = msg {
            self.on_drawn(d)
        } else if self.wallboard.is_some() {
            self.wallboard_update(msg)
        } else {
            self.apply(msg)
        };
        self.sync();
        self.apply_page();
        redraw
    }

    fn apply(&mut self, msg: Msg) -> bool {
        match msg {
            Msg::Key(key) => {
                self.panes.nodes.sync(&self.estate);
                self.on_key(key)
            }
            // The action dialogs and live view take the keyboard only.
            Msg::Mouse(_) if self.actions.captures_keys() => false,
            Msg::Mouse(mouse) => {
                self.panes.nodes.sync(&self.estate);
                self.on_mouse(mouse)
            }
            Msg::Resize(..) => true,
            Msg::Tick => {
                // The audit pane follows what is appended to the log while it shows.
                if self.pane == Pane::Audit {
                    self.panes.audit.refresh();
                }
                true
            }
            Msg::Feed(event) => {
                let changed = self.on_feed(event);
                self.refresh_action_form() || changed
            }
            Msg::Session(id, event) => self.on_session(id, event),
            Msg::Paste(text) if self.actions.captures_keys() => self.action_paste(&text),
            Msg::Paste(text) => self.on_paste(text),
            Msg::Action(event) => {
                let put = self.parameter_put_result(&event);
                self.on_action_event(event) || put
            }
            Msg::Drawn(d) => self.on_drawn(d),
        }
    }

    /// Applies what the last frame learned; true when it differs from the frame before,
    /// so that the frame is drawn again with the new page sizes.
    fn on_drawn(&mut self, d: Drawn) -> bool {
        if self.drawn.as_ref() == Some(&(self.pane, d.clone())) {
            return false;
        }
        if let Some(area) = d.session_pane {
            self.set_session_pane(area);
        }
        self.pane_bar_hits = d.pane_bar.clone();
        if let Some(area) = d.table {
            self.table_area = area;
            self.table_pane = Some(self.pane);
            self.header_hits = None;
        }
        if let Some(hits) = d.header.clone() {
            self.header_hits = Some((self.pane, hits));
        }
        self.drawn = Some((self.pane, d));
        true
    }

    pub fn should_quit(&self) -> bool {
        self.quit
    }

    /// Same as typing `text` in the filter bar.
    pub fn set_filter(&mut self, text: &str) {
        self.panes.nodes.sync(&self.estate);
        self.panes.nodes.set_filter(&self.estate, text);
        self.filter_cursor = text.len();
    }

    /// Rows after the filter, in the nodes pane.
    pub fn visible_row_count(&self) -> usize {
        self.panes.nodes.len()
    }

    /// Freezes the clock (ages, header) at `now`; `None` follows the wall clock.
    pub fn set_now(&mut self, now: Option<DateTime<Utc>>) {
        self.fixed_now = now;
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.fixed_now.unwrap_or_else(Utc::now)
    }

    pub fn theme(&self) -> &Theme {
        &self.options.theme
    }

    pub fn overlay(&self) -> &Overlay {
        &self.overlay
    }

    pub fn filter_editing(&self) -> bool {
        self.filter_editing
    }

    pub fn filter_cursor(&self) -> usize {
        self.filter_cursor
    }

    /// The node the detail view shows, if it is open and the node still reported.
    pub fn detail_node(&self) -> Option<&ManagedNode> {
        let Overlay::Detail {
            scope, instance_id, ..
        } = &self.overlay
        else {
            return None;
        };
        self.estate
            .scope_nodes(*scope)
            .iter()
            .find(|n| n.instance_id == *instance_id)
    }

    /// Brings the table indexes up to date.
    fn sync(&mut self) {
        self.panes.nodes.sync(&self.estate);
        self.sync_panes();
    }

    /// Sizes the page of the pane shown to the table rows last drawn, and keeps its
    /// selection in view.
    fn apply_page(&mut self) {
        if self.table_pane != Some(self.pane) {
            return;
        }
        self.pane_set_page(usize::from(self.table_area.height));
    }

    /// Rebinds the keys of `[keys]`.
    pub fn set_keys(&mut self, keys: KeyMap) {
        self.keys = keys;
    }

    pub fn keys(&self) -> &KeyMap {
        &self.keys
    }

    fn on_feed(&mut self, event: FeedEvent) -> bool {
        let stale = self.nodes_stale();
        let changed_scope = match &event {
            FeedEvent::NodesLoaded { scope, .. } | FeedEvent::TagsLoaded { scope, .. } => {
                Some(*scope)
            }
            _ => None,
        };
        let discovered = matches!(
            event,
            FeedEvent::ScopesDiscovered { .. } | FeedEvent::CacheLoaded { .. }
        );
        self.on_detail(&event);
        self.cache_note(&event);
        let secret = matches!(
            &event,
            FeedEvent::ParameterValueLoaded { value, .. } if value.secret.is_some()
        );
        let changed = self.estate.apply(event);
        // A decrypted value that arrived after its detail view closed or hid it.
        if secret && !matches!(&self.overlay, Overlay::Catalog(d) if d.reveal) {
            self.estate.forget_secrets();
        }
        if discovered {
            self.apply_scope_filter();
        }
        if stale || discovered {
            self.panes.nodes.rebuild_all(&self.estate);
        } else if let (true, Some(scope)) = (changed, changed_scope) {
            self.panes.nodes.rebuild_scope(&self.estate, scope);
        }
        changed
    }

    /// Shows the version a PutParameter of this cockpit just wrote, until the next poll
    /// of the parameters feed confirms it.
    fn parameter_put_result(&mut self, event: &crate::actions::ActionEvent) -> bool {
        let crate::actions::ActionEvent::Sent {
            scope, action, id, ..
        } = event
        else {
            return false;
        };
        if *action != "PutParameter" {
            return false;
        }
        let Some((name, version)) = id.rsplit_once(':') else {
            return false;
        };
        let Ok(version) = version.parse::<i64>() else {
            return false;
        };
        let Some(s) = self.estate.scopes().iter().position(|s| s.scope == *scope) else {
            return false;
        };
        let now = self.now();
        self.estate.parameter_put(s as ScopeId, name, version, now)
    }

    fn nodes_stale(&self) -> bool {
        self.panes.nodes.indexed_generation() != Some(self.estate.generation())
    }

    fn on_mouse(&mut self, mouse: MouseEvent) -> bool {
        if let (Focus::Session(id), Overlay::None) = (self.sessions.focus, &self.overlay) {
            return self.session_mouse(id, mouse);
        }
        let detail = matches!(
            self.overlay,
            Overlay::Detail { .. } | Overlay::OpsItem { .. }
        );
        if let Overlay::Catalog(d) = &mut self.overlay {
            match mouse.kind {
                MouseEventKind::ScrollDown => d.scroll = d.scroll.saturating_add(3),
                MouseEventKind::ScrollUp => d.scroll = d.scroll.saturating_sub(3),
                _ => return false,
            }
            return true;
        }
        match mouse.kind {
            MouseEventKind::ScrollDown if detail => self.scroll_detail(3),
            MouseEventKind::ScrollUp if detail => self.scroll_detail(-3),
            MouseEventKind::ScrollDown if self.overlay == Overlay::None => self.pane_scroll(3),
            MouseEventKind::ScrollUp if self.overlay == Overlay::None => self.pane_scroll(-3),
            MouseEventKind::Down(MouseButton::Left) if self.overlay == Overlay::None => {
                if let Some(p) = self
                    .pane_bar_hits
                    .at(mouse.column, mouse.row)
                    .and_then(|i| Pane::ALL.get(i))
                {
                    return self.show_pane(*p);
                }
                if let Some((pane, hits)) = &self.header_hits
                    && *pane == self.pane
                    && let Some(i) = hits.at(mouse.column, mouse.row)
                {
                    return self.sort_by_header(i);
                }
                let a = self.table_area;
                let inside = mouse.column >= a.x
                    && mouse.column < a.x.saturating_add(a.width)
                    && mouse.row >= a.y
                    && mouse.row < a.y.saturating_add(a.height);
                if !inside {
                    return false;
                }
                return self.pane_click(usize::from(mouse.row - a.y));
            }
            _ => return false,
        }
        true
    }

    /// First line of the help overlay to show.
    pub fn help_scroll(&self) -> u16 {
        self.help_scroll
    }

    fn scroll_detail(&mut self, delta: i32) {
        if let Overlay::Detail { scroll, .. } | Overlay::OpsItem { scroll, .. } = &mut self.overlay
        {
            *scroll = u16::try_from((i32::from(*scroll) + delta).max(0)).unwrap_or(u16::MAX);
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
