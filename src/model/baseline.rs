//! Patch Manager baselines in full (GetPatchBaseline), patch groups and the patches of
//! one node (DescribeInstancePatches).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ScopeId;

/// A patch filter: key (`CLASSIFICATION`, `SEVERITY`, `PRODUCT`, ...) and values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatchFilter {
    pub key: String,
    pub values: Vec<String>,
}

impl PatchFilter {
    /// `KEY=a,b`.
    pub fn text(&self) -> String {
        format!("{}={}", self.key, self.values.join(","))
    }
}

/// One approval rule of a baseline: patches matching the filters are approved some days
/// after release, or up to a cutoff date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalRule {
    pub filters: Vec<PatchFilter>,
    pub compliance_level: String,
    pub approve_after_days: Option<i32>,
    /// `YYYY-MM-DD`.
    pub approve_until: Option<String>,
    pub enable_non_security: bool,
}

impl ApprovalRule {
    /// `after 7 days` or `until 2026-10-01`.
    pub fn approval(&self) -> String {
        match (&self.approve_after_days, &self.approve_until) {
            (Some(d), _) => format!("after {d} day{}", if *d == 1 { "" } else { "s" }),
            (None, Some(u)) => format!("until {u}"),
            (None, None) => "—".into(),
        }
    }
}

/// A patch baseline as GetPatchBaseline describes it (with DescribePatchBaselines'
/// default flag).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatchBaseline {
    #[serde(skip)]
    pub scope: ScopeId,
    pub id: String,
    pub name: String,
    pub operating_system: String,
    pub description: String,
    /// The default baseline of its operating system.
    pub default_baseline: bool,
    pub global_filters: Vec<PatchFilter>,
    pub rules: Vec<ApprovalRule>,
    pub approved_patches: Vec<String>,
    pub approved_compliance_level: String,
    pub rejected_patches: Vec<String>,
    /// `ALLOW_AS_DEPENDENCY` or `BLOCK`.
    pub rejected_action: String,
    pub patch_groups: Vec<String>,
    pub created: Option<DateTime<Utc>>,
    pub modified: Option<DateTime<Utc>>,
}

impl PatchBaseline {
    /// Owned by AWS (a predefined baseline).
    pub fn aws_owned(&self) -> bool {
        self.name.starts_with("AWS-")
    }

    /// The approval of every rule, e.g. `after 2 days; after 7 days`.
    pub fn approval_summary(&self) -> String {
        if self.rules.is_empty() {
            return "—".into();
        }
        self.rules
            .iter()
            .map(ApprovalRule::approval)
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// A patch group and the baseline serving it (DescribePatchGroups).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatchGroupMapping {
    #[serde(skip)]
    pub scope: ScopeId,
    pub group: String,
    pub baseline_id: String,
    pub baseline_name: String,
    pub operating_system: String,
}

/// One patch of one node (DescribeInstancePatches).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodePatch {
    pub title: String,
    pub kb_id: String,
    pub classification: String,
    pub severity: String,
    /// `INSTALLED`, `INSTALLED_OTHER`, `INSTALLED_PENDING_REBOOT`, `INSTALLED_REJECTED`,
    /// `MISSING`, `NOT_APPLICABLE`, `FAILED`, `AVAILABLE_SECURITY_UPDATE`.
    pub state: String,
    pub installed_time: Option<DateTime<Utc>>,
    pub cves: String,
}

impl NodePatch {
    /// Missing or failed: what an install would fix.
    pub fn needs_action(&self) -> bool {
        matches!(self.state.as_str(), "MISSING" | "FAILED")
    }
}
