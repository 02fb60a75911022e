use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ScopeId;

/// The OpsItem statuses the cockpit sets.
pub const OPS_ITEM_STATUSES: [&str; 3] = ["Open", "InProgress", "Resolved"];

/// An OpsItem (an `OpsItemSummary` of DescribeOpsItems, or the `OpsItem` of GetOpsItem).
///
/// Strings AWS may omit are empty. `description` is only set once GetOpsItem answered
/// (`detailed`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpsItem {
    #[serde(skip)]
    pub scope: ScopeId,
    pub id: String,
    pub title: String,
    pub description: String,
    /// Open, InProgress, Resolved, ...
    pub status: String,
    /// "1" (critical) .. "4" (low); empty when unset.
    pub severity: String,
    /// 1 (highest) .. 5.
    pub priority: Option<i32>,
    pub source: String,
    pub category: String,
    /// `/aws/issue`, `/aws/changerequest`, ...
    pub ops_item_type: String,
    pub created_by: String,
    pub created: Option<DateTime<Utc>>,
    pub last_modified_by: String,
    pub last_modified: Option<DateTime<Utc>>,
    /// Operational data (key, value), sorted by key, `/aws/*` keys included.
    pub operational_data: Vec<(String, String)>,
    /// Resource ids/ARNs parsed from `/aws/resources`.
    pub resources: Vec<String>,
    /// Automation runbooks (document names) parsed from `/aws/automations`.
    pub runbooks: Vec<String>,
    /// Ids of related OpsItems (GetOpsItem only).
    pub related_ops_items: Vec<String>,
    /// Version (GetOpsItem only).
    pub version: String,
    /// The ARN (GetOpsItem only).
    pub arn: String,
    /// Filled by GetOpsItem (description, related items, version).
    pub detailed: bool,
}

impl OpsItem {
    /// An item with only its id set. Handy for builders and tests.
    pub fn new(scope: ScopeId, id: impl Into<String>) -> OpsItem {
        OpsItem {
            scope,
            id: id.into(),
            title: String::new(),
            description: String::new(),
            status: String::new(),
            severity: String::new(),
            priority: None,
            source: String::new(),
            category: String::new(),
            ops_item_type: String::new(),
            created_by: String::new(),
            created: None,
            last_modified_by: String::new(),
            last_modified: None,
            operational_data: Vec::new(),
            resources: Vec::new(),
            runbooks: Vec::new(),
            related_ops_items: Vec::new(),
            version: String::new(),
            arn: String::new(),
            detailed: false,
        }
    }

    /// The value of operational data `key`.
    pub fn data(&self, key: &str) -> Option<&str> {
        self.operational_data
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Open or in progress (not resolved, closed, cancelled...).
    pub fn is_open(&self) -> bool {
        matches!(self.status.as_str(), "Open" | "InProgress" | "Pending")
    }
}

/// One event of an OpsItem (ListOpsItemEvents).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpsItemEvent {
    pub event_id: String,
    pub source: String,
    pub detail_type: String,
    /// The event's detail, as sent (usually JSON).
    pub detail: String,
    pub created_by: String,
    pub created: Option<DateTime<Utc>>,
}

/// A resource related to an OpsItem (ListOpsItemRelatedItems).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpsItemRelated {
    pub association_id: String,
    /// e.g. `AWS::SSM::Document`, `AWS::EC2::Instance`.
    pub resource_type: String,
    pub resource_uri: String,
    /// e.g. `IsParentOf`, `RelatesTo`.
    pub association_type: String,
    pub created_by: String,
    pub created: Option<DateTime<Utc>>,
}

/// One OpsItem in full: GetOpsItem + its events + its related items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpsItemDetail {
    pub item: OpsItem,
    pub events: Vec<OpsItemEvent>,
    pub related: Vec<OpsItemRelated>,
    pub fetched: DateTime<Utc>,
}
