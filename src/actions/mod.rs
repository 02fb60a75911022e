//! Remediation: Run Command, Automation, OpsItem updates, the Change Calendar gate,
//! confirmation and the audit log.
//!
//! # How a change happens
//!
//! 1. Something builds an [`ActionRequest`] — one variant per kind of change:
//!    [`ActionRequest::RunCommand`] ([`RunCommandSpec`]), [`ActionRequest::StartAutomation`]
//!    ([`AutomationSpec`]), [`ActionRequest::CancelCommand`], [`ActionRequest::StopAutomation`],
//!    [`ActionRequest::UpdateOpsItem`], [`ActionRequest::StartAssociationsOnce`],
//!    [`ActionRequest::PutParameter`].
//! 2. The app shows its [`Confirmation`] (document, parameters, target count by account
//!    and region, concurrency); destructive requests need the target count typed.
//! 3. The app emits `Effect::Action(ActionRun)`; the event loop (tui.rs) hands it to the
//!    [`Executor`], which asks who the caller is (GetCallerIdentity), reads the change
//!    calendars ([`Gate`]), and for each mutating call appends an intent line to the
//!    audit log, calls [`crate::aws::SsmWrite`], and appends the result line — each line
//!    flushed with `sync_data` before going on.
//! 4. Progress comes back to the app as `Msg::Action(ActionEvent)`: `Refused` (with the
//!    reason and next transition; typing the override word re-runs it), `Sent`, `Failed`,
//!    `Invocations` and `Automation` while watching, then `Finished`.
//! 5. Reads about a run that the operator asks for (the full output of a node that
//!    finished) leave as `Effect::ActionRead(ActionRead)`; the runner answers them from a
//!    task of its own (`ActionEvent::Output`), never in the input path.
//!
//! Quitting while a run is in flight (or a shell is open) asks first; a call whose intent
//! line is written gets a short grace at quit ([`ActionRunner::settle`]) so its result
//! line is written too.
//!
//! # Reusing the Run Command form from another pane
//!
//! Panes that want a Run Command with a known document (Patch: `AWS-RunPatchBaseline`,
//! Distributor: `AWS-ConfigureAWSPackage`) build a [`RunCommandSpec`] and open the same
//! form, pre-filled, with `App::open_run_command(spec)` (src/app/actions.rs): the operator
//! still sees and edits every field, confirms, and watches the live view.
//!
//! ```ignore
//! let spec = RunCommandSpec::new("AWS-ConfigureAWSPackage")
//!     .with_parameter("action", vec!["Install".into()])
//!     .with_parameter("name", vec![package.clone()]);
//! let spec = RunCommandSpec { targets: app.selected_targets(), ..spec };
//! app.open_run_command(spec);
//! ```
//!
//! A runbook is started the same way with `App::open_automation(spec)`, and any other
//! request goes straight to the confirmation with `App::confirm_action(request)`.
//!
//! # Adding an action
//!
//! A new mutating API gets a method on `SsmWrite` (src/aws/write.rs), a variant of
//! [`ActionRequest`] with its validation, summary, confirmation and audit record
//! (src/actions/request.rs), and its call in `Executor::call`. The pane then calls
//! `App::confirm_action(ActionRequest::…)`; it never calls AWS itself.

pub mod audit;
pub mod cli;
pub mod executor;
pub mod gate;
pub mod request;
pub mod runner;

pub use audit::{AuditEntry, AuditLog, read_entries};
pub use executor::{ActionEvent, Executor, RunId};
pub use gate::{Decision, Gate};
pub use request::{
    ActionRequest, AssociationsOnceSpec, AutomationSpec, CancelCommandSpec, CommandTarget,
    Confirmation, OpsItemUpdateSpec, PutParameterSpec, RunCommandSpec, ScopeCount, ScopedTarget,
    StopAutomationSpec,
};
pub use runner::{ActionRunner, ActionSetup};

/// One run handed from the app to the executor (`Effect::Action`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionRun {
    pub run: RunId,
    pub request: ActionRequest,
    /// What the operator typed at the override prompt of a closed change calendar.
    pub typed_override: Option<String>,
}

/// A read about a run the app asks for (`Effect::ActionRead`); never a change. The
/// answer comes back as `Msg::Action(ActionEvent)`, from a task of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionRead {
    /// The full output of one node's invocation (GetCommandInvocation); answered by
    /// [`ActionEvent::Output`].
    CommandOutput {
        run: RunId,
        scope: crate::model::Scope,
        command_id: String,
        instance_id: String,
    },
}
