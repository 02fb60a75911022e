//! State Manager associations: what ListAssociations reports per scope, and the detail
//! of one association (its executions and the targets of the latest one).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ScopeId;

/// One association (ListAssociations, or DescribeAssociation in a detail).
///
/// Strings AWS may omit are empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Association {
    #[serde(skip)]
    pub scope: ScopeId,
    pub association_id: String,
    /// The association's name (`AssociationName`); may be empty.
    pub name: String,
    /// The SSM document it applies (`Name`).
    pub document: String,
    pub document_version: String,
    /// (key, values) as AWS gives them, e.g. `tag:Environment = prod`.
    pub targets: Vec<(String, Vec<String>)>,
    /// `cron(...)` or `rate(...)`; empty when it runs only on demand.
    pub schedule: String,
    pub last_execution: Option<DateTime<Utc>>,
    /// Overview status: `Success`, `Failed`, `Pending`.
    pub status: String,
    pub detailed_status: String,
    /// Targets per status (`AssociationStatusAggregatedCount`), sorted by status.
    pub counts: Vec<(String, u32)>,
}

impl Association {
    /// The name to show: the association's name, else its document.
    pub fn label(&self) -> &str {
        if self.name.is_empty() {
            &self.document
        } else {
            &self.name
        }
    }

    /// Targets in status `status`.
    pub fn count(&self, status: &str) -> u32 {
        self.counts
            .iter()
            .filter(|(s, _)| s == status)
            .map(|(_, n)| *n)
            .sum()
    }

    /// Every target counted.
    pub fn total(&self) -> u32 {
        self.counts.iter().map(|(_, n)| *n).sum()
    }

    /// `tag:Environment=prod; InstanceIds=*`.
    pub fn targets_label(&self) -> String {
        targets_label(&self.targets)
    }
}

/// `key=v1,v2; key2=v3` of a target list.
pub fn targets_label(targets: &[(String, Vec<String>)]) -> String {
    targets
        .iter()
        .map(|(k, v)| format!("{k}={}", v.join(",")))
        .collect::<Vec<_>>()
        .join("; ")
}

/// One execution of an association (DescribeAssociationExecutions).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssociationExecution {
    pub execution_id: String,
    pub status: String,
    pub detailed_status: String,
    pub created: Option<DateTime<Utc>>,
    pub last_execution: Option<DateTime<Utc>>,
    /// `ResourceCountByStatus` as AWS writes it, e.g. `{Failed=2,Success=10}`.
    pub resource_counts: String,
}

/// One target of an execution (DescribeAssociationExecutionTargets).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssociationTarget {
    pub resource_id: String,
    pub resource_type: String,
    pub status: String,
    pub detailed_status: String,
    pub last_execution: Option<DateTime<Utc>>,
    /// The Run Command command that ran it, when AWS names one.
    pub output_source_id: String,
}

/// An association's status on one node (DescribeInstanceAssociationsStatus).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstanceAssociationStatus {
    pub association_id: String,
    pub association_name: String,
    pub document: String,
    pub instance_id: String,
    pub status: String,
    pub detailed_status: String,
    pub execution_date: Option<DateTime<Utc>>,
    pub execution_summary: String,
    pub error_code: String,
}

/// One association in full: DescribeAssociation, its executions (newest first), the
/// targets of the latest execution, and the association statuses of its failing nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct AssociationDetail {
    pub association: Association,
    /// `CRITICAL` ... `UNSPECIFIED`; empty when AWS gives none.
    pub compliance_severity: String,
    pub max_concurrency: String,
    pub max_errors: String,
    pub executions: Vec<AssociationExecution>,
    /// Targets of `executions[0]`.
    pub targets: Vec<AssociationTarget>,
    /// For failing targets (a few): every association's status on that node.
    pub failing_nodes: Vec<InstanceAssociationStatus>,
    pub fetched: DateTime<Utc>,
}

impl AssociationDetail {
    /// Targets of the latest execution that did not succeed, failed ones first.
    pub fn failing_targets(&self) -> Vec<&AssociationTarget> {
        let mut t: Vec<&AssociationTarget> = self
            .targets
            .iter()
            .filter(|t| t.status != "Success")
            .collect();
        t.sort_by_key(|t| (t.status != "Failed", t.resource_id.clone()));
        t
    }
}
