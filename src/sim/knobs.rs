//! Faults that can be changed while the sim serves.

use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Runtime-changeable faults: latency, rate limit, error rate, denied accounts,
/// throttled regions.
#[derive(Debug, Default)]
pub struct SimKnobs {
    latency_nanos: AtomicU64,
    /// `f64` bits; 0 means no rate limit.
    rate_limit: AtomicU64,
    error_rate: AtomicU64,
    denied: Mutex<HashSet<String>>,
    throttled: Mutex<HashSet<String>>,
    pub(crate) session: super::session_faults::SessionFaults,
    /// Change calendars forced OPEN or CLOSED.
    pub(crate) calendars: super::calendar::CalendarKnobs,
    /// The pace of Run Command and Automation, and their commands and executions.
    pub(crate) actions: super::store::ActionSim,
    /// Whether the nodes' commands run sandboxed; decided once when the sim starts.
    pub(crate) isolation: super::sandbox::Isolation,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

impl SimKnobs {
    pub(crate) fn new(latency: Duration, rate_limit: Option<f64>) -> Self {
        let k = SimKnobs::default();
        k.set_latency(latency);
        k.set_rate_limit(rate_limit);
        k
    }

    /// Delay added before every answer.
    pub fn set_latency(&self, d: Duration) {
        let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        self.latency_nanos.store(nanos, Ordering::Relaxed);
    }

    /// Token-bucket TPS per (account, region, operation); `None` disables the limit.
    pub fn set_rate_limit(&self, tps: Option<f64>) {
        let v = match tps {
            Some(t) if t.is_finite() && t > 0.0 => t,
            _ => 0.0,
        };
        self.rate_limit.store(v.to_bits(), Ordering::Relaxed);
    }

    /// Fraction of calls answered with a 500 internal error.
    pub fn set_error_rate(&self, p: f64) {
        let p = if p.is_finite() {
            p.clamp(0.0, 1.0)
        } else {
            0.0
        };
        self.error_rate.store(p.to_bits(), Ordering::Relaxed);
    }

    /// Denies every call from `account_id` (and AssumeRole into it).
    pub fn deny_account(&self, account_id: &str, deny: bool) {
        let mut set = lock(&self.denied);
        if deny {
            set.insert(account_id.to_string());
        } else {
            set.remove(account_id);
        }
    }

    /// Throttles every call made in `region`.
    pub fn throttle_region(&self, region: &str, on: bool) {
        let mut set = lock(&self.throttled);
        if on {
            set.insert(region.to_string());
        } else {
            set.remove(region);
        }
    }

    pub(crate) fn latency(&self) -> Duration {
        Duration::from_nanos(self.latency_nanos.load(Ordering::Relaxed))
    }

    pub(crate) fn rate_limit(&self) -> Option<f64> {
        let v = f64::from_bits(self.rate_limit.load(Ordering::Relaxed));
        (v > 0.0).then_some(v)
    }

    pub(crate) fn error_rate(&self) -> f64 {
        f64::from_bits(self.error_rate.load(Ordering::Relaxed))
    }

    pub(crate) fn is_denied(&self, account_id: &str) -> bool {
        lock(&self.denied).contains(account_id)
    }

    pub(crate) fn is_throttled(&self, region: &str) -> bool {
        lock(&self.throttled).contains(region)
    }
}
