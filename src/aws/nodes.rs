use crate::model::{ManagedNode, PingStatus, PlatformType, ScopeId};

use super::convert::{next_token, text, time};
use super::error::AwsError;

/// Largest page DescribeInstanceInformation allows.
pub const NODES_PAGE_SIZE: i32 = 50;
/// Largest page GetInventory allows.
pub const INVENTORY_PAGE_SIZE: i32 = 50;

/// Read-only SSM calls for one scope. It has no method that changes anything.
#[derive(Clone, Debug)]
pub struct SsmRead {
    pub(super) client: aws_sdk_ssm::Client,
}

/// One page of any list call and the token of the next.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

impl<T> Page<T> {
    /// A page of the SDK's `items` mapped by `f`, with the token of the next.
    pub(crate) fn of<S>(items: &[S], next: Option<&str>, f: impl FnMut(&S) -> T) -> Page<T> {
        Page {
            items: items.iter().map(f).collect(),
            next: next_token(next),
        }
    }
}

/// One page of managed nodes and the token of the next.
#[derive(Debug)]
pub struct NodesPage {
    pub nodes: Vec<ManagedNode>,
    pub next_token: Option<String>,
}

impl SsmRead {
    pub fn new(client: aws_sdk_ssm::Client) -> SsmRead {
        SsmRead { client }
    }

    /// One page of DescribeInstanceInformation.
    pub async fn nodes_page(
        &self,
        scope: ScopeId,
        token: Option<String>,
    ) -> Result<NodesPage, AwsError> {
        let out = self
            .client
            .describe_instance_information()
            .max_results(NODES_PAGE_SIZE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:DescribeInstanceInformation", e))?;
        Ok(NodesPage {
            nodes: out
                .instance_information_list()
                .iter()
                .map(|i| node_from(scope, i))
                .collect(),
            next_token: out
                .next_token()
                .filter(|t| !t.is_empty())
                .map(str::to_string),
        })
    }

    /// Tags of an on-premises (`mi-`) node: ListTagsForResource(ManagedInstance).
    pub async fn managed_instance_tags(
        &self,
        instance_id: &str,
    ) -> Result<Vec<(String, String)>, AwsError> {
        let out = self
            .client
            .list_tags_for_resource()
            .resource_type(aws_sdk_ssm::types::ResourceTypeForTagging::ManagedInstance)
            .resource_id(instance_id)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:ListTagsForResource", e))?;
        let mut tags: Vec<(String, String)> = out
            .tag_list()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect();
        tags.sort();
        Ok(tags)
    }

    /// One page of the `AWS:Tag` inventory (tags of EC2 instances, as SSM Inventory
    /// collects them): (instance id, sorted tags) and the next token.
    pub async fn tag_inventory_page(
        &self,
        token: Option<String>,
    ) -> Result<(Vec<(String, Vec<(String, String)>)>, Option<String>), AwsError> {
        let out = self
            .client
            .get_inventory()
            .result_attributes(
                aws_sdk_ssm::types::ResultAttribute::builder()
                    .type_name("AWS:Tag")
                    .build()
                    .map_err(|e| AwsError::new(super::ErrorKind::Other, e.to_string()))?,
            )
            .max_results(INVENTORY_PAGE_SIZE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:GetInventory", e))?;
        let mut result = Vec::new();
        for entity in out.entities() {
            let (Some(id), Some(data)) = (entity.id(), entity.data()) else {
                continue;
            };
            let Some(item) = data.get("AWS:Tag") else {
                continue;
            };
            let mut tags: Vec<(String, String)> = item
                .content()
                .iter()
                .filter_map(|row| {
                    Some((
                        row.get("Key")?.clone(),
                        row.get("Value").cloned().unwrap_or_default(),
                    ))
                })
                .collect();
            tags.sort();
            result.push((id.to_string(), tags));
        }
        let next = out
            .next_token()
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        Ok((result, next))
    }
}

fn node_from(scope: ScopeId, i: &aws_sdk_ssm::types::InstanceInformation) -> ManagedNode {
    let mut n = ManagedNode::new(scope, text(i.instance_id()));
    n.ping_status = i
        .ping_status()
        .map_or(PingStatus::Unknown, |p| PingStatus::parse(p.as_str()));
    n.last_ping = time(i.last_ping_date_time());
    n.agent_version = text(i.agent_version());
    n.is_latest_version = i.is_latest_version();
    n.platform_type = i
        .platform_type()
        .map_or(PlatformType::Unknown, |p| PlatformType::parse(p.as_str()));
    n.platform_name = text(i.platform_name());
    n.platform_version = text(i.platform_version());
    n.resource_type = i
        .resource_type()
        .map(|r| r.as_str().to_string())
        .unwrap_or_default();
    n.ip_address = text(i.ip_address());
    n.computer_name = text(i.computer_name());
    n.iam_role = text(i.iam_role());
    n.registration_date = time(i.registration_date());
    n.association_status = text(i.association_status());
    n.last_association_execution = time(i.last_association_execution_date());
    n.source_id = text(i.source_id());
    n.source_type = i
        .source_type()
        .map(|s| s.as_str().to_string())
        .unwrap_or_default();
    n.activation_id = text(i.activation_id());
    n.registered_name = text(i.name());
    n
}
