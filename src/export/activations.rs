//! `export activations`, `export commands` and `export automations`: hybrid activations
//! (with the scope's instance tier and each activation's state), recent Run Command
//! commands and recent Automation executions of every scope.

use std::io::Write;

use serde::Serialize;

use super::{ExportError, ExportSummary, Format, Record, poll_scopes, time, write_records};
use crate::aws::AwsOptions;
use crate::config::AccountsConfig;
use crate::model::{Activation, RecentAutomation, RecentCommand, Scope};
use crate::poll::{PollOptions, fetch_activations, fetch_automations, fetch_commands};

#[derive(Debug, Serialize)]
struct ActivationRecord<'a> {
    account_id: &'a str,
    account_name: &'a str,
    region: &'a str,
    activation_id: &'a str,
    description: &'a str,
    default_instance_name: &'a str,
    iam_role: &'a str,
    registration_limit: u32,
    registrations_count: u32,
    created: Option<String>,
    expiration: Option<String>,
    expired: bool,
    /// expired, expiring soon, full or active, at the time of the export.
    state: &'static str,
    /// The scope's instance tier of on-premises nodes (standard, advanced).
    instance_tier: Option<&'a str>,
    tags: Vec<(&'a str, &'a str)>,
}

impl<'a> ActivationRecord<'a> {
    fn new(scope: &'a Scope, a: &'a Activation, tier: Option<&'a str>) -> Self {
        let now = chrono::Utc::now();
        ActivationRecord {
            account_id: &scope.account.id,
            account_name: &scope.account.name,
            region: &scope.region,
            activation_id: &a.activation_id,
            description: &a.description,
            default_instance_name: &a.default_instance_name,
            iam_role: &a.iam_role,
            registration_limit: a.registration_limit,
            registrations_count: a.registrations_count,
            created: time(a.created),
            expiration: time(a.expiration),
            expired: a.expired || a.expiration.is_some_and(|t| t <= now),
            state: a.state(now).label(),
            instance_tier: tier,
            tags: a
                .tags
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect(),
        }
    }
}

impl Record for ActivationRecord<'_> {
    fn columns(_: &[Self]) -> Vec<String> {
        [
            "account_id",
            "account_name",
            "region",
            "activation_id",
            "description",
            "default_instance_name",
            "iam_role",
            "registration_limit",
            "registrations_count",
            "created",
            "expiration",
            "expired",
            "state",
            "instance_tier",
            "tags",
        ]
        .map(String::from)
        .to_vec()
    }

    fn fields(&self, _: &[String]) -> Vec<String> {
        vec![
            self.account_id.into(),
            self.account_name.into(),
            self.region.into(),
            self.activation_id.into(),
            self.description.into(),
            self.default_instance_name.into(),
            self.iam_role.into(),
            self.registration_limit.to_string(),
            self.registrations_count.to_string(),
            self.created.clone().unwrap_or_default(),
            self.expiration.clone().unwrap_or_default(),
            self.expired.to_string(),
            self.state.into(),
            self.instance_tier.unwrap_or_default().into(),
            self.tags
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(";"),
        ]
    }
}

/// Every hybrid activation of every scope, by account, region, id.
pub async fn export_activations(
    aws: &AwsOptions,
    accounts: &AccountsConfig,
    poll: &PollOptions,
    format: Format,
    allow_partial: bool,
    out: &mut dyn Write,
) -> Result<ExportSummary, ExportError> {
    let (done, summary) = poll_scopes(aws, accounts, poll, allow_partial, |feed| async move {
        let (items, tier) = fetch_activations(&feed).await?;
        Ok(items
            .into_iter()
            .map(|a| (a, tier.clone()))
            .collect::<Vec<_>>())
    })
    .await?;
    write_records(
        &done,
        |(a, _)| a.activation_id.as_str(),
        |s, (a, tier)| [ActivationRecord::new(s, a, tier.as_deref())],
        format,
        out,
        summary,
    )
}

#[derive(Debug, Serialize)]
struct CommandRecord<'a> {
    account_id: &'a str,
    account_name: &'a str,
    region: &'a str,
    command_id: &'a str,
    document: &'a str,
    document_version: &'a str,
    comment: &'a str,
    status: &'a str,
    requested: Option<String>,
    targets: String,
    target_count: u32,
    completed_count: u32,
    error_count: u32,
    delivery_timed_out_count: u32,
    max_concurrency: &'a str,
    max_errors: &'a str,
}

impl Record for CommandRecord<'_> {
    fn columns(_: &[Self]) -> Vec<String> {
        [
            "account_id",
            "account_name",
            "region",
            "command_id",
            "document",
            "document_version",
            "comment",
            "status",
            "requested",
            "targets",
            "target_count",
            "completed_count",
            "error_count",
            "delivery_timed_out_count",
            "max_concurrency",
            "max_errors",
        ]
        .map(String::from)
        .to_vec()
    }

    fn fields(&self, _: &[String]) -> Vec<String> {
        vec![
            self.account_id.into(),
            self.account_name.into(),
            self.region.into(),
            self.command_id.into(),
            self.document.into(),
            self.document_version.into(),
            self.comment.into(),
            self.status.into(),
            self.requested.clone().unwrap_or_default(),
            self.targets.clone(),
            self.target_count.to_string(),
            self.completed_count.to_string(),
            self.error_count.to_string(),
            self.delivery_timed_out_count.to_string(),
            self.max_concurrency.into(),
            self.max_errors.into(),
        ]
    }
}

fn command_record<'a>(scope: &'a Scope, c: &'a RecentCommand) -> CommandRecord<'a> {
    CommandRecord {
        account_id: &scope.account.id,
        account_name: &scope.account.name,
        region: &scope.region,
        command_id: &c.command_id,
        document: &c.document_name,
        document_version: &c.document_version,
        comment: &c.comment,
        status: &c.status,
        requested: time(c.requested),
        targets: c.targets_label(),
        target_count: c.target_count,
        completed_count: c.completed_count,
        error_count: c.error_count,
        delivery_timed_out_count: c.delivery_timed_out_count,
        max_concurrency: &c.max_concurrency,
        max_errors: &c.max_errors,
    }
}

/// The recent Run Command commands of every scope (ListCommands, newest first per scope
/// up to the history limit), by account, region, command id.
pub async fn export_commands(
    aws: &AwsOptions,
    accounts: &AccountsConfig,
    poll: &PollOptions,
    format: Format,
    allow_partial: bool,
    out: &mut dyn Write,
) -> Result<ExportSummary, ExportError> {
    let (done, summary) = poll_scopes(aws, accounts, poll, allow_partial, |feed| async move {
        fetch_commands(&feed).await
    })
    .await?;
    write_records(
        &done,
        |c| c.command_id.as_str(),
        |s, c| [command_record(s, c)],
        format,
        out,
        summary,
    )
}

#[derive(Debug, Serialize)]
struct AutomationRecord<'a> {
    account_id: &'a str,
    account_name: &'a str,
    region: &'a str,
    execution_id: &'a str,
    document: &'a str,
    document_version: &'a str,
    status: &'a str,
    started: Option<String>,
    ended: Option<String>,
    executed_by: &'a str,
    mode: &'a str,
    current_step: &'a str,
    failure_message: &'a str,
    targets: String,
}

impl Record for AutomationRecord<'_> {
    fn columns(_: &[Self]) -> Vec<String> {
        [
            "account_id",
            "account_name",
            "region",
            "execution_id",
            "document",
            "document_version",
            "status",
            "started",
            "ended",
            "executed_by",
            "mode",
            "current_step",
            "failure_message",
            "targets",
        ]
        .map(String::from)
        .to_vec()
    }

    fn fields(&self, _: &[String]) -> Vec<String> {
        vec![
            self.account_id.into(),
            self.account_name.into(),
            self.region.into(),
            self.execution_id.into(),
            self.document.into(),
            self.document_version.into(),
            self.status.into(),
            self.started.clone().unwrap_or_default(),
            self.ended.clone().unwrap_or_default(),
            self.executed_by.into(),
            self.mode.into(),
            self.current_step.into(),
            self.failure_message.into(),
            self.targets.clone(),
        ]
    }
}

fn automation_record<'a>(scope: &'a Scope, a: &'a RecentAutomation) -> AutomationRecord<'a> {
    AutomationRecord {
        account_id: &scope.account.id,
        account_name: &scope.account.name,
        region: &scope.region,
        execution_id: &a.execution_id,
        document: &a.document_name,
        document_version: &a.document_version,
        status: &a.status,
        started: time(a.started),
        ended: time(a.ended),
        executed_by: &a.executed_by,
        mode: &a.mode,
        current_step: &a.current_step,
        failure_message: &a.failure_message,
        targets: a.targets_label(),
    }
}

/// The recent Automation executions of every scope, by account, region, execution id.
pub async fn export_automations(
    aws: &AwsOptions,
    accounts: &AccountsConfig,
    poll: &PollOptions,
    format: Format,
    allow_partial: bool,
    out: &mut dyn Write,
) -> Result<ExportSummary, ExportError> {
    let (done, summary) = poll_scopes(aws, accounts, poll, allow_partial, |feed| async move {
        fetch_automations(&feed).await
    })
    .await?;
    write_records(
        &done,
        |a| a.execution_id.as_str(),
        |s, a| [automation_record(s, a)],
        format,
        out,
        summary,
    )
}
