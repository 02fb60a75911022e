use aws_sdk_ssm::types::{ComplianceQueryOperatorType, ComplianceStringFilter};

use crate::model::{ComplianceItem, ComplianceSummary, PatchState, ResourceCompliance, ScopeId};

use super::convert::{count, next_token, severity, severity_counts, sorted_pairs, text, time};
use super::error::AwsError;
use super::nodes::{Page, SsmRead};

/// Largest page of the compliance list calls.
pub const COMPLIANCE_PAGE_SIZE: i32 = 50;
/// Most instance ids DescribeInstancePatchStates takes at once.
pub const PATCH_BATCH: usize = 50;
/// Largest page of DescribeInstancePatchStates.
pub const PATCH_PAGE_SIZE: i32 = 50;

fn filter(key: &str, value: &str) -> ComplianceStringFilter {
    ComplianceStringFilter::builder()
        .key(key)
        .values(value)
        .r#type(ComplianceQueryOperatorType::Equal)
        .build()
}

impl SsmRead {
    /// One page of ListComplianceSummaries: per compliance type, resources compliant and
    /// not, by severity.
    pub async fn compliance_summaries_page(
        &self,
        scope: ScopeId,
        token: Option<String>,
    ) -> Result<Page<ComplianceSummary>, AwsError> {
        let out = self
            .client
            .list_compliance_summaries()
            .max_results(COMPLIANCE_PAGE_SIZE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:ListComplianceSummaries", e))?;
        Ok(Page {
            items: out
                .compliance_summary_items()
                .iter()
                .map(|s| ComplianceSummary {
                    scope,
                    compliance_type: text(s.compliance_type()),
                    compliant: severity_counts(
                        s.compliant_summary().and_then(|c| c.severity_summary()),
                    ),
                    non_compliant: severity_counts(
                        s.non_compliant_summary().and_then(|c| c.severity_summary()),
                    ),
                })
                .collect(),
            next: next_token(out.next_token()),
        })
    }

    /// One page of ListResourceComplianceSummaries of the non-compliant resources.
    pub async fn non_compliant_resources_page(
        &self,
        scope: ScopeId,
        token: Option<String>,
    ) -> Result<Page<ResourceCompliance>, AwsError> {
        let out = self
            .client
            .list_resource_compliance_summaries()
            .filters(filter("Status", "NON_COMPLIANT"))
            .max_results(COMPLIANCE_PAGE_SIZE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:ListResourceComplianceSummaries", e))?;
        Ok(Page {
            items: out
                .resource_compliance_summary_items()
                .iter()
                .map(|r| {
                    let exec = r.execution_summary();
                    ResourceCompliance {
                        scope,
                        resource_id: text(r.resource_id()),
                        resource_type: text(r.resource_type()),
                        compliance_type: text(r.compliance_type()),
                        status: r
                            .status()
                            .map(|s| s.as_str().to_string())
                            .unwrap_or_default(),
                        worst_severity: severity(r.overall_severity().map(|s| s.as_str())),
                        compliant: severity_counts(
                            r.compliant_summary().and_then(|c| c.severity_summary()),
                        ),
                        non_compliant: severity_counts(
                            r.non_compliant_summary().and_then(|c| c.severity_summary()),
                        ),
                        execution_id: text(exec.and_then(|e| e.execution_id())),
                        execution_time: exec.and_then(|e| time(Some(e.execution_time()))),
                    }
                })
                .collect(),
            next: next_token(out.next_token()),
        })
    }

    /// One page of ListComplianceItems of one resource.
    pub async fn compliance_items_page(
        &self,
        scope: ScopeId,
        resource_id: &str,
        token: Option<String>,
    ) -> Result<Page<ComplianceItem>, AwsError> {
        let out = self
            .client
            .list_compliance_items()
            .resource_ids(resource_id)
            .resource_types("ManagedInstance")
            .max_results(COMPLIANCE_PAGE_SIZE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:ListComplianceItems", e))?;
        Ok(Page {
            items: out
                .compliance_items()
                .iter()
                .map(|c| {
                    let exec = c.execution_summary();
                    ComplianceItem {
                        scope,
                        resource_id: text(c.resource_id()),
                        resource_type: text(c.resource_type()),
                        compliance_type: text(c.compliance_type()),
                        id: text(c.id()),
                        title: text(c.title()),
                        status: c
                            .status()
                            .map(|s| s.as_str().to_string())
                            .unwrap_or_default(),
                        severity: severity(c.severity().map(|s| s.as_str())),
                        details: c.details().map(sorted_pairs).unwrap_or_default(),
                        execution_id: text(exec.and_then(|e| e.execution_id())),
                        execution_type: text(exec.and_then(|e| e.execution_type())),
                        execution_time: exec.and_then(|e| time(Some(e.execution_time()))),
                    }
                })
                .collect(),
            next: next_token(out.next_token()),
        })
    }

    /// One page of DescribeInstancePatchStates for at most [`PATCH_BATCH`] nodes.
    pub async fn patch_states_page(
        &self,
        scope: ScopeId,
        instance_ids: &[String],
        token: Option<String>,
    ) -> Result<Page<PatchState>, AwsError> {
        let out = self
            .client
            .describe_instance_patch_states()
            .set_instance_ids(Some(
                instance_ids.iter().take(PATCH_BATCH).cloned().collect(),
            ))
            .max_results(PATCH_PAGE_SIZE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:DescribeInstancePatchStates", e))?;
        Ok(Page {
            items: out
                .instance_patch_states()
                .iter()
                .map(|p| PatchState {
                    scope,
                    instance_id: p.instance_id().to_string(),
                    patch_group: p.patch_group().to_string(),
                    baseline_id: p.baseline_id().to_string(),
                    installed: count(Some(p.installed_count())),
                    installed_other: count(Some(p.installed_other_count())),
                    installed_pending_reboot: count(p.installed_pending_reboot_count()),
                    installed_rejected: count(p.installed_rejected_count()),
                    missing: count(Some(p.missing_count())),
                    failed: count(Some(p.failed_count())),
                    not_applicable: count(Some(p.not_applicable_count())),
                    unreported_not_applicable: count(p.unreported_not_applicable_count()),
                    critical_non_compliant: count(p.critical_non_compliant_count()),
                    security_non_compliant: count(p.security_non_compliant_count()),
                    other_non_compliant: count(p.other_non_compliant_count()),
                    operation: p.operation().as_str().to_string(),
                    operation_start: time(Some(p.operation_start_time())),
                    operation_end: time(Some(p.operation_end_time())),
                    last_no_reboot_install: time(p.last_no_reboot_install_operation_time()),
                    reboot_option: p
                        .reboot_option()
                        .map(|r| r.as_str().to_string())
                        .unwrap_or_default(),
                })
                .collect(),
            next: next_token(out.next_token()),
        })
    }
}
