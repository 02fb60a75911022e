//! Session Manager sessions end to end: the real SDK calls StartSession on the sim, the
//! client speaks the data-channel protocol over a real WebSocket to the sim's agent,
//! which runs a real shell in a PTY (or dials a local TCP port).

mod common;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use sha2::{Digest, Sha256};
use ssm_cockpit::aws::SessionClient;
use ssm_cockpit::model::{Account, PingStatus, Scope};
use ssm_cockpit::session::client::{SessionSpec, spawn};
use ssm_cockpit::session::recording::RecordingOptions;
use ssm_cockpit::session::{SessionEvent, SessionHandle, SessionKind, SessionState, SessionTarget};
use ssm_cockpit::sim::{self, SimConfig, SimHandle};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

const REGION: &str = "us-east-1";
const ROLE: &str = "OrganizationAccountAccessRole";
const WAIT: Duration = Duration::from_secs(60);

struct Env {
    sim: SimHandle,
    client: SessionClient,
    target: SessionTarget,
}

async fn env() -> Env {
    let sim = sim::start(SimConfig {
        accounts: 1,
        regions: vec![REGION.to_string()],
        nodes_per_scope: 8,
        ..SimConfig::default()
    })
    .await
    .expect("sim starts");
    let connector = common::connect_mgmt(&sim, &[REGION]).await;
    let account = connector.caller().account.clone();
    let read = connector.ssm_read(&account, REGION, ROLE).await;
    let page = read.nodes_page(0, None).await.expect("nodes");
    let node = page
        .nodes
        .into_iter()
        .find(|n| n.ping_status == PingStatus::Online)
        .expect("an Online node");
    let client = connector.session_client(&account, REGION, ROLE).await;
    let target = SessionTarget {
        scope: Scope {
            account: Account {
                id: account,
                name: "management".to_string(),
            },
            region: REGION.to_string(),
        },
        name: node.name().to_string(),
        instance_id: node.instance_id,
    };
    Env {
        sim,
        client,
        target,
    }
}

struct Tab {
    handle: SessionHandle,
    events: mpsc::Receiver<(u64, SessionEvent)>,
    states: Vec<SessionState>,
}

fn open(
    env: &Env,
    kind: SessionKind,
    cols: u16,
    rows: u16,
    recording: Option<RecordingOptions>,
) -> Tab {
    let (tx, rx) = mpsc::channel(256);
    let handle = spawn(
        env.client.clone(),
        SessionSpec {
            id: 1,
            target: env.target.clone(),
            kind,
            size: (cols, rows),
            events: tx,
            recording,
        },
    );
    Tab {
        handle,
        events: rx,
        states: Vec::new(),
    }
}

impl Tab {
    async fn next(&mut self) -> SessionEvent {
        let (id, ev) = tokio::time::timeout(WAIT, self.events.recv())
            .await
            .expect("no session event in time")
            .expect("session task ended without Closed");
        assert_eq!(id, 1);
        if let SessionEvent::State(s) = &ev {
            self.states.push(s.clone());
        }
        ev
    }

    /// Output until `needle` appears; panics if the session closes first.
    async fn output_until(&mut self, out: &mut Vec<u8>, needle: &[u8]) {
        let deadline = tokio::time::Instant::now() + WAIT;
        let mut from = 0usize;
        while !contains(&out[from.saturating_sub(needle.len())..], needle) {
            from = out.len();
            let Ok(ev) = tokio::time::timeout_at(deadline, self.next()).await else {
                panic!(
                    "no {:?} in time; states {:?}; output tail {:?}",
                    String::from_utf8_lossy(needle),
                    self.states,
                    tail(out)
                );
            };
            match ev {
                SessionEvent::Output(b) => out.extend_from_slice(&b),
                SessionEvent::State(SessionState::Closed { reason }) => panic!(
                    "closed while waiting for {:?}: {reason}; output tail {:?}",
                    String::from_utf8_lossy(needle),
                    tail(out)
                ),
                _ => {}
            }
        }
    }

    async fn until_live(&mut self) {
        loop {
            match self.next().await {
                SessionEvent::State(SessionState::Live) => return,
                SessionEvent::State(SessionState::Closed { reason }) => {
                    panic!("closed before Live: {reason}")
                }
                _ => {}
            }
        }
    }

    async fn until_closed(&mut self) -> String {
        loop {
            if let SessionEvent::State(SessionState::Closed { reason }) = self.next().await {
                return reason;
            }
        }
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn tail(out: &[u8]) -> String {
    String::from_utf8_lossy(&out[out.len().saturating_sub(300)..]).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shell_runs_resizes_and_exits() {
    let env = env().await;
    let mut tab = open(&env, SessionKind::Shell, 97, 31, None);
    tab.until_live().await;
    let mut out = Vec::new();
    tab.handle.input(b"echo hello; tput cols\r");
    tab.output_until(&mut out, b"hello\r\n97\r\n").await;

    tab.handle.resize(123, 40);
    tab.handle.input(b"tput cols; tput lines\r");
    tab.output_until(&mut out, b"\r123\r\n40\r\n").await;

    tab.handle.input(b"exit\r");
    let reason = tab.until_closed().await;
    assert!(!reason.is_empty());
    assert!(
        !reason.contains("closed by user") && !reason.contains("connection lost"),
        "{reason}"
    );
    assert_eq!(
        tab.states.first(),
        Some(&SessionState::Connecting),
        "{:?}",
        tab.states
    );
    assert!(
        !tab.states
            .iter()
            .any(|s| matches!(s, SessionState::Reconnecting { .. })),
        "{:?}",
        tab.states
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socket_drop_mid_output_reconnects_without_loss() {
    let env = env().await;
    let mut tab = open(&env, SessionKind::Shell, 120, 40, None);
    tab.until_live().await;
    let mut out = Vec::new();
    tab.handle.input(b"echo ready\r");
    tab.output_until(&mut out, b"ready\r\n").await;

    env.sim.knobs().drop_session_socket_after(300);
    let start = out.len();
    tab.handle.input(b"seq 1 200000; echo seq-done\r");
    tab.output_until(&mut out, b"\r\nseq-done\r\n").await;
    env.sim.knobs().drop_session_socket_after(0);

    // Bracketed-paste toggles of bash's readline frame each command's output.
    let text = String::from_utf8_lossy(&out[start..])
        .replace("\u{1b}[?2004l\r", "\r\n")
        .replace("\u{1b}[?2004h", "\r\n");
    let lines: Vec<&str> = text.split("\r\n").collect();
    let first = lines
        .windows(2)
        .position(|w| w[0] == "1" && w[1] == "2")
        .unwrap_or_else(|| panic!("seq output starts: {:?}", &text[..text.len().min(400)]));
    let numbers: Vec<&str> = lines[first..]
        .iter()
        .take_while(|l| **l != "seq-done")
        .copied()
        .collect();
    let expected: Vec<String> = (1..=200_000).map(|i| i.to_string()).collect();
    let digest = |items: &mut dyn Iterator<Item = &str>| {
        let mut h = Sha256::new();
        for i in items {
            h.update(i.as_bytes());
            h.update(b"\n");
        }
        h.finalize()
    };
    assert_eq!(numbers.len(), expected.len(), "line count");
    assert_eq!(
        digest(&mut numbers.iter().copied()),
        digest(&mut expected.iter().map(String::as_str)),
        "checksum of the seq output"
    );
    assert!(
        tab.states
            .iter()
            .any(|s| matches!(s, SessionState::Reconnecting { .. })),
        "the socket was dropped and the session reconnected: {:?}",
        tab.states
    );
    assert_eq!(tab.states.last(), Some(&SessionState::Live));

    tab.handle.close();
    assert_eq!(tab.until_closed().await, "closed by user");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kms_request_is_declined_with_a_reason() {
    let env = env().await;
    env.sim.knobs().request_session_kms(true);
    let mut tab = open(&env, SessionKind::Shell, 80, 24, None);
    let reason = tab.until_closed().await;
    assert!(reason.contains("KMS"), "{reason}");
}

/// An echo server on 127.0.0.1: the port forward's destination.
async fn echo_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind echo");
    let addr = listener.local_addr().expect("echo addr");
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (mut r, mut w) = conn.split();
                let _ = tokio::io::copy(&mut r, &mut w).await;
            });
        }
    });
    addr
}

async fn relay_round(local: SocketAddr, len: usize, seed: u32) {
    let data: Vec<u8> = (0..len)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).wrapping_add(seed) as u8)
        .collect();
    let conn = TcpStream::connect(local).await.expect("connect to forward");
    let (mut r, mut w) = conn.into_split();
    let sent = data.clone();
    let writer = tokio::spawn(async move {
        w.write_all(&sent).await.expect("write through forward");
        w
    });
    let mut got = vec![0u8; len];
    tokio::time::timeout(WAIT, r.read_exact(&mut got))
        .await
        .expect("echo through the forward in time")
        .expect("read through forward");
    assert_eq!(
        Sha256::digest(&got),
        Sha256::digest(&data),
        "bytes intact both ways"
    );
    drop(writer.await.expect("writer"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn port_forward_moves_megabytes_intact() {
    let env = env().await;
    let echo = echo_server().await;
    let kind = SessionKind::PortForward {
        local_port: 0,
        remote_port: echo.port(),
        remote_host: None,
    };
    let mut tab = open(&env, kind, 80, 24, None);
    let local = loop {
        match tab.next().await {
            SessionEvent::Listening(addr) => break addr,
            SessionEvent::State(SessionState::Closed { reason }) => panic!("closed: {reason}"),
            _ => {}
        }
    };
    assert!(local.ip().is_loopback());
    relay_round(local, 3 * 1024 * 1024, 1).await;
    // The next local connection after DisconnectToPort.
    tokio::time::sleep(Duration::from_millis(200)).await;
    relay_round(local, 256 * 1024, 2).await;

    tab.handle.close();
    assert_eq!(tab.until_closed().await, "closed by user");
}

fn scratch_dir(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "ssm-cockpit-{name}-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0)
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recording_is_valid_asciicast_v2() {
    let env = env().await;
    let dir = scratch_dir("recording");
    let mut tab = open(
        &env,
        SessionKind::Shell,
        90,
        28,
        Some(RecordingOptions::new(&dir)),
    );
    tab.until_live().await;
    let mut out = Vec::new();
    tab.handle.input(b"echo rec-$((40+2))\r");
    tab.output_until(&mut out, b"rec-42\r\n").await;
    tab.handle.resize(100, 30);
    tab.handle.input(b"exit\r");
    tab.until_closed().await;

    let files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("recording dir")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0].extension().and_then(|e| e.to_str()), Some("cast"));
    let text = std::fs::read_to_string(&files[0]).expect("read recording");
    assert!(!text.contains("TokenValue"));
    let mut lines = text.lines();
    let header: serde_json::Value =
        serde_json::from_str(lines.next().expect("header")).expect("header json");
    assert_eq!(header["version"], 2);
    assert_eq!(header["width"], 90);
    assert_eq!(header["height"], 28);
    assert!(
        header["timestamp"]
            .as_i64()
            .is_some_and(|t| t > 1_600_000_000)
    );
    assert!(header["env"]["TERM"].is_string());
    let mut output = String::new();
    let mut last_t = 0.0;
    let mut resizes = Vec::new();
    for line in lines {
        let ev: serde_json::Value = serde_json::from_str(line).expect("event json");
        let ev = ev.as_array().expect("event array");
        assert_eq!(ev.len(), 3, "{line}");
        let t = ev[0].as_f64().expect("time");
        assert!(t >= last_t, "times never go back");
        last_t = t;
        let data = ev[2].as_str().expect("data string");
        match ev[1].as_str() {
            Some("o") => output.push_str(data),
            Some("r") => resizes.push(data.to_string()),
            other => panic!("unexpected event code {other:?}"),
        }
    }
    assert!(output.contains("rec-42\r\n"), "{output}");
    assert_eq!(resizes, vec!["100x30".to_string()]);
    let _ = std::fs::remove_dir_all(&dir);
}
