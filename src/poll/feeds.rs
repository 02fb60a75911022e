//! The loop of one feed × scope: poll, report, wait for the cadence (or back off after a
//! failure), never two polls in flight, no catching up on missed ticks.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use chrono::Utc;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use crate::aws::{AwsError, ErrorKind};
use crate::model::{ExplorerSource, Feed, FeedEvent, FeedSet};

use super::PollOptions;
use super::limiter::{full_jitter, jittered};
use super::scope::{
    ScopeFeed, fetch_activations, fetch_associations, fetch_automations, fetch_calendars,
    fetch_commands, fetch_compliance, fetch_explorer, fetch_inventory, fetch_nodes,
    fetch_ops_items, fetch_patch, fetch_tags, fetch_windows,
};

/// What is known of the organization's resource data sync.
pub(crate) const SYNC_UNKNOWN: u8 = 0;
pub(crate) const SYNC_PRESENT: u8 = 1;
pub(crate) const SYNC_ABSENT: u8 = 2;

/// The instance ids of a scope as the nodes feed last saw them, or why it could not.
pub(crate) type NodeIds = Option<Result<Arc<Vec<String>>, String>>;

/// Whether `feed` is polled, given what the panes want. Without a resource data sync,
/// Explorer is counted from the OpsItems, compliance and nodes feeds, so it needs them.
pub(crate) fn is_active(feed: Feed, wanted: FeedSet, sync: u8) -> bool {
    match feed {
        Feed::Nodes => true,
        Feed::OpsItems | Feed::Compliance => {
            wanted.contains(feed) || (wanted.contains(Feed::Explorer) && sync != SYNC_PRESENT)
        }
        Feed::Patch
        | Feed::Inventory
        | Feed::Explorer
        | Feed::Commands
        | Feed::Automations
        | Feed::Activations
        | Feed::Associations
        | Feed::Windows
        | Feed::Calendars
        | Feed::Parameters
        | Feed::Baselines
        | Feed::Documents => wanted.contains(feed),
    }
}

pub(crate) struct FeedTask {
    pub feed: Feed,
    pub scope: Arc<ScopeFeed>,
    pub opts: Arc<PollOptions>,
    pub tx: mpsc::Sender<FeedEvent>,
    pub wanted: watch::Receiver<FeedSet>,
    pub sync: Arc<AtomicU8>,
    /// Written by the nodes feed, read by the patch feed.
    pub node_ids: watch::Sender<NodeIds>,
}

/// How a wait for the next poll ended.
enum Waited {
    Due,
    /// The panes no longer want the feed.
    Inactive,
    /// The receiver is gone.
    Closed,
}

/// Per-feed memory between polls.
#[derive(Default)]
struct Memory {
    known_nodes: HashSet<String>,
    tags_due: Option<Instant>,
}

impl FeedTask {
    fn active(&self) -> bool {
        is_active(
            self.feed,
            *self.wanted.borrow(),
            self.sync.load(Ordering::Relaxed),
        )
    }

    async fn send(&self, ev: FeedEvent) -> bool {
        self.tx.send(ev).await.is_ok()
    }

    /// Runs until the receiver is gone. A feed that stops being wanted keeps the time its
    /// next poll was due: wanted again before then (a pane switch and back), it waits for
    /// that time instead of polling data younger than its cadence once more.
    pub async fn run(mut self) {
        let mut failures: u32 = 0;
        let mut memory = Memory::default();
        let mut due: Option<Instant> = None;
        loop {
            if !self.active() {
                let idle = FeedEvent::FeedScheduled {
                    scope: self.scope.id,
                    feed: self.feed,
                    next: None,
                    active: false,
                };
                if !self.send(idle).await {
                    return;
                }
                while !self.active() {
                    tokio::select! {
                        r = self.wanted.changed() => {
                            if r.is_err() {
                                // Nobody will change the set again.
                                self.tx.closed().await;
                                return;
                            }
                        }
                        // The sync may come or go.
                        _ = tokio::time::sleep(Duration::from_secs(2)) => {}
                        _ = self.tx.closed() => return,
                    }
                }
                if let Some(at) = due.filter(|d| *d > Instant::now()) {
                    if !self.send(self.scheduled(at)).await {
                        return;
                    }
                    match self.wait_until(at).await {
                        Waited::Due => {}
                        Waited::Inactive => continue,
                        Waited::Closed => return,
                    }
                }
            }
            let started = Instant::now();
            let polling = FeedEvent::FeedPolling {
                scope: self.scope.id,
                feed: self.feed,
                at: Utc::now(),
            };
            if !self.send(polling).await {
                return;
            }
            let result = tokio::select! {
                r = self.poll_once(&mut memory) => r,
                _ = self.tx.closed() => return,
            };
            match result {
                Ok(events) => {
                    failures = 0;
                    for ev in events {
                        if !self.send(ev).await {
                            return;
                        }
                    }
                }
                Err(error) => {
                    failures = failures.saturating_add(1);
                    tracing::warn!(scope = %self.scope.scope.label(), feed = %self.feed, "{error}");
                    let credentials = error.kind == ErrorKind::Credentials;
                    let error = error.to_string();
                    let creds = credentials.then(|| FeedEvent::CredentialsFailed {
                        error: error.clone(),
                    });
                    let at = Utc::now();
                    let ev = match self.feed {
                        Feed::Nodes => FeedEvent::ScopeFailed {
                            scope: self.scope.id,
                            error,
                            at,
                        },
                        feed => FeedEvent::FeedFailed {
                            scope: self.scope.id,
                            feed,
                            error,
                            at,
                        },
                    };
                    if !self.send(ev).await {
                        return;
                    }
                    if let Some(ev) = creds
                        && !self.send(ev).await
                    {
                        return;
                    }
                }
            }
            let cadence = self.opts.interval(self.feed);
            let delay = if failures == 0 {
                jittered(cadence).saturating_sub(started.elapsed())
            } else {
                let cap = self.opts.retry_cap.min(cadence);
                full_jitter(failures - 1, self.opts.retry_base, cap).max(self.opts.retry_base / 2)
            };
            let at = Instant::now() + delay;
            due = Some(at);
            if !self.send(self.scheduled(at)).await {
                return;
            }
            if let Waited::Closed = self.wait_until(at).await {
                return;
            }
        }
    }

    /// The next poll of this feed is at `at`.
    fn scheduled(&self, at: Instant) -> FeedEvent {
        let wait = at.saturating_duration_since(Instant::now());
        FeedEvent::FeedScheduled {
            scope: self.scope.id,
            feed: self.feed,
            next: Some(Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default()),
            active: true,
        }
    }

    /// Waits until `at`, or until the feed is no longer wanted.
    async fn wait_until(&mut self, at: Instant) -> Waited {
        loop {
            tokio::select! {
                _ = tokio::time::sleep_until(at) => return Waited::Due,
                r = self.wanted.changed(), if self.wanted.has_changed().is_ok() => {
                    if r.is_ok() && !self.active() {
                        return Waited::Inactive;
                    }
                }
                _ = self.tx.closed() => return Waited::Closed,
            }
        }
    }

    /// One poll of this feed: the events to send, or the error.
    async fn poll_once(&self, memory: &mut Memory) -> Result<Vec<FeedEvent>, AwsError> {
        let f = &self.scope;
        let at = Utc::now;
        match self.feed {
            Feed::Nodes => {
                let nodes = match fetch_nodes(f).await {
                    Ok(n) => n,
                    Err(e) => {
                        self.node_ids.send_if_modified(|v| match v {
                            Some(Ok(_)) => false,
                            _ => {
                                *v = Some(Err(e.to_string()));
                                true
                            }
                        });
                        return Err(e);
                    }
                };
                let ids: Vec<String> = nodes.iter().map(|n| n.instance_id.clone()).collect();
                let new_nodes = ids.iter().any(|id| !memory.known_nodes.contains(id));
                memory.known_nodes = ids.iter().cloned().collect();
                self.node_ids.send_replace(Some(Ok(Arc::new(ids))));
                let tags_due = memory.tags_due.is_none_or(|d| Instant::now() >= d);
                let want_tags = self.opts.with_tags && (new_nodes || tags_due) && !nodes.is_empty();
                let mut events = vec![FeedEvent::NodesLoaded {
                    scope: f.id,
                    nodes: nodes.clone(),
                    at: at(),
                }];
                if want_tags {
                    match fetch_tags(f, &nodes).await {
                        Ok(tags) => {
                            memory.tags_due = Some(Instant::now() + self.opts.tags_interval);
                            events.push(FeedEvent::TagsLoaded { scope: f.id, tags });
                        }
                        Err(e) => tracing::warn!(scope = %f.scope.label(), "tags: {e}"),
                    }
                }
                Ok(events)
            }
            Feed::OpsItems => {
                let items = fetch_ops_items(f).await?;
                Ok(vec![FeedEvent::OpsItemsLoaded {
                    scope: f.id,
                    items,
                    at: at(),
                }])
            }
            Feed::Compliance => {
                let (summaries, resources) = fetch_compliance(f).await?;
                Ok(vec![FeedEvent::ComplianceLoaded {
                    scope: f.id,
                    summaries,
                    resources,
                    at: at(),
                }])
            }
            Feed::Patch => {
                let mut rx = self.node_ids.subscribe();
                let ids = match rx.wait_for(Option::is_some).await {
                    Ok(v) => v.clone(),
                    Err(_) => None,
                };
                let ids = match ids {
                    Some(Ok(ids)) => ids,
                    Some(Err(e)) => {
                        return Err(AwsError::new(
                            ErrorKind::Other,
                            format!("needs the node list: {e}"),
                        ));
                    }
                    None => {
                        return Err(AwsError::new(
                            ErrorKind::Other,
                            "the node list is not known",
                        ));
                    }
                };
                let states = fetch_patch(f, &ids).await?;
                Ok(vec![FeedEvent::PatchLoaded {
                    scope: f.id,
                    states,
                    at: at(),
                }])
            }
            Feed::Inventory => {
                let rows = fetch_inventory(f, &self.opts.inventory_types).await?;
                Ok(vec![FeedEvent::InventoryLoaded {
                    scope: f.id,
                    rows,
                    at: at(),
                }])
            }
            Feed::Commands => Ok(vec![FeedEvent::CommandsLoaded {
                scope: f.id,
                items: fetch_commands(f).await?,
                at: at(),
            }]),
            Feed::Automations => Ok(vec![FeedEvent::AutomationsLoaded {
                scope: f.id,
                items: fetch_automations(f).await?,
                at: at(),
            }]),
            Feed::Activations => {
                let (items, tier) = fetch_activations(f).await?;
                Ok(vec![FeedEvent::ActivationsLoaded {
                    scope: f.id,
                    items,
                    tier,
                    at: at(),
                }])
            }
            Feed::Associations => Ok(vec![FeedEvent::AssociationsLoaded {
                scope: f.id,
                items: fetch_associations(f).await?,
                at: at(),
            }]),
            Feed::Windows => Ok(vec![FeedEvent::WindowsLoaded {
                scope: f.id,
                items: fetch_windows(f).await?,
                at: at(),
            }]),
            Feed::Calendars => Ok(vec![FeedEvent::CalendarsLoaded {
                scope: f.id,
                items: fetch_calendars(f).await?,
                at: at(),
            }]),
            Feed::Parameters => Ok(vec![FeedEvent::ParametersLoaded {
                scope: f.id,
                items: super::scope::fetch_parameters(f).await?,
                at: at(),
            }]),
            Feed::Baselines => {
                let (baselines, groups) = super::scope::fetch_baselines(f).await?;
                Ok(vec![FeedEvent::BaselinesLoaded {
                    scope: f.id,
                    baselines,
                    groups,
                    at: at(),
                }])
            }
            Feed::Documents => Ok(vec![FeedEvent::DocumentsLoaded {
                scope: f.id,
                items: super::scope::fetch_documents(f).await?,
                at: at(),
            }]),
            Feed::Explorer => match fetch_explorer(f).await {
                Ok((source, aggregates)) => {
                    let flag = match source {
                        ExplorerSource::Sync(_) => SYNC_PRESENT,
                        ExplorerSource::Pollers => SYNC_ABSENT,
                    };
                    self.sync.store(flag, Ordering::Relaxed);
                    Ok(vec![FeedEvent::ExplorerLoaded {
                        scope: f.id,
                        source,
                        aggregates,
                        at: at(),
                    }])
                }
                Err(e) => {
                    // Count from the pollers until the sync answers again.
                    self.sync.store(SYNC_ABSENT, Ordering::Relaxed);
                    Err(e)
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explorer_without_a_sync_needs_the_feeds_it_counts() {
        let wanted = FeedSet::of(&[Feed::Explorer]);
        assert!(is_active(Feed::Nodes, FeedSet::empty(), SYNC_UNKNOWN));
        assert!(is_active(Feed::OpsItems, wanted, SYNC_ABSENT));
        assert!(is_active(Feed::Compliance, wanted, SYNC_UNKNOWN));
        assert!(!is_active(Feed::OpsItems, wanted, SYNC_PRESENT));
        assert!(!is_active(Feed::Patch, wanted, SYNC_ABSENT));
        assert!(is_active(Feed::Explorer, wanted, SYNC_PRESENT));
    }
}
