//! The executor: runs one [`ActionRequest`] from start to end — caller identity, change
//! calendar gate, an audited mutating call per scope, then watching what it started —
//! and reports every step as an [`ActionEvent`].
//!
//! The order never changes: nothing is sent without an identity to record, a gate that
//! allows it, and an intent line flushed to the audit log; the result line is flushed
//! before the call's outcome is reported to anyone.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;

use crate::aws::{AwsError, Connector, SsmRead, SsmWrite, WriteAccess};
use crate::model::{
    AutomationExecution, CommandInvocation, CommandProgress, InvocationOutput, Scope,
};

use super::audit::{AuditEntry, AuditLog, Outcome};
use super::gate::{CalendarReading, Decision, Gate, checks_in};
use super::request::{ActionRequest, RunCommandSpec};

/// Names one run of an action, chosen by whoever starts it (the app counts them).
pub type RunId = u64;

/// What happens to a run, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum ActionEvent {
    /// Nothing was sent: a closed (or unreadable) change calendar, or no identity.
    Refused {
        run: RunId,
        reason: String,
        /// When a closed calendar opens again, if AWS says.
        next_transition: Option<DateTime<Utc>>,
        /// Typing the override word would let it through (a calendar refusal).
        can_override: bool,
        /// Something was typed, but not the override word.
        wrong_word: bool,
    },
    /// A mutating call succeeded in `scope`; `id` is the CommandId, AutomationExecutionId
    /// or OpsItemId.
    Sent {
        run: RunId,
        scope: Scope,
        action: &'static str,
        id: String,
        /// The override word let it through a closed calendar.
        overridden: bool,
    },
    /// A call (or the whole run, when `scope` is `None`) failed.
    Failed {
        run: RunId,
        scope: Option<Scope>,
        error: String,
    },
    /// The invocations of one command, as last read (sorted by node id).
    Invocations {
        run: RunId,
        scope: Scope,
        command_id: String,
        progress: Option<CommandProgress>,
        invocations: Vec<CommandInvocation>,
    },
    /// An automation execution with its steps, as last read.
    Automation {
        run: RunId,
        scope: Scope,
        execution: AutomationExecution,
    },
    /// Reading progress failed once (the watch goes on).
    WatchError {
        run: RunId,
        scope: Scope,
        error: String,
    },
    /// The run is over: everything it started has ended (or the watch gave up).
    Finished {
        run: RunId,
        ok: bool,
        summary: String,
    },
    /// The full output of one node's invocation (GetCommandInvocation), fetched on
    /// demand after the node finished; an error message when it could not be read.
    Output {
        run: RunId,
        command_id: String,
        instance_id: String,
        output: Result<InvocationOutput, String>,
    },
}

impl ActionEvent {
    pub fn run(&self) -> RunId {
        match self {
            ActionEvent::Refused { run, .. }
            | ActionEvent::Sent { run, .. }
            | ActionEvent::Failed { run, .. }
            | ActionEvent::Invocations { run, .. }
            | ActionEvent::Automation { run, .. }
            | ActionEvent::WatchError { run, .. }
            | ActionEvent::Finished { run, .. }
            | ActionEvent::Output { run, .. } => *run,
        }
    }
}

/// How often progress is read while watching.
pub const DEFAULT_POLL: Duration = Duration::from_secs(2);

/// Runs actions against AWS. One per process; shared by every run.
pub struct Executor {
    conn: Connector,
    access: WriteAccess,
    role_name: String,
    gate: Gate,
    audit: AuditLog,
    /// account -> caller identity ARN.
    callers: Mutex<HashMap<String, String>>,
    poll_every: Duration,
    /// Longest a run is watched after its calls were sent.
    max_watch: Duration,
    /// Mutating calls whose intent line is written and whose result line is not yet.
    in_flight: AtomicUsize,
}

/// Counts one mutating call as in flight while it lives (dropped when the result line is
/// written, or when the task is cancelled).
struct InFlight<'a>(&'a AtomicUsize);

impl<'a> InFlight<'a> {
    fn new(count: &'a AtomicUsize) -> InFlight<'a> {
        count.fetch_add(1, Ordering::SeqCst);
        InFlight(count)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// One call made: where, and what to watch.
struct Started {
    scope: Scope,
    id: String,
}

impl Started {
    /// Tells that reading this call's progress failed (the watch goes on).
    async fn watch_error(&self, run: RunId, e: &AwsError, events: &mpsc::Sender<ActionEvent>) {
        let _ = events
            .send(ActionEvent::WatchError {
                run,
                scope: self.scope.clone(),
                error: e.to_string(),
            })
            .await;
    }
}

impl Executor {
    pub fn new(
        conn: Connector,
        access: WriteAccess,
        role_name: impl Into<String>,
        gate: Gate,
        audit: AuditLog,
    ) -> Executor {
        Executor {
            conn,
            access,
            role_name: role_name.into(),
            gate,
            audit,
            callers: Mutex::new(HashMap::new()),
            poll_every: DEFAULT_POLL,
            max_watch: Duration::from_secs(6 * 3600),
            in_flight: AtomicUsize::new(0),
        }
    }

    /// Mutating calls sent whose result line is not yet in the audit log.
    pub fn calls_in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// The full output of one node's invocation (GetCommandInvocation: up to 24,000
    /// characters of standard output, where ListCommandInvocations keeps 2,500 per plugin).
    pub async fn command_output(
        &self,
        scope: &Scope,
        command_id: &str,
        instance_id: &str,
    ) -> Result<InvocationOutput, AwsError> {
        self.read(scope)
            .await
            .command_output(command_id, instance_id)
            .await
    }

    /// Reads progress every `every` (tests and the CLI go faster).
    pub fn with_poll_interval(mut self, every: Duration) -> Executor {
        self.poll_every = every.max(Duration::from_millis(50));
        self
    }

    pub fn gate(&self) -> &Gate {
        &self.gate
    }

    pub fn audit(&self) -> &AuditLog {
        &self.audit
    }

    async fn read(&self, scope: &Scope) -> SsmRead {
        self.conn
            .ssm_read(&scope.account.id, &scope.region, &self.role_name)
            .await
    }

    async fn write(&self, scope: &Scope) -> SsmWrite {
        self.conn
            .ssm_write(
                &self.access,
                &scope.account.id,
                &scope.region,
                &self.role_name,
            )
            .await
    }

    async fn caller(&self, account: &str) -> Result<String, AwsError> {
        if let Some(arn) = self.lock_callers().get(account) {
            return Ok(arn.clone());
        }
        let arn = self.conn.caller_arn(account, &self.role_name).await?;
        self.lock_callers().insert(account.to_string(), arn.clone());
        Ok(arn)
    }

    fn lock_callers(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        self.callers.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Every configured calendar, read in every scope of the request.
    async fn read_calendars(&self, scopes: &[Scope]) -> Vec<CalendarReading> {
        let mut readings = Vec::new();
        for scope in scopes {
            let names = self.gate.calendars_for(scope);
            if names.is_empty() {
                continue;
            }
            let read = self.read(scope).await;
            for name in names {
                let state = read
                    .get_calendar_state(std::slice::from_ref(&name), None)
                    .await
                    .map_err(|e| e.to_string());
                readings.push(CalendarReading {
                    scope: scope.clone(),
                    name,
                    state,
                });
            }
        }
        readings
    }

    /// Runs `request` to its end, sending events on `events` (a closed receiver does not
    /// stop the run: what was sent is still audited). `typed_override` is what the
    /// operator typed at the override prompt. True when everything succeeded.
    pub async fn run(
        &self,
        run: RunId,
        request: &ActionRequest,
        typed_override: Option<&str>,
        events: &mpsc::Sender<ActionEvent>,
    ) -> bool {
        let emit = |e: ActionEvent| {
            let events = events.clone();
            async move {
                let _ = events.send(e).await;
            }
        };
        if let Err(error) = request.validate() {
            emit(ActionEvent::Failed {
                run,
                scope: None,
                error,
            })
            .await;
            return false;
        }
        let scopes = request.scopes();
        let mut callers = HashMap::new();
        for scope in &scopes {
            match self.caller(&scope.account.id).await {
                Ok(arn) => {
                    callers.insert(scope.account.id.clone(), arn);
                }
                Err(e) => {
                    emit(ActionEvent::Refused {
                        run,
                        reason: format!(
                            "cannot tell who would make the change in {} \
                             (GetCallerIdentity): {e}",
                            scope.label()
                        ),
                        next_transition: None,
                        can_override: false,
                        wrong_word: false,
                    })
                    .await;
                    return false;
                }
            }
        }
        let caller_of = |s: &Scope| callers.get(&s.account.id).cloned().unwrap_or_default();

        let readings = self.read_calendars(&scopes).await;
        let decision = self
            .gate
            .decide(&readings, typed_override, request.stops_work());
        if let Decision::Refused {
            reason,
            next_transition,
            wrong_word,
        } = &decision
        {
            for scope in &scopes {
                let mut intent = self.intent(request, scope, &caller_of(scope));
                intent.calendars = checks_in(&readings, scope);
                let refused = intent.result(Outcome::Refused, None, Some(reason.clone()));
                if let Err(e) = self
                    .audit
                    .append(&intent)
                    .and_then(|()| self.audit.append(&refused))
                {
                    tracing::error!("audit log: {e}");
                }
            }
            emit(ActionEvent::Refused {
                run,
                reason: reason.clone(),
                next_transition: *next_transition,
                can_override: true,
                wrong_word: *wrong_word,
            })
            .await;
            return false;
        }
        let overridden = decision.override_word().map(str::to_string);

        // The calls, one audited call after the other.
        let mut started: Vec<Started> = Vec::new();
        let mut failures = 0usize;
        let calls = self.calls(request);
        for (scope, call) in calls {
            let mut intent = self.intent(request, &scope, &caller_of(&scope));
            intent.calendars = checks_in(&readings, &scope);
            intent.override_word = overridden.clone();
            if let Call::Send(input) = &call {
                intent.request["instance_ids"] = serde_json::json!(input.instance_ids);
            }
            let in_flight = InFlight::new(&self.in_flight);
            if let Err(e) = self.audit.append(&intent) {
                emit(ActionEvent::Failed {
                    run,
                    scope: Some(scope.clone()),
                    error: format!("not sent: {e}"),
                })
                .await;
                failures += 1;
                // Without an audit log nothing else is sent either.
                break;
            }
            let result = self.call(&scope, call, request).await;
            let (line, event) = match result {
                Ok(id) => (
                    intent.result(Outcome::Ok, id.clone(), None),
                    ActionEvent::Sent {
                        run,
                        scope: scope.clone(),
                        action: request.api_action(),
                        id: id.clone().unwrap_or_default(),
                        overridden: overridden.is_some(),
                    },
                ),
                Err(e) => (
                    intent.result(Outcome::Error, None, Some(e.to_string())),
                    ActionEvent::Failed {
                        run,
                        scope: Some(scope.clone()),
                        error: e.to_string(),
                    },
                ),
            };
            let sent_id = match &event {
                ActionEvent::Sent { id, .. } => Some(id.clone()),
                _ => None,
            };
            if let Err(e) = self.audit.append(&line) {
                tracing::error!("audit log: {e}");
                emit(ActionEvent::Failed {
                    run,
                    scope: Some(scope.clone()),
                    error: format!("the call was made but its result is not in the audit log: {e}"),
                })
                .await;
            }
            drop(in_flight);
            match sent_id {
                Some(id) => started.push(Started { scope, id }),
                None => failures += 1,
            }
            emit(event).await;
        }

        let (ok, summary) = match request {
            ActionRequest::RunCommand(spec) if !started.is_empty() => {
                self.watch_commands(run, spec, &started, events).await
            }
            ActionRequest::StartAutomation(_) if !started.is_empty() => {
                self.watch_automations(run, &started, events).await
            }
            _ => (
                true,
                format!("{}: {} done", request.summary(), started.len()),
            ),
        };
        let ok = ok && failures == 0;
        let summary = if failures > 0 {
            format!("{summary}; {failures} call(s) failed")
        } else {
            summary
        };
        emit(ActionEvent::Finished { run, ok, summary }).await;
        ok
    }

    fn intent(&self, request: &ActionRequest, scope: &Scope, caller: &str) -> AuditEntry {
        AuditEntry::intent(
            &uuid::Uuid::new_v4().to_string(),
            caller,
            request.api_action(),
            &scope.account.id,
            &scope.region,
            &request.summary(),
            request.audit_request(scope),
        )
    }

    /// The mutating calls of a request, in order.
    fn calls(&self, request: &ActionRequest) -> Vec<(Scope, Call)> {
        match request {
            ActionRequest::RunCommand(spec) => spec
                .sends()
                .into_iter()
                .map(|(s, input)| (s, Call::Send(Box::new(input))))
                .collect(),
            ActionRequest::CancelCommand(spec) => spec
                .commands
                .iter()
                .map(|(s, id)| (s.clone(), Call::Cancel(id.clone())))
                .collect(),
            ActionRequest::StartAutomation(s) => vec![(s.scope.clone(), Call::Single)],
            ActionRequest::StopAutomation(s) => vec![(s.scope.clone(), Call::Single)],
            ActionRequest::UpdateOpsItem(s) => vec![(s.scope.clone(), Call::Single)],
            ActionRequest::StartAssociationsOnce(s) => vec![(s.scope.clone(), Call::Single)],
            ActionRequest::PutParameter(s) => vec![(s.scope.clone(), Call::Single)],
        }
    }

    /// One mutating call; the id it returns (if any).
    async fn call(
        &self,
        scope: &Scope,
        call: Call,
        request: &ActionRequest,
    ) -> Result<Option<String>, AwsError> {
        let w = self.write(scope).await;
        match (call, request) {
            (Call::Send(input), _) => w.send_command(&input).await.map(Some),
            (Call::Cancel(id), _) => w.cancel_command(&id, &[]).await.map(|()| Some(id)),
            (Call::Single, ActionRequest::StartAutomation(s)) => w
                .start_automation_execution(&s.input(&uuid::Uuid::new_v4().to_string()))
                .await
                .map(Some),
            (Call::Single, ActionRequest::StopAutomation(s)) => w
                .stop_automation_execution(&s.execution_id)
                .await
                .map(|()| Some(s.execution_id.clone())),
            (Call::Single, ActionRequest::UpdateOpsItem(s)) => w
                .update_ops_item(&s.input(Utc::now()))
                .await
                .map(|()| Some(s.ops_item_id.clone())),
            (Call::Single, ActionRequest::StartAssociationsOnce(s)) => w
                .start_associations_once(&s.association_ids)
                .await
                .map(|()| None),
            (Call::Single, ActionRequest::PutParameter(s)) => w
                .put_parameter(&s.input())
                .await
                .map(|v| Some(format!("{}:{v}", s.name))),
            (Call::Single, _) => Ok(None),
        }
    }

    /// Reads every command's invocations until all have ended.
    async fn watch_commands(
        &self,
        run: RunId,
        spec: &RunCommandSpec,
        started: &[Started],
        events: &mpsc::Sender<ActionEvent>,
    ) -> (bool, String) {
        let deadline = tokio::time::Instant::now() + self.max_watch;
        let mut done: HashMap<String, Vec<CommandInvocation>> = HashMap::new();
        loop {
            for s in started {
                if done.contains_key(&s.id) {
                    continue;
                }
                let read = self.read(&s.scope).await;
                let progress = read.command_progress(&s.id).await;
                let invocations = read.command_invocations(&s.id).await;
                match (progress, invocations) {
                    (Ok(progress), Ok(invocations)) => {
                        let all_ended = !invocations.is_empty()
                            && invocations.iter().all(|i| i.status.is_terminal());
                        let finished = match &progress {
                            Some(p) => p.is_terminal() && (all_ended || p.target_count == 0),
                            None => false,
                        };
                        let _ = events
                            .send(ActionEvent::Invocations {
                                run,
                                scope: s.scope.clone(),
                                command_id: s.id.clone(),
                                progress,
                                invocations: invocations.clone(),
                            })
                            .await;
                        if finished {
                            done.insert(s.id.clone(), invocations);
                        }
                    }
                    (Err(e), _) | (_, Err(e)) => {
                        s.watch_error(run, &e, events).await;
                    }
                }
            }
            if done.len() == started.len() {
                break;
            }
            if tokio::time::Instant::now() >= deadline {
                return (
                    false,
                    format!(
                        "{}: stopped watching after {} s; {} of {} commands ended",
                        spec.document,
                        self.max_watch.as_secs(),
                        done.len(),
                        started.len()
                    ),
                );
            }
            tokio::time::sleep(self.poll_every).await;
        }
        let all: Vec<&CommandInvocation> = done.values().flatten().collect();
        let tally = crate::model::InvocationTally::of(all.iter().copied());
        (
            tally.errors() == 0,
            format!("{}: {}", spec.document, tally.label()),
        )
    }

    /// Reads every execution until it has ended.
    async fn watch_automations(
        &self,
        run: RunId,
        started: &[Started],
        events: &mpsc::Sender<ActionEvent>,
    ) -> (bool, String) {
        let deadline = tokio::time::Instant::now() + self.max_watch;
        let mut ended: HashMap<String, AutomationExecution> = HashMap::new();
        loop {
            for s in started {
                if ended.contains_key(&s.id) {
                    continue;
                }
                let read = self.read(&s.scope).await;
                match read.automation_execution(&s.id).await {
                    Ok(execution) => {
                        let terminal = execution.is_terminal();
                        let _ = events
                            .send(ActionEvent::Automation {
                                run,
                                scope: s.scope.clone(),
                                execution: execution.clone(),
                            })
                            .await;
                        if terminal {
                            ended.insert(s.id.clone(), execution);
                        }
                    }
                    Err(e) => {
                        s.watch_error(run, &e, events).await;
                    }
                }
            }
            if ended.len() == started.len() {
                break;
            }
            if tokio::time::Instant::now() >= deadline {
                return (false, "stopped watching the runbook".into());
            }
            tokio::time::sleep(self.poll_every).await;
        }
        let ok = ended.values().all(|e| e.status == "Success");
        let summary = ended
            .values()
            .map(|e| {
                let mut s = format!("{} {}: {}", e.document_name, e.execution_id, e.status);
                if !e.failure_message.is_empty() {
                    s.push_str(&format!(" ({})", e.failure_message));
                }
                s
            })
            .collect::<Vec<_>>()
            .join("; ");
        (ok, summary)
    }
}

/// One mutating call of a request.
enum Call {
    Send(Box<crate::aws::SendCommandInput>),
    Cancel(String),
    /// The request's only call.
    Single,
}
