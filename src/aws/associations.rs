//! State Manager: ListAssociations, DescribeAssociation, DescribeAssociationExecutions,
//! DescribeAssociationExecutionTargets, DescribeInstanceAssociationsStatus.

use crate::model::{
    Association, AssociationExecution, AssociationTarget, InstanceAssociationStatus, ScopeId,
};

use super::convert::{next_token, text, time};
use super::error::{AwsError, ErrorKind};
use super::nodes::{Page, SsmRead};

/// Largest page of the association list calls.
pub const ASSOCIATIONS_PAGE_SIZE: i32 = 50;

fn targets(t: &[aws_sdk_ssm::types::Target]) -> Vec<(String, Vec<String>)> {
    t.iter()
        .map(|t| (text(t.key()), t.values().to_vec()))
        .collect()
}

fn overview(a: &mut Association, o: Option<&aws_sdk_ssm::types::AssociationOverview>) {
    let Some(o) = o else {
        return;
    };
    a.status = text(o.status());
    a.detailed_status = text(o.detailed_status());
    let mut counts: Vec<(String, u32)> = o
        .association_status_aggregated_count()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), u32::try_from(*v).unwrap_or(0)))
                .collect()
        })
        .unwrap_or_default();
    counts.sort();
    a.counts = counts;
}

fn empty(scope: ScopeId, id: String) -> Association {
    Association {
        scope,
        association_id: id,
        name: String::new(),
        document: String::new(),
        document_version: String::new(),
        targets: Vec::new(),
        schedule: String::new(),
        last_execution: None,
        status: String::new(),
        detailed_status: String::new(),
        counts: Vec::new(),
    }
}

fn from_list(scope: ScopeId, s: &aws_sdk_ssm::types::Association) -> Association {
    let mut a = empty(scope, text(s.association_id()));
    a.name = text(s.association_name());
    a.document = text(s.name());
    a.document_version = text(s.document_version());
    a.targets = targets(s.targets());
    a.schedule = text(s.schedule_expression());
    a.last_execution = time(s.last_execution_date());
    overview(&mut a, s.overview());
    a
}

/// What DescribeAssociation adds to an association: (association, compliance severity,
/// max concurrency, max errors).
pub type DescribedAssociation = (Association, String, String, String);

impl SsmRead {
    /// One page of ListAssociations (every association of the scope).
    pub async fn associations_page(
        &self,
        scope: ScopeId,
        token: Option<String>,
    ) -> Result<Page<Association>, AwsError> {
        let out = self
            .client
            .list_associations()
            .max_results(ASSOCIATIONS_PAGE_SIZE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:ListAssociations", e))?;
        Ok(Page {
            items: out
                .associations()
                .iter()
                .map(|a| from_list(scope, a))
                .collect(),
            next: next_token(out.next_token()),
        })
    }

    /// DescribeAssociation by id.
    pub async fn describe_association(
        &self,
        scope: ScopeId,
        id: &str,
    ) -> Result<DescribedAssociation, AwsError> {
        let out = self
            .client
            .describe_association()
            .association_id(id)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:DescribeAssociation", e))?;
        let d = out.association_description().ok_or_else(|| {
            AwsError::new(ErrorKind::Server, "ssm:DescribeAssociation: no association")
        })?;
        let mut a = empty(scope, text(d.association_id()));
        a.name = text(d.association_name());
        a.document = text(d.name());
        a.document_version = text(d.document_version());
        a.targets = targets(d.targets());
        a.schedule = text(d.schedule_expression());
        a.last_execution = time(d.last_execution_date());
        overview(&mut a, d.overview());
        Ok((
            a,
            text(d.compliance_severity().map(|s| s.as_str())),
            text(d.max_concurrency()),
            text(d.max_errors()),
        ))
    }

    /// One page of DescribeAssociationExecutions, newest first.
    pub async fn association_executions_page(
        &self,
        id: &str,
        token: Option<String>,
    ) -> Result<Page<AssociationExecution>, AwsError> {
        let out = self
            .client
            .describe_association_executions()
            .association_id(id)
            .max_results(ASSOCIATIONS_PAGE_SIZE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:DescribeAssociationExecutions", e))?;
        Ok(Page {
            items: out
                .association_executions()
                .iter()
                .map(|e| AssociationExecution {
                    execution_id: text(e.execution_id()),
                    status: text(e.status()),
                    detailed_status: text(e.detailed_status()),
                    created: time(e.created_time()),
                    last_execution: time(e.last_execution_date()),
                    resource_counts: text(e.resource_count_by_status()),
                })
                .collect(),
            next: next_token(out.next_token()),
        })
    }

    /// One page of DescribeAssociationExecutionTargets of one execution.
    pub async fn association_targets_page(
        &self,
        id: &str,
        execution_id: &str,
        token: Option<String>,
    ) -> Result<Page<AssociationTarget>, AwsError> {
        let out = self
            .client
            .describe_association_execution_targets()
            .association_id(id)
            .execution_id(execution_id)
            .max_results(ASSOCIATIONS_PAGE_SIZE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:DescribeAssociationExecutionTargets", e))?;
        Ok(Page {
            items: out
                .association_execution_targets()
                .iter()
                .map(|t| AssociationTarget {
                    resource_id: text(t.resource_id()),
                    resource_type: text(t.resource_type()),
                    status: text(t.status()),
                    detailed_status: text(t.detailed_status()),
                    last_execution: time(t.last_execution_date()),
                    output_source_id: text(t.output_source().and_then(|o| o.output_source_id())),
                })
                .collect(),
            next: next_token(out.next_token()),
        })
    }

    /// One page of DescribeInstanceAssociationsStatus of one node.
    pub async fn instance_associations_page(
        &self,
        instance_id: &str,
        token: Option<String>,
    ) -> Result<Page<InstanceAssociationStatus>, AwsError> {
        let out = self
            .client
            .describe_instance_associations_status()
            .instance_id(instance_id)
            .max_results(ASSOCIATIONS_PAGE_SIZE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:DescribeInstanceAssociationsStatus", e))?;
        Ok(Page {
            items: out
                .instance_association_status_infos()
                .iter()
                .map(|s| InstanceAssociationStatus {
                    association_id: text(s.association_id()),
                    association_name: text(s.association_name()),
                    document: text(s.name()),
                    instance_id: text(s.instance_id()),
                    status: text(s.status()),
                    detailed_status: text(s.detailed_status()),
                    execution_date: time(s.execution_date()),
                    execution_summary: text(s.execution_summary()),
                    error_code: text(s.error_code()),
                })
                .collect(),
            next: next_token(out.next_token()),
        })
    }
}
