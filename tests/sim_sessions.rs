//! Session Manager against the sim: StartSession/ResumeSession/TerminateSession/
//! DescribeSessions through the real SDK, and the data channel through a real WebSocket
//! to the simulated agent, driven by a minimal client built on `session::Channel`.

use std::time::{Duration, Instant};

use aws_sdk_ssm::error::ProvideErrorMetadata;
use aws_sdk_ssm::types::{
    InstanceInformationStringFilter, SessionFilter, SessionFilterKey, SessionState, SessionStatus,
};
use futures_util::{SinkExt, StreamExt};
use sha2::{Digest, Sha256};
use ssm_cockpit::session::messages::{
    ChannelClosed, Flag, HandshakeRequest, HandshakeResponse, OpenDataChannelInput, Size,
};
use ssm_cockpit::session::{Channel, Event, Role};
use ssm_cockpit::sim::{self, SimConfig, SimHandle};

mod common;
use common::ssm;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use uuid::Uuid;

type ClientWs = WebSocketStream<MaybeTlsStream<TcpStream>>;

const SHELL_TYPES: &[&str] = &[
    "Standard_Stream",
    "InteractiveCommands",
    "NonInteractiveCommands",
];
const SHELL_VERSION: &str = "1.2.650.0";
/// Below 1.1.70: basic port forwarding (§13).
const PORT_VERSION: &str = "1.1.0.0";

async fn start_sim() -> SimHandle {
    sim::start(SimConfig {
        accounts: 1,
        regions: vec!["us-east-1".into()],
        nodes_per_scope: 12,
        ..SimConfig::default()
    })
    .await
    .expect("sim starts")
}

/// (instance id, computer name) of a node with the given ping status.
async fn node(c: &aws_sdk_ssm::Client, ping: &str) -> (String, String) {
    let out = c
        .describe_instance_information()
        .filters(
            InstanceInformationStringFilter::builder()
                .key("PingStatus")
                .values(ping)
                .build()
                .expect("filter"),
        )
        .max_results(50)
        .send()
        .await
        .expect("describe nodes");
    let n = out
        .instance_information_list()
        .first()
        .unwrap_or_else(|| panic!("the sim has a node with ping status {ping}"));
    (
        n.instance_id().unwrap_or_default().to_string(),
        n.computer_name().unwrap_or_default().to_string(),
    )
}

/// A minimal Session Manager client: one socket, one `Channel`, reconnects on its own.
struct Client {
    ssm: aws_sdk_ssm::Client,
    session_id: String,
    url: String,
    client_id: Uuid,
    version: &'static str,
    supported: &'static [&'static str],
    channel: Channel,
    ws: Option<ClientWs>,
    output: Vec<u8>,
    started: bool,
    handshake: Option<HandshakeRequest>,
    flags: Vec<Flag>,
    closed: Option<ChannelClosed>,
    reconnects: u32,
}

async fn open_socket(url: &str, token: &str, client_id: Uuid, version: &str) -> ClientWs {
    let (mut ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .unwrap_or_else(|e| panic!("websocket to {url} connects: {e}"));
    let open = OpenDataChannelInput::new(token, client_id, version).to_json();
    ws.send(Message::Text(open.into()))
        .await
        .expect("OpenDataChannelInput is sent");
    ws
}

impl Client {
    async fn start(
        ssm: &aws_sdk_ssm::Client,
        target: &str,
        document: Option<&str>,
        params: &[(&str, &str)],
        version: &'static str,
        supported: &'static [&'static str],
    ) -> Client {
        let mut req = ssm.start_session().target(target);
        if let Some(d) = document {
            req = req.document_name(d);
        }
        for (k, v) in params {
            req = req.parameters(*k, vec![v.to_string()]);
        }
        let out = req.send().await.expect("StartSession succeeds");
        let session_id = out.session_id().expect("SessionId").to_string();
        let url = out.stream_url().expect("StreamUrl").to_string();
        let token = out.token_value().expect("TokenValue").to_string();
        assert!(url.starts_with("ws://127.0.0.1:"), "{url}");
        assert!(
            url.contains(&format!("/v1/data-channel/{session_id}?")),
            "{url}"
        );
        let client_id = Uuid::new_v4();
        let ws = open_socket(&url, &token, client_id, version).await;
        Client {
            ssm: ssm.clone(),
            session_id,
            url,
            client_id,
            version,
            supported,
            channel: Channel::new(Role::Client, Instant::now()),
            ws: Some(ws),
            output: Vec::new(),
            started: false,
            handshake: None,
            flags: Vec::new(),
            closed: None,
            reconnects: 0,
        }
    }

    fn input(&mut self, data: &[u8]) {
        self.channel.send_data(data).expect("input is queued");
    }

    fn size(&mut self, cols: u32, rows: u32) {
        self.channel
            .send_size(Size { cols, rows })
            .expect("size is queued");
    }

    fn output_text(&self) -> String {
        String::from_utf8_lossy(&self.output).into_owned()
    }

    fn tail(&self) -> String {
        let text = self.output_text();
        let start = text.len().saturating_sub(400);
        let start = (start..=text.len())
            .find(|i| text.is_char_boundary(*i))
            .unwrap_or(text.len());
        text[start..].to_string()
    }

    async fn reconnect(&mut self) {
        let out = self
            .ssm
            .resume_session()
            .session_id(&self.session_id)
            .send()
            .await
            .expect("ResumeSession succeeds");
        let token = out
            .token_value()
            .filter(|t| !t.is_empty())
            .expect("a live session gets a new token")
            .to_string();
        let ws = open_socket(&self.url, &token, self.client_id, self.version).await;
        self.ws = Some(ws);
        self.channel.reconnected(Instant::now());
        self.reconnects += 1;
    }

    async fn flush(&mut self) {
        let now = Instant::now();
        let mut failed = false;
        if let Some(ws) = self.ws.as_mut() {
            while let Some(frame) = self.channel.poll_transmit(now) {
                if ws.feed(Message::Binary(frame)).await.is_err() {
                    failed = true;
                    break;
                }
            }
            if !failed && ws.flush().await.is_err() {
                failed = true;
            }
        }
        if failed {
            self.ws = None;
        }
    }

    fn drain_events(&mut self) {
        while let Some(event) = self.channel.poll_event() {
            match event {
                Event::HandshakeRequest(req) => {
                    let resp = HandshakeResponse::answer(&req, self.version, self.supported);
                    self.handshake = Some(req);
                    self.channel
                        .send_handshake_response(&resp)
                        .expect("handshake response is queued");
                }
                Event::SessionStarted => self.started = true,
                Event::Output(b) | Event::StdErr(b) => self.output.extend_from_slice(&b),
                Event::Flag(f) => self.flags.push(f),
                Event::ChannelClosed(c) => self.closed = Some(c),
                _ => {}
            }
        }
    }

    /// Drives the channel until `done` holds; reconnects (ResumeSession) when the socket
    /// drops before `channel_closed`.
    async fn wait_for(&mut self, what: &str, limit: Duration, done: impl Fn(&Client) -> bool) {
        let deadline = Instant::now() + limit;
        loop {
            self.drain_events();
            self.flush().await;
            if done(self) {
                return;
            }
            let now = Instant::now();
            assert!(
                now < deadline,
                "timed out after {limit:?} waiting for {what}; output tail: {:?}",
                self.tail()
            );
            if self.ws.is_none() {
                assert!(
                    self.closed.is_none(),
                    "socket closed after channel_closed while waiting for {what}"
                );
                self.reconnect().await;
                continue;
            }
            let wake = self
                .channel
                .poll_timeout()
                .map_or(deadline, |t| t.min(deadline));
            let ws = self.ws.as_mut().expect("socket present");
            tokio::select! {
                msg = ws.next() => match msg {
                    Some(Ok(Message::Binary(b))) => {
                        let _ = self.channel.handle_frame(&b, Instant::now());
                    }
                    Some(Ok(Message::Text(t))) => {
                        let _ = self.channel.handle_frame(t.as_bytes(), Instant::now());
                    }
                    Some(Ok(_)) => {}
                    Some(Err(_)) | None => self.ws = None,
                },
                () = tokio::time::sleep_until(wake.into()) => {
                    self.channel.handle_timeout(Instant::now());
                }
            }
        }
    }

    /// Waits for `channel_closed` and for the agent to close the socket.
    async fn wait_closed(&mut self, limit: Duration) -> ChannelClosed {
        self.wait_for("channel_closed", limit, |c| c.closed.is_some())
            .await;
        if let Some(ws) = self.ws.as_mut() {
            let end = tokio::time::timeout(limit, async {
                while let Some(Ok(msg)) = ws.next().await {
                    if matches!(msg, Message::Close(_)) {
                        break;
                    }
                }
            })
            .await;
            assert!(
                end.is_ok(),
                "the agent closes the socket after channel_closed"
            );
        }
        self.closed.clone().expect("channel_closed")
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(haystack, needle).is_some()
}

async fn session_status(
    c: &aws_sdk_ssm::Client,
    id: &str,
    state: SessionState,
) -> Option<SessionStatus> {
    let out = c
        .describe_sessions()
        .state(state)
        .filters(
            SessionFilter::builder()
                .key(SessionFilterKey::SessionId)
                .value(id)
                .build()
                .expect("filter"),
        )
        .send()
        .await
        .expect("DescribeSessions succeeds");
    out.sessions().first().and_then(|s| s.status().cloned())
}

const T: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shell_runs_commands_resizes_and_exits() {
    let h = start_sim().await;
    let c = ssm(&h);
    let (target, host) = node(&c, "Online").await;
    let mut s = Client::start(&c, &target, None, &[], SHELL_VERSION, SHELL_TYPES).await;
    let prompt = format!("ssm-user@{host}:~$ ");
    s.wait_for("the prompt", T, |s| {
        s.started && s.output_text().contains(&prompt)
    })
    .await;
    assert!(
        s.handshake.is_none(),
        "Standard_Stream without KMS skips the handshake"
    );
    assert_eq!(
        session_status(&c, &s.session_id, SessionState::Active).await,
        Some(SessionStatus::Connected)
    );

    s.size(97, 31);
    s.input(b"echo hel\"\"lo; tput cols; echo \"dir=$PWD\"\r");
    s.wait_for("hello and 97 columns", T, |s| {
        contains(&s.output, b"hello\r\n97\r\n") && contains(&s.output, b"dir=/")
    })
    .await;
    let text = s.output_text();
    let dir = text
        .split("dir=")
        .nth(2)
        .and_then(|rest| rest.split("\r\n").next())
        .expect("the shell reports its directory")
        .to_string();
    let sandboxed = h.isolation().is_sandboxed();
    if sandboxed {
        assert_eq!(dir, "/home/ssm-user", "the sandbox's private home");
    } else {
        assert!(
            std::path::Path::new(&dir).is_dir(),
            "scratch dir {dir} exists"
        );
    }

    s.size(120, 40);
    s.input(b"tput cols; tput lines\r");
    s.wait_for("120 columns", T, |s| contains(&s.output, b"120\r\n40\r\n"))
        .await;

    s.input(b"exit\r");
    let closed = s.wait_closed(T).await;
    assert!(
        closed.output.contains("Exiting session with sessionId"),
        "{closed:?}"
    );
    assert_eq!(closed.session_id, s.session_id);
    assert!(
        sandboxed || !std::path::Path::new(&dir).exists(),
        "scratch dir {dir} removed"
    );
    assert_eq!(
        session_status(&c, &s.session_id, SessionState::History).await,
        Some(SessionStatus::Terminated)
    );
    let resumed = c
        .resume_session()
        .session_id(&s.session_id)
        .send()
        .await
        .expect("ResumeSession answers for an ended session");
    assert!(resumed.token_value().is_none_or(str::is_empty));
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn input_sent_before_the_shell_exists_is_retransmitted() {
    let h = start_sim().await;
    h.knobs().force_session_handshake(true);
    h.knobs()
        .set_session_shell_delay(Duration::from_millis(400));
    let c = ssm(&h);
    let (target, _) = node(&c, "Online").await;
    let mut s = Client::start(&c, &target, None, &[], SHELL_VERSION, SHELL_TYPES).await;
    s.wait_for("HandshakeComplete", T, |s| s.started).await;
    let started = Instant::now();
    let req = s.handshake.clone().expect("a forced handshake");
    let st = req.session_type().expect("SessionType action");
    assert_eq!(st.session_type, "Standard_Stream");
    assert!(!req.requests_kms());
    // Queued at once: the agent refuses both until its shell exists.
    s.size(101, 30);
    s.input(b"echo ear\"\"ly; tput cols\r");
    s.wait_for("the early command's output", T, |s| {
        contains(&s.output, b"early\r\n101\r\n")
    })
    .await;
    assert!(started.elapsed() >= Duration::from_millis(350));
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_socket_resumes_with_complete_ordered_output() {
    let h = start_sim().await;
    let c = ssm(&h);
    let (target, _) = node(&c, "Online").await;
    let mut s = Client::start(&c, &target, None, &[], SHELL_VERSION, SHELL_TYPES).await;
    s.wait_for("the prompt", T, |s| {
        s.started && s.output_text().contains("$ ")
    })
    .await;
    s.size(80, 24);
    h.knobs().drop_session_socket_after(300);
    s.input(b"seq 1 200000\r");
    s.wait_for("the last line", Duration::from_secs(30), |s| {
        contains(&s.output, b"\r\n200000\r\n")
    })
    .await;
    assert!(s.reconnects >= 1, "the socket was dropped and resumed");

    let expected: String = (1..=200_000).map(|i| format!("{i}\r\n")).collect();
    let start = memchr::memmem::find(&s.output, b"1\r\n2\r\n3\r\n").expect("first lines");
    let got = s
        .output
        .get(start..start + expected.len())
        .expect("all lines arrived");
    assert_eq!(
        Sha256::digest(got),
        Sha256::digest(expected.as_bytes()),
        "output differs after the reconnect"
    );
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_now_knob_and_frame_faults_keep_output_intact() {
    let h = start_sim().await;
    h.knobs().set_session_fault_seed(7);
    h.knobs().set_session_reorder(0.2);
    h.knobs().set_session_duplicate(0.1);
    h.knobs().set_session_frame_delay(Duration::from_millis(2));
    let c = ssm(&h);
    let (target, _) = node(&c, "Online").await;
    let mut s = Client::start(&c, &target, None, &[], SHELL_VERSION, SHELL_TYPES).await;
    s.wait_for("the prompt", T, |s| {
        s.started && s.output_text().contains("$ ")
    })
    .await;
    s.input(b"seq 1 3000\r");
    s.wait_for("a few lines", T, |s| contains(&s.output, b"\r\n100\r\n"))
        .await;
    h.knobs().drop_session_sockets();
    s.wait_for("the last line", T, |s| contains(&s.output, b"\r\n3000\r\n"))
        .await;
    assert!(s.reconnects >= 1, "drop_session_sockets dropped the socket");
    let expected: String = (1..=3000).map(|i| format!("{i}\r\n")).collect();
    assert!(
        contains(&s.output, expected.as_bytes()),
        "every line once and in order"
    );
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminate_session_closes_the_channel_and_shutdown_kills_shells() {
    let h = start_sim().await;
    let c = ssm(&h);
    let (target, _) = node(&c, "Online").await;
    let mut s = Client::start(&c, &target, None, &[], SHELL_VERSION, SHELL_TYPES).await;
    s.wait_for("the prompt", T, |s| {
        s.started && s.output_text().contains("$ ")
    })
    .await;
    c.terminate_session()
        .session_id(&s.session_id)
        .send()
        .await
        .expect("TerminateSession succeeds");
    let closed = s.wait_closed(T).await;
    assert!(closed.output.contains("terminated"), "{closed:?}");
    // Idempotent.
    let again = c
        .terminate_session()
        .session_id(&s.session_id)
        .send()
        .await
        .expect("TerminateSession is idempotent");
    assert_eq!(again.session_id(), Some(s.session_id.as_str()));
    assert_eq!(
        session_status(&c, &s.session_id, SessionState::History).await,
        Some(SessionStatus::Terminated)
    );

    // A second shell, left running: shutdown must end it.
    let mut s2 = Client::start(&c, &target, None, &[], SHELL_VERSION, SHELL_TYPES).await;
    s2.wait_for("the prompt", T, |s| {
        s.started && s.output_text().contains("$ ")
    })
    .await;
    // A job of the shell, found on this machine by its unique argument.
    let nonce = format!("600.{}", &Uuid::new_v4().as_u128().to_string()[..12]);
    s2.input(format!("sleep {nonce} &\r").as_bytes());
    let started = Instant::now() + Duration::from_secs(5);
    while processes_with_arg(&nonce).is_empty() {
        s2.wait_for("the job", Duration::from_millis(50), |_| true)
            .await;
        assert!(Instant::now() < started, "sleep {nonce} never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    h.shutdown().await;
    let gone = Instant::now() + Duration::from_secs(3);
    loop {
        let left = processes_with_arg(&nonce);
        if left.is_empty() {
            break;
        }
        assert!(
            Instant::now() < gone,
            "the shell's job {left:?} still runs after shutdown"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Pids of this machine's processes whose command line has `needle` as an argument.
fn processes_with_arg(needle: &str) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| c.split(|b| *b == 0).any(|a| a == needle.as_bytes()))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandboxed_shell_has_the_node_hostname() {
    if common::skip_sandbox_test("sandboxed_shell_has_the_node_hostname") {
        return;
    }
    let h = start_sim().await;
    assert!(h.isolation().is_sandboxed(), "{:?}", h.isolation());
    let c = ssm(&h);
    let (target, host) = node(&c, "Online").await;
    let mut s = Client::start(&c, &target, None, &[], SHELL_VERSION, SHELL_TYPES).await;
    s.wait_for("the prompt", T, |s| {
        s.started && s.output_text().contains("$ ")
    })
    .await;
    assert!(!s.output_text().contains("warning"), "{}", s.output_text());
    s.input(b"echo \"h=$(hostname) n=$(ls /proc | grep -c '^[0-9]') t=$(tty)\"\r");
    let want = format!("h={host} n=");
    s.wait_for("the node's hostname", T, |s| {
        s.output_text().contains(&want)
    })
    .await;
    let text = s.output_text();
    let line = text
        .split(&want)
        .nth(1)
        .and_then(|r| r.split("\r\n").next())
        .expect("the echoed line");
    let (count, tty) = line.split_once(" t=").expect("count and tty");
    let count: usize = count.parse().expect("a process count");
    assert!(count <= 6, "the shell sees {count} processes");
    assert!(tty.starts_with("/dev/pts/"), "a terminal: {tty}");
    // A job left running dies with the session.
    let nonce = format!("600.{}", &Uuid::new_v4().as_u128().to_string()[..12]);
    s.input(format!("sleep {nonce} &\r").as_bytes());
    let started = Instant::now() + Duration::from_secs(5);
    while processes_with_arg(&nonce).is_empty() {
        s.wait_for("the job", Duration::from_millis(50), |_| true)
            .await;
        assert!(Instant::now() < started, "sleep {nonce} never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    s.input(b"exit\r");
    s.wait_closed(T).await;
    let gone = Instant::now() + Duration::from_secs(3);
    while !processes_with_arg(&nonce).is_empty() {
        assert!(Instant::now() < gone, "the job outlived the session");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsandboxed_shell_says_so_first_and_still_works() {
    let h = sim::start(SimConfig {
        accounts: 1,
        regions: vec!["us-east-1".into()],
        nodes_per_scope: 12,
        sandbox: sim::SandboxMode::Off,
        ..SimConfig::default()
    })
    .await
    .expect("sim starts");
    let c = ssm(&h);
    let (target, _) = node(&c, "Online").await;
    let mut s = Client::start(&c, &target, None, &[], SHELL_VERSION, SHELL_TYPES).await;
    s.wait_for("the prompt", T, |s| {
        s.started && s.output_text().contains("$ ")
    })
    .await;
    let text = s.output_text();
    let first = text.split("\r\n").next().unwrap_or_default();
    assert!(
        first.starts_with("warning: this simulated node is not sandboxed"),
        "{text:?}"
    );
    assert!(first.contains("run on this machine as"), "{first}");
    s.input(b"echo wo\"\"rks-$((6*7))\r");
    s.wait_for("the command's output", T, |s| {
        s.output_text().contains("works-42\r\n")
    })
    .await;
    s.input(b"exit\r");
    s.wait_closed(T).await;
    h.shutdown().await;
}

async fn echo_server() -> (u16, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind echo");
    let port = listener.local_addr().expect("addr").port();
    let task = tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 16 * 1024];
                loop {
                    match sock.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            if sock.write_all(&buf[..n]).await.is_err() {
                                break;
                            }
                        }
                    }
                }
            });
        }
    });
    (port, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn port_session_relays_megabytes_both_ways() {
    let h = start_sim().await;
    let c = ssm(&h);
    let (target, _) = node(&c, "Online").await;
    let (port, echo) = echo_server().await;
    let port_s = port.to_string();
    let mut s = Client::start(
        &c,
        &target,
        Some("AWS-StartPortForwardingSession"),
        &[("portNumber", &port_s), ("localPortNumber", "0")],
        PORT_VERSION,
        &["Port"],
    )
    .await;
    s.wait_for("HandshakeComplete", T, |s| s.started).await;
    let st = s
        .handshake
        .as_ref()
        .and_then(HandshakeRequest::session_type)
        .expect("SessionType action");
    assert_eq!(st.session_type, "Port");
    assert_eq!(st.properties["portNumber"], port_s.as_str());
    assert_eq!(st.properties["type"], "LocalPortForwarding");

    let mut data = vec![0u8; 2 * 1024 * 1024];
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for b in data.iter_mut() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = (x >> 24) as u8;
    }
    s.input(&data);
    let n = data.len();
    s.wait_for("the echo of 2 MiB", Duration::from_secs(30), |s| {
        s.output.len() >= n
    })
    .await;
    assert_eq!(s.output.len(), n);
    assert_eq!(Sha256::digest(&s.output), Sha256::digest(&data));

    // Basic mode: DisconnectToPort closes the TCP connection; the next bytes redial.
    s.channel
        .send_flag(Flag::DisconnectToPort)
        .expect("flag is queued");
    s.input(b"again");
    s.wait_for("the echo after a redial", T, |s| {
        s.output.ends_with(b"again")
    })
    .await;

    s.channel
        .send_flag(Flag::TerminateSession)
        .expect("flag is queued");
    s.wait_closed(T).await;
    echo.abort();
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn port_session_refuses_non_loopback_destinations() {
    let h = start_sim().await;
    let c = ssm(&h);
    let (target, _) = node(&c, "Online").await;
    let mut s = Client::start(
        &c,
        &target,
        Some("AWS-StartPortForwardingSessionToRemoteHost"),
        &[("host", "10.11.12.13"), ("portNumber", "5432")],
        PORT_VERSION,
        &["Port"],
    )
    .await;
    s.wait_for("HandshakeComplete", T, |s| s.started).await;
    let st = s
        .handshake
        .as_ref()
        .and_then(HandshakeRequest::session_type)
        .expect("SessionType action");
    assert_eq!(st.properties["host"], "10.11.12.13");
    s.input(b"hello");
    s.wait_for("ConnectToPortError", T, |s| {
        s.flags.contains(&Flag::ConnectToPortError)
    })
    .await;
    assert!(s.output.is_empty());
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kms_request_is_declined_by_the_client_and_ends_the_session() {
    let h = start_sim().await;
    h.knobs().request_session_kms(true);
    let c = ssm(&h);
    let (target, _) = node(&c, "Online").await;
    let mut s = Client::start(&c, &target, None, &[], SHELL_VERSION, SHELL_TYPES).await;
    let closed = s.wait_closed(T).await;
    let req = s.handshake.clone().expect("a handshake for KMS");
    assert!(req.requests_kms());
    assert!(closed.output.contains("KMSEncryption"), "{closed:?}");
    assert_eq!(
        session_status(&c, &s.session_id, SessionState::History).await,
        Some(SessionStatus::Failed)
    );
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_tokens_close_the_socket() {
    let h = start_sim().await;
    let c = ssm(&h);
    let (target, _) = node(&c, "Online").await;
    let out = c
        .start_session()
        .target(&target)
        .send()
        .await
        .expect("StartSession");
    let url = out.stream_url().expect("url").to_string();
    let mut ws = open_socket(&url, "not-a-token", Uuid::new_v4(), SHELL_VERSION).await;
    let next = tokio::time::timeout(T, ws.next())
        .await
        .expect("the sim closes the socket");
    assert!(
        !matches!(next, Some(Ok(Message::Binary(_)))),
        "no data for a bad token: {next:?}"
    );
    // The real token works once, and only once.
    let token = out.token_value().expect("token").to_string();
    let mut ok = open_socket(&url, &token, Uuid::new_v4(), SHELL_VERSION).await;
    let first = tokio::time::timeout(T, ok.next())
        .await
        .expect("output arrives");
    assert!(matches!(first, Some(Ok(Message::Binary(_)))), "{first:?}");
    let mut reused = open_socket(&url, &token, Uuid::new_v4(), SHELL_VERSION).await;
    let next = tokio::time::timeout(T, reused.next())
        .await
        .expect("the sim closes the socket");
    assert!(!matches!(next, Some(Ok(Message::Binary(_)))), "{next:?}");
    h.shutdown().await;
}

#[tokio::test]
async fn session_operations_validate_like_aws() {
    let h = start_sim().await;
    let c = ssm(&h);
    let (online, _) = node(&c, "Online").await;

    let err = c
        .start_session()
        .target("i-0123456789abcdef0")
        .send()
        .await
        .expect_err("unknown target");
    assert_eq!(err.code(), Some("TargetNotConnected"));
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_target_not_connected())
    );

    for ping in ["ConnectionLost", "Inactive"] {
        let out = c
            .describe_instance_information()
            .filters(
                InstanceInformationStringFilter::builder()
                    .key("PingStatus")
                    .values(ping)
                    .build()
                    .expect("filter"),
            )
            .send()
            .await
            .expect("describe");
        if let Some(n) = out.instance_information_list().first() {
            let err = c
                .start_session()
                .target(n.instance_id().unwrap_or_default())
                .send()
                .await
                .expect_err("offline target");
            assert_eq!(err.code(), Some("TargetNotConnected"), "{ping}");
        }
    }

    let err = c
        .start_session()
        .target(&online)
        .document_name("AWS-NoSuchDocument")
        .send()
        .await
        .expect_err("unknown document");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_invalid_document())
    );

    let err = c
        .start_session()
        .target(&online)
        .document_name("AWS-StartInteractiveCommand")
        .send()
        .await
        .expect_err("missing command");
    assert_eq!(err.code(), Some("InvalidParameters"));

    let err = c
        .resume_session()
        .session_id("sim-admin-00000000000000000")
        .send()
        .await
        .expect_err("unknown session");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_does_not_exist_exception())
    );
    let err = c
        .terminate_session()
        .session_id("sim-admin-00000000000000000")
        .send()
        .await
        .expect_err("unknown session");
    assert_eq!(err.code(), Some("DoesNotExistException"));

    for bad in [0, 201] {
        let err = c
            .describe_sessions()
            .state(SessionState::Active)
            .max_results(bad)
            .send()
            .await
            .expect_err("MaxResults out of range");
        assert_eq!(err.code(), Some("ValidationException"), "{bad}");
    }
    let err = c
        .describe_sessions()
        .state(SessionState::from("Current"))
        .send()
        .await
        .expect_err("bad state");
    assert_eq!(err.code(), Some("ValidationException"));
    let err = c
        .describe_sessions()
        .state(SessionState::Active)
        .next_token("garbage")
        .send()
        .await
        .expect_err("bad token");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_invalid_next_token())
    );

    // Three sessions never connected: Active, newest first, paginated.
    let mut ids = Vec::new();
    for reason in ["one", "two", "three"] {
        let out = c
            .start_session()
            .target(&online)
            .reason(reason)
            .send()
            .await
            .expect("StartSession");
        let id = out.session_id().expect("id").to_string();
        assert!(id.starts_with("sim-admin-"), "{id}");
        ids.push(id);
    }
    let pages: Vec<_> = c
        .describe_sessions()
        .state(SessionState::Active)
        .max_results(2)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("paginated DescribeSessions");
    let listed: Vec<String> = pages
        .iter()
        .map(|s| s.session_id().unwrap_or_default().to_string())
        .collect();
    let mut newest_first = ids.clone();
    newest_first.reverse();
    assert_eq!(listed, newest_first);
    let first = &pages[0];
    assert_eq!(first.target(), Some(online.as_str()));
    assert_eq!(first.status(), Some(&SessionStatus::Connecting));
    assert_eq!(first.document_name(), Some("SSM-SessionManagerRunShell"));
    assert_eq!(first.reason(), Some("three"));
    assert!(
        first
            .owner()
            .is_some_and(|o| o.starts_with("arn:aws:iam::"))
    );
    assert!(first.start_date().is_some() && first.end_date().is_none());

    let after = c
        .describe_sessions()
        .state(SessionState::Active)
        .filters(
            SessionFilter::builder()
                .key(SessionFilterKey::InvokedAfter)
                .value("2099-01-01T00:00:00Z")
                .build()
                .expect("filter"),
        )
        .send()
        .await
        .expect("InvokedAfter filter");
    assert!(after.sessions().is_empty());

    c.terminate_session()
        .session_id(&ids[0])
        .send()
        .await
        .expect("terminate a session never connected");
    let history = c
        .describe_sessions()
        .state(SessionState::History)
        .send()
        .await
        .expect("history");
    assert_eq!(history.sessions().len(), 1);
    assert_eq!(
        history.sessions()[0].status(),
        Some(&SessionStatus::Terminated)
    );
    assert!(history.sessions()[0].end_date().is_some());
    h.shutdown().await;
}
