//! The event loop's side of actions: takes confirmed runs from the app, hands them to one
//! shared [`Executor`] (made on first use, once the pollers have connected), and passes
//! the progress back.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::aws::{SharedConnector, WriteAccess};

use super::audit::AuditLog;
use super::executor::{ActionEvent, Executor};
use super::gate::Gate;
use super::{ActionRead, ActionRun};

/// What running actions needs. Made by `main.rs` only in operator mode (it holds the
/// [`WriteAccess`]); absent in read-only and wallboard mode.
pub struct ActionSetup {
    /// Filled by the pollers once the credential chain answered.
    pub connector: SharedConnector,
    pub access: WriteAccess,
    /// Role assumed in member accounts.
    pub role_name: String,
    pub gate: Gate,
    /// The audit log; no action runs when it cannot be opened.
    pub audit_path: Option<PathBuf>,
}

/// Starts runs and reports their events on one channel.
pub struct ActionRunner {
    setup: Option<ActionSetup>,
    executor: Option<Arc<Executor>>,
    events: mpsc::Sender<ActionEvent>,
}

impl ActionRunner {
    /// A runner and the receiver of every run's events.
    pub fn new(setup: Option<ActionSetup>) -> (ActionRunner, mpsc::Receiver<ActionEvent>) {
        let (events, rx) = mpsc::channel(1024);
        (
            ActionRunner {
                setup,
                executor: None,
                events,
            },
            rx,
        )
    }

    fn fail(&self, run: u64, error: String) {
        let events = self.events.clone();
        tokio::spawn(async move {
            let _ = events
                .send(ActionEvent::Failed {
                    run,
                    scope: None,
                    error: error.clone(),
                })
                .await;
            let _ = events
                .send(ActionEvent::Finished {
                    run,
                    ok: false,
                    summary: error,
                })
                .await;
        });
    }

    fn executor(&mut self) -> Result<Arc<Executor>, String> {
        if let Some(e) = &self.executor {
            return Ok(e.clone());
        }
        let Some(setup) = &self.setup else {
            return Err("read-only: nothing can be changed".into());
        };
        let Some(conn) = setup.connector.get().cloned() else {
            return Err("not connected to AWS yet; try again in a moment".into());
        };
        let path = setup
            .audit_path
            .clone()
            .ok_or("no audit log path (set [audit] path): nothing is sent without one")?;
        let audit = AuditLog::open(&path).map_err(|e| format!("{e}: nothing is sent"))?;
        let exec = Arc::new(Executor::new(
            conn,
            setup.access.clone(),
            setup.role_name.clone(),
            setup.gate.clone(),
            audit,
        ));
        self.executor = Some(exec.clone());
        Ok(exec)
    }

    /// Answers one read about a run in a task of its own.
    pub fn read(&mut self, read: ActionRead) {
        let ActionRead::CommandOutput {
            run,
            scope,
            command_id,
            instance_id,
        } = read;
        let events = self.events.clone();
        let exec = match self.executor() {
            Ok(e) => e,
            Err(error) => {
                tokio::spawn(async move {
                    let _ = events
                        .send(ActionEvent::Output {
                            run,
                            command_id,
                            instance_id,
                            output: Err(error),
                        })
                        .await;
                });
                return;
            }
        };
        tokio::spawn(async move {
            let output = exec
                .command_output(&scope, &command_id, &instance_id)
                .await
                .map_err(|e| e.to_string());
            let _ = events
                .send(ActionEvent::Output {
                    run,
                    command_id,
                    instance_id,
                    output,
                })
                .await;
        });
    }

    /// Mutating calls sent whose result line is not yet in the audit log.
    pub fn calls_in_flight(&self) -> usize {
        self.executor.as_ref().map_or(0, |e| e.calls_in_flight())
    }

    /// Waits (at most `grace`) for the calls in flight to have their result lines written:
    /// used at quit, so no intent line is left without its result.
    pub async fn settle(&self, grace: Duration) {
        let Some(exec) = self.executor.clone() else {
            return;
        };
        let _ = tokio::time::timeout(grace, async move {
            while exec.calls_in_flight() > 0 {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await;
    }

    /// Runs one confirmed action in a task of its own.
    pub fn start(&mut self, run: ActionRun) {
        let exec = match self.executor() {
            Ok(e) => e,
            Err(error) => return self.fail(run.run, error),
        };
        let events = self.events.clone();
        tokio::spawn(async move {
            exec.run(
                run.run,
                &run.request,
                run.typed_override.as_deref(),
                &events,
            )
            .await;
        });
    }
}
