//! The cockpit's token bucket, the one place the cockpit paces its calls to AWS: the STS
//! calls of [`super::connect`] and [`super::credentials`] go through one, and the poller
//! keeps one per (account, region, API) (`poll::Buckets`). A caller waits for a token.
//!
//! The simulated estate has a limiter of its own (`sim/limits.rs`): it stands for the
//! service, answers ThrottlingException instead of waiting, and shares no code with this
//! one.

use std::sync::Mutex;
use std::time::Duration;

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
}
