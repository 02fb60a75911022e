//! What the operations and the server share: the state of the running sim ([`State`]) and
//! what one request's operation sees of it ([`Ctx`]). It sits below the server's dispatch
//! and below every operation, so both import it and neither imports the other's module.

use std::sync::Mutex;
use std::sync::atomic::AtomicU32;

use super::auth::{Keyring, SimCredentials};
use super::estate::Estate;
use super::knobs::SimKnobs;
use super::limits::RateLimiter;
use super::session_store::Sessions;
use super::stats::Recorder;
use super::store::{Scope, scope_or_empty};
use super::wire::SplitMix;

/// What an operation sees of the world: the estate and the caller's scope.
pub(crate) struct Ctx<'a> {
    pub estate: &'a Estate,
    pub account: usize,
    pub region: &'a str,
    pub now: f64,
    pub sessions: &'a Sessions,
    pub knobs: &'a SimKnobs,
}

impl Ctx<'_> {
    /// The caller's scope: its nodes and its state (empty for a region the estate lacks).
    pub fn scope(&self) -> Scope {
        scope_or_empty(self.estate, self.account, self.region)
    }
}

pub(crate) struct State {
    pub estate: Estate,
    pub knobs: SimKnobs,
    pub stats: Recorder,
    pub sessions: Sessions,
    /// The key pairs requests must be signed with.
    pub keys: Keyring,
    pub(crate) limiter: RateLimiter,
    faults: Mutex<SplitMix>,
    pub(crate) nonce: AtomicU32,
}

impl State {
    pub fn new(estate: Estate, knobs: SimKnobs, root: SimCredentials) -> Self {
        let seed = estate.seed;
        let keys = Keyring::new(root, seed, estate.accounts.len());
        State {
            estate,
            knobs,
            stats: Recorder::default(),
            sessions: Sessions::default(),
            keys,
            limiter: RateLimiter::default(),
            faults: Mutex::new(SplitMix::new(seed ^ 0xfa17)),
            nonce: AtomicU32::new(0),
        }
    }

    pub(crate) fn roll(&self) -> f64 {
        match self.faults.lock() {
            Ok(mut g) => g.unit(),
            Err(poisoned) => poisoned.into_inner().unit(),
        }
    }
}
