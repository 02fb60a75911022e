//! Fault knobs of the Session Manager data channel: dropped sockets, delayed, reordered
//! and duplicated agent frames, a forced handshake, a KMS request, a slow shell start.

use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::watch;

/// Session faults; lives in `SimKnobs` and is changed through its `session` methods.
pub(crate) struct SessionFaults {
    /// Bumped by `SimKnobs::drop_session_sockets`; every agent watches it.
    pub(crate) drops: watch::Sender<u64>,
    /// Output frames still allowed before the socket carrying the last one is dropped;
    /// negative when disarmed.
    pub(crate) drop_after: AtomicI64,
    /// Rearms `drop_after` with this after each drop; 0 leaves it disarmed.
    pub(crate) drop_every: AtomicU64,
    pub(crate) delay_nanos: AtomicU64,
    pub(crate) reorder: AtomicU64,
    pub(crate) duplicate: AtomicU64,
    pub(crate) seed: Mutex<Option<u64>>,
    pub(crate) kms: AtomicBool,
    pub(crate) handshake: AtomicBool,
    pub(crate) shell_delay_nanos: AtomicU64,
}

impl Default for SessionFaults {
    fn default() -> Self {
        SessionFaults {
            drops: watch::Sender::new(0),
            drop_after: AtomicI64::new(-1),
            drop_every: AtomicU64::new(0),
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

pub(crate) fn probability(p: f64) -> u64 {
    let p = if p.is_finite() {
        p.clamp(0.0, 1.0)
    } else {
        0.0
    };
    p.to_bits()
}

pub(crate) fn nanos(d: Duration) -> u64 {
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
            let next = if current <= 1 {
                match self.drop_every.load(Ordering::Relaxed) {
                    0 => -1,
                    every => i64::try_from(every).unwrap_or(i64::MAX),
                }
            } else {
                current - 1
            };
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
