//! The pollers against the simulated estate, through the real SDK: discovery across the
//! organization, assumed roles, failed scopes beside healthy ones, throttling absorbed.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use ssm_cockpit::aws::AwsOptions;
use ssm_cockpit::config::AccountsConfig;
use ssm_cockpit::model::{Estate, FeedEvent, FeedSet, ScopeHealth};
use ssm_cockpit::poll::{PollOptions, poll_control, run_estate};
use ssm_cockpit::sim::{self, SimConfig, SimHandle};
use tokio::sync::mpsc;

async fn sim(accounts: usize, nodes: usize) -> SimHandle {
    sim::start(SimConfig {
        accounts,
        regions: vec!["us-east-1".into(), "eu-west-1".into()],
        nodes_per_scope: nodes,
        ..SimConfig::default()
    })
    .await
    .expect("sim starts")
}

fn aws(handle: &SimHandle) -> AwsOptions {
    common::sim_aws(
        handle.endpoint(),
        &["us-east-1", "eu-west-1"],
        handle.credentials(),
        3,
    )
}

fn opts(with_tags: bool) -> PollOptions {
    PollOptions {
        nodes_interval: Duration::from_secs(3600),
        tags_interval: Duration::from_secs(3600),
        rate_per_second: 50.0,
        role_name: "OrganizationAccountAccessRole".into(),
        with_tags,
        // The nodes feed only (it is always polled).
        control: Some(poll_control(FeedSet::empty()).1),
        ..PollOptions::default()
    }
}

/// Applies events until `done` holds for the estate, or fails after `limit`.
async fn run_until(
    rx: &mut mpsc::Receiver<FeedEvent>,
    estate: &mut Estate,
    limit: Duration,
    done: impl Fn(&Estate) -> bool,
) {
    let deadline = tokio::time::Instant::now() + limit;
    while !done(estate) {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(ev)) => {
                estate.apply(ev);
            }
            Ok(None) => panic!("poller ended early; estate: {:?}", estate.scopes()),
            Err(_) => panic!(
                "timed out; health {:?}, discovery error {:?}",
                estate.health_counts(),
                estate.discovery_error
            ),
        }
    }
}

fn all_answered(e: &Estate) -> bool {
    let c = e.health_counts();
    c.total > 0 && c.pending == 0
}

#[tokio::test]
async fn every_scope_of_the_organization_is_polled() {
    let handle = sim(3, 12).await;
    let (tx, mut rx) = mpsc::channel(256);
    let task = tokio::spawn(run_estate(
        aws(&handle),
        AccountsConfig::default(),
        opts(false),
        tx,
        Default::default(),
    ));
    let mut estate = Estate::new();
    run_until(&mut rx, &mut estate, Duration::from_secs(30), all_answered).await;
    task.abort();

    assert_eq!(estate.scopes().len(), 3 * 2);
    assert_eq!(estate.health_counts().fresh, 6, "{:?}", estate.scopes());
    assert_eq!(estate.node_count(), 3 * 2 * 12);
    let accounts: HashSet<&str> = estate
        .scopes()
        .iter()
        .map(|s| s.scope.account.id.as_str())
        .collect();
    let expected: HashSet<String> = handle.accounts().into_iter().map(|(id, _)| id).collect();
    assert_eq!(accounts, expected.iter().map(String::as_str).collect());
    // The management account is listed first, and member accounts were reached by AssumeRole.
    assert_eq!(
        estate.scopes()[0].scope.account.id,
        handle.management_account()
    );
    assert!(handle.stats().count("AssumeRole") >= 2);
    let ids: HashSet<&str> = estate.nodes().map(|n| n.instance_id.as_str()).collect();
    assert_eq!(ids.len(), 3 * 2 * 12, "node ids are unique across scopes");
    assert!(
        estate
            .discovery_note
            .as_deref()
            .unwrap_or("")
            .contains("3 active accounts")
    );
}

#[tokio::test]
async fn a_denied_account_fails_alone() {
    let handle = sim(3, 5).await;
    let denied = handle
        .accounts()
        .into_iter()
        .map(|(id, _)| id)
        .find(|id| id != handle.management_account())
        .expect("a member account");
    handle.knobs().deny_account(&denied, true);
    let (tx, mut rx) = mpsc::channel(256);
    let task = tokio::spawn(run_estate(
        aws(&handle),
        AccountsConfig::default(),
        opts(false),
        tx,
        Default::default(),
    ));
    let mut estate = Estate::new();
    run_until(&mut rx, &mut estate, Duration::from_secs(30), all_answered).await;
    task.abort();

    for s in estate.scopes() {
        if s.scope.account.id == denied {
            assert_eq!(s.health, ScopeHealth::Failed);
            let err = s.error.as_deref().unwrap_or("");
            eprintln!("denied scope: {err}");
            assert!(err.contains("AccessDenied"), "{err}");
        } else {
            assert_eq!(s.health, ScopeHealth::Fresh, "{:?}", s.error);
        }
    }
    assert_eq!(estate.health_counts().failed, 2);
    assert_eq!(estate.node_count(), 2 * 2 * 5);
}

#[tokio::test]
async fn throttling_is_absorbed_and_the_data_arrives() {
    let handle = sim(2, 60).await;
    // 60 nodes are 2 pages of 50; at 1 call/s with the SDK's and the poller's retries
    // every scope still completes.
    handle.knobs().set_rate_limit(Some(1.0));
    let (tx, mut rx) = mpsc::channel(256);
    let mut o = opts(false);
    o.rate_per_second = 20.0;
    let task = tokio::spawn(run_estate(
        aws(&handle),
        AccountsConfig::default(),
        o,
        tx,
        Default::default(),
    ));
    let mut estate = Estate::new();
    run_until(&mut rx, &mut estate, Duration::from_secs(60), |e| {
        e.health_counts().fresh == 4
    })
    .await;
    task.abort();
    assert_eq!(estate.node_count(), 2 * 2 * 60);
    let throttled = handle.stats().count("DescribeInstanceInformation");
    assert!(
        throttled > 8,
        "the rate limit was hit: {throttled} calls for 8 pages"
    );
}

#[tokio::test]
async fn tags_arrive_after_nodes() {
    let handle = sim(2, 10).await;
    let (tx, mut rx) = mpsc::channel(256);
    let task = tokio::spawn(run_estate(
        aws(&handle),
        AccountsConfig::default(),
        opts(true),
        tx,
        Default::default(),
    ));
    let mut estate = Estate::new();
    run_until(&mut rx, &mut estate, Duration::from_secs(30), |e| {
        all_answered(e) && e.node_count() == 40 && e.nodes().all(|n| n.tags.is_some())
    })
    .await;
    task.abort();
    let named = estate.nodes().filter(|n| !n.name().is_empty()).count();
    assert!(named >= 30, "most nodes have a Name: {named} of 40");
}

#[tokio::test]
async fn explicit_accounts_from_the_config_are_used() {
    let handle = sim(4, 3).await;
    let member = handle
        .accounts()
        .into_iter()
        .find(|(id, _)| id != handle.management_account())
        .expect("member");
    let cfg = AccountsConfig {
        list: vec![ssm_cockpit::config::AccountEntry {
            id: member.0.clone(),
            name: Some("chosen".into()),
        }],
        ..AccountsConfig::default()
    };
    let (tx, mut rx) = mpsc::channel(256);
    let task = tokio::spawn(run_estate(
        aws(&handle),
        cfg,
        opts(false),
        tx,
        Default::default(),
    ));
    let mut estate = Estate::new();
    run_until(&mut rx, &mut estate, Duration::from_secs(30), all_answered).await;
    task.abort();
    assert_eq!(estate.scopes().len(), 2);
    assert!(
        estate
            .scopes()
            .iter()
            .all(|s| s.scope.account.name == "chosen")
    );
    assert_eq!(estate.node_count(), 2 * 3);
    assert_eq!(handle.stats().count("ListAccounts"), 0);
}

/// Every call starts hanging after the scopes answered: fed the pollers' events, the app
/// stops calling the scopes fresh within about twice the cadence, by the same definition
/// every view draws.
#[tokio::test(flavor = "multi_thread")]
async fn with_every_call_hanging_the_scopes_go_stale_within_twice_the_cadence() {
    use ssm_cockpit::app::{App, AppOptions, Msg};
    use ssm_cockpit::model::{Cadences, Feed};

    let handle = sim(1, 2).await;
    let cadence = Duration::from_secs(1);
    let o = PollOptions {
        nodes_interval: cadence,
        ..opts(false)
    };
    let (tx, mut rx) = mpsc::channel(256);
    let task = tokio::spawn(run_estate(
        aws(&handle),
        AccountsConfig::default(),
        o.clone(),
        tx,
        Default::default(),
    ));
    let mut app = App::new(AppOptions::default());
    app.set_cadences(Cadences::new(|f| o.interval(f)));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let c = app.freshness_counts(Feed::Nodes);
        if c.total == 2 && c.fresh == 2 {
            break;
        }
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(ev)) => {
                app.update(Msg::Feed(ev));
            }
            other => panic!("no fresh scopes: {other:?}, {c:?}"),
        }
    }
    handle.knobs().set_latency(Duration::from_secs(600));
    let hung = tokio::time::Instant::now();
    let deadline = hung + Duration::from_secs(10);
    loop {
        let c = app.freshness_counts(Feed::Nodes);
        if c.fresh == 0 && c.stale == 2 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "still {c:?} 10 s after every call hung"
        );
        // No event for a while is fine: time alone makes them stale.
        match tokio::time::timeout(Duration::from_millis(50), rx.recv()).await {
            Ok(Some(ev)) => {
                app.update(Msg::Feed(ev));
            }
            Ok(None) => panic!("the pollers ended"),
            Err(_) => {}
        }
        app.update(Msg::Tick);
    }
    let took = hung.elapsed();
    // A poll starts within a cadence and is stale a cadence later (plus jitter).
    assert!(took <= cadence * 3, "stale after {took:?}");
    task.abort();
}
