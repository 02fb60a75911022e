//! The history exports, as the history feeds group them: `export activations`,
//! `export commands` and `export automations` — hybrid activations (with the scope's
//! instance tier and each activation's state), recent Run Command commands and recent
//! Automation executions of every scope.

use serde::Serialize;

use super::{Record, Row, ScopeColumns, time};
use crate::model::{Activation, RecentAutomation, RecentCommand, Scope};

#[derive(Debug, Serialize)]
pub(super) struct ActivationRecord<'a> {
    #[serde(flatten)]
    scope: ScopeColumns<'a>,
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
            scope: ScopeColumns::new(scope),
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
        ScopeColumns::header(&[
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
        ])
    }

    fn fields(&self, _: &[String]) -> Vec<String> {
        self.scope.row(vec![
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
        ])
    }
}

/// An activation with its scope's instance tier, by activation id.
impl Row for (Activation, Option<String>) {
    type Rec<'a> = ActivationRecord<'a>;
    fn key(&self) -> &str {
        &self.0.activation_id
    }
    fn records<'a>(&'a self, scope: &'a Scope) -> impl Iterator<Item = ActivationRecord<'a>> {
        std::iter::once(ActivationRecord::new(scope, &self.0, self.1.as_deref()))
    }
}

#[derive(Debug, Serialize)]
pub(super) struct CommandRecord<'a> {
    #[serde(flatten)]
    scope: ScopeColumns<'a>,
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
        ScopeColumns::header(&[
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
        ])
    }

    fn fields(&self, _: &[String]) -> Vec<String> {
        self.scope.row(vec![
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
        ])
    }
}

fn command_record<'a>(scope: &'a Scope, c: &'a RecentCommand) -> CommandRecord<'a> {
    CommandRecord {
        scope: ScopeColumns::new(scope),
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

impl Row for RecentCommand {
    type Rec<'a> = CommandRecord<'a>;
    fn key(&self) -> &str {
        &self.command_id
    }
    fn records<'a>(&'a self, scope: &'a Scope) -> impl Iterator<Item = CommandRecord<'a>> {
        std::iter::once(command_record(scope, self))
    }
}

#[derive(Debug, Serialize)]
pub(super) struct AutomationRecord<'a> {
    #[serde(flatten)]
    scope: ScopeColumns<'a>,
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
        ScopeColumns::header(&[
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
        ])
    }

    fn fields(&self, _: &[String]) -> Vec<String> {
        self.scope.row(vec![
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
        ])
    }
}

fn automation_record<'a>(scope: &'a Scope, a: &'a RecentAutomation) -> AutomationRecord<'a> {
    AutomationRecord {
        scope: ScopeColumns::new(scope),
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

impl Row for RecentAutomation {
    type Rec<'a> = AutomationRecord<'a>;
    fn key(&self) -> &str {
        &self.execution_id
    }
    fn records<'a>(&'a self, scope: &'a Scope) -> impl Iterator<Item = AutomationRecord<'a>> {
        std::iter::once(automation_record(scope, self))
    }
}
