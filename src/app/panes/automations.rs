//! The automations pane: recent Automation executions of every scope shown, as a
//! [`TableView`]; Enter shows one in full.

use std::borrow::Cow;

use chrono::{DateTime, Utc};

use super::feed_table::{FeedRow, FeedRows, FeedTable};
use super::record::RECORD_HELP;
use super::{KeyHint, PaneKind};
use crate::app::filter::FilterColumn;
use crate::app::overlay::Record;
use crate::app::table::{TableColumn, account_cell, region_cell};
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
pub type AutomationRows<'a> = FeedRows<'a, RecentAutomation>;

/// State of the automations pane.
pub type AutomationsView = FeedTable<RecentAutomation>;

impl FeedRow for RecentAutomation {
    type Col = AutoCol;
    type At = ();
    const FEED: Feed = Feed::Automations;
    const SORT: AutoCol = AutoCol::Started;

    fn of_scope(estate: &Estate, scope: ScopeId) -> &[RecentAutomation] {
        estate.scope_automations(scope)
    }

    fn at(_now: DateTime<Utc>) {}

    fn cell<'a>(&'a self, estate: &'a Estate, _at: (), col: AutoCol) -> Cow<'a, str> {
        match col {
            AutoCol::Status => Cow::Borrowed(&self.status),
            AutoCol::Started => Cow::Borrowed(""),
            AutoCol::Document => Cow::Borrowed(&self.document_name),
            AutoCol::Step => Cow::Borrowed(&self.current_step),
            AutoCol::Targets => Cow::Owned(self.targets_label()),
            AutoCol::ExecutedBy => Cow::Borrowed(&self.executed_by),
            AutoCol::Id => Cow::Borrowed(&self.execution_id),
            AutoCol::Account => account_cell(estate, self.scope),
            AutoCol::Region => region_cell(estate, self.scope),
        }
    }

    fn sort_key(&self, _at: (), col: AutoCol) -> Option<i64> {
        match col {
            AutoCol::Started => Some(self.started.map_or(i64::MAX, |t| -t.timestamp())),
            _ => None,
        }
    }

    fn row_key(&self) -> String {
        format!("{}/{}", self.scope, self.execution_id)
    }

    type Open = ();
    const HELP: &'static [KeyHint] = RECORD_HELP;

    fn record(&self) -> Option<Record> {
        Some(Record::Automation {
            scope: self.scope,
            id: self.execution_id.clone(),
        })
    }
}

impl PaneKind for AutomationsView {
    const TITLE: &'static str = "Automations";
    const SHORT: &'static str = "Auto";
    const ALIASES: &'static [&'static str] = &["automations", "auto", "runbooks"];
    const FEEDS: &'static [Feed] = &[Feed::Nodes, Feed::Automations];
}
