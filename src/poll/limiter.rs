//! Pacing of the poller: a token bucket (`aws::TokenBucket`) per API of a scope, backoff
//! with full jitter, and jittered poll intervals.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::Rng;

use crate::aws::TokenBucket;

/// Token buckets of one (account, region), one per API, made on first use.
#[derive(Debug)]
pub struct Buckets {
    rate: f64,
    burst: f64,
    map: Mutex<HashMap<&'static str, Arc<TokenBucket>>>,
}

impl Buckets {
    pub fn new(rate_per_second: f64) -> Buckets {
        Buckets {
            // A little under the service's rate, so that arrival jitter does not throttle.
            rate: rate_per_second * 0.98,
            burst: rate_per_second.floor().max(1.0),
            map: Mutex::default(),
        }
    }

    /// The bucket of `api` (an operation name such as `DescribeOpsItems`).
    pub fn get(&self, api: &'static str) -> Arc<TokenBucket> {
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(api)
            .or_insert_with(|| Arc::new(TokenBucket::new(self.rate, self.burst)))
            .clone()
    }
}

/// Exponential backoff with full jitter: a random wait in [0, min(cap, base·2^attempt)].
pub fn full_jitter(attempt: u32, base: Duration, cap: Duration) -> Duration {
    let ceiling = base
        .saturating_mul(1u32.checked_shl(attempt.min(16)).unwrap_or(u32::MAX))
        .min(cap);
    let ms = ceiling.as_millis().min(u64::MAX as u128) as u64;
    Duration::from_millis(rand::rng().random_range(0..=ms))
}

/// Exponential backoff with equal jitter: a random wait in [c/2, c] for
/// c = min(cap, base·2^attempt), so that a retry never follows at once.
pub fn equal_jitter(attempt: u32, base: Duration, cap: Duration) -> Duration {
    let ceiling = base
        .saturating_mul(1u32.checked_shl(attempt.min(16)).unwrap_or(u32::MAX))
        .min(cap);
    let ms = ceiling.as_millis().min(u64::MAX as u128) as u64;
    Duration::from_millis(rand::rng().random_range(ms / 2..=ms))
}

/// `interval` moved by up to ±10%, so that scopes drift apart.
pub fn jittered(interval: Duration) -> Duration {
    let ms = interval.as_millis().min(u64::MAX as u128) as f64;
    let factor = rand::rng().random_range(0.9..=1.1);
    Duration::from_millis((ms * factor) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_jitter_doubles_within_half_and_whole_up_to_the_cap() {
        let base = Duration::from_secs(1);
        let cap = Duration::from_secs(30);
        for _ in 0..200 {
            let first = equal_jitter(0, base, cap);
            assert!(
                (Duration::from_millis(500)..=base).contains(&first),
                "{first:?}"
            );
            let third = equal_jitter(2, base, cap);
            assert!((Duration::from_secs(2)..=Duration::from_secs(4)).contains(&third));
            let late = equal_jitter(30, base, cap);
            assert!((Duration::from_secs(15)..=cap).contains(&late), "{late:?}");
        }
    }

    #[test]
    fn jitter_stays_under_the_cap() {
        for attempt in 0..40 {
            let d = full_jitter(attempt, Duration::from_millis(100), Duration::from_secs(5));
            assert!(d <= Duration::from_secs(5));
        }
        let j = jittered(Duration::from_secs(60));
        assert!(j >= Duration::from_secs(54) && j <= Duration::from_secs(66));
    }

    #[test]
    fn one_bucket_per_api() {
        let b = Buckets::new(5.0);
        assert!(Arc::ptr_eq(&b.get("A"), &b.get("A")));
        assert!(!Arc::ptr_eq(&b.get("A"), &b.get("B")));
    }
}
