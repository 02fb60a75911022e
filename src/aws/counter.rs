use std::collections::BTreeMap;
use std::sync::Mutex;

use aws_sdk_ssm::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_ssm::config::{ConfigBag, Intercept, RuntimeComponents};

/// Calls sent, by operation (`ssm:DescribeOpsItems`), retries included. Shared by every
/// client a [`super::Connector`] makes; updated by [`CountCalls`] only.
#[derive(Debug, Default)]
pub struct CallCounter {
    counts: Mutex<BTreeMap<String, u64>>,
}

impl CallCounter {
    pub fn new() -> CallCounter {
        CallCounter::default()
    }

    fn add(&self, operation: String) {
        let mut c = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        *c.entry(operation).or_default() += 1;
    }

    /// A copy of the counts.
    pub fn snapshot(&self) -> BTreeMap<String, u64> {
        self.counts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Calls of one operation so far.
    pub fn get(&self, operation: &str) -> u64 {
        self.counts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(operation)
            .copied()
            .unwrap_or(0)
    }

    pub fn total(&self) -> u64 {
        self.counts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .sum()
    }
}

/// Counts every attempt sent by an AWS JSON client, by its `X-Amz-Target`
/// (`AmazonSSM.DescribeOpsItems` counts as `ssm:DescribeOpsItems`).
#[derive(Debug, Clone)]
pub struct CountCalls {
    pub counter: std::sync::Arc<CallCounter>,
}

impl Intercept for CountCalls {
    fn name(&self) -> &'static str {
        "CountCalls"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let target = context
            .request()
            .headers()
            .get("x-amz-target")
            .unwrap_or("unknown.Unknown");
        self.counter.add(operation_name(target));
        Ok(())
    }
}

/// `AmazonSSM.DescribeOpsItems` -> `ssm:DescribeOpsItems`.
fn operation_name(target: &str) -> String {
    let (service, op) = target.split_once('.').unwrap_or(("", target));
    let service = match service {
        "AmazonSSM" => "ssm",
        s if s.starts_with("AWSOrganizations") => "organizations",
        "" => "unknown",
        s => s,
    };
    format!("{service}:{op}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_become_operation_names() {
        assert_eq!(
            operation_name("AmazonSSM.DescribeOpsItems"),
            "ssm:DescribeOpsItems"
        );
        assert_eq!(
            operation_name("AWSOrganizationsV20161128.ListAccounts"),
            "organizations:ListAccounts"
        );
    }
}
