//! Time to a complete picture: every feed of every scope loaded (and every node's tags),
//! on a simulated estate of 40 accounts × 4 regions with 40 ms latency and 5 calls/s per
//! (account, region, operation). Prints the measured time, the lower bound that latency,
//! paging and the rate limit allow, and their ratio. Meanwhile the real App applies every
//! batch of events and draws a 160×45 frame, and a keystroke every 50 ms is timed from
//! arrival to drawn frame (waiting for any batch in progress, as the event loop would).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ssm_cockpit::app::{App, AppOptions, Msg};
use ssm_cockpit::aws::AwsOptions;
use ssm_cockpit::config::AccountsConfig;
use ssm_cockpit::model::{Estate, FeedSet, ScopeId};
use ssm_cockpit::poll::{PollOptions, run_estate};
use ssm_cockpit::sim::{self, SimConfig};
use tokio::sync::mpsc;

const ACCOUNTS: usize = 40;
const REGIONS: [&str; 4] = ["us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2"];
const LATENCY: Duration = Duration::from_millis(40);
const RATE: f64 = 5.0;
/// The sim's bucket: burst = max(1, rate).
const BURST: f64 = 5.0;

fn pages(n: usize, size: usize) -> usize {
    n.div_ceil(size).max(1)
}

/// The shortest time `calls` sequential-or-parallel calls of one operation can take in one
/// bucket, `chain` of them one after another: the chain's latency, or the bucket's pace.
fn op_time(calls: usize, chain: usize) -> f64 {
    let l = LATENCY.as_secs_f64();
    let paced = (calls as f64 - BURST).max(0.0) / RATE + l;
    (chain as f64 * l).max(paced)
}

/// Lower bound of one scope once it has credentials.
fn scope_bound(e: &Estate, id: ScopeId, explorer_owner: bool, inventory_types: usize) -> f64 {
    let l = LATENCY.as_secs_f64();
    let nodes = e.scope_nodes(id);
    let hybrid = nodes.iter().filter(|n| n.is_hybrid()).count();
    let ec2 = nodes.len() - hybrid;
    let node_pages = pages(nodes.len(), 50);
    let nodes_t = op_time(node_pages, node_pages);
    // Tags and patch states need the node list first.
    let tag_pages = if ec2 > 0 { pages(ec2, 50) } else { 0 };
    let inv_pages: usize = e
        .scope_inventory(id)
        .iter()
        .fold(BTreeMap::<&str, usize>::new(), |mut m, r| {
            *m.entry(r.type_name.as_str()).or_default() += 1;
            m
        })
        .values()
        .map(|n| pages(*n, 50))
        .sum::<usize>()
        .max(inventory_types);
    let get_inventory = tag_pages + inv_pages;
    let tags_t =
        op_time(tag_pages, tag_pages).max(if hybrid > 0 { op_time(hybrid, 1) } else { 0.0 });
    let patch_batches = nodes.len().div_ceil(50);
    let patch_t = if patch_batches > 0 {
        op_time(patch_batches, 1)
    } else {
        0.0
    };
    let ops = pages(e.scope_ops_items(id).len(), 50);
    let summaries = pages(e.scope_compliance(id).len(), 50);
    let resources = pages(e.scope_resource_compliance(id).len(), 50);
    let explorer = if explorer_owner { 2.0 * l } else { 0.0 };
    [
        nodes_t + tags_t,
        nodes_t + patch_t,
        op_time(ops, ops),
        op_time(summaries, summaries).max(op_time(resources, resources)),
        op_time(inv_pages, inv_pages.div_ceil(inventory_types.max(1))),
        op_time(get_inventory, 1),
        explorer,
    ]
    .into_iter()
    .fold(0.0, f64::max)
}

fn main() {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("runtime: {e}");
            std::process::exit(1);
        }
    };
    rt.block_on(run());
}

async fn run() {
    let handle = sim::start(SimConfig {
        accounts: ACCOUNTS,
        regions: REGIONS.iter().map(|r| r.to_string()).collect(),
        latency: LATENCY,
        rate_limit: Some(RATE),
        ..SimConfig::default()
    })
    .await
    .expect("sim starts");
    let aws = AwsOptions {
        profile: None,
        regions: REGIONS.iter().map(|r| r.to_string()).collect(),
        endpoint_url: Some(handle.endpoint().to_string()),
        static_credentials: Some((
            handle.credentials().access_key_id.clone(),
            handle.credentials().secret_access_key.clone(),
        )),
        max_attempts: 5,
    };
    let opts = PollOptions {
        rate_per_second: RATE,
        ..PollOptions::default()
    };
    let inventory_types = opts.inventory_types.len();
    let (tx, mut rx) = mpsc::channel(8192);
    let start = Instant::now();
    let task = tokio::spawn(run_estate(
        aws,
        AccountsConfig::default(),
        opts,
        tx,
        Default::default(),
    ));
    let mut app = App::new(AppOptions::default());
    let mut term = match Terminal::new(TestBackend::new(160, 45)) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("terminal: {e}");
            std::process::exit(1);
        }
    };
    let complete = |e: &Estate| e.complete(FeedSet::all()) && e.nodes().all(|n| n.tags.is_some());
    let limit = Duration::from_secs(600);
    // Keys cycle through the panes and move the selection, as an operator would.
    let keys = ['2', '3', '4', '6', '1', 'j', 'j', 'G', 'g'];
    let mut next_key = Instant::now();
    let (mut frames, mut key_latencies) = (Vec::new(), Vec::new());
    while !complete(&app.estate) {
        let wait = next_key.saturating_duration_since(Instant::now());
        match tokio::time::timeout(wait.min(limit.saturating_sub(start.elapsed())), rx.recv()).await
        {
            Ok(Some(ev)) => {
                let t = Instant::now();
                app.update(Msg::Feed(ev));
                while let Ok(more) = rx.try_recv() {
                    app.update(Msg::Feed(more));
                }
                let _ = ssm_cockpit::tui::draw_frame(&mut term, &mut app);
                frames.push(t.elapsed());
            }
            Ok(None) => break,
            Err(_) if start.elapsed() >= limit => {
                eprintln!("no complete picture within {limit:?}");
                std::process::exit(1);
            }
            Err(_) => {}
        }
        if Instant::now() >= next_key {
            // The key arrived at `next_key`; a batch in progress delayed it.
            let c = keys[key_latencies.len() % keys.len()];
            app.update(Msg::Key(KeyEvent::new(
                KeyCode::Char(c),
                KeyModifiers::NONE,
            )));
            let _ = app.take_effects();
            let _ = ssm_cockpit::tui::draw_frame(&mut term, &mut app);
            key_latencies.push(next_key.elapsed());
            next_key += Duration::from_millis(50);
        }
    }
    let took = start.elapsed().as_secs_f64();
    task.abort();
    let e = &app.estate;

    let l = LATENCY.as_secs_f64();
    // GetCallerIdentity, then ListAccounts pages of 20.
    let discovery = l + pages(ACCOUNTS, 20) as f64 * l;
    // Member accounts need AssumeRole (one STS bucket: the caller's account and region)
    // before their first call; the longest scopes get the first tokens.
    let mgmt = handle.management_account().to_string();
    let owner = e
        .scopes()
        .iter()
        .position(|s| s.scope.account.id == mgmt && s.scope.region == REGIONS[0]);
    let mut by_account: BTreeMap<&str, f64> = BTreeMap::new();
    for (i, s) in e.scopes().iter().enumerate() {
        let b = scope_bound(e, i as ScopeId, owner == Some(i), inventory_types);
        let slot = by_account.entry(s.scope.account.id.as_str()).or_default();
        *slot = slot.max(b);
    }
    let mgmt_chain = by_account.remove(mgmt.as_str()).unwrap_or(0.0);
    let mut members: Vec<f64> = by_account.into_values().collect();
    members.sort_by(|a, b| b.total_cmp(a));
    let member_end = members
        .iter()
        .enumerate()
        .map(|(k, chain)| ((k as f64 + 1.0 - BURST).max(0.0) / RATE) + l + chain)
        .fold(0.0, f64::max);
    let bound = discovery + mgmt_chain.max(member_end);

    let stats = handle.stats();
    let calls: u64 = [
        "DescribeInstanceInformation",
        "GetInventory",
        "ListTagsForResource",
        "DescribeOpsItems",
        "ListComplianceSummaries",
        "ListResourceComplianceSummaries",
        "DescribeInstancePatchStates",
        "ListResourceDataSync",
        "GetOpsSummary",
        "AssumeRole",
    ]
    .iter()
    .map(|op| stats.count(op))
    .sum();
    println!(
        "picture: {} scopes ({ACCOUNTS} accounts x {} regions), {} nodes, {} OpsItems, latency {} ms, {RATE} calls/s",
        e.scopes().len(),
        REGIONS.len(),
        e.node_count(),
        e.ops_item_count(),
        LATENCY.as_millis()
    );
    println!(
        "picture: {calls} calls, {} AssumeRole",
        stats.count("AssumeRole")
    );
    println!("picture: measured     {took:8.3} s");
    println!("picture: lower bound  {bound:8.3} s");
    println!("picture: ratio        {:8.3}", took / bound);
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let pct = |v: &mut Vec<Duration>, p: f64| {
        v.sort();
        v.get(((v.len() as f64 - 1.0) * p).round() as usize)
            .copied()
            .unwrap_or_default()
    };
    println!(
        "ui: {} batches applied + drawn: median {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        frames.len(),
        ms(pct(&mut frames, 0.5)),
        ms(pct(&mut frames, 0.99)),
        ms(pct(&mut frames, 1.0))
    );
    println!(
        "ui: {} keystrokes, input to drawn frame: median {:.2} ms, p99 {:.2} ms, max {:.2} ms (target < 50 ms)",
        key_latencies.len(),
        ms(pct(&mut key_latencies, 0.5)),
        ms(pct(&mut key_latencies, 0.99)),
        ms(pct(&mut key_latencies, 1.0))
    );
}
