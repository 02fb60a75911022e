//! Effects: work the app asks of the event loop because it cannot do it itself (start a
//! session, poll a feed, run a change, write the disk cache). [`App::update`] queues them
//! in the app's own queue; the loop drains it with [`App::take_effects`] after each batch
//! of messages and carries them out.

use std::path::PathBuf;

use super::App;
use crate::model::{DetailRequest, FeedSet, Snapshot};
use crate::session::{SessionCommand, SessionId, SessionKind, SessionTarget};

/// Work for the event loop: things the app cannot do itself.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Start a session; its events come back as `Msg::Session(id, ..)`.
    OpenSession {
        id: SessionId,
        target: SessionTarget,
        kind: SessionKind,
        cols: u16,
        rows: u16,
    },
    /// Pass a command to a running session.
    Session(SessionId, SessionCommand),
    /// Poll these feeds (the panes shown need them); nodes are always polled.
    WantFeeds(FeedSet),
    /// Fetch a detail on demand; the answer comes back as a feed event.
    Request(DetailRequest),
    /// Run a confirmed change; its progress comes back as `Msg::Action(..)`.
    Action(crate::actions::ActionRun),
    /// Read something about a run (a node's full output); the answer comes back as
    /// `Msg::Action(..)`.
    ActionRead(crate::actions::ActionRead),
    /// Write this snapshot of the estate to the disk cache at `path` (off the UI thread);
    /// nothing comes back.
    SaveCache {
        path: PathBuf,
        snapshot: Box<Snapshot>,
    },
}

/// The queue is the app's own `effects` field, oldest first.
impl App {
    /// Effects produced since the last call, for the event loop to execute.
    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
    }

    pub(super) fn push_effect(&mut self, e: Effect) {
        self.effects.push(e);
    }
}
