use std::collections::BTreeMap;

use aws_sdk_ssm::types::OpsAggregator;

use crate::model::OpsAggregate;

use super::convert::{next_token, text};
use super::error::AwsError;
use super::nodes::{Page, SsmRead};

/// Largest page of GetOpsSummary and ListResourceDataSync.
pub const EXPLORER_PAGE_SIZE: i32 = 50;
/// Most aggregators GetOpsSummary takes at once.
pub const MAX_AGGREGATORS: usize = 12;

/// A resource data sync (ListResourceDataSync).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataSync {
    pub name: String,
    /// `SyncFromSource` or `SyncToDestination`.
    pub sync_type: String,
    /// `AwsOrganizations` or `SingleAccountMultiRegions`.
    pub source_type: String,
}

impl DataSync {
    /// An organization-wide sync that Explorer can query (GetOpsSummary SyncName).
    pub fn is_org_wide(&self) -> bool {
        // AWS spells it `AwsOrganizations`; accept any case.
        self.sync_type == "SyncFromSource"
            && self.source_type.eq_ignore_ascii_case("AwsOrganizations")
    }
}

impl SsmRead {
    /// One page of ListResourceDataSync (SyncFromSource only).
    pub async fn data_syncs_page(&self, token: Option<String>) -> Result<Page<DataSync>, AwsError> {
        let out = self
            .client
            .list_resource_data_sync()
            .sync_type("SyncFromSource")
            .max_results(EXPLORER_PAGE_SIZE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:ListResourceDataSync", e))?;
        Ok(Page {
            items: out
                .resource_data_sync_items()
                .iter()
                .map(|s| DataSync {
                    name: text(s.sync_name()),
                    sync_type: text(s.sync_type()),
                    source_type: text(s.sync_source().and_then(|src| src.source_type())),
                })
                .collect(),
            next: next_token(out.next_token()),
        })
    }

    /// One page of GetOpsSummary with one count aggregator per (type, attribute) (at most
    /// [`MAX_AGGREGATORS`]), through `sync` when given. Entities come back as one
    /// aggregate each, keyed `type.attribute`.
    pub async fn ops_summary_page(
        &self,
        sync: Option<&str>,
        aggregates: &[(&str, &str)],
        token: Option<String>,
    ) -> Result<Page<OpsAggregate>, AwsError> {
        let aggregators: Vec<OpsAggregator> = aggregates
            .iter()
            .take(MAX_AGGREGATORS)
            .map(|(t, a)| {
                OpsAggregator::builder()
                    .aggregator_type("count")
                    .type_name(*t)
                    .attribute_name(*a)
                    .build()
            })
            .collect();
        let out = self
            .client
            .get_ops_summary()
            .set_sync_name(sync.map(str::to_string))
            .set_aggregators(Some(aggregators))
            .max_results(EXPLORER_PAGE_SIZE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:GetOpsSummary", e))?;
        let mut items = Vec::new();
        for entity in out.entities() {
            let Some(data) = entity.data() else {
                continue;
            };
            let id = text(entity.id());
            for (type_name, item) in data {
                let attribute = id
                    .strip_prefix(type_name.as_str())
                    .and_then(|r| r.strip_prefix('.'))
                    .unwrap_or("")
                    .to_string();
                let mut counts: BTreeMap<String, u64> = BTreeMap::new();
                for row in item.content() {
                    let n = row
                        .get("Count")
                        .and_then(|c| c.parse::<u64>().ok())
                        .unwrap_or(0);
                    let value = row
                        .get(&attribute)
                        .cloned()
                        .or_else(|| {
                            row.iter()
                                .find(|(k, _)| k.as_str() != "Count")
                                .map(|(_, v)| v.clone())
                        })
                        .unwrap_or_default();
                    *counts.entry(value).or_default() += n;
                }
                let mut agg = OpsAggregate {
                    type_name: type_name.clone(),
                    attribute,
                    counts: counts.into_iter().collect(),
                };
                agg.normalize();
                items.push(agg);
            }
        }
        Ok(Page {
            items,
            next: next_token(out.next_token()),
        })
    }
}
