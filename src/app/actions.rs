//! The action flows of the cockpit: the Run Command and runbook forms, the confirmation,
//! the change-calendar refusal with its override prompt, the OpsItem status and note
//! dialogs, and the live view of a run (per-node status grouped by scope, output,
//! cancel). Every change leaves as `Effect::Action`; progress comes back as
//! `Msg::Action`.
//!
//! Other panes open these flows with [`App::open_run_command`] (a pre-filled Run Command
//! form), [`App::open_automation`] (a pre-filled runbook form) and
//! [`App::confirm_action`] (any request, straight to the confirmation).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::{CursorMove, TextArea};

use crate::actions::request::{COMMON_COMMAND_DOCUMENTS, COMMON_RUNBOOKS, plural, secret_name};
use crate::actions::{
    ActionEvent, ActionRequest, ActionRun, AutomationSpec, CancelCommandSpec, CommandTarget,
    Confirmation, OpsItemUpdateSpec, RunCommandSpec, RunId, ScopedTarget, StopAutomationSpec,
};
use crate::model::{
    AutomationExecution, CommandInvocation, CommandProgress, DetailRequest, DocumentParameter,
    EXECUTION_TIMEOUT_PATTERN, Feed, InvocationTally, OPS_ITEM_STATUSES, ParameterRule, Scope,
    ScopeId, check_parameters,
};

use super::hints::KeyHint;
use super::keymap::{Action, PaneAction, pane_keys};
use super::{App, Effect, Notice, Pane};

/// Action keys, for the help overlay; absent in read-only mode, as are the hints of
/// mutating actions anywhere. The forms, the confirmation and the live view show their
/// own keys.
pub const ACTION_KEY_HELP: &[KeyHint] = &[
    KeyHint::pane(
        "r / R",
        &[PaneAction::RunCommand, PaneAction::RunOnFiltered],
        "Run Command: selected / filtered",
    ),
    KeyHint::pane("Space", &[PaneAction::Mark], "mark a node for Run Command"),
    KeyHint::pane(
        "a / x",
        &[PaneAction::Runbook, PaneAction::RunSuggested],
        "runbook: on node / OpsItem's",
    ),
    KeyHint::pane(
        "u / e",
        &[PaneAction::SetStatus, PaneAction::AddNote],
        "OpsItem: set status / add note",
    ),
    KeyHint::fixed(":run :runbook", "the forms; :runs the live view"),
    KeyHint::pane(
        "o",
        &[PaneAction::FullOutput],
        "live view: a node's full output",
    ),
    KeyHint::pane("e", &[PaneAction::Edit], "parameter: put a new version"),
    KeyHint::pane(
        "s / i",
        &[PaneAction::Scan, PaneAction::Install],
        "baseline: patch scan / install",
    ),
    KeyHint::pane(
        "i / u",
        &[PaneAction::Install, PaneAction::Uninstall],
        "package: install / uninstall",
    ),
];

/// Which field of a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldKey {
    Document,
    Targets,
    Param(String),
    MaxConcurrency,
    MaxErrors,
    Timeout,
    Comment,
}

/// One field: a label and its editor.
#[derive(Debug, Clone)]
pub struct FormField {
    pub key: FieldKey,
    pub label: String,
    pub editor: TextArea<'static>,
    /// Enter inserts a line (a `commands` parameter, a StringList).
    pub multiline: bool,
    pub required: bool,
    /// A line under the field: the parameter's description, or how to use it.
    pub hint: String,
}

impl FormField {
    fn new(key: FieldKey, label: &str, value: &str, hint: &str) -> FormField {
        let lines: Vec<String> = if value.is_empty() {
            vec![String::new()]
        } else {
            value.lines().map(str::to_string).collect()
        };
        let mut editor = TextArea::new(lines);
        editor.move_cursor(CursorMove::Bottom);
        editor.move_cursor(CursorMove::End);
        FormField {
            key,
            label: label.to_string(),
            editor,
            multiline: false,
            required: false,
            hint: hint.to_string(),
        }
    }

    /// The text, lines joined with `\n`.
    pub fn text(&self) -> String {
        self.editor.lines().join("\n")
    }

    fn set_text(&mut self, text: &str) {
        let mut f = FormField::new(self.key.clone(), &self.label, text, &self.hint);
        f.multiline = self.multiline;
        f.required = self.required;
        *self = f;
    }

    /// Rows the field takes in the form (multi-line fields show a few lines).
    pub fn height(&self) -> u16 {
        if self.multiline {
            (self.editor.lines().len() as u16).clamp(3, 8)
        } else {
            1
        }
    }
}

/// Run Command or a runbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormKind {
    RunCommand {
        /// The nodes selected when the form opened, by scope.
        selection: Vec<ScopedTarget>,
        /// Scopes a tag or resource group target is sent to.
        scopes: Vec<(ScopeId, Scope)>,
    },
    Automation {
        scope: Scope,
        ops_item_id: Option<String>,
    },
}

/// The Run Command or runbook form.
#[derive(Debug, Clone)]
pub struct ActionForm {
    pub kind: FormKind,
    pub fields: Vec<FormField>,
    pub focus: usize,
    pub error: Option<String>,
    /// Documents offered by ↑ ↓ on the document field.
    pub documents: Vec<String>,
    /// The document the parameter fields were made for, and whether AWS described it.
    pub params_of: String,
    pub described: bool,
    /// Secret parameters (values masked).
    pub secrets: Vec<String>,
}

impl ActionForm {
    pub fn document(&self) -> String {
        self.field(&FieldKey::Document)
            .map(|f| f.text().trim().to_string())
            .unwrap_or_default()
    }

    pub fn field(&self, key: &FieldKey) -> Option<&FormField> {
        self.fields.iter().find(|f| f.key == *key)
    }

    fn field_mut(&mut self, key: &FieldKey) -> Option<&mut FormField> {
        self.fields.iter_mut().find(|f| f.key == *key)
    }

    pub fn title(&self) -> &'static str {
        match self.kind {
            FormKind::RunCommand { .. } => "Run Command",
            FormKind::Automation { .. } => "Start runbook",
        }
    }

    /// `40 selected nodes in 3 scopes`, for the targets line.
    pub fn selection_label(&self) -> String {
        match &self.kind {
            FormKind::RunCommand { selection, .. }
                if !selection
                    .iter()
                    .all(|t| matches!(t.target, CommandTarget::Nodes(_))) =>
            {
                let mut labels: Vec<String> = selection.iter().map(|t| t.target.label()).collect();
                labels.sort();
                labels.dedup();
                let count = selection
                    .iter()
                    .map(|t| t.expected)
                    .sum::<Option<usize>>()
                    .map(|n| format!(" · {}", plural(n, "node")))
                    .unwrap_or_default();
                let mut scopes: Vec<&Scope> = Vec::new();
                for t in selection {
                    if !scopes.contains(&&t.scope) {
                        scopes.push(&t.scope);
                    }
                }
                format!(
                    "{} in {}{count}",
                    labels.join(", "),
                    plural(scopes.len(), "scope")
                )
            }
            FormKind::RunCommand { selection, .. } => {
                let n: usize = selection.iter().filter_map(|t| t.expected).sum();
                if n == 0 {
                    "no node selected: give tag:KEY=VALUE or resource-group:NAME".into()
                } else {
                    format!(
                        "{} selected in {}",
                        plural(n, "node"),
                        plural(selection.len(), "scope")
                    )
                }
            }
            FormKind::Automation { scope, .. } => scope.label(),
        }
    }

    fn param_values(&self) -> Vec<(String, Vec<String>)> {
        self.fields
            .iter()
            .filter_map(|f| match &f.key {
                FieldKey::Param(name) => {
                    let values: Vec<String> = if f.multiline {
                        f.editor
                            .lines()
                            .iter()
                            .filter(|l| !l.trim().is_empty())
                            .cloned()
                            .collect()
                    } else {
                        let t = f.text();
                        if t.trim().is_empty() {
                            Vec::new()
                        } else {
                            vec![t]
                        }
                    };
                    (!values.is_empty()).then(|| (name.clone(), values))
                }
                _ => None,
            })
            .collect()
    }

    fn missing_required(&self) -> Option<String> {
        self.fields
            .iter()
            .find(|f| {
                f.required && matches!(f.key, FieldKey::Param(_)) && f.text().trim().is_empty()
            })
            .map(|f| format!("{} is required", f.label))
    }
}

/// The confirmation: exactly what will run.
#[derive(Debug, Clone)]
pub struct ConfirmDialog {
    pub request: ActionRequest,
    pub confirmation: Confirmation,
    /// What the operator typed (the target count, for destructive requests).
    pub typed: String,
    pub error: Option<String>,
    /// The form it came from, to go back to with Esc.
    pub form: Option<Box<ActionForm>>,
}

impl ConfirmDialog {
    /// Whether it runs commands on nodes (Run Command).
    pub fn runs_commands(&self) -> bool {
        matches!(self.request, ActionRequest::RunCommand(_))
    }
}

/// A refusal: the reason, and the override prompt.
#[derive(Debug, Clone)]
pub struct RefusedDialog {
    pub run: RunId,
    pub reason: String,
    pub next_transition: Option<DateTime<Utc>>,
    pub can_override: bool,
    pub wrong_word: bool,
    /// The override word as typed so far.
    pub typed: String,
}

/// The dialog over the panes.
#[derive(Debug, Clone)]
pub enum ActionDialog {
    Form(Box<ActionForm>),
    Confirm(Box<ConfirmDialog>),
    Refused(RefusedDialog),
    /// Pick an OpsItem's new status.
    OpsStatus {
        scope: Scope,
        ops_item_id: String,
        cursor: usize,
    },
    /// Type a note for an OpsItem.
    OpsNote {
        scope: Scope,
        ops_item_id: String,
        editor: Box<TextArea<'static>>,
    },
    /// Quit while runs are in flight or sessions open? `y` quits.
    Quit(QuitDialog),
}

/// The question asked before quitting with work in flight (what is in flight is read
/// afresh at every draw: [`App::quit_blockers`]).
#[derive(Debug, Clone)]
pub struct QuitDialog {
    /// The dialog the question covers; it comes back when the operator stays.
    pub previous: Option<Box<ActionDialog>>,
}

/// The marker AWS puts at the end of an output it cut.
pub const OUTPUT_TRUNCATED: &str = "---Output truncated---";

/// The full output of one node's invocation (GetCommandInvocation), asked for with `o`.
#[derive(Debug, Clone, PartialEq)]
pub enum FullOutput {
    /// Asked; no answer yet.
    Fetching,
    /// Standard output, then standard error after a `--- stderr ---` line; `truncated`
    /// when AWS still cut it (24,000 characters of output, 8,000 of errors).
    Ready {
        text: String,
        truncated: bool,
    },
    Failed(String),
}

impl FullOutput {
    fn of(output: &crate::model::InvocationOutput) -> FullOutput {
        let mut text = output.stdout.clone();
        if !output.stderr.trim().is_empty() {
            if !text.is_empty() && !text.ends_with('\n') {
                text.push('\n');
            }
            text.push_str("--- stderr ---\n");
            text.push_str(&output.stderr);
        }
        FullOutput::Ready {
            truncated: output.stdout.contains(OUTPUT_TRUNCATED)
                || output.stderr.contains(OUTPUT_TRUNCATED),
            text,
        }
    }
}

/// The state of one run.
#[derive(Debug, Clone, PartialEq)]
pub enum RunPhase {
    /// Sent to the executor; nothing heard yet.
    Starting,
    Refused(String),
    Running,
    Finished {
        ok: bool,
        summary: String,
    },
}

/// One command of a run, in one scope.
#[derive(Debug, Clone, PartialEq)]
pub struct CommandView {
    pub scope: Scope,
    pub command_id: String,
    pub progress: Option<CommandProgress>,
    pub invocations: Vec<CommandInvocation>,
}

/// One run: what was asked and what came back.
#[derive(Debug, Clone)]
pub struct RunView {
    pub run: RunId,
    pub request: ActionRequest,
    pub started: DateTime<Utc>,
    pub phase: RunPhase,
    /// (scope, id) of every call that succeeded.
    pub sent: Vec<(Scope, String)>,
    pub overridden: bool,
    pub errors: Vec<String>,
    pub commands: Vec<CommandView>,
    pub automations: Vec<(Scope, AutomationExecution)>,
    /// Selected invocation (or step), counting rows of every scope in order.
    pub cursor: usize,
    pub output_scroll: u16,
    /// Full outputs asked for: (command id, instance id) and what came back.
    pub full_outputs: Vec<((String, String), FullOutput)>,
}

impl RunView {
    fn new(run: RunId, request: ActionRequest, now: DateTime<Utc>) -> RunView {
        RunView {
            run,
            request,
            started: now,
            phase: RunPhase::Starting,
            sent: Vec::new(),
            overridden: false,
            errors: Vec::new(),
            commands: Vec::new(),
            automations: Vec::new(),
            cursor: 0,
            output_scroll: 0,
            full_outputs: Vec::new(),
        }
    }

    /// The full output asked for of one node's invocation.
    pub fn full_output(&self, command_id: &str, instance_id: &str) -> Option<&FullOutput> {
        self.full_outputs
            .iter()
            .find(|((c, i), _)| c == command_id && i == instance_id)
            .map(|(_, o)| o)
    }

    fn set_full_output(&mut self, command_id: &str, instance_id: &str, output: FullOutput) {
        match self
            .full_outputs
            .iter_mut()
            .find(|((c, i), _)| c == command_id && i == instance_id)
        {
            Some((_, o)) => *o = output,
            None => self
                .full_outputs
                .push(((command_id.to_string(), instance_id.to_string()), output)),
        }
    }

    /// Every invocation, scope by scope (the live view's rows, headers aside).
    pub fn invocations(&self) -> impl Iterator<Item = (&CommandView, &CommandInvocation)> {
        self.commands
            .iter()
            .flat_map(|c| c.invocations.iter().map(move |i| (c, i)))
    }

    pub fn invocation_count(&self) -> usize {
        self.commands.iter().map(|c| c.invocations.len()).sum()
    }

    /// Rows the cursor moves over: invocations, or steps of the runbook.
    pub fn row_count(&self) -> usize {
        if self.automations.is_empty() {
            self.invocation_count()
        } else {
            self.automations.iter().map(|(_, e)| e.steps.len()).sum()
        }
    }

    pub fn selected_invocation(&self) -> Option<(&CommandView, &CommandInvocation)> {
        self.invocations().nth(self.cursor)
    }

    /// Every invocation's status, counted.
    pub fn tally(&self) -> InvocationTally {
        InvocationTally::of(self.invocations().map(|(_, i)| i))
    }

    pub fn is_finished(&self) -> bool {
        matches!(self.phase, RunPhase::Finished { .. } | RunPhase::Refused(_))
    }

    /// The request that stops what this run started, while it runs.
    pub fn stop_request(&self) -> Option<ActionRequest> {
        if self.is_finished() || self.sent.is_empty() {
            return None;
        }
        match &self.request {
            ActionRequest::RunCommand(_) => Some(ActionRequest::CancelCommand(CancelCommandSpec {
                commands: self.sent.clone(),
            })),
            ActionRequest::StartAutomation(_) => {
                let (scope, id) = self.sent.first()?.clone();
                Some(ActionRequest::StopAutomation(StopAutomationSpec {
                    scope,
                    execution_id: id,
                }))
            }
            _ => None,
        }
    }
}

/// Everything of the action flows the app keeps.
#[derive(Debug, Default)]
pub struct ActionsView {
    pub dialog: Option<ActionDialog>,
    pub runs: Vec<RunView>,
    /// The run whose live view shows.
    pub live: Option<RunId>,
    next_run: RunId,
    /// Nodes marked on the nodes pane: (scope, instance id).
    pub marked: BTreeSet<(ScopeId, String)>,
}

impl ActionsView {
    /// A dialog or the live view has the keyboard.
    pub fn captures_keys(&self) -> bool {
        self.dialog.is_some() || self.live.is_some()
    }

    pub fn run(&self, run: RunId) -> Option<&RunView> {
        self.runs.iter().find(|r| r.run == run)
    }

    fn run_mut(&mut self, run: RunId) -> Option<&mut RunView> {
        self.runs.iter_mut().find(|r| r.run == run)
    }

    /// The run of the live view.
    pub fn live_run(&self) -> Option<&RunView> {
        self.live.and_then(|r| self.run(r))
    }
}

/// Built-in parameters of common documents, used until DescribeDocument answers:
/// (name, default, multi-line, description).
fn builtin_parameters(document: &str) -> Vec<(&'static str, &'static str, bool, &'static str)> {
    match document {
        "AWS-RunShellScript" | "AWS-RunPowerShellScript" => vec![
            ("commands", "", true, "one command per line"),
            ("workingDirectory", "", false, "where the commands run"),
            (
                "executionTimeout",
                "3600",
                false,
                "seconds the commands may run",
            ),
        ],
        "AWS-RunPatchBaseline" => vec![
            ("Operation", "Scan", false, "Scan or Install"),
            (
                "RebootOption",
                "RebootIfNeeded",
                false,
                "RebootIfNeeded or NoReboot",
            ),
        ],
        "AWS-ConfigureAWSPackage" => vec![
            ("action", "Install", false, "Install or Uninstall"),
            ("name", "", false, "the package"),
            ("version", "", false, "empty: the latest"),
        ],
        "AWS-RestartEC2Instance"
        | "AWS-StopEC2Instance"
        | "AWS-StartEC2Instance"
        | "AWS-TerminateEC2Instance" => vec![
            ("InstanceId", "", false, "the instance"),
            (
                "AutomationAssumeRole",
                "",
                false,
                "role the runbook assumes (optional)",
            ),
        ],
        "AWS-CreateImage" => vec![
            ("InstanceId", "", false, "the instance"),
            (
                "NoReboot",
                "false",
                false,
                "true: no reboot before the image",
            ),
            (
                "AutomationAssumeRole",
                "",
                false,
                "role the runbook assumes (optional)",
            ),
        ],
        _ => Vec::new(),
    }
}

/// Rules of common documents, used until their content is read: AWS-RunShellScript's and
/// AWS-RunPowerShellScript's `executionTimeout`.
fn builtin_rules(document: &str) -> Vec<ParameterRule> {
    match document {
        "AWS-RunShellScript" | "AWS-RunPowerShellScript" => vec![ParameterRule {
            name: "executionTimeout".into(),
            param_type: "String".into(),
            allowed_pattern: Some(EXECUTION_TIMEOUT_PATTERN.into()),
            ..ParameterRule::default()
        }],
        _ => Vec::new(),
    }
}

/// The document a Run Command or runbook request runs (empty for other requests).
fn request_document(request: &ActionRequest) -> String {
    match request {
        ActionRequest::RunCommand(spec) => spec.document.clone(),
        ActionRequest::StartAutomation(spec) => spec.document.clone(),
        _ => String::new(),
    }
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").trim().to_string()
}

impl App {
    /// The scope of a scope id.
    fn scope_of(&self, id: ScopeId) -> Option<Scope> {
        self.estate
            .scopes()
            .get(id as usize)
            .map(|s| s.scope.clone())
    }

    pub(super) fn scope_id_of(&self, scope: &Scope) -> Option<ScopeId> {
        self.estate
            .scopes()
            .iter()
            .position(|s| s.scope == *scope)
            .map(|i| i as ScopeId)
    }

    fn action_note(&mut self, text: impl Into<String>, error: bool) {
        self.notice = Some(Notice {
            text: text.into(),
            error,
        });
    }

    /// Documents offered by a form: the common ones, then every one the estate listed.
    fn offered_documents(&self, automation: bool) -> Vec<String> {
        let (common, kind) = if automation {
            (COMMON_RUNBOOKS, "Automation")
        } else {
            (COMMON_COMMAND_DOCUMENTS, "Command")
        };
        let mut docs: Vec<String> = common.iter().map(|s| s.to_string()).collect();
        let mut listed: Vec<String> = self
            .estate
            .documents()
            .filter(|d| d.document_type == kind)
            .map(|d| d.name.clone())
            .collect();
        listed.sort();
        for d in listed {
            if !docs.contains(&d) {
                docs.push(d);
            }
        }
        docs
    }

    /// Nodes the Run Command form starts with: the marked ones, else the selected one.
    fn selection_targets(&self, filtered: bool) -> Vec<ScopedTarget> {
        let mut by_scope: Vec<(ScopeId, Vec<String>)> = Vec::new();
        let mut add =
            |scope: ScopeId, id: String| match by_scope.iter_mut().find(|(s, _)| *s == scope) {
                Some((_, v)) => v.push(id),
                None => by_scope.push((scope, vec![id])),
            };
        if filtered {
            for r in self.panes.nodes.rows() {
                if let Some(n) = self.estate.node(r.scope, r.idx) {
                    add(n.scope, n.instance_id.clone());
                }
            }
        } else if !self.actions.marked.is_empty() {
            for (s, id) in &self.actions.marked {
                add(*s, id.clone());
            }
        } else if let Some(n) = self.panes.nodes.selected_node(&self.estate) {
            add(n.scope, n.instance_id.clone());
        }
        by_scope
            .into_iter()
            .filter_map(|(s, ids)| Some(ScopedTarget::nodes(self.scope_of(s)?, ids)))
            .collect()
    }

    /// The scopes shown (the scope filter), for tag and resource-group targets.
    fn shown_scopes(&self) -> Vec<(ScopeId, Scope)> {
        self.estate
            .scopes()
            .iter()
            .enumerate()
            .filter(|(i, _)| self.mask.get(*i).copied().unwrap_or(true))
            .map(|(i, s)| (i as ScopeId, s.scope.clone()))
            .collect()
    }

    /// The forms offer the accounts' own documents: poll ListDocuments while they are
    /// used (until the next pane switch).
    fn want_documents(&mut self) {
        if !self.wanted.contains(Feed::Documents) {
            self.wanted = self.wanted.with(Feed::Documents);
            self.push_effect(Effect::WantFeeds(self.wanted));
        }
    }

    /// Opens the Run Command form pre-filled with `spec`: its document, parameters and
    /// targets (empty targets: the marked or selected nodes). Other panes use this to
    /// offer Run Command with their document (AWS-RunPatchBaseline,
    /// AWS-ConfigureAWSPackage, ...). Does nothing in read-only mode.
    pub fn open_run_command(&mut self, spec: RunCommandSpec) -> bool {
        if self.options.read_only {
            self.action_note("read-only: nothing can be run", true);
            return true;
        }
        self.want_documents();
        let selection = if spec.targets.is_empty() {
            self.selection_targets(false)
        } else {
            spec.targets.clone()
        };
        let mut form = ActionForm {
            kind: FormKind::RunCommand {
                selection,
                scopes: self.shown_scopes(),
            },
            fields: vec![
                FormField::new(
                    FieldKey::Document,
                    "Document",
                    &spec.document,
                    "↑ ↓ pick a document, or type its name",
                ),
                FormField::new(
                    FieldKey::Targets,
                    "Targets",
                    "",
                    "empty: the nodes above · tag:KEY=VALUE · resource-group:NAME · ids",
                ),
                FormField::new(
                    FieldKey::MaxConcurrency,
                    "MaxConcurrency",
                    &spec.max_concurrency,
                    "nodes at a time: 10 or 10%",
                ),
                FormField::new(
                    FieldKey::MaxErrors,
                    "MaxErrors",
                    &spec.max_errors,
                    "errors before it stops: 0, 5 or 10%",
                ),
                FormField::new(
                    FieldKey::Timeout,
                    "Timeout (s)",
                    &spec
                        .timeout_seconds
                        .map(|t| t.to_string())
                        .unwrap_or_default(),
                    "seconds to wait for delivery",
                ),
                FormField::new(
                    FieldKey::Comment,
                    "Comment",
                    &spec.comment,
                    "shown in the history",
                ),
            ],
            focus: 0,
            error: None,
            documents: self.offered_documents(false),
            params_of: String::new(),
            described: false,
            secrets: spec.secret_parameters.clone(),
        };
        self.sync_form_parameters(&mut form, &spec.parameters);
        // Pre-filled: start on the first parameter.
        if !spec.document.is_empty() {
            form.focus = form
                .fields
                .iter()
                .position(|f| matches!(f.key, FieldKey::Param(_)))
                .unwrap_or(0);
        }
        self.actions.dialog = Some(ActionDialog::Form(Box::new(form)));
        true
    }

    /// Opens the runbook form pre-filled with `spec` (its scope, runbook, parameters).
    pub fn open_automation(&mut self, spec: AutomationSpec) -> bool {
        if self.options.read_only {
            self.action_note("read-only: nothing can be run", true);
            return true;
        }
        self.want_documents();
        let mut form = ActionForm {
            kind: FormKind::Automation {
                scope: spec.scope.clone(),
                ops_item_id: spec.ops_item_id.clone(),
            },
            fields: vec![FormField::new(
                FieldKey::Document,
                "Runbook",
                &spec.document,
                "↑ ↓ pick a runbook, or type its name",
            )],
            focus: 0,
            error: None,
            documents: self.offered_documents(true),
            params_of: String::new(),
            described: false,
            secrets: spec.secret_parameters.clone(),
        };
        self.sync_form_parameters(&mut form, &spec.parameters);
        self.actions.dialog = Some(ActionDialog::Form(Box::new(form)));
        true
    }

    /// Shows the confirmation of `request` (any action); `y` (or the typed count) sends it.
    pub fn confirm_action(&mut self, request: ActionRequest) -> bool {
        if self.options.read_only {
            self.action_note("read-only: nothing can be changed", true);
            return true;
        }
        if let Err(e) = request.validate() {
            self.action_note(e, true);
            return true;
        }
        let document = request_document(&request);
        if !document.is_empty()
            && let Err(e) = self.check_document_scopes(&document, &request.scopes())
        {
            self.action_note(e, true);
            return true;
        }
        self.actions.dialog = Some(ActionDialog::Confirm(Box::new(ConfirmDialog {
            confirmation: request.confirmation(),
            request,
            typed: String::new(),
            error: None,
            form: None,
        })));
        true
    }

    /// The scope a form's document is described in.
    fn form_scope(&self, form: &ActionForm) -> Option<ScopeId> {
        match &form.kind {
            FormKind::RunCommand { selection, scopes } => selection
                .first()
                .and_then(|t| self.scope_id_of(&t.scope))
                .or_else(|| scopes.first().map(|(i, _)| *i)),
            FormKind::Automation { scope, .. } => self.scope_id_of(scope),
        }
    }

    /// Rebuilds the parameter fields for the form's document: AWS's description when
    /// the estate has it (else asks for it), built-in ones meanwhile. Values typed (or
    /// `prefill`) are kept by name.
    fn sync_form_parameters(&mut self, form: &mut ActionForm, prefill: &[(String, Vec<String>)]) {
        let document = form.document();
        let scope = self.form_scope(form);
        let detail = scope.and_then(|s| self.estate.document_detail(s, &document));
        let described = detail.is_some();
        if document == form.params_of && (form.described || !described) && prefill.is_empty() {
            return;
        }
        let mut values: Vec<(String, String)> = form
            .fields
            .iter()
            .filter_map(|f| match &f.key {
                FieldKey::Param(n) => Some((n.clone(), f.text())),
                _ => None,
            })
            .collect();
        for (n, v) in prefill {
            values.retain(|(k, _)| k != n);
            values.push((n.clone(), v.join("\n")));
        }
        let params: Vec<DocumentParameter> = match detail {
            Some(d) => d.description.parameters.clone(),
            None => builtin_parameters(&document)
                .into_iter()
                .map(|(name, default, _, description)| DocumentParameter {
                    name: name.into(),
                    param_type: if name == "commands" {
                        "StringList".into()
                    } else {
                        "String".into()
                    },
                    description: description.into(),
                    default_value: (!default.is_empty() || name != "commands")
                        .then(|| default.to_string()),
                })
                .collect(),
        };
        // Parameters given but not declared are kept too.
        let mut fields: Vec<FormField> = Vec::new();
        for p in &params {
            let value = values
                .iter()
                .find(|(n, _)| *n == p.name)
                .map(|(_, v)| v.clone())
                .or_else(|| p.default_value.clone())
                .unwrap_or_default();
            let mut f = FormField::new(
                FieldKey::Param(p.name.clone()),
                &p.name,
                &value,
                &first_line(&p.description),
            );
            f.multiline = p.param_type == "StringList" || p.name == "commands";
            f.required = p.required();
            if form.secrets.contains(&p.name) || secret_name(&p.name) {
                f.editor.set_mask_char('•');
            }
            fields.push(f);
        }
        for (n, v) in values {
            if !params.iter().any(|p| p.name == n) && !v.is_empty() {
                let mut f = FormField::new(FieldKey::Param(n.clone()), &n, &v, "");
                f.multiline = v.contains('\n');
                fields.push(f);
            }
        }
        let focused = form.fields.get(form.focus).map(|f| f.key.clone());
        form.fields.retain(|f| !matches!(f.key, FieldKey::Param(_)));
        let at = form
            .fields
            .iter()
            .position(|f| f.key == FieldKey::Targets)
            .map_or(1, |i| i + 1)
            .min(form.fields.len());
        for (k, f) in fields.into_iter().enumerate() {
            form.fields.insert(at + k, f);
        }
        form.focus = focused
            .and_then(|k| form.fields.iter().position(|f| f.key == k))
            .unwrap_or(0);
        if !described
            && let Some(s) = scope
            && !document.is_empty()
            && document != form.params_of
        {
            self.push_effect(Effect::Request(DetailRequest::Document {
                scope: s,
                name: super::documents::document_ref(&self.estate, s, &document),
                version: None,
            }));
        }
        form.params_of = document;
        form.described = described;
    }

    /// After a feed event: a form waiting for its document's description gets it.
    pub fn refresh_action_form(&mut self) -> bool {
        let Some(ActionDialog::Form(form)) = &self.actions.dialog else {
            return false;
        };
        if form.described {
            return false;
        }
        let Some(scope) = self.form_scope(form) else {
            return false;
        };
        if self
            .estate
            .document_detail(scope, &form.document())
            .is_none()
        {
            return false;
        }
        let Some(ActionDialog::Form(mut form)) = self.actions.dialog.take() else {
            return false;
        };
        self.sync_form_parameters(&mut form, &[]);
        self.actions.dialog = Some(ActionDialog::Form(form));
        true
    }

    /// What the form's document allows of its parameters: from its content once it is
    /// described, built in for the common documents meanwhile.
    fn form_rules(&self, form: &ActionForm) -> Vec<ParameterRule> {
        let document = form.document();
        match self
            .form_scope(form)
            .and_then(|s| self.estate.document_detail(s, &document))
        {
            Some(d) => d.parameter_rules.clone(),
            None => builtin_rules(&document),
        }
    }

    /// The request the form describes, or what is wrong with it.
    fn form_request(&self, form: &ActionForm) -> Result<ActionRequest, String> {
        let document = form.document();
        if document.is_empty() {
            return Err("pick a document".into());
        }
        if let Some(e) = form.missing_required() {
            return Err(e);
        }
        let parameters = form.param_values();
        check_parameters(&self.form_rules(form), &parameters)?;
        let text = |k: FieldKey| {
            form.field(&k)
                .map(|f| f.text().trim().to_string())
                .unwrap_or_default()
        };
        match &form.kind {
            FormKind::Automation { scope, ops_item_id } => {
                self.check_document_scopes(&document, std::slice::from_ref(scope))?;
                let document = self.document_ref_in(scope, &document);
                Ok(ActionRequest::StartAutomation(AutomationSpec {
                    parameters,
                    secret_parameters: form.secrets.clone(),
                    ops_item_id: ops_item_id.clone(),
                    ..AutomationSpec::new(scope.clone(), document)
                }))
            }
            FormKind::RunCommand { selection, scopes } => {
                let target_text = text(FieldKey::Targets);
                let targets = if target_text.is_empty() {
                    selection.clone()
                } else {
                    self.resolve_targets(&target_text, scopes)?
                };
                let timeout = text(FieldKey::Timeout);
                let timeout_seconds =
                    if timeout.is_empty() {
                        None
                    } else {
                        Some(timeout.parse::<i32>().map_err(|_| {
                            format!("timeout `{timeout}` is not a number of seconds")
                        })?)
                    };
                let spec = RunCommandSpec {
                    document,
                    document_version: None,
                    parameters,
                    secret_parameters: form.secrets.clone(),
                    targets,
                    max_concurrency: text(FieldKey::MaxConcurrency),
                    max_errors: text(FieldKey::MaxErrors),
                    timeout_seconds,
                    comment: text(FieldKey::Comment),
                    document_refs: Vec::new(),
                };
                let document_refs = spec
                    .targets
                    .iter()
                    .map(|t| {
                        (
                            t.scope.clone(),
                            self.document_ref_in(&t.scope, &spec.document),
                        )
                    })
                    .filter(|(_, r)| *r != spec.document)
                    .collect();
                let spec = RunCommandSpec {
                    document_refs,
                    ..spec
                };
                let request = ActionRequest::RunCommand(spec);
                request.validate()?;
                self.check_document_scopes(&request_document(&request), &request.scopes())?;
                Ok(request)
            }
        }
    }

    /// Targets typed in the form, by scope: a tag or group in every scope shown (with
    /// the count of nodes known to match), node ids in their own scopes.
    fn resolve_targets(
        &self,
        text: &str,
        scopes: &[(ScopeId, Scope)],
    ) -> Result<Vec<ScopedTarget>, String> {
        let target = CommandTarget::parse(text)?;
        match &target {
            CommandTarget::Nodes(ids) => {
                let mut out: Vec<ScopedTarget> = Vec::new();
                for id in ids {
                    let home = self.estate.scopes().iter().enumerate().find(|(i, _)| {
                        self.estate
                            .scope_nodes(*i as ScopeId)
                            .iter()
                            .any(|n| n.instance_id == *id)
                    });
                    let Some((_, s)) = home else {
                        return Err(format!("node {id} is not in any scope watched"));
                    };
                    match out.iter_mut().find(|t| t.scope == s.scope) {
                        Some(ScopedTarget {
                            target: CommandTarget::Nodes(v),
                            expected,
                            ..
                        }) => {
                            v.push(id.clone());
                            *expected = Some(v.len());
                        }
                        _ => out.push(ScopedTarget::nodes(s.scope.clone(), vec![id.clone()])),
                    }
                }
                Ok(out)
            }
            CommandTarget::Tag { key, value } => Ok(scopes
                .iter()
                .map(|(i, s)| {
                    let nodes = self.estate.scope_nodes(*i);
                    let known = nodes.iter().all(|n| n.tags.is_some());
                    let n = nodes
                        .iter()
                        .filter(|n| {
                            n.tags
                                .as_ref()
                                .is_some_and(|t| t.iter().any(|(k, v)| k == key && v == value))
                        })
                        .count();
                    ScopedTarget {
                        scope: s.clone(),
                        target: target.clone(),
                        expected: known.then_some(n),
                    }
                })
                .filter(|t| t.expected != Some(0))
                .collect()),
            CommandTarget::ResourceGroup(_) => Ok(scopes
                .iter()
                .map(|(_, s)| ScopedTarget {
                    scope: s.clone(),
                    target: target.clone(),
                    expected: None,
                })
                .collect()),
        }
    }

    /// Keys while a dialog or the live view is up, and the action keys of the panes.
    /// `None`: not an action key.
    pub(super) fn action_key(&mut self, key: &KeyEvent) -> Option<bool> {
        if self.actions.dialog.is_some() {
            return Some(self.dialog_key(key));
        }
        if self.actions.live.is_some() {
            return Some(self.live_key(key));
        }
        if self.filter_editing || self.command.is_some() {
            return None;
        }
        // Read-only mode never gets these: the key map strips them (all change AWS).
        let read_only = self.options.read_only;
        let pane_action = match (&self.overlay, self.pane) {
            (super::Overlay::None, Pane::Nodes) => {
                self.keys.pane_action(key, read_only, pane_keys::NODES)
            }
            (super::Overlay::None, Pane::OpsCenter) => {
                self.keys.pane_action(key, read_only, pane_keys::OPS)
            }
            (super::Overlay::OpsItem { .. }, _) => {
                self.keys.pane_action(key, read_only, pane_keys::OPS_ITEM)
            }
            _ => None,
        };
        match pane_action? {
            PaneAction::RunCommand => {
                Some(self.open_run_command(RunCommandSpec::new("AWS-RunShellScript")))
            }
            PaneAction::RunOnFiltered => {
                let targets = self.selection_targets(true);
                Some(self.open_run_command(RunCommandSpec {
                    targets,
                    ..RunCommandSpec::new("AWS-RunShellScript")
                }))
            }
            PaneAction::Mark => Some(self.toggle_mark()),
            PaneAction::Runbook => {
                let Some(node) = self.panes.nodes.selected_node(&self.estate) else {
                    return Some(false);
                };
                let (s, id) = (node.scope, node.instance_id.clone());
                let scope = self.scope_of(s)?;
                let spec = AutomationSpec::new(scope, "AWS-RestartEC2Instance")
                    .with_parameter("InstanceId", vec![id]);
                Some(self.open_automation(spec))
            }
            a @ (PaneAction::RunSuggested
            | PaneAction::RunbookForm
            | PaneAction::SetStatus
            | PaneAction::AddNote) => Some(self.ops_item_action(a)),
            // The pane's own (or the popup's) keys.
            _ => None,
        }
    }

    fn toggle_mark(&mut self) -> bool {
        let Some(node) = self.panes.nodes.selected_node(&self.estate) else {
            return false;
        };
        let k = (node.scope, node.instance_id.clone());
        if !self.actions.marked.remove(&k) {
            self.actions.marked.insert(k);
        }
        let n = self.actions.marked.len();
        self.panes.nodes.move_by(&self.estate, 1);
        let run = self.key_name(PaneAction::RunCommand, ":run");
        self.action_note(
            if n == 0 {
                "no node marked".to_string()
            } else {
                format!("{} marked · {run} runs on them", plural(n, "node"))
            },
            false,
        );
        true
    }

    /// The OpsItem of the OpsCenter pane or the open OpsItem view.
    fn current_ops_item(&self) -> Option<(Scope, crate::model::OpsItem)> {
        let item = match &self.overlay {
            super::Overlay::OpsItem { scope, id, .. } => self
                .estate
                .scope_ops_items(*scope)
                .iter()
                .find(|i| i.id == *id)?,
            _ => self.panes.ops.selected(&self.estate)?,
        };
        Some((self.scope_of(item.scope)?, item.clone()))
    }

    /// `x`: the runbook the OpsItem suggests, on its resource, straight to the
    /// confirmation; `X`: the same in the form; `u`: status; `e`: a note.
    fn ops_item_action(&mut self, action: PaneAction) -> bool {
        let Some((scope, item)) = self.current_ops_item() else {
            self.action_note("no OpsItem selected", true);
            return true;
        };
        let in_form = action == PaneAction::RunbookForm;
        match action {
            PaneAction::SetStatus => {
                let cursor = OPS_ITEM_STATUSES
                    .iter()
                    .position(|s| *s == item.status)
                    .map_or(0, |i| (i + 1) % OPS_ITEM_STATUSES.len());
                self.actions.dialog = Some(ActionDialog::OpsStatus {
                    scope,
                    ops_item_id: item.id,
                    cursor,
                });
                true
            }
            PaneAction::AddNote => {
                let mut editor = Box::new(TextArea::default());
                editor.set_placeholder_text("what was done, what was found");
                self.actions.dialog = Some(ActionDialog::OpsNote {
                    scope,
                    ops_item_id: item.id,
                    editor,
                });
                true
            }
            _ => {
                let runbook = item.runbooks.first().cloned();
                let node = item.resources.iter().find_map(|r| super::node_id_of(r));
                let Some(runbook) =
                    runbook.or_else(|| in_form.then(|| "AWS-RestartEC2Instance".to_string()))
                else {
                    let form = self.key_name(PaneAction::RunbookForm, ":runbook");
                    self.action_note(
                        format!(
                            "{} suggests no runbook ({form} opens the runbook form)",
                            item.id
                        ),
                        true,
                    );
                    return true;
                };
                let sid = self.scope_id_of(&scope);
                // A Command document (AWS-RunPatchBaseline) is not a runbook: it goes to the
                // Run Command form on the item's node, where its choices (Scan or Install)
                // are made.
                let is_command = sid
                    .and_then(|id| {
                        self.estate
                            .scope_documents(id)
                            .iter()
                            .find(|d| d.name == runbook)
                            .map(|d| d.document_type == "Command")
                    })
                    .unwrap_or(runbook == "AWS-RunPatchBaseline");
                if is_command {
                    let mut spec = RunCommandSpec::new(runbook);
                    if let Some(n) = node {
                        spec.targets = vec![ScopedTarget::nodes(scope, vec![n])];
                    }
                    return self.open_run_command(spec);
                }
                let db = item.resources.iter().find_map(|r| db_instance_of(r));
                let described = sid
                    .and_then(|id| self.estate.document_detail(id, &runbook))
                    .map(|d| d.description.clone());
                let mut spec = AutomationSpec::new(scope, runbook);
                spec.ops_item_id = Some(item.id.clone());
                let declares = |name: &str| {
                    described
                        .as_ref()
                        .is_some_and(|d| d.parameter(name).is_some())
                };
                match (node, db) {
                    (Some(n), _) => spec = spec.with_parameter("InstanceId", vec![n]),
                    (None, Some(db)) if declares("DBInstanceIdentifier") => {
                        spec = spec.with_parameter("DBInstanceIdentifier", vec![db])
                    }
                    (None, Some(db)) => spec = spec.with_parameter("InstanceId", vec![db]),
                    (None, None) => {}
                }
                // Straight to the confirmation unless the runbook is known to require a
                // parameter the item cannot fill (AWS still checks at the start).
                let missing: Vec<String> = described
                    .as_ref()
                    .map(|d| {
                        d.parameters
                            .iter()
                            .filter(|p| p.required())
                            .filter(|p| !spec.parameters.iter().any(|(n, _)| *n == p.name))
                            .map(|p| p.name.clone())
                            .collect()
                    })
                    .unwrap_or_default();
                if in_form || !missing.is_empty() {
                    let opened = self.open_automation(spec);
                    if !missing.is_empty() {
                        self.action_note(format!("fill in {}", missing.join(", ")), false);
                    }
                    opened
                } else {
                    self.confirm_action(ActionRequest::StartAutomation(spec))
                }
            }
        }
    }

    /// `:run [DOCUMENT]`, `:runbook [NAME]`, `:runs`: the action commands of the `:`
    /// line. `None`: not one of them.
    pub(super) fn action_command(&mut self, line: &str) -> Option<bool> {
        let mut words = line.split_whitespace();
        let head = words.next()?.to_lowercase();
        let rest: Vec<&str> = words.collect();
        match head.as_str() {
            "run" => {
                let doc = rest.first().copied().unwrap_or("AWS-RunShellScript");
                Some(self.open_run_command(RunCommandSpec::new(doc)))
            }
            "runbook" => {
                let doc = rest.first().copied().unwrap_or("AWS-RestartEC2Instance");
                let node = self
                    .panes
                    .nodes
                    .selected_node(&self.estate)
                    .map(|n| (n.scope, n.instance_id.clone()));
                let scope = node
                    .as_ref()
                    .and_then(|(s, _)| self.scope_of(*s))
                    .or_else(|| self.shown_scopes().first().map(|(_, s)| s.clone()));
                let Some(scope) = scope else {
                    self.action_note("no scope yet: wait for the estate to load", true);
                    return Some(true);
                };
                let mut spec = AutomationSpec::new(scope, doc);
                if let Some((_, id)) = node {
                    spec = spec.with_parameter("InstanceId", vec![id]);
                }
                Some(self.open_automation(spec))
            }
            // Quits without asking, runs in flight and sessions open or not.
            "q!" => {
                self.quit = true;
                Some(true)
            }
            "runs" | "live" => {
                match self.actions.runs.last().map(|r| r.run) {
                    Some(r) => self.actions.live = Some(r),
                    None => {
                        let run = self.key_name(PaneAction::RunCommand, ":run");
                        self.action_note(
                            format!("no run yet ({run} on the nodes pane runs a command)"),
                            true,
                        )
                    }
                }
                Some(true)
            }
            _ => None,
        }
    }

    /// Pasted text into the focused field of a dialog.
    pub(super) fn action_paste(&mut self, text: &str) -> bool {
        match &mut self.actions.dialog {
            Some(ActionDialog::Form(form)) => {
                if let Some(f) = form.fields.get_mut(form.focus) {
                    let t = if f.multiline {
                        text.to_string()
                    } else {
                        text.replace(['\n', '\r'], " ")
                    };
                    f.editor.insert_str(t);
                }
                true
            }
            Some(ActionDialog::OpsNote { editor, .. }) => {
                editor.insert_str(text);
                true
            }
            Some(ActionDialog::Refused(r)) => {
                r.typed
                    .extend(text.chars().filter(|c| !c.is_control()).take(64));
                true
            }
            _ => false,
        }
    }

    fn dialog_key(&mut self, key: &KeyEvent) -> bool {
        let Some(dialog) = self.actions.dialog.take() else {
            return false;
        };
        match dialog {
            ActionDialog::Quit(q) => self.quit_key(q, key),
            ActionDialog::Form(form) => self.form_key(form, key),
            ActionDialog::Confirm(c) => self.confirm_key(c, key),
            ActionDialog::Refused(r) => self.refused_key(r, key),
            ActionDialog::OpsStatus {
                scope,
                ops_item_id,
                cursor,
            } => self.ops_status_key(scope, ops_item_id, cursor, key),
            ActionDialog::OpsNote {
                scope,
                ops_item_id,
                editor,
            } => self.ops_note_key(scope, ops_item_id, editor, key),
        }
    }

    /// The first key bound to `a`, as notes write it; `otherwise` when none is.
    fn key_name(&self, a: PaneAction, otherwise: &str) -> String {
        match self.keys.pane_key(a) {
            Some(k) => k.to_string(),
            None => otherwise.to_string(),
        }
    }

    /// The dialog action `key` is bound to among `set` (never a mutating one in
    /// read-only mode).
    fn dialog_action(&self, key: &KeyEvent, set: &[PaneAction]) -> Option<PaneAction> {
        self.keys.pane_action(key, self.options.read_only, set)
    }

    /// A key in the Run Command / runbook form: move between fields, pick a document,
    /// edit, or go to the review. Every key but these is text for the focused field.
    fn form_key(&mut self, mut form: Box<ActionForm>, key: &KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let focused = form.fields.get(form.focus);
        let on_document = focused.is_some_and(|f| f.key == FieldKey::Document);
        let single_line = focused.is_some_and(|f| !f.multiline);
        if self.dialog_action(key, pane_keys::FORM) == Some(PaneAction::Review) {
            return self.review(form);
        }
        match key.code {
            KeyCode::Esc => return true,
            KeyCode::Tab => self.form_focus(&mut form, 1),
            KeyCode::BackTab => self.form_focus(&mut form, -1),
            KeyCode::Up | KeyCode::Down if on_document => {
                self.cycle_document(&mut form, key.code == KeyCode::Down);
            }
            KeyCode::Up | KeyCode::Down if single_line => {
                self.form_focus(&mut form, if key.code == KeyCode::Down { 1 } else { -1 });
            }
            KeyCode::Enter if single_line => {
                if form.focus + 1 >= form.fields.len() {
                    return self.review(form);
                }
                self.form_focus(&mut form, 1);
            }
            // As in the filter bar: the line up to the cursor goes.
            KeyCode::Char('u') if ctrl => {
                if let Some(f) = form.fields.get_mut(form.focus) {
                    f.editor.delete_line_by_head();
                    form.error = None;
                }
            }
            _ => {
                if let Some(f) = form.fields.get_mut(form.focus) {
                    f.editor.input(*key);
                    form.error = None;
                }
            }
        }
        self.actions.dialog = Some(ActionDialog::Form(form));
        true
    }

    /// The next (or previous) of the form's documents, with its parameters.
    fn cycle_document(&mut self, form: &mut ActionForm, down: bool) {
        let docs = &form.documents;
        if docs.is_empty() {
            return;
        }
        let cur = form.document();
        let i = docs.iter().position(|d| *d == cur);
        let n = docs.len();
        let next = match (i, down) {
            (Some(i), true) => (i + 1) % n,
            (Some(i), false) => (i + n - 1) % n,
            (None, _) => 0,
        };
        let name = docs[next].clone();
        if let Some(f) = form.field_mut(&FieldKey::Document) {
            f.set_text(&name);
        }
        self.sync_form_parameters(form, &[]);
    }

    /// A key in the confirmation: `y` (confirm), or the typed count and Enter; Esc (or
    /// `n`, back) goes back.
    fn confirm_key(&mut self, mut c: Box<ConfirmDialog>, key: &KeyEvent) -> bool {
        let typed_count = c.confirmation.typed_count;
        let action = self.dialog_action(key, pane_keys::CONFIRM);
        let back = key.code == KeyCode::Esc || action == Some(PaneAction::Back);
        match key.code {
            _ if back && c.typed.is_empty() => {
                self.actions.dialog = c.form.take().map(ActionDialog::Form);
                return true;
            }
            KeyCode::Esc => c.typed.clear(),
            _ if action == Some(PaneAction::Confirm) && typed_count.is_none() => {
                // Its confirmation said where the commands run.
                self.sessions.unsandboxed_ok |= c.runs_commands();
                self.start_run(c.request, None);
                return true;
            }
            KeyCode::Enter if typed_count.is_some() => {
                let want = typed_count.unwrap_or(0).to_string();
                if c.typed.trim() == want {
                    self.start_run(c.request, None);
                    return true;
                }
                c.error = Some(format!(
                    "type {want} (the {}) to go on",
                    c.confirmation.typed_what
                ));
                c.typed.clear();
            }
            KeyCode::Backspace => {
                c.typed.pop();
            }
            KeyCode::Char(d) if d.is_ascii_digit() && typed_count.is_some() => {
                if c.typed.len() < 9 {
                    c.typed.push(d);
                }
                c.error = None;
            }
            _ => {}
        }
        self.actions.dialog = Some(ActionDialog::Confirm(c));
        true
    }

    /// A key in the change-calendar refusal: type the override word and Enter, or Esc.
    fn refused_key(&mut self, mut r: RefusedDialog, key: &KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => return true,
            KeyCode::Enter if r.can_override && !r.typed.trim().is_empty() => {
                let typed = r.typed.trim().to_string();
                if let Some(run) = self.actions.run_mut(r.run) {
                    run.phase = RunPhase::Starting;
                    let request = run.request.clone();
                    self.rerun(r.run, request, typed);
                }
                return true;
            }
            KeyCode::Backspace => {
                r.typed.pop();
            }
            KeyCode::Char(ch)
                if !ctrl && !ch.is_control() && r.can_override && r.typed.chars().count() < 64 =>
            {
                r.typed.push(ch);
            }
            _ => {}
        }
        self.actions.dialog = Some(ActionDialog::Refused(r));
        true
    }

    /// A key in the OpsItem status picker.
    fn ops_status_key(
        &mut self,
        scope: Scope,
        ops_item_id: String,
        cursor: usize,
        key: &KeyEvent,
    ) -> bool {
        let n = OPS_ITEM_STATUSES.len();
        let pick = match self.dialog_action(key, pane_keys::STATUS) {
            Some(PaneAction::StatusOpen) => Some("Open"),
            Some(PaneAction::StatusInProgress) => Some("InProgress"),
            Some(PaneAction::StatusResolved) => Some("Resolved"),
            _ => None,
        }
        .and_then(|status| OPS_ITEM_STATUSES.iter().position(|s| *s == status));
        let action = self.keys.action(key);
        let cursor = match (pick, key.code) {
            (Some(picked), _) => picked,
            (_, KeyCode::Esc) => return true,
            (_, KeyCode::Enter) => {
                return self.confirm_action(ActionRequest::UpdateOpsItem(OpsItemUpdateSpec {
                    scope,
                    ops_item_id,
                    status: Some(OPS_ITEM_STATUSES[cursor.min(n - 1)].to_string()),
                    note: None,
                }));
            }
            (_, KeyCode::Tab) => (cursor + 1) % n,
            (_, KeyCode::BackTab) => (cursor + n - 1) % n,
            _ if action == Some(Action::Down) => (cursor + 1) % n,
            _ if action == Some(Action::Up) => (cursor + n - 1) % n,
            _ => cursor,
        };
        self.actions.dialog = Some(ActionDialog::OpsStatus {
            scope,
            ops_item_id,
            cursor,
        });
        true
    }

    /// A key in the OpsItem note editor: review (F2 or Ctrl-s) sends the note; every other
    /// key is text.
    fn ops_note_key(
        &mut self,
        scope: Scope,
        ops_item_id: String,
        mut editor: Box<TextArea<'static>>,
        key: &KeyEvent,
    ) -> bool {
        let send = self.dialog_action(key, pane_keys::FORM) == Some(PaneAction::Review);
        match key.code {
            KeyCode::Esc => return true,
            _ if send => {
                let note = editor.lines().join("\n").trim().to_string();
                if note.is_empty() {
                    self.action_note("the note is empty", true);
                    return true;
                }
                return self.confirm_action(ActionRequest::UpdateOpsItem(OpsItemUpdateSpec {
                    scope,
                    ops_item_id,
                    status: None,
                    note: Some(note),
                }));
            }
            _ => {
                editor.input(*key);
            }
        }
        self.actions.dialog = Some(ActionDialog::OpsNote {
            scope,
            ops_item_id,
            editor,
        });
        true
    }

    fn form_focus(&mut self, form: &mut ActionForm, delta: isize) {
        let n = form.fields.len() as isize;
        if n == 0 {
            return;
        }
        let leaving_document = form
            .fields
            .get(form.focus)
            .is_some_and(|f| f.key == FieldKey::Document);
        form.focus = (form.focus as isize + delta).rem_euclid(n) as usize;
        if leaving_document {
            let key = form.fields.get(form.focus).map(|f| f.key.clone());
            self.sync_form_parameters(form, &[]);
            if let Some(k) = key
                && let Some(i) = form.fields.iter().position(|f| f.key == k)
            {
                form.focus = i;
            }
        }
    }

    /// From the form to the confirmation (or the form again, with what is wrong).
    fn review(&mut self, mut form: Box<ActionForm>) -> bool {
        self.sync_form_parameters(&mut form, &[]);
        match self.form_request(&form) {
            Ok(request) => {
                self.actions.dialog = Some(ActionDialog::Confirm(Box::new(ConfirmDialog {
                    confirmation: request.confirmation(),
                    request,
                    typed: String::new(),
                    error: None,
                    form: Some(form),
                })));
            }
            Err(e) => {
                form.error = Some(e);
                self.actions.dialog = Some(ActionDialog::Form(form));
            }
        }
        true
    }

    /// Hands a confirmed request to the executor.
    fn start_run(&mut self, request: ActionRequest, typed_override: Option<String>) {
        self.actions.next_run += 1;
        let run = self.actions.next_run;
        let watch = matches!(
            request,
            ActionRequest::RunCommand(_) | ActionRequest::StartAutomation(_)
        );
        let summary = request.summary();
        self.actions
            .runs
            .push(RunView::new(run, request.clone(), self.now()));
        // Keep the last runs only.
        if self.actions.runs.len() > 20 {
            let live = self.actions.live;
            if let Some(i) = self
                .actions
                .runs
                .iter()
                .position(|r| r.is_finished() && Some(r.run) != live)
            {
                self.actions.runs.remove(i);
            }
        }
        self.push_effect(Effect::Action(ActionRun {
            run,
            request,
            typed_override,
        }));
        if watch {
            self.actions.live = Some(run);
            if !self.actions.marked.is_empty() {
                self.actions.marked.clear();
                // The "N nodes marked" note no longer holds.
                self.notice = None;
            }
        } else {
            self.action_note(format!("sent: {summary}"), false);
        }
    }

    fn rerun(&mut self, run: RunId, request: ActionRequest, typed: String) {
        self.push_effect(Effect::Action(ActionRun {
            run,
            request,
            typed_override: Some(typed),
        }));
    }

    /// Keys of the live view, through the key map: its own (cancel, full output, other
    /// runs; cancel never in read-only mode), then the table keys (rows, output, close,
    /// help). `Esc` always closes it.
    fn live_key(&mut self, key: &KeyEvent) -> bool {
        let Some(id) = self.actions.live else {
            return false;
        };
        match self.dialog_action(key, pane_keys::LIVE) {
            Some(PaneAction::Cancel) => {
                let stop = self.actions.run(id).and_then(RunView::stop_request);
                return match stop {
                    Some(r) => self.confirm_action(r),
                    None => {
                        self.action_note("nothing to cancel: the run has ended", true);
                        true
                    }
                };
            }
            Some(PaneAction::FullOutput) => {
                self.fetch_full_output(id);
                return true;
            }
            Some(a @ (PaneAction::PrevRun | PaneAction::NextRun)) => {
                let runs = &self.actions.runs;
                if let Some(i) = runs.iter().position(|r| r.run == id) {
                    let j = if a == PaneAction::PrevRun {
                        i.saturating_sub(1)
                    } else {
                        (i + 1).min(runs.len() - 1)
                    };
                    self.actions.live = Some(runs[j].run);
                }
                return true;
            }
            _ => {}
        }
        let action = self.keys.action(key);
        if key.code == KeyCode::Esc || action == Some(Action::Quit) {
            self.actions.live = None;
            return true;
        }
        if action == Some(Action::Help) {
            self.actions.live = None;
            self.overlay = super::Overlay::Help;
            return true;
        }
        let Some(run) = self.actions.run_mut(id) else {
            self.actions.live = None;
            return true;
        };
        let last = run.row_count().saturating_sub(1);
        match action {
            Some(Action::Down) => run.cursor = (run.cursor + 1).min(last),
            Some(Action::Up) => run.cursor = run.cursor.saturating_sub(1),
            Some(Action::Top) => run.cursor = 0,
            Some(Action::Bottom) => run.cursor = last,
            Some(Action::PageDown) => {
                run.output_scroll = run.output_scroll.saturating_add(10);
                return true;
            }
            Some(Action::PageUp) => {
                run.output_scroll = run.output_scroll.saturating_sub(10);
                return true;
            }
            _ => return false,
        }
        run.output_scroll = 0;
        true
    }

    /// `o` in the live view: reads the selected node's full output (GetCommandInvocation)
    /// once it has finished; the answer comes back as `ActionEvent::Output`.
    fn fetch_full_output(&mut self, id: RunId) {
        let Some(run) = self.actions.run_mut(id) else {
            return;
        };
        let Some((c, i)) = run.selected_invocation() else {
            self.action_note("no node selected", true);
            return;
        };
        if !i.status.is_terminal() {
            let o = self.key_name(PaneAction::FullOutput, "the full output key");
            self.action_note(
                format!("{o} reads the full output once the node has finished"),
                true,
            );
            return;
        }
        let (scope, command_id, instance_id) =
            (c.scope.clone(), c.command_id.clone(), i.instance_id.clone());
        if run.full_output(&command_id, &instance_id) == Some(&FullOutput::Fetching) {
            return;
        }
        run.set_full_output(&command_id, &instance_id, FullOutput::Fetching);
        run.output_scroll = 0;
        self.push_effect(Effect::ActionRead(
            crate::actions::ActionRead::CommandOutput {
                run: id,
                scope,
                command_id,
                instance_id,
            },
        ));
    }

    /// Progress of a run.
    pub(super) fn on_action_event(&mut self, event: ActionEvent) -> bool {
        let id = event.run();
        let live = self.actions.live == Some(id);
        let mut dialog = None;
        let Some(run) = self.actions.run_mut(id) else {
            return false;
        };
        let mut notice: Option<(String, bool)> = None;
        match event {
            ActionEvent::Refused {
                run: r,
                reason,
                next_transition,
                can_override,
                wrong_word,
            } => {
                run.phase = RunPhase::Refused(reason.clone());
                dialog = Some(ActionDialog::Refused(RefusedDialog {
                    run: r,
                    reason,
                    next_transition,
                    can_override,
                    wrong_word,
                    typed: String::new(),
                }));
            }
            ActionEvent::Sent {
                scope,
                id,
                overridden,
                ..
            } => {
                run.phase = RunPhase::Running;
                run.overridden |= overridden;
                run.sent.push((scope, id));
            }
            ActionEvent::Failed { scope, error, .. } => {
                let text = match scope {
                    Some(s) => format!("{}: {error}", s.label()),
                    None => error,
                };
                run.errors.push(text.clone());
                if run.sent.is_empty() {
                    run.phase = RunPhase::Finished {
                        ok: false,
                        summary: text.clone(),
                    };
                }
                notice = Some((text, true));
            }
            ActionEvent::Invocations {
                scope,
                command_id,
                progress,
                invocations,
                ..
            } => run.record_command(CommandView {
                scope,
                command_id,
                progress,
                invocations,
            }),
            ActionEvent::Automation {
                scope, execution, ..
            } => run.record_automation(scope, execution),
            ActionEvent::Output {
                command_id,
                instance_id,
                output,
                ..
            } => {
                let full = match &output {
                    Ok(o) => FullOutput::of(o),
                    Err(e) => FullOutput::Failed(e.clone()),
                };
                run.set_full_output(&command_id, &instance_id, full);
            }
            ActionEvent::WatchError { scope, error, .. } => {
                run.errors.push(format!("{}: {error}", scope.label()));
                if run.errors.len() > 50 {
                    run.errors.remove(0);
                }
            }
            ActionEvent::Finished { ok, summary, .. } => {
                let watch = matches!(
                    run.request,
                    ActionRequest::RunCommand(_) | ActionRequest::StartAutomation(_)
                );
                if !matches!(run.phase, RunPhase::Refused(_)) {
                    run.phase = RunPhase::Finished {
                        ok,
                        summary: summary.clone(),
                    };
                    if !live || !watch {
                        notice = Some((
                            format!("{}: {summary}", if ok { "done" } else { "ended" }),
                            !ok,
                        ));
                    }
                }
            }
        }
        if let Some(d) = dialog {
            self.actions.dialog = Some(d);
        }
        self.reread_changed_ops_item(id);
        if let Some((text, error)) = notice {
            self.action_note(text, error);
        }
        true
    }

    /// When run `id` changed an OpsItem, asks for the item again.
    fn reread_changed_ops_item(&mut self, id: RunId) {
        if let Some(RunView {
            request: ActionRequest::UpdateOpsItem(u),
            phase: RunPhase::Finished { ok: true, .. },
            ..
        }) = self.actions.run(id)
        {
            let (scope, ops_item) = (u.scope.clone(), u.ops_item_id.clone());
            if let Some(s) = self.scope_id_of(&scope) {
                self.push_effect(Effect::Request(DetailRequest::OpsItem {
                    scope: s,
                    id: ops_item,
                }));
            }
        }
    }
}

impl RunView {
    /// The invocations of one command of the run, as last read.
    fn record_command(&mut self, command: CommandView) {
        if self.phase == RunPhase::Starting {
            self.phase = RunPhase::Running;
        }
        match self
            .commands
            .iter_mut()
            .find(|c| c.command_id == command.command_id)
        {
            Some(c) => {
                c.progress = command.progress;
                c.invocations = command.invocations;
            }
            None => {
                self.commands.push(command);
                self.commands.sort_by(|a, b| {
                    (&a.scope.account.name, &a.scope.region, &a.command_id).cmp(&(
                        &b.scope.account.name,
                        &b.scope.region,
                        &b.command_id,
                    ))
                });
            }
        }
        self.cursor = self.cursor.min(self.row_count().saturating_sub(1));
    }

    /// One automation execution of the run, as last read.
    fn record_automation(&mut self, scope: Scope, execution: AutomationExecution) {
        if self.phase == RunPhase::Starting {
            self.phase = RunPhase::Running;
        }
        match self
            .automations
            .iter_mut()
            .find(|(_, e)| e.execution_id == execution.execution_id)
        {
            Some((_, e)) => *e = execution,
            None => self.automations.push((scope, execution)),
        }
    }
}

/// The DB instance id of an RDS ARN (`arn:aws:rds:REGION:ACCOUNT:db:ID`).
fn db_instance_of(resource: &str) -> Option<String> {
    let id = resource.split(":db:").nth(1)?;
    (!id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .then(|| id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_parameters_cover_the_common_documents() {
        for d in COMMON_COMMAND_DOCUMENTS.iter().take(4) {
            assert!(!builtin_parameters(d).is_empty(), "{d}");
        }
        assert!(
            builtin_parameters("AWS-RestartEC2Instance")
                .iter()
                .any(|p| p.0 == "InstanceId")
        );
    }

    /// An app (read-only or not) watching a Run Command that was sent and still runs.
    fn watching_a_run(read_only: bool) -> App {
        let mut app = App::new(super::super::AppOptions {
            read_only,
            ..super::super::AppOptions::default()
        });
        let scope = Scope {
            account: crate::model::Account {
                id: "111111111111".into(),
                name: "acme-prod".into(),
            },
            region: "eu-west-1".into(),
        };
        let request = ActionRequest::RunCommand(RunCommandSpec::new("AWS-RunShellScript"));
        let mut run = RunView::new(7, request, app.now());
        run.sent.push((scope, "0c2d5e8f-1111".into()));
        app.actions.runs.push(run);
        app.actions.live = Some(7);
        app
    }

    fn press(app: &mut App, c: char) -> bool {
        app.update(super::super::Msg::Key(KeyEvent::from(KeyCode::Char(c))))
    }

    #[test]
    fn read_only_strips_the_live_views_cancel_key() {
        // Writable: c asks to cancel the run.
        let mut app = watching_a_run(false);
        press(&mut app, 'c');
        assert!(
            matches!(app.actions.dialog, Some(ActionDialog::Confirm(_))),
            "{:?}",
            app.actions.dialog
        );
        // Read-only: the key map never hands the live view its cancel key, so it does
        // not even reach the refusal of a change.
        let mut app = watching_a_run(true);
        assert!(!press(&mut app, 'c'));
        assert!(app.actions.dialog.is_none());
        assert!(app.notice.is_none(), "{:?}", app.notice);
        assert_eq!(app.actions.live, Some(7), "still watching");
        // A rebound cancel key is stripped the same way.
        let keys = super::super::KeysConfig {
            cancel: Some(vec![super::super::KeySpec {
                code: KeyCode::Char('K'),
                mods: KeyModifiers::NONE,
            }]),
            ..super::super::KeysConfig::default()
        };
        let Ok(map) = super::super::KeyMap::from_config(&keys) else {
            panic!("conflict")
        };
        app.set_keys(map);
        assert!(!press(&mut app, 'K'));
        assert!(app.actions.dialog.is_none());
        assert!(app.notice.is_none(), "{:?}", app.notice);
        // What changes nothing still works there: q closes the view.
        assert!(press(&mut app, 'q'));
        assert!(app.actions.live.is_none());
    }

    #[test]
    fn a_field_keeps_its_lines() {
        let mut f = FormField::new(FieldKey::Param("commands".into()), "commands", "a\nb", "");
        f.multiline = true;
        assert_eq!(f.text(), "a\nb");
        assert_eq!(f.height(), 3);
        f.set_text("x");
        assert_eq!(f.text(), "x");
        assert!(f.multiline);
    }
}
