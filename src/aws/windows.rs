//! Maintenance Windows: DescribeMaintenanceWindows, GetMaintenanceWindow,
//! DescribeMaintenanceWindowSchedule, …Targets, …Tasks, …Executions, …ExecutionTasks and
//! …ExecutionTaskInvocations.

use chrono::{DateTime, Utc};

use crate::model::{
    MaintenanceWindow, ScopeId, WindowExecution, WindowInvocation, WindowTarget, WindowTask,
    WindowTaskRun, parse_window_time,
};

use super::convert::{next_token, text, time};
use super::error::AwsError;
use super::nodes::{Page, SsmRead};

/// Largest page of the maintenance window list calls (they take 10..=100).
pub const WINDOWS_PAGE_SIZE: i32 = 100;

fn targets(t: &[aws_sdk_ssm::types::Target]) -> Vec<(String, Vec<String>)> {
    t.iter()
        .map(|t| (text(t.key()), t.values().to_vec()))
        .collect()
}

fn hours(n: Option<i32>) -> u32 {
    n.and_then(|n| u32::try_from(n).ok()).unwrap_or(0)
}

fn window(scope: ScopeId, id: String) -> MaintenanceWindow {
    MaintenanceWindow {
        scope,
        window_id: id,
        name: String::new(),
        description: String::new(),
        enabled: false,
        duration: 0,
        cutoff: 0,
        schedule: String::new(),
        timezone: String::new(),
        next_execution: None,
        upcoming: Vec::new(),
    }
}

/// GetMaintenanceWindow: the window and its (created, modified) dates.
pub type WindowInFull = (
    MaintenanceWindow,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

/// A `MaintenanceWindow` of the fields the SDK's `MaintenanceWindowIdentity` and
/// `GetMaintenanceWindowOutput` share (two types with the same getters).
macro_rules! window_of {
    ($scope:expr, $w:expr) => {{
        let w = $w;
        let mut m = window($scope, text(w.window_id()));
        m.name = text(w.name());
        m.description = text(w.description());
        m.enabled = w.enabled();
        m.duration = hours(w.duration());
        m.cutoff = hours(Some(w.cutoff()));
        m.schedule = text(w.schedule());
        m.timezone = text(w.schedule_timezone());
        m.next_execution = w.next_execution_time().and_then(parse_window_time);
        m
    }};
}

impl SsmRead {
    /// One page of DescribeMaintenanceWindows (every window of the scope).
    pub async fn windows_page(
        &self,
        scope: ScopeId,
        token: Option<String>,
    ) -> Result<Page<MaintenanceWindow>, AwsError> {
        let out = self
            .client
            .describe_maintenance_windows()
            .max_results(WINDOWS_PAGE_SIZE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:DescribeMaintenanceWindows", e))?;
        Ok(Page::of(out.window_identities(), out.next_token(), |w| {
            window_of!(scope, w)
        }))
    }

    /// GetMaintenanceWindow.
    pub async fn window(&self, scope: ScopeId, id: &str) -> Result<WindowInFull, AwsError> {
        let w = self
            .client
            .get_maintenance_window()
            .window_id(id)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:GetMaintenanceWindow", e))?;
        Ok((
            window_of!(scope, &w),
            time(w.created_date()),
            time(w.modified_date()),
        ))
    }

    /// One page of DescribeMaintenanceWindowSchedule of one window: upcoming run times.
    pub async fn window_schedule_page(
        &self,
        id: &str,
        token: Option<String>,
    ) -> Result<Page<DateTime<Utc>>, AwsError> {
        let out = self
            .client
            .describe_maintenance_window_schedule()
            .window_id(id)
            .max_results(WINDOWS_PAGE_SIZE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:DescribeMaintenanceWindowSchedule", e))?;
        Ok(Page {
            items: out
                .scheduled_window_executions()
                .iter()
                .filter_map(|s| s.execution_time().and_then(parse_window_time))
                .collect(),
            next: next_token(out.next_token()),
        })
    }

    /// One page of DescribeMaintenanceWindowTargets.
    pub async fn window_targets_page(
        &self,
        id: &str,
        token: Option<String>,
    ) -> Result<Page<WindowTarget>, AwsError> {
        let out = self
            .client
            .describe_maintenance_window_targets()
            .window_id(id)
            .max_results(WINDOWS_PAGE_SIZE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:DescribeMaintenanceWindowTargets", e))?;
        Ok(Page::of(out.targets(), out.next_token(), |t| {
            WindowTarget {
                target_id: text(t.window_target_id()),
                name: text(t.name()),
                resource_type: text(t.resource_type().map(|r| r.as_str())),
                targets: targets(t.targets()),
                owner: text(t.owner_information()),
            }
        }))
    }

    /// One page of DescribeMaintenanceWindowTasks.
    pub async fn window_tasks_page(
        &self,
        id: &str,
        token: Option<String>,
    ) -> Result<Page<WindowTask>, AwsError> {
        let out = self
            .client
            .describe_maintenance_window_tasks()
            .window_id(id)
            .max_results(WINDOWS_PAGE_SIZE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:DescribeMaintenanceWindowTasks", e))?;
        Ok(Page::of(out.tasks(), out.next_token(), |t| WindowTask {
            task_id: text(t.window_task_id()),
            name: text(t.name()),
            arn: text(t.task_arn()),
            task_type: text(t.r#type().map(|x| x.as_str())),
            priority: hours(Some(t.priority())),
            max_concurrency: text(t.max_concurrency()),
            max_errors: text(t.max_errors()),
        }))
    }

    /// One page of DescribeMaintenanceWindowExecutions, newest first.
    pub async fn window_executions_page(
        &self,
        id: &str,
        token: Option<String>,
    ) -> Result<Page<WindowExecution>, AwsError> {
        let out = self
            .client
            .describe_maintenance_window_executions()
            .window_id(id)
            .max_results(WINDOWS_PAGE_SIZE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:DescribeMaintenanceWindowExecutions", e))?;
        Ok(Page::of(out.window_executions(), out.next_token(), |e| {
            WindowExecution {
                execution_id: text(e.window_execution_id()),
                status: text(e.status().map(|s| s.as_str())),
                details: text(e.status_details()),
                start: time(e.start_time()),
                end: time(e.end_time()),
                tasks: Vec::new(),
            }
        }))
    }

    /// One page of DescribeMaintenanceWindowExecutionTasks of one execution.
    pub async fn window_execution_tasks_page(
        &self,
        execution_id: &str,
        token: Option<String>,
    ) -> Result<Page<WindowTaskRun>, AwsError> {
        let out = self
            .client
            .describe_maintenance_window_execution_tasks()
            .window_execution_id(execution_id)
            .max_results(WINDOWS_PAGE_SIZE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:DescribeMaintenanceWindowExecutionTasks", e))?;
        Ok(Page::of(
            out.window_execution_task_identities(),
            out.next_token(),
            |t| WindowTaskRun {
                task_execution_id: text(t.task_execution_id()),
                arn: text(t.task_arn()),
                task_type: text(t.task_type().map(|x| x.as_str())),
                status: text(t.status().map(|s| s.as_str())),
                details: text(t.status_details()),
                start: time(t.start_time()),
                end: time(t.end_time()),
                invocations: Vec::new(),
            },
        ))
    }

    /// One page of DescribeMaintenanceWindowExecutionTaskInvocations of one task run.
    pub async fn window_invocations_page(
        &self,
        execution_id: &str,
        task_execution_id: &str,
        token: Option<String>,
    ) -> Result<Page<WindowInvocation>, AwsError> {
        let out = self
            .client
            .describe_maintenance_window_execution_task_invocations()
            .window_execution_id(execution_id)
            .task_id(task_execution_id)
            .max_results(WINDOWS_PAGE_SIZE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| {
                AwsError::from_sdk("ssm:DescribeMaintenanceWindowExecutionTaskInvocations", e)
            })?;
        Ok(Page::of(
            out.window_execution_task_invocation_identities(),
            out.next_token(),
            |i| WindowInvocation {
                invocation_id: text(i.invocation_id()),
                execution_id: text(i.execution_id()),
                status: text(i.status().map(|s| s.as_str())),
                details: text(i.status_details()),
                start: time(i.start_time()),
                end: time(i.end_time()),
                target_id: text(i.window_target_id()),
                owner: text(i.owner_information()),
            },
        ))
    }
}
