//! Session Manager: the data-channel protocol (shared/protocol/SESSION_PROTOCOL.md).
//!
//! Sans I/O: [`frame`] is the binary wire codec (§4–§5), [`messages`] the JSON and flag
//! payloads, [`channel`] the reliable, ordered stream (§6–§7, §10–§11) usable by either
//! end; these three are all the simulated estate's agent uses of the cockpit.
//!
//! [`client`] is the cockpit's side: a task per session that owns the socket and drives a
//! client [`Channel`]. The Session Manager API calls it makes (StartSession,
//! ResumeSession, TerminateSession) are functions of [`crate::aws::SessionClient`] that
//! return plain types; `session` sits above `aws` and calls down to it
//! (docs/architecture.md, "Layers").

pub mod api;
pub mod channel;
pub mod chunk;
pub mod client;
pub mod frame;
pub mod messages;
mod outbox;
pub mod portfwd;
pub mod recording;
pub mod rtt;

pub use api::{
    SessionCommand, SessionEvent, SessionHandle, SessionId, SessionKind, SessionState,
    SessionTarget,
};
pub use channel::{Channel, ChannelConfig, ChannelError, Event, Phase, Role, State};
pub use frame::{EncodeError, Frame, FrameError, MessageType, PayloadType};

#[cfg(test)]
mod tests;
