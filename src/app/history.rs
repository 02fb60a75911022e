//! The history panes — recent Run Command commands and Automation executions of every
//! scope shown — and the activations pane: each a [`TableView`] over the estate, with a
//! detail view of one record. The audit pane (its own file) shares the dispatch here.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent};

use super::audit::{AuditRows, AuditView};
use super::filter::{FilterColumn, FilterError};
use super::keymap::Action;
use super::navigate::{click_sort, scroll_key, table_nav};
use super::table::{
    TableColumn, TableOps, TableSource, TableView, account_cell, collect_refs, region_cell,
};
use super::{App, Notice, Overlay, Pane};
use crate::model::{Activation, Estate, Feed, RecentAutomation, RecentCommand, ScopeId};

/// One record shown in full.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    Command {
        scope: ScopeId,
        id: String,
    },
    Automation {
        scope: ScopeId,
        id: String,
    },
    Activation {
        scope: ScopeId,
        id: String,
    },
    /// One call of the audit log, by its request id.
    Audit {
        request_id: String,
    },
}

/// The panes of this module.
pub fn is_history_pane(p: Pane) -> bool {
    matches!(
        p,
        Pane::Commands | Pane::Automations | Pane::Audit | Pane::Activations
    )
}

// ---------------------------------------------------------------------------------------
// Commands

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

// ---------------------------------------------------------------------------------------
// Automations

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

// ---------------------------------------------------------------------------------------
// Activations

/// A column of the activations table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActCol {
    State,
    Id,
    Name,
    Registrations,
    Expires,
    Created,
    IamRole,
    Description,
    Account,
    Region,
}

impl FilterColumn for ActCol {
    fn from_filter_key(key: &str) -> Option<ActCol> {
        Some(match key.to_ascii_lowercase().as_str() {
            "state" | "status" => ActCol::State,
            "id" => ActCol::Id,
            "name" => ActCol::Name,
            "role" | "iam" => ActCol::IamRole,
            "description" | "desc" => ActCol::Description,
            "account" => ActCol::Account,
            "region" => ActCol::Region,
            _ => return None,
        })
    }

    fn filter_keys() -> &'static str {
        "state, id, name, role, description, account, region"
    }
}

impl TableColumn for ActCol {
    const ALL: &'static [ActCol] = &[
        ActCol::State,
        ActCol::Id,
        ActCol::Name,
        ActCol::Registrations,
        ActCol::Expires,
        ActCol::Created,
        ActCol::IamRole,
        ActCol::Description,
        ActCol::Account,
        ActCol::Region,
    ];

    fn title(self) -> &'static str {
        match self {
            ActCol::State => "State",
            ActCol::Id => "Activation",
            ActCol::Name => "Default name",
            ActCol::Registrations => "Registered",
            ActCol::Expires => "Expires",
            ActCol::Created => "Created",
            ActCol::IamRole => "IAM role",
            ActCol::Description => "Description",
            ActCol::Account => "Account",
            ActCol::Region => "Region",
        }
    }
}

/// The activations of the scopes shown, judged at `now`.
pub struct ActivationRows<'a> {
    pub estate: &'a Estate,
    pub refs: &'a [(ScopeId, u32)],
    pub now: DateTime<Utc>,
}

impl ActivationRows<'_> {
    pub fn item(&self, row: usize) -> Option<&Activation> {
        let (s, i) = *self.refs.get(row)?;
        self.estate.scope_activations(s).get(i as usize)
    }
}

impl TableSource for ActivationRows<'_> {
    type Col = ActCol;

    fn len(&self) -> usize {
        self.refs.len()
    }

    fn cell(&self, row: usize, col: ActCol) -> Cow<'_, str> {
        let Some(a) = self.item(row) else {
            return Cow::Borrowed("");
        };
        match col {
            ActCol::State => Cow::Borrowed(a.state(self.now).label()),
            ActCol::Id => Cow::Borrowed(&a.activation_id),
            ActCol::Name => Cow::Borrowed(&a.default_instance_name),
            ActCol::Registrations => Cow::Owned(format!(
                "{}/{}",
                a.registrations_count, a.registration_limit
            )),
            ActCol::Expires | ActCol::Created => Cow::Borrowed(""),
            ActCol::IamRole => Cow::Borrowed(&a.iam_role),
            ActCol::Description => Cow::Borrowed(&a.description),
            ActCol::Account => account_cell(self.estate, a.scope),
            ActCol::Region => region_cell(self.estate, a.scope),
        }
    }

    fn sort_key(&self, row: usize, col: ActCol) -> Option<i64> {
        let a = self.item(row)?;
        match col {
            // Expiring soon first, then expired, full, active; soonest expiry first within.
            ActCol::State => {
                let rank = match a.state(self.now) {
                    crate::model::ActivationState::ExpiringSoon => 0,
                    crate::model::ActivationState::Expired => 1,
                    crate::model::ActivationState::Full => 2,
                    crate::model::ActivationState::Active => 3,
                };
                Some(rank)
            }
            ActCol::Registrations => Some(i64::from(a.registrations_count)),
            ActCol::Expires => Some(a.expiration.map_or(i64::MAX, |t| t.timestamp())),
            ActCol::Created => Some(a.created.map_or(i64::MAX, |t| -t.timestamp())),
            _ => None,
        }
    }

    fn tags(&self, row: usize) -> &[(String, String)] {
        self.item(row).map_or(&[], |a| a.tags.as_slice())
    }

    fn row_key(&self, row: usize) -> String {
        self.item(row)
            .map(|a| format!("{}/{}", a.scope, a.activation_id))
            .unwrap_or_default()
    }
}

// ---------------------------------------------------------------------------------------
// Views

/// Rows of one feed over the scopes shown: (scope, index) refs and their table.
#[derive(Debug)]
pub struct FeedList<C: TableColumn> {
    pub table: TableView<C>,
    pub refs: Vec<(ScopeId, u32)>,
    /// (feed generation, scope mask) the rows reflect.
    key: Option<(u64, Vec<bool>)>,
}

impl<C: TableColumn> FeedList<C> {
    fn new(sort: C) -> FeedList<C> {
        FeedList {
            table: TableView::new(sort, false),
            refs: Vec::new(),
            key: None,
        }
    }

    /// Re-collects the refs when `feed` or the mask moved; true when it did.
    fn collect(
        &mut self,
        estate: &Estate,
        mask: &[bool],
        feed: Feed,
        count: impl Fn(&Estate, ScopeId) -> usize,
    ) -> bool {
        collect_refs(&mut self.key, &mut self.refs, estate, mask, feed, count)
    }
}

/// State of the history, audit and activations panes.
#[derive(Debug)]
pub struct HistoryPanes {
    pub commands: FeedList<CmdCol>,
    pub automations: FeedList<AutoCol>,
    pub activations: FeedList<ActCol>,
    pub audit: AuditView,
}

impl Default for HistoryPanes {
    fn default() -> Self {
        HistoryPanes {
            commands: FeedList::new(CmdCol::Requested),
            automations: FeedList::new(AutoCol::Started),
            activations: FeedList::new(ActCol::State),
            audit: AuditView::default(),
        }
    }
}

impl HistoryPanes {
    pub fn command_rows<'a>(&'a self, estate: &'a Estate) -> CommandRows<'a> {
        CommandRows {
            estate,
            refs: &self.commands.refs,
        }
    }

    pub fn automation_rows<'a>(&'a self, estate: &'a Estate) -> AutomationRows<'a> {
        AutomationRows {
            estate,
            refs: &self.automations.refs,
        }
    }

    pub fn activation_rows<'a>(
        &'a self,
        estate: &'a Estate,
        now: DateTime<Utc>,
    ) -> ActivationRows<'a> {
        ActivationRows {
            estate,
            refs: &self.activations.refs,
            now,
        }
    }

    pub fn selected_command<'a>(&self, estate: &'a Estate) -> Option<&'a RecentCommand> {
        let (s, i) = *self
            .commands
            .refs
            .get(self.commands.table.selected_row()?)?;
        estate.scope_commands(s).get(i as usize)
    }

    pub fn selected_automation<'a>(&self, estate: &'a Estate) -> Option<&'a RecentAutomation> {
        let (s, i) = *self
            .automations
            .refs
            .get(self.automations.table.selected_row()?)?;
        estate.scope_automations(s).get(i as usize)
    }

    pub fn selected_activation<'a>(&self, estate: &'a Estate) -> Option<&'a Activation> {
        let (s, i) = *self
            .activations
            .refs
            .get(self.activations.table.selected_row()?)?;
        estate.scope_activations(s).get(i as usize)
    }
}

/// Runs `$body` with `$t` the table and `$src` the rows of the history pane shown, or
/// gives `$none` on other panes.
macro_rules! with_table {
    ($app:expr, $now:expr, |$t:ident, $src:ident| $body:expr, $none:expr) => {{
        let h = &mut $app.history;
        let estate = &$app.estate;
        match $app.pane {
            Pane::Commands => {
                let $src = CommandRows {
                    estate,
                    refs: &h.commands.refs,
                };
                let $t = &mut h.commands.table;
                $body
            }
            Pane::Automations => {
                let $src = AutomationRows {
                    estate,
                    refs: &h.automations.refs,
                };
                let $t = &mut h.automations.table;
                $body
            }
            Pane::Activations => {
                let $src = ActivationRows {
                    estate,
                    refs: &h.activations.refs,
                    now: $now,
                };
                let $t = &mut h.activations.table;
                $body
            }
            Pane::Audit => {
                let $src = AuditRows {
                    calls: &h.audit.calls,
                };
                let $t = &mut h.audit.table;
                $body
            }
            _ => $none,
        }
    }};
}

impl App {
    /// Brings the table of the history pane shown up to date.
    pub(super) fn history_sync(&mut self) {
        let now = self.now();
        let estate = &self.estate;
        let mask = &self.mask;
        let h = &mut self.history;
        match self.pane {
            Pane::Commands
                if h.commands.collect(estate, mask, Feed::Commands, |e, s| {
                    e.scope_commands(s).len()
                }) =>
            {
                let src = CommandRows {
                    estate,
                    refs: &h.commands.refs,
                };
                h.commands.table.rebuild(&src);
            }
            Pane::Automations
                if h.automations
                    .collect(estate, mask, Feed::Automations, |e, s| {
                        e.scope_automations(s).len()
                    }) =>
            {
                let src = AutomationRows {
                    estate,
                    refs: &h.automations.refs,
                };
                h.automations.table.rebuild(&src);
            }
            Pane::Activations
                if h.activations
                    .collect(estate, mask, Feed::Activations, |e, s| {
                        e.scope_activations(s).len()
                    }) =>
            {
                let src = ActivationRows {
                    estate,
                    refs: &h.activations.refs,
                    now,
                };
                h.activations.table.rebuild(&src);
            }
            // Read once here; the clock tick follows what is appended.
            Pane::Audit if !h.audit.loaded => {
                h.audit.refresh();
            }
            _ => {}
        }
    }

    /// The audit log file the audit pane reads.
    pub fn set_audit_path(&mut self, path: Option<std::path::PathBuf>) {
        self.history.audit.set_path(path);
    }

    /// Re-reads what was appended to the audit log, while its pane shows.
    pub(super) fn history_tick(&mut self) -> bool {
        self.pane == Pane::Audit && self.history.audit.refresh()
    }

    pub(super) fn history_filter_text(&self) -> &str {
        match self.pane {
            Pane::Commands => self.history.commands.table.filter_text(),
            Pane::Automations => self.history.automations.table.filter_text(),
            Pane::Activations => self.history.activations.table.filter_text(),
            Pane::Audit => self.history.audit.table.filter_text(),
            _ => "",
        }
    }

    pub(super) fn history_filter_error(&self) -> Option<&FilterError> {
        match self.pane {
            Pane::Commands => self.history.commands.table.filter_error(),
            Pane::Automations => self.history.automations.table.filter_error(),
            Pane::Activations => self.history.activations.table.filter_error(),
            Pane::Audit => self.history.audit.table.filter_error(),
            _ => None,
        }
    }

    pub(super) fn history_row_count(&self) -> usize {
        match self.pane {
            Pane::Commands => self.history.commands.table.len(),
            Pane::Automations => self.history.automations.table.len(),
            Pane::Activations => self.history.activations.table.len(),
            Pane::Audit => self.history.audit.table.len(),
            _ => 0,
        }
    }

    pub(super) fn history_set_filter(&mut self, text: &str) {
        let now = self.now();
        with_table!(self, now, |t, src| t.set_filter(&src, text), ())
    }

    pub(super) fn history_set_page(&mut self, rows: usize) {
        self.history_table_op(|t| t.set_page(rows));
    }

    fn history_table_op(&mut self, f: impl FnOnce(&mut dyn TableOps)) {
        match self.pane {
            Pane::Commands => f(&mut self.history.commands.table),
            Pane::Automations => f(&mut self.history.automations.table),
            Pane::Activations => f(&mut self.history.activations.table),
            Pane::Audit => f(&mut self.history.audit.table),
            _ => {}
        }
    }

    pub(super) fn history_move(&mut self, delta: isize) {
        self.history_table_op(|t| t.move_by(delta));
    }

    pub(super) fn history_scroll(&mut self, delta: isize) {
        self.history_table_op(|t| t.scroll_by(delta));
    }

    pub(super) fn history_click(&mut self, line: usize) -> bool {
        let mut hit = false;
        self.history_table_op(|t| hit = t.click(line));
        hit
    }

    pub(super) fn history_sort_by_header(&mut self, i: usize) -> bool {
        let now = self.now();
        with_table!(
            self,
            now,
            |t, src| {
                let col = t.columns().get(i).copied();
                click_sort(t, &src, col)
            },
            false
        )
    }

    /// Keys of the history, audit and activations panes.
    pub(super) fn history_key(&mut self, key: KeyEvent, action: Option<Action>) -> bool {
        let now = self.now();
        if with_table!(self, now, |t, src| table_nav(t, &src, action), false) {
            return true;
        }
        let details = action == Some(Action::Details);
        match (self.pane, key.code) {
            (_, _) if details => self.open_record(),
            (Pane::Commands, KeyCode::Char('n')) => {
                let target = self
                    .history
                    .selected_command(&self.estate)
                    .and_then(|c| Some((c.scope, c.first_node()?.to_string())));
                match target {
                    Some((s, id)) => self.jump_to_node(Some(s), &id),
                    None => {
                        self.notice = Some(Notice {
                            text: "this command names no node id (tag targets)".into(),
                            error: true,
                        });
                        true
                    }
                }
            }
            (Pane::Audit, KeyCode::Char('r')) => {
                self.history.audit.reload();
                true
            }
            _ => false,
        }
    }

    /// The run this session started that sent command (or automation execution) `id`.
    fn run_of(&self, id: &str) -> Option<crate::actions::RunId> {
        self.actions
            .runs
            .iter()
            .find(|r| {
                r.commands.iter().any(|c| c.command_id == id)
                    || r.automations.iter().any(|(_, a)| a.execution_id == id)
            })
            .map(|r| r.run)
    }

    /// Opens the selected record: the live view when this session started it, else the
    /// record in full.
    fn open_record(&mut self) -> bool {
        let started = match self.pane {
            Pane::Commands => self
                .history
                .selected_command(&self.estate)
                .and_then(|c| self.run_of(&c.command_id)),
            Pane::Automations => self
                .history
                .selected_automation(&self.estate)
                .and_then(|a| self.run_of(&a.execution_id)),
            _ => None,
        };
        if let Some(run) = started {
            self.actions.live = Some(run);
            return true;
        }
        let estate = &self.estate;
        let h = &self.history;
        let record = match self.pane {
            Pane::Commands => h.selected_command(estate).map(|c| Record::Command {
                scope: c.scope,
                id: c.command_id.clone(),
            }),
            Pane::Automations => h.selected_automation(estate).map(|a| Record::Automation {
                scope: a.scope,
                id: a.execution_id.clone(),
            }),
            Pane::Activations => h.selected_activation(estate).map(|a| Record::Activation {
                scope: a.scope,
                id: a.activation_id.clone(),
            }),
            Pane::Audit => h.audit.selected().map(|c| Record::Audit {
                request_id: c.request_id.clone(),
            }),
            _ => None,
        };
        match record {
            Some(record) => {
                self.overlay = Overlay::Record { record, scroll: 0 };
                true
            }
            None => false,
        }
    }

    /// Keys of a record shown in full.
    pub(super) fn record_key(&mut self, key: KeyEvent) -> bool {
        let Overlay::Record { record, scroll } = &mut self.overlay else {
            return false;
        };
        if scroll_key(key.code, scroll) {
            return true;
        }
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') | KeyCode::Enter => self.overlay = Overlay::None,
            KeyCode::Char('n') => {
                let target = match record {
                    Record::Command { scope, id } => self
                        .estate
                        .scope_commands(*scope)
                        .iter()
                        .find(|c| c.command_id == *id)
                        .and_then(|c| Some((*scope, c.first_node()?.to_string()))),
                    _ => None,
                };
                match target {
                    Some((s, id)) => return self.jump_to_node(Some(s), &id),
                    None => return false,
                }
            }
            KeyCode::Char('?') => self.overlay = Overlay::Help,
            _ => return false,
        }
        true
    }

    /// The record the detail view shows, if one is open.
    pub fn record(&self) -> Option<(&Record, u16)> {
        match &self.overlay {
            Overlay::Record { record, scroll } => Some((record, *scroll)),
            _ => None,
        }
    }
}
