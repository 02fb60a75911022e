//! The mutating SSM client: every call that changes something in AWS lives here and
//! nowhere else.
//!
//! An [`SsmWrite`] is made only by [`Connector::ssm_write`], which needs a [`WriteAccess`].
//! `main.rs` makes that value only when neither `--read-only` nor `--wallboard` is given,
//! so in those modes no mutating client can exist. Callers do not use `SsmWrite` directly:
//! they hand an `ActionRequest` to the actions executor (`crate::actions`), which checks
//! the change calendars, asks for confirmation and writes the audit log around each call.

use std::collections::HashMap;

use aws_config::Region;

use super::connect::Connector;
use super::counter::CountCalls;
use super::error::{AwsError, ErrorKind};

/// Permission to build mutating clients. Made once at start-up, only in operator mode.
#[derive(Debug, Clone)]
pub struct WriteAccess {
    _private: (),
}

impl WriteAccess {
    /// `None` in read-only or wallboard mode: then nothing can ever be changed.
    pub fn unless_read_only(read_only: bool, wallboard: bool) -> Option<WriteAccess> {
        (!read_only && !wallboard).then_some(WriteAccess { _private: () })
    }
}

/// One target of SendCommand or StartAutomationExecution: a key (`InstanceIds`,
/// `tag:Env`, `resource-groups:Name`, `ParameterValues`...) and its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteTarget {
    pub key: String,
    pub values: Vec<String>,
}

/// What SendCommand sends in one scope.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SendCommandInput {
    pub document_name: String,
    pub document_version: Option<String>,
    /// Node ids (at most 50); empty when `targets` are used.
    pub instance_ids: Vec<String>,
    pub targets: Vec<WriteTarget>,
    pub parameters: Vec<(String, Vec<String>)>,
    pub max_concurrency: Option<String>,
    pub max_errors: Option<String>,
    pub timeout_seconds: Option<i32>,
    pub comment: Option<String>,
}

/// What StartAutomationExecution sends in one scope.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StartAutomationInput {
    pub document_name: String,
    pub document_version: Option<String>,
    pub parameters: Vec<(String, Vec<String>)>,
    /// Rate control: the parameter that receives each target, and the targets.
    pub target_parameter_name: Option<String>,
    pub targets: Vec<WriteTarget>,
    pub max_concurrency: Option<String>,
    pub max_errors: Option<String>,
    /// Idempotency token: a retried start does not start twice.
    pub client_token: Option<String>,
}

/// What UpdateOpsItem changes (fields left `None` stay as they are).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UpdateOpsItemInput {
    pub ops_item_id: String,
    /// `Open`, `InProgress`, `Resolved`, ...
    pub status: Option<String>,
    /// Operational data to add or replace: (key, value, searchable).
    pub operational_data: Vec<(String, String, bool)>,
}

/// What PutParameter writes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PutParameterInput {
    pub name: String,
    pub value: String,
    /// `String`, `StringList` or `SecureString`; `None` keeps the type of an existing one.
    pub parameter_type: Option<String>,
    pub description: Option<String>,
    pub overwrite: bool,
}

/// Mutating SSM calls for one scope.
#[derive(Clone, Debug)]
pub struct SsmWrite {
    client: aws_sdk_ssm::Client,
}

fn sdk_targets(targets: &[WriteTarget]) -> Option<Vec<aws_sdk_ssm::types::Target>> {
    (!targets.is_empty()).then(|| {
        targets
            .iter()
            .map(|t| {
                aws_sdk_ssm::types::Target::builder()
                    .key(&t.key)
                    .set_values(Some(t.values.clone()))
                    .build()
            })
            .collect()
    })
}

fn sdk_parameters(parameters: &[(String, Vec<String>)]) -> Option<HashMap<String, Vec<String>>> {
    (!parameters.is_empty()).then(|| parameters.iter().cloned().collect())
}

impl SsmWrite {
    /// SendCommand; returns the CommandId.
    pub async fn send_command(&self, input: &SendCommandInput) -> Result<String, AwsError> {
        let out = self
            .client
            .send_command()
            .document_name(&input.document_name)
            .set_document_version(input.document_version.clone())
            .set_instance_ids((!input.instance_ids.is_empty()).then(|| input.instance_ids.clone()))
            .set_targets(sdk_targets(&input.targets))
            .set_parameters(sdk_parameters(&input.parameters))
            .set_max_concurrency(input.max_concurrency.clone())
            .set_max_errors(input.max_errors.clone())
            .set_timeout_seconds(input.timeout_seconds)
            .set_comment(input.comment.clone())
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:SendCommand", e))?;
        out.command()
            .and_then(|c| c.command_id())
            .filter(|id| !id.is_empty())
            .map(str::to_string)
            .ok_or_else(|| AwsError::new(ErrorKind::Server, "ssm:SendCommand: no CommandId"))
    }

    /// CancelCommand of a whole command (every node), or of some of its nodes.
    pub async fn cancel_command(
        &self,
        command_id: &str,
        instance_ids: &[String],
    ) -> Result<(), AwsError> {
        self.client
            .cancel_command()
            .command_id(command_id)
            .set_instance_ids((!instance_ids.is_empty()).then(|| instance_ids.to_vec()))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:CancelCommand", e))?;
        Ok(())
    }

    /// StartAutomationExecution; returns the AutomationExecutionId.
    pub async fn start_automation_execution(
        &self,
        input: &StartAutomationInput,
    ) -> Result<String, AwsError> {
        let out = self
            .client
            .start_automation_execution()
            .document_name(&input.document_name)
            .set_document_version(input.document_version.clone())
            .set_parameters(sdk_parameters(&input.parameters))
            .set_target_parameter_name(input.target_parameter_name.clone())
            .set_targets(sdk_targets(&input.targets))
            .set_max_concurrency(input.max_concurrency.clone())
            .set_max_errors(input.max_errors.clone())
            .set_client_token(input.client_token.clone())
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:StartAutomationExecution", e))?;
        out.automation_execution_id()
            .filter(|id| !id.is_empty())
            .map(str::to_string)
            .ok_or_else(|| {
                AwsError::new(
                    ErrorKind::Server,
                    "ssm:StartAutomationExecution: no AutomationExecutionId",
                )
            })
    }

    /// StopAutomationExecution (`Cancel`).
    pub async fn stop_automation_execution(&self, execution_id: &str) -> Result<(), AwsError> {
        self.client
            .stop_automation_execution()
            .automation_execution_id(execution_id)
            .r#type(aws_sdk_ssm::types::StopType::Cancel)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:StopAutomationExecution", e))?;
        Ok(())
    }

    /// UpdateOpsItem: status and operational data.
    pub async fn update_ops_item(&self, input: &UpdateOpsItemInput) -> Result<(), AwsError> {
        let mut req = self
            .client
            .update_ops_item()
            .ops_item_id(&input.ops_item_id);
        if let Some(s) = &input.status {
            req = req.status(aws_sdk_ssm::types::OpsItemStatus::from(s.as_str()));
        }
        for (key, value, searchable) in &input.operational_data {
            let kind = if *searchable {
                aws_sdk_ssm::types::OpsItemDataType::SearchableString
            } else {
                aws_sdk_ssm::types::OpsItemDataType::String
            };
            req = req.operational_data(
                key,
                aws_sdk_ssm::types::OpsItemDataValue::builder()
                    .value(value)
                    .r#type(kind)
                    .build(),
            );
        }
        req.send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:UpdateOpsItem", e))?;
        Ok(())
    }

    /// StartAssociationsOnce: run State Manager associations now.
    pub async fn start_associations_once(
        &self,
        association_ids: &[String],
    ) -> Result<(), AwsError> {
        self.client
            .start_associations_once()
            .set_association_ids(Some(association_ids.to_vec()))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:StartAssociationsOnce", e))?;
        Ok(())
    }

    /// PutParameter; returns the new version.
    pub async fn put_parameter(&self, input: &PutParameterInput) -> Result<i64, AwsError> {
        let out = self
            .client
            .put_parameter()
            .name(&input.name)
            .value(&input.value)
            .set_type(
                input
                    .parameter_type
                    .as_deref()
                    .map(aws_sdk_ssm::types::ParameterType::from),
            )
            .set_description(input.description.clone())
            .overwrite(input.overwrite)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:PutParameter", e))?;
        Ok(out.version())
    }
}

impl Connector {
    /// The mutating SSM client for one scope. Needs the [`WriteAccess`] only operator mode
    /// has. Calls are counted like every other call of this connector.
    pub async fn ssm_write(
        &self,
        _access: &WriteAccess,
        account: &str,
        region: &str,
        role_name: &str,
    ) -> SsmWrite {
        let conf = self.account(account, role_name).await;
        let mut ssm = aws_sdk_ssm::config::Builder::from(&conf.config)
            .region(Region::new(region.to_string()))
            .interceptor(CountCalls {
                counter: self.calls().clone(),
            })
            .interceptor(super::limits::TimeoutReport);
        if let Some(role) = conf.role {
            let renew = super::credentials::RenewRefused { role };
            ssm = ssm.interceptor(renew.clone()).retry_classifier(renew);
        }
        SsmWrite {
            client: aws_sdk_ssm::Client::from_conf(ssm.build()),
        }
    }

    /// The caller identity ARN of `account`'s credentials (GetCallerIdentity), for the
    /// audit log: the assumed role in a member account, the base identity in our own.
    pub async fn caller_arn(&self, account: &str, role_name: &str) -> Result<String, AwsError> {
        if account == self.caller().account {
            return Ok(self.caller().arn.clone());
        }
        let conf = self.account_config(account, role_name).await;
        let who = super::connect::caller_identity(&conf).await?;
        who.arn()
            .filter(|a| !a.is_empty())
            .map(str::to_string)
            .ok_or_else(|| AwsError::new(ErrorKind::Server, "sts:GetCallerIdentity: no Arn"))
    }
}
