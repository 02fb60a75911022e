//! The commands pane: recent Run Command commands of every scope shown, as a
//! [`TableView`]; Enter shows one in full, `n` goes to its first node.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;

use super::feed_table::{FeedRow, FeedRows, FeedTable};
use super::record::jump_to_first_node;
use super::{Cmd, Cx, KeyHint, PaneKind};
use crate::app::filter::FilterColumn;
use crate::app::keymap::{Action, PaneAction, pane_keys};
use crate::app::overlay::Record;
use crate::app::table::{TableColumn, account_cell, region_cell};
use crate::model::{Estate, Feed, RecentCommand, ScopeId};

/// A column of the commands table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmdCol {
    Status,
    Requested,
    Document,
    Targets,
    Progress,
    Comment,
    Id,
    Account,
    Region,
}

impl FilterColumn for CmdCol {
    fn from_filter_key(key: &str) -> Option<CmdCol> {
        Some(match key.to_ascii_lowercase().as_str() {
            "status" => CmdCol::Status,
            "document" | "doc" => CmdCol::Document,
            "targets" | "target" => CmdCol::Targets,
            "comment" => CmdCol::Comment,
            "id" => CmdCol::Id,
            "account" => CmdCol::Account,
            "region" => CmdCol::Region,
            _ => return None,
        })
    }

    fn filter_keys() -> &'static str {
        "status, document, targets, comment, id, account, region"
    }
}

impl TableColumn for CmdCol {
    const ALL: &'static [CmdCol] = &[
        CmdCol::Status,
        CmdCol::Requested,
        CmdCol::Document,
        CmdCol::Targets,
        CmdCol::Progress,
        CmdCol::Comment,
        CmdCol::Id,
        CmdCol::Account,
        CmdCol::Region,
    ];

    fn title(self) -> &'static str {
        match self {
            CmdCol::Status => "Status",
            CmdCol::Requested => "Age",
            CmdCol::Document => "Document",
            CmdCol::Targets => "Targets",
            CmdCol::Progress => "Done",
            CmdCol::Comment => "Comment",
            CmdCol::Id => "Command",
            CmdCol::Account => "Account",
            CmdCol::Region => "Region",
        }
    }
}

/// `12/20` completed of targets, `✗3` errors (and delivery time-outs).
pub fn command_progress(c: &RecentCommand) -> String {
    let mut s = format!("{}/{}", c.completed_count, c.target_count);
    let bad = c.error_count + c.delivery_timed_out_count;
    if bad > 0 {
        s.push_str(&format!(" ✗{bad}"));
    }
    s
}

/// The commands of the scopes shown: (scope, index) into the estate.
pub type CommandRows<'a> = FeedRows<'a, RecentCommand>;

/// State of the commands pane.
pub type CommandsView = FeedTable<RecentCommand>;

impl FeedRow for RecentCommand {
    type Col = CmdCol;
    type At = ();
    const FEED: Feed = Feed::Commands;
    const SORT: CmdCol = CmdCol::Requested;

    fn of_scope(estate: &Estate, scope: ScopeId) -> &[RecentCommand] {
        estate.scope_commands(scope)
    }

    fn at(_now: DateTime<Utc>) {}

    fn cell<'a>(&'a self, estate: &'a Estate, _at: (), col: CmdCol) -> Cow<'a, str> {
        match col {
            CmdCol::Status => Cow::Borrowed(&self.status),
            CmdCol::Requested => Cow::Borrowed(""),
            CmdCol::Document => Cow::Borrowed(&self.document_name),
            CmdCol::Targets => Cow::Owned(self.targets_label()),
            CmdCol::Progress => Cow::Owned(command_progress(self)),
            CmdCol::Comment => Cow::Borrowed(&self.comment),
            CmdCol::Id => Cow::Borrowed(&self.command_id),
            CmdCol::Account => account_cell(estate, self.scope),
            CmdCol::Region => region_cell(estate, self.scope),
        }
    }

    fn sort_key(&self, _at: (), col: CmdCol) -> Option<i64> {
        match col {
            // Newest first when ascending.
            CmdCol::Requested => Some(self.requested.map_or(i64::MAX, |t| -t.timestamp())),
            CmdCol::Progress => Some(
                i64::from(self.error_count + self.delivery_timed_out_count) * -1_000_000
                    + i64::from(self.completed_count),
            ),
            _ => None,
        }
    }

    fn row_key(&self) -> String {
        format!("{}/{}", self.scope, self.command_id)
    }

    type Open = ();
    const HELP: &'static [KeyHint] = &[
        KeyHint::table("Enter", &[Action::Details], "commands, automations, audit,"),
        KeyHint::more("activations: the record in full"),
        KeyHint::pane(
            "n",
            &[PaneAction::GoToNode],
            "commands: go to its first node",
        ),
    ];

    fn record(&self) -> Option<Record> {
        Some(Record::Command {
            scope: self.scope,
            id: self.command_id.clone(),
        })
    }

    fn on_key(
        view: &mut CommandsView,
        key: &KeyEvent,
        action: Option<Action>,
        cx: &Cx,
        out: &mut Vec<Cmd>,
    ) -> bool {
        if action == Some(Action::Details)
            || cx.pane_action(key, pane_keys::COMMANDS) != Some(PaneAction::GoToNode)
        {
            return false;
        }
        let selected = view.selected(cx.estate);
        out.push(selected.and_then(jump_to_first_node).unwrap_or(Cmd::Note {
            text: "this command names no node id (tag targets)".into(),
            error: true,
        }));
        true
    }
}

impl PaneKind for CommandsView {
    const TITLE: &'static str = "Commands";
    const SHORT: &'static str = "Cmds";
    const ALIASES: &'static [&'static str] = &["commands", "cmd", "cmds", "history"];
    const FEEDS: &'static [Feed] = &[Feed::Nodes, Feed::Commands];
}
