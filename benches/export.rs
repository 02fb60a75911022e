//! `export nodes` against a simulated estate with latency: measured time against the lower
//! bound that latency and paging allow (pages are chained by NextToken).
//!
//! cargo bench --bench export [-- ACCOUNTS REGIONS NODES LATENCY_MS RUNS]

use std::time::{Duration, Instant};

use ssm_cockpit::aws::AwsOptions;
use ssm_cockpit::config::AccountsConfig;
use ssm_cockpit::export::{self, Format, Source, What};
use ssm_cockpit::poll::PollOptions;
use ssm_cockpit::sim::{self, SimConfig};

const REGIONS: [&str; 4] = ["us-east-1", "eu-west-1", "eu-central-1", "ap-southeast-2"];

fn arg(i: usize, default: u64) -> u64 {
    std::env::args()
        .filter(|a| !a.starts_with('-'))
        .nth(i)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let accounts = arg(1, 20) as usize;
    let regions = (arg(2, 4) as usize).clamp(1, REGIONS.len());
    let nodes = arg(3, 250) as usize;
    let latency_ms = arg(4, 50);
    let runs = arg(5, 5).max(1) as usize;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let regions: Vec<String> = REGIONS[..regions].iter().map(|r| r.to_string()).collect();
        let handle = sim::start(SimConfig {
            accounts,
            regions: regions.clone(),
            nodes_per_scope: nodes,
            latency: Duration::from_millis(latency_ms),
            ..SimConfig::default()
        })
        .await
        .expect("sim");
        let aws = AwsOptions {
            profile: None,
            regions: regions.clone(),
            endpoint_url: Some(handle.endpoint().to_string()),
            static_credentials: Some((
            handle.credentials().access_key_id.clone(),
            handle.credentials().secret_access_key.clone(),
        )),
            max_attempts: 3,
        };
        let poll = PollOptions {
            nodes_interval: Duration::from_secs(60),
            tags_interval: Duration::from_secs(1800),
            rate_per_second: 100.0,
            role_name: "OrganizationAccountAccessRole".into(),
            with_tags: false,
            ..PollOptions::default()
        };
        // The chain no export can shorten: GetCallerIdentity, the ListAccounts pages (20 a
        // page), one AssumeRole, then a scope's DescribeInstanceInformation pages (50 a page).
        let chain = 1 + accounts.div_ceil(20) + usize::from(accounts > 1) + nodes.div_ceil(50).max(1);
        let bound = Duration::from_millis(latency_ms * chain as u64);
        let mut times = Vec::new();
        let mut exported = 0;
        for _ in 0..runs {
            let mut sink = std::io::sink();
            let start = Instant::now();
            let src = Source {
                aws: &aws,
                accounts: &AccountsConfig::default(),
                poll: &poll,
                allow_partial: false,
            };
            let summary = export::export(&What::Nodes { tags: false }, &src, Format::Json, &mut sink)
                .await
                .expect("export");
            times.push(start.elapsed());
            // Suspended accounts (the sim suspends some in larger organizations) are skipped.
            assert!(summary.failures.is_empty() && summary.nodes % (regions.len() * nodes) == 0);
            exported = summary.nodes;
        }
        times.sort();
        let median = times[times.len() / 2];
        println!(
            "export nodes: {accounts} accounts x {} regions x {nodes} nodes, latency {latency_ms} ms: {exported} nodes exported (active accounts)",
            regions.len(),
        );
        println!(
            "  median {:.0} ms over {runs} runs (min {:.0}, max {:.0})",
            ms(median),
            ms(times[0]),
            ms(times[times.len() - 1])
        );
        println!(
            "  lower bound {:.0} ms ({chain} chained calls x {latency_ms} ms); ratio {:.2}",
            ms(bound),
            ms(median) / ms(bound)
        );
        println!("  calls: {:?}", handle.stats().by_operation);
    });
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
