//! `export associations` and `export windows`: State Manager associations with their
//! per-status node counts, and maintenance windows with their upcoming runs.

use serde::Serialize;

use super::{Record, Row, ScopeColumns, time};
use crate::model::{Association, MaintenanceWindow, Scope, association_targets_label};

#[derive(Debug, Serialize)]
pub(super) struct AssociationRecord<'a> {
    #[serde(flatten)]
    scope: ScopeColumns<'a>,
    association_id: &'a str,
    name: &'a str,
    document: &'a str,
    document_version: &'a str,
    schedule: &'a str,
    targets: String,
    last_execution: Option<String>,
    status: &'a str,
    detailed_status: &'a str,
    nodes: u32,
    success: u32,
    failed: u32,
    pending: u32,
}

impl<'a> AssociationRecord<'a> {
    fn new(scope: &'a Scope, a: &'a Association) -> Self {
        AssociationRecord {
            scope: ScopeColumns::new(scope),
            association_id: &a.association_id,
            name: &a.name,
            document: &a.document,
            document_version: &a.document_version,
            schedule: &a.schedule,
            targets: association_targets_label(&a.targets),
            last_execution: time(a.last_execution),
            status: &a.status,
            detailed_status: &a.detailed_status,
            nodes: a.total(),
            success: a.count("Success"),
            failed: a.count("Failed"),
            pending: a.count("Pending"),
        }
    }
}

impl Record for AssociationRecord<'_> {
    fn columns(_: &[Self]) -> Vec<String> {
        ScopeColumns::header(&[
            "association_id",
            "name",
            "document",
            "document_version",
            "schedule",
            "targets",
            "last_execution",
            "status",
            "detailed_status",
            "nodes",
            "success",
            "failed",
            "pending",
        ])
    }

    fn fields(&self, _: &[String]) -> Vec<String> {
        self.scope.row(vec![
            self.association_id.into(),
            self.name.into(),
            self.document.into(),
            self.document_version.into(),
            self.schedule.into(),
            self.targets.clone(),
            self.last_execution.clone().unwrap_or_default(),
            self.status.into(),
            self.detailed_status.into(),
            self.nodes.to_string(),
            self.success.to_string(),
            self.failed.to_string(),
            self.pending.to_string(),
        ])
    }
}

#[derive(Debug, Serialize)]
pub(super) struct WindowRecord<'a> {
    #[serde(flatten)]
    scope: ScopeColumns<'a>,
    window_id: &'a str,
    name: &'a str,
    description: &'a str,
    enabled: bool,
    schedule: &'a str,
    timezone: &'a str,
    duration_hours: u32,
    cutoff_hours: u32,
    next_execution: Option<String>,
    upcoming: Vec<String>,
}

impl<'a> WindowRecord<'a> {
    fn new(scope: &'a Scope, w: &'a MaintenanceWindow) -> Self {
        WindowRecord {
            scope: ScopeColumns::new(scope),
            window_id: &w.window_id,
            name: &w.name,
            description: &w.description,
            enabled: w.enabled,
            schedule: &w.schedule,
            timezone: w.zone(),
            duration_hours: w.duration,
            cutoff_hours: w.cutoff,
            next_execution: time(w.next_execution),
            upcoming: w.upcoming.iter().map(|t| t.to_rfc3339()).collect(),
        }
    }
}

impl Record for WindowRecord<'_> {
    fn columns(_: &[Self]) -> Vec<String> {
        ScopeColumns::header(&[
            "window_id",
            "name",
            "description",
            "enabled",
            "schedule",
            "timezone",
            "duration_hours",
            "cutoff_hours",
            "next_execution",
            "upcoming",
        ])
    }

    fn fields(&self, _: &[String]) -> Vec<String> {
        self.scope.row(vec![
            self.window_id.into(),
            self.name.into(),
            self.description.into(),
            self.enabled.to_string(),
            self.schedule.into(),
            self.timezone.into(),
            self.duration_hours.to_string(),
            self.cutoff_hours.to_string(),
            self.next_execution.clone().unwrap_or_default(),
            self.upcoming.join(";"),
        ])
    }
}

/// Associations go by label (name, else document).
impl Row for Association {
    type Rec<'a> = AssociationRecord<'a>;
    fn key(&self) -> &str {
        self.label()
    }
    fn records<'a>(&'a self, scope: &'a Scope) -> impl Iterator<Item = AssociationRecord<'a>> {
        std::iter::once(AssociationRecord::new(scope, self))
    }
}

impl Row for MaintenanceWindow {
    type Rec<'a> = WindowRecord<'a>;
    fn key(&self) -> &str {
        &self.name
    }
    fn records<'a>(&'a self, scope: &'a Scope) -> impl Iterator<Item = WindowRecord<'a>> {
        std::iter::once(WindowRecord::new(scope, self))
    }
}
