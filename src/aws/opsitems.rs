use aws_sdk_ssm::types::{OpsItemFilter, OpsItemFilterKey, OpsItemFilterOperator};

use crate::model::{OpsItem, OpsItemEvent, OpsItemRelated, ScopeId};

use super::convert::{parse_automations, parse_resources, text, time};
use super::error::{AwsError, ErrorKind};
use super::nodes::{Page, SsmRead};

/// Largest page of the OpsCenter list calls.
pub const OPS_PAGE_SIZE: i32 = 50;

type OpsData = std::collections::HashMap<String, aws_sdk_ssm::types::OpsItemDataValue>;

/// Operational data as sorted pairs, plus the resources and runbooks it names.
fn operational_data(item: &mut OpsItem, data: Option<&OpsData>) {
    let Some(data) = data else {
        return;
    };
    let mut pairs: Vec<(String, String)> = data
        .iter()
        .map(|(k, v)| (k.clone(), text(v.value())))
        .collect();
    pairs.sort();
    let find = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    item.resources = find("/aws/resources")
        .map(parse_resources)
        .unwrap_or_default();
    item.runbooks = find("/aws/automations")
        .map(parse_automations)
        .unwrap_or_default();
    item.operational_data = pairs;
}

/// An `OpsItem` of the fields the SDK's `OpsItemSummary` and `OpsItem` share (two types
/// with the same getters): id, title, status to last change, operational data.
macro_rules! shared_item {
    ($scope:expr, $s:expr) => {{
        let s = $s;
        let mut i = OpsItem::new($scope, text(s.ops_item_id()));
        i.title = text(s.title());
        i.status = s
            .status()
            .map(|v| v.as_str().to_string())
            .unwrap_or_default();
        i.severity = text(s.severity());
        i.priority = s.priority();
        i.source = text(s.source());
        i.category = text(s.category());
        i.ops_item_type = text(s.ops_item_type());
        i.created_by = text(s.created_by());
        i.created = time(s.created_time());
        i.last_modified_by = text(s.last_modified_by());
        i.last_modified = time(s.last_modified_time());
        operational_data(&mut i, s.operational_data());
        i
    }};
}

fn summary_item(scope: ScopeId, s: &aws_sdk_ssm::types::OpsItemSummary) -> OpsItem {
    shared_item!(scope, s)
}

fn full_item(scope: ScopeId, s: &aws_sdk_ssm::types::OpsItem) -> OpsItem {
    let mut i = shared_item!(scope, s);
    i.description = text(s.description());
    i.version = text(s.version());
    i.arn = text(s.ops_item_arn());
    i.related_ops_items = s
        .related_ops_items()
        .iter()
        .map(|r| r.ops_item_id().to_string())
        .collect();
    i.detailed = true;
    i
}

fn id_filter<K, B>(build: B, what: &str) -> Result<K, AwsError>
where
    B: FnOnce() -> Result<K, aws_sdk_ssm::error::BuildError>,
{
    build().map_err(|e| AwsError::new(ErrorKind::Validation, format!("{what}: {e}")))
}

impl SsmRead {
    /// One page of DescribeOpsItems (every status), newest first.
    pub async fn ops_items_page(
        &self,
        scope: ScopeId,
        token: Option<String>,
    ) -> Result<Page<OpsItem>, AwsError> {
        self.describe_ops_items(scope, None, token).await
    }

    /// One page of DescribeOpsItems, with at most one filter.
    async fn describe_ops_items(
        &self,
        scope: ScopeId,
        filter: Option<OpsItemFilter>,
        token: Option<String>,
    ) -> Result<Page<OpsItem>, AwsError> {
        let out = self
            .client
            .describe_ops_items()
            .set_ops_item_filters(filter.map(|f| vec![f]))
            .max_results(OPS_PAGE_SIZE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:DescribeOpsItems", e))?;
        Ok(Page::of(out.ops_item_summaries(), out.next_token(), |s| {
            summary_item(scope, s)
        }))
    }

    /// GetOpsItem: one OpsItem in full.
    pub async fn ops_item(&self, scope: ScopeId, id: &str) -> Result<OpsItem, AwsError> {
        let out = self
            .client
            .get_ops_item()
            .ops_item_id(id)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:GetOpsItem", e))?;
        out.ops_item()
            .map(|i| full_item(scope, i))
            .ok_or_else(|| AwsError::new(ErrorKind::Server, "ssm:GetOpsItem: no OpsItem"))
    }

    /// One page of ListOpsItemEvents of one OpsItem.
    pub async fn ops_item_events_page(
        &self,
        id: &str,
        token: Option<String>,
    ) -> Result<Page<OpsItemEvent>, AwsError> {
        let filter = id_filter(
            || {
                aws_sdk_ssm::types::OpsItemEventFilter::builder()
                    .key(aws_sdk_ssm::types::OpsItemEventFilterKey::OpsitemId)
                    .values(id)
                    .operator(aws_sdk_ssm::types::OpsItemEventFilterOperator::Equal)
                    .build()
            },
            "ssm:ListOpsItemEvents",
        )?;
        let out = self
            .client
            .list_ops_item_events()
            .filters(filter)
            .max_results(OPS_PAGE_SIZE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:ListOpsItemEvents", e))?;
        Ok(Page::of(out.summaries(), out.next_token(), |e| {
            OpsItemEvent {
                event_id: text(e.event_id()),
                source: text(e.source()),
                detail_type: text(e.detail_type()),
                detail: text(e.detail()),
                created_by: text(e.created_by().and_then(|c| c.arn())),
                created: time(e.created_time()),
            }
        }))
    }

    /// One page of ListOpsItemRelatedItems of one OpsItem.
    pub async fn ops_item_related_page(
        &self,
        id: &str,
        token: Option<String>,
    ) -> Result<Page<OpsItemRelated>, AwsError> {
        let out = self
            .client
            .list_ops_item_related_items()
            .ops_item_id(id)
            .max_results(OPS_PAGE_SIZE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:ListOpsItemRelatedItems", e))?;
        Ok(Page::of(out.summaries(), out.next_token(), |r| {
            OpsItemRelated {
                association_id: text(r.association_id()),
                resource_type: text(r.resource_type()),
                resource_uri: text(r.resource_uri()),
                association_type: text(r.association_type()),
                created_by: text(r.created_by().and_then(|c| c.arn())),
                created: time(r.created_time()),
            }
        }))
    }

    /// One page of DescribeOpsItems restricted to some statuses (e.g. `Open`).
    pub async fn ops_items_with_status_page(
        &self,
        scope: ScopeId,
        statuses: &[&str],
        token: Option<String>,
    ) -> Result<Page<OpsItem>, AwsError> {
        let filter = id_filter(
            || {
                OpsItemFilter::builder()
                    .key(OpsItemFilterKey::Status)
                    .set_values(Some(statuses.iter().map(|s| s.to_string()).collect()))
                    .operator(OpsItemFilterOperator::Equal)
                    .build()
            },
            "ssm:DescribeOpsItems",
        )?;
        self.describe_ops_items(scope, Some(filter), token).await
    }
}
