//! Token buckets per (account, region, operation), refilled continuously: the service's
//! rate limit, answered with ThrottlingException. This is the sim's own bucket, apart
//! from the cockpit's `aws::TokenBucket` (which waits for a token instead of refusing):
//! the sim shares nothing of the cockpit but the session wire codec.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

struct Bucket {
    tokens: f64,
    last: Instant,
    tps: f64,
}

#[derive(Default)]
pub(crate) struct RateLimiter {
    buckets: Mutex<HashMap<(String, String, String), Bucket>>,
}

impl RateLimiter {
    /// Takes a token for the key; `false` when the bucket is empty. Burst is `max(1, tps)`.
    pub fn try_acquire(&self, tps: f64, account: &str, region: &str, op: &str) -> bool {
        let burst = tps.max(1.0);
        let now = Instant::now();
        let mut buckets = match self.buckets.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        let key = (account.to_string(), region.to_string(), op.to_string());
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: burst,
            last: now,
            tps,
        });
        if bucket.tps != tps {
            *bucket = Bucket {
                tokens: burst,
                last: now,
                tps,
            };
        }
        let elapsed = now.duration_since(bucket.last).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * tps).min(burst);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refuse_then_refill() {
        let l = RateLimiter::default();
        assert!(l.try_acquire(2.0, "a", "r", "op"));
        assert!(l.try_acquire(2.0, "a", "r", "op"));
        assert!(!l.try_acquire(2.0, "a", "r", "op"));
        // Other keys have their own bucket.
        assert!(l.try_acquire(2.0, "b", "r", "op"));
        assert!(l.try_acquire(2.0, "a", "r", "op2"));
        std::thread::sleep(std::time::Duration::from_millis(600));
        assert!(l.try_acquire(2.0, "a", "r", "op"));
    }
}
