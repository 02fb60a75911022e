//! The panes as components. Each pane is one type in a file of this folder: it owns its
//! state, takes its keys, declares the hints the help overlay and the status bar print,
//! and names the feeds it shows (see docs/architecture.md). [`App`](super::App) routes
//! to the pane shown through [`Panes::get`] and [`Panes::get_mut`]; what a pane wants
//! of the rest of the app (a jump, a popup, an on-demand request) it returns as [`Cmd`]s.
//!
//! Adding a pane: a file here with a type that implements [`PaneKind`] and
//! [`Component`], one line in the `panes!` list below, and its draw function in
//! `ui::draw_pane`.

/// `Component::list` and `list_mut` of a pane whose rows are the table `$table` over
/// `$rows`, a rows type of the estate and the refs `$refs` (and the fields given);
/// `$table` and `$refs` are fields of the pane, or fields of one of its fields.
macro_rules! table_rows {
    ($($table:ident).+, $($refs:ident).+, $cx:ident => $rows:ident { $($field:ident: $value:expr),* $(,)? }) => {
        fn list(&self, _cx: &$crate::app::panes::Cx) -> Option<&dyn $crate::app::panes::List> {
            Some(&self.$($table).+)
        }
        fn list_mut<'a>(
            &'a mut self,
            $cx: &$crate::app::panes::Cx<'a>,
        ) -> Option<Box<dyn $crate::app::panes::ListMut + 'a>> {
            Some(Box::new($crate::app::panes::Bound {
                table: &mut self.$($table).+,
                src: $rows {
                    estate: $cx.estate,
                    refs: &self.$($refs).+,
                    $($field: $value),*
                },
            }))
        }
    };
}

/// `Component` items of a page whose lines are its own list (no table, no filter): the
/// view's hints, no `/`, and the page itself as the list read.
macro_rules! page_list {
    () => {
        fn footer(&self) -> &'static [$crate::app::hints::KeyHint] {
            $crate::app::panes::hints::VIEW
        }
        fn has_filter(&self) -> bool {
            false
        }
        fn list(&self, _cx: &$crate::app::panes::Cx) -> Option<&dyn $crate::app::panes::List> {
            Some(self)
        }
    };
}

/// The status bar's hints of a table: help, panes, command, filter, the hints given, quit.
macro_rules! table_hints {
    ($($hint:expr),* $(,)?) => {
        &[
            $crate::app::hints::KeyHint::table("?", &[$crate::app::keymap::Action::Help], "help"),
            $crate::app::hints::KeyHint::fixed("1-9", "panes"),
            $crate::app::hints::KeyHint::table(
                ":",
                &[$crate::app::keymap::Action::Command],
                "command",
            ),
            $crate::app::hints::KeyHint::table(
                "/",
                &[$crate::app::keymap::Action::Filter],
                "filter",
            ),
            $($hint,)*
            $crate::app::hints::KeyHint::table("q", &[$crate::app::keymap::Action::Quit], "quit"),
        ]
    };
}

pub mod activations;
pub mod associations;
pub mod audit;
pub mod automations;
pub mod baselines;
pub mod catalog;
pub mod commands;
pub mod compliance;
pub mod documents;
mod explorer;
pub mod feed_table;
pub mod inventory;
pub mod nodes;
pub mod ops;
pub mod packages;
pub mod parameters;
pub mod record;
pub mod runs;
mod scopes;
pub mod timeline;
pub mod windows;

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;

pub use explorer::ExplorerView;
pub use scopes::ScopesView;

use super::filter::FilterError;
use super::keymap::{Action, KeyMap, PaneAction};
use super::overlay::{Overlay, Record};
use super::scope_filter::ScopeFilter;
use super::table::{TableSource, TableView};
use crate::actions::{ActionRequest, RunCommandSpec};
use crate::model::{DetailRequest, Estate, Feed, FeedEvent, FeedSet, ScopeId};
use activations::ActivationsView;
use associations::AssociationsView;
use audit::AuditView;
use automations::AutomationsView;
use baselines::BaselinesView;
use commands::CommandsView;
use compliance::ComplianceView;
use documents::DocumentsView;
use inventory::InventoryView;
use nodes::NodesView;
use ops::OpsView;
use packages::PackagesView;
use parameters::ParametersView;
use timeline::TimelineView;
use windows::WindowsView;

/// The status bar's key hint sets that several panes share.
pub mod hints {
    use super::KeyHint;
    use crate::app::keymap::{Action, PaneAction};

    const SORT: KeyHint = KeyHint::table("s", &[Action::SortNext], "sort");
    const DETAILS: KeyHint = KeyHint::table("⏎", &[Action::Details], "details");

    pub const TABLE: &[KeyHint] = table_hints![SORT, DETAILS];

    /// A table whose rows name a node.
    pub const OPS: &[KeyHint] = table_hints![
        SORT,
        DETAILS,
        KeyHint::pane("n", &[PaneAction::GoToNode], "node"),
    ];

    pub const PARAMETERS: &[KeyHint] = table_hints![
        KeyHint::pane("←→", &[PaneAction::PathUp, PaneAction::PathDown], "path"),
        DETAILS,
    ];

    /// A page without rows.
    pub const VIEW: &[KeyHint] = &[
        KeyHint::table("?", &[Action::Help], "help"),
        KeyHint::fixed("1-9", "panes"),
        KeyHint::table(":", &[Action::Command], "command"),
        KeyHint::table("j/k", &[Action::Down, Action::Up], "scroll"),
        KeyHint::table("q", &[Action::Quit], "quit"),
    ];
}

/// What every pane knows of itself without an instance: its title, its `:` names and
/// the feeds it shows (nodes are always polled).
pub trait PaneKind {
    const TITLE: &'static str;
    /// Four letters or fewer for the pane bar when full titles do not fit.
    const SHORT: &'static str = Self::TITLE;
    /// The `:` command names; the first is the one the pane bar and completion use.
    const ALIASES: &'static [&'static str];
    const FEEDS: &'static [Feed];
}

pub use super::hints::KeyHint;

/// What a pane reads of the shared state while it takes a key or syncs.
pub struct Cx<'a> {
    pub estate: &'a Estate,
    /// Per scope: shown under the scope filter.
    pub mask: &'a [bool],
    pub keys: &'a KeyMap,
    pub read_only: bool,
    pub now: DateTime<Utc>,
}

impl Cx<'_> {
    /// The pane action of `key` among a pane's `candidates` (its set in
    /// [`pane_keys`](crate::app::keymap::pane_keys)), through the key map (never a
    /// mutating one in read-only mode).
    pub fn pane_action(&self, key: &KeyEvent, candidates: &[PaneAction]) -> Option<PaneAction> {
        self.keys.pane_action(key, self.read_only, candidates)
    }

    /// How many scopes the scope filter shows.
    pub fn shown_scopes(&self) -> usize {
        self.mask.iter().filter(|m| **m).count()
    }
}

/// What a pane asks of the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cmd {
    /// Ask the pollers for a detail.
    Request(DetailRequest),
    /// Show a node in the nodes pane; Esc comes back.
    JumpToNode {
        scope: Option<ScopeId>,
        instance_id: String,
    },
    /// Open a popup over the pane (`Overlay::None` closes the one shown).
    Open(Overlay),
    /// A one-line message in the status bar.
    Note { text: String, error: bool },
    /// Open the `:` line with this text typed.
    CommandLine(String),
    /// Set the scope filter of every pane, and say so.
    ScopeFilter(ScopeFilter),
    /// Show the inventory of a node in the inventory pane.
    ShowInventory { scope: ScopeId, instance_id: String },
    /// Open a shell on the node selected in the nodes pane.
    OpenShell,
    /// Open the port-forward prompt for the node selected in the nodes pane.
    OpenForward,
    /// Show a pane, and set its filter to this text.
    ShowPane { pane: Pane, filter: Option<String> },
    /// Ask to confirm a change (the actions' confirmation dialog).
    Confirm(Box<ActionRequest>),

    // The history panes.
    /// Show a record in full, or the live view of the run that sent it when this
    /// session started it.
    OpenRecord(Record),

    // The catalog panes (parameters, baselines, documents, packages):
    /// Forget every decrypted SecureString value (the one shown is hidden or closed).
    ForgetSecrets,
    /// Open the Run Command form filled in with this spec.
    RunCommand(Box<RunCommandSpec>),
}

/// The rows of a pane as the app's shared keys see them: filter, movement, clicks.
pub trait List {
    fn filter_text(&self) -> &str {
        ""
    }
    fn filter_error(&self) -> Option<&FilterError> {
        None
    }
    /// Rows shown (after the filter).
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The first row in view.
    fn offset(&self) -> usize;
}

/// A pane's rows bound to their source, so that filtering and sorting can read them.
pub trait ListMut: List {
    fn set_filter(&mut self, _text: &str) {}
    fn move_by(&mut self, delta: isize);
    /// The mouse wheel: moves the view, not only the selection.
    fn scroll_by(&mut self, delta: isize);
    fn select(&mut self, row: usize);
    fn set_page(&mut self, rows: usize);
    /// Sorts by the column at header position `i`, or reverses when it is the sort
    /// column already; false when there is no such column.
    fn sort_by_header(&mut self, _i: usize) -> bool {
        false
    }
    /// The movement and sort keys every table shares; true when `action` was one.
    fn nav(&mut self, action: Option<Action>) -> bool;

    /// Selects the row on line `line` of the body; false when no row is there.
    fn click(&mut self, line: usize) -> bool {
        let row = self.offset() + line;
        if row >= self.len() {
            return false;
        }
        self.select(row);
        true
    }
}

/// A pane of the cockpit. Every method but the keys has a default, so a pane without a
/// table or keys of its own stays short.
pub trait Component {
    /// Its lines in the help overlay's Panes section. A hint names its actions; the
    /// overlay writes the keys bound to them and leaves out what read-only mode strips.
    fn help(&self) -> &'static [KeyHint] {
        &[]
    }
    /// The key hints of the status bar while it shows, by action like [`Component::help`].
    fn footer(&self) -> &'static [KeyHint];
    /// Whether `/` filters it.
    fn has_filter(&self) -> bool {
        true
    }
    /// A view inside the pane (a record in full) is open: every key goes to
    /// [`Component::on_key`] first, before quit, help and the filter.
    fn takes_keys(&self) -> bool {
        false
    }
    /// Brings its rows up to date with the estate and the scope filter.
    fn sync(&mut self, _cx: &Cx) {}
    /// Its rows, read only.
    fn list(&self, cx: &Cx) -> Option<&dyn List>;
    /// Its rows, bound to their source.
    fn list_mut<'a>(&'a mut self, cx: &Cx<'a>) -> Option<Box<dyn ListMut + 'a>>;
    /// A key that no overlay and no shared key took; true when it was the pane's.
    fn on_key(
        &mut self,
        key: &KeyEvent,
        action: Option<Action>,
        cx: &Cx,
        out: &mut Vec<Cmd>,
    ) -> bool;
    /// An answer of the pollers arrived (before the estate applies it).
    fn on_feed(&mut self, _event: &FeedEvent) {}
}

/// A [`TableView`] and the source of its rows.
pub struct Bound<'a, S: TableSource> {
    pub table: &'a mut TableView<S::Col>,
    pub src: S,
}

impl<C: super::table::TableColumn> List for TableView<C> {
    fn filter_text(&self) -> &str {
        TableView::filter_text(self)
    }
    fn filter_error(&self) -> Option<&FilterError> {
        TableView::filter_error(self)
    }
    fn len(&self) -> usize {
        TableView::len(self)
    }
    fn offset(&self) -> usize {
        self.viewport().offset
    }
}

impl<S: TableSource> List for Bound<'_, S> {
    fn filter_text(&self) -> &str {
        self.table.filter_text()
    }
    fn filter_error(&self) -> Option<&FilterError> {
        self.table.filter_error()
    }
    fn len(&self) -> usize {
        self.table.len()
    }
    fn offset(&self) -> usize {
        self.table.viewport().offset
    }
}

impl<S: TableSource> ListMut for Bound<'_, S> {
    fn set_filter(&mut self, text: &str) {
        self.table.set_filter(&self.src, text);
    }
    fn move_by(&mut self, delta: isize) {
        self.table.move_by(delta);
    }
    fn scroll_by(&mut self, delta: isize) {
        self.table.scroll_by(delta);
    }
    fn select(&mut self, row: usize) {
        self.table.select(row);
    }
    fn set_page(&mut self, rows: usize) {
        self.table.set_page(rows);
    }
    fn sort_by_header(&mut self, i: usize) -> bool {
        let Some(col) = self.table.columns().get(i).copied() else {
            return false;
        };
        let (cur, desc) = self.table.sort();
        self.table.set_sort(&self.src, col, cur == col && !desc);
        true
    }
    fn nav(&mut self, action: Option<Action>) -> bool {
        let t = &mut *self.table;
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
            Some(Action::SortNext) => t.cycle_sort(&self.src, 1),
            Some(Action::SortPrev) => t.cycle_sort(&self.src, -1),
            Some(Action::SortReverse) => t.reverse(&self.src),
            _ => return false,
        }
        true
    }
}

/// The list of panes: one line each, `Id => field: Type`, in the order of their number
/// keys. It makes the [`Pane`] ids, their titles, names and feeds, and [`Panes`], the
/// components themselves.
macro_rules! panes {
    ($($id:ident => $field:ident: $ty:ty,)*) => {
        /// A full-screen view of the cockpit (session tabs are not panes: they have a
        /// tab bar).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Pane {
            $($id,)*
        }

        impl Pane {
            /// In the order of their number keys.
            pub const ALL: [Pane; <[Pane]>::len(&[$(Pane::$id,)*])] = [$(Pane::$id,)*];

            pub fn title(self) -> &'static str {
                match self {
                    $(Pane::$id => <$ty as PaneKind>::TITLE,)*
                }
            }

            /// Its title in four letters or fewer, for a narrow pane bar.
            pub fn short_title(self) -> &'static str {
                match self {
                    $(Pane::$id => <$ty as PaneKind>::SHORT,)*
                }
            }

            /// The feeds the pane shows (nodes are always polled).
            pub fn feeds(self) -> FeedSet {
                match self {
                    $(Pane::$id => FeedSet::of(<$ty as PaneKind>::FEEDS),)*
                }
            }
        }

        /// Command aliases: (names, pane), for parsing and the help overlay.
        pub const PANE_ALIASES: &[(&[&str], Pane)] = &[$((<$ty as PaneKind>::ALIASES, Pane::$id),)*];

        /// Every pane's component.
        #[derive(Default)]
        pub struct Panes {
            $(pub $field: $ty,)*
        }

        impl Panes {
            pub fn get(&self, pane: Pane) -> &dyn Component {
                match pane {
                    $(Pane::$id => &self.$field,)*
                }
            }

            pub fn get_mut(&mut self, pane: Pane) -> &mut dyn Component {
                match pane {
                    $(Pane::$id => &mut self.$field,)*
                }
            }
        }
    };
}

panes! {
    Nodes => nodes: NodesView,
    Explorer => explorer: ExplorerView,
    OpsCenter => ops: OpsView,
    Compliance => compliance: ComplianceView,
    Inventory => inventory: InventoryView,
    Scopes => scopes: ScopesView,
    Commands => commands: CommandsView,
    Automations => automations: AutomationsView,
    Audit => audit: AuditView,
    Activations => activations: ActivationsView,
    Associations => associations: AssociationsView,
    Windows => windows: WindowsView,
    Timeline => timeline: TimelineView,
    Parameters => parameters: ParametersView,
    Baselines => baselines: BaselinesView,
    Documents => documents: DocumentsView,
    Packages => packages: PackagesView,
}

impl Pane {
    /// The number key that shows it.
    pub fn number(self) -> usize {
        Pane::ALL.iter().position(|p| *p == self).unwrap_or(0) + 1
    }

    pub fn from_number(n: usize) -> Option<Pane> {
        Pane::ALL.get(n.checked_sub(1)?).copied()
    }

    /// The pane `delta` places along, wrapping.
    pub fn cycle(self, delta: isize) -> Pane {
        let n = Pane::ALL.len() as isize;
        Pane::ALL[(self.number() as isize - 1 + delta).rem_euclid(n) as usize]
    }
}

/// The Panes section of the help overlay: every pane's lines in pane order, each line
/// once (panes of a family share some).
pub fn pane_help(panes: &Panes) -> Vec<KeyHint> {
    let mut out: Vec<KeyHint> = Vec::new();
    for p in Pane::ALL {
        for hint in panes.get(p).help() {
            if !out.contains(hint) {
                out.push(*hint);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panes_cycle_and_number() {
        let last = Pane::ALL[Pane::ALL.len() - 1];
        assert_eq!(Pane::Nodes.cycle(-1), last);
        assert_eq!(last.cycle(1), Pane::Nodes);
        assert_eq!(Pane::from_number(3), Some(Pane::OpsCenter));
        assert_eq!(Pane::from_number(0), None);
        assert_eq!(Pane::from_number(Pane::ALL.len() + 1), None);
        for p in Pane::ALL {
            assert_eq!(Pane::from_number(p.number()), Some(p));
        }
    }

    #[test]
    fn every_pane_has_a_title_a_name_and_the_nodes_feed() {
        for (names, p) in PANE_ALIASES {
            assert!(!names.is_empty(), "{p:?} has no : name");
            assert!(!p.title().is_empty());
            assert!(p.feeds().contains(Feed::Nodes), "{p:?} does not poll nodes");
        }
        assert_eq!(PANE_ALIASES.len(), Pane::ALL.len());
    }
}
