//! Automation: one runbook execution and its steps (GetAutomationExecution,
//! DescribeAutomationStepExecutions).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// `Pending`, `InProgress`, `Waiting`, `Success`, `TimedOut`, `Cancelling`, `Cancelled`,
/// `Failed`, ... as AWS spells them (`AutomationExecutionStatus`).
pub fn automation_status_is_terminal(status: &str) -> bool {
    matches!(
        status,
        "Success"
            | "TimedOut"
            | "Cancelled"
            | "Failed"
            | "CompletedWithSuccess"
            | "CompletedWithFailure"
            | "Rejected"
            | "Exited"
    )
}

/// One step of an execution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutomationStep {
    pub step_execution_id: String,
    pub name: String,
    /// The action, e.g. `aws:executeAwsApi`, `aws:changeInstanceState`.
    pub action: String,
    pub status: String,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub failure_message: String,
    /// Outputs (name, values joined with `, `), sorted by name.
    pub outputs: Vec<(String, String)>,
}

impl AutomationStep {
    pub fn new(name: impl Into<String>) -> AutomationStep {
        AutomationStep {
            step_execution_id: String::new(),
            name: name.into(),
            action: String::new(),
            status: String::new(),
            start: None,
            end: None,
            failure_message: String::new(),
            outputs: Vec::new(),
        }
    }
}

/// A runbook execution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutomationExecution {
    pub execution_id: String,
    pub document_name: String,
    pub document_version: String,
    pub status: String,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub failure_message: String,
    pub executed_by: String,
    pub current_step: String,
    /// Parameters (name, values joined with `, `), sorted by name.
    pub parameters: Vec<(String, String)>,
    /// Outputs (name, values joined with `, `), sorted by name.
    pub outputs: Vec<(String, String)>,
    pub steps: Vec<AutomationStep>,
}

impl AutomationExecution {
    pub fn new(execution_id: impl Into<String>) -> AutomationExecution {
        AutomationExecution {
            execution_id: execution_id.into(),
            document_name: String::new(),
            document_version: String::new(),
            status: String::new(),
            start: None,
            end: None,
            failure_message: String::new(),
            executed_by: String::new(),
            current_step: String::new(),
            parameters: Vec::new(),
            outputs: Vec::new(),
            steps: Vec::new(),
        }
    }

    /// The execution will not change any more.
    pub fn is_terminal(&self) -> bool {
        automation_status_is_terminal(&self.status)
    }

    /// Steps that ended in success, of all steps known.
    pub fn steps_done(&self) -> (usize, usize) {
        let done = self.steps.iter().filter(|s| s.status == "Success").count();
        (done, self.steps.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_states() {
        let mut e = AutomationExecution::new("x");
        e.status = "InProgress".into();
        assert!(!e.is_terminal());
        e.status = "Success".into();
        assert!(e.is_terminal());
        let mut s = AutomationStep::new("stop");
        s.status = "Success".into();
        e.steps = vec![s, AutomationStep::new("start")];
        assert_eq!(e.steps_done(), (1, 2));
    }
}
