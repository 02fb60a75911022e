//! Fault knobs of the Session Manager data channel: dropped sockets, delayed, reordered
//! and duplicated agent frames, a forced handshake, a KMS request, a slow shell start.

use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::watch;

use super::knobs::SimKnobs;

/// Session faults; lives in [`SimKnobs`] and is changed through its `session` methods.
pub(crate) struct SessionFaults {
    /// Bumped by [`SimKnobs::drop_session_sockets`]; every agent watches it.
    drops: watch::Sender<u64>,
    /// Output frames still allowed before the socket carrying the last one is dropped;
    /// negative when disarmed.
    drop_after: AtomicI64,
    delay_nanos: AtomicU64,
    reorder: AtomicU64,
    duplicate: AtomicU64,
    seed: Mutex<Option<u64>>,
    kms: AtomicBool,
    handshake: AtomicBool,
    shell_delay_nanos: AtomicU64,
}

impl Default for SessionFaults {
    fn default() -> Self {
        SessionFaults {
            drops: watch::Sender::new(0),
            drop_after: AtomicI64::new(-1),
            delay_nanos: AtomicU64::new(0),
            reorder: AtomicU64::new(0f64.to_bits()),
            duplicate: AtomicU64::new(0f64.to_bits()),
            seed: Mutex::new(None),
            kms: AtomicBool::new(false),
            handshake: AtomicBool::new(false),
            shell_delay_nanos: AtomicU64::new(0),
        }
    }
}

impl fmt::Debug for SessionFaults {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionFaults")
            .field("drop_after", &self.drop_after.load(Ordering::Relaxed))
            .field("delay", &self.delay())
            .field("reorder", &self.reorder())
            .field("duplicate", &self.duplicate())
            .finish_non_exhaustive()
    }
}

fn probability(p: f64) -> u64 {
    let p = if p.is_finite() {
        p.clamp(0.0, 1.0)
    } else {
        0.0
    };
    p.to_bits()
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl SessionFaults {
    pub(crate) fn subscribe_drops(&self) -> watch::Receiver<u64> {
        self.drops.subscribe()
    }

    /// Counts one output frame written to a socket; true when that socket must now be
    /// dropped.
    pub(crate) fn output_frame_written(&self) -> bool {
        let mut current = self.drop_after.load(Ordering::Relaxed);
        loop {
            if current < 0 {
                return false;
            }
            let next = if current <= 1 { -1 } else { current - 1 };
            match self.drop_after.compare_exchange(
                current,
                next,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return current <= 1,
                Err(seen) => current = seen,
            }
        }
    }

    pub(crate) fn delay(&self) -> Duration {
        Duration::from_nanos(self.delay_nanos.load(Ordering::Relaxed))
    }

    pub(crate) fn reorder(&self) -> f64 {
        f64::from_bits(self.reorder.load(Ordering::Relaxed))
    }

    pub(crate) fn duplicate(&self) -> f64 {
        f64::from_bits(self.duplicate.load(Ordering::Relaxed))
    }

    pub(crate) fn seed(&self) -> Option<u64> {
        match self.seed.lock() {
            Ok(g) => *g,
            Err(poisoned) => *poisoned.into_inner(),
        }
    }

    pub(crate) fn kms(&self) -> bool {
        self.kms.load(Ordering::Relaxed)
    }

    pub(crate) fn force_handshake(&self) -> bool {
        self.handshake.load(Ordering::Relaxed)
    }

    pub(crate) fn shell_delay(&self) -> Duration {
        Duration::from_nanos(self.shell_delay_nanos.load(Ordering::Relaxed))
    }
}

/// Session Manager faults.
impl SimKnobs {
    /// Drops every open session WebSocket now, without a close frame. Sessions survive
    /// and can be resumed.
    pub fn drop_session_sockets(&self) {
        self.session.drops.send_modify(|g| *g = g.wrapping_add(1));
    }

    /// Drops the socket that carries the `n`-th output frame from now (counted over all
    /// sessions), right after writing it; then disarms. `n` 0 disarms.
    pub fn drop_session_socket_after(&self, n: u64) {
        let v = if n == 0 {
            -1
        } else {
            i64::try_from(n).unwrap_or(i64::MAX)
        };
        self.session.drop_after.store(v, Ordering::Relaxed);
    }

    /// Delays every frame the agents write by `d`.
    pub fn set_session_frame_delay(&self, d: Duration) {
        self.session.delay_nanos.store(nanos(d), Ordering::Relaxed);
    }

    /// Probability that an agent frame is swapped with the one after it.
    pub fn set_session_reorder(&self, p: f64) {
        self.session
            .reorder
            .store(probability(p), Ordering::Relaxed);
    }

    /// Probability that an agent frame is written twice.
    pub fn set_session_duplicate(&self, p: f64) {
        self.session
            .duplicate
            .store(probability(p), Ordering::Relaxed);
    }

    /// Seed of the reorder/duplicate dice of sessions started from now on (default: the
    /// estate seed). Session `k` (0-based, in start order) rolls from `seed + k`.
    pub fn set_session_fault_seed(&self, seed: u64) {
        match self.session.seed.lock() {
            Ok(mut g) => *g = Some(seed),
            Err(poisoned) => *poisoned.into_inner() = Some(seed),
        }
    }

    /// Shell sessions started from now on request KMS encryption in the handshake (the
    /// sim cannot encrypt: a client that accepts is told so and the session ends).
    pub fn request_session_kms(&self, on: bool) {
        self.session.kms.store(on, Ordering::Relaxed);
    }

    /// `Standard_Stream` shells do the handshake even without KMS (the real agent skips
    /// it).
    pub fn force_session_handshake(&self, on: bool) {
        self.session.handshake.store(on, Ordering::Relaxed);
    }

    /// Extra time between the handshake (or the first connection) and the shell's
    /// start; input arriving meanwhile is refused without acknowledgement.
    pub fn set_session_shell_delay(&self, d: Duration) {
        self.session
            .shell_delay_nanos
            .store(nanos(d), Ordering::Relaxed);
    }
}
