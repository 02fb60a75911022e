//! The simulated SSM Agent of one session: owns the agent end of the data channel
//! ([`Channel`] in [`Role::Agent`]), the shell or port relay behind it, and whichever
//! WebSocket is currently attached. It outlives socket drops: a socket attached later
//! (ResumeSession) continues the same channel.
//!
//! Behaviour follows SESSION_PROTOCOL.md §7 (handshake: always for commands and ports,
//! for `Standard_Stream` only with KMS or when forced by a knob), §6.4 (input refused
//! without acknowledgement until the shell exists), §9, §10 and §12 (basic mode only).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

use crate::session::channel::{Channel, Event, Role};
use crate::session::frame::{Frame, MessageType, PayloadType};
use crate::session::messages::{
    ActionType, ChannelClosed, Flag, HandshakeComplete, HandshakeRequest, HandshakeResponse,
    RequestedClientAction,
};

use super::ctx::State;
use super::port_forward::{InputOutcome, PortEvent, PortForward};
use super::session_store::{AgentCommand, AgentSpec, AgentStart, SessionKind, Status, Ws};
use super::sessions::loopback_destination;
use super::shell::{Shell, ShellEvent, ShellSpec};
use super::wire::{SplitMix, base64_std};

const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(15);
const DRAIN_ON_EXIT: Duration = Duration::from_secs(2);
const DRAIN_ON_TERMINATE: Duration = Duration::from_millis(500);
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest a frame is held back to be swapped with the next one.
const REORDER_HOLD: Duration = Duration::from_millis(5);
/// Room (in messages) the channel must have before more output is read.
const READ_RESERVE: usize = 8;
const SSM_USER: &str = "ssm-user";
const MUX_CLIENT_VERSION: [u64; 3] = [1, 1, 70];

enum Stage {
    Handshaking {
        deadline: Instant,
        sent: Instant,
        kms: bool,
    },
    /// Handshake done (or none); the shell is being started.
    Starting,
    Running,
    /// Waiting for the client to acknowledge the last output, then `channel_closed`.
    Closing {
        deadline: Instant,
        output: String,
        status: Status,
    },
}

enum Worker {
    None,
    Shell(Shell),
    Port(PortForward),
}

struct Outgoing {
    due: Instant,
    bytes: Bytes,
    output: bool,
}

struct Agent {
    state: Arc<State>,
    spec: AgentSpec,
    channel: Channel,
    ws: Option<Ws>,
    out: VecDeque<Outgoing>,
    held: Option<(Instant, Bytes, bool)>,
    dice: SplitMix,
    stage: Stage,
    worker: Worker,
    shell_events: mpsc::Receiver<ShellEvent>,
    shell_tx: Option<mpsc::Sender<ShellEvent>>,
    port_events: mpsc::Receiver<PortEvent>,
    port_tx: mpsc::Sender<PortEvent>,
    starting: Option<JoinHandle<std::io::Result<Shell>>>,
    client_version: Option<String>,
    finished: bool,
}

/// Starts the agent [`Sessions::attach`](super::session_store::Sessions::attach) asked
/// for, and hands its task to the session registry.
pub(crate) fn start(state: &Arc<State>, start: AgentStart) {
    let AgentStart {
        spec,
        ws,
        client_version,
        commands,
        shutdown,
    } = start;
    let task = tokio::spawn(run(
        state.clone(),
        spec,
        ws,
        client_version,
        commands,
        shutdown,
    ));
    state.sessions.track(task);
}

/// Serves one session until it ends or the sim shuts down.
pub(crate) async fn run(
    state: Arc<State>,
    spec: AgentSpec,
    ws: Ws,
    client_version: Option<String>,
    mut commands: mpsc::UnboundedReceiver<AgentCommand>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut drops = state.knobs.session.subscribe_drops();
    drops.borrow_and_update();
    let mut drops_open = true;
    let mut commands_open = true;
    let mut agent = Agent::new(state, spec, ws, client_version);
    agent.begin(Instant::now());
    loop {
        agent.pump(Instant::now()).await;
        if agent.finished {
            break;
        }
        let deadline = agent.deadline();
        let read_output = agent.channel.send_capacity() >= READ_RESERVE;
        tokio::select! {
            msg = next_message(&mut agent.ws) => agent.on_message(msg).await,
            Some(ev) = agent.shell_events.recv(), if read_output => agent.on_shell(ev),
            Some(ev) = agent.port_events.recv(), if read_output => agent.on_port(ev),
            cmd = commands.recv(), if commands_open => match cmd {
                Some(AgentCommand::Attach { ws, client_version }) => agent.attach(*ws, client_version),
                Some(AgentCommand::Terminate) => agent.terminate(),
                None => commands_open = false,
            },
            res = join_starting(&mut agent.starting) => agent.shell_started(res),
            () = sleep_until(deadline) => {}
            _ = shutdown.changed() => {
                agent.shut_down().await;
                break;
            }
            res = drops.changed(), if drops_open => {
                if res.is_ok() {
                    agent.drop_socket("dropped by drop_session_sockets");
                } else {
                    drops_open = false;
                }
            }
        }
    }
}

async fn next_message(
    ws: &mut Option<Ws>,
) -> Option<Result<Message, tokio_tungstenite::tungstenite::Error>> {
    match ws {
        Some(ws) => ws.next().await,
        None => std::future::pending().await,
    }
}

async fn join_starting(
    starting: &mut Option<JoinHandle<std::io::Result<Shell>>>,
) -> std::io::Result<Shell> {
    let Some(handle) = starting.as_mut() else {
        return std::future::pending().await;
    };
    let res = handle.await;
    *starting = None;
    match res {
        Ok(r) => r,
        Err(e) => Err(std::io::Error::other(e.to_string())),
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

fn epoch_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(1, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .max(1)
}

/// Dotted version at or above `min` (missing components count as 0; junk as below).
fn version_at_least(version: &str, min: [u64; 3]) -> bool {
    let parts: Vec<u64> = version.split('.').map(|p| p.parse().unwrap_or(0)).collect();
    for (i, m) in min.iter().enumerate() {
        let v = parts.get(i).copied().unwrap_or(0);
        if v != *m {
            return v > *m;
        }
    }
    true
}

/// Input that the agent refuses (no acknowledgement) while the shell does not exist:
/// every `input_stream_data` but the handshake replies.
fn refused_before_ready(bytes: &[u8]) -> bool {
    match Frame::decode(bytes) {
        Ok(f) => {
            f.message_type == MessageType::InputStreamData
                && !matches!(
                    f.payload_type,
                    PayloadType::HandshakeResponse | PayloadType::EncChallengeResponse
                )
        }
        Err(_) => false,
    }
}

impl Agent {
    fn new(state: Arc<State>, spec: AgentSpec, ws: Ws, client_version: Option<String>) -> Agent {
        let seed = state
            .knobs
            .session
            .seed()
            .unwrap_or(state.estate.seed)
            .wrapping_add(spec.ordinal);
        let (shell_tx, shell_events) = mpsc::channel(64);
        let (port_tx, port_events) = mpsc::channel(64);
        Agent {
            channel: Channel::new(Role::Agent, Instant::now()),
            state,
            spec,
            ws: Some(ws),
            out: VecDeque::new(),
            held: None,
            dice: SplitMix::new(seed),
            stage: Stage::Starting,
            worker: Worker::None,
            shell_events,
            shell_tx: Some(shell_tx),
            port_events,
            port_tx,
            starting: None,
            client_version,
            finished: false,
        }
    }

    fn needs_handshake(&self) -> bool {
        match &self.spec.kind {
            SessionKind::Shell {
                session_type: "Standard_Stream",
                ..
            } => {
                let faults = &self.state.knobs.session;
                faults.kms() || faults.force_handshake()
            }
            _ => true,
        }
    }

    fn begin(&mut self, now: Instant) {
        if !self.needs_handshake() {
            self.start_worker();
            return;
        }
        let kms =
            matches!(self.spec.kind, SessionKind::Shell { .. }) && self.state.knobs.session.kms();
        let properties = match &self.spec.kind {
            SessionKind::Shell { command: None, .. } => Value::Null,
            SessionKind::Shell {
                command: Some(c), ..
            } => json!({ "commands": c, "runAsElevated": false }),
            SessionKind::Port {
                host,
                port,
                local_port,
            } => {
                let mut p = json!({
                    "portNumber": port.to_string(),
                    "type": "LocalPortForwarding",
                    "localPortNumber": local_port,
                });
                if let (Some(h), Some(obj)) = (host, p.as_object_mut()) {
                    obj.insert("host".into(), h.clone().into());
                }
                p
            }
        };
        let mut actions = vec![RequestedClientAction {
            action_type: ActionType::SessionType,
            action_parameters: json!({
                "SessionType": self.spec.kind.session_type(),
                "Properties": properties,
            }),
        }];
        if kms {
            let challenge: [u8; 16] = rand::random();
            actions.push(RequestedClientAction {
                action_type: ActionType::KmsEncryption,
                action_parameters: json!({
                    "KMSKeyId": format!(
                        "arn:aws:kms:{}:{}:key/{}",
                        self.spec.region,
                        self.spec.account_id,
                        Uuid::new_v4()
                    ),
                    "Challenge": base64_std(&challenge),
                }),
            });
        }
        let request = HandshakeRequest {
            agent_version: self.spec.agent_version.clone(),
            requested_client_actions: actions,
        };
        let payload = serde_json::to_vec(&request).unwrap_or_default();
        if let Err(e) = self
            .channel
            .send_message(PayloadType::HandshakeRequest, payload)
        {
            tracing::warn!(session_id = %self.spec.session_id, "handshake request: {e}");
        }
        self.stage = Stage::Handshaking {
            deadline: now + HANDSHAKE_TIMEOUT,
            sent: now,
            kms,
        };
    }

    fn start_worker(&mut self) {
        match &self.spec.kind {
            SessionKind::Shell { command, .. } => {
                self.stage = Stage::Starting;
                let Some(tx) = self.shell_tx.take() else {
                    return;
                };
                let isolation = &self.state.knobs.isolation;
                // Before anything of the shell: its first line says where it runs.
                if let Some(banner) = isolation.shell_banner()
                    && let Err(e) = self.channel.send_data(banner.as_bytes())
                {
                    tracing::debug!(session_id = %self.spec.session_id, "banner dropped: {e}");
                }
                let spec = ShellSpec {
                    session_id: self.spec.session_id.clone(),
                    user: SSM_USER.to_string(),
                    host: self.spec.computer_name.clone(),
                    command: command.clone(),
                    cols: 80,
                    rows: 24,
                    sandboxed: isolation.is_sandboxed(),
                };
                let delay = self.state.knobs.session.shell_delay();
                self.starting = Some(tokio::spawn(async move {
                    if !delay.is_zero() {
                        tokio::time::sleep(delay).await;
                    }
                    match tokio::task::spawn_blocking(move || Shell::spawn(&spec, tx)).await {
                        Ok(r) => r,
                        Err(e) => Err(std::io::Error::other(e.to_string())),
                    }
                }));
            }
            SessionKind::Port { host, port, .. } => {
                let dest = loopback_destination(host.as_deref(), *port);
                if let Err(refused) = &dest {
                    tracing::info!(
                        session_id = %self.spec.session_id,
                        "port session to {refused} refused: loopback only"
                    );
                }
                self.worker = Worker::Port(PortForward::new(dest, self.port_tx.clone()));
                self.stage = Stage::Running;
            }
        }
    }

    fn shell_started(&mut self, res: std::io::Result<Shell>) {
        match res {
            Ok(shell) => {
                if matches!(self.stage, Stage::Starting) {
                    self.worker = Worker::Shell(shell);
                    self.stage = Stage::Running;
                }
            }
            Err(e) => {
                tracing::warn!(session_id = %self.spec.session_id, "shell start: {e}");
                self.close(
                    Status::Failed,
                    format!("Unable to start the shell: {e}"),
                    DRAIN_ON_EXIT,
                );
            }
        }
    }

    /// Retransmission timer, channel events, stage deadlines, then the socket writes.
    async fn pump(&mut self, now: Instant) {
        if self.ws.is_some() {
            self.channel.handle_timeout(now);
        }
        while let Some(event) = self.channel.poll_event() {
            self.on_event(event, now);
        }
        match &self.stage {
            Stage::Handshaking { deadline, .. } if now >= *deadline => {
                self.close(
                    Status::Failed,
                    "Handshake timed out.".to_string(),
                    DRAIN_ON_TERMINATE,
                );
            }
            _ => {}
        }
        if let Stage::Closing { deadline, .. } = &self.stage
            && (now >= *deadline || self.channel.unacknowledged() == 0)
        {
            self.finish().await;
            return;
        }
        if self.ws.is_none() {
            return;
        }
        while let Some(frame) = self.channel.poll_transmit(now) {
            self.enqueue(frame, now);
        }
        if let Some((release, _, _)) = &self.held
            && now >= *release
            && let Some((_, bytes, output)) = self.held.take()
        {
            self.push(bytes, output, now);
        }
        self.write_due(now, false).await;
    }

    fn deadline(&self) -> Option<Instant> {
        let mut at: Option<Instant> = None;
        let mut consider = |t: Option<Instant>| {
            if let Some(t) = t {
                at = Some(at.map_or(t, |a| a.min(t)));
            }
        };
        if self.ws.is_some() {
            consider(self.channel.poll_timeout());
            consider(self.out.front().map(|o| o.due));
            consider(self.held.as_ref().map(|h| h.0));
        }
        match &self.stage {
            Stage::Handshaking { deadline, .. } | Stage::Closing { deadline, .. } => {
                consider(Some(*deadline));
            }
            Stage::Starting | Stage::Running => {}
        }
        at
    }

    /// Applies the reorder and duplicate faults, then queues with the delay fault.
    fn enqueue(&mut self, bytes: Bytes, now: Instant) {
        let faults = &self.state.knobs.session;
        let (reorder, duplicate) = (faults.reorder(), faults.duplicate());
        let output = bytes.get(4..22) == Some(b"output_stream_data".as_slice());
        let dup = duplicate > 0.0 && self.dice.unit() < duplicate;
        if let Some((_, held, held_output)) = self.held.take() {
            self.push(bytes.clone(), output, now);
            self.push(held, held_output, now);
        } else if reorder > 0.0 && self.dice.unit() < reorder {
            self.held = Some((now + REORDER_HOLD, bytes.clone(), output));
        } else {
            self.push(bytes.clone(), output, now);
        }
        if dup {
            self.push(bytes, output, now);
        }
    }

    fn push(&mut self, bytes: Bytes, output: bool, now: Instant) {
        let due = now + self.state.knobs.session.delay();
        self.out.push_back(Outgoing { due, bytes, output });
    }

    /// Writes every queued frame that is due (all of them with `all`).
    async fn write_due(&mut self, now: Instant, all: bool) {
        let mut wrote = false;
        while self.out.front().is_some_and(|o| all || o.due <= now) {
            let Some(o) = self.out.pop_front() else { break };
            let Some(ws) = self.ws.as_mut() else {
                self.out.clear();
                return;
            };
            let sent = tokio::time::timeout(WRITE_TIMEOUT, ws.feed(Message::Binary(o.bytes))).await;
            if !matches!(sent, Ok(Ok(()))) {
                self.drop_socket("write failed");
                return;
            }
            wrote = true;
            if o.output && self.state.knobs.session.output_frame_written() {
                let _ = tokio::time::timeout(WRITE_TIMEOUT, ws.flush()).await;
                self.drop_socket("dropped by drop_session_socket_after");
                return;
            }
        }
        if wrote {
            self.flush().await;
        }
    }

    async fn flush(&mut self) {
        if let Some(ws) = self.ws.as_mut()
            && !matches!(
                tokio::time::timeout(WRITE_TIMEOUT, ws.flush()).await,
                Ok(Ok(()))
            )
        {
            self.drop_socket("flush failed");
        }
    }

    async fn on_message(
        &mut self,
        msg: Option<Result<Message, tokio_tungstenite::tungstenite::Error>>,
    ) {
        match msg {
            Some(Ok(Message::Binary(b))) => self.on_frame(&b),
            Some(Ok(Message::Text(t))) => self.on_frame(t.as_bytes()),
            // The pong is queued by the library; get it out.
            Some(Ok(Message::Ping(_))) => self.flush().await,
            Some(Ok(Message::Pong(_) | Message::Frame(_))) => {}
            Some(Ok(Message::Close(_))) => self.drop_socket("closed by the client"),
            Some(Err(e)) => {
                tracing::debug!(session_id = %self.spec.session_id, "socket read: {e}");
                self.drop_socket("read failed");
            }
            None => self.drop_socket("closed by the client"),
        }
    }

    fn on_frame(&mut self, bytes: &[u8]) {
        if matches!(self.stage, Stage::Starting) && refused_before_ready(bytes) {
            return;
        }
        if let Err(e) = self.channel.handle_frame(bytes, Instant::now()) {
            tracing::debug!(session_id = %self.spec.session_id, "frame dropped: {e}");
        }
    }

    fn on_event(&mut self, event: Event, now: Instant) {
        match event {
            Event::HandshakeResponse(response) => self.on_handshake_response(&response, now),
            Event::Output(data) => {
                if !matches!(self.stage, Stage::Running) {
                    return;
                }
                match &mut self.worker {
                    Worker::Shell(shell) => shell.write(data.to_vec()),
                    Worker::Port(port) => {
                        if let InputOutcome::Refused(why) = port.input(data.to_vec()) {
                            tracing::info!(session_id = %self.spec.session_id, "{why}");
                            let _ = self.channel.send_flag(Flag::ConnectToPortError);
                        }
                    }
                    Worker::None => {}
                }
            }
            Event::Size(size) => {
                let non_interactive = matches!(
                    self.spec.kind,
                    SessionKind::Shell {
                        session_type: "NonInteractiveCommands",
                        ..
                    }
                );
                if let (Stage::Running, Worker::Shell(shell)) = (&self.stage, &self.worker)
                    && !non_interactive
                {
                    let cols = u16::try_from(size.cols).unwrap_or(u16::MAX);
                    let rows = u16::try_from(size.rows).unwrap_or(u16::MAX);
                    shell.resize(cols, rows);
                }
            }
            Event::Flag(flag) => {
                if let (Stage::Running, Worker::Port(port)) = (&self.stage, &mut self.worker) {
                    match flag {
                        Flag::DisconnectToPort => port.disconnect(),
                        Flag::TerminateSession => self.close(
                            Status::Terminated,
                            format!("Exiting session with sessionId: {}.", self.spec.session_id),
                            DRAIN_ON_TERMINATE,
                        ),
                        other => tracing::debug!("ignoring flag {other:?}"),
                    }
                }
            }
            Event::DeliveryTimeout { sequence_number } => {
                tracing::info!(
                    session_id = %self.spec.session_id,
                    sequence_number,
                    "output never acknowledged; session failed"
                );
                self.close(
                    Status::Failed,
                    "Delivery timed out.".to_string(),
                    Duration::ZERO,
                );
            }
            other => {
                tracing::debug!(session_id = %self.spec.session_id, "ignoring {other:?}");
            }
        }
    }

    fn on_handshake_response(&mut self, response: &HandshakeResponse, now: Instant) {
        let Stage::Handshaking { sent, kms, .. } = self.stage else {
            return;
        };
        if !response.is_success() {
            let errors = response
                .errors
                .as_ref()
                .map(|e| e.join("; "))
                .filter(|e| !e.is_empty())
                .unwrap_or_else(|| "the client did not accept the session".to_string());
            self.close(
                Status::Failed,
                format!("Handshake failed: {errors}"),
                DRAIN_ON_TERMINATE,
            );
            return;
        }
        if kms {
            self.close(
                Status::Failed,
                "KMS encryption is not supported by the simulated agent.".to_string(),
                DRAIN_ON_TERMINATE,
            );
            return;
        }
        if matches!(self.spec.kind, SessionKind::Port { .. })
            && version_at_least(&response.client_version, MUX_CLIENT_VERSION)
        {
            tracing::info!(
                session_id = %self.spec.session_id,
                client_version = %response.client_version,
                "client supports multiplexed port forwarding; the sim answers in basic mode"
            );
        }
        if let Some(v) = &self.client_version {
            tracing::debug!(session_id = %self.spec.session_id, open_data_channel_version = %v);
        }
        let complete = HandshakeComplete {
            handshake_time_to_complete: i64::try_from(
                now.saturating_duration_since(sent).as_nanos(),
            )
            .unwrap_or(i64::MAX),
            customer_message: String::new(),
        };
        let payload = serde_json::to_vec(&complete).unwrap_or_default();
        if let Err(e) = self
            .channel
            .send_message(PayloadType::HandshakeComplete, payload)
        {
            tracing::warn!(session_id = %self.spec.session_id, "handshake complete: {e}");
        }
        self.start_worker();
    }

    fn on_shell(&mut self, event: ShellEvent) {
        match event {
            ShellEvent::Output(data) => {
                if let Err(e) = self.channel.send_data(&data) {
                    tracing::debug!(session_id = %self.spec.session_id, "output dropped: {e}");
                }
            }
            ShellEvent::Exited(reason) => {
                tracing::debug!(session_id = %self.spec.session_id, "shell ended: {reason}");
                self.close(
                    Status::Terminated,
                    format!("Exiting session with sessionId: {}.", self.spec.session_id),
                    DRAIN_ON_EXIT,
                );
            }
        }
    }

    fn on_port(&mut self, event: PortEvent) {
        let Worker::Port(port) = &mut self.worker else {
            return;
        };
        match event {
            PortEvent::Data { generation, data } => {
                if port.is_current(generation)
                    && let Err(e) = self.channel.send_data(&data)
                {
                    tracing::debug!(session_id = %self.spec.session_id, "output dropped: {e}");
                }
            }
            PortEvent::ConnectFailed { generation, error } => {
                if port.is_current(generation) {
                    port.connection_ended(generation);
                    tracing::info!(session_id = %self.spec.session_id, "{error}");
                    let _ = self.channel.send_flag(Flag::ConnectToPortError);
                }
            }
            PortEvent::Closed { generation } => port.connection_ended(generation),
        }
    }

    fn attach(&mut self, ws: Ws, client_version: Option<String>) {
        if matches!(self.stage, Stage::Closing { .. }) || self.finished {
            return;
        }
        self.ws = Some(ws);
        self.out.clear();
        self.held = None;
        if client_version.is_some() {
            self.client_version = client_version;
        }
        self.channel.reconnected(Instant::now());
        tracing::debug!(session_id = %self.spec.session_id, "socket reattached");
    }

    fn drop_socket(&mut self, why: &str) {
        if self.ws.take().is_some() {
            tracing::debug!(session_id = %self.spec.session_id, "socket gone: {why}");
            self.out.clear();
            self.held = None;
            if !matches!(self.stage, Stage::Closing { .. }) {
                self.state
                    .sessions
                    .set_status(&self.spec.session_id, Status::Disconnected);
            }
        }
    }

    fn terminate(&mut self) {
        self.close(
            Status::Terminated,
            format!("Session {} was terminated.", self.spec.session_id),
            DRAIN_ON_TERMINATE,
        );
    }

    /// Stops the shell or relay and starts draining towards `channel_closed`.
    fn close(&mut self, status: Status, output: String, drain: Duration) {
        if matches!(self.stage, Stage::Closing { .. }) {
            return;
        }
        self.worker = Worker::None;
        if let Some(task) = self.starting.take() {
            task.abort();
        }
        self.stage = Stage::Closing {
            deadline: Instant::now() + drain,
            output,
            status,
        };
    }

    fn channel_closed_frame(&self, output: &str) -> Option<Bytes> {
        let message_id = Uuid::new_v4();
        let created = epoch_ms();
        let payload = ChannelClosed {
            message_id: message_id.to_string(),
            created_date: created.to_string(),
            destination_id: self.spec.target.clone(),
            session_id: self.spec.session_id.clone(),
            message_type: MessageType::ChannelClosed.as_str().to_string(),
            schema_version: 1,
            output: output.to_string(),
        };
        let frame = Frame::new(
            MessageType::ChannelClosed,
            created,
            0,
            0,
            message_id,
            PayloadType::Output,
            serde_json::to_vec(&payload).unwrap_or_default(),
        );
        frame.encode().ok()
    }

    /// Sends `channel_closed`, closes the socket, records the end.
    async fn finish(&mut self) {
        let (output, status) = match &self.stage {
            Stage::Closing { output, status, .. } => (output.clone(), *status),
            _ => (String::new(), Status::Terminated),
        };
        // Recorded first: a client that saw channel_closed finds the session ended.
        self.state
            .sessions
            .set_status(&self.spec.session_id, status);
        self.send_closed(&output, WRITE_TIMEOUT).await;
        self.channel.close();
        self.worker = Worker::None;
        self.finished = true;
    }

    async fn send_closed(&mut self, output: &str, limit: Duration) {
        if self.ws.is_none() {
            return;
        }
        if let Some((_, bytes, output)) = self.held.take() {
            self.push(bytes, output, Instant::now());
        }
        self.write_due(Instant::now(), true).await;
        let frame = self.channel_closed_frame(output);
        if let Some(mut ws) = self.ws.take() {
            let _ = tokio::time::timeout(limit, async {
                if let Some(frame) = frame {
                    ws.send(Message::Binary(frame)).await?;
                }
                ws.close(None).await
            })
            .await;
        }
    }

    async fn shut_down(&mut self) {
        self.worker = Worker::None;
        if let Some(task) = self.starting.take() {
            task.abort();
        }
        self.send_closed(
            "The simulated estate is shutting down.",
            Duration::from_millis(200),
        )
        .await;
        self.channel.close();
        self.finished = true;
        self.state
            .sessions
            .set_status(&self.spec.session_id, Status::Terminated);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_numerically() {
        assert!(version_at_least("1.2.650.0", MUX_CLIENT_VERSION));
        assert!(version_at_least("1.1.70", MUX_CLIENT_VERSION));
        assert!(!version_at_least("1.1.69.0", MUX_CLIENT_VERSION));
        assert!(!version_at_least("1.0.0.0", MUX_CLIENT_VERSION));
        assert!(!version_at_least("junk", MUX_CLIENT_VERSION));
    }

    #[test]
    fn standard_base64() {
        assert_eq!(base64_std(b""), "");
        assert_eq!(base64_std(b"f"), "Zg==");
        assert_eq!(base64_std(b"fo"), "Zm8=");
        assert_eq!(base64_std(b"foo"), "Zm9v");
        assert_eq!(base64_std(&[0xfb, 0xff]), "+/8=");
    }
}
