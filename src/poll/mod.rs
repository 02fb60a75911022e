//! Background tasks: one feed × scope each, own cadence with jitter, a token bucket per
//! (account, region, API), backoff on throttling, never two polls of one feed in flight.
//! Results reach the app as [`FeedEvent`]s.

mod cache;
mod details;
mod feeds;
mod limiter;
mod scope;

use std::path::PathBuf;
use std::sync::atomic::AtomicU8;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

use crate::aws::{
    AwsOptions, CallCounter, Connector, Discovery, ErrorKind, SharedConnector, discover,
};
use crate::config::{AccountsConfig, Config};
use crate::model::{DetailRequest, ExplorerSource, Feed, FeedEvent, FeedSet};

pub use cache::{cache_path, load as load_cache, save as save_cache};
pub use details::application_query;
pub use limiter::{Buckets, equal_jitter, full_jitter, jittered};
pub use scope::{
    Backoff, ScopeFeed, fetch_applications, fetch_association_detail, fetch_associations,
    fetch_calendars, fetch_compliance, fetch_compliance_items, fetch_explorer, fetch_inventory,
    fetch_node_inventory, fetch_nodes, fetch_ops_item_detail, fetch_ops_items, fetch_patch,
    fetch_tags, fetch_window_detail, fetch_windows, find_org_sync,
};
pub use scope::{fetch_activations, fetch_automations, fetch_commands};
pub use scope::{fetch_baselines, fetch_documents, fetch_parameter_values, fetch_parameters};

/// Inventory types polled by default.
pub const DEFAULT_INVENTORY_TYPES: &[&str] = &["AWS:InstanceInformation", "AWS:Application"];

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
    pub ops_items_interval: Duration,
    pub compliance_interval: Duration,
    pub patch_interval: Duration,
    pub inventory_interval: Duration,
    pub explorer_interval: Duration,
    /// Cadence of the history feeds (recent commands, automations).
    pub history_interval: Duration,
    /// Cadence of the activations feed (activations and the instance tier).
    pub activations_interval: Duration,
    /// Inventory types the inventory feed polls (one GetInventory scan each).
    pub inventory_types: Vec<String>,
    /// Retries of a throttled page after the SDK's own retries.
    pub backoff: Backoff,
    /// First wait before retrying a failed poll; doubles (full jitter) up to `retry_cap`
    /// or the feed's cadence, whichever is shorter.
    pub retry_base: Duration,
    pub retry_cap: Duration,
    /// First wait before retrying a failed start (credentials, STS, account discovery);
    /// doubles (equal jitter) up to `start_retry_cap`.
    pub start_retry_base: Duration,
    pub start_retry_cap: Duration,
    /// How long an on-demand answer is reused.
    pub detail_ttl: Duration,
    /// Which feeds are wanted, and the on-demand requests. None: every feed, no requests.
    pub control: Option<PollControl>,
    /// The disk cache of the last snapshot.
    pub cache: Option<CacheOptions>,
    /// How often the API call counts are sent (when they changed).
    pub api_calls_every: Duration,
}

impl Default for PollOptions {
    fn default() -> PollOptions {
        PollOptions::from_config(&Config::default())
    }
}

impl PollOptions {
    pub fn from_config(c: &Config) -> PollOptions {
        let p = &c.poll;
        PollOptions {
            nodes_interval: p.nodes_interval(),
            tags_interval: p.tags_interval(),
            rate_per_second: f64::from(p.rate_per_second),
            role_name: c.accounts.role_name.clone(),
            with_tags: true,
            ops_items_interval: Duration::from_secs(p.opsitems_seconds),
            compliance_interval: Duration::from_secs(p.compliance_seconds),
            patch_interval: Duration::from_secs(p.patch_seconds),
            inventory_interval: Duration::from_secs(p.inventory_seconds),
            explorer_interval: Duration::from_secs(p.explorer_seconds),
            history_interval: Duration::from_secs(30),
            activations_interval: Duration::from_secs(300),
            inventory_types: p.inventory_types.clone(),
            backoff: Backoff::default(),
            retry_base: Duration::from_secs(2),
            retry_cap: Duration::from_secs(300),
            start_retry_base: Duration::from_secs(1),
            start_retry_cap: Duration::from_secs(30),
            detail_ttl: Duration::from_secs(60),
            control: None,
            cache: None,
            api_calls_every: Duration::from_secs(1),
        }
    }

    /// The cadence of `feed`.
    pub fn interval(&self, feed: Feed) -> Duration {
        match feed {
            Feed::Nodes => self.nodes_interval,
            Feed::OpsItems => self.ops_items_interval,
            Feed::Compliance => self.compliance_interval,
            Feed::Patch => self.patch_interval,
            Feed::Inventory => self.inventory_interval,
            Feed::Explorer => self.explorer_interval,
            Feed::Commands | Feed::Automations => self.history_interval,
            Feed::Activations => self.activations_interval,
            Feed::Associations => self.compliance_interval,
            Feed::Windows | Feed::Calendars => self.patch_interval,
            Feed::Parameters | Feed::Baselines | Feed::Documents => self.compliance_interval,
        }
        .max(Duration::from_millis(100))
    }

    /// Every feed at this cadence (tests, benchmarks).
    pub fn every_feed(mut self, d: Duration) -> PollOptions {
        self.nodes_interval = d;
        self.ops_items_interval = d;
        self.compliance_interval = d;
        self.patch_interval = d;
        self.inventory_interval = d;
        self.explorer_interval = d;
        self.history_interval = d;
        self.activations_interval = d;
        self
    }
}

/// Where the last snapshot is kept, and how often it is written. The pollers load it at
/// start; the app writes it from its own estate (`App::set_disk_cache`).
#[derive(Debug, Clone)]
pub struct CacheOptions {
    pub path: PathBuf,
    /// At most one write per this long.
    pub min_interval: Duration,
}

/// The pollers' side of [`PollHandle`].
#[derive(Debug, Clone)]
pub struct PollControl {
    feeds: watch::Receiver<FeedSet>,
    requests: Arc<Mutex<Option<mpsc::UnboundedReceiver<DetailRequest>>>>,
}

/// The app's side: which feeds the visible panes want, and on-demand requests.
#[derive(Debug, Clone)]
pub struct PollHandle {
    feeds: Arc<watch::Sender<FeedSet>>,
    requests: mpsc::UnboundedSender<DetailRequest>,
}

impl PollHandle {
    /// Polls these feeds eagerly (the nodes feed always is).
    pub fn set_feeds(&self, feeds: FeedSet) {
        self.feeds.send_if_modified(|f| {
            let changed = *f != feeds;
            *f = feeds;
            changed
        });
    }

    pub fn feeds(&self) -> FeedSet {
        *self.feeds.borrow()
    }

    /// Asks for a detail; the answer (or a `DetailFailed`) comes as a [`FeedEvent`].
    /// False when the pollers are gone.
    pub fn request(&self, request: DetailRequest) -> bool {
        self.requests.send(request).is_ok()
    }
}

/// A connected handle and control; `initial` is the first wanted set.
pub fn poll_control(initial: FeedSet) -> (PollHandle, PollControl) {
    let (ftx, frx) = watch::channel(initial);
    let (rtx, rrx) = mpsc::unbounded_channel();
    (
        PollHandle {
            feeds: Arc::new(ftx),
            requests: rtx,
        },
        PollControl {
            feeds: frx,
            requests: Arc::new(Mutex::new(Some(rrx))),
        },
    )
}

/// Connects, discovers the scopes and runs a poller per feed × scope until the task is
/// aborted or the receiver is dropped. Every outcome, failures included, arrives on `tx`;
/// the connector, once made, is left in `shared`. With a cache, the last snapshot is sent
/// first (marked cached); writing it back is the app's (see `App::set_disk_cache`).
pub async fn run_estate(
    aws: AwsOptions,
    accounts: AccountsConfig,
    opts: PollOptions,
    tx: mpsc::Sender<FeedEvent>,
    shared: SharedConnector,
) {
    let cached = opts.cache.as_ref().and_then(|c| load_cache(&c.path));
    if let Some(snapshot) = cached
        && tx
            .send(FeedEvent::CacheLoaded {
                snapshot: Box::new(snapshot),
            })
            .await
            .is_err()
    {
        return;
    }
    let Some((conn, discovery)) = start(&aws, &accounts, &opts, &tx).await else {
        return;
    };
    conn.pace_assume_role(opts.rate_per_second);
    let _ = shared.set(conn.clone());
    let (itx, irx) = mpsc::channel(1024);
    let forwarder = tokio::spawn(forward(
        irx,
        tx.clone(),
        conn.calls().clone(),
        opts.api_calls_every,
    ));
    poll_estate(&conn, discovery, opts, itx).await;
    let _ = forwarder.await;
}

/// Connects and discovers the scopes. A failure that may pass (the endpoint down, the
/// network not up yet, throttling, a timeout, a server error) is sent as
/// `DiscoveryFailed` followed by `DiscoveryRetrying`, and tried again after a backoff
/// with jitter; one that will not (no region, access denied) ends the start. None when
/// the start ended or the receiver is gone.
async fn start(
    aws: &AwsOptions,
    accounts: &AccountsConfig,
    opts: &PollOptions,
    tx: &mpsc::Sender<FeedEvent>,
) -> Option<(Connector, Discovery)> {
    let mut attempt: u32 = 1;
    loop {
        let result = match Connector::connect(aws).await {
            Ok(conn) => discover(&conn, accounts).await.map(|d| (conn, d)),
            Err(e) => Err(e),
        };
        let error = match result {
            Ok(started) => return Some(started),
            Err(e) => e,
        };
        let again = start_may_pass(error.kind);
        tracing::warn!(attempt, retry = again, "start failed: {error}");
        if !send_discovery_failed(tx, error).await || !again {
            return None;
        }
        let wait = equal_jitter(attempt - 1, opts.start_retry_base, opts.start_retry_cap);
        attempt = attempt.saturating_add(1);
        let next = Utc::now() + chrono::TimeDelta::from_std(wait).unwrap_or_default();
        if tx
            .send(FeedEvent::DiscoveryRetrying { attempt, next })
            .await
            .is_err()
        {
            return None;
        }
        tokio::time::sleep(wait).await;
    }
}

/// Whether a failed start may succeed if tried again.
fn start_may_pass(kind: ErrorKind) -> bool {
    match kind {
        ErrorKind::Network | ErrorKind::Throttled | ErrorKind::Server | ErrorKind::Other => true,
        // Missing or expired credentials come back once the user signs in again.
        ErrorKind::Credentials => true,
        ErrorKind::AccessDenied | ErrorKind::Validation => false,
    }
}

/// DiscoveryFailed, then CredentialsFailed when that is the cause.
/// False when the receiver is gone.
async fn send_discovery_failed(tx: &mpsc::Sender<FeedEvent>, e: crate::aws::AwsError) -> bool {
    let credentials = e.kind == ErrorKind::Credentials;
    let error = e.to_string();
    if tx
        .send(FeedEvent::DiscoveryFailed {
            error: error.clone(),
        })
        .await
        .is_err()
    {
        return false;
    }
    !credentials
        || tx
            .send(FeedEvent::CredentialsFailed { error })
            .await
            .is_ok()
}

/// Passes events on; sends the API call counts when they changed.
async fn forward(
    mut rx: mpsc::Receiver<FeedEvent>,
    tx: mpsc::Sender<FeedEvent>,
    calls: Arc<CallCounter>,
    every: Duration,
) {
    let mut last_counts = std::collections::BTreeMap::new();
    let mut tick = tokio::time::interval(every.max(Duration::from_millis(50)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            ev = rx.recv() => {
                let Some(ev) = ev else { break };
                if tx.send(ev).await.is_err() {
                    break;
                }
            }
            _ = tick.tick() => {
                let counts = calls.snapshot();
                if counts != last_counts {
                    last_counts = counts.clone();
                    if tx.send(FeedEvent::ApiCalls { counts }).await.is_err() {
                        break;
                    }
                }
            }
        }
    }
}

/// Discovery, then the feed tasks and the request server.
async fn poll_estate(
    conn: &Connector,
    discovery: Discovery,
    opts: PollOptions,
    tx: mpsc::Sender<FeedEvent>,
) {
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
    let (wanted, requests) = match &opts.control {
        Some(c) => (
            c.feeds.clone(),
            c.requests.lock().unwrap_or_else(|p| p.into_inner()).take(),
        ),
        None => {
            let (_keep, rx) = watch::channel(FeedSet::all());
            (rx, None)
        }
    };
    let mut feeds = Vec::with_capacity(discovery.scopes.len());
    for (i, scope) in discovery.scopes.iter().enumerate() {
        let read = conn
            .ssm_read(&scope.account.id, &scope.region, &opts.role_name)
            .await;
        feeds.push(Arc::new(
            ScopeFeed::new(i as u32, scope.clone(), read, opts.rate_per_second)
                .with_backoff(opts.backoff),
        ));
    }
    let feeds = Arc::new(feeds);
    // Explorer asks the sync in the caller's account and first region.
    let owner = discovery.scopes.iter().position(|s| {
        s.account.id == conn.caller().account
            && conn.regions().first().is_some_and(|r| *r == s.region)
    });
    let opts = Arc::new(opts);
    let sync = Arc::new(AtomicU8::new(match owner {
        Some(_) => feeds::SYNC_UNKNOWN,
        None => feeds::SYNC_ABSENT,
    }));
    let mut tasks = JoinSet::new();
    if let Some(rx) = requests {
        tasks.spawn(details::serve(
            rx,
            feeds.clone(),
            tx.clone(),
            opts.detail_ttl,
        ));
    }
    if owner.is_none() && !feeds.is_empty() {
        let _ = tx
            .send(FeedEvent::ExplorerLoaded {
                scope: 0,
                source: ExplorerSource::Pollers,
                aggregates: Vec::new(),
                at: Utc::now(),
            })
            .await;
    }
    for feed in feeds.iter() {
        let (node_ids, _) = watch::channel(None);
        for f in Feed::ALL {
            if f == Feed::Explorer && owner != Some(feed.id as usize) {
                let _ = tx
                    .send(FeedEvent::FeedScheduled {
                        scope: feed.id,
                        feed: f,
                        next: None,
                        active: false,
                    })
                    .await;
                continue;
            }
            tasks.spawn(
                feeds::FeedTask {
                    feed: f,
                    scope: feed.clone(),
                    opts: opts.clone(),
                    tx: tx.clone(),
                    wanted: wanted.clone(),
                    sync: sync.clone(),
                    node_ids: node_ids.clone(),
                }
                .run(),
            );
        }
    }
    drop(tx);
    while tasks.join_next().await.is_some() {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_start_is_tried_again_unless_the_failure_cannot_pass() {
        for kind in [
            ErrorKind::Network,
            ErrorKind::Throttled,
            ErrorKind::Server,
            ErrorKind::Other,
            ErrorKind::Credentials,
        ] {
            assert!(start_may_pass(kind), "{kind:?}");
        }
        assert!(!start_may_pass(ErrorKind::AccessDenied));
        assert!(!start_may_pass(ErrorKind::Validation));
    }
}
