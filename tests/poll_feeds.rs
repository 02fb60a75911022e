//! Every feed of every scope through the real SDK against the simulated estate: loading,
//! faults beside healthy scopes and recovery, on-demand details, the disk cache.

mod common;

use std::time::Duration;

use ssm_cockpit::app::{App, AppOptions, Effect, Msg, Pane};
use ssm_cockpit::aws::AwsOptions;
use ssm_cockpit::config::AccountsConfig;
use ssm_cockpit::model::{
    DetailRequest, Estate, ExplorerSource, Feed, FeedEvent, FeedSet, ScopeHealth,
};
use ssm_cockpit::poll::{Backoff, CacheOptions, PollHandle, PollOptions, poll_control, run_estate};
use ssm_cockpit::sim::{self, SimConfig, SimCredentials, SimHandle};
use tokio::sync::mpsc;

const REGIONS: [&str; 3] = ["us-east-1", "eu-west-1", "ap-southeast-2"];

async fn sim(accounts: usize, nodes: usize) -> SimHandle {
    sim::start(SimConfig {
        accounts,
        regions: REGIONS.iter().map(|r| r.to_string()).collect(),
        nodes_per_scope: nodes,
        ..SimConfig::default()
    })
    .await
    .expect("sim starts")
}

fn aws(handle: &SimHandle, max_attempts: u32) -> AwsOptions {
    common::sim_aws(
        handle.endpoint(),
        &REGIONS,
        handle.credentials(),
        max_attempts,
    )
}

/// Options pointing at a port where nothing listens.
fn unreachable(max_attempts: u32) -> AwsOptions {
    common::sim_aws(
        "http://127.0.0.1:9",
        &REGIONS,
        &SimCredentials::random(),
        max_attempts,
    )
}

fn opts(cadence: Duration) -> PollOptions {
    PollOptions {
        rate_per_second: 50.0,
        ..PollOptions::default()
    }
    .every_feed(cadence)
}

/// Applies events until `done` holds, or fails after `limit`.
async fn run_until(
    rx: &mut mpsc::Receiver<FeedEvent>,
    estate: &mut Estate,
    limit: Duration,
    what: &str,
    done: impl Fn(&Estate) -> bool,
) {
    let deadline = tokio::time::Instant::now() + limit;
    while !done(estate) {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(ev)) => {
                estate.apply(ev);
            }
            Ok(None) => panic!("{what}: poller ended early; {:?}", summary(estate)),
            Err(_) => panic!("{what}: timed out; {:#?}", summary(estate)),
        }
    }
}

fn summary(e: &Estate) -> Vec<String> {
    e.scopes()
        .iter()
        .map(|s| {
            let feeds: Vec<String> = Feed::ALL
                .iter()
                .map(|f| {
                    let st = s.feed(*f);
                    format!(
                        "{f}:{:?}{}{}",
                        st.health,
                        if st.active { "" } else { "(off)" },
                        st.error
                            .as_deref()
                            .map(|e| format!(" [{e}]"))
                            .unwrap_or_default()
                    )
                })
                .collect();
            format!("{} {}", s.scope.label(), feeds.join(" "))
        })
        .collect()
}

/// Every feed that is polled in every scope has data from AWS (not the cache).
fn every_feed_loaded(e: &Estate) -> bool {
    e.complete(FeedSet::all())
}

#[tokio::test]
async fn every_feed_of_every_scope_loads_and_details_come_on_demand() {
    let handle = sim(3, 8).await;
    let (poll, control) = poll_control(FeedSet::all());
    let mut o = opts(Duration::from_secs(3600));
    o.control = Some(control);
    let (tx, mut rx) = mpsc::channel(1024);
    let task = tokio::spawn(run_estate(
        aws(&handle, 3),
        AccountsConfig::default(),
        o,
        tx,
        Default::default(),
    ));
    let mut e = Estate::new();
    run_until(
        &mut rx,
        &mut e,
        Duration::from_secs(60),
        "load",
        every_feed_loaded,
    )
    .await;
    assert_eq!(e.scopes().len(), 9);
    assert_eq!(e.node_count(), 9 * 8);
    assert!(e.ops_item_count() > 0);
    for (i, s) in e.scopes().iter().enumerate() {
        let id = i as u32;
        assert!(!e.scope_compliance(id).is_empty(), "{}", s.scope.label());
        assert_eq!(
            e.scope_patch_states(id).len(),
            e.scope_nodes(id).len(),
            "a patch state per node"
        );
        assert!(
            e.scope_inventory(id)
                .iter()
                .any(|r| r.type_name == "AWS:Application" && !r.entries.is_empty())
        );
        for f in Feed::ALL {
            assert!(s.feed(f).error.is_none(), "{f}: {:?}", s.feed(f).error);
        }
    }
    assert!(e.resource_compliance().all(|r| r.status == "NON_COMPLIANT"));
    assert!(matches!(e.explorer_source(), Some(ExplorerSource::Sync(_))));
    let ex = e.explorer();
    let status = ex
        .iter()
        .find(|a| a.key() == "AWS:OpsItem.Status")
        .expect("status breakdown");
    assert_eq!(status.total(), e.ops_item_count() as u64);
    let ping = ex
        .iter()
        .find(|a| a.key() == "AWS:InstanceInformation.PingStatus")
        .expect("ping breakdown");
    assert_eq!(ping.total(), e.node_count() as u64);

    // On demand: one OpsItem in full, a node's inventory, compliance items, an
    // application query.
    let item = e.ops_items().next().expect("an OpsItem").clone();
    let node = e.scope_nodes(0)[0].instance_id.clone();
    assert!(poll.request(DetailRequest::OpsItem {
        scope: item.scope,
        id: item.id.clone(),
    }));
    poll.request(DetailRequest::NodeInventory {
        scope: 0,
        instance_id: node.clone(),
        type_name: None,
    });
    poll.request(DetailRequest::ComplianceItems {
        scope: 0,
        resource_id: node.clone(),
    });
    poll.request(DetailRequest::Applications {
        name: "amazon-ssm-agent".into(),
    });
    run_until(&mut rx, &mut e, Duration::from_secs(30), "details", |e| {
        e.ops_item_detail(item.scope, &item.id).is_some()
            && e.node_inventory(0, &node).is_some()
            && e.compliance_items(0, &node).is_some()
            && e.application_query().is_some()
            && e.api_calls.contains_key("ssm:GetOpsItem")
    })
    .await;
    let d = e.ops_item_detail(item.scope, &item.id).expect("detail");
    assert!(d.item.detailed);
    assert_eq!(d.item.title, item.title);
    let inv = e.node_inventory(0, &node).expect("inventory");
    assert!(inv.iter().any(|r| r.type_name == "AWS:InstanceInformation"));
    let q = e.application_query().expect("query");
    assert!(q.failures.is_empty(), "{:?}", q.failures);
    assert!(q.hits.len() >= e.node_count() / 2, "{}", q.hits.len());
    assert!(
        q.hits
            .iter()
            .all(|h| h.name.starts_with("amazon-ssm-agent"))
    );
    for op in [
        "ssm:DescribeInstanceInformation",
        "ssm:DescribeOpsItems",
        "ssm:ListComplianceSummaries",
        "ssm:ListResourceComplianceSummaries",
        "ssm:DescribeInstancePatchStates",
        "ssm:GetInventory",
        "ssm:ListResourceDataSync",
        "ssm:GetOpsSummary",
        "ssm:GetOpsItem",
    ] {
        assert!(
            e.api_calls.get(op).is_some_and(|n| *n > 0),
            "{op}: {:?}",
            e.api_calls
        );
    }
    // A repeated request is answered from the cache: no second GetOpsItem.
    let before = handle.stats().count("GetOpsItem");
    poll.request(DetailRequest::OpsItem {
        scope: item.scope,
        id: item.id.clone(),
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(handle.stats().count("GetOpsItem"), before);
    task.abort();
}

#[tokio::test]
async fn only_wanted_feeds_are_polled_and_more_start_when_asked() {
    let handle = sim(2, 4).await;
    let (poll, control) = poll_control(FeedSet::empty());
    let mut o = opts(Duration::from_secs(3600));
    o.control = Some(control);
    let (tx, mut rx) = mpsc::channel(1024);
    let task = tokio::spawn(run_estate(
        aws(&handle, 3),
        AccountsConfig::default(),
        o,
        tx,
        Default::default(),
    ));
    let mut e = Estate::new();
    run_until(&mut rx, &mut e, Duration::from_secs(30), "nodes", |e| {
        e.complete(FeedSet::of(&[Feed::Nodes]))
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(handle.stats().count("DescribeOpsItems"), 0);
    assert_eq!(handle.stats().count("DescribeInstancePatchStates"), 0);
    poll.set_feeds(FeedSet::of(&[Feed::Patch]));
    run_until(&mut rx, &mut e, Duration::from_secs(30), "patch", |e| {
        e.complete(FeedSet::of(&[Feed::Nodes, Feed::Patch]))
    })
    .await;
    assert_eq!(handle.stats().count("DescribeOpsItems"), 0);
    task.abort();
}

/// Carries out the app's poll effects the way the event loop does, then applies what the
/// pollers sent.
fn pump(app: &mut App, poll: &PollHandle, rx: &mut mpsc::Receiver<FeedEvent>) {
    for effect in app.take_effects() {
        match effect {
            Effect::WantFeeds(feeds) => poll.set_feeds(feeds),
            Effect::Request(request) => {
                poll.request(request);
            }
            _ => {}
        }
    }
    while let Ok(ev) = rx.try_recv() {
        app.update(Msg::Feed(ev));
    }
}

#[tokio::test]
async fn switching_panes_does_not_re_poll_data_younger_than_its_cadence() {
    let handle = sim(2, 4).await;
    let mut app = App::new(AppOptions::default());
    let (poll, control) = poll_control(app.wanted_feeds());
    let mut o = opts(Duration::from_secs(3600));
    o.control = Some(control);
    let (tx, mut rx) = mpsc::channel(4096);
    let task = tokio::spawn(run_estate(
        aws(&handle, 3),
        AccountsConfig::default(),
        o,
        tx,
        Default::default(),
    ));
    // Every pane once, until the feeds it wants have loaded in every scope.
    for pane in Pane::ALL {
        app.show_pane(pane);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        while !app.estate.complete(app.wanted_feeds()) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "{pane:?}: feeds not loaded; {:#?}",
                summary(&app.estate)
            );
            pump(&mut app, &poll, &mut rx);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    pump(&mut app, &poll, &mut rx);
    let before = handle.stats().by_operation;

    // 20 switches in 2 s, among panes with different feeds: all of it is minutes younger
    // than its cadence, so none of it is asked for again.
    let panes = [
        Pane::OpsCenter,
        Pane::Activations,
        Pane::Compliance,
        Pane::Commands,
        Pane::Windows,
    ];
    let mut wanted = std::collections::BTreeSet::new();
    for i in 0..20 {
        app.show_pane(panes[i % panes.len()]);
        wanted.insert(format!("{:?}", app.wanted_feeds()));
        pump(&mut app, &poll, &mut rx);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        wanted.len(),
        panes.len(),
        "the panes want the same feeds: {wanted:?}"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    pump(&mut app, &poll, &mut rx);
    let after = handle.stats().by_operation;
    let extra: Vec<String> = after
        .iter()
        .filter_map(|(op, n)| {
            let was = before.get(op).copied().unwrap_or(0);
            (*n > was).then(|| format!("{op} +{}", n - was))
        })
        .collect();
    assert!(
        extra.is_empty(),
        "pane switches re-polled fresh data: {extra:?}"
    );
    task.abort();
}

#[tokio::test]
async fn faults_stay_in_their_scopes_and_the_estate_recovers() {
    let handle = sim(4, 5).await;
    let denied = handle
        .accounts()
        .into_iter()
        .map(|(id, _)| id)
        .find(|id| id != handle.management_account())
        .expect("a member account");
    let throttled = REGIONS[2];
    handle.knobs().deny_account(&denied, true);
    handle.knobs().throttle_region(throttled, true);
    handle.knobs().set_error_rate(0.2);

    let mut o = opts(Duration::from_secs(2));
    o.retry_base = Duration::from_millis(200);
    o.retry_cap = Duration::from_secs(1);
    o.backoff = Backoff {
        tries: 1,
        base: Duration::from_millis(50),
        cap: Duration::from_millis(200),
    };
    let (tx, mut rx) = mpsc::channel(4096);
    let task = tokio::spawn(run_estate(
        aws(&handle, 2),
        AccountsConfig::default(),
        o,
        tx,
        Default::default(),
    ));
    let faulty = |s: &ssm_cockpit::model::ScopeState| {
        s.scope.account.id == denied || s.scope.region == throttled
    };
    let mut e = Estate::new();
    run_until(
        &mut rx,
        &mut e,
        Duration::from_secs(90),
        "healthy scopes fill, faulty ones fail",
        |e| {
            !e.scopes().is_empty()
                && e.scopes().iter().all(|s| {
                    let polled = Feed::ALL.into_iter().filter(|f| s.feed(*f).active);
                    if faulty(s) {
                        s.feed(Feed::Nodes).health == ScopeHealth::Failed
                            && s.feed(Feed::OpsItems).health == ScopeHealth::Failed
                    } else {
                        polled.into_iter().all(|f| s.feed(f).last_success.is_some())
                    }
                })
        },
    )
    .await;
    assert_eq!(e.scopes().len(), 12);
    for s in e.scopes() {
        let err = s.error.as_deref().unwrap_or("");
        if s.scope.account.id == denied {
            assert!(!err.is_empty(), "{}", s.scope.label());
            assert!(s.failures().count() >= 2);
        } else if s.scope.region == throttled {
            // Throttled, or one of the 500s that come first.
            assert!(
                err.contains("Throttl") || err.contains("InternalServerError"),
                "{}: {err}",
                s.scope.label()
            );
        } else {
            assert!(s.last_success.is_some());
        }
    }
    // Each fault shows as itself somewhere (a 20% chance of a 500 may come first).
    assert!(
        e.scopes()
            .iter()
            .filter(|s| s.scope.account.id == denied)
            .flat_map(|s| s.failures())
            .any(|(_, err)| err.contains("AccessDenied")),
        "{:#?}",
        summary(&e)
    );
    assert!(
        e.scopes()
            .iter()
            .filter(|s| s.scope.region == throttled)
            .flat_map(|s| s.failures())
            .any(|(_, err)| err.contains("Throttl")),
        "{:#?}",
        summary(&e)
    );
    // Healthy scopes hold data beside the failures.
    assert!(e.node_count() >= 6 * 5);
    assert!(e.ops_item_count() > 0);

    handle.knobs().deny_account(&denied, false);
    handle.knobs().throttle_region(throttled, false);
    handle.knobs().set_error_rate(0.0);
    run_until(&mut rx, &mut e, Duration::from_secs(90), "recovery", |e| {
        e.scopes().iter().all(|s| {
            Feed::ALL
                .into_iter()
                .filter(|f| s.feed(*f).active)
                .all(|f| s.feed(f).health == ScopeHealth::Fresh)
        })
    })
    .await;
    assert_eq!(e.node_count(), 12 * 5);
    assert_eq!(e.health_counts().fresh, 12);
    task.abort();
}

#[tokio::test]
async fn the_cache_is_shown_at_start_up_until_fresh_data_replaces_it() {
    let handle = sim(2, 4).await;
    let dir = std::env::temp_dir().join(format!("ssm-cockpit-feeds-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("test-profile.json");
    let mut o = opts(Duration::from_secs(3600));
    o.cache = Some(CacheOptions {
        path: path.clone(),
        min_interval: Duration::from_millis(100),
    });
    o.api_calls_every = Duration::from_millis(50);
    let (tx, mut rx) = mpsc::channel(1024);
    let task = tokio::spawn(run_estate(
        aws(&handle, 3),
        AccountsConfig::default(),
        o.clone(),
        tx,
        Default::default(),
    ));
    // The app keeps the cache: it queues a snapshot of its estate on a tick.
    let mut app = App::new(AppOptions::default());
    app.set_disk_cache(path.clone(), Duration::from_millis(100));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while !every_feed_loaded(&app.estate) {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(ev)) => {
                app.update(Msg::Feed(ev));
            }
            Ok(None) => panic!("load: poller ended early; {:?}", summary(&app.estate)),
            Err(_) => panic!("load: timed out; {:#?}", summary(&app.estate)),
        }
    }
    // The pollers do not write it: nothing on disk before the app's first tick.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!path.exists(), "the pollers wrote the cache");
    assert!(
        !app.take_effects()
            .iter()
            .any(|e| matches!(e, Effect::SaveCache { .. })),
        "a snapshot before the tick"
    );
    // Written the way the event loop does, once the app asks on its tick.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        while let Ok(ev) = rx.try_recv() {
            app.update(Msg::Feed(ev));
        }
        app.update(Msg::Tick);
        for effect in app.take_effects() {
            if let Effect::SaveCache { path, snapshot } = effect {
                ssm_cockpit::poll::save_cache(&path, &snapshot).expect("cache written");
            }
        }
        let on_disk = ssm_cockpit::poll::load_cache(&path);
        if on_disk.as_ref().is_some_and(|s| {
            s.scopes
                .iter()
                .all(|sc| sc.loaded.len() == Feed::COUNT - 1 || sc.loaded.len() == Feed::COUNT)
        }) {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "cache not written");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    task.abort();
    let nodes = app.estate.node_count();
    let items = app.estate.ops_item_count();
    assert!(nodes > 0 && items > 0);

    // Start again against an endpoint that does not answer: the cache shows, marked.
    let (tx, mut rx) = mpsc::channel(1024);
    let task = tokio::spawn(run_estate(
        unreachable(1),
        AccountsConfig::default(),
        o.clone(),
        tx,
        Default::default(),
    ));
    let mut cached = Estate::new();
    let first = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("an event")
        .expect("the cache");
    assert!(matches!(first, FeedEvent::CacheLoaded { .. }));
    cached.apply(first);
    assert_eq!(cached.node_count(), nodes);
    assert_eq!(cached.ops_item_count(), items);
    assert!(cached.cache_saved_at.is_some());
    assert!(cached.scopes().iter().all(|s| s.feed(Feed::Nodes).cached));
    assert!(!cached.complete(FeedSet::of(&[Feed::Nodes])));
    task.abort();

    // A corrupt cache is ignored.
    std::fs::write(&path, b"{\"version\":1,\"snapshot\":").expect("write");
    let (tx, mut rx) = mpsc::channel(1024);
    let task = tokio::spawn(run_estate(
        unreachable(1),
        AccountsConfig::default(),
        o,
        tx,
        Default::default(),
    ));
    let first = tokio::time::timeout(Duration::from_secs(30), rx.recv())
        .await
        .expect("an event")
        .expect("an event");
    assert!(
        matches!(first, FeedEvent::DiscoveryFailed { .. }),
        "{first:?}"
    );
    task.abort();
    let _ = std::fs::remove_dir_all(&dir);
}

/// The estate is down when the cockpit starts: the start is retried with backoff, each
/// failure sent with the retry's attempt and time, until the estate comes up and the
/// scopes are discovered and polled.
#[tokio::test(flavor = "multi_thread")]
async fn a_failed_start_is_retried_until_the_estate_answers() {
    // A free port, closed again: nothing listens there until the sim starts on it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let creds = SimCredentials::random();
    let endpoint = format!("http://127.0.0.1:{port}");
    let o = PollOptions {
        start_retry_base: Duration::from_millis(100),
        start_retry_cap: Duration::from_millis(400),
        ..opts(Duration::from_secs(60))
    };
    let (tx, mut rx) = mpsc::channel(1024);
    let task = tokio::spawn(run_estate(
        common::sim_aws(&endpoint, &["us-east-1"], &creds, 1),
        AccountsConfig::default(),
        o,
        tx,
        Default::default(),
    ));
    let mut estate = Estate::new();
    let mut attempts = Vec::new();
    while attempts.len() < 2 {
        let ev = tokio::time::timeout(Duration::from_secs(30), rx.recv())
            .await
            .expect("an event")
            .expect("the poller keeps trying");
        if let FeedEvent::DiscoveryRetrying { attempt, next } = &ev {
            attempts.push(*attempt);
            assert!(*next > chrono::Utc::now() - chrono::TimeDelta::seconds(1));
        }
        estate.apply(ev);
    }
    assert_eq!(attempts, vec![2, 3]);
    assert!(estate.discovery_error.is_some());
    assert!(estate.discovery_retry.is_some());

    let handle = sim::start(SimConfig {
        listen: ([127, 0, 0, 1], port).into(),
        accounts: 1,
        regions: vec!["us-east-1".into()],
        nodes_per_scope: 3,
        credentials: Some(creds.clone()),
        ..SimConfig::default()
    })
    .await
    .expect("the sim starts on the port");
    run_until(
        &mut rx,
        &mut estate,
        Duration::from_secs(30),
        "the nodes",
        |e| e.node_count() == 3,
    )
    .await;
    assert!(estate.discovery_error.is_none());
    assert!(estate.discovery_retry.is_none());
    task.abort();
    drop(handle);
}
