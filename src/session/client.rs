//! The client side of a Session Manager session: one tokio task per session that calls
//! StartSession, owns the WebSocket (§15: every write goes through it), drives a
//! [`Channel`] in the [`Role::Client`] role, and talks to the app through
//! [`SessionEvent`]s and [`SessionCommand`]s. Nothing here blocks the caller.
//!
//! Lifecycle, as reported to the app:
//!
//! * `State(Connecting)`, then `Started { session_id }` once StartSession answered.
//! * `State(Live)` when the session starts (first Output, or HandshakeComplete) and again
//!   after every successful reconnection.
//! * `Output` for terminal bytes (stdout and stderr, merged per batch); `Listening` for
//!   a port forward's local address.
//! * A socket that fails or closes without `channel_closed` gives
//!   `State(Reconnecting { attempt })`: ResumeSession, redial the original StreamUrl,
//!   resend everything unacknowledged (§11). After [`MAX_RECONNECT_ATTEMPTS`] failures the
//!   session is terminated and closed.
//! * `State(Closed { reason })` last, exactly once: the agent's `channel_closed` text,
//!   "closed by user" after [`SessionCommand::Close`], or what went wrong.
//!
//! The session token is handed only to the OpenDataChannelInput frame; it is never
//! logged or stored beyond the current connection attempt.

use std::collections::HashMap;
use std::future::Future;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use futures_util::{SinkExt, StreamExt};
use rand::Rng;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use uuid::Uuid;

use crate::aws::{AwsError, Connector, SessionClient, SessionToken, StartedSession};

use super::api::{
    SessionCommand, SessionEvent, SessionHandle, SessionId, SessionKind, SessionState,
    SessionTarget,
};
use super::channel::{Channel, Event, Role, State};
use super::messages::{
    CLIENT_VERSION, Flag, HandshakeRequest, HandshakeResponse, OpenDataChannelInput,
    SHELL_SESSION_TYPES, Size, parse_exit_code,
};
use super::portfwd::{LocalEvent, PortForwarder};
use super::recording::{Recorder, RecordingOptions};

/// WebSocket pings: one on open, then this often (§3.4 allows more often than 5 min).
pub const PING_INTERVAL: Duration = Duration::from_secs(60);
/// Reconnection attempts after a lost socket before giving up (§11).
pub const MAX_RECONNECT_ATTEMPTS: u32 = 5;
/// Dial plus WebSocket handshake.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// How long the agent may stay away (`pause_publication`) before the session is ended.
const PAUSE_LIMIT: Duration = Duration::from_secs(300);
/// ClientVersion reported in port sessions: below 1.1.70 keeps the agent in basic mode
/// (§12, §13), which is what [`PortForwarder`] speaks.
pub const PORT_CLIENT_VERSION: &str = "1.1.61.0";
/// Local reads of a port forward pause while this many messages are unacknowledged.
const PORT_IN_FLIGHT: usize = 2_000;
/// Time allowed for the last frames and the close handshake when closing.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

const KMS_REASON: &str = "this account's Session Manager preferences require KMS \
                          encryption, which ssm-cockpit does not support";

type WsStream = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// What a session is: its id, the node, the kind, the terminal's size and where its
/// events go.
pub struct SessionSpec {
    pub id: SessionId,
    pub target: SessionTarget,
    pub kind: SessionKind,
    /// The initial terminal size, columns × rows (ignored by port forwards).
    pub size: (u16, u16),
    /// Events, tagged with `id`; a full channel slows the session down, a closed one
    /// ends it.
    pub events: mpsc::Sender<(SessionId, SessionEvent)>,
    /// Records a shell session in asciicast v2.
    pub recording: Option<RecordingOptions>,
}

/// Opens `spec` and runs it in a new task on the current tokio runtime. `client` must be
/// for the target's scope.
pub fn spawn(client: SessionClient, spec: SessionSpec) -> SessionHandle {
    spawn_with_api(ClientSource::Ready(client), spec)
}

/// Like [`spawn`], but makes the [`SessionClient`] inside the task from `connector`
/// (assuming `role_name` in the target's account when it is not the caller's), so the
/// caller needs no `.await`.
pub fn spawn_with_connector(
    connector: Connector,
    role_name: String,
    spec: SessionSpec,
) -> SessionHandle {
    spawn_with_api(
        ClientSource::Connect {
            connector: Box::new(connector),
            role_name,
        },
        spec,
    )
}

fn spawn_with_api<S: ApiSource>(source: S, spec: SessionSpec) -> SessionHandle {
    let (tx, rx) = mpsc::unbounded_channel();
    let handle = SessionHandle::new(spec.id, spec.target.clone(), spec.kind.clone(), tx);
    let session = Session::new(spec);
    tokio::spawn(session.run(source, rx));
    handle
}

// ---- the AWS calls, behind a seam for tests ---------------------------------------------

/// The three Session Manager API calls a session needs.
trait Api: Send + Sync + 'static {
    fn start(
        &self,
        target: String,
        document: Option<String>,
        parameters: HashMap<String, Vec<String>>,
    ) -> impl Future<Output = Result<StartedSession, AwsError>> + Send;
    fn resume(
        &self,
        session_id: String,
    ) -> impl Future<Output = Result<Option<(SessionToken, String)>, AwsError>> + Send;
    fn terminate(&self, session_id: String) -> impl Future<Output = Result<(), AwsError>> + Send;
}

impl Api for SessionClient {
    async fn start(
        &self,
        target: String,
        document: Option<String>,
        parameters: HashMap<String, Vec<String>>,
    ) -> Result<StartedSession, AwsError> {
        self.start_session(&target, document.as_deref(), parameters, None)
            .await
    }

    async fn resume(&self, session_id: String) -> Result<Option<(SessionToken, String)>, AwsError> {
        self.resume_session(&session_id).await
    }

    async fn terminate(&self, session_id: String) -> Result<(), AwsError> {
        self.terminate_session(&session_id).await
    }
}

/// Where the task gets its [`Api`] from.
trait ApiSource: Send + 'static {
    type Api: Api + Clone;
    fn resolve(self, target: &SessionTarget) -> impl Future<Output = Self::Api> + Send;
}

enum ClientSource {
    Ready(SessionClient),
    Connect {
        connector: Box<Connector>,
        role_name: String,
    },
}

impl ApiSource for ClientSource {
    type Api = SessionClient;

    async fn resolve(self, target: &SessionTarget) -> SessionClient {
        match self {
            ClientSource::Ready(c) => c,
            ClientSource::Connect {
                connector,
                role_name,
            } => {
                connector
                    .session_client(&target.scope.account.id, &target.scope.region, &role_name)
                    .await
            }
        }
    }
}

/// Document and parameters of StartSession for `kind` (§2, §12).
fn start_request(
    kind: &SessionKind,
    local_port: u16,
) -> (Option<String>, HashMap<String, Vec<String>>) {
    match kind {
        SessionKind::Shell => (None, HashMap::new()),
        SessionKind::PortForward {
            remote_port,
            remote_host,
            ..
        } => {
            let mut params = HashMap::new();
            params.insert("portNumber".to_string(), vec![remote_port.to_string()]);
            params.insert("localPortNumber".to_string(), vec![local_port.to_string()]);
            let document = match remote_host {
                Some(host) => {
                    params.insert("host".to_string(), vec![host.clone()]);
                    "AWS-StartPortForwardingSessionToRemoteHost"
                }
                None => "AWS-StartPortForwardingSession",
            };
            (Some(document.to_string()), params)
        }
    }
}

/// Delay before reconnection `attempt` (1-based): 200–399 ms, tripled each time; the
/// five attempts span about 35 s plus the time the calls take.
fn backoff(attempt: u32) -> Duration {
    let base = rand::rng().random_range(200..400u64);
    Duration::from_millis(base.saturating_mul(3u64.saturating_pow(attempt.saturating_sub(1))))
}

// ---- the session task ------------------------------------------------------------------

/// How a connected period ended.
enum Stop {
    /// The session is over; the reason is for the tab.
    Closed(String),
    /// The socket failed; reconnect.
    Lost(String),
}

struct Session {
    id: SessionId,
    target: SessionTarget,
    kind: SessionKind,
    size: (u16, u16),
    events: mpsc::Sender<(SessionId, SessionEvent)>,
    recording: Option<RecordingOptions>,
    recorder: Option<Recorder>,
    channel: Channel,
    client_id: Uuid,
    aws_session_id: String,
    pending_input: Vec<u8>,
    port: Option<PortForwarder>,
    live: bool,
    ui_gone: bool,
    /// Frames read from any socket, to tell a working link from one closed at once.
    frames_received: u64,
    /// Set when the handshake declined something the agent requires.
    handshake_failure: Option<String>,
    exit_code: Option<i32>,
}

impl Session {
    fn new(spec: SessionSpec) -> Session {
        let SessionSpec {
            id,
            target,
            kind,
            size,
            events,
            recording,
        } = spec;
        Session {
            id,
            target,
            kind,
            size,
            events,
            recording,
            recorder: None,
            channel: Channel::new(Role::Client, Instant::now()),
            client_id: Uuid::new_v4(),
            aws_session_id: String::new(),
            pending_input: Vec::new(),
            port: None,
            live: false,
            ui_gone: false,
            frames_received: 0,
            handshake_failure: None,
            exit_code: None,
        }
    }

    fn is_shell(&self) -> bool {
        matches!(self.kind, SessionKind::Shell)
    }

    async fn emit(&mut self, event: SessionEvent) {
        if self.events.send((self.id, event)).await.is_err() {
            self.ui_gone = true;
        }
    }

    async fn run<S: ApiSource>(
        mut self,
        source: S,
        mut commands: mpsc::UnboundedReceiver<SessionCommand>,
    ) {
        self.emit(SessionEvent::State(SessionState::Connecting))
            .await;
        let api = source.resolve(&self.target).await;
        let mut reason = self.run_session(&api, &mut commands).await;
        if let Some(code) = self.exit_code {
            reason = format!("{reason} (exit code {code})");
        }
        self.channel.close();
        if let Some(rec) = self.recorder.take() {
            let _ = tokio::task::spawn_blocking(move || rec.finish()).await;
        }
        tracing::info!(session = self.id, aws_session = %self.aws_session_id, %reason, "session closed");
        self.emit(SessionEvent::State(SessionState::Closed { reason }))
            .await;
    }

    /// Everything between Connecting and Closed; returns the close reason.
    async fn run_session<A: Api + Clone>(
        &mut self,
        api: &A,
        commands: &mut mpsc::UnboundedReceiver<SessionCommand>,
    ) -> String {
        let mut local_port = 0;
        if let SessionKind::PortForward { local_port: p, .. } = self.kind {
            match PortForwarder::bind(p).await {
                Ok(fwd) => {
                    local_port = fwd.local_addr().map(|a| a.port()).unwrap_or(p);
                    self.port = Some(fwd);
                }
                Err(e) => return format!("could not listen on 127.0.0.1:{p}: {e}"),
            }
        } else {
            let (cols, rows) = self.size;
            let _ = self.channel.send_size(Size {
                cols: u32::from(cols),
                rows: u32::from(rows),
            });
        }

        let (document, parameters) = start_request(&self.kind, local_port);
        let start = api.start(self.target.instance_id.clone(), document, parameters);
        let (started, close_requested) = self.await_with_commands(start, commands, true).await;
        let started = match started {
            Some(Ok(s)) => s,
            Some(Err(e)) => return format!("could not start the session: {e}"),
            None => return "closed by user".to_string(),
        };
        let StartedSession {
            session_id,
            stream_url,
            token,
        } = started;
        self.aws_session_id = session_id.clone();
        tracing::info!(session = self.id, aws_session = %session_id, target = %self.target.instance_id, "session started");
        self.emit(SessionEvent::Started { session_id }).await;
        if close_requested || self.ui_gone {
            self.terminate(api).await;
            return "closed by user".to_string();
        }
        self.start_recording().await;

        let mut token = Some(token);
        let mut last_error = String::new();
        let mut attempt = 0u32;
        loop {
            if let Some(t) = token.take() {
                let dial = connect_ws(stream_url.clone());
                match self.await_with_commands(dial, commands, false).await.0 {
                    None => {
                        self.terminate(api).await;
                        return "closed by user".to_string();
                    }
                    Some(Ok(ws)) => {
                        let frames_before = self.frames_received;
                        let stop = self.connected(ws, &t, api, commands).await;
                        if self.frames_received > frames_before {
                            // The link worked: a later loss starts a fresh series.
                            attempt = 0;
                        }
                        match stop {
                            Stop::Closed(reason) => return reason,
                            Stop::Lost(e) => {
                                tracing::warn!(session = self.id, error = %e, "session socket lost");
                                last_error = e;
                            }
                        }
                    }
                    Some(Err(e)) => {
                        tracing::warn!(session = self.id, error = %e, "session socket did not open");
                        last_error = e;
                    }
                }
            }
            if let Some(reason) = self.handshake_failure.clone() {
                return reason;
            }
            attempt += 1;
            if attempt > MAX_RECONNECT_ATTEMPTS {
                self.terminate(api).await;
                return format!(
                    "connection lost ({last_error}); gave up after {MAX_RECONNECT_ATTEMPTS} \
                     reconnection attempts"
                );
            }
            self.emit(SessionEvent::State(SessionState::Reconnecting { attempt }))
                .await;
            let wait = tokio::time::sleep(backoff(attempt));
            if self
                .await_with_commands(wait, commands, false)
                .await
                .0
                .is_none()
            {
                self.terminate(api).await;
                return "closed by user".to_string();
            }
            let resume = api.resume(self.aws_session_id.clone());
            match self.await_with_commands(resume, commands, false).await.0 {
                None => {
                    self.terminate(api).await;
                    return "closed by user".to_string();
                }
                Some(Ok(Some((t, _url)))) => token = Some(t),
                Some(Ok(None)) => {
                    return format!("the session ended while disconnected ({last_error})");
                }
                Some(Err(e)) => {
                    tracing::warn!(session = self.id, error = %e, "ResumeSession failed");
                    last_error = e.to_string();
                }
            }
        }
    }

    /// Awaits `fut` while taking commands. Returns `(None, _)` when Close arrived (or the
    /// app went away) and `finish_on_close` is false; otherwise the output and whether a
    /// Close arrived meanwhile.
    async fn await_with_commands<F: Future>(
        &mut self,
        fut: F,
        commands: &mut mpsc::UnboundedReceiver<SessionCommand>,
        finish_on_close: bool,
    ) -> (Option<F::Output>, bool) {
        let mut fut = std::pin::pin!(fut);
        let mut close = false;
        loop {
            tokio::select! {
                out = &mut fut => return (Some(out), close),
                cmd = commands.recv(), if !close => {
                    if self.apply_command(cmd) {
                        close = true;
                        if !finish_on_close {
                            return (None, true);
                        }
                    }
                }
            }
        }
    }

    /// Applies Input and Resize; true when the session should close.
    fn apply_command(&mut self, cmd: Option<SessionCommand>) -> bool {
        match cmd {
            None | Some(SessionCommand::Close) => true,
            Some(SessionCommand::Input(data)) => {
                if self.is_shell() {
                    self.pending_input.extend_from_slice(&data);
                    self.feed_input();
                }
                false
            }
            Some(SessionCommand::Resize { cols, rows }) => {
                if self.is_shell() && (cols, rows) != self.size && cols > 0 && rows > 0 {
                    self.size = (cols, rows);
                    let _ = self.channel.send_size(Size {
                        cols: u32::from(cols),
                        rows: u32::from(rows),
                    });
                    if let Some(rec) = &self.recorder {
                        rec.resize(cols, rows);
                    }
                }
                false
            }
        }
    }

    /// Moves pending keystrokes into the channel as far as its buffer allows.
    fn feed_input(&mut self) {
        while !self.pending_input.is_empty() {
            let free = self.channel.send_capacity();
            if free < 2 {
                return;
            }
            let n = self.pending_input.len().min((free - 1) * 1000);
            match self.channel.send_data(&self.pending_input[..n]) {
                Ok(()) => {
                    self.pending_input.drain(..n);
                }
                Err(super::ChannelError::Backpressure { .. }) => return,
                Err(e) => {
                    tracing::debug!(session = self.id, error = %e, "input dropped");
                    self.pending_input.clear();
                    return;
                }
            }
        }
    }

    async fn start_recording(&mut self) {
        let Some(options) = self.recording.clone() else {
            return;
        };
        if !self.is_shell() {
            return;
        }
        let node = if self.target.name.is_empty() {
            self.target.instance_id.clone()
        } else {
            format!("{}-{}", self.target.name, self.target.instance_id)
        };
        let title = if self.target.name.is_empty() {
            self.target.instance_id.clone()
        } else {
            format!("{} ({})", self.target.name, self.target.instance_id)
        };
        let (cols, rows) = self.size;
        let made = tokio::task::spawn_blocking(move || {
            Recorder::create(&options, &node, &title, cols, rows)
        })
        .await;
        match made {
            Ok(Ok(rec)) => {
                tracing::info!(session = self.id, path = %rec.path().display(), "recording");
                self.recorder = Some(rec);
            }
            Ok(Err(e)) => {
                tracing::warn!(session = self.id, error = %e, "recording failed to start");
                let note = format!("\r\n[ssm-cockpit: recording disabled: {e}]\r\n");
                self.emit(SessionEvent::Output(Bytes::from(note))).await;
            }
            Err(e) => tracing::warn!(session = self.id, error = %e, "recording task failed"),
        }
    }

    async fn terminate<A: Api>(&self, api: &A) {
        if self.aws_session_id.is_empty() {
            return;
        }
        if let Err(e) = api.terminate(self.aws_session_id.clone()).await {
            tracing::warn!(session = self.id, error = %e, "TerminateSession failed");
        }
    }

    /// One connected period: from OpenDataChannelInput until the socket fails or the
    /// session ends.
    async fn connected<A: Api>(
        &mut self,
        ws: WsStream,
        token: &SessionToken,
        api: &A,
        commands: &mut mpsc::UnboundedReceiver<SessionCommand>,
    ) -> Stop {
        let (mut sink, mut stream) = ws.split();
        let open = OpenDataChannelInput::new(token.expose(), self.client_id, CLIENT_VERSION);
        if let Err(e) = sink.send(Message::text(open.to_json())).await {
            return Stop::Lost(format!("sending OpenDataChannelInput: {e}"));
        }
        drop(open);
        self.channel.reconnected(Instant::now());
        if self.live {
            self.emit(SessionEvent::State(SessionState::Live)).await;
        }
        let mut ping = tokio::time::interval(PING_INTERVAL);
        ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);

        loop {
            if self.ui_gone {
                return self.close_by_user(&mut sink, api).await;
            }
            let now = Instant::now();
            self.channel.handle_timeout(now);
            self.feed_input();
            if let Err(e) = transmit(&mut self.channel, &mut sink, now).await {
                return Stop::Lost(e);
            }
            if let Some(stop) = self.handle_events(api).await {
                if matches!(stop, Stop::Closed(_)) {
                    let _ = tokio::time::timeout(CLOSE_GRACE, sink.close()).await;
                }
                return stop;
            }
            let deadline = self
                .channel
                .poll_timeout()
                .map(tokio::time::Instant::from_std);
            let can_read_local =
                self.channel.unacknowledged() < PORT_IN_FLIGHT && self.channel.send_capacity() > 1;
            let has_port = self.port.is_some();
            tokio::select! {
                msg = stream.next() => match msg {
                    Some(Ok(Message::Binary(b))) => self.on_frame(&b),
                    Some(Ok(Message::Text(t))) => self.on_frame(t.as_bytes()),
                    Some(Ok(Message::Close(_))) | None => {
                        return self.lost("the socket was closed");
                    }
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return self.lost(&format!("socket read failed: {e}")),
                },
                cmd = commands.recv() => {
                    if self.apply_command(cmd) {
                        return self.close_by_user(&mut sink, api).await;
                    }
                }
                () = sleep_until(deadline), if deadline.is_some() => {}
                _ = ping.tick() => {
                    if let Err(e) = sink.send(Message::Ping(Bytes::from_static(b"keepalive"))).await {
                        return Stop::Lost(format!("ping failed: {e}"));
                    }
                    if self.channel.paused_since().is_some_and(|t| t.elapsed() > PAUSE_LIMIT) {
                        self.terminate(api).await;
                        return Stop::Closed("the agent has been unreachable for 5 minutes".into());
                    }
                }
                ev = next_local(&mut self.port, can_read_local), if has_port => {
                    self.on_local(ev);
                }
            }
        }
    }

    fn on_frame(&mut self, bytes: &[u8]) {
        self.frames_received += 1;
        if let Err(e) = self.channel.handle_frame(bytes, Instant::now()) {
            tracing::debug!(session = self.id, error = %e, "frame dropped");
        }
    }

    /// A socket that failed: reconnect unless the session is already over.
    fn lost(&self, what: &str) -> Stop {
        if let Some(reason) = &self.handshake_failure {
            return Stop::Closed(reason.clone());
        }
        match self.channel.state() {
            State::Open => Stop::Lost(what.to_string()),
            State::Closed | State::Failed => Stop::Closed(what.to_string()),
        }
    }

    fn on_local(&mut self, event: LocalEvent) {
        match event {
            LocalEvent::Accepted(peer) => {
                tracing::debug!(session = self.id, %peer, "port forward: local connection");
            }
            LocalEvent::Data(data) => {
                if let Err(e) = self.channel.send_data(&data) {
                    tracing::warn!(session = self.id, error = %e, "port forward: data dropped");
                }
            }
            LocalEvent::Closed => {
                tracing::debug!(session = self.id, "port forward: local connection closed");
                let _ = self.channel.send_flag(Flag::DisconnectToPort);
            }
        }
    }

    /// Close command: Flag TerminateSession (port sessions), TerminateSession API, close
    /// the socket.
    async fn close_by_user<A: Api>(
        &mut self,
        sink: &mut futures_util::stream::SplitSink<WsStream, Message>,
        api: &A,
    ) -> Stop {
        if self.port.is_some() && self.channel.send_flag(Flag::TerminateSession).is_ok() {
            let until = Instant::now() + CLOSE_GRACE;
            loop {
                let now = Instant::now();
                if transmit(&mut self.channel, sink, now).await.is_err() {
                    break;
                }
                if self.channel.unacknowledged() == 0 || now >= until {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        }
        self.channel.close();
        self.terminate(api).await;
        let _ = tokio::time::timeout(CLOSE_GRACE, sink.close()).await;
        Stop::Closed("closed by user".to_string())
    }

    /// Acts on every channel event; `Some` when the session is over.
    async fn handle_events<A: Api>(&mut self, api: &A) -> Option<Stop> {
        let mut output = BytesMut::new();
        let mut stop = None;
        while let Some(event) = self.channel.poll_event() {
            match event {
                Event::SessionStarted => {
                    if !self.live {
                        self.live = true;
                        self.flush_output(&mut output).await;
                        self.emit(SessionEvent::State(SessionState::Live)).await;
                        if let Some(addr) = self.port.as_ref().and_then(|p| p.local_addr().ok()) {
                            self.emit(SessionEvent::Listening(addr)).await;
                        }
                    }
                }
                Event::Output(data) | Event::StdErr(data) => match self.port.as_mut() {
                    Some(port) => {
                        if port.write(&data).await.is_err() {
                            let _ = self.channel.send_flag(Flag::DisconnectToPort);
                        }
                    }
                    None => output.extend_from_slice(&data),
                },
                Event::ExitCode(data) => self.exit_code = parse_exit_code(&data),
                Event::HandshakeRequest(request) => self.answer_handshake(&request),
                Event::HandshakeComplete(done) => {
                    if self.is_shell() && !done.customer_message.is_empty() {
                        output.extend_from_slice(done.customer_message.as_bytes());
                        output.extend_from_slice(b"\r\n");
                    } else if !done.customer_message.is_empty() {
                        tracing::info!(session = self.id, message = %done.customer_message, "agent message");
                    }
                }
                Event::Flag(flag) => {
                    tracing::debug!(session = self.id, flag = flag.to_u32(), "flag from agent");
                    if flag == Flag::ConnectToPortError
                        && let Some(port) = self.port.as_mut()
                    {
                        port.detach();
                    }
                }
                Event::Paused => tracing::info!(session = self.id, "agent disconnected (paused)"),
                Event::Resumed => tracing::info!(session = self.id, "agent back (resumed)"),
                Event::ChannelClosed(closed) => {
                    let reason = match &self.handshake_failure {
                        Some(r) => r.clone(),
                        None if closed.output.trim().is_empty() => closed.user_message(),
                        None => closed.output.trim().to_string(),
                    };
                    stop = Some(Stop::Closed(reason));
                    break;
                }
                Event::DeliveryTimeout { sequence_number } => {
                    tracing::warn!(session = self.id, sequence_number, "delivery timed out");
                    self.flush_output(&mut output).await;
                    self.terminate(api).await;
                    return Some(Stop::Closed(
                        "the agent stopped acknowledging data for 5 minutes; session terminated"
                            .to_string(),
                    ));
                }
                other => tracing::debug!(session = self.id, event = ?event_name(&other), "ignored"),
            }
        }
        self.flush_output(&mut output).await;
        stop
    }

    async fn flush_output(&mut self, output: &mut BytesMut) {
        if output.is_empty() {
            return;
        }
        let data = output.split().freeze();
        if let Some(rec) = &self.recorder {
            rec.output(&data);
        }
        self.emit(SessionEvent::Output(data)).await;
    }

    /// HandshakeResponse (§7.3): the session type if this kind handles it; KMS and
    /// unknown actions declined (V8), which ends the session with a clear reason.
    fn answer_handshake(&mut self, request: &HandshakeRequest) {
        let (version, supported): (&str, &[&str]) = if self.is_shell() {
            (CLIENT_VERSION, SHELL_SESSION_TYPES)
        } else {
            (PORT_CLIENT_VERSION, &["Port"])
        };
        let response = HandshakeResponse::answer(request, version, supported);
        if request.requests_kms() {
            self.handshake_failure = Some(KMS_REASON.to_string());
        } else if !response.is_success() {
            let errors = response.errors.clone().unwrap_or_default().join("; ");
            self.handshake_failure = Some(format!("the handshake failed: {errors}"));
        }
        if let Some(reason) = &self.handshake_failure {
            tracing::warn!(session = self.id, %reason, "declining the handshake");
        }
        if let Err(e) = self.channel.send_handshake_response(&response) {
            tracing::warn!(session = self.id, error = %e, "HandshakeResponse not sent");
        }
    }
}

fn event_name(event: &Event) -> &'static str {
    match event {
        Event::EncChallengeRequest(_) => "EncChallengeRequest",
        Event::HandshakeResponse(_) => "HandshakeResponse",
        Event::EncChallengeResponse(_) => "EncChallengeResponse",
        Event::Size(_) => "Size",
        Event::Other { .. } => "Other",
        Event::Malformed { .. } => "Malformed",
        _ => "event",
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

async fn next_local(port: &mut Option<PortForwarder>, can_read: bool) -> LocalEvent {
    match port.as_mut() {
        Some(p) => p.next(can_read).await,
        None => std::future::pending().await,
    }
}

/// Writes every frame the channel has ready.
async fn transmit(
    channel: &mut Channel,
    sink: &mut futures_util::stream::SplitSink<WsStream, Message>,
    now: Instant,
) -> Result<(), String> {
    let mut wrote = false;
    while let Some(frame) = channel.poll_transmit(now) {
        sink.feed(Message::Binary(frame))
            .await
            .map_err(|e| format!("socket write failed: {e}"))?;
        wrote = true;
    }
    if wrote {
        sink.flush()
            .await
            .map_err(|e| format!("socket write failed: {e}"))?;
    }
    Ok(())
}

// ---- dialing ---------------------------------------------------------------------------

/// Dials `url` (directly, or through `HTTPS_PROXY`/`HTTP_PROXY` with CONNECT) and does
/// the WebSocket handshake with no extra headers (§3.1).
async fn connect_ws(url: String) -> Result<WsStream, String> {
    tokio::time::timeout(CONNECT_TIMEOUT, connect_ws_inner(url))
        .await
        .unwrap_or_else(|_| Err("timed out opening the session socket".to_string()))
}

async fn connect_ws_inner(url: String) -> Result<WsStream, String> {
    let request = url
        .as_str()
        .into_client_request()
        .map_err(|e| format!("bad StreamUrl: {e}"))?;
    let uri = request.uri();
    let secure = match uri.scheme_str() {
        Some("wss") => true,
        Some("ws") => false,
        other => return Err(format!("bad StreamUrl scheme {other:?}")),
    };
    let host = uri
        .host()
        .ok_or_else(|| "StreamUrl has no host".to_string())?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = uri.port_u16().unwrap_or(if secure { 443 } else { 80 });
    let proxy = proxy_for(secure, &host, |name| std::env::var(name).ok());
    let tcp = match proxy {
        Some((proxy_host, proxy_port)) => {
            let mut tcp = TcpStream::connect((proxy_host.as_str(), proxy_port))
                .await
                .map_err(|e| format!("connecting to proxy {proxy_host}:{proxy_port}: {e}"))?;
            http_connect(&mut tcp, &host, port).await?;
            tcp
        }
        None => TcpStream::connect((host.as_str(), port))
            .await
            .map_err(|e| format!("connecting to {host}:{port}: {e}"))?,
    };
    let _ = tcp.set_nodelay(true);
    let (ws, _response) = tokio_tungstenite::client_async_tls_with_config(request, tcp, None, None)
        .await
        .map_err(|e| format!("WebSocket handshake: {e}"))?;
    Ok(ws)
}

/// The proxy (host, port) for a connection to `host`, from `HTTPS_PROXY` (wss) or
/// `HTTP_PROXY` (ws), either case, unless `NO_PROXY` or loopback says direct.
fn proxy_for(
    secure: bool,
    host: &str,
    env: impl Fn(&str) -> Option<String>,
) -> Option<(String, u16)> {
    let host = host.to_ascii_lowercase();
    if host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
    {
        return None;
    }
    let names: &[&str] = if secure {
        &["HTTPS_PROXY", "https_proxy"]
    } else {
        &["HTTP_PROXY", "http_proxy"]
    };
    let proxy = names
        .iter()
        .find_map(|n| env(n).filter(|v| !v.trim().is_empty()))?;
    let no_proxy = env("NO_PROXY")
        .or_else(|| env("no_proxy"))
        .unwrap_or_default();
    for entry in no_proxy.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let entry = entry.to_ascii_lowercase();
        if entry == "*" {
            return None;
        }
        let bare = entry.trim_start_matches("*.").trim_start_matches('.');
        if host == bare || host.ends_with(&format!(".{bare}")) {
            return None;
        }
    }
    let rest = proxy.trim().strip_prefix("http://").unwrap_or(proxy.trim());
    let authority = rest.split('/').next().unwrap_or(rest);
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let (h, p) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') => {
            (h.to_string(), p.parse().ok()?)
        }
        _ => (authority.to_string(), 80),
    };
    let h = h.trim_start_matches('[').trim_end_matches(']').to_string();
    (!h.is_empty()).then_some((h, p))
}

/// HTTP CONNECT through a proxy; reads exactly the response head.
async fn http_connect(tcp: &mut TcpStream, host: &str, port: u16) -> Result<(), String> {
    let target = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let request = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n");
    tcp.write_all(request.as_bytes())
        .await
        .map_err(|e| format!("proxy CONNECT: {e}"))?;
    let mut head = Vec::with_capacity(256);
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 8192 {
            return Err("proxy CONNECT: response head too long".to_string());
        }
        let n = tcp
            .read(&mut byte)
            .await
            .map_err(|e| format!("proxy CONNECT: {e}"))?;
        if n == 0 {
            return Err("proxy CONNECT: the proxy closed the connection".to_string());
        }
        head.push(byte[0]);
    }
    connect_status_ok(&head)
}

fn connect_status_ok(head: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(head);
    let status_line = text.lines().next().unwrap_or_default();
    let code = status_line.split_whitespace().nth(1).unwrap_or_default();
    if status_line.starts_with("HTTP/1.") && code.len() == 3 && code.starts_with('2') {
        Ok(())
    } else {
        Err(format!("proxy CONNECT refused: {status_line}"))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::{Arc, Mutex};

    use serde_json::json;
    use tokio::net::TcpListener;
    use tokio_tungstenite::accept_async;

    use super::*;
    use crate::model::{Account, Scope};
    use crate::session::frame::{Frame, MessageType, PayloadType};

    // ---- a fake SSM API and a fake agent on a real WebSocket ---------------------------

    #[derive(Clone)]
    struct FakeApi {
        url: String,
        resumes: Arc<AtomicU32>,
        terminated: Arc<Mutex<Vec<String>>>,
        gone: bool,
    }

    impl Api for FakeApi {
        async fn start(
            &self,
            _target: String,
            document: Option<String>,
            parameters: HashMap<String, Vec<String>>,
        ) -> Result<StartedSession, AwsError> {
            if let Some(doc) = document {
                assert_eq!(doc, "AWS-StartPortForwardingSession");
                assert!(parameters.contains_key("portNumber"));
                assert_ne!(parameters["localPortNumber"], vec!["0".to_string()]);
            }
            Ok(StartedSession {
                session_id: "s-1".into(),
                stream_url: self.url.clone(),
                token: SessionToken::new("TOKEN-0"),
            })
        }

        async fn resume(
            &self,
            _session_id: String,
        ) -> Result<Option<(SessionToken, String)>, AwsError> {
            let n = self.resumes.fetch_add(1, Ordering::SeqCst) + 1;
            Ok((!self.gone).then(|| (SessionToken::new(format!("TOKEN-{n}")), self.url.clone())))
        }

        async fn terminate(&self, session_id: String) -> Result<(), AwsError> {
            self.terminated.lock().unwrap().push(session_id);
            Ok(())
        }
    }

    struct FakeSource(FakeApi);

    impl ApiSource for FakeSource {
        type Api = FakeApi;
        async fn resolve(self, _target: &SessionTarget) -> FakeApi {
            self.0
        }
    }

    #[derive(Clone, Default)]
    struct Script {
        /// HandshakeRequest payload; None = plain shell, prompt first.
        handshake: Option<serde_json::Value>,
        /// Drop the first socket after this many frames once `big` was asked for.
        drop_after: Option<usize>,
    }

    #[derive(Default, Debug)]
    struct AgentLog {
        tokens: Vec<String>,
        client_ids: Vec<String>,
        client_versions: Vec<String>,
        sizes: Vec<Size>,
        flags: Vec<Flag>,
        received: Vec<u8>,
    }

    const BIG_LINES: usize = 100_000;

    fn big_output() -> Vec<u8> {
        (1..=BIG_LINES)
            .map(|i| format!("{i}\r\n"))
            .collect::<String>()
            .into_bytes()
    }

    fn channel_closed_frame(output: &str) -> Bytes {
        let payload =
            json!({"MessageType": "channel_closed", "SessionId": "s-1", "Output": output});
        Frame::new(
            MessageType::ChannelClosed,
            1_700_000_000_000,
            0,
            0,
            Uuid::new_v4(),
            PayloadType::from_u32(0),
            serde_json::to_vec(&payload).unwrap(),
        )
        .encode()
        .unwrap()
    }

    async fn fake_agent(listener: TcpListener, script: Script, log: Arc<Mutex<AgentLog>>) {
        let mut ch = Channel::new(Role::Agent, Instant::now());
        let mut first = true;
        let mut drop_armed = false;
        let mut line = Vec::new();
        'accept: loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let Ok(mut ws) = accept_async(tcp).await else {
                continue;
            };
            let Some(Ok(Message::Text(open))) = ws.next().await else {
                continue;
            };
            let open: serde_json::Value = serde_json::from_str(open.as_str()).unwrap();
            {
                let mut l = log.lock().unwrap();
                l.tokens
                    .push(open["TokenValue"].as_str().unwrap_or("").to_string());
                l.client_ids
                    .push(open["ClientId"].as_str().unwrap_or("").to_string());
            }
            if first {
                first = false;
                match &script.handshake {
                    Some(req) => ch
                        .send_message(
                            PayloadType::HandshakeRequest,
                            serde_json::to_vec(req).unwrap(),
                        )
                        .unwrap(),
                    None => ch.send_data(b"$ ").unwrap(),
                }
            } else {
                ch.reconnected(Instant::now());
            }
            let mut written = 0usize;
            loop {
                let now = Instant::now();
                ch.handle_timeout(now);
                while let Some(frame) = ch.poll_transmit(now) {
                    written += 1;
                    if drop_armed && script.drop_after.is_some_and(|n| written >= n) {
                        drop_armed = false;
                        drop(ws);
                        continue 'accept;
                    }
                    if ws.send(Message::Binary(frame)).await.is_err() {
                        continue 'accept;
                    }
                }
                while let Some(ev) = ch.poll_event() {
                    match ev {
                        Event::HandshakeResponse(r) => {
                            log.lock()
                                .unwrap()
                                .client_versions
                                .push(r.client_version.clone());
                            if r.is_success() {
                                let done =
                                    json!({"HandshakeTimeToComplete": 1, "CustomerMessage": ""});
                                ch.send_message(
                                    PayloadType::HandshakeComplete,
                                    serde_json::to_vec(&done).unwrap(),
                                )
                                .unwrap();
                            } else {
                                let _ = ws
                                    .send(Message::Binary(channel_closed_frame("handshake failed")))
                                    .await;
                                return;
                            }
                        }
                        Event::Size(s) => log.lock().unwrap().sizes.push(s),
                        Event::Flag(f) => log.lock().unwrap().flags.push(f),
                        Event::Output(data) => {
                            log.lock().unwrap().received.extend_from_slice(&data);
                            if script.handshake.is_some() {
                                ch.send_data(&data).unwrap();
                                continue;
                            }
                            for &b in data.iter() {
                                line.push(b);
                                if b != b'\r' {
                                    continue;
                                }
                                let cmd = String::from_utf8_lossy(&line).trim().to_string();
                                line.clear();
                                match cmd.as_str() {
                                    "exit" => {
                                        ch.send_data(b"exit\r\n").unwrap();
                                        let now = Instant::now();
                                        while let Some(f) = ch.poll_transmit(now) {
                                            let _ = ws.send(Message::Binary(f)).await;
                                        }
                                        let _ = ws
                                            .send(Message::Binary(channel_closed_frame(
                                                "Exiting session with sessionId: s-1.",
                                            )))
                                            .await;
                                        return;
                                    }
                                    "big" => {
                                        drop_armed = true;
                                        written = 0;
                                        ch.send_data(&big_output()).unwrap();
                                    }
                                    other => {
                                        ch.send_data(format!("{other}\r\n$ ").as_bytes()).unwrap();
                                    }
                                }
                            }
                        }
                        _ => {}
                    }
                }
                let deadline = ch.poll_timeout().map(tokio::time::Instant::from_std);
                tokio::select! {
                    msg = ws.next() => match msg {
                        Some(Ok(Message::Binary(b))) => { let _ = ch.handle_frame(&b, Instant::now()); }
                        Some(Ok(Message::Close(_))) | None | Some(Err(_)) => continue 'accept,
                        Some(Ok(_)) => {}
                    },
                    () = sleep_until(deadline), if deadline.is_some() => {}
                }
            }
        }
    }

    struct Harness {
        handle: SessionHandle,
        events: mpsc::Receiver<(SessionId, SessionEvent)>,
        log: Arc<Mutex<AgentLog>>,
        api: FakeApi,
    }

    async fn harness(kind: SessionKind, script: Script, gone: bool) -> Harness {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "ws://{}/v1/data-channel/s-1?role=publish_subscribe",
            listener.local_addr().unwrap()
        );
        let log = Arc::new(Mutex::new(AgentLog::default()));
        tokio::spawn(fake_agent(listener, script, log.clone()));
        let api = FakeApi {
            url,
            resumes: Arc::default(),
            terminated: Arc::default(),
            gone,
        };
        let target = SessionTarget {
            scope: Scope {
                account: Account {
                    id: "111111111111".into(),
                    name: "dev".into(),
                },
                region: "us-east-1".into(),
            },
            instance_id: "i-0123456789abcdef0".into(),
            name: "web-1".into(),
        };
        let (tx, rx) = mpsc::channel(64);
        let handle = spawn_with_api(
            FakeSource(api.clone()),
            SessionSpec {
                id: 7,
                target,
                kind,
                size: (100, 30),
                events: tx,
                recording: None,
            },
        );
        Harness {
            handle,
            events: rx,
            log,
            api,
        }
    }

    impl Harness {
        /// Output until it contains `needle`; panics on Closed or after 20 s.
        async fn output_until(&mut self, needle: &[u8]) -> Vec<u8> {
            let mut out = Vec::new();
            // Where the needle may start that was not searched yet: each chunk is searched
            // once, with the needle's length less one of what came before it.
            let mut from = 0;
            let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
            loop {
                if out[from..].windows(needle.len()).any(|w| w == needle) {
                    break;
                }
                from = out.len().saturating_sub(needle.len().saturating_sub(1));
                let ev = tokio::time::timeout_at(deadline, self.events.recv())
                    .await
                    .expect("timed out waiting for output")
                    .expect("events closed");
                assert_eq!(ev.0, 7);
                match ev.1 {
                    SessionEvent::Output(b) => out.extend_from_slice(&b),
                    SessionEvent::State(SessionState::Closed { reason }) => {
                        panic!(
                            "closed early: {reason}; output {:?}",
                            String::from_utf8_lossy(&out)
                        )
                    }
                    _ => {}
                }
            }
            out
        }

        /// Every event until Closed; returns them and the reason.
        async fn until_closed(&mut self) -> (Vec<SessionEvent>, String) {
            let mut seen = Vec::new();
            loop {
                let ev = tokio::time::timeout(Duration::from_secs(20), self.events.recv())
                    .await
                    .expect("timed out waiting for Closed")
                    .expect("events closed");
                if let SessionEvent::State(SessionState::Closed { reason }) = &ev.1 {
                    let reason = reason.clone();
                    return (seen, reason);
                }
                seen.push(ev.1);
            }
        }

        async fn wait_for(&mut self, pred: impl Fn(&SessionEvent) -> bool) -> SessionEvent {
            loop {
                let ev = tokio::time::timeout(Duration::from_secs(20), self.events.recv())
                    .await
                    .expect("timed out")
                    .expect("events closed");
                if pred(&ev.1) {
                    return ev.1;
                }
                if let SessionEvent::State(SessionState::Closed { reason }) = &ev.1 {
                    panic!("closed early: {reason}");
                }
            }
        }
    }

    #[tokio::test]
    async fn shell_echo_resize_and_exit() {
        let mut h = harness(SessionKind::Shell, Script::default(), false).await;
        let started = h
            .wait_for(|e| matches!(e, SessionEvent::Started { .. }))
            .await;
        assert!(matches!(started, SessionEvent::Started { session_id } if session_id == "s-1"));
        h.output_until(b"$ ").await;
        h.handle.input(b"hello\r");
        h.output_until(b"hello\r\n$ ").await;
        h.handle.resize(120, 40);
        h.handle.resize(120, 40);
        h.handle.input(b"exit\r");
        let (_, reason) = h.until_closed().await;
        assert_eq!(reason, "Exiting session with sessionId: s-1.");
        let log = h.log.lock().unwrap();
        assert_eq!(log.tokens, vec!["TOKEN-0"]);
        assert_eq!(
            log.sizes,
            vec![
                Size {
                    cols: 100,
                    rows: 30
                },
                Size {
                    cols: 120,
                    rows: 40
                }
            ]
        );
        assert!(h.api.terminated.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn reconnects_and_delivers_everything_once() {
        let script = Script {
            handshake: None,
            drop_after: Some(300),
        };
        let mut h = harness(SessionKind::Shell, script, false).await;
        h.output_until(b"$ ").await;
        h.handle.input(b"big\r");
        let out = h.output_until(format!("{BIG_LINES}\r\n").as_bytes()).await;
        let start = out.windows(3).position(|w| w == b"1\r\n").unwrap();
        assert_eq!(
            &out[start..],
            &big_output()[..],
            "output complete, in order, once"
        );
        // Input after the reconnect still works.
        h.handle.input(b"again\r");
        h.output_until(b"again\r\n").await;
        let log = h.log.lock().unwrap();
        assert_eq!(log.tokens, vec!["TOKEN-0", "TOKEN-1"]);
        assert_eq!(log.client_ids.len(), 2);
        assert_eq!(
            log.client_ids[0], log.client_ids[1],
            "ClientId kept across reconnects"
        );
        assert_eq!(h.api.resumes.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn reports_reconnecting_then_live() {
        let script = Script {
            handshake: None,
            drop_after: Some(50),
        };
        let mut h = harness(SessionKind::Shell, script, false).await;
        h.wait_for(|e| matches!(e, SessionEvent::State(SessionState::Live)))
            .await;
        h.handle.input(b"big\r");
        h.wait_for(|e| {
            matches!(
                e,
                SessionEvent::State(SessionState::Reconnecting { attempt: 1 })
            )
        })
        .await;
        h.wait_for(|e| matches!(e, SessionEvent::State(SessionState::Live)))
            .await;
    }

    #[tokio::test]
    async fn session_gone_on_resume_closes() {
        let script = Script {
            handshake: None,
            drop_after: Some(10),
        };
        let mut h = harness(SessionKind::Shell, script, true).await;
        h.output_until(b"$ ").await;
        h.handle.input(b"big\r");
        let (_, reason) = h.until_closed().await;
        assert!(reason.contains("ended while disconnected"), "{reason}");
    }

    #[tokio::test]
    async fn close_terminates() {
        let mut h = harness(SessionKind::Shell, Script::default(), false).await;
        h.output_until(b"$ ").await;
        h.handle.close();
        let (_, reason) = h.until_closed().await;
        assert_eq!(reason, "closed by user");
        assert_eq!(*h.api.terminated.lock().unwrap(), vec!["s-1".to_string()]);
    }

    #[tokio::test]
    async fn kms_is_declined_with_a_clear_reason() {
        let script = Script {
            handshake: Some(json!({
                "AgentVersion": "3.3.987.0",
                "RequestedClientActions": [
                    {"ActionType": "SessionType",
                     "ActionParameters": {"SessionType": "Standard_Stream", "Properties": null}},
                    {"ActionType": "KMSEncryption",
                     "ActionParameters": {"KMSKeyId": "arn:aws:kms:us-east-1:1:key/k"}}
                ]
            })),
            drop_after: None,
        };
        let mut h = harness(SessionKind::Shell, script, false).await;
        let (_, reason) = h.until_closed().await;
        assert_eq!(reason, KMS_REASON);
        assert_eq!(h.log.lock().unwrap().client_versions, vec![CLIENT_VERSION]);
    }

    #[tokio::test]
    async fn port_forward_relays_in_basic_mode() {
        let script = Script {
            handshake: Some(json!({
                "AgentVersion": "3.3.987.0",
                "RequestedClientActions": [
                    {"ActionType": "SessionType",
                     "ActionParameters": {"SessionType": "Port",
                        "Properties": {"portNumber": "22", "type": "LocalPortForwarding"}}}
                ]
            })),
            drop_after: None,
        };
        let kind = SessionKind::PortForward {
            local_port: 0,
            remote_port: 22,
            remote_host: None,
        };
        let mut h = harness(kind, script, false).await;
        let addr = match h
            .wait_for(|e| matches!(e, SessionEvent::Listening(_)))
            .await
        {
            SessionEvent::Listening(a) => a,
            _ => unreachable!(),
        };
        let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        for _round in 0..2 {
            let conn = TcpStream::connect(addr).await.unwrap();
            let (mut r, mut w) = conn.into_split();
            let sent = data.clone();
            let writer = tokio::spawn(async move { w.write_all(&sent).await.map(|()| w) });
            let mut got = vec![0u8; data.len()];
            tokio::time::timeout(Duration::from_secs(20), r.read_exact(&mut got))
                .await
                .expect("echo in time")
                .unwrap();
            assert!(got == data, "echoed bytes intact");
            drop(writer.await.unwrap().unwrap());
            drop(r);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        h.handle.close();
        let (_, reason) = h.until_closed().await;
        assert_eq!(reason, "closed by user");
        let log = h.log.lock().unwrap();
        assert_eq!(log.client_versions, vec![PORT_CLIENT_VERSION]);
        assert!(log.sizes.is_empty(), "no Size in port sessions");
        assert_eq!(
            log.flags,
            vec![
                Flag::DisconnectToPort,
                Flag::DisconnectToPort,
                Flag::TerminateSession
            ]
        );
        assert_eq!(*h.api.terminated.lock().unwrap(), vec!["s-1".to_string()]);
    }

    #[test]
    fn start_requests() {
        assert_eq!(
            start_request(&SessionKind::Shell, 0),
            (None, HashMap::new())
        );
        let (doc, params) = start_request(
            &SessionKind::PortForward {
                local_port: 0,
                remote_port: 5432,
                remote_host: Some("db.internal".into()),
            },
            40001,
        );
        assert_eq!(
            doc.as_deref(),
            Some("AWS-StartPortForwardingSessionToRemoteHost")
        );
        assert_eq!(params["portNumber"], vec!["5432"]);
        assert_eq!(params["localPortNumber"], vec!["40001"]);
        assert_eq!(params["host"], vec!["db.internal"]);
    }

    #[test]
    fn backoff_grows_and_stays_bounded() {
        let total: Duration = (1..=MAX_RECONNECT_ATTEMPTS).map(backoff).sum();
        assert!(backoff(1) < Duration::from_millis(400));
        assert!(backoff(5) >= Duration::from_millis(200 * 81));
        assert!(total < Duration::from_secs(60), "{total:?}");
    }

    #[test]
    fn proxy_selection() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        let e = env(&[
            ("HTTPS_PROXY", "http://user:pw@proxy.corp:3128/"),
            ("NO_PROXY", "internal.corp,.example.com"),
        ]);
        assert_eq!(
            proxy_for(true, "ssmmessages.us-east-1.amazonaws.com", e),
            Some(("proxy.corp".to_string(), 3128))
        );
        assert_eq!(
            proxy_for(false, "ssmmessages.us-east-1.amazonaws.com", e),
            None
        );
        assert_eq!(proxy_for(true, "127.0.0.1", e), None);
        assert_eq!(proxy_for(true, "localhost", e), None);
        assert_eq!(proxy_for(true, "a.example.com", e), None);
        assert_eq!(proxy_for(true, "internal.corp", e), None);
        let e = env(&[("https_proxy", "proxy:8080")]);
        assert_eq!(
            proxy_for(true, "x.amazonaws.com", e),
            Some(("proxy".to_string(), 8080))
        );
        let e = env(&[("HTTPS_PROXY", "http://proxy"), ("no_proxy", "*")]);
        assert_eq!(proxy_for(true, "x.amazonaws.com", e), None);
    }

    #[test]
    fn connect_status() {
        assert!(connect_status_ok(b"HTTP/1.1 200 Connection established\r\n\r\n").is_ok());
        assert!(connect_status_ok(b"HTTP/1.0 407 Proxy Authentication Required\r\n\r\n").is_err());
        assert!(connect_status_ok(b"garbage\r\n\r\n").is_err());
    }
}
