//! Session Manager shell sessions on loopback through the sim: output throughput into a
//! terminal emulator, and keystroke-to-echo latency against a local PTY.
//!
//! `cargo bench --bench session`. Prints figures; asserts nothing. `SESSION_BENCH_MB`
//! sets the size of the file that is `cat`ed (default 20).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use ssm_cockpit::aws::{AwsOptions, Connector};
use ssm_cockpit::model::{Account, PingStatus, Scope};
use ssm_cockpit::session::client::{SessionSpec, spawn};
use ssm_cockpit::session::{SessionEvent, SessionHandle, SessionKind, SessionState, SessionTarget};
use ssm_cockpit::sim::{self, SimConfig};
use tokio::sync::mpsc;

const COLS: u16 = 200;
const ROWS: u16 = 50;
const KEYSTROKES: usize = 200;
const WAIT: Duration = Duration::from_secs(300);

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mb: usize = std::env::var("SESSION_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let file = write_test_file(mb);

    println!("session bench: {COLS}x{ROWS} vt100 pane, {mb} MB file, {KEYSTROKES} keystrokes");
    println!(
        "protocol bound: 1024-byte payloads paced 1 per ms per direction, each acked \
         individually => at most {:.2} MB/s of output per session",
        1024.0 * 1000.0 / 1e6
    );

    let (pty_mbps, pty_lat) = local_pty(&file);
    let (ssm_mbps, ssm_lat) = runtime.block_on(through_sim(&file));

    println!();
    println!(
        "{:<28} {:>12} {:>14} {:>12}",
        "", "MB/s", "echo median", "echo p95"
    );
    for (name, mbps, lat) in [
        ("local PTY (baseline)", pty_mbps, &pty_lat),
        ("SSM session via sim", ssm_mbps, &ssm_lat),
    ] {
        println!(
            "{name:<28} {mbps:>12.2} {:>11.3} ms {:>9.3} ms",
            percentile(lat, 0.5),
            percentile(lat, 0.95)
        );
    }
    let _ = std::fs::remove_file(&file);
}

/// A file of `mb` MB of printable lines.
fn write_test_file(mb: usize) -> PathBuf {
    let path = std::env::temp_dir().join(format!("ssm-cockpit-bench-{}.txt", std::process::id()));
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).expect("create file"));
    let line: Vec<u8> = (0..99u8)
        .map(|i| b'!' + (i % 90))
        .chain(std::iter::once(b'\n'))
        .collect();
    for _ in 0..(mb * 1_000_000 / line.len()) {
        f.write_all(&line).expect("write file");
    }
    f.flush().expect("flush file");
    path
}

fn file_mb(path: &Path) -> f64 {
    std::fs::metadata(path)
        .map(|m| m.len() as f64 / 1e6)
        .unwrap_or(0.0)
}

fn percentile(samples: &[f64], p: f64) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    let mut s = samples.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    let i = ((s.len() as f64 - 1.0) * p).round() as usize;
    s[i.min(s.len() - 1)]
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

// ---- through the sim -------------------------------------------------------------------

struct Tab {
    handle: SessionHandle,
    events: mpsc::Receiver<(u64, SessionEvent)>,
    parser: vt100::Parser,
}

impl Tab {
    /// Next Output chunk (fed to the emulator), skipping other events.
    async fn output(&mut self) -> Vec<u8> {
        loop {
            let (_, ev) = tokio::time::timeout(WAIT, self.events.recv())
                .await
                .expect("session event in time")
                .expect("session running");
            match ev {
                SessionEvent::Output(b) => {
                    self.parser.process(&b);
                    return b.to_vec();
                }
                SessionEvent::State(SessionState::Closed { reason }) => {
                    panic!("session closed: {reason}")
                }
                _ => {}
            }
        }
    }

    async fn until(&mut self, needle: &[u8]) -> usize {
        let mut window = Vec::new();
        let mut total = 0;
        while !contains(&window, needle) {
            let b = self.output().await;
            total += b.len();
            window.extend_from_slice(&b);
            let keep = window.len().saturating_sub(needle.len() + 4096);
            window.drain(..keep);
        }
        total
    }
}

async fn through_sim(file: &Path) -> (f64, Vec<f64>) {
    let sim = sim::start(SimConfig {
        accounts: 1,
        regions: vec!["us-east-1".into()],
        nodes_per_scope: 4,
        ..SimConfig::default()
    })
    .await
    .expect("sim");
    let connector = Connector::connect(&AwsOptions {
        endpoint_url: Some(sim.endpoint().to_string()),
        static_credentials: Some((
            sim.credentials().access_key_id.clone(),
            sim.credentials().secret_access_key.clone(),
        )),
        regions: vec!["us-east-1".into()],
        max_attempts: 3,
        ..AwsOptions::default()
    })
    .await
    .expect("connector");
    let account = connector.caller().account.clone();
    let read = connector.ssm_read(&account, "us-east-1", "x").await;
    let node = read
        .nodes_page(0, None)
        .await
        .expect("nodes")
        .nodes
        .into_iter()
        .find(|n| n.ping_status == PingStatus::Online)
        .expect("online node");
    let client = connector.session_client(&account, "us-east-1", "x").await;
    let target = SessionTarget {
        scope: Scope {
            account: Account {
                id: account,
                name: "bench".into(),
            },
            region: "us-east-1".into(),
        },
        name: String::new(),
        instance_id: node.instance_id,
    };
    let (tx, rx) = mpsc::channel(1024);
    let handle = spawn(
        client,
        SessionSpec {
            id: 1,
            target,
            kind: SessionKind::Shell,
            size: (COLS, ROWS),
            events: tx,
            recording: None,
        },
    );
    let mut tab = Tab {
        handle,
        events: rx,
        parser: vt100::Parser::new(ROWS, COLS, 0),
    };
    tab.handle.input(b"stty -echoctl; echo ready-$((1+1))\r");
    tab.until(b"ready-2").await;

    let latencies = keystrokes_sim(&mut tab).await;

    let cmd = format!("cat {}; echo cat-$((2+3))-done\r", file.display());
    let t0 = Instant::now();
    tab.handle.input(cmd.as_bytes());
    let bytes = tab.until(b"cat-5-done").await;
    let secs = t0.elapsed().as_secs_f64();
    let mbps = file_mb(file) / secs;
    println!(
        "sim: cat {:.1} MB -> {} bytes of output in {secs:.2} s into the emulator",
        file_mb(file),
        bytes
    );
    tab.handle.close();
    (mbps, latencies)
}

async fn keystrokes_sim(tab: &mut Tab) -> Vec<f64> {
    let mut samples = Vec::with_capacity(KEYSTROKES);
    for _ in 0..KEYSTROKES {
        let t0 = Instant::now();
        tab.handle.input(b"x");
        let mut seen = Vec::new();
        while !seen.contains(&b'x') {
            seen.extend(tab.output().await);
        }
        samples.push(t0.elapsed().as_secs_f64() * 1e3);
        tab.handle.input(b"\x7f");
        let _ = tab.output().await;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    samples
}

// ---- local PTY baseline ----------------------------------------------------------------

fn local_pty(file: &Path) -> (f64, Vec<f64>) {
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: ROWS,
            cols: COLS,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("openpty");
    let mut cmd = CommandBuilder::new("bash");
    cmd.args(["--norc", "--noprofile", "-i"]);
    cmd.env("TERM", "xterm-256color");
    cmd.env("PS1", "$ ");
    let mut child = pair.slave.spawn_command(cmd).expect("spawn bash");
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().expect("reader");
    let mut writer = pair.master.take_writer().expect("writer");
    let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 65536];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut parser = vt100::Parser::new(ROWS, COLS, 0);
    let mut next = |parser: &mut vt100::Parser| -> Vec<u8> {
        let b = rx.recv_timeout(WAIT).expect("pty output");
        parser.process(&b);
        b
    };
    let until = |needle: &[u8],
                 parser: &mut vt100::Parser,
                 next: &mut dyn FnMut(&mut vt100::Parser) -> Vec<u8>| {
        let mut window = Vec::new();
        while !contains(&window, needle) {
            window.extend(next(parser));
            let keep = window.len().saturating_sub(needle.len() + 4096);
            window.drain(..keep);
        }
    };
    writer
        .write_all(b"stty -echoctl; echo ready-$((1+1))\r")
        .expect("write");
    until(b"ready-2", &mut parser, &mut next);

    let mut samples = Vec::with_capacity(KEYSTROKES);
    for _ in 0..KEYSTROKES {
        let t0 = Instant::now();
        writer.write_all(b"x").expect("write");
        let mut seen = Vec::new();
        while !seen.contains(&b'x') {
            seen.extend(next(&mut parser));
        }
        samples.push(t0.elapsed().as_secs_f64() * 1e3);
        writer.write_all(b"\x7f").expect("write");
        let _ = next(&mut parser);
        std::thread::sleep(Duration::from_millis(5));
    }

    let cmd = format!("cat {}; echo cat-$((2+3))-done\r", file.display());
    let t0 = Instant::now();
    writer.write_all(cmd.as_bytes()).expect("write");
    until(b"cat-5-done", &mut parser, &mut next);
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "local PTY: cat {:.1} MB in {secs:.2} s into the emulator",
        file_mb(file)
    );
    let _ = writer.write_all(b"exit\r");
    let _ = child.kill();
    (file_mb(file) / secs, samples)
}
