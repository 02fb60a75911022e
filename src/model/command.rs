//! Run Command: the invocations of a command on its nodes (ListCommandInvocations with
//! details, GetCommandInvocation) and their tally.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The state of one node's invocation, as the cockpit shows it: the `Status` of AWS,
/// refined by its `StatusDetails` where those say more (Undeliverable, DeliveryTimedOut,
/// ExecutionTimedOut, Terminated).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum InvocationStatus {
    Pending,
    Delayed,
    InProgress,
    Success,
    Failed,
    TimedOut,
    Cancelling,
    Cancelled,
    /// The node could not be reached (stopped, terminated, no agent).
    Undeliverable,
    /// Terminated by the agent or a cancellation during the run.
    Terminated,
}

impl InvocationStatus {
    /// Every status, in the order the live view lists them.
    pub const ALL: [InvocationStatus; 10] = [
        InvocationStatus::Pending,
        InvocationStatus::Delayed,
        InvocationStatus::InProgress,
        InvocationStatus::Success,
        InvocationStatus::Failed,
        InvocationStatus::TimedOut,
        InvocationStatus::Cancelling,
        InvocationStatus::Cancelled,
        InvocationStatus::Undeliverable,
        InvocationStatus::Terminated,
    ];

    /// From AWS's `Status` and `StatusDetails`. An unknown status counts as pending.
    pub fn from_aws(status: &str, details: &str) -> InvocationStatus {
        match details {
            "Undeliverable" => return InvocationStatus::Undeliverable,
            "Terminated" => return InvocationStatus::Terminated,
            "DeliveryTimedOut" | "ExecutionTimedOut" => return InvocationStatus::TimedOut,
            _ => {}
        }
        match status {
            "InProgress" => InvocationStatus::InProgress,
            "Delayed" => InvocationStatus::Delayed,
            "Success" => InvocationStatus::Success,
            "Failed" => InvocationStatus::Failed,
            "TimedOut" => InvocationStatus::TimedOut,
            "Cancelling" => InvocationStatus::Cancelling,
            "Cancelled" => InvocationStatus::Cancelled,
            _ => InvocationStatus::Pending,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            InvocationStatus::Pending => "Pending",
            InvocationStatus::Delayed => "Delayed",
            InvocationStatus::InProgress => "InProgress",
            InvocationStatus::Success => "Success",
            InvocationStatus::Failed => "Failed",
            InvocationStatus::TimedOut => "TimedOut",
            InvocationStatus::Cancelling => "Cancelling",
            InvocationStatus::Cancelled => "Cancelled",
            InvocationStatus::Undeliverable => "Undeliverable",
            InvocationStatus::Terminated => "Terminated",
        }
    }

    /// The invocation will not change any more.
    pub fn is_terminal(self) -> bool {
        !matches!(
            self,
            InvocationStatus::Pending
                | InvocationStatus::Delayed
                | InvocationStatus::InProgress
                | InvocationStatus::Cancelling
        )
    }

    /// Counts against MaxErrors: ended, but not in success (nor by a cancellation).
    pub fn is_error(self) -> bool {
        matches!(
            self,
            InvocationStatus::Failed
                | InvocationStatus::TimedOut
                | InvocationStatus::Undeliverable
                | InvocationStatus::Terminated
        )
    }
}

/// One node's invocation of a command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandInvocation {
    pub command_id: String,
    pub instance_id: String,
    /// The node's computer name, when AWS knows it.
    pub instance_name: String,
    pub document_name: String,
    pub status: InvocationStatus,
    /// AWS's own `StatusDetails` (e.g. `Success`, `Undeliverable`, `ExecutionTimedOut`).
    pub status_details: String,
    pub requested: Option<DateTime<Utc>>,
    /// Exit code of the last plugin that ran; `None` until one finished.
    pub response_code: Option<i32>,
    /// Output of every plugin, in order (truncated by AWS to 2500 characters per plugin).
    pub output: String,
}

impl CommandInvocation {
    pub fn new(command_id: impl Into<String>, instance_id: impl Into<String>) -> CommandInvocation {
        CommandInvocation {
            command_id: command_id.into(),
            instance_id: instance_id.into(),
            instance_name: String::new(),
            document_name: String::new(),
            status: InvocationStatus::Pending,
            status_details: String::new(),
            requested: None,
            response_code: None,
            output: String::new(),
        }
    }
}

/// One node's output in full (GetCommandInvocation of one plugin or the whole document).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvocationOutput {
    pub command_id: String,
    pub instance_id: String,
    pub status: InvocationStatus,
    pub status_details: String,
    pub response_code: Option<i32>,
    /// Standard output (up to 24000 characters).
    pub stdout: String,
    /// Standard error (up to 8000 characters).
    pub stderr: String,
}

/// A command's own progress (ListCommands of one CommandId).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandProgress {
    pub command_id: String,
    /// Pending, InProgress, Success, Cancelled, Failed, TimedOut, Cancelling.
    pub status: String,
    pub target_count: u32,
    pub completed_count: u32,
    pub error_count: u32,
}

impl CommandProgress {
    /// The command will not change any more.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self.status.as_str(),
            "Success" | "Cancelled" | "Failed" | "TimedOut"
        )
    }
}

/// Invocations counted by status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvocationTally {
    /// (status, count), in [`InvocationStatus::ALL`] order, zero counts left out.
    pub counts: Vec<(InvocationStatus, usize)>,
    pub total: usize,
}

impl InvocationTally {
    pub fn of<'a>(invocations: impl IntoIterator<Item = &'a CommandInvocation>) -> InvocationTally {
        let mut n = [0usize; InvocationStatus::ALL.len()];
        let mut total = 0;
        for i in invocations {
            if let Some(k) = InvocationStatus::ALL.iter().position(|s| *s == i.status) {
                n[k] += 1;
            }
            total += 1;
        }
        InvocationTally {
            counts: InvocationStatus::ALL
                .iter()
                .zip(n)
                .filter(|(_, c)| *c > 0)
                .map(|(s, c)| (*s, c))
                .collect(),
            total,
        }
    }

    pub fn count(&self, status: InvocationStatus) -> usize {
        self.counts
            .iter()
            .find(|(s, _)| *s == status)
            .map_or(0, |(_, c)| *c)
    }

    /// Invocations that ended (in any way).
    pub fn finished(&self) -> usize {
        self.counts
            .iter()
            .filter(|(s, _)| s.is_terminal())
            .map(|(_, c)| c)
            .sum()
    }

    /// Invocations that ended in error.
    pub fn errors(&self) -> usize {
        self.counts
            .iter()
            .filter(|(s, _)| s.is_error())
            .map(|(_, c)| c)
            .sum()
    }

    /// `12 Success · 3 Failed · 105 Pending`.
    pub fn label(&self) -> String {
        if self.counts.is_empty() {
            return "no invocations yet".into();
        }
        self.counts
            .iter()
            .map(|(s, c)| format!("{c} {}", s.label()))
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_refine_the_status() {
        use InvocationStatus as S;
        assert_eq!(S::from_aws("Failed", "Undeliverable"), S::Undeliverable);
        assert_eq!(S::from_aws("TimedOut", "DeliveryTimedOut"), S::TimedOut);
        assert_eq!(S::from_aws("Success", "Success"), S::Success);
        assert_eq!(S::from_aws("Cancelled", "Cancelled"), S::Cancelled);
        assert_eq!(S::from_aws("weird", ""), S::Pending);
        assert!(S::Undeliverable.is_terminal() && S::Undeliverable.is_error());
        assert!(!S::Cancelled.is_error() && S::Cancelled.is_terminal());
        assert!(!S::InProgress.is_terminal());
    }

    #[test]
    fn tally_counts_by_status() {
        let mut a = CommandInvocation::new("c", "i-1");
        a.status = InvocationStatus::Success;
        let mut b = CommandInvocation::new("c", "i-2");
        b.status = InvocationStatus::Failed;
        let c = CommandInvocation::new("c", "i-3");
        let t = InvocationTally::of([&a, &b, &c]);
        assert_eq!(t.total, 3);
        assert_eq!(t.finished(), 2);
        assert_eq!(t.errors(), 1);
        assert_eq!(t.label(), "1 Pending · 1 Success · 1 Failed");
    }
}
