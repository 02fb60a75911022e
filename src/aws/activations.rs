//! Hybrid activations of one scope (DescribeActivations).

use crate::model::{Activation, ScopeId};

use super::convert::{next_token, text, time};
use super::error::AwsError;
use super::nodes::{Page, SsmRead};

/// The service setting that holds the instance tier of a scope's on-premises nodes.
pub const ACTIVATION_TIER_SETTING: &str = "/ssm/managed-instance/activation-tier";

/// Largest page DescribeActivations allows.
pub const ACTIVATIONS_PAGE_SIZE: i32 = 50;

/// A DescribeActivations entry as a model activation.
pub fn activation_from(scope: ScopeId, a: &aws_sdk_ssm::types::Activation) -> Activation {
    let mut r = Activation::new(scope, text(a.activation_id()));
    r.description = text(a.description());
    r.default_instance_name = text(a.default_instance_name());
    r.iam_role = text(a.iam_role());
    let n = |v: Option<i32>| v.and_then(|v| u32::try_from(v).ok()).unwrap_or(0);
    r.registration_limit = n(a.registration_limit());
    r.registrations_count = n(a.registrations_count());
    r.expiration = time(a.expiration_date());
    r.expired = a.expired();
    r.created = time(a.created_date());
    let mut tags: Vec<(String, String)> = a
        .tags()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect();
    tags.sort();
    r.tags = tags;
    r
}

impl SsmRead {
    /// The instance tier of the scope's on-premises nodes (`standard` or `advanced`):
    /// GetServiceSetting of [`ACTIVATION_TIER_SETTING`].
    pub async fn activation_tier(&self) -> Result<String, AwsError> {
        let out = self
            .client
            .get_service_setting()
            .setting_id(ACTIVATION_TIER_SETTING)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:GetServiceSetting", e))?;
        Ok(text(out.service_setting().and_then(|s| s.setting_value())))
    }

    /// One page of DescribeActivations (every activation of the scope).
    pub async fn activations_page(
        &self,
        scope: ScopeId,
        token: Option<String>,
    ) -> Result<Page<Activation>, AwsError> {
        let out = self
            .client
            .describe_activations()
            .max_results(ACTIVATIONS_PAGE_SIZE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:DescribeActivations", e))?;
        Ok(Page {
            items: out
                .activation_list()
                .iter()
                .map(|a| activation_from(scope, a))
                .collect(),
            next: next_token(out.next_token()),
        })
    }
}
