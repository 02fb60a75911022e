use std::time::Duration;

use crate::aws::{AwsError, ErrorKind, SsmRead};
use crate::model::{ManagedNode, Scope, ScopeId};

use super::limiter::{TokenBucket, full_jitter};

/// Extra tries of one page after the SDK's own retries gave up on throttling.
const THROTTLE_TRIES: u32 = 4;

/// One scope's client and its token buckets, one per API.
#[derive(Debug)]
pub struct ScopeFeed {
    pub id: ScopeId,
    pub scope: Scope,
    read: SsmRead,
    nodes_bucket: TokenBucket,
    inventory_bucket: TokenBucket,
    tags_bucket: TokenBucket,
}

impl ScopeFeed {
    pub fn new(id: ScopeId, scope: Scope, read: SsmRead, rate_per_second: f64) -> ScopeFeed {
        let bucket = || TokenBucket::new(rate_per_second, rate_per_second);
        ScopeFeed {
            id,
            scope,
            read,
            nodes_bucket: bucket(),
            inventory_bucket: bucket(),
            tags_bucket: bucket(),
        }
    }
}

/// Runs `call` after a token, retrying throttled answers with full-jitter backoff.
async fn paced<T, F, Fut>(bucket: &TokenBucket, mut call: F) -> Result<T, AwsError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, AwsError>>,
{
    let mut attempt = 0;
    loop {
        bucket.acquire().await;
        match call().await {
            Err(e) if e.kind == ErrorKind::Throttled && attempt < THROTTLE_TRIES => {
                tokio::time::sleep(full_jitter(
                    attempt,
                    Duration::from_millis(500),
                    Duration::from_secs(20),
                ))
                .await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// Every managed node of the scope (every page of DescribeInstanceInformation).
pub async fn fetch_nodes(feed: &ScopeFeed) -> Result<Vec<ManagedNode>, AwsError> {
    let mut nodes = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = paced(&feed.nodes_bucket, || {
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
    let mut by_id: std::collections::HashMap<String, Vec<(String, String)>> = Default::default();
    if nodes.iter().any(|n| !n.is_hybrid()) {
        let mut token: Option<String> = None;
        loop {
            let (page, next) = paced(&feed.inventory_bucket, || {
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
    for n in nodes.iter().filter(|n| n.is_hybrid()) {
        let tags = paced(&feed.tags_bucket, || {
            feed.read.managed_instance_tags(&n.instance_id)
        })
        .await?;
        by_id.insert(n.instance_id.clone(), tags);
    }
    Ok(nodes
        .iter()
        .map(|n| {
            let tags = by_id.remove(&n.instance_id).unwrap_or_default();
            (n.instance_id.clone(), tags)
        })
        .collect())
}
