//! The commands pane: recent Run Command commands of every scope shown, as a
//! [`TableView`]; Enter shows one in full, `n` goes to its first node.

use std::borrow::Cow;

use crossterm::event::KeyEvent;

use super::record::jump_to_first_node;
use super::{Cmd, Component, Cx, KeyHint, PaneKind, hints};
use crate::app::filter::FilterColumn;
use crate::app::keymap::{Action, PaneAction, pane_keys};
use crate::app::overlay::Record;
use crate::app::table::{
    TableColumn, TableSource, TableView, account_cell, collect_refs, region_cell,
};
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
pub struct CommandRows<'a> {
    pub estate: &'a Estate,
    pub refs: &'a [(ScopeId, u32)],
}

impl CommandRows<'_> {
    pub fn item(&self, row: usize) -> Option<&RecentCommand> {
        let (s, i) = *self.refs.get(row)?;
        self.estate.scope_commands(s).get(i as usize)
    }
}

impl TableSource for CommandRows<'_> {
    type Col = CmdCol;

    fn len(&self) -> usize {
        self.refs.len()
    }

    fn cell(&self, row: usize, col: CmdCol) -> Cow<'_, str> {
        let Some(c) = self.item(row) else {
            return Cow::Borrowed("");
        };
        match col {
            CmdCol::Status => Cow::Borrowed(&c.status),
            CmdCol::Requested => Cow::Borrowed(""),
            CmdCol::Document => Cow::Borrowed(&c.document_name),
            CmdCol::Targets => Cow::Owned(c.targets_label()),
            CmdCol::Progress => Cow::Owned(command_progress(c)),
            CmdCol::Comment => Cow::Borrowed(&c.comment),
            CmdCol::Id => Cow::Borrowed(&c.command_id),
            CmdCol::Account => account_cell(self.estate, c.scope),
            CmdCol::Region => region_cell(self.estate, c.scope),
        }
    }

    fn sort_key(&self, row: usize, col: CmdCol) -> Option<i64> {
        let c = self.item(row)?;
        match col {
            // Newest first when ascending.
            CmdCol::Requested => Some(c.requested.map_or(i64::MAX, |t| -t.timestamp())),
            CmdCol::Progress => Some(
                i64::from(c.error_count + c.delivery_timed_out_count) * -1_000_000
                    + i64::from(c.completed_count),
            ),
            _ => None,
        }
    }

    fn row_key(&self, row: usize) -> String {
        self.item(row)
            .map(|c| format!("{}/{}", c.scope, c.command_id))
            .unwrap_or_default()
    }
}

/// State of the commands pane.
#[derive(Debug)]
pub struct CommandsView {
    pub table: TableView<CmdCol>,
    pub refs: Vec<(ScopeId, u32)>,
    /// (feed generation, scope mask) the rows reflect.
    key: Option<(u64, Vec<bool>)>,
}

impl Default for CommandsView {
    fn default() -> Self {
        CommandsView {
            table: TableView::new(CmdCol::Requested, false),
            refs: Vec::new(),
            key: None,
        }
    }
}

impl CommandsView {
    pub fn rows<'a>(&'a self, estate: &'a Estate) -> CommandRows<'a> {
        CommandRows {
            estate,
            refs: &self.refs,
        }
    }

    /// Re-reads the commands when their feed or the scope mask changed.
    pub fn sync(&mut self, estate: &Estate, mask: &[bool]) {
        let count = |e: &Estate, s| e.scope_commands(s).len();
        if collect_refs(
            &mut self.key,
            &mut self.refs,
            estate,
            mask,
            Feed::Commands,
            count,
        ) {
            let src = CommandRows {
                estate,
                refs: &self.refs,
            };
            self.table.rebuild(&src);
        }
    }

    pub fn selected<'a>(&self, estate: &'a Estate) -> Option<&'a RecentCommand> {
        let (s, i) = *self.refs.get(self.table.selected_row()?)?;
        estate.scope_commands(s).get(i as usize)
    }
}

impl PaneKind for CommandsView {
    const TITLE: &'static str = "Commands";
    const SHORT: &'static str = "Cmds";
    const ALIASES: &'static [&'static str] = &["commands", "cmd", "cmds", "history"];
    const FEEDS: &'static [Feed] = &[Feed::Nodes, Feed::Commands];
}

impl Component for CommandsView {
    fn help(&self) -> &'static [KeyHint] {
        &[
            ("Enter", "commands, automations, audit,"),
            ("", "activations: the record in full"),
            ("n", "commands: go to its first node"),
        ]
    }
    fn footer(&self, _read_only: bool) -> &'static [KeyHint] {
        hints::OPS
    }
    fn sync(&mut self, cx: &Cx) {
        CommandsView::sync(self, cx.estate, cx.mask);
    }
    table_rows!(table, refs, cx => CommandRows {});
    fn on_key(
        &mut self,
        key: &KeyEvent,
        action: Option<Action>,
        cx: &Cx,
        out: &mut Vec<Cmd>,
    ) -> bool {
        let selected = self.selected(cx.estate);
        if action == Some(Action::Details) {
            let Some(c) = selected else {
                return false;
            };
            out.push(Cmd::OpenRecord(Record::Command {
                scope: c.scope,
                id: c.command_id.clone(),
            }));
            return true;
        }
        if cx.pane_action(key, pane_keys::COMMANDS) != Some(PaneAction::GoToNode) {
            return false;
        }
        out.push(selected.and_then(jump_to_first_node).unwrap_or(Cmd::Note {
            text: "this command names no node id (tag targets)".into(),
            error: true,
        }));
        true
    }
}
