//! Recent Run Command commands (ListCommands) and Automation executions
//! (DescribeAutomationExecutions) of one scope.

use aws_sdk_ssm::types::{AutomationExecutionMetadata, Command, Target};

use crate::model::{HistoryTarget, RecentAutomation, RecentCommand, ScopeId};

use super::convert::{next_token, text, time};
use super::error::AwsError;
use super::nodes::{Page, SsmRead};

/// Largest page ListCommands allows.
pub const COMMANDS_PAGE_SIZE: i32 = 50;
/// Largest page DescribeAutomationExecutions allows.
pub const AUTOMATIONS_PAGE_SIZE: i32 = 50;
/// At most this many recent commands (or executions) are read per scope and poll.
pub const HISTORY_LIMIT: usize = 200;

fn targets(t: &[Target]) -> Vec<HistoryTarget> {
    t.iter()
        .map(|t| HistoryTarget {
            key: text(t.key()),
            values: t.values().to_vec(),
        })
        .collect()
}

/// A ListCommands `Command` as a model command.
pub fn command_from(scope: ScopeId, c: &Command) -> RecentCommand {
    let mut r = RecentCommand::new(scope, text(c.command_id()));
    r.document_name = text(c.document_name());
    r.document_version = text(c.document_version());
    r.comment = text(c.comment());
    r.status = c
        .status()
        .map(|s| s.as_str().to_string())
        .unwrap_or_default();
    r.status_details = text(c.status_details());
    r.requested = time(c.requested_date_time());
    r.expires_after = time(c.expires_after());
    r.instance_ids = c.instance_ids().to_vec();
    r.targets = targets(c.targets());
    let mut params: Vec<(String, String)> = c
        .parameters()
        .map(|p| p.iter().map(|(k, v)| (k.clone(), v.join("\n"))).collect())
        .unwrap_or_default();
    params.sort();
    r.parameters = params;
    r.max_concurrency = text(c.max_concurrency());
    r.max_errors = text(c.max_errors());
    r.timeout_seconds = c.timeout_seconds();
    let n = |v: i32| u32::try_from(v).unwrap_or(0);
    r.target_count = n(c.target_count());
    r.completed_count = n(c.completed_count());
    r.error_count = n(c.error_count());
    r.delivery_timed_out_count = n(c.delivery_timed_out_count());
    r
}

/// A DescribeAutomationExecutions entry as a model execution.
pub fn automation_from(scope: ScopeId, a: &AutomationExecutionMetadata) -> RecentAutomation {
    let mut r = RecentAutomation::new(scope, text(a.automation_execution_id()));
    r.document_name = text(a.document_name());
    r.document_version = text(a.document_version());
    r.status = a
        .automation_execution_status()
        .map(|s| s.as_str().to_string())
        .unwrap_or_default();
    r.started = time(a.execution_start_time());
    r.ended = time(a.execution_end_time());
    r.executed_by = text(a.executed_by());
    r.mode = a.mode().map(|m| m.as_str().to_string()).unwrap_or_default();
    r.current_step = text(a.current_step_name());
    r.current_action = text(a.current_action());
    r.failure_message = text(a.failure_message());
    r.target_parameter = text(a.target_parameter_name());
    r.targets = targets(a.targets());
    r.resolved_targets = a
        .resolved_targets()
        .map(|t| t.parameter_values().to_vec())
        .unwrap_or_default();
    r.max_concurrency = text(a.max_concurrency());
    r.max_errors = text(a.max_errors());
    r.automation_type = a
        .automation_type()
        .map(|t| t.as_str().to_string())
        .unwrap_or_default();
    r.parent_execution_id = text(a.parent_automation_execution_id());
    r.ops_item_id = text(a.ops_item_id());
    r
}

impl SsmRead {
    /// One page of ListCommands (the last 30 days of commands of the scope).
    pub async fn commands_page(
        &self,
        scope: ScopeId,
        token: Option<String>,
    ) -> Result<Page<RecentCommand>, AwsError> {
        let out = self
            .client
            .list_commands()
            .max_results(COMMANDS_PAGE_SIZE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:ListCommands", e))?;
        Ok(Page {
            items: out
                .commands()
                .iter()
                .map(|c| command_from(scope, c))
                .collect(),
            next: next_token(out.next_token()),
        })
    }

    /// One page of DescribeAutomationExecutions (every status).
    pub async fn automations_page(
        &self,
        scope: ScopeId,
        token: Option<String>,
    ) -> Result<Page<RecentAutomation>, AwsError> {
        let out = self
            .client
            .describe_automation_executions()
            .max_results(AUTOMATIONS_PAGE_SIZE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:DescribeAutomationExecutions", e))?;
        Ok(Page {
            items: out
                .automation_execution_metadata_list()
                .iter()
                .map(|a| automation_from(scope, a))
                .collect(),
            next: next_token(out.next_token()),
        })
    }
}
