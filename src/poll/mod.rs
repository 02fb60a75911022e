//! Background tasks: one feed × scope each, own cadence with jitter, a token bucket per
//! (account, region, API), backoff on throttling, never two polls of one feed in flight.
//! Results reach the app as [`FeedEvent`]s.

mod limiter;
mod scope;

use std::time::Duration;

use chrono::Utc;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::aws::{AwsOptions, Connector, SharedConnector, discover};
use crate::config::{AccountsConfig, Config};
use crate::model::FeedEvent;

pub use limiter::{TokenBucket, full_jitter, jittered};
pub use scope::{ScopeFeed, fetch_nodes, fetch_tags};

/// Cadences and limits of the pollers.
#[derive(Debug, Clone)]
pub struct PollOptions {
    pub nodes_interval: Duration,
    pub tags_interval: Duration,
    /// Calls per second per (account, region, API).
    pub rate_per_second: f64,
    /// Role assumed in member accounts.
    pub role_name: String,
    /// Fetch tags (Name and the rest) after nodes.
    pub with_tags: bool,
}

impl PollOptions {
    pub fn from_config(c: &Config) -> PollOptions {
        PollOptions {
            nodes_interval: c.poll.nodes_interval(),
            tags_interval: c.poll.tags_interval(),
            rate_per_second: f64::from(c.poll.rate_per_second),
            role_name: c.accounts.role_name.clone(),
            with_tags: true,
        }
    }
}

/// Connects, discovers the scopes and runs a poller per scope until the task is aborted
/// or the receiver is dropped. Every outcome, failures included, arrives on `tx`; the
/// connector, once made, is left in `shared`.
pub async fn run_estate(
    aws: AwsOptions,
    accounts: AccountsConfig,
    opts: PollOptions,
    tx: mpsc::Sender<FeedEvent>,
    shared: SharedConnector,
) {
    let conn = match Connector::connect(&aws).await {
        Ok(c) => c,
        Err(e) => {
            let _ = tx
                .send(FeedEvent::DiscoveryFailed {
                    error: e.to_string(),
                })
                .await;
            return;
        }
    };
    let _ = shared.set(conn.clone());
    let discovery = match discover(&conn, &accounts).await {
        Ok(d) => d,
        Err(e) => {
            let _ = tx
                .send(FeedEvent::DiscoveryFailed {
                    error: e.to_string(),
                })
                .await;
            return;
        }
    };
    let note = format!("{} · as {}", discovery.note, conn.caller().arn);
    if tx
        .send(FeedEvent::ScopesDiscovered {
            scopes: discovery.scopes.clone(),
            note: Some(note),
        })
        .await
        .is_err()
    {
        return;
    }
    let mut tasks = JoinSet::new();
    for (i, scope) in discovery.scopes.into_iter().enumerate() {
        let conn = conn.clone();
        let opts = opts.clone();
        let tx = tx.clone();
        tasks.spawn(async move {
            let read = conn
                .ssm_read(&scope.account.id, &scope.region, &opts.role_name)
                .await;
            let feed = ScopeFeed::new(i as u32, scope, read, opts.rate_per_second);
            poll_scope_forever(feed, opts, tx).await;
        });
    }
    while tasks.join_next().await.is_some() {}
}

/// The poll loop of one scope: nodes every `nodes_interval`, tags every `tags_interval`
/// (and for nodes not seen before). Ends when the receiver is gone.
async fn poll_scope_forever(feed: ScopeFeed, opts: PollOptions, tx: mpsc::Sender<FeedEvent>) {
    let mut tags_due = tokio::time::Instant::now();
    let mut known: std::collections::HashSet<String> = Default::default();
    loop {
        let event = match fetch_nodes(&feed).await {
            Ok(nodes) => {
                let new_nodes = nodes.iter().any(|n| !known.contains(&n.instance_id));
                known = nodes.iter().map(|n| n.instance_id.clone()).collect();
                let want_tags = opts.with_tags
                    && (new_nodes || tokio::time::Instant::now() >= tags_due)
                    && !nodes.is_empty();
                let loaded = FeedEvent::NodesLoaded {
                    scope: feed.id,
                    nodes: nodes.clone(),
                    at: Utc::now(),
                };
                if tx.send(loaded).await.is_err() {
                    return;
                }
                if want_tags {
                    match fetch_tags(&feed, &nodes).await {
                        Ok(tags) => {
                            tags_due = tokio::time::Instant::now() + opts.tags_interval;
                            if tx
                                .send(FeedEvent::TagsLoaded {
                                    scope: feed.id,
                                    tags,
                                })
                                .await
                                .is_err()
                            {
                                return;
                            }
                        }
                        Err(e) => tracing::warn!(scope = %feed.scope.label(), "tags: {e}"),
                    }
                }
                None
            }
            Err(e) => {
                tracing::warn!(scope = %feed.scope.label(), "nodes: {e}");
                Some(FeedEvent::ScopeFailed {
                    scope: feed.id,
                    error: e.to_string(),
                    at: Utc::now(),
                })
            }
        };
        if let Some(ev) = event
            && tx.send(ev).await.is_err()
        {
            return;
        }
        tokio::select! {
            _ = tokio::time::sleep(jittered(opts.nodes_interval)) => {}
            _ = tx.closed() => return,
        }
    }
}
