//! Managed-nodes pane at scale: filter per keystroke, frame render, memory.
//!
//! `cargo bench --bench nodes`. Targets: re-filter 100k nodes < 10 ms (median),
//! render 200×50 < 2 ms (median), RSS with 100k nodes < 150 MB.

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use ssm_cockpit::app::{App, AppOptions, Msg};
use ssm_cockpit::model::{Account, FeedEvent, ManagedNode, PingStatus, PlatformType, Scope};

const NODES: usize = 100_000;
const SCOPES: usize = 40;
const FRAMES: usize = 300;

/// A small deterministic generator (xorshift), so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

fn scopes() -> Vec<Scope> {
    let regions = ["us-east-1", "eu-west-1", "ap-southeast-2", "eu-central-1"];
    (0..SCOPES)
        .map(|i| Scope {
            account: Account {
                id: format!("{:012}", 100_000_000_000u64 + i as u64 / 4),
                name: format!("acme-team{:02}-{}", i / 4, ["prod", "dev", "stage"][i % 3]),
            },
            region: regions[i % regions.len()].to_string(),
        })
        .collect()
}

fn nodes(scope: u32, count: usize, rng: &mut Rng) -> Vec<ManagedNode> {
    let now = Utc
        .with_ymd_and_hms(2025, 3, 1, 12, 0, 0)
        .single()
        .unwrap_or_else(Utc::now);
    let roles = [
        "web", "api", "db", "cache", "batch", "worker", "bastion", "etl",
    ];
    let envs = ["prod", "dev", "staging", "qa"];
    let teams = ["payments", "search", "platform", "data", "identity"];
    let oses = [
        ("Amazon Linux", "2023"),
        ("Ubuntu", "22.04"),
        ("Red Hat Enterprise Linux", "9.4"),
        ("Microsoft Windows Server 2022 Datacenter", "10.0.20348"),
    ];
    (0..count)
        .map(|i| {
            let mut n = ManagedNode::new(scope, format!("i-{:017x}", rng.next() >> 4));
            let r = rng.next();
            n.ping_status = match r % 20 {
                0 => PingStatus::ConnectionLost,
                1 => PingStatus::Inactive,
                _ => PingStatus::Online,
            };
            let (os, ver) = oses[(r >> 8) as usize % oses.len()];
            n.platform_type = if os.contains("Windows") {
                PlatformType::Windows
            } else {
                PlatformType::Linux
            };
            n.platform_name = os.to_string();
            n.platform_version = ver.to_string();
            n.agent_version = if r.is_multiple_of(7) {
                "3.2.582.0"
            } else {
                "3.3.1142.0"
            }
            .to_string();
            n.is_latest_version = Some(!r.is_multiple_of(7));
            n.last_ping = Some(now - chrono::Duration::seconds((r >> 16) as i64 % 86_400));
            n.resource_type = "EC2Instance".to_string();
            n.ip_address = format!("10.{}.{}.{}", scope, (i / 256) % 256, i % 256);
            let role = rng.pick(&roles);
            let name = format!("{role}-{i:05}");
            n.computer_name = format!("ip-10-{scope}-{}.ec2.internal", i % 256);
            n.iam_role = "SSMInstanceProfile".to_string();
            n.registration_date = Some(now - chrono::Duration::days(30));
            n.association_status = "Success".to_string();
            n.source_id = n.instance_id.clone();
            n.source_type = "AWS::EC2::Instance".to_string();
            n.tags = Some(vec![
                ("Env".to_string(), rng.pick(&envs).to_string()),
                ("Name".to_string(), name),
                ("Team".to_string(), rng.pick(&teams).to_string()),
            ]);
            n
        })
        .collect()
}

fn rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort_unstable();
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples.get(i).copied().unwrap_or_default()
}

fn verdict(ok: bool) -> &'static str {
    if ok { "MET" } else { "MISSED" }
}

/// Types `keys` one char at a time on top of `prefix`; returns per-keystroke times.
fn type_filter(app: &mut App, prefix: &str, keys: &str, rounds: usize) -> Vec<Duration> {
    let mut out = Vec::new();
    for _ in 0..rounds {
        app.set_filter("");
        let mut text = prefix.to_string();
        for c in keys.chars() {
            text.push(c);
            let t = Instant::now();
            app.set_filter(&text);
            out.push(t.elapsed());
            black_box(app.visible_row_count());
        }
    }
    out
}

fn main() {
    let rss_before = rss_mb();
    let mut app = App::new(AppOptions {
        context: "bench · 40 scopes".to_string(),
        ..AppOptions::default()
    });
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let scope_list = scopes();
    let at = Utc::now();
    let load = Instant::now();
    app.update(Msg::Feed(FeedEvent::ScopesDiscovered {
        scopes: scope_list,
        note: Some("bench".to_string()),
    }));
    let mut feed_times = Vec::new();
    for s in 0..SCOPES {
        let count = NODES / SCOPES;
        let batch = nodes(s as u32, count, &mut rng);
        let t = Instant::now();
        app.update(Msg::Feed(FeedEvent::NodesLoaded {
            scope: s as u32,
            nodes: batch,
            at,
        }));
        feed_times.push(t.elapsed());
    }
    let load_time = load.elapsed();
    let rss_after = rss_mb();
    println!(
        "loaded {} nodes in {} scopes: {:.0} ms total (incl. generating them)",
        app.estate.node_count(),
        SCOPES,
        ms(load_time)
    );
    let last_feed = feed_times.last().copied().unwrap_or_default();
    println!(
        "apply one scope refresh (2,500 nodes into 97,500): {:.2} ms (last), median {:.2} ms",
        ms(last_feed),
        ms(percentile(&mut feed_times, 0.5))
    );

    // A refresh of a scope already loaded (same size): the steady-state cost.
    let mut refresh = Vec::new();
    for s in 0..10u32 {
        let batch = nodes(s, NODES / SCOPES, &mut rng);
        let t = Instant::now();
        app.update(Msg::Feed(FeedEvent::NodesLoaded {
            scope: s,
            nodes: batch,
            at,
        }));
        refresh.push(t.elapsed());
    }
    println!(
        "steady-state scope refresh (100k loaded): median {:.2} ms",
        ms(percentile(&mut refresh, 0.5))
    );

    // Filtering, per keystroke.
    let mut filter_ok = true;
    let cases: [(&str, &str, &str); 4] = [
        ("typing `web`", "", "web"),
        ("typing `ping=online`", "", "ping=online"),
        ("typing `!ping=online` after `web `", "web ", "!ping=online"),
        ("typing `tag:Team=data`", "", "tag:Team=data"),
    ];
    for (label, prefix, keys) in cases {
        let mut t = type_filter(&mut app, prefix, keys, 5);
        let med = percentile(&mut t, 0.5);
        let p95 = percentile(&mut t, 0.95);
        filter_ok &= ms(med) < 10.0;
        println!(
            "filter {label:<36} per keystroke: median {:>6.2} ms  p95 {:>6.2} ms  ({} rows at the end)",
            ms(med),
            ms(p95),
            app.visible_row_count()
        );
    }
    app.set_filter("");

    // Sorting (a key press that re-sorts 100k rows).
    let mut sorts = Vec::new();
    for _ in 0..10 {
        let t = Instant::now();
        app.update(Msg::Key(crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Char('s'),
            crossterm::event::KeyModifiers::NONE,
        )));
        sorts.push(t.elapsed());
    }
    println!(
        "re-sort 100k on `s`: median {:.2} ms",
        ms(percentile(&mut sorts, 0.5))
    );

    // Rendering at 200×50, scrolling a little each frame so rows change.
    let mut terminal = match Terminal::new(TestBackend::new(200, 50)) {
        Ok(t) => t,
        Err(e) => match e {},
    };
    let mut frames = Vec::with_capacity(FRAMES);
    for i in 0..FRAMES {
        let key = if i % 50 < 25 { 'j' } else { 'k' };
        app.update(Msg::Key(crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Char(key),
            crossterm::event::KeyModifiers::NONE,
        )));
        let t = Instant::now();
        let drawn = ssm_cockpit::tui::draw_frame(&mut terminal, &mut app);
        frames.push(t.elapsed());
        black_box(drawn.is_ok());
    }
    let render_med = percentile(&mut frames, 0.5);
    let render_p95 = percentile(&mut frames, 0.95);
    println!(
        "render 200x50 with 100k nodes over {FRAMES} frames: median {:.3} ms  p95 {:.3} ms",
        ms(render_med),
        ms(render_p95)
    );

    println!();
    println!(
        "RSS: {} before load, {} with 100k nodes",
        rss_before.map_or("?".to_string(), |m| format!("{m:.1} MB")),
        rss_after.map_or("?".to_string(), |m| format!("{m:.1} MB")),
    );
    let rss_ok = rss_after.is_some_and(|m| m < 150.0);
    println!();
    println!("target re-filter median < 10 ms : {}", verdict(filter_ok));
    println!(
        "target render median < 2 ms     : {}",
        verdict(ms(render_med) < 2.0)
    );
    println!("target RSS < 150 MB             : {}", verdict(rss_ok));
}
