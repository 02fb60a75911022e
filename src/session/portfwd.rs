//! The local side of a basic-mode port forward (§12): a listener on 127.0.0.1 and at most
//! one accepted TCP connection at a time, whose bytes travel as Output over the channel.
//!
//! The session task ([`client`](super::client)) owns a [`PortForwarder`]: it awaits
//! [`next`](PortForwarder::next) alongside the socket, queues [`LocalEvent::Data`] on the
//! channel, writes Output from the agent with [`write`](PortForwarder::write), and sends
//! `Flag DisconnectToPort` on [`LocalEvent::Closed`].

use std::io;
use std::net::{Ipv4Addr, SocketAddr};

use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};

/// Bytes read from the local connection per Output message (`StreamDataPayloadSize`).
pub const READ_CHUNK: usize = 1024;

/// What happened on the local side.
#[derive(Debug)]
pub enum LocalEvent {
    /// A local client connected; it is now the relayed connection.
    Accepted(SocketAddr),
    /// Bytes from the local client, at most [`READ_CHUNK`].
    Data(Bytes),
    /// The local client closed (or failed); the next one may connect.
    Closed,
}

/// Listener plus the one relayed connection (basic mode).
#[derive(Debug)]
pub struct PortForwarder {
    listener: TcpListener,
    reader: Option<OwnedReadHalf>,
    writer: Option<OwnedWriteHalf>,
    buf: Vec<u8>,
}

impl PortForwarder {
    /// Binds 127.0.0.1:`local_port` (0 picks a free port).
    pub async fn bind(local_port: u16) -> io::Result<PortForwarder> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, local_port)).await?;
        Ok(PortForwarder {
            listener,
            reader: None,
            writer: None,
            buf: vec![0; READ_CHUNK],
        })
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub fn is_connected(&self) -> bool {
        self.reader.is_some()
    }

    /// Waits for the next local event. With no connection it accepts one; with one it
    /// reads, but only when `can_read` (backpressure from the channel), else it waits
    /// forever. Cancel-safe.
    pub async fn next(&mut self, can_read: bool) -> LocalEvent {
        match self.reader.as_mut() {
            None => loop {
                match self.listener.accept().await {
                    Ok((stream, peer)) => {
                        self.attach(stream);
                        return LocalEvent::Accepted(peer);
                    }
                    Err(e) => {
                        tracing::debug!(error = %e, "port forward: accept failed");
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    }
                }
            },
            Some(_) if !can_read => std::future::pending().await,
            Some(reader) => match reader.read(&mut self.buf).await {
                Ok(0) => {
                    self.detach();
                    LocalEvent::Closed
                }
                Ok(n) => LocalEvent::Data(Bytes::copy_from_slice(&self.buf[..n])),
                Err(e) => {
                    tracing::debug!(error = %e, "port forward: local read failed");
                    self.detach();
                    LocalEvent::Closed
                }
            },
        }
    }

    /// Writes agent Output to the local connection. Without one the bytes are dropped.
    /// `Err` means the connection failed and was dropped: send DisconnectToPort.
    pub async fn write(&mut self, data: &[u8]) -> io::Result<()> {
        let Some(writer) = self.writer.as_mut() else {
            return Ok(());
        };
        if let Err(e) = writer.write_all(data).await {
            self.detach();
            return Err(e);
        }
        Ok(())
    }

    /// Drops the local connection (if any).
    pub fn detach(&mut self) {
        self.reader = None;
        self.writer = None;
    }

    fn attach(&mut self, stream: TcpStream) {
        let _ = stream.set_nodelay(true);
        let (r, w) = stream.into_split();
        self.reader = Some(r);
        self.writer = Some(w);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_connection_at_a_time() {
        let mut fwd = PortForwarder::bind(0).await.expect("bind");
        let addr = fwd.local_addr().expect("addr");
        assert!(addr.ip().is_loopback());
        assert_ne!(addr.port(), 0);

        let mut a = TcpStream::connect(addr).await.expect("connect a");
        assert!(matches!(fwd.next(true).await, LocalEvent::Accepted(_)));
        a.write_all(b"ping").await.expect("write");
        match fwd.next(true).await {
            LocalEvent::Data(d) => assert_eq!(&d[..], b"ping"),
            other => panic!("unexpected {other:?}"),
        }
        fwd.write(b"pong").await.expect("write back");
        let mut got = [0u8; 4];
        a.read_exact(&mut got).await.expect("read");
        assert_eq!(&got, b"pong");

        // A second client waits in the backlog until the first closes.
        let mut b = TcpStream::connect(addr).await.expect("connect b");
        let blocked = tokio::time::timeout(std::time::Duration::from_millis(50), fwd.next(false));
        assert!(blocked.await.is_err());
        drop(a);
        assert!(matches!(fwd.next(true).await, LocalEvent::Closed));
        assert!(!fwd.is_connected());
        assert!(matches!(fwd.next(true).await, LocalEvent::Accepted(_)));
        b.write_all(b"x").await.expect("write b");
        assert!(matches!(fwd.next(true).await, LocalEvent::Data(_)));
        fwd.write(b"y").await.expect("write y");
        let mut one = [0u8; 1];
        b.read_exact(&mut one).await.expect("read b");
        assert_eq!(&one, b"y");
    }
}
