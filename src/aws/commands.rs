//! Reads that watch a Run Command command: ListCommandInvocations (with details) and
//! GetCommandInvocation.

use crate::model::{CommandInvocation, CommandProgress, InvocationOutput, InvocationStatus};

use super::convert::{count, next_token, text, time};
use super::error::AwsError;
use super::nodes::{Page, SsmRead};

/// Largest page ListCommandInvocations allows.
pub const INVOCATIONS_PAGE_SIZE: i32 = 50;
/// Pages of invocations read at most for one command (2500 nodes).
const MAX_INVOCATION_PAGES: usize = 50;

fn invocation(i: &aws_sdk_ssm::types::CommandInvocation) -> CommandInvocation {
    let status = text(i.status().map(|s| s.as_str()));
    let details = text(i.status_details());
    let plugins = i.command_plugins();
    let output = plugins
        .iter()
        .filter_map(|p| p.output())
        .filter(|o| !o.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    let response_code = plugins
        .iter()
        .rev()
        .find(|p| p.response_finish_date_time().is_some() || p.response_code() != 0)
        .map(|p| p.response_code());
    CommandInvocation {
        command_id: text(i.command_id()),
        instance_id: text(i.instance_id()),
        instance_name: text(i.instance_name()),
        document_name: text(i.document_name()),
        status: InvocationStatus::from_aws(&status, &details),
        status_details: details,
        requested: time(i.requested_date_time()),
        response_code,
        output,
    }
}

impl SsmRead {
    /// One page of ListCommandInvocations of `command_id`, with plugin details (output).
    pub async fn command_invocations_page(
        &self,
        command_id: &str,
        token: Option<String>,
    ) -> Result<Page<CommandInvocation>, AwsError> {
        let out = self
            .client
            .list_command_invocations()
            .command_id(command_id)
            .details(true)
            .max_results(INVOCATIONS_PAGE_SIZE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:ListCommandInvocations", e))?;
        Ok(Page {
            items: out.command_invocations().iter().map(invocation).collect(),
            next: next_token(out.next_token()),
        })
    }

    /// Every invocation of `command_id` (all pages), sorted by node id.
    pub async fn command_invocations(
        &self,
        command_id: &str,
    ) -> Result<Vec<CommandInvocation>, AwsError> {
        let mut all = Vec::new();
        let mut token = None;
        for _ in 0..MAX_INVOCATION_PAGES {
            let page = self.command_invocations_page(command_id, token).await?;
            all.extend(page.items);
            match page.next {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        all.sort_by(|a, b| a.instance_id.cmp(&b.instance_id));
        Ok(all)
    }

    /// ListCommands of one CommandId: the command's status and counts (`None` when AWS
    /// does not list it, e.g. right after SendCommand or once expired).
    pub async fn command_progress(
        &self,
        command_id: &str,
    ) -> Result<Option<CommandProgress>, AwsError> {
        let out = self
            .client
            .list_commands()
            .command_id(command_id)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:ListCommands", e))?;
        Ok(out.commands().first().map(|c| CommandProgress {
            command_id: text(c.command_id()),
            status: text(c.status().map(|s| s.as_str())),
            target_count: count(Some(c.target_count())),
            completed_count: count(Some(c.completed_count())),
            error_count: count(Some(c.error_count())),
        }))
    }

    /// GetCommandInvocation: one node's output in full.
    pub async fn command_output(
        &self,
        command_id: &str,
        instance_id: &str,
    ) -> Result<InvocationOutput, AwsError> {
        let out = self
            .client
            .get_command_invocation()
            .command_id(command_id)
            .instance_id(instance_id)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:GetCommandInvocation", e))?;
        let status = text(out.status().map(|s| s.as_str()));
        let details = text(out.status_details());
        let code = out.response_code();
        Ok(InvocationOutput {
            command_id: text(out.command_id()),
            instance_id: text(out.instance_id()),
            status: InvocationStatus::from_aws(&status, &details),
            status_details: details,
            response_code: (code >= 0).then_some(code),
            stdout: text(out.standard_output_content()),
            stderr: text(out.standard_error_content()),
        })
    }
}
