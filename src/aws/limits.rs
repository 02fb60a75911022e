//! How long an AWS call may take and how often it is tried, for every client the
//! [`super::Connector`] makes, and the text a call that ran out of time fails with.
//!
//! - connect: [`CONNECT_TIMEOUT`] to open the TCP (and TLS) connection;
//! - per attempt: [`ATTEMPT_TIMEOUT`] from sending the request to the last byte of the
//!   answer;
//! - per call: [`OPERATION_TIMEOUT`] for every attempt and the waits between them together.
//!
//! So a call to an endpoint that never answers fails after about [`OPERATION_TIMEOUT`],
//! whatever the number of attempts, and says how many attempts it made.

use std::time::{Duration, Instant};

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_ssm::config::interceptors::{
    BeforeSerializationInterceptorContextRef, FinalizerInterceptorContextMut,
};
use aws_sdk_ssm::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::client::orchestrator::OrchestratorError;
use aws_smithy_runtime_api::client::retries::RequestAttempts;
use aws_smithy_types::config_bag::{Storable, StoreReplace};

/// Time to open a connection to the endpoint.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Time one attempt of a call may take, the answer read in full.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// Time a call may take, every attempt and the backoff between them included.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(30);

/// The retry and timeout settings of every client: `max_attempts` tries a call (throttling
/// and transient failures, timeouts included, are retried with backoff) within the limits
/// above.
pub(super) fn call_limits(max_attempts: u32) -> (RetryConfig, TimeoutConfig) {
    let retry = RetryConfig::standard()
        .with_max_attempts(max_attempts.max(1))
        .with_initial_backoff(Duration::from_millis(200))
        .with_max_backoff(Duration::from_secs(10));
    let timeout = TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .operation_attempt_timeout(ATTEMPT_TIMEOUT)
        .operation_timeout(OPERATION_TIMEOUT)
        .build();
    (retry, timeout)
}

/// When the call started (kept in the call's own config bag).
#[derive(Debug, Clone, Copy)]
struct CallStarted(Instant);

impl Storable for CallStarted {
    type Storer = StoreReplace<CallStarted>;
}

/// Rewrites a call's timeout into what happened: the attempts made, how long they took
/// and the limits that ended them ("timed out after 3 attempts in 30 s ...").
#[derive(Debug, Clone, Copy, Default)]
pub struct TimeoutReport;

impl Intercept for TimeoutReport {
    fn name(&self) -> &'static str {
        "TimeoutReport"
    }

    fn read_before_execution(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        cfg.interceptor_state()
            .store_put(CallStarted(Instant::now()));
        Ok(())
    }

    fn modify_before_completion(
        &self,
        context: &mut FinalizerInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let attempts = cfg.load::<RequestAttempts>().map_or(1, |a| a.attempts());
        let elapsed = cfg.load::<CallStarted>().map(|s| s.0.elapsed());
        if let Some(Err(err)) = context.output_or_error_mut() {
            let connect = err.as_connector_error().is_some_and(|c| c.is_timeout());
            if !err.is_timeout_error() && !connect {
                return Ok(());
            }
            let report = TimedOut {
                attempts,
                elapsed: elapsed.unwrap_or_default(),
                connect,
            };
            *err = OrchestratorError::timeout(Box::new(report));
        }
        Ok(())
    }
}

/// A call that got no answer in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimedOut {
    /// Attempts sent, the last one included (it may have been cut short).
    pub attempts: u32,
    /// From the first attempt until the call gave up.
    pub elapsed: Duration,
    /// The last attempt could not even connect.
    pub connect: bool,
}

impl std::fmt::Display for TimedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let plural = if self.attempts == 1 { "" } else { "s" };
        if self.connect {
            return write!(
                f,
                "could not connect: timed out after {} attempt{plural} in {} s (connect timeout \
                 {} s)",
                self.attempts,
                self.elapsed.as_secs_f64().round(),
                CONNECT_TIMEOUT.as_secs(),
            );
        }
        write!(
            f,
            "no answer: timed out after {} attempt{plural} in {} s (per-attempt timeout {} s, \
             per-call timeout {} s)",
            self.attempts,
            self.elapsed.as_secs_f64().round(),
            ATTEMPT_TIMEOUT.as_secs(),
            OPERATION_TIMEOUT.as_secs(),
        )
    }
}

impl std::error::Error for TimedOut {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_states_attempts_time_and_limits() {
        let text = TimedOut {
            attempts: 3,
            elapsed: Duration::from_millis(30_400),
            connect: false,
        }
        .to_string();
        assert_eq!(
            text,
            "no answer: timed out after 3 attempts in 30 s (per-attempt timeout 10 s, \
             per-call timeout 30 s)"
        );
        let one = TimedOut {
            attempts: 1,
            elapsed: Duration::from_secs(10),
            connect: false,
        }
        .to_string();
        assert!(one.contains("after 1 attempt in 10 s"), "{one}");
        let connect = TimedOut {
            attempts: 5,
            elapsed: Duration::from_secs(16),
            connect: true,
        }
        .to_string();
        assert_eq!(
            connect,
            "could not connect: timed out after 5 attempts in 16 s (connect timeout 3 s)"
        );
    }

    #[test]
    fn every_limit_is_set_and_a_call_outlasts_no_more_than_its_operation_timeout() {
        let (retry, timeout) = call_limits(5);
        assert_eq!(retry.max_attempts(), 5);
        assert_eq!(timeout.connect_timeout(), Some(CONNECT_TIMEOUT));
        assert_eq!(timeout.operation_attempt_timeout(), Some(ATTEMPT_TIMEOUT));
        assert_eq!(timeout.operation_timeout(), Some(OPERATION_TIMEOUT));
        assert!(OPERATION_TIMEOUT < Duration::from_secs(60));
        assert!(ATTEMPT_TIMEOUT * 2 < OPERATION_TIMEOUT, "room for a retry");
        assert_eq!(call_limits(0).0.max_attempts(), 1);
    }
}
