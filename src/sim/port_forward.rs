//! The "instance" of a port session in basic mode (§12): one TCP connection at a time
//! to a loopback destination, dialled on the first Output after a (re)start.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// What a destination connection reports to the agent; `generation` tells stale
/// connections apart.
#[derive(Debug)]
pub(crate) enum PortEvent {
    Data {
        generation: u64,
        data: Vec<u8>,
    },
    /// The destination could not be reached.
    ConnectFailed {
        generation: u64,
        error: String,
    },
    /// The destination closed the connection or it broke.
    Closed {
        generation: u64,
    },
}

struct Connection {
    generation: u64,
    input: mpsc::UnboundedSender<Vec<u8>>,
    task: JoinHandle<()>,
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Basic-mode forwarding state of one session.
pub(crate) struct PortForward {
    /// `Err` holds a destination the sim refuses (not loopback).
    destination: Result<SocketAddr, String>,
    connection: Option<Connection>,
    generation: u64,
    events: mpsc::Sender<PortEvent>,
}

/// What the agent must tell the client after an input.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum InputOutcome {
    Forwarded,
    /// Send `Flag ConnectToPortError`.
    Refused(String),
}

impl PortForward {
    pub(crate) fn new(
        destination: Result<SocketAddr, String>,
        events: mpsc::Sender<PortEvent>,
    ) -> Self {
        PortForward {
            destination,
            connection: None,
            generation: 0,
            events,
        }
    }

    /// Client bytes for the destination; dials it first when no connection is up.
    pub(crate) fn input(&mut self, data: Vec<u8>) -> InputOutcome {
        let addr = match &self.destination {
            Ok(addr) => *addr,
            Err(refused) => {
                return InputOutcome::Refused(format!(
                    "the simulated agent connects only to loopback addresses, not {refused}"
                ));
            }
        };
        if self.connection.is_none() {
            self.generation += 1;
            let (tx, rx) = mpsc::unbounded_channel();
            let task = tokio::spawn(relay(addr, self.generation, rx, self.events.clone()));
            self.connection = Some(Connection {
                generation: self.generation,
                input: tx,
                task,
            });
        }
        if let Some(c) = &self.connection {
            let _ = c.input.send(data);
        }
        InputOutcome::Forwarded
    }

    /// `Flag DisconnectToPort`: close the current connection; the next Output redials.
    pub(crate) fn disconnect(&mut self) {
        self.connection = None;
    }

    /// Whether an event belongs to the current connection.
    pub(crate) fn is_current(&self, generation: u64) -> bool {
        self.connection
            .as_ref()
            .is_some_and(|c| c.generation == generation)
    }

    /// Forgets the current connection after it failed or closed.
    pub(crate) fn connection_ended(&mut self, generation: u64) {
        if self.is_current(generation) {
            self.connection = None;
        }
    }
}

async fn relay(
    addr: SocketAddr,
    generation: u64,
    mut input: mpsc::UnboundedReceiver<Vec<u8>>,
    events: mpsc::Sender<PortEvent>,
) {
    let stream = match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(addr)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            let error = format!("connect to {addr}: {e}");
            let _ = events
                .send(PortEvent::ConnectFailed { generation, error })
                .await;
            return;
        }
        Err(_) => {
            let error = format!("connect to {addr}: timed out");
            let _ = events
                .send(PortEvent::ConnectFailed { generation, error })
                .await;
            return;
        }
    };
    let _ = stream.set_nodelay(true);
    let (mut rd, mut wr) = stream.into_split();
    let events_rd = events.clone();
    let reader = async move {
        let mut buf = vec![0u8; 1024];
        loop {
            match rd.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let data = buf[..n].to_vec();
                    if events_rd
                        .send(PortEvent::Data { generation, data })
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
            }
        }
        let _ = events_rd.send(PortEvent::Closed { generation }).await;
    };
    let writer = async move {
        while let Some(data) = input.recv().await {
            if wr.write_all(&data).await.is_err() {
                break;
            }
        }
        let _ = wr.shutdown().await;
    };
    tokio::join!(reader, writer);
}
