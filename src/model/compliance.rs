use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ScopeId;

/// Compliance severity, worst first.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
pub enum ComplianceSeverity {
    Critical,
    High,
    Medium,
    Low,
    Informational,
    #[default]
    Unspecified,
}

impl ComplianceSeverity {
    pub const ALL: [ComplianceSeverity; 6] = [
        ComplianceSeverity::Critical,
        ComplianceSeverity::High,
        ComplianceSeverity::Medium,
        ComplianceSeverity::Low,
        ComplianceSeverity::Informational,
        ComplianceSeverity::Unspecified,
    ];

    /// As AWS spells it: CRITICAL, HIGH, ...
    pub fn as_str(self) -> &'static str {
        match self {
            ComplianceSeverity::Critical => "CRITICAL",
            ComplianceSeverity::High => "HIGH",
            ComplianceSeverity::Medium => "MEDIUM",
            ComplianceSeverity::Low => "LOW",
            ComplianceSeverity::Informational => "INFORMATIONAL",
            ComplianceSeverity::Unspecified => "UNSPECIFIED",
        }
    }

    pub fn parse(s: &str) -> ComplianceSeverity {
        match s.to_ascii_uppercase().as_str() {
            "CRITICAL" => ComplianceSeverity::Critical,
            "HIGH" => ComplianceSeverity::High,
            "MEDIUM" => ComplianceSeverity::Medium,
            "LOW" => ComplianceSeverity::Low,
            "INFORMATIONAL" => ComplianceSeverity::Informational,
            _ => ComplianceSeverity::Unspecified,
        }
    }
}

/// Counts split by severity (a `SeveritySummary`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SeverityCounts {
    pub critical: u32,
    pub high: u32,
    pub medium: u32,
    pub low: u32,
    pub informational: u32,
    pub unspecified: u32,
}

impl SeverityCounts {
    pub fn get(&self, s: ComplianceSeverity) -> u32 {
        match s {
            ComplianceSeverity::Critical => self.critical,
            ComplianceSeverity::High => self.high,
            ComplianceSeverity::Medium => self.medium,
            ComplianceSeverity::Low => self.low,
            ComplianceSeverity::Informational => self.informational,
            ComplianceSeverity::Unspecified => self.unspecified,
        }
    }

    pub fn total(&self) -> u32 {
        ComplianceSeverity::ALL.iter().map(|s| self.get(*s)).sum()
    }

    /// The worst severity with a non-zero count.
    pub fn worst(&self) -> Option<ComplianceSeverity> {
        ComplianceSeverity::ALL
            .into_iter()
            .find(|s| self.get(*s) > 0)
    }

    pub fn add(&mut self, o: &SeverityCounts) {
        self.critical += o.critical;
        self.high += o.high;
        self.medium += o.medium;
        self.low += o.low;
        self.informational += o.informational;
        self.unspecified += o.unspecified;
    }
}

/// Compliance of one type in one scope (ListComplianceSummaries), counted in resources.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComplianceSummary {
    #[serde(skip)]
    pub scope: ScopeId,
    /// `Patch`, `Association`, `Custom:...`.
    pub compliance_type: String,
    pub compliant: SeverityCounts,
    pub non_compliant: SeverityCounts,
}

impl ComplianceSummary {
    pub fn compliant_count(&self) -> u32 {
        self.compliant.total()
    }

    pub fn non_compliant_count(&self) -> u32 {
        self.non_compliant.total()
    }
}

/// A non-compliant resource and one compliance type (ListResourceComplianceSummaries).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceCompliance {
    #[serde(skip)]
    pub scope: ScopeId,
    pub resource_id: String,
    /// `ManagedInstance`.
    pub resource_type: String,
    pub compliance_type: String,
    /// COMPLIANT / NON_COMPLIANT.
    pub status: String,
    /// The worst severity of its non-compliant items (`OverallSeverity`).
    pub worst_severity: ComplianceSeverity,
    pub compliant: SeverityCounts,
    pub non_compliant: SeverityCounts,
    pub execution_id: String,
    pub execution_time: Option<DateTime<Utc>>,
}

/// One compliance item of a resource (ListComplianceItems).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComplianceItem {
    #[serde(skip)]
    pub scope: ScopeId,
    pub resource_id: String,
    pub resource_type: String,
    pub compliance_type: String,
    pub id: String,
    pub title: String,
    pub status: String,
    pub severity: ComplianceSeverity,
    /// Details (key, value), sorted by key.
    pub details: Vec<(String, String)>,
    pub execution_id: String,
    pub execution_type: String,
    pub execution_time: Option<DateTime<Utc>>,
}

/// Patch state of one node (DescribeInstancePatchStates).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatchState {
    #[serde(skip)]
    pub scope: ScopeId,
    pub instance_id: String,
    pub patch_group: String,
    pub baseline_id: String,
    pub installed: u32,
    pub installed_other: u32,
    pub installed_pending_reboot: u32,
    pub installed_rejected: u32,
    pub missing: u32,
    pub failed: u32,
    pub not_applicable: u32,
    pub unreported_not_applicable: u32,
    pub critical_non_compliant: u32,
    pub security_non_compliant: u32,
    pub other_non_compliant: u32,
    /// `Scan` or `Install`.
    pub operation: String,
    pub operation_start: Option<DateTime<Utc>>,
    /// End of the last scan or install (whichever `operation` says).
    pub operation_end: Option<DateTime<Utc>>,
    pub last_no_reboot_install: Option<DateTime<Utc>>,
    pub reboot_option: String,
}

impl PatchState {
    pub fn new(scope: ScopeId, instance_id: impl Into<String>) -> PatchState {
        PatchState {
            scope,
            instance_id: instance_id.into(),
            patch_group: String::new(),
            baseline_id: String::new(),
            installed: 0,
            installed_other: 0,
            installed_pending_reboot: 0,
            installed_rejected: 0,
            missing: 0,
            failed: 0,
            not_applicable: 0,
            unreported_not_applicable: 0,
            critical_non_compliant: 0,
            security_non_compliant: 0,
            other_non_compliant: 0,
            operation: String::new(),
            operation_start: None,
            operation_end: None,
            last_no_reboot_install: None,
            reboot_option: String::new(),
        }
    }

    /// Missing or failed patches, or a reboot pending.
    pub fn needs_attention(&self) -> bool {
        self.missing > 0 || self.failed > 0 || self.installed_pending_reboot > 0
    }
}
