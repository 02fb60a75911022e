//! The inventory pane: one node's inventory, type by type, as a [`TableView`] whose
//! columns are the type's attributes; and fleet-wide application queries with counts
//! by version.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::app::filter::FilterColumn;
use crate::app::table::{TableColumn, TableSource, TableView, account_cell, region_cell};
use crossterm::event::{KeyCode, KeyEvent};

use super::{Bound, Cmd, Component, Cx, KeyHint, List, ListMut, PaneKind};
use crate::app::keymap::{Action, PaneAction, pane_keys};
use crate::model::{
    ApplicationHit, DetailRequest, Estate, Feed, FeedEvent, InventoryEntry, InventoryRows, ScopeId,
};
pub use crate::model::{compare_versions, version_below};

/// Attribute columns shown at most per inventory type.
pub const MAX_ATTRS: usize = 12;

/// The `n`th attribute of an inventory type (named at run time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvCol(pub u8);

impl FilterColumn for InvCol {
    fn from_filter_key(_: &str) -> Option<InvCol> {
        None
    }

    fn filter_keys() -> &'static str {
        "an attribute name"
    }
}

impl TableColumn for InvCol {
    const ALL: &'static [InvCol] = &[
        InvCol(0),
        InvCol(1),
        InvCol(2),
        InvCol(3),
        InvCol(4),
        InvCol(5),
        InvCol(6),
        InvCol(7),
        InvCol(8),
        InvCol(9),
        InvCol(10),
        InvCol(11),
    ];

    fn title(self) -> &'static str {
        "attribute"
    }
}

/// The entries of one inventory type, by attribute.
pub struct EntryRows<'a> {
    pub entries: &'a [InventoryEntry],
    pub attrs: &'a [String],
}

impl TableSource for EntryRows<'_> {
    type Col = InvCol;

    fn len(&self) -> usize {
        self.entries.len()
    }

    fn cell(&self, row: usize, col: InvCol) -> Cow<'_, str> {
        let (Some(entry), Some(attr)) = (self.entries.get(row), self.attrs.get(usize::from(col.0)))
        else {
            return Cow::Borrowed("");
        };
        Cow::Borrowed(
            entry
                .iter()
                .find(|(k, _)| k == attr)
                .map_or("", |(_, v)| v.as_str()),
        )
    }

    /// `Version`, `AgentVersion`, `PlatformVersion`, ... sort by version parts.
    fn sorts_as_version(&self, col: InvCol) -> bool {
        self.attrs
            .get(usize::from(col.0))
            .is_some_and(|a| a.ends_with("Version"))
    }

    fn row_key(&self, row: usize) -> String {
        self.entries
            .get(row)
            .map(|e| {
                e.iter()
                    .map(|(_, v)| v.as_str())
                    .collect::<Vec<_>>()
                    .join("\u{1f}")
            })
            .unwrap_or_default()
    }
}

/// Attributes of an inventory type in a useful order: names and versions first.
pub fn attributes(rows: &InventoryRows) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for e in &rows.entries {
        for (k, _) in e {
            if !seen.contains(k) {
                seen.push(k.clone());
            }
        }
    }
    const FIRST: &[&str] = &["Name", "Version", "Publisher", "PackageId", "Architecture"];
    seen.sort_by_key(|k| {
        (
            FIRST.iter().position(|f| f == k).unwrap_or(FIRST.len()),
            k.clone(),
        )
    });
    seen.truncate(MAX_ATTRS);
    seen
}

/// What the inventory pane shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InventoryMode {
    /// One node's inventory, type by type.
    Node,
    /// Nodes that have an application.
    Query,
}

/// A column of the application query table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppCol {
    Account,
    Region,
    Instance,
    Name,
    Application,
    Version,
    Publisher,
}

impl FilterColumn for AppCol {
    fn from_filter_key(key: &str) -> Option<AppCol> {
        Some(match key.to_ascii_lowercase().as_str() {
            "account" => AppCol::Account,
            "region" => AppCol::Region,
            "id" | "instance" => AppCol::Instance,
            "name" => AppCol::Name,
            "app" | "application" => AppCol::Application,
            "version" => AppCol::Version,
            "publisher" => AppCol::Publisher,
            _ => return None,
        })
    }

    fn filter_keys() -> &'static str {
        "account, region, id, name, app, version, publisher"
    }
}

impl TableColumn for AppCol {
    const ALL: &'static [AppCol] = &[
        AppCol::Instance,
        AppCol::Name,
        AppCol::Application,
        AppCol::Version,
        AppCol::Publisher,
        AppCol::Account,
        AppCol::Region,
    ];

    fn title(self) -> &'static str {
        match self {
            AppCol::Account => "Account",
            AppCol::Region => "Region",
            AppCol::Instance => "Instance ID",
            AppCol::Name => "Node",
            AppCol::Application => "Application",
            AppCol::Version => "Version",
            AppCol::Publisher => "Publisher",
        }
    }
}

/// Hits of the last application query, within the scope mask and version bound.
pub struct HitRows<'a> {
    pub estate: &'a Estate,
    pub hits: Vec<&'a ApplicationHit>,
}

impl TableSource for HitRows<'_> {
    type Col = AppCol;

    fn len(&self) -> usize {
        self.hits.len()
    }

    fn cell(&self, row: usize, col: AppCol) -> Cow<'_, str> {
        let Some(h) = self.hits.get(row) else {
            return Cow::Borrowed("");
        };
        match col {
            AppCol::Account => account_cell(self.estate, h.scope),
            AppCol::Region => region_cell(self.estate, h.scope),
            AppCol::Instance => Cow::Borrowed(&h.instance_id),
            AppCol::Name => Cow::Borrowed(
                self.estate
                    .find_node(h.scope, &h.instance_id)
                    .map_or("", |n| n.name()),
            ),
            AppCol::Application => Cow::Borrowed(&h.name),
            AppCol::Version => Cow::Borrowed(&h.version),
            AppCol::Publisher => Cow::Borrowed(&h.publisher),
        }
    }

    fn sorts_as_version(&self, col: AppCol) -> bool {
        col == AppCol::Version
    }

    fn row_key(&self, row: usize) -> String {
        self.hits
            .get(row)
            .map(|h| format!("{}/{}/{}/{}", h.scope, h.instance_id, h.name, h.version))
            .unwrap_or_default()
    }
}

/// Nodes per version of the queried application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionCount {
    pub version: String,
    pub nodes: usize,
    /// Below the version asked for (`:app X <Y`).
    pub below: bool,
}

/// State of an application query.
#[derive(Debug)]
pub struct AppQueryView {
    pub name: String,
    pub below: Option<String>,
    pub table: TableView<AppCol>,
    pub versions: Vec<VersionCount>,
    key: Option<(u64, Vec<bool>, Option<String>)>,
    answers: u64,
}

impl Default for AppQueryView {
    fn default() -> Self {
        AppQueryView {
            name: String::new(),
            below: None,
            table: TableView::new(AppCol::Version, false),
            versions: Vec::new(),
            key: None,
            answers: 0,
        }
    }
}

impl AppQueryView {
    /// The hits shown: the answer to this query, in the mask, below the bound.
    pub fn hits<'a>(&self, estate: &'a Estate, mask: &[bool]) -> HitRows<'a> {
        let hits = estate
            .application_query()
            .filter(|q| q.name.eq_ignore_ascii_case(&self.name))
            .map(|q| {
                q.hits
                    .iter()
                    .filter(|h| mask.get(h.scope as usize).copied().unwrap_or(true))
                    .filter(|h| {
                        self.below
                            .as_deref()
                            .is_none_or(|b| version_below(&h.version, b))
                    })
                    .collect()
            })
            .unwrap_or_default();
        HitRows { estate, hits }
    }

    /// The answer arrived (for this name), in any scope.
    pub fn answered(&self, estate: &Estate) -> bool {
        estate
            .application_query()
            .is_some_and(|q| q.name.eq_ignore_ascii_case(&self.name))
    }

    /// Counts a new answer: the next sync re-reads.
    pub fn invalidate(&mut self) {
        self.answers += 1;
    }

    pub fn sync(&mut self, estate: &Estate, mask: &[bool]) {
        let key = (self.answers, mask.to_vec(), self.below.clone());
        if self.key.as_ref() == Some(&key) {
            return;
        }
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        if let Some(q) = estate
            .application_query()
            .filter(|q| q.name.eq_ignore_ascii_case(&self.name))
        {
            for h in q
                .hits
                .iter()
                .filter(|h| mask.get(h.scope as usize).copied().unwrap_or(true))
            {
                *counts.entry(h.version.as_str()).or_default() += 1;
            }
        }
        let mut versions: Vec<VersionCount> = counts
            .into_iter()
            .map(|(v, n)| VersionCount {
                version: v.to_string(),
                nodes: n,
                below: self.below.as_deref().is_some_and(|b| version_below(v, b)),
            })
            .collect();
        versions.sort_by(|a, b| compare_versions(&b.version, &a.version));
        self.versions = versions;
        let src = self.hits(estate, mask);
        self.table.rebuild(&src);
        self.key = Some(key);
    }
}

/// What the entries table was built from: (inventory generation, node, type, answers).
type EntriesKey = (u64, Option<(ScopeId, String)>, Option<String>, u64);

/// State of the inventory pane.
#[derive(Debug)]
pub struct InventoryView {
    pub mode: InventoryMode,
    /// The node shown: (scope, instance id).
    pub node: Option<(ScopeId, String)>,
    /// The type shown, by name.
    pub type_name: Option<String>,
    pub table: TableView<InvCol>,
    /// Attribute names of the type shown, by column.
    pub attrs: Vec<String>,
    pub query: AppQueryView,
    key: Option<EntriesKey>,
    answers: u64,
}

impl Default for InventoryView {
    fn default() -> Self {
        InventoryView {
            mode: InventoryMode::Node,
            node: None,
            type_name: None,
            table: TableView::new(InvCol(0), false),
            attrs: Vec::new(),
            query: AppQueryView::default(),
            key: None,
            answers: 0,
        }
    }
}

/// A node's inventory: fetched on demand if it was, else what the poller brought; by type.
pub fn node_types<'a>(
    estate: &'a Estate,
    scope: ScopeId,
    instance_id: &str,
) -> Vec<&'a InventoryRows> {
    let mut rows: Vec<&InventoryRows> = match estate.node_inventory(scope, instance_id) {
        Some(rows) => rows.iter().collect(),
        None => estate
            .scope_inventory(scope)
            .iter()
            .filter(|r| r.instance_id == instance_id)
            .collect(),
    };
    rows.sort_by(|a, b| a.type_name.cmp(&b.type_name));
    rows
}

impl InventoryView {
    /// The rows of the type shown.
    pub fn current<'a>(&self, estate: &'a Estate) -> Option<&'a InventoryRows> {
        let (scope, id) = self.node.as_ref()?;
        let name = self.type_name.as_deref()?;
        node_types(estate, *scope, id)
            .into_iter()
            .find(|r| r.type_name == name)
    }

    /// A node's inventory answer arrived: the next sync re-reads.
    pub fn invalidate(&mut self) {
        self.answers += 1;
    }

    pub fn sync(&mut self, estate: &Estate) {
        let key = (
            estate.feed_generation(crate::model::Feed::Inventory),
            self.node.clone(),
            self.type_name.clone(),
            self.answers,
        );
        if self.key.as_ref() == Some(&key) {
            return;
        }
        let types = match &self.node {
            Some((s, id)) => node_types(estate, *s, id),
            None => Vec::new(),
        };
        if self
            .type_name
            .as_ref()
            .is_none_or(|t| !types.iter().any(|r| &r.type_name == t))
        {
            self.type_name = types
                .iter()
                .find(|r| r.type_name == "AWS:Application")
                .or(types.first())
                .map(|r| r.type_name.clone());
        }
        let current = self
            .type_name
            .as_deref()
            .and_then(|t| types.iter().find(|r| r.type_name == t));
        self.attrs = current.map(|r| attributes(r)).unwrap_or_default();
        let cols = (0..self.attrs.len()).map(|i| InvCol(i as u8)).collect();
        self.table.set_columns(cols, self.attrs.clone());
        let entries: &[InventoryEntry] = current.map_or(&[], |r| r.entries.as_slice());
        let src = EntryRows {
            entries,
            attrs: &self.attrs,
        };
        self.table.rebuild(&src);
        self.key = Some((
            estate.feed_generation(crate::model::Feed::Inventory),
            self.node.clone(),
            self.type_name.clone(),
            self.answers,
        ));
    }

    /// Moves to the next (`delta` 1) or previous type of the node.
    pub fn cycle_type(&mut self, estate: &Estate, delta: isize) {
        let Some((s, id)) = &self.node else {
            return;
        };
        let types = node_types(estate, *s, id);
        if types.is_empty() {
            return;
        }
        let at = self
            .type_name
            .as_ref()
            .and_then(|t| types.iter().position(|r| &r.type_name == t))
            .unwrap_or(0) as isize;
        let next = (at + delta).rem_euclid(types.len() as isize) as usize;
        self.type_name = types.get(next).map(|r| r.type_name.clone());
        self.sync(estate);
    }

    /// The table the keys move: entries or query hits.
    pub fn set_page(&mut self, rows: usize) {
        match self.mode {
            InventoryMode::Node => self.table.set_page(rows),
            InventoryMode::Query => self.query.table.set_page(rows),
        }
    }

    /// Shows the inventory of one node; the request asks for all of it.
    pub fn open_node(&mut self, scope: ScopeId, instance_id: &str) -> DetailRequest {
        self.mode = InventoryMode::Node;
        self.node = Some((scope, instance_id.to_string()));
        self.type_name = None;
        self.table.select(0);
        DetailRequest::NodeInventory {
            scope,
            instance_id: instance_id.to_string(),
            type_name: None,
        }
    }

    fn node_key(&mut self, key: &KeyEvent, cx: &Cx, out: &mut Vec<Cmd>) -> bool {
        match cx.pane_action(key, pane_keys::INVENTORY) {
            Some(PaneAction::NextKind) => self.cycle_type(cx.estate, 1),
            Some(PaneAction::PrevKind) => self.cycle_type(cx.estate, -1),
            Some(PaneAction::AppQuery) => out.push(Cmd::CommandLine("app ".into())),
            Some(PaneAction::Refresh) => {
                if let Some((s, id)) = self.node.clone() {
                    out.push(Cmd::Request(self.open_node(s, &id)));
                }
            }
            Some(PaneAction::ToggleView) if !self.query.name.is_empty() => {
                self.mode = InventoryMode::Query
            }
            _ => return false,
        }
        true
    }

    fn query_key(
        &mut self,
        key: &KeyEvent,
        action: Option<Action>,
        cx: &Cx,
        out: &mut Vec<Cmd>,
    ) -> bool {
        let src = self.query.hits(cx.estate, cx.mask);
        let sel = self
            .query
            .table
            .selected_row()
            .and_then(|r| src.hits.get(r))
            .map(|h| (h.scope, h.instance_id.clone()));
        let pane_action = cx.pane_action(key, pane_keys::INVENTORY);
        match (pane_action, sel) {
            (pa, Some((scope, instance_id)))
                if action == Some(Action::Details) || pa == Some(PaneAction::GoToNode) =>
            {
                out.push(Cmd::JumpToNode {
                    scope: Some(scope),
                    instance_id,
                });
            }
            (Some(PaneAction::Inventory), Some((s, id))) => {
                out.push(Cmd::Request(self.open_node(s, &id)))
            }
            (Some(PaneAction::AppQuery), _) => out.push(Cmd::CommandLine("app ".into())),
            (Some(PaneAction::ToggleView), _) => self.mode = InventoryMode::Node,
            _ if key.code == KeyCode::Esc => self.mode = InventoryMode::Node,
            _ => return false,
        }
        true
    }
}

impl PaneKind for InventoryView {
    const TITLE: &'static str = "Inventory";
    const SHORT: &'static str = "Inv";
    const ALIASES: &'static [&'static str] = &["inventory", "inv", "in"];
    const FEEDS: &'static [Feed] = &[Feed::Nodes, Feed::Inventory];
}

/// The status bar's hints of the inventory pane.
const FOOTER: &[KeyHint] = &[
    KeyHint::table("?", &[Action::Help], "help"),
    KeyHint::fixed("1-9", "panes"),
    KeyHint::pane("←→", &[PaneAction::PrevKind, PaneAction::NextKind], "type"),
    KeyHint::table("/", &[Action::Filter], "filter"),
    KeyHint::pane("a", &[PaneAction::AppQuery], "app query"),
    KeyHint::pane("m", &[PaneAction::ToggleView], "view"),
    KeyHint::table("q", &[Action::Quit], "quit"),
];

impl Component for InventoryView {
    fn help(&self) -> &'static [KeyHint] {
        const HELP: &[KeyHint] = &[
            KeyHint::pane(
                "← → / [ ]",
                &[PaneAction::PrevKind, PaneAction::NextKind],
                "inventory: other type",
            ),
            KeyHint::pane(
                "a / m",
                &[PaneAction::AppQuery, PaneAction::ToggleView],
                "inventory: app query / view",
            ),
        ];
        HELP
    }
    fn footer(&self) -> &'static [KeyHint] {
        FOOTER
    }
    fn sync(&mut self, cx: &Cx) {
        InventoryView::sync(self, cx.estate);
        self.query.sync(cx.estate, cx.mask);
    }
    fn list(&self, _cx: &Cx) -> Option<&dyn List> {
        Some(match self.mode {
            InventoryMode::Node => &self.table,
            InventoryMode::Query => &self.query.table,
        })
    }
    fn list_mut<'a>(&'a mut self, cx: &Cx<'a>) -> Option<Box<dyn ListMut + 'a>> {
        Some(match self.mode {
            InventoryMode::Node => {
                let cur = self.current(cx.estate);
                Box::new(Bound {
                    table: &mut self.table,
                    src: EntryRows {
                        entries: cur.map_or(&[], |r| r.entries.as_slice()),
                        attrs: &self.attrs,
                    },
                })
            }
            InventoryMode::Query => Box::new(Bound {
                src: self.query.hits(cx.estate, cx.mask),
                table: &mut self.query.table,
            }),
        })
    }
    fn on_key(
        &mut self,
        key: &KeyEvent,
        action: Option<Action>,
        cx: &Cx,
        out: &mut Vec<Cmd>,
    ) -> bool {
        match self.mode {
            InventoryMode::Node => self.node_key(key, cx, out),
            InventoryMode::Query => self.query_key(key, action, cx, out),
        }
    }
    fn on_feed(&mut self, event: &FeedEvent) {
        match event {
            FeedEvent::NodeInventoryLoaded { .. } => self.invalidate(),
            FeedEvent::ApplicationsLoaded { .. } => self.query.invalidate(),
            FeedEvent::DetailFailed { .. } => {
                self.invalidate();
                self.query.invalidate();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn application_versions_sort_by_parts() {
        let entries: Vec<InventoryEntry> = ["1.10.0", "1.9.2", "2.3.1000", "2.3.999"]
            .iter()
            .map(|v| {
                vec![
                    ("Name".to_string(), "nginx".to_string()),
                    ("Version".to_string(), v.to_string()),
                ]
            })
            .collect();
        let attrs = vec!["Name".to_string(), "Version".to_string()];
        let rows = EntryRows {
            entries: &entries,
            attrs: &attrs,
        };
        assert!(rows.sorts_as_version(InvCol(1)));
        assert!(!rows.sorts_as_version(InvCol(0)));
        let mut t = TableView::new(InvCol(1), false);
        t.set_columns(vec![InvCol(0), InvCol(1)], attrs.clone());
        t.sync(&rows, 1);
        let versions: Vec<&str> = t
            .rows()
            .iter()
            .map(|r| entries[*r as usize][1].1.as_str())
            .collect();
        assert_eq!(versions, ["1.9.2", "1.10.0", "2.3.999", "2.3.1000"]);
    }
}
