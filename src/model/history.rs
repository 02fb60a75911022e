//! Recent Run Command commands and Automation executions of a scope (ListCommands,
//! DescribeAutomationExecutions), and hybrid activations (DescribeActivations).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ScopeId;

/// One target of a command or an automation: `Key` and its values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryTarget {
    pub key: String,
    pub values: Vec<String>,
}

/// `key=v1,v2` per target (instance ids alone for an `InstanceIds` target), `; `-joined;
/// or the instance ids.
pub fn targets_label(targets: &[HistoryTarget], instance_ids: &[String]) -> String {
    if !targets.is_empty() {
        return targets
            .iter()
            .map(|t| match t.key.as_str() {
                "InstanceIds" => t.values.join(","),
                key => format!("{key}={}", t.values.join(",")),
            })
            .collect::<Vec<_>>()
            .join("; ");
    }
    instance_ids.join(",")
}

/// A command of ListCommands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecentCommand {
    #[serde(skip)]
    pub scope: ScopeId,
    pub command_id: String,
    pub document_name: String,
    pub document_version: String,
    pub comment: String,
    /// Pending, InProgress, Success, Cancelled, Failed, TimedOut, Cancelling.
    pub status: String,
    pub status_details: String,
    pub requested: Option<DateTime<Utc>>,
    pub expires_after: Option<DateTime<Utc>>,
    pub instance_ids: Vec<String>,
    pub targets: Vec<HistoryTarget>,
    /// Parameters, sorted by name, values joined with newlines.
    pub parameters: Vec<(String, String)>,
    pub max_concurrency: String,
    pub max_errors: String,
    pub timeout_seconds: Option<i32>,
    pub target_count: u32,
    pub completed_count: u32,
    pub error_count: u32,
    pub delivery_timed_out_count: u32,
}

impl RecentCommand {
    pub fn new(scope: ScopeId, command_id: impl Into<String>) -> RecentCommand {
        RecentCommand {
            scope,
            command_id: command_id.into(),
            document_name: String::new(),
            document_version: String::new(),
            comment: String::new(),
            status: String::new(),
            status_details: String::new(),
            requested: None,
            expires_after: None,
            instance_ids: Vec::new(),
            targets: Vec::new(),
            parameters: Vec::new(),
            max_concurrency: String::new(),
            max_errors: String::new(),
            timeout_seconds: None,
            target_count: 0,
            completed_count: 0,
            error_count: 0,
            delivery_timed_out_count: 0,
        }
    }

    /// What the command was sent to, in one line.
    pub fn targets_label(&self) -> String {
        targets_label(&self.targets, &self.instance_ids)
    }

    /// Still running: Pending, InProgress or Cancelling.
    pub fn is_running(&self) -> bool {
        matches!(
            self.status.as_str(),
            "Pending" | "InProgress" | "Cancelling"
        )
    }

    /// The first node the command names: its instance ids, or an `InstanceIds` target.
    pub fn first_node(&self) -> Option<&str> {
        self.instance_ids
            .first()
            .or_else(|| {
                self.targets
                    .iter()
                    .find(|t| t.key == "InstanceIds")
                    .and_then(|t| t.values.first())
            })
            .map(String::as_str)
    }
}

/// An execution of DescribeAutomationExecutions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecentAutomation {
    #[serde(skip)]
    pub scope: ScopeId,
    pub execution_id: String,
    pub document_name: String,
    pub document_version: String,
    /// Pending, InProgress, Waiting, Success, TimedOut, Cancelling, Cancelled, Failed, ….
    pub status: String,
    pub started: Option<DateTime<Utc>>,
    pub ended: Option<DateTime<Utc>>,
    pub executed_by: String,
    /// Auto, Interactive.
    pub mode: String,
    pub current_step: String,
    pub current_action: String,
    pub failure_message: String,
    pub target_parameter: String,
    pub targets: Vec<HistoryTarget>,
    pub resolved_targets: Vec<String>,
    pub max_concurrency: String,
    pub max_errors: String,
    /// Executing, Local, CrossAccount.
    pub automation_type: String,
    pub parent_execution_id: String,
    pub ops_item_id: String,
}

impl RecentAutomation {
    pub fn new(scope: ScopeId, execution_id: impl Into<String>) -> RecentAutomation {
        RecentAutomation {
            scope,
            execution_id: execution_id.into(),
            document_name: String::new(),
            document_version: String::new(),
            status: String::new(),
            started: None,
            ended: None,
            executed_by: String::new(),
            mode: String::new(),
            current_step: String::new(),
            current_action: String::new(),
            failure_message: String::new(),
            target_parameter: String::new(),
            targets: Vec::new(),
            resolved_targets: Vec::new(),
            max_concurrency: String::new(),
            max_errors: String::new(),
            automation_type: String::new(),
            parent_execution_id: String::new(),
            ops_item_id: String::new(),
        }
    }

    pub fn targets_label(&self) -> String {
        targets_label(&self.targets, &self.resolved_targets)
    }

    pub fn is_running(&self) -> bool {
        matches!(
            self.status.as_str(),
            "Pending" | "InProgress" | "Waiting" | "Cancelling" | "RunbookInProgress"
        )
    }
}

/// A hybrid activation of DescribeActivations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Activation {
    #[serde(skip)]
    pub scope: ScopeId,
    pub activation_id: String,
    pub description: String,
    pub default_instance_name: String,
    pub iam_role: String,
    pub registration_limit: u32,
    pub registrations_count: u32,
    pub expiration: Option<DateTime<Utc>>,
    /// As AWS says; an activation past its expiration date is expired whatever this says.
    pub expired: bool,
    pub created: Option<DateTime<Utc>>,
    pub tags: Vec<(String, String)>,
}

/// How an activation stands at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ActivationState {
    Expired,
    /// Expires within [`EXPIRING_SOON_DAYS`].
    ExpiringSoon,
    /// Every registration is used.
    Full,
    Active,
}

/// An activation expiring within this many days is flagged.
pub const EXPIRING_SOON_DAYS: i64 = 7;

impl ActivationState {
    pub fn label(self) -> &'static str {
        match self {
            ActivationState::Expired => "expired",
            ActivationState::ExpiringSoon => "expiring soon",
            ActivationState::Full => "full",
            ActivationState::Active => "active",
        }
    }
}

impl Activation {
    pub fn new(scope: ScopeId, activation_id: impl Into<String>) -> Activation {
        Activation {
            scope,
            activation_id: activation_id.into(),
            description: String::new(),
            default_instance_name: String::new(),
            iam_role: String::new(),
            registration_limit: 0,
            registrations_count: 0,
            expiration: None,
            expired: false,
            created: None,
            tags: Vec::new(),
        }
    }

    pub fn state(&self, now: DateTime<Utc>) -> ActivationState {
        match self.expiration {
            _ if self.expired => ActivationState::Expired,
            Some(t) if t <= now => ActivationState::Expired,
            Some(t) if t - now <= chrono::Duration::days(EXPIRING_SOON_DAYS) => {
                ActivationState::ExpiringSoon
            }
            _ if self.registration_limit > 0
                && self.registrations_count >= self.registration_limit =>
            {
                ActivationState::Full
            }
            _ => ActivationState::Active,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn activation_states() {
        let now = Utc.with_ymd_and_hms(2026, 5, 1, 0, 0, 0).unwrap();
        let mut a = Activation::new(0, "a");
        a.registration_limit = 10;
        a.registrations_count = 3;
        a.expiration = Some(now + chrono::Duration::days(20));
        assert_eq!(a.state(now), ActivationState::Active);
        a.expiration = Some(now + chrono::Duration::days(2));
        assert_eq!(a.state(now), ActivationState::ExpiringSoon);
        a.expiration = Some(now - chrono::Duration::days(2));
        assert_eq!(a.state(now), ActivationState::Expired);
        a.expiration = Some(now + chrono::Duration::days(20));
        a.registrations_count = 10;
        assert_eq!(a.state(now), ActivationState::Full);
        a.expired = true;
        assert_eq!(a.state(now), ActivationState::Expired);
    }

    #[test]
    fn targets_join() {
        let t = vec![HistoryTarget {
            key: "tag:Env".into(),
            values: vec!["prod".into(), "stage".into()],
        }];
        assert_eq!(targets_label(&t, &[]), "tag:Env=prod,stage");
        let ids = vec![HistoryTarget {
            key: "InstanceIds".into(),
            values: vec!["i-1".into(), "mi-2".into()],
        }];
        assert_eq!(targets_label(&ids, &[]), "i-1,mi-2");
        assert_eq!(targets_label(&[], &["i-1".into(), "i-2".into()]), "i-1,i-2");
    }
}
