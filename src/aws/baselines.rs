//! Patch Manager baselines: DescribePatchBaselines + GetPatchBaseline, DescribePatchGroups,
//! and one node's patches (DescribeInstancePatches).

use crate::model::{
    ApprovalRule, NodePatch, PatchBaseline, PatchFilter, PatchGroupMapping, ScopeId,
};

use super::convert::{next_token, text, time};
use super::error::AwsError;
use super::nodes::SsmRead;

/// Largest page of DescribePatchBaselines, DescribePatchGroups, DescribeInstancePatches.
pub const BASELINES_PAGE_SIZE: i32 = 100;

fn filters(g: Option<&aws_sdk_ssm::types::PatchFilterGroup>) -> Vec<PatchFilter> {
    g.map(|g| {
        g.patch_filters()
            .iter()
            .map(|f| PatchFilter {
                key: f.key().as_str().to_string(),
                values: f.values().to_vec(),
            })
            .collect()
    })
    .unwrap_or_default()
}

impl SsmRead {
    /// Every baseline of the scope (the account's and AWS's), each in full.
    pub async fn all_baselines(&self, scope: ScopeId) -> Result<Vec<PatchBaseline>, AwsError> {
        let mut ids = Vec::new();
        let mut token = None;
        loop {
            let out = self
                .client
                .describe_patch_baselines()
                .max_results(BASELINES_PAGE_SIZE)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("ssm:DescribePatchBaselines", e))?;
            for b in out.baseline_identities() {
                ids.push((text(b.baseline_id()), b.default_baseline()));
            }
            match next_token(out.next_token()) {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        let mut all = Vec::with_capacity(ids.len());
        for (id, default) in ids {
            let mut b = self.patch_baseline(scope, &id).await?;
            b.default_baseline = default;
            all.push(b);
        }
        Ok(all)
    }

    /// One baseline in full (GetPatchBaseline).
    pub async fn patch_baseline(
        &self,
        scope: ScopeId,
        id: &str,
    ) -> Result<PatchBaseline, AwsError> {
        let out = self
            .client
            .get_patch_baseline()
            .baseline_id(id)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:GetPatchBaseline", e))?;
        Ok(PatchBaseline {
            scope,
            id: text(out.baseline_id()),
            name: text(out.name()),
            operating_system: out
                .operating_system()
                .map(|o| o.as_str().to_string())
                .unwrap_or_default(),
            description: text(out.description()),
            default_baseline: false,
            global_filters: filters(out.global_filters()),
            rules: out
                .approval_rules()
                .map(|r| {
                    r.patch_rules()
                        .iter()
                        .map(|r| ApprovalRule {
                            filters: filters(r.patch_filter_group()),
                            compliance_level: r
                                .compliance_level()
                                .map(|c| c.as_str().to_string())
                                .unwrap_or_default(),
                            approve_after_days: r.approve_after_days(),
                            approve_until: r.approve_until_date().map(str::to_string),
                            enable_non_security: r.enable_non_security().unwrap_or(false),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            approved_patches: out.approved_patches().to_vec(),
            approved_compliance_level: out
                .approved_patches_compliance_level()
                .map(|c| c.as_str().to_string())
                .unwrap_or_default(),
            rejected_patches: out.rejected_patches().to_vec(),
            rejected_action: out
                .rejected_patches_action()
                .map(|a| a.as_str().to_string())
                .unwrap_or_default(),
            patch_groups: out.patch_groups().to_vec(),
            created: time(out.created_date()),
            modified: time(out.modified_date()),
        })
    }

    /// Every patch group of the scope and the baseline serving it.
    pub async fn patch_groups(&self, scope: ScopeId) -> Result<Vec<PatchGroupMapping>, AwsError> {
        let mut all = Vec::new();
        let mut token = None;
        loop {
            let out = self
                .client
                .describe_patch_groups()
                .max_results(BASELINES_PAGE_SIZE)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("ssm:DescribePatchGroups", e))?;
            for m in out.mappings() {
                let b = m.baseline_identity();
                all.push(PatchGroupMapping {
                    scope,
                    group: text(m.patch_group()),
                    baseline_id: text(b.and_then(|b| b.baseline_id())),
                    baseline_name: text(b.and_then(|b| b.baseline_name())),
                    operating_system: b
                        .and_then(|b| b.operating_system())
                        .map(|o| o.as_str().to_string())
                        .unwrap_or_default(),
                });
            }
            match next_token(out.next_token()) {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        Ok(all)
    }

    /// Every patch of one node (DescribeInstancePatches), as reported by its last scan.
    pub async fn node_patches(&self, instance_id: &str) -> Result<Vec<NodePatch>, AwsError> {
        let mut all = Vec::new();
        let mut token = None;
        loop {
            let out = self
                .client
                .describe_instance_patches()
                .instance_id(instance_id)
                .max_results(BASELINES_PAGE_SIZE)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("ssm:DescribeInstancePatches", e))?;
            for p in out.patches() {
                all.push(NodePatch {
                    title: p.title().to_string(),
                    kb_id: p.kb_id().to_string(),
                    classification: p.classification().to_string(),
                    severity: p.severity().to_string(),
                    state: p.state().as_str().to_string(),
                    installed_time: time(Some(p.installed_time())).filter(|t| t.timestamp() > 0),
                    cves: text(p.cve_ids()),
                });
            }
            match next_token(out.next_token()) {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        Ok(all)
    }
}
