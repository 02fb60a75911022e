//! The automations pane: recent Automation executions of every scope shown, as a
//! [`TableView`]; Enter shows one in full.

use std::borrow::Cow;

use crossterm::event::KeyEvent;

use super::record::RECORD_HELP;
use super::{Cmd, Component, Cx, KeyHint, PaneKind, hints};
use crate::app::filter::FilterColumn;
use crate::app::keymap::Action;
use crate::app::overlay::Record;
use crate::app::table::{
    TableColumn, TableSource, TableView, account_cell, collect_refs, region_cell,
};
use crate::model::{Estate, Feed, RecentAutomation, ScopeId};

/// A column of the automation executions table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoCol {
    Status,
    Started,
    Document,
    Step,
    Targets,
    ExecutedBy,
    Id,
    Account,
    Region,
}

impl FilterColumn for AutoCol {
    fn from_filter_key(key: &str) -> Option<AutoCol> {
        Some(match key.to_ascii_lowercase().as_str() {
            "status" => AutoCol::Status,
            "document" | "doc" | "runbook" => AutoCol::Document,
            "step" => AutoCol::Step,
            "targets" | "target" => AutoCol::Targets,
            "by" | "executedby" | "who" => AutoCol::ExecutedBy,
            "id" => AutoCol::Id,
            "account" => AutoCol::Account,
            "region" => AutoCol::Region,
            _ => return None,
        })
    }

    fn filter_keys() -> &'static str {
        "status, document, step, targets, by, id, account, region"
    }
}

impl TableColumn for AutoCol {
    const ALL: &'static [AutoCol] = &[
        AutoCol::Status,
        AutoCol::Started,
        AutoCol::Document,
        AutoCol::Step,
        AutoCol::Targets,
        AutoCol::ExecutedBy,
        AutoCol::Id,
        AutoCol::Account,
        AutoCol::Region,
    ];

    fn title(self) -> &'static str {
        match self {
            AutoCol::Status => "Status",
            AutoCol::Started => "Age",
            AutoCol::Document => "Runbook",
            AutoCol::Step => "Step",
            AutoCol::Targets => "Targets",
            AutoCol::ExecutedBy => "Executed by",
            AutoCol::Id => "Execution",
            AutoCol::Account => "Account",
            AutoCol::Region => "Region",
        }
    }
}

/// The automation executions of the scopes shown.
pub struct AutomationRows<'a> {
    pub estate: &'a Estate,
    pub refs: &'a [(ScopeId, u32)],
}

impl AutomationRows<'_> {
    pub fn item(&self, row: usize) -> Option<&RecentAutomation> {
        let (s, i) = *self.refs.get(row)?;
        self.estate.scope_automations(s).get(i as usize)
    }
}

impl TableSource for AutomationRows<'_> {
    type Col = AutoCol;

    fn len(&self) -> usize {
        self.refs.len()
    }

    fn cell(&self, row: usize, col: AutoCol) -> Cow<'_, str> {
        let Some(a) = self.item(row) else {
            return Cow::Borrowed("");
        };
        match col {
            AutoCol::Status => Cow::Borrowed(&a.status),
            AutoCol::Started => Cow::Borrowed(""),
            AutoCol::Document => Cow::Borrowed(&a.document_name),
            AutoCol::Step => Cow::Borrowed(&a.current_step),
            AutoCol::Targets => Cow::Owned(a.targets_label()),
            AutoCol::ExecutedBy => Cow::Borrowed(&a.executed_by),
            AutoCol::Id => Cow::Borrowed(&a.execution_id),
            AutoCol::Account => account_cell(self.estate, a.scope),
            AutoCol::Region => region_cell(self.estate, a.scope),
        }
    }

    fn sort_key(&self, row: usize, col: AutoCol) -> Option<i64> {
        let a = self.item(row)?;
        match col {
            AutoCol::Started => Some(a.started.map_or(i64::MAX, |t| -t.timestamp())),
            _ => None,
        }
    }

    fn row_key(&self, row: usize) -> String {
        self.item(row)
            .map(|a| format!("{}/{}", a.scope, a.execution_id))
            .unwrap_or_default()
    }
}

/// State of the automations pane.
#[derive(Debug)]
pub struct AutomationsView {
    pub table: TableView<AutoCol>,
    pub refs: Vec<(ScopeId, u32)>,
    /// (feed generation, scope mask) the rows reflect.
    key: Option<(u64, Vec<bool>)>,
}

impl Default for AutomationsView {
    fn default() -> Self {
        AutomationsView {
            table: TableView::new(AutoCol::Started, false),
            refs: Vec::new(),
            key: None,
        }
    }
}

impl AutomationsView {
    pub fn rows<'a>(&'a self, estate: &'a Estate) -> AutomationRows<'a> {
        AutomationRows {
            estate,
            refs: &self.refs,
        }
    }

    /// Re-reads the executions when their feed or the scope mask changed.
    pub fn sync(&mut self, estate: &Estate, mask: &[bool]) {
        let count = |e: &Estate, s| e.scope_automations(s).len();
        if collect_refs(
            &mut self.key,
            &mut self.refs,
            estate,
            mask,
            Feed::Automations,
            count,
        ) {
            let src = AutomationRows {
                estate,
                refs: &self.refs,
            };
            self.table.rebuild(&src);
        }
    }

    pub fn selected<'a>(&self, estate: &'a Estate) -> Option<&'a RecentAutomation> {
        let (s, i) = *self.refs.get(self.table.selected_row()?)?;
        estate.scope_automations(s).get(i as usize)
    }
}

impl PaneKind for AutomationsView {
    const TITLE: &'static str = "Automations";
    const SHORT: &'static str = "Auto";
    const ALIASES: &'static [&'static str] = &["automations", "auto", "runbooks"];
    const FEEDS: &'static [Feed] = &[Feed::Nodes, Feed::Automations];
}

impl Component for AutomationsView {
    fn help(&self) -> &'static [KeyHint] {
        RECORD_HELP
    }
    fn footer(&self, _read_only: bool) -> &'static [KeyHint] {
        hints::OPS
    }
    fn sync(&mut self, cx: &Cx) {
        AutomationsView::sync(self, cx.estate, cx.mask);
    }
    table_rows!(table, refs, cx => AutomationRows {});
    fn on_key(
        &mut self,
        _key: &KeyEvent,
        action: Option<Action>,
        cx: &Cx,
        out: &mut Vec<Cmd>,
    ) -> bool {
        if action != Some(Action::Details) {
            return false;
        }
        let Some(a) = self.selected(cx.estate) else {
            return false;
        };
        out.push(Cmd::OpenRecord(Record::Automation {
            scope: a.scope,
            id: a.execution_id.clone(),
        }));
        true
    }
}
