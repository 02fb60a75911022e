//! Faults on AWS API calls beyond those of [`super::knobs`]: latency spikes and hung
//! operations. They live in `SimKnobs` and are changed through its methods (from the
//! `ssm-cockpit sim` flags, or the `/_sim/knobs` control endpoint while it serves).

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::watch;

use super::session_faults::nanos;

/// Which operations hang: the answer is held back until the hang is lifted (or the sim
/// stops, when the connection is closed unanswered).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hang {
    /// Every operation hangs.
    pub all: bool,
    /// These operations hang (by name, e.g. `DescribeInstanceInformation`).
    pub ops: BTreeSet<String>,
}

impl Hang {
    fn catches(&self, op: &str) -> bool {
        self.all || self.ops.contains(op)
    }
}

#[derive(Debug)]
pub(crate) struct CallFaults {
    spike_nanos: AtomicU64,
    /// 0: no spikes.
    spike_every: AtomicU64,
    calls: AtomicU64,
    hang: watch::Sender<Hang>,
    /// Set when the sim stops: hung calls give up.
    stopping: watch::Sender<bool>,
}

impl Default for CallFaults {
    fn default() -> Self {
        CallFaults {
            spike_nanos: AtomicU64::new(0),
            spike_every: AtomicU64::new(0),
            calls: AtomicU64::new(0),
            hang: watch::Sender::new(Hang::default()),
            stopping: watch::Sender::new(false),
        }
    }
}

impl CallFaults {
    /// The extra delay of the next call: the spike on every `spike_every`-th call.
    pub(crate) fn next_spike(&self) -> Duration {
        let every = self.spike_every.load(Ordering::Relaxed);
        if every == 0 {
            return Duration::ZERO;
        }
        let n = self.calls.fetch_add(1, Ordering::Relaxed).wrapping_add(1);
        if n.is_multiple_of(every) {
            Duration::from_nanos(self.spike_nanos.load(Ordering::Relaxed))
        } else {
            Duration::ZERO
        }
    }

    /// Waits while `op` hangs. False when the sim is stopping (answer nothing then).
    pub(crate) async fn wait_unhung(&self, op: &str) -> bool {
        let mut hang = self.hang.subscribe();
        let mut stopping = self.stopping.subscribe();
        loop {
            if *stopping.borrow_and_update() {
                return false;
            }
            if !hang.borrow_and_update().catches(op) {
                return true;
            }
            tokio::select! {
                r = hang.changed() => if r.is_err() { return true; },
                r = stopping.changed() => if r.is_err() { return false; },
            }
        }
    }

    /// Lets every hung call go (unanswered): the sim is stopping.
    pub(crate) fn stop(&self) {
        self.stopping.send_replace(true);
    }

    pub(crate) fn set_spike(&self, spike: Duration, every: u64) {
        self.spike_nanos.store(nanos(spike), Ordering::Relaxed);
        self.calls.store(0, Ordering::Relaxed);
        self.spike_every.store(every, Ordering::Relaxed);
    }

    pub(crate) fn spike(&self) -> (Duration, u64) {
        (
            Duration::from_nanos(self.spike_nanos.load(Ordering::Relaxed)),
            self.spike_every.load(Ordering::Relaxed),
        )
    }

    pub(crate) fn set_hang(&self, hang: Hang) {
        self.hang.send_replace(hang);
    }

    pub(crate) fn hang(&self) -> Hang {
        self.hang.borrow().clone()
    }
}
