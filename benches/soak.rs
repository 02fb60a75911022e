//! The wallboard left running against a simulated estate whose faults come and go: resident
//! memory after warm-up and at the end, and CPU time (cockpit and in-process sim together).
//!
//! cargo bench --bench soak [-- SECONDS]   (default 3600)

use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ssm_cockpit::app::{App, AppOptions, Msg, Pane, WallboardOptions};
use ssm_cockpit::aws::AwsOptions;
use ssm_cockpit::config::AccountsConfig;
use ssm_cockpit::model::FeedSet;
use ssm_cockpit::poll::{PollOptions, run_estate};
use ssm_cockpit::sim::{self, SimConfig};
use tokio::sync::mpsc;

fn status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// User + system CPU seconds of this process.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<u64> = after
        .split_whitespace()
        .filter_map(|v| v.parse().ok())
        .collect();
    // Fields 14 and 15 of stat are the 12th and 13th after the command name.
    (f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0)) as f64 / 100.0
}

fn main() {
    let secs: u64 = std::env::args()
        .filter(|a| !a.starts_with('-'))
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(3600);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(run(Duration::from_secs(secs)));
}

async fn run(length: Duration) {
    let regions = vec![
        "us-east-1".to_string(),
        "eu-west-1".into(),
        "ap-southeast-2".into(),
    ];
    let handle = sim::start(SimConfig {
        accounts: 6,
        regions: regions.clone(),
        nodes_per_scope: 30,
        latency: Duration::from_millis(20),
        ..SimConfig::default()
    })
    .await
    .expect("sim");
    let aws = AwsOptions {
        profile: None,
        regions: regions.clone(),
        endpoint_url: Some(handle.endpoint().to_string()),
        static_credentials: Some(("AKIASOAKWALLBOARD001".into(), "secret".into())),
        max_attempts: 3,
    };
    let opts = PollOptions::default();
    let wallboard = WallboardOptions::new(
        vec![
            Pane::Explorer,
            Pane::OpsCenter,
            Pane::Compliance,
            Pane::Nodes,
        ],
        Duration::from_secs(20),
        |f| opts.interval(f),
    );
    let (tx, mut rx) = mpsc::channel(4096);
    let task = tokio::spawn(run_estate(
        aws,
        AccountsConfig::default(),
        opts,
        tx,
        Default::default(),
    ));
    let mut app = App::new(AppOptions::default());
    app.set_wallboard(wallboard);
    let mut term = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
    let member = handle
        .accounts()
        .into_iter()
        .map(|(id, _)| id)
        .find(|id| id != handle.management_account())
        .expect("a member account");

    let start = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let (mut draws, mut warm) = (0u64, None::<(Instant, u64, f64)>);
    let mut phase = 0u64;
    while start.elapsed() < length {
        let dirty = tokio::select! {
            ev = rx.recv() => match ev {
                Some(ev) => {
                    let mut d = app.update(Msg::Feed(ev));
                    while let Ok(more) = rx.try_recv() {
                        d |= app.update(Msg::Feed(more));
                    }
                    d
                }
                None => break,
            },
            _ = tick.tick() => app.update(Msg::Tick),
        };
        let _ = app.take_effects();
        if dirty {
            let _ = term.draw(|f| ssm_cockpit::ui::render(f, &mut app));
            draws += 1;
        }
        // Warm-up ends a minute after the first complete picture.
        if warm.is_none() && app.estate.complete(FeedSet::all()) {
            warm = Some((Instant::now() + Duration::from_secs(60), 0, 0.0));
        }
        if let Some((at, 0, _)) = warm
            && Instant::now() >= at
        {
            warm = Some((at, status_kb("VmRSS:"), cpu_seconds()));
            println!(
                "soak: warm at {:.0} s, RSS {} kB",
                start.elapsed().as_secs_f64(),
                status_kb("VmRSS:")
            );
        }
        // Faults come and go: five minutes on, five off, rotating what breaks.
        let now_phase = start.elapsed().as_secs() / 300;
        if now_phase != phase {
            phase = now_phase;
            let k = handle.knobs();
            let on = phase % 2 == 1;
            match (phase / 2) % 3 {
                0 => k.deny_account(&member, on),
                1 => k.throttle_region("eu-west-1", on),
                _ => k.set_error_rate(if on { 0.2 } else { 0.0 }),
            }
            if !on {
                k.deny_account(&member, false);
                k.throttle_region("eu-west-1", false);
                k.set_error_rate(0.0);
            }
        }
    }
    task.abort();
    let end_rss = status_kb("VmRSS:");
    let peak = status_kb("VmHWM:");
    match warm {
        Some((at, rss, cpu)) if rss > 0 => {
            let since = at.elapsed().as_secs_f64().max(1.0);
            println!(
                "soak: {:.0} s; RSS after warm-up {rss} kB, at the end {end_rss} kB ({:+.2}%), peak {peak} kB",
                start.elapsed().as_secs_f64(),
                (end_rss as f64 - rss as f64) * 100.0 / rss as f64
            );
            println!(
                "soak: CPU {:.1} s over the last {since:.0} s = {:.2}% of one core (cockpit and sim); {draws} frames drawn",
                cpu_seconds() - cpu,
                (cpu_seconds() - cpu) * 100.0 / since
            );
        }
        _ => println!("soak: too short to warm up (needs a complete picture plus 60 s)"),
    }
}
