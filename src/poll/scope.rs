use std::collections::HashMap;
use std::time::Duration;

use crate::aws::{AwsError, DataSync, ErrorKind, PATCH_BATCH, Page, SsmRead};
use crate::model::{
    ApplicationHit, ComplianceItem, ComplianceSummary, EXPLORER_AGGREGATES, ExplorerSource,
    InventoryRows, ManagedNode, OpsAggregate, OpsItem, OpsItemDetail, PatchState,
    ResourceCompliance, Scope, ScopeId,
};

use super::limiter::{Buckets, full_jitter};

mod catalog;
mod history;
mod state_manager;

pub use catalog::{
    fetch_baselines, fetch_document, fetch_documents, fetch_node_patches, fetch_parameter_history,
    fetch_parameter_value, fetch_parameter_values, fetch_parameters,
};
pub use history::{fetch_activations, fetch_automations, fetch_commands};
pub use state_manager::{
    fetch_association_detail, fetch_associations, fetch_calendars, fetch_window_detail,
    fetch_windows,
};

/// Hybrid nodes whose tags are asked at once.
const TAG_CONCURRENCY: usize = 5;

/// How a scope retries throttled calls (after the SDK's own retries gave up).
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub tries: u32,
    pub base: Duration,
    pub cap: Duration,
}

impl Default for Backoff {
    fn default() -> Backoff {
        Backoff {
            tries: 4,
            base: Duration::from_millis(500),
            cap: Duration::from_secs(20),
        }
    }
}

/// One scope's client and its token buckets, one per API.
#[derive(Debug)]
pub struct ScopeFeed {
    pub id: ScopeId,
    pub scope: Scope,
    read: SsmRead,
    buckets: Buckets,
    backoff: Backoff,
}

impl ScopeFeed {
    pub fn new(id: ScopeId, scope: Scope, read: SsmRead, rate_per_second: f64) -> ScopeFeed {
        ScopeFeed {
            id,
            scope,
            read,
            buckets: Buckets::new(rate_per_second),
            backoff: Backoff::default(),
        }
    }

    pub fn with_backoff(mut self, backoff: Backoff) -> ScopeFeed {
        self.backoff = backoff;
        self
    }

    /// Runs `call` after a token of `api`'s bucket, retrying throttled answers with
    /// full-jitter backoff.
    async fn paced<T, F, Fut>(&self, api: &'static str, mut call: F) -> Result<T, AwsError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, AwsError>>,
    {
        let bucket = self.buckets.get(api);
        let mut attempt = 0;
        loop {
            bucket.acquire().await;
            match call().await {
                Err(e) if e.kind == ErrorKind::Throttled && attempt < self.backoff.tries => {
                    tokio::time::sleep(full_jitter(attempt, self.backoff.base, self.backoff.cap))
                        .await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// Every page of a list call: `page(token)` until no next token.
    async fn all_pages<T, F, Fut>(&self, api: &'static str, page: F) -> Result<Vec<T>, AwsError>
    where
        F: FnMut(Option<String>) -> Fut,
        Fut: Future<Output = Result<Page<T>, AwsError>>,
    {
        self.pages_up_to(api, usize::MAX, page).await
    }

    /// Pages of a list call until no next token or `limit` items.
    async fn pages_up_to<T, F, Fut>(
        &self,
        api: &'static str,
        limit: usize,
        mut page: F,
    ) -> Result<Vec<T>, AwsError>
    where
        F: FnMut(Option<String>) -> Fut,
        Fut: Future<Output = Result<Page<T>, AwsError>>,
    {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let p = self.paced(api, || page(token.clone())).await?;
            out.extend(p.items);
            match p.next {
                Some(t) if out.len() < limit => token = Some(t),
                _ => {
                    out.truncate(limit);
                    return Ok(out);
                }
            }
        }
    }
}

/// Every managed node of the scope (every page of DescribeInstanceInformation).
pub async fn fetch_nodes(feed: &ScopeFeed) -> Result<Vec<ManagedNode>, AwsError> {
    let mut nodes = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = feed
            .paced("DescribeInstanceInformation", || {
                feed.read.nodes_page(feed.id, token.clone())
            })
            .await?;
        nodes.extend(page.nodes);
        match page.next_token {
            Some(t) => token = Some(t),
            None => return Ok(nodes),
        }
    }
}

/// Tags of `nodes`: the `AWS:Tag` inventory for EC2 instances and ListTagsForResource for
/// hybrid (`mi-`) nodes. Nodes with no tags anywhere get an empty list.
pub async fn fetch_tags(
    feed: &ScopeFeed,
    nodes: &[ManagedNode],
) -> Result<Vec<(String, Vec<(String, String)>)>, AwsError> {
    let mut by_id: HashMap<String, Vec<(String, String)>> = Default::default();
    if nodes.iter().any(|n| !n.is_hybrid()) {
        let mut token: Option<String> = None;
        loop {
            let (page, next) = feed
                .paced("GetInventory", || {
                    feed.read.tag_inventory_page(token.clone())
                })
                .await?;
            by_id.extend(page);
            match next {
                Some(t) => token = Some(t),
                None => break,
            }
        }
    }
    let hybrid: Vec<&ManagedNode> = nodes.iter().filter(|n| n.is_hybrid()).collect();
    for chunk in hybrid.chunks(TAG_CONCURRENCY) {
        let mut calls = Vec::with_capacity(chunk.len());
        for n in chunk {
            calls.push(async move {
                feed.paced("ListTagsForResource", || {
                    feed.read.managed_instance_tags(&n.instance_id)
                })
                .await
                .map(|tags| (n.instance_id.clone(), tags))
            });
        }
        for r in futures_util::future::join_all(calls).await {
            let (id, tags) = r?;
            by_id.insert(id, tags);
        }
    }
    Ok(nodes
        .iter()
        .map(|n| {
            let tags = by_id.remove(&n.instance_id).unwrap_or_default();
            (n.instance_id.clone(), tags)
        })
        .collect())
}

/// Every OpsItem of the scope.
pub async fn fetch_ops_items(feed: &ScopeFeed) -> Result<Vec<OpsItem>, AwsError> {
    feed.all_pages("DescribeOpsItems", |t| feed.read.ops_items_page(feed.id, t))
        .await
}

/// Compliance summaries per type and the non-compliant resources, both at once.
pub async fn fetch_compliance(
    feed: &ScopeFeed,
) -> Result<(Vec<ComplianceSummary>, Vec<ResourceCompliance>), AwsError> {
    let summaries = feed.all_pages("ListComplianceSummaries", |t| {
        feed.read.compliance_summaries_page(feed.id, t)
    });
    let resources = feed.all_pages("ListResourceComplianceSummaries", |t| {
        feed.read.non_compliant_resources_page(feed.id, t)
    });
    let (s, r) = tokio::join!(summaries, resources);
    Ok((s?, r?))
}

/// Patch states of these nodes, [`PATCH_BATCH`] ids per call.
pub async fn fetch_patch(
    feed: &ScopeFeed,
    instance_ids: &[String],
) -> Result<Vec<PatchState>, AwsError> {
    let mut calls = Vec::new();
    for ids in instance_ids.chunks(PATCH_BATCH) {
        calls.push(feed.all_pages("DescribeInstancePatchStates", move |t| {
            feed.read.patch_states_page(feed.id, ids, t)
        }));
    }
    let mut out = Vec::new();
    for r in futures_util::future::join_all(calls).await {
        out.extend(r?);
    }
    Ok(out)
}

/// Inventory of these types for every node (one GetInventory scan per type).
pub async fn fetch_inventory(
    feed: &ScopeFeed,
    types: &[String],
) -> Result<Vec<InventoryRows>, AwsError> {
    let mut scans = Vec::new();
    for t in types {
        scans.push(feed.all_pages("GetInventory", move |tok| {
            feed.read.inventory_page(feed.id, t, tok)
        }));
    }
    let mut out = Vec::new();
    for r in futures_util::future::join_all(scans).await {
        out.extend(r?);
    }
    Ok(out)
}

/// The organization-wide resource data sync this scope owns, if any.
pub async fn find_org_sync(feed: &ScopeFeed) -> Result<Option<DataSync>, AwsError> {
    let syncs = feed
        .all_pages("ListResourceDataSync", |t| feed.read.data_syncs_page(t))
        .await?;
    Ok(syncs.into_iter().find(DataSync::is_org_wide))
}

/// Explorer numbers: GetOpsSummary through the org sync when there is one.
pub async fn fetch_explorer(
    feed: &ScopeFeed,
) -> Result<(ExplorerSource, Vec<OpsAggregate>), AwsError> {
    let Some(sync) = find_org_sync(feed).await? else {
        return Ok((ExplorerSource::Pollers, Vec::new()));
    };
    let mut out = Vec::new();
    for chunk in EXPLORER_AGGREGATES.chunks(crate::aws::MAX_AGGREGATORS) {
        out.extend(
            feed.all_pages("GetOpsSummary", |t| {
                feed.read.ops_summary_page(Some(&sync.name), chunk, t)
            })
            .await?,
        );
    }
    Ok((ExplorerSource::Sync(sync.name), out))
}

/// One OpsItem in full: GetOpsItem, its events and its related items, at once.
pub async fn fetch_ops_item_detail(feed: &ScopeFeed, id: &str) -> Result<OpsItemDetail, AwsError> {
    let item = feed.paced("GetOpsItem", || feed.read.ops_item(feed.id, id));
    let events = feed.all_pages("ListOpsItemEvents", |t| {
        feed.read.ops_item_events_page(id, t)
    });
    let related = feed.all_pages("ListOpsItemRelatedItems", |t| {
        feed.read.ops_item_related_page(id, t)
    });
    let (item, events, related) = tokio::join!(item, events, related);
    Ok(OpsItemDetail {
        item: item?,
        events: events?,
        related: related?,
        fetched: chrono::Utc::now(),
    })
}

/// A node's inventory: every type (GetInventory), or one type (ListInventoryEntries).
/// The inventory types AWS collects on a node, asked for when a node's whole inventory is wanted.
pub const NODE_INVENTORY_TYPES: &[&str] = &[
    "AWS:InstanceInformation",
    "AWS:Application",
    "AWS:AWSComponent",
    "AWS:Network",
    "AWS:Service",
    "AWS:WindowsUpdate",
    "AWS:File",
    "AWS:Tag",
];

pub async fn fetch_node_inventory(
    feed: &ScopeFeed,
    instance_id: &str,
    type_name: Option<&str>,
) -> Result<Vec<InventoryRows>, AwsError> {
    let Some(type_name) = type_name else {
        // GetInventory without ResultAttributes answers AWS:InstanceInformation only: ask
        // for every type of the node, one ListInventoryEntries each.
        let mut all = Vec::new();
        for t in NODE_INVENTORY_TYPES {
            all.extend(Box::pin(fetch_node_inventory(feed, instance_id, Some(t))).await?);
        }
        return Ok(all);
    };
    let mut rows: Option<InventoryRows> = None;
    let mut token: Option<String> = None;
    loop {
        let (page, next) = feed
            .paced("ListInventoryEntries", || {
                feed.read
                    .inventory_entries_page(feed.id, instance_id, type_name, token.clone())
            })
            .await?;
        match &mut rows {
            Some(r) => r.entries.extend(page.entries),
            None => rows = Some(page),
        }
        match next {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    Ok(rows.into_iter().filter(|r| !r.entries.is_empty()).collect())
}

/// Compliance items of one resource.
pub async fn fetch_compliance_items(
    feed: &ScopeFeed,
    resource_id: &str,
) -> Result<Vec<ComplianceItem>, AwsError> {
    feed.all_pages("ListComplianceItems", |t| {
        feed.read.compliance_items_page(feed.id, resource_id, t)
    })
    .await
}

/// Nodes of this scope running an application whose name begins with `name`.
pub async fn fetch_applications(
    feed: &ScopeFeed,
    name: &str,
) -> Result<Vec<ApplicationHit>, AwsError> {
    feed.all_pages("GetInventory", |t| {
        feed.read.applications_page(feed.id, name, t)
    })
    .await
}
