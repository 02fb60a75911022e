//! The wallboard left running against a simulated estate whose faults come and go: resident
//! memory after warm-up and at the end, and CPU time (cockpit and in-process sim together).
//!
//! cargo bench --bench soak [-- SECONDS]   (default 3600)
//!
//! `SOAK_SCALE=0.05` shortens every poll cadence and fault phase by that factor, to see in
//! minutes what an hour of polling does to memory. RSS is printed every tenth of the run.

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

/// Bytes the allocator has handed out and not had back (glibc), to tell a leak from
/// fragmentation when RSS moves.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn heap_in_use_kb() -> u64 {
    #[repr(C)]
    struct MallInfo2 {
        arena: usize,
        ordblks: usize,
        smblks: usize,
        hblks: usize,
        hblkhd: usize,
        usmblks: usize,
        fsmblks: usize,
        uordblks: usize,
        fordblks: usize,
        keepcost: usize,
    }
    unsafe extern "C" {
        fn mallinfo2() -> MallInfo2;
    }
    // SAFETY: mallinfo2 takes no arguments and returns a plain struct by value.
    let m = unsafe { mallinfo2() };
    ((m.uordblks + m.hblkhd) / 1024) as u64
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn heap_in_use_kb() -> u64 {
    0
}

/// User + system CPU seconds of this process.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    // After the command name come field 3 (the state) onwards: utime and stime are fields 14
    // and 15, the 12th and 13th tokens.
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    (ticks(11) + ticks(12)) as f64 / 100.0
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
        static_credentials: Some((
            handle.credentials().access_key_id.clone(),
            handle.credentials().secret_access_key.clone(),
        )),
        max_attempts: 3,
    };
    let scale: f64 = std::env::var("SOAK_SCALE")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|v: &f64| *v > 0.0 && *v <= 1.0)
        .unwrap_or(1.0);
    let mut opts = PollOptions::default();
    for d in [
        &mut opts.nodes_interval,
        &mut opts.tags_interval,
        &mut opts.ops_items_interval,
        &mut opts.compliance_interval,
        &mut opts.patch_interval,
        &mut opts.inventory_interval,
        &mut opts.explorer_interval,
    ] {
        *d = d.mul_f64(scale);
    }
    let phase_secs = ((300.0 * scale) as u64).max(1);
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
    let mut draws = 0u64;
    // Warm-up ends a minute after the first complete picture; from then on RSS is sampled
    // every 1/120 of the run, and growth compares the median of the first tenth of the
    // samples with the median of the last tenth (one sample is at the mercy of the moment).
    let mut warm: Option<(Instant, f64)> = None;
    let mut picture_at: Option<Instant> = None;
    let mut samples: Vec<u64> = Vec::new();
    let sample_every = (length / 120).max(Duration::from_secs(1));
    let mut next_sample = Instant::now();
    let mut phase = 0u64;
    let mut trim = ssm_cockpit::tui::MemoryTrim::default();
    let report_every = (length / 10).max(Duration::from_secs(1));
    let mut next_report = report_every;
    while start.elapsed() < length {
        let dirty = tokio::select! {
            ev = rx.recv() => match ev {
                Some(ev) => {
                    let mut d = app.update(Msg::Feed(ev));
                    while let Ok(more) = rx.try_recv() {
                        d |= app.update(Msg::Feed(more));
                    }
                    trim.maybe_trim();
                    d
                }
                None => break,
            },
            _ = tick.tick() => app.update(Msg::Tick),
        };
        let _ = app.take_effects();
        if dirty {
            let _ = ssm_cockpit::tui::draw_frame(&mut term, &mut app);
            draws += 1;
        }
        if picture_at.is_none() && app.estate.complete(FeedSet::all()) {
            picture_at = Some(Instant::now());
        }
        if warm.is_none() && picture_at.is_some_and(|at| at.elapsed() >= Duration::from_secs(60)) {
            warm = Some((Instant::now(), cpu_seconds()));
            println!(
                "soak: warm at {:.0} s, RSS {} kB",
                start.elapsed().as_secs_f64(),
                status_kb("VmRSS:")
            );
        }
        if warm.is_some() && Instant::now() >= next_sample {
            next_sample = Instant::now() + sample_every;
            samples.push(status_kb("VmRSS:"));
        }
        if start.elapsed() >= next_report {
            next_report += report_every;
            println!(
                "soak: {:.0} s, RSS {} kB, heap in use {} kB, {draws} frames",
                start.elapsed().as_secs_f64(),
                status_kb("VmRSS:"),
                heap_in_use_kb()
            );
        }
        // Faults come and go: five minutes on, five off, rotating what breaks.
        let now_phase = start.elapsed().as_secs() / phase_secs;
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
    let peak = status_kb("VmHWM:");
    let tenth = samples.len() / 10;
    match warm {
        Some((at, cpu)) if tenth >= 1 => {
            let since = at.elapsed().as_secs_f64().max(1.0);
            let first = median(&samples[..tenth]);
            let last = median(&samples[samples.len() - tenth..]);
            let (lo, hi) = (
                samples.iter().min().copied().unwrap_or(0),
                samples.iter().max().copied().unwrap_or(0),
            );
            println!(
                "soak: {:.0} s; RSS after warm-up {first} kB, at the end {last} kB ({:+.2}%) \
                 (medians of {tenth} samples each; range {lo}-{hi} kB over {} samples), peak {peak} kB",
                start.elapsed().as_secs_f64(),
                (last as f64 - first as f64) * 100.0 / first.max(1) as f64,
                samples.len()
            );
            println!(
                "soak: CPU {:.1} s over the last {since:.0} s = {:.2}% of one core (cockpit and sim); {draws} frames drawn",
                cpu_seconds() - cpu,
                (cpu_seconds() - cpu) * 100.0 / since
            );
        }
        _ => println!("soak: too short to warm up (needs a complete picture, 60 s and samples)"),
    }
}

fn median(v: &[u64]) -> u64 {
    let mut v = v.to_vec();
    v.sort_unstable();
    v.get(v.len() / 2).copied().unwrap_or(0)
}
