//! Faults that can be changed while the sim serves.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::session_faults::{SessionFaults, nanos, probability};
use super::store::{ActionSim, lock};

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
    pub(crate) session: SessionFaults,
    /// Latency spikes and hung operations.
    pub(crate) calls: super::call_faults::CallFaults,
    /// Change calendars forced OPEN or CLOSED.
    pub(crate) calendars: CalendarKnobs,
    /// The pace of Run Command and Automation, and their commands and executions.
    pub(crate) actions: ActionSim,
    /// Whether the nodes' commands run sandboxed; decided once when the sim starts.
    pub(crate) isolation: super::sandbox::Isolation,
    /// Answers no AWS service sends, for the calls they match.
    bad_answers: Mutex<Vec<BadAnswerRule>>,
    /// Body bytes written by bad answers so far.
    pub(crate) bad_answer_bytes: Arc<AtomicU64>,
    /// AssumeRole sessions issued with a nonce below this are expired (0: none).
    sessions_expired_below: AtomicU64,
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

    /// The accounts denied, sorted.
    pub fn denied_accounts(&self) -> Vec<String> {
        let mut v: Vec<String> = lock(&self.denied).iter().cloned().collect();
        v.sort();
        v
    }

    /// The regions throttled, sorted.
    pub fn throttled_regions(&self) -> Vec<String> {
        let mut v: Vec<String> = lock(&self.throttled).iter().cloned().collect();
        v.sort();
        v
    }

    /// Denies exactly these accounts (and no others).
    pub fn set_denied_accounts(&self, accounts: &[String]) {
        *lock(&self.denied) = accounts.iter().cloned().collect();
    }

    /// Throttles exactly these regions (and no others).
    pub fn set_throttled_regions(&self, regions: &[String]) {
        *lock(&self.throttled) = regions.iter().cloned().collect();
    }

    /// Every AssumeRole session issued with a nonce below `nonce` is answered
    /// `ExpiredToken` from now on (see `SimHandle::expire_sessions`).
    pub(crate) fn expire_sessions_below(&self, nonce: u32) {
        self.sessions_expired_below
            .fetch_max(u64::from(nonce), Ordering::Relaxed);
    }

    /// Whether the session issued with `nonce` was expired by `expire_sessions_below`.
    pub(crate) fn session_expired(&self, nonce: u32) -> bool {
        u64::from(nonce) < self.sessions_expired_below.load(Ordering::Relaxed)
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

/// A state a calendar can be forced into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForcedCalendar {
    Open,
    Closed,
}

/// Calendars forced OPEN or CLOSED, by name (in every account and region).
#[derive(Debug, Default)]
pub(crate) struct CalendarKnobs {
    forced: Mutex<HashMap<String, ForcedCalendar>>,
}

impl CalendarKnobs {
    pub(crate) fn get(&self, name: &str) -> Option<ForcedCalendar> {
        match self.forced.lock() {
            Ok(g) => g.get(name).copied(),
            Err(p) => p.into_inner().get(name).copied(),
        }
    }
}

impl SimKnobs {
    /// Forces the change calendar `name` OPEN or CLOSED in every account and region
    /// (`None` goes back to its events). A forced calendar has no next transition.
    pub fn force_calendar(&self, name: &str, state: Option<ForcedCalendar>) {
        let mut map = match self.calendars.forced.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        match state {
            Some(s) => {
                map.insert(name.to_string(), s);
            }
            None => {
                map.remove(name);
            }
        }
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

    /// Drops the socket that carries every `n`-th output frame (counted over all
    /// sessions), again and again; `n` 0 stops.
    pub fn drop_session_socket_every(&self, n: u64) {
        self.session.drop_every.store(n, Ordering::Relaxed);
        self.drop_session_socket_after(n);
    }

    /// The period set by [`SimKnobs::drop_session_socket_every`] (0: none).
    pub fn session_socket_drop_every(&self) -> u64 {
        self.session.drop_every.load(Ordering::Relaxed)
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

/// Run Command and Automation.
impl SimKnobs {
    /// Time between two steps of a Run Command invocation or an Automation step
    /// (delivery, progress, completion). Default 150 ms; at least 1 ms.
    pub fn set_action_pace(&self, step: Duration) {
        let nanos = u64::try_from(step.as_nanos())
            .unwrap_or(u64::MAX)
            .max(1_000_000);
        self.actions.pace_nanos.store(nanos, Ordering::Relaxed);
    }

    /// The most invocations of one command that were in progress at the same time
    /// (`None` for an unknown command id).
    pub fn command_max_in_flight(&self, command_id: &str) -> Option<usize> {
        let store = lock(&self.actions.store);
        store
            .commands
            .values()
            .flatten()
            .find(|c| c.id == command_id)
            .map(|c| c.max_in_flight)
    }

    /// The most scripts (AWS-RunShellScript) that ran at once in this sim.
    pub fn peak_script_processes(&self) -> usize {
        self.actions.peak_processes.load(Ordering::Relaxed)
    }
}

/// An answer no AWS service sends: what a client meets behind a proxy, a gateway or a
/// wrong `--endpoint-url`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadAnswer {
    /// A gateway's HTML error page: 502, `text/html`.
    Html,
    /// A proxy's own XML error: 503, `application/xml`, an `<Error>` root.
    ProxyXml,
    /// A 200 of the wrong content type: `text/plain`, a load balancer's "OK".
    WrongType,
    /// A 200 of the service's content type whose members have the wrong types (a
    /// number where a paging token goes), or, for AWS Query, the wrong root element.
    WrongShape,
    /// The service's headers and content type, a `Content-Length` of 4096, then the
    /// connection closes after the first 64 bytes of the body.
    Truncated,
    /// A 200 with the service's content type and `bytes` bytes of body, its length
    /// announced in `Content-Length` or not (then sent chunked, as it is produced).
    Oversized { bytes: u64, announced: bool },
}

/// Which calls get a bad answer: every call, or only those of one operation and/or one
/// region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadAnswerRule {
    pub answer: BadAnswer,
    /// Operation name, e.g. `DescribeActivations`; `None`: any.
    pub operation: Option<String>,
    /// Region, e.g. `eu-west-1`; `None`: any.
    pub region: Option<String>,
}

impl BadAnswerRule {
    /// `answer` to every call.
    pub fn all(answer: BadAnswer) -> BadAnswerRule {
        BadAnswerRule {
            answer,
            operation: None,
            region: None,
        }
    }

    fn matches(&self, operation: &str, region: &str) -> bool {
        self.operation.as_deref().is_none_or(|o| o == operation)
            && self.region.as_deref().is_none_or(|r| r == region)
    }
}

/// Answers that are not AWS's.
impl SimKnobs {
    /// Answers the calls `rule` matches with its bad answer (the first matching rule
    /// wins). Those calls are counted, authenticated and delayed like the others.
    pub fn add_bad_answer(&self, rule: BadAnswerRule) {
        lock(&self.bad_answers).push(rule);
    }

    /// Back to good answers.
    pub fn clear_bad_answers(&self) {
        lock(&self.bad_answers).clear();
    }

    /// Body bytes the bad answers have written so far (an oversized answer is produced
    /// as it is sent: this says how much of it a client read).
    pub fn bad_answer_bytes(&self) -> u64 {
        self.bad_answer_bytes.load(Ordering::Relaxed)
    }

    pub(crate) fn bad_answer(&self, operation: &str, region: &str) -> Option<BadAnswer> {
        lock(&self.bad_answers)
            .iter()
            .find(|r| r.matches(operation, region))
            .map(|r| r.answer)
    }
}

/// Latency spikes and hangs.
impl SimKnobs {
    /// Adds `spike` to every `every`-th call (counted over all calls from now on); `every`
    /// 0 turns spikes off.
    pub fn set_latency_spike(&self, spike: Duration, every: u64) {
        self.calls.set_spike(spike, every);
    }

    /// The latency spike and its period (`every` 0: none).
    pub fn latency_spike(&self) -> (Duration, u64) {
        self.calls.spike()
    }

    /// Holds back the answers of the operations `hang` names until it is lifted
    /// (`Hang::default()` lifts every hang and releases the calls waiting).
    pub fn set_hang(&self, hang: super::call_faults::Hang) {
        self.calls.set_hang(hang);
    }

    pub fn hang(&self) -> super::call_faults::Hang {
        self.calls.hang()
    }
}
