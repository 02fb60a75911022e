use std::sync::Mutex;
use std::time::Duration;

use rand::Rng;
use tokio::time::Instant;

/// A token bucket: `rate` calls per second, bursts up to `burst`.
#[derive(Debug)]
pub struct TokenBucket {
    rate: f64,
    burst: f64,
    state: Mutex<(f64, Instant)>,
}

impl TokenBucket {
    pub fn new(rate_per_second: f64, burst: f64) -> TokenBucket {
        let rate = rate_per_second.max(0.001);
        let burst = burst.max(1.0);
        TokenBucket {
            rate,
            burst,
            state: Mutex::new((burst, Instant::now())),
        }
    }

    /// Takes one token, waiting for it if the bucket is empty.
    pub async fn acquire(&self) {
        loop {
            let wait = {
                let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
                let now = Instant::now();
                let refill = now.duration_since(s.1).as_secs_f64() * self.rate;
                s.0 = (s.0 + refill).min(self.burst);
                s.1 = now;
                if s.0 >= 1.0 {
                    s.0 -= 1.0;
                    return;
                }
                Duration::from_secs_f64((1.0 - s.0) / self.rate)
            };
            tokio::time::sleep(wait).await;
        }
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

/// `interval` moved by up to ±10%, so that scopes drift apart.
pub fn jittered(interval: Duration) -> Duration {
    let ms = interval.as_millis().min(u64::MAX as u128) as f64;
    let factor = rand::rng().random_range(0.9..=1.1);
    Duration::from_millis((ms * factor) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn bucket_spaces_calls_after_the_burst() {
        let b = TokenBucket::new(20.0, 2.0);
        let start = Instant::now();
        for _ in 0..6 {
            b.acquire().await;
        }
        // 2 at once, then 4 more at 20/s: at least 200 ms.
        let took = start.elapsed();
        assert!(took >= Duration::from_millis(190), "{took:?}");
        assert!(took < Duration::from_secs(2), "{took:?}");
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
}
