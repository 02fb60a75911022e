//! Round-trip estimate and retransmission timeout (§6.4, V12).

use std::time::Duration;

/// Initial SRTT (`DefaultRoundTripTime`).
pub const INITIAL_SRTT_MS: f64 = 100.0;
/// Initial RTO (`DefaultTransmissionTimeout`).
pub const INITIAL_RTO_MS: f64 = 200.0;
/// RTO cap (`MaxTransmissionTimeout`).
pub const MAX_RTO_MS: f64 = 1000.0;
/// Clock granularity G.
pub const CLOCK_GRANULARITY_MS: f64 = 10.0;
const ALPHA: f64 = 1.0 / 8.0;
const BETA: f64 = 1.0 / 4.0;

/// SRTT / RTTVAR / RTO in milliseconds, updated as in §6.4.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RttEstimator {
    pub srtt_ms: f64,
    pub rttvar_ms: f64,
    pub rto_ms: f64,
}

impl Default for RttEstimator {
    fn default() -> Self {
        Self {
            srtt_ms: INITIAL_SRTT_MS,
            rttvar_ms: 0.0,
            rto_ms: INITIAL_RTO_MS,
        }
    }
}

impl RttEstimator {
    /// Folds in one measurement; RTTVAR uses the old SRTT.
    pub fn update(&mut self, sample: Duration) {
        let r = sample.as_secs_f64() * 1000.0;
        self.rttvar_ms = (1.0 - BETA) * self.rttvar_ms + BETA * (self.srtt_ms - r).abs();
        self.srtt_ms = (1.0 - ALPHA) * self.srtt_ms + ALPHA * r;
        self.rto_ms =
            (self.srtt_ms + CLOCK_GRANULARITY_MS.max(4.0 * self.rttvar_ms)).min(MAX_RTO_MS);
    }

    pub fn rto(&self) -> Duration {
        Duration::from_secs_f64(self.rto_ms / 1000.0)
    }
}
