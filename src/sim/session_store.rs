//! The registry of Session Manager sessions, all scopes: what each session runs, its
//! status and tokens, and the channel to its agent. The operations
//! ([`super::sessions`]) change it, the agents ([`super::agent`]) report to it; it imports
//! neither.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Mutex, MutexGuard, OnceLock};

use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use subtle::ConstantTimeEq;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_tungstenite::WebSocketStream;

use super::estate::Estate;
use super::wire::{b64_encode, fnv64, now_secs};

pub(crate) type Ws = WebSocketStream<TokioIo<Upgraded>>;

/// What the registry tells a running agent.
pub(crate) enum AgentCommand {
    /// A new socket whose token was accepted (a reconnection).
    Attach {
        ws: Box<Ws>,
        client_version: Option<String>,
    },
    /// TerminateSession.
    Terminate,
}

/// The session an agent serves.
#[derive(Debug, Clone)]
pub(crate) struct AgentSpec {
    pub session_id: String,
    pub target: String,
    pub kind: SessionKind,
    pub computer_name: String,
    pub agent_version: String,
    pub region: String,
    pub account_id: String,
    /// Start order of the session, for the fault dice.
    pub ordinal: u64,
}

/// An agent to start: the first socket of a session was accepted.
pub(crate) struct AgentStart {
    pub spec: AgentSpec,
    pub ws: Ws,
    pub client_version: Option<String>,
    pub commands: mpsc::UnboundedReceiver<AgentCommand>,
    pub shutdown: watch::Receiver<bool>,
}

/// What a session runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SessionKind {
    /// `Standard_Stream`, `InteractiveCommands` or `NonInteractiveCommands`; `command` is
    /// `None` for an interactive login shell.
    Shell {
        session_type: &'static str,
        command: Option<String>,
    },
    /// Basic-mode port forwarding to `host:port` (`host` as given by the document).
    Port {
        host: Option<String>,
        port: u16,
        local_port: String,
    },
}

impl SessionKind {
    pub(crate) fn session_type(&self) -> &'static str {
        match self {
            SessionKind::Shell { session_type, .. } => session_type,
            SessionKind::Port { .. } => "Port",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Connecting,
    Connected,
    Disconnected,
    Terminating,
    Terminated,
    Failed,
}

impl Status {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Connecting => "Connecting",
            Status::Connected => "Connected",
            Status::Disconnected => "Disconnected",
            Status::Terminating => "Terminating",
            Status::Terminated => "Terminated",
            Status::Failed => "Failed",
        }
    }

    pub(crate) fn is_active(self) -> bool {
        !matches!(self, Status::Terminated | Status::Failed)
    }
}

pub(crate) struct Session {
    pub(crate) id: String,
    pub(crate) account: usize,
    pub(crate) region: String,
    pub(crate) target: String,
    pub(crate) document: String,
    pub(crate) owner: String,
    pub(crate) reason: Option<String>,
    pub(crate) start: f64,
    pub(crate) end: Option<f64>,
    pub(crate) status: Status,
    pub(crate) kind: SessionKind,
    pub(crate) computer_name: String,
    pub(crate) agent_version: String,
    pub(crate) ordinal: u64,
    pub(crate) tokens: Vec<String>,
    pub(crate) agent: Option<mpsc::UnboundedSender<AgentCommand>>,
}

#[derive(Default)]
pub(crate) struct Inner {
    pub(crate) sessions: Vec<Session>,
    pub(crate) index: HashMap<String, usize>,
    pub(crate) tasks: Vec<JoinHandle<()>>,
}

/// Every session of the sim, all scopes.
#[derive(Default)]
pub(crate) struct Sessions {
    addr: OnceLock<SocketAddr>,
    shutdown: OnceLock<watch::Receiver<bool>>,
    inner: Mutex<Inner>,
}

impl Sessions {
    /// Records where the sim listens (for StreamUrl) and its shutdown signal.
    pub(crate) fn bind(&self, addr: SocketAddr, shutdown: watch::Receiver<bool>) {
        let _ = self.addr.set(addr);
        let _ = self.shutdown.set(shutdown);
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        match self.inner.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    pub(crate) fn shutdown_signal(&self) -> Option<watch::Receiver<bool>> {
        self.shutdown.get().cloned()
    }

    pub(crate) fn stream_url(&self, session_id: &str, region: &str) -> String {
        let addr = self
            .addr
            .get()
            .copied()
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
        let cell = b64_encode(&fnv64(&[region.as_bytes()]).to_be_bytes()[..6]);
        format!(
            "ws://{addr}/v1/data-channel/{session_id}?role=publish_subscribe&cell-number={cell}"
        )
    }

    /// Redeems a token of `session_id` for a new WebSocket: hands the socket to the
    /// session's running agent, or, on the first connection, records the session as
    /// connected and returns what its agent must be started with (the caller starts it and
    /// hands its task to [`Sessions::track`]). A bad token closes the socket (by dropping
    /// it).
    pub(crate) fn attach(
        &self,
        estate: &Estate,
        session_id: &str,
        token: &str,
        client_version: Option<String>,
        ws: Ws,
    ) -> Option<AgentStart> {
        let mut inner = self.lock();
        let Some(&i) = inner.index.get(session_id) else {
            tracing::debug!(session_id, "data channel for an unknown session");
            return None;
        };
        let session = &mut inner.sessions[i];
        // Constant-time: how long a comparison takes says nothing about a token.
        let Some(pos) = session
            .tokens
            .iter()
            .position(|t| bool::from(t.as_bytes().ct_eq(token.as_bytes())))
        else {
            tracing::debug!(session_id, "data channel with an invalid token");
            return None;
        };
        if !session.status.is_active() || session.status == Status::Terminating {
            return None;
        }
        session.tokens.remove(pos);
        if let Some(agent) = &session.agent {
            if agent
                .send(AgentCommand::Attach {
                    ws: Box::new(ws),
                    client_version,
                })
                .is_ok()
            {
                session.status = Status::Connected;
            }
            return None;
        }
        let shutdown = self.shutdown.get().cloned()?;
        let (tx, commands) = mpsc::unbounded_channel();
        let spec = AgentSpec {
            session_id: session.id.clone(),
            target: session.target.clone(),
            kind: session.kind.clone(),
            computer_name: session.computer_name.clone(),
            agent_version: session.agent_version.clone(),
            region: session.region.clone(),
            account_id: estate
                .accounts
                .get(session.account)
                .map(|a| a.id.clone())
                .unwrap_or_default(),
            ordinal: session.ordinal,
        };
        session.agent = Some(tx);
        session.status = Status::Connected;
        Some(AgentStart {
            spec,
            ws,
            client_version,
            commands,
            shutdown,
        })
    }

    /// Keeps the task of a started agent, for [`Sessions::join_all`].
    pub(crate) fn track(&self, task: JoinHandle<()>) {
        let mut inner = self.lock();
        inner.tasks.retain(|t| !t.is_finished());
        inner.tasks.push(task);
    }

    /// Status change reported by a session's agent.
    pub(crate) fn set_status(&self, session_id: &str, status: Status) {
        let mut inner = self.lock();
        if let Some(&i) = inner.index.get(session_id) {
            let s = &mut inner.sessions[i];
            if s.status.is_active() {
                s.status = status;
                if !status.is_active() {
                    s.end = Some(now_secs());
                    s.tokens.clear();
                    s.agent = None;
                }
            }
        }
    }

    /// Waits for every agent task (they end on the shutdown signal).
    pub(crate) async fn join_all(&self) {
        let tasks = std::mem::take(&mut self.lock().tasks);
        for task in tasks {
            let _ = task.await;
        }
    }
}
