//! `export associations` and `export windows`: State Manager associations with their
//! per-status node counts, and maintenance windows with their upcoming runs.

use std::io::Write;

use serde::Serialize;

use super::{ExportError, ExportSummary, Format, Record, poll_scopes, time, write_records};
use crate::aws::AwsOptions;
use crate::config::AccountsConfig;
use crate::model::{Association, MaintenanceWindow, Scope, association_targets_label};
use crate::poll::{PollOptions, fetch_associations, fetch_windows};

#[derive(Debug, Serialize)]
struct AssociationRecord<'a> {
    account_id: &'a str,
    account_name: &'a str,
    region: &'a str,
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
            account_id: &scope.account.id,
            account_name: &scope.account.name,
            region: &scope.region,
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
        [
            "account_id",
            "account_name",
            "region",
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
        ]
        .map(String::from)
        .to_vec()
    }

    fn fields(&self, _: &[String]) -> Vec<String> {
        vec![
            self.account_id.into(),
            self.account_name.into(),
            self.region.into(),
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
        ]
    }
}

#[derive(Debug, Serialize)]
struct WindowRecord<'a> {
    account_id: &'a str,
    account_name: &'a str,
    region: &'a str,
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
            account_id: &scope.account.id,
            account_name: &scope.account.name,
            region: &scope.region,
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
        [
            "account_id",
            "account_name",
            "region",
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
        ]
        .map(String::from)
        .to_vec()
    }

    fn fields(&self, _: &[String]) -> Vec<String> {
        vec![
            self.account_id.into(),
            self.account_name.into(),
            self.region.into(),
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
        ]
    }
}

/// Every association of every scope, by account, region, name.
pub async fn export_associations(
    aws: &AwsOptions,
    accounts: &AccountsConfig,
    poll: &PollOptions,
    format: Format,
    allow_partial: bool,
    out: &mut dyn Write,
) -> Result<ExportSummary, ExportError> {
    let (done, summary) = poll_scopes(aws, accounts, poll, allow_partial, |feed| async move {
        fetch_associations(&feed).await
    })
    .await?;
    write_records(
        &done,
        |a| a.label(),
        |s, a| [AssociationRecord::new(s, a)],
        format,
        out,
        summary,
    )
}

/// Every maintenance window of every scope with its runs of the next days.
pub async fn export_windows(
    aws: &AwsOptions,
    accounts: &AccountsConfig,
    poll: &PollOptions,
    format: Format,
    allow_partial: bool,
    out: &mut dyn Write,
) -> Result<ExportSummary, ExportError> {
    let (done, summary) = poll_scopes(aws, accounts, poll, allow_partial, |feed| async move {
        fetch_windows(&feed).await
    })
    .await?;
    write_records(
        &done,
        |w| w.name.as_str(),
        |s, w| [WindowRecord::new(s, w)],
        format,
        out,
        summary,
    )
}
