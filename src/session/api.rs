//! What the cockpit and a running session say to each other: the target, the kind of
//! session, its state, the events it reports and the commands it takes.

use std::net::SocketAddr;

use bytes::Bytes;
use tokio::sync::mpsc;

use crate::model::Scope;

/// Identifies one session (tab) for the life of the process.
pub type SessionId = u64;

/// The node a session runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionTarget {
    pub scope: Scope,
    pub instance_id: String,
    /// The node's Name (tag or registered name), for the tab title; may be empty.
    pub name: String,
}

/// What kind of session to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionKind {
    /// An interactive shell (the account's default shell document).
    Shell,
    /// A local port forwarded to `remote_port` on the node, or on `remote_host` through it
    /// (AWS-StartPortForwardingSession / AWS-StartPortForwardingSessionToRemoteHost).
    /// `local_port` 0 picks a free port.
    PortForward {
        local_port: u16,
        remote_port: u16,
        remote_host: Option<String>,
    },
}

/// Where a session stands: plain data of the model, which the drawing code reads too.
pub use crate::model::SessionState;

/// What a running session reports to the app.
#[derive(Debug, Clone)]
pub enum SessionEvent {
    State(SessionState),
    /// Terminal output (stdout and stderr as the agent sends them), in order.
    Output(Bytes),
    /// A port forward is listening here.
    Listening(SocketAddr),
    /// The AWS session id, once StartSession answered.
    Started {
        session_id: String,
    },
}

/// What the app asks of a running session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionCommand {
    /// Keystrokes or pasted text, raw bytes (Enter is CR).
    Input(Vec<u8>),
    Resize {
        cols: u16,
        rows: u16,
    },
    /// End the session (TerminateSession) and close the tab's task.
    Close,
}

/// The app's end of a running session.
#[derive(Debug, Clone)]
pub struct SessionHandle {
    pub id: SessionId,
    pub target: SessionTarget,
    pub kind: SessionKind,
    commands: mpsc::UnboundedSender<SessionCommand>,
}

impl SessionHandle {
    pub fn new(
        id: SessionId,
        target: SessionTarget,
        kind: SessionKind,
        commands: mpsc::UnboundedSender<SessionCommand>,
    ) -> SessionHandle {
        SessionHandle {
            id,
            target,
            kind,
            commands,
        }
    }

    /// Sends a command; a session that already ended ignores it.
    pub fn send(&self, command: SessionCommand) {
        let _ = self.commands.send(command);
    }

    pub fn input(&self, data: &[u8]) {
        self.send(SessionCommand::Input(data.to_vec()));
    }

    pub fn resize(&self, cols: u16, rows: u16) {
        self.send(SessionCommand::Resize { cols, rows });
    }

    pub fn close(&self) {
        self.send(SessionCommand::Close);
    }
}
