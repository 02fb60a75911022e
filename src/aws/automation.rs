//! Reads that watch an Automation execution: GetAutomationExecution and
//! DescribeAutomationStepExecutions.

use std::collections::HashMap;

use crate::model::{AutomationExecution, AutomationStep};

use super::convert::{next_token, text, time};
use super::error::{AwsError, ErrorKind};
use super::nodes::{Page, SsmRead};

/// Largest page DescribeAutomationStepExecutions allows.
pub const STEPS_PAGE_SIZE: i32 = 50;

fn pairs(map: Option<&HashMap<String, Vec<String>>>) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = map
        .map(|m| {
            m.iter()
                .map(|(k, vals)| (k.clone(), vals.join(", ")))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn step(s: &aws_sdk_ssm::types::StepExecution) -> AutomationStep {
    AutomationStep {
        step_execution_id: text(s.step_execution_id()),
        name: text(s.step_name()),
        action: text(s.action()),
        status: text(s.step_status().map(|s| s.as_str())),
        start: time(s.execution_start_time()),
        end: time(s.execution_end_time()),
        failure_message: text(s.failure_message()),
        outputs: pairs(s.outputs()),
    }
}

impl SsmRead {
    /// GetAutomationExecution: the execution with its steps.
    pub async fn automation_execution(
        &self,
        execution_id: &str,
    ) -> Result<AutomationExecution, AwsError> {
        let out = self
            .client
            .get_automation_execution()
            .automation_execution_id(execution_id)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:GetAutomationExecution", e))?;
        let e = out.automation_execution().ok_or_else(|| {
            AwsError::new(
                ErrorKind::Server,
                "ssm:GetAutomationExecution: no AutomationExecution",
            )
        })?;
        Ok(AutomationExecution {
            execution_id: text(e.automation_execution_id()),
            document_name: text(e.document_name()),
            document_version: text(e.document_version()),
            status: text(e.automation_execution_status().map(|s| s.as_str())),
            start: time(e.execution_start_time()),
            end: time(e.execution_end_time()),
            failure_message: text(e.failure_message()),
            executed_by: text(e.executed_by()),
            current_step: text(e.current_step_name()),
            parameters: pairs(e.parameters()),
            outputs: pairs(e.outputs()),
            steps: e.step_executions().iter().map(step).collect(),
        })
    }

    /// One page of DescribeAutomationStepExecutions of an execution.
    pub async fn automation_steps_page(
        &self,
        execution_id: &str,
        token: Option<String>,
    ) -> Result<Page<AutomationStep>, AwsError> {
        let out = self
            .client
            .describe_automation_step_executions()
            .automation_execution_id(execution_id)
            .max_results(STEPS_PAGE_SIZE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:DescribeAutomationStepExecutions", e))?;
        Ok(Page {
            items: out.step_executions().iter().map(step).collect(),
            next: next_token(out.next_token()),
        })
    }
}
